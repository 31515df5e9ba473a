//! The moderation dashboard (`/moderation`): the held-message queue, report
//! cases (one at a time or in bulk), appeals, people's sanctions, the modlog
//! and the rules editor with its "try a message" box, as server-rendered
//! forms. Every action calls the same function as the moderation API
//! (`api::moderation`), so permissions, validation and the modlog are one.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::{Value as JValue, context};
use serde::Deserialize;
use serde_json::{Value, json};
use steward_core::Permission;
use steward_core::model::{Sanction, rfc3339};
use steward_core::validate::Locale;
use steward_store::ModlogFilter;

use crate::api::moderation::{self as api, ResolveInput, SanctionInput};
use crate::auth::{self, CurrentUser};
use crate::client_ip::ClientIp;
use crate::error::ApiError;
use crate::i18n;
use crate::state::AppState;
use crate::views::UserView;

#[derive(Deserialize, Default)]
pub struct ModQuery {
    /// Person lookup for the sanctions card: part of a username or name.
    q: Option<String>,
    /// The person whose sanctions are shown.
    user: Option<String>,
    /// Modlog filters: an action or a prefix ending in a dot, a room id, a username.
    action: Option<String>,
    room: Option<String>,
    person: Option<String>,
    /// Modlog paging: entries older than this id.
    before: Option<String>,
    /// What was just done (a notice key) or the error code.
    ok: Option<String>,
    error: Option<String>,
    /// The field the error is about.
    field: Option<String>,
}

/// What a POST renders straight into the page instead of redirecting.
#[derive(Default)]
struct Shown {
    /// The "try a message" box: the text and its explanation.
    tried: Option<(String, Value)>,
    /// A refused rule: the JSON as typed, the rule it replaces, and the problem.
    draft: Option<(String, String, Value)>,
}

async fn signed_in(state: &AppState, headers: &HeaderMap) -> Result<CurrentUser, Response> {
    match auth::authenticate(state, headers).await {
        Ok(Some(u)) => Ok(u),
        _ => Err(Redirect::to("/login?next=/moderation").into_response()),
    }
}

/// The notice for a finished action; only known keys are shown.
const DONE: &[&str] =
    &["approved", "rejected", "resolved", "escalated", "decided", "imposed", "lifted", "rules", "presets"];

fn plain(s: &str) -> bool {
    s.len() <= 40 && s.chars().all(|c| c.is_ascii_lowercase() || c == '_')
}

fn error_message(code: &str, field: Option<&str>, locale: Locale) -> String {
    let key = format!("error-{}", code.replace('_', "-"));
    let known = plain(code) && i18n::get().has(&key);
    let mut args = fluent_bundle::FluentArgs::new();
    let field = field.filter(|f| plain(f)).unwrap_or("request");
    let field_key = format!("field-{field}");
    let name = if i18n::get().has(&field_key) { i18n::get().t(locale, &field_key, None) } else { field.to_string() };
    args.set("field", name);
    i18n::get().t(locale, if known { &key } else { "error-bad-request" }, Some(&args))
}

fn age(now: i64, at: i64, locale: Locale) -> String {
    let mins = (now - at).max(0) / 60_000;
    let (key, n) = match mins {
        0 => ("mod-age-now", 0),
        1..=59 => ("mod-age-minutes", mins),
        60..=2879 => ("mod-age-hours", mins / 60),
        _ => ("mod-age-days", mins / 1440),
    };
    let mut args = fluent_bundle::FluentArgs::new();
    args.set("n", n);
    i18n::get().t(locale, key, Some(&args))
}

fn parse_id(v: &Option<String>) -> Option<i64> {
    v.as_deref().and_then(|s| s.trim().parse().ok())
}

/// A JSON object with extra fields for the template.
fn with(v: impl serde::Serialize, extra: Value) -> Value {
    let mut v = serde_json::to_value(v).unwrap_or_default();
    if let (Some(o), Value::Object(e)) = (v.as_object_mut(), extra) {
        o.extend(e);
    }
    v
}

