//! Text normalisation: from a message as typed to the folded forms the word lists are matched
//! against.
//!
//! The steps, in order (docs/MODERATION.md has the long version):
//! 1. **clean** — per character: compatibility decomposition (the "K" of NFKC: fullwidth,
//!    mathematical, circled letters, ligatures become plain letters), lowercase (Cyrillic too),
//!    invisible characters dropped (zero-width, soft hyphen, bidi controls, variation selectors,
//!    tags), combining marks dropped except the breve that makes `й`, `ё`→`е` (and `і ї є ґ ў`).
//! 2. **words** — runs of letters, digits and letter-like symbols (`@ $ ! | * €`); runs of three
//!    or more single letters separated by a few punctuation or space characters are joined
//!    (`х.у.й`, `f u c k`), nothing else is (`я и ты` stays three words).
//! 3. **forms** — each word is written into a Russian form (Latin look-alikes, digits and symbols
//!    folded to Cyrillic: `xyйня`→`хуйня`, `п1зд`, `3`→`з`, `@`→`а`) when it has a Cyrillic
//!    letter or is made only of letters that look Cyrillic, and into an English form (Cyrillic
//!    look-alikes, digits and symbols folded to Latin: `fuсk`, `sh1t`, `$`→`s`) when it has a
//!    Latin letter. Repeated letters are collapsed, their counts kept beside the codes so a
//!    pattern can tell `shiitake` (a natural double) from `fuuuck` (emphasis).
//! 4. **layout** — a word typed with the wrong keyboard layout (`ghbdtn`, `'nj [eqyz`, `,kznm`, or
//!    `агсл` for `fuck`) is converted and written into a third, layout form, when it looks like
//!    one: it uses layout punctuation as letters, or has too few vowels to be a word of its
//!    script, and the converted word has enough vowels to be one of the other.
//!
//! Forms are byte strings in a private code: ASCII for Latin letters and digits, one byte
//! `0x80 + n` for the n-th Cyrillic letter `а..я`, other scripts as UTF-8 with continuation bytes
//! moved above `0x9f`, so a Cyrillic word costs one byte a letter and the automaton never sees a
//! Cyrillic code inside another script's character. Every code remembers the byte range of the
//! original text it came from, so a hit is shown in the text the person wrote.

use unicode_normalization::char::{decompose_compatible, is_combining_mark};

/// Separates words in a form; every form starts and ends with one.
pub(crate) const SPACE: u8 = b' ';
/// Stands where a word was left out of a form, so a phrase never matches across it.
pub(crate) const GAP: u8 = 0x1f;
/// A `*` inside a word (`f*ck`): matches any one letter, for the vocabulary presets only.
pub(crate) const MASK: u8 = b'*';
const CYR_BASE: u8 = 0x80;

/// Longest text inspected, in bytes; the rest of a longer message is not looked at. The server's
/// message limit is far below it; the cap keeps offsets in `u32` and the work bounded.
pub const MAX_TEXT_BYTES: usize = 1 << 20;

/// Which folded form a word was written into.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Form {
    /// Russian form: look-alikes, digits and symbols folded to Cyrillic.
    Ru,
    /// English form: look-alikes, digits and symbols folded to Latin.
    En,
    /// A word typed in the wrong keyboard layout, converted to Cyrillic.
    LayoutRu,
    /// A word typed in the wrong keyboard layout, converted to Latin.
    LayoutEn,
}

/// One cleaned character and the byte range of the original text it came from.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Ch {
    pub c: char,
    pub s: u32,
    pub e: u32,
    /// It was upper case before lowercasing (`H` looks like `Н`, `h` stands for `х`).
    pub up: bool,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct WordSpan {
    /// Index of the word's first code in its form.
    pub start: u32,
    /// One past its last code.
    pub end: u32,
    pub form: Form,
    pub masked: bool,
}

/// One folded form of a message: codes, repeat counts and where each code came from.
#[derive(Default, Debug)]
pub(crate) struct FormBuf {
    pub codes: Vec<u8>,
    pub runs: Vec<u8>,
    pub src: Vec<(u32, u32)>,
    pub words: Vec<WordSpan>,
}

