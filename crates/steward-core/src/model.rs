//! The records the store returns and the API shows. Times are Unix
//! milliseconds inside, RFC 3339 strings on the wire.

use serde::{Serialize, Serializer};
use utoipa::ToSchema;

use crate::{MessageId, Millis, RoomId, RoomKind, RoomRole, Seq, SystemRole, UserId};

/// Formats Unix milliseconds as RFC 3339 UTC (`2026-11-24T10:00:00.123Z`).
pub fn rfc3339(ms: Millis) -> String {
    let secs = ms.div_euclid(1000);
    let milli = ms.rem_euclid(1000);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{milli:03}Z", sod / 3600, (sod % 3600) / 60, sod % 60)
}

pub fn ser_time<S: Serializer>(ms: &Millis, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&rfc3339(*ms))
}

pub fn ser_opt_time<S: Serializer>(ms: &Option<Millis>, s: S) -> Result<S::Ok, S::Error> {
    match ms {
        Some(ms) => s.serialize_str(&rfc3339(*ms)),
        None => s.serialize_none(),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum UserStatus {
    Active,
    Deactivated,
}

impl UserStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            UserStatus::Active => "active",
            UserStatus::Deactivated => "deactivated",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "active" => Some(UserStatus::Active),
            "deactivated" => Some(UserStatus::Deactivated),
            _ => None,
        }
    }
    pub fn from_db(s: &str) -> Self {
        if s == "deactivated" { UserStatus::Deactivated } else { UserStatus::Active }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct User {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    pub locale: String,
    pub avatar_color: String,
    pub role: SystemRole,
    pub status: UserStatus,
    #[serde(serialize_with = "ser_time")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Millis,
    /// What the custom roles given to this person add to their system role.
    #[serde(skip)]
    #[schema(ignore)]
    pub extra_permissions: crate::PermissionSet,
}

impl User {
    /// What other people see of this person next to a message or an event.
    pub fn brief(&self) -> UserBrief {
        UserBrief {
            id: self.id,
            username: self.username.clone(),
            display_name: self.display_name.clone(),
            avatar_color: self.avatar_color.clone(),
        }
    }

    /// Everything this person may do across the installation: the system
    /// role's permissions plus those of their custom roles.
    pub fn permissions(&self) -> crate::PermissionSet {
        self.role.permissions().union(self.extra_permissions)
    }
}

/// What other people see of an author next to a message.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, ToSchema)]
pub struct UserBrief {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub avatar_color: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Room {
    pub id: RoomId,
    pub kind: RoomKind,
    pub name: String,
    pub topic: String,
    pub archived: bool,
    pub last_seq: Seq,
    pub member_count: i64,
    pub policy: crate::rooms::RoomPolicy,
    #[serde(serialize_with = "ser_time")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Millis,
}

/// A room as one member sees it in their list.
#[derive(Debug, Clone, Serialize)]
pub struct MyRoom {
    #[serde(flatten)]
    pub room: Room,
    pub my_role: RoomRole,
    pub last_read_seq: Seq,
    /// Messages by others after the read marker (capped at [`UNREAD_CAP`]).
    pub unread: i64,
    /// Of those, the ones that mention this member or the whole room.
    pub mentions: i64,
}

/// Unread counts stop here; the UI shows "999+".
pub const UNREAD_CAP: i64 = 1000;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Member {
    pub user: UserBrief,
    pub role: RoomRole,
    #[serde(serialize_with = "ser_time")]
    #[schema(value_type = String, format = DateTime)]
    pub joined_at: Millis,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, ToSchema)]
pub struct ReplyPreview {
    pub id: MessageId,
    pub seq: Seq,
    pub author_display_name: String,
    pub excerpt: String,
    pub deleted: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, ToSchema)]
pub struct ReactionSummary {
    pub emoji: String,
    pub count: i64,
    pub user_ids: Vec<UserId>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, ToSchema)]
pub struct Attachment {
    pub id: i64,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub url: String,
    pub is_image: bool,
}

