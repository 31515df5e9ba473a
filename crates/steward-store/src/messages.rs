//! Messages: posting with per-room seq and nonce retries, edits with history,
//! tombstones, reactions, pins, history pages, attachments and search.

use std::collections::HashMap;

use sea_query::{Expr, ExprTrait, JoinType, Order, Query, SelectStatement, Value};
use steward_core::markdown::excerpt;
use steward_core::model::{Attachment, EventKind, Message, ReactionSummary, ReplyPreview, UserBrief};

use crate::db::{Backend, Conn, Pools, Tx};
use crate::rooms::{EVENT_COLS, append_event, insert_event, next_seq};
use crate::users::map_unique;
use crate::{Result, Store, StoreError, now_ms};

/// Distinct reactions one message may carry.
pub const MAX_REACTION_KINDS: usize = 20;
/// Attachments per message.
pub const MAX_ATTACHMENTS: usize = 10;

#[derive(Debug, Clone)]
pub struct NewMessage {
    pub room_id: i64,
    pub author_id: i64,
    pub body: String,
    pub html: String,
    pub reply_to: Option<i64>,
    pub nonce: Option<String>,
    /// Lower-cased usernames mentioned; only room members get a mention.
    pub mentions: Vec<String>,
    pub mentions_room: bool,
    /// A staff-only note in a support conversation.
    pub internal: bool,
    pub attachments: Vec<i64>,
    /// Stemmed terms for the SQLite index (ignored on PostgreSQL, which
    /// computes its own `tsvector`).
    pub search_terms: String,
}

impl NewMessage {
    /// A message as its author wrote it: the markdown rendered to safe HTML,
    /// its mentions found and its search terms stemmed. Body validation is the
    /// caller's (see `steward_core::validate::MessageBody`).
    pub fn compose(room_id: i64, author_id: i64, body: &str) -> NewMessage {
        let (html, mentions) = steward_core::markdown::render(body);
        NewMessage {
            room_id,
            author_id,
            body: body.to_string(),
            html,
            reply_to: None,
            nonce: None,
            mentions: mentions.users,
            mentions_room: mentions.room,
            internal: false,
            attachments: vec![],
            search_terms: steward_core::search::index_terms(body),
        }
    }
}

#[derive(Debug, Clone)]
pub struct PostOutcome {
    pub message: Message,
    /// False when the nonce matched an earlier message, which is returned as is.
    pub created: bool,
}

/// A key-set page of history: `before_seq` pages back, `after_seq` forward;
/// neither gives the newest messages.
#[derive(Debug, Clone, Copy, Default)]
pub struct Page {
    pub before_seq: Option<i64>,
    pub after_seq: Option<i64>,
    pub limit: u64,
}

#[derive(Debug, Clone)]
pub struct SearchQuery {
    pub user_id: i64,
    /// Stems for SQLite; PostgreSQL parses `text` itself.
    pub terms: Vec<String>,
    pub text: String,
    pub room_id: Option<i64>,
    pub author_id: Option<i64>,
    /// Only messages older than this id (the next page).
    pub before_id: Option<i64>,
    pub limit: u64,
}

#[derive(Debug, Clone)]
pub struct NewAttachment {
    pub uploader_id: i64,
    pub room_id: i64,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub storage_key: String,
}

/// Where an attachment lives and who may see it.
#[derive(Debug, Clone)]
pub struct AttachmentFile {
    pub attachment: Attachment,
    pub room_id: i64,
    pub uploader_id: i64,
    pub message_id: Option<i64>,
    pub message_deleted: bool,
    pub storage_key: String,
}

const MSG_COLS: [(&str, &str); 12] = [
    ("m", "id"),
    ("m", "room_id"),
    ("m", "seq"),
    ("m", "author_id"),
    ("m", "body"),
    ("m", "html"),
    ("m", "created_at"),
    ("m", "edited_at"),
    ("m", "deleted_at"),
    ("m", "reply_to"),
    ("m", "nonce"),
    ("m", "pinned_at"),
];
/// `mentions_room` (1) and `internal` (2) as one integer: rows decode as
/// tuples, and both backends decode tuples of at most 16 columns.
const MSG_FLAGS: &str =
    "CAST((CASE WHEN m.mentions_room THEN 1 ELSE 0 END) + (CASE WHEN m.internal THEN 2 ELSE 0 END) AS BIGINT)";
type MsgRow = (
    i64,
    i64,
    i64,
    i64,
    String,
    String,
    i64,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<i64>,
    i64,
    String,
    String,
    String,
);

fn select_messages() -> SelectStatement {
    Query::select()
        .columns(MSG_COLS)
        .expr(Expr::cust(MSG_FLAGS))
        .columns([("u", "username"), ("u", "display_name"), ("u", "avatar_color")])
        .from_as("messages", "m")
        .join_as(JoinType::InnerJoin, "users", "u", Expr::col(("u", "id")).equals(("m", "author_id")))
        .to_owned()
}

fn is_image(content_type: &str) -> bool {
    matches!(content_type, "image/png" | "image/jpeg" | "image/gif" | "image/webp")
}

