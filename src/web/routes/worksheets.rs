//! Worksheets (one per module) and the AI project plan they add up to, with its Markdown export
//! and the learner's choice to share it with their organisation. Every page shows only the
//! logged-in learner's own answers: no route takes a user or answer id.
use std::collections::{BTreeMap, HashMap};

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::course::{Course, Module};
use crate::domain::worksheet::{self, Answer, TooLong, WorksheetFormError};
use crate::entities::worksheet_answers;
use crate::error::AppError;
use crate::services::worksheets;
use crate::web::AppState;
use crate::web::csrf::CsrfForm;
use crate::web::extract::ModuleRef;
use crate::web::markdown;
use crate::web::session::CurrentUser;
use crate::web::view::{View, render, see_other};
use crate::web::views::plan::answered_in;

/// Worksheet forms carry long answers: room for every prompt of the largest worksheet at its limit
/// even in 4-byte characters, percent-encoded (12 bytes each).
pub const WORKSHEET_FORM_LIMIT: usize = 512 * 1024;

fn saved_time(at: DateTime<Utc>) -> String {
    at.format("%-d %B %Y at %H:%M UTC").to_string()
}

/// 12345 → "12,345"
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// How many of a module's current prompts have a saved answer (answers to prompts since removed
/// from the course are kept but not counted).
#[derive(Serialize)]
struct PromptField {
    number: usize,
    field: String,
    label: String,
    help: String,
    example: String,
    limit: String,
    rows: usize,
    value: String,
    saved_at: Option<String>,
    error: Option<String>,
}

#[derive(Serialize)]
struct FieldLink {
    field: String,
    message: String,
}

#[derive(Serialize)]
struct WorksheetPage {
    module_number: usize,
    module_slug: String,
    module_title: String,
    title: String,
    introduction_html: String,
    prompts: Vec<PromptField>,
    count: usize,
    answered: usize,
    last_saved: Option<String>,
    saved: bool,
    errors: Vec<FieldLink>,
    /// The answers shown are a form kept after the session ended: not saved yet.
    kept: bool,
    kept_button: &'static str,
}

fn too_long_message(number: usize, p: &TooLong) -> String {
    format!(
        "Shorten your answer to question {number}: it has {} characters and the limit is {}",
        thousands(p.chars),
        thousands(p.max_chars)
    )
}

/// The worksheet form: saved answers, or (after a refused save) exactly what was typed.
fn worksheet_page(
    module: &Module,
    saved: &HashMap<String, worksheet_answers::Model>,
    typed: Option<&BTreeMap<String, String>>,
    problems: &[TooLong],
    just_saved: bool,
) -> WorksheetPage {
    let mut errors = Vec::new();
    let prompts = module
        .worksheet
        .prompts
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let stored = saved.get(&p.id);
            let value = match typed.and_then(|t| t.get(&p.id)) {
                Some(t) => t.clone(),
                None => stored.map(|s| s.answer.clone()).unwrap_or_default(),
            };
            let field = worksheet::field_name(&p.id);
            let error = problems
                .iter()
                .find(|t| t.prompt_id == p.id)
                .map(|t| too_long_message(i + 1, t));
            if let Some(message) = &error {
                errors.push(FieldLink {
                    field: field.clone(),
                    message: message.clone(),
                });
            }
            PromptField {
                number: i + 1,
                field,
                label: p.label.clone(),
                help: p.help.clone(),
                example: p.example.trim().to_string(),
                limit: thousands(p.max_chars),
                rows: (p.max_chars / 400).clamp(5, 12),
                value,
                saved_at: stored.map(|s| saved_time(s.updated_at)),
                error,
            }
        })
        .collect();
    WorksheetPage {
        module_number: module.number,
        module_slug: module.slug.clone(),
        module_title: module.title.clone(),
        title: module.worksheet.title.clone(),
        introduction_html: module.worksheet.introduction_html.clone(),
        count: module.worksheet.prompts.len(),
        answered: answered_in(module, |id| saved.contains_key(id)),
        last_saved: saved
            .values()
            .filter(|s| module.worksheet.prompts.iter().any(|p| p.id == s.prompt_id))
            .map(|s| s.updated_at)
            .max()
            .map(saved_time),
        prompts,
        saved: just_saved,
        errors,
        kept: false,
        kept_button: "Save answers",
    }
}

fn render_worksheet(
    state: &AppState,
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
    render(
        state,
        req,
        &user.visitor(),
        View::new(status, "worksheets/worksheet", &title, "plan"),
        page,
    )
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
) -> Result<HttpResponse, AppError> {
    let module = module.module();
    let saved = worksheets::module_answers(&state.db, user.id(), &module.slug).await?;
    let kept = crate::web::kept_form::take(&state, &req, user.id())
        .await?
        .map(|f| worksheet::typed_answers(&module.worksheet, f.pairs()));
    let mut page = worksheet_page(module, &saved, kept.as_ref(), &[], query.saved.is_some());
    page.kept = kept.is_some();
    render_worksheet(&state, &req, &user, module, &page)
}

