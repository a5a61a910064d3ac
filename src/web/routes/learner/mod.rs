//! The learner's journey: dashboard, module pages (`module`), lessons (`lesson`).
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

use crate::course::Course;
use crate::error::AppError;
use crate::services::pacing;
use crate::services::progress::{self, NextStep};
use crate::web::AppState;
use crate::web::session::CurrentUser;
use crate::web::view::{View, render};
use crate::web::views::confidence::{ConfidenceSummary, summary};
use crate::web::views::learner::{
    MembershipView, OpenLesson, PacingView, membership_view, org_and_cohort, pacing_view,
};
use crate::web::views::plan::PlanSummary;

mod lesson;
mod module;

pub use lesson::{complete_lesson, show_lesson};
pub use module::show_module;

#[derive(Serialize)]
struct ResumeView {
    url: String,
    label: String,
    minutes: u32,
}

fn resume_view(course: &Course, next: &NextStep) -> Option<ResumeView> {
    match *next {
        NextStep::Lesson { module, lesson } => {
            let m = course.modules.get(module)?;
            let l = m.lessons.get(lesson)?;
            Some(ResumeView {
                url: format!("/modules/{}/lessons/{}", m.slug, l.slug),
                label: format!("Module {}, lesson {}: {}", m.number, l.number, l.title),
                minutes: l.minutes,
            })
        }
        NextStep::Quiz { module } => {
            let m = course.modules.get(module)?;
            Some(ResumeView {
                url: format!("/modules/{}/quiz", m.slug),
                label: format!("Module {}: {} quiz", m.number, m.title),
                minutes: progress::QUIZ_MINUTES,
            })
        }
        NextStep::Finished => None,
    }
}

#[derive(Serialize)]
struct ModuleRow {
    number: usize,
    slug: String,
    title: String,
    aim: String,
    percent: i32,
    lessons_completed: usize,
    lessons_total: usize,
    best_score: Option<i32>,
    attempts: i32,
    passed: bool,
    completed: bool,
    started: bool,
    pacing: PacingView,
}

#[derive(Serialize)]
struct DashboardPage {
    name: String,
    percent: i32,
    started: bool,
    finished: bool,
    resume: Option<ResumeView>,
    hours_left: String,
    /// Recorded learning time in words, when there is any.
    learning_time: Option<String>,
    modules: Vec<ModuleRow>,
    modules_completed: usize,
    organisations: Vec<OrgLink>,
    confidence: ConfidenceSummary,
    plan: PlanSummary,
    /// "You joined Trust A, in the cohort Wave 1", right after joining through an invitation.
    joined: Option<String>,
    membership: Option<MembershipView>,
    certificate_ready: bool,
    open_lessons: Vec<OpenLesson>,
}

/// The lessons opened but not marked as complete, as links.
fn open_lesson_links(course: &Course, open: &[(usize, usize)]) -> Vec<OpenLesson> {
    open.iter()
        .filter_map(|&(mi, li)| {
            let m = course.modules.get(mi)?;
            let l = m.lessons.get(li)?;
            Some(OpenLesson {
                url: format!("/modules/{}/lessons/{}", m.slug, l.slug),
                label: format!("Module {}, lesson {}: {}", m.number, l.number, l.title),
            })
        })
        .collect()
}

/// The organisation named in `?joined=SLUG`, when the learner is one of its members.
async fn joined_org(
    state: &AppState,
    req: &HttpRequest,
    user_id: i32,
) -> Result<Option<String>, AppError> {
    let slug = form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(k, _)| k == "joined")
        .map(|(_, v)| v.into_owned());
    let Some(slug) = slug else {
        return Ok(None);
    };
    let lc = pacing::learner_cohort(&state.db, user_id, Some(&slug)).await?;
    Ok(lc.map(|lc| format!("You joined {}", org_and_cohort(&lc))))
}

#[derive(Serialize)]
struct OrgLink {
    slug: String,
    name: String,
}

/// `GET /dashboard`
pub async fn dashboard(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    let course = &state.course;
    let learning = crate::services::learning_time::dashboard_visit(
        &state.db,
        &user.session_token,
        user.id(),
        state.clock.now(),
    )
    .await?;
    let o = progress::overview(&state.db, course, user.id()).await?;
    let organisations = crate::services::organisations::administered_by(&state.db, &user.user)
        .await?
        .into_iter()
        .map(|o| OrgLink {
            slug: o.slug,
            name: o.name,
        })
        .collect();
    let record = crate::services::confidence::record(&state.db, user.id()).await?;
    let saved = req
        .query_string()
        .split('&')
        .any(|p| p == "confidence=saved");
    let confidence = summary(&state.course, &record, &o.modules, saved);
    let answers = crate::services::worksheets::all_answers(&state.db, user.id()).await?;
    let plan = PlanSummary::build(&state.course, &answers);
    let lc = pacing::learner_cohort(&state.db, user.id(), None).await?;
    let tz = pacing::zone_of(lc.as_ref());
    let now = state.clock.now();
    let dates = pacing::schedule(course, lc.as_ref().and_then(|l| l.cohort.as_ref()), now, tz);
    let open = progress::open_lessons(&state.db, course, user.id()).await?;
    let modules: Vec<ModuleRow> = course
        .modules
        .iter()
        .zip(&o.modules)
        .zip(&dates)
        .map(|((m, s), d)| ModuleRow {
            pacing: pacing_view(d.as_ref(), s.completed),
            number: m.number,
            slug: m.slug.clone(),
            title: m.title.clone(),
            aim: m.aim.clone(),
            percent: s.percent,
            lessons_completed: s.lessons_completed,
            lessons_total: m.lessons.len(),
            best_score: s.best_score,
            attempts: s.attempts,
            passed: s.passed,
            completed: s.completed,
            started: s.lessons_completed > 0 || s.attempts > 0,
        })
        .collect();
    let page = DashboardPage {
        name: user.user.name.clone(),
        percent: o.percent,
        started: o.started,
        finished: matches!(o.next, NextStep::Finished),
        resume: resume_view(course, &o.next),
        hours_left: format_minutes(o.minutes_left),
        learning_time: (learning.total.0 > 0).then(|| learning.total.in_words()),
        modules_completed: modules.iter().filter(|m| m.completed).count(),
        modules,
        organisations,
        confidence,
        plan,
        joined: joined_org(&state, &req, user.id()).await?,
        membership: lc.as_ref().map(membership_view),
        certificate_ready: o.completed_at.is_some(),
        open_lessons: open_lesson_links(course, &open),
    };
    render(
        &state,
        &req,
        &user.visitor(),
        View::new(
            StatusCode::OK,
            "learner/dashboard",
            "Your dashboard",
            "dashboard",
        ),
        &page,
    )
}

fn format_minutes(minutes: u32) -> String {
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("{m} minutes"),
        (1, 0) => "1 hour".into(),
        (h, 0) => format!("{h} hours"),
        (1, m) => format!("1 hour {m} minutes"),
        (h, m) => format!("{h} hours {m} minutes"),
    }
}
