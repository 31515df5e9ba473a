//! Security settings over real HTTP: TOTP secrets sealed at rest (and what a
//! wrong key does), the `/metrics` guard, `X-Forwarded-For` from trusted
//! proxies only, and HSTS over https.

mod common;

use common::{Db, TestApp};
use serde_json::{Value, json};
use steward_core::SystemRole;
use steward_server::RunningServer;
use steward_server::secret::SecretKey;

const KEY_A: &str = "YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWE=";
const KEY_B: &str = "YmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmI=";

fn key(b64: &str) -> SecretKey {
    SecretKey::parse(b64).expect("test key")
}

/// A second server on the same database (a restart, possibly with another key).
async fn restart_with_key(app: &TestApp, key: SecretKey) -> (RunningServer, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = steward_server::Config {
        bind: "127.0.0.1:0".parse().expect("addr"),
        data_dir: dir.path().to_path_buf(),
        database_url: Some(app.db.url().to_string()),
        secret_key: Some(key),
        ..steward_server::Config::default()
    };
    let store = steward_server::open_store(&config).await.expect("store");
    (steward_server::start(config, store).await.expect("start"), dir)
}

async fn login(app: &TestApp, server: &RunningServer, username: &str, code: Option<String>) -> (u16, Value) {
    let mut body = json!({ "username": username, "password": "password-123" });
    if let Some(c) = code {
        body["code"] = json!(c);
    }
    let resp =
        app.http.post(format!("{}/api/v1/auth/login", server.url())).json(&body).send().await.expect("login request");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// The stored `(secret, pending)` of a person, as the database holds them.
async fn stored_totp(app: &TestApp, user_id: i64) -> (Option<String>, Option<String>) {
    let rows = app.server.state.store.totp_secrets().await.expect("totp rows");
    rows.into_iter().find(|(id, _, _)| *id == user_id).map(|(_, s, p)| (s, p)).unwrap_or_default()
}

both_with! {
    totp_secrets_are_sealed_at_rest_and_a_wrong_key_fails_closed (|c| c.secret_key = Some(key(KEY_A))) => |app: TestApp| async move {
        let (anna, token) = app.member("anna").await;
        let (s, setup) = app.post(&token, "/api/v1/me/2fa/setup", json!({})).await;
        assert_eq!(s, 200, "{setup}");
        let secret = setup["secret"].as_str().expect("secret").to_string();
        let (_, pending) = stored_totp(&app, anna).await;
        let pending = pending.expect("pending stored");
        assert!(pending.starts_with("v1:") && !pending.contains(&secret), "pending secret sealed: {pending}");

        let code = steward_server::twofa::current_code(&secret).expect("code");
        let (s, v) = app.post(&token, "/api/v1/me/2fa/enable", json!({ "code": code })).await;
        assert_eq!(s, 200, "{v}");
        let (stored, pending) = stored_totp(&app, anna).await;
        let stored = stored.expect("secret stored");
        assert!(stored.starts_with("v1:") && !stored.contains(&secret), "secret sealed: {stored}");
        assert_eq!(pending, None);

        // 2FA still works: the next step's code signs in (±1 step of skew is allowed).
        let next = steward_server::twofa::code_in(&secret, 30).expect("code");
        let (s, v) = login(&app, &app.server, "anna", Some(next)).await;
        assert_eq!(s, 200, "sign-in with a code: {v}");

        // A secret stored in the clear by an older version still works, and a
        // restart seals it.
        let (bob, _) = app.member("bob").await;
        let legacy = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
        app.server.state.store.enable_totp(bob, legacy, 0, &[]).await.expect("legacy secret");
        let code = steward_server::twofa::current_code(legacy).expect("code");
        let (s, v) = login(&app, &app.server, "bob", Some(code)).await;
        assert_eq!(s, 200, "plaintext read transparently: {v}");
        let (same_key, _dir) = restart_with_key(&app, key(KEY_A)).await;
        let (stored, _) = stored_totp(&app, bob).await;
        let stored = stored.expect("bob's secret");
        assert!(stored.starts_with("v1:") && !stored.contains(legacy), "sealed at start: {stored}");
        let code = steward_server::twofa::code_in(legacy, 30).expect("code");
        let (s, v) = login(&app, &same_key, "bob", Some(code)).await;
        assert_eq!(s, 200, "sealed at start and still signs in: {v}");
        same_key.stop().await;

        // Another key: sealed secrets do not open, so no code is accepted (and
        // nothing panics); the password alone is not enough either.
        let (wrong_key, _dir) = restart_with_key(&app, key(KEY_B)).await;
        let code = steward_server::twofa::code_in(&secret, 30).expect("code");
        let (s, v) = login(&app, &wrong_key, "anna", Some(code)).await;
        assert_eq!((s, v["error"]["code"].as_str(), v["error"]["field"].as_str()), (503, Some("totp_unavailable"), None), "{v}");
        assert!(v["error"]["message"].as_str().is_some_and(|m| m.contains("secret key")), "{v}");
        let (s, v) = login(&app, &wrong_key, "anna", None).await;
        assert_eq!((s, v["error"]["code"].as_str()), (401, Some("totp_required")), "{v}");
        let health = app.http.get(format!("{}/healthz", wrong_key.url())).send().await.expect("healthz");
        assert_eq!(health.status().as_u16(), 200, "the server still runs");
        wrong_key.stop().await;
        app.stop().await;
    };

    metrics_ask_for_the_token_when_one_is_set (|c| c.metrics_token = Some(steward_server::secret::SecretString::new("m3trics-t0ken".into()))) => |app: TestApp| async move {
        let get = |auth: Option<&'static str>| {
            let mut req = app.http.get(app.url("/metrics"));
            if let Some(a) = auth {
                req = req.header("authorization", a);
            }
            async move { req.send().await.expect("metrics request") }
        };
        assert_eq!(get(None).await.status().as_u16(), 401, "loopback is not enough once a token is set");
        assert_eq!(get(Some("Bearer wrong")).await.status().as_u16(), 401);
        assert_eq!(get(Some("Basic bTN0cmljcy10MGtlbg==")).await.status().as_u16(), 401);
        let ok = get(Some("Bearer m3trics-t0ken")).await;
        assert_eq!(ok.status().as_u16(), 200);
        assert!(ok.text().await.unwrap_or_default().contains("steward_"), "Prometheus text");
        app.stop().await;
    };

    metrics_without_a_token_are_for_this_machine_only (|c| {
        c.bind = "0.0.0.0:0".parse().expect("addr");
        c.trusted_proxies = steward_server::client_ip::TrustedProxies::parse("127.0.0.1").expect("proxies");
    }) => |app: TestApp| async move {
        let port = app.server.addr.port();
        let local = app.http.get(format!("http://127.0.0.1:{port}/metrics")).send().await.expect("metrics");
        assert_eq!(local.status().as_u16(), 200);
        // A local reverse proxy forwarding someone from outside: refused.
        let proxied = app.http.get(format!("http://127.0.0.1:{port}/metrics")).header("x-forwarded-for", "203.0.113.7").send().await.expect("metrics");
        assert_eq!(proxied.status().as_u16(), 403);
        // A peer on another interface.
        match outward_address() {
            Some(ip) => {
                let remote = app.http.get(format!("http://{ip}:{port}/metrics")).send().await.expect("metrics");
                assert_eq!(remote.status().as_u16(), 403, "{ip} is not loopback");
            }
            None => eprintln!("SKIPPED (part): this machine has no non-loopback address to call /metrics from"),
        }
        app.stop().await;
    };

    forwarded_for_counts_only_from_trusted_proxies (|c| c.trusted_proxies = steward_server::client_ip::TrustedProxies::parse("127.0.0.1, 10.0.0.0/8").expect("proxies")) => |app: TestApp| async move {
        let (_, admin) = app.user("admin", SystemRole::Admin).await;
        app.member("anna").await;
        let body = json!({ "username": "anna", "password": "password-123" });
        let r = app.http.post(app.url("/api/v1/auth/login")).header("x-forwarded-for", "6.6.6.6, 198.51.100.23, 10.1.2.3").json(&body).send().await.expect("login");
        assert_eq!(r.status().as_u16(), 200);
        let (_, v) = app.get(&admin, "/api/v1/admin/audit?action=auth.login").await;
        let ips: Vec<&str> = v["entries"].as_array().expect("entries").iter().filter_map(|e| e["ip"].as_str()).collect();
        assert!(ips.contains(&"198.51.100.23"), "the proxy's client, not the spoofed left-most entry: {ips:?}");
        assert!(!ips.contains(&"6.6.6.6"));

        // The same header from a server that trusts nobody is ignored.
        let plain = TestApp::start(Db::Sqlite).await.expect("second app");
        let (_, admin2) = plain.user("admin", SystemRole::Admin).await;
        plain.member("anna").await;
        let r = plain.http.post(plain.url("/api/v1/auth/login")).header("x-forwarded-for", "198.51.100.23").json(&body).send().await.expect("login");
        assert_eq!(r.status().as_u16(), 200);
        let (_, v) = plain.get(&admin2, "/api/v1/admin/audit?action=auth.login").await;
        let ips: Vec<&str> = v["entries"].as_array().expect("entries").iter().filter_map(|e| e["ip"].as_str()).collect();
        assert!(!ips.is_empty() && ips.iter().all(|ip| *ip == "127.0.0.1"), "{ips:?}");
        plain.stop().await;
        app.stop().await;
    };

    https_public_url_sends_hsts (|c| c.public_url = Some("https://chat.example.com".into())) => |app: TestApp| async move {
        let r = app.http.get(app.url("/login")).send().await.expect("page");
        assert_eq!(r.headers().get("strict-transport-security").and_then(|v| v.to_str().ok()), Some("max-age=31536000"));
        let plain = TestApp::start(Db::Sqlite).await.expect("second app");
        let r = plain.http.get(plain.url("/login")).send().await.expect("page");
        assert!(r.headers().get("strict-transport-security").is_none(), "not over plain http");
        plain.stop().await;
        app.stop().await;
    };
}

/// This machine's address on its outward interface, if it has one.
fn outward_address() -> Option<std::net::IpAddr> {
    let socket = std::net::UdpSocket::bind("0.0.0.0:0").ok()?;
    socket.connect("192.0.2.1:9").ok()?;
    let ip = socket.local_addr().ok()?.ip();
    (!ip.is_loopback() && !ip.is_unspecified()).then_some(ip)
}
