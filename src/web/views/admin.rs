//! The platform admin home page's view model: organisations with their appoint forms, the SCORM
//! downloads, certificates, the newest audit entries and the lessons due for review.
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::course::Course;
use crate::domain::CertificateCode;
use crate::services::{certificates as certs, platform_admin::Overview};
use crate::web::form::{FieldError, FieldErrors};

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
    course: &Course,
    course_dir: &std::path::Path,
    today: NaiveDate,
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
pub struct AdminPage {
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

impl AdminPage {
    /// The page for `overview`, searched by `q`, with the forms' errors and typed values when one failed.
    pub fn build(
        overview: Overview,
        course: &Course,
        course_dir: &std::path::Path,
        q: String,
        forms: HomeForms,
        now: DateTime<Utc>,
    ) -> Self {
        let appoint = forms.appoint.as_ref();
        let organisations = overview
            .organisations
            .into_iter()
            .map(|o| {
                let failed = appoint.filter(|(s, _)| *s == o.slug);
                OrgRow {
                    error: failed.and_then(|_| forms.errors.message_for("appoint-email")),
                    email: failed.map(|(_, e)| e.clone()).unwrap_or_default(),
                    slug: o.slug,
                    name: o.name,
                }
            })
            .collect();
        AdminPage {
            organisations,
            modules: course
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
                    at: crate::local_time::short_time_on_date(
                        e.at,
                        crate::local_time::SERVICE_ZONE,
                    ),
                    who: e.who,
                    action: e.action,
                    description: e.description,
                })
                .collect(),
            q,
            lessons_due: lessons_due(course, course_dir, now.date_naive()),
            errors: forms.errors.into_vec(),
            org_form: forms.org,
        }
    }
}
