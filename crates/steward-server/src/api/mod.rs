//! JSON API v1. Every route is listed in the OpenAPI document served at
//! `/api/v1/openapi.json`.

pub mod admin;
pub mod bots;
pub mod faq;
pub mod files;
pub mod messages;
pub mod moderation;
pub mod notes;
pub mod roles;
pub mod rooms;
pub mod search;
pub mod support;
pub mod users;
pub mod webhooks;

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::{get, post, put};
use serde::Serialize;
use serde::de::DeserializeOwned;
use steward_core::validate::Locale;
use utoipa::{OpenApi, ToSchema};

use crate::error::ApiError;
use crate::state::AppState;

/// Refuses the caller unless they hold the permission (system role plus custom roles).
pub(crate) fn require(me: &crate::auth::CurrentUser, p: steward_core::Permission) -> Result<(), ApiError> {
    if me.user.permissions().has(p) { Ok(()) } else { Err(ApiError::forbidden()) }
}

/// A file download: the body with its content type and attachment name.
pub(crate) fn download(
    content_type: &'static str,
    disposition: &'static str,
    body: impl axum::response::IntoResponse,
) -> Response {
    let mut r = body.into_response();
    r.headers_mut().insert(axum::http::header::CONTENT_TYPE, axum::http::HeaderValue::from_static(content_type));
    r.headers_mut().insert(axum::http::header::CONTENT_DISPOSITION, axum::http::HeaderValue::from_static(disposition));
    r
}

