//! Signed webhooks, following the Standard Webhooks convention (<https://www.standardwebhooks.com>).
//!
//! An org admin registers endpoints (an https URL, the events wanted, and a `whsec_` secret shown
//! once). Events are written to a durable outbox ([`emit`]) in the transaction of the change that
//! causes them, one row per subscribed endpoint. A sender claims due rows with a lease (on
//! PostgreSQL with `FOR UPDATE SKIP LOCKED`; on SQLite inside the single writer), POSTs each with
//! `webhook-id`, `webhook-timestamp` and `webhook-signature` (`v1,` and base64 HMAC-SHA256 of
//! `id.timestamp.body`), and marks it delivered once: only the claim that holds it can. A failure
//! is retried with exponential backoff; after [`MAX_ATTEMPTS`] the row is dead-lettered. The
//! `webhook-id` is the same on every attempt, so a receiver drops a duplicate from a sender that
//! died between the receiver's 2xx and the mark.
//!
//! Delivery is SSRF-safe: https only (plain http only to loopback, and only when the
//! `webhooks_allow_loopback` setting is on, for tests); every address the host name resolves to
//! must be public (no private, loopback, link-local, CGNAT, multicast or documentation ranges);
//! the connection goes to the address that was checked (no second lookup); redirects are not
//! followed; connect and response timeouts are short.
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration as StdDuration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};
use serde_json::{Value, json};
use sha2::Sha256;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::clock::Clock;
use crate::entities::{certificates, org_members, webhook_deliveries, webhook_endpoints};
use crate::services::audit::{self, AuditAction};
use crate::services::lease;
use crate::services::org_admin::OrgActor;

/// Attempts after which a delivery is dead-lettered.
pub const MAX_ATTEMPTS: i32 = 8;
/// How long a claim lasts: far longer than one delivery (10 s timeouts) takes.
pub const LEASE_MINUTES: i64 = 5;
/// Deliveries claimed at a time.
pub const BATCH: u64 = 10;
/// Endpoints per organisation.
pub const MAX_ENDPOINTS: usize = 10;
/// Certificates this close to their expiry send `certificate.expiring` (once each).
pub const EXPIRING_DAYS: i64 = 60;
const CONNECT_TIMEOUT: StdDuration = StdDuration::from_secs(5);
const RESPONSE_TIMEOUT: StdDuration = StdDuration::from_secs(10);

/// The events an endpoint can subscribe to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    ModuleCompleted,
    CourseCompleted,
    CertificateIssued,
    CertificateRevoked,
    CertificateExpiring,
}

impl EventKind {
    pub const ALL: [EventKind; 5] = [
        Self::ModuleCompleted,
        Self::CourseCompleted,
        Self::CertificateIssued,
        Self::CertificateRevoked,
        Self::CertificateExpiring,
    ];

    /// The event `type` in the payload.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ModuleCompleted => "module.completed",
            Self::CourseCompleted => "course.completed",
            Self::CertificateIssued => "certificate.issued",
            Self::CertificateRevoked => "certificate.revoked",
            Self::CertificateExpiring => "certificate.expiring",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::ModuleCompleted => "A learner completed a module",
            Self::CourseCompleted => "A learner completed the course",
            Self::CertificateIssued => "A certificate was issued",
            Self::CertificateRevoked => "A certificate was revoked",
            Self::CertificateExpiring => "A certificate expires within 60 days",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Why an endpoint URL is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlProblem {
    #[error("Enter the endpoint's full address, starting with https://")]
    NotAUrl,
    #[error("The endpoint's address must start with https://")]
    NotHttps,
    #[error("The endpoint's address must not contain a user name or password")]
    HasCredentials,
    #[error("The endpoint's address must be a public internet address, not a private or local one")]
    NotPublic,
    #[error("The endpoint's address must be 2000 characters or fewer")]
    TooLong,
}

/// An endpoint address that passed the checks that need no network: scheme, no credentials, and a
/// host that is not a forbidden literal address.
#[derive(Debug, Clone)]
pub struct EndpointUrl {
    url: url::Url,
}

impl EndpointUrl {
    /// # Errors
    /// A [`UrlProblem`] saying what to fix.
    pub fn parse(raw: &str, allow_loopback: bool) -> Result<Self, UrlProblem> {
        let raw = raw.trim();
        if raw.chars().count() > 2000 {
            return Err(UrlProblem::TooLong);
        }
        let url = url::Url::parse(raw).map_err(|_| UrlProblem::NotAUrl)?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(UrlProblem::HasCredentials);
        }
        let host = url.host().ok_or(UrlProblem::NotAUrl)?;
        let literal = match &host {
            url::Host::Ipv4(a) => Some(IpAddr::V4(*a)),
            url::Host::Ipv6(a) => Some(IpAddr::V6(*a)),
            url::Host::Domain(_) => None,
        };
        let loopback_host = literal.is_some_and(|a| a.is_loopback())
            || matches!(&host, url::Host::Domain(d) if d.eq_ignore_ascii_case("localhost"));
        match url.scheme() {
            "https" => {}
            "http" if allow_loopback && loopback_host => {}
            _ => return Err(UrlProblem::NotHttps),
        }
        if let Some(ip) = literal {
            if !address_allowed(ip, allow_loopback) {
                return Err(UrlProblem::NotPublic);
            }
        } else if loopback_host && !allow_loopback {
            return Err(UrlProblem::NotPublic);
        }
        Ok(Self { url })
    }

