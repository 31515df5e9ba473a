//! Text analysis shared by entries and questions: normalisation, words, keyboard layout,
//! language detection, stop words, colloquial forms and stemming.

use rust_stemmers::{Algorithm, Stemmer};
use unicode_normalization::UnicodeNormalization;

use crate::Lang;

/// Longest word kept; longer runs are cut (no real word is this long, and it bounds the work).
pub const MAX_WORD_CHARS: usize = 40;

/// Lower case, NFKC, `ё` → `е`; appended to `out`.
pub fn normalise_into(text: &str, out: &mut String) {
    for c in text.nfkc() {
        for l in c.to_lowercase() {
            out.push(match l {
                'ё' => 'е',
                '’' | 'ʼ' => '\'',
                _ => l,
            });
        }
    }
}

pub fn normalise(text: &str) -> String {
    let mut s = String::with_capacity(text.len());
    normalise_into(text, &mut s);
    s
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Script {
    Cyrillic,
    Latin,
    Other,
}

pub fn script_of_char(c: char) -> Script {
    match c {
        'a'..='z' | 'A'..='Z' => Script::Latin,
        '\u{0400}'..='\u{04FF}' => Script::Cyrillic,
        _ => Script::Other,
    }
}

/// The script of a word: the one most of its letters are in.
pub fn script_of(word: &str) -> Script {
    let (mut cyr, mut lat) = (0, 0);
    for c in word.chars() {
        match script_of_char(c) {
            Script::Cyrillic => cyr += 1,
            Script::Latin => lat += 1,
            Script::Other => {}
        }
    }
    if cyr == 0 && lat == 0 {
        Script::Other
    } else if cyr >= lat {
        Script::Cyrillic
    } else {
        Script::Latin
    }
}

/// Language of a normalised text by its letters; `None` when it has none.
pub fn detect_lang(text: &str) -> Option<Lang> {
    let (mut cyr, mut lat) = (0usize, 0usize);
    for c in text.chars() {
        match script_of_char(c) {
            Script::Cyrillic => cyr += 1,
            Script::Latin => lat += 1,
            Script::Other => {}
        }
    }
    if cyr == 0 && lat == 0 {
        None
    } else if cyr >= lat {
        Some(Lang::Ru)
    } else {
        Some(Lang::En)
    }
}

/// The ЙЦУКЕН key under each QWERTY key (lower case; the same physical keys).
const LAYOUT: &[(char, char)] = &[
    ('q', 'й'),
    ('w', 'ц'),
    ('e', 'у'),
    ('r', 'к'),
    ('t', 'е'),
    ('y', 'н'),
    ('u', 'г'),
    ('i', 'ш'),
    ('o', 'щ'),
    ('p', 'з'),
    ('[', 'х'),
    (']', 'ъ'),
    ('a', 'ф'),
    ('s', 'ы'),
    ('d', 'в'),
    ('f', 'а'),
    ('g', 'п'),
    ('h', 'р'),
    ('j', 'о'),
    ('k', 'л'),
    ('l', 'д'),
    (';', 'ж'),
    ('\'', 'э'),
    ('z', 'я'),
    ('x', 'ч'),
    ('c', 'с'),
    ('v', 'м'),
    ('b', 'и'),
    ('n', 'т'),
    ('m', 'ь'),
    (',', 'б'),
    ('.', 'ю'),
    ('{', 'х'),
    ('}', 'ъ'),
    (':', 'ж'),
    ('"', 'э'),
    ('<', 'б'),
    ('>', 'ю'),
    ('~', 'е'),
    // ё (folded to е here) is the key left of 1.
    ('`', 'е'),
];

/// The Cyrillic letter typed when the keyboard was left in the Russian layout.
pub fn latin_key_to_cyrillic(c: char) -> Option<char> {
    LAYOUT.iter().find(|(l, _)| *l == c).map(|(_, r)| *r)
}

/// The Latin key under a Cyrillic letter (for English typed in the Russian layout).
pub fn cyrillic_key_to_latin(c: char) -> Option<char> {
    if c == 'ё' || c == 'е' {
        return Some(if c == 'ё' { '`' } else { 't' });
    }
    LAYOUT
        .iter()
        .find(|(l, r)| *r == c && (l.is_ascii_lowercase() || matches!(l, ',' | '.' | ';' | '\'' | '[' | ']')))
        .map(|(l, _)| *l)
}

/// A whitespace-separated chunk retyped in the other layout: Latin keys (and the punctuation keys
/// that are letters in ЙЦУКЕН) → Cyrillic, or Cyrillic → Latin. `None` if the chunk has letters
/// of both scripts or none.
pub fn switch_layout(chunk: &str, out: &mut String) -> Option<Script> {
    out.clear();
    let script = script_of(chunk);
    let mixed = chunk.chars().any(|c| script_of_char(c) == Script::Latin)
        && chunk.chars().any(|c| script_of_char(c) == Script::Cyrillic);
    if mixed {
        return None;
    }
    match script {
        Script::Latin => {
            // Trailing sentence punctuation stays punctuation ("ghbdtn," is "привет,").
            let body = chunk.trim_end_matches(['.', ',', '?', '!', ';', ':']);
            for c in body.chars() {
                out.push(latin_key_to_cyrillic(c).unwrap_or(c));
            }
            Some(Script::Cyrillic)
        }
        Script::Cyrillic => {
            for c in chunk.chars() {
                out.push(cyrillic_key_to_latin(c).unwrap_or(c));
            }
            Some(Script::Latin)
        }
        Script::Other => None,
    }
}

/// Words a question opens with (the first word, after greetings are skipped).
const QUESTION_OPENERS: &[&str] = &[
    "где",
    "когда",
    "сколько",
    "как",
    "почему",
    "зачем",
    "куда",
    "откуда",
    "что",
    "кто",
    "какой",
    "какая",
    "какие",
    "каким",
    "чем",
    "можно",
    "подскажите",
    "скажите",
    "есть",
    "ли",
    "where",
    "when",
    "how",
    "why",
    "what",
    "which",
    "who",
    "can",
    "could",
    "do",
    "does",
    "is",
    "are",
    "will",
    "should",
    "may",
];

/// Whether a message reads as a question: it has a question mark, or opens
/// with a question word ("как вернуть товар", "how do I pay"). For answering
/// unasked in group chats, where statements ("I returned it yesterday") are
/// not questions even when they match an entry.
pub fn looks_like_question(text: &str) -> bool {
    if text.contains('?') {
        return true;
    }
    let normal = normalise(text);
    words(&normal)
        .find(|w| !matches!(*w, "привет" | "здравствуйте" | "hi" | "hello" | "hey" | "ребята" | "guys" | "all"))
        .is_some_and(|w| QUESTION_OPENERS.contains(&w))
}

/// Splits a normalised text into words: runs of letters and digits (a hyphen or apostrophe
/// inside a word splits it too: "чат-бот" → "чат", "бот").
pub fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(|w| {
        match w.char_indices().nth(MAX_WORD_CHARS) {
            Some((i, _)) => &w[..i],
            None => w,
        }
    })
}

