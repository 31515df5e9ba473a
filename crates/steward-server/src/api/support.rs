//! The support desk's JSON API for operators, supervisors and admins
//! (docs/SUPPORT.md): inboxes, departments, operators' availability,
//! conversations and what operators do with them, canned responses, macros.

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};
use steward_core::model::{CannedResponse, Conversation, Macro, User};
use steward_core::{FieldError, Permission, Rule};
use steward_store::{AssignOutcome, ConversationFilter};
use utoipa::ToSchema;

use super::{Json, Path, Query, require};
use crate::api::ErrorBody;
use crate::audit::{self, Event, Origin};
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::support::{self, InboxSettings};

use axum::Json as J;

fn ev<'a>(me: &CurrentUser, action: &'a str, inbox: i64, after: Value) -> Event<'a> {
    Event { after, ..Event::new(Some(me.id()), action, "inbox", Some(inbox)) }
}

/// An RFC 3339 time from a request, as Unix milliseconds.
fn parse_time(raw: &str, field: &'static str) -> Result<i64, FieldError> {
    time::OffsetDateTime::parse(raw, &time::format_description::well_known::Rfc3339)
        .map(|t| (t.unix_timestamp_nanos() / 1_000_000) as i64)
        .map_err(|_| FieldError::new(field, Rule::InvalidFormat))
}

pub(crate) fn check_name(raw: &str, field: &'static str, max: usize) -> ApiResult<String> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(FieldError::new(field, Rule::Required).into());
    }
    if s.chars().count() > max {
        return Err(FieldError::with_limit(field, Rule::TooLong, max).into());
    }
    Ok(s.to_string())
}

// ----- inboxes -----

/// An inbox's agent bot must be an active bot account.
async fn check_agent_bot(state: &AppState, bot: Option<i64>) -> ApiResult<()> {
    let Some(id) = bot else { return Ok(()) };
    let ok = state.store.is_bot(id).await?
        && state.store.user(id).await?.is_some_and(|u| u.status == steward_core::model::UserStatus::Active);
    if !ok {
        return Err(ApiError::from(FieldError::new("settings.agent_bot", Rule::InvalidChoice))
            .with_detail(json!("an active bot account (POST /admin/bots)")));
    }
    Ok(())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InboxInput {
    /// 1–60 characters.
    pub name: String,
    /// `widget` (default) or `api`.
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub settings: Option<InboxSettings>,
}

fn inbox_json(state: &AppState, inbox: &steward_core::model::Inbox, members: Vec<i64>) -> Value {
    let _ = state;
    json!({ "inbox": inbox, "members": members })
}

#[utoipa::path(get, path = "/support/inboxes", tag = "support",
    responses((status = 200, description = "Inboxes the caller works in (all with support.manage or support.view_all)")))]
pub async fn inboxes(State(state): State<AppState>, me: CurrentUser) -> ApiResult<J<Value>> {
    let all = state.store.inboxes().await?;
    let p = me.user.permissions();
    let (mine, _) = state.store.operator_scope(me.id()).await?;
    let mut out = vec![];
    for i in all {
        if p.has(Permission::SupportManage) || p.has(Permission::SupportViewAll) || mine.contains(&i.id) {
            let members = state.store.inbox_members(i.id).await?;
            let departments = state.store.departments(Some(i.id)).await?;
            out.push(json!({ "inbox": i, "members": members, "departments": departments }));
        }
    }
    Ok(J(json!({ "inboxes": out })))
}

#[utoipa::path(post, path = "/support/inboxes", tag = "support", request_body = InboxInput,
    responses((status = 201, description = "Created; `identity_secret` is shown this once"), (status = 422, body = ErrorBody)))]
pub async fn create_inbox(
    State(state): State<AppState>,
    me: CurrentUser,
    origin: Origin,
    Json(req): Json<InboxInput>,
) -> ApiResult<(StatusCode, J<Value>)> {
    require(&me, Permission::SupportManage)?;
    let name = check_name(&req.name, "name", 60)?;
    let kind = req.kind.as_deref().unwrap_or("widget");
    if !matches!(kind, "widget" | "api") {
        return Err(FieldError::new("kind", Rule::InvalidChoice).into());
    }
    let settings = req.settings.unwrap_or_default();
    let compiled = settings.compile()?;
    check_agent_bot(&state, compiled.settings.agent_bot).await?;
    let key = crate::auth::new_token()[..20].to_string();
    let secret = crate::auth::new_token();
    let value = serde_json::to_value(&compiled.settings).map_err(anyhow::Error::from)?;
    // The secret is sealed bound to the inbox's id, which exists only after
    // the insert: store a placeholder, then the sealed value.
    let inbox = state.store.create_inbox(&key, &name, kind, &value, "").await?;
    state.store.set_inbox_secret(inbox.id, &state.secret_key.seal(&format!("inbox:{}", inbox.id), &secret)).await?;
    if let Some(bot) = compiled.settings.agent_bot {
        state.store.set_inbox_members(inbox.id, &[bot]).await?;
    }
    audit::record(&state, &origin, ev(&me, "support.inbox_create", inbox.id, json!({ "name": name }))).await;
    Ok((StatusCode::CREATED, J(json!({ "inbox": inbox, "identity_secret": secret }))))
}

#[utoipa::path(patch, path = "/support/inboxes/{id}", tag = "support", params(("id" = i64, Path)), request_body = InboxInput,
    responses((status = 200, description = "Updated"), (status = 422, body = ErrorBody)))]
