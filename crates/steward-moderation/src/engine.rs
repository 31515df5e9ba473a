//! The compiled rule set and the checks the server calls.
//!
//! ```text
//! let engine = Engine::compile(&rules)?;        // once per rule-set change; Send + Sync
//! let mut state = State::new(StateLimits::default()); // once per node, behind a mutex
//! let mut scratch = Scratch::new();             // once per thread or task; reused
//! let verdict = engine.check(&mut scratch, &mut state, &input);
//! if let Some(hit) = verdict.decisive() { /* apply hit.action */ }
//! ```

use std::collections::HashMap;
use std::sync::Arc;

use regex::{Regex, RegexBuilder};

use crate::error::RuleError;
use crate::lexicon::{LexScratch, Lexicon, LexiconBuilder, parse_entry};
use crate::links::{self, Link};
use crate::normalize::{Form, FormBuf, Normalizer, SPACE};
use crate::presets;
use crate::rules::{Action, Exemptions, KindName, RoomId, Rule, RuleKind, Scope, UserId};
use crate::state::{State, fingerprint};
use crate::verdict::{Evidence, Hit, Reason, ReasonCode, Verdict};

/// Longest regex source accepted, in characters.
pub const MAX_REGEX_CHARS: usize = 500;
/// Compiled size limit of one regex (`RegexBuilder::size_limit`).
pub const REGEX_SIZE_LIMIT: usize = 256 * 1024;
/// Lazy-DFA cache limit of one regex (`RegexBuilder::dfa_size_limit`).
pub const REGEX_DFA_LIMIT: usize = 1024 * 1024;
/// Regexes in one rule.
pub const MAX_REGEXES_PER_RULE: usize = 100;
/// Word-list entries over the whole rule set (presets counted once).
pub const MAX_ENTRIES: usize = 200_000;
const MAX_ID_CHARS: usize = 100;
const MAX_WINDOW_SECS: u32 = 7 * 24 * 3600;

/// One message to check, as the server knows it.
#[derive(Clone, Copy, Debug)]
pub struct Input<'a> {
    pub room_id: RoomId,
    pub user_id: UserId,
    /// The author's system role, as stored (`member`, `moderator`, …).
    pub role: &'a str,
    pub text: &'a str,
    pub has_media: bool,
    /// Mentions the server parsed (the engine also counts `@name` in the text; the larger wins).
    pub mentions: u32,
    /// Messages the author has posted in this room before this one.
    pub member_message_count: u64,
    /// When the author joined the room, unix milliseconds.
    pub member_joined_at: i64,
    /// Now, unix milliseconds.
    pub now: i64,
}

/// One join to check (raids).
#[derive(Clone, Copy, Debug)]
pub struct JoinInput<'a> {
    pub room_id: RoomId,
    pub user_id: UserId,
    pub role: &'a str,
    pub now: i64,
}

/// Buffers reused from message to message: one per thread or task. Holding one avoids every
/// allocation on the path of a clean message.
#[derive(Debug, Default)]
pub struct Scratch {
    norm: Normalizer,
    lex: LexScratch,
    plain: String,
    links: Vec<Link>,
    link_buf: String,
    link_map: Vec<usize>,
    done_norm: bool,
    done_lex: bool,
    done_plain: bool,
    done_links: bool,
}

impl Scratch {
    pub fn new() -> Self {
        Self::default()
    }

    fn begin(&mut self) {
        self.done_norm = false;
        self.done_lex = false;
        self.done_plain = false;
        self.done_links = false;
    }

    fn norm(&mut self, text: &str) {
        if !self.done_norm {
            self.norm.run(text);
            self.done_norm = true;
        }
    }

    fn lex(&mut self, text: &str, lexicon: &Lexicon) {
        if !self.done_lex {
            self.norm(text);
            lexicon.scan(&self.norm, &mut self.lex);
            self.done_lex = true;
        }
    }