/// `upload_limit`: the largest attachment upload body, in bytes.
pub fn router(upload_limit: usize) -> Router<AppState> {
    Router::new()
        .route("/auth/login", post(users::login))
        .route("/auth/logout", post(users::logout))
        .route("/me", get(users::me).patch(users::update_me))
        .route("/me/sessions", get(users::sessions))
        .route("/me/tokens", get(users::tokens).post(users::create_token))
        .route("/me/tokens/{id}", axum::routing::delete(users::revoke_token))
        .route("/admin/bots", get(bots::list).post(admin::create_bot))
        .route("/admin/bots/{id}/tokens", get(bots::tokens).post(bots::create_token))
        .route("/admin/bots/{id}/tokens/{token_id}", axum::routing::delete(bots::revoke_token))
        .route("/me/2fa", get(users::twofa_status))
        .route("/me/2fa/setup", post(users::twofa_setup))
        .route("/me/2fa/enable", post(users::twofa_enable))
        .route("/me/2fa/disable", post(users::twofa_disable))
        .route("/me/sessions/{id}", axum::routing::delete(users::revoke_session))
        .route("/users", get(users::list))
        .route("/users/{id}", get(users::get_one))
        .route("/rooms", get(rooms::list).post(rooms::create))
        .route("/rooms/public", get(rooms::public))
        .route("/rooms/{id}", get(rooms::get_one).patch(rooms::update).delete(rooms::delete))
        .route("/rooms/{id}/members/remove", post(rooms::remove_members))
        .route("/rooms/{id}/members", get(rooms::members).post(rooms::add_members))
        .route("/rooms/{id}/policy", put(rooms::set_policy))
        .route("/rooms/{id}/notes", get(notes::list))
        .route("/rooms/{id}/notes/{name}", get(notes::get_one).put(notes::put).delete(notes::delete))
        .route("/rooms/{id}/archive", post(rooms::archive))
        .route("/rooms/{id}/unarchive", post(rooms::unarchive))
        .route("/rooms/{id}/members/{user_id}", put(rooms::set_member_role).delete(rooms::remove_member))
        .route("/rooms/{id}/join", post(rooms::join))
        .route("/rooms/{id}/leave", post(rooms::leave))
        .route("/rooms/{id}/read", post(rooms::read))
        .route("/rooms/{id}/messages", get(messages::list).post(messages::create))
        .route("/rooms/{id}/messages/{msg_id}", get(messages::get_one).patch(messages::edit).delete(messages::delete))
        .route("/rooms/{id}/messages/{msg_id}/reactions/{emoji}", put(messages::react).delete(messages::unreact))
        .route("/rooms/{id}/pins", get(messages::pins))
        .route("/rooms/{id}/pins/{msg_id}", put(messages::pin).delete(messages::unpin))
        .route("/rooms/{id}/attachments", post(files::upload).layer(axum::extract::DefaultBodyLimit::max(upload_limit)))
        .route("/attachments/{id}/{name}", get(files::download))
        .route("/search", get(search::search))
        .route("/admin/users", get(admin::users))
        .route("/admin/users/{id}", axum::routing::patch(admin::update_user))
        .route("/admin/users/{id}/deactivate", post(admin::deactivate))
        .route("/admin/users/{id}/reactivate", post(admin::reactivate))
        .route("/admin/users/{id}/logout", post(admin::force_logout))
        .route("/admin/users/{id}/reset-link", post(admin::reset_link))
        .route("/admin/users/{id}/erase", post(admin::erase))
        .route("/admin/users/{id}/roles", put(roles::set_user_roles))
        .route("/admin/users/import", post(admin::import_users))
        .route("/moderation/rules", get(moderation::rules).put(moderation::set_rules))
        .route("/moderation/try", post(moderation::try_message))
        .route("/moderation/check", post(moderation::check))
        .route("/moderation/held", get(moderation::held))
        .route("/moderation/held/{id}/approve", post(moderation::approve))
        .route("/moderation/held/{id}/reject", post(moderation::reject))
        .route("/rooms/{id}/messages/{msg_id}/report", post(moderation::report))
        .route("/moderation/cases", get(moderation::cases))
        .route("/moderation/cases/{id}/escalate", post(moderation::escalate))
        .route("/moderation/cases/resolve", post(moderation::resolve))
        .route("/moderation/sanctions", get(moderation::sanctions).post(moderation::sanction))
        .route("/moderation/sanctions/{id}/lift", post(moderation::lift))
        .route("/me/sanctions", get(moderation::my_sanctions))
        .route("/me/sanctions/{id}/appeal", post(moderation::appeal))
        .route("/moderation/appeals", get(moderation::appeals))
        .route("/moderation/appeals/{id}/decide", post(moderation::decide))
        .route("/moderation/log", get(moderation::log))
        .route("/rooms/{id}/modlog", get(moderation::room_log))
        .route("/moderation/banlists", get(moderation::ban_lists).post(moderation::create_ban_list))
        .route("/moderation/banlists/{id}", axum::routing::delete(moderation::delete_ban_list))
        .route("/moderation/banlists/{id}/entries", get(moderation::ban_entries))
        .route(
            "/moderation/banlists/{id}/entries/{user_id}",
            put(moderation::add_ban_entry).delete(moderation::remove_ban_entry),
        )
        .route("/rooms/{id}/banlists/{list_id}", put(moderation::subscribe_list).delete(moderation::unsubscribe_list))
        .route("/rooms/{id}/exemptions/{user_id}", put(moderation::exempt).delete(moderation::unexempt))
        .route("/admin/rooms", get(admin::rooms))
        .route("/admin/retention/run", post(admin::retention_run))
        .route("/admin/export", get(admin::export))
        .route("/admin/roles", get(roles::list).post(roles::create))
        .route("/admin/roles/{id}", put(roles::update).delete(roles::delete))
        .route("/admin/audit", get(admin::audit_log))
        .route("/admin/settings", get(admin::get_settings).put(admin::put_settings))
        .route("/admin/invites", get(admin::invites).post(admin::create_invite))
        .route("/admin/invites/{id}", axum::routing::delete(admin::revoke_invite))
        .route("/admin/invites/email", post(admin::email_invites))
        .route("/support/inboxes", get(support::inboxes).post(support::create_inbox))
        .route("/support/inboxes/{id}", axum::routing::patch(support::update_inbox).delete(support::delete_inbox))
        .route("/support/inboxes/{id}/secret", post(support::rotate_secret))
        .route("/support/inboxes/{id}/members", put(support::set_inbox_members))
        .route("/support/inboxes/{id}/departments", post(support::create_department))
        .route("/support/departments/{id}", axum::routing::delete(support::delete_department))
        .route("/support/departments/{id}/members", put(support::set_department_members))
        .route("/support/me", get(support::get_me).put(support::set_me))
        .route("/support/operators/{id}", put(support::set_other))
        .route("/support/overview", get(support::overview))
        .route("/support/conversations", get(support::conversations))
        .route("/support/conversations/{id}", get(support::conversation).patch(support::patch))
        .route("/support/conversations/{id}/assign", post(support::assign))
        .route("/support/conversations/{id}/accept", post(support::accept))
        .route("/support/conversations/{id}/transfer", post(support::transfer))
        .route("/support/conversations/{id}/escalate", post(support::escalate))
        .route("/support/conversations/{id}/join", post(support::join))
        .route("/support/conversations/{id}/handover", post(support::handover))
        .route("/support/conversations/{id}/status", post(support::set_status))
        .route("/support/conversations/{id}/merge", post(support::merge))
        .route("/support/conversations/{id}/messages", post(support::reply))
        .route("/support/conversations/{id}/scheduled/{sid}", axum::routing::delete(support::cancel_scheduled))
        .route("/support/conversations/{id}/macros/{macro_id}", post(support::run_macro))
        .route("/support/conversations/{id}/transcript", get(support::transcript))
        .route("/support/conversations/{id}/transcript/email", post(support::email_transcript))
        .route("/support/canned", get(support::canned).post(support::create_canned))
        .route("/support/canned/{id}", put(support::update_canned).delete(support::delete_canned))
        .route("/support/macros", get(support::macros).post(support::create_macro))
        .route("/support/macros/{id}", axum::routing::delete(support::delete_macro))
        .route("/support/export.csv", get(support::export_csv))
        .route("/support/conversations/{id}/suggestions", get(faq::suggestions))
        .route("/webhooks", get(webhooks::list).post(webhooks::create))
        .route("/webhooks/{id}", get(webhooks::get_one).patch(webhooks::update).delete(webhooks::delete))
        .route("/webhooks/{id}/secret", post(webhooks::rotate_secret))
        .route("/webhooks/{id}/ping", post(webhooks::ping))
        .route("/webhooks/{id}/deliveries", get(webhooks::deliveries))
        .route("/webhooks/{id}/deliveries/{delivery_id}", get(webhooks::delivery))
        .route("/webhooks/{id}/deliveries/{delivery_id}/redeliver", post(webhooks::redeliver))
        .route("/faq/entries", get(faq::entries).post(faq::upsert))
        .route("/faq/entries/{id}", axum::routing::delete(faq::delete))
        .route("/faq/import", post(faq::import))
        .route("/faq/export", get(faq::export))
        .route("/faq/unanswered", get(faq::unanswered))
        .route("/faq/unanswered/{id}/promote", post(faq::promote))
        .route("/faq/unanswered/{id}/dismiss", post(faq::dismiss))
        .route("/faq/ask", get(faq::ask))
        .route("/faq/stats", get(faq::stats))
        .route("/gateway", get(crate::gateway::upgrade))
        .route("/openapi.json", get(openapi))
}

