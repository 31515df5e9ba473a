//! The admin console (`/admin`): system facts, people, invite links and the
//! audit log, as server-rendered forms. Every action goes through the same
//! functions as the admin API, so the rules and the audit trail are one.

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::{Value as JValue, context};
use serde::Deserialize;
use steward_core::model::UserStatus;
use steward_core::validate::Locale;
use steward_core::{Permission, SystemRole};
use steward_store::AuditFilter;

use crate::api::admin::{self, CreateInvite};
use crate::audit::Origin;
use crate::auth::{self, CurrentUser};
use crate::client_ip::ClientIp;
use crate::error::ApiError;
use crate::i18n;
use crate::settings::{InstanceSettings, SignupPolicy};
use crate::state::AppState;
use crate::views::UserView;

#[derive(Deserialize, Default)]
pub struct AdminQuery {
    q: Option<String>,
    role: Option<String>,
    status: Option<String>,
    action: Option<String>,
    /// Part of a room name (rooms card).
    room: Option<String>,
    /// How many e-mail invites were just sent.
    sent: Option<u64>,
    /// What a retention run just removed.
    removed: Option<u64>,
    audit_removed: Option<u64>,
    ok: Option<String>,
    error: Option<String>,
}

async fn signed_in(state: &AppState, headers: &HeaderMap) -> Result<CurrentUser, Response> {
    match auth::authenticate(state, headers).await {
        Ok(Some(u)) => Ok(u),
        _ => Err(Redirect::to("/login?next=/admin").into_response()),
    }
}

fn allowed(me: &CurrentUser) -> bool {
    let p = me.user.permissions();
    [
        Permission::UserManage,
        Permission::UserDeactivate,
        Permission::UserInvite,
        Permission::AuditRead,
        Permission::RoleManage,
    ]
    .iter()
    .any(|x| p.has(*x))
}

/// The message for an error code carried in the redirect's query.
fn message(code: &str, locale: Locale) -> String {
    let key = format!("error-{}", code.replace('_', "-"));
    let known = code.len() <= 40 && code.chars().all(|c| c.is_ascii_lowercase() || c == '_') && i18n::get().has(&key);
    i18n::get().t(locale, if known { &key } else { "error-bad-request" }, None)
}

/// A link shown once on the rendered page: an invite or a password reset.
#[derive(Default)]
struct Shown {
    invite_url: Option<String>,
    reset_url: Option<String>,
    import: Option<crate::import::ImportReport>,
    /// The CSV as pasted, kept in the form after a dry run.
    import_csv: Option<String>,
}

