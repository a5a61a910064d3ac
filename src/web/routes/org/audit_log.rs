//! The organisation's audit log: what its course leads did, in words, filtered by person, action
//! and date, and as CSV.
use actix_web::http::header;
use actix_web::{HttpResponse, web};

use crate::error::AppError;
use crate::services::audit_words;
use crate::web::extract::OrgAdmin;
use crate::web::form::FieldErrors;
use crate::web::page::Page;
use crate::web::views::audit::{AuditPage, AuditQuery};

/// Entries on the page; the CSV has up to `CSV_LIMIT`.
const PAGE_LIMIT: u64 = 200;
const CSV_LIMIT: u64 = 50_000;

/// `GET /org/{slug}/audit`: fields `person`, `action`, `from`, `to` (all optional).
#[tracing::instrument(skip_all, fields(user_id = admin.user.id()))]
pub async fn show_audit(
    page: Page,
    admin: OrgAdmin,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let target = Some(format!("org:{}", admin.org.id));
    let (lines, errors) = match query.filter(target, PAGE_LIMIT) {
        Ok(f) => (
            audit_words::search(&page.state.db, &f).await?,
            FieldErrors::default(),
        ),
        Err(errors) => (Vec::new(), errors),
    };
    let failed = !errors.is_empty();
    let vm = AuditPage::build(
        &admin.url("/audit"),
        &admin.org.slug,
        &admin.org.name,
        query,
        lines,
        errors,
        PAGE_LIMIT,
        crate::local_time::zone(&admin.org.time_zone),
    );
    if failed {
        page.invalid("org/audit", "Audit log", "org", &vm)
    } else {
        page.ok("org/audit", "Audit log", "org", &vm)
    }
}

/// `GET /org/{slug}/audit.csv`: the same entries (same filter) as a spreadsheet.
#[tracing::instrument(skip_all, fields(user_id = admin.user.id()))]
pub async fn audit_csv(
    page: Page,
    admin: OrgAdmin,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, AppError> {
    let target = Some(format!("org:{}", admin.org.id));
    let filter = query.filter(target, CSV_LIMIT).map_err(|_| {
        AppError::BadRequest("Enter the dates as year-month-day, for example 2026-12-01.".into())
    })?;
    let lines = audit_words::search(&page.state.db, &filter).await?;
    let body = audit_words::csv_bytes(&lines)?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}-audit.csv\"", admin.org.slug),
        ))
        .body(body))
}
