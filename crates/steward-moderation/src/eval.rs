//! Measuring the word lists on a labelled set: a TSV with the header `label lang text`, one
//! message a line, `label` being `flag` or `clean`.

use serde::Serialize;

use crate::engine::{Engine, Scratch};
use crate::presets;
use crate::rules::{Action, Exemptions, Rule, RuleKind, Scope};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvalError {
    #[error("the first line must be the header `label<TAB>lang<TAB>text`")]
    MissingHeader,
    #[error("line {line}: {reason}")]
    BadLine { line: usize, reason: String },
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub true_pos: u32,
    pub false_pos: u32,
    pub true_neg: u32,
    pub false_neg: u32,
}

impl Counts {
    /// Flagged lines that should be; 1 when nothing was flagged.
    pub fn precision(&self) -> f64 {
        ratio(self.true_pos, self.true_pos + self.false_pos)
    }

    /// Lines that should be flagged and were; 1 when none should.
    pub fn recall(&self) -> f64 {
        ratio(self.true_pos, self.true_pos + self.false_neg)
    }
}

fn ratio(a: u32, b: u32) -> f64 {
    if b == 0 { 1.0 } else { f64::from(a) / f64::from(b) }
}

/// One line the engine got wrong.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Miss {
    pub line: usize,
    /// The expected label: `flag` (a false negative) or `clean` (a false positive).
    pub label: String,
    pub lang: String,
    pub text: String,
    /// For a false positive: what fired, as `rule: entry (matched text)`.
    pub fired: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvalReport {
    pub all: Counts,
    /// Per language, in order of first appearance.
    pub by_lang: Vec<(String, Counts)>,
    pub misses: Vec<Miss>,
}

/// The rule the evaluation measures: the abusive-vocabulary presets (`presets::ABUSE`).
pub fn abuse_rules() -> Vec<Rule> {
    vec![Rule {
        id: "abuse".into(),
        name: "Abusive vocabulary".into(),
        kind: RuleKind::Words { presets: presets::ABUSE.iter().map(|s| s.to_string()).collect(), words: vec![] },
        scope: Scope::All,
        exempt: Exemptions::default(),
        action: Action::Hold,
        dry_run: false,
        enabled: true,
    }]
}

/// Runs `engine` (text rules only) over the labelled lines of `tsv`.
pub fn evaluate(engine: &Engine, tsv: &str) -> Result<EvalReport, EvalError> {
    let mut lines = tsv.lines().enumerate();
    match lines.next() {
        Some((_, h)) if h.trim_end_matches('\r').split('\t').collect::<Vec<_>>() == ["label", "lang", "text"] => {}
        _ => return Err(EvalError::MissingHeader),
    }
    let mut scratch = Scratch::new();
    let mut report = EvalReport { all: Counts::default(), by_lang: Vec::new(), misses: Vec::new() };
    for (i, line) in lines {
        let line_no = i + 1;
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let mut parts = line.splitn(3, '\t');
        let (Some(label), Some(lang), Some(text)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(EvalError::BadLine { line: line_no, reason: "expected three tab-separated fields".into() });
        };
        let want = match label {
            "flag" => true,
            "clean" => false,
            other => {
                return Err(EvalError::BadLine {
                    line: line_no,
                    reason: format!("label {other:?} is neither flag nor clean"),
                });
            }
        };
        let verdict = engine.check_text(&mut scratch, text);
        let got = !verdict.is_clean();
        let idx = match report.by_lang.iter().position(|(l, _)| l == lang) {
            Some(i) => i,
            None => {
                report.by_lang.push((lang.to_string(), Counts::default()));
                report.by_lang.len() - 1
            }
        };
        for c in [&mut report.all, &mut report.by_lang[idx].1] {
            match (want, got) {
                (true, true) => c.true_pos += 1,
                (false, true) => c.false_pos += 1,
                (false, false) => c.true_neg += 1,
                (true, false) => c.false_neg += 1,
            }
        }
        if want != got {
            let fired = verdict
                .hits
                .iter()
                .map(|h| match &h.evidence {
                    Some(ev) => format!("{}: {} ({})", h.rule_id, ev.term, ev.matched.as_deref().unwrap_or("")),
                    None => h.rule_id.to_string(),
                })
                .collect();
            report.misses.push(Miss {
                line: line_no,
                label: label.to_string(),
                lang: lang.to_string(),
                text: text.to_string(),
                fired,
            });
        }
    }
    Ok(report)
}
