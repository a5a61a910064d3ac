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
    let token =
        org_admin::create_invitation(&state.db, &state.clock, &admin.who, &invitation).await?;
    Ok(page.see_other(&admin.url(&format!("?invite={token}#invitations"))))
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
