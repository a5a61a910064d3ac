//! The request toolkit: the application state, the client's address and the acting user, each
//! taken from the request in one place.
use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};

use crate::course::{Course, Lesson, Module};
use crate::entities::organisations;
use crate::error::AppError;
use crate::services::audit::{self, Actor};
use crate::services::mfa;
use crate::services::org_admin::OrgActor;
use crate::services::organisations as orgs;
use crate::web::AppState;
use crate::web::session::CurrentUser;

/// The application state of this request.
///
/// # Errors
/// Only if the app was built without it (a bug).
pub fn app_state(req: &HttpRequest) -> Result<&web::Data<AppState>, AppError> {
    req.app_data::<web::Data<AppState>>()
        .ok_or_else(|| AppError::Unexpected(anyhow::anyhow!("application state missing")))
}

/// The client's address: the TCP peer, or behind a trusted proxy the address it forwarded
/// (`DEEPDIVE_TRUSTED_PROXIES`). Every per-IP limit and every audit row uses this.
pub fn client_ip(req: &HttpRequest) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip();
    let Ok(state) = app_state(req) else {
        return Some(peer);
    };
    let headers = req.headers();
    let forwarded = headers
        .get_all(header::FORWARDED)
        .filter_map(|v| v.to_str().ok());
    let x_forwarded_for = headers
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok());
    Some(
        state
            .settings
            .trusted_proxies
            .client(peer, forwarded, x_forwarded_for),
    )
}

/// The client's address as the audit log stores it.
pub fn client_ip_text(req: &HttpRequest) -> Option<String> {
    client_ip(req).map(|ip| ip.to_string())
}

/// The acting user of this request, for services that audit what they do.
pub fn actor(req: &HttpRequest, user: &CurrentUser) -> Actor {
    Actor {
        user_id: user.id(),
        ip: client_ip_text(req),
    }
}

/// A logged-in user acting (any role): anonymous visitors are sent to log in, as with `CurrentUser`.
impl FromRequest for Actor {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let user = CurrentUser::from_request(req, payload);
        let req = req.clone();
        Box::pin(async move { Ok(actor(&req, &user.await?)) })
    }
}

/// An admin of the organisation named by the route's `{slug}` (or a platform admin), with
/// two-step verification when the organisation asks for it. Anyone else gets 404, so
/// organisations are not discoverable, and the refusal is audited.
pub struct OrgAdmin {
    pub user: CurrentUser,
    pub org: organisations::Model,
    /// The admin acting on this organisation, for the services that audit what they do.
    pub who: OrgActor,
}

impl OrgAdmin {
    /// A path inside this organisation's area, e.g. `org.url("#invitations")`.
    pub fn url(&self, rest: &str) -> String {
        format!("/org/{}{rest}", self.org.slug)
    }
}

async fn org_admin(req: HttpRequest, user: CurrentUser) -> Result<OrgAdmin, AppError> {
    let state = app_state(&req)?;
    let slug = req.match_info().get("slug").ok_or(AppError::NotFound)?;
    let org = orgs::by_slug(&state.db, slug)
        .await?
        .ok_or(AppError::NotFound)?;
    if !orgs::can_admin(&state.db, &user.user, org.id).await? {
        tracing::warn!(user_id = user.id(), "refused access to an organisation");
        let (who, area) = (actor(&req, &user), format!("org:{}", org.id));
        audit::access_refused(&state.db, &state.clock, &who, area, req.path()).await?;
        return Err(AppError::NotFound);
    }
    if (org.require_admin_mfa || user.is_platform_admin())
        && !mfa::enabled(&state.db, user.id()).await?
    {
        return Err(AppError::MfaRequired);
    }
    let who = OrgActor {
        actor: actor(&req, &user),
        org_id: org.id,
    };
    Ok(OrgAdmin { user, org, who })
}

impl FromRequest for OrgAdmin {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let user = CurrentUser::from_request(req, payload);
        let req = req.clone();
        Box::pin(async move { org_admin(req, user.await?).await })
    }
}

/// The course module named by the route's `{module}`; 404 when there is none.
pub struct ModuleRef(pub Arc<Course>, usize);

impl ModuleRef {
    pub fn module(&self) -> &Module {
        &self.0.modules[self.1]
    }
}

fn module_index(course: &Course, slug: &str) -> Result<usize, AppError> {
    course
        .modules
        .iter()
        .position(|m| m.slug == slug)
        .ok_or(AppError::NotFound)
}

fn module_ref(req: &HttpRequest) -> Result<ModuleRef, AppError> {
    let course = app_state(req)?.course.clone();
    let slug = req.match_info().get("module").ok_or(AppError::NotFound)?;
    let i = module_index(&course, slug)?;
    Ok(ModuleRef(course, i))
}

/// On learner routes only: the visitor is logged in first (so a missing module is a 404 page with
/// their header, and an anonymous visitor is sent to log in whatever the address).
impl FromRequest for ModuleRef {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let user = CurrentUser::from_request(req, payload);
        let req = req.clone();
        Box::pin(async move {
            let user = user.await?;
            let m = module_ref(&req)?;
            refuse_if_locked(&req, user.id(), m.module()).await?;
            Ok(m)
        })
    }
}

/// A module (its lessons, quiz and worksheet) stays shut until its release date when the learner's
/// cohort locks modules: the page says when it opens.
async fn refuse_if_locked(
    req: &HttpRequest,
    user_id: i32,
    module: &Module,
) -> Result<(), AppError> {
    let state = app_state(req)?;
    let now = state.clock.now();
    let visitor = req
        .extensions()
        .get::<crate::web::session::Visitor>()
        .and_then(|v| v.cached.clone());
    let locked = crate::services::pacing::locked_until(
        &state.db,
        visitor.as_deref(),
        user_id,
        module.number,
        now,
    )
    .await?;
    match locked {
        Some(day) => Err(AppError::NotOpenYet {
            module: format!("Module {}: {}", module.number, module.title),
            opens: crate::local_time::day_and_date(day),
        }),
        None => Ok(()),
    }
}

/// The lesson named by the route's `{module}` and `{lesson}`; 404 when there is none.
pub struct LessonRef(pub Arc<Course>, usize, usize);

impl LessonRef {
    pub fn module(&self) -> &Module {
        &self.0.modules[self.1]
    }

    pub fn lesson(&self) -> &Lesson {
        &self.0.modules[self.1].lessons[self.2]
    }
}

fn lesson_ref(req: &HttpRequest) -> Result<LessonRef, AppError> {
    let ModuleRef(course, m) = module_ref(req)?;
    let lesson = req.match_info().get("lesson").ok_or(AppError::NotFound)?;
    let l = course.modules[m]
        .lessons
        .iter()
        .position(|l| l.slug == lesson)
        .ok_or(AppError::NotFound)?;
    Ok(LessonRef(course, m, l))
}

/// On learner routes only, like [`ModuleRef`].
impl FromRequest for LessonRef {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let user = CurrentUser::from_request(req, payload);
        let req = req.clone();
        Box::pin(async move {
            let user = user.await?;
            let l = lesson_ref(&req)?;
            refuse_if_locked(&req, user.id(), l.module()).await?;
            Ok(l)
        })
    }
}
