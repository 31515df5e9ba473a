//! The bot in group rooms over real HTTP, on SQLite and PostgreSQL
//! (docs/FAQ.md, "Group rooms"): the room's `faq_bot` setting (off, answers
//! when mentioned or replied to, answers confident questions by itself once
//! per topic), and Rose-style notes (`/save`, `#rules`, `/notes`, `/clear`)
//! with the notes API and who may use it.

mod common;

use common::{Db, TestApp};
use serde_json::{Value, json};
use steward_core::SystemRole;

const KB: &str = r#"[
 {"id": "returns", "lang": "ru", "questions": ["Как вернуть товар?", "Можно ли сделать возврат?"], "answer": "Вернуть товар можно в течение **14 дней** в любом пункте выдачи."},
 {"id": "delivery", "lang": "ru", "questions": ["Сколько идёт доставка?", "Когда привезут заказ?"], "answer": "Доставка по Москве — 1–2 дня, по России — до 7 дней."},
 {"id": "payment", "lang": "ru", "questions": ["Какие способы оплаты?", "Можно оплатить картой?"], "answer": "Картой, СБП или наличными курьеру."},
 {"id": "returns", "lang": "en", "questions": ["How do I return an item?"], "answer": "You can return an item within **14 days**."}
]"#;

/// The room's messages, oldest first.
async fn history(app: &TestApp, token: &str, room: i64) -> Vec<Value> {
    let (s, h) = app.get(token, &format!("/api/v1/rooms/{room}/messages?limit=100")).await;
    assert_eq!(s, 200, "{h}");
    h["messages"].as_array().unwrap().clone()
}

/// Posts as `token` and returns what the bot said right after, if anything
/// (the server answers once the bot's reply is stored).
async fn ask(app: &TestApp, token: &str, room: i64, body: Value) -> (Value, Option<Value>) {
    let (s, m) = app.post(token, &format!("/api/v1/rooms/{room}/messages"), body).await;
    assert_eq!(s, 201, "{m}");
    let after: Vec<Value> = history(app, token, room)
        .await
        .into_iter()
        .filter(|x| x["seq"].as_i64() > m["seq"].as_i64() && x["author"]["username"] == "steward-bot")
        .collect();
    assert!(after.len() <= 1, "one reply at most: {after:?}");
    (m, after.into_iter().next())
}

async fn say_to(app: &TestApp, token: &str, room: i64, text: &str) -> Option<Value> {
    ask(app, token, room, json!({ "body": text })).await.1
}

fn body(m: &Option<Value>) -> String {
    m.as_ref().map(|m| m["body"].as_str().unwrap_or("").to_string()).unwrap_or_default()
}

