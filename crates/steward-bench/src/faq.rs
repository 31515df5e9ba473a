//! `steward-bench faq`: FAQ matching latency on a generated knowledge base (no server).
//!
//! 5,000 entries by default: 2,500 topics (intent × product × brand) in Russian and English,
//! built from templates with a fixed seed, so every run indexes the same text. Questions are
//! phrasings of random entries with the noise people add (typos, the wrong keyboard layout,
//! filler words), plus questions the knowledge base does not cover.

use std::time::Instant;

use steward_faq::{Config, Entry, Index, Lang, Outcome, Status, Synonyms};

/// (Russian nominative, Russian accusative, English)
const PRODUCTS: &[(&str, &str, &str)] = &[
    ("телевизор", "телевизор", "TV"),
    ("ноутбук", "ноутбук", "laptop"),
    ("смартфон", "смартфон", "smartphone"),
    ("кофеварка", "кофеварку", "coffee maker"),
    ("пылесос", "пылесос", "vacuum cleaner"),
    ("холодильник", "холодильник", "fridge"),
    ("стиральная машина", "стиральную машину", "washing machine"),
    ("наушники", "наушники", "headphones"),
    ("планшет", "планшет", "tablet"),
    ("микроволновка", "микроволновку", "microwave"),
    ("чайник", "чайник", "kettle"),
    ("фен", "фен", "hair dryer"),
    ("утюг", "утюг", "iron"),
    ("монитор", "монитор", "monitor"),
    ("принтер", "принтер", "printer"),
    ("роутер", "роутер", "router"),
    ("колонка", "колонку", "speaker"),
    ("часы", "часы", "watch"),
    ("велосипед", "велосипед", "bicycle"),
    ("самокат", "самокат", "scooter"),
    ("матрас", "матрас", "mattress"),
    ("диван", "диван", "sofa"),
    ("кроссовки", "кроссовки", "sneakers"),
    ("куртка", "куртку", "jacket"),
    ("рюкзак", "рюкзак", "backpack"),
];

const BRANDS: &[&str] = &["Samsung", "Xiaomi", "Philips", "Bosch", "Lenovo"];

/// Per intent: two Russian phrasings, two English, and the answer's gist. `{n}` is the Russian
/// nominative, `{a}` the accusative, `{e}` the English name, `{b}` the brand.
const INTENTS: &[([&str; 2], [&str; 2], &str)] = &[
    (
        ["Как вернуть {a} {b}?", "Можно ли сдать {a} {b} обратно?"],
        ["How do I return a {b} {e}?", "Can I send my {b} {e} back?"],
        "returns",
    ),
    (
        ["Какая гарантия на {a} {b}?", "Сколько длится гарантия {b} {n}?"],
        ["What is the warranty on the {b} {e}?", "How long is the {b} {e} guarantee?"],
        "warranty",
    ),
    (
        ["Сколько стоит доставка {b} {n}?", "Доставка {b} {n} платная?"],
        ["How much is delivery of a {b} {e}?", "Is shipping free for the {b} {e}?"],
        "delivery cost",
    ),
    (
        ["Когда привезут {a} {b}?", "Сколько дней доставка {b} {n}?"],
        ["When will my {b} {e} arrive?", "How long does {b} {e} delivery take?"],
        "delivery time",
    ),
    (
        ["Можно ли купить {a} {b} в рассрочку?", "Есть кредит на {a} {b}?"],
        ["Can I buy the {b} {e} in installments?", "Is there credit for a {b} {e}?"],
        "installments",
    ),
    (
        ["{n} {b} не включается, что делать?", "Сломался {n} {b}"],
        ["My {b} {e} does not turn on", "The {b} {e} is broken"],
        "repair",
    ),
    (
        ["Как настроить {a} {b}?", "Где инструкция к {b} {n}?"],
        ["How do I set up the {b} {e}?", "Where is the {b} {e} manual?"],
        "setup",
    ),
    (
        ["Есть ли {n} {b} в наличии?", "Когда появится {n} {b}?"],
        ["Is the {b} {e} in stock?", "When will the {b} {e} be available?"],
        "stock",
    ),
    (
        ["Можно ли обменять {a} {b}?", "Хочу поменять {a} {b} на другой"],
        ["Can I exchange the {b} {e}?", "I want to swap my {b} {e} for another"],
        "exchange",
    ),
    (
        ["Есть ли скидка на {a} {b}?", "Действует ли промокод на {a} {b}?"],
        ["Is there a discount on the {b} {e}?", "Does the promo code work for the {b} {e}?"],
        "discount",
    ),
    (
        ["Какие размеры у {b} {n}?", "Какой вес у {b} {n}?"],
        ["What are the dimensions of the {b} {e}?", "How heavy is the {b} {e}?"],
        "dimensions",
    ),
    (
        ["Можно ли забрать {a} {b} самовывозом?", "Где забрать {a} {b}?"],
        ["Can I pick up the {b} {e} myself?", "Where do I collect my {b} {e}?"],
        "pickup",
    ),
    (
        ["Как оплатить {a} {b}?", "Можно ли оплатить {a} {b} картой?"],
        ["How do I pay for the {b} {e}?", "Can I pay for the {b} {e} by card?"],
        "payment",
    ),
    (
        ["Где отследить {a} {b}?", "Где мой заказ {b} {n}?"],
        ["How do I track my {b} {e}?", "Where is my {b} {e} order?"],
        "tracking",
    ),
    (
        ["Как отменить заказ {b} {n}?", "Передумал покупать {a} {b}"],
        ["How do I cancel my {b} {e} order?", "I changed my mind about the {b} {e}"],
        "cancel",
    ),
    (
        ["Есть ли установка {b} {n}?", "Вы устанавливаете {a} {b}?"],
        ["Do you install the {b} {e}?", "Is installation included for the {b} {e}?"],
        "installation",
    ),
    (
        ["Как почистить {a} {b}?", "Как ухаживать за {b} {n}?"],
        ["How do I clean the {b} {e}?", "How do I care for my {b} {e}?"],
        "care",
    ),
    (
        ["Какие аксессуары подходят к {b} {n}?", "Есть ли чехол для {b} {n}?"],
        ["Which accessories fit the {b} {e}?", "Is there a case for the {b} {e}?"],
        "accessories",
    ),
    (
        ["Можно ли подарить {a} {b} в подарочной упаковке?", "Есть подарочная упаковка для {b} {n}?"],
        ["Can you gift wrap the {b} {e}?", "Is gift wrapping available for the {b} {e}?"],
        "gift wrap",
    ),
    (
        ["Как сдать старый {n} {b} в утилизацию?", "Принимаете старый {n} {b}?"],
        ["Do you take back an old {b} {e}?", "How do I recycle my old {b} {e}?"],
        "recycling",
    ),
];

