//! The API and gateway over real HTTP and WebSocket, on SQLite and PostgreSQL.

mod common;

use std::time::Duration;

use common::{Db, TestApp};
use serde_json::{Value, json};
use steward_core::SystemRole;

fn seqs(events: &[Value]) -> Vec<i64> {
    events.iter().map(|e| e["seq"].as_i64().unwrap_or(-1)).collect()
}

both! {
    login_logout_and_throttling => |app: TestApp| async move {
        let (_, token) = app.member("anna").await;
        let (s, me) = app.get(&token, "/api/v1/me").await;
        assert_eq!((s, me["username"].as_str()), (200, Some("anna")));
        let (s, v) = app.post_anon("/api/v1/auth/login", json!({ "username": "anna@example.com", "password": "password-123" })).await;
        assert_eq!(s, 200, "login by e-mail: {v}");
        let (s, v) = app.post_anon("/api/v1/auth/login", json!({ "username": "anna", "password": "wrong-password" })).await;
        assert_eq!((s, v["error"]["code"].as_str()), (401, Some("invalid_credentials")));
        let (s, _) = app.post_anon("/api/v1/auth/login", json!({ "username": "nobody", "password": "wrong-password" })).await;
        assert_eq!(s, 401);
        // The account allows 5 attempts at once; the next ones wait.
        let mut last = 0;
        for _ in 0..6 {
            last = app.post_anon("/api/v1/auth/login", json!({ "username": "anna", "password": "wrong-password" })).await.0;
        }
        assert_eq!(last, 429);
        let resp = app.http.post(app.url("/api/v1/auth/login")).json(&json!({ "username": "anna", "password": "x" })).send().await.unwrap();
        assert_eq!(resp.status(), 429);
        assert!(resp.headers().get("retry-after").is_some());
        // Logout ends the token.
        let (s, _) = app.post(&token, "/api/v1/auth/logout", json!({})).await;
        assert_eq!(s, 204);
        let (s, v) = app.get(&token, "/api/v1/me").await;
        assert_eq!((s, v["error"]["code"].as_str()), (401, Some("unauthorized")));
        app.stop().await;
    };

    validation_errors_name_the_field_in_the_callers_language => |app: TestApp| async move {
        let (_, token) = app.member("anna").await;
        let room = app.room(&token, "general", "channel", &[]).await;
        let path = format!("/api/v1/rooms/{room}/messages");
        let (s, v) = app.post(&token, &path, json!({ "body": "   " })).await;
        assert_eq!((s, v["error"]["code"].as_str(), v["error"]["field"].as_str()), (422, Some("required"), Some("body")));
        let (s, v) = app.post(&token, &path, json!({ "body": "x".repeat(8001) })).await;
        assert_eq!((s, v["error"]["code"].as_str()), (422, Some("too_long")));
        assert!(v["error"]["message"].as_str().unwrap().contains("8000"), "{v}");
        let (s, v) = app.post(&token, &path, json!({ "body": 5 })).await;
        assert_eq!((s, v["error"]["field"].as_str()), (422, Some("body")));
        let (s, v) = app.post(&token, "/api/v1/rooms", json!({ "name": "x", "kind": "castle" })).await;
        assert_eq!((s, v["error"]["code"].as_str(), v["error"]["field"].as_str()), (422, Some("invalid_choice"), Some("kind")));
        let (s, v) = app.get(&token, "/api/v1/rooms/abc/messages").await;
        assert_eq!((s, v["error"]["code"].as_str()), (400, Some("invalid_path")));
        let (s, _) = app.send_raw(&token, &path, "{not json").await;
        assert_eq!(s, 400);
        // Russian for a Russian-speaking caller.
        app.patch(&token, "/api/v1/me", json!({ "locale": "ru" })).await;
        let (_, v) = app.post(&token, &path, json!({ "body": "" })).await;
        let msg = v["error"]["message"].as_str().unwrap();
        assert!(msg.chars().any(|c| ('а'..='я').contains(&c)), "Russian message expected: {msg}");
        app.stop().await;
    };

    rooms_messages_unread_and_nonce_retries => |app: TestApp| async move {
        let (a, ta) = app.member("anna").await;
        let (b, tb) = app.member("boris").await;
        let room = app.room(&ta, "general", "channel", &[b]).await;
        for i in 1..=3 {
            let m = app.say(&ta, room, &format!("**hello** {i} @boris")).await;
            assert_eq!(m["seq"], i);
            assert_eq!(m["author_id"], a);
            assert!(m["html"].as_str().unwrap().contains("<strong>hello</strong>"));
        }
        let (_, rooms) = app.get(&tb, "/api/v1/rooms").await;
        let r = &rooms["rooms"][0];
        assert_eq!((r["unread"].as_i64(), r["mentions"].as_i64()), (Some(3), Some(3)));
        let (s, v) = app.post(&tb, &format!("/api/v1/rooms/{room}/read"), json!({ "seq": 2 })).await;
        assert_eq!((s, v["last_read_seq"].as_i64()), (200, Some(2)));
        let (_, rooms) = app.get(&tb, "/api/v1/rooms").await;
        assert_eq!(rooms["rooms"][0]["unread"], 1);

        let path = format!("/api/v1/rooms/{room}/messages");
        let (s1, m1) = app.post(&ta, &path, json!({ "body": "once", "nonce": "abc-1" })).await;
        let (s2, m2) = app.post(&ta, &path, json!({ "body": "once", "nonce": "abc-1" })).await;
        assert_eq!((s1, s2), (201, 200));
        assert_eq!(m1["id"], m2["id"]);
        let (_, page) = app.get(&ta, &format!("{path}?limit=2")).await;
        assert_eq!(page["messages"].as_array().unwrap().iter().map(|m| m["seq"].as_i64().unwrap()).collect::<Vec<_>>(), [3, 4]);
        assert_eq!(page["has_more"], true);
        let (_, page) = app.get(&ta, &format!("{path}?before_seq=3&limit=50")).await;
        assert_eq!(page["messages"].as_array().unwrap().len(), 2);
        assert_eq!(page["has_more"], false);
        let (s, v) = app.get(&ta, &format!("{path}?limit=1000")).await;
        assert_eq!((s, v["error"]["field"].as_str()), (400, Some("limit")));

        // Broadcast: only editors post.
        let news = app.room(&ta, "news", "broadcast", &[b]).await;
        let (s, v) = app.post(&tb, &format!("/api/v1/rooms/{news}/messages"), json!({ "body": "hi" })).await;
        assert_eq!((s, v["error"]["code"].as_str()), (403, Some("cannot_post")));
        // Direct rooms are created once.
        let (s1, d1) = app.post(&ta, "/api/v1/rooms", json!({ "kind": "direct", "members": [b] })).await;
        let (s2, d2) = app.post(&tb, "/api/v1/rooms", json!({ "kind": "direct", "members": [a] })).await;
        assert_eq!((s1, s2), (201, 200));
        assert_eq!(d1["id"], d2["id"]);
        assert_eq!(d2["title"], "anna display");
        app.stop().await;
    };

    edits_deletes_reactions_and_pins_reach_the_gateway => |app: TestApp| async move {
        let (_, ta) = app.member("anna").await;
        let (b, tb) = app.member("boris").await;
        let room = app.room(&ta, "general", "channel", &[b]).await;
        let mut ws = app.ws_live(&tb).await;
        let m = app.say(&ta, room, "first").await;
        let id = m["id"].as_i64().unwrap();
        let base = format!("/api/v1/rooms/{room}/messages/{id}");
        let (s, _) = app.patch(&tb, &base, json!({ "body": "not yours" })).await;
        assert_eq!(s, 403, "only the author edits");
        let (s, e) = app.patch(&ta, &base, json!({ "body": "first, edited" })).await;
        assert_eq!(s, 200, "{e}");
        let (s, _) = app.put(&tb, &format!("{base}/reactions/%F0%9F%91%8D")).await;
        assert_eq!(s, 200);
        let (s, _) = app.put(&ta, &format!("/api/v1/rooms/{room}/pins/{id}")).await;
        assert_eq!(s, 200);
        let (s, _) = app.delete(&tb, &base).await;
        assert_eq!(s, 403, "members cannot delete others' messages");
        let (s, d) = app.delete(&ta, &base).await;
        assert_eq!((s, d["deleted"].as_bool()), (200, Some(true)));
        let events = ws.room_events(5).await;
        let types: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
        assert_eq!(types, ["message.created", "message.updated", "reaction.added", "message.updated", "message.deleted"]);
        assert_eq!(seqs(&events), [1, 2, 3, 4, 5]);
        assert_eq!(events[1]["message"]["body"], "first, edited");
        assert_eq!(events[2]["reactions"][0]["user_ids"][0], b);
        assert_eq!(events[3]["message"]["pinned"], true);
        assert_eq!(events[4]["message"]["body"], "");
        app.stop().await;
    };

    private_rooms_stay_private => |app: TestApp| async move {
        let (_, ta) = app.member("anna").await;
        let (b, tb) = app.member("boris").await;
        let (_, to) = app.member("olga").await;
        let secret = app.room(&ta, "secret", "group", &[b]).await;
        let mut spy = app.ws_live(&to).await;
        app.say(&ta, secret, "секретный план запуска").await;
        let (s, v) = app.get(&to, &format!("/api/v1/rooms/{secret}/messages")).await;
        assert_eq!((s, v["error"]["code"].as_str()), (404, Some("not_found")));
        let (s, _) = app.get(&to, &format!("/api/v1/rooms/{secret}")).await;
        assert_eq!(s, 404);
        let (s, _) = app.post(&to, &format!("/api/v1/rooms/{secret}/join"), json!({})).await;
        assert_eq!(s, 404);
        let (s, _) = app.post(&to, &format!("/api/v1/rooms/{secret}/messages"), json!({ "body": "hi" })).await;
        assert_eq!(s, 404);
        let (_, found) = app.get(&to, "/api/v1/search?q=%D0%BF%D0%BB%D0%B0%D0%BD").await;
        assert_eq!(found["results"].as_array().unwrap().len(), 0, "search shows nothing: {found}");
        let (_, found) = app.get(&tb, "/api/v1/search?q=%D0%BF%D0%BB%D0%B0%D0%BD").await;
        assert_eq!(found["results"].as_array().unwrap().len(), 1, "a member finds it");
        let (s, _) = app.get(&to, &format!("/api/v1/search?q=x&room_id={secret}")).await;
        assert_eq!(s, 404);
        // Asking the gateway to replay it yields nothing either.
        spy.send(json!({ "op": "resume", "rooms": { secret.to_string(): 0 } })).await;
        let ready = spy.next_of("ready").await;
        assert!(ready.is_some());
        app.say(&ta, secret, "ещё секрет").await;
        spy.assert_quiet(Duration::from_millis(500)).await;
        app.stop().await;
    };

    search_in_russian_and_english => |app: TestApp| async move {
        let (_, ta) = app.member("anna").await;
        let room = app.room(&ta, "general", "channel", &[]).await;
        app.say(&ta, room, "Баны выдаём за спам").await;
        app.say(&ta, room, "Как банить спамеров?").await;
        app.say(&ta, room, "Deploying the new releases today").await;
        let (s, v) = app.get(&ta, "/api/v1/search?q=%D0%B1%D0%B0%D0%BD").await;
        assert_eq!(s, 200);
        let bodies: Vec<&str> = v["results"].as_array().unwrap().iter().map(|r| r["message"]["body"].as_str().unwrap()).collect();
        assert_eq!(bodies, ["Как банить спамеров?", "Баны выдаём за спам"]);
        assert_eq!(v["results"][0]["room"]["id"], room);
        let (_, v) = app.get(&ta, "/api/v1/search?q=release").await;
        assert_eq!(v["results"].as_array().unwrap().len(), 1);
        let (s, v) = app.get(&ta, "/api/v1/search").await;
        assert_eq!((s, v["error"]["code"].as_str()), (400, Some("invalid_query")));
        app.stop().await;
    };

    resume_after_a_cut_delivers_everything_once_in_order => |app: TestApp| async move {
        let (_, ta) = app.member("anna").await;
        let (b, tb) = app.member("boris").await;
        let room = app.room(&ta, "general", "channel", &[b]).await;
        const N: usize = 60;
        let writer = {
            let http = app.http.clone();
            let url = app.url(&format!("/api/v1/rooms/{room}/messages"));
            let ta = ta.clone();
            tokio::spawn(async move {
                for i in 0..N {
                    let r = http.post(&url).bearer_auth(&ta).json(&json!({ "body": format!("burst {i}") })).send().await.unwrap();
                    assert_eq!(r.status(), 201);
                    if i % 10 == 0 {
                        tokio::time::sleep(Duration::from_millis(15)).await;
                    }
                }
            })
        };
        let mut got: Vec<i64> = Vec::new();
        let mut last = 0i64;
        // Cut the connection three times in the middle of the burst.
        for cut in 0..4 {
            let mut ws = app.ws(&tb).await;
            ws.send(json!({ "op": "resume", "rooms": { room.to_string(): last } })).await;
            let take = if cut < 3 { 7 } else { usize::MAX };
            let mut n = 0;
            while n < take {
                let Some(v) = ws.next_within(Duration::from_secs(3)).await else { break };
                if v["type"] == "message.created" {
                    let seq = v["seq"].as_i64().unwrap();
                    got.push(seq);
                    last = seq;
                    n += 1;
                    if seq as usize == N {
                        break;
                    }
                }
            }
            drop(ws);
            if last as usize == N {
                break;
            }
        }
        writer.await.unwrap();
        if (last as usize) < N {
            let mut ws = app.ws(&tb).await;
            ws.send(json!({ "op": "resume", "rooms": { room.to_string(): last } })).await;
            while let Some(v) = ws.next_within(Duration::from_secs(3)).await {
                if v["type"] == "message.created" {
                    got.push(v["seq"].as_i64().unwrap());
                }
                if v["type"] == "ready" && got.len() >= N {
                    break;
                }
            }
        }
        assert_eq!(got, (1..=N as i64).collect::<Vec<_>>(), "every event once, in order");
        app.stop().await;
    };

    resume_from_the_future_resyncs_and_long_gaps_reload => |app: TestApp| async move {
        let (_, ta) = app.member("anna").await;
        let room = app.room(&ta, "general", "channel", &[]).await;
        for i in 0..3 {
            app.say(&ta, room, &format!("m{i}")).await;
        }
        let mut ws = app.ws(&ta).await;
        ws.send(json!({ "op": "resume", "rooms": { room.to_string(): 999 } })).await;
        let r = ws.next_of("resync").await.expect("resync");
        assert_eq!((r["room_id"].as_i64(), r["seq"].as_i64()), (Some(room), Some(3)));
        assert!(ws.next_of("ready").await.is_some());
        app.say(&ta, room, "after").await;
        let e = ws.next_of("message.created").await.unwrap();
        assert_eq!(e["seq"], 4, "live events continue from the server's position");
        app.stop().await;
    };

    logout_closes_that_sessions_sockets_and_nonces_belong_to_one_room => |app: TestApp| async move {
        let (_, ta) = app.member("anna").await;
        let (_, other) = app.post_anon("/api/v1/auth/login", json!({ "username": "anna", "password": "password-123" })).await;
        let other = other["token"].as_str().unwrap().to_string();
        let mut ws = app.ws_live(&ta).await;
        let mut ws_other = app.ws_live(&other).await;
        let (s, _) = app.post(&ta, "/api/v1/auth/logout", json!({})).await;
        assert_eq!(s, 204);
        let closed = loop {
            match tokio::time::timeout(Duration::from_secs(5), futures_util::StreamExt::next(&mut ws.stream)).await {
                Ok(Some(Ok(tokio_tungstenite::tungstenite::Message::Close(f)))) => break f.map(|f| u16::from(f.code)),
                Ok(Some(Ok(_))) => continue,
                other => panic!("expected a close frame, got {other:?}"),
            }
        };
        assert_eq!(closed, Some(4003), "the logged-out session's socket is closed");
        ws_other.send(json!({ "op": "ping" })).await;
        assert!(ws_other.next_of("pong").await.is_some(), "the other session stays connected");

        let r1 = app.room(&other, "one", "channel", &[]).await;
        let r2 = app.room(&other, "two", "channel", &[]).await;
        let (s, _) = app.post(&other, &format!("/api/v1/rooms/{r1}/messages"), json!({ "body": "a", "nonce": "n-7" })).await;
        assert_eq!(s, 201);
        let (s, v) = app.post(&other, &format!("/api/v1/rooms/{r2}/messages"), json!({ "body": "a", "nonce": "n-7" })).await;
        assert_eq!((s, v["error"]["field"].as_str()), (409, Some("nonce")), "{v}");
        app.stop().await;
    };

    many_clients_receive_every_message_in_order => |app: TestApp| async move {
        let (_, ta) = app.member("anna").await;
        let mut ids = Vec::new();
        let mut tokens = Vec::new();
        for i in 0..8 {
            let (id, t) = app.member(&format!("reader{i}")).await;
            ids.push(id);
            tokens.push(t);
        }
        let room = app.room(&ta, "general", "channel", &ids).await;
        let mut sockets = Vec::new();
        for t in &tokens {
            sockets.push(app.ws_live(t).await);
        }
        // Four concurrent writers.
        let mut writers = Vec::new();
        for w in 0..4 {
            let http = app.http.clone();
            let url = app.url(&format!("/api/v1/rooms/{room}/messages"));
            let ta = ta.clone();
            writers.push(tokio::spawn(async move {
                for i in 0..10 {
                    let r = http.post(&url).bearer_auth(&ta).json(&json!({ "body": format!("w{w} {i}") })).send().await.unwrap();
                    assert_eq!(r.status(), 201);
                }
            }));
        }
        for w in writers {
            w.await.unwrap();
        }
        for ws in &mut sockets {
            let events = ws.room_events(40).await;
            assert_eq!(seqs(&events), (1..=40).collect::<Vec<i64>>());
        }
        app.stop().await;
    };

    gateway_send_acks_after_storing_and_typing_reaches_others => |app: TestApp| async move {
        let (_, ta) = app.member("anna").await;
        let (b, tb) = app.member("boris").await;
        let room = app.room(&ta, "general", "channel", &[b]).await;
        let mut wa = app.ws_live(&ta).await;
        let mut wb = app.ws_live(&tb).await;
        wa.send(json!({ "op": "send", "room_id": room, "body": "через сокет", "nonce": "ws-1" })).await;
        let ack = wa.next_of("ack").await.expect("ack");
        assert_eq!(ack["nonce"], "ws-1");
        let id = ack["message"]["id"].as_i64().unwrap();
        let stored = app.get(&ta, &format!("/api/v1/rooms/{room}/messages/{id}")).await;
        assert_eq!(stored.0, 200, "acknowledged means stored");
        let ev = wb.next_of("message.created").await.unwrap();
        assert_eq!(ev["message"]["body"], "через сокет");
        wa.send(json!({ "op": "send", "room_id": room, "body": "", "nonce": "ws-2" })).await;
        let err = wa.next_of("error").await.unwrap();
        assert_eq!((err["code"].as_str(), err["field"].as_str(), err["nonce"].as_str()), (Some("required"), Some("body"), Some("ws-2")));
        wa.send(json!({ "op": "typing", "room_id": room })).await;
        let t = wb.next_of("typing").await.unwrap();
        assert_eq!(t["room_id"], room);
        wa.send(json!({ "op": "ping" })).await;
        assert!(wa.next_of("pong").await.is_some());
        app.stop().await;
    };

    membership_changes_reach_connected_clients => |app: TestApp| async move {
        let (_, ta) = app.member("anna").await;
        let (b, tb) = app.member("boris").await;
        let mut wb = app.ws_live(&tb).await;
        let room = app.room(&ta, "general", "channel", &[]).await;
        let (s, v) = app.post(&ta, &format!("/api/v1/rooms/{room}/members"), json!({ "user_ids": [b] })).await;
        assert_eq!((s, v["added"][0].as_i64()), (200, Some(b)));
        let created = wb.next_of("room.created").await.expect("room.created");
        assert_eq!(created["room"]["id"], room);
        app.say(&ta, room, "welcome").await;
        let m = wb.next_of("message.created").await.expect("live after joining");
        assert_eq!(m["message"]["body"], "welcome");
        let (s, _) = app.post(&tb, &format!("/api/v1/rooms/{room}/leave"), json!({})).await;
        assert_eq!(s, 204);
        assert!(wb.next_of("room.removed").await.is_some());
        app.say(&ta, room, "after leaving").await;
        wb.assert_quiet(Duration::from_millis(400)).await;
        // A public channel can be joined by anyone but guests.
        let (s, v) = app.post(&tb, &format!("/api/v1/rooms/{room}/join"), json!({})).await;
        assert_eq!((s, v["my_role"].as_str()), (200, Some("member")));
        let (_, g) = app.user("guest1", SystemRole::Guest).await;
        let (s, _) = app.post(&g, &format!("/api/v1/rooms/{room}/join"), json!({})).await;
        assert_eq!(s, 404, "guests do not see public rooms they were not put in");
        app.stop().await;
    };

    attachments_upload_and_permissions => |app: TestApp| async move {
        let (_, ta) = app.member("anna").await;
        let (b, tb) = app.member("boris").await;
        let (_, to) = app.member("olga").await;
        let room = app.room(&ta, "team", "group", &[b]).await;
        let png: Vec<u8> = b"\x89PNG\r\n\x1a\n0000000000000000".to_vec();
        let form = reqwest::multipart::Form::new()
            .part("file", reqwest::multipart::Part::bytes(png.clone()).file_name("shot.png").mime_str("image/png").unwrap());
        let resp = app.http.post(app.url(&format!("/api/v1/rooms/{room}/attachments"))).bearer_auth(&ta).multipart(form).send().await.unwrap();
        assert_eq!(resp.status(), 201);
        let att: Value = resp.json().await.unwrap();
        assert_eq!(att["is_image"], true);
        // A script dressed as a picture is refused.
        let form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(b"<script>alert(1)</script>".to_vec()).file_name("x.png").mime_str("image/png").unwrap(),
        );
        let resp = app.http.post(app.url(&format!("/api/v1/rooms/{room}/attachments"))).bearer_auth(&ta).multipart(form).send().await.unwrap();
        assert_eq!(resp.status(), 415);
        let url = att["url"].as_str().unwrap().to_string();
        let (s, _) = app.get(&tb, &url).await;
        assert_eq!(s, 404, "not visible until sent");
        let (s, m) = app.post(&ta, &format!("/api/v1/rooms/{room}/messages"), json!({ "body": "see", "attachments": [att["id"]] })).await;
        assert_eq!(s, 201, "{m}");
        assert_eq!(m["attachments"][0]["id"], att["id"]);
        let resp = app.http.get(app.url(&url)).bearer_auth(&tb).send().await.unwrap();
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.headers()["content-type"], "image/png");
        assert_eq!(resp.bytes().await.unwrap().to_vec(), png);
        let (s, _) = app.get(&to, &url).await;
        assert_eq!(s, 404, "outsiders cannot fetch it");
        app.stop().await;
    };

    openapi_health_and_security_headers => |app: TestApp| async move {
        let (s, doc) = app.get("", "/api/v1/openapi.json").await;
        assert_eq!(s, 200);
        let paths = doc["paths"].as_object().unwrap();
        for p in ["/auth/login", "/me", "/users", "/rooms", "/rooms/{id}/messages", "/rooms/{id}/messages/{msg_id}",
                  "/rooms/{id}/read", "/search", "/gateway", "/rooms/{id}/attachments", "/rooms/{id}/pins/{msg_id}"] {
            assert!(paths.contains_key(p), "openapi lacks {p}");
        }
        let resp = app.http.get(app.url("/healthz")).send().await.unwrap();
        assert_eq!(resp.status(), 200);
        let csp = resp.headers()["content-security-policy"].to_str().unwrap().to_string();
        assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"), "{csp}");
        assert_eq!(resp.headers()["x-content-type-options"], "nosniff");
        assert_eq!(app.http.get(app.url("/readyz")).send().await.unwrap().status(), 200);
        let (_, ta) = app.member("anna").await;
        let room = app.room(&ta, "general", "channel", &[]).await;
        app.say(&ta, room, "count me").await;
        let metrics = app.http.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
        assert!(metrics.contains("steward_messages_total"), "{metrics}");
        app.stop().await;
    };
}

trait SendRaw {
    async fn send_raw(&self, token: &str, path: &str, body: &str) -> (u16, Value);
}

impl SendRaw for TestApp {
    async fn send_raw(&self, token: &str, path: &str, body: &str) -> (u16, Value) {
        let resp = self
            .http
            .post(self.url(path))
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        let s = resp.status().as_u16();
        (s, resp.json().await.unwrap_or(Value::Null))
    }
}