both! {
    the_bot_answers_in_rooms_by_the_setting => |app: TestApp| async move {
        let (_, admin) = app.user("boss", SystemRole::Admin).await;
        let (_, anna) = app.member("anna").await;
        let (b, boris) = app.member("boris").await;
        let r = app.http.post(app.url("/api/v1/faq/import?format=json")).bearer_auth(&admin).body(KB).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 200);
        let room = app.room(&anna, "shop-chat", "channel", &[b]).await;

        // Off (the default): silent even when mentioned.
        let (_, v) = app.get(&anna, &format!("/api/v1/rooms/{room}")).await;
        assert_eq!(v["policy"]["faq_bot"], "off", "{v}");
        assert_eq!(say_to(&app, &boris, room, "@steward-bot how do I return an item?").await, None);

        // Members do not turn it on; a bad value names the field.
        let policy = format!("/api/v1/rooms/{room}/policy");
        let (s, _) = app.put_json(&boris, &policy, json!({ "faq_bot": "mention" })).await;
        assert_eq!(s, 403);
        let (s, v) = app.put_json(&anna, &policy, json!({ "faq_bot": "always" })).await;
        assert_eq!((s, v["error"]["field"].as_str()), (422, Some("faq_bot")), "{v}");
        let (s, v) = app.put_json(&anna, &policy, json!({ "faq_bot": "mention" })).await;
        assert_eq!((s, v["policy"]["faq_bot"].as_str()), (200, Some("mention")), "{v}");
        let (_, m) = app.get(&anna, &format!("/api/v1/rooms/{room}/members")).await;
        assert!(m.to_string().contains("steward-bot"), "the bot joined: {m}");

        // Mentioned: the answer, as a reply, in the question's language.
        let (q, a) = ask(&app, &boris, room, json!({ "body": "@steward-bot how do I return an item?" })).await;
        let a = a.expect("an answer");
        assert!(a["body"].as_str().unwrap().contains("14 days"), "{a}");
        assert_eq!(a["reply_to"]["id"], q["id"], "a reply to the question");
        // Not mentioned: silent in this mode.
        assert_eq!(say_to(&app, &boris, room, "how do I return an item?").await, None);
        // A reply to the bot counts as asking it; Russian gets Russian.
        let (_, a2) = ask(&app, &boris, room, json!({ "body": "а как вернуть товар?", "reply_to": a["id"] })).await;
        assert!(body(&a2).contains("14 дней"), "{a2:?}");
        // It does not know: says so, in the question's language, and the question is counted.
        let dunno = say_to(&app, &boris, room, "@steward-bot сколько стоит аренда слона на свадьбу?").await;
        assert!(body(&dunno).contains("модератор"), "{dunno:?}");
        let (_, u) = app.get(&admin, "/api/v1/faq/unanswered").await;
        assert!(u.to_string().contains("слона"), "{u}");
        // Unsure: the likely questions.
        let unsure = say_to(&app, &boris, room, "@steward-bot оплата").await;
        assert!(!body(&unsure).is_empty(), "an answer or the alternatives: {unsure:?}");
        // Bots get no answers (an integration's account mentioning it).
        let (s, bot) = app.post(&admin, "/api/v1/admin/bots", json!({ "username": "ci-bot", "scopes": ["read", "write"] })).await;
        assert_eq!(s, 201, "{bot}");
        let (ci_id, ci) = (bot["user"]["id"].as_i64().unwrap(), bot["token"]["secret"].as_str().unwrap().to_string());
        app.post(&anna, &format!("/api/v1/rooms/{room}/members"), json!({ "user_ids": [ci_id] })).await;
        assert_eq!(say_to(&app, &ci, room, "@steward-bot how do I return an item?").await, None);

        // Auto: confident questions are answered unasked; chit-chat, statements
        // and weak matches are not; the same topic is not repeated at once.
        let (s, _) = app.put_json(&anna, &policy, json!({ "faq_bot": "auto" })).await;
        assert_eq!(s, 200);
        let auto = say_to(&app, &boris, room, "Подскажите, как вернуть товар?").await;
        assert!(body(&auto).contains("14 дней"), "{auto:?}");
        assert_eq!(say_to(&app, &boris, room, "как вернуть товар?").await, None, "not twice within the window");
        assert_eq!(say_to(&app, &boris, room, "всем привет, как дела?").await, None, "chit-chat");
        assert_eq!(say_to(&app, &boris, room, "вернул товар вчера, всё хорошо").await, None, "not a question");
        assert_eq!(say_to(&app, &boris, room, "сколько стоит аренда слона?").await, None, "no confident match");
        assert_eq!(say_to(&app, &boris, room, "оплата").await, None, "suggestions are for mentions only");
        let delivery = say_to(&app, &boris, room, "сколько идёт доставка?").await;
        assert!(body(&delivery).contains("7 дней"), "another topic: {delivery:?}");
        // Mentions still get answers in auto mode.
        let again = say_to(&app, &anna, room, "@steward-bot how do I return an item?").await;
        assert!(body(&again).contains("14 days"), "{again:?}");

        // Off again: silent.
        app.put_json(&anna, &policy, json!({ "faq_bot": "off" })).await;
        assert_eq!(say_to(&app, &boris, room, "@steward-bot сколько идёт доставка?").await, None);
        // The bot never answered itself: each of its messages follows a person's.
        let all = history(&app, &anna, room).await;
        for pair in all.windows(2) {
            if pair[1]["author"]["username"] == "steward-bot" {
                assert_ne!(pair[0]["author"]["username"], "steward-bot", "{all:?}");
            }
        }
        app.stop().await;
    };

    notes_by_command_and_api => |app: TestApp| async move {
        let (_, anna) = app.member("anna").await;
        let (m, mod_token) = app.member("mila").await;
        let (b, boris) = app.member("boris").await;
        let (_, outsider) = app.member("oleg").await;
        let room = app.room(&anna, "team", "group", &[m, b]).await;
        let (s, _) = app.put_json(&anna, &format!("/api/v1/rooms/{room}/members/{m}"), json!({ "role": "moderator" })).await;
        assert_eq!(s, 204);
        let post = format!("/api/v1/rooms/{room}/messages");

        // A room moderator saves the rules; the bot confirms.
        let saved = say_to(&app, &mod_token, room, "/save Rules 1. Be kind\n2. No spam").await;
        assert!(body(&saved).contains("#rules"), "{saved:?}");
        // A member posts them with #rules: the bot replies with the note.
        let (q, shown) = ask(&app, &boris, room, json!({ "body": "#rules" })).await;
        let shown = shown.expect("the note");
        assert_eq!(shown["body"], "1. Be kind\n2. No spam");
        assert_eq!(shown["reply_to"]["id"], q["id"]);
        assert!(shown["html"].as_str().unwrap().contains("<ol>"), "markdown rendered: {shown}");
        assert_eq!(body(&say_to(&app, &boris, room, "/rules").await), "1. Be kind\n2. No spam");
        // #rules in reply to someone answers them.
        let (newbie_msg, _) = ask(&app, &anna, room, json!({ "body": "what can I post here?" })).await;
        let (_, to_newbie) = ask(&app, &boris, room, json!({ "body": "#rules", "reply_to": newbie_msg["id"] })).await;
        assert_eq!(to_newbie.unwrap()["reply_to"]["id"], newbie_msg["id"]);

        // A member may not save or clear: refused with the rule, nothing posted, nothing changed.
        let before = history(&app, &anna, room).await.len();
        let (s, v) = app.post(&boris, &post, json!({ "body": "/save rules anything goes" })).await;
        assert_eq!((s, v["error"]["code"].as_str()), (403, Some("cannot_edit_notes")), "{v}");
        assert!(v["error"]["message"].as_str().unwrap().contains("moderators"), "{v}");
        let (s, v) = app.post(&boris, &post, json!({ "body": "/clear rules" })).await;
        assert_eq!((s, v["error"]["code"].as_str()), (403, Some("cannot_edit_notes")));
        assert_eq!(history(&app, &anna, room).await.len(), before);
        let (_, n) = app.get(&boris, &format!("/api/v1/rooms/{room}/notes/rules")).await;
        assert_eq!(n["body"], "1. Be kind\n2. No spam", "{n}");

        // Bad names and missing notes are errors naming the field; an unknown #tag is just a message.
        let (s, v) = app.post(&mod_token, &post, json!({ "body": "/save bad!name text" })).await;
        assert_eq!((s, v["error"]["field"].as_str(), v["error"]["code"].as_str()), (422, Some("name"), Some("invalid_format")), "{v}");
        let (s, v) = app.post(&mod_token, &post, json!({ "body": "/save empty" })).await;
        assert_eq!((s, v["error"]["field"].as_str()), (422, Some("body")), "{v}");
        let (s, v) = app.post(&boris, &post, json!({ "body": "/get nope" })).await;
        assert_eq!((s, v["error"]["code"].as_str(), v["error"]["field"].as_str()), (404, Some("note_not_found"), Some("name")));
        assert_eq!(say_to(&app, &boris, room, "#nope is a hashtag").await, None);

        // `/save name` in reply to a message saves that message.
        let (faq_msg, _) = ask(&app, &anna, room, json!({ "body": "Standup is at **10:00** every day." })).await;
        let (_, ok) = ask(&app, &mod_token, room, json!({ "body": "/save standup", "reply_to": faq_msg["id"] })).await;
        assert!(body(&ok).contains("#standup"), "{ok:?}");
        let listed = say_to(&app, &boris, room, "/notes").await;
        assert!(body(&listed).contains("#rules") && body(&listed).contains("#standup"), "{listed:?}");

        // /clear by the moderator.
        let cleared = say_to(&app, &mod_token, room, "/clear rules").await;
        assert!(body(&cleared).contains("#rules"), "{cleared:?}");
        let (s, _) = app.get(&boris, &format!("/api/v1/rooms/{room}/notes/rules")).await;
        assert_eq!(s, 404);

        // The API: owners save (201 new, 200 replaced), names fold to lower case.
        let note = |name: &str| format!("/api/v1/rooms/{room}/notes/{name}");
        let (s, v) = app.put_json(&anna, &note("Welcome"), json!({ "body": "Hi **all**" })).await;
        assert_eq!((s, v["name"].as_str()), (201, Some("welcome")), "{v}");
        assert!(v["html"].as_str().unwrap().contains("<strong>all</strong>"));
        let (s, _) = app.put_json(&anna, &note("welcome"), json!({ "body": "Hello" })).await;
        assert_eq!(s, 200);
        let (s, v) = app.put_json(&boris, &note("welcome"), json!({ "body": "mine" })).await;
        assert_eq!((s, v["error"]["code"].as_str()), (403, Some("cannot_edit_notes")));
        for (name, b, field, code) in [
            ("a%20b", json!({ "body": "x" }), "name", "invalid_format"),
            ("ok", json!({ "body": " " }), "body", "required"),
            ("ok", json!({ "body": "x".repeat(4001) }), "body", "too_long"),
            ("ok", json!({ "text": "x" }), "text", ""),
        ] {
            let (s, v) = app.put_json(&anna, &note(name), b).await;
            assert_eq!((s, v["error"]["field"].as_str()), (422, Some(field)), "{name}: {v}");
            if !code.is_empty() {
                assert_eq!(v["error"]["code"], code);
            }
        }
        let (s, v) = app.get(&boris, &format!("/api/v1/rooms/{room}/notes")).await;
        let names: Vec<&str> = v["notes"].as_array().unwrap().iter().map(|n| n["name"].as_str().unwrap()).collect();
        assert_eq!((s, names), (200, vec!["standup", "welcome"]));
        // Outsiders of a private room learn nothing, not even that it exists.
        for path in [format!("/api/v1/rooms/{room}/notes"), note("welcome")] {
            let (s, v) = app.get(&outsider, &path).await;
            assert_eq!((s, v["error"]["code"].as_str()), (404, Some("not_found")), "{path}");
        }
        let (s, _) = app.put_json(&outsider, &note("welcome"), json!({ "body": "x" })).await;
        assert_eq!(s, 404);
        let (s, _) = app.delete(&boris, &note("welcome")).await;
        assert_eq!(s, 403);
        let (s, _) = app.delete(&anna, &note("welcome")).await;
        assert_eq!(s, 204);
        let (s, v) = app.delete(&anna, &note("welcome")).await;
        assert_eq!((s, v["error"]["code"].as_str()), (404, Some("note_not_found")));

        // In the OpenAPI document.
        let (_, doc) = app.get(&anna, "/api/v1/openapi.json").await;
        assert!(doc["paths"]["/rooms/{id}/notes/{name}"]["put"].is_object(), "notes in the API document");

        // The room settings page: the notes for everyone who reads the room, the forms for staff.
        let page = |token: &str| {
            let (url, http, token) = (app.url(&format!("/r/{room}/settings")), app.http.clone(), token.to_string());
            async move {
                let r = http.get(url).bearer_auth(token).send().await.unwrap();
                (r.status().as_u16(), r.text().await.unwrap())
            }
        };
        let (s, html) = page(&anna).await;
        assert_eq!(s, 200, "{html}");
        assert!(html.contains("#standup") && html.contains("<strong>10:00</strong>") && html.contains("name=\"faq_bot\""), "{html}");
        let (s, html) = page(&boris).await;
        assert_eq!(s, 200);
        assert!(html.contains("#standup") && !html.contains("name=\"faq_bot\"") && !html.contains("settings/notes"), "read only for members");
        assert_eq!(page(&outsider).await.0, 404);
        app.stop().await;
    };
}
