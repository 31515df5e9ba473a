//! Outgoing webhooks of bot accounts (docs/WEBHOOKS.md). An event that a
//! webhook's bot may see is written to the outbox (`webhook_deliveries`) as
//! it happens; the sender claims due deliveries (a lease, so a node that dies
//! mid-send only delays them), POSTs them signed with HMAC-SHA256, logs every
//! attempt and retries failures on a backoff schedule until it gives up.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use hmac::Mac;
use serde_json::{Value, json};
use steward_core::RoomKind;
use steward_core::model::{Conversation, Message, Room};
use steward_store::{AttemptOutcome, DeliveryRow, NextStep, WebhookRow};
use tokio::sync::Notify;

use crate::state::AppState;

/// The events a webhook may subscribe to.
pub const EVENTS: [&str; 7] = [
    "message.created",
    "message.updated",
    "message.deleted",
    "conversation.created",
    "conversation.status_changed",
    "conversation.assigned",
    "ping",
];

/// Waits after the 1st, 2nd, … failed attempt, in retry units (seconds by
/// default): 10 s, 1 min, 5 min, 30 min, 2 h, 6 h, 12 h, 24 h. After the
/// last the delivery is `failed` — nine attempts over about 45 hours.
pub const BACKOFF: [u64; 8] = [10, 60, 300, 1_800, 7_200, 21_600, 43_200, 86_400];
/// How long finished deliveries stay in the log.
pub const KEEP_DAYS: i64 = 14;
/// A batch of deliveries sent at once.
const BATCH: u64 = 32;
/// The start of a receiver's answer kept in the log.
const RESPONSE_KEEP: usize = 1024;

/// The webhooks in force (cached: every message asks) and the sender's wake-up.
pub struct Webhooks {
    hooks: RwLock<Arc<Vec<WebhookRow>>>,
    wake: Notify,
    stopped: AtomicBool,
    client: reqwest::Client,
}

