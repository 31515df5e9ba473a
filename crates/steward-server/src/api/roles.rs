//! Roles: the system roles and their permissions, and custom roles an admin
//! defines (named permission sets given to people on top of their system
//! role). Nobody grants a permission they do not hold themselves.

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::json;
use steward_core::model::CustomRole;
use steward_core::{FieldError, Permission, PermissionSet, Rule, SystemRole};
use utoipa::ToSchema;

use super::{Json, Path};
use crate::api::ErrorBody;
use crate::audit::{self, Event, Origin};
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

use super::require;

#[derive(Serialize, ToSchema)]
pub struct PermissionInfo {
    pub name: &'static str,
    pub description: &'static str,
}

#[derive(Serialize, ToSchema)]
pub struct SystemRoleInfo {
    pub name: &'static str,
    pub permissions: Vec<&'static str>,
}

#[derive(Serialize, ToSchema)]
pub struct RolesResponse {
    /// Every permission there is.
    pub permissions: Vec<PermissionInfo>,
    /// Built in; cannot be changed.
    pub system: Vec<SystemRoleInfo>,
    pub custom: Vec<CustomRole>,
}

#[utoipa::path(get, path = "/admin/roles", tag = "admin",
    responses((status = 200, body = RolesResponse), (status = 403, body = ErrorBody)))]
