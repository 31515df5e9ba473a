//! Moderation in the server: the compiled rule set (steward-moderation),
//! checked on every message before it is stored; sanctions (an in-memory
//! copy of the mutes and bans in force, so the send path costs no query);
//! what each verdict does; the sweep that ends sanctions when their time is
//! up; the warn ladder. Every action, by a rule or a person, goes to the
//! modlog with its evidence.
//!
//! Each node keeps its own copy of the rules, sanctions and ban lists; the
//! node that changes one updates its copy and tells the others through the
//! bus (`cluster::invalidate`), which reload it from the store.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::json;
use steward_core::model::{Sanction, User};
use steward_moderation::{Action, Engine, Input, Rule, RuleKind, Scratch, Verdict};
use steward_store::{NewModlog, NewSanction, Store};
use utoipa::ToSchema;

use crate::error::{ApiError, ApiResult};
use crate::events;
use crate::state::AppState;

/// The warn ladder: so many warnings within so many days mute for so long.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct WarnLadder {
    /// 0 turns the ladder off.
    pub warnings: u32,
    pub within_days: u32,
    pub mute_secs: u64,
}

impl Default for WarnLadder {
    fn default() -> Self {
        WarnLadder { warnings: 3, within_days: 30, mute_secs: 86_400 }
    }
}

pub struct Moderation {
    engine: RwLock<Arc<Engine>>,
    rules: RwLock<Arc<Vec<Rule>>>,
    /// Whether a new-member rule needs the author's message count and join time (decided at install).
    member_stats: std::sync::atomic::AtomicBool,
    /// Counting rules' memory (floods, spam waves, raids), bounded.
    counters: Mutex<steward_moderation::State>,
    /// Mutes and bans in force, by person.
    blocking: RwLock<HashMap<i64, Vec<Sanction>>>,
    scratch: Mutex<Vec<Scratch>>,
    /// The shared ban lists, indexed for the send and join paths.
    lists: RwLock<ListIndex>,
    /// Recent messages per room, for heat alerts; sharded by room so the
    /// send path does not queue on one lock.
    heat: Vec<Mutex<HashMap<i64, RoomHeat>>>,
}

/// The last messages of a room: when, by whom, flagged or not.
#[derive(Default)]
struct RoomHeat {
    recent: std::collections::VecDeque<(i64, i64, bool)>,
    last_alert: i64,
}

/// Ban lists by person, subscriptions and exemptions, for lookups in O(1).
#[derive(Default)]
struct ListIndex {
    by_user: HashMap<i64, Vec<(i64, String)>>,
    subscribed: std::collections::HashSet<(i64, i64)>,
    exempt: std::collections::HashSet<(i64, i64)>,
}

/// Why a room looks like a fight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Heat {
    /// Several flagged messages within a minute.
    FlaggedBurst { count: usize },
    /// Two people trading messages fast.
    Duel { users: [i64; 2] },
}

const HEAT_KEEP: usize = 12;
const HEAT_SHARDS: usize = 16;
/// Rooms remembered per shard.
const HEAT_ROOMS: usize = 1_000;
const HEAT_QUIET_MS: i64 = 10 * 60_000;

impl Default for Moderation {
    fn default() -> Self {
        Moderation {
            engine: RwLock::new(Arc::new(Engine::compile(&[]).expect("an empty rule set compiles"))),
            rules: RwLock::new(Arc::new(vec![])),
            member_stats: std::sync::atomic::AtomicBool::new(false),
            counters: Mutex::new(steward_moderation::State::default()),
            blocking: RwLock::new(HashMap::new()),
            scratch: Mutex::new(Vec::new()),
            heat: (0..HEAT_SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
            lists: RwLock::new(Default::default()),
        }
    }
}

impl Moderation {
    /// Loads the stored rules, the sanctions in force and the ban lists.
    pub async fn load(&self, store: &Store) -> anyhow::Result<()> {
        self.reload_rules(store).await?;
        self.reload_sanctions(store).await?;
        self.reload_lists(store).await?;
        Ok(())
    }

