//! `GET /glossary`: every term the lessons use, with its plain definition. Lessons link their first
//! use of each term here (`/glossary#id`).
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

use crate::course::GlossaryTerm;
use crate::error::AppError;
use crate::web::AppState;
use crate::web::session::Visitor;
use crate::web::view::{View, render};

#[derive(Serialize)]
struct GlossaryPage<'a> {
    terms: Vec<&'a GlossaryTerm>,
    logged_in: bool,
}

/// `GET /glossary`: anyone may read it.
pub async fn show_glossary(
    state: web::Data<AppState>,
    req: HttpRequest,
    visitor: Visitor,
) -> Result<HttpResponse, AppError> {
    let page = GlossaryPage {
        terms: state.course.glossary.alphabetical(),
        logged_in: visitor.user.is_some(),
    };
    let view = View::new(StatusCode::OK, "public/glossary", "Glossary", "");
    render(&state, &req, &visitor, view, &page)
}
