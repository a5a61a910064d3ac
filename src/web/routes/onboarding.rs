//! Joining: invitation links (`/invite/{token}`) and activation links for imported staff (`/activate/{token}`).
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

use crate::domain::NewPassword;
use crate::error::AppError;
use crate::services::audit::AuditAction;
use crate::services::audit::{self, AuditEvent};
use crate::services::organisations::{self as orgs, InvitationState};
use crate::services::{auth, sessions};
use crate::web::AppState;
use crate::web::csrf::CsrfForm;
use crate::web::session::{CurrentUser, Visitor, session_cookie};
use crate::web::view::{View, render, see_other};

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
pub async fn show_invite(
    state: web::Data<AppState>,
    req: HttpRequest,
    visitor: Visitor,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    let (inv, org, cohort) = orgs::invitation(&state.db, &token)
        .await?
        .ok_or(AppError::NotFound)?;
    let st = orgs::invitation_state(&inv, state.clock.now());
    let member = match &visitor.user {
        Some(u) => orgs::member(&state.db, org.id, u.id).await?.is_some(),
        None => false,
    };
    let page = InvitePage {
        next: format!("/invite/{token}"),
        token,
        org: org.name,
        cohort: cohort.map(|c| c.name),
        open: st == InvitationState::Open,
        reason: reason(st),
        logged_in: visitor.user.is_some(),
        member,
    };
    let status = if page.open || member {
        StatusCode::OK
    } else {
        StatusCode::GONE
    };
    render(
        &state,
        &req,
        &visitor,
        View::new(status, "onboarding/invite", "Join your organisation", "").noindex(),
        &page,
    )
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
pub async fn show_activate(
    state: web::Data<AppState>,
    req: HttpRequest,
    visitor: Visitor,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    let user = orgs::activation_user(&state.db, &token, state.clock.now())
        .await?
        .ok_or_else(expired)?;
    let page = ActivatePage {
        token,
        name: user.name,
        email: user.email,
        error: None,
    };
    render(
        &state,
        &req,
        &visitor,
        View::new(
            StatusCode::OK,
            "onboarding/activate",
            "Set your password",
            "",
        )
        .noindex(),
        &page,
    )
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
    let now = state.clock.now();
    let user = orgs::activation_user(&state.db, &token, now)
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
            return render(
                &state,
                &req,
                &form.visitor,
                View::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "onboarding/activate",
                    "Error: Set your password",
                    "",
                )
                .noindex(),
                &page,
            );
        }
    };
    let hash = auth::hash_password(password.into_secret()).await?;
    let user = orgs::activate(&state.db, &token, hash, now)
        .await?
        .ok_or_else(expired)?;
    audit::record(
        &state.db,
        &state.clock,
        AuditEvent {
            actor: Some(user.id),
            action: AuditAction::AccountActivated,
            target: Some(format!("user:{}", user.id)),
            detail: None,
            ip: crate::web::extract::client_ip_text(&req),
        },
    )
    .await?;
    if let Some(old) = &form.visitor.session_token {
        sessions::end(&state.db, old).await?;
    }
    if crate::services::mfa::enabled(&state.db, user.id).await? {
        // A reset link replaces the password, not the second step: log in with both.
        return Ok(see_other("/login?next=%2Fdashboard"));
    }
    let session = sessions::create(
        &state.db,
        &state.clock,
        user.id,
        state.timeouts(),
        req.headers()
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok()),
    )
    .await?;
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/dashboard"))
        .cookie(session_cookie(&state, &session))
        .finish())
}