const FILLERS_RU: &[&str] = &["здравствуйте,", "подскажите,", "а", "пожалуйста", "срочно", "вообще"];
const FILLERS_EN: &[&str] = &["hi,", "please", "quick question:", "hey", "thanks"];
const OUT_OF_SCOPE: &[&str] = &[
    "какая погода завтра",
    "у вас есть вакансии?",
    "расскажи анекдот",
    "what's the meaning of life",
    "who won the match yesterday",
    "позовите оператора",
    "talk to a human please",
];

/// A fixed-seed generator (xorshift), so runs are comparable.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn fill(template: &str, product: (&str, &str, &str), brand: &str) -> String {
    template.replace("{n}", product.0).replace("{a}", product.1).replace("{e}", product.2).replace("{b}", brand)
}

pub fn entries(count: usize) -> Vec<Entry> {
    let mut out = Vec::with_capacity(count);
    'outer: for (i, (ru, en, gist)) in INTENTS.iter().enumerate() {
        for product in PRODUCTS {
            for brand in BRANDS {
                let id = format!("{}_{}_{}", i, product.2.replace(' ', "_"), brand.to_lowercase());
                for (lang, templates) in [(Lang::Ru, ru), (Lang::En, en)] {
                    if out.len() == count {
                        break 'outer;
                    }
                    out.push(Entry {
                        id: id.clone(),
                        lang,
                        questions: templates.iter().map(|t| fill(t, *product, brand)).collect(),
                        answer: format!("About {gist} for the {brand} {}: see the product page.", product.2),
                        category: gist.to_string(),
                        status: Status::Published,
                    });
                }
            }
        }
    }
    out
}