pub async fn list(State(state): State<AppState>, me: CurrentUser) -> ApiResult<axum::Json<RolesResponse>> {
    let p = me.user.permissions();
    if !p.has(Permission::RoleManage) && !p.has(Permission::UserManage) {
        return Err(ApiError::forbidden());
    }
    Ok(axum::Json(RolesResponse {
        permissions: Permission::ALL
            .iter()
            .map(|p| PermissionInfo { name: p.as_str(), description: p.description() })
            .collect(),
        system: SystemRole::ALL
            .iter()
            .map(|r| SystemRoleInfo {
                name: r.as_str(),
                permissions: r.permissions().iter().map(|p| p.as_str()).collect(),
            })
            .collect(),
        custom: state.store.custom_roles().await?,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleInput {
    /// 1–40 characters; not the name of a system role.
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Permission names, e.g. `audit.read`.
    #[serde(default)]
    pub permissions: Vec<String>,
}

impl RoleInput {
    fn validate(&self) -> ApiResult<(String, String, PermissionSet)> {
        let name = self.name.trim().to_string();
        if name.is_empty() {
            return Err(FieldError::new("name", Rule::Required).into());
        }
        if name.chars().count() > 40 {
            return Err(FieldError::with_limit("name", Rule::TooLong, 40).into());
        }
        if SystemRole::parse(&name).is_ok() {
            return Err(ApiError::conflict("name"));
        }
        let description = self.description.trim().to_string();
        if description.chars().count() > 200 {
            return Err(FieldError::with_limit("description", Rule::TooLong, 200).into());
        }
        let mut set = PermissionSet::EMPTY;
        for p in &self.permissions {
            set = set.with(Permission::parse(p.trim()).ok_or(FieldError::new("permissions", Rule::InvalidChoice))?);
        }
        Ok((name, description, set))
    }
}

/// Refuses a change that would hand out a permission the actor lacks.
fn no_escalation(me: &CurrentUser, set: PermissionSet) -> ApiResult<()> {
    if me.user.permissions().contains(set) { Ok(()) } else { Err(ApiError::forbidden().with_field("permissions")) }
}

#[utoipa::path(post, path = "/admin/roles", tag = "admin", request_body = RoleInput,
    responses((status = 201, body = CustomRole), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    origin: Origin,
    me: CurrentUser,
    Json(req): Json<RoleInput>,
) -> ApiResult<(StatusCode, axum::Json<CustomRole>)> {
    let role = create_role(&state, &me, &origin, &req).await?;
    Ok((StatusCode::CREATED, axum::Json(role)))
}

pub(crate) async fn create_role(
    state: &AppState,
    me: &CurrentUser,
    origin: &Origin,
    req: &RoleInput,
) -> ApiResult<CustomRole> {
    require(me, Permission::RoleManage)?;
    let (name, description, set) = req.validate()?;
    no_escalation(me, set)?;
    let role = state.store.create_custom_role(&name, &description, set).await?;
    let event = Event {
        after: json!({ "name": role.name, "permissions": role.permissions }),
        ..Event::new(Some(me.id()), "role.create", "role", Some(role.id))
    };
    audit::record(state, origin, event).await;
    Ok(role)
}

#[utoipa::path(put, path = "/admin/roles/{id}", tag = "admin", params(("id" = i64, Path)), request_body = RoleInput,
    responses((status = 200, body = CustomRole, description = "Changed; every holder's rights change at once"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    origin: Origin,
    me: CurrentUser,
    Path(id): Path<i64>,
    Json(req): Json<RoleInput>,
) -> ApiResult<axum::Json<CustomRole>> {
    Ok(axum::Json(update_role(&state, &me, &origin, id, &req).await?))
}

pub(crate) async fn update_role(
    state: &AppState,
    me: &CurrentUser,
    origin: &Origin,
    id: i64,
    req: &RoleInput,
) -> ApiResult<CustomRole> {
    require(me, Permission::RoleManage)?;
    let (name, description, set) = req.validate()?;
    let before = state.store.custom_role(id).await?.ok_or_else(ApiError::not_found)?;
    let old = before.permission_set();
    // Changing a role one could not have made is refused too.
    no_escalation(me, set.union(old))?;
    let role = state.store.update_custom_role(id, &name, &description, set).await?;
    for holder in holders(state, id).await? {
        crate::events::refresh_user(state, holder);
    }
    let event = Event {
        before: json!({ "name": before.name, "permissions": before.permissions }),
        after: json!({ "name": role.name, "permissions": role.permissions }),
        ..Event::new(Some(me.id()), "role.update", "role", Some(id))
    };
    audit::record(state, origin, event).await;
    Ok(role)
}

async fn holders(state: &AppState, role_id: i64) -> ApiResult<Vec<i64>> {
    Ok(state.store.custom_role_holders(role_id).await?)
}

#[utoipa::path(delete, path = "/admin/roles/{id}", tag = "admin", params(("id" = i64, Path)),
    responses((status = 204, description = "Deleted; its holders lose what it gave them"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    origin: Origin,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    delete_role(&state, &me, &origin, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(crate) async fn delete_role(state: &AppState, me: &CurrentUser, origin: &Origin, id: i64) -> ApiResult<()> {
    require(me, Permission::RoleManage)?;
    let before = state.store.custom_role(id).await?.ok_or_else(ApiError::not_found)?;
    no_escalation(me, before.permission_set())?;
    let holders = state.store.delete_custom_role(id).await?;
    for holder in &holders {
        crate::events::refresh_user(state, *holder);
    }
    let event = Event {
        before: json!({ "name": before.name, "permissions": before.permissions, "holders": holders.len() }),
        ..Event::new(Some(me.id()), "role.delete", "role", Some(id))
    };
    audit::record(state, origin, event).await;
    Ok(())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserRolesInput {
    /// Every custom role the person should hold (replaces the current set).
    pub role_ids: Vec<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct UserRoles {
    pub role_ids: Vec<i64>,
    /// Everything the person may now do (system role plus custom roles).
    pub permissions: Vec<&'static str>,
}

#[utoipa::path(put, path = "/admin/users/{id}/roles", tag = "admin", params(("id" = i64, Path)), request_body = UserRolesInput,
    responses((status = 200, body = UserRoles), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_user_roles(
    State(state): State<AppState>,
    origin: Origin,
    me: CurrentUser,
    Path(id): Path<i64>,
    Json(req): Json<UserRolesInput>,
) -> ApiResult<axum::Json<UserRoles>> {
    Ok(axum::Json(give_roles(&state, &me, &origin, id, &req.role_ids).await?))
}

/// Replaces the custom roles a person holds.
pub(crate) async fn give_roles(
    state: &AppState,
    me: &CurrentUser,
    origin: &Origin,
    id: i64,
    role_ids: &[i64],
) -> ApiResult<UserRoles> {
    require(me, Permission::UserManage)?;
    let mut role_ids = role_ids.to_vec();
    role_ids.sort_unstable();
    role_ids.dedup();
    if role_ids.len() > 50 {
        return Err(FieldError::with_limit("role_ids", Rule::TooLong, 50).into());
    }
    let target = state.store.user(id).await?.ok_or_else(ApiError::not_found)?;
    if target.role == SystemRole::Owner && me.user.role != SystemRole::Owner {
        return Err(ApiError::forbidden());
    }
    let before = state.store.custom_roles_of(id).await?;
    // What is given or taken away must be within the actor's own rights.
    let all = state.store.custom_roles().await?;
    let mut touched = PermissionSet::EMPTY;
    for r in all.iter().filter(|r| role_ids.contains(&r.id) != before.contains(&r.id)) {
        touched = touched.union(r.permission_set());
    }
    no_escalation(me, touched)?;
    state.store.set_custom_roles_of(id, &role_ids).await?;
    crate::events::refresh_user(state, id);
    let now = state.store.user(id).await?.ok_or_else(ApiError::not_found)?;
    if before != role_ids {
        let event = Event {
            before: json!({ "roles": before }),
            after: json!({ "roles": role_ids }),
            ..Event::new(Some(me.id()), "user.custom_roles", "user", Some(id))
        };
        audit::record(state, origin, event).await;
    }
    Ok(UserRoles { role_ids, permissions: now.permissions().iter().map(|p| p.as_str()).collect() })
}
