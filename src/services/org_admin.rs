//! What an org admin does to their organisation, one use case each: every change runs in one
//! transaction with its audit row inside it, so a change is never committed without its record.
use chrono::{DateTime, Duration, Utc};
use sea_orm::{DatabaseConnection, DbErr, TransactionTrait};

use crate::clock::Clock;
use crate::domain::import::{EmployeeNumber, ImportRow, MemberRole};
use crate::entities::{cohorts, org_members};
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
    /// Each module stays locked until its release date (weekly cohorts only).
    pub lock_modules: bool,
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
    let c = if cohort.lock_modules && cohort.weekly {
        orgs::set_lock_modules(&txn, who.org_id, c.id, true).await?;
        cohorts::Model {
            lock_modules: true,
            ..c
        }
    } else {
        c
    };
    txn.commit().await?;
    Ok(c)
}

/// Locks a cohort's modules until their release dates, or lets its learners open them early.
/// False when the cohort is not the organisation's.
///
/// # Errors
/// When the database fails.
pub async fn set_cohort_lock(
    db: &DatabaseConnection,
    clock: &Clock,
    who: &OrgActor,
    cohort_id: i32,
    lock: bool,
) -> Result<bool, DbErr> {
    let txn = db.begin_with_options(crate::db::WRITE).await?;
    if !orgs::set_lock_modules(&txn, who.org_id, cohort_id, lock).await? {
        return Ok(false);
    }
    let action = if lock {
        AuditAction::CohortModulesLocked
    } else {
        AuditAction::CohortModulesUnlocked
    };
    let event = who.actor.event_on(
        action,
        format!("org:{}", who.org_id),
        Some(format!("cohort:{cohort_id}")),
    );
    audit::record(&txn, clock, event).await?;
    txn.commit().await?;
    Ok(true)
}

