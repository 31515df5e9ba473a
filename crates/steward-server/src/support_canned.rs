//! Operator tools around a reply: canned responses (scopes, `/shortcut`
//! completion, variables with fallbacks), macros, transcripts.

use axum::http::StatusCode;
use serde_json::{Value, json};
use steward_core::model::{CannedResponse, Conversation, Macro, User};
use steward_core::{FieldError, Permission, Rule};

use crate::api::support::CannedInput;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::support;

/// The values a template may use.
#[derive(Debug, Default, Clone)]
pub struct Vars {
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub agent_name: Option<String>,
    pub inbox_name: Option<String>,
    pub conversation_id: Option<String>,
}

fn first_word(s: &Option<String>) -> Option<String> {
    s.as_deref().and_then(|s| s.split_whitespace().next()).map(str::to_string)
}

/// Variables a template may use.
pub const VARIABLES: [&str; 7] = [
    "contact.name",
    "contact.first_name",
    "contact.email",
    "agent.name",
    "agent.first_name",
    "inbox.name",
    "conversation.id",
];

/// Renders `{{var}}` and `{{var | "fallback"}}`; unknown variables are an
/// error naming them (checked when a reply is saved, so sending never fails).
pub fn render(text: &str, vars: &Vars) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            out.push_str(&rest[start..]);
            return Ok(out);
        };
        let inner = after[..end].trim();
        let (name, fallback) = match inner.split_once('|') {
            Some((n, f)) => (n.trim(), Some(f.trim().trim_matches(|c| c == '"' || c == '\'').to_string())),
            None => (inner, None),
        };
        let value = match name {
            "contact.name" => vars.contact_name.clone(),
            "contact.first_name" => first_word(&vars.contact_name),
            "contact.email" => vars.contact_email.clone(),
            "agent.name" => vars.agent_name.clone(),
            "agent.first_name" => first_word(&vars.agent_name),
            "inbox.name" => vars.inbox_name.clone(),
            "conversation.id" => vars.conversation_id.clone(),
            other => return Err(other.to_string()),
        };
        out.push_str(&value.filter(|v| !v.is_empty()).or(fallback).unwrap_or_default());
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// A reply's text with the conversation's variables filled in.
pub async fn render_for(state: &AppState, agent: &User, conv: &Conversation, body: &str) -> ApiResult<String> {
    if !body.contains("{{") {
        return Ok(body.to_string());
    }
    let contact = state.store.contact(conv.contact_id).await?;
    let inbox = state.store.inbox(conv.inbox_id).await?;
    let vars = Vars {
        contact_name: contact.as_ref().map(|c| c.name.clone()),
        contact_email: contact.and_then(|c| c.email),
        agent_name: Some(agent.display_name.clone()),
        inbox_name: inbox.map(|i| i.name),
        conversation_id: Some(conv.id.to_string()),
    };
    render(body, &vars).map_err(|var| {
        ApiError::from(FieldError::new("body", Rule::InvalidChoice)).with_detail(json!({ "variable": var }))
    })
}

/// `/shortcut` completion: exact, then prefix, then substring (case-insensitive).
pub fn complete(prefix: &str, all: Vec<CannedResponse>) -> Vec<CannedResponse> {
    let p = prefix.trim_start_matches('/').to_lowercase();
    let mut scored: Vec<(u8, CannedResponse)> = all
        .into_iter()
        .filter_map(|c| {
            let s = c.shortcut.to_lowercase();
            let score = if s == p {
                0
            } else if s.starts_with(&p) {
                1
            } else if s.contains(&p) || c.title.to_lowercase().contains(&p) {
                2
            } else {
                return None;
            };
            Some((score, c))
        })
        .collect();
    scored.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.shortcut.cmp(&b.1.shortcut)));
    scored.into_iter().map(|(_, c)| c).take(20).collect()
}

