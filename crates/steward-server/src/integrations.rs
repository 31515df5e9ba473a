//! The integrations page (`/admin/integrations`, docs/WEBHOOKS.md): bot
//! accounts and their tokens, each bot's webhooks with their delivery log,
//! and which inboxes hand conversations to which bot. The server renders the
//! frame; `static/integrations.js` does the rest over `api/bots.rs`,
//! `api/admin.rs` (`POST /admin/bots`) and `api/webhooks.rs` with the session
//! cookie, so the rules, the same-origin check and the audit trail are the
//! API's. For holders of `users.manage`, like those APIs.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use steward_core::Permission;

use crate::i18n;
use crate::state::AppState;
use crate::webhooks::EVENTS;

/// What the script says, each `int-{name}` in the locale files. Messages
/// with a variable keep it as `{name}` for the script to fill in.
const SCRIPT_TEXT: [&str; 61] = [
    "active",
    "agent-none",
    "agent-of",
    "agent-where",
    "attempts-title",
    "body-sent",
    "bot-token-title",
    "copied",
    "copy",
    "copy-failed",
    "count-delivered",
    "count-failed",
    "count-pending",
    "create-first",
    "create-webhook",
    "deactivate",
    "deactivate-confirm",
    "deactivated",
    "deactivated-done",
    "delete-confirm",
    "deleted",
    "details",
    "expired",
    "hook-secret-title",
    "hook-secret-warning",
    "loading",
    "never",
    "never-used",
    "next-try",
    "no-answer",
    "no-attempts",
    "no-bots",
    "no-tokens",
    "off-gone",
    "off-other",
    "pause",
    "paused",
    "paused-state",
    "pinged",
    "reactivate",
    "reactivated-done",
    "redeliver",
    "redelivered",
    "response",
    "resume",
    "resumed",
    "revoke",
    "revoke-confirm",
    "revoked",
    "revoked-done",
    "rotate-confirm",
    "rotate-warning",
    "save",
    "saved",
    "secret-done",
    "st-delivered",
    "st-failed",
    "st-pending",
    "switched-off",
    "token-title",
    "token-warning",
];

pub async fn page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let me = match crate::auth::authenticate(&state, &headers).await {
        Ok(Some(u)) => u,
        _ => return Redirect::to("/login?next=/admin/integrations").into_response(),
    };
    if !me.user.permissions().has(Permission::UserManage) {
        return (StatusCode::FORBIDDEN, "Integrations are for administrators.").into_response();
    }
    // Events a webhook may subscribe to, each with its explanation key.
    let events: Vec<_> = EVENTS
        .iter()
        .filter(|e| **e != "ping")
        .map(|e| {
            let key = format!("int-ev-{}", e.replace(['.', '_'], "-"));
            context! { name => e, key, default => e.starts_with("message.") }
        })
        .collect();
    let mut args = fluent_bundle::FluentArgs::new();
    for name in ["name", "id", "reason"] {
        args.set(name, format!("{{{name}}}"));
    }
    let text: std::collections::BTreeMap<&str, String> =
        SCRIPT_TEXT.iter().map(|k| (*k, i18n::get().t(me.locale(), &format!("int-{k}"), Some(&args)))).collect();
    state.templates.render(
        "integrations.html",
        context! {
            lang => me.locale().as_str(), events, text,
            support => me.user.permissions().has(Permission::SupportManage),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_text_the_page_uses_is_translated() {
        let events = EVENTS.iter().filter(|e| **e != "ping").map(|e| format!("int-ev-{}", e.replace(['.', '_'], "-")));
        for key in SCRIPT_TEXT.iter().map(|k| format!("int-{k}")).chain(events) {
            assert!(i18n::get().has(&key), "{key} is missing from the locale files");
        }
    }
}