impl FormBuf {
    fn reset(&mut self) {
        self.codes.clear();
        self.runs.clear();
        self.src.clear();
        self.words.clear();
        self.push_raw(SPACE, 0, 0);
    }

    #[inline]
    fn push_raw(&mut self, code: u8, s: u32, e: u32) {
        self.codes.push(code);
        self.runs.push(1);
        self.src.push((s, e));
    }

    fn push_gap(&mut self) {
        // Two gaps in a row say nothing more than one.
        if self.codes.len() >= 2 && self.codes[self.codes.len() - 2] == GAP {
            return;
        }
        self.push_raw(GAP, 0, 0);
        self.push_raw(SPACE, 0, 0);
    }

    /// Appends one letter code to the word that started at `word_start`, folding a repeat of the
    /// previous letter into its count.
    #[inline]
    fn push_letter(&mut self, code: u8, s: u32, e: u32, word_start: usize) {
        let n = self.codes.len();
        if n > word_start && self.codes[n - 1] == code && code != MASK && code < 0xa0 {
            self.runs[n - 1] = self.runs[n - 1].saturating_add(1);
            self.src[n - 1].1 = e;
        } else {
            self.push_raw(code, s, e);
        }
    }

    fn end_word(&mut self, start: usize, form: Form, masked: bool) {
        if self.codes.len() == start {
            return;
        }
        self.words.push(WordSpan { start: start as u32, end: self.codes.len() as u32, form, masked });
        self.push_raw(SPACE, 0, 0);
    }

    /// The index of the word containing code `at`, if any.
    pub fn word_at(&self, at: usize) -> Option<usize> {
        let at = at as u32;
        let i = self.words.partition_point(|w| w.end <= at);
        self.words.get(i).filter(|w| w.start <= at).map(|_| i)
    }

    /// The form as readable text (for `explain` and evidence).
    pub fn decode(&self, range: std::ops::Range<usize>, original: &str) -> String {
        let mut out = String::new();
        let mut last_other: Option<(u32, u32)> = None;
        for i in range {
            let code = self.codes[i];
            match decode_code(code) {
                Some(c) => {
                    last_other = None;
                    for _ in 0..self.runs[i].min(3) {
                        out.push(c);
                    }
                }
                None => {
                    // Another script: show the original character(s) once.
                    let span = self.src[i];
                    if last_other != Some(span) {
                        if let Some(t) = original.get(span.0 as usize..span.1 as usize) {
                            out.push_str(t);
                        }
                        last_other = Some(span);
                    }
                }
            }
        }
        out
    }
}

fn decode_code(code: u8) -> Option<char> {
    match code {
        SPACE => Some(' '),
        GAP => Some('·'),
        0x00..=0x7f => Some(code as char),
        0x80..=0x9f => char::from_u32('а' as u32 + (code - CYR_BASE) as u32),
        _ => None,
    }
}

/// Counts gathered while cleaning, for the caps, emoji, mention and mixed-script rules.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct TextStats {
    pub letters: u32,
    pub upper: u32,
    pub emoji: u32,
    pub mentions: u32,
    pub mixed_words: u32,
    /// Byte range (original text) of the first word mixing Latin and Cyrillic letters.
    pub first_mixed: Option<(u32, u32)>,
}

/// Buffers reused from message to message; one per thread or task.
#[derive(Default, Debug)]
pub struct Normalizer {
    pub(crate) chars: Vec<Ch>,
    layout_chars: Vec<Ch>,
    word: Vec<Ch>,
    singles: Vec<usize>,
    pub(crate) ru: FormBuf,
    pub(crate) en: FormBuf,
    pub(crate) layout: FormBuf,
    pub(crate) stats: TextStats,
    /// The inspected prefix length of the last text, in bytes.
    pub(crate) text_len: usize,
}

impl Normalizer {
    pub fn new() -> Self {
        Self::default()
    }

    /// Normalises `text` into the three forms.
    pub(crate) fn run(&mut self, text: &str) {
        self.run_with(text, true);
    }

    /// `join_singles` is off for word-list patterns: `пиши в лс` is three words, not a spelled word.
    pub(crate) fn run_with(&mut self, text: &str, join_singles: bool) {
        let text = truncate(text, MAX_TEXT_BYTES);
        self.text_len = text.len();
        self.stats = TextStats::default();
        self.clean(text);
        self.ru.reset();
        self.en.reset();
        self.layout.reset();
        self.words(join_singles);
        self.layout_pass();
    }

