//! The support desk's admin pages, each a shell whose script works over the
//! JSON API with the session: the settings page (`/support/settings`:
//! inboxes and their widget, operators, departments, shared canned
//! responses over `api/support.rs`) and the knowledge base (`/support/faq`:
//! the bot's figures, unanswered questions, a test box and the entries over
//! `api/faq.rs`). Both are for holders of `support.manage`.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use steward_core::Permission;
use steward_core::model::UserStatus;

use crate::auth::CurrentUser;
use crate::state::AppState;

/// The signed-in support manager; sends the signed-out to the sign-in page
/// (back to `path` afterwards) and refuses everyone else.
async fn manager(
    state: &AppState,
    headers: &HeaderMap,
    path: &str,
    refusal: &'static str,
) -> Result<CurrentUser, Response> {
    let me = match crate::auth::authenticate(state, headers).await {
        Ok(Some(u)) => u,
        _ => return Err(Redirect::to(&format!("/login?next={path}")).into_response()),
    };
    if !me.user.permissions().has(Permission::SupportManage) {
        return Err((StatusCode::FORBIDDEN, refusal).into_response());
    }
    Ok(me)
}

pub async fn page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let me = match manager(&state, &headers, "/support/settings", "Support settings are for support managers.").await {
        Ok(me) => me,
        Err(r) => return r,
    };
    // Bot accounts an inbox may hand its conversations to (`settings.agent_bot`).
    let bots: Vec<_> = state
        .store
        .bots()
        .await
        .unwrap_or_default()
        .iter()
        .map(|b| {
            context! { id => b.id, username => b.username, display_name => b.display_name,
            active => b.status == UserStatus::Active }
        })
        .collect();
    let integrations = me.user.permissions().has(Permission::UserManage);
    state.templates.render("support_settings.html", context! { lang => me.locale().as_str(), bots, integrations })
}

pub async fn faq_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match manager(&state, &headers, "/support/faq", "The knowledge base is for support managers.").await {
        Ok(me) => state.templates.render("support_faq.html", context! { lang => me.locale().as_str() }),
        Err(r) => r,
    }
}
