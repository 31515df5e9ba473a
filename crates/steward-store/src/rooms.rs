//! Rooms, membership, read markers and the per-room event stream.

use sea_query::{Expr, ExprTrait, JoinType, OnConflict, Order, Query};
use steward_core::model::{EventKind, Member, MyRoom, Room, RoomEvent, UNREAD_CAP, UserBrief};
use steward_core::rooms::RoomPolicy;
use steward_core::{RoomKind, RoomRole};

use crate::db::Conn;
use crate::{Result, Store, StoreError, now_ms};

pub(crate) const ROOM_COLS: [(&str, &str); 9] = [
    ("r", "id"),
    ("r", "kind"),
    ("r", "name"),
    ("r", "topic"),
    ("r", "archived"),
    ("r", "last_seq"),
    ("r", "created_at"),
    ("r", "created_by"),
    ("r", "policy"),
];
type RoomRow = (i64, String, String, String, bool, i64, i64, Option<i64>, String);

fn member_count_expr() -> Expr {
    Expr::cust("(SELECT COUNT(*) FROM room_members mc WHERE mc.room_id = r.id)")
}

fn room_from_row(r: RoomRow, member_count: i64) -> Room {
    let kind = RoomKind::parse(&r.1).unwrap_or(RoomKind::Group);
    // Empty: the kind's defaults. Unreadable (a newer version's field): the defaults too.
    let policy = if r.8.is_empty() { None } else { serde_json::from_str(&r.8).ok() };
    Room {
        id: r.0,
        kind,
        policy: policy.unwrap_or_else(|| RoomPolicy::default_for(kind)),
        name: r.2,
        topic: r.3,
        archived: r.4,
        last_seq: r.5,
        member_count,
        created_at: r.6,
    }
}

#[derive(Debug, Clone)]
pub struct NewRoom {
    pub kind: RoomKind,
    pub name: String,
    pub topic: String,
    pub created_by: i64,
    /// The creator is included with their role.
    pub members: Vec<(i64, RoomRole)>,
}

/// Appends one event to a room's stream inside the caller's transaction and
/// returns its seq. The `UPDATE … RETURNING` takes the room row's lock, so on
/// PostgreSQL concurrent writers to one room commit in seq order and readers
/// never see seq N+1 before N.
pub(crate) async fn append_event(
    conn: &mut Conn<'_>,
    room_id: i64,
    kind: EventKind,
    message_id: Option<i64>,
    user_id: Option<i64>,
    data: &str,
) -> Result<i64> {
    let seq = next_seq(conn, room_id).await?;
    insert_event(conn, room_id, seq, kind, message_id, user_id, data).await?;
    Ok(seq)
}

/// Takes the room's next seq (and the room row's lock until commit).
pub(crate) async fn next_seq(conn: &mut Conn<'_>, room_id: i64) -> Result<i64> {
    let bump = Query::update()
        .table("rooms")
        // i64 as in the writer's batch bump: the same SQL text is one
        // prepared statement on PostgreSQL, so its parameter types must match.
        .value("last_seq", Expr::col("last_seq").add(1i64))
        .and_where(Expr::col("id").eq(room_id))
        .returning_col("last_seq")
        .to_owned();
    Ok(conn.opt::<(i64,)>(&bump).await?.ok_or(StoreError::NotFound)?.0)
}

/// The columns of an event row.
pub(crate) const EVENT_COLS: [&str; 7] = ["room_id", "seq", "kind", "message_id", "user_id", "data", "created_at"];

/// Writes the event row for a seq taken with [`next_seq`] in the same transaction.
pub(crate) async fn insert_event(
    conn: &mut Conn<'_>,
    room_id: i64,
    seq: i64,
    kind: EventKind,
    message_id: Option<i64>,
    user_id: Option<i64>,
    data: &str,
) -> Result<()> {
    let ins = Query::insert()
        .into_table("room_events")
        .columns(EVENT_COLS)
        .values_panic([
            room_id.into(),
            seq.into(),
            kind.as_str().into(),
            message_id.into(),
            user_id.into(),
            data.into(),
            now_ms().into(),
        ])
        .to_owned();
    conn.exec(&ins).await?;
    Ok(())
}

