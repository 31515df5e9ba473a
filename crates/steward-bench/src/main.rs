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
//!   target/release/steward-bench accept --db postgres --nodes 2   # W2: one node, then two on NATS
//!   target/release/steward-bench fanout --rate 100            # W3: 1,000-member room vs a bare hub
//!   target/release/steward-bench fanout --rate 100 --nodes 2  # W3: one node, then two on NATS (PostgreSQL)
//!   target/release/steward-bench mixed --db sqlite            # W4: rooms + big room + support desk + typing
//!   target/release/steward-bench mixed --nodes 2              # W4: one node, then two on NATS (PostgreSQL)
//!   target/release/steward-bench read --db sqlite|postgres   # W5 history, W6 search on 1M messages
//!
//! `--nodes 2` needs NATS (`STEWARD_NATS_URL`, default nats://127.0.0.1:4222); both
//! nodes share CPU 0, so on a 2-core machine it shows what the bus costs, not capacity.

mod fanout;
mod faq;
mod mixed;
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
        /// 2: one node on PostgreSQL, then two nodes (PostgreSQL + NATS, connections half and half).
        #[arg(long, default_value_t = 1)]
        nodes: usize,
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
        /// 2: one node on PostgreSQL, then two nodes (PostgreSQL + NATS, members half and half), in the same run.
        #[arg(long, default_value_t = 1)]
        nodes: usize,
    },
    /// The bare broadcast hub W3 compares with (started by `fanout`).
    #[command(hide = true)]
    Hub {
        #[arg(long)]
        port: u16,
    },
    /// W4 mixed: 200 team rooms, one 1,000-member room, 50 operators with 1,000 widget
    /// visitors, typing; per-class latency, CPU and RSS against the idle server and a bare room hub.
    Mixed {
        #[arg(long, value_enum, default_value_t = Db::Sqlite)]
        db: Db,
        /// Seconds of load per run (and of the idle window).
        #[arg(long, default_value_t = 20.0)]
        secs: f64,
        /// 2: one node on PostgreSQL, then two nodes (PostgreSQL + NATS), in the same run.
        #[arg(long, default_value_t = 1)]
        nodes: usize,
        /// Repetitions on the same connections; medians are reported.
        #[arg(long, default_value_t = 3)]
        runs: usize,
        /// Multiplies every offered rate.
        #[arg(long, default_value_t = 1.0)]
        load: f64,
        /// Members of the big room (every staff member; the team rooms are made from them).
        #[arg(long, default_value_t = 1000)]
        staff: usize,
        #[arg(long, default_value_t = 1000)]
        visitors: usize,
    },
    /// The bare room hub W4 compares with (started by `mixed`).
    #[command(hide = true)]
    Roomhub {
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
        let child = serve(bin, &env)?;
        let base = format!("http://127.0.0.1:{port}");
        wait_healthy(&base).await;
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
        rss_of(self.child.id())
    }

    /// The server's process id (with taskset the child execs steward in place).
    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Another `steward serve` on the same database and environment (so the
    /// same NATS and cluster name when they are set): its own port and data
    /// folder, pinned to the same core.
    async fn another_node(&self) -> anyhow::Result<Node> {
        let dir = tempfile::tempdir()?;
        let port = free_port()?;
        let env: Vec<(String, String)> = self
            .env
            .iter()
            .map(|(k, v)| match k.as_str() {
                "STEWARD_DATA_DIR" => (k.clone(), dir.path().display().to_string()),
                "STEWARD_BIND" => (k.clone(), format!("127.0.0.1:{port}")),
                _ => (k.clone(), v.clone()),
            })
            .collect();
        let child = serve(&self.bin, &env)?;
        let base = format!("http://127.0.0.1:{port}");
        wait_healthy(&base).await;
        Ok(Node { child, ws: format!("ws://127.0.0.1:{port}/api/v1/gateway"), base, _dir: dir })
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

/// The server under test: one node, or two on one PostgreSQL and NATS
/// (`--nodes 2`). The set-up talks to `first`; clients spread over both.
struct Nodes {
    // Before `first`: killed before the first node's drop removes the database.
    second: Option<Node>,
    first: Server,
}

impl Nodes {
    async fn start(bin: &Path, db: Db, extra: &[(&str, &str)], users: usize, count: usize) -> anyhow::Result<Nodes> {
        let mut env: Vec<(String, String)> = extra.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        if count == 2 {
            env.extend(cluster_env());
        }
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let first = Server::start(bin, db, &env, users).await?;
        let second = if count == 2 { Some(first.another_node().await?) } else { None };
        Ok(Nodes { second, first })
    }

    fn bases(&self) -> Vec<String> {
        std::iter::once(&self.first.base).chain(self.second.iter().map(|n| &n.base)).cloned().collect()
    }

    fn ws_urls(&self) -> Vec<String> {
        std::iter::once(&self.first.ws).chain(self.second.iter().map(|n| &n.ws)).cloned().collect()
    }

    fn pids(&self) -> Vec<u32> {
        std::iter::once(self.first.pid()).chain(self.second.iter().map(|n| n.child.id())).collect()
    }
}

/// A second node started by `Server::another_node`.
struct Node {
    child: Child,
    base: String,
    ws: String,
    _dir: tempfile::TempDir,
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The environment a cluster of nodes shares: NATS, a cluster name of its
/// own (so runs on the same NATS do not hear each other) and one secret key.
fn cluster_env() -> Vec<(String, String)> {
    vec![
        (
            "STEWARD_NATS_URL".into(),
            std::env::var("STEWARD_NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into()),
        ),
        ("STEWARD_CLUSTER_NAME".into(), format!("bench-{}", uuid_ish())),
        ("STEWARD_SECRET_KEY".into(), "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=".into()),
    ]
}

/// `steward serve` with this environment, on CPU 0 when taskset exists.
fn serve(bin: &Path, env: &[(String, String)]) -> anyhow::Result<Child> {
    let mut cmd = if has_taskset() {
        let mut c = Command::new("taskset");
        c.arg("-c").arg("0").arg(bin);
        c
    } else {
        Command::new(bin)
    };
    Ok(cmd.arg("serve").envs(env.iter().map(|(k, v)| (k, v))).stdout(Stdio::null()).spawn()?)
}

async fn wait_healthy(base: &str) {
    let http = reqwest::Client::new();
    for _ in 0..200 {
        if http.get(format!("{base}/healthz")).send().await.is_ok_and(|r| r.status().is_success()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Resident memory of a process, in bytes.
fn rss_of(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .context("VmRSS")?;
    Ok(kb * 1024)
}

/// CPU time a process has used (user + system), in seconds, from /proc/<pid>/stat.
fn cpu_secs(pid: u32) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { return 0.0 };
    // Fields after the command name (which may hold spaces) start at field 3; utime and stime are 14 and 15.
    let rest = stat.rsplit_once(')').map(|x| x.1).unwrap_or_default();
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 =
        f.get(11).and_then(|v| v.parse().ok()).unwrap_or(0) + f.get(12).and_then(|v| v.parse().ok()).unwrap_or(0);
    ticks as f64 / clock_ticks()
}

fn clock_ticks() -> f64 {
    static TICKS: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
            .unwrap_or(100.0)
    })
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
    urls: &[String],
    tokens: &[String],
    rooms: &[i64],
    window: usize,
    messages: usize,
) -> anyhow::Result<AcceptRun> {
    let clients = tokens.len();
    let per_client = messages / clients;
    let mut conns = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        conns.push(connect(&format!("{}?token={token}", urls[i % urls.len()])).await?);
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
    nodes: usize,
) -> anyhow::Result<()> {
    anyhow::ensure!((1..=2).contains(&nodes), "--nodes is 1 or 2");
    // Two nodes: one node on PostgreSQL first, then two, in the same run.
    let db = if nodes == 2 { Db::Postgres } else { db };
    for n in 1..=nodes {
        accept_on(bin, db, clients, window, messages, rooms, runs, sync, rules, n).await?;
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn accept_on(
    bin: &Path,
    db: Db,
    clients: usize,
    window: usize,
    messages: usize,
    rooms: usize,
    runs: usize,
    sync: &str,
    rules: bool,
    nodes: usize,
) -> anyhow::Result<()> {
    let cluster = Nodes::start(bin, db, &[("STEWARD_SQLITE_SYNC", sync)], clients, nodes).await?;
    let (server, urls) = (&cluster.first, cluster.ws_urls());
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
        let r = accept_once(&urls, &tokens, &room_ids, window, messages).await?;
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
    println!(
        "W2 durable accept ({db:?}{}, sqlite sync {sync}, moderation rules {}, {clients} connections × window {window}, {rooms} rooms, {messages} messages, median of {runs})",
        if nodes == 2 { ", 2 nodes on NATS, connections half and half" } else { "" },
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
    if let Workload::Roomhub { port } = cli.workload {
        return mixed::roomhub(port).await;
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
        Workload::Fanout { db, members, senders, rate, secs, nodes } => {
            fanout::run(&bin, db, members, senders, rate, secs, nodes).await
        }
        Workload::Hub { .. } | Workload::Roomhub { .. } => Ok(()),
        Workload::Mixed { db, secs, nodes, runs, load, staff, visitors } => {
            mixed::run(&bin, db, secs, nodes, runs, load, staff, visitors).await
        }
        Workload::Read { db, messages, requests, clients } => read::run(&bin, db, messages, requests, clients).await,
        Workload::Accept { db, clients, window, messages, rooms, runs, sqlite_sync, rules, nodes } => {
            accept(&bin, db, clients, window, messages, rooms, runs, &sqlite_sync, rules, nodes).await
        }
        // Run above: it needs no server binary.
        Workload::Faq { .. } => Ok(()),
    }
}
