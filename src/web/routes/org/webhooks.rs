//! The organisation's signed webhooks: endpoints that receive events, each with a secret shown once.
use actix_web::{HttpResponse, web};

use crate::error::AppError;
use crate::services::webhooks::{self, EndpointError, EndpointUrl, EventKind, NewEndpoint};
use crate::web::csrf::CsrfForm;
use crate::web::extract::OrgAdmin;
use crate::web::form::{FieldErrors, FormFields};
use crate::web::page::Page;
use crate::web::views::webhooks::{NewSecret, WebhooksPage};

const TITLE: &str = "Webhooks";

/// `GET /org/{slug}/webhooks`
#[tracing::instrument(skip_all, fields(user_id = admin.user.id()))]
pub async fn show_webhooks(page: Page, admin: OrgAdmin) -> Result<HttpResponse, AppError> {
    let endpoints = webhooks::endpoints_of(&page.state.db, admin.org.id).await?;
    let mut vm = WebhooksPage::build(
        &admin.org.slug,
        &admin.org.name,
        &endpoints,
        "",
        None,
        FieldErrors::default(),
        crate::local_time::zone(&admin.org.time_zone),
    );
    vm.removed = page.req.query_string() == "removed=1";
    page.ok("org/webhooks", TITLE, "org", &vm)
}

/// The form, parsed: the URL and at least one known event, or the problems with each.
fn parse(f: &FormFields, allow_loopback: bool) -> Result<NewEndpoint, FieldErrors> {
    let mut errors = FieldErrors::default();
    let url = errors.take(
        "url",
        EndpointUrl::parse(f.get("url"), allow_loopback),
        |e| e.to_string(),
    );
    let mut events = Vec::new();
    for raw in f.all("events") {
        match EventKind::parse(raw) {
            Some(k) if !events.contains(&k) => events.push(k),
            Some(_) => {}
            None => errors.add("events", "Choose events from the list"),
        }
    }
    if events.is_empty() && errors.message_for("events").is_none() {
        errors.add("events", "Choose at least one event to send");
    }
    match url {
        Some(url) if errors.is_empty() => Ok(NewEndpoint { url, events }),
        _ => Err(errors),
    }
}

/// `POST /org/{slug}/webhooks` (fields `url`, `events` repeated): adds the endpoint and shows its
/// secret, once. Bad input shows the form again with what was typed and ticked.
#[tracing::instrument(skip_all, fields(user_id = admin.user.id()))]
pub async fn create_webhook(
    page: Page,
    form: CsrfForm,
    admin: OrgAdmin,
) -> Result<HttpResponse, AppError> {
    let state = &page.state;
    let result = match parse(&form.fields, state.settings.webhooks_allow_loopback) {
        Ok(new) => {
            match webhooks::create_endpoint(&state.db, &state.clock, &admin.who, new).await {
                Ok(created) => Ok(created),
                Err(EndpointError::TooMany) => Err(FieldErrors::one(
                    "url",
                    "Your organisation already has 10 endpoints, the most it can have. Remove one first",
                )),
                Err(EndpointError::Db(e)) => return Err(e.into()),
                Err(EndpointError::NoRandomness) => {
                    return Err(AppError::Unexpected(anyhow::anyhow!(
                        "no randomness for a secret"
                    )));
                }
            }
        }
        Err(errors) => Err(errors),
    };
    let endpoints = webhooks::endpoints_of(&state.db, admin.org.id).await?;
    let (org, slug) = (&admin.org.name, &admin.org.slug);
    let tz = crate::local_time::zone(&admin.org.time_zone);
    match result {
        Ok(created) => {
            let mut vm =
                WebhooksPage::build(slug, org, &endpoints, "", None, FieldErrors::default(), tz);
            vm.created = Some(NewSecret {
                url: created.url,
                secret: created.secret,
            });
            page.ok("org/webhooks", TITLE, "org", &vm)
        }
        Err(errors) => {
            let ticked: Vec<EventKind> = form
                .fields
                .all("events")
                .filter_map(EventKind::parse)
                .collect();
            let typed = form.fields.get("url").trim();
            let vm = WebhooksPage::build(slug, org, &endpoints, typed, Some(&ticked), errors, tz);
            page.invalid("org/webhooks", TITLE, "org", &vm)
        }
    }
}

/// `POST /org/{slug}/webhooks/{id}/delete`: removes the endpoint and its undelivered events.
#[tracing::instrument(skip_all, fields(user_id = admin.user.id()))]
pub async fn delete_webhook(
    page: Page,
    _form: CsrfForm,
    admin: OrgAdmin,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let id: i32 = path.1.parse().map_err(|_| AppError::NotFound)?;
    let state = &page.state;
    if webhooks::delete_endpoint(&state.db, &state.clock, &admin.who, id).await? {
        Ok(page.see_other(&admin.url("/webhooks?removed=1")))
    } else {
        Err(AppError::NotFound)
    }
}