/// Validates a canned response and decides its scope and owner.
pub async fn check(state: &AppState, user: &User, id: i64, req: CannedInput) -> ApiResult<CannedResponse> {
    let shortcut = req.shortcut.trim().trim_start_matches('/').to_lowercase();
    if shortcut.is_empty() {
        return Err(FieldError::new("shortcut", Rule::Required).into());
    }
    if shortcut.chars().count() > 32 {
        return Err(FieldError::with_limit("shortcut", Rule::TooLong, 32).into());
    }
    if !shortcut.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '_') {
        return Err(FieldError::new("shortcut", Rule::InvalidFormat).into());
    }
    if req.title.chars().count() > 80 {
        return Err(FieldError::with_limit("title", Rule::TooLong, 80).into());
    }
    steward_core::validate::MessageBody::parse(&req.body)?;
    if let Err(var) = render(&req.body, &Vars::default()) {
        return Err(
            ApiError::from(FieldError::new("body", Rule::InvalidChoice)).with_detail(json!({ "variable": var }))
        );
    }
    if let Some(l) = &req.locale
        && !matches!(l.as_str(), "ru" | "en")
    {
        return Err(FieldError::new("locale", Rule::InvalidChoice).into());
    }
    let scope = req.scope.as_deref().unwrap_or("personal");
    let (owner, department) = match scope {
        "personal" => (Some(user.id), None),
        "global" => {
            if !user.permissions().has(Permission::SupportManage) {
                return Err(ApiError::forbidden());
            }
            (None, None)
        }
        "department" => {
            let d = req.department_id.ok_or(FieldError::new("department_id", Rule::Required))?;
            let (_, mine) = state.store.operator_scope(user.id).await?;
            if !mine.contains(&d) && !user.permissions().has(Permission::SupportManage) {
                return Err(ApiError::forbidden());
            }
            (None, Some(d))
        }
        _ => return Err(FieldError::new("scope", Rule::InvalidChoice).into()),
    };
    Ok(CannedResponse {
        id,
        shortcut,
        title: req.title.trim().to_string(),
        body: req.body,
        scope: scope.to_string(),
        owner_id: owner,
        department_id: department,
        locale: req.locale,
    })
}

/// Personal replies by their owner; shared ones by support managers (and a
/// department's by its members).
pub async fn may_edit(state: &AppState, user: &User, c: &CannedResponse) -> ApiResult<()> {
    let ok = match c.scope.as_str() {
        "personal" => c.owner_id == Some(user.id),
        "department" => {
            user.permissions().has(Permission::SupportManage) || {
                let (_, mine) = state.store.operator_scope(user.id).await?;
                c.department_id.is_some_and(|d| mine.contains(&d))
            }
        }
        _ => user.permissions().has(Permission::SupportManage),
    };
    if ok { Ok(()) } else { Err(ApiError::not_found()) }
}

