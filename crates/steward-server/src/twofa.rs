//! TOTP two-factor authentication (RFC 6238: SHA-1, 6 digits, 30 s, ±1 step)
//! with one-time recovery codes. A code is accepted once: the store keeps
//! the last accepted step and only moves it forward. Secrets are stored
//! sealed with the installation's key (`secret.rs`), bound to their person.

use axum::http::StatusCode;
use rand::Rng;
use sha2::{Digest, Sha256};
use totp_rs::{Builder, Secret, Totp};

use steward_core::model::User;

use crate::audit::Origin;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

pub const RECOVERY_CODES: usize = 10;

fn totp(secret_b32: &str) -> Option<Totp> {
    let secret = Secret::try_from_base32(secret_b32).ok()?;
    Builder::new().with_secret(secret).build().ok()
}

fn now_secs() -> u64 {
    (steward_store::now_ms() / 1000).max(0) as u64
}

/// A new secret (base32) and the `otpauth://` link authenticator apps read.
pub fn new_secret(username: &str) -> (String, String) {
    let mut bytes = [0u8; 20];
    rand::rng().fill(&mut bytes);
    let secret = Secret::from(bytes.to_vec()).to_base32();
    let url = otpauth_url(username, &secret);
    (secret, url)
}

/// The `otpauth://` link for a secret.
pub fn otpauth_url(username: &str, secret_b32: &str) -> String {
    let label: String = username
        .bytes()
        .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect();
    format!("otpauth://totp/Steward:{label}?secret={secret_b32}&issuer=Steward&algorithm=SHA1&digits=6&period=30")
}

/// The step a code is valid for right now (±1 step of clock skew), if any.
pub fn code_step(secret_b32: &str, code: &str) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    totp(secret_b32)?.check(&code, now_secs()).map(|s| s as i64)
}

/// The code an authenticator shows now (tests, benchmarks).
pub fn current_code(secret_b32: &str) -> Option<String> {
    code_in(secret_b32, 0)
}

/// The code an authenticator will show `secs` from now (tests: a later step than one used).
pub fn code_in(secret_b32: &str, secs: u64) -> Option<String> {
    totp(secret_b32).map(|t| t.generate(now_secs() + secs).to_string())
}

pub fn hash_recovery(code: &str) -> String {
    let normal: String = code.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_lowercase()).collect();
    hex::encode(Sha256::digest(format!("steward-recovery:{normal}").as_bytes()))
}

/// Ten codes like `k3f9-x2mq`, shown once; only their hashes are kept.
pub fn new_recovery_codes() -> Vec<String> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = rand::rng();
    (0..RECOVERY_CODES)
        .map(|_| {
            let mut s = String::with_capacity(9);
            for i in 0..8 {
                if i == 4 {
                    s.push('-');
                }
                s.push(ALPHABET[rng.random_range(0..ALPHABET.len())] as char);
            }
            s
        })
        .collect()
}

/// What a person's sealed secrets are bound to, so one cannot be moved to another row.
fn seal_context(user_id: i64) -> String {
    format!("steward-totp:{user_id}")
}

fn seal(state: &AppState, user_id: i64, secret_b32: &str) -> String {
    state.secret_key.seal(&seal_context(user_id), secret_b32)
}

/// The plaintext of a stored secret; a secret the key cannot open fails
/// closed (no code is accepted) and says why in the log.
fn open(state: &AppState, user_id: i64, stored: &str) -> ApiResult<String> {
    state.secret_key.open(&seal_context(user_id), stored).map_err(|e| {
        tracing::error!(
            user_id,
            error = %e,
            "cannot decrypt this person's TOTP secret: STEWARD_SECRET_KEY or secret.key is not the key it was \
             sealed with; restore that key, or turn their 2FA off"
        );
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "totp_unavailable")
    })
}

/// Seals secrets stored in the clear by earlier versions, and reports (loudly)
/// sealed ones this key cannot open. Runs once at start, before serving.
pub async fn seal_stored_secrets(state: &AppState) -> anyhow::Result<()> {
    let (mut sealed, mut unreadable) = (0usize, 0usize);
    for (user_id, secret, pending) in state.store.totp_secrets().await? {
        for (is_pending, stored) in [(false, secret), (true, pending)] {
            let Some(stored) = stored else { continue };
            if crate::secret::is_sealed(&stored) {
                if state.secret_key.open(&seal_context(user_id), &stored).is_err() {
                    unreadable += 1;
                }
                continue;
            }
            let new = seal(state, user_id, &stored);
            if state.store.replace_totp_value(user_id, is_pending, &stored, &new).await? {
                sealed += 1;
            }
        }
    }
    if sealed > 0 {
        tracing::info!(count = sealed, "sealed TOTP secrets that were stored in the clear");
    }
    if unreadable > 0 {
        tracing::error!(
            count = unreadable,
            "TOTP secrets do not decrypt with this secret key (STEWARD_SECRET_KEY or secret.key changed?): \
             those people cannot sign in with a code until the original key is restored"
        );
    }
    Ok(())
}

