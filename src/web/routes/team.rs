//! A line manager's view of their reports: `/team`, `/team.csv` and one report's page. Anyone who
//! manages nobody, and any person who is not one of their reports, gets 404.
use actix_web::http::header;
use actix_web::{HttpResponse, web};

use crate::domain::Email;
use crate::error::AppError;
use crate::services::team;
use crate::web::csrf::CsrfForm;
use crate::web::extract::OrgAdmin;
use crate::web::form::FieldErrors;
use crate::web::page::Page;
use crate::web::session::CurrentUser;
use crate::web::views::team as view;

async fn team_page(page: &Page, user: &CurrentUser) -> Result<view::TeamPage, AppError> {
    let state = &page.state;
    let now = state.clock.now();
    let members = team::team_of(&state.db, &state.course, user.id(), now).await?;
    if members.is_empty() {
        return Err(AppError::NotFound);
    }
    Ok(view::page(&state.course, &members, now))
}

/// `GET /team`: each report's progress, overdue and due-soon modules, certificate and plan.
pub async fn show_team(page: Page, user: CurrentUser) -> Result<HttpResponse, AppError> {
    let vm = team_page(&page, &user).await?;
    page.ok("team/team", "Your team", "team", &vm)
}

/// `GET /team/{user_id}`: one report; 404 for anyone who is not this manager's report.
pub async fn show_report(
    page: Page,
    user: CurrentUser,
    path: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    let vm = team_page(&page, &user).await?;
    let person = vm
        .people
        .into_iter()
        .find(|p| p.user_id == *path)
        .ok_or(AppError::NotFound)?;
    let title = person.name.clone();
    page.ok("team/person", &title, "team", &person)
}

/// `GET /team.csv`: the same as the page, one row per report.
pub async fn team_csv(page: Page, user: CurrentUser) -> Result<HttpResponse, AppError> {
    let vm = team_page(&page, &user).await?;
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(view::CSV_HEADER)
        .map_err(anyhow::Error::from)?;
    for p in &vm.people {
        w.write_record(view::csv_record(p))
            .map_err(anyhow::Error::from)?;
    }
    let bytes = w.into_inner().map_err(|e| anyhow::anyhow!("csv: {e}"))?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/csv; charset=utf-8"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"team.csv\"",
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(bytes))
}

#[derive(serde::Serialize, Default)]
struct ManagersPage {
    slug: String,
    org_name: String,
    relations: Vec<(team::Person, team::Person)>,
    email: String,
    manager_email: String,
    errors: FieldErrors,
    email_error: Option<String>,
    manager_email_error: Option<String>,
    saved: bool,
}

#[derive(serde::Deserialize)]
pub struct SavedQuery {
    saved: Option<String>,
}

async fn managers_page(
    page: &Page,
    admin: &OrgAdmin,
    mut vm: ManagersPage,
) -> Result<HttpResponse, AppError> {
    vm.slug.clone_from(&admin.org.slug);
    vm.org_name.clone_from(&admin.org.name);
    vm.relations = team::who_manages_whom(&page.state.db, admin.org.id).await?;
    vm.email_error = vm.errors.message_for("email");
    vm.manager_email_error = vm.errors.message_for("manager_email");
    if vm.errors.is_empty() {
        page.ok("team/line_managers", "Line managers", "org", &vm)
    } else {
        page.invalid("team/line_managers", "Line managers", "org", &vm)
    }
}

/// `GET /org/{slug}/line-managers`: who manages whom, and a form to set a member's manager.
pub async fn show_line_managers(
    page: Page,
    admin: OrgAdmin,
    query: web::Query<SavedQuery>,
) -> Result<HttpResponse, AppError> {
    let vm = ManagersPage {
        saved: query.saved.is_some(),
        ..ManagersPage::default()
    };
    managers_page(&page, &admin, vm).await
}

/// `POST /org/{slug}/line-managers`: fields `email` (the member) and `manager_email` (another
/// member; empty removes the line manager). Audited.
pub async fn set_line_manager(
    page: Page,
    admin: OrgAdmin,
    form: CsrfForm,
) -> Result<HttpResponse, AppError> {
    let f = &form.fields;
    let mut errors = FieldErrors::default();
    let report = errors.take("email", Email::parse(f.get("email")), |m| m);
    let manager = match f.get("manager_email").trim() {
        "" => Some(None),
        m => errors
            .take("manager_email", Email::parse(m), |m| m)
            .map(Some),
    };
    let result = match (report, manager) {
        (Some(report), Some(manager)) => {
            let state = &page.state;
            team::set_manager(
                &state.db,
                &state.clock,
                &admin.who,
                &report,
                manager.as_ref(),
            )
            .await
        }
        _ => Ok(()),
    };
    match result {
        Ok(()) if errors.is_empty() => return Ok(page.see_other(&saved_url(&admin, f))),
        Ok(()) => {}
        Err(team::TeamError::Db(e)) => return Err(e.into()),
        Err(e @ team::TeamError::NotMember) => errors.add("email", capitalised(&e)),
        Err(e) => errors.add("manager_email", capitalised(&e)),
    }
    let vm = ManagersPage {
        email: f.get("email").trim().to_string(),
        manager_email: f.get("manager_email").trim().to_string(),
        errors,
        ..ManagersPage::default()
    };
    managers_page(&page, &admin, vm).await
}

/// Where a saved line manager goes back to: the member's page when the form was on it, else the
/// line-managers page.
fn saved_url(admin: &OrgAdmin, f: &crate::web::form::FormFields) -> String {
    match f.get("back").parse::<i32>() {
        Ok(member) if member > 0 => admin.url(&format!("/members/{member}?done=manager")),
        _ => admin.url("/line-managers?saved=1"),
    }
}

fn capitalised(e: &team::TeamError) -> String {
    let s = e.to_string();
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}
