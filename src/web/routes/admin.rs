//! The platform admin area: certificates (search, revoke) and the audit log.
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};

use crate::domain::CertificateCode;
use crate::error::AppError;
use crate::services::audit::{self, AuditEvent};
use crate::services::certificates;
use crate::web::AppState;
use crate::web::csrf::CsrfForm;
use crate::web::session::{PlatformAdmin, Visitor};
use crate::web::view::{View, render, see_other};

fn visitor_of(admin: &PlatformAdmin) -> Visitor {
    Visitor {
        user: Some(admin.0.user.clone()),
        session_token: Some(admin.0.session_token.clone()),
    }
}

#[derive(Deserialize)]
pub struct AdminQuery {
    q: Option<String>,
}

#[derive(Serialize)]
struct CertRow {
    code: String,
    code_display: String,
    holder_name: String,
    issued: String,
    status: &'static str,
}

#[derive(Serialize)]
struct AuditRow {
    at: String,
    actor: String,
    action: String,
    target: String,
    detail: String,
}

#[derive(Serialize)]
struct OrgRow {
    slug: String,
    name: String,
}

#[derive(Serialize)]
struct AdminPage {
    organisations: Vec<OrgRow>,
    q: String,
    certificates: Vec<CertRow>,
    audit: Vec<AuditRow>,
}

/// `GET /admin`: certificates (searchable by name or code) and the newest audit entries.
pub async fn admin_home(
    state: web::Data<AppState>,
    req: HttpRequest,
    admin: PlatformAdmin,
    query: web::Query<AdminQuery>,
) -> Result<HttpResponse, AppError> {
    let q = query.q.clone().unwrap_or_default();
    let now = state.clock.now();
    let certs = certificates::search(&state.db, &q, 50).await?;
    let entries = audit::recent(&state.db, 50).await?;
    let organisations = crate::services::organisations::all(&state.db)
        .await?
        .into_iter()
        .map(|o| OrgRow {
            slug: o.slug,
            name: o.name,
        })
        .collect();
    let page = AdminPage {
        organisations,
        certificates: certs
            .iter()
            .map(|c| CertRow {
                code: c.code.clone(),
                code_display: CertificateCode::parse(&c.code)
                    .map_or_else(|| c.code.clone(), |k| k.to_string()),
                holder_name: c.holder_name.clone(),
                issued: c.issued_at.format("%-d %b %Y").to_string(),
                status: certificates::status(c, now).as_str(),
            })
            .collect(),
        audit: entries
            .into_iter()
            .map(|e| AuditRow {
                at: e.at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
                actor: e
                    .actor_user_id
                    .map_or_else(|| "–".into(), |a| format!("user:{a}")),
                action: e.action,
                target: e.target.unwrap_or_default(),
                detail: e.detail.unwrap_or_default(),
            })
            .collect(),
        q,
    };
    render(
        &state,
        &req,
        &visitor_of(&admin),
        View::new(StatusCode::OK, "admin/home", "Admin", "admin"),
        &page,
    )
}

#[derive(Serialize)]
struct CertificateAdminPage {
    code: String,
    code_display: String,
    holder_name: String,
    course: String,
    issued: String,
    expires: Option<String>,
    status: &'static str,
    revoked: Option<String>,
    revoked_reason: Option<String>,
    reason: String,
    error: Option<String>,
}

