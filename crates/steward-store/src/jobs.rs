//! Job leases: which node runs a background job (docs/DEPLOY.md). A lease is
//! one row, taken or renewed by one conditional upsert, so of several nodes
//! asking at once exactly one gets it; it lapses if its holder stops renewing
//! (the node died) and the next node to ask takes it over. Times are the
//! database's clock, never a node's.
//!
//! Row-level work (scheduled messages, expired sanctions) is claimed per row
//! besides (`FOR UPDATE SKIP LOCKED` on PostgreSQL), so even two holders
//! in the moment a lease changes hands would not do one item twice.

use std::time::Duration;

use sea_query::{Expr, ExprTrait, OnConflict, Query};

use crate::db::Backend;
use crate::{Result, Store};

/// A lease this node holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JobLease {
    /// The database's clock when the lease was taken or renewed (ms).
    pub now: i64,
    /// Held since (ms); unchanged by renewals.
    pub acquired_at: i64,
    pub expires_at: i64,
    /// When the job last started, by whichever holder (0: never); see [`Store::lease_ran`].
    pub last_run_at: i64,
}

/// The database's clock in milliseconds since 1970.
fn db_now(backend: Backend) -> Expr {
    match backend {
        Backend::Postgres => Expr::cust("(EXTRACT(EPOCH FROM statement_timestamp()) * 1000)::BIGINT"),
        Backend::Sqlite => Expr::cust("CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)"),
    }
}

impl Store {
    /// Takes or renews the lease on job `name` for `holder` (a node id) for
    /// `ttl`: `Some` if `holder` holds it now — it was free, had expired, or
    /// was already `holder`'s. One statement:
    /// `INSERT … ON CONFLICT (name) DO UPDATE … WHERE holder = $holder OR expires_at < now RETURNING …`.
    ///
    /// A job loop asks on every tick and runs only with `Some`; with a `ttl`
    /// of a few ticks, the holder keeps the job while it lives and another
    /// node takes over within `ttl` of its death.
    pub async fn try_lease(&self, name: &str, holder: &str, ttl: Duration) -> Result<Option<JobLease>> {
        let now = db_now(self.backend());
        let ttl_ms = i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX / 4);
        let q = Query::insert()
            .into_table("job_leases")
            .columns(["name", "holder", "expires_at", "acquired_at", "last_run_at"])
            .values_panic([name.into(), holder.into(), now.clone().add(ttl_ms), now, 0i64.into()])
            .on_conflict(
                OnConflict::column("name")
                    .update_columns(["holder", "expires_at"])
                    .value(
                        "acquired_at",
                        Expr::cust(
                            "CASE WHEN job_leases.holder = excluded.holder \
                             THEN job_leases.acquired_at ELSE excluded.acquired_at END",
                        ),
                    )
                    .action_and_where(Expr::cust(
                        "job_leases.holder = excluded.holder OR job_leases.expires_at < excluded.acquired_at",
                    ))
                    .to_owned(),
            )
            .returning(Query::returning().columns(["acquired_at", "expires_at", "last_run_at"]))
            .to_owned();
        let mut tx = self.tx().await?;
        let row = tx.conn().opt::<(i64, i64, i64)>(&q).await?;
        tx.commit().await?;
        Ok(row.map(|(acquired_at, expires_at, last_run_at)| JobLease {
            now: expires_at - ttl_ms,
            acquired_at,
            expires_at,
            last_run_at,
        }))
    }

    /// Records that the holder started a run at `at` (the lease's `now`);
    /// false if `holder` no longer holds the lease.
    pub async fn lease_ran(&self, name: &str, holder: &str, at: i64) -> Result<bool> {
        let q = Query::update()
            .table("job_leases")
            .value("last_run_at", at)
            .and_where(Expr::col("name").eq(name))
            .and_where(Expr::col("holder").eq(holder))
            .to_owned();
        let mut tx = self.tx().await?;
        let n = tx.conn().exec(&q).await?;
        tx.commit().await?;
        Ok(n == 1)
    }

    /// Gives the lease up (a node shutting down), so another node may take
    /// the job at its next tick instead of after the lease expires.
    pub async fn release_lease(&self, name: &str, holder: &str) -> Result<bool> {
        let q = Query::update()
            .table("job_leases")
            .value("expires_at", 0i64)
            .and_where(Expr::col("name").eq(name))
            .and_where(Expr::col("holder").eq(holder))
            .to_owned();
        let mut tx = self.tx().await?;
        let n = tx.conn().exec(&q).await?;
        tx.commit().await?;
        Ok(n == 1)
    }
}
