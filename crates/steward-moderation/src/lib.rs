//! Steward's moderation engine. Pure: no I/O, no clock, no threads; the caller passes the time.

pub mod error;
mod lexicon;
pub mod normalize;

pub use error::{EntryProblem, RuleError};
pub use normalize::Form;
