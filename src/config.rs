//! Typed settings: command-line flags, then `DEEPDIVE_*` / `DATABASE_URL` environment variables, then defaults.
use std::path::PathBuf;

use clap::Args;

use crate::proxies::TrustedProxies;

/// Settings shared by every command that touches the database or the course.
#[derive(Debug, Clone, Args)]
pub struct SettingsArgs {
    /// Address to listen on.
    #[arg(
        long,
        env = "DEEPDIVE_ADDR",
        default_value = "127.0.0.1:8080",
        global = true
    )]
    pub addr: String,
    /// Directory for the SQLite database and the signing keys.
    #[arg(
        long,
        env = "DEEPDIVE_DATA_DIR",
        default_value = "./data",
        global = true
    )]
    pub data_dir: PathBuf,
    /// Directory holding the course files.
    #[arg(
        long,
        env = "DEEPDIVE_COURSE_DIR",
        default_value = "./course",
        global = true
    )]
    pub course_dir: PathBuf,
    /// Public URL of the server, used in links and certificates (https turns on Secure cookies and HSTS).
    #[arg(long, env = "DEEPDIVE_BASE_URL", global = true)]
    pub base_url: Option<String>,
    /// Database URL (e.g. postgres://user@host/db); overrides the SQLite file in the data directory.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true, global = true)]
    pub database_url: Option<String>,
    /// Minutes of inactivity after which a session ends.
    #[arg(
        long,
        env = "DEEPDIVE_IDLE_TIMEOUT_MINUTES",
        default_value_t = 30,
        global = true
    )]
    pub idle_timeout_minutes: u32,
    /// Hours after login after which a session ends whatever the activity.
    #[arg(
        long,
        env = "DEEPDIVE_ABSOLUTE_TIMEOUT_HOURS",
        default_value_t = 12,
        global = true
    )]
    pub absolute_timeout_hours: u32,
    /// File holding the keys that sign credentials, ES256 plus any older Ed25519 ones kept published (default: DATA_DIR/signing-keys.json; share it between instances).
    #[arg(long, env = "DEEPDIVE_SIGNING_KEYS_FILE", global = true)]
    pub signing_keys_file: Option<PathBuf>,
    /// Log-in, registration and activation attempts allowed per minute from one IP address.
    #[arg(
        long,
        env = "DEEPDIVE_AUTH_RATE_PER_MINUTE",
        default_value_t = 60,
        global = true
    )]
    pub auth_rate_per_minute: u32,
    /// Requests allowed per minute with one organisation API token (`/api/v1`).
    #[arg(
        long,
        env = "DEEPDIVE_API_RATE_PER_MINUTE",
        default_value_t = 600,
        global = true
    )]
    pub api_rate_per_minute: u32,
    /// Verify-page requests allowed per minute from one IP address.
    #[arg(
        long,
        env = "DEEPDIVE_VERIFY_RATE_PER_MINUTE",
        default_value_t = 30,
        global = true
    )]
    pub verify_rate_per_minute: u32,
    /// SQLite `synchronous` setting: FULL (every acknowledged write is on disk) or NORMAL.
    #[arg(
        long,
        env = "DEEPDIVE_SQLITE_SYNCHRONOUS",
        default_value = "FULL",
        global = true
    )]
    pub sqlite_synchronous: String,
    /// Keep the holder's name on certificates when they delete their account (the default removes it).
    #[arg(long, env = "DEEPDIVE_RETAIN_CERTIFICATE_NAMES", global = true)]
    pub retain_certificate_names: bool,
    /// Days without any activity after which `deepdive purge` anonymises a learner's account.
    #[arg(
        long,
        env = "DEEPDIVE_RETAIN_INACTIVE_DAYS",
        default_value_t = 1095,
        global = true
    )]
    pub retain_inactive_days: u32,
    /// Days after which `deepdive purge` deletes security (audit) log entries.
    #[arg(
        long,
        env = "DEEPDIVE_RETAIN_SECURITY_LOG_DAYS",
        default_value_t = 365,
        global = true
    )]
    pub retain_security_log_days: u32,
    /// SMTP server for e-mailing reset links, e.g. `smtps://user:password@smtp.example.nhs.uk` or
    /// `smtp://relay.internal:25` (lettre's URL form). Without it, admins copy links by hand.
    #[arg(long, env = "DEEPDIVE_SMTP_URL", global = true, hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// The From address of e-mails sent by the course.
    #[arg(long, env = "DEEPDIVE_SMTP_FROM", global = true)]
    pub smtp_from: Option<String>,
    /// Reverse proxies whose `Forwarded` / `X-Forwarded-For` header is believed: comma-separated
    /// addresses or CIDR blocks (e.g. `127.0.0.1,10.0.0.0/8`). Empty: the TCP peer is the client.
    #[arg(long, env = "DEEPDIVE_TRUSTED_PROXIES", global = true)]
    pub trusted_proxies: Option<String>,
    /// Minutes between the reminder passes `serve` runs (0: none; run `deepdive send-reminders` from cron instead).
    #[arg(
        long,
        env = "DEEPDIVE_REMINDER_INTERVAL_MINUTES",
        default_value_t = 60,
        global = true
    )]
    pub reminder_interval_minutes: u32,
    /// Lets webhook endpoints be plain http on loopback (127.0.0.1, ::1, localhost): for tests and
    /// local development only. Off, endpoints must be https on public addresses.
    #[arg(long, env = "DEEPDIVE_WEBHOOKS_ALLOW_LOOPBACK", global = true)]
    pub webhooks_allow_loopback: bool,
    /// The e-mail address learners write to for help (shown on /help, the privacy notice and the
    /// accessibility statement).
    #[arg(long, env = "DEEPDIVE_CONTACT_EMAIL", global = true)]
    pub contact_email: Option<String>,
    /// Who answers it, e.g. "The AI Deep Dive team, Digital Academy".
    #[arg(long, env = "DEEPDIVE_CONTACT_NAME", global = true)]
    pub contact_name: Option<String>,
    /// A telephone number for help, as it should be shown.
    #[arg(long, env = "DEEPDIVE_CONTACT_PHONE", global = true)]
    pub contact_phone: Option<String>,
    /// A web page with more help (https:// or http://).
    #[arg(long, env = "DEEPDIVE_CONTACT_URL", global = true)]
    pub contact_url: Option<String>,
}