    pub fn as_str(&self) -> &str {
        self.url.as_str()
    }
}

/// Whether a delivery may connect to this address: public unicast only, or loopback when allowed.
pub fn address_allowed(ip: IpAddr, allow_loopback: bool) -> bool {
    match ip {
        IpAddr::V4(a) => v4_allowed(a, allow_loopback),
        IpAddr::V6(a) => {
            if let Some(v4) = a.to_ipv4_mapped() {
                return v4_allowed(v4, allow_loopback);
            }
            v6_allowed(a, allow_loopback)
        }
    }
}

fn v4_allowed(a: Ipv4Addr, allow_loopback: bool) -> bool {
    if a.is_loopback() {
        return allow_loopback;
    }
    let [o0, o1, _, _] = a.octets();
    !(a.is_private()
        || a.is_link_local()
        || a.is_unspecified()
        || a.is_broadcast()
        || a.is_multicast()
        || a.is_documentation()
        || o0 == 0
        || (o0 == 100 && (64..128).contains(&o1)) // CGNAT 100.64.0.0/10
        || (o0 == 192 && o1 == 0) // 192.0.0.0/24 and 192.0.2.0/24
        || (o0 == 198 && (o1 == 18 || o1 == 19)) // benchmarking
        || o0 >= 240)
}

fn v6_allowed(a: Ipv6Addr, allow_loopback: bool) -> bool {
    if a.is_loopback() {
        return allow_loopback;
    }
    let s0 = a.segments()[0];
    !(a.is_unspecified()
        || a.is_multicast()
        || (s0 & 0xfe00) == 0xfc00 // unique local fc00::/7
        || (s0 & 0xffc0) == 0xfe80 // link-local fe80::/10
        || (s0 & 0xffc0) == 0xfec0 // site-local (deprecated)
        || s0 == 0x2001 && a.segments()[1] == 0x0db8 // documentation
        || s0 == 0x0064 && a.segments()[1] == 0xff9b) // NAT64 to any IPv4
}

/// A new signing secret: `whsec_` and 32 random bytes in base64.
///
/// # Errors
/// When the system has no randomness.
pub fn new_secret() -> Result<String, crate::crypto::NoRandomness> {
    Ok(format!(
        "whsec_{}",
        STANDARD.encode(crate::crypto::random::<32>()?)
    ))
}

/// The `webhook-signature` header value for one message: `v1,` and base64 HMAC-SHA256 of
/// `id.timestamp.body`, keyed by the secret's decoded bytes.
pub fn signature(secret: &str, id: &str, timestamp: i64, body: &str) -> Option<String> {
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap_or(secret))
        .ok()?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).ok()?;
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    Some(format!(
        "v1,{}",
        STANDARD.encode(mac.finalize().into_bytes())
    ))
}

/// What the admin asked for on the form.
pub struct NewEndpoint {
    pub url: EndpointUrl,
    pub events: Vec<EventKind>,
}

