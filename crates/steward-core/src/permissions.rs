//! Granular permissions and the sets the system roles carry. A permission
//! says what a person may do across the installation; what they may do in
//! one room also depends on their room role and the room's policy
//! (`rooms::Access`). Custom roles (issue 3) are sets of these.

use serde::{Deserialize, Serialize};

use crate::roles::SystemRole;

macro_rules! permissions {
    ($($variant:ident = $name:literal: $doc:literal,)*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
        pub enum Permission {
            $(#[doc = $doc] #[serde(rename = $name)] $variant,)*
        }
        impl Permission {
            pub const ALL: &'static [Permission] = &[$(Permission::$variant,)*];
            pub fn as_str(self) -> &'static str {
                match self { $(Permission::$variant => $name,)* }
            }
            pub fn parse(s: &str) -> Option<Permission> {
                match s { $($name => Some(Permission::$variant),)* _ => None }
            }
            pub fn description(self) -> &'static str {
                match self { $(Permission::$variant => $doc,)* }
            }
        }
    };
}

permissions! {
    RoomCreate = "room.create": "Create channels, groups and broadcast channels",
    DirectCreate = "direct.create": "Start direct conversations",
    RoomJoinPublic = "room.join_public": "See and join public channels",
    RoomInvite = "room.invite": "Add people to the rooms one is in, where the room allows it",
    RoomManageAny = "room.manage_any": "Rename, archive and change the policy of any room",
    MessageDeleteAny = "message.delete_any": "Delete anyone's message in rooms one can read",
    MessagePinAny = "message.pin_any": "Pin and unpin messages in any room one can read",
    MentionRoomAny = "message.mention_room": "Use @room in any room one may post in",
    FileUpload = "file.upload": "Attach files to messages",
    UserList = "user.list": "Look people up in the directory",
    UserInvite = "user.invite": "Invite people",
    UserDeactivate = "user.deactivate": "Deactivate and reactivate accounts",
    UserManage = "user.manage": "Change other people's roles and profiles",
    RoleManage = "role.manage": "Define custom roles",
    ModerationSanction = "moderation.sanction": "Warn, mute, kick and ban",
    ModerationReview = "moderation.review": "Review reports and held messages",
    ModerationRules = "moderation.rules": "Edit the automatic moderation rules",
    SupportViewAll = "support.view_all": "See every support conversation",
    SupportManage = "support.manage": "Set up inboxes, departments, operators, SLA policies and shared replies",
    AuditRead = "audit.read": "Read the audit log",
    ComplianceExport = "compliance.export": "Export a room's or a person's messages for compliance",
    SettingsEdit = "settings.edit": "Change installation settings",
}

/// A set of permissions, one bit each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct PermissionSet(u64);

impl PermissionSet {
    pub const EMPTY: PermissionSet = PermissionSet(0);

    pub fn of(perms: &[Permission]) -> Self {
        perms.iter().fold(Self::EMPTY, |s, p| s.with(*p))
    }
    pub fn all() -> Self {
        Self::of(Permission::ALL)
    }
    fn bit(p: Permission) -> u64 {
        1u64 << (Permission::ALL.iter().position(|x| *x == p).unwrap_or(63) as u32)
    }
    pub fn with(self, p: Permission) -> Self {
        PermissionSet(self.0 | Self::bit(p))
    }
    pub fn without(self, p: Permission) -> Self {
        PermissionSet(self.0 & !Self::bit(p))
    }
    pub fn has(self, p: Permission) -> bool {
        self.0 & Self::bit(p) != 0
    }
    pub fn iter(self) -> impl Iterator<Item = Permission> {
        Permission::ALL.iter().copied().filter(move |p| self.has(*p))
    }
    pub fn union(self, other: PermissionSet) -> Self {
        PermissionSet(self.0 | other.0)
    }
    /// True when every permission of `other` is in `self`.
    pub fn contains(self, other: PermissionSet) -> bool {
        other.0 & !self.0 == 0
    }
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
    /// Stored form: names joined by commas (bit positions are not stable across versions).
    pub fn to_names(self) -> String {
        self.iter().map(Permission::as_str).collect::<Vec<_>>().join(",")
    }
    /// Reads the stored form, skipping names this version does not know.
    pub fn from_names(s: &str) -> Self {
        s.split(',').filter_map(|n| Permission::parse(n.trim())).fold(Self::EMPTY, |set, p| set.with(p))
    }
}

impl SystemRole {
    /// What each system role may do across the installation.
    pub fn permissions(self) -> PermissionSet {
        use Permission::*;
        let member = PermissionSet::of(&[RoomCreate, DirectCreate, RoomJoinPublic, RoomInvite, FileUpload, UserList]);
        match self {
            SystemRole::Owner => PermissionSet::all(),
            SystemRole::Admin => PermissionSet::all(),
            SystemRole::Moderator => member
                .with(MessageDeleteAny)
                .with(MessagePinAny)
                .with(ModerationSanction)
                .with(ModerationReview)
                .with(ModerationRules)
                .with(MentionRoomAny),
            SystemRole::Supervisor => member.with(SupportViewAll).with(SupportManage).with(UserInvite),
            SystemRole::Operator => member,
            SystemRole::Member => member,
            // Guests talk in the rooms they were put in, and nothing else.
            SystemRole::Guest => PermissionSet::of(&[FileUpload]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_fit_the_bitset() {
        assert!(Permission::ALL.len() <= 64);
        for p in Permission::ALL {
            assert_eq!(Permission::parse(p.as_str()), Some(*p));
        }
        assert_eq!(Permission::parse("room.nope"), None);
    }

    #[test]
    fn role_table() {
        use Permission::*;
        use SystemRole as R;
        // (role, permission, allowed)
        let rows = [
            (R::Owner, SettingsEdit, true),
            (R::Admin, UserDeactivate, true),
            (R::Admin, AuditRead, true),
            (R::Moderator, MessageDeleteAny, true),
            (R::Moderator, UserDeactivate, false),
            (R::Supervisor, SupportViewAll, true),
            (R::Supervisor, MessageDeleteAny, false),
            (R::Operator, SupportViewAll, false),
            (R::Member, RoomCreate, true),
            (R::Member, AuditRead, false),
            (R::Guest, RoomCreate, false),
            (R::Guest, RoomJoinPublic, false),
            (R::Guest, UserList, false),
            (R::Guest, FileUpload, true),
            (R::Guest, RoomInvite, false),
        ];
        for (role, perm, allowed) in rows {
            assert_eq!(role.permissions().has(perm), allowed, "{role:?} {}", perm.as_str());
        }
    }

    #[test]
    fn stored_form_round_trips() {
        let s = PermissionSet::of(&[Permission::AuditRead, Permission::RoomCreate]);
        assert_eq!(s.to_names(), "room.create,audit.read");
        assert_eq!(PermissionSet::from_names(&s.to_names()), s);
        assert_eq!(PermissionSet::from_names("room.create,,gone.away"), PermissionSet::of(&[Permission::RoomCreate]));
        assert!(PermissionSet::all().contains(s));
        assert!(!s.contains(PermissionSet::all()));
        assert!(SystemRole::Member.permissions().union(s).has(Permission::AuditRead));
    }

    #[test]
    fn sets() {
        let s = PermissionSet::of(&[Permission::AuditRead]);
        assert!(s.has(Permission::AuditRead));
        assert!(!s.without(Permission::AuditRead).has(Permission::AuditRead));
        assert_eq!(s.iter().collect::<Vec<_>>(), vec![Permission::AuditRead]);
    }
}
