//! Outgoing webhooks of bot accounts (docs/WEBHOOKS.md): subscriptions, the
//! delivery log, redelivery. An admin (`users.manage`) manages every bot's
//! webhooks; a bot, with its token, manages its own.

use axum::Json as J;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use steward_core::{FieldError, Permission, Rule};
use steward_store::{AttemptRow, DeliveryFilter, DeliveryRow, WebhookRow};
use utoipa::ToSchema;

use super::{Json, Path, Query};
use crate::api::ErrorBody;
use crate::audit::{self, Event, Origin};
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::webhooks::EVENTS;

/// Webhooks one bot may have.
const MAX_PER_BOT: usize = 20;

#[derive(Serialize, ToSchema)]
pub struct WebhookView {
    pub id: i64,
    /// The bot account whose view the webhook carries.
    pub bot_id: i64,
    pub name: String,
    pub url: String,
    pub events: Vec<String>,
    pub active: bool,
    /// Why the server switched it off (`gone`: the receiver answered 410); empty otherwise.
    pub disabled_reason: String,
    /// Deliveries by status (`pending`, `delivered`, `failed`).
    #[schema(value_type = Object)]
    pub deliveries: Value,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: String,
}

async fn view(state: &AppState, h: &WebhookRow) -> ApiResult<WebhookView> {
    let counts: serde_json::Map<String, Value> =
        state.store.delivery_counts(h.id).await?.into_iter().map(|(s, n)| (s, json!(n))).collect();
    Ok(WebhookView {
        id: h.id,
        bot_id: h.owner_id,
        name: h.name.clone(),
        url: h.url.clone(),
        events: h.events.clone(),
        active: h.active,
        disabled_reason: h.disabled_reason.clone(),
        deliveries: Value::Object(counts),
        created_at: steward_core::model::rfc3339(h.created_at),
    })
}

fn is_admin(me: &CurrentUser) -> bool {
    me.user.permissions().has(Permission::UserManage)
}

/// The webhook, when the caller manages it (else not found: its existence is not told).
async fn managed(state: &AppState, me: &CurrentUser, id: i64) -> ApiResult<WebhookRow> {
    let hook = state.store.webhook(id).await?.ok_or_else(ApiError::not_found)?;
    if is_admin(me) || hook.owner_id == me.id() { Ok(hook) } else { Err(ApiError::not_found()) }
}

fn check_name(raw: &str) -> ApiResult<String> {
    super::support::check_name(raw, "name", 80)
}

/// An absolute `http(s)` URL with a host, at most 2,000 characters.
pub fn check_url(raw: &str) -> ApiResult<String> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(FieldError::new("url", Rule::Required).into());
    }
    if s.len() > 2000 {
        return Err(FieldError::with_limit("url", Rule::TooLong, 2000).into());
    }
    let ok = reqwest::Url::parse(s)
        .ok()
        .is_some_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some_and(|h| !h.is_empty()));
    if !ok {
        return Err(ApiError::from(FieldError::new("url", Rule::InvalidFormat))
            .with_detail(json!("an absolute http:// or https:// address")));
    }
    Ok(s.to_string())
}

fn check_events(raw: &[String]) -> ApiResult<Vec<String>> {
    let mut events: Vec<String> = raw.iter().map(|e| e.trim().to_string()).collect();
    events.sort();
    events.dedup();
    if events.is_empty() {
        return Err(FieldError::new("events", Rule::Required).into());
    }
    if let Some(bad) = events.iter().find(|e| e.as_str() == "ping" || !EVENTS.contains(&e.as_str())) {
        let allowed: Vec<&str> = EVENTS.iter().copied().filter(|e| *e != "ping").collect();
        return Err(ApiError::from(FieldError::new("events", Rule::InvalidChoice))
            .with_detail(json!(format!("{bad:?} is not one of {}", allowed.join(", ")))));
    }
    Ok(events)
}

#[derive(Serialize, ToSchema)]
pub struct WebhooksResponse {
    pub webhooks: Vec<WebhookView>,
    /// Events a webhook may subscribe to.
    pub events: Vec<String>,
}

