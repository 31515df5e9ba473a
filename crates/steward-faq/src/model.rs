//! The knowledge base: FAQ entries and their JSON and CSV shapes.
//!
//! JSON is an array of entries:
//! `{"id": "delivery_time", "lang": "ru", "questions": ["…", "…"], "answer": "markdown",
//!   "category": "delivery", "status": "published"}`; `category` (default empty) and `status`
//! (`published` or `draft`, default `published`) may be left out. The same `id` in two languages is
//! the same topic.
//!
//! CSV (RFC 4180, comma, header row, UTF-8): `id,lang,category,status,questions,answer` — one row
//! per entry; the `questions` cell holds the phrasings one per line (a quoted cell with line
//! breaks, as spreadsheets write them).

use serde::{Deserialize, Serialize};

use crate::FaqError;

/// The language of an entry or a question.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[serde(alias = "RU", alias = "Ru")]
    Ru,
    #[serde(alias = "EN", alias = "En")]
    En,
}

impl Lang {
    pub fn parse(s: &str) -> Result<Lang, FaqError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "ru" => Ok(Lang::Ru),
            "en" => Ok(Lang::En),
            _ => Err(FaqError::Invalid { field: "lang".into(), rule: format!("{s:?} is not ru or en") }),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Lang::Ru => "ru",
            Lang::En => "en",
        }
    }
}

/// Only published entries answer questions; drafts are kept for editing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    #[default]
    Published,
    Draft,
}

impl Status {
    pub fn parse(s: &str) -> Result<Status, FaqError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "" | "published" => Ok(Status::Published),
            "draft" => Ok(Status::Draft),
            _ => Err(FaqError::Invalid { field: "status".into(), rule: format!("{s:?} is not published or draft") }),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Published => "published",
            Status::Draft => "draft",
        }
    }
}

/// One FAQ entry: several phrasings of a question, one answer (markdown).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub id: String,
    pub lang: Lang,
    pub questions: Vec<String>,
    pub answer: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub category: String,
    #[serde(default)]
    pub status: Status,
}

impl Entry {
    /// Checks what the matcher relies on: an id, at least one non-blank phrasing.
    pub fn validate(&self) -> Result<(), FaqError> {
        let id_ok = !self.id.trim().is_empty()
            && self.id.len() <= 128
            && self.id.chars().all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'));
        if !id_ok {
            return Err(FaqError::Invalid {
                field: "id".into(),
                rule: format!("{:?}: 1–128 letters, digits, '_', '-' or '.'", self.id),
            });
        }
        if !self.questions.iter().any(|q| !q.trim().is_empty()) {
            return Err(FaqError::Invalid {
                field: format!("{}.questions", self.id),
                rule: "at least one non-empty phrasing".into(),
            });
        }
        Ok(())
    }
}

/// Parses and validates a JSON array of entries.
pub fn entries_from_json(text: &str) -> Result<Vec<Entry>, FaqError> {
    let entries: Vec<Entry> = serde_json::from_str(text)?;
    for e in &entries {
        e.validate()?;
    }
    Ok(entries)
}

pub fn entries_to_json(entries: &[Entry]) -> String {
    // Serialising plain structs of strings cannot fail.
    serde_json::to_string_pretty(entries).unwrap_or_default()
}

const CSV_HEADER: [&str; 6] = ["id", "lang", "category", "status", "questions", "answer"];

pub fn entries_to_csv(entries: &[Entry]) -> String {
    let mut out = CSV_HEADER.join(",");
    out.push_str("\r\n");
    for e in entries {
        let questions = e.questions.join("\n");
        let cells = [e.id.as_str(), e.lang.as_str(), &e.category, e.status.as_str(), &questions, &e.answer];
        for (i, cell) in cells.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            if cell.contains([',', '"', '\n', '\r']) {
                out.push('"');
                out.push_str(&cell.replace('"', "\"\""));
                out.push('"');
            } else {
                out.push_str(cell);
            }
        }
        out.push_str("\r\n");
    }
    out
}

