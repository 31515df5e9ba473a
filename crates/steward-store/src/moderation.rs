//! Moderation records: rules (JSON bodies the server compiles), sanctions,
//! held messages, report cases, appeals and the modlog.

use sea_query::{Expr, ExprTrait, Order, Query};
use steward_core::model::{Appeal, HeldMessage, ModCase, ModlogEntry, Sanction};

use crate::{Result, Store, StoreError, now_ms};

#[derive(Debug, Clone, Default)]
pub struct NewSanction {
    pub user_id: i64,
    pub room_id: Option<i64>,
    pub kind: String,
    pub reason: String,
    pub rule_id: Option<String>,
    pub actor_id: Option<i64>,
    pub message_id: Option<i64>,
    pub expires_at: Option<i64>,
}

#[derive(Debug, Clone, Default)]
pub struct NewModlog {
    pub actor_id: Option<i64>,
    pub rule_id: Option<String>,
    pub action: String,
    pub room_id: Option<i64>,
    pub user_id: Option<i64>,
    pub message_id: Option<i64>,
    pub reason: String,
    pub evidence: String,
    pub duration_secs: Option<i64>,
    pub dry_run: bool,
}

#[derive(Debug, Clone, Default)]
pub struct ModlogFilter {
    pub room_id: Option<i64>,
    pub user_id: Option<i64>,
    /// An action, or a prefix ending in a dot.
    pub action: Option<String>,
    pub before_id: Option<i64>,
    pub limit: u64,
}

const SANCTION_COLS: [&str; 11] = [
    "id",
    "user_id",
    "room_id",
    "kind",
    "reason",
    "rule_id",
    "actor_id",
    "message_id",
    "created_at",
    "expires_at",
    "ended_at",
];
type SanctionRow =
    (i64, i64, Option<i64>, String, String, Option<String>, Option<i64>, Option<i64>, i64, Option<i64>, Option<i64>);

fn sanction(r: SanctionRow) -> Sanction {
    Sanction {
        id: r.0,
        user_id: r.1,
        room_id: r.2,
        kind: r.3,
        reason: r.4,
        rule_id: r.5,
        actor_id: r.6,
        message_id: r.7,
        created_at: r.8,
        expires_at: r.9,
        ended_at: r.10,
    }
}

const HELD_COLS: [&str; 9] =
    ["id", "room_id", "author_id", "body", "rule_id", "reason", "created_at", "status", "message_id"];
type HeldRow = (i64, i64, i64, String, Option<String>, String, i64, String, Option<i64>);

fn held(r: HeldRow) -> HeldMessage {
    HeldMessage {
        id: r.0,
        room_id: r.1,
        author_id: r.2,
        body: r.3,
        rule_id: r.4,
        reason: r.5,
        created_at: r.6,
        status: r.7,
        message_id: r.8,
    }
}

const CASE_COLS: [&str; 11] = [
    "id",
    "room_id",
    "message_id",
    "author_id",
    "snapshot",
    "status",
    "escalated",
    "priority",
    "reports",
    "created_at",
    "outcome",
];
type CaseRow = (i64, i64, i64, i64, String, String, bool, i64, i64, i64, Option<String>);

const APPEAL_COLS: [&str; 8] = ["id", "sanction_id", "user_id", "body", "status", "created_at", "decided_by", "note"];
type AppealRow = (i64, i64, i64, String, String, i64, Option<i64>, String);

fn appeal(r: AppealRow) -> Appeal {
    Appeal {
        id: r.0,
        sanction_id: r.1,
        user_id: r.2,
        body: r.3,
        status: r.4,
        created_at: r.5,
        decided_by: r.6,
        note: r.7,
    }
}

const LOG_COLS: [&str; 12] = [
    "id",
    "at",
    "actor_id",
    "rule_id",
    "action",
    "room_id",
    "user_id",
    "message_id",
    "reason",
    "evidence",
    "duration_secs",
    "dry_run",
];
type LogRow = (
    i64,
    i64,
    Option<i64>,
    Option<String>,
    String,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    String,
    String,
    Option<i64>,
    bool,
);

fn log_entry(r: LogRow) -> ModlogEntry {
    ModlogEntry {
        id: r.0,
        at: r.1,
        actor_id: r.2,
        rule_id: r.3,
        action: r.4,
        room_id: r.5,
        user_id: r.6,
        message_id: r.7,
        reason: r.8,
        evidence: r.9,
        duration_secs: r.10,
        dry_run: r.11,
    }
}

