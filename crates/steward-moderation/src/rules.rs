//! Rules as admins write them and the server stores them (JSON via serde).

use serde::{Deserialize, Serialize};

/// A room id, as in `steward-core`.
pub type RoomId = i64;
/// A user id, as in `steward-core`.
pub type UserId = i64;

/// One moderation rule.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    /// Stable id, unique within the rule set (at most 100 characters).
    pub id: String,
    /// Shown to moderators (and to the author when the action says so).
    pub name: String,
    pub kind: RuleKind,
    #[serde(default)]
    pub scope: Scope,
    #[serde(default)]
    pub exempt: Exemptions,
    pub action: Action,
    /// Reported in the verdict but never decisive: for trying a rule on live traffic.
    #[serde(default)]
    pub dry_run: bool,
    #[serde(default = "yes")]
    pub enabled: bool,
}

fn yes() -> bool {
    true
}

fn default_true() -> bool {
    true
}

/// What a rule looks for, and its parameters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum RuleKind {
    /// Word lists: built-in presets (`crate::presets`) and the admin's own entries (words,
    /// phrases, `stem*`, `*end`, `*part*`, `sp*m`, `~stem*`, `!exception`), matched on the
    /// normalised text.
    Words {
        #[serde(default)]
        presets: Vec<String>,
        #[serde(default)]
        words: Vec<String>,
    },
    /// Regular expressions, matched on the cleaned text (lowercase, compatibility-folded,
    /// invisible characters removed). Linear time (the `regex` crate), size-limited.
    Regex { patterns: Vec<String> },
    /// Links, including spelled-out ones (`example dot com`, `t . me/x`).
    Links {
        /// Any link to a domain outside `allow_domains` fires.
        #[serde(default)]
        block_all: bool,
        /// Domains (and their subdomains) that never fire `block_all`.
        #[serde(default)]
        allow_domains: Vec<String>,
        /// Invitations to other chats (t.me/joinchat, t.me/+, discord.gg, chat.whatsapp.com …)
        /// fire even on an allowed domain.
        #[serde(default = "default_true")]
        block_invites: bool,
    },
    /// More than `max` mentions in one message.
    Mentions { max: u32 },
    /// At least `min_letters` letters and more than `max_ratio` of them upper case.
    Caps { min_letters: u32, max_ratio: f32 },
    /// More than `max` emoji in one message.
    Emoji { max: u32 },
    /// More than `max_messages` messages from one member in one room within `window_secs`.
    Rate { max_messages: u32, window_secs: u32 },
    /// The same text (after normalisation), or a near copy when `near`, from at least
    /// `min_accounts` different accounts within `window_secs` (spam waves). Texts shorter than
    /// `min_length` normalised letters are not compared.
    Duplicates {
        min_accounts: u32,
        window_secs: u32,
        #[serde(default = "default_min_length")]
        min_length: u32,
        #[serde(default = "default_true")]
        near: bool,
    },
    /// Members with fewer than `min_messages` messages, or who joined less than `min_hours`
    /// ago, may not post links (`links`) or media (`media`).
    NewMember {
        #[serde(default)]
        min_messages: u32,
        #[serde(default)]
        min_hours: u32,
        #[serde(default = "default_true")]
        links: bool,
        #[serde(default = "default_true")]
        media: bool,
    },
    /// More than `max_joins` joins to one room within `window_secs` (a raid); checked by
    /// `Engine::check_join`.
    JoinWave { max_joins: u32, window_secs: u32 },
    /// At least `min_words` words mixing Latin and Cyrillic letters (`xуйня`, `раураl`).
    MixedScript {
        #[serde(default = "one")]
        min_words: u32,
    },
}

fn default_min_length() -> u32 {
    20
}

fn one() -> u32 {
    1
}

/// The name of a rule's kind, for hits and logs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KindName {
    Words,
    Regex,
    Links,
    Mentions,
    Caps,
    Emoji,
    Rate,
    Duplicates,
    NewMember,
    JoinWave,
    MixedScript,
}

impl RuleKind {
    pub fn name(&self) -> KindName {
        match self {
            RuleKind::Words { .. } => KindName::Words,
            RuleKind::Regex { .. } => KindName::Regex,
            RuleKind::Links { .. } => KindName::Links,
            RuleKind::Mentions { .. } => KindName::Mentions,
            RuleKind::Caps { .. } => KindName::Caps,
            RuleKind::Emoji { .. } => KindName::Emoji,
            RuleKind::Rate { .. } => KindName::Rate,
            RuleKind::Duplicates { .. } => KindName::Duplicates,
            RuleKind::NewMember { .. } => KindName::NewMember,
            RuleKind::JoinWave { .. } => KindName::JoinWave,
            RuleKind::MixedScript { .. } => KindName::MixedScript,
        }
    }
}

