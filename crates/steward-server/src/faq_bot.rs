//! The FAQ bot in support conversations (docs/FAQ.md): new widget
//! conversations of an inbox with `bot` on start `pending` with the bot; it
//! answers above the threshold and asks whether that helped, offers the top
//! alternatives when unsure, and hands over to a person on request, after a
//! "no", or after two questions it could not answer. What it could not
//! answer is counted for the knowledge base. The index is rebuilt when the
//! knowledge base changes and shared behind an `Arc`.

use std::sync::{Arc, RwLock};

use serde_json::{Value, json};
use steward_core::model::{Conversation, Message, User};
use steward_faq::{Config, Entry, HandOverReason, Index, Lang, Outcome, Status, Synonyms};

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// After this many questions in a row it could not answer, the bot hands over.
const MAX_MISSES: usize = 2;
pub const BOT_USERNAME: &str = "steward-bot";

/// The compiled knowledge base and the bot's account.
pub struct Faq {
    index: RwLock<Arc<Index>>,
    bot_id: RwLock<Option<i64>>,
}

impl Default for Faq {
    fn default() -> Self {
        Faq {
            index: RwLock::new(Arc::new(Index::build(&[], &Synonyms::builtin(), Config::default()))),
            bot_id: RwLock::new(None),
        }
    }
}

impl Faq {
    pub fn index(&self) -> Arc<Index> {
        self.index.read().map(|g| g.clone()).unwrap_or_else(|e| e.into_inner().clone())
    }
    pub fn is_empty(&self) -> bool {
        self.index().entries().is_empty()
    }
}

/// The matcher's entry for a stored row (a bad row is skipped, not fatal).
pub fn to_entry(r: &steward_store::FaqRow) -> Option<Entry> {
    let e = Entry {
        id: r.id.clone(),
        lang: Lang::parse(&r.lang).ok()?,
        questions: r.questions.clone(),
        answer: r.answer.clone(),
        category: r.category.clone(),
        status: Status::parse(&r.status).ok()?,
    };
    e.validate().ok().map(|_| e)
}

/// Rebuilds the index from the store (off the async threads: 5,000 entries take ~150 ms).
pub async fn reload(state: &AppState) -> anyhow::Result<usize> {
    let rows = state.store.faq_entries().await?;
    let entries: Vec<Entry> = rows.iter().filter_map(to_entry).collect();
    let index =
        tokio::task::spawn_blocking(move || Index::build(&entries, &Synonyms::builtin(), Config::default())).await?;
    let n = index.entries().len();
    if let Ok(mut g) = state.faq.index.write() {
        *g = Arc::new(index);
    }
    Ok(n)
}

/// The bot's account, created on first use.
pub async fn bot_user(state: &AppState) -> ApiResult<User> {
    let cached = state.faq.bot_id.read().ok().and_then(|g| *g);
    if let Some(id) = cached
        && let Some(u) = state.store.user(id).await?
    {
        return Ok(u);
    }
    let user = match state.store.user_by_username(BOT_USERNAME).await? {
        Some(u) => u,
        None => {
            let password = format!("{}-{}", crate::auth::new_token(), crate::auth::new_token());
            let account = crate::accounts::NewAccount {
                username: BOT_USERNAME,
                display_name: Some("Steward Bot"),
                email: None,
                password: &password,
                locale: steward_core::validate::Locale::default(),
                role: steward_core::SystemRole::Member,
            };
            match crate::accounts::create(&state.store, account).await {
                Ok(u) => {
                    state.store.set_bot(u.id).await?;
                    u
                }
                // Created concurrently: use that one.
                Err(_) => state.store.user_by_username(BOT_USERNAME).await?.ok_or_else(ApiError::not_found)?,
            }
        }
    };
    if let Ok(mut g) = state.faq.bot_id.write() {
        *g = Some(user.id);
    }
    Ok(user)
}

pub async fn is_bot(state: &AppState, user_id: i64) -> bool {
    state.faq.bot_id.read().ok().and_then(|g| *g) == Some(user_id)
}

fn lang_of(text: &str, hint: Lang) -> Lang {
    steward_faq::text::detect_lang(text).unwrap_or(hint)
}

fn say(lang: Lang, ru: &str, en: &str) -> String {
    if lang == Lang::Ru { ru.to_string() } else { en.to_string() }
}

/// Starts a conversation with the bot: it joins the room.
pub async fn join(state: &AppState, conv: &Conversation) -> ApiResult<()> {
    join_as(state, conv, &bot_user(state).await?).await
}

