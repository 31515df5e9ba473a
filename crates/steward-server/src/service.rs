//! The operations behind the API, the gateway and the pages: each checks
//! access with `steward_core::rooms::Access`, changes the store, then
//! publishes what changed. One place per operation, whoever calls it.

use axum::http::StatusCode;
use serde_json::json;
use steward_core::model::{EventKind, Message, Room, User, UserStatus};
use steward_core::rooms::{Access, DIRECT_MAX_MEMBERS, RoomPolicy};
use steward_core::validate::{FieldError, MessageBody, RoomName, Rule, Topic, parse_nonce, parse_reaction};
use steward_core::{Permission, RoomKind, RoomRole};
use steward_store::{NewMessage, NewRoom};

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::views::{RoomView, room_view};
use crate::{audit, events};

/// A room and the caller's access to it; not-found when they may not even know it exists.
pub async fn room_access(state: &AppState, user: &User, room_id: i64) -> ApiResult<(Room, Access)> {
    let (room, membership) = state.store.room_for(room_id, user.id).await?.ok_or_else(ApiError::not_found)?;
    let mut access = Access::for_user(room.kind, room.archived, room.policy, user, membership);
    if room.kind == RoomKind::Support && membership.is_none() {
        access.support_viewer = crate::support::can_view_room(state, user, room_id).await?;
    }
    if !access.can_read() {
        // Private rooms are invisible to outsiders: same answer as a missing room.
        return Err(ApiError::not_found());
    }
    Ok((room, access))
}

/// A room and the caller's access, for managing it: like [`room_access`],
/// but people with `room.manage_any` reach private rooms they are not in
/// (to archive, convert, delete or fix membership) without reading them.
pub async fn manage_access(state: &AppState, user: &User, room_id: i64) -> ApiResult<(Room, Access)> {
    let (room, membership) = state.store.room_for(room_id, user.id).await?.ok_or_else(ApiError::not_found)?;
    let access = Access::for_user(room.kind, room.archived, room.policy, user, membership);
    let manager = room.kind != steward_core::RoomKind::Direct && access.perms.has(Permission::RoomManageAny);
    if !access.can_read() && !manager {
        return Err(ApiError::not_found());
    }
    Ok((room, access))
}

pub struct PostInput {
    pub body: String,
    pub nonce: Option<String>,
    pub reply_to: Option<i64>,
    pub attachments: Vec<i64>,
    /// A staff-only note (support conversations only).
    pub internal: bool,
}

impl PostInput {
    /// Plain text sent by the server on someone's behalf (bot replies,
    /// notes, scheduled messages): no nonce, reply or files.
    pub fn text(body: impl Into<String>, internal: bool) -> Self {
        PostInput { body: body.into(), nonce: None, reply_to: None, attachments: vec![], internal }
    }
}

fn draft(room_id: i64, author_id: i64, body: &str) -> ApiResult<NewMessage> {
    let body = MessageBody::parse(body)?;
    Ok(NewMessage::compose(room_id, author_id, body.as_str()))
}