/// Where a rule applies.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    #[default]
    All,
    Rooms(Vec<RoomId>),
}

impl Scope {
    pub fn covers(&self, room: RoomId) -> bool {
        match self {
            Scope::All => true,
            Scope::Rooms(rooms) => rooms.contains(&room),
        }
    }
}

/// Who a rule never applies to.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exemptions {
    /// System roles as stored (`owner`, `admin`, `moderator`, …).
    #[serde(default)]
    pub roles: Vec<String>,
    #[serde(default)]
    pub users: Vec<UserId>,
}

impl Exemptions {
    pub fn covers(&self, role: &str, user: UserId) -> bool {
        self.users.contains(&user) || self.roles.iter().any(|r| r == role)
    }
}

/// What the server does when a rule fires.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Action {
    /// Refuse the message and tell the author why.
    Block { message: String },
    /// Keep the message from the room until a moderator reviews it.
    Hold,
    /// Remove the message.
    Delete,
    /// Publish, and warn the author.
    Warn {
        #[serde(default)]
        message: String,
    },
    /// Refuse the message and mute the author.
    Mute { seconds: u64 },
    /// Refuse the message and remove the author from the room.
    Kick,
    /// Refuse the message and ban the author; `seconds: null` is permanent.
    Ban {
        #[serde(default)]
        seconds: Option<u64>,
    },
    /// Publish, and tell the moderators.
    Alert,
    /// Publish, and turn on slow mode in the room.
    SlowMode { seconds: u32 },
}

impl Action {
    /// Ordering used to pick the action that wins: ban (permanent above any timed ban) > kick >
    /// mute (longer first) > block > delete > hold > slow mode > warn > alert.
    pub fn severity(&self) -> (u8, u64) {
        match self {
            Action::Ban { seconds: None } => (90, u64::MAX),
            Action::Ban { seconds: Some(s) } => (90, *s),
            Action::Kick => (80, 0),
            Action::Mute { seconds } => (70, *seconds),
            Action::Block { .. } => (60, 0),
            Action::Delete => (50, 0),
            Action::Hold => (40, 0),
            Action::SlowMode { seconds } => (30, u64::from(*seconds)),
            Action::Warn { .. } => (20, 0),
            Action::Alert => (10, 0),
        }
    }

    /// Whether the message must not be shown to the room.
    pub fn stops_message(&self) -> bool {
        !matches!(self, Action::Warn { .. } | Action::Alert | Action::SlowMode { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_shape() {
        let rule = Rule {
            id: "mat".into(),
            name: "No swearing".into(),
            kind: RuleKind::Words { presets: vec!["ru_obscene".into()], words: vec!["спам*".into()] },
            scope: Scope::Rooms(vec![1, 2]),
            exempt: Exemptions { roles: vec!["moderator".into()], users: vec![7] },
            action: Action::Mute { seconds: 600 },
            dry_run: false,
            enabled: true,
        };
        let json = serde_json::to_string(&rule).unwrap();
        assert_eq!(
            json,
            r#"{"id":"mat","name":"No swearing","kind":{"type":"words","presets":["ru_obscene"],"words":["спам*"]},"scope":{"rooms":[1,2]},"exempt":{"roles":["moderator"],"users":[7]},"action":{"type":"mute","seconds":600},"dry_run":false,"enabled":true}"#
        );
        assert_eq!(serde_json::from_str::<Rule>(&json).unwrap(), rule);
        let short: Rule = serde_json::from_str(
            r#"{"id":"caps","name":"Caps","kind":{"type":"caps","min_letters":10,"max_ratio":0.7},"action":{"type":"warn"}}"#,
        )
        .unwrap();
        assert_eq!(short.scope, Scope::All);
        assert!(short.enabled && !short.dry_run);
    }

    #[test]
    fn severity_order() {
        let mut actions = [
            Action::Alert,
            Action::Ban { seconds: Some(60) },
            Action::Mute { seconds: 10 },
            Action::Ban { seconds: None },
            Action::Hold,
            Action::Kick,
            Action::Mute { seconds: 100 },
        ];
        actions.sort_by_key(|a| std::cmp::Reverse(a.severity()));
        assert_eq!(actions[0], Action::Ban { seconds: None });
        assert_eq!(actions[2], Action::Kick);
        assert_eq!(actions[3], Action::Mute { seconds: 100 });
        assert_eq!(actions[6], Action::Alert);
    }
}