#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable snake_case code, e.g. `not_found`, `too_long`, `too_many_requests`.
    pub code: String,
    /// Human text in the caller's language.
    pub message: String,
    /// The request field at fault, when there is one.
    pub field: Option<String>,
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Steward API", version = "1", description = "Steward's JSON API. Authenticate with `Authorization: Bearer <token>` from `POST /api/v1/auth/login`. Errors are `{\"error\":{\"code\",\"message\",\"field\"?}}`. Real-time events come over the WebSocket at `/api/v1/gateway` (see docs/GATEWAY.md)."),
    servers((url = "/api/v1")),
    paths(
        users::login, users::logout, users::me, users::update_me, users::list, users::get_one,
        users::sessions, users::revoke_session, admin::force_logout,
        users::twofa_status, users::twofa_setup, users::twofa_enable, users::twofa_disable,
        rooms::list, rooms::create, rooms::public, rooms::get_one, rooms::update, rooms::set_policy, rooms::members, rooms::add_members,
        rooms::join, rooms::leave, rooms::read, rooms::archive, rooms::unarchive, rooms::remove_member, rooms::set_member_role,
        rooms::delete, rooms::remove_members, notes::list, notes::get_one, notes::put, notes::delete,
        messages::list, messages::create, messages::get_one, messages::edit, messages::delete,
        messages::react, messages::unreact, messages::pins, messages::pin, messages::unpin,
        files::upload, files::download, search::search, crate::gateway::upgrade,
        admin::users, admin::update_user, admin::deactivate, admin::reactivate, admin::audit_log,
        admin::create_invite, admin::invites, admin::revoke_invite, admin::get_settings, admin::put_settings,
        admin::reset_link, admin::erase, admin::create_bot, bots::list, bots::tokens, bots::create_token, bots::revoke_token,
        users::tokens, users::create_token, users::revoke_token,
        roles::list, roles::create, roles::update, roles::delete, roles::set_user_roles, admin::rooms,
        admin::retention_run, admin::export, admin::import_users, admin::email_invites,
        moderation::rules, moderation::set_rules, moderation::try_message, moderation::check, moderation::held, moderation::approve,
        moderation::reject, moderation::report, moderation::cases, moderation::escalate, moderation::resolve,
        moderation::sanction, moderation::sanctions, moderation::lift, moderation::my_sanctions, moderation::appeal,
        moderation::appeals, moderation::decide, moderation::log, moderation::room_log,
        moderation::ban_lists, moderation::create_ban_list, moderation::delete_ban_list, moderation::ban_entries,
        moderation::add_ban_entry, moderation::remove_ban_entry, moderation::subscribe_list, moderation::unsubscribe_list,
        moderation::exempt, moderation::unexempt,
        support::inboxes, support::create_inbox, support::update_inbox, support::delete_inbox, support::rotate_secret,
        support::set_inbox_members, support::create_department, support::delete_department, support::set_department_members,
        support::get_me, support::set_me, support::set_other, support::overview, support::conversations, support::conversation,
        support::assign, support::accept, support::transfer, support::escalate, support::join, support::handover, support::set_status, support::patch,
        support::merge, support::reply, support::cancel_scheduled, support::canned, support::create_canned, support::update_canned,
        support::delete_canned, support::macros, support::create_macro, support::delete_macro, support::run_macro,
        support::transcript, support::email_transcript, support::export_csv,
        webhooks::list, webhooks::create, webhooks::get_one, webhooks::update, webhooks::delete,
        webhooks::rotate_secret, webhooks::ping, webhooks::deliveries, webhooks::delivery, webhooks::redeliver,
        faq::entries, faq::upsert, faq::delete, faq::import, faq::export, faq::unanswered, faq::promote, faq::dismiss,
        faq::ask, faq::stats, faq::suggestions,
    ),
    components(schemas(ErrorBody, ErrorDetail)),
    modifiers(&BearerAuth),
)]
pub struct ApiDoc;

