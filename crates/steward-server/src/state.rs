//! What every handler shares.

use std::ops::Deref;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use steward_bus::{Bus, Hub};
use steward_store::Store;

use crate::auth::LoginThrottle;
use crate::config::Config;
use crate::web::Templates;

#[derive(Clone)]
pub struct AppState(pub Arc<Inner>);

pub struct Inner {
    pub store: Store,
    pub hub: Arc<Hub>,
    pub bus: Arc<dyn Bus>,
    /// The cluster bus when `STEWARD_NATS_URL` is set (also in `bus`).
    pub nats: Option<Arc<steward_bus::NatsBus>>,
    /// This node among several: random at each start; names it in job
    /// leases and on the bus.
    pub node_id: u64,
    /// `node-<hex id>`: the holder name in `job_leases`.
    pub node_name: String,
    pub config: Config,
    pub templates: Templates,
    pub login: LoginThrottle,
    /// Sign-up policy, roles that must use 2FA (cached from the store).
    pub settings: crate::settings::SettingsCache,
    /// API requests per session token, or per IP when signed out.
    pub api_limit: crate::auth::Limiter,
    pub metrics: metrics_exporter_prometheus::PrometheusHandle,
    pub started: Instant,
    /// Seals secrets at rest (TOTP); from the configuration or the data folder's key file.
    pub secret_key: crate::secret::SecretKey,
    /// Outgoing e-mail, when SMTP is configured.
    pub mailer: Option<crate::mail::Mailer>,
    /// Rules, sanctions in force, counters.
    pub moderation: crate::moderation::Moderation,
    /// When each background job last ran and what it did (console's system card).
    pub jobs: Mutex<JobStatus>,
    /// Who holds `support.view_all`, and when that was read (refreshed every few seconds).
    pub support_viewers: Mutex<Option<(Instant, Vec<i64>)>>,
    /// The FAQ bot's compiled knowledge base.
    pub faq: crate::faq_bot::Faq,
    /// Webhooks in force and their sender.
    pub webhooks: crate::webhooks::Webhooks,
    /// The bot in group rooms: its posting budget per room, recent automatic answers.
    pub group_bot: crate::group_bot::GroupBot,
}

impl Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    /// `online`, `away` or `offline` across every node (the best of each
    /// node's connections of the person; see `steward_bus::Hub::presence`).
    pub fn presence(&self, user_id: i64) -> &'static str {
        self.hub.presence(user_id).as_str()
    }

    /// Connected to some node (online or away).
    pub fn is_online(&self, user_id: i64) -> bool {
        self.hub.presence(user_id) != steward_bus::Presence::Offline
    }
}

/// The background jobs' last runs on this node.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct JobStatus {
    pub retention: Option<JobRun>,
    pub sanction_sweep: Option<JobRun>,
    pub session_cleanup: Option<JobRun>,
    /// The support desk's 5-second sweep (only on the node holding its lease).
    pub support_sweep: Option<JobRun>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct JobRun {
    /// RFC 3339.
    pub at: String,
    pub ok: bool,
    /// What it did, in a few words (`3 messages, 0 audit entries`); the console words it from `counts`.
    pub summary: String,
    /// The figures behind the summary, for the console's own wording.
    pub counts: Vec<u64>,
}

impl AppState {
    /// Records a background job's run for the console.
    pub fn job_ran(&self, pick: impl FnOnce(&mut JobStatus) -> &mut Option<JobRun>, ok: bool, summary: String) {
        self.job_counted(pick, ok, summary, vec![]);
    }

    /// Like `job_ran`, with the figures the console words in the viewer's language.
    pub fn job_counted(
        &self,
        pick: impl FnOnce(&mut JobStatus) -> &mut Option<JobRun>,
        ok: bool,
        summary: String,
        counts: Vec<u64>,
    ) {
        let mut jobs = self.jobs.lock().unwrap_or_else(|e| e.into_inner());
        *pick(&mut jobs) =
            Some(JobRun { at: steward_core::model::rfc3339(steward_store::now_ms()), ok, summary, counts });
    }
}
