//! Signing in through an organisation's provider: start (find the provider by the e-mail's
//! domain, remember `state`, `nonce` and the PKCE verifier for this browser), complete (check
//! everything, then find, link or create the account and start a session in one transaction),
//! and link an existing account after its password is proved. Every refusal is audited with the
//! client's address and a reference the person sees; nothing is written before all checks pass.
use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter,
    TransactionTrait, sea_query::Expr,
};

use super::oidc::{OidcClients, OidcError, Registration, VerifiedIdentity};
use crate::clock::Clock;
use crate::domain::Email;
use crate::domain::import::MemberRole;
use crate::entities::{sso_attempts, sso_identities, sso_providers, users};
use crate::services::audit::{self, AuditAction, AuditEvent};
use crate::services::sessions::{self, Timeouts};
use crate::services::{organisations, progress};

/// How long a browser has to come back from the provider.
pub const ATTEMPT_MINUTES: i64 = 15;

/// What a request brings to a sign-in.
pub struct Ctx<'a> {
    pub db: &'a DatabaseConnection,
    pub clients: &'a OidcClients,
    pub clock: &'a Clock,
    pub course_slug: &'a str,
    pub timeouts: Timeouts,
    /// Our callback URL, as registered with the provider.
    pub redirect_url: String,
    pub ip: Option<String>,
    pub user_agent: Option<&'a str>,
}

/// Why a sign-in was refused. `reason()` goes to the audit log; `message()` to the person.
#[derive(Debug)]
pub enum Failure {
    UnknownDomain,
    ProviderDown,
    /// No sign-in in progress in this browser, or it expired or was already used (a replay).
    NoAttempt,
    WrongState,
    /// The answer names another issuer than the one this sign-in went to (mix-up).
    WrongIssuer,
    ProviderRefused(String),
    Token(OidcError),
    EmailNotVerified,
    /// The provider vouched for an address outside its organisation's domains.
    DomainMismatch,
    AccountDisabled,
    WrongPassword,
}

impl Failure {
    pub fn reason(&self) -> String {
        match self {
            Self::UnknownDomain => "no provider for this e-mail domain".into(),
            Self::ProviderDown => "provider unreachable".into(),
            Self::NoAttempt => {
                "no sign-in in progress (expired, replayed or another browser)".into()
            }
            Self::WrongState => "state does not match".into(),
            Self::WrongIssuer => "issuer in the answer does not match (mix-up)".into(),
            Self::ProviderRefused(e) => format!("provider returned an error: {e}"),
            Self::Token(e) => e.to_string(),
            Self::EmailNotVerified => "e-mail address not verified by the provider".into(),
            Self::DomainMismatch => "e-mail domain not allowed for this provider".into(),
            Self::AccountDisabled => "account disabled".into(),
            Self::WrongPassword => "wrong password when linking an account".into(),
        }
    }

