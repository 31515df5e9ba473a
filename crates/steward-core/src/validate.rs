//! Values that arrive from outside are parsed into types that cannot hold a
//! bad value. Every failure names the field and the rule it broke.

use serde::Serialize;
use std::fmt;

/// The rule a value broke; stable snake_case names the API exposes as error codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    Required,
    TooShort,
    TooLong,
    InvalidFormat,
    InvalidChoice,
    /// A password everyone tries first.
    TooCommon,
}

impl Rule {
    pub fn code(self) -> &'static str {
        match self {
            Rule::Required => "required",
            Rule::TooShort => "too_short",
            Rule::TooLong => "too_long",
            Rule::InvalidFormat => "invalid_format",
            Rule::InvalidChoice => "invalid_choice",
            Rule::TooCommon => "too_common",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct FieldError {
    pub field: &'static str,
    pub rule: Rule,
    /// The bound for length rules (characters), else 0.
    pub limit: usize,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.rule {
            Rule::Required => write!(f, "{} is required", self.field),
            Rule::TooShort => write!(f, "{} must be at least {} characters", self.field, self.limit),
            Rule::TooLong => write!(f, "{} must be at most {} characters", self.field, self.limit),
            Rule::InvalidFormat => write!(f, "{} has an invalid format", self.field),
            Rule::InvalidChoice => write!(f, "{} is not one of the allowed values", self.field),
            Rule::TooCommon => {
                write!(f, "{} is too common: choose one that is not on lists of leaked passwords", self.field)
            }
        }
    }
}

impl FieldError {
    pub fn new(field: &'static str, rule: Rule) -> Self {
        FieldError { field, rule, limit: 0 }
    }
    pub fn with_limit(field: &'static str, rule: Rule, limit: usize) -> Self {
        FieldError { field, rule, limit }
    }
}

fn has_control(s: &str) -> bool {
    s.chars().any(|c| c.is_control() && c != '\n' && c != '\t')
}

/// Trims, then checks a length range in characters and refuses control characters.
fn bounded_text(field: &'static str, raw: &str, min: usize, max: usize, multiline: bool) -> Result<String, FieldError> {
    let s = raw.trim();
    let n = s.chars().count();
    if n == 0 && min > 0 {
        return Err(FieldError::new(field, Rule::Required));
    }
    if n < min {
        return Err(FieldError::with_limit(field, Rule::TooShort, min));
    }
    if n > max {
        return Err(FieldError::with_limit(field, Rule::TooLong, max));
    }
    if has_control(s) || (!multiline && s.contains('\n')) {
        return Err(FieldError::new(field, Rule::InvalidFormat));
    }
    Ok(s.to_string())
}

macro_rules! text_type {
    ($(#[$m:meta])* $name:ident, $field:literal, $min:expr, $max:expr, $multi:expr) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);
        impl $name {
            pub const MAX: usize = $max;
            pub fn parse(raw: &str) -> Result<Self, FieldError> {
                bounded_text($field, raw, $min, $max, $multi).map(Self)
            }
            pub fn as_str(&self) -> &str { &self.0 }
            pub fn into_string(self) -> String { self.0 }
        }
        impl AsRef<str> for $name { fn as_ref(&self) -> &str { &self.0 } }
    };
}

text_type!(
    /// A person's name as others see it.
    DisplayName, "display_name", 1, 64, false);
text_type!(
    /// A room's name.
    RoomName, "name", 1, 80, false);
text_type!(
    /// A room's topic line; may be empty.
    Topic, "topic", 0, 250, false);
text_type!(
    /// A message body in the markdown subset.
    MessageBody, "body", 1, 8000, true);

/// Lower-case login name: 2–32 of `a-z 0-9 _ . -`, starting with a letter or digit.
/// Used in @mentions, so it is ASCII only.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Username(String);

impl Username {
    pub const MIN: usize = 2;
    pub const MAX: usize = 32;
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let s = raw.trim().to_ascii_lowercase();
        if s.is_empty() {
            return Err(FieldError::new("username", Rule::Required));
        }
        let n = s.chars().count();
        if n < Self::MIN {
            return Err(FieldError::with_limit("username", Rule::TooShort, Self::MIN));
        }
        if n > Self::MAX {
            return Err(FieldError::with_limit("username", Rule::TooLong, Self::MAX));
        }
        let ok_char = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '.' | '-');
        let first_ok = s.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
        let last_ok = s.chars().last().is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
        if !first_ok || !last_ok || !s.chars().all(ok_char) {
            return Err(FieldError::new("username", Rule::InvalidFormat));
        }
        Ok(Username(s))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An e-mail address, lower-cased. Deliberately simple: one `@`, a dot in the domain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let s = raw.trim().to_lowercase();
        if s.is_empty() {
            return Err(FieldError::new("email", Rule::Required));
        }
        if s.chars().count() > 254 {
            return Err(FieldError::with_limit("email", Rule::TooLong, 254));
        }
        let valid = match s.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !s.chars().any(|c| c.is_whitespace() || c.is_control())
            }
            None => false,
        };
        if !valid {
            return Err(FieldError::new("email", Rule::InvalidFormat));
        }
        Ok(Email(s))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password as typed: 8–1024 characters, not one of the ~11,600 most common
