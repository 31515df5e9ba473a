//! Steward's server: the JSON API, the WebSocket gateway, the web UI and the
//! background jobs, wired to the store and the bus.

pub mod accounts;
pub mod admin_pages;
pub mod api;
pub mod audit;
pub mod auth;
pub mod client_ip;
pub mod cluster;
pub mod config;
pub mod error;
pub mod events;
pub mod export;
pub mod faq_bot;
pub mod gateway;
pub mod group_bot;
pub mod help;
pub mod i18n;
pub mod import;
pub mod integrations;
pub mod mail;
pub mod moderation;
pub mod moderation_pages;
pub mod notes;
pub mod retention;
pub mod room_pages;
pub mod secret;
pub mod service;
pub mod settings;
pub mod state;
pub mod support;
pub mod support_admin;
pub mod support_canned;
pub mod support_pages;
pub mod support_sla;
pub mod twofa;
pub mod views;
pub mod web;
pub mod webhooks;
pub mod widget;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use anyhow::Context;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use steward_bus::{Hub, LocalBus};
use steward_core::{RoomKind, RoomRole};
use steward_store::{NewRoom, Store, StoreOptions};
use tokio::net::TcpListener;

pub use config::Config;
use state::{AppState, Inner};

/// The process-wide Prometheus recorder (installed once, shared by every server in the process).
fn metrics_handle() -> PrometheusHandle {
    static H: OnceLock<PrometheusHandle> = OnceLock::new();
    H.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets(&[0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0])
            .map(|b| b.build_recorder())
            .unwrap_or_else(|_| PrometheusBuilder::new().build_recorder());
        let handle = recorder.handle();
        let _ = metrics::set_global_recorder(recorder);
        handle
    })
    .clone()
}

/// Opens the store the configuration names and applies migrations.
pub async fn open_store(config: &Config) -> anyhow::Result<Store> {
    if config.database_url.is_none() {
        std::fs::create_dir_all(&config.data_dir)
            .with_context(|| format!("cannot create data folder {}", config.data_dir.display()))?;
    }
    let opts = StoreOptions { max_connections: config.db_max_connections, sqlite_durability: config.sqlite_durability };
    let url = config.effective_database_url();
    let store = Store::open(&url, &opts).await.with_context(|| format!("cannot open database {}", redact(&url)))?;
    store.migrate().await.context("migrations failed")?;
    Ok(store)
}

fn redact(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(s), Some(at)) if at > s => format!("{}://***{}", &url[..s], &url[at..]),
        _ => url.to_string(),
    }
}

/// Puts the API rate in force: the settings' override, else the configured one.
pub fn apply_limits(state: &AppState, s: &settings::InstanceSettings) {
    let limit = s.api_requests_per_minute.unwrap_or_else(|| config_limit(&state.config)).max(1);
    if limit != state.api_limit.per_minute() {
        state.api_limit.set((limit / 10).max(20), limit);
    }
}

fn config_limit(config: &Config) -> u32 {
    config.api_requests_per_minute.max(1)
}

/// The state of one node. With `STEWARD_NATS_URL` set the bus is NATS
/// (connecting fails the start if NATS cannot be reached); else it is local.
pub async fn build_state(config: Config, store: Store) -> anyhow::Result<AppState> {
    Ok(build_node(config, store).await?.0)
}

