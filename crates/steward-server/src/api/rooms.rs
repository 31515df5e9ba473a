//! Rooms: the caller's list, creating, joining, leaving, members, read markers.

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use steward_core::model::Member;
use steward_core::rooms::RoomPolicy;
use utoipa::ToSchema;

use super::{Json, Path};
use crate::api::ErrorBody;
use crate::auth::CurrentUser;
use crate::error::ApiResult;
use crate::service::{self, CreateRoomInput};
use crate::state::AppState;
use crate::views::{self, RoomView};

#[derive(Serialize, ToSchema)]
pub struct RoomsResponse {
    pub rooms: Vec<RoomView>,
}

#[utoipa::path(get, path = "/rooms", tag = "rooms", responses((status = 200, body = RoomsResponse)))]
pub async fn list(State(state): State<AppState>, me: CurrentUser) -> ApiResult<axum::Json<RoomsResponse>> {
    Ok(axum::Json(RoomsResponse { rooms: views::my_room_views(&state, &me.user).await? }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateRoomRequest {
    /// Required except for direct rooms.
    #[serde(default)]
    pub name: String,
    /// `channel`, `group`, `direct` or `broadcast`.
    pub kind: String,
    #[serde(default)]
    pub topic: String,
    /// User ids to add besides the caller.
    #[serde(default)]
    pub members: Vec<i64>,
}

#[utoipa::path(post, path = "/rooms", tag = "rooms", request_body = CreateRoomRequest,
    responses((status = 201, body = RoomView, description = "Created"), (status = 200, body = RoomView, description = "The existing direct room"), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    me: CurrentUser,
    Json(req): Json<CreateRoomRequest>,
) -> ApiResult<(StatusCode, axum::Json<RoomView>)> {
    let input = CreateRoomInput { name: req.name, kind: req.kind, topic: req.topic, members: req.members };
    let (room, created) = service::create_room(&state, &me.user, input).await?;
    Ok((if created { StatusCode::CREATED } else { StatusCode::OK }, axum::Json(room)))
}

#[utoipa::path(get, path = "/rooms/public", tag = "rooms", responses((status = 200, body = RoomsResponse)))]
pub async fn public(State(state): State<AppState>, me: CurrentUser) -> ApiResult<axum::Json<RoomsResponse>> {
    if !me.user.permissions().has(steward_core::Permission::RoomJoinPublic) {
        return Ok(axum::Json(RoomsResponse { rooms: vec![] }));
    }
    let mine = state.store.my_rooms(me.id()).await?;
    let rooms = state.store.public_rooms(500).await?;
    let views = rooms
        .iter()
        .map(|r| {
            let my = mine.iter().find(|m| m.room.id == r.id);
            RoomView::new(r, my, my.map(|m| m.my_role), &me.user, r.name.clone())
        })
        .collect();
    Ok(axum::Json(RoomsResponse { rooms: views }))
}

#[utoipa::path(get, path = "/rooms/{id}", tag = "rooms", params(("id" = i64, Path)),
    responses((status = 200, body = RoomView), (status = 404, body = ErrorBody)))]
pub async fn get_one(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<RoomView>> {
    let (room, _) = service::room_access(&state, &me.user, id).await?;
    Ok(axum::Json(views::room_view(&state, &me.user, &room).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateRoomRequest {
    pub name: Option<String>,
    pub topic: Option<String>,
    /// `channel` (public) or `group` (private): converts one into the other.
    /// Made private, the room disappears at once for everyone who is not a member.
    pub kind: Option<String>,
}

#[utoipa::path(patch, path = "/rooms/{id}", tag = "rooms", params(("id" = i64, Path)), request_body = UpdateRoomRequest,
    responses((status = 200, body = RoomView), (status = 403, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    Json(req): Json<UpdateRoomRequest>,
) -> ApiResult<axum::Json<RoomView>> {
    let view =
        service::update_room(&state, &me.user, id, req.name.as_deref(), req.topic.as_deref(), req.kind.as_deref())
            .await?;
    Ok(axum::Json(view))
}

#[utoipa::path(delete, path = "/rooms/{id}", tag = "rooms", params(("id" = i64, Path)),
    responses((status = 204, description = "Deleted with its history and files; members get `room.removed`"), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn delete(State(state): State<AppState>, me: CurrentUser, Path(id): Path<i64>) -> ApiResult<StatusCode> {
    service::delete_room(&state, &me.user, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RemoveMembersRequest {
    /// Up to 500 people.
    pub user_ids: Vec<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct Refused {
    pub user_id: i64,
    /// The error code (`forbidden`, `not_found`, …).
    pub code: &'static str,
}

#[derive(Serialize, ToSchema)]
pub struct RemoveMembersResponse {
    pub removed: Vec<i64>,
    pub refused: Vec<Refused>,
}

#[utoipa::path(post, path = "/rooms/{id}/members/remove", tag = "rooms", params(("id" = i64, Path)), request_body = RemoveMembersRequest,
    responses((status = 200, body = RemoveMembersResponse, description = "Each person removed or refused with a reason"), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn remove_members(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    Json(req): Json<RemoveMembersRequest>,
) -> ApiResult<axum::Json<RemoveMembersResponse>> {
    let (room, access) = service::manage_access(&state, &me.user, id).await?;
    if !access.can_manage() || room.kind == steward_core::RoomKind::Direct {
        return Err(crate::error::ApiError::forbidden());
    }
    if req.user_ids.is_empty() {
        return Err(steward_core::FieldError::new("user_ids", steward_core::Rule::Required).into());
    }
    if req.user_ids.len() > 500 {
        return Err(steward_core::FieldError::with_limit("user_ids", steward_core::Rule::TooLong, 500).into());
    }
    let mut ids = req.user_ids.clone();
    ids.sort_unstable();
    ids.dedup();
    let mut out = RemoveMembersResponse { removed: vec![], refused: vec![] };
    for uid in ids {
        match service::remove_member(&state, &me.user, id, uid).await {
            Ok(()) => out.removed.push(uid),
            Err(e) => out.refused.push(Refused { user_id: uid, code: e.code }),
        }
    }
    Ok(axum::Json(out))
}

#[utoipa::path(put, path = "/rooms/{id}/policy", tag = "rooms", params(("id" = i64, Path)), request_body = RoomPolicy,
    responses((status = 200, body = RoomView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_policy(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    Json(policy): Json<RoomPolicy>,
) -> ApiResult<axum::Json<RoomView>> {
    Ok(axum::Json(service::set_policy(&state, &me.user, id, policy).await?))
}

#[derive(Serialize, ToSchema)]
pub struct MembersResponse {
    pub members: Vec<Member>,
}

#[utoipa::path(get, path = "/rooms/{id}/members", tag = "rooms", params(("id" = i64, Path)),
    responses((status = 200, body = MembersResponse), (status = 404, body = ErrorBody)))]
pub async fn members(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<MembersResponse>> {
    service::room_access(&state, &me.user, id).await?;
    Ok(axum::Json(MembersResponse { members: state.store.members(id).await? }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddMembersRequest {
    pub user_ids: Vec<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct AddMembersResponse {
    /// The ones who were not members yet.
    pub added: Vec<i64>,
}

#[utoipa::path(post, path = "/rooms/{id}/members", tag = "rooms", params(("id" = i64, Path)), request_body = AddMembersRequest,
    responses((status = 200, body = AddMembersResponse), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_members(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    Json(req): Json<AddMembersRequest>,
) -> ApiResult<axum::Json<AddMembersResponse>> {
    let added = service::add_members(&state, &me.user, id, &req.user_ids).await?;
    Ok(axum::Json(AddMembersResponse { added }))
}

#[utoipa::path(post, path = "/rooms/{id}/join", tag = "rooms", params(("id" = i64, Path)),
    responses((status = 200, body = RoomView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn join(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<RoomView>> {
    Ok(axum::Json(service::join(&state, &me.user, id).await?))
}

#[utoipa::path(post, path = "/rooms/{id}/leave", tag = "rooms", params(("id" = i64, Path)),
    responses((status = 204), (status = 409, body = ErrorBody)))]
pub async fn leave(State(state): State<AppState>, me: CurrentUser, Path(id): Path<i64>) -> ApiResult<StatusCode> {
    service::leave(&state, &me.user, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReadRequest {
    /// Everything up to this seq has been seen.
    pub seq: i64,
}

#[derive(Serialize, ToSchema)]
pub struct ReadResponse {
    /// The marker now in place (never moves back, never past the room's last seq).
    pub last_read_seq: i64,
}

#[utoipa::path(post, path = "/rooms/{id}/read", tag = "rooms", params(("id" = i64, Path)), request_body = ReadRequest,
    responses((status = 200, body = ReadResponse), (status = 403, body = ErrorBody)))]
pub async fn read(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    Json(req): Json<ReadRequest>,
) -> ApiResult<axum::Json<ReadResponse>> {
    let last_read_seq = service::mark_read(&state, &me.user, id, req.seq).await?;
    Ok(axum::Json(ReadResponse { last_read_seq }))
}

#[utoipa::path(post, path = "/rooms/{id}/archive", tag = "rooms", params(("id" = i64, Path)),
    responses((status = 200, body = RoomView), (status = 403, body = ErrorBody)))]
pub async fn archive(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<RoomView>> {
    Ok(axum::Json(service::set_archived(&state, &me.user, id, true).await?))
}

#[utoipa::path(post, path = "/rooms/{id}/unarchive", tag = "rooms", params(("id" = i64, Path)),
    responses((status = 200, body = RoomView), (status = 403, body = ErrorBody)))]
pub async fn unarchive(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<RoomView>> {
    Ok(axum::Json(service::set_archived(&state, &me.user, id, false).await?))
}

#[utoipa::path(delete, path = "/rooms/{id}/members/{user_id}", tag = "rooms", params(("id" = i64, Path), ("user_id" = i64, Path)),
    responses((status = 204, description = "Removed; their sockets stop receiving the room"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn remove_member(
    State(state): State<AppState>,
    me: CurrentUser,
    Path((id, user_id)): Path<(i64, i64)>,
) -> ApiResult<StatusCode> {
    service::remove_member(&state, &me.user, id, user_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberRoleRequest {
    /// `owner` (hands the room over), `moderator`, `editor` or `member`.
    pub role: String,
}

#[utoipa::path(put, path = "/rooms/{id}/members/{user_id}", tag = "rooms", params(("id" = i64, Path), ("user_id" = i64, Path)),
    request_body = MemberRoleRequest, responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn set_member_role(
    State(state): State<AppState>,
    me: CurrentUser,
    Path((id, user_id)): Path<(i64, i64)>,
    Json(req): Json<MemberRoleRequest>,
) -> ApiResult<StatusCode> {
    service::set_member_role(&state, &me.user, id, user_id, &req.role).await?;
    Ok(StatusCode::NO_CONTENT)
}
