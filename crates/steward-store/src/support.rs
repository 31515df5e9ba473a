//! The support desk's tables (docs/SUPPORT.md): inboxes, departments,
//! operators, contacts, conversations with their labels and reporting
//! events, canned responses, macros and scheduled messages.
//!
//! Assignment is atomic on both backends: an operator's capacity is claimed
//! with one conditional `UPDATE operator_status … WHERE active_count <
//! capacity`, and the conversation with one conditional `UPDATE … WHERE
//! assignee_id IS NULL`, in one transaction; either fails and nothing changes.

use sea_query::{Expr, ExprTrait, Order, Query, SelectStatement};
use serde_json::Value;
use steward_core::model::{
    CannedResponse, Contact, Conversation, ConversationEvent, Department, Inbox, Macro, OperatorState,
};
use steward_core::{RoomKind, RoomRole, SystemRole};

use crate::db::Conn;
use crate::rooms::append_event;
use crate::users::map_unique;
use crate::{Result, Store, StoreError, now_ms};

fn json(s: &str) -> Value {
    serde_json::from_str(s).unwrap_or(Value::Null)
}

/// What a new contact starts with.
#[derive(Debug, Clone)]
pub struct NewContact {
    pub inbox_id: i64,
    pub name: String,
    pub email: Option<String>,
    pub external_id: Option<String>,
    pub token_hash: String,
    pub locale: String,
    pub avatar_color: String,
}

/// What a new conversation starts with.
#[derive(Debug, Clone)]
pub struct NewConversation {
    pub inbox_id: i64,
    pub contact_id: i64,
    pub department_id: Option<i64>,
    /// `open` (waiting for a person) or `pending` (with the bot).
    pub status: String,
    pub prechat: Value,
    /// The room's name: the contact's.
    pub title: String,
}

/// Which conversations a listing wants.
#[derive(Debug, Clone, Default)]
pub struct ConversationFilter {
    pub inbox_ids: Option<Vec<i64>>,
    pub status: Option<Vec<String>>,
    pub assignee: Option<Option<i64>>,
    pub department_id: Option<i64>,
    pub contact_id: Option<i64>,
    pub label: Option<String>,
    /// Only conversations this operator may see: assigned to them, or in
    /// their inboxes (and, when the conversation has a department, in it).
    pub visible_to: Option<i64>,
    pub before_id: Option<i64>,
    pub limit: u64,
}

const INBOX_COLS: [&str; 6] = ["id", "public_key", "name", "kind", "settings", "created_at"];
type InboxRow = (i64, String, String, String, String, i64);
fn inbox_from(r: InboxRow) -> Inbox {
    Inbox { id: r.0, public_key: r.1, name: r.2, kind: r.3, settings: json(&r.4), created_at: r.5 }
}

const CONTACT_COLS: [&str; 11] = [
    "id",
    "inbox_id",
    "user_id",
    "name",
    "email",
    "phone",
    "external_id",
    "attributes",
    "created_at",
    "last_seen_at",
    "token_hash",
];
type ContactRow = (i64, i64, i64, String, Option<String>, Option<String>, Option<String>, String, i64, i64, String);
fn contact_from(r: ContactRow) -> Contact {
    Contact {
        id: r.0,
        inbox_id: r.1,
        user_id: r.2,
        name: r.3,
        email: r.4,
        phone: r.5,
        external_id: r.6,
        attributes: json(&r.7),
        created_at: r.8,
        last_seen_at: r.9,
    }
}

/// Conversation columns, split in two selects: tuples decode up to 16 columns.
const CONV_A: [&str; 14] = [
    "id",
    "room_id",
    "inbox_id",
    "contact_id",
    "department_id",
    "status",
    "priority",
    "assignee_id",
    "offer_expires_at",
    "passed_over",
    "snoozed_until",
    "waiting_since",
    "prechat",
    "escalated_to",
];
type ConvA = (
    i64,
    i64,
    i64,
    i64,
    Option<i64>,
    String,
    String,
    Option<i64>,
    Option<i64>,
    String,
    Option<i64>,
    Option<i64>,
    String,
    Option<i64>,
);
const CONV_B: [&str; 13] = [
    "id",
    "merged_into",
    "created_at",
    "updated_at",
    "first_reply_at",
    "last_customer_at",
    "last_agent_at",
    "resolved_at",
    "sla_state",
    "sla_next_at",
    "csat_rating",
    "csat_comment",
    "room_id",
];
type ConvB = (
    i64,
    Option<i64>,
    i64,
    i64,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    String,
    Option<i64>,
    Option<i64>,
    Option<String>,
    i64,
);

async fn load_conversations(conn: &mut Conn<'_>, ids: &[i64]) -> Result<Vec<Conversation>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let a: Vec<ConvA> = conn
        .all(
            &Query::select()
                .columns(CONV_A)
                .from("conversations")
                .and_where(Expr::col("id").is_in(ids.to_vec()))
                .to_owned(),
        )
        .await?;
    let b: Vec<ConvB> = conn
        .all(
            &Query::select()
                .columns(CONV_B)
                .from("conversations")
                .and_where(Expr::col("id").is_in(ids.to_vec()))
                .to_owned(),
        )
        .await?;
    let labels: Vec<(i64, String)> = conn
        .all(
            &Query::select()
                .columns(["conversation_id", "label"])
                .from("conversation_labels")
                .and_where(Expr::col("conversation_id").is_in(ids.to_vec()))
                .order_by("label", Order::Asc)
                .to_owned(),
        )
        .await?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let (Some(a), Some(b)) = (a.iter().find(|r| r.0 == *id), b.iter().find(|r| r.0 == *id)) else {
            continue;
        };
        let a = a.clone();
        let b = b.clone();
        out.push(Conversation {
            id: a.0,
            room_id: a.1,
            inbox_id: a.2,
            contact_id: a.3,
            department_id: a.4,
            status: a.5,
            priority: a.6,
            assignee_id: a.7,
            offer_expires_at: a.8,
            passed_over: serde_json::from_str(&a.9).unwrap_or_default(),
            snoozed_until: a.10,
            waiting_since: a.11,
            prechat: json(&a.12),
            escalated_to: a.13,
            merged_into: b.1,
            labels: labels.iter().filter(|l| l.0 == *id).map(|l| l.1.clone()).collect(),
            created_at: b.2,
            updated_at: b.3,
            first_reply_at: b.4,
            last_customer_at: b.5,
            last_agent_at: b.6,
            resolved_at: b.7,
            sla_state: b.8,
            sla_next_at: b.9,
            csat_rating: b.10,
            csat_comment: b.11,
        });
    }
    Ok(out)
}

const OP_COLS: [&str; 6] =
    ["user_id", "availability", "capacity", "active_count", "last_active_at", "last_assigned_at"];
type OpRow = (i64, String, i64, i64, i64, Option<i64>);
fn op_from(r: OpRow) -> OperatorState {
    OperatorState {
        user_id: r.0,
        availability: r.1,
        capacity: r.2,
        active_count: r.3,
        last_active_at: r.4,
        last_assigned_at: r.5,
    }
}

/// Statuses that hold an operator's capacity when assigned.
const ACTIVE: [&str; 3] = ["open", "snoozed", "pending"];

async fn insert_event(
    conn: &mut Conn<'_>,
    conv: i64,
    kind: &str,
    actor: Option<i64>,
    at: i64,
    data: &Value,
) -> Result<()> {
    let q = Query::insert()
        .into_table("conversation_events")
        .columns(["conversation_id", "kind", "actor_id", "at", "data"])
        .values_panic([conv.into(), kind.into(), actor.into(), at.into(), data.to_string().into()])
        .to_owned();
    conn.exec(&q).await?;
    Ok(())
}

