//! Fan-out of events to live connections.
//!
//! Two layers. The [`Hub`] is this process's registry of gateway connections
//! and their room subscriptions; it hands each event to the bounded queue of
//! every connection that should see it, and flags a connection whose queue is
//! full (a slow consumer) so its task disconnects it — the client then
//! resumes from its last seq, so nothing is lost and memory stays bounded.
//! A [`Bus`] carries events between nodes: [`LocalBus`] (one process)
//! dispatches straight into the hub; [`NatsBus`] (several nodes) dispatches
//! into this node's hub and publishes to NATS, and each other node
//! dispatches what it receives into its own hub. Callers only see the trait.
//!
//! The hub also keeps the cluster's presence as the other nodes report it
//! ([`Presence`], [`Hub::presence`]) and passes what only the server can act
//! on — another node changed a cache, someone's presence changed elsewhere,
//! the link to the other nodes came back — to the server as [`NodeEvent`]s.

mod nats;
pub mod wire;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

pub use bytes::Bytes;
pub use nats::{NatsBus, NatsError, NatsOptions};

use tokio::sync::{Notify, broadcast, mpsc};

pub type ConnId = u64;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Topic {
    /// Members (and live readers) of one room.
    Room(i64),
    /// Every connection of one user.
    User(i64),
    /// Every connection on every node.
    All,
}

/// A node's cache of something stored, reloaded when another node changes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum CacheKind {
    /// The moderation rules (the compiled engine).
    ModerationRules = 0,
    /// The mutes and bans in force.
    Sanctions = 1,
    /// The shared ban lists, their subscriptions and exemptions.
    BanLists = 2,
    /// The installation settings (sign-up, 2FA, retention, API rate, …).
    Settings = 3,
    /// The FAQ bot's knowledge base.
    Faq = 4,
    /// Who holds `support.view_all`.
    SupportViewers = 5,
    /// The active webhooks (the outbox sender's list).
    Webhooks = 6,
}

impl CacheKind {
    pub const ALL: [CacheKind; 7] = [
        CacheKind::ModerationRules,
        CacheKind::Sanctions,
        CacheKind::BanLists,
        CacheKind::Settings,
        CacheKind::Faq,
        CacheKind::SupportViewers,
        CacheKind::Webhooks,
    ];

    pub fn from_u8(tag: u8) -> Option<CacheKind> {
        CacheKind::ALL.get(usize::from(tag)).copied()
    }
}

/// Whether someone is reachable, best first across every node they are on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum Presence {
    Offline = 0,
    Away = 1,
    Online = 2,
}

impl Presence {
    pub fn as_str(self) -> &'static str {
        match self {
            Presence::Offline => "offline",
            Presence::Away => "away",
            Presence::Online => "online",
        }
    }

    pub fn from_u8(tag: u8) -> Option<Presence> {
        [Presence::Offline, Presence::Away, Presence::Online].get(usize::from(tag)).copied()
    }
}

/// What the server must act on that arrived from other nodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeEvent {
    /// Another node changed this cache: reload it from the store.
    Invalidate(CacheKind),
    /// Someone's presence across the cluster changed because of another
    /// node (they connected there, left, went away, or that node is gone):
    /// tell this node's connections.
    Presence { user_id: i64, status: Presence },
    /// The link to the other nodes was down and is back: room events may
    /// have been missed meanwhile; connections catch up from the store.
    Reconnected,
}

/// A change to subscriptions, applied by each node's hub before the payload
/// (if any) is delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    /// The user's connections start receiving this room.
    Subscribe { user_id: i64, room_id: i64 },
    /// The user's rights changed: their connections reload the user before
    /// the next thing they do.
    Refresh { user_id: i64 },
    /// Who may read the room changed (made private, deleted): every
    /// connection receiving it re-checks its rooms before the next event.
    Restrict { room_id: i64 },
    /// The user's connections stop receiving this room.
    Unsubscribe { user_id: i64, room_id: i64 },
    /// Close every connection of the user (deactivated, logged out everywhere).
    Disconnect { user_id: i64 },
    /// Close the connections opened with one session (that session logged out).
    EndSession { user_id: i64, session_id: i64 },
    /// The publishing node changed a cache; every other node reloads it.
    /// The publisher has already updated its own copy, so its hub ignores it.
    Invalidate(CacheKind),
    /// The person's status on the publishing node (its connections of
    /// them, away or not). Other nodes combine it with their own.
    Presence { user_id: i64, status: Presence },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Envelope {
    pub topic: Topic,
    /// The room stream position for durable room events; `None` for
    /// ephemeral ones (typing, presence).
    pub seq: Option<i64>,
    /// The event as the gateway sends it (JSON text), shared by every receiver.
    pub payload: Option<Bytes>,
    pub control: Option<Control>,
}

