//! `GET, POST /login/code`: the second step of logging in, for accounts with two-step verification.
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

use super::{LoginQuery, client_ip, next_field, safe_next, start_session, with_next};
use crate::error::AppError;
use crate::services::auth::{self, SecondStep};
use crate::web::AppState;
use crate::web::csrf::CsrfForm;
use crate::web::page::Page;
use crate::web::pending_login::{PendingLogin, expired_pending_cookie};
use crate::web::view::View;

#[derive(Serialize, Default)]
struct CodePage {
    next: String,
    error: Option<String>,
}

fn code_page(page: &Page, status: StatusCode, vm: &CodePage) -> Result<HttpResponse, AppError> {
    let title = if vm.error.is_some() {
        "Error: Enter your security code"
    } else {
        "Enter your security code"
    };
    page.render(
        View::new(status, "auth/login_code", title, "").noindex(),
        vm,
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
    page: Page,
    query: web::Query<LoginQuery>,
) -> Result<HttpResponse, AppError> {
    let next = safe_next(query.next.as_deref().unwrap_or("/dashboard"));
    if PendingLogin::check(&page.state, &page.req).await?.is_none() {
        return Ok(restart_login(&page.state, &next));
    }
    code_page(&page, StatusCode::OK, &CodePage { next, error: None })
}

/// `POST /login/code`: field `code` (from the authenticator app, or a recovery code) and `next`.
#[tracing::instrument(skip_all, fields(user_id))]
pub async fn login_code(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: CsrfForm,
) -> Result<HttpResponse, AppError> {
    state.check_auth_rate(&req)?;
    let next = next_field(&form);
    let Some(user) = PendingLogin::check(&state, &req).await? else {
        return Ok(restart_login(&state, &next));
    };
    tracing::Span::current().record("user_id", user.id);
    let code = form.fields.get("code");
    let ip = client_ip(&req);
    let (status, error) = match auth::second_step(&state.db, &state.clock, user.id, code, ip)
        .await?
    {
        SecondStep::Passed => {
            let mut response = start_session(&state, &req, &form.visitor, user.id, &next).await?;
            response.add_cookie(&expired_pending_cookie(&state)).ok();
            return Ok(response);
        }
        SecondStep::Locked => (StatusCode::TOO_MANY_REQUESTS, LOCKED),
        SecondStep::Wrong => (StatusCode::UNAUTHORIZED, WRONG_CODE),
    };
    let page = CodePage {
        next,
        error: Some(error.into()),
    };
    code_page(&Page::from_parts(state, req, form.visitor), status, &page)
}

const LOCKED: &str = "Too many wrong codes. Wait a few minutes, then log in again";
const WRONG_CODE: &str =
    "Enter the 6-digit code your authenticator app shows now, or one of your recovery codes";
