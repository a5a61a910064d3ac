//! `/api/v1/progress`, `/api/v1/completions` and `/api/v1/certificates`.
use actix_web::{HttpRequest, HttpResponse};

use crate::domain::CertificateCode;
use crate::services::records;
use crate::services::reports::{self, Filter, Sort};
use crate::web::api::{ApiCaller, ApiError, Problem, no_query, page_query};
use crate::web::extract::app_state;
use crate::web::views::api::{
    Certificate, CertificatePage, CompletionPage, CompletionRecord, Progress, ProgressPage,
};

/// Each member's progress through the course, by member id.
#[utoipa::path(
    get,
    path = "/api/v1/progress",
    tag = "records",
    params(
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 500, description = "Rows per page (default 100)"),
        ("cursor" = Option<i32>, Query, minimum = 0, maximum = 2147483647, description = "The `next_cursor` of the page before"),
    ),
    responses(
        (status = 200, description = "A page of progress, a member each", body = ProgressPage),
        (status = 400, description = "A malformed or oversized query", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token"),
        (status = 429, description = "Too many requests with this token", body = Problem, content_type = "application/problem+json"),
    )
)]
#[tracing::instrument(skip_all, fields(org_id = caller.0.org_id))]
pub async fn list_progress(req: HttpRequest, caller: ApiCaller) -> Result<HttpResponse, ApiError> {
    let page = page_query(&req)?;
    let state = app_state(&req)?;
    let everyone = Filter {
        cohort: None,
        sort: Sort::Name,
        descending: false,
    };
    let rows = reports::batch_after(
        &state.db,
        &state.course,
        caller.0.org_id,
        &everyone,
        page.after,
        page.limit,
        state.clock.now(),
    )
    .await?;
    let next_cursor = page.next_cursor(rows.iter().map(|r| r.member_id));
    Ok(HttpResponse::Ok().json(ProgressPage {
        data: rows
            .into_iter()
            .map(|r| Progress::build(&state.course, r))
            .collect(),
        next_cursor,
    }))
}

/// Every completed module of the organisation's members, by completion id: the ESR-ready export.
#[utoipa::path(
    get,
    path = "/api/v1/completions",
    tag = "records",
    params(
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 500, description = "Rows per page (default 100)"),
        ("cursor" = Option<i32>, Query, minimum = 0, maximum = 2147483647, description = "The `next_cursor` of the page before"),
    ),
    responses(
        (status = 200, description = "A page of completions", body = CompletionPage),
        (status = 400, description = "A malformed or oversized query", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token"),
        (status = 429, description = "Too many requests with this token", body = Problem, content_type = "application/problem+json"),
    )
)]
#[tracing::instrument(skip_all, fields(org_id = caller.0.org_id))]
pub async fn list_completions(
    req: HttpRequest,
    caller: ApiCaller,
) -> Result<HttpResponse, ApiError> {
    let page = page_query(&req)?;
    let state = app_state(&req)?;
    let rows = records::completions_after(
        &state.db,
        &state.course,
        caller.0.org_id,
        page.after,
        page.limit,
    )
    .await?;
    let next_cursor = page.next_cursor(rows.iter().map(|c| c.id));
    Ok(HttpResponse::Ok().json(CompletionPage {
        data: rows.into_iter().map(CompletionRecord::from).collect(),
        next_cursor,
    }))
}

/// The certificates of the organisation's members (revoked and expired ones too), by id.
#[utoipa::path(
    get,
    path = "/api/v1/certificates",
    tag = "records",
    params(
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 500, description = "Rows per page (default 100)"),
        ("cursor" = Option<i32>, Query, minimum = 0, maximum = 2147483647, description = "The `next_cursor` of the page before"),
    ),
    responses(
        (status = 200, description = "A page of certificates", body = CertificatePage),
        (status = 400, description = "A malformed or oversized query", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token"),
        (status = 429, description = "Too many requests with this token", body = Problem, content_type = "application/problem+json"),
    )
)]
#[tracing::instrument(skip_all, fields(org_id = caller.0.org_id))]
pub async fn list_certificates(
    req: HttpRequest,
    caller: ApiCaller,
) -> Result<HttpResponse, ApiError> {
    let page = page_query(&req)?;
    let state = app_state(&req)?;
    let rows =
        records::certificates_after(&state.db, caller.0.org_id, page.after, page.limit).await?;
    let next_cursor = page.next_cursor(rows.iter().map(|c| c.id));
    let now = state.clock.now();
    let base = &state.settings.base_url;
    Ok(HttpResponse::Ok().json(CertificatePage {
        data: rows
            .into_iter()
            .map(|c| Certificate::build(c, now, base))
            .collect(),
        next_cursor,
    }))
}

/// One certificate by its code; 404 unless its holder is a member of the token's organisation.
#[utoipa::path(
    get,
    path = "/api/v1/certificates/{code}",
    tag = "records",
    params(("code" = String, Path, min_length = 12, max_length = 14, description = "The certificate code, e.g. ABCD-EFGH-JKMN")),
    responses(
        (status = 200, description = "The certificate", body = Certificate),
        (status = 400, description = "A query where none is taken", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token"),
        (status = 404, description = "No such certificate in this organisation", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests with this token", body = Problem, content_type = "application/problem+json"),
    )
)]
#[tracing::instrument(skip_all, fields(org_id = caller.0.org_id))]
pub async fn show_certificate(
    req: HttpRequest,
    caller: ApiCaller,
) -> Result<HttpResponse, ApiError> {
    no_query(&req)?;
    let code = req
        .match_info()
        .get("code")
        .and_then(CertificateCode::parse)
        .ok_or(ApiError::NotFound)?;
    let state = app_state(&req)?;
    let cert = records::certificate(&state.db, caller.0.org_id, code.as_str())
        .await?
        .ok_or(ApiError::NotFound)?;
    let body = Certificate::build(cert, state.clock.now(), &state.settings.base_url);
    Ok(HttpResponse::Ok().json(body))
}