pub async fn update_inbox(
    State(state): State<AppState>,
    me: CurrentUser,
    origin: Origin,
    Path(id): Path<i64>,
    Json(req): Json<InboxInput>,
) -> ApiResult<J<Value>> {
    require(&me, Permission::SupportManage)?;
    let cur = state.store.inbox(id).await?.ok_or_else(ApiError::not_found)?;
    let name = check_name(&req.name, "name", 60)?;
    let settings = match req.settings {
        Some(s) => s,
        None => support::settings_of(&cur).settings,
    };
    let compiled = settings.compile()?;
    check_agent_bot(&state, compiled.settings.agent_bot).await?;
    let value = serde_json::to_value(&compiled.settings).map_err(anyhow::Error::from)?;
    let inbox = state.store.update_inbox(id, &name, &value).await?;
    audit::record(&state, &origin, ev(&me, "support.inbox_update", id, value)).await;
    let mut members = state.store.inbox_members(id).await?;
    // The agent bot works in the inbox (it sees its conversations); one that was replaced no longer does.
    let old_bot = support::settings_of(&cur).settings.agent_bot;
    let before = members.clone();
    members.retain(|m| Some(*m) != old_bot || old_bot == compiled.settings.agent_bot);
    if let Some(bot) = compiled.settings.agent_bot
        && !members.contains(&bot)
    {
        members.push(bot);
    }
    if members != before {
        state.store.set_inbox_members(id, &members).await?;
    }
    Ok(J(inbox_json(&state, &inbox, members)))
}

#[utoipa::path(delete, path = "/support/inboxes/{id}", tag = "support", params(("id" = i64, Path)),
    responses((status = 204, description = "Deleted with its conversations")))]
pub async fn delete_inbox(
    State(state): State<AppState>,
    me: CurrentUser,
    origin: Origin,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    require(&me, Permission::SupportManage)?;
    if !state.store.delete_inbox(id).await? {
        return Err(ApiError::not_found());
    }
    audit::record(&state, &origin, ev(&me, "support.inbox_delete", id, Value::Null)).await;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/support/inboxes/{id}/secret", tag = "support", params(("id" = i64, Path)),
    responses((status = 200, description = "A new identity secret, shown this once; the old one stops working")))]
pub async fn rotate_secret(
    State(state): State<AppState>,
    me: CurrentUser,
    origin: Origin,
    Path(id): Path<i64>,
) -> ApiResult<J<Value>> {
    require(&me, Permission::SupportManage)?;
    state.store.inbox(id).await?.ok_or_else(ApiError::not_found)?;
    let secret = crate::auth::new_token();
    state.store.set_inbox_secret(id, &state.secret_key.seal(&format!("inbox:{id}"), &secret)).await?;
    audit::record(&state, &origin, ev(&me, "support.inbox_secret", id, Value::Null)).await;
    Ok(J(json!({ "identity_secret": secret })))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MembersInput {
    pub user_ids: Vec<i64>,
}

fn check_ids(ids: &[i64]) -> ApiResult<Vec<i64>> {
    if ids.len() > 1000 {
        return Err(FieldError::with_limit("user_ids", Rule::TooLong, 1000).into());
    }
    let mut v = ids.to_vec();
    v.sort_unstable();
    v.dedup();
    Ok(v)
}

#[utoipa::path(put, path = "/support/inboxes/{id}/members", tag = "support", params(("id" = i64, Path)), request_body = MembersInput,
    responses((status = 204, description = "The inbox's operators replaced")))]
pub async fn set_inbox_members(
    State(state): State<AppState>,
    me: CurrentUser,
    origin: Origin,
    Path(id): Path<i64>,
    Json(req): Json<MembersInput>,
) -> ApiResult<StatusCode> {
    require(&me, Permission::SupportManage)?;
    let inbox = state.store.inbox(id).await?.ok_or_else(ApiError::not_found)?;
    let mut ids = check_ids(&req.user_ids)?;
    // The inbox's agent bot stays a member whatever the list says.
    if let Some(bot) = support::settings_of(&inbox).settings.agent_bot
        && !ids.contains(&bot)
    {
        ids.push(bot);
    }
    state.store.set_inbox_members(id, &ids).await?;
    audit::record(&state, &origin, ev(&me, "support.inbox_members", id, json!(ids))).await;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DepartmentInput {
    pub name: String,
    /// A routing mode of its own; absent: the inbox's.
    pub routing: Option<String>,
}

#[utoipa::path(post, path = "/support/inboxes/{id}/departments", tag = "support", params(("id" = i64, Path)), request_body = DepartmentInput,
    responses((status = 201, description = "Created")))]
pub async fn create_department(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    Json(req): Json<DepartmentInput>,
) -> ApiResult<(StatusCode, J<steward_core::model::Department>)> {
    require(&me, Permission::SupportManage)?;
    let name = check_name(&req.name, "name", 60)?;
    if let Some(r) = &req.routing {
        steward_support::routing::RoutingMode::parse(r).map_err(|_| FieldError::new("routing", Rule::InvalidChoice))?;
    }
    let d = state.store.create_department(id, &name, req.routing.as_deref()).await?;
    Ok((StatusCode::CREATED, J(d)))
}

#[utoipa::path(delete, path = "/support/departments/{id}", tag = "support", params(("id" = i64, Path)),
    responses((status = 204, description = "Deleted; its conversations keep their inbox")))]
pub async fn delete_department(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    require(&me, Permission::SupportManage)?;
    if !state.store.delete_department(id).await? {
        return Err(ApiError::not_found());
    }
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(put, path = "/support/departments/{id}/members", tag = "support", params(("id" = i64, Path)), request_body = MembersInput,
    responses((status = 204, description = "The department's operators replaced")))]
