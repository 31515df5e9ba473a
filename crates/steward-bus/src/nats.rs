//! The cluster bus over NATS (core publish/subscribe, no JetStream).
//!
//! **Subjects.** `steward.<cluster>.room.<id>`, `.user.<id>`, `.all`, and
//! `.node` for the nodes' own traffic (presence lists, sync, leaving). Every
//! node subscribes to `steward.<cluster>.>` with one subscription: each node
//! needs every event (it cannot know in advance who will connect where), and
//! one subscription is one ordered stream. NATS delivers one publisher
//! connection's messages in the order they were published, so events one
//! node publishes arrive at every other node in that node's order —
//! including a `Subscribe` control before the room event that needs it.
//!
//! **Ordering of a room.** Two nodes writing to one room publish
//! independently, so node C may receive seq 6 (from B) before seq 5 (from A).
//! The room's seq is taken by `UPDATE … RETURNING` inside the writing
//! transaction, so when 6 is committed 5 already is; the gateway, seeing 6
//! after 4, reads 5 and 6 from the store and then drops the late 5 as a
//! duplicate (`gateway.rs`, `Conn::deliver`). Every client sees seq order,
//! each event once; NATS's per-publisher order only makes such gap fills rare.
//!
//! **Own events.** A node dispatches what it publishes into its own hub at
//! once, exactly as [`crate::LocalBus`] does, and publishes to NATS for the
//! others; the connection is opened with `no_echo`, so the server never
//! sends a node its own publications back (and a frame carrying our own node
//! id is dropped as well). The alternative — publish only to NATS and
//! dispatch on receipt — would add a broker round trip to every local
//! delivery and make a node's own clients depend on the broker.
//!
//! **Never blocking.** `publish` is synchronous: it queues the encoded frame
//! for one publisher task (which keeps this node's order). The queue is
//! bounded; when it is full (the broker unreachable for long) frames are
//! dropped and counted, and other nodes' clients recover the room events
//! from the store (gap fill, resume, or the catch-up after reconnection).
//!
//! **Failure.** Unreachable at start: `connect` fails and the node does not
//! start. Lost later: async-nats reconnects by itself; when it is back, the
//! hub emits [`NodeEvent::Reconnected`] and the server makes every room with
//! connections here catch up from the store.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::StreamExt;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::wire::{self, Frame};
use crate::{Bus, Envelope, Hub, NodeEvent, Topic};

/// How often each node tells the others who is connected to it.
pub const PRESENCE_EVERY: Duration = Duration::from_secs(10);
/// A node not heard from for this long is taken to be gone, with its people.
pub const PRESENCE_TTL: Duration = Duration::from_secs(35);
/// People per presence frame (9 bytes each: well under NATS's 1 MB payload).
const PRESENCE_CHUNK: usize = 50_000;

