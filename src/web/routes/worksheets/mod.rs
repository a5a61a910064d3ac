//! Worksheets (one per module) and the AI project plan they add up to, with its exports and the
//! learner's choice to share it with their organisation. Every page shows only the logged-in
//! learner's own answers: no route takes a user or answer id.
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use crate::course::Module;
use crate::domain::worksheet::{self, Answer, WorksheetFormError};
use crate::error::AppError;
use crate::services::worksheets;
use crate::web::AppState;
use crate::web::csrf::CsrfForm;
use crate::web::extract::ModuleRef;
use crate::web::page::Zone;
use crate::web::session::CurrentUser;
use crate::web::view::{View, see_other};
use crate::web::views::worksheet::{WorksheetPage, worksheet_page};

mod plan;
pub use plan::{
    download_plan_docx, download_plan_markdown, download_plan_pdf, set_plan_sharing, show_plan,
};

/// Worksheet forms carry long answers: room for every prompt of the largest worksheet at its limit
/// even in 4-byte characters, percent-encoded (12 bytes each).
pub const WORKSHEET_FORM_LIMIT: usize = 2 * 1024 * 1024;

fn render_worksheet(
    state: &web::Data<AppState>,
    req: &HttpRequest,
    user: &CurrentUser,
    module: &Module,
    page: &WorksheetPage,
) -> Result<HttpResponse, AppError> {
    let (status, prefix) = if page.errors.is_empty() {
        (StatusCode::OK, "")
    } else {
        (StatusCode::UNPROCESSABLE_ENTITY, "Error: ")
    };
    let title = format!("{prefix}Module {} worksheet: {}", module.number, page.title);
    let view = View::new(status, "worksheets/worksheet", &title, "plan");
    user.page(state, req).render(view, page)
}

#[derive(Deserialize)]
pub struct WorksheetQuery {
    saved: Option<String>,
}

/// `GET /modules/{module}/worksheet`: the prompts with the learner's saved answers.
pub async fn show_worksheet(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: CurrentUser,
    module: ModuleRef,
    query: web::Query<WorksheetQuery>,
    Zone(tz): Zone,
) -> Result<HttpResponse, AppError> {
    let module = module.module();
    let saved = worksheets::module_answers(&state.db, user.id(), &module.slug).await?;
    let kept = crate::web::kept_form::take(&state, &req, user.id())
        .await?
        .map(|f| worksheet::typed_answers(&module.worksheet, f.pairs()));
    let just_saved = query.saved.is_some();
    let mut page = worksheet_page(module, &saved, kept.as_ref(), &[], just_saved, tz);
    page.kept = kept.is_some();
    render_worksheet(&state, &req, &user, module, &page)
}

/// `POST /modules/{module}/worksheet`: saves every answer in one go, or none when any is wrong
/// (too long, not one of its choices, or for a part the worksheet does not have).
#[tracing::instrument(skip_all, fields(user_id = user.id()))]
pub async fn save_worksheet(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: CurrentUser,
    form: CsrfForm,
    module: ModuleRef,
    Zone(tz): Zone,
) -> Result<HttpResponse, AppError> {
    let module = module.module();
    let answers: Vec<Answer> = match worksheet::read_answers(&module.worksheet, form.fields.pairs())
    {
        Ok(a) => a,
        Err(WorksheetFormError::Invalid { typed, problems }) => {
            let saved = worksheets::module_answers(&state.db, user.id(), &module.slug).await?;
            let page = worksheet_page(module, &saved, Some(&typed), &problems, false, tz);
            return render_worksheet(&state, &req, &user, module, &page);
        }
    };
    worksheets::save(
        &state.db,
        user.id(),
        &module.slug,
        &answers,
        state.clock.now(),
    )
    .await?;
    Ok(see_other(&format!(
        "/modules/{}/worksheet?saved=1",
        module.slug
    )))
}
