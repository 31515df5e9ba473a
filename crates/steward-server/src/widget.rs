//! The website widget (docs/SUPPORT.md): the loader script, the chat frame
//! and the demo page, and the visitor's API under `/widget/v1`. Visitors
//! authenticate with a widget token (`wgt_…`) that only these routes accept;
//! the main API and gateway never do.

use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message as WsMessage, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{FromRequestParts, Multipart, Query as AxQuery, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json as AxJson, Router};
use hmac::Mac;
use serde::Deserialize;
use serde_json::{Value, json};
use steward_core::model::{Contact, Conversation, Inbox, Message, User};
use steward_core::validate::Locale;
use steward_core::{FieldError, Rule};
use steward_store::{NewContact, NewConversation, Page};

use crate::api::{Json, Path, Query};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::support::{self, settings_of};

const TOKEN_PREFIX: &str = "wgt_";
/// Contacts' avatar colour (slate: distinct from staff's).
const VISITOR_COLOR: &str = "#64748b";

/// The widget's API routes (nested under `/widget/v1`).
pub fn api_router(upload_limit: usize) -> Router<AppState> {
    Router::new()
        .route("/inboxes/{key}/config", get(config))
        .route("/inboxes/{key}/session", post(session))
        .route("/inboxes/{key}/offline", post(offline))
        .route("/inboxes/{key}/help", get(help_search))
        .route("/conversations", post(start))
        .route("/conversations/{id}/messages", get(messages).post(send))
        .route("/conversations/{id}/uploads", post(upload).layer(axum::extract::DefaultBodyLimit::max(upload_limit)))
        .route("/conversations/{id}/read", post(read))
        .route("/conversations/{id}/typing", post(typing))
        .route("/conversations/{id}/csat", post(csat))
        .route("/attachments/{id}/{name}", get(attachment))
        .route("/ws", get(ws))
}

/// The contact behind a widget token.
pub struct Visitor {
    pub contact: Contact,
    pub user: User,
}

impl FromRequestParts<AppState> for Visitor {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = crate::auth::bearer(&parts.headers).ok_or_else(ApiError::unauthorized)?;
        visitor_for(state, token).await?.ok_or_else(ApiError::unauthorized)
    }
}

async fn visitor_for(state: &AppState, token: &str) -> ApiResult<Option<Visitor>> {
    if !token.starts_with(TOKEN_PREFIX) || token.len() > 100 {
        return Ok(None);
    }
    let Some(contact) = state.store.contact_by_token(&crate::auth::token_hash(token)).await? else {
        return Ok(None);
    };
    let Some(user) = state.store.user(contact.user_id).await? else {
        return Ok(None);
    };
    if user.status != steward_core::model::UserStatus::Active {
        return Ok(None);
    }
    Ok(Some(Visitor { contact, user }))
}

async fn inbox_by_key(state: &AppState, key: &str) -> ApiResult<(Inbox, String)> {
    state.store.inbox_by_key(key).await?.ok_or_else(ApiError::not_found)
}

/// A conversation of this visitor.
async fn own(state: &AppState, v: &Visitor, id: i64) -> ApiResult<Conversation> {
    let conv = state.store.conversation(id).await?.ok_or_else(ApiError::not_found)?;
    if conv.contact_id != v.contact.id {
        return Err(ApiError::not_found());
    }
    Ok(conv)
}

fn locale_of(raw: Option<&str>, fallback: &str) -> Locale {
    raw.and_then(|r| Locale::parse(r).ok()).or_else(|| Locale::parse(fallback).ok()).unwrap_or_default()
}

#[derive(Deserialize)]
pub struct LocaleQuery {
    locale: Option<String>,
}

