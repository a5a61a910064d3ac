//! Single sign-on with an organisation's OpenID provider: the configuration (one provider per
//! organisation, e-mail domains unique across organisations) here, the sign-in in [`signin`],
//! the protocol in [`oidc`].
pub mod oidc;
pub mod signin;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, QueryFilter, QueryOrder, TransactionTrait,
};
use secrecy::{ExposeSecret, SecretString};

use crate::clock::Clock;
use crate::entities::{cohorts, org_members, organisations, sso_domains, sso_providers};
use crate::services::audit::{self, AuditAction, AuditEvent};

pub use oidc::OidcClients;

/// A provider as an admin configures it.
pub struct NewProvider {
    pub org_slug: String,
    pub issuer: String,
    pub client_id: String,
    pub client_secret: SecretString,
    pub domains: Vec<String>,
    pub group_claim: Option<String>,
    pub default_cohort: Option<String>,
    pub require_sso: bool,
    /// The ID token claim naming the line manager's e-mail (set at each sign-in when that
    /// person is a member).
    pub manager_claim: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("there is no organisation called {0}")]
    NoSuchOrg(String),
    #[error("organisation {0} has no cohort called {1}")]
    NoSuchCohort(String, String),
    #[error("{0}")]
    Invalid(String),
    #[error("the e-mail domain {0} already leads to another organisation's provider")]
    DomainTaken(String),
    #[error("organisation {0} already has a provider: remove it first")]
    AlreadyConfigured(String),
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// A configured provider, for the admin page and `deepdive sso list`: never the secret.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ProviderSummary {
    pub org_slug: String,
    pub org_name: String,
    pub issuer: String,
    pub client_id: String,
    pub domains: Vec<String>,
    pub group_claim: Option<String>,
    pub default_cohort: Option<String>,
    pub require_sso: bool,
}

/// An e-mail domain as stored: trimmed, lower case, without a leading `@`.
///
/// # Errors
/// A sentence when it is not a plausible domain.
pub fn parse_domain(s: &str) -> Result<String, String> {
    let d = s.trim().trim_start_matches('@').to_ascii_lowercase();
    let ok = d.len() <= 253
        && d.contains('.')
        && !d.starts_with(['.', '-'])
        && !d.ends_with(['.', '-'])
        && !d.contains("..")
        && d.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
    if ok {
        Ok(d)
    } else {
        Err(format!("{s:?} is not an e-mail domain like trust.nhs.uk"))
    }
}

/// An issuer URL: `https://`, or `http://` only on loopback (for tests and local providers).
///
/// # Errors
/// A sentence when it is not acceptable.
pub fn parse_issuer(s: &str) -> Result<String, String> {
    let s = s.trim();
    let loopback = ["http://127.0.0.1", "http://localhost", "http://[::1]"]
        .iter()
        .any(|p| s.starts_with(p));
    if (s.starts_with("https://") || loopback) && !s.contains(['?', '#', ' ']) && s.len() <= 500 {
        Ok(s.to_string())
    } else {
        Err(format!(
            "{s:?} is not an issuer URL: use the provider's https:// address, as in its discovery document"
        ))
    }
}

fn validate(p: &NewProvider) -> Result<Vec<String>, ConfigError> {
    parse_issuer(&p.issuer).map_err(ConfigError::Invalid)?;
    if p.client_id.trim().is_empty() || p.client_id.len() > 500 {
        return Err(ConfigError::Invalid("enter the client id".into()));
    }
    let secret = p.client_secret.expose_secret();
    if secret.trim().is_empty() || secret.len() > 1000 {
        return Err(ConfigError::Invalid(
            "the client secret is empty (or longer than 1000 characters)".into(),
        ));
    }
    let mut domains = Vec::new();
    for d in &p.domains {
        let d = parse_domain(d).map_err(ConfigError::Invalid)?;
        if !domains.contains(&d) {
            domains.push(d);
        }
    }
    if domains.is_empty() {
        return Err(ConfigError::Invalid(
            "name at least one e-mail domain, like trust.nhs.uk".into(),
        ));
    }
    Ok(domains)
}

