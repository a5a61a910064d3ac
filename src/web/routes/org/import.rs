//! Bulk onboarding: paste a spreadsheet or CSV (email, name, role), check it, import it.
use actix_web::HttpResponse;
use actix_web::http::header;

use crate::domain::import;
use crate::error::AppError;
use crate::services::org_admin;
use crate::services::organisations as orgs;
use crate::web::csrf::CsrfForm;
use crate::web::extract::OrgAdmin;
use crate::web::page::Page;
use crate::web::views::org_import::{EMPTY_LIST, ImportPage};

const TEMPLATE: &str = "org/import";

/// `GET /org/{slug}/import`: the form to paste the list into.
#[tracing::instrument(skip_all, fields(user_id = admin.user.id()))]
pub async fn show_import(page: Page, admin: OrgAdmin) -> Result<HttpResponse, AppError> {
    let cohorts = orgs::cohorts_of(&page.state.db, admin.org.id).await?;
    let vm = ImportPage::new(&admin.org, &cohorts, None, "");
    page.ok(TEMPLATE, "Add staff", "org", &vm)
}

/// `POST /org/{slug}/import`: `action=preview` checks every line and shows what would happen;
/// `action=import` checks again and imports everything in one transaction, or nothing.
#[tracing::instrument(skip_all, fields(user_id = admin.user.id()))]
pub async fn import_users(
    page: Page,
    form: CsrfForm,
    admin: OrgAdmin,
) -> Result<HttpResponse, AppError> {
    let state = &page.state;
    let f = &form.fields;
    let cohort = org_admin::cohort_in_org(&state.db, admin.org.id, f.get("cohort")).await?;
    let cohorts = orgs::cohorts_of(&state.db, admin.org.id).await?;
    let vm = ImportPage::new(&admin.org, &cohorts, cohort, f.get("csv"));
    let rows = match import::parse("line", f.get("csv")) {
        Ok(rows) if rows.is_empty() => {
            let vm = vm.problems(vec![EMPTY_LIST.into()]);
            return page.invalid(TEMPLATE, "Add staff", "org", &vm);
        }
        Ok(rows) => rows,
        Err(problems) => return page.invalid(TEMPLATE, "Add staff", "org", &vm.problems(problems)),
    };
    if f.get("action") != "import" {
        return page.ok(TEMPLATE, "Check and add staff", "org", &vm.preview(&rows));
    }
    let course = &state.course.slug;
    let done =
        {
            let mail = state.settings.smtp.is_some().then(|| {
                crate::services::organisations::ActivationMail {
                    templates: &state.templates,
                    course_title: &state.course.title,
                    base_url: &state.settings.base_url,
                    org_name: &admin.org.name,
                    message_domain: crate::services::reminders::message_domain(&state.settings),
                }
            });
            let done = org_admin::import(
                &state.db,
                &state.clock,
                &admin.who,
                course,
                cohort,
                &rows,
                mail.as_ref(),
            )
            .await?;
            state.send_mail_soon();
            done
        };
    let vm = vm.done(done, &state.settings.base_url)?;
    page.ok(TEMPLATE, "Staff added", "org", &vm)
}

/// `POST /org/{slug}/import/links.csv`: hands back the activation links shown after an import as a CSV
/// download (the links exist only in that page: the server keeps only their hashes).
pub async fn import_links_csv(form: CsrfForm, admin: OrgAdmin) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"{}-activation-links.csv\"",
                admin.org.slug
            ),
        ))
        .body(form.fields.get("links").to_string()))
}