/// Why an endpoint was not added.
#[derive(Debug, thiserror::Error)]
pub enum EndpointError {
    #[error("an organisation can have at most {MAX_ENDPOINTS} webhook endpoints")]
    TooMany,
    #[error("no randomness for the secret")]
    NoRandomness,
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Adds an endpoint (with its audit row, in one transaction). Returns it with its secret, which is
/// shown once.
///
/// # Errors
/// `TooMany`, or when the database fails.
pub async fn create_endpoint(
    db: &DatabaseConnection,
    clock: &Clock,
    who: &OrgActor,
    new: NewEndpoint,
) -> Result<webhook_endpoints::Model, EndpointError> {
    let now = clock.now();
    let secret = new_secret().map_err(|_| EndpointError::NoRandomness)?;
    let txn = db.begin_with_options(crate::db::WRITE).await?;
    let existing = webhook_endpoints::Entity::find()
        .filter(webhook_endpoints::Column::OrgId.eq(who.org_id))
        .all(&txn)
        .await?;
    if existing.len() >= MAX_ENDPOINTS {
        txn.rollback().await?;
        return Err(EndpointError::TooMany);
    }
    let events: Vec<&str> = new.events.iter().map(|e| e.as_str()).collect();
    let res = webhook_endpoints::Entity::insert(webhook_endpoints::ActiveModel {
        org_id: Set(who.org_id),
        url: Set(new.url.as_str().to_string()),
        events: Set(events.join(",")),
        secret: Set(secret),
        created_by: Set(Some(who.actor.user_id)),
        created_at: Set(now),
        ..Default::default()
    })
    .exec(&txn)
    .await?;
    audit::record(
        &txn,
        clock,
        who.actor.event_on(
            AuditAction::WebhookCreated,
            format!("org:{}", who.org_id),
            Some(format!("{} ({})", new.url.as_str(), events.join(", "))),
        ),
    )
    .await?;
    let model = webhook_endpoints::Entity::find_by_id(res.last_insert_id)
        .one(&txn)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("webhook endpoint".into()))?;
    txn.commit().await?;
    Ok(model)
}

