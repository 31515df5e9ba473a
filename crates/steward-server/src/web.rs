//! Server-rendered pages (minijinja templates shipped in the binary, vendored
//! htmx, one script for the live chat). Pages use the same service functions
//! as the API; forms carry a CSRF token derived from the session.

// Page helpers return a ready `Response` as their error: that is what a page shows.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use minijinja::value::Kwargs;
use minijinja::{Environment, Value as JValue, context};
use serde::Deserialize;
use serde_json::json;
use steward_core::SystemRole;
use steward_core::validate::Locale;
use steward_store::Page;

use crate::api::users::{UpdateMeRequest, apply_profile, check_login, open_session};
use crate::auth::{self, CurrentUser, SESSION_COOKIE};
use crate::client_ip::ClientIp;
use crate::error::ApiError;
use crate::i18n;
use crate::service;
use crate::state::AppState;
use crate::views::{self, UserView};

const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../web/templates/base.html")),
    ("login.html", include_str!("../web/templates/login.html")),
    ("setup.html", include_str!("../web/templates/setup.html")),
    ("app.html", include_str!("../web/templates/app.html")),
    ("search.html", include_str!("../web/templates/search.html")),
    ("settings.html", include_str!("../web/templates/settings.html")),
    ("admin.html", include_str!("../web/templates/admin.html")),
    ("moderation.html", include_str!("../web/templates/moderation.html")),
    ("inbox.html", include_str!("../web/templates/inbox.html")),
    ("reset.html", include_str!("../web/templates/reset.html")),
    ("widget_frame.html", include_str!("../web/templates/widget_frame.html")),
    ("widget_demo.html", include_str!("../web/templates/widget_demo.html")),
    ("support_settings.html", include_str!("../web/templates/support_settings.html")),
    ("support_faq.html", include_str!("../web/templates/support_faq.html")),
    ("help.html", include_str!("../web/templates/help.html")),
    ("room_settings.html", include_str!("../web/templates/room_settings.html")),
    ("integrations.html", include_str!("../web/templates/integrations.html")),
];

pub const STATIC_FILES: &[(&str, &str, &[u8])] = &[
    ("app.css", "text/css; charset=utf-8", include_bytes!("../web/static/app.css")),
    ("app.js", "text/javascript; charset=utf-8", include_bytes!("../web/static/app.js")),
    ("inbox.js", "text/javascript; charset=utf-8", include_bytes!("../web/static/inbox.js")),
    ("htmx.min.js", "text/javascript; charset=utf-8", include_bytes!("../web/static/htmx.min.js")),
    ("favicon.svg", "image/svg+xml", include_bytes!("../web/static/favicon.svg")),
    ("widget-frame.js", "text/javascript; charset=utf-8", include_bytes!("../web/static/widget-frame.js")),
    ("widget-frame.css", "text/css; charset=utf-8", include_bytes!("../web/static/widget-frame.css")),
    ("widget-demo.css", "text/css; charset=utf-8", include_bytes!("../web/static/widget-demo.css")),
    ("support-settings.js", "text/javascript; charset=utf-8", include_bytes!("../web/static/support-settings.js")),
    ("support-faq.js", "text/javascript; charset=utf-8", include_bytes!("../web/static/support-faq.js")),
    ("integrations.js", "text/javascript; charset=utf-8", include_bytes!("../web/static/integrations.js")),
];

pub struct Templates {
    env: Environment<'static>,
}

fn translate(state: &minijinja::State, key: &str, kwargs: Kwargs) -> Result<String, minijinja::Error> {
    let lang = state.lookup("lang").and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
    let locale = Locale::parse(&lang).unwrap_or_default();
    let mut args = fluent_bundle::FluentArgs::new();
    for name in kwargs.args() {
        let v: JValue = kwargs.get(name)?;
        if let Some(n) = v.as_i64() {
            args.set(name.to_string(), n);
        } else {
            args.set(name.to_string(), v.to_string());
        }
    }
    Ok(i18n::get().t(locale, key, Some(&args)))
}

impl Templates {
    pub fn new() -> Result<Templates, minijinja::Error> {
        let mut env = Environment::new();
        for (name, src) in TEMPLATES {
            env.add_template(name, src)?;
        }
        env.add_function("t", translate);
        Ok(Templates { env })
    }

