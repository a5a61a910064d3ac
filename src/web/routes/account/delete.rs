//! Deleting (anonymising) the learner's own account after they re-enter their password.
use actix_web::HttpResponse;
use actix_web::http::{StatusCode, header};
use secrecy::SecretString;
use serde::Serialize;

use super::{field_error, requester};
use crate::error::AppError;
use crate::services::account::AccountError;
use crate::services::certificates;
use crate::services::privacy::{self, ErasurePolicy};
use crate::web::csrf::CsrfForm;
use crate::web::form::{FieldError, FieldErrors, FormFields};
use crate::web::page::Page;
use crate::web::session::{CurrentUser, expired_session_cookie};
use crate::web::view::View;
use crate::web::views::account::{TOO_MANY, WRONG_PASSWORD};

#[derive(Serialize, Default)]
struct DeletePage {
    errors: Vec<FieldError>,
    password_error: Option<String>,
    confirm_error: Option<String>,
    confirmed: bool,
    certificates: usize,
    retain_certificate_names: bool,
}

async fn delete_page(
    page: &Page,
    user: &CurrentUser,
    status: StatusCode,
    errors: Vec<FieldError>,
    confirmed: bool,
) -> Result<HttpResponse, AppError> {
    let state = &page.state;
    let certificates = certificates::for_user(&state.db, user.id()).await?.len();
    let vm = DeletePage {
        password_error: field_error(&errors, "password"),
        confirm_error: field_error(&errors, "confirm"),
        confirmed,
        certificates,
        retain_certificate_names: state.settings.retain_certificate_names,
        errors,
    };
    let title = if vm.errors.is_empty() {
        "Delete your account"
    } else {
        "Error: Delete your account"
    };
    page.render(View::new(status, "account/delete", title, "account"), &vm)
}

/// `GET /account/delete`: what deletion does, and the form to confirm it.
pub async fn show_delete(page: Page, user: CurrentUser) -> Result<HttpResponse, AppError> {
    delete_page(&page, &user, StatusCode::OK, Vec::new(), false).await
}

/// The delete form: `password` (re-entered) and `confirm` (`yes`).
struct DeleteForm(SecretString);

impl TryFrom<&FormFields> for DeleteForm {
    type Error = FieldErrors;

    fn try_from(f: &FormFields) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::default();
        if f.get("password").is_empty() {
            errors.add("password", "Enter your password");
        }
        if f.get("confirm") != "yes" {
            errors.add(
                "confirm",
                "Confirm that you understand your account will be deleted",
            );
        }
        if errors.is_empty() {
            Ok(Self(SecretString::from(f.get("password").to_string())))
        } else {
            Err(errors)
        }
    }
}

/// The password problems deletion can end with, as the status and message beside the password.
fn password_refused(e: AccountError) -> Result<(StatusCode, FieldErrors), AppError> {
    let (status, message) = match e {
        AccountError::WrongPassword => (StatusCode::UNPROCESSABLE_ENTITY, WRONG_PASSWORD),
        AccountError::TooManyAttempts => (StatusCode::TOO_MANY_REQUESTS, TOO_MANY),
        AccountError::NotFound | AccountError::EmailTaken => return Err(AppError::NotFound),
        AccountError::Unexpected(e) => return Err(AppError::Unexpected(e)),
    };
    Ok((status, FieldErrors::one("password", message)))
}

/// `POST /account/delete`: fields `password` and `confirm` (`yes`). Erases the account's personal
/// data in one transaction, logs out and goes to the home page.
#[tracing::instrument(skip_all, fields(user_id = user.id()))]
pub async fn delete_account(
    page: Page,
    user: CurrentUser,
    form: CsrfForm,
) -> Result<HttpResponse, AppError> {
    let confirmed = form.fields.get("confirm") == "yes";
    let password = match DeleteForm::try_from(&form.fields) {
        Ok(DeleteForm(password)) => password,
        Err(errors) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return delete_page(&page, &user, status, errors.into_vec(), confirmed).await;
        }
    };
    let state = &page.state;
    let result = privacy::delete_own_account(
        &state.db,
        &state.clock,
        &requester(&user, &page.req),
        password,
        ErasurePolicy::from(state.settings.as_ref()),
    )
    .await;
    match result {
        Ok(_) => Ok(HttpResponse::SeeOther()
            .insert_header((header::LOCATION, "/?account=deleted"))
            .cookie(expired_session_cookie(state))
            .finish()),
        Err(e) => {
            let (status, errors) = password_refused(e)?;
            delete_page(&page, &user, status, errors.into_vec(), confirmed).await
        }
    }
}
