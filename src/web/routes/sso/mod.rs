//! Signing in with an organisation's account (OpenID Connect); the platform admins' page that
//! configures each organisation's provider is in `admin`. The protocol and every check live in
//! `services::sso`.
use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use crate::domain::Email;
use crate::error::AppError;
use crate::services::sso::signin::{self, Callback, Ctx, Outcome, SsoError};
use crate::web::AppState;
use crate::web::csrf::CsrfForm;
use crate::web::extract::client_ip_text;
use crate::web::form::FieldErrors;
use crate::web::page::Page;
use crate::web::session::session_cookie;
use crate::web::view::View;

pub mod admin;
mod signed_out;

use signed_out::end_session_cookie;
pub use signed_out::{after_logout, show_signed_out};

/// The callback, as registered with every provider: `{base_url}/login/sso/callback`.
pub const CALLBACK_PATH: &str = "/login/sso/callback";

fn cookie_name(state: &AppState) -> &'static str {
    if state.settings.is_https() {
        "__Host-dd_sso"
    } else {
        "dd_sso"
    }
}

/// The browser's sign-in in progress. `SameSite=Lax`: it must come back on the provider's
/// top-level redirect to the callback, and on nothing a third-party site sends.
fn attempt_cookie(state: &AppState, token: &str) -> Cookie<'static> {
    Cookie::build(cookie_name(state), token.to_string())
        .path("/")
        .http_only(true)
        .secure(state.settings.is_https())
        .same_site(SameSite::Lax)
        .max_age(actix_web::cookie::time::Duration::minutes(
            signin::ATTEMPT_MINUTES,
        ))
        .finish()
}

fn expired_attempt_cookie(state: &AppState) -> Cookie<'static> {
    let mut c = attempt_cookie(state, "");
    c.make_removal();
    c
}

fn ctx<'a>(state: &'a AppState, req: &'a HttpRequest) -> Ctx<'a> {
    Ctx {
        db: &state.db,
        clients: &state.oidc,
        clock: &state.clock,
        course_slug: &state.course.slug,
        timeouts: state.timeouts(),
        redirect_url: format!(
            "{}{CALLBACK_PATH}",
            state.settings.base_url.trim_end_matches('/')
        ),
        ip: client_ip_text(req),
        user_agent: req
            .headers()
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok()),
    }
}

/// Only local paths are followed after signing in (no open redirect).
fn safe_next(next: &str) -> String {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.contains(['\r', '\n', '\\'])
        && next.len() <= 512;
    if ok {
        next.to_string()
    } else {
        "/dashboard".to_string()
    }
}

#[derive(Serialize, Default)]
struct StartPage {
    email: String,
    next: String,
    errors: FieldErrors,
    email_error: Option<String>,
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// `GET /login/sso`: asks for the work e-mail address.
pub async fn show_sso_login(
    page: Page,
    query: web::Query<NextQuery>,
) -> Result<HttpResponse, AppError> {
    let next = safe_next(query.next.as_deref().unwrap_or("/dashboard"));
    if page.visitor.user.is_some() {
        return Ok(page.see_other(&next));
    }
    let vm = StartPage {
        next,
        ..StartPage::default()
    };
    page.ok("auth/sso_start", "Sign in with your organisation", "", &vm)
}

#[derive(Serialize)]
struct FailedPage {
    message: &'static str,
    reference: String,
}

/// The friendly page for a refused sign-in, with the reference that is also in the audit log.
fn failed(page: &Page, e: SsoError) -> Result<HttpResponse, AppError> {
    match e {
        SsoError::Failed { failure, reference } => {
            let status = StatusCode::from_u16(failure.status()).unwrap_or(StatusCode::BAD_REQUEST);
            let vm = FailedPage {
                message: failure.message(),
                reference,
            };
            let view = View::new(status, "auth/sso_failed", "You could not be signed in", "");
            let mut response = page.render(view.noindex(), &vm)?;
            response
                .add_cookie(&expired_attempt_cookie(&page.state))
                .ok();
            Ok(response)
        }
        SsoError::Unexpected(e) => Err(AppError::Unexpected(e)),
    }
}

/// `POST /login/sso`: field `email` (and `next`). Redirects to the organisation's provider.
#[tracing::instrument(skip_all)]
pub async fn start_sso_login(page: Page, form: CsrfForm) -> Result<HttpResponse, AppError> {
    let state = &page.state;
    state.check_auth_rate(&page.req)?;
    let next = safe_next(match form.fields.get("next") {
        "" => "/dashboard",
        n => n,
    });
    let email = match Email::parse(form.fields.get("email")) {
        Ok(e) => e,
        Err(message) => {
            let errors = FieldErrors::one("email", message);
            let vm = StartPage {
                email: form.fields.get("email").trim().to_string(),
                next,
                email_error: errors.message_for("email"),
                errors,
            };
            return page.invalid("auth/sso_start", "Sign in with your organisation", "", &vm);
        }
    };
    match signin::start(&ctx(state, &page.req), &email, &next).await {
        Ok(started) => onwards(&page, &started),
        Err(e) => failed(&page, e),
    }
}

#[derive(Serialize)]
struct OnwardsPage<'a> {
    url: &'a str,
}