impl Attachment {
    pub fn url_for(id: i64, filename: &str) -> String {
        let safe: String = filename
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') { c } else { '_' })
            .collect();
        format!("/api/v1/attachments/{id}/{safe}")
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Message {
    pub id: MessageId,
    pub room_id: RoomId,
    pub seq: Seq,
    pub author_id: UserId,
    pub author: UserBrief,
    /// Empty once deleted.
    pub body: String,
    pub html: String,
    #[serde(serialize_with = "ser_time")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Millis,
    #[serde(serialize_with = "ser_opt_time")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub edited_at: Option<Millis>,
    pub deleted: bool,
    pub reply_to: Option<ReplyPreview>,
    pub mentions_room: bool,
    pub reactions: Vec<ReactionSummary>,
    pub pinned: bool,
    pub attachments: Vec<Attachment>,
    pub nonce: Option<String>,
    /// A staff-only note in a support conversation: never shown to the contact.
    pub internal: bool,
}

/// A session as its owner sees it in their list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SessionRecord {
    pub id: i64,
    /// `web` or `api`.
    pub kind: String,
    #[serde(serialize_with = "ser_time")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Millis,
    #[serde(serialize_with = "ser_time")]
    #[schema(value_type = String, format = DateTime)]
    pub last_seen_at: Millis,
    #[serde(serialize_with = "ser_time")]
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: Millis,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// The session making this request.
    pub current: bool,
}

/// An API token (its secret is shown once, at creation).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    /// `read`, `write`, `admin`.
    pub scopes: Vec<String>,
    #[serde(serialize_with = "ser_time")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Millis,
    #[serde(serialize_with = "ser_opt_time")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub expires_at: Option<Millis>,
    #[serde(serialize_with = "ser_opt_time")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_used_at: Option<Millis>,
    pub revoked: bool,
}

/// A role an admin defined: a named set of permissions given to people on
/// top of their system role.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CustomRole {
    pub id: i64,
    pub name: String,
    pub description: String,
    /// Permission names (`audit.read`, …).
    pub permissions: Vec<String>,
    /// How many people hold it.
    pub holders: i64,
    #[serde(serialize_with = "ser_time")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Millis,
}

impl CustomRole {
    /// The role's permissions as a set.
    pub fn permission_set(&self) -> crate::PermissionSet {
        self.permissions
            .iter()
            .filter_map(|p| crate::Permission::parse(p))
            .fold(crate::PermissionSet::EMPTY, |s, p| s.with(p))
    }
}

/// An invite link (its token is shown once, at creation).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Invite {
    pub id: i64,
    /// Where the link was shared, for attribution ("website", "telegram-ad-1").
    pub label: String,
    pub role: SystemRole,
    /// Rooms people join on sign-up (besides the default room).
    pub rooms: Vec<RoomId>,
    pub max_uses: i64,
    pub uses: i64,
    #[serde(serialize_with = "ser_time")]
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: Millis,
    pub created_by: Option<UserId>,
    #[serde(serialize_with = "ser_time")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Millis,
    pub revoked: bool,
    /// The address it was sent to, for invites sent by e-mail.
    pub email: Option<String>,
}

/// One audit log entry: who did what to whom, from where, before and after.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    #[serde(serialize_with = "ser_time")]
    #[schema(value_type = String, format = DateTime)]
    pub at: Millis,
    pub actor_id: Option<UserId>,
    /// Dotted name: `user.deactivate`, `auth.login_failed`, `room.policy`, …
    pub action: String,
    pub target_type: String,
    pub target_id: Option<i64>,
    /// JSON of the state before and after (empty when not applicable).
    pub before: String,
    pub after: String,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// One entry of a room's event stream, before hydration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomEvent {
    pub room_id: RoomId,
    pub seq: Seq,
    pub kind: EventKind,
    pub message_id: Option<MessageId>,
    pub user_id: Option<UserId>,
    /// Small kind-specific detail (the emoji of a reaction).
    pub data: String,
    pub created_at: Millis,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    MessageCreated,
    MessageUpdated,
    MessageDeleted,
    ReactionAdded,
    ReactionRemoved,
    MemberJoined,
    MemberLeft,
    RoomUpdated,
}

impl EventKind {
    pub const ALL: [EventKind; 8] = [
        EventKind::MessageCreated,
        EventKind::MessageUpdated,
        EventKind::MessageDeleted,
        EventKind::ReactionAdded,
        EventKind::ReactionRemoved,
        EventKind::MemberJoined,
        EventKind::MemberLeft,
        EventKind::RoomUpdated,
    ];
    /// The `type` of the gateway event.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::MessageCreated => "message.created",
            EventKind::MessageUpdated => "message.updated",
            EventKind::MessageDeleted => "message.deleted",
            EventKind::ReactionAdded => "reaction.added",
            EventKind::ReactionRemoved => "reaction.removed",
            EventKind::MemberJoined => "member.joined",
            EventKind::MemberLeft => "member.left",
            EventKind::RoomUpdated => "room.updated",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_formats() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(1_795_000_000_123), "2026-11-18T11:06:40.123Z");
        assert_eq!(rfc3339(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(rfc3339(-1), "1969-12-31T23:59:59.999Z");
    }
}

