//! The web pages over real HTTP: sign-in, CSRF defences, languages, settings.

mod common;

use common::{Db, TestApp};
use serde_json::json;
use steward_core::SystemRole;

fn cookie_of(resp: &reqwest::Response) -> Option<String> {
    resp.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("steward_session="))
        .map(|v| v.split(';').next().unwrap_or("").to_string())
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// Signs in through the login form; returns the session cookie (`steward_session=…`).
async fn sign_in(app: &TestApp, username: &str) -> String {
    let resp = no_redirects()
        .post(app.url("/login"))
        .header("origin", app.server.url())
        .form(&[("username", username), ("password", "password-123"), ("next", "/settings")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303, "login form redirects");
    assert_eq!(resp.headers()["location"], "/settings");
    let cookie = cookie_of(&resp).expect("session cookie");
    let raw = resp.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(raw.contains("HttpOnly") && raw.contains("SameSite=Lax"), "{raw}");
    cookie
}

both! {
    pages_require_sign_in_and_speak_the_visitors_language => |app: TestApp| async move {
        let resp = no_redirects().get(app.url("/r/1")).send().await.unwrap();
        assert_eq!(resp.status(), 303);
        assert_eq!(resp.headers()["location"], "/login?next=/r/1");
        let ru = app.http.get(app.url("/login")).header("accept-language", "ru-RU,ru;q=0.9").send().await.unwrap();
        let html = ru.text().await.unwrap();
        assert!(html.contains("lang=\"ru\""), "Russian page");
        assert!(html.contains("Войти") || html.contains("Вход"), "Russian words on the page");
        let en = app.http.get(app.url("/login")).header("accept-language", "en-US").send().await.unwrap().text().await.unwrap();
        assert!(en.contains("lang=\"en\""));
        // Wrong password: the form again, with the reason, in the page's language.
        let resp = app
            .http
            .post(app.url("/login"))
            .header("origin", app.server.url())
            .header("accept-language", "ru")
            .form(&[("username", "nobody"), ("password", "wrong-password")])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 401);
        assert!(resp.text().await.unwrap().contains("id=\"login-username\""));
        app.stop().await;
    };

    cookie_sessions_resist_cross_site_requests => |app: TestApp| async move {
        let (_, token) = app.member("anna").await;
        let room = app.room(&token, "general", "channel", &[]).await;
        let cookie = sign_in(&app, "anna").await;
        // A logged-in page works with the cookie alone.
        let page = app.http.get(app.url(&format!("/r/{room}"))).header("cookie", &cookie).send().await.unwrap();
        assert_eq!(page.status(), 200);
        let html = page.text().await.unwrap();
        assert!(html.contains("id=\"bootstrap\""));
        assert!(!html.contains("<script>"), "no inline scripts");
        // Message text cannot break out of the bootstrap data block.
        app.say(&token, room, "<!--<script> </script><b>x</b>").await;
        let html = app.http.get(app.url(&format!("/r/{room}"))).header("cookie", &cookie).send().await.unwrap().text().await.unwrap();
        let data = html.split("id=\"bootstrap\">").nth(1).and_then(|s| s.split("</script>").next()).unwrap();
        assert!(!data.contains('<'), "bootstrap JSON has no raw '<'");
        let parsed: serde_json::Value = serde_json::from_str(data).expect("bootstrap parses");
        assert_eq!(parsed["messages"][0]["body"], "<!--<script> </script><b>x</b>");
        // The API accepts the cookie from our own origin …
        let path = app.url(&format!("/api/v1/rooms/{room}/messages"));
        let ok = app.http.post(&path).header("cookie", &cookie).header("origin", app.server.url())
            .json(&json!({ "body": "from the page" })).send().await.unwrap();
        assert_eq!(ok.status(), 201);
        // … and refuses it from another site.
        let evil = app.http.post(&path).header("cookie", &cookie).header("origin", "https://evil.example")
            .json(&json!({ "body": "forged" })).send().await.unwrap();
        assert_eq!(evil.status(), 403);
        let body: serde_json::Value = evil.json().await.unwrap();
        assert_eq!(body["error"]["code"], "csrf_failed");
        // Forms need the session's CSRF token.
        let resp = no_redirects().post(app.url("/settings")).header("cookie", &cookie)
            .form(&[("display_name", "Hacked")]).send().await.unwrap();
        assert_eq!(resp.status(), 403);
        let settings = app.http.get(app.url("/settings")).header("cookie", &cookie).send().await.unwrap().text().await.unwrap();
        let csrf = settings.split("name=\"csrf\" value=\"").nth(1).and_then(|s| s.split('"').next()).expect("csrf field").to_string();
        let resp = no_redirects().post(app.url("/settings")).header("cookie", &cookie)
            .form(&[("csrf", csrf.as_str()), ("display_name", "Анна С."), ("locale", "ru"), ("email", "anna@example.com"), ("avatar_color", "#2f9e6e")])
            .send().await.unwrap();
        assert_eq!(resp.status(), 303);
        let (_, me) = app.get(&token, "/api/v1/me").await;
        assert_eq!((me["display_name"].as_str(), me["locale"].as_str()), (Some("Анна С."), Some("ru")));
        // Logging out ends the cookie session.
        let resp = no_redirects().post(app.url("/logout")).header("cookie", &cookie).form(&[("csrf", csrf.as_str())]).send().await.unwrap();
        assert_eq!(resp.status(), 303);
        let after = no_redirects().get(app.url("/settings")).header("cookie", &cookie).send().await.unwrap();
        assert_eq!(after.status(), 303, "signed out");
        app.stop().await;
    };

    setup_link_creates_the_owner_once => |app: TestApp| async move {
        let link = steward_server::setup_link(&app.server.state.store, &app.server.state.config).await.unwrap().expect("no owner yet");
        let path = link.split_once("/setup/").map(|(_, t)| format!("/setup/{t}")).unwrap();
        assert_eq!(app.http.get(app.url(&path)).send().await.unwrap().status(), 200);
        let resp = no_redirects().post(app.url(&path)).header("origin", app.server.url())
            .form(&[("username", "boss"), ("display_name", "Начальник"), ("email", ""), ("password", "short")]).send().await.unwrap();
        assert_eq!(resp.status(), 422, "a short password is refused with the form shown again");
        let resp = no_redirects().post(app.url(&path)).header("origin", app.server.url())
            .form(&[("username", "boss"), ("display_name", "Начальник"), ("email", ""), ("password", "long-enough-password")]).send().await.unwrap();
        assert_eq!(resp.status(), 303);
        assert!(cookie_of(&resp).is_some());
        assert_eq!(app.http.get(app.url(&path)).send().await.unwrap().status(), 404, "the link works once");
        let (_, owner) = app.post_anon("/api/v1/auth/login", json!({ "username": "boss", "password": "long-enough-password" })).await;
        let (_, rooms) = app.get(owner["token"].as_str().unwrap(), "/api/v1/rooms").await;
        assert_eq!(rooms["rooms"][0]["name"], "general", "the owner starts in #general");
        assert_eq!(owner["user"]["role"], "owner");
        app.stop().await;
    };

    presence_and_people_search => |app: TestApp| async move {
        let (_, ta) = app.member("anna").await;
        let (b, tb) = app.member("boris").await;
        let mut wa = app.ws_live(&ta).await;
        let wb = app.ws_live(&tb).await;
        let online = loop {
            let v = wa.next_of("presence").await.expect("presence");
            if v["user_id"] == b { break v; }
        };
        assert_eq!(online["status"], "online");
        let (_, u) = app.get(&ta, &format!("/api/v1/users/{b}")).await;
        assert_eq!(u["presence"], "online");
        assert_eq!(u["email"], serde_json::Value::Null, "other people's e-mail stays private");
        drop(wb);
        let offline = loop {
            let v = wa.next_of("presence").await.expect("presence");
            if v["user_id"] == b && v["status"] == "offline" { break v; }
        };
        assert_eq!(offline["status"], "offline");
        let (_, found) = app.get(&ta, "/api/v1/users?q=bor").await;
        assert_eq!(found["users"].as_array().unwrap().len(), 1);
        assert_eq!(found["users"][0]["username"], "boris");
        let (s, v) = app.patch(&ta, "/api/v1/me", json!({ "locale": "de" })).await;
        assert_eq!((s, v["error"]["field"].as_str(), v["error"]["code"].as_str()), (422, Some("locale"), Some("invalid_choice")));
        app.stop().await;
    };
}