impl Envelope {
    pub fn event(topic: Topic, seq: Option<i64>, payload: impl Into<Bytes>) -> Self {
        Envelope { topic, seq, payload: Some(payload.into()), control: None }
    }
    pub fn control(control: Control) -> Self {
        let topic = match control {
            Control::Subscribe { user_id, .. }
            | Control::Unsubscribe { user_id, .. }
            | Control::Disconnect { user_id }
            | Control::Refresh { user_id }
            | Control::EndSession { user_id, .. }
            | Control::Presence { user_id, .. } => Topic::User(user_id),
            Control::Restrict { room_id } => Topic::Room(room_id),
            Control::Invalidate(_) => Topic::All,
        };
        Envelope { topic, seq: None, payload: None, control: Some(control) }
    }
    /// The room this event belongs to, for room topics.
    pub fn room_id(&self) -> Option<i64> {
        match self.topic {
            Topic::Room(id) => Some(id),
            _ => None,
        }
    }
}

/// Carries events to every node's hub.
pub trait Bus: Send + Sync + 'static {
    fn publish(&self, envelope: Envelope);
}

/// The single-process bus: publishing is dispatching to the local hub.
pub struct LocalBus {
    hub: Arc<Hub>,
}

impl LocalBus {
    pub fn new(hub: Arc<Hub>) -> Self {
        LocalBus { hub }
    }
}

impl Bus for LocalBus {
    fn publish(&self, envelope: Envelope) {
        self.hub.dispatch(Arc::new(envelope));
    }
}

/// What a connection's task holds: its queue and the signals the hub raises.
pub struct ConnHandle {
    pub id: ConnId,
    pub user_id: i64,
    pub rx: mpsc::Receiver<Arc<Envelope>>,
    /// Raised when the hub wants the connection closed (overflow or Disconnect).
    pub kill: Arc<Notify>,
    pub overflowed: Arc<AtomicBool>,
    /// Raised by `Control::Refresh`: the person's role or rights changed.
    pub stale: Arc<AtomicBool>,
    /// True if this is the user's only connection on this node.
    pub first_for_user: bool,
    /// The person's presence changed with this connection (their first here).
    pub presence: Option<PresenceChange>,
}

/// One person's presence changed on this node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PresenceChange {
    pub user_id: i64,
    /// Their status on this node now: what the other nodes are told.
    pub local: Presence,
    /// Their status across the cluster, when that changed too: what this
    /// node's connections are told. `None`: another node still has them
    /// (going offline here while online there changes nothing for anyone).
    pub cluster: Option<Presence>,
}

struct Entry {
    user_id: i64,
    session_id: i64,
    tx: mpsc::Sender<Arc<Envelope>>,
    kill: Arc<Notify>,
    overflowed: Arc<AtomicBool>,
    stale: Arc<AtomicBool>,
}

#[derive(Default)]
struct Registry {
    conns: HashMap<ConnId, Entry>,
    rooms: HashMap<i64, HashSet<ConnId>>,
    /// Rooms each connection is subscribed to, to undo on unregister.
    subs: HashMap<ConnId, HashSet<i64>>,
    by_user: HashMap<i64, HashSet<ConnId>>,
    /// Connected people who said they are away.
    away: HashSet<i64>,
    /// Connected people whose connections do not make them present (the
    /// support widget's visitors).
    quiet: HashSet<i64>,
}

impl Registry {
    fn local(&self, user_id: i64) -> Presence {
        if !self.by_user.contains_key(&user_id) || self.quiet.contains(&user_id) {
            Presence::Offline
        } else if self.away.contains(&user_id) {
            Presence::Away
        } else {
            Presence::Online
        }
    }
}

