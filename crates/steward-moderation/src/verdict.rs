//! What the engine answers: the rules that fired, why, and which action wins.

use std::sync::Arc;

use serde::Serialize;

use crate::normalize::Form;
use crate::rules::{Action, KindName};

/// Every rule that fired on one message (or join), in rule order.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Verdict {
    pub hits: Vec<Hit>,
}

impl Verdict {
    pub fn is_clean(&self) -> bool {
        self.hits.is_empty()
    }

    /// The hit whose action wins: the most severe among those not in dry-run
    /// (`Action::severity`); the earlier rule on a tie.
    pub fn decisive(&self) -> Option<&Hit> {
        let mut best: Option<&Hit> = None;
        for h in self.hits.iter().filter(|h| !h.dry_run) {
            if best.is_none_or(|b| h.action.severity() > b.action.severity()) {
                best = Some(h);
            }
        }
        best
    }

    /// The winning action, if any rule (not in dry-run) fired.
    pub fn action(&self) -> Option<&Action> {
        self.decisive().map(|h| &h.action)
    }
}

/// One rule that fired.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Hit {
    pub rule_id: Arc<str>,
    pub rule_name: Arc<str>,
    pub kind: KindName,
    pub action: Action,
    pub dry_run: bool,
    pub reason: Reason,
    pub evidence: Option<Evidence>,
}

/// Why a rule fired: a stable machine code and a human sentence (English; the UI translates
/// by code and fills in from the evidence).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Reason {
    pub code: ReasonCode,
    pub detail: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReasonCode {
    WordList,
    Regex,
    Link,
    Invite,
    Mentions,
    Caps,
    Emoji,
    Rate,
    Duplicate,
    NewMemberLink,
    NewMemberMedia,
    JoinWave,
    MixedScript,
}

/// What in the message made the rule fire.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Evidence {
    /// The entry, regex, host or count that matched (`~хуй*`, `discord.gg`, `12 mentions`).
    pub term: String,
    /// The part of the original text, as written (`х.у.й`), when there is one.
    pub matched: Option<String>,
    /// Its byte range in the original text.
    pub span: Option<(usize, usize)>,
    /// The word as normalised (`хуй`), for word lists.
    pub normalized: Option<String>,
    /// Which form it was found in, for word lists.
    pub form: Option<Form>,
    /// The preset (or `rule`, for the rule's own words) the entry belongs to.
    pub list: Option<Arc<str>>,
}

impl Evidence {
    pub(crate) fn term(term: impl Into<String>) -> Self {
        Evidence { term: term.into(), matched: None, span: None, normalized: None, form: None, list: None }
    }

    pub(crate) fn with_span(mut self, text: &str, span: (usize, usize)) -> Self {
        self.matched = text.get(span.0..span.1).map(str::to_string);
        self.span = Some(span);
        self
    }
}
