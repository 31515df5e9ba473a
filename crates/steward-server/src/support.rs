//! The server's side of the support desk (docs/SUPPORT.md): inbox settings,
//! who may see a conversation, routing (the choice is
//! `steward_support::routing::choose`; the store makes it atomic), what a
//! message in a conversation changes (reopen, SLA clocks, reporting events),
//! the live updates operators and the widget receive, and the sweep that
//! passes lapsed offers on, wakes snoozed conversations, sends scheduled
//! messages, moves SLA states and sets idle operators away.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use steward_core::model::{Conversation, Inbox, Message, User};
use steward_core::{FieldError, Permission, Rule};
use steward_store::{AssignOutcome, ConversationFilter};
use steward_support::routing::{self, Availability, Candidate, Choice, RoutingMode};
use utoipa::ToSchema;

use crate::error::{ApiError, ApiResult};
use crate::events;
use crate::state::AppState;

/// An inbox's settings (JSON in the store; every field has a default).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct InboxSettings {
    /// Shown at the top of the widget.
    pub greeting: String,
    /// The widget's language when the page does not say: `ru` or `en`.
    pub locale: String,
    /// Launcher and header colour, `#rrggbb`.
    pub color: String,
    /// `right` or `left`.
    pub position: String,
    /// Ask for a 1–5 rating after resolution.
    pub csat: bool,
    /// Outside business hours, take name, e-mail and message.
    pub offline_form: bool,
    /// Business hours (`steward_support::hours`); absent: always open.
    #[schema(value_type = Object)]
    pub hours: Option<Value>,
    /// Pre-chat form fields (`steward_support::prechat`).
    #[schema(value_type = Vec<Object>)]
    pub prechat: Vec<Value>,
    /// `round_robin`, `least_loaded`, `manual`, `offer_to_all` or `sticky`.
    pub routing: String,
    /// An assignment not accepted within this many seconds passes to the
    /// next operator; 0 assigns outright.
    pub offer_timeout_secs: u32,
    /// SLA targets (`steward_support::sla::SlaPolicy`); absent: none.
    #[schema(value_type = Object)]
    pub sla: Option<Value>,
    /// Sites allowed to frame the widget (`https://shop.example`); empty: any.
    pub allowed_origins: Vec<String>,
    /// New conversations start with the FAQ bot (docs/FAQ.md).
    pub bot: bool,
    /// New conversations start with this external bot account instead
    /// (docs/WEBHOOKS.md, "Agent bots"): it gets them through its webhooks
    /// and answers, resolves or hands over through the API.
    pub agent_bot: Option<i64>,
    /// A conversation whose customer waited this long for the agent bot is
    /// handed to people (the bot is down or stuck); 0: never. Default 120.
    pub agent_bot_timeout_secs: u32,
}

impl Default for InboxSettings {
    fn default() -> Self {
        InboxSettings {
            greeting: String::new(),
            locale: "ru".into(),
            color: "#5b6cf0".into(),
            position: "right".into(),
            csat: true,
            offline_form: true,
            hours: None,
            prechat: vec![],
            routing: "least_loaded".into(),
            offer_timeout_secs: 0,
            sla: None,
            allowed_origins: vec![],
            bot: false,
            agent_bot: None,
            agent_bot_timeout_secs: 120,
        }
    }
}

/// Settings after validation, with the parts compiled.
#[derive(Debug, Clone)]
pub struct Compiled {
    pub settings: InboxSettings,
    pub hours: Option<steward_support::hours::Calendar>,
    /// `None`: no pre-chat form.
    pub prechat: Option<steward_support::prechat::PrechatForm>,
    pub routing: RoutingMode,
    pub sla: Option<steward_support::sla::SlaPolicy>,
}

