//! The `deepdive` command line: serve, migrate, check-course, create-admin, export-scorm, purge.
use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand};
use secrecy::SecretString;

use crate::clock::Clock;
use crate::config::{Settings, SettingsArgs};
use crate::course::load_course;
use crate::domain::{DisplayName, Email, NewPassword};
use crate::services::auth::{self, NewAccount, RegisterError, Role};
use crate::startup::{Application, StartError};

mod sso;

#[derive(Debug, Parser)]
#[command(
    name = "deepdive",
    version,
    about = "A self-paced course server for the NHS AI Lab Skunkworks AI Deep Dive"
)]
pub struct Cli {
    #[command(flatten)]
    pub settings: SettingsArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web server (creates the SQLite database and applies migrations on first start)
    Serve,
    /// Apply pending database migrations and exit
    Migrate,
    /// Check the course files; prints `file:line: problem` for each problem and exits 1 if there are any
    CheckCourse {
        /// The course directory (default: DEEPDIVE_COURSE_DIR or ./course)
        dir: Option<PathBuf>,
        /// Also print item-writing statistics per module and flag questions with test-wise cues
        #[arg(long)]
        lint: bool,
        /// With --lint: exit 1 when a module crosses a threshold documented in course/FORMAT.md
        #[arg(long, requires = "lint")]
        strict: bool,
    },
    /// Create a platform admin; the password is read from standard input (one line) or prompted for
    CreateAdmin {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
    },
    /// Create an organisation (e.g. an NHS Trust)
    CreateOrg {
        #[arg(long)]
        name: String,
        /// Short name for its web address: lower-case letters, numbers and hyphens
        #[arg(long)]
        slug: String,
    },
    /// Onboard staff from a CSV file with a header row: email, name and optionally role (learner or org_admin).
    /// Checks every row first and imports nothing if any is wrong; prints `email<TAB>activation URL` per new person.
    ImportUsers {
        /// The organisation's slug
        #[arg(long)]
        org: String,
        /// Put everyone in this cohort (created, self-paced from today, if it does not exist)
        #[arg(long)]
        cohort: Option<String>,
        /// Report problems and what would happen; import nothing
        #[arg(long)]
        dry_run: bool,
        /// The CSV file
        file: PathBuf,
    },
    /// Write a SCORM 1.2 package of the course (one SCO per module), for a learning management system such as
    /// ESR (Oracle Learning Management) or the NHS Learning Hub; exits 1 with the problems if the course is invalid
    ExportScorm {
        /// The zip file to write
        #[arg(long)]
        out: PathBuf,
        /// Pack only this module (its slug)
        #[arg(long)]
        module: Option<String>,
    },
    /// Write an online, consistent copy of the SQLite database to FILE while the server runs
    /// (PostgreSQL deployments use pg_dump instead)
    Backup {
        /// Where to write the copy (must not exist yet)
        file: PathBuf,
    },
    /// Benchmarks only: create organisation SLUG with N learners with realistic progress
    /// (learner{i}@SLUG.example and admin@SLUG.example, password "benchmark password")
    Seed {
        #[arg(long, default_value = "bench")]
        org: String,
        #[arg(long, default_value_t = 10_000)]
        learners: usize,
    },
    /// Add a new credential signing key (ES256) that signs from now on; older keys stay published
    /// so credentials signed with them still verify. Restart the server(s) afterwards
    RotateSigningKey,
    /// One scheduling and sending pass of the reminder outbox (for cron): writes the reminders due
    /// now (each once) and sends every message that is due
    SendReminders {
        /// List what would be queued and sent, and change nothing
        #[arg(long)]
        dry_run: bool,
    },
    /// Single sign-on: configure, list or remove an organisation's OpenID Connect provider
    Sso {
        #[command(subcommand)]
        command: sso::SsoCommand,
    },
    /// Check the organisation report's stored counts against a recount of the tables; lists each
    /// difference and exits 1 if there is any. With --rebuild, replace them with the recount
    ReportCounts {
        /// Replace every stored count with a recount (one transaction)
        #[arg(long)]
        rebuild: bool,
    },
    /// Apply the retention policy: anonymise learner accounts inactive for DEEPDIVE_RETAIN_INACTIVE_DAYS
    /// and delete security log entries older than DEEPDIVE_RETAIN_SECURITY_LOG_DAYS; prints counts
    Purge {
        /// List what would be purged, and change nothing
        #[arg(long)]
        dry_run: bool,
    },
}

