//! What can be wrong with a rule set. Every error names the rule, and the field or entry.

/// A rule set that cannot be compiled. `code()` is stable for the API and the UI.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    #[error("rule {rule:?}: the id is empty or longer than 100 characters")]
    BadId { rule: String },
    #[error("rule {rule:?}: another rule has the same id")]
    DuplicateId { rule: String },
    #[error("rule {rule:?}: unknown preset {preset:?}")]
    UnknownPreset { rule: String, preset: String },
    #[error("rule {rule:?}: word {entry:?} {problem}")]
    BadEntry { rule: String, entry: String, problem: EntryProblem },
    #[error("rule {rule:?}: regex {pattern:?} refused: {reason}")]
    BadRegex { rule: String, pattern: String, reason: String },
    #[error("rule {rule:?}: {field} {reason}")]
    BadParameter { rule: String, field: &'static str, reason: String },
    #[error("rule {rule:?}: nothing to match (no presets, words or patterns)")]
    Empty { rule: String },
    #[error("the word lists are too large to compile: {reason}")]
    TooLarge { reason: String },
}

impl RuleError {
    /// A stable snake_case code the server and the UI can rely on and translate.
    pub fn code(&self) -> &'static str {
        match self {
            RuleError::BadId { .. } => "bad_rule_id",
            RuleError::DuplicateId { .. } => "duplicate_rule_id",
            RuleError::UnknownPreset { .. } => "unknown_preset",
            RuleError::BadEntry { .. } => "bad_word",
            RuleError::BadRegex { .. } => "bad_regex",
            RuleError::BadParameter { .. } => "bad_parameter",
            RuleError::Empty { .. } => "empty_rule",
            RuleError::TooLarge { .. } => "word_lists_too_large",
        }
    }

    /// The id of the rule at fault, if one is.
    pub fn rule(&self) -> Option<&str> {
        match self {
            RuleError::BadId { rule }
            | RuleError::DuplicateId { rule }
            | RuleError::UnknownPreset { rule, .. }
            | RuleError::BadEntry { rule, .. }
            | RuleError::BadRegex { rule, .. }
            | RuleError::BadParameter { rule, .. }
            | RuleError::Empty { rule } => Some(rule),
            RuleError::TooLarge { .. } => None,
        }
    }
}

/// Why a word-list entry was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EntryProblem {
    #[error("is empty")]
    Empty,
    #[error("is longer than 100 characters")]
    TooLong,
    #[error("has no letters")]
    NoLetters,
    #[error("has a wildcard in a phrase; `*` stands only within one word")]
    WildcardInPhrase,
    #[error("has more than 4 wildcards")]
    TooManyWildcards,
    #[error("mixes Latin and Cyrillic words in one phrase; write two entries")]
    MixedPhrase,
}