/// Counts (up to [`UNREAD_CAP`]) the live messages by others after a read
/// marker; with `mentions_only`, those that mention the user or the room.
fn count_unread(room_id: i64, user_id: i64, last_read: i64, mentions_only: bool) -> sea_query::SelectStatement {
    let mut inner = Query::select();
    inner
        .expr(Expr::val(1))
        .from("messages")
        .and_where(Expr::col("room_id").eq(room_id))
        .and_where(Expr::col("seq").gt(last_read))
        .and_where(Expr::col("author_id").ne(user_id))
        .and_where(Expr::col("deleted_at").is_null())
        .limit(UNREAD_CAP as u64);
    if mentions_only {
        // Found through indexes, never by walking the unread messages (a
        // million unread in a big channel took seconds): the person's mention
        // rows, plus the room's @room messages (a partial index, migration 18).
        let (r, u, l, cap) = (room_id, user_id, last_read, UNREAD_CAP);
        let sql = format!(
            "CAST((SELECT COUNT(*) FROM (SELECT 1 FROM message_mentions mm JOIN messages m ON m.id = mm.message_id \
                  WHERE mm.user_id = {u} AND mm.room_id = {r} AND mm.seq > {l} AND m.author_id <> {u} \
                  AND m.deleted_at IS NULL AND NOT m.mentions_room LIMIT {cap}) a) + \
               (SELECT COUNT(*) FROM (SELECT 1 FROM messages WHERE room_id = {r} AND mentions_room \
                  AND seq > {l} AND author_id <> {u} AND deleted_at IS NULL LIMIT {cap}) b) AS BIGINT)"
        );
        return Query::select().expr(Expr::cust(sql)).to_owned();
    }
    Query::select().expr(Expr::cust("COUNT(*)")).from_subquery(inner.to_owned(), "x").to_owned()
}

impl Store {
    /// Creates a room with its first members. A direct room between the same
    /// people is created once: asking again returns the existing one
    /// (`created` = false).
    pub async fn create_room(&self, new: &NewRoom) -> Result<(Room, bool)> {
        let direct_key = (new.kind == RoomKind::Direct).then(|| {
            let mut ids: Vec<i64> = new.members.iter().map(|m| m.0).collect();
            ids.sort_unstable();
            ids.dedup();
            ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
        });
        if let Some(key) = &direct_key {
            let q = Query::select()
                .column("id")
                .from("rooms")
                .and_where(Expr::col("direct_key").eq(key.clone()))
                .to_owned();
            let mut c = self.pools.read().await?;
            if let Some((id,)) = c.conn().opt::<(i64,)>(&q).await? {
                drop(c);
                return Ok((self.room(id).await?.ok_or(StoreError::NotFound)?, false));
            }
        }
        let now = now_ms();
        let ins = Query::insert()
            .into_table("rooms")
            .columns(["kind", "name", "topic", "archived", "created_by", "created_at", "last_seq", "direct_key"])
            .values_panic([
                new.kind.as_str().into(),
                new.name.clone().into(),
                new.topic.clone().into(),
                false.into(),
                new.created_by.into(),
                now.into(),
                0i64.into(),
                direct_key.clone().into(),
            ])
            .returning_col("id")
            .to_owned();
        let mut tx = self.tx().await?;
        let id = match tx.conn().one::<(i64,)>(&ins).await {
            Ok((id,)) => id,
            Err(StoreError::Database(e)) if StoreError::is_unique_violation(&e) && direct_key.is_some() => {
                // Another request created the same direct room a moment ago.
                drop(tx);
                let key = direct_key.unwrap_or_default();
                let q =
                    Query::select().column("id").from("rooms").and_where(Expr::col("direct_key").eq(key)).to_owned();
                let mut c = self.pools.read().await?;
                let (id,) = c.conn().one::<(i64,)>(&q).await?;
                drop(c);
                return Ok((self.room(id).await?.ok_or(StoreError::NotFound)?, false));
            }
            Err(e) => return Err(e),
        };
        let mut seen = std::collections::HashSet::new();
        for (user_id, role) in &new.members {
            if !seen.insert(*user_id) {
                continue;
            }
            let m = Query::insert()
                .into_table("room_members")
                .columns(["room_id", "user_id", "role", "joined_at", "last_read_seq"])
                .values_panic([id.into(), (*user_id).into(), role.as_str().into(), now.into(), 0i64.into()])
                .to_owned();
            tx.conn().exec(&m).await.map_err(|e| match e {
                StoreError::Database(sqlx::Error::Database(d)) if d.is_foreign_key_violation() => {
                    StoreError::Invalid("members")
                }
                e => e,
            })?;
        }
        tx.commit().await?;
        Ok((self.room(id).await?.ok_or(StoreError::NotFound)?, true))
    }