impl InboxSettings {
    /// Checks every field; errors name the field and the rule.
    pub fn compile(self) -> Result<Compiled, steward_support::Invalid> {
        if self.greeting.chars().count() > 500 {
            return Err(steward_support::Invalid::with_limit("settings.greeting", Rule::TooLong, 500));
        }
        if !matches!(self.locale.as_str(), "ru" | "en") {
            return Err(steward_support::Invalid::new("settings.locale", Rule::InvalidChoice));
        }
        let hex = self.color.strip_prefix('#').unwrap_or("");
        if hex.len() != 6 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(steward_support::Invalid::new("settings.color", Rule::InvalidFormat));
        }
        if !matches!(self.position.as_str(), "right" | "left") {
            return Err(steward_support::Invalid::new("settings.position", Rule::InvalidChoice));
        }
        if self.offer_timeout_secs > 3600 {
            return Err(steward_support::Invalid::with_limit("settings.offer_timeout_secs", Rule::TooLong, 3600));
        }
        if self.allowed_origins.len() > 20 {
            return Err(steward_support::Invalid::with_limit("settings.allowed_origins", Rule::TooLong, 20));
        }
        for o in &self.allowed_origins {
            let host = o.strip_prefix("https://").or_else(|| o.strip_prefix("http://")).unwrap_or("");
            let ok = !host.is_empty()
                && host.len() < 200
                && host.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '*'));
            if !ok {
                return Err(steward_support::Invalid::new("settings.allowed_origins", Rule::InvalidFormat));
            }
        }
        if self.agent_bot.is_some() && self.bot {
            return Err(steward_support::Invalid::new("settings.agent_bot", Rule::InvalidChoice)
                .with_detail("the built-in FAQ bot is on: use one or the other"));
        }
        if self.agent_bot_timeout_secs > 86_400 {
            return Err(steward_support::Invalid::with_limit("settings.agent_bot_timeout_secs", Rule::TooLong, 86_400));
        }
        let routing =
            RoutingMode::parse(&self.routing).map_err(|_| FieldError::new("settings.routing", Rule::InvalidChoice))?;
        let hours = match &self.hours {
            None | Some(Value::Null) => None,
            Some(v) => {
                let h: steward_support::hours::BusinessHours = serde_json::from_value(v.clone()).map_err(|e| {
                    steward_support::Invalid::new("settings.hours", Rule::InvalidFormat).with_detail(e.to_string())
                })?;
                Some(h.compile()?)
            }
        };
        let fields: Vec<steward_support::prechat::PrechatField> =
            serde_json::from_value(Value::Array(self.prechat.clone())).map_err(|e| {
                steward_support::Invalid::new("settings.prechat", Rule::InvalidFormat).with_detail(e.to_string())
            })?;
        let prechat =
            if fields.is_empty() { None } else { Some(steward_support::prechat::validate_definition(&fields)?) };
        let sla = match &self.sla {
            None | Some(Value::Null) => None,
            Some(v) => {
                let p: steward_support::sla::SlaPolicy = serde_json::from_value(v.clone()).map_err(|e| {
                    steward_support::Invalid::new("settings.sla", Rule::InvalidFormat).with_detail(e.to_string())
                })?;
                p.validate()?;
                Some(p)
            }
        };
        Ok(Compiled { settings: self, hours, prechat, routing, sla })
    }
}

/// The compiled settings of a stored inbox (stored settings were valid when
/// saved; a bad one falls back to the defaults rather than failing a visitor).
pub fn settings_of(inbox: &Inbox) -> Compiled {
    serde_json::from_value::<InboxSettings>(inbox.settings.clone())
        .ok()
        .and_then(|s| s.compile().ok())
        .or_else(|| InboxSettings::default().compile().ok())
        .unwrap_or_else(|| Compiled {
            settings: InboxSettings::default(),
            hours: None,
            prechat: None,
            routing: RoutingMode::LeastLoaded,
            sla: None,
        })
}

/// Whether the person may see the conversation: it is theirs, or they work
/// in its inbox (and department, when it has one), or `support.view_all`.
pub async fn can_view(state: &AppState, user: &User, conv: &Conversation) -> ApiResult<bool> {
    if user.permissions().has(Permission::SupportViewAll) || conv.assignee_id == Some(user.id) {
        return Ok(true);
    }
    let (inboxes, departments) = state.store.operator_scope(user.id).await?;
    Ok(inboxes.contains(&conv.inbox_id) && conv.department_id.is_none_or(|d| departments.contains(&d)))
}

