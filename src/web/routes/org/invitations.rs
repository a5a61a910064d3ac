//! Invitation links that let people join the organisation (and a cohort) themselves.
use actix_web::{HttpResponse, web};

use crate::domain::Email;
use crate::error::AppError;
use crate::services::org_admin::{self, NewInvitation};
use crate::services::organisations::OrgError;
use crate::web::csrf::CsrfForm;
use crate::web::extract::OrgAdmin;
use crate::web::form::{FieldErrors, FormFields};
use crate::web::page::Page;
use crate::web::views::org_cohorts::{DEFAULT_INVITATION_DAYS, FormState, InvitationValues};

/// The invitation form's limits: `days` (1-90, 14 when empty), `max_uses` (1-100,000 or empty),
/// and an optional address to e-mail the link to.
struct Limits {
    days: i64,
    max_uses: Option<i32>,
    email: Option<Email>,
}

fn parse_limits(f: &FormFields) -> Result<Limits, FieldErrors> {
    let mut errors = FieldErrors::default();
    let days = match f.get("days").trim() {
        "" => Some(DEFAULT_INVITATION_DAYS),
        d => errors.take(
            "invite-days",
            d.parse::<i64>()
                .ok()
                .filter(|d| (1..=90).contains(d))
                .ok_or(()),
            |()| "Enter the number of days the link works, from 1 to 90".into(),
        ),
    };
    let max_uses = match f.get("max_uses").trim() {
        "" => Some(None),
        m => errors.take(
            "invite-max",
            m.parse::<i32>()
                .ok()
                .filter(|m| (1..=100_000).contains(m))
                .map(Some)
                .ok_or(()),
            |()| "Enter the most people who can use the link as a whole number from 1 to 100,000, or leave it empty".into(),
        ),
    };
    let email = match f.get("email").trim() {
        "" => Some(None),
        e => errors.take("invite-email", Email::parse(e).map(Some), |m| m.to_string()),
    };
    match (days, max_uses, email) {
        (Some(days), Some(max_uses), Some(email)) if errors.is_empty() => Ok(Limits {
            days,
            max_uses,
            email,
        }),
        _ => Err(errors),
    }
}

fn typed(f: &FormFields) -> InvitationValues {
    InvitationValues {
        cohort: f.get("cohort").to_string(),
        days: f.get("days").to_string(),
        max_uses: f.get("max_uses").to_string(),
        email: f.get("email").to_string(),
    }
}

/// `POST /org/{slug}/invitations`: fields `cohort`, `days` (1-90), `max_uses` (optional), `email`
/// (optional: the link is e-mailed there when the service sends e-mail).
#[tracing::instrument(skip_all, fields(user_id = admin.user.id()))]
pub async fn create_invitation(
    page: Page,
    form: CsrfForm,
    admin: OrgAdmin,
) -> Result<HttpResponse, AppError> {
    let state = &page.state;
    let cohort = org_admin::cohort_in_org(&state.db, admin.org.id, form.fields.get("cohort")).await;
    let (cohort_id, limits) = match (cohort, parse_limits(&form.fields)) {
        (Ok(c), Ok(l)) => (c, l),
        (cohort, limits) => {
            let mut errors = limits.err().unwrap_or_default();
            match cohort {
                Err(OrgError::NoSuchCohort) => {
                    errors.add("invite-cohort", "Choose one of the organisation's cohorts")
                }
                Err(e) => return Err(e.into()),
                Ok(_) => {}
            }
            let refused = FormState {
                errors,
                invitation: typed(&form.fields),
                ..FormState::default()
            };
            return super::cohorts_page(&page, &admin, refused, None).await;
        }
    };
    let invitation = NewInvitation {
        cohort_id,
        days: limits.days,
        max_uses: limits.max_uses,
    };
    let token = match limits.email.filter(|_| state.settings.smtp.is_some()) {
        Some(to) => email_invitation(state, &admin, &invitation, &to).await?,
        None => {
            org_admin::create_invitation(&state.db, &state.clock, &admin.who, &invitation).await?
        }
    };
    Ok(page.see_other(&admin.url(&format!("/cohorts?invite={token}#invitations"))))
}

/// An invitation whose link is also e-mailed (the link and the message in one transaction).
async fn email_invitation(
    state: &web::Data<crate::web::AppState>,
    admin: &OrgAdmin,
    invitation: &NewInvitation,
    to: &Email,
) -> Result<String, AppError> {
    use crate::services::organisations as orgs;
    let mail = orgs::ActivationMail {
        templates: &state.templates,
        course_title: &state.course.title,
        base_url: &state.settings.base_url,
        org_name: &admin.org.name,
        message_domain: crate::services::reminders::message_domain(&state.settings),
    };
    let token = orgs::invite_by_email(
        &state.db,
        &state.clock,
        &admin.who,
        invitation.cohort_id,
        invitation.days,
        invitation.max_uses,
        state.clock.now(),
        to,
        &mail,
    )
    .await
    .map_err(|e| AppError::Unexpected(anyhow::anyhow!("{e}")))?;
    state.send_mail_soon();
    Ok(token)
}

/// `POST /org/{slug}/invitations/{id}/revoke`
#[tracing::instrument(skip_all, fields(user_id = admin.user.id()))]
pub async fn revoke_invitation(
    page: Page,
    _form: CsrfForm,
    admin: OrgAdmin,
    path: web::Path<(String, i32)>,
) -> Result<HttpResponse, AppError> {
    let (_, id) = path.into_inner();
    let state = &page.state;
    org_admin::revoke_invitation(&state.db, &state.clock, &admin.who, id).await?;
    Ok(page.see_other(&admin.url("/cohorts#invitations")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_days_field_means_fourteen_and_bad_numbers_are_reported_per_field() {
        let f = FormFields::parse(b"days=&max_uses=").expect("form");
        let l = parse_limits(&f).expect("valid");
        assert_eq!((l.days, l.max_uses), (14, None));
        let f = FormFields::parse(b"days=1414&max_uses=0&email=nope").expect("form");
        let e = parse_limits(&f).err().expect("refused");
        assert!(e.message_for("invite-days").is_some());
        assert!(e.message_for("invite-max").is_some());
        assert!(e.message_for("invite-email").is_some());
    }
}