both! {
    invite_links_sign_people_up_once_into_their_rooms => |app: TestApp| async move {
        let (_, admin) = app.user("admin", SystemRole::Admin).await;
        let (_, member) = app.member("member").await;
        let (_, supervisor) = app.user("sup", SystemRole::Supervisor).await;
        let group = app.room(&admin, "team", "group", &[]).await;
        let (s, _) = app.post(&member, "/api/v1/admin/invites", json!({ "label": "x" })).await;
        assert_eq!(s, 403, "members do not invite");
        let (s, v) = app.post(&supervisor, "/api/v1/admin/invites", json!({ "role": "admin" })).await;
        assert_eq!((s, v["error"]["field"].as_str()), (403, Some("role")), "supervisors invite members and guests only");
        let lobby = app.room(&admin, "lobby", "channel", &[]).await;
        let (s, v) = app.put_json(&admin, "/api/v1/admin/settings", json!({ "default_rooms": [999999] })).await;
        assert_eq!((s, v["error"]["field"].as_str()), (422, Some("default_rooms")), "{v}");
        let (s, v) = app.put_json(&admin, "/api/v1/admin/settings", json!({ "default_rooms": [lobby] })).await;
        assert_eq!((s, v["default_rooms"].clone()), (200, json!([lobby])), "{v}");
        let (s, v) = app.post(&admin, "/api/v1/admin/invites", json!({ "label": "website", "max_uses": 1, "rooms": [group] })).await;
        assert_eq!(s, 201, "{v}");
        let url = v["url"].as_str().unwrap().to_string();
        let path = url.split_once("/invite/").map(|(_, t)| format!("/invite/{t}")).unwrap();
        let page = app.http.get(app.url(&path)).header("accept-language", "ru").send().await.unwrap();
        assert_eq!(page.status(), 200);
        assert!(page.text().await.unwrap().contains("Создать учётную запись"));
        let form = |pw: &'static str| vec![("username", "newbie"), ("display_name", "Новичок"), ("email", ""), ("password", pw)];
        let resp = no_redirects().post(app.url(&path)).header("origin", app.server.url()).form(&form("password")).send().await.unwrap();
        assert_eq!(resp.status(), 422, "a common password is refused and the use is given back");
        let resp = no_redirects().post(app.url(&path)).header("origin", app.server.url()).form(&form("violet-harbour-42")).send().await.unwrap();
        assert_eq!(resp.status(), 303);
        assert!(cookie_of(&resp).is_some(), "signed in straight away");
        let resp = no_redirects().post(app.url(&path)).header("origin", app.server.url()).form(&form("violet-harbour-43")).send().await.unwrap();
        assert_eq!(resp.status(), 404, "used up");
        let (_, login) = app.post_anon("/api/v1/auth/login", json!({ "username": "newbie", "password": "violet-harbour-42" })).await;
        let token = login["token"].as_str().unwrap().to_string();
        let (_, rooms) = app.get(&token, "/api/v1/rooms").await;
        assert!(rooms["rooms"].as_array().unwrap().iter().any(|r| r["id"] == group), "joined the invite's room");
        assert!(rooms["rooms"].as_array().unwrap().iter().any(|r| r["id"] == lobby), "and the default rooms");
        let (_, log) = app.get(&admin, "/api/v1/admin/audit?action=user.signup").await;
        assert!(log["entries"][0]["after"].as_str().unwrap().contains("website"), "attributed to its label");
        // Revoked links stop working.
        let (_, v) = app.post(&admin, "/api/v1/admin/invites", json!({ "max_uses": 5 })).await;
        let id = v["invite"]["id"].as_i64().unwrap();
        let path = v["url"].as_str().unwrap().split_once("/invite/").map(|(_, t)| format!("/invite/{t}")).unwrap();
        assert_eq!(app.delete(&admin, &format!("/api/v1/admin/invites/{id}")).await.0, 204);
        assert_eq!(app.http.get(app.url(&path)).send().await.unwrap().status(), 404);
        let (_, list) = app.get(&admin, "/api/v1/admin/invites").await;
        assert_eq!(list["invites"].as_array().unwrap().len(), 2);
        let (s, v) = app.post(&admin, "/api/v1/admin/invites", json!({ "max_uses": 0 })).await;
        assert_eq!((s, v["error"]["field"].as_str()), (422, Some("max_uses")));
        app.stop().await;
    };
}