/// The state, and the events other nodes send from the moment this node
/// joins the bus (presence answers to its first `Sync` come at once).
async fn build_node(
    config: Config,
    store: Store,
) -> anyhow::Result<(AppState, tokio::sync::broadcast::Receiver<steward_bus::NodeEvent>)> {
    let hub = Arc::new(Hub::new());
    let node_events = hub.node_events();
    let node_id: u64 = rand::random();
    let (bus, nats): (Arc<dyn steward_bus::Bus>, _) = match &config.nats_url {
        Some(url) => {
            let opts = steward_bus::NatsOptions {
                url: url.clone(),
                cluster: config.cluster_name.clone(),
                node_id,
                queue: 64 * 1024,
            };
            let nats =
                steward_bus::NatsBus::connect(hub.clone(), opts).await.context("cluster bus (STEWARD_NATS_URL)")?;
            (nats.clone(), Some(nats))
        }
        None => (Arc::new(LocalBus::new(hub.clone())), None),
    };
    // New messages are published by the store's writer as it commits them,
    // so a room's `message.created` events leave in seq order.
    let publisher = bus.clone();
    store.on_message_created(Arc::new(move |m: &steward_core::model::Message| {
        metrics::counter!("steward_events_published_total").increment(1);
        let payload = events::message_event(steward_core::model::EventKind::MessageCreated, m, m.seq);
        publisher.publish(steward_bus::Envelope::event(steward_bus::Topic::Room(m.room_id), Some(m.seq), payload));
    }));
    let limit = config_limit(&config);
    let mailer = mail::Mailer::from_config(&config)?;
    let secret_key = match &config.secret_key {
        Some(key) => key.clone(),
        None => secret::SecretKey::load_or_create(&config.data_dir).context("secret key")?,
    };
    let state = AppState(Arc::new(Inner {
        mailer,
        moderation: moderation::Moderation::default(),
        jobs: Mutex::new(Default::default()),
        support_viewers: Mutex::new(None),
        faq: Default::default(),
        webhooks: Default::default(),
        group_bot: Default::default(),
        secret_key,
        store,
        hub,
        bus,
        nats,
        node_id,
        node_name: format!("node-{node_id:016x}"),
        templates: web::Templates::new().context("templates")?,
        config,
        login: auth::LoginThrottle::default(),
        settings: settings::SettingsCache::default(),
        api_limit: auth::Limiter::new((limit / 10).max(20), limit),
        metrics: metrics_handle(),
        started: Instant::now(),
    }));
    Ok((state, node_events))
}

