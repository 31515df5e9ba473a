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

use crate::state::AppState;

/// Renders `template` for a support manager; sends the signed-out to the
/// sign-in page (back to `path` afterwards) and refuses everyone else.
async fn manager_page(
    state: &AppState,
    headers: &HeaderMap,
    path: &str,
    template: &str,
    refusal: &'static str,
) -> Response {
    let me = match crate::auth::authenticate(state, headers).await {
        Ok(Some(u)) => u,
        _ => return Redirect::to(&format!("/login?next={path}")).into_response(),
    };
    if !me.user.permissions().has(Permission::SupportManage) {
        return (StatusCode::FORBIDDEN, refusal).into_response();
    }
    state.templates.render(template, context! { lang => me.locale().as_str() })
}

pub async fn page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    manager_page(
        &state,
        &headers,
        "/support/settings",
        "support_settings.html",
        "Support settings are for support managers.",
    )
    .await
}

pub async fn faq_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    manager_page(&state, &headers, "/support/faq", "support_faq.html", "The knowledge base is for support managers.")
        .await
}
