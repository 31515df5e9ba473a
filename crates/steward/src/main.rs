//! `steward`: the command line. Every subcommand reads the same
//! configuration as `serve` (steward.toml, then STEWARD_* variables).

mod demo;
mod faq_cli;
mod moderation_cli;

use std::io::Read;
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use steward_core::SystemRole;
use steward_core::validate::{Locale, Password};
use steward_server::{Config, accounts, auth};

#[derive(Parser)]
#[command(name = "steward", version, about = "Steward: chat, support desk and moderation for the people who run chats")]
struct Cli {
    /// Configuration file (default: ./steward.toml if present).
    #[arg(long, global = true, env = "STEWARD_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server.
    Serve {
        /// Listen address (overrides STEWARD_BIND).
        #[arg(long)]
        bind: Option<String>,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Manage user accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Fill a fresh database with believable demo people, rooms and conversations (Russian and English).
    Demo {
        /// Password for every demo account (default: a generated one, printed).
        #[arg(long)]
        password: Option<String>,
    },
    /// Moderation tools.
    Moderation {
        #[command(subcommand)]
        command: ModerationCommand,
    },
    /// FAQ matcher tools (evaluation).
    Faq {
        #[command(subcommand)]
        command: faq_cli::FaqCommand,
    },
}

#[derive(Subcommand)]
enum ModerationCommand {
    /// Precision and recall of the built-in word lists on a labelled TSV (label, lang, text).
    Check { file: PathBuf },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account.
    Add {
        #[arg(long)]
        username: String,
        /// owner, admin, moderator, supervisor, operator, member or guest.
        #[arg(long, default_value = "member")]
        role: String,
        #[arg(long)]
        display_name: Option<String>,
        #[arg(long)]
        email: Option<String>,
        /// ru or en.
        #[arg(long, default_value = "ru")]
        locale: String,
        /// Read the password from standard input (else one is generated and printed).
        #[arg(long)]
        password_stdin: bool,
    },
}

fn generated_password() -> String {
    auth::new_token()[..16].to_string()
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("STEWARD_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn")),
        )
        .with_target(false)
        .init();
    let cli = Cli::parse();
    let mut config = Config::load(cli.config.as_deref())?;
    match cli.command {
        Command::Serve { bind } => {
            if let Some(b) = bind {
                config.bind =
                    b.parse().with_context(|| format!("--bind {b:?} is not an address like 127.0.0.1:8080"))?;
            }
            steward_server::serve(config).await
        }
        Command::Migrate => {
            let store = steward_server::open_store(&config).await?;
            println!("migrations applied; database is {:?}", store.backend());
            Ok(())
        }
        Command::User { command: UserCommand::Add { username, role, display_name, email, locale, password_stdin } } => {
            let role = SystemRole::parse(&role).map_err(|e| anyhow::anyhow!("--role: {e}"))?;
            let locale = Locale::parse(&locale).map_err(|e| anyhow::anyhow!("--locale: {e}"))?;
            let (password, generated) = if password_stdin {
                let mut s = String::new();
                std::io::stdin().read_to_string(&mut s)?;
                (s.trim_end_matches(['\n', '\r']).to_string(), false)
            } else {
                (generated_password(), true)
            };
            let store = steward_server::open_store(&config).await?;
            let account = accounts::NewAccount {
                username: &username,
                display_name: display_name.as_deref(),
                email: email.as_deref(),
                password: &password,
                locale,
                role,
            };
            let user = accounts::create(&store, account).await.map_err(|e| anyhow::anyhow!(accounts::describe(&e)))?;
            println!("created {} ({}) with id {}", user.username, role.as_str(), user.id);
            if generated {
                println!("password: {password}");
            }
            Ok(())
        }
        Command::Demo { password } => {
            let store = steward_server::open_store(&config).await?;
            let password = password.unwrap_or_else(generated_password);
            if Password::parse(&password).is_err() {
                bail!("--password must be at least 8 characters");
            }
            demo::fill(&store, &password).await?;
            println!("demo data created; every demo account's password is: {password}");
            println!("sign in at {} as anna (owner), ivan, olga, mike or sara", config.base_url());
            Ok(())
        }
        Command::Moderation { command: ModerationCommand::Check { file } } => moderation_cli::check(&file),
        Command::Faq { command } => faq_cli::run(command),
    }
}