pub fn router(state: AppState) -> Router {
    let upload_limit = state.config.max_upload_bytes + 64 * 1024;
    let api = api::router(upload_limit)
        .route_layer(middleware::from_fn_with_state(state.clone(), api::rate_limit))
        .route_layer(middleware::from_fn(api::localize_errors));
    let widget_api = widget::api_router(upload_limit)
        .route_layer(middleware::from_fn_with_state(state.clone(), api::rate_limit))
        .route_layer(middleware::from_fn(api::localize_errors));
    Router::new()
        .nest("/api/v1", api)
        .nest("/widget/v1", widget_api)
        .route("/widget.js", get(widget::loader))
        .route("/widget/frame", get(widget::frame))
        .route("/widget/demo", get(widget::demo))
        .route("/support/settings", get(support_admin::page))
        .route("/support/faq", get(support_admin::faq_page))
        .route("/help", get(help::index))
        .route("/help/{id}", get(help::article))
        .route("/", get(web::home))
        .route("/login", get(web::login_page).post(web::login_submit))
        .route("/logout", post(web::logout))
        .route("/setup/{token}", get(web::setup_page).post(web::setup_submit))
        .route("/invite/{token}", get(web::invite_page).post(web::invite_submit))
        .route("/signup", get(web::signup_page).post(web::signup_submit))
        .route("/reset/{token}", get(web::reset_page).post(web::reset_submit))
        .route("/r/{id}", get(web::room_page))
        .route("/r/{id}/settings", get(room_pages::page))
        .route("/r/{id}/settings/bot", post(room_pages::save_bot))
        .route("/r/{id}/settings/notes", post(room_pages::save_note))
        .route("/search", get(web::search_page))
        .route("/settings", get(web::settings_page).post(web::settings_submit))
        .route("/settings/2fa/{step}", post(web::twofa_submit))
        .route("/admin", get(admin_pages::page))
        .route("/admin/integrations", get(integrations::page))
        .route("/admin/users/{id}/role", post(admin_pages::set_role))
        .route("/admin/users/{id}/status", post(admin_pages::set_status))
        .route("/admin/users/{id}/logout", post(admin_pages::force_logout))
        .route("/admin/invites", post(admin_pages::create_invite))
        .route("/admin/invites/email", post(admin_pages::email_invites))
        .route("/admin/settings", post(admin_pages::save_settings))
        .route("/admin/invites/{id}/revoke", post(admin_pages::revoke_invite))
        .route("/admin/rooms/{id}", post(admin_pages::room_action))
        .route("/admin/retention", post(admin_pages::save_retention))
        .route("/admin/retention/run", post(admin_pages::run_retention))
        .route("/admin/roles", post(admin_pages::create_role))
        .route("/admin/roles/{id}", post(admin_pages::update_role))
        .route("/admin/roles/{id}/delete", post(admin_pages::delete_role))
        .route("/admin/users/{id}/roles", post(admin_pages::set_custom_roles))
        .route("/admin/users/import", post(admin_pages::import_users))
        .route("/admin/users/{id}/reset-link", post(admin_pages::reset_link))
        .route("/admin/users/{id}/erase", post(admin_pages::erase))
        .route("/inbox", get(support_pages::page))
        .route("/moderation", get(moderation_pages::page))
        .route("/moderation/held/{id}", post(moderation_pages::held))
        .route("/moderation/cases", post(moderation_pages::cases))
        .route("/moderation/cases/{id}", post(moderation_pages::case))
        .route("/moderation/appeals/{id}", post(moderation_pages::appeal))
        .route("/moderation/sanctions", post(moderation_pages::impose))
        .route("/moderation/sanctions/{id}/lift", post(moderation_pages::lift))
        .route("/moderation/rules/toggle", post(moderation_pages::toggle_rule))
        .route("/moderation/rules/presets", post(moderation_pages::add_presets))
        .route("/moderation/rules/save", post(moderation_pages::save_rule))
        .route("/moderation/rules/delete", post(moderation_pages::delete_rule))
        .route("/moderation/try", post(moderation_pages::try_message))
        .route("/static/{name}", get(web::static_file))
        .route("/favicon.ico", get(|| web::static_file(axum::extract::Path("favicon.svg".to_string()))))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics_endpoint))
        .layer(middleware::from_fn_with_state(state.clone(), security_headers))
        .layer(middleware::from_fn(count_requests))
        .layer(middleware::from_fn_with_state(state.clone(), client_ip::layer))
        .layer(DefaultBodyLimit::max(256 * 1024))
        .with_state(state)
}

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(State(state): State<AppState>) -> Response {
    if state.store.ping().await {
        (StatusCode::OK, "ready").into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
    }
}

/// Prometheus metrics, for the bearer of `STEWARD_METRICS_TOKEN`; with no
/// token configured, for clients on this machine only.
async fn metrics_endpoint(
    State(state): State<AppState>,
    axum::extract::ConnectInfo(peer): axum::extract::ConnectInfo<SocketAddr>,
    client_ip::ClientIp(client): client_ip::ClientIp,
    headers: axum::http::HeaderMap,
) -> Response {
    match &state.config.metrics_token {
        Some(token) if !auth::bearer(&headers).is_some_and(|t| token.matches(t)) => {
            return (StatusCode::UNAUTHORIZED, [(header::WWW_AUTHENTICATE, "Bearer")], "metrics token required\n")
                .into_response();
        }
        Some(_) => {}
        // Behind a reverse proxy on this machine the peer is always loopback:
        // the client the proxy names must be local too.
        None if !(peer.ip().to_canonical().is_loopback() && client.is_loopback()) => {
            return (StatusCode::FORBIDDEN, "metrics are served to this machine only; set STEWARD_METRICS_TOKEN\n")
                .into_response();
        }
        None => {}
    }
    metrics::gauge!("steward_uptime_seconds").set(state.started.elapsed().as_secs_f64());
    metrics::gauge!("steward_gateway_dropped_events").set(state.hub.dropped_events() as f64);
    metrics::gauge!("steward_gateway_reorder_gaps").set(state.hub.released_with_gap() as f64);
    if let Some(nats) = &state.nats {
        metrics::gauge!("steward_bus_dropped_frames").set(nats.dropped_frames() as f64);
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], state.metrics.render()).into_response()
}

