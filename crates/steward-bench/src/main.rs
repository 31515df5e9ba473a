//! Steward benchmarks. The server runs as its own process (the release
//! `steward` binary, pinned to CPU 0 when `taskset` exists); the load comes
//! from this process (pinned to CPU 1). Each workload prints its figures next
//! to a baseline measured in the same run.
//!
//!   cargo build --release -p steward -p steward-bench
//!   target/release/steward-bench idle --connections 5000
//!   target/release/steward-bench accept --db sqlite
//!   target/release/steward-bench accept --db postgres
//!   target/release/steward-bench moderation
//!   target/release/steward-bench faq   # no server: FAQ matching latency
//!   target/release/steward-bench read --db sqlite|postgres   # W5 history, W6 search on 1M messages

mod fanout;
mod faq;
mod moderation;
mod read;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::{Parser, Subcommand, ValueEnum};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use steward_store::testing::TestDb;
use tokio_tungstenite::tungstenite::Message;

#[derive(Parser)]
#[command(about = "Steward benchmarks")]
struct Cli {
    /// The steward binary (default: next to this one).
    #[arg(long, global = true)]
    steward: Option<PathBuf>,
    #[command(subcommand)]
    workload: Workload,
}

#[derive(Clone, Copy, ValueEnum, Debug, PartialEq)]
enum Db {
    Sqlite,
    Postgres,
}

#[derive(Subcommand)]
enum Workload {
    /// Moderation engine throughput on one thread (no server), against bare Aho-Corasick.
    Moderation {
        /// Word-list entries (presets plus generated keywords).
        #[arg(long, default_value_t = 10_000)]
        patterns: usize,
        #[arg(long, default_value_t = 200_000)]
        messages: usize,
        #[arg(long, default_value_t = 5)]
        runs: usize,
    },
    /// Idle authenticated WebSocket connections: server RSS per connection and connects/s.
    Idle {
        #[arg(long, default_value_t = 5000)]
        connections: usize,
        #[arg(long, value_enum, default_value_t = Db::Sqlite)]
        db: Db,
    },
    /// Messages accepted and acknowledged through the full path (gateway `send`
    /// → auth, access, store, fan-out → `ack`), against raw batched inserts.
    Accept {
        #[arg(long, value_enum, default_value_t = Db::Sqlite)]
        db: Db,
        /// Sending connections.
        #[arg(long, default_value_t = 64)]
        clients: usize,
        /// Messages in flight per connection.
        #[arg(long, default_value_t = 4)]
        window: usize,
        #[arg(long, default_value_t = 20000)]
        messages: usize,
        /// Rooms the clients spread over.
        #[arg(long, default_value_t = 16)]
        rooms: usize,
        /// Repetitions; medians are reported.
        #[arg(long, default_value_t = 3)]
        runs: usize,
        /// SQLite durability: full (fsync per commit) or normal.
        #[arg(long, default_value = "full")]
        sqlite_sync: String,
        /// Turn on the built-in moderation rules (word lists, spam phrases) for the run.
        #[arg(long)]
        rules: bool,
    },
    /// W5 history pages and W6 search on one seeded room, over HTTP against the store read directly.
    Read {
        #[arg(long, value_enum, default_value_t = Db::Sqlite)]
        db: Db,
        #[arg(long, default_value_t = 1_000_000)]
        messages: usize,
        /// Requests per measured series.
        #[arg(long, default_value_t = 4000)]
        requests: usize,
        /// Concurrent HTTP clients.
        #[arg(long, default_value_t = 8)]
        clients: usize,
    },
    /// W3 fan-out: one big room, everyone connected, against a bare broadcast hub.
    Fanout {
        #[arg(long, value_enum, default_value_t = Db::Sqlite)]
        db: Db,
        #[arg(long, default_value_t = 1000)]
        members: usize,
        #[arg(long, default_value_t = 10)]
        senders: usize,
        /// Messages per second offered (deliveries = this × members).
        #[arg(long, default_value_t = 100.0)]
        rate: f64,
        #[arg(long, default_value_t = 10.0)]
        secs: f64,
    },
    /// The bare broadcast hub W3 compares with (started by `fanout`).
    #[command(hide = true)]
    Hub {
        #[arg(long)]
        port: u16,
    },
    /// FAQ matching latency per question on a generated knowledge base (in process, no server).
    Faq {
        #[arg(long, default_value_t = 5000)]
        entries: usize,
        #[arg(long, default_value_t = 20000)]
        questions: usize,
    },
}

