//! Cohorts: a named, dated group of learners with its pacing; the page that lists them with the
//! organisation's invitation links.
use actix_web::{HttpResponse, web};
use chrono::{NaiveDate, TimeZone, Utc};
use serde::Deserialize;

use crate::error::AppError;
use crate::services::org_admin::{self, NewCohort};
use crate::services::organisations::OrgError;
use crate::web::csrf::CsrfForm;
use crate::web::extract::OrgAdmin;
use crate::web::form::{FieldErrors, FormFields};
use crate::web::page::Page;
use crate::web::views::org_cohorts::{CohortValues, FormState};

#[derive(Deserialize)]
pub struct CohortsQuery {
    /// A new invitation's token, shown once after it was made.
    invite: Option<String>,
}

/// `GET /org/{slug}/cohorts`: cohorts, invitation links and the security setting, with their forms.
#[tracing::instrument(skip_all, fields(user_id = admin.user.id()))]
pub async fn show_cohorts(
    page: Page,
    admin: OrgAdmin,
    query: web::Query<CohortsQuery>,
) -> Result<HttpResponse, AppError> {
    let new_invite = query
        .invite
        .as_deref()
        .filter(|t| crate::services::tokens::plausible(t))
        .map(|t| format!("{}/invite/{t}", page.state.settings.base_url));
    super::cohorts_page(&page, &admin, FormState::default(), new_invite).await
}

/// The new-cohort form: `name` (up to 100 characters), `starts_on` (YYYY-MM-DD), `pacing` (self or
/// weekly). Every problem is collected against its field.
fn parse_cohort(f: &FormFields) -> Result<NewCohort, FieldErrors> {
    let mut errors = FieldErrors::default();
    let name = f.get("name").trim();
    if name.is_empty() {
        errors.add("cohort-name", "Enter a name for the cohort");
    } else if name.chars().count() > 100 {
        errors.add(
            "cohort-name",
            "The cohort name must be 100 characters or fewer",
        );
    }
    let starts = errors.take(
        "cohort-start",
        NaiveDate::parse_from_str(f.get("starts_on").trim(), "%Y-%m-%d"),
        |_| "Enter the start date as year-month-day, for example 2027-01-11".into(),
    );
    match starts {
        Some(starts) if errors.is_empty() => Ok(NewCohort {
            name: name.to_string(),
            starts_on: Utc.from_utc_datetime(&starts.and_time(chrono::NaiveTime::MIN)),
            weekly: f.get("pacing") == "weekly",
            lock_modules: f.get("lock_modules") == "yes",
        }),
        _ => Err(errors),
    }
}

fn typed(f: &FormFields) -> CohortValues {
    CohortValues {
        name: f.get("name").to_string(),
        starts_on: f.get("starts_on").to_string(),
        pacing: f.get("pacing").to_string(),
        lock_modules: f.get("lock_modules").to_string(),
    }
}

/// `POST /org/{slug}/cohorts`: fields `name`, `starts_on` (YYYY-MM-DD), `pacing` (self or weekly).
#[tracing::instrument(skip_all, fields(user_id = admin.user.id()))]
pub async fn create_cohort(
    page: Page,
    form: CsrfForm,
    admin: OrgAdmin,
) -> Result<HttpResponse, AppError> {
    let refuse = |errors| FormState {
        errors,
        cohort: typed(&form.fields),
        ..FormState::default()
    };
    let cohort = match parse_cohort(&form.fields) {
        Ok(c) => c,
        Err(errors) => return super::cohorts_page(&page, &admin, refuse(errors), None).await,
    };
    let state = &page.state;
    match org_admin::create_cohort(&state.db, &state.clock, &admin.who, &cohort).await {
        Ok(c) => Ok(page.see_other(&admin.url(&format!("/cohorts#cohort-{}", c.id)))),
        Err(OrgError::CohortTaken) => {
            let errors = FieldErrors::one(
                "cohort-name",
                "This organisation already has a cohort with that name: choose another",
            );
            super::cohorts_page(&page, &admin, refuse(errors), None).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /org/{slug}/cohorts/{id}/lock`: field `locked`, `yes` (each module stays locked until its
/// release date) or `no`.
#[tracing::instrument(skip_all, fields(user_id = admin.user.id()))]
pub async fn set_cohort_lock(
    page: Page,
    admin: OrgAdmin,
    form: CsrfForm,
    path: web::Path<(String, i32)>,
) -> Result<HttpResponse, AppError> {
    let (_, cohort_id) = path.into_inner();
    let lock = match form.fields.get("locked") {
        "yes" => true,
        "no" => false,
        _ => {
            return Err(AppError::BadRequest(
                "Choose whether the cohort's modules are locked until their release date.".into(),
            ));
        }
    };
    let state = &page.state;
    if !org_admin::set_cohort_lock(&state.db, &state.clock, &admin.who, cohort_id, lock).await? {
        return Err(AppError::NotFound);
    }
    Ok(page.see_other(&admin.url(&format!("/cohorts#cohort-{cohort_id}"))))
}

/// `POST /org/{slug}/time-zone`: field `time_zone`, an IANA name such as `Europe/London`. Every
/// date and time the organisation's learners and course leads see is shown in it.
#[tracing::instrument(skip_all, fields(user_id = admin.user.id()))]
pub async fn set_time_zone(
    page: Page,
    form: CsrfForm,
    admin: OrgAdmin,
) -> Result<HttpResponse, AppError> {
    let zone = form.fields.get("time_zone").trim();
    if !crate::local_time::zone_names().contains(&zone) {
        let refused = FormState {
            errors: FieldErrors::one(
                "time-zone",
                "Choose a time zone from the list, for example Europe/London",
            ),
            time_zone: Some(zone.to_string()),
            ..FormState::default()
        };
        return super::cohorts_page(&page, &admin, refused, None).await;
    }
    let state = &page.state;
    org_admin::set_time_zone(&state.db, &state.clock, &admin.who, zone).await?;
    Ok(page.see_other(&admin.url("/cohorts#time-zone")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_problem_in_the_cohort_form_is_reported_against_its_field() {
        let f = FormFields::parse(b"name=&starts_on=11%2F01%2F2027").expect("form");
        let errors = parse_cohort(&f).err().expect("refused");
        assert!(errors.message_for("cohort-name").is_some());
        assert!(errors.message_for("cohort-start").is_some());
        let f = FormFields::parse(b"name=Wave+1&starts_on=2027-01-11&pacing=weekly").expect("form");
        let c = parse_cohort(&f).expect("valid");
        assert!(c.weekly && c.name == "Wave 1");
    }
}
