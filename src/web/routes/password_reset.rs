//! "Forgotten your password?": `GET, POST /password-reset`. The answer is the same page whether or
//! not the address has an account; requests are limited per client (the log-in limiter) and per
//! address (in the service).
use actix_web::HttpResponse;
use serde::Serialize;

use crate::domain::Email;
use crate::error::AppError;
use crate::services::recovery;
use crate::web::csrf::CsrfForm;
use crate::web::extract::client_ip_text;
use crate::web::page::Page;

const TEMPLATE: &str = "auth/forgotten";

#[derive(Serialize, Default)]
struct ForgottenPage {
    mail_on: bool,
    sent: bool,
    email: String,
    error: Option<String>,
    minutes: i64,
}

impl ForgottenPage {
    fn new(page: &Page) -> Self {
        ForgottenPage {
            mail_on: page.state.settings.smtp.is_some(),
            minutes: recovery::LINK_MINUTES,
            ..ForgottenPage::default()
        }
    }
}

/// `GET /password-reset`
pub async fn show_password_reset(page: Page) -> Result<HttpResponse, AppError> {
    let vm = ForgottenPage::new(&page);
    page.ok(TEMPLATE, "Reset your password", "", &vm)
}

/// `POST /password-reset`: field `email`.
#[tracing::instrument(skip_all)]
pub async fn request_password_reset(page: Page, form: CsrfForm) -> Result<HttpResponse, AppError> {
    let state = &page.state;
    state.check_auth_rate(&page.req)?;
    let typed = form.fields.get("email").trim().to_string();
    let mut vm = ForgottenPage::new(&page);
    let email = match Email::parse(&typed) {
        Ok(e) => e,
        Err(m) => {
            vm.email = typed;
            vm.error = Some(m);
            return page.invalid(TEMPLATE, "Reset your password", "", &vm);
        }
    };
    let outcome = recovery::request_reset(
        &state.db,
        &state.templates,
        &state.course.title,
        &state.settings,
        &state.clock,
        &email,
        client_ip_text(&page.req),
    )
    .await
    .map_err(AppError::Unexpected)?;
    tracing::info!(outcome = ?outcome, "password reset requested");
    if outcome == recovery::Outcome::Queued {
        state.send_mail_soon();
    }
    vm.sent = true;
    page.ok(TEMPLATE, "Check your e-mail", "", &vm)
}
