//! Login, logout, the caller's profile, finding people.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};
use steward_core::validate::{DisplayName, Email, Locale, Password, parse_color};
use steward_store::ProfileUpdate;
use utoipa::ToSchema;

use super::{Json, Path, Query};
use crate::api::ErrorBody;
use crate::auth::{self, CurrentUser};
use crate::client_ip::ClientIp;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::views::UserView;

#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    /// Username or e-mail address.
    pub username: String,
    pub password: String,
    /// For people with two-factor authentication: the authenticator code or a recovery code.
    pub code: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct LoginResponse {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    pub user: UserView,
}

/// Checks the throttles, then the password. Shared by the API and the login page.
pub async fn check_login(
    state: &AppState,
    login: &str,
    password: &str,
    origin: &crate::audit::Origin,
) -> ApiResult<steward_core::model::User> {
    // Checked before throttling: the throttle keys on the login, so it must be short.
    if login.chars().count() > 254 {
        return Err(steward_core::FieldError::with_limit("username", steward_core::Rule::TooLong, 254).into());
    }
    if password.len() > 4096 {
        return Err(steward_core::FieldError::with_limit("password", steward_core::Rule::TooLong, 1024).into());
    }
    let account_key = login.trim().to_lowercase();
    let ip = origin.ip.as_deref().unwrap_or("unknown");
    if let Err(wait) = state.login.per_ip.check(ip) {
        metrics::counter!("steward_login_throttled_total").increment(1);
        return Err(ApiError::too_many(wait));
    }
    if let Err(wait) = state.login.per_account.check(&account_key) {
        metrics::counter!("steward_login_throttled_total").increment(1);
        return Err(ApiError::too_many(wait));
    }
    if login.trim().is_empty() {
        return Err(steward_core::FieldError::new("username", steward_core::Rule::Required).into());
    }
    if password.is_empty() {
        return Err(steward_core::FieldError::new("password", steward_core::Rule::Required).into());
    }
    let found = state.store.user_for_login(login).await?;
    let password = password.to_string();
    let hash = found.as_ref().map(|(_, h)| h.clone()).unwrap_or_else(|| auth::dummy_hash().to_string());
    // Argon2 is deliberately slow: keep it off the async workers.
    let ok = tokio::task::spawn_blocking(move || auth::verify_password(&password, &hash)).await.unwrap_or(false);
    match found {
        Some((user, _)) if ok && user.status == steward_core::model::UserStatus::Active => {
            state.login.per_account.reset(&account_key);
            metrics::counter!("steward_logins_total", "result" => "ok").increment(1);
            let event = crate::audit::Event::new(Some(user.id), "auth.login", "user", Some(user.id));
            crate::audit::record(state, origin, event).await;
            Ok(user)
        }
        found => {
            metrics::counter!("steward_logins_total", "result" => "failed").increment(1);
            let target = found.as_ref().map(|(u, _)| u.id);
            let event = crate::audit::Event {
                actor_id: None,
                action: "auth.login_failed",
                target_type: "user",
                target_id: target,
                before: serde_json::Value::Null,
                after: serde_json::json!({ "login": login.chars().take(64).collect::<String>() }),
            };
            crate::audit::record(state, origin, event).await;
            Err(ApiError::new(StatusCode::UNAUTHORIZED, "invalid_credentials"))
        }
    }
}

/// Opens a session and returns its token.
pub async fn open_session(
    state: &AppState,
    user_id: i64,
    kind: &str,
    ip: &str,
    headers: &HeaderMap,
) -> ApiResult<String> {
    let token = auth::new_token();
    let ua = headers.get(axum::http::header::USER_AGENT).and_then(|v| v.to_str().ok());
    state.store.create_session(user_id, &auth::token_hash(&token), kind, auth::SESSION_TTL_MS, Some(ip), ua).await?;
    Ok(token)
}

#[utoipa::path(post, path = "/auth/login", tag = "auth", security(()), request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Json(req): Json<LoginRequest>,
) -> ApiResult<axum::Json<LoginResponse>> {
    let ip = ip.to_string();
    let user = check_login(&state, &req.username, &req.password, &crate::audit::Origin::new(&ip, &headers)).await?;
    crate::twofa::verify_login(&state, user.id, req.code.as_deref()).await?;
    let token = open_session(&state, user.id, "api", &ip, &headers).await?;
    Ok(axum::Json(LoginResponse { token, user: UserView::new(&state, &user, &user) }))
}