/// Runs a macro's actions in order; stops at the first that fails.
pub async fn run_macro(state: &AppState, user: &User, conv: &Conversation, m: &Macro) -> ApiResult<Conversation> {
    let actions = m.actions.as_array().cloned().unwrap_or_default();
    let mut conv = conv.clone();
    for a in actions {
        let kind = a.get("action").and_then(Value::as_str).unwrap_or("");
        match kind {
            "add_label" => {
                let label = a.get("label").and_then(Value::as_str).unwrap_or("").trim().to_lowercase();
                if !label.is_empty() && !conv.labels.contains(&label) {
                    let mut labels = conv.labels.clone();
                    labels.push(label);
                    state.store.set_labels(conv.id, &labels).await?;
                }
            }
            "reply" | "note" => {
                let body = a.get("body").and_then(Value::as_str).unwrap_or("");
                let body = render_for(state, user, &conv, body).await?;
                let input = crate::service::PostInput::text(body, kind == "note");
                crate::service::post_message(state, user, conv.room_id, input).await?;
            }
            "set_priority" => {
                let p = a.get("priority").and_then(Value::as_str).unwrap_or("");
                let p = steward_support::Priority::parse(p)
                    .map_err(|_| FieldError::new("priority", Rule::InvalidChoice))?;
                state.store.update_conversation(conv.id, Some(p.as_str()), None, None).await?;
            }
            "assign" => {
                let to = a.get("user_id").and_then(Value::as_i64);
                let prev = state.store.conversation(conv.id).await?.and_then(|c| c.assignee_id);
                if let Some(op) = to
                    && prev != Some(op)
                {
                    let data = json!({ "to": op, "from": prev, "by": user.id, "macro": m.id });
                    if let steward_store::AssignOutcome::Assigned { joined_seq } =
                        state.store.assign(conv.id, op, prev, true, None, Some(user.id), "assigned", &data).await?
                    {
                        support::after_assign(state, conv.id, op, joined_seq).await?;
                    }
                }
            }
            "snooze" => {
                let mins = a.get("minutes").and_then(Value::as_i64).unwrap_or(60).clamp(1, 60 * 24 * 90);
                let cur = state.store.conversation(conv.id).await?.ok_or_else(ApiError::not_found)?;
                support::set_status(
                    state,
                    &cur,
                    "snoozed",
                    Some(steward_store::now_ms() + mins * 60_000),
                    Some(user.id),
                )
                .await?;
            }
            "resolve" => {
                let cur = state.store.conversation(conv.id).await?.ok_or_else(ApiError::not_found)?;
                support::set_status(state, &cur, "resolved", None, Some(user.id)).await?;
            }
            _ => return Err(FieldError::new("actions", Rule::InvalidChoice).into()),
        }
        conv = state.store.conversation(conv.id).await?.ok_or_else(ApiError::not_found)?;
    }
    state
        .store
        .add_conversation_event(conv.id, "macro", Some(user.id), &json!({ "macro": m.id, "name": m.name }))
        .await?;
    support::announce(state, &conv).await;
    Ok(conv)
}

/// Checks a macro definition.
pub fn check_macro(actions: &Value) -> Result<(), FieldError> {
    let list = actions.as_array().ok_or(FieldError::new("actions", Rule::InvalidFormat))?;
    if list.is_empty() {
        return Err(FieldError::new("actions", Rule::Required));
    }
    if list.len() > 20 {
        return Err(FieldError::with_limit("actions", Rule::TooLong, 20));
    }
    for a in list {
        let kind = a.get("action").and_then(Value::as_str).unwrap_or("");
        let ok = match kind {
            "add_label" => {
                a.get("label").and_then(Value::as_str).is_some_and(|l| !l.trim().is_empty() && l.chars().count() <= 40)
            }
            "reply" | "note" => a.get("body").and_then(Value::as_str).is_some_and(|b| {
                steward_core::validate::MessageBody::parse(b).is_ok() && render(b, &Vars::default()).is_ok()
            }),
            "set_priority" => {
                a.get("priority").and_then(Value::as_str).is_some_and(|p| steward_support::Priority::parse(p).is_ok())
            }
            "assign" => a.get("user_id").and_then(Value::as_i64).is_some(),
            "snooze" => a.get("minutes").and_then(Value::as_i64).is_some_and(|m| (1..=60 * 24 * 90).contains(&m)),
            "resolve" => true,
            _ => false,
        };
        if !ok {
            return Err(FieldError::new("actions", Rule::InvalidFormat));
        }
    }
    Ok(())
}

/// What a transcript shows: every message the contact could see, in order
/// (no notes, nothing deleted).
async fn transcript_messages(state: &AppState, conv: &Conversation) -> ApiResult<Vec<steward_core::model::Message>> {
    let mut out = vec![];
    let mut after = 0;
    loop {
        let page = steward_store::Page { before_seq: None, after_seq: Some(after), limit: 200 };
        let (msgs, more) = state.store.history(conv.room_id, page).await?;
        after = msgs.iter().map(|m| m.seq).max().unwrap_or(after);
        let done = !more || msgs.is_empty();
        out.extend(msgs.into_iter().filter(|m| !m.internal && !m.deleted));
        if done {
            return Ok(out);
        }
    }
}

