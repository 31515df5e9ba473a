//! Room notes (`#rules`): read by whoever reads the room, saved and deleted
//! by who manages it (docs/FAQ.md, "Group rooms").

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use steward_core::model::RoomNote;
use utoipa::ToSchema;

use super::{Json, Path};
use crate::api::ErrorBody;
use crate::auth::CurrentUser;
use crate::error::ApiResult;
use crate::notes;
use crate::state::AppState;

/// A note with its text rendered as the room shows it.
#[derive(Serialize, ToSchema)]
pub struct NoteView {
    #[serde(flatten)]
    pub note: RoomNote,
    /// `body` through the message markdown renderer (safe to insert).
    pub html: String,
}

impl From<RoomNote> for NoteView {
    fn from(note: RoomNote) -> Self {
        let (html, _) = steward_core::markdown::render(&note.body);
        NoteView { note, html }
    }
}

#[derive(Serialize, ToSchema)]
pub struct NotesResponse {
    pub notes: Vec<NoteView>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PutNote {
    /// Markdown, 1–4,000 characters.
    pub body: String,
}

#[utoipa::path(get, path = "/rooms/{id}/notes", tag = "rooms", params(("id" = i64, Path)),
    responses((status = 200, body = NotesResponse), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<NotesResponse>> {
    let notes = notes::list(&state, &me.user, id).await?;
    Ok(axum::Json(NotesResponse { notes: notes.into_iter().map(NoteView::from).collect() }))
}

#[utoipa::path(get, path = "/rooms/{id}/notes/{name}", tag = "rooms",
    params(("id" = i64, Path), ("name" = String, Path, description = "1–64 letters, digits, `_`, `-`; case-insensitive")),
    responses((status = 200, body = NoteView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn get_one(
    State(state): State<AppState>,
    me: CurrentUser,
    Path((id, name)): Path<(i64, String)>,
) -> ApiResult<axum::Json<NoteView>> {
    Ok(axum::Json(notes::get(&state, &me.user, id, &name).await?.into()))
}

/// Saves a note (201 when new, 200 when replaced). The room's owners and
/// moderators, and people with `room.manage_any`.
#[utoipa::path(put, path = "/rooms/{id}/notes/{name}", tag = "rooms",
    params(("id" = i64, Path), ("name" = String, Path, description = "1–64 letters, digits, `_`, `-`; stored in lower case")),
    request_body = PutNote,
    responses((status = 200, body = NoteView), (status = 201, body = NoteView), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put(
    State(state): State<AppState>,
    me: CurrentUser,
    Path((id, name)): Path<(i64, String)>,
    Json(req): Json<PutNote>,
) -> ApiResult<(StatusCode, axum::Json<NoteView>)> {
    let (note, created) = notes::save(&state, &me.user, id, &name, &req.body).await?;
    Ok((if created { StatusCode::CREATED } else { StatusCode::OK }, axum::Json(note.into())))
}

#[utoipa::path(delete, path = "/rooms/{id}/notes/{name}", tag = "rooms",
    params(("id" = i64, Path), ("name" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    me: CurrentUser,
    Path((id, name)): Path<(i64, String)>,
) -> ApiResult<StatusCode> {
    notes::delete(&state, &me.user, id, &name).await?;
    Ok(StatusCode::NO_CONTENT)
}
