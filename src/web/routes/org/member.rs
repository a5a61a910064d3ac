//! One member's page: who they are in the organisation, and their employee (assignment) number.
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::domain::import::EmployeeNumber;
use crate::error::AppError;
use crate::services::{org_admin, records};
use crate::web::csrf::CsrfForm;
use crate::web::extract::OrgAdmin;
use crate::web::form::FieldErrors;
use crate::web::page::Page;
use crate::web::views::org_records::MemberPage;

const TEMPLATE: &str = "org/member";

#[derive(Deserialize)]
pub struct MemberQuery {
    saved: Option<String>,
}

/// `GET /org/{slug}/members/{user_id}/employee-number`: the member's page; 404 for anyone not in the organisation.
#[tracing::instrument(skip_all, fields(user_id = admin.user.id()))]
pub async fn show_member(
    page: Page,
    admin: OrgAdmin,
    path: web::Path<(String, i32)>,
    query: web::Query<MemberQuery>,
) -> Result<HttpResponse, AppError> {
    let (_, user_id) = path.into_inner();
    let member = records::member_by_user(&page.state.db, admin.org.id, user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let title = member.name.clone();
    let vm = MemberPage::build(&admin.org, member, query.saved.is_some());
    page.ok(TEMPLATE, &title, "org", &vm)
}

/// `POST /org/{slug}/members/{user_id}/employee-number`: field `employee_number` (empty clears it).
#[tracing::instrument(skip_all, fields(user_id = admin.user.id()))]
pub async fn set_employee_number(
    page: Page,
    form: CsrfForm,
    admin: OrgAdmin,
    path: web::Path<(String, i32)>,
) -> Result<HttpResponse, AppError> {
    let (_, user_id) = path.into_inner();
    let state = &page.state;
    let member = records::member_by_user(&state.db, admin.org.id, user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let typed = form.fields.get("employee_number");
    let number = if typed.trim().is_empty() {
        None
    } else {
        match EmployeeNumber::parse(typed) {
            Ok(n) => Some(n),
            Err(m) => {
                let title = member.name.clone();
                let errors = FieldErrors::one("employee-number", capitalised(&m));
                let vm = MemberPage::build(&admin.org, member, false).with_error(typed, errors);
                return page.invalid(TEMPLATE, &title, "org", &vm);
            }
        }
    };
    org_admin::set_employee_number(
        &state.db,
        &state.clock,
        &admin.who,
        user_id,
        number.as_ref(),
    )
    .await?;
    Ok(page.see_other(&admin.url(&format!("/members/{user_id}/employee-number?saved=1"))))
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}
