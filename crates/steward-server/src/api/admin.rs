//! Administration: people (list, role, deactivate, reactivate) and the audit log.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;
use steward_core::model::UserStatus;
use steward_core::{Permission, SystemRole};
use steward_store::{AuditEntry, AuditFilter};
use utoipa::ToSchema;

use super::{Json, Path, Query};
use crate::api::ErrorBody;
use crate::audit::{self, Event, Origin};
use crate::auth::{self, CurrentUser};
use crate::client_ip::ClientIp;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::views::UserView;

use super::{download, require};

#[derive(Deserialize, utoipa::IntoParams)]
pub struct AdminUsersQuery {
    /// Part of a username, display name or e-mail.
    pub q: Option<String>,
    pub role: Option<String>,
    /// `active` or `deactivated`.
    pub status: Option<String>,
    pub limit: Option<u64>,
}

#[derive(Serialize, ToSchema)]
pub struct AdminUsersResponse {
    pub users: Vec<UserView>,
    /// Which of these people hold which custom roles.
    pub custom_roles: Vec<RoleHolding>,
}

#[derive(Serialize, ToSchema)]
pub struct RoleHolding {
    pub user_id: i64,
    pub role_id: i64,
}

#[utoipa::path(get, path = "/admin/users", tag = "admin", params(AdminUsersQuery),
    responses((status = 200, body = AdminUsersResponse), (status = 403, body = ErrorBody)))]