#[derive(Debug, Clone)]
pub struct NatsOptions {
    /// `nats://host:4222` (several, comma-separated, for a NATS cluster).
    pub url: String,
    /// The first subject token after `steward.`: installations (or tests)
    /// sharing one NATS server keep apart by it.
    pub cluster: String,
    /// This node's id; frames carry it.
    pub node_id: u64,
    /// Frames waiting for the publisher task before new ones are dropped.
    pub queue: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum NatsError {
    #[error("cluster name {0:?} must be letters, digits, '-' or '_'")]
    ClusterName(String),
    #[error("cannot connect to NATS at {url}: {source}")]
    Connect { url: String, source: async_nats::ConnectError },
    #[error("cannot subscribe on NATS: {0}")]
    Subscribe(#[from] async_nats::SubscribeError),
    #[error("NATS did not confirm the subscription: {0}")]
    Probe(String),
}

pub struct NatsBus {
    hub: Arc<Hub>,
    node: u64,
    prefix: String,
    queue: mpsc::Sender<(String, Bytes)>,
    client: async_nats::Client,
    tasks: std::sync::Mutex<Vec<JoinHandle<()>>>,
    dropped: AtomicU64,
}

impl NatsBus {
    /// Connects, subscribes and asks the other nodes who is connected to
    /// them. Fails if NATS cannot be reached.
    pub async fn connect(hub: Arc<Hub>, opts: NatsOptions) -> Result<Arc<NatsBus>, NatsError> {
        let valid = !opts.cluster.is_empty()
            && opts.cluster.len() <= 64
            && opts.cluster.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !valid {
            return Err(NatsError::ClusterName(opts.cluster));
        }
        let prefix = format!("steward.{}", opts.cluster);
        let events_hub = hub.clone();
        let was_down = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let client = async_nats::ConnectOptions::new()
            .name(format!("steward-{:016x}", opts.node_id))
            .no_echo()
            .connection_timeout(Duration::from_secs(5))
            .subscription_capacity(64 * 1024)
            .event_callback(move |event| {
                let (hub, was_down) = (events_hub.clone(), was_down.clone());
                async move {
                    match event {
                        async_nats::Event::Disconnected => {
                            was_down.store(true, Ordering::Relaxed);
                            tracing::warn!("NATS connection lost; reconnecting");
                        }
                        async_nats::Event::Connected if was_down.swap(false, Ordering::Relaxed) => {
                            tracing::info!("NATS connection back; rooms catch up from the store");
                            hub.emit(NodeEvent::Reconnected);
                        }
                        async_nats::Event::SlowConsumer(_) => {
                            tracing::warn!("NATS: this node reads too slowly, events were dropped");
                            hub.emit(NodeEvent::Reconnected);
                        }
                        other => tracing::debug!(event = %other, "NATS"),
                    }
                }
            })
            .connect(opts.url.as_str())
            .await
            .map_err(|source| NatsError::Connect { url: opts.url.clone(), source })?;
        let mut sub = client.subscribe(format!("{prefix}.>")).await?;
        // The subscription must be in force on the server before this node
        // says it is up, or the other nodes' next events could pass it by.
        // `flush` only writes the socket; a request to a subject nobody
        // serves is answered ("no responders") after the server has handled
        // everything this connection sent before it, the subscription included.
        let probe = format!("_steward_probe.{:016x}", opts.node_id);
        match tokio::time::timeout(Duration::from_secs(5), client.request(probe, Bytes::new())).await {
            Ok(Ok(_)) => {}
            Ok(Err(e)) if e.kind() == async_nats::client::RequestErrorKind::NoResponders => {}
            Ok(Err(e)) => return Err(NatsError::Probe(e.to_string())),
            Err(_) => return Err(NatsError::Probe("no answer in 5 s".into())),
        }

        let (queue, mut rx) = mpsc::channel::<(String, Bytes)>(opts.queue.max(16));
        let bus = Arc::new(NatsBus {
            hub: hub.clone(),
            node: opts.node_id,
            prefix: prefix.clone(),
            queue,
            client: client.clone(),
            tasks: std::sync::Mutex::new(vec![]),
            dropped: AtomicU64::new(0),
        });

        let publisher = {
            let client = client.clone();
            tokio::spawn(async move {
                while let Some((subject, frame)) = rx.recv().await {
                    if let Err(e) = client.publish(subject, frame).await {
                        tracing::warn!(error = %e, "NATS publish failed");
                    }
                }
            })
        };
        let receiver = {
            let bus = Arc::downgrade(&bus);
            let node = opts.node_id;
            tokio::spawn(async move {
                while let Some(msg) = sub.next().await {
                    let Some(bus) = bus.upgrade() else { return };
                    match wire::decode(&msg.payload) {
                        Ok((from, _)) if from == node => {}
                        Ok((from, Frame::Envelope(env))) => bus.hub.receive(from, Arc::new(env)),
                        Ok((from, Frame::Presence(list))) => bus.hub.apply_remote_presence(from, &list, Instant::now()),
                        Ok((_, Frame::Sync)) => bus.send_presence(),
                        Ok((from, Frame::Leaving)) => bus.hub.expire_remote_presence(Instant::now(), Some(from)),
                        Err(e) => tracing::warn!(subject = %msg.subject, error = %e, "unreadable bus frame dropped"),
                    }
                }
            })
        };
        let presence = {
            let bus = Arc::downgrade(&bus);
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(PRESENCE_EVERY);
                tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                loop {
                    tick.tick().await;
                    let Some(bus) = bus.upgrade() else { return };
                    bus.send_presence();
                    if let Some(before) = Instant::now().checked_sub(PRESENCE_TTL) {
                        bus.hub.expire_remote_presence(before, None);
                    }
                }
            })
        };
        bus.tasks.lock().unwrap_or_else(|e| e.into_inner()).extend([publisher, receiver, presence]);
        // Who is where: every running node answers with its list.
        bus.send_frame(format!("{prefix}.node"), &Frame::Sync);
        Ok(bus)
    }

    pub fn node_id(&self) -> u64 {
        self.node
    }

    /// Frames dropped because the publisher queue was full.
    pub fn dropped_frames(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    fn subject(&self, topic: Topic) -> String {
        match topic {
            Topic::Room(id) => format!("{}.room.{id}", self.prefix),
            Topic::User(id) => format!("{}.user.{id}", self.prefix),
            Topic::All => format!("{}.all", self.prefix),
        }
    }

    fn send_frame(&self, subject: String, frame: &Frame) {
        let bytes = wire::encode(self.node, frame);
        if self.queue.try_send((subject, bytes)).is_err() {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Tells the other nodes who is connected here.
    fn send_presence(&self) {
        let subject = format!("{}.node", self.prefix);
        self.hub.with_local_presence(|list| {
            if list.is_empty() {
                self.send_frame(subject.clone(), &Frame::Presence(vec![]));
            }
            for chunk in list.chunks(PRESENCE_CHUNK) {
                self.send_frame(subject.clone(), &Frame::Presence(chunk.to_vec()));
            }
        });
    }

    /// Leaves the cluster: tells the others (they forget this node's
    /// people at once), sends what is queued, stops the tasks.
    pub async fn shutdown(&self) {
        self.send_frame(format!("{}.node", self.prefix), &Frame::Leaving);
        // Let the publisher drain what is queued, then flush it to the server.
        for _ in 0..50 {
            if self.queue.capacity() == self.queue.max_capacity() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let _ = tokio::time::timeout(Duration::from_secs(2), self.client.flush()).await;
        self.abort();
    }

    /// Stops at once, as if the process died (tests).
    pub fn abort(&self) {
        for t in self.tasks.lock().unwrap_or_else(|e| e.into_inner()).drain(..) {
            t.abort();
        }
    }
}

impl Bus for NatsBus {
    fn publish(&self, envelope: Envelope) {
        let subject = self.subject(envelope.topic);
        let envelope = Arc::new(envelope);
        self.hub.dispatch(envelope.clone());
        // A clone of the envelope shares its payload; the frame copies it once.
        self.send_frame(subject, &Frame::Envelope((*envelope).clone()));
    }
}

impl Drop for NatsBus {
    fn drop(&mut self) {
        self.abort();
    }
}
