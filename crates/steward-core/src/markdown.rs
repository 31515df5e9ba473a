//! The message markdown subset, rendered to HTML that is safe to insert into a
//! page as is: raw HTML in the source is shown as text, links only go to
//! http(s)/mailto and open with `rel="noopener noreferrer nofollow"`, images
//! become links, headings become bold lines. @mentions are marked up.

use pulldown_cmark::{CodeBlockKind, CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

/// What the renderer found while rendering: the mentions it marked up.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Mentions {
    /// Lower-cased usernames mentioned with `@name`, in order of first appearance.
    pub users: Vec<String>,
    /// `@room`, `@all` or `@here` was used.
    pub room: bool,
}

const ROOM_WORDS: [&str; 3] = ["room", "all", "here"];

pub fn escape_html(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
}

fn safe_url(url: &str) -> Option<&str> {
    let trimmed = url.trim();
    let lower = trimmed.to_ascii_lowercase();
    let allowed = lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("mailto:");
    (allowed && !trimmed.chars().any(|c| c.is_control() || c.is_whitespace())).then_some(trimmed)
}

fn open_link(url: &str, out: &mut String) {
    out.push_str("<a href=\"");
    escape_html(url, out);
    out.push_str("\" rel=\"noopener noreferrer nofollow\" target=\"_blank\">");
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn username_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')
}

/// Scans plain text for `@mentions` and bare URLs, escaping the rest.
fn decorate_text(text: &str, in_link: bool, out: &mut String, mentions: &mut Mentions) {
    let mut rest = text;
    let mut prev: Option<char> = None;
    while !rest.is_empty() {
        let boundary = prev.is_none_or(|p| !is_word_char(p) && p != '@');
        if boundary && rest.starts_with('@') {
            let name: String = rest[1..].chars().take_while(|&c| username_char(c)).collect();
            let name = name.trim_end_matches(['.', '-']);
            if name.len() >= 2 && name.len() <= 32 && name.starts_with(|c: char| c.is_ascii_alphanumeric()) {
                let lower = name.to_ascii_lowercase();
                let is_room = ROOM_WORDS.contains(&lower.as_str());
                if is_room {
                    mentions.room = true;
                } else if !mentions.users.contains(&lower) {
                    mentions.users.push(lower.clone());
                }
                let class = if is_room { "mention mention-room" } else { "mention" };
                out.push_str(&format!("<span class=\"{class}\" data-username=\""));
                escape_html(&lower, out);
                out.push_str("\">@");
                escape_html(name, out);
                out.push_str("</span>");
                rest = &rest[1 + name.len()..];
                prev = name.chars().last();
                continue;
            }
        }
        if boundary && !in_link && (rest.starts_with("https://") || rest.starts_with("http://")) {
            let end = rest.find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"')).unwrap_or(rest.len());
            // Trailing punctuation belongs to the sentence, not the URL.
            let url = rest[..end].trim_end_matches(['.', ',', ';', ':', '!', '?', ')', '\'']);
            if url.len() > "https://".len() {
                open_link(url, out);
                escape_html(url, out);
                out.push_str("</a>");
                rest = &rest[url.len()..];
                prev = url.chars().last();
                continue;
            }
        }
        let c = rest.chars().next().unwrap_or_default();
        let mut buf = [0u8; 4];
        escape_html(c.encode_utf8(&mut buf), out);
        rest = &rest[c.len_utf8()..];
        prev = Some(c);
    }
}

