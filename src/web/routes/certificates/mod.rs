//! The learner's certificate, its PDF, the public verify page, the signed credential and the JWK set.
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::domain::CertificateCode;
use crate::entities::certificates as cert_entity;
use crate::error::AppError;
use crate::services::certificates::{self, Status};
use crate::services::credentials::signed_credential;
use crate::services::learning_time::Minutes;
use crate::services::progress;
use crate::web::AppState;
use crate::web::page::Page;
use crate::web::session::CurrentUser;
use crate::web::view::View;

mod pdf;
pub use pdf::certificate_pdf;

pub fn verify_url(state: &AppState, code: &str) -> String {
    format!("{}/verify/{code}", state.settings.base_url)
}

fn date(d: chrono::DateTime<chrono::Utc>, tz: Tz) -> String {
    crate::local_time::date_of(d, tz)
}

/// The zone a certificate's dates are shown in, whoever looks: its holder's organisation's
/// (Europe/London when they have none or the account has gone).
async fn holder_zone(state: &AppState, c: &cert_entity::Model) -> Result<Tz, AppError> {
    Ok(match c.user_id {
        Some(id) => crate::services::pacing::user_zone(&state.db, id).await?,
        None => crate::local_time::SERVICE_ZONE,
    })
}

#[derive(Serialize)]
struct CertificateView {
    code: String,
    code_display: String,
    holder_name: String,
    course_title: String,
    course_version: String,
    issued: String,
    expires: Option<String>,
    status: &'static str,
    valid: bool,
    revoked: Option<String>,
    verify_url: String,
    modules: Vec<ModuleLine>,
    /// "3 hours 40 minutes" (the dashboard's words), on certificates that record learning time.
    learning_hours: Option<String>,
}

#[derive(Serialize)]
struct ModuleLine {
    number: usize,
    title: String,
    completed: String,
    best_score: Option<i32>,
}

fn view_of(state: &AppState, c: &cert_entity::Model, tz: Tz) -> CertificateView {
    let date = |d| date(d, tz);
    let code = CertificateCode::parse(&c.code);
    let status = certificates::status(c, state.clock.now());
    CertificateView {
        code: c.code.clone(),
        code_display: code.map_or_else(|| c.code.clone(), |k| k.to_string()),
        holder_name: c.holder_name.clone(),
        course_title: c.course_title.clone(),
        course_version: c.course_version.clone(),
        issued: date(c.issued_at),
        expires: c.expires_at.map(date),
        status: status.as_str(),
        valid: status == Status::Valid,
        revoked: c.revoked_at.map(date),
        verify_url: verify_url(state, &c.code),
        modules: certificates::modules_of(c)
            .into_iter()
            .map(|m| ModuleLine {
                number: m.number,
                title: m.title,
                completed: m.completed_at,
                best_score: m.best_score,
            })
            .collect(),
        learning_hours: learning_minutes(c).map(Minutes::in_words),
    }
}

fn learning_minutes(c: &cert_entity::Model) -> Option<Minutes> {
    c.learning_minutes
        .and_then(|m| u32::try_from(m).ok())
        .map(Minutes)
}

#[derive(Serialize)]
struct CertificatePage {
    current: Option<CertificateView>,
    older: Vec<CertificateView>,
    percent: i32,
    modules_left: usize,
    plan: PlanStatus,
}

/// Where the learner's plan stands, for the certificate page (the course may ask for it).
#[derive(Serialize)]
struct PlanStatus {
    required: bool,
    submitted: Option<String>,
    reviewed: Option<String>,
}

/// `GET /certificate`: the learner's certificate once earned, with its PDF, verify and share links.
pub async fn my_certificate(page: Page, user: CurrentUser) -> Result<HttpResponse, AppError> {
    let state = &page.state;
    let tz = page.zone().await?;
    let mut all: Vec<CertificateView> = certificates::for_user(&state.db, user.id())
        .await?
        .iter()
        .map(|c| view_of(state, c, tz))
        .collect();
    let current = (!all.is_empty()).then(|| all.remove(0));
    let overview = progress::overview(&state.db, &state.course, user.id()).await?;
    let latest = crate::services::team_plan::latest_for_learner(&state.db, user.id()).await?;
    let vm = CertificatePage {
        current,
        older: all,
        percent: overview.percent,
        modules_left: overview.modules.iter().filter(|m| !m.completed).count(),
        plan: PlanStatus {
            required: state.course.require_plan_submission,
            submitted: latest.as_ref().map(|s| date(s.submitted_at, tz)),
            reviewed: latest.and_then(|s| s.reviewed_at).map(|d| date(d, tz)),
        },
    };
    page.ok("certificates/mine", "Your certificate", "certificate", &vm)
}

fn limited(state: &AppState, req: &HttpRequest) -> Result<(), AppError> {
    let ip = crate::web::extract::client_ip(req);
    match ip {
        Some(ip) if state.verify_limiter.check_key(&ip).is_err() => {
            tracing::warn!("verify rate limit reached");
            Err(AppError::TooManyRequests)
        }
        _ => Ok(()),
    }
}