    pub fn render(&self, name: &str, ctx: JValue) -> Response {
        match self.env.get_template(name).and_then(|t| t.render(ctx)) {
            Ok(html) => Html(html).into_response(),
            Err(e) => {
                tracing::error!(error = %e, template = name, "template failed");
                (StatusCode::INTERNAL_SERVER_ERROR, "template error").into_response()
            }
        }
    }
}

fn page_locale(headers: &HeaderMap, user: Option<&CurrentUser>) -> Locale {
    user.map(|u| u.locale())
        .or_else(|| {
            headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).and_then(Locale::from_accept_language)
        })
        .unwrap_or_default()
}

fn session_cookie(state: &AppState, token: &str, max_age_secs: i64) -> HeaderValue {
    let secure = if state.config.secure_cookies() { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}"
    ))
    .unwrap_or(HeaderValue::from_static(""))
}

/// A same-site path to return to after signing in; anything else goes home.
/// Browsers drop tabs and newlines in URLs (`/\t/evil.com` is `//evil.com`),
/// so any control or space character disqualifies the path.
/// Opens a web session for someone who just proved who they are, and sends them on.
async fn signed_in_redirect(state: &AppState, user_id: i64, ip: &str, headers: &HeaderMap, to: &str) -> Response {
    match open_session(state, user_id, "web", ip, headers).await {
        Ok(token) => {
            let mut r = Redirect::to(to).into_response();
            r.headers_mut().insert(header::SET_COOKIE, session_cookie(state, &token, auth::SESSION_TTL_MS / 1000));
            r
        }
        Err(e) => e.into_response(),
    }
}

fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.contains('\\')
                && !n.chars().any(|c| c.is_control() || c.is_whitespace()) =>
        {
            n.to_string()
        }
        _ => "/".to_string(),
    }
}

/// The signed-in person for a page, or a redirect to the login page (or, for
/// roles that must use 2FA and have not, to the settings page to turn it on).
pub(crate) async fn page_user(state: &AppState, headers: &HeaderMap, path: &str) -> Result<CurrentUser, Response> {
    match auth::authenticate(state, headers).await {
        Ok(Some(u)) => {
            if path != "/settings" && matches!(auth::must_set_up_2fa(state, &u.user).await, Ok(true)) {
                return Err(Redirect::to("/settings?twofa_required=1#twofa").into_response());
            }
            Ok(u)
        }
        _ => {
            let next: String = path
                .bytes()
                .map(|b| {
                    if b.is_ascii_alphanumeric() || b"/-_.".contains(&b) {
                        (b as char).to_string()
                    } else {
                        format!("%{b:02X}")
                    }
                })
                .collect();
            Err(Redirect::to(&format!("/login?next={next}")).into_response())
        }
    }
}

pub(crate) fn check_form_csrf(me: &CurrentUser, given: Option<&str>) -> Result<(), Response> {
    if given == Some(auth::csrf_token(&me.token).as_str()) {
        Ok(())
    } else {
        Err((StatusCode::FORBIDDEN, "CSRF check failed: reload the page and try again").into_response())
    }
}

pub(crate) fn user_ctx(state: &AppState, me: &CurrentUser) -> JValue {
    JValue::from_serialize(UserView::new(state, &me.user, &me.user))
}

