//! The confidence self-assessment: rate each of the course's statements from 1 to 5 before
//! starting and again after the last module, and see both side by side on the dashboard.
use std::collections::BTreeMap;

use actix_web::HttpResponse;
use actix_web::http::StatusCode;

use crate::domain::confidence::{self, Phase, Rating, RatingFormError};
use crate::error::AppError;
use crate::services::confidence as service;
use crate::web::csrf::CsrfForm;
use crate::web::page::Page;
use crate::web::session::CurrentUser;
use crate::web::view::View;
use crate::web::views::confidence::{ConfidencePage, confidence_page};

fn not_open() -> AppError {
    AppError::Forbidden(
        "You can rate your confidence again once you have completed the last module of the course."
            .into(),
    )
}

fn render_form(page: &Page, vm: &ConfidencePage) -> Result<HttpResponse, AppError> {
    let (status, prefix) = if vm.errors.is_empty() {
        (StatusCode::OK, "")
    } else {
        (StatusCode::UNPROCESSABLE_ENTITY, "Error: ")
    };
    let when = if vm.before {
        "before the course"
    } else {
        "after the course"
    };
    let title = format!("{prefix}Your confidence {when}");
    page.render(
        View::new(status, "confidence/rate", &title, "dashboard"),
        vm,
    )
}

async fn show(page: &Page, user: &CurrentUser, phase: Phase) -> Result<HttpResponse, AppError> {
    let state = &page.state;
    if phase == Phase::After
        && !service::after_open_for(&state.db, &state.course, user.id()).await?
    {
        return Err(not_open());
    }
    let record = service::record(&state.db, user.id()).await?;
    let p = record.phase(phase);
    let given: BTreeMap<String, Rating> = p.ratings.iter().map(|(k, v)| (k.clone(), *v)).collect();
    let vm = confidence_page(
        &state.course,
        phase,
        &given,
        &[],
        p.rated_at,
        page.zone().await?,
    );
    render_form(page, &vm)
}

#[tracing::instrument(skip_all, fields(user_id = user.id(), phase = phase.as_str()))]
async fn submit(
    page: &Page,
    user: &CurrentUser,
    form: &CsrfForm,
    phase: Phase,
) -> Result<HttpResponse, AppError> {
    let state = &page.state;
    if phase == Phase::After
        && !service::after_open_for(&state.db, &state.course, user.id()).await?
    {
        return Err(not_open());
    }
    let ratings = match confidence::read_ratings(&state.course.confidence, form.fields.pairs()) {
        Ok(r) => r,
        Err(RatingFormError::Tampered(_)) => {
            return Err(AppError::BadRequest(
                "The form rated a statement that is not in this assessment, or gave a rating that is not from 1 to 5. Nothing was saved.".into(),
            ));
        }
        Err(RatingFormError::Missing { given, missing }) => {
            let tz = page.zone().await?;
            let vm = confidence_page(&state.course, phase, &given, &missing, None, tz);
            return render_form(page, &vm);
        }
    };
    service::save(&state.db, user.id(), phase, &ratings, state.clock.now()).await?;
    Ok(page.see_other("/dashboard?confidence=saved"))
}

#[tracing::instrument(skip_all, fields(user_id = user.id(), phase = phase.as_str()))]
async fn skip(page: &Page, user: &CurrentUser, phase: Phase) -> Result<HttpResponse, AppError> {
    let state = &page.state;
    service::skip(&state.db, user.id(), phase, state.clock.now()).await?;
    Ok(page.see_other("/dashboard"))
}

/// `GET /confidence/before`
pub async fn show_before(page: Page, user: CurrentUser) -> Result<HttpResponse, AppError> {
    show(&page, &user, Phase::Before).await
}

/// `POST /confidence/before`: a rating (`rating-{statement id}`, 1-5) for every statement.
pub async fn submit_before(
    page: Page,
    user: CurrentUser,
    form: CsrfForm,
) -> Result<HttpResponse, AppError> {
    submit(&page, &user, &form, Phase::Before).await
}

/// `POST /confidence/before/skip`: not offered again.
pub async fn skip_before(
    page: Page,
    user: CurrentUser,
    _form: CsrfForm,
) -> Result<HttpResponse, AppError> {
    skip(&page, &user, Phase::Before).await
}

/// `GET /confidence/after`: open once the last module is complete.
pub async fn show_after(page: Page, user: CurrentUser) -> Result<HttpResponse, AppError> {
    show(&page, &user, Phase::After).await
}

/// `POST /confidence/after`
pub async fn submit_after(
    page: Page,
    user: CurrentUser,
    form: CsrfForm,
) -> Result<HttpResponse, AppError> {
    submit(&page, &user, &form, Phase::After).await
}

/// `POST /confidence/after/skip`: no longer offered on the dashboard (still reachable from it).
pub async fn skip_after(
    page: Page,
    user: CurrentUser,
    _form: CsrfForm,
) -> Result<HttpResponse, AppError> {
    skip(&page, &user, Phase::After).await
}
