//! The FAQ knowledge base and the questions the bot could not answer.
//! Entries are stored as the matcher's own records (`steward_faq::Entry`
//! fields), phrasings as a JSON array.

use sea_query::{Expr, ExprTrait, OnConflict, Order, Query};

use crate::{Result, Store, StoreError, now_ms};

/// One stored entry: a topic in one language.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FaqRow {
    pub id: String,
    pub lang: String,
    pub category: String,
    pub status: String,
    pub questions: Vec<String>,
    pub answer: String,
    pub updated_at: i64,
}

/// A question the bot handed over, grouped by its folded text.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Unanswered {
    pub id: i64,
    pub lang: String,
    pub sample: String,
    pub count: i64,
    pub first_at: i64,
    pub last_at: i64,
    pub entry_id: Option<String>,
}

const COLS: [&str; 7] = ["id", "lang", "category", "status", "questions", "answer", "updated_at"];
type Row = (String, String, String, String, String, String, i64);

fn row(r: Row) -> FaqRow {
    FaqRow {
        id: r.0,
        lang: r.1,
        category: r.2,
        status: r.3,
        questions: serde_json::from_str(&r.4).unwrap_or_default(),
        answer: r.5,
        updated_at: r.6,
    }
}

/// Folds a question for grouping: lower case, words separated by one space.
pub fn fold_question(q: &str) -> String {
    q.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(300)
        .collect()
}

impl Store {
    pub async fn faq_entries(&self) -> Result<Vec<FaqRow>> {
        let q = Query::select()
            .columns(COLS)
            .from("faq_entries")
            .order_by("id", Order::Asc)
            .order_by("lang", Order::Asc)
            .to_owned();
        let mut c = self.pools.read().await?;
        Ok(c.conn().all::<Row>(&q).await?.into_iter().map(row).collect())
    }

    /// Adds or replaces entries (by id and language) in one transaction.
    pub async fn upsert_faq_entries(&self, entries: &[FaqRow]) -> Result<()> {
        let mut tx = self.tx().await?;
        let now = now_ms();
        for e in entries {
            let q = Query::insert()
                .into_table("faq_entries")
                .columns(COLS)
                .values_panic([
                    e.id.clone().into(),
                    e.lang.clone().into(),
                    e.category.clone().into(),
                    e.status.clone().into(),
                    serde_json::to_string(&e.questions).unwrap_or_else(|_| "[]".into()).into(),
                    e.answer.clone().into(),
                    now.into(),
                ])
                .on_conflict(
                    OnConflict::columns(["id", "lang"])
                        .update_columns(["category", "status", "questions", "answer", "updated_at"])
                        .to_owned(),
                )
                .to_owned();
            tx.conn().exec(&q).await?;
        }
        tx.commit().await
    }

    /// Deletes a topic in one language, or in every language when `lang` is `None`.
    pub async fn delete_faq_entry(&self, id: &str, lang: Option<&str>) -> Result<bool> {
        let mut q = Query::delete();
        q.from_table("faq_entries").and_where(Expr::col("id").eq(id));
        if let Some(l) = lang {
            q.and_where(Expr::col("lang").eq(l));
        }
        let mut tx = self.tx().await?;
        let n = tx.conn().exec(&q).await?;
        tx.commit().await?;
        Ok(n > 0)
    }

    /// Counts a question the bot could not answer (grouped by folded text).
    pub async fn note_unanswered(&self, question: &str, lang: &str) -> Result<()> {
        let folded = fold_question(question);
        if folded.is_empty() {
            return Ok(());
        }
        let now = now_ms();
        let sample: String = question.trim().chars().take(500).collect();
        let q = Query::insert()
            .into_table("faq_unanswered")
            .columns(["normalized", "lang", "sample", "count", "first_at", "last_at"])
            .values_panic([folded.into(), lang.into(), sample.into(), 1i64.into(), now.into(), now.into()])
            .on_conflict(
                OnConflict::columns(["normalized", "lang"])
                    .value("count", Expr::cust("faq_unanswered.count + 1"))
                    .value("last_at", now)
                    .to_owned(),
            )
            .to_owned();
        let mut tx = self.tx().await?;
        tx.conn().exec(&q).await?;
        tx.commit().await
    }

    /// Open unanswered questions, most asked first.
    pub async fn unanswered(&self, limit: u64) -> Result<Vec<Unanswered>> {
        let q = Query::select()
            .columns(["id", "lang", "sample", "count", "first_at", "last_at", "entry_id"])
            .from("faq_unanswered")
            .and_where(Expr::col("entry_id").is_null())
            .order_by("count", Order::Desc)
            .order_by("last_at", Order::Desc)
            .limit(limit.clamp(1, 500))
            .to_owned();
        let mut c = self.pools.read().await?;
        type R = (i64, String, String, i64, i64, i64, Option<String>);
        Ok(c.conn()
            .all::<R>(&q)
            .await?
            .into_iter()
            .map(|r| Unanswered {
                id: r.0,
                lang: r.1,
                sample: r.2,
                count: r.3,
                first_at: r.4,
                last_at: r.5,
                entry_id: r.6,
            })
            .collect())
    }

    /// Marks an unanswered question as turned into `entry_id` (or dismissed: `-`).
    pub async fn close_unanswered(&self, id: i64, entry_id: &str) -> Result<()> {
        let q = Query::update()
            .table("faq_unanswered")
            .value("entry_id", entry_id)
            .and_where(Expr::col("id").eq(id))
            .and_where(Expr::col("entry_id").is_null())
            .to_owned();
        let mut tx = self.tx().await?;
        let n = tx.conn().exec(&q).await?;
        tx.commit().await?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    pub async fn unanswered_one(&self, id: i64) -> Result<Option<Unanswered>> {
        let q = Query::select()
            .columns(["id", "lang", "sample", "count", "first_at", "last_at", "entry_id"])
            .from("faq_unanswered")
            .and_where(Expr::col("id").eq(id))
            .to_owned();
        let mut c = self.pools.read().await?;
        type R = (i64, String, String, i64, i64, i64, Option<String>);
        Ok(c.conn().opt::<R>(&q).await?.map(|r| Unanswered {
            id: r.0,
            lang: r.1,
            sample: r.2,
            count: r.3,
            first_at: r.4,
            last_at: r.5,
            entry_id: r.6,
        }))
    }
}
