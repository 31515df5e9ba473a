//! Canned responses and macros: message templates with `{{variables}}`, the `/shortcut` names
//! operators type to find them, and macros (named lists of actions run on a conversation).
//!
//! Template syntax: `{{contact.first_name}}`, with an optional fallback used when the value is
//! missing or blank: `{{ contact.first_name | "there" }}`. Spaces inside the braces are fine.
//! A value is inserted as it is; the message renderer escapes what needs escaping.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::{FieldError, Invalid, Priority, Rule, bounded_line};

/// The longest template, as the longest message body.
pub const MAX_BODY: usize = steward_core::validate::MessageBody::MAX;
/// Actions in one macro.
pub const MAX_ACTIONS: usize = 20;
/// Characters in a label.
pub const MAX_LABEL: usize = 40;
/// Characters in a macro's name.
pub const MAX_MACRO_NAME: usize = 60;
/// The longest snooze: a year.
pub const MAX_SNOOZE_MINS: u32 = 366 * 24 * 60;

/// A value a template can insert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Var {
    ContactName,
    ContactFirstName,
    ContactEmail,
    AgentName,
    AgentFirstName,
    InboxName,
    ConversationId,
}

const VARS: [(&str, Var); 7] = [
    ("contact.name", Var::ContactName),
    ("contact.first_name", Var::ContactFirstName),
    ("contact.email", Var::ContactEmail),
    ("agent.name", Var::AgentName),
    ("agent.first_name", Var::AgentFirstName),
    ("inbox.name", Var::InboxName),
    ("conversation.id", Var::ConversationId),
];

/// The values for one rendering; `None` or blank values use the fallback (or nothing).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Vars {
    pub contact_name: Option<String>,
    /// When absent, the first word of `contact_name`.
    pub contact_first_name: Option<String>,
    pub contact_email: Option<String>,
    pub agent_name: Option<String>,
    /// When absent, the first word of `agent_name`.
    pub agent_first_name: Option<String>,
    pub inbox_name: Option<String>,
    pub conversation_id: Option<String>,
}

impl Vars {
    fn get(&self, var: Var) -> Option<&str> {
        fn nonblank(v: &Option<String>) -> Option<&str> {
            v.as_deref().map(str::trim).filter(|s| !s.is_empty())
        }
        fn first_word(v: &Option<String>) -> Option<&str> {
            nonblank(v).and_then(|s| s.split_whitespace().next())
        }
        match var {
            Var::ContactName => nonblank(&self.contact_name),
            Var::ContactFirstName => nonblank(&self.contact_first_name).or_else(|| first_word(&self.contact_name)),
            Var::ContactEmail => nonblank(&self.contact_email),
            Var::AgentName => nonblank(&self.agent_name),
            Var::AgentFirstName => nonblank(&self.agent_first_name).or_else(|| first_word(&self.agent_name)),
            Var::InboxName => nonblank(&self.inbox_name),
            Var::ConversationId => nonblank(&self.conversation_id),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    Var { var: Var, fallback: Option<String> },
}

/// A checked template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    source: String,
    pieces: Vec<Piece>,
}

impl Template {
    /// Parses a template body (field `body`): 1..=[`MAX_BODY`] characters, no control characters
    /// but newlines and tabs, every `{{` closed, every variable known (an unknown one is
    /// `InvalidChoice` with the name in `detail`), a fallback in double quotes.
    pub fn parse(text: &str) -> Result<Template, Invalid> {
        Self::parse_field("body", text)
    }

    pub(crate) fn parse_field(field: impl Into<Cow<'static, str>>, text: &str) -> Result<Template, Invalid> {
        let field = field.into();
        let source = text.trim();
        let n = source.chars().count();
        if n == 0 {
            return Err(Invalid::new(field, Rule::Required));
        }
        if n > MAX_BODY {
            return Err(Invalid::with_limit(field, Rule::TooLong, MAX_BODY));
        }
        if source.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
            return Err(Invalid::new(field, Rule::InvalidFormat));
        }
        let mut pieces = Vec::new();
        let mut rest = source;
        while let Some(open) = rest.find("{{") {
            if open > 0 {
                pieces.push(Piece::Text(rest[..open].to_string()));
            }
            let after = &rest[open + 2..];
            let close =
                after.find("}}").ok_or_else(|| Invalid::new(field.clone(), Rule::InvalidFormat).with_detail("{{"))?;
            let inner = &after[..close];
            let piece =
                parse_var(inner).map_err(|(rule, detail)| Invalid::new(field.clone(), rule).with_detail(detail));
            pieces.push(piece?);
            rest = &after[close + 2..];
        }
        if !rest.is_empty() {
            pieces.push(Piece::Text(rest.to_string()));
        }
        Ok(Template { source: source.to_string(), pieces })
    }

