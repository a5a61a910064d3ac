//! Register, log in (with its second step in `code`), log out. Logging in or registering from an
//! invitation joins its organisation at once.
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::services::auth::{self, PasswordLogin};
use crate::services::organisations as orgs;
use crate::services::sessions;
use crate::web::AppState;
use crate::web::csrf::CsrfForm;
use crate::web::page::Page;
use crate::web::pending_login::PendingLogin;
use crate::web::session::{Visitor, expired_session_cookie, session_cookie};
use crate::web::view::View;

mod code;
mod register;

pub use code::{login_code, show_login_code};
pub use register::{register, show_register};

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

/// `?next=…` for links between the login and registration pages (empty for the dashboard).
fn next_query(next: &str) -> String {
    if next == "/dashboard" {
        String::new()
    } else {
        format!(
            "?next={}",
            form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
        )
    }
}

/// Where to go once logged in: an invitation in `next` is accepted at once (no second "Join"
/// press), and the dashboard then says what was joined. An invitation that can no longer be used
/// is shown again, with why.
async fn after_login(
    state: &AppState,
    req: &HttpRequest,
    user_id: i32,
    next: &str,
) -> Result<String, AppError> {
    let Some(token) = next
        .strip_prefix("/invite/")
        .filter(|t| !t.is_empty() && !t.contains(['/', '?', '#']))
    else {
        return Ok(next.to_string());
    };
    let ip = client_ip(req);
    match orgs::accept_invitation(&state.db, &state.clock, token, user_id, ip).await? {
        Ok(org) => Ok(format!("/dashboard?joined={}", org.slug)),
        Err(_) => Ok(next.to_string()),
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
    let next = after_login(state, req, user_id, next).await?;
    Ok(signed_in(state, &token, &next))
}

#[derive(Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
}

#[derive(Serialize, Default)]
struct LoginPage {
    email: String,
    next: String,
    /// `?next=…` for the "Create an account" link.
    next_query: String,
    error: Option<String>,
    /// A form that arrived after the session timed out is waiting for them.
    kept: bool,
    invitation: bool,
}

impl LoginPage {
    fn new(state: &AppState, req: &HttpRequest, next: String, email: String) -> Self {
        Self {
            email,
            next_query: next_query(&next),
            invitation: next.starts_with("/invite/"),
            kept: crate::web::kept_form::waiting(state, req) && next != "/dashboard",
            next,
            error: None,
        }
    }
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
    let vm = LoginPage::new(&page.state, &page.req, next, String::new());
    page.ok("auth/login", "Log in", "", &vm)
}

/// `path?next=…`, the page to go on to after logging in.
fn with_next(path: &str, next: &str) -> String {
    let next: String = form_urlencoded::byte_serialize(next.as_bytes()).collect();
    format!("{path}?next={next}")
}

/// What the login page says when the password was right but the organisation asks its members
/// to sign in with their organisation's account.
fn sso_required_message(org_name: &str) -> String {
    format!(
        "{org_name} asks you to sign in with your organisation's account: use \"Sign in with your organisation\" below"
    )
}

/// `POST /login`: fields `email`, `password` (and `next`).
#[tracing::instrument(skip_all, fields(user_id))]
pub async fn login(page: Page, form: CsrfForm) -> Result<HttpResponse, AppError> {
    let (state, req) = (&page.state, &page.req);
    state.check_auth_rate(req)?;
    let (email, next) = (form.fields.get("email"), next_field(&form));
    let password = SecretString::from(form.fields.get("password").to_string());
    let outcome =
        auth::password_login(&state.db, &state.clock, email, password, client_ip(req)).await?;
    let again = |status, error: String| {
        let vm = LoginPage {
            error: Some(error),
            ..LoginPage::new(state, req, next.clone(), email.trim().to_string())
        };
        page.render(View::new(status, "auth/login", "Error: Log in", ""), &vm)
    };
    match outcome {
        PasswordLogin::Refused => again(
            StatusCode::UNAUTHORIZED,
            "Enter a correct email address and password".into(),
        ),
        PasswordLogin::SsoRequired { org_name } => {
            again(StatusCode::FORBIDDEN, sso_required_message(&org_name))
        }
        PasswordLogin::SecondStep(user) => {
            tracing::Span::current().record("user_id", user.id);
            // The password was right; the session starts only after the second step.
            let now = state.clock.now();
            let pending = PendingLogin::sign(&state.csrf_key, user.id, &user.password_hash, now);
            Ok(HttpResponse::SeeOther()
                .insert_header((header::LOCATION, with_next("/login/code", &next)))
                .cookie(pending.cookie(state))
                .finish())
        }
        PasswordLogin::Passed(user) => {
            tracing::Span::current().record("user_id", user.id);
            start_session(state, req, &form.visitor, user.id, &next).await
        }
    }
}

/// `POST /logout`: ends the session on the server and clears the cookie.
pub async fn logout(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: CsrfForm,
) -> Result<HttpResponse, AppError> {
    if let Some(token) = &form.visitor.session_token {
        crate::services::learning_time::close_open_view(&state.writer, token, state.clock.now())
            .await?;
        sessions::end(&state.db, token).await?;
    }
    let to = super::sso::after_logout(&state, &req);
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to))
        .cookie(expired_session_cookie(&state))
        .finish())
}
