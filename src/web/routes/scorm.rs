//! The SCORM 1.2 package download for platform admins (the same package as `deepdive export-scorm`).
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use crate::error::AppError;
use crate::scorm::{self, Export, ScormError};
use crate::services::audit;
use crate::web::AppState;
use crate::web::session::PlatformAdmin;

#[derive(Deserialize)]
pub struct ScormQuery {
    module: Option<String>,
}

/// `GET /admin/scorm.zip[?module=SLUG]`: the course (or one module) as a SCORM 1.2 package.
#[tracing::instrument(skip_all, fields(user_id = admin.0.id()))]
pub async fn download_scorm(
    state: web::Data<AppState>,
    req: HttpRequest,
    admin: PlatformAdmin,
    query: web::Query<ScormQuery>,
) -> Result<HttpResponse, AppError> {
    let module = query.into_inner().module.filter(|m| !m.is_empty());
    let (course, templates, base_url) = (
        state.course.clone(),
        state.templates.clone(),
        state.settings.base_url.clone(),
    );
    let chosen = module.clone();
    let (name, bytes) = web::block(move || {
        let export = Export {
            course: &course,
            templates: &templates,
            base_url: &base_url,
            module: chosen.as_deref(),
        };
        scorm::package(&export).map(|bytes| (export.file_name(), bytes))
    })
    .await?
    .map_err(|e| match e {
        ScormError::UnknownModule(..) => AppError::NotFound,
        ScormError::Unexpected(e) => AppError::Unexpected(e),
    })?;
    let target = module.map_or_else(|| "course".into(), |m| format!("module:{m}"));
    let detail = format!("{name}, {} bytes", bytes.len());
    let actor = crate::web::extract::actor(&req, &admin.0);
    audit::scorm_exported(&state.db, &state.clock, &actor, target, detail).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/zip")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ))
        .body(bytes))
}
