//! Pages anyone can read.
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

use crate::error::AppError;
use crate::web::AppState;
use crate::web::session::Visitor;
use crate::web::view::{View, render};

#[derive(Serialize)]
struct ModuleCard {
    number: usize,
    slug: String,
    title: String,
    aim: String,
    minutes: u32,
    lessons: usize,
}

#[derive(Serialize)]
struct LandingPage {
    title: String,
    summary: String,
    audience: String,
    prerequisites: Vec<String>,
    outcomes: Vec<String>,
    how_it_works_html: String,
    you_end_with_html: String,
    modules: Vec<ModuleCard>,
    total_hours: String,
    logged_in: bool,
}

/// `GET /`: the course landing page.
pub async fn landing(
    state: web::Data<AppState>,
    req: HttpRequest,
    visitor: Visitor,
) -> Result<HttpResponse, AppError> {
    let c = &state.course;
    let minutes = c.total_minutes();
    let page = LandingPage {
        title: c.title.clone(),
        summary: c.summary.clone(),
        audience: c.audience.clone(),
        prerequisites: c.prerequisites.clone(),
        outcomes: c.outcomes.clone(),
        how_it_works_html: c.how_it_works_html.clone(),
        you_end_with_html: c.you_end_with_html.clone(),
        modules: c
            .modules
            .iter()
            .map(|m| ModuleCard {
                number: m.number,
                slug: m.slug.clone(),
                title: m.title.clone(),
                aim: m.aim.clone(),
                minutes: m.estimated_minutes,
                lessons: m.lessons.len(),
            })
            .collect(),
        total_hours: format!("{:.1}", f64::from(minutes) / 60.0),
        logged_in: visitor.user.is_some(),
    };
    render(
        &state,
        &req,
        &visitor,
        View::new(StatusCode::OK, "public/landing", "", "home"),
        &page,
    )
}

#[derive(Serialize)]
struct StaticPage {}

async fn static_page(
    state: &AppState,
    req: &HttpRequest,
    visitor: &Visitor,
    template: &str,
    title: &str,
) -> Result<HttpResponse, AppError> {
    let view = View::new(StatusCode::OK, template, title, "");
    render(state, req, visitor, view, &StaticPage {})
}

/// `GET /privacy`
pub async fn privacy(
    state: web::Data<AppState>,
    req: HttpRequest,
    visitor: Visitor,
) -> Result<HttpResponse, AppError> {
    static_page(&state, &req, &visitor, "public/privacy", "Privacy notice").await
}

/// `GET /cookies`
pub async fn cookies(
    state: web::Data<AppState>,
    req: HttpRequest,
    visitor: Visitor,
) -> Result<HttpResponse, AppError> {
    static_page(&state, &req, &visitor, "public/cookies", "Cookies").await
}

/// `GET /accessibility`
pub async fn accessibility(
    state: web::Data<AppState>,
    req: HttpRequest,
    visitor: Visitor,
) -> Result<HttpResponse, AppError> {
    static_page(
        &state,
        &req,
        &visitor,
        "public/accessibility",
        "Accessibility statement",
    )
    .await
}
