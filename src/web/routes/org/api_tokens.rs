//! The organisation's API tokens for Trust systems: made (shown once), listed and revoked.
use actix_web::{HttpResponse, web};
use chrono::Duration;

use crate::error::AppError;
use crate::services::api_tokens;
use crate::web::csrf::CsrfForm;
use crate::web::extract::OrgAdmin;
use crate::web::form::{FieldErrors, FormFields};
use crate::web::page::Page;
use crate::web::views::org_records::{ApiTokensPage, EXPIRY_CHOICES, TokenFormValues};

const TEMPLATE: &str = "org/api_tokens";

/// The new-token form: `name` (1 to 80 characters) and `expires_in_days` (one of the choices, or
/// empty for no expiry).
struct TokenForm {
    name: String,
    days: Option<i64>,
}

impl TryFrom<&FormFields> for TokenForm {
    type Error = FieldErrors;

    fn try_from(f: &FormFields) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::default();
        let name = errors.take("token-name", api_tokens::parse_name(f.get("name")), |m| m);
        let raw = f.get("expires_in_days").trim();
        let days = if EXPIRY_CHOICES.iter().any(|(v, _)| *v == raw) {
            Some(raw.parse::<i64>().ok())
        } else {
            errors.add("token-expires", "Choose how long the token works");
            None
        };
        match (name, days) {
            (Some(name), Some(days)) if errors.is_empty() => Ok(Self { name, days }),
            _ => Err(errors),
        }
    }
}

async fn tokens_page(page: &Page, admin: &OrgAdmin) -> Result<ApiTokensPage, AppError> {
    let state = &page.state;
    let tokens = api_tokens::of_org(&state.db, admin.org.id).await?;
    Ok(ApiTokensPage::build(
        &admin.org,
        &tokens,
        state.clock.now(),
        &state.settings.base_url,
    ))
}

/// `GET /org/{slug}/api`: the organisation's API tokens and the form to make one.
#[tracing::instrument(skip_all, fields(user_id = admin.user.id()))]
pub async fn show_api_tokens(page: Page, admin: OrgAdmin) -> Result<HttpResponse, AppError> {
    let vm = tokens_page(&page, &admin).await?;
    page.ok(TEMPLATE, "API tokens", "org", &vm)
}

/// `POST /org/{slug}/api/tokens`: makes a token and shows it on this response only (never
/// stored, never in an address); a bad form is shown again with what was typed.
#[tracing::instrument(skip_all, fields(user_id = admin.user.id()))]
pub async fn create_api_token(
    page: Page,
    form: CsrfForm,
    admin: OrgAdmin,
) -> Result<HttpResponse, AppError> {
    let parsed = TokenForm::try_from(&form.fields);
    let TokenForm { name, days } = match parsed {
        Ok(t) => t,
        Err(errors) => {
            let values = TokenFormValues {
                name: form.fields.get("name").to_string(),
                expires: form.fields.get("expires_in_days").to_string(),
            };
            let vm = tokens_page(&page, &admin)
                .await?
                .with_errors(values, errors);
            return page.invalid(TEMPLATE, "API tokens", "org", &vm);
        }
    };
    let state = &page.state;
    let expires_at = days.map(|d| state.clock.now() + Duration::days(d));
    let made = api_tokens::create(&state.db, &state.clock, &admin.who, &name, expires_at).await?;
    let mut vm = tokens_page(&page, &admin).await?;
    vm.new_token = Some(made.token);
    page.ok(TEMPLATE, "API tokens", "org", &vm)
}

/// `POST /org/{slug}/api/tokens/{id}/revoke`: the token stops working at once.
#[tracing::instrument(skip_all, fields(user_id = admin.user.id()))]
pub async fn revoke_api_token(
    page: Page,
    _form: CsrfForm,
    admin: OrgAdmin,
    path: web::Path<(String, i32)>,
) -> Result<HttpResponse, AppError> {
    let (_, id) = path.into_inner();
    let state = &page.state;
    if !api_tokens::revoke(&state.db, &state.clock, &admin.who, id).await? {
        return Err(AppError::NotFound);
    }
    Ok(page.see_other(&admin.url("/api")))
}