async fn certificate_page(
    state: &AppState,
    req: &HttpRequest,
    admin: &PlatformAdmin,
    raw: &str,
    reason: &str,
    error: Option<String>,
) -> Result<HttpResponse, AppError> {
    let code = CertificateCode::parse(raw).ok_or(AppError::NotFound)?;
    let c = certificates::by_code(&state.db, &code)
        .await?
        .ok_or(AppError::NotFound)?;
    let page = CertificateAdminPage {
        code: c.code.clone(),
        code_display: code.to_string(),
        holder_name: c.holder_name.clone(),
        course: format!("{} (version {})", c.course_title, c.course_version),
        issued: c.issued_at.format("%-d %B %Y").to_string(),
        expires: c.expires_at.map(|e| e.format("%-d %B %Y").to_string()),
        status: certificates::status(&c, state.clock.now()).as_str(),
        revoked: c
            .revoked_at
            .map(|r| r.format("%-d %B %Y %H:%M UTC").to_string()),
        revoked_reason: c.revoked_reason.clone(),
        reason: reason.to_string(),
        error: error.clone(),
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let title = format!("Certificate {}", code);
    render(
        state,
        req,
        &visitor_of(admin),
        View::new(status, "admin/certificate", &title, "admin"),
        &page,
    )
}

/// `GET /admin/certificates/{code}`
pub async fn show_certificate(
    state: web::Data<AppState>,
    req: HttpRequest,
    admin: PlatformAdmin,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    certificate_page(&state, &req, &admin, &path, "", None).await
}

/// `POST /admin/certificates/{code}/revoke`: field `reason` (required); audited.
pub async fn revoke_certificate(
    state: web::Data<AppState>,
    req: HttpRequest,
    admin: PlatformAdmin,
    form: CsrfForm,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let reason = form.fields.get("reason").trim().to_string();
    if reason.is_empty() || reason.chars().count() > 500 {
        let message = if reason.is_empty() {
            "Enter the reason for revoking this certificate"
        } else {
            "Reason must be 500 characters or fewer"
        };
        return certificate_page(&state, &req, &admin, &path, &reason, Some(message.into())).await;
    }
    let code = CertificateCode::parse(&path).ok_or(AppError::NotFound)?;
    let cert = certificates::by_code(&state.db, &code)
        .await?
        .ok_or(AppError::NotFound)?;
    certificates::revoke(&state.db, &cert, &reason, admin.0.id(), state.clock.now()).await?;
    audit::record(
        &state.db,
        &state.clock,
        AuditEvent {
            actor: Some(admin.0.id()),
            action: "certificate.revoke",
            target: Some(format!("certificate:{}", cert.code)),
            detail: Some(reason),
            ip: req.peer_addr().map(|a| a.ip().to_string()),
        },
    )
    .await?;
    Ok(see_other(&format!("/admin/certificates/{}", cert.code)))
}

/// `POST /admin/organisations`: fields `name`, `slug`.
pub async fn create_organisation(
    state: web::Data<AppState>,
    req: HttpRequest,
    admin: PlatformAdmin,
    form: CsrfForm,
) -> Result<HttpResponse, AppError> {
    use crate::services::organisations::{self as orgs, OrgError};
    let name = form.fields.get("name").trim().to_string();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(AppError::BadRequest(
            "Enter the organisation's name (up to 200 characters). Go back and try again.".into(),
        ));
    }
    let slug = orgs::parse_slug(form.fields.get("slug")).map_err(|m| {
        AppError::BadRequest(format!("Web address name: {m}. Go back and try again."))
    })?;
    match orgs::create(&state.db, &name, &slug, state.clock.now()).await {
        Ok(org) => {
            audit::record(
                &state.db,
                &state.clock,
                AuditEvent {
                    actor: Some(admin.0.id()),
                    action: "org.create",
                    target: Some(format!("org:{}", org.id)),
                    detail: Some(org.name.clone()),
                    ip: req.peer_addr().map(|a| a.ip().to_string()),
                },
            )
            .await?;
            Ok(see_other(&format!("/org/{}", org.slug)))
        }
        Err(OrgError::SlugTaken) => Err(AppError::BadRequest(
            "Another organisation already uses that web address name. Go back and choose another."
                .into(),
        )),
        Err(OrgError::Db(e)) => Err(e.into()),
        Err(e) => Err(AppError::Unexpected(anyhow::anyhow!("{e}"))),
    }
}

/// `POST /admin/organisations/{slug}/admins`: field `email` of an existing account, made an org admin there.
pub async fn appoint_org_admin(
    state: web::Data<AppState>,
    req: HttpRequest,
    admin: PlatformAdmin,
    form: CsrfForm,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    use crate::domain::Email;
    use crate::domain::import::MemberRole;
    use crate::services::organisations as orgs;
    let org = orgs::by_slug(&state.db, &path)
        .await?
        .ok_or(AppError::NotFound)?;
    let email = Email::parse(form.fields.get("email"))
        .map_err(|m| AppError::BadRequest(format!("{m}. Go back and try again.")))?;
    let user = crate::services::auth::find_by_email(&state.db, &email)
        .await?
        .ok_or_else(|| AppError::BadRequest("There is no account with that email address. Ask the person to register first, or import them. Go back and try again.".into()))?;
    orgs::add_member(
        &state.db,
        org.id,
        user.id,
        MemberRole::OrgAdmin,
        None,
        state.clock.now(),
    )
    .await?;
    audit::record(
        &state.db,
        &state.clock,
        AuditEvent {
            actor: Some(admin.0.id()),
            action: "org.admin.appoint",
            target: Some(format!("org:{}", org.id)),
            detail: Some(format!("user:{}", user.id)),
            ip: req.peer_addr().map(|a| a.ip().to_string()),
        },
    )
    .await?;
    Ok(see_other(&format!("/org/{}", org.slug)))
}

/// `POST /admin/users/{id}/disable`: disables an account and ends all its sessions.
pub async fn disable_user(
    state: web::Data<AppState>,
    req: HttpRequest,
    admin: PlatformAdmin,
    _form: CsrfForm,
    path: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    if !crate::services::organisations::disable_user(&state.db, id, state.clock.now()).await? {
        return Err(AppError::NotFound);
    }
    audit::record(
        &state.db,
        &state.clock,
        AuditEvent {
            actor: Some(admin.0.id()),
            action: "account.disable",
            target: Some(format!("user:{id}")),
            detail: None,
            ip: req.peer_addr().map(|a| a.ip().to_string()),
        },
    )
    .await?;
    Ok(see_other("/admin"))
}
