//! The support desk over real HTTP and WebSocket, on SQLite and PostgreSQL:
//! a visitor's widget session and conversation, routing and assignment
//! (atomic under load: 50 operators, 500 visitors at once), operator
//! tools (canned replies with variables, notes the visitor never sees,
//! transfer, escalation, resolve), CSAT, visibility and identity.

mod common;

use std::collections::HashMap;

use common::{Db, TestApp};
use hmac::Mac;
use serde_json::{Value, json};
use steward_core::SystemRole;

async fn inbox(app: &TestApp, admin: &str, settings: Value) -> (i64, String, String) {
    let (s, v) = app.post(admin, "/api/v1/support/inboxes", json!({ "name": "Shop", "settings": settings })).await;
    assert_eq!(s, 201, "{v}");
    (
        v["inbox"]["id"].as_i64().unwrap(),
        v["inbox"]["public_key"].as_str().unwrap().to_string(),
        v["identity_secret"].as_str().unwrap().to_string(),
    )
}

async fn widget(app: &TestApp, token: Option<&str>, method: &str, path: &str, body: Value) -> (u16, Value) {
    let mut req = match method {
        "GET" => app.http.get(app.url(path)),
        _ => app.http.post(app.url(path)).json(&body),
    };
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let r = req.send().await.expect("request");
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

/// A new visitor with an open conversation: `(token, conversation id, room id)`.
async fn visitor(app: &TestApp, key: &str, name: &str, first: &str) -> (String, i64, i64) {
    let (s, v) =
        widget(app, None, "POST", &format!("/widget/v1/inboxes/{key}/session"), json!({ "locale": "ru" })).await;
    assert_eq!(s, 200, "{v}");
    let token = v["token"].as_str().unwrap().to_string();
    let (s, c) = widget(
        app,
        Some(&token),
        "POST",
        "/widget/v1/conversations",
        json!({ "prechat": { "name": name }, "body": first }),
    )
    .await;
    assert_eq!(s, 201, "{c}");
    (token, c["id"].as_i64().unwrap(), c["room_id"].as_i64().unwrap())
}

async fn online(app: &TestApp, token: &str, capacity: i64) {
    let (s, v) =
        app.put_json(token, "/api/v1/support/me", json!({ "availability": "online", "capacity": capacity })).await;
    assert_eq!(s, 200, "{v}");
}

async fn widget_ws(app: &TestApp, token: &str, conv: i64, after: i64) -> common::Ws {
    let url = format!("ws://{}/widget/v1/ws?token={token}&conversation={conv}&after_seq={after}", app.server.addr);
    let (stream, _) = tokio_tungstenite::connect_async(url).await.expect("widget ws");
    common::Ws { stream }
}

both! {
    visitor_and_operator_talk_in_real_time => |app: TestApp| async move {
        let (_, admin) = app.user("boss", SystemRole::Admin).await;
        let (op_id, op) = app.user("olga", SystemRole::Operator).await;
        let (inbox_id, key, _) = inbox(&app, &admin, json!({ "routing": "least_loaded", "prechat": [{ "name": "name", "label": { "ru": "Имя", "en": "Name" }, "kind": "text", "required": true }] })).await;
        let (s, _) = app.put_json(&admin, &format!("/api/v1/support/inboxes/{inbox_id}/members"), json!({ "user_ids": [op_id] })).await;
        assert_eq!(s, 204);
        online(&app, &op, 3).await;

        // The widget's config is public; the pre-chat form is enforced.
        let (s, cfg) = widget(&app, None, "GET", &format!("/widget/v1/inboxes/{key}/config"), Value::Null).await;
        assert_eq!(s, 200);
        assert_eq!(cfg["inbox"]["open_now"], true);
        let (_, sess) = widget(&app, None, "POST", &format!("/widget/v1/inboxes/{key}/session"), json!({})).await;
        let token = sess["token"].as_str().unwrap().to_string();
        assert!(token.starts_with("wgt_"));
        let (s, e) = widget(&app, Some(&token), "POST", "/widget/v1/conversations", json!({ "prechat": {} })).await;
        assert_eq!((s, e["error"]["code"].as_str()), (422, Some("required")), "{e}");
        // The widget token opens nothing in the main API.
        let (s, _) = app.get(&token, "/api/v1/rooms").await;
        assert_eq!(s, 401);

        let mut op_ws = app.ws_live(&op).await;
        let (s, conv) = widget(&app, Some(&token), "POST", "/widget/v1/conversations",
            json!({ "prechat": { "name": "Анна Петрова" }, "body": "Здравствуйте, где мой заказ?" })).await;
        assert_eq!(s, 201, "{conv}");
        let conv_id = conv["id"].as_i64().unwrap();
        let room = conv["room_id"].as_i64().unwrap();
        assert_eq!(conv["status"], "open");
        assert_eq!(conv["assignee"]["display_name"], "olga display", "routed to the only operator online: {conv}");
        let assigned = op_ws.next_of("support.assigned").await.expect("operator told");
        assert_eq!(assigned["conversation"]["id"], conv_id);

        // Operator's view: the conversation, the contact card.
        let (s, detail) = app.get(&op, &format!("/api/v1/support/conversations/{conv_id}")).await;
        assert_eq!(s, 200, "{detail}");
        assert_eq!(detail["contact"]["name"], "Анна Петрова");
        let (_, list) = app.get(&op, "/api/v1/support/conversations?queue=mine").await;
        assert_eq!(list["conversations"].as_array().unwrap().len(), 1);
        assert_eq!(list["counts"]["mine"], 1);

        // The visitor's live channel.
        let mut w = widget_ws(&app, &token, conv_id, 0).await;
        let first = w.next_of("message.created").await.expect("missed message replayed");
        assert_eq!(first["message"]["body"], "Здравствуйте, где мой заказ?");

        // A canned reply with variables, then a note the visitor never sees.
        let (s, c) = app.post(&op, "/api/v1/support/canned", json!({ "shortcut": "hello", "body": "Здравствуйте, {{contact.first_name | \"друг\"}}! Меня зовут {{agent.name}}." })).await;
        assert_eq!(s, 201, "{c}");
        let (s, bad) = app.post(&op, "/api/v1/support/canned", json!({ "shortcut": "bad", "body": "{{contact.age}}" })).await;
        assert_eq!((s, bad["error"]["field"].as_str()), (422, Some("body")), "{bad}");
        let (_, found) = app.get(&op, "/api/v1/support/canned?q=/hel").await;
        let body = found["canned"][0]["body"].as_str().unwrap().to_string();
        let (s, _) = app.post(&op, &format!("/api/v1/support/conversations/{conv_id}/messages"), json!({ "body": "secret: VIP client", "internal": true })).await;
        assert_eq!(s, 201);
        let (s, r) = app.post(&op, &format!("/api/v1/support/conversations/{conv_id}/messages"), json!({ "body": body })).await;
        assert_eq!(s, 201, "{r}");
        let got = w.next_of("message.created").await.expect("reply reaches the widget");
        assert_eq!(got["message"]["body"], "Здравствуйте, Анна! Меня зовут olga display.");
        // The widget's history has no note either.
        let (_, hist) = widget(&app, Some(&token), "GET", &format!("/widget/v1/conversations/{conv_id}/messages"), Value::Null).await;
        let bodies: Vec<&str> = hist["messages"].as_array().unwrap().iter().map(|m| m["body"].as_str().unwrap()).collect();
        assert!(!bodies.iter().any(|b| b.contains("VIP")), "{bodies:?}");
        assert_eq!(bodies.len(), 2);

        // Typing both ways; the operator reading shows "read" in the widget.
        w.send(json!({ "op": "typing" })).await;
        let t = op_ws.next_of("typing").await.expect("operator sees typing");
        assert_eq!(t["room_id"], room);
        let last = got["message"]["seq"].as_i64().unwrap();
        app.post(&op, &format!("/api/v1/rooms/{room}/read"), json!({ "seq": last })).await;
        let read = w.next_of("read").await.expect("read status");
        assert_eq!(read["seq"], last);

        // Resolve → CSAT once.
        let (s, _) = app.post(&op, &format!("/api/v1/support/conversations/{conv_id}/status"), json!({ "status": "resolved" })).await;
        assert_eq!(s, 200);
        let upd = w.next_of("conversation.updated").await.expect("status reaches the widget");
        assert!(upd["conversation"]["status"].is_string());
        let (s, c) = widget(&app, Some(&token), "POST", &format!("/widget/v1/conversations/{conv_id}/csat"), json!({ "rating": 6 })).await;
        assert_eq!((s, c["error"]["field"].as_str()), (422, Some("rating")));
        let (s, c) = widget(&app, Some(&token), "POST", &format!("/widget/v1/conversations/{conv_id}/csat"), json!({ "rating": 5, "comment": "Спасибо!" })).await;
        assert_eq!(s, 200, "{c}");
        assert_eq!(c["csat"]["rating"], 5);
        let (s, _) = widget(&app, Some(&token), "POST", &format!("/widget/v1/conversations/{conv_id}/csat"), json!({ "rating": 1 })).await;
        assert_eq!(s, 409, "rated once");
        let (_, detail) = app.get(&op, &format!("/api/v1/support/conversations/{conv_id}")).await;
        assert!(detail["report"]["first_response"]["wall_ms"].as_i64().is_some(), "{detail}");
        let kinds: Vec<&str> = detail["events"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
        for k in ["created", "customer_message", "assigned", "agent_reply", "resolved", "csat"] {
            assert!(kinds.contains(&k), "{k} in {kinds:?}");
        }
        // A new message from the visitor reopens it.
        let (s, _) = widget(&app, Some(&token), "POST", &format!("/widget/v1/conversations/{conv_id}/messages"), json!({ "body": "ещё вопрос" })).await;
        assert_eq!(s, 201);
        let (_, detail) = app.get(&op, &format!("/api/v1/support/conversations/{conv_id}")).await;
        assert_eq!(detail["conversation"]["status"], "open");
        // Someone else's widget token cannot read this conversation.
        let (other, _, _) = visitor(&app, &key, "Eve", "hi").await;
        let (s, _) = widget(&app, Some(&other), "GET", &format!("/widget/v1/conversations/{conv_id}/messages"), Value::Null).await;
        assert_eq!(s, 404);
        app.stop().await;
    };

    transfer_escalate_and_visibility => |app: TestApp| async move {
        let (_, admin) = app.user("boss", SystemRole::Admin).await;
        let (a_id, a) = app.user("anna", SystemRole::Operator).await;
        let (b_id, b) = app.user("boris", SystemRole::Operator).await;
        let (_, outsider) = app.user("olaf", SystemRole::Operator).await;
        let (sup_id, sup) = app.user("sveta", SystemRole::Supervisor).await;
        let (inbox_id, key, _) = inbox(&app, &admin, json!({ "routing": "round_robin",
            "sla": { "first_response_mins": 5, "resolution_mins": 600 },
            "hours": { "time_zone": "Europe/Moscow", "weekly": { "mon": [["00:00", "24:00"]], "tue": [["00:00", "24:00"]], "wed": [["00:00", "24:00"]], "thu": [["00:00", "24:00"]], "fri": [["00:00", "24:00"]], "sat": [["00:00", "24:00"]], "sun": [["00:00", "24:00"]] } } })).await;
        // Bad settings are refused with the field and the rule.
        let (s, e) = app.post(&admin, "/api/v1/support/inboxes", json!({ "name": "Bad", "settings": { "hours": { "time_zone": "Mars/Olympus" } } })).await;
        assert_eq!((s, e["error"]["field"].as_str()), (422, Some("hours.time_zone")), "{e}");
        let (s, e) = app.post(&admin, "/api/v1/support/inboxes", json!({ "name": "Bad", "settings": { "routing": "random" } })).await;
        assert_eq!((s, e["error"]["field"].as_str()), (422, Some("settings.routing")), "{e}");
        app.put_json(&admin, &format!("/api/v1/support/inboxes/{inbox_id}/members"), json!({ "user_ids": [a_id, b_id] })).await;
        online(&app, &a, 5).await;
        let (token, conv, room) = visitor(&app, &key, "Пётр", "помогите").await;
        let (_, d) = app.get(&a, &format!("/api/v1/support/conversations/{conv}")).await;
        assert_eq!(d["conversation"]["assignee_id"], a_id);
        // The SLA clock runs: first response due in 5 minutes, not yet met.
        assert_eq!(d["conversation"]["sla_state"], "ok", "{d}");
        assert_eq!(d["report"]["sla"]["first_response"]["state"], "ok", "{d}");
        assert!(d["conversation"]["sla_next_at"].is_string());
        // An operator outside the inbox sees nothing of it.
        let (s, _) = app.get(&outsider, &format!("/api/v1/support/conversations/{conv}")).await;
        assert_eq!(s, 404);
        let (s, _) = app.get(&outsider, &format!("/api/v1/rooms/{room}/messages")).await;
        assert_eq!(s, 404);
        let (_, l) = app.get(&outsider, "/api/v1/support/conversations?queue=all").await;
        assert_eq!(l["conversations"].as_array().unwrap().len(), 0);
        // Boris (same inbox) may read it; the supervisor too.
        let (s, v) = app.get(&b, &format!("/api/v1/rooms/{room}/messages")).await;
        assert_eq!(s, 200, "{v}");

        // Transfer to Boris with a comment: he is told, the comment is a note.
        let mut b_ws = app.ws_live(&b).await;
        let (s, t) = app.post(&a, &format!("/api/v1/support/conversations/{conv}/transfer"), json!({ "user_id": b_id, "comment": "про возврат, посмотри" })).await;
        assert_eq!(s, 200, "{t}");
        assert_eq!(t["assignee_id"], b_id);
        b_ws.next_of("support.assigned").await.expect("boris told");
        let (s, _) = app.post(&a, &format!("/api/v1/support/conversations/{conv}/transfer"), json!({ "user_id": a_id })).await;
        assert_eq!(s, 403, "no longer hers to transfer");
        // The visitor never sees the transfer comment.
        let (_, hist) = widget(&app, Some(&token), "GET", &format!("/widget/v1/conversations/{conv}/messages"), Value::Null).await;
        assert!(!hist.to_string().contains("про возврат"));

        // Escalation: the supervisor is notified, joins, whispers, takes over.
        let mut s_ws = app.ws_live(&sup).await;
        let (s, _) = app.post(&b, &format!("/api/v1/support/conversations/{conv}/escalate"), json!({ "comment": "клиент злится" })).await;
        assert_eq!(s, 200);
        let esc = s_ws.next_of("support.escalated").await.expect("supervisor notified");
        assert_eq!(esc["conversation_id"], conv);
        let (s, _) = app.post(&sup, &format!("/api/v1/support/conversations/{conv}/messages"), json!({ "body": "предложи скидку 10%", "internal": true })).await;
        assert_eq!(s, 201, "a whisper needs no joining");
        let (s, _) = app.post(&sup, &format!("/api/v1/support/conversations/{conv}/messages"), json!({ "body": "Здравствуйте, я руководитель" })).await;
        assert_eq!(s, 403, "a reply needs joining first");
        let (s, _) = app.post(&sup, &format!("/api/v1/support/conversations/{conv}/join"), json!({})).await;
        assert_eq!(s, 200);
        let (s, _) = app.post(&sup, &format!("/api/v1/support/conversations/{conv}/messages"), json!({ "body": "Здравствуйте, я руководитель" })).await;
        assert_eq!(s, 201);
        let (s, t) = app.post(&sup, &format!("/api/v1/support/conversations/{conv}/assign"), json!({ "user_id": sup_id })).await;
        assert_eq!(s, 422, "the supervisor is not an operator of this inbox: {t}");
        let (s, t) = app.post(&sup, &format!("/api/v1/support/conversations/{conv}/assign"), json!({ "user_id": a_id })).await;
        assert_eq!(s, 200, "{t}");
        assert_eq!(t["assignee_id"], a_id);
        let (_, hist) = widget(&app, Some(&token), "GET", &format!("/widget/v1/conversations/{conv}/messages"), Value::Null).await;
        let text = hist.to_string();
        assert!(!text.contains("скидку") && text.contains("руководитель"), "{text}");
        // Loads follow: Boris gave it away, Anna has it.
        let (_, ov) = app.get(&sup, "/api/v1/support/overview").await;
        let load = |id: i64| ov["operators"].as_array().unwrap().iter().find(|o| o["state"]["user_id"] == id).unwrap()["state"]["active_count"].as_i64().unwrap();
        assert_eq!((load(a_id), load(b_id)), (1, 0), "{ov}");
        app.stop().await;
    };

    capacity_frees_to_the_oldest_waiting => |app: TestApp| async move {
        let (_, admin) = app.user("boss", SystemRole::Admin).await;
        let (op_id, op) = app.user("olga", SystemRole::Operator).await;
        let (inbox_id, key, _) = inbox(&app, &admin, json!({ "routing": "least_loaded" })).await;
        app.put_json(&admin, &format!("/api/v1/support/inboxes/{inbox_id}/members"), json!({ "user_ids": [op_id] })).await;
        online(&app, &op, 1).await;
        let (_, c1, _) = visitor(&app, &key, "first", "1").await;
        let (_, c2, _) = visitor(&app, &key, "second", "2").await;
        let (_, c3, _) = visitor(&app, &key, "third", "3").await;
        let assignee = |v: &Value| v["conversation"]["assignee_id"].as_i64();
        let (_, d1) = app.get(&op, &format!("/api/v1/support/conversations/{c1}")).await;
        let (_, d2) = app.get(&op, &format!("/api/v1/support/conversations/{c2}")).await;
        assert_eq!((assignee(&d1), assignee(&d2)), (Some(op_id), None), "capacity 1");
        let (_, q) = app.get(&op, "/api/v1/support/conversations?queue=unassigned").await;
        assert_eq!(q["counts"]["unassigned"], 2);
        app.post(&op, &format!("/api/v1/support/conversations/{c1}/status"), json!({ "status": "resolved" })).await;
        let (_, d2) = app.get(&op, &format!("/api/v1/support/conversations/{c2}")).await;
        let (_, d3) = app.get(&op, &format!("/api/v1/support/conversations/{c3}")).await;
        assert_eq!((assignee(&d2), assignee(&d3)), (Some(op_id), None), "the oldest waiting goes first");
        // Manual take: nobody takes what someone has.
        let (_, op2) = app.user("petr", SystemRole::Operator).await;
        let (s, _) = app.post(&op2, &format!("/api/v1/support/conversations/{c3}/assign"), json!({ "user_id": 1 })).await;
        assert_eq!(s, 404, "not in the inbox: cannot see it");
        app.stop().await;
    };

    verified_identity_follows_the_user => |app: TestApp| async move {
        let (_, admin) = app.user("boss", SystemRole::Admin).await;
        let (_, key, secret) = inbox(&app, &admin, json!({})).await;
        let sign = |id: &str| {
            let mut m = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
            m.update(id.as_bytes());
            hex::encode(m.finalize().into_bytes())
        };
        let path = format!("/widget/v1/inboxes/{key}/session");
        let (s, e) = widget(&app, None, "POST", &path, json!({ "identity": { "user_id": "u-7", "hash": sign("u-8") } })).await;
        assert_eq!((s, e["error"]["code"].as_str()), (401, Some("identity_invalid")));
        let (s, one) = widget(&app, None, "POST", &path, json!({ "identity": { "user_id": "u-7", "hash": sign("u-7"), "name": "Ivan" } })).await;
        assert_eq!(s, 200, "{one}");
        let t1 = one["token"].as_str().unwrap().to_string();
        let (s, c) = widget(&app, Some(&t1), "POST", "/widget/v1/conversations", json!({ "body": "с телефона" })).await;
        assert_eq!(s, 201, "{c}");
        // Another device: same contact, same conversation.
        let (_, two) = widget(&app, None, "POST", &path, json!({ "identity": { "user_id": "u-7", "hash": sign("u-7") } })).await;
        assert_eq!(two["contact"]["id"], one["contact"]["id"]);
        assert_eq!(two["conversation"]["id"], c["id"]);
        let t2 = two["token"].as_str().unwrap();
        let (_, h) = widget(&app, Some(t2), "GET", &format!("/widget/v1/conversations/{}/messages", c["id"]), Value::Null).await;
        assert_eq!(h["messages"][0]["body"], "с телефона", "{h}");
        // Files: uploaded through the widget, linked with a signature the frame can load without a session.
        let conv_id = c["id"].as_i64().unwrap();
        let png = b"\x89PNG\r\n\x1a\n0000".to_vec();
        let form = reqwest::multipart::Form::new()
            .part("file", reqwest::multipart::Part::bytes(png.clone()).file_name("shot.png").mime_str("image/png").unwrap());
        let r = app.http.post(app.url(&format!("/widget/v1/conversations/{conv_id}/uploads"))).bearer_auth(t2).multipart(form).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 201);
        let att: Value = r.json().await.unwrap();
        let (s, m) = widget(&app, Some(t2), "POST", &format!("/widget/v1/conversations/{conv_id}/messages"), json!({ "body": "скрин", "attachments": [att["id"]] })).await;
        assert_eq!(s, 201, "{m}");
        let (_, h) = widget(&app, Some(t2), "GET", &format!("/widget/v1/conversations/{conv_id}/messages"), Value::Null).await;
        let url = h["messages"][1]["attachments"][0]["url"].as_str().unwrap().to_string();
        assert!(url.starts_with("/widget/v1/attachments/"), "{url}");
        let r = app.http.get(app.url(&url)).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 200);
        assert_eq!(r.bytes().await.unwrap().to_vec(), png);
        let forged = url.replace("sig=", "sig=0");
        assert_eq!(app.http.get(app.url(&forged)).send().await.unwrap().status().as_u16(), 404);
        app.stop().await;
    };
}

