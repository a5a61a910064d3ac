//! E-mail preferences, one-click unsubscribe (RFC 8058) and org admins' per-cohort switch.
//! The unsubscribe routes need no log-in: the signed token in the link is the permission, and a
//! mail client's one-click POST carries no cookie or CSRF token.
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

use crate::error::AppError;
use crate::messages::Kind;
use crate::services::audit::{self, AuditEvent};
use crate::services::{reminders, unsubscribe::Refused};
use crate::web::AppState;
use crate::web::csrf::CsrfForm;
use crate::web::session::{CurrentUser, Visitor};
use crate::web::view::{View, render, see_other};

/// Sends what is due in the outbox in the background, right after a request wrote a message: a
/// slow or refusing SMTP server never holds up the answer (the mail worker retries).
pub(crate) fn send_soon(state: &web::Data<AppState>) {
    if state.settings.smtp.is_none() {
        return;
    }
    let state = state.clone();
    tokio::spawn(async move {
        let pass = reminders::Pass {
            db: &state.db,
            course: &state.course,
            templates: &state.templates,
            settings: &state.settings,
            clock: &state.clock,
        };
        if let Err(e) = reminders::deliver(&pass).await {
            tracing::warn!(error = %e, "the outbox could not be sent now; the worker retries");
        }
    });
}

#[derive(Serialize, Default)]
struct UnsubscribePage {
    token: String,
    what: String,
    done: bool,
    refused: Option<&'static str>,
}

fn what(kind: Kind) -> String {
    match kind {
        Kind::ModuleOpen => "e-mails when a new module opens".into(),
        Kind::DueSoon => "e-mails when a module is due soon".into(),
        Kind::Overdue => "e-mails when you are behind".into(),
        Kind::CertificateExpiring | Kind::CertificateExpired => {
            "e-mails about your certificate expiring".into()
        }
        Kind::Digest => "the weekly summary for course leads".into(),
        k => k.label().to_lowercase(),
    }
}

fn refused_text(r: Refused) -> &'static str {
    match r {
        Refused::Forged => {
            "This unsubscribe link is not one we sent, or it was changed or cut short. Nothing has been changed. Copy the whole link from the e-mail, or log in and choose which e-mails you get on your account page."
        }
        Refused::Expired => {
            "This unsubscribe link has expired. Nothing has been changed. Use the link in a newer e-mail, or log in and choose which e-mails you get on your account page."
        }
    }
}

/// `GET /unsubscribe/{token}`: asks to confirm (a GET never changes anything).
pub async fn show_unsubscribe(
    state: web::Data<AppState>,
    req: HttpRequest,
    visitor: Visitor,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    let checked = reminders::check_unsubscribe(&state.db, &state.clock, &token)
        .await
        .map_err(AppError::Unexpected)?;
    let (status, page) = match checked {
        Ok((_, kind)) => (
            StatusCode::OK,
            UnsubscribePage {
                token,
                what: what(kind),
                ..UnsubscribePage::default()
            },
        ),
        Err(r) => (
            StatusCode::BAD_REQUEST,
            UnsubscribePage {
                refused: Some(refused_text(r)),
                ..UnsubscribePage::default()
            },
        ),
    };
    let view = View::new(status, "public/unsubscribe", "Unsubscribe", "").noindex();
    render(&state, &req, &visitor, view, &page)
}

/// `POST /unsubscribe/{token}`: the one-click unsubscribe (body `List-Unsubscribe=One-Click` from a
/// mail client, or the confirmation button).
#[tracing::instrument(skip_all)]
pub async fn unsubscribe(
    state: web::Data<AppState>,
    req: HttpRequest,
    visitor: Visitor,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    let result = reminders::unsubscribe(&state.db, &state.clock, &token)
        .await
        .map_err(AppError::Unexpected)?;
    let (status, page) = match result {
        Ok(kind) => (
            StatusCode::OK,
            UnsubscribePage {
                what: what(kind),
                done: true,
                ..UnsubscribePage::default()
            },
        ),
        Err(r) => (
            StatusCode::BAD_REQUEST,
            UnsubscribePage {
                refused: Some(refused_text(r)),
                ..UnsubscribePage::default()
            },
        ),
    };
    let view = View::new(status, "public/unsubscribe", "Unsubscribe", "").noindex();
    render(&state, &req, &visitor, view, &page)
}

#[derive(Serialize)]
struct Preference {
    kind: &'static str,
    label: &'static str,
    on: bool,
}

