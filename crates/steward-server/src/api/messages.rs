//! Messages: history pages, posting with nonces, edits, deletes, reactions, pins.

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use steward_core::model::Message;
use steward_store::Page;
use utoipa::ToSchema;

use super::{Json, Path, Query};
use crate::api::ErrorBody;
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::service::{self, PostInput};
use crate::state::AppState;

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct HistoryQuery {
    /// Messages before this seq (page back).
    pub before_seq: Option<i64>,
    /// Messages after this seq (page forward).
    pub after_seq: Option<i64>,
    /// 1–200, default 50.
    pub limit: Option<u64>,
}

#[derive(Serialize, ToSchema)]
pub struct MessagesResponse {
    /// Oldest first.
    pub messages: Vec<Message>,
    /// More messages lie beyond this page in the direction asked.
    pub has_more: bool,
}

#[utoipa::path(get, path = "/rooms/{id}/messages", tag = "messages", params(("id" = i64, Path), HistoryQuery),
    responses((status = 200, body = MessagesResponse), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<HistoryQuery>,
) -> ApiResult<axum::Json<MessagesResponse>> {
    service::room_access(&state, &me.user, id).await?;
    let limit = q.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "out_of_range").with_field("limit"));
    }
    let page = Page { before_seq: q.before_seq, after_seq: q.after_seq, limit };
    let (messages, has_more) = state.store.history(id, page).await?;
    Ok(axum::Json(MessagesResponse { messages, has_more }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PostMessageRequest {
    /// Markdown subset, 1–8000 characters.
    #[serde(default)]
    pub body: String,
    /// Client-chosen id: sending again with the same nonce returns the first message.
    pub nonce: Option<String>,
    pub reply_to: Option<i64>,
    /// Ids from `POST /rooms/{id}/attachments`.
    #[serde(default)]
    pub attachments: Vec<i64>,
    /// A staff-only note; support conversations only.
    #[serde(default)]
    pub internal: bool,
}

#[utoipa::path(post, path = "/rooms/{id}/messages", tag = "messages", params(("id" = i64, Path)), request_body = PostMessageRequest,
    responses((status = 201, body = Message, description = "Stored"), (status = 200, body = Message, description = "A retry: the message first stored with this nonce"),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    Json(req): Json<PostMessageRequest>,
) -> ApiResult<(StatusCode, axum::Json<Message>)> {
    let input = PostInput {
        body: req.body,
        nonce: req.nonce,
        reply_to: req.reply_to,
        attachments: req.attachments,
        internal: req.internal,
    };
    let (m, created) = service::post_message(&state, &me.user, id, input).await?;
    Ok((if created { StatusCode::CREATED } else { StatusCode::OK }, axum::Json(m)))
}

#[utoipa::path(get, path = "/rooms/{id}/messages/{msg_id}", tag = "messages", params(("id" = i64, Path), ("msg_id" = i64, Path)),
    responses((status = 200, body = Message), (status = 404, body = ErrorBody)))]
pub async fn get_one(
    State(state): State<AppState>,
    me: CurrentUser,
    Path((id, msg_id)): Path<(i64, i64)>,
) -> ApiResult<axum::Json<Message>> {
    service::room_access(&state, &me.user, id).await?;
    Ok(axum::Json(state.store.message(id, msg_id).await?.ok_or_else(ApiError::not_found)?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EditMessageRequest {
    pub body: String,
}

#[utoipa::path(patch, path = "/rooms/{id}/messages/{msg_id}", tag = "messages", params(("id" = i64, Path), ("msg_id" = i64, Path)),
    request_body = EditMessageRequest, responses((status = 200, body = Message), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn edit(
    State(state): State<AppState>,
    me: CurrentUser,
    Path((id, msg_id)): Path<(i64, i64)>,
    Json(req): Json<EditMessageRequest>,
) -> ApiResult<axum::Json<Message>> {
    Ok(axum::Json(service::edit_message(&state, &me.user, id, msg_id, &req.body).await?))
}

#[utoipa::path(delete, path = "/rooms/{id}/messages/{msg_id}", tag = "messages", params(("id" = i64, Path), ("msg_id" = i64, Path)),
    responses((status = 200, body = Message, description = "The tombstone"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    me: CurrentUser,
    Path((id, msg_id)): Path<(i64, i64)>,
) -> ApiResult<axum::Json<Message>> {
    Ok(axum::Json(service::delete_message(&state, &me.user, id, msg_id).await?))
}

#[utoipa::path(put, path = "/rooms/{id}/messages/{msg_id}/reactions/{emoji}", tag = "messages",
    params(("id" = i64, Path), ("msg_id" = i64, Path), ("emoji" = String, Path)),
    responses((status = 200, body = Message), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn react(
    State(state): State<AppState>,
    me: CurrentUser,
    Path((id, msg_id, emoji)): Path<(i64, i64, String)>,
) -> ApiResult<axum::Json<Message>> {
    Ok(axum::Json(service::react(&state, &me.user, id, msg_id, &emoji, true).await?))
}

#[utoipa::path(delete, path = "/rooms/{id}/messages/{msg_id}/reactions/{emoji}", tag = "messages",
    params(("id" = i64, Path), ("msg_id" = i64, Path), ("emoji" = String, Path)),
    responses((status = 200, body = Message), (status = 403, body = ErrorBody)))]
pub async fn unreact(
    State(state): State<AppState>,
    me: CurrentUser,
    Path((id, msg_id, emoji)): Path<(i64, i64, String)>,
) -> ApiResult<axum::Json<Message>> {
    Ok(axum::Json(service::react(&state, &me.user, id, msg_id, &emoji, false).await?))
}

#[utoipa::path(get, path = "/rooms/{id}/pins", tag = "messages", params(("id" = i64, Path)),
    responses((status = 200, body = MessagesResponse), (status = 404, body = ErrorBody)))]
pub async fn pins(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<MessagesResponse>> {
    service::room_access(&state, &me.user, id).await?;
    Ok(axum::Json(MessagesResponse { messages: state.store.pins(id).await?, has_more: false }))
}

#[utoipa::path(put, path = "/rooms/{id}/pins/{msg_id}", tag = "messages", params(("id" = i64, Path), ("msg_id" = i64, Path)),
    responses((status = 200, body = Message), (status = 403, body = ErrorBody)))]
pub async fn pin(
    State(state): State<AppState>,
    me: CurrentUser,
    Path((id, msg_id)): Path<(i64, i64)>,
) -> ApiResult<axum::Json<Message>> {
    Ok(axum::Json(service::pin(&state, &me.user, id, msg_id, true).await?))
}

#[utoipa::path(delete, path = "/rooms/{id}/pins/{msg_id}", tag = "messages", params(("id" = i64, Path), ("msg_id" = i64, Path)),
    responses((status = 200, body = Message), (status = 403, body = ErrorBody)))]
pub async fn unpin(
    State(state): State<AppState>,
    me: CurrentUser,
    Path((id, msg_id)): Path<(i64, i64)>,
) -> ApiResult<axum::Json<Message>> {
    Ok(axum::Json(service::pin(&state, &me.user, id, msg_id, false).await?))
}