pub(crate) fn error_text(err: &ApiError, locale: Locale) -> String {
    i18n::error_body(err, locale)["error"]["message"].as_str().unwrap_or("").to_string()
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

pub async fn login_page(State(state): State<AppState>, headers: HeaderMap, Query(q): Query<NextQuery>) -> Response {
    if let Ok(Some(_)) = auth::authenticate(&state, &headers).await {
        return Redirect::to(&safe_next(q.next.as_deref())).into_response();
    }
    let lang = page_locale(&headers, None).as_str();
    state
        .templates
        .render("login.html", context! { lang, csrf => "", next => safe_next(q.next.as_deref()), username => "" })
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    next: Option<String>,
    code: Option<String>,
}

pub async fn login_submit(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    let locale = page_locale(&headers, None);
    if !auth::same_origin(&headers) {
        return (StatusCode::FORBIDDEN, "cross-site login refused").into_response();
    }
    let ip = ip.to_string();
    let next = safe_next(f.next.as_deref());
    let checked = match check_login(&state, &f.username, &f.password, &crate::audit::Origin::new(&ip, &headers)).await {
        Ok(user) => crate::twofa::verify_login(&state, user.id, f.code.as_deref()).await.map(|_| user),
        Err(e) => Err(e),
    };
    match checked {
        Ok(user) => signed_in_redirect(&state, user.id, &ip, &headers, &next).await,
        Err(e) => {
            let mut r = state.templates.render(
                "login.html",
                context! {
                    lang => locale.as_str(), csrf => "", next, username => f.username,
                    need_code => matches!(e.code, "totp_required" | "invalid_totp" | "totp_replayed"),
                    error => if e.code == "totp_required" { None } else { Some(error_text(&e, locale)) },
                },
            );
            *r.status_mut() = e.status;
            r
        }
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: Option<String>,
}

pub async fn logout(State(state): State<AppState>, headers: HeaderMap, Form(f): Form<CsrfForm>) -> Response {
    if let Ok(Some(me)) = auth::authenticate(&state, &headers).await {
        if let Err(r) = check_form_csrf(&me, f.csrf.as_deref()) {
            return r;
        }
        let _ = state.store.delete_session(&auth::token_hash(&me.token)).await;
        crate::events::end_session(&state, me.id(), me.session_id);
    }
    let mut r = Redirect::to("/login").into_response();
    r.headers_mut().insert(header::SET_COOKIE, session_cookie(&state, "", 0));
    r
}

// ---- first run: create the owner ----

pub const SETUP_SETTING: &str = "setup_token_hash";

async fn setup_token_valid(state: &AppState, token: &str) -> bool {
    matches!(state.store.setting(SETUP_SETTING).await, Ok(Some(h)) if h == auth::token_hash(token))
}

pub async fn setup_page(State(state): State<AppState>, headers: HeaderMap, Path(token): Path<String>) -> Response {
    if !setup_token_valid(&state, &token).await {
        return (StatusCode::NOT_FOUND, "This setup link was used already or is not valid.").into_response();
    }
    let lang = page_locale(&headers, None).as_str();
    state.templates.render("setup.html", context! { lang, token, csrf => "" })
}

#[derive(Deserialize)]
pub struct SetupForm {
    username: String,
    display_name: String,
    email: Option<String>,
    password: String,
}

pub async fn setup_submit(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Path(token): Path<String>,
    Form(f): Form<SetupForm>,
) -> Response {
    let locale = page_locale(&headers, None);
    if !setup_token_valid(&state, &token).await {
        return (StatusCode::NOT_FOUND, "This setup link was used already or is not valid.").into_response();
    }
    let account = crate::accounts::NewAccount {
        username: &f.username,
        display_name: Some(&f.display_name),
        email: f.email.as_deref(),
        password: &f.password,
        locale,
        role: SystemRole::Owner,
    };
    let result = crate::accounts::create(&state.store, account).await.map(|u| u.id);
    match result {
        Ok(user_id) => {
            let ip = ip.to_string();
            signed_in_redirect(&state, user_id, &ip, &headers, "/").await
        }
        Err(e) => {
            let mut r = state.templates.render(
                "setup.html",
                context! { lang => locale.as_str(), token, csrf => "", error => error_text(&e, locale),
                username => f.username, display_name => f.display_name, email => f.email },
            );
            *r.status_mut() = e.status;
            r
        }
    }
}

// ---- sign-up through an invite link ----

fn invite_ctx(locale: Locale, token: &str) -> (String, String, String, String) {
    let i = i18n::get();
    (
        format!("/invite/{token}"),
        i.t(locale, "signup-title", None),
        i.t(locale, "signup-lead", None),
        i.t(locale, "signup-submit", None),
    )
}

fn invite_gone(locale: Locale) -> Response {
    (
        StatusCode::NOT_FOUND,
        Html(format!(
            "<!doctype html><meta charset=utf-8><title>Steward</title><p>{}</p><p><a href=\"/login\">Steward</a></p>",
            minijinja::HtmlEscape(&i18n::get().t(locale, "signup-invalid", None))
        )),
    )
        .into_response()
}

pub async fn invite_page(State(state): State<AppState>, headers: HeaderMap, Path(token): Path<String>) -> Response {
    let locale = page_locale(&headers, None);
    let invite = match state.store.usable_invite(&auth::token_hash(&token)).await {
        Ok(Some(i)) if token.len() <= 128 => i,
        _ => return invite_gone(locale),
    };
    let (action, heading, lead, submit) = invite_ctx(locale, &token);
    // An invite sent to an address fills it in for good.
    let email_locked = invite.email.is_some();
    state.templates.render(
        "setup.html",
        context! { lang => locale.as_str(), token, csrf => "", action, heading, lead, submit, email => invite.email, email_locked },
    )
}

pub async fn invite_submit(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Path(token): Path<String>,
    Form(f): Form<SetupForm>,
) -> Response {
    let locale = page_locale(&headers, None);
    if !auth::same_origin(&headers) {
        return (StatusCode::FORBIDDEN, "cross-site sign-up refused").into_response();
    }
    let Ok(Some(invite)) = state.store.usable_invite(&auth::token_hash(&token)).await else {
        return invite_gone(locale);
    };
    if !matches!(state.store.claim_invite(invite.id).await, Ok(true)) {
        return invite_gone(locale);
    }
    let account = crate::accounts::NewAccount {
        username: &f.username,
        display_name: Some(&f.display_name),
        email: invite.email.as_deref().or(f.email.as_deref()),
        password: &f.password,
        locale,
        role: invite.role,
    };
    let user = match crate::accounts::create(&state.store, account).await {
        Ok(u) => u,
        Err(e) => {
            let _ = state.store.release_invite(invite.id).await;
            let (action, heading, lead, submit) = invite_ctx(locale, &token);
            let mut r = state.templates.render(
                "setup.html",
                context! { lang => locale.as_str(), token, csrf => "", action, heading, lead, submit, error => error_text(&e, locale),
                    username => f.username, display_name => f.display_name, email => f.email },
            );
            *r.status_mut() = e.status;
            return r;
        }
    };
    let _ = state.store.set_user_invite(user.id, invite.id).await;
    for room in &invite.rooms {
        if let Err(e) = crate::service::add_people(&state, *room, std::slice::from_ref(&user)).await {
            tracing::warn!(error = %e, room, "invite room not joined");
        }
    }
    let ip = ip.to_string();
    let event = crate::audit::Event {
        actor_id: Some(user.id),
        action: "user.signup",
        target_type: "invite",
        target_id: Some(invite.id),
        before: serde_json::Value::Null,
        after: json!({ "user_id": user.id, "label": invite.label, "role": invite.role }),
    };
    crate::audit::record(&state, &crate::audit::Origin::new(&ip, &headers), event).await;
    signed_in_redirect(&state, user.id, &ip, &headers, "/").await
}

// ---- password reset links ----

pub async fn reset_page(State(state): State<AppState>, headers: HeaderMap, Path(token): Path<String>) -> Response {
    let locale = page_locale(&headers, None);
    if token.len() > 128 || !matches!(state.store.password_reset_user(&auth::token_hash(&token)).await, Ok(Some(_))) {
        return (StatusCode::NOT_FOUND, i18n::get().t(locale, "reset-invalid", None)).into_response();
    }
    state.templates.render("reset.html", context! { lang => locale.as_str(), token, csrf => "" })
}

#[derive(Deserialize)]
pub struct ResetForm {
    password: String,
}

pub async fn reset_submit(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Path(token): Path<String>,
    Form(f): Form<ResetForm>,
) -> Response {
    let locale = page_locale(&headers, None);
    if !auth::same_origin(&headers) {
        return (StatusCode::FORBIDDEN, "cross-site reset refused").into_response();
    }
    let password = match steward_core::validate::Password::parse(&f.password) {
        Ok(p) => p,
        Err(e) => {
            let e: ApiError = e.into();
            let mut r = state.templates.render(
                "reset.html",
                context! { lang => locale.as_str(), token, csrf => "", error => error_text(&e, locale) },
            );
            *r.status_mut() = e.status;
            return r;
        }
    };
    let pw = password.expose().to_string();
    let Ok(Ok(hash)) = tokio::task::spawn_blocking(move || auth::hash_password(&pw)).await else {
        return ApiError::internal().into_response();
    };
    match state.store.use_password_reset(&auth::token_hash(&token), &hash).await {
        Ok(Some(user_id)) => {
            crate::events::disconnect_user(&state, user_id);
            let ip = ip.to_string();
            let event = crate::audit::Event::new(Some(user_id), "auth.password_reset", "user", Some(user_id));
            crate::audit::record(&state, &crate::audit::Origin::new(&ip, &headers), event).await;
            Redirect::to("/login").into_response()
        }
        Ok(None) => (StatusCode::NOT_FOUND, i18n::get().t(locale, "reset-invalid", None)).into_response(),
        Err(e) => ApiError::from(e).into_response(),
    }
}

// ---- open sign-up (when the settings allow it) ----

pub async fn signup_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let locale = page_locale(&headers, None);
    let settings = state.settings.get();
    if !matches!(settings.signup_policy, crate::settings::SignupPolicy::Open | crate::settings::SignupPolicy::Domains) {
        return invite_gone(locale);
    }
    let i = i18n::get();
    let (heading, lead, submit) =
        (i.t(locale, "signup-title", None), i.t(locale, "signup-open-lead", None), i.t(locale, "signup-submit", None));
    state.templates.render(
        "setup.html",
        context! { lang => locale.as_str(), csrf => "", action => "/signup", heading, lead, submit },
    )
}

pub async fn signup_submit(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Form(f): Form<SetupForm>,
) -> Response {
    let locale = page_locale(&headers, None);
    if !auth::same_origin(&headers) {
        return (StatusCode::FORBIDDEN, "cross-site sign-up refused").into_response();
    }
    let settings = state.settings.get();
    let email = f.email.as_deref().map(str::trim).filter(|e| !e.is_empty());
    let open =
        matches!(settings.signup_policy, crate::settings::SignupPolicy::Open | crate::settings::SignupPolicy::Domains);
    let result = if !open {
        Err(ApiError::forbidden())
    } else if !settings.open_to(email) {
        Err(ApiError::new(StatusCode::FORBIDDEN, "signup_domain").with_field("email"))
    } else {
        let account = crate::accounts::NewAccount {
            username: &f.username,
            display_name: Some(&f.display_name),
            email,
            password: &f.password,
            locale,
            role: SystemRole::Member,
        };
        crate::accounts::create(&state.store, account).await
    };
    let ip = ip.to_string();
    match result {
        Ok(user) => {
            let event = crate::audit::Event {
                actor_id: Some(user.id),
                action: "user.signup",
                target_type: "user",
                target_id: Some(user.id),
                before: serde_json::Value::Null,
                after: json!({ "open_signup": true }),
            };
            crate::audit::record(&state, &crate::audit::Origin::new(&ip, &headers), event).await;
            signed_in_redirect(&state, user.id, &ip, &headers, "/").await
        }
        Err(e) => {
            let i = i18n::get();
            let (heading, lead, submit) = (
                i.t(locale, "signup-title", None),
                i.t(locale, "signup-open-lead", None),
                i.t(locale, "signup-submit", None),
            );
            let mut r = state.templates.render(
                "setup.html",
                context! { lang => locale.as_str(), csrf => "", action => "/signup", heading, lead, submit,
                    error => error_text(&e, locale), username => f.username, display_name => f.display_name, email => f.email },
            );
            *r.status_mut() = e.status;
            r
        }
    }
}

// ---- the chat ----

pub async fn home(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let me = match page_user(&state, &headers, "/").await {
        Ok(u) => u,
        Err(r) => return r,
    };
    match views::my_room_views(&state, &me.user).await {
        Ok(rooms) if !rooms.is_empty() => {
            let first = rooms.iter().find(|r| r.unread > 0).unwrap_or(&rooms[0]);
            Redirect::to(&format!("/r/{}", first.id)).into_response()
        }
        Ok(_) => render_app(&state, &me, None).await,
        Err(e) => e.into_response(),
    }
}

pub async fn room_page(State(state): State<AppState>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let me = match page_user(&state, &headers, &format!("/r/{id}")).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let Ok(id) = id.parse::<i64>() else {
        return not_found_page(&state, &me).await;
    };
    match service::room_access(&state, &me.user, id).await {
        Ok(_) => render_app(&state, &me, Some(id)).await,
        Err(_) => not_found_page(&state, &me).await,
    }
}

async fn not_found_page(state: &AppState, me: &CurrentUser) -> Response {
    let mut r = render_app(state, me, None).await;
    *r.status_mut() = StatusCode::NOT_FOUND;
    r
}

async fn render_app(state: &AppState, me: &CurrentUser, room_id: Option<i64>) -> Response {
    let rooms = match views::my_room_views(state, &me.user).await {
        Ok(r) => r,
        Err(e) => return e.into_response(),
    };
    let mut room = None;
    let mut messages = vec![];
    let mut has_more = false;
    let mut members = vec![];
    if let Some(id) = room_id {
        let Ok(Some(r)) = state.store.room(id).await else {
            return ApiError::not_found().into_response();
        };
        room = views::room_view(state, &me.user, &r).await.ok();
        if let Ok((m, more)) = state.store.history(id, Page { limit: 50, ..Page::default() }).await {
            messages = m;
            has_more = more;
        }
        members = state.store.members(id).await.unwrap_or_default();
    }
    let locale = me.locale();
    let member_views: Vec<serde_json::Value> = members
        .iter()
        .map(|m| {
            json!({ "id": m.user.id, "username": m.user.username, "display_name": m.user.display_name,
            "avatar_color": m.user.avatar_color, "role": m.role, "presence": state.presence(m.user.id) })
        })
        .collect();
    let bootstrap = json!({
        "me": UserView::new(state, &me.user, &me.user),
        "room": room,
        "messages": messages,
        "has_more": has_more,
        "members": member_views,
        "i18n": i18n::get().with_prefix(locale, "js-"),
    });
    // `</script>` inside the JSON must not end the data block.
    let bootstrap = bootstrap.to_string().replace('<', "\\u003c").replace('>', "\\u003e").replace('&', "\\u0026");
    // The sidebar links to the support inbox for those who work it.
    let support_staff = crate::support_pages::is_support_staff(state, &me.user).await;
    state.templates.render(
        "app.html",
        context! {
            lang => locale.as_str(), csrf => auth::csrf_token(&me.token), user => user_ctx(state, me),
            rooms => JValue::from_serialize(&rooms), room => JValue::from_serialize(&room), bootstrap, support_staff,
        },
    )
}

#[derive(Deserialize)]
pub struct SearchForm {
    q: Option<String>,
    room_id: Option<String>,
}

pub async fn search_page(State(state): State<AppState>, headers: HeaderMap, Query(f): Query<SearchForm>) -> Response {
    let me = match page_user(&state, &headers, "/search").await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let locale = me.locale();
    let rooms = views::my_room_views(&state, &me.user).await.unwrap_or_default();
    let q = f.q.unwrap_or_default();
    let searched = !q.trim().is_empty();
    let room_id = f.room_id.as_deref().and_then(|r| r.parse::<i64>().ok());
    let (results, error) = if q.trim().is_empty() {
        (vec![], None)
    } else {
        let p = crate::api::search::SearchParams {
            q: q.clone(),
            room_id,
            author_id: None,
            before_id: None,
            limit: Some(50),
        };
        match crate::api::search::run(&state, &me.user, &p).await {
            Ok(r) => (r, None),
            Err(e) => (vec![], Some(error_text(&e, locale))),
        }
    };
    state.templates.render(
        "search.html",
        context! {
            lang => locale.as_str(), csrf => auth::csrf_token(&me.token), user => user_ctx(&state, &me),
            q, room_id, rooms => JValue::from_serialize(&rooms), results => JValue::from_serialize(&results), error,
            searched,
        },
    )
}

pub async fn settings_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let me = match page_user(&state, &headers, "/settings").await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let saved = q.contains_key("saved");
    let required =
        q.contains_key("twofa_required").then(|| i18n::get().t(me.locale(), "error-totp-setup-required", None));
    render_settings(&state, &me, saved, None, Vec::new(), required).await
}

