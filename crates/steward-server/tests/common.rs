//! The test harness: a real server on port 0 with its own fresh database
//! (SQLite file or PostgreSQL schema), real HTTP and WebSocket clients.
#![allow(dead_code)]

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use steward_server::{Config, RunningServer};
use steward_store::testing::TestDb;
use tokio_tungstenite::tungstenite::Message as WsMessage;

pub struct TestApp {
    pub server: RunningServer,
    pub db: TestDb,
    pub http: reqwest::Client,
    _dir: tempfile::TempDir,
}

#[derive(Clone, Copy, Debug)]
pub enum Db {
    Sqlite,
    Postgres,
}

impl TestApp {
    pub async fn start(db: Db) -> Option<TestApp> {
        Self::start_with(db, |_| {}).await
    }

    pub async fn start_with(db: Db, tweak: impl FnOnce(&mut Config)) -> Option<TestApp> {
        let db = match db {
            Db::Sqlite => TestDb::sqlite(),
            Db::Postgres => TestDb::postgres().await?,
        };
        let dir = tempfile::tempdir().expect("tempdir");
        let mut config = Config {
            bind: "127.0.0.1:0".parse().expect("addr"),
            data_dir: dir.path().to_path_buf(),
            database_url: Some(db.url().to_string()),
            ..Config::default()
        };
        tweak(&mut config);
        let store = steward_server::open_store(&config).await.expect("store");
        let server = steward_server::start(config, store).await.expect("start");
        let http = reqwest::Client::builder().timeout(Duration::from_secs(60)).build().expect("client");
        Some(TestApp { server, db, http, _dir: dir })
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.server.url(), path)
    }

    /// Creates a user with a role and returns `(id, token)`.
    pub async fn user(&self, username: &str, role: steward_core::SystemRole) -> (i64, String) {
        let hash = steward_server::auth::hash_password("password-123").expect("hash");
        let u = self
            .server
            .state
            .store
            .create_user(&steward_store::NewUser {
                username: username.into(),
                display_name: format!("{username} display"),
                email: Some(format!("{username}@example.com")),
                password_hash: hash,
                locale: "en".into(),
                avatar_color: "#5b6cf0".into(),
                role,
            })
            .await
            .expect("create user");
        let r = self.post_anon("/api/v1/auth/login", json!({ "username": username, "password": "password-123" })).await;
        assert_eq!(r.0, 200, "login {username}: {}", r.1);
        (u.id, r.1["token"].as_str().expect("token").to_string())
    }

    pub async fn member(&self, username: &str) -> (i64, String) {
        self.user(username, steward_core::SystemRole::Member).await
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> (u16, Value) {
        let resp = req.send().await.expect("request");
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    pub async fn get(&self, token: &str, path: &str) -> (u16, Value) {
        self.send(self.http.get(self.url(path)).bearer_auth(token)).await
    }

    pub async fn post(&self, token: &str, path: &str, body: Value) -> (u16, Value) {
        self.send(self.http.post(self.url(path)).bearer_auth(token).json(&body)).await
    }

    pub async fn post_anon(&self, path: &str, body: Value) -> (u16, Value) {
        self.send(self.http.post(self.url(path)).json(&body)).await
    }

    pub async fn patch(&self, token: &str, path: &str, body: Value) -> (u16, Value) {
        self.send(self.http.patch(self.url(path)).bearer_auth(token).json(&body)).await
    }

    pub async fn put_json(&self, token: &str, path: &str, body: Value) -> (u16, Value) {
        self.send(self.http.put(self.url(path)).bearer_auth(token).json(&body)).await
    }

    pub async fn put(&self, token: &str, path: &str) -> (u16, Value) {
        self.send(self.http.put(self.url(path)).bearer_auth(token)).await
    }

    pub async fn delete(&self, token: &str, path: &str) -> (u16, Value) {
        self.send(self.http.delete(self.url(path)).bearer_auth(token)).await
    }

    /// Creates a room and returns its id.
    pub async fn room(&self, token: &str, name: &str, kind: &str, members: &[i64]) -> i64 {
        let (s, v) = self.post(token, "/api/v1/rooms", json!({ "name": name, "kind": kind, "members": members })).await;
        assert!(s == 201 || s == 200, "create room: {s} {v}");
        v["id"].as_i64().expect("room id")
    }

    pub async fn say(&self, token: &str, room: i64, body: &str) -> Value {
        let (s, v) = self.post(token, &format!("/api/v1/rooms/{room}/messages"), json!({ "body": body })).await;
        assert_eq!(s, 201, "post: {v}");
        v
    }

    pub async fn ws(&self, token: &str) -> Ws {
        let url = format!("ws://{}/api/v1/gateway?token={token}", self.server.addr);
        let (stream, _) = tokio_tungstenite::connect_async(url).await.expect("ws connect");
        let mut ws = Ws { stream };
        let hello = ws.next_json().await.expect("hello");
        assert_eq!(hello["type"], "hello");
        ws
    }

    /// A gateway connection that has said it wants live events only (an empty resume).
    pub async fn ws_live(&self, token: &str) -> Ws {
        let mut ws = self.ws(token).await;
        ws.send(json!({ "op": "resume", "rooms": {} })).await;
        assert!(ws.next_of("ready").await.is_some());
        ws
    }

    pub async fn stop(self) {
        self.server.stop().await;
    }
}

pub struct Ws {
    pub stream: tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
}

impl Ws {
    pub async fn send(&mut self, v: Value) {
        self.stream.send(WsMessage::Text(v.to_string().into())).await.expect("ws send");
    }

    /// The next JSON frame, or `None` after 5 s of silence or on close.
    pub async fn next_json(&mut self) -> Option<Value> {
        self.next_within(Duration::from_secs(5)).await
    }

    pub async fn next_within(&mut self, wait: Duration) -> Option<Value> {
        loop {
            match tokio::time::timeout(wait, self.stream.next()).await {
                Ok(Some(Ok(WsMessage::Text(t)))) => return serde_json::from_str(&t).ok(),
                Ok(Some(Ok(WsMessage::Ping(_) | WsMessage::Pong(_)))) => continue,
                _ => return None,
            }
        }
    }

    /// The next frame of the given type, skipping others (presence, typing…).
    pub async fn next_of(&mut self, ty: &str) -> Option<Value> {
        loop {
            let v = self.next_json().await?;
            if v["type"] == ty {
                return Some(v);
            }
        }
    }

    /// Collects room events (frames with a seq) until `n` arrived or 5 s pass.
    pub async fn room_events(&mut self, n: usize) -> Vec<Value> {
        let mut out = Vec::new();
        while out.len() < n {
            match self.next_json().await {
                Some(v) if v.get("seq").is_some() && v.get("room_id").is_some() => out.push(v),
                Some(_) => continue,
                None => break,
            }
        }
        out
    }

    /// Asserts nothing with a seq arrives for a while.
    pub async fn assert_quiet(&mut self, wait: Duration) {
        let deadline = tokio::time::Instant::now() + wait;
        while let Ok(Some(Ok(msg))) = tokio::time::timeout_at(deadline, self.stream.next()).await {
            if let WsMessage::Text(t) = msg {
                let v: Value = serde_json::from_str(&t).unwrap_or_default();
                assert!(v.get("seq").is_none() || v["type"] == "noop", "expected nothing, got {v}");
            }
        }
    }
}

/// Runs a test body against SQLite, then PostgreSQL.
#[macro_export]
macro_rules! both {
    ($($name:ident => $body:expr;)*) => {
        $(
            mod $name {
                use super::*;
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    if let Some(app) = TestApp::start(Db::Sqlite).await { ($body)(app).await; }
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    if let Some(app) = TestApp::start(Db::Postgres).await { ($body)(app).await; }
                }
            }
        )*
    };
}

/// `both!` for servers that need configuration: `name (|config| …) => body;`.
#[macro_export]
macro_rules! both_with {
    ($($name:ident ($tweak:expr) => $body:expr;)*) => {
        $(
            mod $name {
                use super::*;
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    if let Some(app) = TestApp::start_with(Db::Sqlite, $tweak).await { ($body)(app).await; }
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    if let Some(app) = TestApp::start_with(Db::Postgres, $tweak).await { ($body)(app).await; }
                }
            }
        )*
    };
}
