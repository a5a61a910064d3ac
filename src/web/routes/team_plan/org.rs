//! The org admin's side: turning a cohort's team plan on or off, every plan of the organisation
//! with where it stands, and reviewing a submitted plan (comments and a rating per five-case group).
use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::entities::plan_submissions;
use crate::error::AppError;
use crate::services::organisations as orgs;
use crate::services::team_plan::{self, CASES, Rating, Review};
use crate::web::csrf::CsrfForm;
use crate::web::extract::OrgAdmin;
use crate::web::form::FormFields;
use crate::web::page::Page;
use crate::web::view::View;
use crate::web::views::team_plan::{
    CohortPlanRow, FieldLink, OrgPlansPage, OrgSubmissionRow, ReviewPage, SubmissionView,
    case_fields, frozen_modules, when,
};

/// Review comments: enough for a page of feedback.
const MAX_COMMENTS: usize = 5000;

/// `POST /org/{slug}/cohorts/{id}/team-plan`: field `enabled`, `yes` or `no`.
#[tracing::instrument(skip_all, fields(user_id = admin.user.id()))]
pub async fn set_team_plan(
    page: Page,
    admin: OrgAdmin,
    form: CsrfForm,
    path: web::Path<(String, i32)>,
) -> Result<HttpResponse, AppError> {
    let (_, cohort_id) = path.into_inner();
    let on = match form.fields.get("enabled") {
        "yes" => true,
        "no" => false,
        _ => {
            return Err(AppError::BadRequest(
                "Choose whether the team plan is on or off. Go back and try again.".into(),
            ));
        }
    };
    if !team_plan::set_enabled(&page.state.db, &page.state.clock, &admin.who, cohort_id, on).await?
    {
        return Err(AppError::NotFound);
    }
    Ok(page.see_other(&admin.url("/plans?changed=1")))
}

#[derive(Deserialize)]
pub struct ChangedQuery {
    changed: Option<String>,
    saved: Option<String>,
}

/// Who a submission belongs to, in words.
async fn owner_of(
    page: &Page,
    s: &plan_submissions::Model,
    names: &HashMap<i32, String>,
) -> Result<String, AppError> {
    if let Some(plan_id) = s.team_plan_id {
        let cohort = team_plan::cohort_of_plan(&page.state.db, plan_id).await?;
        return Ok(format!(
            "Team plan of the {} cohort",
            cohort.map(|c| c.name).unwrap_or_default()
        ));
    }
    Ok(crate::web::views::team_plan::name_of(names, s.user_id))
}

/// `GET /org/{slug}/plans`: each cohort's team plan switch, and every submitted plan with its review status.
#[tracing::instrument(skip_all, fields(user_id = admin.user.id()))]
pub async fn show_org_plans(
    page: Page,
    admin: OrgAdmin,
    query: web::Query<ChangedQuery>,
) -> Result<HttpResponse, AppError> {
    let db = &page.state.db;
    let plans = team_plan::plans_of_org(db, admin.org.id).await?;
    let cohorts = orgs::cohorts_of(db, admin.org.id).await?;
    let submissions = team_plan::submissions_in_org(db, admin.org.id).await?;
    let names = team_plan::names(db, submissions.iter().filter_map(|s| s.user_id)).await?;
    let mut rows = Vec::new();
    for s in &submissions {
        rows.push(OrgSubmissionRow {
            id: s.id,
            owner: owner_of(&page, s, &names).await?,
            team: s.team_plan_id.is_some(),
            number: s.number,
            submitted: when(s.submitted_at),
            reviewed: s.reviewed_at.map(when),
        });
    }
    let vm = OrgPlansPage {
        slug: admin.org.slug.clone(),
        org_name: admin.org.name.clone(),
        current: "plans",
        cohorts: cohorts
            .iter()
            .map(|c| CohortPlanRow {
                id: c.id,
                name: c.name.clone(),
                on: plans.get(&c.id).is_some_and(|p| p.enabled),
                exists: plans.contains_key(&c.id),
            })
            .collect(),
        submissions: rows,
        changed: query.changed.is_some(),
    };
    let title = format!("{}: plans", admin.org.name);
    page.ok("team_plan_org", &title, "org", &vm)
}