#[utoipa::path(get, path = "/webhooks", tag = "webhooks",
    responses((status = 200, body = WebhooksResponse)))]
pub async fn list(State(state): State<AppState>, me: CurrentUser) -> ApiResult<J<WebhooksResponse>> {
    let owner = if is_admin(&me) { None } else { Some(me.id()) };
    let mut webhooks = vec![];
    for h in state.store.webhooks(owner).await? {
        webhooks.push(view(&state, &h).await?);
    }
    let events = EVENTS.iter().filter(|e| **e != "ping").map(|e| e.to_string()).collect();
    Ok(J(WebhooksResponse { webhooks, events }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateWebhook {
    /// The bot account it belongs to; a bot creating its own may leave it out.
    pub bot_id: Option<i64>,
    /// 1–80 characters.
    pub name: String,
    /// Where deliveries are POSTed: an absolute `http(s)` address.
    pub url: String,
    /// Any of the events listed by `GET /webhooks`.
    pub events: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedWebhook {
    pub webhook: WebhookView,
    /// `whsec_…`: the HMAC-SHA256 key of `X-Steward-Signature`. Shown only now.
    pub secret: String,
}

#[utoipa::path(post, path = "/webhooks", tag = "webhooks", request_body = CreateWebhook,
    responses((status = 201, body = CreatedWebhook), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    origin: Origin,
    me: CurrentUser,
    Json(req): Json<CreateWebhook>,
) -> ApiResult<(StatusCode, J<CreatedWebhook>)> {
    let self_bot = req.bot_id.is_none_or(|b| b == me.id()) && state.store.is_bot(me.id()).await?;
    let owner = match req.bot_id {
        _ if self_bot => me.id(),
        None => return Err(FieldError::new("bot_id", Rule::Required).into()),
        Some(b) => {
            if !is_admin(&me) {
                return Err(ApiError::forbidden());
            }
            if !state.store.is_bot(b).await? {
                return Err(ApiError::from(FieldError::new("bot_id", Rule::InvalidChoice))
                    .with_detail(json!("webhooks belong to bot accounts")));
            }
            b
        }
    };
    let name = check_name(&req.name)?;
    let url = check_url(&req.url)?;
    let events = check_events(&req.events)?;
    if state.store.webhooks(Some(owner)).await?.len() >= MAX_PER_BOT {
        return Err(ApiError::new(StatusCode::CONFLICT, "too_many_webhooks")
            .with_detail(json!(format!("at most {MAX_PER_BOT} per bot"))));
    }
    // The secret is sealed bound to the row's id: a placeholder first.
    let hook = state.store.create_webhook(owner, &name, &url, "", &events).await?;
    let (secret, sealed) = crate::webhooks::new_secret(&state, hook.id);
    state.store.set_webhook_secret(hook.id, &sealed).await?;
    crate::webhooks::reload(&state).await?;
    crate::cluster::invalidate(&state, steward_bus::CacheKind::Webhooks);
    let event = Event {
        after: json!({ "bot_id": owner, "url": url, "events": events }),
        ..Event::new(Some(me.id()), "webhook.created", "webhook", Some(hook.id))
    };
    audit::record(&state, &origin, event).await;
    Ok((StatusCode::CREATED, J(CreatedWebhook { webhook: view(&state, &hook).await?, secret })))
}

#[utoipa::path(get, path = "/webhooks/{id}", tag = "webhooks", params(("id" = i64, Path)),
    responses((status = 200, body = WebhookView), (status = 404, body = ErrorBody)))]
pub async fn get_one(State(state): State<AppState>, me: CurrentUser, Path(id): Path<i64>) -> ApiResult<J<WebhookView>> {
    let hook = managed(&state, &me, id).await?;
    Ok(J(view(&state, &hook).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateWebhook {
    pub name: Option<String>,
    pub url: Option<String>,
    pub events: Option<Vec<String>>,
    /// Switch deliveries off and on (on again also clears why the server switched it off).
    pub active: Option<bool>,
}

#[utoipa::path(patch, path = "/webhooks/{id}", tag = "webhooks", params(("id" = i64, Path)), request_body = UpdateWebhook,
    responses((status = 200, body = WebhookView), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    origin: Origin,
    me: CurrentUser,
    Path(id): Path<i64>,
    Json(req): Json<UpdateWebhook>,
) -> ApiResult<J<WebhookView>> {
    let before = managed(&state, &me, id).await?;
    let name = req.name.as_deref().map(check_name).transpose()?;
    let url = req.url.as_deref().map(check_url).transpose()?;
    let events = req.events.as_deref().map(check_events).transpose()?;
    let hook = state.store.update_webhook(id, name.as_deref(), url.as_deref(), events.as_deref(), req.active).await?;
    crate::webhooks::reload(&state).await?;
    crate::cluster::invalidate(&state, steward_bus::CacheKind::Webhooks);
    let event = Event {
        before: json!({ "url": before.url, "events": before.events, "active": before.active }),
        after: json!({ "url": hook.url, "events": hook.events, "active": hook.active }),
        ..Event::new(Some(me.id()), "webhook.updated", "webhook", Some(id))
    };
    audit::record(&state, &origin, event).await;
    Ok(J(view(&state, &hook).await?))
}

#[utoipa::path(delete, path = "/webhooks/{id}", tag = "webhooks", params(("id" = i64, Path)),
    responses((status = 204, description = "Deleted with its delivery log")))]
pub async fn delete(
    State(state): State<AppState>,
    origin: Origin,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    let hook = managed(&state, &me, id).await?;
    state.store.delete_webhook(id).await?;
    crate::webhooks::reload(&state).await?;
    crate::cluster::invalidate(&state, steward_bus::CacheKind::Webhooks);
    let event = Event {
        before: json!({ "bot_id": hook.owner_id, "url": hook.url }),
        ..Event::new(Some(me.id()), "webhook.deleted", "webhook", Some(id))
    };
    audit::record(&state, &origin, event).await;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct SecretResponse {
    /// The new signing key; the old one stops working at once. Shown only now.
    pub secret: String,
}

#[utoipa::path(post, path = "/webhooks/{id}/secret", tag = "webhooks", params(("id" = i64, Path)),
    responses((status = 200, body = SecretResponse)))]
pub async fn rotate_secret(
    State(state): State<AppState>,
    origin: Origin,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult<J<SecretResponse>> {
    managed(&state, &me, id).await?;
    let (secret, sealed) = crate::webhooks::new_secret(&state, id);
    state.store.set_webhook_secret(id, &sealed).await?;
    crate::webhooks::reload(&state).await?;
    crate::cluster::invalidate(&state, steward_bus::CacheKind::Webhooks);
    audit::record(&state, &origin, Event::new(Some(me.id()), "webhook.secret_rotated", "webhook", Some(id))).await;
    Ok(J(SecretResponse { secret }))
}

#[utoipa::path(post, path = "/webhooks/{id}/ping", tag = "webhooks", params(("id" = i64, Path)),
    responses((status = 202, description = "A `ping` delivery is queued: `{\"delivery_id\": …}`")))]
pub async fn ping(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult<(StatusCode, J<Value>)> {
    let hook = managed(&state, &me, id).await?;
    let delivery_id = crate::webhooks::ping(&state, &hook).await?;
    Ok((StatusCode::ACCEPTED, J(json!({ "delivery_id": delivery_id }))))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct DeliveriesQuery {
    /// `pending`, `delivered` or `failed`.
    pub status: Option<String>,
    /// Deliveries older than this id (the next page).
    pub before_id: Option<i64>,
    /// 1–200, default 50.
    pub limit: Option<u64>,
}

#[derive(Serialize, ToSchema)]
pub struct DeliveryView {
    pub id: i64,
    pub event: String,
    /// `pending`, `delivered` or `failed`.
    pub status: String,
    pub attempts: i64,
    /// The last HTTP status received, if any.
    pub last_status: Option<i64>,
    pub last_error: String,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: String,
    /// When a pending delivery is tried next.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub next_attempt_at: Option<String>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub finished_at: Option<String>,
}

fn delivery_view(d: &DeliveryRow) -> DeliveryView {
    DeliveryView {
        id: d.id,
        event: d.event.clone(),
        status: d.status.clone(),
        attempts: d.attempts,
        last_status: d.last_status,
        last_error: d.last_error.clone(),
        created_at: steward_core::model::rfc3339(d.created_at),
        next_attempt_at: (d.status == "pending").then(|| steward_core::model::rfc3339(d.next_attempt_at)),
        finished_at: d.finished_at.map(steward_core::model::rfc3339),
    }
}

#[utoipa::path(get, path = "/webhooks/{id}/deliveries", tag = "webhooks", params(("id" = i64, Path), DeliveriesQuery),
    responses((status = 200, description = "`{\"deliveries\": [DeliveryView]}`, newest first")))]
pub async fn deliveries(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<DeliveriesQuery>,
) -> ApiResult<J<Value>> {
    managed(&state, &me, id).await?;
    if let Some(s) = &q.status
        && !matches!(s.as_str(), "pending" | "delivered" | "failed")
    {
        return Err(FieldError::new("status", Rule::InvalidChoice).into());
    }
    if q.limit.is_some_and(|l| !(1..=200).contains(&l)) {
        return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "out_of_range").with_field("limit"));
    }
    let f = DeliveryFilter { webhook_id: id, status: q.status, before_id: q.before_id, limit: q.limit.unwrap_or(50) };
    let list: Vec<DeliveryView> = state.store.deliveries(&f).await?.iter().map(delivery_view).collect();
    Ok(J(json!({ "deliveries": list })))
}

