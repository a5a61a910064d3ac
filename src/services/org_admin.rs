//! What an org admin does to their organisation, one use case each: every change runs in one
//! transaction with its audit row inside it, so a change is never committed without its record.
use chrono::{DateTime, Utc};
use sea_orm::{DatabaseConnection, DbErr, TransactionTrait};

use crate::clock::Clock;
use crate::domain::import::{EmployeeNumber, ImportRow};
use crate::entities::cohorts;
use crate::services::audit::AuditAction;
use crate::services::audit::{self, Actor, AuditEvent};
use crate::services::organisations::{self as orgs, Imported, OrgError};

/// An org admin acting on one organisation.
#[derive(Debug, Clone)]
pub struct OrgActor {
    pub actor: Actor,
    pub org_id: i32,
}

impl OrgActor {
    fn event(&self, action: AuditAction, detail: String) -> AuditEvent {
        self.actor
            .event_on(action, format!("org:{}", self.org_id), Some(detail))
    }
}

/// A new cohort that the admin has named and dated.
pub struct NewCohort {
    pub name: String,
    pub starts_on: DateTime<Utc>,
    pub weekly: bool,
}

/// A new invitation link's limits.
pub struct NewInvitation {
    pub cohort_id: Option<i32>,
    pub days: i64,
    pub max_uses: Option<i32>,
}

/// The cohort of this organisation that a form names by id ("" for none).
///
/// # Errors
/// `NoSuchCohort` for anything that is not one of the organisation's cohorts; database failures.
pub async fn cohort_in_org(
    db: &DatabaseConnection,
    org_id: i32,
    raw: &str,
) -> Result<Option<i32>, OrgError> {
    if raw.is_empty() {
        return Ok(None);
    }
    let id = raw.parse::<i32>().map_err(|_| OrgError::NoSuchCohort)?;
    let cohort = orgs::cohort(db, org_id, id).await?;
    Ok(Some(cohort.ok_or(OrgError::NoSuchCohort)?.id))
}

/// Records that the admin downloaded the progress report (an export of personal data).
///
/// # Errors
/// When the database fails.
pub async fn record_export(
    db: &DatabaseConnection,
    clock: &Clock,
    who: &OrgActor,
    what: &str,
) -> Result<(), DbErr> {
    audit::record(
        db,
        clock,
        who.event(AuditAction::OrgExported, what.to_string()),
    )
    .await
}

/// Sets or clears a member's employee (assignment) number; false when they are not a member.
///
/// # Errors
/// When the database fails.
pub async fn set_employee_number(
    db: &DatabaseConnection,
    clock: &Clock,
    who: &OrgActor,
    user_id: i32,
    number: Option<&EmployeeNumber>,
) -> Result<bool, DbErr> {
    let txn = db.begin_with_options(crate::db::WRITE).await?;
    let value = number.map(EmployeeNumber::as_str);
    if !orgs::set_employee_number(&txn, who.org_id, user_id, value).await? {
        return Ok(false);
    }
    let detail = format!("user:{user_id} {}", value.unwrap_or("(cleared)"));
    audit::record(
        &txn,
        clock,
        who.event(AuditAction::EmployeeNumberChanged, detail),
    )
    .await?;
    txn.commit().await?;
    Ok(true)
}

/// Turns two-step verification for the organisation's admins on or off.
///
/// # Errors
/// When the database fails.
pub async fn set_security(
    db: &DatabaseConnection,
    clock: &Clock,
    who: &OrgActor,
    require_admin_mfa: bool,
) -> Result<(), DbErr> {
    let txn = db.begin_with_options(crate::db::WRITE).await?;
    orgs::set_require_admin_mfa(&txn, who.org_id, require_admin_mfa).await?;
    let detail = format!("require_admin_mfa={require_admin_mfa}");
    audit::record(
        &txn,
        clock,
        who.event(AuditAction::OrgSecurityChanged, detail),
    )
    .await?;
    txn.commit().await
}

