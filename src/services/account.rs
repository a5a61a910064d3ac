//! A learner's own account: name, e-mail address, password and sessions. Every change that needs
//! the current password checks it here, and every change is audited without the values themselves.
use chrono::Duration;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    SqlErr, TransactionTrait, sea_query::Expr,
};
use secrecy::SecretString;

use crate::clock::Clock;
use crate::domain::{DisplayName, Email, NewPassword};
use crate::entities::{audit_log, users};
use crate::services::audit::AuditAction;
use crate::services::audit::{self, Actor};
use crate::services::{auth, sessions};

/// Wrong current passwords allowed per hour on the account pages, against guessing with a stolen session.
pub const REAUTH_FAILURES_PER_HOUR: u64 = 10;
const REAUTH_FAILURE: AuditAction = AuditAction::ReauthFailure;

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("the current password is wrong")]
    WrongPassword,
    #[error("too many wrong passwords")]
    TooManyAttempts,
    #[error("the e-mail address belongs to another account")]
    EmailTaken,
    #[error("no such account")]
    NotFound,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<sea_orm::DbErr> for AccountError {
    fn from(e: sea_orm::DbErr) -> Self {
        Self::Unexpected(anyhow::Error::new(e).context("database error"))
    }
}

/// Checks the password of a logged-in user before a sensitive change. Failures are audited and
/// limited per hour, so a stolen session cannot be used to guess the password.
///
/// # Errors
/// `WrongPassword`, `TooManyAttempts`, or `NotFound` when the account has gone.
pub async fn reauthenticate(
    db: &DatabaseConnection,
    clock: &Clock,
    who: &Actor,
    password: SecretString,
) -> Result<users::Model, AccountError> {
    let recent_failures = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq(REAUTH_FAILURE.as_str()))
        .filter(audit_log::Column::ActorUserId.eq(who.user_id))
        .filter(audit_log::Column::At.gt(clock.now() - Duration::hours(1)))
        .count(db)
        .await?;
    if recent_failures >= REAUTH_FAILURES_PER_HOUR {
        return Err(AccountError::TooManyAttempts);
    }
    let user = users::Entity::find_by_id(who.user_id)
        .one(db)
        .await?
        .filter(|u| u.disabled_at.is_none())
        .ok_or(AccountError::NotFound)?;
    if auth::password_matches(user.password_hash.clone(), password).await? {
        return Ok(user);
    }
    audit::record(db, clock, who.event(REAUTH_FAILURE, None)).await?;
    Err(AccountError::WrongPassword)
}

/// Changes the name shown on pages. Certificates keep the name they were issued with.
///
/// # Errors
/// When the database fails.
#[tracing::instrument(skip_all, fields(user_id = who.user_id))]
pub async fn change_name(
    db: &DatabaseConnection,
    clock: &Clock,
    who: &Actor,
    name: &DisplayName,
) -> Result<(), AccountError> {
    let txn = db.begin_with_options(crate::db::WRITE).await?;
    users::Entity::update_many()
        .col_expr(users::Column::Name, Expr::value(name.as_str()))
        .filter(users::Column::Id.eq(who.user_id))
        .exec(&txn)
        .await?;
    audit::record(&txn, clock, who.event(AuditAction::NameChanged, None)).await?;
    txn.commit().await?;
    Ok(())
}

/// Changes the e-mail address used to log in, after checking the current password.
///
/// # Errors
/// `WrongPassword`/`TooManyAttempts`, or `EmailTaken` when another account has the address (in any case).
#[tracing::instrument(skip_all, fields(user_id = who.user_id))]
pub async fn change_email(
    db: &DatabaseConnection,
    clock: &Clock,
    who: &Actor,
    email: &Email,
    password: SecretString,
) -> Result<(), AccountError> {
    let user = reauthenticate(db, clock, who, password).await?;
    if user.email == email.as_str() {
        return Ok(());
    }
    let txn = db.begin_with_options(crate::db::WRITE).await?;
    let mut active: users::ActiveModel = user.into();
    active.email = Set(email.as_str().to_string());
    match sea_orm::ActiveModelTrait::update(active, &txn).await {
        Ok(_) => {}
        Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            return Err(AccountError::EmailTaken);
        }
        Err(e) => return Err(e.into()),
    }
    audit::record(&txn, clock, who.event(AuditAction::EmailChanged, None)).await?;
    txn.commit().await?;
    Ok(())
}

/// Changes the password after checking the current one, and ends every other session of the
/// account (this one stays logged in). Returns how many sessions were ended.
///
/// # Errors
/// `WrongPassword`/`TooManyAttempts`, or when hashing or the database fails.
#[tracing::instrument(skip_all, fields(user_id = who.user_id))]
pub async fn change_password(
    db: &DatabaseConnection,
    clock: &Clock,
    who: &Actor,
    current: SecretString,
    new: NewPassword,
    current_session: &str,
) -> Result<u64, AccountError> {
    reauthenticate(db, clock, who, current).await?;
    let hash = auth::hash_password(new.into_secret()).await?;
    let txn = db.begin_with_options(crate::db::WRITE).await?;
    users::Entity::update_many()
        .col_expr(users::Column::PasswordHash, Expr::value(hash))
        .filter(users::Column::Id.eq(who.user_id))
        .exec(&txn)
        .await?;
    let ended = sessions::end_others(&txn, who.user_id, current_session).await?;
    audit::record(
        &txn,
        clock,
        who.event(
            AuditAction::PasswordChanged,
            Some(format!("{ended} other session(s) ended")),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(ended)
}

/// Ends one other session of the account, named by its opaque reference. Returns whether one ended.
///
/// # Errors
/// When the database fails.
pub async fn end_session(
    db: &DatabaseConnection,
    clock: &Clock,
    who: &Actor,
    key: &crate::crypto::MacKey,
    reference: &str,
    current_session: &str,
) -> Result<bool, AccountError> {
    let txn = db.begin_with_options(crate::db::WRITE).await?;
    let ended = sessions::end_by_ref(&txn, key, who.user_id, reference, current_session).await?;
    if ended {
        audit::record(&txn, clock, who.event(AuditAction::SessionEnded, None)).await?;
    }
    txn.commit().await?;
    Ok(ended)
}

/// Ends every session of the account except this one. Returns how many ended.
///
/// # Errors
/// When the database fails.
pub async fn end_other_sessions(
    db: &DatabaseConnection,
    clock: &Clock,
    who: &Actor,
    current_session: &str,
) -> Result<u64, AccountError> {
    let txn = db.begin_with_options(crate::db::WRITE).await?;
    let ended = sessions::end_others(&txn, who.user_id, current_session).await?;
    audit::record(
        &txn,
        clock,
        who.event(
            AuditAction::OtherSessionsEnded,
            Some(format!("{ended} session(s) ended")),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(ended)
}

/// Accounts (not erased) whose name or e-mail address contains `query`, newest first; for platform admins.
///
/// # Errors
/// When the database fails.
pub async fn search(
    db: &DatabaseConnection,
    query: &str,
    limit: u64,
) -> Result<Vec<users::Model>, sea_orm::DbErr> {
    use sea_orm::{Condition, QueryOrder, QuerySelect};
    let mut select = users::Entity::find()
        .filter(users::Column::AnonymisedAt.is_null())
        .order_by_desc(users::Column::Id);
    let q = query.trim();
    if !q.is_empty() {
        select = select.filter(
            Condition::any()
                .add(users::Column::Name.contains(q))
                .add(users::Column::Email.contains(q.to_lowercase())),
        );
    }
    select.limit(limit).all(db).await
}