struct BearerAuth;
impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        openapi.security =
            Some(vec![utoipa::openapi::security::SecurityRequirement::new("bearer", Vec::<String>::new())]);
    }
}

async fn openapi() -> axum::Json<utoipa::openapi::OpenApi> {
    axum::Json(ApiDoc::openapi())
}

/// Per-caller request budget: a flooding token (or signed-out IP) gets 429
/// with `Retry-After` while everyone else goes on. The gateway and login have
/// their own limits.
pub async fn rate_limit(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path();
    if path.ends_with("/gateway") || path.ends_with("/openapi.json") || path.ends_with("/ws") {
        return next.run(req).await;
    }
    let key = match crate::auth::bearer(req.headers())
        .or_else(|| crate::auth::cookie_value(req.headers(), crate::auth::SESSION_COOKIE))
    {
        Some(token) => format!("t:{}", &crate::auth::token_hash(token)[..24]),
        None => {
            // The address `client_ip::layer` resolved (a trusted proxy's client, else the peer).
            let ip = req.extensions().get::<crate::client_ip::ClientIp>().map(|c| c.0.to_string()).unwrap_or_default();
            format!("ip:{ip}")
        }
    };
    if let Err(wait) = state.api_limit.check(&key) {
        metrics::counter!("steward_api_rate_limited_total").increment(1);
        return axum::response::IntoResponse::into_response(ApiError::too_many(wait));
    }
    next.run(req).await
}