    /// Step 1: the cleaned character stream.
    fn clean(&mut self, text: &str) {
        self.chars.clear();
        let stats = &mut self.stats;
        let chars = &mut self.chars;
        for (i, c) in text.char_indices() {
            let s = i as u32;
            let e = (i + c.len_utf8()) as u32;
            if c.is_ascii() {
                let up = c.is_ascii_uppercase();
                if c.is_ascii_alphabetic() {
                    stats.letters += 1;
                    stats.upper += up as u32;
                }
                chars.push(Ch { c: c.to_ascii_lowercase(), s, e, up });
                continue;
            }
            if ('\u{400}'..='\u{4ff}').contains(&c) {
                let (lc, up) = cyr_lower(c);
                stats.letters += 1;
                stats.upper += up as u32;
                chars.push(Ch { c: fold_cyrillic(lc), s, e, up });
                continue;
            }
            if is_invisible(c) {
                continue;
            }
            if is_emoji(c) {
                stats.emoji += 1;
            }
            if is_combining_mark(c) {
                combine(chars, c, e);
                continue;
            }
            decompose_compatible(c, |d| {
                if is_combining_mark(d) {
                    combine(chars, d, e);
                } else if !is_invisible(d) {
                    let up = d.is_uppercase();
                    if d.is_alphabetic() {
                        stats.letters += 1;
                        stats.upper += up as u32;
                    }
                    if up {
                        for l in d.to_lowercase() {
                            chars.push(Ch { c: fold_latin(fold_cyrillic(l)), s, e, up });
                        }
                    } else {
                        chars.push(Ch { c: fold_latin(fold_cyrillic(d)), s, e, up });
                    }
                }
            });
        }
    }

    /// Steps 2 and 3: words, single-letter runs joined, written into the Russian and English forms.
    fn words(&mut self, join_singles: bool) {
        let n = self.chars.len();
        let mut singles = std::mem::take(&mut self.singles);
        singles.clear();
        let mut i = 0;
        let mut last_token_end = 0usize;
        let mut run_gap: Option<std::ops::Range<usize>> = None;
        while i < n {
            if !is_word_char(self.chars[i].c) {
                i += 1;
                continue;
            }
            let start = i;
            while i < n && is_word_char(self.chars[i].c) {
                i += 1;
            }
            if self.chars[start].c == '@' && i - start >= 3 {
                self.stats.mentions += 1;
            }
            // Symbols at a word's edges are punctuation ("fuck!", "*wow*"), not letters.
            let (mut a, mut b) = (start, i);
            while a < b && matches!(self.chars[a].c, '!' | '|' | '*') {
                a += 1;
            }
            while b > a && matches!(self.chars[b - 1].c, '!' | '|' | '*') {
                b -= 1;
            }
            if a == b {
                continue;
            }
            self.note_mixed(a, b);
            // A single letter joins the run before it when the separator is short, on one line,
            // and the same as the run's first one (`х.у.й`, not `х.у.й, а`).
            let gap = last_token_end..start;
            let joinable = gap.len() <= 3
                && self.chars[gap.clone()].iter().all(|c| c.c != '\n' && c.c != '\r')
                && run_gap.as_ref().is_none_or(|first: &std::ops::Range<usize>| {
                    first.len() == gap.len()
                        && self.chars[first.clone()].iter().zip(&self.chars[gap.clone()]).all(|(x, y)| x.c == y.c)
                });
            last_token_end = i;
            if join_singles && b - a == 1 {
                let short = gap.len() <= 3 && self.chars[gap.clone()].iter().all(|c| c.c != '\n' && c.c != '\r');
                if !joinable && singles.len() == 2 && short {
                    // Two letters and then another separator: the second letter starts the
                    // spelled word, the first was a word of its own (`и п.и.з.д.а`).
                    let last = singles.pop().unwrap_or(a);
                    self.flush_singles(&mut singles);
                    singles.push(last);
                    run_gap = Some(gap);
                } else if !joinable || singles.is_empty() {
                    self.flush_singles(&mut singles);
                    run_gap = None;
                } else if run_gap.is_none() {
                    run_gap = Some(gap);
                }
                singles.push(a);
                continue;
            }
            run_gap = None;
            self.flush_singles(&mut singles);
            emit_word(&self.chars[a..b], &mut self.ru, &mut self.en);
        }
        self.flush_singles(&mut singles);
        self.singles = singles;
    }