    /// The template as written (trimmed).
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// The text with the variables filled in.
    pub fn render(&self, vars: &Vars) -> String {
        let mut out = String::with_capacity(self.source.len());
        for piece in &self.pieces {
            match piece {
                Piece::Text(text) => out.push_str(text),
                Piece::Var { var, fallback } => {
                    out.push_str(vars.get(*var).or(fallback.as_deref()).unwrap_or_default());
                }
            }
        }
        out
    }
}

/// `name` or `name | "fallback"`, spaces allowed around each part. A problem comes with what to
/// show: the unknown name, or the whole expression when it is malformed.
fn parse_var(inner: &str) -> Result<Piece, (Rule, &str)> {
    let malformed = (Rule::InvalidFormat, inner.trim());
    let (name, fallback) = match inner.split_once('|') {
        Some((name, fallback)) => (name.trim(), Some(fallback.trim())),
        None => (inner.trim(), None),
    };
    let fallback = match fallback {
        None => None,
        Some(f) => {
            let quoted = f.strip_prefix('"').and_then(|f| f.strip_suffix('"')).filter(|f| !f.contains('"'));
            Some(quoted.ok_or(malformed)?.to_string())
        }
    };
    if name.is_empty() {
        return Err(malformed);
    }
    let var = VARS.iter().find(|(known, _)| *known == name).map(|&(_, var)| var).ok_or((Rule::InvalidChoice, name))?;
    Ok(Piece::Var { var, fallback })
}

/// The name an operator types after `/` to insert a canned response: 1–32 of lower-case Latin
/// or Cyrillic letters, digits, `-` and `_` (input is lower-cased first).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Shortcut(String);

impl Shortcut {
    pub const MAX: usize = 32;

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let s = raw.trim().to_lowercase();
        let n = s.chars().count();
        if n == 0 {
            return Err(FieldError::new("shortcut", Rule::Required));
        }
        if n > Self::MAX {
            return Err(FieldError::with_limit("shortcut", Rule::TooLong, Self::MAX));
        }
        let allowed =
            |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | 'а'..='я' | 'ё');
        if !s.chars().all(allowed) {
            return Err(FieldError::new("shortcut", Rule::InvalidFormat));
        }
        Ok(Shortcut(s))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Shortcut {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// The shortcuts matching what was typed after `/`, best first: the exact name, then names
/// starting with it, then names containing it; shorter names first within each, then A–Z.
/// Case-insensitive; a leading `/` is ignored.
pub fn complete<'a, T: AsRef<str>>(typed: &str, shortcuts: &'a [T]) -> Vec<&'a T> {
    let typed = typed.trim().trim_start_matches('/').to_lowercase();
    let mut ranked: Vec<(u8, usize, String, &T)> = shortcuts
        .iter()
        .filter_map(|item| {
            let name = item.as_ref().to_lowercase();
            let rank = if name == typed {
                0
            } else if name.starts_with(&typed) {
                1
            } else if name.contains(&typed) {
                2
            } else {
                return None;
            };
            Some((rank, name.chars().count(), name, item))
        })
        .collect();
    ranked.sort_by(|a, b| (a.0, a.1, &a.2).cmp(&(b.0, b.1, &b.2)));
    ranked.into_iter().map(|(.., item)| item).collect()
}

/// One step of a macro. JSON: `{"action":"add_label","label":"billing"}`, `{"action":"resolve"}`, …
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum Action {
    AddLabel {
        label: String,
    },
    /// A public reply; the body is a template.
    Reply {
        body: String,
    },
    /// An internal note; the body is a template.
    Note {
        body: String,
    },
    Assign {
        user_id: i64,
    },
    AssignDepartment {
        department_id: i64,
    },
    SetPriority {
        priority: Priority,
    },
    Snooze {
        minutes: u32,
    },
    Resolve,
}

/// A named list of actions an operator runs on a conversation in one go.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Macro {
    pub name: String,
    pub actions: Vec<Action>,
}

