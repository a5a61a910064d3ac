//! The course lead area (stored and routed as the org admin area): cohort progress report and CSV
//! export, each learner's page, cohorts, members, invitations, bulk import, quiz insight and the
//! organisation's audit log, API tokens and the ESR-ready export. Every handler takes `OrgAdmin`, so only the organisation's course
//! leads get in; anyone else gets 404 and organisations are not discoverable.
pub mod api_tokens;
pub mod audit_log;
pub mod cohorts;
pub mod esr;
pub mod import;
pub mod insight;
pub mod invitations;
pub mod leaving;
pub mod member;
pub mod members;
pub mod report;

use actix_web::HttpResponse;

use crate::error::AppError;
use crate::services::org_admin;
use crate::web::extract::OrgAdmin;
use crate::web::page::Page;
use crate::web::views::org_cohorts::{CohortsPage, FormState};

/// The cohorts and invitations page, shared by its GET and its two forms: with `form` errors it is
/// answered with 422, the error summary and what was typed.
async fn cohorts_page(
    page: &Page,
    admin: &OrgAdmin,
    form: FormState,
    new_invite: Option<String>,
) -> Result<HttpResponse, AppError> {
    let state = &page.state;
    let (cohorts, invitations) =
        org_admin::cohorts_and_invitations(&state.db, admin.org.id).await?;
    let failed = !form.errors.is_empty();
    let vm = CohortsPage::build(
        &admin.org,
        &cohorts,
        &invitations,
        new_invite,
        form,
        state.clock.now(),
    );
    let title = format!("{}: cohorts and invitation links", admin.org.name);
    if failed {
        page.invalid("org/cohorts", &title, "org", &vm)
    } else {
        page.ok("org/cohorts", &title, "org", &vm)
    }
}
pub mod webhooks;
