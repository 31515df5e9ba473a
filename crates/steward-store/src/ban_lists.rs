//! Shared ban lists: lists of people, rooms subscribed to them, and rooms'
//! local exemptions.

use sea_query::{Expr, ExprTrait, Order, Query};
use steward_core::model::{BanEntry, BanList};

use crate::users::map_unique;
use crate::{Result, Store, StoreError, now_ms};

/// Everything the server keeps in memory to enforce the lists.
#[derive(Debug, Default, Clone)]
pub struct BanSnapshot {
    /// `(list, user, reason)`.
    pub entries: Vec<(i64, i64, String)>,
    /// `(list, room)`.
    pub rooms: Vec<(i64, i64)>,
    /// `(room, user)`.
    pub exemptions: Vec<(i64, i64)>,
}

impl Store {
    pub async fn create_ban_list(&self, name: &str, description: &str, by: i64) -> Result<i64> {
        let q = Query::insert()
            .into_table("ban_lists")
            .columns(["name", "description", "created_by", "created_at"])
            .values_panic([name.into(), description.into(), by.into(), now_ms().into()])
            .returning(Query::returning().columns(["id"]))
            .to_owned();
        let mut tx = self.tx().await?;
        let (id,) = tx.conn().one::<(i64,)>(&q).await.map_err(|e| match e {
            StoreError::Database(e) => map_unique(e, &["name"]),
            e => e,
        })?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn delete_ban_list(&self, id: i64) -> Result<bool> {
        let mut tx = self.tx().await?;
        let n = tx
            .conn()
            .exec(&Query::delete().from_table("ban_lists").and_where(Expr::col("id").eq(id)).to_owned())
            .await?;
        tx.commit().await?;
        Ok(n > 0)
    }

    pub async fn ban_lists(&self) -> Result<Vec<BanList>> {
        let q = Query::select()
            .columns(["id", "name", "description"])
            .expr(Expr::cust("(SELECT COUNT(*) FROM ban_list_entries e WHERE e.list_id = ban_lists.id)"))
            .from("ban_lists")
            .order_by("name", Order::Asc)
            .to_owned();
        let mut c = self.pools.read().await?;
        let rows: Vec<(i64, String, String, i64)> = c.conn().all(&q).await?;
        let subs: Vec<(i64, i64)> =
            c.conn().all(&Query::select().columns(["list_id", "room_id"]).from("ban_list_rooms").to_owned()).await?;
        Ok(rows
            .into_iter()
            .map(|(id, name, description, entries)| BanList {
                id,
                name,
                description,
                entries,
                rooms: subs.iter().filter(|s| s.0 == id).map(|s| s.1).collect(),
            })
            .collect())
    }

    pub async fn ban_entries(&self, list_id: i64) -> Result<Vec<BanEntry>> {
        let q = Query::select()
            .columns(["user_id", "reason", "added_by", "added_at"])
            .from("ban_list_entries")
            .and_where(Expr::col("list_id").eq(list_id))
            .order_by("added_at", Order::Desc)
            .to_owned();
        let mut c = self.pools.read().await?;
        let rows: Vec<(i64, String, Option<i64>, i64)> = c.conn().all(&q).await?;
        Ok(rows.into_iter().map(|r| BanEntry { user_id: r.0, reason: r.1, added_by: r.2, added_at: r.3 }).collect())
    }

    /// Puts someone on a list (or updates the reason). Unknown list or person: `Invalid`.
    pub async fn add_ban_entry(&self, list_id: i64, user_id: i64, reason: &str, by: i64) -> Result<()> {
        let mut tx = self.tx().await?;
        let del = Query::delete()
            .from_table("ban_list_entries")
            .and_where(Expr::col("list_id").eq(list_id))
            .and_where(Expr::col("user_id").eq(user_id))
            .to_owned();
        tx.conn().exec(&del).await?;
        let ins = Query::insert()
            .into_table("ban_list_entries")
            .columns(["list_id", "user_id", "reason", "added_by", "added_at"])
            .values_panic([list_id.into(), user_id.into(), reason.into(), by.into(), now_ms().into()])
            .to_owned();
        tx.conn().exec(&ins).await.map_err(|e| match e {
            StoreError::Database(sqlx::Error::Database(d)) if d.is_foreign_key_violation() => {
                StoreError::Invalid("user_id")
            }
            e => e,
        })?;
        tx.commit().await
    }

    pub async fn remove_ban_entry(&self, list_id: i64, user_id: i64) -> Result<bool> {
        let del = Query::delete()
            .from_table("ban_list_entries")
            .and_where(Expr::col("list_id").eq(list_id))
            .and_where(Expr::col("user_id").eq(user_id))
            .to_owned();
        let mut tx = self.tx().await?;
        let n = tx.conn().exec(&del).await?;
        tx.commit().await?;
        Ok(n > 0)
    }

    /// Subscribes a room to a list, or unsubscribes it.
    pub async fn set_ban_list_room(&self, list_id: i64, room_id: i64, on: bool) -> Result<()> {
        let mut tx = self.tx().await?;
        let del = Query::delete()
            .from_table("ban_list_rooms")
            .and_where(Expr::col("list_id").eq(list_id))
            .and_where(Expr::col("room_id").eq(room_id))
            .to_owned();
        tx.conn().exec(&del).await?;
        if on {
            let ins = Query::insert()
                .into_table("ban_list_rooms")
                .columns(["list_id", "room_id"])
                .values_panic([list_id.into(), room_id.into()])
                .to_owned();
            tx.conn().exec(&ins).await.map_err(|e| match e {
                StoreError::Database(sqlx::Error::Database(d)) if d.is_foreign_key_violation() => {
                    StoreError::Invalid("list_id")
                }
                e => e,
            })?;
        }
        tx.commit().await
    }

    /// A room lets someone in despite its lists, or stops doing so.
    pub async fn set_ban_exemption(&self, room_id: i64, user_id: i64, on: bool, by: i64) -> Result<()> {
        let mut tx = self.tx().await?;
        let del = Query::delete()
            .from_table("ban_list_exemptions")
            .and_where(Expr::col("room_id").eq(room_id))
            .and_where(Expr::col("user_id").eq(user_id))
            .to_owned();
        tx.conn().exec(&del).await?;
        if on {
            let ins = Query::insert()
                .into_table("ban_list_exemptions")
                .columns(["room_id", "user_id", "added_by", "added_at"])
                .values_panic([room_id.into(), user_id.into(), by.into(), now_ms().into()])
                .to_owned();
            tx.conn().exec(&ins).await.map_err(|e| match e {
                StoreError::Database(sqlx::Error::Database(d)) if d.is_foreign_key_violation() => {
                    StoreError::Invalid("user_id")
                }
                e => e,
            })?;
        }
        tx.commit().await
    }

    pub async fn ban_snapshot(&self) -> Result<BanSnapshot> {
        let mut c = self.pools.read().await?;
        let entries = c
            .conn()
            .all(&Query::select().columns(["list_id", "user_id", "reason"]).from("ban_list_entries").to_owned())
            .await?;
        let rooms =
            c.conn().all(&Query::select().columns(["list_id", "room_id"]).from("ban_list_rooms").to_owned()).await?;
        let exemptions = c
            .conn()
            .all(&Query::select().columns(["room_id", "user_id"]).from("ban_list_exemptions").to_owned())
            .await?;
        Ok(BanSnapshot { entries, rooms, exemptions })
    }
}
