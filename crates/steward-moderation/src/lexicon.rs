//! Word lists (presets and admins' keyword lists) compiled into one Aho-Corasick automaton over
//! the normalised forms, with the checks a hit must pass to count.
//!
//! Entry syntax (one word or phrase; case does not matter):
//! - `word` — the whole word (after normalisation); `two words` — that phrase, word for word;
//! - `stem*` — a word starting with `stem`; `*end` — a word ending with `end`; `*part*` — a word
//!   containing `part`; `sp*m` — `*` inside a word stands for any letters (at most 4 `*`);
//! - `~stem*` / `~word` — Russian prefixes allowed before the stem: `~хуй*` is `нахуй`, `похуй`,
//!   `охуеть` but not `застрахуйте` or `психуй` (`застра`, `пси` are not prefixes);
//! - `!entry` — an exception: a word it matches is clean for this list (`!~мудр*` keeps
//!   `мудрость` and `умудриться` out of `~муд*`).
//!
//! Why a hit is checked after the automaton finds it: anchoring (`~`, word edges beyond what the
//! key's spaces say), the repeat counts (a natural double letter is not an emphasised one), and
//! exceptions, which cancel hits of their list in the same word.

use std::sync::{Arc, OnceLock};

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};

use crate::Form;
use crate::error::EntryProblem;
use crate::normalize::{FormBuf, MASK, Normalizer, SPACE, WordSpan, is_cyr_code};

const MAX_ENTRY_CHARS: usize = 100;
const MAX_WILDCARDS: usize = 4;
/// Longest run of prefixes before a `~` stem (`пона`, `недовы`), in codes.
const MAX_PREFIX_CODES: usize = 10;
/// A glob is tried only against words this long or shorter.
const MAX_GLOB_WORD: usize = 64;
const ANY: u8 = 0x00;

/// Russian verbal and nominal prefixes allowed before a `~` stem, alone or chained. Bare `с` and
/// `в` are left out on purpose: they would make `себя` and `веб` of `~еб*`.
const RU_PREFIXES: &[&str] = &[
    "а", "в", "вз", "взъ", "вы", "въ", "вь", "до", "за", "из", "изъ", "изь", "ис", "на", "не", "недо", "ни", "о", "об",
    "обо", "объ", "обь", "от", "ото", "отъ", "оть", "пере", "по", "под", "подъ", "подь", "при", "про", "раз", "разъ",
    "разь", "рас", "съ", "сь", "у", "без", "бес",
];

fn ru_prefix_codes() -> &'static [Vec<u8>] {
    static CODES: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    CODES.get_or_init(|| {
        RU_PREFIXES
            .iter()
            // "в" alone is not a prefix (веб); it is listed only to build вз/въ/вь chains below.
            .filter(|p| **p != "в")
            .map(|p| p.chars().filter_map(crate::normalize::simple_code).collect())
            .collect()
    })
}

fn is_prefix_chain(seg: &[u8]) -> bool {
    if seg.is_empty() {
        return true;
    }
    if seg.len() > MAX_PREFIX_CODES {
        return false;
    }
    ru_prefix_codes().iter().any(|p| seg.starts_with(p) && is_prefix_chain(&seg[p.len()..]))
}

/// One compiled entry.
#[derive(Debug)]
pub(crate) struct Pattern {
    pub list: u32,
    /// The entry as written, for evidence.
    pub source: Arc<str>,
    pub exception: bool,
    prefixed: bool,
    /// The word must end where the key ends (checked by the key's trailing space, or here for
    /// `~word`).
    start_space: bool,
    end_space: bool,
    /// Repeat counts of the key's codes, spaces included.
    runs: Vec<u8>,
    form: Form,
    /// For entries with `*` inside a word: the whole-word glob, `ANY` for each `*`.
    glob: Option<Vec<u8>>,
    /// The literal codes, for words with a masked letter (`f*ck`); presets only.
    literal: Vec<u8>,
}

