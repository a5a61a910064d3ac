//! `deepdive sso add|list|remove`: an organisation's OpenID provider, from the command line.
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use secrecy::SecretString;

use crate::clock::Clock;
use crate::config::Settings;
use crate::services::sso::{self, ConfigError, NewProvider};

#[derive(Debug, Subcommand)]
pub enum SsoCommand {
    /// Configure an organisation's OpenID Connect provider (the secret is read from a file, so it
    /// stays out of the shell history and the process list)
    Add {
        /// The organisation's slug
        #[arg(long)]
        org: String,
        /// The issuer URL, as in the provider's discovery document
        #[arg(long)]
        issuer: String,
        #[arg(long)]
        client_id: String,
        /// A file whose first line is the client secret
        #[arg(long)]
        client_secret_file: PathBuf,
        /// The e-mail domains that lead to this provider, comma-separated (unique across organisations)
        #[arg(long, value_delimiter = ',')]
        domains: Vec<String>,
        /// The cohort for new accounts whose group claim names none
        #[arg(long)]
        default_cohort: Option<String>,
        /// The ID token claim whose values name cohorts (e.g. groups)
        #[arg(long)]
        group_claim: Option<String>,
        /// The ID token claim whose value is the e-mail of the person's line manager
        #[arg(long)]
        manager_claim: Option<String>,
        /// Refuse password log-in for the organisation's members
        #[arg(long)]
        require_sso: bool,
    },
    /// List the configured providers (never their secrets)
    List,
    /// Remove an organisation's provider (its members' accounts stay)
    Remove {
        #[arg(long)]
        org: String,
    },
}

/// Runs one `sso` command.
///
/// # Errors
/// When the database cannot be reached or the secret file cannot be read.
pub async fn run(settings: Settings, command: SsoCommand) -> anyhow::Result<ExitCode> {
    let db = crate::db::connect(&settings).await?;
    crate::db::migrate(&db, &settings).await?;
    let clock = Clock::default();
    match command {
        SsoCommand::Add {
            org,
            issuer,
            client_id,
            client_secret_file,
            domains,
            default_cohort,
            group_claim,
            manager_claim,
            require_sso,
        } => {
            let text = std::fs::read_to_string(&client_secret_file).map_err(|e| {
                anyhow::anyhow!("cannot read {}: {e}", client_secret_file.display())
            })?;
            let secret = SecretString::from(text.lines().next().unwrap_or("").trim().to_string());
            let new = NewProvider {
                org_slug: org.clone(),
                issuer,
                client_id,
                client_secret: secret,
                domains,
                group_claim,
                default_cohort,
                require_sso,
                manager_claim,
            };
            match sso::add(&db, &clock, None, new).await {
                Ok(()) => {
                    println!("single sign-on configured for {org}");
                    Ok(ExitCode::SUCCESS)
                }
                Err(ConfigError::Db(e)) => Err(e.into()),
                Err(e) => {
                    eprintln!("{e}");
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        SsoCommand::List => {
            for p in sso::list(&db).await? {
                println!(
                    "{}\t{}\tclient {}\tdomains {}\tcohort {}{}",
                    p.org_slug,
                    p.issuer,
                    p.client_id,
                    p.domains.join(","),
                    p.default_cohort.as_deref().unwrap_or("-"),
                    if p.require_sso { "\tSSO required" } else { "" }
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        SsoCommand::Remove { org } => {
            if sso::remove(&db, &clock, None, &org).await? {
                println!("single sign-on removed for {org}");
                Ok(ExitCode::SUCCESS)
            } else {
                eprintln!("{org} has no single sign-on provider");
                Ok(ExitCode::FAILURE)
            }
        }
    }
}
