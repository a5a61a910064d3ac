//! The confidence self-assessment: rate each of the course's statements from 1 to 5 before
//! starting and again after the last module, and see both side by side on the dashboard.
use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::course::Course;
use crate::domain::confidence::{self, Phase, Rating, RatingFormError, SCALE};
use crate::error::AppError;
use crate::services::confidence as service;
use crate::web::AppState;
use crate::web::csrf::CsrfForm;
use crate::web::session::CurrentUser;
use crate::web::view::{View, render, see_other};
use crate::web::views::confidence::{case_study, rated_time};

fn not_open() -> AppError {
    AppError::Forbidden(
        "You can rate your confidence again once you have completed the last module of the course."
            .into(),
    )
}

#[derive(Serialize)]
struct ScalePoint {
    id: String,
    value: u8,
    label: String,
    checked: bool,
}

#[derive(Serialize)]
struct StatementField {
    number: usize,
    field: String,
    first_id: String,
    statement: String,
    case_study: Option<String>,
    points: Vec<ScalePoint>,
    error: Option<String>,
}

#[derive(Serialize)]
struct FieldLink {
    field: String,
    message: String,
}

#[derive(Serialize)]
struct ConfidencePage {
    phase: &'static str,
    before: bool,
    count: usize,
    statements: Vec<StatementField>,
    rated_at: Option<String>,
    errors: Vec<FieldLink>,
}

fn confidence_page(
    course: &Course,
    phase: Phase,
    given: &BTreeMap<String, Rating>,
    missing: &[String],
    rated_at: Option<DateTime<Utc>>,
) -> ConfidencePage {
    let mut errors = Vec::new();
    let statements = course
        .confidence
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let field = confidence::field_name(&s.id);
            let chosen = given.get(&s.id).map(|r| r.value());
            let points: Vec<ScalePoint> = SCALE
                .iter()
                .filter_map(|(n, _)| Rating::parse(&n.to_string()))
                .map(|r| ScalePoint {
                    id: format!("{field}-{}", r.value()),
                    value: r.value(),
                    label: r.label(),
                    checked: chosen == Some(r.value()),
                })
                .collect();
            let first_id = format!("{field}-1");
            let error = missing
                .contains(&s.id)
                .then(|| "Select a rating from 1 to 5".to_string());
            if error.is_some() {
                errors.push(FieldLink {
                    field: first_id.clone(),
                    message: format!("Statement {}: select a rating from 1 to 5", i + 1),
                });
            }
            StatementField {
                number: i + 1,
                field,
                first_id,
                statement: s.statement.clone(),
                case_study: match phase {
                    Phase::After => case_study(s),
                    Phase::Before => None,
                },
                points,
                error,
            }
        })
        .collect();
    ConfidencePage {
        phase: phase.as_str(),
        before: phase == Phase::Before,
        count: course.confidence.len(),
        statements,
        rated_at: rated_at.map(rated_time),
        errors,
    }
}

fn render_form(
    state: &AppState,
    req: &HttpRequest,
    user: &CurrentUser,
    page: &ConfidencePage,
) -> Result<HttpResponse, AppError> {
    let (status, prefix) = if page.errors.is_empty() {
        (StatusCode::OK, "")
    } else {
        (StatusCode::UNPROCESSABLE_ENTITY, "Error: ")
    };
    let title = format!(
        "{prefix}Your confidence {}",
        if page.before {
            "before the course"
        } else {
            "after the course"
        }
    );
    render(
        state,
        req,
        &user.visitor(),
        View::new(status, "confidence/rate", &title, "dashboard"),
        page,
    )
}

async fn show(
    state: &AppState,
    req: &HttpRequest,
    user: &CurrentUser,
    phase: Phase,
) -> Result<HttpResponse, AppError> {
    if phase == Phase::After
        && !service::after_open_for(&state.db, &state.course, user.id()).await?
    {
        return Err(not_open());
    }
    let record = service::record(&state.db, user.id()).await?;
    let p = record.phase(phase);
    let given: BTreeMap<String, Rating> = p.ratings.iter().map(|(k, v)| (k.clone(), *v)).collect();
    let page = confidence_page(&state.course, phase, &given, &[], p.rated_at);
    render_form(state, req, user, &page)
}

#[tracing::instrument(skip_all, fields(user_id = user.id(), phase = phase.as_str()))]
async fn submit(
    state: &AppState,
    req: &HttpRequest,
    user: &CurrentUser,
    form: &CsrfForm,
    phase: Phase,
) -> Result<HttpResponse, AppError> {
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
            let page = confidence_page(&state.course, phase, &given, &missing, None);
            return render_form(state, req, user, &page);
        }
    };
    service::save(&state.db, user.id(), phase, &ratings, state.clock.now()).await?;
    Ok(see_other("/dashboard?confidence=saved"))
}

#[tracing::instrument(skip_all, fields(user_id = user.id(), phase = phase.as_str()))]
async fn skip(
    state: &AppState,
    user: &CurrentUser,
    phase: Phase,
) -> Result<HttpResponse, AppError> {
    service::skip(&state.db, user.id(), phase, state.clock.now()).await?;
    Ok(see_other("/dashboard"))
}

/// `GET /confidence/before`
pub async fn show_before(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    show(&state, &req, &user, Phase::Before).await
}

/// `POST /confidence/before`: a rating (`rating-{statement id}`, 1-5) for every statement.
pub async fn submit_before(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: CurrentUser,
    form: CsrfForm,
) -> Result<HttpResponse, AppError> {
    submit(&state, &req, &user, &form, Phase::Before).await
}

/// `POST /confidence/before/skip`: not offered again.
pub async fn skip_before(
    state: web::Data<AppState>,
    user: CurrentUser,
    _form: CsrfForm,
) -> Result<HttpResponse, AppError> {
    skip(&state, &user, Phase::Before).await
}

/// `GET /confidence/after`: open once the last module is complete.
pub async fn show_after(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    show(&state, &req, &user, Phase::After).await
}

/// `POST /confidence/after`
pub async fn submit_after(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: CurrentUser,
    form: CsrfForm,
) -> Result<HttpResponse, AppError> {
    submit(&state, &req, &user, &form, Phase::After).await
}

/// `POST /confidence/after/skip`: no longer offered on the dashboard (still reachable from it).
pub async fn skip_after(
    state: web::Data<AppState>,
    user: CurrentUser,
    _form: CsrfForm,
) -> Result<HttpResponse, AppError> {
    skip(&state, &user, Phase::After).await
}
