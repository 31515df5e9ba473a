//! The memory of the rules that count over time: message rates per member, recent message
//! fingerprints (spam waves), joins per room (raids). Pure: the caller passes `now` (unix
//! milliseconds). Bounded: every table has a capacity, and when it is full the entries outside
//! their window go first, then the oldest eighth, so memory stays flat however many members,
//! rooms or messages pass.

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::sync::Arc;

/// Capacities, per rule.
#[derive(Clone, Copy, Debug)]
pub struct StateLimits {
    /// Members (room, user) tracked by one `rate` rule.
    pub members: usize,
    /// Recent messages remembered by one `duplicates` rule.
    pub fingerprints: usize,
    /// Rooms tracked by one `join_wave` rule.
    pub rooms: usize,
}

impl Default for StateLimits {
    fn default() -> Self {
        StateLimits { members: 100_000, fingerprints: 4096, rooms: 10_000 }
    }
}

/// Per-node moderation memory. One per server node, behind a mutex; rules find their part by
/// id, so it survives recompiling the rule set.
#[derive(Debug, Default)]
pub struct State {
    limits: StateLimits,
    rules: HashMap<Arc<str>, RuleState>,
}

#[derive(Debug)]
enum RuleState {
    Rate(Windows<(i64, i64)>),
    Joins(Windows<i64>),
    Dups(Fingerprints),
}

impl State {
    pub fn new(limits: StateLimits) -> Self {
        State { limits, rules: HashMap::new() }
    }

    /// Forgets rules that are no longer in `ids` (after the rule set changed).
    pub fn retain_rules<'a>(&mut self, ids: impl IntoIterator<Item = &'a str>) {
        let keep: Vec<&str> = ids.into_iter().collect();
        self.rules.retain(|k, _| keep.contains(&&**k));
    }

    /// Entries held, over all rules (for metrics and tests).
    pub fn len(&self) -> usize {
        self.rules
            .values()
            .map(|r| match r {
                RuleState::Rate(w) => w.map.len(),
                RuleState::Joins(w) => w.map.len(),
                RuleState::Dups(f) => f.ring.len(),
            })
            .sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Records a message and returns how many the member sent in the window, this one included.
    pub(crate) fn rate(&mut self, rule: &Arc<str>, room: i64, user: i64, now: i64, window_ms: i64, max: u32) -> u32 {
        let cap = self.limits.members;
        let st = self.rules.entry(rule.clone()).or_insert_with(|| RuleState::Rate(Windows::new(cap)));
        match st {
            RuleState::Rate(w) => w.record((room, user), now, window_ms, max),
            _ => 0,
        }
    }

    /// Records a join and returns how many joins the room had in the window, this one included.
    pub(crate) fn join(&mut self, rule: &Arc<str>, room: i64, now: i64, window_ms: i64, max: u32) -> u32 {
        let cap = self.limits.rooms;
        let st = self.rules.entry(rule.clone()).or_insert_with(|| RuleState::Joins(Windows::new(cap)));
        match st {
            RuleState::Joins(w) => w.record(room, now, window_ms, max),
            _ => 0,
        }
    }

    /// Records a message's fingerprint and returns how many different accounts sent the same
    /// (or a near) text within the window, this one included.
    pub(crate) fn duplicates(
        &mut self,
        rule: &Arc<str>,
        fp: Fingerprint,
        user: i64,
        now: i64,
        window_ms: i64,
        near: bool,
    ) -> u32 {
        let cap = self.limits.fingerprints.max(1);
        let st = self.rules.entry(rule.clone()).or_insert_with(|| RuleState::Dups(Fingerprints::new(cap)));
        match st {
            RuleState::Dups(f) => f.record(fp, user, now, window_ms, near),
            _ => 0,
        }
    }
}

/// Time windows per key, each holding at most `max + 1` timestamps.
#[derive(Debug)]
struct Windows<K> {
    map: HashMap<K, Window>,
    cap: usize,
}

#[derive(Debug, Default)]
struct Window {
    times: VecDeque<i64>,
    last: i64,
}

impl<K: Hash + Eq + Copy> Windows<K> {
    fn new(cap: usize) -> Self {
        Windows { map: HashMap::new(), cap: cap.max(1) }
    }