/// Renders a message body; returns the HTML and the mentions found outside code.
pub fn render(body: &str) -> (String, Mentions) {
    let options = Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let mut out = String::with_capacity(body.len() + body.len() / 2 + 16);
    let mut mentions = Mentions::default();
    let mut link_depth = 0usize;
    // Markdown links with a refused URL render their text only; remember which.
    let mut link_stack: Vec<bool> = Vec::new();
    let mut image_alt: Option<(String, String)> = None;
    // Code is shown as written: no mentions, no links.
    let mut in_code_block = false;

    for event in Parser::new_ext(body, options) {
        if let Some((_, alt)) = image_alt.as_mut() {
            match event {
                Event::End(TagEnd::Image) => {
                    let (url, alt) = image_alt.take().unwrap_or_default();
                    let label = if alt.is_empty() { url.clone() } else { alt };
                    if let Some(url) = safe_url(&url) {
                        open_link(url, &mut out);
                        escape_html(&label, &mut out);
                        out.push_str("</a>");
                    } else {
                        escape_html(&label, &mut out);
                    }
                }
                Event::Text(t) | Event::Code(t) => alt.push_str(&t),
                _ => {}
            }
            continue;
        }
        match event {
            Event::Start(tag) => match tag {
                Tag::Paragraph => out.push_str("<p>"),
                Tag::Heading { .. } => out.push_str("<p><strong>"),
                Tag::BlockQuote(_) => out.push_str("<blockquote>"),
                Tag::CodeBlock(kind) => {
                    in_code_block = true;
                    out.push_str("<pre><code");
                    if let CodeBlockKind::Fenced(lang) = kind {
                        let lang: String =
                            lang.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
                        if !lang.is_empty() {
                            out.push_str(" class=\"language-");
                            out.push_str(&lang);
                            out.push('"');
                        }
                    }
                    out.push('>');
                }
                Tag::List(Some(start)) => {
                    if start == 1 {
                        out.push_str("<ol>");
                    } else {
                        out.push_str(&format!("<ol start=\"{start}\">"));
                    }
                }
                Tag::List(None) => out.push_str("<ul>"),
                Tag::Item => out.push_str("<li>"),
                Tag::Emphasis => out.push_str("<em>"),
                Tag::Strong => out.push_str("<strong>"),
                Tag::Strikethrough => out.push_str("<del>"),
                Tag::Link { dest_url, .. } => {
                    let ok = safe_url(&dest_url).is_some();
                    if let Some(url) = safe_url(&dest_url) {
                        open_link(url, &mut out);
                    }
                    link_stack.push(ok);
                    link_depth += 1;
                }
                Tag::Image { dest_url, .. } => image_alt = Some((dest_url.to_string(), String::new())),
                // Tables, footnotes, metadata and raw HTML blocks are not in the subset.
                _ => {}
            },
            Event::End(tag) => match tag {
                TagEnd::Paragraph => out.push_str("</p>"),
                TagEnd::Heading(HeadingLevel::H1 | _) => out.push_str("</strong></p>"),
                TagEnd::BlockQuote(_) => out.push_str("</blockquote>"),
                TagEnd::CodeBlock => {
                    in_code_block = false;
                    out.push_str("</code></pre>");
                }
                TagEnd::List(true) => out.push_str("</ol>"),
                TagEnd::List(false) => out.push_str("</ul>"),
                TagEnd::Item => out.push_str("</li>"),
                TagEnd::Emphasis => out.push_str("</em>"),
                TagEnd::Strong => out.push_str("</strong>"),
                TagEnd::Strikethrough => out.push_str("</del>"),
                TagEnd::Link => {
                    link_depth = link_depth.saturating_sub(1);
                    if link_stack.pop().unwrap_or(false) {
                        out.push_str("</a>");
                    }
                }
                _ => {}
            },
            Event::Text(text) if in_code_block => escape_html(&text, &mut out),
            Event::Text(text) => decorate_text(&text, link_depth > 0, &mut out, &mut mentions),
            Event::Code(code) => {
                out.push_str("<code>");
                escape_html(&code, &mut out);
                out.push_str("</code>");
            }
            // Raw HTML is shown, never interpreted.
            Event::Html(raw) | Event::InlineHtml(raw) => escape_html(&raw, &mut out),
            Event::SoftBreak | Event::HardBreak => out.push_str("<br>"),
            Event::Rule => out.push_str("<hr>"),
            Event::TaskListMarker(done) => {
                out.push_str(if done { "☑ " } else { "☐ " });
            }
            Event::FootnoteReference(CowStr::Borrowed(s)) => escape_html(s, &mut out),
            _ => {}
        }
    }
    (out, mentions)
}

