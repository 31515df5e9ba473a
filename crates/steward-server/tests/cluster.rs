//! Two Steward nodes on one PostgreSQL database and one NATS server, in this
//! process, each on its own port with its own data folder — what a load
//! balancer in front of a cluster sees (docs/DEPLOY.md). A client on node A
//! sends and a client on node B receives in order; presence and typing cross
//! nodes; a moderation rule or a mute set on A is in force on B at once; a
//! scheduled message goes out exactly once; killing A loses no acknowledged
//! message and B's clients go on, and A's client resumes on B.
//!
//! Needs PostgreSQL (`STEWARD_TEST_POSTGRES_URL`) and NATS
//! (`STEWARD_TEST_NATS_URL`, default `nats://127.0.0.1:4222`); skipped loudly
//! without them, and failed instead when `STEWARD_REQUIRE_POSTGRES` is set (CI).

mod common;

use std::time::Duration;

use common::Ws;
use serde_json::{Value, json};
use steward_core::SystemRole;
use steward_server::{Config, RunningServer};
use steward_store::testing::{REQUIRE_POSTGRES_ENV, TestDb};

const NATS_ENV: &str = "STEWARD_TEST_NATS_URL";

/// The NATS server to use, or `None` (skip) when it cannot be reached.
async fn nats_url() -> Option<String> {
    let url = std::env::var(NATS_ENV).unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    let addr = url.trim_start_matches("nats://").split(',').next().unwrap_or_default().to_string();
    let reachable =
        matches!(tokio::time::timeout(Duration::from_secs(2), tokio::net::TcpStream::connect(&addr)).await, Ok(Ok(_)));
    if reachable {
        return Some(url);
    }
    if std::env::var_os(REQUIRE_POSTGRES_ENV).is_some() {
        panic!("{REQUIRE_POSTGRES_ENV} is set but NATS at {url} cannot be reached: the cluster test must run");
    }
    eprintln!("SKIPPED: cluster test — no NATS at {url} (set {NATS_ENV}, or run nats-server)");
    None
}

struct Node {
    server: RunningServer,
    _dir: tempfile::TempDir,
}

/// A node of the cluster: same database, same NATS subjects, same secret key.
async fn node(db: &TestDb, nats: &str, cluster: &str) -> Node {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = Config {
        bind: "127.0.0.1:0".parse().expect("addr"),
        data_dir: dir.path().to_path_buf(),
        database_url: Some(db.url().to_string()),
        nats_url: Some(nats.to_string()),
        cluster_name: cluster.to_string(),
        // 200 sends at once from one socket.
        gateway_ops_per_minute: 60_000,
        secret_key: Some(
            steward_server::secret::SecretKey::parse("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=").expect("key"),
        ),
        ..Config::default()
    };
    let store = steward_server::open_store(&config).await.expect("store");
    let server = steward_server::start(config, store).await.expect("start");
    Node { server, _dir: dir }
}

struct Client {
    http: reqwest::Client,
}