/// Gives back one unit of an operator's capacity.
async fn release(conn: &mut Conn<'_>, user_id: i64) -> Result<()> {
    let q = Query::update()
        .table("operator_status")
        .value("active_count", Expr::cust("CASE WHEN active_count > 0 THEN active_count - 1 ELSE 0 END"))
        .and_where(Expr::col("user_id").eq(user_id))
        .to_owned();
    conn.exec(&q).await?;
    Ok(())
}

async fn add_room_member(conn: &mut Conn<'_>, room_id: i64, user_id: i64, role: RoomRole) -> Result<Option<i64>> {
    let exists = Query::select()
        .column("user_id")
        .from("room_members")
        .and_where(Expr::col("room_id").eq(room_id))
        .and_where(Expr::col("user_id").eq(user_id))
        .to_owned();
    if conn.opt::<(i64,)>(&exists).await?.is_some() {
        return Ok(None);
    }
    let seq =
        append_event(conn, room_id, steward_core::model::EventKind::MemberJoined, None, Some(user_id), "").await?;
    let ins = Query::insert()
        .into_table("room_members")
        .columns(["room_id", "user_id", "role", "joined_at", "last_read_seq"])
        .values_panic([room_id.into(), user_id.into(), role.as_str().into(), now_ms().into(), 0i64.into()])
        .to_owned();
    conn.exec(&ins).await?;
    Ok(Some(seq))
}

/// What an assignment attempt did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AssignOutcome {
    /// Assigned; the seq of the operator's `member.joined` when they were not in the room yet.
    Assigned { joined_seq: Option<i64> },
    /// The operator is not online or has no capacity left.
    OperatorFull,
    /// Someone else has it now (or it changed state).
    Taken,
}

impl Store {
    // ----- inboxes -----

    pub async fn create_inbox(
        &self,
        public_key: &str,
        name: &str,
        kind: &str,
        settings: &Value,
        secret: &str,
    ) -> Result<Inbox> {
        let q = Query::insert()
            .into_table("inboxes")
            .columns(["public_key", "name", "kind", "settings", "identity_secret", "created_at"])
            .values_panic([
                public_key.into(),
                name.into(),
                kind.into(),
                settings.to_string().into(),
                secret.into(),
                now_ms().into(),
            ])
            .returning(Query::returning().columns(INBOX_COLS))
            .to_owned();
        let mut tx = self.tx().await?;
        let row = tx.conn().one::<InboxRow>(&q).await.map_err(|e| match e {
            StoreError::Database(e) => map_unique(e, &["name", "public_key"]),
            e => e,
        })?;
        tx.commit().await?;
        Ok(inbox_from(row))
    }

    pub async fn update_inbox(&self, id: i64, name: &str, settings: &Value) -> Result<Inbox> {
        let q = Query::update()
            .table("inboxes")
            .value("name", name)
            .value("settings", settings.to_string())
            .and_where(Expr::col("id").eq(id))
            .returning(Query::returning().columns(INBOX_COLS))
            .to_owned();
        let mut tx = self.tx().await?;
        let row = tx
            .conn()
            .opt::<InboxRow>(&q)
            .await
            .map_err(|e| match e {
                StoreError::Database(e) => map_unique(e, &["name"]),
                e => e,
            })?
            .ok_or(StoreError::NotFound)?;
        tx.commit().await?;
        Ok(inbox_from(row))
    }

    pub async fn delete_inbox(&self, id: i64) -> Result<bool> {
        let mut tx = self.tx().await?;
        // Conversation rooms go with the inbox (their rows cascade from it).
        let rooms = Query::delete()
            .from_table("rooms")
            .and_where(
                Expr::col("id").in_subquery(
                    Query::select()
                        .column("room_id")
                        .from("conversations")
                        .and_where(Expr::col("inbox_id").eq(id))
                        .to_owned(),
                ),
            )
            .to_owned();
        tx.conn().exec(&rooms).await?;
        let n =
            tx.conn().exec(&Query::delete().from_table("inboxes").and_where(Expr::col("id").eq(id)).to_owned()).await?;
        tx.commit().await?;
        Ok(n > 0)
    }

    pub async fn inboxes(&self) -> Result<Vec<Inbox>> {
        let q = Query::select().columns(INBOX_COLS).from("inboxes").order_by("name", Order::Asc).to_owned();
        let mut c = self.pools.read().await?;
        Ok(c.conn().all::<InboxRow>(&q).await?.into_iter().map(inbox_from).collect())
    }

    pub async fn inbox(&self, id: i64) -> Result<Option<Inbox>> {
        let q = Query::select().columns(INBOX_COLS).from("inboxes").and_where(Expr::col("id").eq(id)).to_owned();
        let mut c = self.pools.read().await?;
        Ok(c.conn().opt::<InboxRow>(&q).await?.map(inbox_from))
    }

    /// An inbox by its public key, with its identity secret (sealed as stored).
    pub async fn inbox_by_key(&self, key: &str) -> Result<Option<(Inbox, String)>> {
        let mut cols = INBOX_COLS.to_vec();
        cols.push("identity_secret");
        let q = Query::select().columns(cols).from("inboxes").and_where(Expr::col("public_key").eq(key)).to_owned();
        let mut c = self.pools.read().await?;
        type Row = (i64, String, String, String, String, i64, String);
        Ok(c.conn().opt::<Row>(&q).await?.map(|r| (inbox_from((r.0, r.1, r.2, r.3, r.4, r.5)), r.6)))
    }

    pub async fn set_inbox_secret(&self, id: i64, secret: &str) -> Result<()> {
        let q = Query::update()
            .table("inboxes")
            .value("identity_secret", secret)
            .and_where(Expr::col("id").eq(id))
            .to_owned();
        let mut tx = self.tx().await?;
        tx.conn().exec(&q).await?;
        tx.commit().await
    }

    /// Replaces an inbox's operators.
    pub async fn set_inbox_members(&self, inbox_id: i64, user_ids: &[i64]) -> Result<()> {
        let mut tx = self.tx().await?;
        tx.conn()
            .exec(&Query::delete().from_table("inbox_members").and_where(Expr::col("inbox_id").eq(inbox_id)).to_owned())
            .await?;
        for &u in user_ids {
            let q = Query::insert()
                .into_table("inbox_members")
                .columns(["inbox_id", "user_id"])
                .values_panic([inbox_id.into(), u.into()])
                .on_conflict(sea_query::OnConflict::columns(["inbox_id", "user_id"]).do_nothing().to_owned())
                .to_owned();
            tx.conn().exec(&q).await.map_err(fk("user_ids"))?;
            ensure_operator(&mut tx.conn(), u).await?;
        }
        tx.commit().await
    }

    pub async fn inbox_members(&self, inbox_id: i64) -> Result<Vec<i64>> {
        let q = Query::select()
            .column("user_id")
            .from("inbox_members")
            .and_where(Expr::col("inbox_id").eq(inbox_id))
            .order_by("user_id", Order::Asc)
            .to_owned();
        let mut c = self.pools.read().await?;
        Ok(c.conn().all::<(i64,)>(&q).await?.into_iter().map(|r| r.0).collect())
    }

    /// The inboxes and departments a person works in.
    pub async fn operator_scope(&self, user_id: i64) -> Result<(Vec<i64>, Vec<i64>)> {
        let mut c = self.pools.read().await?;
        let inboxes = c
            .conn()
            .all::<(i64,)>(
                &Query::select()
                    .column("inbox_id")
                    .from("inbox_members")
                    .and_where(Expr::col("user_id").eq(user_id))
                    .to_owned(),
            )
            .await?;
        let deps = c
            .conn()
            .all::<(i64,)>(
                &Query::select()
                    .column("department_id")
                    .from("department_members")
                    .and_where(Expr::col("user_id").eq(user_id))
                    .to_owned(),
            )
            .await?;
        Ok((inboxes.into_iter().map(|r| r.0).collect(), deps.into_iter().map(|r| r.0).collect()))
    }

    // ----- departments -----