/// Function words that carry no topic. Question words ("где", "when") are *not* here: they tell
/// "where is my order" from "when will it arrive".
const STOP_RU: &[&str] = &[
    "и",
    "в",
    "во",
    "не",
    "что",
    "он",
    "на",
    "я",
    "с",
    "со",
    "а",
    "то",
    "все",
    "она",
    "так",
    "его",
    "но",
    "да",
    "ты",
    "к",
    "у",
    "же",
    "вы",
    "за",
    "бы",
    "по",
    "ее",
    "мне",
    "было",
    "вот",
    "от",
    "меня",
    "еще",
    "нет",
    "о",
    "из",
    "ему",
    "теперь",
    "даже",
    "ну",
    "ли",
    "если",
    "уже",
    "или",
    "ни",
    "быть",
    "был",
    "него",
    "до",
    "вас",
    "нибудь",
    "опять",
    "уж",
    "вам",
    "ведь",
    "там",
    "потом",
    "себя",
    "ничего",
    "ей",
    "может",
    "они",
    "тут",
    "есть",
    "надо",
    "ней",
    "для",
    "мы",
    "тебя",
    "их",
    "чем",
    "была",
    "сам",
    "чтоб",
    "без",
    "будто",
    "чего",
    "раз",
    "тоже",
    "себе",
    "под",
    "будет",
    "ж",
    "тогда",
    "кто",
    "этот",
    "того",
    "потому",
    "этого",
    "ним",
    "этом",
    "один",
    "почти",
    "мой",
    "моя",
    "мое",
    "мои",
    "моего",
    "моей",
    "моих",
    "моим",
    "тем",
    "чтобы",
    "нее",
    "были",
    "куда",
    "зачем",
    "всех",
    "никогда",
    "можно",
    "при",
    "наконец",
    "два",
    "об",
    "другой",
    "хоть",
    "после",
    "над",
    "больше",
    "тот",
    "через",
    "эти",
    "нас",
    "про",
    "всего",
    "них",
    "какая",
    "много",
    "разве",
    "три",
    "эту",
    "впрочем",
    "хорошо",
    "свою",
    "этой",
    "перед",
    "иногда",
    "лучше",
    "чуть",
    "том",
    "нельзя",
    "такой",
    "им",
    "более",
    "всегда",
    "конечно",
    "всю",
    "между",
    "ваш",
    "ваша",
    "ваше",
    "ваши",
    "вашего",
    "вашей",
    "вашу",
    "наш",
    "наши",
    "это",
    "эта",
    "пожалуйста",
    "плиз",
    "пж",
    "пжлст",
    "спасибо",
    "здравствуйте",
    "привет",
    "добрый",
    "вечер",
    "утро",
    "подскажите",
    "скажите",
    "подскажи",
    "скажи",
    "вообще",
    "просто",
    "очень",
    "сейчас",
    "ещё",
    "бы",
    "ка",
    "то",
    "либо",
    "тебе",
    "хотел",
    "хотела",
    "хотелось",
    "хочу",
    "хотим",
    "мой",
    "свой",
    "своего",
    "своей",
    "мною",
    "весь",
    "вся",
    "всё",
    "сегодня",
    "какие",
    "какой",
    "какую",
    "каким",
    "каких",
    "какое",
    "ок",
    "ладно",
    "блин",
    "ой",
    "ах",
    "эх",
    "вопрос",
    "вопросик",
    "пожалуйсто",
    "пасиб",
    "спс",
    "алло",
    "добрый",
    "доброе",
    "уважаемые",
];

