//! Moderation API: rules and the "try a message" box, the held-message
//! queue, reports (merged into cases), sanctions, appeals and the modlog.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;
use steward_core::model::{Appeal, HeldMessage, ModCase, ModlogEntry, Sanction};
use steward_core::{FieldError, Permission, Rule as FieldRule, SystemRole};
use steward_store::{ModlogFilter, NewModlog};
use utoipa::ToSchema;

use super::{Json, Path, Query};
use crate::api::ErrorBody;
use crate::audit::{self, Event, Origin};
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::moderation;
use crate::service;
use crate::state::AppState;

use super::{download, require};

#[derive(Serialize, ToSchema)]
pub struct PresetInfo {
    pub id: &'static str,
    pub title: &'static str,
    pub description: &'static str,
}

#[derive(Serialize, ToSchema)]
pub struct RulesResponse {
    /// The rule set in order (see docs/MODERATION.md for the JSON of each kind).
    #[schema(value_type = Vec<Object>)]
    pub rules: Vec<steward_moderation::Rule>,
    pub presets: Vec<PresetInfo>,
    /// A starting set with the built-in word lists.
    #[schema(value_type = Vec<Object>)]
    pub suggested: Vec<steward_moderation::Rule>,
}

#[utoipa::path(get, path = "/moderation/rules", tag = "moderation",
    responses((status = 200, body = RulesResponse), (status = 403, body = ErrorBody)))]
pub async fn rules(State(state): State<AppState>, me: CurrentUser) -> ApiResult<axum::Json<RulesResponse>> {
    require(&me, Permission::ModerationReview)?;
    Ok(axum::Json(RulesResponse {
        rules: state.moderation.rules().to_vec(),
        presets: steward_moderation::presets::PRESETS
            .iter()
            .map(|p| PresetInfo { id: p.id, title: p.title, description: p.description })
            .collect(),
        suggested: steward_moderation::presets::default_rules(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RulesInput {
    #[schema(value_type = Vec<Object>)]
    pub rules: Vec<steward_moderation::Rule>,
}

#[utoipa::path(put, path = "/moderation/rules", tag = "moderation", request_body = RulesInput,
    responses((status = 200, body = RulesResponse), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody, description = "`invalid_rule`: the detail names the rule and the problem")))]
pub async fn set_rules(
    State(state): State<AppState>,
    origin: Origin,
    me: CurrentUser,
    Json(req): Json<RulesInput>,
) -> ApiResult<axum::Json<RulesResponse>> {
    save_rules(&state, &me, &origin, req.rules).await?;
    rules(State(state), me).await
}

pub(crate) async fn save_rules(
    state: &AppState,
    me: &CurrentUser,
    origin: &Origin,
    rules: Vec<steward_moderation::Rule>,
) -> ApiResult<()> {
    require(me, Permission::ModerationRules)?;
    let before: Vec<String> = state.moderation.rules().iter().map(|r| r.id.clone()).collect();
    let after: Vec<String> = rules.iter().map(|r| r.id.clone()).collect();
    state.moderation.set_rules(&state.store, rules).await?;
    crate::cluster::invalidate(state, steward_bus::CacheKind::ModerationRules);
    state
        .store
        .modlog(&NewModlog {
            actor_id: Some(me.id()),
            action: "rules.update".into(),
            reason: format!("{} rules", after.len()),
            ..Default::default()
        })
        .await?;
    let event = Event {
        before: json!({ "rules": before }),
        after: json!({ "rules": after }),
        ..Event::new(Some(me.id()), "moderation.rules", "settings", None)
    };
    audit::record(state, origin, event).await;
    Ok(())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TryInput {
    pub text: String,
}

#[utoipa::path(post, path = "/moderation/try", tag = "moderation", request_body = TryInput,
    responses((status = 200, description = "The normalised forms (cleaned, ru, en, layout) and every rule that fires, with why"), (status = 403, body = ErrorBody)))]
pub async fn try_message(
    State(state): State<AppState>,
    me: CurrentUser,
    Json(req): Json<TryInput>,
) -> ApiResult<axum::Json<serde_json::Value>> {
    require(&me, Permission::ModerationReview)?;
    if req.text.chars().count() > 4000 {
        return Err(FieldError::with_limit("text", FieldRule::TooLong, 4000).into());
    }
    Ok(axum::Json(explain(&state, &req.text)))
}

pub(crate) fn explain(state: &AppState, text: &str) -> serde_json::Value {
    let engine = state.moderation.engine();
    let mut scratch = steward_moderation::Scratch::new();
    serde_json::to_value(engine.explain(&mut scratch, text)).unwrap_or_default()
}

/// Who may ask whether a text would read as rude before sending it: staff who
/// talk to people for the installation (moderators, support, operators).
pub(crate) fn may_check(me: &CurrentUser) -> bool {
    let p = me.user.permissions();
    p.has(Permission::ModerationReview)
        || p.has(Permission::SupportViewAll)
        || matches!(me.user.role, SystemRole::Supervisor | SystemRole::Operator)
}

#[derive(Serialize, ToSchema)]
pub struct CheckHit {
    pub rule_id: String,
    pub rule_name: String,
    /// A stable code (`word_list`, `regex`, `caps`, …).
    pub code: String,
    /// The part of the text that matched, when there is one.
    pub matched: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CheckResponse {
    /// Some text rule would fire on it (scope and exemptions ignored).
    pub flagged: bool,
    pub rules: Vec<CheckHit>,
}

#[utoipa::path(post, path = "/moderation/check", tag = "moderation", request_body = TryInput,
    responses((status = 200, body = CheckResponse, description = "Whether the text rules would flag it: the politeness check staff see before sending"), (status = 403, body = ErrorBody)))]
