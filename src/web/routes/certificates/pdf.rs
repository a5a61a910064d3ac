//! `GET /certificates/{code}.pdf`: the certificate as a PDF for its holder (and the course leads
//! who look after them), cached once rendered.
use actix_web::http::header;
use actix_web::{HttpResponse, web};
use chrono_tz::Tz;

use super::view_of;
use crate::domain::CertificateCode;
use crate::entities::certificates as cert_entity;
use crate::error::AppError;
use crate::pdf::cache::document_key;
use crate::pdf::certificate::{CertificatePdf, render as render_pdf};
use crate::services::certificates;
use crate::web::AppState;
use crate::web::session::CurrentUser;
use crate::web::views::team_plan::submission_words;

fn pdf_data(
    state: &AppState,
    c: &cert_entity::Model,
    tz: Tz,
    plan: Option<String>,
) -> CertificatePdf {
    let v = view_of(state, c, tz);
    CertificatePdf {
        holder_name: c.holder_name.clone(),
        course_title: c.course_title.clone(),
        course_version: c.course_version.clone(),
        completed_on: v.issued.clone(),
        expires_on: v.expires.clone(),
        code: v.code_display.clone(),
        verify_url: v.verify_url.clone(),
        modules: v
            .modules
            .into_iter()
            .map(|m| (m.number, m.title, m.completed, m.best_score))
            .collect(),
        learning_hours: v.learning_hours.clone(),
        plan,
    }
}

/// `GET /certificates/{code}.pdf`: the PDF, for its holder only (others get 404).
pub async fn certificate_pdf(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let file = path.into_inner();
    let code = file
        .strip_suffix(".pdf")
        .and_then(CertificateCode::parse)
        .ok_or(AppError::NotFound)?;
    let cert = certificates::by_code(&state.db, &code)
        .await?
        .ok_or(AppError::NotFound)?;
    let allowed = match cert.user_id {
        Some(owner) if owner == user.id() => true,
        Some(owner) => {
            crate::services::organisations::administers_learner(&state.db, &user.user, owner)
                .await?
        }
        None => false,
    };
    if !allowed {
        return Err(AppError::NotFound);
    }
    let bytes = pdf_bytes(&state, &cert).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("inline; filename=\"certificate-{}.pdf\"", code.as_str()),
        ))
        .body(bytes))
}

/// The certificate's PDF, rendered once and then served from the cache while nothing it shows
/// has changed: the key is a hash of everything given to the renderer (the certificate row's
/// fields, the holder's time zone and plan status), which costs one read to gather.
async fn pdf_bytes(state: &AppState, cert: &cert_entity::Model) -> Result<web::Bytes, AppError> {
    let (tz, plan) = match cert.user_id {
        Some(owner) => {
            let holder = certificates::holder_context(&state.db, owner).await?;
            let plan = holder.plan.map(|(s, r)| submission_words(s, r));
            (holder.zone(), plan)
        }
        None => (crate::local_time::SERVICE_ZONE, None),
    };
    let data = pdf_data(state, cert, tz, plan);
    let key = document_key("certificate.pdf", &data)?;
    if let Some(bytes) = state.pdf_cache.get(&key) {
        return Ok(bytes);
    }
    let bytes = web::Bytes::from(web::block(move || render_pdf(&data)).await??);
    state.pdf_cache.put(key, bytes.clone());
    Ok(bytes)
}
