//! The platform admin area: organisations and their course leads, lessons due for review, the
//! SCORM package, certificates (search, revoke), the audit log, and people's accounts.
pub mod audit_log;
pub mod certificates;
pub mod organisations;
pub mod users;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::error::AppError;
use crate::services::platform_admin;
use crate::web::page::Page;
use crate::web::session::PlatformAdmin;
use crate::web::view::View;
use crate::web::views::admin::AdminPage;
pub use crate::web::views::admin::{HomeForms, OrgForm};

#[derive(Deserialize)]
pub struct AdminQuery {
    q: Option<String>,
}

/// The admin home page, with the forms' errors and typed values when one failed (422).
async fn home_page(page: &Page, q: String, forms: HomeForms) -> Result<HttpResponse, AppError> {
    let state = &page.state;
    let overview = platform_admin::overview(&state.db, &q, 50).await?;
    let failed = !forms.errors.is_empty();
    let (course_dir, now) = (&state.settings.course_dir, state.clock.now());
    let vm = AdminPage::build(overview, &state.course, course_dir, q, forms, now);
    let (status, title) = if failed {
        (StatusCode::UNPROCESSABLE_ENTITY, "Error: Admin")
    } else {
        (StatusCode::OK, "Admin")
    };
    page.render(View::new(status, "admin/home", title, "admin"), &vm)
}

/// `GET /admin`: organisations, certificates (searchable by name or code) and the newest audit entries.
pub async fn admin_home(
    page: Page,
    _admin: PlatformAdmin,
    query: web::Query<AdminQuery>,
) -> Result<HttpResponse, AppError> {
    let q = query.q.clone().unwrap_or_default();
    home_page(&page, q, HomeForms::default()).await
}
