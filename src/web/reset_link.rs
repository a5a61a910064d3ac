//! The password reset link an admin issues for someone they look after: e-mailed through the
//! outbox when e-mail is set up (the admin does not see it then), else shown once to hand over.
//! Shared by the organisation and platform admin areas.
use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use serde::Serialize;

use crate::error::AppError;
use crate::services::organisations::{self as orgs, ResetMail, ResetRefused};
use crate::web::page::Page;
use crate::web::view::View;

#[derive(Serialize)]
struct ResetLinkPage {
    name: String,
    email: String,
    link: String,
    hours: i64,
    back: String,
    emailed: bool,
}

/// Issues a password reset link for `user_id` on behalf of the page's admin and e-mails it (or, with
/// no e-mail set up, shows it once). For an org admin's learners, or anyone for a platform admin.
///
/// # Errors
/// 404 for people the admin does not look after; 403 for admins' accounts (platform admins only).
pub async fn issue_and_show(
    page: &Page,
    user_id: i32,
    back: String,
) -> Result<HttpResponse, AppError> {
    let state = &page.state;
    let admin = page.visitor.user.as_ref().ok_or(AppError::NotFound)?;
    let mail = state.settings.smtp.as_ref().map(|_| ResetMail {
        templates: &state.templates,
        course_title: &state.course.title,
        base_url: &state.settings.base_url,
        message_domain: crate::services::reminders::message_domain(&state.settings),
    });
    let ip = crate::web::extract::client_ip_text(&page.req);
    let issued =
        orgs::issue_reset(&state.db, &state.clock, admin, ip, user_id, mail.as_ref()).await;
    let (target, token) = match issued {
        Ok(t) => t,
        Err(ResetRefused::NotFound) => return Err(AppError::NotFound),
        Err(ResetRefused::Admin) => {
            return Err(AppError::Forbidden(
                "Only a platform admin can reset a course lead's or an admin's password.".into(),
            ));
        }
        Err(ResetRefused::Db(e)) => return Err(e.into()),
        Err(ResetRefused::Unexpected(e)) => return Err(AppError::Unexpected(e)),
    };
    let emailed = mail.is_some();
    if emailed {
        state.send_mail_soon();
    }
    let vm = ResetLinkPage {
        name: target.name,
        email: target.email,
        link: if emailed {
            String::new()
        } else {
            format!("{}/activate/{token}", state.settings.base_url)
        },
        hours: orgs::RESET_HOURS,
        back,
        emailed,
    };
    let view = View::new(
        StatusCode::OK,
        "onboarding/reset_link",
        "Password reset link",
        "",
    );
    page.render(view.noindex(), &vm)
}
