//! `steward faq …`: the FAQ matcher from the command line.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Subcommand;
use steward_faq::{Config, Index, Lang, Synonyms, eval};

#[derive(Subcommand)]
pub enum FaqCommand {
    /// Ask every question of a TSV (expected id or -, lang, question) against a knowledge base
    /// (JSON); print the misses, then `accuracy A wrong_answer_rate W`.
    Eval {
        /// Knowledge base: a JSON array of entries (docs/FAQ.md).
        #[arg(long)]
        kb: PathBuf,
        /// Questions: expected<TAB>lang<TAB>question per line.
        #[arg(long)]
        questions: PathBuf,
        /// Extra synonym groups, one per line, members separated by commas.
        #[arg(long)]
        synonyms: Option<PathBuf>,
    },
    /// Ask one question: what the bot would do, and the best entries with their scores.
    Ask {
        #[arg(long)]
        kb: PathBuf,
        /// ru or en: the person's language, if known.
        #[arg(long)]
        lang: Option<String>,
        /// Extra synonym groups, one per line, members separated by commas.
        #[arg(long)]
        synonyms: Option<PathBuf>,
        /// The question (several words are joined with spaces).
        #[arg(required = true)]
        question: Vec<String>,
    },
}

fn read(path: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

fn index(kb: &Path, synonyms: Option<&Path>) -> anyhow::Result<Index> {
    let entries = steward_faq::entries_from_json(&read(kb)?).with_context(|| format!("--kb {}", kb.display()))?;
    let mut groups = Synonyms::builtin();
    if let Some(path) = synonyms {
        groups = groups.with(&Synonyms::parse(&read(path)?));
    }
    Ok(Index::build(&entries, &groups, Config::default()))
}

pub fn run(command: FaqCommand) -> anyhow::Result<()> {
    match command {
        FaqCommand::Eval { kb, questions, synonyms } => {
            let index = index(&kb, synonyms.as_deref())?;
            let questions = eval::parse_questions(&read(&questions)?)
                .with_context(|| format!("--questions {}", questions.display()))?;
            print!("{}", eval::evaluate(&index, &questions).to_text());
            Ok(())
        }
        FaqCommand::Ask { kb, lang, synonyms, question } => {
            let index = index(&kb, synonyms.as_deref())?;
            let lang = lang.map(|l| Lang::parse(&l)).transpose().map_err(|e| anyhow::anyhow!("--lang: {e}"))?;
            let question = question.join(" ");
            println!("{}", eval::describe(&index.ask(&question, lang)));
            for s in index.rank(&question, 5) {
                let first = s.entry.questions.first().map(String::as_str).unwrap_or("");
                println!("  {:.3}  {} ({})  {first}", s.score, s.entry.id, s.entry.lang.as_str());
            }
            Ok(())
        }
    }
}