/// What the other nodes reported: person → node → (status, when heard).
type Remote = HashMap<i64, HashMap<u64, (Presence, Instant)>>;

fn remote_best(remote: &Remote, user_id: i64) -> Presence {
    remote.get(&user_id).map_or(Presence::Offline, remote_best_of)
}

fn remote_best_of(nodes: &HashMap<u64, (Presence, Instant)>) -> Presence {
    nodes.values().map(|v| v.0).max().unwrap_or(Presence::Offline)
}

/// This node's connections and their subscriptions.
pub struct Hub {
    reg: RwLock<Registry>,
    /// Lock order: `reg` before `remote`.
    remote: Mutex<Remote>,
    events: broadcast::Sender<NodeEvent>,
    next_id: AtomicU64,
    dropped: AtomicU64,
    /// Room events waiting for the seqs before them (see [`Hub::dispatch`]).
    /// Lock order: `order` before `reg`.
    order: Mutex<HashMap<i64, RoomOrder>>,
    gapped: AtomicU64,
}

/// How long a room event waits for a missing earlier seq before it is
/// delivered anyway (the connections then read the gap from the store).
pub const REORDER_HOLD: Duration = Duration::from_millis(25);

/// Where a room's events stand on this node.
struct RoomOrder {
    /// The seq expected next.
    next: i64,
    /// Events that came before their predecessors, by seq.
    held: BTreeMap<i64, Arc<Envelope>>,
    /// A release is scheduled.
    timer: bool,
}

impl Default for Hub {
    fn default() -> Self {
        Hub {
            reg: RwLock::default(),
            remote: Mutex::default(),
            events: broadcast::channel(4096).0,
            next_id: AtomicU64::new(0),
            dropped: AtomicU64::new(0),
            order: Mutex::default(),
            gapped: AtomicU64::new(0),
        }
    }
}

impl Hub {
    pub fn new() -> Self {
        Self::default()
    }

    fn remote(&self) -> std::sync::MutexGuard<'_, Remote> {
        self.remote.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Registers a connection of one session, subscribed to `rooms`, with a
    /// queue of `capacity` events.
    pub fn register(&self, user_id: i64, session_id: i64, rooms: &[i64], capacity: usize) -> ConnHandle {
        self.register_as(user_id, session_id, rooms, capacity, true)
    }

    /// Registers a connection that does not make its person present: the
    /// support widget's visitors have no presence.
    pub fn register_quiet(&self, user_id: i64, session_id: i64, rooms: &[i64], capacity: usize) -> ConnHandle {
        self.register_as(user_id, session_id, rooms, capacity, false)
    }

    fn register_as(&self, user_id: i64, session_id: i64, rooms: &[i64], capacity: usize, present: bool) -> ConnHandle {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        let (tx, rx) = mpsc::channel(capacity.max(1));
        let kill = Arc::new(Notify::new());
        let overflowed = Arc::new(AtomicBool::new(false));
        let stale = Arc::new(AtomicBool::new(false));
        let mut reg = self.reg.write().unwrap_or_else(|e| e.into_inner());
        let before = reg.local(user_id);
        reg.conns.insert(
            id,
            Entry { user_id, session_id, tx, kill: kill.clone(), overflowed: overflowed.clone(), stale: stale.clone() },
        );
        for &room in rooms {
            reg.rooms.entry(room).or_default().insert(id);
        }
        reg.subs.insert(id, rooms.iter().copied().collect());
        if !present {
            reg.quiet.insert(user_id);
        }
        let mine = reg.by_user.entry(user_id).or_default();
        mine.insert(id);
        let first_for_user = mine.len() == 1;
        let presence = self.local_change(&reg, user_id, before);
        ConnHandle { id, user_id, rx, kill, overflowed, stale, first_for_user, presence }
    }

    /// The change after this node's view of a person moved from `before`.
    fn local_change(&self, reg: &Registry, user_id: i64, before: Presence) -> Option<PresenceChange> {
        let local = reg.local(user_id);
        if local == before {
            return None;
        }
        let remote = remote_best(&self.remote(), user_id);
        let (was, now) = (before.max(remote), local.max(remote));
        Some(PresenceChange { user_id, local, cluster: (was != now).then_some(now) })
    }

