//! The learner's dashboard and module pages: pacing dates, what was joined, lessons still open.
use serde::Serialize;

use crate::local_time;
use crate::services::pacing::{LearnerCohort, ModuleDates};

/// One module's weekly dates as the learner reads them.
#[derive(Serialize, Debug, Default, PartialEq, Eq)]
pub struct PacingView {
    /// "Opens Tuesday 8 December 2026", only while it is not open yet.
    pub opens: Option<String>,
    /// "Due 15 December 2026" (or "Was due …" once past).
    pub due: Option<String>,
    pub not_open_yet: bool,
    pub overdue: bool,
}

pub fn pacing_view(dates: Option<&ModuleDates>, completed: bool) -> PacingView {
    let Some(d) = dates else {
        return PacingView::default();
    };
    let overdue = d.past_due && !completed;
    PacingView {
        opens: (!d.open).then(|| format!("Opens {}", local_time::day_and_date(d.opens_on))),
        due: Some(if overdue {
            format!("Was due {}", local_time::date(d.due_on))
        } else {
            format!("Due {}", local_time::date(d.due_on))
        }),
        not_open_yet: !d.open,
        overdue,
    }
}

/// "Trust A, in the cohort Wave 1".
pub fn org_and_cohort(lc: &LearnerCohort) -> String {
    match &lc.cohort {
        Some(c) => format!("{}, in the cohort {}", lc.org.name, c.name),
        None => lc.org.name.clone(),
    }
}

/// What the dashboard says about the learner's organisation and its pacing.
#[derive(Serialize, Debug, PartialEq, Eq)]
pub struct MembershipView {
    pub org_and_cohort: String,
    /// "One module a week from Tuesday 1 December 2026: each is due a week after it opens."
    pub pacing: Option<String>,
}

pub fn membership_view(lc: &LearnerCohort) -> MembershipView {
    let pacing = lc
        .cohort
        .as_ref()
        .filter(|c| c.pacing == "weekly")
        .map(|c| {
            format!(
                "One module a week from {}: each module is due a week after it opens.",
                local_time::day_and_date(crate::services::pacing::start_date(c))
            )
        });
    MembershipView {
        org_and_cohort: org_and_cohort(lc),
        pacing,
    }
}

/// A lesson opened but not marked as complete, with where it is.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct OpenLesson {
    pub url: String,
    pub label: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn dates(open: bool, past_due: bool) -> ModuleDates {
        ModuleDates {
            opens_on: NaiveDate::from_ymd_opt(2026, 12, 8).unwrap(),
            due_on: NaiveDate::from_ymd_opt(2026, 12, 15).unwrap(),
            open,
            past_due,
        }
    }

    #[test]
    fn a_module_not_open_yet_says_the_day_it_opens_and_its_due_date() {
        let v = pacing_view(Some(&dates(false, false)), false);
        assert_eq!(v.opens.as_deref(), Some("Opens Tuesday 8 December 2026"));
        assert_eq!(v.due.as_deref(), Some("Due 15 December 2026"));
        assert!(v.not_open_yet && !v.overdue);
    }

    #[test]
    fn only_an_unfinished_module_past_its_due_date_is_overdue() {
        assert!(pacing_view(Some(&dates(true, true)), false).overdue);
        let done = pacing_view(Some(&dates(true, true)), true);
        assert!(!done.overdue);
        assert_eq!(done.due.as_deref(), Some("Due 15 December 2026"));
    }

    #[test]
    fn a_self_paced_module_shows_no_dates() {
        assert_eq!(pacing_view(None, false), PacingView::default());
    }
}
