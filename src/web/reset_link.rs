//! The password reset link an admin issues for someone they look after, shown once (and e-mailed
//! when SMTP is set up). Shared by the organisation and platform admin areas.
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;

use crate::error::AppError;
use crate::services::audit::AuditAction;
use crate::services::audit::{self, AuditEvent};
use crate::services::organisations as orgs;
use crate::web::AppState;
use crate::web::session::CurrentUser;
use crate::web::view::{View, render};

#[derive(Serialize)]
struct ResetLinkPage {
    name: String,
    email: String,
    link: String,
    hours: i64,
    back: String,
    emailed: bool,
    email_failed: bool,
}

/// Issues a password reset link for `user_id` on behalf of `admin` and shows it once (for an org
/// admin's learners, or anyone for a platform admin). Used by the organisation and admin pages.
///
/// # Errors
/// 404 for people the admin does not look after; 403 for admins' accounts (platform admins only).
pub async fn issue_and_show(
    state: &AppState,
    req: &HttpRequest,
    admin: &CurrentUser,
    user_id: i32,
    back: String,
) -> Result<HttpResponse, AppError> {
    use crate::services::organisations::ResetRefused;
    let (target, token) =
        match orgs::issue_reset(&state.db, &admin.user, user_id, state.clock.now()).await {
            Ok(t) => t,
            Err(ResetRefused::NotFound) => return Err(AppError::NotFound),
            Err(ResetRefused::Admin) => {
                return Err(AppError::Forbidden(
                    "Only a platform admin can reset a course lead's or an admin's password."
                        .into(),
                ));
            }
            Err(ResetRefused::Db(e)) => return Err(e.into()),
            Err(ResetRefused::Unexpected(e)) => return Err(AppError::Unexpected(e)),
        };
    audit::record(
        &state.db,
        &state.clock,
        AuditEvent {
            actor: Some(admin.id()),
            action: AuditAction::ResetLinkIssued,
            target: Some(format!("user:{}", target.id)),
            detail: None,
            ip: crate::web::extract::client_ip_text(req),
        },
    )
    .await?;
    let link = format!("{}/activate/{token}", state.settings.base_url);
    let mut emailed = false;
    let mut email_failed = false;
    if let Some((url, from)) = &state.settings.smtp {
        // Short lines, so that the message goes as plain 7-bit text and the link stays whole.
        let body = format!(
            "Hello {},\n\nAn administrator of {} has issued you a link\nto choose a new password:\n\n{link}\n\nIt works once, for {} hours, and logs you out everywhere.\nIf you did not expect it, tell your administrator.\n",
            target.name,
            state.course.title,
            orgs::RESET_HOURS
        );
        match crate::services::mail::send(
            url,
            from,
            &target.name,
            &target.email,
            &format!("{}: choose a new password", state.course.title),
            body,
        )
        .await
        {
            Ok(()) => emailed = true,
            Err(e) => {
                // The admin can still hand the link over; the cause goes to the log only.
                tracing::warn!(error = %e, "the reset link could not be e-mailed");
                email_failed = true;
            }
        }
    }
    let page = ResetLinkPage {
        name: target.name,
        email: target.email,
        link: if emailed { String::new() } else { link },
        hours: orgs::RESET_HOURS,
        back,
        emailed,
        email_failed,
    };
    render(
        state,
        req,
        &admin.visitor(),
        View::new(
            StatusCode::OK,
            "onboarding/reset_link",
            "Password reset link",
            "",
        )
        .noindex(),
        &page,
    )
}
