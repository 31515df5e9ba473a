//! What it takes for several nodes to act as one (docs/DEPLOY.md):
//!
//! - **Jobs run once.** Each background job runs on the node that holds its
//!   lease in the database (`Store::try_lease`); a node that dies loses it
//!   within three ticks and another takes the job over.
//! - **Caches follow the store.** A node that changes something it caches
//!   (rules, sanctions, ban lists, settings, the FAQ index, who supervises)
//!   updates its own copy and publishes `Control::Invalidate`; every other
//!   node reloads from the store here. (Also the active webhooks.)
//! - **Presence is the cluster's.** What other nodes report of their
//!   connections arrives as `NodeEvent::Presence`; this node tells its own
//!   connections.
//! - **Nothing missed after a broken link.** When the link to NATS comes
//!   back, every room with connections here catches up from the store.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use steward_bus::{CacheKind, Envelope, NodeEvent, Topic};
use tokio::sync::broadcast;
use tokio::task::JoinHandle;

use crate::state::AppState;

pub const RETENTION: &str = "retention";
pub const SANCTION_SWEEP: &str = "moderation.sanction_sweep";
pub const SUPPORT_SWEEP: &str = "support.sweep";
pub const SESSION_CLEANUP: &str = "sessions.cleanup";
const JOBS: [&str; 4] = [RETENTION, SANCTION_SWEEP, SUPPORT_SWEEP, SESSION_CLEANUP];

/// Runs `job` every `every` on whichever node holds the lease `name`.
///
/// Every node ticks (every `every`, at most every 30 s) and asks for the
/// lease for three ticks; the holder renews it each tick and runs the job
/// when `every` has passed since its last start (recorded in the lease, so
/// a node taking over knows it too). One node runs the job at a time, and a
/// dead holder's job moves to another node within three ticks.
pub fn spawn_leased<F, Fut>(state: AppState, name: &'static str, every: Duration, job: F) -> JoinHandle<()>
where
    F: Fn(AppState) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    tokio::spawn(async move {
        let tick_every = every.min(Duration::from_secs(30));
        let every_ms = every.as_millis() as i64;
        // Ticks drift by a few milliseconds: half a tick of slack.
        let slack_ms = tick_every.as_millis() as i64 / 2;
        let mut tick = tokio::time::interval(tick_every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match state.store.try_lease(name, &state.node_name, tick_every * 3).await {
                Ok(Some(lease)) if lease.now - lease.last_run_at >= every_ms - slack_ms => {
                    if let Err(e) = state.store.lease_ran(name, &state.node_name, lease.now).await {
                        tracing::warn!(job = name, error = %e, "job run not recorded");
                    }
                    // A run longer than the lease (retention on a big
                    // database) keeps renewing it, so no node starts a second.
                    // From a task of its own: awaited here, a renewal would
                    // stop polling the job, which may hold SQLite's one
                    // write connection the renewal is waiting for.
                    let renewer = {
                        let state = state.clone();
                        tokio::spawn(async move {
                            let mut renew =
                                tokio::time::interval_at(tokio::time::Instant::now() + tick_every, tick_every);
                            loop {
                                renew.tick().await;
                                if let Err(e) = state.store.try_lease(name, &state.node_name, tick_every * 3).await {
                                    tracing::warn!(job = name, error = %e, "job lease not renewed");
                                }
                            }
                        })
                    };
                    job(state.clone()).await;
                    renewer.abort();
                }
                // Held here but not due, or held by another node.
                Ok(_) => {}
                Err(e) => tracing::warn!(job = name, error = %e, "job lease unavailable"),
            }
        }
    })
}

/// Gives this node's leases up (a clean stop): the jobs move at once.
pub async fn release_leases(state: &AppState) {
    for name in JOBS {
        let _ = state.store.release_lease(name, &state.node_name).await;
    }
}

/// Tells the other nodes to reload a cache this node has just changed
/// (after the change is committed and this node's own copy updated).
pub fn invalidate(state: &AppState, kind: CacheKind) {
    state.bus.publish(Envelope::control(steward_bus::Control::Invalidate(kind)));
}

/// Reloads one cache from the store (another node changed it).
pub async fn reload(state: &AppState, kind: CacheKind) -> anyhow::Result<()> {
    match kind {
        CacheKind::ModerationRules => state.moderation.reload_rules(&state.store).await?,
        CacheKind::Sanctions => state.moderation.reload_sanctions(&state.store).await?,
        CacheKind::BanLists => state.moderation.reload_lists(&state.store).await?,
        CacheKind::Settings => {
            let s = crate::settings::load(&state.store).await?;
            crate::apply_limits(state, &s);
            state.settings.set(s);
        }
        CacheKind::Faq => {
            crate::faq_bot::reload(state).await?;
        }
        CacheKind::SupportViewers => {
            *state.support_viewers.lock().unwrap_or_else(|e| e.into_inner()) = None;
        }
        CacheKind::Webhooks => crate::webhooks::reload(state).await?,
    }
    Ok(())
}

/// Acts on what the other nodes send (see the module's comment).
pub fn spawn_listener(state: AppState, mut events: broadcast::Receiver<NodeEvent>) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match events.recv().await {
                Ok(NodeEvent::Invalidate(kind)) => {
                    if let Err(e) = reload(&state, kind).await {
                        tracing::warn!(cache = ?kind, error = %e, "cache not reloaded");
                    }
                }
                Ok(NodeEvent::Presence { user_id, status }) => {
                    crate::events::tell_presence_here(&state, user_id, status);
                }
                Ok(NodeEvent::Reconnected) => catch_up(&state).await,
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    tracing::warn!(missed = n, "cluster events missed; reloading every cache");
                    for kind in CacheKind::ALL {
                        if let Err(e) = reload(&state, kind).await {
                            tracing::warn!(cache = ?kind, error = %e, "cache not reloaded");
                        }
                    }
                    catch_up(&state).await;
                }
                Err(broadcast::error::RecvError::Closed) => return,
            }
        }
    })
}

/// Room events published while the link to the other nodes was down never
/// arrived here: every room with connections on this node gets a catch-up
/// mark at its current seq, and each connection reads what it lacks from the
/// store (the gateway's gap fill).
pub async fn catch_up(state: &AppState) {
    let rooms = state.hub.room_ids();
    tracing::info!(rooms = rooms.len(), "catching up rooms after a lost link to the other nodes");
    for room_id in rooms {
        if let Ok(Some(room)) = state.store.room(room_id).await {
            state.hub.dispatch(Arc::new(Envelope {
                topic: Topic::Room(room_id),
                seq: Some(room.last_seq),
                payload: None,
                control: None,
            }));
        }
    }
}
