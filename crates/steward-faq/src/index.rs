//! The index: built once from the entries, then asked many questions.
//!
//! Every word becomes a *term* (its Snowball stem); a word in a synonym group also carries the
//! group's *concept* term, so "посылка" in a question meets "заказ" in an entry. Postings map a
//! term to the entries that use it and how (in a phrasing: 1, only in the answer or category:
//! less). A question is analysed the same way, plus what only questions need: the keyboard
//! layout fix, colloquial forms and typo correction against the index's own vocabulary.

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher, Hash, Hasher};

use crate::model::{Entry, Lang, Status};
use crate::synonyms::Synonyms;
use crate::text::{self, Script, Stemmers};

pub(crate) type TermId = u32;
pub(crate) type EntryIdx = u32;

/// How the matcher weighs things and where it draws its lines. The defaults are tuned on the
/// development set and checked on a second, unseen knowledge base (docs/FAQ.md).
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// Answer when the best topic scores at least this…
    pub answer_threshold: f32,
    /// …and leads the runner-up by at least this much.
    pub min_margin: f32,
    /// Between this and `answer_threshold` (or without the margin), offer alternatives.
    pub suggest_threshold: f32,
    /// How many alternatives `Suggest` offers.
    pub max_alternatives: usize,
    /// Index drafts too (an admin's preview); normally only published entries answer.
    pub include_drafts: bool,
    /// Weight of a word the knowledge base does not know, relative to a typical word.
    pub unknown_word_weight: f32,
    /// Credit for meeting a word through a synonym group rather than the word itself.
    pub synonym_credit: f32,
    /// Credit for a word found only in an entry's answer or category.
    pub answer_credit: f32,
    /// Weight of question words ("где", "when") relative to other words.
    pub question_word_weight: f32,
    /// Credit for a word reached by typo correction.
    pub typo_credit: f32,
    /// Credit for a word that shares only its stem's first letters with the entry's.
    pub prefix_credit: f32,
    /// How much the score leans on question coverage; the rest is phrasing coverage.
    pub question_share: f32,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            answer_threshold: 0.5,
            min_margin: 0.05,
            suggest_threshold: 0.4,
            max_alternatives: 3,
            include_drafts: false,
            unknown_word_weight: 0.6,
            synonym_credit: 0.85,
            answer_credit: 0.5,
            question_word_weight: 0.5,
            typo_credit: 0.85,
            prefix_credit: 0.8,
            question_share: 0.7,
        }
    }
}

/// What a word is to the hand-over rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    Plain,
    /// "где", "how": kept, weighed lightly.
    QuestionWord,
    /// "оператор", "human": always a request for a person.
    Human,
    /// "человек", "people", "живой": a person only next to a request verb or alone.
    HumanWeak,
    /// "позовите", "talk": asking for something.
    Request,
}

/// How a question word reaches an entry's word.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Via {
    /// The same stem.
    Stem,
    /// The same first letters of the stem ("работаете" → работа, "работы" → работ: both
    /// "работ"), which catches what Snowball leaves apart.
    Prefix,
    /// A synonym group.
    Synonym,
    /// The word written in the other script ("есим" → esim).
    Translit,
}

/// Stems shorter than this have no prefix term; longer ones are cut to it.
const PREFIX_CHARS: usize = 5;

fn prefix_key(stem: &str) -> Option<String> {
    if stem.chars().count() < PREFIX_CHARS || stem.chars().any(|c| c.is_ascii_digit()) {
        return None;
    }
    let mut key = String::from("\u{2}");
    key.extend(stem.chars().take(PREFIX_CHARS));
    Some(key)
}

/// A word on its way to becoming a token.
pub(crate) struct Word {
    text: String,
    stem: String,
    term: Option<TermId>,
    prefix: Option<TermId>,
    translit: Option<TermId>,
}

/// One analysed word of a question or phrasing.
#[derive(Clone, Debug)]
pub(crate) struct Token {
    /// The terms this word may meet in an entry: its stem, its stem's prefix, its concepts.
    pub alts: Vec<(TermId, Via)>,
    pub role: Role,
    pub stop: bool,
    /// Part of a multi-word synonym already counted on its first word.
    pub absorbed: bool,
    /// Reached by typo correction.
    pub corrected: bool,
    /// The stem, for de-duplication of repeated unknown words.
    pub stem: String,
}

