//! Fresh databases for tests: a SQLite file in a temporary folder, or a new
//! schema in the PostgreSQL named by `STEWARD_TEST_POSTGRES_URL`, dropped
//! afterwards. Used by this crate's conformance suite and the server's tests.

use std::path::PathBuf;

use crate::{Store, StoreOptions};

pub const POSTGRES_ENV: &str = "STEWARD_TEST_POSTGRES_URL";
/// When set (CI sets it), a missing PostgreSQL URL fails the test instead of skipping it.
pub const REQUIRE_POSTGRES_ENV: &str = "STEWARD_REQUIRE_POSTGRES";

pub enum TestDb {
    Sqlite { dir: PathBuf, url: String },
    Postgres { base_url: String, schema: String, url: String },
}

fn unique_suffix() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    format!("{}_{}_{}", std::process::id(), nanos % 1_000_000_000, N.fetch_add(1, Ordering::Relaxed))
}

impl TestDb {
    pub fn sqlite() -> TestDb {
        let dir = std::env::temp_dir().join(format!("steward-test-{}", unique_suffix()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let url = format!("sqlite:{}", dir.join("steward.db").display());
        TestDb::Sqlite { dir, url }
    }

    /// A fresh schema, or `None` (with a loud message) when no PostgreSQL is
    /// configured. Panics instead when `STEWARD_REQUIRE_POSTGRES` is set.
    pub async fn postgres() -> Option<TestDb> {
        let Ok(base_url) = std::env::var(POSTGRES_ENV) else {
            if std::env::var_os(REQUIRE_POSTGRES_ENV).is_some() {
                panic!("{REQUIRE_POSTGRES_ENV} is set but {POSTGRES_ENV} is not: the PostgreSQL suite must run");
            }
            eprintln!(
                "SKIPPED: PostgreSQL test — set {POSTGRES_ENV}=postgres://postgres@127.0.0.1:5432/test to run it"
            );
            return None;
        };
        let schema = format!("steward_t_{}", unique_suffix());
        let mut conn =
            <sqlx::PgConnection as sqlx::Connection>::connect(&base_url).await.expect("connect to test postgres");
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
            .execute(&mut conn)
            .await
            .expect("create test schema");
        let sep = if base_url.contains('?') { '&' } else { '?' };
        let url = format!("{base_url}{sep}options[search_path]={schema}");
        Some(TestDb::Postgres { base_url, schema, url })
    }

    pub fn url(&self) -> &str {
        match self {
            TestDb::Sqlite { url, .. } | TestDb::Postgres { url, .. } => url,
        }
    }

    pub fn data_dir(&self) -> Option<&std::path::Path> {
        match self {
            TestDb::Sqlite { dir, .. } => Some(dir),
            TestDb::Postgres { .. } => None,
        }
    }

    /// Opens and migrates the store.
    pub async fn store(&self) -> Store {
        let opts = StoreOptions { max_connections: 8, ..StoreOptions::default() };
        let store = Store::open(self.url(), &opts).await.expect("open test store");
        store.migrate().await.expect("migrate test store");
        store
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match self {
            TestDb::Sqlite { dir, .. } => {
                let _ = std::fs::remove_dir_all(dir);
            }
            TestDb::Postgres { base_url, schema, .. } => {
                let (url, schema) = (base_url.clone(), schema.clone());
                // Drop runs inside the test's runtime; use a thread of our own.
                let _ = std::thread::spawn(move || {
                    let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
                        return;
                    };
                    rt.block_on(async {
                        if let Ok(mut c) = <sqlx::PgConnection as sqlx::Connection>::connect(&url).await {
                            let _ =
                                sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP SCHEMA IF EXISTS {schema} CASCADE")))
                                    .execute(&mut c)
                                    .await;
                        }
                    });
                })
                .join();
            }
        }
    }
}

impl Store {
    /// Tests only: moves a room's messages (and their events) `by_ms` into
    /// the past, so retention has something old to remove.
    pub async fn backdate_room_for_tests(&self, room_id: i64, by_ms: i64) -> crate::Result<()> {
        use sea_query::{Expr, ExprTrait, Query};
        let mut tx = self.tx().await?;
        for table in ["messages", "room_events"] {
            let q = Query::update()
                .table(table)
                .value("created_at", Expr::col("created_at").sub(by_ms))
                .and_where(Expr::col("room_id").eq(room_id))
                .to_owned();
            tx.conn().exec(&q).await?;
        }
        tx.commit().await
    }
}