pub async fn check(
    State(state): State<AppState>,
    me: CurrentUser,
    Json(req): Json<TryInput>,
) -> ApiResult<axum::Json<CheckResponse>> {
    if !may_check(&me) {
        return Err(ApiError::forbidden());
    }
    if req.text.chars().count() > 4000 {
        return Err(FieldError::with_limit("text", FieldRule::TooLong, 4000).into());
    }
    Ok(axum::Json(politeness(&state, &req.text)))
}

pub(crate) fn politeness(state: &AppState, text: &str) -> CheckResponse {
    let engine = state.moderation.engine();
    let mut scratch = steward_moderation::Scratch::new();
    let verdict = engine.check_text(&mut scratch, text);
    let mut rules: Vec<CheckHit> = Vec::new();
    for h in verdict.hits {
        if rules.iter().any(|r| r.rule_id == *h.rule_id) {
            continue;
        }
        rules.push(CheckHit {
            rule_id: h.rule_id.to_string(),
            rule_name: h.rule_name.to_string(),
            code: serde_json::to_value(h.reason.code)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            matched: h.evidence.and_then(|e| e.matched),
        });
    }
    CheckResponse { flagged: !rules.is_empty(), rules }
}

// ---- held messages ----

#[derive(Serialize, ToSchema)]
pub struct HeldResponse {
    pub held: Vec<HeldMessage>,
}

#[utoipa::path(get, path = "/moderation/held", tag = "moderation",
    responses((status = 200, body = HeldResponse), (status = 403, body = ErrorBody)))]
pub async fn held(State(state): State<AppState>, me: CurrentUser) -> ApiResult<axum::Json<HeldResponse>> {
    require(&me, Permission::ModerationReview)?;
    Ok(axum::Json(HeldResponse { held: state.store.held_messages("pending", 200).await? }))
}

