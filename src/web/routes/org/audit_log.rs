//! The organisation's audit log: what its admins did.
use actix_web::HttpResponse;
use serde::Serialize;

use crate::error::AppError;
use crate::services::audit;
use crate::web::extract::OrgAdmin;
use crate::web::page::Page;

#[derive(Serialize)]
struct AuditView {
    at: String,
    actor: String,
    action: String,
    detail: String,
}

#[derive(Serialize)]
struct OrgAuditPage {
    slug: String,
    name: String,
    entries: Vec<AuditView>,
}

/// `GET /org/{slug}/audit`: the organisation's admin actions.
#[tracing::instrument(skip_all, fields(user_id = admin.user.id()))]
pub async fn show_audit(page: Page, admin: OrgAdmin) -> Result<HttpResponse, AppError> {
    let target = format!("org:{}", admin.org.id);
    let entries = audit::for_target(&page.state.db, &target, 200).await?;
    let vm = OrgAuditPage {
        slug: admin.org.slug.clone(),
        name: admin.org.name.clone(),
        entries: entries
            .into_iter()
            .map(|e| AuditView {
                at: e.at.format("%Y-%m-%d %H:%M UTC").to_string(),
                actor: e
                    .actor_user_id
                    .map_or_else(|| "–".into(), |a| format!("user:{a}")),
                action: e.action,
                detail: e.detail.unwrap_or_default(),
            })
            .collect(),
    };
    page.ok("org/audit", "Audit log", "org", &vm)
}