    /// Removes a connection; returns the presence change when it was the
    /// user's last one on this node.
    pub fn unregister(&self, id: ConnId) -> Option<PresenceChange> {
        let mut reg = self.reg.write().unwrap_or_else(|e| e.into_inner());
        let entry = reg.conns.remove(&id)?;
        let before = reg.local(entry.user_id);
        if let Some(rooms) = reg.subs.remove(&id) {
            for room in rooms {
                if let Some(set) = reg.rooms.get_mut(&room) {
                    set.remove(&id);
                    if set.is_empty() {
                        reg.rooms.remove(&room);
                    }
                }
            }
        }
        if let Some(set) = reg.by_user.get_mut(&entry.user_id) {
            set.remove(&id);
            if set.is_empty() {
                reg.by_user.remove(&entry.user_id);
                reg.away.remove(&entry.user_id);
                reg.quiet.remove(&entry.user_id);
            }
        }
        self.local_change(&reg, entry.user_id, before)
    }

    /// A connected person says they are away (or back); `None` if that
    /// changes nothing (not connected here, or already so).
    pub fn set_away(&self, user_id: i64, away: bool) -> Option<PresenceChange> {
        let mut reg = self.reg.write().unwrap_or_else(|e| e.into_inner());
        if !reg.by_user.contains_key(&user_id) {
            return None;
        }
        let before = reg.local(user_id);
        if away {
            reg.away.insert(user_id);
        } else {
            reg.away.remove(&user_id);
        }
        self.local_change(&reg, user_id, before)
    }

    /// The person's presence across the cluster, as this node knows it:
    /// the best of its own connections and what the other nodes reported.
    pub fn presence(&self, user_id: i64) -> Presence {
        let reg = self.reg.read().unwrap_or_else(|e| e.into_inner());
        reg.local(user_id).max(remote_best(&self.remote(), user_id))
    }

    /// People connected to this node and their status here (what this node
    /// tells the others every few seconds).
    pub fn local_presence(&self) -> Vec<(i64, Presence)> {
        self.with_local_presence(|list| list)
    }

    /// Runs `send` on the list of people here with no presence change in
    /// between: a change is published after it is made, so a list queued
    /// inside this call can never overtake (and undo) a later change.
    pub fn with_local_presence<T>(&self, send: impl FnOnce(Vec<(i64, Presence)>) -> T) -> T {
        let reg = self.reg.read().unwrap_or_else(|e| e.into_inner());
        let list = reg.by_user.keys().map(|&u| (u, reg.local(u))).filter(|p| p.1 != Presence::Offline).collect();
        send(list)
    }

    /// Applies what another node reports of its people; tells the server
    /// (as [`NodeEvent::Presence`]) whose status across the cluster changed.
    pub fn apply_remote_presence(&self, node: u64, list: &[(i64, Presence)], now: Instant) {
        let reg = self.reg.read().unwrap_or_else(|e| e.into_inner());
        let mut remote = self.remote();
        for &(user_id, status) in list {
            let local = reg.local(user_id);
            let was = local.max(remote_best(&remote, user_id));
            if status == Presence::Offline {
                if let Some(nodes) = remote.get_mut(&user_id) {
                    nodes.remove(&node);
                    if nodes.is_empty() {
                        remote.remove(&user_id);
                    }
                }
            } else {
                remote.entry(user_id).or_default().insert(node, (status, now));
            }
            let is = local.max(remote_best(&remote, user_id));
            if was != is {
                let _ = self.events.send(NodeEvent::Presence { user_id, status: is });
            }
        }
    }

    /// Forgets what nodes reported before `before` (a node that stopped
    /// reporting is gone) or, with `node`, everything one node reported.
    pub fn expire_remote_presence(&self, before: Instant, node: Option<u64>) {
        let reg = self.reg.read().unwrap_or_else(|e| e.into_inner());
        let mut remote = self.remote();
        let mut changed = vec![];
        remote.retain(|&user_id, nodes| {
            let was = remote_best_of(nodes);
            nodes.retain(|n, v| v.1 >= before && node.is_none_or(|gone| gone != *n));
            let is = remote_best_of(nodes);
            if was != is {
                let local = reg.local(user_id);
                if local.max(was) != local.max(is) {
                    changed.push((user_id, local.max(is)));
                }
            }
            !nodes.is_empty()
        });
        for (user_id, status) in changed {
            let _ = self.events.send(NodeEvent::Presence { user_id, status });
        }
    }