both! {
    admin_console_runs_people_and_invites => |app: TestApp| async move {
        let (_, _admin_token) = app.user("admin", SystemRole::Admin).await;
        let (m, _) = app.member("member").await;
        let cookie = sign_in(&app, "admin").await;
        let page = app.http.get(app.url("/admin")).header("cookie", &cookie).send().await.unwrap();
        assert_eq!(page.status(), 200);
        let html = page.text().await.unwrap();
        assert!(html.contains("@member") && html.contains("id=\"adm-audit\"") && html.contains("id=\"adm-invites\""));
        let csrf = html.split("name=\"csrf\" value=\"").nth(1).and_then(|s| s.split('"').next()).unwrap().to_string();
        let resp = no_redirects().post(app.url(&format!("/admin/users/{m}/status"))).header("cookie", &cookie)
            .form(&[("status", "deactivated")]).send().await.unwrap();
        assert_eq!(resp.status(), 403, "no CSRF token, no action");
        let resp = no_redirects().post(app.url(&format!("/admin/users/{m}/status"))).header("cookie", &cookie)
            .form(&[("csrf", csrf.as_str()), ("status", "deactivated")]).send().await.unwrap();
        assert_eq!((resp.status().as_u16(), resp.headers()["location"].to_str().unwrap()), (303, "/admin?ok=1"));
        let (s, _) = app.post_anon("/api/v1/auth/login", json!({ "username": "member", "password": "password-123" })).await;
        assert_eq!(s, 401, "deactivated from the console");
        let resp = no_redirects().post(app.url(&format!("/admin/users/{m}/role"))).header("cookie", &cookie)
            .form(&[("csrf", csrf.as_str()), ("role", "owner")]).send().await.unwrap();
        assert_eq!(resp.headers()["location"], "/admin?error=forbidden", "admins do not make owners");
        let page = app.http.get(app.url("/admin?error=forbidden")).header("cookie", &cookie).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("alert-error"));
        let resp = app.http.post(app.url("/admin/invites")).header("cookie", &cookie)
            .form(&[("csrf", csrf.as_str()), ("label", "newsletter"), ("role", "member"), ("max_uses", "3"), ("expires_in_hours", "24")])
            .send().await.unwrap();
        assert_eq!(resp.status(), 200);
        let html = resp.text().await.unwrap();
        let shown = html.split("id=\"invite-url\"").next().unwrap_or("");
        assert!(shown.contains("invite&#x2f;") || html.contains("invite&#x2f;"), "the new link is shown once");
        assert!(html.contains("newsletter"));
        let (_, member_token) = app.member("viewer").await;
        let _ = member_token;
        let viewer = sign_in(&app, "viewer").await;
        let resp = app.http.get(app.url("/admin")).header("cookie", &viewer).send().await.unwrap();
        assert_eq!(resp.status(), 403);
        app.stop().await;
    };
}

