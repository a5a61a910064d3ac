//! Rendering pages: every page is `{layout, page}` where `page` is the handler's own view model.
use actix_web::http::{StatusCode, header};
use actix_web::{HttpMessage, HttpRequest, HttpResponse};
use handlebars::Handlebars;
use serde::Serialize;

use crate::error::AppError;
use crate::web::AppState;
use crate::web::csrf;
use crate::web::session::Visitor;

#[derive(Serialize)]
pub struct NavUser {
    pub name: String,
    pub is_admin: bool,
    /// Where the header's "Course lead" link goes, for people who lead an organisation's course.
    pub course_lead: Option<String>,
    /// Links to "Your team" for line managers.
    pub is_manager: bool,
}

/// The organisations (slug, name) the visitor is a course lead of, found once per request by
/// the `Page` extractor for the header.
#[derive(Clone, Debug, Default)]
pub struct CourseLeadOf(pub Vec<(String, String)>);

impl CourseLeadOf {
    /// The header link: the organisation's report when there is one, the list when several.
    pub fn link(&self) -> Option<String> {
        match self.0.as_slice() {
            [] => None,
            [(slug, _)] => Some(format!("/org/{slug}")),
            _ => Some("/org".into()),
        }
    }
}

fn course_lead_link(req: &HttpRequest) -> Option<String> {
    req.extensions()
        .get::<CourseLeadOf>()
        .and_then(CourseLeadOf::link)
}

/// What the layout needs on every page.
#[derive(Serialize)]
pub struct Layout {
    pub title: String,
    pub course_title: String,
    pub user: Option<NavUser>,
    pub csrf_token: String,
    /// Which header link is current: "home", "dashboard", "account", "admin" or "".
    pub section: &'static str,
    /// Asks search engines not to index the page (verify pages).
    pub noindex: bool,
    /// `?next=…` for the header's "Log in" and "Create an account" links, so that an invitation
    /// (or the page someone was sent to log in for) is kept whichever way in they choose.
    pub auth_query: String,
}

/// Where the header's login links should bring people back to: the invitation being shown, or
/// the `next` that the login and registration pages already carry.
fn auth_query(req: &HttpRequest) -> String {
    let path = req.path();
    let next = if path.starts_with("/invite/") {
        Some(path.to_string())
    } else if matches!(path, "/login" | "/register" | "/login/code") {
        form_urlencoded::parse(req.query_string().as_bytes())
            .find(|(k, _)| k == "next")
            .map(|(_, v)| v.into_owned())
            .filter(|n| n.starts_with('/') && !n.starts_with("//") && !n.contains('\\'))
            .filter(|n| n != "/dashboard")
    } else {
        None
    };
    next.map_or_else(String::new, |n| {
        format!(
            "?next={}",
            form_urlencoded::byte_serialize(n.as_bytes()).collect::<String>()
        )
    })
}

#[derive(Serialize)]
struct Context<'a, T: Serialize> {
    layout: &'a Layout,
    page: &'a T,
}

pub fn register_helpers(_hb: &mut Handlebars<'static>) {}

/// Which template to render, with what status, title and current header section.
pub struct View<'a> {
    pub status: StatusCode,
    pub template: &'a str,
    pub title: &'a str,
    pub section: &'static str,
    pub noindex: bool,
}

impl<'a> View<'a> {
    pub fn new(
        status: StatusCode,
        template: &'a str,
        title: &'a str,
        section: &'static str,
    ) -> Self {
        Self {
            status,
            template,
            title,
            section,
            noindex: false,
        }
    }

    #[must_use]
    pub fn noindex(mut self) -> Self {
        self.noindex = true;
        self
    }
}

/// Whether the visitor manages a team: known from the request's own visitor when the handler
/// rendered with a copy made from `CurrentUser`.
fn manages_team(req: &HttpRequest, visitor: &Visitor) -> bool {
    visitor.manages_team
        || req
            .extensions()
            .get::<Visitor>()
            .is_some_and(|v| v.manages_team)
}

/// Renders a page for this visitor (with their CSRF token; sets the pre-login CSRF cookie if needed).
///
/// # Errors
/// When the template fails to render (a bug: logged with a reference).
pub fn render<T: Serialize>(
    state: &AppState,
    req: &HttpRequest,
    visitor: &Visitor,
    view: View<'_>,
    page: &T,
) -> Result<HttpResponse, AppError> {
    let (csrf_token, cookie) = csrf::token_for(state, req, visitor)?;
    let layout = Layout {
        title: view.title.to_string(),
        course_title: state.course.title.clone(),
        user: visitor.user.as_ref().map(|u| NavUser {
            name: u.name.clone(),
            is_admin: u.role == crate::domain::Role::PlatformAdmin,
            course_lead: course_lead_link(req),
            is_manager: manages_team(req, visitor),
        }),
        csrf_token,
        section: view.section,
        noindex: view.noindex,
        auth_query: auth_query(req),
    };
    let template = view.template;
    let body = state
        .templates
        .render(
            template,
            &Context {
                layout: &layout,
                page,
            },
        )
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("rendering {template}: {e}")))?;
    Ok(page_response(&view, cookie, body))
}

