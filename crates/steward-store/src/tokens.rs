//! API tokens: scoped, expiring, revocable credentials for integrations and
//! bot accounts. Only a hash of each token is stored.

use sea_query::{Expr, ExprTrait, Order, Query};
pub use steward_core::model::ApiToken;
use steward_core::model::{User, UserStatus};

use crate::users::{USER_COLS, UserRow, user_from_row};
use crate::{Result, Store, StoreError, now_ms};

const COLS: [&str; 7] = ["id", "name", "scopes", "created_at", "expires_at", "last_used_at", "revoked_at"];
type Row = (i64, String, String, i64, Option<i64>, Option<i64>, Option<i64>);

fn from_row(r: Row) -> ApiToken {
    ApiToken {
        id: r.0,
        name: r.1,
        scopes: r.2.split(',').filter(|s| !s.is_empty()).map(str::to_string).collect(),
        created_at: r.3,
        expires_at: r.4,
        last_used_at: r.5,
        revoked: r.6.is_some(),
    }
}

impl Store {
    pub async fn create_api_token(
        &self,
        user_id: i64,
        name: &str,
        token_hash: &str,
        scopes: &[String],
        expires_at: Option<i64>,
    ) -> Result<ApiToken> {
        let q = Query::insert()
            .into_table("api_tokens")
            .columns(["user_id", "name", "token_hash", "scopes", "created_at", "expires_at"])
            .values_panic([
                user_id.into(),
                name.into(),
                token_hash.into(),
                scopes.join(",").into(),
                now_ms().into(),
                expires_at.into(),
            ])
            .returning(Query::returning().columns(COLS))
            .to_owned();
        let mut tx = self.tx().await?;
        let row = tx.conn().one::<Row>(&q).await?;
        tx.commit().await?;
        Ok(from_row(row))
    }

    pub async fn api_tokens_of(&self, user_id: i64) -> Result<Vec<ApiToken>> {
        let q = Query::select()
            .columns(COLS)
            .from("api_tokens")
            .and_where(Expr::col("user_id").eq(user_id))
            .order_by("id", Order::Desc)
            .to_owned();
        let mut c = self.pools.read().await?;
        Ok(c.conn().all::<Row>(&q).await?.into_iter().map(from_row).collect())
    }

    pub async fn revoke_api_token(&self, user_id: i64, id: i64) -> Result<()> {
        let q = Query::update()
            .table("api_tokens")
            .value("revoked_at", now_ms())
            .and_where(Expr::col("id").eq(id))
            .and_where(Expr::col("user_id").eq(user_id))
            .and_where(Expr::col("revoked_at").is_null())
            .to_owned();
        let mut tx = self.tx().await?;
        if tx.conn().exec(&q).await? == 0 {
            return Err(StoreError::NotFound);
        }
        tx.commit().await
    }

    /// The active user and token for a token hash, if live; records its use
    /// at most once a minute.
    pub async fn api_token(&self, token_hash: &str) -> Result<Option<(User, ApiToken)>> {
        let mut cols: Vec<&str> = COLS.to_vec();
        cols.push("user_id");
        let q = Query::select()
            .columns(cols)
            .from("api_tokens")
            .and_where(Expr::col("token_hash").eq(token_hash))
            .to_owned();
        type Joined = (i64, String, String, i64, Option<i64>, Option<i64>, Option<i64>, i64);
        let mut c = self.pools.read().await?;
        let Some(r) = c.conn().opt::<Joined>(&q).await? else { return Ok(None) };
        let token = from_row((r.0, r.1, r.2, r.3, r.4, r.5, r.6));
        let q = Query::select().columns(USER_COLS).from("users").and_where(Expr::col("id").eq(r.7)).to_owned();
        let Some(user) = c.conn().opt::<UserRow>(&q).await?.map(user_from_row) else { return Ok(None) };
        let now = now_ms();
        if token.revoked || token.expires_at.is_some_and(|e| e <= now) || user.status != UserStatus::Active {
            return Ok(None);
        }
        drop(c);
        if token.last_used_at.is_none_or(|t| now - t > 60_000) {
            let up = Query::update()
                .table("api_tokens")
                .value("last_used_at", now)
                .and_where(Expr::col("id").eq(token.id))
                .to_owned();
            let mut tx = self.tx().await?;
            tx.conn().exec(&up).await?;
            tx.commit().await?;
        }
        Ok(Some((user, token)))
    }

    pub async fn set_bot(&self, user_id: i64) -> Result<()> {
        let q = Query::update().table("users").value("is_bot", true).and_where(Expr::col("id").eq(user_id)).to_owned();
        let mut tx = self.tx().await?;
        tx.conn().exec(&q).await?;
        tx.commit().await
    }

    /// Every bot account (active or not), by username.
    pub async fn bots(&self) -> Result<Vec<User>> {
        let q = Query::select()
            .columns(USER_COLS)
            .from("users")
            .and_where(Expr::col("is_bot").eq(true))
            .order_by("username", Order::Asc)
            .to_owned();
        let mut c = self.pools.read().await?;
        Ok(c.conn().all::<UserRow>(&q).await?.into_iter().map(user_from_row).collect())
    }

    pub async fn is_bot(&self, user_id: i64) -> Result<bool> {
        let q = Query::select().column("is_bot").from("users").and_where(Expr::col("id").eq(user_id)).to_owned();
        let mut c = self.pools.read().await?;
        Ok(c.conn().opt::<(bool,)>(&q).await?.is_some_and(|r| r.0))
    }
}
