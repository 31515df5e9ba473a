//! W4 mixed: a company's chat and its support desk at once. 200 team rooms of
//! 5–10 people, one channel of 1,000, a support inbox with 50 operators online
//! and 1,000 website visitors each in a conversation (widget API and widget
//! socket), every connection open together. For T seconds messages go out at
//! fixed offered rates per class, many of them after a typing indicator;
//! every connection that should receive something is checked for it, and the
//! send-to-deliver latency of each class is taken from the send time carried in
//! the body (typing: from the time kept when it was sent).
//!
//! Baselines in the same run: the server's CPU with every connection open and
//! nothing sent, over the same length of time; and a bare room hub
//! (`steward-bench roomhub`, its own process on the server's core: a frame for a
//! room goes to every connection subscribed to it, no auth, no store, no JSON
//! parsing) carrying the same frames at the same rates over the same
//! connections. `--nodes 2` runs one node on PostgreSQL, then two nodes on the
//! same PostgreSQL and one NATS with the connections split half and half.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use sha2::Digest;
use steward_store::NewUser;
use tokio::sync::mpsc::UnboundedSender;
use tokio_tungstenite::tungstenite::Message;

use crate::{Db, Server, Ws, connect, cpu_secs, has_taskset, median, pct, rss_of};

const TEAM: usize = 0;
const BIG: usize = 1;
const V2O: usize = 2;
const O2V: usize = 3;
const TYPING: usize = 4;
const CLASSES: [&str; 5] = ["team room", "big room", "visitor→operator", "operator→visitor", "typing"];

/// Offered rates, per second.
#[derive(Clone, Copy)]
pub struct Rates {
    pub team: f64,
    pub big: f64,
    pub visitor: f64,
    pub operator: f64,
    /// Share of team and big-room messages that a typing indicator precedes
    /// (visitors and operators always type first).
    pub typing_share: f64,
}

/// How long before its message a typing indicator goes out.
const TYPING_LEAD: Duration = Duration::from_millis(300);

fn origin() -> Instant {
    static O: OnceLock<Instant> = OnceLock::new();
    *O.get_or_init(Instant::now)
}

fn now_us() -> u64 {
    origin().elapsed().as_micros() as u64
}

#[derive(Default)]
struct Recorder {
    lat: [Vec<f64>; 5],
    got: [u64; 5],
    /// Frames that are none of the above (support.conversation to operators, pongs, presence, …).
    other: u64,
    acks: u64,
    errors: u64,
    http_errors: u64,
    first_error: Option<String>,
    /// Typing indicators that arrived with no typing of ours outstanding.
    typing_unmatched: u64,
    /// Time from an HTTP send to its answer (visitor and operator messages).
    http_lat: Vec<f64>,
}

#[derive(Default)]
struct Shared {
    rec: Mutex<Recorder>,
    /// (room, typist) → send time in µs since origin; (room, 0) for a widget's view of an operator.
    typing: Mutex<HashMap<(i64, i64), u64>>,
    expected: [AtomicU64; 5],
    closed: AtomicU64,
    last_us: AtomicU64,
}

impl Shared {
    fn error(&self, what: String, http: bool) {
        let mut r = self.rec.lock().unwrap();
        if http {
            r.http_errors += 1;
        } else {
            r.errors += 1;
        }
        if r.first_error.is_none() {
            r.first_error = Some(what);
        }
    }
}

/// What one frame is, for the connection of `me` (a widget when `widget_room` is set).
fn classify(shared: &Shared, t: &str, me: i64, widget_room: Option<i64>) {
    let now = now_us();
    if t.contains("\"type\":\"ack\"") {
        shared.rec.lock().unwrap().acks += 1;
        return;
    }
    if let Some(p) = t.find("\"body\":\"w4 ") {
        let rest = &t[p + 11..];
        let class = match rest.as_bytes().first() {
            Some(b't') => TEAM,
            Some(b'b') => BIG,
            Some(b'v') => V2O,
            Some(b'o') => O2V,
            _ => {
                shared.rec.lock().unwrap().other += 1;
                return;
            }
        };
        let digits: String = rest.get(2..).unwrap_or("").chars().take_while(|c| c.is_ascii_digit()).collect();
        let sent: u64 = digits.parse().unwrap_or(now);
        // A visitor's own message on its widget, an operator's own reply on its gateway: delivered, not timed.
        let echo = (class == V2O && widget_room.is_some()) || (class == O2V && widget_room.is_none());
        shared.last_us.fetch_max(now, Ordering::Relaxed);
        let mut r = shared.rec.lock().unwrap();
        r.got[class] += 1;
        if !echo {
            r.lat[class].push(now.saturating_sub(sent) as f64 / 1000.0);
        }
        return;
    }
    if t.contains("\"type\":\"typing\"") {
        let Ok(v) = serde_json::from_str::<Value>(t) else { return };
        let user = v["user_id"].as_i64().unwrap_or(0);
        if user == me {
            return;
        }
        let key = match widget_room {
            Some(room) => (room, 0),
            None => (v["room_id"].as_i64().unwrap_or(0), user),
        };
        let sent = shared.typing.lock().unwrap().get(&key).copied();
        shared.last_us.fetch_max(now, Ordering::Relaxed);
        let mut r = shared.rec.lock().unwrap();
        match sent {
            Some(at) => {
                r.got[TYPING] += 1;
                r.lat[TYPING].push(now.saturating_sub(at) as f64 / 1000.0);
            }
            None => r.typing_unmatched += 1,
        }
        return;
    }
    if t.contains("\"type\":\"error\"") {
        shared.error(t.chars().take(300).collect(), false);
        return;
    }
    shared.rec.lock().unwrap().other += 1;
}

