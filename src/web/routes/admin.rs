//! The platform admin area: certificates (search, revoke), the audit log, and removing a leaver's account.
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};

use crate::domain::CertificateCode;
use crate::error::AppError;
use crate::services::audit;
use crate::services::platform_admin;
use crate::services::privacy::{self, EraseError, ErasedBy, ErasurePolicy};
use crate::services::{account, auth as accounts, certificates};
use crate::web::AppState;
use crate::web::csrf::CsrfForm;
use crate::web::extract::actor;
use crate::web::page::Page;
use crate::web::session::PlatformAdmin;
use crate::web::view::{View, see_other};

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

/// A lesson whose facts are due to be checked again (front matter `review_by`).
#[derive(Serialize)]
struct DueLessonRow {
    url: String,
    title: String,
    module: String,
    file: String,
    review_by: String,
    /// "3 days overdue", "due today", "due in 12 days".
    when: String,
    overdue: bool,
}

/// Lessons are listed from this many days before their review date.
const REVIEW_NOTICE_DAYS: i64 = 30;

fn lessons_due(
    course: &crate::course::Course,
    course_dir: &std::path::Path,
    today: chrono::NaiveDate,
) -> Vec<DueLessonRow> {
    course
        .lessons_due_for_review(today, REVIEW_NOTICE_DAYS)
        .into_iter()
        .map(|d| DueLessonRow {
            url: format!("/modules/{}/lessons/{}", d.module.slug, d.lesson.slug),
            title: d.lesson.title.clone(),
            module: format!("Module {}: {}", d.module.number, d.module.title),
            // The file within the course folder, not the server's full path.
            file: std::path::Path::new(&d.lesson.file)
                .strip_prefix(course_dir)
                .map_or_else(|_| d.lesson.file.clone(), |p| p.display().to_string()),
            review_by: d.lesson.review_by.format("%-d %B %Y").to_string(),
            when: match d.days_left {
                0 => "due today".into(),
                1 => "due tomorrow".into(),
                -1 => "1 day overdue".into(),
                n if n < 0 => format!("{} days overdue", -n),
                n => format!("due in {n} days"),
            },
            overdue: d.days_left < 0,
        })
        .collect()
}

#[derive(Serialize)]
struct ModuleRow {
    slug: String,
    number: usize,
    title: String,
}

#[derive(Serialize)]
struct AdminPage {
    organisations: Vec<OrgRow>,
    /// For the SCORM package downloads.
    modules: Vec<ModuleRow>,
    q: String,
    certificates: Vec<CertRow>,
    audit: Vec<AuditRow>,
    lessons_due: Vec<DueLessonRow>,
}

