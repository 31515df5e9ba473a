//! The webhook outbox survives a crash: the real binary is killed (SIGKILL)
//! while a delivery is in flight to a receiver that has not answered yet; a
//! new process on the same data folder sends it again once the lease lapses,
//! with the same delivery id, and the log shows it delivered.

use std::io::Write;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A receiver that holds requests unanswered (`answer` false) or answers 200.
#[derive(Clone, Default)]
struct Receiver {
    answer: Arc<AtomicBool>,
    bodies: Arc<Mutex<Vec<String>>>,
}

impl Receiver {
    async fn start() -> (Receiver, String) {
        let r = Receiver::default();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = r.clone();
        tokio::spawn(async move {
            loop {
                let Ok((mut sock, _)) = listener.accept().await else { return };
                let state = state.clone();
                tokio::spawn(async move {
                    let mut buf = vec![];
                    let mut chunk = [0u8; 4096];
                    // Read the head and a Content-Length body.
                    let body = loop {
                        let Ok(n) = sock.read(&mut chunk).await else { return };
                        if n == 0 {
                            return;
                        }
                        buf.extend_from_slice(&chunk[..n]);
                        let text = String::from_utf8_lossy(&buf).to_string();
                        if let Some(end) = text.find("\r\n\r\n") {
                            let len: usize = text[..end]
                                .lines()
                                .find_map(|l| {
                                    l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().to_string())
                                })
                                .and_then(|v| v.parse().ok())
                                .unwrap_or(0);
                            if buf.len() >= end + 4 + len {
                                break String::from_utf8_lossy(&buf[end + 4..end + 4 + len]).to_string();
                            }
                        }
                    };
                    state.bodies.lock().unwrap().push(body);
                    if state.answer.load(Ordering::SeqCst) {
                        let _ = sock
                            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok")
                            .await;
                    } else {
                        // Never answer: hold the connection until the test ends.
                        tokio::time::sleep(Duration::from_secs(600)).await;
                    }
                });
            }
        });
        (r, format!("http://{addr}/hook"))
    }

    async fn wait_for(&self, n: usize) -> Vec<Value> {
        for _ in 0..600 {
            let got = self.bodies.lock().unwrap().clone();
            if got.len() >= n {
                return got.iter().map(|b| serde_json::from_str(b).unwrap()).collect();
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("fewer than {n} requests arrived");
    }
}

fn steward(dir: &std::path::Path, bind: &str) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_steward"));
    c.env("STEWARD_DATA_DIR", dir)
        .env("STEWARD_BIND", bind)
        .env("STEWARD_LOG", "warn")
        // Lease 60 units = 3 s, request timeout 30 units = 1.5 s.
        .env("STEWARD_WEBHOOK_RETRY_UNIT_MS", "50")
        .env_remove("STEWARD_DATABASE_URL")
        .env_remove("STEWARD_NATS_URL");
    c
}

/// The caller kills and waits for the returned child.
#[allow(clippy::zombie_processes)]
async fn serve(dir: &std::path::Path, bind: &str) -> Child {
    let child = steward(dir, bind).arg("serve").stdout(Stdio::null()).stderr(Stdio::inherit()).spawn().unwrap();
    let http = reqwest::Client::new();
    for _ in 0..400 {
        if http.get(format!("http://{bind}/readyz")).send().await.is_ok_and(|r| r.status().is_success()) {
            return child;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the server did not start");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivery_in_flight_survives_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let bind = format!("127.0.0.1:{port}");
    let base = format!("http://{bind}/api/v1");

    let mut add = steward(dir.path(), &bind)
        .args(["user", "add", "--username", "boss", "--role", "owner", "--password-stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    add.stdin.take().unwrap().write_all(b"correct-horse-battery\n").unwrap();
    assert!(add.wait().unwrap().success());

    let (rx, url) = Receiver::start().await;
    let mut server = serve(dir.path(), &bind).await;
    let http = reqwest::Client::new();
    let login: Value = http
        .post(format!("{base}/auth/login"))
        .json(&json!({ "username": "boss", "password": "correct-horse-battery" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let admin = login["token"].as_str().expect("token").to_string();
    let bot: Value = http
        .post(format!("{base}/admin/bots"))
        .bearer_auth(&admin)
        .json(&json!({ "username": "crm-bot", "scopes": ["read", "write"] }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let bot_id = bot["user"]["id"].as_i64().expect("bot");
    let hook: Value = http
        .post(format!("{base}/webhooks"))
        .bearer_auth(&admin)
        .json(&json!({ "bot_id": bot_id, "name": "crm", "url": url, "events": ["message.created"] }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let hook_id = hook["webhook"]["id"].as_i64().expect("webhook");

    // A ping goes out; the receiver holds it unanswered; the process dies mid-request.
    let ping: Value = http
        .post(format!("{base}/webhooks/{hook_id}/ping"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let delivery = ping["delivery_id"].as_i64().expect("delivery id");
    let first = rx.wait_for(1).await;
    assert_eq!(first[0]["id"], delivery);
    server.kill().unwrap();
    server.wait().unwrap();

    // A new process on the same data: it sends the delivery again (same id) once the lease lapses.
    rx.answer.store(true, Ordering::SeqCst);
    let mut server = serve(dir.path(), &bind).await;
    let got = rx.wait_for(2).await;
    assert_eq!(got[1]["id"], delivery, "the same delivery, not a new one");
    assert_eq!(got[1]["event"], "ping");
    let mut detail = Value::Null;
    for _ in 0..100 {
        detail = http
            .get(format!("{base}/webhooks/{hook_id}/deliveries/{delivery}"))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if detail["delivery"]["status"] == "delivered" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(detail["delivery"]["status"], "delivered", "{detail}");
    assert_eq!(detail["attempts"][0]["status_code"], 200, "{detail}");
    server.kill().unwrap();
    server.wait().unwrap();
}