    pub async fn create_department(&self, inbox_id: i64, name: &str, routing: Option<&str>) -> Result<Department> {
        let q = Query::insert()
            .into_table("departments")
            .columns(["inbox_id", "name", "routing", "created_at"])
            .values_panic([inbox_id.into(), name.into(), routing.map(str::to_string).into(), now_ms().into()])
            .returning(Query::returning().columns(["id", "inbox_id", "name", "routing"]))
            .to_owned();
        let mut tx = self.tx().await?;
        let r = tx.conn().one::<(i64, i64, String, Option<String>)>(&q).await.map_err(|e| match e {
            StoreError::Database(sqlx::Error::Database(d)) if d.is_foreign_key_violation() => {
                StoreError::Invalid("inbox_id")
            }
            StoreError::Database(e) => map_unique(e, &["name"]),
            e => e,
        })?;
        tx.commit().await?;
        Ok(Department { id: r.0, inbox_id: r.1, name: r.2, routing: r.3 })
    }

    pub async fn delete_department(&self, id: i64) -> Result<bool> {
        let mut tx = self.tx().await?;
        let n = tx
            .conn()
            .exec(&Query::delete().from_table("departments").and_where(Expr::col("id").eq(id)).to_owned())
            .await?;
        tx.commit().await?;
        Ok(n > 0)
    }

    pub async fn departments(&self, inbox_id: Option<i64>) -> Result<Vec<Department>> {
        let mut q = Query::select();
        q.columns(["id", "inbox_id", "name", "routing"]).from("departments").order_by("name", Order::Asc);
        if let Some(i) = inbox_id {
            q.and_where(Expr::col("inbox_id").eq(i));
        }
        let mut c = self.pools.read().await?;
        Ok(c.conn()
            .all::<(i64, i64, String, Option<String>)>(&q)
            .await?
            .into_iter()
            .map(|r| Department { id: r.0, inbox_id: r.1, name: r.2, routing: r.3 })
            .collect())
    }

    pub async fn set_department_members(&self, department_id: i64, user_ids: &[i64]) -> Result<()> {
        let mut tx = self.tx().await?;
        tx.conn()
            .exec(
                &Query::delete()
                    .from_table("department_members")
                    .and_where(Expr::col("department_id").eq(department_id))
                    .to_owned(),
            )
            .await?;
        for &u in user_ids {
            let q = Query::insert()
                .into_table("department_members")
                .columns(["department_id", "user_id"])
                .values_panic([department_id.into(), u.into()])
                .on_conflict(sea_query::OnConflict::columns(["department_id", "user_id"]).do_nothing().to_owned())
                .to_owned();
            tx.conn().exec(&q).await.map_err(fk("user_ids"))?;
            ensure_operator(&mut tx.conn(), u).await?;
        }
        tx.commit().await
    }

    pub async fn department_members(&self, department_id: i64) -> Result<Vec<i64>> {
        let q = Query::select()
            .column("user_id")
            .from("department_members")
            .and_where(Expr::col("department_id").eq(department_id))
            .order_by("user_id", Order::Asc)
            .to_owned();
        let mut c = self.pools.read().await?;
        Ok(c.conn().all::<(i64,)>(&q).await?.into_iter().map(|r| r.0).collect())
    }

    // ----- operators -----

    /// Operators who may take conversations of an inbox (of one department,
    /// when given), with their state.
    pub async fn candidates(&self, inbox_id: i64, department_id: Option<i64>) -> Result<Vec<OperatorState>> {
        let mut q = Query::select();
        q.columns(OP_COLS.map(|c| ("o", c)))
            .from_as("operator_status", "o")
            .and_where(
                Expr::col(("o", "user_id")).in_subquery(
                    Query::select()
                        .column("user_id")
                        .from("inbox_members")
                        .and_where(Expr::col("inbox_id").eq(inbox_id))
                        .to_owned(),
                ),
            )
            .and_where(
                Expr::col(("o", "user_id")).in_subquery(
                    // Bots (an inbox's agent bot is a member) are never routed to.
                    Query::select()
                        .column("id")
                        .from("users")
                        .and_where(Expr::col("status").eq("active"))
                        .and_where(Expr::col("is_bot").eq(false))
                        .to_owned(),
                ),
            )
            .order_by(("o", "user_id"), Order::Asc);
        if let Some(d) = department_id {
            q.and_where(
                Expr::col(("o", "user_id")).in_subquery(
                    Query::select()
                        .column("user_id")
                        .from("department_members")
                        .and_where(Expr::col("department_id").eq(d))
                        .to_owned(),
                ),
            );
        }
        let mut c = self.pools.read().await?;
        Ok(c.conn().all::<OpRow>(&q).await?.into_iter().map(op_from).collect())
    }

    pub async fn operator(&self, user_id: i64) -> Result<Option<OperatorState>> {
        let q = Query::select()
            .columns(OP_COLS)
            .from("operator_status")
            .and_where(Expr::col("user_id").eq(user_id))
            .to_owned();
        let mut c = self.pools.read().await?;
        Ok(c.conn().opt::<OpRow>(&q).await?.map(op_from))
    }

    pub async fn operators(&self) -> Result<Vec<OperatorState>> {
        let q = Query::select().columns(OP_COLS).from("operator_status").order_by("user_id", Order::Asc).to_owned();
        let mut c = self.pools.read().await?;
        Ok(c.conn().all::<OpRow>(&q).await?.into_iter().map(op_from).collect())
    }

    /// Sets availability and/or capacity (creating the row); returns the state.
    pub async fn set_operator(
        &self,
        user_id: i64,
        availability: Option<&str>,
        capacity: Option<i64>,
    ) -> Result<OperatorState> {
        let mut tx = self.tx().await?;
        ensure_operator(&mut tx.conn(), user_id).await?;
        let mut q = Query::update();
        q.table("operator_status").value("last_active_at", now_ms()).and_where(Expr::col("user_id").eq(user_id));
        if let Some(a) = availability {
            q.value("availability", a);
        }
        if let Some(c) = capacity {
            q.value("capacity", c);
        }
        tx.conn().exec(&q).await?;
        let row = tx
            .conn()
            .one::<OpRow>(
                &Query::select()
                    .columns(OP_COLS)
                    .from("operator_status")
                    .and_where(Expr::col("user_id").eq(user_id))
                    .to_owned(),
            )
            .await?;
        tx.commit().await?;
        Ok(op_from(row))
    }

