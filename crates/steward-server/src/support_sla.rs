//! SLA clocks and reporting figures of conversations: the stored events
//! become a `steward_support::timeline` and are evaluated on the inbox's
//! business-hours calendar. One timer per conversation (`sla_next_at`);
//! the sweep moves states that are due and tells people.

use serde_json::{Value, json};
use steward_core::model::{Conversation, ConversationEvent};
use steward_support::sla::SlaState;
use steward_support::timeline::{Event, EventKind};

use crate::error::ApiResult;
use crate::state::AppState;
use crate::support::settings_of;

/// The conversation's stored events as the pure crate's timeline.
pub fn timeline(events: &[ConversationEvent]) -> Vec<Event> {
    let mut out = Vec::with_capacity(events.len());
    for e in events {
        let to = e.data.get("to").and_then(Value::as_str);
        let from = e.data.get("from").and_then(Value::as_str);
        let kind = match e.kind.as_str() {
            "created" if e.data.get("status").and_then(Value::as_str) == Some("pending") => {
                out.push(Event::new(e.at, EventKind::Created));
                EventKind::Paused
            }
            "created" => EventKind::Created,
            "handed_over" => EventKind::HandedOver,
            "customer_message" => EventKind::CustomerMessage,
            "agent_reply" => EventKind::AgentReply,
            "snoozed" => EventKind::Paused,
            "resolved" => EventKind::Resolved,
            "reopened" => EventKind::Reopened,
            "status" if matches!(to, Some("pending" | "snoozed")) => EventKind::Paused,
            "status" if matches!(from, Some("pending" | "snoozed")) => EventKind::Resumed,
            _ => continue,
        };
        out.push(Event::new(e.at, kind));
    }
    out
}

fn state_name(s: SlaState) -> &'static str {
    match s {
        SlaState::Ok => "ok",
        SlaState::Warning => "warning",
        SlaState::Breached => "breached",
        SlaState::Met => "met",
        SlaState::NotApplicable => "none",
    }
}

/// Recomputes a conversation's SLA state and its next change; returns the
/// state before and after when it changed.
pub async fn refresh(state: &AppState, conv_id: i64) -> ApiResult<Option<(String, String)>> {
    let Some(conv) = state.store.conversation(conv_id).await? else {
        return Ok(None);
    };
    let Some(inbox) = state.store.inbox(conv.inbox_id).await? else {
        return Ok(None);
    };
    let c = settings_of(&inbox);
    let Some(policy) = c.sla else {
        if conv.sla_state != "none" || conv.sla_next_at.is_some() {
            state.store.set_sla(conv.id, "none", None).await?;
        }
        return Ok(None);
    };
    let calendar = c.hours.unwrap_or_else(steward_support::hours::Calendar::always);
    let events = state.store.conversation_events(conv.id).await?;
    let status = steward_support::sla::evaluate(&policy, &calendar, &timeline(&events), steward_store::now_ms());
    let new = state_name(status.worst());
    let next = status.next_change_at();
    if new != conv.sla_state || next != conv.sla_next_at {
        state.store.set_sla(conv.id, new, next).await?;
    }
    Ok((new != conv.sla_state).then(|| (conv.sla_state.clone(), new.to_string())))
}

/// Moves SLA states that are due; a warning or a breach tells the assignee
/// (or the inbox's operators) and supervisors watching.
pub async fn sweep(state: &AppState, now: i64) -> ApiResult<()> {
    for id in state.store.due_sla(now).await? {
        if let Some((_, new)) = refresh(state, id).await?
            && matches!(new.as_str(), "warning" | "breached")
            && let Some(conv) = state.store.conversation(id).await?
        {
            state.store.add_conversation_event(id, &format!("sla_{new}"), None, &Value::Null).await?;
            let note = json!({ "type": "support.sla", "conversation_id": id, "state": new });
            match conv.assignee_id {
                Some(a) => crate::events::publish_user(state, a, note),
                None => {
                    for u in state.store.inbox_members(conv.inbox_id).await? {
                        crate::events::publish_user(state, u, note.clone());
                    }
                }
            }
            crate::support::announce(state, &conv).await;
        }
    }
    Ok(())
}

/// First response, reply times and resolution, wall-clock and business
/// hours, plus the SLA clocks now.
pub async fn report(state: &AppState, conv: &Conversation, events: &[ConversationEvent]) -> ApiResult<Value> {
    let inbox = state.store.inbox(conv.inbox_id).await?;
    let c = inbox.as_ref().map(settings_of);
    let calendar = c.as_ref().and_then(|c| c.hours.clone()).unwrap_or_else(steward_support::hours::Calendar::always);
    let tl = timeline(events);
    let r = steward_support::report::report(&calendar, &tl);
    let sla =
        c.and_then(|c| c.sla).map(|p| steward_support::sla::evaluate(&p, &calendar, &tl, steward_store::now_ms()));
    Ok(json!({
        "first_response": r.first_response,
        "replies": r.replies,
        "resolution": r.resolution,
        "waiting_since": r.waiting_since.map(steward_core::model::rfc3339),
        "sla": sla,
    }))
}
