//! The real-time gateway: one WebSocket per client, one task per socket.
//!
//! Each connection tracks the last seq it delivered per room. A live event
//! with the next seq goes straight out; an older one is a duplicate and is
//! dropped; a newer one means something was missed (events published out of
//! order by concurrent writers, or a resume in progress) and the gap is read
//! from the store first. So the client sees every room's events in order,
//! once, whatever the timing. Its queue is bounded: a client too slow to keep
//! up is disconnected (close code 4008) and resumes from its last seq.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::ws::{CloseFrame, Message as WsMessage, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use steward_bus::{Bytes, Envelope, Topic};
use tokio::sync::mpsc;

use crate::auth::{self, CurrentUser};
use crate::error::ApiError;
use crate::events;
use crate::service::{self, PostInput};
use crate::state::AppState;

pub const HEARTBEAT_MS: u64 = 25_000;
/// Events replayed per room on resume before the client is told to reload instead.
pub const RESUME_LIMIT: u64 = 1000;
const AUTH_TIMEOUT: Duration = Duration::from_secs(10);
/// A frame that cannot be written for this long closes the connection.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);
/// How long live events wait for the client's `resume` after `hello`.
const RESUME_GRACE: Duration = Duration::from_millis(1500);

pub mod close {
    pub const AUTH_FAILED: u16 = 4001;
    pub const KICKED: u16 = 4003;
    pub const RATE_LIMITED: u16 = 4029;
    pub const SLOW_CONSUMER: u16 = 4008;
    pub const HEARTBEAT_TIMEOUT: u16 = 4009;
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct GatewayQuery {
    /// A session token; alternatively send `{"op":"auth","token":…}` first, or use the session cookie.
    pub token: Option<String>,
}

#[utoipa::path(get, path = "/gateway", tag = "gateway", params(GatewayQuery),
    responses((status = 101, description = "Switching to the WebSocket protocol; see docs/GATEWAY.md for frames")))]
