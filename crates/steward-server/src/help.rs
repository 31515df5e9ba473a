//! The public help centre (`/help`): the FAQ knowledge base's published
//! entries by category, one page per topic, and search through the FAQ
//! matcher — in Russian and English, readable without signing in.

use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use minijinja::context;
use serde::{Deserialize, Serialize};
use steward_core::validate::Locale;
use steward_faq::{Lang, Status};

use crate::state::AppState;

#[derive(Deserialize)]
pub struct HelpQuery {
    q: Option<String>,
    lang: Option<String>,
}

#[derive(Serialize)]
struct Item {
    id: String,
    lang: &'static str,
    question: String,
}

#[derive(Serialize)]
struct Category {
    name: String,
    entries: Vec<Item>,
}

fn language(q: Option<&str>, headers: &HeaderMap) -> Lang {
    q.and_then(|l| Lang::parse(l).ok())
        .or_else(|| {
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Locale::from_accept_language)
                .and_then(|l| Lang::parse(l.as_str()).ok())
        })
        .unwrap_or(Lang::Ru)
}

fn item(e: &steward_faq::Entry) -> Item {
    Item { id: e.id.clone(), lang: e.lang.as_str(), question: e.questions.first().cloned().unwrap_or_default() }
}

pub async fn index(State(state): State<AppState>, headers: HeaderMap, Query(q): Query<HelpQuery>) -> Response {
    let lang = language(q.lang.as_deref(), &headers);
    let index = state.faq.index();
    let published = |e: &&steward_faq::Entry| e.status == Status::Published;
    let query =
        q.q.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(|s| s.chars().take(300).collect::<String>());
    if let Some(text) = &query {
        let mut seen = std::collections::HashSet::new();
        let results: Vec<Item> = index
            .rank(text, 20)
            .into_iter()
            .filter(|s| s.score > 0.05 && s.entry.status == Status::Published)
            .filter(|s| seen.insert(s.entry.id.clone()))
            .map(|s| {
                // The topic in the reader's language when there is one.
                let e = index.entries().iter().find(|e| e.id == s.entry.id && e.lang == lang).unwrap_or(s.entry);
                item(e)
            })
            .take(10)
            .collect();
        let q_url: String = form_urlencoded::byte_serialize(text.as_bytes()).collect();
        return state.templates.render("help.html", context! { lang => lang.as_str(), q => text, q_url, results });
    }
    let mut by_cat: BTreeMap<String, Vec<Item>> = BTreeMap::new();
    for e in index.entries().iter().filter(published).filter(|e| e.lang == lang) {
        by_cat.entry(e.category.clone()).or_default().push(item(e));
    }
    let categories: Vec<Category> = by_cat.into_iter().map(|(name, entries)| Category { name, entries }).collect();
    state.templates.render("help.html", context! { lang => lang.as_str(), categories })
}

pub async fn article(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<HelpQuery>,
) -> Response {
    let lang = language(q.lang.as_deref(), &headers);
    let index = state.faq.index();
    let all = index.entries();
    let found = all
        .iter()
        .filter(|e| e.id == id && e.status == Status::Published)
        .min_by_key(|e| if e.lang == lang { 0 } else { 1 });
    let Some(e) = found else {
        return (StatusCode::NOT_FOUND, "no such article").into_response();
    };
    // Answers are markdown, rendered by the one safe renderer.
    let (html, _) = steward_core::markdown::render(&e.answer);
    let entry = context! { question => e.questions.first().cloned().unwrap_or_default(), category => e.category, html };
    state.templates.render("help.html", context! { lang => e.lang.as_str(), entry })
}