    /// Online operators idle since before `idle_before` become away; returns who.
    pub async fn auto_away(&self, idle_before: i64) -> Result<Vec<i64>> {
        let q = Query::update()
            .table("operator_status")
            .value("availability", "away")
            .and_where(Expr::col("availability").eq("online"))
            .and_where(Expr::col("last_active_at").lt(idle_before))
            .returning_col("user_id")
            .to_owned();
        let mut tx = self.tx().await?;
        let rows = tx.conn().all::<(i64,)>(&q).await?;
        tx.commit().await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    /// Recounts every operator's open assigned conversations (a repair; the
    /// count is kept in step by every change below).
    pub async fn recount_operator_load(&self) -> Result<()> {
        let q = Query::update()
            .table("operator_status")
            .value(
                "active_count",
                Expr::cust(
                    "(SELECT COUNT(*) FROM conversations c WHERE c.assignee_id = operator_status.user_id \
                     AND c.status IN ('open', 'snoozed', 'pending'))",
                ),
            )
            .to_owned();
        let mut tx = self.tx().await?;
        tx.conn().exec(&q).await?;
        tx.commit().await
    }

    /// Active people who see every conversation: those whose system role is
    /// one of `roles`, or whose custom roles grant `permission`.
    pub async fn people_with(&self, roles: &[&str], permission: &str) -> Result<Vec<i64>> {
        let q = Query::select()
            .column("id")
            .from("users")
            .and_where(Expr::col("status").eq("active"))
            .and_where(Expr::col("is_visitor").eq(false))
            .cond_where(
                Expr::col("role")
                    .is_in(roles.iter().map(|r| r.to_string()))
                    .or(Expr::col("extra_permissions").like(format!("%{permission}%"))),
            )
            .to_owned();
        let mut c = self.pools.read().await?;
        Ok(c.conn().all::<(i64,)>(&q).await?.into_iter().map(|r| r.0).collect())
    }

    /// Marks an operator active now (for auto-away).
    pub async fn touch_operator(&self, user_id: i64) -> Result<()> {
        let q = Query::update()
            .table("operator_status")
            .value("last_active_at", now_ms())
            .and_where(Expr::col("user_id").eq(user_id))
            .to_owned();
        let mut tx = self.tx().await?;
        tx.conn().exec(&q).await?;
        tx.commit().await
    }

    // ----- contacts -----

    /// Creates the contact and its visitor user row in one transaction.
    pub async fn create_contact(&self, new: &NewContact) -> Result<Contact> {
        let now = now_ms();
        let mut tx = self.tx().await?;
        let username = format!("visitor-{}", &new.token_hash[..16]);
        let user = Query::insert()
            .into_table("users")
            .columns([
                "username",
                "display_name",
                "password_hash",
                "locale",
                "avatar_color",
                "role",
                "status",
                "is_visitor",
                "created_at",
                "updated_at",
            ])
            .values_panic([
                username.into(),
                new.name.clone().into(),
                "".into(),
                new.locale.clone().into(),
                new.avatar_color.clone().into(),
                SystemRole::Guest.as_str().into(),
                "active".into(),
                true.into(),
                now.into(),
                now.into(),
            ])
            .returning_col("id")
            .to_owned();
        let (user_id,) = tx.conn().one::<(i64,)>(&user).await?;
        let q = Query::insert()
            .into_table("contacts")
            .columns([
                "inbox_id",
                "user_id",
                "name",
                "email",
                "external_id",
                "token_hash",
                "created_at",
                "last_seen_at",
            ])
            .values_panic([
                new.inbox_id.into(),
                user_id.into(),
                new.name.clone().into(),
                new.email.clone().into(),
                new.external_id.clone().into(),
                new.token_hash.clone().into(),
                now.into(),
                now.into(),
            ])
            .returning(Query::returning().columns(CONTACT_COLS))
            .to_owned();
        let row = tx.conn().one::<ContactRow>(&q).await.map_err(|e| match e {
            StoreError::Database(e) => map_unique(e, &["external_id", "token_hash"]),
            e => e,
        })?;
        tx.commit().await?;
        Ok(contact_from(row))
    }

    /// The contact a widget token belongs to.
    pub async fn contact_by_token(&self, token_hash: &str) -> Result<Option<Contact>> {
        self.contact_where(Expr::col("token_hash").eq(token_hash)).await
    }

    pub async fn contact(&self, id: i64) -> Result<Option<Contact>> {
        self.contact_where(Expr::col("id").eq(id)).await
    }

    pub async fn contact_by_user(&self, user_id: i64) -> Result<Option<Contact>> {
        self.contact_where(Expr::col("user_id").eq(user_id)).await
    }

    pub async fn contact_by_external(&self, inbox_id: i64, external_id: &str) -> Result<Option<Contact>> {
        self.contact_where(Expr::col("inbox_id").eq(inbox_id).and(Expr::col("external_id").eq(external_id))).await
    }

    async fn contact_where(&self, cond: sea_query::Expr) -> Result<Option<Contact>> {
        let q = Query::select().columns(CONTACT_COLS).from("contacts").and_where(cond).to_owned();
        let mut c = self.pools.read().await?;
        Ok(c.conn().opt::<ContactRow>(&q).await?.map(contact_from))
    }

    /// Updates what the contact told us (empty values leave a field as it is)
    /// and the token (a verified identity's new device gets a token of its own).
    pub async fn update_contact(
        &self,
        id: i64,
        name: Option<&str>,
        email: Option<&str>,
        phone: Option<&str>,
        token_hash: Option<&str>,
    ) -> Result<Contact> {
        let mut tx = self.tx().await?;
        let mut q = Query::update();
        q.table("contacts").value("last_seen_at", now_ms()).and_where(Expr::col("id").eq(id));
        if let Some(n) = name.filter(|s| !s.is_empty()) {
            q.value("name", n);
        }
        if let Some(e) = email.filter(|s| !s.is_empty()) {
            q.value("email", e);
        }
        if let Some(p) = phone.filter(|s| !s.is_empty()) {
            q.value("phone", p);
        }
        if let Some(t) = token_hash {
            q.value("token_hash", t);
        }
        tx.conn().exec(&q).await?;
        if let Some(n) = name.filter(|s| !s.is_empty()) {
            let u = Query::update()
                .table("users")
                .value("display_name", n)
                .and_where(Expr::col("id").in_subquery(
                    Query::select().column("user_id").from("contacts").and_where(Expr::col("id").eq(id)).to_owned(),
                ))
                .to_owned();
            tx.conn().exec(&u).await?;
        }
        let row = tx
            .conn()
            .opt::<ContactRow>(
                &Query::select().columns(CONTACT_COLS).from("contacts").and_where(Expr::col("id").eq(id)).to_owned(),
            )
            .await?
            .ok_or(StoreError::NotFound)?;
        tx.commit().await?;
        Ok(contact_from(row))
    }

    /// A contact's conversations, newest first.
    pub async fn contact_conversations(&self, contact_id: i64, limit: u64) -> Result<Vec<Conversation>> {
        self.conversations(&ConversationFilter { contact_id: Some(contact_id), limit, ..Default::default() }).await
    }

    // ----- conversations -----

    /// Creates the room (the contact its only member) and the conversation.
    /// An `open` one joins the queue now.
    pub async fn create_conversation(&self, new: &NewConversation, visitor_user_id: i64) -> Result<Conversation> {
        let now = now_ms();
        let mut tx = self.tx().await?;
        let room = Query::insert()
            .into_table("rooms")
            .columns(["kind", "name", "topic", "archived", "created_by", "created_at", "last_seq"])
            .values_panic([
                RoomKind::Support.as_str().into(),
                new.title.clone().into(),
                "".into(),
                false.into(),
                visitor_user_id.into(),
                now.into(),
                0i64.into(),
            ])
            .returning_col("id")
            .to_owned();
        let (room_id,) = tx.conn().one::<(i64,)>(&room).await?;
        let m = Query::insert()
            .into_table("room_members")
            .columns(["room_id", "user_id", "role", "joined_at", "last_read_seq"])
            .values_panic([
                room_id.into(),
                visitor_user_id.into(),
                RoomRole::Member.as_str().into(),
                now.into(),
                0i64.into(),
            ])
            .to_owned();
        tx.conn().exec(&m).await?;
        let waiting = (new.status == "open").then_some(now);
        let q = Query::insert()
            .into_table("conversations")
            .columns([
                "room_id",
                "inbox_id",
                "contact_id",
                "department_id",
                "status",
                "waiting_since",
                "prechat",
                "created_at",
                "updated_at",
            ])
            .values_panic([
                room_id.into(),
                new.inbox_id.into(),
                new.contact_id.into(),
                new.department_id.into(),
                new.status.clone().into(),
                waiting.into(),
                new.prechat.to_string().into(),
                now.into(),
                now.into(),
            ])
            .returning_col("id")
            .to_owned();
        let (id,) = tx.conn().one::<(i64,)>(&q).await.map_err(fk("department_id"))?;
        insert_event(&mut tx.conn(), id, "created", None, now, &serde_json::json!({ "status": new.status })).await?;
        let conv = load_conversations(&mut tx.conn(), &[id]).await?.pop().ok_or(StoreError::NotFound)?;
        tx.commit().await?;
        Ok(conv)
    }

    pub async fn conversation(&self, id: i64) -> Result<Option<Conversation>> {
        let mut c = self.pools.read().await?;
        Ok(load_conversations(&mut c.conn(), &[id]).await?.pop())
    }

    pub async fn conversation_by_room(&self, room_id: i64) -> Result<Option<Conversation>> {
        let mut c = self.pools.read().await?;
        let q =
            Query::select().column("id").from("conversations").and_where(Expr::col("room_id").eq(room_id)).to_owned();
        let Some((id,)) = c.conn().opt::<(i64,)>(&q).await? else {
            return Ok(None);
        };
        Ok(load_conversations(&mut c.conn(), &[id]).await?.pop())
    }

    /// Conversations by filter, newest first (by id), paged with `before_id`.
    pub async fn conversations(&self, f: &ConversationFilter) -> Result<Vec<Conversation>> {
        let mut q = Query::select();
        q.column(("c", "id"))
            .from_as("conversations", "c")
            .order_by(("c", "id"), Order::Desc)
            .limit(f.limit.clamp(1, 500));
        filter(&mut q, f);
        let mut c = self.pools.read().await?;
        let ids: Vec<i64> = c.conn().all::<(i64,)>(&q).await?.into_iter().map(|r| r.0).collect();
        load_conversations(&mut c.conn(), &ids).await
    }

    /// How many conversations match, for queue counts.
    pub async fn count_conversations(&self, f: &ConversationFilter) -> Result<i64> {
        let mut q = Query::select();
        q.expr(Expr::col(("c", "id")).count()).from_as("conversations", "c");
        filter(&mut q, f);
        let mut c = self.pools.read().await?;
        Ok(c.conn().one::<(i64,)>(&q).await?.0)
    }

    /// The queue of an inbox (or of one department), oldest first.
    pub async fn waiting(&self, inbox_id: i64, limit: u64) -> Result<Vec<Conversation>> {
        let q = Query::select()
            .column("id")
            .from("conversations")
            .and_where(Expr::col("inbox_id").eq(inbox_id))
            .and_where(Expr::col("status").eq("open"))
            .and_where(Expr::col("assignee_id").is_null())
            .and_where(Expr::col("waiting_since").is_not_null())
            .order_by("waiting_since", Order::Asc)
            .order_by("id", Order::Asc)
            .limit(limit)
            .to_owned();
        let mut c = self.pools.read().await?;
        let ids: Vec<i64> = c.conn().all::<(i64,)>(&q).await?.into_iter().map(|r| r.0).collect();
        load_conversations(&mut c.conn(), &ids).await
    }

    /// Assigns atomically: claims a unit of the operator's capacity (only when
    /// online, unless `force`) and the conversation (only if its assignee is
    /// still `expected`), adds the operator to the room. `offer_secs` > 0
    /// makes it an offer that lapses unless accepted.
    #[allow(clippy::too_many_arguments)]
    pub async fn assign(
        &self,
        conv_id: i64,
        operator: i64,
        expected: Option<i64>,
        force: bool,
        offer_until: Option<i64>,
        actor: Option<i64>,
        event: &str,
        data: &Value,
    ) -> Result<AssignOutcome> {
        let now = now_ms();
        let mut tx = self.tx().await?;
        let mut conn = tx.conn();
        if expected == Some(operator) {
            return Ok(AssignOutcome::Taken);
        }
        let mut claim = Query::update();
        claim
            .table("operator_status")
            .value("active_count", Expr::cust("active_count + 1"))
            .value("last_assigned_at", now)
            .and_where(Expr::col("user_id").eq(operator));
        if !force {
            claim
                .and_where(Expr::col("availability").eq("online"))
                .and_where(Expr::col("capacity").eq(0).or(Expr::col("active_count").lt(Expr::col("capacity"))));
        }
        ensure_operator(&mut conn, operator).await?;
        if conn.exec(&claim).await? == 0 {
            return Ok(AssignOutcome::OperatorFull);
        }
        let mut take = Query::update();
        take.table("conversations")
            .value("assignee_id", operator)
            .value("waiting_since", Option::<i64>::None)
            .value("offer_expires_at", offer_until)
            .value("updated_at", now)
            .and_where(Expr::col("id").eq(conv_id))
            .and_where(Expr::col("status").is_in(ACTIVE));
        match expected {
            None => take.and_where(Expr::col("assignee_id").is_null()),
            Some(e) => take.and_where(Expr::col("assignee_id").eq(e)),
        };
        let room: Option<(i64,)> = conn.opt(&take.returning_col("room_id").to_owned()).await?;
        let Some((room_id,)) = room else {
            // Dropping the transaction rolls the capacity claim back.
            return Ok(AssignOutcome::Taken);
        };
        if let Some(prev) = expected {
            release(&mut conn, prev).await?;
        }
        let joined_seq = add_room_member(&mut conn, room_id, operator, RoomRole::Moderator).await?;
        insert_event(&mut conn, conv_id, event, actor, now, data).await?;
        tx.commit().await?;
        Ok(AssignOutcome::Assigned { joined_seq })
    }

    /// Takes the conversation off its assignee (back to the queue when still
    /// open); `passed_over` remembers an operator who let an offer lapse.
    pub async fn unassign(
        &self,
        conv_id: i64,
        from: i64,
        pass_over: bool,
        actor: Option<i64>,
        event: &str,
    ) -> Result<bool> {
        let now = now_ms();
        let mut tx = self.tx().await?;
        let mut conn = tx.conn();
        lock_operator(&mut conn, from).await?;
        let cur = load_conversations(&mut conn, &[conv_id]).await?.pop().ok_or(StoreError::NotFound)?;
        if cur.assignee_id != Some(from) {
            return Ok(false);
        }
        let mut passed = cur.passed_over.clone();
        if pass_over && !passed.contains(&from) {
            passed.push(from);
        }
        let up = Query::update()
            .table("conversations")
            .value("assignee_id", Option::<i64>::None)
            .value("offer_expires_at", Option::<i64>::None)
            .value("passed_over", serde_json::to_string(&passed).unwrap_or_else(|_| "[]".into()))
            .value("waiting_since", if cur.status == "open" { Some(cur.waiting_since.unwrap_or(now)) } else { None })
            .value("updated_at", now)
            .and_where(Expr::col("id").eq(conv_id))
            .and_where(Expr::col("assignee_id").eq(from))
            .to_owned();
        if conn.exec(&up).await? == 0 {
            return Ok(false);
        }
        if ACTIVE.contains(&cur.status.as_str()) {
            release(&mut conn, from).await?;
        }
        insert_event(&mut conn, conv_id, event, actor, now, &serde_json::json!({ "from": from })).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Accepts an offered assignment.
    pub async fn accept_offer(&self, conv_id: i64, operator: i64) -> Result<bool> {
        let up = Query::update()
            .table("conversations")
            .value("offer_expires_at", Option::<i64>::None)
            .and_where(Expr::col("id").eq(conv_id))
            .and_where(Expr::col("assignee_id").eq(operator))
            .and_where(Expr::col("offer_expires_at").is_not_null())
            .to_owned();
        let mut tx = self.tx().await?;
        let n = tx.conn().exec(&up).await?;
        if n > 0 {
            insert_event(&mut tx.conn(), conv_id, "accepted", Some(operator), now_ms(), &Value::Null).await?;
        }
        tx.commit().await?;
        Ok(n > 0)
    }

    /// Offers whose time ran out: `(conversation, operator)`.
    pub async fn lapsed_offers(&self, now: i64) -> Result<Vec<(i64, i64)>> {
        let q = Query::select()
            .columns(["id", "assignee_id"])
            .from("conversations")
            .and_where(Expr::col("offer_expires_at").lt(now))
            .and_where(Expr::col("assignee_id").is_not_null())
            .limit(500)
            .to_owned();
        let mut c = self.pools.read().await?;
        c.conn().all::<(i64, i64)>(&q).await
    }

    /// Changes the status, keeping the assignee's load and the queue in step.
    /// Resolving frees capacity; reopening takes it again (over the limit if
    /// need be: the conversation goes back to whoever had it).
    pub async fn set_conversation_status(
        &self,
        conv_id: i64,
        status: &str,
        snoozed_until: Option<i64>,
        actor: Option<i64>,
    ) -> Result<Option<Conversation>> {
        let now = now_ms();
        let mut tx = self.tx().await?;
        let mut conn = tx.conn();
        let Some(cur) = load_conversations(&mut conn, &[conv_id]).await?.pop() else {
            return Ok(None);
        };
        if cur.status == status && cur.snoozed_until == snoozed_until {
            return Ok(Some(cur));
        }
        if let Some(a) = cur.assignee_id {
            lock_operator(&mut conn, a).await?;
        }
        let was_active = ACTIVE.contains(&cur.status.as_str());
        let is_active = ACTIVE.contains(&status);
        let mut up = Query::update();
        up.table("conversations")
            .value("status", status)
            .value("snoozed_until", snoozed_until)
            .value("updated_at", now)
            .and_where(Expr::col("id").eq(conv_id))
            .and_where(Expr::col("status").eq(cur.status.clone()));
        if status == "resolved" {
            up.value("resolved_at", now)
                .value("waiting_since", Option::<i64>::None)
                .value("offer_expires_at", Option::<i64>::None);
        } else if status == "open" && cur.assignee_id.is_none() {
            up.value("waiting_since", cur.waiting_since.unwrap_or(now));
        }
        if cur.status == "resolved" && status != "resolved" {
            up.value("resolved_at", Option::<i64>::None)
                .value("csat_rating", Option::<i64>::None)
                .value("csat_comment", Option::<String>::None);
        }
        if conn.exec(&up).await? == 0 {
            return Err(StoreError::Conflict("status"));
        }
        if let Some(a) = cur.assignee_id {
            if was_active && !is_active {
                release(&mut conn, a).await?;
            } else if !was_active && is_active {
                let q = Query::update()
                    .table("operator_status")
                    .value("active_count", Expr::cust("active_count + 1"))
                    .and_where(Expr::col("user_id").eq(a))
                    .to_owned();
                conn.exec(&q).await?;
            }
        }
        let kind = match (cur.status.as_str(), status) {
            ("resolved", _) => "reopened",
            (_, "resolved") => "resolved",
            (_, "snoozed") => "snoozed",
            ("pending", "open") => "handed_over",
            _ => "status",
        };
        insert_event(&mut conn, conv_id, kind, actor, now, &serde_json::json!({ "from": cur.status, "to": status }))
            .await?;
        let conv = load_conversations(&mut conn, &[conv_id]).await?.pop().ok_or(StoreError::NotFound)?;
        tx.commit().await?;
        Ok(Some(conv))
    }

    /// Snoozed conversations whose time has come: `(conversation)`.
    pub async fn due_snoozes(&self, now: i64) -> Result<Vec<i64>> {
        let q = Query::select()
            .column("id")
            .from("conversations")
            .and_where(Expr::col("status").eq("snoozed"))
            .and_where(Expr::col("snoozed_until").lte(now))
            .limit(500)
            .to_owned();
        let mut c = self.pools.read().await?;
        Ok(c.conn().all::<(i64,)>(&q).await?.into_iter().map(|r| r.0).collect())
    }

    /// Priority, department and escalation: fields an operator edits.
    pub async fn update_conversation(
        &self,
        conv_id: i64,
        priority: Option<&str>,
        department_id: Option<Option<i64>>,
        escalated_to: Option<Option<i64>>,
    ) -> Result<Conversation> {
        let mut tx = self.tx().await?;
        let mut q = Query::update();
        q.table("conversations").value("updated_at", now_ms()).and_where(Expr::col("id").eq(conv_id));
        if let Some(p) = priority {
            q.value("priority", p);
        }
        if let Some(d) = department_id {
            q.value("department_id", d);
        }
        if let Some(e) = escalated_to {
            q.value("escalated_to", e);
        }
        tx.conn().exec(&q).await.map_err(fk("department_id"))?;
        let conv = load_conversations(&mut tx.conn(), &[conv_id]).await?.pop().ok_or(StoreError::NotFound)?;
        tx.commit().await?;
        Ok(conv)
    }

    /// Records who spoke when (the SLA clocks and reports read these).
    pub async fn note_message(&self, conv_id: i64, from_contact: bool, actor: i64, at: i64) -> Result<()> {
        let mut tx = self.tx().await?;
        let mut conn = tx.conn();
        let mut q = Query::update();
        q.table("conversations").value("updated_at", at).and_where(Expr::col("id").eq(conv_id));
        if from_contact {
            q.value("last_customer_at", at);
        } else {
            q.value("last_agent_at", at).value("first_reply_at", Expr::cust(format!("COALESCE(first_reply_at, {at})")));
        }
        conn.exec(&q).await?;
        let kind = if from_contact { "customer_message" } else { "agent_reply" };
        insert_event(&mut conn, conv_id, kind, Some(actor), at, &Value::Null).await?;
        tx.commit().await
    }

    pub async fn add_conversation_event(
        &self,
        conv_id: i64,
        kind: &str,
        actor: Option<i64>,
        data: &Value,
    ) -> Result<()> {
        let mut tx = self.tx().await?;
        insert_event(&mut tx.conn(), conv_id, kind, actor, now_ms(), data).await?;
        tx.commit().await
    }

    pub async fn conversation_events(&self, conv_id: i64) -> Result<Vec<ConversationEvent>> {
        let q = Query::select()
            .columns(["id", "conversation_id", "kind", "actor_id", "at", "data"])
            .from("conversation_events")
            .and_where(Expr::col("conversation_id").eq(conv_id))
            .order_by("at", Order::Asc)
            .order_by("id", Order::Asc)
            .to_owned();
        let mut c = self.pools.read().await?;
        Ok(c.conn()
            .all::<(i64, i64, String, Option<i64>, i64, String)>(&q)
            .await?
            .into_iter()
            .map(|r| ConversationEvent {
                id: r.0,
                conversation_id: r.1,
                kind: r.2,
                actor_id: r.3,
                at: r.4,
                data: json(&r.5),
            })
            .collect())
    }

    pub async fn set_labels(&self, conv_id: i64, labels: &[String]) -> Result<()> {
        let mut tx = self.tx().await?;
        tx.conn()
            .exec(
                &Query::delete()
                    .from_table("conversation_labels")
                    .and_where(Expr::col("conversation_id").eq(conv_id))
                    .to_owned(),
            )
            .await?;
        for l in labels {
            let q = Query::insert()
                .into_table("conversation_labels")
                .columns(["conversation_id", "label"])
                .values_panic([conv_id.into(), l.clone().into()])
                .on_conflict(sea_query::OnConflict::columns(["conversation_id", "label"]).do_nothing().to_owned())
                .to_owned();
            tx.conn().exec(&q).await?;
        }
        tx.commit().await
    }

    pub async fn set_sla(&self, conv_id: i64, state: &str, next_at: Option<i64>) -> Result<()> {
        let q = Query::update()
            .table("conversations")
            .value("sla_state", state)
            .value("sla_next_at", next_at)
            .and_where(Expr::col("id").eq(conv_id))
            .to_owned();
        let mut tx = self.tx().await?;
        tx.conn().exec(&q).await?;
        tx.commit().await
    }

    /// Conversations whose SLA state changes by `now`.
    pub async fn due_sla(&self, now: i64) -> Result<Vec<i64>> {
        let q = Query::select()
            .column("id")
            .from("conversations")
            .and_where(Expr::col("sla_next_at").lte(now))
            .limit(500)
            .to_owned();
        let mut c = self.pools.read().await?;
        Ok(c.conn().all::<(i64,)>(&q).await?.into_iter().map(|r| r.0).collect())
    }

    /// Stores the contact's rating once per resolution.
    pub async fn set_csat(&self, conv_id: i64, rating: i64, comment: Option<&str>) -> Result<bool> {
        let q = Query::update()
            .table("conversations")
            .value("csat_rating", rating)
            .value("csat_comment", comment.map(str::to_string))
            .and_where(Expr::col("id").eq(conv_id))
            .and_where(Expr::col("status").eq("resolved"))
            .and_where(Expr::col("csat_rating").is_null())
            .to_owned();
        let mut tx = self.tx().await?;
        let n = tx.conn().exec(&q).await?;
        if n > 0 {
            insert_event(&mut tx.conn(), conv_id, "csat", None, now_ms(), &serde_json::json!({ "rating": rating }))
                .await?;
        }
        tx.commit().await?;
        Ok(n > 0)
    }

    /// Merges `from` into `into` (same contact): `from` is resolved and
    /// points at `into`; its messages stay in its own room, linked.
    pub async fn merge_conversations(&self, from: i64, into: i64, actor: i64) -> Result<()> {
        let mut tx = self.tx().await?;
        let mut conn = tx.conn();
        let cs = load_conversations(&mut conn, &[from, into]).await?;
        let (Some(a), Some(b)) = (cs.iter().find(|c| c.id == from), cs.iter().find(|c| c.id == into)) else {
            return Err(StoreError::NotFound);
        };
        if a.contact_id != b.contact_id || a.id == b.id {
            return Err(StoreError::Invalid("into"));
        }
        let now = now_ms();
        let up = Query::update()
            .table("conversations")
            .value("merged_into", into)
            .value("status", "resolved")
            .value("resolved_at", now)
            .value("waiting_since", Option::<i64>::None)
            .value("assignee_id", Option::<i64>::None)
            .value("updated_at", now)
            .and_where(Expr::col("id").eq(from))
            .to_owned();
        conn.exec(&up).await?;
        if let Some(op) = a.assignee_id.filter(|_| ACTIVE.contains(&a.status.as_str())) {
            release(&mut conn, op).await?;
        }
        insert_event(&mut conn, from, "merged", Some(actor), now, &serde_json::json!({ "into": into })).await?;
        insert_event(&mut conn, into, "merged_from", Some(actor), now, &serde_json::json!({ "from": from })).await?;
        tx.commit().await
    }

    /// Adds a person to a conversation's room (a supervisor joining).
    pub async fn join_conversation_room(&self, room_id: i64, user_id: i64) -> Result<Option<i64>> {
        let mut tx = self.tx().await?;
        let seq = add_room_member(&mut tx.conn(), room_id, user_id, RoomRole::Moderator).await?;
        tx.commit().await?;
        Ok(seq)
    }

    /// How far the other members (the operators) have read a room.
    pub async fn max_read_seq_of_others(&self, room_id: i64, user_id: i64) -> Result<i64> {
        let q = Query::select()
            .expr(Expr::cust("COALESCE(MAX(last_read_seq), 0)"))
            .from("room_members")
            .and_where(Expr::col("room_id").eq(room_id))
            .and_where(Expr::col("user_id").ne(user_id))
            .to_owned();
        let mut c = self.pools.read().await?;
        Ok(c.conn().one::<(i64,)>(&q).await?.0)
    }

    /// How many events of each kind there are (the bot's figures).
    pub async fn conversation_event_counts(&self, kinds: &[&str]) -> Result<Vec<(String, i64)>> {
        let q = Query::select()
            .column("kind")
            .expr(Expr::col("id").count())
            .from("conversation_events")
            .and_where(Expr::col("kind").is_in(kinds.iter().map(|k| k.to_string())))
            .group_by_col("kind")
            .to_owned();
        let mut c = self.pools.read().await?;
        c.conn().all::<(String, i64)>(&q).await
    }

    /// Conversations that started with the bot.
    pub async fn conversations_started_pending(&self) -> Result<i64> {
        let q = Query::select()
            .expr(Expr::col("id").count())
            .from("conversation_events")
            .and_where(Expr::col("kind").eq("created"))
            .and_where(Expr::col("data").like("%pending%"))
            .to_owned();
        let mut c = self.pools.read().await?;
        Ok(c.conn().one::<(i64,)>(&q).await?.0)
    }

    // ----- canned responses and macros -----

    pub async fn create_canned(&self, c: &CannedResponse) -> Result<CannedResponse> {
        let q = Query::insert()
            .into_table("canned_responses")
            .columns(["shortcut", "title", "body", "scope", "owner_id", "department_id", "locale", "created_at"])
            .values_panic([
                c.shortcut.clone().into(),
                c.title.clone().into(),
                c.body.clone().into(),
                c.scope.clone().into(),
                c.owner_id.into(),
                c.department_id.into(),
                c.locale.clone().into(),
                now_ms().into(),
            ])
            .returning_col("id")
            .to_owned();
        let mut tx = self.tx().await?;
        let (id,) = tx.conn().one::<(i64,)>(&q).await.map_err(fk("department_id"))?;
        tx.commit().await?;
        Ok(CannedResponse { id, ..c.clone() })
    }

    pub async fn update_canned(&self, c: &CannedResponse) -> Result<bool> {
        let q = Query::update()
            .table("canned_responses")
            .value("shortcut", c.shortcut.clone())
            .value("title", c.title.clone())
            .value("body", c.body.clone())
            .value("locale", c.locale.clone())
            .and_where(Expr::col("id").eq(c.id))
            .to_owned();
        let mut tx = self.tx().await?;
        let n = tx.conn().exec(&q).await?;
        tx.commit().await?;
        Ok(n > 0)
    }

    pub async fn delete_canned(&self, id: i64) -> Result<bool> {
        let mut tx = self.tx().await?;
        let n = tx
            .conn()
            .exec(&Query::delete().from_table("canned_responses").and_where(Expr::col("id").eq(id)).to_owned())
            .await?;
        tx.commit().await?;
        Ok(n > 0)
    }

    pub async fn canned(&self, id: i64) -> Result<Option<CannedResponse>> {
        Ok(self.canned_where(Some(id), None, &[]).await?.pop())
    }

    /// The replies one operator may use: global, their own, their departments'.
    pub async fn canned_for(&self, user_id: i64, departments: &[i64]) -> Result<Vec<CannedResponse>> {
        self.canned_where(None, Some(user_id), departments).await
    }

    async fn canned_where(&self, id: Option<i64>, user: Option<i64>, deps: &[i64]) -> Result<Vec<CannedResponse>> {
        let mut q = Query::select();
        q.columns(["id", "shortcut", "title", "body", "scope", "owner_id", "department_id", "locale"])
            .from("canned_responses")
            .order_by("shortcut", Order::Asc);
        if let Some(id) = id {
            q.and_where(Expr::col("id").eq(id));
        }
        if let Some(u) = user {
            q.cond_where(
                Expr::col("scope")
                    .eq("global")
                    .or(Expr::col("scope").eq("personal").and(Expr::col("owner_id").eq(u)))
                    .or(Expr::col("scope").eq("department").and(Expr::col("department_id").is_in(deps.to_vec()))),
            );
        }
        let mut c = self.pools.read().await?;
        type Row = (i64, String, String, String, String, Option<i64>, Option<i64>, Option<String>);
        Ok(c.conn()
            .all::<Row>(&q)
            .await?
            .into_iter()
            .map(|r| CannedResponse {
                id: r.0,
                shortcut: r.1,
                title: r.2,
                body: r.3,
                scope: r.4,
                owner_id: r.5,
                department_id: r.6,
                locale: r.7,
            })
            .collect())
    }

    pub async fn create_macro(&self, name: &str, actions: &Value, scope: &str, owner: Option<i64>) -> Result<Macro> {
        let q = Query::insert()
            .into_table("macros")
            .columns(["name", "actions", "scope", "owner_id", "created_at"])
            .values_panic([name.into(), actions.to_string().into(), scope.into(), owner.into(), now_ms().into()])
            .returning_col("id")
            .to_owned();
        let mut tx = self.tx().await?;
        let (id,) = tx.conn().one::<(i64,)>(&q).await?;
        tx.commit().await?;
        Ok(Macro { id, name: name.to_string(), actions: actions.clone(), scope: scope.to_string(), owner_id: owner })
    }

    pub async fn delete_macro(&self, id: i64) -> Result<bool> {
        let mut tx = self.tx().await?;
        let n =
            tx.conn().exec(&Query::delete().from_table("macros").and_where(Expr::col("id").eq(id)).to_owned()).await?;
        tx.commit().await?;
        Ok(n > 0)
    }

    /// Global macros and the person's own.
    pub async fn macros_for(&self, user_id: i64) -> Result<Vec<Macro>> {
        let q = Query::select()
            .columns(["id", "name", "actions", "scope", "owner_id"])
            .from("macros")
            .cond_where(Expr::col("scope").eq("global").or(Expr::col("owner_id").eq(user_id)))
            .order_by("name", Order::Asc)
            .to_owned();
        let mut c = self.pools.read().await?;
        Ok(c.conn()
            .all::<(i64, String, String, String, Option<i64>)>(&q)
            .await?
            .into_iter()
            .map(|r| Macro { id: r.0, name: r.1, actions: json(&r.2), scope: r.3, owner_id: r.4 })
            .collect())
    }

    // ----- scheduled messages -----

    pub async fn schedule_message(
        &self,
        conv_id: i64,
        author: i64,
        body: &str,
        internal: bool,
        send_at: i64,
    ) -> Result<i64> {
        let q = Query::insert()
            .into_table("scheduled_messages")
            .columns(["conversation_id", "author_id", "body", "internal", "send_at", "created_at"])
            .values_panic([
                conv_id.into(),
                author.into(),
                body.into(),
                internal.into(),
                send_at.into(),
                now_ms().into(),
            ])
            .returning_col("id")
            .to_owned();
        let mut tx = self.tx().await?;
        let (id,) = tx.conn().one::<(i64,)>(&q).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Claims due scheduled messages (each is claimed once, whichever node
    /// asks): `(id, conversation, author, body, internal)`.
    pub async fn claim_scheduled(&self, now: i64) -> Result<Vec<(i64, i64, i64, String, bool)>> {
        // One statement claims a batch; on PostgreSQL `SKIP LOCKED` lets
        // concurrent sweeps take different rows instead of queueing on the
        // same ones, and `claimed_at IS NULL` makes each row go once.
        let due = Query::select()
            .column("id")
            .from("scheduled_messages")
            .and_where(Expr::col("send_at").lte(now))
            .and_where(Expr::col("claimed_at").is_null())
            .order_by("send_at", Order::Asc)
            .limit(100)
            .lock_with_behavior(sea_query::LockType::Update, sea_query::LockBehavior::SkipLocked)
            .to_owned();
        let claim = Query::update()
            .table("scheduled_messages")
            .value("claimed_at", now)
            .and_where(Expr::col("id").in_subquery(due))
            .and_where(Expr::col("claimed_at").is_null())
            .returning(Query::returning().columns([
                "id",
                "conversation_id",
                "author_id",
                "body",
                "internal",
                "send_at",
            ]))
            .to_owned();
        let mut tx = self.tx().await?;
        let mut rows: Vec<(i64, i64, i64, String, bool, i64)> = tx.conn().all(&claim).await?;
        tx.commit().await?;
        // RETURNING has no order: send them as they were scheduled.
        rows.sort_by_key(|r| (r.5, r.0));
        Ok(rows.into_iter().map(|(id, conv, author, body, internal, _)| (id, conv, author, body, internal)).collect())
    }

    /// Scheduled messages not yet sent, for a conversation.
    pub async fn scheduled_for(&self, conv_id: i64) -> Result<Vec<(i64, i64, String, bool, i64)>> {
        let q = Query::select()
            .columns(["id", "author_id", "body", "internal", "send_at"])
            .from("scheduled_messages")
            .and_where(Expr::col("conversation_id").eq(conv_id))
            .and_where(Expr::col("claimed_at").is_null())
            .order_by("send_at", Order::Asc)
            .to_owned();
        let mut c = self.pools.read().await?;
        c.conn().all(&q).await
    }

    pub async fn cancel_scheduled(&self, id: i64, conv_id: i64) -> Result<bool> {
        let q = Query::delete()
            .from_table("scheduled_messages")
            .and_where(Expr::col("id").eq(id))
            .and_where(Expr::col("conversation_id").eq(conv_id))
            .and_where(Expr::col("claimed_at").is_null())
            .to_owned();
        let mut tx = self.tx().await?;
        let n = tx.conn().exec(&q).await?;
        tx.commit().await?;
        Ok(n > 0)
    }
}

fn filter(q: &mut SelectStatement, f: &ConversationFilter) {
    if let Some(ids) = &f.inbox_ids {
        q.and_where(Expr::col(("c", "inbox_id")).is_in(ids.clone()));
    }
    if let Some(st) = &f.status {
        q.and_where(Expr::col(("c", "status")).is_in(st.clone()));
    }
    match f.assignee {
        Some(None) => {
            q.and_where(Expr::col(("c", "assignee_id")).is_null());
        }
        Some(Some(a)) => {
            q.and_where(Expr::col(("c", "assignee_id")).eq(a));
        }
        None => {}
    }
    if let Some(d) = f.department_id {
        q.and_where(Expr::col(("c", "department_id")).eq(d));
    }
    if let Some(c) = f.contact_id {
        q.and_where(Expr::col(("c", "contact_id")).eq(c));
    }
    if let Some(l) = &f.label {
        q.and_where(
            Expr::col(("c", "id")).in_subquery(
                Query::select()
                    .column("conversation_id")
                    .from("conversation_labels")
                    .and_where(Expr::col("label").eq(l.clone()))
                    .to_owned(),
            ),
        );
    }
    if let Some(u) = f.visible_to {
        let in_inbox = Expr::col(("c", "inbox_id")).in_subquery(
            Query::select().column("inbox_id").from("inbox_members").and_where(Expr::col("user_id").eq(u)).to_owned(),
        );
        let dept_ok = Expr::col(("c", "department_id")).is_null().or(Expr::col(("c", "department_id")).in_subquery(
            Query::select()
                .column("department_id")
                .from("department_members")
                .and_where(Expr::col("user_id").eq(u))
                .to_owned(),
        ));
        q.cond_where(Expr::col(("c", "assignee_id")).eq(u).or(in_inbox.and(dept_ok)));
    }
    if let Some(b) = f.before_id {
        q.and_where(Expr::col(("c", "id")).lt(b));
    }
}

/// Takes the operator's row lock first: assignment locks the operator, then
/// the conversation; everything else that touches both does the same, so
/// PostgreSQL never sees the two orders at once (a deadlock).
async fn lock_operator(conn: &mut Conn<'_>, user_id: i64) -> Result<()> {
    let q = Query::update()
        .table("operator_status")
        .value("active_count", Expr::col("active_count"))
        .and_where(Expr::col("user_id").eq(user_id))
        .to_owned();
    conn.exec(&q).await?;
    Ok(())
}

async fn ensure_operator(conn: &mut Conn<'_>, user_id: i64) -> Result<()> {
    let q = Query::insert()
        .into_table("operator_status")
        .columns(["user_id", "availability", "capacity", "active_count", "last_active_at"])
        .values_panic([user_id.into(), "offline".into(), 5i64.into(), 0i64.into(), now_ms().into()])
        .on_conflict(sea_query::OnConflict::column("user_id").do_nothing().to_owned())
        .to_owned();
    conn.exec(&q).await.map_err(fk("user_ids"))?;
    Ok(())
}

fn fk(field: &'static str) -> impl Fn(StoreError) -> StoreError {
    move |e| match e {
        StoreError::Database(sqlx::Error::Database(d)) if d.is_foreign_key_violation() => StoreError::Invalid(field),
        e => e,
    }
}