impl Store {
    // ---- rules ----

    /// The rule set, in order: `(id, JSON body)`.
    pub async fn moderation_rules(&self) -> Result<Vec<(String, String)>> {
        let q = Query::select()
            .columns(["id", "body"])
            .from("moderation_rules")
            .order_by("position", Order::Asc)
            .to_owned();
        let mut c = self.pools.read().await?;
        c.conn().all(&q).await
    }

    /// Replaces the whole rule set in one transaction.
    pub async fn set_moderation_rules(&self, rules: &[(String, String)]) -> Result<()> {
        let now = now_ms();
        let mut tx = self.tx().await?;
        tx.conn().exec(&Query::delete().from_table("moderation_rules").to_owned()).await?;
        for (i, (id, body)) in rules.iter().enumerate() {
            let q = Query::insert()
                .into_table("moderation_rules")
                .columns(["id", "position", "body", "updated_at"])
                .values_panic([id.clone().into(), (i as i64).into(), body.clone().into(), now.into()])
                .to_owned();
            tx.conn().exec(&q).await?;
        }
        tx.commit().await
    }

    // ---- sanctions ----

    pub async fn add_sanction(&self, s: &NewSanction) -> Result<Sanction> {
        let q = Query::insert()
            .into_table("sanctions")
            .columns([
                "user_id",
                "room_id",
                "kind",
                "reason",
                "rule_id",
                "actor_id",
                "message_id",
                "created_at",
                "expires_at",
            ])
            .values_panic([
                s.user_id.into(),
                s.room_id.into(),
                s.kind.clone().into(),
                s.reason.clone().into(),
                s.rule_id.clone().into(),
                s.actor_id.into(),
                s.message_id.into(),
                now_ms().into(),
                s.expires_at.into(),
            ])
            .returning(Query::returning().columns(SANCTION_COLS))
            .to_owned();
        let mut tx = self.tx().await?;
        let row = tx.conn().one::<SanctionRow>(&q).await?;
        tx.commit().await?;
        Ok(sanction(row))
    }

    pub async fn sanction(&self, id: i64) -> Result<Option<Sanction>> {
        let q = Query::select().columns(SANCTION_COLS).from("sanctions").and_where(Expr::col("id").eq(id)).to_owned();
        let mut c = self.pools.read().await?;
        Ok(c.conn().opt::<SanctionRow>(&q).await?.map(sanction))
    }

    /// A person's sanctions, newest first (active ones only when asked).
    pub async fn sanctions_of(&self, user_id: i64, active_only: bool) -> Result<Vec<Sanction>> {
        let now = now_ms();
        let mut q = Query::select();
        q.columns(SANCTION_COLS)
            .from("sanctions")
            .and_where(Expr::col("user_id").eq(user_id))
            .order_by("id", Order::Desc)
            .limit(500);
        if active_only {
            q.and_where(Expr::col("ended_at").is_null())
                .cond_where(Expr::col("expires_at").is_null().or(Expr::col("expires_at").gt(now)));
        }
        let mut c = self.pools.read().await?;
        Ok(c.conn().all::<SanctionRow>(&q).await?.into_iter().map(sanction).collect())
    }

    /// The active mute or ban that stops a person posting in a room, if any
    /// (a room's own or an installation-wide one); bans first.
    pub async fn blocking_sanction(&self, user_id: i64, room_id: i64) -> Result<Option<Sanction>> {
        let now = now_ms();
        let q = Query::select()
            .columns(SANCTION_COLS)
            .from("sanctions")
            .and_where(Expr::col("user_id").eq(user_id))
            .and_where(Expr::col("kind").is_in(["mute", "ban"]))
            .and_where(Expr::col("ended_at").is_null())
            .cond_where(Expr::col("room_id").is_null().or(Expr::col("room_id").eq(room_id)))
            .cond_where(Expr::col("expires_at").is_null().or(Expr::col("expires_at").gt(now)))
            .order_by("kind", Order::Asc)
            .limit(1)
            .to_owned();
        let mut c = self.pools.read().await?;
        Ok(c.conn().opt::<SanctionRow>(&q).await?.map(sanction))
    }

