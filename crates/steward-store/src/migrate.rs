//! Embedded migrations, one folder per backend. Each runs in its own
//! transaction and is recorded in `steward_migrations`; on PostgreSQL an
//! advisory lock keeps two nodes starting together from racing.

use crate::db::Pools;
use crate::{Result, StoreError, now_ms};
use sqlx::{AssertSqlSafe, Connection};

struct Migration {
    version: i64,
    sqlite: &'static str,
    postgres: &'static str,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        sqlite: include_str!("../migrations/sqlite/0001_init.sql"),
        postgres: include_str!("../migrations/postgres/0001_init.sql"),
    },
    Migration {
        version: 2,
        sqlite: include_str!("../migrations/sqlite/0002_room_policy.sql"),
        postgres: include_str!("../migrations/postgres/0002_room_policy.sql"),
    },
    Migration {
        version: 3,
        sqlite: include_str!("../migrations/sqlite/0003_audit.sql"),
        postgres: include_str!("../migrations/postgres/0003_audit.sql"),
    },
    Migration {
        version: 4,
        sqlite: include_str!("../migrations/sqlite/0004_totp.sql"),
        postgres: include_str!("../migrations/postgres/0004_totp.sql"),
    },
    Migration {
        version: 5,
        sqlite: include_str!("../migrations/sqlite/0005_invites.sql"),
        postgres: include_str!("../migrations/postgres/0005_invites.sql"),
    },
    Migration {
        version: 6,
        sqlite: include_str!("../migrations/sqlite/0006_password_resets.sql"),
        postgres: include_str!("../migrations/postgres/0006_password_resets.sql"),
    },
    Migration {
        version: 7,
        sqlite: include_str!("../migrations/sqlite/0007_api_tokens.sql"),
        postgres: include_str!("../migrations/postgres/0007_api_tokens.sql"),
    },
    Migration {
        version: 8,
        sqlite: include_str!("../migrations/sqlite/0008_custom_roles.sql"),
        postgres: include_str!("../migrations/postgres/0008_custom_roles.sql"),
    },
    Migration {
        version: 9,
        sqlite: include_str!("../migrations/sqlite/0009_retention.sql"),
        postgres: include_str!("../migrations/postgres/0009_retention.sql"),
    },
    Migration {
        version: 10,
        sqlite: include_str!("../migrations/sqlite/0010_invite_email.sql"),
        postgres: include_str!("../migrations/postgres/0010_invite_email.sql"),
    },
    Migration {
        version: 11,
        sqlite: include_str!("../migrations/sqlite/0011_moderation.sql"),
        postgres: include_str!("../migrations/postgres/0011_moderation.sql"),
    },
    Migration {
        version: 12,
        sqlite: include_str!("../migrations/sqlite/0012_ban_lists.sql"),
        postgres: include_str!("../migrations/postgres/0012_ban_lists.sql"),
    },
    Migration {
        version: 13,
        sqlite: include_str!("../migrations/sqlite/0013_support.sql"),
        postgres: include_str!("../migrations/postgres/0013_support.sql"),
    },
    Migration {
        version: 14,
        sqlite: include_str!("../migrations/sqlite/0014_faq.sql"),
        postgres: include_str!("../migrations/postgres/0014_faq.sql"),
    },
    Migration {
        version: 15,
        sqlite: include_str!("../migrations/sqlite/0015_room_notes.sql"),
        postgres: include_str!("../migrations/postgres/0015_room_notes.sql"),
    },
    Migration {
        version: 16,
        sqlite: include_str!("../migrations/sqlite/0016_webhooks.sql"),
        postgres: include_str!("../migrations/postgres/0016_webhooks.sql"),
    },
    Migration {
        version: 17,
        sqlite: include_str!("../migrations/sqlite/0017_job_leases.sql"),
        postgres: include_str!("../migrations/postgres/0017_job_leases.sql"),
    },
    Migration {
        version: 18,
        sqlite: include_str!("../migrations/sqlite/0018_room_mention_index.sql"),
        postgres: include_str!("../migrations/postgres/0018_room_mention_index.sql"),
    },
];

const LEDGER: &str =
    "CREATE TABLE IF NOT EXISTS steward_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)";
const PG_LOCK: i64 = 0x0053_5445_5741_5244; // "STEWARD"

pub(crate) async fn run(pools: &Pools) -> Result<Vec<i64>> {
    let mut applied = Vec::new();
    match pools {
        Pools::Sqlite { write, .. } => {
            let mut conn = write.acquire().await?;
            sqlx::raw_sql(LEDGER).execute(&mut *conn).await?;
            let done: Vec<(i64,)> =
                sqlx::query_as("SELECT version FROM steward_migrations").fetch_all(&mut *conn).await?;
            for m in MIGRATIONS.iter().filter(|m| !done.iter().any(|d| d.0 == m.version)) {
                let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
                let step = async {
                    sqlx::raw_sql(AssertSqlSafe(m.sqlite)).execute(&mut *tx).await?;
                    sqlx::query("INSERT INTO steward_migrations (version, applied_at) VALUES (?, ?)")
                        .bind(m.version)
                        .bind(now_ms())
                        .execute(&mut *tx)
                        .await?;
                    Ok::<_, sqlx::Error>(())
                };
                step.await.map_err(|source| StoreError::Migration { version: m.version, source })?;
                tx.commit().await?;
                applied.push(m.version);
            }
        }
        Pools::Postgres(pool) => {
            let mut conn = pool.acquire().await?;
            sqlx::query("SELECT pg_advisory_lock($1)").bind(PG_LOCK).execute(&mut *conn).await?;
            let result = async {
                sqlx::raw_sql(LEDGER).execute(&mut *conn).await?;
                let done: Vec<(i64,)> =
                    sqlx::query_as("SELECT version FROM steward_migrations").fetch_all(&mut *conn).await?;
                for m in MIGRATIONS.iter().filter(|m| !done.iter().any(|d| d.0 == m.version)) {
                    let mut tx = conn.begin().await?;
                    let step = async {
                        sqlx::raw_sql(AssertSqlSafe(m.postgres)).execute(&mut *tx).await?;
                        sqlx::query("INSERT INTO steward_migrations (version, applied_at) VALUES ($1, $2)")
                            .bind(m.version)
                            .bind(now_ms())
                            .execute(&mut *tx)
                            .await?;
                        Ok::<_, sqlx::Error>(())
                    };
                    step.await.map_err(|source| StoreError::Migration { version: m.version, source })?;
                    tx.commit().await?;
                    applied.push(m.version);
                }
                Ok::<_, StoreError>(())
            }
            .await;
            sqlx::query("SELECT pg_advisory_unlock($1)").bind(PG_LOCK).execute(&mut *conn).await?;
            result?;
        }
    }
    Ok(applied)
}