pub async fn users(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(q): Query<AdminUsersQuery>,
) -> ApiResult<axum::Json<AdminUsersResponse>> {
    let perms = me.user.permissions();
    if !perms.has(Permission::UserManage) && !perms.has(Permission::UserDeactivate) {
        return Err(ApiError::forbidden());
    }
    let role = q.role.as_deref().map(SystemRole::parse).transpose()?;
    let status = match q.status.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(UserStatus::parse(s).ok_or_else(|| {
            ApiError::from(steward_core::FieldError::new("status", steward_core::Rule::InvalidChoice))
        })?),
    };
    let list = state.store.list_users(q.q.as_deref().unwrap_or(""), role, status, q.limit.unwrap_or(200)).await?;
    let ids: Vec<i64> = list.iter().map(|u| u.id).collect();
    let custom_roles = state
        .store
        .custom_roles_of_many(&ids)
        .await?
        .into_iter()
        .map(|(user_id, role_id)| RoleHolding { user_id, role_id })
        .collect();
    Ok(axum::Json(AdminUsersResponse {
        users: list.iter().map(|u| UserView::new(&state, u, &me.user)).collect(),
        custom_roles,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdminUserUpdate {
    /// owner, admin, moderator, supervisor, operator, member or guest. Only owners grant or take away `owner`.
    pub role: String,
}

#[utoipa::path(patch, path = "/admin/users/{id}", tag = "admin", params(("id" = i64, Path)), request_body = AdminUserUpdate,
    responses((status = 200, body = UserView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn update_user(
    State(state): State<AppState>,
    origin: crate::audit::Origin,
    me: CurrentUser,
    Path(id): Path<i64>,
    Json(req): Json<AdminUserUpdate>,
) -> ApiResult<axum::Json<UserView>> {
    let updated = change_role(&state, &me, &origin, id, &req.role).await?;
    Ok(axum::Json(UserView::new(&state, &updated, &me.user)))
}

/// Gives someone a system role (only owners make or unmake owners; the last owner stays).
pub(crate) async fn change_role(
    state: &AppState,
    me: &CurrentUser,
    origin: &Origin,
    id: i64,
    role: &str,
) -> ApiResult<steward_core::model::User> {
    require(me, Permission::UserManage)?;
    let role = SystemRole::parse(role)?;
    let target = state.store.user(id).await?.ok_or_else(ApiError::not_found)?;
    let touches_owner = role == SystemRole::Owner || target.role == SystemRole::Owner;
    if touches_owner && me.user.role != SystemRole::Owner {
        return Err(ApiError::forbidden());
    }
    if target.role == SystemRole::Owner
        && role != SystemRole::Owner
        && state.store.count_users_with_role(SystemRole::Owner).await? <= 1
    {
        return Err(ApiError::new(StatusCode::CONFLICT, "last_owner"));
    }
    let updated = state.store.set_user_role(id, role).await?;
    crate::events::refresh_user(state, id);
    audit::record(
        state,
        origin,
        Event {
            actor_id: Some(me.id()),
            action: "user.role",
            target_type: "user",
            target_id: Some(id),
            before: json!({ "role": target.role }),
            after: json!({ "role": role }),
        },
    )
    .await;
    Ok(updated)
}

pub(crate) async fn set_status(
    state: &AppState,
    me: &CurrentUser,
    origin: &Origin,
    id: i64,
    status: UserStatus,
) -> ApiResult<axum::Json<UserView>> {
    require(me, Permission::UserDeactivate)?;
    let target = state.store.user(id).await?.ok_or_else(ApiError::not_found)?;
    if target.id == me.id() {
        return Err(ApiError::new(StatusCode::CONFLICT, "cannot_deactivate_self"));
    }
    if target.role == SystemRole::Owner && me.user.role != SystemRole::Owner {
        return Err(ApiError::forbidden());
    }
    if target.status != status {
        // Deactivation removes every session in the same transaction.
        state.store.set_user_status(id, status).await?;
        if status == UserStatus::Deactivated {
            crate::events::disconnect_user(state, id);
        }
        let action = if status == UserStatus::Deactivated { "user.deactivate" } else { "user.reactivate" };
        audit::record(
            state,
            origin,
            Event {
                actor_id: Some(me.id()),
                action,
                target_type: "user",
                target_id: Some(id),
                before: json!({ "status": target.status }),
                after: json!({ "status": status }),
            },
        )
        .await;
    }
    let now = state.store.user(id).await?.ok_or_else(ApiError::not_found)?;
    Ok(axum::Json(UserView::new(state, &now, &me.user)))
}

#[utoipa::path(post, path = "/admin/users/{id}/deactivate", tag = "admin", params(("id" = i64, Path)),
    responses((status = 200, body = UserView, description = "Deactivated: every session and gateway connection ended"), (status = 403, body = ErrorBody)))]
pub async fn deactivate(
    State(state): State<AppState>,
    origin: crate::audit::Origin,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<UserView>> {
    set_status(&state, &me, &origin, id, UserStatus::Deactivated).await
}

#[utoipa::path(post, path = "/admin/users/{id}/reactivate", tag = "admin", params(("id" = i64, Path)),
    responses((status = 200, body = UserView), (status = 403, body = ErrorBody)))]
pub async fn reactivate(
    State(state): State<AppState>,
    origin: crate::audit::Origin,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<UserView>> {
    set_status(&state, &me, &origin, id, UserStatus::Active).await
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct AuditQuery {
    /// An action (`user.deactivate`) or a prefix ending in a dot (`user.`).
    pub action: Option<String>,
    pub actor_id: Option<i64>,
    pub target_id: Option<i64>,
    /// RFC 3339 or Unix milliseconds.
    pub since: Option<String>,
    pub until: Option<String>,
    pub before_id: Option<i64>,
    pub limit: Option<u64>,
    /// `json` (default), `csv` or `jsonl`.
    pub format: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct AuditResponse {
    /// Newest first.
    pub entries: Vec<AuditEntry>,
}

fn parse_time(field: &'static str, v: Option<&str>) -> ApiResult<Option<i64>> {
    match v.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => v
            .parse::<i64>()
            .ok()
            .or_else(|| {
                time::OffsetDateTime::parse(v, &time::format_description::well_known::Rfc3339)
                    .ok()
                    .map(|t| (t.unix_timestamp_nanos() / 1_000_000) as i64)
            })
            .or_else(|| {
                // A date from a date picker: midnight UTC.
                let fmt = time::macros::format_description!("[year]-[month]-[day]");
                time::Date::parse(v, &fmt).ok().map(|d| d.midnight().assume_utc().unix_timestamp() * 1000)
            })
            .map(Some)
            .ok_or_else(|| steward_core::FieldError::new(field, steward_core::Rule::InvalidFormat).into()),
    }
}

pub(crate) fn csv_field(s: &str) -> String {
    // Formula-looking cells are prefixed so a spreadsheet does not run them.
    let s = if s.starts_with(['=', '+', '-', '@']) { format!("'{s}") } else { s.to_string() };
    format!("\"{}\"", s.replace('"', "\"\""))
}

#[utoipa::path(get, path = "/admin/audit", tag = "admin", params(AuditQuery),
    responses((status = 200, body = AuditResponse, description = "JSON, or CSV / JSON Lines with `format`"), (status = 403, body = ErrorBody)))]
pub async fn audit_log(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(q): Query<AuditQuery>,
) -> ApiResult<Response> {
    require(&me, Permission::AuditRead)?;
    let filter = AuditFilter {
        action: q.action.clone().filter(|a| !a.is_empty()),
        actor_id: q.actor_id,
        target_id: q.target_id,
        since: parse_time("since", q.since.as_deref())?,
        until: parse_time("until", q.until.as_deref())?,
        before_id: q.before_id,
        limit: q.limit.unwrap_or(200),
    };
    let entries = state.store.audit_search(&filter).await?;
    Ok(match q.format.as_deref().unwrap_or("json") {
        "json" => axum::Json(AuditResponse { entries }).into_response(),
        "jsonl" => {
            let body: String = entries.iter().filter_map(|e| serde_json::to_string(e).ok()).map(|l| l + "\n").collect();
            download("application/x-ndjson", "attachment; filename=\"audit.jsonl\"", body)
        }
        "csv" => {
            let mut body = String::from("id,at,actor_id,action,target_type,target_id,before,after,ip,user_agent\n");
            for e in &entries {
                let cells = [
                    e.id.to_string(),
                    steward_core::model::rfc3339(e.at),
                    e.actor_id.map(|v| v.to_string()).unwrap_or_default(),
                    e.action.clone(),
                    e.target_type.clone(),
                    e.target_id.map(|v| v.to_string()).unwrap_or_default(),
                    e.before.clone(),
                    e.after.clone(),
                    e.ip.clone().unwrap_or_default(),
                    e.user_agent.clone().unwrap_or_default(),
                ];
                body.push_str(&cells.iter().map(|c| csv_field(c)).collect::<Vec<_>>().join(","));
                body.push('\n');
            }
            download("text/csv; charset=utf-8", "attachment; filename=\"audit.csv\"", body)
        }
        _ => return Err(steward_core::FieldError::new("format", steward_core::Rule::InvalidChoice).into()),
    })
}

/// Ends every session of a person and closes their sockets.
pub(crate) async fn end_all_sessions(state: &AppState, me: &CurrentUser, origin: &Origin, id: i64) -> ApiResult<()> {
    require(me, Permission::UserDeactivate)?;
    let target = state.store.user(id).await?.ok_or_else(ApiError::not_found)?;
    if target.role == SystemRole::Owner && me.user.role != SystemRole::Owner {
        return Err(ApiError::forbidden());
    }
    let ended = state.store.delete_sessions_of(id).await?;
    crate::events::disconnect_user(state, id);
    let event = Event {
        actor_id: Some(me.id()),
        action: "user.force_logout",
        target_type: "user",
        target_id: Some(id),
        before: json!({ "sessions": ended }),
        after: serde_json::Value::Null,
    };
    audit::record(state, origin, event).await;
    Ok(())
}

#[utoipa::path(post, path = "/admin/users/{id}/logout", tag = "admin", params(("id" = i64, Path)),
    responses((status = 204, description = "Every session ended, every socket closed"), (status = 403, body = ErrorBody)))]