/// The holes every shell has (see `web::shell`): the CSRF token and the visitor's name. A page's
/// own holes are numbered from here.
pub const FIRST_PAGE_HOLE: usize = 2;

/// Like [`render`], for a page rendered once per shape (see `web::shell`). `shape` must name
/// everything in `page` that can differ between visitors except `values`, which `page` holds as
/// `shell::marker(FIRST_PAGE_HOLE + i)`; the layout is part of the key in full.
///
/// # Errors
/// When the template fails to render.
pub fn render_shell<T: Serialize>(
    state: &AppState,
    req: &HttpRequest,
    visitor: &Visitor,
    view: View<'_>,
    shape: &str,
    page: &T,
    values: &[String],
) -> Result<HttpResponse, AppError> {
    use crate::web::shell::marker;
    let (csrf_token, cookie) = csrf::token_for(state, req, visitor)?;
    let layout = Layout {
        title: view.title.to_string(),
        course_title: state.course.title.clone(),
        user: visitor.user.as_ref().map(|u| NavUser {
            name: marker(1),
            is_admin: u.role == crate::domain::Role::PlatformAdmin,
            course_lead: course_lead_link(req),
            is_manager: manages_team(req, visitor),
        }),
        csrf_token: marker(0),
        section: view.section,
        noindex: view.noindex,
        auth_query: auth_query(req),
    };
    let template = view.template;
    let mut key = shape.as_bytes().to_vec();
    key.push(0);
    serde_json::to_writer(&mut key, &layout)
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("the layout of {template}: {e}")))?;
    let name = visitor.user.as_ref().map_or("", |u| u.name.as_str());
    let mut all: Vec<&str> = vec![csrf_token.as_str(), name];
    all.extend(values.iter().map(String::as_str));
    let body = state
        .shells
        .render(
            &state.templates,
            template,
            key,
            &Context {
                layout: &layout,
                page,
            },
            &all,
        )
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("rendering {template}: {e}")))?;
    Ok(page_response(&view, cookie, body))
}

/// A rendered page as the response: its status, HTML type, `noindex` and the pre-login CSRF cookie.
fn page_response(
    view: &View<'_>,
    cookie: Option<actix_web::cookie::Cookie<'static>>,
    body: String,
) -> HttpResponse {
    let mut resp = HttpResponse::build(view.status);
    resp.insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"));
    if view.noindex {
        resp.insert_header(("x-robots-tag", "noindex, nofollow"));
    }
    if let Some(c) = cookie {
        resp.cookie(c);
    }
    resp.body(body)
}

/// Renders the error page without touching the database (used for every 4xx/5xx). When the request
/// already knows its logged-in visitor, the header shows them (with a working log-out button).
pub fn render_error_page(
    state: &AppState,
    req: &HttpRequest,
    title: &str,
    status: StatusCode,
    page: &impl Serialize,
) -> Option<String> {
    let hb = &state.templates;
    let visitor = req
        .extensions()
        .get::<Visitor>()
        .cloned()
        .filter(|v| v.user.is_some());
    let (user, csrf_token) = match &visitor {
        Some(v) => (
            v.user.as_ref().map(|u| NavUser {
                name: u.name.clone(),
                is_admin: u.role == crate::domain::Role::PlatformAdmin,
                course_lead: course_lead_link(req),
                is_manager: v.manages_team,
            }),
            crate::web::csrf::token_for(state, req, v)
                .map(|(token, _)| token)
                .unwrap_or_default(),
        ),
        None => (None, String::new()),
    };
    let layout = Layout {
        title: title.to_string(),
        course_title: state.course.title.clone(),
        user,
        csrf_token,
        section: "",
        noindex: true,
        auth_query: String::new(),
    };
    hb.render(
        "errors/error",
        &Context {
            layout: &layout,
            page,
        },
    )
    .map_err(|e| {
        tracing::error!(
            status = status.as_u16(),
            "cannot render the error page: {e}"
        )
    })
    .ok()
}

/// 303 See Other: where every successful POST goes.
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location.to_string()))
        .finish()
}
