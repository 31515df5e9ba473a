//! Room notes (docs/FAQ.md, "Group rooms"): who may read, save and delete
//! them, for the API, the room settings page and the `/save` … commands
//! alike. Reading is `Access::can_read`; changing is `Access::can_edit_notes`.

use axum::http::StatusCode;
use serde_json::json;
use steward_core::model::{RoomNote, User};
use steward_core::notes::{NoteBody, NoteName};
use steward_core::rooms::Access;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::{audit, service};

/// Refusal for people who may read notes but not change them.
pub fn cannot_edit() -> ApiError {
    ApiError::new(StatusCode::FORBIDDEN, "cannot_edit_notes")
}

/// A missing note asked for by name (`/get`, the API).
pub fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "note_not_found").with_field("name")
}

pub async fn list(state: &AppState, user: &User, room_id: i64) -> ApiResult<Vec<RoomNote>> {
    service::room_access(state, user, room_id).await?;
    Ok(state.store.room_notes(room_id).await?)
}

pub async fn get(state: &AppState, user: &User, room_id: i64, name: &str) -> ApiResult<RoomNote> {
    service::room_access(state, user, room_id).await?;
    let name = NoteName::parse(name)?;
    state.store.room_note(room_id, &name).await?.ok_or_else(not_found)
}

/// Checks that this person may change notes in the room.
async fn edit_access(state: &AppState, user: &User, room_id: i64) -> ApiResult<Access> {
    let (_, access) = service::manage_access(state, user, room_id).await?;
    if !access.can_edit_notes() {
        return Err(cannot_edit());
    }
    Ok(access)
}

/// Saves a note (replacing one of the same name); `true` when it is new.
pub async fn save(state: &AppState, user: &User, room_id: i64, name: &str, body: &str) -> ApiResult<(RoomNote, bool)> {
    edit_access(state, user, room_id).await?;
    let name = NoteName::parse(name)?;
    let body = NoteBody::parse(body)?;
    store_note(state, user, room_id, &name, &body).await
}

/// Saves a note whose access and values were checked already (the command path).
pub(crate) async fn store_note(
    state: &AppState,
    user: &User,
    room_id: i64,
    name: &NoteName,
    body: &NoteBody,
) -> ApiResult<(RoomNote, bool)> {
    let (note, created) = state.store.put_room_note(room_id, name, body, user.id).await.map_err(|e| match e {
        steward_store::StoreError::Limit(_) => {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "too_many_notes").with_field("name")
        }
        e => e.into(),
    })?;
    let event = audit::Event {
        after: json!({ "name": note.name, "created": created }),
        ..audit::Event::new(Some(user.id), "room.note_save", "room", Some(room_id))
    };
    audit::record(state, &audit::Origin::default(), event).await;
    Ok((note, created))
}

pub async fn delete(state: &AppState, user: &User, room_id: i64, name: &str) -> ApiResult<()> {
    edit_access(state, user, room_id).await?;
    let name = NoteName::parse(name)?;
    delete_note(state, user, room_id, &name).await
}

pub(crate) async fn delete_note(state: &AppState, user: &User, room_id: i64, name: &NoteName) -> ApiResult<()> {
    if !state.store.delete_room_note(room_id, name).await? {
        return Err(not_found());
    }
    let event = audit::Event {
        before: json!({ "name": name.as_str() }),
        ..audit::Event::new(Some(user.id), "room.note_delete", "room", Some(room_id))
    };
    audit::record(state, &audit::Origin::default(), event).await;
    Ok(())
}