/// The columns a new message is written with; [`message_row`] gives its values.
pub(crate) const MESSAGE_COLS: [&str; 10] =
    ["room_id", "seq", "author_id", "body", "html", "created_at", "reply_to", "nonce", "mentions_room", "internal"];

pub(crate) fn message_row(new: &NewMessage, seq: i64, created_at: i64) -> [Expr; 10] {
    [
        new.room_id.into(),
        seq.into(),
        new.author_id.into(),
        new.body.clone().into(),
        new.html.clone().into(),
        created_at.into(),
        new.reply_to.into(),
        new.nonce.clone().into(),
        new.mentions_room.into(),
        new.internal.into(),
    ]
}

/// A message as what a reply shows of it.
fn reply_preview(r: &MsgRow) -> ReplyPreview {
    ReplyPreview {
        id: r.0,
        seq: r.2,
        author_display_name: r.14.clone(),
        excerpt: if r.8.is_some() { String::new() } else { excerpt(&r.4, 140) },
        deleted: r.8.is_some(),
    }
}

/// What a new message replying to `reply` shows of it; `Invalid("reply_to")`
/// unless that message is in the same room.
pub(crate) async fn reply_in_room(conn: &mut Conn<'_>, room_id: i64, reply: i64) -> Result<ReplyPreview> {
    let q = select_messages()
        .and_where(Expr::col(("m", "id")).eq(reply))
        .and_where(Expr::col(("m", "room_id")).eq(room_id))
        .to_owned();
    conn.opt::<MsgRow>(&q).await?.map(|r| reply_preview(&r)).ok_or(StoreError::Invalid("reply_to"))
}

/// Attaches the author's free uploads `wanted` (sorted, distinct) in the
/// room to message `id` and returns them; `Invalid("attachments")` when any
/// is not theirs, not in the room or taken.
pub(crate) async fn claim_attachments(
    conn: &mut Conn<'_>,
    new: &NewMessage,
    id: i64,
    wanted: &[i64],
) -> Result<Vec<Attachment>> {
    let q = Query::update()
        .table("attachments")
        .value("message_id", id)
        .and_where(Expr::col("id").is_in(wanted.iter().copied()))
        .and_where(Expr::col("uploader_id").eq(new.author_id))
        .and_where(Expr::col("room_id").eq(new.room_id))
        .and_where(Expr::col("message_id").is_null())
        .to_owned();
    if conn.exec(&q).await? != wanted.len() as u64 {
        return Err(StoreError::Invalid("attachments"));
    }
    let q = Query::select()
        .columns(["id", "filename", "content_type", "size"])
        .from("attachments")
        .and_where(Expr::col("message_id").eq(id))
        .order_by("id", Order::Asc)
        .to_owned();
    Ok(conn
        .all::<(i64, String, String, i64)>(&q)
        .await?
        .into_iter()
        .map(|(aid, filename, ct, size)| Attachment {
            id: aid,
            url: Attachment::url_for(aid, &filename),
            is_image: is_image(&ct),
            filename,
            content_type: ct,
            size,
        })
        .collect())
}

/// A message just written, as stored, without reading it back.
pub(crate) fn written_message(
    new: &NewMessage,
    id: i64,
    seq: i64,
    author: UserBrief,
    created_at: i64,
    reply_to: Option<ReplyPreview>,
    attachments: Vec<Attachment>,
) -> Message {
    Message {
        id,
        room_id: new.room_id,
        seq,
        author_id: new.author_id,
        author,
        body: new.body.clone(),
        html: new.html.clone(),
        created_at,
        edited_at: None,
        deleted: false,
        reply_to,
        mentions_room: new.mentions_room,
        reactions: vec![],
        pinned: false,
        attachments,
        nonce: new.nonce.clone(),
        internal: new.internal,
    }
}

/// Full messages for ids (any room), in no particular order.
pub(crate) async fn hydrate_ids(conn: &mut Conn<'_>, ids: &[i64]) -> Result<Vec<Message>> {
    let q = select_messages().and_where(Expr::col(("m", "id")).is_in(ids.iter().copied())).to_owned();
    let rows = conn.all::<MsgRow>(&q).await?;
    hydrate(conn, rows).await
}