pub async fn set_department_members(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    Json(req): Json<MembersInput>,
) -> ApiResult<StatusCode> {
    require(&me, Permission::SupportManage)?;
    let ids = check_ids(&req.user_ids)?;
    state.store.set_department_members(id, &ids).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ----- operators -----

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AvailabilityInput {
    /// `online`, `away` or `offline`.
    pub availability: Option<String>,
    /// 0–100 open conversations at once; 0 is no limit.
    pub capacity: Option<i64>,
}

#[utoipa::path(put, path = "/support/me", tag = "support", request_body = AvailabilityInput,
    responses((status = 200, body = steward_core::model::OperatorState)))]
pub async fn set_me(
    State(state): State<AppState>,
    me: CurrentUser,
    Json(req): Json<AvailabilityInput>,
) -> ApiResult<J<steward_core::model::OperatorState>> {
    set_operator(&state, me.id(), req).await.map(J)
}

async fn set_operator(
    state: &AppState,
    user_id: i64,
    req: AvailabilityInput,
) -> ApiResult<steward_core::model::OperatorState> {
    if let Some(a) = &req.availability
        && !matches!(a.as_str(), "online" | "away" | "offline")
    {
        return Err(FieldError::new("availability", Rule::InvalidChoice).into());
    }
    if let Some(c) = req.capacity
        && !(0..=100).contains(&c)
    {
        return Err(FieldError::with_limit("capacity", Rule::TooLong, 100).into());
    }
    let st = state.store.set_operator(user_id, req.availability.as_deref(), req.capacity).await?;
    crate::events::publish_user(
        state,
        user_id,
        json!({ "type": "support.availability", "availability": st.availability }),
    );
    if st.availability == "online" {
        support::drain_for(state, user_id).await?;
    }
    Ok(st)
}

#[utoipa::path(get, path = "/support/me", tag = "support", responses((status = 200, body = steward_core::model::OperatorState)))]
pub async fn get_me(State(state): State<AppState>, me: CurrentUser) -> ApiResult<J<Value>> {
    let st = state.store.operator(me.id()).await?;
    let (inboxes, departments) = state.store.operator_scope(me.id()).await?;
    Ok(J(json!({ "operator": st, "inboxes": inboxes, "departments": departments })))
}

#[utoipa::path(put, path = "/support/operators/{id}", tag = "support", params(("id" = i64, Path)), request_body = AvailabilityInput,
    responses((status = 200, body = steward_core::model::OperatorState)))]
pub async fn set_other(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    Json(req): Json<AvailabilityInput>,
) -> ApiResult<J<steward_core::model::OperatorState>> {
    require(&me, Permission::SupportManage)?;
    set_operator(&state, id, req).await.map(J)
}

/// The supervisor's live view: queue, operators and their load, longest
/// waits, SLA at risk.
#[utoipa::path(get, path = "/support/overview", tag = "support", responses((status = 200, description = "Live figures")))]
pub async fn overview(State(state): State<AppState>, me: CurrentUser) -> ApiResult<J<Value>> {
    require(&me, Permission::SupportViewAll)?;
    let ops = state.store.operators().await?;
    let users = state.store.users_by_ids(&ops.iter().map(|o| o.user_id).collect::<Vec<_>>()).await?;
    let operators: Vec<Value> = ops
        .iter()
        .map(|o| {
            let u = users.iter().find(|u| u.id == o.user_id);
            json!({ "state": o, "user": u.map(User::brief), "connected": state.is_online(o.user_id) })
        })
        .collect();
    let mut waiting = vec![];
    for i in state.store.inboxes().await? {
        waiting.extend(state.store.waiting(i.id, 50).await?);
    }
    waiting.sort_by_key(|c| c.waiting_since.unwrap_or(i64::MAX));
    let open = state
        .store
        .conversations(&ConversationFilter {
            status: Some(vec!["open".into(), "snoozed".into(), "pending".into()]),
            limit: 500,
            ..Default::default()
        })
        .await?;
    let at_risk: Vec<&Conversation> =
        open.iter().filter(|c| matches!(c.sla_state.as_str(), "warning" | "breached")).collect();
    let now = steward_store::now_ms();
    Ok(J(json!({
        "queue_length": waiting.len(),
        "longest_wait_secs": waiting.first().and_then(|c| c.waiting_since).map(|w| (now - w) / 1000),
        "waiting": waiting.iter().take(20).collect::<Vec<_>>(),
        "open": open.len(),
        "sla_at_risk": at_risk,
        "operators": operators,
    })))
}

// ----- conversations -----

#[derive(Deserialize, ToSchema)]
pub struct ListQuery {
    /// `mine`, `unassigned`, `all` (open, snoozed, pending) or `resolved`.
    pub queue: Option<String>,
    pub inbox_id: Option<i64>,
    pub department_id: Option<i64>,
    pub label: Option<String>,
    pub before_id: Option<i64>,
    pub limit: Option<u64>,
}

#[utoipa::path(get, path = "/support/conversations", tag = "support",
    params(("queue" = Option<String>, Query), ("inbox_id" = Option<i64>, Query), ("department_id" = Option<i64>, Query), ("label" = Option<String>, Query), ("before_id" = Option<i64>, Query)),
    responses((status = 200, description = "Conversations the caller may see, newest first, with counts per queue")))]
pub async fn conversations(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(q): Query<ListQuery>,
) -> ApiResult<J<Value>> {
    state.store.touch_operator(me.id()).await?;
    let queue = q.queue.as_deref().unwrap_or("all");
    if !matches!(queue, "mine" | "unassigned" | "all" | "resolved") {
        return Err(FieldError::new("queue", Rule::InvalidChoice).into());
    }
    let mut f = support::queue_filter(&me.user, queue).await;
    f.inbox_ids = q.inbox_id.map(|i| vec![i]);
    f.department_id = q.department_id;
    f.label = q.label.clone();
    f.before_id = q.before_id;
    f.limit = q.limit.unwrap_or(50).clamp(1, 200);
    let list = state.store.conversations(&f).await?;
    let mut counts = serde_json::Map::new();
    for name in ["mine", "unassigned", "all"] {
        let mut cf = support::queue_filter(&me.user, name).await;
        cf.inbox_ids = q.inbox_id.map(|i| vec![i]);
        counts.insert(name.into(), json!(state.store.count_conversations(&cf).await?));
    }
    let items = with_contacts(&state, list).await?;
    Ok(J(json!({ "conversations": items, "counts": counts })))
}