/// (leaked-password lists, shipped in the binary). Never trimmed, never logged.
pub struct Password(String);

fn is_common_password(p: &str) -> bool {
    use std::collections::HashSet;
    use std::sync::OnceLock;
    static LIST: OnceLock<HashSet<&'static str>> = OnceLock::new();
    let list = LIST.get_or_init(|| {
        include_str!("common_passwords.txt").lines().filter(|l| !l.starts_with('#') && !l.is_empty()).collect()
    });
    list.contains(p.to_lowercase().as_str())
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

impl Password {
    pub const MIN: usize = 8;
    pub const MAX: usize = 1024;
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let n = raw.chars().count();
        if n == 0 {
            return Err(FieldError::new("password", Rule::Required));
        }
        if n < Self::MIN {
            return Err(FieldError::with_limit("password", Rule::TooShort, Self::MIN));
        }
        if n > Self::MAX {
            return Err(FieldError::with_limit("password", Rule::TooLong, Self::MAX));
        }
        if is_common_password(raw) {
            return Err(FieldError::new("password", Rule::TooCommon));
        }
        Ok(Password(raw.to_string()))
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// Interface languages Steward ships.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Locale {
    Ru,
    #[default]
    En,
}

impl Locale {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "ru" => Ok(Locale::Ru),
            "en" => Ok(Locale::En),
            _ => Err(FieldError::new("locale", Rule::InvalidChoice)),
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Locale::Ru => "ru",
            Locale::En => "en",
        }
    }
    /// Picks the first supported language from an `Accept-Language` header.
    pub fn from_accept_language(header: &str) -> Option<Locale> {
        let mut best: Option<(f32, Locale)> = None;
        for part in header.split(',') {
            let mut it = part.trim().split(';');
            let tag = it.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = it.find_map(|p| p.trim().strip_prefix("q=").and_then(|v| v.parse::<f32>().ok())).unwrap_or(1.0);
            let primary = tag.split('-').next().unwrap_or("");
            let loc = match primary {
                "ru" | "uk" | "be" | "kk" => Locale::Ru,
                "en" => Locale::En,
                _ => continue,
            };
            if best.is_none_or(|(bq, _)| q > bq) {
                best = Some((q, loc));
            }
        }
        best.map(|(_, l)| l)
    }
}

/// `#rrggbb`, lower-cased.
pub fn parse_color(field: &'static str, raw: &str) -> Result<String, FieldError> {
    let s = raw.trim().to_ascii_lowercase();
    let ok = s.len() == 7 && s.starts_with('#') && s[1..].chars().all(|c| c.is_ascii_hexdigit());
    if ok { Ok(s) } else { Err(FieldError::new(field, Rule::InvalidFormat)) }
}

/// A reaction: one emoji or a short `:name:`; no whitespace, at most 32 bytes.
pub fn parse_reaction(raw: &str) -> Result<String, FieldError> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(FieldError::new("emoji", Rule::Required));
    }
    if s.len() > 32 {
        return Err(FieldError::with_limit("emoji", Rule::TooLong, 32));
    }
    if s.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '"' | '&')) {
        return Err(FieldError::new("emoji", Rule::InvalidFormat));
    }
    Ok(s.to_string())
}

