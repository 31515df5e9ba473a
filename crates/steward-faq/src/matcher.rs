//! Scoring and the decision: answer, suggest, or hand over.
//!
//! A topic's score is the geometric blend of two coverages, both weighted by word rarity (idf):
//! how much of the *question* the entry accounts for (words the index has never seen count
//! against it: "погода", "gift cards"), and how much of the entry's best *phrasing* the question
//! accounts for. Both are in 0..1, so the score is too, and one threshold means the same thing
//! for a two-word question and a long one.

use crate::index::{EntryIdx, Index, Role, SCRATCH, Scratch, TermId, Token, Via};
use crate::model::{Entry, Lang};

/// An entry and how well it matches.
#[derive(Clone, Debug, PartialEq)]
pub struct Scored<'a> {
    pub entry: &'a Entry,
    /// 0..1.
    pub score: f32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HandOverReason {
    /// The person asked for a human ("оператор", "talk to a person").
    HumanRequested,
    /// Nothing in the knowledge base matches well enough.
    LowConfidence,
    /// The message has no words to match (empty, emoji, punctuation, greetings only).
    Empty,
}

impl HandOverReason {
    pub fn as_str(self) -> &'static str {
        match self {
            HandOverReason::HumanRequested => "human_requested",
            HandOverReason::LowConfidence => "low_confidence",
            HandOverReason::Empty => "empty",
        }
    }
}

