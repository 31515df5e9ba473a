//! Steward's storage: one interface ([`Store`]) over two backends, SQLite
//! (embedded default) and PostgreSQL (scale-out). Only this crate knows SQL.
//! Queries are defined once with sea-query and built per backend; where the
//! backends differ (full-text search, migrations) each gets its own SQL.

mod audit;
mod ban_lists;
mod custom_roles;
mod db;
mod faq;
mod invites;
mod jobs;
mod messages;
mod migrate;
mod moderation;
mod retention;
mod room_notes;
mod rooms;
mod support;
pub mod testing;
mod tokens;
mod totp;
mod users;
mod webhooks;
mod writer;

use std::path::Path;
use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

pub use audit::{AuditEntry, AuditFilter, NewAudit};
pub use ban_lists::BanSnapshot;
pub use custom_roles::CustomRole;
pub use db::Backend;
use db::{Pools, Tx};
pub use faq::{FaqRow, Unanswered, fold_question};
pub use invites::NewInvite;
pub use jobs::JobLease;
pub use messages::{AttachmentFile, NewAttachment, NewMessage, Page, PostOutcome, SearchQuery};
pub use moderation::{ModlogFilter, NewModlog, NewSanction};
pub use retention::{ExportFilter, Exported, Purged};
pub use rooms::NewRoom;
pub use steward_core::model::SessionRecord;
pub use support::{AssignOutcome, ConversationFilter, NewContact, NewConversation};
pub use totp::TotpState;
pub use users::{NewUser, ProfileUpdate, SessionInfo};
pub use webhooks::{AttemptOutcome, AttemptRow, DeliveryFilter, DeliveryRow, NextStep, WebhookRow};
pub use writer::{MAX_BATCH, MessageHook};

pub use steward_core::model;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A unique value is taken; names the field (`username`, `email`, …).
    #[error("{0} is already taken")]
    Conflict(&'static str),
    /// The request refers to something that does not fit (a reply to a
    /// message of another room, an attachment of someone else); names the field.
    #[error("{0} is not valid here")]
    Invalid(&'static str),
    #[error("too many {0}")]
    Limit(&'static str),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration {version} failed: {source}")]
    Migration { version: i64, source: sqlx::Error },
    #[error("unsupported database url (expected sqlite:PATH or postgres://…)")]
    BadUrl,
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

impl StoreError {
    pub fn is_unique_violation(e: &sqlx::Error) -> bool {
        matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
    }
}

pub fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// How SQLite makes a commit durable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SqliteDurability {
    /// fsync at every commit: an acknowledged message survives power loss.
    #[default]
    Full,
    /// fsync at checkpoints only: survives a crash of the process, not of the machine.
    Normal,
}

#[derive(Debug, Clone)]
pub struct StoreOptions {
    pub max_connections: u32,
    pub sqlite_durability: SqliteDurability,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions { max_connections: 16, sqlite_durability: SqliteDurability::Full }
    }
}

#[derive(Clone)]
pub struct Store {
    pools: Pools,
    writer: writer::Writer,
}

impl Store {
    /// Opens `postgres://…` / `postgresql://…` or `sqlite:PATH` (a bare path also means SQLite).
    pub async fn open(url: &str, options: &StoreOptions) -> Result<Store> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let opts = PgConnectOptions::from_str(url)?;
            let pool = PgPoolOptions::new()
                .max_connections(options.max_connections)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(opts)
                .await?;
            Ok(Store { pools: Pools::Postgres(pool), writer: Default::default() })
        } else if let Some(path) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
            Self::open_sqlite(Path::new(path), options).await
        } else if url.contains("://") {
            Err(StoreError::BadUrl)
        } else {
            Self::open_sqlite(Path::new(url), options).await
        }
    }

    pub async fn open_sqlite(path: &Path, options: &StoreOptions) -> Result<Store> {
        let sync = match options.sqlite_durability {
            SqliteDurability::Full => SqliteSynchronous::Full,
            SqliteDurability::Normal => SqliteSynchronous::Normal,
        };
        let opts = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(sync)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            .pragma("temp_store", "memory")
            .pragma("cache_size", "-16000");
        let write = SqlitePoolOptions::new().max_connections(1).connect_with(opts.clone()).await?;
        let read = SqlitePoolOptions::new()
            .max_connections(options.max_connections.max(2))
            .connect_with(opts.read_only(false))
            .await?;
        Ok(Store { pools: Pools::Sqlite { read, write }, writer: Default::default() })
    }

    pub fn backend(&self) -> Backend {
        match self.pools {
            Pools::Sqlite { .. } => Backend::Sqlite,
            Pools::Postgres(_) => Backend::Postgres,
        }
    }

    /// Applies the migrations this binary carries that the database lacks;
    /// returns the versions applied.
    pub async fn migrate(&self) -> Result<Vec<i64>> {
        migrate::run(&self.pools).await
    }

    /// True when the database answers.
    pub async fn ping(&self) -> bool {
        let Ok(mut c) = self.pools.read().await else {
            return false;
        };
        c.conn().raw_all::<(i64,)>("SELECT 1", "SELECT 1::BIGINT", vec![]).await.is_ok()
    }

    pub async fn close(&self) {
        match &self.pools {
            Pools::Sqlite { read, write } => {
                read.close().await;
                write.close().await;
            }
            Pools::Postgres(p) => p.close().await,
        }
    }

    /// Sets what is done with each message the group-commit writer stored,
    /// in commit order, before its caller hears of it (the server publishes
    /// `message.created`). One per store and its clones: a new one replaces it.
    pub fn on_message_created(&self, hook: MessageHook) {
        self.writer.set_hook(hook)
    }

    async fn tx(&self) -> Result<Tx> {
        Tx::begin(&self.pools).await
    }

    // ---- settings: small key/value facts (setup token, instance id) ----

    pub async fn setting(&self, key: &str) -> Result<Option<String>> {
        use sea_query::{Expr, ExprTrait, Query};
        let q = Query::select().column("value").from("settings").and_where(Expr::col("key").eq(key)).to_owned();
        let mut c = self.pools.read().await?;
        Ok(c.conn().opt::<(String,)>(&q).await?.map(|r| r.0))
    }

    pub async fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        use sea_query::{OnConflict, Query};
        let q = Query::insert()
            .into_table("settings")
            .columns(["key", "value"])
            .values_panic([key.into(), value.into()])
            .on_conflict(OnConflict::column("key").update_column("value").to_owned())
            .to_owned();
        let mut tx = self.tx().await?;
        tx.conn().exec(&q).await?;
        tx.commit().await
    }

    pub async fn delete_setting(&self, key: &str) -> Result<()> {
        use sea_query::{Expr, ExprTrait, Query};
        let q = Query::delete().from_table("settings").and_where(Expr::col("key").eq(key)).to_owned();
        let mut tx = self.tx().await?;
        tx.conn().exec(&q).await?;
        tx.commit().await
    }
}