/// Reads a connection until it closes; writes go through the returned queue.
fn attach(ws: Ws, shared: Arc<Shared>, me: i64, widget_room: Option<i64>) -> UnboundedSender<Message> {
    let (mut tx, mut rx) = ws.split();
    let (qtx, mut qrx) = tokio::sync::mpsc::unbounded_channel::<Message>();
    tokio::spawn(async move {
        while let Some(m) = qrx.recv().await {
            if tx.send(m).await.is_err() {
                break;
            }
        }
    });
    tokio::spawn(async move {
        while let Some(Ok(m)) = rx.next().await {
            match m {
                Message::Text(t) => classify(&shared, &t, me, widget_room),
                Message::Close(_) => break,
                _ => {}
            }
        }
        shared.closed.fetch_add(1, Ordering::Relaxed);
    });
    qtx
}

struct Visitor {
    token: String,
    conv: i64,
    room: i64,
    user_id: i64,
    /// Index of the assigned operator.
    op: usize,
}

/// Everyone, their rooms, and how to reach them.
struct World {
    staff: Vec<(i64, String)>,
    ops: Vec<(i64, String)>,
    visitors: Vec<Visitor>,
    /// Team rooms: id and the staff indices in it.
    teams: Vec<(i64, Vec<usize>)>,
    big: i64,
}

impl World {
    fn rooms_of_staff(&self) -> Vec<Vec<i64>> {
        let mut out: Vec<Vec<i64>> = vec![vec![self.big]; self.staff.len()];
        for (room, members) in &self.teams {
            for &m in members {
                out[m].push(*room);
            }
        }
        out
    }
}

/// Where the load goes: Steward's nodes (HTTP base URLs), or the bare hub.
#[derive(Clone)]
enum Target {
    Steward { bases: Vec<String> },
    Hub { url: String },
}

fn ws_of(base: &str) -> String {
    base.replacen("http://", "ws://", 1)
}

/// All connections open, and the means to send on them.
struct Live {
    staff: Vec<UnboundedSender<Message>>,
    ops: Vec<UnboundedSender<Message>>,
    widgets: Vec<UnboundedSender<Message>>,
}

async fn open_all(world: &World, target: &Target, shared: &Arc<Shared>) -> anyhow::Result<Live> {
    let sem = Arc::new(tokio::sync::Semaphore::new(64));
    // (url, what to send first in hub mode, me, widget room)
    type Plan = (String, Option<String>, i64, Option<i64>);
    let mut plans: Vec<Plan> = vec![];
    let staff_rooms = world.rooms_of_staff();
    let mut op_rooms: Vec<Vec<i64>> = vec![vec![]; world.ops.len()];
    for v in &world.visitors {
        op_rooms[v.op].push(v.room);
    }
    let sub =
        |rooms: &[i64]| Some(format!("sub {}", rooms.iter().map(|r| r.to_string()).collect::<Vec<_>>().join(",")));
    let node = |i: usize, bases: &[String]| bases[i % bases.len()].clone();
    for (i, (id, token)) in world.staff.iter().enumerate() {
        plans.push(match target {
            Target::Steward { bases } => {
                (format!("{}/api/v1/gateway?token={token}", ws_of(&node(i, bases))), None, *id, None)
            }
            Target::Hub { url } => (url.clone(), sub(&staff_rooms[i]), *id, None),
        });
    }
    for (i, (id, token)) in world.ops.iter().enumerate() {
        plans.push(match target {
            Target::Steward { bases } => {
                (format!("{}/api/v1/gateway?token={token}", ws_of(&node(i, bases))), None, *id, None)
            }
            Target::Hub { url } => (url.clone(), sub(&op_rooms[i]), *id, None),
        });
    }
    for (i, v) in world.visitors.iter().enumerate() {
        plans.push(match target {
            Target::Steward { bases } => (
                format!(
                    "{}/widget/v1/ws?token={}&conversation={}&after_seq=0",
                    ws_of(&node(i, bases)),
                    v.token,
                    v.conv
                ),
                None,
                v.user_id,
                Some(v.room),
            ),
            Target::Hub { url } => (url.clone(), sub(&[v.room]), v.user_id, Some(v.room)),
        });
    }
    let gateway = matches!(target, Target::Steward { .. });
    let n_staff = world.staff.len();
    let n_ops = world.ops.len();
    let mut tasks = vec![];
    for (i, (url, first, me, widget_room)) in plans.into_iter().enumerate() {
        let sem = sem.clone();
        let shared = shared.clone();
        let is_gateway = gateway && i < n_staff + n_ops;
        tasks.push(tokio::spawn(async move {
            let _p = sem.acquire().await;
            let ws = if is_gateway {
                connect(&url).await?
            } else {
                let (mut ws, _) = tokio_tungstenite::connect_async(&url).await?;
                if let Some(f) = first {
                    ws.send(Message::Text(f.into())).await?;
                }
                ws
            };
            anyhow::Ok(attach(ws, shared, me, widget_room))
        }));
    }
    let mut all = vec![];
    for t in tasks {
        all.push(t.await??);
    }
    let widgets = all.split_off(n_staff + n_ops);
    let ops = all.split_off(n_staff);
    Ok(Live { staff: all, ops, widgets })
}

