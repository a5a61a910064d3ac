//! Security headers on every response, and friendly pages for every error status.
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::{ErrorHandlerResponse, Next};
use actix_web::{HttpMessage, HttpResponse, web};
use serde::Serialize;

use crate::error::{ErrorPage, new_reference};
use crate::web::AppState;
use crate::web::view::render_error_page;

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/// Adds the security headers, and `Cache-Control: no-store` to anything that did not set its own caching.
pub async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let https = req
        .app_data::<web::Data<AppState>>()
        .is_some_and(|s| s.settings.is_https());
    let mut res = next.call(req).await?;
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), interest-cohort=()"),
    );
    h.insert(
        HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    );
    if https {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    Ok(res)
}

/// Loads the visitor of every POST before its handler runs, so that the guards can tell at once
/// whether a session has just timed out and read the form to keep it (see `web::kept_form`).
///
/// After a request that may have written, and before its response leaves, the session cache
/// applies the changes it committed (see `services::session_cache`): the next request of anyone,
/// on this instance, meets the new state. A request other than a lesson view also drops its
/// session's lesson memo, once more at its end (it may have closed the view the memo holds).
pub async fn load_visitor(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if req.method() == actix_web::http::Method::POST {
        // A database failure here is met again, and reported, by the handler's own guard.
        let _ = crate::web::session::Visitor::load(req.request()).await;
    }
    let writes = may_write(&req);
    let res = next.call(req).await?;
    let request = res.request();
    if !crate::web::session::keeps_lesson_memo(request)
        && let Some(cached) = request
            .extensions()
            .get::<crate::web::session::Visitor>()
            .and_then(|v| v.cached.clone())
    {
        cached.forget_lesson();
    }
    if writes
        && let Some(state) = request.app_data::<web::Data<AppState>>()
        && let Err(e) = state.cache_sync.sync(&state.db).await
    {
        tracing::warn!(error = %e, "the session cache could not read its change events");
    }
    Ok(res)
}

/// Requests that may change what the session cache holds: every method but GET and HEAD, and the
/// single sign-on callback (a GET that signs in and may update the account).
fn may_write(req: &ServiceRequest) -> bool {
    use actix_web::http::Method;
    (req.method() != Method::GET && req.method() != Method::HEAD)
        || req.path() == "/login/sso/callback"
}

#[derive(Serialize)]
struct ErrorView {
    status: u16,
    title: String,
    message: String,
    reference: Option<String>,
    continue_to: Option<String>,
    continue_label: Option<String>,
}

/// Replaces the body of any 4xx/5xx response that is not already a page of ours with the error page.
///
/// # Errors
/// Never: a failure to render falls back to plain text.
pub fn error_page<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let status = res.status();
    // The JSON API answers in JSON (problem details) or, for 401, with no body at all.
    if res.request().path().starts_with(crate::web::api::PREFIX) {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let already_page = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("text/html"));
    if already_page && res.response().extensions().get::<ErrorPage>().is_none() {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let mut page = res
        .response()
        .extensions()
        .get::<ErrorPage>()
        .cloned()
        .unwrap_or_else(|| ErrorPage::for_status(status));
    if status.is_server_error() && page.reference.is_none() {
        let reference = new_reference();
        tracing::error!(error.reference = %reference, status = status.as_u16(), "server error response");
        page.reference = Some(reference);
    }
    let (req, old) = res.into_parts();
    let view = ErrorView {
        status: status.as_u16(),
        title: page.title,
        message: page.message,
        reference: page.reference,
        continue_to: page.continue_to,
        continue_label: page.continue_label,
    };
    let body = req
        .app_data::<web::Data<AppState>>()
        .and_then(|s| render_error_page(s, &req, &view.title, status, &view))
        .unwrap_or_else(|| format!("{}\n\n{}\n", view.title, view.message));
    let mut new = HttpResponse::build(status);
    for (name, value) in old.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            new.append_header((name.clone(), value.clone()));
        }
    }
    new.insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"));
    let new: HttpResponse<BoxBody> = new.body(body);
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(req, new).map_into_right_body(),
    ))
}