    fn record(&mut self, key: K, now: i64, window_ms: i64, max: u32) -> u32 {
        if !self.map.contains_key(&key) && self.map.len() >= self.cap {
            self.evict(now, window_ms);
        }
        let w = self.map.entry(key).or_default();
        w.times.push_back(now);
        w.last = w.last.max(now);
        let since = now.saturating_sub(window_ms);
        while w.times.front().is_some_and(|&t| t < since) {
            w.times.pop_front();
        }
        while w.times.len() > max as usize + 1 {
            w.times.pop_front();
        }
        w.times.len() as u32
    }

    fn evict(&mut self, now: i64, window_ms: i64) {
        let since = now.saturating_sub(window_ms);
        self.map.retain(|_, w| w.last >= since);
        if self.map.len() < self.cap {
            return;
        }
        // Still full of live keys: drop the least recently seen eighth.
        let mut lasts: Vec<i64> = self.map.values().map(|w| w.last).collect();
        let k = lasts.len() / 8;
        let (_, cutoff, _) = lasts.select_nth_unstable(k);
        let cutoff = *cutoff;
        self.map.retain(|_, w| w.last > cutoff);
    }
}

/// A message's fingerprint: a hash of its whole normalised text, and a MinHash signature of
/// its words and word pairs (eight minima), whose agreement estimates the Jaccard similarity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Fingerprint {
    pub exact: u64,
    pub mins: [u64; 8],
}

/// At least this many of the eight minima must agree for a near copy (Jaccard ≈ 0.6).
const NEAR_AGREEMENT: usize = 5;

impl Fingerprint {
    fn similar(&self, other: &Fingerprint, near: bool) -> bool {
        self.exact == other.exact
            || (near && self.mins.iter().zip(&other.mins).filter(|(a, b)| a == b).count() >= NEAR_AGREEMENT)
    }
}

const BANDS: usize = 4;
const BUCKETS: usize = 4096;

#[derive(Debug)]
struct Entry {
    fp: Fingerprint,
    user: i64,
    at: i64,
}

/// A ring of recent fingerprints, indexed by locality-sensitive hashing: four bands of two
/// minima each, 4096 buckets a band, so a message is compared only with those sharing a band
/// (likely when Jaccard ≥ 0.6: 1 − (1 − J²)⁴ ≈ 0.92; rare for unrelated texts, even when they
/// share common words).
#[derive(Debug)]
struct Fingerprints {
    ring: Vec<Entry>,
    next: usize,
    cap: usize,
    buckets: Vec<Vec<u32>>,
    users: Vec<i64>,
}

impl Fingerprints {
    fn new(cap: usize) -> Self {
        Fingerprints { ring: Vec::new(), next: 0, cap, buckets: vec![Vec::new(); BANDS * BUCKETS], users: Vec::new() }
    }

    fn bucket(band: usize, fp: &Fingerprint) -> usize {
        let key = mix(fp.mins[2 * band] ^ fp.mins[2 * band + 1].rotate_left(29));
        band * BUCKETS + (key as usize & (BUCKETS - 1))
    }

    fn record(&mut self, fp: Fingerprint, user: i64, now: i64, window_ms: i64, near: bool) -> u32 {
        self.users.clear();
        self.users.push(user);
        let since = now.saturating_sub(window_ms);
        for band in 0..BANDS {
            for &slot in &self.buckets[Self::bucket(band, &fp)] {
                let e = &self.ring[slot as usize];
                if e.at >= since && e.at <= now && fp.similar(&e.fp, near) && !self.users.contains(&e.user) {
                    self.users.push(e.user);
                }
            }
        }
        let count = self.users.len() as u32;
        // Store it, overwriting the oldest slot when full.
        let slot = if self.ring.len() < self.cap {
            self.ring.push(Entry { fp, user, at: now });
            self.ring.len() - 1
        } else {
            let slot = self.next;
            self.next = (self.next + 1) % self.cap;
            let old = self.ring[slot].fp;
            for band in 0..BANDS {
                let b = &mut self.buckets[Self::bucket(band, &old)];
                if let Some(i) = b.iter().position(|&s| s as usize == slot) {
                    b.swap_remove(i);
                }
            }
            self.ring[slot] = Entry { fp, user, at: now };
            slot
        };
        for band in 0..BANDS {
            let b = &mut self.buckets[Self::bucket(band, &fp)];
            if !b.contains(&(slot as u32)) {
                b.push(slot as u32);
            }
        }
        count
    }
}

