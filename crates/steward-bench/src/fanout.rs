//! W3 fan-out: one room of `members` people, all connected over WebSocket;
//! `senders` of them post at an offered rate; every member receives every
//! message. Deliveries/s and send-to-deliver latency, against a bare
//! WebSocket broadcast hub (no auth, no persistence, same payload size) run
//! as its own process on the same core, in the same run.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use sha2::Digest;
use steward_store::NewUser;
use tokio_tungstenite::tungstenite::Message;

use crate::{Db, Ws, connect, has_taskset, pct};

/// The bare hub: every text frame from any connection goes to every connection.
pub async fn hub(port: u16) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    type Queue = tokio::sync::mpsc::Sender<tokio_tungstenite::tungstenite::Utf8Bytes>;
    let conns: Arc<std::sync::Mutex<Vec<Queue>>> = Default::default();
    loop {
        let (sock, _) = listener.accept().await?;
        let conns = conns.clone();
        tokio::spawn(async move {
            let Ok(ws) = tokio_tungstenite::accept_async(sock).await else { return };
            let (mut tx, mut rx) = ws.split();
            let (qtx, mut qrx) = tokio::sync::mpsc::channel(512);
            conns.lock().unwrap().push(qtx);
            let writer = tokio::spawn(async move {
                while let Some(b) = qrx.recv().await {
                    // The frame is shared, not copied, as Steward shares its events.
                    if tx.send(Message::Text(b)).await.is_err() {
                        return;
                    }
                }
            });
            while let Some(Ok(m)) = rx.next().await {
                if let Message::Text(t) = m {
                    let list = conns.lock().unwrap().clone();
                    for q in list {
                        let _ = q.try_send(t.clone());
                    }
                }
            }
            writer.abort();
        });
    }
}

struct Result {
    deliveries_per_s: f64,
    expected: u64,
    got: u64,
    p50: f64,
    p99: f64,
}

/// Connected receivers count deliveries and the latency from the send time
/// carried in the body (`fanout <micros since start>`).
async fn measure(
    receivers: Vec<Ws>,
    mut senders: Vec<Ws>,
    frame: impl Fn(usize, u64) -> String + Send + Sync + 'static,
    rate: f64,
    secs: f64,
) -> anyhow::Result<Result> {
    let origin = Instant::now();
    let delivered = Arc::new(AtomicU64::new(0));
    let last_us = Arc::new(AtomicU64::new(0));
    let members = receivers.len() + senders.len();
    let mut readers = vec![];
    let sample_every = 10;
    let all: Vec<Ws> = receivers.into_iter().collect();
    let mut sender_reads = vec![];
    let mut sender_writes = vec![];
    for s in senders.drain(..) {
        let (w, r) = s.split();
        sender_writes.push(w);
        sender_reads.push(r);
    }
    let read = |mut rx: futures_util::stream::SplitStream<Ws>, delivered: Arc<AtomicU64>, idx: usize| {
        let last_us = last_us.clone();
        tokio::spawn(async move {
            let mut lat = vec![];
            while let Some(Ok(m)) = rx.next().await {
                // Deliveries only: not the senders' acks (which carry the body too).
                if let Message::Text(t) = m
                    && !t.contains("\"type\":\"ack\"")
                    && let Some(pos) = t.find("fanout ")
                {
                    let n = delivered.fetch_add(1, Ordering::Relaxed);
                    last_us.fetch_max(origin.elapsed().as_micros() as u64, Ordering::Relaxed);
                    if (n as usize + idx).is_multiple_of(sample_every) {
                        let digits: String = t[pos + 7..].chars().take_while(|c| c.is_ascii_digit()).collect();
                        if let Ok(us) = digits.parse::<u64>() {
                            let now = origin.elapsed().as_micros() as u64;
                            lat.push(now.saturating_sub(us) as f64 / 1000.0);
                        }
                    }
                }
            }
            lat
        })
    };
    for (i, ws) in all.into_iter().enumerate() {
        let (_, rx) = ws.split();
        readers.push(read(rx, delivered.clone(), i));
    }
    for (i, rx) in sender_reads.into_iter().enumerate() {
        readers.push(read(rx, delivered.clone(), i));
    }
    let frame = Arc::new(frame);
    let n_senders = sender_writes.len();
    let per_sender = rate / n_senders as f64;
    let total_per_sender = (per_sender * secs) as u64;
    let mut writers = vec![];
    for (i, mut w) in sender_writes.into_iter().enumerate() {
        let frame = frame.clone();
        writers.push(tokio::spawn(async move {
            let gap = Duration::from_secs_f64(1.0 / per_sender);
            let start = Instant::now() + Duration::from_millis(i as u64 * 7);
            for k in 0..total_per_sender {
                tokio::time::sleep_until((start + gap * k as u32).into()).await;
                let us = origin.elapsed().as_micros() as u64;
                w.send(Message::Text(frame(i, us).into())).await?;
            }
            tokio::time::sleep(Duration::from_secs(3)).await;
            w.close().await.ok();
            anyhow::Ok(())
        }));
    }
    let first_us = origin.elapsed().as_micros() as u64;
    for w in writers {
        w.await??;
    }
    let expected = total_per_sender * n_senders as u64 * members as u64;
    // Deliveries still on their way get a moment more.
    let deadline = Instant::now() + Duration::from_secs(10);
    while delivered.load(Ordering::Relaxed) < expected && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let got = delivered.load(Ordering::Relaxed);
    let elapsed = (last_us.load(Ordering::Relaxed).saturating_sub(first_us)) as f64 / 1e6;
    let mut lat = vec![];
    for r in readers {
        r.abort();
        if let Ok(l) = r.await {
            lat.extend(l);
        }
    }
    lat.sort_by(|a, b| a.total_cmp(b));
    Ok(Result {
        deliveries_per_s: got as f64 / elapsed.max(0.001),
        expected,
        got,
        p50: pct(&lat, 0.5),
        p99: pct(&lat, 0.99),
    })
}

