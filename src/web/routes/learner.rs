//! The learner's journey: dashboard, module pages, lessons.
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

use crate::course::Course;
use crate::error::AppError;
use crate::services::learning_time::{self, Viewed};
use crate::services::progress::{self, NextStep};
use crate::web::AppState;
use crate::web::csrf::CsrfForm;
use crate::web::extract::{LessonRef, ModuleRef};
use crate::web::session::CurrentUser;
use crate::web::view::{View, render, see_other};
use crate::web::views::confidence::{ConfidenceSummary, summary};
use crate::web::views::plan::{PlanSummary, answered_in};

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
    learning_time::close_open_view(&state.db, &user.session_token, state.clock.now()).await?;
    let o = progress::overview(&state.db, course, user.id()).await?;
    let learning = learning_time::for_user(&state.db, user.id()).await?;
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
    let modules: Vec<ModuleRow> = course
        .modules
        .iter()
        .zip(&o.modules)
        .map(|(m, s)| ModuleRow {
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

#[derive(Serialize)]
struct LessonRow {
    number: usize,
    slug: String,
    title: String,
    minutes: u32,
    status: &'static str,
    completed: bool,
}

#[derive(Serialize)]
struct OutcomeView {
    text: String,
}

#[derive(Serialize)]
struct ModulePage {
    number: usize,
    slug: String,
    title: String,
    aim: String,
    introduction_html: String,
    minutes: u32,
    outcomes: Vec<OutcomeView>,
    lessons: Vec<LessonRow>,
    percent: i32,
    quiz_questions: usize,
    pass_mark: u8,
    best_score: Option<i32>,
    attempts: i32,
    passed: bool,
    completed: bool,
    worksheet_title: String,
    first_lesson_url: Option<String>,
    worksheet_answered: usize,
    worksheet_prompts: usize,
    confidence_after: bool,
}

/// `GET /modules/{module}`
pub async fn show_module(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: CurrentUser,
    module: ModuleRef,
) -> Result<HttpResponse, AppError> {
    let module = module.module();
    learning_time::close_open_view(&state.db, &user.session_token, state.clock.now()).await?;
    let rows = progress::module_lessons(&state.db, user.id(), &module.slug).await?;
    let statuses = progress::module_statuses(&state.db, &state.course, user.id()).await?;
    let status = statuses.get(module.number - 1);
    let saved =
        crate::services::worksheets::module_answers(&state.db, user.id(), &module.slug).await?;
    let worksheet_answered = answered_in(module, |id| saved.contains_key(id));
    let lessons = module
        .lessons
        .iter()
        .map(|l| {
            let row = rows.get(&l.slug);
            let completed = row.is_some_and(|r| r.completed_at.is_some());
            LessonRow {
                number: l.number,
                slug: l.slug.clone(),
                title: l.title.clone(),
                minutes: l.minutes,
                status: if completed {
                    "Completed"
                } else if row.is_some() {
                    "Started"
                } else {
                    "Not started"
                },
                completed,
            }
        })
        .collect();
    let page = ModulePage {
        number: module.number,
        slug: module.slug.clone(),
        title: module.title.clone(),
        aim: module.aim.clone(),
        introduction_html: module.introduction_html.clone(),
        minutes: module.estimated_minutes,
        outcomes: module
            .outcomes
            .iter()
            .map(|o| OutcomeView {
                text: o.text.clone(),
            })
            .collect(),
        lessons,
        percent: status.map_or(0, |s| s.percent),
        quiz_questions: module.quiz.settings.questions_per_attempt,
        pass_mark: module.quiz.settings.pass_mark,
        best_score: status.and_then(|s| s.best_score),
        attempts: status.map_or(0, |s| s.attempts),
        passed: status.is_some_and(|s| s.passed),
        completed: status.is_some_and(|s| s.completed),
        worksheet_title: module.worksheet.title.clone(),
        first_lesson_url: module
            .lessons
            .first()
            .map(|l| format!("/modules/{}/lessons/{}", module.slug, l.slug)),
        worksheet_answered,
        worksheet_prompts: module.worksheet.prompts.len(),
        confidence_after: module.number == state.course.modules.len()
            && status.is_some_and(|s| s.completed),
    };
    let title = format!("Module {}: {}", module.number, module.title);
    render(
        &state,
        &req,
        &user.visitor(),
        View::new(StatusCode::OK, "learner/module", &title, "dashboard"),
        &page,
    )
}

#[derive(Serialize)]
struct LinkView {
    url: String,
    title: String,
}

#[derive(Serialize)]
struct LessonPage {
    module_number: usize,
    module_slug: String,
    module_title: String,
    number: usize,
    count: usize,
    slug: String,
    title: String,
    minutes: u32,
    html: String,
    completed: bool,
    previous: Option<LinkView>,
    next: Option<LinkView>,
    /// The learning-time view this page's heartbeat reports on.
    view_id: i32,
}

/// `GET /modules/{module}/lessons/{lesson}`: shows the lesson and records the visit.
#[tracing::instrument(skip_all, fields(user_id = user.id()))]
pub async fn show_lesson(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: CurrentUser,
    at: LessonRef,
) -> Result<HttpResponse, AppError> {
    let (module, lesson) = (at.module(), at.lesson());
    let completed_at = progress::record_visit(
        &state.db,
        &state.course,
        user.id(),
        module,
        lesson,
        state.clock.now(),
    )
    .await?;
    let view_id = learning_time::open_view(
        &state.db,
        user.id(),
        &user.session_token,
        Viewed::Lesson {
            module: &module.slug,
            lesson: &lesson.slug,
        },
        state.clock.now(),
    )
    .await?;
    let idx = lesson.number - 1;
    let previous = idx
        .checked_sub(1)
        .and_then(|i| module.lessons.get(i))
        .map(|l| LinkView {
            url: format!("/modules/{}/lessons/{}", module.slug, l.slug),
            title: l.title.clone(),
        });
    let next = match module.lessons.get(idx + 1) {
        Some(l) => Some(LinkView {
            url: format!("/modules/{}/lessons/{}", module.slug, l.slug),
            title: l.title.clone(),
        }),
        None => Some(LinkView {
            url: format!("/modules/{}/quiz", module.slug),
            title: format!("Module {} quiz", module.number),
        }),
    };
    let page = LessonPage {
        module_number: module.number,
        module_slug: module.slug.clone(),
        module_title: module.title.clone(),
        number: lesson.number,
        count: module.lessons.len(),
        slug: lesson.slug.clone(),
        title: lesson.title.clone(),
        minutes: lesson.minutes,
        html: lesson.html.clone(),
        completed: completed_at.is_some(),
        previous,
        next,
        view_id,
    };
    render(
        &state,
        &req,
        &user.visitor(),
        View::new(StatusCode::OK, "learner/lesson", &lesson.title, "dashboard"),
        &page,
    )
}

/// `POST /modules/{module}/lessons/{lesson}/complete`: marks it complete, then goes to the next step.
#[tracing::instrument(skip_all, fields(user_id = user.id()))]
pub async fn complete_lesson(
    state: web::Data<AppState>,
    user: CurrentUser,
    _form: CsrfForm,
    at: LessonRef,
) -> Result<HttpResponse, AppError> {
    let (module, lesson) = (at.module(), at.lesson());
    learning_time::close_open_view(&state.db, &user.session_token, state.clock.now()).await?;
    progress::complete_lesson(
        &state.db,
        &state.course,
        user.id(),
        module,
        lesson,
        state.clock.now(),
    )
    .await?;
    let next = match module.lessons.get(lesson.number) {
        Some(l) => format!("/modules/{}/lessons/{}", module.slug, l.slug),
        None => format!("/modules/{}/quiz", module.slug),
    };
    Ok(see_other(&next))
}
