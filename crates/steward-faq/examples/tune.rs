//! Parameter sweep over both evaluation sets (a development tool):
//! `cargo run --release -p steward-faq --example tune -- eval/dev eval/telecom`.
//! Prints the best settings by accuracy minus twice the wrong-answer rate, summed over the sets.

use steward_faq::{Config, Index, Synonyms, eval};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut sets = Vec::new();
    for dir in std::env::args().skip(1) {
        let entries = steward_faq::entries_from_json(&std::fs::read_to_string(format!("{dir}/kb.json"))?)?;
        let questions = eval::parse_questions(&std::fs::read_to_string(format!("{dir}/questions.tsv"))?)?;
        sets.push((entries, questions));
    }
    let synonyms = Synonyms::builtin();
    let mut results = Vec::new();
    for unknown in [0.4, 0.6, 0.8, 1.0] {
        for synonym in [0.7, 0.85, 1.0] {
            for prefix in [0.6, 0.7, 0.8] {
                for answer in [0.3, 0.5] {
                    for share in [0.5, 0.6, 0.7] {
                        let base = Config {
                            unknown_word_weight: unknown,
                            synonym_credit: synonym,
                            prefix_credit: prefix,
                            answer_credit: answer,
                            question_share: share,
                            ..Config::default()
                        };
                        let mut indexes: Vec<_> =
                            sets.iter().map(|(e, _)| Index::build(e, &synonyms, base.clone())).collect();
                        for threshold in [0.4, 0.45, 0.5, 0.55, 0.6] {
                            for margin in [0.02, 0.05, 0.08, 0.12] {
                                let mut figures = Vec::new();
                                for (ix, (_, qs)) in indexes.iter_mut().zip(&sets) {
                                    ix.set_thresholds(threshold, margin, base.suggest_threshold);
                                    let r = eval::evaluate(ix, qs);
                                    figures.push((r.accuracy(), r.wrong_answer_rate()));
                                }
                                let score: f64 = figures.iter().map(|(a, w)| a - 2.0 * w).sum();
                                results
                                    .push((score, figures, unknown, synonym, prefix, answer, share, threshold, margin));
                            }
                        }
                    }
                }
            }
        }
    }
    results.sort_by(|a, b| b.0.total_cmp(&a.0));
    for r in results.iter().take(15) {
        println!(
            "{:.3} {:?} unknown {} synonym {} prefix {} answer {} share {} threshold {} margin {}",
            r.0, r.1, r.2, r.3, r.4, r.5, r.6, r.7, r.8
        );
    }
    Ok(())
}
