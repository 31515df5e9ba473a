//! The engine through its public API: compile errors, every rule kind, scope, exemptions,
//! dry-run, the winning action, explain, and no panic on any input.

use proptest::prelude::*;
use steward_moderation::presets::default_rules;
use steward_moderation::{
    Action, Engine, EntryProblem, Exemptions, Form, Input, JoinInput, KindName, ReasonCode, Rule, RuleError, RuleKind,
    Scope, Scratch, State, StateLimits,
};

fn rule(id: &str, kind: RuleKind, action: Action) -> Rule {
    Rule {
        id: id.into(),
        name: format!("rule {id}"),
        kind,
        scope: Scope::All,
        exempt: Exemptions::default(),
        action,
        dry_run: false,
        enabled: true,
    }
}

fn words(presets: &[&str], entries: &[&str]) -> RuleKind {
    RuleKind::Words {
        presets: presets.iter().map(|s| s.to_string()).collect(),
        words: entries.iter().map(|s| s.to_string()).collect(),
    }
}

fn input(text: &str) -> Input<'_> {
    Input {
        room_id: 1,
        user_id: 10,
        role: "member",
        text,
        has_media: false,
        mentions: 0,
        member_message_count: 50,
        member_joined_at: 0,
        now: 1_000_000_000,
    }
}

fn fired(engine: &Engine, text: &str) -> Vec<String> {
    let mut scratch = Scratch::new();
    engine.check_text(&mut scratch, text).hits.iter().map(|h| h.rule_id.to_string()).collect()
}

#[test]
fn compile_errors_name_the_rule_and_the_reason() {
    let err =
        Engine::compile(&[rule("re", RuleKind::Regex { patterns: vec!["(a".into()] }, Action::Hold)]).unwrap_err();
    assert!(matches!(&err, RuleError::BadRegex { rule, pattern, .. } if rule == "re" && pattern == "(a"), "{err}");
    assert_eq!(err.code(), "bad_regex");
    assert!(err.to_string().contains("re"), "{err}");

    let big = "(?:a{1000}){1000}".to_string();
    let err = Engine::compile(&[rule("big", RuleKind::Regex { patterns: vec![big] }, Action::Hold)]).unwrap_err();
    assert!(matches!(err, RuleError::BadRegex { .. }), "{err}");

    let long = "a".repeat(501);
    let err = Engine::compile(&[rule("long", RuleKind::Regex { patterns: vec![long] }, Action::Hold)]).unwrap_err();
    assert!(err.to_string().contains("longer than 500"), "{err}");

    let err = Engine::compile(&[rule("w", words(&[], &["ok", "*"]), Action::Hold)]).unwrap_err();
    assert_eq!(err, RuleError::BadEntry { rule: "w".into(), entry: "*".into(), problem: EntryProblem::Empty });

    let err = Engine::compile(&[rule("p", words(&["nope"], &[]), Action::Hold)]).unwrap_err();
    assert_eq!(err, RuleError::UnknownPreset { rule: "p".into(), preset: "nope".into() });

    let err = Engine::compile(&[rule("e", words(&[], &[]), Action::Hold)]).unwrap_err();
    assert_eq!(err.code(), "empty_rule");

    let dup = [rule("d", words(&[], &["x1"]), Action::Hold), rule("d", words(&[], &["y1"]), Action::Hold)];
    assert_eq!(Engine::compile(&dup).unwrap_err(), RuleError::DuplicateId { rule: "d".into() });

    let err = Engine::compile(&[rule(
        "c",
        RuleKind::Caps { min_letters: 5, max_ratio: 1.5 },
        Action::Warn { message: String::new() },
    )])
    .unwrap_err();
    assert!(matches!(err, RuleError::BadParameter { field: "max_ratio", .. }), "{err}");

    let err =
        Engine::compile(&[rule("r", RuleKind::Rate { max_messages: 5, window_secs: 0 }, Action::Hold)]).unwrap_err();
    assert!(matches!(err, RuleError::BadParameter { field: "window_secs", .. }), "{err}");
}

#[test]
fn a_disabled_rule_is_validated_but_not_run() {
    let mut r = rule("w", words(&[], &["плохо"]), Action::Hold);
    r.enabled = false;
    let engine = Engine::compile(std::slice::from_ref(&r)).unwrap();
    assert!(fired(&engine, "плохо").is_empty());
    r.kind = words(&[], &["  "]);
    assert!(Engine::compile(&[r]).is_err());
}