/// The operator's contact details for help, each optional.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Contact {
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub url: Option<String>,
}

impl Contact {
    /// # Errors
    /// When the e-mail address or web address is not one.
    fn from_args(args: &SettingsArgs) -> anyhow::Result<Self> {
        let given = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        let contact = Contact {
            name: given(&args.contact_name),
            email: given(&args.contact_email),
            phone: given(&args.contact_phone),
            url: given(&args.contact_url),
        };
        if let Some(e) = &contact.email
            && crate::domain::Email::parse(e).is_err()
        {
            anyhow::bail!("DEEPDIVE_CONTACT_EMAIL is not an e-mail address (got '{e}')");
        }
        if let Some(u) = &contact.url
            && !(u.starts_with("https://") || u.starts_with("http://"))
        {
            anyhow::bail!("DEEPDIVE_CONTACT_URL must start with https:// or http:// (got '{u}')");
        }
        Ok(contact)
    }

    /// Whether any way to reach the operator is set.
    pub fn is_set(&self) -> bool {
        self.email.is_some() || self.phone.is_some() || self.url.is_some()
    }
}

/// Settings after parsing, as the application uses them.
#[derive(Debug, Clone)]
pub struct Settings {
    pub addr: String,
    pub data_dir: PathBuf,
    pub course_dir: PathBuf,
    pub base_url: String,
    pub database_url: Option<String>,
    pub idle_timeout_minutes: u32,
    pub absolute_timeout_hours: u32,
    pub sqlite_synchronous_full: bool,
    pub signing_keys_file: PathBuf,
    /// True when the keys file was named explicitly (otherwise PostgreSQL deployments keep the keys in the database).
    pub signing_keys_file_given: bool,
    pub verify_rate_per_minute: u32,
    pub auth_rate_per_minute: u32,
    pub api_rate_per_minute: u32,
    pub retain_certificate_names: bool,
    pub retain_inactive_days: u32,
    pub retain_security_log_days: u32,
    /// SMTP URL and From address, when e-mail is set up.
    pub smtp: Option<(String, String)>,
    /// Reverse proxies whose forwarding headers name the client (none by default).
    pub trusted_proxies: TrustedProxies,
    /// Minutes between serve's reminder passes; 0 for none.
    pub reminder_interval_minutes: u32,
    /// Webhook endpoints may be http on loopback (tests only).
    pub webhooks_allow_loopback: bool,
    /// Where learners get help (the `/help` page, privacy notice, accessibility statement).
    pub contact: Contact,
}

