//! Creating accounts: one path for the setup page, the CLI and (later) invites.

use steward_core::SystemRole;
use steward_core::model::User;
use steward_core::validate::{DisplayName, Email, Locale, Password, Username, default_avatar_color};
use steward_store::{NewUser, Store};

use crate::auth;
use crate::error::{ApiError, ApiResult};

pub struct NewAccount<'a> {
    pub username: &'a str,
    /// Defaults to the username when empty.
    pub display_name: Option<&'a str>,
    /// Empty means none.
    pub email: Option<&'a str>,
    pub password: &'a str,
    pub locale: Locale,
    pub role: SystemRole,
}

/// Validates, hashes the password off the async workers, stores the person,
/// and puts them where they belong: an owner gets `#general` (created once)
/// and closes the setup link; everyone but guests joins the default rooms.
pub async fn create(store: &Store, a: NewAccount<'_>) -> ApiResult<User> {
    let checked = check(&a)?;
    let password = Password::parse(a.password)?;
    let pw = password.expose().to_string();
    let hash =
        tokio::task::spawn_blocking(move || auth::hash_password(&pw)).await.map_err(|e| anyhow::anyhow!(e))??;
    insert(store, checked, hash, a.role, a.locale).await
}

/// Like [`create`] but with no password: nobody can sign in as them until a
/// reset link sets one (bulk import hands those links out).
pub async fn create_passwordless(store: &Store, a: NewAccount<'_>) -> ApiResult<User> {
    let checked = check(&a)?;
    insert(store, checked, "!".into(), a.role, a.locale).await
}

/// A new account's validated names.
pub struct Checked {
    pub username: Username,
    pub display: DisplayName,
    pub email: Option<Email>,
}

/// Validates everything but the password.
pub fn check(a: &NewAccount<'_>) -> ApiResult<Checked> {
    let username = Username::parse(a.username)?;
    let display = DisplayName::parse(a.display_name.filter(|d| !d.trim().is_empty()).unwrap_or(username.as_str()))?;
    let email = a.email.filter(|e| !e.trim().is_empty()).map(Email::parse).transpose()?;
    Ok(Checked { username, display, email })
}

async fn insert(store: &Store, c: Checked, hash: String, role: SystemRole, locale: Locale) -> ApiResult<User> {
    let user = store
        .create_user(&NewUser {
            avatar_color: default_avatar_color(c.username.as_str()).to_string(),
            username: c.username.as_str().to_string(),
            display_name: c.display.into_string(),
            email: c.email.map(|e| e.as_str().to_string()),
            password_hash: hash,
            locale: locale.as_str().to_string(),
            role,
        })
        .await?;
    if role == SystemRole::Owner {
        crate::ensure_general_room(store, user.id).await?;
        store.delete_setting(crate::web::SETUP_SETTING).await?;
    }
    if role != SystemRole::Guest {
        crate::join_default_room(store, user.id).await?;
    }
    Ok(user)
}

/// The error as one English line, for the command line.
pub fn describe(err: &ApiError) -> String {
    crate::i18n::error_body(err, Locale::En)["error"]["message"].as_str().unwrap_or(err.code).to_string()
}
