//! The audit log: who did what to whom, from where, with the state before
//! and after. Append-only; searched by time, action and actor.

use sea_query::{Expr, ExprTrait, Order, Query};
pub use steward_core::model::AuditEntry;

use crate::{Result, Store, now_ms};

#[derive(Debug, Clone, Default)]
pub struct NewAudit {
    pub actor_id: Option<i64>,
    /// Dotted name, e.g. `user.deactivate`, `auth.login_failed`, `room.policy`.
    pub action: String,
    pub target_type: String,
    pub target_id: Option<i64>,
    /// JSON (or empty) of the state before and after.
    pub before: String,
    pub after: String,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Exact action, or a prefix ending in `.` (`user.` for every user action).
    pub action: Option<String>,
    pub actor_id: Option<i64>,
    pub target_id: Option<i64>,
    /// Unix ms, inclusive / exclusive.
    pub since: Option<i64>,
    pub until: Option<i64>,
    /// Page: entries older than this id.
    pub before_id: Option<i64>,
    pub limit: u64,
}

impl Store {
    pub async fn audit(&self, e: &NewAudit) -> Result<i64> {
        let q = Query::insert()
            .into_table("audit_log")
            .columns(["at", "actor_id", "action", "target_type", "target_id", "before", "after", "ip", "user_agent"])
            .values_panic([
                now_ms().into(),
                e.actor_id.into(),
                e.action.clone().into(),
                e.target_type.clone().into(),
                e.target_id.into(),
                e.before.clone().into(),
                e.after.clone().into(),
                e.ip.clone().into(),
                e.user_agent.as_ref().map(|u| u.chars().take(256).collect::<String>()).into(),
            ])
            .returning_col("id")
            .to_owned();
        let mut tx = self.tx().await?;
        let (id,) = tx.conn().one::<(i64,)>(&q).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Newest first.
    pub async fn audit_search(&self, f: &AuditFilter) -> Result<Vec<AuditEntry>> {
        let mut q = Query::select();
        q.columns([
            "id",
            "at",
            "actor_id",
            "action",
            "target_type",
            "target_id",
            "before",
            "after",
            "ip",
            "user_agent",
        ])
        .from("audit_log")
        .order_by("id", Order::Desc)
        .limit(f.limit.clamp(1, 10_000));
        if let Some(a) = &f.action {
            if let Some(prefix) = a.strip_suffix('.') {
                let pat = format!("{}.%", prefix.replace(['%', '_', '\\'], ""));
                q.and_where(Expr::col("action").like(pat));
            } else {
                q.and_where(Expr::col("action").eq(a.clone()));
            }
        }
        if let Some(v) = f.actor_id {
            q.and_where(Expr::col("actor_id").eq(v));
        }
        if let Some(v) = f.target_id {
            q.and_where(Expr::col("target_id").eq(v));
        }
        if let Some(v) = f.since {
            q.and_where(Expr::col("at").gte(v));
        }
        if let Some(v) = f.until {
            q.and_where(Expr::col("at").lt(v));
        }
        if let Some(v) = f.before_id {
            q.and_where(Expr::col("id").lt(v));
        }
        type Row = (i64, i64, Option<i64>, String, String, Option<i64>, String, String, Option<String>, Option<String>);
        let mut c = self.pools.read().await?;
        Ok(c.conn()
            .all::<Row>(&q)
            .await?
            .into_iter()
            .map(|r| AuditEntry {
                id: r.0,
                at: r.1,
                actor_id: r.2,
                action: r.3,
                target_type: r.4,
                target_id: r.5,
                before: r.6,
                after: r.7,
                ip: r.8,
                user_agent: r.9,
            })
            .collect())
    }
}