/// # Errors
/// `CohortTaken` when the organisation already has a cohort of that name; database failures.
pub async fn create_cohort(
    db: &DatabaseConnection,
    clock: &Clock,
    who: &OrgActor,
    cohort: &NewCohort,
) -> Result<cohorts::Model, OrgError> {
    let txn = db.begin_with_options(crate::db::WRITE).await?;
    let c = orgs::create_cohort(
        &txn,
        who.org_id,
        &cohort.name,
        cohort.starts_on,
        cohort.weekly,
        clock.now(),
    )
    .await?;
    let detail = format!("cohort:{} {}", c.id, c.name);
    audit::record(&txn, clock, who.event(AuditAction::CohortCreated, detail)).await?;
    txn.commit().await?;
    Ok(c)
}

/// Moves a member to a cohort of the organisation (or none). False when either is not in it.
///
/// # Errors
/// When the database fails.
pub async fn move_member(
    db: &DatabaseConnection,
    clock: &Clock,
    who: &OrgActor,
    member: i32,
    cohort: Option<i32>,
) -> Result<bool, DbErr> {
    let txn = db.begin_with_options(crate::db::WRITE).await?;
    if !orgs::set_cohort(&txn, who.org_id, member, cohort).await? {
        return Ok(false);
    }
    let detail = format!(
        "user:{member} cohort:{}",
        cohort.map_or("none".into(), |c| c.to_string())
    );
    audit::record(&txn, clock, who.event(AuditAction::MemberMoved, detail)).await?;
    txn.commit().await?;
    Ok(true)
}

/// A leaver leaves the organisation; their records stay. False when they were not a member.
///
/// # Errors
/// When the database fails.
pub async fn remove_member(
    db: &DatabaseConnection,
    clock: &Clock,
    who: &OrgActor,
    member: i32,
) -> Result<bool, DbErr> {
    let txn = db.begin_with_options(crate::db::WRITE).await?;
    if !orgs::remove_member(&txn, who.org_id, member).await? {
        return Ok(false);
    }
    let detail = format!("user:{member}");
    audit::record(&txn, clock, who.event(AuditAction::MemberRemoved, detail)).await?;
    txn.commit().await?;
    Ok(true)
}

/// A new invitation link; returns its token (shown once, only its hash is stored).
///
/// # Errors
/// When the database fails or the system has no randomness.
pub async fn create_invitation(
    db: &DatabaseConnection,
    clock: &Clock,
    who: &OrgActor,
    invitation: &NewInvitation,
) -> Result<String, OrgError> {
    let txn = db.begin_with_options(crate::db::WRITE).await?;
    let token = orgs::create_invitation(
        &txn,
        who.org_id,
        invitation.cohort_id,
        who.actor.user_id,
        invitation.days,
        invitation.max_uses,
        clock.now(),
    )
    .await?;
    let detail = format!(
        "days:{} max_uses:{:?}",
        invitation.days, invitation.max_uses
    );
    audit::record(
        &txn,
        clock,
        who.event(AuditAction::InvitationCreated, detail),
    )
    .await?;
    txn.commit().await?;
    Ok(token)
}

/// # Errors
/// When the database fails.
pub async fn revoke_invitation(
    db: &DatabaseConnection,
    clock: &Clock,
    who: &OrgActor,
    id: i32,
) -> Result<(), DbErr> {
    let txn = db.begin_with_options(crate::db::WRITE).await?;
    orgs::revoke_invitation(&txn, who.org_id, id, clock.now()).await?;
    let detail = format!("invitation:{id}");
    audit::record(
        &txn,
        clock,
        who.event(AuditAction::InvitationRevoked, detail),
    )
    .await?;
    txn.commit().await
}

/// Imports every row, or nothing, and records how many people were added.
///
/// # Errors
/// When the database fails or the system has no randomness for activation links.
pub async fn import(
    db: &DatabaseConnection,
    clock: &Clock,
    who: &OrgActor,
    course_slug: &str,
    cohort: Option<i32>,
    rows: &[ImportRow],
    mail: Option<&orgs::ActivationMail<'_>>,
) -> Result<Vec<Imported>, OrgError> {
    let txn = db.begin_with_options(crate::db::WRITE).await?;
    let done = orgs::import_in(
        &txn,
        course_slug,
        who.org_id,
        cohort,
        rows,
        clock.now(),
        mail,
    )
    .await?;
    let detail = format!("{} people", done.len());
    audit::record(&txn, clock, who.event(AuditAction::OrgImported, detail)).await?;
    txn.commit().await?;
    Ok(done)
}