/// A bot account (the FAQ bot or an agent bot) joins a conversation's room.
pub async fn join_as(state: &AppState, conv: &Conversation, bot: &User) -> ApiResult<()> {
    if let Some(seq) = state.store.join_conversation_room(conv.room_id, bot.id).await? {
        crate::events::publish_room(
            state,
            conv.room_id,
            seq,
            crate::events::member_event(steward_core::model::EventKind::MemberJoined, conv.room_id, seq, &bot.brief()),
        );
    }
    Ok(())
}

async fn post(state: &AppState, bot: &User, conv: &Conversation, body: String) -> ApiResult<Message> {
    let input = crate::service::PostInput::text(body, false);
    Ok(crate::service::post_message(state, bot, conv.room_id, input).await?.0)
}

/// What the bot said last, from the conversation's events.
enum Last {
    Nothing,
    /// Answered this entry (topic id) to this question; waiting for "did it help?".
    Answered {
        question: String,
    },
    /// Offered these topics.
    Suggested {
        ids: Vec<String>,
        question: String,
    },
}

fn yes_no(text: &str) -> Option<bool> {
    let t = steward_store::fold_question(text);
    let first = t.split(' ').next().unwrap_or("");
    const YES: [&str; 12] =
        ["да", "ага", "помогло", "спасибо", "yes", "yep", "thanks", "thank", "ok", "ок", "угу", "отлично"];
    const NO: [&str; 7] = ["нет", "неа", "no", "nope", "не", "непонятно", "бесполезно"];
    if NO.contains(&first) || t.starts_with("не помогло") || t.starts_with("not really") {
        return Some(false);
    }
    if YES.contains(&first) {
        return Some(true);
    }
    None
}

/// The bot's turn after the contact wrote in a pending conversation.
pub async fn on_contact_message(state: &AppState, conv: &Conversation, message: &Message) -> ApiResult<()> {
    let bot = bot_user(state).await?;
    let inbox = state.store.inbox(conv.inbox_id).await?.ok_or_else(ApiError::not_found)?;
    let settings = crate::support::settings_of(&inbox);
    let hint = if settings.settings.locale == "en" { Lang::En } else { Lang::Ru };
    let text = message.body.trim();
    let lang = lang_of(text, hint);
    let events = state.store.conversation_events(conv.id).await?;
    let mut last = Last::Nothing;
    let mut misses = 0;
    for e in &events {
        let q = e.data.get("question").and_then(Value::as_str).unwrap_or("").to_string();
        match e.kind.as_str() {
            "bot_answer" => {
                last = Last::Answered { question: q };
                misses = 0;
            }
            "bot_suggest" => {
                let ids = e
                    .data
                    .get("ids")
                    .and_then(Value::as_array)
                    .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
                    .unwrap_or_default();
                last = Last::Suggested { ids, question: q };
            }
            "bot_miss" => {
                last = Last::Nothing;
                misses += 1;
            }
            "bot_helpful" | "bot_unhelpful" => last = Last::Nothing,
            _ => {}
        }
    }
    // "Did this help?"
    if let Last::Answered { question } = &last
        && let Some(helped) = yes_no(text)
    {
        if helped {
            state.store.add_conversation_event(conv.id, "bot_helpful", Some(bot.id), &Value::Null).await?;
            post(
                state,
                &bot,
                conv,
                say(lang, "Рад помочь! Если появятся вопросы — пишите.", "Glad to help! Write any time."),
            )
            .await?;
            state.store.add_conversation_event(conv.id, "bot_resolved", Some(bot.id), &Value::Null).await?;
            crate::support::set_status(state, conv, "resolved", None, Some(bot.id)).await?;
        } else {
            state.store.add_conversation_event(conv.id, "bot_unhelpful", Some(bot.id), &Value::Null).await?;
            state.store.note_unanswered(question, lang.as_str()).await?;
            hand_over(state, &bot, conv, lang, "unhelpful").await?;
        }
        return Ok(());
    }
    let index = state.faq.index();
    // A number picks one of the offered topics.
    if let Last::Suggested { ids, question } = &last
        && let Ok(n) = text.trim_end_matches('.').parse::<usize>()
        && (1..=ids.len()).contains(&n)
        && let Some(entry) = pick(&index, &ids[n - 1], lang)
    {
        answer(state, &bot, conv, entry, question, 1.0).await?;
        return Ok(());
    }
    match index.ask(text, Some(hint)) {
        Outcome::Answer { entry, confidence } => answer(state, &bot, conv, entry, text, confidence).await?,
        Outcome::Suggest { alternatives } => {
            let ids: Vec<String> = alternatives.iter().map(|s| s.entry.id.clone()).collect();
            let mut body = say(lang, "Возможно, вы имели в виду:", "Did you mean:");
            for (i, s) in alternatives.iter().enumerate() {
                body.push_str(&format!("\n{}. {}", i + 1, s.entry.questions.first().map(String::as_str).unwrap_or("")));
            }
            body.push_str(&say(
                lang,
                "\n\nНапишите номер или «оператор», чтобы позвать человека.",
                "\n\nReply with a number, or “agent” to talk to a person.",
            ));
            post(state, &bot, conv, body).await?;
            state
                .store
                .add_conversation_event(conv.id, "bot_suggest", Some(bot.id), &json!({ "ids": ids, "question": text }))
                .await?;
        }
        Outcome::HandOver { reason: HandOverReason::HumanRequested } => {
            hand_over(state, &bot, conv, lang, "human_requested").await?
        }
        Outcome::HandOver { reason } => {
            if reason == HandOverReason::LowConfidence {
                state.store.note_unanswered(text, lang.as_str()).await?;
            }
            if misses + 1 >= MAX_MISSES {
                hand_over(state, &bot, conv, lang, reason.as_str()).await?;
            } else {
                state
                    .store
                    .add_conversation_event(
                        conv.id,
                        "bot_miss",
                        Some(bot.id),
                        &json!({ "question": text, "reason": reason.as_str() }),
                    )
                    .await?;
                let body = say(
                    lang,
                    "Не нашёл ответа на этот вопрос. Попробуйте сформулировать иначе или напишите «оператор».",
                    "I couldn't find an answer to that. Try putting it another way, or write “agent”.",
                );
                post(state, &bot, conv, body).await?;
            }
        }
    }
    Ok(())
}