    /// Re-reads and compiles the rules (another node changed them).
    pub async fn reload_rules(&self, store: &Store) -> anyhow::Result<()> {
        let stored = store.moderation_rules().await?;
        let mut rules = Vec::with_capacity(stored.len());
        for (id, body) in stored {
            match serde_json::from_str::<Rule>(&body) {
                Ok(r) => rules.push(r),
                Err(e) => tracing::error!(rule = id, error = %e, "stored moderation rule unreadable; skipped"),
            }
        }
        match Engine::compile(&rules) {
            Ok(engine) => self.install(engine, rules),
            Err(e) => tracing::error!(error = %e, "stored moderation rules do not compile; moderation is off"),
        }
        Ok(())
    }

    /// Re-reads the mutes and bans in force.
    pub async fn reload_sanctions(&self, store: &Store) -> anyhow::Result<()> {
        let mut map: HashMap<i64, Vec<Sanction>> = HashMap::new();
        for s in store.active_sanctions().await? {
            map.entry(s.user_id).or_default().push(s);
        }
        *self.blocking.write().unwrap_or_else(|e| e.into_inner()) = map;
        Ok(())
    }

    /// Re-reads the ban lists (they are small) after a change.
    pub async fn reload_lists(&self, store: &Store) -> anyhow::Result<()> {
        let snap = store.ban_snapshot().await?;
        let mut index = ListIndex::default();
        for (list, user, reason) in snap.entries {
            index.by_user.entry(user).or_default().push((list, reason));
        }
        index.subscribed = snap.rooms.into_iter().collect();
        index.exempt = snap.exemptions.into_iter().collect();
        *self.lists.write().unwrap_or_else(|e| e.into_inner()) = index;
        Ok(())
    }

    /// The ban list entry that keeps this person out of this room: a list
    /// the room subscribes to names them and the room has not exempted them.
    /// Returns `(list_id, reason)`.
    pub fn listed(&self, user_id: i64, room_id: i64) -> Option<(i64, String)> {
        let l = self.lists.read().unwrap_or_else(|e| e.into_inner());
        let mine = l.by_user.get(&user_id)?;
        if l.exempt.contains(&(room_id, user_id)) {
            return None;
        }
        mine.iter().find(|(list, _)| l.subscribed.contains(&(*list, room_id))).cloned()
    }

    /// Rooms a list is enforced in for a person (subscribed, not exempt).
    pub fn rooms_of_list(&self, list_id: i64) -> Vec<i64> {
        let l = self.lists.read().unwrap_or_else(|e| e.into_inner());
        l.subscribed.iter().filter(|r| r.0 == list_id).map(|r| r.1).collect()
    }

    fn install(&self, engine: Engine, rules: Vec<Rule>) {
        let stats = rules.iter().any(|r| r.enabled && matches!(r.kind, RuleKind::NewMember { .. }));
        self.member_stats.store(stats, std::sync::atomic::Ordering::Relaxed);
        self.counters.lock().unwrap_or_else(|e| e.into_inner()).retain_rules(engine.rule_ids());
        *self.engine.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(engine);
        *self.rules.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(rules);
    }

