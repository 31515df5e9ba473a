//! Administration over real HTTP and WebSocket: deactivation ends every
//! session and socket at once, role changes guard the owners, and everything
//! lands in the audit log.

mod common;

use std::time::Duration;

use common::{Db, TestApp};
use serde_json::json;
use steward_core::SystemRole;

both! {
    deactivation_ends_sessions_and_sockets_at_once => |app: TestApp| async move {
        let (_, admin) = app.user("admin", SystemRole::Admin).await;
        let (m, member) = app.member("member").await;
        let mut ws = app.ws_live(&member).await;
        let (s, v) = app.post(&admin, &format!("/api/v1/admin/users/{m}/deactivate"), json!({})).await;
        assert_eq!((s, v["status"].as_str()), (200, Some("deactivated")), "{v}");
        let code = loop {
            match tokio::time::timeout(Duration::from_secs(5), futures_util::StreamExt::next(&mut ws.stream)).await {
                Ok(Some(Ok(tokio_tungstenite::tungstenite::Message::Close(f)))) => break f.map(|f| u16::from(f.code)),
                Ok(Some(Ok(_))) => continue,
                other => panic!("expected the socket to close, got {other:?}"),
            }
        };
        assert_eq!(code, Some(4003));
        let (s, _) = app.get(&member, "/api/v1/me").await;
        assert_eq!(s, 401, "the old token is dead");
        let url = format!("ws://{}/api/v1/gateway?token={member}", app.server.addr);
        assert!(tokio_tungstenite::connect_async(url).await.is_err(), "and cannot open the gateway");
        let (s, _) = app.post_anon("/api/v1/auth/login", json!({ "username": "member", "password": "password-123" })).await;
        assert_eq!(s, 401, "nor sign in");
        let (_, list) = app.get(&admin, "/api/v1/admin/users?status=deactivated").await;
        assert_eq!(list["users"].as_array().unwrap().len(), 1);
        let (s, _) = app.post(&admin, &format!("/api/v1/admin/users/{m}/reactivate"), json!({})).await;
        assert_eq!(s, 200);
        let (s, v) = app.post_anon("/api/v1/auth/login", json!({ "username": "member", "password": "password-123" })).await;
        assert_eq!(s, 200, "back in");
        let member = v["token"].as_str().unwrap().to_string();
        let (s, _) = app.post(&member, "/api/v1/admin/users/1/deactivate", json!({})).await;
        assert_eq!(s, 403, "members cannot deactivate");
        app.stop().await;
    };

    roles_guard_owners_and_the_audit_log_tells_all => |app: TestApp| async move {
        let (o, owner) = app.user("owner", SystemRole::Owner).await;
        let (a, admin) = app.user("admin", SystemRole::Admin).await;
        let (m, member) = app.member("member").await;
        let (s, _) = app.patch(&admin, &format!("/api/v1/admin/users/{m}"), json!({ "role": "owner" })).await;
        assert_eq!(s, 403, "only owners make owners");
        let (s, v) = app.patch(&admin, &format!("/api/v1/admin/users/{m}"), json!({ "role": "moderator" })).await;
        assert_eq!((s, v["role"].as_str()), (200, Some("moderator")));
        let (s, v) = app.patch(&owner, &format!("/api/v1/admin/users/{o}"), json!({ "role": "admin" })).await;
        assert_eq!((s, v["error"]["code"].as_str()), (409, Some("last_owner")));
        let (s, v) = app.patch(&owner, &format!("/api/v1/admin/users/{m}"), json!({ "role": "king" })).await;
        assert_eq!((s, v["error"]["field"].as_str()), (422, Some("role")));
        let (s, _) = app.post(&admin, &format!("/api/v1/admin/users/{o}/deactivate"), json!({})).await;
        assert_eq!(s, 403, "admins cannot deactivate owners");
        let (s, _) = app.post(&admin, &format!("/api/v1/admin/users/{a}/deactivate"), json!({})).await;
        assert_eq!(s, 409, "nobody deactivates themselves");
        app.post_anon("/api/v1/auth/login", json!({ "username": "admin", "password": "nope-nope" })).await;

        let (s, v) = app.get(&admin, "/api/v1/admin/audit?action=user.").await;
        assert_eq!(s, 200);
        let entries = v["entries"].as_array().unwrap();
        assert_eq!(entries.len(), 1, "{v}");
        assert_eq!((entries[0]["action"].as_str(), entries[0]["actor_id"].as_i64()), (Some("user.role"), Some(a)));
        assert_eq!(entries[0]["before"], r#"{"role":"member"}"#);
        assert_eq!(entries[0]["target_id"], m);
        assert!(entries[0]["ip"].as_str().is_some_and(|ip| ip.starts_with("127.")));
        let (_, v) = app.get(&admin, "/api/v1/admin/audit?action=auth.login_failed").await;
        assert_eq!(v["entries"][0]["target_id"], a);
        let csv = app.http.get(app.url("/api/v1/admin/audit?format=csv&action=user.role")).bearer_auth(&admin).send().await.unwrap();
        assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
        let text = csv.text().await.unwrap();
        assert!(text.starts_with("id,at,actor_id,action"));
        assert!(text.contains("\"user.role\""));
        let jsonl = app.http.get(app.url("/api/v1/admin/audit?format=jsonl")).bearer_auth(&admin).send().await.unwrap().text().await.unwrap();
        assert!(jsonl.lines().count() >= 3 && jsonl.lines().all(|l| serde_json::from_str::<serde_json::Value>(l).is_ok()));
        let (s, v) = app.get(&admin, "/api/v1/admin/audit?since=yesterday").await;
        assert_eq!((s, v["error"]["field"].as_str()), (422, Some("since")));
        let (s, _) = app.get(&member, "/api/v1/admin/audit").await;
        assert_eq!(s, 403, "the audit log is for audit.read");
        app.stop().await;
    };
}

both! {
    sessions_can_be_listed_and_revoked => |app: TestApp| async move {
        let (_, admin) = app.user("admin", SystemRole::Admin).await;
        let (m, phone) = app.member("member").await;
        let (_, v) = app.post_anon("/api/v1/auth/login", json!({ "username": "member", "password": "password-123" })).await;
        let laptop = v["token"].as_str().unwrap().to_string();
        let (s, v) = app.get(&laptop, "/api/v1/me/sessions").await;
        assert_eq!(s, 200);
        let list = v["sessions"].as_array().unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!(list.iter().filter(|s| s["current"] == true).count(), 1);
        let phone_id = list.iter().find(|s| s["current"] == false).unwrap()["id"].as_i64().unwrap();
        let mut ws = app.ws_live(&phone).await;
        let (s, _) = app.delete(&laptop, &format!("/api/v1/me/sessions/{phone_id}")).await;
        assert_eq!(s, 204);
        assert_eq!(app.get(&phone, "/api/v1/me").await.0, 401, "the phone is signed out");
        let code = loop {
            match tokio::time::timeout(Duration::from_secs(5), futures_util::StreamExt::next(&mut ws.stream)).await {
                Ok(Some(Ok(tokio_tungstenite::tungstenite::Message::Close(f)))) => break f.map(|f| u16::from(f.code)),
                Ok(Some(Ok(_))) => continue,
                other => panic!("expected the socket to close, got {other:?}"),
            }
        };
        assert_eq!(code, Some(4003), "its socket is closed");
        let (s, _) = app.delete(&laptop, &format!("/api/v1/me/sessions/{phone_id}")).await;
        assert_eq!(s, 404);
        // Someone else's session id is not found either.
        let (_, v) = app.get(&admin, "/api/v1/me/sessions").await;
        let admin_session = v["sessions"][0]["id"].as_i64().unwrap();
        assert_eq!(app.delete(&laptop, &format!("/api/v1/me/sessions/{admin_session}")).await.0, 404);
        // An admin signs the member out everywhere.
        let (s, _) = app.post(&admin, &format!("/api/v1/admin/users/{m}/logout"), json!({})).await;
        assert_eq!(s, 204);
        assert_eq!(app.get(&laptop, "/api/v1/me").await.0, 401);
        let (_, v) = app.get(&admin, "/api/v1/admin/audit?action=user.force_logout").await;
        assert_eq!(v["entries"][0]["target_id"], m);
        app.stop().await;
    };
}

/// A flood from one token is refused with 429 and Retry-After while another
/// person's requests go through. (Rate limiting is in front of the store, so
/// one backend is enough here.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_flooding_client_does_not_slow_others() {
    let app = TestApp::start_with(Db::Sqlite, |c| c.api_requests_per_minute = 60).await.expect("app");
    let (_, flooder) = app.member("flooder").await;
    let (_, calm) = app.member("calm").await;
    let mut refused = 0;
    let mut retry_after = None;
    let started = std::time::Instant::now();
    for _ in 0..60 {
        let r = app.http.get(app.url("/api/v1/me")).bearer_auth(&flooder).send().await.unwrap();
        if r.status() == 429 {
            refused += 1;
            retry_after = r.headers().get("retry-after").map(|v| v.to_str().unwrap().to_string());
        }
    }
    let flood_ms = started.elapsed().as_millis();
    // Burst of 20, then one a second: most of the 60 are refused.
    assert!(refused >= 35, "refused {refused} of 60 in {flood_ms} ms");
    assert!(retry_after.is_some_and(|s| s.parse::<u64>().is_ok_and(|n| n >= 1)));
    let t = std::time::Instant::now();
    let (s, _) = app.get(&calm, "/api/v1/me").await;
    assert_eq!(s, 200, "the calm client is served");
    assert!(t.elapsed() < Duration::from_secs(1));
    println!("flood: {refused}/60 refused in {flood_ms} ms; calm client answered in {:?}", t.elapsed());
    app.stop().await;
}