const STOP_EN: &[&str] = &[
    "i", "me", "my", "myself", "we", "our", "ours", "you", "your", "yours", "he", "him", "his", "she", "her", "it",
    "its", "they", "them", "their", "this", "that", "these", "those", "am", "is", "are", "was", "were", "be", "been",
    "being", "have", "has", "had", "having", "do", "does", "did", "doing", "a", "an", "the", "and", "but", "if", "or",
    "because", "as", "until", "while", "of", "at", "by", "for", "with", "about", "against", "between", "into",
    "through", "during", "before", "after", "above", "below", "to", "from", "up", "down", "in", "out", "on", "off",
    "over", "under", "again", "further", "then", "once", "here", "there", "all", "any", "both", "each", "few", "more",
    "most", "other", "some", "such", "no", "nor", "not", "only", "own", "same", "so", "than", "too", "very", "s", "t",
    "can", "will", "just", "don", "should", "now", "d", "ll", "m", "o", "re", "ve", "y", "please", "pls", "plz", "hi",
    "hello", "hey", "thanks", "thank", "thx", "would", "could", "may", "might", "must", "shall", "ok", "okay", "yes",
    "also", "still", "already", "u", "ur", "im", "would", "like", "want", "wanna", "need", "know", "tell", "help",
    "let", "get", "got", "one", "way", "kindly", "dear", "guys", "really", "even", "which", "what", "didn", "doesn",
    "isn", "wasn", "aren", "haven", "hasn", "couldn", "wouldn", "shouldn", "won",
];

pub fn is_stop(word: &str) -> bool {
    match script_of(word) {
        Script::Cyrillic => STOP_RU.contains(&word),
        Script::Latin => STOP_EN.contains(&word),
        Script::Other => false,
    }
}

