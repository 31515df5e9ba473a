//! W5 (history) and W6 (search) on one seeded room of `messages` messages:
//! pages of 50 at random positions and searches for ordinary and very
//! common words, through the real server over HTTP, against the same reads
//! made on the store directly from this process (no HTTP, auth or JSON).

use std::time::Instant;

use anyhow::Context;
use serde_json::Value;
use steward_store::{NewMessage, Page, SearchQuery, Store};

use crate::{Db, Server, pct};

/// A small deterministic generator (xorshift64*), so every run seeds the same text.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// 6,000 made-up words, half Cyrillic, half Latin, built from syllables.
fn vocabulary() -> Vec<String> {
    let ru = ["ка", "ло", "ми", "ну", "ре", "ст", "ва", "до", "пе", "зу", "ти", "бо", "ша", "гри", "мо", "ль"];
    let en = ["ka", "lo", "mi", "nu", "re", "st", "va", "do", "pe", "zu", "ti", "bo", "sha", "gri", "mo", "ly"];
    let mut rng = Rng(0x5EED);
    let mut words = std::collections::BTreeSet::new();
    while words.len() < 6_000 {
        let set = if words.len() % 2 == 0 { &ru } else { &en };
        let n = 2 + rng.below(3);
        let w: String = (0..n).map(|_| set[rng.below(set.len())]).collect();
        words.insert(w);
    }
    let mut v: Vec<String> = words.into_iter().collect();
    // Shuffle so rank does not follow the alphabet.
    for i in (1..v.len()).rev() {
        let j = rng.below(i + 1);
        v.swap(i, j);
    }
    v
}

/// A word by a Zipf-like law: rank r is drawn with weight 1/r.
fn zipf(rng: &mut Rng, cumulative: &[f64]) -> usize {
    let x = (rng.next() >> 11) as f64 / (1u64 << 53) as f64 * cumulative[cumulative.len() - 1];
    cumulative.partition_point(|c| *c < x).min(cumulative.len() - 1)
}

async fn seed(store: &Store, room: i64, author: i64, n: usize, words: &[String]) -> anyhow::Result<f64> {
    let mut cumulative = Vec::with_capacity(words.len());
    let mut acc = 0.0;
    for r in 1..=words.len() {
        acc += 1.0 / r as f64;
        cumulative.push(acc);
    }
    let mut rng = Rng(42);
    let started = Instant::now();
    let mut done = 0;
    while done < n {
        let batch = (n - done).min(5_000);
        let msgs: Vec<NewMessage> = (0..batch)
            .map(|_| {
                let len = 5 + rng.below(11);
                let body: Vec<&str> = (0..len).map(|_| words[zipf(&mut rng, &cumulative)].as_str()).collect();
                NewMessage::compose(room, author, &body.join(" "))
            })
            .collect();
        store.import_messages(room, &msgs, steward_store::now_ms()).await?;
        done += batch;
        if done.is_multiple_of(100_000) {
            eprintln!("  seeded {done} messages ({:.0}/s)", done as f64 / started.elapsed().as_secs_f64());
        }
    }
    let rate = n as f64 / started.elapsed().as_secs_f64();
    // As after any bulk import: the planner must know the room is big.
    store.refresh_statistics().await?;
    Ok(rate)
}

struct Lat {
    p50: f64,
    p99: f64,
    max: f64,
}

fn lat(mut v: Vec<f64>) -> Lat {
    v.sort_by(|a, b| a.total_cmp(b));
    Lat { p50: pct(&v, 0.5), p99: pct(&v, 0.99), max: v.last().copied().unwrap_or(0.0) }
}

fn row(name: &str, full: &Lat, base: &Lat) {
    println!(
        "  {name:<26} server p50 {:>7.2} ms  p99 {:>7.2} ms  max {:>7.1} ms  | store p50 {:>6.2} ms  p99 {:>6.2} ms",
        full.p50, full.p99, full.max, base.p50, base.p99
    );
}

/// Requests run one after another from `clients` tasks; each list item is one request.
async fn over_http(urls: Vec<String>, token: &str, clients: usize) -> anyhow::Result<Vec<f64>> {
    let http = reqwest::Client::new();
    let chunks: Vec<Vec<String>> = urls.chunks(urls.len().div_ceil(clients)).map(|c| c.to_vec()).collect();
    let mut tasks = vec![];
    for chunk in chunks {
        let (http, token) = (http.clone(), token.to_string());
        tasks.push(tokio::spawn(async move {
            let mut out = vec![];
            for u in chunk {
                let t = Instant::now();
                let r = http.get(&u).bearer_auth(&token).send().await?;
                let ok = r.status().is_success();
                let _ = r.bytes().await?;
                anyhow::ensure!(ok, "{u} failed");
                out.push(t.elapsed().as_secs_f64() * 1000.0);
            }
            Ok::<_, anyhow::Error>(out)
        }));
    }
    let mut all = vec![];
    for t in tasks {
        all.extend(t.await??);
    }
    Ok(all)
}

