//! E-mail preferences, one-click unsubscribe (RFC 8058) and org admins' per-cohort switch.
//! The unsubscribe routes need no log-in: the signed token in the link is the permission, and a
//! mail client's one-click POST carries no cookie or CSRF token.
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Serialize;

use crate::error::AppError;
use crate::messages::Kind;
use crate::services::{reminders, unsubscribe::Refused};
use crate::web::csrf::CsrfForm;
use crate::web::extract::OrgAdmin;
use crate::web::page::Page;
use crate::web::session::{CurrentUser, PlatformAdmin};
use crate::web::view::View;

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
        Kind::TeamOverdue => "the weekly note of your team's overdue modules".into(),
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
    page: Page,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    let state = &page.state;
    let checked = reminders::check_unsubscribe(&state.db, &state.clock, &token)
        .await
        .map_err(AppError::Unexpected)?;
    let (status, vm) = match checked {
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
    page.render(view, &vm)
}

/// `POST /unsubscribe/{token}`: the one-click unsubscribe (body `List-Unsubscribe=One-Click` from a
/// mail client, or the confirmation button).
#[tracing::instrument(skip_all)]
pub async fn unsubscribe(page: Page, path: web::Path<String>) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    let state = &page.state;
    let result = reminders::unsubscribe(&state.db, &state.clock, &token)
        .await
        .map_err(AppError::Unexpected)?;
    let (status, vm) = match result {
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
    page.render(view, &vm)
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
    page: Page,
    user: CurrentUser,
    query: web::Query<SavedQuery>,
) -> Result<HttpResponse, AppError> {
    let state = &page.state;
    let off = reminders::switched_off(&state.db, user.id()).await?;
    let vm = PreferencesPage {
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
    page.ok(
        "account/email_preferences",
        "E-mails you get",
        "account",
        &vm,
    )
}

/// `POST /account/notifications`: a checkbox `on` for each kind to keep.
#[tracing::instrument(skip_all, fields(user_id = user.id()))]
pub async fn save_email_preferences(
    page: Page,
    user: CurrentUser,
    form: CsrfForm,
) -> Result<HttpResponse, AppError> {
    let state = &page.state;
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
    Ok(page.see_other("/account/notifications?saved=1"))
}

/// `POST /org/{slug}/cohorts/{id}/reminders`: field `enabled` (`yes` or `no`).
#[tracing::instrument(skip_all, fields(user_id = admin.user.id()))]
pub async fn set_cohort_reminders(
    page: Page,
    admin: OrgAdmin,
    form: CsrfForm,
    path: web::Path<(String, i32)>,
) -> Result<HttpResponse, AppError> {
    let (_, cohort_id) = path.into_inner();
    let on = match form.fields.get("enabled") {
        "yes" => true,
        "no" => false,
        _ => {
            return Err(AppError::BadRequest(
                "Choose whether reminders are on or off. Go back and try again.".into(),
            ));
        }
    };
    let state = &page.state;
    if !reminders::set_cohort_reminders(&state.db, &state.clock, &admin.who, cohort_id, on).await? {
        return Err(AppError::NotFound);
    }
    Ok(page.see_other(&admin.url(&format!("/cohorts#cohort-{cohort_id}"))))
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
pub async fn admin_email(page: Page, _admin: PlatformAdmin) -> Result<HttpResponse, AppError> {
    let state = &page.state;
    let dead = crate::services::outbox::dead_letters(&state.db, 100).await?;
    let vm = MailAdminPage {
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
    page.ok("admin/email", "E-mail", "admin", &vm)
}