both! {
    admin_console_roles_reset_links_and_erasure => |app: TestApp| async move {
        app.user("admin", SystemRole::Admin).await;
        let (m, member) = app.member("member").await;
        let cookie = sign_in(&app, "admin").await;
        let html = app.http.get(app.url("/admin")).header("cookie", &cookie).send().await.unwrap().text().await.unwrap();
        assert!(html.contains("id=\"adm-roles\"") && html.contains("value=\"audit.read\""));
        assert!(html.contains("Background jobs") && html.contains("Rate limits"), "the system card shows jobs and limits");
        let csrf = html.split("name=\"csrf\" value=\"").nth(1).and_then(|s| s.split('"').next()).unwrap().to_string();
        let post = |path: String, form: Vec<(&'static str, String)>| {
            let mut f: Vec<(&str, String)> = vec![("csrf", csrf.clone())];
            f.extend(form);
            no_redirects().post(app.url(&path)).header("cookie", &cookie).form(&f).send()
        };
        let r = post("/admin/roles".into(), vec![("name", "Аудиторы".into()), ("permission", "audit.read".into()), ("permission", "user.list".into())]).await.unwrap();
        assert_eq!(r.headers()["location"], "/admin?ok=1");
        let r = post("/admin/roles".into(), vec![("name", "bad".into()), ("permission", "nope".into())]).await.unwrap();
        assert_eq!(r.headers()["location"], "/admin?error=invalid_choice");
        let (_, roles) = app.get(&member, "/api/v1/me").await;
        assert!(!roles["permissions"].as_array().unwrap().iter().any(|p| p == "audit.read"));
        let (_, list) = app.get(&app.user("admin2", SystemRole::Admin).await.1, "/api/v1/admin/roles").await;
        let rid = list["custom"][0]["id"].as_i64().unwrap();
        assert_eq!(list["custom"][0]["permissions"], json!(["user.list", "audit.read"]));
        let r = post(format!("/admin/users/{m}/roles"), vec![("role_id", rid.to_string())]).await.unwrap();
        assert_eq!(r.headers()["location"], "/admin?ok=1");
        assert_eq!(app.get(&member, "/api/v1/admin/audit").await.0, 200, "the member reads the log now");
        let html = app.http.get(app.url("/admin")).header("cookie", &cookie).send().await.unwrap().text().await.unwrap();
        assert!(html.contains(&format!("name=\"role_id\" value=\"{rid}\" checked")), "the console shows who holds it");
        let r = post(format!("/admin/roles/{rid}"), vec![("name", "Аудиторы".into())]).await.unwrap();
        assert_eq!(r.headers()["location"], "/admin?ok=1");
        assert_eq!(app.get(&member, "/api/v1/admin/audit").await.0, 403, "an edit with no permissions left takes it away");
        let r = post(format!("/admin/roles/{rid}/delete"), vec![]).await.unwrap();
        assert_eq!(r.headers()["location"], "/admin?ok=1");

        // Rooms: archive, make private, delete with the name typed.
        let (_, admin_token) = app.post_anon("/api/v1/auth/login", json!({ "username": "admin", "password": "password-123" })).await;
        let admin_token = admin_token["token"].as_str().unwrap().to_string();
        let room = app.room(&admin_token, "old-project", "channel", &[m]).await;
        let html = app.http.get(app.url("/admin?room=old")).header("cookie", &cookie).send().await.unwrap().text().await.unwrap();
        assert!(html.contains("#old-project") && html.contains("id=\"adm-rooms\""));
        let r = post(format!("/admin/rooms/{room}"), vec![("op", "archive".into())]).await.unwrap();
        assert_eq!(r.headers()["location"], "/admin?ok=1");
        assert_eq!(app.get(&member, &format!("/api/v1/rooms/{room}")).await.1["archived"], true);
        let r = post(format!("/admin/rooms/{room}"), vec![("op", "group".into())]).await.unwrap();
        assert_eq!(r.headers()["location"], "/admin?ok=1");
        let r = post(format!("/admin/rooms/{room}"), vec![("op", "delete".into()), ("confirm", "old".into())]).await.unwrap();
        assert_eq!(r.headers()["location"], "/admin?error=confirm_room_name");
        let r = post(format!("/admin/rooms/{room}"), vec![("op", "delete".into()), ("confirm", "#old-project".into())]).await.unwrap();
        assert_eq!(r.headers()["location"], "/admin?ok=1");
        assert_eq!(app.get(&member, &format!("/api/v1/rooms/{room}")).await.0, 404);

        // Import: a dry run shows each line and keeps the text; the real run shows the links.
        let csv = "username,display_name\nzoya,Зоя\nbad name,X\n";
        let r = post("/admin/users/import".into(), vec![("csv", csv.into()), ("dry_run", "1".into())]).await.unwrap();
        assert_eq!(r.status(), 200);
        let html = r.text().await.unwrap();
        assert!(html.contains("Dry run: one line is valid") && html.contains("zoya,"), "report and the pasted text");
        let r = post("/admin/users/import".into(), vec![("csv", "username\nzoya\n".into())]).await.unwrap();
        let html = r.text().await.unwrap();
        assert!(html.contains("One person created") && html.contains("reset&#x2f;"), "created with a link to set a password");

        // "Run now" shows in the jobs table, in the viewer's words.
        let r = post("/admin/retention/run".into(), vec![]).await.unwrap();
        assert_eq!(r.status(), 303);
        let html = app.http.get(app.url("/admin")).header("cookie", &cookie).send().await.unwrap().text().await.unwrap();
        assert!(html.contains("removed 0 messages, 0 files, 0 audit entries"), "the job's last run is shown");

        // A reset link is shown once on the page.
        let r = post(format!("/admin/users/{m}/reset-link"), vec![]).await.unwrap();
        assert_eq!(r.status(), 200);
        let html = r.text().await.unwrap();
        assert!(html.contains("id=\"reset-url\"") && html.contains("reset&#x2f;"), "the link is on the page");

        // Erasure needs the username typed.
        let r = post(format!("/admin/users/{m}/erase"), vec![("confirm", "someone".into())]).await.unwrap();
        assert_eq!(r.headers()["location"], "/admin?error=confirm_username");
        assert_eq!(app.get(&member, "/api/v1/me").await.0, 200, "nothing happened");
        let r = post(format!("/admin/users/{m}/erase"), vec![("confirm", "member".into()), ("remove_messages", "1".into())]).await.unwrap();
        assert_eq!(r.headers()["location"], "/admin?ok=1");
        assert_eq!(app.get(&member, "/api/v1/me").await.0, 401, "erased");
        let page = app.http.get(app.url("/admin?error=confirm_username")).header("cookie", &cookie).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("Type the person"), "the error reads as words");
        app.stop().await;
    };
}

