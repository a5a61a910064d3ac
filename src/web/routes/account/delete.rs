//! Deleting (anonymising) the learner's own account after they re-enter their password.
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use secrecy::SecretString;
use serde::Serialize;

use super::{field_error, requester};
use crate::error::AppError;
use crate::services::account::AccountError;
use crate::services::certificates;
use crate::services::privacy::{self, ErasurePolicy};
use crate::web::AppState;
use crate::web::csrf::CsrfForm;
use crate::web::form::FieldError;
use crate::web::session::{CurrentUser, expired_session_cookie};
use crate::web::view::{View, render};
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
    state: &AppState,
    req: &HttpRequest,
    user: &CurrentUser,
    status: StatusCode,
    errors: Vec<FieldError>,
    confirmed: bool,
) -> Result<HttpResponse, AppError> {
    let certificates = certificates::for_user(&state.db, user.id()).await?.len();
    let page = DeletePage {
        password_error: field_error(&errors, "password"),
        confirm_error: field_error(&errors, "confirm"),
        confirmed,
        certificates,
        retain_certificate_names: state.settings.retain_certificate_names,
        errors,
    };
    let title = if page.errors.is_empty() {
        "Delete your account"
    } else {
        "Error: Delete your account"
    };
    render(
        state,
        req,
        &user.visitor(),
        View::new(status, "account/delete", title, "account"),
        &page,
    )
}

/// `GET /account/delete`: what deletion does, and the form to confirm it.
pub async fn show_delete(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    delete_page(&state, &req, &user, StatusCode::OK, Vec::new(), false).await
}

/// `POST /account/delete`: fields `password` and `confirm` (`yes`). Erases the account's personal
/// data in one transaction, logs out and goes to the home page.
#[tracing::instrument(skip_all, fields(user_id = user.id()))]
pub async fn delete_account(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: CurrentUser,
    form: CsrfForm,
) -> Result<HttpResponse, AppError> {
    let f = &form.fields;
    let confirmed = f.get("confirm") == "yes";
    let mut errors = Vec::new();
    if f.get("password").is_empty() {
        errors.push(FieldError {
            field: "password",
            message: "Enter your password".into(),
        });
    }
    if !confirmed {
        errors.push(FieldError {
            field: "confirm",
            message: "Confirm that you understand your account will be deleted".into(),
        });
    }
    if !errors.is_empty() {
        return delete_page(
            &state,
            &req,
            &user,
            StatusCode::UNPROCESSABLE_ENTITY,
            errors,
            confirmed,
        )
        .await;
    }
    let password = SecretString::from(f.get("password").to_string());
    let result = privacy::delete_own_account(
        &state.db,
        &state.clock,
        &requester(&user, &req),
        password,
        ErasurePolicy::from(state.settings.as_ref()),
    )
    .await;
    let (status, message) = match result {
        Ok(_) => {
            return Ok(HttpResponse::SeeOther()
                .insert_header((header::LOCATION, "/?account=deleted"))
                .cookie(expired_session_cookie(&state))
                .finish());
        }
        Err(AccountError::WrongPassword) => (StatusCode::UNPROCESSABLE_ENTITY, WRONG_PASSWORD),
        Err(AccountError::TooManyAttempts) => (StatusCode::TOO_MANY_REQUESTS, TOO_MANY),
        Err(AccountError::NotFound | AccountError::EmailTaken) => return Err(AppError::NotFound),
        Err(AccountError::Unexpected(e)) => return Err(AppError::Unexpected(e)),
    };
    let errors = vec![FieldError {
        field: "password",
        message: message.into(),
    }];
    delete_page(&state, &req, &user, status, errors, confirmed).await
}