async fn render(state: &AppState, me: &CurrentUser, q: &AdminQuery, shown: Shown, error: Option<String>) -> Response {
    let Shown { invite_url: created_url, reset_url, import, import_csv } = shown;
    let locale = me.locale();
    let perms = me.user.permissions();
    let can_users = perms.has(Permission::UserManage) || perms.has(Permission::UserDeactivate);
    let role = q.role.as_deref().and_then(|r| SystemRole::parse(r).ok());
    let status = q.status.as_deref().and_then(UserStatus::parse);
    let people = if can_users {
        state.store.list_users(q.q.as_deref().unwrap_or(""), role, status, 200).await.unwrap_or_default()
    } else {
        vec![]
    };
    let ids: Vec<i64> = people.iter().map(|u| u.id).collect();
    let mut held: HashMap<String, Vec<i64>> = HashMap::new();
    for (user, role) in state.store.custom_roles_of_many(&ids).await.unwrap_or_default() {
        held.entry(user.to_string()).or_default().push(role);
    }
    let people: Vec<UserView> = people.iter().map(|u| UserView::new(state, u, &me.user)).collect();
    let can_rooms = perms.has(Permission::RoomManageAny);
    let all_rooms = if can_rooms || perms.has(Permission::SettingsEdit) {
        state.store.all_rooms(q.room.as_deref().unwrap_or(""), 200).await.unwrap_or_default()
    } else {
        vec![]
    };
    let default_rooms = admin::default_rooms(state).await.unwrap_or_default();
    let can_roles = perms.has(Permission::RoleManage) || perms.has(Permission::UserManage);
    let custom_roles = if can_roles { state.store.custom_roles().await.unwrap_or_default() } else { vec![] };
    let permissions: Vec<JValue> = Permission::ALL
        .iter()
        .map(|p| {
            let key = format!("perm-{}", p.as_str().replace(['.', '_'], "-"));
            context! { name => p.as_str(), label => i18n::get().t(locale, &key, None), mine => perms.has(*p) }
        })
        .collect();
    let invites =
        if perms.has(Permission::UserInvite) { state.store.invites().await.unwrap_or_default() } else { vec![] };
    let audit = if perms.has(Permission::AuditRead) {
        let filter =
            AuditFilter { action: q.action.clone().filter(|a| !a.is_empty()), limit: 50, ..AuditFilter::default() };
        state.store.audit_search(&filter).await.unwrap_or_default()
    } else {
        vec![]
    };
    let mut actor_ids: Vec<i64> = audit.iter().filter_map(|e| e.actor_id).collect();
    actor_ids.sort_unstable();
    actor_ids.dedup();
    let names: HashMap<String, String> = state
        .store
        .users_by_ids(&actor_ids)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|u| (u.id.to_string(), u.display_name))
        .collect();
    let invite_roles: Vec<&str> = if perms.has(Permission::UserManage) {
        SystemRole::ALL
            .iter()
            .filter(|r| **r != SystemRole::Owner || me.user.role == SystemRole::Owner)
            .map(|r| r.as_str())
            .collect()
    } else {
        vec!["member", "guest"]
    };
    let people_count = state.store.list_users("", None, None, 1000).await.map(|u| u.len()).unwrap_or(0);
    let notice = match (q.removed, q.audit_removed) {
        (Some(m), a) => {
            let mut args = fluent_bundle::FluentArgs::new();
            args.set("messages", m);
            args.set("audit", a.unwrap_or(0));
            Some(i18n::get().t(locale, "admin-retention-done", Some(&args)))
        }
        _ => match q.sent {
            Some(n) => {
                let mut args = fluent_bundle::FluentArgs::new();
                args.set("sent", n);
                args.set("failed", 0);
                args.set("failed_list", "");
                Some(i18n::get().t(locale, "admin-invite-sent", Some(&args)))
            }
            None => q.ok.as_ref().map(|_| i18n::get().t(locale, "admin-done", None)),
        },
    };
    let error = error.or_else(|| q.error.as_deref().map(|c| message(c, locale)));
    state.templates.render(
        "admin.html",
        context! {
            lang => locale.as_str(), csrf => auth::csrf_token(&me.token),
            user => JValue::from_serialize(UserView::new(state, &me.user, &me.user)),
            system => context! {
                version => env!("CARGO_PKG_VERSION"),
                database => format!("{:?}", state.store.backend()),
                connections => state.hub.connection_count(),
                people => people_count,
                jobs => JValue::from_serialize(state.jobs.lock().unwrap_or_else(|e| e.into_inner()).clone()),
                api_per_minute => state.api_limit.per_minute(),
                gateway_per_minute => state.config.gateway_ops_per_minute,
                mail => state.mailer.is_some(),
            },
            twofa_on => state.store.users_with_2fa(&ids).await.unwrap_or_default(),
            can => context! {
                users => can_users, roles => perms.has(Permission::UserManage),
                deactivate => perms.has(Permission::UserDeactivate), invite => perms.has(Permission::UserInvite),
                audit => perms.has(Permission::AuditRead), settings => perms.has(Permission::SettingsEdit),
                manage_roles => perms.has(Permission::RoleManage), reset => perms.has(Permission::UserManage),
                rooms => can_rooms, export => perms.has(Permission::ComplianceExport),
                erase => perms.has(Permission::UserManage) && perms.has(Permission::UserDeactivate),
            },
            custom_roles => JValue::from_serialize(&custom_roles), held, permissions,
            all_rooms => JValue::from_serialize(&all_rooms), default_rooms, room_q => q.room.clone(),
            import => JValue::from_serialize(&import), import_csv, mail => state.mailer.is_some(),
            settings => JValue::from_serialize(state.settings.get()),
            roles => SystemRole::ALL.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
            invite_roles, q => q.q.clone(), role => q.role.clone(), status => q.status.clone(), action => q.action.clone(),
            people => JValue::from_serialize(&people), invites => JValue::from_serialize(&invites),
            audit => JValue::from_serialize(&audit), names, created_url, reset_url, notice, error,
        },
    )
}

