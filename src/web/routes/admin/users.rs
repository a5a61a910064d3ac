//! People: finding an account, a password reset link, disabling an account and erasing a
//! leaver's personal data.
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

use crate::error::AppError;
use crate::services::platform_admin;
use crate::services::privacy::{self, EraseError, ErasedBy, ErasurePolicy};
use crate::services::{account, auth as accounts};
use crate::web::AppState;
use crate::web::csrf::CsrfForm;
use crate::web::extract::actor;
use crate::web::page::Page;
use crate::web::session::PlatformAdmin;
use crate::web::view::{View, see_other};

use super::AdminQuery;

/// `POST /admin/users/{id}/reset`: a single-use password reset link for anyone.
pub async fn reset_user(
    page: Page,
    _admin: PlatformAdmin,
    _form: CsrfForm,
    path: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    let back = "/admin/users".to_string();
    crate::web::reset_link::issue_and_show(&page, path.into_inner(), back).await
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
                created: crate::local_time::short_date_of(
                    u.created_at,
                    crate::local_time::SERVICE_ZONE,
                ),
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
        created: crate::local_time::date_of(user.created_at, crate::local_time::SERVICE_ZONE),
        erased: user
            .anonymised_at
            .map(|t| crate::local_time::time_on_date(t, crate::local_time::SERVICE_ZONE)),
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
