//! Gateway events: built once as JSON text and fanned out through the bus;
//! rebuilt from the store's event rows when a client resumes.

use std::collections::HashMap;

use serde_json::{Value, json};
use steward_bus::{Bytes, Control, Envelope, Topic};
use steward_core::model::{EventKind, Message, RoomEvent, UserBrief};

use crate::state::AppState;

pub fn message_event(kind: EventKind, message: &Message, seq: i64) -> String {
    json!({ "type": kind.as_str(), "room_id": message.room_id, "seq": seq, "message": message }).to_string()
}

pub fn reaction_event(kind: EventKind, room_id: i64, seq: i64, message: &Message, user_id: i64, emoji: &str) -> String {
    json!({
        "type": kind.as_str(), "room_id": room_id, "seq": seq, "message_id": message.id,
        "emoji": emoji, "user_id": user_id, "reactions": message.reactions,
    })
    .to_string()
}

pub fn room_event(room_id: i64, seq: i64, room: impl serde::Serialize) -> String {
    json!({ "type": "room.updated", "room_id": room_id, "seq": seq, "room": room }).to_string()
}

pub fn member_event(kind: EventKind, room_id: i64, seq: i64, user: &UserBrief) -> String {
    json!({ "type": kind.as_str(), "room_id": room_id, "seq": seq, "user": user }).to_string()
}

/// Publishes a stored `member.left` event to the room.
pub fn member_left(state: &AppState, room_id: i64, seq: i64, user: &UserBrief) {
    publish_room(state, room_id, seq, member_event(EventKind::MemberLeft, room_id, seq, user));
}

/// Someone is out of a room: their connections stop receiving it and are told.
pub fn removed_from_room(state: &AppState, user_id: i64, room_id: i64) {
    unsubscribe(state, user_id, room_id);
    publish_user(state, user_id, json!({ "type": "room.removed", "room_id": room_id }));
}

/// Publishes a durable room event.
pub fn publish_room(state: &AppState, room_id: i64, seq: i64, payload: String) {
    metrics::counter!("steward_events_published_total").increment(1);
    state.bus.publish(Envelope::event(Topic::Room(room_id), Some(seq), payload));
}

/// Publishes to every connection of one user (their own room list, read markers).
pub fn publish_user(state: &AppState, user_id: i64, payload: Value) {
    state.bus.publish(Envelope::event(Topic::User(user_id), None, payload.to_string()));
}

pub fn subscribe(state: &AppState, user_id: i64, room_id: i64) {
    state.bus.publish(Envelope::control(Control::Subscribe { user_id, room_id }));
}

/// Closes every gateway connection of a person (deactivated).
pub fn disconnect_user(state: &AppState, user_id: i64) {
    state.bus.publish(Envelope::control(Control::Disconnect { user_id }));
}

/// The person's role or rights changed: their gateway connections reload
/// them before handling the next frame.
pub fn refresh_user(state: &AppState, user_id: i64) {
    state.bus.publish(Envelope::control(Control::Refresh { user_id }));
    // Their permissions may make them a supervisor, or not any more.
    *state.support_viewers.lock().unwrap_or_else(|e| e.into_inner()) = None;
    crate::cluster::invalidate(state, steward_bus::CacheKind::SupportViewers);
}

/// Who may read a room changed: connections receiving it re-check access.
pub fn restrict_room(state: &AppState, room_id: i64) {
    state.bus.publish(Envelope::control(Control::Restrict { room_id }));
}

/// Closes the gateway connections opened with one session (it logged out).
pub fn end_session(state: &AppState, user_id: i64, session_id: i64) {
    state.bus.publish(Envelope::control(Control::EndSession { user_id, session_id }));
}

pub fn unsubscribe(state: &AppState, user_id: i64, room_id: i64) {
    state.bus.publish(Envelope::control(Control::Unsubscribe { user_id, room_id }));
}

/// Turns stored event rows into the JSON a live client would have received,
/// with the current state of what they point at (a message deleted since is
/// replayed as a tombstone, never with its old text).
pub async fn replay(state: &AppState, events: &[RoomEvent]) -> crate::error::ApiResult<Vec<(i64, Bytes)>> {
    let msg_ids: Vec<i64> = events.iter().filter_map(|e| e.message_id).collect();
    let messages: HashMap<i64, Message> =
        state.store.messages_by_ids(&msg_ids).await?.into_iter().map(|m| (m.id, m)).collect();
    let user_ids: Vec<i64> = events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::MemberJoined | EventKind::MemberLeft))
        .filter_map(|e| e.user_id)
        .collect();
    let users: HashMap<i64, UserBrief> = state
        .store
        .users_by_ids(&user_ids)
        .await?
        .into_iter()
        .map(|u| {
            (
                u.id,
                UserBrief {
                    id: u.id,
                    username: u.username,
                    display_name: u.display_name,
                    avatar_color: u.avatar_color,
                },
            )
        })
        .collect();
    let mut room_json: Option<Value> = None;
    let mut out = Vec::with_capacity(events.len());
    for e in events {
        let payload = match e.kind {
            EventKind::MessageCreated | EventKind::MessageUpdated | EventKind::MessageDeleted => {
                match e.message_id.and_then(|id| messages.get(&id)) {
                    Some(m) => message_event(e.kind, m, e.seq),
                    None => json!({ "type": "noop", "room_id": e.room_id, "seq": e.seq }).to_string(),
                }
            }
            EventKind::ReactionAdded | EventKind::ReactionRemoved => {
                match e.message_id.and_then(|id| messages.get(&id)) {
                    Some(m) => reaction_event(e.kind, e.room_id, e.seq, m, e.user_id.unwrap_or(0), &e.data),
                    None => json!({ "type": "noop", "room_id": e.room_id, "seq": e.seq }).to_string(),
                }
            }
            EventKind::MemberJoined | EventKind::MemberLeft => match e.user_id.and_then(|id| users.get(&id)) {
                Some(u) => member_event(e.kind, e.room_id, e.seq, u),
                None => json!({ "type": "noop", "room_id": e.room_id, "seq": e.seq }).to_string(),
            },
            EventKind::RoomUpdated => {
                if room_json.is_none() {
                    room_json = state.store.room(e.room_id).await?.map(|r| json!(r));
                }
                room_event(e.room_id, e.seq, &room_json)
            }
        };
        out.push((e.seq, Bytes::from(payload)));
    }
    Ok(out)
}

/// Someone's presence changed on this node: the other nodes learn this
/// node's part (they combine it with their own), and when the status across
/// the cluster changed, this node's connections are told. Each node tells its
/// own connections, so a person online on one node and leaving another
/// stays online for everyone.
pub fn presence_changed(state: &AppState, change: steward_bus::PresenceChange) {
    state.bus.publish(Envelope::control(Control::Presence { user_id: change.user_id, status: change.local }));
    if let Some(status) = change.cluster {
        tell_presence_here(state, change.user_id, status);
    }
}

/// A `presence` event to every connection on this node (not the bus).
pub fn tell_presence_here(state: &AppState, user_id: i64, status: steward_bus::Presence) {
    let ev = json!({ "type": "presence", "user_id": user_id, "status": status.as_str() });
    state.hub.dispatch(std::sync::Arc::new(Envelope::event(Topic::All, None, ev.to_string())));
}
