//! What the `/api/v1` API returns: JSON shapes built from service results, each with its OpenAPI
//! schema (utoipa), so the published document is made from the same types the handlers send.
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::course::Course;
use crate::services::records::{CertificateRecord, Completion, MemberRecord, printed_code};
use crate::services::reports::{CellStatus, LearnerRow};

fn when(d: DateTime<Utc>) -> String {
    d.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn maybe(d: Option<DateTime<Utc>>) -> Option<String> {
    d.map(when)
}

#[derive(Debug, Serialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Learner,
    OrgAdmin,
}

/// A member of the organisation.
#[derive(Debug, Serialize, ToSchema)]
pub struct Member {
    /// The member's id in this organisation (use it as `member_id`).
    pub id: i32,
    pub name: String,
    /// Their work e-mail address, as they log in with it.
    pub email: String,
    /// The organisation's employee or assignment number (e.g. ESR's), when recorded.
    pub employee_number: Option<String>,
    pub role: Role,
    pub cohort: Option<String>,
    #[schema(format = DateTime)]
    pub joined_at: String,
}

impl From<MemberRecord> for Member {
    fn from(m: MemberRecord) -> Self {
        Self {
            id: m.member_id,
            name: m.name,
            email: m.email,
            employee_number: m.employee_number,
            role: if m.role == "org_admin" {
                Role::OrgAdmin
            } else {
                Role::Learner
            },
            cohort: m.cohort,
            joined_at: when(m.joined_at),
        }
    }
}

/// One page of members.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemberPage {
    pub data: Vec<Member>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<i32>,
}

#[derive(Debug, Serialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ModuleStatus {
    NotStarted,
    InProgress,
    Completed,
    Overdue,
}

impl From<CellStatus> for ModuleStatus {
    fn from(s: CellStatus) -> Self {
        match s {
            CellStatus::NotStarted => Self::NotStarted,
            CellStatus::InProgress => Self::InProgress,
            CellStatus::Completed => Self::Completed,
            CellStatus::Overdue => Self::Overdue,
        }
    }
}

/// A member's progress in one module.
#[derive(Debug, Serialize, ToSchema)]
pub struct ModuleProgress {
    #[schema(minimum = 1)]
    pub number: u32,
    pub slug: String,
    pub title: String,
    pub status: ModuleStatus,
    #[schema(minimum = 0, maximum = 100)]
    pub percent: i32,
    /// The best quiz score, in percent.
    #[schema(minimum = 0, maximum = 100)]
    pub best_score: Option<i32>,
    /// When the module is due, for cohorts paced a module a week.
    #[schema(format = DateTime)]
    pub due_at: Option<String>,
}

/// A member's progress through the course.
#[derive(Debug, Serialize, ToSchema)]
pub struct Progress {
    pub member_id: i32,
    pub name: String,
    pub email: String,
    pub cohort: Option<String>,
    #[schema(minimum = 0, maximum = 100)]
    pub course_percent: i32,
    #[schema(format = DateTime)]
    pub last_active_at: Option<String>,
    #[schema(format = DateTime)]
    pub course_completed_at: Option<String>,
    /// The code of their current certificate, when they have one.
    pub certificate_code: Option<String>,
    pub modules: Vec<ModuleProgress>,
}

impl Progress {
    pub fn build(course: &Course, r: LearnerRow) -> Self {
        let modules = course
            .modules
            .iter()
            .zip(r.modules)
            .map(|(m, cell)| ModuleProgress {
                number: u32::try_from(m.number).unwrap_or(0),
                slug: m.slug.clone(),
                title: m.title.clone(),
                status: cell.status.into(),
                percent: cell.percent,
                best_score: cell.best_score,
                due_at: maybe(cell.due),
            })
            .collect();
        Self {
            member_id: r.member_id,
            name: r.name,
            email: r.email,
            cohort: r.cohort,
            course_percent: r.percent,
            last_active_at: maybe(r.last_active),
            course_completed_at: maybe(r.completed_at),
            certificate_code: r.certificate.as_deref().map(printed_code),
            modules,
        }
    }
}

/// One page of progress, a member each.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProgressPage {
    pub data: Vec<Progress>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<i32>,
}