async fn render(state: &AppState, me: &CurrentUser, q: &ModQuery, shown: Shown) -> Response {
    let locale = me.locale();
    let perms = me.user.permissions();
    let now = steward_store::now_ms();
    let store = &state.store;
    let held = store.held_messages("pending", 200).await.unwrap_or_default();
    let cases = store.cases("open", false, 200).await.unwrap_or_default();
    let appeals = store.appeals("open", 200).await.unwrap_or_default();
    let rooms = store.all_rooms("", 1000).await.unwrap_or_default();
    let room_names: HashMap<i64, String> = rooms.iter().map(|r| (r.id, r.name.clone())).collect();

    // The person looked up for the sanctions card.
    let lookup = q.q.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let found = match lookup {
        Some(s) => store.list_users(s, None, None, 20).await.unwrap_or_default(),
        None => vec![],
    };
    let target = match parse_id(&q.user) {
        Some(id) => store.user(id).await.ok().flatten(),
        None if found.len() == 1 => found.first().cloned(),
        None => None,
    };
    let target_sanctions = match &target {
        Some(u) => store.sanctions_of(u.id, false).await.unwrap_or_default(),
        None => vec![],
    };

    // The modlog with its filters.
    let person = q.person.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let person_user = match person {
        Some(p) => store.user_by_username(p.trim_start_matches('@')).await.ok().flatten(),
        None => None,
    };
    let log_room = parse_id(&q.room);
    let filter = ModlogFilter {
        room_id: log_room,
        // A name that matches nobody shows nothing, not everything.
        user_id: person.map(|_| person_user.as_ref().map_or(-1, |u| u.id)),
        action: q.action.clone().map(|a| a.trim().to_string()).filter(|a| !a.is_empty()),
        before_id: parse_id(&q.before),
        limit: 100,
    };
    let export_query = {
        let mut export = form_urlencoded::Serializer::new(String::new());
        export.append_pair("action", filter.action.as_deref().unwrap_or(""));
        if let Some(r) = filter.room_id {
            export.append_pair("room_id", &r.to_string());
        }
        if let Some(u) = filter.user_id {
            export.append_pair("user_id", &u.to_string());
        }
        export.finish()
    };
    let log = store.modlog_search(&filter).await.unwrap_or_default();
    // A full page has an older one behind it: the link keeps the filters.
    let older_query = (log.len() as u64 == filter.limit).then(|| {
        let mut older = form_urlencoded::Serializer::new(String::new());
        for (k, v) in [("action", &q.action), ("room", &q.room), ("person", &q.person)] {
            if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
                older.append_pair(k, v);
            }
        }
        older.append_pair("before", &log.last().map_or(0, |e| e.id).to_string());
        older.finish()
    });

    let mut appeal_sanctions: HashMap<i64, Sanction> = HashMap::new();
    for a in &appeals {
        if let Ok(Some(s)) = store.sanction(a.sanction_id).await {
            appeal_sanctions.insert(a.id, s);
        }
    }
    // Everyone named on the page, in one query.
    let mut ids: Vec<i64> = held.iter().map(|h| h.author_id).collect();
    ids.extend(cases.iter().map(|c| c.author_id));
    ids.extend(appeals.iter().map(|a| a.user_id));
    ids.extend(log.iter().filter_map(|e| e.actor_id));
    ids.extend(log.iter().filter_map(|e| e.user_id));
    ids.extend(target_sanctions.iter().filter_map(|s| s.actor_id));
    ids.sort_unstable();
    ids.dedup();
    let people: HashMap<i64, (String, String)> = store
        .users_by_ids(&ids)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|u| (u.id, (u.display_name, u.username)))
        .collect();
    let who = |id: i64| {
        people.get(&id).map_or_else(
            || json!({ "name": format!("#{id}"), "username": "" }),
            |(n, u)| json!({ "name": n, "username": u }),
        )
    };
    let room_of = |id: Option<i64>| id.and_then(|r| room_names.get(&r).cloned());
    let sanction_view = |s: &Sanction| {
        with(
            s,
            json!({
                "room": room_of(s.room_id),
                "active": s.is_active(now),
                "by": s.actor_id.map(&who),
                "created": rfc3339(s.created_at),
                "until": s.expires_at.map(rfc3339),
                "ended": s.ended_at.map(rfc3339),
                "age": age(now, s.created_at, locale),
            }),
        )
    };

    let held: Vec<Value> = held
        .iter()
        .map(|h| with(h, json!({ "author": who(h.author_id), "room": room_of(Some(h.room_id)), "age": age(now, h.created_at, locale) })))
        .collect();
    let cases: Vec<Value> = cases
        .iter()
        .map(|c| with(c, json!({ "author": who(c.author_id), "room": room_of(Some(c.room_id)), "age": age(now, c.created_at, locale) })))
        .collect();
    let mut appeal_views = Vec::new();
    for a in &appeals {
        let s = appeal_sanctions.get(&a.id);
        // The evidence: the message the sanction was for, as moderators may see it.
        let evidence = match s.and_then(|s| s.room_id.zip(s.message_id)) {
            Some((room, msg)) => store.message(room, msg).await.ok().flatten().map(|m| m.body),
            None => None,
        };
        appeal_views.push(with(
            a,
            json!({ "person": who(a.user_id), "age": age(now, a.created_at, locale), "sanction": s.map(&sanction_view), "evidence": evidence }),
        ));
    }
    let log: Vec<Value> = log
        .iter()
        .map(|e| {
            let evidence: Value = serde_json::from_str(&e.evidence).unwrap_or(Value::Null);
            with(
                e,
                json!({
                    "actor": e.actor_id.map(&who),
                    "person": e.user_id.map(&who),
                    "room": room_of(e.room_id),
                    "text": evidence.get("text").and_then(Value::as_str),
                    "matched": evidence.get("matched").and_then(Value::as_str),
                }),
            )
        })
        .collect();

    let can_rules = perms.has(Permission::ModerationRules);
    let rules = state.moderation.rules();
    let rule_views: Vec<Value> = rules
        .iter()
        .map(|r| {
            let scope = match &r.scope {
                steward_moderation::Scope::All => None,
                steward_moderation::Scope::Rooms(ids) => {
                    Some(ids.iter().map(|id| room_of(Some(*id)).unwrap_or_else(|| format!("{id}"))).collect::<Vec<_>>())
                }
            };
            with(r, json!({ "json": serde_json::to_string_pretty(r).unwrap_or_default(), "rooms": scope }))
        })
        .collect();
    let have: Vec<&str> = rules.iter().map(|r| r.id.as_str()).collect();
    let presets_missing =
        steward_moderation::presets::default_rules().iter().filter(|r| !have.contains(&r.id.as_str())).count();
    let new_rule = serde_json::to_string_pretty(&json!({
        "id": "my-rule", "name": "…",
        "kind": { "type": "words", "words": ["спам*"] },
        "action": { "type": "hold" }, "dry_run": true
    }))
    .unwrap_or_default();

    let notice =
        q.ok.as_deref().filter(|k| DONE.contains(k)).map(|k| i18n::get().t(locale, &format!("mod-done-{k}"), None));
    let error = q.error.as_deref().map(|c| error_message(c, q.field.as_deref(), locale));
    let (tried_text, tried) = shown.tried.map_or((None, None), |(t, e)| (Some(t), Some(e)));
    let (draft_json, draft_for, draft_problem) =
        shown.draft.map_or((None, None, None), |(j, f, p)| (Some(j), Some(f), Some(p)));
    let status = if draft_problem.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let mut resp = state.templates.render(
        "moderation.html",
        context! {
            lang => locale.as_str(), csrf => auth::csrf_token(&me.token),
            user => JValue::from_serialize(UserView::new(state, &me.user, &me.user)),
            can => context! {
                sanction => perms.has(Permission::ModerationSanction),
                rules => can_rules,
            },
            held, cases, appeals => appeal_views,
            rooms => rooms.iter().filter(|r| r.kind != steward_core::RoomKind::Direct).map(|r| json!({ "id": r.id, "name": r.name })).collect::<Vec<_>>(),
            q => q.q.clone(), found => JValue::from_serialize(found.iter().map(|u| UserView::new(state, u, &me.user)).collect::<Vec<_>>()),
            target => JValue::from_serialize(target.as_ref().map(|u| UserView::new(state, u, &me.user))),
            sanctions => target_sanctions.iter().map(&sanction_view).collect::<Vec<_>>(),
            log, action => q.action.clone(), log_room, export_query, log_person => q.person.clone(), older_query,
            newer => q.before.is_some(),
            rules => rule_views, presets_missing, new_rule,
            tried_text, tried, draft_json, draft_for, draft_problem,
            notice, error,
        },
    );
    if resp.status() == StatusCode::OK {
        *resp.status_mut() = status;
    }
    resp
}