/// A support room's conversation, when the person may see it.
pub async fn can_view_room(state: &AppState, user: &User, room_id: i64) -> ApiResult<bool> {
    match state.store.conversation_by_room(room_id).await? {
        Some(c) => can_view(state, user, &c).await,
        None => Ok(false),
    }
}

/// A conversation the caller may see, or not-found.
pub async fn visible(state: &AppState, user: &User, id: i64) -> ApiResult<Conversation> {
    let conv = state.store.conversation(id).await?.ok_or_else(ApiError::not_found)?;
    if !can_view(state, user, &conv).await? {
        return Err(ApiError::not_found());
    }
    Ok(conv)
}

/// Tells everyone who may see the conversation that it changed: operators
/// of its inbox, its assignee, supervisors connected now, and the widget.
pub async fn announce(state: &AppState, conv: &Conversation) {
    let payload = json!({ "type": "support.conversation", "conversation": conv });
    let mut to: Vec<i64> = state.store.inbox_members(conv.inbox_id).await.unwrap_or_default();
    if let Some(a) = conv.assignee_id {
        to.push(a);
    }
    if let Some(e) = conv.escalated_to {
        to.push(e);
    }
    // Supervisors (support.view_all) connected to any node.
    for uid in support_viewers(state).await {
        if state.is_online(uid) {
            to.push(uid);
        }
    }
    to.sort_unstable();
    to.dedup();
    for uid in to {
        events::publish_user(state, uid, payload.clone());
    }
    // The widget follows its room: an ephemeral room event it understands.
    let widget = json!({ "type": "support.conversation", "room_id": conv.room_id, "conversation": widget_view(state, conv).await });
    state.bus.publish(steward_bus::Envelope::event(steward_bus::Topic::Room(conv.room_id), None, widget.to_string()));
}

/// Who holds `support.view_all` (by role or custom role), read at most every 10 s.
pub async fn support_viewers(state: &AppState) -> Vec<i64> {
    if let Ok(g) = state.support_viewers.lock()
        && let Some((at, ids)) = g.as_ref()
        && at.elapsed() < std::time::Duration::from_secs(10)
    {
        return ids.clone();
    }
    let roles: Vec<&str> = steward_core::SystemRole::ALL
        .iter()
        .filter(|r| r.permissions().has(Permission::SupportViewAll))
        .map(|r| r.as_str())
        .collect();
    let ids = state.store.people_with(&roles, Permission::SupportViewAll.as_str()).await.unwrap_or_default();
    if let Ok(mut g) = state.support_viewers.lock() {
        *g = Some((std::time::Instant::now(), ids.clone()));
    }
    ids
}

/// What the widget shows of a conversation (no internal fields).
pub async fn widget_view(state: &AppState, conv: &Conversation) -> Value {
    let assignee = match conv.assignee_id {
        Some(a) => state
            .store
            .user(a)
            .await
            .ok()
            .flatten()
            .map(|u| json!({ "display_name": u.display_name, "avatar_color": u.avatar_color })),
        None => None,
    };
    let room = state.store.room(conv.room_id).await.ok().flatten();
    let contact_user = state.store.contact(conv.contact_id).await.ok().flatten().map(|c| c.user_id);
    let operator_read = match contact_user {
        Some(uid) => state.store.max_read_seq_of_others(conv.room_id, uid).await.unwrap_or(0),
        None => 0,
    };
    json!({
        "id": conv.id,
        "room_id": conv.room_id,
        "status": conv.status,
        "assignee": assignee,
        "csat": conv.csat_rating.map(|r| json!({ "rating": r, "comment": conv.csat_comment })),
        "last_seq": room.map_or(0, |r| r.last_seq),
        "operator_read_seq": operator_read,
        "created_at": steward_core::model::rfc3339(conv.created_at),
    })
}

