//! Every route, with the guard it declares. Deny by default: a handler that needs a user takes
//! `CurrentUser` (or a stricter guard); only the routes marked public take none.
use actix_web::web;

mod account;
mod admin;
mod auth;
mod certificates;
mod confidence;
mod health;
mod learner;
mod mail;
mod mfa;
pub(crate) mod onboarding;
mod org;
mod password_reset;
mod public;
mod quiz;
mod worksheets;

use crate::web::assets;

/// Bulk imports may be larger than ordinary forms: about 20,000 staff.
pub const IMPORT_LIMIT: usize = 2 * 1024 * 1024;

/// Who may use a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guard {
    Public,
    Learner,
    OrgAdmin,
    PlatformAdmin,
}

/// The route inventory: a test walks it and checks each guard really holds.
pub const ROUTES: &[(&str, &str, Guard)] = &[
    ("GET", "/healthz", Guard::Public),
    ("GET", "/readyz", Guard::Public),
    ("GET", "/", Guard::Public),
    ("GET", "/static/{path}", Guard::Public),
    ("GET", "/privacy", Guard::Public),
    ("GET", "/cookies", Guard::Public),
    ("GET", "/accessibility", Guard::Public),
    ("GET", "/register", Guard::Public),
    ("POST", "/register", Guard::Public),
    ("GET", "/login", Guard::Public),
    ("POST", "/login", Guard::Public),
    ("GET", "/login/code", Guard::Public),
    ("POST", "/login/code", Guard::Public),
    ("POST", "/logout", Guard::Learner),
    ("GET", "/dashboard", Guard::Learner),
    ("GET", "/modules/{module}", Guard::Learner),
    ("GET", "/modules/{module}/lessons/{lesson}", Guard::Learner),
    (
        "POST",
        "/modules/{module}/lessons/{lesson}/complete",
        Guard::Learner,
    ),
    ("GET", "/modules/{module}/quiz", Guard::Learner),
    ("POST", "/modules/{module}/quiz", Guard::Learner),
    ("GET", "/attempts", Guard::Learner),
    ("GET", "/attempts/{id}", Guard::Learner),
    ("GET", "/certificate", Guard::Learner),
    ("GET", "/certificates/{code}.pdf", Guard::Learner),
    ("GET", "/verify", Guard::Public),
    ("GET", "/verify/{code}", Guard::Public),
    ("GET", "/verify/{code}/credential.json", Guard::Public),
    ("GET", "/verify/{code}/status", Guard::Public),
    ("GET", "/.well-known/jwks.json", Guard::Public),
    ("GET", "/admin", Guard::PlatformAdmin),
    ("GET", "/admin/certificates/{code}", Guard::PlatformAdmin),
    (
        "POST",
        "/admin/certificates/{code}/revoke",
        Guard::PlatformAdmin,
    ),
    ("POST", "/admin/organisations", Guard::PlatformAdmin),
    (
        "POST",
        "/admin/organisations/{slug}/admins",
        Guard::PlatformAdmin,
    ),
    ("POST", "/admin/users/{id}/disable", Guard::PlatformAdmin),
    ("POST", "/admin/users/{id}/reset", Guard::PlatformAdmin),
    ("GET", "/org/{slug}", Guard::OrgAdmin),
    ("GET", "/org/{slug}/progress.csv", Guard::OrgAdmin),
    ("POST", "/org/{slug}/cohorts", Guard::OrgAdmin),
    (
        "POST",
        "/org/{slug}/members/{user_id}/cohort",
        Guard::OrgAdmin,
    ),
    (
        "POST",
        "/org/{slug}/members/{user_id}/remove",
        Guard::OrgAdmin,
    ),
    (
        "POST",
        "/org/{slug}/members/{user_id}/reset",
        Guard::OrgAdmin,
    ),
    ("POST", "/org/{slug}/invitations", Guard::OrgAdmin),
    (
        "POST",
        "/org/{slug}/invitations/{id}/revoke",
        Guard::OrgAdmin,
    ),
    ("GET", "/org/{slug}/import", Guard::OrgAdmin),
    ("POST", "/org/{slug}/import", Guard::OrgAdmin),
    ("POST", "/org/{slug}/import/links.csv", Guard::OrgAdmin),
    ("GET", "/org/{slug}/quiz", Guard::OrgAdmin),
    ("POST", "/org/{slug}/security", Guard::OrgAdmin),
    ("GET", "/org/{slug}/audit", Guard::OrgAdmin),
    ("GET", "/invite/{token}", Guard::Public),
    ("POST", "/invite/{token}", Guard::Learner),
    ("GET", "/activate/{token}", Guard::Public),
    ("POST", "/activate/{token}", Guard::Public),
    ("GET", "/modules/{module}/worksheet", Guard::Learner),
    ("POST", "/modules/{module}/worksheet", Guard::Learner),
    ("GET", "/plan", Guard::Learner),
    ("GET", "/plan.md", Guard::Learner),
    ("GET", "/plan.pdf", Guard::Learner),
    ("POST", "/plan/sharing", Guard::Learner),
    ("GET", "/confidence/before", Guard::Learner),
    ("POST", "/confidence/before", Guard::Learner),
    ("POST", "/confidence/before/skip", Guard::Learner),
    ("GET", "/confidence/after", Guard::Learner),
    ("POST", "/confidence/after", Guard::Learner),
    ("POST", "/confidence/after/skip", Guard::Learner),
    ("GET", "/account", Guard::Learner),
    ("POST", "/account/name", Guard::Learner),
    ("POST", "/account/email", Guard::Learner),
    ("POST", "/account/password", Guard::Learner),
    ("POST", "/account/sessions/end", Guard::Learner),
    ("POST", "/account/sessions/end-others", Guard::Learner),
    ("GET", "/account/export", Guard::Learner),
    ("GET", "/account/export.json", Guard::Learner),
    ("GET", "/account/delete", Guard::Learner),
    ("POST", "/account/delete", Guard::Learner),
    ("GET", "/account/mfa", Guard::Learner),
    ("POST", "/account/mfa/enable", Guard::Learner),
    ("POST", "/account/mfa/recovery-codes", Guard::Learner),
    ("POST", "/account/mfa/disable", Guard::Learner),
    ("GET", "/admin/users", Guard::PlatformAdmin),
    ("GET", "/admin/users/{id}/delete", Guard::PlatformAdmin),
    ("POST", "/admin/users/{id}/delete", Guard::PlatformAdmin),
    ("GET", "/password-reset", Guard::Public),
    ("POST", "/password-reset", Guard::Public),
    ("GET", "/unsubscribe/{token}", Guard::Public),
    ("POST", "/unsubscribe/{token}", Guard::Public),
    ("GET", "/account/notifications", Guard::Learner),
    ("POST", "/account/notifications", Guard::Learner),
    (
        "POST",
        "/org/{slug}/cohorts/{id}/reminders",
        Guard::OrgAdmin,
    ),
    ("GET", "/admin/email", Guard::PlatformAdmin),
];

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(health::readyz))
        .route("/", web::get().to(public::landing))
        .route("/static/{path:.*}", web::get().to(assets::serve_static))
        .route("/privacy", web::get().to(public::privacy))
        .route("/cookies", web::get().to(public::cookies))
        .route("/accessibility", web::get().to(public::accessibility))
        .route("/register", web::get().to(auth::show_register))
        .route("/register", web::post().to(auth::register))
        .route("/login", web::get().to(auth::show_login))
        .route("/login", web::post().to(auth::login))
        .route("/login/code", web::get().to(auth::show_login_code))
        .route("/login/code", web::post().to(auth::login_code))
        .route("/logout", web::post().to(auth::logout))
        .route("/dashboard", web::get().to(learner::dashboard))
        .route("/modules/{module}", web::get().to(learner::show_module))
        .route(
            "/modules/{module}/lessons/{lesson}",
            web::get().to(learner::show_lesson),
        )
        .route(
            "/modules/{module}/lessons/{lesson}/complete",
            web::post().to(learner::complete_lesson),
        )
        .route("/modules/{module}/quiz", web::get().to(quiz::show_quiz))
        .route("/modules/{module}/quiz", web::post().to(quiz::submit_quiz))
        .route("/attempts", web::get().to(quiz::list_attempts))
        .route("/attempts/{id}", web::get().to(quiz::show_attempt))
        .route("/certificate", web::get().to(certificates::my_certificate))
        .route(
            "/certificates/{file}",
            web::get().to(certificates::certificate_pdf),
        )
        .route("/verify", web::get().to(certificates::verify_form))
        .route("/verify/{code}", web::get().to(certificates::verify))
        .route(
            "/verify/{code}/credential.json",
            web::get().to(certificates::credential_json),
        )
        .route(
            "/verify/{code}/status",
            web::get().to(certificates::credential_status),
        )
        .route("/.well-known/jwks.json", web::get().to(certificates::jwks))
        .route("/admin", web::get().to(admin::admin_home))
        .route(
            "/admin/certificates/{code}",
            web::get().to(admin::show_certificate),
        )
        .route(
            "/admin/certificates/{code}/revoke",
            web::post().to(admin::revoke_certificate),
        )
        .route(
            "/admin/organisations",
            web::post().to(admin::create_organisation),
        )
        .route(
            "/admin/organisations/{slug}/admins",
            web::post().to(admin::appoint_org_admin),
        )
        .route(
            "/admin/users/{id}/disable",
            web::post().to(admin::disable_user),
        )
        .route("/org/{slug}", web::get().to(org::report))
        .route("/org/{slug}/progress.csv", web::get().to(org::progress_csv))
        .route("/org/{slug}/cohorts", web::post().to(org::create_cohort))
        .route(
            "/org/{slug}/members/{user_id}/cohort",
            web::post().to(org::move_member),
        )
        .route(
            "/org/{slug}/members/{user_id}/remove",
            web::post().to(org::remove_member),
        )
        .route(
            "/org/{slug}/members/{user_id}/reset",
            web::post().to(org::reset_member),
        )
        .route(
            "/org/{slug}/invitations",
            web::post().to(org::create_invitation),
        )
        .route(
            "/org/{slug}/invitations/{id}/revoke",
            web::post().to(org::revoke_invitation),
        )
        .service(
            web::resource("/org/{slug}/import")
                .app_data(web::PayloadConfig::new(IMPORT_LIMIT))
                .route(web::get().to(org::show_import))
                .route(web::post().to(org::import_users)),
        )
        .service(
            web::resource("/org/{slug}/import/links.csv")
                .app_data(web::PayloadConfig::new(IMPORT_LIMIT))
                .route(web::post().to(org::import_links_csv)),
        )
        .route("/org/{slug}/quiz", web::get().to(org::quiz_insight))
        .route("/org/{slug}/security", web::post().to(org::security))
        .route("/org/{slug}/audit", web::get().to(org::org_audit))
        .route("/invite/{token}", web::get().to(onboarding::show_invite))
        .route("/invite/{token}", web::post().to(onboarding::accept_invite))
        .route(
            "/activate/{token}",
            web::get().to(onboarding::show_activate),
        )
        .route("/activate/{token}", web::post().to(onboarding::activate));
    // Worksheets and the AI project plan. Worksheet forms carry long answers: their own body limit.
    cfg.service(
        web::resource("/modules/{module}/worksheet")
            .app_data(web::PayloadConfig::new(worksheets::WORKSHEET_FORM_LIMIT))
            .route(web::get().to(worksheets::show_worksheet))
            .route(web::post().to(worksheets::save_worksheet)),
    )
    .route("/plan", web::get().to(worksheets::show_plan))
    .route(
        "/plan.md",
        web::get().to(worksheets::download_plan_markdown),
    )
    .route("/plan.pdf", web::get().to(worksheets::download_plan_pdf))
    .route(
        "/plan/sharing",
        web::post().to(worksheets::set_plan_sharing),
    );
    // The confidence self-assessment, before and after the course.
    cfg.route("/confidence/before", web::get().to(confidence::show_before))
        .route(
            "/confidence/before",
            web::post().to(confidence::submit_before),
        )
        .route(
            "/confidence/before/skip",
            web::post().to(confidence::skip_before),
        )
        .route("/confidence/after", web::get().to(confidence::show_after))
        .route(
            "/confidence/after",
            web::post().to(confidence::submit_after),
        )
        .route(
            "/confidence/after/skip",
            web::post().to(confidence::skip_after),
        );
    // The learner's account and data rights; platform admins' people pages.
    cfg.route("/account", web::get().to(account::show_account))
        .route("/account/name", web::post().to(account::change_name))
        .route("/account/email", web::post().to(account::change_email))
        .route(
            "/account/password",
            web::post().to(account::change_password),
        )
        .route(
            "/account/sessions/end",
            web::post().to(account::end_session),
        )
        .route(
            "/account/sessions/end-others",
            web::post().to(account::end_other_sessions),
        )
        .route("/account/export", web::get().to(account::show_export))
        .route("/account/export.json", web::get().to(account::export_json))
        .route("/account/delete", web::get().to(account::show_delete))
        .route("/account/delete", web::post().to(account::delete_account))
        .route("/account/mfa", web::get().to(mfa::show))
        .route("/account/mfa/enable", web::post().to(mfa::enable))
        .route(
            "/account/mfa/recovery-codes",
            web::post().to(mfa::recovery_codes),
        )
        .route("/account/mfa/disable", web::post().to(mfa::disable))
        .route("/admin/users", web::get().to(admin::find_users))
        .route("/admin/users/{id}/reset", web::post().to(admin::reset_user))
        .route(
            "/admin/users/{id}/delete",
            web::get().to(admin::show_delete_user),
        )
        .route(
            "/admin/users/{id}/delete",
            web::post().to(admin::delete_user),
        );
    // E-mail: forgotten password, preferences, one-click unsubscribe, per-cohort reminders.
    cfg.route(
        "/password-reset",
        web::get().to(password_reset::show_password_reset),
    )
    .route(
        "/password-reset",
        web::post().to(password_reset::request_password_reset),
    )
    .route(
        "/unsubscribe/{token}",
        web::get().to(mail::show_unsubscribe),
    )
    .route("/unsubscribe/{token}", web::post().to(mail::unsubscribe))
    .route(
        "/account/notifications",
        web::get().to(mail::show_email_preferences),
    )
    .route(
        "/account/notifications",
        web::post().to(mail::save_email_preferences),
    )
    .route(
        "/org/{slug}/cohorts/{id}/reminders",
        web::post().to(mail::set_cohort_reminders),
    )
    .route("/admin/email", web::get().to(mail::admin_email));
}
