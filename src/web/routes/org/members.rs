//! The organisation's members: moving between cohorts, leaving, and password reset links.
use actix_web::{HttpResponse, web};

use crate::error::AppError;
use crate::services::org_admin;
use crate::services::organisations as orgs;
use crate::web::csrf::CsrfForm;
use crate::web::extract::OrgAdmin;
use crate::web::page::Page;
use crate::web::reset_link;

/// `POST /org/{slug}/members/{user_id}/cohort`: field `cohort` (a cohort id, or empty for none).
#[tracing::instrument(skip_all, fields(user_id = admin.user.id()))]
pub async fn move_member(
    page: Page,
    form: CsrfForm,
    admin: OrgAdmin,
    path: web::Path<(String, i32)>,
) -> Result<HttpResponse, AppError> {
    let (_, member) = path.into_inner();
    let cohort = match form.fields.get("cohort") {
        "" => None,
        c => Some(c.parse::<i32>().map_err(|_| AppError::NotFound)?),
    };
    let state = &page.state;
    if !org_admin::move_member(&state.db, &state.clock, &admin.who, member, cohort).await? {
        return Err(AppError::NotFound);
    }
    Ok(page.see_other(&admin.url("")))
}

/// `POST /org/{slug}/members/{user_id}/remove`: a leaver leaves the organisation; their records stay.
#[tracing::instrument(skip_all, fields(user_id = admin.user.id()))]
pub async fn remove_member(
    page: Page,
    _form: CsrfForm,
    admin: OrgAdmin,
    path: web::Path<(String, i32)>,
) -> Result<HttpResponse, AppError> {
    let (_, member) = path.into_inner();
    let state = &page.state;
    if !org_admin::remove_member(&state.db, &state.clock, &admin.who, member).await? {
        return Err(AppError::NotFound);
    }
    Ok(page.see_other(&admin.url("")))
}

/// `POST /org/{slug}/members/{user_id}/reset`: a single-use password reset link for a learner.
#[tracing::instrument(skip_all, fields(user_id = admin.user.id()))]
pub async fn reset_member(
    page: Page,
    _form: CsrfForm,
    admin: OrgAdmin,
    path: web::Path<(String, i32)>,
) -> Result<HttpResponse, AppError> {
    let (_, member) = path.into_inner();
    if !orgs::is_member(&page.state.db, admin.org.id, member).await? {
        return Err(AppError::NotFound);
    }
    reset_link::issue_and_show(&page.state, &page.req, &admin.user, member, admin.url("")).await
}