/// Stores a message, then publishes it. Returns `(message, created)`; a retry
/// with the same nonce returns the first message and publishes nothing.
pub async fn post_message(state: &AppState, user: &User, room_id: i64, input: PostInput) -> ApiResult<(Message, bool)> {
    let (room, access) = room_access(state, user, room_id).await?;
    let support = room.kind == RoomKind::Support;
    if input.internal && !support {
        return Err(FieldError::new("internal", Rule::InvalidChoice).into());
    }
    // Staff who may see a conversation write notes in it without joining.
    let note_by_viewer = input.internal && access.support_viewer && !access.archived;
    if !access.can_post() && !note_by_viewer {
        return Err(ApiError::new(StatusCode::FORBIDDEN, "cannot_post"));
    }
    if input.internal && state.store.contact_by_user(user.id).await?.is_some() {
        return Err(ApiError::new(StatusCode::FORBIDDEN, "cannot_post"));
    }
    let nonce = input.nonce.as_deref().map(parse_nonce).transpose()?;
    let body = if input.body.trim().is_empty() && !input.attachments.is_empty() { "📎" } else { input.body.as_str() };
    let mut new = draft(room_id, user.id, body)?;
    if new.mentions_room && !access.can_mention_room() {
        new.mentions_room = false;
    }
    if !input.attachments.is_empty() && !access.can_upload() {
        return Err(ApiError::new(StatusCode::FORBIDDEN, "cannot_upload"));
    }
    // Notes commands and the FAQ bot: a refused command refuses the message.
    // (A retry answers with the stored message and carries out nothing.)
    let bot_plan =
        match crate::group_bot::plan(state, user, &room, &access, &new.body, input.reply_to, &new.mentions).await {
            Ok(plan) => plan,
            Err(_) if is_retry(state, user.id, nonce.as_deref(), room_id).await? => crate::group_bot::Plan::Nothing,
            Err(e) => return Err(e),
        };
    let wait = access.slow_mode_secs();
    if wait > 0
        && let Some(last) = state.store.last_post_at(room_id, user.id).await?
    {
        let left_ms = last + i64::from(wait) * 1000 - steward_store::now_ms();
        if left_ms > 0 && !is_retry(state, user.id, nonce.as_deref(), room_id).await? {
            return Err(ApiError { code: "slow_mode", ..ApiError::too_many(((left_ms + 999) / 1000) as u64) });
        }
    }
    // Moderation: sanctions in force, then the rules (a retry was checked the first time).
    let mut after = vec![];
    let mut flagged = false;
    // A retry of a stored message answers with it; the store is asked only
    // when moderation would refuse, so a clean send costs no extra query.
    let blocking = state.moderation.blocking_sanction(user.id, room_id);
    let listed = state.moderation.listed(user.id, room_id);
    if (blocking.is_some() || listed.is_some()) && !is_retry(state, user.id, nonce.as_deref(), room_id).await? {
        if let Some(s) = blocking {
            return Err(crate::moderation::sanction_error(&s));
        }
        if let Some((list, reason)) = listed {
            return Err(crate::moderation::listed_error(list, &reason));
        }
    }
    if state.moderation.engine().rule_count() > 0 {
        match crate::moderation::check_message(state, user, room_id, &new.body, !input.attachments.is_empty()).await? {
            crate::moderation::Outcome::Refuse(e) => {
                if !is_retry(state, user.id, nonce.as_deref(), room_id).await? {
                    return Err(e);
                }
            }
            crate::moderation::Outcome::Publish { after: a, flagged: f } => {
                after = a;
                flagged = f;
            }
        }
    }
    new.nonce = nonce;
    new.internal = input.internal;
    new.reply_to = input.reply_to;
    new.attachments = input.attachments;
    let started = std::time::Instant::now();
    let out = state.store.post_message(&new).await?;
    metrics::histogram!("steward_message_store_seconds").record(started.elapsed().as_secs_f64());
    if out.created {
        metrics::counter!("steward_messages_total").increment(1);
        // Published by the store's writer on commit (see `build_node`).
        let m = &out.message;
        crate::webhooks::message(state, &room, m, "message.created").await;
        if !after.is_empty() {
            crate::moderation::after_publish(state, user, room_id, m.id, after).await;
        }
        if let Some(heat) = state.moderation.observe(room_id, user.id, flagged, m.created_at) {
            crate::moderation::alert_heat(state, room_id, heat).await;
        }
        if support && let Err(e) = crate::support::after_message(state, user, m).await {
            tracing::warn!(room = room_id, error = ?e, "support bookkeeping failed after a message");
        }
        // Boxed: the bot posts, and posting comes back here.
        Box::pin(crate::group_bot::carry_out(state, user, m, bot_plan)).await;
    }
    Ok((out.message, out.created))
}

