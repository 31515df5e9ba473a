//! What the API shows: records from the store, shaped for one caller.

use serde::Serialize;
use steward_core::model::{MyRoom, Room, User, UserStatus};
use steward_core::rooms::Access;
use steward_core::{RoomKind, RoomRole, SystemRole};
use utoipa::ToSchema;

use crate::state::AppState;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UserView {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    /// Shown to the person themselves and to admins only.
    pub email: Option<String>,
    pub locale: String,
    pub avatar_color: String,
    pub role: SystemRole,
    pub status: UserStatus,
    /// `online`, `away` or `offline`.
    pub presence: &'static str,
    /// Everything the person may do (system role plus custom roles); shown
    /// to the person themselves and to admins only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permissions: Option<Vec<&'static str>>,
}

impl UserView {
    pub fn new(state: &AppState, u: &User, viewer: &User) -> Self {
        let show_email = viewer.id == u.id || viewer.permissions().has(steward_core::Permission::UserManage);
        UserView {
            id: u.id,
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            email: if show_email { u.email.clone() } else { None },
            locale: u.locale.clone(),
            avatar_color: u.avatar_color.clone(),
            role: u.role,
            status: u.status,
            presence: state.presence(u.id),
            permissions: show_email.then(|| u.permissions().iter().map(|p| p.as_str()).collect()),
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RoomView {
    pub id: i64,
    pub kind: RoomKind,
    pub name: String,
    /// The name to show: the room's name, or the other people in a direct room.
    pub title: String,
    pub topic: String,
    pub archived: bool,
    pub last_seq: i64,
    pub member_count: i64,
    /// `null` when the caller is not a member.
    pub my_role: Option<RoomRole>,
    pub can_post: bool,
    pub can_react: bool,
    pub can_upload: bool,
    /// May rename the room and change its policy.
    pub can_manage: bool,
    /// Seconds the caller waits between messages here (slow mode), 0 when none.
    pub slow_mode_secs: u32,
    pub policy: steward_core::rooms::RoomPolicy,
    pub unread: i64,
    pub mentions: i64,
    pub last_read_seq: i64,
    #[schema(value_type = String, format = DateTime)]
    #[serde(serialize_with = "steward_core::model::ser_time")]
    pub created_at: i64,
}

impl RoomView {
    pub fn new(room: &Room, my: Option<&MyRoom>, membership: Option<RoomRole>, viewer: &User, title: String) -> Self {
        let access = Access::for_user(room.kind, room.archived, room.policy, viewer, membership);
        RoomView {
            id: room.id,
            kind: room.kind,
            name: room.name.clone(),
            title,
            topic: room.topic.clone(),
            archived: room.archived,
            last_seq: room.last_seq,
            member_count: room.member_count,
            my_role: membership,
            can_post: access.can_post(),
            can_react: access.can_react(),
            can_upload: access.can_upload(),
            can_manage: access.can_manage(),
            slow_mode_secs: access.slow_mode_secs(),
            policy: room.policy,
            unread: my.map_or(0, |m| m.unread),
            mentions: my.map_or(0, |m| m.mentions),
            last_read_seq: my.map_or(room.last_seq, |m| m.last_read_seq),
            created_at: room.created_at,
        }
    }
}

/// The caller's rooms with titles, sorted: unread first within kind, then by name.
pub async fn my_room_views(state: &AppState, user: &User) -> crate::error::ApiResult<Vec<RoomView>> {
    let mine = state.store.my_rooms(user.id).await?;
    let direct: Vec<i64> = mine.iter().filter(|m| m.room.kind == RoomKind::Direct).map(|m| m.room.id).collect();
    let peers = state.store.direct_peers(user.id, &direct).await?;
    let mut views: Vec<RoomView> = mine
        .iter()
        .map(|m| {
            let title = room_title(&m.room, user, &peers);
            RoomView::new(&m.room, Some(m), Some(m.my_role), user, title)
        })
        .collect();
    views.sort_by(|a, b| a.title.to_lowercase().cmp(&b.title.to_lowercase()).then(a.id.cmp(&b.id)));
    Ok(views)
}

pub fn room_title(room: &Room, me: &User, peers: &[(i64, steward_core::model::UserBrief)]) -> String {
    if room.kind != RoomKind::Direct {
        return room.name.clone();
    }
    let names: Vec<&str> =
        peers.iter().filter(|(rid, _)| *rid == room.id).map(|(_, u)| u.display_name.as_str()).collect();
    if names.is_empty() { me.display_name.clone() } else { names.join(", ") }
}

/// One room as the caller sees it (member or not).
pub async fn room_view(state: &AppState, user: &User, room: &Room) -> crate::error::ApiResult<RoomView> {
    let membership = state.store.membership(room.id, user.id).await?;
    let my = if membership.is_some() { state.store.my_room(user.id, room.id).await? } else { None };
    let peers =
        if room.kind == RoomKind::Direct { state.store.direct_peers(user.id, &[room.id]).await? } else { vec![] };
    Ok(RoomView::new(room, my.as_ref(), membership, user, room_title(room, user, &peers)))
}