/// Conversations with their contact's name and e-mail, for lists.
async fn with_contacts(state: &AppState, list: Vec<Conversation>) -> ApiResult<Vec<Value>> {
    let mut out = Vec::with_capacity(list.len());
    for c in list {
        let contact = state.store.contact(c.contact_id).await?;
        let room = state.store.room(c.room_id).await?;
        out.push(json!({
            "conversation": c,
            "contact": contact.map(|k| json!({ "id": k.id, "name": k.name, "email": k.email })),
            "last_seq": room.map_or(0, |r| r.last_seq),
        }));
    }
    Ok(out)
}

#[utoipa::path(get, path = "/support/conversations/{id}", tag = "support", params(("id" = i64, Path)),
    responses((status = 200, description = "The conversation, its contact card, past conversations, reporting figures"), (status = 404, body = ErrorBody)))]
pub async fn conversation(State(state): State<AppState>, me: CurrentUser, Path(id): Path<i64>) -> ApiResult<J<Value>> {
    let conv = support::visible(&state, &me.user, id).await?;
    let contact = state.store.contact(conv.contact_id).await?;
    let past = state.store.contact_conversations(conv.contact_id, 20).await?;
    let past: Vec<&Conversation> = past.iter().filter(|c| c.id != conv.id).collect();
    let events = state.store.conversation_events(conv.id).await?;
    let report = crate::support_sla::report(&state, &conv, &events).await?;
    let scheduled: Vec<Value> = state
        .store
        .scheduled_for(conv.id)
        .await?
        .into_iter()
        .map(|s| json!({ "id": s.0, "author_id": s.1, "body": s.2, "internal": s.3, "send_at": steward_core::model::rfc3339(s.4) }))
        .collect();
    Ok(J(json!({
        "conversation": conv,
        "contact": contact,
        "past": past,
        "events": events,
        "report": report,
        "scheduled": scheduled,
    })))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignInput {
    /// Who gets it; absent or null: back to the queue.
    pub user_id: Option<i64>,
    /// Said to the new assignee (as an internal note).
    pub comment: Option<String>,
}

/// Takes (assign to oneself), assigns or unassigns. Taking from the queue
/// never takes a conversation someone else has; supervisors reassign.
#[utoipa::path(post, path = "/support/conversations/{id}/assign", tag = "support", params(("id" = i64, Path)), request_body = AssignInput,
    responses((status = 200, body = Conversation), (status = 409, body = ErrorBody, description = "taken or operator_full")))]
pub async fn assign(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    Json(req): Json<AssignInput>,
) -> ApiResult<J<Conversation>> {
    let conv = support::visible(&state, &me.user, id).await?;
    let manager = me.user.permissions().has(Permission::SupportViewAll);
    transfer_to(&state, &me.user, &conv, req.user_id, None, req.comment.as_deref(), manager, "assigned").await.map(J)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferInput {
    pub user_id: Option<i64>,
    pub department_id: Option<i64>,
    /// Why, for the next person (an internal note).
    pub comment: Option<String>,
}

#[utoipa::path(post, path = "/support/conversations/{id}/transfer", tag = "support", params(("id" = i64, Path)), request_body = TransferInput,
    responses((status = 200, body = Conversation), (status = 409, body = ErrorBody)))]
pub async fn transfer(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    Json(req): Json<TransferInput>,
) -> ApiResult<J<Conversation>> {
    let conv = support::visible(&state, &me.user, id).await?;
    let manager = me.user.permissions().has(Permission::SupportViewAll);
    if conv.assignee_id != Some(me.id()) && !manager {
        return Err(ApiError::forbidden());
    }
    if req.user_id.is_none() && req.department_id.is_none() {
        return Err(FieldError::new("user_id", Rule::Required).into());
    }
    transfer_to(&state, &me.user, &conv, req.user_id, req.department_id, req.comment.as_deref(), true, "transferred")
        .await
        .map(J)
}

