//! The AI project plan: the page (with its pictures) and the exports (.md, .pdf, .docx), all
//! rendered from one `PlanDocument`, and the choice to share it.
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono_tz::Tz;
use serde::Deserialize;

use crate::error::AppError;
use crate::plan::{self, PlanDocument, PlanMeta};
use crate::services::worksheets;
use crate::web::AppState;
use crate::web::csrf::CsrfForm;
use crate::web::documents::{PlanFormat, plan_bytes};
use crate::web::page::Zone;
use crate::web::session::CurrentUser;
use crate::web::view::see_other;
use crate::web::views::plan::PlanPage;

/// The learner's own plan as a document.
async fn my_plan(state: &AppState, user: &CurrentUser, tz: Tz) -> Result<PlanDocument, AppError> {
    let answers = worksheets::all_answers(&state.db, user.id()).await?;
    let meta = PlanMeta {
        prepared_by: user.user.name.clone(),
        date: crate::local_time::date_of(state.clock.now(), tz),
        course_title: state.course.title.clone(),
    };
    Ok(plan::build(&state.course, &meta, |module, prompt| {
        answers
            .get(&(module.to_string(), prompt.to_string()))
            .map(|a| a.answer.as_str())
    }))
}

fn download(content_type: &str, filename: &str, body: impl Into<web::Bytes>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{filename}\""),
        ))
        .body(body.into())
}

#[derive(Deserialize)]
pub struct PlanQuery {
    sharing: Option<String>,
}

/// `GET /plan`: the plan as one document, with its pictures, the export links and the sharing choice.
pub async fn show_plan(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: CurrentUser,
    query: web::Query<PlanQuery>,
    Zone(tz): Zone,
) -> Result<HttpResponse, AppError> {
    let doc = my_plan(&state, &user, tz).await?;
    let shared = worksheets::shares_plan(&state.db, user.id()).await?;
    let mut page = PlanPage::new(doc, shared, query.sharing.is_some());
    page.has_organisation = crate::services::pacing::learner_cohort(&state.db, user.id(), None)
        .await?
        .is_some();
    user.page(&state, &req)
        .ok("worksheets/plan", "Your AI project plan", "plan", &page)
}

/// `GET /plan.md`: the plan as a Markdown download.
pub async fn download_plan_markdown(
    state: web::Data<AppState>,
    user: CurrentUser,
    Zone(tz): Zone,
) -> Result<HttpResponse, AppError> {
    let doc = my_plan(&state, &user, tz).await?;
    Ok(download(
        "text/markdown; charset=utf-8",
        "ai-project-plan.md",
        plan::markdown::render(&doc).into_bytes(),
    ))
}

/// `GET /plan.docx`: the plan as an editable word-processor document (rendered once per version).
pub async fn download_plan_docx(
    state: web::Data<AppState>,
    user: CurrentUser,
    Zone(tz): Zone,
) -> Result<HttpResponse, AppError> {
    let doc = my_plan(&state, &user, tz).await?;
    let bytes = plan_bytes(&state, PlanFormat::Docx, doc).await?;
    Ok(download(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "ai-project-plan.docx",
        bytes,
    ))
}

/// `GET /plan.pdf`: the plan as a tagged PDF with an outline (rendered once per version).
pub async fn download_plan_pdf(
    state: web::Data<AppState>,
    user: CurrentUser,
    Zone(tz): Zone,
) -> Result<HttpResponse, AppError> {
    let doc = my_plan(&state, &user, tz).await?;
    let bytes = plan_bytes(&state, PlanFormat::Pdf, doc).await?;
    Ok(download("application/pdf", "ai-project-plan.pdf", bytes))
}

/// `POST /plan/sharing`: field `share`, `yes` or `no`. For now only recorded and shown.
#[tracing::instrument(skip_all, fields(user_id = user.id()))]
pub async fn set_plan_sharing(
    state: web::Data<AppState>,
    user: CurrentUser,
    form: CsrfForm,
) -> Result<HttpResponse, AppError> {
    let share = match form.fields.get("share") {
        "yes" => true,
        "no" => false,
        _ => {
            return Err(AppError::BadRequest(
                "Choose whether to share your plan, then try again.".into(),
            ));
        }
    };
    worksheets::set_shares_plan(&state.db, user.id(), share, state.clock.now()).await?;
    Ok(see_other("/plan?sharing=saved"))
}