/// A readable transcript: the contact's and operators' messages, no notes.
pub async fn transcript_html(state: &AppState, conv: &Conversation) -> ApiResult<String> {
    let inbox = state.store.inbox(conv.inbox_id).await?.map(|i| i.name).unwrap_or_default();
    let contact = state.store.contact(conv.contact_id).await?.map(|c| c.name).unwrap_or_default();
    let mut out = String::from("<!doctype html><html><head><meta charset=\"utf-8\"><title>");
    steward_core::markdown::escape_html(&format!("{inbox} #{}", conv.id), &mut out);
    out.push_str("</title><style>body{font:15px/1.5 system-ui,sans-serif;max-width:720px;margin:2em auto;padding:0 1em;color:#1f2430}.m{margin:.8em 0}.a{font-weight:600}.t{color:#667;font-size:.85em;margin-left:.5em}</style></head><body><h1>");
    steward_core::markdown::escape_html(&format!("{inbox} — {contact}"), &mut out);
    out.push_str("</h1>");
    for m in transcript_messages(state, conv).await? {
        out.push_str("<div class=\"m\"><span class=\"a\">");
        steward_core::markdown::escape_html(&m.author.display_name, &mut out);
        out.push_str("</span><span class=\"t\">");
        out.push_str(&steward_core::model::rfc3339(m.created_at));
        out.push_str("</span><div>");
        // Message HTML comes from markdown::render only (safe by construction).
        out.push_str(&m.html);
        out.push_str("</div></div>");
    }
    out.push_str("</body></html>");
    Ok(out)
}

/// Mails the transcript (as text) to the contact, when SMTP is configured.
pub async fn email_transcript(state: &AppState, conv: &Conversation) -> ApiResult<()> {
    let Some(mailer) = &state.mailer else {
        return Err(ApiError::new(StatusCode::CONFLICT, "smtp_not_configured"));
    };
    let contact = state.store.contact(conv.contact_id).await?.ok_or_else(ApiError::not_found)?;
    let Some(email) = contact.email.clone() else {
        return Err(ApiError::new(StatusCode::CONFLICT, "no_email").with_field("email"));
    };
    let inbox = state.store.inbox(conv.inbox_id).await?.map(|i| i.name).unwrap_or_default();
    let mut text = format!("{inbox} — #{}\n\n", conv.id);
    for m in transcript_messages(state, conv).await? {
        let at = steward_core::model::rfc3339(m.created_at);
        text.push_str(&format!("[{at}] {}:\n{}\n\n", m.author.display_name, m.body));
    }
    mailer.send(&email, &format!("{inbox}: #{}", conv.id), text).await.map_err(ApiError::from)?;
    state.store.add_conversation_event(conv.id, "transcript_sent", None, &json!({ "to": email })).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_and_fallbacks() {
        let v = Vars {
            contact_name: Some("Анна Петрова".into()), agent_name: Some("Oleg".into()), ..Vars::default()
        };
        let cases = [
            ("Здравствуйте, {{contact.first_name}}!", "Здравствуйте, Анна!"),
            ("{{ contact.name }}", "Анна Петрова"),
            ("{{contact.email | \"—\"}}", "—"),
            ("{{contact.email}}", ""),
            ("I'm {{agent.first_name}}", "I'm Oleg"),
            ("no vars", "no vars"),
            ("{{unterminated", "{{unterminated"),
        ];
        for (input, want) in cases {
            assert_eq!(render(input, &v).unwrap(), want, "{input}");
        }
        assert_eq!(render("{{contact.age}}", &v), Err("contact.age".to_string()));
    }

    #[test]
    fn completion_order() {
        let mk = |s: &str| CannedResponse {
            id: 0,
            shortcut: s.into(),
            title: String::new(),
            body: String::new(),
            scope: "global".into(),
            owner_id: None,
            department_id: None,
            locale: None,
        };
        let got: Vec<String> = complete("/ref", vec![mk("prefund"), mk("refund-late"), mk("ref"), mk("hello")])
            .into_iter()
            .map(|c| c.shortcut)
            .collect();
        assert_eq!(got, ["ref", "refund-late", "prefund"]);
    }
}