/// An entry parsed and normalised, before it joins an automaton.
#[derive(Debug)]
pub(crate) struct ParsedEntry {
    exception: bool,
    prefixed: bool,
    start_anchor: bool,
    end_anchor: bool,
    form: Form,
    /// Literal pieces between inner `*`; one piece when there is none.
    pieces: Vec<(Vec<u8>, Vec<u8>)>,
}

/// Parses one entry with a throwaway normaliser.
pub(crate) fn parse_entry(entry: &str, norm: &mut Normalizer) -> Result<ParsedEntry, EntryProblem> {
    let mut s = entry.trim();
    if s.chars().count() > MAX_ENTRY_CHARS {
        return Err(EntryProblem::TooLong);
    }
    let exception = s.starts_with('!');
    if exception {
        s = &s[1..];
    }
    let prefixed = s.starts_with('~');
    if prefixed {
        s = &s[1..];
    }
    let start_anchor = !s.starts_with('*');
    let end_anchor = !s.ends_with('*');
    let core = s.trim_matches('*');
    if core.trim().is_empty() {
        return Err(EntryProblem::Empty);
    }
    let lower = core.to_lowercase();
    let inner: Vec<&str> = lower.split('*').collect();
    if inner.len() > 1 && lower.contains(char::is_whitespace) {
        return Err(EntryProblem::WildcardInPhrase);
    }
    if inner.len() - 1 + usize::from(!start_anchor) + usize::from(!end_anchor) > MAX_WILDCARDS {
        return Err(EntryProblem::TooManyWildcards);
    }
    let form = if lower.chars().any(crate::normalize::is_cyr) { Form::Ru } else { Form::En };
    let mut pieces = Vec::with_capacity(inner.len());
    for piece in inner {
        if piece.is_empty() {
            continue; // "a**b"
        }
        norm.run_with(piece, false);
        let buf = if form == Form::Ru { &norm.ru } else { &norm.en };
        if buf.words.is_empty() {
            return Err(EntryProblem::NoLetters);
        }
        let first = buf.words[0].start as usize;
        let last = buf.words[buf.words.len() - 1].end as usize;
        let codes = buf.codes[first..last].to_vec();
        if buf.codes.contains(&crate::normalize::GAP) {
            return Err(EntryProblem::MixedPhrase);
        }
        pieces.push((codes, buf.runs[first..last].to_vec()));
    }
    if pieces.is_empty() {
        return Err(EntryProblem::NoLetters);
    }
    Ok(ParsedEntry { exception, prefixed, start_anchor, end_anchor, form, pieces })
}

/// A hit that passed its checks.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RawHit {
    pub list: u32,
    pub pattern: u32,
    /// 0 = Russian form, 1 = English form, 2 = layout form.
    pub buf: u8,
    pub word: u32,
    /// Code range of the matched letters in that form.
    pub start: u32,
    pub end: u32,
}

/// Where the lexicon writes a message's hits; reused from message to message.
#[derive(Debug, Default)]
pub(crate) struct LexScratch {
    pub hits: Vec<RawHit>,
    exceptions: Vec<(u32, u8, u32)>,
}

#[derive(Debug)]
pub(crate) struct Lexicon {
    ac: Option<AhoCorasick>,
    /// Automaton pattern id → entries sharing that key.
    key_patterns: Vec<Vec<u32>>,
    pub patterns: Vec<Pattern>,
    maskable: Vec<u32>,
}

/// Collects entries, list by list, then builds the automaton.
#[derive(Default)]
pub(crate) struct LexiconBuilder {
    keys: std::collections::HashMap<Vec<u8>, u32>,
    key_list: Vec<Vec<u8>>,
    key_patterns: Vec<Vec<u32>>,
    patterns: Vec<Pattern>,
    maskable: Vec<u32>,
}