#[derive(Clone, Debug)]
pub(crate) struct Phrasing {
    /// Per non-stop word: its terms and its weight (the stem's idf).
    pub words: Vec<(Vec<TermId>, f32)>,
    pub total: f32,
}

/// Words that ask for a person, and the verbs that make it a request. Weak words ("people",
/// "кто") name a person only next to a request verb: "add people to my team" is not a request.
/// Words that always ask for a person, words that name one only next to a request verb or alone
/// ("add people to my team", "сколько человек в команде" are not requests), and the verbs.
const HUMAN_STRONG: &[&str] = &[
    "оператор",
    "оператора",
    "оператором",
    "операторы",
    "операторов",
    "консультант",
    "консультанта",
    "консультантом",
    "human",
    "humans",
    "operator",
    "agent",
    "agents",
    "representative",
    "rep",
];
const HUMAN_WEAK: &[&str] = &[
    "человек",
    "человека",
    "человеком",
    "менеджер",
    "менеджера",
    "менеджером",
    "специалист",
    "специалиста",
    "специалистом",
    "сотрудник",
    "сотрудника",
    "сотрудником",
    "живой",
    "живым",
    "живого",
    "реальный",
    "реальным",
    "кто",
    "кем",
    "кого",
    "люди",
    "людьми",
    "person",
    "manager",
    "real",
    "live",
    "actual",
    "someone",
    "somebody",
    "anyone",
    "anybody",
    "people",
    "staff",
];
const REQUEST: &[&str] = &[
    "позовите",
    "позови",
    "позвать",
    "зовите",
    "соедините",
    "соедини",
    "соединить",
    "переключите",
    "переключи",
    "переключить",
    "поговорить",
    "говорить",
    "пообщаться",
    "связаться",
    "свяжите",
    "дайте",
    "дай",
    "нужен",
    "нужна",
    "хочу",
    "требую",
    "пригласите",
    "talk",
    "speak",
    "connect",
    "transfer",
    "chat",
    "reach",
    "contact",
    "want",
    "need",
    "give",
    "get",
];
const QUESTION_WORDS: &[&str] = &[
    "где",
    "когда",
    "сколько",
    "как",
    "почему",
    "зачем",
    "куда",
    "откуда",
    "чем",
    "where",
    "when",
    "how",
    "why",
    "which",
];

/// The index over a knowledge base. Cheap to share (`Send + Sync`); each thread reuses its own
/// scratch buffers between questions.
pub struct Index {
    pub(crate) config: Config,
    pub(crate) entries: Vec<Entry>,
    /// Entry → topic (entries with the same id share one).
    pub(crate) topic_of: Vec<u32>,
    /// Topic → its entries (one per language, normally).
    pub(crate) topic_entries: Vec<Vec<EntryIdx>>,
    pub(crate) phrasings: Vec<Vec<Phrasing>>,
    terms: HashMap<String, TermId>,
    pub(crate) idf: Vec<f32>,
    pub(crate) postings: Vec<Vec<(EntryIdx, f32)>>,
    /// Stem term → the concept terms of the groups it belongs to.
    concepts: HashMap<TermId, Vec<TermId>>,
    /// First stem of a multi-word synonym → (the stem sequence, its concept).
    phrases: HashMap<TermId, Vec<(Vec<TermId>, TermId)>>,
    /// Surface words the typo corrector may land on, and their stem terms.
    vocab: Vec<(Box<[char]>, TermId)>,
    /// Hash of a word with up to one character deleted → vocabulary words.
    deletes: HashMap<u64, Vec<u32>>,
    human: HashMap<TermId, Role>,
    pub(crate) typical_idf: f32,
    stemmers: Stemmers,
}

#[derive(Default)]
pub(crate) struct Scratch {
    norm: String,
    switched: String,
    chunk_words: Vec<String>,
    pub best: Vec<f32>,
    pub acc: Vec<f32>,
    pub touched: Vec<EntryIdx>,
    pub query_terms: Vec<TermId>,
}

