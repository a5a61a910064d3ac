//! The learner's account: the account page and what its forms share; details, sessions, the
//! export of their data and deletion each have their own file.
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::services::account::AccountError;
use crate::services::audit::Actor;
use crate::services::sessions;
use crate::web::form::FieldError;
use crate::web::page::Page;
use crate::web::session::CurrentUser;
use crate::web::view::View;
use crate::web::views::account::{TOO_MANY, WRONG_PASSWORD, day, describe_agent, when};

pub mod delete;
pub mod details;
pub mod export;
pub mod sessions_end;

pub(super) fn requester(user: &CurrentUser, req: &HttpRequest) -> Actor {
    crate::web::extract::actor(req, user)
}

pub(super) fn field_error(errors: &[FieldError], field: &str) -> Option<String> {
    errors
        .iter()
        .find(|e| e.field == field)
        .map(|e| e.message.clone())
}

pub(super) fn unexpected(e: AccountError) -> AppError {
    match e {
        AccountError::NotFound => AppError::NotFound,
        AccountError::Unexpected(e) => AppError::Unexpected(e),
        other => AppError::Unexpected(anyhow::Error::new(other)),
    }
}

#[derive(Deserialize)]
pub struct AccountQuery {
    done: Option<String>,
}

/// The confirmation shown after a change (only these fixed texts, never anything from the query).
fn done_message(done: Option<&str>) -> Option<&'static str> {
    match done? {
        "name" => Some(
            "Your name has been changed. Certificates already issued keep the name they were issued with.",
        ),
        "email" => Some("Your email address has been changed. Use it the next time you log in."),
        "password" => {
            Some("Your password has been changed, and you have been logged out everywhere else.")
        }
        "session" => Some("The session has been ended."),
        "others" => Some("All your other sessions have been ended."),
        _ => None,
    }
}

#[derive(Serialize)]
struct SessionRow {
    reference: String,
    device: String,
    created: String,
    last_seen: String,
    this_device: bool,
}

#[derive(Serialize, Default)]
struct AccountPage {
    done: Option<&'static str>,
    errors: Vec<FieldError>,
    current_name: String,
    current_email: String,
    created: String,
    name: String,
    name_error: Option<String>,
    email: String,
    email_error: Option<String>,
    email_password_error: Option<String>,
    current_password_error: Option<String>,
    new_password_error: Option<String>,
    sessions: Vec<SessionRow>,
    other_sessions: usize,
    mfa_on: bool,
}

/// What a re-shown form keeps: the field values typed (never passwords) and the errors.
#[derive(Default)]
pub(super) struct Retyped {
    pub(super) name: Option<String>,
    pub(super) email: Option<String>,
    pub(super) errors: Vec<FieldError>,
}

pub(super) async fn account_page(
    page: &Page,
    user: &CurrentUser,
    status: StatusCode,
    done: Option<&'static str>,
    retyped: Retyped,
) -> Result<HttpResponse, AppError> {
    let state = &page.state;
    let now = state.clock.now();
    let live = sessions::live_for_user(&state.db, user.id(), now, state.timeouts()).await?;
    let current = sessions::hash_token(&user.session_token);
    let tz = page.zone().await?;
    let mut rows: Vec<SessionRow> = live
        .iter()
        .map(|s| SessionRow {
            reference: sessions::session_ref(&state.csrf_key, &s.id_hash),
            device: describe_agent(s.user_agent.as_deref()),
            created: when(s.created_at, tz),
            last_seen: when(s.last_seen_at, tz),
            this_device: s.id_hash == current,
        })
        .collect();
    // This device first, then the others, most recently active first (a stable sort keeps that order).
    rows.sort_by_key(|r| !r.this_device);
    let errors = retyped.errors;
    let vm = AccountPage {
        done,
        current_name: user.user.name.clone(),
        current_email: user.user.email.clone(),
        created: day(user.user.created_at, tz),
        name: retyped.name.unwrap_or_else(|| user.user.name.clone()),
        name_error: field_error(&errors, "name"),
        email: retyped.email.unwrap_or_default(),
        email_error: field_error(&errors, "email"),
        email_password_error: field_error(&errors, "email-password"),
        current_password_error: field_error(&errors, "current-password"),
        new_password_error: field_error(&errors, "new-password"),
        other_sessions: rows.iter().filter(|r| !r.this_device).count(),
        sessions: rows,
        mfa_on: crate::services::mfa::enabled(&state.db, user.id()).await?,
        errors,
    };
    let title = if vm.errors.is_empty() {
        "Your account"
    } else {
        "Error: Your account"
    };
    page.render(View::new(status, "account/home", title, "account"), &vm)
}

/// `GET /account`: details, password, sessions, and links to export or delete.
pub async fn show_account(
    page: Page,
    user: CurrentUser,
    query: web::Query<AccountQuery>,
) -> Result<HttpResponse, AppError> {
    let done = done_message(query.done.as_deref());
    account_page(&page, &user, StatusCode::OK, done, Retyped::default()).await
}

/// Maps the errors a change can end with to the form field they belong to.
pub(super) async fn refused(
    page: &Page,
    user: &CurrentUser,
    error: AccountError,
    password_field: &'static str,
    mut retyped: Retyped,
) -> Result<HttpResponse, AppError> {
    let (status, field, message) = match error {
        AccountError::WrongPassword => (
            StatusCode::UNPROCESSABLE_ENTITY,
            password_field,
            WRONG_PASSWORD.to_string(),
        ),
        AccountError::TooManyAttempts => (
            StatusCode::TOO_MANY_REQUESTS,
            password_field,
            TOO_MANY.to_string(),
        ),
        AccountError::EmailTaken => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "email",
            "Another account already uses this email address. Enter a different one".to_string(),
        ),
        AccountError::NotFound => return Err(AppError::NotFound),
        AccountError::Unexpected(e) => return Err(AppError::Unexpected(e)),
    };
    retyped.errors.push(FieldError { field, message });
    account_page(page, user, status, None, retyped).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_known_confirmations_are_shown() {
        assert!(done_message(Some("name")).is_some());
        assert!(done_message(Some("<script>")).is_none());
        assert!(done_message(None).is_none());
    }
}
