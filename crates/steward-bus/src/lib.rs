//! Fan-out of events to live connections.
//!
//! Two layers. The [`Hub`] is this process's registry of gateway connections
//! and their room subscriptions; it hands each event to the bounded queue of
//! every connection that should see it, and flags a connection whose queue is
//! full (a slow consumer) so its task disconnects it — the client then
//! resumes from its last seq, so nothing is lost and memory stays bounded.
//! A [`Bus`] carries events between nodes: [`LocalBus`] (one process)
//! dispatches straight into the hub; a NATS backend publishes to the broker
//! and dispatches what it receives. Callers only see the trait.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

pub use bytes::Bytes;

use tokio::sync::{Notify, mpsc};

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
}

#[derive(Debug, Clone)]
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
            | Control::EndSession { user_id, .. } => Topic::User(user_id),
            Control::Restrict { room_id } => Topic::Room(room_id),
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
}

/// This node's connections and their subscriptions.
#[derive(Default)]
pub struct Hub {
    reg: RwLock<Registry>,
    next_id: AtomicU64,
    dropped: AtomicU64,
}

impl Hub {
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers a connection of one session, subscribed to `rooms`, with a
    /// queue of `capacity` events.
    pub fn register(&self, user_id: i64, session_id: i64, rooms: &[i64], capacity: usize) -> ConnHandle {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        let (tx, rx) = mpsc::channel(capacity.max(1));
        let kill = Arc::new(Notify::new());
        let overflowed = Arc::new(AtomicBool::new(false));
        let stale = Arc::new(AtomicBool::new(false));
        let mut reg = self.reg.write().unwrap_or_else(|e| e.into_inner());
        reg.conns.insert(
            id,
            Entry { user_id, session_id, tx, kill: kill.clone(), overflowed: overflowed.clone(), stale: stale.clone() },
        );
        for &room in rooms {
            reg.rooms.entry(room).or_default().insert(id);
        }
        reg.subs.insert(id, rooms.iter().copied().collect());
        let mine = reg.by_user.entry(user_id).or_default();
        mine.insert(id);
        let first_for_user = mine.len() == 1;
        ConnHandle { id, user_id, rx, kill, overflowed, stale, first_for_user }
    }

    /// Removes a connection; returns true if it was the user's last one on this node.
    pub fn unregister(&self, id: ConnId) -> bool {
        let mut reg = self.reg.write().unwrap_or_else(|e| e.into_inner());
        let Some(entry) = reg.conns.remove(&id) else {
            return false;
        };
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
        let mut last = false;
        if let Some(set) = reg.by_user.get_mut(&entry.user_id) {
            set.remove(&id);
            if set.is_empty() {
                reg.by_user.remove(&entry.user_id);
                last = true;
            }
        }
        last
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

    /// Is this user connected to this node?
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
    /// connection of the topic.
    pub fn dispatch(&self, env: Arc<Envelope>) {
        if let Some(control) = env.control {
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
            }
        }
        if env.payload.is_none() {
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
        assert!(!hub.unregister(a.id));
        assert!(hub.unregister(b.id));
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
}