#[allow(clippy::too_many_arguments)]
async fn transfer_to(
    state: &AppState,
    actor: &User,
    conv: &Conversation,
    to: Option<i64>,
    department: Option<i64>,
    comment: Option<&str>,
    may_reassign: bool,
    event: &str,
) -> ApiResult<Conversation> {
    if conv.status == "resolved" {
        return Err(ApiError::new(StatusCode::CONFLICT, "resolved"));
    }
    if let Some(c) = comment
        && c.chars().count() > 2000
    {
        return Err(FieldError::with_limit("comment", Rule::TooLong, 2000).into());
    }
    if let Some(d) = department {
        if !state.store.departments(Some(conv.inbox_id)).await?.iter().any(|x| x.id == d) {
            return Err(FieldError::new("department_id", Rule::InvalidChoice).into());
        }
        state.store.update_conversation(conv.id, None, Some(Some(d)), None).await?;
    }
    let prev = conv.assignee_id;
    if prev.is_some() && prev != Some(actor.id) && !may_reassign {
        return Err(ApiError::new(StatusCode::CONFLICT, "taken"));
    }
    match to {
        Some(op) => {
            // The new assignee must work in the inbox (and the department, if any).
            let dept = department.or(conv.department_id);
            let ok = state.store.candidates(conv.inbox_id, dept).await?.iter().any(|o| o.user_id == op);
            if !ok {
                return Err(FieldError::new("user_id", Rule::InvalidChoice).into());
            }
            // Taking for oneself respects capacity and availability; a
            // supervisor's assignment or a transfer puts it on the person regardless.
            let force = op != actor.id || may_reassign;
            let data = json!({ "to": op, "from": prev, "by": actor.id, "department_id": department });
            match state.store.assign(conv.id, op, prev, force, None, Some(actor.id), event, &data).await? {
                AssignOutcome::Assigned { joined_seq } => {
                    // Taking a conversation from the bot hands it over.
                    if conv.status == "pending"
                        && let Some(c) =
                            state.store.set_conversation_status(conv.id, "open", None, Some(actor.id)).await?
                    {
                        support::status_changed(state, &conv.status, &c).await;
                    }
                    support::after_assign(state, conv.id, op, joined_seq).await?
                }
                AssignOutcome::OperatorFull => return Err(ApiError::new(StatusCode::CONFLICT, "operator_full")),
                AssignOutcome::Taken => return Err(ApiError::new(StatusCode::CONFLICT, "taken")),
            }
        }
        None => {
            if let Some(p) = prev {
                state.store.unassign(conv.id, p, false, Some(actor.id), event).await?;
            }
            support::route(state, conv.id).await?;
        }
    }
    if let Some(p) = prev
        && Some(p) != to
    {
        support::drain_for(state, p).await?;
    }
    if let Some(text) = comment.map(str::trim).filter(|s| !s.is_empty()) {
        crate::service::post_message(state, actor, conv.room_id, crate::service::PostInput::text(text, true)).await?;
    }
    let updated = state.store.conversation(conv.id).await?.ok_or_else(ApiError::not_found)?;
    support::announce(state, &updated).await;
    Ok(updated)
}

#[utoipa::path(post, path = "/support/conversations/{id}/accept", tag = "support", params(("id" = i64, Path)),
    responses((status = 200, body = Conversation), (status = 409, body = ErrorBody)))]
pub async fn accept(State(state): State<AppState>, me: CurrentUser, Path(id): Path<i64>) -> ApiResult<J<Conversation>> {
    let conv = support::visible(&state, &me.user, id).await?;
    if conv.assignee_id.is_none() {
        // Offer to all: the first to accept wins (assignment is conditional).
        return transfer_to(&state, &me.user, &conv, Some(me.id()), None, None, false, "assigned").await.map(J);
    }
    if !state.store.accept_offer(conv.id, me.id()).await? {
        return Err(ApiError::new(StatusCode::CONFLICT, "taken"));
    }
    let updated = state.store.conversation(conv.id).await?.ok_or_else(ApiError::not_found)?;
    support::announce(&state, &updated).await;
    Ok(J(updated))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EscalateInput {
    /// A supervisor to ask; absent: every supervisor of the inbox hears it.
    pub to: Option<i64>,
    pub comment: Option<String>,
}

/// "Ask for help": a supervisor is notified and may join, whisper or take over.
#[utoipa::path(post, path = "/support/conversations/{id}/escalate", tag = "support", params(("id" = i64, Path)), request_body = EscalateInput,
    responses((status = 200, body = Conversation)))]
pub async fn escalate(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    Json(req): Json<EscalateInput>,
) -> ApiResult<J<Conversation>> {
    let conv = support::visible(&state, &me.user, id).await?;
    let comment = req.comment.as_deref().map(str::trim).filter(|s| !s.is_empty());
    if comment.is_some_and(|c| c.chars().count() > 2000) {
        return Err(FieldError::with_limit("comment", Rule::TooLong, 2000).into());
    }
    let targets: Vec<User> = match req.to {
        Some(t) => {
            let u = state.store.user(t).await?.ok_or(FieldError::new("to", Rule::InvalidChoice))?;
            if !u.permissions().has(Permission::SupportViewAll) {
                return Err(FieldError::new("to", Rule::InvalidChoice).into());
            }
            vec![u]
        }
        None => {
            let ids: Vec<i64> = support::support_viewers(&state).await.into_iter().filter(|&u| u != me.id()).collect();
            state.store.users_by_ids(&ids).await?
        }
    };
    let updated = state.store.update_conversation(conv.id, None, None, Some(targets.first().map(|u| u.id))).await?;
    state
        .store
        .add_conversation_event(
            conv.id,
            "escalated",
            Some(me.id()),
            &json!({ "to": targets.iter().map(|u| u.id).collect::<Vec<_>>() }),
        )
        .await?;
    if let Some(text) = comment {
        crate::service::post_message(&state, &me.user, conv.room_id, crate::service::PostInput::text(text, true))
            .await?;
    }
    for t in &targets {
        crate::events::publish_user(
            &state,
            t.id,
            json!({ "type": "support.escalated", "conversation_id": conv.id, "by": me.user.brief(), "comment": comment }),
        );
    }
    support::announce(&state, &updated).await;
    Ok(J(updated))
}

/// A supervisor joins the conversation (then may post to the contact).
#[utoipa::path(post, path = "/support/conversations/{id}/join", tag = "support", params(("id" = i64, Path)),
    responses((status = 200, body = Conversation)))]
