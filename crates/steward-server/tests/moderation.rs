//! Moderation over real HTTP and WebSocket: rules hold, block and warn;
//! the warn ladder mutes; sanctions keep people out and end by themselves;
//! reports merge into cases; appeals lift sanctions; the modlog has it all.

mod common;

use common::{Db, TestApp};
use serde_json::{Value, json};
use steward_core::SystemRole;

fn rules() -> Value {
    json!({ "rules": [
        { "id": "abuse", "name": "Мат", "kind": { "type": "words", "presets": ["ru_obscene", "en_profanity"] }, "action": { "type": "hold" } },
        { "id": "invites", "name": "Чужие чаты", "kind": { "type": "links", "block_invites": true }, "action": { "type": "block", "message": "Ссылки на другие чаты здесь нельзя" } },
        { "id": "annoyed", "name": "Раздражение", "kind": { "type": "words", "words": ["бесит*"] }, "action": { "type": "warn", "message": "Спокойнее" } },
        { "id": "trial", "name": "Проба", "kind": { "type": "words", "words": ["пицц*"] }, "action": { "type": "delete" }, "dry_run": true },
    ]})
}

both! {
    rules_hold_block_warn_and_log => |app: TestApp| async move {
        let (_, admin) = app.user("admin", SystemRole::Admin).await;
        let (_, moder) = app.user("moder", SystemRole::Moderator).await;
        let (m, member) = app.member("member").await;
        let room = app.room(&admin, "chat", "channel", &[m]).await;
        let post = |token: String, body: &'static str| {
            let app = &app;
            async move { app.post(&token, &format!("/api/v1/rooms/{room}/messages"), json!({ "body": body })).await }
        };

        // Bad rules are refused with the rule and the problem.
        let bad = json!({ "rules": [{ "id": "r", "name": "r", "kind": { "type": "regex", "patterns": ["(unclosed"] }, "action": { "type": "hold" } }] });
        let (s, v) = app.put_json(&admin, "/api/v1/moderation/rules", bad).await;
        assert_eq!((s, v["error"]["code"].as_str(), v["error"]["detail"]["rule"].as_str()), (422, Some("invalid_rule"), Some("r")), "{v}");
        assert_eq!(app.put_json(&member, "/api/v1/moderation/rules", rules()).await.0, 403);
        let (s, v) = app.put_json(&moder, "/api/v1/moderation/rules", rules()).await;
        assert_eq!(s, 200, "{v}");
        assert_eq!(v["rules"].as_array().unwrap().len(), 4);
        assert!(v["presets"].as_array().unwrap().iter().any(|p| p["id"] == "ru_obscene"));

        // Ordinary words pass; disguised abuse is held for review.
        assert_eq!(post(member.clone(), "Нельзя употреблять в пищу, оскорбление не повод").await.0, 201);
        let (s, v) = post(member.clone(), "ну ты и п.и.з.д.а").await;
        assert_eq!((s, v["error"]["code"].as_str()), (202, Some("held")), "{v}");
        let (s, v) = post(member.clone(), "вступайте t.me/joinchat/abcdef").await;
        assert_eq!((s, v["error"]["code"].as_str()), (422, Some("blocked")), "{v}");
        assert_eq!(v["error"]["detail"]["message"], "Ссылки на другие чаты здесь нельзя", "the author is told why");
        let (s, _) = post(member.clone(), "закажем пиццу?").await;
        assert_eq!(s, 201, "a dry-run rule only records");

        // The held queue: approve posts it as its author; a second decision is refused.
        let (_, held) = app.get(&moder, "/api/v1/moderation/held").await;
        let held_id = held["held"][0]["id"].as_i64().expect("held");
        assert_eq!(held["held"][0]["body"], "ну ты и п.и.з.д.а");
        let (s, msg) = app.post(&moder, &format!("/api/v1/moderation/held/{held_id}/approve"), json!({})).await;
        assert_eq!((s, msg["author"]["id"].as_i64()), (200, Some(m)), "{msg}");
        assert_eq!(app.post(&moder, &format!("/api/v1/moderation/held/{held_id}/reject"), json!({})).await.0, 409);

        // Warnings climb the ladder to a mute the person sees, with its reason and end.
        let mut ws = app.ws_live(&member).await;
        assert_eq!(post(member.clone(), "меня бесит этот баг").await.0, 201, "a warning lets the message through");
        let sanction = ws.next_of("moderation.sanction").await.expect("told of the warning");
        assert_eq!(sanction["sanction"]["kind"], "warn");
        post(member.clone(), "бесит, бесит").await;
        assert_eq!(post(member.clone(), "бесит третий раз").await.0, 201);
        let (s, v) = post(member.clone(), "а просто так?").await;
        assert_eq!((s, v["error"]["code"].as_str()), (403, Some("muted")), "three warnings in 30 days mute: {v}");
        assert!(v["error"]["detail"]["until"].is_string() && v["error"]["detail"]["reason"].as_str().unwrap().contains("3"));
        let (_, mine) = app.get(&member, "/api/v1/me/sanctions").await;
        let mute = mine["sanctions"].as_array().unwrap().iter().find(|s| s["kind"] == "mute").unwrap().clone();

        // Appeal: once per cooldown; accepted, the mute is lifted and the person told.
        let (s, a) = app.post(&member, &format!("/api/v1/me/sanctions/{}/appeal", mute["id"]), json!({ "text": "Я больше не буду" })).await;
        assert_eq!(s, 201, "{a}");
        let (s, v) = app.post(&member, &format!("/api/v1/me/sanctions/{}/appeal", mute["id"]), json!({ "text": "Ну пожалуйста" })).await;
        assert_eq!((s, v["error"]["field"].as_str()), (422, Some("appeal")), "{v}");
        let (_, queue) = app.get(&moder, "/api/v1/moderation/appeals").await;
        assert_eq!(queue["appeals"][0]["sanction"]["kind"], "mute", "with the evidence");
        let (s, _) = app.post(&moder, &format!("/api/v1/moderation/appeals/{}/decide", a["id"]), json!({ "accept": true, "note": "Поверим" })).await;
        assert_eq!(s, 204);
        assert_eq!(ws.next_of("moderation.appeal_decided").await.unwrap()["note"], "Поверим");
        assert_eq!(post(member.clone(), "спасибо").await.0, 201, "free to write again");

        // The modlog holds every action, by rules and people, with evidence; exportable.
        let (_, log) = app.get(&moder, "/api/v1/moderation/log").await;
        let actions: Vec<&str> = log["entries"].as_array().unwrap().iter().filter_map(|e| e["action"].as_str()).collect();
        for a in ["rules.update", "rule.hold", "rule.block", "rule.delete", "held.approve", "sanction.warn", "sanction.mute", "appeal.file", "appeal.accept", "sanction.lift_mute"] {
            assert!(actions.contains(&a), "{a} missing from {actions:?}");
        }
        let trial = log["entries"].as_array().unwrap().iter().find(|e| e["action"] == "rule.delete").unwrap();
        assert_eq!(trial["dry_run"], true);
        assert!(trial["evidence"].as_str().unwrap().contains("пиццу"));
        let csv = app.http.get(app.url("/api/v1/moderation/log?format=csv&action=sanction.")).bearer_auth(&moder).send().await.unwrap().text().await.unwrap();
        assert!(csv.starts_with("id,at,actor_id") && csv.contains("sanction.mute"));
        assert_eq!(app.get(&member, "/api/v1/moderation/log").await.0, 403);

        // The try box shows the forms and the rule that fires.
        let (s, v) = app.post(&moder, "/api/v1/moderation/try", json!({ "text": "gbpltw" })).await;
        assert_eq!(s, 200);
        assert!(v["layout"].as_str().unwrap().contains("пиздец"), "{v}");
        assert_eq!(v["hits"][0]["rule_id"], "abuse");
        app.stop().await;
    };

    sanctions_reports_and_cases => |app: TestApp| async move {
        let (_, admin) = app.user("admin", SystemRole::Admin).await;
        let (_, moder) = app.user("moder", SystemRole::Moderator).await;
        let (a, anna) = app.member("anna").await;
        let (b, boris) = app.member("boris").await;
        let (vid, vera) = app.member("vera").await;
        let room = app.room(&admin, "chat", "channel", &[a, b, vid]).await;
        let rude = app.say(&boris, room, "вы все неправы").await;
        let rude_id = rude["id"].as_i64().unwrap();

        // Reports on one message merge; a moderator's report weighs more; nobody reports themselves.
        let report = |token: String, reason: &'static str| {
            let app = &app;
            async move { app.post(&token, &format!("/api/v1/rooms/{room}/messages/{rude_id}/report"), json!({ "reason": reason })).await }
        };
        let (s, r1) = report(anna.clone(), "грубо").await;
        assert_eq!(s, 201, "{r1}");
        let (_, r2) = report(vera.clone(), "оскорбляет").await;
        assert_eq!(r1["case_id"], r2["case_id"], "one case per message");
        let (_, again) = report(anna.clone(), "ещё раз").await;
        assert_eq!(again["new"], false);
        assert_eq!(report(boris.clone(), "x").await.1["error"]["code"], "own_message");
        assert_eq!(report(anna.clone(), "  ").await.1["error"]["field"], "reason");
        let other = app.say(&anna, room, "спор").await["id"].as_i64().unwrap();
        app.post(&vera, &format!("/api/v1/rooms/{room}/messages/{other}/report"), json!({ "reason": "спам" })).await;
        app.post(&moder, &format!("/api/v1/rooms/{room}/messages/{other}/report"), json!({ "reason": "точно спам" })).await;
        let (_, cases) = app.get(&moder, "/api/v1/moderation/cases").await;
        let list = cases["cases"].as_array().unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!(list[0]["message_id"], other, "the trusted reporter's case goes first");
        let case = list.iter().find(|c| c["message_id"] == rude_id).unwrap();
        assert_eq!((case["reports"].as_i64(), case["reasons"].as_array().unwrap().len()), (Some(2), 2));
        assert_eq!(app.get(&anna, "/api/v1/moderation/cases").await.0, 403);

        // Escalate one; resolve it by removing the message and muting the author (bulk-capable).
        assert_eq!(app.post(&moder, &format!("/api/v1/moderation/cases/{}/escalate", case["id"]), json!({})).await.0, 204);
        let (_, esc) = app.get(&admin, "/api/v1/moderation/cases?escalated=true").await;
        assert_eq!(esc["cases"].as_array().unwrap().len(), 1);
        let body = json!({ "case_ids": [case["id"]], "outcome": "removed", "sanction": "mute", "duration_secs": 1 });
        let (s, v) = app.post(&moder, "/api/v1/moderation/cases/resolve", body).await;
        assert_eq!((s, v["resolved"].as_array().unwrap().len()), (200, 1), "{v}");
        let (_, msg) = app.get(&anna, &format!("/api/v1/rooms/{room}/messages/{rude_id}")).await;
        assert_eq!(msg["deleted"], true);
        let (s, v) = app.post(&boris, &format!("/api/v1/rooms/{room}/messages"), json!({ "body": "эй" })).await;
        assert_eq!((s, v["error"]["code"].as_str()), (403, Some("muted")));
        // The mute ends by itself: the sweep (durable, from the database) lifts it.
        tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
        assert!(steward_server::moderation::sweep(&app.server.state).await.unwrap() >= 1);
        assert_eq!(app.post(&boris, &format!("/api/v1/rooms/{room}/messages"), json!({ "body": "эй" })).await.0, 201);

        // A case closes by itself when its message is removed.
        app.delete(&anna, &format!("/api/v1/rooms/{room}/messages/{other}")).await;
        let (_, open) = app.get(&moder, "/api/v1/moderation/cases").await;
        assert!(open["cases"].as_array().unwrap().is_empty(), "{open}");

        // A ban takes the person out and keeps them out; lifting lets them back.
        let mut ws = app.ws_live(&vera).await;
        let ban = json!({ "user_id": vid, "room_id": room, "kind": "ban", "reason": "флуд" });
        let (s, e) = app.post(&anna, "/api/v1/moderation/sanctions", ban.clone()).await;
        assert_eq!(s, 403, "{e}");
        let (s, sanction) = app.post(&moder, "/api/v1/moderation/sanctions", ban).await;
        assert_eq!(s, 201, "{sanction}");
        assert_eq!(ws.next_of("room.removed").await.unwrap()["room_id"], room);
        let (s, v2) = app.post(&vera, &format!("/api/v1/rooms/{room}/join"), json!({})).await;
        assert_eq!((s, v2["error"]["code"].as_str()), (403, Some("banned")), "{v2}");
        assert_eq!(v2["error"]["detail"]["reason"], "флуд");
        let (s, _) = app.post(&moder, "/api/v1/moderation/sanctions", json!({ "user_id": a, "kind": "mute", "reason": "x" })).await;
        assert_eq!(s, 422, "a mute needs a duration");
        let (s, e) = app.post(&moder, "/api/v1/moderation/sanctions", json!({ "user_id": 1, "kind": "ban", "reason": "x" })).await;
        assert_eq!(s, 403, "moderators do not ban admins: {e}");
        let (s, _) = app.post(&moder, &format!("/api/v1/moderation/sanctions/{}/lift", sanction["id"]), json!({ "reason": "ошибка" })).await;
        assert_eq!(s, 200);
        assert_eq!(app.post(&vera, &format!("/api/v1/rooms/{room}/join"), json!({})).await.0, 200, "back in");
        let (_, hist) = app.get(&moder, &format!("/api/v1/moderation/sanctions?user_id={vid}")).await;
        assert!(hist["sanctions"][0]["ended_at"].is_string());

        // The room's modlog: private by default; published, without evidence and (if chosen) names.
        let (s, e) = app.get(&anna, &format!("/api/v1/rooms/{room}/modlog")).await;
        assert_eq!((s, e["error"]["code"].as_str()), (403, Some("modlog_private")));
        let (s, _) = app.put_json(&admin, "/api/v1/admin/settings", json!({ "public_modlog": true, "modlog_hide_moderators": true })).await;
        assert_eq!(s, 200);
        let (s, public) = app.get(&anna, &format!("/api/v1/rooms/{room}/modlog")).await;
        assert_eq!(s, 200, "{public}");
        let entries = public["entries"].as_array().unwrap();
        assert!(entries.iter().any(|e| e["action"] == "sanction.ban" && e["reason"] == "флуд"));
        assert!(entries.iter().all(|e| e["actor_id"].is_null() && e.get("evidence").is_none()), "{public}");
        assert!(!entries.iter().any(|e| e["action"] == "report.file"), "reports stay private");
        app.stop().await;
    };
    heat_alerts_when_two_people_trade_blows => |app: TestApp| async move {
        let (_, moder) = app.user("moder", SystemRole::Moderator).await;
        let (a, anna) = app.member("anna").await;
        let (b, boris) = app.member("boris").await;
        let room = app.room(&moder, "chat", "channel", &[a, b]).await;
        let mut ws = app.ws_live(&moder).await;
        for i in 0..4 {
            app.say(&anna, room, &format!("ты неправ {i}")).await;
            app.say(&boris, room, &format!("нет, ты {i}")).await;
        }
        let heat = ws.next_of("moderation.heat").await.expect("moderators hear of it");
        assert_eq!((heat["room_id"].as_i64(), heat["kind"].as_str()), (Some(room), Some("duel")), "{heat}");
        assert_eq!(heat["suggest_slow_mode_secs"], 30);
        let mut users: Vec<i64> = heat["users"].as_array().unwrap().iter().filter_map(|u| u.as_i64()).collect();
        users.sort();
        assert_eq!(users, [a, b]);
        // Once per ten minutes per room.
        app.say(&anna, room, "ещё").await;
        app.say(&boris, room, "и ещё").await;
        while let Some(frame) = ws.next_within(std::time::Duration::from_millis(300)).await {
            assert_ne!(frame["type"], "moderation.heat", "one alert is enough");
        }
        let (_, log) = app.get(&moder, "/api/v1/moderation/log?action=room.heat").await;
        assert_eq!(log["entries"].as_array().unwrap().len(), 1);
        app.stop().await;
    };
    shared_ban_lists_with_local_exemptions => |app: TestApp| async move {
        let (_, admin) = app.user("admin", SystemRole::Admin).await;
        let (_, moder) = app.user("moder", SystemRole::Moderator).await;
        let (x, spammer) = app.member("spammer").await;
        let (_, member) = app.member("member").await;
        let a = app.room(&admin, "alpha", "channel", &[x]).await;
        let b = app.room(&admin, "beta", "channel", &[x]).await;
        let (s, v) = app.post(&moder, "/api/v1/moderation/banlists", json!({ "name": "Спамеры", "description": "общий список" })).await;
        assert_eq!(s, 201, "{v}");
        let list = v["lists"][0]["id"].as_i64().unwrap();
        assert_eq!(app.post(&moder, "/api/v1/moderation/banlists", json!({ "name": "Спамеры" })).await.0, 409);
        assert_eq!(app.put(&member, &format!("/api/v1/rooms/{a}/banlists/{list}")).await.0, 403, "only the room's managers subscribe it");
        assert_eq!(app.put(&admin, &format!("/api/v1/rooms/{a}/banlists/{list}")).await.0, 204);
        assert_eq!(app.put(&admin, &format!("/api/v1/rooms/{b}/banlists/{list}")).await.0, 204);

        // Listing takes them out of every subscribed room and keeps them out.
        let mut ws = app.ws_live(&spammer).await;
        let (s, _) = app.put_json(&moder, &format!("/api/v1/moderation/banlists/{list}/entries/{x}"), json!({ "reason": "реклама" })).await;
        assert_eq!(s, 204);
        let mut removed = vec![ws.next_of("room.removed").await.unwrap()["room_id"].as_i64().unwrap()];
        removed.push(ws.next_of("room.removed").await.unwrap()["room_id"].as_i64().unwrap());
        removed.sort();
        assert_eq!(removed, [a, b]);
        let (s, v) = app.post(&spammer, &format!("/api/v1/rooms/{a}/join"), json!({})).await;
        assert_eq!((s, v["error"]["code"].as_str(), v["error"]["detail"]["ban_list_id"].as_i64()), (403, Some("banned"), Some(list)), "{v}");
        assert_eq!(v["error"]["detail"]["reason"], "реклама");

        // Room beta exempts them: in beta they are welcome, in alpha not.
        assert_eq!(app.put(&admin, &format!("/api/v1/rooms/{b}/exemptions/{x}")).await.0, 204);
        assert_eq!(app.post(&spammer, &format!("/api/v1/rooms/{b}/join"), json!({})).await.0, 200);
        assert_eq!(app.post(&spammer, &format!("/api/v1/rooms/{b}/messages"), json!({ "body": "привет" })).await.0, 201);
        assert_eq!(app.post(&spammer, &format!("/api/v1/rooms/{a}/join"), json!({})).await.0, 403);
        assert_eq!(app.delete(&admin, &format!("/api/v1/rooms/{b}/exemptions/{x}")).await.0, 204);
        assert_eq!(app.post(&spammer, &format!("/api/v1/rooms/{b}/messages"), json!({ "body": "а теперь?" })).await.0, 403, "out again: not a member any more");

        // Off the list: back in.
        assert_eq!(app.delete(&moder, &format!("/api/v1/moderation/banlists/{list}/entries/{x}")).await.0, 204);
        assert_eq!(app.post(&spammer, &format!("/api/v1/rooms/{a}/join"), json!({})).await.0, 200);
        let (_, lists) = app.get(&moder, "/api/v1/moderation/banlists").await;
        assert_eq!(lists["lists"][0]["rooms"].as_array().unwrap().len(), 2);
        let (_, log) = app.get(&moder, "/api/v1/moderation/log?action=banlist.").await;
        assert!(log["entries"].as_array().unwrap().len() >= 7);
        app.stop().await;
    };
    new_members_wait_for_links_and_raids_are_stopped => |app: TestApp| async move {
        let (_, admin) = app.user("admin", SystemRole::Admin).await;
        let (n, newbie) = app.member("newbie").await;
        let room = app.room(&admin, "open", "channel", &[n]).await;
        let rules = json!({ "rules": [
            { "id": "trust", "name": "Новички без ссылок", "kind": { "type": "new_member", "min_messages": 2 }, "action": { "type": "block", "message": "Ссылки — после пары сообщений" } },
            { "id": "raid", "name": "Набег", "kind": { "type": "join_wave", "max_joins": 2, "window_secs": 60 }, "action": { "type": "kick" } },
        ]});
        assert_eq!(app.put_json(&admin, "/api/v1/moderation/rules", rules).await.0, 200);
        let path = format!("/api/v1/rooms/{room}/messages");
        let (s, v) = app.post(&newbie, &path, json!({ "body": "смотрите https://example.com/deal" })).await;
        assert_eq!((s, v["error"]["code"].as_str()), (422, Some("blocked")), "{v}");
        assert_eq!(app.post(&newbie, &path, json!({ "body": "всем привет" })).await.0, 201);
        assert_eq!(app.post(&newbie, &path, json!({ "body": "я тут новенький" })).await.0, 201);
        assert_eq!(app.post(&newbie, &path, json!({ "body": "смотрите https://example.com/deal" })).await.0, 201, "trusted after two messages");

        // A raid: the third join within a minute is refused and moderators hear of it.
        let mut codes = vec![];
        for i in 0..4 {
            let (_, t) = app.member(&format!("raider{i}")).await;
            codes.push(app.post(&t, &format!("/api/v1/rooms/{room}/join"), json!({})).await.0);
        }
        assert_eq!(codes, [200, 200, 429, 429], "{codes:?}");
        let (_, log) = app.get(&admin, "/api/v1/moderation/log?action=rule.kick").await;
        assert_eq!(log["entries"].as_array().unwrap().len(), 2);
        app.stop().await;
    };
}
