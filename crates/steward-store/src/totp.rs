//! Two-factor state: the TOTP secret (pending while being set up), the last
//! accepted step (so a code works once), and hashed recovery codes.

use sea_query::{Expr, ExprTrait, Query};

use crate::{Result, Store, StoreError, now_ms};

#[derive(Debug, Clone, Default)]
pub struct TotpState {
    pub secret: Option<String>,
    pub pending: Option<String>,
    pub last_step: i64,
    pub recovery_left: i64,
}

impl Store {
    pub async fn totp_state(&self, user_id: i64) -> Result<TotpState> {
        let q = Query::select()
            .columns(["totp_secret", "totp_pending", "totp_last_step"])
            .expr(Expr::cust_with_values(
                "(SELECT COUNT(*) FROM recovery_codes rc WHERE rc.user_id = $1 AND rc.used_at IS NULL)",
                [user_id],
            ))
            .from("users")
            .and_where(Expr::col("id").eq(user_id))
            .to_owned();
        let mut c = self.pools.read().await?;
        let (secret, pending, last_step, recovery_left) =
            c.conn().opt::<(Option<String>, Option<String>, i64, i64)>(&q).await?.ok_or(StoreError::NotFound)?;
        Ok(TotpState { secret, pending, last_step, recovery_left })
    }

    pub async fn set_totp_pending(&self, user_id: i64, secret: Option<&str>) -> Result<()> {
        let q = Query::update()
            .table("users")
            .value("totp_pending", secret.map(str::to_string))
            .and_where(Expr::col("id").eq(user_id))
            .to_owned();
        let mut tx = self.tx().await?;
        tx.conn().exec(&q).await?;
        tx.commit().await
    }

    /// Turns the pending secret on, with the step of the code that proved it
    /// and fresh recovery codes (their hashes).
    pub async fn enable_totp(&self, user_id: i64, secret: &str, step: i64, code_hashes: &[String]) -> Result<()> {
        let mut tx = self.tx().await?;
        let up = Query::update()
            .table("users")
            .value("totp_secret", secret)
            .value("totp_pending", Option::<String>::None)
            .value("totp_last_step", step)
            .and_where(Expr::col("id").eq(user_id))
            .to_owned();
        tx.conn().exec(&up).await?;
        let del = Query::delete().from_table("recovery_codes").and_where(Expr::col("user_id").eq(user_id)).to_owned();
        tx.conn().exec(&del).await?;
        for h in code_hashes {
            let ins = Query::insert()
                .into_table("recovery_codes")
                .columns(["user_id", "code_hash"])
                .values_panic([user_id.into(), h.clone().into()])
                .to_owned();
            tx.conn().exec(&ins).await?;
        }
        tx.commit().await
    }

    pub async fn disable_totp(&self, user_id: i64) -> Result<()> {
        let mut tx = self.tx().await?;
        let up = Query::update()
            .table("users")
            .value("totp_secret", Option::<String>::None)
            .value("totp_pending", Option::<String>::None)
            .and_where(Expr::col("id").eq(user_id))
            .to_owned();
        tx.conn().exec(&up).await?;
        let del = Query::delete().from_table("recovery_codes").and_where(Expr::col("user_id").eq(user_id)).to_owned();
        tx.conn().exec(&del).await?;
        tx.commit().await
    }

    /// Every person with a TOTP secret or a pending one: `(id, secret, pending)`
    /// as stored (for sealing values written before secrets were encrypted).
    pub async fn totp_secrets(&self) -> Result<Vec<(i64, Option<String>, Option<String>)>> {
        let q = Query::select()
            .columns(["id", "totp_secret", "totp_pending"])
            .from("users")
            .cond_where(Expr::col("totp_secret").is_not_null().or(Expr::col("totp_pending").is_not_null()))
            .order_by("id", sea_query::Order::Asc)
            .to_owned();
        let mut c = self.pools.read().await?;
        c.conn().all::<(i64, Option<String>, Option<String>)>(&q).await
    }

    /// Replaces a stored secret (`pending` or not) only if it still is `old`,
    /// so a concurrent setup or reset is never overwritten. True if replaced.
    pub async fn replace_totp_value(&self, user_id: i64, pending: bool, old: &str, new: &str) -> Result<bool> {
        let column = if pending { "totp_pending" } else { "totp_secret" };
        let q = Query::update()
            .table("users")
            .value(column, new)
            .and_where(Expr::col("id").eq(user_id))
            .and_where(Expr::col(column).eq(old))
            .to_owned();
        let mut tx = self.tx().await?;
        let n = tx.conn().exec(&q).await?;
        tx.commit().await?;
        Ok(n == 1)
    }

    /// Accepts a code's step once: true only if it is later than every step
    /// accepted before (atomic, so two requests with one code cannot both pass).
    pub async fn claim_totp_step(&self, user_id: i64, step: i64) -> Result<bool> {
        let q = Query::update()
            .table("users")
            .value("totp_last_step", step)
            .and_where(Expr::col("id").eq(user_id))
            .and_where(Expr::col("totp_last_step").lt(step))
            .to_owned();
        let mut tx = self.tx().await?;
        let n = tx.conn().exec(&q).await?;
        tx.commit().await?;
        Ok(n == 1)
    }

    /// Uses up a recovery code; true if it was valid and unused.
    pub async fn use_recovery_code(&self, user_id: i64, code_hash: &str) -> Result<bool> {
        let q = Query::update()
            .table("recovery_codes")
            .value("used_at", now_ms())
            .and_where(Expr::col("user_id").eq(user_id))
            .and_where(Expr::col("code_hash").eq(code_hash))
            .and_where(Expr::col("used_at").is_null())
            .to_owned();
        let mut tx = self.tx().await?;
        let n = tx.conn().exec(&q).await?;
        tx.commit().await?;
        Ok(n > 0)
    }

    /// Which of these people have two-factor authentication on.
    pub async fn users_with_2fa(&self, ids: &[i64]) -> Result<Vec<i64>> {
        if ids.is_empty() {
            return Ok(vec![]);
        }
        let q = sea_query::Query::select()
            .column("id")
            .from("users")
            .and_where(sea_query::Expr::col("id").is_in(ids.iter().copied()))
            .and_where(sea_query::Expr::col("totp_secret").is_not_null())
            .to_owned();
        let mut c = self.pools.read().await?;
        Ok(c.conn().all::<(i64,)>(&q).await?.into_iter().map(|(id,)| id).collect())
    }
}