pub async fn edit_message(state: &AppState, user: &User, room_id: i64, msg_id: i64, body: &str) -> ApiResult<Message> {
    let (room, access) = room_access(state, user, room_id).await?;
    let current = state.store.message(room_id, msg_id).await?.ok_or_else(ApiError::not_found)?;
    if current.deleted {
        return Err(ApiError::not_found());
    }
    if current.author_id != user.id || !access.can_edit_own() {
        return Err(ApiError::forbidden());
    }
    let mut new = draft(room_id, user.id, body)?;
    if new.mentions_room && !access.can_mention_room() {
        new.mentions_room = false;
    }
    let (m, seq) = state.store.edit_message(room_id, msg_id, user.id, &new).await?;
    events::publish_room(state, room_id, seq, events::message_event(EventKind::MessageUpdated, &m, seq));
    crate::webhooks::message(state, &room, &m, "message.updated").await;
    Ok(m)
}

pub async fn delete_message(state: &AppState, user: &User, room_id: i64, msg_id: i64) -> ApiResult<Message> {
    let (room, access) = room_access(state, user, room_id).await?;
    let current = state.store.message(room_id, msg_id).await?.ok_or_else(ApiError::not_found)?;
    if current.deleted {
        return Err(ApiError::not_found());
    }
    let own = current.author_id == user.id && access.is_member();
    if !own && !access.can_moderate() {
        return Err(ApiError::forbidden());
    }
    let (m, seq) = state.store.delete_message(room_id, msg_id, user.id).await?;
    // A report on a removed message has nothing left to decide.
    if let Some(case) = state.store.resolve_case_of_message(msg_id, "message_removed").await? {
        tracing::debug!(case, "case resolved by the message's removal");
    }
    if !own {
        let event = audit::Event {
            actor_id: Some(user.id),
            action: "message.delete_other",
            target_type: "message",
            target_id: Some(msg_id),
            before: json!({ "room_id": room_id, "author_id": current.author_id }),
            after: serde_json::Value::Null,
        };
        audit::record(state, &audit::Origin::default(), event).await;
    }
    events::publish_room(state, room_id, seq, events::message_event(EventKind::MessageDeleted, &m, seq));
    crate::webhooks::message(state, &room, &m, "message.deleted").await;
    Ok(m)
}

pub async fn react(
    state: &AppState,
    user: &User,
    room_id: i64,
    msg_id: i64,
    emoji: &str,
    on: bool,
) -> ApiResult<Message> {
    let (_, access) = room_access(state, user, room_id).await?;
    if !access.can_react() {
        return Err(ApiError::forbidden());
    }
    let emoji = parse_reaction(emoji)?;
    let (seq, _) = state.store.set_reaction(room_id, msg_id, user.id, &emoji, on).await?;
    let m = state.store.message(room_id, msg_id).await?.ok_or_else(ApiError::not_found)?;
    if let Some(seq) = seq {
        let kind = if on { EventKind::ReactionAdded } else { EventKind::ReactionRemoved };
        events::publish_room(state, room_id, seq, events::reaction_event(kind, room_id, seq, &m, user.id, &emoji));
    }
    Ok(m)
}

pub async fn pin(state: &AppState, user: &User, room_id: i64, msg_id: i64, on: bool) -> ApiResult<Message> {
    let (_, access) = room_access(state, user, room_id).await?;
    if !access.can_pin() {
        return Err(ApiError::forbidden());
    }
    let (m, seq) = state.store.set_pinned(room_id, msg_id, user.id, on).await?;
    if let Some(seq) = seq {
        events::publish_room(state, room_id, seq, events::message_event(EventKind::MessageUpdated, &m, seq));
    }
    Ok(m)
}

