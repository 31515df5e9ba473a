//! The integrations page (`/admin/integrations`) and the admin API behind it
//! that lists bot accounts and manages their tokens, on SQLite and
//! PostgreSQL: who may see and use them, that a person's tokens are out of
//! reach, that a revoked token stops working, and that the support settings
//! page offers the bots as agent bots.

mod common;

use common::{Db, TestApp};
use serde_json::json;
use steward_core::SystemRole;

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// Signs in through the login form; returns the session cookie.
async fn sign_in(app: &TestApp, username: &str) -> String {
    let resp = no_redirects()
        .post(app.url("/login"))
        .header("origin", app.server.url())
        .form(&[("username", username), ("password", "password-123"), ("next", "/")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303, "login form redirects");
    resp.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("steward_session="))
        .map(|v| v.split(';').next().unwrap_or("").to_string())
        .expect("session cookie")
}

async fn page(app: &TestApp, cookie: &str, path: &str) -> (u16, String) {
    let resp = no_redirects().get(app.url(path)).header("cookie", cookie).send().await.unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

both! {
    the_integrations_page_is_for_admins_in_their_language => |app: TestApp| async move {
        let (_, boss_t) = app.user("boss", SystemRole::Admin).await;
        app.user("olga", SystemRole::Operator).await;
        app.member("anna").await;

        // Signed out: to the sign-in page, and back here afterwards.
        let resp = no_redirects().get(app.url("/admin/integrations")).send().await.unwrap();
        assert_eq!(resp.status(), 303);
        assert_eq!(resp.headers()["location"], "/login?next=/admin/integrations");

        let boss = sign_in(&app, "boss").await;
        let (s, html) = page(&app, &boss, "/admin/integrations").await;
        assert_eq!(s, 200);
        assert!(html.contains("<h1 class=\"page-title\">Integrations</h1>"), "English title");
        assert!(html.contains("How to verify signatures") && html.contains("hmac.compare_digest"), "the help block");
        assert!(html.contains("value=\"conversation.status_changed\""), "every event is a checkbox");
        assert!(html.contains("a conversation is assigned to someone"), "with its explanation");
        assert!(html.contains("/static/integrations.js"), "the page's script");
        assert!(html.contains("\"token-warning\":") && html.contains("shown only once"), "the script's words, in English");
        assert!(html.contains("Ping queued (delivery #{id})."), "variables are left for the script");
        let (s, js) = page(&app, &boss, "/static/integrations.js").await;
        assert_eq!(s, 200);
        assert!(js.contains("/deliveries/") && js.contains("/admin/bots/"), "the script is served");
        let console = page(&app, &boss, "/admin").await.1;
        assert!(console.contains("href=\"/admin/integrations\""), "linked from the admin console");
        let support = page(&app, &boss, "/support/settings").await.1;
        assert!(support.contains("href=\"/admin/integrations\""), "linked from the support settings");

        // In Russian for a Russian-speaking admin.
        let (s, _) = app.patch(&boss_t, "/api/v1/me", json!({ "locale": "ru" })).await;
        assert_eq!(s, 200);
        let html = page(&app, &boss, "/admin/integrations").await.1;
        assert!(html.contains("lang=\"ru\"") && html.contains("Интеграции"), "Russian title");
        assert!(html.contains("Как проверять подпись") && html.contains("обращение кому-то назначили"), "Russian text");
        assert!(html.contains("показывается только один раз"), "the script's words in Russian");
        assert!(!html.contains("How to verify signatures"), "no English left");

        // Others are refused.
        assert_eq!(page(&app, &sign_in(&app, "olga").await, "/admin/integrations").await.0, 403, "operators");
        assert_eq!(page(&app, &sign_in(&app, "anna").await, "/admin/integrations").await.0, 403, "members");
        app.stop().await;
    };
}

both! {
    admins_list_bots_and_manage_their_tokens => |app: TestApp| async move {
        let (_, boss) = app.user("boss", SystemRole::Admin).await;
        let (anna_id, anna) = app.member("anna").await;
        let (s, v) = app.get(&boss, "/api/v1/admin/bots").await;
        assert_eq!((s, v["bots"].as_array().map(Vec::len)), (200, Some(0)), "{v}");

        let (s, made) = app.post(&boss, "/api/v1/admin/bots", json!({ "username": "crm-bot", "display_name": "CRM", "scopes": ["read", "write"] })).await;
        assert_eq!(s, 201, "{made}");
        let bot = made["user"]["id"].as_i64().unwrap();
        let first = made["token"]["secret"].as_str().unwrap().to_string();
        let (s, inbox) = app.post(&boss, "/api/v1/support/inboxes", json!({ "name": "Shop", "settings": { "agent_bot": bot } })).await;
        assert_eq!(s, 201, "{inbox}");
        let (s, hook) = app.post(&boss, "/api/v1/webhooks", json!({ "bot_id": bot, "name": "CRM", "url": "http://127.0.0.1:9/hook", "events": ["message.created"] })).await;
        assert_eq!(s, 201, "{hook}");

        // The list: people are not bots; each bot with its tokens, inboxes and webhooks.
        let (s, v) = app.get(&boss, "/api/v1/admin/bots").await;
        assert_eq!(s, 200);
        let bots = v["bots"].as_array().unwrap();
        assert_eq!(bots.len(), 1, "only bot accounts: {v}");
        assert_eq!(bots[0]["user"]["username"], "crm-bot");
        assert_eq!(bots[0]["tokens"][0]["scopes"], json!(["read", "write"]));
        assert!(bots[0]["tokens"][0].get("secret").is_none(), "a token's secret is never listed");
        assert_eq!(bots[0]["agent_bot_of"], json!([{ "id": inbox["inbox"]["id"], "name": "Shop" }]));
        assert_eq!(bots[0]["webhooks"], 1);

        // Another token: shown once, works; no admin scope for a bot.
        let (s, e) = app.post(&boss, &format!("/api/v1/admin/bots/{bot}/tokens"), json!({ "name": "staging", "scopes": ["read", "admin"] })).await;
        assert_eq!((s, e["error"]["field"].as_str()), (422, Some("scopes")), "{e}");
        let (s, e) = app.post(&boss, &format!("/api/v1/admin/bots/{bot}/tokens"), json!({ "name": "", "scopes": ["read"] })).await;
        assert_eq!((s, e["error"]["field"].as_str()), (422, Some("name")), "{e}");
        let (s, t) = app.post(&boss, &format!("/api/v1/admin/bots/{bot}/tokens"), json!({ "name": "staging", "scopes": ["read"], "expires_in_days": 30 })).await;
        assert_eq!(s, 201, "{t}");
        let second = t["secret"].as_str().unwrap().to_string();
        assert!(second.starts_with("stw_"));
        assert!(t["token"]["expires_at"].is_string());
        let (s, me) = app.get(&second, "/api/v1/me").await;
        assert_eq!((s, me["username"].as_str()), (200, Some("crm-bot")));
        let (s, list) = app.get(&boss, &format!("/api/v1/admin/bots/{bot}/tokens")).await;
        assert_eq!((s, list["tokens"].as_array().map(Vec::len)), (200, Some(2)));

        // Revoking the first: it stops at once; the other still works; twice is not found.
        let first_id = made["token"]["token"]["id"].as_i64().unwrap();
        let (s, _) = app.delete(&boss, &format!("/api/v1/admin/bots/{bot}/tokens/{first_id}")).await;
        assert_eq!(s, 204);
        assert_eq!(app.get(&first, "/api/v1/me").await.0, 401, "a revoked token is refused");
        assert_eq!(app.get(&second, "/api/v1/me").await.0, 200);
        assert_eq!(app.delete(&boss, &format!("/api/v1/admin/bots/{bot}/tokens/{first_id}")).await.0, 404);
        let (_, list) = app.get(&boss, &format!("/api/v1/admin/bots/{bot}/tokens")).await;
        assert_eq!(list["tokens"].as_array().unwrap().iter().filter(|t| t["revoked"] == true).count(), 1);

        // A person's tokens are not reachable here, even by an admin.
        let (s, mine) = app.post(&anna, "/api/v1/me/tokens", json!({ "name": "mine", "scopes": ["read"] })).await;
        assert_eq!(s, 201);
        let anna_token = mine["token"]["id"].as_i64().unwrap();
        assert_eq!(app.get(&boss, &format!("/api/v1/admin/bots/{anna_id}/tokens")).await.0, 404);
        assert_eq!(app.post(&boss, &format!("/api/v1/admin/bots/{anna_id}/tokens"), json!({ "name": "x", "scopes": ["read"] })).await.0, 404);
        assert_eq!(app.delete(&boss, &format!("/api/v1/admin/bots/{anna_id}/tokens/{anna_token}")).await.0, 404);
        assert_eq!(app.get(mine["secret"].as_str().unwrap(), "/api/v1/me").await.0, 200, "anna's token still works");
        // Nor is another bot's token through this bot.
        let (_, other) = app.post(&boss, "/api/v1/admin/bots", json!({ "username": "other-bot", "scopes": ["read"] })).await;
        let other_token = other["token"]["token"]["id"].as_i64().unwrap();
        assert_eq!(app.delete(&boss, &format!("/api/v1/admin/bots/{bot}/tokens/{other_token}")).await.0, 404);

        // Members, and bots themselves, are refused.
        assert_eq!(app.get(&anna, "/api/v1/admin/bots").await.0, 403);
        assert_eq!(app.post(&anna, &format!("/api/v1/admin/bots/{bot}/tokens"), json!({ "name": "x", "scopes": ["read"] })).await.0, 403);
        assert_eq!(app.get(&second, "/api/v1/admin/bots").await.0, 403);

        // The actions are in the audit log.
        let (_, audit) = app.get(&boss, "/api/v1/admin/audit?action=bot.").await;
        let actions: Vec<&str> = audit["entries"].as_array().unwrap().iter().filter_map(|e| e["action"].as_str()).collect();
        assert!(actions.contains(&"bot.token_created") && actions.contains(&"bot.token_revoked"), "{audit}");

        // In the OpenAPI document.
        let (_, doc) = app.get(&boss, "/api/v1/openapi.json").await;
        assert!(doc["paths"]["/admin/bots"]["get"].is_object() && doc["paths"]["/admin/bots/{id}/tokens/{token_id}"]["delete"].is_object());
        app.stop().await;
    };
}

both! {
    the_support_settings_offer_bots_as_agent_bots => |app: TestApp| async move {
        let (_, boss) = app.user("boss", SystemRole::Admin).await;
        let (_, made) = app.post(&boss, "/api/v1/admin/bots", json!({ "username": "helper", "display_name": "Helper", "scopes": ["read", "write"] })).await;
        let bot = made["user"]["id"].as_i64().unwrap();
        let cookie = sign_in(&app, "boss").await;
        let (s, html) = page(&app, &cookie, "/support/settings").await;
        assert_eq!(s, 200);
        assert!(html.contains(&format!("<option value=\"{bot}\">Helper (@helper)</option>")), "the bot is offered");
        assert!(html.contains("data-n=\"bot\"") && html.contains("data-n=\"agent_bot_timeout_secs\""), "both controls");
        assert!(html.contains("One or the other"), "and why they exclude each other");
        app.stop().await;
    };
}