    /// What arrived from another node: applied like a local publication,
    /// and what only the server can act on goes to [`Hub::node_events`].
    pub fn receive(self: &Arc<Self>, node: u64, env: Arc<Envelope>) {
        match env.control {
            Some(Control::Invalidate(kind)) => {
                let _ = self.events.send(NodeEvent::Invalidate(kind));
            }
            Some(Control::Presence { user_id, status }) => {
                self.apply_remote_presence(node, &[(user_id, status)], Instant::now());
            }
            _ => {}
        }
        self.dispatch(env);
    }

    /// Events from other nodes for the server (cache invalidations, presence
    /// changes, reconnection). A receiver that falls behind by more than
    /// 4,096 gets `Lagged` and should reload everything.
    pub fn node_events(&self) -> broadcast::Receiver<NodeEvent> {
        self.events.subscribe()
    }

    pub(crate) fn emit(&self, event: NodeEvent) {
        let _ = self.events.send(event);
    }

    /// Rooms some connection here receives.
    pub fn room_ids(&self) -> Vec<i64> {
        self.reg.read().unwrap_or_else(|e| e.into_inner()).rooms.keys().copied().collect()
    }

    /// Asks every connection to close (the node is going away).
    pub fn close_all(&self) {
        let reg = self.reg.read().unwrap_or_else(|e| e.into_inner());
        for e in reg.conns.values() {
            e.kill.notify_one();
        }
    }

    /// Subscribes one connection to a room (a public room it reads without joining).
    pub fn subscribe_conn(&self, id: ConnId, room_id: i64) {
        let mut reg = self.reg.write().unwrap_or_else(|e| e.into_inner());
        if reg.conns.contains_key(&id) {
            reg.rooms.entry(room_id).or_default().insert(id);
            reg.subs.entry(id).or_default().insert(room_id);
        }
    }

    pub fn unsubscribe_conn(&self, id: ConnId, room_id: i64) {
        let mut reg = self.reg.write().unwrap_or_else(|e| e.into_inner());
        Self::unsubscribe_locked(&mut reg, id, room_id);
    }

    fn unsubscribe_locked(reg: &mut Registry, id: ConnId, room_id: i64) {
        if let Some(set) = reg.rooms.get_mut(&room_id) {
            set.remove(&id);
            if set.is_empty() {
                reg.rooms.remove(&room_id);
            }
        }
        if let Some(s) = reg.subs.get_mut(&id) {
            s.remove(&room_id);
        }
    }

    /// Is this user connected to this node? (Across nodes: [`Hub::presence`].)
    pub fn is_connected(&self, user_id: i64) -> bool {
        self.reg.read().unwrap_or_else(|e| e.into_inner()).by_user.contains_key(&user_id)
    }

    pub fn connection_count(&self) -> usize {
        self.reg.read().unwrap_or_else(|e| e.into_inner()).conns.len()
    }

    /// Users with at least one connection here.
    pub fn online_users(&self) -> Vec<i64> {
        self.reg.read().unwrap_or_else(|e| e.into_inner()).by_user.keys().copied().collect()
    }

