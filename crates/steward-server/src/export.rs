//! Compliance export: a room's or a person's messages for a date range,
//! streamed page by page as JSON Lines or as a readable HTML transcript
//! (self-contained, every text escaped).

use bytes::Bytes;
use futures_util::Stream;
use serde_json::json;
use steward_core::markdown::escape_html;
use steward_core::model::rfc3339;
use steward_core::validate::Locale;
use steward_store::{ExportFilter, Exported};

use crate::state::AppState;

const PAGE: u64 = 500;

enum Stage {
    Start,
    Page(i64),
    End,
    Done,
}

/// The export as a stream of chunks; a store error ends it with a note.
pub fn stream(
    state: AppState,
    filter: ExportFilter,
    title: String,
    html: bool,
    locale: Locale,
) -> impl Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static {
    futures_util::stream::unfold(Stage::Start, move |stage| {
        let (state, filter, title) = (state.clone(), filter.clone(), title.clone());
        async move {
            match stage {
                Stage::Start if html => Some((Ok(Bytes::from(head(&title, &filter, locale))), Stage::Page(0))),
                Stage::Start => Some((Ok(Bytes::new()), Stage::Page(0))),
                Stage::Page(after) => match state.store.export_messages(&filter, after, PAGE).await {
                    Ok(page) if page.is_empty() => Some((Ok(Bytes::new()), Stage::End)),
                    Ok(page) => {
                        let last = page.last().map_or(after, |e| e.message.id);
                        let chunk = if html { html_page(&page, &filter) } else { jsonl_page(&page) };
                        let next = if (page.len() as u64) < PAGE { Stage::End } else { Stage::Page(last) };
                        Some((Ok(Bytes::from(chunk)), next))
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "export failed");
                        Some((Err(std::io::Error::other("export failed")), Stage::Done))
                    }
                },
                Stage::End if html => Some((Ok(Bytes::from_static(b"</main>\n</body>\n</html>\n")), Stage::Done)),
                Stage::End | Stage::Done => None,
            }
        }
    })
}

fn jsonl_page(page: &[Exported]) -> String {
    let mut out = String::new();
    for e in page {
        let m = &e.message;
        let line = json!({
            "id": m.id,
            "room_id": m.room_id,
            "room": e.room_name,
            "seq": m.seq,
            "author_id": m.author_id,
            "author": m.author.username,
            "author_name": m.author.display_name,
            "created_at": rfc3339(m.created_at),
            "edited_at": m.edited_at.map(rfc3339),
            "deleted": m.deleted,
            "body": m.body,
            "reply_to": m.reply_to.as_ref().map(|r| r.id),
            "pinned": m.pinned,
            "attachments": m.attachments.iter().map(|a| json!({ "id": a.id, "filename": a.filename, "size": a.size, "content_type": a.content_type })).collect::<Vec<_>>(),
            "edits": e.edits.iter().map(|(body, at, by)| json!({ "body": body, "replaced_at": rfc3339(*at), "replaced_by": by })).collect::<Vec<_>>(),
        });
        out.push_str(&line.to_string());
        out.push('\n');
    }
    out
}

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    escape_html(s, &mut out);
    out
}

fn head(title: &str, f: &ExportFilter, locale: Locale) -> String {
    let range = match (f.since, f.until) {
        (None, None) => String::new(),
        (s, u) => format!(" · {} — {}", s.map(rfc3339).unwrap_or_default(), u.map(rfc3339).unwrap_or_default()),
    };
    format!(
        "<!doctype html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n<title>{t}</title>\n<style>\
         body{{font:15px/1.5 system-ui,sans-serif;max-width:860px;margin:2em auto;padding:0 1em;color:#1f2330}}\
         h1{{font-size:1.4em}}h2{{font-size:1em;color:#6b7280;border-bottom:1px solid #e3e6ee;padding-top:1em}}\
         article{{margin:.6em 0}}time{{color:#6b7280;font-size:.85em}}.body{{white-space:pre-wrap}}\
         .deleted{{color:#b42318;font-style:italic}}.edit{{color:#6b7280;font-size:.85em;margin-left:1em;white-space:pre-wrap}}\
         .files{{font-size:.85em}}</style>\n</head>\n<body>\n<header><h1>{t}</h1><p>Steward · {gen}{range}</p></header>\n<main>\n",
        lang = locale.as_str(),
        t = esc(title),
        gen = rfc3339(steward_store::now_ms()),
        range = esc(&range),
    )
}

fn html_page(page: &[Exported], f: &ExportFilter) -> String {
    let mut out = String::new();
    let mut day = String::new();
    for e in page {
        let m = &e.message;
        let at = rfc3339(m.created_at);
        let d = at.get(..10).unwrap_or("").to_string();
        if d != day {
            out.push_str(&format!("<h2>{}</h2>\n", esc(&d)));
            day = d;
        }
        let room = if f.room_id.is_none() { format!(" <span>#{}</span>", esc(&e.room_name)) } else { String::new() };
        out.push_str(&format!(
            "<article id=\"m{id}\"><header><time datetime=\"{at}\">{time}</time> <strong>{name}</strong> <span>@{user}</span>{room}</header>",
            id = m.id,
            at = esc(&at),
            time = esc(at.get(11..19).unwrap_or("")),
            name = esc(&m.author.display_name),
            user = esc(&m.author.username),
        ));
        if m.deleted {
            out.push_str("<div class=\"deleted\">[deleted]</div>");
        } else {
            out.push_str(&format!("<div class=\"body\">{}</div>", esc(&m.body)));
        }
        for (body, at, _) in &e.edits {
            out.push_str(&format!("<div class=\"edit\">[before {}] {}</div>", esc(&rfc3339(*at)), esc(body)));
        }
        if !m.attachments.is_empty() {
            let names: Vec<String> = m.attachments.iter().map(|a| esc(&a.filename)).collect();
            out.push_str(&format!("<div class=\"files\">📎 {}</div>", names.join(", ")));
        }
        out.push_str("</article>\n");
    }
    out
}
