//! The bot (`steward-bot`) in channels and groups (docs/FAQ.md, "Group
//! rooms"): room notes through commands typed in the message box (`/save`,
//! `/get`, `#name`, `/notes`, `/clear`, `/rules`) and FAQ answers by the
//! room's `faq_bot` setting — to messages that @mention it or reply to it,
//! and with `auto` to questions the knowledge base answers with high
//! confidence.
//!
//! A message is looked at twice: [`plan`] before it is stored (a refused
//! command is an API error and nothing is posted), [`carry_out`] after it
//! was committed and published (the bot's reply follows it; a failure there
//! is logged, the person's message stands). The bot never reacts to bots,
//! itself included, so it cannot loop; its posts are rate limited per room.

use std::collections::HashMap;
use std::sync::Mutex;

use steward_core::model::{EventKind, Message, Room, RoomNote, User};
use steward_core::notes::{Command, NoteBody, NoteName};
use steward_core::rooms::{Access, FaqBotMode};
use steward_core::validate::{FieldError, Locale, Rule};
use steward_core::{RoomKind, RoomRole};
use steward_faq::{HandOverReason, Lang, Outcome};

use crate::auth::Limiter;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::{events, faq_bot, notes, service};

/// An automatic answer with the same entry is not repeated in a room within this time.
pub const AUTO_REPEAT_SECS: i64 = 120;
/// Automatic answers need at least this confidence (above the matcher's own
/// answer threshold: nobody asked the bot).
pub const AUTO_MIN_CONFIDENCE: f32 = 0.6;
/// The bot's posts per room: this many at once…
const BURST: u32 = 8;
/// …then this many a minute.
const PER_MINUTE: u32 = 12;
/// Bound on the remembered automatic answers (pruned by age, then cleared).
const MAX_REMEMBERED: usize = 10_000;

/// The bot's per-node bookkeeping in group rooms.
pub struct GroupBot {
    posts: Limiter,
    /// `(room, entry id)` → when it was last answered automatically (ms).
    auto_answered: Mutex<HashMap<(i64, String), i64>>,
}

impl Default for GroupBot {
    fn default() -> Self {
        GroupBot { posts: Limiter::new(BURST, PER_MINUTE), auto_answered: Mutex::new(HashMap::new()) }
    }
}

impl GroupBot {
    /// Claims the automatic answer of `entry` in `room` unless it was given
    /// within [`AUTO_REPEAT_SECS`].
    fn claim_auto(&self, room_id: i64, entry: &str, now: i64) -> bool {
        let mut map = self.auto_answered.lock().unwrap_or_else(|e| e.into_inner());
        let window = AUTO_REPEAT_SECS * 1000;
        if map.len() >= MAX_REMEMBERED {
            map.retain(|_, at| now - *at < window);
            if map.len() >= MAX_REMEMBERED {
                map.clear();
            }
        }
        let key = (room_id, entry.to_string());
        if map.get(&key).is_some_and(|at| now - *at < window) {
            return false;
        }
        map.insert(key, now);
        true
    }
}

/// What a message asks of the bot, decided before it is stored.
pub enum Plan {
    Nothing,
    Save {
        name: NoteName,
        body: NoteBody,
    },
    Clear {
        name: NoteName,
    },
    /// Post a note; as a reply to what the command replied to, else to the command.
    Show {
        note: RoomNote,
    },
    List,
    /// Consider an FAQ answer; `addressed`: the message mentions the bot or replies to it.
    Faq {
        addressed: bool,
    },
}

/// Rooms the bot works in: not direct conversations (private between
/// people) and not support conversations (the support bot's, faq_bot.rs).
fn bot_room(kind: RoomKind) -> bool {
    matches!(kind, RoomKind::Channel | RoomKind::Group | RoomKind::Broadcast)
}