    fn plain(&mut self, text: &str) {
        if self.done_plain {
            return;
        }
        self.norm(text);
        self.plain.clear();
        self.plain.extend(self.norm.chars.iter().map(|ch| ch.c));
        self.done_plain = true;
    }

    fn links(&mut self, text: &str) {
        if self.done_links {
            return;
        }
        self.plain(text);
        links::find(&self.plain, &mut self.link_buf, &mut self.link_map, &mut self.links);
        self.done_links = true;
    }

    /// Original byte range of a byte range of `plain`.
    /// Walks the cleaned characters (only when a rule fired, so no map is kept per message).
    fn plain_span(&self, start: usize, end: usize) -> Option<(usize, usize)> {
        let mut at = 0;
        let mut s = None;
        for ch in &self.norm.chars {
            let next = at + ch.c.len_utf8();
            if s.is_none() && next > start {
                s = Some(ch.s as usize);
            }
            if next >= end {
                return Some((s?, ch.e as usize));
            }
            at = next;
        }
        None
    }
}

#[derive(Debug)]
struct CompiledRule {
    id: Arc<str>,
    name: Arc<str>,
    kind: Compiled,
    scope: Scope,
    exempt: Exemptions,
    action: Action,
    dry_run: bool,
}

#[derive(Debug)]
enum Compiled {
    Words { lists: Vec<u32> },
    Regex { regexes: Vec<Regex> },
    Links { block_all: bool, allow: Vec<String>, block_invites: bool },
    Mentions { max: u32 },
    Caps { min_letters: u32, max_ratio: f32 },
    Emoji { max: u32 },
    Rate { max: u32, window_ms: i64 },
    Duplicates { min_accounts: u32, window_ms: i64, min_length: u32, near: bool },
    NewMember { min_messages: u32, min_age_ms: i64, links: bool, media: bool },
    JoinWave { max: u32, window_ms: i64 },
    MixedScript { min_words: u32 },
}

impl Compiled {
    fn kind(&self) -> KindName {
        match self {
            Compiled::Words { .. } => KindName::Words,
            Compiled::Regex { .. } => KindName::Regex,
            Compiled::Links { .. } => KindName::Links,
            Compiled::Mentions { .. } => KindName::Mentions,
            Compiled::Caps { .. } => KindName::Caps,
            Compiled::Emoji { .. } => KindName::Emoji,
            Compiled::Rate { .. } => KindName::Rate,
            Compiled::Duplicates { .. } => KindName::Duplicates,
            Compiled::NewMember { .. } => KindName::NewMember,
            Compiled::JoinWave { .. } => KindName::JoinWave,
            Compiled::MixedScript { .. } => KindName::MixedScript,
        }
    }
}

/// A compiled rule set. Immutable and `Send + Sync`: share it (`Arc<Engine>`) and swap it whole
/// when the rules change.
#[derive(Debug)]
pub struct Engine {
    rules: Vec<CompiledRule>,
    lexicon: Lexicon,
    /// Name of each word list: a preset id, or `rule:<id>` for a rule's own words.
    lists: Vec<Arc<str>>,
}

