//! One learner, as their course lead sees them: progress per module with dates, quiz attempts,
//! certificate, plan status and what the lead can do. Pure.
use serde::Serialize;

use crate::course::Course;
use crate::entities::organisations;
use crate::services::reports::LearnerDetail;
use crate::web::views::org_report::{
    CohortOption, day, last_active_in_words, status_in_words, tag_colour,
};

#[derive(Serialize)]
struct ModuleLine {
    number: usize,
    title: String,
    status: &'static str,
    tag: &'static str,
    percent: i32,
    best_score: Option<i32>,
    attempts: i32,
    due: Option<String>,
    completed: Option<String>,
}

#[derive(Serialize)]
struct AttemptView {
    url: String,
    module: String,
    when: String,
    score: i32,
    passed: bool,
}

/// Where the learner's submitted plan stands, with a link to it.
#[derive(Serialize)]
struct PlanLine {
    /// "submitted" or "reviewed".
    state: &'static str,
    words: String,
    url: String,
}

impl PlanLine {
    fn build(slug: &str, s: &crate::entities::plan_submissions::Model) -> Self {
        let whose = if s.team_plan_id.is_some() {
            "their cohort's team plan"
        } else {
            "their own plan"
        };
        let submitted = format!(
            "Version {} of {whose} submitted {}",
            s.number,
            day(s.submitted_at)
        );
        let (state, words) = match s.reviewed_at {
            Some(at) => ("reviewed", format!("{submitted}, reviewed {}", day(at))),
            None => ("submitted", format!("{submitted}, waiting for review")),
        };
        Self {
            state,
            words,
            url: format!("/org/{slug}/plans/{}", s.id),
        }
    }
}

#[derive(Serialize)]
pub struct LearnerPage {
    slug: String,
    org_name: String,
    user_id: i32,
    name: String,
    email: String,
    is_lead: bool,
    activated: bool,
    cohort: Option<String>,
    status: String,
    tag: &'static str,
    percent: i32,
    last_active: String,
    finished: Option<String>,
    certificate: Option<String>,
    modules: Vec<ModuleLine>,
    attempts: Vec<AttemptView>,
    worksheets: String,
    shares_plan: bool,
    plan: Option<PlanLine>,
    cohorts: Vec<CohortOption>,
    /// After an action on this page (a resent activation e-mail, a move): what happened.
    notice: Option<String>,
    /// A refused action (for example an activation e-mail resent too soon).
    error: Option<String>,
    /// Whether the service sends e-mail (else activation links are copied by hand).
    mail_on: bool,
    /// Their line manager, for the form that sets or clears it.
    line_manager: Option<crate::services::team::Person>,
}

/// What else the page shows besides the learner: a notice or an error, and whether mail is on.
pub struct Extras {
    pub notice: Option<String>,
    pub error: Option<String>,
    pub mail_on: bool,
    pub line_manager: Option<crate::services::team::Person>,
}

impl LearnerPage {
    pub fn build(
        course: &Course,
        org: &organisations::Model,
        d: LearnerDetail,
        extras: Extras,
    ) -> Self {
        let r = &d.row;
        let tz = crate::local_time::zone(&org.time_zone);
        let (status, tag) = status_in_words(r, course);
        let title_of = |slug: &str| {
            course.modules.iter().find(|m| m.slug == slug).map_or_else(
                || slug.to_string(),
                |m| format!("{}. {}", m.number, m.title),
            )
        };
        let modules = course
            .modules
            .iter()
            .zip(&r.modules)
            .map(|(m, c)| ModuleLine {
                number: m.number,
                title: m.title.clone(),
                status: c.status.label(),
                tag: tag_colour(c.status),
                percent: c.percent,
                best_score: c.best_score,
                attempts: c.attempts,
                due: c.due.map(day),
                completed: c
                    .completed_at
                    .map(|at| crate::local_time::short_date_of(at, tz)),
            })
            .collect();
        let worksheets = format!(
            "{} of {} worksheets started",
            d.worksheets_started.len(),
            course.modules.len()
        );
        Self {
            slug: org.slug.clone(),
            org_name: org.name.clone(),
            user_id: r.user_id,
            name: r.name.clone(),
            email: r.email.clone(),
            is_lead: r.role == crate::domain::MemberRole::OrgAdmin,
            activated: r.activated,
            cohort: r.cohort.clone(),
            status,
            tag,
            percent: r.percent,
            last_active: last_active_in_words(r, tz),
            finished: r.completed_at.map(day),
            certificate: r.certificate.clone(),
            modules,
            attempts: d
                .attempts
                .iter()
                .map(|a| AttemptView {
                    url: format!("/attempts/{}", a.public_id),
                    module: title_of(&a.module_slug),
                    when: crate::local_time::short_time_on_date(a.submitted_at, tz),
                    score: a.score_percent,
                    passed: a.passed,
                })
                .collect(),
            worksheets,
            shares_plan: d.shares_plan,
            plan: d
                .plan_submission
                .as_ref()
                .map(|s| PlanLine::build(&org.slug, s)),
            cohorts: CohortOption::list(&d.cohorts, r.cohort_id),
            notice: extras.notice,
            error: extras.error,
            mail_on: extras.mail_on,
            line_manager: extras.line_manager,
        }
    }
}

impl LearnerPage {
    pub fn name(&self) -> &str {
        &self.name
    }
}