impl LexiconBuilder {
    pub fn add(&mut self, list: u32, source: &str, parsed: ParsedEntry, maskable: bool) {
        let ParsedEntry { exception, prefixed, start_anchor, end_anchor, form, pieces } = parsed;
        let glob_needed = pieces.len() > 1;
        // The key: the whole literal, or for a glob its longest piece.
        let (key_codes, key_runs) = if glob_needed {
            pieces.iter().max_by_key(|p| p.0.len()).cloned().unwrap_or_default()
        } else {
            pieces[0].clone()
        };
        let glob = glob_needed.then(|| {
            let mut g = Vec::new();
            if !start_anchor {
                g.push(ANY);
            }
            for (i, (codes, _)) in pieces.iter().enumerate() {
                if i > 0 {
                    g.push(ANY);
                }
                g.extend_from_slice(codes);
            }
            if !end_anchor {
                g.push(ANY);
            }
            g
        });
        let start_space = !glob_needed && start_anchor && !prefixed;
        let end_space = !glob_needed && end_anchor;
        let mut key = Vec::with_capacity(key_codes.len() + 2);
        let mut runs = Vec::with_capacity(key_codes.len() + 2);
        if start_space {
            key.push(SPACE);
            runs.push(1);
        }
        key.extend_from_slice(&key_codes);
        runs.extend_from_slice(&key_runs);
        if end_space {
            key.push(SPACE);
            runs.push(1);
        }
        let maskable = maskable && !exception && !glob_needed && !key_codes.contains(&SPACE);
        let id = self.patterns.len() as u32;
        self.patterns.push(Pattern {
            list,
            source: Arc::from(source),
            exception,
            prefixed,
            start_space,
            end_space,
            runs,
            form,
            glob,
            literal: key_codes,
        });
        if maskable {
            self.maskable.push(id);
        }
        let next = self.key_list.len() as u32;
        let k = *self.keys.entry(key.clone()).or_insert(next);
        if k == next {
            self.key_list.push(key);
            self.key_patterns.push(Vec::new());
        }
        self.key_patterns[k as usize].push(id);
    }

    pub fn build(self) -> Result<Lexicon, String> {
        let ac = if self.key_list.is_empty() {
            None
        } else {
            // A DFA is the fastest scan; it is refused when too large, then a contiguous NFA.
            let dfa = AhoCorasick::builder()
                .match_kind(MatchKind::Standard)
                .kind(Some(AhoCorasickKind::DFA))
                .dense_depth(3)
                .build(&self.key_list);
            match dfa {
                Ok(ac) => Some(ac),
                Err(_) => Some(
                    AhoCorasick::builder()
                        .match_kind(MatchKind::Standard)
                        .build(&self.key_list)
                        .map_err(|e| e.to_string())?,
                ),
            }
        };
        Ok(Lexicon { ac, key_patterns: self.key_patterns, patterns: self.patterns, maskable: self.maskable })
    }
}

impl Lexicon {
    /// Finds every hit in the three forms of the normalised message.
    pub fn scan(&self, norm: &Normalizer, out: &mut LexScratch) {
        out.hits.clear();
        out.exceptions.clear();
        let Some(ac) = &self.ac else { return };
        for (b, buf) in [&norm.ru, &norm.en, &norm.layout].into_iter().enumerate() {
            if buf.words.is_empty() {
                continue;
            }
            for m in ac.find_overlapping_iter(&buf.codes[..]) {
                for &p in &self.key_patterns[m.pattern().as_usize()] {
                    self.check(p, buf, b as u8, m.start(), m.end(), out);
                }
            }
            if buf.words.iter().any(|w| w.masked) {
                self.scan_masked(buf, b as u8, out);
            }
        }
        if !out.exceptions.is_empty() {
            let ex = &out.exceptions;
            out.hits.retain(|h| !ex.contains(&(h.list, h.buf, h.word)));
        }
    }