/// `nodes` Steward nodes (2: on NATS), members connected half and half.
async fn steward(
    bin: &std::path::Path,
    db: Db,
    nodes: usize,
    members: usize,
    senders: usize,
    rate: f64,
    secs: f64,
) -> anyhow::Result<(Result, f64)> {
    let cluster = crate::Nodes::start(bin, db, &[("STEWARD_API_REQUESTS_PER_MINUTE", "100000000")], 0, nodes).await?;
    let (server, urls, pids) = (&cluster.first, cluster.ws_urls(), cluster.pids());
    let admin = server.token("bench").await?;
    let room = server.room(&admin, "fanout").await?;
    let store = server.db.store().await;
    let mut tokens = vec![];
    let mut ids = vec![];
    for i in 0..members {
        let u = store
            .create_user(&NewUser {
                username: format!("fan-{i}"),
                display_name: format!("Fan {i}"),
                email: None,
                password_hash: "!".into(),
                locale: "en".into(),
                avatar_color: "#5b6cf0".into(),
                role: steward_core::SystemRole::Member,
            })
            .await?;
        let token = format!("fanout-{i}-{}", crate::uuid_ish());
        let hash = hex::encode(sha2::Sha256::digest(token.as_bytes()));
        store.create_session(u.id, &hash, "api", 86_400_000, None, None).await?;
        ids.push(u.id);
        tokens.push(token);
    }
    store.add_members(room, &ids, steward_core::RoomRole::Member).await?;

    let mut conns = vec![];
    for (i, t) in tokens.iter().enumerate() {
        conns.push(connect(&format!("{}?token={t}", urls[i % urls.len()])).await.context("connect")?);
    }
    let cpu0: f64 = pids.iter().map(|p| crate::cpu_secs(*p)).sum();
    let t0 = Instant::now();
    let snd: Vec<Ws> = conns.drain(..senders).collect();
    let body_pad = "x".repeat(40);
    let r = measure(
        conns,
        snd,
        move |i, us| {
            json!({ "op": "send", "room_id": room, "body": format!("fanout {us} from {i} {body_pad}") }).to_string()
        },
        rate,
        secs,
    )
    .await?;
    let cpu = (pids.iter().map(|p| crate::cpu_secs(*p)).sum::<f64>() - cpu0) / t0.elapsed().as_secs_f64() * 100.0;
    // Where the time may go: gap fills from the store, events dropped by a full queue (this machine only).
    for (i, base) in cluster.bases().iter().enumerate() {
        let text = reqwest::get(format!("{base}/metrics")).await?.text().await.unwrap_or_default();
        let lines: Vec<&str> = text
            .lines()
            .filter(|l| {
                !l.starts_with('#') && (l.contains("gap_fills") || l.contains("dropped") || l.contains("reorder"))
            })
            .collect();
        eprintln!("  node {} of {nodes}: {}", i + 1, lines.join(", "));
    }
    drop(cluster);
    Ok((r, cpu))
}

