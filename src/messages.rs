//! The e-mails the course sends, as a subject and a plain-text and an HTML part. Each kind says
//! what it says in a few short paragraphs (NHS.UK tone: plain words, the action first, no
//! personal data but the recipient's own name); `templates/mail/message.{txt,html}.hbs` lay it out.
use handlebars::Handlebars;
use serde::Serialize;

/// A kind of e-mail, with the name used in preferences, unsubscribe links and the outbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Activation,
    Invitation,
    PasswordReset,
    ModuleOpen,
    DueSoon,
    Overdue,
    CertificateExpiring,
    CertificateExpired,
    Digest,
    /// To line managers: their reports' overdue modules, weekly.
    TeamOverdue,
}

impl Kind {
    pub const OPTIONAL: [Kind; 6] = [
        Kind::ModuleOpen,
        Kind::DueSoon,
        Kind::Overdue,
        Kind::CertificateExpiring,
        Kind::Digest,
        Kind::TeamOverdue,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Activation => "activation",
            Kind::Invitation => "invitation",
            Kind::PasswordReset => "password_reset",
            Kind::ModuleOpen => "module_open",
            Kind::DueSoon => "due_soon",
            Kind::Overdue => "overdue",
            Kind::CertificateExpiring => "certificate_expiring",
            Kind::CertificateExpired => "certificate_expired",
            Kind::Digest => "digest",
            Kind::TeamOverdue => "team_overdue",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        [
            Kind::Activation,
            Kind::Invitation,
            Kind::PasswordReset,
            Kind::ModuleOpen,
            Kind::DueSoon,
            Kind::Overdue,
            Kind::CertificateExpiring,
            Kind::CertificateExpired,
            Kind::Digest,
            Kind::TeamOverdue,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }

    /// The preference that switches this kind off; `None` for account and security messages,
    /// which cannot be refused. Both certificate messages share one switch.
    pub fn preference(self) -> Option<Kind> {
        match self {
            Kind::Activation | Kind::Invitation | Kind::PasswordReset => None,
            Kind::CertificateExpired => Some(Kind::CertificateExpiring),
            k => Some(k),
        }
    }

    /// How the preference reads on the account page.
    pub fn label(self) -> &'static str {
        match self {
            Kind::ModuleOpen => "When a new module opens for your group",
            Kind::DueSoon => "When a module is due in 3 days",
            Kind::Overdue => "When you are behind (at most once a week)",
            Kind::CertificateExpiring | Kind::CertificateExpired => {
                "When your certificate is about to expire, and when it has"
            }
            Kind::Digest => "Weekly summary of your groups' progress (course leads)",
            Kind::TeamOverdue => "Weekly note of overdue modules in your team (line managers)",
            Kind::Activation | Kind::Invitation | Kind::PasswordReset => "Account messages",
        }
    }
}

/// A link shown as a button (HTML) or on its own line (text).
#[derive(Debug, Clone, Serialize)]
pub struct Action {
    pub label: String,
    pub url: String,
}

/// One e-mail before layout.
#[derive(Debug, Clone)]
pub struct Letter {
    pub kind: Kind,
    pub subject: String,
    /// The recipient's own name, the only personal data in a message.
    pub name: String,
    pub paragraphs: Vec<String>,
    pub action: Option<Action>,
    /// Why they got it, in the footer.
    pub why: String,
    pub unsubscribe_url: Option<String>,
    pub preferences_url: Option<String>,
}

#[derive(Serialize)]
struct MailView<'a> {
    subject: &'a str,
    course_title: &'a str,
    name: &'a str,
    paragraphs: &'a [String],
    action: &'a Option<Action>,
    why: &'a str,
    unsubscribe_url: &'a Option<String>,
    preferences_url: &'a Option<String>,
}

/// A rendered e-mail.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Lays a letter out as text and HTML.
///
/// # Errors
/// When a template fails (they are checked at start-up).
pub fn render(
    hb: &Handlebars<'static>,
    course_title: &str,
    letter: &Letter,
) -> anyhow::Result<Rendered> {
    let view = MailView {
        subject: &letter.subject,
        course_title,
        name: &letter.name,
        paragraphs: &letter.paragraphs,
        action: &letter.action,
        why: &letter.why,
        unsubscribe_url: &letter.unsubscribe_url,
        preferences_url: &letter.preferences_url,
    };
    let text = hb
        .render("mail/message.txt", &view)
        .map_err(|e| anyhow::anyhow!("mail text template: {e}"))?;
    let html = hb
        .render("mail/message.html", &view)
        .map_err(|e| anyhow::anyhow!("mail HTML template: {e}"))?;
    // Blank lines left by the template's block helpers are folded to one.
    let mut tidy = String::with_capacity(text.len());
    let mut blank = 0;
    for line in text.lines() {
        if line.trim().is_empty() {
            blank += 1;
            if blank > 1 {
                continue;
            }
        } else {
            blank = 0;
        }
        tidy.push_str(line.trim_end());
        tidy.push('\n');
    }
    Ok(Rendered {
        subject: format!("{}: {}", course_title, letter.subject),
        text: tidy,
        html,
    })
}
