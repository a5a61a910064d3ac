//! `/api/v1/members`: the organisation's members.
use actix_web::{HttpRequest, HttpResponse};

use crate::services::records;
use crate::web::api::{ApiCaller, ApiError, Problem, no_query, page_query};
use crate::web::extract::app_state;
use crate::web::views::api::{Member, MemberPage};

/// The organisation's members, by id.
#[utoipa::path(
    get,
    path = "/api/v1/members",
    tag = "members",
    params(
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 500, description = "Rows per page (default 100)"),
        ("cursor" = Option<i32>, Query, minimum = 0, maximum = 2147483647, description = "The `next_cursor` of the page before"),
    ),
    responses(
        (status = 200, description = "A page of members", body = MemberPage),
        (status = 400, description = "A malformed or oversized query", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token"),
        (status = 429, description = "Too many requests with this token", body = Problem, content_type = "application/problem+json"),
    )
)]
#[tracing::instrument(skip_all, fields(org_id = caller.0.org_id))]
pub async fn list_members(req: HttpRequest, caller: ApiCaller) -> Result<HttpResponse, ApiError> {
    let page = page_query(&req)?;
    let state = app_state(&req)?;
    let rows = records::members_after(&state.db, caller.0.org_id, page.after, page.limit).await?;
    let next_cursor = page.next_cursor(rows.iter().map(|m| m.member_id));
    Ok(HttpResponse::Ok().json(MemberPage {
        data: rows.into_iter().map(Member::from).collect(),
        next_cursor,
    }))
}

/// One member, by id; 404 for anyone who is not a member of the token's organisation.
#[utoipa::path(
    get,
    path = "/api/v1/members/{member_id}",
    tag = "members",
    params(("member_id" = i32, Path, minimum = 1, maximum = 2147483647, description = "The member's id")),
    responses(
        (status = 200, description = "The member", body = Member),
        (status = 400, description = "A query where none is taken", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token"),
        (status = 404, description = "No such member in this organisation", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests with this token", body = Problem, content_type = "application/problem+json"),
    )
)]
#[tracing::instrument(skip_all, fields(org_id = caller.0.org_id))]
pub async fn show_member(req: HttpRequest, caller: ApiCaller) -> Result<HttpResponse, ApiError> {
    no_query(&req)?;
    let id = req
        .match_info()
        .get("member_id")
        .and_then(|s| s.parse::<i32>().ok())
        .ok_or(ApiError::NotFound)?;
    let state = app_state(&req)?;
    let member = records::member(&state.db, caller.0.org_id, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(HttpResponse::Ok().json(Member::from(member)))
}
