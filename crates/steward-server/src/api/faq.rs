//! The FAQ knowledge base's API (docs/FAQ.md): entries, import and export
//! as JSON or CSV, questions the bot could not answer (turned into entries
//! in one call), the bot's figures, a test box, and suggested answers for
//! operators.

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};
use steward_core::{FieldError, Permission, Rule};
use steward_store::FaqRow;
use utoipa::ToSchema;

use super::{Json, Path, Query, require};
use crate::api::ErrorBody;
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

fn row_of(e: &steward_faq::Entry) -> FaqRow {
    FaqRow {
        id: e.id.clone(),
        lang: e.lang.as_str().to_string(),
        category: e.category.clone(),
        status: e.status.as_str().to_string(),
        questions: e.questions.iter().map(|q| q.trim().to_string()).filter(|q| !q.is_empty()).collect(),
        answer: e.answer.clone(),
        updated_at: 0,
    }
}

fn faq_error(e: steward_faq::FaqError) -> ApiError {
    let text = e.to_string();
    ApiError::from(FieldError::new("entries", Rule::InvalidFormat)).with_detail(json!({ "problem": text }))
}

fn check_answer(e: &steward_faq::Entry) -> ApiResult<()> {
    if e.answer.trim().is_empty() {
        return Err(ApiError::from(FieldError::new("answer", Rule::Required)).with_detail(json!({ "entry": e.id })));
    }
    if e.answer.chars().count() > 8000 {
        return Err(FieldError::with_limit("answer", Rule::TooLong, 8000).into());
    }
    Ok(())
}

async fn save(state: &AppState, entries: &[steward_faq::Entry]) -> ApiResult<usize> {
    if entries.len() > 10_000 {
        return Err(FieldError::with_limit("entries", Rule::TooLong, 10_000).into());
    }
    for e in entries {
        e.validate().map_err(faq_error)?;
        check_answer(e)?;
    }
    let rows: Vec<FaqRow> = entries.iter().map(row_of).collect();
    state.store.upsert_faq_entries(&rows).await?;
    crate::faq_bot::reload(state).await.map_err(ApiError::from)?;
    crate::cluster::invalidate(state, steward_bus::CacheKind::Faq);
    Ok(rows.len())
}

#[utoipa::path(get, path = "/faq/entries", tag = "faq", responses((status = 200, description = "Every entry")))]
pub async fn entries(State(state): State<AppState>, me: CurrentUser) -> ApiResult<axum::Json<Value>> {
    require(&me, Permission::SupportManage)?;
    Ok(axum::Json(json!({ "entries": state.store.faq_entries().await? })))
}

/// A JSON array of entries (`{id, lang, questions, answer, category?, status?}`).
#[utoipa::path(post, path = "/faq/entries", tag = "faq",
    responses((status = 200, description = "Added or replaced (by id and lang)"), (status = 422, body = ErrorBody)))]
pub async fn upsert(State(state): State<AppState>, me: CurrentUser, body: String) -> ApiResult<axum::Json<Value>> {
    require(&me, Permission::SupportManage)?;
    let entries = steward_faq::entries_from_json(&body).map_err(faq_error)?;
    let n = save(&state, &entries).await?;
    Ok(axum::Json(json!({ "saved": n })))
}

#[derive(Deserialize, ToSchema)]
pub struct LangQuery {
    pub lang: Option<String>,
}

#[utoipa::path(delete, path = "/faq/entries/{id}", tag = "faq", params(("id" = String, Path), ("lang" = Option<String>, Query)),
    responses((status = 204, description = "Deleted")))]
pub async fn delete(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
    Query(q): Query<LangQuery>,
) -> ApiResult<StatusCode> {
    require(&me, Permission::SupportManage)?;
    if !state.store.delete_faq_entry(&id, q.lang.as_deref()).await? {
        return Err(ApiError::not_found());
    }
    crate::faq_bot::reload(&state).await.map_err(ApiError::from)?;
    crate::cluster::invalidate(&state, steward_bus::CacheKind::Faq);
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct FormatQuery {
    /// `json` (default) or `csv`.
    pub format: Option<String>,
}

/// Imports a knowledge base file (JSON array or CSV); entries with the same
/// id and language are replaced. Errors name the line or entry and the field.
#[utoipa::path(post, path = "/faq/import", tag = "faq", params(("format" = Option<String>, Query)),
    responses((status = 200, description = "Imported"), (status = 422, body = ErrorBody)))]
