//! The organisation's progress report page, built from what the services return. Pure: no
//! request, no database, so it can be tested without HTTP.
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use crate::course::Course;
use crate::entities::{cohorts, organisations};
use crate::services::confidence::{Gain, SUPPRESS_BELOW};
use crate::services::organisations::InvitationState;
use crate::services::reports::{CellStatus, Filter, LearnerRow, ModuleGlance, ReportParts};

use crate::services::reports::PER_PAGE;

#[derive(Serialize)]
struct RowView {
    user_id: i32,
    name: String,
    email: String,
    is_lead: bool,
    cohort: Option<String>,
    percent: i32,
    modules_done: String,
    status: String,
    tag: &'static str,
    next_due: Option<String>,
    last_active: String,
    /// Recorded learning time, in words, and in minutes for tools.
    learning: String,
    learning_minutes: u32,
    /// "submitted" or "reviewed": where the plan that counts for the learner stands.
    plan: Option<&'static str>,
}

/// One module of the at-a-glance chart: the four groups with their counts and bar widths.
#[derive(Serialize)]
struct GlanceView {
    number: usize,
    title: String,
    done: i64,
    in_progress: i64,
    not_started: i64,
    overdue: i64,
    /// Bar segments as (x, width) in percent of 100, in the order done, in progress, overdue, not started.
    bars: Vec<BarView>,
    summary: String,
}

#[derive(Serialize)]
struct BarView {
    class: &'static str,
    x: i64,
    width: i64,
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
    weekly: bool,
    lock_modules: bool,
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
                starts: crate::local_time::calendar_day(c.starts_on),
                reminders_on: !c.reminders_off,
                weekly: c.pacing == "weekly",
                lock_modules: c.lock_modules,
            })
            .collect()
    }
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
    learners: i64,
    started: i64,
    completed: i64,
    completion_rate: i64,
    glance: Vec<GlanceView>,
    rows: Vec<RowView>,
    cohorts: Vec<CohortOption>,
    cohort: String,
    sort: &'static str,
    dir: &'static str,
    page: u64,
    pages: u64,
    prev: Option<u64>,
    next: Option<u64>,
    confidence: Vec<GainView>,
    suppress_below: usize,
    /// After a bulk move: what was done.
    notice: Option<Notice>,
}

/// A message at the top of the report after an action.
#[derive(Serialize, Default)]
pub struct Notice {
    pub text: String,
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

pub fn tag_colour(status: CellStatus) -> &'static str {
    match status {
        CellStatus::Completed => "green",
        CellStatus::InProgress => "blue",
        CellStatus::Overdue => "red",
        CellStatus::NotStarted => "grey",
    }
}

/// A calendar date in the report (a due date, stored as midnight UTC of its day): "8 Dec 2026".
pub fn day(d: DateTime<Utc>) -> String {
    crate::local_time::short_date(d.date_naive())
}

/// The one-line status of a learner: not yet activated, finished, overdue (which modules),
/// in progress or not started.
pub fn status_in_words(r: &LearnerRow, course: &Course) -> (String, &'static str) {
    if !r.activated {
        return ("Not yet activated".into(), "grey");
    }
    if r.completed_at.is_some() || r.certificate.is_some() {
        return ("Finished".into(), "green");
    }
    let overdue: Vec<String> = course
        .modules
        .iter()
        .zip(&r.modules)
        .filter(|(_, c)| c.status == CellStatus::Overdue)
        .map(|(m, _)| m.number.to_string())
        .collect();
    match overdue.as_slice() {
        [] if r.percent > 0 || r.modules.iter().any(|c| c.status != CellStatus::NotStarted) => {
            ("In progress".into(), "blue")
        }
        [] => ("Not started".into(), "grey"),
        [one] => (format!("Overdue: module {one}"), "red"),
        many => (format!("Overdue: modules {}", many.join(", ")), "red"),
    }
}

impl ReportPage {
    /// The learners on this page of the report.
    pub fn user_ids(&self) -> Vec<i32> {
        self.rows.iter().map(|r| r.user_id).collect()
    }