/// Decides what the bot will do with a message about to be posted. Errors
/// refuse the message: a person who may not change notes, a bad note name,
/// a missing note asked for by name.
pub async fn plan(
    state: &AppState,
    user: &User,
    room: &Room,
    access: &Access,
    body: &str,
    reply_to: Option<i64>,
    mentions: &[String],
) -> ApiResult<Plan> {
    if !bot_room(room.kind) {
        return Ok(Plan::Nothing);
    }
    let command = Command::parse(body, faq_bot::BOT_USERNAME);
    let mode = room.policy.faq_bot;
    if command.is_none() && mode == FaqBotMode::Off {
        return Ok(Plan::Nothing);
    }
    // Bots (the FAQ bot itself included) get no answers and run no commands: no loops.
    if faq_bot::is_bot(state, user.id).await || state.store.is_bot(user.id).await? {
        return Ok(Plan::Nothing);
    }
    if let Some(command) = command {
        if command.edits() && !access.can_edit_notes() {
            return Err(notes::cannot_edit());
        }
        match command {
            Command::Save { name, body } => {
                let name = NoteName::parse(&name)?;
                let body = match (body, reply_to) {
                    (Some(text), _) => NoteBody::parse(&text)?,
                    // `/save name` as a reply saves the message replied to.
                    (None, Some(id)) => {
                        let m = state.store.message(room.id, id).await?.filter(|m| !m.deleted);
                        let m = m.ok_or_else(|| FieldError::new("reply_to", Rule::InvalidChoice))?;
                        NoteBody::parse(&m.body)?
                    }
                    (None, None) => return Err(FieldError::new("body", Rule::Required).into()),
                };
                return Ok(Plan::Save { name, body });
            }
            Command::Clear { name } => {
                let name = NoteName::parse(&name)?;
                if state.store.room_note(room.id, &name).await?.is_none() {
                    return Err(notes::not_found());
                }
                return Ok(Plan::Clear { name });
            }
            Command::Get { name } => {
                let name = NoteName::parse(&name)?;
                let note = state.store.room_note(room.id, &name).await?.ok_or_else(notes::not_found)?;
                return Ok(Plan::Show { note });
            }
            Command::List => return Ok(Plan::List),
            Command::Hashtag { name } => {
                if let Some(note) = state.store.room_note(room.id, &name).await? {
                    return Ok(Plan::Show { note });
                }
                // Not a note: an ordinary message with a hashtag.
            }
        }
    }
    if mode == FaqBotMode::Off {
        return Ok(Plan::Nothing);
    }
    let mut addressed = mentions.iter().any(|m| m == faq_bot::BOT_USERNAME);
    if !addressed && let Some(id) = reply_to {
        let bot = faq_bot::bot_user(state).await?;
        addressed = state.store.message(room.id, id).await?.is_some_and(|m| m.author_id == bot.id);
    }
    if mode == FaqBotMode::Mention && !addressed {
        return Ok(Plan::Nothing);
    }
    Ok(Plan::Faq { addressed })
}

/// Does what [`plan`] decided, after the person's message was committed.
pub async fn carry_out(state: &AppState, user: &User, message: &Message, plan: Plan) {
    if matches!(plan, Plan::Nothing) {
        return;
    }
    if let Err(e) = run(state, user, message, plan).await {
        tracing::warn!(room = message.room_id, error = %e, "the bot could not answer");
    }
}

fn locale_of(user: &User) -> Locale {
    Locale::parse(&user.locale).unwrap_or_default()
}

fn lang_locale(lang: Lang) -> Locale {
    if lang == Lang::Ru { Locale::Ru } else { Locale::En }
}

fn t(locale: Locale, key: &str, name: Option<&str>) -> String {
    let args = name.map(|n| crate::i18n::args(&[("name", n.to_string().into())]));
    crate::i18n::get().t(locale, key, args.as_ref())
}

async fn run(state: &AppState, user: &User, message: &Message, plan: Plan) -> ApiResult<()> {
    let locale = locale_of(user);
    let reply = match plan {
        Plan::Nothing => return Ok(()),
        Plan::Save { name, body } => match notes::store_note(state, user, message.room_id, &name, &body).await {
            Ok((_, created)) => {
                t(locale, if created { "groupbot-saved" } else { "groupbot-updated" }, Some(name.as_str()))
            }
            Err(e) if e.code == "too_many_notes" => t(locale, "groupbot-note-limit", None),
            Err(e) => return Err(e),
        },
        Plan::Clear { name } => match notes::delete_note(state, user, message.room_id, &name).await {
            Ok(()) => t(locale, "groupbot-cleared", Some(name.as_str())),
            // Cleared by someone else in between: nothing to say.
            Err(e) if e.code == "note_not_found" => return Ok(()),
            Err(e) => return Err(e),
        },
        Plan::Show { note } => {
            let to = message.reply_to.as_ref().map(|r| r.id).unwrap_or(message.id);
            return post(state, message.room_id, note.body, to).await;
        }
        Plan::List => {
            let names: Vec<String> =
                state.store.room_notes(message.room_id).await?.into_iter().map(|n| format!("#{}", n.name)).collect();
            if names.is_empty() {
                t(locale, "groupbot-no-notes", None)
            } else {
                let args = crate::i18n::args(&[("names", names.join(", ").into())]);
                crate::i18n::get().t(locale, "groupbot-notes", Some(&args))
            }
        }
        Plan::Faq { addressed } => match faq_reply(state, user, message, addressed).await? {
            Some(text) => text,
            None => return Ok(()),
        },
    };
    post(state, message.room_id, reply, message.id).await
}

