//! Room kinds and the rules of who may read, post, join and manage. Every API
//! route, page and gateway event asks these functions; none decides on its own.

use serde::{Deserialize, Serialize};

use crate::permissions::{Permission, PermissionSet};
use crate::roles::{RoomRole, SystemRole};
use crate::validate::{FieldError, Rule};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum RoomKind {
    /// Public: anyone but guests can find, read and join.
    Channel,
    /// Private: members only, added by a member.
    Group,
    /// Direct conversation of 2–9 people; no name, no joining.
    Direct,
    /// Public, but only owners, moderators and editors post; members read and react.
    Broadcast,
    /// A support conversation: the contact, the operators on it, and staff
    /// who may see it by the support desk's visibility rules (docs/SUPPORT.md).
    Support,
}

/// Direct conversations are small by definition.
pub const DIRECT_MAX_MEMBERS: usize = 9;

impl RoomKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RoomKind::Channel => "channel",
            RoomKind::Group => "group",
            RoomKind::Direct => "direct",
            RoomKind::Broadcast => "broadcast",
            RoomKind::Support => "support",
        }
    }
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "channel" => Ok(RoomKind::Channel),
            "group" => Ok(RoomKind::Group),
            "direct" => Ok(RoomKind::Direct),
            "broadcast" => Ok(RoomKind::Broadcast),
            "support" => Ok(RoomKind::Support),
            "" => Err(FieldError::new("kind", Rule::Required)),
            _ => Err(FieldError::new("kind", Rule::InvalidChoice)),
        }
    }
    /// Public rooms are readable and joinable without an invitation.
    pub fn is_public(self) -> bool {
        matches!(self, RoomKind::Channel | RoomKind::Broadcast)
    }
}

/// Who a per-room rule lets act.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema, Default)]
#[serde(rename_all = "lowercase")]
pub enum Who {
    /// Every member.
    #[default]
    Members,
    /// The room's owners, moderators and editors.
    Staff,
}

/// What the FAQ bot (`steward-bot`) does in a room (docs/FAQ.md, "Group rooms").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema, Default)]
#[serde(rename_all = "lowercase")]
pub enum FaqBotMode {
    /// The bot answers no questions (notes still work).
    #[default]
    Off,
    /// It answers messages that @mention it or reply to one of its messages.
    Mention,
    /// Also questions the knowledge base answers with high confidence.
    Auto,
}

impl FaqBotMode {
    pub const ALL: [FaqBotMode; 3] = [FaqBotMode::Off, FaqBotMode::Mention, FaqBotMode::Auto];
    pub fn as_str(self) -> &'static str {
        match self {
            FaqBotMode::Off => "off",
            FaqBotMode::Mention => "mention",
            FaqBotMode::Auto => "auto",
        }
    }
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|m| m.as_str() == raw.trim().to_ascii_lowercase())
            .ok_or(FieldError::new("faq_bot", Rule::InvalidChoice))
    }
}

/// A room's own rules, on top of the kind's nature and people's permissions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct RoomPolicy {
    /// Announcement mode: only staff post, whatever `post` says.
    pub read_only: bool,
    pub post: Who,
    pub react: Who,
    pub upload: Who,
    /// Who may use @room / @all / @here.
    pub mention_room: Who,
    /// Who may add people (private groups and channels).
    pub invite: Who,
    /// Seconds a member waits between messages; 0 is off. Staff are exempt.
    pub slow_mode_secs: u32,
    /// The FAQ bot in this room; off unless staff turn it on.
    pub faq_bot: FaqBotMode,
}

impl Default for RoomPolicy {
    fn default() -> Self {
        RoomPolicy {
            read_only: false,
            post: Who::Members,
            react: Who::Members,
            upload: Who::Members,
            mention_room: Who::Members,
            invite: Who::Members,
            slow_mode_secs: 0,
            faq_bot: FaqBotMode::Off,
        }
    }
}

impl RoomPolicy {
    /// Longest slow mode: a day.
    pub const MAX_SLOW_MODE_SECS: u32 = 86_400;

    /// What a new room of this kind starts with: broadcast channels let only
    /// their staff post, upload and call everyone.
    pub fn default_for(kind: RoomKind) -> Self {
        match kind {
            RoomKind::Broadcast => {
                RoomPolicy { post: Who::Staff, upload: Who::Staff, mention_room: Who::Staff, ..RoomPolicy::default() }
            }
            _ => RoomPolicy::default(),
        }
    }

    pub fn validate(self) -> Result<Self, FieldError> {
        if self.slow_mode_secs > Self::MAX_SLOW_MODE_SECS {
            return Err(FieldError::with_limit("slow_mode_secs", Rule::TooLong, Self::MAX_SLOW_MODE_SECS as usize));
        }
        Ok(self)
    }
}

