//! Behaviour of the matcher on the development knowledge base: table-driven checks of what the
//! bot does with a question, and invariants over arbitrary input.

use std::sync::OnceLock;

use proptest::prelude::*;
use steward_faq::{Config, Entry, HandOverReason, Index, Lang, Outcome, Status, Synonyms};

fn index() -> &'static Index {
    static INDEX: OnceLock<Index> = OnceLock::new();
    INDEX.get_or_init(|| {
        let kb = include_str!("../eval/dev/kb.json");
        let entries = steward_faq::entries_from_json(kb).expect("the dev knowledge base parses");
        Index::build(&entries, &Synonyms::builtin(), Config::default())
    })
}

/// `expect`: an entry id to answer with, `suggest`, `human`, `low` or `empty`.
fn check(question: &str, expect: &str) {
    let outcome = index().ask(question, None);
    let got = match &outcome {
        Outcome::Answer { entry, .. } => entry.id.clone(),
        Outcome::Suggest { .. } => "suggest".into(),
        Outcome::HandOver { reason: HandOverReason::HumanRequested } => "human".into(),
        Outcome::HandOver { reason: HandOverReason::LowConfidence } => "low".into(),
        Outcome::HandOver { reason: HandOverReason::Empty } => "empty".into(),
    };
    assert_eq!(got, expect, "{question:?} → {outcome:?}");
}

#[test]
fn answers_paraphrases_typos_layouts_and_slang() {
    for (question, expect) in [
        ("Как вернуть товар?", "return_policy"),
        ("rfr dthyenm njdfh", "return_policy"),
        ("как оформить возрат", "return_policy"),
        ("хочу вернуть куртку", "return_policy"),
        ("скоко дней везёте заказ", "delivery_time"),
        ("когда привезут мою посылку?", "delivery_time"),
        ("цена доставки", "delivery_cost"),
        ("pfsk gfhjkm", "account_password"),
        ("forgot my pasword", "account_password"),
        ("wheres my package", "order_status"),
        ("how many days for shipping", "delivery_time"),
        ("how much is shipping", "delivery_cost"),
        ("можно заплатить наличными?", "payment_methods"),
    ] {
        check(question, expect);
    }
}

#[test]
fn hands_over_on_request_even_with_typos_or_wrong_layout() {
    for question in [
        "оператор",
        "позовите оператора",
        "позовите менеджера",
        "хочу поговорить с живым человеком",
        "опертор",
        "jgthfnjh",
        "human",
        "can I talk to a human please",
        "talk to a person",
        "agent please",
        "get me a real person",
        "talk to someone",
        "позовите кого-нибудь",
    ] {
        check(question, "human");
    }
    // Mentioning a person is not asking for one when the question is about something we answer.
    check("ты бот или живой человек? чем бот отличается от админа", "chatbot_vs_admin");
    // "people" names a person only next to a request verb.
    assert_ne!(
        index().ask("add people to my order", None),
        Outcome::HandOver { reason: HandOverReason::HumanRequested }
    );
}

#[test]
fn the_index_can_be_shared_between_threads() {
    fn shared<T: Send + Sync>() {}
    shared::<Index>();
    let answers: Vec<bool> = std::thread::scope(|s| {
        let handles: Vec<_> =
            (0..4).map(|_| s.spawn(|| matches!(index().ask("цена доставки", None), Outcome::Answer { .. }))).collect();
        handles.into_iter().map(|h| h.join().unwrap_or(false)).collect()
    });
    assert_eq!(answers, [true; 4]);
}

#[test]
fn hands_over_when_nothing_fits() {
    check("какая погода завтра в Питере?", "low");
    check("у вас есть вакансии?", "low");
    check("what's the meaning of life", "low");
    check("", "empty");
    check("   ?!  ", "empty");
    check("здравствуйте, спасибо", "empty");
}

#[test]
fn answers_in_the_question_language() {
    let Outcome::Answer { entry, .. } = index().ask("how do I cancel my order", None) else { panic!("no answer") };
    assert_eq!((entry.id.as_str(), entry.lang), ("cancel_order", Lang::En));
    let Outcome::Answer { entry, .. } = index().ask("как отменить заказ", None) else {
        panic!("no answer")
    };
    assert_eq!((entry.id.as_str(), entry.lang), ("cancel_order", Lang::Ru));
}

#[test]
fn rank_gives_one_entry_per_topic_best_first() {
    let ranked = index().rank("доставка", 5);
    assert!(ranked.len() >= 2, "{ranked:?}");
    assert!(ranked.windows(2).all(|w| w[0].score >= w[1].score));
    let mut ids: Vec<_> = ranked.iter().map(|s| s.entry.id.as_str()).collect();
    ids.dedup();
    assert_eq!(ids.len(), ranked.len());
    assert!(ranked.iter().all(|s| s.entry.id.starts_with("delivery") || s.score < ranked[0].score));
}

#[test]
fn admin_synonyms_and_drafts() {
    let entry = |id: &str, q: &str, status| Entry {
        id: id.into(),
        lang: Lang::Ru,
        questions: vec![q.into()],
        answer: "…".into(),
        category: String::new(),
        status,
    };
    let entries =
        vec![entry("bonus", "Как потратить баллы?", Status::Published), entry("draft", "Черновик", Status::Draft)];
    let plain = Index::build(&entries, &Synonyms::empty(), Config::default());
    assert!(!matches!(plain.ask("куда потратить кэшбэк", None), Outcome::Answer { .. }));
    let mut synonyms = Synonyms::empty();
    synonyms.add_group(&["баллы", "кэшбэк", "бонусы"]);
    let with = Index::build(&entries, &synonyms, Config::default());
    assert!(matches!(with.ask("куда потратить кэшбэк", None), Outcome::Answer { entry, .. } if entry.id == "bonus"));
    assert_eq!(with.entries().len(), 1, "drafts are not indexed by default");
    let preview = Index::build(&entries, &synonyms, Config { include_drafts: true, ..Config::default() });
    assert_eq!(preview.entries().len(), 2);
}