/// A sanction on a person: a warning, a mute, a ban (a kick is recorded as
/// one that ends at once). `room_id` `None` means everywhere.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Sanction {
    pub id: i64,
    pub user_id: UserId,
    pub room_id: Option<RoomId>,
    /// `warn`, `mute`, `ban` or `kick`.
    pub kind: String,
    pub reason: String,
    /// The rule that imposed it, if a rule did.
    pub rule_id: Option<String>,
    /// The moderator who imposed it, if a person did.
    pub actor_id: Option<UserId>,
    pub message_id: Option<MessageId>,
    #[serde(serialize_with = "ser_time")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Millis,
    /// `None`: until lifted (warnings and permanent bans).
    #[serde(serialize_with = "ser_opt_time")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub expires_at: Option<Millis>,
    /// Lifted early, or expired and swept.
    #[serde(serialize_with = "ser_opt_time")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub ended_at: Option<Millis>,
}

impl Sanction {
    pub fn is_active(&self, now: Millis) -> bool {
        self.ended_at.is_none() && self.expires_at.is_none_or(|e| e > now)
    }
}

/// A message kept from its room until a moderator approves or rejects it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HeldMessage {
    pub id: i64,
    pub room_id: RoomId,
    pub author_id: UserId,
    pub body: String,
    pub rule_id: Option<String>,
    pub reason: String,
    #[serde(serialize_with = "ser_time")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Millis,
    /// `pending`, `approved` or `rejected`.
    pub status: String,
    /// The message it became once approved.
    pub message_id: Option<MessageId>,
}

/// Reports on one message, merged.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ModCase {
    pub id: i64,
    pub room_id: RoomId,
    pub message_id: MessageId,
    pub author_id: UserId,
    /// The message as it was when first reported.
    pub snapshot: String,
    /// `open` or `resolved`.
    pub status: String,
    /// Sent up to the admins.
    pub escalated: bool,
    /// Higher first: trusted reporters (staff) raise it.
    pub priority: i64,
    pub reports: i64,
    /// The reporters' reasons, oldest first.
    pub reasons: Vec<String>,
    #[serde(serialize_with = "ser_time")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Millis,
    pub outcome: Option<String>,
}

/// A sanctioned person's request to lift a sanction.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Appeal {
    pub id: i64,
    pub sanction_id: i64,
    pub user_id: UserId,
    pub body: String,
    /// `open`, `accepted` or `rejected`.
    pub status: String,
    #[serde(serialize_with = "ser_time")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Millis,
    pub decided_by: Option<UserId>,
    pub note: String,
}

/// One moderation action, by a person or a rule, with its evidence.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ModlogEntry {
    pub id: i64,
    #[serde(serialize_with = "ser_time")]
    #[schema(value_type = String, format = DateTime)]
    pub at: Millis,
    pub actor_id: Option<UserId>,
    pub rule_id: Option<String>,
    pub action: String,
    pub room_id: Option<RoomId>,
    pub user_id: Option<UserId>,
    pub message_id: Option<MessageId>,
    pub reason: String,
    /// A snapshot of the message or the matched words.
    pub evidence: String,
    pub duration_secs: Option<i64>,
    /// A rule on trial: recorded, not enforced.
    pub dry_run: bool,
}

/// A ban list rooms subscribe to: whoever is on it is kept out of them
/// (unless a room exempts them).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BanList {
    pub id: i64,
    pub name: String,
    pub description: String,
    /// People on the list.
    pub entries: i64,
    /// Rooms subscribed.
    pub rooms: Vec<RoomId>,
}

/// One person on a ban list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BanEntry {
    pub user_id: UserId,
    pub reason: String,
    pub added_by: Option<UserId>,
    #[serde(serialize_with = "ser_time")]
    #[schema(value_type = String, format = DateTime)]
    pub added_at: Millis,
}

/// A support inbox: where conversations come from (the website widget, the
/// API). Its settings are JSON the server validates (docs/SUPPORT.md).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Inbox {
    pub id: i64,
    /// What the widget's `data-inbox` names; not a secret.
    pub public_key: String,
    pub name: String,
    /// `widget` or `api`.
    pub kind: String,
    #[schema(value_type = Object)]
    pub settings: serde_json::Value,
    #[serde(serialize_with = "ser_time")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Millis,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Department {
    pub id: i64,
    pub inbox_id: i64,
    pub name: String,
    /// A routing mode of its own, or `None` for the inbox's.
    pub routing: Option<String>,
}