pub async fn page(State(state): State<AppState>, headers: HeaderMap, Query(q): Query<AdminQuery>) -> Response {
    let me = match signed_in(&state, &headers).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    if !allowed(&me) {
        return (StatusCode::FORBIDDEN, "Administration is for administrators.").into_response();
    }
    render(&state, &me, &q, Shown::default(), None).await
}

/// The signed-in admin, the CSRF check and where the request came from.
async fn action_guard(
    state: &AppState,
    headers: &HeaderMap,
    ip: std::net::IpAddr,
    csrf: Option<&str>,
) -> Result<(CurrentUser, Origin), Response> {
    let me = signed_in(state, headers).await?;
    if csrf != Some(auth::csrf_token(&me.token).as_str()) {
        return Err((StatusCode::FORBIDDEN, "CSRF check failed: reload the page and try again").into_response());
    }
    Ok((me, Origin::new(&ip.to_string(), headers)))
}

fn outcome<T>(r: Result<T, ApiError>) -> Response {
    match r {
        Ok(_) => Redirect::to("/admin?ok=1").into_response(),
        Err(e) => Redirect::to(&format!("/admin?error={}", e.code)).into_response(),
    }
}

#[derive(Deserialize)]
pub struct RoleForm {
    csrf: Option<String>,
    role: String,
}

pub async fn set_role(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(f): Form<RoleForm>,
) -> Response {
    let (me, origin) = match action_guard(&state, &headers, ip, f.csrf.as_deref()).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    outcome(admin::change_role(&state, &me, &origin, id, &f.role).await)
}

#[derive(Deserialize)]
pub struct StatusForm {
    csrf: Option<String>,
    status: String,
}

pub async fn set_status(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(f): Form<StatusForm>,
) -> Response {
    let (me, origin) = match action_guard(&state, &headers, ip, f.csrf.as_deref()).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let status = UserStatus::parse(&f.status).unwrap_or(UserStatus::Active);
    outcome(admin::set_status(&state, &me, &origin, id, status).await)
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    csrf: Option<String>,
}

pub async fn force_logout(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(f): Form<CsrfOnly>,
) -> Response {
    let (me, origin) = match action_guard(&state, &headers, ip, f.csrf.as_deref()).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    outcome(admin::end_all_sessions(&state, &me, &origin, id).await)
}

#[derive(Deserialize)]
pub struct InviteForm {
    csrf: Option<String>,
    label: Option<String>,
    role: Option<String>,
    max_uses: Option<String>,
    expires_in_hours: Option<String>,
}