struct Server {
    child: Child,
    base: String,
    ws: String,
    env: Vec<(String, String)>,
    bin: PathBuf,
    db: TestDb,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn has_taskset() -> bool {
    Command::new("taskset").arg("-V").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok_and(|s| s.success())
}

impl Server {
    /// Starts a server with the owner `bench` and `users` more accounts `bench-0`, `bench-1`, ….
    async fn start(bin: &Path, db: Db, extra: &[(&str, &str)], users: usize) -> anyhow::Result<Server> {
        let testdb = match db {
            Db::Sqlite => TestDb::sqlite(),
            Db::Postgres => {
                if std::env::var(steward_store::testing::POSTGRES_ENV).is_err() {
                    // SAFETY: set before any other thread reads the environment.
                    unsafe {
                        std::env::set_var(
                            steward_store::testing::POSTGRES_ENV,
                            "postgres://postgres@127.0.0.1:5432/test",
                        )
                    };
                }
                TestDb::postgres().await.context("PostgreSQL")?
            }
        };
        let dir = tempfile::tempdir()?;
        let port = free_port()?;
        let mut env: Vec<(String, String)> = vec![
            ("STEWARD_DATA_DIR".into(), dir.path().display().to_string()),
            ("STEWARD_BIND".into(), format!("127.0.0.1:{port}")),
            ("STEWARD_DATABASE_URL".into(), testdb.url().to_string()),
            ("STEWARD_LOG".into(), "warn".into()),
            ("STEWARD_GATEWAY_OPS_PER_MINUTE".into(), "10000000".into()),
        ];
        env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let run = |args: &[&str], input: Option<&str>| -> anyhow::Result<String> {
            let mut cmd = Command::new(bin);
            cmd.args(args).envs(env.iter().map(|(k, v)| (k, v))).stdin(Stdio::piped()).stdout(Stdio::piped());
            let mut child = cmd.spawn().with_context(|| format!("cannot run {}", bin.display()))?;
            if let (Some(text), Some(mut stdin)) = (input, child.stdin.take()) {
                use std::io::Write;
                stdin.write_all(text.as_bytes())?;
            }
            let out = child.wait_with_output()?;
            if !out.status.success() {
                bail!("{} {:?} failed", bin.display(), args);
            }
            Ok(String::from_utf8_lossy(&out.stdout).to_string())
        };
        run(
            &["user", "add", "--username", "bench", "--role", "owner", "--password-stdin"],
            Some("bench-password-1\n"),
        )?;
        for i in 0..users {
            let name = format!("bench-{i}");
            let args = ["user", "add", "--username", &name, "--role", "member", "--password-stdin"];
            run(&args, Some("bench-password-1\n"))?;
        }
        let mut cmd = if has_taskset() {
            let mut c = Command::new("taskset");
            c.arg("-c").arg("0").arg(bin);
            c
        } else {
            Command::new(bin)
        };
        let child = cmd.arg("serve").envs(env.iter().map(|(k, v)| (k, v))).stdout(Stdio::null()).spawn()?;
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        for _ in 0..200 {
            if http.get(format!("{base}/healthz")).send().await.is_ok_and(|r| r.status().is_success()) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(Server {
            child,
            ws: format!("ws://127.0.0.1:{port}/api/v1/gateway"),
            base,
            env,
            bin: bin.to_path_buf(),
            db: testdb,
            _dir: dir,
        })
    }

    /// The server's resident memory in bytes (the process itself, not taskset).
    fn rss(&self) -> anyhow::Result<u64> {
        let pid = self.child.id();
        // With taskset the child execs steward in place, so the pid is the server's.
        let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
        let kb: u64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .context("VmRSS")?;
        Ok(kb * 1024)
    }

    async fn token(&self, username: &str) -> anyhow::Result<String> {
        let v: Value = reqwest::Client::new()
            .post(format!("{}/api/v1/auth/login", self.base))
            .json(&json!({ "username": username, "password": "bench-password-1" }))
            .send()
            .await?
            .json()
            .await?;
        v["token"].as_str().map(str::to_string).with_context(|| format!("login as {username}: {v}"))
    }

    async fn room(&self, token: &str, name: &str) -> anyhow::Result<i64> {
        let v: Value = reqwest::Client::new()
            .post(format!("{}/api/v1/rooms", self.base))
            .bearer_auth(token)
            .json(&json!({ "name": name, "kind": "channel" }))
            .send()
            .await?
            .json()
            .await?;
        v["id"].as_i64().context("room id")
    }

    async fn join(&self, token: &str, room: i64) -> anyhow::Result<()> {
        let r = reqwest::Client::new()
            .post(format!("{}/api/v1/rooms/{room}/join", self.base))
            .bearer_auth(token)
            .send()
            .await?;
        if !r.status().is_success() {
            bail!("join failed: {}", r.status());
        }
        Ok(())
    }
}

type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(url: &str) -> anyhow::Result<Ws> {
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await?;
    // hello, then an empty resume and its ready.
    ws.next().await.context("hello")??;
    ws.send(Message::Text(json!({ "op": "resume", "rooms": {} }).to_string().into())).await?;
    loop {
        if let Message::Text(t) = ws.next().await.context("ready")??
            && t.contains("\"ready\"")
        {
            return Ok(ws);
        }
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    if v.is_empty() { 0.0 } else { v[v.len() / 2] }
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

async fn idle(bin: &Path, n: usize, db: Db) -> anyhow::Result<()> {
    let server = Server::start(bin, db, &[], 0).await?;
    let token = server.token("bench").await?;
    let url = format!("{}?token={token}", server.ws);
    // Warm up: one connection, so per-process costs are already paid.
    drop(connect(&url).await?);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = server.rss()?;
    let started = Instant::now();
    let sem = Arc::new(tokio::sync::Semaphore::new(256));
    let mut tasks = Vec::with_capacity(n);
    for _ in 0..n {
        let url = url.clone();
        let sem = sem.clone();
        tasks.push(tokio::spawn(async move {
            let _p = sem.acquire().await;
            connect(&url).await
        }));
    }
    let mut conns = Vec::with_capacity(n);
    for t in tasks {
        conns.push(t.await??);
    }
    let elapsed = started.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = server.rss()?;
    let per = (after.saturating_sub(before)) as f64 / n as f64;
    println!("W1 idle connections ({db:?})");
    println!("  connections          {n}");
    println!("  server RSS before    {:.1} MiB", before as f64 / 1048576.0);
    println!("  server RSS after     {:.1} MiB", after as f64 / 1048576.0);
    println!("  RSS per connection   {:.1} KiB", per / 1024.0);
    println!("  connects/s           {:.0} (auth + hello + resume + ready, 256 at a time)", n as f64 / elapsed);
    drop(conns);
    Ok(())
}

struct AcceptRun {
    rate: f64,
    p50_ms: f64,
    p99_ms: f64,
}

/// Each client is its own person, in one room: `rooms[i % rooms.len()]`.
async fn accept_once(
    server: &Server,
    tokens: &[String],
    rooms: &[i64],
    window: usize,
    messages: usize,
) -> anyhow::Result<AcceptRun> {
    let clients = tokens.len();
    let per_client = messages / clients;
    let mut conns = Vec::new();
    for token in tokens {
        conns.push(connect(&format!("{}?token={token}", server.ws)).await?);
    }
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (i, ws) in conns.into_iter().enumerate() {
        let room = rooms[i % rooms.len()];
        tasks.push(tokio::spawn(async move {
            let (mut tx, mut rx) = ws.split();
            let mut lat = Vec::with_capacity(per_client);
            let mut sent_at: std::collections::HashMap<String, Instant> = Default::default();
            let mut sent = 0usize;
            let mut acked = 0usize;
            let run = uuid_ish();
            while acked < per_client {
                while sent < per_client && sent - acked < window {
                    let nonce = format!("{run}-{i}-{sent}");
                    sent_at.insert(nonce.clone(), Instant::now());
                    let frame = json!({ "op": "send", "room_id": room, "body": format!("benchmark message {sent} from client {i}"), "nonce": nonce });
                    tx.send(Message::Text(frame.to_string().into())).await?;
                    sent += 1;
                }
                let Some(msg) = rx.next().await else { bail!("connection closed") };
                let msg = msg?;
                if let Message::Close(frame) = &msg {
                    bail!("server closed the connection: {frame:?}");
                }
                if let Message::Text(t) = msg {
                    if t.starts_with("{\"type\":\"ack\"") || t.contains("\"type\":\"ack\"") {
                        let v: Value = serde_json::from_str(&t)?;
                        if let Some(at) = v["nonce"].as_str().and_then(|n| sent_at.remove(n)) {
                            lat.push(at.elapsed().as_secs_f64() * 1000.0);
                            acked += 1;
                        }
                    } else if t.contains("\"type\":\"error\"") {
                        bail!("server refused a message: {t}");
                    }
                }
            }
            anyhow::Ok(lat)
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await??);
    }
    let secs = started.elapsed().as_secs_f64();
    all.sort_by(|a, b| a.total_cmp(b));
    Ok(AcceptRun { rate: all.len() as f64 / secs, p50_ms: pct(&all, 0.5), p99_ms: pct(&all, 0.99) })
}

fn uuid_ish() -> String {
    format!(
        "{:x}",
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0)
    )
}

#[allow(clippy::too_many_arguments)]
async fn accept(
    bin: &Path,
    db: Db,
    clients: usize,
    window: usize,
    messages: usize,
    rooms: usize,
    runs: usize,
    sync: &str,
    rules: bool,
) -> anyhow::Result<()> {
    let server = Server::start(bin, db, &[("STEWARD_SQLITE_SYNC", sync)], clients).await?;
    let token = server.token("bench").await?;
    if rules {
        // The suggested starting set: every message goes through normalisation and the word lists.
        let http = reqwest::Client::new();
        let v: Value = http
            .get(format!("{}/api/v1/moderation/rules", server.base))
            .bearer_auth(&token)
            .send()
            .await?
            .json()
            .await?;
        let r = http
            .put(format!("{}/api/v1/moderation/rules", server.base))
            .bearer_auth(&token)
            .json(&json!({ "rules": v["suggested"] }))
            .send()
            .await?;
        anyhow::ensure!(r.status().is_success(), "rules not set: {}", r.text().await?);
    }
    let mut room_ids = Vec::new();
    for r in 0..rooms.max(1) {
        room_ids.push(server.room(&token, &format!("bench-{r}")).await?);
    }
    let mut tokens = Vec::new();
    for i in 0..clients {
        let t = server.token(&format!("bench-{i}")).await?;
        server.join(&t, room_ids[i % room_ids.len()]).await?;
        tokens.push(t);
    }
    let baseline_room = server.room(&token, "baseline").await?;
    // The baseline writes into the same database from this process.
    let store = steward_store::Store::open(
        &server.env.iter().find(|(k, _)| k == "STEWARD_DATABASE_URL").map(|x| x.1.clone()).unwrap_or_default(),
        &steward_store::StoreOptions {
            max_connections: 4,
            sqlite_durability: if sync == "normal" {
                steward_store::SqliteDurability::Normal
            } else {
                steward_store::SqliteDurability::Full
            },
        },
    )
    .await?;
    let author = store.user_by_username("bench").await?.context("bench user")?.id;
    let mut base_rates = Vec::new();
    let mut rates = Vec::new();
    let mut p50 = Vec::new();
    let mut p99 = Vec::new();
    for run in 0..runs {
        let t = Instant::now();
        store.raw_insert_baseline(baseline_room, author, messages, 100).await?;
        base_rates.push(messages as f64 / t.elapsed().as_secs_f64());
        let r = accept_once(&server, &tokens, &room_ids, window, messages).await?;
        eprintln!(
            "  run {}: full path {:.0}/s (p50 {:.1} ms, p99 {:.1} ms); baseline {:.0}/s",
            run + 1,
            r.rate,
            r.p50_ms,
            r.p99_ms,
            base_rates[run]
        );
        rates.push(r.rate);
        p50.push(r.p50_ms);
        p99.push(r.p99_ms);
    }
    let (rate, base) = (median(rates), median(base_rates));
    let _ = &server.bin;
    println!(
        "W2 durable accept ({db:?}, sqlite sync {sync}, moderation rules {}, {clients} connections × window {window}, {rooms} rooms, {messages} messages, median of {runs})",
        if rules { "on" } else { "off" }
    );
    println!("  full path            {rate:.0} messages/s acknowledged");
    println!("  ack latency          p50 {:.1} ms, p99 {:.1} ms", median(p50), median(p99));
    println!("  baseline             {base:.0} rows/s (raw INSERT, 100 rows per transaction)");
    println!("  ratio                {:.2} of baseline", rate / base);
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    if let Workload::Moderation { patterns, messages, runs } = cli.workload {
        return moderation::run(patterns, messages, runs);
    }
    if let Workload::Faq { entries, questions } = cli.workload {
        return faq::run(entries, questions);
    }
    if let Workload::Hub { port } = cli.workload {
        return fanout::hub(port).await;
    }
    if has_taskset() {
        // The load generator stays off the server's core.
        let _ = Command::new("taskset")
            .args(["-p", "-c", "1", &std::process::id().to_string()])
            .stdout(Stdio::null())
            .status();
    }
    let bin = match cli.steward {
        Some(p) => p,
        None => std::env::current_exe()?.parent().context("exe dir")?.join("steward"),
    };
    if !bin.exists() {
        bail!("{} not found: cargo build --release -p steward (or pass --steward PATH)", bin.display());
    }
    match cli.workload {
        Workload::Moderation { .. } => Ok(()),
        Workload::Idle { connections, db } => idle(&bin, connections, db).await,
        Workload::Fanout { db, members, senders, rate, secs } => {
            fanout::run(&bin, db, members, senders, rate, secs).await
        }
        Workload::Hub { .. } => Ok(()),
        Workload::Read { db, messages, requests, clients } => read::run(&bin, db, messages, requests, clients).await,
        Workload::Accept { db, clients, window, messages, rooms, runs, sqlite_sync, rules } => {
            accept(&bin, db, clients, window, messages, rooms, runs, &sqlite_sync, rules).await
        }
        // Run above: it needs no server binary.
        Workload::Faq { .. } => Ok(()),
    }
}
