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

/// The same from the command line (`deepdive create-org`): no person acts, so the audit row says so.
///
/// # Errors
/// `SlugTaken` when another organisation has the slug; database failures.
pub async fn create_organisation_from_command_line(
    db: &DatabaseConnection,
    clock: &Clock,
    name: &str,
    slug: &str,
) -> Result<organisations::Model, OrgError> {
    let txn = db.begin_with_options(crate::db::WRITE).await?;
    let org = orgs::create(&txn, name, slug, clock.now()).await?;
    let event = audit::AuditEvent {
        actor: None,
        action: AuditAction::OrgCreated,
        target: Some(format!("org:{}", org.id)),
        detail: Some("created from the command line".into()),
        ip: None,
    };
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

/// What the admin home page shows: certificates matching the search, every organisation and the
/// newest audit entries in words.
pub struct Overview {
    pub certificates: Vec<cert_entity::Model>,
    pub organisations: Vec<organisations::Model>,
    pub audit: Vec<crate::services::audit_words::AuditLine>,
}

/// # Errors
/// When the database fails.
pub async fn overview(
    db: &DatabaseConnection,
    certificate_query: &str,
    limit: u64,
) -> Result<Overview, DbErr> {
    let recent = crate::services::audit_words::AuditFilter {
        limit: 20,
        ..Default::default()
    };
    let (certificates, organisations, audit) = futures_util::future::try_join3(
        certificates::search(db, certificate_query, limit),
        orgs::all(db),
        crate::services::audit_words::search(db, &recent),
    )
    .await?;
    Ok(Overview {
        certificates,
        organisations,
        audit,
    })
}

/// A web address name made from an organisation's name: "Leeds Teaching Hospitals NHS Trust" →
/// `leeds-teaching-hospitals-nhs-trust` (at most 64 characters; letters without accents kept).
pub fn suggest_slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.trim().to_lowercase().chars() {
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let mut out: String = out.chars().take(64).collect();
    while out.ends_with('-') {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_web_address_name_is_suggested_from_the_organisation_name() {
        assert_eq!(
            suggest_slug("Leeds Teaching Hospitals NHS Trust"),
            "leeds-teaching-hospitals-nhs-trust"
        );
        assert_eq!(suggest_slug("  St. Mary's (North) "), "st-mary-s-north");
        assert_eq!(suggest_slug("!!!"), "");
        assert!(orgs::parse_slug(&suggest_slug(&"Trust ".repeat(30))).is_ok());
    }
}