both! {
    the_modlog_pages_back_in_time => |app: TestApp| async move {
        app.user("moder", SystemRole::Moderator).await;
        for i in 0..105 {
            let e = steward_store::NewModlog { action: format!("test.entry_{i:03}"), ..Default::default() };
            app.server.state.store.modlog(&e).await.unwrap();
        }
        let cookie = sign_in(&app, "moder").await;
        let html = app.http.get(app.url("/moderation?action=test.")).header("cookie", &cookie).send().await.unwrap().text().await.unwrap();
        assert!(html.contains("test.entry_104") && !html.contains("test.entry_004"), "the newest hundred first");
        let older = html.split("href=\"/moderation?").find(|s| s.contains("before=")).expect("an older-entries link");
        let href = older.split('"').next().unwrap().replace("&amp;", "&");
        assert!(href.contains("action=test."), "the link keeps the filter: {href}");
        let page = app.http.get(app.url(&format!("/moderation?{href}"))).header("cookie", &cookie).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("test.entry_004") && !page.contains("test.entry_104"), "then the older ones");
        app.stop().await;
    };
}

both! {
    two_factor_from_the_settings_page => |app: TestApp| async move {
        app.member("anna").await;
        let cookie = sign_in(&app, "anna").await;
        let page = app.http.get(app.url("/settings")).header("cookie", &cookie).send().await.unwrap().text().await.unwrap();
        let csrf = page.split("name=\"csrf\" value=\"").nth(1).and_then(|s| s.split('"').next()).unwrap().to_string();
        assert!(page.contains("action=\"/settings/2fa/setup\""));
        let setup = app.http.post(app.url("/settings/2fa/setup")).header("cookie", &cookie).form(&[("csrf", csrf.as_str())])
            .send().await.unwrap().text().await.unwrap();
        let secret = setup.split("class=\"secret\">").nth(1).and_then(|s| s.split('<').next()).expect("secret shown").to_string();
        let wrong = app.http.post(app.url("/settings/2fa/enable")).header("cookie", &cookie)
            .form(&[("csrf", csrf.as_str()), ("code", "12")]).send().await.unwrap();
        assert_eq!(wrong.status(), 422);
        assert!(wrong.text().await.unwrap().contains(&secret), "a wrong code keeps the same key on screen");
        let code = steward_server::twofa::current_code(&secret).unwrap();
        let done = app.http.post(app.url("/settings/2fa/enable")).header("cookie", &cookie)
            .form(&[("csrf", csrf.as_str()), ("code", code.as_str())]).send().await.unwrap().text().await.unwrap();
        assert_eq!(done.matches("<li><code>").count(), 10, "ten recovery codes, shown once");
        // Signing in on the page now asks for the code.
        let resp = no_redirects().post(app.url("/login")).header("origin", app.server.url())
            .form(&[("username", "anna"), ("password", "password-123")]).send().await.unwrap();
        assert_eq!(resp.status(), 401);
        assert!(resp.text().await.unwrap().contains("id=\"login-code\""));
        app.stop().await;
    };
}

