//! The platform admin area: organisations and their course leads, lessons due for review, the
//! SCORM package, certificates (search, revoke), the audit log, and people's accounts.
pub mod audit_log;
pub mod certificates;
pub mod organisations;
pub mod users;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use crate::domain::CertificateCode;
use crate::error::AppError;
use crate::services::{certificates as certs, platform_admin};
use crate::web::form::{FieldError, FieldErrors};
use crate::web::page::Page;
use crate::web::session::PlatformAdmin;
use crate::web::view::View;

#[derive(Deserialize)]
pub struct AdminQuery {
    q: Option<String>,
}

#[derive(Serialize)]
struct CertRow {
    code: String,
    code_display: String,
    holder_name: String,
    issued: String,
    status: &'static str,
}

#[derive(Serialize)]
struct AuditRow {
    at: String,
    who: String,
    action: String,
    description: String,
}

#[derive(Serialize)]
struct OrgRow {
    slug: String,
    name: String,
    /// The appoint form's typed address and its message, when that form failed.
    email: String,
    error: Option<String>,
}

/// A lesson whose facts are due to be checked again (front matter `review_by`).
#[derive(Serialize)]
struct DueLessonRow {
    url: String,
    title: String,
    module: String,
    file: String,
    review_by: String,
    /// "3 days overdue", "due today", "due in 12 days".
    when: String,
    overdue: bool,
}

/// Lessons are listed from this many days before their review date.
const REVIEW_NOTICE_DAYS: i64 = 30;

fn lessons_due(
    course: &crate::course::Course,
    course_dir: &std::path::Path,
    today: chrono::NaiveDate,
) -> Vec<DueLessonRow> {
    course
        .lessons_due_for_review(today, REVIEW_NOTICE_DAYS)
        .into_iter()
        .map(|d| DueLessonRow {
            url: format!("/modules/{}/lessons/{}", d.module.slug, d.lesson.slug),
            title: d.lesson.title.clone(),
            module: format!("Module {}: {}", d.module.number, d.module.title),
            // The file within the course folder, not the server's full path.
            file: std::path::Path::new(&d.lesson.file)
                .strip_prefix(course_dir)
                .map_or_else(|_| d.lesson.file.clone(), |p| p.display().to_string()),
            review_by: crate::local_time::date(d.lesson.review_by),
            when: match d.days_left {
                0 => "due today".into(),
                1 => "due tomorrow".into(),
                -1 => "1 day overdue".into(),
                n if n < 0 => format!("{} days overdue", -n),
                n => format!("due in {n} days"),
            },
            overdue: d.days_left < 0,
        })
        .collect()
}

#[derive(Serialize)]
struct ModuleRow {
    slug: String,
    number: usize,
    title: String,
}

/// The new-organisation form's typed values and messages (one per field).
#[derive(Serialize, Default)]
pub struct OrgForm {
    pub name: String,
    pub slug: String,
    pub name_error: Option<String>,
    pub slug_error: Option<String>,
}

/// What failed on the admin home page, to show again with the typed values.
#[derive(Default)]
pub struct HomeForms {
    pub errors: FieldErrors,
    pub org: OrgForm,
    /// The organisation whose appoint form failed, with the typed address.
    pub appoint: Option<(String, String)>,
}

#[derive(Serialize)]
struct AdminPage {
    organisations: Vec<OrgRow>,
    /// For the SCORM package downloads.
    modules: Vec<ModuleRow>,
    q: String,
    certificates: Vec<CertRow>,
    audit: Vec<AuditRow>,
    lessons_due: Vec<DueLessonRow>,
    errors: Vec<FieldError>,
    org_form: OrgForm,
}

/// The admin home page, with the forms' errors and typed values when one failed (422).
async fn home_page(page: &Page, q: String, forms: HomeForms) -> Result<HttpResponse, AppError> {
    let state = &page.state;
    let now = state.clock.now();
    let overview = platform_admin::overview(&state.db, &q, 50).await?;
    let failed = !forms.errors.is_empty();
    let appoint_error = |slug: &str| {
        forms
            .appoint
            .as_ref()
            .filter(|(s, _)| s == slug)
            .and_then(|_| forms.errors.message_for("appoint-email"))
    };
    let vm = AdminPage {
        organisations: overview
            .organisations
            .into_iter()
            .map(|o| OrgRow {
                error: appoint_error(&o.slug),
                email: forms
                    .appoint
                    .as_ref()
                    .filter(|(s, _)| *s == o.slug)
                    .map(|(_, e)| e.clone())
                    .unwrap_or_default(),
                slug: o.slug,
                name: o.name,
            })
            .collect(),
        modules: state
            .course
            .modules
            .iter()
            .map(|m| ModuleRow {
                slug: m.slug.clone(),
                number: m.number,
                title: m.title.clone(),
            })
            .collect(),
        certificates: overview
            .certificates
            .iter()
            .map(|c| CertRow {
                code: c.code.clone(),
                code_display: CertificateCode::parse(&c.code)
                    .map_or_else(|| c.code.clone(), |k| k.to_string()),
                holder_name: c.holder_name.clone(),
                issued: crate::local_time::short_date_of(
                    c.issued_at,
                    crate::local_time::SERVICE_ZONE,
                ),
                status: certs::status(c, now).as_str(),
            })
            .collect(),
        audit: overview
            .audit
            .into_iter()
            .map(|e| AuditRow {
                at: crate::local_time::short_time_on_date(e.at, crate::local_time::SERVICE_ZONE),
                who: e.who,
                action: e.action,
                description: e.description,
            })
            .collect(),
        q,
        lessons_due: lessons_due(&state.course, &state.settings.course_dir, now.date_naive()),
        errors: forms.errors.into_vec(),
        org_form: forms.org,
    };
    let status = if failed {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let title = if failed { "Error: Admin" } else { "Admin" };
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