    pub async fn room(&self, id: i64) -> Result<Option<Room>> {
        let q = Query::select()
            .columns(ROOM_COLS)
            .expr(member_count_expr())
            .from_as("rooms", "r")
            .and_where(Expr::col(("r", "id")).eq(id))
            .to_owned();
        let mut c = self.pools.read().await?;
        type Row = (i64, String, String, String, bool, i64, i64, Option<i64>, String, i64);
        Ok(c.conn().opt::<Row>(&q).await?.map(|r| room_from_row((r.0, r.1, r.2, r.3, r.4, r.5, r.6, r.7, r.8), r.9)))
    }

    /// A room and the user's role in it (`None` when not a member), in one query.
    pub async fn room_for(&self, room_id: i64, user_id: i64) -> Result<Option<(Room, Option<RoomRole>)>> {
        let q = Query::select()
            .columns(ROOM_COLS)
            .expr(member_count_expr())
            .column(("m", "role"))
            .from_as("rooms", "r")
            .join_as(
                JoinType::LeftJoin,
                "room_members",
                "m",
                Expr::col(("m", "room_id")).equals(("r", "id")).and(Expr::col(("m", "user_id")).eq(user_id)),
            )
            .and_where(Expr::col(("r", "id")).eq(room_id))
            .to_owned();
        type Row = (i64, String, String, String, bool, i64, i64, Option<i64>, String, i64, Option<String>);
        let mut c = self.pools.read().await?;
        Ok(c.conn().opt::<Row>(&q).await?.map(|r| {
            let role = r.10.as_deref().and_then(|x| RoomRole::parse(x).ok());
            (room_from_row((r.0, r.1, r.2, r.3, r.4, r.5, r.6, r.7, r.8), r.9), role)
        }))
    }

    /// The caller's role in a room, `None` when not a member.
    pub async fn membership(&self, room_id: i64, user_id: i64) -> Result<Option<RoomRole>> {
        let q = Query::select()
            .column("role")
            .from("room_members")
            .and_where(Expr::col("room_id").eq(room_id))
            .and_where(Expr::col("user_id").eq(user_id))
            .to_owned();
        let mut c = self.pools.read().await?;
        Ok(c.conn().opt::<(String,)>(&q).await?.and_then(|r| RoomRole::parse(&r.0).ok()))
    }

    /// The rooms a user is in, with read markers and unread/mention counts,
    /// most recently active first.
    pub async fn my_rooms(&self, user_id: i64) -> Result<Vec<MyRoom>> {
        self.my_rooms_where(user_id, None).await
    }

    /// One room as a member sees it in their list (`None` when not a member).
    pub async fn my_room(&self, user_id: i64, room_id: i64) -> Result<Option<MyRoom>> {
        Ok(self.my_rooms_where(user_id, Some(room_id)).await?.into_iter().next())
    }