/// What the bot should do with a question.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome<'a> {
    /// Confident: send this entry's answer (in the question's language where the topic has one).
    Answer { entry: &'a Entry, confidence: f32 },
    /// Unsure: offer these (best first) and let the person pick or ask for a human.
    Suggest { alternatives: Vec<Scored<'a>> },
    /// Pass the conversation to a person.
    HandOver { reason: HandOverReason },
}

/// Entries whose phrasings are checked, best question coverage first.
const SHORTLIST: usize = 64;

impl Index {
    /// Decides what to do with a question. `lang_hint` (the widget's or person's language) helps
    /// the keyboard-layout fix and picks the answer language when the text has no letters.
    pub fn ask(&self, question: &str, lang_hint: Option<Lang>) -> Outcome<'_> {
        SCRATCH.with_borrow_mut(|s| self.ask_with(question, lang_hint, s))
    }

    /// The best `k` topics for a question, best first (one entry per topic, in the question's
    /// language where it has one): "suggested answers" for operators. No thresholds.
    pub fn rank(&self, question: &str, k: usize) -> Vec<Scored<'_>> {
        SCRATCH.with_borrow_mut(|s| {
            let (tokens, lang) = self.analyse(question, None, s);
            let mut ranked = self.score(&tokens, lang, false, s);
            ranked.truncate(k);
            ranked
        })
    }

    fn ask_with(&self, question: &str, lang_hint: Option<Lang>, s: &mut Scratch) -> Outcome<'_> {
        let (tokens, lang) = self.analyse(question, lang_hint, s);
        let lang = lang.or(lang_hint);
        let count = |role: Role| tokens.iter().filter(|t| t.role == role).count();
        let (human, weak, request) = (count(Role::Human), count(Role::HumanWeak), count(Role::Request));
        let content = tokens.iter().filter(|t| !t.stop && !t.absorbed && t.role == Role::Plain).count();
        // "оператор", "human", "agent": always a request. "человек", "people", "сотрудник" name
        // a person too, but also come up in questions: a request only with a request verb
        // ("позовите живого человека", "talk to someone") or with nothing else to go on.
        // "ты бот или живой человек? чем бот отличается от админа" is a question like any other.
        if human > 0 || (weak > 0 && (request > 0 || content == 0)) {
            return Outcome::HandOver { reason: HandOverReason::HumanRequested };
        }
        if tokens.iter().all(|t| t.stop || t.absorbed) {
            return Outcome::HandOver { reason: HandOverReason::Empty };
        }
        // Words for a person in a question are not what it is about.
        let ranked = self.score(&tokens, lang, weak > 0, s);
        let c = &self.config;
        let top = ranked.first().map_or(0.0, |r| r.score);
        let second = ranked.get(1).map_or(0.0, |r| r.score);
        if top >= c.answer_threshold && top - second >= c.min_margin {
            let entry = ranked[0].entry;
            return Outcome::Answer { entry, confidence: top };
        }
        if top >= c.suggest_threshold {
            let floor = c.suggest_threshold.max(top * 0.6);
            let alternatives: Vec<Scored<'_>> =
                ranked.into_iter().filter(|r| r.score >= floor).take(c.max_alternatives).collect();
            return Outcome::Suggest { alternatives };
        }
        Outcome::HandOver { reason: HandOverReason::LowConfidence }
    }

    /// Scores every topic the question touches; one `Scored` per topic, best first.
    fn score(
        &self,
        tokens: &[Token],
        lang: Option<Lang>,
        ignore_person_words: bool,
        s: &mut Scratch,
    ) -> Vec<Scored<'_>> {
        let c = &self.config;
        let n = self.entries.len();
        s.best.clear();
        s.best.resize(n, 0.0);
        s.acc.clear();
        s.acc.resize(n, 0.0);
        s.query_terms.clear();
        let mut candidates: Vec<EntryIdx> = Vec::new();
        let mut total = 0.0f32;
        let mut seen: Vec<&str> = Vec::new();
        for t in tokens.iter().filter(|t| !t.stop) {
            s.query_terms.extend(t.alts.iter().map(|(id, _)| *id));
            if t.absorbed || seen.contains(&t.stem.as_str()) {
                continue;
            }
            seen.push(&t.stem);
            let posted = |id: TermId| !self.postings[id as usize].is_empty();
            let credit = |via: Via| match via {
                Via::Stem => 1.0,
                Via::Prefix => c.prefix_credit,
                Via::Synonym => c.synonym_credit,
                Via::Translit => c.typo_credit,
            };
            let stem_idf =
                t.alts.iter().find(|(id, via)| *via == Via::Stem && posted(*id)).map(|(id, _)| self.idf[*id as usize]);
            let concept_idf = t
                .alts
                .iter()
                .filter(|(id, via)| *via != Via::Stem && posted(*id))
                .map(|(id, via)| self.idf[*id as usize] * credit(*via))
                .fold(None, |m: Option<f32>, v| Some(m.map_or(v, |m| m.max(v))));
            let known = stem_idf.or(concept_idf);
            let person_word = matches!(t.role, Role::Human | Role::HumanWeak | Role::Request);
            if known.is_none() && person_word && ignore_person_words {
                continue;
            }
            let mut weight = known.unwrap_or(self.typical_idf * c.unknown_word_weight);
            if t.role == Role::QuestionWord {
                weight *= c.question_word_weight;
            }
            total += weight;
            if known.is_none() {
                continue;
            }
            let typo = if t.corrected { c.typo_credit } else { 1.0 };
            s.touched.clear();
            for &(id, via) in &t.alts {
                let credit = credit(via);
                for &(e, field) in &self.postings[id as usize] {
                    let slot = &mut s.best[e as usize];
                    if *slot == 0.0 {
                        s.touched.push(e);
                    }
                    *slot = slot.max(credit * field);
                }
            }
            for &e in &s.touched {
                let acc = &mut s.acc[e as usize];
                if *acc == 0.0 {
                    candidates.push(e);
                }
                *acc += weight * s.best[e as usize] * typo;
                s.best[e as usize] = 0.0;
            }
        }
        s.query_terms.sort_unstable();
        s.query_terms.dedup();
        if total <= 0.0 || candidates.is_empty() {
            for &e in &candidates {
                s.acc[e as usize] = 0.0;
            }
            return Vec::new();
        }
        let acc = &s.acc;
        if candidates.len() > SHORTLIST {
            candidates.select_nth_unstable_by(SHORTLIST, |a, b| acc[*b as usize].total_cmp(&acc[*a as usize]));
        }
        let mut by_topic: Vec<(u32, f32)> = Vec::new();
        for &e in candidates.iter().take(SHORTLIST) {
            let question_cover = (acc[e as usize] / total).min(1.0);
            let phrasing_cover = self.phrasing_cover(e, &s.query_terms);
            let score = question_cover.powf(c.question_share) * phrasing_cover.max(0.02).powf(1.0 - c.question_share);
            let topic = self.topic_of[e as usize];
            match by_topic.iter_mut().find(|(t, _)| *t == topic) {
                Some((_, best)) => *best = best.max(score),
                None => by_topic.push((topic, score)),
            }
        }
        for &e in &candidates {
            s.acc[e as usize] = 0.0;
        }
        by_topic.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        by_topic
            .into_iter()
            .map(|(topic, score)| {
                let entries = &self.topic_entries[topic as usize];
                let pick = entries
                    .iter()
                    .find(|e| Some(self.entries[**e as usize].lang) == lang)
                    .or(entries.first())
                    .copied()
                    .unwrap_or(0);
                Scored { entry: &self.entries[pick as usize], score }
            })
            .collect()
    }

    /// The largest share (by idf) of one of the entry's phrasings that the question's terms
    /// cover.
    fn phrasing_cover(&self, e: EntryIdx, query_terms: &[TermId]) -> f32 {
        self.phrasings[e as usize]
            .iter()
            .filter(|p| p.total > 0.0)
            .map(|p| {
                let covered: f32 = p
                    .words
                    .iter()
                    .filter(|(alts, _)| alts.iter().any(|t| query_terms.binary_search(t).is_ok()))
                    .map(|(_, w)| w)
                    .sum();
                covered / p.total
            })
            .fold(0.0, f32::max)
    }
}