/// One completed module of one member: what a Trust's ESR team records as a local competence.
#[derive(Debug, Serialize, ToSchema)]
pub struct CompletionRecord {
    /// The completion's id (the cursor).
    pub id: i32,
    pub member_id: i32,
    pub employee_number: Option<String>,
    pub staff_name: String,
    pub work_email: String,
    pub course_code: String,
    pub course_title: String,
    #[schema(minimum = 1)]
    pub module_number: Option<u32>,
    pub module_slug: String,
    pub module_title: String,
    #[schema(format = DateTime)]
    pub completed_at: String,
    /// The best quiz score in the module, in percent.
    #[schema(minimum = 0, maximum = 100)]
    pub score_percent: Option<i32>,
    /// When the person completed the whole course.
    #[schema(format = DateTime)]
    pub course_completed_at: Option<String>,
    pub certificate_code: Option<String>,
    #[schema(format = DateTime)]
    pub certificate_expires_at: Option<String>,
    /// The person's active time in the course, in hours; `null` while it is not recorded.
    #[schema(minimum = 0)]
    pub learning_hours: Option<f64>,
}

impl From<Completion> for CompletionRecord {
    fn from(c: Completion) -> Self {
        Self {
            id: c.id,
            member_id: c.member_id,
            employee_number: c.employee_number,
            staff_name: c.name,
            work_email: c.email,
            course_code: c.course_slug,
            course_title: c.course_title,
            module_number: c.module_number.and_then(|n| u32::try_from(n).ok()),
            module_slug: c.module_slug,
            module_title: c.module_title,
            completed_at: when(c.completed_at),
            score_percent: c.score,
            course_completed_at: maybe(c.course_completed_at),
            certificate_code: c.certificate_code.as_deref().map(printed_code),
            certificate_expires_at: maybe(c.certificate_expires_at),
            learning_hours: c
                .learning_minutes
                .and_then(|m| u32::try_from(m).ok())
                .map(|m| (f64::from(m) / 60.0 * 100.0).round() / 100.0),
        }
    }
}

/// One page of completions.
#[derive(Debug, Serialize, ToSchema)]
pub struct CompletionPage {
    pub data: Vec<CompletionRecord>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<i32>,
}

#[derive(Debug, Serialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum CertificateStatus {
    Valid,
    Expired,
    Revoked,
}

/// A certificate held by a member.
#[derive(Debug, Serialize, ToSchema)]
pub struct Certificate {
    /// The certificate's id (the cursor).
    pub id: i32,
    #[schema(example = "ABCD-EFGH-JKMN")]
    pub code: String,
    pub member_id: i32,
    pub employee_number: Option<String>,
    pub holder_name: String,
    pub email: String,
    pub course_code: String,
    pub course_title: String,
    #[schema(format = DateTime)]
    pub issued_at: String,
    #[schema(format = DateTime)]
    pub expires_at: Option<String>,
    #[schema(format = DateTime)]
    pub revoked_at: Option<String>,
    pub status: CertificateStatus,
    /// The public page where anyone can check it.
    #[schema(format = "uri")]
    pub verify_url: String,
}

impl Certificate {
    pub fn build(c: CertificateRecord, now: DateTime<Utc>, base_url: &str) -> Self {
        let status = match c.status(now) {
            "revoked" => CertificateStatus::Revoked,
            "expired" => CertificateStatus::Expired,
            _ => CertificateStatus::Valid,
        };
        let code = printed_code(&c.code);
        Self {
            id: c.id,
            verify_url: format!("{base_url}/verify/{code}"),
            code,
            member_id: c.member_id,
            employee_number: c.employee_number,
            holder_name: c.holder_name,
            email: c.email,
            course_code: c.course_slug,
            course_title: c.course_title,
            issued_at: when(c.issued_at),
            expires_at: maybe(c.expires_at),
            revoked_at: maybe(c.revoked_at),
            status,
        }
    }
}

/// One page of certificates.
#[derive(Debug, Serialize, ToSchema)]
pub struct CertificatePage {
    pub data: Vec<Certificate>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<i32>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learning_hours_are_null_until_recorded_and_rounded_to_hundredths() {
        let mut c = Completion {
            id: 1,
            member_id: 2,
            employee_number: None,
            name: "Ann".into(),
            email: "ann@example.org".into(),
            course_slug: "c".into(),
            course_title: "C".into(),
            module_number: Some(1),
            module_slug: "m".into(),
            module_title: "M".into(),
            completed_at: DateTime::<Utc>::MIN_UTC,
            score: Some(80),
            course_completed_at: None,
            certificate_code: Some("ABCDEFGHJKMN".into()),
            certificate_expires_at: None,
            learning_minutes: None,
        };
        assert_eq!(CompletionRecord::from(c.clone()).learning_hours, None);
        c.learning_minutes = Some(100);
        let r = CompletionRecord::from(c);
        assert_eq!(r.learning_hours, Some(1.67));
        assert_eq!(r.certificate_code.as_deref(), Some("ABCD-EFGH-JKMN"));
    }
}
