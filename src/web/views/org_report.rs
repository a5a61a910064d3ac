//! The organisation's progress report page, built from what the services return. Pure: no
//! request, no database, so it can be tested without HTTP.
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::course::Course;
use crate::entities::{cohorts, invitations, organisations};
use crate::services::confidence::{Gain, SUPPRESS_BELOW};
use crate::services::organisations::{self as orgs, InvitationState};
use crate::services::reports::{CellStatus, Filter, LearnerRow, ModuleCell, ReportParts, Totals};

use crate::services::reports::PER_PAGE;

#[derive(Serialize)]
struct CellView {
    status: &'static str,
    tag: &'static str,
    percent: i32,
    best_score: Option<i32>,
    due: Option<String>,
}

#[derive(Serialize)]
struct RowView {
    user_id: i32,
    name: String,
    email: String,
    is_admin: bool,
    cohort: Option<String>,
    percent: i32,
    last_active: String,
    certificate: Option<String>,
    modules: Vec<CellView>,
    /// Recorded learning time, in words, and in minutes for tools.
    learning: String,
    learning_minutes: u32,
}

#[derive(Serialize)]
struct ModuleHead {
    number: usize,
    title: String,
    completed: i64,
    in_progress: i64,
    rate: i64,
}

/// A cohort in a drop-down (the report's filter, the import form).
#[derive(Serialize)]
pub struct CohortOption {
    id: i32,
    name: String,
    selected: bool,
    pacing: String,
    starts: String,
    reminders_on: bool,
}

impl CohortOption {
    pub fn list(cohorts: &[cohorts::Model], selected: Option<i32>) -> Vec<Self> {
        cohorts
            .iter()
            .map(|c| CohortOption {
                id: c.id,
                name: c.name.clone(),
                selected: selected == Some(c.id),
                pacing: pacing_in_words(&c.pacing).into(),
                starts: c.starts_on.format("%-d %B %Y").to_string(),
                reminders_on: !c.reminders_off,
            })
            .collect()
    }
}

#[derive(Serialize)]
struct InvitationView {
    id: i32,
    cohort: Option<String>,
    expires: String,
    uses: String,
    state: &'static str,
    open: bool,
}

#[derive(Serialize)]
struct GainView {
    statement: String,
    answered: usize,
    percent: Option<usize>,
    suppressed: bool,
    case_study: Option<String>,
}

#[derive(Serialize)]
pub struct ReportPage {
    slug: String,
    name: String,
    require_admin_mfa: bool,
    learners: i64,
    started: i64,
    completed: i64,
    completion_rate: i64,
    modules: Vec<ModuleHead>,
    rows: Vec<RowView>,
    cohorts: Vec<CohortOption>,
    cohort: String,
    sort: &'static str,
    dir: &'static str,
    page: u64,
    pages: u64,
    prev: Option<u64>,
    next: Option<u64>,
    invitations: Vec<InvitationView>,
    new_invite: Option<String>,
    module_slugs: Vec<(usize, String, String)>,
    confidence: Vec<GainView>,
    suppress_below: usize,
}

/// A whole-number percentage, 0 of nothing.
pub fn rate(part: i64, whole: i64) -> i64 {
    if whole == 0 { 0 } else { part * 100 / whole }
}

pub fn pacing_in_words(pacing: &str) -> &'static str {
    if pacing == "weekly" {
        "One module a week"
    } else {
        "Self-paced"
    }
}

pub fn invitation_state_in_words(state: InvitationState) -> &'static str {
    match state {
        InvitationState::Open => "Open",
        InvitationState::Expired => "Expired",
        InvitationState::UsedUp => "Used up",
        InvitationState::Revoked => "Revoked",
    }
}

fn tag_colour(status: CellStatus) -> &'static str {
    match status {
        CellStatus::Completed => "green",
        CellStatus::InProgress => "blue",
        CellStatus::Overdue => "red",
        CellStatus::NotStarted => "grey",
    }
}

fn cell(c: &ModuleCell) -> CellView {
    CellView {
        status: c.status.label(),
        tag: tag_colour(c.status),
        percent: c.percent,
        best_score: c.best_score,
        due: c.due.map(|d| d.format("%-d %b").to_string()),
    }
}

