//! A leaver leaves the organisation: a confirmation first, then an undo for an hour (their own
//! records stay with their account either way).
use actix_web::{HttpResponse, web};
use chrono::{Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::import::MemberRole;
use crate::error::AppError;
use crate::services::{auth, org_admin, reports};
use crate::web::AppState;
use crate::web::csrf::CsrfForm;
use crate::web::extract::OrgAdmin;
use crate::web::page::Page;

/// How long "Undo" works after a removal.
const UNDO_MINUTES: i64 = 60;

/// What an undo puts back, signed so that it can only restore a membership this organisation had.
/// Every field defaults, so a missing or mangled one is a refused undo (404), never a 400 that
/// would tell a stranger the route exists.
#[derive(Deserialize, Serialize, Clone, Default)]
#[serde(default)]
pub struct UndoFields {
    role: String,
    cohort: String,
    until: i64,
    sig: String,
}

fn undo_message(org_id: i32, user_id: i32, role: &str, cohort: &str, until: i64) -> Vec<u8> {
    format!("{org_id}:{user_id}:{role}:{cohort}:{until}").into_bytes()
}

fn sign(
    state: &AppState,
    org_id: i32,
    user_id: i32,
    role: &str,
    cohort: &str,
    until: i64,
) -> String {
    state.csrf_key.mac(
        "member-undo",
        &undo_message(org_id, user_id, role, cohort, until),
    )
}

fn verified(state: &AppState, org_id: i32, user_id: i32, u: &UndoFields) -> bool {
    let message = undo_message(org_id, user_id, &u.role, &u.cohort, u.until);
    u.until > state.clock.now().timestamp()
        && state.csrf_key.verify("member-undo", &message, &u.sig)
}

#[derive(Serialize)]
struct ConfirmPage {
    slug: String,
    org_name: String,
    user_id: i32,
    name: String,
    email: String,
}

/// `GET /org/{slug}/members/{user_id}/remove`: "Are you sure?", with what removal does.
#[tracing::instrument(skip_all, fields(user_id = admin.user.id()))]
pub async fn confirm_remove(
    page: Page,
    admin: OrgAdmin,
    path: web::Path<(String, i32)>,
) -> Result<HttpResponse, AppError> {
    let (_, member) = path.into_inner();
    let state = &page.state;
    let d = reports::learner(
        &state.db,
        &state.course,
        admin.org.id,
        member,
        state.clock.now(),
    )
    .await?
    .ok_or(AppError::NotFound)?;
    let vm = ConfirmPage {
        slug: admin.org.slug.clone(),
        org_name: admin.org.name.clone(),
        user_id: member,
        name: d.row.name,
        email: d.row.email,
    };
    page.ok("org/remove", &format!("Remove {}", vm.name), "org", &vm)
}

/// `POST /org/{slug}/members/{user_id}/remove`: a leaver leaves the organisation; the next page
/// offers to undo it.
#[tracing::instrument(skip_all, fields(user_id = admin.user.id()))]
pub async fn remove_member(
    page: Page,
    _form: CsrfForm,
    admin: OrgAdmin,
    path: web::Path<(String, i32)>,
) -> Result<HttpResponse, AppError> {
    let (_, member) = path.into_inner();
    let state = &page.state;
    let was = org_admin::remove_member(&state.db, &state.clock, &admin.who, member)
        .await?
        .ok_or(AppError::NotFound)?;
    let cohort = was.cohort_id.map(|c| c.to_string()).unwrap_or_default();
    let until = (state.clock.now() + Duration::minutes(UNDO_MINUTES)).timestamp();
    let sig = sign(
        state,
        admin.org.id,
        member,
        was.role.as_str(),
        &cohort,
        until,
    );
    // Every part is URL-safe: a role word, digits and URL-safe base64.
    let query = format!(
        "role={}&cohort={cohort}&until={until}&sig={sig}",
        was.role.as_str()
    );
    Ok(page.see_other(&admin.url(&format!("/removed/{member}?{query}"))))
}

#[derive(Serialize)]
struct RemovedPage {
    slug: String,
    org_name: String,
    user_id: i32,
    name: String,
    undo: UndoFields,
    until: String,
}

/// `GET /org/{slug}/removed/{user_id}`: who was removed, with the undo button while it works.
#[tracing::instrument(skip_all, fields(user_id = admin.user.id()))]
pub async fn show_removed(
    page: Page,
    admin: OrgAdmin,
    path: web::Path<(String, i32)>,
    query: web::Query<UndoFields>,
) -> Result<HttpResponse, AppError> {
    let (_, member) = path.into_inner();
    let state = &page.state;
    if !verified(state, admin.org.id, member, &query) {
        return Err(AppError::NotFound);
    }
    let user = auth::find_user(&state.db, member)
        .await?
        .ok_or(AppError::NotFound)?;
    let until = chrono::DateTime::<Utc>::from_timestamp(query.until, 0)
        .map(|t| crate::local_time::time_of(t, crate::local_time::zone(&admin.org.time_zone)))
        .unwrap_or_default();
    let vm = RemovedPage {
        slug: admin.org.slug.clone(),
        org_name: admin.org.name.clone(),
        user_id: member,
        name: user.name,
        undo: query.into_inner(),
        until,
    };
    page.ok("org/removed", &format!("{} removed", vm.name), "org", &vm)
}

/// `POST /org/{slug}/members/{user_id}/restore`: fields `role`, `cohort`, `until`, `sig` from the
/// removal. Puts the person back as they were; a forged or expired undo is refused.
#[tracing::instrument(skip_all, fields(user_id = admin.user.id()))]
pub async fn restore_member(
    page: Page,
    form: CsrfForm,
    admin: OrgAdmin,
    path: web::Path<(String, i32)>,
) -> Result<HttpResponse, AppError> {
    let (_, member) = path.into_inner();
    let state = &page.state;
    let f = &form.fields;
    let undo = UndoFields {
        role: f.get("role").to_string(),
        cohort: f.get("cohort").to_string(),
        until: f.get("until").parse().unwrap_or(0),
        sig: f.get("sig").to_string(),
    };
    if !verified(state, admin.org.id, member, &undo) {
        return Err(AppError::BadRequest(
            "This undo no longer works (it lasts an hour). Add the person again from \"Add staff\" or with an invitation link.".into(),
        ));
    }
    let role = MemberRole::parse(&undo.role).unwrap_or(MemberRole::Learner);
    let cohort = undo.cohort.parse::<i32>().ok();
    org_admin::restore_member(&state.db, &state.clock, &admin.who, member, role, cohort).await?;
    Ok(page.see_other(&admin.url(&format!("/members/{member}"))))
}