    fn check(&self, p: u32, buf: &FormBuf, b: u8, start: usize, end: usize, out: &mut LexScratch) {
        let pat = &self.patterns[p as usize];
        // Repeat counts: a natural double letter does not make a single one (shiitake ≠ shit),
        // emphasis (three or more) does, and so does a double in Cyrillic (ссука). At an open
        // edge of the key the extra letters may belong to the rest of the word (shit|ty).
        let last = pat.runs.len() - 1;
        for (k, &want) in pat.runs.iter().enumerate() {
            let got = buf.runs[start + k];
            let code = buf.codes[start + k];
            let open_edge = (k == 0 && !pat.start_space) || (k == last && !pat.end_space);
            let ok = got == want
                || (want == 1 && (got >= 3 || (got == 2 && is_cyr_code(code))))
                || ((want >= 2 || open_edge) && got >= want);
            if !ok {
                return;
            }
        }
        let ls = start + usize::from(pat.start_space);
        let le = end - usize::from(pat.end_space);
        let Some(w) = buf.word_at(ls) else { return };
        let word = buf.words[w];
        let word_form = match word.form {
            Form::Ru | Form::LayoutRu => Form::Ru,
            Form::En | Form::LayoutEn => Form::En,
        };
        if word_form != pat.form {
            return;
        }
        if pat.prefixed && !is_prefix_chain(&buf.codes[word.start as usize..ls]) {
            return;
        }
        if let Some(glob) = &pat.glob {
            let codes = &buf.codes[word.start as usize..word.end as usize];
            if codes.len() > MAX_GLOB_WORD || !glob_match(glob, codes) {
                return;
            }
        }
        if pat.exception {
            out.exceptions.push((pat.list, b, w as u32));
        } else {
            out.hits.push(RawHit {
                list: pat.list,
                pattern: p,
                buf: b,
                word: w as u32,
                start: ls as u32,
                end: le as u32,
            });
        }
    }

    /// Words with a `*` standing for a letter (`f*ck`, `бл*ть`) against the vocabulary presets:
    /// each `*` matches one letter; at least two real letters, and no more `*` than letters.
    fn scan_masked(&self, buf: &FormBuf, b: u8, out: &mut LexScratch) {
        for (w, word) in buf.words.iter().enumerate() {
            if !word.masked {
                continue;
            }
            let codes = &buf.codes[word.start as usize..word.end as usize];
            for &p in &self.maskable {
                let pat = &self.patterns[p as usize];
                if let Some(at) = masked_match(pat, codes, word) {
                    let s = word.start as usize + at;
                    out.hits.push(RawHit {
                        list: pat.list,
                        pattern: p,
                        buf: b,
                        word: w as u32,
                        start: s as u32,
                        end: (s + pat.literal.len()) as u32,
                    });
                }
            }
        }
    }
}

fn masked_match(pat: &Pattern, codes: &[u8], word: &WordSpan) -> Option<usize> {
    let word_form = match word.form {
        Form::Ru | Form::LayoutRu => Form::Ru,
        Form::En | Form::LayoutEn => Form::En,
    };
    let lit = &pat.literal;
    if word_form != pat.form || lit.len() > codes.len() {
        return None;
    }
    let last = codes.len() - lit.len();
    for at in 0..=last {
        if pat.start_space && at > 0 {
            break;
        }
        if pat.end_space && at != last {
            continue;
        }
        if pat.prefixed && (codes[..at].contains(&MASK) || !is_prefix_chain(&codes[..at])) {
            continue;
        }
        let window = &codes[at..at + lit.len()];
        let masks = window.iter().filter(|&&c| c == MASK).count();
        let real = window.len() - masks;
        if masks == 0 || real < 2 || masks > real {
            continue;
        }
        if window.iter().zip(lit).all(|(&c, &l)| c == MASK || c == l) {
            return Some(at);
        }
    }
    None
}

