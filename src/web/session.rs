//! Who is asking: the session cookie, looked up once per request, and the role guards built on it.
use std::future::Future;
use std::pin::Pin;

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest};

use crate::error::AppError;
use crate::services::sessions::{self, SignedIn};
use crate::web::AppState;

pub fn session_cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-dd_session"
    } else {
        "dd_session"
    }
}

/// The session cookie: HttpOnly, SameSite=Lax, Path=/, no Domain; Secure with the `__Host-` prefix over https.
pub fn session_cookie(state: &AppState, token: &str) -> Cookie<'static> {
    let secure = state.settings.is_https();
    Cookie::build(session_cookie_name(secure), token.to_string())
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .finish()
}

pub fn expired_session_cookie(state: &AppState) -> Cookie<'static> {
    let mut c = session_cookie(state, "");
    c.set_max_age(CookieDuration::ZERO);
    c
}

/// The visitor of this request: a logged-in user with their session token, or anonymous.
#[derive(Clone, Debug, Default)]
pub struct Visitor {
    pub user: Option<SignedIn>,
    pub session_token: Option<String>,
    /// Whose session this browser's cookie was, when it has just timed out.
    pub timed_out_for: Option<i32>,
    /// The user is someone's line manager (the header links to their team).
    pub manages_team: bool,
    /// The session as the session cache holds it (with the lesson page's memo).
    pub cached: Option<std::sync::Arc<crate::services::session_cache::CachedSession>>,
    /// For a lesson page: the memo's epoch when this request began (see
    /// `CachedSession::remember_lesson`). `None` on every other request, which drops the memo.
    pub memo_epoch: Option<u64>,
}

/// The lesson page's route: the one request that keeps a session's lesson memo.
pub const LESSON_ROUTE: &str = "/modules/{module}/lessons/{lesson}";

/// Whether this request is a view of a lesson page (which may be answered from the memo).
pub fn keeps_lesson_memo(req: &HttpRequest) -> bool {
    req.method() == actix_web::http::Method::GET
        && req.path().starts_with("/modules/")
        && req.match_pattern().as_deref() == Some(LESSON_ROUTE)
}

impl Visitor {
    /// Loads the session once per request; later extractors reuse it.
    ///
    /// # Errors
    /// When the database fails.
    pub async fn load(req: &HttpRequest) -> Result<Self, AppError> {
        if let Some(v) = req.extensions().get::<Visitor>() {
            return Ok(v.clone());
        }
        let state = crate::web::extract::app_state(req)?;
        let name = session_cookie_name(state.settings.is_https());
        let visitor = match req.cookie(name) {
            Some(cookie) => {
                let token = cookie.value().to_string();
                let facts = sessions::visitor(
                    &state.db,
                    &state.session_cache,
                    &state.clock,
                    &token,
                    state.timeouts(),
                )
                .await?;
                match facts.looked.user {
                    Some(user) => {
                        let lesson_view = keeps_lesson_memo(req);
                        let memo_epoch = match &facts.cached {
                            Some(c) if lesson_view => Some(c.memo_epoch()),
                            Some(c) => {
                                c.forget_lesson();
                                None
                            }
                            None => None,
                        };
                        // For the header's "Course lead" link on pages (platform admins have "Admin").
                        if req.method() == actix_web::http::Method::GET
                            && user.role != crate::domain::Role::PlatformAdmin
                        {
                            req.extensions_mut()
                                .insert(crate::web::view::CourseLeadOf(facts.led_by));
                        }
                        Visitor {
                            manages_team: facts.manages_team,
                            user: Some(user),
                            session_token: Some(token),
                            timed_out_for: None,
                            cached: facts.cached,
                            memo_epoch,
                        }
                    }
                    None => Visitor {
                        timed_out_for: facts.looked.timed_out_for,
                        ..Visitor::default()
                    },
                }
            }
            None => Visitor::default(),
        };
        if let Some(user) = &visitor.user {
            tracing::Span::current().record("user_id", user.id);
        }
        req.extensions_mut().insert(visitor.clone());
        Ok(visitor)
    }
}

impl FromRequest for Visitor {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { Visitor::load(&req).await })
    }
}

/// A logged-in user (any role). Anonymous visitors are sent to the login page and brought back.
#[derive(Clone, Debug)]
pub struct CurrentUser {
    pub user: SignedIn,
    pub session_token: String,
}

impl CurrentUser {
    pub fn id(&self) -> i32 {
        self.user.id
    }

