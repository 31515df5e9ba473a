//! The operators' inbox (`/inbox`): one page whose script (`inbox.js`) works
//! the support desk through the same JSON API and gateway as any client
//! (docs/SUPPORT.md). The server renders the frame and hands the script what
//! it needs to start: who is signed in, their inboxes with members and
//! departments, the staff it will name, and the page's words.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use minijinja::context;
use serde::Deserialize;
use serde_json::{Value, json};
use steward_core::Permission;
use steward_core::model::{User, UserStatus};

use crate::auth;
use crate::i18n;
use crate::state::AppState;
use crate::views::UserView;
use crate::web::page_user;

/// Whether the person works the support desk: an operator of some inbox, or
/// someone who may see every conversation or set the desk up.
pub async fn is_support_staff(state: &AppState, user: &User) -> bool {
    let p = user.permissions();
    if p.has(Permission::SupportViewAll) || p.has(Permission::SupportManage) {
        return true;
    }
    matches!(state.store.operator_scope(user.id).await, Ok((inboxes, _)) if !inboxes.is_empty())
}

#[derive(Deserialize, Default)]
pub struct InboxQuery {
    /// `supervisor`: open on the live overview.
    view: Option<String>,
    /// A conversation to open.
    c: Option<String>,
}

pub async fn page(State(state): State<AppState>, headers: HeaderMap, Query(q): Query<InboxQuery>) -> Response {
    let me = match page_user(&state, &headers, "/inbox").await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let locale = me.locale();
    if !is_support_staff(&state, &me.user).await {
        let text = i18n::get().t(locale, "inbox-forbidden", None);
        let body = format!(
            "<!doctype html><html lang=\"{}\"><meta charset=utf-8><title>Steward</title><p>{}</p><p><a href=\"/\">Steward</a></p></html>",
            locale.as_str(),
            minijinja::HtmlEscape(&text)
        );
        return (StatusCode::FORBIDDEN, Html(body)).into_response();
    }
    let perms = me.user.permissions();
    let view_all = perms.has(Permission::SupportViewAll);
    let manage = perms.has(Permission::SupportManage);
    let (mine, _) = state.store.operator_scope(me.id()).await.unwrap_or_default();

    // The inboxes the person works in (all of them for supervisors), with
    // their operators and departments, for the transfer dialog.
    let mut inboxes = vec![];
    let mut people: Vec<i64> = vec![me.id()];
    for inbox in state.store.inboxes().await.unwrap_or_default() {
        if !(view_all || manage || mine.contains(&inbox.id)) {
            continue;
        }
        let members = state.store.inbox_members(inbox.id).await.unwrap_or_default();
        let departments = state.store.departments(Some(inbox.id)).await.unwrap_or_default();
        people.extend_from_slice(&members);
        inboxes.push(json!({ "id": inbox.id, "name": inbox.name, "members": members, "departments": departments }));
    }
    // Everyone the page may name as an assignee: operators, and supervisors
    // (who join, take over and are asked for help).
    let mut supervisors = vec![];
    for u in state.store.list_users("", None, Some(UserStatus::Active), 1000).await.unwrap_or_default() {
        if u.permissions().has(Permission::SupportViewAll) {
            supervisors.push(u.id);
            people.push(u.id);
        }
    }
    people.sort_unstable();
    people.dedup();
    let staff: Vec<Value> = state
        .store
        .users_by_ids(&people)
        .await
        .unwrap_or_default()
        .iter()
        .filter(|u| u.status == UserStatus::Active)
        .map(|u| json!({ "user": u.brief(), "supervisor": supervisors.contains(&u.id) }))
        .collect();

    let view = if view_all && q.view.as_deref() == Some("supervisor") { "supervisor" } else { "inbox" };
    let open = q.c.as_deref().and_then(|c| c.parse::<i64>().ok());
    let bootstrap = json!({
        "me": UserView::new(&state, &me.user, &me.user),
        "view_all": view_all,
        "manage": manage,
        "view": view,
        "open": open,
        "inboxes": inboxes,
        "staff": staff,
        "i18n": i18n::get().with_prefix(locale, "inbox-"),
    });
    // `</script>` inside the JSON must not end the data block.
    let bootstrap = bootstrap.to_string().replace('<', "\\u003c").replace('>', "\\u003e").replace('&', "\\u0026");
    state.templates.render(
        "inbox.html",
        context! {
            lang => locale.as_str(), csrf => auth::csrf_token(&me.token),
            user => minijinja::Value::from_serialize(UserView::new(&state, &me.user, &me.user)),
            view_all, view, bootstrap, manage,
        },
    )
}
