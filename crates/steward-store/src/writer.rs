//! Group commit for new messages. Every `post_message` goes to one writer
//! task per store; the task takes what has queued up while the previous
//! transaction committed (up to [`MAX_BATCH`]) and writes it in one
//! transaction: one nonce lookup, one author lookup, one seq bump per room,
//! multi-row inserts of messages, events and search terms, one commit (one
//! fsync on SQLite). Under load the commit cost is shared; alone, a message
//! is written at once, as before.
//!
//! A message that is refused (a reply to another room, someone else's file, a
//! nonce reused in another room) is refused before anything is written, so
//! it never spoils the batch. Anything unexpected (a database error, a nonce
//! committed by another node in between) rolls the batch back and writes its
//! messages one transaction each ([`post_single`]), so each gets its own
//! answer. A retry with a nonce answers with the stored message; two sends
//! with one nonce in the same batch store it once.
//!
//! After the commit the task hands each new message to the hook (the server
//! publishes `message.created` there) in seq order, then answers the callers:
//! a room's events leave this node in the order they were committed.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, RwLock};

use sea_query::{Expr, ExprTrait, OnConflict, Query, Value};
use steward_core::model::{Attachment, EventKind, Message, ReplyPreview, UserBrief};
use tokio::sync::{mpsc, oneshot};

use crate::db::{Backend, Pools, Tx};
use crate::messages::{
    MESSAGE_COLS, NewMessage, PostOutcome, claim_attachments, load_message, message_row, post_single, reply_in_room,
    set_mentions, written_message,
};
use crate::rooms::EVENT_COLS;
use crate::{Result, StoreError, now_ms};

/// Messages written in one transaction at most.
pub const MAX_BATCH: usize = 256;
/// Rows per multi-row INSERT (10 values each: well under both databases' limits).
const CHUNK: usize = 128;

/// Called with each message the writer committed, in commit order.
pub type MessageHook = Arc<dyn Fn(&Message) + Send + Sync>;

struct Job {
    new: NewMessage,
    reply: oneshot::Sender<Result<PostOutcome>>,
}

#[derive(Clone, Default)]
pub(crate) struct Writer {
    queue: Arc<Mutex<Option<mpsc::UnboundedSender<Job>>>>,
    hook: Arc<RwLock<Option<MessageHook>>>,
}

impl Writer {
    pub fn set_hook(&self, hook: MessageHook) {
        *self.hook.write().unwrap_or_else(|e| e.into_inner()) = Some(hook);
    }

    pub async fn post(&self, pools: &Pools, new: &NewMessage) -> Result<PostOutcome> {
        let (reply, answer) = oneshot::channel();
        let job = Job { new: new.clone(), reply };
        let sent = {
            let mut queue = self.queue.lock().unwrap_or_else(|e| e.into_inner());
            let sender = match queue.as_ref() {
                Some(s) if !s.is_closed() => s.clone(),
                // First use, or the runtime that ran the writer has ended.
                _ => {
                    let (s, r) = mpsc::unbounded_channel();
                    tokio::spawn(run(pools.clone(), self.hook.clone(), r));
                    *queue = Some(s.clone());
                    s
                }
            };
            sender.send(job)
        };
        match sent {
            Ok(()) => answer.await.unwrap_or(Err(StoreError::Database(sqlx::Error::WorkerCrashed))),
            // The writer is gone (its runtime is shutting down): write it here.
            Err(mpsc::error::SendError(job)) => {
                let out = post_single(pools, &job.new).await?;
                if out.created {
                    call_hook(&self.hook, &out.message);
                }
                Ok(out)
            }
        }
    }
}

fn call_hook(hook: &RwLock<Option<MessageHook>>, message: &Message) {
    let hook = hook.read().unwrap_or_else(|e| e.into_inner()).clone();
    if let Some(hook) = hook {
        hook(message);
    }
}