/// Sets the organisation's time zone (an IANA name the caller has checked).
///
/// # Errors
/// When the database fails.
pub async fn set_time_zone(
    db: &DatabaseConnection,
    clock: &Clock,
    who: &OrgActor,
    zone: &str,
) -> Result<(), DbErr> {
    let txn = db.begin_with_options(crate::db::WRITE).await?;
    orgs::set_time_zone(&txn, who.org_id, zone).await?;
    let detail = format!("time_zone:{zone}");
    audit::record(
        &txn,
        clock,
        who.event(AuditAction::OrgTimeZoneChanged, detail),
    )
    .await?;
    txn.commit().await
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

/// Moves several members to one cohort of the organisation (or none), in one transaction with
/// an audit row per person. People who are not members are skipped; returns how many moved.
///
/// # Errors
/// `NoSuchCohort` when the cohort is not the organisation's; database failures.
pub async fn move_members(
    db: &DatabaseConnection,
    clock: &Clock,
    who: &OrgActor,
    members: &[i32],
    cohort: Option<i32>,
) -> Result<usize, OrgError> {
    let txn = db.begin_with_options(crate::db::WRITE).await?;
    if let Some(c) = cohort
        && orgs::cohort(&txn, who.org_id, c).await?.is_none()
    {
        return Err(OrgError::NoSuchCohort);
    }
    let mut moved = 0;
    for member in members {
        if orgs::set_cohort(&txn, who.org_id, *member, cohort).await? {
            let detail = format!(
                "user:{member} cohort:{}",
                cohort.map_or("none".into(), |c| c.to_string())
            );
            audit::record(&txn, clock, who.event(AuditAction::MemberMoved, detail)).await?;
            moved += 1;
        }
    }
    txn.commit().await?;
    Ok(moved)
}

/// A leaver leaves the organisation; their records stay. Returns the membership that was removed
/// (for an undo), or `None` when they were not a member.
///
/// # Errors
/// When the database fails.
pub async fn remove_member(
    db: &DatabaseConnection,
    clock: &Clock,
    who: &OrgActor,
    member: i32,
) -> Result<Option<org_members::Model>, DbErr> {
    let txn = db.begin_with_options(crate::db::WRITE).await?;
    let Some(was) = orgs::member(&txn, who.org_id, member).await? else {
        return Ok(None);
    };
    if !orgs::remove_member(&txn, who.org_id, member).await? {
        return Ok(None);
    }
    let detail = format!("user:{member}");
    audit::record(&txn, clock, who.event(AuditAction::MemberRemoved, detail)).await?;
    txn.commit().await?;
    Ok(Some(was))
}

/// Undoes a removal: the person rejoins with the role and cohort they had (the caller has checked
/// the signed undo). False when they are a member again already.
///
/// # Errors
/// When the database fails.
pub async fn restore_member(
    db: &DatabaseConnection,
    clock: &Clock,
    who: &OrgActor,
    member: i32,
    role: MemberRole,
    cohort: Option<i32>,
) -> Result<bool, DbErr> {
    let txn = db.begin_with_options(crate::db::WRITE).await?;
    if orgs::is_member(&txn, who.org_id, member).await? {
        return Ok(false);
    }
    let cohort = match cohort {
        Some(c) => orgs::cohort(&txn, who.org_id, c).await?.map(|c| c.id),
        None => None,
    };
    orgs::add_member(&txn, who.org_id, member, role, cohort, clock.now()).await?;
    let detail = format!("user:{member}");
    audit::record(&txn, clock, who.event(AuditAction::MemberRestored, detail)).await?;
    txn.commit().await?;
    Ok(true)
}

/// Why an activation e-mail was not sent again.
#[derive(Debug)]
pub enum ResendRefused {
    /// Not a member of this organisation, or already activated.
    NotPending,
    /// The last activation e-mail went less than [`RESEND_MINUTES`] ago.
    TooSoon {
        next: DateTime<Utc>,
    },
    Db(DbErr),
    Other(anyhow::Error),
}

impl From<DbErr> for ResendRefused {
    fn from(e: DbErr) -> Self {
        Self::Db(e)
    }
}

/// An activation e-mail is sent again at most once in this many minutes per person.
pub const RESEND_MINUTES: i64 = 15;

/// Sends a member who has not yet activated a new activation link through the outbox (earlier
/// links stop working), in one transaction with its audit row. Rate-limited per person.
///
/// # Errors
/// See [`ResendRefused`].
pub async fn resend_activation(
    db: &DatabaseConnection,
    clock: &Clock,
    who: &OrgActor,
    member: i32,
    mail: &orgs::ActivationMail<'_>,
) -> Result<String, ResendRefused> {
    let now = clock.now();
    let txn = db.begin_with_options(crate::db::WRITE).await?;
    if !orgs::is_member(&txn, who.org_id, member).await? {
        return Err(ResendRefused::NotPending);
    }
    let sent = orgs::resend_activation(&txn, member, now, Duration::minutes(RESEND_MINUTES), mail)
        .await
        .map_err(|e| match e {
            orgs::ResendError::NotPending => ResendRefused::NotPending,
            orgs::ResendError::TooSoon(next) => ResendRefused::TooSoon { next },
            orgs::ResendError::Db(e) => ResendRefused::Db(e),
            orgs::ResendError::Other(e) => ResendRefused::Other(e),
        })?;
    let detail = format!("user:{member}");
    audit::record(
        &txn,
        clock,
        who.event(AuditAction::ActivationResent, detail),
    )
    .await?;
    txn.commit().await?;
    Ok(sent)
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
        "days:{} max_uses:{}",
        invitation.days,
        invitation.max_uses.map_or("any".into(), |m| m.to_string())
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

/// The same import run from the command line (`deepdive import-users`): no person acts, so the
/// audit row names the command line.
///
/// # Errors
/// When the database fails or a message does not render.
pub async fn import_from_command_line(
    db: &DatabaseConnection,
    clock: &Clock,
    org_id: i32,
    course_slug: &str,
    cohort: Option<i32>,
    rows: &[ImportRow],
    mail: Option<&orgs::ActivationMail<'_>>,
) -> Result<Vec<Imported>, OrgError> {
    let txn = db.begin_with_options(crate::db::WRITE).await?;
    let now = clock.now();
    let done = orgs::import_in(&txn, course_slug, org_id, cohort, rows, now, mail).await?;
    let event = audit::AuditEvent {
        actor: None,
        action: AuditAction::OrgImported,
        target: Some(format!("org:{org_id}")),
        detail: Some(format!("{} people, from the command line", done.len())),
        ip: None,
    };
    audit::record(&txn, clock, event).await?;
    txn.commit().await?;
    Ok(done)
}

/// The organisation's cohorts and invitation links, for the page that manages them.
///
/// # Errors
/// When the database fails.
pub async fn cohorts_and_invitations(
    db: &DatabaseConnection,
    org_id: i32,
) -> Result<
    (
        Vec<cohorts::Model>,
        Vec<crate::entities::invitations::Model>,
    ),
    DbErr,
> {
    futures_util::future::try_join(
        orgs::cohorts_of(db, org_id),
        orgs::invitations_of(db, org_id),
    )
    .await
}
