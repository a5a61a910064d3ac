//! The confidence self-assessment: ratings per phase, skips, and when the "after" rating opens.
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, TransactionTrait, sea_query::OnConflict,
};

use crate::course::Course;
use crate::domain::confidence::{Phase, Rating};
use crate::entities::{confidence_ratings, confidence_skips};
use crate::services::progress::ModuleStatus;

/// One phase as the learner stands in it.
#[derive(Debug, Clone, Default)]
pub struct PhaseRecord {
    /// Ratings by statement id.
    pub ratings: HashMap<String, Rating>,
    pub rated_at: Option<DateTime<Utc>>,
    pub skipped: bool,
}

impl PhaseRecord {
    pub fn done(&self) -> bool {
        !self.ratings.is_empty()
    }
}

/// Both phases of a learner's self-assessment.
#[derive(Debug, Clone, Default)]
pub struct ConfidenceRecord {
    pub before: PhaseRecord,
    pub after: PhaseRecord,
}

impl ConfidenceRecord {
    pub fn phase(&self, phase: Phase) -> &PhaseRecord {
        match phase {
            Phase::Before => &self.before,
            Phase::After => &self.after,
        }
    }

    fn phase_mut(&mut self, phase: Phase) -> &mut PhaseRecord {
        match phase {
            Phase::Before => &mut self.before,
            Phase::After => &mut self.after,
        }
    }
}

/// A learner's ratings and skips.
///
/// # Errors
/// When the database fails.
pub async fn record(db: &impl ConnectionTrait, user_id: i32) -> Result<ConfidenceRecord, DbErr> {
    let mut out = ConfidenceRecord::default();
    let rows = confidence_ratings::Entity::find()
        .filter(confidence_ratings::Column::UserId.eq(user_id))
        .all(db)
        .await?;
    for row in rows {
        let (Some(phase), Some(rating)) =
            (Phase::parse(&row.phase), Rating::from_stored(row.rating))
        else {
            continue;
        };
        let p = out.phase_mut(phase);
        p.rated_at = p.rated_at.max(Some(row.rated_at));
        p.ratings.insert(row.statement_id, rating);
    }
    let skips = confidence_skips::Entity::find()
        .filter(confidence_skips::Column::UserId.eq(user_id))
        .all(db)
        .await?;
    for skip in skips {
        if let Some(phase) = Phase::parse(&skip.phase) {
            out.phase_mut(phase).skipped = true;
        }
    }
    Ok(out)
}

/// The "after" rating opens once the last module is complete (its stored progress says so).
pub fn after_is_open(course: &Course, statuses: &[ModuleStatus]) -> bool {
    !course.modules.is_empty()
        && statuses.len() == course.modules.len()
        && statuses.last().is_some_and(|s| s.completed)
}

/// Whether the "after" rating is open for this learner.
///
/// # Errors
/// When the database fails.
pub async fn after_open_for(
    db: &impl ConnectionTrait,
    course: &Course,
    user_id: i32,
) -> Result<bool, DbErr> {
    let statuses = crate::services::progress::module_statuses(db, course, user_id).await?;
    Ok(after_is_open(course, &statuses))
}

/// Stores one phase's ratings in one transaction; rating again overwrites.
///
/// # Errors
/// When the database fails (nothing is saved).
#[tracing::instrument(skip_all, fields(user_id, phase = phase.as_str()))]
pub async fn save(
    db: &DatabaseConnection,
    user_id: i32,
    phase: Phase,
    ratings: &[(String, Rating)],
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let txn = db.begin_with_options(crate::db::WRITE).await?;
    for (statement_id, rating) in ratings {
        confidence_ratings::Entity::insert(confidence_ratings::ActiveModel {
            user_id: Set(user_id),
            phase: Set(phase.as_str().to_string()),
            statement_id: Set(statement_id.clone()),
            rating: Set(i32::from(rating.value())),
            rated_at: Set(now),
            ..Default::default()
        })
        .on_conflict(
            OnConflict::columns([
                confidence_ratings::Column::UserId,
                confidence_ratings::Column::Phase,
                confidence_ratings::Column::StatementId,
            ])
            .update_columns([
                confidence_ratings::Column::Rating,
                confidence_ratings::Column::RatedAt,
            ])
            .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
    }
    txn.commit().await
}

/// Records that the learner chose not to rate this phase, so it is not offered again (idempotent).
///
/// # Errors
/// When the database fails.
#[tracing::instrument(skip_all, fields(user_id, phase = phase.as_str()))]
pub async fn skip(
    db: &impl ConnectionTrait,
    user_id: i32,
    phase: Phase,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    confidence_skips::Entity::insert(confidence_skips::ActiveModel {
        user_id: Set(user_id),
        phase: Set(phase.as_str().to_string()),
        skipped_at: Set(now),
        ..Default::default()
    })
    .on_conflict_do_nothing_on([
        confidence_skips::Column::UserId,
        confidence_skips::Column::Phase,
    ])
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Below this many learners answering both before and after, a statement's figures are not shown
/// to admins (small-number suppression).
pub const SUPPRESS_BELOW: usize = 5;

/// One statement's confidence gain across an organisation's learners.
#[derive(Debug, Clone)]
pub struct Gain {
    pub statement_id: String,
    /// Learners who rated it both before and after.
    pub answered: usize,
    /// How many of them rated it higher after than before.
    pub more_confident: usize,
}

impl Gain {
    /// The share "more confident", or `None` when too few answered to show it.
    pub fn percent(&self) -> Option<usize> {
        (self.answered >= SUPPRESS_BELOW).then(|| self.more_confident * 100 / self.answered)
    }
}

/// Confidence gain per statement for an organisation's members (optionally one cohort), from
/// the report counts the database keeps as ratings and memberships change (the report must stay
/// fast for a hundred thousand learners).
///
/// # Errors
/// When the database fails.
pub async fn org_gain(
    db: &impl ConnectionTrait,
    course: &Course,
    org_id: i32,
    cohort: Option<i32>,
) -> Result<Vec<Gain>, DbErr> {
    let counts = crate::services::reports::counts(db, org_id, cohort).await?;
    Ok(gains_from(course, &counts))
}

/// [`org_gain`] from report counts already read.
pub fn gains_from(course: &Course, rows: &[crate::services::reports::CountRow]) -> Vec<Gain> {
    let mut counts: HashMap<&str, (usize, usize)> = HashMap::new();
    for r in rows {
        if r.kind == "confidence" {
            let e = counts.entry(r.item.as_str()).or_default();
            e.0 += usize::try_from(r.a).unwrap_or(0);
            e.1 += usize::try_from(r.b).unwrap_or(0);
        }
    }
    course
        .confidence
        .iter()
        .map(|s| {
            let (answered, more_confident) = counts.get(s.id.as_str()).copied().unwrap_or((0, 0));
            Gain {
                statement_id: s.id.clone(),
                answered,
                more_confident,
            }
        })
        .collect()
}
