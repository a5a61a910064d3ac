//! A lesson, and marking it complete.
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

use crate::error::AppError;
use crate::services::journey::{self, Visit};
use crate::services::learning_time;
use crate::services::progress;
use crate::web::AppState;
use crate::web::csrf::CsrfForm;
use crate::web::extract::LessonRef;
use crate::web::page::Page;
use crate::web::session::CurrentUser;
use crate::web::view::{View, see_other};
use crate::web::views::learner::LessonPage;

/// `GET /modules/{module}/lessons/{lesson}`: shows the lesson and records the visit.
#[tracing::instrument(skip_all, fields(user_id = user.id()))]
pub async fn show_lesson(
    page: Page,
    user: CurrentUser,
    at: LessonRef,
) -> Result<HttpResponse, AppError> {
    let (module, lesson) = (at.module(), at.lesson());
    let state = &page.state;
    let visit = Visit {
        user: &user.user,
        session_token: &user.session_token,
        now: state.clock.now(),
    };
    let memo = match (&page.visitor.cached, page.visitor.memo_epoch) {
        (Some(cached), Some(epoch)) if state.session_cache.memos() => Some((&**cached, epoch)),
        _ => None,
    };
    let seen =
        journey::lesson_visit(&state.writer, &state.course, module, lesson, &visit, memo).await?;
    let vm = LessonPage::build(module, lesson, &seen);
    let (shape, vm, values) = vm.into_shell(crate::web::view::FIRST_PAGE_HOLE);
    let view = View::new(StatusCode::OK, "learner/lesson", &lesson.title, "dashboard");
    page.ok_shell(view, &shape, &vm, &values)
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
    learning_time::close_open_view(&state.writer, &user.session_token, state.clock.now()).await?;
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