pub async fn upgrade(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<GatewayQuery>,
    ws: WebSocketUpgrade,
) -> Response {
    let pre = match q.token.as_deref() {
        Some(t) => auth::session_for_token(&state, t, false).await,
        None => match auth::authenticate(&state, &headers).await {
            // A cookie only counts from our own pages (no cross-site socket hijacking).
            Ok(Some(u)) if u.via_cookie && !auth::same_origin(&headers) => Ok(None),
            other => other,
        },
    };
    let pre = match pre {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    if q.token.is_some() && pre.is_none() {
        return ApiError::unauthorized().into_response();
    }
    if pre.as_ref().is_some_and(|u| !u.allows("read")) {
        return ApiError::new(axum::http::StatusCode::FORBIDDEN, "token_scope").with_field("scopes").into_response();
    }
    // Small explicit buffers: the defaults cost ~135 KB per idle connection.
    ws.read_buffer_size(4 * 1024)
        .write_buffer_size(0)
        .max_write_buffer_size(1024 * 1024)
        .max_message_size(64 * 1024)
        .max_frame_size(64 * 1024)
        .on_upgrade(move |socket| async move {
            metrics::gauge!("steward_gateway_connections").increment(1.0);
            run(state, socket, pre).await;
            metrics::gauge!("steward_gateway_connections").decrement(1.0);
        })
}

fn text(v: Value) -> WsMessage {
    WsMessage::Text(Utf8Bytes::from(v.to_string()))
}

async fn close_with(socket: &mut WebSocket, code: u16, reason: &'static str) {
    let _ = socket.send(WsMessage::Close(Some(CloseFrame { code, reason: Utf8Bytes::from_static(reason) }))).await;
}

/// Waits for `{"op":"auth","token":…}`.
async fn first_frame_auth(state: &AppState, socket: &mut WebSocket) -> Option<CurrentUser> {
    let frame = tokio::time::timeout(AUTH_TIMEOUT, socket.recv()).await.ok()??.ok()?;
    let WsMessage::Text(t) = frame else {
        return None;
    };
    let v: Value = serde_json::from_str(&t).ok()?;
    if v.get("op")?.as_str()? != "auth" {
        return None;
    }
    auth::session_for_token(state, v.get("token")?.as_str()?, false).await.ok().flatten()
}

struct Conn {
    state: AppState,
    user: CurrentUser,
    conn_id: u64,
    /// Raised when the person's role or rights change: reload them first.
    stale: Arc<std::sync::atomic::AtomicBool>,
    /// Last seq delivered per room this connection receives.
    last: HashMap<i64, i64>,
    typing_sent: HashMap<i64, Instant>,
    ops: auth::Bucket,
    /// Sends being stored for this connection (bounded); made on the first send.
    in_flight: Option<Arc<tokio::sync::Semaphore>>,
    /// Acks and errors of those sends; made on the first send, so an idle
    /// connection does not pay for the channel.
    replies: Option<(mpsc::Sender<Bytes>, mpsc::Receiver<Bytes>)>,
    /// Live events have started to flow; a later resume cannot replay under them.
    live_started: bool,
}

/// Public rooms one is not a member of that one resume may ask for.
const MAX_RESUME_OUTSIDE: usize = 50;

/// Sends a connection may have being stored at once.
const MAX_IN_FLIGHT: usize = 32;

fn error_frame(err: &ApiError, locale: steward_core::validate::Locale, nonce: Option<&Value>) -> Value {
    let mut body = crate::i18n::error_body(err, locale)["error"].clone();
    body["type"] = json!("error");
    if let Some(n) = nonce {
        body["nonce"] = n.clone();
    }
    body
}

async fn next_reply(replies: &mut Option<(mpsc::Sender<Bytes>, mpsc::Receiver<Bytes>)>) -> Option<Bytes> {
    match replies {
        Some((_, rx)) => rx.recv().await,
        None => std::future::pending().await,
    }
}

enum Flow {
    Continue,
    Close(u16, &'static str),
}

async fn run(state: AppState, mut socket: WebSocket, pre: Option<CurrentUser>) {
    let user = match pre {
        Some(u) => u,
        None => match Box::pin(first_frame_auth(&state, &mut socket)).await {
            Some(u) => u,
            None => {
                close_with(&mut socket, close::AUTH_FAILED, "authentication failed").await;
                return;
            }
        },
    };
    if matches!(Box::pin(auth::must_set_up_2fa(&state, &user.user)).await, Ok(true) | Err(_)) {
        close_with(&mut socket, close::KICKED, "two-factor setup required").await;
        return;
    }
    // Big futures (store queries) are boxed so the idle connection task
    // stays small: a task's size is its largest await point.
    let Ok(rooms) = Box::pin(state.store.my_room_seqs(user.id())).await else {
        close_with(&mut socket, 1011, "store unavailable").await;
        return;
    };
    let room_ids: Vec<i64> = rooms.iter().map(|r| r.0).collect();
    let mut handle = state.hub.register(user.id(), user.session_id, &room_ids, state.config.gateway_queue);
    // Read positions after subscribing: anything later arrives live. Membership
    // that changed between the two reads is put right here; later changes
    // reach this registered connection as hub controls.
    let seqs = Box::pin(state.store.my_room_seqs(user.id())).await.unwrap_or_else(|_| rooms.clone());
    for (room, _) in &seqs {
        if !room_ids.contains(room) {
            state.hub.subscribe_conn(handle.id, *room);
        }
    }
    for room in &room_ids {
        if !seqs.iter().any(|(r, _)| r == room) {
            state.hub.unsubscribe_conn(handle.id, *room);
        }
    }
    let mut conn = Conn {
        state: state.clone(),
        conn_id: handle.id,
        stale: handle.stale.clone(),
        last: seqs.into_iter().collect(),
        typing_sent: HashMap::new(),
        ops: auth::Bucket::new(60, state.config.gateway_ops_per_minute),
        in_flight: None,
        replies: None,
        live_started: false,
        user,
    };
    if let Some(change) = handle.presence {
        events::presence_changed(&state, change);
    }
    let hello = json!({ "type": "hello", "user_id": conn.user.id(), "heartbeat_ms": HEARTBEAT_MS, "resume_limit": RESUME_LIMIT });
    let mut outcome = if socket.send(text(hello)).await.is_ok() { Flow::Continue } else { Flow::Close(1000, "") };

    // Live events wait until the client's first frame (normally `resume`) or a
    // short grace period: delivered earlier, they would overtake the replay.
    let mut live = false;
    let grace = tokio::time::sleep(RESUME_GRACE);
    tokio::pin!(grace);
    let mut last_seen = Instant::now();
    let mut check = tokio::time::interval(Duration::from_millis(HEARTBEAT_MS));
    check.tick().await;
    while let Flow::Continue = outcome {
        outcome = tokio::select! {
            frame = socket.recv() => match frame {
                Some(Ok(WsMessage::Text(t))) => {
                    last_seen = Instant::now();
                    let flow = Box::pin(conn.on_client(&mut socket, &t)).await;
                    live = true;
                    conn.live_started = true;
                    flow
                }
                Some(Ok(WsMessage::Ping(_) | WsMessage::Pong(_))) => {
                    last_seen = Instant::now();
                    Flow::Continue
                }
                Some(Ok(WsMessage::Binary(_))) => Flow::Close(1003, "text frames only"),
                Some(Ok(WsMessage::Close(_))) | None | Some(Err(_)) => break,
            },
            _ = &mut grace, if !live => {
                live = true;
                conn.live_started = true;
                Flow::Continue
            }
            env = handle.rx.recv(), if live => match env {
                Some(env) => Box::pin(conn.deliver(&mut socket, &env)).await,
                None => break,
            },
            Some(reply) = next_reply(&mut conn.replies) => conn.send(&mut socket, &reply).await,
            _ = handle.kill.notified() => {
                if handle.overflowed.load(std::sync::atomic::Ordering::Relaxed) {
                    metrics::counter!("steward_gateway_slow_consumers_total").increment(1);
                    Flow::Close(close::SLOW_CONSUMER, "too slow: resume from your last seq")
                } else {
                    Flow::Close(close::KICKED, "session ended")
                }
            }
            _ = check.tick() => {
                if last_seen.elapsed() > Duration::from_millis(HEARTBEAT_MS * 2 + 5_000) {
                    Flow::Close(close::HEARTBEAT_TIMEOUT, "no heartbeat")
                } else {
                    Flow::Continue
                }
            }
        };
    }
    if let Flow::Close(code, reason) = outcome {
        close_with(&mut socket, code, reason).await;
    }
    if let Some(change) = state.hub.unregister(conn.conn_id) {
        events::presence_changed(&state, change);
    }
}

impl Conn {
    /// Writes one frame. A client that does not read for `SEND_TIMEOUT` is
    /// dropped: it would otherwise hold this task (and its queue) forever.
    async fn send(&self, socket: &mut WebSocket, payload: &Bytes) -> Flow {
        let Ok(t) = Utf8Bytes::try_from(payload.clone()) else { return Flow::Continue };
        match tokio::time::timeout(SEND_TIMEOUT, socket.send(WsMessage::Text(t))).await {
            Ok(Ok(())) => Flow::Continue,
            Ok(Err(_)) => Flow::Close(1000, ""),
            Err(_) => {
                metrics::counter!("steward_gateway_slow_consumers_total").increment(1);
                Flow::Close(close::SLOW_CONSUMER, "too slow: resume from your last seq")
            }
        }
    }

    /// Sends stored events of a room after `after` (up to `upto` if given), in order.
    async fn fill(&mut self, socket: &mut WebSocket, room_id: i64, after: i64, upto: Option<i64>) -> Result<(), Flow> {
        let limit = upto.map_or(RESUME_LIMIT + 1, |u| (u - after).max(0) as u64);
        let stored = self
            .state
            .store
            .events_since(room_id, after, limit)
            .await
            .map_err(|_| Flow::Close(1011, "store unavailable"))?;
        if upto.is_none() && stored.len() as u64 > RESUME_LIMIT {
            // Too far behind to replay: the client reloads this room over HTTP.
            let now = self.state.store.room(room_id).await.ok().flatten().map_or(after, |r| r.last_seq);
            self.last.insert(room_id, now);
            if let Flow::Close(c, r) = self
                .send(socket, &Bytes::from(json!({ "type": "resync", "room_id": room_id, "seq": now }).to_string()))
                .await
            {
                return Err(Flow::Close(c, r));
            }
            return Ok(());
        }
        let replayed =
            events::replay(&self.state, &stored).await.map_err(|_| Flow::Close(1011, "store unavailable"))?;
        for (seq, payload) in replayed {
            if let Flow::Close(c, r) = self.send(socket, &payload).await {
                return Err(Flow::Close(c, r));
            }
            self.last.insert(room_id, seq);
        }
        Ok(())
    }

    /// After `Control::Refresh` or `Control::Restrict`: reloads the person
    /// and drops every room they may no longer read, before anything else
    /// is delivered or done.
    async fn refresh_if_stale(&mut self) -> Result<(), Flow> {
        if !self.stale.swap(false, std::sync::atomic::Ordering::Relaxed) {
            return Ok(());
        }
        match self.state.store.user(self.user.id()).await {
            Ok(Some(u)) if u.status == steward_core::model::UserStatus::Active => self.user.user = u,
            Ok(_) => return Err(Flow::Close(close::KICKED, "session ended")),
            Err(_) => {
                self.stale.store(true, std::sync::atomic::Ordering::Relaxed);
                return Ok(());
            }
        }
        let rooms: Vec<i64> = self.last.keys().copied().collect();
        for room_id in rooms {
            match service::room_access(&self.state, &self.user.user, room_id).await {
                Ok(_) => {}
                Err(e) if e.status == axum::http::StatusCode::NOT_FOUND => {
                    self.state.hub.unsubscribe_conn(self.conn_id, room_id);
                    self.last.remove(&room_id);
                }
                // Try again with the next event rather than drop a room on a hiccup.
                Err(_) => self.stale.store(true, std::sync::atomic::Ordering::Relaxed),
            }
        }
        Ok(())
    }

    async fn deliver(&mut self, socket: &mut WebSocket, env: &Envelope) -> Flow {
        if let Err(flow) = Box::pin(self.refresh_if_stale()).await {
            return flow;
        }
        let Some(payload) = &env.payload else {
            // A catch-up mark (`cluster::catch_up`): read what is missing up to it.
            if let (Topic::Room(room_id), Some(seq)) = (env.topic, env.seq)
                && let Some(&last) = self.last.get(&room_id)
                && seq > last
                && let Err(f) = self.fill(socket, room_id, last, Some(seq)).await
            {
                return f;
            }
            return Flow::Continue;
        };
        match (env.topic, env.seq) {
            (Topic::Room(room_id), Some(seq)) => {
                let Some(&last) = self.last.get(&room_id) else {
                    // Subscribed a moment ago (joined), or a subscription left
                    // over from a membership change racing the connect: check.
                    if service::room_access(&self.state, &self.user.user, room_id).await.is_err() {
                        self.state.hub.unsubscribe_conn(self.conn_id, room_id);
                        return Flow::Continue;
                    }
                    self.last.insert(room_id, seq);
                    return self.send(socket, payload).await;
                };
                if seq <= last {
                    return Flow::Continue;
                }
                if seq > last + 1 {
                    metrics::counter!("steward_gateway_gap_fills_total").increment(1);
                    if let Err(f) = self.fill(socket, room_id, last, Some(seq)).await {
                        return f;
                    }
                    // The fill reads committed events, this one included.
                    if self.last.get(&room_id).copied().unwrap_or(0) >= seq {
                        return Flow::Continue;
                    }
                }
                self.last.insert(room_id, seq);
                self.send(socket, payload).await
            }
            (Topic::User(_), _) => {
                // Room membership changes arrive here; keep the seq map in step.
                if let Ok(v) = serde_json::from_slice::<Value>(payload) {
                    match v.get("type").and_then(Value::as_str) {
                        Some("room.created") => {
                            if let (Some(id), Some(seq)) = (v["room"]["id"].as_i64(), v["room"]["last_seq"].as_i64()) {
                                self.last.entry(id).or_insert(seq);
                            }
                        }
                        Some("room.removed") => {
                            if let Some(id) = v["room_id"].as_i64() {
                                self.last.remove(&id);
                                self.state.hub.unsubscribe_conn(self.conn_id, id);
                            }
                        }
                        _ => {}
                    }
                }
                self.send(socket, payload).await
            }
            _ => self.send(socket, payload).await,
        }
    }

    async fn reply_error(&self, socket: &mut WebSocket, err: ApiError, nonce: Option<&Value>) -> Flow {
        let body = error_frame(&err, self.user.locale(), nonce);
        self.send(socket, &Bytes::from(body.to_string())).await
    }

    fn replies_tx(&mut self) -> mpsc::Sender<Bytes> {
        self.replies.get_or_insert_with(|| mpsc::channel(MAX_IN_FLIGHT)).0.clone()
    }

    async fn on_client(&mut self, socket: &mut WebSocket, frame: &str) -> Flow {
        if let Err(flow) = Box::pin(self.refresh_if_stale()).await {
            return flow;
        }
        if let Err(wait) = self.ops.take() {
            if wait > 5 {
                return Flow::Close(close::RATE_LIMITED, "too many frames");
            }
            return self.reply_error(socket, ApiError::too_many(wait), None).await;
        }
        let Ok(v) = serde_json::from_str::<Value>(frame) else {
            return self
                .reply_error(socket, ApiError::new(axum::http::StatusCode::BAD_REQUEST, "invalid_json"), None)
                .await;
        };
        let op = v.get("op").and_then(Value::as_str).unwrap_or("");
        let room_id = v.get("room_id").and_then(Value::as_i64);
        if matches!(op, "send" | "typing" | "read") && !self.user.allows("write") {
            let err = ApiError::new(axum::http::StatusCode::FORBIDDEN, "token_scope").with_field("scopes");
            return self.reply_error(socket, err, v.get("nonce")).await;
        }
        match op {
            "ping" => self.send(socket, &Bytes::from_static(b"{\"type\":\"pong\"}")).await,
            "auth" => Flow::Continue,
            "resume" => {
                let Some(rooms) = v.get("rooms").and_then(Value::as_object) else {
                    return self.reply_error(socket, ApiError::bad_request("rooms"), None).await;
                };
                let mut outside = 0;
                for (key, seq) in rooms.iter().take(2000) {
                    let (Ok(room_id), Some(seq)) = (key.parse::<i64>(), seq.as_i64()) else {
                        continue;
                    };
                    if !self.last.contains_key(&room_id) {
                        // Reading rooms one is not in costs a store round trip each: bounded.
                        outside += 1;
                        if outside > MAX_RESUME_OUTSIDE {
                            continue;
                        }
                        // Not a member: a public room may still be read live.
                        match service::room_access(&self.state, &self.user.user, room_id).await {
                            Ok(_) => self.state.hub.subscribe_conn(self.conn_id, room_id),
                            Err(_) => continue,
                        }
                    }
                    let from = seq.max(0);
                    // A client ahead of the server (a restored database, a
                    // confused client) would drop every new event: resync it.
                    let current = match self.last.get(&room_id) {
                        Some(&l) => l,
                        None => self.state.store.room(room_id).await.ok().flatten().map_or(0, |r| r.last_seq),
                    };
                    // Behind what was already sent live (a resume after the grace
                    // period): replaying under live events would break the order.
                    let behind_live = self.live_started && from < current;
                    if from > current || behind_live {
                        self.last.insert(room_id, current);
                        let ev = json!({ "type": "resync", "room_id": room_id, "seq": current });
                        if let Flow::Close(c, r) = self.send(socket, &Bytes::from(ev.to_string())).await {
                            return Flow::Close(c, r);
                        }
                        continue;
                    }
                    self.last.insert(room_id, from);
                    if let Err(f) = self.fill(socket, room_id, from, None).await {
                        return f;
                    }
                }
                self.send(socket, &Bytes::from_static(b"{\"type\":\"ready\"}")).await
            }
            "typing" => {
                let Some(room_id) = room_id.filter(|r| self.last.contains_key(r)) else {
                    return Flow::Continue;
                };
                let now = Instant::now();
                if self.typing_sent.get(&room_id).is_some_and(|t| now.duration_since(*t) < Duration::from_secs(2)) {
                    return Flow::Continue;
                }
                if self.state.store.membership(room_id, self.user.id()).await.ok().flatten().is_none() {
                    return Flow::Continue;
                }
                self.typing_sent.insert(room_id, now);
                let ev = json!({ "type": "typing", "room_id": room_id, "user_id": self.user.id(), "display_name": self.user.user.display_name });
                self.state.bus.publish(Envelope::event(Topic::Room(room_id), None, ev.to_string()));
                Flow::Continue
            }
            "presence" => {
                let away = match v.get("status").and_then(Value::as_str) {
                    Some("away") => true,
                    Some("online") => false,
                    _ => {
                        return self.reply_error(socket, ApiError::bad_request("status"), None).await;
                    }
                };
                if let Some(change) = self.state.hub.set_away(self.user.id(), away) {
                    events::presence_changed(&self.state, change);
                }
                Flow::Continue
            }
            "send" => {
                let nonce = v.get("nonce");
                let Some(room_id) = room_id else {
                    return self.reply_error(socket, ApiError::bad_request("room_id"), nonce).await;
                };
                let input = PostInput {
                    body: v.get("body").and_then(Value::as_str).unwrap_or("").to_string(),
                    nonce: nonce.and_then(Value::as_str).map(str::to_string),
                    reply_to: v.get("reply_to").and_then(Value::as_i64),
                    attachments: v
                        .get("attachments")
                        .and_then(Value::as_array)
                        .map(|a| a.iter().filter_map(Value::as_i64).collect())
                        .unwrap_or_default(),
                    internal: v.get("internal").and_then(Value::as_bool).unwrap_or(false),
                };
                // Stored off the connection's loop, so deliveries keep flowing
                // while the database works; the ack comes back through `replies`.
                let permits =
                    self.in_flight.get_or_insert_with(|| Arc::new(tokio::sync::Semaphore::new(MAX_IN_FLIGHT)));
                let Ok(permit) = permits.clone().try_acquire_owned() else {
                    return self.reply_error(socket, ApiError::too_many(1), nonce).await;
                };
                let (state, user, locale, nonce) =
                    (self.state.clone(), self.user.user.clone(), self.user.locale(), nonce.cloned());
                let replies = self.replies_tx();
                tokio::spawn(async move {
                    let frame = match service::post_message(&state, &user, room_id, input).await {
                        Ok((m, _)) => json!({ "type": "ack", "nonce": m.nonce, "message": m }),
                        Err(e) => error_frame(&e, locale, nonce.as_ref()),
                    };
                    let _ = replies.send(Bytes::from(frame.to_string())).await;
                    drop(permit);
                });
                Flow::Continue
            }
            "read" => {
                let (Some(room_id), Some(seq)) = (room_id, v.get("seq").and_then(Value::as_i64)) else {
                    return self.reply_error(socket, ApiError::bad_request("seq"), None).await;
                };
                match service::mark_read(&self.state, &self.user.user, room_id, seq).await {
                    Ok(_) => Flow::Continue,
                    Err(e) => self.reply_error(socket, e, None).await,
                }
            }
            _ => self.reply_error(socket, ApiError::bad_request("op"), None).await,
        }
    }
}