/// Turns rows into full messages: reply previews, reactions, attachments.
async fn hydrate(conn: &mut Conn<'_>, rows: Vec<MsgRow>) -> Result<Vec<Message>> {
    if rows.is_empty() {
        return Ok(vec![]);
    }
    let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
    let reply_ids: Vec<i64> = rows.iter().filter_map(|r| r.9).collect();

    let mut replies: HashMap<i64, ReplyPreview> = HashMap::new();
    if !reply_ids.is_empty() {
        let q = select_messages().and_where(Expr::col(("m", "id")).is_in(reply_ids)).to_owned();
        for r in conn.all::<MsgRow>(&q).await? {
            replies.insert(r.0, reply_preview(&r));
        }
    }

    let mut reactions: HashMap<i64, Vec<ReactionSummary>> = HashMap::new();
    let q = Query::select()
        .columns(["message_id", "emoji", "user_id"])
        .from("reactions")
        .and_where(Expr::col("message_id").is_in(ids.iter().copied()))
        .order_by("created_at", Order::Asc)
        .order_by("user_id", Order::Asc)
        .to_owned();
    for (mid, emoji, uid) in conn.all::<(i64, String, i64)>(&q).await? {
        let list = reactions.entry(mid).or_default();
        match list.iter_mut().find(|s| s.emoji == emoji) {
            Some(s) => {
                s.count += 1;
                s.user_ids.push(uid);
            }
            None => list.push(ReactionSummary { emoji, count: 1, user_ids: vec![uid] }),
        }
    }

    let mut files: HashMap<i64, Vec<Attachment>> = HashMap::new();
    let q = Query::select()
        .columns(["message_id", "id", "filename", "content_type", "size"])
        .from("attachments")
        .and_where(Expr::col("message_id").is_in(ids.iter().copied()))
        .order_by("id", Order::Asc)
        .to_owned();
    for (mid, id, filename, ct, size) in conn.all::<(i64, i64, String, String, i64)>(&q).await? {
        files.entry(mid).or_default().push(Attachment {
            id,
            url: Attachment::url_for(id, &filename),
            is_image: is_image(&ct),
            filename,
            content_type: ct,
            size,
        });
    }

    Ok(rows
        .into_iter()
        .map(|r| {
            let deleted = r.8.is_some();
            Message {
                id: r.0,
                room_id: r.1,
                seq: r.2,
                author_id: r.3,
                author: UserBrief { id: r.3, username: r.13, display_name: r.14, avatar_color: r.15 },
                body: r.4,
                html: r.5,
                created_at: r.6,
                edited_at: r.7,
                deleted,
                reply_to: r.9.and_then(|id| replies.get(&id).cloned()),
                mentions_room: r.12 & 1 != 0,
                internal: r.12 & 2 != 0,
                reactions: if deleted { vec![] } else { reactions.remove(&r.0).unwrap_or_default() },
                pinned: r.11.is_some(),
                attachments: if deleted { vec![] } else { files.remove(&r.0).unwrap_or_default() },
                nonce: r.10,
            }
        })
        .collect())
}

pub(crate) async fn load_message(conn: &mut Conn<'_>, room_id: i64, id: i64) -> Result<Option<Message>> {
    let q = select_messages()
        .and_where(Expr::col(("m", "id")).eq(id))
        .and_where(Expr::col(("m", "room_id")).eq(room_id))
        .to_owned();
    let rows = conn.all::<MsgRow>(&q).await?;
    Ok(hydrate(conn, rows).await?.into_iter().next())
}

async fn find_by_nonce(conn: &mut Conn<'_>, author_id: i64, nonce: &str) -> Result<Option<(i64, i64)>> {
    let q = Query::select()
        .columns(["id", "room_id"])
        .from("messages")
        .and_where(Expr::col("author_id").eq(author_id))
        .and_where(Expr::col("nonce").eq(nonce))
        .to_owned();
    conn.opt::<(i64, i64)>(&q).await
}

pub(crate) async fn set_mentions(
    conn: &mut Conn<'_>,
    message_id: i64,
    room_id: i64,
    seq: i64,
    usernames: &[String],
) -> Result<()> {
    let del =
        Query::delete().from_table("message_mentions").and_where(Expr::col("message_id").eq(message_id)).to_owned();
    conn.exec(&del).await?;
    if usernames.is_empty() {
        return Ok(());
    }
    let pick = Query::select()
        .expr(Expr::val(message_id))
        .column(("u", "id"))
        .expr(Expr::val(room_id))
        .expr(Expr::val(seq))
        .from_as("users", "u")
        .join_as(
            JoinType::InnerJoin,
            "room_members",
            "rm",
            Expr::col(("rm", "user_id")).equals(("u", "id")).and(Expr::col(("rm", "room_id")).eq(room_id)),
        )
        .and_where(Expr::col(("u", "username")).is_in(usernames.iter().cloned()))
        .to_owned();
    let ins = Query::insert()
        .into_table("message_mentions")
        .columns(["message_id", "user_id", "room_id", "seq"])
        .select_from(pick)
        .map_err(|_| StoreError::Invalid("mentions"))?
        .to_owned();
    conn.exec(&ins).await?;
    Ok(())
}

async fn index_terms(conn: &mut Conn<'_>, message_id: i64, terms: Option<&str>) -> Result<()> {
    if conn.backend() != Backend::Sqlite {
        return Ok(());
    }
    conn.raw_exec("DELETE FROM messages_fts WHERE rowid = ?", "", vec![Value::BigInt(Some(message_id))]).await?;
    if let Some(terms) = terms.filter(|t| !t.is_empty()) {
        conn.raw_exec(
            "INSERT INTO messages_fts (rowid, terms) VALUES (?, ?)",
            "",
            vec![Value::BigInt(Some(message_id)), Value::String(Some(terms.to_string()))],
        )
        .await?;
    }
    Ok(())
}

/// Not-found unless the message is in the room and not deleted.
async fn ensure_live(conn: &mut Conn<'_>, room_id: i64, id: i64) -> Result<()> {
    let q = Query::select()
        .column("id")
        .from("messages")
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("room_id").eq(room_id))
        .and_where(Expr::col("deleted_at").is_null())
        .to_owned();
    conn.opt::<(i64,)>(&q).await?.map(|_| ()).ok_or(StoreError::NotFound)
}