/// An operator's availability and load.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OperatorState {
    pub user_id: UserId,
    /// `online`, `away` or `offline`.
    pub availability: String,
    /// Open conversations at once; 0 is no limit.
    pub capacity: i64,
    /// Open conversations assigned now.
    pub active_count: i64,
    #[serde(serialize_with = "ser_time")]
    #[schema(value_type = String, format = DateTime)]
    pub last_active_at: Millis,
    #[serde(serialize_with = "ser_opt_time")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_assigned_at: Option<Millis>,
}

/// The person on the other side of a support conversation.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Contact {
    pub id: i64,
    pub inbox_id: i64,
    /// The contact's own user row (author of their messages).
    pub user_id: UserId,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// The site's user id when the identity was verified with the inbox's secret.
    pub external_id: Option<String>,
    #[schema(value_type = Object)]
    pub attributes: serde_json::Value,
    #[serde(serialize_with = "ser_time")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Millis,
    #[serde(serialize_with = "ser_time")]
    #[schema(value_type = String, format = DateTime)]
    pub last_seen_at: Millis,
}

/// A support conversation; its messages live in the room `room_id`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Conversation {
    pub id: i64,
    pub room_id: RoomId,
    pub inbox_id: i64,
    pub contact_id: i64,
    pub department_id: Option<i64>,
    /// `open`, `pending` (with the bot), `snoozed` or `resolved`.
    pub status: String,
    /// `low`, `normal`, `high` or `urgent`.
    pub priority: String,
    pub assignee_id: Option<UserId>,
    /// An assignment not yet accepted lapses then.
    #[serde(serialize_with = "ser_opt_time")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub offer_expires_at: Option<Millis>,
    #[serde(skip)]
    pub passed_over: Vec<UserId>,
    #[serde(serialize_with = "ser_opt_time")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub snoozed_until: Option<Millis>,
    /// In the queue since; `None` once someone has it.
    #[serde(serialize_with = "ser_opt_time")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub waiting_since: Option<Millis>,
    #[schema(value_type = Object)]
    pub prechat: serde_json::Value,
    pub escalated_to: Option<UserId>,
    pub merged_into: Option<i64>,
    pub labels: Vec<String>,
    #[serde(serialize_with = "ser_time")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Millis,
    #[serde(serialize_with = "ser_time")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Millis,
    #[serde(serialize_with = "ser_opt_time")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub first_reply_at: Option<Millis>,
    #[serde(serialize_with = "ser_opt_time")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_customer_at: Option<Millis>,
    #[serde(serialize_with = "ser_opt_time")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_agent_at: Option<Millis>,
    #[serde(serialize_with = "ser_opt_time")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub resolved_at: Option<Millis>,
    /// `none`, `ok`, `warning`, `breached` or `met`.
    pub sla_state: String,
    #[serde(serialize_with = "ser_opt_time")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub sla_next_at: Option<Millis>,
    pub csat_rating: Option<i64>,
    pub csat_comment: Option<String>,
}

/// One reporting event of a conversation (created, handed_over,
/// customer_message, agent_reply, assigned, transferred, escalated,
/// status, csat, …).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ConversationEvent {
    pub id: i64,
    pub conversation_id: i64,
    pub kind: String,
    pub actor_id: Option<UserId>,
    #[serde(serialize_with = "ser_time")]
    #[schema(value_type = String, format = DateTime)]
    pub at: Millis,
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
}

/// A saved reply operators insert with `/shortcut`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CannedResponse {
    pub id: i64,
    pub shortcut: String,
    pub title: String,
    pub body: String,
    /// `personal`, `department` or `global`.
    pub scope: String,
    pub owner_id: Option<UserId>,
    pub department_id: Option<i64>,
    pub locale: Option<String>,
}

/// A named sequence of actions (label, reply, assign, resolve, …).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Macro {
    pub id: i64,
    pub name: String,
    #[schema(value_type = Object)]
    pub actions: serde_json::Value,
    /// `personal` or `global`.
    pub scope: String,
    pub owner_id: Option<UserId>,
}

/// A room's saved note (`#rules`): markdown text under a name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct RoomNote {
    pub room_id: RoomId,
    pub name: String,
    pub body: String,
    /// Who saved it last (`None` once that account is gone).
    pub updated_by: Option<UserId>,
    #[serde(serialize_with = "ser_time")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Millis,
}