    /// Warnings a person got since `since`.
    pub async fn warnings_since(&self, user_id: i64, since: i64) -> Result<i64> {
        let q = Query::select()
            .expr(Expr::cust("COUNT(*)"))
            .from("sanctions")
            .and_where(Expr::col("user_id").eq(user_id))
            .and_where(Expr::col("kind").eq("warn"))
            .and_where(Expr::col("created_at").gte(since))
            .and_where(Expr::col("ended_at").is_null())
            .to_owned();
        let mut c = self.pools.read().await?;
        Ok(c.conn().one::<(i64,)>(&q).await?.0)
    }

    /// Lifts a sanction; false if it had ended already.
    pub async fn end_sanction(&self, id: i64, by: Option<i64>) -> Result<bool> {
        let q = Query::update()
            .table("sanctions")
            .value("ended_at", now_ms())
            .value("ended_by", by)
            .and_where(Expr::col("id").eq(id))
            .and_where(Expr::col("ended_at").is_null())
            .to_owned();
        let mut tx = self.tx().await?;
        let n = tx.conn().exec(&q).await?;
        tx.commit().await?;
        Ok(n > 0)
    }

    /// Marks up to `limit` sanctions whose time is up as ended and returns
    /// them (the sweep that tells people their mute is over). Claimed in one
    /// statement, so two sweepers never return the same sanction.
    pub async fn sweep_expired_sanctions(&self, limit: u64) -> Result<Vec<Sanction>> {
        let now = now_ms();
        let due = Query::select()
            .column("id")
            .from("sanctions")
            .and_where(Expr::col("ended_at").is_null())
            .and_where(Expr::col("expires_at").lte(now))
            .order_by("expires_at", Order::Asc)
            .limit(limit.clamp(1, 1000))
            // Concurrent sweeps take different rows (PostgreSQL; SQLite has one writer).
            .lock_with_behavior(sea_query::LockType::Update, sea_query::LockBehavior::SkipLocked)
            .to_owned();
        let q = Query::update()
            .table("sanctions")
            .value("ended_at", now)
            .and_where(Expr::col("id").in_subquery(due))
            .and_where(Expr::col("ended_at").is_null())
            .returning(Query::returning().columns(SANCTION_COLS))
            .to_owned();
        let mut tx = self.tx().await?;
        let rows = tx.conn().all::<SanctionRow>(&q).await?;
        tx.commit().await?;
        Ok(rows.into_iter().map(sanction).collect())
    }

    /// Every sanction in force (for the server's in-memory copy).
    pub async fn active_sanctions(&self) -> Result<Vec<Sanction>> {
        let now = now_ms();
        let q = Query::select()
            .columns(SANCTION_COLS)
            .from("sanctions")
            .and_where(Expr::col("kind").is_in(["mute", "ban"]))
            .and_where(Expr::col("ended_at").is_null())
            .cond_where(Expr::col("expires_at").is_null().or(Expr::col("expires_at").gt(now)))
            .to_owned();
        let mut c = self.pools.read().await?;
        Ok(c.conn().all::<SanctionRow>(&q).await?.into_iter().map(sanction).collect())
    }

    /// How many messages a person has posted in a room (counted up to `cap`)
    /// and when they joined it, for new-member rules.
    pub async fn member_stats(&self, room_id: i64, user_id: i64, cap: u64) -> Result<(u64, i64)> {
        let inner = Query::select()
            .expr(Expr::val(1))
            .from("messages")
            .and_where(Expr::col("room_id").eq(room_id))
            .and_where(Expr::col("author_id").eq(user_id))
            .limit(Ord::max(cap, 1))
            .to_owned();
        let count = Query::select().expr(Expr::cust("COUNT(*)")).from_subquery(inner, "x").to_owned();
        let joined = Query::select()
            .column("joined_at")
            .from("room_members")
            .and_where(Expr::col("room_id").eq(room_id))
            .and_where(Expr::col("user_id").eq(user_id))
            .to_owned();
        let mut c = self.pools.read().await?;
        let (n,) = c.conn().one::<(i64,)>(&count).await?;
        let joined = c.conn().opt::<(i64,)>(&joined).await?.map_or(0, |r| r.0);
        Ok((Ord::max(n, 0) as u64, joined))
    }

    // ---- held messages ----