pub async fn create_invite(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Form(f): Form<InviteForm>,
) -> Response {
    let (me, origin) = match action_guard(&state, &headers, ip, f.csrf.as_deref()).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let num = |v: &Option<String>| v.as_deref().and_then(|s| s.trim().parse::<i64>().ok());
    let req = CreateInvite {
        label: f.label.clone().unwrap_or_default(),
        role: f.role.clone(),
        max_uses: num(&f.max_uses),
        expires_in_hours: num(&f.expires_in_hours),
        rooms: vec![],
    };
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost").to_string();
    match admin::make_invite(&state, &me, &origin, &host, &req).await {
        // Rendered, not redirected: the link is shown this once.
        Ok(created) => {
            let shown = Shown { invite_url: Some(created.url), ..Shown::default() };
            render(&state, &me, &AdminQuery::default(), shown, None).await
        }
        Err(e) => {
            let text = i18n::error_body(&e, me.locale())["error"]["message"].as_str().unwrap_or("").to_string();
            let mut r = render(&state, &me, &AdminQuery::default(), Shown::default(), Some(text)).await;
            *r.status_mut() = e.status;
            r
        }
    }
}

pub async fn revoke_invite(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(f): Form<CsrfOnly>,
) -> Response {
    let (me, origin) = match action_guard(&state, &headers, ip, f.csrf.as_deref()).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    outcome(admin::withdraw_invite(&state, &me, &origin, id).await)
}

/// The settings form: checkboxes arrive as repeated `require_2fa` fields.
pub async fn save_settings(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    body: String,
) -> Response {
    let fields: Vec<(String, String)> = form_urlencoded::parse(body.as_bytes()).into_owned().collect();
    let get = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let (me, origin) = match action_guard(&state, &headers, ip, get("csrf").as_deref()).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    if !me.user.permissions().has(Permission::SettingsEdit) {
        return outcome::<()>(Err(ApiError::forbidden()));
    }
    let policy = match get("signup_policy").as_deref() {
        Some("closed") => SignupPolicy::Closed,
        Some("open") => SignupPolicy::Open,
        Some("domains") => SignupPolicy::Domains,
        _ => SignupPolicy::InviteOnly,
    };
    let domains: Vec<String> = get("signup_domains")
        .unwrap_or_default()
        .split([',', ' ', ';'])
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(str::to_string)
        .collect();
    let roles: Vec<SystemRole> =
        fields.iter().filter(|(n, _)| n == "require_2fa").filter_map(|(_, v)| SystemRole::parse(v).ok()).collect();
    let default_rooms: Vec<i64> =
        fields.iter().filter(|(n, _)| n == "default_room").filter_map(|(_, v)| v.parse().ok()).collect();
    let api_rate = get("api_requests_per_minute").map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
    let api_requests_per_minute = match api_rate.map(|v| v.parse::<u32>()) {
        None => None,
        Some(Ok(n)) => Some(n),
        Some(Err(_)) => {
            let e = steward_core::FieldError::new("api_requests_per_minute", steward_core::Rule::InvalidFormat);
            return outcome::<()>(Err(e.into()));
        }
    };
    let new = InstanceSettings {
        signup_policy: policy,
        signup_domains: domains,
        require_2fa_roles: roles,
        default_rooms,
        api_requests_per_minute,
        ..state.settings.get()
    };
    outcome(admin::apply_settings(&state, &me, &origin, new).await)
}

/// The retention form: global days, pinned, audit days.
pub async fn save_retention(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    body: String,
) -> Response {
    let f = Fields::parse(&body);
    let (me, origin) = match action_guard(&state, &headers, ip, f.get("csrf").as_deref()).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let days = |k: &str| f.get(k).and_then(|v| v.trim().parse::<u32>().ok()).unwrap_or(0);
    let mut new = state.settings.get();
    new.retention.message_days = days("message_days");
    new.retention.audit_days = days("audit_days");
    new.retention.keep_pinned = f.get("keep_pinned").is_some();
    outcome(admin::apply_settings(&state, &me, &origin, new).await)
}

/// Runs the retention job now and shows what it removed.
pub async fn run_retention(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Form(f): Form<CsrfOnly>,
) -> Response {
    let (me, origin) = match action_guard(&state, &headers, ip, f.csrf.as_deref()).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    match admin::run_retention_now(&state, &me, &origin).await {
        Ok(report) => Redirect::to(&format!(
            "/admin?ok=1&removed={}&audit_removed={}#adm-retention",
            report.messages, report.audit_entries
        ))
        .into_response(),
        Err(e) => outcome::<()>(Err(e)),
    }
}

