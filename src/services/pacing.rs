//! Weekly pacing as the learner sees it: module n opens n-1 weeks after the cohort's start date
//! and is due a week after it opens (the original five-week workshop series). Dates are calendar
//! dates where the organisation is: a module due on 1 December is overdue from 2 December.
use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;

use crate::course::Course;
use crate::entities::cohorts;
use crate::local_time;

/// One module's dates in a weekly cohort, and where the learner stands against them today.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleDates {
    pub opens_on: NaiveDate,
    pub due_on: NaiveDate,
    pub open: bool,
    /// Past its due date (only meaningful when the module is not completed).
    pub past_due: bool,
    /// Not open yet, in a cohort that locks its modules until their release date.
    pub locked: bool,
}

/// The cohort's start date, as the course lead typed it.
pub fn start_date(cohort: &cohorts::Model) -> NaiveDate {
    cohort.starts_on.date_naive()
}

/// The day module `number` (from 1) opens: `number - 1` weeks after the start.
pub fn opens_on(cohort: &cohorts::Model, number: usize) -> NaiveDate {
    start_date(cohort) + Duration::weeks(i64::try_from(number).unwrap_or(1) - 1)
}

/// The day module `number` (from 1) is due: a week after it opens.
pub fn due_on(cohort: &cohorts::Model, number: usize) -> NaiveDate {
    start_date(cohort) + Duration::weeks(i64::try_from(number).unwrap_or(1))
}

/// Whether a module due on `due_on` is overdue at `now` where the organisation is: only once the
/// whole due date is over there. The learner's pages, the report and the reminders all use this.
pub fn past_due(due_on: NaiveDate, now: DateTime<Utc>, tz: Tz) -> bool {
    local_time::local_date(now, tz) > due_on
}

/// Whether a module opening on `opens_on` is open at `now` where the organisation is.
pub fn has_opened(opens_on: NaiveDate, now: DateTime<Utc>, tz: Tz) -> bool {
    local_time::local_date(now, tz) >= opens_on
}

/// Each module's dates, or `None` for every module when the cohort is self-paced (or none).
pub fn schedule(
    course: &Course,
    cohort: Option<&cohorts::Model>,
    now: DateTime<Utc>,
    tz: Tz,
) -> Vec<Option<ModuleDates>> {
    course
        .modules
        .iter()
        .map(|m| module_dates(cohort, m.number, now, tz))
        .collect()
}

/// Module `number`'s dates in `cohort`, or `None` when the cohort is self-paced (or none).
pub fn module_dates(
    cohort: Option<&cohorts::Model>,
    number: usize,
    now: DateTime<Utc>,
    tz: Tz,
) -> Option<ModuleDates> {
    let cohort = cohort.filter(|c| c.pacing == "weekly")?;
    let opens_on = opens_on(cohort, number);
    let due_on = due_on(cohort, number);
    let open = has_opened(opens_on, now, tz);
    Some(ModuleDates {
        opens_on,
        due_on,
        open,
        past_due: past_due(due_on, now, tz),
        locked: !open && cohort.lock_modules,
    })
}

/// Whether a due instant (stored as midnight UTC of its due date) has passed where the
/// organisation is: only once its whole due date is over there.
pub fn overdue(due: DateTime<Utc>, now: DateTime<Utc>, tz: Tz) -> bool {
    past_due(due.date_naive(), now, tz)
}

/// The day `module` opens for this learner when their cohort locks it until then and it is not
/// open yet; `None` when they can open it.
///
/// # Errors
/// When the database fails.
pub async fn locked_until(
    db: &impl sea_orm::ConnectionTrait,
    cached: Option<&crate::services::session_cache::CachedSession>,
    user_id: i32,
    module_number: usize,
    now: DateTime<Utc>,
) -> Result<Option<NaiveDate>, sea_orm::DbErr> {
    let lc = cohort_of(db, cached, user_id).await?;
    let dates = module_dates(
        lc.as_ref().and_then(|l| l.cohort.as_ref()),
        module_number,
        now,
        zone_of(lc.as_ref()),
    );
    Ok(dates.filter(|d| d.locked).map(|d| d.opens_on))
}

/// The learner's cohort ([`learner_cohort`] with no organisation named), from the session cache's
/// entry when it has it, else read and kept there.
///
/// # Errors
/// When the database fails.
pub async fn cohort_of(
    db: &impl sea_orm::ConnectionTrait,
    cached: Option<&crate::services::session_cache::CachedSession>,
    user_id: i32,
) -> Result<Option<LearnerCohort>, sea_orm::DbErr> {
    if let Some(c) = cached.filter(|c| c.user.id == user_id)
        && let Some(lc) = c.cohort()
    {
        return Ok(lc.clone());
    }
    let lc = learner_cohort(db, user_id, None).await?;
    if let Some(c) = cached.filter(|c| c.user.id == user_id) {
        c.keep_cohort(lc.clone());
    }
    Ok(lc)
}