    /// Shows where each learner's plan stands ("submitted" or "reviewed"), from `status`.
    #[must_use]
    pub fn with_plan_status(mut self, status: impl Fn(i32) -> Option<&'static str>) -> Self {
        for r in &mut self.rows {
            r.plan = status(r.user_id);
        }
        self
    }
}

/// The next module due that is not done, as "Module 2 due 8 Dec 2026".
pub fn next_due(r: &LearnerRow, course: &Course, now: DateTime<Utc>, tz: Tz) -> Option<String> {
    course
        .modules
        .iter()
        .zip(&r.modules)
        .filter(|(_, c)| c.status != CellStatus::Completed)
        .find_map(|(m, c)| {
            c.due
                .filter(|d| !crate::services::pacing::overdue(*d, now, tz))
                .map(|d| (m, d))
        })
        .map(|(m, d)| format!("Module {} due {}", m.number, day(d)))
}

/// Last active, or "Not yet activated" for someone who never set a password (the stored time is
/// only when they were added, not activity).
pub fn last_active_in_words(r: &LearnerRow, tz: Tz) -> String {
    if !r.activated {
        return "Not yet activated".into();
    }
    r.last_active.map_or_else(
        || "Never".into(),
        |at| crate::local_time::short_date_of(at, tz),
    )
}

fn row(r: LearnerRow, course: &Course, now: DateTime<Utc>, tz: Tz) -> RowView {
    let (status, tag) = status_in_words(&r, course);
    let done = r
        .modules
        .iter()
        .filter(|c| c.status == CellStatus::Completed)
        .count();
    RowView {
        user_id: r.user_id,
        is_lead: r.role == crate::domain::MemberRole::OrgAdmin,
        cohort: r.cohort.clone(),
        percent: r.percent,
        modules_done: format!("{done} of {} modules", r.modules.len()),
        status,
        tag,
        next_due: next_due(&r, course, now, tz),
        last_active: last_active_in_words(&r, tz),
        plan: None,
        learning: r.learning.in_words(),
        learning_minutes: r.learning.0,
        name: r.name,
        email: r.email,
    }
}

fn glance(course: &Course, glance: Vec<ModuleGlance>) -> Vec<GlanceView> {
    course
        .modules
        .iter()
        .zip(glance)
        .map(|(m, g)| {
            let total = g.done + g.in_progress + g.overdue + g.not_started;
            let mut x = 0;
            let bars = [
                ("dd-glance__done", g.done),
                ("dd-glance__progress", g.in_progress),
                ("dd-glance__overdue", g.overdue),
                ("dd-glance__not-started", g.not_started),
            ]
            .into_iter()
            .filter(|(_, n)| *n > 0)
            .map(|(class, n)| {
                let width = rate(n, total);
                let bar = BarView { class, x, width };
                x += width;
                bar
            })
            .collect();
            GlanceView {
                number: m.number,
                title: m.title.clone(),
                summary: format!(
                    "{} done, {} in progress, {} overdue, {} not started",
                    g.done, g.in_progress, g.overdue, g.not_started
                ),
                done: g.done,
                in_progress: g.in_progress,
                not_started: g.not_started,
                overdue: g.overdue,
                bars,
            }
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

/// Where the report is: this filter, this page of `PER_PAGE`, and a notice after an action.
pub struct Position<'a> {
    pub filter: &'a Filter,
    pub page: u64,
    pub notice: Option<Notice>,
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
            glance: raw_glance,
            cohorts,
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
            learners: totals.learners,
            started: totals.started,
            completed: totals.completed,
            completion_rate: rate(totals.completed, totals.learners),
            glance: glance(course, raw_glance),
            rows: rows
                .into_iter()
                .map(|r| row(r, course, at.now, crate::local_time::zone(&org.time_zone)))
                .collect(),
            cohorts: CohortOption::list(&cohorts, at.filter.cohort),
            cohort: at.filter.cohort.map(|c| c.to_string()).unwrap_or_default(),
            sort: at.filter.sort.as_str(),
            dir: if at.filter.descending { "desc" } else { "asc" },
            page,
            pages,
            prev: (page > 1).then(|| page - 1),
            next: (page < pages).then(|| page + 1),
            confidence: gains(course, raw_gains),
            suppress_below: SUPPRESS_BELOW,
            notice: at.notice,
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
