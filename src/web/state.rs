use std::net::IpAddr;
use std::sync::Arc;

use governor::Quota;
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;

use handlebars::Handlebars;
use sea_orm::DatabaseConnection;

use crate::clock::Clock;
use crate::config::Settings;
use crate::course::Course;
use crate::crypto::MacKey;
use crate::services::credentials::SigningKeys;
use crate::services::sessions::Timeouts;

/// What every handler can reach. Cheap to clone: everything is shared.
#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    /// The write path of the hot write use cases (group commit on SQLite).
    pub writer: crate::db::Writer,
    pub course: Arc<Course>,
    pub templates: Arc<Handlebars<'static>>,
    pub settings: Arc<Settings>,
    pub clock: Clock,
    /// Key for CSRF tokens (HMAC-SHA256), shared by all instances through the database.
    pub csrf_key: Arc<MacKey>,
    /// Key that signs quiz attempt tickets.
    pub quiz_key: Arc<MacKey>,
    /// Keys that sign Open Badges credentials.
    pub signing_keys: Arc<SigningKeys>,
    /// Per-IP limit on the public verify pages, against code guessing.
    pub verify_limiter: Arc<IpLimiter>,
    /// Per-IP limit on log-in, registration and activation, against password guessing at scale.
    pub auth_limiter: Arc<IpLimiter>,
    /// Per-token limit on the `/api/v1` API.
    pub api_limiter: Arc<TokenLimiter>,
    /// The operator's privacy text (`course/privacy.md`), rendered and sanitised at start-up.
    pub privacy_notice_html: Option<Arc<String>>,
    /// Certificate PDFs already rendered.
    pub pdf_cache: Arc<crate::pdf::cache::PdfCache>,
    /// Pages rendered once per shape (`web::shell`).
    pub shells: Arc<crate::web::shell::Shells>,
    /// Live sessions and what page headers show about them, kept exact by `cache_sync`.
    pub session_cache: Arc<crate::services::session_cache::SessionCache>,
    /// Applies the database's change events to `session_cache` (after each write request, and in
    /// the background).
    pub cache_sync: Arc<crate::services::session_cache::sync::CacheSync>,
    /// OpenID providers' discovery documents and keys, cached per issuer (single sign-on).
    pub oidc: Arc<crate::services::sso::OidcClients>,
}

/// A per-IP rate limiter on the app's [`Clock`] (so tests can stop and move its time).
pub type IpLimiter = governor::RateLimiter<
    IpAddr,
    DefaultKeyedStateStore<IpAddr>,
    Clock,
    NoOpMiddleware<std::time::Duration>,
>;

/// A per-API-token rate limiter (keyed by the token's id), on the app's [`Clock`].
pub type TokenLimiter = governor::RateLimiter<
    i32,
    DefaultKeyedStateStore<i32>,
    Clock,
    NoOpMiddleware<std::time::Duration>,
>;

/// A per-token limiter allowing `per_minute` requests a minute (with that many in a burst).
pub fn per_minute_token_limiter(per_minute: u32, clock: &Clock) -> Arc<TokenLimiter> {
    let n = std::num::NonZeroU32::new(per_minute.max(1)).unwrap_or(std::num::NonZeroU32::MIN);
    Arc::new(governor::RateLimiter::new(
        Quota::per_minute(n),
        DefaultKeyedStateStore::default(),
        clock.clone(),
    ))
}

/// A per-IP limiter allowing `per_minute` requests a minute (with that many in a burst).
pub fn per_minute_limiter(per_minute: u32, clock: &Clock) -> Arc<IpLimiter> {
    let n = std::num::NonZeroU32::new(per_minute.max(1)).unwrap_or(std::num::NonZeroU32::MIN);
    Arc::new(governor::RateLimiter::new(
        Quota::per_minute(n),
        DefaultKeyedStateStore::default(),
        clock.clone(),
    ))
}

impl AppState {
    /// Refuses with 429 when this IP has made too many log-in, registration or activation attempts.
    ///
    /// # Errors
    /// `TooManyRequests`.
    pub fn check_auth_rate(
        &self,
        req: &actix_web::HttpRequest,
    ) -> Result<(), crate::error::AppError> {
        match crate::web::extract::client_ip(req) {
            Some(ip) if self.auth_limiter.check_key(&ip).is_err() => {
                tracing::warn!("per-IP limit on log-in attempts reached");
                Err(crate::error::AppError::TooManyRequests)
            }
            _ => Ok(()),
        }
    }

    /// What the mail worker and a reminder pass need from the state.
    pub fn mail_pass(&self) -> crate::services::reminders::Pass<'_> {
        crate::services::reminders::Pass {
            db: &self.db,
            course: &self.course,
            templates: &self.templates,
            settings: &self.settings,
            clock: &self.clock,
        }
    }

    /// Sends what is due in the outbox in the background, right after a request wrote a message:
    /// a slow or refusing SMTP server never holds up the answer (the mail worker retries).
    pub fn send_mail_soon(&self) {
        if self.settings.smtp.is_none() {
            return;
        }
        let state = self.clone();
        tokio::spawn(async move {
            if let Err(e) = crate::services::reminders::deliver(&state.mail_pass()).await {
                tracing::warn!(error = %e, "the outbox could not be sent now; the worker retries");
            }
        });
    }

    pub fn timeouts(&self) -> Timeouts {
        Timeouts {
            idle_minutes: self.settings.idle_timeout_minutes,
            absolute_hours: self.settings.absolute_timeout_hours,
        }
    }
}
