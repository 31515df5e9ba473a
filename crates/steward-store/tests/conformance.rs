//! The store's conformance suite: every test runs on SQLite and on
//! PostgreSQL, and both must behave the same.

use std::future::Future;

use steward_core::model::EventKind;
use steward_core::search::query_terms;
use steward_core::{RoomKind, RoomRole, SystemRole};
use steward_store::testing::TestDb;
use steward_store::{NewAttachment, NewMessage, NewRoom, NewUser, Page, SearchQuery, Store, StoreError};

async fn on_both<F, Fut>(test: F)
where
    F: Fn(Store) -> Fut,
    Fut: Future<Output = ()>,
{
    let sqlite = TestDb::sqlite();
    test(sqlite.store().await).await;
    if let Some(pg) = TestDb::postgres().await {
        test(pg.store().await).await;
    }
}

macro_rules! conformance {
    ($($name:ident => $body:expr;)*) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                on_both($body).await;
            }
        )*
    };
}

async fn user(store: &Store, name: &str) -> i64 {
    store
        .create_user(&NewUser {
            username: name.into(),
            display_name: name.to_uppercase(),
            email: Some(format!("{name}@example.com")),
            password_hash: "x".into(),
            locale: "ru".into(),
            avatar_color: "#123456".into(),
            role: SystemRole::Member,
        })
        .await
        .expect("create user")
        .id
}

async fn room(store: &Store, kind: RoomKind, owner: i64, others: &[i64]) -> i64 {
    let mut members = vec![(owner, RoomRole::Owner)];
    members.extend(others.iter().map(|&u| (u, RoomRole::Member)));
    store
        .create_room(&NewRoom { kind, name: "general".into(), topic: String::new(), created_by: owner, members })
        .await
        .expect("create room")
        .0
        .id
}

fn msg(room_id: i64, author_id: i64, body: &str) -> NewMessage {
    NewMessage::compose(room_id, author_id, body)
}

fn search(user_id: i64, text: &str) -> SearchQuery {
    SearchQuery {
        user_id,
        terms: query_terms(text),
        text: text.into(),
        room_id: None,
        author_id: None,
        before_id: None,
        limit: 50,
    }
}