/// Whether a check is for a real message (with state) or for `explain` (stateless, all rules).
enum Mode<'s, 'i> {
    Live(&'s mut State, &'i Input<'i>),
    Explain,
}

impl Engine {
    /// Validates and compiles `rules`. Disabled rules are validated too (an admin saving a
    /// broken rule hears about it) but not compiled.
    pub fn compile(rules: &[Rule]) -> Result<Engine, RuleError> {
        let mut ids: Vec<&str> = Vec::with_capacity(rules.len());
        let mut builder = LexiconBuilder::default();
        let mut lists: Vec<Arc<str>> = Vec::new();
        let mut preset_lists: HashMap<&str, u32> = HashMap::new();
        let mut norm = Normalizer::new();
        let mut entries = 0usize;
        let mut compiled = Vec::new();
        for rule in rules {
            let rid = rule.id.as_str();
            if rid.trim().is_empty() || rid.chars().count() > MAX_ID_CHARS {
                return Err(RuleError::BadId { rule: rule.id.clone() });
            }
            if ids.contains(&rid) {
                return Err(RuleError::DuplicateId { rule: rule.id.clone() });
            }
            ids.push(rid);
            let kind = match &rule.kind {
                RuleKind::Words { presets: names, words } => {
                    if names.is_empty() && words.is_empty() {
                        return Err(RuleError::Empty { rule: rule.id.clone() });
                    }
                    let mut my_lists = Vec::new();
                    for name in names {
                        let preset = presets::get(name)
                            .ok_or_else(|| RuleError::UnknownPreset { rule: rule.id.clone(), preset: name.clone() })?;
                        if !rule.enabled {
                            continue;
                        }
                        let list = match preset_lists.get(preset.id) {
                            Some(&l) => l,
                            None => {
                                let l = lists.len() as u32;
                                lists.push(Arc::from(preset.id));
                                preset_lists.insert(preset.id, l);
                                for e in preset.entries() {
                                    // Presets are checked by a test; a bad line is skipped, not fatal.
                                    if let Ok(parsed) = parse_entry(e, &mut norm) {
                                        builder.add(l, e, parsed, preset.vocabulary);
                                        entries += 1;
                                    }
                                }
                                l
                            }
                        };
                        if !my_lists.contains(&list) {
                            my_lists.push(list);
                        }
                    }
                    if !words.is_empty() {
                        let l = lists.len() as u32;
                        lists.push(Arc::from(format!("rule:{}", rule.id)));
                        for w in words {
                            let parsed = parse_entry(w, &mut norm).map_err(|problem| RuleError::BadEntry {
                                rule: rule.id.clone(),
                                entry: w.clone(),
                                problem,
                            })?;
                            if rule.enabled {
                                builder.add(l, w, parsed, false);
                                entries += 1;
                            }
                        }
                        my_lists.push(l);
                    }
                    if entries > MAX_ENTRIES {
                        return Err(RuleError::TooLarge { reason: format!("more than {MAX_ENTRIES} entries") });
                    }
                    Compiled::Words { lists: my_lists }
                }
                RuleKind::Regex { patterns } => {
                    if patterns.is_empty() {
                        return Err(RuleError::Empty { rule: rule.id.clone() });
                    }
                    if patterns.len() > MAX_REGEXES_PER_RULE {
                        return Err(bad(rule, "patterns", format!("has more than {MAX_REGEXES_PER_RULE} entries")));
                    }
                    let mut regexes = Vec::with_capacity(patterns.len());
                    for p in patterns {
                        regexes.push(compile_regex(&rule.id, p)?);
                    }
                    Compiled::Regex { regexes }
                }
                RuleKind::Links { block_all, allow_domains, block_invites } => {
                    if !block_all && !block_invites {
                        return Err(bad(rule, "block_all", "and block_invites are both off: the rule can never fire"));
                    }
                    let mut allow = Vec::with_capacity(allow_domains.len());
                    for d in allow_domains {
                        let d = d.trim().trim_start_matches("www.").to_lowercase();
                        if d.is_empty() || d.contains(char::is_whitespace) || !d.contains('.') {
                            return Err(bad(rule, "allow_domains", format!("{d:?} is not a domain like example.com")));
                        }
                        allow.push(d);
                    }
                    Compiled::Links { block_all: *block_all, allow, block_invites: *block_invites }
                }
                RuleKind::Mentions { max } => Compiled::Mentions { max: *max },
                RuleKind::Caps { min_letters, max_ratio } => {
                    if !(*max_ratio > 0.0 && *max_ratio < 1.0) {
                        return Err(bad(rule, "max_ratio", "must be between 0 and 1 (exclusive)"));
                    }
                    Compiled::Caps { min_letters: (*min_letters).max(1), max_ratio: *max_ratio }
                }
                RuleKind::Emoji { max } => Compiled::Emoji { max: *max },
                RuleKind::Rate { max_messages, window_secs } => {
                    positive(rule, "max_messages", *max_messages)?;
                    Compiled::Rate { max: *max_messages, window_ms: window(rule, *window_secs)? }
                }
                RuleKind::Duplicates { min_accounts, window_secs, min_length, near } => {
                    if *min_accounts < 2 {
                        return Err(bad(rule, "min_accounts", "must be at least 2"));
                    }
                    Compiled::Duplicates {
                        min_accounts: *min_accounts,
                        window_ms: window(rule, *window_secs)?,
                        min_length: *min_length,
                        near: *near,
                    }
                }
                RuleKind::NewMember { min_messages, min_hours, links, media } => {
                    if *min_messages == 0 && *min_hours == 0 {
                        return Err(bad(rule, "min_messages", "and min_hours are both 0: nobody is new"));
                    }
                    if !links && !media {
                        return Err(bad(rule, "links", "and media are both off: the rule can never fire"));
                    }
                    Compiled::NewMember {
                        min_messages: *min_messages,
                        min_age_ms: i64::from(*min_hours) * 3_600_000,
                        links: *links,
                        media: *media,
                    }
                }
                RuleKind::JoinWave { max_joins, window_secs } => {
                    positive(rule, "max_joins", *max_joins)?;
                    Compiled::JoinWave { max: *max_joins, window_ms: window(rule, *window_secs)? }
                }
                RuleKind::MixedScript { min_words } => Compiled::MixedScript { min_words: (*min_words).max(1) },
            };
            if rule.enabled {
                compiled.push(CompiledRule {
                    id: Arc::from(rule.id.as_str()),
                    name: Arc::from(rule.name.as_str()),
                    kind,
                    scope: rule.scope.clone(),
                    exempt: rule.exempt.clone(),
                    action: rule.action.clone(),
                    dry_run: rule.dry_run,
                });
            }
        }
        let lexicon = builder.build().map_err(|reason| RuleError::TooLarge { reason })?;
        Ok(Engine { rules: compiled, lexicon, lists })
    }

