//! The whole service's audit log, in words, filtered by person, action and date, and as CSV.
use actix_web::http::header;
use actix_web::{HttpResponse, web};

use crate::error::AppError;
use crate::services::audit_words;
use crate::web::form::FieldErrors;
use crate::web::page::Page;
use crate::web::session::PlatformAdmin;
use crate::web::views::audit::{AuditPage, AuditQuery};

const PAGE_LIMIT: u64 = 200;
const CSV_LIMIT: u64 = 50_000;

/// `GET /admin/audit`: fields `person`, `action`, `from`, `to` (all optional).
pub async fn show_audit(
    page: Page,
    _admin: PlatformAdmin,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let (lines, errors) = match query.filter(None, PAGE_LIMIT) {
        Ok(f) => (
            audit_words::search(&page.state.db, &f).await?,
            FieldErrors::default(),
        ),
        Err(errors) => (Vec::new(), errors),
    };
    let failed = !errors.is_empty();
    let vm = AuditPage::build(
        "/admin/audit",
        "",
        "",
        query,
        lines,
        errors,
        PAGE_LIMIT,
        crate::local_time::SERVICE_ZONE,
    );
    if failed {
        page.invalid("admin/audit", "Audit log", "admin", &vm)
    } else {
        page.ok("admin/audit", "Audit log", "admin", &vm)
    }
}

/// `GET /admin/audit.csv`: the same entries (same filter) as a spreadsheet.
pub async fn audit_csv(
    page: Page,
    _admin: PlatformAdmin,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, AppError> {
    let filter = query.filter(None, CSV_LIMIT).map_err(|_| {
        AppError::BadRequest("Enter the dates as year-month-day, for example 2026-12-01.".into())
    })?;
    let lines = audit_words::search(&page.state.db, &filter).await?;
    let body = audit_words::csv_bytes(&lines)?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"audit.csv\"",
        ))
        .body(body))
}
