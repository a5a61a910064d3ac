//! `/admin/sso`: platform admins configure organisations' OpenID providers (never showing secrets).
use actix_web::{HttpResponse, web};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use super::CALLBACK_PATH;
use crate::error::AppError;
use crate::services::sso::{self as sso_config, ConfigError, NewProvider};
use crate::web::csrf::CsrfForm;
use crate::web::extract::actor;
use crate::web::form::FieldErrors;
use crate::web::page::Page;
use crate::web::session::PlatformAdmin;

#[derive(Serialize, Default)]
struct AdminPage {
    providers: Vec<sso_config::ProviderSummary>,
    callback_url: String,
    errors: FieldErrors,
    form: AdminForm,
    saved: bool,
}

#[derive(Serialize, Default)]
struct AdminForm {
    org: String,
    issuer: String,
    client_id: String,
    domains: String,
    group_claim: String,
    manager_claim: String,
    default_cohort: String,
    require_sso: bool,
}

#[derive(Deserialize)]
pub struct SavedQuery {
    saved: Option<String>,
}

async fn admin_page(
    page: &Page,
    form: AdminForm,
    errors: FieldErrors,
    saved: bool,
) -> Result<HttpResponse, AppError> {
    let state = &page.state;
    let vm = AdminPage {
        providers: sso_config::list(&state.db).await?,
        callback_url: format!(
            "{}{CALLBACK_PATH}",
            state.settings.base_url.trim_end_matches('/')
        ),
        form,
        saved,
        errors: FieldErrors::default(),
    };
    if errors.is_empty() {
        page.ok("admin/sso", "Single sign-on", "admin", &vm)
    } else {
        page.invalid(
            "admin/sso",
            "Single sign-on",
            "admin",
            &AdminPage { errors, ..vm },
        )
    }
}

/// `GET /admin/sso`: the configured providers (never their secrets) and a form to add one.
pub async fn admin_sso(
    page: Page,
    _admin: PlatformAdmin,
    query: web::Query<SavedQuery>,
) -> Result<HttpResponse, AppError> {
    admin_page(
        &page,
        AdminForm::default(),
        FieldErrors::default(),
        query.saved.is_some(),
    )
    .await
}

/// `POST /admin/sso`: fields `org`, `issuer`, `client_id`, `client_secret`, `domains`
/// (comma-separated), `group_claim`, `manager_claim`, `default_cohort`, `require_sso`. Audited (never the secret).
pub async fn add_sso_provider(
    page: Page,
    admin: PlatformAdmin,
    form: CsrfForm,
) -> Result<HttpResponse, AppError> {
    let f = &form.fields;
    let typed = AdminForm {
        org: f.get("org").trim().to_string(),
        issuer: f.get("issuer").trim().to_string(),
        client_id: f.get("client_id").trim().to_string(),
        domains: f.get("domains").trim().to_string(),
        group_claim: f.get("group_claim").trim().to_string(),
        manager_claim: f.get("manager_claim").trim().to_string(),
        default_cohort: f.get("default_cohort").trim().to_string(),
        require_sso: f.get("require_sso") == "yes",
    };
    let new = NewProvider {
        org_slug: typed.org.clone(),
        issuer: typed.issuer.clone(),
        client_id: typed.client_id.clone(),
        client_secret: SecretString::from(f.get("client_secret").to_string()),
        domains: typed.domains.split(',').map(str::to_string).collect(),
        group_claim: Some(typed.group_claim.clone()),
        manager_claim: Some(typed.manager_claim.clone()),
        default_cohort: Some(typed.default_cohort.clone()),
        require_sso: typed.require_sso,
    };
    let who = actor(&page.req, &admin.0);
    let field = match sso_config::add(&page.state.db, &page.state.clock, Some(&who), new).await {
        Ok(()) => return Ok(page.see_other("/admin/sso?saved=1")),
        Err(ConfigError::Db(e)) => return Err(e.into()),
        Err(e @ (ConfigError::NoSuchOrg(_) | ConfigError::AlreadyConfigured(_))) => ("org", e),
        Err(e @ ConfigError::NoSuchCohort(..)) => ("default_cohort", e),
        Err(e @ ConfigError::DomainTaken(_)) => ("domains", e),
        Err(e @ ConfigError::Invalid(_)) => ("issuer", e),
    };
    let message = capitalise(&field.1.to_string());
    admin_page(&page, typed, FieldErrors::one(field.0, message), false).await
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// `POST /admin/sso/{slug}/remove`: removes that organisation's provider; audited.
pub async fn remove_sso_provider(
    page: Page,
    admin: PlatformAdmin,
    _form: CsrfForm,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let who = actor(&page.req, &admin.0);
    if !sso_config::remove(&page.state.db, &page.state.clock, Some(&who), &path).await? {
        return Err(AppError::NotFound);
    }
    Ok(page.see_other("/admin/sso?saved=1"))
}