    /// Enabled rules compiled.
    pub fn rule_count(&self) -> usize {
        self.rules.len()
    }

    /// Word-list entries compiled (presets counted once).
    pub fn entry_count(&self) -> usize {
        self.lexicon.patterns.len()
    }

    /// Ids of the enabled rules (for `State::retain_rules`).
    pub fn rule_ids(&self) -> impl Iterator<Item = &str> {
        self.rules.iter().map(|r| &*r.id)
    }

    /// Checks one message against every rule that covers its room and does not exempt its
    /// author, updating the counting rules' state.
    pub fn check(&self, scratch: &mut Scratch, state: &mut State, input: &Input<'_>) -> Verdict {
        scratch.begin();
        let mut verdict = Verdict::default();
        let mut state = Some(state);
        for rule in &self.rules {
            if matches!(rule.kind, Compiled::JoinWave { .. })
                || !rule.scope.covers(input.room_id)
                || rule.exempt.covers(input.role, input.user_id)
            {
                continue;
            }
            let Some(st) = state.take() else { break };
            let mut mode = Mode::Live(st, input);
            self.eval(rule, scratch, input.text, &mut mode, &mut verdict.hits);
            if let Mode::Live(st, _) = mode {
                state = Some(st);
            }
        }
        verdict
    }

    /// Only the text rules, no state, no scope: what `check` would find in `text` alone. For
    /// evaluation and tests.
    pub fn check_text(&self, scratch: &mut Scratch, text: &str) -> Verdict {
        scratch.begin();
        let mut verdict = Verdict::default();
        for rule in &self.rules {
            self.eval(rule, scratch, text, &mut Mode::Explain, &mut verdict.hits);
        }
        verdict
    }

    /// Checks one join against the join-wave rules.
    pub fn check_join(&self, state: &mut State, join: &JoinInput<'_>) -> Verdict {
        let mut verdict = Verdict::default();
        for rule in &self.rules {
            let Compiled::JoinWave { max, window_ms } = rule.kind else { continue };
            if !rule.scope.covers(join.room_id) || rule.exempt.covers(join.role, join.user_id) {
                continue;
            }
            let n = state.join(&rule.id, join.room_id, join.now, window_ms, max);
            if n > max {
                verdict.hits.push(hit(
                    rule,
                    ReasonCode::JoinWave,
                    format!("{n} joins to the room within {} s (limit {max})", window_ms / 1000),
                    Some(Evidence::term(format!("{n} joins"))),
                ));
            }
        }
        verdict
    }

