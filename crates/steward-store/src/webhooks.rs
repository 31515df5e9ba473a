//! Outgoing webhooks (docs/WEBHOOKS.md): a bot account's subscriptions, the
//! durable outbox of deliveries and the log of every attempt. A delivery is
//! written when its event happens and stays `pending` until a node claims it
//! (a lease, taken with `FOR UPDATE SKIP LOCKED` on PostgreSQL, so two nodes
//! never send the same one at once), sends it and records the outcome: a
//! restart loses nothing, it only waits for the lease to lapse.

use sea_query::{Expr, ExprTrait, Order, Query, Value};

use crate::{Result, Store, StoreError, now_ms};

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct WebhookRow {
    pub id: i64,
    /// The bot account whose view the webhook carries.
    pub owner_id: i64,
    pub name: String,
    pub url: String,
    /// Sealed; never serialised.
    #[serde(skip)]
    pub secret: String,
    pub events: Vec<String>,
    pub active: bool,
    /// Set when the server switched it off (`gone`: the receiver answered 410).
    pub disabled_reason: String,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DeliveryRow {
    pub id: i64,
    pub webhook_id: i64,
    pub event: String,
    /// The event's data as JSON text.
    pub payload: String,
    pub created_at: i64,
    /// `pending`, `delivered` or `failed`.
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub last_status: Option<i64>,
    pub last_error: String,
    pub finished_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AttemptRow {
    pub id: i64,
    pub delivery_id: i64,
    pub attempt: i64,
    pub at: i64,
    pub duration_ms: i64,
    pub status_code: Option<i64>,
    pub error: String,
    pub response: String,
}

/// What one attempt found, and what happens to the delivery next.
#[derive(Debug, Clone)]
pub struct AttemptOutcome {
    pub at: i64,
    pub duration_ms: i64,
    pub status_code: Option<i64>,
    pub error: String,
    pub response: String,
    pub next: NextStep,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextStep {
    Delivered,
    /// Try again at this instant.
    Retry(i64),
    /// Give up.
    Failed,
}

const HOOK_COLS: [&str; 10] =
    ["id", "owner_id", "name", "url", "secret", "events", "active", "disabled_reason", "created_at", "updated_at"];
type HookRow = (i64, i64, String, String, String, String, bool, String, i64, i64);

fn hook(r: HookRow) -> WebhookRow {
    WebhookRow {
        id: r.0,
        owner_id: r.1,
        name: r.2,
        url: r.3,
        secret: r.4,
        events: r.5.split(',').filter(|s| !s.is_empty()).map(str::to_string).collect(),
        active: r.6,
        disabled_reason: r.7,
        created_at: r.8,
        updated_at: r.9,
    }
}

const DEL_COLS: [&str; 11] = [
    "id",
    "webhook_id",
    "event",
    "payload",
    "created_at",
    "status",
    "attempts",
    "next_attempt_at",
    "last_status",
    "last_error",
    "finished_at",
];
type DelRow = (i64, i64, String, String, i64, String, i64, i64, Option<i64>, String, Option<i64>);

fn delivery(r: DelRow) -> DeliveryRow {
    DeliveryRow {
        id: r.0,
        webhook_id: r.1,
        event: r.2,
        payload: r.3,
        created_at: r.4,
        status: r.5,
        attempts: r.6,
        next_attempt_at: r.7,
        last_status: r.8,
        last_error: r.9,
        finished_at: r.10,
    }
}

const ATT_COLS: [&str; 8] = ["id", "delivery_id", "attempt", "at", "duration_ms", "status_code", "error", "response"];
type AttRow = (i64, i64, i64, i64, i64, Option<i64>, String, String);

/// Which deliveries a log page shows.
#[derive(Debug, Clone, Default)]
pub struct DeliveryFilter {
    pub webhook_id: i64,
    /// `pending`, `delivered` or `failed`; none: all.
    pub status: Option<String>,
    /// Older than this id (the page before).
    pub before_id: Option<i64>,
    pub limit: u64,
}

impl Store {
    pub async fn create_webhook(
        &self,
        owner_id: i64,
        name: &str,
        url: &str,
        sealed_secret: &str,
        events: &[String],
    ) -> Result<WebhookRow> {
        let now = now_ms();
        let q = Query::insert()
            .into_table("webhooks")
            .columns(["owner_id", "name", "url", "secret", "events", "active", "created_at", "updated_at"])
            .values_panic([
                owner_id.into(),
                name.into(),
                url.into(),
                sealed_secret.into(),
                events.join(",").into(),
                true.into(),
                now.into(),
                now.into(),
            ])
            .returning(Query::returning().columns(HOOK_COLS))
            .to_owned();
        let mut tx = self.tx().await?;
        let row = tx.conn().one::<HookRow>(&q).await?;
        tx.commit().await?;
        Ok(hook(row))
    }

    /// Every webhook, or one bot's, oldest first.
    pub async fn webhooks(&self, owner_id: Option<i64>) -> Result<Vec<WebhookRow>> {
        let mut q = Query::select();
        q.columns(HOOK_COLS).from("webhooks").order_by("id", Order::Asc);
        if let Some(o) = owner_id {
            q.and_where(Expr::col("owner_id").eq(o));
        }
        let mut c = self.pools.read().await?;
        Ok(c.conn().all::<HookRow>(&q).await?.into_iter().map(hook).collect())
    }

    pub async fn webhook(&self, id: i64) -> Result<Option<WebhookRow>> {
        let q = Query::select().columns(HOOK_COLS).from("webhooks").and_where(Expr::col("id").eq(id)).to_owned();
        let mut c = self.pools.read().await?;
        Ok(c.conn().opt::<HookRow>(&q).await?.map(hook))
    }

    /// Changes what is given; turning a webhook on clears why it was off.
    pub async fn update_webhook(
        &self,
        id: i64,
        name: Option<&str>,
        url: Option<&str>,
        events: Option<&[String]>,
        active: Option<bool>,
    ) -> Result<WebhookRow> {
        let mut q = Query::update();
        q.table("webhooks").value("updated_at", now_ms()).and_where(Expr::col("id").eq(id));
        if let Some(n) = name {
            q.value("name", n);
        }
        if let Some(u) = url {
            q.value("url", u);
        }
        if let Some(e) = events {
            q.value("events", e.join(","));
        }
        if let Some(a) = active {
            q.value("active", a);
            if a {
                q.value("disabled_reason", "");
            }
        }
        q.returning(Query::returning().columns(HOOK_COLS));
        let mut tx = self.tx().await?;
        let row = tx.conn().opt::<HookRow>(&q).await?.ok_or(StoreError::NotFound)?;
        tx.commit().await?;
        Ok(hook(row))
    }

    pub async fn set_webhook_secret(&self, id: i64, sealed_secret: &str) -> Result<()> {
        let q = Query::update()
            .table("webhooks")
            .value("secret", sealed_secret)
            .value("updated_at", now_ms())
            .and_where(Expr::col("id").eq(id))
            .to_owned();
        let mut tx = self.tx().await?;
        if tx.conn().exec(&q).await? == 0 {
            return Err(StoreError::NotFound);
        }
        tx.commit().await
    }

    /// The server switches a webhook off (its receiver said it is gone).
    pub async fn disable_webhook(&self, id: i64, reason: &str) -> Result<()> {
        let q = Query::update()
            .table("webhooks")
            .value("active", false)
            .value("disabled_reason", reason)
            .value("updated_at", now_ms())
            .and_where(Expr::col("id").eq(id))
            .to_owned();
        let mut tx = self.tx().await?;
        tx.conn().exec(&q).await?;
        tx.commit().await
    }

    /// Deletes the webhook with its deliveries and their attempts.
    pub async fn delete_webhook(&self, id: i64) -> Result<()> {
        let mut tx = self.tx().await?;
        let ids = Query::select()
            .column("id")
            .from("webhook_deliveries")
            .and_where(Expr::col("webhook_id").eq(id))
            .to_owned();
        let q = Query::delete()
            .from_table("webhook_attempts")
            .and_where(Expr::col("delivery_id").in_subquery(ids))
            .to_owned();
        tx.conn().exec(&q).await?;
        let q = Query::delete().from_table("webhook_deliveries").and_where(Expr::col("webhook_id").eq(id)).to_owned();
        tx.conn().exec(&q).await?;
        let q = Query::delete().from_table("webhooks").and_where(Expr::col("id").eq(id)).to_owned();
        if tx.conn().exec(&q).await? == 0 {
            return Err(StoreError::NotFound);
        }
        tx.commit().await
    }

    /// Writes deliveries to the outbox, due now. Returns their ids.
    pub async fn enqueue_deliveries(&self, items: &[(i64, &str, &str)]) -> Result<Vec<i64>> {
        if items.is_empty() {
            return Ok(vec![]);
        }
        let now = now_ms();
        let mut q = Query::insert();
        q.into_table("webhook_deliveries").columns(["webhook_id", "event", "payload", "created_at", "next_attempt_at"]);
        for (hook, event, payload) in items {
            q.values_panic([(*hook).into(), (*event).into(), (*payload).into(), now.into(), now.into()]);
        }
        q.returning(Query::returning().column("id"));
        let mut tx = self.tx().await?;
        let ids = tx.conn().all::<(i64,)>(&q).await?;
        tx.commit().await?;
        Ok(ids.into_iter().map(|r| r.0).collect())
    }

    /// Takes up to `limit` due deliveries of active webhooks for `lease_ms`:
    /// no other node takes them until then (or until their outcome is recorded).
    pub async fn claim_deliveries(&self, now: i64, lease_ms: i64, limit: u64) -> Result<Vec<DeliveryRow>> {
        let cols = DEL_COLS.join(", ");
        let inner = "SELECT d.id FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id \
             WHERE d.status = 'pending' AND w.active AND d.next_attempt_at <= {now} \
             AND (d.locked_until IS NULL OR d.locked_until <= {now}) ORDER BY d.next_attempt_at, d.id LIMIT {limit}";
        let sqlite = format!(
            "UPDATE webhook_deliveries SET locked_until = ? WHERE id IN ({}) RETURNING {cols}",
            inner.replace("{now}", "?").replace("{limit}", "?")
        );
        let postgres = format!(
            "UPDATE webhook_deliveries SET locked_until = $1 WHERE id IN ({} FOR UPDATE OF d SKIP LOCKED) RETURNING {cols}",
            inner.replacen("{now}", "$2", 1).replacen("{now}", "$3", 1).replace("{limit}", "$4")
        );
        let values = vec![
            Value::BigInt(Some(now + lease_ms)),
            Value::BigInt(Some(now)),
            Value::BigInt(Some(now)),
            Value::BigInt(Some(limit as i64)),
        ];
        let mut tx = self.tx().await?;
        let mut rows: Vec<DeliveryRow> =
            tx.conn().raw_all::<DelRow>(&sqlite, &postgres, values).await?.into_iter().map(delivery).collect();
        tx.commit().await?;
        rows.sort_by_key(|d| (d.next_attempt_at, d.id));
        Ok(rows)
    }

    /// Logs an attempt and moves the delivery on (delivered, retry later, failed).
    pub async fn record_attempt(&self, delivery_id: i64, o: &AttemptOutcome) -> Result<()> {
        let mut tx = self.tx().await?;
        let q = Query::select()
            .column("attempts")
            .from("webhook_deliveries")
            .and_where(Expr::col("id").eq(delivery_id))
            .to_owned();
        let Some((attempts,)) = tx.conn().opt::<(i64,)>(&q).await? else {
            return Ok(());
        };
        let q = Query::insert()
            .into_table("webhook_attempts")
            .columns(["delivery_id", "attempt", "at", "duration_ms", "status_code", "error", "response"])
            .values_panic([
                delivery_id.into(),
                (attempts + 1).into(),
                o.at.into(),
                o.duration_ms.into(),
                o.status_code.into(),
                o.error.as_str().into(),
                o.response.as_str().into(),
            ])
            .to_owned();
        tx.conn().exec(&q).await?;
        let (status, next, finished) = match o.next {
            NextStep::Delivered => ("delivered", o.at, Some(o.at)),
            NextStep::Retry(at) => ("pending", at, None),
            NextStep::Failed => ("failed", o.at, Some(o.at)),
        };
        let q = Query::update()
            .table("webhook_deliveries")
            .value("attempts", attempts + 1)
            .value("status", status)
            .value("next_attempt_at", next)
            .value("locked_until", Option::<i64>::None)
            .value("last_status", o.status_code)
            .value("last_error", o.error.as_str())
            .value("finished_at", finished)
            .and_where(Expr::col("id").eq(delivery_id))
            .to_owned();
        tx.conn().exec(&q).await?;
        tx.commit().await
    }

    /// Puts a delivery back in the queue, due now (an admin's "redeliver").
    pub async fn redeliver(&self, webhook_id: i64, delivery_id: i64) -> Result<DeliveryRow> {
        let q = Query::update()
            .table("webhook_deliveries")
            .value("status", "pending")
            .value("next_attempt_at", now_ms())
            .value("locked_until", Option::<i64>::None)
            .value("finished_at", Option::<i64>::None)
            .and_where(Expr::col("id").eq(delivery_id))
            .and_where(Expr::col("webhook_id").eq(webhook_id))
            .returning(Query::returning().columns(DEL_COLS))
            .to_owned();
        let mut tx = self.tx().await?;
        let row = tx.conn().opt::<DelRow>(&q).await?.ok_or(StoreError::NotFound)?;
        tx.commit().await?;
        Ok(delivery(row))
    }

    /// A page of a webhook's delivery log, newest first.
    pub async fn deliveries(&self, f: &DeliveryFilter) -> Result<Vec<DeliveryRow>> {
        let mut q = Query::select();
        q.columns(DEL_COLS)
            .from("webhook_deliveries")
            .and_where(Expr::col("webhook_id").eq(f.webhook_id))
            .order_by("id", Order::Desc)
            .limit(f.limit.clamp(1, 200));
        if let Some(s) = &f.status {
            q.and_where(Expr::col("status").eq(s.as_str()));
        }
        if let Some(b) = f.before_id {
            q.and_where(Expr::col("id").lt(b));
        }
        let mut c = self.pools.read().await?;
        Ok(c.conn().all::<DelRow>(&q).await?.into_iter().map(delivery).collect())
    }

    pub async fn delivery(&self, webhook_id: i64, delivery_id: i64) -> Result<Option<DeliveryRow>> {
        let q = Query::select()
            .columns(DEL_COLS)
            .from("webhook_deliveries")
            .and_where(Expr::col("id").eq(delivery_id))
            .and_where(Expr::col("webhook_id").eq(webhook_id))
            .to_owned();
        let mut c = self.pools.read().await?;
        Ok(c.conn().opt::<DelRow>(&q).await?.map(delivery))
    }

    pub async fn attempts(&self, delivery_id: i64) -> Result<Vec<AttemptRow>> {
        let q = Query::select()
            .columns(ATT_COLS)
            .from("webhook_attempts")
            .and_where(Expr::col("delivery_id").eq(delivery_id))
            .order_by("attempt", Order::Asc)
            .to_owned();
        let mut c = self.pools.read().await?;
        Ok(c.conn()
            .all::<AttRow>(&q)
            .await?
            .into_iter()
            .map(|r| AttemptRow {
                id: r.0,
                delivery_id: r.1,
                attempt: r.2,
                at: r.3,
                duration_ms: r.4,
                status_code: r.5,
                error: r.6,
                response: r.7,
            })
            .collect())
    }

    /// Counts of a webhook's deliveries by status.
    pub async fn delivery_counts(&self, webhook_id: i64) -> Result<Vec<(String, i64)>> {
        let q = Query::select()
            .column("status")
            .expr(Expr::cust("CAST(COUNT(*) AS BIGINT)"))
            .from("webhook_deliveries")
            .and_where(Expr::col("webhook_id").eq(webhook_id))
            .group_by_col("status")
            .to_owned();
        let mut c = self.pools.read().await?;
        c.conn().all(&q).await
    }

    /// Drops finished deliveries (and their attempts) that ended before `before`.
    pub async fn prune_deliveries(&self, before: i64) -> Result<u64> {
        let old = Query::select()
            .column("id")
            .from("webhook_deliveries")
            .and_where(Expr::col("status").ne("pending"))
            .and_where(Expr::col("finished_at").lt(before))
            .to_owned();
        let mut tx = self.tx().await?;
        let q = Query::delete()
            .from_table("webhook_attempts")
            .and_where(Expr::col("delivery_id").in_subquery(old))
            .to_owned();
        tx.conn().exec(&q).await?;
        let q = Query::delete()
            .from_table("webhook_deliveries")
            .and_where(Expr::col("status").ne("pending"))
            .and_where(Expr::col("finished_at").lt(before))
            .to_owned();
        let n = tx.conn().exec(&q).await?;
        tx.commit().await?;
        Ok(n)
    }
}