/// Spoken and chat forms → the written word they stand for (after normalisation).
const COLLOQUIAL: &[(&str, &str)] = &[
    ("скоко", "сколько"),
    ("скока", "сколько"),
    ("скок", "сколько"),
    ("сколко", "сколько"),
    ("скольк", "сколько"),
    ("че", "что"),
    ("чо", "что"),
    ("чё", "что"),
    ("шо", "что"),
    ("чтото", "что"),
    ("щас", "сейчас"),
    ("ща", "сейчас"),
    ("када", "когда"),
    ("кода", "когда"),
    ("тока", "только"),
    ("ток", "только"),
    ("ваще", "вообще"),
    ("оч", "очень"),
    ("нету", "нет"),
    ("чел", "человек"),
    ("челик", "человек"),
    ("инет", "интернет"),
    ("инета", "интернета"),
    ("комп", "компьютер"),
    ("прога", "программа"),
    ("проги", "программы"),
    ("прилага", "приложение"),
    ("прилка", "приложение"),
    ("приложка", "приложение"),
    ("тел", "телефон"),
    ("мобила", "телефон"),
    ("симка", "сим"),
    ("симку", "сим"),
    ("акк", "аккаунт"),
    ("акка", "аккаунт"),
    ("акком", "аккаунт"),
    ("лк", "кабинет"),
    ("норм", "нормально"),
    ("мб", "может"),
    ("админ", "администратор"),
    ("админа", "администратора"),
    ("админом", "администратором"),
    ("бабки", "деньги"),
    ("бабло", "деньги"),
    ("деньжата", "деньги"),
    ("инфа", "информация"),
    ("инфу", "информацию"),
    ("днюха", "день рождения"),
    ("заказик", "заказ"),
    ("посылочка", "посылка"),
    ("посылочку", "посылку"),
    ("u", "you"),
    ("ur", "your"),
    ("r", "are"),
    ("wheres", "where"),
    ("whats", "what"),
    ("hows", "how"),
    ("whens", "when"),
    ("cant", "can"),
    ("dont", "do"),
    ("doesnt", "does"),
    ("didnt", "did"),
    ("wont", "will"),
    ("isnt", "is"),
    ("gimme", "give"),
    ("gonna", "going"),
    ("acct", "account"),
    ("pw", "password"),
    ("pwd", "password"),
    ("passwd", "password"),
    ("info", "information"),
    ("pkg", "package"),
    ("msg", "message"),
    ("cc", "card"),
    ("tmrw", "tomorrow"),
    ("ppl", "people"),
    ("rn", "now"),
    ("asap", "soon"),
    ("wifi", "wi fi"),
];

/// The written form of a colloquial word, if it is one.
pub fn colloquial(word: &str) -> Option<&'static str> {
    COLLOQUIAL.iter().find(|(c, _)| *c == word).map(|(_, w)| *w)
}

const TRANSLIT: &[(char, &str)] = &[
    ('а', "a"),
    ('б', "b"),
    ('в', "v"),
    ('г', "g"),
    ('д', "d"),
    ('е', "e"),
    ('ж', "zh"),
    ('з', "z"),
    ('и', "i"),
    ('й', "y"),
    ('к', "k"),
    ('л', "l"),
    ('м', "m"),
    ('н', "n"),
    ('о', "o"),
    ('п', "p"),
    ('р', "r"),
    ('с', "s"),
    ('т', "t"),
    ('у', "u"),
    ('ф', "f"),
    ('х', "h"),
    ('ц', "ts"),
    ('ч', "ch"),
    ('ш', "sh"),
    ('щ', "sch"),
    ('ъ', ""),
    ('ы', "y"),
    ('ь', ""),
    ('э', "e"),
    ('ю', "yu"),
    ('я', "ya"),
];

/// The word in the other script, letter by letter ("есим" ↔ "esim", "роутер" ↔ "router"): brand
/// and technical words are written both ways. `None` for words of neither script.
pub fn transliterate(word: &str, out: &mut String) -> Option<()> {
    out.clear();
    match script_of(word) {
        Script::Cyrillic => {
            for c in word.chars() {
                match TRANSLIT.iter().find(|(r, _)| *r == c) {
                    Some((_, l)) => out.push_str(l),
                    None => out.push(c),
                }
            }
        }
        Script::Latin => {
            let chars: Vec<char> = word.chars().collect();
            let mut i = 0;
            while i < chars.len() {
                let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
                let digraph = ["zh", "ts", "ch", "sh", "yu", "ya"].contains(&two.as_str());
                let key = if digraph { two.as_str() } else { "" };
                let found = if digraph {
                    TRANSLIT.iter().find(|(_, l)| *l == key)
                } else {
                    TRANSLIT.iter().find(|(_, l)| l.len() == 1 && l.starts_with(chars[i]))
                };
                match found {
                    Some((r, _)) => out.push(*r),
                    None => match chars[i] {
                        'c' => out.push('к'),
                        'w' => out.push('в'),
                        'x' => out.push_str("кс"),
                        'q' => out.push('к'),
                        c => out.push(c),
                    },
                }
                i += if digraph { 2 } else { 1 };
            }
        }
        Script::Other => return None,
    }
    Some(())
}