async fn keep_old_body(conn: &mut Conn<'_>, message_id: i64, by: i64) -> Result<()> {
    let q = Query::insert()
        .into_table("message_edits")
        .columns(["message_id", "body", "replaced_at", "replaced_by"])
        .select_from(
            Query::select()
                .column("id")
                .column("body")
                .expr(Expr::val(now_ms()))
                .expr(Expr::val(by))
                .from("messages")
                .and_where(Expr::col("id").eq(message_id))
                .to_owned(),
        )
        .map_err(|_| StoreError::Invalid("message"))?
        .to_owned();
    conn.exec(&q).await?;
    Ok(())
}

/// Stores one message and its `message.created` event in a transaction of
/// its own: the path a batch falls back to (see `writer`).
pub(crate) async fn post_single(pools: &Pools, new: &NewMessage) -> Result<PostOutcome> {
    if new.attachments.len() > MAX_ATTACHMENTS {
        return Err(StoreError::Limit("attachments"));
    }
    if let Some(nonce) = &new.nonce
        && let Some(found) = message_by_nonce(pools, new.author_id, nonce).await?
    {
        // A nonce names one message: reusing it elsewhere is a client bug, not a retry.
        if found.room_id != new.room_id {
            return Err(StoreError::Conflict("nonce"));
        }
        return Ok(PostOutcome { message: found, created: false });
    }
    let mut tx = Tx::begin(pools).await?;
    let mut conn = tx.conn();
    let reply = match new.reply_to {
        Some(reply) => Some(reply_in_room(&mut conn, new.room_id, reply).await?),
        None => None,
    };
    let author = Query::select()
        .columns(["username", "display_name", "avatar_color"])
        .from("users")
        .and_where(Expr::col("id").eq(new.author_id))
        .to_owned();
    let (username, display_name, avatar_color) =
        conn.opt::<(String, String, String)>(&author).await?.ok_or(StoreError::Invalid("author"))?;
    let seq = next_seq(&mut conn, new.room_id).await?;
    let created_at = now_ms();
    let ins = Query::insert()
        .into_table("messages")
        .columns(MESSAGE_COLS)
        .values_panic(message_row(new, seq, created_at))
        .returning_col("id")
        .to_owned();
    let id = match conn.one::<(i64,)>(&ins).await {
        Ok((id,)) => id,
        Err(StoreError::Database(e)) if StoreError::is_unique_violation(&e) && new.nonce.is_some() => {
            // The same nonce committed concurrently: answer with that message.
            drop(tx);
            let nonce = new.nonce.as_deref().unwrap_or_default();
            let found = message_by_nonce(pools, new.author_id, nonce).await?.ok_or(StoreError::NotFound)?;
            if found.room_id != new.room_id {
                return Err(StoreError::Conflict("nonce"));
            }
            return Ok(PostOutcome { message: found, created: false });
        }
        Err(StoreError::Database(e)) => return Err(map_unique(e, &["nonce"])),
        Err(e) => return Err(e),
    };
    insert_event(&mut conn, new.room_id, seq, EventKind::MessageCreated, Some(id), Some(new.author_id), "").await?;
    if !new.mentions.is_empty() {
        set_mentions(&mut conn, id, new.room_id, seq, &new.mentions).await?;
    }
    let mut attachments = Vec::new();
    if !new.attachments.is_empty() {
        let mut wanted = new.attachments.clone();
        wanted.sort_unstable();
        wanted.dedup();
        attachments = claim_attachments(&mut conn, new, id, &wanted).await?;
    }
    if conn.backend() == Backend::Sqlite && !new.search_terms.is_empty() {
        conn.raw_exec(
            "INSERT INTO messages_fts (rowid, terms) VALUES (?, ?)",
            "",
            vec![Value::BigInt(Some(id)), Value::String(Some(new.search_terms.clone()))],
        )
        .await?;
    }
    tx.commit().await?;
    let author = UserBrief { id: new.author_id, username, display_name, avatar_color };
    let message = written_message(new, id, seq, author, created_at, reply, attachments);
    Ok(PostOutcome { message, created: true })
}

pub(crate) async fn message_by_nonce(pools: &Pools, author_id: i64, nonce: &str) -> Result<Option<Message>> {
    let mut c = pools.read().await?;
    let mut conn = c.conn();
    match find_by_nonce(&mut conn, author_id, nonce).await? {
        Some((id, room_id)) => load_message(&mut conn, room_id, id).await,
        None => Ok(None),
    }
}

impl Store {
    /// Stores a message and its `message.created` event. Messages posted
    /// together are written by one task in one transaction (group commit,
    /// see `writer`). Returns only after the commit: the caller may
    /// acknowledge it.
    pub async fn post_message(&self, new: &NewMessage) -> Result<PostOutcome> {
        if new.attachments.len() > MAX_ATTACHMENTS {
            return Err(StoreError::Limit("attachments"));
        }
        self.writer.post(&self.pools, new).await
    }

