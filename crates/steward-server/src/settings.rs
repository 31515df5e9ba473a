//! Installation settings an admin changes at run time: sign-up policy and
//! which roles must use two-factor authentication. Stored as JSON in the
//! store's settings table and cached here; read on every request that needs
//! them, so they cost no query.

use std::sync::RwLock;

use serde::{Deserialize, Serialize};
use steward_core::validate::{FieldError, Rule};
use steward_core::{SystemRole, model::User};
use utoipa::ToSchema;

const KEY: &str = "instance_settings";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum SignupPolicy {
    /// Only admins create accounts (CLI, import).
    Closed,
    /// Invite links only.
    #[default]
    InviteOnly,
    /// Anyone can sign up at `/signup`.
    Open,
    /// Anyone with an e-mail address in `signup_domains` can sign up at `/signup`.
    Domains,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, Default)]
#[serde(default, deny_unknown_fields)]
pub struct InstanceSettings {
    pub signup_policy: SignupPolicy,
    /// For `domains`: e.g. `["example.com"]`.
    pub signup_domains: Vec<String>,
    /// People with these roles must turn on two-factor authentication before
    /// they can do anything else.
    pub require_2fa_roles: Vec<SystemRole>,
    /// Rooms every new person joins (besides `#general`); guests join only
    /// the rooms they were invited to.
    pub default_rooms: Vec<i64>,
    pub retention: Retention,
    /// So many warnings within so many days mute for so long.
    pub warn_ladder: crate::moderation::WarnLadder,
    /// Days before a sanctioned person may appeal again.
    pub appeal_cooldown_days: u32,
    /// Room members may read their room's modlog (`GET /rooms/{id}/modlog`).
    pub public_modlog: bool,
    /// …without the names of the moderators who acted.
    pub modlog_hide_moderators: bool,
    /// API requests per minute per session (or signed-out IP); none: the
    /// configured `STEWARD_API_REQUESTS_PER_MINUTE`. 10–100,000.
    pub api_requests_per_minute: Option<u32>,
}

/// How long messages and audit entries are kept. Run by the retention job
/// (hourly, and on demand from the console or the API).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Retention {
    /// Messages older than this many days are deleted; 0 keeps them forever.
    pub message_days: u32,
    /// Pinned messages stay whatever their age.
    pub keep_pinned: bool,
    /// Audit entries older than this many days are deleted; 0 keeps them
    /// forever, otherwise at least 30.
    pub audit_days: u32,
    /// Rooms with their own rule instead of `message_days`.
    pub rooms: Vec<RoomRetention>,
}

