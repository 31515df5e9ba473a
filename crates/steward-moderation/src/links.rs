//! Link detection on the cleaned text, including spelled-out links (`example dot com`,
//! `site[.]ru`, `t . me/+abc`), and recognition of invitations to other chats.

/// Top-level domains recognised without a scheme or `www.` (sorted, for binary search).
const TLDS: &[&str] = &[
    "ai", "app", "bet", "biz", "by", "casino", "cc", "click", "cloud", "club", "cn", "co", "com", "de", "dev", "eu",
    "fr", "fun", "gg", "icu", "info", "io", "kz", "link", "live", "ly", "me", "money", "net", "online", "org", "pro",
    "ru", "shop", "site", "space", "store", "su", "tech", "to", "top", "tv", "ua", "uk", "us", "uz", "vip", "win",
    "ws", "xyz", "рф",
];

/// Spellings of a dot between labels, and what replaces them before looking for hosts. A space
/// on one side only counts before `me/` (`t. me/x`): elsewhere it is the end of a sentence.
const DOTS: &[(&str, &str)] = &[
    (" [.] ", "."),
    ("[.]", "."),
    ("(.)", "."),
    ("{.}", "."),
    (" [dot] ", "."),
    ("[dot]", "."),
    ("(dot)", "."),
    (" dot ", "."),
    (" точка ", "."),
    (" . ", "."),
    (". me/", ".me/"),
    (" .me/", ".me/"),
];

/// One link found: its host and path (lowercase, de-obfuscated) and the byte range of the
/// cleaned text it spans.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Link {
    pub host: String,
    pub path: String,
    pub start: usize,
    pub end: usize,
}

impl Link {
    /// An invitation to another chat: Telegram private links, Discord, WhatsApp groups, VK and
    /// Viber chats, Signal groups.
    pub fn is_invite(&self) -> bool {
        let host = self.host.strip_prefix("www.").unwrap_or(&self.host);
        let path = self.path.trim_start_matches('/');
        match host {
            "t.me" | "telegram.me" | "telegram.dog" => path.starts_with("joinchat") || path.starts_with('+'),
            "discord.gg" | "chat.whatsapp.com" | "signal.group" | "invite.viber.com" => true,
            "discord.com" | "discordapp.com" => path.starts_with("invite"),
            "vk.me" => path.starts_with("join"),
            _ => false,
        }
    }

    /// Whether the host is `domain` or one of its subdomains.
    pub fn within(&self, domain: &str) -> bool {
        let domain = domain.trim().trim_start_matches("www.").to_lowercase();
        let host = self.host.strip_prefix("www.").unwrap_or(&self.host);
        host == domain || host.strip_suffix(domain.as_str()).is_some_and(|rest| rest.ends_with('.'))
    }
}

fn is_label_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || crate::normalize::is_cyr(c)
}

