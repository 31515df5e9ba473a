//! Search terms for the embedded (SQLite FTS5) index. Words are lower-cased,
//! `ё` folds to `е`, Cyrillic words go through the Snowball Russian stemmer and
//! ASCII words through the English one — the same split PostgreSQL's `russian`
//! text search configuration makes (`word` → russian_stem, `asciiword` →
//! english_stem), so both backends find the same word forms.

use rust_stemmers::{Algorithm, Stemmer};
use std::sync::OnceLock;

const MAX_WORD: usize = 64;

fn stemmers() -> &'static (Stemmer, Stemmer) {
    static S: OnceLock<(Stemmer, Stemmer)> = OnceLock::new();
    S.get_or_init(|| (Stemmer::create(Algorithm::Russian), Stemmer::create(Algorithm::English)))
}

// The Snowball stop lists PostgreSQL uses, so a stop word is ignored by both backends.
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
    "как",
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
    "только",
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
    "когда",
    "даже",
    "ну",
    "вдруг",
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
    "где",
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
    "какой",
    "совсем",
    "ним",
    "здесь",
    "этом",
    "один",
    "почти",
    "мой",
    "тем",
    "чтобы",
    "нее",
    "сейчас",
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
    "моя",
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
];
const STOP_EN: &[&str] = &[
    "i",
    "me",
    "my",
    "myself",
    "we",
    "our",
    "ours",
    "ourselves",
    "you",
    "your",
    "yours",
    "yourself",
    "yourselves",
    "he",
    "him",
    "his",
    "himself",
    "she",
    "her",
    "hers",
    "herself",
    "it",
    "its",
    "itself",
    "they",
    "them",
    "their",
    "theirs",
    "themselves",
    "what",
    "which",
    "who",
    "whom",
    "this",
    "that",
    "these",
    "those",
    "am",
    "is",
    "are",
    "was",
    "were",
    "be",
    "been",
    "being",
    "have",
    "has",
    "had",
    "having",
    "do",
    "does",
    "did",
    "doing",
    "a",
    "an",
    "the",
    "and",
    "but",
    "if",
    "or",
    "because",
    "as",
    "until",
    "while",
    "of",
    "at",
    "by",
    "for",
    "with",
    "about",
    "against",
    "between",
    "into",
    "through",
    "during",
    "before",
    "after",
    "above",
    "below",
    "to",
    "from",
    "up",
    "down",
    "in",
    "out",
    "on",
    "off",
    "over",
    "under",
    "again",
    "further",
    "then",
    "once",
    "here",
    "there",
    "when",
    "where",
    "why",
    "how",
    "all",
    "any",
    "both",
    "each",
    "few",
    "more",
    "most",
    "other",
    "some",
    "such",
    "no",
    "nor",
    "not",
    "only",
    "own",
    "same",
    "so",
    "than",
    "too",
    "very",
    "s",
    "t",
    "can",
    "will",
    "just",
    "don",
    "should",
    "now",
];

fn is_cyrillic(c: char) -> bool {
    matches!(c, '\u{0400}'..='\u{04FF}')
}

/// Splits text into normalised words (before stemming).
pub fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.chars().flat_map(char::to_lowercase).map(|c| if c == 'ё' { 'е' } else { c }).collect::<String>())
        .filter(|w| w.chars().count() <= MAX_WORD)
}

/// The stem of one normalised word, or `None` for a stop word.
pub fn stem(word: &str) -> Option<String> {
    let (ru, en) = stemmers();
    if word.chars().any(is_cyrillic) {
        if STOP_RU.contains(&word) {
            return None;
        }
        Some(ru.stem(word).into_owned())
    } else if word.chars().all(|c| c.is_ascii_alphabetic()) {
        if STOP_EN.contains(&word) {
            return None;
        }
        Some(en.stem(word).into_owned())
    } else {
        Some(word.to_string())
    }
}

/// The space-separated stems stored in the FTS index for a message body.
pub fn index_terms(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for w in words(text) {
        if let Some(s) = stem(&w) {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&s);
        }
    }
    out
}

/// Stems of a user's query, de-duplicated, in order; every one must match.
pub fn query_terms(query: &str) -> Vec<String> {
    let mut terms: Vec<String> = Vec::new();
    for w in words(query) {
        if let Some(s) = stem(&w)
            && !terms.contains(&s)
        {
            terms.push(s);
        }
    }
    terms.truncate(16);
    terms
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn russian_word_forms_share_a_stem() {
        let q = query_terms("бан");
        assert_eq!(q, vec!["бан"]);
        for form in ["баны", "банить", "Бан", "бана"] {
            assert!(index_terms(form).split(' ').any(|t| t == q[0]), "{form} -> {}", index_terms(form));
        }
        assert_eq!(query_terms("пользователей"), query_terms("пользователи"));
        assert_eq!(index_terms("Ёлка"), index_terms("елки"));
    }

    #[test]
    fn english_and_stop_words() {
        assert_eq!(query_terms("Running the tests"), vec!["run", "test"]);
        assert_eq!(index_terms("и в на"), "");
        assert_eq!(index_terms("v2 release 42"), "v2 releas 42");
    }
}