/// Routes one conversation if it is waiting: assigns (or offers) it by the
/// inbox's or department's mode. Returns the operator it went to.
pub async fn route(state: &AppState, conv_id: i64) -> ApiResult<Option<i64>> {
    // Operators found full while trying (others filled them meanwhile): the
    // next choice skips them, so a free operator is found if there is one.
    let mut full: Vec<i64> = vec![];
    // The inbox's settings and the department's mode, read once per department.
    let mut setup: Option<(Option<i64>, Compiled, RoutingMode)> = None;
    for _ in 0..64 {
        let Some(conv) = state.store.conversation(conv_id).await? else {
            return Ok(None);
        };
        if conv.assignee_id.is_some() || conv.status != "open" {
            return Ok(conv.assignee_id);
        }
        if setup.as_ref().is_none_or(|(d, _, _)| *d != conv.department_id) {
            let Some(inbox) = state.store.inbox(conv.inbox_id).await? else {
                return Ok(None);
            };
            let compiled = settings_of(&inbox);
            let mut mode = compiled.routing;
            if let Some(d) = conv.department_id
                && let Some(dep) = state.store.departments(Some(inbox.id)).await?.into_iter().find(|x| x.id == d)
                && let Some(m) = dep.routing.as_deref().and_then(|m| RoutingMode::parse(m).ok())
            {
                mode = m;
            }
            setup = Some((conv.department_id, compiled, mode));
        }
        let Some((_, compiled, mode)) = setup.as_ref() else { return Ok(None) };
        let mode = *mode;
        let ops = state.store.candidates(conv.inbox_id, conv.department_id).await?;
        let candidates: Vec<Candidate> = ops
            .iter()
            .map(|o| Candidate {
                user_id: o.user_id,
                availability: Availability::parse(&o.availability).unwrap_or(Availability::Offline),
                load: o.active_count.max(0) as u32,
                capacity: o.capacity.max(0) as u32,
                last_assigned_at: o.last_assigned_at,
            })
            .collect();
        let sticky = if mode == RoutingMode::Sticky { last_operator(state, &conv).await? } else { None };
        let mut exclude = conv.passed_over.clone();
        exclude.extend_from_slice(&full);
        let choice = routing::choose(mode, &candidates, sticky, &exclude);
        let op = match choice {
            Choice::Assign(op) => op,
            Choice::Offer(ops) => {
                for op in ops {
                    events::publish_user(state, op, json!({ "type": "support.offer", "conversation_id": conv.id }));
                }
                return Ok(None);
            }
            Choice::Queue => return Ok(None),
        };
        let offer_until = (compiled.settings.offer_timeout_secs > 0)
            .then(|| steward_store::now_ms() + i64::from(compiled.settings.offer_timeout_secs) * 1000);
        match state
            .store
            .assign(
                conv.id,
                op,
                None,
                false,
                offer_until,
                None,
                "assigned",
                &json!({ "to": op, "by": "routing", "mode": mode }),
            )
            .await?
        {
            AssignOutcome::Assigned { joined_seq } => {
                after_assign(state, conv.id, op, joined_seq).await?;
                return Ok(Some(op));
            }
            // The operator filled up meanwhile: the next one.
            AssignOutcome::OperatorFull => full.push(op),
            // Someone else changed it: look again.
            AssignOutcome::Taken => continue,
        }
    }
    Ok(None)
}

async fn last_operator(state: &AppState, conv: &Conversation) -> ApiResult<Option<i64>> {
    let past = state.store.contact_conversations(conv.contact_id, 20).await?;
    Ok(past.iter().filter(|c| c.id != conv.id).find_map(|c| c.assignee_id))
}