/// Removes an endpoint of this organisation and its pending deliveries. Returns false when the
/// organisation has no such endpoint.
///
/// # Errors
/// When the database fails.
pub async fn delete_endpoint(
    db: &DatabaseConnection,
    clock: &Clock,
    who: &OrgActor,
    endpoint_id: i32,
) -> Result<bool, DbErr> {
    let txn = db.begin_with_options(crate::db::WRITE).await?;
    let Some(e) = webhook_endpoints::Entity::find_by_id(endpoint_id)
        .filter(webhook_endpoints::Column::OrgId.eq(who.org_id))
        .one(&txn)
        .await?
    else {
        txn.rollback().await?;
        return Ok(false);
    };
    webhook_deliveries::Entity::delete_many()
        .filter(webhook_deliveries::Column::EndpointId.eq(e.id))
        .exec(&txn)
        .await?;
    webhook_endpoints::Entity::delete_by_id(e.id)
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        clock,
        who.actor.event_on(
            AuditAction::WebhookDeleted,
            format!("org:{}", who.org_id),
            Some(e.url.clone()),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(true)
}

/// An endpoint with what its deliveries look like, for the org page.
#[derive(Debug, Clone)]
pub struct EndpointSummary {
    pub endpoint: webhook_endpoints::Model,
    pub delivered: i64,
    pub waiting: i64,
    pub dead: i64,
    pub last_error: Option<String>,
}

/// The organisation's endpoints, oldest first, with delivery counts.
///
/// # Errors
/// When the database fails.
pub async fn endpoints_of(
    db: &impl ConnectionTrait,
    org_id: i32,
) -> Result<Vec<EndpointSummary>, DbErr> {
    let endpoints = webhook_endpoints::Entity::find()
        .filter(webhook_endpoints::Column::OrgId.eq(org_id))
        .order_by_asc(webhook_endpoints::Column::Id)
        .all(db)
        .await?;
    let mut out = Vec::with_capacity(endpoints.len());
    for endpoint in endpoints {
        let counts: Vec<(String, i64)> = webhook_deliveries::Entity::find()
            .select_only()
            .column(webhook_deliveries::Column::Status)
            .column_as(Expr::col(webhook_deliveries::Column::Id).count(), "n")
            .filter(webhook_deliveries::Column::EndpointId.eq(endpoint.id))
            .group_by(webhook_deliveries::Column::Status)
            .into_tuple()
            .all(db)
            .await?;
        let count = |s: &str| counts.iter().filter(|(k, _)| k == s).map(|(_, n)| *n).sum();
        let last_error = webhook_deliveries::Entity::find()
            .filter(webhook_deliveries::Column::EndpointId.eq(endpoint.id))
            .filter(webhook_deliveries::Column::LastError.is_not_null())
            .order_by_desc(webhook_deliveries::Column::Id)
            .one(db)
            .await?
            .and_then(|d| d.last_error);
        out.push(EndpointSummary {
            delivered: count("delivered"),
            waiting: count("pending") + count("sending"),
            dead: count("dead"),
            last_error,
            endpoint,
        });
    }
    Ok(out)
}

/// Writes an event for every endpoint, of every organisation the learner belongs to, that wants it:
/// call it in the transaction of the change. `key` names what happened (the same key twice writes
/// nothing the second time).
///
/// # Errors
/// When the database fails.
pub async fn emit(
    txn: &impl ConnectionTrait,
    user_id: i32,
    kind: EventKind,
    key: &str,
    data: Value,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let endpoints = webhook_endpoints::Entity::find()
        .filter(
            Expr::col(webhook_endpoints::Column::OrgId).in_subquery(
                Query::select()
                    .column(org_members::Column::OrgId)
                    .from(org_members::Entity)
                    .and_where(Expr::col(org_members::Column::UserId).eq(user_id))
                    .to_owned(),
            ),
        )
        .all(txn)
        .await?;
    for e in endpoints {
        if !e.events.split(',').any(|k| k == kind.as_str()) {
            continue;
        }
        let mut data = data.clone();
        data["organisation_id"] = json!(e.org_id);
        let body = json!({
            "type": kind.as_str(),
            "timestamp": now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "data": data,
        });
        webhook_deliveries::Entity::insert(webhook_deliveries::ActiveModel {
            endpoint_id: Set(e.id),
            event_key: Set(format!("{}:{key}", kind.as_str())),
            message_id: Set(format!("msg_{}", uuid::Uuid::new_v4().simple())),
            event_type: Set(kind.as_str().to_string()),
            payload: Set(body.to_string()),
            status: Set("pending".into()),
            attempts: Set(0),
            next_attempt_at: Set(now),
            claimed_until: Set(None),
            claim: Set(None),
            last_error: Set(None),
            last_status: Set(None),
            created_at: Set(now),
            delivered_at: Set(None),
            ..Default::default()
        })
        .on_conflict(
            OnConflict::columns([
                webhook_deliveries::Column::EndpointId,
                webhook_deliveries::Column::EventKey,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(txn)
        .await?;
    }
    Ok(())
}

/// The event data of a certificate (no names or e-mail addresses: receivers look people up with
/// the API by `user_id`).
pub fn certificate_data(c: &certificates::Model) -> Value {
    json!({
        "user_id": c.user_id,
        "certificate_code": c.code,
        "course": c.course_slug,
        "issued_at": c.issued_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "expires_at": c.expires_at.map(|e| e.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        "revoked_at": c.revoked_at.map(|e| e.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        "learning_minutes": c.learning_minutes,
    })
}

/// Writes `certificate.expiring` for every valid certificate that expires within
/// [`EXPIRING_DAYS`] (once per certificate and endpoint). Returns how many certificates it looked at.
///
/// # Errors
/// When the database fails.
pub async fn queue_expiring(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<usize, DbErr> {
    let any = webhook_endpoints::Entity::find()
        .filter(webhook_endpoints::Column::Events.contains(EventKind::CertificateExpiring.as_str()))
        .one(db)
        .await?;
    if any.is_none() {
        return Ok(0);
    }
    let certs = certificates::Entity::find()
        .filter(certificates::Column::RevokedAt.is_null())
        .filter(certificates::Column::UserId.is_not_null())
        .filter(certificates::Column::ExpiresAt.gt(now))
        .filter(certificates::Column::ExpiresAt.lte(now + Duration::days(EXPIRING_DAYS)))
        .all(db)
        .await?;
    let txn = db.begin_with_options(crate::db::WRITE).await?;
    for c in &certs {
        if let Some(user) = c.user_id {
            emit(
                &txn,
                user,
                EventKind::CertificateExpiring,
                &c.code,
                certificate_data(c),
                now,
            )
            .await?;
        }
    }
    txn.commit().await?;
    Ok(certs.len())
}

impl lease::Queue for webhook_deliveries::Entity {
    const ID: webhook_deliveries::Column = webhook_deliveries::Column::Id;
    const STATUS: webhook_deliveries::Column = webhook_deliveries::Column::Status;
    const NEXT_ATTEMPT_AT: webhook_deliveries::Column = webhook_deliveries::Column::NextAttemptAt;
    const CLAIM: webhook_deliveries::Column = webhook_deliveries::Column::Claim;
    const CLAIMED_UNTIL: webhook_deliveries::Column = webhook_deliveries::Column::ClaimedUntil;
    const ATTEMPTS: webhook_deliveries::Column = webhook_deliveries::Column::Attempts;
}

/// Claims up to `limit` due deliveries for this sender; each claim counts as an attempt.
///
/// # Errors
/// When the database fails.
pub async fn claim(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    limit: u64,
) -> Result<(String, Vec<webhook_deliveries::Model>), DbErr> {
    let lease = Duration::minutes(LEASE_MINUTES);
    lease::claim::<webhook_deliveries::Entity>(db, now, limit, lease).await
}

/// Marks a claimed delivery delivered, once: only its claim can, and only while it is `sending`.
///
/// # Errors
/// When the database fails.
pub async fn mark_delivered(
    db: &impl ConnectionTrait,
    id: i32,
    claim: &str,
    status: u16,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    use webhook_deliveries::Column as C;
    let changes = vec![
        (C::Status, Expr::value("delivered")),
        (C::DeliveredAt, Expr::value(now)),
        (C::LastStatus, Expr::value(i32::from(status))),
    ];
    lease::settle::<webhook_deliveries::Entity>(db, id, claim, changes).await
}

/// The wait before attempt `attempts + 1`: 1 minute, doubling, at most 6 hours.
pub fn backoff(attempts: i32) -> Duration {
    let exp = u32::try_from(attempts.clamp(1, 16) - 1).unwrap_or(0);
    Duration::minutes(std::cmp::min(1_i64 << exp, 6 * 60))
}

/// Records a failed attempt: retried after [`backoff`], or dead when the attempts are used up or
/// the failure is permanent. Returns true when the delivery is now dead.
///
/// # Errors
/// When the database fails.
pub async fn mark_failed(
    db: &impl ConnectionTrait,
    d: &webhook_deliveries::Model,
    claim: &str,
    failure: &Failure,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let dead = failure.permanent || d.attempts >= MAX_ATTEMPTS;
    let reason: String = failure.reason.chars().take(500).collect();
    use webhook_deliveries::Column as C;
    let changes = vec![
        (
            C::Status,
            Expr::value(if dead { "dead" } else { "pending" }),
        ),
        (C::LastError, Expr::value(reason)),
        (C::LastStatus, Expr::value(failure.status.map(i32::from))),
        (C::NextAttemptAt, Expr::value(now + backoff(d.attempts))),
    ];
    lease::settle::<webhook_deliveries::Entity>(db, d.id, claim, changes).await?;
    Ok(dead)
}

/// A delivery attempt that did not get a 2xx.
#[derive(Debug, Clone)]
pub struct Failure {
    pub reason: String,
    pub status: Option<u16>,
    /// Never worth retrying (the endpoint's address is refused).
    pub permanent: bool,
}

impl Failure {
    fn transient(reason: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
            status: None,
            permanent: false,
        }
    }
}

/// How deliveries connect.
#[derive(Clone)]
pub struct Sender {
    allow_loopback: bool,
    tls: tokio_rustls::TlsConnector,
}

impl Sender {
    /// # Errors
    /// When the TLS configuration cannot be built.
    pub fn new(allow_loopback: bool) -> anyhow::Result<Self> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let roots =
            rustls::RootCertStore::from_iter(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(Self {
            allow_loopback,
            tls: tokio_rustls::TlsConnector::from(Arc::new(config)),
        })
    }

    /// POSTs one signed message; Ok(status) for a 2xx.
    ///
    /// # Errors
    /// A [`Failure`] for anything else.
    pub async fn post(
        &self,
        endpoint: &webhook_endpoints::Model,
        message_id: &str,
        body: &str,
    ) -> Result<u16, Failure> {
        let url = EndpointUrl::parse(&endpoint.url, self.allow_loopback).map_err(|e| Failure {
            reason: e.to_string(),
            status: None,
            permanent: true,
        })?;
        let url = url.url;
        let host = url
            .host_str()
            .ok_or_else(|| Failure::transient("no host"))?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        let port = url
            .port_or_known_default()
            .ok_or_else(|| Failure::transient("no port"))?;
        let addrs: Vec<SocketAddr> = tokio::time::timeout(
            CONNECT_TIMEOUT,
            tokio::net::lookup_host((host.as_str(), port)),
        )
        .await
        .map_err(|_| Failure::transient("the host name did not resolve in time"))?
        .map_err(|_| Failure::transient("the host name did not resolve"))?
        .collect();
        if addrs.is_empty()
            || addrs
                .iter()
                .any(|a| !address_allowed(a.ip(), self.allow_loopback))
        {
            return Err(Failure {
                reason: "the host name resolves to a private or local address".into(),
                status: None,
                permanent: true,
            });
        }
        let timestamp = Utc::now().timestamp();
        let signature = signature(&endpoint.secret, message_id, timestamp, body)
            .ok_or_else(|| Failure::transient("the endpoint's secret is not valid"))?;
        let path = match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_string(),
        };
        let host_header = match url.port() {
            Some(p) => format!("{}:{p}", url.host_str().unwrap_or_default()),
            None => url.host_str().unwrap_or_default().to_string(),
        };
        let request = format!(
            "POST {path} HTTP/1.1\r\nHost: {host_header}\r\nUser-Agent: deepdive-webhooks\r\nContent-Type: application/json\r\nContent-Length: {}\r\nwebhook-id: {message_id}\r\nwebhook-timestamp: {timestamp}\r\nwebhook-signature: {signature}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        let exchange = async {
            let tcp =
                tokio::time::timeout(CONNECT_TIMEOUT, tokio::net::TcpStream::connect(addrs[0]))
                    .await
                    .map_err(|_| Failure::transient("the connection timed out"))?
                    .map_err(|e| Failure::transient(format!("could not connect: {e}")))?;
            if url.scheme() == "https" {
                let name = rustls::pki_types::ServerName::try_from(host.clone())
                    .map_err(|_| Failure::transient("not a valid TLS server name"))?;
                let tls = self
                    .tls
                    .connect(name, tcp)
                    .await
                    .map_err(|e| Failure::transient(format!("TLS failed: {e}")))?;
                exchange(tls, request.as_bytes()).await
            } else {
                exchange(tcp, request.as_bytes()).await
            }
        };
        let status = tokio::time::timeout(RESPONSE_TIMEOUT, exchange)
            .await
            .map_err(|_| Failure::transient("no answer in time"))??;
        if (200..300).contains(&status) {
            Ok(status)
        } else {
            Err(Failure {
                reason: if (300..400).contains(&status) {
                    format!("HTTP {status} (redirects are not followed)")
                } else {
                    format!("HTTP {status}")
                },
                status: Some(status),
                permanent: false,
            })
        }
    }
}

/// Writes the request and reads the status line of the answer.
async fn exchange<S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin>(
    mut stream: S,
    request: &[u8],
) -> Result<u16, Failure> {
    stream
        .write_all(request)
        .await
        .map_err(|e| Failure::transient(format!("could not send: {e}")))?;
    stream
        .flush()
        .await
        .map_err(|e| Failure::transient(format!("could not send: {e}")))?;
    let mut head = Vec::with_capacity(256);
    let mut buf = [0u8; 256];
    while !head.windows(2).any(|w| w == b"\r\n") && head.len() < 4096 {
        let n = stream
            .read(&mut buf)
            .await
            .map_err(|e| Failure::transient(format!("could not read the answer: {e}")))?;
        if n == 0 {
            break;
        }
        head.extend_from_slice(buf.get(..n).unwrap_or_default());
    }
    let line = String::from_utf8_lossy(&head);
    let status = line
        .lines()
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or_else(|| Failure::transient("the answer was not HTTP"))?;
    Ok(status)
}

/// What one delivery pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Delivered {
    pub delivered: u64,
    pub retrying: u64,
    pub dead: u64,
}

/// Delivers every due message until none is left (failures wait for their backoff).
///
/// # Errors
/// When the database fails (a claimed delivery is retried after its lease).
pub async fn deliver_due(
    db: &DatabaseConnection,
    sender: &Sender,
    clock: &crate::clock::Clock,
) -> Result<Delivered, DbErr> {
    let mut done = Delivered::default();
    loop {
        let (claim, batch) = claim(db, clock.now(), BATCH).await?;
        if batch.is_empty() {
            return Ok(done);
        }
        for d in &batch {
            let Some(endpoint) = webhook_endpoints::Entity::find_by_id(d.endpoint_id)
                .one(db)
                .await?
            else {
                continue;
            };
            match sender.post(&endpoint, &d.message_id, &d.payload).await {
                Ok(status) => {
                    if mark_delivered(db, d.id, &claim, status, clock.now()).await? {
                        done.delivered += 1;
                    }
                }
                Err(failure) => {
                    tracing::warn!(delivery = d.id, endpoint = endpoint.id, reason = %failure.reason, "a webhook was not accepted");
                    if mark_failed(db, d, &claim, &failure, clock.now()).await? {
                        done.dead += 1;
                    } else {
                        done.retrying += 1;
                    }
                }
            }
        }
    }
}

/// Deliveries of an organisation's endpoints, newest first (for the org page and tests).
///
/// # Errors
/// When the database fails.
pub async fn deliveries_of(
    db: &impl ConnectionTrait,
    org_id: i32,
    limit: u64,
) -> Result<Vec<webhook_deliveries::Model>, DbErr> {
    webhook_deliveries::Entity::find()
        .filter(
            Expr::col(webhook_deliveries::Column::EndpointId).in_subquery(
                Query::select()
                    .column(webhook_endpoints::Column::Id)
                    .from(webhook_endpoints::Entity)
                    .and_where(Expr::col(webhook_endpoints::Column::OrgId).eq(org_id))
                    .to_owned(),
            ),
        )
        .order_by_desc(webhook_deliveries::Column::Id)
        .limit(limit)
        .all(db)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_matches_the_standard_webhooks_example() {
        // The example in the Standard Webhooks specification (spec/standard-webhooks.md).
        let sig = signature(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1_614_265_330,
            r#"{"test": 2432232314}"#,
        );
        assert_eq!(
            sig.as_deref(),
            Some("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        );
    }

    #[test]
    fn private_and_local_addresses_are_refused_unless_loopback_is_allowed_for_tests() {
        for bad in [
            "10.0.0.1",
            "172.16.5.4",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::",
            "fd00::1",
            "fe80::1",
            "::ffff:10.0.0.1",
            "224.0.0.1",
        ] {
            let ip: IpAddr = bad.parse().unwrap();
            assert!(!address_allowed(ip, true), "{bad} was allowed");
        }
        let lo: IpAddr = "127.0.0.1".parse().unwrap();
        assert!(!address_allowed(lo, false));
        assert!(address_allowed(lo, true));
        assert!(address_allowed("81.2.69.160".parse().unwrap(), false));
        assert!(address_allowed("2a00:1450:4009::1".parse().unwrap(), false));
    }

    #[test]
    fn endpoint_urls_must_be_https_without_credentials_and_not_local() {
        assert!(EndpointUrl::parse("https://hooks.example.org/deepdive", false).is_ok());
        assert_eq!(
            EndpointUrl::parse("http://hooks.example.org/", false).unwrap_err(),
            UrlProblem::NotHttps
        );
        assert_eq!(
            EndpointUrl::parse("https://user:pw@hooks.example.org/", false).unwrap_err(),
            UrlProblem::HasCredentials
        );
        assert_eq!(
            EndpointUrl::parse("https://169.254.169.254/latest", false).unwrap_err(),
            UrlProblem::NotPublic
        );
        assert_eq!(
            EndpointUrl::parse("http://127.0.0.1:9/", false).unwrap_err(),
            UrlProblem::NotHttps
        );
        assert!(EndpointUrl::parse("http://127.0.0.1:9/", true).is_ok());
        assert_eq!(
            EndpointUrl::parse("not a url", false).unwrap_err(),
            UrlProblem::NotAUrl
        );
    }

    #[test]
    fn backoff_doubles_from_a_minute_up_to_six_hours() {
        assert_eq!(backoff(1), Duration::minutes(1));
        assert_eq!(backoff(2), Duration::minutes(2));
        assert_eq!(backoff(4), Duration::minutes(8));
        assert_eq!(backoff(20), Duration::hours(6));
    }
}