both! {
    two_factor_sign_in_refuses_replayed_codes => |app: TestApp| async move {
        let (_, token) = app.member("anna").await;
        let (s, setup) = app.post(&token, "/api/v1/me/2fa/setup", json!({})).await;
        assert_eq!(s, 200);
        let secret = setup["secret"].as_str().unwrap().to_string();
        assert!(setup["otpauth_url"].as_str().unwrap().contains(&secret));
        let (s, v) = app.post(&token, "/api/v1/me/2fa/enable", json!({ "code": "000000x" })).await;
        assert_eq!((s, v["error"]["code"].as_str()), (422, Some("invalid_totp")));
        let code = steward_server::twofa::current_code(&secret).unwrap();
        let (s, v) = app.post(&token, "/api/v1/me/2fa/enable", json!({ "code": code })).await;
        assert_eq!(s, 200, "{v}");
        let recovery: Vec<String> = v["recovery_codes"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_string()).collect();
        assert_eq!(recovery.len(), 10);

        let login = |code: Option<String>| {
            let mut body = json!({ "username": "anna", "password": "password-123" });
            if let Some(c) = code {
                body["code"] = json!(c);
            }
            body
        };
        let (s, v) = app.post_anon("/api/v1/auth/login", login(None)).await;
        assert_eq!((s, v["error"]["code"].as_str(), v["error"]["field"].as_str()), (401, Some("totp_required"), Some("code")));
        // The code that enabled 2FA cannot sign in: it was used.
        let (s, v) = app.post_anon("/api/v1/auth/login", login(Some(code.clone()))).await;
        assert_eq!((s, v["error"]["code"].as_str()), (401, Some("totp_replayed")), "{v}");
        let (s, v) = app.post_anon("/api/v1/auth/login", login(Some(recovery[0].clone()))).await;
        assert_eq!(s, 200, "a recovery code signs in once: {v}");
        let (s, v) = app.post_anon("/api/v1/auth/login", login(Some(recovery[0].clone()))).await;
        assert_eq!((s, v["error"]["code"].as_str()), (401, Some("invalid_totp")), "and only once");
        let (_, st) = app.get(&token, "/api/v1/me/2fa").await;
        assert_eq!((st["enabled"].as_bool(), st["recovery_codes_left"].as_i64()), (Some(true), Some(9)));
        let (s, _) = app.post(&token, "/api/v1/me/2fa/disable", json!({ "password": "wrong-one-here" })).await;
        assert_eq!(s, 403);
        let (s, _) = app.post(&token, "/api/v1/me/2fa/disable", json!({ "password": "password-123" })).await;
        assert_eq!(s, 204);
        let (s, _) = app.post_anon("/api/v1/auth/login", login(None)).await;
        assert_eq!(s, 200, "off again");
        app.stop().await;
    };
}