/// The question without the bot's @mention.
fn question_text(body: &str) -> String {
    let needle = format!("@{}", faq_bot::BOT_USERNAME);
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(i) = rest.to_ascii_lowercase().find(&needle) {
        out.push_str(&rest[..i]);
        rest = &rest[i + needle.len()..];
    }
    out.push_str(rest);
    out.trim().trim_start_matches([',', ':']).trim().to_string()
}

/// The bot's answer to a question in the room, if it has one to give.
async fn faq_reply(state: &AppState, user: &User, message: &Message, addressed: bool) -> ApiResult<Option<String>> {
    let text = question_text(&message.body);
    let hint = if locale_of(user) == Locale::En { Lang::En } else { Lang::Ru };
    let lang = steward_faq::text::detect_lang(&text).unwrap_or(hint);
    let locale = lang_locale(lang);
    let index = state.faq.index();
    let outcome = index.ask(&text, Some(hint));
    if !addressed {
        // Automatic: a confident answer to something that reads as a question, once a while per topic.
        return Ok(match outcome {
            Outcome::Answer { entry, confidence }
                if confidence >= AUTO_MIN_CONFIDENCE
                    && steward_faq::text::looks_like_question(&text)
                    && state.group_bot.claim_auto(message.room_id, &entry.id, steward_store::now_ms()) =>
            {
                Some(entry.answer.clone())
            }
            _ => None,
        });
    }
    Ok(Some(match outcome {
        Outcome::Answer { entry, .. } => entry.answer.clone(),
        Outcome::Suggest { alternatives } => {
            let mut body = t(locale, "groupbot-suggest", None);
            for s in &alternatives {
                body.push_str(&format!("\n- {}", s.entry.questions.first().map(String::as_str).unwrap_or(&s.entry.id)));
            }
            body.push_str("\n\n");
            body.push_str(&t(locale, "groupbot-suggest-hint", None));
            body
        }
        Outcome::HandOver { reason: HandOverReason::Empty } => t(locale, "groupbot-hello", None),
        Outcome::HandOver { reason } => {
            if reason == HandOverReason::LowConfidence {
                state.store.note_unanswered(&text, lang.as_str()).await?;
            }
            t(locale, "groupbot-dont-know", None)
        }
    }))
}

/// The bot joins the room (as an editor: it posts in announcement rooms and
/// slow mode does not hold it back; it moderates nothing).
pub async fn ensure_member(state: &AppState, room_id: i64) -> ApiResult<User> {
    let bot = faq_bot::bot_user(state).await?;
    if state.store.membership(room_id, bot.id).await?.is_none() {
        for (uid, seq) in state.store.add_members(room_id, &[bot.id], RoomRole::Editor).await? {
            events::subscribe(state, uid, room_id);
            events::publish_room(
                state,
                room_id,
                seq,
                events::member_event(EventKind::MemberJoined, room_id, seq, &bot.brief()),
            );
        }
    }
    Ok(bot)
}

/// Posts as the bot, in reply to `reply_to`, within the room's budget.
async fn post(state: &AppState, room_id: i64, body: String, reply_to: i64) -> ApiResult<()> {
    if state.group_bot.posts.check(&room_id.to_string()).is_err() {
        metrics::counter!("steward_group_bot_limited_total").increment(1);
        tracing::debug!(room = room_id, "the bot's posts are over the room's limit");
        return Ok(());
    }
    let bot = ensure_member(state, room_id).await?;
    let input = service::PostInput { reply_to: Some(reply_to), ..service::PostInput::text(body, false) };
    service::post_message(state, &bot, room_id, input).await?;
    Ok(())
}

/// The bot in a room whose setting was just turned on: it joins, so people
/// see it among the members and can @mention it.
pub async fn policy_changed(state: &AppState, room: &Room) {
    if room.policy.faq_bot != FaqBotMode::Off
        && bot_room(room.kind)
        && let Err(e) = ensure_member(state, room.id).await
    {
        tracing::warn!(room = room.id, error = %e, "the bot could not join");
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_mention_is_not_part_of_the_question() {
        for (body, q) in [
            ("@steward-bot how do I return an item?", "how do I return an item?"),
            ("@Steward-Bot, как вернуть товар", "как вернуть товар"),
            ("how do I return it @steward-bot", "how do I return it"),
            ("@steward-bot", ""),
        ] {
            assert_eq!(super::question_text(body), q, "{body}");
        }
    }

    #[test]
    fn automatic_answers_are_not_repeated_within_the_window() {
        let b = super::GroupBot::default();
        assert!(b.claim_auto(1, "returns", 0));
        assert!(!b.claim_auto(1, "returns", 60_000), "again within the window");
        assert!(b.claim_auto(2, "returns", 60_000), "another room");
        assert!(b.claim_auto(1, "delivery", 60_000), "another topic");
        assert!(b.claim_auto(1, "returns", super::AUTO_REPEAT_SECS * 1000), "after the window");
    }
}
