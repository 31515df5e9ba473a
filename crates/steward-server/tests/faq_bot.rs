//! The FAQ bot in support conversations over real HTTP, on SQLite and
//! PostgreSQL: it answers a Russian question with typos, asks whether that
//! helped and resolves on "да"; it hands over after two questions it could
//! not answer (the operator sees the whole transcript) or at once when a
//! person is asked for; unanswered questions are counted and become entries.

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

async fn start(app: &TestApp, key: &str, first: &str) -> (String, i64) {
    let (_, s) =
        widget(app, None, "POST", &format!("/widget/v1/inboxes/{key}/session"), json!({ "locale": "ru" })).await;
    let token = s["token"].as_str().unwrap().to_string();
    let (st, c) = widget(app, Some(&token), "POST", "/widget/v1/conversations", json!({ "body": first })).await;
    assert_eq!(st, 201, "{c}");
    (token, c["id"].as_i64().unwrap())
}

async fn say(app: &TestApp, token: &str, conv: i64, body: &str) {
    let (s, v) =
        widget(app, Some(token), "POST", &format!("/widget/v1/conversations/{conv}/messages"), json!({ "body": body }))
            .await;
    assert_eq!(s, 201, "{v}");
}

async fn seen(app: &TestApp, token: &str, conv: i64) -> Vec<String> {
    let (_, h) =
        widget(app, Some(token), "GET", &format!("/widget/v1/conversations/{conv}/messages"), Value::Null).await;
    h["messages"].as_array().unwrap().iter().map(|m| m["body"].as_str().unwrap().to_string()).collect()
}