both! {
    required_two_factor_and_sign_up_policy => |app: TestApp| async move {
        let (_, owner) = app.user("owner", SystemRole::Owner).await;
        let (_, moderator) = app.user("mod", SystemRole::Moderator).await;
        let (s, _) = app.put_json(&moderator, "/api/v1/admin/settings", json!({ "require_2fa_roles": ["moderator"] })).await;
        assert_eq!(s, 403, "settings are for settings.edit");
        let (s, v) = app.put_json(&owner, "/api/v1/admin/settings", json!({ "require_2fa_roles": ["moderator"] })).await;
        assert_eq!(s, 200, "{v}");
        let (s, v) = app.get(&moderator, "/api/v1/rooms").await;
        assert_eq!((s, v["error"]["code"].as_str()), (403, Some("totp_setup_required")));
        assert_eq!(app.get(&moderator, "/api/v1/me").await.0, 200);
        let url = format!("ws://{}/api/v1/gateway?token={moderator}", app.server.addr);
        let (mut ws, _) = tokio_tungstenite::connect_async(url).await.expect("upgrade");
        let closed = futures_util::StreamExt::next(&mut ws).await;
        assert!(matches!(closed, Some(Ok(tokio_tungstenite::tungstenite::Message::Close(_)))), "{closed:?}");
        let (_, setup) = app.post(&moderator, "/api/v1/me/2fa/setup", json!({})).await;
        let code = steward_server::twofa::current_code(setup["secret"].as_str().unwrap()).unwrap();
        let (s, _) = app.post(&moderator, "/api/v1/me/2fa/enable", json!({ "code": code })).await;
        assert_eq!(s, 200);
        assert_eq!(app.get(&moderator, "/api/v1/rooms").await.0, 200, "free once 2FA is on");

        // Sign-up: invite-only by default; a domain allow-list opens /signup to that domain.
        assert_eq!(app.http.get(app.url("/signup")).send().await.unwrap().status(), 404);
        let (s, v) = app.put_json(&owner, "/api/v1/admin/settings", json!({ "signup_policy": "domains" })).await;
        assert_eq!((s, v["error"]["field"].as_str()), (422, Some("signup_domains")));
        let (s, _) = app.put_json(&owner, "/api/v1/admin/settings", json!({ "signup_policy": "domains", "signup_domains": ["example.com"] })).await;
        assert_eq!(s, 200);
        assert_eq!(app.http.get(app.url("/signup")).send().await.unwrap().status(), 200);
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let form = |email: &'static str| vec![("username", "newbie"), ("display_name", "New"), ("email", email), ("password", "violet-harbour-42")];
        let r = client.post(app.url("/signup")).header("origin", app.server.url()).form(&form("x@evil.com")).send().await.unwrap();
        assert_eq!(r.status(), 403);
        let r = client.post(app.url("/signup")).header("origin", app.server.url()).form(&form("x@example.com")).send().await.unwrap();
        assert_eq!(r.status(), 303);
        let (_, log) = app.get(&owner, "/api/v1/admin/audit?action=settings.update").await;
        assert_eq!(log["entries"].as_array().unwrap().len(), 2);
        app.stop().await;
    };
}