impl Client {
    async fn call(&self, req: reqwest::RequestBuilder) -> (u16, Value) {
        let r = req.send().await.expect("request");
        let s = r.status().as_u16();
        let text = r.text().await.unwrap_or_default();
        (s, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }
    async fn get(&self, node: &RunningServer, token: &str, path: &str) -> (u16, Value) {
        self.call(self.http.get(format!("{}/api/v1{path}", node.url())).bearer_auth(token)).await
    }
    async fn post(&self, node: &RunningServer, token: &str, path: &str, body: Value) -> (u16, Value) {
        self.call(self.http.post(format!("{}/api/v1{path}", node.url())).bearer_auth(token).json(&body)).await
    }
    async fn put(&self, node: &RunningServer, token: &str, path: &str, body: Value) -> (u16, Value) {
        self.call(self.http.put(format!("{}/api/v1{path}", node.url())).bearer_auth(token).json(&body)).await
    }
    async fn anon(&self, node: &RunningServer, path: &str, body: Value) -> (u16, Value) {
        self.call(self.http.post(format!("{}{path}", node.url())).json(&body)).await
    }

    /// Creates a person (through the shared database) and signs them in on `node`.
    async fn person(&self, node: &RunningServer, name: &str, role: SystemRole) -> (i64, String) {
        let hash = steward_server::auth::hash_password("password-123").expect("hash");
        let u = node
            .state
            .store
            .create_user(&steward_store::NewUser {
                username: name.into(),
                display_name: name.into(),
                email: Some(format!("{name}@example.com")),
                password_hash: hash,
                locale: "en".into(),
                avatar_color: "#5b6cf0".into(),
                role,
            })
            .await
            .expect("create user");
        let (s, v) =
            self.anon(node, "/api/v1/auth/login", json!({ "username": name, "password": "password-123" })).await;
        assert_eq!(s, 200, "{v}");
        (u.id, v["token"].as_str().expect("token").to_string())
    }
}

async fn ws(node: &RunningServer, token: &str, resume: Value) -> Ws {
    let url = format!("ws://{}/api/v1/gateway?token={token}", node.addr);
    let (stream, _) = tokio_tungstenite::connect_async(url).await.expect("ws connect");
    let mut ws = Ws { stream };
    assert_eq!(ws.next_json().await.expect("hello")["type"], "hello");
    ws.send(json!({ "op": "resume", "rooms": resume })).await;
    ws
}

/// The next frame matching `f`, skipping others; `None` after 5 s of silence.
async fn next_where(ws: &mut Ws, f: impl Fn(&Value) -> bool) -> Option<Value> {
    loop {
        let v = ws.next_json().await?;
        if f(&v) {
            return Some(v);
        }
    }
}

async fn presence_of(c: &Client, node: &RunningServer, token: &str, user: i64) -> String {
    let (s, v) = c.get(node, token, &format!("/users/{user}")).await;
    assert_eq!(s, 200, "{v}");
    v["presence"].as_str().unwrap_or_default().to_string()
}

/// Evaluates `cond` (which may `.await`) every 50 ms until it holds or `within` passes.
macro_rules! eventually {
    ($within:expr, $cond:expr) => {{
        let deadline = tokio::time::Instant::now() + $within;
        loop {
            if $cond {
                break true;
            }
            if tokio::time::Instant::now() >= deadline {
                break false;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }};
}

/// Bodies of a room's messages, oldest first (read through `node`).
async fn bodies(c: &Client, node: &RunningServer, token: &str, room: i64) -> Vec<String> {
    let mut out = vec![];
    let mut before: Option<i64> = None;
    loop {
        let q = before.map_or(String::new(), |b| format!("&before_seq={b}"));
        let (s, v) = c.get(node, token, &format!("/rooms/{room}/messages?limit=100{q}")).await;
        assert_eq!(s, 200, "{v}");
        let page = v["messages"].as_array().cloned().unwrap_or_default();
        if page.is_empty() {
            break;
        }
        before = page.iter().filter_map(|m| m["seq"].as_i64()).min();
        out.extend(page.iter().filter_map(|m| m["body"].as_str().map(str::to_string)));
        if page.len() < 100 {
            break;
        }
    }
    out.reverse();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_nodes_one_postgres_one_nats() {
    let Some(nats) = nats_url().await else { return };
    let Some(db) = TestDb::postgres().await else { return };
    // Subjects of this run only: parallel tests on one NATS do not cross-talk.
    let cluster = format!("t{}_{}", std::process::id(), steward_store::now_ms() % 1_000_000_000);
    let a = node(&db, &nats, &cluster).await;
    let b = node(&db, &nats, &cluster).await;
    let (na, nb) = (&a.server, &b.server);
    let c = Client { http: reqwest::Client::builder().timeout(Duration::from_secs(30)).build().expect("client") };

    let (anna_id, anna) = c.person(na, "anna", SystemRole::Admin).await;
    let (bob_id, bob) = c.person(nb, "bob", SystemRole::Member).await;
    let (s, room) = c.post(na, &anna, "/rooms", json!({ "name": "ops", "kind": "channel", "members": [bob_id] })).await;
    assert_eq!(s, 201, "{room}");
    let room = room["id"].as_i64().unwrap();

    // --- Presence across nodes.
    let mut anna_ws = ws(na, &anna, json!({})).await;
    assert!(anna_ws.next_of("ready").await.is_some());
    let mut bob_ws = ws(nb, &bob, json!({})).await;
    assert!(bob_ws.next_of("ready").await.is_some());
    let online = next_where(&mut anna_ws, |v| v["type"] == "presence" && v["user_id"] == bob_id).await;
    assert_eq!(online.expect("bob's presence reaches node A")["status"], "online");
    assert_eq!(presence_of(&c, na, &anna, bob_id).await, "online", "A knows bob is on B");
    // Bob also on A; leaving B keeps him online for everyone.
    let mut bob_on_a = ws(na, &bob, json!({})).await;
    assert!(bob_on_a.next_of("ready").await.is_some());
    tokio::time::sleep(Duration::from_millis(300)).await;
    bob_ws.stream.close(None).await.ok();
    drop(bob_ws);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(presence_of(&c, na, &anna, bob_id).await, "online");
    assert_eq!(presence_of(&c, nb, &bob, bob_id).await, "online", "B knows bob is still on A");
    // Away on A shows as away on B.
    bob_on_a.send(json!({ "op": "presence", "status": "away" })).await;
    assert!(eventually!(Duration::from_secs(3), nb.state.presence(bob_id) == "away"));
    bob_on_a.stream.close(None).await.ok();
    drop(bob_on_a);
    let off =
        next_where(&mut anna_ws, |v| v["type"] == "presence" && v["user_id"] == bob_id && v["status"] == "offline");
    assert!(off.await.is_some(), "gone from every node: offline");
    assert!(eventually!(Duration::from_secs(3), nb.state.presence(bob_id) == "offline"));

    // --- Typing on A reaches B.
    let mut bob_ws = ws(nb, &bob, json!({})).await;
    assert!(bob_ws.next_of("ready").await.is_some());
    tokio::time::sleep(Duration::from_millis(200)).await;
    anna_ws.send(json!({ "op": "typing", "room_id": room })).await;
    let typing = bob_ws.next_of("typing").await.expect("typing crosses nodes");
    assert_eq!((typing["room_id"].as_i64(), typing["user_id"].as_i64()), (Some(room), Some(anna_id)));

    // --- After a lost link to NATS a node catches its rooms up from the
    // store: an event stored but never published reaches Bob's socket.
    // (Written through a store of its own: the nodes' stores publish what they write.)
    let quiet = db.store().await;
    quiet.post_message(&steward_store::NewMessage::compose(room, anna_id, "lost in transit")).await.unwrap();
    quiet.close().await;
    steward_server::cluster::catch_up(&nb.state).await;
    let caught = bob_ws.next_of("message.created").await.expect("caught up from the store");
    assert_eq!(caught["message"]["body"], "lost in transit");

    // --- Anna sends on A, Bob receives on B, in order.
    // A client keeps at most 32 sends in flight (the gateway's limit): 16 here.
    const N: usize = 200;
    let started = std::time::Instant::now();
    let send = |i: usize| json!({ "op": "send", "room_id": room, "body": format!("m{i}"), "nonce": format!("n{i}") });
    let mut sent = 0;
    while sent < 16 {
        anna_ws.send(send(sent)).await;
        sent += 1;
    }
    let mut acks = 0;
    while acks < N {
        let v = anna_ws.next_json().await.expect("acks on A");
        assert_ne!(v["type"], "error", "{v}");
        if v["type"] == "ack" {
            acks += 1;
            if sent < N {
                anna_ws.send(send(sent)).await;
                sent += 1;
            }
        }
    }
    let mut received: Vec<Value> = vec![];
    while received.len() < N {
        let Some(v) = bob_ws.next_json().await else {
            panic!("B received {} of {N} messages", received.len());
        };
        if v["type"] == "message.created" {
            received.push(v);
        }
    }
    let elapsed = started.elapsed();
    // Sends in flight together are stored in any order; what B must show is
    // the room's order: seq after seq, no gap, none twice, all of them.
    let seqs: Vec<i64> = received.iter().map(|v| v["seq"].as_i64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "B receives in seq order without gaps: {seqs:?}");
    let mut got: Vec<&str> = received.iter().map(|v| v["message"]["body"].as_str().unwrap_or_default()).collect();
    got.sort_unstable();
    let mut want: Vec<String> = (0..N).map(|i| format!("m{i}")).collect();
    want.sort_unstable();
    assert_eq!(got, want, "every message A acknowledged reaches B");
    eprintln!("{N} messages sent on A, received on B in {elapsed:?}");

    // --- A moderation rule saved on A is in force on B at once.
    let rules = json!({ "rules": [{ "id": "nope", "name": "Nope", "kind": { "type": "words", "words": ["verboten"] }, "action": { "type": "block", "message": "not here" } }] });
    let (s, v) = c.put(na, &anna, "/moderation/rules", rules).await;
    assert_eq!(s, 200, "{v}");
    let blocked = eventually!(Duration::from_secs(2), {
        let (s, _) = c.post(nb, &bob, &format!("/rooms/{room}/messages"), json!({ "body": "verboten" })).await;
        s == 422
    });
    assert!(blocked, "the rule reached B");
    // A mute imposed on A holds on B; lifted on A, it is gone on B.
    let mute = json!({ "user_id": bob_id, "kind": "mute", "reason": "calm down", "duration_secs": 600 });
    let (s, sanction) = c.post(na, &anna, "/moderation/sanctions", mute).await;
    assert_eq!(s, 201, "{sanction}");
    let muted = eventually!(Duration::from_secs(2), {
        let (s, v) = c.post(nb, &bob, &format!("/rooms/{room}/messages"), json!({ "body": "hello?" })).await;
        s == 403 && v["error"]["code"] == "muted"
    });
    assert!(muted, "the mute reached B");
    let sid = sanction["id"].as_i64().unwrap();
    let (s, v) = c.post(na, &anna, &format!("/moderation/sanctions/{sid}/lift"), json!({ "reason": "ok" })).await;
    assert!(s == 200 || s == 204, "{s} {v}");
    let free = eventually!(Duration::from_secs(2), {
        let (s, _) = c.post(nb, &bob, &format!("/rooms/{room}/messages"), json!({ "body": "thanks" })).await;
        s == 201
    });
    assert!(free, "the lift reached B");

    // --- A scheduled message goes out once with both nodes running.
    let (s, inbox) = c.post(na, &anna, "/support/inboxes", json!({ "name": "Shop", "settings": {} })).await;
    assert_eq!(s, 201, "{inbox}");
    let (inbox_id, key) = (inbox["inbox"]["id"].as_i64().unwrap(), inbox["inbox"]["public_key"].as_str().unwrap());
    let (s, _) =
        c.put(na, &anna, &format!("/support/inboxes/{inbox_id}/members"), json!({ "user_ids": [anna_id] })).await;
    assert_eq!(s, 204);
    let (s, v) = c.put(na, &anna, "/support/me", json!({ "availability": "online", "capacity": 5 })).await;
    assert_eq!(s, 200, "{v}");
    let (s, session) = c.anon(nb, &format!("/widget/v1/inboxes/{key}/session"), json!({ "locale": "en" })).await;
    assert_eq!(s, 200, "{session}");
    let visitor = session["token"].as_str().unwrap().to_string();
    let conv = c
        .call(
            c.http
                .post(format!("{}/widget/v1/conversations", nb.url()))
                .bearer_auth(&visitor)
                .json(&json!({ "body": "hi" })),
        )
        .await;
    assert_eq!(conv.0, 201, "{}", conv.1);
    let (conv_id, conv_room) = (conv.1["id"].as_i64().unwrap(), conv.1["room_id"].as_i64().unwrap());
    let at = steward_core::model::rfc3339(steward_store::now_ms() + 1500);
    let path = format!("/support/conversations/{conv_id}/messages");
    let (s, v) = c.post(na, &anna, &path, json!({ "body": "scheduled once", "send_at": at })).await;
    assert_eq!(s, 201, "{v}");
    let sent = eventually!(
        Duration::from_secs(15),
        bodies(&c, nb, &anna, conv_room).await.iter().any(|b| b == "scheduled once")
    );
    assert!(sent, "the sweep sent it");
    tokio::time::sleep(Duration::from_secs(6)).await;
    let n = bodies(&c, nb, &anna, conv_room).await.iter().filter(|b| *b == "scheduled once").count();
    assert_eq!(n, 1, "sent exactly once");
    // One node holds each job's lease and runs it; the other does not.
    let ran = |s: &RunningServer| s.state.jobs.lock().unwrap().support_sweep.is_some();
    assert!(ran(na) != ran(nb), "the support sweep runs on one node only (A {}, B {})", ran(na), ran(nb));
    let swept = |s: &RunningServer| s.state.jobs.lock().unwrap().sanction_sweep.is_some();
    assert!(swept(na) != swept(nb), "the sanction sweep runs on one node only");

    // --- Kill A while Anna is sending: nothing acknowledged is lost, B goes on.
    while bob_ws.next_within(Duration::from_millis(300)).await.is_some() {}
    let base: i64 = c.get(nb, &bob, &format!("/rooms/{room}")).await.1["last_seq"].as_i64().unwrap();
    let kill_send =
        |i: usize| json!({ "op": "send", "room_id": room, "body": format!("k{i}"), "nonce": format!("k{i}") });
    for i in 0..16 {
        anna_ws.send(kill_send(i)).await;
    }
    let mut next = 16;
    let mut acked: Vec<String> = vec![];
    let mut anna_last = base;
    // A is killed with 16 sends in flight.
    while acked.len() < 30 {
        let v = anna_ws.next_json().await.expect("acks before the kill");
        if v["type"] == "ack" {
            acked.push(v["message"]["body"].as_str().unwrap().to_string());
            anna_ws.send(kill_send(next)).await;
            next += 1;
        }
        if v["type"] == "message.created" {
            anna_last = anna_last.max(v["seq"].as_i64().unwrap());
        }
    }
    let Node { server: a_server, _dir: a_dir } = a;
    a_server.kill();
    drop(a_dir);
    // Whatever else A's socket said before it died.
    while let Some(v) = anna_ws.next_within(Duration::from_millis(500)).await {
        if v["type"] == "ack" {
            acked.push(v["message"]["body"].as_str().unwrap().to_string());
        }
        if v["type"] == "message.created" {
            anna_last = anna_last.max(v["seq"].as_i64().unwrap());
        }
    }
    drop(anna_ws);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let stored = bodies(&c, nb, &bob, room).await;
    for body in &acked {
        assert!(stored.contains(body), "acknowledged {body} is stored");
    }
    // Bob, on B, goes on: he writes, and receives everything in order (what
    // A committed but never published arrives by gap fill from the store).
    let (s, v) = c.post(nb, &bob, &format!("/rooms/{room}/messages"), json!({ "body": "still here" })).await;
    assert_eq!(s, 201, "{v}");
    let last = v["seq"].as_i64().unwrap();
    let mut seen: Vec<(i64, String)> = vec![];
    while seen.last().is_none_or(|l| l.0 < last) {
        let v = bob_ws.next_json().await.expect("B's client keeps receiving");
        if let (Some(seq), Some(body)) = (v["seq"].as_i64(), v["message"]["body"].as_str())
            && v["type"] == "message.created"
        {
            seen.push((seq, body.to_string()));
        }
    }
    let seqs: Vec<i64> = seen.iter().map(|s| s.0).collect();
    assert_eq!(seqs, ((base + 1)..=last).collect::<Vec<_>>(), "every event after the kill point, in order, once");
    for body in &acked {
        assert!(seen.iter().any(|s| &s.1 == body), "B's client has acknowledged {body}");
    }
    // Anna reconnects through the load balancer (to B) and resumes.
    let mut anna_b = ws(nb, &anna, json!({ room.to_string(): anna_last })).await;
    let mut replay: Vec<i64> = vec![];
    loop {
        let v = anna_b.next_json().await.expect("resume on B");
        if v["type"] == "ready" {
            break;
        }
        if let Some(seq) = v["seq"].as_i64() {
            replay.push(seq);
        }
    }
    assert_eq!(replay, ((anna_last + 1)..=last).collect::<Vec<_>>(), "A's client resumes on B without a gap");
    anna_b.send(json!({ "op": "send", "room_id": room, "body": "back", "nonce": "back" })).await;
    assert!(anna_b.next_of("ack").await.is_some());
    let back = next_where(&mut bob_ws, |v| v["type"] == "message.created" && v["message"]["body"] == "back").await;
    assert!(back.is_some());

    b.server.stop().await;
}