#[test]
fn words_rule_evidence_points_into_the_original() {
    let engine = Engine::compile(&default_rules()).unwrap();
    let mut scratch = Scratch::new();
    let text = "ну ты х.у.й, а не админ";
    let v = engine.check_text(&mut scratch, text);
    let hit = &v.hits[0];
    assert_eq!(&*hit.rule_id, "abuse");
    assert_eq!(hit.kind, KindName::Words);
    assert_eq!(hit.reason.code, ReasonCode::WordList);
    let ev = hit.evidence.as_ref().unwrap();
    assert_eq!(ev.matched.as_deref(), Some("х.у.й"));
    assert_eq!(ev.normalized.as_deref(), Some("хуй"));
    assert_eq!(ev.form, Some(Form::Ru));
    assert_eq!(ev.list.as_deref(), Some("ru_obscene"));
    let (s, e) = ev.span.unwrap();
    assert_eq!(&text[s..e], "х.у.й");
}

#[test]
fn obfuscations_are_caught_and_scunthorpe_is_not() {
    let engine = Engine::compile(&default_rules()).unwrap();
    for bad in [
        "xуйня",
        "х у й",
        "х_у_й",
        "хууууй",
        "п1здец",
        "бл@ть",
        "ху\u{200b}йня",
        "'nj [eqyz",
        ",kznm",
        "ｆｕｃｋ",
        "f.u.c.k",
        "fuuuuck",
        "sh1t",
        "a$$hole",
        "motherf*cker",
        "агсл",
        "заработок без вложений",
        "crypto giveaway!",
    ] {
        assert!(!fired(&engine, bad).is_empty(), "{bad}");
    }
    for good in [
        "употреблять",
        "оскорбление",
        "рубля",
        "корабля",
        "застрахуйте",
        "хлебать",
        "мандарин",
        "мандат",
        "командировка",
        "класс",
        "assassin",
        "Scunthorpe",
        "скипидар",
        "психиатр",
        "тебя",
        "ребята",
        "hello",
        "cocktail",
        "Essex",
        "therapist",
        "документ",
        "небо",
        "ребёнок",
        "потребление",
        "влюблять",
        "требую",
        "гребля",
        "колеблется",
        "я и ты",
        "в у е",
        "shiitake",
    ] {
        assert!(fired(&engine, good).is_empty(), "{good}: {:?}", fired(&engine, good));
    }
}

#[test]
fn admin_keywords_wildcards_and_regex() {
    let engine = Engine::compile(&[
        rule("kw", words(&[], &["спам*", "*coin", "sp*m"]), Action::Delete),
        rule("re", RuleKind::Regex { patterns: vec![r"\d{4} ?\d{4} ?\d{4} ?\d{4}".into()] }, Action::Hold),
    ])
    .unwrap();
    assert_eq!(fired(&engine, "тут спамеры"), ["kw"]);
    assert_eq!(fired(&engine, "buy dogecoin"), ["kw"]);
    assert_eq!(fired(&engine, "spaaaam"), ["kw"]);
    assert_eq!(fired(&engine, "card 1234 5678 9012 3456"), ["re"]);
    assert!(fired(&engine, "antispam coins").is_empty());
}

#[test]
fn links_invites_and_allow_list() {
    let engine = Engine::compile(&[rule(
        "links",
        RuleKind::Links { block_all: true, allow_domains: vec!["steward.example".into()], block_invites: true },
        Action::Delete,
    )])
    .unwrap();
    let mut scratch = Scratch::new();
    let code = |text: &str, scratch: &mut Scratch| engine.check_text(scratch, text).hits.first().map(|h| h.reason.code);
    assert_eq!(code("see https://docs.steward.example/faq", &mut scratch), None);
    assert_eq!(code("see spam dot com", &mut scratch), Some(ReasonCode::Link));
    assert_eq!(code("join t . me/+AbCd", &mut scratch), Some(ReasonCode::Invite));
    assert_eq!(code("discord.gg/raid", &mut scratch), Some(ReasonCode::Invite));
    assert_eq!(code("конец. Me too", &mut scratch), None);
    let v = engine.check_text(&mut scratch, "go to Spam.com now");
    let ev = v.hits[0].evidence.as_ref().unwrap();
    assert_eq!(ev.matched.as_deref(), Some("Spam.com"));
}