/// What the loader and the frame need to draw the widget.
pub async fn config(
    State(state): State<AppState>,
    Path(key): Path<String>,
    Query(q): Query<LocaleQuery>,
) -> ApiResult<Response> {
    let (inbox, _) = inbox_by_key(&state, &key).await?;
    let c = settings_of(&inbox);
    let now = steward_store::now_ms();
    let open_now = c.hours.as_ref().is_none_or(|h| h.is_open(now));
    let next_open = if open_now { None } else { c.hours.as_ref().and_then(|h| h.next_open(now)) };
    let locale = locale_of(q.locale.as_deref(), &c.settings.locale);
    let departments: Vec<Value> = state
        .store
        .departments(Some(inbox.id))
        .await?
        .into_iter()
        .map(|d| json!({ "id": d.id, "name": d.name }))
        .collect();
    let body = json!({ "inbox": {
        "key": inbox.public_key,
        "name": inbox.name,
        "greeting": c.settings.greeting,
        "color": c.settings.color,
        "position": c.settings.position,
        "locale": locale.as_str(),
        "csat": c.settings.csat,
        "offline_form": c.settings.offline_form,
        "open_now": open_now,
        "next_open_at": next_open.map(steward_core::model::rfc3339),
        // The frame reads a field's kind as `type`.
        "prechat": c.settings.prechat.iter().map(|f| {
            let mut f = f.clone();
            if let Some(k) = f.get("kind").cloned() && let Some(o) = f.as_object_mut() {
                o.insert("type".into(), k);
            }
            f
        }).collect::<Vec<_>>(),
        "departments": departments,
        // The help centre has articles: the widget offers to search them first.
        "help": !state.faq.is_empty(),
    }});
    let mut r = AxJson(body).into_response();
    // The loader fetches this from the customer's page: readable from any origin
    // (it holds nothing private).
    r.headers_mut().insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=60"));
    Ok(r)
}

#[derive(Deserialize)]
pub struct HelpSearch {
    q: String,
    locale: Option<String>,
}

