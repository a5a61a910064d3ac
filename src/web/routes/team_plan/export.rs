//! The team plan as Markdown and PDF: the same shapes as the learner's own plan exports.
use actix_web::http::header;
use actix_web::{HttpResponse, web};

use super::edit::plan_page;
use super::{PlanQuery, opened};
use crate::error::AppError;
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
    let date = page.state.clock.now().format("%-d %B %Y").to_string();
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

/// `GET /plan/team.pdf` (`?cohort=ID`): the team plan as a PDF, made off the async workers.
#[tracing::instrument(skip_all, fields(user_id = user.id()))]
pub async fn team_plan_pdf(
    page: Page,
    user: CurrentUser,
    query: web::Query<PlanQuery>,
) -> Result<HttpResponse, AppError> {
    use crate::pdf::plan::{PlanPdf, PlanSection, render};
    let o = opened(&page.state, &user, query.cohort.as_deref()).await?;
    let vm = plan_page(&page, &user, &o, None).await?;
    let data = PlanPdf {
        title: format!("{}: team AI project plan", page.state.course.title),
        learner: format!("The {} cohort, {}", o.cohort.name, o.org.name),
        date: page.state.clock.now().format("%-d %B %Y").to_string(),
        sections: vm
            .modules
            .into_iter()
            .map(|m| PlanSection {
                heading: format!("Module {}: {} – {}", m.number, m.module_title, m.title),
                answers: m
                    .sections
                    .into_iter()
                    .map(|s| (s.label, s.answer))
                    .collect(),
            })
            .collect(),
    };
    let bytes = web::block(move || render(&data)).await??;
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"team-ai-project-plan.pdf\"",
        ))
        .body(bytes))
}