/// Where the authenticated caller's language is left for `localize_errors`.
#[derive(Clone, Default)]
pub struct LocaleSlot(pub Arc<Mutex<Option<Locale>>>);

/// Renders API error bodies in the caller's language: their profile's, else
/// `Accept-Language`, else English.
pub async fn localize_errors(mut req: Request, next: Next) -> Response {
    let slot = LocaleSlot::default();
    req.extensions_mut().insert(slot.clone());
    let accept = req
        .headers()
        .get(axum::http::header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(Locale::from_accept_language);
    let mut resp = next.run(req).await;
    if let Some(err) = resp.extensions_mut().remove::<ApiError>() {
        let locale = slot.0.lock().ok().and_then(|l| *l).or(accept).unwrap_or_default();
        if locale != Locale::En {
            let body = crate::i18n::error_body(&err, locale);
            let headers = resp.headers().clone();
            let status = resp.status();
            let mut fresh = (status, axum::Json(body)).into_response_with(headers);
            std::mem::swap(&mut resp, &mut fresh);
        }
    }
    resp
}

trait IntoResponseWith {
    fn into_response_with(self, headers: axum::http::HeaderMap) -> Response;
}
impl<T: axum::response::IntoResponse> IntoResponseWith for T {
    fn into_response_with(self, headers: axum::http::HeaderMap) -> Response {
        let mut r = self.into_response();
        for (k, v) in headers.iter() {
            if k != axum::http::header::CONTENT_LENGTH {
                r.headers_mut().insert(k.clone(), v.clone());
            }
        }
        r
    }
}

/// Pulls the field name out of serde's message ("missing field `body`",
/// "body: invalid type …").
fn serde_field(text: &str) -> String {
    if let Some(rest) = text.split("missing field `").nth(1) {
        return rest.split('`').next().unwrap_or("body").to_string();
    }
    if let Some(rest) = text.split("unknown field `").nth(1) {
        return rest.split('`').next().unwrap_or("body").to_string();
    }
    let detail = text.split("target type: ").nth(1).unwrap_or(text);
    match detail.split_once(": ") {
        Some((path, _)) if !path.contains(' ') && path != "." => path.to_string(),
        _ => "body".to_string(),
    }
}

/// `Json<T>` whose rejections speak the API's error format.
pub struct Json<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Json<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Json(v)),
            Err(JsonRejection::JsonDataError(e)) => {
                Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field")
                    .with_field(serde_field(&e.body_text())))
            }
            Err(JsonRejection::MissingJsonContentType(_)) => {
                Err(ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "expected_json"))
            }
            Err(JsonRejection::BytesRejection(_)) => {
                Err(ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"))
            }
            Err(_) => Err(ApiError::new(StatusCode::BAD_REQUEST, "invalid_json")),
        }
    }
}

/// `Path<T>` with API-format rejections.
pub struct Path<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Path<T> {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(Path(v)),
            Err(PathRejection::FailedToDeserializePathParams(e)) => {
                let text = e.body_text();
                let field = text.split('`').nth(1).unwrap_or("path").to_string();
                Err(ApiError::new(StatusCode::BAD_REQUEST, "invalid_path").with_field(field))
            }
            Err(_) => Err(ApiError::new(StatusCode::BAD_REQUEST, "invalid_path")),
        }
    }
}

/// `Query<T>` with API-format rejections.
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(Query(v)),
            Err(QueryRejection::FailedToDeserializeQueryString(e)) => {
                let text = e.body_text();
                Err(ApiError::new(StatusCode::BAD_REQUEST, "invalid_query").with_field(serde_field(&text)))
            }
            Err(_) => Err(ApiError::new(StatusCode::BAD_REQUEST, "invalid_query")),
        }
    }
}
