//! `steward-bench moderation`: messages per second through the moderation engine on one thread,
//! against a bare Aho-Corasick scan of the same patterns over the raw lowercased text, in the
//! same run. Patterns: the built-in presets plus generated keyword entries (exact words, stems,
//! suffixes, phrases, Russian and English) up to 10,000. Messages: a deterministic corpus of
//! chat lines, Russian, English and mixed, mostly clean, some abusive and obfuscated, some with
//! links, mentions and emoji.

use std::time::Instant;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use steward_moderation::{Action, Engine, Exemptions, Input, Rule, RuleKind, Scope, Scratch, State, StateLimits};

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, v: &[&'a str]) -> &'a str {
        v[self.below(v.len())]
    }
}

const RU_SYL: &[&str] = &[
    "ка", "ло", "ра", "ми", "ту", "зе", "про", "ва", "ни", "ско", "ол", "ен", "да", "ре", "бо", "ку", "сте", "жа",
    "ти", "ну", "пол", "гра", "сви", "мо",
];
const EN_SYL: &[&str] = &[
    "ba", "lo", "ter", "mi", "con", "ex", "pro", "ra", "ni", "sto", "ul", "en", "da", "re", "bo", "ku", "ste", "ja",
    "ti", "nu", "pol", "gra", "vi", "mo",
];
const RU_WORDS: &[&str] = &[
    "привет",
    "заказ",
    "доставка",
    "спасибо",
    "когда",
    "будет",
    "где",
    "мой",
    "сегодня",
    "завтра",
    "оплата",
    "курьер",
    "вопрос",
    "помогите",
    "пожалуйста",
    "работает",
    "не",
    "и",
    "в",
    "на",
    "с",
    "уже",
    "третий",
    "день",
    "жду",
    "ответ",
    "оператор",
    "товар",
    "размер",
    "вернуть",
    "деньги",
    "скидка",
    "приложение",
    "ошибка",
    "после",
    "обновления",
    "команда",
    "отлично",
    "хорошо",
    "ребята",
    "тебя",
    "рубля",
    "хлеба",
    "употреблять",
    "мудрость",
    "мандарины",
];
const EN_WORDS: &[&str] = &[
    "hello",
    "order",
    "delivery",
    "thanks",
    "when",
    "will",
    "where",
    "my",
    "today",
    "tomorrow",
    "payment",
    "courier",
    "question",
    "help",
    "please",
    "works",
    "not",
    "and",
    "in",
    "on",
    "with",
    "already",
    "third",
    "day",
    "waiting",
    "reply",
    "support",
    "item",
    "size",
    "return",
    "money",
    "discount",
    "app",
    "error",
    "after",
    "update",
    "team",
    "great",
    "fine",
    "guys",
    "class",
    "assassin",
    "cocktail",
    "therapist",
    "Scunthorpe",
    "analysis",
];
const ABUSE: &[&str] = &[
    "хуйня",
    "xуйня",
    "х у й",
    "п1здец",
    "бл@ть",
    "сука",
    "сyка",
    "заебали",
    "мудак",
    ",kznm",
    "fuck",
    "f.u.c.k",
    "sh1t",
    "fuuuck",
    "asshole",
    "b1tch",
    "пи3дец",
    "ху\u{200b}йня",
    "долбоёб",
    "motherf*cker",
];
const EXTRAS: &[&str] = &[
    "https://example.com/page",
    "t.me/+AbCdEf",
    "@ivan",
    "@olga @mike",
    "😀",
    "🔥🔥",
    "СРОЧНО",
    "шоп dot ru",
    "discord.gg/xyz",
];

fn word(rng: &mut Rng, syl: &[&str]) -> String {
    let n = 2 + rng.below(3);
    (0..n).map(|_| rng.pick(syl)).collect()
}

/// The presets' entries plus generated ones, `total` in all, as a single words rule's entries.
fn generated_entries(rng: &mut Rng, total: usize) -> Vec<String> {
    let preset_entries: usize = steward_moderation::presets::PRESETS.iter().map(|p| p.entries().count()).sum();
    let mut out = Vec::with_capacity(total);
    let mut seen = std::collections::HashSet::new();
    while out.len() + preset_entries < total {
        let syl = if rng.below(2) == 0 { RU_SYL } else { EN_SYL };
        let w = word(rng, syl);
        let entry = match rng.below(20) {
            0..=9 => w,
            10..=14 => format!("{w}*"),
            15..=16 => format!("*{w}"),
            _ => format!("{w} {}", word(rng, syl)),
        };
        if seen.insert(entry.clone()) {
            out.push(entry);
        }
    }
    out
}

fn corpus(rng: &mut Rng, n: usize) -> Vec<String> {
    (0..n)
        .map(|_| {
            let lang = rng.below(10);
            let len = 3 + rng.below(12);
            let mut parts: Vec<String> = (0..len)
                .map(|_| {
                    let words = if lang < 5 || (lang == 9 && rng.below(2) == 0) { RU_WORDS } else { EN_WORDS };
                    rng.pick(words).to_string()
                })
                .collect();
            if rng.below(100) < 6 {
                let at = rng.below(parts.len());
                parts.insert(at, rng.pick(ABUSE).to_string());
            }
            if rng.below(100) < 15 {
                parts.push(rng.pick(EXTRAS).to_string());
            }
            let mut s = parts.join(" ");
            if rng.below(4) == 0 {
                s.push(['.', '!', '?'][rng.below(3)]);
            }
            s
        })
        .collect()
}

