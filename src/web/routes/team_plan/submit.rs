//! Submitting a plan (a learner's own, or their cohort's team plan): frozen as a numbered version
//! for the org admin to review. When the course asks for it, the certificate waits for this.
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::{my_team, opened_to_write};
use crate::error::AppError;
use crate::services::team_plan::{self, Owner, SubmitRefused};
use crate::services::worksheets;
use crate::web::csrf::CsrfForm;
use crate::web::page::Page;
use crate::web::session::CurrentUser;
use crate::web::view::View;
use crate::web::views::plan::PlanSummary;
use crate::web::views::team_plan::{MySubmissionsPage, SubmissionView};

#[derive(Deserialize)]
pub struct SubmittedQuery {
    submitted: Option<String>,
}

async fn my_page(
    page: &Page,
    user: &CurrentUser,
    submitted: bool,
) -> Result<MySubmissionsPage, AppError> {
    let db = &page.state.db;
    let answers = worksheets::all_answers(db, user.id()).await?;
    let summary = PlanSummary::build(&page.state.course, &answers);
    let own = team_plan::submissions_of(db, Owner::Learner(user.id())).await?;
    let my_team = my_team(&page.state, user).await?;
    let team_cohort = my_team.as_ref().map(|o| o.cohort.id);
    let team = match my_team {
        Some(o) => team_plan::submissions_of(db, Owner::Team(o.plan.id)).await?,
        None => Vec::new(),
    };
    let people = own
        .iter()
        .chain(&team)
        .flat_map(|s| [s.submitted_by, s.reviewed_by])
        .flatten();
    let names = team_plan::names(db, people).await?;
    let tz = page.zone().await?;
    Ok(MySubmissionsPage {
        required: page.state.course.require_plan_submission,
        answered: summary.answered,
        count: summary.count,
        submitted,
        empty_error: false,
        own: own
            .iter()
            .map(|s| SubmissionView::build(s, &names, tz))
            .collect(),
        team_cohort,
        team: team
            .iter()
            .map(|s| SubmissionView::build(s, &names, tz))
            .collect(),
    })
}

/// `GET /plan/submissions`: submit your own plan; what you and your team submitted, and the reviews.
#[tracing::instrument(skip_all, fields(user_id = user.id()))]
pub async fn show_submissions(
    page: Page,
    user: CurrentUser,
    query: web::Query<SubmittedQuery>,
) -> Result<HttpResponse, AppError> {
    let vm = my_page(&page, &user, query.submitted.is_some()).await?;
    page.ok("team_plan_submissions", "Submit your plan", "plan", &vm)
}

/// `POST /plan/submit`: freezes the learner's own plan as their next submission.
#[tracing::instrument(skip_all, fields(user_id = user.id()))]
pub async fn submit_own_plan(
    page: Page,
    user: CurrentUser,
    _form: CsrfForm,
) -> Result<HttpResponse, AppError> {
    let actor = crate::web::extract::actor(&page.req, &user);
    let s = &page.state;
    match team_plan::submit(
        &s.db,
        &s.clock,
        &s.course,
        &actor,
        Owner::Learner(user.id()),
    )
    .await?
    {
        Ok(_) => Ok(page.see_other("/plan/submissions?submitted=1")),
        Err(SubmitRefused::Empty) => {
            let mut vm = my_page(&page, &user, false).await?;
            vm.empty_error = true;
            let view = View::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "team_plan_submissions",
                "Error: Submit your plan",
                "plan",
            );
            page.render(view, &vm)
        }
    }
}

/// `POST /plan/team/{cohort}/submit`: a member freezes the team plan as the team's next submission.
#[tracing::instrument(skip_all, fields(user_id = user.id()))]
pub async fn submit_team_plan(
    page: Page,
    user: CurrentUser,
    _form: CsrfForm,
    path: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    let cohort_id = path.into_inner();
    let o = opened_to_write(&page.state, &user, cohort_id).await?;
    let actor = crate::web::extract::actor(&page.req, &user);
    let s = &page.state;
    match team_plan::submit(&s.db, &s.clock, &s.course, &actor, Owner::Team(o.plan.id)).await? {
        Ok(_) => Ok(page.see_other(&format!("/plan/team?cohort={cohort_id}&saved=submitted#submissions"))),
        Err(SubmitRefused::Empty) => Err(AppError::BadRequest(
            "The team plan has no sections written yet, so there is nothing to submit. Go back and write at least one section.".into(),
        )),
    }
}