#[test]
fn thresholds_change_without_rebuild() {
    let mut ix = Index::build(
        &steward_faq::entries_from_json(include_str!("../eval/dev/kb.json")).expect("parses"),
        &Synonyms::builtin(),
        Config::default(),
    );
    assert!(matches!(ix.ask("цена доставки", None), Outcome::Answer { .. }));
    ix.set_thresholds(1.01, 0.0, 1.01);
    assert!(matches!(ix.ask("цена доставки", None), Outcome::HandOver { reason: HandOverReason::LowConfidence }));
}

#[test]
fn empty_knowledge_base_hands_over() {
    let ix = Index::build(&[], &Synonyms::builtin(), Config::default());
    assert!(matches!(ix.ask("где мой заказ", None), Outcome::HandOver { reason: HandOverReason::LowConfidence }));
    assert!(ix.rank("где мой заказ", 3).is_empty());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_text_gets_an_outcome_with_sane_scores(question in "\\PC{0,200}") {
        match index().ask(&question, None) {
            Outcome::Answer { confidence, .. } => prop_assert!((0.0..=1.0).contains(&confidence)),
            Outcome::Suggest { alternatives } => {
                prop_assert!(!alternatives.is_empty());
                prop_assert!(alternatives.iter().all(|s| (0.0..=1.0).contains(&s.score)));
            }
            Outcome::HandOver { .. } => {}
        }
        for s in index().rank(&question, 3) {
            prop_assert!(s.score.is_finite() && (0.0..=1.0).contains(&s.score));
        }
    }

    /// Architecture invariant: a request for a person is never answered from the FAQ, whatever
    /// else the message says.
    #[test]
    fn a_request_for_a_person_always_hands_over(
        before in prop::sample::select(vec!["", "где мой заказ,", "how much is shipping?", "цена доставки", "ghbdtn"]),
        request in prop::sample::select(vec!["позовите оператора", "соедините с человеком", "talk to a human", "jgthfnjh"]),
        after in prop::sample::select(vec!["", "как вернуть товар", "please", "when will my order arrive"]),
    ) {
        let question = format!("{before} {request} {after}");
        prop_assert_eq!(
            index().ask(&question, None),
            Outcome::HandOver { reason: HandOverReason::HumanRequested },
            "{}", question
        );
    }

    #[test]
    fn mixed_scripts_and_keyboard_punctuation_do_not_panic(question in "[a-zа-яё ,.;'\\[\\]`0-9?!ʼ’\u{301}\u{0}-\u{1f}]{0,120}") {
        let _ = index().ask(&question, Some(Lang::Ru));
        let _ = index().ask(&question, Some(Lang::En));
    }
}

/// Every phrasing of every entry, as typed (lower case, no punctuation), with one typo, and
/// Russian ones in the English layout: the bot should still answer with the entry's topic.
#[test]
fn the_knowledge_bases_answer_their_own_phrasings_through_noise() {
    for kb in [
        include_str!("../eval/dev/kb.json"),
        include_str!("../eval/telecom/kb.json"),
        include_str!("../eval/saas/kb.json"),
    ] {
        own_phrasings_through_noise(kb);
    }
}

fn own_phrasings_through_noise(kb: &str) {
    const QWERTY: &str = "qwertyuiop[]asdfghjkl;'zxcvbnm,.`";
    const JCUKEN: &str = "йцукенгшщзхъфывапролджэячсмитьбюё";
    let entries = steward_faq::entries_from_json(kb).expect("parses");
    let index = Index::build(&entries, &Synonyms::builtin(), Config::default());
    let (mut total, mut right) = (0, 0);
    let mut failures = Vec::new();
    for e in &entries {
        for q in &e.questions {
            let plain: String = q.to_lowercase().chars().map(|c| if c.is_alphanumeric() { c } else { ' ' }).collect();
            let plain = plain.split_whitespace().collect::<Vec<_>>().join(" ");
            let mut variants = vec![plain.clone()];
            // A typo: the longest word, if it has five letters or more, loses its third.
            let longest = plain.split(' ').max_by_key(|w| w.chars().count()).unwrap_or("");
            if longest.chars().count() >= 5 {
                let typo = longest.chars().enumerate().filter(|(i, _)| *i != 2).map(|(_, c)| c).collect::<String>();
                variants.push(plain.replacen(longest, &typo, 1));
            }
            if e.lang == Lang::Ru {
                let switched = plain
                    .chars()
                    .map(|c| JCUKEN.chars().position(|r| r == c).and_then(|i| QWERTY.chars().nth(i)).unwrap_or(c))
                    .collect();
                variants.push(switched);
            }
            for v in variants {
                total += 1;
                match index.ask(&v, None) {
                    Outcome::Answer { entry, .. } if entry.id == e.id => right += 1,
                    other => failures.push(format!("{v:?} → {other:?}")),
                }
            }
        }
    }
    assert!(right == total, "{right}/{total}:\n{}", failures.join("\n"));
}