both! {
    reset_links_and_erasure => |app: TestApp| async move {
        let (_, admin) = app.user("admin", SystemRole::Admin).await;
        let (m, member) = app.member("member").await;
        let room = app.room(&admin, "general", "channel", &[m]).await;
        app.say(&member, room, "моё личное сообщение про отпуск").await;
        let (s, v) = app.post(&admin, &format!("/api/v1/admin/users/{m}/reset-link"), json!({})).await;
        assert_eq!(s, 201);
        let path = v["url"].as_str().unwrap().split_once("/reset/").map(|(_, t)| format!("/reset/{t}")).unwrap();
        assert_eq!(app.http.get(app.url(&path)).send().await.unwrap().status(), 200);
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let r = client.post(app.url(&path)).header("origin", app.server.url()).form(&[("password", "qwerty123")]).send().await.unwrap();
        assert_eq!(r.status(), 422, "common passwords refused here too");
        let r = client.post(app.url(&path)).header("origin", app.server.url()).form(&[("password", "granite-lantern-7")]).send().await.unwrap();
        assert_eq!(r.status(), 303);
        assert_eq!(app.get(&member, "/api/v1/me").await.0, 401, "old sessions ended");
        let r = client.post(app.url(&path)).header("origin", app.server.url()).form(&[("password", "granite-lantern-8")]).send().await.unwrap();
        assert_eq!(r.status(), 404, "the link works once");
        let (s, v) = app.post_anon("/api/v1/auth/login", json!({ "username": "member", "password": "granite-lantern-7" })).await;
        assert_eq!(s, 200);
        let member = v["token"].as_str().unwrap().to_string();

        let (s, _) = app.post(&member, &format!("/api/v1/admin/users/{m}/erase"), json!({})).await;
        assert_eq!(s, 403);
        let mut watcher = app.ws_live(&admin).await;
        let (s, _) = app.post(&admin, &format!("/api/v1/admin/users/{m}/erase"), json!({ "remove_messages": true })).await;
        assert_eq!(s, 204);
        let left = watcher.next_of("member.left").await.expect("the room sees them leave");
        assert_eq!((left["room_id"].as_i64(), left["user"]["id"].as_i64()), (Some(room), Some(m)), "{left}");
        assert_eq!(left["user"]["display_name"], "Deleted user", "under the erased name");
        assert_eq!(app.get(&member, "/api/v1/me").await.0, 401);
        let (s, _) = app.post_anon("/api/v1/auth/login", json!({ "username": "member", "password": "granite-lantern-7" })).await;
        assert_eq!(s, 401, "nobody signs in as an erased person");
        let (_, u) = app.get(&admin, &format!("/api/v1/users/{m}")).await;
        assert_eq!((u["username"].as_str(), u["display_name"].as_str()), (Some(format!("deleted-{m}").as_str()), Some("Deleted user")));
        assert!(u["email"].is_null());
        let (_, found) = app.get(&admin, "/api/v1/search?q=%D0%BE%D1%82%D0%BF%D1%83%D1%81%D0%BA").await;
        assert_eq!(found["results"].as_array().unwrap().len(), 0, "their words are gone from search");
        let (_, page) = app.get(&admin, &format!("/api/v1/rooms/{room}/messages")).await;
        assert!(page["messages"].as_array().unwrap().iter().all(|m| m["body"] == "" && m["deleted"] == true));
        let (_, room_view) = app.get(&admin, &format!("/api/v1/rooms/{room}")).await;
        assert_eq!(room_view["member_count"], 1, "memberships gone");
        app.stop().await;
    };
}