pub async fn import(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(q): Query<FormatQuery>,
    body: String,
) -> ApiResult<axum::Json<Value>> {
    require(&me, Permission::SupportManage)?;
    let entries = match q.format.as_deref().unwrap_or("json") {
        "json" => steward_faq::entries_from_json(&body),
        "csv" => steward_faq::entries_from_csv(&body),
        _ => return Err(FieldError::new("format", Rule::InvalidChoice).into()),
    }
    .map_err(faq_error)?;
    let n = save(&state, &entries).await?;
    Ok(axum::Json(json!({ "saved": n })))
}

#[utoipa::path(get, path = "/faq/export", tag = "faq", params(("format" = Option<String>, Query)),
    responses((status = 200, description = "The knowledge base as JSON or CSV")))]
pub async fn export(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(q): Query<FormatQuery>,
) -> ApiResult<axum::response::Response> {
    require(&me, Permission::SupportManage)?;
    let entries: Vec<steward_faq::Entry> =
        state.store.faq_entries().await?.iter().filter_map(crate::faq_bot::to_entry).collect();
    Ok(match q.format.as_deref().unwrap_or("json") {
        "json" => super::download(
            "application/json",
            "attachment; filename=\"faq.json\"",
            steward_faq::entries_to_json(&entries),
        ),
        "csv" => super::download(
            "text/csv; charset=utf-8",
            "attachment; filename=\"faq.csv\"",
            steward_faq::entries_to_csv(&entries),
        ),
        _ => return Err(FieldError::new("format", Rule::InvalidChoice).into()),
    })
}

#[utoipa::path(get, path = "/faq/unanswered", tag = "faq", responses((status = 200, description = "Most asked first")))]
pub async fn unanswered(State(state): State<AppState>, me: CurrentUser) -> ApiResult<axum::Json<Value>> {
    require(&me, Permission::SupportManage)?;
    Ok(axum::Json(json!({ "unanswered": state.store.unanswered(200).await? })))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PromoteInput {
    /// The new topic's id (letters, digits, `_`, `-`, `.`), or an existing
    /// topic to add this phrasing to.
    pub id: String,
    /// The answer (markdown); for an existing topic, empty keeps its answer.
    #[serde(default)]
    pub answer: String,
    #[serde(default)]
    pub category: String,
}

/// Turns an unanswered question into an entry (or a new phrasing of one).
#[utoipa::path(post, path = "/faq/unanswered/{id}/promote", tag = "faq", params(("id" = i64, Path)), request_body = PromoteInput,
    responses((status = 200, description = "Saved; the bot answers it from now on"), (status = 422, body = ErrorBody)))]
pub async fn promote(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    Json(req): Json<PromoteInput>,
) -> ApiResult<axum::Json<Value>> {
    require(&me, Permission::SupportManage)?;
    let u = state.store.unanswered_one(id).await?.ok_or_else(ApiError::not_found)?;
    let lang = steward_faq::Lang::parse(&u.lang).unwrap_or(steward_faq::Lang::Ru);
    let existing = state.store.faq_entries().await?.into_iter().find(|e| e.id == req.id && e.lang == u.lang);
    let entry = match existing.as_ref().and_then(crate::faq_bot::to_entry) {
        Some(mut e) => {
            e.questions.push(u.sample.clone());
            if !req.answer.trim().is_empty() {
                e.answer = req.answer.clone();
            }
            e
        }
        None => steward_faq::Entry {
            id: req.id.trim().to_string(),
            lang,
            questions: vec![u.sample.clone()],
            answer: req.answer.clone(),
            category: req.category.clone(),
            status: steward_faq::Status::Published,
        },
    };
    save(&state, std::slice::from_ref(&entry)).await?;
    state.store.close_unanswered(id, &entry.id).await?;
    Ok(axum::Json(json!({ "entry": row_of(&entry) })))
}

#[utoipa::path(post, path = "/faq/unanswered/{id}/dismiss", tag = "faq", params(("id" = i64, Path)),
    responses((status = 204, description = "Dismissed")))]
pub async fn dismiss(State(state): State<AppState>, me: CurrentUser, Path(id): Path<i64>) -> ApiResult<StatusCode> {
    require(&me, Permission::SupportManage)?;
    state.store.close_unanswered(id, "-").await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct AskQuery {
    pub q: String,
    pub lang: Option<String>,
}

/// What the bot would do with a question (the admin's test box).
#[utoipa::path(get, path = "/faq/ask", tag = "faq", params(("q" = String, Query), ("lang" = Option<String>, Query)),
    responses((status = 200, description = "answer, suggest or hand_over")))]