/// The help centre's best articles for what the visitor typed (public, like `/help`).
pub async fn help_search(
    State(state): State<AppState>,
    Path(key): Path<String>,
    Query(q): Query<HelpSearch>,
) -> ApiResult<AxJson<Value>> {
    inbox_by_key(&state, &key).await?;
    let text: String = q.q.trim().chars().take(300).collect();
    if text.is_empty() {
        return Ok(AxJson(json!({ "articles": [] })));
    }
    let lang = q.locale.as_deref().and_then(|l| steward_faq::Lang::parse(l).ok()).unwrap_or(steward_faq::Lang::Ru);
    let index = state.faq.index();
    let mut seen = std::collections::HashSet::new();
    let articles: Vec<Value> = index
        .rank(&text, 12)
        .into_iter()
        .filter(|s| {
            s.score > 0.1 && s.entry.status == steward_faq::Status::Published && seen.insert(s.entry.id.clone())
        })
        .map(|s| {
            let e = index.entries().iter().find(|e| e.id == s.entry.id && e.lang == lang).unwrap_or(s.entry);
            json!({
                "id": e.id,
                "question": e.questions.first(),
                "url": format!("/help/{}?lang={}", e.id, e.lang.as_str()),
            })
        })
        .take(5)
        .collect();
    Ok(AxJson(json!({ "articles": articles })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionRequest {
    token: Option<String>,
    identity: Option<Identity>,
    locale: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Identity {
    user_id: String,
    hash: String,
    name: Option<String>,
    email: Option<String>,
}

/// Checks the site's signature of its user id (hex HMAC-SHA256 with the inbox secret).
pub fn verify_identity(secret: &str, user_id: &str, hash: &str) -> bool {
    let Ok(expected) = hex::decode(hash.trim()) else {
        return false;
    };
    let Ok(mut mac) = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()) else {
        return false;
    };
    mac.update(user_id.as_bytes());
    mac.verify_slice(&expected).is_ok()
}

fn new_widget_token() -> (String, String) {
    let token = format!("{TOKEN_PREFIX}{}", crate::auth::new_token());
    let hash = crate::auth::token_hash(&token);
    (token, hash)
}

fn clean_name(raw: Option<&str>, field: &'static str) -> ApiResult<Option<String>> {
    let Some(s) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    if s.chars().count() > 80 {
        return Err(FieldError::with_limit(field, Rule::TooLong, 80).into());
    }
    if s.chars().any(char::is_control) {
        return Err(FieldError::new(field, Rule::InvalidFormat).into());
    }
    Ok(Some(s.to_string()))
}

fn clean_email(raw: Option<&str>, field: &'static str) -> ApiResult<Option<String>> {
    let Some(s) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    let ok = s.len() <= 254
        && s.split_once('@')
            .is_some_and(|(l, d)| !l.is_empty() && d.contains('.') && !d.starts_with('.') && !d.ends_with('.'))
        && !s.chars().any(|c| c.is_whitespace() || c.is_control());
    if !ok {
        return Err(FieldError::new(field, Rule::InvalidFormat).into());
    }
    Ok(Some(s.to_lowercase()))
}

/// Opens (or resumes) the visitor's session: a kept token, a verified
/// identity (history follows the site's user across devices), or a new
/// anonymous contact.
pub async fn session(
    State(state): State<AppState>,
    Path(key): Path<String>,
    Json(req): Json<SessionRequest>,
) -> ApiResult<AxJson<Value>> {
    let (inbox, sealed) = inbox_by_key(&state, &key).await?;
    let c = settings_of(&inbox);
    let locale = locale_of(req.locale.as_deref(), &c.settings.locale);
    let mut token_out: Option<String> = None;
    let mut contact: Option<Contact> = None;
    if let Some(t) = req.token.as_deref()
        && let Some(v) = visitor_for(&state, t).await?
        && v.contact.inbox_id == inbox.id
    {
        contact = Some(v.contact);
        token_out = Some(t.to_string());
    }
    if let Some(id) = &req.identity {
        if id.user_id.is_empty() || id.user_id.len() > 128 {
            return Err(FieldError::with_limit("identity.user_id", Rule::TooLong, 128).into());
        }
        let secret = state.secret_key.open(&format!("inbox:{}", inbox.id), &sealed).map_err(anyhow::Error::from)?;
        if !verify_identity(&secret, &id.user_id, &id.hash) {
            return Err(ApiError::new(StatusCode::UNAUTHORIZED, "identity_invalid").with_field("identity.hash"));
        }
        let name = clean_name(id.name.as_deref(), "identity.name")?;
        let email = clean_email(id.email.as_deref(), "identity.email")?;
        // A kept anonymous token of someone else does not carry over to this user.
        if contact.as_ref().is_some_and(|c| c.external_id.as_deref() != Some(id.user_id.as_str())) {
            token_out = None;
        }
        match state.store.contact_by_external(inbox.id, &id.user_id).await? {
            Some(existing) => {
                let (token, hash) = match &token_out {
                    Some(t) => (t.clone(), None),
                    None => {
                        let (t, h) = new_widget_token();
                        (t, Some(h))
                    }
                };
                let updated = state
                    .store
                    .update_contact(existing.id, name.as_deref(), email.as_deref(), None, hash.as_deref())
                    .await?;
                contact = Some(updated);
                token_out = Some(token);
            }
            None => {
                let (token, hash) = new_widget_token();
                let created = state
                    .store
                    .create_contact(&NewContact {
                        inbox_id: inbox.id,
                        name: name.unwrap_or_default(),
                        email,
                        external_id: Some(id.user_id.clone()),
                        token_hash: hash,
                        locale: locale.as_str().to_string(),
                        avatar_color: VISITOR_COLOR.into(),
                    })
                    .await?;
                contact = Some(created);
                token_out = Some(token);
            }
        }
    }
    let contact = match contact {
        Some(c) => c,
        None => {
            let (token, hash) = new_widget_token();
            token_out = Some(token);
            state
                .store
                .create_contact(&NewContact {
                    inbox_id: inbox.id,
                    name: String::new(),
                    email: None,
                    external_id: None,
                    token_hash: hash,
                    locale: locale.as_str().to_string(),
                    avatar_color: VISITOR_COLOR.into(),
                })
                .await?
        }
    };
    let current = current_conversation(&state, &contact).await?;
    let conversation = match &current {
        Some(c) => Some(support::widget_view(&state, c).await),
        None => None,
    };
    Ok(AxJson(json!({
        "token": token_out,
        "contact": { "id": contact.id, "user_id": contact.user_id, "name": contact.name, "email": contact.email },
        "conversation": conversation,
    })))
}

/// The visitor's latest conversation that is not merged away: an open one,
/// or the last resolved one (so the widget can show the rating card).
async fn current_conversation(state: &AppState, contact: &Contact) -> ApiResult<Option<Conversation>> {
    let list = state.store.contact_conversations(contact.id, 5).await?;
    Ok(list.into_iter().find(|c| c.merged_into.is_none()))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StartRequest {
    #[serde(default)]
    prechat: serde_json::Map<String, Value>,
    department_id: Option<i64>,
    body: Option<String>,
}

/// Starts a conversation (after the pre-chat form); it joins the queue and is routed.
pub async fn start(
    State(state): State<AppState>,
    v: Visitor,
    Json(req): Json<StartRequest>,
) -> ApiResult<(StatusCode, AxJson<Value>)> {
    let inbox = state.store.inbox(v.contact.inbox_id).await?.ok_or_else(ApiError::not_found)?;
    let c = settings_of(&inbox);
    if let Some(cur) = current_conversation(&state, &v.contact).await?
        && cur.status != "resolved"
    {
        return Err(ApiError::new(StatusCode::CONFLICT, "conversation_open"));
    }
    let answers = match &c.prechat {
        Some(form) => form.validate_answers(&req.prechat).map_err(prechat_error)?,
        None => Default::default(),
    };
    if let Some(d) = req.department_id
        && !state.store.departments(Some(inbox.id)).await?.iter().any(|x| x.id == d)
    {
        return Err(FieldError::new("department_id", Rule::InvalidChoice).into());
    }
    // What the form said about the person goes on the contact card.
    let name = answers.get("name").map(String::as_str);
    let email = answers.get("email").map(String::as_str);
    let phone = answers.get("phone").map(String::as_str);
    let contact = if name.is_some() || email.is_some() || phone.is_some() {
        state.store.update_contact(v.contact.id, name, email, phone, None).await?
    } else {
        v.contact.clone()
    };
    let title = if contact.name.is_empty() { format!("#{}", contact.id) } else { contact.name.clone() };
    // With an agent bot, or the FAQ bot on (and something in the knowledge base), a bot answers first.
    let agent = match c.settings.agent_bot {
        Some(id) => state.store.user(id).await?.filter(|u| u.status == steward_core::model::UserStatus::Active),
        None => None,
    };
    let with_bot = agent.is_some() || (c.settings.bot && !state.faq.is_empty());
    let conv = state
        .store
        .create_conversation(
            &NewConversation {
                inbox_id: inbox.id,
                contact_id: contact.id,
                department_id: req.department_id,
                status: if with_bot { "pending".into() } else { "open".into() },
                prechat: serde_json::to_value(&answers).unwrap_or(Value::Null),
                title,
            },
            v.user.id,
        )
        .await?;
    crate::webhooks::conversation(&state, &conv, "conversation.created", json!({})).await;
    match &agent {
        Some(bot) => crate::faq_bot::join_as(&state, &conv, bot).await?,
        None if with_bot => crate::faq_bot::join(&state, &conv).await?,
        None => {}
    }
    let user = state.store.user(v.user.id).await?.unwrap_or(v.user);
    if let Some(body) = req.body.as_deref().filter(|b| !b.trim().is_empty()) {
        crate::service::post_message(&state, &user, conv.room_id, crate::service::PostInput::text(body, false)).await?;
    }
    if !with_bot {
        support::route(&state, conv.id).await?;
    }
    let conv = state.store.conversation(conv.id).await?.unwrap_or(conv);
    support::announce(&state, &conv).await;
    Ok((StatusCode::CREATED, AxJson(support::widget_view(&state, &conv).await)))
}

fn prechat_error(errors: Vec<steward_support::Invalid>) -> ApiError {
    errors.into_iter().next().map(ApiError::from).unwrap_or_else(|| ApiError::bad_request("prechat"))
}

#[derive(Deserialize)]
pub struct HistoryQuery {
    before_seq: Option<i64>,
    after_seq: Option<i64>,
    limit: Option<u64>,
}

/// The conversation's messages as the contact sees them: no internal notes.
pub async fn messages(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<i64>,
    Query(q): Query<HistoryQuery>,
) -> ApiResult<AxJson<Value>> {
    let conv = own(&state, &v, id).await?;
    let page = Page { before_seq: q.before_seq, after_seq: q.after_seq, limit: q.limit.unwrap_or(50).clamp(1, 100) };
    let (list, has_more) = state.store.history(conv.room_id, page).await?;
    let list: Vec<Value> = list
        .into_iter()
        .filter(|m| !m.internal)
        .map(|m| {
            let mut out = serde_json::to_value(&m).unwrap_or(Value::Null);
            sign_files(&state, v.contact.id, &mut out);
            out
        })
        .collect();
    Ok(AxJson(json!({ "messages": list, "has_more": has_more })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SendRequest {
    body: String,
    nonce: Option<String>,
    #[serde(default)]
    attachments: Vec<i64>,
}

pub async fn send(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<i64>,
    Json(req): Json<SendRequest>,
) -> ApiResult<(StatusCode, AxJson<Message>)> {
    let conv = own(&state, &v, id).await?;
    if conv.merged_into.is_some() {
        return Err(ApiError::new(StatusCode::CONFLICT, "conversation_merged"));
    }
    let input = crate::service::PostInput {
        body: req.body,
        nonce: req.nonce,
        reply_to: None,
        attachments: req.attachments,
        internal: false,
    };
    let (m, created) = crate::service::post_message(&state, &v.user, conv.room_id, input).await?;
    Ok((if created { StatusCode::CREATED } else { StatusCode::OK }, AxJson(m)))
}

pub async fn upload(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> ApiResult<(StatusCode, AxJson<steward_core::model::Attachment>)> {
    let conv = own(&state, &v, id).await?;
    crate::api::files::store_upload(&state, &v.user, conv.room_id, multipart).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReadRequest {
    seq: i64,
}

pub async fn read(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<i64>,
    Json(req): Json<ReadRequest>,
) -> ApiResult<AxJson<Value>> {
    let conv = own(&state, &v, id).await?;
    let seq = crate::service::mark_read(&state, &v.user, conv.room_id, req.seq).await?;
    Ok(AxJson(json!({ "seq": seq })))
}

pub async fn typing(State(state): State<AppState>, v: Visitor, Path(id): Path<i64>) -> ApiResult<StatusCode> {
    let conv = own(&state, &v, id).await?;
    publish_typing(&state, &v, conv.room_id);
    Ok(StatusCode::NO_CONTENT)
}

fn publish_typing(state: &AppState, v: &Visitor, room_id: i64) {
    let ev = json!({ "type": "typing", "room_id": room_id, "user_id": v.user.id, "display_name": v.user.display_name });
    state.bus.publish(steward_bus::Envelope::event(steward_bus::Topic::Room(room_id), None, ev.to_string()));
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CsatRequest {
    rating: i64,
    comment: Option<String>,
}

pub async fn csat(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<i64>,
    Json(req): Json<CsatRequest>,
) -> ApiResult<AxJson<Value>> {
    let conv = own(&state, &v, id).await?;
    if !(1..=5).contains(&req.rating) {
        return Err(FieldError::new("rating", Rule::InvalidChoice).into());
    }
    let comment = req.comment.as_deref().map(str::trim).filter(|s| !s.is_empty());
    if comment.is_some_and(|c| c.chars().count() > 2000) {
        return Err(FieldError::with_limit("comment", Rule::TooLong, 2000).into());
    }
    if conv.status != "resolved" {
        return Err(ApiError::new(StatusCode::CONFLICT, "not_resolved"));
    }
    if !state.store.set_csat(conv.id, req.rating, comment).await? {
        return Err(ApiError::new(StatusCode::CONFLICT, "already_rated"));
    }
    let conv = state.store.conversation(conv.id).await?.ok_or_else(ApiError::not_found)?;
    support::announce(&state, &conv).await;
    Ok(AxJson(support::widget_view(&state, &conv).await))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OfflineRequest {
    name: Option<String>,
    email: String,
    body: String,
}

/// Outside business hours: the message waits as a conversation, the
/// contact's e-mail on the card for the reply.
pub async fn offline(
    State(state): State<AppState>,
    Path(key): Path<String>,
    headers: HeaderMap,
    Json(req): Json<OfflineRequest>,
) -> ApiResult<(StatusCode, AxJson<Value>)> {
    let (inbox, _) = inbox_by_key(&state, &key).await?;
    let name = clean_name(req.name.as_deref(), "name")?;
    let email = clean_email(Some(&req.email), "email")?.ok_or(FieldError::new("email", Rule::Required))?;
    steward_core::validate::MessageBody::parse(&req.body)?;
    let existing = match crate::auth::bearer(&headers) {
        Some(t) => visitor_for(&state, t).await?.filter(|v| v.contact.inbox_id == inbox.id),
        None => None,
    };
    let (contact, token) = match existing {
        Some(v) => (state.store.update_contact(v.contact.id, name.as_deref(), Some(&email), None, None).await?, None),
        None => {
            let (token, hash) = new_widget_token();
            let c = state
                .store
                .create_contact(&NewContact {
                    inbox_id: inbox.id,
                    name: name.clone().unwrap_or_default(),
                    email: Some(email.clone()),
                    external_id: None,
                    token_hash: hash,
                    locale: settings_of(&inbox).settings.locale,
                    avatar_color: VISITOR_COLOR.into(),
                })
                .await?;
            (c, Some(token))
        }
    };
    let user = state.store.user(contact.user_id).await?.ok_or_else(ApiError::not_found)?;
    let title = if contact.name.is_empty() { email.clone() } else { contact.name.clone() };
    let conv = state
        .store
        .create_conversation(
            &NewConversation {
                inbox_id: inbox.id,
                contact_id: contact.id,
                department_id: None,
                status: "open".into(),
                prechat: json!({ "offline": true, "email": email }),
                title,
            },
            user.id,
        )
        .await?;
    crate::webhooks::conversation(&state, &conv, "conversation.created", json!({})).await;
    let input = crate::service::PostInput::text(req.body, false);
    crate::service::post_message(&state, &user, conv.room_id, input).await?;
    state.store.set_labels(conv.id, &["offline".to_string()]).await?;
    support::route(&state, conv.id).await?;
    if let Some(c) = state.store.conversation(conv.id).await? {
        support::announce(&state, &c).await;
    }
    Ok((StatusCode::CREATED, AxJson(json!({ "conversation_id": conv.id, "token": token }))))
}

#[derive(Deserialize)]
pub struct WsQuery {
    token: String,
    conversation: i64,
    after_seq: Option<i64>,
}

/// The widget's live channel: the conversation's room events, filtered to
/// what the contact may see and reshaped for the widget.
pub async fn ws(State(state): State<AppState>, AxQuery(q): AxQuery<WsQuery>, upgrade: WebSocketUpgrade) -> Response {
    let v = match visitor_for(&state, &q.token).await {
        Ok(Some(v)) => v,
        Ok(None) => return ApiError::unauthorized().into_response(),
        Err(e) => return e.into_response(),
    };
    let conv = match own(&state, &v, q.conversation).await {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    upgrade
        .read_buffer_size(4 * 1024)
        .write_buffer_size(0)
        .max_write_buffer_size(256 * 1024)
        .max_message_size(4 * 1024)
        .max_frame_size(4 * 1024)
        .on_upgrade(move |socket| async move {
            metrics::gauge!("steward_widget_connections").increment(1.0);
            run_ws(state, socket, v, conv, q.after_seq.unwrap_or(0)).await;
            metrics::gauge!("steward_widget_connections").decrement(1.0);
        })
}

async fn send_json(socket: &mut WebSocket, v: &Value) -> bool {
    socket.send(WsMessage::Text(Utf8Bytes::from(v.to_string()))).await.is_ok()
}

/// Reshapes a room event for the widget; `None` drops it.
fn for_widget(raw: &[u8], visitor_user: i64) -> Option<Value> {
    let ev: Value = serde_json::from_slice(raw).ok()?;
    let kind = ev.get("type")?.as_str()?;
    match kind {
        "message.created" | "message.updated" | "message.deleted" => {
            let m = ev.get("message")?;
            if m.get("internal").and_then(Value::as_bool).unwrap_or(false) {
                return None;
            }
            Some(json!({ "type": kind, "message": m }))
        }
        "typing" => (ev.get("user_id")?.as_i64()? != visitor_user)
            .then(|| json!({ "type": "typing", "name": ev.get("display_name") })),
        "support.read" => {
            (ev.get("user_id")?.as_i64()? != visitor_user).then(|| json!({ "type": "read", "seq": ev.get("seq") }))
        }
        "support.conversation" => {
            Some(json!({ "type": "conversation.updated", "conversation": ev.get("conversation") }))
        }
        _ => None,
    }
}

async fn run_ws(state: AppState, mut socket: WebSocket, v: Visitor, conv: Conversation, after_seq: i64) {
    // Visitors have no presence: their socket is not an online member.
    let mut handle = state.hub.register_quiet(v.user.id, -v.contact.id, &[conv.room_id], 256);
    // What was missed first, in order; live events after it are de-duplicated by seq.
    let mut last_seq = after_seq;
    {
        let page = Page { before_seq: None, after_seq: Some(after_seq.max(0)), limit: 100 };
        if let Ok((missed, _)) = state.store.history(conv.room_id, page).await {
            for m in missed.into_iter().filter(|m| !m.internal) {
                last_seq = last_seq.max(m.seq);
                let mut mv = serde_json::to_value(&m).unwrap_or(Value::Null);
                sign_files(&state, v.contact.id, &mut mv);
                if !send_json(&mut socket, &json!({ "type": "message.created", "message": mv })).await {
                    state.hub.unregister(handle.id);
                    return;
                }
            }
        }
    }
    if let Some(c) = state.store.conversation(conv.id).await.ok().flatten() {
        let view = support::widget_view(&state, &c).await;
        if !send_json(&mut socket, &json!({ "type": "conversation.updated", "conversation": view })).await {
            state.hub.unregister(handle.id);
            return;
        }
    }
    let mut ping = tokio::time::interval(Duration::from_secs(25));
    ping.tick().await;
    let mut last_typing = std::time::Instant::now() - Duration::from_secs(10);
    loop {
        tokio::select! {
            ev = handle.rx.recv() => {
                let Some(ev) = ev else { break };
                if handle.overflowed.load(std::sync::atomic::Ordering::Relaxed) {
                    break;
                }
                let Some(payload) = ev.payload.as_ref() else { continue };
                if let Some(seq) = ev.seq {
                    if seq <= last_seq { continue; }
                    last_seq = seq;
                }
                if let Some(mut out) = for_widget(payload, v.user.id)
                    && {
                        if let Some(m) = out.get_mut("message") {
                            sign_files(&state, v.contact.id, m);
                        }
                        !send_json(&mut socket, &out).await
                    }
                {
                    break;
                }
            }
            _ = handle.kill.notified() => break,
            _ = ping.tick() => {
                if !send_json(&mut socket, &json!({ "type": "ping" })).await { break; }
            }
            msg = socket.recv() => {
                let Some(Ok(msg)) = msg else { break };
                let WsMessage::Text(t) = msg else { continue };
                let Ok(v2) = serde_json::from_str::<Value>(&t) else { continue };
                let op = v2.get("op").and_then(Value::as_str);
                if op == Some("typing") && last_typing.elapsed() >= Duration::from_secs(2) {
                    last_typing = std::time::Instant::now();
                    publish_typing(&state, &v, conv.room_id);
                }
                if op == Some("ping") && !send_json(&mut socket, &json!({ "type": "ping" })).await {
                    break;
                }
            }
        }
    }
    state.hub.unregister(handle.id);
    let _ = socket.send(WsMessage::Close(Some(CloseFrame { code: 1000, reason: Utf8Bytes::from_static("bye") }))).await;
}

/// Points a message's files at the widget's own file route, signed for
/// this contact (the frame has no session for `/api/v1/attachments`).
fn sign_files(state: &AppState, contact_id: i64, message: &mut Value) {
    let Some(list) = message.get_mut("attachments").and_then(Value::as_array_mut) else {
        return;
    };
    for a in list {
        let (Some(id), Some(name)) = (a.get("id").and_then(Value::as_i64), a.get("filename").and_then(Value::as_str))
        else {
            continue;
        };
        let safe = steward_core::model::Attachment::url_for(id, name);
        let name = safe.rsplit('/').next().unwrap_or("file").to_string();
        let sig = state.secret_key.sign(&format!("att:{id}:{contact_id}"));
        a["url"] = json!(format!("/widget/v1/attachments/{id}/{name}?c={contact_id}&sig={sig}"));
    }
}

#[derive(Deserialize)]
pub struct FileQuery {
    c: i64,
    sig: String,
}

/// A file of the contact's conversation, by a signed link.
pub async fn attachment(
    State(state): State<AppState>,
    Path((id, _name)): Path<(i64, String)>,
    Query(q): Query<FileQuery>,
) -> ApiResult<Response> {
    let expected = state.secret_key.sign(&format!("att:{id}:{}", q.c));
    if expected.is_empty() || !bool::from(subtle::ConstantTimeEq::ct_eq(expected.as_bytes(), q.sig.as_bytes())) {
        return Err(ApiError::not_found());
    }
    let file = state.store.attachment(id).await?.ok_or_else(ApiError::not_found)?;
    let conv = state.store.conversation_by_room(file.room_id).await?.ok_or_else(ApiError::not_found)?;
    let contact = state.store.contact(q.c).await?.ok_or_else(ApiError::not_found)?;
    if conv.contact_id != contact.id {
        return Err(ApiError::not_found());
    }
    if (file.message_id.is_none() || file.message_deleted) && file.uploader_id != contact.user_id {
        return Err(ApiError::not_found());
    }
    crate::api::files::serve(&state, &file).await
}

// ----- pages -----

/// The loader script a site embeds.
pub async fn loader() -> Response {
    static_js(include_bytes!("../web/static/widget.js"))
}

fn static_js(body: &'static [u8]) -> Response {
    let mut r = body.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/javascript; charset=utf-8"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=300"));
    // Loaded by other sites' pages.
    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    h.insert("cross-origin-resource-policy", HeaderValue::from_static("cross-origin"));
    r
}

#[derive(Deserialize)]
pub struct FrameQuery {
    inbox: Option<String>,
    locale: Option<String>,
}

/// The chat inside the iframe; framable by the inbox's allowed sites (any when none are set).
pub async fn frame(State(state): State<AppState>, AxQuery(q): AxQuery<FrameQuery>) -> Response {
    let key = q.inbox.unwrap_or_default();
    let Ok(Some((inbox, _))) = state.store.inbox_by_key(&key).await else {
        return (StatusCode::NOT_FOUND, "no such inbox").into_response();
    };
    let c = settings_of(&inbox);
    let locale = locale_of(q.locale.as_deref(), &c.settings.locale);
    let mut r = state.templates.render(
        "widget_frame.html",
        minijinja::context! { lang => locale.as_str(), inbox_key => inbox.public_key, color => c.settings.color },
    );
    let ancestors = if c.settings.allowed_origins.is_empty() {
        "*".to_string()
    } else {
        format!("'self' {}", c.settings.allowed_origins.join(" "))
    };
    let csp = format!(
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; \
         font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors {ancestors}"
    );
    if let Ok(v) = HeaderValue::from_str(&csp) {
        r.headers_mut().insert(header::CONTENT_SECURITY_POLICY, v);
    }
    r
}

#[derive(Deserialize)]
pub struct DemoQuery {
    inbox: Option<String>,
    locale: Option<String>,
}

/// A sample shop page with the widget on it, exactly as a customer embeds it.
pub async fn demo(State(state): State<AppState>, headers: HeaderMap, AxQuery(q): AxQuery<DemoQuery>) -> Response {
    let inboxes = state.store.inboxes().await.unwrap_or_default();
    let key = match q.inbox {
        Some(k) => inboxes.iter().find(|i| i.public_key == k).map(|i| i.public_key.clone()),
        None => inboxes.iter().find(|i| i.kind == "widget").map(|i| i.public_key.clone()),
    }
    .unwrap_or_default();
    let locale = q
        .locale
        .as_deref()
        .and_then(|r| Locale::parse(r).ok())
        .or_else(|| {
            headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).and_then(Locale::from_accept_language)
        })
        .unwrap_or_default();
    state.templates.render("widget_demo.html", minijinja::context! { lang => locale.as_str(), inbox_key => key })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_signatures() {
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(b"s3cret").unwrap();
        mac.update(b"user-42");
        let good = hex::encode(mac.finalize().into_bytes());
        assert!(verify_identity("s3cret", "user-42", &good));
        assert!(!verify_identity("s3cret", "user-43", &good));
        assert!(!verify_identity("other", "user-42", &good));
        assert!(!verify_identity("s3cret", "user-42", "zz"));
        assert!(!verify_identity("s3cret", "user-42", ""));
    }

    #[test]
    fn internal_notes_never_reach_the_widget() {
        let note = json!({ "type": "message.created", "message": { "internal": true, "body": "secret" } }).to_string();
        assert!(for_widget(note.as_bytes(), 1).is_none());
        let msg = json!({ "type": "message.created", "message": { "internal": false, "body": "hi" } }).to_string();
        assert!(for_widget(msg.as_bytes(), 1).is_some());
        let own_typing = json!({ "type": "typing", "user_id": 1, "display_name": "me" }).to_string();
        assert!(for_widget(own_typing.as_bytes(), 1).is_none());
        let member = json!({ "type": "member.joined", "user": {} }).to_string();
        assert!(for_widget(member.as_bytes(), 1).is_none());
    }
}