/// A question as people type it: a phrasing with a typo, the wrong layout or filler words.
fn noisy(rng: &mut Rng, entry: &Entry) -> String {
    let phrasing = &entry.questions[rng.below(entry.questions.len())];
    let mut words: Vec<String> = phrasing.split_whitespace().map(str::to_lowercase).collect();
    match rng.below(4) {
        0 => {
            // A typo: two neighbouring letters swapped in one word.
            let w = rng.below(words.len());
            let mut chars: Vec<char> = words[w].chars().collect();
            if chars.len() > 3 {
                let at = 1 + rng.below(chars.len() - 2);
                chars.swap(at - 1, at);
                words[w] = chars.into_iter().collect();
            }
        }
        1 if entry.lang == Lang::Ru => {
            // Typed with the English layout on.
            for w in &mut words {
                let mut typed = String::new();
                for c in w.chars() {
                    typed.push(RU_TO_QWERTY.iter().find(|(r, _)| *r == c).map_or(c, |(_, l)| *l));
                }
                *w = typed;
            }
        }
        2 => {
            let fillers = if entry.lang == Lang::Ru { FILLERS_RU } else { FILLERS_EN };
            words.insert(0, fillers[rng.below(fillers.len())].to_string());
        }
        _ => {}
    }
    words.join(" ")
}

const RU_TO_QWERTY: &[(char, char)] = &[
    ('й', 'q'),
    ('ц', 'w'),
    ('у', 'e'),
    ('к', 'r'),
    ('е', 't'),
    ('н', 'y'),
    ('г', 'u'),
    ('ш', 'i'),
    ('щ', 'o'),
    ('з', 'p'),
    ('х', '['),
    ('ъ', ']'),
    ('ф', 'a'),
    ('ы', 's'),
    ('в', 'd'),
    ('а', 'f'),
    ('п', 'g'),
    ('р', 'h'),
    ('о', 'j'),
    ('л', 'k'),
    ('д', 'l'),
    ('ж', ';'),
    ('э', '\''),
    ('я', 'z'),
    ('ч', 'x'),
    ('с', 'c'),
    ('м', 'v'),
    ('и', 'b'),
    ('т', 'n'),
    ('ь', 'm'),
    ('б', ','),
    ('ю', '.'),
    ('ё', '`'),
];

fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

pub fn run(count: usize, questions: usize) -> anyhow::Result<()> {
    let entries = entries(count);
    let started = Instant::now();
    let index = Index::build(&entries, &Synonyms::builtin(), Config::default());
    let build = started.elapsed();
    let mut rng = Rng(0x5eed_f00d_cafe_babe);
    let asked: Vec<(String, Option<&str>)> = (0..questions)
        .map(|i| {
            if i % 10 == 9 {
                (OUT_OF_SCOPE[rng.below(OUT_OF_SCOPE.len())].to_string(), None)
            } else {
                let e = &entries[rng.below(entries.len())];
                (noisy(&mut rng, e), Some(e.id.as_str()))
            }
        })
        .collect();
    // Warm up: the first questions pay for this thread's scratch buffers.
    for (q, _) in asked.iter().take(100) {
        std::hint::black_box(index.ask(q, None));
    }
    let mut latencies: Vec<f64> = Vec::with_capacity(asked.len());
    let (mut right, mut wrong) = (0usize, 0usize);
    for (q, expected) in &asked {
        let t = Instant::now();
        let outcome = index.ask(q, None);
        latencies.push(t.elapsed().as_secs_f64() * 1e6);
        match (&outcome, expected) {
            (Outcome::Answer { entry, .. }, Some(id)) if entry.id == *id => right += 1,
            (Outcome::Answer { .. }, _) => wrong += 1,
            (Outcome::HandOver { .. }, None) => right += 1,
            _ => {}
        }
    }
    // Is the slowest question slow, or was the thread descheduled? Ask it again.
    let slowest = (0..latencies.len()).max_by(|a, b| latencies[*a].total_cmp(&latencies[*b])).unwrap_or(0);
    let again = (0..100)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(index.ask(&asked[slowest].0, None));
            t.elapsed().as_secs_f64() * 1e6
        })
        .fold(f64::MAX, f64::min);
    latencies.sort_by(|a, b| a.total_cmp(b));
    println!("FAQ matching ({} entries, {} questions, one thread)", entries.len(), asked.len());
    println!("  index build          {:.0} ms", build.as_secs_f64() * 1000.0);
    println!(
        "  latency per question p50 {:.0} µs, p99 {:.0} µs, p99.9 {:.0} µs, max {:.0} µs",
        pct(&latencies, 0.5),
        pct(&latencies, 0.99),
        pct(&latencies, 0.999),
        latencies.last().copied().unwrap_or(0.0)
    );
    println!("  slowest question     {again:.0} µs when asked again (best of 100): {:?}", asked[slowest].0);
    println!(
        "  outcomes             {:.1}% right, {:.1}% wrong answers (generated questions; a sanity check, not the quality figure)",
        100.0 * right as f64 / asked.len() as f64,
        100.0 * wrong as f64 / asked.len() as f64
    );
    Ok(())
}