    /// Brings the planner's statistics up to date after a bulk import
    /// (`ANALYZE` on PostgreSQL, `PRAGMA optimize` on SQLite). Without it a
    /// freshly imported million-message room looked empty to PostgreSQL's
    /// planner, which then counted a member's unread messages with a bitmap
    /// of every row (~500 ms instead of 0.4 ms); autovacuum catches up only
    /// a minute or more later.
    pub async fn refresh_statistics(&self) -> Result<()> {
        let mut tx = self.tx().await?;
        tx.conn().raw_exec("PRAGMA optimize", "ANALYZE", vec![]).await?;
        tx.commit().await
    }

    /// Writes many plain messages (no nonce, reply, attachments or mentions)
    /// into one room in one transaction, with a block of seqs taken at once:
    /// the bulk path for imports and benchmark seeding. Returns the last seq.
    pub async fn import_messages(&self, room_id: i64, msgs: &[NewMessage], created_at: i64) -> Result<i64> {
        if msgs.is_empty() {
            return Ok(0);
        }
        if msgs
            .iter()
            .any(|m| m.room_id != room_id || m.nonce.is_some() || m.reply_to.is_some() || !m.attachments.is_empty())
        {
            return Err(StoreError::Invalid("messages"));
        }
        let n = msgs.len() as i64;
        let mut tx = self.tx().await?;
        let mut conn = tx.conn();
        let bump = Query::update()
            .table("rooms")
            .value("last_seq", Expr::col("last_seq").add(n))
            .and_where(Expr::col("id").eq(room_id))
            .returning_col("last_seq")
            .to_owned();
        let last = conn.opt::<(i64,)>(&bump).await?.ok_or(StoreError::NotFound)?.0;
        let first = last - n + 1;
        const CHUNK: usize = 500;
        for (c, chunk) in msgs.chunks(CHUNK).enumerate() {
            let base = first + (c * CHUNK) as i64;
            let mut ins = Query::insert();
            ins.into_table("messages").columns([
                "room_id",
                "seq",
                "author_id",
                "body",
                "html",
                "created_at",
                "mentions_room",
                "internal",
            ]);
            for (i, m) in chunk.iter().enumerate() {
                ins.values_panic([
                    room_id.into(),
                    (base + i as i64).into(),
                    m.author_id.into(),
                    m.body.clone().into(),
                    m.html.clone().into(),
                    created_at.into(),
                    m.mentions_room.into(),
                    m.internal.into(),
                ]);
            }
            ins.returning(Query::returning().columns(["id", "seq"]));
            let mut ids = conn.all::<(i64, i64)>(&ins).await?;
            ids.sort_by_key(|r| r.1);
            let mut ev = Query::insert();
            ev.into_table("room_events").columns(EVENT_COLS);
            for ((id, seq), m) in ids.iter().zip(chunk) {
                ev.values_panic([
                    room_id.into(),
                    (*seq).into(),
                    EventKind::MessageCreated.as_str().into(),
                    (*id).into(),
                    m.author_id.into(),
                    "".into(),
                    created_at.into(),
                ]);
            }
            conn.exec(&ev).await?;
            if conn.backend() == Backend::Sqlite {
                let rows: Vec<(i64, &str)> = ids
                    .iter()
                    .zip(chunk)
                    .filter(|(_, m)| !m.search_terms.is_empty())
                    .map(|((id, _), m)| (*id, m.search_terms.as_str()))
                    .collect();
                if !rows.is_empty() {
                    let sql = format!(
                        "INSERT INTO messages_fts (rowid, terms) VALUES {}",
                        vec!["(?, ?)"; rows.len()].join(", ")
                    );
                    let vals = rows
                        .iter()
                        .flat_map(|(id, t)| [Value::BigInt(Some(*id)), Value::String(Some(t.to_string()))])
                        .collect();
                    conn.raw_exec(&sql, "", vals).await?;
                }
            }
        }
        tx.commit().await?;
        Ok(last)
    }

    pub async fn message_by_nonce(&self, author_id: i64, nonce: &str) -> Result<Option<Message>> {
        message_by_nonce(&self.pools, author_id, nonce).await
    }

    pub async fn message(&self, room_id: i64, id: i64) -> Result<Option<Message>> {
        let mut c = self.pools.read().await?;
        load_message(&mut c.conn(), room_id, id).await
    }

    pub async fn messages_by_ids(&self, ids: &[i64]) -> Result<Vec<Message>> {
        if ids.is_empty() {
            return Ok(vec![]);
        }
        let q = select_messages().and_where(Expr::col(("m", "id")).is_in(ids.iter().copied())).to_owned();
        let mut c = self.pools.read().await?;
        let mut conn = c.conn();
        let rows = conn.all::<MsgRow>(&q).await?;
        hydrate(&mut conn, rows).await
    }