fn row(r: LearnerRow) -> RowView {
    RowView {
        user_id: r.user_id,
        name: r.name,
        email: r.email,
        is_admin: r.role == "org_admin",
        cohort: r.cohort,
        percent: r.percent,
        last_active: r
            .last_active
            .map_or_else(|| "Never".into(), |d| d.format("%-d %b %Y").to_string()),
        certificate: r.certificate,
        modules: r.modules.iter().map(cell).collect(),
        learning: r.learning.in_words(),
        learning_minutes: r.learning.0,
    }
}

fn invitation(
    i: &invitations::Model,
    cohorts: &[cohorts::Model],
    now: DateTime<Utc>,
) -> InvitationView {
    let state = orgs::invitation_state(i, now);
    InvitationView {
        id: i.id,
        cohort: i
            .cohort_id
            .and_then(|c| cohorts.iter().find(|x| x.id == c))
            .map(|c| c.name.clone()),
        expires: i.expires_at.format("%-d %b %Y").to_string(),
        uses: match i.max_uses {
            Some(m) => format!("{} of {m}", i.uses),
            None => i.uses.to_string(),
        },
        state: invitation_state_in_words(state),
        open: state == InvitationState::Open,
    }
}

fn modules(course: &Course, totals: &Totals) -> Vec<ModuleHead> {
    course
        .modules
        .iter()
        .zip(&totals.modules)
        .map(|(m, t)| ModuleHead {
            number: m.number,
            title: m.title.clone(),
            completed: t.completed,
            in_progress: t.in_progress,
            rate: rate(t.completed, totals.learners),
        })
        .collect()
}

fn gains(course: &Course, gains: Vec<Gain>) -> Vec<GainView> {
    course
        .confidence
        .iter()
        .zip(gains)
        .map(|(s, g)| GainView {
            statement: s.statement.clone(),
            answered: g.answered,
            percent: g.percent(),
            suppressed: g.percent().is_none() && g.answered > 0,
            case_study: s.case_study_percent.map(|p| format!("{p}%")),
        })
        .collect()
}

/// Where the report is: this filter, this page of `PER_PAGE`, and a new invitation link to show once.
pub struct Position<'a> {
    pub filter: &'a Filter,
    pub page: u64,
    pub new_invite: Option<String>,
    pub now: DateTime<Utc>,
}

impl ReportPage {
    pub fn build(
        course: &Course,
        org: &organisations::Model,
        parts: ReportParts,
        at: Position<'_>,
    ) -> Self {
        let ReportParts {
            rows,
            totals,
            cohorts,
            invitations,
            gains: raw_gains,
        } = parts;
        let pages = u64::try_from(totals.learners)
            .unwrap_or(0)
            .div_ceil(PER_PAGE)
            .max(1);
        let page = at.page;
        Self {
            slug: org.slug.clone(),
            name: org.name.clone(),
            require_admin_mfa: org.require_admin_mfa,
            learners: totals.learners,
            started: totals.started,
            completed: totals.completed,
            completion_rate: rate(totals.completed, totals.learners),
            modules: modules(course, &totals),
            rows: rows.into_iter().map(row).collect(),
            cohorts: CohortOption::list(&cohorts, at.filter.cohort),
            cohort: at.filter.cohort.map(|c| c.to_string()).unwrap_or_default(),
            sort: at.filter.sort.as_str(),
            dir: if at.filter.descending { "desc" } else { "asc" },
            page,
            pages,
            prev: (page > 1).then(|| page - 1),
            next: (page < pages).then(|| page + 1),
            invitations: invitations
                .iter()
                .map(|i| invitation(i, &cohorts, at.now))
                .collect(),
            new_invite: at.new_invite,
            module_slugs: course
                .modules
                .iter()
                .map(|m| (m.number, m.slug.clone(), m.title.clone()))
                .collect(),
            confidence: gains(course, raw_gains),
            suppress_below: SUPPRESS_BELOW,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_are_whole_percentages_and_nothing_of_nothing_is_zero() {
        assert_eq!(rate(0, 0), 0);
        assert_eq!(rate(1, 3), 33);
        assert_eq!(rate(3, 3), 100);
    }

    #[test]
    fn pacing_and_invitation_states_are_in_words() {
        assert_eq!(pacing_in_words("weekly"), "One module a week");
        assert_eq!(pacing_in_words("self"), "Self-paced");
        assert_eq!(
            invitation_state_in_words(InvitationState::UsedUp),
            "Used up"
        );
        assert_eq!(tag_colour(CellStatus::Overdue), "red");
    }
}