/// The topic's entry in the wanted language, else any.
fn pick<'a>(index: &'a Index, id: &str, lang: Lang) -> Option<&'a Entry> {
    let all = index.entries();
    all.iter().find(|e| e.id == id && e.lang == lang).or_else(|| all.iter().find(|e| e.id == id))
}

async fn answer(
    state: &AppState,
    bot: &User,
    conv: &Conversation,
    entry: &Entry,
    question: &str,
    confidence: f32,
) -> ApiResult<()> {
    let lang = entry.lang;
    let body = format!(
        "{}\n\n{}",
        entry.answer,
        say(lang, "_Это помогло? Ответьте «да» или «нет»._", "_Did this help? Reply “yes” or “no”._")
    );
    post(state, bot, conv, body).await?;
    let data = json!({ "entry": entry.id, "lang": lang.as_str(), "confidence": confidence, "question": question });
    state.store.add_conversation_event(conv.id, "bot_answer", Some(bot.id), &data).await?;
    Ok(())
}

/// Passes the conversation to people: it joins the queue (outside business
/// hours the contact is told when someone will answer).
pub async fn hand_over(state: &AppState, bot: &User, conv: &Conversation, lang: Lang, reason: &str) -> ApiResult<()> {
    let inbox = state.store.inbox(conv.inbox_id).await?.ok_or_else(ApiError::not_found)?;
    let c = crate::support::settings_of(&inbox);
    let now = steward_store::now_ms();
    let body = handover_text(lang, c.hours.as_ref().is_none_or(|h| h.is_open(now)));
    crate::support::hand_over(state, bot, conv, reason, Some(&body)).await.map(|_| ())
}

/// What the customer is told at a hand-over (outside business hours: when).
pub fn handover_text(lang: Lang, open_now: bool) -> String {
    if open_now {
        say(
            lang,
            "Передаю ваш вопрос оператору — он ответит здесь же.",
            "I'm passing your question to a person, who will answer here.",
        )
    } else {
        say(
            lang,
            "Сейчас нерабочее время. Оператор ответит здесь, как только начнётся рабочий день.",
            "We're closed right now. A person will answer here as soon as we open.",
        )
    }
}

/// Suggested answers for operators: the best FAQ entries for the contact's
/// last message.
pub fn suggestions(state: &AppState, text: &str, k: usize) -> Vec<Value> {
    let index = state.faq.index();
    index
        .rank(text, k)
        .into_iter()
        .map(|s| json!({ "id": s.entry.id, "lang": s.entry.lang.as_str(), "question": s.entry.questions.first(), "answer": s.entry.answer, "score": s.score }))
        .collect()
}