/// A client nonce for safe retries: 1–64 printable ASCII characters.
pub fn parse_nonce(raw: &str) -> Result<String, FieldError> {
    if raw.is_empty() {
        return Err(FieldError::new("nonce", Rule::Required));
    }
    if raw.len() > 64 {
        return Err(FieldError::with_limit("nonce", Rule::TooLong, 64));
    }
    if !raw.chars().all(|c| c.is_ascii_graphic()) {
        return Err(FieldError::new("nonce", Rule::InvalidFormat));
    }
    Ok(raw.to_string())
}

/// Palette for avatar colours; picked by user id so each person keeps theirs.
pub const AVATAR_COLORS: [&str; 10] =
    ["#5b6cf0", "#e0567a", "#2f9e6e", "#d9822b", "#8a5cd1", "#1f8fb3", "#c2452d", "#4c8c2b", "#b0468f", "#5f7386"];

pub fn default_avatar_color(seed: &str) -> &'static str {
    let h = seed.bytes().fold(2166136261u32, |h, b| (h ^ b as u32).wrapping_mul(16777619));
    AVATAR_COLORS[(h as usize) % AVATAR_COLORS.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        for ok in ["anna", "Ivan_Petrov", "a1", "ops-team", "x.y"] {
            assert!(Username::parse(ok).is_ok(), "{ok}");
        }
        let cases = [
            ("", Rule::Required),
            ("a", Rule::TooShort),
            ("-abc", Rule::InvalidFormat),
            ("abc.", Rule::InvalidFormat),
            ("анна", Rule::InvalidFormat),
            ("a b", Rule::InvalidFormat),
            ("abcdefghijabcdefghijabcdefghijabc", Rule::TooLong),
        ];
        for (input, rule) in cases {
            assert_eq!(Username::parse(input).unwrap_err().rule, rule, "{input:?}");
        }
        assert_eq!(Username::parse(" Anna ").unwrap().as_str(), "anna");
    }

    #[test]
    fn text_bounds_count_characters_not_bytes() {
        let name = "я".repeat(80);
        assert!(RoomName::parse(&name).is_ok());
        let e = RoomName::parse(&format!("{name}я")).unwrap_err();
        assert_eq!((e.field, e.rule, e.limit), ("name", Rule::TooLong, 80));
        assert_eq!(RoomName::parse("  ").unwrap_err().rule, Rule::Required);
        assert_eq!(RoomName::parse("a\nb").unwrap_err().rule, Rule::InvalidFormat);
        assert!(MessageBody::parse("line\nline").is_ok());
        assert_eq!(MessageBody::parse("bell\u{7}").unwrap_err().rule, Rule::InvalidFormat);
    }

    #[test]
    fn emails_and_locales() {
        assert_eq!(Email::parse("Anna@Example.COM").unwrap().as_str(), "anna@example.com");
        for bad in ["anna", "a@b", "@x.ru", "a@.ru", "a b@x.ru"] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Locale::from_accept_language("ru-RU,ru;q=0.9,en;q=0.8"), Some(Locale::Ru));
        assert_eq!(Locale::from_accept_language("de,en;q=0.5"), Some(Locale::En));
        assert_eq!(Locale::from_accept_language("de"), None);
        assert_eq!(Locale::from_accept_language("en;q=0.4,ru;q=0.7"), Some(Locale::Ru));
    }

    #[test]
    fn password_debug_hides_secret() {
        let p = Password::parse("correct horse").unwrap();
        assert!(!format!("{p:?}").contains("horse"));
        assert_eq!(Password::parse("short").unwrap_err().rule, Rule::TooShort);
        for common in ["password", "Password1", "qwertyuiop", "1q2w3e4r", "йцукенгш", "iloveyou"] {
            let r = Password::parse(common);
            assert!(common.chars().count() < 8 || r.as_ref().is_err_and(|e| e.rule == Rule::TooCommon), "{common}");
        }
        assert!(Password::parse("correct horse battery").is_ok());
    }
}
