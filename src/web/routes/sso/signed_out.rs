//! After logging out: the provider's end-session URL (from its discovery document), kept in a
//! cookie at sign-in, is offered once on `/signed-out`.
use actix_web::cookie::{Cookie, SameSite};
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;

use crate::error::AppError;
use crate::web::AppState;
use crate::web::page::Page;

fn end_cookie_name(state: &AppState) -> &'static str {
    if state.settings.is_https() {
        "__Host-dd_sso_end"
    } else {
        "dd_sso_end"
    }
}

/// The provider's end-session URL (from its discovery document), kept for the page shown after
/// logging out; only an http(s) URL.
pub(super) fn end_session_cookie(state: &AppState, url: &str) -> Option<Cookie<'static>> {
    let parsed = url::Url::parse(url).ok()?;
    if !matches!(parsed.scheme(), "https" | "http") {
        return None;
    }
    let hours = i64::from(state.timeouts().absolute_hours);
    let max_age = actix_web::cookie::time::Duration::hours(hours);
    Some(
        Cookie::build(end_cookie_name(state), parsed.to_string())
            .path("/")
            .http_only(true)
            .secure(state.settings.is_https())
            .same_site(SameSite::Lax)
            .max_age(max_age)
            .finish(),
    )
}

/// Where logging out goes: the page offering the provider's sign-out when this browser signed in
/// through a provider that has one, else the home page.
pub fn after_logout(state: &AppState, req: &HttpRequest) -> &'static str {
    if req.cookie(end_cookie_name(state)).is_some() {
        "/signed-out"
    } else {
        "/"
    }
}

#[derive(Serialize)]
struct SignedOutPage {
    end_session_url: Option<String>,
}

/// `GET /signed-out`: our session has ended; offers the provider's end-session URL, once.
pub async fn show_signed_out(page: Page) -> Result<HttpResponse, AppError> {
    let state = &page.state;
    let end_session_url = page
        .req
        .cookie(end_cookie_name(state))
        .and_then(|c| end_session_cookie(state, c.value()))
        .map(|c| c.value().to_string());
    let vm = SignedOutPage { end_session_url };
    let mut response = page.ok("auth/sso_signed_out", "You have logged out", "", &vm)?;
    let mut gone = Cookie::build(end_cookie_name(state), "").path("/").finish();
    gone.make_removal();
    response.add_cookie(&gone).ok();
    Ok(response)
}
