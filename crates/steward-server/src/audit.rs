//! Recording admin and security events. A failure to write the audit log is
//! logged loudly but does not undo what already happened.

use axum::http::HeaderMap;
use steward_store::NewAudit;

use crate::state::AppState;

/// Where a request came from, for the audit log.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

impl Origin {
    pub fn new(ip: &str, headers: &HeaderMap) -> Self {
        Origin {
            ip: Some(ip.to_string()),
            user_agent: headers.get(axum::http::header::USER_AGENT).and_then(|v| v.to_str().ok()).map(str::to_string),
        }
    }
}

/// Handlers take `origin: Origin` to know where a request came from.
impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Origin {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, Self::Rejection> {
        let crate::client_ip::ClientIp(ip) =
            <crate::client_ip::ClientIp as axum::extract::FromRequestParts<S>>::from_request_parts(parts, state)
                .await?;
        Ok(Origin::new(&ip.to_string(), &parts.headers))
    }
}

pub struct Event<'a> {
    pub actor_id: Option<i64>,
    pub action: &'a str,
    pub target_type: &'a str,
    pub target_id: Option<i64>,
    pub before: serde_json::Value,
    pub after: serde_json::Value,
}

impl<'a> Event<'a> {
    /// An event with nothing to show before and after.
    pub fn new(actor_id: Option<i64>, action: &'a str, target_type: &'a str, target_id: Option<i64>) -> Self {
        Event {
            actor_id,
            action,
            target_type,
            target_id,
            before: serde_json::Value::Null,
            after: serde_json::Value::Null,
        }
    }
}

fn text(v: &serde_json::Value) -> String {
    if v.is_null() { String::new() } else { v.to_string() }
}

pub async fn record(state: &AppState, origin: &Origin, e: Event<'_>) {
    let entry = NewAudit {
        actor_id: e.actor_id,
        action: e.action.to_string(),
        target_type: e.target_type.to_string(),
        target_id: e.target_id,
        before: text(&e.before),
        after: text(&e.after),
        ip: origin.ip.clone(),
        user_agent: origin.user_agent.clone(),
    };
    metrics::counter!("steward_audit_events_total").increment(1);
    if let Err(err) = state.store.audit(&entry).await {
        tracing::error!(error = %err, action = e.action, "audit log write failed");
    }
}