/// Configures an organisation's provider, its domains and its audit row in one transaction.
/// A domain already used by another organisation is refused, so one organisation's provider can
/// never sign in another organisation's staff.
///
/// # Errors
/// See [`ConfigError`].
pub async fn add(
    db: &DatabaseConnection,
    clock: &Clock,
    actor: Option<&audit::Actor>,
    p: NewProvider,
) -> Result<(), ConfigError> {
    let domains = validate(&p)?;
    let now = clock.now();
    let txn = db.begin_with_options(crate::db::WRITE).await?;
    let org = organisations::Entity::find()
        .filter(organisations::Column::Slug.eq(p.org_slug.trim()))
        .one(&txn)
        .await?
        .ok_or_else(|| ConfigError::NoSuchOrg(p.org_slug.clone()))?;
    if sso_providers::Entity::find()
        .filter(sso_providers::Column::OrgId.eq(org.id))
        .one(&txn)
        .await?
        .is_some()
    {
        return Err(ConfigError::AlreadyConfigured(org.slug));
    }
    let cohort_id = match p.default_cohort.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(name) => Some(
            crate::services::organisations::cohort_by_name(&txn, org.id, name)
                .await?
                .ok_or_else(|| ConfigError::NoSuchCohort(org.slug.clone(), name.into()))?
                .id,
        ),
    };
    for d in &domains {
        if sso_domains::Entity::find_by_id(d.clone())
            .one(&txn)
            .await?
            .is_some()
        {
            return Err(ConfigError::DomainTaken(d.clone()));
        }
    }
    let provider = sso_providers::ActiveModel {
        org_id: Set(org.id),
        issuer: Set(p.issuer.trim().to_string()),
        client_id: Set(p.client_id.trim().to_string()),
        client_secret: Set(p.client_secret.expose_secret().trim().to_string()),
        group_claim: Set(p
            .group_claim
            .map(|g| g.trim().to_string())
            .filter(|g| !g.is_empty())),
        default_cohort_id: Set(cohort_id),
        manager_claim: Set(p
            .manager_claim
            .map(|c| c.trim().to_string())
            .filter(|c| !c.is_empty())),
        require_sso: Set(p.require_sso),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    for d in &domains {
        sso_domains::Entity::insert(sso_domains::ActiveModel {
            domain: Set(d.clone()),
            provider_id: Set(provider.id),
        })
        .exec_without_returning(&txn)
        .await?;
    }
    let detail = format!(
        "issuer {}, client id {}, domains {}{}",
        provider.issuer,
        provider.client_id,
        domains.join(", "),
        if p.require_sso { ", SSO required" } else { "" }
    );
    audit::record(
        &txn,
        clock,
        config_event(actor, AuditAction::SsoConfigured, org.id, detail),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

fn config_event(
    actor: Option<&audit::Actor>,
    action: AuditAction,
    org_id: i32,
    detail: String,
) -> AuditEvent {
    AuditEvent {
        actor: actor.map(|a| a.user_id),
        action,
        target: Some(format!("org:{org_id}")),
        detail: Some(detail),
        ip: actor.and_then(|a| a.ip.clone()),
    }
}

/// Removes an organisation's provider (its domains and links go with it; accounts stay).
///
/// # Errors
/// When the database fails.
pub async fn remove(
    db: &DatabaseConnection,
    clock: &Clock,
    actor: Option<&audit::Actor>,
    org_slug: &str,
) -> Result<bool, DbErr> {
    let txn = db.begin_with_options(crate::db::WRITE).await?;
    let Some(org) = organisations::Entity::find()
        .filter(organisations::Column::Slug.eq(org_slug.trim()))
        .one(&txn)
        .await?
    else {
        return Ok(false);
    };
    let res = sso_providers::Entity::delete_many()
        .filter(sso_providers::Column::OrgId.eq(org.id))
        .exec(&txn)
        .await?;
    if res.rows_affected == 0 {
        return Ok(false);
    }
    let event = config_event(
        actor,
        AuditAction::SsoRemoved,
        org.id,
        "provider removed".into(),
    );
    audit::record(&txn, clock, event).await?;
    txn.commit().await?;
    Ok(true)
}

/// Every configured provider, by organisation.
///
/// # Errors
/// When the database fails.
pub async fn list(db: &impl ConnectionTrait) -> Result<Vec<ProviderSummary>, DbErr> {
    let providers = sso_providers::Entity::find()
        .order_by_asc(sso_providers::Column::Id)
        .all(db)
        .await?;
    let mut out = Vec::with_capacity(providers.len());
    for p in providers {
        let Some(org) = organisations::Entity::find_by_id(p.org_id).one(db).await? else {
            continue;
        };
        let domains = sso_domains::Entity::find()
            .filter(sso_domains::Column::ProviderId.eq(p.id))
            .order_by_asc(sso_domains::Column::Domain)
            .all(db)
            .await?
            .into_iter()
            .map(|d| d.domain)
            .collect();
        let default_cohort = match p.default_cohort_id {
            Some(id) => cohorts::Entity::find_by_id(id)
                .one(db)
                .await?
                .map(|c| c.name),
            None => None,
        };
        out.push(ProviderSummary {
            org_slug: org.slug,
            org_name: org.name,
            issuer: p.issuer,
            client_id: p.client_id,
            domains,
            group_claim: p.group_claim,
            default_cohort,
            require_sso: p.require_sso,
        });
    }
    Ok(out)
}

/// The provider an e-mail address leads to, by its domain.
///
/// # Errors
/// When the database fails.
pub async fn provider_for_email(
    db: &impl ConnectionTrait,
    email: &crate::domain::Email,
) -> Result<Option<sso_providers::Model>, DbErr> {
    let Some((_, domain)) = email.as_str().rsplit_once('@') else {
        return Ok(None);
    };
    let Some(d) = sso_domains::Entity::find_by_id(domain.to_string())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    sso_providers::Entity::find_by_id(d.provider_id)
        .one(db)
        .await
}

/// Whether this provider's configuration covers the domain of `email`.
///
/// # Errors
/// When the database fails.
pub async fn covers(
    db: &impl ConnectionTrait,
    provider_id: i32,
    email: &str,
) -> Result<bool, DbErr> {
    let Some((_, domain)) = email.rsplit_once('@') else {
        return Ok(false);
    };
    Ok(sso_domains::Entity::find_by_id(domain.to_ascii_lowercase())
        .one(db)
        .await?
        .is_some_and(|d| d.provider_id == provider_id))
}

/// The organisation whose provider must be used by this person, when one of their organisations
/// requires single sign-on (their password log-in is then refused).
///
/// # Errors
/// When the database fails.
pub async fn required_for(
    db: &impl ConnectionTrait,
    user_id: i32,
) -> Result<Option<organisations::Model>, DbErr> {
    let orgs: Vec<i32> = org_members::Entity::find()
        .filter(org_members::Column::UserId.eq(user_id))
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.org_id)
        .collect();
    let Some(p) = sso_providers::Entity::find()
        .filter(sso_providers::Column::OrgId.is_in(orgs))
        .filter(sso_providers::Column::RequireSso.eq(true))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    organisations::Entity::find_by_id(p.org_id).one(db).await
}

/// Drops sign-ins in progress that expired before `now` (they are useless after).
///
/// # Errors
/// When the database fails.
pub async fn purge_attempts(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<u64, DbErr> {
    let res = crate::entities::sso_attempts::Entity::delete_many()
        .filter(crate::entities::sso_attempts::Column::ExpiresAt.lt(now))
        .exec(db)
        .await?;
    Ok(res.rows_affected)
}
