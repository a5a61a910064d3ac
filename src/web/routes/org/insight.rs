//! Quiz insight: which questions the organisation's learners get wrong.
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::error::AppError;
use crate::services::insight;
use crate::web::extract::OrgAdmin;
use crate::web::page::Page;
use crate::web::views::org_insight::InsightPage;

#[derive(Deserialize)]
pub struct InsightQuery {
    module: Option<String>,
    cohort: Option<String>,
}

/// `GET /org/{slug}/quiz?module=…`: which questions the organisation's learners get wrong.
#[tracing::instrument(skip_all, fields(user_id = admin.user.id()))]
pub async fn quiz_insight(
    page: Page,
    admin: OrgAdmin,
    query: web::Query<InsightQuery>,
) -> Result<HttpResponse, AppError> {
    let state = &page.state;
    let module = match query.module.as_deref() {
        Some(m) => state.course.module(m).ok_or(AppError::NotFound)?,
        None => state.course.modules.first().ok_or(AppError::NotFound)?,
    };
    let cohort = query.cohort.as_deref().and_then(|c| c.parse().ok());
    let ins = insight::for_module(&state.db, admin.org.id, cohort, &module.slug).await?;
    let vm = InsightPage::build(&state.course, &admin.org, module, &ins);
    page.ok("org/insight", "Quiz questions", "org", &vm)
}