pub async fn mark_read(state: &AppState, user: &User, room_id: i64, seq: i64) -> ApiResult<i64> {
    let (room, access) = room_access(state, user, room_id).await?;
    if !access.is_member() {
        return Err(ApiError::forbidden());
    }
    if seq < 0 {
        return Err(FieldError::new("seq", Rule::InvalidFormat).into());
    }
    let now = state.store.mark_read(room_id, user.id, seq).await?;
    events::publish_user(state, user.id, json!({ "type": "read", "room_id": room_id, "seq": now }));
    if room.kind == RoomKind::Support {
        // The widget shows "read" under the contact's messages.
        let ev = json!({ "type": "support.read", "room_id": room_id, "user_id": user.id, "seq": now });
        state.bus.publish(steward_bus::Envelope::event(steward_bus::Topic::Room(room_id), None, ev.to_string()));
    }
    Ok(now)
}

pub struct CreateRoomInput {
    pub name: String,
    pub kind: String,
    pub topic: String,
    pub members: Vec<i64>,
}

/// Creates a room (or returns the existing direct room between the same people).
pub async fn create_room(state: &AppState, user: &User, input: CreateRoomInput) -> ApiResult<(RoomView, bool)> {
    let kind = RoomKind::parse(&input.kind)?;
    if kind == RoomKind::Support {
        // Conversations are opened by contacts through an inbox.
        return Err(FieldError::new("kind", Rule::InvalidChoice).into());
    }
    let needed = if kind == RoomKind::Direct { Permission::DirectCreate } else { Permission::RoomCreate };
    if !user.permissions().has(needed) {
        return Err(ApiError::forbidden());
    }
    let mut others: Vec<i64> = input.members.iter().copied().filter(|&id| id != user.id).collect();
    others.sort_unstable();
    others.dedup();
    if others.len() > 500 {
        return Err(FieldError::with_limit("members", Rule::TooLong, 500).into());
    }
    let (name, topic) = if kind == RoomKind::Direct {
        if others.is_empty() {
            return Err(FieldError::new("members", Rule::Required).into());
        }
        if others.len() + 1 > DIRECT_MAX_MEMBERS {
            return Err(FieldError::with_limit("members", Rule::TooLong, DIRECT_MAX_MEMBERS - 1).into());
        }
        (String::new(), String::new())
    } else {
        (RoomName::parse(&input.name)?.into_string(), Topic::parse(&input.topic)?.into_string())
    };
    let found = state.store.users_by_ids(&others).await?;
    if found.len() != others.len() || found.iter().any(|u| u.status != UserStatus::Active) {
        return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_reference").with_field("members"));
    }
    let creator_role = if kind == RoomKind::Direct { RoomRole::Member } else { RoomRole::Owner };
    let mut members = vec![(user.id, creator_role)];
    members.extend(others.iter().map(|&id| (id, RoomRole::Member)));
    let (room, created) =
        state.store.create_room(&NewRoom { kind, name, topic, created_by: user.id, members: members.clone() }).await?;
    if created {
        for (uid, _) in &members {
            events::subscribe(state, *uid, room.id);
            if let Some(u) = found.iter().find(|u| u.id == *uid).or(Some(user).filter(|u| u.id == *uid)) {
                // Committed already: a failure to tell one person must not stop the others.
                match room_view(state, u, &room).await {
                    Ok(view) => events::publish_user(state, *uid, json!({ "type": "room.created", "room": view })),
                    Err(e) => tracing::warn!(error = %e, user = uid, "room.created not sent"),
                }
            }
        }
    }
    Ok((room_view(state, user, &room).await?, created))
}

pub async fn join(state: &AppState, user: &User, room_id: i64) -> ApiResult<RoomView> {
    let (room, access) = room_access(state, user, room_id).await?;
    if access.is_member() {
        return room_view(state, user, &room).await;
    }
    if !access.can_join() {
        return Err(ApiError::forbidden());
    }
    crate::moderation::check_join(state, user, room_id).await?;
    add_people(state, room_id, std::slice::from_ref(user)).await?;
    let room = state.store.room(room_id).await?.ok_or_else(ApiError::not_found)?;
    room_view(state, user, &room).await
}

