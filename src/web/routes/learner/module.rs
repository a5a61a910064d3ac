//! `GET /modules/{module}`: aim, outcomes, lessons with status, weekly dates, quiz status.
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

use crate::error::AppError;
use crate::services::pacing;
use crate::services::progress;
use crate::web::AppState;
use crate::web::extract::ModuleRef;
use crate::web::session::CurrentUser;
use crate::web::view::{View, render};
use crate::web::views::learner::{OpenLesson, PacingView, pacing_view};
use crate::web::views::plan::answered_in;

use super::open_lesson_links;

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
    pacing: PacingView,
    /// Lessons of this module opened but not marked as complete (listed before the quiz).
    open_lessons: Vec<OpenLesson>,
}

/// `GET /modules/{module}`
pub async fn show_module(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: CurrentUser,
    module: ModuleRef,
) -> Result<HttpResponse, AppError> {
    let module = module.module();
    crate::services::learning_time::close_open_view(
        &state.db,
        &user.session_token,
        state.clock.now(),
    )
    .await?;
    let rows = progress::module_lessons(&state.db, user.id(), &module.slug).await?;
    let statuses = progress::module_statuses(&state.db, &state.course, user.id()).await?;
    let status = statuses.get(module.number - 1);
    let saved =
        crate::services::worksheets::module_answers(&state.db, user.id(), &module.slug).await?;
    let worksheet_answered = answered_in(module, |id| saved.contains_key(id));
    let lc = pacing::learner_cohort(&state.db, user.id(), None).await?;
    let dates = pacing::schedule(
        &state.course,
        lc.as_ref().and_then(|l| l.cohort.as_ref()),
        state.clock.now(),
        pacing::zone_of(lc.as_ref()),
    );
    let open: Vec<(usize, usize)> = progress::open_lessons(&state.db, &state.course, user.id())
        .await?
        .into_iter()
        .filter(|(mi, _)| *mi + 1 == module.number)
        .collect();
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
        pacing: pacing_view(
            dates.get(module.number - 1).and_then(Option::as_ref),
            status.is_some_and(|s| s.completed),
        ),
        open_lessons: open_lesson_links(&state.course, &open),
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