/// Repeated form fields (checkbox groups) and single ones.
struct Fields(Vec<(String, String)>);

impl Fields {
    fn parse(body: &str) -> Self {
        Fields(form_urlencoded::parse(body.as_bytes()).into_owned().collect())
    }
    fn get(&self, k: &str) -> Option<String> {
        self.0.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
    }
    fn all(&self, k: &str) -> Vec<String> {
        self.0.iter().filter(|(n, _)| n == k).map(|(_, v)| v.clone()).collect()
    }
}

fn role_input(f: &Fields) -> crate::api::roles::RoleInput {
    crate::api::roles::RoleInput {
        name: f.get("name").unwrap_or_default(),
        description: f.get("description").unwrap_or_default(),
        permissions: f.all("permission"),
    }
}

pub async fn create_role(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    body: String,
) -> Response {
    let f = Fields::parse(&body);
    let (me, origin) = match action_guard(&state, &headers, ip, f.get("csrf").as_deref()).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    outcome(crate::api::roles::create_role(&state, &me, &origin, &role_input(&f)).await)
}

pub async fn update_role(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Path(id): Path<i64>,
    body: String,
) -> Response {
    let f = Fields::parse(&body);
    let (me, origin) = match action_guard(&state, &headers, ip, f.get("csrf").as_deref()).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    outcome(crate::api::roles::update_role(&state, &me, &origin, id, &role_input(&f)).await)
}

pub async fn delete_role(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(f): Form<CsrfOnly>,
) -> Response {
    let (me, origin) = match action_guard(&state, &headers, ip, f.csrf.as_deref()).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    outcome(crate::api::roles::delete_role(&state, &me, &origin, id).await)
}

pub async fn set_custom_roles(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Path(id): Path<i64>,
    body: String,
) -> Response {
    let f = Fields::parse(&body);
    let (me, origin) = match action_guard(&state, &headers, ip, f.get("csrf").as_deref()).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let ids: Vec<i64> = f.all("role_id").iter().filter_map(|v| v.parse().ok()).collect();
    outcome(crate::api::roles::give_roles(&state, &me, &origin, id, &ids).await)
}

pub async fn reset_link(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(f): Form<CsrfOnly>,
) -> Response {
    let (me, origin) = match action_guard(&state, &headers, ip, f.csrf.as_deref()).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost").to_string();
    match admin::issue_reset_link(&state, &me, &origin, &host, id).await {
        // Rendered, not redirected: the link is shown this once.
        Ok(url) => {
            render(&state, &me, &AdminQuery::default(), Shown { reset_url: Some(url), ..Shown::default() }, None).await
        }
        Err(e) => outcome::<()>(Err(e)),
    }
}

#[derive(Deserialize)]
pub struct EraseForm {
    csrf: Option<String>,
    /// The person's username, typed to confirm.
    confirm: Option<String>,
    remove_messages: Option<String>,
}

pub async fn erase(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(f): Form<EraseForm>,
) -> Response {
    let (me, origin) = match action_guard(&state, &headers, ip, f.csrf.as_deref()).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let target = match state.store.user(id).await {
        Ok(Some(u)) => u,
        Ok(None) => return outcome::<()>(Err(ApiError::not_found())),
        Err(e) => return outcome::<()>(Err(e.into())),
    };
    if f.confirm.as_deref().map(str::trim) != Some(target.username.as_str()) {
        return outcome::<()>(Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "confirm_username")));
    }
    outcome(admin::erase_user(&state, &me, &origin, id, f.remove_messages.is_some()).await)
}

#[derive(Deserialize)]
pub struct RoomForm {
    csrf: Option<String>,
    /// `archive`, `unarchive`, `channel`, `group` or `delete`.
    op: String,
    /// The room's name, typed to confirm a deletion.
    confirm: Option<String>,
}

