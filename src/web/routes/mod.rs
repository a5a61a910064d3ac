//! Every route, with the guard it declares. Deny by default: a handler that needs a user takes
//! `CurrentUser` (or a stricter guard); only the routes marked public take none.
use actix_web::web;

mod auth;
mod confidence;
mod health;
mod learner;
mod public;
mod quiz;
mod worksheets;

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
    ("GET", "/modules/{module}/worksheet", Guard::Learner),
    ("POST", "/modules/{module}/worksheet", Guard::Learner),
    ("GET", "/plan", Guard::Learner),
    ("GET", "/plan.md", Guard::Learner),
    ("POST", "/plan/sharing", Guard::Learner),
    ("GET", "/confidence/before", Guard::Learner),
    ("POST", "/confidence/before", Guard::Learner),
    ("POST", "/confidence/before/skip", Guard::Learner),
    ("GET", "/confidence/after", Guard::Learner),
    ("POST", "/confidence/after", Guard::Learner),
    ("POST", "/confidence/after/skip", Guard::Learner),
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
        .route("/attempts/{id}", web::get().to(quiz::show_attempt));
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
}