/// Whole-word glob: `ANY` matches any run of codes (possibly empty). Iterative, with the usual
/// single backtrack point, so linear in practice and bounded by `MAX_GLOB_WORD` squared.
fn glob_match(glob: &[u8], text: &[u8]) -> bool {
    let (mut g, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if g < glob.len() && glob[g] == ANY {
            star = Some((g, t));
            g += 1;
        } else if g < glob.len() && glob[g] == text[t] {
            g += 1;
            t += 1;
        } else if let Some((sg, st)) = star {
            g = sg + 1;
            t = st + 1;
            star = Some((sg, st + 1));
        } else {
            return false;
        }
    }
    glob[g..].iter().all(|&c| c == ANY)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lex(entries: &[&str]) -> Lexicon {
        let mut norm = Normalizer::new();
        let mut b = LexiconBuilder::default();
        for e in entries {
            let parsed = parse_entry(e, &mut norm).unwrap();
            b.add(0, e, parsed, true);
        }
        b.build().unwrap()
    }

    fn hits(lex: &Lexicon, text: &str) -> Vec<String> {
        let mut norm = Normalizer::new();
        norm.run(text);
        let mut out = LexScratch::default();
        lex.scan(&norm, &mut out);
        out.hits.iter().map(|h| lex.patterns[h.pattern as usize].source.to_string()).collect()
    }

    #[test]
    fn anchors() {
        let l = lex(&["спам*", "*coin", "exact", "*mid*", "two words", "sp*m"]);
        assert_eq!(hits(&l, "спамеры тут"), ["спам*"]);
        assert!(hits(&l, "антиспам").is_empty());
        assert_eq!(hits(&l, "buy bitcoin"), ["*coin"]);
        assert!(hits(&l, "coins").is_empty());
        assert_eq!(hits(&l, "an exact match"), ["exact"]);
        assert!(hits(&l, "exactly").is_empty());
        assert_eq!(hits(&l, "amidst"), ["*mid*"]);
        assert_eq!(hits(&l, "say two  words"), ["two words"]);
        assert!(hits(&l, "two more words").is_empty());
        assert_eq!(hits(&l, "spaaam"), ["sp*m"]);
        assert!(hits(&l, "spa").is_empty());
    }

    #[test]
    fn russian_prefixes_and_exceptions() {
        let l = lex(&["~хуй*", "~еб*", "~муд*", "!~мудр*"]);
        for bad in ["нахуй", "похуй", "хуйня", "заебали", "уебок", "отъебись", "мудак", "нехуй"]
        {
            assert!(!hits(&l, bad).is_empty(), "{bad}");
        }
        for good in ["застрахуйте", "психуй", "тебя", "себя", "веб", "небо", "хлебать", "мудрость", "умудриться"]
        {
            assert!(hits(&l, good).is_empty(), "{good}");
        }
    }

    #[test]
    fn repeats() {
        let l = lex(&["shit*", "ass", "сука"]);
        assert!(hits(&l, "shiitake").is_empty());
        assert!(!hits(&l, "shiiit").is_empty());
        assert!(hits(&l, "as").is_empty());
        assert!(!hits(&l, "asss").is_empty());
        assert!(!hits(&l, "ссука").is_empty());
    }

    #[test]
    fn masks() {
        let l = lex(&["*fuck*", "~бля*", "сука"]);
        assert_eq!(hits(&l, "motherf*cker"), ["*fuck*"]);
        assert_eq!(hits(&l, "бл*ть"), ["~бля*"]);
        assert_eq!(hits(&l, "с*ка"), ["сука"]);
        assert!(hits(&l, "****").is_empty());
        assert!(hits(&l, "f***").is_empty());
    }

    #[test]
    fn entry_errors() {
        let mut n = Normalizer::new();
        assert_eq!(parse_entry("  ", &mut n).unwrap_err(), EntryProblem::Empty);
        assert_eq!(parse_entry("***", &mut n).unwrap_err(), EntryProblem::Empty);
        assert_eq!(parse_entry("123", &mut n).unwrap_err(), EntryProblem::NoLetters);
        assert_eq!(parse_entry("a*b c", &mut n).unwrap_err(), EntryProblem::WildcardInPhrase);
        assert_eq!(parse_entry("*a*b*c*d*", &mut n).unwrap_err(), EntryProblem::TooManyWildcards);
        assert_eq!(parse_entry("привет world", &mut n).unwrap_err(), EntryProblem::MixedPhrase);
        assert_eq!(parse_entry(&"a".repeat(101), &mut n).unwrap_err(), EntryProblem::TooLong);
    }

    #[test]
    fn glob() {
        assert!(glob_match(b"a\0c", b"abbbc"));
        assert!(glob_match(b"a\0c", b"ac"));
        assert!(!glob_match(b"a\0c", b"abd"));
        assert!(glob_match(b"\0c", b"xxc"));
    }
}
