//! The pre-chat form an inbox shows before a conversation starts: its definition (checked when
//! an administrator saves it) and the checking of a visitor's answers against it.

use std::collections::BTreeMap;

use regex::{Regex, RegexBuilder};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use steward_core::validate::{Email, Locale};

use crate::{Invalid, Rule, bounded_line};

/// Fields in one form.
pub const MAX_FIELDS: usize = 10;
/// Characters in a field's name.
pub const MAX_NAME: usize = 32;
/// Characters in a label (each language).
pub const MAX_LABEL: usize = 100;
/// Characters in a pattern.
pub const MAX_PATTERN: usize = 200;
/// Compiled size of a pattern (`RegexBuilder::size_limit`): visitors' answers run against it.
pub const PATTERN_SIZE_LIMIT: usize = 64 * 1024;
/// Choices in a select field, and characters in each.
pub const MAX_OPTIONS: usize = 50;
pub const MAX_OPTION: usize = 100;
/// The largest `max_len` an administrator may set.
pub const MAX_ANSWER: u32 = 4000;

/// What a field asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldKind {
    Text,
    Email,
    Phone,
    Select,
    Textarea,
}

impl FieldKind {
    /// The answer length when the definition sets none.
    fn default_max_len(self) -> u32 {
        match self {
            FieldKind::Text | FieldKind::Select => 200,
            FieldKind::Email => 254,
            FieldKind::Phone => 32,
            FieldKind::Textarea => 2000,
        }
    }
}

/// A label in both interface languages; either may be left empty, the other is shown then.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Label {
    #[serde(default)]
    pub ru: String,
    #[serde(default)]
    pub en: String,
}

impl Label {
    pub fn get(&self, locale: Locale) -> &str {
        let (first, other) = match locale {
            Locale::Ru => (&self.ru, &self.en),
            Locale::En => (&self.en, &self.ru),
        };
        if first.trim().is_empty() { other } else { first }
    }
}

/// One field as an administrator defines it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrechatField {
    /// The answer's key: 1–32 of `a-z 0-9 _`.
    pub name: String,
    pub label: Label,
    pub kind: FieldKind,
    #[serde(default)]
    pub required: bool,
    /// A regular expression the whole answer must match (not for selects).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// The choices of a select.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    /// The longest answer in characters; by default 200 (text, select), 254 (email), 32 (phone),
    /// 2000 (textarea).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_len: Option<u32>,
}

/// A checked form, patterns compiled, ready to check answers.
#[derive(Debug, Clone)]
pub struct PrechatForm {
    fields: Vec<(PrechatField, Option<Regex>)>,
}

/// Checks a form's definition: at most [`MAX_FIELDS`] fields with unique names, a label, a
/// pattern that compiles within bounds, options exactly for selects. Errors name the part:
/// `prechat[1].pattern`.
pub fn validate_definition(fields: &[PrechatField]) -> Result<PrechatForm, Invalid> {
    if fields.len() > MAX_FIELDS {
        return Err(Invalid::with_limit("prechat", Rule::TooLong, MAX_FIELDS));
    }
    let mut compiled = Vec::with_capacity(fields.len());
    for (i, field) in fields.iter().enumerate() {
        let at = |key: &str| format!("prechat[{i}].{key}");
        let name = &field.name;
        if name.is_empty() {
            return Err(Invalid::new(at("name"), Rule::Required));
        }
        if name.len() > MAX_NAME {
            return Err(Invalid::with_limit(at("name"), Rule::TooLong, MAX_NAME));
        }
        if !name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') {
            return Err(Invalid::new(at("name"), Rule::InvalidFormat));
        }
        if fields[..i].iter().any(|f| f.name == *name) {
            return Err(Invalid::new(at("name"), Rule::InvalidChoice).with_detail(name.clone()));
        }
        if field.label.ru.trim().is_empty() && field.label.en.trim().is_empty() {
            return Err(Invalid::new(at("label"), Rule::Required));
        }
        bounded_line(at("label.ru"), &field.label.ru, 0, MAX_LABEL)?;
        bounded_line(at("label.en"), &field.label.en, 0, MAX_LABEL)?;
        if field.max_len.is_some_and(|n| n == 0 || n > MAX_ANSWER) {
            return Err(Invalid::with_limit(at("max_len"), Rule::InvalidChoice, MAX_ANSWER as usize));
        }
        let is_select = field.kind == FieldKind::Select;
        if is_select && field.options.is_empty() {
            return Err(Invalid::new(at("options"), Rule::Required));
        }
        if !is_select && !field.options.is_empty() {
            return Err(Invalid::new(at("options"), Rule::InvalidChoice));
        }
        if field.options.len() > MAX_OPTIONS {
            return Err(Invalid::with_limit(at("options"), Rule::TooLong, MAX_OPTIONS));
        }
        for (j, option) in field.options.iter().enumerate() {
            let option = bounded_line(format!("prechat[{i}].options[{j}]"), option, 1, MAX_OPTION)?;
            if field.options[..j].iter().any(|o| o.trim() == option) {
                return Err(Invalid::new(format!("prechat[{i}].options[{j}]"), Rule::InvalidChoice).with_detail(option));
            }
        }
        let regex = match &field.pattern {
            None => None,
            Some(_) if is_select => return Err(Invalid::new(at("pattern"), Rule::InvalidChoice)),
            Some(p) if p.is_empty() => return Err(Invalid::new(at("pattern"), Rule::Required)),
            Some(p) if p.chars().count() > MAX_PATTERN => {
                return Err(Invalid::with_limit(at("pattern"), Rule::TooLong, MAX_PATTERN));
            }
            Some(p) => Some(
                RegexBuilder::new(&format!("^(?:{p})$"))
                    .size_limit(PATTERN_SIZE_LIMIT)
                    .dfa_size_limit(4 * PATTERN_SIZE_LIMIT)
                    .build()
                    .map_err(|_| Invalid::new(at("pattern"), Rule::InvalidFormat))?,
            ),
        };
        compiled.push((field.clone(), regex));
    }
    Ok(PrechatForm { fields: compiled })
}