    pub async fn hold_message(
        &self,
        room_id: i64,
        author_id: i64,
        body: &str,
        rule_id: Option<&str>,
        reason: &str,
    ) -> Result<HeldMessage> {
        let q = Query::insert()
            .into_table("held_messages")
            .columns(["room_id", "author_id", "body", "rule_id", "reason", "created_at"])
            .values_panic([
                room_id.into(),
                author_id.into(),
                body.into(),
                rule_id.map(str::to_string).into(),
                reason.into(),
                now_ms().into(),
            ])
            .returning(Query::returning().columns(HELD_COLS))
            .to_owned();
        let mut tx = self.tx().await?;
        let row = tx.conn().one::<HeldRow>(&q).await?;
        tx.commit().await?;
        Ok(held(row))
    }

    pub async fn held_messages(&self, status: &str, limit: u64) -> Result<Vec<HeldMessage>> {
        let q = Query::select()
            .columns(HELD_COLS)
            .from("held_messages")
            .and_where(Expr::col("status").eq(status))
            .order_by("id", Order::Asc)
            .limit(limit.clamp(1, 500))
            .to_owned();
        let mut c = self.pools.read().await?;
        Ok(c.conn().all::<HeldRow>(&q).await?.into_iter().map(held).collect())
    }

    pub async fn held_message(&self, id: i64) -> Result<Option<HeldMessage>> {
        let q = Query::select().columns(HELD_COLS).from("held_messages").and_where(Expr::col("id").eq(id)).to_owned();
        let mut c = self.pools.read().await?;
        Ok(c.conn().opt::<HeldRow>(&q).await?.map(held))
    }

    /// Decides a pending held message; false if someone decided first.
    pub async fn decide_held(&self, id: i64, status: &str, by: i64, message_id: Option<i64>) -> Result<bool> {
        let q = Query::update()
            .table("held_messages")
            .value("status", status)
            .value("decided_by", by)
            .value("decided_at", now_ms())
            .value("message_id", message_id)
            .and_where(Expr::col("id").eq(id))
            .and_where(Expr::col("status").eq("pending"))
            .to_owned();
        let mut tx = self.tx().await?;
        let n = tx.conn().exec(&q).await?;
        tx.commit().await?;
        Ok(n > 0)
    }

    // ---- reports and cases ----

    /// Files a report on a message: joins the open case on it or opens one.
    /// A second report by the same person changes nothing. `weight` raises
    /// the case's priority (trusted reporters weigh more). Returns the case
    /// and whether this report was new.
    #[allow(clippy::too_many_arguments)]
    pub async fn report_message(
        &self,
        room_id: i64,
        message_id: i64,
        author_id: i64,
        snapshot: &str,
        reporter_id: i64,
        reason: &str,
        weight: i64,
    ) -> Result<(i64, bool)> {
        let now = now_ms();
        let mut tx = self.tx().await?;
        let find = Query::select()
            .column("id")
            .from("mod_cases")
            .and_where(Expr::col("message_id").eq(message_id))
            .and_where(Expr::col("status").eq("open"))
            .to_owned();
        let case_id = match tx.conn().opt::<(i64,)>(&find).await? {
            Some((id,)) => id,
            None => {
                let q = Query::insert()
                    .into_table("mod_cases")
                    .columns(["room_id", "message_id", "author_id", "snapshot", "created_at", "updated_at"])
                    .values_panic([
                        room_id.into(),
                        message_id.into(),
                        author_id.into(),
                        snapshot.into(),
                        now.into(),
                        now.into(),
                    ])
                    .returning(Query::returning().columns(["id"]))
                    .to_owned();
                tx.conn().one::<(i64,)>(&q).await?.0
            }
        };
        let exists = Query::select()
            .column("case_id")
            .from("mod_reports")
            .and_where(Expr::col("case_id").eq(case_id))
            .and_where(Expr::col("reporter_id").eq(reporter_id))
            .to_owned();
        if tx.conn().opt::<(i64,)>(&exists).await?.is_some() {
            tx.commit().await?;
            return Ok((case_id, false));
        }
        let ins = Query::insert()
            .into_table("mod_reports")
            .columns(["case_id", "reporter_id", "reason", "created_at"])
            .values_panic([case_id.into(), reporter_id.into(), reason.into(), now.into()])
            .to_owned();
        tx.conn().exec(&ins).await?;
        let up = Query::update()
            .table("mod_cases")
            .value("reports", Expr::col("reports").add(1))
            .value("priority", Expr::col("priority").add(weight))
            .value("updated_at", now)
            .and_where(Expr::col("id").eq(case_id))
            .to_owned();
        tx.conn().exec(&up).await?;
        tx.commit().await?;
        Ok((case_id, true))
    }

