//! Evaluation of a knowledge base against labelled questions.
//!
//! Questions are TSV: `expected<TAB>lang<TAB>question`, an optional header line starting with
//! `expected`. `expected` is the entry id the bot should answer with, or `-` where it should hand
//! over (a request for a human, or a question the knowledge base does not cover).
//!
//! A line is *right* when the bot answers with the expected id, or hands over on a `-` line. It is
//! *wrong* when the bot answers and should not have, or answers with another id. Suggesting
//! alternatives is neither: it is a miss that costs the person a click, not a wrong answer.

use crate::matcher::Outcome;
use crate::model::Lang;
use crate::{FaqError, Index};

#[derive(Clone, Debug, PartialEq)]
pub struct Question {
    /// 1-based line in the file.
    pub line: usize,
    /// `None` for `-`: the bot should hand over.
    pub expected: Option<String>,
    pub lang: Lang,
    pub text: String,
}

pub fn parse_questions(tsv: &str) -> Result<Vec<Question>, FaqError> {
    let mut out = Vec::new();
    for (i, raw) in tsv.lines().enumerate() {
        let line = i + 1;
        let raw = raw.trim_end_matches('\r');
        if raw.trim().is_empty() || (line == 1 && raw.starts_with("expected\t")) {
            continue;
        }
        let mut cells = raw.splitn(3, '\t');
        let (Some(expected), Some(lang), Some(text)) = (cells.next(), cells.next(), cells.next()) else {
            return Err(FaqError::Tsv {
                line,
                message: "expected three tab-separated cells: expected, lang, question".into(),
            });
        };
        let lang = Lang::parse(lang).map_err(|e| FaqError::Tsv { line, message: e.to_string() })?;
        let expected = expected.trim();
        if expected.is_empty() {
            return Err(FaqError::Tsv { line, message: "expected: an entry id or -".into() });
        }
        out.push(Question {
            line,
            expected: (expected != "-").then(|| expected.to_string()),
            lang,
            text: text.to_string(),
        });
    }
    Ok(out)
}

#[derive(Clone, Debug, PartialEq)]
pub struct Miss {
    pub question: Question,
    /// What the bot did, e.g. `answer delivery_cost (0.62)`, `suggest a, b`, `hand over (low_confidence)`.
    pub got: String,
    /// A wrong answer rather than a missed one.
    pub wrong: bool,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Report {
    pub total: usize,
    pub right: usize,
    pub wrong: usize,
    pub misses: Vec<Miss>,
}

impl Report {
    pub fn accuracy(&self) -> f64 {
        if self.total == 0 { 0.0 } else { self.right as f64 / self.total as f64 }
    }

    pub fn wrong_answer_rate(&self) -> f64 {
        if self.total == 0 { 0.0 } else { self.wrong as f64 / self.total as f64 }
    }
}

impl Report {
    /// The misses, one per line (`WRONG` or `miss`, line, expected, what the bot did, the
    /// question), then the summary line `accuracy A wrong_answer_rate W`.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for m in &self.misses {
            out.push_str(&format!(
                "{}\tline {}\texpected {}\tgot {}\t{}\n",
                if m.wrong { "WRONG" } else { "miss" },
                m.question.line,
                m.question.expected.as_deref().unwrap_or("-"),
                m.got,
                m.question.text
            ));
        }
        out.push_str(&format!("accuracy {:.4} wrong_answer_rate {:.4}\n", self.accuracy(), self.wrong_answer_rate()));
        out
    }
}

pub fn describe(outcome: &Outcome<'_>) -> String {
    match outcome {
        Outcome::Answer { entry, confidence } => format!("answer {} ({confidence:.2})", entry.id),
        Outcome::Suggest { alternatives } => format!(
            "suggest {}",
            alternatives.iter().map(|s| format!("{} ({:.2})", s.entry.id, s.score)).collect::<Vec<_>>().join(", ")
        ),
        Outcome::HandOver { reason } => format!("hand over ({})", reason.as_str()),
    }
}

/// Asks every question (with its `lang` as the hint) and tallies the outcomes.
pub fn evaluate(index: &Index, questions: &[Question]) -> Report {
    let mut report = Report { total: questions.len(), ..Report::default() };
    for q in questions {
        let outcome = index.ask(&q.text, Some(q.lang));
        let (right, wrong) = match (&outcome, &q.expected) {
            (Outcome::Answer { entry, .. }, Some(id)) => (entry.id == *id, entry.id != *id),
            (Outcome::Answer { .. }, None) => (false, true),
            (Outcome::HandOver { .. }, None) => (true, false),
            _ => (false, false),
        };
        if right {
            report.right += 1;
        } else {
            if wrong {
                report.wrong += 1;
            }
            report.misses.push(Miss { question: q.clone(), got: describe(&outcome), wrong });
        }
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_reports_bad_lines() {
        let qs = parse_questions("expected\tlang\tquestion\na\tru\tгде заказ\n-\ten\thuman please\n").unwrap();
        assert_eq!(qs.len(), 2);
        assert_eq!(qs[0].expected.as_deref(), Some("a"));
        assert_eq!(qs[1].expected, None);
        let err = parse_questions("a\tde\tx\n").unwrap_err();
        assert!(err.to_string().contains("line 1"), "{err}");
        assert!(parse_questions("a only\n").is_err());
    }
}