    pub fn rules(&self) -> Arc<Vec<Rule>> {
        self.rules.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn engine(&self) -> Arc<Engine> {
        self.engine.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn with_scratch<T>(&self, f: impl FnOnce(&mut Scratch) -> T) -> T {
        let mut s = self.scratch.lock().unwrap_or_else(|e| e.into_inner()).pop().unwrap_or_default();
        let out = f(&mut s);
        self.scratch.lock().unwrap_or_else(|e| e.into_inner()).push(s);
        out
    }

    /// The mute or ban in force that stops this person posting in this room.
    pub fn blocking_sanction(&self, user_id: i64, room_id: i64) -> Option<Sanction> {
        let now = steward_store::now_ms();
        let map = self.blocking.read().unwrap_or_else(|e| e.into_inner());
        let mut found: Vec<&Sanction> =
            map.get(&user_id)?.iter().filter(|s| s.is_active(now) && s.room_id.is_none_or(|r| r == room_id)).collect();
        found.sort_by_key(|s| (s.kind != "ban", std::cmp::Reverse(s.expires_at.unwrap_or(i64::MAX))));
        found.first().map(|s| (*s).clone())
    }

    /// Whether a ban keeps this person out of this room.
    pub fn banned(&self, user_id: i64, room_id: i64) -> Option<Sanction> {
        self.blocking_sanction(user_id, room_id).filter(|s| s.kind == "ban")
    }

    fn remember(&self, s: &Sanction) {
        if s.kind == "mute" || s.kind == "ban" {
            self.blocking.write().unwrap_or_else(|e| e.into_inner()).entry(s.user_id).or_default().push(s.clone());
        }
    }

    fn forget(&self, user_id: i64, sanction_id: i64) {
        if let Some(v) = self.blocking.write().unwrap_or_else(|e| e.into_inner()).get_mut(&user_id) {
            v.retain(|s| s.id != sanction_id);
        }
    }

    /// Replaces the rule set after checking that it compiles; a rule that
    /// does not is refused with its id and the problem.
    pub async fn set_rules(&self, store: &Store, rules: Vec<Rule>) -> ApiResult<()> {
        let engine = Engine::compile(&rules).map_err(|e| {
            ApiError::new(axum::http::StatusCode::UNPROCESSABLE_ENTITY, "invalid_rule")
                .with_field("rules")
                .with_detail(json!({ "rule": e.rule(), "problem": e.code(), "message": e.to_string() }))
        })?;
        let stored: Vec<(String, String)> =
            rules.iter().map(|r| (r.id.clone(), serde_json::to_string(r).unwrap_or_default())).collect();
        store.set_moderation_rules(&stored).await?;
        self.install(engine, rules);
        Ok(())
    }

    /// Notes a message in a room and says whether the room just turned into
    /// a fight (at most once per ten minutes per room). Memory is bounded:
    /// a dozen messages per room, idle rooms dropped past 16,000 rooms.
    pub fn observe(&self, room_id: i64, user_id: i64, flagged: bool, now: i64) -> Option<Heat> {
        let shard = &self.heat[room_id.rem_euclid(HEAT_SHARDS as i64) as usize];
        let mut map = shard.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= HEAT_ROOMS && !map.contains_key(&room_id) {
            map.retain(|_, h| h.recent.back().is_some_and(|m| now - m.0 < 120_000));
            if map.len() >= HEAT_ROOMS {
                return None;
            }
        }
        let h = map.entry(room_id).or_default();
        h.recent.push_back((now, user_id, flagged));
        while h.recent.len() > HEAT_KEEP {
            h.recent.pop_front();
        }
        if now - h.last_alert < HEAT_QUIET_MS {
            return None;
        }
        let flagged_recent = h.recent.iter().filter(|m| m.2 && now - m.0 <= 60_000).count();
        let heat = if flagged_recent >= 3 {
            Some(Heat::FlaggedBurst { count: flagged_recent })
        } else {
            let window: Vec<&(i64, i64, bool)> = h.recent.iter().filter(|m| now - m.0 <= 90_000).collect();
            let mut authors: Vec<i64> = window.iter().map(|m| m.1).collect();
            authors.sort_unstable();
            authors.dedup();
            let switches = window.windows(2).filter(|w| w[0].1 != w[1].1).count();
            let each = |u: i64| window.iter().filter(|m| m.1 == u).count();
            (window.len() >= 8 && authors.len() == 2 && switches >= 6 && each(authors[0]) >= 3 && each(authors[1]) >= 3)
                .then(|| Heat::Duel { users: [authors[0], authors[1]] })
        };
        if heat.is_some() {
            h.last_alert = now;
        }
        heat
    }

    fn needs_member_stats(&self) -> bool {
        self.member_stats.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// The sanction as the person sees it in an error: kind, reason, end.
pub fn sanction_error(s: &Sanction) -> ApiError {
    let code = if s.kind == "ban" { "banned" } else { "muted" };
    ApiError::new(axum::http::StatusCode::FORBIDDEN, code).with_detail(json!({
        "sanction_id": s.id,
        "kind": s.kind,
        "reason": s.reason,
        "until": s.expires_at.map(steward_core::model::rfc3339),
    }))
}

/// The error for someone a ban list keeps out.
pub fn listed_error(list_id: i64, reason: &str) -> ApiError {
    ApiError::new(axum::http::StatusCode::FORBIDDEN, "banned")
        .with_detail(json!({ "ban_list_id": list_id, "kind": "ban", "reason": reason, "until": null }))
}

/// Takes a person out of a room (a ban list now covers them there).
pub async fn evict(state: &AppState, user_id: i64, room_id: i64) -> ApiResult<()> {
    remove_from_room(state, user_id, room_id).await
}

/// What the send path should do with a message after the rules saw it.
pub enum Outcome {
    /// Store and publish it (maybe with after-effects to run); `flagged`
    /// when a rule saw something (for heat alerts).
    Publish { after: Vec<After>, flagged: bool },
    /// Do not store it; answer with this.
    Refuse(ApiError),
}

/// Effects that follow a published message.
pub enum After {
    Warn { rule_id: String, message: String },
    Alert { rule_id: String, reason: String },
    SlowMode { seconds: u32 },
}

/// Checks a message against the rules. Counting rules (floods, spam waves)
/// count it here. Every hit is written to the modlog.
pub async fn check_message(
    state: &AppState,
    user: &User,
    room_id: i64,
    text: &str,
    has_media: bool,
) -> ApiResult<Outcome> {
    let m = &state.moderation;
    let engine = m.engine();
    if engine.rule_count() == 0 {
        return Ok(Outcome::Publish { after: vec![], flagged: false });
    }
    let now = steward_store::now_ms();
    let (count, joined) = if m.needs_member_stats() {
        state.store.member_stats(room_id, user.id, 10_000).await?
    } else {
        (u64::MAX / 2, 0)
    };
    let verdict: Verdict = m.with_scratch(|scratch| {
        let mut counters = m.counters.lock().unwrap_or_else(|e| e.into_inner());
        let input = Input {
            room_id,
            user_id: user.id,
            role: user.role.as_str(),
            text,
            has_media,
            mentions: 0,
            member_message_count: count,
            member_joined_at: joined,
            now,
        };
        engine.check(scratch, &mut counters, &input)
    });
    if verdict.is_clean() {
        return Ok(Outcome::Publish { after: vec![], flagged: false });
    }
    for hit in &verdict.hits {
        let evidence = hit.evidence.as_ref().map(|e| e.matched.clone()).unwrap_or_default();
        let entry = NewModlog {
            rule_id: Some(hit.rule_id.to_string()),
            action: format!("rule.{}", action_name(&hit.action)),
            room_id: Some(room_id),
            user_id: Some(user.id),
            reason: format!("{}: {}", hit.rule_name, hit.reason.detail),
            evidence: json!({ "text": text, "matched": evidence }).to_string(),
            duration_secs: action_secs(&hit.action),
            dry_run: hit.dry_run,
            ..Default::default()
        };
        state.store.modlog(&entry).await?;
    }
    let Some(hit) = verdict.decisive() else {
        return Ok(Outcome::Publish { after: vec![], flagged: true });
    };
    if hit.action.stops_message()
        && let Some(heat) = m.observe(room_id, user.id, true, now)
    {
        alert_heat(state, room_id, heat).await;
    }
    let reason = hit.rule_name.to_string();
    let rule_id = hit.rule_id.to_string();
    let refuse = |code: &'static str, status: axum::http::StatusCode, detail: serde_json::Value| {
        Outcome::Refuse(ApiError::new(status, code).with_detail(detail))
    };
    use axum::http::StatusCode as S;
    Ok(match &hit.action {
        Action::Block { message } => {
            refuse("blocked", S::UNPROCESSABLE_ENTITY, json!({ "rule": reason, "message": message }))
        }
        Action::Delete => refuse("removed_by_rule", S::UNPROCESSABLE_ENTITY, json!({ "rule": reason })),
        Action::Hold => {
            let held = state.store.hold_message(room_id, user.id, text, Some(&rule_id), &reason).await?;
            notify_moderators(state, json!({ "type": "moderation.held", "held_id": held.id, "room_id": room_id }))
                .await;
            refuse("held", S::ACCEPTED, json!({ "held_id": held.id, "rule": reason }))
        }
        Action::Mute { seconds } => {
            let s = impose(state, None, Some(&rule_id), user.id, Some(room_id), "mute", &reason, Some(*seconds), None)
                .await?;
            Outcome::Refuse(sanction_error(&s))
        }
        Action::Ban { seconds } => {
            let s = impose(state, None, Some(&rule_id), user.id, Some(room_id), "ban", &reason, *seconds, None).await?;
            Outcome::Refuse(sanction_error(&s))
        }
        Action::Kick => {
            impose(state, None, Some(&rule_id), user.id, Some(room_id), "kick", &reason, None, None).await?;
            refuse("kicked", S::FORBIDDEN, json!({ "rule": reason }))
        }
        Action::Warn { message } => {
            Outcome::Publish { after: vec![After::Warn { rule_id, message: message.clone() }], flagged: true }
        }
        Action::Alert => Outcome::Publish { after: vec![After::Alert { rule_id, reason }], flagged: true },
        Action::SlowMode { seconds } => {
            Outcome::Publish { after: vec![After::SlowMode { seconds: *seconds }], flagged: true }
        }
    })
}

/// Tells the moderators a room is heating up and suggests slow mode.
pub async fn alert_heat(state: &AppState, room_id: i64, heat: Heat) {
    let (reason, users) = match &heat {
        Heat::FlaggedBurst { count } => (format!("{count} flagged messages in a minute"), vec![]),
        Heat::Duel { users } => ("two people trading messages fast".to_string(), users.to_vec()),
    };
    let kind = match heat {
        Heat::FlaggedBurst { .. } => "flagged_burst",
        Heat::Duel { .. } => "duel",
    };
    let entry = NewModlog {
        action: "room.heat".into(),
        room_id: Some(room_id),
        reason: reason.clone(),
        evidence: json!({ "kind": kind, "users": users }).to_string(),
        ..Default::default()
    };
    if let Err(e) = state.store.modlog(&entry).await {
        tracing::warn!(error = %e, "heat alert not logged");
    }
    let event = json!({ "type": "moderation.heat", "room_id": room_id, "kind": kind, "users": users, "reason": reason, "suggest_slow_mode_secs": 30 });
    notify_moderators(state, event).await;
}

/// Checks a join against the join-wave rules (raids). Kick and ban refuse
/// the join; alert and slow mode let it through and act on the room.
pub async fn check_join(state: &AppState, user: &User, room_id: i64) -> ApiResult<()> {
    let engine = state.moderation.engine();
    if !state.moderation.rules().iter().any(|r| r.enabled && matches!(r.kind, RuleKind::JoinWave { .. })) {
        return Ok(());
    }
    let now = steward_store::now_ms();
    let verdict = {
        let mut counters = state.moderation.counters.lock().unwrap_or_else(|e| e.into_inner());
        engine.check_join(
            &mut counters,
            &steward_moderation::JoinInput { room_id, user_id: user.id, role: user.role.as_str(), now },
        )
    };
    for hit in &verdict.hits {
        let entry = NewModlog {
            rule_id: Some(hit.rule_id.to_string()),
            action: format!("rule.{}", action_name(&hit.action)),
            room_id: Some(room_id),
            user_id: Some(user.id),
            reason: format!("{}: {}", hit.rule_name, hit.reason.detail),
            dry_run: hit.dry_run,
            ..Default::default()
        };
        state.store.modlog(&entry).await?;
    }
    let Some(hit) = verdict.decisive() else { return Ok(()) };
    let reason = hit.rule_name.to_string();
    match &hit.action {
        Action::SlowMode { seconds } => slow_down(state, room_id, *seconds).await?,
        Action::Alert | Action::Warn { .. } => {
            let event = json!({ "type": "moderation.alert", "room_id": room_id, "rule_id": &*hit.rule_id, "reason": reason, "user_id": user.id });
            notify_moderators(state, event).await;
        }
        Action::Ban { seconds } => {
            let s =
                impose(state, None, Some(&hit.rule_id), user.id, Some(room_id), "ban", &reason, *seconds, None).await?;
            return Err(sanction_error(&s));
        }
        _ => {
            notify_moderators(
                state,
                json!({ "type": "moderation.alert", "room_id": room_id, "rule_id": &*hit.rule_id, "reason": reason }),
            )
            .await;
            return Err(ApiError::new(axum::http::StatusCode::TOO_MANY_REQUESTS, "join_wave")
                .with_detail(json!({ "rule": reason })));
        }
    }
    Ok(())
}

/// Runs the effects of a published message's verdict.
pub async fn after_publish(state: &AppState, user: &User, room_id: i64, message_id: i64, after: Vec<After>) {
    for a in after {
        let r = match a {
            After::Warn { rule_id, message } => {
                impose(state, None, Some(&rule_id), user.id, Some(room_id), "warn", &message, None, Some(message_id))
                    .await
                    .map(|_| ())
            }
            After::Alert { rule_id, reason } => {
                notify_moderators(
                    state,
                    json!({ "type": "moderation.alert", "room_id": room_id, "message_id": message_id, "rule_id": rule_id, "reason": reason }),
                )
                .await;
                Ok(())
            }
            After::SlowMode { seconds } => slow_down(state, room_id, seconds).await,
        };
        if let Err(e) = r {
            tracing::warn!(code = e.code, "moderation after-effect failed");
        }
    }
}

async fn slow_down(state: &AppState, room_id: i64, seconds: u32) -> ApiResult<()> {
    let Some(room) = state.store.room(room_id).await? else { return Ok(()) };
    if room.policy.slow_mode_secs >= seconds {
        return Ok(());
    }
    let policy = steward_core::rooms::RoomPolicy { slow_mode_secs: seconds, ..room.policy };
    let (room, seq) = state.store.set_room_policy(room_id, &policy).await?;
    events::publish_room(state, room_id, seq, events::room_event(room_id, seq, &room));
    state
        .store
        .modlog(&NewModlog {
            action: "room.slow_mode".into(),
            room_id: Some(room_id),
            duration_secs: Some(i64::from(seconds)),
            ..Default::default()
        })
        .await?;
    Ok(())
}

/// Imposes a sanction (by a moderator `actor` or a rule), applies it (a kick
/// or ban takes the person out of the room), tells the person, logs it, and
/// climbs the warn ladder.
#[allow(clippy::too_many_arguments)]
pub async fn impose(
    state: &AppState,
    actor: Option<i64>,
    rule_id: Option<&str>,
    user_id: i64,
    room_id: Option<i64>,
    kind: &str,
    reason: &str,
    seconds: Option<u64>,
    message_id: Option<i64>,
) -> ApiResult<Sanction> {
    let now = steward_store::now_ms();
    let expires_at = match kind {
        "kick" => Some(now),
        _ => seconds.map(|s| now + (s.min(10 * 365 * 86_400) as i64) * 1000),
    };
    let s = state
        .store
        .add_sanction(&NewSanction {
            user_id,
            room_id,
            kind: kind.into(),
            reason: reason.into(),
            rule_id: rule_id.map(str::to_string),
            actor_id: actor,
            message_id,
            expires_at,
        })
        .await?;
    state.moderation.remember(&s);
    if matches!(kind, "mute" | "ban") {
        crate::cluster::invalidate(state, steward_bus::CacheKind::Sanctions);
    }
    if matches!(kind, "kick" | "ban") {
        let rooms = match room_id {
            Some(r) => vec![r],
            None => state.store.my_room_seqs(user_id).await?.into_iter().map(|(r, _)| r).collect(),
        };
        for r in rooms {
            remove_from_room(state, user_id, r).await?;
        }
    }
    state
        .store
        .modlog(&NewModlog {
            actor_id: actor,
            rule_id: rule_id.map(str::to_string),
            action: format!("sanction.{kind}"),
            room_id,
            user_id: Some(user_id),
            message_id,
            reason: reason.into(),
            duration_secs: seconds.map(|s| s as i64),
            ..Default::default()
        })
        .await?;
    events::publish_user(state, user_id, json!({ "type": "moderation.sanction", "sanction": s }));
    if kind == "warn" {
        ladder(state, user_id, room_id).await?;
    }
    Ok(s)
}

async fn ladder(state: &AppState, user_id: i64, room_id: Option<i64>) -> ApiResult<()> {
    let l = state.settings.get().warn_ladder;
    if l.warnings == 0 {
        return Ok(());
    }
    let since = steward_store::now_ms() - i64::from(l.within_days) * 86_400_000;
    let n = state.store.warnings_since(user_id, since).await?;
    if n >= i64::from(l.warnings) && n % i64::from(l.warnings) == 0 {
        let reason = format!("{n} warnings in {} days", l.within_days);
        Box::pin(impose(state, None, Some("warn_ladder"), user_id, room_id, "mute", &reason, Some(l.mute_secs), None))
            .await?;
    }
    Ok(())
}

async fn remove_from_room(state: &AppState, user_id: i64, room_id: i64) -> ApiResult<()> {
    if let Some(seq) = state.store.remove_member(room_id, user_id).await? {
        if let Some(u) = state.store.user(user_id).await? {
            events::member_left(state, room_id, seq, &u.brief());
        }
        events::removed_from_room(state, user_id, room_id);
    }
    Ok(())
}

/// Lifts a sanction early.
pub async fn lift(state: &AppState, actor: i64, id: i64, reason: &str) -> ApiResult<Sanction> {
    let s = state.store.sanction(id).await?.ok_or_else(ApiError::not_found)?;
    if !state.store.end_sanction(id, Some(actor)).await? {
        return Err(ApiError::new(axum::http::StatusCode::CONFLICT, "already_ended"));
    }
    state.moderation.forget(s.user_id, id);
    crate::cluster::invalidate(state, steward_bus::CacheKind::Sanctions);
    state
        .store
        .modlog(&NewModlog {
            actor_id: Some(actor),
            action: format!("sanction.lift_{}", s.kind),
            room_id: s.room_id,
            user_id: Some(s.user_id),
            reason: reason.into(),
            ..Default::default()
        })
        .await?;
    events::publish_user(state, s.user_id, json!({ "type": "moderation.lifted", "sanction_id": id }));
    Ok(s)
}

/// Tells everyone who reviews moderation (online) about something new.
pub async fn notify_moderators(state: &AppState, event: serde_json::Value) {
    for role in [steward_core::SystemRole::Owner, steward_core::SystemRole::Admin, steward_core::SystemRole::Moderator]
    {
        if let Ok(people) =
            state.store.list_users("", Some(role), Some(steward_core::model::UserStatus::Active), 1000).await
        {
            for p in people.iter().filter(|p| state.is_online(p.id)) {
                events::publish_user(state, p.id, event.clone());
            }
        }
    }
}

pub fn action_name(a: &Action) -> &'static str {
    match a {
        Action::Block { .. } => "block",
        Action::Hold => "hold",
        Action::Delete => "delete",
        Action::Warn { .. } => "warn",
        Action::Mute { .. } => "mute",
        Action::Kick => "kick",
        Action::Ban { .. } => "ban",
        Action::Alert => "alert",
        Action::SlowMode { .. } => "slow_mode",
    }
}

fn action_secs(a: &Action) -> Option<i64> {
    match a {
        Action::Mute { seconds } => Some(*seconds as i64),
        Action::Ban { seconds } => seconds.map(|s| s as i64),
        Action::SlowMode { seconds } => Some(i64::from(*seconds)),
        _ => None,
    }
}

/// Ends sanctions whose time is up (every 30 seconds, on the node holding
/// the job's lease), tells the people and logs it. Durable: the end time is
/// in the database, so a restart loses nothing.
pub fn spawn_sweeper(state: AppState) -> tokio::task::JoinHandle<()> {
    crate::cluster::spawn_leased(state, crate::cluster::SANCTION_SWEEP, Duration::from_secs(30), |state| async move {
        match sweep(&state).await {
            Ok(n) => state.job_counted(|j| &mut j.sanction_sweep, true, format!("{n} ended"), vec![n as u64]),
            Err(e) => {
                tracing::warn!(error = %e, "sanction sweep failed");
                state.job_ran(|j| &mut j.sanction_sweep, false, e.to_string());
            }
        }
    })
}

/// The ban lists changed (on this node): reload them here, and on the others.
pub async fn lists_changed(state: &AppState) -> anyhow::Result<()> {
    state.moderation.reload_lists(&state.store).await?;
    crate::cluster::invalidate(state, steward_bus::CacheKind::BanLists);
    Ok(())
}

/// One sweep; returns how many sanctions ended.
pub async fn sweep(state: &AppState) -> anyhow::Result<usize> {
    let ended = state.store.sweep_expired_sanctions(500).await?;
    for s in &ended {
        state.moderation.forget(s.user_id, s.id);
        if s.kind == "kick" {
            continue;
        }
        state
            .store
            .modlog(&NewModlog {
                action: format!("sanction.expired_{}", s.kind),
                room_id: s.room_id,
                user_id: Some(s.user_id),
                ..Default::default()
            })
            .await?;
        events::publish_user(state, s.user_id, json!({ "type": "moderation.lifted", "sanction_id": s.id }));
    }
    if !ended.is_empty() {
        crate::cluster::invalidate(state, steward_bus::CacheKind::Sanctions);
    }
    Ok(ended.len())
}
