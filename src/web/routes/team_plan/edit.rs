//! Reading and writing a team plan, one section at a time: every save names the version it was
//! made from, and a stale one is refused with 409, both texts shown and nothing saved.
use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

use super::{PlanQuery, key_of, opened, opened_to_write, section_of};
use crate::domain::worksheet::normalise;
use crate::error::AppError;
use crate::services::team_plan::{self, Opened, Owner, Role, Saved};
use crate::services::worksheets;
use crate::web::csrf::CsrfForm;
use crate::web::page::Page;
use crate::web::session::CurrentUser;
use crate::web::view::View;
use crate::web::views::team_plan::{
    HistoryPage, SectionPage, TeamPlanData, TeamPlanPage, anchor, unknown_section,
};

/// Everything the team plan page (and its exports) are built from.
pub(super) async fn plan_page(
    page: &Page,
    user: &CurrentUser,
    o: &Opened,
    saved: Option<String>,
) -> Result<TeamPlanPage, AppError> {
    let db = &page.state.db;
    let sections = team_plan::sections(db, o.plan.id).await?;
    let submissions = team_plan::submissions_of(db, Owner::Team(o.plan.id)).await?;
    let member = o.role == Role::Member;
    let own: Vec<(String, String)> = if member {
        worksheets::all_answers(db, user.id())
            .await?
            .into_keys()
            .collect()
    } else {
        Vec::new()
    };
    let people = sections.values().filter_map(|s| s.updated_by).chain(
        submissions
            .iter()
            .flat_map(|s| [s.submitted_by, s.reviewed_by])
            .flatten(),
    );
    let names = team_plan::names(db, people).await?;
    let data = TeamPlanData {
        cohort_id: o.cohort.id,
        org_slug: &o.org.slug,
        cohort_name: &o.cohort.name,
        org_name: &o.org.name,
        member,
        sections: &sections,
        own: &own,
        names: &names,
        submissions: &submissions,
        tz: crate::local_time::zone(&o.org.time_zone),
    };
    Ok(TeamPlanPage::build(&page.state.course, &data, saved))
}

/// `GET /plan/team` (`?cohort=ID` to choose one): the team plan, a form per section.
#[tracing::instrument(skip_all, fields(user_id = user.id()))]
pub async fn show_team_plan(
    page: Page,
    user: CurrentUser,
    query: web::Query<PlanQuery>,
) -> Result<HttpResponse, AppError> {
    let o = opened(&page.state, &user, query.cohort.as_deref()).await?;
    let vm = plan_page(&page, &user, &o, query.saved.clone()).await?;
    let title = format!("Team plan: {}", o.cohort.name);
    page.ok("team_plan", &title, "plan", &vm)
}

fn section_response(
    page: &Page,
    status: StatusCode,
    vm: &SectionPage,
) -> Result<HttpResponse, AppError> {
    let title = format!("Error: {}", vm.label);
    page.render(View::new(status, "team_plan_section", &title, "plan"), vm)
}

/// The section's version the form was made from.
fn version_of(raw: &str) -> Result<i32, AppError> {
    raw.trim().parse().map_err(|_| {
        AppError::BadRequest("The form was missing the section's version. Go back to the plan, reload it and try again.".into())
    })
}

/// Saves `text` into one section from `version`, or answers why not (400, 409, 422) with the text kept.
async fn save_text(
    page: &Page,
    user: &CurrentUser,
    path: (i32, String, String),
    version: &str,
    text: &str,
) -> Result<HttpResponse, AppError> {
    let (cohort_id, module_slug, prompt_id) = path;
    let o = opened_to_write(&page.state, user, cohort_id).await?;
    let Some((module, prompt)) = section_of(&page.state.course, &module_slug, &prompt_id) else {
        let vm = unknown_section(cohort_id, text);
        return section_response(page, StatusCode::BAD_REQUEST, &vm);
    };
    let version = version_of(version)?;
    let form = SectionPage::new(cohort_id, module, prompt, version, text);
    let chars = text.chars().count();
    if chars > prompt.max_chars {
        let vm = form.too_long(chars);
        return section_response(page, StatusCode::UNPROCESSABLE_ENTITY, &vm);
    }
    let actor = crate::web::extract::actor(&page.req, user);
    let db = &page.state.db;
    let key = key_of(&o, module, prompt);
    match team_plan::save_section(db, &page.state.clock, &actor, &key, version, text).await? {
        Saved::At(_) => Ok(page.see_other(&format!(
            "/plan/team?cohort={cohort_id}&saved={}#{}",
            prompt.id,
            anchor(&module.slug, &prompt.id)
        ))),
        Saved::Stale(current) => {
            let authors = current.iter().filter_map(|c| c.updated_by);
            let names: HashMap<i32, String> = team_plan::names(db, authors).await?;
            let tz = crate::local_time::zone(&o.org.time_zone);
            let vm = form.stale(current.as_ref(), &names, tz);
            section_response(page, StatusCode::CONFLICT, &vm)
        }
    }
}

/// `POST /plan/team/{cohort}/sections/{module}/{prompt}`: fields `version` and `text`.
#[tracing::instrument(skip_all, fields(user_id = user.id()))]
pub async fn save_section(
    page: Page,
    user: CurrentUser,
    form: CsrfForm,
    path: web::Path<(i32, String, String)>,
) -> Result<HttpResponse, AppError> {
    let text = normalise(form.fields.get("text"));
    save_text(
        &page,
        &user,
        path.into_inner(),
        form.fields.get("version"),
        &text,
    )
    .await
}

/// `POST /plan/team/{cohort}/sections/{module}/{prompt}/copy`: field `version`; copies the
/// learner's own answer to that prompt into the team plan, with the same version check.
#[tracing::instrument(skip_all, fields(user_id = user.id()))]
pub async fn copy_section(
    page: Page,
    user: CurrentUser,
    form: CsrfForm,
    path: web::Path<(i32, String, String)>,
) -> Result<HttpResponse, AppError> {
    let path = path.into_inner();
    let own = team_plan::private_answer(&page.state.db, user.id(), &path.1, &path.2)
        .await?
        .ok_or_else(|| {
            AppError::BadRequest("You have no answer of your own to this question, so there is nothing to copy. Go back to the team plan.".into())
        })?;
    save_text(&page, &user, path, form.fields.get("version"), &own).await
}

/// `GET /plan/team/{cohort}/sections/{module}/{prompt}/history`: every version, newest first.
#[tracing::instrument(skip_all, fields(user_id = user.id()))]
pub async fn section_history(
    page: Page,
    user: CurrentUser,
    path: web::Path<(i32, String, String)>,
) -> Result<HttpResponse, AppError> {
    let (cohort_id, module_slug, prompt_id) = path.into_inner();
    let o = opened(&page.state, &user, Some(&cohort_id.to_string())).await?;
    let (module, prompt) =
        section_of(&page.state.course, &module_slug, &prompt_id).ok_or(AppError::NotFound)?;
    let key = key_of(&o, module, prompt);
    let versions = team_plan::history(&page.state.db, &key).await?;
    let names =
        team_plan::names(&page.state.db, versions.iter().filter_map(|v| v.author_id)).await?;
    let tz = crate::local_time::zone(&o.org.time_zone);
    let vm = HistoryPage::build(cohort_id, module, prompt, &versions, &names, tz);
    let title = format!("History: {}", prompt.label);
    page.ok("team_plan_history", &title, "plan", &vm)
}