/// The second factor at sign-in, for people who turned it on: a current
/// authenticator code (once) or an unused recovery code.
pub async fn verify_login(state: &AppState, user_id: i64, code: Option<&str>) -> ApiResult<()> {
    let tf = state.store.totp_state(user_id).await?;
    let Some(stored) = tf.secret else { return Ok(()) };
    let Some(code) = code.map(str::trim).filter(|c| !c.is_empty()) else {
        return Err(ApiError::new(StatusCode::UNAUTHORIZED, "totp_required").with_field("code"));
    };
    let secret = open(state, user_id, &stored)?;
    if let Some(step) = code_step(&secret, code) {
        if state.store.claim_totp_step(user_id, step).await? {
            return Ok(());
        }
        // The right code, used already: a replay.
        return Err(ApiError::new(StatusCode::UNAUTHORIZED, "totp_replayed").with_field("code"));
    }
    if code.len() <= 32 && state.store.use_recovery_code(user_id, &hash_recovery(code)).await? {
        return Ok(());
    }
    Err(ApiError::new(StatusCode::UNAUTHORIZED, "invalid_totp").with_field("code"))
}

/// Starts setup: a new pending secret, returned with its `otpauth://` link.
pub async fn begin_setup(state: &AppState, user: &User) -> ApiResult<(String, String)> {
    if state.store.totp_state(user.id).await?.secret.is_some() {
        return Err(ApiError::new(StatusCode::CONFLICT, "totp_enabled"));
    }
    let (secret, url) = new_secret(&user.username);
    state.store.set_totp_pending(user.id, Some(&seal(state, user.id, &secret))).await?;
    Ok((secret, url))
}

/// The setup in progress, if any: the pending secret and its link (to show again after a wrong code).
pub async fn pending_setup(state: &AppState, user: &User) -> ApiResult<Option<(String, String)>> {
    let Some(stored) = state.store.totp_state(user.id).await?.pending else { return Ok(None) };
    let secret = open(state, user.id, &stored)?;
    let url = otpauth_url(&user.username, &secret);
    Ok(Some((secret, url)))
}

/// Finishes setup with a code from the app; returns the recovery codes (shown once).
pub async fn confirm_setup(state: &AppState, user: &User, code: &str, origin: &Origin) -> ApiResult<Vec<String>> {
    let tf = state.store.totp_state(user.id).await?;
    let Some(stored) = tf.pending else {
        return Err(ApiError::new(StatusCode::CONFLICT, "totp_not_pending"));
    };
    let pending = open(state, user.id, &stored)?;
    let step = code_step(&pending, code)
        .ok_or_else(|| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_totp").with_field("code"))?;
    let codes = new_recovery_codes();
    let hashes: Vec<String> = codes.iter().map(|c| hash_recovery(c)).collect();
    state.store.enable_totp(user.id, &seal(state, user.id, &pending), step, &hashes).await?;
    audit_self(state, user, origin, "auth.2fa_enabled").await;
    Ok(codes)
}

/// Turns 2FA off after checking the password.
pub async fn turn_off(state: &AppState, user: &User, password: &str, origin: &Origin) -> ApiResult<()> {
    let (_, hash) = state.store.user_for_login(&user.username).await?.ok_or_else(ApiError::unauthorized)?;
    let password = password.to_string();
    let ok = tokio::task::spawn_blocking(move || crate::auth::verify_password(&password, &hash)).await.unwrap_or(false);
    if !ok {
        return Err(ApiError::new(StatusCode::FORBIDDEN, "wrong_password").with_field("password"));
    }
    state.store.disable_totp(user.id).await?;
    audit_self(state, user, origin, "auth.2fa_disabled").await;
    Ok(())
}

async fn audit_self(state: &AppState, user: &User, origin: &Origin, action: &str) {
    let event = crate::audit::Event {
        actor_id: Some(user.id),
        action,
        target_type: "user",
        target_id: Some(user.id),
        before: serde_json::Value::Null,
        after: serde_json::Value::Null,
    };
    crate::audit::record(state, origin, event).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        let (secret, url) = new_secret("anna");
        assert!(url.starts_with("otpauth://totp/Steward:anna?secret="));
        let code = current_code(&secret).unwrap();
        assert_eq!(code.len(), 6);
        assert!(code_step(&secret, &code).is_some());
        assert!(code_step(&secret, "000000").is_none() || code == "000000");
        assert!(code_step("not base32!", &code).is_none());
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), RECOVERY_CODES);
        assert_eq!(hash_recovery(&codes[0]), hash_recovery(&codes[0].to_uppercase().replace('-', " ")));
    }
}
