//! Steward's domain: identifiers, validated values, roles, room rules, message
//! rendering and search terms. Plain functions over plain data; no I/O.

pub mod markdown;
pub mod model;
pub mod notes;
pub mod permissions;
pub mod roles;
pub mod rooms;
pub mod search;
pub mod validate;

pub use permissions::{Permission, PermissionSet};
pub use roles::{RoomRole, SystemRole};
pub use rooms::RoomKind;
pub use validate::{FieldError, Rule};

/// Row identifiers are 64-bit integers assigned by the database.
pub type UserId = i64;
pub type RoomId = i64;
pub type MessageId = i64;
/// Position of an event in a room's stream: strictly increasing, no gaps.
pub type Seq = i64;
/// Unix time in milliseconds. Stored as an integer so both backends agree.
pub type Millis = i64;