pub(crate) async fn add_people(state: &AppState, room_id: i64, people: &[User]) -> ApiResult<Vec<i64>> {
    // A ban keeps a person out of the room until it ends.
    if let Some(s) = people.iter().find_map(|u| state.moderation.banned(u.id, room_id)) {
        return Err(crate::moderation::sanction_error(&s).with_field("user_ids"));
    }
    if let Some((list, reason)) = people.iter().find_map(|u| state.moderation.listed(u.id, room_id)) {
        return Err(crate::moderation::listed_error(list, &reason).with_field("user_ids"));
    }
    let ids: Vec<i64> = people.iter().map(|u| u.id).collect();
    let added = state.store.add_members(room_id, &ids, RoomRole::Member).await?;
    let room = state.store.room(room_id).await?.ok_or_else(ApiError::not_found)?;
    for (uid, seq) in &added {
        let Some(u) = people.iter().find(|u| u.id == *uid) else {
            continue;
        };
        events::subscribe(state, u.id, room_id);
        events::publish_room(
            state,
            room_id,
            *seq,
            events::member_event(EventKind::MemberJoined, room_id, *seq, &u.brief()),
        );
        match room_view(state, u, &room).await {
            Ok(view) => events::publish_user(state, u.id, json!({ "type": "room.created", "room": view })),
            Err(e) => tracing::warn!(error = %e, user = u.id, "room.created not sent"),
        }
    }
    Ok(added.into_iter().map(|a| a.0).collect())
}

pub async fn add_members(state: &AppState, user: &User, room_id: i64, user_ids: &[i64]) -> ApiResult<Vec<i64>> {
    let (room, access) = manage_access(state, user, room_id).await?;
    if !access.can_add_members() {
        return Err(ApiError::forbidden());
    }
    if user_ids.is_empty() {
        return Err(FieldError::new("user_ids", Rule::Required).into());
    }
    if user_ids.len() > 500 {
        return Err(FieldError::with_limit("user_ids", Rule::TooLong, 500).into());
    }
    let people = state.store.users_by_ids(user_ids).await?;
    let mut wanted = user_ids.to_vec();
    wanted.sort_unstable();
    wanted.dedup();
    if people.len() != wanted.len() || people.iter().any(|u| u.status != UserStatus::Active) {
        return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_reference").with_field("user_ids"));
    }
    if room.kind.is_public()
        && people.iter().any(|u| u.role == steward_core::SystemRole::Guest)
        && !access.can_moderate()
    {
        return Err(ApiError::forbidden());
    }
    add_people(state, room_id, &people).await
}

pub async fn leave(state: &AppState, user: &User, room_id: i64) -> ApiResult<()> {
    let (room, access) = room_access(state, user, room_id).await?;
    if !access.is_member() {
        return Err(ApiError::new(StatusCode::CONFLICT, "not_a_member"));
    }
    if room.kind == RoomKind::Direct {
        return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "cannot_leave_direct"));
    }
    if room.kind == RoomKind::Support {
        // Operators leave a conversation by transferring or unassigning it.
        return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "cannot_leave_support"));
    }
    if let Some(seq) = state.store.remove_member(room_id, user.id).await? {
        events::member_left(state, room_id, seq, &user.brief());
        events::removed_from_room(state, user.id, room_id);
    }
    Ok(())
}

fn room_updated(state: &AppState, room_id: i64, seq: i64, room: &Room) {
    events::publish_room(state, room_id, seq, events::room_event(room_id, seq, room));
}

/// Archives or unarchives a room: archived rooms stay readable, nobody posts or reacts.
pub async fn set_archived(state: &AppState, user: &User, room_id: i64, archived: bool) -> ApiResult<RoomView> {
    let (room, access) = manage_access(state, user, room_id).await?;
    if !access.can_manage() {
        return Err(ApiError::forbidden());
    }
    if room.archived == archived {
        return room_view(state, user, &room).await;
    }
    let (room, seq) = state.store.set_archived(room_id, archived).await?;
    room_updated(state, room_id, seq, &room);
    let event = audit::Event::new(
        Some(user.id),
        if archived { "room.archive" } else { "room.unarchive" },
        "room",
        Some(room_id),
    );
    audit::record(state, &audit::Origin::default(), event).await;
    room_view(state, user, &room).await
}