/// `POST /modules/{module}/worksheet`: saves every answer in one go, or none when any is too long.
#[tracing::instrument(skip_all, fields(user_id = user.id()))]
pub async fn save_worksheet(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: CurrentUser,
    form: CsrfForm,
    module: ModuleRef,
) -> Result<HttpResponse, AppError> {
    let module = module.module();
    let answers: Vec<Answer> = match worksheet::read_answers(&module.worksheet, form.fields.pairs())
    {
        Ok(a) => a,
        Err(WorksheetFormError::Tampered(_)) => {
            return Err(AppError::BadRequest(
                "The form answered a question that is not on this worksheet. Nothing was saved. Go back to the worksheet and try again.".into(),
            ));
        }
        Err(WorksheetFormError::TooLong { typed, problems }) => {
            let saved = worksheets::module_answers(&state.db, user.id(), &module.slug).await?;
            let page = worksheet_page(module, &saved, Some(&typed), &problems, false);
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

#[derive(Serialize)]
struct PlanPrompt {
    label: String,
    answer: Option<String>,
    saved_at: Option<String>,
}

#[derive(Serialize)]
struct PlanModule {
    number: usize,
    slug: String,
    module_title: String,
    title: String,
    count: usize,
    answered: usize,
    prompts: Vec<PlanPrompt>,
}

#[derive(Serialize)]
struct PlanPage {
    name: String,
    date: String,
    course_title: String,
    modules: Vec<PlanModule>,
    count: usize,
    answered: usize,
    shared: bool,
    sharing_saved: bool,
}

fn plan_modules(
    course: &Course,
    answers: &HashMap<(String, String), worksheet_answers::Model>,
) -> Vec<PlanModule> {
    course
        .modules
        .iter()
        .map(|m| {
            let prompts: Vec<PlanPrompt> = m
                .worksheet
                .prompts
                .iter()
                .map(|p| {
                    let a = answers.get(&(m.slug.clone(), p.id.clone()));
                    PlanPrompt {
                        label: p.label.clone(),
                        answer: a.map(|a| a.answer.clone()),
                        saved_at: a.map(|a| saved_time(a.updated_at)),
                    }
                })
                .collect();
            PlanModule {
                number: m.number,
                slug: m.slug.clone(),
                module_title: m.title.clone(),
                title: m.worksheet.title.clone(),
                count: prompts.len(),
                answered: prompts.iter().filter(|p| p.answer.is_some()).count(),
                prompts,
            }
        })
        .collect()
}

#[derive(Deserialize)]
pub struct PlanQuery {
    sharing: Option<String>,
}

/// `GET /plan`: all five worksheets as one document, with the export links and the sharing choice.
pub async fn show_plan(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: CurrentUser,
    query: web::Query<PlanQuery>,
) -> Result<HttpResponse, AppError> {
    let answers = worksheets::all_answers(&state.db, user.id()).await?;
    let shared = worksheets::shares_plan(&state.db, user.id()).await?;
    let modules = plan_modules(&state.course, &answers);
    let page = PlanPage {
        name: user.user.name.clone(),
        date: state.clock.now().format("%-d %B %Y").to_string(),
        course_title: state.course.title.clone(),
        count: modules.iter().map(|m| m.count).sum(),
        answered: modules.iter().map(|m| m.answered).sum(),
        modules,
        shared,
        sharing_saved: query.sharing.is_some(),
    };
    render(
        &state,
        &req,
        &user.visitor(),
        View::new(
            StatusCode::OK,
            "worksheets/plan",
            "Your AI project plan",
            "plan",
        ),
        &page,
    )
}

/// The plan as a Markdown document. Everything the learner typed (and their name) is escaped, so
/// it reads exactly as typed and cannot add headings, links, lists or HTML.
fn plan_markdown(name: &str, date: &str, course_title: &str, modules: &[PlanModule]) -> String {
    let mut out = String::new();
    out.push_str("# AI project plan\n\n");
    out.push_str(&format!(
        "Prepared by {} on {} during the {} course.\n",
        markdown::escape_inline(name),
        markdown::escape_inline(date),
        markdown::escape_inline(course_title)
    ));
    for m in modules {
        out.push_str(&format!(
            "\n## Module {}: {}\n\n",
            m.number,
            markdown::escape_inline(&m.title)
        ));
        out.push_str(&format!(
            "{} of {} questions answered. Module: {}.\n",
            m.answered,
            m.count,
            markdown::escape_inline(&m.module_title)
        ));
        for p in &m.prompts {
            out.push_str(&format!("\n### {}\n\n", markdown::escape_inline(&p.label)));
            match &p.answer {
                Some(a) => {
                    out.push_str(&markdown::escape_text(a));
                    out.push('\n');
                }
                None => out.push_str("*Not answered yet.*\n"),
            }
        }
    }
    out
}

/// `GET /plan.md`: the plan as a Markdown download.
pub async fn download_plan_markdown(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    let answers = worksheets::all_answers(&state.db, user.id()).await?;
    let modules = plan_modules(&state.course, &answers);
    let date = state.clock.now().format("%-d %B %Y").to_string();
    let body = plan_markdown(&user.user.name, &date, &state.course.title, &modules);
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/markdown; charset=utf-8"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"ai-project-plan.md\"",
        ))
        .body(body))
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

/// `GET /plan.pdf`: the plan as a PDF (the same fonts as certificates), made off the async workers.
pub async fn download_plan_pdf(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    use crate::pdf::plan::{PlanPdf, PlanSection, render as render_pdf};
    let answers = worksheets::all_answers(&state.db, user.id()).await?;
    let modules = plan_modules(&state.course, &answers);
    let data = PlanPdf {
        title: format!("{}: my AI project plan", state.course.title),
        learner: user.user.name.clone(),
        date: state.clock.now().format("%-d %B %Y").to_string(),
        sections: modules
            .into_iter()
            .map(|m| PlanSection {
                heading: format!("Module {}: {} – {}", m.number, m.module_title, m.title),
                answers: m.prompts.into_iter().map(|p| (p.label, p.answer)).collect(),
            })
            .collect(),
    };
    let bytes = web::block(move || render_pdf(&data)).await??;
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"ai-project-plan.pdf\"",
        ))
        .body(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_are_separated() {
        assert_eq!(thousands(7), "7");
        assert_eq!(thousands(2000), "2,000");
        assert_eq!(thousands(20000), "20,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