/// What the access rules need to know about a person and a room.
#[derive(Debug, Clone, Copy)]
pub struct Access {
    pub kind: RoomKind,
    pub archived: bool,
    pub system_role: SystemRole,
    /// What the person may do across the installation.
    pub perms: PermissionSet,
    /// `None` when the person is not a member.
    pub membership: Option<RoomRole>,
    pub policy: RoomPolicy,
    /// Support conversations: the person may read it without being in it
    /// (the support desk's visibility rules said so).
    pub support_viewer: bool,
}

impl Access {
    /// Access with the permissions of the person's system role.
    pub fn new(
        kind: RoomKind,
        archived: bool,
        policy: RoomPolicy,
        system_role: SystemRole,
        membership: Option<RoomRole>,
    ) -> Self {
        Access {
            kind,
            archived,
            system_role,
            perms: system_role.permissions(),
            membership,
            policy,
            support_viewer: false,
        }
    }
    /// Access with everything the person may do: system role plus custom roles.
    pub fn for_user(
        kind: RoomKind,
        archived: bool,
        policy: RoomPolicy,
        user: &crate::model::User,
        membership: Option<RoomRole>,
    ) -> Self {
        Access { perms: user.permissions(), ..Access::new(kind, archived, policy, user.role, membership) }
    }
    pub fn is_member(&self) -> bool {
        self.membership.is_some()
    }
    /// The room's owners, moderators and editors.
    pub fn is_staff(&self) -> bool {
        matches!(self.membership, Some(RoomRole::Owner | RoomRole::Moderator | RoomRole::Editor))
    }
    fn allows(&self, who: Who) -> bool {
        who == Who::Members || self.is_staff()
    }
    /// Read history, search it, receive its events.
    pub fn can_read(&self) -> bool {
        self.is_member()
            || (self.kind.is_public() && self.perms.has(Permission::RoomJoinPublic))
            || (self.kind == RoomKind::Support && self.support_viewer)
    }
    pub fn can_join(&self) -> bool {
        !self.is_member() && !self.archived && self.kind.is_public() && self.perms.has(Permission::RoomJoinPublic)
    }
    pub fn can_post(&self) -> bool {
        self.is_member()
            && !self.archived
            && (self.is_staff() || (!self.policy.read_only && self.policy.post == Who::Members))
    }
    pub fn can_react(&self) -> bool {
        self.is_member() && !self.archived && self.allows(self.policy.react)
    }
    pub fn can_upload(&self) -> bool {
        self.can_post() && self.perms.has(Permission::FileUpload) && self.allows(self.policy.upload)
    }
    pub fn can_mention_room(&self) -> bool {
        self.allows(self.policy.mention_room) || self.perms.has(Permission::MentionRoomAny)
    }
    /// Edit one's own message: whoever may still post here.
    pub fn can_edit_own(&self) -> bool {
        self.can_post()
    }
    /// Delete others' messages.
    pub fn can_moderate(&self) -> bool {
        matches!(self.membership, Some(RoomRole::Owner | RoomRole::Moderator))
            || self.perms.has(Permission::MessageDeleteAny)
    }
    pub fn can_pin(&self) -> bool {
        self.can_moderate()
            || self.perms.has(Permission::MessagePinAny)
            || (self.is_member() && matches!(self.kind, RoomKind::Direct | RoomKind::Group))
    }
    /// Rename, change the topic and the policy.
    pub fn can_manage(&self) -> bool {
        !matches!(self.kind, RoomKind::Direct | RoomKind::Support)
            && (matches!(self.membership, Some(RoomRole::Owner | RoomRole::Moderator))
                || self.perms.has(Permission::RoomManageAny))
    }
    /// Save and delete the room's notes (`/save`, `/clear`): the people who
    /// manage the room. Reading them is `can_read`.
    pub fn can_edit_notes(&self) -> bool {
        self.can_manage() && !self.archived
    }
    pub fn can_add_members(&self) -> bool {
        if matches!(self.kind, RoomKind::Direct | RoomKind::Support) || self.archived {
            return false;
        }
        self.perms.has(Permission::RoomManageAny)
            || (self.is_member() && self.perms.has(Permission::RoomInvite) && self.allows(self.policy.invite))
    }
    /// Seconds this person must leave between messages here (0: none).
    pub fn slow_mode_secs(&self) -> u32 {
        if self.is_staff() || self.perms.has(Permission::MessageDeleteAny) { 0 } else { self.policy.slow_mode_secs }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn access(kind: RoomKind, role: SystemRole, m: Option<RoomRole>) -> Access {
        Access::new(kind, false, RoomPolicy::default_for(kind), role, m)
    }

    #[test]
    fn table() {
        use RoomKind::*;
        use SystemRole as S;
        // (kind, system role, membership, read, join, post)
        let rows = [
            (Channel, S::Member, None, true, true, false),
            (Channel, S::Member, Some(RoomRole::Member), true, false, true),
            (Channel, S::Guest, None, false, false, false),
            (Group, S::Member, None, false, false, false),
            (Group, S::Admin, None, false, false, false),
            (Group, S::Member, Some(RoomRole::Member), true, false, true),
            (Direct, S::Owner, None, false, false, false),
            (Broadcast, S::Member, None, true, true, false),
            (Broadcast, S::Member, Some(RoomRole::Member), true, false, false),
            (Broadcast, S::Member, Some(RoomRole::Editor), true, false, true),
        ];
        for (kind, role, m, read, join, post) in rows {
            let a = access(kind, role, m);
            assert_eq!((a.can_read(), a.can_join(), a.can_post()), (read, join, post), "{kind:?} {role:?} {m:?}");
        }
    }

    #[test]
    fn room_policies() {
        let member = Some(RoomRole::Member);
        let mut a = access(RoomKind::Channel, SystemRole::Member, member);
        a.policy.read_only = true;
        assert!(!a.can_post(), "announcement mode");
        a.membership = Some(RoomRole::Moderator);
        assert!(a.can_post(), "staff still post");
        let mut a = access(RoomKind::Channel, SystemRole::Member, member);
        a.policy.react = Who::Staff;
        a.policy.upload = Who::Staff;
        a.policy.mention_room = Who::Staff;
        a.policy.invite = Who::Staff;
        a.policy.slow_mode_secs = 30;
        assert!(a.can_post() && !a.can_react() && !a.can_upload() && !a.can_mention_room() && !a.can_add_members());
        assert_eq!(a.slow_mode_secs(), 30);
        a.system_role = SystemRole::Moderator;
        a.perms = SystemRole::Moderator.permissions();
        assert_eq!(a.slow_mode_secs(), 0, "moderators are exempt");
        assert!(a.can_mention_room());
        let b = access(RoomKind::Broadcast, SystemRole::Member, member);
        assert!(!b.can_upload() && !b.can_mention_room() && b.can_react());
        assert!(RoomPolicy { slow_mode_secs: 90_000, ..RoomPolicy::default() }.validate().is_err());
        let g = access(RoomKind::Group, SystemRole::Member, member);
        assert!(!g.can_manage() && !g.can_moderate());
        let admin = access(RoomKind::Group, SystemRole::Admin, None);
        assert!(!admin.can_read(), "admins do not read private groups they are not in");
        assert!(admin.can_manage() && admin.can_add_members());
    }

    #[test]
    fn old_policies_parse_and_the_bot_is_off() {
        let old: RoomPolicy =
            serde_json::from_str(r#"{"read_only":false,"post":"members","slow_mode_secs":5}"#).unwrap();
        assert_eq!((old.faq_bot, old.slow_mode_secs), (FaqBotMode::Off, 5));
        let on: RoomPolicy = serde_json::from_str(r#"{"faq_bot":"auto"}"#).unwrap();
        assert_eq!(on.faq_bot, FaqBotMode::Auto);
        assert!(serde_json::from_str::<RoomPolicy>(r#"{"faq_bot":"always"}"#).is_err());
        assert_eq!(FaqBotMode::parse(" Mention "), Ok(FaqBotMode::Mention));
        assert!(FaqBotMode::parse("loud").is_err());
    }

    #[test]
    fn notes_are_edited_by_who_manages_the_room() {
        // (kind, system role, membership, edit notes)
        let rows = [
            (RoomKind::Channel, SystemRole::Member, Some(RoomRole::Owner), true),
            (RoomKind::Group, SystemRole::Member, Some(RoomRole::Moderator), true),
            (RoomKind::Group, SystemRole::Member, Some(RoomRole::Editor), false),
            (RoomKind::Group, SystemRole::Member, Some(RoomRole::Member), false),
            (RoomKind::Channel, SystemRole::Admin, None, true),
            (RoomKind::Direct, SystemRole::Member, Some(RoomRole::Member), false),
        ];
        for (kind, role, m, edit) in rows {
            assert_eq!(access(kind, role, m).can_edit_notes(), edit, "{kind:?} {role:?} {m:?}");
        }
        let mut archived = access(RoomKind::Channel, SystemRole::Member, Some(RoomRole::Owner));
        archived.archived = true;
        assert!(!archived.can_edit_notes());
    }

    #[test]
    fn archived_rooms_are_read_only() {
        let mut a = access(RoomKind::Channel, SystemRole::Member, Some(RoomRole::Owner));
        a.archived = true;
        assert!(a.can_read());
        assert!(!a.can_post());
        assert!(!a.can_react());
    }
}