impl Settings {
    /// # Errors
    /// When a value is out of range or not understood.
    pub fn from_args(args: &SettingsArgs) -> anyhow::Result<Self> {
        let base_url = args
            .base_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", args.addr))
            .trim_end_matches('/')
            .to_string();
        if !(base_url.starts_with("http://") || base_url.starts_with("https://")) {
            anyhow::bail!(
                "DEEPDIVE_BASE_URL must start with http:// or https:// (got '{base_url}')"
            );
        }
        if args.idle_timeout_minutes == 0 || args.idle_timeout_minutes > 24 * 60 {
            anyhow::bail!("the idle timeout must be between 1 and 1440 minutes");
        }
        if args.absolute_timeout_hours == 0 || args.absolute_timeout_hours > 24 * 30 {
            anyhow::bail!("the absolute timeout must be between 1 and 720 hours");
        }
        if args.retain_inactive_days == 0 || args.retain_inactive_days > 36_500 {
            anyhow::bail!("DEEPDIVE_RETAIN_INACTIVE_DAYS must be between 1 and 36500");
        }
        if args.retain_security_log_days == 0 || args.retain_security_log_days > 36_500 {
            anyhow::bail!("DEEPDIVE_RETAIN_SECURITY_LOG_DAYS must be between 1 and 36500");
        }
        let sqlite_synchronous_full = match args.sqlite_synchronous.to_ascii_uppercase().as_str() {
            "FULL" => true,
            "NORMAL" => false,
            other => {
                anyhow::bail!("DEEPDIVE_SQLITE_SYNCHRONOUS must be FULL or NORMAL (got '{other}')")
            }
        };
        let trusted_proxies = TrustedProxies::parse(args.trusted_proxies.as_deref().unwrap_or(""))
            .map_err(|e| anyhow::anyhow!("DEEPDIVE_TRUSTED_PROXIES: {e}"))?;
        let contact = Contact::from_args(args)?;
        Ok(Self {
            contact,
            trusted_proxies,
            addr: args.addr.clone(),
            data_dir: args.data_dir.clone(),
            course_dir: args.course_dir.clone(),
            base_url,
            database_url: args.database_url.clone().filter(|u| !u.trim().is_empty()),
            idle_timeout_minutes: args.idle_timeout_minutes,
            absolute_timeout_hours: args.absolute_timeout_hours,
            sqlite_synchronous_full,
            signing_keys_file: args
                .signing_keys_file
                .clone()
                .unwrap_or_else(|| args.data_dir.join("signing-keys.json")),
            signing_keys_file_given: args.signing_keys_file.is_some(),
            verify_rate_per_minute: args.verify_rate_per_minute.max(1),
            auth_rate_per_minute: args.auth_rate_per_minute.max(1),
            api_rate_per_minute: args.api_rate_per_minute.max(1),
            retain_certificate_names: args.retain_certificate_names,
            retain_inactive_days: args.retain_inactive_days,
            retain_security_log_days: args.retain_security_log_days,
            reminder_interval_minutes: args.reminder_interval_minutes.min(7 * 24 * 60),
            webhooks_allow_loopback: args.webhooks_allow_loopback,
            smtp: match (&args.smtp_url, &args.smtp_from) {
                (Some(url), Some(from)) => Some((url.clone(), from.clone())),
                (None, None) => None,
                _ => anyhow::bail!(
                    "DEEPDIVE_SMTP_URL and DEEPDIVE_SMTP_FROM go together: set both, or neither"
                ),
            },
        })
    }

    /// Cookies get `Secure` and the `__Host-` prefix, and HSTS is sent, when the public URL is https.
    pub fn is_https(&self) -> bool {
        self.base_url.starts_with("https://")
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        settings: SettingsArgs,
    }

    fn settings(args: &[&str]) -> anyhow::Result<Settings> {
        let cli = Cli::try_parse_from(std::iter::once("deepdive").chain(args.iter().copied()))?;
        Settings::from_args(&cli.settings)
    }

    #[test]
    fn contact_details_are_read_once_and_a_bad_address_stops_start_up() {
        let s = settings(&[
            "--contact-email",
            "help@example.nhs.uk",
            "--contact-name",
            "Digital Academy",
            "--contact-phone",
            " ",
        ])
        .unwrap();
        assert_eq!(s.contact.email.as_deref(), Some("help@example.nhs.uk"));
        assert_eq!(s.contact.name.as_deref(), Some("Digital Academy"));
        assert_eq!(s.contact.phone, None, "blank is not set");
        assert!(s.contact.is_set());
        assert!(settings(&["--contact-email", "not an address"]).is_err());
        assert!(settings(&["--contact-url", "javascript:alert(1)"]).is_err());
    }
}