pub async fn force_logout(
    State(state): State<AppState>,
    origin: crate::audit::Origin,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    end_all_sessions(&state, &me, &origin, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateInvite {
    /// Where the link will be shared, for attribution.
    #[serde(default)]
    pub label: String,
    /// Role of the people who sign up (default `member`). Without `user.manage`, only `member` or `guest`.
    pub role: Option<String>,
    /// 1–10,000 (default 1).
    pub max_uses: Option<i64>,
    /// 1–8,760 (default 168: a week).
    pub expires_in_hours: Option<i64>,
    /// Rooms they join on sign-up.
    #[serde(default)]
    pub rooms: Vec<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedInvite {
    pub invite: steward_core::model::Invite,
    /// The link to share; shown only now.
    pub url: String,
}

#[derive(Serialize, ToSchema)]
pub struct InvitesResponse {
    pub invites: Vec<steward_core::model::Invite>,
}

#[utoipa::path(post, path = "/admin/invites", tag = "admin", request_body = CreateInvite,
    responses((status = 201, body = CreatedInvite), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_invite(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    me: CurrentUser,
    Json(req): Json<CreateInvite>,
) -> ApiResult<(StatusCode, axum::Json<CreatedInvite>)> {
    let origin = Origin::new(&ip.to_string(), &headers);
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost").to_string();
    let created = make_invite(&state, &me, &origin, &host, &req).await?;
    Ok((StatusCode::CREATED, axum::Json(created)))
}

/// Makes an invite link; `host` builds the URL when no public URL is configured.
pub(crate) async fn make_invite(
    state: &AppState,
    me: &CurrentUser,
    origin: &Origin,
    host: &str,
    req: &CreateInvite,
) -> ApiResult<CreatedInvite> {
    make_invite_for(state, me, origin, host, req, None).await
}

/// Makes an invite link, bound to one address when `email` is given.
async fn make_invite_for(
    state: &AppState,
    me: &CurrentUser,
    origin: &Origin,
    host: &str,
    req: &CreateInvite,
    email: Option<&str>,
) -> ApiResult<CreatedInvite> {
    require(me, Permission::UserInvite)?;
    let role = SystemRole::parse(req.role.as_deref().unwrap_or("member"))?;
    let perms = me.user.permissions();
    let allowed = match role {
        SystemRole::Owner => me.user.role == SystemRole::Owner,
        SystemRole::Member | SystemRole::Guest => true,
        _ => perms.has(Permission::UserManage),
    };
    if !allowed {
        return Err(ApiError::forbidden().with_field("role"));
    }
    let label = req.label.trim().to_string();
    if label.chars().count() > 80 {
        return Err(steward_core::FieldError::with_limit("label", steward_core::Rule::TooLong, 80).into());
    }
    let max_uses = req.max_uses.unwrap_or(1);
    if !(1..=10_000).contains(&max_uses) {
        return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "out_of_range").with_field("max_uses"));
    }
    let hours = req.expires_in_hours.unwrap_or(168);
    if !(1..=8_760).contains(&hours) {
        return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "out_of_range").with_field("expires_in_hours"));
    }
    let mut rooms = req.rooms.clone();
    rooms.sort_unstable();
    rooms.dedup();
    if rooms.len() > 50 {
        return Err(steward_core::FieldError::with_limit("rooms", steward_core::Rule::TooLong, 50).into());
    }
    for &room in &rooms {
        // Only rooms the inviter can see, and never direct conversations.
        let (r, access) = crate::service::room_access(state, &me.user, room).await?;
        if r.kind == steward_core::RoomKind::Direct || !access.can_add_members() {
            return Err(ApiError::forbidden().with_field("rooms"));
        }
    }
    let token = auth::new_token();
    let invite = state
        .store
        .create_invite(&steward_store::NewInvite {
            token_hash: auth::token_hash(&token),
            label,
            role,
            rooms,
            max_uses,
            expires_at: steward_store::now_ms() + hours * 3_600_000,
            created_by: me.id(),
            email: email.map(str::to_string),
        })
        .await?;
    let base = state.config.public_url.clone().unwrap_or_else(|| format!("http://{host}"));
    let event = Event {
        actor_id: Some(me.id()),
        action: "user.invite_created",
        target_type: "invite",
        target_id: Some(invite.id),
        before: serde_json::Value::Null,
        after: json!({ "role": role, "label": invite.label, "max_uses": max_uses, "rooms": invite.rooms, "email": email }),
    };
    audit::record(state, origin, event).await;
    Ok(CreatedInvite { invite, url: format!("{base}/invite/{token}") })
}