/// Checks a visitor's answers against a definition (see [`PrechatForm::validate_answers`]);
/// a bad definition is the one error.
pub fn validate_answers(
    fields: &[PrechatField],
    answers: &Map<String, Value>,
) -> Result<BTreeMap<String, String>, Vec<Invalid>> {
    validate_definition(fields).map_err(|e| vec![e])?.validate_answers(answers)
}

impl PrechatForm {
    /// The fields, in order (for the widget's configuration).
    pub fn fields(&self) -> impl Iterator<Item = &PrechatField> {
        self.fields.iter().map(|(f, _)| f)
    }

    /// The answers, trimmed and normalised (e-mail lower-cased, a select's option as defined),
    /// keyed by field name; blank optional answers are left out, unknown keys ignored. Every
    /// problem is reported, each naming `prechat.<name>` and the rule: `Required`,
    /// `InvalidFormat` (e-mail, phone, pattern, control characters, not text), `InvalidChoice`
    /// (not an option), `TooLong`.
    pub fn validate_answers(&self, answers: &Map<String, Value>) -> Result<BTreeMap<String, String>, Vec<Invalid>> {
        let mut ok = BTreeMap::new();
        let mut errors = Vec::new();
        for (field, regex) in &self.fields {
            match check_answer(field, regex.as_ref(), answers.get(&field.name)) {
                Ok(Some(value)) => {
                    ok.insert(field.name.clone(), value);
                }
                Ok(None) => {}
                Err(rule) => {
                    let limit = if rule == Rule::TooLong { max_len(field) } else { 0 };
                    errors.push(Invalid::with_limit(format!("prechat.{}", field.name), rule, limit));
                }
            }
        }
        if errors.is_empty() { Ok(ok) } else { Err(errors) }
    }
}

fn max_len(field: &PrechatField) -> usize {
    field.max_len.unwrap_or_else(|| field.kind.default_max_len()) as usize
}

fn check_answer(field: &PrechatField, regex: Option<&Regex>, raw: Option<&Value>) -> Result<Option<String>, Rule> {
    let text = match raw {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.trim().to_string(),
        Some(Value::Number(n)) => n.to_string(),
        Some(_) => return Err(Rule::InvalidFormat),
    };
    if text.is_empty() {
        return if field.required { Err(Rule::Required) } else { Ok(None) };
    }
    if text.chars().count() > max_len(field) {
        return Err(Rule::TooLong);
    }
    let multiline = field.kind == FieldKind::Textarea;
    if text.chars().any(|c| c.is_control() && !(multiline && (c == '\n' || c == '\t'))) {
        return Err(Rule::InvalidFormat);
    }
    let value = match field.kind {
        FieldKind::Email => Email::parse(&text).map_err(|_| Rule::InvalidFormat)?.as_str().to_string(),
        FieldKind::Phone if !is_phone(&text) => return Err(Rule::InvalidFormat),
        FieldKind::Select => field
            .options
            .iter()
            .map(|o| o.trim())
            .find(|o| o.to_lowercase() == text.to_lowercase())
            .ok_or(Rule::InvalidChoice)?
            .to_string(),
        _ => text,
    };
    if regex.is_some_and(|r| !r.is_match(&value)) {
        return Err(Rule::InvalidFormat);
    }
    Ok(Some(value))
}

