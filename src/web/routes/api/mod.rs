//! The read-only JSON API for Trust systems (`/api/v1`): an organisation's members, progress,
//! completions and certificates, for a bearer token made on the organisation's API page. The
//! OpenAPI document is generated from these handlers and their types.
use actix_web::HttpResponse;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

pub mod members;
pub mod records;

use crate::web::api::Problem;
use crate::web::views::api as v;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "deepdive records API",
        version = "1.0.0",
        description = "Read-only records of one organisation, for Trust systems such as an ESR \
            interface. Authenticate with `Authorization: Bearer <token>` (an organisation API \
            token). Lists are paged: pass a page's `next_cursor` as `cursor` for the next one."
    ),
    paths(
        members::list_members,
        members::show_member,
        records::list_progress,
        records::list_completions,
        records::list_certificates,
        records::show_certificate,
    ),
    components(schemas(
        Problem,
        v::Member,
        v::MemberPage,
        v::Role,
        v::Progress,
        v::ProgressPage,
        v::ModuleProgress,
        v::ModuleStatus,
        v::CompletionRecord,
        v::CompletionPage,
        v::Certificate,
        v::CertificatePage,
        v::CertificateStatus,
    )),
    modifiers(&BearerToken),
    security(("bearer" = [])),
    tags(
        (name = "members", description = "The organisation's members"),
        (name = "records", description = "Progress, completions and certificates"),
    )
)]
pub struct ApiDoc;

struct BearerToken;

impl Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(components) = openapi.components.as_mut() {
            components.add_security_scheme(
                "bearer",
                SecurityScheme::Http(
                    HttpBuilder::new()
                        .scheme(HttpAuthScheme::Bearer)
                        .description(Some("An organisation API token (ddk_…)"))
                        .build(),
                ),
            );
        }
    }
}

/// `GET /api/v1/openapi.json`: the OpenAPI document of this API (public: it holds no data).
pub async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("cache-control", "public, max-age=300"))
        .json(ApiDoc::openapi())
}