/// The time zone of organisation `org_id` (Europe/London when it has none or is gone).
///
/// # Errors
/// When the database fails.
pub async fn org_zone(
    db: &impl sea_orm::ConnectionTrait,
    org_id: i32,
) -> Result<Tz, sea_orm::DbErr> {
    use sea_orm::EntityTrait;
    let org = crate::entities::organisations::Entity::find_by_id(org_id)
        .one(db)
        .await?;
    Ok(org.map_or(chrono_tz::Europe::London, |o| {
        local_time::zone(&o.time_zone)
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_module_due_on_1_december_is_not_overdue_at_7am_that_day_but_is_the_next_morning() {
        let due = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
        let london = local_time::zone("Europe/London");
        let morning = Utc.with_ymd_and_hms(2026, 12, 1, 7, 2, 0).unwrap();
        let last_minute = Utc.with_ymd_and_hms(2026, 12, 1, 23, 59, 0).unwrap();
        let next_day = Utc.with_ymd_and_hms(2026, 12, 2, 0, 1, 0).unwrap();
        assert!(!overdue(due, morning, london));
        assert!(!overdue(due, last_minute, london));
        assert!(overdue(due, next_day, london));
    }

    #[test]
    fn in_summer_time_the_day_ends_at_11pm_utc_in_london() {
        let due = Utc.with_ymd_and_hms(2026, 7, 1, 0, 0, 0).unwrap();
        let london = local_time::zone("Europe/London");
        let late = Utc.with_ymd_and_hms(2026, 7, 1, 22, 59, 0).unwrap();
        let after_midnight_bst = Utc.with_ymd_and_hms(2026, 7, 1, 23, 1, 0).unwrap();
        assert!(!overdue(due, late, london));
        assert!(overdue(due, after_midnight_bst, london));
    }
}

/// A learner's organisation and cohort (the one with a cohort, most recently joined, when they
/// belong to several), and its time zone.
#[derive(Debug, Clone)]
pub struct LearnerCohort {
    pub org: crate::entities::organisations::Model,
    pub cohort: Option<cohorts::Model>,
}

impl LearnerCohort {
    pub fn zone(&self) -> Tz {
        local_time::zone(&self.org.time_zone)
    }
}

/// The time zone for a learner's dates: their organisation's, else Europe/London.
pub fn zone_of(cohort: Option<&LearnerCohort>) -> Tz {
    cohort.map_or(chrono_tz::Europe::London, LearnerCohort::zone)
}

/// The time zone for a person's dates on pages with no organisation in hand (quiz review, account,
/// plan, certificate): their organisation's (the one `learner_cohort` picks), else Europe/London.
///
/// # Errors
/// When the database fails.
pub async fn user_zone(
    db: &impl sea_orm::ConnectionTrait,
    user_id: i32,
) -> Result<Tz, sea_orm::DbErr> {
    Ok(zone_of(learner_cohort(db, user_id, None).await?.as_ref()))
}

/// The learner's organisation and cohort; `only_org` limits it to one organisation (by its slug).
///
/// # Errors
/// When the database fails.
pub async fn learner_cohort(
    db: &impl sea_orm::ConnectionTrait,
    user_id: i32,
    only_org: Option<&str>,
) -> Result<Option<LearnerCohort>, sea_orm::DbErr> {
    use crate::entities::{org_members, organisations};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    let mut memberships = org_members::Entity::find()
        .filter(org_members::Column::UserId.eq(user_id))
        .order_by_desc(org_members::Column::JoinedAt)
        .order_by_desc(org_members::Column::Id)
        .all(db)
        .await?;
    // Those in a cohort first (the sort is stable, so the newest stays first in each group).
    memberships.sort_by_key(|m| m.cohort_id.is_none());
    for m in memberships {
        let Some(org) = organisations::Entity::find_by_id(m.org_id).one(db).await? else {
            continue;
        };
        if only_org.is_some_and(|slug| slug != org.slug) {
            continue;
        }
        let cohort = match m.cohort_id {
            Some(id) => cohorts::Entity::find_by_id(id).one(db).await?,
            None => None,
        };
        return Ok(Some(LearnerCohort { org, cohort }));
    }
    Ok(None)
}
