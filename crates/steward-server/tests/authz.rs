//! The authorization matrix: every route, every kind of person, allow and
//! deny, on SQLite and PostgreSQL. One row per route; one column per person.

mod common;

use common::{Db, TestApp};
use serde_json::{Value, json};
use steward_core::SystemRole;

/// The people: the owner of every room, an admin and a moderator who are in
/// no room, a member of every room, a member of none, a guest in the group.
const PEOPLE: [&str; 6] = ["owner", "admin", "moderator", "member", "outsider", "guest"];

struct World {
    tokens: Vec<String>,
    ids: Vec<i64>,
    channel: i64,
    group: i64,
    broadcast: i64,
}

async fn world(app: &TestApp) -> World {
    let roles = [
        SystemRole::Owner,
        SystemRole::Admin,
        SystemRole::Moderator,
        SystemRole::Member,
        SystemRole::Member,
        SystemRole::Guest,
    ];
    let mut tokens = Vec::new();
    let mut ids = Vec::new();
    for (name, role) in PEOPLE.iter().zip(roles) {
        let (id, t) = app.user(name, role).await;
        ids.push(id);
        tokens.push(t);
    }
    let owner = &tokens[0];
    let channel = app.room(owner, "channel", "channel", &[ids[3]]).await;
    let group = app.room(owner, "group", "group", &[ids[3], ids[5]]).await;
    let broadcast = app.room(owner, "news", "broadcast", &[ids[3]]).await;
    World { tokens, ids, channel, group, broadcast }
}

