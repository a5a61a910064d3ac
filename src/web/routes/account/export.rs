//! Everything held about the learner, as a page or a JSON download.
use actix_web::HttpResponse;
use actix_web::http::{StatusCode, header};

use crate::error::AppError;
use crate::services::privacy::{self, Export};
use crate::web::AppState;
use crate::web::page::Page;
use crate::web::session::CurrentUser;
use crate::web::view::View;
use crate::web::views::export::export_page;

async fn load_export(state: &AppState, user: &CurrentUser) -> Result<Export, AppError> {
    privacy::export(
        &state.db,
        user.id(),
        state.clock.now(),
        Some(&user.session_token),
    )
    .await?
    .ok_or(AppError::NotFound)
}

/// `GET /account/export.json`: everything held about the learner, as a JSON download.
#[tracing::instrument(skip_all, fields(user_id = user.id()))]
pub async fn export_json(page: Page, user: CurrentUser) -> Result<HttpResponse, AppError> {
    let state = &page.state;
    let export = load_export(state, &user).await?;
    let body = serde_json::to_string_pretty(&export)
        .map_err(|e| AppError::Unexpected(anyhow::Error::new(e).context("export to JSON")))?;
    tracing::info!("personal data exported");
    Ok(HttpResponse::Ok()
        .content_type("application/json; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"deepdive-my-data-{}.json\"",
                export.generated_at.format("%Y-%m-%d")
            ),
        ))
        .body(body))
}

/// `GET /account/export`: everything held about the learner, readable, with the JSON download.
#[tracing::instrument(skip_all, fields(user_id = user.id()))]
pub async fn show_export(page: Page, user: CurrentUser) -> Result<HttpResponse, AppError> {
    let state = &page.state;
    let export = load_export(state, &user).await?;
    let vm = export_page(&state.course, export, page.zone().await?);
    page.render(
        View::new(StatusCode::OK, "account/export", "Your data", "account"),
        &vm,
    )
}

// ---------------------------------------------------------------------------------------------
// Delete
// ---------------------------------------------------------------------------------------------
