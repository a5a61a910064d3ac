//! The organisation's cohorts, invitation links and security setting, with their forms (each form
//! re-shown with its error summary and the typed values when something is wrong). Pure.
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::entities::{cohorts, invitations, organisations};
use crate::services::organisations::{self as orgs, InvitationState};
use crate::web::form::{FieldError, FieldErrors};
use crate::web::views::org_report::{CohortOption, invitation_state_in_words};

#[derive(Serialize)]
struct InvitationView {
    id: i32,
    cohort: Option<String>,
    expires: String,
    uses: String,
    state: &'static str,
    open: bool,
}

/// What was typed into the new-cohort form.
#[derive(Serialize, Default, Clone)]
pub struct CohortValues {
    pub name: String,
    pub starts_on: String,
    pub pacing: String,
    /// "yes" when "lock each module until its release date" was ticked.
    pub lock_modules: String,
}

/// What was typed into the new-invitation form.
#[derive(Serialize, Default, Clone)]
pub struct InvitationValues {
    pub cohort: String,
    pub days: String,
    pub max_uses: String,
    pub email: String,
}

/// Which form failed, its messages (for the summary) and its typed values.
#[derive(Default)]
pub struct FormState {
    pub errors: FieldErrors,
    pub cohort: CohortValues,
    pub invitation: InvitationValues,
    /// The time zone typed into the settings form, when it was refused.
    pub time_zone: Option<String>,
}

#[derive(Serialize)]
struct FieldMessages {
    name: Option<String>,
    starts_on: Option<String>,
    days: Option<String>,
    max_uses: Option<String>,
    email: Option<String>,
    cohort: Option<String>,
    time_zone: Option<String>,
}

#[derive(Serialize)]
struct ZoneOption {
    name: &'static str,
    selected: bool,
}

#[derive(Serialize)]
pub struct CohortsPage {
    slug: String,
    name: String,
    require_admin_mfa: bool,
    cohorts: Vec<CohortOption>,
    invitations: Vec<InvitationView>,
    new_invite: Option<String>,
    errors: Vec<FieldError>,
    messages: FieldMessages,
    cohort_form: CohortValues,
    invitation_form: InvitationValues,
    /// The default number of days an invitation link works (shown as a hint, not pre-filled).
    default_days: i64,
    /// The organisation's time zone, and the zones to choose from.
    time_zone: String,
    zones: Vec<ZoneOption>,
}

fn invitation(
    i: &invitations::Model,
    cohorts: &[cohorts::Model],
    now: DateTime<Utc>,
    tz: chrono_tz::Tz,
) -> InvitationView {
    let state = orgs::invitation_state(i, now);
    InvitationView {
        id: i.id,
        cohort: i
            .cohort_id
            .and_then(|c| cohorts.iter().find(|x| x.id == c))
            .map(|c| c.name.clone()),
        expires: crate::local_time::short_date_of(i.expires_at, tz),
        uses: match i.max_uses {
            Some(m) => format!("{} of {m}", i.uses),
            None => i.uses.to_string(),
        },
        state: invitation_state_in_words(state),
        open: state == InvitationState::Open,
    }
}

/// An invitation link works this many days when the field is left empty.
pub const DEFAULT_INVITATION_DAYS: i64 = 14;

impl CohortsPage {
    pub fn build(
        org: &organisations::Model,
        cohorts: &[cohorts::Model],
        invitations: &[invitations::Model],
        new_invite: Option<String>,
        form: FormState,
        now: DateTime<Utc>,
    ) -> Self {
        let e = &form.errors;
        let selected = form.invitation.cohort.parse().ok();
        Self {
            slug: org.slug.clone(),
            name: org.name.clone(),
            require_admin_mfa: org.require_admin_mfa,
            cohorts: CohortOption::list(cohorts, selected),
            invitations: invitations
                .iter()
                .map(|i| invitation(i, cohorts, now, crate::local_time::zone(&org.time_zone)))
                .collect(),
            new_invite,
            messages: FieldMessages {
                name: e.message_for("cohort-name"),
                starts_on: e.message_for("cohort-start"),
                days: e.message_for("invite-days"),
                max_uses: e.message_for("invite-max"),
                email: e.message_for("invite-email"),
                cohort: e.message_for("invite-cohort"),
                time_zone: e.message_for("time-zone"),
            },
            errors: form.errors.into_vec(),
            cohort_form: form.cohort,
            invitation_form: form.invitation,
            default_days: DEFAULT_INVITATION_DAYS,
            zones: crate::local_time::zone_names()
                .into_iter()
                .map(|name| ZoneOption {
                    name,
                    selected: name == org.time_zone,
                })
                .collect(),
            time_zone: form.time_zone.unwrap_or_else(|| org.time_zone.clone()),
        }
    }
}