/// Parses the CSV shape described in the module documentation.
pub fn entries_from_csv(text: &str) -> Result<Vec<Entry>, FaqError> {
    let rows = parse_csv(text)?;
    let mut rows = rows.into_iter();
    let header = rows.next().ok_or_else(|| FaqError::Csv { line: 1, message: "no header row".into() })?;
    let header: Vec<String> = header.1.iter().map(|h| h.trim().to_ascii_lowercase()).collect();
    let col = |name: &str| header.iter().position(|h| h == name);
    let (Some(id), Some(lang), Some(questions), Some(answer)) =
        (col("id"), col("lang"), col("questions"), col("answer"))
    else {
        return Err(FaqError::Csv { line: 1, message: "the header needs id, lang, questions and answer".into() });
    };
    let (category, status) = (col("category"), col("status"));
    let mut entries = Vec::new();
    for (line, row) in rows {
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let cell = |i: usize| row.get(i).map(String::as_str).unwrap_or("");
        let at = |e: FaqError| FaqError::Csv { line, message: e.to_string() };
        let entry = Entry {
            id: cell(id).trim().to_string(),
            lang: Lang::parse(cell(lang)).map_err(at)?,
            questions: cell(questions).lines().map(str::trim).filter(|q| !q.is_empty()).map(String::from).collect(),
            answer: cell(answer).to_string(),
            category: category.map(|i| cell(i).trim().to_string()).unwrap_or_default(),
            status: Status::parse(status.map(cell).unwrap_or("")).map_err(at)?,
        };
        entry.validate().map_err(at)?;
        entries.push(entry);
    }
    Ok(entries)
}

/// RFC 4180 records with the line each starts on.
fn parse_csv(text: &str) -> Result<Vec<(usize, Vec<String>)>, FaqError> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut cell = String::new();
    let mut chars = text.trim_start_matches('\u{feff}').chars().peekable();
    let mut line = 1;
    let mut row_line = 1;
    let mut quoted = false;
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    cell.push('"');
                }
                '"' => quoted = false,
                _ => {
                    if c == '\n' {
                        line += 1;
                    }
                    if c != '\r' {
                        cell.push(c);
                    }
                }
            }
            continue;
        }
        match c {
            '"' if cell.is_empty() => quoted = true,
            ',' => row.push(std::mem::take(&mut cell)),
            '\r' => {}
            '\n' => {
                row.push(std::mem::take(&mut cell));
                rows.push((row_line, std::mem::take(&mut row)));
                line += 1;
                row_line = line;
            }
            _ => cell.push(c),
        }
    }
    if quoted {
        return Err(FaqError::Csv { line: row_line, message: "a quoted cell is not closed".into() });
    }
    if !cell.is_empty() || !row.is_empty() {
        row.push(cell);
        rows.push((row_line, row));
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> Entry {
        Entry {
            id: "return_policy".into(),
            lang: Lang::Ru,
            questions: vec!["Как вернуть товар?".into(), "Можно ли сделать \"возврат\", если…".into()],
            answer: "Вернуть можно за **14 дней**,\nв личном кабинете.".into(),
            category: "returns".into(),
            status: Status::Draft,
        }
    }

    #[test]
    fn json_round_trip_and_defaults() {
        let e = entry();
        assert_eq!(entries_from_json(&entries_to_json(std::slice::from_ref(&e))).unwrap(), vec![e]);
        let minimal = r#"[{"id":"a","lang":"en","questions":["Hi?"],"answer":"Hello"}]"#;
        let parsed = entries_from_json(minimal).unwrap();
        assert_eq!(parsed[0].status, Status::Published);
        assert_eq!(parsed[0].category, "");
    }

    #[test]
    fn csv_round_trip() {
        let e = entry();
        let csv = entries_to_csv(&[e.clone(), Entry { id: "b".into(), ..e.clone() }]);
        assert_eq!(entries_from_csv(&csv).unwrap(), vec![e.clone(), Entry { id: "b".into(), ..e }]);
    }

    #[test]
    fn bad_input_names_the_field() {
        let err = entries_from_json(r#"[{"id":"","lang":"en","questions":["x"],"answer":""}]"#).unwrap_err();
        assert!(err.to_string().contains("id"), "{err}");
        let err = entries_from_json(r#"[{"id":"a","lang":"de","questions":["x"],"answer":""}]"#).unwrap_err();
        assert!(err.to_string().contains("lang") || err.to_string().contains("variant"), "{err}");
        let err = entries_from_csv("id,lang,questions,answer\na,fr,q,x\n").unwrap_err();
        assert!(err.to_string().contains("line 2") && err.to_string().contains("lang"), "{err}");
        assert!(entries_from_csv("id,lang,questions,answer\n\"a,en,q,x\n").is_err());
    }
}