pub async fn ask(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(q): Query<AskQuery>,
) -> ApiResult<axum::Json<Value>> {
    require(&me, Permission::SupportManage)?;
    if q.q.chars().count() > 2000 {
        return Err(FieldError::with_limit("q", Rule::TooLong, 2000).into());
    }
    let hint = q.lang.as_deref().and_then(|l| steward_faq::Lang::parse(l).ok());
    let index = state.faq.index();
    let out = match index.ask(&q.q, hint) {
        steward_faq::Outcome::Answer { entry, confidence } => {
            json!({ "action": "answer", "entry": entry.id, "lang": entry.lang.as_str(), "answer": entry.answer, "confidence": confidence })
        }
        steward_faq::Outcome::Suggest { alternatives } => json!({
            "action": "suggest",
            "alternatives": alternatives.iter().map(|s| json!({ "entry": s.entry.id, "question": s.entry.questions.first(), "score": s.score })).collect::<Vec<_>>(),
        }),
        steward_faq::Outcome::HandOver { reason } => json!({ "action": "hand_over", "reason": reason.as_str() }),
    };
    Ok(axum::Json(out))
}

/// The bot's figures: conversations it started, resolved alone (deflection),
/// handed over, and the answers to "did this help?".
#[utoipa::path(get, path = "/faq/stats", tag = "faq", responses((status = 200, description = "Counts and rates")))]
pub async fn stats(State(state): State<AppState>, me: CurrentUser) -> ApiResult<axum::Json<Value>> {
    require(&me, Permission::SupportManage)?;
    let counts = state
        .store
        .conversation_event_counts(&["bot_answer", "bot_resolved", "bot_handover", "bot_helpful", "bot_unhelpful"])
        .await?;
    let get = |k: &str| counts.iter().find(|c| c.0 == k).map_or(0, |c| c.1);
    let started = state.store.conversations_started_pending().await?;
    let rate = |n: i64| if started > 0 { n as f64 / started as f64 } else { 0.0 };
    Ok(axum::Json(json!({
        "bot_conversations": started,
        "resolved_by_bot": get("bot_resolved"),
        "handed_over": get("bot_handover"),
        "deflection_rate": rate(get("bot_resolved")),
        "hand_over_rate": rate(get("bot_handover")),
        "answers": get("bot_answer"),
        "helpful": get("bot_helpful"),
        "unhelpful": get("bot_unhelpful"),
    })))
}

/// For the operator: the best FAQ entries and canned responses for the
/// contact's last message, one click to insert.
#[utoipa::path(get, path = "/support/conversations/{id}/suggestions", tag = "support", params(("id" = i64, Path)),
    responses((status = 200, description = "faq and canned suggestions")))]
pub async fn suggestions(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<Value>> {
    let conv = crate::support::visible(&state, &me.user, id).await?;
    let contact = state.store.contact(conv.contact_id).await?.ok_or_else(ApiError::not_found)?;
    let page = steward_store::Page { before_seq: None, after_seq: None, limit: 30 };
    let (msgs, _) = state.store.history(conv.room_id, page).await?;
    let last = msgs
        .iter()
        .rev()
        .find(|m| m.author_id == contact.user_id && !m.deleted)
        .map(|m| m.body.clone())
        .unwrap_or_default();
    let faq = if last.is_empty() { vec![] } else { crate::faq_bot::suggestions(&state, &last, 3) };
    let (_, deps) = state.store.operator_scope(me.id()).await?;
    let canned = state.store.canned_for(me.id(), &deps).await?;
    let words: Vec<String> =
        steward_store::fold_question(&last).split(' ').filter(|w| w.chars().count() > 3).map(str::to_string).collect();
    let mut scored: Vec<(usize, &steward_core::model::CannedResponse)> = canned
        .iter()
        .map(|c| {
            let text = steward_store::fold_question(&format!("{} {} {}", c.shortcut, c.title, c.body));
            (words.iter().filter(|w| text.contains(w.as_str())).count(), c)
        })
        .filter(|(n, _)| *n > 0)
        .collect();
    scored.sort_by_key(|s| std::cmp::Reverse(s.0));
    Ok(axum::Json(json!({
        "question": last,
        "faq": faq,
        "canned": scored.into_iter().take(3).map(|(_, c)| c).collect::<Vec<_>>(),
    })))
}