both! {
    console_settings_form => |app: TestApp| async move {
        let (_, owner) = app.user("owner", SystemRole::Owner).await;
        let cookie = sign_in(&app, "owner").await;
        let html = app.http.get(app.url("/admin")).header("cookie", &cookie).send().await.unwrap().text().await.unwrap();
        assert!(html.contains("id=\"adm-settings\""));
        let csrf = html.split("name=\"csrf\" value=\"").nth(1).and_then(|s| s.split('"').next()).unwrap().to_string();
        let body = format!("csrf={csrf}&signup_policy=domains&signup_domains=example.com%2C+example.ru&require_2fa=moderator&require_2fa=admin");
        let resp = no_redirects().post(app.url("/admin/settings")).header("cookie", &cookie)
            .header("content-type", "application/x-www-form-urlencoded").body(body).send().await.unwrap();
        assert_eq!(resp.headers()["location"], "/admin?ok=1");
        let (_, s) = app.get(&owner, "/api/v1/admin/settings").await;
        assert_eq!(s["signup_policy"], "domains");
        assert_eq!(s["signup_domains"], json!(["example.com", "example.ru"]));
        assert_eq!(s["require_2fa_roles"], json!(["admin", "moderator"]));
        let body = format!("csrf={csrf}&signup_policy=domains&signup_domains=");
        let resp = no_redirects().post(app.url("/admin/settings")).header("cookie", &cookie)
            .header("content-type", "application/x-www-form-urlencoded").body(body).send().await.unwrap();
        assert_eq!(resp.headers()["location"], "/admin?error=required", "domains without a domain is refused");
        app.stop().await;
    };
}

fn csrf_of(html: &str) -> String {
    html.split("name=\"csrf\" value=\"").nth(1).and_then(|s| s.split('"').next()).expect("csrf field").to_string()
}