/// 50 operators and 500 visitors arriving at once: no conversation gets
/// two operators, nobody exceeds capacity, and every conversation is
/// assigned or queued (then assigned as capacity frees).
async fn rush(app: TestApp) {
    let (_, admin) = app.user("boss", SystemRole::Admin).await;
    let (inbox_id, key, _) = inbox(&app, &admin, json!({ "routing": "least_loaded" })).await;
    let mut ops = vec![];
    for i in 0..50 {
        ops.push(app.user(&format!("op{i}"), SystemRole::Operator).await);
    }
    let ids: Vec<i64> = ops.iter().map(|o| o.0).collect();
    app.put_json(&admin, &format!("/api/v1/support/inboxes/{inbox_id}/members"), json!({ "user_ids": ids })).await;
    for (_, t) in &ops {
        online(&app, t, 8).await;
    }
    // 500 visitors at once (400 fit: 50 × 8), plus operators taking from the queue concurrently.
    let app = std::sync::Arc::new(app);
    let mut tasks = vec![];
    for i in 0..500 {
        let app = app.clone();
        let key = key.clone();
        tasks.push(tokio::spawn(async move { visitor(&app, &key, &format!("v{i}"), "hello").await.1 }));
    }
    let mut convs = vec![];
    for t in tasks {
        convs.push(t.await.expect("visitor task"));
    }
    let store = &app.server.state.store;
    let mut per_op: HashMap<i64, i64> = HashMap::new();
    let mut queued = 0;
    for c in &convs {
        let conv = store.conversation(*c).await.unwrap().unwrap();
        match conv.assignee_id {
            Some(op) => *per_op.entry(op).or_default() += 1,
            None => queued += 1,
        }
        // The room has the visitor and at most one operator.
        let members = store.members(conv.room_id).await.unwrap();
        assert!(members.len() <= 2, "conversation {c} has {} members", members.len());
    }
    assert_eq!(per_op.values().sum::<i64>() + queued, 500);
    assert!(per_op.values().all(|n| *n <= 8), "capacity held: {per_op:?}");
    assert_eq!(per_op.values().sum::<i64>(), 400, "every operator filled: {per_op:?}");
    for o in store.operators().await.unwrap() {
        assert_eq!(o.active_count, *per_op.get(&o.user_id).unwrap_or(&0), "load counter of {}", o.user_id);
    }
    // Every operator resolves one conversation at once: 50 of the queue are assigned, oldest first, none twice.
    let mut tasks = vec![];
    for (op_id, token) in ops.iter().cloned() {
        let app = app.clone();
        let convs = convs.clone();
        tasks.push(tokio::spawn(async move {
            for c in convs {
                let conv = app.server.state.store.conversation(c).await.unwrap().unwrap();
                if conv.assignee_id == Some(op_id) && conv.status == "open" {
                    let (s, v) = app
                        .post(
                            &token,
                            &format!("/api/v1/support/conversations/{c}/status"),
                            json!({ "status": "resolved" }),
                        )
                        .await;
                    assert_eq!(s, 200, "{v}");
                    return;
                }
            }
        }));
    }
    for t in tasks {
        t.await.expect("resolve task");
    }
    let mut assigned_now = 0;
    for c in &convs {
        let conv = store.conversation(*c).await.unwrap().unwrap();
        if conv.status == "open" && conv.assignee_id.is_some() {
            assigned_now += 1;
        }
    }
    assert_eq!(assigned_now, 400, "freed capacity went to the queue");
    for o in store.operators().await.unwrap() {
        assert!(o.active_count <= 8, "operator {} at {}", o.user_id, o.active_count);
    }
    if let Ok(app) = std::sync::Arc::try_unwrap(app) {
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn no_double_assignment_sqlite() {
    if let Some(app) = TestApp::start_with(Db::Sqlite, |c| c.api_requests_per_minute = 1_000_000).await {
        rush(app).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn no_double_assignment_postgres() {
    if let Some(app) = TestApp::start_with(Db::Postgres, |c| c.api_requests_per_minute = 1_000_000).await {
        rush(app).await;
    }
}
