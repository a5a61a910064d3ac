//! What a platform admin does, one use case each: every change runs in one transaction with its
//! audit row inside it.
use sea_orm::{ColumnTrait, QueryFilter};
use sea_orm::{DatabaseConnection, DbErr, EntityTrait, TransactionTrait, sea_query::Expr};

use crate::clock::Clock;
use crate::domain::import::MemberRole;
use crate::entities::{certificates as cert_entity, organisations, users};
use crate::services::audit::AuditAction;
use crate::services::audit::{self, Actor};
use crate::services::organisations::{self as orgs, OrgError};
use crate::services::{certificates, sessions};

/// Revokes a certificate with the admin's reason (shown on the verify page).
///
/// # Errors
/// When the database fails.
pub async fn revoke_certificate(
    db: &DatabaseConnection,
    clock: &Clock,
    who: &Actor,
    cert: &cert_entity::Model,
    reason: &str,
) -> Result<(), DbErr> {
    let txn = db.begin_with_options(crate::db::WRITE).await?;
    certificates::revoke(&txn, cert, reason, who.user_id, clock.now()).await?;
    let event = who.event_on(
        AuditAction::CertificateRevoked,
        format!("certificate:{}", cert.code),
        Some(reason.to_string()),
    );
    audit::record(&txn, clock, event).await?;
    txn.commit().await
}

/// # Errors
/// `SlugTaken` when another organisation has the slug; database failures.
pub async fn create_organisation(
    db: &DatabaseConnection,
    clock: &Clock,
    who: &Actor,
    name: &str,
    slug: &str,
) -> Result<organisations::Model, OrgError> {
    let txn = db.begin_with_options(crate::db::WRITE).await?;
    let org = orgs::create(&txn, name, slug, clock.now()).await?;
    let event = who.event_on(
        AuditAction::OrgCreated,
        format!("org:{}", org.id),
        Some(org.name.clone()),
    );
    audit::record(&txn, clock, event).await?;
    txn.commit().await?;
    Ok(org)
}

/// Makes an existing account an admin of the organisation.
///
/// # Errors
/// When the database fails.
pub async fn appoint_org_admin(
    db: &DatabaseConnection,
    clock: &Clock,
    who: &Actor,
    org_id: i32,
    user_id: i32,
) -> Result<(), DbErr> {
    let txn = db.begin_with_options(crate::db::WRITE).await?;
    orgs::add_member(
        &txn,
        org_id,
        user_id,
        MemberRole::OrgAdmin,
        None,
        clock.now(),
    )
    .await?;
    let event = who.event_on(
        AuditAction::OrgAdminAppointed,
        format!("org:{org_id}"),
        Some(format!("user:{user_id}")),
    );
    audit::record(&txn, clock, event).await?;
    txn.commit().await
}

/// Disables an account and ends all its sessions. False when there is no such account.
///
/// # Errors
/// When the database fails.
pub async fn disable_user(
    db: &DatabaseConnection,
    clock: &Clock,
    who: &Actor,
    user_id: i32,
) -> Result<bool, DbErr> {
    let txn = db.begin_with_options(crate::db::WRITE).await?;
    let res = users::Entity::update_many()
        .col_expr(users::Column::DisabledAt, Expr::value(clock.now()))
        .filter(users::Column::Id.eq(user_id))
        .exec(&txn)
        .await?;
    if res.rows_affected == 0 {
        return Ok(false);
    }
    sessions::end_all_for_user(&txn, user_id).await?;
    let event = who.event_on(
        AuditAction::AccountDisabled,
        format!("user:{user_id}"),
        None,
    );
    audit::record(&txn, clock, event).await?;
    txn.commit().await?;
    Ok(true)
}