#[test]
fn floods_caps_emoji_mentions_mixed_script() {
    let engine = Engine::compile(&[
        rule("mentions", RuleKind::Mentions { max: 3 }, Action::Hold),
        rule("caps", RuleKind::Caps { min_letters: 10, max_ratio: 0.7 }, Action::Warn { message: "тише".into() }),
        rule("emoji", RuleKind::Emoji { max: 5 }, Action::Delete),
        rule("mixed", RuleKind::MixedScript { min_words: 1 }, Action::Alert),
    ])
    .unwrap();
    assert_eq!(fired(&engine, "@a1 @b2 @c3 @d4 hi"), ["mentions"]);
    assert_eq!(fired(&engine, "ПОЧЕМУ НЕ РАБОТАЕТ"), ["caps"]);
    assert!(fired(&engine, "OK").is_empty(), "too short for caps");
    assert_eq!(fired(&engine, "😀😀😀😀😀😀"), ["emoji"]);
    assert_eq!(fired(&engine, "рaураl"), ["mixed"]);
    assert!(fired(&engine, "обычный текст and English").is_empty());
    // The server's mention count counts too.
    let mut scratch = Scratch::new();
    let mut state = State::new(StateLimits::default());
    let mut i = input("hi all");
    i.mentions = 7;
    assert_eq!(engine.check(&mut scratch, &mut state, &i).hits[0].reason.code, ReasonCode::Mentions);
}

#[test]
fn rate_duplicates_new_members_and_raids() {
    let engine = Engine::compile(&[
        rule("rate", RuleKind::Rate { max_messages: 3, window_secs: 10 }, Action::Mute { seconds: 60 }),
        rule(
            "waves",
            RuleKind::Duplicates { min_accounts: 3, window_secs: 60, min_length: 10, near: true },
            Action::Ban { seconds: None },
        ),
        rule(
            "new",
            RuleKind::NewMember { min_messages: 5, min_hours: 24, links: true, media: true },
            Action::Block { message: "Подождите сутки".into() },
        ),
        rule("raid", RuleKind::JoinWave { max_joins: 3, window_secs: 10 }, Action::SlowMode { seconds: 30 }),
    ])
    .unwrap();
    let mut scratch = Scratch::new();
    let mut state = State::new(StateLimits::default());
    let now = 1_000_000_000;
    let codes = |v: steward_moderation::Verdict| v.hits.iter().map(|h| h.reason.code).collect::<Vec<_>>();

    for k in 0..3 {
        let mut i = input("message");
        i.now = now + k;
        assert!(codes(engine.check(&mut scratch, &mut state, &i)).is_empty());
    }
    let mut i = input("message");
    i.now = now + 3;
    assert_eq!(codes(engine.check(&mut scratch, &mut state, &i)), [ReasonCode::Rate]);

    let spam = "Заработок от 5000 рублей в день, пиши мне";
    for user in 20..22 {
        let mut i = input(spam);
        i.user_id = user;
        assert!(codes(engine.check(&mut scratch, &mut state, &i)).is_empty());
    }
    let mut i = input("Заработок от 7000 рублей в день, пиши мне!!!");
    i.user_id = 22;
    let v = engine.check(&mut scratch, &mut state, &i);
    assert_eq!(codes(v.clone()), [ReasonCode::Duplicate]);
    assert_eq!(v.action(), Some(&Action::Ban { seconds: None }));

    let mut i = input("see example.com");
    i.user_id = 30;
    i.member_message_count = 1;
    i.member_joined_at = now - 1000;
    assert_eq!(codes(engine.check(&mut scratch, &mut state, &i)), [ReasonCode::NewMemberLink]);
    i.text = "photo";
    i.has_media = true;
    assert_eq!(codes(engine.check(&mut scratch, &mut state, &i)), [ReasonCode::NewMemberMedia]);
    i.member_message_count = 10;
    i.member_joined_at = now - 48 * 3_600_000;
    assert!(codes(engine.check(&mut scratch, &mut state, &i)).is_empty());

    for k in 0..3 {
        let j = JoinInput { room_id: 5, user_id: 100 + k, role: "member", now: now + k };
        assert!(engine.check_join(&mut state, &j).is_clean());
    }
    let j = JoinInput { room_id: 5, user_id: 200, role: "member", now: now + 5 };
    assert_eq!(codes(engine.check_join(&mut state, &j)), [ReasonCode::JoinWave]);
    let j = JoinInput { room_id: 6, user_id: 201, role: "member", now: now + 5 };
    assert!(engine.check_join(&mut state, &j).is_clean());
}