/// After an assignment: the operator reads the room live, everyone learns.
pub async fn after_assign(state: &AppState, conv_id: i64, op: i64, joined_seq: Option<i64>) -> ApiResult<()> {
    let Some(conv) = state.store.conversation(conv_id).await? else {
        return Ok(());
    };
    if let Some(seq) = joined_seq
        && let Some(u) = state.store.user(op).await?
    {
        events::publish_room(
            state,
            conv.room_id,
            seq,
            events::member_event(steward_core::model::EventKind::MemberJoined, conv.room_id, seq, &u.brief()),
        );
        events::subscribe(state, op, conv.room_id);
    }
    let contact =
        state.store.contact(conv.contact_id).await?.map(|c| json!({ "id": c.id, "name": c.name, "email": c.email }));
    events::publish_user(state, op, json!({ "type": "support.assigned", "conversation": conv, "contact": contact }));
    announce(state, &conv).await;
    crate::webhooks::conversation(state, &conv, "conversation.assigned", json!({ "assignee_id": op })).await;
    Ok(())
}

/// Serves the queue oldest first while operators have room.
pub async fn drain(state: &AppState, inbox_id: i64) -> ApiResult<usize> {
    let mut assigned = 0;
    let mut skipped = std::collections::HashSet::new();
    loop {
        let waiting = state.store.waiting(inbox_id, 50).await?;
        let Some(next) = waiting.into_iter().find(|c| !skipped.contains(&c.id)) else {
            return Ok(assigned);
        };
        match route(state, next.id).await? {
            Some(_) => assigned += 1,
            // Nobody for this one (its department may be full): try the next.
            None => {
                skipped.insert(next.id);
                if skipped.len() >= 50 {
                    return Ok(assigned);
                }
            }
        }
    }
}

/// Drains every inbox the operator works in (capacity freed, came online).
pub async fn drain_for(state: &AppState, operator: i64) -> ApiResult<()> {
    let (inboxes, _) = state.store.operator_scope(operator).await?;
    for i in inboxes {
        drain(state, i).await?;
    }
    Ok(())
}

/// What a new message in a support room changes: the contact's reopens a
/// resolved or snoozed conversation; reporting events; SLA clocks.
pub async fn after_message(state: &AppState, author: &User, message: &Message) -> ApiResult<()> {
    let Some(conv) = state.store.conversation_by_room(message.room_id).await? else {
        return Ok(());
    };
    if message.internal || crate::faq_bot::is_bot(state, author.id).await {
        return Ok(());
    }
    // An agent bot's replies are not people's: the clocks wait for the hand-over.
    if state.store.is_bot(author.id).await? {
        state.store.add_conversation_event(conv.id, "bot_reply", Some(author.id), &Value::Null).await?;
        return Ok(());
    }
    let from_contact = state.store.contact(conv.contact_id).await?.is_some_and(|c| c.user_id == author.id);
    state.store.note_message(conv.id, from_contact, author.id, message.created_at).await?;
    let mut conv = conv;
    if from_contact && conv.status == "pending" && agent_bot_of(state, conv.inbox_id).await?.is_some() {
        // The agent bot has it through its webhook.
        announce(state, &conv).await;
        return Ok(());
    }
    if from_contact && conv.status == "pending" {
        // Boxed: the bot posts, and posting comes back here.
        Box::pin(crate::faq_bot::on_contact_message(state, &conv, message)).await?;
        if let Some(c) = state.store.conversation(conv.id).await? {
            announce(state, &c).await;
        }
        return Ok(());
    }
    if from_contact && matches!(conv.status.as_str(), "resolved" | "snoozed") {
        if let Some(c) = state.store.set_conversation_status(conv.id, "open", None, None).await? {
            status_changed(state, &conv.status, &c).await;
            conv = c;
        }
        if conv.assignee_id.is_none() {
            route(state, conv.id).await?;
        }
    }
    crate::support_sla::refresh(state, conv.id).await?;
    if let Some(c) = state.store.conversation(conv.id).await? {
        announce(state, &c).await;
    }
    Ok(())
}

/// The inbox's agent bot, if it has one.
pub async fn agent_bot_of(state: &AppState, inbox_id: i64) -> ApiResult<Option<i64>> {
    Ok(state.store.inbox(inbox_id).await?.and_then(|i| settings_of(&i).settings.agent_bot))
}