pub async fn run(
    bin: &std::path::Path,
    db: Db,
    members: usize,
    senders: usize,
    rate: f64,
    secs: f64,
    nodes: usize,
) -> anyhow::Result<()> {
    anyhow::ensure!((1..=2).contains(&nodes), "--nodes is 1 or 2");
    let db = if nodes == 2 { Db::Postgres } else { db };
    println!("W3 fan-out ({db:?}): one room of {members}, {senders} senders, {rate} msg/s offered for {secs} s");
    println!("  target deliveries/s  {:.0}", rate * members as f64);
    let mut results = vec![];
    for n in 1..=nodes {
        let label = if n == 1 { "steward".to_string() } else { "steward, 2 nodes".to_string() };
        results.push((label, steward(bin, db, n, members, senders, rate, secs).await?));
    }
    let room = 1;
    // The size of what a member received, for the hub's payload.
    let sample = json!({ "type": "message.created", "room_id": room, "seq": 1, "message": {
        "id": 1, "room_id": room, "seq": 1, "author_id": 1, "author": { "id": 1, "username": "fan-1", "display_name": "Fan 1", "avatar_color": "#5b6cf0" },
        "body": "fanout 0000000000 from 1 xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "html": "<p>fanout 0000000000 from 1 xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx</p>",
        "created_at": "2026-11-24T12:00:00.000Z", "edited_at": null, "deleted": false, "reply_to": null, "mentions_room": false,
        "reactions": [], "pinned": false, "attachments": [], "nonce": null, "internal": false } }).to_string();

    // The bare hub, its own process on the server's core.
    let port = crate::free_port()?;
    let me = std::env::current_exe()?;
    let mut cmd = if has_taskset() {
        let mut c = std::process::Command::new("taskset");
        c.arg("-c").arg("0").arg(&me);
        c
    } else {
        std::process::Command::new(&me)
    };
    let mut child = cmd.arg("hub").arg("--port").arg(port.to_string()).spawn()?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let url = format!("ws://127.0.0.1:{port}/");
    let mut conns = vec![];
    for _ in 0..members {
        let (ws, _) = tokio_tungstenite::connect_async(&url).await?;
        conns.push(ws);
    }
    let snd: Vec<Ws> = conns.drain(..senders).collect();
    let pad = "y".repeat(sample.len().saturating_sub(40));
    let base = measure(
        conns,
        snd,
        move |i, us| format!("{{\"body\":\"fanout {us} from {i}\",\"pad\":\"{pad}\"}}"),
        rate,
        secs,
    )
    .await;
    let _ = child.kill();
    let _ = child.wait();
    let base = base?;
    for (label, (r, cpu)) in &results {
        println!(
            "  {label:<20} {:>9.0} deliveries/s  p50 {:>7.1} ms  p99 {:>7.1} ms  ({} of {} delivered; server CPU {cpu:.0} % of a core)",
            r.deliveries_per_s, r.p50, r.p99, r.got, r.expected
        );
    }
    println!(
        "  bare hub (baseline)  {:>9.0} deliveries/s  p50 {:>7.1} ms  p99 {:>7.1} ms  ({} of {} delivered)",
        base.deliveries_per_s, base.p50, base.p99, base.got, base.expected
    );
    for (label, (r, _)) in &results {
        println!("  ratio ({label})  {:.2}", r.deliveries_per_s / base.deliveries_per_s.max(1.0));
    }
    Ok(())
}