#[utoipa::path(post, path = "/moderation/held/{id}/approve", tag = "moderation", params(("id" = i64, Path)),
    responses((status = 200, body = steward_core::model::Message, description = "Posted to its room as its author"), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn approve(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<steward_core::model::Message>> {
    Ok(axum::Json(decide_held(&state, &me, id, true).await?.ok_or_else(ApiError::not_found)?))
}

#[utoipa::path(post, path = "/moderation/held/{id}/reject", tag = "moderation", params(("id" = i64, Path)),
    responses((status = 204, description = "Rejected: it never reaches the room"), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn reject(State(state): State<AppState>, me: CurrentUser, Path(id): Path<i64>) -> ApiResult<StatusCode> {
    decide_held(&state, &me, id, false).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(crate) async fn decide_held(
    state: &AppState,
    me: &CurrentUser,
    id: i64,
    approve: bool,
) -> ApiResult<Option<steward_core::model::Message>> {
    require(me, Permission::ModerationReview)?;
    let h = state.store.held_message(id).await?.ok_or_else(ApiError::not_found)?;
    if h.status != "pending" {
        return Err(ApiError::new(StatusCode::CONFLICT, "already_decided"));
    }
    let mut posted = None;
    if approve {
        // Posted as its author, past the rules that held it.
        let author = state.store.user(h.author_id).await?.ok_or_else(ApiError::not_found)?;
        let new = steward_store::NewMessage::compose(h.room_id, h.author_id, &h.body);
        // (Published by the store's writer on commit.)
        let out = state.store.post_message(&new).await?;
        let _ = author;
        posted = Some(out.message);
    }
    let message_id = posted.as_ref().map(|m| m.id);
    if !state.store.decide_held(id, if approve { "approved" } else { "rejected" }, me.id(), message_id).await? {
        return Err(ApiError::new(StatusCode::CONFLICT, "already_decided"));
    }
    state
        .store
        .modlog(&NewModlog {
            actor_id: Some(me.id()),
            rule_id: h.rule_id.clone(),
            action: if approve { "held.approve".into() } else { "held.reject".into() },
            room_id: Some(h.room_id),
            user_id: Some(h.author_id),
            message_id,
            reason: h.reason.clone(),
            evidence: json!({ "text": h.body }).to_string(),
            ..Default::default()
        })
        .await?;
    crate::events::publish_user(
        state,
        h.author_id,
        json!({ "type": "moderation.held_decided", "held_id": id, "approved": approve, "room_id": h.room_id }),
    );
    Ok(posted)
}

// ---- reports and cases ----

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportInput {
    /// Why (1–500 characters).
    pub reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct Reported {
    pub case_id: i64,
    /// False when this person had reported it already.
    pub new: bool,
}

#[utoipa::path(post, path = "/rooms/{id}/messages/{msg_id}/report", tag = "moderation", params(("id" = i64, Path), ("msg_id" = i64, Path)), request_body = ReportInput,
    responses((status = 201, body = Reported), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn report(
    State(state): State<AppState>,
    me: CurrentUser,
    Path((room_id, msg_id)): Path<(i64, i64)>,
    Json(req): Json<ReportInput>,
) -> ApiResult<(StatusCode, axum::Json<Reported>)> {
    let reason = req.reason.trim();
    if reason.is_empty() {
        return Err(FieldError::new("reason", FieldRule::Required).into());
    }
    if reason.chars().count() > 500 {
        return Err(FieldError::with_limit("reason", FieldRule::TooLong, 500).into());
    }
    service::room_access(&state, &me.user, room_id).await?;
    let m = state.store.message(room_id, msg_id).await?.ok_or_else(ApiError::not_found)?;
    if m.deleted {
        return Err(ApiError::not_found());
    }
    if m.author_id == me.id() {
        return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "own_message"));
    }
    // Staff and moderators are trusted reporters: their reports go first.
    let weight = if me.user.permissions().has(Permission::ModerationReview) || me.user.role == SystemRole::Supervisor {
        10
    } else {
        1
    };
    let (case_id, new) =
        state.store.report_message(room_id, msg_id, m.author_id, &m.body, me.id(), reason, weight).await?;
    if new {
        state
            .store
            .modlog(&NewModlog {
                actor_id: Some(me.id()),
                action: "report.file".into(),
                room_id: Some(room_id),
                user_id: Some(m.author_id),
                message_id: Some(msg_id),
                reason: reason.into(),
                evidence: json!({ "text": m.body }).to_string(),
                ..Default::default()
            })
            .await?;
        moderation::notify_moderators(&state, json!({ "type": "moderation.case", "case_id": case_id })).await;
    }
    Ok((StatusCode::CREATED, axum::Json(Reported { case_id, new })))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct CasesQuery {
    /// `open` (default) or `resolved`.
    pub status: Option<String>,
    /// Only cases sent up to the admins.
    pub escalated: Option<bool>,
}

#[derive(Serialize, ToSchema)]
pub struct CasesResponse {
    /// Escalated first, then by priority (trusted reporters weigh more), then oldest.
    pub cases: Vec<ModCase>,
}

#[utoipa::path(get, path = "/moderation/cases", tag = "moderation", params(CasesQuery),
    responses((status = 200, body = CasesResponse), (status = 403, body = ErrorBody)))]
pub async fn cases(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(q): Query<CasesQuery>,
) -> ApiResult<axum::Json<CasesResponse>> {
    require(&me, Permission::ModerationReview)?;
    let status = match q.status.as_deref().unwrap_or("open") {
        s @ ("open" | "resolved") => s,
        _ => return Err(FieldError::new("status", FieldRule::InvalidChoice).into()),
    };
    Ok(axum::Json(CasesResponse { cases: state.store.cases(status, q.escalated.unwrap_or(false), 200).await? }))
}

#[utoipa::path(post, path = "/moderation/cases/{id}/escalate", tag = "moderation", params(("id" = i64, Path)),
    responses((status = 204, description = "Sent up to the admins"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn escalate(State(state): State<AppState>, me: CurrentUser, Path(id): Path<i64>) -> ApiResult<StatusCode> {
    escalate_case(&state, &me, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(crate) async fn escalate_case(state: &AppState, me: &CurrentUser, id: i64) -> ApiResult<()> {
    require(me, Permission::ModerationReview)?;
    let case = state.store.case(id).await?.ok_or_else(ApiError::not_found)?;
    if !state.store.escalate_case(id).await? {
        return Err(ApiError::not_found());
    }
    state
        .store
        .modlog(&NewModlog {
            actor_id: Some(me.id()),
            action: "case.escalate".into(),
            room_id: Some(case.room_id),
            user_id: Some(case.author_id),
            message_id: Some(case.message_id),
            reason: case.reasons.join("; "),
            ..Default::default()
        })
        .await?;
    Ok(())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolveInput {
    /// One case or many (bulk).
    pub case_ids: Vec<i64>,
    /// `dismissed` (nothing wrong), `removed` (delete the messages) or `actioned`.
    pub outcome: String,
    /// With `removed`/`actioned`: also sanction each author (`warn`, `mute`, `ban`).
    pub sanction: Option<String>,
    pub duration_secs: Option<u64>,
}

#[derive(Serialize, ToSchema)]
pub struct Resolved {
    pub resolved: Vec<i64>,
}

#[utoipa::path(post, path = "/moderation/cases/resolve", tag = "moderation", request_body = ResolveInput,
    responses((status = 200, body = Resolved), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn resolve(
    State(state): State<AppState>,
    me: CurrentUser,
    Json(req): Json<ResolveInput>,
) -> ApiResult<axum::Json<Resolved>> {
    Ok(axum::Json(resolve_cases(&state, &me, &req).await?))
}

pub(crate) async fn resolve_cases(state: &AppState, me: &CurrentUser, req: &ResolveInput) -> ApiResult<Resolved> {
    require(me, Permission::ModerationReview)?;
    if !matches!(req.outcome.as_str(), "dismissed" | "removed" | "actioned") {
        return Err(FieldError::new("outcome", FieldRule::InvalidChoice).into());
    }
    if req.case_ids.is_empty() || req.case_ids.len() > 200 {
        return Err(FieldError::with_limit("case_ids", FieldRule::TooLong, 200).into());
    }
    if let Some(k) = req.sanction.as_deref() {
        require(me, Permission::ModerationSanction)?;
        if !matches!(k, "warn" | "mute" | "ban") {
            return Err(FieldError::new("sanction", FieldRule::InvalidChoice).into());
        }
    }
    let mut cases = Vec::new();
    for id in &req.case_ids {
        if let Some(c) = state.store.case(*id).await?.filter(|c| c.status == "open") {
            cases.push(c);
        }
    }
    let ids: Vec<i64> = cases.iter().map(|c| c.id).collect();
    let resolved = state.store.resolve_cases(&ids, Some(me.id()), &req.outcome).await?;
    for c in cases.iter().filter(|c| resolved.contains(&c.id)) {
        if req.outcome == "removed"
            && let Ok(Some(m)) = state.store.message(c.room_id, c.message_id).await
            && !m.deleted
        {
            let (m, seq) = state.store.delete_message(c.room_id, c.message_id, me.id()).await?;
            crate::events::publish_room(
                state,
                c.room_id,
                seq,
                crate::events::message_event(steward_core::model::EventKind::MessageDeleted, &m, seq),
            );
        }
        if let Some(kind) = req.sanction.as_deref() {
            let reason = c.reasons.first().cloned().unwrap_or_default();
            moderation::impose(
                state,
                Some(me.id()),
                None,
                c.author_id,
                Some(c.room_id),
                kind,
                &reason,
                req.duration_secs,
                Some(c.message_id),
            )
            .await?;
        }
        state
            .store
            .modlog(&NewModlog {
                actor_id: Some(me.id()),
                action: format!("case.{}", req.outcome),
                room_id: Some(c.room_id),
                user_id: Some(c.author_id),
                message_id: Some(c.message_id),
                reason: c.reasons.join("; "),
                evidence: json!({ "text": c.snapshot, "reports": c.reports }).to_string(),
                ..Default::default()
            })
            .await?;
    }
    Ok(Resolved { resolved })
}

// ---- sanctions ----

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SanctionInput {
    pub user_id: i64,
    /// A room, or none for everywhere.
    pub room_id: Option<i64>,
    /// `warn`, `mute`, `kick` or `ban`.
    pub kind: String,
    /// For mutes and bans; none: until lifted.
    pub duration_secs: Option<u64>,
    /// Shown to the person (1–500 characters).
    pub reason: String,
    /// The message that prompted it, kept as evidence.
    pub message_id: Option<i64>,
}

#[utoipa::path(post, path = "/moderation/sanctions", tag = "moderation", request_body = SanctionInput,
    responses((status = 201, body = Sanction), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn sanction(
    State(state): State<AppState>,
    me: CurrentUser,
    Json(req): Json<SanctionInput>,
) -> ApiResult<(StatusCode, axum::Json<Sanction>)> {
    Ok((StatusCode::CREATED, axum::Json(impose_by(&state, &me, &req).await?)))
}

pub(crate) async fn impose_by(state: &AppState, me: &CurrentUser, req: &SanctionInput) -> ApiResult<Sanction> {
    require(me, Permission::ModerationSanction)?;
    if !matches!(req.kind.as_str(), "warn" | "mute" | "kick" | "ban") {
        return Err(FieldError::new("kind", FieldRule::InvalidChoice).into());
    }
    if req.kind == "mute" && req.duration_secs.is_none() {
        return Err(FieldError::new("duration_secs", FieldRule::Required).into());
    }
    let reason = req.reason.trim();
    if reason.is_empty() {
        return Err(FieldError::new("reason", FieldRule::Required).into());
    }
    if reason.chars().count() > 500 {
        return Err(FieldError::with_limit("reason", FieldRule::TooLong, 500).into());
    }
    if req.kind == "kick" && req.room_id.is_none() {
        return Err(FieldError::new("room_id", FieldRule::Required).into());
    }
    let target = state.store.user(req.user_id).await?.ok_or_else(ApiError::not_found)?;
    if target.id == me.id() {
        return Err(ApiError::new(StatusCode::CONFLICT, "cannot_sanction_self"));
    }
    // Moderators do not sanction those who run the installation.
    if target.permissions().has(Permission::SettingsEdit) && !me.user.permissions().has(Permission::SettingsEdit) {
        return Err(ApiError::forbidden());
    }
    // Moderators act across the installation: the room only has to exist.
    if let Some(r) = req.room_id
        && state.store.room(r).await?.is_none()
    {
        return Err(ApiError::not_found().with_field("room_id"));
    }
    moderation::impose(
        state,
        Some(me.id()),
        None,
        req.user_id,
        req.room_id,
        &req.kind,
        reason,
        req.duration_secs,
        req.message_id,
    )
    .await
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct SanctionsQuery {
    pub user_id: i64,
    /// Only those in force.
    pub active: Option<bool>,
}

#[derive(Serialize, ToSchema)]
pub struct SanctionsResponse {
    pub sanctions: Vec<Sanction>,
}

#[utoipa::path(get, path = "/moderation/sanctions", tag = "moderation", params(SanctionsQuery),
    responses((status = 200, body = SanctionsResponse), (status = 403, body = ErrorBody)))]
pub async fn sanctions(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(q): Query<SanctionsQuery>,
) -> ApiResult<axum::Json<SanctionsResponse>> {
    require(&me, Permission::ModerationReview)?;
    Ok(axum::Json(SanctionsResponse {
        sanctions: state.store.sanctions_of(q.user_id, q.active.unwrap_or(false)).await?,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LiftInput {
    #[serde(default)]
    pub reason: String,
}

#[utoipa::path(post, path = "/moderation/sanctions/{id}/lift", tag = "moderation", params(("id" = i64, Path)), request_body = LiftInput,
    responses((status = 200, body = Sanction), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn lift(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    Json(req): Json<LiftInput>,
) -> ApiResult<axum::Json<Sanction>> {
    Ok(axum::Json(lift_by(&state, &me, id, &req.reason).await?))
}

pub(crate) async fn lift_by(state: &AppState, me: &CurrentUser, id: i64, reason: &str) -> ApiResult<Sanction> {
    require(me, Permission::ModerationSanction)?;
    if reason.chars().count() > 500 {
        return Err(FieldError::with_limit("reason", FieldRule::TooLong, 500).into());
    }
    moderation::lift(state, me.id(), id, reason.trim()).await
}

#[utoipa::path(get, path = "/me/sanctions", tag = "moderation",
    responses((status = 200, body = SanctionsResponse, description = "One's own sanctions: reason and end")))]
pub async fn my_sanctions(State(state): State<AppState>, me: CurrentUser) -> ApiResult<axum::Json<SanctionsResponse>> {
    Ok(axum::Json(SanctionsResponse { sanctions: state.store.sanctions_of(me.id(), false).await? }))
}

// ---- appeals ----

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppealInput {
    /// 1–2,000 characters.
    pub text: String,
}

#[utoipa::path(post, path = "/me/sanctions/{id}/appeal", tag = "moderation", params(("id" = i64, Path)), request_body = AppealInput,
    responses((status = 201, body = Appeal), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody, description = "`limit_reached` (field `appeal`): one appeal per cooldown")))]
pub async fn appeal(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    Json(req): Json<AppealInput>,
) -> ApiResult<(StatusCode, axum::Json<Appeal>)> {
    let text = req.text.trim();
    if text.is_empty() {
        return Err(FieldError::new("text", FieldRule::Required).into());
    }
    if text.chars().count() > 2000 {
        return Err(FieldError::with_limit("text", FieldRule::TooLong, 2000).into());
    }
    let s = state.store.sanction(id).await?.filter(|s| s.user_id == me.id()).ok_or_else(ApiError::not_found)?;
    if s.kind == "kick" {
        return Err(ApiError::new(StatusCode::CONFLICT, "already_ended"));
    }
    let cooldown = i64::from(state.settings.get().appeal_cooldown_days.max(1)) * 86_400_000;
    let a = state.store.file_appeal(id, me.id(), text, cooldown).await?;
    state
        .store
        .modlog(&NewModlog {
            actor_id: Some(me.id()),
            action: "appeal.file".into(),
            room_id: s.room_id,
            user_id: Some(me.id()),
            reason: text.into(),
            ..Default::default()
        })
        .await?;
    moderation::notify_moderators(&state, json!({ "type": "moderation.appeal", "appeal_id": a.id })).await;
    Ok((StatusCode::CREATED, axum::Json(a)))
}

#[derive(Serialize, ToSchema)]
pub struct AppealView {
    #[serde(flatten)]
    pub appeal: Appeal,
    /// The sanction appealed, with its evidence.
    pub sanction: Option<Sanction>,
}

#[derive(Serialize, ToSchema)]
pub struct AppealsResponse {
    pub appeals: Vec<AppealView>,
}

#[utoipa::path(get, path = "/moderation/appeals", tag = "moderation",
    responses((status = 200, body = AppealsResponse), (status = 403, body = ErrorBody)))]
pub async fn appeals(State(state): State<AppState>, me: CurrentUser) -> ApiResult<axum::Json<AppealsResponse>> {
    require(&me, Permission::ModerationReview)?;
    let mut out = vec![];
    for a in state.store.appeals("open", 200).await? {
        let sanction = state.store.sanction(a.sanction_id).await?;
        out.push(AppealView { appeal: a, sanction });
    }
    Ok(axum::Json(AppealsResponse { appeals: out }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecideInput {
    /// Accepting lifts the sanction.
    pub accept: bool,
    /// Told to the person.
    #[serde(default)]
    pub note: String,
}

#[utoipa::path(post, path = "/moderation/appeals/{id}/decide", tag = "moderation", params(("id" = i64, Path)), request_body = DecideInput,
    responses((status = 204, description = "Decided; the person is told"), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn decide(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    Json(req): Json<DecideInput>,
) -> ApiResult<StatusCode> {
    decide_appeal(&state, &me, id, req.accept, &req.note).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(crate) async fn decide_appeal(
    state: &AppState,
    me: &CurrentUser,
    id: i64,
    accept: bool,
    note: &str,
) -> ApiResult<()> {
    require(me, Permission::ModerationSanction)?;
    let a = state.store.appeal(id).await?.ok_or_else(ApiError::not_found)?;
    if a.user_id == me.id() {
        return Err(ApiError::forbidden());
    }
    if note.chars().count() > 1000 {
        return Err(FieldError::with_limit("note", FieldRule::TooLong, 1000).into());
    }
    if !state.store.decide_appeal(id, accept, me.id(), note).await? {
        return Err(ApiError::new(StatusCode::CONFLICT, "already_decided"));
    }
    if accept {
        match moderation::lift(state, me.id(), a.sanction_id, note).await {
            Ok(_) => {}
            Err(e) if e.code == "already_ended" => {}
            Err(e) => return Err(e),
        }
    }
    state
        .store
        .modlog(&NewModlog {
            actor_id: Some(me.id()),
            action: if accept { "appeal.accept".into() } else { "appeal.reject".into() },
            user_id: Some(a.user_id),
            reason: note.into(),
            ..Default::default()
        })
        .await?;
    crate::events::publish_user(
        state,
        a.user_id,
        json!({ "type": "moderation.appeal_decided", "appeal_id": id, "accepted": accept, "note": note }),
    );
    Ok(())
}

// ---- modlog ----

#[derive(Deserialize, utoipa::IntoParams)]
pub struct LogQuery {
    pub room_id: Option<i64>,
    pub user_id: Option<i64>,
    /// An action (`sanction.mute`) or a prefix ending in a dot (`rule.`).
    pub action: Option<String>,
    pub before_id: Option<i64>,
    pub limit: Option<u64>,
    /// `json` (default), `csv` or `jsonl`.
    pub format: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct LogResponse {
    /// Newest first.
    pub entries: Vec<ModlogEntry>,
}

#[utoipa::path(get, path = "/moderation/log", tag = "moderation", params(LogQuery),
    responses((status = 200, body = LogResponse, description = "JSON, or CSV / JSON Lines with `format`"), (status = 403, body = ErrorBody)))]
pub async fn log(State(state): State<AppState>, me: CurrentUser, Query(q): Query<LogQuery>) -> ApiResult<Response> {
    require(&me, Permission::ModerationReview)?;
    let f = ModlogFilter {
        room_id: q.room_id,
        user_id: q.user_id,
        action: q.action.clone(),
        before_id: q.before_id,
        limit: q.limit.unwrap_or(200),
    };
    let entries = state.store.modlog_search(&f).await?;
    Ok(match q.format.as_deref().unwrap_or("json") {
        "json" => axum::Json(LogResponse { entries }).into_response(),
        "jsonl" => {
            let body: String = entries.iter().filter_map(|e| serde_json::to_string(e).ok()).map(|l| l + "\n").collect();
            download("application/x-ndjson", "attachment; filename=\"modlog.jsonl\"", body)
        }
        "csv" => {
            let mut body = String::from(
                "id,at,actor_id,rule_id,action,room_id,user_id,message_id,reason,evidence,duration_secs,dry_run\n",
            );
            for e in &entries {
                let cells = [
                    e.id.to_string(),
                    steward_core::model::rfc3339(e.at),
                    e.actor_id.map(|v| v.to_string()).unwrap_or_default(),
                    e.rule_id.clone().unwrap_or_default(),
                    e.action.clone(),
                    e.room_id.map(|v| v.to_string()).unwrap_or_default(),
                    e.user_id.map(|v| v.to_string()).unwrap_or_default(),
                    e.message_id.map(|v| v.to_string()).unwrap_or_default(),
                    e.reason.clone(),
                    e.evidence.clone(),
                    e.duration_secs.map(|v| v.to_string()).unwrap_or_default(),
                    e.dry_run.to_string(),
                ];
                body.push_str(&cells.iter().map(|c| super::admin::csv_field(c)).collect::<Vec<_>>().join(","));
                body.push('\n');
            }
            download("text/csv; charset=utf-8", "attachment; filename=\"modlog.csv\"", body)
        }
        _ => return Err(FieldError::new("format", FieldRule::InvalidChoice).into()),
    })
}

#[derive(Serialize, ToSchema)]
pub struct PublicLogEntry {
    pub id: i64,
    #[schema(value_type = String, format = DateTime)]
    pub at: String,
    pub action: String,
    /// The moderator, unless the admins hide names; none when a rule acted.
    pub actor_id: Option<i64>,
    /// True when a rule acted.
    pub by_rule: bool,
    pub user_id: Option<i64>,
    pub reason: String,
    pub duration_secs: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct PublicLogResponse {
    pub entries: Vec<PublicLogEntry>,
}

#[utoipa::path(get, path = "/rooms/{id}/modlog", tag = "moderation", params(("id" = i64, Path)),
    responses((status = 200, body = PublicLogResponse, description = "The room's moderation actions, when the admins publish the modlog (no evidence, moderator names hidden if they choose)"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn room_log(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(room_id): Path<i64>,
) -> ApiResult<axum::Json<PublicLogResponse>> {
    service::room_access(&state, &me.user, room_id).await?;
    let settings = state.settings.get();
    if !settings.public_modlog && !me.user.permissions().has(Permission::ModerationReview) {
        return Err(ApiError::new(StatusCode::FORBIDDEN, "modlog_private"));
    }
    let f = ModlogFilter { room_id: Some(room_id), limit: 200, ..Default::default() };
    let entries = state
        .store
        .modlog_search(&f)
        .await?
        .into_iter()
        // Trials of rules and reports are not actions taken.
        .filter(|e| !e.dry_run && !e.action.starts_with("report.") && e.action != "room.heat")
        .map(|e| PublicLogEntry {
            id: e.id,
            at: steward_core::model::rfc3339(e.at),
            by_rule: e.actor_id.is_none(),
            actor_id: if settings.modlog_hide_moderators { None } else { e.actor_id },
            action: e.action,
            user_id: e.user_id,
            reason: e.reason,
            duration_secs: e.duration_secs,
        })
        .collect();
    Ok(axum::Json(PublicLogResponse { entries }))
}

// ---- shared ban lists ----

#[derive(Serialize, ToSchema)]
pub struct BanListsResponse {
    pub lists: Vec<steward_core::model::BanList>,
}

#[utoipa::path(get, path = "/moderation/banlists", tag = "moderation",
    responses((status = 200, body = BanListsResponse), (status = 403, body = ErrorBody)))]
pub async fn ban_lists(State(state): State<AppState>, me: CurrentUser) -> ApiResult<axum::Json<BanListsResponse>> {
    require(&me, Permission::ModerationReview)?;
    Ok(axum::Json(BanListsResponse { lists: state.store.ban_lists().await? }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BanListInput {
    /// 1–60 characters, unique.
    pub name: String,
    #[serde(default)]
    pub description: String,
}

#[utoipa::path(post, path = "/moderation/banlists", tag = "moderation", request_body = BanListInput,
    responses((status = 201, body = BanListsResponse), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_ban_list(
    State(state): State<AppState>,
    me: CurrentUser,
    Json(req): Json<BanListInput>,
) -> ApiResult<(StatusCode, axum::Json<BanListsResponse>)> {
    require(&me, Permission::ModerationSanction)?;
    let name = req.name.trim();
    if name.is_empty() {
        return Err(FieldError::new("name", FieldRule::Required).into());
    }
    if name.chars().count() > 60 {
        return Err(FieldError::with_limit("name", FieldRule::TooLong, 60).into());
    }
    if req.description.chars().count() > 300 {
        return Err(FieldError::with_limit("description", FieldRule::TooLong, 300).into());
    }
    let id = state.store.create_ban_list(name, req.description.trim(), me.id()).await?;
    banlist_log(&state, me.id(), "banlist.create", None, None, &format!("#{id} {name}")).await?;
    Ok((StatusCode::CREATED, axum::Json(BanListsResponse { lists: state.store.ban_lists().await? })))
}

#[utoipa::path(delete, path = "/moderation/banlists/{id}", tag = "moderation", params(("id" = i64, Path)),
    responses((status = 204, description = "Deleted; its rooms stop enforcing it"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete_ban_list(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    require(&me, Permission::ModerationSanction)?;
    if !state.store.delete_ban_list(id).await? {
        return Err(ApiError::not_found());
    }
    crate::moderation::lists_changed(&state).await?;
    banlist_log(&state, me.id(), "banlist.delete", None, None, &format!("#{id}")).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn banlist_log(
    state: &AppState,
    actor: i64,
    action: &str,
    room_id: Option<i64>,
    user_id: Option<i64>,
    reason: &str,
) -> ApiResult<()> {
    let e = NewModlog {
        actor_id: Some(actor),
        action: action.into(),
        room_id,
        user_id,
        reason: reason.into(),
        ..Default::default()
    };
    state.store.modlog(&e).await?;
    Ok(())
}

#[derive(Serialize, ToSchema)]
pub struct BanEntriesResponse {
    pub entries: Vec<steward_core::model::BanEntry>,
}

#[utoipa::path(get, path = "/moderation/banlists/{id}/entries", tag = "moderation", params(("id" = i64, Path)),
    responses((status = 200, body = BanEntriesResponse), (status = 403, body = ErrorBody)))]
pub async fn ban_entries(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<BanEntriesResponse>> {
    require(&me, Permission::ModerationReview)?;
    Ok(axum::Json(BanEntriesResponse { entries: state.store.ban_entries(id).await? }))
}

#[utoipa::path(put, path = "/moderation/banlists/{id}/entries/{user_id}", tag = "moderation", params(("id" = i64, Path), ("user_id" = i64, Path)), request_body = LiftInput,
    responses((status = 204, description = "Listed: taken out of every subscribed room that does not exempt them"), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_ban_entry(
    State(state): State<AppState>,
    me: CurrentUser,
    Path((id, user_id)): Path<(i64, i64)>,
    Json(req): Json<LiftInput>,
) -> ApiResult<StatusCode> {
    require(&me, Permission::ModerationSanction)?;
    let target = state.store.user(user_id).await?.ok_or_else(|| ApiError::not_found().with_field("user_id"))?;
    if target.permissions().has(Permission::SettingsEdit) || target.id == me.id() {
        return Err(ApiError::forbidden());
    }
    if req.reason.chars().count() > 500 {
        return Err(FieldError::with_limit("reason", FieldRule::TooLong, 500).into());
    }
    if !state.store.ban_lists().await?.iter().any(|l| l.id == id) {
        return Err(ApiError::not_found());
    }
    state.store.add_ban_entry(id, user_id, req.reason.trim(), me.id()).await?;
    crate::moderation::lists_changed(&state).await?;
    for room in state.moderation.rooms_of_list(id) {
        if state.moderation.listed(user_id, room).is_some() {
            moderation::evict(&state, user_id, room).await?;
        }
    }
    banlist_log(&state, me.id(), "banlist.add", None, Some(user_id), req.reason.trim()).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(delete, path = "/moderation/banlists/{id}/entries/{user_id}", tag = "moderation", params(("id" = i64, Path), ("user_id" = i64, Path)),
    responses((status = 204, description = "Off the list"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn remove_ban_entry(
    State(state): State<AppState>,
    me: CurrentUser,
    Path((id, user_id)): Path<(i64, i64)>,
) -> ApiResult<StatusCode> {
    require(&me, Permission::ModerationSanction)?;
    if !state.store.remove_ban_entry(id, user_id).await? {
        return Err(ApiError::not_found());
    }
    crate::moderation::lists_changed(&state).await?;
    banlist_log(&state, me.id(), "banlist.remove", None, Some(user_id), "").await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn room_manager(state: &AppState, me: &CurrentUser, room_id: i64) -> ApiResult<()> {
    let (room, access) = service::manage_access(state, &me.user, room_id).await?;
    if !access.can_manage() || room.kind == steward_core::RoomKind::Direct {
        return Err(ApiError::forbidden());
    }
    Ok(())
}

#[utoipa::path(put, path = "/rooms/{id}/banlists/{list_id}", tag = "moderation", params(("id" = i64, Path), ("list_id" = i64, Path)),
    responses((status = 204, description = "The room enforces the list: listed people are taken out"), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn subscribe_list(
    State(state): State<AppState>,
    me: CurrentUser,
    Path((room_id, list_id)): Path<(i64, i64)>,
) -> ApiResult<StatusCode> {
    room_manager(&state, &me, room_id).await?;
    state.store.set_ban_list_room(list_id, room_id, true).await?;
    crate::moderation::lists_changed(&state).await?;
    for m in state.store.member_ids(room_id).await? {
        if state.moderation.listed(m, room_id).is_some() {
            moderation::evict(&state, m, room_id).await?;
        }
    }
    banlist_log(&state, me.id(), "banlist.subscribe", Some(room_id), None, &format!("#{list_id}")).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(delete, path = "/rooms/{id}/banlists/{list_id}", tag = "moderation", params(("id" = i64, Path), ("list_id" = i64, Path)),
    responses((status = 204, description = "The room no longer enforces the list"), (status = 403, body = ErrorBody)))]
pub async fn unsubscribe_list(
    State(state): State<AppState>,
    me: CurrentUser,
    Path((room_id, list_id)): Path<(i64, i64)>,
) -> ApiResult<StatusCode> {
    room_manager(&state, &me, room_id).await?;
    state.store.set_ban_list_room(list_id, room_id, false).await?;
    crate::moderation::lists_changed(&state).await?;
    banlist_log(&state, me.id(), "banlist.unsubscribe", Some(room_id), None, &format!("#{list_id}")).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(put, path = "/rooms/{id}/exemptions/{user_id}", tag = "moderation", params(("id" = i64, Path), ("user_id" = i64, Path)),
    responses((status = 204, description = "This room lets the person in despite its ban lists"), (status = 403, body = ErrorBody)))]
pub async fn exempt(
    State(state): State<AppState>,
    me: CurrentUser,
    Path((room_id, user_id)): Path<(i64, i64)>,
) -> ApiResult<StatusCode> {
    room_manager(&state, &me, room_id).await?;
    state.store.set_ban_exemption(room_id, user_id, true, me.id()).await?;
    crate::moderation::lists_changed(&state).await?;
    banlist_log(&state, me.id(), "banlist.exempt", Some(room_id), Some(user_id), "").await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(delete, path = "/rooms/{id}/exemptions/{user_id}", tag = "moderation", params(("id" = i64, Path), ("user_id" = i64, Path)),
    responses((status = 204, description = "The room's ban lists apply to the person again"), (status = 403, body = ErrorBody)))]
pub async fn unexempt(
    State(state): State<AppState>,
    me: CurrentUser,
    Path((room_id, user_id)): Path<(i64, i64)>,
) -> ApiResult<StatusCode> {
    room_manager(&state, &me, room_id).await?;
    state.store.set_ban_exemption(room_id, user_id, false, me.id()).await?;
    crate::moderation::lists_changed(&state).await?;
    if state.moderation.listed(user_id, room_id).is_some() {
        moderation::evict(&state, user_id, room_id).await?;
    }
    banlist_log(&state, me.id(), "banlist.unexempt", Some(room_id), Some(user_id), "").await?;
    Ok(StatusCode::NO_CONTENT)
}
