//! Line managers: who manages whom in an organisation (a relation of its own, not a role), and
//! what a manager sees of their reports. Only people who are still members of the organisation
//! count, on both sides: a manager who leaves sees nothing, and their reports' records stay.
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, TransactionTrait,
};

use crate::clock::Clock;
use crate::course::Course;
use crate::domain::Email;
use crate::entities::{line_managers, org_members, organisations, users};
use crate::services::audit::{self, AuditAction};
use crate::services::org_admin::OrgActor;
use crate::services::reports::{self, LearnerRow};

#[derive(Debug, thiserror::Error)]
pub enum TeamError {
    #[error("that person is not a member of this organisation")]
    NotMember,
    #[error("no member of this organisation has that email address")]
    NoSuchManager,
    #[error("a person cannot be their own line manager")]
    Themselves,
    #[error(transparent)]
    Db(#[from] DbErr),
}

async fn member_ids(db: &impl ConnectionTrait, org_id: i32) -> Result<Vec<i32>, DbErr> {
    Ok(org_members::Entity::find()
        .filter(org_members::Column::OrgId.eq(org_id))
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.user_id)
        .collect())
}

/// Sets (or replaces) `report_id`'s line manager in the organisation, inside the caller's
/// transaction; `None` removes it. Both must be members.
///
/// # Errors
/// See [`TeamError`].
pub async fn set_manager_in(
    txn: &impl ConnectionTrait,
    org_id: i32,
    report_id: i32,
    manager: Option<&Email>,
    now: DateTime<Utc>,
) -> Result<Option<i32>, TeamError> {
    if !crate::services::organisations::is_member(txn, org_id, report_id).await? {
        return Err(TeamError::NotMember);
    }
    line_managers::Entity::delete_many()
        .filter(line_managers::Column::OrgId.eq(org_id))
        .filter(line_managers::Column::ReportId.eq(report_id))
        .exec(txn)
        .await?;
    let Some(email) = manager else {
        return Ok(None);
    };
    let Some(m) = users::Entity::find()
        .filter(users::Column::Email.eq(email.as_str()))
        .one(txn)
        .await?
        .filter(|u| u.disabled_at.is_none())
    else {
        return Err(TeamError::NoSuchManager);
    };
    if !crate::services::organisations::is_member(txn, org_id, m.id).await? {
        return Err(TeamError::NoSuchManager);
    }
    if m.id == report_id {
        return Err(TeamError::Themselves);
    }
    line_managers::Entity::insert(line_managers::ActiveModel {
        org_id: Set(org_id),
        manager_id: Set(m.id),
        report_id: Set(report_id),
        created_at: Set(now),
        ..Default::default()
    })
    .exec_without_returning(txn)
    .await?;
    Ok(Some(m.id))
}

/// An org admin sets or removes a member's line manager; audited in the same transaction.
///
/// # Errors
/// See [`TeamError`].
pub async fn set_manager(
    db: &DatabaseConnection,
    clock: &Clock,
    who: &OrgActor,
    report: &Email,
    manager: Option<&Email>,
) -> Result<(), TeamError> {
    let txn = db.begin_with_options(crate::db::WRITE).await?;
    let report_id = users::Entity::find()
        .filter(users::Column::Email.eq(report.as_str()))
        .one(&txn)
        .await?
        .ok_or(TeamError::NotMember)?
        .id;
    let set = set_manager_in(&txn, who.org_id, report_id, manager, clock.now()).await?;
    let (action, detail) = match set {
        Some(m) => (
            AuditAction::LineManagerSet,
            format!("user:{report_id} manager:user:{m}"),
        ),
        None => (AuditAction::LineManagerRemoved, format!("user:{report_id}")),
    };
    let event = who
        .actor
        .event_on(action, format!("org:{}", who.org_id), Some(detail));
    audit::record(&txn, clock, event).await?;
    txn.commit().await?;
    Ok(())
}

/// Who manages whom in the organisation, as (manager, report) user ids, members only.
///
/// # Errors
/// When the database fails.
pub async fn relations(
    db: &impl ConnectionTrait,
    org_id: i32,
) -> Result<Vec<line_managers::Model>, DbErr> {
    let members = member_ids(db, org_id).await?;
    Ok(line_managers::Entity::find()
        .filter(line_managers::Column::OrgId.eq(org_id))
        .all(db)
        .await?
        .into_iter()
        .filter(|r| members.contains(&r.manager_id) && members.contains(&r.report_id))
        .collect())
}

/// A person in a line-management relation, for the org admins' page.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Person {
    pub name: String,
    pub email: String,
}

/// Who manages whom in the organisation, by the manager's then the report's name.
///
/// # Errors
/// When the database fails.
pub async fn who_manages_whom(
    db: &impl ConnectionTrait,
    org_id: i32,
) -> Result<Vec<(Person, Person)>, DbErr> {
    let rels = relations(db, org_id).await?;
    let mut ids: Vec<i32> = rels
        .iter()
        .flat_map(|r| [r.manager_id, r.report_id])
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let people: std::collections::HashMap<i32, Person> = users::Entity::find()
        .filter(users::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|u| {
            (
                u.id,
                Person {
                    name: u.name,
                    email: u.email,
                },
            )
        })
        .collect();
    let mut out: Vec<(Person, Person)> = rels
        .iter()
        .filter_map(|r| {
            Some((
                people.get(&r.manager_id)?.clone(),
                people.get(&r.report_id)?.clone(),
            ))
        })
        .collect();
    out.sort_by(|a, b| (&a.0.name, &a.1.name).cmp(&(&b.0.name, &b.1.name)));
    Ok(out)
}