pub async fn join(State(state): State<AppState>, me: CurrentUser, Path(id): Path<i64>) -> ApiResult<J<Conversation>> {
    let conv = support::visible(&state, &me.user, id).await?;
    require(&me, Permission::SupportViewAll)?;
    if let Some(seq) = state.store.join_conversation_room(conv.room_id, me.id()).await? {
        crate::events::publish_room(
            &state,
            conv.room_id,
            seq,
            crate::events::member_event(
                steward_core::model::EventKind::MemberJoined,
                conv.room_id,
                seq,
                &me.user.brief(),
            ),
        );
        crate::events::subscribe(&state, me.id(), conv.room_id);
        state.store.add_conversation_event(conv.id, "joined", Some(me.id()), &Value::Null).await?;
        support::announce(&state, &conv).await;
    }
    Ok(J(conv))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusInput {
    /// `open`, `pending`, `snoozed` or `resolved`.
    pub status: String,
    /// With `snoozed`: until when (RFC 3339), or `snooze_minutes`.
    pub snoozed_until: Option<String>,
    pub snooze_minutes: Option<i64>,
}

#[utoipa::path(post, path = "/support/conversations/{id}/status", tag = "support", params(("id" = i64, Path)), request_body = StatusInput,
    responses((status = 200, body = Conversation), (status = 422, body = ErrorBody)))]
pub async fn set_status(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    Json(req): Json<StatusInput>,
) -> ApiResult<J<Conversation>> {
    let conv = support::visible(&state, &me.user, id).await?;
    let status = steward_support::ConversationStatus::parse(&req.status)
        .map_err(|_| FieldError::new("status", Rule::InvalidChoice))?;
    let until = if status.as_str() == "snoozed" {
        let now = steward_store::now_ms();
        let at = match (&req.snoozed_until, req.snooze_minutes) {
            (Some(s), _) => parse_time(s, "snoozed_until")?,
            (None, Some(m)) if (1..=60 * 24 * 90).contains(&m) => now + m * 60_000,
            (None, Some(_)) => return Err(FieldError::with_limit("snooze_minutes", Rule::TooLong, 60 * 24 * 90).into()),
            (None, None) => return Err(FieldError::new("snoozed_until", Rule::Required).into()),
        };
        if at <= now {
            return Err(FieldError::new("snoozed_until", Rule::InvalidFormat).into());
        }
        Some(at)
    } else {
        None
    };
    support::set_status(&state, &conv, status.as_str(), until, Some(me.id())).await.map(J)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HandoverInput {
    /// Why, for reports (1–40 characters; default `bot`), e.g. `human_requested`, `out_of_scope`.
    pub reason: Option<String>,
    /// A last word to the customer before people take over.
    pub message: Option<String>,
}

#[utoipa::path(post, path = "/support/conversations/{id}/handover", tag = "support", params(("id" = i64, Path)), request_body = HandoverInput,
    responses((status = 200, body = Conversation), (status = 409, body = ErrorBody, description = "Not with a bot (`not_pending`)")))]
/// The agent bot passes a conversation it holds (status `pending`) to people.
pub async fn handover(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    Json(req): Json<HandoverInput>,
) -> ApiResult<J<Conversation>> {
    let conv = support::visible(&state, &me.user, id).await?;
    let agent = support::agent_bot_of(&state, conv.inbox_id).await?;
    if agent != Some(me.id()) && !me.user.permissions().has(Permission::SupportManage) {
        return Err(ApiError::forbidden());
    }
    let reason = req.reason.as_deref().map(str::trim).filter(|r| !r.is_empty()).unwrap_or("bot");
    if reason.chars().count() > 40 {
        return Err(FieldError::with_limit("reason", Rule::TooLong, 40).into());
    }
    support::hand_over(&state, &me.user, &conv, reason, req.message.as_deref()).await.map(J)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchInput {
    /// `low`, `normal`, `high` or `urgent`.
    pub priority: Option<String>,
    /// Replaces the labels; each 1–40 characters, at most 20.
    pub labels: Option<Vec<String>>,
}

#[utoipa::path(patch, path = "/support/conversations/{id}", tag = "support", params(("id" = i64, Path)), request_body = PatchInput,
    responses((status = 200, body = Conversation)))]
pub async fn patch(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    Json(req): Json<PatchInput>,
) -> ApiResult<J<Conversation>> {
    let conv = support::visible(&state, &me.user, id).await?;
    let priority = req
        .priority
        .as_deref()
        .map(|p| steward_support::Priority::parse(p).map_err(|_| FieldError::new("priority", Rule::InvalidChoice)))
        .transpose()?;
    if let Some(labels) = &req.labels {
        if labels.len() > 20 {
            return Err(FieldError::with_limit("labels", Rule::TooLong, 20).into());
        }
        let mut clean = vec![];
        for l in labels {
            clean.push(check_name(l, "labels", 40)?.to_lowercase());
        }
        clean.sort();
        clean.dedup();
        state.store.set_labels(conv.id, &clean).await?;
    }
    let updated = state.store.update_conversation(conv.id, priority.map(|p| p.as_str()), None, None).await?;
    support::announce(&state, &updated).await;
    Ok(J(updated))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeInput {
    /// The conversation (same contact) this one is merged into.
    pub into: i64,
}

#[utoipa::path(post, path = "/support/conversations/{id}/merge", tag = "support", params(("id" = i64, Path)), request_body = MergeInput,
    responses((status = 200, body = Conversation)))]
pub async fn merge(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    Json(req): Json<MergeInput>,
) -> ApiResult<J<Conversation>> {
    let from = support::visible(&state, &me.user, id).await?;
    let into = support::visible(&state, &me.user, req.into).await?;
    state.store.merge_conversations(from.id, into.id, me.id()).await?;
    if let Some(a) = from.assignee_id {
        support::drain_for(&state, a).await?;
    }
    let updated = state.store.conversation(into.id).await?.ok_or_else(ApiError::not_found)?;
    if let Some(f) = state.store.conversation(from.id).await? {
        support::announce(&state, &f).await;
    }
    support::announce(&state, &updated).await;
    Ok(J(updated))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplyInput {
    pub body: String,
    /// A staff-only note (whisper).
    #[serde(default)]
    pub internal: bool,
    pub nonce: Option<String>,
    #[serde(default)]
    pub attachments: Vec<i64>,
    /// Send later (RFC 3339); absent: now.
    pub send_at: Option<String>,
}

/// Replies, notes and send-later. A reply by an operator who is not in the
/// conversation yet (supervisor) is refused; notes are not.
#[utoipa::path(post, path = "/support/conversations/{id}/messages", tag = "support", params(("id" = i64, Path)), request_body = ReplyInput,
    responses((status = 201, description = "Sent (a message) or scheduled (`scheduled_id`)"), (status = 403, body = ErrorBody)))]