#[utoipa::path(post, path = "/auth/logout", tag = "auth", responses((status = 204), (status = 401, body = ErrorBody)))]
pub async fn logout(State(state): State<AppState>, me: CurrentUser) -> ApiResult<StatusCode> {
    state.store.delete_session(&auth::token_hash(&me.token)).await?;
    crate::events::end_session(&state, me.id(), me.session_id);
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/me", tag = "users", responses((status = 200, body = UserView), (status = 401, body = ErrorBody)))]
pub async fn me(State(state): State<AppState>, me: CurrentUser) -> axum::Json<UserView> {
    axum::Json(UserView::new(&state, &me.user, &me.user))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct UpdateMeRequest {
    pub display_name: Option<String>,
    /// An empty string removes the address.
    pub email: Option<String>,
    /// `ru` or `en`.
    pub locale: Option<String>,
    /// `#rrggbb`.
    pub avatar_color: Option<String>,
    /// To change the password, give the current one too.
    pub password: Option<String>,
    pub current_password: Option<String>,
}

/// Validates and applies a profile change. Shared by the API and the settings page.
pub async fn apply_profile(
    state: &AppState,
    me: &CurrentUser,
    req: &UpdateMeRequest,
) -> ApiResult<steward_core::model::User> {
    let mut up = ProfileUpdate::default();
    if let Some(v) = &req.display_name {
        up.display_name = Some(DisplayName::parse(v)?.into_string());
    }
    if let Some(v) = &req.email {
        up.email = Some(if v.trim().is_empty() { None } else { Some(Email::parse(v)?.as_str().to_string()) });
    }
    if let Some(v) = &req.locale {
        up.locale = Some(Locale::parse(v)?.as_str().to_string());
    }
    if let Some(v) = &req.avatar_color {
        up.avatar_color = Some(parse_color("avatar_color", v)?);
    }
    if let Some(new) = &req.password {
        let new = Password::parse(new)?;
        let current = req.current_password.clone().unwrap_or_default();
        let (_, hash) = state.store.user_for_login(&me.user.username).await?.ok_or_else(ApiError::unauthorized)?;
        let ok = tokio::task::spawn_blocking(move || auth::verify_password(&current, &hash)).await.unwrap_or(false);
        if !ok {
            return Err(ApiError::new(StatusCode::FORBIDDEN, "wrong_password").with_field("current_password"));
        }
        let pw = new.expose().to_string();
        let hash =
            tokio::task::spawn_blocking(move || auth::hash_password(&pw)).await.map_err(|e| anyhow::anyhow!(e))??;
        state.store.set_password_hash(me.id(), &hash).await?;
    }
    Ok(state.store.update_profile(me.id(), &up).await?)
}

#[utoipa::path(patch, path = "/me", tag = "users", request_body = UpdateMeRequest,
    responses((status = 200, body = UserView), (status = 422, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn update_me(
    State(state): State<AppState>,
    me: CurrentUser,
    Json(req): Json<UpdateMeRequest>,
) -> ApiResult<axum::Json<UserView>> {
    let user = apply_profile(&state, &me, &req).await?;
    Ok(axum::Json(UserView::new(&state, &user, &user)))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct UsersQuery {
    /// Part of a username or display name.
    pub q: Option<String>,
    pub limit: Option<u64>,
}

#[derive(Serialize, ToSchema)]
pub struct UsersResponse {
    pub users: Vec<UserView>,
}

#[utoipa::path(get, path = "/users", tag = "users", params(UsersQuery), responses((status = 200, body = UsersResponse)))]
pub async fn list(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(q): Query<UsersQuery>,
) -> ApiResult<axum::Json<UsersResponse>> {
    if !me.user.permissions().has(steward_core::Permission::UserList) {
        return Err(ApiError::forbidden());
    }
    let users = state.store.search_users(q.q.as_deref().unwrap_or(""), q.limit.unwrap_or(20)).await?;
    Ok(axum::Json(UsersResponse { users: users.iter().map(|u| UserView::new(&state, u, &me.user)).collect() }))
}

#[utoipa::path(get, path = "/users/{id}", tag = "users", params(("id" = i64, Path)), responses((status = 200, body = UserView), (status = 404, body = ErrorBody)))]
pub async fn get_one(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<UserView>> {
    if !me.user.permissions().has(steward_core::Permission::UserList) && id != me.id() {
        return Err(ApiError::forbidden());
    }
    let u = state.store.user(id).await?.ok_or_else(ApiError::not_found)?;
    Ok(axum::Json(UserView::new(&state, &u, &me.user)))
}

#[derive(Serialize, ToSchema)]
pub struct SessionsResponse {
    /// Most recently used first; `current` marks the one asking.
    pub sessions: Vec<steward_store::SessionRecord>,
}

#[utoipa::path(get, path = "/me/sessions", tag = "users", responses((status = 200, body = SessionsResponse)))]
pub async fn sessions(State(state): State<AppState>, me: CurrentUser) -> ApiResult<axum::Json<SessionsResponse>> {
    let mut list = state.store.sessions_of(me.id()).await?;
    for s in &mut list {
        s.current = s.id == me.session_id;
    }
    Ok(axum::Json(SessionsResponse { sessions: list }))
}

#[utoipa::path(delete, path = "/me/sessions/{id}", tag = "users", params(("id" = i64, Path)),
    responses((status = 204, description = "Signed out there; its sockets are closed"), (status = 404, body = ErrorBody)))]
pub async fn revoke_session(
    State(state): State<AppState>,
    origin: crate::audit::Origin,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    if !state.store.delete_session_of(me.id(), id).await? {
        return Err(ApiError::not_found());
    }
    crate::events::end_session(&state, me.id(), id);
    let event = crate::audit::Event::new(Some(me.id()), "auth.session_revoked", "session", Some(id));
    crate::audit::record(&state, &origin, event).await;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct TwoFactorStatus {
    pub enabled: bool,
    /// Unused recovery codes left.
    pub recovery_codes_left: i64,
}

#[utoipa::path(get, path = "/me/2fa", tag = "users", responses((status = 200, body = TwoFactorStatus)))]
pub async fn twofa_status(State(state): State<AppState>, me: CurrentUser) -> ApiResult<axum::Json<TwoFactorStatus>> {
    let tf = state.store.totp_state(me.id()).await?;
    Ok(axum::Json(TwoFactorStatus { enabled: tf.secret.is_some(), recovery_codes_left: tf.recovery_left }))
}

#[derive(Serialize, ToSchema)]
pub struct TwoFactorSetup {
    /// Base32 secret to type into an authenticator app.
    pub secret: String,
    /// The same as an `otpauth://` link (for a QR code).
    pub otpauth_url: String,
}

#[utoipa::path(post, path = "/me/2fa/setup", tag = "users",
    responses((status = 200, body = TwoFactorSetup, description = "A new secret, pending until confirmed"), (status = 409, body = ErrorBody)))]
pub async fn twofa_setup(State(state): State<AppState>, me: CurrentUser) -> ApiResult<axum::Json<TwoFactorSetup>> {
    let (secret, otpauth_url) = crate::twofa::begin_setup(&state, &me.user).await?;
    Ok(axum::Json(TwoFactorSetup { secret, otpauth_url }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TwoFactorConfirm {
    /// The code the authenticator shows now.
    pub code: String,
}

#[derive(Serialize, ToSchema)]
pub struct RecoveryCodes {
    /// Shown once: each signs in once when the authenticator is lost.
    pub recovery_codes: Vec<String>,
}

#[utoipa::path(post, path = "/me/2fa/enable", tag = "users", request_body = TwoFactorConfirm,
    responses((status = 200, body = RecoveryCodes), (status = 422, body = ErrorBody)))]
pub async fn twofa_enable(
    State(state): State<AppState>,
    origin: crate::audit::Origin,
    me: CurrentUser,
    Json(req): Json<TwoFactorConfirm>,
) -> ApiResult<axum::Json<RecoveryCodes>> {
    let codes = crate::twofa::confirm_setup(&state, &me.user, &req.code, &origin).await?;
    Ok(axum::Json(RecoveryCodes { recovery_codes: codes }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TwoFactorDisable {
    pub password: String,
}

#[utoipa::path(post, path = "/me/2fa/disable", tag = "users", request_body = TwoFactorDisable,
    responses((status = 204), (status = 403, body = ErrorBody)))]
pub async fn twofa_disable(
    State(state): State<AppState>,
    origin: crate::audit::Origin,
    me: CurrentUser,
    Json(req): Json<TwoFactorDisable>,
) -> ApiResult<StatusCode> {
    crate::twofa::turn_off(&state, &me.user, &req.password, &origin).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateToken {
    /// What it is for ("CRM sync").
    pub name: String,
    /// Any of `read`, `write`, `admin` (admin needs the matching permissions too).
    pub scopes: Vec<String>,
    /// 1–3,650; none: until revoked.
    pub expires_in_days: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedToken {
    pub token: steward_core::model::ApiToken,
    /// `stw_…`: send as `Authorization: Bearer …`. Shown only now.
    pub secret: String,
}

#[derive(Serialize, ToSchema)]
pub struct TokensResponse {
    pub tokens: Vec<steward_core::model::ApiToken>,
}

/// Validates and stores a token for a person (themselves, or a bot an admin made).
pub(crate) async fn issue_token(state: &AppState, user_id: i64, req: &CreateToken) -> ApiResult<CreatedToken> {
    let name = req.name.trim();
    if name.is_empty() {
        return Err(steward_core::FieldError::new("name", steward_core::Rule::Required).into());
    }
    if name.chars().count() > 80 {
        return Err(steward_core::FieldError::with_limit("name", steward_core::Rule::TooLong, 80).into());
    }
    let mut scopes: Vec<String> = req.scopes.iter().map(|s| s.trim().to_lowercase()).collect();
    scopes.sort();
    scopes.dedup();
    if scopes.is_empty() {
        return Err(steward_core::FieldError::new("scopes", steward_core::Rule::Required).into());
    }
    if scopes.iter().any(|s| !auth::SCOPES.contains(&s.as_str())) {
        return Err(steward_core::FieldError::new("scopes", steward_core::Rule::InvalidChoice).into());
    }
    let expires_at = match req.expires_in_days {
        None => None,
        Some(d) if (1..=3650).contains(&d) => Some(steward_store::now_ms() + d * 86_400_000),
        Some(_) => {
            return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "out_of_range").with_field("expires_in_days"));
        }
    };
    let secret = format!("{}{}", auth::API_TOKEN_PREFIX, auth::new_token());
    let token = state.store.create_api_token(user_id, name, &auth::token_hash(&secret), &scopes, expires_at).await?;
    Ok(CreatedToken { token, secret })
}

#[utoipa::path(get, path = "/me/tokens", tag = "users", responses((status = 200, body = TokensResponse)))]
pub async fn tokens(State(state): State<AppState>, me: CurrentUser) -> ApiResult<axum::Json<TokensResponse>> {
    Ok(axum::Json(TokensResponse { tokens: state.store.api_tokens_of(me.id()).await? }))
}

#[utoipa::path(post, path = "/me/tokens", tag = "users", request_body = CreateToken,
    responses((status = 201, body = CreatedToken), (status = 422, body = ErrorBody)))]
pub async fn create_token(
    State(state): State<AppState>,
    origin: crate::audit::Origin,
    me: CurrentUser,
    Json(req): Json<CreateToken>,
) -> ApiResult<(StatusCode, axum::Json<CreatedToken>)> {
    let created = issue_token(&state, me.id(), &req).await?;
    let event = crate::audit::Event {
        actor_id: Some(me.id()),
        action: "auth.token_created",
        target_type: "token",
        target_id: Some(created.token.id),
        before: serde_json::Value::Null,
        after: serde_json::json!({ "name": created.token.name, "scopes": created.token.scopes }),
    };
    crate::audit::record(&state, &origin, event).await;
    Ok((StatusCode::CREATED, axum::Json(created)))
}

#[utoipa::path(delete, path = "/me/tokens/{id}", tag = "users", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn revoke_token(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    state.store.revoke_api_token(me.id(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}
