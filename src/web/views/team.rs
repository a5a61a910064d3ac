//! A line manager's team page and CSV, built from what `services::team` returns. Pure: no
//! request, no database.
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::course::Course;
use crate::services::certificates::{self, Status};
use crate::services::reports::{CellStatus, safe_cell};
use crate::services::team::TeamMember;

/// A module counts as due soon this many days before its due date.
pub const DUE_SOON_DAYS: i64 = 7;

/// Shown until the learner can submit their plan for review (another part of the service).
const PLAN_NOT_SUBMITTED: &str = "Not submitted";

#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct ModuleDue {
    pub title: String,
    pub due: String,
}

#[derive(Serialize, Debug, Clone)]
pub struct TeamRow {
    pub user_id: i32,
    pub name: String,
    pub email: String,
    pub organisation: String,
    pub cohort: String,
    pub percent: i32,
    pub overdue: Vec<ModuleDue>,
    pub due_soon: Vec<ModuleDue>,
    /// "Valid", "Expired", "Revoked" or "Not yet earned".
    pub certificate: &'static str,
    pub certificate_expires: String,
    pub plan: &'static str,
}

#[derive(Serialize, Debug)]
pub struct TeamPage {
    pub people: Vec<TeamRow>,
    pub overdue_people: usize,
}

/// A due date or an expiry as a calendar day, in the UK format of every other page.
fn day(t: DateTime<Utc>) -> String {
    crate::local_time::date(t.date_naive())
}

/// One report's row.
pub fn row(course: &Course, m: &TeamMember, now: DateTime<Utc>) -> TeamRow {
    let mut overdue = Vec::new();
    let mut due_soon = Vec::new();
    for (module, cell) in course.modules.iter().zip(&m.row.modules) {
        let Some(due) = cell.due else { continue };
        let item = ModuleDue {
            title: format!("Module {}: {}", module.number, module.title),
            due: day(due),
        };
        match cell.status {
            CellStatus::Overdue => overdue.push(item),
            CellStatus::Completed => {}
            _ if due - now <= Duration::days(DUE_SOON_DAYS) => due_soon.push(item),
            _ => {}
        }
    }
    let (certificate, certificate_expires) = match &m.certificate {
        None => ("Not yet earned", String::new()),
        Some(c) => {
            let status = match certificates::status(c, now) {
                Status::Valid => "Valid",
                Status::Expired => "Expired",
                Status::Revoked => "Revoked",
            };
            (status, c.expires_at.map(day).unwrap_or_default())
        }
    };
    TeamRow {
        user_id: m.row.user_id,
        name: m.row.name.clone(),
        email: m.row.email.clone(),
        organisation: m.org_name.clone(),
        cohort: m.row.cohort.clone().unwrap_or_else(|| "No cohort".into()),
        percent: m.row.percent,
        overdue,
        due_soon,
        certificate,
        certificate_expires,
        plan: PLAN_NOT_SUBMITTED,
    }
}

pub fn page(course: &Course, team: &[TeamMember], now: DateTime<Utc>) -> TeamPage {
    let people: Vec<TeamRow> = team.iter().map(|m| row(course, m, now)).collect();
    TeamPage {
        overdue_people: people.iter().filter(|p| !p.overdue.is_empty()).count(),
        people,
    }
}

pub const CSV_HEADER: [&str; 10] = [
    "name",
    "email",
    "organisation",
    "cohort",
    "progress_percent",
    "overdue_modules",
    "due_soon_modules",
    "certificate",
    "certificate_expires",
    "plan",
];

/// One CSV record per report; every cell safe to open in a spreadsheet.
pub fn csv_record(r: &TeamRow) -> Vec<String> {
    let titles = |v: &[ModuleDue]| {
        v.iter()
            .map(|m| format!("{} (due {})", m.title, m.due))
            .collect::<Vec<_>>()
            .join("; ")
    };
    [
        r.name.clone(),
        r.email.clone(),
        r.organisation.clone(),
        r.cohort.clone(),
        r.percent.to_string(),
        titles(&r.overdue),
        titles(&r.due_soon),
        r.certificate.to_string(),
        r.certificate_expires.clone(),
        r.plan.to_string(),
    ]
    .iter()
    .map(|c| safe_cell(c))
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_csv_cell_that_starts_like_a_formula_is_defused() {
        let r = TeamRow {
            user_id: 1,
            name: "=HYPERLINK(\"x\")".into(),
            email: "a@b.nhs.uk".into(),
            organisation: "Trust".into(),
            cohort: "No cohort".into(),
            percent: 40,
            overdue: vec![ModuleDue {
                title: "Module 1: Intro".into(),
                due: "1 December 2026".into(),
            }],
            due_soon: vec![],
            certificate: "Not yet earned",
            certificate_expires: String::new(),
            plan: PLAN_NOT_SUBMITTED,
        };
        let rec = csv_record(&r);
        assert!(!rec[0].starts_with('='), "{}", rec[0]);
        assert_eq!(rec[5], "Module 1: Intro (due 1 December 2026)");
        assert_eq!(rec[9], "Not submitted");
        assert_eq!(rec.len(), CSV_HEADER.len());
    }
}