/// Runs one command.
///
/// # Errors
/// Whatever stopped the command; printed by `main`.
pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let settings = Settings::from_args(&cli.settings)?;
    if cli.command.uses_database() {
        // Every command reads the same settings as `serve`; saying which database it opened
        // means an admin is never created in another one by accident unnoticed.
        eprintln!("database: {}", database_in_words(&settings));
    }
    match cli.command {
        Command::Serve => serve(settings).await,
        Command::Migrate => {
            let db = crate::db::connect(&settings).await?;
            crate::db::migrate(&db, &settings).await?;
            println!("migrations applied");
            Ok(ExitCode::SUCCESS)
        }
        Command::CheckCourse { dir, lint, strict } => Ok(check_course(
            &dir.unwrap_or(settings.course_dir),
            lint,
            strict,
        )),
        Command::CreateAdmin { email, name } => create_admin(settings, &email, &name).await,
        Command::CreateOrg { name, slug } => create_org(settings, &name, &slug).await,
        Command::ImportUsers {
            org,
            cohort,
            dry_run,
            file,
        } => import_users(settings, &org, cohort.as_deref(), dry_run, &file).await,
        Command::ExportScorm { out, module } => export_scorm(&settings, &out, module.as_deref()),
        Command::Purge { dry_run } => purge(settings, dry_run).await,
        Command::SendReminders { dry_run } => send_reminders(settings, dry_run).await,
        Command::Backup { file } => backup(settings, &file).await,
        Command::RotateSigningKey => rotate_signing_key(settings).await,
        Command::Seed { org, learners } => seed(settings, &org, learners).await,
        Command::Sso { command } => sso::run(settings, command).await,
        Command::ReportCounts { rebuild } => report_counts(settings, rebuild).await,
    }
}

impl Command {
    /// Whether the command opens the database (so it says which one).
    fn uses_database(&self) -> bool {
        !matches!(self, Self::CheckCourse { .. } | Self::ExportScorm { .. })
    }
}

/// Which database the settings open, without any password: the SQLite file's full path (from
/// `--data-dir` / `DEEPDIVE_DATA_DIR`) or the PostgreSQL server and database (`DATABASE_URL`).
pub fn database_in_words(settings: &Settings) -> String {
    match &settings.database_url {
        Some(url) => {
            // scheme://[user[:password]@]host[:port]/database[?options]: never the password.
            let rest = url.split_once("://").map_or(url.as_str(), |(_, r)| r);
            let rest = rest.rsplit_once('@').map_or(rest, |(_, r)| r);
            let rest = rest.split('?').next().unwrap_or(rest);
            let (host, db) = rest.split_once('/').unwrap_or((rest, ""));
            format!("PostgreSQL database {db} on {host} (from DATABASE_URL)")
        }
        None => {
            let dir = std::path::absolute(&settings.data_dir)
                .unwrap_or_else(|_| settings.data_dir.clone());
            format!(
                "SQLite file {} (from --data-dir or DEEPDIVE_DATA_DIR; default ./data)",
                dir.join("deepdive.db").display()
            )
        }
    }
}

async fn serve(settings: Settings) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let app = match Application::build(settings.clone(), Clock::default()).await {
        Ok(app) => app,
        Err(StartError::Course(e)) => {
            eprint!("{e}");
            eprintln!(
                "The server did not start: fix the course files above, then run `deepdive check-course`."
            );
            return Ok(ExitCode::FAILURE);
        }
        Err(StartError::Other(e)) => return Err(e),
    };
    app.spawn_mail_worker();
    app.spawn_webhook_worker();
    let course = &app.state().course;
    tracing::info!(
        addr = %settings.addr,
        port = app.port(),
        modules = course.modules.len(),
        startup_ms = started.elapsed().as_millis() as u64,
        "deepdive is serving {} at {}",
        course.title,
        settings.base_url
    );
    app.run_until_stopped().await?;
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}

