//! FAQ matching for Steward's bot and operators: the knowledge base model, Russian and English
//! text analysis (stemming, stop words, synonyms, typos, wrong keyboard layout, colloquial
//! forms), ranking with a confidence score, and the decision to answer, suggest or hand over.
//!
//! Pure: no I/O, no async, no clock. Build an [`Index`] once per knowledge base version, share it
//! (`Arc<Index>`), and ask it questions from any thread:
//!
//! ```
//! use steward_faq::{Config, Entry, Index, Lang, Outcome, Status, Synonyms};
//! let entries = vec![Entry {
//!     id: "return_policy".into(),
//!     lang: Lang::Ru,
//!     questions: vec!["Как вернуть товар?".into()],
//!     answer: "В течение 14 дней.".into(),
//!     category: String::new(),
//!     status: Status::Published,
//! }];
//! let index = Index::build(&entries, &Synonyms::builtin(), Config::default());
//! match index.ask("rfr dthyenm njdfh", None) {
//!     Outcome::Answer { entry, .. } => assert_eq!(entry.id, "return_policy"),
//!     other => panic!("{other:?}"),
//! }
//! ```

pub mod eval;
mod index;
mod matcher;
pub mod model;
pub mod synonyms;
pub mod text;

pub use index::{Config, Index};
pub use matcher::{HandOverReason, Outcome, Scored};
pub use model::{Entry, Lang, Status, entries_from_csv, entries_from_json, entries_to_csv, entries_to_json};
pub use synonyms::Synonyms;

#[derive(Debug, thiserror::Error)]
pub enum FaqError {
    #[error("knowledge base JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("{field}: {rule}")]
    Invalid { field: String, rule: String },
    #[error("CSV line {line}: {message}")]
    Csv { line: usize, message: String },
    #[error("questions TSV line {line}: {message}")]
    Tsv { line: usize, message: String },
}
