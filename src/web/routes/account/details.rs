//! Changing the name, e-mail address and password.
use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use secrecy::SecretString;

use super::{Retyped, account_page, refused, requester};
use crate::domain::{DisplayName, Email, NewPassword};
use crate::error::AppError;
use crate::services::account;
use crate::web::csrf::CsrfForm;
use crate::web::form::FieldErrors;
use crate::web::page::Page;
use crate::web::session::CurrentUser;

const CURRENT_PASSWORD: &str = "Enter your current password";

/// `POST /account/name`: field `name`.
#[tracing::instrument(skip_all, fields(user_id = user.id()))]
pub async fn change_name(
    page: Page,
    user: CurrentUser,
    form: CsrfForm,
) -> Result<HttpResponse, AppError> {
    let state = &page.state;
    let typed = form.fields.get("name");
    let name = match DisplayName::parse(typed) {
        Ok(n) => n,
        Err(message) => {
            let retyped = Retyped {
                name: Some(typed.to_string()),
                email: None,
                errors: FieldErrors::one("name", message).into_vec(),
            };
            return account_page(
                &page,
                &user,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                retyped,
            )
            .await;
        }
    };
    match account::change_name(&state.db, &state.clock, &requester(&user, &page.req), &name).await {
        Ok(()) => Ok(page.see_other("/account?done=name")),
        Err(e) => refused(&page, &user, e, "name", Retyped::default()).await,
    }
}

/// `POST /account/email`: fields `email` and `password` (the current one).
#[tracing::instrument(skip_all, fields(user_id = user.id()))]
pub async fn change_email(
    page: Page,
    user: CurrentUser,
    form: CsrfForm,
) -> Result<HttpResponse, AppError> {
    let state = &page.state;
    let f = &form.fields;
    let typed = f.get("email").trim().to_string();
    let retyped = || Retyped {
        name: None,
        email: Some(typed.clone()),
        errors: Vec::new(),
    };
    let mut errors = FieldErrors::default();
    let email = errors.take("email", Email::parse(&typed), |m| m);
    if f.get("password").is_empty() {
        errors.add("email-password", CURRENT_PASSWORD);
    }
    let Some(email) = email.filter(|_| errors.is_empty()) else {
        let again = Retyped {
            errors: errors.into_vec(),
            ..retyped()
        };
        return account_page(&page, &user, StatusCode::UNPROCESSABLE_ENTITY, None, again).await;
    };
    let password = SecretString::from(f.get("password").to_string());
    match account::change_email(
        &state.db,
        &state.clock,
        &requester(&user, &page.req),
        &email,
        password,
    )
    .await
    {
        Ok(()) => Ok(page.see_other("/account?done=email")),
        Err(e) => refused(&page, &user, e, "email-password", retyped()).await,
    }
}

/// `POST /account/password`: fields `current_password` and `new_password`. Ends every other session.
#[tracing::instrument(skip_all, fields(user_id = user.id()))]
pub async fn change_password(
    page: Page,
    user: CurrentUser,
    form: CsrfForm,
) -> Result<HttpResponse, AppError> {
    let state = &page.state;
    let f = &form.fields;
    let mut errors = FieldErrors::default();
    if f.get("current_password").is_empty() {
        errors.add("current-password", CURRENT_PASSWORD);
    }
    let parsed = NewPassword::parse(f.get("new_password"));
    let new = errors.take("new-password", parsed, |p| p.message());
    let Some(new) = new.filter(|_| errors.is_empty()) else {
        let again = Retyped {
            errors: errors.into_vec(),
            ..Retyped::default()
        };
        return account_page(&page, &user, StatusCode::UNPROCESSABLE_ENTITY, None, again).await;
    };
    let current = SecretString::from(f.get("current_password").to_string());
    match account::change_password(
        &state.db,
        &state.clock,
        &requester(&user, &page.req),
        current,
        new,
        &user.session_token,
    )
    .await
    {
        Ok(_) => Ok(page.see_other("/account?done=password")),
        Err(e) => refused(&page, &user, e, "current-password", Retyped::default()).await,
    }
}
