//! Pages anyone can read.
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use crate::config::Contact;
use crate::error::AppError;
use crate::web::page::Page;
use crate::web::view::View;

#[derive(Serialize)]
struct ModuleCard {
    number: usize,
    slug: String,
    title: String,
    aim: String,
    minutes: u32,
    lessons: usize,
}

#[derive(Serialize)]
struct LandingPage {
    title: String,
    summary: String,
    audience: String,
    prerequisites: Vec<String>,
    outcomes: Vec<String>,
    how_it_works_html: String,
    you_end_with_html: String,
    modules: Vec<ModuleCard>,
    total_hours: String,
    logged_in: bool,
    account_deleted: bool,
}

#[derive(Deserialize)]
pub struct LandingQuery {
    account: Option<String>,
}

/// `GET /`: the course landing page.
pub async fn landing(
    page: Page,
    query: web::Query<LandingQuery>,
) -> Result<HttpResponse, AppError> {
    let (c, visitor) = (&page.state.course, &page.visitor);
    let minutes = c.total_minutes();
    let vm = LandingPage {
        title: c.title.clone(),
        summary: c.summary.clone(),
        audience: c.audience.clone(),
        prerequisites: c.prerequisites.clone(),
        outcomes: c.outcomes.clone(),
        how_it_works_html: c.how_it_works_html.clone(),
        you_end_with_html: c.you_end_with_html.clone(),
        modules: c
            .modules
            .iter()
            .map(|m| ModuleCard {
                number: m.number,
                slug: m.slug.clone(),
                title: m.title.clone(),
                aim: m.aim.clone(),
                minutes: m.estimated_minutes,
                lessons: m.lessons.len(),
            })
            .collect(),
        total_hours: crate::services::learning_time::Minutes(minutes).in_words(),
        logged_in: visitor.user.is_some(),
        account_deleted: visitor.user.is_none() && query.account.as_deref() == Some("deleted"),
    };
    page.ok("public/landing", "", "home", &vm)
}

#[derive(Serialize)]
struct PrivacyPage {
    /// The operator's lawful basis and retention text (`course/privacy.md`), sanitised at start-up.
    operator_html: Option<String>,
    inactive_days: u32,
    inactive_years: Option<String>,
    security_log_days: u32,
    retain_certificate_names: bool,
    logged_in: bool,
    contact: Contact,
}

/// Whole years, when a number of days is close to one ("3 years" for 1095 days).
fn in_years(days: u32) -> Option<String> {
    let years = (days + 182) / 365;
    (years >= 1 && days.abs_diff(years * 365) <= 2).then(|| match years {
        1 => "1 year".to_string(),
        n => format!("{n} years"),
    })
}

/// `GET /privacy`: the notice, with the operator's lawful basis and retention text when they wrote one.
pub async fn privacy(page: Page) -> Result<HttpResponse, AppError> {
    let (state, visitor) = (&page.state, &page.visitor);
    let s = &state.settings;
    let vm = PrivacyPage {
        operator_html: state.privacy_notice_html.as_deref().cloned(),
        inactive_days: s.retain_inactive_days,
        inactive_years: in_years(s.retain_inactive_days),
        security_log_days: s.retain_security_log_days,
        retain_certificate_names: s.retain_certificate_names,
        logged_in: visitor.user.is_some(),
        contact: s.contact.clone(),
    };
    let view = View::new(StatusCode::OK, "public/privacy", "Privacy notice", "");
    page.render(view, &vm)
}

#[derive(Serialize)]
struct CookiesPage {
    idle_minutes: u32,
    absolute_hours: u32,
}

/// `GET /cookies`
pub async fn cookies(page: Page) -> Result<HttpResponse, AppError> {
    let state = &page.state;
    let vm = CookiesPage {
        idle_minutes: state.settings.idle_timeout_minutes,
        absolute_hours: state.settings.absolute_timeout_hours,
    };
    let view = View::new(StatusCode::OK, "public/cookies", "Cookies", "");
    page.render(view, &vm)
}

/// The operator's contact details, for the help page, the privacy notice and the accessibility
/// statement (each says to ask the course lead or organisation when none are set).
#[derive(Serialize)]
struct ContactPage {
    contact: Contact,
    logged_in: bool,
}

/// `GET /accessibility`
pub async fn accessibility(page: Page) -> Result<HttpResponse, AppError> {
    let (state, visitor) = (&page.state, &page.visitor);
    let vm = ContactPage {
        contact: state.settings.contact.clone(),
        logged_in: visitor.user.is_some(),
    };
    let view = View::new(
        StatusCode::OK,
        "public/accessibility",
        "Accessibility statement",
        "",
    );
    page.render(view, &vm)
}

/// `GET /help`: how to get help, with the operator's contact details when they set them.
pub async fn help(page: Page) -> Result<HttpResponse, AppError> {
    let (state, visitor) = (&page.state, &page.visitor);
    let vm = ContactPage {
        contact: state.settings.contact.clone(),
        logged_in: visitor.user.is_some(),
    };
    let view = View::new(StatusCode::OK, "public/help", "Help and contact", "");
    page.render(view, &vm)
}

#[cfg(test)]
mod tests {
    use super::in_years;

    #[test]
    fn retention_days_are_shown_in_years_when_they_are_whole_years() {
        assert_eq!(in_years(1095).as_deref(), Some("3 years"));
        assert_eq!(in_years(365).as_deref(), Some("1 year"));
        assert_eq!(in_years(1096).as_deref(), Some("3 years"));
        assert_eq!(in_years(90), None);
        assert_eq!(in_years(500), None);
    }
}
