//! The org admin's side: turning a cohort's team plan on or off, every plan of the organisation
//! with where it stands, and reviewing a submitted plan (a rating and a comment per five-case part, and overall).
use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::entities::plan_submissions;
use crate::error::AppError;
use crate::services::organisations as orgs;
use crate::services::team_plan::{self, PARTS, Rating, Review};
use crate::web::csrf::CsrfForm;
use crate::web::extract::OrgAdmin;
use crate::web::form::FormFields;
use crate::web::page::Page;
use crate::web::view::View;
use crate::web::views::team_plan::{
    CohortPlanRow, FieldLink, MAX_LINE_COMMENT, OrgPlansPage, OrgSubmissionRow, ReviewPage,
    RubricForm, SubmissionView, case_fields, frozen_modules, when,
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

/// Who a submission belongs to, in words; `cohort` is the team plan's cohort, for a team's plan.
fn owner_of(
    s: &plan_submissions::Model,
    cohort: Option<&str>,
    names: &HashMap<i32, String>,
) -> String {
    match s.team_plan_id {
        Some(_) => format!("Team plan of the {} cohort", cohort.unwrap_or_default()),
        None => crate::web::views::team_plan::name_of(names, s.user_id),
    }
}

/// The cohort name of each team plan, by plan id, from what the page already has (no lookup per row).
fn cohort_names<'a>(
    plans: &HashMap<i32, crate::entities::team_plans::Model>,
    cohorts: &'a [crate::entities::cohorts::Model],
) -> HashMap<i32, &'a str> {
    plans
        .values()
        .filter_map(|p| {
            let c = cohorts.iter().find(|c| c.id == p.cohort_id)?;
            Some((p.id, c.name.as_str()))
        })
        .collect()
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
    let cohort_of = cohort_names(&plans, &cohorts);
    let tz = crate::local_time::zone(&admin.org.time_zone);
    let rows = submissions
        .iter()
        .map(|s| OrgSubmissionRow {
            id: s.id,
            owner: owner_of(
                s,
                s.team_plan_id.and_then(|p| cohort_of.get(&p).copied()),
                &names,
            ),
            team: s.team_plan_id.is_some(),
            number: s.number,
            submitted: when(s.submitted_at, tz),
            reviewed: s.reviewed_at.map(|t| when(t, tz)),
        })
        .collect();
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
    let cohort = match s.team_plan_id {
        Some(plan_id) => team_plan::cohort_of_plan(&page.state.db, plan_id).await?,
        None => None,
    };
    let mut form = RubricForm::empty();
    for line in team_plan::rubric_of(s) {
        if let Some(i) = PARTS.iter().position(|(id, _)| *id == line.part) {
            form.chosen[i] = Some(line.rating);
            form.comments[i] = line.comment;
        }
    }
    Ok(ReviewPage {
        slug: admin.org.slug.clone(),
        current: "plans",
        id: s.id,
        owner: owner_of(s, cohort.as_ref().map(|c| c.name.as_str()), &names),
        submission: SubmissionView::build(s, &names, crate::local_time::zone(&admin.org.time_zone)),
        modules: frozen_modules(&page.state.course, &team_plan::frozen_answers(s)),
        cases: case_fields(&page.state.course, &form, false),
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

/// The review form: for each part of the rubric (the five cases, then `overall`) a rating
/// `rating-{part}` (`met`, `partly`, `not_yet`) and a comment `comment-{part}` (up to 2,000
/// characters); the overall comment is `comments` (up to 5,000).
fn read_review(f: &FormFields) -> (RubricForm, Vec<FieldLink>) {
    let normal = |name: &str| crate::domain::worksheet::normalise(f.get(name).trim());
    let form = RubricForm {
        chosen: PARTS.map(|(id, _)| Rating::parse(f.get(&format!("rating-{id}")))),
        comments: PARTS.map(|(id, _)| match id {
            "overall" => normal("comments"),
            _ => normal(&format!("comment-{id}")),
        }),
    };
    let mut errors = Vec::new();
    for ((id, _), (c, comment)) in PARTS.iter().zip(form.chosen.iter().zip(&form.comments)) {
        if c.is_none() {
            let message = match *id {
                "overall" => "Choose a rating for the plan overall".to_string(),
                _ => format!("Choose a rating for the {id} case"),
            };
            errors.push(FieldLink {
                field: format!("rating-{id}-met"),
                message,
            });
        }
        let (field, limit) = match *id {
            "overall" => ("comments".to_string(), MAX_COMMENTS),
            _ => (format!("comment-{id}"), MAX_LINE_COMMENT),
        };
        if comment.chars().count() > limit {
            errors.push(FieldLink {
                field,
                message: format!("Shorten this comment to {limit} characters or fewer"),
            });
        }
    }
    (form, errors)
}

/// The review, when every part has a rating.
fn complete(form: &RubricForm) -> Option<Review> {
    let [a, b, c, d, e, f] = form.chosen;
    let ratings = [a?, b?, c?, d?, e?, f?];
    Some(Review {
        lines: std::array::from_fn(|i| (ratings[i], form.comments[i].clone())),
    })
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
    let (typed, errors) = read_review(&form.fields);
    if let (true, Some(review)) = (errors.is_empty(), complete(&typed)) {
        team_plan::review(&page.state.db, &page.state.clock, &admin.who, s.id, &review).await?;
        return Ok(page.see_other(&admin.url(&format!("/plans/{id}?saved=1"))));
    }
    let mut vm = review_page(&page, &admin, &s).await?;
    vm.cases = case_fields(&page.state.course, &typed, true);
    vm.comments = typed.comments[5].clone();
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
