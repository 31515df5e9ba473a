//! `steward faq …`: the FAQ matcher from the command line.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Subcommand;
use steward_faq::{Config, Index, Synonyms, eval};

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
}

fn read(path: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

pub fn run(command: FaqCommand) -> anyhow::Result<()> {
    match command {
        FaqCommand::Eval { kb, questions, synonyms } => {
            let entries =
                steward_faq::entries_from_json(&read(&kb)?).with_context(|| format!("--kb {}", kb.display()))?;
            let questions = eval::parse_questions(&read(&questions)?)
                .with_context(|| format!("--questions {}", questions.display()))?;
            let mut groups = Synonyms::builtin();
            if let Some(path) = synonyms {
                groups = groups.with(&Synonyms::parse(&read(&path)?));
            }
            let index = Index::build(&entries, &groups, Config::default());
            print!("{}", eval::evaluate(&index, &questions).to_text());
            Ok(())
        }
    }
}