both! {
    moderation_dashboard_forms_act_like_the_api => |app: TestApp| async move {
        let (_, moder) = app.user("moder", SystemRole::Moderator).await;
        let (m, member) = app.member("member").await;
        let (a, anna) = app.member("anna").await;
        let room = app.room(&moder, "chat", "channel", &[m, a]).await;
        let rules = json!({ "rules": [{ "id": "abuse", "name": "Мат", "kind": { "type": "words", "presets": ["ru_obscene"] }, "action": { "type": "hold" } }] });
        assert_eq!(app.put_json(&moder, "/api/v1/moderation/rules", rules).await.0, 200);
        let (s, _) = app.post(&member, &format!("/api/v1/rooms/{room}/messages"), json!({ "body": "ну ты и п.и.з.д.а" })).await;
        assert_eq!(s, 202, "held");

        // Members have no dashboard; moderators see the queue.
        let viewer = sign_in(&app, "member").await;
        assert_eq!(app.http.get(app.url("/moderation")).header("cookie", &viewer).send().await.unwrap().status(), 403);
        let cookie = sign_in(&app, "moder").await;
        let page = |path: &'static str| {
            let (app, cookie) = (&app, cookie.clone());
            async move { app.http.get(app.url(path)).header("cookie", cookie).send().await.unwrap().text().await.unwrap() }
        };
        let html = page("/moderation").await;
        assert!(html.contains("id=\"mod-held\"") && html.contains("ну ты и п.и.з.д.а"), "the held message is queued");
        let csrf = csrf_of(&html);
        let post = |path: String, form: Vec<(&'static str, String)>| {
            let (app, cookie) = (&app, cookie.clone());
            async move { no_redirects().post(app.url(&path)).header("cookie", cookie).form(&form).send().await.unwrap() }
        };
        let (_, held) = app.get(&moder, "/api/v1/moderation/held").await;
        let held_id = held["held"][0]["id"].as_i64().unwrap();

        // Without the CSRF token nothing happens; with it, approving posts the message.
        let r = post(format!("/moderation/held/{held_id}"), vec![("op", "approve".into())]).await;
        assert_eq!(r.status(), 403);
        let r = post(format!("/moderation/held/{held_id}"), vec![("csrf", csrf.clone()), ("op", "approve".into())]).await;
        assert_eq!((r.status().as_u16(), r.headers()["location"].to_str().unwrap()), (303, "/moderation?ok=approved#mod-held"));
        let (_, history) = app.get(&member, &format!("/api/v1/rooms/{room}/messages")).await;
        assert!(history.to_string().contains("ну ты и п.и.з.д.а"), "approved into the room: {history}");
        assert!(page("/moderation?ok=approved").await.contains("alert-success"));
        let r = post(format!("/moderation/held/{held_id}"), vec![("csrf", csrf.clone()), ("op", "reject".into())]).await;
        assert_eq!(r.headers()["location"], "/moderation?error=already_decided#mod-held");

        // Two reported messages resolved in one bulk action: removed.
        let mut cases = vec![];
        for body in ["первое грубое", "второе грубое"] {
            let msg = app.say(&member, room, body).await;
            let (s, v) = app.post(&anna, &format!("/api/v1/rooms/{room}/messages/{}/report", msg["id"]), json!({ "reason": "грубо" })).await;
            assert_eq!(s, 201, "{v}");
            cases.push(v["case_id"].as_i64().unwrap().to_string());
        }
        let html = page("/moderation").await;
        assert!(html.contains("первое грубое") && html.contains("id=\"cases-form\""));
        let r = post("/moderation/cases".into(), vec![("csrf", csrf.clone()), ("case_id", cases[0].clone()), ("case_id", cases[1].clone()), ("bulk_op", "remove".into())]).await;
        assert_eq!(r.headers()["location"], "/moderation?ok=resolved#mod-cases");
        let (_, open) = app.get(&moder, "/api/v1/moderation/cases").await;
        assert_eq!(open["cases"].as_array().unwrap().len(), 0, "{open}");
        let (_, history) = app.get(&member, &format!("/api/v1/rooms/{room}/messages")).await;
        assert!(!history.to_string().contains("грубое"), "both removed: {history}");

        // Impose from the person's card, then lift it: the person may write again.
        let html = page("/moderation?q=member").await;
        assert!(html.contains("id=\"impose-form\""), "one match opens the person's card");
        let r = post("/moderation/sanctions".into(), vec![("csrf", csrf.clone()), ("user_id", m.to_string()), ("kind", "mute".into()), ("duration_secs", "3600".into()), ("room_id", String::new()), ("reason", "остынь".into())]).await;
        assert_eq!(r.headers()["location"].to_str().unwrap(), format!("/moderation?ok=imposed&user={m}#mod-sanctions"));
        let (s, _) = app.post(&member, &format!("/api/v1/rooms/{room}/messages"), json!({ "body": "можно?" })).await;
        assert_eq!(s, 403, "muted everywhere");
        let (_, list) = app.get(&moder, &format!("/api/v1/moderation/sanctions?user_id={m}&active=true")).await;
        let sid = list["sanctions"][0]["id"].as_i64().unwrap();
        let r = post(format!("/moderation/sanctions/{sid}/lift"), vec![("csrf", csrf.clone()), ("reason", "ладно".into())]).await;
        assert_eq!(r.headers()["location"].to_str().unwrap(), format!("/moderation?ok=lifted&user={m}#mod-sanctions"));
        let (s, _) = app.post(&member, &format!("/api/v1/rooms/{room}/messages"), json!({ "body": "спасибо" })).await;
        assert_eq!(s, 201, "lifted");

        // A refused rule comes back in its textarea with its id and the problem; nothing is saved.
        let bad = r#"{"id": "r1", "name": "Broken", "kind": {"type": "regex", "patterns": ["(unclosed"]}, "action": {"type": "hold"}}"#;
        let r = post("/moderation/rules/save".into(), vec![("csrf", csrf.clone()), ("original_id", String::new()), ("json", bad.into())]).await;
        assert_eq!(r.status(), 422);
        let html = r.text().await.unwrap();
        let alert = html.split("id=\"rule-error\"").nth(1).expect("the error is shown");
        assert!(alert.contains("r1") && alert.contains("bad_regex"), "{alert}");
        assert!(html.contains("(unclosed"), "the JSON stays in the form");
        let r = post("/moderation/rules/save".into(), vec![("csrf", csrf.clone()), ("original_id", "abuse".into()), ("json", "{not json".into())]).await;
        assert_eq!(r.status(), 422);
        assert!(r.text().await.unwrap().contains("bad_json"));
        assert_eq!(app.get(&moder, "/api/v1/moderation/rules").await.1["rules"].as_array().unwrap().len(), 1);
        // Toggles and the presets button change the stored set.
        let r = post("/moderation/rules/toggle".into(), vec![("csrf", csrf.clone()), ("rule_id", "abuse".into()), ("field", "dry_run".into())]).await;
        assert_eq!(r.headers()["location"], "/moderation?ok=rules#mod-rules");
        let post_presets = post("/moderation/rules/presets".into(), vec![("csrf", csrf.clone())]).await;
        assert_eq!(post_presets.status(), 303);
        let (_, rules) = app.get(&moder, "/api/v1/moderation/rules").await;
        assert_eq!(rules["rules"][0]["dry_run"], true);
        assert!(rules["rules"].as_array().unwrap().iter().any(|r| r["id"] == "spam"), "{rules}");
        // The try box shows the forms and the rule.
        let r = post("/moderation/try".into(), vec![("csrf", csrf.clone()), ("text", "gbpltw".into())]).await;
        let html = r.text().await.unwrap();
        assert!(html.contains("id=\"try-result\"") && html.contains("пиздец"), "the layout form is shown");

        // The modlog card filters by person and action, and links the exports.
        let html = page("/moderation?person=member&action=case.").await;
        let log = html.split("id=\"mod-log\"").nth(1).unwrap();
        assert!(log.contains("case.removed") && !log.contains("held.approve"), "filtered by action");
        assert!(log.contains("format=csv"));

        // The politeness check: staff may ask, members may not.
        let (s, v) = app.post(&moder, "/api/v1/moderation/check", json!({ "text": "ну ты х.у.й" })).await;
        assert_eq!((s, v["flagged"].as_bool()), (200, Some(true)), "{v}");
        assert_eq!(v["rules"][0]["rule_id"], "abuse");
        let (_, v) = app.post(&moder, "/api/v1/moderation/check", json!({ "text": "добрый день" })).await;
        assert_eq!(v["flagged"], false);
        assert_eq!(app.post(&member, "/api/v1/moderation/check", json!({ "text": "x" })).await.0, 403);
        let (_, operator) = app.user("oper", SystemRole::Operator).await;
        assert_eq!(app.post(&operator, "/api/v1/moderation/check", json!({ "text": "x" })).await.0, 200);
        app.stop().await;
    };
}