/// A telephone number as people write it: an optional `+`, 5–15 digits, and spaces, dashes,
/// dots or brackets between them.
fn is_phone(s: &str) -> bool {
    let body = s.strip_prefix('+').unwrap_or(s);
    let digits = body.chars().filter(char::is_ascii_digit).count();
    (5..=15).contains(&digits) && body.chars().all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '.' | '(' | ')'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn form() -> Vec<PrechatField> {
        serde_json::from_value(json!([
            {"name":"name","label":{"ru":"Имя","en":"Name"},"kind":"text","required":true,"max_len":20},
            {"name":"email","label":{"en":"E-mail"},"kind":"email","required":true},
            {"name":"phone","label":{"ru":"Телефон"},"kind":"phone"},
            {"name":"topic","label":{"en":"Topic"},"kind":"select","options":["Billing","Tech support"],"required":true},
            {"name":"order","label":{"en":"Order"},"kind":"text","pattern":"[A-Z]{2}-\\d{4}"},
            {"name":"details","label":{"en":"Details"},"kind":"textarea"}
        ]))
        .unwrap()
    }

    #[test]
    fn answers_are_checked_and_normalised() {
        let fields = form();
        let good = json!({
            "name":" Анна ", "email":"Anna@Example.COM", "phone":"+7 (912) 345-67-89", "topic":"tech support",
            "order":"AB-1234", "details":"line one\nline two", "unknown":"ignored"
        });
        let ok = validate_answers(&fields, good.as_object().unwrap()).unwrap();
        let expected: BTreeMap<String, String> = [
            ("name", "Анна"),
            ("email", "anna@example.com"),
            ("phone", "+7 (912) 345-67-89"),
            ("topic", "Tech support"),
            ("order", "AB-1234"),
            ("details", "line one\nline two"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert_eq!(ok, expected);
        // Optional blanks are left out; numbers are taken as text.
        let minimal = json!({"name":"Bo","email":"bo@x.io","topic":"Billing","phone":null,"order":"  ","details":""});
        let ok = validate_answers(&fields, minimal.as_object().unwrap()).unwrap();
        assert_eq!(ok.keys().collect::<Vec<_>>(), ["email", "name", "topic"]);
        let numeric = json!({"name":"Bo","email":"bo@x.io","topic":"Billing","phone":79123456789_i64});
        assert_eq!(validate_answers(&fields, numeric.as_object().unwrap()).unwrap()["phone"], "79123456789");

        // (answers, expected errors as (field, rule))
        let cases = [
            (
                json!({}),
                vec![
                    ("prechat.name", Rule::Required),
                    ("prechat.email", Rule::Required),
                    ("prechat.topic", Rule::Required),
                ],
            ),
            (
                json!({"name":"x".repeat(21),"email":"anna@","topic":"Sales","phone":"12","order":"ab-1234"}),
                vec![
                    ("prechat.name", Rule::TooLong),
                    ("prechat.email", Rule::InvalidFormat),
                    ("prechat.phone", Rule::InvalidFormat),
                    ("prechat.topic", Rule::InvalidChoice),
                    ("prechat.order", Rule::InvalidFormat),
                ],
            ),
            (
                json!({"name":["Anna"],"email":"a@b.io","topic":"Billing","phone":"+7 912 abc","details":"bell\u{7}"}),
                vec![
                    ("prechat.name", Rule::InvalidFormat),
                    ("prechat.phone", Rule::InvalidFormat),
                    ("prechat.details", Rule::InvalidFormat),
                ],
            ),
            (
                // A text field is one line; the pattern must match the whole answer.
                json!({"name":"An\nna","email":"a@b.io","topic":"Billing","order":"xAB-1234"}),
                vec![("prechat.name", Rule::InvalidFormat), ("prechat.order", Rule::InvalidFormat)],
            ),
            (
                json!({"name":"Anna","email":"a@b.io","topic":"Billing","details":"я".repeat(2001)}),
                vec![("prechat.details", Rule::TooLong)],
            ),
        ];
        for (answers, expected) in cases {
            let errors = validate_answers(&fields, answers.as_object().unwrap()).unwrap_err();
            let got: Vec<(&str, Rule)> = errors.iter().map(|e| (e.field.as_ref(), e.rule)).collect();
            assert_eq!(got, expected, "{answers}");
        }
        let errors = validate_answers(&fields, json!({"name":"x".repeat(21)}).as_object().unwrap()).unwrap_err();
        assert_eq!(errors[0].limit, 20);
    }

    #[test]
    fn definitions_are_checked() {
        let with = |change: &dyn Fn(&mut Vec<PrechatField>)| {
            let mut fields = form();
            change(&mut fields);
            validate_definition(&fields).err().map(|e| (e.field.into_owned(), e.rule))
        };
        let f = |s: &str, r: Rule| Some((s.to_string(), r));
        // (change, expected error)
        type Change = Box<dyn Fn(&mut Vec<PrechatField>)>;
        let cases: Vec<(Change, Option<(String, Rule)>)> = vec![
            (Box::new(|_| {}), None),
            (Box::new(|v| v.clear()), None),
            (Box::new(|v| v.extend(form())), f("prechat", Rule::TooLong)),
            (Box::new(|v| v[1].name = String::new()), f("prechat[1].name", Rule::Required)),
            (Box::new(|v| v[1].name = "E-mail".into()), f("prechat[1].name", Rule::InvalidFormat)),
            (Box::new(|v| v[1].name = "имя".into()), f("prechat[1].name", Rule::InvalidFormat)),
            (Box::new(|v| v[1].name = "x".repeat(33)), f("prechat[1].name", Rule::TooLong)),
            (Box::new(|v| v[2].name = "email".into()), f("prechat[2].name", Rule::InvalidChoice)),
            (Box::new(|v| v[0].label = Label::default()), f("prechat[0].label", Rule::Required)),
            (Box::new(|v| v[0].label.ru = "я".repeat(101)), f("prechat[0].label.ru", Rule::TooLong)),
            (Box::new(|v| v[0].max_len = Some(0)), f("prechat[0].max_len", Rule::InvalidChoice)),
            (Box::new(|v| v[0].max_len = Some(MAX_ANSWER + 1)), f("prechat[0].max_len", Rule::InvalidChoice)),
            (Box::new(|v| v[3].options.clear()), f("prechat[3].options", Rule::Required)),
            (Box::new(|v| v[3].options.push(" Billing ".into())), f("prechat[3].options[2]", Rule::InvalidChoice)),
            (Box::new(|v| v[3].options.push("".into())), f("prechat[3].options[2]", Rule::Required)),
            (Box::new(|v| v[3].options = vec!["o".into(); MAX_OPTIONS + 1]), f("prechat[3].options", Rule::TooLong)),
            (Box::new(|v| v[0].options = vec!["a".into()]), f("prechat[0].options", Rule::InvalidChoice)),
            (Box::new(|v| v[3].pattern = Some("x".into())), f("prechat[3].pattern", Rule::InvalidChoice)),
            (Box::new(|v| v[4].pattern = Some("[A-Z".into())), f("prechat[4].pattern", Rule::InvalidFormat)),
            (Box::new(|v| v[4].pattern = Some(String::new())), f("prechat[4].pattern", Rule::Required)),
            (Box::new(|v| v[4].pattern = Some("a".repeat(MAX_PATTERN + 1))), f("prechat[4].pattern", Rule::TooLong)),
            // Short to write, huge to compile: refused by the size limit.
            (
                Box::new(|v| v[4].pattern = Some(r"\w{100}\w{100}\w{100}".into())),
                f("prechat[4].pattern", Rule::InvalidFormat),
            ),
        ];
        for (i, (change, expected)) in cases.into_iter().enumerate() {
            assert_eq!(with(&*change), expected, "case {i}");
        }
    }

    #[test]
    fn labels_fall_back_to_the_other_language() {
        let form = validate_definition(&form()).unwrap();
        let labels: Vec<(&str, &str)> =
            form.fields().map(|f| (f.label.get(Locale::Ru), f.label.get(Locale::En))).collect();
        assert_eq!(labels[0], ("Имя", "Name"));
        assert_eq!(labels[1], ("E-mail", "E-mail"));
        assert_eq!(labels[2], ("Телефон", "Телефон"));
        let json = serde_json::to_value(form.fields().nth(1).unwrap()).unwrap();
        assert_eq!(json, json!({"name":"email","label":{"ru":"","en":"E-mail"},"kind":"email","required":true}));
    }
}