    /// Cases by status, the most pressing first (escalated, priority, age).
    pub async fn cases(&self, status: &str, escalated_only: bool, limit: u64) -> Result<Vec<ModCase>> {
        let mut q = Query::select();
        q.columns(CASE_COLS)
            .from("mod_cases")
            .and_where(Expr::col("status").eq(status))
            .order_by("escalated", Order::Desc)
            .order_by("priority", Order::Desc)
            .order_by("id", Order::Asc)
            .limit(limit.clamp(1, 500));
        if escalated_only {
            q.and_where(Expr::col("escalated").eq(true));
        }
        let mut c = self.pools.read().await?;
        let rows = c.conn().all::<CaseRow>(&q).await?;
        self.with_reasons(&mut c, rows).await
    }

    pub async fn case(&self, id: i64) -> Result<Option<ModCase>> {
        let q = Query::select().columns(CASE_COLS).from("mod_cases").and_where(Expr::col("id").eq(id)).to_owned();
        let mut c = self.pools.read().await?;
        let rows = c.conn().all::<CaseRow>(&q).await?;
        Ok(self.with_reasons(&mut c, rows).await?.pop())
    }

    async fn with_reasons(&self, c: &mut crate::db::ReadConn, rows: Vec<CaseRow>) -> Result<Vec<ModCase>> {
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let q = Query::select()
                .column("reason")
                .from("mod_reports")
                .and_where(Expr::col("case_id").eq(r.0))
                .order_by("created_at", Order::Asc)
                .to_owned();
            let reasons = c.conn().all::<(String,)>(&q).await?.into_iter().map(|(x,)| x).collect();
            out.push(ModCase {
                id: r.0,
                room_id: r.1,
                message_id: r.2,
                author_id: r.3,
                snapshot: r.4,
                status: r.5,
                escalated: r.6,
                priority: r.7,
                reports: r.8,
                reasons,
                created_at: r.9,
                outcome: r.10,
            });
        }
        Ok(out)
    }

    /// Resolves open cases; returns those it resolved.
    pub async fn resolve_cases(&self, ids: &[i64], by: Option<i64>, outcome: &str) -> Result<Vec<i64>> {
        if ids.is_empty() {
            return Ok(vec![]);
        }
        let q = Query::update()
            .table("mod_cases")
            .value("status", "resolved")
            .value("resolved_by", by)
            .value("resolved_at", now_ms())
            .value("outcome", outcome)
            .and_where(Expr::col("id").is_in(ids.iter().copied()))
            .and_where(Expr::col("status").eq("open"))
            .returning(Query::returning().columns(["id"]))
            .to_owned();
        let mut tx = self.tx().await?;
        let done = tx.conn().all::<(i64,)>(&q).await?.into_iter().map(|(id,)| id).collect();
        tx.commit().await?;
        Ok(done)
    }

    /// Resolves the open case on a message (it was removed); returns its id.
    pub async fn resolve_case_of_message(&self, message_id: i64, outcome: &str) -> Result<Option<i64>> {
        let find = Query::select()
            .column("id")
            .from("mod_cases")
            .and_where(Expr::col("message_id").eq(message_id))
            .and_where(Expr::col("status").eq("open"))
            .to_owned();
        let id = {
            let mut c = self.pools.read().await?;
            c.conn().opt::<(i64,)>(&find).await?
        };
        match id {
            Some((id,)) => Ok(self.resolve_cases(&[id], None, outcome).await?.first().copied()),
            None => Ok(None),
        }
    }

    pub async fn escalate_case(&self, id: i64) -> Result<bool> {
        let q = Query::update()
            .table("mod_cases")
            .value("escalated", true)
            .value("updated_at", now_ms())
            .and_where(Expr::col("id").eq(id))
            .and_where(Expr::col("status").eq("open"))
            .to_owned();
        let mut tx = self.tx().await?;
        let n = tx.conn().exec(&q).await?;
        tx.commit().await?;
        Ok(n > 0)
    }

    // ---- appeals ----

    /// Files an appeal unless the person filed one within `cooldown_ms`
    /// (`Limit("appeal")`) or one is open on this sanction (`Conflict("sanction_id")`).
    pub async fn file_appeal(&self, sanction_id: i64, user_id: i64, body: &str, cooldown_ms: i64) -> Result<Appeal> {
        let now = now_ms();
        let mut tx = self.tx().await?;
        let recent = Query::select()
            .column("id")
            .from("appeals")
            .and_where(Expr::col("user_id").eq(user_id))
            .cond_where(
                Expr::col("created_at")
                    .gt(now - cooldown_ms)
                    .or(Expr::col("sanction_id").eq(sanction_id).and(Expr::col("status").eq("open"))),
            )
            .limit(1)
            .to_owned();
        if tx.conn().opt::<(i64,)>(&recent).await?.is_some() {
            return Err(StoreError::Limit("appeal"));
        }
        let q = Query::insert()
            .into_table("appeals")
            .columns(["sanction_id", "user_id", "body", "created_at"])
            .values_panic([sanction_id.into(), user_id.into(), body.into(), now.into()])
            .returning(Query::returning().columns(APPEAL_COLS))
            .to_owned();
        let row = tx.conn().one::<AppealRow>(&q).await?;
        tx.commit().await?;
        Ok(appeal(row))
    }

    pub async fn appeals(&self, status: &str, limit: u64) -> Result<Vec<Appeal>> {
        let q = Query::select()
            .columns(APPEAL_COLS)
            .from("appeals")
            .and_where(Expr::col("status").eq(status))
            .order_by("id", Order::Asc)
            .limit(limit.clamp(1, 500))
            .to_owned();
        let mut c = self.pools.read().await?;
        Ok(c.conn().all::<AppealRow>(&q).await?.into_iter().map(appeal).collect())
    }

    pub async fn appeal(&self, id: i64) -> Result<Option<Appeal>> {
        let q = Query::select().columns(APPEAL_COLS).from("appeals").and_where(Expr::col("id").eq(id)).to_owned();
        let mut c = self.pools.read().await?;
        Ok(c.conn().opt::<AppealRow>(&q).await?.map(appeal))
    }

    /// Decides an open appeal; false if it was decided already.
    pub async fn decide_appeal(&self, id: i64, accepted: bool, by: i64, note: &str) -> Result<bool> {
        let q = Query::update()
            .table("appeals")
            .value("status", if accepted { "accepted" } else { "rejected" })
            .value("decided_by", by)
            .value("decided_at", now_ms())
            .value("note", note)
            .and_where(Expr::col("id").eq(id))
            .and_where(Expr::col("status").eq("open"))
            .to_owned();
        let mut tx = self.tx().await?;
        let n = tx.conn().exec(&q).await?;
        tx.commit().await?;
        Ok(n > 0)
    }

    // ---- modlog ----

    pub async fn modlog(&self, e: &NewModlog) -> Result<i64> {
        let q = Query::insert()
            .into_table("modlog")
            .columns([
                "at",
                "actor_id",
                "rule_id",
                "action",
                "room_id",
                "user_id",
                "message_id",
                "reason",
                "evidence",
                "duration_secs",
                "dry_run",
            ])
            .values_panic([
                now_ms().into(),
                e.actor_id.into(),
                e.rule_id.clone().into(),
                e.action.clone().into(),
                e.room_id.into(),
                e.user_id.into(),
                e.message_id.into(),
                e.reason.clone().into(),
                e.evidence.clone().into(),
                e.duration_secs.into(),
                e.dry_run.into(),
            ])
            .returning(Query::returning().columns(["id"]))
            .to_owned();
        let mut tx = self.tx().await?;
        let (id,) = tx.conn().one::<(i64,)>(&q).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The modlog, newest first.
    pub async fn modlog_search(&self, f: &ModlogFilter) -> Result<Vec<ModlogEntry>> {
        let mut q = Query::select();
        q.columns(LOG_COLS).from("modlog").order_by("id", Order::Desc).limit(f.limit.clamp(1, 10_000));
        if let Some(r) = f.room_id {
            q.and_where(Expr::col("room_id").eq(r));
        }
        if let Some(u) = f.user_id {
            q.and_where(Expr::col("user_id").eq(u));
        }
        if let Some(b) = f.before_id {
            q.and_where(Expr::col("id").lt(b));
        }
        if let Some(a) = f.action.as_deref().filter(|a| !a.is_empty()) {
            if let Some(prefix) = a.strip_suffix('.') {
                q.and_where(Expr::col("action").like(format!("{}.%", prefix.replace(['%', '_'], ""))));
            } else {
                q.and_where(Expr::col("action").eq(a));
            }
        }
        let mut c = self.pools.read().await?;
        Ok(c.conn().all::<LogRow>(&q).await?.into_iter().map(log_entry).collect())
    }
}
