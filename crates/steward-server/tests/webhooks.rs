//! Bot accounts' outgoing webhooks and the agent-bot protocol over real HTTP,
//! on SQLite and PostgreSQL, against a real receiver: deliveries carry only
//! what the bot may see, are signed with HMAC-SHA256, retried with backoff
//! and logged attempt by attempt; a 410 switches the webhook off; an external
//! bot gets new widget conversations, answers, and hands over to people.

mod common;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::{HeaderMap, StatusCode};
use common::{Db, TestApp};
use hmac::Mac;
use serde_json::{Value, json};
use steward_core::SystemRole;

/// A webhook receiver: records what arrives, answers from a plan (then 200).
#[derive(Clone, Default)]
struct Receiver {
    got: Arc<Mutex<Vec<(HeaderMap, String)>>>,
    plan: Arc<Mutex<VecDeque<u16>>>,
}

impl Receiver {
    async fn start() -> (Receiver, String) {
        let r = Receiver::default();
        let state = r.clone();
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: HeaderMap, body: String| {
                let state = state.clone();
                async move {
                    state.got.lock().unwrap().push((headers, body));
                    let code = state.plan.lock().unwrap().pop_front().unwrap_or(200);
                    (StatusCode::from_u16(code).unwrap(), "thanks")
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (r, format!("http://{addr}/hook"))
    }

    fn answer(&self, codes: &[u16]) {
        self.plan.lock().unwrap().extend(codes);
    }

    fn count(&self) -> usize {
        self.got.lock().unwrap().len()
    }

    /// Waits for the `n`-th request (1-based) and returns its headers and JSON body.
    async fn nth(&self, n: usize) -> (HeaderMap, String, Value) {
        for _ in 0..400 {
            if let Some((h, b)) = self.got.lock().unwrap().get(n - 1).cloned() {
                let v = serde_json::from_str(&b).unwrap();
                return (h, b, v);
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("no request #{n} arrived; got {}", self.count());
    }

    /// Bodies received so far with this event type.
    fn events(&self, event: &str) -> Vec<Value> {
        self.got
            .lock()
            .unwrap()
            .iter()
            .map(|(_, b)| serde_json::from_str::<Value>(b).unwrap())
            .filter(|v| v["event"] == event)
            .collect()
    }
}

fn verify(secret: &str, headers: &HeaderMap, body: &str) -> bool {
    let sig = headers["x-steward-signature"].to_str().unwrap();
    let (t, v1) = sig.split_once(',').unwrap();
    let t = t.strip_prefix("t=").unwrap();
    let v1 = v1.strip_prefix("v1=").unwrap();
    let mut mac = <hmac::Hmac<sha2::Sha256> as Mac>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.{body}").as_bytes());
    mac.verify_slice(&hex::decode(v1).unwrap()).is_ok()
}

async fn bot(app: &TestApp, admin: &str, name: &str) -> (i64, String) {
    let (s, v) = app.post(admin, "/api/v1/admin/bots", json!({ "username": name, "scopes": ["read", "write"] })).await;
    assert_eq!(s, 201, "{v}");
    (v["user"]["id"].as_i64().unwrap(), v["token"]["secret"].as_str().unwrap().to_string())
}

async fn wait_for<F: Fn(&Value) -> bool>(app: &TestApp, token: &str, path: &str, ok: F) -> Value {
    let mut last = Value::Null;
    for _ in 0..300 {
        let (_, v) = app.get(token, path).await;
        if ok(&v) {
            return v;
        }
        last = v;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{path} never became as expected: {last}");
}

fn fast(c: &mut steward_server::Config) {
    c.webhook_retry_unit_ms = 20;
}

both_with! {
    deliveries_are_scoped_signed_retried_and_logged (fast) => |app: TestApp| async move {
        let (_, admin) = app.user("boss", SystemRole::Admin).await;
        let (member_id, member) = app.member("mila").await;
        let (bot_id, bot_token) = bot(&app, &admin, "crm-bot").await;
        let (rx, url) = Receiver::start().await;

        // Bad input names the field and the rule.
        let bad = |body: Value| { let app = &app; let admin = admin.clone(); async move { app.post(&admin, "/api/v1/webhooks", body).await } };
        let (s, v) = bad(json!({ "bot_id": bot_id, "name": "x", "url": "ftp://example.com", "events": ["message.created"] })).await;
        assert_eq!((s, v["error"]["field"].as_str()), (422, Some("url")), "{v}");
        let (s, v) = bad(json!({ "bot_id": bot_id, "name": "x", "url": url, "events": ["message.exploded"] })).await;
        assert_eq!((s, v["error"]["field"].as_str(), v["error"]["code"].as_str()), (422, Some("events"), Some("invalid_choice")), "{v}");
        let (s, v) = bad(json!({ "bot_id": bot_id, "name": "x", "url": url, "events": [] })).await;
        assert_eq!((s, v["error"]["field"].as_str()), (422, Some("events")), "{v}");
        let (s, v) = bad(json!({ "bot_id": member_id, "name": "x", "url": url, "events": ["message.created"] })).await;
        assert_eq!((s, v["error"]["field"].as_str()), (422, Some("bot_id")), "people are not bots: {v}");
        let (s, v) = app.post(&member, "/api/v1/webhooks", json!({ "name": "x", "url": url, "events": ["message.created"] })).await;
        assert_eq!((s, v["error"]["field"].as_str()), (422, Some("bot_id")), "{v}");
        let (s, _) = app.post(&member, "/api/v1/webhooks", json!({ "bot_id": bot_id, "name": "x", "url": url, "events": ["message.created"] })).await;
        assert_eq!(s, 403, "only admins manage other bots' webhooks");

        // The bot registers its own webhook with its token.
        let (s, v) = app.post(&bot_token, "/api/v1/webhooks", json!({ "name": "CRM", "url": url, "events": ["message.created", "message.updated"] })).await;
        assert_eq!(s, 201, "{v}");
        let hook = v["webhook"]["id"].as_i64().unwrap();
        let secret = v["secret"].as_str().unwrap().to_string();
        assert!(secret.starts_with("whsec_"));
        assert_eq!(v["webhook"]["bot_id"], bot_id);
        let (s, _) = app.get(&member, &format!("/api/v1/webhooks/{hook}")).await;
        assert_eq!(s, 404, "someone else's webhook is not there");
        let (_, l) = app.get(&member, "/api/v1/webhooks").await;
        assert_eq!(l["webhooks"].as_array().unwrap().len(), 0);
        let (_, l) = app.get(&admin, "/api/v1/webhooks").await;
        assert_eq!(l["webhooks"].as_array().unwrap().len(), 1);

        // A message in a room the bot is in arrives, signed; one in a room it is not in does not.
        let with_bot = app.room(&admin, "sales", "group", &[member_id, bot_id]).await;
        let without = app.room(&admin, "secret", "group", &[member_id]).await;
        app.say(&member, without, "не для бота").await;
        app.say(&member, with_bot, "привет, бот").await;
        let (h, body, v) = rx.nth(1).await;
        assert!(verify(&secret, &h, &body), "signature verifies with the secret");
        assert!(!verify("whsec_wrong", &h, &body));
        assert_eq!(h["x-steward-event"], "message.created");
        assert_eq!(h["x-steward-delivery"].to_str().unwrap(), v["id"].to_string());
        assert_eq!(v["event"], "message.created");
        assert_eq!(v["data"]["message"]["body"], "привет, бот");
        assert_eq!(v["data"]["room"]["id"], with_bot);
        // Its own messages are not sent back to it.
        let (s, _) = app.post(&bot_token, &format!("/api/v1/rooms/{with_bot}/messages"), json!({ "body": "я бот" })).await;
        assert_eq!(s, 201);
        app.say(&member, with_bot, "второе").await;
        let (_, _, v) = rx.nth(2).await;
        assert_eq!(v["data"]["message"]["body"], "второе");
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(rx.count(), 2, "nothing from the other room nor the bot's own message");

        // Failures are retried with backoff, same delivery id, every attempt logged.
        rx.answer(&[500, 503]);
        app.say(&member, with_bot, "третье").await;
        let (_, _, a) = rx.nth(3).await;
        let (_, _, b) = rx.nth(4).await;
        let (h5, body5, c) = rx.nth(5).await;
        assert_eq!((a["id"].clone(), b["id"].clone()), (c["id"].clone(), c["id"].clone()));
        assert!(verify(&secret, &h5, &body5));
        let did = c["id"].as_i64().unwrap();
        let d = wait_for(&app, &admin, &format!("/api/v1/webhooks/{hook}/deliveries/{did}"), |d| d["delivery"]["status"] == "delivered").await;
        let codes: Vec<i64> = d["attempts"].as_array().unwrap().iter().map(|a| a["status_code"].as_i64().unwrap()).collect();
        assert_eq!(codes, vec![500, 503, 200], "{d}");
        assert_eq!(d["attempts"][0]["response"], "thanks");
        assert_eq!(d["body"]["data"]["message"]["body"], "третье");
        let (_, list) = app.get(&bot_token, &format!("/api/v1/webhooks/{hook}/deliveries?status=delivered")).await;
        assert_eq!(list["deliveries"].as_array().unwrap().len(), 3);
        let (s, v) = app.get(&bot_token, &format!("/api/v1/webhooks/{hook}/deliveries?status=lost")).await;
        assert_eq!((s, v["error"]["field"].as_str()), (422, Some("status")));

        // Edits are an event of their own.
        let msg = app.say(&member, with_bot, "опечтка").await;
        rx.nth(6).await;
        let mid = msg.get("message").unwrap_or(&msg)["id"].as_i64().unwrap();
        let (s, _) = app.patch(&member, &format!("/api/v1/rooms/{with_bot}/messages/{mid}"), json!({ "body": "опечатка" })).await;
        assert_eq!(s, 200);
        let (h, _, v) = rx.nth(7).await;
        assert_eq!((h["x-steward-event"].to_str().unwrap(), v["data"]["message"]["body"].as_str()), ("message.updated", Some("опечатка")));

        // Redelivery sends the same body again; ping reaches the receiver whatever the events.
        let (s, _) = app.post(&admin, &format!("/api/v1/webhooks/{hook}/deliveries/{did}/redeliver"), json!({})).await;
        assert_eq!(s, 202);
        let (_, _, v) = rx.nth(8).await;
        assert_eq!(v["id"], did);
        let (s, p) = app.post(&bot_token, &format!("/api/v1/webhooks/{hook}/ping"), json!({})).await;
        assert_eq!(s, 202);
        let (_, _, v) = rx.nth(9).await;
        assert_eq!((v["event"].as_str(), v["id"].as_i64()), (Some("ping"), p["delivery_id"].as_i64()));

        // A new secret: the old one no longer verifies.
        let (_, r) = app.post(&bot_token, &format!("/api/v1/webhooks/{hook}/secret"), json!({})).await;
        let secret2 = r["secret"].as_str().unwrap().to_string();
        app.say(&member, with_bot, "после смены ключа").await;
        let (h, body, _) = rx.nth(10).await;
        assert!(verify(&secret2, &h, &body) && !verify(&secret, &h, &body));

        // 410 Gone: the webhook is switched off and nothing more is queued.
        rx.answer(&[410]);
        app.say(&member, with_bot, "уходи").await;
        rx.nth(11).await;
        let w = wait_for(&app, &admin, &format!("/api/v1/webhooks/{hook}"), |w| w["active"] == false).await;
        assert_eq!(w["disabled_reason"], "gone");
        app.say(&member, with_bot, "никто не услышит").await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(rx.count(), 11);
        let (_, w) = app.patch(&admin, &format!("/api/v1/webhooks/{hook}"), json!({ "active": true })).await;
        assert_eq!((w["active"].as_bool(), w["disabled_reason"].as_str()), (Some(true), Some("")));
        assert_eq!(w["deliveries"]["failed"], 1, "{w}");

        // Deleting removes the log too.
        let (s, _) = app.delete(&bot_token, &format!("/api/v1/webhooks/{hook}")).await;
        assert_eq!(s, 204);
        let (s, _) = app.get(&admin, &format!("/api/v1/webhooks/{hook}/deliveries")).await;
        assert_eq!(s, 404);
    };

    an_agent_bot_answers_and_hands_over (fast) => |app: TestApp| async move {
        let (_, admin) = app.user("boss", SystemRole::Admin).await;
        let (op_id, op) = app.user("olga", SystemRole::Operator).await;
        let (member_id, _) = app.member("mila").await;
        let (bot_id, bot_token) = bot(&app, &admin, "helper-bot").await;
        let (rx, url) = Receiver::start().await;
        let (s, v) = app.post(&bot_token, "/api/v1/webhooks", json!({ "name": "agent", "url": url,
            "events": ["conversation.created", "message.created", "conversation.status_changed", "conversation.assigned"] })).await;
        assert_eq!(s, 201, "{v}");

        // Only a bot account can be an inbox's agent bot.
        let (s, v) = app.post(&admin, "/api/v1/support/inboxes", json!({ "name": "Bad", "settings": { "agent_bot": member_id } })).await;
        assert_eq!((s, v["error"]["field"].as_str()), (422, Some("settings.agent_bot")), "{v}");
        let (s, v) = app.post(&admin, "/api/v1/support/inboxes", json!({ "name": "Both", "settings": { "agent_bot": bot_id, "bot": true } })).await;
        assert_eq!((s, v["error"]["field"].as_str()), (422, Some("settings.agent_bot")), "{v}");
        let (s, v) = app.post(&admin, "/api/v1/support/inboxes", json!({ "name": "Shop", "settings": { "agent_bot": bot_id, "agent_bot_timeout_secs": 0 } })).await;
        assert_eq!(s, 201, "{v}");
        let (inbox, key) = (v["inbox"]["id"].as_i64().unwrap(), v["inbox"]["public_key"].as_str().unwrap().to_string());
        app.put_json(&admin, &format!("/api/v1/support/inboxes/{inbox}/members"), json!({ "user_ids": [op_id] })).await;
        app.put_json(&op, "/api/v1/support/me", json!({ "availability": "online" })).await;
        app.put_json(&bot_token, "/api/v1/support/me", json!({ "availability": "online" })).await;

        // A visitor writes: the conversation waits with the bot; the bot is told.
        let (_, s) = app.post_anon(&format!("/widget/v1/inboxes/{key}/session"), json!({ "locale": "ru" })).await;
        let visitor = s["token"].as_str().unwrap().to_string();
        let (st, c) = app.post(&visitor, "/widget/v1/conversations", json!({ "body": "Где мой заказ 123?" })).await;
        assert_eq!(st, 201, "{c}");
        let conv = c["id"].as_i64().unwrap();
        let (_, d) = app.get(&admin, &format!("/api/v1/support/conversations/{conv}")).await;
        assert_eq!((d["conversation"]["status"].as_str(), &d["conversation"]["assignee_id"]), (Some("pending"), &Value::Null), "{d}");
        for _ in 0..200 {
            if !rx.events("message.created").is_empty() && !rx.events("conversation.created").is_empty() { break; }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        let created = rx.events("conversation.created");
        assert_eq!(created.len(), 1, "{created:?}");
        assert_eq!(created[0]["data"]["conversation"]["id"], conv);
        assert_eq!(created[0]["data"]["conversation"]["status"], "pending");
        let m = &rx.events("message.created")[0];
        assert_eq!((m["data"]["message"]["body"].as_str(), m["data"]["conversation"]["id"].as_i64()), (Some("Где мой заказ 123?"), Some(conv)));

        // The bot answers through the API: the visitor sees it; it is not a person's first response.
        let (s, v) = app.post(&bot_token, &format!("/api/v1/support/conversations/{conv}/messages"), json!({ "body": "Заказ 123 в пути, приедет завтра." })).await;
        assert_eq!(s, 201, "{v}");
        let (_, h) = app.get(&visitor, &format!("/widget/v1/conversations/{conv}/messages")).await;
        assert!(h.to_string().contains("приедет завтра"), "{h}");
        let (_, d) = app.get(&admin, &format!("/api/v1/support/conversations/{conv}")).await;
        assert_eq!(d["conversation"]["status"], "pending");
        assert_eq!(d["conversation"]["first_reply_at"], Value::Null, "{d}");
        let (s, _) = app.post(&op, &format!("/api/v1/support/conversations/{conv}/handover"), json!({})).await;
        assert_eq!(s, 403, "operators take, only the bot (or a manager) hands over");

        // The visitor asks for a person; the bot hands over; routing assigns the operator (never the bot).
        let (s, _) = app.post(&visitor, &format!("/widget/v1/conversations/{conv}/messages"), json!({ "body": "хочу человека" })).await;
        assert_eq!(s, 201);
        let (s, v) = app.post(&bot_token, &format!("/api/v1/support/conversations/{conv}/handover"), json!({ "reason": "human_requested", "message": "Соединяю с оператором." })).await;
        assert_eq!(s, 200, "{v}");
        assert_eq!((v["status"].as_str(), v["assignee_id"].as_i64()), (Some("open"), Some(op_id)), "{v}");
        let (s, v) = app.post(&bot_token, &format!("/api/v1/support/conversations/{conv}/handover"), json!({})).await;
        assert_eq!((s, v["error"]["code"].as_str()), (409, Some("not_pending")));
        let (_, d) = app.get(&op, &format!("/api/v1/support/conversations/{conv}")).await;
        let kinds: Vec<&str> = d["events"].as_array().unwrap().iter().filter_map(|e| e["kind"].as_str()).collect();
        assert!(kinds.contains(&"bot_handover") && kinds.contains(&"bot_reply"), "{kinds:?}");
        let room = d["conversation"]["room_id"].as_i64().unwrap();
        let (_, hist) = app.get(&op, &format!("/api/v1/rooms/{room}/messages")).await;
        let text = hist.to_string();
        assert!(text.contains("Где мой заказ") && text.contains("приедет завтра") && text.contains("Соединяю"), "the operator reads the bot's transcript");
        for _ in 0..200 {
            if !rx.events("conversation.status_changed").is_empty() && !rx.events("conversation.assigned").is_empty() { break; }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        let changed = rx.events("conversation.status_changed");
        assert_eq!((changed[0]["data"]["previous_status"].as_str(), changed[0]["data"]["conversation"]["status"].as_str()), (Some("pending"), Some("open")));
        assert_eq!(rx.events("conversation.assigned")[0]["data"]["assignee_id"], op_id);
        let own = rx.events("message.created").iter().filter(|m| m["data"]["message"]["author_id"] == bot_id).count();
        assert_eq!(own, 0, "the bot is not sent its own messages");

        // A bot that never answers: the conversation goes to people after the timeout.
        let (s, v) = app.post(&admin, "/api/v1/support/inboxes", json!({ "name": "Slow", "settings": { "agent_bot": bot_id, "agent_bot_timeout_secs": 1 } })).await;
        assert_eq!(s, 201, "{v}");
        let (slow, key2) = (v["inbox"]["id"].as_i64().unwrap(), v["inbox"]["public_key"].as_str().unwrap().to_string());
        app.put_json(&admin, &format!("/api/v1/support/inboxes/{slow}/members"), json!({ "user_ids": [op_id] })).await;
        let (_, m) = app.get(&admin, "/api/v1/support/inboxes").await;
        let members = m["inboxes"].as_array().unwrap().iter().find(|i| i["inbox"]["id"] == slow).unwrap()["members"].clone();
        let mut members: Vec<i64> = members.as_array().unwrap().iter().filter_map(Value::as_i64).collect();
        members.sort();
        let mut want = vec![op_id, bot_id];
        want.sort();
        assert_eq!(members, want, "the agent bot stays in its inbox");
        let (_, s) = app.post_anon(&format!("/widget/v1/inboxes/{key2}/session"), json!({ "locale": "ru" })).await;
        let v2 = s["token"].as_str().unwrap().to_string();
        let (_, c) = app.post(&v2, "/widget/v1/conversations", json!({ "body": "есть кто?" })).await;
        let conv2 = c["id"].as_i64().unwrap();
        let d = wait_for(&app, &admin, &format!("/api/v1/support/conversations/{conv2}"), |d| d["conversation"]["status"] == "open").await;
        let reason = d["events"].as_array().unwrap().iter().find(|e| e["kind"] == "bot_handover").map(|e| e["data"]["reason"].clone());
        assert_eq!(reason, Some(json!("bot_timeout")), "{d}");
        let (_, h) = app.get(&v2, &format!("/widget/v1/conversations/{conv2}/messages")).await;
        assert!(h.to_string().contains("оператору"), "the visitor is told: {h}");
    };
}