/// Keeps gateway connections alive (no frame for 55 s closes them) and
/// widget sockets as the widget does, one ping per connection every 20 s.
fn keepalive(live: &Live) -> tokio::task::JoinHandle<()> {
    let gw: Vec<UnboundedSender<Message>> = live.staff.iter().chain(&live.ops).cloned().collect();
    let widgets = live.widgets.clone();
    tokio::spawn(async move {
        let n = gw.len() + widgets.len();
        let gap = Duration::from_secs(20) / n.max(1) as u32;
        let mut tick = tokio::time::interval(gap);
        loop {
            for q in &gw {
                tick.tick().await;
                let _ = q.send(Message::Text(r#"{"op":"ping"}"#.into()));
            }
            for q in &widgets {
                tick.tick().await;
                let _ = q.send(Message::Text(r#"{"op":"ping"}"#.into()));
            }
        }
    })
}

/// The message body: `w4 <class> <µs since origin> …` padded to ~60 characters like W3's.
fn body(class: char, who: usize) -> String {
    format!("w4 {class} {} from {who} xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", now_us())
}

/// A frame for the bare hub, the size of Steward's `message.created` for the same body.
fn hub_message(room: i64, body: &str) -> String {
    let payload =
        json!({ "type": "message.created", "room_id": room, "seq": 1, "message": { "body": body } }).to_string();
    // Steward's frame carries the author, HTML, timestamps, reactions, …: ~560 bytes more than the body.
    let pad = "y".repeat(560);
    format!("{room}\n{}", payload.replacen("\"body\"", &format!("\"pad\":\"{pad}\",\"body\""), 1))
}

fn typing_frame(room: i64, user: i64) -> String {
    json!({ "type": "typing", "room_id": room, "user_id": user, "display_name": "Someone" }).to_string()
}

struct Ctx {
    world: World,
    live: Live,
    target: Target,
    shared: Arc<Shared>,
    http: reqwest::Client,
    /// (kind, index, room) → the last typing sent, to stay within the server's 2 s per room.
    typed: Mutex<HashMap<(u8, usize, i64), Instant>>,
}

impl Ctx {
    fn may_type(&self, kind: u8, idx: usize, room: i64) -> bool {
        let mut t = self.typed.lock().unwrap();
        let now = Instant::now();
        if t.get(&(kind, idx, room)).is_some_and(|at| now.duration_since(*at) < Duration::from_millis(2500)) {
            return false;
        }
        t.insert((kind, idx, room), now);
        true
    }

    fn expect(&self, class: usize, n: usize) {
        self.shared.expected[class].fetch_add(n as u64, Ordering::Relaxed);
    }

    fn mark_typing(&self, room: i64, user: i64, widget_view: bool) {
        let now = now_us();
        let mut t = self.shared.typing.lock().unwrap();
        t.insert((room, user), now);
        if widget_view {
            t.insert((room, 0), now);
        }
    }

    /// A gateway `typing` from a staff or operator connection.
    fn gw_typing(&self, q: &UnboundedSender<Message>, room: i64, user: i64, receivers: usize, widget_view: bool) {
        self.mark_typing(room, user, widget_view);
        self.expect(TYPING, receivers);
        let text = match &self.target {
            Target::Steward { .. } => json!({ "op": "typing", "room_id": room }).to_string(),
            Target::Hub { .. } => format!("{room}\n{}", typing_frame(room, user)),
        };
        let _ = q.send(Message::Text(text.into()));
    }

    /// A message to a room from a staff connection through the gateway.
    fn gw_send(&self, q: &UnboundedSender<Message>, room: i64, class: usize, c: char, who: usize, receivers: usize) {
        self.expect(class, receivers);
        let b = body(c, who);
        let text = match &self.target {
            Target::Steward { .. } => json!({ "op": "send", "room_id": room, "body": b }).to_string(),
            Target::Hub { .. } => hub_message(room, &b),
        };
        let _ = q.send(Message::Text(text.into()));
    }

    fn team(self: &Arc<Self>, k: u64, typing_share: f64) {
        let (room, members) = &self.world.teams[k as usize % self.world.teams.len()];
        let who = members[(k as usize / self.world.teams.len()) % members.len()];
        let q = self.live.staff[who].clone();
        let (room, n) = (*room, members.len());
        if typed(k, typing_share) && self.may_type(0, who, room) {
            self.gw_typing(&q, room, self.world.staff[who].0, n - 1, false);
            let me = self.clone();
            tokio::spawn(async move {
                tokio::time::sleep(TYPING_LEAD).await;
                me.gw_send(&q, room, TEAM, 't', who, n);
            });
        } else {
            self.gw_send(&q, room, TEAM, 't', who, n);
        }
    }

    fn big(self: &Arc<Self>, k: u64, typing_share: f64) {
        let who = (k as usize * 7919) % self.world.staff.len();
        let q = self.live.staff[who].clone();
        let (room, n) = (self.world.big, self.world.staff.len());
        if typed(k, typing_share) && self.may_type(0, who, room) {
            self.gw_typing(&q, room, self.world.staff[who].0, n - 1, false);
            let me = self.clone();
            tokio::spawn(async move {
                tokio::time::sleep(TYPING_LEAD).await;
                me.gw_send(&q, room, BIG, 'b', who, n);
            });
        } else {
            self.gw_send(&q, room, BIG, 'b', who, n);
        }
    }

    /// A visitor types in the widget, then sends through the widget API.
    fn visitor(self: &Arc<Self>, k: u64) {
        let i = (k as usize * 7) % self.world.visitors.len();
        let v = &self.world.visitors[i];
        if self.may_type(1, i, v.room) {
            self.mark_typing(v.room, v.user_id, false);
            self.expect(TYPING, 1);
            let text = match &self.target {
                Target::Steward { .. } => r#"{"op":"typing"}"#.to_string(),
                Target::Hub { .. } => format!("{}\n{}", v.room, typing_frame(v.room, v.user_id)),
            };
            let _ = self.live.widgets[i].send(Message::Text(text.into()));
        }
        let me = self.clone();
        tokio::spawn(async move {
            tokio::time::sleep(TYPING_LEAD).await;
            let v = &me.world.visitors[i];
            me.expect(V2O, 2);
            let b = body('v', i);
            match &me.target {
                Target::Hub { .. } => {
                    let _ = me.live.widgets[i].send(Message::Text(hub_message(v.room, &b).into()));
                }
                Target::Steward { bases } => {
                    let url = format!("{}/widget/v1/conversations/{}/messages", bases[i % bases.len()], v.conv);
                    let req = me.http.post(url).bearer_auth(&v.token).json(&json!({ "body": b }));
                    me.http_send(req).await;
                }
            }
        });
    }

    /// An operator types in a conversation, then replies through the support API.
    fn operator(self: &Arc<Self>, k: u64) {
        let i = (k as usize * 13) % self.world.visitors.len();
        let v = &self.world.visitors[i];
        let op = v.op;
        if self.may_type(2, op, v.room) {
            self.gw_typing(&self.live.ops[op], v.room, self.world.ops[op].0, 1, true);
        }
        let me = self.clone();
        tokio::spawn(async move {
            tokio::time::sleep(TYPING_LEAD).await;
            let v = &me.world.visitors[i];
            me.expect(O2V, 2);
            let b = body('o', op);
            match &me.target {
                Target::Hub { .. } => {
                    let _ = me.live.ops[op].send(Message::Text(hub_message(v.room, &b).into()));
                }
                Target::Steward { bases } => {
                    let url = format!("{}/api/v1/support/conversations/{}/messages", bases[op % bases.len()], v.conv);
                    let req = me.http.post(url).bearer_auth(&me.world.ops[op].1).json(&json!({ "body": b }));
                    me.http_send(req).await;
                }
            }
        });
    }

    async fn http_send(&self, req: reqwest::RequestBuilder) {
        let t = Instant::now();
        match req.send().await {
            Ok(r) if r.status().is_success() => {
                let _ = r.bytes().await;
                self.shared.rec.lock().unwrap().http_lat.push(t.elapsed().as_secs_f64() * 1000.0);
            }
            Ok(r) => {
                let s = r.status();
                let text = r.text().await.unwrap_or_default();
                self.shared.error(format!("HTTP {s}: {}", text.chars().take(200).collect::<String>()), true);
            }
            Err(e) => self.shared.error(format!("HTTP: {e}"), true),
        }
    }
}

/// Whether the k-th message of a class is preceded by typing (spread evenly).
fn typed(k: u64, share: f64) -> bool {
    ((k + 1) as f64 * share).floor() > (k as f64 * share).floor()
}

/// Calls `f(k)` at `rate` per second for `secs`.
async fn schedule(rate: f64, secs: f64, f: impl Fn(u64)) {
    if rate <= 0.0 {
        return;
    }
    let n = (rate * secs).round() as u64;
    let gap = Duration::from_secs_f64(1.0 / rate);
    let start = tokio::time::Instant::now();
    for k in 0..n {
        tokio::time::sleep_until(start + gap.mul_f64(k as f64)).await;
        f(k);
    }
}

struct ClassFig {
    p50: f64,
    p99: f64,
    p999: f64,
    got: u64,
    expected: u64,
}

struct RunFig {
    classes: Vec<ClassFig>,
    deliveries_per_s: f64,
    other_per_s: f64,
    cpu_pct: f64,
    /// Other processes' CPU over the window, % of one core (PostgreSQL, NATS).
    pg_pct: f64,
    nats_pct: f64,
    rss_mib: f64,
    errors: u64,
    http_errors: u64,
    typing_unmatched: u64,
    http_p50: f64,
    http_p99: f64,
    first_error: Option<String>,
}

/// CPU seconds of every process with this name (`postgres`, `nats-server`).
fn cpu_of_named(name: &str) -> f64 {
    let Ok(dir) = std::fs::read_dir("/proc") else { return 0.0 };
    let mut total = 0.0;
    for e in dir.flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else { continue };
        if std::fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|c| c.trim() == name) {
            total += cpu_secs(pid);
        }
    }
    total
}

async fn run_load(ctx: &Arc<Ctx>, rates: Rates, secs: f64, pids: &[u32]) -> RunFig {
    *ctx.shared.rec.lock().unwrap() = Recorder::default();
    for e in &ctx.shared.expected {
        e.store(0, Ordering::Relaxed);
    }
    let cpu0: f64 = pids.iter().map(|p| cpu_secs(*p)).sum();
    let (pg0, nats0) = (cpu_of_named("postgres"), cpu_of_named("nats-server"));
    let start_us = now_us();
    let t0 = Instant::now();
    let (c1, c2, c3, c4) = (ctx.clone(), ctx.clone(), ctx.clone(), ctx.clone());
    tokio::join!(
        schedule(rates.team, secs, move |k| c1.team(k, rates.typing_share)),
        schedule(rates.big, secs, move |k| c2.big(k, rates.typing_share)),
        schedule(rates.visitor, secs, move |k| c3.visitor(k)),
        schedule(rates.operator, secs, move |k| c4.operator(k)),
    );
    let window = t0.elapsed().as_secs_f64();
    let cpu1: f64 = pids.iter().map(|p| cpu_secs(*p)).sum();
    let (pg1, nats1) = (cpu_of_named("postgres"), cpu_of_named("nats-server"));
    let rss: u64 = pids.iter().filter_map(|p| rss_of(*p).ok()).sum();
    // What is still on its way gets up to 10 s more (the typing lead and HTTP answers included).
    let deadline = Instant::now() + Duration::from_secs(10);
    tokio::time::sleep(TYPING_LEAD + Duration::from_millis(200)).await;
    loop {
        let done = {
            let r = ctx.shared.rec.lock().unwrap();
            (0..4).all(|c| r.got[c] >= ctx.shared.expected[c].load(Ordering::Relaxed))
        };
        if done || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut r = std::mem::take(&mut *ctx.shared.rec.lock().unwrap());
    let span = (ctx.shared.last_us.load(Ordering::Relaxed).saturating_sub(start_us)) as f64 / 1e6;
    let delivered: u64 = r.got.iter().sum();
    let classes = (0..5)
        .map(|c| {
            let v = &mut r.lat[c];
            v.sort_by(|a, b| a.total_cmp(b));
            ClassFig {
                p50: pct(v, 0.5),
                p99: pct(v, 0.99),
                p999: pct(v, 0.999),
                got: r.got[c],
                expected: ctx.shared.expected[c].load(Ordering::Relaxed),
            }
        })
        .collect();
    r.http_lat.sort_by(|a, b| a.total_cmp(b));
    RunFig {
        classes,
        deliveries_per_s: delivered as f64 / span.max(window),
        other_per_s: r.other as f64 / span.max(window),
        cpu_pct: (cpu1 - cpu0) / window * 100.0,
        pg_pct: (pg1 - pg0) / window * 100.0,
        nats_pct: (nats1 - nats0) / window * 100.0,
        rss_mib: rss as f64 / 1048576.0,
        errors: r.errors,
        http_errors: r.http_errors,
        typing_unmatched: r.typing_unmatched,
        http_p50: pct(&r.http_lat, 0.5),
        http_p99: pct(&r.http_lat, 0.99),
        first_error: r.first_error,
    }
}

/// Builds the world on a running server: people and sessions through the
/// store (as W3 does), rooms, the inbox, operators online and visitors with
/// their conversations through the real APIs.
async fn build(
    server: &Server,
    bases: &[String],
    staff_n: usize,
    ops_n: usize,
    visitors_n: usize,
) -> anyhow::Result<World> {
    let admin = server.token("bench").await?;
    let store = server.db.store().await;
    let run = crate::uuid_ish();
    let person = async |name: String| -> anyhow::Result<(i64, String)> {
        let u = store
            .create_user(&NewUser {
                username: name.clone(),
                display_name: name.clone(),
                email: None,
                password_hash: "!".into(),
                locale: "en".into(),
                avatar_color: "#5b6cf0".into(),
                role: steward_core::SystemRole::Member,
            })
            .await?;
        let token = format!("{name}-{run}");
        let hash = hex::encode(sha2::Sha256::digest(token.as_bytes()));
        store.create_session(u.id, &hash, "api", 86_400_000, None, None).await?;
        Ok((u.id, token))
    };
    let mut staff = vec![];
    for i in 0..staff_n {
        staff.push(person(format!("staff-{i}")).await?);
    }
    let mut ops = vec![];
    for i in 0..ops_n {
        ops.push(person(format!("op-{i}")).await?);
    }
    let ids: Vec<i64> = staff.iter().map(|s| s.0).collect();
    let big = server.room(&admin, "all-hands").await?;
    store.add_members(big, &ids, steward_core::RoomRole::Member).await?;
    // 200 team rooms of 5–10 people; everyone is in one or two.
    let mut teams = vec![];
    let mut next = 0usize;
    for r in 0..200 {
        let size = 5 + (r * 7) % 6;
        let members: Vec<usize> = (0..size).map(|j| (next + j) % staff_n).collect();
        next += size;
        let room = server.room(&admin, &format!("team-{r}")).await?;
        let mids: Vec<i64> = members.iter().map(|&m| staff[m].0).collect();
        store.add_members(room, &mids, steward_core::RoomRole::Member).await?;
        teams.push((room, members));
    }
    // The inbox, its operators online (no capacity limit: 20 conversations each).
    let http = reqwest::Client::new();
    let v: Value = http
        .post(format!("{}/api/v1/support/inboxes", server.base))
        .bearer_auth(&admin)
        .json(&json!({ "name": "Bench", "settings": { "routing": "least_loaded", "offer_timeout_secs": 0 } }))
        .send()
        .await?
        .json()
        .await?;
    let inbox = v["inbox"]["id"].as_i64().with_context(|| format!("inbox: {v}"))?;
    let key = v["inbox"]["public_key"].as_str().context("inbox key")?.to_string();
    let op_ids: Vec<i64> = ops.iter().map(|o| o.0).collect();
    let r = http
        .put(format!("{}/api/v1/support/inboxes/{inbox}/members", server.base))
        .bearer_auth(&admin)
        .json(&json!({ "user_ids": op_ids }))
        .send()
        .await?;
    anyhow::ensure!(r.status().is_success(), "inbox members: {}", r.text().await?);
    for (i, (_, token)) in ops.iter().enumerate() {
        let r = http
            .put(format!("{}/api/v1/support/me", bases[i % bases.len()]))
            .bearer_auth(token)
            .json(&json!({ "availability": "online", "capacity": 0 }))
            .send()
            .await?;
        anyhow::ensure!(r.status().is_success(), "operator online: {}", r.text().await?);
    }
    // Visitors: a widget session and a conversation each, 16 at a time, on their node.
    let sem = Arc::new(tokio::sync::Semaphore::new(16));
    let mut tasks = vec![];
    for i in 0..visitors_n {
        let (http, sem, key, base) = (http.clone(), sem.clone(), key.clone(), bases[i % bases.len()].clone());
        tasks.push(tokio::spawn(async move {
            let _p = sem.acquire().await;
            let s: Value = http
                .post(format!("{base}/widget/v1/inboxes/{key}/session"))
                .json(&json!({ "locale": "en" }))
                .send()
                .await?
                .json()
                .await?;
            let token = s["token"].as_str().with_context(|| format!("widget session: {s}"))?.to_string();
            let user_id = s["contact"]["user_id"].as_i64().context("contact user id")?;
            let c: Value = http
                .post(format!("{base}/widget/v1/conversations"))
                .bearer_auth(&token)
                .json(&json!({ "prechat": {} }))
                .send()
                .await?
                .json()
                .await?;
            let conv = c["id"].as_i64().with_context(|| format!("conversation: {c}"))?;
            let room = c["room_id"].as_i64().context("room id")?;
            anyhow::Ok((token, conv, room, user_id))
        }));
    }
    let op_index: HashMap<i64, usize> = ops.iter().enumerate().map(|(i, o)| (o.0, i)).collect();
    let mut visitors = vec![];
    for t in tasks {
        let (token, conv, room, user_id) = t.await??;
        let assignee =
            store.conversation(conv).await?.and_then(|c| c.assignee_id).context("an unassigned conversation")?;
        let op = *op_index.get(&assignee).context("assigned to someone else")?;
        visitors.push(Visitor { token, conv, room, user_id, op });
    }
    Ok(World { staff, ops, visitors, teams, big })
}

struct Phase {
    name: String,
    idle_pct: f64,
    idle_rss: f64,
    runs: Vec<RunFig>,
    closed: u64,
}

async fn measure(
    world: World,
    target: Target,
    pids: &[u32],
    rates: Rates,
    secs: f64,
    runs: usize,
) -> anyhow::Result<Phase> {
    let shared = Arc::new(Shared::default());
    eprintln!("  connecting {} sockets", world.staff.len() + world.ops.len() + world.visitors.len());
    let live = open_all(&world, &target, &shared).await?;
    let keep = matches!(target, Target::Steward { .. }).then(|| keepalive(&live));
    let ctx = Arc::new(Ctx {
        world,
        live,
        target,
        shared: shared.clone(),
        http: reqwest::Client::new(),
        typed: Mutex::new(HashMap::new()),
    });
    // Settle (presence, conversation updates, the widgets' history), then the idle window.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let cpu0: f64 = pids.iter().map(|p| cpu_secs(*p)).sum();
    let t0 = Instant::now();
    tokio::time::sleep(Duration::from_secs_f64(secs)).await;
    let idle_pct = (pids.iter().map(|p| cpu_secs(*p)).sum::<f64>() - cpu0) / t0.elapsed().as_secs_f64() * 100.0;
    let idle_rss = pids.iter().filter_map(|p| rss_of(*p).ok()).sum::<u64>() as f64 / 1048576.0;
    let mut figs = vec![];
    for run in 0..runs {
        let f = run_load(&ctx, rates, secs, pids).await;
        eprintln!(
            "    run {}: {:.0} deliveries/s, CPU {:.0} %, team p99 {:.1} ms, big p99 {:.1} ms, v→o p99 {:.1} ms, o→v p99 {:.1} ms, typing p99 {:.1} ms, errors {}+{} http",
            run + 1,
            f.deliveries_per_s,
            f.cpu_pct,
            f.classes[TEAM].p99,
            f.classes[BIG].p99,
            f.classes[V2O].p99,
            f.classes[O2V].p99,
            f.classes[TYPING].p99,
            f.errors,
            f.http_errors
        );
        if let Some(e) = &f.first_error {
            eprintln!("      first error: {e}");
        }
        figs.push(f);
    }
    if let Some(k) = keep {
        k.abort();
    }
    Ok(Phase { name: String::new(), idle_pct, idle_rss, runs: figs, closed: shared.closed.load(Ordering::Relaxed) })
}

/// The bare hub W4 compares with: `sub r1,r2,…` subscribes a connection;
/// `room\npayload` sends the payload to every connection subscribed to the room.
pub async fn roomhub(port: u16) -> anyhow::Result<()> {
    type Queue = tokio::sync::mpsc::Sender<tokio_tungstenite::tungstenite::Utf8Bytes>;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    let rooms: Arc<Mutex<HashMap<i64, Vec<Queue>>>> = Default::default();
    loop {
        let (sock, _) = listener.accept().await?;
        let rooms = rooms.clone();
        tokio::spawn(async move {
            let Ok(ws) = tokio_tungstenite::accept_async(sock).await else { return };
            let (mut tx, mut rx) = ws.split();
            let (qtx, mut qrx) = tokio::sync::mpsc::channel(512);
            let writer = tokio::spawn(async move {
                while let Some(b) = qrx.recv().await {
                    if tx.send(Message::Text(b)).await.is_err() {
                        return;
                    }
                }
            });
            while let Some(Ok(m)) = rx.next().await {
                let Message::Text(t) = m else { continue };
                if let Some(list) = t.strip_prefix("sub ") {
                    let mut r = rooms.lock().unwrap();
                    for id in list.split(',').filter_map(|x| x.parse::<i64>().ok()) {
                        r.entry(id).or_default().push(qtx.clone());
                    }
                } else if let Some((room, payload)) = t.split_once('\n')
                    && let Ok(room) = room.parse::<i64>()
                {
                    let frame = tokio_tungstenite::tungstenite::Utf8Bytes::from(payload.to_string());
                    let list = rooms.lock().unwrap().get(&room).cloned().unwrap_or_default();
                    for q in list {
                        let _ = q.try_send(frame.clone());
                    }
                }
            }
            writer.abort();
        });
    }
}

#[allow(clippy::too_many_arguments)]
pub async fn run(
    bin: &std::path::Path,
    db: Db,
    secs: f64,
    nodes: usize,
    runs: usize,
    load: f64,
    staff_n: usize,
    visitors_n: usize,
) -> anyhow::Result<()> {
    if !(1..=2).contains(&nodes) {
        bail!("--nodes is 1 or 2");
    }
    let db = if nodes == 2 { Db::Postgres } else { db };
    let ops_n = 50;
    let rates =
        Rates { team: 100.0 * load, big: 5.0 * load, visitor: 20.0 * load, operator: 20.0 * load, typing_share: 0.5 };
    let mean_team = 7.5;
    println!(
        "W4 mixed ({db:?}{}): 200 team rooms of 5–10, one room of {staff_n}, {ops_n} operators online, {visitors_n} visitors in conversations; {} sockets; {secs} s per run, median of {runs}",
        if nodes == 2 { ", one node then two nodes on NATS" } else { "" },
        staff_n + ops_n + visitors_n
    );
    println!(
        "  offered: team rooms {:.0} msg/s, big room {:.1} msg/s, visitor messages {:.0}/s (widget API), operator replies {:.0}/s (support API); typing before {:.0} % of team/big-room messages and before every visitor message and reply ({:.0} ms ahead)",
        rates.team,
        rates.big,
        rates.visitor,
        rates.operator,
        rates.typing_share * 100.0,
        TYPING_LEAD.as_millis()
    );
    println!(
        "  expected deliveries ≈ {:.0}/s messages + {:.0}/s typing, besides the support.conversation updates every support message sends to the inbox's operators",
        rates.team * mean_team + rates.big * staff_n as f64 + 2.0 * (rates.visitor + rates.operator),
        rates.typing_share * (rates.team * (mean_team - 1.0) + rates.big * (staff_n as f64 - 1.0))
            + rates.visitor
            + rates.operator
    );
    let limits = [("STEWARD_API_REQUESTS_PER_MINUTE", "100000000")];
    let mut phases = vec![];
    let node_counts: &[usize] = if nodes == 2 { &[1, 2] } else { &[1] };
    for &n in node_counts {
        let cluster = crate::Nodes::start(bin, db, &limits, 0, n).await?;
        let (server, bases, pids) = (&cluster.first, cluster.bases(), cluster.pids());
        eprintln!("  {n} node(s): building the world");
        let t = Instant::now();
        let world = build(server, &bases, staff_n, ops_n, visitors_n).await?;
        eprintln!("  built in {:.0} s", t.elapsed().as_secs_f64());
        let mut phase = measure(world, Target::Steward { bases }, &pids, rates, secs, runs).await?;
        phase.name = match n {
            1 => format!("steward, 1 node ({db:?})"),
            _ => "steward, 2 nodes (NATS)".into(),
        };
        phases.push(phase);
        drop(cluster);
    }
    // The bare room hub, same topology (room ids made up), same rates.
    let port = crate::free_port()?;
    let me = std::env::current_exe()?;
    let mut cmd = if has_taskset() {
        let mut c = std::process::Command::new("taskset");
        c.arg("-c").arg("0").arg(&me);
        c
    } else {
        std::process::Command::new(&me)
    };
    let mut child = cmd.arg("roomhub").arg("--port").arg(port.to_string()).spawn()?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let world = hub_world(staff_n, ops_n, visitors_n);
    eprintln!("  bare room hub");
    let hub =
        measure(world, Target::Hub { url: format!("ws://127.0.0.1:{port}/") }, &[child.id()], rates, secs, runs).await;
    let _ = child.kill();
    let _ = child.wait();
    let mut hub = hub?;
    hub.name = "bare room hub (baseline)".into();
    phases.push(hub);
    report(&phases);
    Ok(())
}

/// The same topology for the hub: ids are made up, rooms are numbers.
fn hub_world(staff_n: usize, ops_n: usize, visitors_n: usize) -> World {
    let staff: Vec<(i64, String)> = (0..staff_n).map(|i| (i as i64 + 1, String::new())).collect();
    let ops: Vec<(i64, String)> = (0..ops_n).map(|i| (100_000 + i as i64, String::new())).collect();
    let mut teams = vec![];
    let mut next = 0usize;
    for r in 0..200 {
        let size = 5 + (r * 7) % 6;
        teams.push((10 + r as i64, (0..size).map(|j| (next + j) % staff_n).collect()));
        next += size;
    }
    let visitors = (0..visitors_n)
        .map(|i| Visitor {
            token: String::new(),
            conv: i as i64,
            room: 1000 + i as i64,
            user_id: 200_000 + i as i64,
            op: i % ops_n,
        })
        .collect();
    World { staff, ops, visitors, teams, big: 1 }
}

fn report(phases: &[Phase]) {
    let med = |p: &Phase, f: &dyn Fn(&RunFig) -> f64| median(p.runs.iter().map(f).collect());
    for p in phases {
        println!("  {} — medians of {} runs", p.name, p.runs.len());
        println!(
            "    server CPU {:.0} % of one core (idle with every socket open: {:.1} %), RSS {:.0} MiB (idle {:.0} MiB); PostgreSQL {:.0} %, NATS {:.0} % of a core",
            med(p, &|r| r.cpu_pct),
            p.idle_pct,
            med(p, &|r| r.rss_mib),
            p.idle_rss,
            med(p, &|r| r.pg_pct),
            med(p, &|r| r.nats_pct)
        );
        println!(
            "    deliveries {:.0}/s (+ {:.0}/s other frames), errors {} (gateway) + {} (HTTP), typing unmatched {}, sockets closed by the server {}, HTTP send p50 {:.1} ms p99 {:.1} ms",
            med(p, &|r| r.deliveries_per_s),
            med(p, &|r| r.other_per_s),
            p.runs.iter().map(|r| r.errors).sum::<u64>(),
            p.runs.iter().map(|r| r.http_errors).sum::<u64>(),
            p.runs.iter().map(|r| r.typing_unmatched).sum::<u64>(),
            p.closed,
            med(p, &|r| r.http_p50),
            med(p, &|r| r.http_p99)
        );
        for (c, name) in CLASSES.iter().enumerate() {
            let got: u64 = p.runs.iter().map(|r| r.classes[c].got).sum();
            let expected: u64 = p.runs.iter().map(|r| r.classes[c].expected).sum();
            println!(
                "    {name:<18} p50 {:>8.2} ms  p99 {:>8.2} ms  p99.9 {:>8.2} ms  delivered {got} of {expected}",
                med(p, &|r| r.classes[c].p50),
                med(p, &|r| r.classes[c].p99),
                med(p, &|r| r.classes[c].p999)
            );
        }
    }
}
