//! Register, log in, log out.
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use crate::domain::{DisplayName, Email, NewPassword};
use crate::error::AppError;
use crate::services::audit::AuditAction;
use crate::services::audit::{self, AuditEvent};
use crate::services::auth::{
    self, AuthError, NewAccount, RegisterError, Registered, Registration, Role,
};
use crate::services::{mfa, sessions};
use crate::web::AppState;
use crate::web::csrf::CsrfForm;
use crate::web::form::{FieldErrors, FormFields};
use crate::web::page::Page;
use crate::web::pending_login::{PendingLogin, expired_pending_cookie};
use crate::web::session::{Visitor, expired_session_cookie, session_cookie};
use crate::web::view::{View, render};

/// Only local paths are followed after login, so the login page cannot send people elsewhere.
fn safe_next(next: &str) -> String {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.contains(['\r', '\n'])
        && next.len() <= 512;
    if ok {
        next.to_string()
    } else {
        "/dashboard".to_string()
    }
}

/// The form's `next` field as a safe local path (the dashboard when empty).
fn next_field(form: &CsrfForm) -> String {
    safe_next(match form.fields.get("next") {
        "" => "/dashboard",
        n => n,
    })
}

fn client_ip(req: &HttpRequest) -> Option<String> {
    crate::web::extract::client_ip_text(req)
}

fn user_agent(req: &HttpRequest) -> Option<&str> {
    req.headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
}

#[derive(Serialize, Default)]
struct RegisterPage {
    next: String,
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
            next: safe_next(f.get("next")),
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
    let vm = RegisterPage {
        next,
        ..RegisterPage::default()
    };
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
            ..
        }) => Ok(signed_in(state, &token, &next_field(&form))),
        Ok(_) => Err(AppError::Unexpected(anyhow::anyhow!(
            "no session after registering"
        ))),
        Err(RegisterError::EmailTaken) => again(FieldErrors::one("email", EMAIL_TAKEN)),
        Err(RegisterError::Unexpected(e)) => Err(AppError::Unexpected(e)),
    }
}

/// 303 to `next` with the new session's cookie.
fn signed_in(state: &AppState, token: &str, next: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, next.to_string()))
        .cookie(session_cookie(state, token))
        .finish()
}

/// Ends any session the browser already had (so its id cannot be reused), starts a new one, and redirects.
async fn start_session(
    state: &AppState,
    req: &HttpRequest,
    visitor: &Visitor,
    user_id: i32,
    next: &str,
) -> Result<HttpResponse, AppError> {
    if let Some(old) = &visitor.session_token {
        sessions::end(&state.db, old).await?;
    }
    let token = sessions::create(
        &state.db,
        &state.clock,
        user_id,
        state.timeouts(),
        user_agent(req),
    )
    .await?;
    Ok(signed_in(state, &token, next))
}

#[derive(Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
}

#[derive(Serialize, Default)]
struct LoginPage {
    email: String,
    next: String,
    error: Option<String>,
}

/// `GET /login`
pub async fn show_login(
    page: Page,
    query: web::Query<LoginQuery>,
) -> Result<HttpResponse, AppError> {
    let next = safe_next(query.next.as_deref().unwrap_or("/dashboard"));
    if page.visitor.user.is_some() {
        return Ok(page.see_other(&next));
    }
    let vm = LoginPage {
        next,
        ..Default::default()
    };
    page.ok("auth/login", "Log in", "", &vm)
}

/// Writes a login step to the audit log, with the client's address.
async fn record(
    state: &AppState,
    req: &HttpRequest,
    actor: Option<i32>,
    about: Option<i32>,
    action: AuditAction,
    detail: Option<String>,
) -> Result<(), AppError> {
    let event = AuditEvent {
        actor,
        action,
        target: about.map(|id| format!("user:{id}")),
        detail,
        ip: client_ip(req),
    };
    audit::record(&state.db, &state.clock, event).await?;
    Ok(())
}

/// `path?next=…`, the page to go on to after logging in.
fn with_next(path: &str, next: &str) -> String {
    let next: String = form_urlencoded::byte_serialize(next.as_bytes()).collect();
    format!("{path}?next={next}")
}