/// `GET /admin`: certificates (searchable by name or code) and the newest audit entries.
pub async fn admin_home(
    page: Page,
    _admin: PlatformAdmin,
    query: web::Query<AdminQuery>,
) -> Result<HttpResponse, AppError> {
    let state = &page.state;
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
    let vm = AdminPage {
        organisations,
        modules: state
            .course
            .modules
            .iter()
            .map(|m| ModuleRow {
                slug: m.slug.clone(),
                number: m.number,
                title: m.title.clone(),
            })
            .collect(),
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
        lessons_due: lessons_due(&state.course, &state.settings.course_dir, now.date_naive()),
    };
    page.render(
        View::new(StatusCode::OK, "admin/home", "Admin", "admin"),
        &vm,
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
    page: &Page,
    raw: &str,
    reason: &str,
    error: Option<String>,
) -> Result<HttpResponse, AppError> {
    let state = &page.state;
    let code = CertificateCode::parse(raw).ok_or(AppError::NotFound)?;
    let c = certificates::by_code(&state.db, &code)
        .await?
        .ok_or(AppError::NotFound)?;
    let vm = CertificateAdminPage {
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
    page.render(View::new(status, "admin/certificate", &title, "admin"), &vm)
}

/// `GET /admin/certificates/{code}`
pub async fn show_certificate(
    page: Page,
    _admin: PlatformAdmin,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    certificate_page(&page, &path, "", None).await
}

/// `POST /admin/certificates/{code}/revoke`: field `reason` (required); audited.
pub async fn revoke_certificate(
    page: Page,
    admin: PlatformAdmin,
    form: CsrfForm,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let (state, req) = (&page.state, &page.req);
    let reason = form.fields.get("reason").trim().to_string();
    if reason.is_empty() || reason.chars().count() > 500 {
        let message = if reason.is_empty() {
            "Enter the reason for revoking this certificate"
        } else {
            "Reason must be 500 characters or fewer"
        };
        return certificate_page(&page, &path, &reason, Some(message.into())).await;
    }
    let code = CertificateCode::parse(&path).ok_or(AppError::NotFound)?;
    let cert = certificates::by_code(&state.db, &code)
        .await?
        .ok_or(AppError::NotFound)?;
    let who = actor(req, &admin.0);
    platform_admin::revoke_certificate(&state.db, &state.clock, &who, &cert, &reason).await?;
    Ok(see_other(&format!("/admin/certificates/{}", cert.code)))
}

/// `POST /admin/organisations`: fields `name`, `slug`.
pub async fn create_organisation(
    state: web::Data<AppState>,
    req: HttpRequest,
    admin: PlatformAdmin,
    form: CsrfForm,
) -> Result<HttpResponse, AppError> {
    use crate::services::organisations as orgs;
    let name = form.fields.get("name").trim().to_string();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(AppError::BadRequest(
            "Enter the organisation's name (up to 200 characters). Go back and try again.".into(),
        ));
    }
    let slug = orgs::parse_slug(form.fields.get("slug")).map_err(|m| {
        AppError::BadRequest(format!("Web address name: {m}. Go back and try again."))
    })?;
    let who = actor(&req, &admin.0);
    let org =
        platform_admin::create_organisation(&state.db, &state.clock, &who, &name, &slug).await?;
    Ok(see_other(&format!("/org/{}", org.slug)))
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
    use crate::services::organisations as orgs;
    let org = orgs::by_slug(&state.db, &path)
        .await?
        .ok_or(AppError::NotFound)?;
    let email = Email::parse(form.fields.get("email"))
        .map_err(|m| AppError::BadRequest(format!("{m}. Go back and try again.")))?;
    let user = crate::services::auth::find_by_email(&state.db, &email)
        .await?
        .ok_or_else(|| AppError::BadRequest("There is no account with that email address. Ask the person to register first, or import them. Go back and try again.".into()))?;
    let who = actor(&req, &admin.0);
    platform_admin::appoint_org_admin(&state.db, &state.clock, &who, org.id, user.id).await?;
    Ok(see_other(&format!("/org/{}", org.slug)))
}

/// `POST /admin/users/{id}/reset`: a single-use password reset link for anyone.
pub async fn reset_user(
    state: web::Data<AppState>,
    req: HttpRequest,
    admin: PlatformAdmin,
    _form: CsrfForm,
    path: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    crate::web::reset_link::issue_and_show(
        &state,
        &req,
        &admin.0,
        path.into_inner(),
        "/admin/users".into(),
    )
    .await
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
    let who = actor(&req, &admin.0);
    if !platform_admin::disable_user(&state.db, &state.clock, &who, id).await? {
        return Err(AppError::NotFound);
    }
    Ok(see_other("/admin"))
}

#[derive(Serialize)]
struct UserRow {
    id: i32,
    name: String,
    email: String,
    role: String,
    created: String,
}

#[derive(Serialize)]
struct UsersPage {
    q: String,
    users: Vec<UserRow>,
}

/// `GET /admin/users`: find a person's account by name or e-mail address (to remove a leaver).
pub async fn find_users(
    page: Page,
    _admin: PlatformAdmin,
    query: web::Query<AdminQuery>,
) -> Result<HttpResponse, AppError> {
    let state = &page.state;
    let q = query.q.clone().unwrap_or_default();
    let found = if q.trim().is_empty() {
        Vec::new()
    } else {
        account::search(&state.db, &q, 50).await?
    };
    let vm = UsersPage {
        users: found
            .into_iter()
            .map(|u| UserRow {
                id: u.id,
                name: u.name,
                email: u.email,
                role: u.role.in_words().to_string(),
                created: u.created_at.format("%-d %b %Y").to_string(),
            })
            .collect(),
        q,
    };
    page.render(
        View::new(StatusCode::OK, "admin/users", "People", "admin"),
        &vm,
    )
}

#[derive(Serialize)]
struct DeleteUserPage {
    id: i32,
    name: String,
    email: String,
    role: String,
    created: String,
    erased: Option<String>,
    is_self: bool,
    error: Option<String>,
    retain_certificate_names: bool,
}

async fn delete_user_page(
    page: &Page,
    admin: &PlatformAdmin,
    id: i32,
    error: Option<String>,
) -> Result<HttpResponse, AppError> {
    let state = &page.state;
    let user = accounts::find_user(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let vm = DeleteUserPage {
        id: user.id,
        name: user.name,
        email: user.email,
        role: user.role.in_words().to_string(),
        created: user.created_at.format("%-d %B %Y").to_string(),
        erased: user
            .anonymised_at
            .map(|t| t.format("%-d %B %Y %H:%M UTC").to_string()),
        is_self: user.id == admin.0.id(),
        error,
        retain_certificate_names: state.settings.retain_certificate_names,
    };
    page.render(
        View::new(status, "admin/delete_user", "Delete an account", "admin"),
        &vm,
    )
}

/// `GET /admin/users/{id}/delete`: who the account is, and the form to erase it.
pub async fn show_delete_user(
    page: Page,
    admin: PlatformAdmin,
    path: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    delete_user_page(&page, &admin, path.into_inner(), None).await
}

/// `POST /admin/users/{id}/delete`: field `confirm` (`yes`). Erases a leaver's personal data with
/// the same service as the learner's own deletion; audited with the admin as the actor.
#[tracing::instrument(skip_all, fields(user_id = admin.0.id()))]
pub async fn delete_user(
    page: Page,
    admin: PlatformAdmin,
    form: CsrfForm,
    path: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    let (state, req) = (&page.state, &page.req);
    let id = path.into_inner();
    let refuse = |message: &str| Some(message.to_string());
    let error = if id == admin.0.id() {
        refuse("You cannot delete your own account here. Use the Account page to delete it")
    } else if form.fields.get("confirm") != "yes" {
        refuse("Confirm that this person's personal data should be erased")
    } else {
        None
    };
    if error.is_some() {
        return delete_user_page(&page, &admin, id, error).await;
    }
    match privacy::erase_account(
        &state.db,
        &state.clock,
        id,
        ErasurePolicy::from(state.settings.as_ref()),
        ErasedBy::PlatformAdmin(admin.0.id()),
        crate::web::extract::client_ip_text(req),
    )
    .await
    {
        Ok(_) | Err(EraseError::AlreadyErased) => {
            Ok(see_other(&format!("/admin/users/{id}/delete")))
        }
        Err(EraseError::NotFound) => Err(AppError::NotFound),
        Err(EraseError::Db(e)) => Err(e.into()),
    }
}