async fn count_requests(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let resp = next.run(req).await;
    let class = match resp.status().as_u16() {
        100..=399 => "ok",
        400..=499 => "client_error",
        _ => "server_error",
    };
    metrics::counter!("steward_http_requests_total", "class" => class).increment(1);
    metrics::histogram!("steward_http_request_seconds").record(started.elapsed().as_secs_f64());
    resp
}

/// No inline scripts, no framing, no sniffing, no referrers to other sites;
/// over https, browsers are told to stay on https (HSTS).
async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; \
                 connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; \
                 form-action 'self'; frame-ancestors 'none'",
            ),
        );
    }
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    // Framing is refused unless the page's own policy allows it (the widget frame).
    let framable = h
        .get(header::CONTENT_SECURITY_POLICY)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|csp| !csp.contains("frame-ancestors 'none'"));
    if !framable {
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    if state.config.secure_cookies() {
        h.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000"));
    }
    resp
}

pub const DEFAULT_ROOM_SETTING: &str = "default_room_id";

/// Creates `#general` once and remembers it as the room new people join.
pub async fn ensure_general_room(store: &Store, owner_id: i64) -> anyhow::Result<i64> {
    if let Some(id) = store.setting(DEFAULT_ROOM_SETTING).await?.and_then(|v| v.parse::<i64>().ok())
        && store.room(id).await?.is_some()
    {
        return Ok(id);
    }
    let (room, _) = store
        .create_room(&NewRoom {
            kind: RoomKind::Channel,
            name: "general".into(),
            topic: String::new(),
            created_by: owner_id,
            members: vec![(owner_id, RoomRole::Owner)],
        })
        .await?;
    store.set_setting(DEFAULT_ROOM_SETTING, &room.id.to_string()).await?;
    Ok(room.id)
}

/// Puts a new person in `#general` and the default rooms an admin chose.
pub async fn join_default_room(store: &Store, user_id: i64) -> anyhow::Result<()> {
    let mut rooms: Vec<i64> =
        store.setting(DEFAULT_ROOM_SETTING).await?.and_then(|v| v.parse::<i64>().ok()).into_iter().collect();
    rooms.extend(settings::load(store).await?.default_rooms);
    rooms.dedup();
    for id in rooms {
        if store.room(id).await?.is_some_and(|r| r.kind != RoomKind::Direct && !r.archived) {
            store.add_members(id, &[user_id], RoomRole::Member).await?;
        }
    }
    Ok(())
}

/// If no owner exists, stores a one-time setup token and returns the link.
pub async fn setup_link(store: &Store, config: &Config) -> anyhow::Result<Option<String>> {
    if store.count_users_with_role(steward_core::SystemRole::Owner).await? > 0 {
        store.delete_setting(web::SETUP_SETTING).await?;
        return Ok(None);
    }
    let token = auth::new_token();
    store.set_setting(web::SETUP_SETTING, &auth::token_hash(&token)).await?;
    Ok(Some(format!("{}/setup/{token}", config.base_url())))
}

/// A server running in this process (tests, benchmarks).
pub struct RunningServer {
    pub addr: SocketAddr,
    pub state: AppState,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
    /// The background jobs and the cluster listener.
    jobs: Vec<tokio::task::JoinHandle<()>>,
}