    /// A run of three or more single letters is one spelled-out word (`х у й`, `f.u.c.k`);
    /// shorter runs are ordinary one-letter words (`я и ты`). A long run is also tried without
    /// its first letter, which may be a real word before the spelled one (`и х у й`).
    fn flush_singles(&mut self, singles: &mut Vec<usize>) {
        let letters = singles.iter().filter(|&&i| is_letter(self.chars[i].c)).count();
        if singles.len() >= 3 && letters >= 2 {
            self.word.clear();
            self.word.extend(singles.iter().map(|&i| self.chars[i]));
            emit_word(&self.word, &mut self.ru, &mut self.en);
            if singles.len() >= 4 {
                self.ru.push_gap();
                self.en.push_gap();
                emit_word(&self.word[1..], &mut self.ru, &mut self.en);
            }
        } else {
            for &i in singles.iter() {
                emit_word(&self.chars[i..i + 1], &mut self.ru, &mut self.en);
            }
        }
        singles.clear();
    }

    fn note_mixed(&mut self, a: usize, b: usize) {
        let word = &self.chars[a..b];
        let lat = word.iter().any(|c| c.c.is_ascii_lowercase());
        let cyr = word.iter().any(|c| is_cyr(c.c));
        if lat && cyr {
            self.stats.mixed_words += 1;
            if self.stats.first_mixed.is_none() {
                self.stats.first_mixed = Some((word[0].s, word[word.len() - 1].e));
            }
        }
    }

    /// Step 4: words typed in the wrong keyboard layout, converted, into the layout form.
    fn layout_pass(&mut self) {
        self.layout_chars.clear();
        let n = self.chars.len();
        let mut i = 0;
        while i < n {
            if self.chars[i].c.is_whitespace() {
                i += 1;
                continue;
            }
            let start = i;
            while i < n && !self.chars[i].c.is_whitespace() {
                i += 1;
            }
            let mut end = i;
            while end > start && matches!(self.chars[end - 1].c, '!' | '?' | ')' | '(') {
                end -= 1;
            }
            let token = &self.chars[start..end];
            if token.len() < 2 {
                continue;
            }
            if let Some(to) = layout_target(token) {
                for ch in token {
                    let c = match to {
                        LayoutTo::Cyrillic => qwerty_to_jcuken(ch.c),
                        LayoutTo::Latin => jcuken_to_qwerty(ch.c),
                    };
                    self.layout_chars.push(Ch { c: c.unwrap_or(ch.c), ..*ch });
                }
                self.layout_chars.push(Ch {
                    c: ' ',
                    s: token[token.len() - 1].e,
                    e: token[token.len() - 1].e,
                    up: false,
                });
            }
        }
        if self.layout_chars.is_empty() {
            return;
        }
        let lay = &self.layout_chars;
        let m = lay.len();
        let mut j = 0;
        while j < m {
            if !is_word_char(lay[j].c) {
                j += 1;
                continue;
            }
            let start = j;
            while j < m && is_word_char(lay[j].c) {
                j += 1;
            }
            let word = &lay[start..j];
            if word.iter().any(|c| is_cyr(c.c)) {
                emit_form(word, Form::LayoutRu, &mut self.layout);
            } else if word.iter().any(|c| c.c.is_ascii_lowercase()) {
                emit_form(word, Form::LayoutEn, &mut self.layout);
            }
        }
    }
}

