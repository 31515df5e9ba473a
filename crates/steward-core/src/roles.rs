//! System roles (what a person may do across the installation) and room roles
//! (what a member may do in one room). The full permission model builds on these.

use serde::{Deserialize, Serialize};

use crate::validate::{FieldError, Rule};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SystemRole {
    Owner,
    Admin,
    Moderator,
    Supervisor,
    Operator,
    Member,
    Guest,
}

impl SystemRole {
    pub const ALL: [SystemRole; 7] = [
        SystemRole::Owner,
        SystemRole::Admin,
        SystemRole::Moderator,
        SystemRole::Supervisor,
        SystemRole::Operator,
        SystemRole::Member,
        SystemRole::Guest,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            SystemRole::Owner => "owner",
            SystemRole::Admin => "admin",
            SystemRole::Moderator => "moderator",
            SystemRole::Supervisor => "supervisor",
            SystemRole::Operator => "operator",
            SystemRole::Member => "member",
            SystemRole::Guest => "guest",
        }
    }
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == raw.trim().to_ascii_lowercase())
            .ok_or(FieldError::new("role", Rule::InvalidChoice))
    }
    /// Owner and admin run the installation. What a role may do is in
    /// `SystemRole::permissions` (permissions.rs).
    pub fn is_admin(self) -> bool {
        matches!(self, SystemRole::Owner | SystemRole::Admin)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum RoomRole {
    Owner,
    Moderator,
    /// Posts in broadcast channels.
    Editor,
    Member,
}

impl RoomRole {
    pub fn as_str(self) -> &'static str {
        match self {
            RoomRole::Owner => "owner",
            RoomRole::Moderator => "moderator",
            RoomRole::Editor => "editor",
            RoomRole::Member => "member",
        }
    }
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "owner" => Ok(RoomRole::Owner),
            "moderator" => Ok(RoomRole::Moderator),
            "editor" => Ok(RoomRole::Editor),
            "member" => Ok(RoomRole::Member),
            _ => Err(FieldError::new("role", Rule::InvalidChoice)),
        }
    }
    pub fn manages_room(self) -> bool {
        matches!(self, RoomRole::Owner | RoomRole::Moderator)
    }
}
