//! Custom roles: named permission sets given to people on top of their system
//! role. `users.extra_permissions` holds the union of a person's custom roles
//! and is rewritten in the same transaction as any change to a role or to who
//! holds it, so authorisation reads one row.

use sea_query::{Expr, ExprTrait, Order, Query};
use steward_core::PermissionSet;
pub use steward_core::model::CustomRole;

use crate::db::Tx;
use crate::users::map_unique;
use crate::{Result, Store, StoreError, now_ms};

type Row = (i64, String, String, String, i64, i64);

fn from_row(r: Row) -> CustomRole {
    CustomRole {
        id: r.0,
        name: r.1,
        description: r.2,
        permissions: PermissionSet::from_names(&r.3).iter().map(|p| p.as_str().to_string()).collect(),
        holders: r.5,
        updated_at: r.4,
    }
}

const HOLDERS: &str = "(SELECT COUNT(*) FROM user_custom_roles h WHERE h.role_id = custom_roles.id)";

fn select() -> sea_query::SelectStatement {
    Query::select()
        .columns(["id", "name", "description", "permissions", "updated_at"])
        .expr(Expr::cust(HOLDERS))
        .from("custom_roles")
        .to_owned()
}

/// Rewrites `extra_permissions` of the given people from the roles they hold.
async fn recompute(tx: &mut Tx, user_ids: &[i64]) -> Result<()> {
    for &uid in user_ids {
        let q = Query::select()
            .column("permissions")
            .from("custom_roles")
            .and_where(
                Expr::col("id").in_subquery(
                    Query::select()
                        .column("role_id")
                        .from("user_custom_roles")
                        .and_where(Expr::col("user_id").eq(uid))
                        .to_owned(),
                ),
            )
            .to_owned();
        let rows: Vec<(String,)> = tx.conn().all(&q).await?;
        let set = rows.iter().fold(PermissionSet::EMPTY, |s, (p,)| s.union(PermissionSet::from_names(p)));
        let up = Query::update()
            .table("users")
            .value("extra_permissions", set.to_names())
            .and_where(Expr::col("id").eq(uid))
            .to_owned();
        tx.conn().exec(&up).await?;
    }
    Ok(())
}

async fn holders(tx: &mut Tx, role_id: i64) -> Result<Vec<i64>> {
    let q = Query::select()
        .column("user_id")
        .from("user_custom_roles")
        .and_where(Expr::col("role_id").eq(role_id))
        .to_owned();
    Ok(tx.conn().all::<(i64,)>(&q).await?.into_iter().map(|(id,)| id).collect())
}

impl Store {
    pub async fn custom_roles(&self) -> Result<Vec<CustomRole>> {
        let q = select().order_by("name", Order::Asc).to_owned();
        let mut c = self.pools.read().await?;
        Ok(c.conn().all::<Row>(&q).await?.into_iter().map(from_row).collect())
    }

    pub async fn custom_role(&self, id: i64) -> Result<Option<CustomRole>> {
        let q = select().and_where(Expr::col("id").eq(id)).to_owned();
        let mut c = self.pools.read().await?;
        Ok(c.conn().opt::<Row>(&q).await?.map(from_row))
    }

    pub async fn create_custom_role(&self, name: &str, description: &str, perms: PermissionSet) -> Result<CustomRole> {
        let now = now_ms();
        let q = Query::insert()
            .into_table("custom_roles")
            .columns(["name", "description", "permissions", "created_at", "updated_at"])
            .values_panic([name.into(), description.into(), perms.to_names().into(), now.into(), now.into()])
            .returning(Query::returning().columns(["id"]))
            .to_owned();
        let mut tx = self.tx().await?;
        let (id,): (i64,) = tx.conn().one(&q).await.map_err(|e| match e {
            StoreError::Database(e) => map_unique(e, &["name"]),
            e => e,
        })?;
        tx.commit().await?;
        self.custom_role(id).await?.ok_or(StoreError::NotFound)
    }