#[utoipa::path(get, path = "/admin/invites", tag = "admin", responses((status = 200, body = InvitesResponse), (status = 403, body = ErrorBody)))]
pub async fn invites(State(state): State<AppState>, me: CurrentUser) -> ApiResult<axum::Json<InvitesResponse>> {
    require(&me, Permission::UserInvite)?;
    Ok(axum::Json(InvitesResponse { invites: state.store.invites().await? }))
}

/// Revokes an invite link.
pub(crate) async fn withdraw_invite(state: &AppState, me: &CurrentUser, origin: &Origin, id: i64) -> ApiResult<()> {
    require(me, Permission::UserInvite)?;
    state.store.revoke_invite(id).await?;
    let event = Event::new(Some(me.id()), "user.invite_revoked", "invite", Some(id));
    audit::record(state, origin, event).await;
    Ok(())
}

#[utoipa::path(delete, path = "/admin/invites/{id}", tag = "admin", params(("id" = i64, Path)),
    responses((status = 204, description = "Revoked: the link no longer works"), (status = 404, body = ErrorBody)))]
pub async fn revoke_invite(
    State(state): State<AppState>,
    origin: crate::audit::Origin,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    withdraw_invite(&state, &me, &origin, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/admin/settings", tag = "admin",
    responses((status = 200, body = crate::settings::InstanceSettings), (status = 403, body = ErrorBody)))]
pub async fn get_settings(
    State(state): State<AppState>,
    me: CurrentUser,
) -> ApiResult<axum::Json<crate::settings::InstanceSettings>> {
    require(&me, Permission::SettingsEdit)?;
    Ok(axum::Json(state.settings.get()))
}