#[derive(Serialize, ToSchema)]
pub struct DeliveryDetail {
    pub delivery: DeliveryView,
    /// The body as sent (the same on every attempt).
    #[schema(value_type = Object)]
    pub body: Value,
    pub attempts: Vec<AttemptView>,
}

#[derive(Serialize, ToSchema)]
pub struct AttemptView {
    pub attempt: i64,
    #[schema(value_type = String, format = DateTime)]
    pub at: String,
    pub duration_ms: i64,
    /// The HTTP status; none when no answer came.
    pub status_code: Option<i64>,
    pub error: String,
    /// The first kilobyte of the receiver's answer.
    pub response: String,
}

fn attempt_view(a: &AttemptRow) -> AttemptView {
    AttemptView {
        attempt: a.attempt,
        at: steward_core::model::rfc3339(a.at),
        duration_ms: a.duration_ms,
        status_code: a.status_code,
        error: a.error.clone(),
        response: a.response.clone(),
    }
}

#[utoipa::path(get, path = "/webhooks/{id}/deliveries/{delivery_id}", tag = "webhooks",
    params(("id" = i64, Path), ("delivery_id" = i64, Path)),
    responses((status = 200, body = DeliveryDetail), (status = 404, body = ErrorBody)))]
pub async fn delivery(
    State(state): State<AppState>,
    me: CurrentUser,
    Path((id, delivery_id)): Path<(i64, i64)>,
) -> ApiResult<J<DeliveryDetail>> {
    managed(&state, &me, id).await?;
    let d = state.store.delivery(id, delivery_id).await?.ok_or_else(ApiError::not_found)?;
    let attempts = state.store.attempts(d.id).await?.iter().map(attempt_view).collect();
    let body = serde_json::from_str(&crate::webhooks::body(&d)).unwrap_or(Value::Null);
    Ok(J(DeliveryDetail { delivery: delivery_view(&d), body, attempts }))
}

#[utoipa::path(post, path = "/webhooks/{id}/deliveries/{delivery_id}/redeliver", tag = "webhooks",
    params(("id" = i64, Path), ("delivery_id" = i64, Path)),
    responses((status = 202, body = DeliveryView), (status = 404, body = ErrorBody)))]
pub async fn redeliver(
    State(state): State<AppState>,
    me: CurrentUser,
    Path((id, delivery_id)): Path<(i64, i64)>,
) -> ApiResult<(StatusCode, J<DeliveryView>)> {
    managed(&state, &me, id).await?;
    let d = state.store.redeliver(id, delivery_id).await?;
    crate::webhooks::wake(&state);
    Ok((StatusCode::ACCEPTED, J(delivery_view(&d))))
}