fn truncate(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Attaches a combining mark to the character before it: `и` + breve is `й`; any other mark is
/// noise (accents, Zalgo) and only widens the previous character's source range.
fn combine(chars: &mut [Ch], mark: char, e: u32) {
    if let Some(last) = chars.last_mut() {
        if mark == '\u{306}' && last.c == 'и' {
            last.c = 'й';
        }
        last.e = last.e.max(e);
    }
}

/// Latin letters with a stroke or hook that compatibility decomposition leaves alone.
#[inline]
fn fold_latin(c: char) -> char {
    match c {
        'ƒ' => 'f',
        'ł' => 'l',
        'đ' => 'd',
        'ø' => 'o',
        'ı' | 'ɨ' => 'i',
        'ɑ' | 'ɐ' => 'a',
        'ɡ' => 'g',
        'ħ' => 'h',
        'ŧ' => 't',
        'ʋ' => 'v',
        'ʏ' => 'y',
        'ɴ' => 'n',
        'ʀ' => 'r',
        'ᴋ' => 'k',
        'ᴜ' => 'u',
        'ᴄ' => 'c',
        'ꜰ' => 'f',
        _ => c,
    }
}

#[inline]
fn fold_cyrillic(c: char) -> char {
    match c {
        'ё' | 'ѐ' | 'є' => 'е',
        'і' | 'ї' | 'ѝ' => 'и',
        'ґ' => 'г',
        'ў' => 'у',
        'ј' => 'й',
        _ => c,
    }
}

/// Lowercase of a character of the Cyrillic block (U+0400–U+04FF), and whether it was upper case.
#[inline]
fn cyr_lower(c: char) -> (char, bool) {
    let u = c as u32;
    match u {
        0x410..=0x42f => (char::from_u32(u + 0x20).unwrap_or(c), true),
        0x400..=0x40f => (char::from_u32(u + 0x50).unwrap_or(c), true),
        0x430..=0x45f => (c, false),
        _ if c.is_uppercase() => (c.to_lowercase().next().unwrap_or(c), true),
        _ => (c, false),
    }
}

#[inline]
fn is_letter(c: char) -> bool {
    if c.is_ascii() { c.is_ascii_alphabetic() } else { is_cyr(c) || c.is_alphabetic() }
}

#[inline]
pub(crate) fn is_cyr(c: char) -> bool {
    ('а'..='я').contains(&c)
}

#[inline]
fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric() || matches!(c, '@' | '$' | '!' | '|' | '*')
    } else {
        is_cyr(c) || c.is_alphanumeric() || c == '€'
    }
}

/// Characters that render as nothing and are used to split a word invisibly.
pub(crate) fn is_invisible(c: char) -> bool {
    matches!(c as u32,
        0xad | 0x34f | 0x61c | 0x115f | 0x1160 | 0x17b4 | 0x17b5 | 0x180b..=0x180f | 0x200b..=0x200f
        | 0x202a..=0x202e | 0x2060..=0x206f | 0x3164 | 0xfe00..=0xfe0f | 0xfeff | 0xffa0
        | 0x1bca0..=0x1bca3 | 0x1d173..=0x1d17a | 0xe0000..=0xe0fff)
}

/// Pictographs counted by the emoji-flood rule (skin-tone modifiers and joiners are not counted).
pub(crate) fn is_emoji(c: char) -> bool {
    matches!(c as u32,
        0x1f000..=0x1f3fa | 0x1f400..=0x1faff | 0x2600..=0x27bf | 0x2b50 | 0x2b55 | 0x2b1b | 0x2b1c
        | 0x2934 | 0x2935 | 0x3030 | 0x303d | 0x2190..=0x21ff | 0x231a | 0x231b | 0x23e9..=0x23fa)
}

/// Writes a word into the Russian form if it has a Cyrillic letter or is made only of letters
/// that look Cyrillic, and into the English form if it has a Latin letter; where it is not
/// written, a gap stops phrases from matching across it.
fn emit_word(word: &[Ch], ru: &mut FormBuf, en: &mut FormBuf) {
    let mut cyr = false;
    let mut lat = false;
    let mut letters = 0;
    let mut looks_cyrillic = true;
    for ch in word {
        let c = ch.c;
        let letter = is_letter(c);
        letters += usize::from(letter);
        if is_cyr(c) {
            cyr = true;
        } else if c.is_ascii_lowercase() {
            lat = true;
            looks_cyrillic &= matches!(c, 'a' | 'c' | 'e' | 'o' | 'p' | 'x' | 'y' | 'k' | 'm' | 't')
                || (ch.up && matches!(c, 'b' | 'h'));
        } else if letter {
            looks_cyrillic = false;
        }
    }
    if letters == 0 {
        return;
    }
    if cyr || (lat && looks_cyrillic) {
        emit_form(word, Form::Ru, ru);
    } else {
        ru.push_gap();
    }
    if lat {
        emit_form(word, Form::En, en);
    } else {
        en.push_gap();
    }
}

