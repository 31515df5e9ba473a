//! Passwords (argon2id), session tokens, the authenticated-caller extractor,
//! CSRF checks for cookie sessions, and login throttling.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use axum::extract::FromRequestParts;
use axum::http::header::{AUTHORIZATION, COOKIE};
use axum::http::{HeaderMap, Method, request::Parts};
use rand::RngCore;
use sha2::{Digest, Sha256};
use steward_core::model::User;
use steward_core::validate::Locale;

use crate::error::ApiError;
use crate::state::AppState;

pub const SESSION_COOKIE: &str = "steward_session";
pub const SESSION_TTL_MS: i64 = 30 * 24 * 3600 * 1000;

fn argon2() -> Argon2<'static> {
    // OWASP's argon2id minimum: 19 MiB, 2 iterations, 1 lane.
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| anyhow::anyhow!("salt: {e}"))?;
    Ok(argon2().hash_password(password.as_bytes(), &salt).map_err(|e| anyhow::anyhow!("hash: {e}"))?.to_string())
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| argon2().verify_password(password.as_bytes(), &h).is_ok())
}

/// A hash to verify against when the account does not exist, so a wrong
/// username costs the same time as a wrong password.
pub fn dummy_hash() -> &'static str {
    static H: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    H.get_or_init(|| hash_password("steward-dummy-password").unwrap_or_default())
}

/// 32 random bytes, URL-safe base64. Only its SHA-256 is stored.
pub fn new_token() -> String {
    use base64::Engine;
    let mut b = [0u8; 32];
    rand::rng().fill_bytes(&mut b);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The CSRF token of a cookie session, for forms: derived from the session
/// token, so it needs no storage and dies with the session.
pub fn csrf_token(session_token: &str) -> String {
    hex::encode(&Sha256::digest(format!("steward-csrf:{session_token}").as_bytes())[..16])
}

pub fn cookie_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get_all(COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|kv| {
        let (k, v) = kv.trim().split_once('=')?;
        (k == name).then_some(v)
    })
}

pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers.get(AUTHORIZATION)?.to_str().ok()?.strip_prefix("Bearer ").map(str::trim)
}

/// The caller: who, how authenticated, and in which language to answer.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub user: User,
    /// The session, or 0 for an API token.
    pub session_id: i64,
    pub token: String,
    pub via_cookie: bool,
    /// Set for API tokens: the token's id and what it may do.
    pub api_token: Option<(i64, Vec<String>)>,
}

impl CurrentUser {
    pub fn locale(&self) -> Locale {
        Locale::parse(&self.user.locale).unwrap_or_default()
    }
    pub fn id(&self) -> i64 {
        self.user.id
    }
    /// Sessions may do everything their person may; API tokens only their scopes.
    pub fn allows(&self, scope: &str) -> bool {
        self.api_token.as_ref().is_none_or(|(_, scopes)| scopes.iter().any(|s| s == scope))
    }
}

/// API tokens start with this, so they are told apart from session tokens without a lookup.
pub const API_TOKEN_PREFIX: &str = "stw_";

pub const SCOPES: [&str; 3] = ["read", "write", "admin"];

/// The scope a request needs when made with an API token; `None` when tokens
/// may not do it at all (managing tokens, sessions, 2FA, one's password).
pub fn scope_for(method: &Method, path: &str) -> Option<&'static str> {
    if path.contains("/me/tokens")
        || path.contains("/me/sessions")
        || path.contains("/me/2fa")
        || path.ends_with("/auth/logout")
    {
        return None;
    }
    if path.contains("/admin/") {
        return Some("admin");
    }
    Some(if matches!(*method, Method::GET | Method::HEAD) { "read" } else { "write" })
}

/// Cookie-authenticated requests that change state must come from our own
/// pages: browsers send `Origin` (or `Sec-Fetch-Site`) with them.
pub fn same_origin(headers: &HeaderMap) -> bool {
    let host = headers.get(axum::http::header::HOST).and_then(|h| h.to_str().ok());
    if let Some(origin) = headers.get(axum::http::header::ORIGIN).and_then(|o| o.to_str().ok()) {
        let origin_host = origin.split("://").nth(1).unwrap_or("");
        return host.is_some_and(|h| h == origin_host);
    }
    match headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        Some(site) => site == "same-origin" || site == "none",
        // Neither header: not a browser, so not a cross-site forgery.
        None => true,
    }
}

pub async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<Option<CurrentUser>, ApiError> {
    let (token, via_cookie) = match bearer(headers) {
        Some(t) => (t.to_string(), false),
        None => match cookie_value(headers, SESSION_COOKIE) {
            Some(t) => (t.to_string(), true),
            None => return Ok(None),
        },
    };
    session_for_token(state, &token, via_cookie).await
}

/// True when the person's role must use 2FA and they have not turned it on.
pub async fn must_set_up_2fa(state: &AppState, user: &User) -> Result<bool, ApiError> {
    if !state.settings.get().requires_2fa(user) {
        return Ok(false);
    }
    Ok(state.store.totp_state(user.id).await?.secret.is_none())
}