/// Finds links in `text` (already lowercase). `buf` and `map` are scratch buffers.
pub(crate) fn find(text: &str, buf: &mut String, map: &mut Vec<usize>, out: &mut Vec<Link>) {
    out.clear();
    if !text.as_bytes().contains(&b'.') && !text.contains("dot") && !text.contains("точка") {
        return;
    }
    let obfuscated = text.as_bytes().iter().any(|b| matches!(b, b'[' | b'(' | b'{'))
        || text.contains(" dot ")
        || text.contains(" точка ")
        || text.contains(" .")
        || text.contains(". me/");
    // De-obfuscate into `buf`; `map[i]` is the offset in `text` of `buf`'s byte i. Without any
    // spelled-out dot the text is used as it is.
    buf.clear();
    map.clear();
    if !obfuscated {
        buf.push_str(text);
    } else {
        let bytes = text.as_bytes();
        let mut i = 0;
        while i < text.len() {
            let b = bytes[i];
            if matches!(b, b' ' | b'[' | b'(' | b'{' | b'.')
                && let Some((from, to)) = DOTS.iter().find(|(from, _)| text[i..].starts_with(from))
            {
                buf.push_str(to);
                map.extend(std::iter::repeat_n(i, to.len()));
                i += from.len();
                continue;
            }
            let c = text[i..].chars().next().unwrap_or(' ');
            buf.push(c);
            map.extend(std::iter::repeat_n(i, c.len_utf8()));
            i += c.len_utf8();
        }
        map.push(text.len());
    }
    let offset = |i: usize| if obfuscated { map[i.min(map.len() - 1)] } else { i };
    // Runs of label characters and dots are host candidates.
    let lt = buf.as_str();
    let mut pos = 0;
    while pos < lt.len() {
        let rest = &lt[pos..];
        let Some(off) = rest.find(|c: char| is_label_char(c)) else { break };
        let start = pos + off;
        let run_len = lt[start..].find(|c: char| !(is_label_char(c) || c == '.')).unwrap_or(lt.len() - start);
        let mut run = &lt[start..start + run_len];
        pos = start + run_len.max(1);
        run = run.trim_end_matches('.');
        if !run.contains('.') || lt[..start].ends_with('@') {
            continue;
        }
        let schemed = lt[..start].ends_with("://") || run.starts_with("www.");
        let labels_ok = run.split('.').all(|l| !l.is_empty());
        let tld = run.rsplit('.').next().unwrap_or("");
        if !labels_ok || !(schemed || TLDS.binary_search(&tld).is_ok()) {
            continue;
        }
        let host_end = start + run.len();
        let path_len = if lt[host_end..].starts_with('/') {
            lt[host_end..].find(char::is_whitespace).unwrap_or(lt.len() - host_end)
        } else {
            0
        };
        let end = host_end + path_len;
        out.push(Link {
            host: run.to_string(),
            path: lt[host_end..end].to_string(),
            start: offset(start),
            end: offset(end),
        });
        pos = end.max(pos);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn links(text: &str) -> Vec<(String, String)> {
        let (mut b, mut m, mut out) = (String::new(), Vec::new(), Vec::new());
        find(&text.to_lowercase(), &mut b, &mut m, &mut out);
        out.into_iter().map(|l| (l.host, l.path)).collect()
    }

    #[test]
    fn finds_links() {
        assert_eq!(links("see https://Example.com/a?b=1 now"), [("example.com".into(), "/a?b=1".into())]);
        assert_eq!(links("www.foo.bar"), [("www.foo.bar".into(), "".into())]);
        assert_eq!(links("go to example dot com"), [("example.com".into(), "".into())]);
        assert_eq!(links("site[.]ru"), [("site.ru".into(), "".into())]);
        assert_eq!(links("t . me/+abc"), [("t.me".into(), "/+abc".into())]);
        assert_eq!(links("пример.рф"), [("пример.рф".into(), "".into())]);
        assert!(links("т.е. так и есть. Me too, file.txt, v1.2, mail a@b.com").is_empty());
        assert!(links("polka dot dress").is_empty());
        assert_eq!(links("site(dot)com"), [("site.com".into(), "".into())]);
    }

    #[test]
    fn invites() {
        let l = |t: &str| {
            let (mut b, mut m, mut out) = (String::new(), Vec::new(), Vec::new());
            find(t, &mut b, &mut m, &mut out);
            out.iter().any(Link::is_invite)
        };
        assert!(l("join t.me/joinchat/AAAA"));
        assert!(l("t.me/+abcdef"));
        assert!(l("discord.gg/xyz"));
        assert!(l("https://chat.whatsapp.com/abc"));
        assert!(!l("t.me/steward_news"));
        assert!(!l("example.com/+x"));
    }

    #[test]
    fn within() {
        let link = Link { host: "docs.example.com".into(), path: String::new(), start: 0, end: 0 };
        assert!(link.within("example.com"));
        assert!(!link.within("ample.com"));
    }
}