pub(crate) fn emit_form(word: &[Ch], form: Form, out: &mut FormBuf) {
    let start = out.codes.len();
    let mut masked = false;
    for ch in word {
        let mapped = match form {
            Form::Ru | Form::LayoutRu => ru_char(ch.c, ch.up),
            Form::En | Form::LayoutEn => en_char(ch.c),
        };
        let c = mapped.unwrap_or(ch.c);
        if c == '*' {
            masked = true;
            out.push_raw(MASK, ch.s, ch.e);
            continue;
        }
        if let Some(code) = simple_code(c) {
            out.push_letter(code, ch.s, ch.e, start);
        } else {
            let mut b = [0u8; 4];
            let bytes = c.encode_utf8(&mut b).as_bytes();
            for (k, &byte) in bytes.iter().enumerate() {
                out.push_raw(if k == 0 { byte } else { byte + 0x20 }, ch.s, ch.e);
            }
        }
    }
    out.end_word(start, form, masked);
}

/// One-byte code of an ASCII letter or digit or of a Cyrillic letter `а..я`.
#[inline]
pub(crate) fn simple_code(c: char) -> Option<u8> {
    if c.is_ascii_alphanumeric() {
        Some(c as u8)
    } else if is_cyr(c) {
        Some(CYR_BASE + (c as u32 - 'а' as u32) as u8)
    } else {
        None
    }
}

#[inline]
pub(crate) fn is_cyr_code(code: u8) -> bool {
    (0x80..=0x9f).contains(&code)
}

/// Russian form of one character: Latin look-alikes and transliterations, digits and symbols
/// used as letters. Case matters for the three letters whose capital looks like another letter.
fn ru_char(c: char, up: bool) -> Option<char> {
    Some(match c {
        'а'..='я' => return None,
        'a' => 'а',
        'b' if up => 'в',
        'b' => 'б',
        'c' => 'с',
        'd' => 'д',
        'e' => 'е',
        'f' => 'ф',
        'g' => 'г',
        'h' if up => 'н',
        'h' => 'х',
        'i' => 'и',
        'j' => 'й',
        'k' => 'к',
        'l' => 'л',
        'm' => 'м',
        'n' if up => 'и',
        'n' => 'п',
        'o' => 'о',
        'p' => 'р',
        'q' => 'к',
        'r' => 'г',
        's' => 'с',
        't' => 'т',
        'u' => 'и',
        'v' => 'в',
        'w' => 'ш',
        'x' => 'х',
        'y' => 'у',
        'z' => 'з',
        '0' => 'о',
        '1' | '!' | '|' => 'и',
        '3' => 'з',
        '4' => 'ч',
        '6' => 'б',
        '8' => 'в',
        '9' => 'я',
        '@' => 'а',
        '$' => 'с',
        '€' => 'е',
        'α' => 'а',
        'β' => 'в',
        'γ' => 'г',
        'δ' => 'д',
        'ε' => 'е',
        'ζ' => 'з',
        'η' => 'п',
        'ι' => 'и',
        'κ' => 'к',
        'λ' => 'л',
        'μ' => 'м',
        'ο' => 'о',
        'π' => 'п',
        'ρ' => 'р',
        'σ' | 'ς' => 'с',
        'τ' => 'т',
        'υ' => 'у',
        'φ' => 'ф',
        'χ' => 'х',
        'ω' => 'ш',
        _ => return None,
    })
}