    /// A page of history, oldest first, and whether more lies beyond it.
    pub async fn history(&self, room_id: i64, page: Page) -> Result<(Vec<Message>, bool)> {
        let limit = page.limit.clamp(1, 200);
        let mut q = select_messages();
        q.and_where(Expr::col(("m", "room_id")).eq(room_id)).limit(limit + 1);
        let forward = page.after_seq.is_some() && page.before_seq.is_none();
        if let Some(b) = page.before_seq {
            q.and_where(Expr::col(("m", "seq")).lt(b));
        }
        if let Some(a) = page.after_seq {
            q.and_where(Expr::col(("m", "seq")).gt(a));
        }
        q.order_by(("m", "seq"), if forward { Order::Asc } else { Order::Desc });
        let mut c = self.pools.read().await?;
        let mut conn = c.conn();
        let mut rows = conn.all::<MsgRow>(&q).await?;
        let has_more = rows.len() as u64 > limit;
        rows.truncate(limit as usize);
        if !forward {
            rows.reverse();
        }
        Ok((hydrate(&mut conn, rows).await?, has_more))
    }

    /// Replaces a message's text, keeping the old one; returns the message and event seq.
    pub async fn edit_message(&self, room_id: i64, id: i64, editor: i64, new: &NewMessage) -> Result<(Message, i64)> {
        let mut tx = self.tx().await?;
        let mut conn = tx.conn();
        ensure_live(&mut conn, room_id, id).await?;
        keep_old_body(&mut conn, id, editor).await?;
        let up = Query::update()
            .table("messages")
            .value("body", new.body.clone())
            .value("html", new.html.clone())
            .value("mentions_room", new.mentions_room)
            .value("edited_at", now_ms())
            .and_where(Expr::col("id").eq(id))
            .and_where(Expr::col("deleted_at").is_null())
            .to_owned();
        // Guarded again: on PostgreSQL a delete may have committed since the check.
        if conn.exec(&up).await? == 0 {
            return Err(StoreError::NotFound);
        }
        let seq = append_event(&mut conn, room_id, EventKind::MessageUpdated, Some(id), Some(editor), "").await?;
        let msg_seq = Query::select().column("seq").from("messages").and_where(Expr::col("id").eq(id)).to_owned();
        let mseq = conn.one::<(i64,)>(&msg_seq).await?.0;
        set_mentions(&mut conn, id, room_id, mseq, &new.mentions).await?;
        index_terms(&mut conn, id, Some(&new.search_terms)).await?;
        let message = load_message(&mut conn, room_id, id).await?.ok_or(StoreError::NotFound)?;
        tx.commit().await?;
        Ok((message, seq))
    }

    /// Turns a message into a tombstone (text kept in the edit history for
    /// moderators, gone from search, reactions and mentions).
    pub async fn delete_message(&self, room_id: i64, id: i64, by: i64) -> Result<(Message, i64)> {
        let mut tx = self.tx().await?;
        let mut conn = tx.conn();
        ensure_live(&mut conn, room_id, id).await?;
        keep_old_body(&mut conn, id, by).await?;
        let up = Query::update()
            .table("messages")
            .value("body", "")
            .value("html", "")
            .value("mentions_room", false)
            .value("pinned_at", Option::<i64>::None)
            .value("deleted_at", now_ms())
            .value("deleted_by", by)
            .and_where(Expr::col("id").eq(id))
            .and_where(Expr::col("deleted_at").is_null())
            .to_owned();
        if conn.exec(&up).await? == 0 {
            return Err(StoreError::NotFound);
        }
        for table in ["message_mentions", "reactions"] {
            let d = Query::delete().from_table(table).and_where(Expr::col("message_id").eq(id)).to_owned();
            conn.exec(&d).await?;
        }
        index_terms(&mut conn, id, None).await?;
        let seq = append_event(&mut conn, room_id, EventKind::MessageDeleted, Some(id), Some(by), "").await?;
        let message = load_message(&mut conn, room_id, id).await?.ok_or(StoreError::NotFound)?;
        tx.commit().await?;
        Ok((message, seq))
    }

    /// Earlier texts of a message, oldest first: `(body, replaced_at, replaced_by)`.
    pub async fn message_history(&self, id: i64) -> Result<Vec<(String, i64, i64)>> {
        let q = Query::select()
            .columns(["body", "replaced_at", "replaced_by"])
            .from("message_edits")
            .and_where(Expr::col("message_id").eq(id))
            .order_by("id", Order::Asc)
            .to_owned();
        let mut c = self.pools.read().await?;
        c.conn().all(&q).await
    }

