//! The organisation's members: each learner's page, moving one or many between cohorts, password
//! reset links and activation e-mails sent again.
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::error::AppError;
use crate::services::org_admin::{self, ResendRefused};
use crate::services::organisations as orgs;
use crate::services::reports;
use crate::web::csrf::CsrfForm;
use crate::web::extract::OrgAdmin;
use crate::web::page::Page;
use crate::web::reset_link;
use crate::web::views::org_learner::{Extras, LearnerPage};

#[derive(Deserialize)]
pub struct MemberQuery {
    /// What was just done on this page: `moved`, `manager` or `resent`.
    done: Option<String>,
}

async fn member_page(
    page: &Page,
    admin: &OrgAdmin,
    member: i32,
    notice: Option<String>,
    error: Option<String>,
) -> Result<HttpResponse, AppError> {
    let state = &page.state;
    let now = state.clock.now();
    let detail = reports::learner(&state.db, &state.course, admin.org.id, member, now)
        .await?
        .ok_or(AppError::NotFound)?;
    let failed = error.is_some();
    let extras = Extras {
        notice,
        error,
        mail_on: state.settings.smtp.is_some(),
        line_manager: crate::services::team::manager_of(&state.db, admin.org.id, member).await?,
    };
    let vm = LearnerPage::build(&state.course, &admin.org, detail, extras);
    let title = format!("{}: {}", admin.org.name, vm.name());
    if failed {
        page.invalid("org/learner", &title, "org", &vm)
    } else {
        page.ok("org/learner", &title, "org", &vm)
    }
}

/// `GET /org/{slug}/members/{user_id}`: one learner's progress per module, attempts, certificate,
/// plan status and the actions on them.
#[tracing::instrument(skip_all, fields(user_id = admin.user.id()))]
pub async fn show_member(
    page: Page,
    admin: OrgAdmin,
    path: web::Path<(String, i32)>,
    query: web::Query<MemberQuery>,
) -> Result<HttpResponse, AppError> {
    let (_, member) = path.into_inner();
    let notice = match query.done.as_deref() {
        Some("moved") => Some("Their cohort was changed.".to_string()),
        Some("manager") => Some("Their line manager was saved.".to_string()),
        Some("resent") => {
            Some("A new activation e-mail is on its way. Earlier links no longer work.".to_string())
        }
        _ => None,
    };
    member_page(&page, &admin, member, notice, None).await
}

fn cohort_field(raw: &str) -> Result<Option<i32>, AppError> {
    match raw {
        "" => Ok(None),
        c => c.parse::<i32>().map(Some).map_err(|_| AppError::NotFound),
    }
}

/// `POST /org/{slug}/members/{user_id}/cohort`: field `cohort` (a cohort id, or empty for none).
#[tracing::instrument(skip_all, fields(user_id = admin.user.id()))]
pub async fn move_member(
    page: Page,
    form: CsrfForm,
    admin: OrgAdmin,
    path: web::Path<(String, i32)>,
) -> Result<HttpResponse, AppError> {
    let (_, member) = path.into_inner();
    let cohort = cohort_field(form.fields.get("cohort"))?;
    let state = &page.state;
    if !org_admin::move_member(&state.db, &state.clock, &admin.who, member, cohort).await? {
        return Err(AppError::NotFound);
    }
    Ok(page.see_other(&admin.url(&format!("/members/{member}?done=moved"))))
}

/// `POST /org/{slug}/moves`: fields `member` (repeated: the ticked learners) and `cohort`
/// (a cohort id, or empty for none). Moves them all in one transaction.
#[tracing::instrument(skip_all, fields(user_id = admin.user.id()))]
pub async fn move_members(
    page: Page,
    form: CsrfForm,
    admin: OrgAdmin,
) -> Result<HttpResponse, AppError> {
    let members = form
        .fields
        .all("member")
        .map(|m| m.parse::<i32>().map_err(|_| AppError::NotFound))
        .collect::<Result<Vec<_>, _>>()?;
    let cohort = cohort_field(form.fields.get("cohort"))?;
    let back = form.fields.get("back_cohort");
    let filter = back
        .parse::<i32>()
        .map_or(String::new(), |c| format!("&cohort={c}"));
    if members.is_empty() {
        return Ok(page.see_other(&admin.url(&format!("?moved=none{filter}#learners"))));
    }
    let state = &page.state;
    let moved =
        org_admin::move_members(&state.db, &state.clock, &admin.who, &members, cohort).await?;
    Ok(page.see_other(&admin.url(&format!("?moved={moved}{filter}#learners"))))
}

/// `POST /org/{slug}/members/{user_id}/reset`: a single-use password reset link for a learner.
#[tracing::instrument(skip_all, fields(user_id = admin.user.id()))]
pub async fn reset_member(
    page: Page,
    _form: CsrfForm,
    admin: OrgAdmin,
    path: web::Path<(String, i32)>,
) -> Result<HttpResponse, AppError> {
    let (_, member) = path.into_inner();
    if !orgs::is_member(&page.state.db, admin.org.id, member).await? {
        return Err(AppError::NotFound);
    }
    let back = admin.url(&format!("/members/{member}"));
    reset_link::issue_and_show(&page, member, back).await
}

/// `POST /org/{slug}/members/{user_id}/activation`: sends someone who has not yet activated a new
/// activation e-mail (through the outbox; at most one every few minutes per person; audited).
#[tracing::instrument(skip_all, fields(user_id = admin.user.id()))]
pub async fn resend_activation(
    page: Page,
    _form: CsrfForm,
    admin: OrgAdmin,
    path: web::Path<(String, i32)>,
) -> Result<HttpResponse, AppError> {
    let (_, member) = path.into_inner();
    let state = &page.state;
    if state.settings.smtp.is_none() {
        let error = "This service does not send e-mail. Use \"Reset link\" on this page, or the activation links file from the import, and send the link yourself.";
        return member_page(&page, &admin, member, None, Some(error.into())).await;
    }
    let mail = orgs::ActivationMail {
        templates: &state.templates,
        course_title: &state.course.title,
        base_url: &state.settings.base_url,
        org_name: &admin.org.name,
        message_domain: crate::services::reminders::message_domain(&state.settings),
    };
    match org_admin::resend_activation(&state.db, &state.clock, &admin.who, member, &mail).await {
        Ok(_) => {
            state.send_mail_soon();
            Ok(page.see_other(&admin.url(&format!("/members/{member}?done=resent"))))
        }
        Err(ResendRefused::TooSoon { next }) => {
            let error = format!(
                "An activation e-mail was sent a few minutes ago. You can send another after {}.",
                crate::local_time::time_of(next, crate::local_time::zone(&admin.org.time_zone))
            );
            member_page(&page, &admin, member, None, Some(error)).await
        }
        Err(ResendRefused::NotPending) => Err(AppError::NotFound),
        Err(ResendRefused::Db(e)) => Err(e.into()),
        Err(ResendRefused::Other(e)) => Err(AppError::Unexpected(e)),
    }
}