    /// Events not delivered because a queue was full (those connections were closed).
    pub fn dropped_events(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// Applies the envelope's control, then queues its payload for every
    /// connection of the topic. A room's events go out in seq order: one
    /// that arrives before an earlier seq (two writers committed close
    /// together, or the earlier one is still crossing NATS from another node)
    /// waits up to [`REORDER_HOLD`] for it, so connections rarely see a gap
    /// (each gap costs every connection of the room a read from the store).
    /// Older seqs and duplicates pass through: connections drop what they have.
    pub fn dispatch(self: &Arc<Self>, env: Arc<Envelope>) {
        let (Topic::Room(room), Some(seq), true) = (env.topic, env.seq, env.payload.is_some()) else {
            return self.deliver(env);
        };
        let mut order = self.order.lock().unwrap_or_else(|e| e.into_inner());
        let o = order.entry(room).or_insert(RoomOrder { next: seq, held: BTreeMap::new(), timer: false });
        if seq < o.next {
            drop(order);
            return self.deliver(env);
        }
        if seq > o.next {
            o.held.insert(seq, env);
            if !o.timer {
                o.timer = true;
                let hub = self.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(REORDER_HOLD).await;
                    hub.release(room);
                });
            }
            return;
        }
        // Delivered under the lock, so a room's events leave in order.
        o.next = seq + 1;
        self.deliver(env);
        while let Some(next) = o.held.remove(&o.next) {
            o.next += 1;
            self.deliver(next);
        }
    }

    /// The hold is over: what waits goes out in order, gaps and all.
    fn release(&self, room: i64) {
        let mut order = self.order.lock().unwrap_or_else(|e| e.into_inner());
        let Some(o) = order.get_mut(&room) else { return };
        o.timer = false;
        if !o.held.is_empty() {
            self.gapped.fetch_add(o.held.len() as u64, Ordering::Relaxed);
        }
        for (seq, env) in std::mem::take(&mut o.held) {
            o.next = seq + 1;
            self.deliver(env);
        }
    }

    fn deliver(&self, env: Arc<Envelope>) {
        // Presence and invalidations are between nodes only: the publisher
        // has applied its own (a node applies another's in `Hub::receive`),
        // so they take no lock here.
        if let Some(control) = env.control.filter(|c| !matches!(c, Control::Invalidate(_) | Control::Presence { .. })) {
            let mut reg = self.reg.write().unwrap_or_else(|e| e.into_inner());
            match control {
                Control::Subscribe { user_id, room_id } => {
                    let ids: Vec<ConnId> =
                        reg.by_user.get(&user_id).map(|s| s.iter().copied().collect()).unwrap_or_default();
                    for id in ids {
                        reg.rooms.entry(room_id).or_default().insert(id);
                        reg.subs.entry(id).or_default().insert(room_id);
                    }
                }
                Control::Unsubscribe { user_id, room_id } => {
                    let ids: Vec<ConnId> =
                        reg.by_user.get(&user_id).map(|s| s.iter().copied().collect()).unwrap_or_default();
                    for id in ids {
                        Self::unsubscribe_locked(&mut reg, id, room_id);
                    }
                }
                Control::Disconnect { user_id } => {
                    for id in reg.by_user.get(&user_id).into_iter().flatten() {
                        if let Some(e) = reg.conns.get(id) {
                            e.kill.notify_one();
                        }
                    }
                }
                Control::Refresh { user_id } => {
                    for id in reg.by_user.get(&user_id).into_iter().flatten() {
                        if let Some(e) = reg.conns.get(id) {
                            e.stale.store(true, Ordering::Relaxed);
                        }
                    }
                }
                Control::Restrict { room_id } => {
                    for id in reg.rooms.get(&room_id).into_iter().flatten() {
                        if let Some(e) = reg.conns.get(id) {
                            e.stale.store(true, Ordering::Relaxed);
                        }
                    }
                }
                Control::EndSession { user_id, session_id } => {
                    for id in reg.by_user.get(&user_id).into_iter().flatten() {
                        if let Some(e) = reg.conns.get(id).filter(|e| e.session_id == session_id) {
                            e.kill.notify_one();
                        }
                    }
                }
                Control::Invalidate(_) | Control::Presence { .. } => {}
            }
        }
        // A room envelope with a seq and no payload is a catch-up mark
        // (after a lost link to the other nodes): connections read up to it.
        if env.payload.is_none() && (env.seq.is_none() || env.room_id().is_none()) {
            return;
        }
        let reg = self.reg.read().unwrap_or_else(|e| e.into_inner());
        let send = |id: &ConnId| {
            if let Some(e) = reg.conns.get(id) {
                self.offer(e, &env);
            }
        };
        match env.topic {
            Topic::Room(room) => reg.rooms.get(&room).into_iter().flatten().for_each(send),
            Topic::User(user) => reg.by_user.get(&user).into_iter().flatten().for_each(send),
            Topic::All => reg.conns.keys().for_each(send),
        }
    }

    /// Room events delivered after a hold ran out with a gap before them.
    pub fn released_with_gap(&self) -> u64 {
        self.gapped.load(Ordering::Relaxed)
    }

    fn offer(&self, e: &Entry, env: &Arc<Envelope>) {
        if e.overflowed.load(Ordering::Relaxed) {
            return;
        }
        if e.tx.try_send(env.clone()).is_err() {
            // Full (slow consumer) or closed: stop feeding it; its task closes
            // the socket and the client resumes from its last seq.
            e.overflowed.store(true, Ordering::Relaxed);
            self.dropped.fetch_add(1, Ordering::Relaxed);
            e.kill.notify_one();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(room: i64, seq: i64) -> Envelope {
        Envelope::event(Topic::Room(room), Some(seq), format!("{{\"seq\":{seq}}}"))
    }

    #[tokio::test]
    async fn delivers_to_subscribers_only() {
        let hub = Arc::new(Hub::new());
        let bus = LocalBus::new(hub.clone());
        let mut a = hub.register(1, 0, &[10], 8);
        let mut b = hub.register(2, 0, &[11], 8);
        bus.publish(ev(10, 1));
        assert_eq!(a.rx.recv().await.and_then(|e| e.seq), Some(1));
        assert!(b.rx.try_recv().is_err());
        bus.publish(Envelope::control(Control::Subscribe { user_id: 2, room_id: 10 }));
        bus.publish(ev(10, 2));
        assert_eq!(b.rx.recv().await.and_then(|e| e.seq), Some(2));
        bus.publish(Envelope::control(Control::Unsubscribe { user_id: 2, room_id: 10 }));
        bus.publish(ev(10, 3));
        assert!(b.rx.try_recv().is_err());
        assert_eq!(a.rx.recv().await.and_then(|e| e.seq), Some(2));
    }

    #[tokio::test]
    async fn room_events_leave_in_seq_order() {
        let hub = Arc::new(Hub::new());
        let bus = LocalBus::new(hub.clone());
        let mut a = hub.register(1, 0, &[10, 11], 64);
        bus.publish(ev(10, 1));
        // 3 and 4 overtake 2: they wait for it.
        bus.publish(ev(10, 3));
        bus.publish(ev(10, 4));
        bus.publish(ev(11, 7));
        bus.publish(ev(10, 2));
        // A duplicate of a delivered seq passes through (the connection drops it).
        bus.publish(ev(10, 2));
        let mut got = vec![];
        while let Ok(e) = a.rx.try_recv() {
            got.push((e.room_id().unwrap_or_default(), e.seq.unwrap_or_default()));
        }
        assert_eq!(got, [(10, 1), (11, 7), (10, 2), (10, 3), (10, 4), (10, 2)]);
        // A seq that never comes: the later ones go out after the hold, in order.
        bus.publish(ev(10, 7));
        bus.publish(ev(10, 6));
        assert!(a.rx.try_recv().is_err(), "held while 5 may still come");
        let started = Instant::now();
        let first = a.rx.recv().await.and_then(|e| e.seq);
        assert!(started.elapsed() >= REORDER_HOLD - Duration::from_millis(5));
        assert_eq!((first, a.rx.recv().await.and_then(|e| e.seq)), (Some(6), Some(7)));
        assert_eq!(hub.released_with_gap(), 2);
        bus.publish(ev(10, 8));
        assert_eq!(a.rx.recv().await.and_then(|e| e.seq), Some(8), "in step again");
    }

    #[tokio::test]
    async fn slow_consumer_is_flagged_not_buffered() {
        let hub = Arc::new(Hub::new());
        let bus = LocalBus::new(hub.clone());
        let c = hub.register(1, 0, &[10], 4);
        for seq in 1..=10 {
            bus.publish(ev(10, seq));
        }
        assert!(c.overflowed.load(Ordering::Relaxed));
        assert_eq!(c.rx.len(), 4);
        assert_eq!(hub.dropped_events(), 1);
        // The kill signal is pending for the connection's task.
        tokio::time::timeout(std::time::Duration::from_millis(100), c.kill.notified()).await.unwrap();
    }

    #[tokio::test]
    async fn first_and_last_connection_of_a_user() {
        let hub = Hub::new();
        let a = hub.register(7, 0, &[], 4);
        let b = hub.register(7, 0, &[], 4);
        assert!(a.first_for_user && !b.first_for_user);
        assert!(hub.unregister(a.id).is_none());
        assert!(hub.unregister(b.id).is_some());
        assert!(!hub.is_connected(7));
    }

    #[tokio::test]
    async fn end_session_kills_only_that_sessions_connections() {
        let hub = Arc::new(Hub::new());
        let a = hub.register(5, 1, &[], 4);
        let b = hub.register(5, 2, &[], 4);
        LocalBus::new(hub.clone()).publish(Envelope::control(Control::EndSession { user_id: 5, session_id: 1 }));
        tokio::time::timeout(std::time::Duration::from_millis(100), a.kill.notified()).await.unwrap();
        assert!(tokio::time::timeout(std::time::Duration::from_millis(50), b.kill.notified()).await.is_err());
    }

    #[tokio::test]
    async fn disconnect_control_kills_user_connections() {
        let hub = Arc::new(Hub::new());
        let c = hub.register(5, 0, &[], 4);
        let a = hub.register(6, 0, &[], 4);
        LocalBus::new(hub.clone()).publish(Envelope::control(Control::Refresh { user_id: 5 }));
        assert!(c.stale.load(Ordering::Relaxed) && !a.stale.load(Ordering::Relaxed));
        LocalBus::new(hub.clone()).publish(Envelope::control(Control::Disconnect { user_id: 5 }));
        let r = hub.register(8, 0, &[77], 4);
        LocalBus::new(hub.clone()).publish(Envelope::control(Control::Restrict { room_id: 77 }));
        assert!(r.stale.load(Ordering::Relaxed), "readers of a restricted room re-check");
        assert!(!a.stale.load(Ordering::Relaxed));
        tokio::time::timeout(std::time::Duration::from_millis(100), c.kill.notified()).await.unwrap();
    }

    #[tokio::test]
    async fn presence_is_the_best_of_every_node() {
        let hub = Hub::new();
        let mut events = hub.node_events();
        let now = Instant::now();
        // Online on another node only: online here too.
        hub.apply_remote_presence(2, &[(7, Presence::Online)], now);
        assert_eq!(hub.presence(7), Presence::Online);
        assert_eq!(events.try_recv().unwrap(), NodeEvent::Presence { user_id: 7, status: Presence::Online });
        // Connecting here too changes nothing anyone sees.
        let c = hub.register(7, 0, &[], 4);
        assert_eq!(c.presence, Some(PresenceChange { user_id: 7, local: Presence::Online, cluster: None }));
        // Away here, online there: still online.
        assert_eq!(hub.set_away(7, true), Some(PresenceChange { user_id: 7, local: Presence::Away, cluster: None }));
        assert_eq!(hub.presence(7), Presence::Online);
        // The other node says they left: away (this node's status) for everyone.
        hub.apply_remote_presence(2, &[(7, Presence::Offline)], now);
        assert_eq!(events.try_recv().unwrap(), NodeEvent::Presence { user_id: 7, status: Presence::Away });
        // Leaving here: offline everywhere.
        assert_eq!(
            hub.unregister(c.id),
            Some(PresenceChange { user_id: 7, local: Presence::Offline, cluster: Some(Presence::Offline) })
        );
        // A node that stops reporting takes its people with it.
        hub.apply_remote_presence(3, &[(8, Presence::Away)], now);
        hub.expire_remote_presence(now, None);
        assert_eq!(hub.presence(8), Presence::Away, "heard at `now`: kept");
        hub.expire_remote_presence(now + std::time::Duration::from_secs(1), None);
        assert_eq!(hub.presence(8), Presence::Offline);
        let seen: Vec<NodeEvent> = std::iter::from_fn(|| events.try_recv().ok()).collect();
        assert_eq!(seen.last(), Some(&NodeEvent::Presence { user_id: 8, status: Presence::Offline }));
    }

    #[tokio::test]
    async fn invalidations_from_other_nodes_reach_the_server_own_ones_do_not() {
        let hub = Arc::new(Hub::new());
        let mut events = hub.node_events();
        LocalBus::new(hub.clone()).publish(Envelope::control(Control::Invalidate(CacheKind::Settings)));
        assert!(events.try_recv().is_err(), "a node's own invalidation is not applied twice");
        hub.receive(9, Arc::new(Envelope::control(Control::Invalidate(CacheKind::Faq))));
        assert_eq!(events.try_recv().unwrap(), NodeEvent::Invalidate(CacheKind::Faq));
    }
}
