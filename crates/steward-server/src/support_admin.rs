//! The support desk's settings page (`/support/settings`): inboxes and
//! their widget, operators, departments, shared canned responses. The page
//! is a shell; its script works over `api/support.rs` with the session.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use steward_core::Permission;

use crate::state::AppState;

pub async fn page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let me = match crate::auth::authenticate(&state, &headers).await {
        Ok(Some(u)) => u,
        _ => return Redirect::to("/login?next=/support/settings").into_response(),
    };
    if !me.user.permissions().has(Permission::SupportManage) {
        return (StatusCode::FORBIDDEN, "Support settings are for support managers.").into_response();
    }
    state.templates.render("support_settings.html", context! { lang => me.locale().as_str() })
}