    /// This user as the visitor of the request (for rendering pages with their CSRF token).
    pub fn visitor(&self) -> Visitor {
        Visitor {
            user: Some(self.user.clone()),
            session_token: Some(self.session_token.clone()),
            timed_out_for: None,
            manages_team: false,
            cached: None,
            memo_epoch: None,
        }
    }

    pub fn is_platform_admin(&self) -> bool {
        self.user.is_platform_admin()
    }
}

fn login_required(req: &HttpRequest) -> AppError {
    let next = if req.method() == actix_web::http::Method::GET {
        req.uri()
            .path_and_query()
            .map_or("/dashboard".to_string(), |p| p.as_str().to_string())
    } else {
        "/dashboard".to_string()
    };
    AppError::LoginRequired { next, kept: None }
}

/// A form posted after its session timed out: its fields are kept for its owner, who logs in and
/// is brought back to the form (see `web::kept_form`).
async fn keep_timed_out_form(
    req: &HttpRequest,
    mut payload: Payload,
    visitor: &Visitor,
) -> AppError {
    let is_form = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"));
    if req.method() != actix_web::http::Method::POST || !is_form {
        return login_required(req);
    }
    let Ok(state) = crate::web::extract::app_state(req) else {
        return login_required(req);
    };
    let Ok(body) = actix_web::web::Bytes::from_request(req, &mut payload).await else {
        return login_required(req);
    };
    let Ok(fields) = crate::web::form::FormFields::parse(&body) else {
        return login_required(req);
    };
    match crate::web::kept_form::keep(state, req, &fields, visitor).await {
        Some(kept) => AppError::LoginRequired {
            next: kept.path,
            kept: Some(Box::new(kept.cookie)),
        },
        None => login_required(req),
    }
}

impl FromRequest for CurrentUser {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        // POSTs have their visitor loaded before the handler (see `middleware::load_visitor`):
        // when its session has just timed out, the body is read here to keep what was typed.
        let timed_out = req
            .extensions()
            .get::<Visitor>()
            .is_some_and(|v| v.user.is_none() && v.timed_out_for.is_some());
        let form_has_it = req
            .extensions()
            .contains::<crate::web::kept_form::BodyTakenByForm>();
        let other_guard_has_it = req
            .extensions()
            .contains::<crate::web::kept_form::BodyTakenByGuard>();
        if timed_out && other_guard_has_it {
            // Another guard of this request is keeping the form and refuses it: it answers.
            return Box::pin(std::future::pending());
        }
        let payload = (timed_out && !form_has_it).then(|| {
            req.extensions_mut()
                .insert(crate::web::kept_form::BodyTakenByGuard);
            payload.take()
        });
        Box::pin(async move {
            let visitor = Visitor::load(&req).await?;
            match (visitor.user.clone(), visitor.session_token.clone()) {
                (Some(user), Some(session_token)) => Ok(CurrentUser {
                    user,
                    session_token,
                }),
                _ => match payload {
                    Some(payload) => Err(keep_timed_out_form(&req, payload, &visitor).await),
                    None => Err(login_required(&req)),
                },
            }
        })
    }
}

/// A platform admin. Others get 404, so the admin area's existence is not advertised.
#[derive(Clone, Debug)]
pub struct PlatformAdmin(pub CurrentUser);

impl FromRequest for PlatformAdmin {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let fut = CurrentUser::from_request(req, payload);
        let req = req.clone();
        Box::pin(async move {
            let user = fut.await?;
            if !user.is_platform_admin() {
                refused(&req, &user, "admin").await?;
                return Err(AppError::NotFound);
            }
            require_mfa(&req, &user).await?;
            Ok(PlatformAdmin(user))
        })
    }
}

/// Admin pages need two-step verification: without it, the user is sent to set it up.
///
/// # Errors
/// `MfaRequired`, or when the database fails.
pub async fn require_mfa(req: &HttpRequest, user: &CurrentUser) -> Result<(), AppError> {
    let state = crate::web::extract::app_state(req)?;
    if crate::services::mfa::enabled(&state.db, user.id()).await? {
        Ok(())
    } else {
        Err(AppError::MfaRequired)
    }
}

/// Writes a refused attempt to reach a guarded area into the audit log.
async fn refused(req: &HttpRequest, user: &CurrentUser, area: &str) -> Result<(), AppError> {
    let state = crate::web::extract::app_state(req)?;
    let actor = crate::web::extract::actor(req, user);
    let (db, clock) = (&state.db, &state.clock);
    crate::services::audit::access_refused(db, clock, &actor, area.into(), req.path()).await?;
    Ok(())
}