    /// Adds or removes one reaction. Returns the event seq and the message's
    /// reactions now, or `None` for the seq when nothing changed.
    pub async fn set_reaction(
        &self,
        room_id: i64,
        message_id: i64,
        user_id: i64,
        emoji: &str,
        on: bool,
    ) -> Result<(Option<i64>, Vec<ReactionSummary>)> {
        let mut tx = self.tx().await?;
        let mut conn = tx.conn();
        ensure_live(&mut conn, room_id, message_id).await?;
        let changed = if on {
            let kinds = Query::select()
                .column("emoji")
                .distinct()
                .from("reactions")
                .and_where(Expr::col("message_id").eq(message_id))
                .to_owned();
            let kinds: Vec<(String,)> = conn.all(&kinds).await?;
            if kinds.len() >= MAX_REACTION_KINDS && !kinds.iter().any(|k| k.0 == emoji) {
                return Err(StoreError::Limit("reactions"));
            }
            let ins = Query::insert()
                .into_table("reactions")
                .columns(["message_id", "user_id", "emoji", "created_at"])
                .values_panic([message_id.into(), user_id.into(), emoji.into(), now_ms().into()])
                .on_conflict(sea_query::OnConflict::columns(["message_id", "user_id", "emoji"]).do_nothing().to_owned())
                .to_owned();
            conn.exec(&ins).await? > 0
        } else {
            let del = Query::delete()
                .from_table("reactions")
                .and_where(Expr::col("message_id").eq(message_id))
                .and_where(Expr::col("user_id").eq(user_id))
                .and_where(Expr::col("emoji").eq(emoji))
                .to_owned();
            conn.exec(&del).await? > 0
        };
        let seq = if changed {
            let kind = if on { EventKind::ReactionAdded } else { EventKind::ReactionRemoved };
            Some(append_event(&mut conn, room_id, kind, Some(message_id), Some(user_id), emoji).await?)
        } else {
            None
        };
        let message = load_message(&mut conn, room_id, message_id).await?.ok_or(StoreError::NotFound)?;
        tx.commit().await?;
        Ok((seq, message.reactions))
    }

    /// Pins or unpins; returns the message and the event seq (`None` if nothing changed).
    pub async fn set_pinned(&self, room_id: i64, id: i64, by: i64, pinned: bool) -> Result<(Message, Option<i64>)> {
        let mut tx = self.tx().await?;
        let mut conn = tx.conn();
        let mut up = Query::update();
        up.table("messages")
            .and_where(Expr::col("id").eq(id))
            .and_where(Expr::col("room_id").eq(room_id))
            .and_where(Expr::col("deleted_at").is_null());
        if pinned {
            up.value("pinned_at", now_ms()).value("pinned_by", by).and_where(Expr::col("pinned_at").is_null());
        } else {
            up.value("pinned_at", Option::<i64>::None).and_where(Expr::col("pinned_at").is_not_null());
        }
        let changed = conn.exec(&up).await? > 0;
        let seq = if changed {
            Some(append_event(&mut conn, room_id, EventKind::MessageUpdated, Some(id), Some(by), "pin").await?)
        } else {
            None
        };
        let message = load_message(&mut conn, room_id, id).await?.ok_or(StoreError::NotFound)?;
        if message.deleted {
            return Err(StoreError::NotFound);
        }
        tx.commit().await?;
        Ok((message, seq))
    }

    pub async fn pins(&self, room_id: i64) -> Result<Vec<Message>> {
        let q = select_messages()
            .and_where(Expr::col(("m", "room_id")).eq(room_id))
            .and_where(Expr::col(("m", "pinned_at")).is_not_null())
            .order_by(("m", "pinned_at"), Order::Desc)
            .limit(100)
            .to_owned();
        let mut c = self.pools.read().await?;
        let mut conn = c.conn();
        let rows = conn.all::<MsgRow>(&q).await?;
        hydrate(&mut conn, rows).await
    }

    /// Benchmark baseline: `n` bare rows into `messages` of one room, `batch`
    /// rows per multi-row INSERT and transaction (group commit), with no
    /// events, mentions, search terms or reads. What the full path is compared with.
    pub async fn raw_insert_baseline(&self, room_id: i64, author_id: i64, n: usize, batch: usize) -> Result<()> {
        let room = self.room(room_id).await?.ok_or(StoreError::NotFound)?;
        let mut seq = room.last_seq;
        let mut left = n;
        while left > 0 {
            let k = left.min(batch.max(1));
            let mut q = Query::insert();
            q.into_table("messages").columns(["room_id", "seq", "author_id", "body", "html", "created_at"]);
            for _ in 0..k {
                seq += 1;
                q.values_panic([
                    room_id.into(),
                    seq.into(),
                    author_id.into(),
                    "baseline message body".into(),
                    "<p>baseline message body</p>".into(),
                    now_ms().into(),
                ]);
            }
            let up =
                Query::update().table("rooms").value("last_seq", seq).and_where(Expr::col("id").eq(room_id)).to_owned();
            let mut tx = self.tx().await?;
            tx.conn().exec(&q).await?;
            tx.conn().exec(&up).await?;
            tx.commit().await?;
            left -= k;
        }
        Ok(())
    }

    // ---- attachments ----

    pub async fn create_attachment(&self, new: &NewAttachment) -> Result<Attachment> {
        let q = Query::insert()
            .into_table("attachments")
            .columns(["uploader_id", "room_id", "filename", "content_type", "size", "storage_key", "created_at"])
            .values_panic([
                new.uploader_id.into(),
                new.room_id.into(),
                new.filename.clone().into(),
                new.content_type.clone().into(),
                new.size.into(),
                new.storage_key.clone().into(),
                now_ms().into(),
            ])
            .returning_col("id")
            .to_owned();
        let mut tx = self.tx().await?;
        let (id,) = tx.conn().one::<(i64,)>(&q).await?;
        tx.commit().await?;
        Ok(Attachment {
            id,
            url: Attachment::url_for(id, &new.filename),
            is_image: is_image(&new.content_type),
            filename: new.filename.clone(),
            content_type: new.content_type.clone(),
            size: new.size,
        })
    }

