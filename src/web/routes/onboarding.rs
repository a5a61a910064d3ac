//! Joining: invitation links (`/invite/{token}`) and activation links for imported staff (`/activate/{token}`).
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

use crate::domain::NewPassword;
use crate::error::AppError;
use crate::services::auth;
use crate::services::organisations::{self as orgs, Activated, InvitationState};
use crate::web::AppState;
use crate::web::csrf::CsrfForm;
use crate::web::page::Page;
use crate::web::session::{CurrentUser, session_cookie};
use crate::web::view::{View, see_other};

#[derive(Serialize)]
struct InvitePage {
    token: String,
    org: String,
    cohort: Option<String>,
    open: bool,
    reason: &'static str,
    logged_in: bool,
    member: bool,
    next: String,
}

fn reason(state: InvitationState) -> &'static str {
    match state {
        InvitationState::Open => "",
        InvitationState::Expired => {
            "This invitation has expired. Ask the person who sent it for a new link."
        }
        InvitationState::UsedUp => {
            "This invitation has been used as many times as it allows. Ask the person who sent it for a new link."
        }
        InvitationState::Revoked => {
            "This invitation has been withdrawn. Ask the person who sent it for a new link."
        }
    }
}

/// `GET /invite/{token}`: who is inviting, and a button to join (or to register / log in first).
pub async fn show_invite(page: Page, path: web::Path<String>) -> Result<HttpResponse, AppError> {
    let (state, visitor) = (&page.state, &page.visitor);
    let token = path.into_inner();
    let (inv, org, cohort) = orgs::invitation(&state.db, &token)
        .await?
        .ok_or(AppError::NotFound)?;
    let st = orgs::invitation_state(&inv, state.clock.now());
    let member = match &visitor.user {
        Some(u) => orgs::member(&state.db, org.id, u.id).await?.is_some(),
        None => false,
    };
    let vm = InvitePage {
        next: format!("/invite/{token}"),
        token,
        org: org.name,
        cohort: cohort.map(|c| c.name),
        open: st == InvitationState::Open,
        reason: reason(st),
        logged_in: visitor.user.is_some(),
        member,
    };
    let status = if vm.open || member {
        StatusCode::OK
    } else {
        StatusCode::GONE
    };
    let view = View::new(status, "onboarding/invite", "Join your organisation", "");
    page.render(view.noindex(), &vm)
}

/// `POST /invite/{token}`: the logged-in user joins the organisation (and cohort).
pub async fn accept_invite(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: CurrentUser,
    _form: CsrfForm,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    let ip = crate::web::extract::client_ip_text(&req);
    match orgs::accept_invitation(&state.db, &state.clock, &token, user.id(), ip).await? {
        Ok(org) => Ok(see_other(&format!("/dashboard?joined={}", org.slug))),
        Err(st) => Err(AppError::Forbidden(reason(st).into())),
    }
}

#[derive(Serialize)]
struct ActivatePage {
    token: String,
    name: String,
    email: String,
    error: Option<String>,
}

/// `GET /activate/{token}`: an imported person chooses their password. The link works once and expires.
pub async fn show_activate(page: Page, path: web::Path<String>) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    let user = orgs::activation_user(&page.state.db, &token, page.state.clock.now())
        .await?
        .ok_or_else(expired)?;
    let vm = ActivatePage {
        token,
        name: user.name,
        email: user.email,
        error: None,
    };
    let view = View::new(
        StatusCode::OK,
        "onboarding/activate",
        "Set your password",
        "",
    );
    page.render(view.noindex(), &vm)
}

fn expired() -> AppError {
    AppError::NotFound
}

/// `POST /activate/{token}`: field `password`; sets it, uses up the link and logs the person in.
pub async fn activate(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: CsrfForm,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    state.check_auth_rate(&req)?;
    let token = path.into_inner();
    let user = orgs::activation_user(&state.db, &token, state.clock.now())
        .await?
        .ok_or_else(expired)?;
    let password = match NewPassword::parse(form.fields.get("password")) {
        Ok(p) => p,
        Err(problem) => {
            let page = ActivatePage {
                token,
                name: user.name,
                email: user.email,
                error: Some(problem.message()),
            };
            let view = View::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "onboarding/activate",
                "Error: Set your password",
                "",
            );
            return Page::from_parts(state, req, form.visitor).render(view.noindex(), &page);
        }
    };
    let request = orgs::Activation {
        token: &token,
        password_hash: auth::hash_password(password.into_secret()).await?,
        ip: crate::web::extract::client_ip_text(&req),
        user_agent: req
            .headers()
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok()),
        replaced_session: form.visitor.session_token.as_deref(),
        timeouts: state.timeouts(),
    };
    match orgs::activate(&state.db, &state.clock, request).await? {
        None => Err(expired()),
        Some(Activated::LogInWithCode) => Ok(see_other("/login?next=%2Fdashboard")),
        Some(Activated::SignedIn(session)) => Ok(HttpResponse::SeeOther()
            .insert_header((header::LOCATION, "/dashboard"))
            .cookie(session_cookie(&state, &session))
            .finish()),
    }
}