/// Removes someone from a room (a kick). Owners can only be removed by people with `room.manage_any`.
pub async fn remove_member(state: &AppState, user: &User, room_id: i64, target_id: i64) -> ApiResult<()> {
    if target_id == user.id {
        return leave(state, user, room_id).await;
    }
    let (room, access) = manage_access(state, user, room_id).await?;
    if !access.can_manage() || room.kind == RoomKind::Direct {
        return Err(ApiError::forbidden());
    }
    let target_role = state.store.membership(room_id, target_id).await?.ok_or_else(ApiError::not_found)?;
    if target_role == RoomRole::Owner && !user.permissions().has(Permission::RoomManageAny) {
        return Err(ApiError::forbidden());
    }
    let target = state.store.user(target_id).await?.ok_or_else(ApiError::not_found)?;
    if let Some(seq) = state.store.remove_member(room_id, target_id).await? {
        events::member_left(state, room_id, seq, &target.brief());
        events::removed_from_room(state, target_id, room_id);
        let event = audit::Event {
            actor_id: Some(user.id),
            action: "room.member_removed",
            target_type: "room",
            target_id: Some(room_id),
            before: json!({ "user_id": target_id, "role": target_role }),
            after: serde_json::Value::Null,
        };
        audit::record(state, &audit::Origin::default(), event).await;
    }
    Ok(())
}

/// Gives a member a room role. Making someone owner hands the room over: the
/// old owner becomes a moderator.
pub async fn set_member_role(state: &AppState, user: &User, room_id: i64, target_id: i64, role: &str) -> ApiResult<()> {
    let role = RoomRole::parse(role)?;
    let (room, access) = manage_access(state, user, room_id).await?;
    if !access.can_manage() || room.kind == RoomKind::Direct {
        return Err(ApiError::forbidden());
    }
    let before = state.store.membership(room_id, target_id).await?.ok_or_else(ApiError::not_found)?;
    let is_owner = access.membership == Some(RoomRole::Owner);
    let may_touch_owners = is_owner || user.permissions().has(Permission::RoomManageAny);
    if (role == RoomRole::Owner || before == RoomRole::Owner) && !may_touch_owners {
        return Err(ApiError::forbidden());
    }
    let seq = state.store.set_member_role(room_id, target_id, role).await?;
    let room_now = state.store.room(room_id).await?.ok_or_else(ApiError::not_found)?;
    room_updated(state, room_id, seq, &room_now);
    if role == RoomRole::Owner && is_owner && target_id != user.id {
        let seq = state.store.set_member_role(room_id, user.id, RoomRole::Moderator).await?;
        room_updated(state, room_id, seq, &room_now);
    }
    let event = audit::Event {
        actor_id: Some(user.id),
        action: "room.member_role",
        target_type: "room",
        target_id: Some(room_id),
        before: json!({ "user_id": target_id, "role": before }),
        after: json!({ "user_id": target_id, "role": role }),
    };
    audit::record(state, &audit::Origin::default(), event).await;
    Ok(())
}

/// Replaces a room's policy (owners, moderators, and people with `room.manage_any`).
pub async fn set_policy(state: &AppState, user: &User, room_id: i64, policy: RoomPolicy) -> ApiResult<RoomView> {
    let (_, access) = manage_access(state, user, room_id).await?;
    if !access.can_manage() {
        return Err(ApiError::forbidden());
    }
    let policy = policy.validate()?;
    let before = state.store.room(room_id).await?.map(|r| r.policy);
    let (room, seq) = state.store.set_room_policy(room_id, &policy).await?;
    let event = audit::Event {
        actor_id: Some(user.id),
        action: "room.policy",
        target_type: "room",
        target_id: Some(room_id),
        before: json!(before),
        after: json!(policy),
    };
    audit::record(state, &audit::Origin::default(), event).await;
    room_updated(state, room_id, seq, &room);
    crate::group_bot::policy_changed(state, &room).await;
    room_view(state, user, &room).await
}

