//! Cohorts: a named, dated group of learners with its pacing.
use actix_web::HttpResponse;
use chrono::{NaiveDate, TimeZone, Utc};

use crate::error::AppError;
use crate::services::org_admin::{self, NewCohort};
use crate::web::csrf::CsrfForm;
use crate::web::extract::OrgAdmin;
use crate::web::form::FormFields;
use crate::web::page::Page;

/// The new-cohort form: `name` (up to 100 characters), `starts_on` (YYYY-MM-DD), `pacing` (self or weekly).
struct CohortForm(NewCohort);

impl TryFrom<&FormFields> for CohortForm {
    type Error = AppError;

    fn try_from(f: &FormFields) -> Result<Self, AppError> {
        let name = f.get("name").trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(AppError::BadRequest(
                "Enter a cohort name of up to 100 characters. Go back and try again.".into(),
            ));
        }
        let starts = NaiveDate::parse_from_str(f.get("starts_on").trim(), "%Y-%m-%d")
            .map_err(|_| AppError::BadRequest("Enter the start date as year-month-day, for example 2027-01-11. Go back and try again.".into()))?;
        Ok(Self(NewCohort {
            name: name.to_string(),
            starts_on: Utc.from_utc_datetime(&starts.and_time(chrono::NaiveTime::MIN)),
            weekly: f.get("pacing") == "weekly",
        }))
    }
}

/// `POST /org/{slug}/cohorts`: fields `name`, `starts_on` (YYYY-MM-DD), `pacing` (self or weekly).
#[tracing::instrument(skip_all, fields(user_id = admin.user.id()))]
pub async fn create_cohort(
    page: Page,
    form: CsrfForm,
    admin: OrgAdmin,
) -> Result<HttpResponse, AppError> {
    let CohortForm(cohort) = CohortForm::try_from(&form.fields)?;
    let state = &page.state;
    let c = org_admin::create_cohort(&state.db, &state.clock, &admin.who, &cohort).await?;
    Ok(page.see_other(&admin.url(&format!("?cohort={}", c.id))))
}