    /// Changes a role; every holder's permissions change in the same transaction.
    pub async fn update_custom_role(
        &self,
        id: i64,
        name: &str,
        description: &str,
        perms: PermissionSet,
    ) -> Result<CustomRole> {
        let q = Query::update()
            .table("custom_roles")
            .value("name", name)
            .value("description", description)
            .value("permissions", perms.to_names())
            .value("updated_at", now_ms())
            .and_where(Expr::col("id").eq(id))
            .to_owned();
        let mut tx = self.tx().await?;
        let n = tx.conn().exec(&q).await.map_err(|e| match e {
            StoreError::Database(e) => map_unique(e, &["name"]),
            e => e,
        })?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        let users = holders(&mut tx, id).await?;
        recompute(&mut tx, &users).await?;
        tx.commit().await?;
        self.custom_role(id).await?.ok_or(StoreError::NotFound)
    }

    /// Deletes a role; returns the people who held it (their permissions are recomputed).
    pub async fn delete_custom_role(&self, id: i64) -> Result<Vec<i64>> {
        let mut tx = self.tx().await?;
        let users = holders(&mut tx, id).await?;
        let d = Query::delete().from_table("user_custom_roles").and_where(Expr::col("role_id").eq(id)).to_owned();
        tx.conn().exec(&d).await?;
        let d = Query::delete().from_table("custom_roles").and_where(Expr::col("id").eq(id)).to_owned();
        if tx.conn().exec(&d).await? == 0 {
            return Err(StoreError::NotFound);
        }
        recompute(&mut tx, &users).await?;
        tx.commit().await?;
        Ok(users)
    }

    /// The people who hold a custom role.
    pub async fn custom_role_holders(&self, role_id: i64) -> Result<Vec<i64>> {
        let q = Query::select()
            .column("user_id")
            .from("user_custom_roles")
            .and_where(Expr::col("role_id").eq(role_id))
            .to_owned();
        let mut c = self.pools.read().await?;
        Ok(c.conn().all::<(i64,)>(&q).await?.into_iter().map(|(id,)| id).collect())
    }

    /// The custom roles a person holds.
    pub async fn custom_roles_of(&self, user_id: i64) -> Result<Vec<i64>> {
        let q = Query::select()
            .column("role_id")
            .from("user_custom_roles")
            .and_where(Expr::col("user_id").eq(user_id))
            .order_by("role_id", Order::Asc)
            .to_owned();
        let mut c = self.pools.read().await?;
        Ok(c.conn().all::<(i64,)>(&q).await?.into_iter().map(|(id,)| id).collect())
    }

    /// Who holds which custom roles, for many people at once.
    pub async fn custom_roles_of_many(&self, user_ids: &[i64]) -> Result<Vec<(i64, i64)>> {
        if user_ids.is_empty() {
            return Ok(Vec::new());
        }
        let q = Query::select()
            .columns(["user_id", "role_id"])
            .from("user_custom_roles")
            .and_where(Expr::col("user_id").is_in(user_ids.iter().copied()))
            .order_by("role_id", Order::Asc)
            .to_owned();
        let mut c = self.pools.read().await?;
        c.conn().all::<(i64, i64)>(&q).await
    }

    /// Replaces the custom roles a person holds. Unknown role ids are refused
    /// (`Invalid("role_ids")`).
    pub async fn set_custom_roles_of(&self, user_id: i64, role_ids: &[i64]) -> Result<()> {
        let mut tx = self.tx().await?;
        let exists = Query::select().column("id").from("users").and_where(Expr::col("id").eq(user_id)).to_owned();
        if tx.conn().opt::<(i64,)>(&exists).await?.is_none() {
            return Err(StoreError::NotFound);
        }
        let d = Query::delete().from_table("user_custom_roles").and_where(Expr::col("user_id").eq(user_id)).to_owned();
        tx.conn().exec(&d).await?;
        for &rid in role_ids {
            let known = Query::select().column("id").from("custom_roles").and_where(Expr::col("id").eq(rid)).to_owned();
            if tx.conn().opt::<(i64,)>(&known).await?.is_none() {
                return Err(StoreError::Invalid("role_ids"));
            }
            let ins = Query::insert()
                .into_table("user_custom_roles")
                .columns(["user_id", "role_id"])
                .values_panic([user_id.into(), rid.into()])
                .to_owned();
            tx.conn().exec(&ins).await?;
        }
        recompute(&mut tx, &[user_id]).await?;
        tx.commit().await
    }
}