#[derive(Serialize)]
struct PreferencesPage {
    mail_on: bool,
    saved: bool,
    preferences: Vec<Preference>,
}

#[derive(serde::Deserialize)]
pub struct SavedQuery {
    saved: Option<String>,
}

/// `GET /account/notifications`: which e-mails the person gets.
pub async fn show_email_preferences(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: CurrentUser,
    query: web::Query<SavedQuery>,
) -> Result<HttpResponse, AppError> {
    let off = reminders::switched_off(&state.db, user.id()).await?;
    let page = PreferencesPage {
        mail_on: state.settings.smtp.is_some(),
        saved: query.saved.is_some(),
        preferences: Kind::OPTIONAL
            .iter()
            .map(|k| Preference {
                kind: k.as_str(),
                label: k.label(),
                on: !off.contains(k.as_str()),
            })
            .collect(),
    };
    let view = View::new(
        StatusCode::OK,
        "account/email_preferences",
        "E-mails you get",
        "account",
    );
    render(&state, &req, &user.visitor(), view, &page)
}

/// `POST /account/notifications`: a checkbox `on` for each kind to keep.
#[tracing::instrument(skip_all, fields(user_id = user.id()))]
pub async fn save_email_preferences(
    state: web::Data<AppState>,
    user: CurrentUser,
    form: CsrfForm,
) -> Result<HttpResponse, AppError> {
    let keep: Vec<&str> = form.fields.all("on").collect();
    for kind in Kind::OPTIONAL {
        reminders::set_preference(
            &state.db,
            user.id(),
            kind,
            keep.contains(&kind.as_str()),
            state.clock.now(),
        )
        .await?;
    }
    Ok(see_other("/account/notifications?saved=1"))
}

/// `POST /org/{slug}/cohorts/{id}/reminders`: field `enabled` (`yes` or `no`).
#[tracing::instrument(skip_all, fields(user_id = admin.user.id()))]
pub async fn set_cohort_reminders(
    state: web::Data<AppState>,
    req: HttpRequest,
    admin: crate::web::extract::OrgAdmin,
    form: CsrfForm,
    path: web::Path<(String, i32)>,
) -> Result<HttpResponse, AppError> {
    let (_, cohort_id) = path.into_inner();
    let user = &admin.user;
    let org = &admin.org;
    let on = match form.fields.get("enabled") {
        "yes" => true,
        "no" => false,
        _ => {
            return Err(AppError::BadRequest(
                "Choose whether reminders are on or off. Go back and try again.".into(),
            ));
        }
    };
    if !reminders::set_cohort_reminders(&state.db, org.id, cohort_id, on).await? {
        return Err(AppError::NotFound);
    }
    audit::record(
        &state.db,
        &state.clock,
        AuditEvent {
            actor: Some(user.id()),
            action: if on {
                crate::services::audit::AuditAction::CohortRemindersOn
            } else {
                crate::services::audit::AuditAction::CohortRemindersOff
            },
            target: Some(format!("org:{}", org.id)),
            detail: Some(format!("cohort:{cohort_id}")),
            ip: req.peer_addr().map(|a| a.ip().to_string()),
        },
    )
    .await?;
    Ok(see_other(&format!(
        "/org/{}/cohorts#cohort-{cohort_id}",
        org.slug
    )))
}

#[derive(Serialize)]
struct DeadLetter {
    id: i32,
    kind: String,
    written: String,
    attempts: i32,
    reason: String,
}

#[derive(Serialize)]
struct MailAdminPage {
    mail_on: bool,
    interval_minutes: u32,
    dead: Vec<DeadLetter>,
}

/// `GET /admin/email`: whether e-mail is on, and the messages given up on, with the reason.
pub async fn admin_email(
    state: web::Data<AppState>,
    req: HttpRequest,
    admin: crate::web::session::PlatformAdmin,
) -> Result<HttpResponse, AppError> {
    let dead = crate::services::outbox::dead_letters(&state.db, 100).await?;
    let page = MailAdminPage {
        mail_on: state.settings.smtp.is_some(),
        interval_minutes: state.settings.reminder_interval_minutes,
        dead: dead
            .into_iter()
            .map(|m| DeadLetter {
                id: m.id,
                kind: m.kind,
                written: m.created_at.format("%Y-%m-%d %H:%M UTC").to_string(),
                attempts: m.attempts,
                reason: m.last_error.unwrap_or_default(),
            })
            .collect(),
    };
    let view = View::new(StatusCode::OK, "admin/email", "E-mail", "admin");
    render(&state, &req, &admin.0.visitor(), view, &page)
}