#[test]
fn scope_exemptions_dry_run_and_the_winning_action() {
    let mut scoped = rule("scoped", words(&[], &["плохо"]), Action::Kick);
    scoped.scope = Scope::Rooms(vec![2]);
    let mut exempt = rule("exempt", words(&[], &["плохо"]), Action::Mute { seconds: 600 });
    exempt.exempt = Exemptions { roles: vec!["moderator".into()], users: vec![11] };
    let mut dry = rule("dry", words(&[], &["плохо"]), Action::Ban { seconds: None });
    dry.dry_run = true;
    let warn = rule("warn", words(&[], &["плохо"]), Action::Warn { message: String::new() });
    let engine = Engine::compile(&[scoped, exempt, dry, warn]).unwrap();
    let mut scratch = Scratch::new();
    let mut state = State::new(StateLimits::default());

    let v = engine.check(&mut scratch, &mut state, &input("плохо"));
    let ids: Vec<&str> = v.hits.iter().map(|h| &*h.rule_id).collect();
    assert_eq!(ids, ["exempt", "dry", "warn"]);
    assert_eq!(&*v.decisive().unwrap().rule_id, "exempt", "dry-run never wins");
    assert!(v.action().unwrap().stops_message());

    let mut i = input("плохо");
    i.role = "moderator";
    i.room_id = 2;
    let v = engine.check(&mut scratch, &mut state, &i);
    let ids: Vec<&str> = v.hits.iter().map(|h| &*h.rule_id).collect();
    assert_eq!(ids, ["scoped", "dry", "warn"]);
    assert_eq!(v.action(), Some(&Action::Kick));

    let mut i = input("плохо");
    i.user_id = 11;
    let v = engine.check(&mut scratch, &mut state, &i);
    assert_eq!(v.action(), Some(&Action::Warn { message: String::new() }));
}

#[test]
fn explain_shows_the_forms_and_every_hit() {
    let engine = Engine::compile(&default_rules()).unwrap();
    let mut scratch = Scratch::new();
    let e = engine.explain(&mut scratch, "Ghbdtn, xуйня и sh1t");
    assert_eq!(e.ru, "· хуйня и ·");
    assert_eq!(e.en, "ghbdtn xyuhя · shit");
    assert!(e.layout.starts_with("привет"), "{}", e.layout);
    let terms: Vec<&str> = e.hits.iter().filter_map(|h| h.evidence.as_ref()).map(|ev| ev.term.as_str()).collect();
    assert!(terms.contains(&"~хуй*") && terms.contains(&"shit*"), "{terms:?}");
    let json = serde_json::to_value(&e).unwrap();
    assert_eq!(json["hits"][0]["reason"]["code"], "word_list");
}

#[test]
fn rules_round_trip_through_json() {
    let rules = default_rules();
    let json = serde_json::to_string(&rules).unwrap();
    let back: Vec<Rule> = serde_json::from_str(&json).unwrap();
    assert_eq!(back, rules);
    let presets = serde_json::to_value(steward_moderation::presets::PRESETS).unwrap();
    assert_eq!(presets[0]["id"], "ru_obscene");
}

#[test]
fn huge_and_hostile_inputs() {
    let engine = Engine::compile(&default_rules()).unwrap();
    let mut scratch = Scratch::new();
    for text in [
        "еб".repeat(300_000),
        "х ".repeat(200_000),
        "\u{200b}".repeat(100_000),
        "a\u{301}".repeat(100_000),
        "[.]".repeat(100_000),
        "*".repeat(100_000),
        "😀".repeat(100_000),
    ] {
        let _ = engine.check_text(&mut scratch, &text);
        let head: String = text.chars().take(2000).collect();
        let _ = engine.explain(&mut scratch, &head);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn never_panics(text in "\\PC{0,200}", raw in proptest::collection::vec(any::<char>(), 0..100)) {
        let engine = Engine::compile(&default_rules()).unwrap();
        let mut scratch = Scratch::new();
        let raw: String = raw.into_iter().collect();
        for t in [&text, &raw] {
            let v = engine.check_text(&mut scratch, t);
            for h in &v.hits {
                if let Some((s, e)) = h.evidence.as_ref().and_then(|ev| ev.span) {
                    prop_assert!(s <= e && e <= t.len() && t.is_char_boundary(s) && t.is_char_boundary(e));
                }
            }
            let _ = engine.explain(&mut scratch, t);
        }
    }

    #[test]
    fn admin_entries_never_panic(entry in "\\PC{0,30}") {
        let _ = Engine::compile(&[rule("w", words(&[], &[&entry]), Action::Hold)]);
        let _ = Engine::compile(&[rule("r", RuleKind::Regex { patterns: vec![entry.clone()] }, Action::Hold)]);
    }
}
