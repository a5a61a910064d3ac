//! Invitation links that let people join the organisation (and a cohort) themselves.
use actix_web::{HttpResponse, web};

use crate::error::AppError;
use crate::services::org_admin::{self, NewInvitation};
use crate::web::csrf::CsrfForm;
use crate::web::extract::OrgAdmin;
use crate::web::form::FormFields;
use crate::web::page::Page;

/// The invitation form's limits: `days` (1-90, 14 when empty), `max_uses` (1-100,000 or empty).
struct Limits {
    days: i64,
    max_uses: Option<i32>,
}

impl TryFrom<&FormFields> for Limits {
    type Error = AppError;

    fn try_from(f: &FormFields) -> Result<Self, AppError> {
        let days = match f.get("days").trim() {
            "" => 14,
            d => d
                .parse::<i64>()
                .ok()
                .filter(|d| (1..=90).contains(d))
                .ok_or_else(|| {
                    AppError::BadRequest(
                        "The link can last from 1 to 90 days. Go back and try again.".into(),
                    )
                })?,
        };
        let max_uses = match f.get("max_uses").trim() {
            "" => None,
            m => Some(
                m.parse::<i32>()
                    .ok()
                    .filter(|m| (1..=100_000).contains(m))
                    .ok_or_else(|| {
                        AppError::BadRequest(
                            "The number of uses must be a whole number from 1. Go back and try again."
                                .into(),
                        )
                    })?,
            ),
        };
        Ok(Self { days, max_uses })
    }
}

/// `POST /org/{slug}/invitations`: fields `cohort`, `days` (1-90), `max_uses` (optional).
#[tracing::instrument(skip_all, fields(user_id = admin.user.id()))]
pub async fn create_invitation(
    page: Page,
    form: CsrfForm,
    admin: OrgAdmin,
) -> Result<HttpResponse, AppError> {
    let state = &page.state;
    let cohort_id =
        org_admin::cohort_in_org(&state.db, admin.org.id, form.fields.get("cohort")).await?;
    let Limits { days, max_uses } = Limits::try_from(&form.fields)?;
    let invitation = NewInvitation {
        cohort_id,
        days,
        max_uses,
    };
    let to = match form.fields.get("email").trim() {
        "" => None,
        e => Some(
            crate::domain::Email::parse(e)
                .map_err(|m| AppError::BadRequest(format!("{m}. Go back and try again.")))?,
        ),
    };
    let token = match to.filter(|_| state.settings.smtp.is_some()) {
        Some(to) => email_invitation(state, &admin, &invitation, &to).await?,
        None => {
            org_admin::create_invitation(&state.db, &state.clock, &admin.who, &invitation).await?
        }
    };
    Ok(page.see_other(&admin.url(&format!("?invite={token}#invitations"))))
}

/// An invitation whose link is also e-mailed (the link and the message in one transaction).
async fn email_invitation(
    state: &web::Data<crate::web::AppState>,
    admin: &OrgAdmin,
    invitation: &NewInvitation,
    to: &crate::domain::Email,
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
    Ok(page.see_other(&admin.url("#invitations")))
}