    /// For the "try a message" box: the normalised forms, and every text rule that fires
    /// (scope, exemptions and counting rules aside), each word-list hit on its own.
    pub fn explain(&self, scratch: &mut Scratch, text: &str) -> Explanation {
        scratch.begin();
        scratch.plain(text);
        let mut hits = Vec::new();
        for rule in &self.rules {
            if let Compiled::Words { lists } = &rule.kind {
                scratch.lex(text, &self.lexicon);
                let mut seen = Vec::new();
                for raw in &scratch.lex.hits {
                    if lists.contains(&raw.list) && !seen.contains(&(raw.pattern, raw.word, raw.buf)) {
                        seen.push((raw.pattern, raw.word, raw.buf));
                        hits.push(self.word_hit(rule, scratch, text, raw));
                    }
                }
            } else {
                self.eval(rule, scratch, text, &mut Mode::Explain, &mut hits);
            }
        }
        let n = &scratch.norm;
        let form = |b: &FormBuf| b.decode(0..b.codes.len(), text).trim().to_string();
        Explanation { cleaned: scratch.plain.clone(), ru: form(&n.ru), en: form(&n.en), layout: form(&n.layout), hits }
    }

    fn eval(&self, rule: &CompiledRule, scratch: &mut Scratch, text: &str, mode: &mut Mode, out: &mut Vec<Hit>) {
        match &rule.kind {
            Compiled::Words { lists } => {
                scratch.lex(text, &self.lexicon);
                if let Some(raw) = scratch.lex.hits.iter().find(|h| lists.contains(&h.list)) {
                    let raw = *raw;
                    out.push(self.word_hit(rule, scratch, text, &raw));
                }
            }
            Compiled::Regex { regexes } => {
                scratch.plain(text);
                for re in regexes {
                    if let Some(m) = re.find(&scratch.plain) {
                        let mut ev = Evidence::term(re.as_str());
                        if let Some(span) = scratch.plain_span(m.start(), m.end()) {
                            ev = ev.with_span(text, span);
                        }
                        out.push(hit(rule, ReasonCode::Regex, format!("matches /{}/", re.as_str()), Some(ev)));
                        break;
                    }
                }
            }
            Compiled::Links { block_all, allow, block_invites } => {
                scratch.links(text);
                let found = scratch.links.iter().find_map(|l| {
                    if *block_invites && l.is_invite() {
                        Some((l, ReasonCode::Invite))
                    } else if *block_all && !allow.iter().any(|d| l.within(d)) {
                        Some((l, ReasonCode::Link))
                    } else {
                        None
                    }
                });
                if let Some((l, code)) = found {
                    let what = if code == ReasonCode::Invite { "an invitation to another chat" } else { "a link" };
                    let mut ev = Evidence::term(format!("{}{}", l.host, l.path));
                    if let Some(span) = scratch.plain_span(l.start, l.end) {
                        ev = ev.with_span(text, span);
                    }
                    out.push(hit(rule, code, format!("{what}: {}", l.host), Some(ev)));
                }
            }
            Compiled::Mentions { max } => {
                scratch.norm(text);
                let given = if let Mode::Live(_, input) = mode { input.mentions } else { 0 };
                let n = given.max(scratch.norm.stats.mentions);
                if n > *max {
                    let detail = format!("{n} mentions (limit {max})");
                    out.push(hit(rule, ReasonCode::Mentions, detail, Some(Evidence::term(format!("{n} mentions")))));
                }
            }
            Compiled::Caps { min_letters, max_ratio } => {
                scratch.norm(text);
                let s = scratch.norm.stats;
                if s.letters >= *min_letters && s.upper as f32 > *max_ratio * s.letters as f32 {
                    let pct = 100 * s.upper / s.letters.max(1);
                    let detail = format!("{pct}% capital letters (limit {:.0}%)", max_ratio * 100.0);
                    out.push(hit(rule, ReasonCode::Caps, detail, Some(Evidence::term(format!("{pct}%")))));
                }
            }
            Compiled::Emoji { max } => {
                scratch.norm(text);
                let n = scratch.norm.stats.emoji;
                if n > *max {
                    let detail = format!("{n} emoji (limit {max})");
                    out.push(hit(rule, ReasonCode::Emoji, detail, Some(Evidence::term(format!("{n} emoji")))));
                }
            }
            Compiled::MixedScript { min_words } => {
                scratch.norm(text);
                let s = scratch.norm.stats;
                if s.mixed_words >= *min_words {
                    let mut ev = Evidence::term(format!("{} mixed words", s.mixed_words));
                    if let Some((a, b)) = s.first_mixed {
                        ev = ev.with_span(text, (a as usize, b as usize));
                    }
                    let detail = format!("{} word(s) mix Latin and Cyrillic letters", s.mixed_words);
                    out.push(hit(rule, ReasonCode::MixedScript, detail, Some(ev)));
                }
            }
            Compiled::Rate { max, window_ms } => {
                if let Mode::Live(state, input) = mode {
                    let n = state.rate(&rule.id, input.room_id, input.user_id, input.now, *window_ms, *max);
                    if n > *max {
                        let detail = format!("{n} messages within {} s (limit {max})", window_ms / 1000);
                        out.push(hit(rule, ReasonCode::Rate, detail, Some(Evidence::term(format!("{n} messages")))));
                    }
                }
            }
            Compiled::Duplicates { min_accounts, window_ms, min_length, near } => {
                if let Mode::Live(state, input) = mode {
                    scratch.norm(text);
                    let n = &scratch.norm;
                    let letters: usize = n.ru.words.iter().chain(&n.en.words).map(|w| (w.end - w.start) as usize).sum();
                    if letters < *min_length as usize {
                        return;
                    }
                    let fp = fingerprint(form_words(&n.ru).chain(form_words(&n.en)));
                    let count = state.duplicates(&rule.id, fp, input.user_id, input.now, *window_ms, *near);
                    if count >= *min_accounts {
                        let detail = format!(
                            "the same text from {count} accounts within {} s (limit {})",
                            window_ms / 1000,
                            min_accounts - 1
                        );
                        let ev = Evidence::term(format!("{count} accounts"));
                        out.push(hit(rule, ReasonCode::Duplicate, detail, Some(ev)));
                    }
                }
            }
            Compiled::NewMember { min_messages, min_age_ms, links, media } => {
                let Mode::Live(_, input) = mode else { return };
                let new = input.member_message_count < u64::from(*min_messages)
                    || input.now.saturating_sub(input.member_joined_at) < *min_age_ms;
                if !new {
                    return;
                }
                if *media && input.has_media {
                    let detail = "new members may not post media yet".to_string();
                    out.push(hit(rule, ReasonCode::NewMemberMedia, detail, Some(Evidence::term("media"))));
                    return;
                }
                if *links {
                    scratch.links(text);
                    if let Some(l) = scratch.links.first() {
                        let mut ev = Evidence::term(l.host.clone());
                        if let Some(span) = scratch.plain_span(l.start, l.end) {
                            ev = ev.with_span(text, span);
                        }
                        let detail = "new members may not post links yet".to_string();
                        out.push(hit(rule, ReasonCode::NewMemberLink, detail, Some(ev)));
                    }
                }
            }
            Compiled::JoinWave { .. } => {}
        }
    }