pub async fn page(State(state): State<AppState>, headers: HeaderMap, Query(q): Query<ModQuery>) -> Response {
    let me = match signed_in(&state, &headers).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    if !me.user.permissions().has(Permission::ModerationReview) {
        return (StatusCode::FORBIDDEN, "Moderation is for moderators.").into_response();
    }
    render(&state, &me, &q, Shown::default()).await
}

/// The signed-in moderator and the CSRF check.
async fn guard(state: &AppState, headers: &HeaderMap, csrf: Option<&str>) -> Result<CurrentUser, Response> {
    let me = signed_in(state, headers).await?;
    if csrf != Some(auth::csrf_token(&me.token).as_str()) {
        return Err((StatusCode::FORBIDDEN, "CSRF check failed: reload the page and try again").into_response());
    }
    Ok(me)
}

/// Post/redirect/get: back to the section with a notice or the error code.
fn back<T>(r: Result<T, ApiError>, done: &str, anchor: &str, extra: &str) -> Response {
    match r {
        Ok(_) => Redirect::to(&format!("/moderation?ok={done}{extra}#{anchor}")).into_response(),
        Err(e) => {
            let field = e.field.as_deref().map(|f| format!("&field={f}")).unwrap_or_default();
            Redirect::to(&format!("/moderation?error={}{field}{extra}#{anchor}", e.code)).into_response()
        }
    }
}