    async fn my_rooms_where(&self, user_id: i64, room_id: Option<i64>) -> Result<Vec<MyRoom>> {
        let mut q = Query::select();
        if let Some(id) = room_id {
            q.and_where(Expr::col(("r", "id")).eq(id));
        }
        let q = q
            .columns(ROOM_COLS)
            .expr(member_count_expr())
            .columns([("m", "role"), ("m", "last_read_seq")])
            .from_as("room_members", "m")
            .join_as(JoinType::InnerJoin, "rooms", "r", Expr::col(("r", "id")).equals(("m", "room_id")))
            .and_where(Expr::col(("m", "user_id")).eq(user_id))
            .order_by(("r", "id"), Order::Asc)
            .to_owned();
        type Row = (i64, String, String, String, bool, i64, i64, Option<i64>, String, i64, String, i64);
        let mut c = self.pools.read().await?;
        let rows = c.conn().all::<Row>(&q).await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let room = room_from_row((r.0, r.1, r.2, r.3, r.4, r.5, r.6, r.7, r.8), r.9);
            let last_read = r.11;
            let (unread, mentions) = if room.last_seq > last_read {
                let unread = c.conn().one::<(i64,)>(&count_unread(room.id, user_id, last_read, false)).await?.0;
                let mentions = if unread > 0 {
                    std::cmp::min(
                        c.conn().one::<(i64,)>(&count_unread(room.id, user_id, last_read, true)).await?.0,
                        UNREAD_CAP,
                    )
                } else {
                    0
                };
                (unread, mentions)
            } else {
                (0, 0)
            };
            out.push(MyRoom {
                room,
                my_role: RoomRole::parse(&r.10).unwrap_or(RoomRole::Member),
                last_read_seq: last_read,
                unread,
                mentions,
            });
        }
        Ok(out)
    }

    /// `(room_id, last_seq)` of every room a user is in: what a gateway
    /// connection subscribes to and where each stream stands.
    pub async fn my_room_seqs(&self, user_id: i64) -> Result<Vec<(i64, i64)>> {
        let q = Query::select()
            .columns([("r", "id"), ("r", "last_seq")])
            .from_as("room_members", "m")
            .join_as(JoinType::InnerJoin, "rooms", "r", Expr::col(("r", "id")).equals(("m", "room_id")))
            .and_where(Expr::col(("m", "user_id")).eq(user_id))
            .to_owned();
        let mut c = self.pools.read().await?;
        c.conn().all(&q).await
    }

    /// Public rooms (channels and broadcast channels) that are not archived.
    pub async fn public_rooms(&self, limit: u64) -> Result<Vec<Room>> {
        let q = Query::select()
            .columns(ROOM_COLS)
            .expr(member_count_expr())
            .from_as("rooms", "r")
            .and_where(Expr::col(("r", "kind")).is_in(["channel", "broadcast"]))
            .and_where(Expr::col(("r", "archived")).eq(false))
            .order_by(("r", "name"), Order::Asc)
            .limit(limit)
            .to_owned();
        type Row = (i64, String, String, String, bool, i64, i64, Option<i64>, String, i64);
        let mut c = self.pools.read().await?;
        Ok(c.conn()
            .all::<Row>(&q)
            .await?
            .into_iter()
            .map(|r| room_from_row((r.0, r.1, r.2, r.3, r.4, r.5, r.6, r.7, r.8), r.9))
            .collect())
    }

    /// Every room but direct conversations, for administrators; `q` filters by name.
    pub async fn all_rooms(&self, q: &str, limit: u64) -> Result<Vec<Room>> {
        let mut s = Query::select();
        s.columns(ROOM_COLS)
            .expr(member_count_expr())
            .from_as("rooms", "r")
            .and_where(Expr::col(("r", "kind")).ne("direct"))
            .order_by(("r", "name"), Order::Asc)
            .limit(limit.clamp(1, 1000));
        let needle = q.trim().to_lowercase().replace(['%', '_', '\\'], "");
        if !needle.is_empty() {
            s.and_where(Expr::col(("r", "name")).like(format!("%{needle}%")));
        }
        type Row = (i64, String, String, String, bool, i64, i64, Option<i64>, String, i64);
        let mut c = self.pools.read().await?;
        Ok(c.conn()
            .all::<Row>(&s)
            .await?
            .into_iter()
            .map(|r| room_from_row((r.0, r.1, r.2, r.3, r.4, r.5, r.6, r.7, r.8), r.9))
            .collect())
    }

    pub async fn members(&self, room_id: i64) -> Result<Vec<Member>> {
        let q = Query::select()
            .columns([("u", "id"), ("u", "username"), ("u", "display_name"), ("u", "avatar_color")])
            .columns([("m", "role"), ("m", "joined_at")])
            .from_as("room_members", "m")
            .join_as(JoinType::InnerJoin, "users", "u", Expr::col(("u", "id")).equals(("m", "user_id")))
            .and_where(Expr::col(("m", "room_id")).eq(room_id))
            .order_by(("u", "display_name"), Order::Asc)
            .to_owned();
        type Row = (i64, String, String, String, String, i64);
        let mut c = self.pools.read().await?;
        Ok(c.conn()
            .all::<Row>(&q)
            .await?
            .into_iter()
            .map(|r| Member {
                user: UserBrief { id: r.0, username: r.1, display_name: r.2, avatar_color: r.3 },
                role: RoomRole::parse(&r.4).unwrap_or(RoomRole::Member),
                joined_at: r.5,
            })
            .collect())
    }

    pub async fn member_ids(&self, room_id: i64) -> Result<Vec<i64>> {
        let q = Query::select()
            .column("user_id")
            .from("room_members")
            .and_where(Expr::col("room_id").eq(room_id))
            .to_owned();
        let mut c = self.pools.read().await?;
        Ok(c.conn().all::<(i64,)>(&q).await?.into_iter().map(|r| r.0).collect())
    }

    /// Adds members; returns `(user_id, seq)` of each one that was not a member yet.
    pub async fn add_members(&self, room_id: i64, user_ids: &[i64], role: RoomRole) -> Result<Vec<(i64, i64)>> {
        let now = now_ms();
        let mut tx = self.tx().await?;
        let mut added = Vec::new();
        for &uid in user_ids {
            let ins = Query::insert()
                .into_table("room_members")
                .columns(["room_id", "user_id", "role", "joined_at", "last_read_seq"])
                .values_panic([room_id.into(), uid.into(), role.as_str().into(), now.into(), 0i64.into()])
                .on_conflict(OnConflict::columns(["room_id", "user_id"]).do_nothing().to_owned())
                .to_owned();
            let n = tx.conn().exec(&ins).await.map_err(|e| match e {
                StoreError::Database(sqlx::Error::Database(d)) if d.is_foreign_key_violation() => {
                    StoreError::Invalid("user_ids")
                }
                e => e,
            })?;
            if n > 0 {
                let seq = append_event(&mut tx.conn(), room_id, EventKind::MemberJoined, None, Some(uid), "").await?;
                // A new member starts with everything before them read.
                let mark = Query::update()
                    .table("room_members")
                    .value("last_read_seq", seq)
                    .and_where(Expr::col("room_id").eq(room_id))
                    .and_where(Expr::col("user_id").eq(uid))
                    .to_owned();
                tx.conn().exec(&mark).await?;
                added.push((uid, seq));
            }
        }
        tx.commit().await?;
        Ok(added)
    }

    /// Removes a member; returns the seq of the `member.left` event, `None` if
    /// they were not a member.
    pub async fn remove_member(&self, room_id: i64, user_id: i64) -> Result<Option<i64>> {
        let del = Query::delete()
            .from_table("room_members")
            .and_where(Expr::col("room_id").eq(room_id))
            .and_where(Expr::col("user_id").eq(user_id))
            .to_owned();
        let mut tx = self.tx().await?;
        if tx.conn().exec(&del).await? == 0 {
            return Ok(None);
        }
        let seq = append_event(&mut tx.conn(), room_id, EventKind::MemberLeft, None, Some(user_id), "").await?;
        tx.commit().await?;
        Ok(Some(seq))
    }

    /// Moves a member's read marker forward (never back, never past the end).
    /// Returns the marker now in place.
    pub async fn mark_read(&self, room_id: i64, user_id: i64, seq: i64) -> Result<i64> {
        let mut tx = self.tx().await?;
        let last = Query::select().column("last_seq").from("rooms").and_where(Expr::col("id").eq(room_id)).to_owned();
        let last_seq = tx.conn().opt::<(i64,)>(&last).await?.ok_or(StoreError::NotFound)?.0;
        let seq = seq.clamp(0, last_seq);
        let q = Query::update()
            .table("room_members")
            .value("last_read_seq", seq)
            .and_where(Expr::col("room_id").eq(room_id))
            .and_where(Expr::col("user_id").eq(user_id))
            .and_where(Expr::col("last_read_seq").lt(seq))
            .to_owned();
        tx.conn().exec(&q).await?;
        let get = Query::select()
            .column("last_read_seq")
            .from("room_members")
            .and_where(Expr::col("room_id").eq(room_id))
            .and_where(Expr::col("user_id").eq(user_id))
            .to_owned();
        let now = tx.conn().opt::<(i64,)>(&get).await?.ok_or(StoreError::NotFound)?.0;
        tx.commit().await?;
        Ok(now)
    }

    /// Archives (read-only for everyone) or unarchives a room; returns it and the `room.updated` seq.
    pub async fn set_archived(&self, room_id: i64, archived: bool) -> Result<(Room, i64)> {
        let q = Query::update()
            .table("rooms")
            .value("archived", archived)
            .and_where(Expr::col("id").eq(room_id))
            .to_owned();
        let mut tx = self.tx().await?;
        if tx.conn().exec(&q).await? == 0 {
            return Err(StoreError::NotFound);
        }
        let data = if archived { "archived" } else { "unarchived" };
        let seq = append_event(&mut tx.conn(), room_id, EventKind::RoomUpdated, None, None, data).await?;
        tx.commit().await?;
        Ok((self.room(room_id).await?.ok_or(StoreError::NotFound)?, seq))
    }

    /// Changes a member's room role; returns the `room.updated` seq.
    pub async fn set_member_role(&self, room_id: i64, user_id: i64, role: RoomRole) -> Result<i64> {
        let q = Query::update()
            .table("room_members")
            .value("role", role.as_str())
            .and_where(Expr::col("room_id").eq(room_id))
            .and_where(Expr::col("user_id").eq(user_id))
            .to_owned();
        let mut tx = self.tx().await?;
        if tx.conn().exec(&q).await? == 0 {
            return Err(StoreError::NotFound);
        }
        let seq =
            append_event(&mut tx.conn(), room_id, EventKind::RoomUpdated, None, Some(user_id), "member_role").await?;
        tx.commit().await?;
        Ok(seq)
    }

    /// Replaces a room's policy; returns the room and the `room.updated` seq.
    pub async fn set_room_policy(&self, room_id: i64, policy: &RoomPolicy) -> Result<(Room, i64)> {
        let json = serde_json::to_string(policy).map_err(|_| StoreError::Invalid("policy"))?;
        let q = Query::update().table("rooms").value("policy", json).and_where(Expr::col("id").eq(room_id)).to_owned();
        let mut tx = self.tx().await?;
        if tx.conn().exec(&q).await? == 0 {
            return Err(StoreError::NotFound);
        }
        let seq = append_event(&mut tx.conn(), room_id, EventKind::RoomUpdated, None, None, "policy").await?;
        tx.commit().await?;
        Ok((self.room(room_id).await?.ok_or(StoreError::NotFound)?, seq))
    }

    /// When a person last posted in a room (Unix ms), for slow mode.
    pub async fn last_post_at(&self, room_id: i64, user_id: i64) -> Result<Option<i64>> {
        let q = Query::select()
            .expr(Expr::col("created_at").max())
            .from("messages")
            .and_where(Expr::col("room_id").eq(room_id))
            .and_where(Expr::col("author_id").eq(user_id))
            .to_owned();
        let mut c = self.pools.read().await?;
        Ok(c.conn().one::<(Option<i64>,)>(&q).await?.0)
    }

    /// Turns a channel into a private group or back; returns the room and the `room.updated` seq.
    pub async fn set_room_kind(&self, room_id: i64, kind: RoomKind) -> Result<(Room, i64)> {
        let q = Query::update()
            .table("rooms")
            .value("kind", kind.as_str())
            .and_where(Expr::col("id").eq(room_id))
            .to_owned();
        let mut tx = self.tx().await?;
        if tx.conn().exec(&q).await? == 0 {
            return Err(StoreError::NotFound);
        }
        let seq = append_event(&mut tx.conn(), room_id, EventKind::RoomUpdated, None, None, kind.as_str()).await?;
        tx.commit().await?;
        Ok((self.room(room_id).await?.ok_or(StoreError::NotFound)?, seq))
    }

    /// Deletes a room and everything in it (messages, events, reactions,
    /// files' records) in one transaction. Returns who was in it and the
    /// storage keys of its files, which the caller removes from disk.
    pub async fn delete_room(&self, room_id: i64) -> Result<(Vec<i64>, Vec<String>)> {
        let mut tx = self.tx().await?;
        let q = Query::select()
            .column("user_id")
            .from("room_members")
            .and_where(Expr::col("room_id").eq(room_id))
            .to_owned();
        let members: Vec<i64> = tx.conn().all::<(i64,)>(&q).await?.into_iter().map(|(id,)| id).collect();
        let q = Query::select()
            .column("storage_key")
            .from("attachments")
            .and_where(Expr::col("room_id").eq(room_id))
            .to_owned();
        let keys: Vec<String> = tx.conn().all::<(String,)>(&q).await?.into_iter().map(|(k,)| k).collect();
        if tx.conn().backend() == crate::Backend::Sqlite {
            tx.conn()
                .raw_exec(
                    "DELETE FROM messages_fts WHERE rowid IN (SELECT id FROM messages WHERE room_id = ?)",
                    "",
                    vec![sea_query::Value::BigInt(Some(room_id))],
                )
                .await?;
        }
        let d = Query::delete().from_table("rooms").and_where(Expr::col("id").eq(room_id)).to_owned();
        if tx.conn().exec(&d).await? == 0 {
            return Err(StoreError::NotFound);
        }
        tx.commit().await?;
        Ok((members, keys))
    }

    /// Renames a room or changes its topic; returns the updated room and the event seq.
    pub async fn update_room(&self, room_id: i64, name: Option<&str>, topic: Option<&str>) -> Result<(Room, i64)> {
        let mut q = Query::update();
        q.table("rooms").and_where(Expr::col("id").eq(room_id));
        if let Some(n) = name {
            q.value("name", n);
        }
        if let Some(t) = topic {
            q.value("topic", t);
        }
        let mut tx = self.tx().await?;
        if name.is_some() || topic.is_some() {
            tx.conn().exec(&q).await?;
        }
        let seq = append_event(&mut tx.conn(), room_id, EventKind::RoomUpdated, None, None, "").await?;
        tx.commit().await?;
        Ok((self.room(room_id).await?.ok_or(StoreError::NotFound)?, seq))
    }

    /// The display names of the other members of direct rooms, for titles.
    pub async fn direct_peers(&self, user_id: i64, room_ids: &[i64]) -> Result<Vec<(i64, UserBrief)>> {
        if room_ids.is_empty() {
            return Ok(vec![]);
        }
        let q = Query::select()
            .column(("m", "room_id"))
            .columns([("u", "id"), ("u", "username"), ("u", "display_name"), ("u", "avatar_color")])
            .from_as("room_members", "m")
            .join_as(JoinType::InnerJoin, "users", "u", Expr::col(("u", "id")).equals(("m", "user_id")))
            .and_where(Expr::col(("m", "room_id")).is_in(room_ids.iter().copied()))
            .and_where(Expr::col(("m", "user_id")).ne(user_id))
            .order_by(("u", "display_name"), Order::Asc)
            .to_owned();
        type Row = (i64, i64, String, String, String);
        let mut c = self.pools.read().await?;
        Ok(c.conn()
            .all::<Row>(&q)
            .await?
            .into_iter()
            .map(|r| (r.0, UserBrief { id: r.1, username: r.2, display_name: r.3, avatar_color: r.4 }))
            .collect())
    }

    /// Events of a room after `after_seq`, oldest first, at most `limit`.
    pub async fn events_since(&self, room_id: i64, after_seq: i64, limit: u64) -> Result<Vec<RoomEvent>> {
        let q = Query::select()
            .columns(["room_id", "seq", "kind", "message_id", "user_id", "data", "created_at"])
            .from("room_events")
            .and_where(Expr::col("room_id").eq(room_id))
            .and_where(Expr::col("seq").gt(after_seq))
            .order_by("seq", Order::Asc)
            .limit(limit)
            .to_owned();
        type Row = (i64, i64, String, Option<i64>, Option<i64>, String, i64);
        let mut c = self.pools.read().await?;
        Ok(c.conn()
            .all::<Row>(&q)
            .await?
            .into_iter()
            .filter_map(|r| {
                Some(RoomEvent {
                    room_id: r.0,
                    seq: r.1,
                    kind: EventKind::parse(&r.2)?,
                    message_id: r.3,
                    user_id: r.4,
                    data: r.5,
                    created_at: r.6,
                })
            })
            .collect())
    }
}