/// Snowball stemmers for both languages; a word is stemmed by its script.
pub struct Stemmers {
    ru: Stemmer,
    en: Stemmer,
}

impl Default for Stemmers {
    fn default() -> Self {
        Stemmers { ru: Stemmer::create(Algorithm::Russian), en: Stemmer::create(Algorithm::English) }
    }
}

impl Stemmers {
    pub fn stem<'w>(&self, word: &'w str) -> std::borrow::Cow<'w, str> {
        match script_of(word) {
            Script::Cyrillic => self.ru.stem(word),
            Script::Latin => self.en.stem(word),
            Script::Other => std::borrow::Cow::Borrowed(word),
        }
    }
}

/// Damerau–Levenshtein (optimal string alignment) distance over chars, giving up above `max`.
pub fn edit_distance_within(a: &[char], b: &[char], max: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    let n = b.len();
    let mut prev2 = vec![0usize; n + 1];
    let mut prev: Vec<usize> = (0..=n).collect();
    let mut cur = vec![0usize; n + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        let mut row_min = cur[0];
        for j in 1..=n {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(prev2[j - 2] + 1);
            }
            cur[j] = v;
            row_min = row_min.min(v);
        }
        if row_min > max {
            return None;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    let d = prev[n];
    (d <= max).then_some(d)
}

#[cfg(test)]
mod tests {
    #[test]
    fn questions_by_their_form() {
        for (text, q) in [
            ("как вернуть товар", true),
            ("Привет, где мой заказ", true),
            ("How do I pay by card", true),
            ("delivery time?", true),
            ("I returned my order yesterday", false),
            ("вернул товар вчера, всё ок", false),
            ("", false),
        ] {
            assert_eq!(super::looks_like_question(text), q, "{text}");
        }
    }

    use super::*;

    fn switched(s: &str) -> String {
        s.split_whitespace()
            .map(|c| {
                let mut out = String::new();
                switch_layout(c, &mut out);
                out
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn layout_both_ways() {
        for (typed, meant) in [
            ("ghbdtn", "привет"),
            ("rfr dthyenm njdfh", "как вернуть товар"),
            ("pf,sk gfhjkm", "забыл пароль"),
            ("ghbdtn,", "привет"),
            ("цруку шы ьн щквук", "where is my order"),
            ("vj` pfrfp", "мое заказ"),
        ] {
            assert_eq!(switched(typed), meant, "{typed}");
        }
    }

    #[test]
    fn normalises_and_splits() {
        let n = normalise("Ёлка ЧАТ-БОТ, what’s up?");
        assert_eq!(words(&n).collect::<Vec<_>>(), ["елка", "чат", "бот", "what", "s", "up"]);
    }

    #[test]
    fn detects_language() {
        assert_eq!(detect_lang("где мой заказ"), Some(Lang::Ru));
        assert_eq!(detect_lang("where is my order"), Some(Lang::En));
        assert_eq!(detect_lang("123 ?!"), None);
    }

    #[test]
    fn transliterates_both_ways() {
        let mut out = String::new();
        transliterate("есим", &mut out);
        assert_eq!(out, "esim");
        transliterate("router", &mut out);
        assert_eq!(out, "роутер");
        assert!(transliterate("123", &mut out).is_none());
    }

    #[test]
    fn edit_distance() {
        let c = |s: &str| s.chars().collect::<Vec<_>>();
        assert_eq!(edit_distance_within(&c("возрат"), &c("возврат"), 2), Some(1));
        assert_eq!(edit_distance_within(&c("pasword"), &c("password"), 1), Some(1));
        assert_eq!(edit_distance_within(&c("ab"), &c("ba"), 1), Some(1));
        assert_eq!(edit_distance_within(&c("кот"), &c("пёс"), 2), None);
    }
}