async fn run(pools: Pools, hook: Arc<RwLock<Option<MessageHook>>>, mut rx: mpsc::UnboundedReceiver<Job>) {
    let mut jobs: Vec<Job> = Vec::with_capacity(MAX_BATCH);
    while let Some(first) = rx.recv().await {
        jobs.push(first);
        while jobs.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        let news: Vec<&NewMessage> = jobs.iter().map(|j| &j.new).collect();
        let results = match write_batch(&pools, &news).await {
            Ok(results) => results,
            Err(e) => {
                tracing::debug!(error = %e, messages = news.len(), "batch rolled back; writing one by one");
                let mut results = Vec::with_capacity(news.len());
                for new in &news {
                    results.push(post_single(&pools, new).await);
                }
                results
            }
        };
        drop(news);
        for (job, result) in jobs.drain(..).zip(results) {
            if let Ok(out) = &result
                && out.created
            {
                call_hook(&hook, &out.message);
            }
            let _ = job.reply.send(result);
        }
    }
}

/// What the batch does with one message, decided before anything is written.
enum Plan {
    Refuse(StoreError),
    /// A retry: the message with this nonce is stored already.
    Stored(i64, i64),
    /// The same nonce earlier in this batch.
    SameAs(usize),
    Insert {
        author: UserBrief,
        reply: Option<ReplyPreview>,
        attachments: Vec<i64>,
    },
}

