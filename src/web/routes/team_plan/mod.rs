//! The team plan a cohort writes together, submitting a plan, and the org admin's review.
//! Who may open a team plan is decided once, in `services::team_plan::open`: its cohort's members
//! (while it is on) and its organisation's admins; everyone else gets 404.
pub mod edit;
pub mod export;
pub mod org;
pub mod submit;

use serde::Deserialize;

use crate::course::{Course, Module, WorksheetPrompt};
use crate::error::AppError;
use crate::services::team_plan::{self, Opened, Role, SectionKey};
use crate::web::AppState;
use crate::web::session::CurrentUser;

/// A section save carries one long answer: room for the largest prompt at its limit even in
/// 4-byte characters, percent-encoded (12 bytes each).
pub const TEAM_PLAN_FORM_LIMIT: usize = 512 * 1024;

#[derive(Deserialize)]
pub struct PlanQuery {
    cohort: Option<String>,
    saved: Option<String>,
}

/// The team plan named by `cohort` (or, without one, the viewer's own cohort's), if they may open it.
async fn opened(
    state: &AppState,
    user: &CurrentUser,
    cohort: Option<&str>,
) -> Result<Opened, AppError> {
    let cohort_id = match cohort {
        Some(raw) => raw.trim().parse::<i32>().map_err(|_| AppError::NotFound)?,
        None => team_plan::my_cohort(&state.db, user.id())
            .await?
            .ok_or(AppError::NotFound)?,
    };
    let opened = open_cohort(state, user, cohort_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if opened.needs_mfa {
        return Err(AppError::MfaRequired);
    }
    Ok(opened)
}

/// The one place a cohort's team plan is looked up (with its cohort and organisation) for a viewer.
async fn open_cohort(
    state: &AppState,
    user: &CurrentUser,
    cohort_id: i32,
) -> Result<Option<Opened>, AppError> {
    Ok(team_plan::open(&state.db, &user.user, cohort_id).await?)
}

/// The team plan of the viewer's own cohort, if they are in one whose team plan is on.
async fn my_team(state: &AppState, user: &CurrentUser) -> Result<Option<Opened>, AppError> {
    match team_plan::my_cohort(&state.db, user.id()).await? {
        Some(cohort_id) => open_cohort(state, user, cohort_id).await,
        None => Ok(None),
    }
}

/// Like [`opened`], for changing the plan: members only.
async fn opened_to_write(
    state: &AppState,
    user: &CurrentUser,
    cohort_id: i32,
) -> Result<Opened, AppError> {
    let o = opened(state, user, Some(&cohort_id.to_string())).await?;
    if o.role != Role::Member {
        return Err(AppError::Forbidden(
            "Only the members of this cohort can change or submit its team plan. As an admin you can read it and review what they submit.".into(),
        ));
    }
    Ok(o)
}

/// The module and prompt a section address names.
fn section_of<'a>(
    course: &'a Course,
    module: &str,
    prompt: &str,
) -> Option<(&'a Module, &'a WorksheetPrompt)> {
    let m = course.module(module)?;
    let p = m.worksheet.prompts.iter().find(|p| p.id == prompt)?;
    Some((m, p))
}

/// The key of one section of an opened team plan.
fn key_of(o: &Opened, module: &Module, prompt: &WorksheetPrompt) -> SectionKey {
    SectionKey {
        plan_id: o.plan.id,
        module: module.slug.clone(),
        prompt: prompt.id.clone(),
    }
}