/// The agent bot (or the FAQ bot, or a supervisor) passes a pending
/// conversation to people: an optional last word to the customer, a
/// `bot_handover` event (first response counts from here), then routing.
pub async fn hand_over(
    state: &AppState,
    bot: &User,
    conv: &Conversation,
    reason: &str,
    message: Option<&str>,
) -> ApiResult<Conversation> {
    if conv.status != "pending" {
        return Err(ApiError::new(axum::http::StatusCode::CONFLICT, "not_pending"));
    }
    if let Some(body) = message.filter(|b| !b.trim().is_empty()) {
        crate::service::post_message(state, bot, conv.room_id, crate::service::PostInput::text(body, false)).await?;
    }
    state.store.add_conversation_event(conv.id, "bot_handover", Some(bot.id), &json!({ "reason": reason })).await?;
    let cur = state.store.conversation(conv.id).await?.ok_or_else(ApiError::not_found)?;
    set_status(state, &cur, "open", None, Some(bot.id)).await?;
    // As routing left it.
    state.store.conversation(conv.id).await?.ok_or_else(ApiError::not_found)
}

/// Pending conversations whose customer has waited longer than the inbox's
/// `agent_bot_timeout_secs` for its agent bot go to people.
async fn agent_bot_timeouts(state: &AppState, inboxes: &[Inbox], now: i64) -> ApiResult<()> {
    for inbox in inboxes {
        let c = settings_of(inbox);
        let (Some(bot_id), timeout) = (c.settings.agent_bot, c.settings.agent_bot_timeout_secs) else { continue };
        if timeout == 0 {
            continue;
        }
        let f = ConversationFilter {
            inbox_ids: Some(vec![inbox.id]),
            status: Some(vec!["pending".into()]),
            limit: 200,
            ..Default::default()
        };
        for conv in state.store.conversations(&f).await? {
            let events = state.store.conversation_events(conv.id).await?;
            let asked = events.iter().filter(|e| e.kind == "customer_message").map(|e| e.at).max();
            let answered = events.iter().filter(|e| e.kind == "bot_reply").map(|e| e.at).max().unwrap_or(0);
            let waiting = asked.filter(|a| *a > answered).or_else(|| (answered == 0).then_some(conv.created_at));
            if waiting.is_some_and(|at| now - at >= i64::from(timeout) * 1000)
                && let Some(bot) = state.store.user(bot_id).await?
            {
                let lang = if c.settings.locale == "en" { steward_faq::Lang::En } else { steward_faq::Lang::Ru };
                let text = crate::faq_bot::handover_text(lang, c.hours.as_ref().is_none_or(|h| h.is_open(now)));
                if let Err(e) = hand_over(state, &bot, &conv, "bot_timeout", Some(&text)).await {
                    tracing::warn!(conversation = conv.id, error = ?e, "agent bot timeout: hand-over failed");
                }
            }
        }
    }
    Ok(())
}

/// Tells webhooks that a conversation's status changed.
pub async fn status_changed(state: &AppState, before: &str, conv: &Conversation) {
    if before != conv.status {
        let extra = json!({ "previous_status": before });
        crate::webhooks::conversation(state, conv, "conversation.status_changed", extra).await;
    }
}

