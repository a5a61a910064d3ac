//! The `/api/v1` plumbing: the caller named by a bearer token (cookies never authenticate the
//! API, so CSRF does not apply), JSON problem responses (RFC 9457) and the page query.
use std::future::Future;
use std::pin::Pin;

use actix_web::dev::{Payload, ResourceDef};
use actix_web::http::{StatusCode, header};
use actix_web::{FromRequest, HttpRequest, HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::services::api_tokens::{self, ApiClient};
use crate::web::extract::app_state;

/// Where the API lives; the error pages leave its responses alone.
pub const PREFIX: &str = "/api/";

/// Rows per page when the query does not say, and the most a query may ask for.
pub const DEFAULT_LIMIT: u64 = 100;
pub const MAX_LIMIT: u64 = 500;

/// Longer queries than this are refused: no valid one comes near it.
const MAX_QUERY_BYTES: usize = 256;

/// A problem with a request (RFC 9457 `application/problem+json`).
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// Always `about:blank`: the status says what kind of problem it is.
    #[schema(example = "about:blank")]
    pub r#type: String,
    #[schema(example = "Bad Request")]
    pub title: String,
    #[schema(example = 400)]
    pub status: u16,
    /// What was wrong, for the developer of the calling system.
    #[schema(example = "limit must be a whole number from 1 to 500")]
    pub detail: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No token, a malformed one, or one that is unknown, revoked or expired: 401, no detail.
    #[error("unauthorised")]
    Unauthorized,
    #[error("{0}")]
    BadRequest(String),
    #[error("not found")]
    NotFound,
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("too many requests")]
    TooManyRequests { retry_after_seconds: u64 },
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(e: sea_orm::DbErr) -> Self {
        Self::Unexpected(e.into())
    }
}

impl From<crate::error::AppError> for ApiError {
    fn from(e: crate::error::AppError) -> Self {
        Self::Unexpected(anyhow::anyhow!("{e}"))
    }
}

pub const PROBLEM_JSON: &str = "application/problem+json";

fn problem(status: StatusCode, detail: &str) -> HttpResponse {
    HttpResponse::build(status)
        .content_type(PROBLEM_JSON)
        .json(Problem {
            r#type: "about:blank".into(),
            title: status.canonical_reason().unwrap_or("Error").into(),
            status: status.as_u16(),
            detail: detail.into(),
        })
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            Self::Unauthorized => HttpResponse::Unauthorized()
                .insert_header((header::WWW_AUTHENTICATE, "Bearer"))
                .finish(),
            Self::BadRequest(detail) => problem(StatusCode::BAD_REQUEST, detail),
            Self::NotFound => problem(StatusCode::NOT_FOUND, "There is nothing at this address."),
            Self::MethodNotAllowed => {
                let mut r = problem(
                    StatusCode::METHOD_NOT_ALLOWED,
                    "The API is read-only: use GET.",
                );
                r.headers_mut()
                    .insert(header::ALLOW, header::HeaderValue::from_static("GET"));
                r
            }
            Self::TooManyRequests {
                retry_after_seconds,
            } => {
                let mut r = problem(
                    StatusCode::TOO_MANY_REQUESTS,
                    "This token has made too many requests; wait and try again.",
                );
                if let Ok(v) = header::HeaderValue::from_str(&retry_after_seconds.to_string()) {
                    r.headers_mut().insert(header::RETRY_AFTER, v);
                }
                r
            }
            Self::Unexpected(e) => {
                let reference = crate::error::new_reference();
                tracing::error!(error.reference = %reference, "API request failed: {e:#}");
                problem(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    &format!("Something went wrong on our side (reference {reference})."),
                )
            }
        }
    }
}

/// The organisation whose token came with the request (`Authorization: Bearer ddk_…`), within
/// its rate limit.
pub struct ApiCaller(pub ApiClient);

fn bearer(req: &HttpRequest) -> Option<&str> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

async fn api_caller(req: HttpRequest) -> Result<ApiCaller, ApiError> {
    let state = app_state(&req)?;
    let token = bearer(&req).ok_or(ApiError::Unauthorized)?;
    let client = api_tokens::authenticate(&state.db, token, state.clock.now())
        .await?
        .ok_or(ApiError::Unauthorized)?;
    if state.api_limiter.check_key(&client.token_id).is_err() {
        tracing::warn!(
            api_token = client.token_id,
            "per-token limit on the API reached"
        );
        let per_minute = u64::from(state.settings.api_rate_per_minute.max(1));
        return Err(ApiError::TooManyRequests {
            retry_after_seconds: 60_u64.div_ceil(per_minute),
        });
    }
    Ok(ApiCaller(client))
}

impl FromRequest for ApiCaller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(api_caller(req))
    }
}

/// Which page of a list: at most `limit` rows with an id after `after` (the `cursor`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageQuery {
    pub limit: u64,
    pub after: i32,
}