/// English form of one character: Cyrillic look-alikes, digits and symbols used as letters.
fn en_char(c: char) -> Option<char> {
    Some(match c {
        'a'..='z' => return None,
        'а' => 'a',
        'б' | 'в' | 'ь' => 'b',
        'г' => 'r',
        'д' => 'd',
        'е' | 'э' => 'e',
        'з' => 'z',
        'и' | 'й' => 'u',
        'к' => 'k',
        'л' => 'l',
        'м' => 'm',
        'н' => 'h',
        'о' => 'o',
        'п' => 'n',
        'р' => 'p',
        'с' => 'c',
        'т' => 't',
        'у' => 'y',
        'ф' => 'f',
        'х' => 'x',
        'ш' => 'w',
        '0' => 'o',
        '1' | '!' => 'i',
        '|' => 'l',
        '3' | '€' => 'e',
        '4' | '@' => 'a',
        '5' | '$' => 's',
        '6' | '8' => 'b',
        '7' => 't',
        '9' => 'g',
        'α' => 'a',
        'β' => 'b',
        'ε' => 'e',
        'ι' => 'i',
        'κ' => 'k',
        'μ' => 'm',
        'ν' => 'v',
        'ο' => 'o',
        'ρ' => 'p',
        'τ' => 't',
        'υ' => 'u',
        'χ' => 'x',
        'ω' => 'w',
        _ => return None,
    })
}

enum LayoutTo {
    Cyrillic,
    Latin,
}

/// The Russian letter on the key that types `c` in the Latin layout (ЙЦУКЕН over QWERTY).
fn qwerty_to_jcuken(c: char) -> Option<char> {
    Some(match c {
        'q' => 'й',
        'w' => 'ц',
        'e' => 'у',
        'r' => 'к',
        't' => 'е',
        'y' => 'н',
        'u' => 'г',
        'i' => 'ш',
        'o' => 'щ',
        'p' => 'з',
        '[' | '{' => 'х',
        ']' | '}' => 'ъ',
        'a' => 'ф',
        's' => 'ы',
        'd' => 'в',
        'f' => 'а',
        'g' => 'п',
        'h' => 'р',
        'j' => 'о',
        'k' => 'л',
        'l' => 'д',
        ';' | ':' => 'ж',
        '\'' | '"' => 'э',
        'z' => 'я',
        'x' => 'ч',
        'c' => 'с',
        'v' => 'м',
        'b' => 'и',
        'n' => 'т',
        'm' => 'ь',
        ',' | '<' => 'б',
        '.' | '>' => 'ю',
        '`' | '~' => 'е',
        _ => return None,
    })
}

/// The Latin key under each Russian letter `а..я` (`ё` was folded to `е` while cleaning).
const JCUKEN_KEYS: [char; 32] = [
    'f', ',', 'd', 'u', 'l', 't', ';', 'p', 'b', 'q', 'r', 'k', 'v', 'y', 'j', 'g', 'h', 'c', 'n', 'e', 'a', '[', 'w',
    'x', 'i', 'o', ']', 's', 'm', '\'', '.', 'z',
];

fn jcuken_to_qwerty(c: char) -> Option<char> {
    if is_cyr(c) { Some(JCUKEN_KEYS[(c as u32 - 'а' as u32) as usize]) } else { None }
}

fn is_en_vowel(c: char) -> bool {
    matches!(c, 'a' | 'e' | 'i' | 'o' | 'u' | 'y')
}

fn is_ru_vowel(c: char) -> bool {
    matches!(c, 'а' | 'е' | 'и' | 'о' | 'у' | 'ы' | 'э' | 'ю' | 'я')
}

