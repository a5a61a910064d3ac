//! A lesson, and marking it complete.
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

use crate::error::AppError;
use crate::services::learning_time::{self, Viewed};
use crate::services::progress;
use crate::web::AppState;
use crate::web::csrf::CsrfForm;
use crate::web::extract::LessonRef;
use crate::web::session::CurrentUser;
use crate::web::view::{View, render, see_other};

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