/// A short plain-text excerpt for previews (reply quotes, notifications).
pub fn excerpt(body: &str, max_chars: usize) -> String {
    let flat: String = body
        .chars()
        .map(|c| if c.is_whitespace() { ' ' } else { c })
        .filter(|c| !matches!(c, '*' | '_' | '`' | '~' | '#' | '>'))
        .collect();
    let flat = flat.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max_chars {
        flat
    } else {
        let mut s: String = flat.chars().take(max_chars.saturating_sub(1)).collect();
        s.push('…');
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn html(s: &str) -> String {
        render(s).0
    }

    #[test]
    fn basics() {
        let cases = [
            ("hello", "<p>hello</p>"),
            (
                "**bold** _it_ ~~no~~ `x<y`",
                "<p><strong>bold</strong> <em>it</em> <del>no</del> <code>x&lt;y</code></p>",
            ),
            ("a\nb", "<p>a<br>b</p>"),
            ("# Title", "<p><strong>Title</strong></p>"),
            ("> quote", "<blockquote><p>quote</p></blockquote>"),
            ("```rust\nfn x() {}\n```", "<pre><code class=\"language-rust\">fn x() {}\n</code></pre>"),
            ("- a\n- b", "<ul><li>a</li><li>b</li></ul>"),
        ];
        for (input, want) in cases {
            assert_eq!(html(input), want, "{input:?}");
        }
    }

    #[test]
    fn raw_html_and_scripts_are_text() {
        let cases = [
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "hi <b onmouseover=x>there</b>",
            "<iframe src=\"javascript:alert(1)\"></iframe>",
        ];
        for input in cases {
            let out = html(input);
            assert!(!out.contains("<script"), "{out}");
            assert!(!out.contains("<img"), "{out}");
            assert!(!out.contains("<b "), "{out}");
            assert!(!out.contains("<iframe"), "{out}");
        }
    }

    #[test]
    fn links_are_safe() {
        assert_eq!(
            html("[site](https://example.com/a?b=1&c=2)"),
            "<p><a href=\"https://example.com/a?b=1&amp;c=2\" rel=\"noopener noreferrer nofollow\" target=\"_blank\">site</a></p>"
        );
        assert_eq!(html("[x](javascript:alert(1))"), "<p>x</p>");
        assert_eq!(html("[x](data:text/html,hi)"), "<p>x</p>");
        assert_eq!(
            html("see https://steward.dev/docs."),
            "<p>see <a href=\"https://steward.dev/docs\" rel=\"noopener noreferrer nofollow\" target=\"_blank\">https://steward.dev/docs</a>.</p>"
        );
        assert_eq!(
            html("![logo](https://x.ru/l.png)"),
            "<p><a href=\"https://x.ru/l.png\" rel=\"noopener noreferrer nofollow\" target=\"_blank\">logo</a></p>"
        );
        assert_eq!(html("![x](javascript:1)"), "<p>x</p>");
    }

    #[test]
    fn mentions() {
        let (out, m) = render("@Anna and @ivan.petrov, see @room. mail me@example.com `@code`");
        assert_eq!(m.users, vec!["anna".to_string(), "ivan.petrov".to_string()]);
        assert!(m.room);
        assert!(out.contains("<span class=\"mention\" data-username=\"anna\">@Anna</span>"), "{out}");
        assert!(out.contains("<span class=\"mention mention-room\" data-username=\"room\">@room</span>."), "{out}");
        assert!(out.contains("me@example.com"), "{out}");
        assert!(out.contains("<code>@code</code>"), "{out}");
        assert_eq!(render("привет @оля").1, Mentions::default());
        let (out, m) = render("```\n@anna https://x.ru\n```");
        assert_eq!(m, Mentions::default(), "code blocks mention nobody");
        assert!(!out.contains("<a ") && !out.contains("mention"), "{out}");
    }

    #[test]
    fn excerpts() {
        assert_eq!(excerpt("**Hello**\n\nworld", 50), "Hello world");
        assert_eq!(excerpt("абвгдеёжз", 5), "абвг…");
    }
}