    fn word_hit(&self, rule: &CompiledRule, scratch: &Scratch, text: &str, raw: &crate::lexicon::RawHit) -> Hit {
        let n = &scratch.norm;
        let buf = match raw.buf {
            0 => &n.ru,
            1 => &n.en,
            _ => &n.layout,
        };
        let pattern = &self.lexicon.patterns[raw.pattern as usize];
        let word = buf.words[raw.word as usize];
        // Evidence spans the matched letters, or the whole word when the match is its spaces.
        let (mut s, mut e) = (raw.start as usize, raw.end as usize);
        while s < e && buf.codes[s] == SPACE {
            s += 1;
        }
        if s >= e {
            (s, e) = (word.start as usize, word.end as usize);
        }
        let span = (buf.src[s].0 as usize, buf.src[e - 1].1 as usize);
        let form = match raw.buf {
            0 => Form::Ru,
            1 => Form::En,
            _ => word.form,
        };
        let list = self.lists.get(raw.list as usize).cloned();
        let mut ev = Evidence::term(pattern.source.to_string()).with_span(text, span);
        ev.normalized = Some(buf.decode(word.start as usize..word.end as usize, text));
        ev.form = Some(form);
        ev.list = list.clone();
        let detail = format!(
            "{:?} matches {:?} from {}",
            ev.matched.as_deref().unwrap_or(""),
            &*pattern.source,
            list.as_deref().unwrap_or("the list")
        );
        hit(rule, ReasonCode::WordList, detail, Some(ev))
    }
}

/// What `Engine::explain` shows.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Explanation {
    /// The text after cleaning: compatibility-folded, lowercase, invisible characters removed.
    pub cleaned: String,
    /// The Russian form (`·` where a word has no Russian reading).
    pub ru: String,
    /// The English form.
    pub en: String,
    /// Words typed in the wrong layout, converted.
    pub layout: String,
    pub hits: Vec<Hit>,
}

