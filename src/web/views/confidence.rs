//! The confidence self-assessment in words: the dashboard's summary and the case-study figures.
use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use crate::course::{ConfidenceStatement, Course};
use crate::domain::confidence::{self, Phase, Rating, SCALE};
use crate::services::confidence::{self as service, ConfidenceRecord};
use crate::services::progress::ModuleStatus;

pub fn rated_time(at: DateTime<Utc>, tz: Tz) -> String {
    crate::local_time::date_of(at, tz)
}

/// "In the deep dive at University Hospital Southampton, 67% of participants ..." when the course has a figure.
pub fn case_study(s: &ConfidenceStatement) -> Option<String> {
    let measure = s.case_study_measure.as_ref()?;
    let percent = s.case_study_percent?;
    Some(format!(
        "In the University Hospital Southampton deep dive, {percent}% of participants said they felt more confident about {measure} afterwards."
    ))
}

#[derive(Serialize)]
struct ConfidenceRow {
    statement: String,
    before: Option<String>,
    after: Option<String>,
    change: Option<String>,
    case_study: Option<String>,
}

/// What the dashboard shows about the self-assessment.
#[derive(Serialize)]
pub struct ConfidenceSummary {
    saved: bool,
    count: usize,
    rated_any: bool,
    offer_before: bool,
    offer_after: bool,
    after_open: bool,
    before_done: bool,
    after_done: bool,
    before_at: Option<String>,
    after_at: Option<String>,
    rows: Vec<ConfidenceRow>,
}

fn change(before: Option<Rating>, after: Option<Rating>) -> Option<String> {
    let (b, a) = (i16::from(before?.value()), i16::from(after?.value()));
    Some(match a - b {
        0 => "No change".to_string(),
        d if d > 0 => format!("Up {d}"),
        d => format!("Down {}", -d),
    })
}

pub fn summary(
    course: &Course,
    record: &ConfidenceRecord,
    statuses: &[ModuleStatus],
    saved: bool,
    tz: Tz,
) -> ConfidenceSummary {
    let after_open = service::after_is_open(course, statuses);
    let (before, after) = (&record.before, &record.after);
    let rows = course
        .confidence
        .iter()
        .map(|s| {
            let b = before.ratings.get(&s.id).copied();
            let a = after.ratings.get(&s.id).copied();
            ConfidenceRow {
                statement: s.statement.clone(),
                before: b.map(Rating::label),
                after: a.map(Rating::label),
                change: change(b, a),
                case_study: after.done().then(|| case_study(s)).flatten(),
            }
        })
        .collect();
    ConfidenceSummary {
        saved,
        count: course.confidence.len(),
        rated_any: before.done() || after.done(),
        offer_before: !before.done() && !before.skipped,
        offer_after: after_open && !after.done() && !after.skipped,
        after_open,
        before_done: before.done(),
        after_done: after.done(),
        before_at: before.rated_at.map(|at| rated_time(at, tz)),
        after_at: after.rated_at.map(|at| rated_time(at, tz)),
        rows,
    }
}

/// The rating form: one row of five points for each statement.
#[derive(Serialize)]
pub struct ScalePoint {
    pub id: String,
    pub value: u8,
    pub label: String,
    pub checked: bool,
}

#[derive(Serialize)]
pub struct StatementField {
    pub number: usize,
    pub field: String,
    pub first_id: String,
    pub statement: String,
    pub case_study: Option<String>,
    pub points: Vec<ScalePoint>,
    pub error: Option<String>,
}

#[derive(Serialize)]
pub struct FieldLink {
    pub field: String,
    pub message: String,
}

#[derive(Serialize)]
pub struct ConfidencePage {
    pub phase: &'static str,
    pub before: bool,
    pub count: usize,
    pub statements: Vec<StatementField>,
    pub rated_at: Option<String>,
    pub errors: Vec<FieldLink>,
}

/// The rating form for `phase`, with the ratings `given` checked and the statements `missing` a
/// rating flagged (in the error summary and beside each).
pub fn confidence_page(
    course: &Course,
    phase: Phase,
    given: &BTreeMap<String, Rating>,
    missing: &[String],
    rated_at: Option<DateTime<Utc>>,
    tz: Tz,
) -> ConfidencePage {
    let mut errors = Vec::new();
    let statements = course
        .confidence
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let field = confidence::field_name(&s.id);
            let chosen = given.get(&s.id).map(|r| r.value());
            let points: Vec<ScalePoint> = SCALE
                .iter()
                .filter_map(|(n, _)| Rating::parse(&n.to_string()))
                .map(|r| ScalePoint {
                    id: format!("{field}-{}", r.value()),
                    value: r.value(),
                    label: r.label(),
                    checked: chosen == Some(r.value()),
                })
                .collect();
            let first_id = format!("{field}-1");
            let error = missing
                .contains(&s.id)
                .then(|| "Select a rating from 1 to 5".to_string());
            if error.is_some() {
                errors.push(FieldLink {
                    field: first_id.clone(),
                    message: format!("Statement {}: select a rating from 1 to 5", i + 1),
                });
            }
            StatementField {
                number: i + 1,
                field,
                first_id,
                statement: s.statement.clone(),
                case_study: match phase {
                    Phase::After => case_study(s),
                    Phase::Before => None,
                },
                points,
                error,
            }
        })
        .collect();
    ConfidencePage {
        phase: phase.as_str(),
        before: phase == Phase::Before,
        count: course.confidence.len(),
        statements,
        rated_at: rated_at.map(|at| rated_time(at, tz)),
        errors,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_change_is_said_in_words() {
        let r = |n: &str| Rating::parse(n);
        assert_eq!(change(r("2"), r("5")).as_deref(), Some("Up 3"));
        assert_eq!(change(r("4"), r("4")).as_deref(), Some("No change"));
        assert_eq!(change(r("4"), r("3")).as_deref(), Some("Down 1"));
        assert_eq!(change(None, r("3")), None);
    }
}
