//! Invite links. Uses are claimed atomically: a link with one use left lets
//! exactly one person in, however many try at once.

use sea_query::{Expr, ExprTrait, Order, Query};
use steward_core::SystemRole;
pub use steward_core::model::Invite;

use crate::{Result, Store, StoreError, now_ms};

#[derive(Debug, Clone)]
pub struct NewInvite {
    pub token_hash: String,
    pub label: String,
    pub role: SystemRole,
    pub rooms: Vec<i64>,
    pub max_uses: i64,
    pub expires_at: i64,
    pub created_by: i64,
    /// Sent to this address; the account made with it gets it.
    pub email: Option<String>,
}

const COLS: [&str; 11] = [
    "id",
    "label",
    "role",
    "rooms",
    "max_uses",
    "uses",
    "expires_at",
    "created_by",
    "created_at",
    "revoked_at",
    "email",
];
type Row = (i64, String, String, String, i64, i64, i64, Option<i64>, i64, Option<i64>, Option<String>);

fn from_row(r: Row) -> Invite {
    Invite {
        id: r.0,
        label: r.1,
        role: SystemRole::parse(&r.2).unwrap_or(SystemRole::Member),
        rooms: r.3.split(',').filter_map(|x| x.trim().parse().ok()).collect(),
        max_uses: r.4,
        uses: r.5,
        expires_at: r.6,
        created_by: r.7,
        created_at: r.8,
        revoked: r.9.is_some(),
        email: r.10,
    }
}

impl Store {
    pub async fn create_invite(&self, n: &NewInvite) -> Result<Invite> {
        let rooms = n.rooms.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        let q = Query::insert()
            .into_table("invites")
            .columns([
                "token_hash",
                "label",
                "role",
                "rooms",
                "max_uses",
                "uses",
                "expires_at",
                "created_by",
                "created_at",
                "email",
            ])
            .values_panic([
                n.token_hash.clone().into(),
                n.label.clone().into(),
                n.role.as_str().into(),
                rooms.into(),
                n.max_uses.into(),
                0i64.into(),
                n.expires_at.into(),
                n.created_by.into(),
                now_ms().into(),
                n.email.clone().into(),
            ])
            .returning(Query::returning().columns(COLS))
            .to_owned();
        let mut tx = self.tx().await?;
        let row = tx.conn().one::<Row>(&q).await?;
        tx.commit().await?;
        Ok(from_row(row))
    }

    pub async fn invites(&self) -> Result<Vec<Invite>> {
        let q = Query::select().columns(COLS).from("invites").order_by("id", Order::Desc).limit(500).to_owned();
        let mut c = self.pools.read().await?;
        Ok(c.conn().all::<Row>(&q).await?.into_iter().map(from_row).collect())
    }

    /// The invite for a token if it can still be used.
    pub async fn usable_invite(&self, token_hash: &str) -> Result<Option<Invite>> {
        let q = Query::select()
            .columns(COLS)
            .from("invites")
            .and_where(Expr::col("token_hash").eq(token_hash))
            .and_where(Expr::col("revoked_at").is_null())
            .and_where(Expr::col("expires_at").gt(now_ms()))
            .and_where(Expr::col("uses").lt(Expr::col("max_uses")))
            .to_owned();
        let mut c = self.pools.read().await?;
        Ok(c.conn().opt::<Row>(&q).await?.map(from_row))
    }

    /// Takes one use of an invite; false when it is used up, expired or revoked.
    pub async fn claim_invite(&self, id: i64) -> Result<bool> {
        let q = Query::update()
            .table("invites")
            .value("uses", Expr::col("uses").add(1))
            .and_where(Expr::col("id").eq(id))
            .and_where(Expr::col("revoked_at").is_null())
            .and_where(Expr::col("expires_at").gt(now_ms()))
            .and_where(Expr::col("uses").lt(Expr::col("max_uses")))
            .to_owned();
        let mut tx = self.tx().await?;
        let n = tx.conn().exec(&q).await?;
        tx.commit().await?;
        Ok(n == 1)
    }

    /// Gives back a use claimed for a sign-up that then failed.
    pub async fn release_invite(&self, id: i64) -> Result<()> {
        let q = Query::update()
            .table("invites")
            .value("uses", Expr::col("uses").sub(1))
            .and_where(Expr::col("id").eq(id))
            .and_where(Expr::col("uses").gt(0))
            .to_owned();
        let mut tx = self.tx().await?;
        tx.conn().exec(&q).await?;
        tx.commit().await
    }

    pub async fn revoke_invite(&self, id: i64) -> Result<()> {
        let q = Query::update()
            .table("invites")
            .value("revoked_at", now_ms())
            .and_where(Expr::col("id").eq(id))
            .and_where(Expr::col("revoked_at").is_null())
            .to_owned();
        let mut tx = self.tx().await?;
        if tx.conn().exec(&q).await? == 0 {
            return Err(StoreError::NotFound);
        }
        tx.commit().await
    }

    /// Records which invite brought a person in.
    pub async fn set_user_invite(&self, user_id: i64, invite_id: i64) -> Result<()> {
        let q = Query::update()
            .table("users")
            .value("invite_id", invite_id)
            .and_where(Expr::col("id").eq(user_id))
            .to_owned();
        let mut tx = self.tx().await?;
        tx.conn().exec(&q).await?;
        tx.commit().await
    }
}