both! {
    api_tokens_and_bots_are_scoped => |app: TestApp| async move {
        let (_, admin) = app.user("admin", SystemRole::Admin).await;
        let (m, member) = app.member("member").await;
        let room = app.room(&admin, "general", "channel", &[m]).await;
        let (s, v) = app.post(&member, "/api/v1/me/tokens", json!({ "name": "reader", "scopes": ["read"] })).await;
        assert_eq!(s, 201, "{v}");
        let reader = v["secret"].as_str().unwrap().to_string();
        assert!(reader.starts_with("stw_"));
        assert_eq!(app.get(&reader, "/api/v1/rooms").await.0, 200);
        let (s, v) = app.post(&reader, &format!("/api/v1/rooms/{room}/messages"), json!({ "body": "hi" })).await;
        assert_eq!((s, v["error"]["code"].as_str()), (403, Some("token_scope")));
        let (s, _) = app.post(&reader, "/api/v1/me/tokens", json!({ "name": "more", "scopes": ["write"] })).await;
        assert_eq!(s, 403, "tokens do not mint tokens");
        let (s, v) = app.post(&member, "/api/v1/me/tokens", json!({ "name": "x", "scopes": ["root"] })).await;
        assert_eq!((s, v["error"]["field"].as_str()), (422, Some("scopes")));
        let id = app.get(&member, "/api/v1/me/tokens").await.1["tokens"][0]["id"].as_i64().unwrap();
        assert_eq!(app.delete(&member, &format!("/api/v1/me/tokens/{id}")).await.0, 204);
        assert_eq!(app.get(&reader, "/api/v1/rooms").await.0, 401, "revoked");

        let (s, v) = app.post(&admin, "/api/v1/admin/bots", json!({ "username": "helper-bot", "scopes": ["read", "write"] })).await;
        assert_eq!(s, 201, "{v}");
        let bot_id = v["user"]["id"].as_i64().unwrap();
        let bot = v["token"]["secret"].as_str().unwrap().to_string();
        app.post(&admin, &format!("/api/v1/rooms/{room}/members"), json!({ "user_ids": [bot_id] })).await;
        let (s, _) = app.post(&bot, &format!("/api/v1/rooms/{room}/messages"), json!({ "body": "Привет, я бот" })).await;
        assert_eq!(s, 201);
        let mut ws = app.ws_live(&bot).await;
        ws.send(json!({ "op": "send", "room_id": room, "body": "через шлюз", "nonce": "b1" })).await;
        assert!(ws.next_of("ack").await.is_some());
        assert_eq!(app.get(&bot, "/api/v1/admin/users").await.0, 403, "no admin scope");
        let (s, _) = app.post(&admin, "/api/v1/admin/bots", json!({ "username": "root-bot", "scopes": ["admin"] })).await;
        assert_eq!(s, 422, "bots get no admin scope");
        app.stop().await;
    };
    custom_roles_grant_rights_without_escalation => |app: TestApp| async move {
        let (_, admin) = app.user("admin", SystemRole::Admin).await;
        let (s_id, supervisor) = app.user("supervisor", SystemRole::Supervisor).await;
        let (m, member) = app.member("member").await;
        let (s, v) = app.get(&admin, "/api/v1/admin/roles").await;
        assert_eq!(s, 200);
        assert!(v["permissions"].as_array().unwrap().iter().any(|p| p["name"] == "audit.read"));
        assert_eq!(v["system"].as_array().unwrap().len(), 7);

        // Bad input names the field and the rule.
        let (s, v) = app.post(&admin, "/api/v1/admin/roles", json!({ "name": "x", "permissions": ["audit.reed"] })).await;
        assert_eq!((s, v["error"]["field"].as_str(), v["error"]["code"].as_str()), (422, Some("permissions"), Some("invalid_choice")));
        let (s, v) = app.post(&admin, "/api/v1/admin/roles", json!({ "name": "Admin" })).await;
        assert_eq!((s, v["error"]["field"].as_str()), (409, Some("name")), "system role names are taken");
        let (s, v) = app.post(&admin, "/api/v1/admin/roles", json!({ "name": " " })).await;
        assert_eq!((s, v["error"]["field"].as_str(), v["error"]["code"].as_str()), (422, Some("name"), Some("required")));

        let (s, auditors) = app.post(&admin, "/api/v1/admin/roles", json!({ "name": "Аудиторы", "description": "читают журнал", "permissions": ["audit.read"] })).await;
        assert_eq!(s, 201, "{auditors}");
        let rid = auditors["id"].as_i64().unwrap();
        let (s, _) = app.get(&member, "/api/v1/admin/audit").await;
        assert_eq!(s, 403);
        // The member is connected; slow mode applies to them until a role exempts them.
        let room = app.room(&admin, "quiet", "channel", &[m]).await;
        app.put_json(&admin, &format!("/api/v1/rooms/{room}/policy"), json!({ "slow_mode_secs": 600 })).await;
        let mut ws = app.ws_live(&member).await;
        ws.send(json!({ "op": "send", "room_id": room, "body": "раз", "nonce": "n1" })).await;
        assert!(ws.next_of("ack").await.is_some());
        ws.send(json!({ "op": "send", "room_id": room, "body": "два", "nonce": "n2" })).await;
        assert_eq!(ws.next_of("error").await.unwrap()["code"], "slow_mode");

        let (s, v) = app.put_json(&admin, &format!("/api/v1/admin/users/{m}/roles"), json!({ "role_ids": [rid] })).await;
        assert_eq!(s, 200, "{v}");
        assert!(v["permissions"].as_array().unwrap().iter().any(|p| p == "audit.read"));
        let (s, _) = app.get(&member, "/api/v1/admin/audit").await;
        assert_eq!(s, 200, "the role's permission works at once");
        let (_, me) = app.get(&member, "/api/v1/me").await;
        assert!(me["permissions"].as_array().unwrap().iter().any(|p| p == "audit.read"));
        let (_, list) = app.get(&admin, "/api/v1/admin/users?q=member").await;
        assert_eq!(list["custom_roles"], json!([{ "user_id": m, "role_id": rid }]));

        // Editing the role reaches its holders, on the API and on their open socket.
        let (s, v) = app.put_json(&admin, &format!("/api/v1/admin/roles/{rid}"), json!({ "name": "Аудиторы", "permissions": ["message.delete_any"] })).await;
        assert_eq!((s, v["holders"].as_i64()), (200, Some(1)), "{v}");
        let (s, _) = app.get(&member, "/api/v1/admin/audit").await;
        assert_eq!(s, 403);
        ws.send(json!({ "op": "send", "room_id": room, "body": "три", "nonce": "n3" })).await;
        let ack = ws.next_of("ack").await.expect("moderators skip slow mode, and the socket knows it now");
        assert_eq!(ack["nonce"], "n3");

        // A supervisor may manage roles only within their own rights.
        let (_, helpers) = app.post(&admin, "/api/v1/admin/roles", json!({ "name": "role managers", "permissions": ["role.manage", "user.manage"] })).await;
        let (s, _) = app.put_json(&admin, &format!("/api/v1/admin/users/{s_id}/roles"), json!({ "role_ids": [helpers["id"]] })).await;
        assert_eq!(s, 200);
        let (s, v) = app.post(&supervisor, "/api/v1/admin/roles", json!({ "name": "settings", "permissions": ["settings.edit"] })).await;
        assert_eq!((s, v["error"]["field"].as_str()), (403, Some("permissions")), "no granting what one lacks");
        let (s, _) = app.put_json(&supervisor, &format!("/api/v1/admin/roles/{rid}"), json!({ "name": "mine", "permissions": [] })).await;
        assert_eq!(s, 403, "nor editing a role with rights one lacks");
        let (s, _) = app.put_json(&supervisor, &format!("/api/v1/admin/users/{m}/roles"), json!({ "role_ids": [] })).await;
        assert_eq!(s, 403, "nor taking such a role away");
        let (s, v) = app.post(&supervisor, "/api/v1/admin/roles", json!({ "name": "inviters", "permissions": ["user.invite"] })).await;
        assert_eq!(s, 201, "{v}");
        let (s, v) = app.put_json(&admin, &format!("/api/v1/admin/users/{m}/roles"), json!({ "role_ids": [999999] })).await;
        assert_eq!((s, v["error"]["field"].as_str()), (422, Some("role_ids")));

        let (s, _) = app.delete(&admin, &format!("/api/v1/admin/roles/{rid}")).await;
        assert_eq!(s, 204);
        let (_, me) = app.get(&member, "/api/v1/me").await;
        assert!(!me["permissions"].as_array().unwrap().iter().any(|p| p == "message.delete_any"));
        let (_, log) = app.get(&admin, "/api/v1/admin/audit?action=role.").await;
        let actions: Vec<&str> = log["entries"].as_array().unwrap().iter().filter_map(|e| e["action"].as_str()).collect();
        assert_eq!(actions, ["role.delete", "role.create", "role.create", "role.update", "role.create"]);
        app.stop().await;
    };
    retention_removes_old_messages_and_files_and_export_reads_them => |app: TestApp| async move {
        let (_, admin) = app.user("admin", SystemRole::Admin).await;
        let (m, member) = app.member("member").await;
        let old = app.room(&admin, "old", "channel", &[m]).await;
        let kept = app.room(&admin, "kept", "channel", &[m]).await;
        let png: Vec<u8> = b"\x89PNG\r\n\x1a\n0000000000000000".to_vec();
        let form = reqwest::multipart::Form::new()
            .part("file", reqwest::multipart::Part::bytes(png).file_name("shot.png").mime_str("image/png").unwrap());
        let att: serde_json::Value = app.http.post(app.url(&format!("/api/v1/rooms/{old}/attachments"))).bearer_auth(&member)
            .multipart(form).send().await.unwrap().json().await.unwrap();
        let (s, _) = app.post(&member, &format!("/api/v1/rooms/{old}/messages"), json!({ "body": "старое <script>x</script>", "attachments": [att["id"]] })).await;
        assert_eq!(s, 201);
        let (_, edited) = app.post(&member, &format!("/api/v1/rooms/{old}/messages"), json!({ "body": "первая версия" })).await;
        app.patch(&member, &format!("/api/v1/rooms/{old}/messages/{}", edited["id"]), json!({ "body": "вторая версия" })).await;
        let (_, pinned) = app.post(&admin, &format!("/api/v1/rooms/{old}/messages"), json!({ "body": "правила" })).await;
        app.put(&admin, &format!("/api/v1/rooms/{old}/pins/{}", pinned["id"])).await;
        app.say(&admin, kept, "храним всегда").await;
        let store = &app.server.state.store;
        store.backdate_room_for_tests(old, 40 * 86_400_000).await.unwrap();
        store.backdate_room_for_tests(kept, 40 * 86_400_000).await.unwrap();
        app.say(&admin, old, "свежее").await;

        // Export before retention: the room's messages with edits, escaped in HTML.
        assert_eq!(app.get(&member, &format!("/api/v1/admin/export?room_id={old}")).await.0, 403);
        let (s, v) = app.get(&admin, &format!("/api/v1/admin/export?room_id={old}&user_id={m}")).await;
        assert_eq!((s, v["error"]["field"].as_str()), (422, Some("room_id")));
        let jsonl = app.http.get(app.url(&format!("/api/v1/admin/export?room_id={old}"))).bearer_auth(&admin).send().await.unwrap();
        assert_eq!(jsonl.headers()["content-type"], "application/x-ndjson");
        let lines: Vec<serde_json::Value> = jsonl.text().await.unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines.len(), 4, "{lines:?}");
        assert_eq!(lines[1]["edits"][0]["body"], "первая версия");
        assert_eq!(lines[0]["attachments"][0]["filename"], "shot.png");
        let since = steward_core::model::rfc3339(steward_store::now_ms() - 86_400_000);
        let recent = app.http.get(app.url(&format!("/api/v1/admin/export?room_id={old}&since={since}"))).bearer_auth(&admin)
            .send().await.unwrap().text().await.unwrap();
        assert_eq!(recent.lines().count(), 1, "the date range applies");
        let html = app.http.get(app.url(&format!("/api/v1/admin/export?user_id={m}&format=html"))).bearer_auth(&admin)
            .send().await.unwrap().text().await.unwrap();
        assert!(html.starts_with("<!doctype html>") && html.trim_end().ends_with("</html>"));
        assert!(html.contains("&lt;script&gt;") && !html.contains("<script>x"), "texts are escaped");
        assert!(html.contains("#old") && html.contains("вторая версия"));

        // Retention: 30 days globally, the kept room for ever; audit days below 30 refused.
        let (s, v) = app.put_json(&admin, "/api/v1/admin/settings", json!({ "retention": { "message_days": 30, "audit_days": 5 } })).await;
        assert_eq!((s, v["error"]["field"].as_str()), (422, Some("audit_days")), "{v}");
        let body = json!({ "retention": { "message_days": 30, "keep_pinned": true, "rooms": [{ "room_id": kept, "days": 0 }] } });
        let (s, v) = app.put_json(&admin, "/api/v1/admin/settings", body).await;
        assert_eq!(s, 200, "{v}");
        assert_eq!(app.post(&member, "/api/v1/admin/retention/run", json!({})).await.0, 403);
        let (s, report) = app.post(&admin, "/api/v1/admin/retention/run", json!({})).await;
        assert_eq!(s, 200, "{report}");
        assert_eq!((report["messages"].as_u64(), report["files"].as_u64()), (Some(2), Some(1)), "{report}");
        assert_eq!(report["rooms"], json!([{ "room_id": old, "messages": 2 }]));
        let (_, page) = app.get(&member, &format!("/api/v1/rooms/{old}/messages")).await;
        let bodies: Vec<&str> = page["messages"].as_array().unwrap().iter().filter_map(|m| m["body"].as_str()).collect();
        assert_eq!(bodies, ["правила", "свежее"], "the pinned and the recent stay");
        assert_eq!(app.get(&member, att["url"].as_str().unwrap()).await.0, 404, "the file went with its message");
        let (_, page) = app.get(&member, &format!("/api/v1/rooms/{kept}/messages")).await;
        assert_eq!(page["messages"].as_array().unwrap().len(), 1, "the room's own rule keeps it");
        let (_, log) = app.get(&admin, "/api/v1/admin/audit?action=retention.run").await;
        assert!(log["entries"][0]["after"].as_str().unwrap().contains("\"messages\":2"));
        let (_, log) = app.get(&admin, "/api/v1/admin/audit?action=compliance.export").await;
        assert_eq!(log["entries"].as_array().unwrap().len(), 3, "every export is recorded");
        let (s, report) = app.post(&admin, "/api/v1/admin/retention/run", json!({})).await;
        assert_eq!((s, report["messages"].as_u64()), (200, Some(0)), "nothing twice");
        app.stop().await;
    };
    bulk_import_checks_every_line_then_creates => |app: TestApp| async move {
        let (_, admin) = app.user("admin", SystemRole::Admin).await;
        let (_, member) = app.member("taken").await;
        let room = app.room(&admin, "team", "group", &[]).await;
        let csv = "username,display_name,email,role,password,rooms\n\
            anna,Анна Иванова,anna@example.com,moderator,granite-lantern-7,team\n\
            boris,\"Борис, отдел продаж\",boris@example.com,,,\n\
            taken,Dup,,,,\n\
            anna,Again,,,,\n\
            bad name!,X,,,,\n\
            carl,Carl,carl@example,,,\n\
            dora,Dora,,king,,\n\
            emil,Emil,,,password,\n\
            fedor,Fedor,,,,nowhere\n\
            gleb,Gleb,,owner,,\n";
        let post = |token: &str, dry: bool| {
            app.http.post(app.url(&format!("/api/v1/admin/users/import?dry_run={dry}"))).bearer_auth(token)
                .header("content-type", "text/csv").body(csv).send()
        };
        assert_eq!(post(&member, true).await.unwrap().status(), 403);
        let report: serde_json::Value = post(&admin, true).await.unwrap().json().await.unwrap();
        assert_eq!((report["ok"].as_u64(), report["errors"].as_u64()), (Some(2), Some(8)), "{report}");
        let field = |i: usize| report["lines"][i]["error"]["field"].as_str().map(str::to_string);
        let fields: Vec<Option<String>> = (0..10).map(field).collect();
        assert_eq!(fields, [None, None, Some("username".into()), Some("username".into()), Some("username".into()),
            Some("email".into()), Some("role".into()), Some("password".into()), Some("rooms".into()), Some("role".into())], "{report}");
        assert_eq!(report["lines"][2]["line"], 4, "line numbers count the header");
        assert!(report["lines"][7]["error"]["message"].as_str().unwrap().len() > 5, "a readable message");
        let (_, list) = app.get(&admin, "/api/v1/admin/users?q=anna").await;
        assert!(list["users"].as_array().unwrap().is_empty(), "a dry run writes nothing");

        let report: serde_json::Value = post(&admin, false).await.unwrap().json().await.unwrap();
        assert_eq!((report["ok"].as_u64(), report["errors"].as_u64()), (Some(2), Some(8)), "{report}");
        assert_eq!(report["lines"][0]["status"], "created");
        assert!(report["lines"][0]["reset_url"].is_null(), "anna has a password");
        let reset = report["lines"][1]["reset_url"].as_str().expect("boris gets a link").to_string();
        let (s, v) = app.post_anon("/api/v1/auth/login", json!({ "username": "anna", "password": "granite-lantern-7" })).await;
        assert_eq!(s, 200);
        let anna = v["token"].as_str().unwrap().to_string();
        let (_, me) = app.get(&anna, "/api/v1/me").await;
        assert_eq!((me["role"].as_str(), me["display_name"].as_str()), (Some("moderator"), Some("Анна Иванова")));
        let (_, rooms) = app.get(&anna, "/api/v1/rooms").await;
        assert!(rooms["rooms"].as_array().unwrap().iter().any(|r| r["id"] == room), "put in the named room");
        let (s, _) = app.post_anon("/api/v1/auth/login", json!({ "username": "boris", "password": "" })).await;
        assert_ne!(s, 200);
        let path = reset.split_once("/reset/").map(|(_, t)| format!("/reset/{t}")).unwrap();
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let r = client.post(app.url(&path)).header("origin", app.server.url()).form(&[("password", "violet-harbour-42")]).send().await.unwrap();
        assert_eq!(r.status(), 303);
        let (s, _) = app.post_anon("/api/v1/auth/login", json!({ "username": "boris", "password": "violet-harbour-42" })).await;
        assert_eq!(s, 200, "the link sets the first password");
        let again: serde_json::Value = post(&admin, false).await.unwrap().json().await.unwrap();
        assert_eq!(again["ok"], 0, "running it twice creates nobody twice");
        let (_, log) = app.get(&admin, "/api/v1/admin/audit?action=user.import").await;
        assert!(log["entries"][0]["after"].as_str().unwrap().contains("boris"));
        let r = app.http.post(app.url("/api/v1/admin/users/import")).bearer_auth(&admin).body("name,email\nx,y\n").send().await.unwrap();
        let v: serde_json::Value = r.json().await.unwrap();
        assert_eq!(v["error"]["field"], "columns");
        app.stop().await;
    };
    the_api_rate_changes_at_run_time => |app: TestApp| async move {
        let (_, admin) = app.user("admin", SystemRole::Admin).await;
        let (_, member) = app.member("member").await;
        let (s, v) = app.put_json(&admin, "/api/v1/admin/settings", json!({ "api_requests_per_minute": 5 })).await;
        assert_eq!((s, v["error"]["field"].as_str()), (422, Some("api_requests_per_minute")));
        let mut codes = vec![];
        for _ in 0..25 {
            codes.push(app.get(&member, "/api/v1/me").await.0);
        }
        assert!(codes.iter().all(|&c| c == 200), "the configured rate is generous: {codes:?}");
        let (s, _) = app.put_json(&admin, "/api/v1/admin/settings", json!({ "api_requests_per_minute": 10 })).await;
        assert_eq!(s, 200);
        let mut codes = vec![];
        for _ in 0..25 {
            codes.push(app.get(&member, "/api/v1/me").await.0);
        }
        assert_eq!(codes.iter().filter(|&&c| c == 200).count(), 20, "a burst of 20, then 429: {codes:?}");
        assert_eq!(*codes.last().unwrap(), 429);
        let (s, _) = app.put_json(&admin, "/api/v1/admin/settings", json!({})).await;
        assert_eq!(s, 200, "the admin has their own budget");
        assert_eq!(app.get(&member, "/api/v1/me").await.0, 200, "back to the configured rate");
        app.stop().await;
    };
}