/// Writes the batch in one transaction. `Err` means nothing was written and
/// every message should be written on its own.
async fn write_batch(pools: &Pools, news: &[&NewMessage]) -> Result<Vec<Result<PostOutcome>>> {
    let mut tx = Tx::begin(pools).await?;
    let mut conn = tx.conn();

    // Nonces already stored (retries), through the (author_id, nonce) index.
    let mut stored: HashMap<(i64, &str), (i64, i64)> = HashMap::new();
    let nonced: Vec<(i64, &str)> = news.iter().filter_map(|n| Some((n.author_id, n.nonce.as_deref()?))).collect();
    if !nonced.is_empty() {
        let q = Query::select()
            .columns(["id", "room_id", "author_id", "nonce"])
            .from("messages")
            .and_where(Expr::col("author_id").is_in(nonced.iter().map(|n| n.0)))
            .and_where(Expr::col("nonce").is_in(nonced.iter().map(|n| n.1.to_string())))
            .and_where(Expr::col("nonce").is_not_null())
            .to_owned();
        let rows = conn.all::<(i64, i64, i64, String)>(&q).await?;
        for (id, room, author, nonce) in rows {
            if let Some(&(a, n)) = nonced.iter().find(|(a, n)| *a == author && *n == nonce) {
                stored.insert((a, n), (id, room));
            }
        }
    }
    let mut authors: HashMap<i64, UserBrief> = HashMap::new();
    let q = Query::select()
        .columns(["id", "username", "display_name", "avatar_color"])
        .from("users")
        .and_where(Expr::col("id").is_in(news.iter().map(|n| n.author_id)))
        .to_owned();
    for (id, username, display_name, avatar_color) in conn.all::<(i64, String, String, String)>(&q).await? {
        authors.insert(id, UserBrief { id, username, display_name, avatar_color });
    }

    let mut plans: Vec<Plan> = Vec::with_capacity(news.len());
    let mut first_with: HashMap<(i64, &str), usize> = HashMap::new();
    let mut claimed: HashSet<i64> = HashSet::new();
    for (i, new) in news.iter().enumerate() {
        if let Some(nonce) = new.nonce.as_deref() {
            let key = (new.author_id, nonce);
            if let Some(&(id, room)) = stored.get(&key) {
                // A nonce names one message: reusing it elsewhere is a client bug, not a retry.
                plans.push(if room == new.room_id {
                    Plan::Stored(id, room)
                } else {
                    Plan::Refuse(StoreError::Conflict("nonce"))
                });
                continue;
            }
            if let Some(&j) = first_with.get(&key)
                && matches!(plans[j], Plan::Insert { .. })
            {
                plans.push(if news[j].room_id == new.room_id {
                    Plan::SameAs(j)
                } else {
                    Plan::Refuse(StoreError::Conflict("nonce"))
                });
                continue;
            }
            first_with.insert(key, i);
        }
        let Some(author) = authors.get(&new.author_id) else {
            plans.push(Plan::Refuse(StoreError::Invalid("author")));
            continue;
        };
        let reply = match new.reply_to {
            Some(reply) => match reply_in_room(&mut conn, new.room_id, reply).await {
                Ok(preview) => Some(preview),
                Err(e @ StoreError::Invalid(_)) => {
                    plans.push(Plan::Refuse(e));
                    continue;
                }
                Err(e) => return Err(e),
            },
            None => None,
        };
        let mut wanted = new.attachments.clone();
        wanted.sort_unstable();
        wanted.dedup();
        if !wanted.is_empty() {
            let q = Query::select()
                .expr(Expr::col("id").count())
                .from("attachments")
                .and_where(Expr::col("id").is_in(wanted.iter().copied()))
                .and_where(Expr::col("uploader_id").eq(new.author_id))
                .and_where(Expr::col("room_id").eq(new.room_id))
                .and_where(Expr::col("message_id").is_null())
                .to_owned();
            let (free,) = conn.one::<(i64,)>(&q).await?;
            if free != wanted.len() as i64 || wanted.iter().any(|a| claimed.contains(a)) {
                plans.push(Plan::Refuse(StoreError::Invalid("attachments")));
                continue;
            }
            claimed.extend(wanted.iter().copied());
        }
        plans.push(Plan::Insert { author: author.clone(), reply, attachments: wanted });
    }

    // Seqs: one bump per room, rooms in id order (the same lock order in
    // every batch on every node), then handed out in the batch's order.
    let mut per_room: Vec<(i64, i64)> = vec![];
    for (new, plan) in news.iter().zip(&plans) {
        if matches!(plan, Plan::Insert { .. }) {
            match per_room.iter_mut().find(|(r, _)| *r == new.room_id) {
                Some((_, n)) => *n += 1,
                None => per_room.push((new.room_id, 1)),
            }
        }
    }
    per_room.sort_unstable();
    let mut next: HashMap<i64, i64> = HashMap::new();
    for &(room, n) in &per_room {
        let bump = Query::update()
            .table("rooms")
            .value("last_seq", Expr::col("last_seq").add(n))
            .and_where(Expr::col("id").eq(room))
            .returning_col("last_seq")
            .to_owned();
        if let Some((last,)) = conn.opt::<(i64,)>(&bump).await? {
            next.insert(room, last - n + 1);
        }
    }
    let created_at = now_ms();
    let mut seqs: Vec<Option<i64>> = vec![None; news.len()];
    for (i, (new, plan)) in news.iter().zip(plans.iter_mut()).enumerate() {
        if matches!(plan, Plan::Insert { .. }) {
            match next.get_mut(&new.room_id) {
                Some(seq) => {
                    seqs[i] = Some(*seq);
                    *seq += 1;
                }
                None => *plan = Plan::Refuse(StoreError::NotFound),
            }
        }
    }
    let to_insert: Vec<usize> = (0..news.len()).filter(|&i| seqs[i].is_some()).collect();

    let mut ids: HashMap<(i64, i64), i64> = HashMap::new();
    for chunk in to_insert.chunks(CHUNK) {
        let mut ins = Query::insert();
        ins.into_table("messages").columns(MESSAGE_COLS);
        for &i in chunk {
            ins.values_panic(message_row(news[i], seqs[i].unwrap_or_default(), created_at));
        }
        // A nonce stored by someone else since the lookup (another node)
        // skips its row instead of failing the statement; then the batch
        // is rolled back below and written one by one.
        ins.on_conflict(OnConflict::new().do_nothing().to_owned())
            .returning(Query::returning().columns(["id", "room_id", "seq"]));
        let rows = conn.all::<(i64, i64, i64)>(&ins).await?;
        if rows.len() != chunk.len() {
            return Err(StoreError::Conflict("nonce"));
        }
        for (id, room, seq) in rows {
            ids.insert((room, seq), id);
        }
    }
    let id_of = |i: usize| seqs[i].and_then(|s| ids.get(&(news[i].room_id, s)).copied());

    for chunk in to_insert.chunks(CHUNK) {
        let mut ins = Query::insert();
        ins.into_table("room_events").columns(EVENT_COLS);
        for &i in chunk {
            let new = news[i];
            ins.values_panic([
                new.room_id.into(),
                seqs[i].into(),
                EventKind::MessageCreated.as_str().into(),
                id_of(i).into(),
                new.author_id.into(),
                "".into(),
                created_at.into(),
            ]);
        }
        conn.exec(&ins).await?;
    }

    let mut files: HashMap<usize, Vec<Attachment>> = HashMap::new();
    for &i in &to_insert {
        let (new, id, seq) = (news[i], id_of(i).ok_or(StoreError::NotFound)?, seqs[i].unwrap_or_default());
        if !new.mentions.is_empty() {
            set_mentions(&mut conn, id, new.room_id, seq, &new.mentions).await?;
        }
        if let Plan::Insert { attachments, .. } = &plans[i]
            && !attachments.is_empty()
        {
            // Taken since the check (another node): `Invalid` rolls the batch back.
            files.insert(i, claim_attachments(&mut conn, new, id, attachments).await?);
        }
    }

    if conn.backend() == Backend::Sqlite {
        let terms: Vec<usize> = to_insert.iter().copied().filter(|&i| !news[i].search_terms.is_empty()).collect();
        for chunk in terms.chunks(CHUNK) {
            let mut sql = String::from("INSERT INTO messages_fts (rowid, terms) VALUES ");
            let mut values = Vec::with_capacity(chunk.len() * 2);
            for (k, &i) in chunk.iter().enumerate() {
                sql.push_str(if k == 0 { "(?, ?)" } else { ", (?, ?)" });
                values.push(Value::BigInt(id_of(i)));
                values.push(Value::String(Some(news[i].search_terms.clone())));
            }
            conn.raw_exec(&sql, "", values).await?;
        }
    }

    // Retries read the message they repeat (inside the transaction: it is
    // committed, and this connection holds the write lock anyway).
    let mut earlier: HashMap<usize, Message> = HashMap::new();
    for (i, plan) in plans.iter().enumerate() {
        if let Plan::Stored(id, room) = plan {
            match load_message(&mut conn, *room, *id).await? {
                Some(m) => {
                    earlier.insert(i, m);
                }
                None => return Err(StoreError::NotFound),
            }
        }
    }
    tx.commit().await?;

    let mut results: Vec<Result<PostOutcome>> = Vec::with_capacity(news.len());
    for (i, plan) in plans.into_iter().enumerate() {
        let new = news[i];
        results.push(match plan {
            Plan::Refuse(e) => Err(e),
            // (Past the commit nothing may fail the batch: it is written.)
            Plan::Stored(..) => {
                earlier.remove(&i).map(|message| PostOutcome { message, created: false }).ok_or(StoreError::NotFound)
            }
            Plan::SameAs(j) => match &results[j] {
                Ok(first) => Ok(PostOutcome { message: first.message.clone(), created: false }),
                Err(_) => Err(StoreError::NotFound),
            },
            Plan::Insert { author, reply, .. } => id_of(i).ok_or(StoreError::NotFound).map(|id| {
                let files = files.remove(&i).unwrap_or_default();
                let message = written_message(new, id, seqs[i].unwrap_or_default(), author, created_at, reply, files);
                PostOutcome { message, created: true }
            }),
        });
    }
    Ok(results)
}
