//! The team plan as Markdown and PDF: the same shapes as the learner's own plan exports.
use actix_web::http::header;
use actix_web::{HttpResponse, web};

use super::edit::plan_page;
use super::{PlanQuery, opened};
use crate::error::AppError;
use crate::web::documents::{PlanFormat, plan_bytes};
use crate::web::page::Page;
use crate::web::session::CurrentUser;
use crate::web::views::team_plan::plan_markdown;

fn byline(cohort: &str, org: &str, date: &str) -> String {
    format!("Written together by the {cohort} cohort of {org}; exported on {date}.")
}

/// `GET /plan/team.md` (`?cohort=ID`): the team plan as a Markdown download.
#[tracing::instrument(skip_all, fields(user_id = user.id()))]
pub async fn team_plan_markdown(
    page: Page,
    user: CurrentUser,
    query: web::Query<PlanQuery>,
) -> Result<HttpResponse, AppError> {
    let o = opened(&page.state, &user, query.cohort.as_deref()).await?;
    let vm = plan_page(&page, &user, &o, None).await?;
    let tz = crate::local_time::zone(&o.org.time_zone);
    let date = crate::local_time::date_of(page.state.clock.now(), tz);
    let title = format!("Team AI project plan: {}", o.cohort.name);
    let body = plan_markdown(
        &title,
        &byline(&o.cohort.name, &o.org.name, &date),
        &vm.modules,
    );
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/markdown; charset=utf-8"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"team-ai-project-plan.md\"",
        ))
        .body(body))
}

/// The team plan as the same steering-group document as a learner's own plan.
async fn team_document(
    page: &Page,
    o: &crate::services::team_plan::Opened,
) -> Result<crate::plan::PlanDocument, AppError> {
    let state = &page.state;
    let sections = crate::services::team_plan::sections(&state.db, o.plan.id).await?;
    let meta = crate::plan::PlanMeta {
        prepared_by: format!("The {} cohort, {}", o.cohort.name, o.org.name),
        date: crate::local_time::date_of(
            state.clock.now(),
            crate::local_time::zone(&o.org.time_zone),
        ),
        course_title: state.course.title.clone(),
    };
    Ok(crate::plan::build(
        &state.course,
        &meta,
        |module, prompt| {
            sections
                .get(&(module.to_string(), prompt.to_string()))
                .map(|s| s.answer.as_str())
        },
    ))
}

fn download(content_type: &str, filename: &str, body: web::Bytes) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{filename}\""),
        ))
        .body(body)
}

/// `GET /plan/team.pdf` (`?cohort=ID`): the team plan as a tagged PDF (rendered once per version).
#[tracing::instrument(skip_all, fields(user_id = user.id()))]
pub async fn team_plan_pdf(
    page: Page,
    user: CurrentUser,
    query: web::Query<PlanQuery>,
) -> Result<HttpResponse, AppError> {
    let o = opened(&page.state, &user, query.cohort.as_deref()).await?;
    let doc = team_document(&page, &o).await?;
    let bytes = plan_bytes(&page.state, PlanFormat::Pdf, doc).await?;
    Ok(download(
        "application/pdf",
        "team-ai-project-plan.pdf",
        bytes,
    ))
}

/// `GET /plan/team.docx` (`?cohort=ID`): the team plan as an editable word-processor document.
#[tracing::instrument(skip_all, fields(user_id = user.id()))]
pub async fn team_plan_docx(
    page: Page,
    user: CurrentUser,
    query: web::Query<PlanQuery>,
) -> Result<HttpResponse, AppError> {
    let o = opened(&page.state, &user, query.cohort.as_deref()).await?;
    let doc = team_document(&page, &o).await?;
    let bytes = plan_bytes(&page.state, PlanFormat::Docx, doc).await?;
    Ok(download(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "team-ai-project-plan.docx",
        bytes,
    ))
}