conformance! {
    users_are_unique_and_found_by_login => |s: Store| async move {
        let id = user(&s, "anna").await;
        let dup = s.create_user(&NewUser {
            username: "anna".into(), display_name: "A".into(), email: None, password_hash: "x".into(),
            locale: "en".into(), avatar_color: "#000000".into(), role: SystemRole::Member,
        }).await;
        assert!(matches!(dup, Err(StoreError::Conflict("username"))), "{dup:?}");
        let dup = s.create_user(&NewUser {
            username: "anna2".into(), display_name: "A".into(), email: Some("anna@example.com".into()),
            password_hash: "x".into(), locale: "en".into(), avatar_color: "#000000".into(), role: SystemRole::Member,
        }).await;
        assert!(matches!(dup, Err(StoreError::Conflict("email"))), "{dup:?}");
        assert_eq!(s.user_for_login("ANNA").await.unwrap().unwrap().0.id, id);
        assert_eq!(s.user_for_login("anna@example.com").await.unwrap().unwrap().0.id, id);
        assert!(s.user_for_login("nobody").await.unwrap().is_none());
        user(&s, "boris").await;
        let found = s.search_users("bor", 10).await.unwrap();
        assert_eq!(found.iter().map(|u| u.username.as_str()).collect::<Vec<_>>(), ["boris"]);
        assert_eq!(s.count_users_with_role(SystemRole::Member).await.unwrap(), 2);
    };

    sessions_expire_and_end_with_deactivation => |s: Store| async move {
        let id = user(&s, "anna").await;
        s.create_session(id, "h1", "api", 60_000, Some("127.0.0.1"), Some("test")).await.unwrap();
        s.create_session(id, "h2", "api", -1, None, None).await.unwrap();
        assert_eq!(s.session("h1").await.unwrap().unwrap().user.id, id);
        assert!(s.session("h2").await.unwrap().is_none(), "expired");
        assert!(s.session("nope").await.unwrap().is_none());
        s.set_user_status(id, steward_core::model::UserStatus::Deactivated).await.unwrap();
        assert!(s.session("h1").await.unwrap().is_none(), "deactivated user has no session");
        assert!(!s.delete_session("h1").await.unwrap(), "sessions were removed on deactivation");
    };

    seq_is_per_room_and_history_pages_by_key => |s: Store| async move {
        let a = user(&s, "anna").await;
        let r1 = room(&s, RoomKind::Channel, a, &[]).await;
        let r2 = room(&s, RoomKind::Channel, a, &[]).await;
        for i in 1..=7 {
            let m = s.post_message(&msg(r1, a, &format!("m{i}"))).await.unwrap().message;
            assert_eq!(m.seq, i);
        }
        assert_eq!(s.post_message(&msg(r2, a, "other")).await.unwrap().message.seq, 1);
        let (page, more) = s.history(r1, Page { limit: 3, ..Page::default() }).await.unwrap();
        assert_eq!(page.iter().map(|m| m.seq).collect::<Vec<_>>(), [5, 6, 7]);
        assert!(more);
        let (page, more) = s.history(r1, Page { before_seq: Some(5), limit: 3, ..Page::default() }).await.unwrap();
        assert_eq!(page.iter().map(|m| m.seq).collect::<Vec<_>>(), [2, 3, 4]);
        assert!(more);
        let (page, more) = s.history(r1, Page { before_seq: Some(2), limit: 3, ..Page::default() }).await.unwrap();
        assert_eq!(page.iter().map(|m| m.body.as_str()).collect::<Vec<_>>(), ["m1"]);
        assert!(!more);
        let (page, more) = s.history(r1, Page { after_seq: Some(5), limit: 10, ..Page::default() }).await.unwrap();
        assert_eq!(page.iter().map(|m| m.seq).collect::<Vec<_>>(), [6, 7]);
        assert!(!more);
    };

    concurrent_writers_get_gapless_seqs => |s: Store| async move {
        let a = user(&s, "anna").await;
        let r = room(&s, RoomKind::Channel, a, &[]).await;
        let mut tasks = Vec::new();
        for t in 0..4 {
            let s = s.clone();
            tasks.push(tokio::spawn(async move {
                let mut seqs = Vec::new();
                for i in 0..25 {
                    seqs.push(s.post_message(&msg(r, a, &format!("t{t} m{i}"))).await.unwrap().message.seq);
                }
                seqs
            }));
        }
        let mut all = Vec::new();
        for t in tasks {
            let seqs = t.await.unwrap();
            assert!(seqs.windows(2).all(|w| w[0] < w[1]), "one writer's seqs increase");
            all.extend(seqs);
        }
        all.sort_unstable();
        assert_eq!(all, (1..=100).collect::<Vec<i64>>());
        let events = s.events_since(r, 0, 1000).await.unwrap();
        assert_eq!(events.iter().map(|e| e.seq).collect::<Vec<_>>(), (1..=100).collect::<Vec<i64>>());
        assert!(events.iter().all(|e| e.kind == EventKind::MessageCreated && e.message_id.is_some()));
        assert_eq!(s.room(r).await.unwrap().unwrap().last_seq, 100);
    };

    nonce_makes_retries_safe => |s: Store| async move {
        let a = user(&s, "anna").await;
        let r = room(&s, RoomKind::Channel, a, &[]).await;
        let mut m = msg(r, a, "once");
        m.nonce = Some("n-1".into());
        let first = s.post_message(&m).await.unwrap();
        assert!(first.created);
        let again = s.post_message(&m).await.unwrap();
        assert!(!again.created);
        assert_eq!(again.message.id, first.message.id);
        // Concurrent retries of another nonce still make one message.
        let mut tasks = Vec::new();
        for _ in 0..6 {
            let s = s.clone();
            let mut m = msg(r, a, "race");
            m.nonce = Some("n-2".into());
            tasks.push(tokio::spawn(async move { s.post_message(&m).await.unwrap().message.id }));
        }
        let mut ids = Vec::new();
        for t in tasks { ids.push(t.await.unwrap()); }
        ids.dedup();
        assert_eq!(ids.len(), 1, "{ids:?}");
        let (all, _) = s.history(r, Page { limit: 50, ..Page::default() }).await.unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(all.iter().map(|m| m.seq).collect::<Vec<_>>(), [1, 2], "no gap from the lost race");
    };

    edits_keep_history_and_deletes_leave_tombstones => |s: Store| async move {
        let a = user(&s, "anna").await;
        let r = room(&s, RoomKind::Channel, a, &[]).await;
        let m = s.post_message(&msg(r, a, "первый вариант")).await.unwrap().message;
        let (edited, seq) = s.edit_message(r, m.id, a, &msg(r, a, "второй вариант")).await.unwrap();
        assert_eq!(seq, 2);
        assert!(edited.edited_at.is_some());
        assert_eq!(edited.body, "второй вариант");
        assert!(s.search(&search(a, "первый"), true).await.unwrap().is_empty(), "old text no longer found");
        assert_eq!(s.search(&search(a, "второй"), true).await.unwrap().len(), 1);
        let (gone, seq) = s.delete_message(r, m.id, a).await.unwrap();
        assert_eq!(seq, 3);
        assert!(gone.deleted && gone.body.is_empty() && gone.html.is_empty());
        assert!(s.search(&search(a, "второй"), true).await.unwrap().is_empty(), "deleted text not searchable");
        let hist = s.message_history(m.id).await.unwrap();
        assert_eq!(hist.iter().map(|h| h.0.as_str()).collect::<Vec<_>>(), ["первый вариант", "второй вариант"]);
        assert!(matches!(s.delete_message(r, m.id, a).await, Err(StoreError::NotFound)));
        assert!(matches!(s.edit_message(r, m.id, a, &msg(r, a, "x")).await, Err(StoreError::NotFound)));
        let kinds: Vec<EventKind> = s.events_since(r, 0, 10).await.unwrap().into_iter().map(|e| e.kind).collect();
        assert_eq!(kinds, [EventKind::MessageCreated, EventKind::MessageUpdated, EventKind::MessageDeleted]);
    };

    replies_and_attachments_stay_in_their_room => |s: Store| async move {
        let a = user(&s, "anna").await;
        let b = user(&s, "boris").await;
        let r1 = room(&s, RoomKind::Channel, a, &[b]).await;
        let r2 = room(&s, RoomKind::Channel, a, &[b]).await;
        let first = s.post_message(&msg(r1, a, "**вопрос** про доставку")).await.unwrap().message;
        let mut reply = msg(r1, b, "ответ");
        reply.reply_to = Some(first.id);
        let got = s.post_message(&reply).await.unwrap().message;
        let preview = got.reply_to.unwrap();
        assert_eq!((preview.id, preview.seq, preview.excerpt.as_str()), (first.id, 1, "вопрос про доставку"));
        let mut cross = msg(r2, b, "чужой");
        cross.reply_to = Some(first.id);
        assert!(matches!(s.post_message(&cross).await, Err(StoreError::Invalid("reply_to"))));

        let att = s.create_attachment(&NewAttachment {
            uploader_id: a, room_id: r1, filename: "фото.png".into(), content_type: "image/png".into(),
            size: 10, storage_key: "k".into(),
        }).await.unwrap();
        let mut stolen = msg(r1, b, "not mine");
        stolen.attachments = vec![att.id];
        assert!(matches!(s.post_message(&stolen).await, Err(StoreError::Invalid("attachments"))));
        let mut own = msg(r1, a, "mine");
        own.attachments = vec![att.id];
        let m = s.post_message(&own).await.unwrap().message;
        assert_eq!(m.attachments.len(), 1);
        assert!(m.attachments[0].is_image);
        assert_eq!(s.attachment(att.id).await.unwrap().unwrap().message_id, Some(m.id));
        let mut twice = msg(r1, a, "again");
        twice.attachments = vec![att.id];
        assert!(matches!(s.post_message(&twice).await, Err(StoreError::Invalid("attachments"))), "an attachment belongs to one message");
    };

    reactions_and_pins => |s: Store| async move {
        let a = user(&s, "anna").await;
        let b = user(&s, "boris").await;
        let r = room(&s, RoomKind::Channel, a, &[b]).await;
        let m = s.post_message(&msg(r, a, "hi")).await.unwrap().message;
        let (seq, rs) = s.set_reaction(r, m.id, a, "👍", true).await.unwrap();
        assert_eq!(seq, Some(2));
        assert_eq!(rs[0].count, 1);
        let (seq, _) = s.set_reaction(r, m.id, a, "👍", true).await.unwrap();
        assert_eq!(seq, None, "adding twice changes nothing");
        let (_, rs) = s.set_reaction(r, m.id, b, "👍", true).await.unwrap();
        assert_eq!((rs[0].count, rs[0].user_ids.clone()), (2, vec![a, b]));
        let (seq, rs) = s.set_reaction(r, m.id, a, "👍", false).await.unwrap();
        assert!(seq.is_some());
        assert_eq!(rs[0].user_ids, vec![b]);
        for i in 0..19 {
            s.set_reaction(r, m.id, a, &format!(":e{i}:"), true).await.unwrap();
        }
        assert!(matches!(s.set_reaction(r, m.id, a, ":one-too-many:", true).await, Err(StoreError::Limit("reactions"))));
        let (pinned, seq) = s.set_pinned(r, m.id, a, true).await.unwrap();
        assert!(pinned.pinned && seq.is_some());
        assert_eq!(s.set_pinned(r, m.id, a, true).await.unwrap().1, None);
        assert_eq!(s.pins(r).await.unwrap().len(), 1);
        s.set_pinned(r, m.id, a, false).await.unwrap();
        assert!(s.pins(r).await.unwrap().is_empty());
    };

    unread_and_mention_counts => |s: Store| async move {
        let a = user(&s, "anna").await;
        let b = user(&s, "boris").await;
        let r = room(&s, RoomKind::Group, a, &[b]).await;
        s.post_message(&msg(r, a, "one")).await.unwrap();
        s.post_message(&msg(r, a, "two @boris")).await.unwrap();
        s.post_message(&msg(r, a, "three @room")).await.unwrap();
        s.post_message(&msg(r, b, "my own")).await.unwrap();
        let mine = s.my_rooms(b).await.unwrap();
        let me = mine.iter().find(|x| x.room.id == r).unwrap();
        assert_eq!((me.unread, me.mentions), (3, 2));
        assert_eq!(s.mark_read(r, b, 2).await.unwrap(), 2);
        let me = s.my_rooms(b).await.unwrap().into_iter().find(|x| x.room.id == r).unwrap();
        assert_eq!((me.unread, me.mentions, me.last_read_seq), (1, 1, 2));
        assert_eq!(s.mark_read(r, b, 1).await.unwrap(), 2, "markers never move back");
        assert_eq!(s.mark_read(r, b, 999).await.unwrap(), 4, "nor past the end");
        let me = s.my_rooms(b).await.unwrap().into_iter().find(|x| x.room.id == r).unwrap();
        assert_eq!((me.unread, me.mentions), (0, 0));
    };

    membership_events_and_direct_rooms => |s: Store| async move {
        let a = user(&s, "anna").await;
        let b = user(&s, "boris").await;
        let c = user(&s, "clara").await;
        let r = room(&s, RoomKind::Channel, a, &[]).await;
        s.post_message(&msg(r, a, "before")).await.unwrap();
        let added = s.add_members(r, &[b, c, b], RoomRole::Member).await.unwrap();
        assert_eq!(added.iter().map(|x| x.0).collect::<Vec<_>>(), [b, c]);
        assert_eq!(s.membership(r, b).await.unwrap(), Some(RoomRole::Member));
        let mine = s.my_rooms(b).await.unwrap();
        assert_eq!(mine[0].unread, 0, "history before joining is not unread");
        assert_eq!(s.remove_member(r, c).await.unwrap(), Some(4));
        assert_eq!(s.remove_member(r, c).await.unwrap(), None);
        let kinds: Vec<EventKind> = s.events_since(r, 1, 10).await.unwrap().into_iter().map(|e| e.kind).collect();
        assert_eq!(kinds, [EventKind::MemberJoined, EventKind::MemberJoined, EventKind::MemberLeft]);
        assert!(matches!(s.add_members(r, &[999_999], RoomRole::Member).await, Err(StoreError::Invalid("user_ids"))));

        let d1 = s.create_room(&NewRoom { kind: RoomKind::Direct, name: String::new(), topic: String::new(), created_by: a,
            members: vec![(a, RoomRole::Member), (b, RoomRole::Member)] }).await.unwrap();
        let d2 = s.create_room(&NewRoom { kind: RoomKind::Direct, name: String::new(), topic: String::new(), created_by: b,
            members: vec![(b, RoomRole::Member), (a, RoomRole::Member)] }).await.unwrap();
        assert!(d1.1 && !d2.1);
        assert_eq!(d1.0.id, d2.0.id);
        let peers = s.direct_peers(a, &[d1.0.id]).await.unwrap();
        assert_eq!(peers.iter().map(|p| p.1.id).collect::<Vec<_>>(), [b]);
        let public = s.public_rooms(10).await.unwrap();
        assert_eq!(public.iter().map(|r| r.id).collect::<Vec<_>>(), [r]);
    };

    search_finds_russian_word_forms_in_readable_rooms_only => |s: Store| async move {
        let a = user(&s, "anna").await;
        let b = user(&s, "boris").await;
        let outsider = user(&s, "olga").await;
        let public = room(&s, RoomKind::Channel, a, &[b]).await;
        let private = room(&s, RoomKind::Group, a, &[b]).await;
        let m1 = s.post_message(&msg(public, a, "Баны выдаём за спам")).await.unwrap().message;
        let m2 = s.post_message(&msg(public, b, "Как банить спамеров?")).await.unwrap().message;
        let m3 = s.post_message(&msg(private, a, "Секретный бан в закрытой группе")).await.unwrap().message;
        s.post_message(&msg(public, a, "Running the release tests")).await.unwrap();
        s.post_message(&msg(public, a, "про банан ничего")).await.unwrap();

        let found: Vec<i64> = s.search(&search(a, "бан"), true).await.unwrap().iter().map(|m| m.id).collect();
        assert_eq!(found, [m3.id, m2.id, m1.id], "newest first, all word forms");
        let found: Vec<i64> = s.search(&search(outsider, "бан"), true).await.unwrap().iter().map(|m| m.id).collect();
        assert_eq!(found, [m2.id, m1.id], "the private group stays private");
        assert!(s.search(&search(outsider, "секретный"), true).await.unwrap().is_empty());
        assert!(s.search(&search(outsider, "бан"), false).await.unwrap().is_empty(), "guests see only their rooms");
        let mut q = search(a, "бан");
        q.room_id = Some(public);
        q.author_id = Some(b);
        assert_eq!(s.search(&q, true).await.unwrap().iter().map(|m| m.id).collect::<Vec<_>>(), [m2.id]);
        let mut q = search(a, "бан");
        q.before_id = Some(m2.id);
        assert_eq!(s.search(&q, true).await.unwrap().iter().map(|m| m.id).collect::<Vec<_>>(), [m1.id]);
        assert_eq!(s.search(&search(a, "run test"), true).await.unwrap().len(), 1, "English stems too");
        assert!(s.search(&search(a, ""), true).await.unwrap().is_empty());
        assert!(s.search(&search(a, "\"'*:)(-"), true).await.unwrap().is_empty(), "query syntax is not interpreted");
    };

    settings_and_migrations_are_idempotent => |s: Store| async move {
        assert_eq!(s.setting("k").await.unwrap(), None);
        s.set_setting("k", "v1").await.unwrap();
        s.set_setting("k", "v2").await.unwrap();
        assert_eq!(s.setting("k").await.unwrap().as_deref(), Some("v2"));
        s.delete_setting("k").await.unwrap();
        assert_eq!(s.setting("k").await.unwrap(), None);
        assert!(s.migrate().await.unwrap().is_empty(), "second run applies nothing");
        assert!(s.ping().await);
    };

    custom_roles_add_permissions_to_their_holders => |s: Store| async move {
        use steward_core::{Permission as P, PermissionSet};
        let (a, b) = (user(&s, "anna").await, user(&s, "boris").await);
        let auditors = s.create_custom_role("auditors", "read the log", PermissionSet::of(&[P::AuditRead])).await.unwrap();
        assert_eq!(auditors.permissions, ["audit.read"]);
        assert!(matches!(
            s.create_custom_role("auditors", "", PermissionSet::EMPTY).await,
            Err(StoreError::Conflict("name"))
        ));
        let helpers = s.create_custom_role("helpers", "", PermissionSet::of(&[P::UserInvite])).await.unwrap();
        s.set_custom_roles_of(a, &[auditors.id, helpers.id]).await.unwrap();
        s.set_custom_roles_of(b, &[helpers.id]).await.unwrap();
        assert!(matches!(s.set_custom_roles_of(b, &[9_999]).await, Err(StoreError::Invalid("role_ids"))));
        assert_eq!(s.custom_roles_of(b).await.unwrap(), [helpers.id], "a refused change leaves the old roles");
        let anna = s.user(a).await.unwrap().unwrap();
        assert!(anna.permissions().has(P::AuditRead) && anna.permissions().has(P::UserInvite));
        assert!(!anna.role.permissions().has(P::AuditRead));
        // Editing a role changes every holder at once; deleting it takes it away.
        s.update_custom_role(helpers.id, "helpers", "", PermissionSet::of(&[P::ModerationReview])).await.unwrap();
        let boris = s.user(b).await.unwrap().unwrap();
        assert!(boris.permissions().has(P::ModerationReview) && !boris.permissions().has(P::UserInvite));
        assert_eq!(s.custom_role(helpers.id).await.unwrap().unwrap().holders, 2);
        let mut holders = s.delete_custom_role(helpers.id).await.unwrap();
        holders.sort();
        assert_eq!(holders, [a, b]);
        assert!(!s.user(b).await.unwrap().unwrap().permissions().has(P::ModerationReview));
        let anna = s.user(a).await.unwrap().unwrap();
        assert!(anna.permissions().has(P::AuditRead) && !anna.permissions().has(P::ModerationReview));
        assert_eq!(s.custom_roles_of_many(&[a, b]).await.unwrap(), [(a, auditors.id)]);
        assert_eq!(s.custom_roles().await.unwrap().len(), 1);
    };
    retention_purges_in_batches_and_export_reads_ranges => |s: Store| async move {
        let (a, b) = (user(&s, "anna").await, user(&s, "boris").await);
        let r = room(&s, RoomKind::Channel, a, &[b]).await;
        let other = room(&s, RoomKind::Group, b, &[a]).await;
        let mut ids = vec![];
        for i in 0..5 {
            ids.push(s.post_message(&msg(r, if i % 2 == 0 { a } else { b }, &format!("старое сообщение {i}"))).await.unwrap().message.id);
        }
        s.edit_message(r, ids[1], b, &msg(r, b, "исправленное сообщение")).await.unwrap();
        s.set_pinned(r, ids[0], a, true).await.unwrap();
        s.post_message(&msg(other, a, "в другой комнате")).await.unwrap();

        // Export: a room, a person, a time range.
        let f = steward_store::ExportFilter { room_id: Some(r), ..Default::default() };
        let page = s.export_messages(&f, 0, 3).await.unwrap();
        assert_eq!(page.iter().map(|e| e.message.id).collect::<Vec<_>>(), ids[..3]);
        assert_eq!(page[1].edits.len(), 1, "earlier texts come along");
        assert_eq!(page[1].edits[0].0, "старое сообщение 1");
        assert_eq!(page[0].room_name, "general");
        let rest = s.export_messages(&f, ids[2], 100).await.unwrap();
        assert_eq!(rest.len(), 2);
        let f = steward_store::ExportFilter { author_id: Some(a), ..Default::default() };
        let mine = s.export_messages(&f, 0, 100).await.unwrap();
        assert_eq!(mine.len(), 4, "three in one room, one in the other");
        let f = steward_store::ExportFilter { room_id: Some(r), until: Some(0), ..Default::default() };
        assert!(s.export_messages(&f, 0, 100).await.unwrap().is_empty());
        assert!(matches!(s.export_messages(&Default::default(), 0, 10).await, Err(StoreError::Invalid(_))));

        // Retention: batches of two, the pinned message stays, the other room is untouched.
        let cutoff = steward_store::now_ms() + 1;
        let mut total = 0;
        loop {
            let p = s.purge_messages(r, cutoff, true, 2).await.unwrap();
            if p.messages == 0 { break; }
            assert!(p.messages <= 2);
            total += p.messages;
        }
        assert_eq!(total, 4);
        let (left, _) = s.history(r, Page { before_seq: None, after_seq: None, limit: 50 }).await.unwrap();
        assert_eq!(left.iter().map(|m| m.id).collect::<Vec<_>>(), [ids[0]], "the pinned one is kept");
        assert!(s.search(&search(a, "сообщение"), true).await.unwrap().iter().all(|m| m.id == ids[0]), "gone from search");
        let events = s.events_since(r, 0, 100).await.unwrap();
        assert!(events.iter().all(|e| e.message_id.is_none_or(|m| m == ids[0])), "and from the event log");
        assert_eq!(s.purge_messages(r, cutoff, false, 10).await.unwrap().messages, 1);
        let (left, _) = s.history(other, Page { before_seq: None, after_seq: None, limit: 50 }).await.unwrap();
        assert_eq!(left.len(), 1);

        s.audit(&steward_store::NewAudit { actor_id: Some(a), action: "x.y".into(), target_type: "t".into(), target_id: None, before: String::new(), after: String::new(), ip: None, user_agent: None }).await.unwrap();
        assert_eq!(s.purge_audit(steward_store::now_ms() + 1, 10).await.unwrap(), 1);
        assert_eq!(s.purge_audit(steward_store::now_ms() + 1, 10).await.unwrap(), 0);
    };

    support_assignment_is_conditional_and_keeps_load => |s: Store| async move {
        use serde_json::json;
        use steward_store::{AssignOutcome, ConversationFilter, NewContact, NewConversation};
        let op = user(&s, "op").await;
        let op2 = user(&s, "op2").await;
        let inbox = s.create_inbox("k1", "Shop", "widget", &json!({}), "secret").await.unwrap();
        assert!(matches!(s.create_inbox("k2", "Shop", "widget", &json!({}), "s").await, Err(StoreError::Conflict("name"))));
        s.set_inbox_members(inbox.id, &[op, op2]).await.unwrap();
        let contact = s
            .create_contact(&NewContact { inbox_id: inbox.id, name: "Анна".into(), email: None, external_id: Some("u1".into()), token_hash: "a".repeat(64), locale: "ru".into(), avatar_color: "#000".into() })
            .await
            .unwrap();
        assert_eq!(s.contact_by_token(&"a".repeat(64)).await.unwrap().unwrap().id, contact.id);
        assert_eq!(s.contact_by_external(inbox.id, "u1").await.unwrap().unwrap().id, contact.id);
        assert!(s.search_users("visitor", 10).await.unwrap().is_empty(), "visitors are not in the directory");
        let new = |title: &str| NewConversation { inbox_id: inbox.id, contact_id: contact.id, department_id: None, status: "open".into(), prechat: json!({}), title: title.into() };
        let c1 = s.create_conversation(&new("a"), contact.user_id).await.unwrap();
        let c2 = s.create_conversation(&new("b"), contact.user_id).await.unwrap();
        assert!(c1.waiting_since.is_some() && c1.assignee_id.is_none());
        assert_eq!(s.waiting(inbox.id, 10).await.unwrap().iter().map(|c| c.id).collect::<Vec<_>>(), [c1.id, c2.id], "oldest first");

        // Offline operators get nothing unless forced; capacity 1 holds.
        assert_eq!(s.assign(c1.id, op, None, false, None, None, "assigned", &json!({})).await.unwrap(), AssignOutcome::OperatorFull);
        s.set_operator(op, Some("online"), Some(1)).await.unwrap();
        assert!(matches!(s.assign(c1.id, op, None, false, None, None, "assigned", &json!({})).await.unwrap(), AssignOutcome::Assigned { joined_seq: Some(_) }));
        assert_eq!(s.assign(c2.id, op, None, false, None, None, "assigned", &json!({})).await.unwrap(), AssignOutcome::OperatorFull);
        s.set_operator(op2, Some("online"), Some(5)).await.unwrap();
        assert_eq!(s.assign(c1.id, op2, None, false, None, None, "assigned", &json!({})).await.unwrap(), AssignOutcome::Taken, "someone has it");
        assert_eq!(s.operator(op2).await.unwrap().unwrap().active_count, 0, "the failed claim rolled back");
        assert_eq!(s.operator(op).await.unwrap().unwrap().active_count, 1);
        // Transfer (expected assignee) moves the load.
        assert!(matches!(s.assign(c1.id, op2, Some(op), true, None, Some(op), "transferred", &json!({})).await.unwrap(), AssignOutcome::Assigned { .. }));
        assert_eq!((s.operator(op).await.unwrap().unwrap().active_count, s.operator(op2).await.unwrap().unwrap().active_count), (0, 1));
        // Resolving frees capacity; reopening takes it again.
        s.set_conversation_status(c1.id, "resolved", None, Some(op2)).await.unwrap();
        assert_eq!(s.operator(op2).await.unwrap().unwrap().active_count, 0);
        let back = s.set_conversation_status(c1.id, "open", None, None).await.unwrap().unwrap();
        assert_eq!((back.status.as_str(), back.assignee_id), ("open", Some(op2)));
        assert_eq!(s.operator(op2).await.unwrap().unwrap().active_count, 1);
        // Unassign puts it back in the queue and remembers a lapsed offer.
        assert!(s.unassign(c1.id, op2, true, None, "offer_lapsed").await.unwrap());
        let c = s.conversation(c1.id).await.unwrap().unwrap();
        assert_eq!((c.assignee_id, c.passed_over.clone(), c.waiting_since.is_some()), (None, vec![op2], true));
        assert_eq!(s.operator(op2).await.unwrap().unwrap().active_count, 0);
        s.recount_operator_load().await.unwrap();
        assert_eq!(s.operator(op).await.unwrap().unwrap().active_count, 0);

        // Visibility filter: inbox operators see it; someone outside does not.
        let outsider = user(&s, "outsider").await;
        let seen = |u| ConversationFilter { visible_to: Some(u), limit: 10, ..Default::default() };
        assert_eq!(s.conversations(&seen(op)).await.unwrap().len(), 2);
        assert_eq!(s.conversations(&seen(outsider)).await.unwrap().len(), 0);
        assert_eq!(s.count_conversations(&seen(outsider)).await.unwrap(), 0);

        // Events, labels, CSAT once, scheduled messages claimed once.
        s.set_labels(c2.id, &["billing".into(), "vip".into()]).await.unwrap();
        assert_eq!(s.conversation(c2.id).await.unwrap().unwrap().labels, ["billing", "vip"]);
        let t0 = steward_store::now_ms();
        s.note_message(c2.id, false, op, t0 - 10).await.unwrap();
        s.note_message(c2.id, false, op, t0 - 5).await.unwrap();
        assert_eq!(s.conversation(c2.id).await.unwrap().unwrap().first_reply_at, Some(t0 - 10), "the first reply stays");
        assert!(!s.set_csat(c2.id, 5, None).await.unwrap(), "only resolved conversations are rated");
        s.set_conversation_status(c2.id, "resolved", None, None).await.unwrap();
        assert!(s.set_csat(c2.id, 5, Some("ok")).await.unwrap());
        assert!(!s.set_csat(c2.id, 1, None).await.unwrap(), "once");
        let kinds: Vec<String> = s.conversation_events(c2.id).await.unwrap().into_iter().map(|e| e.kind).collect();
        let mut sorted = kinds.clone();
        sorted.sort();
        assert_eq!(sorted, ["agent_reply", "agent_reply", "created", "csat", "resolved"]);
        assert_eq!(kinds.last().map(String::as_str), Some("csat"));
        let sid = s.schedule_message(c1.id, op, "later", false, 10).await.unwrap();
        assert_eq!(s.claim_scheduled(20).await.unwrap().iter().map(|x| x.0).collect::<Vec<_>>(), [sid]);
        assert!(s.claim_scheduled(20).await.unwrap().is_empty(), "claimed once");

        // Canned responses by scope.
        let mk = |scope: &str, owner: Option<i64>| steward_core::model::CannedResponse { id: 0, shortcut: format!("s-{scope}"), title: String::new(), body: "b".into(), scope: scope.into(), owner_id: owner, department_id: None, locale: None };
        s.create_canned(&mk("global", None)).await.unwrap();
        s.create_canned(&mk("personal", Some(op))).await.unwrap();
        assert_eq!(s.canned_for(op, &[]).await.unwrap().len(), 2);
        assert_eq!(s.canned_for(op2, &[]).await.unwrap().len(), 1, "another's personal replies stay theirs");

        // Deleting the inbox removes its conversations and their rooms.
        let room = c1.room_id;
        assert!(s.delete_inbox(inbox.id).await.unwrap());
        assert!(s.conversation(c1.id).await.unwrap().is_none());
        assert!(s.room(room).await.unwrap().is_none());
    };

    job_leases_go_to_one_holder_at_a_time => |s: Store| async move {
        use std::time::Duration;
        let ttl = Duration::from_secs(60);
        let a = s.try_lease("sweep", "node-a", ttl).await.unwrap().expect("free: taken");
        assert_eq!(a.last_run_at, 0);
        assert!(a.expires_at - a.now == 60_000 && a.acquired_at <= a.now);
        assert!(s.try_lease("sweep", "node-b", ttl).await.unwrap().is_none(), "held by a");
        let renewed = s.try_lease("sweep", "node-a", ttl).await.unwrap().expect("the holder renews");
        assert_eq!(renewed.acquired_at, a.acquired_at, "a renewal keeps the start");
        assert!(s.try_lease("other", "node-b", ttl).await.unwrap().is_some(), "jobs are leased apart");
        assert!(s.lease_ran("sweep", "node-a", renewed.now).await.unwrap());
        assert!(!s.lease_ran("sweep", "node-b", renewed.now).await.unwrap(), "only the holder records a run");
        // An expired lease goes to the next node that asks, with the last run kept.
        s.try_lease("short", "node-a", Duration::from_millis(1)).await.unwrap().expect("taken");
        tokio::time::sleep(Duration::from_millis(20)).await;
        let b = s.try_lease("short", "node-b", ttl).await.unwrap().expect("expired: taken over");
        assert!(s.try_lease("short", "node-a", ttl).await.unwrap().is_none(), "a lost it");
        assert!(b.acquired_at > 0);
        // Released: free at once.
        assert!(s.release_lease("sweep", "node-a").await.unwrap());
        assert!(!s.release_lease("sweep", "node-b").await.unwrap());
        let b2 = s.try_lease("sweep", "node-b", ttl).await.unwrap().expect("released: taken");
        assert_eq!(b2.last_run_at, renewed.now, "the last run survives a change of holder");
        // Many nodes asking at once: exactly one gets it.
        let asks = (0..8).map(|i| {
            let s = s.clone();
            tokio::spawn(async move { s.try_lease("race", &format!("node-{i}"), ttl).await.unwrap().is_some() })
        });
        let mut won = 0;
        for a in asks {
            won += usize::from(a.await.unwrap());
        }
        assert_eq!(won, 1);
    };

    scheduled_messages_and_expired_sanctions_are_claimed_once_under_concurrency => |s: Store| async move {
        use serde_json::json;
        use steward_store::{NewContact, NewConversation, NewSanction};
        let op = user(&s, "op").await;
        let inbox = s.create_inbox("k1", "Shop", "widget", &json!({}), "secret").await.unwrap();
        let contact = s
            .create_contact(&NewContact { inbox_id: inbox.id, name: "A".into(), email: None, external_id: None, token_hash: "b".repeat(64), locale: "en".into(), avatar_color: "#000".into() })
            .await
            .unwrap();
        let conv = s
            .create_conversation(&NewConversation { inbox_id: inbox.id, contact_id: contact.id, department_id: None, status: "open".into(), prechat: json!({}), title: "t".into() }, contact.user_id)
            .await
            .unwrap();
        let mut ids = vec![];
        for i in 0..250 {
            ids.push(s.schedule_message(conv.id, op, &format!("m{i}"), false, 1000 - i).await.unwrap());
        }
        for i in 0..120 {
            s.add_sanction(&NewSanction { user_id: op, room_id: None, kind: "mute".into(), reason: format!("r{i}"), rule_id: None, actor_id: None, message_id: None, expires_at: Some(1) }).await.unwrap();
        }
        let claimers = (0..4).map(|_| {
            let s = s.clone();
            tokio::spawn(async move {
                let (mut msgs, mut ended) = (vec![], vec![]);
                loop {
                    let m = s.claim_scheduled(10_000).await.unwrap();
                    let e = s.sweep_expired_sanctions(50).await.unwrap();
                    if m.is_empty() && e.is_empty() {
                        return (msgs, ended);
                    }
                    msgs.extend(m.into_iter().map(|x| x.0));
                    ended.extend(e.into_iter().map(|x| x.id));
                }
            })
        });
        let (mut msgs, mut ended) = (vec![], vec![]);
        for c in claimers {
            let (m, e) = c.await.unwrap();
            msgs.extend(m);
            ended.extend(e);
        }
        msgs.sort_unstable();
        ids.sort_unstable();
        assert_eq!(msgs, ids, "every scheduled message claimed exactly once");
        assert_eq!(ended.len(), 120, "every expired sanction ended");
        ended.sort_unstable();
        ended.dedup();
        assert_eq!(ended.len(), 120, "none twice");
    };

    room_notes_are_saved_listed_replaced_and_cleared => |s: Store| async move {
        use steward_core::notes::{MAX_NOTES_PER_ROOM, NoteBody, NoteName};
        let anna = user(&s, "anna").await;
        let boris = user(&s, "boris").await;
        let r1 = room(&s, RoomKind::Group, anna, &[boris]).await;
        let r2 = room(&s, RoomKind::Channel, anna, &[]).await;
        let name = |n: &str| NoteName::parse(n).unwrap();
        let body = |b: &str| NoteBody::parse(b).unwrap();
        let (n, created) = s.put_room_note(r1, &name("Rules"), &body("1. Be kind"), anna).await.unwrap();
        assert!(created);
        assert_eq!((n.room_id, n.name.as_str(), n.body.as_str(), n.updated_by), (r1, "rules", "1. Be kind", Some(anna)));
        let (n2, created) = s.put_room_note(r1, &name("rules"), &body("1. Be kinder"), boris).await.unwrap();
        assert!(!created, "same name replaces");
        assert_eq!((n2.body.as_str(), n2.updated_by), ("1. Be kinder", Some(boris)));
        assert!(n2.updated_at >= n.updated_at);
        s.put_room_note(r1, &name("faq"), &body("see /help"), anna).await.unwrap();
        s.put_room_note(r2, &name("правила"), &body("другая комната"), anna).await.unwrap();
        let names: Vec<String> = s.room_notes(r1).await.unwrap().into_iter().map(|n| n.name).collect();
        assert_eq!(names, ["faq", "rules"], "by name, this room's only");
        assert_eq!(s.room_note(r2, &name("ПРАВИЛА")).await.unwrap().unwrap().body, "другая комната");
        assert!(s.room_note(r2, &name("rules")).await.unwrap().is_none());
        assert!(s.delete_room_note(r1, &name("rules")).await.unwrap());
        assert!(!s.delete_room_note(r1, &name("rules")).await.unwrap(), "gone already");
        assert!(s.room_note(r1, &name("rules")).await.unwrap().is_none());
        // A room keeps a bounded number; replacing one at the limit still works.
        for i in 1..MAX_NOTES_PER_ROOM {
            s.put_room_note(r1, &name(&format!("n{i}")), &body("x"), anna).await.unwrap();
        }
        assert!(matches!(s.put_room_note(r1, &name("one-more"), &body("x"), anna).await, Err(StoreError::Limit("notes"))));
        assert!(!s.put_room_note(r1, &name("n1"), &body("y"), anna).await.unwrap().1);
        // A note of a missing room is refused; a deleted room takes its notes along.
        assert!(matches!(s.put_room_note(999_999, &name("x"), &body("x"), anna).await, Err(StoreError::Invalid("room_id"))));
        s.delete_room(r2).await.unwrap();
        assert!(s.room_notes(r2).await.unwrap().is_empty());
    };

    webhook_outbox_claims_once_retries_and_logs => |s: Store| async move {
        use steward_store::{AttemptOutcome, DeliveryFilter, NextStep};
        let bot = user(&s, "bot").await;
        let h = s.create_webhook(bot, "crm", "https://example.com/h", "sealed", &["message.created".into()]).await.unwrap();
        assert_eq!((h.events.clone(), h.active, h.owner_id), (vec!["message.created".to_string()], true, bot));
        let off = s.create_webhook(bot, "off", "https://example.com/o", "sealed", &["ping".into()]).await.unwrap();
        s.update_webhook(off.id, None, None, None, Some(false)).await.unwrap();
        let ids = s.enqueue_deliveries(&[(h.id, "message.created", r#"{"n":1}"#), (h.id, "message.created", r#"{"n":2}"#), (off.id, "ping", "{}")]).await.unwrap();
        assert_eq!(ids.len(), 3);
        let now = steward_store::now_ms() + 1;
        // Two claimers at once: each delivery goes to one of them; a paused webhook's wait.
        let (a, b) = tokio::join!(s.claim_deliveries(now, 60_000, 10), s.claim_deliveries(now, 60_000, 10));
        let mut got: Vec<i64> = a.unwrap().iter().chain(b.unwrap().iter()).map(|d| d.id).collect();
        got.sort();
        assert_eq!(got, ids[..2].to_vec(), "each once, none of the paused webhook's");
        assert!(s.claim_deliveries(now, 60_000, 10).await.unwrap().is_empty(), "leased");
        // A lapsed lease is taken again (a node died mid-send).
        let again = s.claim_deliveries(now + 60_001, 60_000, 10).await.unwrap();
        assert_eq!(again.len(), 2);
        let retry_at = now + 120_000;
        let fail = AttemptOutcome { at: now, duration_ms: 12, status_code: Some(500), error: "HTTP 500".into(), response: "oops".into(), next: NextStep::Retry(retry_at) };
        s.record_attempt(ids[0], &fail).await.unwrap();
        let ok = AttemptOutcome { at: now, duration_ms: 5, status_code: Some(200), error: String::new(), response: "ok".into(), next: NextStep::Delivered };
        s.record_attempt(ids[1], &ok).await.unwrap();
        assert!(s.claim_deliveries(retry_at - 1, 60_000, 10).await.unwrap().is_empty(), "not due yet");
        let due = s.claim_deliveries(retry_at, 60_000, 10).await.unwrap();
        assert_eq!((due.len(), due[0].id, due[0].attempts), (1, ids[0], 1));
        let gave_up = AttemptOutcome { next: NextStep::Failed, ..fail.clone() };
        s.record_attempt(ids[0], &gave_up).await.unwrap();
        let d = s.delivery(h.id, ids[0]).await.unwrap().unwrap();
        assert_eq!((d.status.as_str(), d.attempts, d.last_status, d.last_error.as_str()), ("failed", 2, Some(500), "HTTP 500"));
        let log = s.attempts(ids[0]).await.unwrap();
        assert_eq!(log.iter().map(|a| a.attempt).collect::<Vec<_>>(), [1, 2]);
        assert_eq!(log[0].response, "oops");
        assert!(s.delivery(off.id, ids[0]).await.unwrap().is_none(), "scoped to its webhook");
        let f = |status: Option<&str>| DeliveryFilter { webhook_id: h.id, status: status.map(str::to_string), before_id: None, limit: 50 };
        assert_eq!(s.deliveries(&f(None)).await.unwrap().iter().map(|d| d.id).collect::<Vec<_>>(), [ids[1], ids[0]], "newest first");
        assert_eq!(s.deliveries(&f(Some("failed"))).await.unwrap().len(), 1);
        let mut counts = s.delivery_counts(h.id).await.unwrap();
        counts.sort();
        assert_eq!(counts, [("delivered".to_string(), 1), ("failed".to_string(), 1)]);
        // Redeliver puts it back, due now.
        let r = s.redeliver(h.id, ids[0]).await.unwrap();
        assert_eq!((r.status.as_str(), r.finished_at), ("pending", None));
        assert!(matches!(s.redeliver(off.id, ids[0]).await, Err(StoreError::NotFound)));
        // Pruning keeps pending ones; deleting takes the log along.
        assert_eq!(s.prune_deliveries(steward_store::now_ms() + 10).await.unwrap(), 1);
        assert!(s.delivery(h.id, ids[1]).await.unwrap().is_none());
        assert!(s.delivery(h.id, ids[0]).await.unwrap().is_some());
        s.disable_webhook(h.id, "gone").await.unwrap();
        let w = s.webhook(h.id).await.unwrap().unwrap();
        assert_eq!((w.active, w.disabled_reason.as_str()), (false, "gone"));
        let w = s.update_webhook(h.id, Some("crm2"), None, Some(&["ping".to_string()]), Some(true)).await.unwrap();
        assert_eq!((w.name.as_str(), w.active, w.disabled_reason.as_str(), w.events.clone()), ("crm2", true, "", vec!["ping".to_string()]));
        s.delete_webhook(h.id).await.unwrap();
        assert!(s.webhook(h.id).await.unwrap().is_none());
        assert!(s.attempts(ids[0]).await.unwrap().is_empty());
        assert_eq!(s.webhooks(Some(bot)).await.unwrap().len(), 1);
        assert!(matches!(s.delete_webhook(h.id).await, Err(StoreError::NotFound)));
    };

    bulk_import_keeps_seqs_gapless_and_searchable => |s: Store| async move {
        let anna = user(&s, "anna").await;
        let r = room(&s, RoomKind::Group, anna, &[]).await;
        let first = s.post_message(&NewMessage::compose(r, anna, "до импорта")).await.unwrap().message.seq;
        let msgs: Vec<NewMessage> = (0..1_234)
            .map(|i| NewMessage::compose(r, anna, &if i == 777 { "редкое слово черепаха".to_string() } else { format!("сообщение номер {i}") }))
            .collect();
        let last = s.import_messages(r, &msgs, steward_store::now_ms()).await.unwrap();
        assert_eq!(last, first + 1_234);
        s.refresh_statistics().await.unwrap();
        let after = s.post_message(&NewMessage::compose(r, anna, "после")).await.unwrap().message.seq;
        assert_eq!(after, last + 1, "seqs continue after a bulk import");
        let (page, more) = s.history(r, Page { before_seq: Some(first + 11), limit: 5, ..Page::default() }).await.unwrap();
        assert!(more);
        assert_eq!(page.iter().map(|m| m.seq).collect::<Vec<_>>(), (first + 6..=first + 10).collect::<Vec<_>>());
        assert_eq!(page[4].body, "сообщение номер 9");
        let found = s.search(&search(anna, "черепахи"), false).await.unwrap();
        assert_eq!(found.len(), 1, "the imported text is searchable");
        assert_eq!(found[0].seq, first + 778);
        let bad = vec![NewMessage::compose(r + 1, anna, "x")];
        assert!(matches!(s.import_messages(r, &bad, 0).await, Err(StoreError::Invalid("messages"))));
    };

    group_commit_keeps_every_room_gapless_and_answers_each_caller => |s: Store| async move {
        use std::sync::{Arc, Mutex};
        let a = user(&s, "anna").await;
        let b = user(&s, "boris").await;
        let r1 = room(&s, RoomKind::Group, a, &[b]).await;
        let r2 = room(&s, RoomKind::Group, a, &[b]).await;
        let r3 = room(&s, RoomKind::Channel, a, &[b]).await;
        let seen: Arc<Mutex<Vec<(i64, i64, i64)>>> = Arc::default();
        let log = seen.clone();
        s.on_message_created(Arc::new(move |m| log.lock().unwrap().push((m.room_id, m.seq, m.id))));
        let other_room = s.post_message(&msg(r1, a, "в первой комнате")).await.unwrap().message;
        let mut reused = msg(r1, a, "nonce used once");
        reused.nonce = Some("used".into());
        s.post_message(&reused).await.unwrap();
        let att = s.create_attachment(&NewAttachment {
            uploader_id: a, room_id: r2, filename: "a.pdf".into(), content_type: "application/pdf".into(),
            size: 3, storage_key: "k".into(),
        }).await.unwrap();

        // Everything at once: the writer takes what queued while it committed.
        #[derive(Debug)]
        enum Want { Created, Retry, Refused(&'static str), EitherAttachment }
        let mut work: Vec<(NewMessage, Want)> = vec![];
        for i in 0..120 {
            let (r, who) = if i % 2 == 0 { (r1, a) } else { (r2, b) };
            let body = if i % 3 == 0 { format!("пингвин номер {i} @boris") } else { format!("сообщение {i}") };
            work.push((msg(r, who, &body), Want::Created));
        }
        for k in 0..10 {
            for _ in 0..2 {
                let mut m = msg(r3, a, &format!("дубль {k}"));
                m.nonce = Some(format!("dup-{k}"));
                work.push((m, Want::Retry));
            }
        }
        let mut elsewhere = msg(r2, a, "same nonce, other room");
        elsewhere.nonce = Some("used".into());
        work.push((elsewhere, Want::Refused("nonce")));
        let mut stale = msg(r1, a, "repeat");
        stale.nonce = Some("used".into());
        work.push((stale, Want::Retry));
        for _ in 0..5 {
            let mut cross = msg(r2, b, "reply across rooms");
            cross.reply_to = Some(other_room.id);
            work.push((cross, Want::Refused("reply_to")));
        }
        for _ in 0..2 {
            let mut file = msg(r2, a, "with a file");
            file.attachments = vec![att.id];
            work.push((file, Want::EitherAttachment));
        }
        work.push((msg(r1, 999_999, "nobody"), Want::Refused("author")));
        work.push((msg(999_999, a, "nowhere"), Want::Refused("room")));
        let tasks: Vec<_> = work
            .into_iter()
            .map(|(m, want)| {
                let s = s.clone();
                tokio::spawn(async move { (s.post_message(&m).await, want, m) })
            })
            .collect();
        let mut created = 0;
        let mut dup_ids: std::collections::HashMap<String, Vec<i64>> = Default::default();
        let mut files = 0;
        for t in tasks {
            let (got, want, m) = t.await.unwrap();
            match (&want, got) {
                (Want::Created, Ok(out)) => {
                    assert!(out.created);
                    assert_eq!((out.message.body.as_str(), out.message.room_id), (m.body.as_str(), m.room_id));
                    created += 1;
                }
                (Want::Retry, Ok(out)) => {
                    created += usize::from(out.created);
                    dup_ids.entry(m.nonce.clone().unwrap()).or_default().push(out.message.id);
                }
                (Want::Refused("nonce"), Err(StoreError::Conflict("nonce"))) => {}
                (Want::Refused("reply_to"), Err(StoreError::Invalid("reply_to"))) => {}
                (Want::Refused("author"), Err(StoreError::Invalid("author"))) => {}
                (Want::Refused("room"), Err(StoreError::NotFound)) => {}
                (Want::EitherAttachment, Ok(out)) => {
                    assert_eq!(out.message.attachments.len(), 1);
                    files += 1;
                    created += 1;
                }
                (Want::EitherAttachment, Err(StoreError::Invalid("attachments"))) => {}
                (want, got) => panic!("{want:?}: {got:?}"),
            }
        }
        assert_eq!(files, 1, "a file belongs to one message");
        assert_eq!(dup_ids.len(), 11);
        for (nonce, ids) in &dup_ids {
            assert!(ids.windows(2).all(|w| w[0] == w[1]), "{nonce}: one message, {ids:?}");
        }
        assert_eq!(created, 120 + 10 + 1, "each nonce stored once");

        // Every room: seqs 1..=n without a gap, each event names its message.
        let mut total = 0;
        for r in [r1, r2, r3] {
            let events = s.events_since(r, 0, 10_000).await.unwrap();
            let last = s.room(r).await.unwrap().unwrap().last_seq;
            assert_eq!(events.iter().map(|e| e.seq).collect::<Vec<_>>(), (1..=last).collect::<Vec<_>>());
            let (page, _) = s.history(r, Page { limit: 200, ..Page::default() }).await.unwrap();
            let created_events: Vec<_> = events.iter().filter(|e| e.kind == EventKind::MessageCreated).collect();
            assert_eq!(created_events.len(), page.len());
            for e in created_events {
                let m = page.iter().find(|m| m.seq == e.seq).expect("a message per event");
                assert_eq!(e.message_id, Some(m.id));
            }
            total += page.len();
        }
        assert_eq!(total, 2 + created);
        // The hook heard each new message once, each room in seq order.
        let seen = seen.lock().unwrap().clone();
        assert_eq!(seen.len(), 2 + created);
        for r in [r1, r2, r3] {
            let seqs: Vec<i64> = seen.iter().filter(|e| e.0 == r).map(|e| e.1).collect();
            assert!(seqs.windows(2).all(|w| w[0] < w[1]), "room {r} heard out of order: {seqs:?}");
        }
        // Search terms and mentions were written with the batch.
        assert_eq!(s.search(&search(b, "пингвин"), true).await.unwrap().len(), 40);
        let view = s.my_room(b, r1).await.unwrap().expect("r1 listed");
        assert_eq!(view.mentions, 20, "{view:?}");
    };
}

/// Two stores on one database (two nodes) racing the same nonces: each
/// nonce is stored once; the batch that loses a race on PostgreSQL is
/// rolled back and written one message at a time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn group_commit_across_two_stores_stores_each_nonce_once() {
    let mut dbs = vec![TestDb::sqlite()];
    if let Some(pg) = TestDb::postgres().await {
        dbs.push(pg);
    }
    for db in dbs {
        let (s1, s2) = (db.store().await, db.store().await);
        let a = user(&s1, "anna").await;
        let r = room(&s1, RoomKind::Channel, a, &[]).await;
        let mut tasks = vec![];
        for round in 0..3 {
            for k in 0..40 {
                for s in [&s1, &s2] {
                    let s = s.clone();
                    let mut m = msg(r, a, &format!("гонка {k}"));
                    m.nonce = Some(format!("race-{k}"));
                    tasks.push(tokio::spawn(async move { (k, round, s.post_message(&m).await.unwrap()) }));
                }
            }
        }
        let mut ids: std::collections::HashMap<usize, std::collections::HashSet<i64>> = Default::default();
        let mut created = 0;
        for t in tasks {
            let (k, _, out) = t.await.unwrap();
            created += usize::from(out.created);
            ids.entry(k).or_default().insert(out.message.id);
        }
        assert_eq!(created, 40);
        assert!(ids.values().all(|set| set.len() == 1), "{ids:?}");
        let events = s1.events_since(r, 0, 1000).await.unwrap();
        assert_eq!(events.iter().map(|e| e.seq).collect::<Vec<_>>(), (1..=40).collect::<Vec<_>>());
    }
}
