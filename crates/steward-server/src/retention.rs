//! The retention job: removes messages (with their files) and audit entries
//! older than the settings allow, room by room, in batches so the database
//! stays available to everyone else, and reports what it removed. Runs every
//! hour and on demand (`POST /api/v1/admin/retention/run`, the console).
//!
//! With several nodes the hourly run happens on the node holding the job's
//! lease (`cluster::spawn_leased`); a run asked for from the console runs
//! where it is asked, which is safe (a batch deletes what is still there).

use std::time::{Duration, Instant};

use serde::Serialize;
use utoipa::ToSchema;

use crate::state::AppState;

/// Messages deleted per transaction.
const BATCH: u64 = 500;
const DAY_MS: i64 = 86_400_000;

#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct Report {
    pub messages: u64,
    pub files: u64,
    pub audit_entries: u64,
    /// Rooms that lost messages, with how many each.
    pub rooms: Vec<RoomPurge>,
    pub took_ms: u64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RoomPurge {
    pub room_id: i64,
    pub messages: u64,
}

/// Applies the current retention settings once.
pub async fn run_once(state: &AppState) -> anyhow::Result<Report> {
    let started = Instant::now();
    let rules = state.settings.get().retention;
    let now = steward_store::now_ms();
    let mut report = Report::default();
    let has_room_rules = rules.message_days > 0 || rules.rooms.iter().any(|r| r.days > 0);
    let rooms = if has_room_rules { state.store.room_ids().await? } else { vec![] };
    for room_id in rooms {
        let (days, keep_pinned) = rules.for_room(room_id);
        if days == 0 {
            continue;
        }
        let cutoff = now - i64::from(days) * DAY_MS;
        let mut removed = 0;
        loop {
            let batch = state.store.purge_messages(room_id, cutoff, keep_pinned, BATCH).await?;
            removed += batch.messages;
            report.files += crate::api::files::remove_files(state, &batch.files).await;
            if batch.messages < BATCH {
                break;
            }
            // Let other writers in between batches.
            tokio::task::yield_now().await;
        }
        if removed > 0 {
            report.messages += removed;
            report.rooms.push(RoomPurge { room_id, messages: removed });
        }
    }
    if rules.audit_days > 0 {
        let cutoff = now - i64::from(rules.audit_days) * DAY_MS;
        loop {
            let n = state.store.purge_audit(cutoff, BATCH).await?;
            report.audit_entries += n;
            if n < BATCH {
                break;
            }
            tokio::task::yield_now().await;
        }
    }
    report.took_ms = started.elapsed().as_millis() as u64;
    metrics::counter!("steward_retention_messages_removed_total").increment(report.messages);
    Ok(report)
}

/// Runs the job every hour; what it removes is recorded in the audit log.
pub fn spawn(state: AppState) -> tokio::task::JoinHandle<()> {
    crate::cluster::spawn_leased(state, crate::cluster::RETENTION, Duration::from_secs(3600), |state| async move {
        let result = run_once(&state).await;
        match &result {
            Ok(r) => state.job_counted(
                |j| &mut j.retention,
                true,
                format!("{} messages, {} files, {} audit entries", r.messages, r.files, r.audit_entries),
                vec![r.messages, r.files, r.audit_entries],
            ),
            Err(e) => state.job_ran(|j| &mut j.retention, false, e.to_string()),
        }
        match result {
            Ok(r) if r.messages > 0 || r.audit_entries > 0 => {
                tracing::info!(messages = r.messages, audit = r.audit_entries, "retention removed old data");
                let event = crate::audit::Event {
                    after: serde_json::json!(r),
                    ..crate::audit::Event::new(None, "retention.run", "settings", None)
                };
                crate::audit::record(&state, &crate::audit::Origin::default(), event).await;
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "retention job failed"),
        }
    })
}