async fn find(
    state: &AppState,
    req: &HttpRequest,
    raw: &str,
) -> Result<cert_entity::Model, AppError> {
    limited(state, req)?;
    let code = CertificateCode::parse(raw).ok_or(AppError::NotFound)?;
    certificates::by_code(&state.db, &code)
        .await?
        .ok_or(AppError::NotFound)
}

/// A code nobody holds (often a typing slip): the check form again, saying so, with a 404. The
/// page is the same whatever was typed, so it tells nothing about which codes exist.
fn no_such_certificate(page: &Page) -> Result<HttpResponse, AppError> {
    let vm = VerifyFormPage {
        error: Some(
            "No certificate has that code. Check the code on the certificate and enter it again"
                .into(),
        ),
        code: String::new(),
    };
    let view = View::new(
        StatusCode::NOT_FOUND,
        "certificates/verify_form",
        "Error: Check a certificate",
        "",
    );
    page.render(view.noindex(), &vm)
}

#[derive(Deserialize)]
pub struct VerifyQuery {
    code: Option<String>,
}

#[derive(Serialize)]
struct VerifyFormPage {
    code: String,
    error: Option<String>,
}

/// `GET /verify`: a form to type a certificate code.
pub async fn verify_form(
    page: Page,
    query: web::Query<VerifyQuery>,
) -> Result<HttpResponse, AppError> {
    const TEMPLATE: &str = "certificates/verify_form";
    let typed = query.code.clone().unwrap_or_default();
    if typed.trim().is_empty() {
        let vm = VerifyFormPage {
            code: String::new(),
            error: None,
        };
        return page.ok(TEMPLATE, "Check a certificate", "", &vm);
    }
    if let Some(code) = CertificateCode::parse(&typed) {
        return Ok(page.see_other(&format!("/verify/{}", code.as_str())));
    }
    let vm = VerifyFormPage {
        code: typed,
        error: Some(
            "Enter the 12-character code printed on the certificate, like 7K2M-9QRT-4HXV".into(),
        ),
    };
    page.invalid(TEMPLATE, "Check a certificate", "", &vm)
}

#[derive(Serialize)]
struct VerifyPage {
    cert: CertificateView,
    removed: bool,
    expired: bool,
    revoked: bool,
    credential_url: String,
}

/// `GET /verify/{code}`: public verification. Shows nothing personal beyond the name on the certificate.
pub async fn verify(page: Page, path: web::Path<String>) -> Result<HttpResponse, AppError> {
    let state = &page.state;
    let cert = match find(state, &page.req, &path).await {
        Err(AppError::NotFound) => return no_such_certificate(&page),
        other => other?,
    };
    let view = view_of(state, &cert, holder_zone(state, &cert).await?);
    let vm = VerifyPage {
        removed: cert.holder_removed_at.is_some(),
        expired: view.status == "expired",
        revoked: view.status == "revoked",
        credential_url: format!("/verify/{}/credential.json", cert.code),
        cert: view,
    };
    let view = View::new(
        StatusCode::OK,
        "certificates/verify",
        "Certificate check",
        "",
    );
    page.render(view.noindex(), &vm)
}

/// `GET /verify/{code}/credential.json`: the Open Badges 3.0 credential and its VC-JWT (`jws`).
/// With `Accept: application/vc+jwt`, the VC-JWT alone.
pub async fn credential_json(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let cert = find(&state, &req, &path).await?;
    let (vc, jws) = signed_credential(
        &state.signing_keys,
        &cert,
        &state.settings.base_url,
        &state.course.title,
    );
    let wants_jwt = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("application/vc+jwt"));
    if wants_jwt {
        return Ok(HttpResponse::Ok()
            .content_type("application/vc+jwt")
            .insert_header(("x-robots-tag", "noindex"))
            .body(jws));
    }
    let status = certificates::status(&cert, state.clock.now());
    let body = serde_json::json!({
        "credential": vc,
        "jws": jws,
        "status": status.as_str(),
        "jwks": format!("{}/.well-known/jwks.json", state.settings.base_url),
    });
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .insert_header(("x-robots-tag", "noindex"))
        .json(body))
}

/// `GET /verify/{code}/status`: the credential's current status (valid, expired or revoked).
pub async fn credential_status(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let cert = find(&state, &req, &path).await?;
    let status = certificates::status(&cert, state.clock.now());
    Ok(HttpResponse::Ok()
        .insert_header(("x-robots-tag", "noindex"))
        .json(serde_json::json!({
            "status": status.as_str(),
            "issued": cert.issued_at,
            "expires": cert.expires_at,
            "revoked": cert.revoked_at,
        })))
}

/// `GET /.well-known/jwks.json`: the public keys that sign credentials.
pub async fn jwks(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/jwk-set+json")
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .body(
            state
                .signing_keys
                .jwks(&state.settings.base_url)
                .to_string(),
        )
}
