//! Configuration: `steward.toml` (optional), overridden by `STEWARD_*`
//! environment variables, overridden by command-line flags.

use std::net::SocketAddr;
use std::path::PathBuf;

use serde::Deserialize;
use steward_store::SqliteDurability;

use crate::client_ip::TrustedProxies;
use crate::secret::{SecretKey, SecretString};

#[derive(Debug, Clone)]
pub struct Config {
    /// Address to listen on (`STEWARD_BIND`, default `127.0.0.1:8080`).
    pub bind: SocketAddr,
    /// Holds the SQLite file and attachments (`STEWARD_DATA_DIR`, default `./steward-data`).
    pub data_dir: PathBuf,
    /// `postgres://…` switches to PostgreSQL (`STEWARD_DATABASE_URL`); empty means SQLite in the data folder.
    pub database_url: Option<String>,
    /// The address people reach Steward at (`STEWARD_PUBLIC_URL`), for links and secure cookies.
    pub public_url: Option<String>,
    /// Largest upload in bytes (`STEWARD_MAX_UPLOAD_BYTES`, default 25 MiB).
    pub max_upload_bytes: usize,
    /// `full` (default) or `normal` (`STEWARD_SQLITE_SYNC`).
    pub sqlite_durability: SqliteDurability,
    /// Events a gateway connection may have queued before it is dropped as too slow.
    pub gateway_queue: usize,
    /// API requests one session token (or, signed out, one IP) may make per
    /// minute (`STEWARD_API_REQUESTS_PER_MINUTE`, default 1200; the burst is a tenth, at least 20).
    pub api_requests_per_minute: u32,
    /// Frames a gateway connection may send per minute (`STEWARD_GATEWAY_OPS_PER_MINUTE`, default 600, burst 60).
    pub gateway_ops_per_minute: u32,
    pub db_max_connections: u32,
    /// Outgoing mail (`STEWARD_SMTP_URL`): `smtps://user:pass@host` (TLS),
    /// `smtp://user:pass@host:587?tls=required` (STARTTLS) or
    /// `smtp://host:25` (plain, for a relay on the same machine). Unset: no e-mail.
    pub smtp_url: Option<String>,
    /// Sender address (`STEWARD_SMTP_FROM`), e.g. `Steward <steward@example.com>`.
    pub smtp_from: Option<String>,
    /// Seals TOTP secrets at rest (`STEWARD_SECRET_KEY`, base64 of 32 bytes).
    /// Unset: `secret.key` in the data folder, created on first start.
    pub secret_key: Option<SecretKey>,
    /// `/metrics` asks for `Authorization: Bearer <token>` (`STEWARD_METRICS_TOKEN`);
    /// unset, it answers only to clients on this machine.
    pub metrics_token: Option<SecretString>,
    /// Reverse proxies whose `X-Forwarded-For` is believed (`STEWARD_TRUSTED_PROXIES`,
    /// comma-separated addresses and CIDR blocks; default none).
    pub trusted_proxies: TrustedProxies,
    /// Several nodes: the NATS server(s) that carry events between them
    /// (`STEWARD_NATS_URL`, e.g. `nats://10.0.0.5:4222`; comma-separated for a
    /// NATS cluster). Unset: one node, events stay in the process. See docs/DEPLOY.md.
    pub nats_url: Option<String>,
    /// Keeps installations that share a NATS server apart: subjects start
    /// with `steward.<name>.` (`STEWARD_CLUSTER_NAME`, default `steward`;
    /// letters, digits, `-`, `_`). Every node of one installation uses the same.
    pub cluster_name: String,
    /// The unit of the webhook retry schedule in milliseconds
    /// (`STEWARD_WEBHOOK_RETRY_UNIT_MS`, default 1000: waits of 10 s, 1 min, 5 min, …).
    /// Tests shrink it; a delivery's lease is 60 units, its request timeout 30 (at most 10 s).
    pub webhook_retry_unit_ms: u64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("./steward-data"),
            database_url: None,
            public_url: None,
            max_upload_bytes: 25 * 1024 * 1024,
            sqlite_durability: SqliteDurability::Full,
            gateway_queue: 512,
            gateway_ops_per_minute: 600,
            api_requests_per_minute: 1200,
            db_max_connections: 16,
            smtp_url: None,
            smtp_from: None,
            secret_key: None,
            metrics_token: None,
            trusted_proxies: TrustedProxies::default(),
            nats_url: None,
            cluster_name: "steward".into(),
            webhook_retry_unit_ms: 1000,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    bind: Option<String>,
    data_dir: Option<PathBuf>,
    database_url: Option<String>,
    public_url: Option<String>,
    max_upload_bytes: Option<usize>,
    sqlite_sync: Option<String>,
    gateway_queue: Option<usize>,
    gateway_ops_per_minute: Option<u32>,
    api_requests_per_minute: Option<u32>,
    db_max_connections: Option<u32>,
    smtp_url: Option<String>,
    smtp_from: Option<String>,
    secret_key: Option<String>,
    metrics_token: Option<String>,
    trusted_proxies: Option<String>,
    nats_url: Option<String>,
    cluster_name: Option<String>,
    webhook_retry_unit_ms: Option<u64>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{path}: {source}")]
    Parse { path: PathBuf, source: toml::de::Error },
    #[error("{name}: {message}")]
    Invalid { name: &'static str, message: String },
}

impl Config {
    /// Reads `path` if given, else `./steward.toml` if present, then the environment.
    pub fn load(path: Option<&std::path::Path>) -> Result<Config, ConfigError> {
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let path = path.map(PathBuf::from).or_else(|| env("STEWARD_CONFIG").map(PathBuf::from)).or_else(|| {
            let p = PathBuf::from("steward.toml");
            p.exists().then_some(p)
        });
        let file = match &path {
            Some(p) => {
                let text =
                    std::fs::read_to_string(p).map_err(|source| ConfigError::Read { path: p.clone(), source })?;
                toml::from_str::<FileConfig>(&text).map_err(|source| ConfigError::Parse { path: p.clone(), source })?
            }
            None => FileConfig::default(),
        };
        let mut c = Config::default();
        if let Some(v) = env("STEWARD_BIND").or(file.bind) {
            c.bind = v.parse().map_err(|_| ConfigError::Invalid {
                name: "bind",
                message: format!("{v:?} is not an address like 127.0.0.1:8080"),
            })?;
        }
        if let Some(v) = env("STEWARD_DATA_DIR").map(PathBuf::from).or(file.data_dir) {
            c.data_dir = v;
        }
        c.database_url = env("STEWARD_DATABASE_URL").or(file.database_url).filter(|s| !s.trim().is_empty());
        c.public_url = env("STEWARD_PUBLIC_URL").or(file.public_url).map(|s| s.trim_end_matches('/').to_string());
        if let Some(v) = env("STEWARD_MAX_UPLOAD_BYTES") {
            c.max_upload_bytes = v.parse().map_err(|_| ConfigError::Invalid {
                name: "max_upload_bytes",
                message: format!("{v:?} is not a number of bytes"),
            })?;
        } else if let Some(v) = file.max_upload_bytes {
            c.max_upload_bytes = v;
        }
        if let Some(v) = env("STEWARD_SQLITE_SYNC").or(file.sqlite_sync) {
            c.sqlite_durability = match v.to_ascii_lowercase().as_str() {
                "full" => SqliteDurability::Full,
                "normal" => SqliteDurability::Normal,
                _ => {
                    return Err(ConfigError::Invalid {
                        name: "sqlite_sync",
                        message: format!("{v:?} is not full or normal"),
                    });
                }
            };
        }
        if let Some(v) = env("STEWARD_API_REQUESTS_PER_MINUTE") {
            c.api_requests_per_minute = v.parse().map_err(|_| ConfigError::Invalid {
                name: "api_requests_per_minute",
                message: format!("{v:?} is not a whole number"),
            })?;
        } else if let Some(v) = file.api_requests_per_minute {
            c.api_requests_per_minute = v;
        }
        if let Some(v) = env("STEWARD_GATEWAY_OPS_PER_MINUTE") {
            c.gateway_ops_per_minute = v.parse().map_err(|_| ConfigError::Invalid {
                name: "gateway_ops_per_minute",
                message: format!("{v:?} is not a whole number"),
            })?;
        } else if let Some(v) = file.gateway_ops_per_minute {
            c.gateway_ops_per_minute = v;
        }
        if let Some(v) = file.gateway_queue {
            c.gateway_queue = v.max(16);
        }
        if let Some(v) = file.db_max_connections {
            c.db_max_connections = v.max(2);
        }
        c.smtp_url = env("STEWARD_SMTP_URL").or(file.smtp_url);
        c.smtp_from = env("STEWARD_SMTP_FROM").or(file.smtp_from);
        if let Some(v) = env("STEWARD_SECRET_KEY").or(file.secret_key) {
            c.secret_key = Some(SecretKey::parse(&v).map_err(|e| ConfigError::Invalid {
                name: "secret_key",
                message: format!("{e} (make one with `openssl rand -base64 32`)"),
            })?);
        }
        c.metrics_token = env("STEWARD_METRICS_TOKEN").or(file.metrics_token).map(SecretString::new);
        if let Some(v) = env("STEWARD_TRUSTED_PROXIES").or(file.trusted_proxies) {
            c.trusted_proxies = TrustedProxies::parse(&v)
                .map_err(|message| ConfigError::Invalid { name: "trusted_proxies", message })?;
        }
        if let Some(v) = env("STEWARD_WEBHOOK_RETRY_UNIT_MS") {
            c.webhook_retry_unit_ms = v.parse().ok().filter(|n| (1..=3_600_000).contains(n)).ok_or_else(|| {
                ConfigError::Invalid { name: "webhook_retry_unit_ms", message: format!("{v:?} is not 1–3600000 ms") }
            })?;
        } else if let Some(v) = file.webhook_retry_unit_ms {
            c.webhook_retry_unit_ms = v.max(1);
        }
        c.nats_url = env("STEWARD_NATS_URL").or(file.nats_url).filter(|s| !s.trim().is_empty());
        if let Some(v) = env("STEWARD_CLUSTER_NAME").or(file.cluster_name) {
            let ok = !v.is_empty()
                && v.len() <= 64
                && v.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_');
            if !ok {
                return Err(ConfigError::Invalid {
                    name: "cluster_name",
                    message: format!("{v:?}: use letters, digits, '-' or '_' (at most 64)"),
                });
            }
            c.cluster_name = v;
        }
        Ok(c)
    }

    /// The database URL in effect: the configured one, or the SQLite file in the data folder.
    pub fn effective_database_url(&self) -> String {
        match &self.database_url {
            Some(u) => u.clone(),
            None => format!("sqlite:{}", self.data_dir.join("steward.db").display()),
        }
    }

    pub fn attachments_dir(&self) -> PathBuf {
        self.data_dir.join("attachments")
    }

    /// Base URL for links printed to the console.
    pub fn base_url(&self) -> String {
        self.public_url.clone().unwrap_or_else(|| format!("http://{}", self.bind))
    }

    pub fn secure_cookies(&self) -> bool {
        self.public_url.as_deref().is_some_and(|u| u.starts_with("https://"))
    }
}
