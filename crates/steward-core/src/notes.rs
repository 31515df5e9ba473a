//! Room notes (Rose-style: `#rules` posts the saved rules) and the commands
//! typed in a room's message box that read and change them. Parsing only:
//! who may do what is `rooms::Access`, the server carries it out.

use serde::Serialize;

use crate::validate::{FieldError, Rule};

/// A note's name: 1–64 lower-case letters, digits, `_` and `-` (any script:
/// `#rules`, `#правила`). Typed names are folded to lower case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct NoteName(String);

impl NoteName {
    pub const MAX: usize = 64;

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let name = raw.trim().to_lowercase();
        let n = name.chars().count();
        if n == 0 {
            return Err(FieldError::new("name", Rule::Required));
        }
        if n > Self::MAX {
            return Err(FieldError::with_limit("name", Rule::TooLong, Self::MAX));
        }
        if !name.chars().all(name_char) {
            return Err(FieldError::new("name", Rule::InvalidFormat));
        }
        Ok(NoteName(name))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn name_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '-'
}

/// A note's text in the message markdown subset: 1–4,000 characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct NoteBody(String);

impl NoteBody {
    pub const MAX: usize = 4000;

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let body = raw.trim();
        let n = body.chars().count();
        if n == 0 {
            return Err(FieldError::new("body", Rule::Required));
        }
        if n > Self::MAX {
            return Err(FieldError::with_limit("body", Rule::TooLong, Self::MAX));
        }
        if body.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
            return Err(FieldError::new("body", Rule::InvalidFormat));
        }
        Ok(NoteBody(body.to_string()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Most notes a room keeps.
pub const MAX_NOTES_PER_ROOM: usize = 200;

/// A command found at the start of a message. Names are as typed: the
/// server parses them with [`NoteName::parse`] so a bad one is an error
/// that names the field, not a silently ignored message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `/save name text…`; without text, the message it replies to is saved.
    Save { name: String, body: Option<String> },
    /// `/get name`, `/rules`: the note must exist.
    Get { name: String },
    /// `#name` at the start of a message: posts the note if there is one,
    /// and is an ordinary message (a hashtag) if not.
    Hashtag { name: NoteName },
    /// `/notes`: the room's note names.
    List,
    /// `/clear name`.
    Clear { name: String },
}

impl Command {
    /// Whether carrying it out changes the room's notes.
    pub fn edits(&self) -> bool {
        matches!(self, Command::Save { .. } | Command::Clear { .. })
    }

    /// The command a message starts with, if any. The command word is
    /// case-insensitive and may be addressed to the bot (`/save@steward-bot`);
    /// unknown `/words` are ordinary messages.
    pub fn parse(body: &str, bot_username: &str) -> Option<Command> {
        let text = body.trim_start();
        if let Some(rest) = text.strip_prefix('#') {
            let word: String = rest.chars().take_while(|&c| name_char(c)).collect();
            let after = &rest[word.len()..];
            if !after.is_empty() && !after.starts_with(|c: char| c.is_whitespace() || ".,!?:;".contains(c)) {
                return None;
            }
            return NoteName::parse(&word).ok().map(|name| Command::Hashtag { name });
        }
        let rest = text.strip_prefix('/')?;
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let (word, args) = rest.split_at(end);
        let word = word.to_lowercase();
        let word = match word.split_once('@') {
            Some((w, to)) if to == bot_username => w.to_string(),
            Some(_) => return None,
            None => word,
        };
        // The name runs to the first white space; the note's text is the
        // rest, line breaks kept ("/save rules\n1. Be kind").
        let args = args.trim_start();
        let name_end = args.find(char::is_whitespace).unwrap_or(args.len());
        let (name, text) = (args[..name_end].to_string(), args[name_end..].trim());
        Some(match word.as_str() {
            "save" => Command::Save { name, body: (!text.is_empty()).then(|| text.to_string()) },
            "get" => Command::Get { name },
            "clear" => Command::Clear { name },
            "notes" | "saved" => Command::List,
            "rules" => Command::Get { name: "rules".into() },
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expect: Option<Command>) {
        assert_eq!(Command::parse(input, "steward-bot"), expect, "{input:?}");
    }

    fn name(s: &str) -> NoteName {
        NoteName::parse(s).unwrap()
    }

    #[test]
    fn commands() {
        let save = |n: &str, b: Option<&str>| Some(Command::Save { name: n.into(), body: b.map(str::to_string) });
        check("/save rules Be kind.", save("rules", Some("Be kind.")));
        check("/save rules\n1. Be kind\n2. No spam\n", save("rules", Some("1. Be kind\n2. No spam")));
        check("/SAVE Rules   text", save("Rules", Some("text")));
        check("/save rules", save("rules", None));
        check("/save", save("", None));
        check("/save@steward-bot faq see #help", save("faq", Some("see #help")));
        check("/save@other-bot faq x", None);
        check("/get rules", Some(Command::Get { name: "rules".into() }));
        check("/rules", Some(Command::Get { name: "rules".into() }));
        check("/notes", Some(Command::List));
        check("/clear rules", Some(Command::Clear { name: "rules".into() }));
        check("  #rules", Some(Command::Hashtag { name: name("rules") }));
        check("#Правила please", Some(Command::Hashtag { name: name("правила") }));
        check("#rules, please", Some(Command::Hashtag { name: name("rules") }));
        check("#rules/faq", None);
        check("#", None);
        check("# heading", None);
        check("see #rules", None);
        check("/me waves", None);
        check("/shrug", None);
        check("hello /save x y", None);
        check("//save x", None);
    }

    #[test]
    fn names_and_bodies() {
        assert_eq!(name(" Rules ").as_str(), "rules");
        assert_eq!(name("off-topic_2").as_str(), "off-topic_2");
        for (raw, rule) in [("", Rule::Required), ("a b", Rule::InvalidFormat), ("x!", Rule::InvalidFormat)] {
            assert_eq!(NoteName::parse(raw).unwrap_err(), FieldError::new("name", rule), "{raw:?}");
        }
        assert_eq!(NoteName::parse(&"a".repeat(65)).unwrap_err().rule, Rule::TooLong);
        assert!(NoteName::parse(&"я".repeat(64)).is_ok(), "characters, not bytes");
        assert_eq!(NoteBody::parse("  ").unwrap_err(), FieldError::new("body", Rule::Required));
        assert_eq!(NoteBody::parse(&"x".repeat(4001)).unwrap_err().limit, 4000);
        assert_eq!(NoteBody::parse("a\u{7}b").unwrap_err().rule, Rule::InvalidFormat);
        assert_eq!(NoteBody::parse(" **Be kind**\n").unwrap().as_str(), "**Be kind**");
    }
}
