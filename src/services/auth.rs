//! Accounts: registration, authentication and platform admins.
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter,
    SqlErr, TransactionTrait,
};
use secrecy::SecretString;
use tokio::sync::Semaphore;

use crate::clock::Clock;
use crate::domain::{DisplayName, Email, NewPassword};
use crate::entities::users;
use crate::services::{passwords, progress};

/// Argon2 is CPU-bound: at most this many hashes run at once, so logins never starve page requests.
static HASHING: Semaphore = Semaphore::const_new(2);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Learner,
    PlatformAdmin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Learner => "learner",
            Self::PlatformAdmin => "platform_admin",
        }
    }
}

pub struct NewAccount {
    pub email: Email,
    pub name: DisplayName,
    pub password: NewPassword,
}

#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    #[error("an account with this e-mail address already exists")]
    EmailTaken,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// The account's id when there is one, for the audit log only: never shown.
    #[error("invalid credentials")]
    InvalidCredentials { user_id: Option<i32> },
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

async fn off_thread<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> anyhow::Result<T> {
    let _permit = HASHING
        .acquire()
        .await
        .map_err(|e| anyhow::anyhow!("hashing pool closed: {e}"))?;
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| anyhow::anyhow!("hashing task failed: {e}"))
}

/// Hashes a password off the async workers.
///
/// # Errors
/// Only if hashing fails.
pub async fn hash_password(password: SecretString) -> anyhow::Result<String> {
    off_thread(move || passwords::hash(&password)).await?
}

/// Checks a logged-in user's password against their stored hash, off the async workers.
///
/// # Errors
/// Only if the hashing pool fails.
pub async fn password_matches(stored_hash: String, password: SecretString) -> anyhow::Result<bool> {
    off_thread(move || passwords::verify(&password, Some(&stored_hash))).await
}

/// Creates an account (and the learner's enrolment) in one transaction.
///
/// # Errors
/// `EmailTaken` when the (normalised) address is already registered.
#[tracing::instrument(skip_all)]
pub async fn register(
    db: &DatabaseConnection,
    clock: &Clock,
    course_slug: &str,
    account: NewAccount,
    role: Role,
) -> Result<users::Model, RegisterError> {
    let hash = hash_password(account.password.into_secret()).await?;
    let now = clock.now();
    let txn = db.begin().await.map_err(anyhow::Error::from)?;
    let inserted = users::ActiveModel {
        email: Set(account.email.as_str().to_string()),
        name: Set(account.name.as_str().to_string()),
        password_hash: Set(hash),
        role: Set(role.as_str().to_string()),
        created_at: Set(now),
        disabled_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await;
    let user = match inserted {
        Ok(u) => u,
        Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            return Err(RegisterError::EmailTaken);
        }
        Err(e) => return Err(RegisterError::Unexpected(e.into())),
    };
    progress::enrol(&txn, course_slug, user.id, now)
        .await
        .map_err(anyhow::Error::from)?;
    txn.commit().await.map_err(anyhow::Error::from)?;
    Ok(user)
}

/// Checks an e-mail and password. Unknown e-mail, wrong password and disabled account look the same,
/// and take the same time (a dummy hash is checked when there is no account).
///
/// # Errors
/// `InvalidCredentials` for any of those.
#[tracing::instrument(skip_all)]
pub async fn authenticate(
    db: &DatabaseConnection,
    email: &str,
    password: SecretString,
) -> Result<users::Model, AuthError> {
    let user = match Email::parse(email) {
        Ok(email) => users::Entity::find()
            .filter(users::Column::Email.eq(email.as_str()))
            .one(db)
            .await
            .map_err(anyhow::Error::from)?,
        Err(_) => None,
    };
    let stored = user.as_ref().map(|u| u.password_hash.clone());
    let (ok, rehash) = off_thread(move || {
        let ok = passwords::verify(&password, stored.as_deref());
        let weak = ok && stored.as_deref().is_some_and(passwords::needs_rehash);
        let rehash = if weak {
            passwords::hash(&password).ok()
        } else {
            None
        };
        (ok, rehash)
    })
    .await?;
    let known = user.as_ref().map(|u| u.id);
    let Some(user) = user.filter(|u| ok && u.disabled_at.is_none()) else {
        return Err(AuthError::InvalidCredentials { user_id: known });
    };
    if let Some(new_hash) = rehash {
        let mut active: users::ActiveModel = user.clone().into();
        active.password_hash = Set(new_hash);
        active.update(db).await.map_err(anyhow::Error::from)?;
    }
    Ok(user)
}

/// Finds a user by id.
///
/// # Errors
/// When the database fails.
pub async fn find_user(
    db: &DatabaseConnection,
    id: i32,
) -> Result<Option<users::Model>, sea_orm::DbErr> {
    users::Entity::find_by_id(id).one(db).await
}

/// Finds a user by (normalised) e-mail.
///
/// # Errors
/// When the database fails.
pub async fn find_by_email(
    db: &DatabaseConnection,
    email: &Email,
) -> Result<Option<users::Model>, sea_orm::DbErr> {
    users::Entity::find()
        .filter(users::Column::Email.eq(email.as_str()))
        .one(db)
        .await
}