async fn render_settings(
    state: &AppState,
    me: &CurrentUser,
    saved: bool,
    totp_setup: Option<(String, String)>,
    recovery_codes: Vec<String>,
    error: Option<String>,
) -> Response {
    let tf = state.store.totp_state(me.id()).await.unwrap_or_default();
    state.templates.render(
        "settings.html",
        context! {
            lang => me.locale().as_str(), csrf => auth::csrf_token(&me.token), user => user_ctx(state, me), saved, error,
            twofa => context! { enabled => tf.secret.is_some(), recovery_codes_left => tf.recovery_left },
            totp_setup => totp_setup.map(|(secret, otpauth_url)| context! { secret, otpauth_url }),
            recovery_codes,
        },
    )
}

#[derive(Deserialize)]
pub struct TwoFaForm {
    csrf: Option<String>,
    code: Option<String>,
    password: Option<String>,
}

/// `/settings/2fa/{setup,enable,disable}`: the settings page's two-factor card.
pub async fn twofa_submit(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Path(step): Path<String>,
    Form(f): Form<TwoFaForm>,
) -> Response {
    let me = match page_user(&state, &headers, "/settings").await {
        Ok(u) => u,
        Err(r) => return r,
    };
    if let Err(r) = check_form_csrf(&me, f.csrf.as_deref()) {
        return r;
    }
    let origin = crate::audit::Origin::new(&ip.to_string(), &headers);
    let result = match step.as_str() {
        "setup" => crate::twofa::begin_setup(&state, &me.user).await.map(|s| (Some(s), Vec::new())),
        "enable" => crate::twofa::confirm_setup(&state, &me.user, f.code.as_deref().unwrap_or(""), &origin)
            .await
            .map(|codes| (None, codes)),
        "disable" => crate::twofa::turn_off(&state, &me.user, f.password.as_deref().unwrap_or(""), &origin)
            .await
            .map(|_| (None, Vec::new())),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    match result {
        Ok((setup, codes)) => render_settings(&state, &me, false, setup, codes, None).await,
        Err(e) => {
            // A wrong code keeps the setup open with the same pending secret.
            let pending = if step == "enable" {
                crate::twofa::pending_setup(&state, &me.user).await.ok().flatten()
            } else {
                None
            };
            let mut r =
                render_settings(&state, &me, false, pending, Vec::new(), Some(error_text(&e, me.locale()))).await;
            *r.status_mut() = e.status;
            r
        }
    }
}

#[derive(Deserialize)]
pub struct SettingsForm {
    csrf: Option<String>,
    display_name: Option<String>,
    email: Option<String>,
    locale: Option<String>,
    avatar_color: Option<String>,
    current_password: Option<String>,
    new_password: Option<String>,
}

pub async fn settings_submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<SettingsForm>,
) -> Response {
    let me = match page_user(&state, &headers, "/settings").await {
        Ok(u) => u,
        Err(r) => return r,
    };
    if let Err(r) = check_form_csrf(&me, f.csrf.as_deref()) {
        return r;
    }
    let req = UpdateMeRequest {
        display_name: f.display_name,
        email: f.email,
        locale: f.locale,
        avatar_color: f.avatar_color,
        password: f.new_password.filter(|p| !p.is_empty()),
        current_password: f.current_password,
    };
    match apply_profile(&state, &me, &req).await {
        Ok(_) => Redirect::to("/settings?saved=1").into_response(),
        Err(e) => {
            // Re-read: the language may not have changed, the rest did not apply.
            let user = state.store.user(me.id()).await.ok().flatten().unwrap_or(me.user.clone());
            let locale = Locale::parse(&user.locale).unwrap_or_default();
            let mut r = state.templates.render(
                "settings.html",
                context! { lang => locale.as_str(), csrf => auth::csrf_token(&me.token),
                    user => JValue::from_serialize(UserView::new(&state, &user, &user)), saved => false, error => error_text(&e, locale) },
            );
            *r.status_mut() = e.status;
            r
        }
    }
}

pub async fn static_file(Path(name): Path<String>) -> Response {
    match STATIC_FILES.iter().find(|(n, _, _)| *n == name) {
        Some((_, ct, body)) => {
            let etag = format!("\"{}\"", &hex::encode(<sha2::Sha256 as sha2::Digest>::digest(body))[..16]);
            (
                [
                    (header::CONTENT_TYPE, HeaderValue::from_static(ct)),
                    (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=300")),
                    (header::ETAG, HeaderValue::from_str(&etag).unwrap_or(HeaderValue::from_static("\"0\""))),
                ],
                *body,
            )
                .into_response()
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_paths_stay_on_this_site() {
        let cases = [
            (Some("/r/5"), "/r/5"),
            (Some("/search?q=x"), "/search?q=x"),
            (Some("//evil.com"), "/"),
            (Some("/\\evil.com"), "/"),
            (Some("/\t/evil.com"), "/"),
            (Some("/\n/evil.com"), "/"),
            (Some("https://evil.com"), "/"),
            (Some("/ok path"), "/"),
            (None, "/"),
        ];
        for (input, want) in cases {
            assert_eq!(safe_next(input), want, "{input:?}");
        }
    }
}
