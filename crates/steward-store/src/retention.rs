//! Retention (removing what is older than a policy allows, in batches) and
//! compliance export (a room's or a person's messages for a date range).

use sea_query::{Expr, ExprTrait, Order, Query};
use steward_core::model::Message;

use crate::messages::hydrate_ids;
use crate::{Result, Store, StoreError};

/// What one purge batch removed.
#[derive(Debug, Default, Clone)]
pub struct Purged {
    pub messages: u64,
    /// Storage keys of the files that went with them (the caller removes them from disk).
    pub files: Vec<String>,
}

/// Which messages an export covers: one room or one author, and a time range.
#[derive(Debug, Clone, Default)]
pub struct ExportFilter {
    pub room_id: Option<i64>,
    pub author_id: Option<i64>,
    /// Unix milliseconds, inclusive.
    pub since: Option<i64>,
    /// Unix milliseconds, exclusive.
    pub until: Option<i64>,
}

/// A message as a compliance export shows it: with its room's name and
/// every earlier text, `(body, replaced_at, replaced_by)`.
#[derive(Debug, Clone)]
pub struct Exported {
    pub message: Message,
    pub room_name: String,
    pub edits: Vec<(String, i64, i64)>,
}

impl Store {
    /// Deletes up to `batch` messages of a room created before `before`
    /// (pinned ones kept if asked), with their events, reactions, edits,
    /// mentions, search entries and file records, in one transaction.
    pub async fn purge_messages(&self, room_id: i64, before: i64, keep_pinned: bool, batch: u64) -> Result<Purged> {
        let mut tx = self.tx().await?;
        let mut q = Query::select();
        q.column("id")
            .from("messages")
            .and_where(Expr::col("room_id").eq(room_id))
            .and_where(Expr::col("created_at").lt(before))
            .order_by("seq", Order::Asc)
            .limit(batch.clamp(1, 10_000));
        if keep_pinned {
            q.and_where(Expr::col("pinned_at").is_null());
        }
        let ids: Vec<i64> = tx.conn().all::<(i64,)>(&q).await?.into_iter().map(|(id,)| id).collect();
        if ids.is_empty() {
            tx.commit().await?;
            return Ok(Purged::default());
        }
        let in_ids = || Expr::col("message_id").is_in(ids.iter().copied());
        let keys = Query::select().column("storage_key").from("attachments").and_where(in_ids()).to_owned();
        let files: Vec<String> = tx.conn().all::<(String,)>(&keys).await?.into_iter().map(|(k,)| k).collect();
        tx.conn().exec(&Query::delete().from_table("attachments").and_where(in_ids()).to_owned()).await?;
        let events = Query::delete()
            .from_table("room_events")
            .and_where(Expr::col("room_id").eq(room_id))
            .and_where(in_ids())
            .to_owned();
        tx.conn().exec(&events).await?;
        if tx.conn().backend() == crate::Backend::Sqlite {
            for &id in &ids {
                tx.conn()
                    .raw_exec("DELETE FROM messages_fts WHERE rowid = ?", "", vec![sea_query::Value::BigInt(Some(id))])
                    .await?;
            }
        }
        // Edits, reactions and mentions go with their message (ON DELETE CASCADE).
        let del =
            Query::delete().from_table("messages").and_where(Expr::col("id").is_in(ids.iter().copied())).to_owned();
        let messages = tx.conn().exec(&del).await?;
        tx.commit().await?;
        Ok(Purged { messages, files })
    }

    /// Deletes up to `batch` audit entries older than `before`; returns how many.
    pub async fn purge_audit(&self, before: i64, batch: u64) -> Result<u64> {
        let ids = Query::select()
            .column("id")
            .from("audit_log")
            .and_where(Expr::col("at").lt(before))
            .order_by("id", Order::Asc)
            .limit(batch.clamp(1, 10_000))
            .to_owned();
        let mut tx = self.tx().await?;
        let ids: Vec<i64> = tx.conn().all::<(i64,)>(&ids).await?.into_iter().map(|(id,)| id).collect();
        if ids.is_empty() {
            tx.commit().await?;
            return Ok(0);
        }
        let del = Query::delete().from_table("audit_log").and_where(Expr::col("id").is_in(ids)).to_owned();
        let n = tx.conn().exec(&del).await?;
        tx.commit().await?;
        Ok(n)
    }

    /// Every room id, for the retention job.
    pub async fn room_ids(&self) -> Result<Vec<i64>> {
        let q = Query::select().column("id").from("rooms").order_by("id", Order::Asc).to_owned();
        let mut c = self.pools.read().await?;
        Ok(c.conn().all::<(i64,)>(&q).await?.into_iter().map(|(id,)| id).collect())
    }

    /// A page of an export, oldest first, after message id `after_id`.
    pub async fn export_messages(&self, f: &ExportFilter, after_id: i64, limit: u64) -> Result<Vec<Exported>> {
        if f.room_id.is_none() && f.author_id.is_none() {
            return Err(StoreError::Invalid("room_id"));
        }
        let mut q = Query::select();
        q.columns(["id", "room_id"])
            .from("messages")
            .and_where(Expr::col("id").gt(after_id))
            .order_by("id", Order::Asc)
            .limit(limit.clamp(1, 1000));
        if let Some(r) = f.room_id {
            q.and_where(Expr::col("room_id").eq(r));
        }
        if let Some(a) = f.author_id {
            q.and_where(Expr::col("author_id").eq(a));
        }
        if let Some(s) = f.since {
            q.and_where(Expr::col("created_at").gte(s));
        }
        if let Some(u) = f.until {
            q.and_where(Expr::col("created_at").lt(u));
        }
        let mut c = self.pools.read().await?;
        let rows: Vec<(i64, i64)> = c.conn().all(&q).await?;
        if rows.is_empty() {
            return Ok(vec![]);
        }
        let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
        let mut room_ids: Vec<i64> = rows.iter().map(|r| r.1).collect();
        room_ids.sort_unstable();
        room_ids.dedup();
        let names =
            Query::select().columns(["id", "name"]).from("rooms").and_where(Expr::col("id").is_in(room_ids)).to_owned();
        let names: std::collections::HashMap<i64, String> =
            c.conn().all::<(i64, String)>(&names).await?.into_iter().collect();
        let edits = Query::select()
            .columns(["message_id", "body", "replaced_at", "replaced_by"])
            .from("message_edits")
            .and_where(Expr::col("message_id").is_in(ids.iter().copied()))
            .order_by("id", Order::Asc)
            .to_owned();
        let mut by_msg: std::collections::HashMap<i64, Vec<(String, i64, i64)>> = std::collections::HashMap::new();
        for (mid, body, at, by) in c.conn().all::<(i64, String, i64, i64)>(&edits).await? {
            by_msg.entry(mid).or_default().push((body, at, by));
        }
        let mut messages = hydrate_ids(&mut c.conn(), &ids).await?;
        messages.sort_by_key(|m| m.id);
        Ok(messages
            .into_iter()
            .map(|m| Exported {
                room_name: names.get(&m.room_id).cloned().unwrap_or_default(),
                edits: by_msg.remove(&m.id).unwrap_or_default(),
                message: m,
            })
            .collect())
    }
}