thread_local! {
    pub(crate) static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

fn word_hash(chars: impl Iterator<Item = char>) -> u64 {
    let mut h: DefaultHasher = BuildHasherDefault::<DefaultHasher>::default().build_hasher();
    for c in chars {
        c.hash(&mut h);
    }
    h.finish()
}

/// Calls `f` with the hash of `word` minus the characters at each set of up to `depth` positions.
fn for_each_deletion(word: &[char], depth: usize, f: &mut impl FnMut(u64)) {
    f(word_hash(word.iter().copied()));
    if depth >= 1 {
        for i in 0..word.len() {
            f(word_hash(word.iter().enumerate().filter(|(k, _)| *k != i).map(|(_, c)| *c)));
            if depth >= 2 {
                for j in i + 1..word.len() {
                    f(word_hash(word.iter().enumerate().filter(|(k, _)| *k != i && *k != j).map(|(_, c)| *c)));
                }
            }
        }
    }
}

struct Builder {
    terms: HashMap<String, TermId>,
    concepts: HashMap<TermId, Vec<TermId>>,
    phrases: HashMap<TermId, Vec<(Vec<TermId>, TermId)>>,
    stemmers: Stemmers,
}

impl Builder {
    fn intern(&mut self, stem: &str) -> TermId {
        let next = self.terms.len() as TermId;
        *self.terms.entry(stem.to_string()).or_insert(next)
    }

    fn stem_words(&mut self, text: &str) -> Vec<Word> {
        let norm = text::normalise(text);
        let mut out = Vec::new();
        for w in text::words(&norm) {
            for w in text::colloquial(w).unwrap_or(w).split(' ') {
                let stem = self.stemmers.stem(w).into_owned();
                let term = Some(self.intern(&stem));
                let prefix = prefix_key(&stem).map(|k| self.intern(&k));
                out.push(Word { text: w.to_string(), stem, term, prefix, translit: None });
            }
        }
        out
    }
}

impl Index {
    /// Builds the index. Drafts are left out unless `config.include_drafts`.
    pub fn build(entries: &[Entry], synonyms: &Synonyms, config: Config) -> Index {
        let mut b = Builder {
            terms: HashMap::new(),
            concepts: HashMap::new(),
            phrases: HashMap::new(),
            stemmers: Stemmers::default(),
        };
        let mut vocab_words: HashMap<String, TermId> = HashMap::new();

        // Synonym groups: each group is a concept term; one-word members map stem → concept,
        // longer members become phrases.
        for (g, group) in synonyms.groups.iter().enumerate() {
            let concept = b.intern(&format!("\u{1}{g}"));
            for member in group {
                let words = b.stem_words(member);
                let ids: Vec<TermId> = words.iter().filter_map(|w| w.term).collect();
                for (w, id) in words.iter().zip(&ids) {
                    vocab_words.entry(w.text.clone()).or_insert(*id);
                }
                match ids.as_slice() {
                    [] => {}
                    [id] => {
                        let list = b.concepts.entry(*id).or_default();
                        if !list.contains(&concept) {
                            list.push(concept);
                        }
                    }
                    [first, ..] => b.phrases.entry(*first).or_default().push((ids.clone(), concept)),
                }
            }
        }
        let mut human = HashMap::new();
        for (list, role) in [(HUMAN_STRONG, Role::Human), (HUMAN_WEAK, Role::HumanWeak), (REQUEST, Role::Request)] {
            for w in list {
                for w in b.stem_words(w) {
                    let id = w.term.unwrap_or_default();
                    // Short weak words are not typo targets: "life" is not "live".
                    if role != Role::HumanWeak || w.text.chars().count() >= 6 {
                        vocab_words.entry(w.text).or_insert(id);
                    }
                    human.entry(id).or_insert(role);
                }
            }
        }
        for w in QUESTION_WORDS {
            for w in b.stem_words(w) {
                vocab_words.entry(w.text).or_insert(w.term.unwrap_or_default());
            }
        }

        let entries: Vec<Entry> =
            entries.iter().filter(|e| config.include_drafts || e.status == Status::Published).cloned().collect();
        let mut topic_ids: HashMap<&str, u32> = HashMap::new();
        let mut topic_of = Vec::with_capacity(entries.len());
        for e in &entries {
            let next = topic_ids.len() as u32;
            topic_of.push(*topic_ids.entry(e.id.as_str()).or_insert(next));
        }
        let topic_count = topic_ids.len();
        let mut topic_entries = vec![Vec::new(); topic_count];
        for (e, t) in topic_of.iter().enumerate() {
            topic_entries[*t as usize].push(e as EntryIdx);
        }

        // Analyse every field; postings keep the best field weight per (term, entry).
        let mut entry_terms: Vec<HashMap<TermId, f32>> = Vec::with_capacity(entries.len());
        // Per entry, per phrasing, per word: its terms and whether it is a question word.
        type PhrasingWords = Vec<(Vec<TermId>, bool)>;
        let mut entry_phrasings: Vec<Vec<PhrasingWords>> = Vec::with_capacity(entries.len());
        for e in &entries {
            let mut terms: HashMap<TermId, f32> = HashMap::new();
            let mut phr = Vec::new();
            let fields = e
                .questions
                .iter()
                .map(|q| (q.as_str(), 1.0))
                .chain([(e.answer.as_str(), config.answer_credit), (e.category.as_str(), config.answer_credit)]);
            for (i, (field, weight)) in fields.enumerate() {
                let words = b.stem_words(field);
                for w in &words {
                    if let Some(id) = w.term
                        && w.text.chars().count() >= 4
                        && !text::is_stop(&w.text)
                    {
                        vocab_words.entry(w.text.clone()).or_insert(id);
                    }
                }
                let tokens = analyse_ids(&b.concepts, &b.phrases, &words);
                let mut words_terms = Vec::new();
                for t in tokens.iter().filter(|t| !t.stop && !t.absorbed) {
                    for (term, _) in &t.alts {
                        let w = terms.entry(*term).or_insert(0.0);
                        *w = w.max(weight);
                    }
                    words_terms
                        .push((t.alts.iter().map(|(t, _)| *t).collect::<Vec<_>>(), t.role == Role::QuestionWord));
                }
                if i < e.questions.len() {
                    phr.push(words_terms);
                }
            }
            entry_terms.push(terms);
            entry_phrasings.push(phr);
        }

        // A word for a person that the knowledge base itself asks about is part of its domain
        // ("перенос номера от другого **оператора**" at a telecom): it then asks for a person
        // only next to a request verb or alone, like "человек".
        for terms in &entry_terms {
            for (term, weight) in terms {
                if *weight >= 1.0
                    && let Some(role) = human.get_mut(term)
                    && *role == Role::Human
                {
                    *role = Role::HumanWeak;
                }
            }
        }

        let term_count = b.terms.len();
        let mut postings: Vec<Vec<(EntryIdx, f32)>> = vec![Vec::new(); term_count];
        let mut topic_df: Vec<Vec<u32>> = vec![Vec::new(); term_count];
        for (e, terms) in entry_terms.iter().enumerate() {
            let mut sorted: Vec<_> = terms.iter().collect();
            sorted.sort_by_key(|(t, _)| **t);
            for (&t, &w) in sorted {
                postings[t as usize].push((e as EntryIdx, w));
                let topics = &mut topic_df[t as usize];
                if !topics.contains(&topic_of[e]) {
                    topics.push(topic_of[e]);
                }
            }
        }
        let n = topic_count.max(1) as f32;
        let idf: Vec<f32> = topic_df
            .iter()
            .map(|topics| {
                let df = topics.len() as f32;
                (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
            })
            .collect();
        let mut known: Vec<f32> = idf.iter().zip(&postings).filter(|(_, p)| !p.is_empty()).map(|(i, _)| *i).collect();
        known.sort_by(|a, b| a.total_cmp(b));
        let typical_idf = known.get(known.len() / 2).copied().unwrap_or(1.0);

        let phrasings = entry_phrasings
            .into_iter()
            .map(|phr| {
                phr.into_iter()
                    .map(|words| {
                        let words: Vec<(Vec<TermId>, f32)> = words
                            .into_iter()
                            .map(|(alts, question_word)| {
                                let w = alts.first().map(|t| idf[*t as usize]).unwrap_or(0.0);
                                (alts, if question_word { w * config.question_word_weight } else { w })
                            })
                            .collect();
                        let total = words.iter().map(|(_, w)| w).sum();
                        Phrasing { words, total }
                    })
                    .collect()
            })
            .collect();

        let mut vocab: Vec<(Box<[char]>, TermId)> =
            vocab_words.into_iter().map(|(w, id)| (w.chars().collect::<Box<[char]>>(), id)).collect();
        vocab.sort();
        let mut deletes: HashMap<u64, Vec<u32>> = HashMap::new();
        for (i, (w, _)) in vocab.iter().enumerate() {
            if w.len() >= 3 {
                for_each_deletion(w, 1, &mut |h| deletes.entry(h).or_default().push(i as u32));
            }
        }

        Index {
            config,
            entries,
            topic_of,
            topic_entries,
            phrasings,
            terms: b.terms,
            idf,
            postings,
            concepts: b.concepts,
            phrases: b.phrases,
            vocab,
            deletes,
            human,
            typical_idf,
            stemmers: b.stemmers,
        }
    }

    /// Changes where the decision lines are drawn (they are read at ask time, so no rebuild:
    /// an admin's slider applies at once). The analysis settings stay as built.
    pub fn set_thresholds(&mut self, answer_threshold: f32, min_margin: f32, suggest_threshold: f32) {
        self.config.answer_threshold = answer_threshold;
        self.config.min_margin = min_margin;
        self.config.suggest_threshold = suggest_threshold;
    }

    /// The indexed entries (published, or all with `include_drafts`).
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    fn term(&self, stem: &str) -> Option<TermId> {
        self.terms.get(stem).copied()
    }

    /// How sure we are that a word is one this index (or the languages' function words) knows.
    fn known(&self, word: &str) -> f32 {
        // Single letters are words in both languages and in any layout ("r", "i", "я"): no evidence.
        if word.chars().nth(1).is_none() {
            return 0.0;
        }
        let w = text::colloquial(word).unwrap_or(word);
        if w.contains(' ') || text::is_stop(w) || self.term(&self.stemmers.stem(w)).is_some() {
            return 1.0;
        }
        let chars: Vec<char> = w.chars().collect();
        if self.correct(&chars).is_some() { 0.6 } else { 0.0 }
    }

    /// The vocabulary word nearest a word the index does not know: one edit for short words,
    /// two for long ones; ties go to the more common term.
    fn correct(&self, word: &[char]) -> Option<TermId> {
        if word.len() < 4 || word.iter().any(|c| c.is_ascii_digit()) {
            return None;
        }
        let max = if word.len() >= 8 { 2 } else { 1 };
        let mut best: Option<(usize, usize, TermId)> = None;
        for_each_deletion(word, max, &mut |h| {
            if let Some(cands) = self.deletes.get(&h) {
                for &c in cands {
                    let (v, term) = &self.vocab[c as usize];
                    let Some(d) = text::edit_distance_within(word, v, max) else { continue };
                    // Keep the first letter unless the word is long: short words differing at
                    // the start are usually different words.
                    if d > 0 && word.len() < 6 && v.first() != word.first() {
                        continue;
                    }
                    let df = self.postings[*term as usize].len();
                    let better = match best {
                        None => true,
                        Some((bd, bdf, _)) => d < bd || (d == bd && df > bdf),
                    };
                    if better {
                        best = Some((d, df, *term));
                    }
                }
            }
        });
        best.map(|(_, _, t)| t)
    }

    /// Analyses a question into tokens (stop words kept, marked) and its detected language.
    pub(crate) fn analyse(&self, question: &str, hint: Option<Lang>, s: &mut Scratch) -> (Vec<Token>, Option<Lang>) {
        s.norm.clear();
        // Bound the work on absurd inputs: questions are short.
        let question = match question.char_indices().nth(2000) {
            Some((i, _)) => &question[..i],
            None => question,
        };
        text::normalise_into(question, &mut s.norm);
        let norm = std::mem::take(&mut s.norm);

        // Keyboard layout. A chunk is switched when its switched words are better known than its
        // typed ones ("jgthfnjh please": only the first); a chunk unknown either way ("bosch" in
        // "ult pf,hfnm xfqybr bosch") follows the rest of its script.
        let chunks: Vec<&str> = norm.split_whitespace().collect();
        let mut chunk_gain: Vec<Option<(usize, f32)>> = Vec::with_capacity(chunks.len());
        let mut gain = [0.0f32; 2]; // Latin, Cyrillic
        for chunk in &chunks {
            let slot = match text::script_of(chunk) {
                Script::Latin => 0,
                Script::Cyrillic => 1,
                Script::Other => {
                    chunk_gain.push(None);
                    continue;
                }
            };
            if text::switch_layout(chunk, &mut s.switched).is_none() {
                chunk_gain.push(None);
                continue;
            }
            let typed: f32 = text::words(chunk).map(|w| self.known(w)).sum();
            let switched: f32 = text::words(&s.switched).map(|w| self.known(w)).sum();
            gain[slot] += switched - typed;
            chunk_gain.push(Some((slot, switched - typed)));
        }
        // A hint that the question is Russian makes Latin text more suspicious, and vice versa.
        let bias = |slot: usize| match (hint, slot) {
            (Some(Lang::Ru), 0) | (Some(Lang::En), 1) => 0.3,
            _ => 0.0,
        };
        let mut words_list = std::mem::take(&mut s.chunk_words);
        words_list.clear();
        for (chunk, chunk_gain) in chunks.iter().zip(&chunk_gain) {
            let switch =
                chunk_gain.is_some_and(|(slot, g)| g + bias(slot) > 0.5 || (g >= 0.0 && gain[slot] + bias(slot) > 0.5));
            let source: &str =
                if switch && text::switch_layout(chunk, &mut s.switched).is_some() { &s.switched } else { chunk };
            for w in text::words(source) {
                for w in text::colloquial(w).unwrap_or(w).split(' ') {
                    words_list.push(w.to_string());
                }
            }
        }
        let lang = {
            let joined: String = words_list.concat();
            text::detect_lang(&joined).or(hint)
        };

        let mut words = Vec::with_capacity(words_list.len());
        let mut corrected = Vec::with_capacity(words_list.len());
        for w in &words_list {
            let stem = self.stemmers.stem(w).into_owned();
            let stop = text::is_stop(w);
            let mut term = self.term(&stem);
            let translit = if stop || text::transliterate(w, &mut s.switched).is_none() {
                None
            } else {
                self.term(&self.stemmers.stem(&s.switched)).filter(|t| Some(*t) != term)
            };
            let mut fixed = false;
            if term.is_none() && translit.is_none() && !stop {
                let chars: Vec<char> = w.chars().collect();
                term = self.correct(&chars);
                fixed = term.is_some();
            }
            let prefix = prefix_key(&stem).and_then(|k| self.term(&k));
            words.push(Word { text: w.clone(), stem, term, prefix, translit });
            corrected.push(fixed);
        }
        let mut tokens = analyse_ids(&self.concepts, &self.phrases, &words);
        for (t, fixed) in tokens.iter_mut().zip(corrected) {
            t.corrected = fixed;
            if let Some((id, Via::Stem)) = t.alts.first()
                && let Some(role) = self.human.get(id)
            {
                t.role = *role;
            }
        }
        s.chunk_words = words_list;
        s.norm = norm;
        (tokens, lang)
    }
}

/// Where the phrase `seq` occurs starting at word `i`, allowing two other words in between.
fn phrase_at(seq: &[TermId], words: &[Word], i: usize) -> Option<Vec<usize>> {
    const MAX_GAP: usize = 2;
    let mut at = vec![i];
    let mut gap = 0;
    let mut k = i + 1;
    for t in &seq[1..] {
        loop {
            let w = words.get(k)?;
            if w.term == Some(*t) {
                at.push(k);
                k += 1;
                break;
            }
            gap += 1;
            k += 1;
            if gap > MAX_GAP {
                return None;
            }
        }
    }
    Some(at)
}

/// Turns words into tokens with their prefix and concept alternatives and multi-word synonyms
/// resolved. Shared by entries and questions so both sides agree.
fn analyse_ids(
    concepts: &HashMap<TermId, Vec<TermId>>,
    phrases: &HashMap<TermId, Vec<(Vec<TermId>, TermId)>>,
    words: &[Word],
) -> Vec<Token> {
    let mut tokens: Vec<Token> = words
        .iter()
        .map(|w| {
            let mut alts = Vec::new();
            if let Some(id) = w.term {
                alts.push((id, Via::Stem));
                if let Some(cs) = concepts.get(&id) {
                    alts.extend(cs.iter().map(|c| (*c, Via::Synonym)));
                }
            }
            if let Some(p) = w.prefix {
                alts.push((p, Via::Prefix));
            }
            if let Some(t) = w.translit {
                alts.push((t, Via::Translit));
                if let Some(cs) = concepts.get(&t) {
                    alts.extend(cs.iter().map(|c| (*c, Via::Synonym)));
                }
            }
            let question_word = QUESTION_WORDS.contains(&w.text.as_str());
            Token {
                alts,
                role: if question_word { Role::QuestionWord } else { Role::Plain },
                stop: text::is_stop(&w.text) && !question_word,
                absorbed: false,
                corrected: false,
                stem: w.stem.clone(),
            }
        })
        .collect();
    // Multi-word synonyms: the longest phrase starting at a word replaces that word's own terms
    // ("how many days" is a duration, not "how many"), and its other words are absorbed. Up to
    // two other words may sit inside a phrase ("send the shoes back", "сколько у вас стоит").
    let mut i = 0;
    while i < words.len() {
        if tokens[i].absorbed {
            i += 1;
            continue;
        }
        let mut best: Vec<usize> = Vec::new();
        let mut found: Vec<TermId> = Vec::new();
        if let Some(cands) = words[i].term.and_then(|first| phrases.get(&first)) {
            for (seq, concept) in cands {
                let Some(at) = phrase_at(seq, words, i) else { continue };
                if at.len() < best.len() {
                    continue;
                }
                if at.len() > best.len() {
                    best = at;
                    found.clear();
                }
                if !found.contains(concept) {
                    found.push(*concept);
                }
            }
        }
        if best.is_empty() {
            i += 1;
            continue;
        }
        let t = &mut tokens[i];
        t.alts = found.into_iter().map(|c| (c, Via::Synonym)).collect();
        // A phrase is content even when made of stop or question words ("не работает", "how long").
        t.stop = false;
        t.role = Role::Plain;
        for &k in &best[1..] {
            tokens[k].absorbed = true;
        }
        i += 1;
    }
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index() -> Index {
        let entries = vec![Entry {
            id: "return".into(),
            lang: Lang::Ru,
            questions: vec!["Как вернуть товар?".into(), "Где личный кабинет?".into()],
            answer: "В личном кабинете".into(),
            category: String::new(),
            status: Status::Published,
        }];
        Index::build(&entries, &Synonyms::builtin(), Config::default())
    }

    #[test]
    fn corrects_typos_against_vocabulary() {
        let ix = index();
        let want = ix.term(&ix.stemmers.stem("вернуть"));
        assert!(want.is_some());
        assert_eq!(ix.correct(&"вернуьт".chars().collect::<Vec<_>>()), want);
        assert_eq!(ix.correct(&"погода".chars().collect::<Vec<_>>()), None);
    }

    #[test]
    fn layout_and_phrases() {
        let ix = index();
        let mut s = Scratch::default();
        let (tokens, lang) = ix.analyse("rfr dthyenm njdfh", None, &mut s);
        assert_eq!(lang, Some(Lang::Ru));
        assert_eq!(tokens.iter().map(|t| t.stem.as_str()).collect::<Vec<_>>(), ["как", "вернут", "товар"]);
        let (tokens, _) = ix.analyse("личный кабинет", None, &mut s);
        assert!(tokens[1].absorbed);
        assert!(!tokens[0].alts.is_empty() && tokens[0].alts.iter().all(|(_, via)| *via == Via::Synonym));
    }
}