async fn review_page(
    page: &Page,
    admin: &OrgAdmin,
    s: &plan_submissions::Model,
) -> Result<ReviewPage, AppError> {
    let people = [s.user_id, s.submitted_by, s.reviewed_by]
        .into_iter()
        .flatten();
    let names = team_plan::names(&page.state.db, people).await?;
    let chosen = team_plan::ratings_of(s).map_or([None; 5], |r| r.map(Some));
    Ok(ReviewPage {
        slug: admin.org.slug.clone(),
        current: "plans",
        id: s.id,
        owner: owner_of(page, s, &names).await?,
        submission: SubmissionView::build(s, &names),
        modules: frozen_modules(&page.state.course, &team_plan::frozen_answers(s)),
        cases: case_fields(&chosen, false),
        comments: s.review_comments.clone().unwrap_or_default(),
        errors: Vec::new(),
        saved: false,
    })
}

/// `GET /org/{slug}/plans/{id}`: a submitted plan, frozen, with the review form.
#[tracing::instrument(skip_all, fields(user_id = admin.user.id()))]
pub async fn show_submission(
    page: Page,
    admin: OrgAdmin,
    path: web::Path<(String, i32)>,
    query: web::Query<ChangedQuery>,
) -> Result<HttpResponse, AppError> {
    let (_, id) = path.into_inner();
    let s = team_plan::submission_in_org(&page.state.db, admin.org.id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut vm = review_page(&page, &admin, &s).await?;
    vm.saved = query.saved.is_some();
    let title = format!("Review: {}", vm.owner);
    page.ok("team_plan_review", &title, "org", &vm)
}

/// The review form: `comments` (up to 5,000 characters) and a rating per case (`met`, `partly`, `not_yet`).
fn read_review(f: &FormFields) -> (String, [Option<Rating>; 5], Vec<FieldLink>) {
    let comments = crate::domain::worksheet::normalise(f.get("comments").trim());
    let chosen = CASES.map(|(id, _)| Rating::parse(f.get(&format!("rating-{id}"))));
    let mut errors = Vec::new();
    if comments.chars().count() > MAX_COMMENTS {
        errors.push(FieldLink {
            field: "comments".into(),
            message: format!("Shorten your comments to {MAX_COMMENTS} characters or fewer"),
        });
    }
    for ((id, _), c) in CASES.iter().zip(&chosen) {
        if c.is_none() {
            errors.push(FieldLink {
                field: format!("rating-{id}-met"),
                message: format!("Choose a rating for the {id} case"),
            });
        }
    }
    (comments, chosen, errors)
}

/// `POST /org/{slug}/plans/{id}/review`: records the review; bad input is shown again as typed.
#[tracing::instrument(skip_all, fields(user_id = admin.user.id()))]
pub async fn review_submission(
    page: Page,
    admin: OrgAdmin,
    form: CsrfForm,
    path: web::Path<(String, i32)>,
) -> Result<HttpResponse, AppError> {
    let (_, id) = path.into_inner();
    let s = team_plan::submission_in_org(&page.state.db, admin.org.id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let (comments, chosen, errors) = read_review(&form.fields);
    if let (true, [Some(a), Some(b), Some(c), Some(d), Some(e)]) = (errors.is_empty(), chosen) {
        let review = Review {
            comments,
            ratings: [a, b, c, d, e],
        };
        team_plan::review(&page.state.db, &page.state.clock, &admin.who, s.id, &review).await?;
        return Ok(page.see_other(&admin.url(&format!("/plans/{id}?saved=1"))));
    }
    let mut vm = review_page(&page, &admin, &s).await?;
    vm.cases = case_fields(&chosen, true);
    vm.comments = comments;
    vm.errors = errors;
    let title = format!("Error: Review: {}", vm.owner);
    page.render(
        View::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "team_plan_review",
            &title,
            "org",
        ),
        &vm,
    )
}