    pub async fn attachment(&self, id: i64) -> Result<Option<AttachmentFile>> {
        let q = Query::select()
            .columns([
                ("a", "id"),
                ("a", "filename"),
                ("a", "content_type"),
                ("a", "size"),
                ("a", "room_id"),
                ("a", "uploader_id"),
                ("a", "message_id"),
                ("a", "storage_key"),
            ])
            .column(("m", "deleted_at"))
            .from_as("attachments", "a")
            .join_as(JoinType::LeftJoin, "messages", "m", Expr::col(("m", "id")).equals(("a", "message_id")))
            .and_where(Expr::col(("a", "id")).eq(id))
            .to_owned();
        type Row = (i64, String, String, i64, i64, i64, Option<i64>, String, Option<i64>);
        let mut c = self.pools.read().await?;
        Ok(c.conn().opt::<Row>(&q).await?.map(|r| AttachmentFile {
            attachment: Attachment {
                id: r.0,
                url: Attachment::url_for(r.0, &r.1),
                is_image: is_image(&r.2),
                filename: r.1,
                content_type: r.2,
                size: r.3,
            },
            room_id: r.4,
            uploader_id: r.5,
            message_id: r.6,
            message_deleted: r.8.is_some(),
            storage_key: r.7,
        }))
    }

    // ---- search ----

    /// Messages matching every query term, newest first, limited to rooms the
    /// user may read: rooms they are in and public rooms (not for guests).
    pub async fn search(&self, q: &SearchQuery, include_public: bool) -> Result<Vec<Message>> {
        let limit = q.limit.clamp(1, 100) as i64;
        let mut vals: Vec<Value> = Vec::new();
        let mut c = self.pools.read().await?;
        let mut conn = c.conn();
        let readable = |p: &mut dyn FnMut(Value) -> String| -> String {
            let uid = p(Value::BigInt(Some(q.user_id)));
            if include_public {
                format!(
                    "(m.room_id IN (SELECT room_id FROM room_members WHERE user_id = {uid}) \
                     OR m.room_id IN (SELECT id FROM rooms WHERE kind IN ('channel', 'broadcast')))"
                )
            } else {
                format!("m.room_id IN (SELECT room_id FROM room_members WHERE user_id = {uid})")
            }
        };
        let ids: Vec<(i64,)> = match conn.backend() {
            Backend::Sqlite => {
                if q.terms.is_empty() {
                    return Ok(vec![]);
                }
                let fts: String =
                    q.terms.iter().map(|t| format!("\"{}\"", t.replace('"', ""))).collect::<Vec<_>>().join(" ");
                let mut p = |v: Value| {
                    vals.push(v);
                    "?".to_string()
                };
                let mut sql = format!(
                    "SELECT m.id FROM messages_fts f JOIN messages m ON m.id = f.rowid \
                     WHERE messages_fts MATCH {} AND m.deleted_at IS NULL AND {}",
                    p(Value::String(Some(fts))),
                    readable(&mut p)
                );
                if let Some(r) = q.room_id {
                    sql.push_str(&format!(" AND m.room_id = {}", p(Value::BigInt(Some(r)))));
                }
                if let Some(a) = q.author_id {
                    sql.push_str(&format!(" AND m.author_id = {}", p(Value::BigInt(Some(a)))));
                }
                if let Some(b) = q.before_id {
                    sql.push_str(&format!(" AND m.id < {}", p(Value::BigInt(Some(b)))));
                }
                sql.push_str(&format!(" ORDER BY f.rowid DESC LIMIT {limit}"));
                conn.raw_all(&sql, "", vals).await?
            }
            Backend::Postgres => {
                if q.text.trim().is_empty() {
                    return Ok(vec![]);
                }
                let mut p = |v: Value| {
                    vals.push(v);
                    format!("${}", vals.len())
                };
                let mut sql = format!(
                    "SELECT m.id FROM messages m WHERE m.tsv @@ plainto_tsquery('russian', {}) \
                     AND m.deleted_at IS NULL AND {}",
                    p(Value::String(Some(q.text.clone()))),
                    readable(&mut p)
                );
                if let Some(r) = q.room_id {
                    sql.push_str(&format!(" AND m.room_id = {}", p(Value::BigInt(Some(r)))));
                }
                if let Some(a) = q.author_id {
                    sql.push_str(&format!(" AND m.author_id = {}", p(Value::BigInt(Some(a)))));
                }
                if let Some(b) = q.before_id {
                    sql.push_str(&format!(" AND m.id < {}", p(Value::BigInt(Some(b)))));
                }
                sql.push_str(&format!(" ORDER BY m.id DESC LIMIT {limit}"));
                conn.raw_all("", &sql, vals).await?
            }
        };
        let ids: Vec<i64> = ids.into_iter().map(|r| r.0).collect();
        if ids.is_empty() {
            return Ok(vec![]);
        }
        let sel = select_messages().and_where(Expr::col(("m", "id")).is_in(ids.iter().copied())).to_owned();
        let rows = conn.all::<MsgRow>(&sel).await?;
        let mut msgs = hydrate(&mut conn, rows).await?;
        msgs.sort_by_key(|m| std::cmp::Reverse(m.id));
        Ok(msgs)
    }
}