impl Macro {
    /// A name of 1..=[`MAX_MACRO_NAME`] characters, 1..=[`MAX_ACTIONS`] actions, labels of
    /// 1..=[`MAX_LABEL`] characters, bodies that parse as templates, positive ids, snoozes of
    /// 1..=[`MAX_SNOOZE_MINS`] minutes. Errors name the action: `actions[2].body`.
    pub fn validate(&self) -> Result<(), Invalid> {
        bounded_line("name", &self.name, 1, MAX_MACRO_NAME)?;
        if self.actions.is_empty() {
            return Err(Invalid::new("actions", Rule::Required));
        }
        if self.actions.len() > MAX_ACTIONS {
            return Err(Invalid::with_limit("actions", Rule::TooLong, MAX_ACTIONS));
        }
        for (i, action) in self.actions.iter().enumerate() {
            let at = |key: &str| format!("actions[{i}].{key}");
            match action {
                Action::AddLabel { label } => {
                    bounded_line(at("label"), label, 1, MAX_LABEL)?;
                }
                Action::Reply { body } | Action::Note { body } => {
                    Template::parse_field(at("body"), body)?;
                }
                Action::Assign { user_id: id } | Action::AssignDepartment { department_id: id } if *id <= 0 => {
                    let key = if matches!(action, Action::Assign { .. }) { "user_id" } else { "department_id" };
                    return Err(Invalid::new(at(key), Rule::InvalidChoice));
                }
                Action::Snooze { minutes } if *minutes == 0 || *minutes > MAX_SNOOZE_MINS => {
                    return Err(Invalid::with_limit(at("minutes"), Rule::InvalidChoice, MAX_SNOOZE_MINS as usize));
                }
                _ => {}
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> Vars {
        Vars {
            contact_name: Some("Анна Петрова".into()),
            contact_email: Some("anna@example.com".into()),
            agent_name: Some("Ivan Sidorov".into()),
            agent_first_name: Some("Ваня".into()),
            inbox_name: Some("Support".into()),
            conversation_id: Some("42".into()),
            ..Vars::default()
        }
    }

    #[test]
    fn rendering() {
        let blank = Vars { contact_name: Some("  ".into()), ..Vars::default() };
        // (template, values, rendered)
        let cases = [
            ("Hello, {{contact.first_name}}!", vars(), "Hello, Анна!"),
            ("{{ contact.name }} <{{contact.email}}>", vars(), "Анна Петрова <anna@example.com>"),
            (
                "{{agent.first_name}} / {{agent.name}} / {{inbox.name}} #{{conversation.id}}",
                vars(),
                "Ваня / Ivan Sidorov / Support #42",
            ),
            ("Hi {{contact.first_name | \"there\"}}", Vars::default(), "Hi there"),
            ("Hi {{ contact.first_name|\"there\" }}", blank.clone(), "Hi there"),
            ("Hi {{contact.first_name | \"there\"}}", vars(), "Hi Анна"),
            ("Hi {{contact.name}}.", blank, "Hi ."),
            ("Fallback may be empty: [{{contact.email | \"\"}}]", Vars::default(), "Fallback may be empty: []"),
            ("{ single } and }} stay", vars(), "{ single } and }} stay"),
            ("  trimmed  ", vars(), "trimmed"),
            // A value that looks like a template is inserted as text, not expanded.
            ("{{contact.name}}", Vars { contact_name: Some("{{agent.name}}".into()), ..vars() }, "{{agent.name}}"),
        ];
        for (text, values, rendered) in cases {
            let t = Template::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(t.render(&values), rendered, "{text}");
        }
    }

    #[test]
    fn template_errors() {
        // (template, rule, detail)
        let cases = [
            ("", Rule::Required, None),
            ("   ", Rule::Required, None),
            ("Hello {{contact.phone}}", Rule::InvalidChoice, Some("contact.phone")),
            ("Hello {{ Contact.Name }}", Rule::InvalidChoice, Some("Contact.Name")),
            ("Hi {{ contact.phone | \"you\" }}", Rule::InvalidChoice, Some("contact.phone")),
            ("Hello {{contact.name", Rule::InvalidFormat, Some("{{")),
            ("Hello {{}}", Rule::InvalidFormat, Some("")),
            ("Hello {{ | \"x\" }}", Rule::InvalidFormat, Some("| \"x\"")),
            ("Hello {{contact.name | there}}", Rule::InvalidFormat, Some("contact.name | there")),
            ("Hello {{contact.name | \"a\"b\"}}", Rule::InvalidFormat, Some("contact.name | \"a\"b\"")),
            ("bell \u{7}", Rule::InvalidFormat, None),
        ];
        for (text, rule, detail) in cases {
            let e = Template::parse(text).unwrap_err();
            assert_eq!((e.field.as_ref(), e.rule, e.detail.as_deref()), ("body", rule, detail), "{text:?}");
        }
        let e = Template::parse(&"я".repeat(MAX_BODY + 1)).unwrap_err();
        assert_eq!((e.rule, e.limit), (Rule::TooLong, MAX_BODY));
        assert!(Template::parse(&"я".repeat(MAX_BODY)).is_ok());
        assert!(Template::parse("line one\n\tline two").is_ok());
    }

    #[test]
    fn shortcuts_parse() {
        for (raw, parsed) in
            [("greet", "greet"), (" Refund-Policy ", "refund-policy"), ("привет_2", "привет_2"), ("ЁЛКА", "ёлка")]
        {
            assert_eq!(Shortcut::parse(raw).unwrap().as_str(), parsed);
        }
        let cases = [
            ("", Rule::Required),
            ("two words", Rule::InvalidFormat),
            ("/greet", Rule::InvalidFormat),
            ("héllo", Rule::InvalidFormat),
            ("emoji😀", Rule::InvalidFormat),
            ("a.b", Rule::InvalidFormat),
        ];
        for (raw, rule) in cases {
            assert_eq!(Shortcut::parse(raw).unwrap_err(), FieldError::new("shortcut", rule), "{raw}");
        }
        assert!(Shortcut::parse(&"я".repeat(32)).is_ok());
        assert_eq!(
            Shortcut::parse(&"я".repeat(33)).unwrap_err(),
            FieldError::with_limit("shortcut", Rule::TooLong, 32)
        );
    }

    #[test]
    fn completion_ranks_exact_then_prefix_then_substring() {
        let all: Vec<Shortcut> = ["thanks", "hello", "help", "helpdesk", "othello", "привет", "hel"]
            .iter()
            .map(|s| Shortcut::parse(s).unwrap())
            .collect();
        // (typed, names in order)
        let cases: [(&str, &[&str]); 6] = [
            ("hel", &["hel", "help", "hello", "helpdesk", "othello"]),
            ("/HELP", &["help", "helpdesk"]),
            ("llo", &["hello", "othello"]),
            ("ПРИ", &["привет"]),
            ("zzz", &[]),
            ("", &["hel", "help", "hello", "thanks", "привет", "othello", "helpdesk"]),
        ];
        for (typed, names) in cases {
            let got: Vec<&str> = complete(typed, &all).into_iter().map(Shortcut::as_str).collect();
            assert_eq!(got, names, "{typed}");
        }
        // Anything that is a name works, e.g. the server's records' shortcut strings.
        assert_eq!(complete("b", &["abc", "b"]), [&"b", &"abc"]);
    }

    #[test]
    fn macros() {
        let ok: Macro = serde_json::from_str(
            r#"{"name":"Refund","actions":[
                {"action":"add_label","label":"billing"},
                {"action":"reply","body":"Hi {{contact.first_name | \"there\"}}, refunded."},
                {"action":"assign","user_id":7},
                {"action":"assign_department","department_id":2},
                {"action":"set_priority","priority":"high"},
                {"action":"snooze","minutes":60},
                {"action":"note","body":"Refund issued by {{agent.name}}"},
                {"action":"resolve"}]}"#,
        )
        .unwrap();
        assert!(ok.validate().is_ok());
        assert_eq!(ok.actions[4], Action::SetPriority { priority: Priority::High });
        assert_eq!(serde_json::to_value(&ok.actions[7]).unwrap(), serde_json::json!({"action":"resolve"}));
        let with = |actions: Vec<Action>| Macro { name: "m".into(), actions };
        // (macro, field, rule)
        let cases = [
            (Macro { name: " ".into(), ..ok.clone() }, "name", Rule::Required),
            (with(vec![]), "actions", Rule::Required),
            (with(vec![Action::Resolve; MAX_ACTIONS + 1]), "actions", Rule::TooLong),
            (with(vec![Action::Resolve, Action::AddLabel { label: "".into() }]), "actions[1].label", Rule::Required),
            (with(vec![Action::AddLabel { label: "x".repeat(41) }]), "actions[0].label", Rule::TooLong),
            (with(vec![Action::Reply { body: "{{nope}}".into() }]), "actions[0].body", Rule::InvalidChoice),
            (
                with(vec![Action::Resolve, Action::Resolve, Action::Note { body: "".into() }]),
                "actions[2].body",
                Rule::Required,
            ),
            (with(vec![Action::Assign { user_id: 0 }]), "actions[0].user_id", Rule::InvalidChoice),
            (
                with(vec![Action::AssignDepartment { department_id: -1 }]),
                "actions[0].department_id",
                Rule::InvalidChoice,
            ),
            (with(vec![Action::Snooze { minutes: 0 }]), "actions[0].minutes", Rule::InvalidChoice),
            (with(vec![Action::Snooze { minutes: MAX_SNOOZE_MINS + 1 }]), "actions[0].minutes", Rule::InvalidChoice),
        ];
        for (m, field, rule) in cases {
            let e = m.validate().unwrap_err();
            assert_eq!((e.field.as_ref(), e.rule), (field, rule), "{m:?}");
        }
        assert!(with(vec![Action::Resolve; MAX_ACTIONS]).validate().is_ok());
        // Unknown actions, priorities and fields do not decode.
        for bad in [
            r#"{"action":"delete"}"#,
            r#"{"action":"set_priority","priority":"critical"}"#,
            r#"{"action":"add_label","label":"x","color":"red"}"#,
        ] {
            assert!(serde_json::from_str::<Action>(bad).is_err(), "{bad}");
        }
    }
}