    pub fn message(&self) -> &'static str {
        match self {
            Self::UnknownDomain => {
                "Your organisation does not sign in here with its own account. Log in with your email address and password instead."
            }
            Self::ProviderDown => {
                "We could not reach your organisation's sign-in service. Try again in a few minutes, or log in with your password if you have one."
            }
            Self::NoAttempt | Self::WrongState | Self::WrongIssuer => {
                "Your sign-in could not be completed, or it had already been used. Start again from the log in page."
            }
            Self::ProviderRefused(_) => {
                "Your organisation's sign-in service did not let you sign in. Start again, or ask your IT service desk."
            }
            Self::Token(_) => {
                "Your organisation's sign-in service sent an answer we could not trust. Start again from the log in page."
            }
            Self::EmailNotVerified => {
                "Your organisation's account does not have a verified email address. Ask your IT service desk to verify it, then try again."
            }
            Self::DomainMismatch => {
                "That organisation's account cannot be used for this email address. Sign in with your own organisation's account."
            }
            Self::AccountDisabled => {
                "This account has been disabled. Ask your organisation's learning team."
            }
            Self::WrongPassword => "Enter the correct password for your account",
        }
    }

    /// 502 when the provider is down, 400 for everything else.
    pub fn status(&self) -> u16 {
        match self {
            Self::ProviderDown => 502,
            _ => 400,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SsoError {
    #[error("single sign-on refused: {}", .failure.reason())]
    Failed { failure: Failure, reference: String },
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<sea_orm::DbErr> for SsoError {
    fn from(e: sea_orm::DbErr) -> Self {
        Self::Unexpected(e.into())
    }
}

/// Audits a refusal with a new reference and returns it as the error.
async fn refuse(ctx: &Ctx<'_>, failure: Failure, about: Option<String>) -> SsoError {
    let reference = crate::error::new_reference();
    tracing::warn!(sso.reference = %reference, sso.reason = %failure.reason(), "single sign-on refused");
    let event = AuditEvent {
        actor: None,
        action: AuditAction::SsoLoginFailure,
        target: about,
        detail: Some(format!("ref {reference}: {}", failure.reason())),
        ip: ctx.ip.clone(),
    };
    if let Err(e) = audit::record(ctx.db, ctx.clock, event).await {
        return SsoError::Unexpected(e.into());
    }
    SsoError::Failed { failure, reference }
}

fn registration<'a>(p: &'a sso_providers::Model, redirect_url: &'a str) -> Registration<'a> {
    Registration {
        issuer: &p.issuer,
        client_id: &p.client_id,
        client_secret: &p.client_secret,
        redirect_url,
    }
}

/// Where to send the browser, and the token for its sign-in cookie.
pub struct Started {
    pub redirect_to: String,
    pub cookie_token: String,
}

/// Starts a sign-in for the work e-mail `email`: finds the provider by its domain, asks it for
/// its endpoints (cached), and remembers this attempt for this browser only.
///
/// # Errors
/// `Failed` with `UnknownDomain` or `ProviderDown`.
pub async fn start(ctx: &Ctx<'_>, email: &Email, next: &str) -> Result<Started, SsoError> {
    let now = ctx.clock.now();
    let Some(provider) = super::provider_for_email(ctx.db, email).await? else {
        return Err(refuse(ctx, Failure::UnknownDomain, None).await);
    };
    let about = Some(format!("org:{}", provider.org_id));
    let reg = registration(&provider, &ctx.redirect_url);
    let request = match ctx.clients.authorize(&reg, email.as_str(), now).await {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!(error = %e, "provider discovery failed");
            return Err(refuse(ctx, Failure::ProviderDown, about).await);
        }
    };
    let cookie_token = crate::crypto::random_token().map_err(anyhow::Error::from)?;
    super::purge_attempts(ctx.db, now).await?;
    sso_attempts::Entity::insert(sso_attempts::ActiveModel {
        id_hash: Set(sessions::hash_token(&cookie_token)),
        provider_id: Set(provider.id),
        state: Set(request.state),
        nonce: Set(request.nonce),
        pkce_verifier: Set(request.pkce_verifier),
        next_path: Set(next.chars().take(512).collect()),
        created_at: Set(now),
        expires_at: Set(now + Duration::minutes(ATTEMPT_MINUTES)),
        used_at: Set(None),
        link_user_id: Set(None),
        link_subject: Set(None),
    })
    .exec_without_returning(ctx.db)
    .await?;
    Ok(Started {
        redirect_to: request.url,
        cookie_token,
    })
}

/// The provider's answer, as it arrives on the callback.
pub struct Callback<'a> {
    pub cookie_token: Option<&'a str>,
    pub state: &'a str,
    pub code: Option<&'a str>,
    /// RFC 9207's `iss` parameter, when the provider sends it.
    pub iss: Option<&'a str>,
    pub error: Option<&'a str>,
}

pub enum Outcome {
    SignedIn {
        user_id: i32,
        session_token: String,
        next: String,
        end_session_url: Option<String>,
        created: bool,
    },
    /// An account with this e-mail exists: its password must be proved before it is linked.
    NeedsPassword { email: String },
}

/// Takes this browser's attempt, once: a second use (a replayed answer) finds nothing.
async fn take_attempt(
    db: &DatabaseConnection,
    cookie_token: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Option<sso_attempts::Model>, sea_orm::DbErr> {
    let Some(token) = cookie_token.filter(|t| crate::services::tokens::plausible(t)) else {
        return Ok(None);
    };
    let hash = sessions::hash_token(token);
    let taken = sso_attempts::Entity::update_many()
        .col_expr(sso_attempts::Column::UsedAt, Expr::value(now))
        .filter(sso_attempts::Column::IdHash.eq(hash.clone()))
        .filter(sso_attempts::Column::UsedAt.is_null())
        .filter(sso_attempts::Column::ExpiresAt.gt(now))
        .exec(db)
        .await?;
    if taken.rows_affected != 1 {
        return Ok(None);
    }
    sso_attempts::Entity::find_by_id(hash).one(db).await
}

/// Completes a sign-in. Checks, in order: this browser's attempt (single use), `state`, the
/// issuer of the answer, the provider's error, the code exchange with the PKCE verifier, the ID
/// token (signature, `iss`, `aud`, `exp`, `iat`, `nonce`), a verified e-mail inside the
/// organisation's domains. Only then finds the linked account, links an imported one of the same
/// organisation that has no password yet, asks for the password of any other existing account,
/// or creates one (just in time) in the organisation and its cohort.
///
/// # Errors
/// `Failed` for each refusal above.
pub async fn complete(ctx: &Ctx<'_>, cb: Callback<'_>) -> Result<Outcome, SsoError> {
    let now = ctx.clock.now();
    let Some(attempt) = take_attempt(ctx.db, cb.cookie_token, now).await? else {
        return Err(refuse(ctx, Failure::NoAttempt, None).await);
    };
    let Some(provider) = sso_providers::Entity::find_by_id(attempt.provider_id)
        .one(ctx.db)
        .await?
    else {
        return Err(refuse(ctx, Failure::NoAttempt, None).await);
    };
    let about = Some(format!("org:{}", provider.org_id));
    if !crate::crypto::equal(attempt.state.as_bytes(), cb.state.as_bytes()) {
        return Err(refuse(ctx, Failure::WrongState, about).await);
    }
    if cb.iss.is_some_and(|iss| iss != provider.issuer) {
        return Err(refuse(ctx, Failure::WrongIssuer, about).await);
    }
    if let Some(e) = cb.error {
        let e: String = e.chars().take(100).collect();
        return Err(refuse(ctx, Failure::ProviderRefused(e), about).await);
    }
    let Some(code) = cb.code.filter(|c| !c.is_empty()) else {
        return Err(refuse(ctx, Failure::ProviderRefused("no code".into()), about).await);
    };
    let reg = registration(&provider, &ctx.redirect_url);
    let identity = match ctx
        .clients
        .finish(
            &reg,
            code,
            &attempt.pkce_verifier,
            &attempt.nonce,
            ctx.clock,
        )
        .await
    {
        Ok(i) => i,
        Err(OidcError::Discovery(_)) => {
            return Err(refuse(ctx, Failure::ProviderDown, about).await);
        }
        Err(e) => return Err(refuse(ctx, Failure::Token(e), about).await),
    };
    let email = match (&identity.email, identity.email_verified) {
        (Some(e), true) => e.clone(),
        _ => return Err(refuse(ctx, Failure::EmailNotVerified, about).await),
    };
    let Ok(email) = Email::parse(&email) else {
        return Err(refuse(ctx, Failure::EmailNotVerified, about).await);
    };
    if !super::covers(ctx.db, provider.id, email.as_str()).await? {
        return Err(refuse(ctx, Failure::DomainMismatch, about).await);
    }
    sign_in(ctx, &provider, &attempt, &identity, &email, about).await
}

/// The person behind a verified identity: linked, linkable at once, waiting for a password, or new.
async fn sign_in(
    ctx: &Ctx<'_>,
    provider: &sso_providers::Model,
    attempt: &sso_attempts::Model,
    identity: &VerifiedIdentity,
    email: &Email,
    about: Option<String>,
) -> Result<Outcome, SsoError> {
    let linked = sso_identities::Entity::find()
        .filter(sso_identities::Column::ProviderId.eq(provider.id))
        .filter(sso_identities::Column::Subject.eq(identity.subject.as_str()))
        .one(ctx.db)
        .await?;
    let existing = match linked {
        Some(ref l) => users::Entity::find_by_id(l.user_id).one(ctx.db).await?,
        None => {
            users::Entity::find()
                .filter(users::Column::Email.eq(email.as_str()))
                .one(ctx.db)
                .await?
        }
    };
    let txn = ctx.db.begin_with_options(crate::db::WRITE).await?;
    let (user_id, created, how) = match (linked.is_some(), existing) {
        (_, Some(u)) if u.disabled_at.is_some() || u.anonymised_at.is_some() => {
            drop(txn);
            return Err(refuse(ctx, Failure::AccountDisabled, about).await);
        }
        (true, Some(u)) => (u.id, false, "single sign-on"),
        (false, Some(u)) => {
            let imported_here = u.password_hash == "!unset"
                && organisations::is_member(&txn, provider.org_id, u.id).await?;
            if !imported_here {
                sso_attempts::Entity::update_many()
                    .col_expr(sso_attempts::Column::LinkUserId, Expr::value(u.id))
                    .col_expr(
                        sso_attempts::Column::LinkSubject,
                        Expr::value(identity.subject.clone()),
                    )
                    .filter(sso_attempts::Column::IdHash.eq(attempt.id_hash.clone()))
                    .exec(&txn)
                    .await?;
                txn.commit().await?;
                return Ok(Outcome::NeedsPassword { email: u.email });
            }
            link(&txn, provider.id, &identity.subject, u.id, ctx.clock.now()).await?;
            (u.id, false, "single sign-on; imported account linked")
        }
        (_, None) => {
            let id = create_account(ctx, &txn, provider, identity, email).await?;
            (id, true, "single sign-on; account created")
        }
    };
    manager_from_claim(&txn, provider, identity, user_id, ctx.clock.now()).await?;
    let token = sessions::create(&txn, ctx.clock, user_id, ctx.timeouts, ctx.user_agent).await?;
    let action = if created {
        AuditAction::AccountRegistered
    } else {
        AuditAction::LoginSuccess
    };
    let event = AuditEvent {
        actor: Some(user_id),
        action,
        target: Some(format!("user:{user_id}")),
        detail: Some(format!("{how} (org:{})", provider.org_id)),
        ip: ctx.ip.clone(),
    };
    audit::record(&txn, ctx.clock, event).await?;
    txn.commit().await?;
    Ok(Outcome::SignedIn {
        user_id,
        session_token: token,
        next: attempt.next_path.clone(),
        end_session_url: identity.end_session_url.clone(),
        created,
    })
}

async fn link(
    txn: &impl sea_orm::ConnectionTrait,
    provider_id: i32,
    subject: &str,
    user_id: i32,
    now: DateTime<Utc>,
) -> Result<(), sea_orm::DbErr> {
    sso_identities::Entity::insert(sso_identities::ActiveModel {
        provider_id: Set(provider_id),
        subject: Set(subject.to_string()),
        user_id: Set(user_id),
        created_at: Set(now),
        ..Default::default()
    })
    .exec_without_returning(txn)
    .await?;
    Ok(())
}

/// Sets the line manager that the provider's manager claim names, at each sign-in, when that
/// person is a member of the organisation; a claim naming nobody we know changes nothing.
async fn manager_from_claim(
    txn: &impl sea_orm::ConnectionTrait,
    provider: &sso_providers::Model,
    identity: &VerifiedIdentity,
    user_id: i32,
    now: DateTime<Utc>,
) -> Result<(), sea_orm::DbErr> {
    use crate::services::team::{self, TeamError};
    let Some(claim) = &provider.manager_claim else {
        return Ok(());
    };
    let Some(manager) = identity
        .other
        .claims
        .get(claim)
        .and_then(serde_json::Value::as_str)
        .and_then(|v| Email::parse(v).ok())
    else {
        return Ok(());
    };
    match team::set_manager_in(txn, provider.org_id, user_id, Some(&manager), now).await {
        Err(TeamError::Db(e)) => Err(e),
        Ok(_) | Err(_) => Ok(()),
    }
}

/// The cohort for a new account: the first value of the group claim that names one of the
/// organisation's cohorts, else the provider's default cohort.
async fn cohort_for(
    txn: &impl sea_orm::ConnectionTrait,
    provider: &sso_providers::Model,
    identity: &VerifiedIdentity,
) -> Result<Option<i32>, sea_orm::DbErr> {
    if let Some(claim) = &provider.group_claim {
        let values: Vec<String> = match identity.other.claims.get(claim) {
            Some(serde_json::Value::String(s)) => vec![s.clone()],
            Some(serde_json::Value::Array(a)) => a
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        };
        for v in values {
            if let Some(c) = organisations::cohort_by_name(txn, provider.org_id, &v).await? {
                return Ok(Some(c.id));
            }
        }
    }
    Ok(provider.default_cohort_id)
}

async fn create_account(
    ctx: &Ctx<'_>,
    txn: &sea_orm::DatabaseTransaction,
    provider: &sso_providers::Model,
    identity: &VerifiedIdentity,
    email: &Email,
) -> Result<i32, SsoError> {
    let now = ctx.clock.now();
    let name = identity
        .name
        .as_deref()
        .and_then(|n| crate::domain::DisplayName::parse(n).ok())
        .map_or_else(
            || email.as_str().split('@').next().unwrap_or("").to_string(),
            |n| n.as_str().to_string(),
        );
    let user = users::ActiveModel {
        email: Set(email.as_str().to_string()),
        name: Set(name),
        // Not a PHC string: no password matches; the person signs in through the provider.
        password_hash: Set("!sso".into()),
        role: Set(crate::domain::Role::Learner),
        created_at: Set(now),
        disabled_at: Set(None),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    progress::enrol(txn, ctx.course_slug, user.id, now).await?;
    let cohort = cohort_for(txn, provider, identity).await?;
    organisations::add_member(
        txn,
        provider.org_id,
        user.id,
        MemberRole::Learner,
        cohort,
        now,
    )
    .await?;
    link(txn, provider.id, &identity.subject, user.id, now).await?;
    Ok(user.id)
}

/// The e-mail of the account waiting to be linked by this browser's sign-in, if any.
///
/// # Errors
/// When the database fails.
pub async fn pending_link(
    db: &DatabaseConnection,
    cookie_token: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Option<(sso_attempts::Model, users::Model)>, sea_orm::DbErr> {
    let Some(token) = cookie_token.filter(|t| crate::services::tokens::plausible(t)) else {
        return Ok(None);
    };
    let Some(attempt) = sso_attempts::Entity::find_by_id(sessions::hash_token(token))
        .one(db)
        .await?
        .filter(|a| a.expires_at > now)
    else {
        return Ok(None);
    };
    let Some(user_id) = attempt.link_user_id else {
        return Ok(None);
    };
    let user = users::Entity::find_by_id(user_id).one(db).await?;
    Ok(user.map(|u| (attempt, u)))
}

/// Links the waiting account once its password is proved, and signs in.
///
/// # Errors
/// `Failed` with `NoAttempt` or `WrongPassword` (the form is shown again).
pub async fn link_with_password(
    ctx: &Ctx<'_>,
    cookie_token: Option<&str>,
    password: secrecy::SecretString,
) -> Result<Outcome, SsoError> {
    let now = ctx.clock.now();
    let Some((attempt, user)) = pending_link(ctx.db, cookie_token, now).await? else {
        return Err(refuse(ctx, Failure::NoAttempt, None).await);
    };
    let about = Some(format!("user:{}", user.id));
    let authenticated =
        crate::services::auth::authenticate(ctx.db, &user.email, password, now).await;
    let user = match authenticated {
        Ok(u) => u,
        Err(crate::services::auth::AuthError::InvalidCredentials { .. }) => {
            return Err(refuse(ctx, Failure::WrongPassword, about).await);
        }
        Err(crate::services::auth::AuthError::Unexpected(e)) => return Err(e.into()),
    };
    let subject = attempt.link_subject.clone().unwrap_or_default();
    let txn = ctx.db.begin_with_options(crate::db::WRITE).await?;
    let gone = sso_attempts::Entity::delete_many()
        .filter(sso_attempts::Column::IdHash.eq(attempt.id_hash.clone()))
        .exec(&txn)
        .await?;
    if gone.rows_affected != 1 || subject.is_empty() {
        drop(txn);
        return Err(refuse(ctx, Failure::NoAttempt, about).await);
    }
    link(&txn, attempt.provider_id, &subject, user.id, now).await?;
    let token = sessions::create(&txn, ctx.clock, user.id, ctx.timeouts, ctx.user_agent).await?;
    let event = AuditEvent {
        actor: Some(user.id),
        action: AuditAction::SsoAccountLinked,
        target: Some(format!("user:{}", user.id)),
        detail: Some("password proved; provider account linked".into()),
        ip: ctx.ip.clone(),
    };
    audit::record(&txn, ctx.clock, event).await?;
    txn.commit().await?;
    Ok(Outcome::SignedIn {
        user_id: user.id,
        session_token: token,
        next: attempt.next_path,
        end_session_url: None,
        created: false,
    })
}
