//! The two backends behind one executor. A query is defined once with
//! sea-query and built for the backend at hand; rows decode into the same
//! `FromRow` structs on both.

use sea_query::{PostgresQueryBuilder, SqliteQueryBuilder};
use sea_query_sqlx::{SqlxBinder, SqlxValues};
use sqlx::postgres::{PgConnection, PgPool, PgRow};
use sqlx::sqlite::{SqliteConnection, SqlitePool, SqliteRow};
use sqlx::{AssertSqlSafe, FromRow};

use crate::StoreError;

/// A row type both backends can decode.
pub(crate) trait Row: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin {}
impl<T> Row for T where T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin {}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
pub(crate) enum Pools {
    /// SQLite allows one writer: writes go through a pool of one connection
    /// (queued in-process instead of failing with SQLITE_BUSY); reads use many.
    Sqlite {
        read: SqlitePool,
        write: SqlitePool,
    },
    Postgres(PgPool),
}

/// One connection of either backend, borrowed for a few statements.
pub(crate) enum Conn<'c> {
    Sqlite(&'c mut SqliteConnection),
    Postgres(&'c mut PgConnection),
}

macro_rules! dispatch {
    ($self:ident, $stmt:ident, |$sql:ident, $vals:ident, $c:ident| $body:expr) => {
        match $self {
            Conn::Sqlite($c) => {
                let ($sql, $vals) = $stmt.build_sqlx(SqliteQueryBuilder);
                $body
            }
            Conn::Postgres($c) => {
                let ($sql, $vals) = $stmt.build_sqlx(PostgresQueryBuilder);
                $body
            }
        }
    };
}

impl Conn<'_> {
    pub fn backend(&self) -> Backend {
        match self {
            Conn::Sqlite(_) => Backend::Sqlite,
            Conn::Postgres(_) => Backend::Postgres,
        }
    }

    pub async fn all<T: Row>(&mut self, stmt: &impl SqlxBinder) -> Result<Vec<T>, StoreError> {
        Ok(dispatch!(self, stmt, |sql, vals, c| {
            sqlx::query_as_with::<_, T, SqlxValues>(AssertSqlSafe(sql), vals).fetch_all(&mut **c).await?
        }))
    }

    pub async fn opt<T: Row>(&mut self, stmt: &impl SqlxBinder) -> Result<Option<T>, StoreError> {
        Ok(dispatch!(self, stmt, |sql, vals, c| {
            sqlx::query_as_with::<_, T, SqlxValues>(AssertSqlSafe(sql), vals).fetch_optional(&mut **c).await?
        }))
    }

    pub async fn one<T: Row>(&mut self, stmt: &impl SqlxBinder) -> Result<T, StoreError> {
        self.opt(stmt).await?.ok_or(StoreError::NotFound)
    }

    /// Runs a statement; returns the number of rows it touched.
    pub async fn exec(&mut self, stmt: &impl SqlxBinder) -> Result<u64, StoreError> {
        Ok(dispatch!(self, stmt, |sql, vals, c| {
            sqlx::query_with(AssertSqlSafe(sql), vals).execute(&mut **c).await?.rows_affected()
        }))
    }

    /// Backend-specific SQL with values bound in order (`?` on SQLite, `$n` on PostgreSQL).
    pub async fn raw_all<T: Row>(
        &mut self,
        sqlite: &str,
        postgres: &str,
        values: Vec<sea_query::Value>,
    ) -> Result<Vec<T>, StoreError> {
        let vals = SqlxValues(sea_query::Values(values));
        Ok(match self {
            Conn::Sqlite(c) => {
                sqlx::query_as_with::<_, T, SqlxValues>(AssertSqlSafe(sqlite.to_string()), vals)
                    .fetch_all(&mut **c)
                    .await?
            }
            Conn::Postgres(c) => {
                sqlx::query_as_with::<_, T, SqlxValues>(AssertSqlSafe(postgres.to_string()), vals)
                    .fetch_all(&mut **c)
                    .await?
            }
        })
    }

    pub async fn raw_exec(
        &mut self,
        sqlite: &str,
        postgres: &str,
        values: Vec<sea_query::Value>,
    ) -> Result<u64, StoreError> {
        let vals = SqlxValues(sea_query::Values(values));
        Ok(match self {
            Conn::Sqlite(c) => {
                sqlx::query_with(AssertSqlSafe(sqlite.to_string()), vals).execute(&mut **c).await?.rows_affected()
            }
            Conn::Postgres(c) => {
                sqlx::query_with(AssertSqlSafe(postgres.to_string()), vals).execute(&mut **c).await?.rows_affected()
            }
        })
    }
}

/// A write transaction on either backend; rolls back when dropped uncommitted.
pub(crate) enum Tx {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

impl Tx {
    pub async fn begin(pools: &Pools) -> Result<Tx, StoreError> {
        match pools {
            // IMMEDIATE takes the write lock now, so a read-then-write
            // transaction cannot fail half-way with SQLITE_BUSY.
            Pools::Sqlite { write, .. } => Ok(Tx::Sqlite(write.begin_with("BEGIN IMMEDIATE").await?)),
            Pools::Postgres(pool) => Ok(Tx::Postgres(pool.begin().await?)),
        }
    }

    pub fn conn(&mut self) -> Conn<'_> {
        match self {
            Tx::Sqlite(t) => Conn::Sqlite(t),
            Tx::Postgres(t) => Conn::Postgres(t),
        }
    }

    pub async fn commit(self) -> Result<(), StoreError> {
        match self {
            Tx::Sqlite(t) => Ok(t.commit().await?),
            Tx::Postgres(t) => Ok(t.commit().await?),
        }
    }
}

impl Pools {
    pub async fn read(&self) -> Result<ReadConn, StoreError> {
        Ok(match self {
            Pools::Sqlite { read, .. } => ReadConn::Sqlite(read.acquire().await?),
            Pools::Postgres(p) => ReadConn::Postgres(p.acquire().await?),
        })
    }
}

pub(crate) enum ReadConn {
    Sqlite(sqlx::pool::PoolConnection<sqlx::Sqlite>),
    Postgres(sqlx::pool::PoolConnection<sqlx::Postgres>),
}

impl ReadConn {
    pub fn conn(&mut self) -> Conn<'_> {
        match self {
            ReadConn::Sqlite(c) => Conn::Sqlite(c),
            ReadConn::Postgres(c) => Conn::Postgres(c),
        }
    }
}