impl PageQuery {
    /// The `next_cursor` of a page: the last row's id when the page is full (there may be more).
    pub fn next_cursor(
        &self,
        ids: impl DoubleEndedIterator<Item = i32> + ExactSizeIterator,
    ) -> Option<i32> {
        let full = u64::try_from(ids.len()).is_ok_and(|n| n >= self.limit);
        if full { ids.last() } else { None }
    }
}

fn whole_number(value: &str, max: u64) -> Option<u64> {
    if value.is_empty() || value.len() > 10 || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    value.parse::<u64>().ok().filter(|n| *n <= max)
}

/// The query's `name=value` pairs when each name is one of `allowed` and given at most once.
fn pairs(query: &str, allowed: &[&str]) -> Result<Vec<(String, String)>, ApiError> {
    if query.len() > MAX_QUERY_BYTES {
        return Err(ApiError::BadRequest(format!(
            "the query is longer than {MAX_QUERY_BYTES} bytes"
        )));
    }
    let mut out: Vec<(String, String)> = Vec::new();
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        if !allowed.contains(&name.as_ref()) {
            let known = if allowed.is_empty() {
                "this address takes none".to_string()
            } else {
                format!("use {}", allowed.join(", "))
            };
            return Err(ApiError::BadRequest(format!(
                "unknown query parameter `{}` ({known})",
                name.chars().take(40).collect::<String>()
            )));
        }
        if out.iter().any(|(n, _)| *n == name) {
            return Err(ApiError::BadRequest(format!(
                "the query parameter `{name}` is given twice"
            )));
        }
        out.push((name.into_owned(), value.into_owned()));
    }
    Ok(out)
}

/// Reads `limit` (1 to 500, default 100) and `cursor` (the `next_cursor` of the page before).
///
/// # Errors
/// `BadRequest` for anything else in the query, or values out of range.
pub fn page_query(req: &HttpRequest) -> Result<PageQuery, ApiError> {
    let mut page = PageQuery {
        limit: DEFAULT_LIMIT,
        after: 0,
    };
    for (name, value) in pairs(req.query_string(), &["limit", "cursor"])? {
        if name == "limit" {
            page.limit = whole_number(&value, MAX_LIMIT)
                .filter(|n| *n >= 1)
                .ok_or_else(|| {
                    ApiError::BadRequest(format!(
                        "limit must be a whole number from 1 to {MAX_LIMIT}"
                    ))
                })?;
        } else {
            page.after = whole_number(&value, u64::from(i32::MAX.unsigned_abs()))
                .and_then(|n| i32::try_from(n).ok())
                .ok_or_else(|| {
                    ApiError::BadRequest("cursor must be the next_cursor of an earlier page".into())
                })?;
        }
    }
    Ok(page)
}

/// Refuses any query on an address that takes none.
///
/// # Errors
/// `BadRequest` when there is a query.
pub fn no_query(req: &HttpRequest) -> Result<(), ApiError> {
    pairs(req.query_string(), &[]).map(|_| ())
}

/// The answer for an `/api/` address no route took: 405 when the address exists (the API is
/// read-only), else 404, both as problem JSON.
pub fn unrouted(req: &HttpRequest) -> Option<ApiError> {
    let path = req.path();
    if !path.starts_with(PREFIX) {
        return None;
    }
    let known = crate::web::routes::ROUTES
        .iter()
        .any(|r| r.path.starts_with(PREFIX) && ResourceDef::new(r.path).is_match(path));
    Some(if known {
        ApiError::MethodNotAllowed
    } else {
        ApiError::NotFound
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn page(q: &str) -> Result<PageQuery, ApiError> {
        page_query(&TestRequest::with_uri(&format!("/api/v1/members?{q}")).to_http_request())
    }

    #[test]
    fn the_page_query_takes_a_limit_up_to_500_and_a_cursor() {
        assert_eq!(
            page("").ok(),
            Some(PageQuery {
                limit: 100,
                after: 0
            })
        );
        assert_eq!(
            page("limit=500&cursor=42").ok(),
            Some(PageQuery {
                limit: 500,
                after: 42
            })
        );
        for bad in [
            "limit=0",
            "limit=501",
            "limit=-1",
            "limit=1.5",
            "limit=",
            "limit=abc",
            "cursor=-3",
            "cursor=2147483648",
            "cursor=x",
            "limit=1&limit=2",
            "page=2",
        ] {
            assert!(
                matches!(page(bad), Err(ApiError::BadRequest(_))),
                "{bad} must be refused"
            );
        }
        assert!(matches!(
            page(&format!("cursor={}", "1".repeat(300))),
            Err(ApiError::BadRequest(m)) if m.contains("longer")
        ));
    }

    #[test]
    fn a_full_page_points_to_the_next_and_a_short_one_ends_the_list() {
        let q = PageQuery { limit: 2, after: 0 };
        assert_eq!(q.next_cursor([4, 9].into_iter()), Some(9));
        assert_eq!(q.next_cursor([4].into_iter()), None);
    }
}
