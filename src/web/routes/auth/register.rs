//! `GET, POST /register`.
use actix_web::{HttpResponse, web};
use serde::Serialize;

use super::{
    LoginQuery, after_login, client_ip, next_field, next_query, safe_next, signed_in, user_agent,
};
use crate::domain::{DisplayName, Email, NewPassword};
use crate::error::AppError;
use crate::services::auth::{self, NewAccount, RegisterError, Registered, Registration, Role};
use crate::web::csrf::CsrfForm;
use crate::web::form::{FieldErrors, FormFields};
use crate::web::page::Page;

#[derive(Serialize, Default)]
struct RegisterPage {
    next: String,
    /// `?next=…` for the "Log in" link.
    next_query: String,
    invitation: bool,
    email: String,
    name: String,
    errors: FieldErrors,
    email_error: Option<String>,
    name_error: Option<String>,
    password_error: Option<String>,
}

impl RegisterPage {
    /// The form again with what was typed (never the password) and what is wrong with it.
    fn again(f: &FormFields, errors: FieldErrors) -> Self {
        Self {
            email_error: errors.message_for("email"),
            name_error: errors.message_for("name"),
            password_error: errors.message_for("password"),
            email: f.get("email").trim().to_string(),
            name: f.get("name").to_string(),
            errors,
            ..Self::for_next(safe_next(f.get("next")))
        }
    }

    fn for_next(next: String) -> Self {
        Self {
            next_query: next_query(&next),
            invitation: next.starts_with("/invite/"),
            next,
            ..Self::default()
        }
    }
}

const EMAIL_TAKEN: &str =
    "An account with this email address already exists. Log in instead, or use another address";

/// The registration form: `email`, `name` and `password`, each parsed into its domain type.
struct RegisterForm(NewAccount);

impl TryFrom<&FormFields> for RegisterForm {
    type Error = FieldErrors;

    fn try_from(f: &FormFields) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::default();
        let email = errors.take("email", Email::parse(f.get("email")), |m| m);
        let name = errors.take("name", DisplayName::parse(f.get("name")), |m| m);
        let password = errors.take("password", NewPassword::parse(f.get("password")), |p| {
            p.message()
        });
        match (email, name, password) {
            (Some(email), Some(name), Some(password)) => Ok(Self(NewAccount {
                email,
                name,
                password,
            })),
            _ => Err(errors),
        }
    }
}

/// `GET /register`
pub async fn show_register(
    page: Page,
    query: web::Query<LoginQuery>,
) -> Result<HttpResponse, AppError> {
    let next = safe_next(query.next.as_deref().unwrap_or("/dashboard"));
    if page.visitor.user.is_some() {
        return Ok(page.see_other(&next));
    }
    let vm = RegisterPage::for_next(next);
    page.ok("auth/register", "Create an account", "", &vm)
}

/// `POST /register`: fields `email`, `name`, `password`. The account, its enrolment, its audit
/// row and its first session are made in one transaction.
#[tracing::instrument(skip_all)]
pub async fn register(page: Page, form: CsrfForm) -> Result<HttpResponse, AppError> {
    let state = &page.state;
    state.check_auth_rate(&page.req)?;
    let f = &form.fields;
    let again = |errors| {
        page.invalid(
            "auth/register",
            "Create an account",
            "",
            &RegisterPage::again(f, errors),
        )
    };
    let account = match RegisterForm::try_from(f) {
        Ok(RegisterForm(account)) => account,
        Err(errors) => return again(errors),
    };
    let how = Registration::Web {
        ip: client_ip(&page.req),
        user_agent: user_agent(&page.req),
        timeouts: state.timeouts(),
        old_session: form.visitor.session_token.as_deref(),
    };
    let course = &state.course.slug;
    match auth::register(&state.db, &state.clock, course, account, Role::Learner, how).await {
        Ok(Registered {
            session_token: Some(token),
            user_id,
        }) => {
            let next = after_login(state, &page.req, user_id, &next_field(&form)).await?;
            Ok(signed_in(state, &token, &next))
        }
        Ok(_) => Err(AppError::Unexpected(anyhow::anyhow!(
            "no session after registering"
        ))),
        Err(RegisterError::EmailTaken) => again(FieldErrors::one("email", EMAIL_TAKEN)),
        Err(RegisterError::Unexpected(e)) => Err(AppError::Unexpected(e)),
    }
}