impl Default for Webhooks {
    fn default() -> Self {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("Steward-Webhooks/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(5))
            .build()
            .unwrap_or_default();
        Webhooks { hooks: RwLock::new(Arc::new(vec![])), wake: Notify::new(), stopped: AtomicBool::new(false), client }
    }
}

impl Webhooks {
    fn active(&self) -> Arc<Vec<WebhookRow>> {
        self.hooks.read().map(|g| g.clone()).unwrap_or_else(|e| e.into_inner().clone())
    }
    /// Stops the sender (the server is shutting down).
    pub fn stop(&self) {
        self.stopped.store(true, Ordering::SeqCst);
        self.wake.notify_waiters();
    }
}

/// Sends what is due now (a delivery was queued again).
pub fn wake(state: &AppState) {
    state.webhooks.wake.notify_one();
}

/// Re-reads the active webhooks (after any change to them).
pub async fn reload(state: &AppState) -> anyhow::Result<()> {
    let hooks: Vec<WebhookRow> = state.store.webhooks(None).await?.into_iter().filter(|h| h.active).collect();
    if let Ok(mut g) = state.webhooks.hooks.write() {
        *g = Arc::new(hooks);
    }
    Ok(())
}

/// The signature header value for a body sent at unix time `t`:
/// `t=<t>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
pub fn signature(secret: &str, t: i64, body: &str) -> String {
    let mut mac = <hmac::Hmac<sha2::Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| <hmac::Hmac<sha2::Sha256> as Mac>::new_from_slice(b"-").expect("HMAC takes any key"));
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

fn seal_context(id: i64) -> String {
    format!("webhook:{id}")
}

/// A new signing secret (`whsec_…`), sealed for the webhook's row.
pub fn new_secret(state: &AppState, id: i64) -> (String, String) {
    let secret = format!("whsec_{}", crate::auth::new_token());
    let sealed = state.secret_key.seal(&seal_context(id), &secret);
    (secret, sealed)
}

/// The active webhooks subscribed to `event`, except the author's own (a bot
/// is not told about what it did itself).
fn subscribed(state: &AppState, event: &str, author: Option<i64>) -> Vec<WebhookRow> {
    let hooks = state.webhooks.active();
    hooks.iter().filter(|h| h.events.iter().any(|e| e == event) && author != Some(h.owner_id)).cloned().collect()
}

/// Writes one delivery per webhook and wakes the sender.
async fn enqueue(state: &AppState, event: &str, data: &Value, hooks: &[i64]) {
    if hooks.is_empty() {
        return;
    }
    let payload = data.to_string();
    let items: Vec<(i64, &str, &str)> = hooks.iter().map(|h| (*h, event, payload.as_str())).collect();
    match state.store.enqueue_deliveries(&items).await {
        Ok(ids) => {
            metrics::counter!("steward_webhook_enqueued_total").increment(ids.len() as u64);
            state.webhooks.wake.notify_one();
        }
        Err(e) => tracing::error!(event, error = %e, "webhook deliveries not written"),
    }
}

/// A message was created, edited or deleted.
pub async fn message(state: &AppState, room: &Room, m: &Message, event: &str) {
    let hooks = subscribed(state, event, Some(m.author_id));
    if hooks.is_empty() {
        return;
    }
    let conv = if room.kind == RoomKind::Support {
        state.store.conversation_by_room(room.id).await.ok().flatten()
    } else {
        None
    };
    let mut to = vec![];
    match &conv {
        // Conversations (notes included) are seen by the inbox's staff.
        Some(c) => {
            let members = state.store.inbox_members(c.inbox_id).await.unwrap_or_default();
            to.extend(hooks.iter().filter(|h| members.contains(&h.owner_id)).map(|h| h.id));
        }
        None => {
            for h in &hooks {
                if !m.internal && state.store.membership(room.id, h.owner_id).await.ok().flatten().is_some() {
                    to.push(h.id);
                }
            }
        }
    }
    let data = json!({
        "message": m,
        "room": { "id": room.id, "kind": room.kind, "name": room.name },
        "conversation": conv,
    });
    enqueue(state, event, &data, &to).await;
}

/// Something happened to a conversation (created, status, assignment).
pub async fn conversation(state: &AppState, conv: &Conversation, event: &str, extra: Value) {
    let hooks = subscribed(state, event, None);
    if hooks.is_empty() {
        return;
    }
    let members = state.store.inbox_members(conv.inbox_id).await.unwrap_or_default();
    let to: Vec<i64> = hooks.iter().filter(|h| members.contains(&h.owner_id)).map(|h| h.id).collect();
    if to.is_empty() {
        return;
    }
    let contact = state
        .store
        .contact(conv.contact_id)
        .await
        .ok()
        .flatten()
        .map(|c| json!({ "id": c.id, "name": c.name, "email": c.email, "phone": c.phone }));
    let mut data = json!({ "conversation": conv, "contact": contact });
    if let (Some(obj), Value::Object(more)) = (data.as_object_mut(), extra) {
        obj.extend(more);
    }
    enqueue(state, event, &data, &to).await;
}

/// Queues a `ping` for one webhook (whatever its events), for testing a receiver.
pub async fn ping(state: &AppState, hook: &WebhookRow) -> crate::error::ApiResult<i64> {
    let data = json!({ "webhook_id": hook.id, "message": "ping" });
    let ids = state.store.enqueue_deliveries(&[(hook.id, "ping", &data.to_string())]).await?;
    state.webhooks.wake.notify_one();
    Ok(ids.first().copied().unwrap_or(0))
}

/// The body sent for a delivery (the same on every attempt).
pub fn body(d: &DeliveryRow) -> String {
    let data: Value = serde_json::from_str(&d.payload).unwrap_or(Value::Null);
    json!({
        "id": d.id,
        "event": d.event,
        "webhook_id": d.webhook_id,
        "created_at": steward_core::model::rfc3339(d.created_at),
        "data": data,
    })
    .to_string()
}

fn unit_ms(state: &AppState) -> u64 {
    state.config.webhook_retry_unit_ms.max(1)
}

/// When the next attempt goes after `attempts` failed ones (with ±10 %
/// jitter so a receiver coming back is not hit by every retry at once);
/// `None`: give up.
pub fn next_attempt(now: i64, attempts: usize, unit_ms: u64) -> Option<i64> {
    let wait = BACKOFF.get(attempts.checked_sub(1)?)? * unit_ms;
    let jitter = (wait / 10).max(1);
    let wait = wait - jitter + rand::random_range(0..=2 * jitter);
    Some(now + wait as i64)
}

/// Sends one delivery and records the outcome.
async fn send(state: &AppState, hook: &WebhookRow, d: &DeliveryRow, timeout: Duration) {
    let body = body(d);
    let secret = state.secret_key.open(&seal_context(hook.id), &hook.secret).unwrap_or_default();
    let now = steward_store::now_ms();
    let sig = signature(&secret, now / 1000, &body);
    let started = Instant::now();
    let result = state
        .webhooks
        .client
        .post(&hook.url)
        .timeout(timeout)
        .header("content-type", "application/json")
        .header("x-steward-event", &d.event)
        .header("x-steward-delivery", d.id.to_string())
        .header("x-steward-signature", sig)
        .body(body)
        .send()
        .await;
    let (status_code, error, response) = match result {
        Ok(mut resp) => {
            let code = resp.status().as_u16();
            let mut kept: Vec<u8> = vec![];
            while kept.len() < RESPONSE_KEEP {
                match tokio::time::timeout(timeout, resp.chunk()).await {
                    Ok(Ok(Some(chunk))) => {
                        kept.extend_from_slice(&chunk[..chunk.len().min(RESPONSE_KEEP - kept.len())])
                    }
                    _ => break,
                }
            }
            let error = if (200..300).contains(&code) { String::new() } else { format!("HTTP {code}") };
            (Some(i64::from(code)), error, String::from_utf8_lossy(&kept).into_owned())
        }
        Err(e) => {
            let what = if e.is_timeout() {
                "timed out"
            } else if e.is_connect() {
                "could not connect"
            } else {
                "request failed"
            };
            (None, format!("{what}: {e}"), String::new())
        }
    };
    let duration_ms = started.elapsed().as_millis() as i64;
    let at = steward_store::now_ms();
    let ok = status_code.is_some_and(|c| (200..300).contains(&c));
    let gone = status_code == Some(410);
    let next = if ok {
        NextStep::Delivered
    } else if gone {
        NextStep::Failed
    } else {
        match next_attempt(at, d.attempts as usize + 1, unit_ms(state)) {
            Some(t) => NextStep::Retry(t),
            None => NextStep::Failed,
        }
    };
    metrics::counter!("steward_webhook_attempts_total", "outcome" => if ok { "delivered" } else { "failed" })
        .increment(1);
    metrics::histogram!("steward_webhook_send_seconds").record(duration_ms as f64 / 1000.0);
    let outcome = AttemptOutcome { at, duration_ms, status_code, error, response, next };
    if let Err(e) = state.store.record_attempt(d.id, &outcome).await {
        tracing::warn!(delivery = d.id, error = %e, "webhook attempt not recorded");
    }
    if gone {
        // 410 Gone: the receiver asks to stop.
        if state.store.disable_webhook(hook.id, "gone").await.is_ok() {
            tracing::info!(webhook = hook.id, "webhook switched off: the receiver answered 410");
            let _ = reload(state).await;
        }
    } else if !ok {
        tracing::debug!(webhook = hook.id, delivery = d.id, status = ?status_code, "webhook attempt failed");
    }
}

/// One pass: claims due deliveries and sends them (concurrently). Returns how many.
pub async fn run_once(state: &AppState) -> anyhow::Result<usize> {
    let unit = unit_ms(state);
    // The lease outlasts a request, so nobody else sends while this node waits for an answer.
    let lease_ms = (60 * unit) as i64;
    let timeout = Duration::from_millis((30 * unit).min(10_000));
    let now = steward_store::now_ms();
    let batch = state.store.claim_deliveries(now, lease_ms, BATCH).await?;
    if batch.is_empty() {
        return Ok(0);
    }
    let mut hooks: std::collections::HashMap<i64, WebhookRow> = Default::default();
    for d in &batch {
        if !hooks.contains_key(&d.webhook_id)
            && let Some(h) = state.store.webhook(d.webhook_id).await?
        {
            hooks.insert(h.id, h);
        }
    }
    let sends = batch.iter().filter_map(|d| hooks.get(&d.webhook_id).map(|h| send(state, h, d, timeout)));
    futures_util::future::join_all(sends).await;
    Ok(batch.len())
}

/// The sender: runs whenever something is written (or every second, for
/// retries and other nodes' deliveries), and prunes the log hourly.
pub fn spawn(state: AppState) {
    tokio::spawn(async move {
        if let Err(e) = reload(&state).await {
            tracing::warn!(error = %e, "webhooks not loaded");
        }
        let mut last_prune = Instant::now() - Duration::from_secs(3600);
        while !state.webhooks.stopped.load(Ordering::SeqCst) {
            let sent = match run_once(&state).await {
                Ok(n) => n,
                Err(e) => {
                    tracing::warn!(error = %e, "webhook sender failed");
                    0
                }
            };
            if last_prune.elapsed() >= Duration::from_secs(3600) {
                last_prune = Instant::now();
                let before = steward_store::now_ms() - KEEP_DAYS * 86_400_000;
                match state.store.prune_deliveries(before).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(removed = n, "old webhook deliveries removed"),
                    Err(e) => tracing::warn!(error = %e, "webhook log not pruned"),
                }
            }
            if sent == 0 {
                let tick = Duration::from_millis(unit_ms(&state).min(1000));
                let _ = tokio::time::timeout(tick, state.webhooks.wake.notified()).await;
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_hmac_sha256_of_timestamp_dot_body() {
        // Checked against `printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac whsec_test`.
        assert_eq!(
            signature("whsec_test", 1_700_000_000, r#"{"a":1}"#),
            "t=1700000000,v1=38877139021993b830af32feea6e18a8da83eb2f6e49ee50bd9e4cf4ca4d3789"
        );
    }

    #[test]
    fn backoff_grows_and_gives_up() {
        let now = 1_000_000;
        let first = next_attempt(now, 1, 1000).unwrap() - now;
        assert!((9_000..=11_000).contains(&first), "{first}");
        let fifth = next_attempt(now, 5, 1000).unwrap() - now;
        assert!((6_480_000..=7_920_000).contains(&fifth), "{fifth}");
        assert!(next_attempt(now, BACKOFF.len(), 1000).is_some());
        assert_eq!(next_attempt(now, BACKOFF.len() + 1, 1000), None);
        assert_eq!(next_attempt(now, 0, 1000), None);
    }
}
