//! The audit log: who did what to whom, and when (UTC). Never passwords, tokens or session ids.
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait};

use crate::clock::Clock;
use crate::entities::audit_log;

/// Who is acting, for the audit log: the logged-in user and the client's address (see
/// `crate::proxies` for how that address is found behind a proxy).
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: i32,
    pub ip: Option<String>,
}

impl Actor {
    /// An event by this user about their own account.
    pub fn event(&self, action: &'static str, detail: Option<String>) -> AuditEvent<'static> {
        self.event_on(action, format!("user:{}", self.user_id), detail)
    }

    /// An event by this user about a target (`org:3`, `user:7`, `certificate:ABCD-…`).
    pub fn event_on(
        &self,
        action: &'static str,
        target: String,
        detail: Option<String>,
    ) -> AuditEvent<'static> {
        AuditEvent {
            actor: Some(self.user_id),
            action,
            target: Some(target),
            detail,
            ip: self.ip.clone(),
        }
    }
}

pub struct AuditEvent<'a> {
    pub actor: Option<i32>,
    pub action: &'a str,
    pub target: Option<String>,
    pub detail: Option<String>,
    pub ip: Option<String>,
}

/// Records an event; the caller decides whether a failure matters.
///
/// # Errors
/// When the database fails.
pub async fn record(
    db: &impl ConnectionTrait,
    clock: &Clock,
    event: AuditEvent<'_>,
) -> Result<(), sea_orm::DbErr> {
    tracing::info!(
        audit.action = event.action,
        audit.actor = event.actor,
        audit.target = event.target.as_deref().unwrap_or(""),
        "audit"
    );
    audit_log::Entity::insert(audit_log::ActiveModel {
        at: Set(clock.now()),
        actor_user_id: Set(event.actor),
        action: Set(event.action.to_string()),
        target: Set(event.target.map(|t| truncate(&t, 200))),
        detail: Set(event.detail.map(|d| truncate(&d, 500))),
        ip: Set(event.ip.map(|i| truncate(&i, 64))),
        ..Default::default()
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

fn truncate(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// The newest audit entries.
///
/// # Errors
/// When the database fails.
pub async fn recent(
    db: &impl ConnectionTrait,
    limit: u64,
) -> Result<Vec<audit_log::Model>, sea_orm::DbErr> {
    use sea_orm::{QueryOrder, QuerySelect};
    audit_log::Entity::find()
        .order_by_desc(audit_log::Column::Id)
        .limit(limit)
        .all(db)
        .await
}

/// Audit entries about one target (e.g. `org:3`), newest first.
///
/// # Errors
/// When the database fails.
pub async fn for_target(
    db: &impl ConnectionTrait,
    target: &str,
    limit: u64,
) -> Result<Vec<audit_log::Model>, sea_orm::DbErr> {
    use sea_orm::{ColumnTrait, QueryFilter, QueryOrder, QuerySelect};
    audit_log::Entity::find()
        .filter(audit_log::Column::Target.eq(target))
        .order_by_desc(audit_log::Column::Id)
        .limit(limit)
        .all(db)
        .await
}