pub async fn reply(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    Json(req): Json<ReplyInput>,
) -> ApiResult<(StatusCode, J<Value>)> {
    let conv = support::visible(&state, &me.user, id).await?;
    state.store.touch_operator(me.id()).await?;
    let body = crate::support_canned::render_for(&state, &me.user, &conv, &req.body).await?;
    if let Some(at) = &req.send_at {
        let at = parse_time(at, "send_at")?;
        if at <= steward_store::now_ms() {
            return Err(FieldError::new("send_at", Rule::InvalidFormat).into());
        }
        steward_core::validate::MessageBody::parse(&body)?;
        let sid = state.store.schedule_message(conv.id, me.id(), &body, req.internal, at).await?;
        return Ok((StatusCode::CREATED, J(json!({ "scheduled_id": sid }))));
    }
    let input = crate::service::PostInput {
        body,
        nonce: req.nonce,
        reply_to: None,
        attachments: req.attachments,
        internal: req.internal,
    };
    let (m, created) = crate::service::post_message(&state, &me.user, conv.room_id, input).await?;
    // @mentions in a note notify those staff.
    if m.internal {
        let (_, mentions) = steward_core::markdown::render(&m.body);
        for name in mentions.users {
            if let Some(u) = state.store.user_by_username(&name).await?
                && support::can_view(&state, &u, &conv).await?
            {
                crate::events::publish_user(
                    &state,
                    u.id,
                    json!({ "type": "support.mention", "conversation_id": conv.id, "message": m }),
                );
            }
        }
    }
    Ok((if created { StatusCode::CREATED } else { StatusCode::OK }, J(json!({ "message": m }))))
}

#[utoipa::path(delete, path = "/support/conversations/{id}/scheduled/{sid}", tag = "support", params(("id" = i64, Path), ("sid" = i64, Path)),
    responses((status = 204, description = "Cancelled")))]
pub async fn cancel_scheduled(
    State(state): State<AppState>,
    me: CurrentUser,
    Path((id, sid)): Path<(i64, i64)>,
) -> ApiResult<StatusCode> {
    let conv = support::visible(&state, &me.user, id).await?;
    if !state.store.cancel_scheduled(sid, conv.id).await? {
        return Err(ApiError::not_found());
    }
    Ok(StatusCode::NO_CONTENT)
}

// ----- canned responses -----

#[derive(Deserialize, ToSchema)]
pub struct CannedQuery {
    /// Completion: what follows `/`.
    pub q: Option<String>,
}

#[utoipa::path(get, path = "/support/canned", tag = "support", params(("q" = Option<String>, Query)),
    responses((status = 200, description = "Replies the caller may use, best matches first")))]
pub async fn canned(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(q): Query<CannedQuery>,
) -> ApiResult<J<Value>> {
    let (_, deps) = state.store.operator_scope(me.id()).await?;
    let all = state.store.canned_for(me.id(), &deps).await?;
    let list: Vec<CannedResponse> = match q.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(prefix) => crate::support_canned::complete(prefix, all),
        None => all,
    };
    Ok(J(json!({ "canned": list })))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CannedInput {
    pub shortcut: String,
    #[serde(default)]
    pub title: String,
    pub body: String,
    /// `personal` (default), `department` or `global`.
    pub scope: Option<String>,
    pub department_id: Option<i64>,
    /// `ru`, `en` or absent for both.
    pub locale: Option<String>,
}

#[utoipa::path(post, path = "/support/canned", tag = "support", request_body = CannedInput,
    responses((status = 201, body = CannedResponse), (status = 422, body = ErrorBody)))]
pub async fn create_canned(
    State(state): State<AppState>,
    me: CurrentUser,
    Json(req): Json<CannedInput>,
) -> ApiResult<(StatusCode, J<CannedResponse>)> {
    let c = crate::support_canned::check(&state, &me.user, 0, req).await?;
    Ok((StatusCode::CREATED, J(state.store.create_canned(&c).await?)))
}

#[utoipa::path(put, path = "/support/canned/{id}", tag = "support", params(("id" = i64, Path)), request_body = CannedInput,
    responses((status = 200, body = CannedResponse)))]
pub async fn update_canned(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    Json(req): Json<CannedInput>,
) -> ApiResult<J<CannedResponse>> {
    let cur = state.store.canned(id).await?.ok_or_else(ApiError::not_found)?;
    crate::support_canned::may_edit(&state, &me.user, &cur).await?;
    let mut c = crate::support_canned::check(&state, &me.user, id, req).await?;
    // Scope and owner stay as they were.
    c.scope = cur.scope.clone();
    c.owner_id = cur.owner_id;
    c.department_id = cur.department_id;
    state.store.update_canned(&c).await?;
    Ok(J(c))
}

#[utoipa::path(delete, path = "/support/canned/{id}", tag = "support", params(("id" = i64, Path)),
    responses((status = 204, description = "Deleted")))]