/// The line manager of a member of the organisation, when they have one who is still a member.
///
/// # Errors
/// When the database fails.
pub async fn manager_of(
    db: &impl ConnectionTrait,
    org_id: i32,
    user_id: i32,
) -> Result<Option<Person>, DbErr> {
    let Some(rel) = line_managers::Entity::find()
        .filter(line_managers::Column::OrgId.eq(org_id))
        .filter(line_managers::Column::ReportId.eq(user_id))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if !member_ids(db, org_id).await?.contains(&rel.manager_id) {
        return Ok(None);
    }
    Ok(users::Entity::find_by_id(rel.manager_id)
        .one(db)
        .await?
        .map(|u| Person {
            name: u.name,
            email: u.email,
        }))
}

/// Whether this person is anyone's line manager: one indexed look-up, for the header on every page.
///
/// # Errors
/// When the database fails.
pub async fn manages_anyone(db: &impl ConnectionTrait, user_id: i32) -> Result<bool, DbErr> {
    use sea_orm::QuerySelect;
    Ok(line_managers::Entity::find()
        .filter(line_managers::Column::ManagerId.eq(user_id))
        .limit(1)
        .one(db)
        .await?
        .is_some())
}

/// Whether this person manages anyone who is still in the organisation with them.
///
/// # Errors
/// When the database fails.
pub async fn is_manager(db: &impl ConnectionTrait, user_id: i32) -> Result<bool, DbErr> {
    Ok(!teams(db, user_id).await?.is_empty())
}

/// The organisations where this person manages someone, each with their reports' ids.
///
/// # Errors
/// When the database fails.
pub async fn teams(
    db: &impl ConnectionTrait,
    manager_id: i32,
) -> Result<Vec<(organisations::Model, Vec<i32>)>, DbErr> {
    let rows = line_managers::Entity::find()
        .filter(line_managers::Column::ManagerId.eq(manager_id))
        .all(db)
        .await?;
    let mut orgs: Vec<i32> = rows.iter().map(|r| r.org_id).collect();
    orgs.sort_unstable();
    orgs.dedup();
    let mut out = Vec::new();
    for org_id in orgs {
        let members = member_ids(db, org_id).await?;
        if !members.contains(&manager_id) {
            continue;
        }
        let reports: Vec<i32> = rows
            .iter()
            .filter(|r| r.org_id == org_id && members.contains(&r.report_id))
            .map(|r| r.report_id)
            .collect();
        if reports.is_empty() {
            continue;
        }
        if let Some(org) = organisations::Entity::find_by_id(org_id).one(db).await? {
            out.push((org, reports));
        }
    }
    Ok(out)
}

/// One report as their manager sees them: the report row, and their newest certificate.
pub struct TeamMember {
    pub org_name: String,
    pub row: LearnerRow,
    pub certificate: Option<crate::entities::certificates::Model>,
}

/// Everything a manager's `/team` shows: each report's progress, modules, certificate.
///
/// # Errors
/// When the database fails.
pub async fn team_of(
    db: &impl ConnectionTrait,
    course: &Course,
    manager_id: i32,
    now: DateTime<Utc>,
) -> Result<Vec<TeamMember>, DbErr> {
    let mut out = Vec::new();
    for (org, reports) in teams(db, manager_id).await? {
        for row in reports::rows_for(db, course, org.id, &reports, now).await? {
            let certificate = crate::services::certificates::for_user(db, row.user_id)
                .await?
                .into_iter()
                .find(|c| c.revoked_at.is_none());
            out.push(TeamMember {
                org_name: org.name.clone(),
                row,
                certificate,
            });
        }
    }
    Ok(out)
}

/// A line manager with reports behind: how many people, and how many modules overdue in all.
pub struct Behind {
    pub manager: users::Model,
    pub people: usize,
    pub modules: usize,
}

/// Every line manager (active account) whose reports have overdue modules now, counted from the
/// reports' cohorts (weekly pacing, reminders on).
///
/// # Errors
/// When the database fails.
pub async fn overdue_by_manager(
    db: &impl ConnectionTrait,
    course: &Course,
    now: DateTime<Utc>,
) -> Result<Vec<Behind>, DbErr> {
    use crate::services::reports::CellStatus;
    let mut managers: Vec<i32> = line_managers::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.manager_id)
        .collect();
    managers.sort_unstable();
    managers.dedup();
    let mut out = Vec::new();
    for id in managers {
        let Some(manager) = users::Entity::find_by_id(id)
            .one(db)
            .await?
            .filter(|u| u.disabled_at.is_none() && u.anonymised_at.is_none())
        else {
            continue;
        };
        let mut people = 0;
        let mut modules = 0;
        for (org, reports) in teams(db, id).await? {
            let off: Vec<i32> = crate::entities::cohorts::Entity::find()
                .filter(crate::entities::cohorts::Column::OrgId.eq(org.id))
                .filter(crate::entities::cohorts::Column::RemindersOff.eq(true))
                .all(db)
                .await?
                .into_iter()
                .map(|c| c.id)
                .collect();
            for row in reports::rows_for(db, course, org.id, &reports, now).await? {
                if row.cohort_id.is_some_and(|c| off.contains(&c)) {
                    continue;
                }
                let n = row
                    .modules
                    .iter()
                    .filter(|m| m.status == CellStatus::Overdue)
                    .count();
                if n > 0 {
                    people += 1;
                    modules += n;
                }
            }
        }
        if people > 0 {
            out.push(Behind {
                manager,
                people,
                modules,
            });
        }
    }
    Ok(out)
}