pub async fn run(
    bin: &std::path::Path,
    db: Db,
    messages: usize,
    requests: usize,
    clients: usize,
) -> anyhow::Result<()> {
    // The API's per-token budget would otherwise throttle the load generator.
    let server = Server::start(bin, db, &[("STEWARD_API_REQUESTS_PER_MINUTE", "100000000")], 1).await?;
    let token = server.token("bench").await?;
    let me_of = |token: String| {
        let url = format!("{}/api/v1/me", server.base);
        async move { reqwest::Client::new().get(url).bearer_auth(token).send().await?.json::<Value>().await }
    };
    // The reader is `bench`; the messages are someone else's, none read yet (a member's worst case).
    let reader = me_of(token.clone()).await?["id"].as_i64().context("my id")?;
    let author = me_of(server.token("bench-0").await?).await?["id"].as_i64().context("author id")?;
    let room = server.room(&token, "corpus").await?;
    let store = server.db.store().await;
    let words = vocabulary();
    println!("W5/W6 on {db:?}: one room of {messages} messages ({} distinct words, Zipf)", words.len());
    let rate = seed(&store, room, author, messages, &words).await?;
    println!("  seeded at {rate:.0} messages/s (bulk import)");
    let last = messages as i64 + 1;

    // W5: pages of 50 before random positions, and the newest page.
    let mut rng = Rng(7);
    let positions: Vec<i64> = (0..requests).map(|_| 51 + rng.below(last as usize - 51) as i64).collect();
    let urls: Vec<String> = positions
        .iter()
        .map(|p| format!("{}/api/v1/rooms/{room}/messages?before_seq={p}&limit=50", server.base))
        .collect();
    // Warm-up pass over a tenth, then the measured pass.
    over_http(urls[..requests / 10].to_vec(), &token, clients).await?;
    let started = Instant::now();
    let full = over_http(urls, &token, clients).await?;
    let http_rate = requests as f64 / started.elapsed().as_secs_f64();
    let mut base = vec![];
    for p in &positions {
        let t = Instant::now();
        let (page, _) = store.history(room, Page { before_seq: Some(*p), after_seq: None, limit: 50 }).await?;
        anyhow::ensure!(page.len() == 50, "a page of 50");
        base.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let newest = vec![format!("{}/api/v1/rooms/{room}/messages?limit=50", server.base); requests / 4];
    let newest_full = over_http(newest, &token, clients).await?;
    let mut newest_base = vec![];
    for _ in 0..requests / 4 {
        let t = Instant::now();
        store.history(room, Page { before_seq: None, after_seq: None, limit: 50 }).await?;
        newest_base.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    println!("W5 history: pages of 50, {requests} requests from {clients} clients ({http_rate:.0} pages/s)");
    row("random position", &lat(full), &lat(base));
    row("newest page", &lat(newest_full), &lat(newest_base));

    // W6: two-word queries of mid-rank words (ordinary), and the three most common words alone.
    let ordinary: Vec<String> = (0..requests / 2)
        .map(|_| format!("{} {}", words[200 + rng.below(2_000)], words[200 + rng.below(2_000)]))
        .collect();
    let rare: Vec<String> = (0..requests / 2).map(|_| words[3_000 + rng.below(3_000)].clone()).collect();
    let common: Vec<String> = (0..requests / 4).map(|i| words[i % 3].clone()).collect();
    println!("W6 search: 20 newest matches per query (the API's default page), {clients} clients");
    for (name, qs) in [("two mid-rank words", &ordinary), ("one rare word", &rare), ("one of the 3 commonest", &common)]
    {
        let urls: Vec<String> = qs
            .iter()
            .map(|q| {
                let enc: String = form_urlencoded(q);
                format!("{}/api/v1/search?q={enc}&limit=20", server.base)
            })
            .collect();
        over_http(urls[..urls.len() / 10].to_vec(), &token, clients).await?;
        let full = over_http(urls, &token, clients).await?;
        let mut base = vec![];
        for q in qs {
            let sq = SearchQuery {
                user_id: reader,
                terms: steward_core::search::query_terms(q),
                text: q.clone(),
                room_id: None,
                author_id: None,
                before_id: None,
                limit: 20,
            };
            let t = Instant::now();
            store.search(&sq, true).await?;
            base.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        row(name, &lat(full), &lat(base));
    }
    Ok(())
}

fn form_urlencoded(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