/// A fast 64-bit mixer (splitmix64's finaliser).
#[inline]
pub(crate) fn mix(mut x: u64) -> u64 {
    x ^= x >> 30;
    x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x ^= x >> 27;
    x = x.wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// FNV-1a over bytes, then mixed.
#[inline]
pub(crate) fn hash_bytes(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    mix(h)
}

const SEEDS: [u64; 8] = [
    0x9e37_79b9_7f4a_7c15,
    0xc2b2_ae3d_27d4_eb4f,
    0x1656_67b1_9e37_79f9,
    0x85eb_ca77_c2b2_ae63,
    0x27d4_eb2f_1656_67c5,
    0x94d0_49bb_1331_11eb,
    0xbf58_476d_1ce4_e5b9,
    0x2545_f491_4f6c_dd1d,
];

/// Builds a fingerprint from the words of a text (as code slices).
pub(crate) fn fingerprint<'a>(words: impl Iterator<Item = &'a [u8]>) -> Fingerprint {
    let mut exact: u64 = 0x8422_2325;
    let mut mins = [u64::MAX; 8];
    let mut prev: Option<u64> = None;
    let add = |h: u64, mins: &mut [u64; 8]| {
        for (m, seed) in mins.iter_mut().zip(SEEDS) {
            let v = mix(h ^ seed);
            if v < *m {
                *m = v;
            }
        }
    };
    for w in words {
        let h = hash_bytes(w);
        exact = mix(exact ^ h);
        add(h, &mut mins);
        if let Some(p) = prev {
            add(mix(p.rotate_left(17) ^ h), &mut mins);
        }
        prev = Some(h);
    }
    Fingerprint { exact, mins }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fp(text: &str) -> Fingerprint {
        fingerprint(text.split(' ').map(str::as_bytes))
    }

    #[test]
    fn rate_window() {
        let mut st = State::new(StateLimits::default());
        let r: Arc<str> = "r".into();
        for i in 0..5 {
            assert_eq!(st.rate(&r, 1, 1, i * 100, 1000, 10), i as u32 + 1);
        }
        assert_eq!(st.rate(&r, 1, 1, 10_000, 1000, 10), 1);
        assert_eq!(st.rate(&r, 1, 2, 10_000, 1000, 10), 1);
    }

    #[test]
    fn bounded_members() {
        let mut st = State::new(StateLimits { members: 1000, fingerprints: 64, rooms: 10 });
        let r: Arc<str> = "r".into();
        for u in 0..100_000 {
            st.rate(&r, 1, u, u, 60_000, 5);
        }
        assert!(st.len() <= 1000, "{}", st.len());
        let j: Arc<str> = "j".into();
        for room in 0..10_000 {
            st.join(&j, room, room, 1000, 5);
        }
        let d: Arc<str> = "d".into();
        for u in 0..10_000 {
            st.duplicates(&d, fp(&format!("message number {u}")), u, u, 60_000, true);
        }
        assert!(st.len() <= 1000 + 10 + 64, "{}", st.len());
    }

    #[test]
    fn spam_wave() {
        let mut st = State::new(StateLimits::default());
        let d: Arc<str> = "d".into();
        let text = "join our crypto giveaway today and double your coins fast";
        assert_eq!(st.duplicates(&d, fp(text), 1, 0, 60_000, true), 1);
        assert_eq!(st.duplicates(&d, fp(text), 1, 10, 60_000, true), 1, "same account twice");
        assert_eq!(st.duplicates(&d, fp(text), 2, 20, 60_000, true), 2);
        let near = "join our crypto giveaway today and double your coins very fast";
        assert_eq!(st.duplicates(&d, fp(near), 3, 30, 60_000, true), 3);
        assert_eq!(st.duplicates(&d, fp(near), 4, 40, 60_000, false), 2, "exact only");
        assert_eq!(st.duplicates(&d, fp("something else entirely, about the weather"), 5, 50, 60_000, true), 1);
        assert_eq!(st.duplicates(&d, fp(text), 6, 200_000, 60_000, true), 1, "window passed");
    }
}