pub async fn session_for_token(
    state: &AppState,
    token: &str,
    via_cookie: bool,
) -> Result<Option<CurrentUser>, ApiError> {
    if token.is_empty() || token.len() > 128 {
        return Ok(None);
    }
    if token.starts_with(API_TOKEN_PREFIX) {
        return Ok(state.store.api_token(&token_hash(token)).await?.map(|(user, t)| CurrentUser {
            user,
            session_id: 0,
            token: token.to_string(),
            via_cookie: false,
            api_token: Some((t.id, t.scopes)),
        }));
    }
    let Some(info) = state.store.session(&token_hash(token)).await? else {
        return Ok(None);
    };
    // Record activity at most once a minute per session.
    if steward_store::now_ms() - info.last_seen_at > 60_000 {
        let _ = state.store.touch_session(info.session_id).await;
    }
    Ok(Some(CurrentUser {
        user: info.user,
        session_id: info.session_id,
        token: token.to_string(),
        via_cookie,
        api_token: None,
    }))
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if let Some(u) = parts.extensions.get::<CurrentUser>() {
            return Ok(u.clone());
        }
        let user = authenticate(state, &parts.headers).await?.ok_or_else(ApiError::unauthorized)?;
        let path = parts.uri.path();
        if user.api_token.is_some() {
            let needed = scope_for(&parts.method, path);
            if needed.is_none_or(|s| !user.allows(s)) {
                return Err(ApiError::new(axum::http::StatusCode::FORBIDDEN, "token_scope").with_field("scopes"));
            }
        }
        // Roles that must use 2FA may only set it up (or leave) until they have.
        let setup_path = path.ends_with("/me") || path.contains("/me/2fa") || path.ends_with("/auth/logout");
        if !setup_path && must_set_up_2fa(state, &user.user).await? {
            return Err(ApiError::new(axum::http::StatusCode::FORBIDDEN, "totp_setup_required"));
        }
        let unsafe_method = !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        if user.via_cookie && unsafe_method && !same_origin(&parts.headers) {
            return Err(ApiError::new(axum::http::StatusCode::FORBIDDEN, "csrf_failed"));
        }
        if let Some(slot) = parts.extensions.get::<crate::api::LocaleSlot>()
            && let Ok(mut l) = slot.0.lock()
        {
            *l = Some(user.locale());
        }
        parts.extensions.insert(user.clone());
        Ok(user)
    }
}

/// One token bucket: `burst` at once, refilled at `per_sec`.
#[derive(Debug, Clone, Copy)]
pub struct Bucket {
    tokens: f64,
    at: Instant,
    burst: f64,
    per_sec: f64,
}

impl Bucket {
    pub fn new(burst: u32, per_minute: u32) -> Self {
        Bucket {
            tokens: burst as f64,
            at: Instant::now(),
            burst: burst as f64,
            per_sec: per_minute.max(1) as f64 / 60.0,
        }
    }

    /// Takes one token; on refusal returns the seconds until one is available.
    pub fn take(&mut self) -> Result<(), u64> {
        let now = Instant::now();
        self.tokens = (self.tokens + now.duration_since(self.at).as_secs_f64() * self.per_sec).min(self.burst);
        self.at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - self.tokens) / self.per_sec).ceil().max(1.0) as u64)
        }
    }

    fn is_full(&self, now: Instant) -> bool {
        self.tokens + now.duration_since(self.at).as_secs_f64() * self.per_sec >= self.burst
    }
}

/// Token buckets keyed by a string (an IP, an account).
pub struct Limiter {
    burst: std::sync::atomic::AtomicU32,
    per_minute: std::sync::atomic::AtomicU32,
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl Limiter {
    pub fn new(burst: u32, per_minute: u32) -> Self {
        Limiter { burst: burst.into(), per_minute: per_minute.into(), buckets: Mutex::new(HashMap::new()) }
    }

    /// Changes the rate at run time (the console's settings); every bucket starts afresh.
    pub fn set(&self, burst: u32, per_minute: u32) {
        use std::sync::atomic::Ordering::Relaxed;
        let mut map = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        self.burst.store(burst, Relaxed);
        self.per_minute.store(per_minute, Relaxed);
        map.clear();
    }

    pub fn per_minute(&self) -> u32 {
        self.per_minute.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Takes one token for `key`; on refusal returns the seconds to wait.
    pub fn check(&self, key: &str) -> Result<(), u64> {
        let mut map = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() > 100_000 {
            // Forget full buckets rather than grow without bound.
            let now = Instant::now();
            map.retain(|_, b| !b.is_full(now));
        }
        match map.get_mut(key) {
            Some(b) => b.take(),
            None => {
                use std::sync::atomic::Ordering::Relaxed;
                let mut b = Bucket::new(self.burst.load(Relaxed), self.per_minute.load(Relaxed));
                let r = b.take();
                map.insert(key.to_string(), b);
                r
            }
        }
    }

    /// Forgets a key (a successful login does not count against the account).
    pub fn reset(&self, key: &str) {
        self.buckets.lock().unwrap_or_else(|e| e.into_inner()).remove(key);
    }
}

pub struct LoginThrottle {
    pub per_ip: Limiter,
    pub per_account: Limiter,
}

impl Default for LoginThrottle {
    fn default() -> Self {
        // An IP (an office behind one NAT) may try 100 times at once, then 60 a
        // minute; one account 5 times, then once a minute.
        LoginThrottle { per_ip: Limiter::new(100, 60), per_account: Limiter::new(5, 1) }
    }
}

pub const fn ttl() -> Duration {
    Duration::from_millis(SESSION_TTL_MS as u64)
}
