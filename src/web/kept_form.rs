//! Nothing typed is lost: a form refused because its session or CSRF token has expired is kept
//! server-side (see `services::form_stash`), keyed by a random id in a short-lived cookie, and put
//! back into the same form once its owner is logged in again. The kept text is only shown again:
//! saving it is a fresh POST with a fresh CSRF token.
use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::http::header;

use crate::services::form_stash;
use crate::web::AppState;
use crate::web::csrf::same_origin;
use crate::web::form::FormFields;
use crate::web::session::Visitor;

/// Set on a request when the login guard has taken the body of a form posted after its session
/// timed out, to keep it: the CSRF check then leaves the answer to the guard (which refuses).
pub struct BodyTakenByGuard;

/// Set when the CSRF check reads the body first: the login guard then leaves it alone.
pub struct BodyTakenByForm;

fn cookie_name(secure: bool) -> &'static str {
    if secure { "__Host-dd_kept" } else { "dd_kept" }
}

/// A form just kept: where to show it again, and the cookie that finds it.
pub struct Kept {
    pub path: String,
    pub cookie: Cookie<'static>,
}

/// A local path that is safe to send people to: starts with one `/`, no scheme, host or newline.
fn local_path(path: &str) -> Option<String> {
    let ok = path.starts_with('/')
        && !path.starts_with("//")
        && !path.starts_with("/\\")
        && !path.contains(['\r', '\n', '\\'])
        && path.len() <= 512;
    ok.then(|| path.to_string())
}

/// The page the form was on: the path of a same-site Referer, else the POST's own path.
fn form_page(state: &AppState, req: &HttpRequest) -> Option<String> {
    let from_referer = req
        .headers()
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| {
            let (_, rest) = r.split_once("://")?;
            let (host, path) = rest.split_at(rest.find('/')?);
            let ours = req
                .headers()
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
                .is_some_and(|h| h.eq_ignore_ascii_case(host))
                || state
                    .settings
                    .base_url
                    .split_once("://")
                    .is_some_and(|(_, b)| b.trim_end_matches('/').eq_ignore_ascii_case(host));
            let path = path.split(['?', '#']).next()?;
            ours.then(|| path.to_string())
        });
    local_path(&from_referer.unwrap_or_else(|| req.path().to_string()))
}

/// Keeps a refused form for the visitor whose session it was (a live one with a stale token, or
/// one that has just timed out). Nothing is kept for cross-site posts, for anonymous visitors, or
/// when the form holds nothing worth keeping. A failure to keep is logged, never shown.
pub async fn keep(
    state: &AppState,
    req: &HttpRequest,
    fields: &FormFields,
    visitor: &Visitor,
) -> Option<Kept> {
    if !same_origin(state, req) {
        return None;
    }
    let owner = visitor
        .user
        .as_ref()
        .map(|u| u.id)
        .or(visitor.timed_out_for)?;
    let json = form_stash::keepable(fields.pairs())?;
    let path = form_page(state, req)?;
    let now = state.clock.now();
    match form_stash::keep(&state.db, owner, &path, json, now).await {
        Ok(id) => {
            let secure = state.settings.is_https();
            let cookie = Cookie::build(cookie_name(secure), id)
                .path("/")
                .http_only(true)
                .secure(secure)
                .same_site(SameSite::Lax)
                .max_age(CookieDuration::minutes(form_stash::KEEP_MINUTES))
                .finish();
            Some(Kept { path, cookie })
        }
        Err(e) => {
            tracing::error!(error.cause = ?e, "a refused form could not be kept");
            None
        }
    }
}

/// Whether this browser holds a kept form (the login page then says so).
pub fn waiting(state: &AppState, req: &HttpRequest) -> bool {
    req.cookie(cookie_name(state.settings.is_https())).is_some()
}

/// The form kept for this user on this page, taken (so it is shown once).
///
/// # Errors
/// When the database fails.
pub async fn take(
    state: &AppState,
    req: &HttpRequest,
    user_id: i32,
) -> Result<Option<FormFields>, crate::error::AppError> {
    let Some(cookie) = req.cookie(cookie_name(state.settings.is_https())) else {
        return Ok(None);
    };
    let now = state.clock.now();
    let pairs = form_stash::take(&state.db, cookie.value(), user_id, req.path(), now).await?;
    Ok(pairs.map(FormFields::from_pairs))
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn only_local_paths_are_kept_as_the_way_back() {
        assert_eq!(
            local_path("/modules/a/worksheet").as_deref(),
            Some("/modules/a/worksheet")
        );
        assert_eq!(local_path("//evil.example/x"), None);
        assert_eq!(local_path("/\\evil.example"), None);
        assert_eq!(local_path("https://evil.example/"), None);
    }
}
