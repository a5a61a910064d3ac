//! `Page`: what a handler needs to answer with a page or a redirect, taken from the request once
//! (the state, the request and its visitor), so a handler ends with `page.render(view, &vm)` or
//! `page.see_other(url)`.
use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, web};
use chrono_tz::Tz;
use serde::Serialize;

use crate::error::AppError;
use crate::web::AppState;
use crate::web::extract::app_state;
use crate::web::session::Visitor;
use crate::web::view::{self, View};

pub struct Page {
    pub state: web::Data<AppState>,
    pub req: HttpRequest,
    pub visitor: Visitor,
}

impl Page {
    /// A page for a handler that already has the visitor (from a `CsrfForm`), so it is not loaded twice.
    pub fn from_parts(state: web::Data<AppState>, req: HttpRequest, visitor: Visitor) -> Self {
        Page {
            state,
            req,
            visitor,
        }
    }

    /// Renders `template` with this visitor's layout.
    ///
    /// # Errors
    /// When the template fails to render (a bug: logged with a reference).
    pub fn render<T: Serialize>(&self, view: View<'_>, vm: &T) -> Result<HttpResponse, AppError> {
        view::render(&self.state, &self.req, &self.visitor, view, vm)
    }

    /// Renders a 200 page.
    ///
    /// # Errors
    /// When the template fails to render.
    pub fn ok<T: Serialize>(
        &self,
        template: &str,
        title: &str,
        section: &'static str,
        vm: &T,
    ) -> Result<HttpResponse, AppError> {
        self.render(View::new(StatusCode::OK, template, title, section), vm)
    }

    /// Renders a 200 page once per shape and fills in this visitor's strings (see
    /// `view::render_shell`).
    ///
    /// # Errors
    /// When the template fails to render.
    pub fn ok_shell<T: Serialize>(
        &self,
        view: View<'_>,
        shape: &str,
        vm: &T,
        values: &[String],
    ) -> Result<HttpResponse, AppError> {
        view::render_shell(
            &self.state,
            &self.req,
            &self.visitor,
            view,
            shape,
            vm,
            values,
        )
    }

    /// Renders a form again with 422 and "Error: " before its title.
    ///
    /// # Errors
    /// When the template fails to render.
    pub fn invalid<T: Serialize>(
        &self,
        template: &str,
        title: &str,
        section: &'static str,
        vm: &T,
    ) -> Result<HttpResponse, AppError> {
        let title = format!("Error: {title}");
        self.render(
            View::new(StatusCode::UNPROCESSABLE_ENTITY, template, &title, section),
            vm,
        )
    }

    /// The time zone for this visitor's dates: their organisation's when they belong to one,
    /// Europe/London otherwise (and for anonymous visitors). Looked up once per request.
    ///
    /// # Errors
    /// When the database fails.
    pub async fn zone(&self) -> Result<Tz, AppError> {
        visitor_zone(&self.req, &self.visitor).await
    }

    /// 303 See Other: where every successful POST goes.
    pub fn see_other(&self, url: &str) -> HttpResponse {
        view::see_other(url)
    }
}

impl crate::web::session::CurrentUser {
    /// The page for this signed-in user (no second look-up of the visitor).
    pub fn page(&self, state: &web::Data<AppState>, req: &HttpRequest) -> Page {
        Page::from_parts(state.clone(), req.clone(), self.visitor())
    }
}

#[derive(Clone, Copy)]
struct VisitorZone(Tz);

/// The visitor's time zone (see `Page::zone`), cached in the request's extensions.
///
/// # Errors
/// When the database fails.
pub async fn visitor_zone(req: &HttpRequest, visitor: &Visitor) -> Result<Tz, AppError> {
    if let Some(VisitorZone(tz)) = req.extensions().get::<VisitorZone>().copied() {
        return Ok(tz);
    }
    let tz = match &visitor.user {
        Some(user) => {
            let state = app_state(req)?;
            let lc =
                crate::services::pacing::cohort_of(&state.db, visitor.cached.as_deref(), user.id)
                    .await?;
            crate::services::pacing::zone_of(lc.as_ref())
        }
        None => crate::local_time::SERVICE_ZONE,
    };
    req.extensions_mut().insert(VisitorZone(tz));
    Ok(tz)
}

/// The visitor's time zone as an extractor, for handlers that take no `Page`.
#[derive(Clone, Copy, Debug)]
pub struct Zone(pub Tz);

impl FromRequest for Zone {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let visitor = Visitor::load(&req).await?;
            Ok(Zone(visitor_zone(&req, &visitor).await?))
        })
    }
}

impl FromRequest for Page {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = app_state(&req)?.clone();
            let visitor = Visitor::load(&req).await?;
            Ok(Page {
                state,
                req,
                visitor,
            })
        })
    }
}