fn rules(entries: Vec<String>, counting: bool) -> Vec<Rule> {
    let rule = |id: &str, kind: RuleKind| Rule {
        id: id.into(),
        name: id.into(),
        kind,
        scope: Scope::All,
        exempt: Exemptions { roles: vec!["moderator".into()], users: vec![] },
        action: Action::Hold,
        dry_run: false,
        enabled: true,
    };
    let presets = steward_moderation::presets::PRESETS.iter().map(|p| p.id.to_string()).collect();
    let mut rules = vec![
        rule("words", RuleKind::Words { presets, words: entries }),
        rule(
            "regex",
            RuleKind::Regex {
                patterns: vec![r"\d{4}[ -]?\d{4}[ -]?\d{4}[ -]?\d{4}".into(), r"(?:viagra|cialis)\w*".into()],
            },
        ),
        rule(
            "links",
            RuleKind::Links { block_all: true, allow_domains: vec!["example.com".into()], block_invites: true },
        ),
        rule("mentions", RuleKind::Mentions { max: 5 }),
        rule("caps", RuleKind::Caps { min_letters: 10, max_ratio: 0.7 }),
        rule("emoji", RuleKind::Emoji { max: 10 }),
        rule("mixed", RuleKind::MixedScript { min_words: 1 }),
    ];
    if counting {
        rules.push(rule("rate", RuleKind::Rate { max_messages: 10, window_secs: 10 }));
        rules
            .push(rule("waves", RuleKind::Duplicates { min_accounts: 3, window_secs: 60, min_length: 20, near: true }));
    }
    rules
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn measure(runs: usize, messages: usize, mut f: impl FnMut(usize) -> usize) -> (f64, usize) {
    let mut rates = Vec::with_capacity(runs);
    let mut flagged = 0;
    for _ in 0..runs {
        let t = Instant::now();
        flagged = 0;
        for i in 0..messages {
            flagged += f(i);
        }
        rates.push(messages as f64 / t.elapsed().as_secs_f64());
    }
    (median(rates), flagged)
}

pub fn run(patterns: usize, messages: usize, runs: usize) -> anyhow::Result<()> {
    let mut rng = Rng(0x5eed_cafe_f00d_d00d);
    let entries = generated_entries(&mut rng, patterns);
    let corpus = corpus(&mut rng, 20_000);
    let avg = corpus.iter().map(String::len).sum::<usize>() / corpus.len();

    // Baseline: the same entries, wildcards and markers stripped, raw lowercased text.
    let mut raw: Vec<String> = Vec::with_capacity(patterns);
    for p in steward_moderation::presets::PRESETS {
        raw.extend(p.entries().map(|e| e.trim_matches(['*', '~', '!']).to_lowercase()));
    }
    raw.extend(entries.iter().map(|e| e.trim_matches(['*', '~', '!']).to_lowercase()));
    raw.retain(|e| !e.is_empty());
    raw.sort();
    raw.dedup();
    let t = Instant::now();
    let ac = AhoCorasick::builder()
        .match_kind(MatchKind::Standard)
        .kind(Some(AhoCorasickKind::DFA))
        .dense_depth(3)
        .build(&raw)?;
    let ac_build = t.elapsed();
    let t = Instant::now();
    let text_engine = Engine::compile(&rules(entries.clone(), false))?;
    let engine_build = t.elapsed();
    let full_engine = Engine::compile(&rules(entries, true))?;

    println!(
        "moderation: {} entries ({} in the baseline automaton), {} corpus messages of {avg} bytes on average, {messages} messages a run, median of {runs}, one thread",
        text_engine.entry_count(),
        raw.len(),
        corpus.len()
    );
    println!(
        "  build                {:.0} ms baseline automaton, {:.0} ms engine",
        ac_build.as_secs_f64() * 1e3,
        engine_build.as_secs_f64() * 1e3
    );

    let mut lower = String::new();
    let (base, base_hits) = measure(runs, messages, |i| {
        let text = &corpus[i % corpus.len()];
        lower.clear();
        lower.extend(text.chars().flat_map(char::to_lowercase));
        usize::from(ac.find_overlapping_iter(&lower).count() > 0)
    });
    println!("  baseline             {base:.0} messages/s (lowercase + Aho-Corasick, {base_hits} with a hit)");

    let mut scratch = Scratch::new();
    let (text_rate, text_flagged) = measure(runs, messages, |i| {
        let text = &corpus[i % corpus.len()];
        usize::from(!text_engine.check_text(&mut scratch, text).is_clean())
    });
    println!(
        "  engine, text rules   {text_rate:.0} messages/s ({:.2} of baseline; {text_flagged} flagged)",
        text_rate / base
    );

    let mut state = State::new(StateLimits::default());
    let mut now = 1_700_000_000_000i64;
    let (full_rate, full_flagged) = measure(runs, messages, |i| {
        let text = &corpus[i % corpus.len()];
        now += 3;
        let input = Input {
            room_id: (i % 50) as i64,
            user_id: (i % 5000) as i64,
            role: "member",
            text,
            has_media: false,
            mentions: 0,
            member_message_count: 100,
            member_joined_at: 0,
            now,
        };
        usize::from(!full_engine.check(&mut scratch, &mut state, &input).is_clean())
    });
    println!(
        "  engine, all rules    {full_rate:.0} messages/s ({:.2} of baseline; {full_flagged} flagged; + rate and spam-wave state)",
        full_rate / base
    );
    Ok(())
}