#[utoipa::path(put, path = "/admin/settings", tag = "admin", request_body = crate::settings::InstanceSettings,
    responses((status = 200, body = crate::settings::InstanceSettings), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_settings(
    State(state): State<AppState>,
    origin: crate::audit::Origin,
    me: CurrentUser,
    Json(new): Json<crate::settings::InstanceSettings>,
) -> ApiResult<axum::Json<crate::settings::InstanceSettings>> {
    Ok(axum::Json(apply_settings(&state, &me, &origin, new).await?))
}

/// Validates, stores and caches new settings, and audits the change.
pub(crate) async fn apply_settings(
    state: &AppState,
    me: &CurrentUser,
    origin: &Origin,
    new: crate::settings::InstanceSettings,
) -> ApiResult<crate::settings::InstanceSettings> {
    require(me, Permission::SettingsEdit)?;
    let new = new.validate()?;
    new.check_rooms(&state.store).await?;
    let before = state.settings.get();
    crate::settings::save(&state.store, &new).await?;
    crate::apply_limits(state, &new);
    state.settings.set(new.clone());
    crate::cluster::invalidate(state, steward_bus::CacheKind::Settings);
    let event = Event {
        actor_id: Some(me.id()),
        action: "settings.update",
        target_type: "settings",
        target_id: None,
        before: json!(before),
        after: json!(new),
    };
    audit::record(state, origin, event).await;
    Ok(new)
}

#[utoipa::path(post, path = "/admin/retention/run", tag = "admin",
    responses((status = 200, body = crate::retention::Report, description = "What the retention job removed"), (status = 403, body = ErrorBody)))]
pub async fn retention_run(
    State(state): State<AppState>,
    origin: Origin,
    me: CurrentUser,
) -> ApiResult<axum::Json<crate::retention::Report>> {
    Ok(axum::Json(run_retention_now(&state, &me, &origin).await?))
}

/// Runs the retention job at once (it also runs every hour).
pub(crate) async fn run_retention_now(
    state: &AppState,
    me: &CurrentUser,
    origin: &Origin,
) -> ApiResult<crate::retention::Report> {
    require(me, Permission::SettingsEdit)?;
    let report = crate::retention::run_once(state).await?;
    let summary =
        format!("{} messages, {} files, {} audit entries", report.messages, report.files, report.audit_entries);
    state.job_counted(|j| &mut j.retention, true, summary, vec![report.messages, report.files, report.audit_entries]);
    let event = Event { after: json!(report), ..Event::new(Some(me.id()), "retention.run", "settings", None) };
    audit::record(state, origin, event).await;
    Ok(report)
}

#[derive(Serialize, ToSchema)]
pub struct ResetLink {
    /// One-time link to set a new password; valid for 24 hours. Shown only now.
    pub url: String,
}