fn form_words(b: &FormBuf) -> impl Iterator<Item = &[u8]> {
    b.words.iter().map(move |w| &b.codes[w.start as usize..w.end as usize])
}

fn hit(rule: &CompiledRule, code: ReasonCode, detail: String, evidence: Option<Evidence>) -> Hit {
    Hit {
        rule_id: rule.id.clone(),
        rule_name: rule.name.clone(),
        kind: rule.kind.kind(),
        action: rule.action.clone(),
        dry_run: rule.dry_run,
        reason: Reason { code, detail },
        evidence,
    }
}

fn bad(rule: &Rule, field: &'static str, reason: impl Into<String>) -> RuleError {
    RuleError::BadParameter { rule: rule.id.clone(), field, reason: reason.into() }
}

fn positive(rule: &Rule, field: &'static str, v: u32) -> Result<(), RuleError> {
    if v == 0 { Err(bad(rule, field, "must be at least 1")) } else { Ok(()) }
}

fn window(rule: &Rule, secs: u32) -> Result<i64, RuleError> {
    if secs == 0 || secs > MAX_WINDOW_SECS {
        return Err(bad(rule, "window_secs", format!("must be between 1 and {MAX_WINDOW_SECS}")));
    }
    Ok(i64::from(secs) * 1000)
}

/// Compiles one admin regex with the size limits. The `regex` crate runs in time linear in the
/// text whatever the pattern (no backtracking), so the limits bound memory and compile time;
/// the pattern length cap bounds both again.
fn compile_regex(rule: &str, pattern: &str) -> Result<Regex, RuleError> {
    let refuse = |reason: String| RuleError::BadRegex { rule: rule.to_string(), pattern: pattern.to_string(), reason };
    if pattern.trim().is_empty() {
        return Err(refuse("it is empty".into()));
    }
    if pattern.chars().count() > MAX_REGEX_CHARS {
        return Err(refuse(format!("it is longer than {MAX_REGEX_CHARS} characters")));
    }
    RegexBuilder::new(pattern)
        .case_insensitive(true)
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_DFA_LIMIT)
        .nest_limit(32)
        .build()
        .map_err(|e| match e {
            regex::Error::CompiledTooBig(limit) => refuse(format!("it compiles to more than {limit} bytes")),
            other => refuse(other.to_string().lines().last().unwrap_or("invalid syntax").trim().to_string()),
        })
}
