//! The support desk's rules (docs/SUPPORT.md): business hours, SLA clocks, reporting figures,
//! the routing decision, canned responses and macros, and pre-chat forms.
//!
//! **Pure**: no I/O, no clock, no threads. Every function that needs the time takes `now` as Unix
//! milliseconds; the server owns storage, timers and atomicity and asks this crate what to do.

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Serialize};
pub use steward_core::validate::{FieldError, Rule};

pub mod hours;
pub mod prechat;
pub mod report;
pub mod routing;
pub mod sla;
pub mod template;
pub mod timeline;

pub use hours::{BusinessHours, Calendar, Weekly};
pub use prechat::{FieldKind, Label, PrechatField, PrechatForm};
pub use report::{Metric, Report};
pub use routing::{Availability, Candidate, Choice, RoutingMode};
pub use sla::{Clock, SlaPolicy, SlaState, SlaStatus};
pub use template::{Action, Macro, Shortcut, Template, Vars};
pub use timeline::{Event, EventKind};

/// A [`FieldError`] whose field is a path built at run time (`hours.weekly.mon[0]`,
/// `prechat.phone`, `actions[3].body`), which `FieldError`'s `&'static str` cannot hold.
/// `detail` names the offending piece where the path alone does not (an unknown template
/// variable). It maps one to one onto the API error (code = `rule.code()`, field, limit, detail).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub field: Cow<'static, str>,
    pub rule: Rule,
    /// The bound for length and count rules (characters, items), or the largest allowed number
    /// for a number out of range (`InvalidChoice`); else 0.
    pub limit: usize,
    pub detail: Option<String>,
}

impl Invalid {
    pub fn new(field: impl Into<Cow<'static, str>>, rule: Rule) -> Self {
        Invalid { field: field.into(), rule, limit: 0, detail: None }
    }
    pub fn with_limit(field: impl Into<Cow<'static, str>>, rule: Rule, limit: usize) -> Self {
        Invalid { limit, ..Invalid::new(field, rule) }
    }
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }
}

impl From<FieldError> for Invalid {
    fn from(e: FieldError) -> Self {
        Invalid::with_limit(e.field, e.rule, e.limit)
    }
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Same wording as `FieldError`, so logs read alike whichever type carried the problem.
        let core = FieldError::with_limit("", self.rule, self.limit).to_string();
        write!(f, "{}{}", self.field, core)?;
        if let Some(detail) = &self.detail {
            write!(f, " ({detail})")?;
        }
        Ok(())
    }
}

impl std::error::Error for Invalid {}

/// A trimmed single-line text of `min..=max` characters without control characters.
pub(crate) fn bounded_line(
    field: impl Into<Cow<'static, str>>,
    raw: &str,
    min: usize,
    max: usize,
) -> Result<String, Invalid> {
    let field = field.into();
    let s = raw.trim();
    let n = s.chars().count();
    if n == 0 && min > 0 {
        return Err(Invalid::new(field, Rule::Required));
    }
    if n < min {
        return Err(Invalid::with_limit(field, Rule::TooShort, min));
    }
    if n > max {
        return Err(Invalid::with_limit(field, Rule::TooLong, max));
    }
    if s.chars().any(char::is_control) {
        return Err(Invalid::new(field, Rule::InvalidFormat));
    }
    Ok(s.to_string())
}

/// How urgent a conversation is; ordered, so `Urgent > Low`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Priority {
    Low,
    #[default]
    Normal,
    High,
    Urgent,
}

impl Priority {
    pub const ALL: [Priority; 4] = [Priority::Low, Priority::Normal, Priority::High, Priority::Urgent];

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let s = raw.trim().to_ascii_lowercase();
        Self::ALL.into_iter().find(|p| p.as_str() == s).ok_or(FieldError::new("priority", Rule::InvalidChoice))
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Low => "low",
            Priority::Normal => "normal",
            Priority::High => "high",
            Priority::Urgent => "urgent",
        }
    }
}

/// Where a conversation stands; stored as `as_str()` and shared by the server and the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ConversationStatus {
    #[default]
    Open,
    /// Waiting on the customer; SLA clocks pause.
    Pending,
    /// Put aside until a time or the customer's next message; SLA clocks pause.
    Snoozed,
    Resolved,
}

impl ConversationStatus {
    pub const ALL: [ConversationStatus; 4] = [
        ConversationStatus::Open,
        ConversationStatus::Pending,
        ConversationStatus::Snoozed,
        ConversationStatus::Resolved,
    ];

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let s = raw.trim().to_ascii_lowercase();
        Self::ALL.into_iter().find(|c| c.as_str() == s).ok_or(FieldError::new("status", Rule::InvalidChoice))
    }
    pub fn as_str(self) -> &'static str {
        match self {
            ConversationStatus::Open => "open",
            ConversationStatus::Pending => "pending",
            ConversationStatus::Snoozed => "snoozed",
            ConversationStatus::Resolved => "resolved",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_round_trip_and_refuse_unknown_values() {
        for p in Priority::ALL {
            assert_eq!(Priority::parse(p.as_str()), Ok(p));
            assert_eq!(serde_json::to_string(&p).unwrap(), format!("\"{}\"", p.as_str()));
        }
        for s in ConversationStatus::ALL {
            assert_eq!(ConversationStatus::parse(&s.as_str().to_uppercase()), Ok(s));
            assert_eq!(serde_json::from_str::<ConversationStatus>(&format!("\"{}\"", s.as_str())).unwrap(), s);
        }
        assert_eq!(Priority::parse("critical"), Err(FieldError::new("priority", Rule::InvalidChoice)));
        assert_eq!(ConversationStatus::parse("closed"), Err(FieldError::new("status", Rule::InvalidChoice)));
        assert!(Priority::Urgent > Priority::High && Priority::Low < Priority::Normal);
        assert_eq!(Priority::default(), Priority::Normal);
    }

    #[test]
    fn invalid_reads_like_field_error() {
        let e = Invalid::with_limit("prechat.name", Rule::TooLong, 40);
        assert_eq!(e.to_string(), "prechat.name must be at most 40 characters");
        let e = Invalid::new("body", Rule::InvalidChoice).with_detail("contact.phone");
        assert_eq!(e.to_string(), "body is not one of the allowed values (contact.phone)");
        let from_core: Invalid = FieldError::with_limit("email", Rule::TooLong, 254).into();
        assert_eq!((from_core.field.as_ref(), from_core.rule, from_core.limit), ("email", Rule::TooLong, 254));
    }
}
