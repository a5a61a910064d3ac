//! CSRF defence: a token bound to the session (or, before login, to a random cookie) on every
//! state-changing form, checked together with the Origin and Sec-Fetch-Site headers.
use std::future::Future;
use std::pin::Pin;

use crate::crypto;
use crate::error::AppError;
use crate::web::AppState;
use crate::web::form::FormFields;
use crate::web::session::Visitor;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};

pub const FIELD: &str = "csrf_token";

fn anon_cookie_name(secure: bool) -> &'static str {
    if secure { "__Host-dd_csrf" } else { "dd_csrf" }
}

const SESSION: &str = "session:";
const ANONYMOUS: &str = "anon:";

/// The token for a logged-in session.
pub fn session_token(state: &AppState, session: &str) -> String {
    state.csrf_key.mac(SESSION, session.as_bytes())
}

/// The token for forms shown before login, and the cookie to set when the visitor has none yet.
///
/// # Errors
/// When the system has no randomness for a new cookie.
pub fn anonymous_token(
    state: &AppState,
    req: &HttpRequest,
) -> Result<(String, Option<Cookie<'static>>), crypto::NoRandomness> {
    let secure = state.settings.is_https();
    if let Some(c) = req
        .cookie(anon_cookie_name(secure))
        .filter(|c| c.value().len() == 43)
    {
        return Ok((state.csrf_key.mac(ANONYMOUS, c.value().as_bytes()), None));
    }
    let value = crypto::random_token()?;
    let cookie = Cookie::build(anon_cookie_name(secure), value.clone())
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .finish();
    Ok((
        state.csrf_key.mac(ANONYMOUS, value.as_bytes()),
        Some(cookie),
    ))
}

/// The token to put in this visitor's forms (and the anonymous cookie to set, if needed).
///
/// # Errors
/// When the system has no randomness for a new anonymous cookie.
pub fn token_for(
    state: &AppState,
    req: &HttpRequest,
    visitor: &Visitor,
) -> Result<(String, Option<Cookie<'static>>), crypto::NoRandomness> {
    match &visitor.session_token {
        Some(s) => Ok((session_token(state, s), None)),
        None => anonymous_token(state, req),
    }
}

/// Whether the request came from this site's own pages (Sec-Fetch-Site and Origin).
pub fn same_origin(state: &AppState, req: &HttpRequest) -> bool {
    let site = req
        .headers()
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok());
    if site.is_some_and(|s| !matches!(s, "same-origin" | "none")) {
        return false;
    }
    let Some(origin) = req.headers().get(header::ORIGIN) else {
        return true;
    };
    let Ok(origin) = origin.to_str() else {
        return false;
    };
    if origin.eq_ignore_ascii_case(&state.settings.base_url) {
        return true;
    }
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    let origin_host = origin.split_once("://").map_or("", |(_, h)| h);
    !host.is_empty() && origin_host.eq_ignore_ascii_case(host)
}

/// The route template for logs: paths can hold tokens, and they stay out of the logs.
fn route_of(req: &HttpRequest) -> String {
    req.match_pattern()
        .unwrap_or_else(|| "(no route)".to_string())
}

/// A form body whose CSRF token and origin have been checked. Use it for every POST.
pub struct CsrfForm {
    pub fields: FormFields,
    pub visitor: Visitor,
}

async fn extract(req: HttpRequest, mut payload: Payload) -> Result<CsrfForm, AppError> {
    let state = crate::web::extract::app_state(&req)?.clone();
    let forbidden = || {
        AppError::Forbidden("This form has expired or was sent from another site. Go back, reload the page and try again.".into())
    };
    if !same_origin(&state, &req) {
        tracing::warn!(route = route_of(&req), "cross-site form refused");
        return Err(forbidden());
    }
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !content_type.starts_with("application/x-www-form-urlencoded") {
        return Err(AppError::BadRequest(
            "The form was sent in a format this service does not accept.".into(),
        ));
    }
    let body = web::Bytes::from_request(&req, &mut payload)
        .await
        .map_err(|e| match e.as_response_error().status_code().as_u16() {
            413 => AppError::PayloadTooLarge,
            _ => AppError::BadRequest(String::new()),
        })?;
    let fields = FormFields::parse(&body)?;
    let visitor = Visitor::load(&req).await?;
    let sent = fields.get(FIELD);
    let secure = state.settings.is_https();
    let for_session = visitor
        .session_token
        .as_ref()
        .is_some_and(|s| state.csrf_key.verify(SESSION, s.as_bytes(), sent));
    let for_anonymous = req
        .cookie(anon_cookie_name(secure))
        .is_some_and(|c| state.csrf_key.verify(ANONYMOUS, c.value().as_bytes(), sent));
    let ok = for_session || for_anonymous;
    if !ok {
        tracing::warn!(
            route = route_of(&req),
            "form with a missing or wrong CSRF token refused"
        );
        // Nothing typed is lost: the visitor's own form is kept for them to check and send again.
        return Err(
            match crate::web::kept_form::keep(&state, &req, &fields, &visitor).await {
                Some(kept) if visitor.user.is_some() => AppError::FormKept {
                    to: kept.path,
                    kept: Box::new(kept.cookie),
                },
                Some(kept) => AppError::LoginRequired {
                    next: kept.path,
                    kept: Some(Box::new(kept.cookie)),
                },
                None => forbidden(),
            },
        );
    }
    Ok(CsrfForm { fields, visitor })
}

impl FromRequest for CsrfForm {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        if req
            .extensions()
            .contains::<crate::web::kept_form::BodyTakenByGuard>()
        {
            // The session has timed out and the login guard is keeping the form: it refuses the
            // request with the way back, and this never needs to answer.
            return Box::pin(std::future::pending());
        }
        req.extensions_mut()
            .insert(crate::web::kept_form::BodyTakenByForm);
        let req = req.clone();
        let payload = payload.take();
        Box::pin(extract(req, payload))
    }
}