enum Req {
    Get(String),
    Post(String, Value),
    Patch(String, Value),
    Put(String, Value),
    Delete(String),
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

async fn call(app: &TestApp, token: &str, req: &Req) -> u16 {
    let c = &app.http;
    let b = match req {
        Req::Get(p) => c.get(app.url(p)),
        Req::Post(p, v) => c.post(app.url(p)).json(v),
        Req::Patch(p, v) => c.patch(app.url(p)).json(v),
        Req::Put(p, v) => c.put(app.url(p)).json(v),
        Req::Delete(p) => c.delete(app.url(p)),
    };
    let b = if token.is_empty() { b } else { b.bearer_auth(token) };
    b.send().await.expect("request").status().as_u16()
}

both! {
    every_route_for_every_person => |app: TestApp| async move {
        let w = world(&app).await;
        let (c, g, b) = (w.channel, w.group, w.broadcast);
        let member = w.ids[3];
        let owner = w.tokens[0].clone();
        let fresh = |room: i64| {
            let app = &app;
            let owner = owner.clone();
            async move { app.say(&owner, room, "fresh").await["id"].as_i64().unwrap() }
        };
        // (what, request maker, expected status per person in PEOPLE order)
        type Make<'a> = Box<dyn Fn(i64) -> Req + 'a>;
        let rows: Vec<(&str, bool, Make, [u16; 6])> = vec![
            ("read a public channel", false, Box::new(move |_| Req::Get(format!("/api/v1/rooms/{c}"))), [200, 200, 200, 200, 200, 404]),
            ("read a private group", false, Box::new(move |_| Req::Get(format!("/api/v1/rooms/{g}"))), [200, 404, 404, 200, 404, 200]),
            ("read group history", false, Box::new(move |_| Req::Get(format!("/api/v1/rooms/{g}/messages"))), [200, 404, 404, 200, 404, 200]),
            ("read group members", false, Box::new(move |_| Req::Get(format!("/api/v1/rooms/{g}/members"))), [200, 404, 404, 200, 404, 200]),
            ("read group pins", false, Box::new(move |_| Req::Get(format!("/api/v1/rooms/{g}/pins"))), [200, 404, 404, 200, 404, 200]),
            ("post in the group", false, Box::new(move |_| Req::Post(format!("/api/v1/rooms/{g}/messages"), json!({ "body": "hi" }))), [201, 404, 404, 201, 404, 201]),
            ("post in the channel", false, Box::new(move |_| Req::Post(format!("/api/v1/rooms/{c}/messages"), json!({ "body": "hi" }))), [201, 403, 403, 201, 403, 404]),
            ("post in a broadcast", false, Box::new(move |_| Req::Post(format!("/api/v1/rooms/{b}/messages"), json!({ "body": "hi" }))), [201, 403, 403, 403, 403, 404]),
            ("edit the owner's message", true, Box::new(move |m| Req::Patch(format!("/api/v1/rooms/{c}/messages/{m}"), json!({ "body": "x" }))), [200, 403, 403, 403, 403, 404]),
            ("delete the owner's message", true, Box::new(move |m| Req::Delete(format!("/api/v1/rooms/{c}/messages/{m}"))), [200, 200, 200, 403, 403, 404]),
            ("pin a message", true, Box::new(move |m| Req::Put(format!("/api/v1/rooms/{c}/pins/{m}"), json!({}))), [200, 200, 200, 403, 403, 404]),
            ("react", true, Box::new(move |m| Req::Put(format!("/api/v1/rooms/{c}/messages/{m}/reactions/%F0%9F%91%8D"), json!({}))), [200, 403, 403, 200, 403, 404]),
            ("rename the channel", false, Box::new(move |_| Req::Patch(format!("/api/v1/rooms/{c}"), json!({ "topic": "new" }))), [200, 200, 403, 403, 403, 404]),
            ("change the channel policy", false, Box::new(move |_| Req::Put(format!("/api/v1/rooms/{c}/policy"), json!({ "slow_mode_secs": 0 }))), [200, 200, 403, 403, 403, 404]),
            ("read the group's notes", false, Box::new(move |_| Req::Get(format!("/api/v1/rooms/{g}/notes"))), [200, 404, 404, 200, 404, 200]),
            ("read a group note", false, Box::new(move |_| Req::Get(format!("/api/v1/rooms/{g}/notes/nope"))), [404, 404, 404, 404, 404, 404]),
            ("save a channel note", false, Box::new(move |_| Req::Put(format!("/api/v1/rooms/{c}/notes/rules"), json!({ "body": "Be kind." }))), [201, 200, 403, 403, 403, 404]),
            ("save a group note", false, Box::new(move |_| Req::Put(format!("/api/v1/rooms/{g}/notes/rules"), json!({ "body": "Be kind." }))), [201, 200, 404, 403, 404, 403]),
            ("delete a channel note", false, Box::new(move |_| Req::Delete(format!("/api/v1/rooms/{c}/notes/nope"))), [404, 404, 403, 403, 403, 404]),
            ("search the group", false, Box::new(move |_| Req::Get(format!("/api/v1/search?q=hi&room_id={g}"))), [200, 404, 404, 200, 404, 200]),
            ("mark the group read", false, Box::new(move |_| Req::Post(format!("/api/v1/rooms/{g}/read"), json!({ "seq": 0 }))), [200, 404, 404, 200, 404, 200]),
            ("create a channel", false, Box::new(move |_| Req::Post("/api/v1/rooms".into(), json!({ "name": "new", "kind": "channel" }))), [201, 201, 201, 201, 201, 403]),
            ("list people", false, Box::new(move |_| Req::Get("/api/v1/users?q=o".into())), [200, 200, 200, 200, 200, 403]),
            ("list public channels", false, Box::new(move |_| Req::Get("/api/v1/rooms/public".into())), [200, 200, 200, 200, 200, 200]),
            ("my rooms", false, Box::new(move |_| Req::Get("/api/v1/rooms".into())), [200, 200, 200, 200, 200, 200]),
            ("me", false, Box::new(move |_| Req::Get("/api/v1/me".into())), [200, 200, 200, 200, 200, 200]),
            ("manage a private group", false, Box::new(move |_| Req::Patch(format!("/api/v1/rooms/{g}"), json!({ "topic": "t" }))), [200, 200, 404, 403, 404, 403]),
            ("remove people in bulk", false, Box::new(move |_| Req::Post(format!("/api/v1/rooms/{c}/members/remove"), json!({ "user_ids": [999999] }))), [200, 200, 403, 403, 403, 404]),
            ("list roles", false, Box::new(move |_| Req::Get("/api/v1/admin/roles".into())), [200, 200, 403, 403, 403, 403]),
            ("list every room", false, Box::new(move |_| Req::Get("/api/v1/admin/rooms".into())), [200, 200, 403, 403, 403, 403]),
            ("read the audit log", false, Box::new(move |_| Req::Get("/api/v1/admin/audit".into())), [200, 200, 403, 403, 403, 403]),
            ("export a room", false, Box::new(move |_| Req::Get(format!("/api/v1/admin/export?room_id={c}"))), [200, 200, 403, 403, 403, 403]),
            ("run retention", false, Box::new(move |_| Req::Post("/api/v1/admin/retention/run".into(), json!({}))), [200, 200, 403, 403, 403, 403]),
            ("list bot accounts", false, Box::new(move |_| Req::Get("/api/v1/admin/bots".into())), [200, 200, 403, 403, 403, 403]),
            ("a person's tokens as a bot's", false, Box::new(move |_| Req::Get(format!("/api/v1/admin/bots/{member}/tokens"))), [404, 404, 403, 403, 403, 403]),
            ("issue a token for a non-bot", false, Box::new(move |_| Req::Post(format!("/api/v1/admin/bots/{member}/tokens"), json!({ "name": "x", "scopes": ["read"] }))), [404, 404, 403, 403, 403, 403]),
            ("read the settings", false, Box::new(move |_| Req::Get("/api/v1/admin/settings".into())), [200, 200, 403, 403, 403, 403]),
            ("create an inbox", false, Box::new(move |_| Req::Post("/api/v1/support/inboxes".into(), json!({ "name": format!("inbox-{}", rand_suffix()) }))), [201, 201, 403, 403, 403, 403]),
            ("support overview", false, Box::new(move |_| Req::Get("/api/v1/support/overview".into())), [200, 200, 403, 403, 403, 403]),
            ("support queues", false, Box::new(move |_| Req::Get("/api/v1/support/conversations?queue=all".into())), [200, 200, 200, 200, 200, 200]),
            ("a conversation one cannot see", false, Box::new(move |_| Req::Get("/api/v1/support/conversations/999999".into())), [404, 404, 404, 404, 404, 404]),
            ("a support room as a chat room", false, Box::new(move |_| Req::Post("/api/v1/rooms".into(), json!({ "name": "x", "kind": "support" }))), [422, 422, 422, 422, 422, 422]),
        ];
        let mut failures = Vec::new();
        for (what, needs_message, make, expected) in &rows {
            for (i, person) in PEOPLE.iter().enumerate() {
                let m = if *needs_message { fresh(c).await } else { 0 };
                let got = call(&app, &w.tokens[i], &make(m)).await;
                if got != expected[i] {
                    failures.push(format!("{what} as {person}: expected {}, got {got}", expected[i]));
                }
            }
            // Nobody signed in: always 401.
            let m = if *needs_message { fresh(c).await } else { 0 };
            let got = call(&app, "", &make(m)).await;
            if got != 401 {
                failures.push(format!("{what} signed out: expected 401, got {got}"));
            }
        }
        // Membership changes last, as they change the world.
        let add_to_group = |who: i64| Req::Post(format!("/api/v1/rooms/{g}/members"), json!({ "user_ids": [who] }));
        let extra = app.user("extra", SystemRole::Member).await.0;
        for (i, want) in [(5usize, 403u16), (4, 404), (2, 404), (3, 200)] {
            let got = call(&app, &w.tokens[i], &add_to_group(extra)).await;
            if got != want {
                failures.push(format!("add to the group as {}: expected {want}, got {got}", PEOPLE[i]));
            }
        }
        for (i, want) in [(5usize, 404u16), (4, 200), (1, 200)] {
            let got = call(&app, &w.tokens[i], &Req::Post(format!("/api/v1/rooms/{c}/join"), json!({}))).await;
            if got != want {
                failures.push(format!("join the channel as {}: expected {want}, got {got}", PEOPLE[i]));
            }
        }
        for (i, want) in [(5usize, 403u16), (4, 404), (3, 403), (2, 404), (1, 204)] {
            let got = call(&app, &w.tokens[i], &Req::Delete(format!("/api/v1/rooms/{g}"))).await;
            if got != want {
                failures.push(format!("delete the group as {}: expected {want}, got {got}", PEOPLE[i]));
            }
        }
        let _ = &w.ids;
        assert!(failures.is_empty(), "authorization matrix:\n{}", failures.join("\n"));
        app.stop().await;
    };

    slow_mode_and_announcement_rooms => |app: TestApp| async move {
        let (_, owner) = app.user("owner", SystemRole::Owner).await;
        let (m, member) = app.member("member").await;
        let room = app.room(&owner, "quiet", "channel", &[m]).await;
        let (s, v) = app.put_json(&owner, &format!("/api/v1/rooms/{room}/policy"), json!({ "slow_mode_secs": 60 })).await;
        assert_eq!((s, v["policy"]["slow_mode_secs"].as_i64()), (200, Some(60)), "{v}");
        let path = format!("/api/v1/rooms/{room}/messages");
        let (s, _) = app.post(&member, &path, json!({ "body": "one", "nonce": "sm-1" })).await;
        assert_eq!(s, 201);
        let (s, v) = app.post(&member, &path, json!({ "body": "two" })).await;
        assert_eq!((s, v["error"]["code"].as_str()), (429, Some("slow_mode")), "{v}");
        let (s, _) = app.post(&member, &path, json!({ "body": "one", "nonce": "sm-1" })).await;
        assert_eq!(s, 200, "a retry is not a new message");
        let (s, _) = app.post(&owner, &path, json!({ "body": "staff are exempt" })).await;
        assert_eq!(s, 201);
        let (s, v) = app.put_json(&owner, &format!("/api/v1/rooms/{room}/policy"), json!({ "read_only": true })).await;
        assert_eq!((s, v["policy"]["read_only"].as_bool()), (200, Some(true)));
        let (s, v) = app.post(&member, &path, json!({ "body": "can I?" })).await;
        assert_eq!((s, v["error"]["code"].as_str()), (403, Some("cannot_post")));
        let (_, view) = app.get(&member, &format!("/api/v1/rooms/{room}")).await;
        assert_eq!(view["can_post"], false);
        let (s, v) = app.put_json(&owner, &format!("/api/v1/rooms/{room}/policy"), json!({ "slow_mode_secs": 100000 })).await;
        assert_eq!((s, v["error"]["field"].as_str()), (422, Some("slow_mode_secs")));
        let (s, v) = app.put_json(&owner, &format!("/api/v1/rooms/{room}/policy"), json!({ "post": "everyone" })).await;
        assert_eq!((s, v["error"]["field"].as_str()), (422, Some("post")), "{v}");
        app.stop().await;
    };

    room_administration_archive_kick_and_hand_over => |app: TestApp| async move {
        let (_, owner) = app.user("owner", SystemRole::Owner).await;
        let (m, member) = app.member("member").await;
        let (e, editor) = app.member("editor").await;
        let news = app.room(&owner, "news", "broadcast", &[m, e]).await;
        let post = |room: i64| format!("/api/v1/rooms/{room}/messages");
        let (s, _) = app.post(&editor, &post(news), json!({ "body": "draft" })).await;
        assert_eq!(s, 403, "a plain member of a broadcast does not post");
        let (s, _) = app.put_json(&member, &format!("/api/v1/rooms/{news}/members/{e}"), json!({ "role": "editor" })).await;
        assert_eq!(s, 403, "members do not hand out roles");
        let (s, _) = app.put_json(&owner, &format!("/api/v1/rooms/{news}/members/{e}"), json!({ "role": "editor" })).await;
        assert_eq!(s, 204);
        let (s, _) = app.post(&editor, &post(news), json!({ "body": "published" })).await;
        assert_eq!(s, 201, "editors post in broadcasts");
        // Archive: readable, nobody posts; unarchive restores.
        let (s, v) = app.post(&owner, &format!("/api/v1/rooms/{news}/archive"), json!({})).await;
        assert_eq!((s, v["archived"].as_bool()), (200, Some(true)));
        let (s, _) = app.post(&editor, &post(news), json!({ "body": "late" })).await;
        assert_eq!(s, 403);
        assert_eq!(app.get(&member, &format!("/api/v1/rooms/{news}/messages")).await.0, 200, "still readable");
        let (s, _) = app.post(&owner, &format!("/api/v1/rooms/{news}/unarchive"), json!({})).await;
        assert_eq!(s, 200);
        // Kick: the member's socket hears room.removed and nothing after.
        let mut ws = app.ws_live(&member).await;
        let (s, _) = app.delete(&editor, &format!("/api/v1/rooms/{news}/members/{m}")).await;
        assert_eq!(s, 403, "editors do not kick");
        let (s, _) = app.delete(&owner, &format!("/api/v1/rooms/{news}/members/{m}")).await;
        assert_eq!(s, 204);
        assert!(ws.next_of("room.removed").await.is_some());
        app.say(&owner, news, "after the kick").await;
        ws.assert_quiet(std::time::Duration::from_millis(400)).await;
        // Hand over: the new owner owns, the old one moderates.
        let (s, _) = app.put_json(&owner, &format!("/api/v1/rooms/{news}/members/{e}"), json!({ "role": "owner" })).await;
        assert_eq!(s, 204);
        let (_, room) = app.get(&owner, &format!("/api/v1/rooms/{news}")).await;
        assert_eq!(room["my_role"], "moderator");
        let (_, room) = app.get(&editor, &format!("/api/v1/rooms/{news}")).await;
        assert_eq!(room["my_role"], "owner");
        let (_, log) = app.get(&owner, "/api/v1/admin/audit?action=room.").await;
        let actions: Vec<&str> = log["entries"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
        assert!(actions.contains(&"room.archive") && actions.contains(&"room.member_removed") && actions.contains(&"room.member_role"), "{actions:?}");
        app.stop().await;
    };
    rooms_convert_delete_and_bulk_remove => |app: TestApp| async move {
        let (_, owner) = app.user("owner", SystemRole::Owner).await;
        let (_, admin) = app.user("admin", SystemRole::Admin).await;
        let (m, member) = app.member("member").await;
        let (o, outsider) = app.member("outsider").await;
        let room = app.room(&owner, "ops", "channel", &[m]).await;
        // The outsider reads the public channel live without joining.
        let mut reader = app.ws_live(&outsider).await;
        reader.send(json!({ "op": "resume", "rooms": { room.to_string(): 0 } })).await;
        // Subscribed once the server says so; a message posted before that comes as a resync.
        assert!(reader.next_of("ready").await.is_some());
        let mut inside = app.ws_live(&member).await;
        app.say(&owner, room, "пока открыто").await;
        assert_eq!(reader.next_of("message.created").await.unwrap()["message"]["body"], "пока открыто");
        assert!(inside.next_of("message.created").await.is_some());

        let (s, v) = app.patch(&member, &format!("/api/v1/rooms/{room}"), json!({ "kind": "group" })).await;
        assert_eq!(s, 403, "{v}");
        let (s, v) = app.patch(&owner, &format!("/api/v1/rooms/{room}"), json!({ "kind": "broadcast" })).await;
        assert_eq!((s, v["error"]["field"].as_str()), (422, Some("kind")), "only channel ⇄ group");
        let (s, v) = app.patch(&owner, &format!("/api/v1/rooms/{room}"), json!({ "kind": "group" })).await;
        assert_eq!((s, v["kind"].as_str()), (200, Some("group")), "{v}");
        app.say(&owner, room, "уже закрыто").await;
        let got = inside.next_of("message.created").await.unwrap();
        assert_eq!(got["message"]["body"], "уже закрыто", "members go on");
        reader.assert_quiet(std::time::Duration::from_millis(400)).await;
        assert_eq!(app.get(&outsider, &format!("/api/v1/rooms/{room}/messages")).await.0, 404, "private now");

        // Bulk removal reports each person.
        let (s, v) = app.post(&owner, &format!("/api/v1/rooms/{room}/members/remove"), json!({ "user_ids": [m, o, 999999] })).await;
        assert_eq!(s, 200, "{v}");
        assert_eq!(v["removed"], json!([m]));
        assert_eq!(v["refused"].as_array().unwrap().len(), 2);
        assert_eq!(inside.next_of("room.removed").await.unwrap()["room_id"], room);
        let (s, v) = app.post(&owner, &format!("/api/v1/rooms/{room}/members/remove"), json!({ "user_ids": [] })).await;
        assert_eq!((s, v["error"]["field"].as_str()), (422, Some("user_ids")));

        // An admin who is not in the private group manages it without reading it.
        assert_eq!(app.get(&admin, &format!("/api/v1/rooms/{room}/messages")).await.0, 404);
        let (_, list) = app.get(&admin, "/api/v1/admin/rooms?q=op").await;
        assert!(list["rooms"].as_array().unwrap().iter().any(|r| r["id"] == room));
        assert_eq!(app.get(&member, "/api/v1/admin/rooms").await.0, 403);
        let (s, _) = app.post(&admin, &format!("/api/v1/rooms/{room}/members"), json!({ "user_ids": [m] })).await;
        assert_eq!(s, 200, "admins fix membership");
        let mut inside = app.ws_live(&member).await;
        assert_eq!(app.delete(&member, &format!("/api/v1/rooms/{room}")).await.0, 403, "members do not delete");
        let (s, _) = app.delete(&admin, &format!("/api/v1/rooms/{room}")).await;
        assert_eq!(s, 204);
        assert_eq!(inside.next_of("room.removed").await.unwrap()["room_id"], room);
        assert_eq!(app.get(&owner, &format!("/api/v1/rooms/{room}")).await.0, 404, "gone for everyone");
        let (_, found) = app.get(&owner, "/api/v1/search?q=%D0%B7%D0%B0%D0%BA%D1%80%D1%8B%D1%82%D0%BE").await;
        assert_eq!(found["results"].as_array().unwrap().len(), 0, "and from search");
        let (_, log) = app.get(&admin, "/api/v1/admin/audit?action=room.").await;
        let actions: Vec<&str> = log["entries"].as_array().unwrap().iter().filter_map(|e| e["action"].as_str()).collect();
        assert!(actions.contains(&"room.delete") && actions.contains(&"room.convert"), "{actions:?}");
        app.stop().await;
    };
}