both! {
    the_bot_answers_and_hands_over => |app: TestApp| async move {
        let (_, admin) = app.user("boss", SystemRole::Admin).await;
        let (op_id, op) = app.user("olga", SystemRole::Operator).await;
        let (s, v) = app.post(&admin, "/api/v1/support/inboxes", json!({ "name": "Shop", "settings": { "bot": true } })).await;
        assert_eq!(s, 201, "{v}");
        let (inbox, key) = (v["inbox"]["id"].as_i64().unwrap(), v["inbox"]["public_key"].as_str().unwrap().to_string());
        app.put_json(&admin, &format!("/api/v1/support/inboxes/{inbox}/members"), json!({ "user_ids": [op_id] })).await;
        app.put_json(&op, "/api/v1/support/me", json!({ "availability": "online" })).await;

        // The knowledge base: a bad file is refused with the problem; a good one loads.
        let r = app.http.post(app.url("/api/v1/faq/import?format=json")).bearer_auth(&admin).body(r#"[{"id": "x y", "lang": "ru", "questions": ["a"], "answer": "b"}]"#).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 422);
        let r = app.http.post(app.url("/api/v1/faq/import?format=json")).bearer_auth(&admin).body(KB).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 200);
        let (s, _) = app.get(&op, "/api/v1/faq/entries").await;
        assert_eq!(s, 403, "operators do not edit the knowledge base");

        // The help centre, without signing in, and the widget's search of it.
        let page = |path: &str| { let url = app.url(path); let http = app.http.clone(); async move { let r = http.get(url).send().await.unwrap(); (r.status().as_u16(), r.text().await.unwrap()) } };
        let (s, home) = page("/help?lang=ru").await;
        assert_eq!(s, 200);
        assert!(home.contains("Как вернуть товар?") && !home.contains("How do I return"), "Russian entries only");
        let (s, art) = page("/help/returns?lang=en").await;
        assert_eq!(s, 200);
        assert!(art.contains("<strong>14 days</strong>"), "the answer's markdown rendered");
        let (_, found) = page("/help?lang=ru&q=%D0%B2%D0%BE%D0%B7%D0%B2%D1%80%D0%B0%D1%82").await;
        assert!(found.contains("/help/returns?lang=ru"), "search finds it: {}", &found[found.find("<main").unwrap_or(0)..]);
        assert_eq!(page("/help/nope").await.0, 404);
        let (_, cfg) = widget(&app, None, "GET", &format!("/widget/v1/inboxes/{key}/config"), Value::Null).await;
        assert_eq!(cfg["inbox"]["help"], true);
        let (_, h) = widget(&app, None, "GET", &format!("/widget/v1/inboxes/{key}/help?q=%D0%BA%D0%B0%D0%BA%20%D0%B2%D0%B5%D1%80%D0%BD%D1%83%D1%82%D1%8C%20%D1%82%D0%BE%D0%B2%D0%B0%D1%80&locale=ru"), Value::Null).await;
        assert_eq!(h["articles"][0]["id"], "returns", "{h}");

        // A question with typos gets the right answer; "да" resolves it with the bot alone.
        let (t1, c1) = start(&app, &key, "как вернуть товр обратно?").await;
        let (_, d) = app.get(&admin, &format!("/api/v1/support/conversations/{c1}")).await;
        assert_eq!(d["conversation"]["status"], "pending", "{d}");
        assert_eq!(d["conversation"]["assignee_id"], Value::Null, "nobody is bothered yet");
        let bodies = seen(&app, &t1, c1).await;
        assert!(bodies.iter().any(|b| b.contains("14 дней")), "{bodies:?}");
        say(&app, &t1, c1, "да, спасибо").await;
        let (_, d) = app.get(&admin, &format!("/api/v1/support/conversations/{c1}")).await;
        assert_eq!(d["conversation"]["status"], "resolved");

        // Two questions it cannot answer: handed over; the operator reads the bot's transcript.
        let (t2, c2) = start(&app, &key, "сколько стоит аренда слона на свадьбу?").await;
        let (_, d) = app.get(&admin, &format!("/api/v1/support/conversations/{c2}")).await;
        assert_eq!(d["conversation"]["status"], "pending");
        say(&app, &t2, c2, "а жирафа для фотосессии?").await;
        let (_, d) = app.get(&op, &format!("/api/v1/support/conversations/{c2}")).await;
        assert_eq!(d["conversation"]["status"], "open", "{d}");
        assert_eq!(d["conversation"]["assignee_id"], op_id);
        let room = d["conversation"]["room_id"].as_i64().unwrap();
        let (_, h) = app.get(&op, &format!("/api/v1/rooms/{room}/messages")).await;
        let text = h.to_string();
        assert!(text.contains("слона") && text.contains("жирафа") && text.contains("оператору"), "{text}");
        let kinds: Vec<String> = d["events"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap().to_string()).collect();
        assert!(kinds.contains(&"handed_over".to_string()) && kinds.contains(&"bot_handover".to_string()), "{kinds:?}");
        // First response is counted from the hand-over, not from the bot's replies.
        let (s, _) = app.post(&op, &format!("/api/v1/support/conversations/{c2}/messages"), json!({ "body": "Здравствуйте! Уточню." })).await;
        assert_eq!(s, 201);
        let (_, d) = app.get(&op, &format!("/api/v1/support/conversations/{c2}")).await;
        let frt = d["report"]["first_response"]["wall_ms"].as_i64().unwrap();
        assert!(frt < 60_000, "{}", d["report"]);

        // Asking for a person hands over at once.
        let (_, c3) = start(&app, &key, "позовите оператора пожалуйста").await;
        let (_, d) = app.get(&admin, &format!("/api/v1/support/conversations/{c3}")).await;
        assert_eq!(d["conversation"]["status"], "open");

        // Unanswered questions are counted; one becomes an entry and the bot answers it.
        let (_, u) = app.get(&admin, "/api/v1/faq/unanswered").await;
        let list = u["unanswered"].as_array().unwrap();
        assert!(list.iter().any(|q| q["sample"].as_str().unwrap().contains("слона")), "{u}");
        let id = list.iter().find(|q| q["sample"].as_str().unwrap().contains("слона")).unwrap()["id"].as_i64().unwrap();
        let (s, v) = app.post(&admin, &format!("/api/v1/faq/unanswered/{id}/promote"), json!({ "id": "animals", "answer": "Животных мы не сдаём." })).await;
        assert_eq!(s, 200, "{v}");
        let (_, a) = app.get(&admin, "/api/v1/faq/ask?q=%D1%81%D0%BA%D0%BE%D0%BB%D1%8C%D0%BA%D0%BE%20%D1%81%D1%82%D0%BE%D0%B8%D1%82%20%D0%B0%D1%80%D0%B5%D0%BD%D0%B4%D0%B0%20%D1%81%D0%BB%D0%BE%D0%BD%D0%B0").await;
        assert_eq!(a["action"], "answer", "{a}");
        assert_eq!(a["entry"], "animals");
        let (_, u) = app.get(&admin, "/api/v1/faq/unanswered").await;
        assert!(!u.to_string().contains("слона"), "promoted questions leave the list");

        // Suggestions for the operator from the contact's last message.
        let (t4, c4) = start(&app, &key, "позовите человека").await;
        say(&app, &t4, c4, "когда привезут мой заказ?").await;
        let (s, sug) = app.get(&op, &format!("/api/v1/support/conversations/{c4}/suggestions")).await;
        assert_eq!(s, 200, "{sug}");
        assert_eq!(sug["faq"][0]["id"], "delivery", "{sug}");

        // The figures.
        let (_, st) = app.get(&admin, "/api/v1/faq/stats").await;
        assert_eq!(st["bot_conversations"], 4, "{st}");
        assert_eq!(st["resolved_by_bot"], 1, "{st}");
        assert_eq!(st["helpful"], 1, "{st}");
        assert_eq!(st["deflection_rate"], 0.25, "{st}");
        // Export round-trips.
        let csv = app.http.get(app.url("/api/v1/faq/export?format=csv")).bearer_auth(&admin).send().await.unwrap().text().await.unwrap();
        assert!(csv.starts_with("id,lang,category,status,questions,answer") && csv.contains("animals"), "{csv}");
        app.stop().await;
    };
}
