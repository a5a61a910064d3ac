//! One certificate as the platform admin sees it, and revoking it (with a reason) when it was
//! issued in error.
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Serialize;

use crate::domain::CertificateCode;
use crate::error::AppError;
use crate::services::{certificates, platform_admin};
use crate::web::csrf::CsrfForm;
use crate::web::extract::actor;
use crate::web::page::Page;
use crate::web::session::PlatformAdmin;
use crate::web::view::{View, see_other};

#[derive(Serialize)]
struct CertificateAdminPage {
    code: String,
    code_display: String,
    holder_name: String,
    course: String,
    issued: String,
    expires: Option<String>,
    status: &'static str,
    revoked: Option<String>,
    revoked_reason: Option<String>,
    reason: String,
    error: Option<String>,
}

async fn certificate_page(
    page: &Page,
    raw: &str,
    reason: &str,
    error: Option<String>,
) -> Result<HttpResponse, AppError> {
    let state = &page.state;
    let code = CertificateCode::parse(raw).ok_or(AppError::NotFound)?;
    let c = certificates::by_code(&state.db, &code)
        .await?
        .ok_or(AppError::NotFound)?;
    let vm = CertificateAdminPage {
        code: c.code.clone(),
        code_display: code.to_string(),
        holder_name: c.holder_name.clone(),
        course: format!("{} (version {})", c.course_title, c.course_version),
        issued: crate::local_time::date_of(c.issued_at, crate::local_time::SERVICE_ZONE),
        expires: c
            .expires_at
            .map(|e| crate::local_time::date_of(e, crate::local_time::SERVICE_ZONE)),
        status: certificates::status(&c, state.clock.now()).as_str(),
        revoked: c
            .revoked_at
            .map(|r| crate::local_time::time_on_date(r, crate::local_time::SERVICE_ZONE)),
        revoked_reason: c.revoked_reason.clone(),
        reason: reason.to_string(),
        error: error.clone(),
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let title = format!("Certificate {}", code);
    page.render(View::new(status, "admin/certificate", &title, "admin"), &vm)
}

/// `GET /admin/certificates/{code}`
pub async fn show_certificate(
    page: Page,
    _admin: PlatformAdmin,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    certificate_page(&page, &path, "", None).await
}

/// `POST /admin/certificates/{code}/revoke`: field `reason` (required); audited.
pub async fn revoke_certificate(
    page: Page,
    admin: PlatformAdmin,
    form: CsrfForm,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let (state, req) = (&page.state, &page.req);
    let reason = form.fields.get("reason").trim().to_string();
    if reason.is_empty() || reason.chars().count() > 500 {
        let message = if reason.is_empty() {
            "Enter the reason for revoking this certificate"
        } else {
            "Reason must be 500 characters or fewer"
        };
        return certificate_page(&page, &path, &reason, Some(message.into())).await;
    }
    let code = CertificateCode::parse(&path).ok_or(AppError::NotFound)?;
    let cert = certificates::by_code(&state.db, &code)
        .await?
        .ok_or(AppError::NotFound)?;
    let who = actor(req, &admin.0);
    platform_admin::revoke_certificate(&state.db, &state.clock, &who, &cert, &reason).await?;
    Ok(see_other(&format!("/admin/certificates/{}", cert.code)))
}