/// `POST /login`: fields `email`, `password` (and `next`).
#[tracing::instrument(skip_all, fields(user_id))]
pub async fn login(page: Page, form: CsrfForm) -> Result<HttpResponse, AppError> {
    let (state, req) = (&page.state, &page.req);
    state.check_auth_rate(req)?;
    let f = &form.fields;
    let next = next_field(&form);
    let password = SecretString::from(f.get("password").to_string());
    let now = state.clock.now();
    let user = match auth::authenticate(&state.db, f.get("email"), password, now).await {
        Ok(user) => user,
        Err(AuthError::InvalidCredentials { user_id }) => {
            let why = match user_id {
                Some(_) => "wrong password or disabled",
                None => "unknown account",
            };
            record(
                state,
                req,
                None,
                user_id,
                AuditAction::LoginFailure,
                Some(why.into()),
            )
            .await?;
            let vm = LoginPage {
                email: f.get("email").trim().to_string(),
                next,
                error: Some("Enter a correct email address and password".into()),
            };
            let view = View::new(StatusCode::UNAUTHORIZED, "auth/login", "Error: Log in", "");
            return page.render(view, &vm);
        }
        Err(AuthError::Unexpected(e)) => return Err(AppError::Unexpected(e)),
    };
    tracing::Span::current().record("user_id", user.id);
    record(
        state,
        req,
        Some(user.id),
        Some(user.id),
        AuditAction::LoginSuccess,
        None,
    )
    .await?;
    if mfa::enabled(&state.db, user.id).await? {
        // The password was right; the session starts only after the second step.
        let pending = PendingLogin::sign(&state.csrf_key, user.id, &user.password_hash, now);
        return Ok(HttpResponse::SeeOther()
            .insert_header((header::LOCATION, with_next("/login/code", &next)))
            .cookie(pending.cookie(state))
            .finish());
    }
    start_session(state, req, &form.visitor, user.id, &next).await
}

/// `POST /logout`: ends the session on the server and clears the cookie.
pub async fn logout(state: web::Data<AppState>, form: CsrfForm) -> Result<HttpResponse, AppError> {
    if let Some(token) = &form.visitor.session_token {
        crate::services::learning_time::close_open_view(&state.db, token, state.clock.now())
            .await?;
        sessions::end(&state.db, token).await?;
    }
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/"))
        .cookie(expired_session_cookie(&state))
        .finish())
}

#[derive(Serialize, Default)]
struct CodePage {
    next: String,
    error: Option<String>,
}

fn code_page(
    state: &AppState,
    req: &HttpRequest,
    visitor: &Visitor,
    status: StatusCode,
    page: &CodePage,
) -> Result<HttpResponse, AppError> {
    let title = if page.error.is_some() {
        "Error: Enter your security code"
    } else {
        "Enter your security code"
    };
    render(
        state,
        req,
        visitor,
        View::new(status, "auth/login_code", title, "").noindex(),
        page,
    )
}

/// Back to the start of logging in, when the pending login is missing or has expired.
fn restart_login(state: &AppState, next: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, with_next("/login", next)))
        .cookie(expired_pending_cookie(state))
        .finish()
}

/// `GET /login/code`: the second step, after a right password, for accounts with two-step verification.
pub async fn show_login_code(
    state: web::Data<AppState>,
    req: HttpRequest,
    visitor: Visitor,
    query: web::Query<LoginQuery>,
) -> Result<HttpResponse, AppError> {
    let next = safe_next(query.next.as_deref().unwrap_or("/dashboard"));
    if PendingLogin::check(&state, &req).await?.is_none() {
        return Ok(restart_login(&state, &next));
    }
    code_page(
        &state,
        &req,
        &visitor,
        StatusCode::OK,
        &CodePage { next, error: None },
    )
}

/// `POST /login/code`: field `code` (from the authenticator app, or a recovery code) and `next`.
#[tracing::instrument(skip_all, fields(user_id))]
pub async fn login_code(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: CsrfForm,
) -> Result<HttpResponse, AppError> {
    state.check_auth_rate(&req)?;
    let f = &form.fields;
    let next = next_field(&form);
    let Some(user) = PendingLogin::check(&state, &req).await? else {
        return Ok(restart_login(&state, &next));
    };
    tracing::Span::current().record("user_id", user.id);
    let now = state.clock.now();
    let me = Some(user.id);
    if !auth::login_allowed(&state.db, user.id, now).await? {
        record(&state, &req, me, me, AuditAction::LoginMfaLocked, None).await?;
        return code_page(
            &state,
            &req,
            &form.visitor,
            StatusCode::TOO_MANY_REQUESTS,
            &CodePage {
                next,
                error: Some("Too many wrong codes. Wait a few minutes, then log in again".into()),
            },
        );
    }
    match mfa::verify(&state.db, user.id, f.get("code"), now).await? {
        Some(how) => {
            auth::record_login_success(&state.db, user.id).await?;
            let detail = match how {
                mfa::Passed::Authenticator => "authenticator code",
                mfa::Passed::RecoveryCode => "recovery code",
            };
            record(
                &state,
                &req,
                me,
                me,
                AuditAction::LoginSuccess,
                Some(detail.into()),
            )
            .await?;
            let mut response = start_session(&state, &req, &form.visitor, user.id, &next).await?;
            response.add_cookie(&expired_pending_cookie(&state)).ok();
            Ok(response)
        }
        None => {
            auth::record_login_failure(&state.db, user.id, now).await?;
            record(&state, &req, me, me, AuditAction::LoginMfaFailure, None).await?;
            code_page(
                &state,
                &req,
                &form.visitor,
                StatusCode::UNAUTHORIZED,
                &CodePage {
                    next,
                    error: Some(
                        "Enter the 6-digit code your authenticator app shows now, or one of your recovery codes".into(),
                    ),
                },
            )
        }
    }
}