/// Changes the status as `actor` (None: the system), then lets the queue move.
pub async fn set_status(
    state: &AppState,
    conv: &Conversation,
    status: &str,
    snoozed_until: Option<i64>,
    actor: Option<i64>,
) -> ApiResult<Conversation> {
    let updated = state
        .store
        .set_conversation_status(conv.id, status, snoozed_until, actor)
        .await?
        .ok_or_else(ApiError::not_found)?;
    crate::support_sla::refresh(state, updated.id).await?;
    let updated = state.store.conversation(updated.id).await?.ok_or_else(ApiError::not_found)?;
    announce(state, &updated).await;
    status_changed(state, &conv.status, &updated).await;
    if status == "resolved" {
        // The contact gets the transcript by e-mail when there is an address and SMTP.
        if state.mailer.is_some() {
            let (st, c) = (state.clone(), updated.clone());
            tokio::spawn(async move {
                if let Err(e) = crate::support_canned::email_transcript(&st, &c).await
                    && e.code != "no_email"
                {
                    tracing::warn!(conversation = c.id, code = e.code, "transcript not mailed");
                }
            });
        }
        if let Some(a) = conv.assignee_id {
            drain_for(state, a).await?;
        }
    } else if status == "open" && updated.assignee_id.is_none() {
        route(state, updated.id).await?;
    }
    Ok(updated)
}

/// The sweep: lapsed offers pass on, snoozes wake, scheduled messages go,
/// SLA states move, idle operators go away. One node runs it at a time (its
/// lease); every claim is a conditional update besides, so even two runs at
/// once would do each thing once.
pub async fn sweep(state: &AppState) -> ApiResult<()> {
    let now = steward_store::now_ms();
    for (conv, op) in state.store.lapsed_offers(now).await? {
        if state.store.unassign(conv, op, true, None, "offer_lapsed").await? {
            if let Some(c) = state.store.conversation(conv).await? {
                announce(state, &c).await;
            }
            route(state, conv).await?;
        }
    }
    for conv in state.store.due_snoozes(now).await? {
        if let Some(c) = state.store.conversation(conv).await? {
            set_status(state, &c, "open", None, None).await?;
        }
    }
    for (_, conv_id, author, body, internal) in state.store.claim_scheduled(now).await? {
        let (Some(conv), Some(user)) = (state.store.conversation(conv_id).await?, state.store.user(author).await?)
        else {
            continue;
        };
        let input = crate::service::PostInput::text(body, internal);
        if let Err(e) = crate::service::post_message(state, &user, conv.room_id, input).await {
            tracing::warn!(conversation = conv_id, error = ?e, "scheduled message not sent");
        }
    }
    crate::support_sla::sweep(state, now).await?;
    let inboxes = state.store.inboxes().await?;
    agent_bot_timeouts(state, &inboxes, now).await?;
    // A safety net: whatever waits while someone has room is served.
    for inbox in &inboxes {
        drain(state, inbox.id).await?;
    }
    let idle_mins = 15;
    for uid in state.store.auto_away(now - idle_mins * 60_000).await? {
        events::publish_user(state, uid, json!({ "type": "support.availability", "availability": "away" }));
    }
    Ok(())
}

/// Every open conversation that waits, for the supervisor's live view.
pub async fn queue_filter(user: &User, queue: &str) -> ConversationFilter {
    let mut f = ConversationFilter { limit: 100, ..Default::default() };
    if !user.permissions().has(Permission::SupportViewAll) {
        f.visible_to = Some(user.id);
    }
    match queue {
        "mine" => {
            f.assignee = Some(Some(user.id));
            f.status = Some(vec!["open".into(), "snoozed".into(), "pending".into()]);
        }
        "unassigned" => {
            f.assignee = Some(None);
            f.status = Some(vec!["open".into()]);
        }
        "resolved" => f.status = Some(vec!["resolved".into()]),
        _ => f.status = Some(vec!["open".into(), "snoozed".into(), "pending".into()]),
    }
    f
}

/// Runs [`sweep`] every five seconds on the node holding its lease.
pub fn spawn_sweeper(state: AppState) -> tokio::task::JoinHandle<()> {
    let every = std::time::Duration::from_secs(5);
    crate::cluster::spawn_leased(state, crate::cluster::SUPPORT_SWEEP, every, |state| async move {
        match sweep(&state).await {
            Ok(()) => state.job_ran(|j| &mut j.support_sweep, true, String::new()),
            Err(e) => {
                tracing::warn!(error = ?e, "support sweep failed");
                state.job_ran(|j| &mut j.support_sweep, false, e.code.to_string());
            }
        }
    })
}