impl Default for Retention {
    fn default() -> Self {
        Retention { message_days: 0, keep_pinned: true, audit_days: 0, rooms: vec![] }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoomRetention {
    pub room_id: i64,
    /// 0 keeps this room's messages forever.
    pub days: u32,
    #[serde(default = "yes")]
    pub keep_pinned: bool,
}

fn yes() -> bool {
    true
}

impl Retention {
    /// Longest keep: a hundred years.
    pub const MAX_DAYS: u32 = 36_500;

    /// The rule for one room: `(days, keep_pinned)`, days 0 meaning forever.
    pub fn for_room(&self, room_id: i64) -> (u32, bool) {
        match self.rooms.iter().find(|r| r.room_id == room_id) {
            Some(r) => (r.days, r.keep_pinned),
            None => (self.message_days, self.keep_pinned),
        }
    }
}

impl InstanceSettings {
    pub fn validate(mut self) -> Result<Self, FieldError> {
        for d in &mut self.signup_domains {
            *d = d.trim().trim_start_matches('@').to_lowercase();
            let ok = d.contains('.') && d.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
            if !ok {
                return Err(FieldError::new("signup_domains", Rule::InvalidFormat));
            }
        }
        if self.signup_domains.len() > 100 {
            return Err(FieldError::with_limit("signup_domains", Rule::TooLong, 100));
        }
        if self.signup_policy == SignupPolicy::Domains && self.signup_domains.is_empty() {
            return Err(FieldError::new("signup_domains", Rule::Required));
        }
        self.require_2fa_roles.sort();
        self.require_2fa_roles.dedup();
        self.default_rooms.sort_unstable();
        self.default_rooms.dedup();
        if self.default_rooms.len() > 20 {
            return Err(FieldError::with_limit("default_rooms", Rule::TooLong, 20));
        }
        if self.api_requests_per_minute.is_some_and(|n| !(10..=100_000).contains(&n)) {
            return Err(FieldError::new("api_requests_per_minute", Rule::InvalidChoice));
        }
        let r = &mut self.retention;
        if r.message_days > Retention::MAX_DAYS || r.rooms.iter().any(|x| x.days > Retention::MAX_DAYS) {
            return Err(FieldError::with_limit("message_days", Rule::TooLong, Retention::MAX_DAYS as usize));
        }
        if r.audit_days > Retention::MAX_DAYS || (r.audit_days > 0 && r.audit_days < 30) {
            return Err(FieldError::new("audit_days", Rule::InvalidChoice));
        }
        r.rooms.sort_by_key(|x| x.room_id);
        r.rooms.dedup_by_key(|x| x.room_id);
        if r.rooms.len() > 500 {
            return Err(FieldError::with_limit("rooms", Rule::TooLong, 500));
        }
        Ok(self)
    }

    /// Every default room must exist, be a channel, group or broadcast
    /// channel, and not be archived.
    pub async fn check_rooms(&self, store: &steward_store::Store) -> crate::error::ApiResult<()> {
        let invalid = |field: &'static str| {
            crate::error::ApiError::new(axum::http::StatusCode::UNPROCESSABLE_ENTITY, "invalid_reference")
                .with_field(field)
        };
        for &id in &self.default_rooms {
            let ok = store.room(id).await?.is_some_and(|r| r.kind != steward_core::RoomKind::Direct && !r.archived);
            if !ok {
                return Err(invalid("default_rooms"));
            }
        }
        for r in &self.retention.rooms {
            if store.room(r.room_id).await?.is_none() {
                return Err(invalid("rooms"));
            }
        }
        Ok(())
    }

    pub fn requires_2fa(&self, user: &User) -> bool {
        self.require_2fa_roles.contains(&user.role)
    }

    /// May someone with this e-mail sign up at `/signup`?
    pub fn open_to(&self, email: Option<&str>) -> bool {
        match self.signup_policy {
            SignupPolicy::Open => true,
            SignupPolicy::Domains => email
                .and_then(|e| e.rsplit_once('@'))
                .is_some_and(|(_, d)| self.signup_domains.iter().any(|x| x.eq_ignore_ascii_case(d))),
            _ => false,
        }
    }
}

#[derive(Default)]
pub struct SettingsCache(RwLock<InstanceSettings>);

impl SettingsCache {
    pub fn get(&self) -> InstanceSettings {
        self.0.read().unwrap_or_else(|e| e.into_inner()).clone()
    }
    pub fn set(&self, s: InstanceSettings) {
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = s;
    }
}

pub async fn load(store: &steward_store::Store) -> anyhow::Result<InstanceSettings> {
    Ok(match store.setting(KEY).await? {
        Some(json) => serde_json::from_str(&json).unwrap_or_default(),
        None => InstanceSettings::default(),
    })
}

pub async fn save(store: &steward_store::Store, s: &InstanceSettings) -> anyhow::Result<()> {
    store.set_setting(KEY, &serde_json::to_string(s)?).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_and_validation() {
        let s = InstanceSettings {
            signup_policy: SignupPolicy::Domains,
            signup_domains: vec![" @Example.COM ".into()],
            ..Default::default()
        }
        .validate()
        .unwrap();
        assert_eq!(s.signup_domains, vec!["example.com"]);
        assert!(s.open_to(Some("anna@example.com")));
        assert!(!s.open_to(Some("anna@evil.com")));
        assert!(!s.open_to(None));
        let bad = InstanceSettings { signup_policy: SignupPolicy::Domains, ..Default::default() }.validate();
        assert_eq!(bad.unwrap_err().rule, Rule::Required);
        assert!(
            InstanceSettings { signup_domains: vec!["no spaces.com".into()], ..Default::default() }.validate().is_err()
        );
        assert!(!InstanceSettings::default().open_to(Some("a@b.c")), "invite-only by default");
    }
}
