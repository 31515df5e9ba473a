//! Room notes (`/save rules …`, `#rules`): markdown text under a name, per room.

use sea_query::{Expr, ExprTrait, OnConflict, Order, Query};
use steward_core::model::RoomNote;
use steward_core::notes::{MAX_NOTES_PER_ROOM, NoteBody, NoteName};

use crate::{Result, Store, StoreError, now_ms};

const COLS: [&str; 5] = ["room_id", "name", "body", "updated_by", "updated_at"];
type Row = (i64, String, String, Option<i64>, i64);

fn note(r: Row) -> RoomNote {
    RoomNote { room_id: r.0, name: r.1, body: r.2, updated_by: r.3, updated_at: r.4 }
}

impl Store {
    /// A room's notes by name.
    pub async fn room_notes(&self, room_id: i64) -> Result<Vec<RoomNote>> {
        let q = Query::select()
            .columns(COLS)
            .from("room_notes")
            .and_where(Expr::col("room_id").eq(room_id))
            .order_by("name", Order::Asc)
            .to_owned();
        let mut c = self.pools.read().await?;
        Ok(c.conn().all::<Row>(&q).await?.into_iter().map(note).collect())
    }

    pub async fn room_note(&self, room_id: i64, name: &NoteName) -> Result<Option<RoomNote>> {
        let q = Query::select()
            .columns(COLS)
            .from("room_notes")
            .and_where(Expr::col("room_id").eq(room_id))
            .and_where(Expr::col("name").eq(name.as_str()))
            .to_owned();
        let mut c = self.pools.read().await?;
        Ok(c.conn().opt::<Row>(&q).await?.map(note))
    }

    /// Saves a note, replacing one of the same name. Returns the note and
    /// whether it is new; a room keeps at most `MAX_NOTES_PER_ROOM`
    /// (`Limit("notes")` beyond).
    pub async fn put_room_note(
        &self,
        room_id: i64,
        name: &NoteName,
        body: &NoteBody,
        by: i64,
    ) -> Result<(RoomNote, bool)> {
        let mut tx = self.tx().await?;
        let exists = Query::select()
            .expr(Expr::col("name").count())
            .from("room_notes")
            .and_where(Expr::col("room_id").eq(room_id))
            .and_where(Expr::col("name").eq(name.as_str()))
            .to_owned();
        let created = tx.conn().one::<(i64,)>(&exists).await?.0 == 0;
        if created {
            let count = Query::select()
                .expr(Expr::col("name").count())
                .from("room_notes")
                .and_where(Expr::col("room_id").eq(room_id))
                .to_owned();
            if tx.conn().one::<(i64,)>(&count).await?.0 >= MAX_NOTES_PER_ROOM as i64 {
                return Err(StoreError::Limit("notes"));
            }
        }
        let q = Query::insert()
            .into_table("room_notes")
            .columns(COLS)
            .values_panic([room_id.into(), name.as_str().into(), body.as_str().into(), by.into(), now_ms().into()])
            .on_conflict(
                OnConflict::columns(["room_id", "name"])
                    .update_columns(["body", "updated_by", "updated_at"])
                    .to_owned(),
            )
            .returning(Query::returning().columns(COLS))
            .to_owned();
        let row = tx.conn().one::<Row>(&q).await.map_err(|e| match e {
            // The room is gone (or the author): a reference that does not fit.
            StoreError::Database(sqlx::Error::Database(d)) if d.is_foreign_key_violation() => {
                StoreError::Invalid("room_id")
            }
            e => e,
        })?;
        tx.commit().await?;
        Ok((note(row), created))
    }

    /// Deletes a note; `false` when there was none.
    pub async fn delete_room_note(&self, room_id: i64, name: &NoteName) -> Result<bool> {
        let q = Query::delete()
            .from_table("room_notes")
            .and_where(Expr::col("room_id").eq(room_id))
            .and_where(Expr::col("name").eq(name.as_str()))
            .to_owned();
        let mut tx = self.tx().await?;
        let n = tx.conn().exec(&q).await?;
        tx.commit().await?;
        Ok(n > 0)
    }
}