pub async fn delete_canned(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    let cur = state.store.canned(id).await?.ok_or_else(ApiError::not_found)?;
    crate::support_canned::may_edit(&state, &me.user, &cur).await?;
    state.store.delete_canned(id).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ----- macros -----

#[utoipa::path(get, path = "/support/macros", tag = "support", responses((status = 200, description = "Global macros and the caller's own")))]
pub async fn macros(State(state): State<AppState>, me: CurrentUser) -> ApiResult<J<Value>> {
    Ok(J(json!({ "macros": state.store.macros_for(me.id()).await? })))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MacroInput {
    pub name: String,
    /// `[{ "action": "add_label", "label": "billing" }, { "action": "reply", "body": "…" }, …]`.
    #[schema(value_type = Vec<Object>)]
    pub actions: Value,
    /// `personal` (default) or `global` (needs support.manage).
    pub scope: Option<String>,
}

#[utoipa::path(post, path = "/support/macros", tag = "support", request_body = MacroInput,
    responses((status = 201, body = Macro), (status = 422, body = ErrorBody)))]
pub async fn create_macro(
    State(state): State<AppState>,
    me: CurrentUser,
    Json(req): Json<MacroInput>,
) -> ApiResult<(StatusCode, J<Macro>)> {
    let name = check_name(&req.name, "name", 60)?;
    let scope = req.scope.as_deref().unwrap_or("personal");
    match scope {
        "personal" => {}
        "global" => require(&me, Permission::SupportManage)?,
        _ => return Err(FieldError::new("scope", Rule::InvalidChoice).into()),
    }
    crate::support_canned::check_macro(&req.actions)?;
    let owner = (scope == "personal").then_some(me.id());
    Ok((StatusCode::CREATED, J(state.store.create_macro(&name, &req.actions, scope, owner).await?)))
}

#[utoipa::path(delete, path = "/support/macros/{id}", tag = "support", params(("id" = i64, Path)),
    responses((status = 204, description = "Deleted")))]
pub async fn delete_macro(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    let m = state.store.macros_for(me.id()).await?.into_iter().find(|m| m.id == id).ok_or_else(ApiError::not_found)?;
    if m.scope == "global" {
        require(&me, Permission::SupportManage)?;
    }
    state.store.delete_macro(id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/support/conversations/{id}/macros/{macro_id}", tag = "support", params(("id" = i64, Path), ("macro_id" = i64, Path)),
    responses((status = 200, body = Conversation)))]
pub async fn run_macro(
    State(state): State<AppState>,
    me: CurrentUser,
    Path((id, macro_id)): Path<(i64, i64)>,
) -> ApiResult<J<Conversation>> {
    let conv = support::visible(&state, &me.user, id).await?;
    let m = state
        .store
        .macros_for(me.id())
        .await?
        .into_iter()
        .find(|m| m.id == macro_id)
        .ok_or_else(ApiError::not_found)?;
    crate::support_canned::run_macro(&state, &me.user, &conv, &m).await.map(J)
}

// ----- transcripts and export -----

#[utoipa::path(get, path = "/support/conversations/{id}/transcript", tag = "support", params(("id" = i64, Path)),
    responses((status = 200, description = "A readable HTML transcript (no internal notes)")))]
pub async fn transcript(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult<axum::response::Response> {
    let conv = support::visible(&state, &me.user, id).await?;
    let html = crate::support_canned::transcript_html(&state, &conv).await?;
    Ok(super::download("text/html; charset=utf-8", "inline", html))
}

#[utoipa::path(post, path = "/support/conversations/{id}/transcript/email", tag = "support", params(("id" = i64, Path)),
    responses((status = 204, description = "Sent to the contact's e-mail"), (status = 409, body = ErrorBody)))]
pub async fn email_transcript(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    let conv = support::visible(&state, &me.user, id).await?;
    crate::support_canned::email_transcript(&state, &conv).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/support/export.csv", tag = "support",
    responses((status = 200, description = "Conversations the caller may see, with their reporting figures, as CSV")))]
pub async fn export_csv(State(state): State<AppState>, me: CurrentUser) -> ApiResult<axum::response::Response> {
    let mut f = support::queue_filter(&me.user, "all").await;
    f.status = None;
    f.limit = 500;
    let mut out = String::from(
        "id,inbox_id,status,priority,assignee_id,contact,labels,created_at,first_response_secs,first_response_business_secs,resolution_secs,resolution_business_secs,csat\n",
    );
    let mut before = None;
    loop {
        f.before_id = before;
        let page = state.store.conversations(&f).await?;
        if page.is_empty() {
            break;
        }
        for c in &page {
            let events = state.store.conversation_events(c.id).await?;
            let r = crate::support_sla::report(&state, c, &events).await?;
            let contact = state.store.contact(c.contact_id).await?.map(|k| k.name).unwrap_or_default();
            let secs = |k: &str, b: &str| {
                r.get(k)
                    .and_then(|m| m.get(b))
                    .and_then(Value::as_i64)
                    .map(|ms| (ms / 1000).to_string())
                    .unwrap_or_default()
            };
            out.push_str(&format!(
                "{},{},{},{},{},{},{},{},{},{},{},{},{}\n",
                c.id,
                c.inbox_id,
                c.status,
                c.priority,
                c.assignee_id.map(|a| a.to_string()).unwrap_or_default(),
                csv(&contact),
                csv(&c.labels.join(" ")),
                steward_core::model::rfc3339(c.created_at),
                secs("first_response", "wall_ms"),
                secs("first_response", "business_ms"),
                secs("resolution", "wall_ms"),
                secs("resolution", "business_ms"),
                c.csat_rating.map(|r| r.to_string()).unwrap_or_default(),
            ));
        }
        before = page.last().map(|c| c.id);
        if page.len() < 500 {
            break;
        }
    }
    Ok(super::download("text/csv; charset=utf-8", "attachment; filename=\"conversations.csv\"", out))
}

/// A CSV cell: quoted, and a leading formula character defused.
fn csv(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) { format!("'{s}") } else { s.to_string() };
    format!("\"{}\"", s.replace('"', "\"\""))
}