/// Whether a whitespace-delimited token looks typed in the wrong layout, and into which script
/// it converts. Latin → Cyrillic: every character is a key of the Latin layout, and the token
/// uses layout punctuation before its end (`[eqyz`, `t,fnm`) or has at most one vowel in four
/// (`ghbdtn`, `cerf`), and the converted word has a vowel in five. Cyrillic → Latin: every
/// character is a Russian letter and the converted word has an English vowel in five (`агсл`).
fn layout_target(token: &[Ch]) -> Option<LayoutTo> {
    let all_latin_keys = token.iter().all(|c| c.c.is_ascii_lowercase() || "[];',.`{}:\"<>~".contains(c.c));
    if all_latin_keys {
        let letters = token.iter().filter(|c| c.c.is_ascii_lowercase()).count();
        if letters < 1 || token.len() < 2 {
            return None;
        }
        let punct_inside = token[..token.len() - 1].iter().any(|c| !c.c.is_ascii_lowercase());
        let en_vowels = token.iter().filter(|c| is_en_vowel(c.c)).count();
        if !punct_inside && en_vowels * 4 > letters {
            return None;
        }
        let ru_vowels = token.iter().filter(|c| qwerty_to_jcuken(c.c).is_some_and(is_ru_vowel)).count();
        return (ru_vowels * 5 >= token.len()).then_some(LayoutTo::Cyrillic);
    }
    if token.iter().all(|c| is_cyr(c.c)) {
        let en_vowels = token.iter().filter(|c| jcuken_to_qwerty(c.c).is_some_and(is_en_vowel)).count();
        return (en_vowels * 5 >= token.len()).then_some(LayoutTo::Latin);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forms(text: &str) -> (String, String, String) {
        let mut n = Normalizer::new();
        n.run(text);
        let ru = n.ru.decode(0..n.ru.codes.len(), text);
        let en = n.en.decode(0..n.en.codes.len(), text);
        let lay = n.layout.decode(0..n.layout.codes.len(), text);
        (ru.trim().to_string(), en.trim().to_string(), lay.trim().to_string())
    }

    #[test]
    fn russian_form_folds_tricks() {
        let cases = [
            ("xуйня", "хуйня"),
            ("oхуeть", "охуеть"),
            ("п1здец", "пиздец"),
            ("пи3дец", "пиздец"),
            ("бл@ть", "блать"),
            ("ху\u{200c}йня", "хуйня"),
            ("ХУЙНЯ", "хуйня"),
            ("х.у.й тебе", "хуй тебе"),
            ("х у й н я", "хуйня · уйня"),
            ("ёлка", "елка"),
            ("пиииииздец", "пиииздец"),
            ("я и ты", "я и ты"),
            ("и\u{306}", "й"),
            ("ｃｙｋａ", "сука"),
            ("xuj", "·"),
        ];
        for (text, want) in cases {
            assert_eq!(forms(text).0, want, "{text}");
        }
    }

    #[test]
    fn english_form_folds_tricks() {
        let cases = [
            ("fuсk", "fuck"),
            ("sh1t", "shit"),
            ("a$$hole", "asshole"),
            ("f.u.c.k", "fuck · uck"),
            ("f u c k off", "fuck · uck off"),
            ("𝐟𝐮𝐜𝐤", "fuck"),
            ("fück", "fuck"),
            ("motherf*cker", "motherf*cker"),
        ];
        for (text, want) in cases {
            assert_eq!(forms(text).1, want, "{text}");
        }
    }

    #[test]
    fn runs_are_counted_not_lost() {
        let mut n = Normalizer::new();
        n.run("shiitake fuuuuck");
        let en = &n.en;
        let i = en.codes.iter().position(|&c| c == b'i').unwrap();
        assert_eq!(en.runs[i], 2);
        let u = en.codes.iter().position(|&c| c == b'u').unwrap();
        assert_eq!(en.runs[u], 4);
    }

    #[test]
    fn wrong_layout_is_converted() {
        assert_eq!(forms("'nj [eqyz").2, "это хуйня");
        assert_eq!(forms(",kznm").2, "блять");
        assert_eq!(forms("Ghbdtn").2, "привет");
        assert_eq!(forms("агсл").2, "fuck");
        // Ordinary English words are left alone.
        assert_eq!(forms("velocity hello world").2, "");
    }

    #[test]
    fn layout_tables_are_inverse() {
        for c in 'а'..='я' {
            let key = jcuken_to_qwerty(c).unwrap();
            assert_eq!(qwerty_to_jcuken(key), Some(c), "{c} {key}");
        }
    }

    #[test]
    fn words_outside_a_form_leave_a_gap() {
        let (ru, en, _) = forms("hello мир");
        assert_eq!(ru, "· мир");
        assert_eq!(en, "hello ·");
    }

    #[test]
    fn spans_point_into_the_original() {
        let text = "ну х.у.й";
        let mut n = Normalizer::new();
        n.run(text);
        let w = n.ru.words[1];
        let (s, _) = n.ru.src[w.start as usize];
        let (_, e) = n.ru.src[w.end as usize - 1];
        assert_eq!(&text[s as usize..e as usize], "х.у.й");
    }

    #[test]
    fn stats() {
        let mut n = Normalizer::new();
        n.run("HELLO мир 😀😀 @ivan xуй");
        assert_eq!(n.stats.emoji, 2);
        assert_eq!(n.stats.mentions, 1);
        assert_eq!(n.stats.mixed_words, 1);
        assert_eq!(n.stats.upper, 5);
    }
}
