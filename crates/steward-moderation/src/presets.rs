//! Built-in word lists, compiled into the binary. A rule switches them on by id
//! (`RuleKind::Words { presets: ["ru_obscene"], .. }`).

use serde::Serialize;

use crate::rules::{Action, Exemptions, Rule, RuleKind, Scope};

/// One built-in list.
#[derive(Debug, Serialize)]
pub struct Preset {
    pub id: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    /// A vocabulary list (not phrases): a `*` standing for a letter in a message (`f*ck`) is
    /// matched against it.
    pub vocabulary: bool,
    #[serde(skip)]
    source: &'static str,
}

impl Preset {
    /// The entries, in the word-list syntax (docs/MODERATION.md).
    pub fn entries(&self) -> impl Iterator<Item = &'static str> {
        self.source.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#'))
    }
}

pub const PRESETS: &[Preset] = &[
    Preset {
        id: "ru_obscene",
        title: "Русский мат",
        description: "Obscene Russian vocabulary (мат) with its derived forms, prefixes and transliterations",
        vocabulary: true,
        source: include_str!("../presets/ru_obscene.txt"),
    },
    Preset {
        id: "ru_insults",
        title: "Русские оскорбления",
        description: "Russian insults and coarse words that are not мат",
        vocabulary: true,
        source: include_str!("../presets/ru_insults.txt"),
    },
    Preset {
        id: "en_profanity",
        title: "English profanity",
        description: "English profanity and insults",
        vocabulary: true,
        source: include_str!("../presets/en_profanity.txt"),
    },
    Preset {
        id: "slurs_ru",
        title: "Русские оскорбления по признаку",
        description: "Russian ethnic, homophobic and ableist slurs",
        vocabulary: true,
        source: include_str!("../presets/slurs_ru.txt"),
    },
    Preset {
        id: "slurs_en",
        title: "English slurs",
        description: "English ethnic, homophobic and ableist slurs",
        vocabulary: true,
        source: include_str!("../presets/slurs_en.txt"),
    },
    Preset {
        id: "spam_ru",
        title: "Спам (русский)",
        description: "Russian spam phrases: easy money, 'write me in DM', casinos, crypto giveaways",
        vocabulary: false,
        source: include_str!("../presets/spam_ru.txt"),
    },
    Preset {
        id: "spam_en",
        title: "Spam (English)",
        description: "English spam phrases: crypto giveaways, easy money, 'DM me'",
        vocabulary: false,
        source: include_str!("../presets/spam_en.txt"),
    },
];

/// The presets a reader would call abusive vocabulary: what `default_rules` switches on and
/// what the evaluation measures.
pub const ABUSE: [&str; 5] = ["ru_obscene", "ru_insults", "en_profanity", "slurs_ru", "slurs_en"];

pub fn get(id: &str) -> Option<&'static Preset> {
    PRESETS.iter().find(|p| p.id == id)
}

/// A starting rule set: abusive vocabulary is held for review, spam phrases too.
pub fn default_rules() -> Vec<Rule> {
    vec![
        Rule {
            id: "abuse".into(),
            name: "Abusive vocabulary".into(),
            kind: RuleKind::Words { presets: ABUSE.iter().map(|s| s.to_string()).collect(), words: vec![] },
            scope: Scope::All,
            exempt: Exemptions::default(),
            action: Action::Hold,
            dry_run: false,
            enabled: true,
        },
        Rule {
            id: "spam".into(),
            name: "Spam phrases".into(),
            kind: RuleKind::Words { presets: vec!["spam_ru".into(), "spam_en".into()], words: vec![] },
            scope: Scope::All,
            exempt: Exemptions::default(),
            action: Action::Hold,
            dry_run: false,
            enabled: true,
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lexicon::parse_entry;
    use crate::normalize::Normalizer;

    #[test]
    fn every_entry_parses() {
        let mut n = Normalizer::new();
        for p in PRESETS {
            assert!(p.entries().count() > 10, "{}", p.id);
            for e in p.entries() {
                parse_entry(e, &mut n).unwrap_or_else(|err| panic!("{}: {e:?} {err}", p.id));
            }
        }
    }
}