impl RunningServer {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops serving, ends the jobs and gives their leases up, and leaves the
    /// cluster (the other nodes forget this node's people at once).
    pub async fn stop(mut self) {
        self.state.webhooks.stop();
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        for job in self.jobs.drain(..) {
            job.abort();
        }
        cluster::release_leases(&self.state).await;
        if let Some(nats) = &self.state.nats {
            nats.shutdown().await;
        }
        let _ = tokio::time::timeout(Duration::from_secs(5), &mut self.task).await;
    }

    /// Stops everything at once, as if the process died (tests of the
    /// cluster): no goodbye on the bus, leases left to expire, every
    /// connection closed.
    pub fn kill(mut self) {
        self.state.webhooks.stop();
        self.task.abort();
        for job in self.jobs.drain(..) {
            job.abort();
        }
        if let Some(nats) = &self.state.nats {
            nats.abort();
        }
        self.state.hub.close_all();
        // Sends already being stored when the process "died" fail instead
        // of committing later.
        let store = self.state.store.clone();
        tokio::spawn(async move { store.close().await });
    }
}

/// Binds (port 0 picks a free one), starts serving and the background jobs.
pub async fn start(config: Config, store: Store) -> anyhow::Result<RunningServer> {
    let listener = TcpListener::bind(config.bind).await.with_context(|| format!("cannot listen on {}", config.bind))?;
    let addr = listener.local_addr()?;
    let instance = settings::load(&store).await?;
    let (state, node_events) = build_node(config, store).await?;
    apply_limits(&state, &instance);
    state.settings.set(instance);
    state.moderation.load(&state.store).await?;
    twofa::seal_stored_secrets(&state).await?;
    if let Err(e) = faq_bot::reload(&state).await {
        tracing::warn!(error = %e, "FAQ knowledge base not loaded");
    }
    let mut jobs = spawn_jobs(&state);
    jobs.push(cluster::spawn_listener(state.clone(), node_events));
    let app = router(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let result = axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = rx.await;
            })
            .await;
        if let Err(e) = result {
            tracing::error!(error = %e, "server stopped");
        }
    });
    Ok(RunningServer { addr, state, shutdown: Some(tx), task, jobs })
}

/// The background jobs; each runs on the one node holding its lease
/// (`cluster::spawn_leased`).
fn spawn_jobs(state: &AppState) -> Vec<tokio::task::JoinHandle<()>> {
    // The webhook sender runs on every node: it claims deliveries row by row
    // (its own lease per delivery, SKIP LOCKED), and stops by its flag.
    webhooks::spawn(state.clone());
    vec![
        retention::spawn(state.clone()),
        moderation::spawn_sweeper(state.clone()),
        support::spawn_sweeper(state.clone()),
        cluster::spawn_leased(
            state.clone(),
            cluster::SESSION_CLEANUP,
            Duration::from_secs(3600),
            |jobs_state| async move {
                match jobs_state.store.delete_expired_sessions().await {
                    Ok(n) => {
                        if n > 0 {
                            tracing::info!(removed = n, "expired sessions removed");
                        }
                        jobs_state.job_counted(|j| &mut j.session_cleanup, true, format!("{n} sessions"), vec![n]);
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "session cleanup failed");
                        jobs_state.job_ran(|j| &mut j.session_cleanup, false, e.to_string());
                    }
                }
            },
        ),
    ]
}

/// `steward serve`: runs until Ctrl-C / SIGTERM.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    let store = open_store(&config).await?;
    if let Some(link) = setup_link(&store, &config).await? {
        println!("\n  Steward has no owner yet. Open this link to create the owner account:\n\n    {link}\n");
    }
    let server = start(config.clone(), store).await?;
    tracing::info!(addr = %server.addr, database = ?server.state.store.backend(), "Steward is listening");
    println!("  Steward is running at http://{}", server.addr);
    shutdown_signal().await;
    tracing::info!("shutting down");
    server.stop().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}