async fn send_reminders(settings: Settings, dry_run: bool) -> anyhow::Result<ExitCode> {
    if settings.smtp.is_none() {
        eprintln!("reminders are off: set DEEPDIVE_SMTP_URL and DEEPDIVE_SMTP_FROM to send e-mail");
        return Ok(ExitCode::SUCCESS);
    }
    let course = load_course(&settings.course_dir)?;
    let templates = crate::web::assets::templates()?;
    let db = crate::db::connect(&settings).await?;
    crate::db::migrate(&db, &settings).await?;
    let clock = Clock::default();
    let pass = crate::services::reminders::Pass {
        db: &db,
        course: &course,
        templates: &templates,
        settings: &settings,
        clock: &clock,
    };
    let report = crate::services::reminders::run_pass(&pass, dry_run).await?;
    if dry_run {
        for line in &report.would {
            println!("{line}");
        }
        println!("{} message(s) would be queued or sent", report.would.len());
    } else {
        let d = report.delivered;
        println!(
            "queued {}, sent {}, to retry {}, dead-lettered {}",
            report.queued, d.sent, d.retrying, d.dead
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn check_course(dir: &std::path::Path, lint: bool, strict: bool) -> ExitCode {
    match load_course(dir) {
        Ok(course) if lint => {
            let report = crate::course::lint::lint(&course, &|m| {
                let path = dir.join(&m.slug).join("quiz.toml");
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                (path.display().to_string(), text)
            });
            print!("{}", report.render());
            if report.passes_strict() {
                println!(
                    "{}: the course is valid; the lint found no module over the --strict thresholds",
                    dir.display()
                );
                ExitCode::SUCCESS
            } else if strict {
                eprintln!("the lint found modules over the --strict thresholds (see above)");
                ExitCode::FAILURE
            } else {
                println!(
                    "{}: the course is valid; see the lint warnings above",
                    dir.display()
                );
                ExitCode::SUCCESS
            }
        }
        Ok(course) => {
            // Warnings (acronyms missing from the glossary, lessons past their review date) never fail the check.
            let warnings = course.warnings_on(Clock::default().now().date_naive());
            for w in &warnings {
                eprintln!("{w}");
            }
            let lessons: usize = course.modules.iter().map(|m| m.lessons.len()).sum();
            let questions: usize = course.modules.iter().map(|m| m.quiz.questions.len()).sum();
            let prompts: usize = course
                .modules
                .iter()
                .map(|m| m.worksheet.prompts.len())
                .sum();
            println!(
                "{}: the course is valid: {} modules, {lessons} lessons, {questions} quiz questions, {prompts} worksheet prompts, {} glossary terms; {} warning(s)",
                dir.display(),
                course.modules.len(),
                course.glossary.terms.len(),
                warnings.len()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            for p in e.problems.iter().chain(&e.warnings) {
                eprintln!("{p}");
            }
            eprintln!("{} problem(s) found", e.problems.len());
            ExitCode::FAILURE
        }
    }
}

fn export_scorm(
    settings: &Settings,
    out: &std::path::Path,
    module: Option<&str>,
) -> anyhow::Result<ExitCode> {
    use crate::scorm::{self, Export, ScormError};
    let course = match load_course(&settings.course_dir) {
        Ok(c) => c,
        Err(e) => {
            for p in &e.problems {
                eprintln!("{p}");
            }
            eprintln!(
                "{} problem(s) found: no package was written. Fix the course files, then run `deepdive check-course`.",
                e.problems.len()
            );
            return Ok(ExitCode::FAILURE);
        }
    };
    let templates = crate::web::assets::templates()?;
    let export = Export {
        course: &course,
        templates: &templates,
        base_url: &settings.base_url,
        module,
    };
    match scorm::package(&export) {
        Ok(bytes) => {
            std::fs::write(out, &bytes)
                .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", out.display()))?;
            println!(
                "SCORM 1.2 package written to {}: {} module(s), {} KB",
                out.display(),
                module.map_or(course.modules.len(), |_| 1),
                bytes.len().div_ceil(1024)
            );
            if settings.base_url.starts_with("http://127.")
                || settings.base_url.contains("localhost")
            {
                eprintln!(
                    "note: the package links to the hosted course at {}; set DEEPDIVE_BASE_URL to its public address",
                    settings.base_url
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e @ ScormError::UnknownModule(..)) => {
            eprintln!("error: --module: {e}");
            Ok(ExitCode::FAILURE)
        }
        Err(ScormError::Unexpected(e)) => Err(e),
    }
}

fn read_password() -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        let first = rpassword::prompt_password("Password (at least 12 characters): ")?;
        let second = rpassword::prompt_password("Password again: ")?;
        if first != second {
            anyhow::bail!("the two passwords differ");
        }
        Ok(first)
    } else {
        let mut line = String::new();
        stdin.lock().read_line(&mut line)?;
        Ok(line.trim_end_matches(['\r', '\n']).to_string())
    }
}

async fn create_admin(settings: Settings, email: &str, name: &str) -> anyhow::Result<ExitCode> {
    let email = Email::parse(email).map_err(|m| anyhow::anyhow!("--email: {m}"))?;
    let shown = email.as_str().to_string();
    let name = DisplayName::parse(name).map_err(|m| anyhow::anyhow!("--name: {m}"))?;
    let password = NewPassword::parse(&read_password()?)
        .map_err(|p| anyhow::anyhow!("password: {}", p.message()))?;
    let course = load_course(&settings.course_dir)
        .map(|c| c.slug)
        .unwrap_or_else(|_| "ai-deep-dive".into());
    let db = crate::db::connect(&settings).await?;
    crate::db::migrate(&db, &settings).await?;
    let clock = Clock::default();
    match auth::register(
        &db,
        &clock,
        &course,
        NewAccount {
            email,
            name,
            password,
        },
        Role::PlatformAdmin,
        auth::Registration::CommandLine,
    )
    .await
    {
        Ok(_) => {
            println!("platform admin created: {shown}");
            Ok(ExitCode::SUCCESS)
        }
        Err(RegisterError::EmailTaken) => {
            eprintln!("error: an account with this email address already exists");
            Ok(ExitCode::FAILURE)
        }
        Err(RegisterError::Unexpected(e)) => Err(e),
    }
}

async fn rotate_signing_key(settings: Settings) -> anyhow::Result<ExitCode> {
    use crate::services::credentials::SigningKeys;
    let now = Clock::default().now();
    // The same choice as at start-up: the database for instances sharing PostgreSQL without a
    // named key file, otherwise the key file.
    let kid = if settings.database_url.is_some() && !settings.signing_keys_file_given {
        let db = crate::db::connect(&settings).await?;
        crate::db::migrate(&db, &settings).await?;
        SigningKeys::load_or_create_shared(&db, now).await?;
        SigningKeys::rotate_shared(&db, now).await?
    } else {
        SigningKeys::load_or_create(&settings.signing_keys_file, &now.to_rfc3339())?;
        SigningKeys::rotate(&settings.signing_keys_file, &now.to_rfc3339())?
    };
    println!(
        "new signing key {}",
        SigningKeys::kid_url(&settings.base_url, &kid)
    );
    println!("restart the server(s) to sign with it; the older keys stay published");
    Ok(ExitCode::SUCCESS)
}

async fn report_counts(settings: Settings, rebuild: bool) -> anyhow::Result<ExitCode> {
    use crate::services::reports;
    let db = crate::db::connect(&settings).await?;
    crate::db::migrate(&db, &settings).await?;
    if rebuild {
        let written = reports::rebuild_counts(&db, &Clock::default()).await?;
        println!("report counts rebuilt: {written} counts");
        return Ok(ExitCode::SUCCESS);
    }
    let drift = reports::count_drift(&db).await?;
    for d in &drift {
        println!(
            "org {} cohort {} {} {:?}: stored {}/{}, recounted {}/{}",
            d.org_id,
            d.cohort_key,
            d.kind,
            d.item,
            d.stored.0,
            d.stored.1,
            d.recounted.0,
            d.recounted.1
        );
    }
    if drift.is_empty() {
        println!("report counts match a recount of the tables");
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!(
            "{} report count(s) differ from a recount; `deepdive report-counts --rebuild` replaces them",
            drift.len()
        );
        Ok(ExitCode::FAILURE)
    }
}

async fn purge(settings: Settings, dry_run: bool) -> anyhow::Result<ExitCode> {
    use crate::services::privacy::{self, RetentionPolicy};
    let db = crate::db::connect(&settings).await?;
    crate::db::migrate(&db, &settings).await?;
    let policy = RetentionPolicy::from(&settings);
    let report = privacy::purge(&db, &Clock::default(), policy, dry_run).await?;
    let date = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%d").to_string();
    println!(
        "retention: learner accounts inactive since {} ({} days); security log entries before {} ({} days)",
        date(report.inactive_before),
        policy.inactive_days,
        date(report.security_log_before),
        policy.security_log_days
    );
    println!(
        "inactive learner accounts{}: {}",
        if dry_run { "" } else { " anonymised" },
        report.inactive.len()
    );
    for a in &report.inactive {
        println!(
            "  user:{}\tcreated {}\tlast active {}",
            a.user_id,
            date(a.created_at),
            date(a.last_active_at)
        );
    }
    println!(
        "security log entries{}: {}",
        if dry_run { " to delete" } else { " deleted" },
        report.old_security_entries
    );
    println!(
        "ended sessions{}: {}",
        if dry_run { " to remove" } else { " removed" },
        report.ended_sessions
    );
    if dry_run {
        println!("dry run: nothing was changed");
    }
    Ok(ExitCode::SUCCESS)
}

/// Reads a secret from a string (used by tests and scripts).
pub fn secret(s: &str) -> SecretString {
    SecretString::from(s.to_string())
}

async fn create_org(settings: Settings, name: &str, slug: &str) -> anyhow::Result<ExitCode> {
    use crate::services::organisations::{self as orgs, OrgError};
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        anyhow::bail!("--name: enter the organisation's name (up to 200 characters)");
    }
    let slug = orgs::parse_slug(slug).map_err(|m| anyhow::anyhow!("--slug: {m}"))?;
    let db = crate::db::connect(&settings).await?;
    crate::db::migrate(&db, &settings).await?;
    let clock = Clock::default();
    let created = crate::services::platform_admin::create_organisation_from_command_line(
        &db, &clock, name, &slug,
    )
    .await;
    match created {
        Ok(org) => {
            println!(
                "organisation created: {} ({}/org/{})",
                org.name, settings.base_url, org.slug
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(OrgError::SlugTaken) => {
            eprintln!("error: another organisation already uses the slug '{slug}'");
            Ok(ExitCode::FAILURE)
        }
        Err(e) => Err(anyhow::anyhow!("{e}")),
    }
}

async fn import_users(
    settings: Settings,
    org_slug: &str,
    cohort: Option<&str>,
    dry_run: bool,
    file: &std::path::Path,
) -> anyhow::Result<ExitCode> {
    use crate::services::organisations as orgs;
    let label = file.display().to_string();
    let bytes =
        std::fs::read(file).map_err(|e| anyhow::anyhow!("{label}: cannot read the file: {e}"))?;
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let good = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            let line = good.iter().filter(|b| **b == b'\n').count() + 1;
            eprintln!("{label}:{line}: the file is not UTF-8 text (save it as \"CSV UTF-8\")");
            return Ok(ExitCode::FAILURE);
        }
    };
    let rows = match crate::domain::import::parse(&label, &text) {
        Ok(rows) => rows,
        Err(problems) => {
            for p in &problems {
                eprintln!("{p}");
            }
            eprintln!("{} problem(s): nothing was imported", problems.len());
            return Ok(ExitCode::FAILURE);
        }
    };
    let db = crate::db::connect(&settings).await?;
    crate::db::migrate(&db, &settings).await?;
    let Some(org) = orgs::by_slug(&db, org_slug).await? else {
        eprintln!(
            "error: there is no organisation '{org_slug}' (create it with `deepdive create-org`)"
        );
        return Ok(ExitCode::FAILURE);
    };
    let clock = Clock::default();
    if dry_run {
        println!(
            "{}: {} row(s) are valid; nothing was imported (dry run)",
            label,
            rows.len()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let cohort_id = match cohort {
        None => None,
        Some(name) => match orgs::cohort_by_name(&db, org.id, name).await? {
            Some(c) => Some(c.id),
            None => Some(
                orgs::create_cohort(&db, org.id, name, clock.now(), false, clock.now())
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?
                    .id,
            ),
        },
    };
    let course = load_course(&settings.course_dir)
        .map(|c| c.slug)
        .unwrap_or_else(|_| "ai-deep-dive".into());
    let templates = crate::web::assets::templates()?;
    let course_title = load_course(&settings.course_dir)
        .map(|c| c.title)
        .unwrap_or_else(|_| "the course".into());
    // With e-mail on, each new person's link is also written to the outbox; the next pass sends it.
    let mail = settings.smtp.is_some().then(|| orgs::ActivationMail {
        templates: &templates,
        course_title: &course_title,
        base_url: &settings.base_url,
        org_name: &org.name,
        message_domain: crate::services::reminders::message_domain(&settings),
    });
    let done = crate::services::org_admin::import_from_command_line(
        &db,
        &clock,
        org.id,
        &course,
        cohort_id,
        &rows,
        mail.as_ref(),
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut existing = 0;
    for d in &done {
        match &d.token {
            Some(t) => println!("{}\t{}/activate/{t}", d.email, settings.base_url),
            None => existing += 1,
        }
    }
    eprintln!(
        "{} new account(s); {existing} existing account(s) added to {}",
        done.len() - existing,
        org.name
    );
    Ok(ExitCode::SUCCESS)
}

async fn backup(settings: Settings, file: &std::path::Path) -> anyhow::Result<ExitCode> {
    if settings.database_url.is_some() {
        eprintln!(
            "error: `backup` copies the embedded SQLite database; for PostgreSQL use pg_dump (see README)"
        );
        return Ok(ExitCode::FAILURE);
    }
    if file.exists() {
        eprintln!(
            "error: {} already exists; choose a new file name",
            file.display()
        );
        return Ok(ExitCode::FAILURE);
    }
    let db = crate::db::connect(&settings).await?;
    let started = std::time::Instant::now();
    crate::db::backup_sqlite(&db, file).await?;
    println!(
        "backup written to {} in {} ms",
        file.display(),
        started.elapsed().as_millis()
    );
    Ok(ExitCode::SUCCESS)
}

async fn seed(settings: Settings, org: &str, learners: usize) -> anyhow::Result<ExitCode> {
    let course = match load_course(&settings.course_dir) {
        Ok(c) => c,
        Err(e) => {
            eprint!("{e}");
            return Ok(ExitCode::FAILURE);
        }
    };
    let slug = crate::services::organisations::parse_slug(org)
        .map_err(|m| anyhow::anyhow!("--org: {m}"))?;
    let db = crate::db::connect(&settings).await?;
    crate::db::migrate(&db, &settings).await?;
    // Bring existing records in line with this course first, so that the server's next start does
    // not take the seeded progress for records of an older course and recompute it.
    crate::services::progress::reconcile_course(&db, &course, &Clock::default()).await?;
    let started = Instant::now();
    crate::services::seed::seed(&db, &course, &slug, learners, Clock::default().now()).await?;
    println!(
        "seeded {learners} learners in organisation '{slug}' in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod database_words_tests {
    use super::*;

    #[test]
    fn the_database_is_named_without_its_password() {
        let mut settings = Settings::from_args(
            &Cli::parse_from(["deepdive", "migrate", "--data-dir", "/srv/dd"]).settings,
        )
        .expect("settings");
        settings.database_url = None;
        assert!(database_in_words(&settings).contains("/srv/dd/deepdive.db"));
        settings.database_url =
            Some("postgres://app:s3cret@db.internal:5432/deepdive?sslmode=require".into());
        let words = database_in_words(&settings);
        assert!(words.contains("deepdive on db.internal:5432"), "{words}");
        assert!(!words.contains("s3cret"));
    }
}
