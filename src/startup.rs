//! Builds the application: database, migrations, course, templates, shared state, routes and middleware.
use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::middleware::{Compress, ErrorHandlers, from_fn};
use actix_web::{App, HttpServer, web};
use anyhow::Context;
use tracing_actix_web::TracingLogger;

use crate::clock::Clock;
use crate::config::Settings;
use crate::course::load_course;
use crate::crypto::MacKey;
use crate::error::AppError;
use crate::services::credentials::SigningKeys;
use crate::services::{progress, secrets};
use crate::web::form::FORM_LIMIT;
use crate::web::middleware::{error_page, security_headers};
use crate::web::state::per_minute_limiter;
use crate::web::{AppState, assets, routes};

pub struct Application {
    port: u16,
    server: Server,
    state: AppState,
}

/// Why the application could not start; the course problems are listed for the author.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("{0}")]
    Course(#[from] crate::course::CourseError),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl Application {
    /// Connects, migrates, loads and validates the course, and binds the listener (port 0 picks a free port).
    ///
    /// # Errors
    /// An invalid course, an unreachable database, or an address that cannot be bound.
    pub async fn build(settings: Settings, clock: Clock) -> Result<Self, StartError> {
        let course = Arc::new(load_course(&settings.course_dir)?);
        let templates = Arc::new(assets::templates()?);
        let db = crate::db::connect(&settings).await?;
        crate::db::migrate(&db, &settings).await?;
        progress::reconcile_course(&db, &course, &clock)
            .await
            .context("cannot bring stored progress up to date with the course")?;
        let csrf_key = Arc::new(MacKey::new(
            &secrets::get_or_create(&db, "csrf", &clock).await?,
        )?);
        let quiz_key = Arc::new(MacKey::new(
            &secrets::get_or_create(&db, "quiz", &clock).await?,
        )?);
        // One process owns a SQLite file, so its keys live beside it; instances sharing PostgreSQL
        // share their keys through the database unless a (shared) key file is named.
        let shared = settings.database_url.is_some() && !settings.signing_keys_file_given;
        let signing_keys = if shared {
            SigningKeys::load_or_create_shared(&db, clock.now()).await?
        } else {
            SigningKeys::load_or_create(&settings.signing_keys_file, &clock.now().to_rfc3339())?
        };
        let subject_secret = secrets::get_or_create(&db, "credential_subject", &clock).await?;
        let signing_keys = Arc::new(signing_keys.with_subject_secret(subject_secret));
        let verify_limiter = per_minute_limiter(settings.verify_rate_per_minute, &clock);
        let auth_limiter = per_minute_limiter(settings.auth_rate_per_minute, &clock);
        let api_limiter =
            crate::web::state::per_minute_token_limiter(settings.api_rate_per_minute, &clock);
        let privacy_notice_html =
            crate::course::load_privacy_notice(&settings.course_dir)?.map(Arc::new);
        let listener = TcpListener::bind(&settings.addr)
            .with_context(|| format!("cannot listen on {}", settings.addr))?;
        let port = listener.local_addr().context("no local address")?.port();
        // `--addr HOST:0` picks a free port: links, credential ids and key URLs need the real one.
        let mut settings = settings;
        if settings.base_url == format!("http://{}", settings.addr) && settings.addr.ends_with(":0")
        {
            let bound = settings.addr.trim_end_matches(":0");
            settings.base_url = format!("http://{bound}:{port}");
        }
        let (session_cache, cache_sync) = crate::services::session_cache::sync::CacheSync::start(
            &db,
            settings.database_url.as_deref(),
        )
        .await
        .context("cannot read the session cache's change events")?;
        cache_sync.spawn(db.clone());
        let writer = crate::db::Writer::start(&db);
        let state = AppState {
            db,
            writer,
            course,
            templates,
            settings: Arc::new(settings),
            clock,
            csrf_key,
            quiz_key,
            signing_keys,
            verify_limiter,
            auth_limiter,
            api_limiter,
            privacy_notice_html,
            pdf_cache: Arc::default(),
            shells: Arc::default(),
            session_cache,
            cache_sync,
            oidc: Arc::new(crate::services::sso::OidcClients::new()?),
        };
        let server = run(listener, state.clone())?;
        Ok(Self {
            port,
            server,
            state,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Starts the webhook worker: every 30 seconds it queues `certificate.expiring` events and
    /// delivers what is due in the webhook outbox. A failing endpoint only delays its own events.
    pub fn spawn_webhook_worker(&self) {
        let state = self.state.clone();
        let sender =
            match crate::services::webhooks::Sender::new(state.settings.webhooks_allow_loopback) {
                Ok(s) => s,
                Err(e) => {
                    tracing::error!(error = %e, "webhooks are off: no TLS configuration");
                    return;
                }
            };
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(30));
            loop {
                tick.tick().await;
                if let Err(e) =
                    crate::services::webhooks::queue_expiring(&state.db, state.clock.now()).await
                {
                    tracing::warn!(error = %e, "queueing expiring-certificate webhooks failed");
                }
                match crate::services::webhooks::deliver_due(&state.db, &sender, &state.clock).await
                {
                    Ok(d) if d.delivered + d.retrying + d.dead > 0 => tracing::info!(
                        delivered = d.delivered,
                        retrying = d.retrying,
                        dead = d.dead,
                        "webhook pass"
                    ),
                    Ok(_) => {}
                    Err(e) => {
                        tracing::warn!(error = %e, "the webhook pass failed; trying again later")
                    }
                }
            }
        });
    }

    /// Starts the e-mail worker: every minute it sends what is due in the outbox (account messages
    /// written by requests), and every `reminder_interval_minutes` it runs the full reminder pass.
    /// Nothing runs without SMTP settings. A failing SMTP server only delays mail: the worker logs
    /// and carries on, and requests never wait for it.
    pub fn spawn_mail_worker(&self) {
        let state = self.state.clone();
        if state.settings.smtp.is_none() {
            tracing::info!("no SMTP settings: e-mail and reminders are off");
            return;
        }
        tokio::spawn(async move {
            let interval = i64::from(state.settings.reminder_interval_minutes);
            let mut last_pass: Option<chrono::DateTime<chrono::Utc>> = None;
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
            loop {
                tick.tick().await;
                let pass = state.mail_pass();
                let now = state.clock.now();
                let full = interval > 0
                    && last_pass.is_none_or(|t| now - t >= chrono::Duration::minutes(interval));
                let result = if full {
                    last_pass = Some(now);
                    crate::services::reminders::run_pass(&pass, false)
                        .await
                        .map(|r| (r.queued, r.delivered))
                } else {
                    crate::services::reminders::deliver(&pass)
                        .await
                        .map(|d| (0, d))
                };
                match result {
                    Ok((queued, d)) if queued + d.sent + d.retrying + d.dead > 0 => {
                        tracing::info!(
                            queued,
                            sent = d.sent,
                            retrying = d.retrying,
                            dead = d.dead,
                            "e-mail pass"
                        );
                    }
                    Ok(_) => {}
                    Err(e) => {
                        tracing::warn!(error = %e, "the e-mail pass failed; trying again later")
                    }
                }
            }
        });
    }

    /// Serves until SIGINT/SIGTERM, then finishes the requests in flight.
    ///
    /// # Errors
    /// When the server fails.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

fn run(listener: TcpListener, state: AppState) -> anyhow::Result<Server> {
    let data = web::Data::new(state);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .app_data(web::PayloadConfig::new(FORM_LIMIT))
            .app_data(web::QueryConfig::default().error_handler(|_, _| {
                AppError::BadRequest(
                    "The web address has a query that could not be understood.".into(),
                )
                .into()
            }))
            .app_data(web::PathConfig::default().error_handler(|_, _| AppError::NotFound.into()))
            .wrap(from_fn(crate::web::middleware::load_visitor))
            .wrap(ErrorHandlers::new().default_handler(error_page))
            .wrap(from_fn(security_headers))
            .wrap(Compress::default())
            .wrap(TracingLogger::<crate::telemetry::RequestSpan>::new())
            .configure(routes::configure)
            // Unknown addresses: the visitor is looked up so that the 404 page shows who is logged in.
            .default_service(web::to(unrouted))
    })
    .shutdown_timeout(10)
    .listen(listener)
    .context("cannot start the HTTP server")?
    .run();
    Ok(server)
}

/// Unknown addresses: problem JSON under `/api/` (405 for a known address with another method);
/// elsewhere the visitor is looked up so that the 404 page shows who is logged in.
async fn unrouted(
    req: actix_web::HttpRequest,
) -> Result<actix_web::HttpResponse, actix_web::Error> {
    use actix_web::FromRequest;
    if let Some(e) = crate::web::api::unrouted(&req) {
        return Err(e.into());
    }
    crate::web::session::Visitor::extract(&req).await?;
    Err(AppError::NotFound.into())
}