/// Form fields, repeated ones (checkboxes) included.
struct Fields(Vec<(String, String)>);

impl Fields {
    fn parse(body: &str) -> Self {
        Fields(form_urlencoded::parse(body.as_bytes()).into_owned().collect())
    }
    fn get(&self, k: &str) -> Option<String> {
        self.0.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
    }
    fn all(&self, k: &str) -> Vec<String> {
        self.0.iter().filter(|(n, _)| n == k).map(|(_, v)| v.clone()).collect()
    }
    fn text(&self, k: &str) -> String {
        self.get(k).unwrap_or_default()
    }
}

pub async fn held(State(state): State<AppState>, headers: HeaderMap, Path(id): Path<i64>, body: String) -> Response {
    let f = Fields::parse(&body);
    let me = match guard(&state, &headers, f.get("csrf").as_deref()).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let approve = f.get("op").as_deref() == Some("approve");
    let r = api::decide_held(&state, &me, id, approve).await;
    back(r, if approve { "approved" } else { "rejected" }, "mod-held", "")
}

/// What one case button does: an outcome, and a sanction for the author.
fn case_op(op: &str) -> Option<(&'static str, Option<&'static str>, Option<u64>)> {
    Some(match op {
        "dismiss" => ("dismissed", None, None),
        "remove" => ("removed", None, None),
        "warn" => ("removed", Some("warn"), None),
        "mute_1h" => ("removed", Some("mute"), Some(3_600)),
        "mute_1d" => ("removed", Some("mute"), Some(86_400)),
        "ban" => ("removed", Some("ban"), None),
        _ => return None,
    })
}

