//! "Forgotten your password?": `GET, POST /password-reset`. The answer is the same page whether or
//! not the address has an account; requests are limited per client (the log-in limiter) and per
//! address (in the service).
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

use crate::domain::Email;
use crate::error::AppError;
use crate::services::recovery;
use crate::web::AppState;
use crate::web::csrf::CsrfForm;
use crate::web::session::Visitor;
use crate::web::view::{View, render};

#[derive(Serialize, Default)]
struct ForgottenPage {
    mail_on: bool,
    sent: bool,
    email: String,
    error: Option<String>,
    minutes: i64,
}

/// `GET /password-reset`
pub async fn show_password_reset(
    state: web::Data<AppState>,
    req: HttpRequest,
    visitor: Visitor,
) -> Result<HttpResponse, AppError> {
    let page = ForgottenPage {
        mail_on: state.settings.smtp.is_some(),
        minutes: recovery::LINK_MINUTES,
        ..ForgottenPage::default()
    };
    let view = View::new(StatusCode::OK, "auth/forgotten", "Reset your password", "");
    render(&state, &req, &visitor, view, &page)
}

/// `POST /password-reset`: field `email`.
#[tracing::instrument(skip_all)]
pub async fn request_password_reset(
    state: web::Data<AppState>,
    req: HttpRequest,
    visitor: Visitor,
    form: CsrfForm,
) -> Result<HttpResponse, AppError> {
    state.check_auth_rate(&req)?;
    let typed = form.fields.get("email").trim().to_string();
    let mut page = ForgottenPage {
        mail_on: state.settings.smtp.is_some(),
        minutes: recovery::LINK_MINUTES,
        ..ForgottenPage::default()
    };
    let email = match Email::parse(&typed) {
        Ok(e) => e,
        Err(m) => {
            page.email = typed;
            page.error = Some(m);
            let view = View::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "auth/forgotten",
                "Error: Reset your password",
                "",
            );
            return render(&state, &req, &visitor, view, &page);
        }
    };
    let outcome = recovery::request_reset(
        &state.db,
        &state.templates,
        &state.course.title,
        &state.settings,
        &state.clock,
        &email,
        req.peer_addr().map(|a| a.ip().to_string()),
    )
    .await
    .map_err(AppError::Unexpected)?;
    tracing::info!(outcome = ?outcome, "password reset requested");
    if outcome == recovery::Outcome::Queued {
        super::mail::send_soon(&state);
    }
    page.sent = true;
    let view = View::new(StatusCode::OK, "auth/forgotten", "Check your e-mail", "");
    render(&state, &req, &visitor, view, &page)
}
