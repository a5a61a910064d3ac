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
use crate::services::audit::AuditAction;
use crate::services::audit::{self, AuditEvent};
use crate::services::sessions::{self, Timeouts};
use crate::services::{passwords, progress};

/// Argon2 is CPU-bound: at most half the cores hash at once (one on a two-core machine), so a burst
/// of logins queues for the hashing slots instead of taking every core from the page requests.
static HASHING: std::sync::LazyLock<Semaphore> = std::sync::LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
    Semaphore::new((cores / 2).max(1))
});

pub use crate::domain::roles::Role;

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

/// How an account comes to be, which decides its audit row and whether a session starts.
pub enum Registration<'a> {
    /// Self-service on the web: audited as `account.register` from the client's address, and
    /// logged in at once with a new session (ending any session the browser already had).
    Web {
        ip: Option<String>,
        user_agent: Option<&'a str>,
        timeouts: Timeouts,
        old_session: Option<&'a str>,
    },
    /// By an operator on the command line: audited as `admin.create`; no session.
    CommandLine,
}

/// A new account, and its session token (for the cookie only) when it was registered on the web.
#[derive(Debug)]
pub struct Registered {
    pub user_id: i32,
    pub session_token: Option<String>,
}

/// Creates an account, the learner's enrolment, its audit row and (on the web) its first session,
/// all in one transaction: a failure anywhere leaves no account behind.
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
    how: Registration<'_>,
) -> Result<Registered, RegisterError> {
    let hash = hash_password(account.password.into_secret()).await?;
    let now = clock.now();
    let txn = db
        .begin_with_options(crate::db::WRITE)
        .await
        .map_err(anyhow::Error::from)?;
    let inserted = users::ActiveModel {
        email: Set(account.email.as_str().to_string()),
        name: Set(account.name.as_str().to_string()),
        password_hash: Set(hash),
        role: Set(role),
        created_at: Set(now),
        disabled_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await;
    let user_id = match inserted {
        Ok(u) => u.id,
        Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            return Err(RegisterError::EmailTaken);
        }
        Err(e) => return Err(RegisterError::Unexpected(e.into())),
    };
    progress::enrol(&txn, course_slug, user_id, now)
        .await
        .map_err(anyhow::Error::from)?;
    let target = Some(format!("user:{user_id}"));
    let (event, session_token) = match how {
        Registration::Web {
            ip,
            user_agent,
            timeouts,
            old_session,
        } => {
            if let Some(old) = old_session {
                sessions::end(&txn, old)
                    .await
                    .map_err(anyhow::Error::from)?;
            }
            let token = sessions::create(&txn, clock, user_id, timeouts, user_agent).await?;
            let event = AuditEvent {
                actor: Some(user_id),
                action: AuditAction::AccountRegistered,
                target,
                detail: None,
                ip,
            };
            (event, Some(token))
        }
        Registration::CommandLine => {
            let event = AuditEvent {
                actor: None,
                action: AuditAction::AdminCreated,
                target,
                detail: Some("platform admin created from the command line".into()),
                ip: None,
            };
            (event, None)
        }
    };
    audit::record(&txn, clock, event)
        .await
        .map_err(anyhow::Error::from)?;
    txn.commit().await.map_err(anyhow::Error::from)?;
    Ok(Registered {
        user_id,
        session_token,
    })
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
    now: chrono::DateTime<chrono::Utc>,
) -> Result<users::Model, AuthError> {
    let user = match Email::parse(email) {
        Ok(email) => users::Entity::find()
            .filter(users::Column::Email.eq(email.as_str()))
            .one(db)
            .await
            .map_err(anyhow::Error::from)?,
        Err(_) => None,
    };
    // A locked account is checked like any other (same time, same answer), then refused.
    let allowed = match &user {
        Some(u) => login_allowed(db, u.id, now)
            .await
            .map_err(anyhow::Error::from)?,
        None => true,
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
    let Some(user) = user.filter(|u| ok && allowed && u.disabled_at.is_none()) else {
        if let Some(id) = known.filter(|_| !ok) {
            record_login_failure(db, id, now)
                .await
                .map_err(anyhow::Error::from)?;
        }
        return Err(AuthError::InvalidCredentials { user_id: known });
    };
    record_login_success(db, user.id)
        .await
        .map_err(anyhow::Error::from)?;
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

/// After this many failures in a row, the account is locked for a while.
pub const LOCK_AFTER: i32 = 10;
/// At most this many failures an hour, whatever the locks.
pub const MAX_FAILURES_PER_HOUR: i32 = 100;

/// How long the n-th lock (from 1) lasts: 1, 5, then 15 minutes.
pub fn lock_minutes(n: i32) -> i64 {
    match n {
        ..=1 => 1,
        2 => 5,
        _ => 15,
    }
}

/// Whether the account may try a password now (false while locked or over the hourly cap).
///
/// # Errors
/// When the database fails.
pub async fn login_allowed(
    db: &DatabaseConnection,
    user_id: i32,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<bool, sea_orm::DbErr> {
    use crate::entities::login_throttle;
    let Some(t) = login_throttle::Entity::find_by_id(user_id).one(db).await? else {
        return Ok(true);
    };
    let locked = t.locked_until.is_some_and(|u| u > now);
    let capped = now - t.window_start < chrono::Duration::hours(1)
        && t.window_failures >= MAX_FAILURES_PER_HOUR;
    Ok(!locked && !capped)
}

/// Records a failed password for an account: counts it, and locks the account after
/// [`LOCK_AFTER`] failures in a row, for longer each time.
///
/// # Errors
/// When the database fails.
pub async fn record_login_failure(
    db: &DatabaseConnection,
    user_id: i32,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), sea_orm::DbErr> {
    use crate::entities::login_throttle;
    let txn = db.begin_with_options(crate::db::WRITE).await?;
    let current = login_throttle::Entity::find_by_id(user_id)
        .one(&txn)
        .await?;
    let mut t = current.clone().unwrap_or(login_throttle::Model {
        user_id,
        consecutive: 0,
        locks: 0,
        locked_until: None,
        window_start: now,
        window_failures: 0,
    });
    if now - t.window_start >= chrono::Duration::hours(1) {
        t.window_start = now;
        t.window_failures = 0;
    }
    t.window_failures += 1;
    t.consecutive += 1;
    if t.consecutive >= LOCK_AFTER {
        t.locks += 1;
        t.consecutive = 0;
        t.locked_until = Some(now + chrono::Duration::minutes(lock_minutes(t.locks)));
    }
    let active = login_throttle::ActiveModel {
        user_id: Set(t.user_id),
        consecutive: Set(t.consecutive),
        locks: Set(t.locks),
        locked_until: Set(t.locked_until),
        window_start: Set(t.window_start),
        window_failures: Set(t.window_failures),
    };
    if current.is_some() {
        login_throttle::Entity::update(active).exec(&txn).await?;
    } else {
        login_throttle::Entity::insert(active)
            .exec_without_returning(&txn)
            .await?;
    }
    txn.commit().await
}

/// A successful login clears the consecutive count and locks (the hourly count stays).
///
/// # Errors
/// When the database fails.
pub async fn record_login_success(
    db: &DatabaseConnection,
    user_id: i32,
) -> Result<(), sea_orm::DbErr> {
    use crate::entities::login_throttle;
    use sea_orm::sea_query::Expr;
    login_throttle::Entity::update_many()
        .col_expr(login_throttle::Column::Consecutive, Expr::value(0))
        .col_expr(login_throttle::Column::Locks, Expr::value(0))
        .col_expr(
            login_throttle::Column::LockedUntil,
            Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None),
        )
        .filter(login_throttle::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    Ok(())
}

/// What a password log-in leads to; its audit row is already written.
pub enum PasswordLogin {
    /// Unknown e-mail, wrong password, locked or disabled account: one answer for all.
    Refused,
    /// The password was right, but an organisation of theirs requires single sign-on.
    SsoRequired { org_name: String },
    /// The password was right; the code from their authenticator app comes next.
    SecondStep(users::Model),
    /// The password was right and there is no second step.
    Passed(users::Model),
}

/// A password log-in: checks the password, then whether single sign-on is required (platform
/// admins excepted, so they can never be locked out) and whether a second step follows, and
/// writes the audit row with the client's address.
///
/// # Errors
/// When the database fails.
pub async fn password_login(
    db: &DatabaseConnection,
    clock: &Clock,
    email: &str,
    password: SecretString,
    ip: Option<String>,
) -> anyhow::Result<PasswordLogin> {
    let event = |about: Option<i32>, actor: bool, action, detail: Option<&str>| AuditEvent {
        actor: about.filter(|_| actor),
        action,
        target: about.map(|id| format!("user:{id}")),
        detail: detail.map(str::to_string),
        ip: ip.clone(),
    };
    let user = match authenticate(db, email, password, clock.now()).await {
        Ok(user) => user,
        Err(AuthError::InvalidCredentials { user_id }) => {
            let why = match user_id {
                Some(_) => "wrong password or disabled",
                None => "unknown account",
            };
            let failed = event(user_id, false, AuditAction::LoginFailure, Some(why));
            audit::record(db, clock, failed).await?;
            return Ok(PasswordLogin::Refused);
        }
        Err(AuthError::Unexpected(e)) => return Err(e),
    };
    let me = Some(user.id);
    let required = match user.role {
        Role::PlatformAdmin => None,
        _ => crate::services::sso::required_for(db, user.id).await?,
    };
    if let Some(org) = required {
        let why = format!(
            "password log-in refused: {} requires single sign-on",
            org.slug
        );
        let refused = event(me, true, AuditAction::LoginFailure, Some(&why));
        audit::record(db, clock, refused).await?;
        return Ok(PasswordLogin::SsoRequired { org_name: org.name });
    }
    audit::record(db, clock, event(me, true, AuditAction::LoginSuccess, None)).await?;
    if crate::services::mfa::enabled(db, user.id).await? {
        Ok(PasswordLogin::SecondStep(user))
    } else {
        Ok(PasswordLogin::Passed(user))
    }
}

/// What a code typed at the second step of logging in leads to; its audit row is already written.
pub enum SecondStep {
    /// Too many wrong codes lately: nothing was checked.
    Locked,
    /// Neither a current authenticator code nor an unused recovery code.
    Wrong,
    /// The code was right.
    Passed,
}

/// Checks a code typed at the second step of logging in, counting wrong ones towards the lock,
/// and writes the audit row with the client's address.
///
/// # Errors
/// When the database fails.
pub async fn second_step(
    db: &DatabaseConnection,
    clock: &Clock,
    user_id: i32,
    code: &str,
    ip: Option<String>,
) -> anyhow::Result<SecondStep> {
    use crate::services::mfa;
    let now = clock.now();
    let event = |action, detail: Option<&str>| AuditEvent {
        actor: Some(user_id),
        action,
        target: Some(format!("user:{user_id}")),
        detail: detail.map(str::to_string),
        ip: ip.clone(),
    };
    if !login_allowed(db, user_id, now).await? {
        audit::record(db, clock, event(AuditAction::LoginMfaLocked, None)).await?;
        return Ok(SecondStep::Locked);
    }
    let Some(how) = mfa::verify(db, user_id, code, now).await? else {
        record_login_failure(db, user_id, now).await?;
        audit::record(db, clock, event(AuditAction::LoginMfaFailure, None)).await?;
        return Ok(SecondStep::Wrong);
    };
    record_login_success(db, user_id).await?;
    let detail = match how {
        mfa::Passed::Authenticator => "authenticator code",
        mfa::Passed::RecoveryCode => "recovery code",
    };
    let passed = event(AuditAction::LoginSuccess, Some(detail));
    audit::record(db, clock, passed).await?;
    Ok(SecondStep::Passed)
}
