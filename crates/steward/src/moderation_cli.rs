//! `steward moderation check FILE.tsv`: runs the abusive-vocabulary presets over a labelled set
//! (header `label<TAB>lang<TAB>text`, label `flag` or `clean`) and prints every miss, the
//! figures per language, and last `precision P recall R`.

use std::path::Path;

use anyhow::Context;
use steward_moderation::{Engine, eval};

pub fn check(file: &Path) -> anyhow::Result<()> {
    let tsv = std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let engine = Engine::compile(&eval::abuse_rules())?;
    let report = eval::evaluate(&engine, &tsv).with_context(|| format!("{} is not a labelled set", file.display()))?;
    for m in &report.misses {
        if m.fired.is_empty() {
            println!("missed\t{}\t{}\t{}", m.label, m.lang, m.text);
        } else {
            println!("false positive\t{}\t{}\t{}\t<- {}", m.label, m.lang, m.text, m.fired.join("; "));
        }
    }
    for (lang, c) in &report.by_lang {
        let lines = c.true_pos + c.false_pos + c.true_neg + c.false_neg;
        println!("{lang}: precision {:.3} recall {:.3} ({lines} lines)", c.precision(), c.recall());
    }
    println!("precision {:.3} recall {:.3}", report.all.precision(), report.all.recall());
    Ok(())
}
