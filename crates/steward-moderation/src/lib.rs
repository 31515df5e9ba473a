//! Steward's moderation engine: text normalisation that sees through obfuscation, word lists
//! and presets, and the other rule kinds (links, floods, spam waves, raids, new members), with
//! verdicts that say which rule fired, why, and on what.
//!
//! **Pure**: no I/O, no clock, no threads, no async. The caller passes the time; the state of
//! the counting rules lives in a bounded `State` the caller owns. See docs/MODERATION.md.

mod engine;
pub mod error;
pub mod eval;
mod lexicon;
mod links;
pub mod normalize;
pub mod presets;
pub mod rules;
mod state;
mod verdict;

pub use engine::{
    Engine, Explanation, Input, JoinInput, MAX_ENTRIES, MAX_REGEX_CHARS, REGEX_DFA_LIMIT, REGEX_SIZE_LIMIT, Scratch,
};
pub use error::{EntryProblem, RuleError};
pub use normalize::Form;
pub use rules::{Action, Exemptions, KindName, RoomId, Rule, RuleKind, Scope, UserId};
pub use state::{State, StateLimits};
pub use verdict::{Evidence, Hit, Reason, ReasonCode, Verdict};