/// A send whose nonce is already stored is a retry: it answers with the
/// stored message, so slow mode must not refuse it.
async fn is_retry(state: &AppState, user_id: i64, nonce: Option<&str>, room_id: i64) -> ApiResult<bool> {
    Ok(match nonce {
        Some(n) => state.store.message_by_nonce(user_id, n).await?.is_some_and(|m| m.room_id == room_id),
        None => false,
    })
}

pub async fn update_room(
    state: &AppState,
    user: &User,
    room_id: i64,
    name: Option<&str>,
    topic: Option<&str>,
    kind: Option<&str>,
) -> ApiResult<RoomView> {
    let (room, access) = manage_access(state, user, room_id).await?;
    if !access.can_manage() || room.kind == RoomKind::Direct {
        return Err(ApiError::forbidden());
    }
    let name = name.map(RoomName::parse).transpose()?;
    let topic = topic.map(Topic::parse).transpose()?;
    // Only channels and groups change into each other (public ⇄ private).
    let kind = kind.map(RoomKind::parse).transpose()?.filter(|k| *k != room.kind);
    if let Some(k) = kind
        && !matches!((room.kind, k), (RoomKind::Channel, RoomKind::Group) | (RoomKind::Group, RoomKind::Channel))
    {
        return Err(FieldError::new("kind", Rule::InvalidChoice).into());
    }
    let (mut room, mut seq) =
        state.store.update_room(room_id, name.as_ref().map(|n| n.as_str()), topic.as_ref().map(|t| t.as_str())).await?;
    if let Some(k) = kind {
        let before = room.kind;
        (room, seq) = state.store.set_room_kind(room_id, k).await?;
        if k == RoomKind::Group {
            // Non-members reading it live lose it before the next event.
            events::restrict_room(state, room_id);
        }
        let event = audit::Event {
            before: json!({ "kind": before }),
            after: json!({ "kind": k }),
            ..audit::Event::new(Some(user.id), "room.convert", "room", Some(room_id))
        };
        audit::record(state, &audit::Origin::default(), event).await;
    }
    room_updated(state, room_id, seq, &room);
    room_view(state, user, &room).await
}

/// Deletes a room with its history and files. The room's owners and people
/// with `room.manage_any` may; direct conversations and the default room stay.
pub async fn delete_room(state: &AppState, user: &User, room_id: i64) -> ApiResult<()> {
    let (room, access) = manage_access(state, user, room_id).await?;
    let owner = access.membership == Some(RoomRole::Owner);
    if room.kind == RoomKind::Direct || !(owner || user.permissions().has(Permission::RoomManageAny)) {
        return Err(ApiError::forbidden());
    }
    let default = state.store.setting(crate::DEFAULT_ROOM_SETTING).await?.and_then(|v| v.parse::<i64>().ok());
    if default == Some(room_id) {
        return Err(ApiError::new(StatusCode::CONFLICT, "default_room"));
    }
    let (members, files) = state.store.delete_room(room_id).await?;
    for m in &members {
        events::unsubscribe(state, *m, room_id);
        events::publish_user(state, *m, json!({ "type": "room.removed", "room_id": room_id }));
    }
    events::restrict_room(state, room_id);
    crate::api::files::remove_files(state, &files).await;
    let event = audit::Event {
        before: json!({ "name": room.name, "kind": room.kind, "members": members.len(), "files": files.len(), "last_seq": room.last_seq }),
        ..audit::Event::new(Some(user.id), "room.delete", "room", Some(room_id))
    };
    audit::record(state, &audit::Origin::default(), event).await;
    Ok(())
}
