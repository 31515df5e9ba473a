//! The room settings page (`/r/{id}/settings`): the FAQ bot setting for who
//! manages the room, and the room's notes — read by everyone who reads the
//! room, saved and deleted by who may (`notes.rs`). Server-rendered forms
//! with the session's CSRF token; the same functions as the API.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::{Value as JValue, context};
use serde::Deserialize;
use serde_json::json;
use steward_core::model::rfc3339;
use steward_core::rooms::FaqBotMode;

use crate::auth::{self, CurrentUser};
use crate::error::ApiError;
use crate::state::AppState;
use crate::web::{check_form_csrf, error_text, page_user, user_ctx};
use crate::{notes, service};

#[derive(Deserialize, Default)]
pub struct PageQuery {
    /// What was just done: `bot`, `note`, `deleted`.
    saved: Option<String>,
}

/// What a refused form left to show again.
#[derive(Default)]
struct Refused {
    error: String,
    /// The note form's values, to edit and resend.
    name: String,
    body: String,
}

async fn me_for(state: &AppState, headers: &HeaderMap, id: i64) -> Result<CurrentUser, Response> {
    page_user(state, headers, &format!("/r/{id}/settings")).await
}

pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Query(q): Query<PageQuery>,
) -> Response {
    let me = match me_for(&state, &headers, id).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    render(&state, &me, id, q.saved.as_deref(), Refused::default()).await
}

async fn render(state: &AppState, me: &CurrentUser, id: i64, saved: Option<&str>, refused: Refused) -> Response {
    let (room, access) = match service::room_access(state, &me.user, id).await {
        Ok(r) => r,
        Err(e) => return e.into_response(),
    };
    if !matches!(
        room.kind,
        steward_core::RoomKind::Channel | steward_core::RoomKind::Group | steward_core::RoomKind::Broadcast
    ) {
        return ApiError::not_found().into_response();
    }
    let view = match crate::views::room_view(state, &me.user, &room).await {
        Ok(v) => v,
        Err(e) => return e.into_response(),
    };
    let notes: Vec<serde_json::Value> = match state.store.room_notes(id).await {
        Ok(n) => n
            .into_iter()
            .map(|n| {
                let (html, _) = steward_core::markdown::render(&n.body);
                json!({ "name": n.name, "body": n.body, "html": html, "updated_at": rfc3339(n.updated_at) })
            })
            .collect(),
        Err(e) => return ApiError::from(e).into_response(),
    };
    let locale = me.locale();
    let modes: Vec<&str> = FaqBotMode::ALL.iter().map(|m| m.as_str()).collect();
    let status = if refused.error.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let mut resp = state.templates.render(
        "room_settings.html",
        context! {
            lang => locale.as_str(), csrf => auth::csrf_token(&me.token), user => user_ctx(state, me),
            room => JValue::from_serialize(&view), notes => JValue::from_serialize(&notes),
            faq_bot => room.policy.faq_bot.as_str(), modes, can_manage => access.can_manage(),
            can_edit_notes => access.can_edit_notes(), saved, error => refused.error,
            form_name => refused.name, form_body => refused.body,
            kb_empty => state.faq.is_empty(),
        },
    );
    *resp.status_mut() = status;
    resp
}

#[derive(Deserialize)]
pub struct BotForm {
    csrf: Option<String>,
    faq_bot: String,
}

pub async fn save_bot(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(f): Form<BotForm>,
) -> Response {
    let me = match me_for(&state, &headers, id).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    if let Err(r) = check_form_csrf(&me, f.csrf.as_deref()) {
        return r;
    }
    match set_bot_mode(&state, &me, id, &f.faq_bot).await {
        Ok(_) => Redirect::to(&format!("/r/{id}/settings?saved=bot#bot")).into_response(),
        Err(e) => {
            let error = error_text(&e, me.locale());
            render(&state, &me, id, None, Refused { error, ..Refused::default() }).await
        }
    }
}

/// Changes only the bot's mode in the room's policy.
async fn set_bot_mode(state: &AppState, me: &CurrentUser, id: i64, raw: &str) -> Result<(), ApiError> {
    let mode = FaqBotMode::parse(raw)?;
    let (room, _) = service::manage_access(state, &me.user, id).await?;
    let policy = steward_core::rooms::RoomPolicy { faq_bot: mode, ..room.policy };
    service::set_policy(state, &me.user, id, policy).await.map(|_| ())
}

#[derive(Deserialize)]
pub struct NoteForm {
    csrf: Option<String>,
    name: String,
    #[serde(default)]
    body: String,
    /// `delete` deletes the note instead of saving it.
    #[serde(default)]
    action: String,
}

pub async fn save_note(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(f): Form<NoteForm>,
) -> Response {
    let me = match me_for(&state, &headers, id).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    if let Err(r) = check_form_csrf(&me, f.csrf.as_deref()) {
        return r;
    }
    let (result, done) = if f.action == "delete" {
        (notes::delete(&state, &me.user, id, &f.name).await, "deleted")
    } else {
        (notes::save(&state, &me.user, id, &f.name, &f.body).await.map(|_| ()), "note")
    };
    match result {
        Ok(()) => Redirect::to(&format!("/r/{id}/settings?saved={done}#notes")).into_response(),
        Err(e) if e.status == StatusCode::NOT_FOUND && e.code == "not_found" => e.into_response(),
        Err(e) => {
            let error = error_text(&e, me.locale());
            render(&state, &me, id, None, Refused { error, name: f.name, body: f.body }).await
        }
    }
}
