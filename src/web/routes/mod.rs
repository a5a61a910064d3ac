//! Every route, with the guard it declares. Deny by default: a handler that needs a user takes
//! `CurrentUser` (or a stricter guard); only the routes marked public take none.
use actix_web::web;

mod account;
mod admin;
mod auth;
mod certificates;
mod health;
mod learner;
mod public;
mod quiz;

use crate::web::assets;

/// Who may use a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guard {
    Public,
    Learner,
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
    ("POST", "/logout", Guard::Learner),
    ("GET", "/dashboard", Guard::Learner),
    ("GET", "/modules/{module}", Guard::Learner),
    ("GET", "/modules/{module}/lessons/{lesson}", Guard::Learner),
    (
        "POST",
        "/modules/{module}/lessons/{lesson}/complete",
        Guard::Learner,
    ),
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
    ("GET", "/admin/users", Guard::PlatformAdmin),
    ("GET", "/admin/users/{id}/delete", Guard::PlatformAdmin),
    ("POST", "/admin/users/{id}/delete", Guard::PlatformAdmin),
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
        .route("/account", web::get().to(account::show_account))
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
        .route("/admin/users", web::get().to(admin::find_users))
        .route(
            "/admin/users/{id}/delete",
            web::get().to(admin::show_delete_user),
        )
        .route(
            "/admin/users/{id}/delete",
            web::post().to(admin::delete_user),
        );
}