both! {
    the_support_inbox_is_for_support_staff => |app: TestApp| async move {
        let (_, owner) = app.user("boss", SystemRole::Owner).await;
        app.member("anna").await;
        let (olga, _) = app.user("olga", SystemRole::Operator).await;
        app.user("sveta", SystemRole::Supervisor).await;
        let page = |cookie: String, path: &'static str| {
            let req = no_redirects().get(app.url(path)).header("cookie", cookie);
            async move {
                let resp = req.send().await.unwrap();
                (resp.status().as_u16(), resp.text().await.unwrap())
            }
        };
        let resp = no_redirects().get(app.url("/inbox")).send().await.unwrap();
        assert_eq!((resp.status().as_u16(), resp.headers()["location"].to_str().unwrap()), (303, "/login?next=/inbox"));

        // A member: no link in the chat, and the page is refused.
        let anna = sign_in(&app, "anna").await;
        let (s, html) = page(anna.clone(), "/").await;
        assert_eq!(s, 200);
        assert!(!html.contains("id=\"nav-inbox\""), "members have no inbox link");
        assert_eq!(page(anna, "/inbox").await.0, 403);

        // An operator is staff once they work in an inbox.
        let olga_cookie = sign_in(&app, "olga").await;
        assert_eq!(page(olga_cookie.clone(), "/inbox").await.0, 403, "an operator of no inbox");
        let (s, v) = app.post(&owner, "/api/v1/support/inboxes", json!({ "name": "Shop" })).await;
        assert_eq!(s, 201, "{v}");
        let inbox = v["inbox"]["id"].as_i64().unwrap();
        assert_eq!(app.put_json(&owner, &format!("/api/v1/support/inboxes/{inbox}/members"), json!({ "user_ids": [olga] })).await.0, 204);
        let (s, html) = page(olga_cookie.clone(), "/inbox").await;
        assert_eq!(s, 200);
        assert!(html.contains("id=\"inbox-bootstrap\"") && html.contains("/static/inbox.js"), "the page and its script");
        assert!(!html.contains("id=\"ib-tab-supervisor\""), "operators have no supervisor view");
        assert!(page(olga_cookie, "/").await.1.contains("id=\"nav-inbox\""), "operators find the inbox from the chat");

        // A supervisor sees the overview tab, in their language.
        let sveta = sign_in(&app, "sveta").await;
        let (s, html) = page(sveta, "/inbox?view=supervisor").await;
        assert_eq!(s, 200);
        assert!(html.contains("id=\"ib-tab-supervisor\"") && html.contains("\"view\":\"supervisor\""));
        assert!(html.contains("Overview") && html.contains("Shop"), "English words and the inbox in the bootstrap");
        app.stop().await;
    };
}

both! {
    the_knowledge_base_page_is_for_support_managers => |app: TestApp| async move {
        app.user("boss", SystemRole::Admin).await;
        app.user("olga", SystemRole::Operator).await;
        app.member("anna").await;
        let page = |cookie: String, path: &'static str| {
            let req = no_redirects().get(app.url(path)).header("cookie", cookie);
            async move {
                let resp = req.send().await.unwrap();
                (resp.status().as_u16(), resp.text().await.unwrap())
            }
        };
        let resp = no_redirects().get(app.url("/support/faq")).send().await.unwrap();
        let back = resp.headers()["location"].to_str().unwrap().to_string();
        assert_eq!((resp.status().as_u16(), back.as_str()), (303, "/login?next=/support/faq"));

        let boss = sign_in(&app, "boss").await;
        let (s, html) = page(boss.clone(), "/support/faq").await;
        assert_eq!(s, 200);
        assert!(html.contains("/static/support-faq.js"), "the page's script");
        assert!(html.contains("id=\"kb-unanswered\"") && html.contains("id=\"kb-entries\""), "its sections");
        assert!(html.contains("Knowledge base") && html.contains("Unanswered questions"), "in English");
        let settings = page(boss.clone(), "/support/settings").await.1;
        assert!(settings.contains("href=\"/support/faq\""), "linked from the settings");
        let (s, js) = page(boss, "/static/support-faq.js").await;
        assert_eq!(s, 200);
        assert!(js.contains("/faq/unanswered/"), "the script is served");

        let olga = sign_in(&app, "olga").await;
        assert_eq!(page(olga, "/support/faq").await.0, 403, "operators do not edit the knowledge base");
        assert_eq!(page(sign_in(&app, "anna").await, "/support/faq").await.0, 403, "nor do members");
        app.stop().await;
    };
}