async fn act_on_cases(state: &AppState, me: &CurrentUser, ids: Vec<i64>, op: &str) -> Response {
    if op == "escalate" {
        let mut r = Ok(());
        for id in ids {
            r = r.and(api::escalate_case(state, me, id).await);
        }
        return back(r, "escalated", "mod-cases", "");
    }
    let Some((outcome, sanction, duration_secs)) = case_op(op) else {
        return back::<()>(Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_choice")), "", "mod-cases", "");
    };
    let req =
        ResolveInput { case_ids: ids, outcome: outcome.into(), sanction: sanction.map(str::to_string), duration_secs };
    back(api::resolve_cases(state, me, &req).await, "resolved", "mod-cases", "")
}

/// The bulk form: the checked cases and one action.
pub async fn cases(State(state): State<AppState>, headers: HeaderMap, body: String) -> Response {
    let f = Fields::parse(&body);
    let me = match guard(&state, &headers, f.get("csrf").as_deref()).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let ids: Vec<i64> = f.all("case_id").iter().filter_map(|v| v.parse().ok()).collect();
    act_on_cases(&state, &me, ids, &f.text("bulk_op")).await
}

/// One case's own buttons (inside the bulk form, so the checkboxes are ignored).
pub async fn case(State(state): State<AppState>, headers: HeaderMap, Path(id): Path<i64>, body: String) -> Response {
    let f = Fields::parse(&body);
    let me = match guard(&state, &headers, f.get("csrf").as_deref()).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    act_on_cases(&state, &me, vec![id], &f.text("op")).await
}

pub async fn appeal(State(state): State<AppState>, headers: HeaderMap, Path(id): Path<i64>, body: String) -> Response {
    let f = Fields::parse(&body);
    let me = match guard(&state, &headers, f.get("csrf").as_deref()).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let accept = f.get("decision").as_deref() == Some("accept");
    back(api::decide_appeal(&state, &me, id, accept, f.text("note").trim()).await, "decided", "mod-appeals", "")
}

pub async fn impose(State(state): State<AppState>, headers: HeaderMap, body: String) -> Response {
    let f = Fields::parse(&body);
    let me = match guard(&state, &headers, f.get("csrf").as_deref()).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(user_id) = parse_id(&f.get("user_id")) else {
        return back::<()>(Err(ApiError::not_found().with_field("user_id")), "", "mod-sanctions", "");
    };
    let req = SanctionInput {
        user_id,
        room_id: parse_id(&f.get("room_id")),
        kind: f.text("kind"),
        duration_secs: f.get("duration_secs").and_then(|v| v.trim().parse().ok()).filter(|s: &u64| *s > 0),
        reason: f.text("reason"),
        message_id: None,
    };
    back(api::impose_by(&state, &me, &req).await, "imposed", "mod-sanctions", &format!("&user={user_id}"))
}

pub async fn lift(State(state): State<AppState>, headers: HeaderMap, Path(id): Path<i64>, body: String) -> Response {
    let f = Fields::parse(&body);
    let me = match guard(&state, &headers, f.get("csrf").as_deref()).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let r = api::lift_by(&state, &me, id, &f.text("reason")).await;
    let user = match &r {
        Ok(s) => format!("&user={}", s.user_id),
        Err(_) => parse_id(&f.get("user")).map(|u| format!("&user={u}")).unwrap_or_default(),
    };
    back(r, "lifted", "mod-sanctions", &user)
}

/// Flips `enabled` or `dry_run` on one rule.
pub async fn toggle_rule(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    body: String,
) -> Response {
    let f = Fields::parse(&body);
    let me = match guard(&state, &headers, f.get("csrf").as_deref()).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let id = f.text("rule_id");
    let mut rules = state.moderation.rules().to_vec();
    let Some(rule) = rules.iter_mut().find(|r| r.id == id) else {
        return back::<()>(Err(ApiError::not_found()), "", "mod-rules", "");
    };
    match f.text("field").as_str() {
        "enabled" => rule.enabled = !rule.enabled,
        "dry_run" => rule.dry_run = !rule.dry_run,
        _ => {
            return back::<()>(
                Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_choice")),
                "",
                "mod-rules",
                "",
            );
        }
    }
    let origin = crate::audit::Origin::new(&ip.to_string(), &headers);
    back(api::save_rules(&state, &me, &origin, rules).await, "rules", "mod-rules", "")
}

/// Adds the built-in starting rules (word lists, spam) that are not there yet.
pub async fn add_presets(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    body: String,
) -> Response {
    let f = Fields::parse(&body);
    let me = match guard(&state, &headers, f.get("csrf").as_deref()).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let mut rules = state.moderation.rules().to_vec();
    for r in steward_moderation::presets::default_rules() {
        if !rules.iter().any(|x| x.id == r.id) {
            rules.push(r);
        }
    }
    let origin = crate::audit::Origin::new(&ip.to_string(), &headers);
    back(api::save_rules(&state, &me, &origin, rules).await, "presets", "mod-rules", "")
}

pub async fn delete_rule(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    body: String,
) -> Response {
    let f = Fields::parse(&body);
    let me = match guard(&state, &headers, f.get("csrf").as_deref()).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let id = f.text("rule_id");
    let rules: Vec<_> = state.moderation.rules().iter().filter(|r| r.id != id).cloned().collect();
    let origin = crate::audit::Origin::new(&ip.to_string(), &headers);
    back(api::save_rules(&state, &me, &origin, rules).await, "rules", "mod-rules", "")
}

/// Saves one rule from its JSON (a new one when `original_id` is empty). A
/// refused rule comes back in its textarea with the rule id and the problem.
pub async fn save_rule(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    body: String,
) -> Response {
    let f = Fields::parse(&body);
    let me = match guard(&state, &headers, f.get("csrf").as_deref()).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let original = f.text("original_id");
    let text = f.text("json");
    let refused = |problem: Value| Shown { draft: Some((text.clone(), original.clone(), problem)), ..Shown::default() };
    if !me.user.permissions().has(Permission::ModerationRules) {
        return back::<()>(Err(ApiError::forbidden()), "", "mod-rules", "");
    }
    let rule: steward_moderation::Rule = match serde_json::from_str(&text) {
        Ok(r) => r,
        Err(e) => {
            let problem = json!({ "rule": original, "problem": "bad_json", "message": e.to_string() });
            return render(&state, &me, &ModQuery::default(), refused(problem)).await;
        }
    };
    let mut rules = state.moderation.rules().to_vec();
    match rules.iter_mut().find(|r| !original.is_empty() && r.id == original) {
        Some(slot) => *slot = rule,
        None => rules.push(rule),
    }
    let origin = crate::audit::Origin::new(&ip.to_string(), &headers);
    match api::save_rules(&state, &me, &origin, rules).await {
        Ok(()) => back::<()>(Ok(()), "rules", "mod-rules", ""),
        Err(e) => {
            let problem = match e.detail.as_deref() {
                Some(d) => d.clone(),
                None => {
                    json!({ "rule": original, "problem": e.code, "message": error_message(e.code, e.field.as_deref(), me.locale()) })
                }
            };
            render(&state, &me, &ModQuery::default(), refused(problem)).await
        }
    }
}

/// The "try a message" box: the normalised forms and every rule that fires.
pub async fn try_message(State(state): State<AppState>, headers: HeaderMap, body: String) -> Response {
    let f = Fields::parse(&body);
    let me = match guard(&state, &headers, f.get("csrf").as_deref()).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    if !me.user.permissions().has(Permission::ModerationReview) {
        return back::<()>(Err(ApiError::forbidden()), "", "mod-rules", "");
    }
    let text: String = f.text("text").chars().take(4000).collect();
    let explained = api::explain(&state, &text);
    render(&state, &me, &ModQuery::default(), Shown { tried: Some((text, explained)), ..Shown::default() }).await
}