#[utoipa::path(post, path = "/admin/users/{id}/reset-link", tag = "admin", params(("id" = i64, Path)),
    responses((status = 201, body = ResetLink), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn reset_link(
    State(state): State<AppState>,
    origin: Origin,
    headers: HeaderMap,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult<(StatusCode, axum::Json<ResetLink>)> {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    let url = issue_reset_link(&state, &me, &origin, host, id).await?;
    Ok((StatusCode::CREATED, axum::Json(ResetLink { url })))
}

/// Makes a one-time password-reset link for someone (24 hours).
pub(crate) async fn issue_reset_link(
    state: &AppState,
    me: &CurrentUser,
    origin: &Origin,
    host: &str,
    id: i64,
) -> ApiResult<String> {
    require(me, Permission::UserManage)?;
    let target = state.store.user(id).await?.ok_or_else(ApiError::not_found)?;
    if target.role == SystemRole::Owner && me.user.role != SystemRole::Owner {
        return Err(ApiError::forbidden());
    }
    if target.status != UserStatus::Active {
        return Err(ApiError::new(StatusCode::CONFLICT, "deactivated"));
    }
    let token = auth::new_token();
    state.store.create_password_reset(id, &auth::token_hash(&token), me.id(), 24 * 3_600_000).await?;
    let base = state.config.public_url.clone().unwrap_or_else(|| format!("http://{host}"));
    let event = Event::new(Some(me.id()), "user.reset_link", "user", Some(id));
    audit::record(state, origin, event).await;
    Ok(format!("{base}/reset/{token}"))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EraseRequest {
    /// Also turn every message they wrote into a tombstone (default: keep them, authored by "Deleted user").
    #[serde(default)]
    pub remove_messages: bool,
}

#[utoipa::path(post, path = "/admin/users/{id}/erase", tag = "admin", params(("id" = i64, Path)), request_body = EraseRequest,
    responses((status = 204, description = "Profile wiped; sign-in impossible; sessions, memberships and 2FA gone"), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn erase(
    State(state): State<AppState>,
    origin: Origin,
    me: CurrentUser,
    Path(id): Path<i64>,
    Json(req): Json<EraseRequest>,
) -> ApiResult<StatusCode> {
    erase_user(&state, &me, &origin, id, req.remove_messages).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// GDPR erasure: the profile is wiped and the person can never sign in again.
pub(crate) async fn erase_user(
    state: &AppState,
    me: &CurrentUser,
    origin: &Origin,
    id: i64,
    remove_messages: bool,
) -> ApiResult<()> {
    require(me, Permission::UserManage)?;
    require(me, Permission::UserDeactivate)?;
    if id == me.id() {
        return Err(ApiError::new(StatusCode::CONFLICT, "cannot_deactivate_self"));
    }
    let target = state.store.user(id).await?.ok_or_else(ApiError::not_found)?;
    if target.role == SystemRole::Owner {
        if me.user.role != SystemRole::Owner {
            return Err(ApiError::forbidden());
        }
        if state.store.count_users_with_role(SystemRole::Owner).await? <= 1 {
            return Err(ApiError::new(StatusCode::CONFLICT, "last_owner"));
        }
    }
    let label = crate::i18n::get().t(me.locale(), "deleted-user", None);
    let rooms = state.store.anonymise_user(id, remove_messages, &label).await?;
    crate::events::disconnect_user(state, id);
    if let Some(gone) = state.store.user(id).await? {
        // The rooms they were in see them leave (already under the erased name).
        let brief = gone.brief();
        for &(room, seq) in &rooms {
            crate::events::member_left(state, room, seq, &brief);
        }
    }
    // The audit keeps who was erased by id only: the point is that the profile is gone.
    let event = Event {
        actor_id: Some(me.id()),
        action: "user.erase",
        target_type: "user",
        target_id: Some(id),
        before: json!({ "role": target.role, "rooms": rooms.len() }),
        after: json!({ "remove_messages": remove_messages }),
    };
    audit::record(state, origin, event).await;
    Ok(())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateBot {
    pub username: String,
    pub display_name: Option<String>,
    /// Scopes of the bot's first token (`read`, `write`).
    pub scopes: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedBot {
    pub user: UserView,
    pub token: crate::api::users::CreatedToken,
}

#[utoipa::path(post, path = "/admin/bots", tag = "admin", request_body = CreateBot,
    responses((status = 201, body = CreatedBot), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create_bot(
    State(state): State<AppState>,
    origin: crate::audit::Origin,
    me: CurrentUser,
    Json(req): Json<CreateBot>,
) -> ApiResult<(StatusCode, axum::Json<CreatedBot>)> {
    require(&me, Permission::UserManage)?;
    if req.scopes.iter().any(|s| s == "admin") {
        return Err(steward_core::FieldError::new("scopes", steward_core::Rule::InvalidChoice).into());
    }
    // A bot signs in with tokens only: its password is random and never shown.
    let password = format!("{}-{}", auth::new_token(), auth::new_token());
    let account = crate::accounts::NewAccount {
        username: &req.username,
        display_name: req.display_name.as_deref(),
        email: None,
        password: &password,
        locale: me.locale(),
        role: SystemRole::Member,
    };
    let user = crate::accounts::create(&state.store, account).await?;
    state.store.set_bot(user.id).await?;
    let token = crate::api::users::issue_token(
        &state,
        user.id,
        &crate::api::users::CreateToken { name: "bot".into(), scopes: req.scopes.clone(), expires_in_days: None },
    )
    .await?;
    let event = Event {
        actor_id: Some(me.id()),
        action: "user.bot_created",
        target_type: "user",
        target_id: Some(user.id),
        before: serde_json::Value::Null,
        after: json!({ "username": user.username, "scopes": token.token.scopes }),
    };
    audit::record(&state, &origin, event).await;
    Ok((StatusCode::CREATED, axum::Json(CreatedBot { user: UserView::new(&state, &user, &me.user), token })))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct AdminRoomsQuery {
    /// Part of a room name.
    pub q: Option<String>,
    pub limit: Option<u64>,
}

#[derive(Serialize, ToSchema)]
pub struct AdminRoomsResponse {
    /// Channels, groups and broadcast channels (never direct conversations), by name.
    pub rooms: Vec<steward_core::model::Room>,
    /// Rooms new people join (`#general` first).
    pub default_rooms: Vec<i64>,
}

#[utoipa::path(get, path = "/admin/rooms", tag = "admin", params(AdminRoomsQuery),
    responses((status = 200, body = AdminRoomsResponse), (status = 403, body = ErrorBody)))]
pub async fn rooms(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(q): Query<AdminRoomsQuery>,
) -> ApiResult<axum::Json<AdminRoomsResponse>> {
    require(&me, Permission::RoomManageAny)?;
    let rooms = state.store.all_rooms(q.q.as_deref().unwrap_or(""), q.limit.unwrap_or(200)).await?;
    Ok(axum::Json(AdminRoomsResponse { rooms, default_rooms: default_rooms(&state).await? }))
}

/// `#general` and the rooms the settings add, in that order.
pub(crate) async fn default_rooms(state: &AppState) -> ApiResult<Vec<i64>> {
    let mut ids: Vec<i64> =
        state.store.setting(crate::DEFAULT_ROOM_SETTING).await?.and_then(|v| v.parse().ok()).into_iter().collect();
    for id in state.settings.get().default_rooms {
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Ok(ids)
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct ExportQuery {
    /// A room's messages…
    pub room_id: Option<i64>,
    /// …or a person's, in every room.
    pub user_id: Option<i64>,
    /// RFC 3339 or Unix milliseconds, inclusive.
    pub since: Option<String>,
    /// RFC 3339 or Unix milliseconds, exclusive.
    pub until: Option<String>,
    /// `jsonl` (default) or `html` (a readable transcript).
    pub format: Option<String>,
}

#[utoipa::path(get, path = "/admin/export", tag = "admin", params(ExportQuery),
    responses((status = 200, description = "A download, streamed: JSON Lines (one message per line, with edits) or an HTML transcript"), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn export(
    State(state): State<AppState>,
    origin: Origin,
    me: CurrentUser,
    Query(q): Query<ExportQuery>,
) -> ApiResult<Response> {
    require(&me, Permission::ComplianceExport)?;
    let html = match q.format.as_deref().unwrap_or("jsonl") {
        "jsonl" => false,
        "html" => true,
        _ => return Err(steward_core::FieldError::new("format", steward_core::Rule::InvalidChoice).into()),
    };
    let filter = steward_store::ExportFilter {
        room_id: q.room_id,
        author_id: q.user_id,
        since: parse_time("since", q.since.as_deref())?,
        until: parse_time("until", q.until.as_deref())?,
    };
    let title = match (q.room_id, q.user_id) {
        (Some(_), Some(_)) | (None, None) => {
            return Err(steward_core::FieldError::new("room_id", steward_core::Rule::Required).into());
        }
        (Some(r), None) => format!("#{}", state.store.room(r).await?.ok_or_else(ApiError::not_found)?.name),
        (None, Some(u)) => format!("@{}", state.store.user(u).await?.ok_or_else(ApiError::not_found)?.username),
    };
    let event = Event {
        after: json!({ "room_id": q.room_id, "user_id": q.user_id, "since": filter.since, "until": filter.until, "format": if html { "html" } else { "jsonl" } }),
        ..Event::new(
            Some(me.id()),
            "compliance.export",
            if q.room_id.is_some() { "room" } else { "user" },
            q.room_id.or(q.user_id),
        )
    };
    audit::record(&state, &origin, event).await;
    let body = crate::export::stream(state.clone(), filter, title, html, me.locale());
    let (ct, name) = if html {
        ("text/html; charset=utf-8", "attachment; filename=\"export.html\"")
    } else {
        ("application/x-ndjson", "attachment; filename=\"export.jsonl\"")
    };
    Ok(download(ct, name, axum::body::Body::from_stream(body)))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct ImportQuery {
    /// Check every line and write nothing (default `true`).
    pub dry_run: Option<bool>,
}

#[utoipa::path(post, path = "/admin/users/import", tag = "admin", params(ImportQuery),
    request_body(content = String, content_type = "text/csv", description = "Header row, then one person a line: username (required), display_name, email, role, password, locale, rooms (names separated by `;`). Up to 5,000 lines."),
    responses((status = 200, body = crate::import::ImportReport, description = "Each line valid, created or refused with the field and the rule"), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn import_users(
    State(state): State<AppState>,
    origin: Origin,
    headers: HeaderMap,
    me: CurrentUser,
    Query(q): Query<ImportQuery>,
    body: String,
) -> ApiResult<axum::Json<crate::import::ImportReport>> {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    Ok(axum::Json(import(&state, &me, &origin, host, &body, q.dry_run.unwrap_or(true)).await?))
}

pub(crate) async fn import(
    state: &AppState,
    me: &CurrentUser,
    origin: &Origin,
    host: &str,
    csv: &str,
    dry_run: bool,
) -> ApiResult<crate::import::ImportReport> {
    require(me, Permission::UserManage)?;
    let report = crate::import::run(state, me, host, csv, dry_run).await?;
    if !dry_run && report.ok > 0 {
        let created: Vec<&str> =
            report.lines.iter().filter(|l| l.status == "created").map(|l| l.username.as_str()).collect();
        let event = Event {
            after: json!({ "created": created, "errors": report.errors }),
            ..Event::new(Some(me.id()), "user.import", "user", None)
        };
        audit::record(state, origin, event).await;
    }
    Ok(report)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmailInvites {
    /// Up to 100 addresses; each gets its own single-use link.
    pub emails: Vec<String>,
    #[serde(default)]
    pub label: String,
    pub role: Option<String>,
    pub expires_in_hours: Option<i64>,
    #[serde(default)]
    pub rooms: Vec<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct EmailInviteResult {
    pub email: String,
    pub invite_id: Option<i64>,
    pub sent: bool,
    /// Why it was not sent (`invalid_format`, `send_failed`).
    pub error: Option<&'static str>,
}

#[derive(Serialize, ToSchema)]
pub struct EmailInvitesResponse {
    pub results: Vec<EmailInviteResult>,
}

#[utoipa::path(post, path = "/admin/invites/email", tag = "admin", request_body = EmailInvites,
    responses((status = 200, body = EmailInvitesResponse, description = "One result per address"), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody, description = "`smtp_not_configured`"), (status = 422, body = ErrorBody)))]
pub async fn email_invites(
    State(state): State<AppState>,
    origin: Origin,
    headers: HeaderMap,
    me: CurrentUser,
    Json(req): Json<EmailInvites>,
) -> ApiResult<axum::Json<EmailInvitesResponse>> {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    Ok(axum::Json(send_invites(&state, &me, &origin, host, &req).await?))
}

/// Sends each address its own single-use invite link by e-mail.
pub(crate) async fn send_invites(
    state: &AppState,
    me: &CurrentUser,
    origin: &Origin,
    host: &str,
    req: &EmailInvites,
) -> ApiResult<EmailInvitesResponse> {
    require(me, Permission::UserInvite)?;
    let Some(mailer) = state.mailer.as_ref() else {
        return Err(ApiError::new(StatusCode::CONFLICT, "smtp_not_configured").with_field("emails"));
    };
    if req.emails.is_empty() {
        return Err(steward_core::FieldError::new("emails", steward_core::Rule::Required).into());
    }
    if req.emails.len() > 100 {
        return Err(steward_core::FieldError::with_limit("emails", steward_core::Rule::TooLong, 100).into());
    }
    let link = CreateInvite {
        label: req.label.clone(),
        role: req.role.clone(),
        max_uses: Some(1),
        expires_in_hours: req.expires_in_hours,
        rooms: req.rooms.clone(),
    };
    let locale = me.locale();
    let i = crate::i18n::get();
    let mut results = Vec::with_capacity(req.emails.len());
    for raw in &req.emails {
        let Ok(email) = steward_core::validate::Email::parse(raw) else {
            results.push(EmailInviteResult {
                email: raw.clone(),
                invite_id: None,
                sent: false,
                error: Some("invalid_format"),
            });
            continue;
        };
        let email = email.as_str().to_string();
        // The link's rules (role, rooms, expiry) are checked here, for the first address already.
        let created = make_invite_for(state, me, origin, host, &link, Some(&email)).await?;
        let mut args = fluent_bundle::FluentArgs::new();
        args.set("inviter", me.user.display_name.clone());
        args.set("url", created.url.clone());
        args.set("hours", link.expires_in_hours.unwrap_or(168));
        let subject = i.t(locale, "mail-invite-subject", Some(&args));
        let body = i.t(locale, "mail-invite-body", Some(&args));
        let sent = mailer.send(&email, &subject, body).await;
        if let Err(e) = &sent {
            tracing::warn!(error = %e, "invite e-mail not sent");
            // An invite nobody received is withdrawn.
            let _ = state.store.revoke_invite(created.invite.id).await;
        }
        results.push(EmailInviteResult {
            email,
            invite_id: Some(created.invite.id),
            sent: sent.is_ok(),
            error: sent.err().map(|_| "send_failed"),
        });
    }
    Ok(EmailInvitesResponse { results })
}