/// Archive, unarchive, convert or delete a room from the console.
pub async fn room_action(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(f): Form<RoomForm>,
) -> Response {
    let (me, _origin) = match action_guard(&state, &headers, ip, f.csrf.as_deref()).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let svc = crate::service::manage_access;
    let u = &me.user;
    match f.op.as_str() {
        "archive" | "unarchive" => outcome(crate::service::set_archived(&state, u, id, f.op == "archive").await),
        "channel" | "group" => outcome(crate::service::update_room(&state, u, id, None, None, Some(&f.op)).await),
        "delete" => {
            let name = match svc(&state, u, id).await {
                Ok((room, _)) => room.name,
                Err(e) => return outcome::<()>(Err(e)),
            };
            if f.confirm.as_deref().map(|c| c.trim().trim_start_matches('#')) != Some(name.as_str()) {
                return outcome::<()>(Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "confirm_room_name")));
            }
            outcome(crate::service::delete_room(&state, u, id).await)
        }
        _ => outcome::<()>(Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_choice").with_field("op"))),
    }
}

/// Bulk import from pasted CSV; a dry run shows the report and keeps the text.
pub async fn import_users(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    body: String,
) -> Response {
    let f = Fields::parse(&body);
    let (me, origin) = match action_guard(&state, &headers, ip, f.get("csrf").as_deref()).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let csv = f.get("csv").unwrap_or_default();
    let dry_run = f.get("dry_run").is_some();
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost").to_string();
    match admin::import(&state, &me, &origin, &host, &csv, dry_run).await {
        Ok(report) => {
            let keep = dry_run.then_some(csv);
            let shown = Shown { import: Some(report), import_csv: keep, ..Shown::default() };
            render(&state, &me, &AdminQuery::default(), shown, None).await
        }
        Err(e) => {
            let text = i18n::error_body(&e, me.locale())["error"]["message"].as_str().unwrap_or("").to_string();
            let shown = Shown { import_csv: Some(csv), ..Shown::default() };
            let mut r = render(&state, &me, &AdminQuery::default(), shown, Some(text)).await;
            *r.status_mut() = e.status;
            r
        }
    }
}

/// Invites by e-mail from the console: one address a line.
pub async fn email_invites(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Form(f): Form<EmailInviteForm>,
) -> Response {
    let (me, origin) = match action_guard(&state, &headers, ip, f.csrf.as_deref()).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let emails: Vec<String> = f
        .emails
        .unwrap_or_default()
        .split(['\n', ',', ';', ' '])
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(str::to_string)
        .collect();
    let req = admin::EmailInvites {
        emails,
        label: f.label.unwrap_or_default(),
        role: f.role,
        expires_in_hours: f.expires_in_hours.as_deref().and_then(|v| v.trim().parse().ok()),
        rooms: vec![],
    };
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost").to_string();
    match admin::send_invites(&state, &me, &origin, &host, &req).await {
        Ok(r) => {
            let failed: Vec<&str> = r.results.iter().filter(|x| !x.sent).map(|x| x.email.as_str()).collect();
            let mut args = fluent_bundle::FluentArgs::new();
            args.set("sent", r.results.len() - failed.len());
            args.set("failed", failed.len());
            args.set("failed_list", failed.join(", "));
            if failed.is_empty() {
                return Redirect::to(&format!("/admin?sent={}#adm-invites", r.results.len())).into_response();
            }
            // Some addresses failed: say which, on the page.
            let text = i18n::get().t(me.locale(), "admin-invite-sent", Some(&args));
            render(&state, &me, &AdminQuery::default(), Shown::default(), Some(text)).await
        }
        Err(e) => outcome::<()>(Err(e)),
    }
}

#[derive(Deserialize)]
pub struct EmailInviteForm {
    csrf: Option<String>,
    emails: Option<String>,
    label: Option<String>,
    role: Option<String>,
    expires_in_hours: Option<String>,
}
