//! Room kinds and the rules of who may read, post, join and manage. Every API
//! route, page and gateway event asks these functions; none decides on its own.

use serde::{Deserialize, Serialize};

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
        }
    }
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "channel" => Ok(RoomKind::Channel),
            "group" => Ok(RoomKind::Group),
            "direct" => Ok(RoomKind::Direct),
            "broadcast" => Ok(RoomKind::Broadcast),
            "" => Err(FieldError::new("kind", Rule::Required)),
            _ => Err(FieldError::new("kind", Rule::InvalidChoice)),
        }
    }
    /// Public rooms are readable and joinable without an invitation.
    pub fn is_public(self) -> bool {
        matches!(self, RoomKind::Channel | RoomKind::Broadcast)
    }
}

/// What the access rules need to know about a person and a room.
#[derive(Debug, Clone, Copy)]
pub struct Access {
    pub kind: RoomKind,
    pub archived: bool,
    pub system_role: SystemRole,
    /// `None` when the person is not a member.
    pub membership: Option<RoomRole>,
}

impl Access {
    pub fn is_member(&self) -> bool {
        self.membership.is_some()
    }
    /// Read history, search it, receive its events.
    pub fn can_read(&self) -> bool {
        self.is_member() || (self.kind.is_public() && self.system_role != SystemRole::Guest)
    }
    pub fn can_join(&self) -> bool {
        !self.is_member() && !self.archived && self.kind.is_public() && self.system_role != SystemRole::Guest
    }
    pub fn can_post(&self) -> bool {
        let Some(role) = self.membership else {
            return false;
        };
        if self.archived {
            return false;
        }
        match self.kind {
            RoomKind::Broadcast => matches!(role, RoomRole::Owner | RoomRole::Moderator | RoomRole::Editor),
            _ => true,
        }
    }
    pub fn can_react(&self) -> bool {
        self.is_member() && !self.archived
    }
    /// Edit one's own message: still a member who may post (broadcast editors) or
    /// any member elsewhere.
    pub fn can_edit_own(&self) -> bool {
        self.can_post()
    }
    /// Delete others' messages, pin, add members to private rooms.
    pub fn can_moderate(&self) -> bool {
        self.membership.is_some_and(RoomRole::manages_room) || self.system_role.moderates()
    }
    pub fn can_pin(&self) -> bool {
        self.can_moderate() || (self.is_member() && matches!(self.kind, RoomKind::Direct | RoomKind::Group))
    }
    pub fn can_add_members(&self) -> bool {
        match self.kind {
            RoomKind::Direct => false,
            RoomKind::Group => self.is_member() && !self.archived,
            RoomKind::Channel | RoomKind::Broadcast => self.can_moderate() || (self.is_member() && !self.archived),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn access(kind: RoomKind, role: SystemRole, m: Option<RoomRole>) -> Access {
        Access { kind, archived: false, system_role: role, membership: m }
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
    fn archived_rooms_are_read_only() {
        let mut a = access(RoomKind::Channel, SystemRole::Member, Some(RoomRole::Owner));
        a.archived = true;
        assert!(a.can_read());
        assert!(!a.can_post());
        assert!(!a.can_react());
    }
}