/// On to the provider. Not a 303: the page's `form-action 'self'` policy would block a form's
/// redirect to another site, so the answer is a page that moves on at once (`Refresh`), with a
/// link for the rare browser that does not.
fn onwards(page: &Page, started: &signin::Started) -> Result<HttpResponse, AppError> {
    let vm = OnwardsPage {
        url: &started.redirect_to,
    };
    let view = View::new(
        StatusCode::OK,
        "auth/sso_onwards",
        "Continue to your organisation's sign-in page",
        "",
    );
    let mut response = page.render(view.noindex(), &vm)?;
    let refresh = format!("0; url={}", started.redirect_to);
    if let Ok(value) = header::HeaderValue::from_str(&refresh) {
        response
            .headers_mut()
            .insert(header::HeaderName::from_static("refresh"), value);
    }
    response
        .add_cookie(&attempt_cookie(&page.state, &started.cookie_token))
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("cookie: {e}")))?;
    Ok(response)
}

#[derive(Deserialize)]
pub struct CallbackQuery {
    state: Option<String>,
    code: Option<String>,
    iss: Option<String>,
    error: Option<String>,
}

fn signed_in(state: &AppState, token: &str, next: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, safe_next(next)))
        .cookie(session_cookie(state, token))
        .cookie(expired_attempt_cookie(state))
        .finish()
}

/// `GET /login/sso/callback`: the provider's answer (`code`, `state`, `iss`, or `error`).
#[tracing::instrument(skip_all, fields(user_id))]
pub async fn sso_callback(
    page: Page,
    query: web::Query<CallbackQuery>,
) -> Result<HttpResponse, AppError> {
    let state = &page.state;
    state.check_auth_rate(&page.req)?;
    let cookie = page.req.cookie(cookie_name(state));
    let q = query.into_inner();
    let cb = Callback {
        cookie_token: cookie.as_ref().map(Cookie::value),
        state: q.state.as_deref().unwrap_or(""),
        code: q.code.as_deref(),
        iss: q.iss.as_deref(),
        error: q.error.as_deref(),
    };
    match signin::complete(&ctx(state, &page.req), cb).await {
        Ok(Outcome::SignedIn {
            user_id,
            session_token,
            next,
            end_session_url,
            ..
        }) => {
            tracing::Span::current().record("user_id", user_id);
            end_old_session(state, &page).await?;
            let mut response = signed_in(state, &session_token, &next);
            if let Some(c) = end_session_url.and_then(|u| end_session_cookie(state, &u)) {
                response.add_cookie(&c).ok();
            }
            Ok(response)
        }
        Ok(Outcome::NeedsPassword { .. }) => Ok(page.see_other("/login/sso/link")),
        Err(e) => failed(&page, e),
    }
}

/// A session the browser already had ends when a new one starts (no session fixation).
async fn end_old_session(state: &AppState, page: &Page) -> Result<(), AppError> {
    if let Some(old) = &page.visitor.session_token {
        crate::services::sessions::end(&state.db, old).await?;
    }
    Ok(())
}

#[derive(Serialize, Default)]
struct LinkPage {
    email: String,
    error: Option<String>,
}

/// `GET /login/sso/link`: an account with the provider's e-mail exists; its password links it.
pub async fn show_link(page: Page) -> Result<HttpResponse, AppError> {
    let state = &page.state;
    let cookie = page.req.cookie(cookie_name(state));
    let now = state.clock.now();
    let Some((_, user)) =
        signin::pending_link(&state.db, cookie.as_ref().map(Cookie::value), now).await?
    else {
        return Ok(page.see_other("/login/sso"));
    };
    let vm = LinkPage {
        email: user.email,
        error: None,
    };
    let view = View::new(StatusCode::OK, "auth/sso_link", "Link your account", "");
    page.render(view.noindex(), &vm)
}

/// `POST /login/sso/link`: field `password`.
#[tracing::instrument(skip_all, fields(user_id))]
pub async fn link_account(page: Page, form: CsrfForm) -> Result<HttpResponse, AppError> {
    let state = &page.state;
    state.check_auth_rate(&page.req)?;
    let cookie = page.req.cookie(cookie_name(state));
    let token = cookie.as_ref().map(Cookie::value);
    let password = SecretString::from(form.fields.get("password").to_string());
    match signin::link_with_password(&ctx(state, &page.req), token, password).await {
        Ok(Outcome::SignedIn {
            session_token,
            next,
            ..
        }) => {
            end_old_session(state, &page).await?;
            Ok(signed_in(state, &session_token, &next))
        }
        Ok(Outcome::NeedsPassword { .. }) => Ok(page.see_other("/login/sso/link")),
        Err(SsoError::Failed {
            failure: signin::Failure::WrongPassword,
            ..
        }) => {
            let now = state.clock.now();
            let email = signin::pending_link(&state.db, token, now)
                .await?
                .map(|(_, u)| u.email)
                .unwrap_or_default();
            let vm = LinkPage {
                email,
                error: Some(signin::Failure::WrongPassword.message().into()),
            };
            let view = View::new(
                StatusCode::UNAUTHORIZED,
                "auth/sso_link",
                "Error: Link your account",
                "",
            );
            page.render(view.noindex(), &vm)
        }
        Err(e) => failed(&page, e),
    }
}
