//! Organisation API tokens for Trust systems: made and revoked by the organisation's admins (each
//! with its audit row in the same transaction), shown once, kept only as a SHA-256 hash.
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, QueryFilter, QueryOrder, TransactionTrait,
};

use crate::clock::Clock;
use crate::entities::api_tokens;
use crate::services::audit::{self, AuditAction};
use crate::services::org_admin::OrgActor;
use crate::services::sessions::hash_token;

/// Every token starts with this, so a leaked one is easy to recognise (e.g. by secret scanners).
pub const PREFIX: &str = "ddk_";

/// How long `last_used_at` may lag behind: a busy integration writes it at most once a minute.
const LAST_USED_GRANULARITY_SECONDS: i64 = 60;

/// A token's name as the admin typed it: 1 to 80 characters, no control characters.
///
/// # Errors
/// A sentence saying what is wrong.
pub fn parse_name(s: &str) -> Result<String, String> {
    let s = s.trim();
    if s.is_empty() {
        return Err("Enter a name for the token, such as the system that will use it".into());
    }
    if s.chars().count() > 80 || s.chars().any(char::is_control) {
        return Err("The name must be at most 80 characters, without line breaks".into());
    }
    Ok(s.to_string())
}

/// A token that was just made: the secret is in `token`, here and nowhere else.
pub struct NewToken {
    pub token: String,
    pub record: api_tokens::Model,
}

/// Makes a token for the admin's organisation, valid until `expires_at` (or until revoked).
///
/// # Errors
/// When the database fails or the system has no randomness.
pub async fn create(
    db: &DatabaseConnection,
    clock: &Clock,
    who: &OrgActor,
    name: &str,
    expires_at: Option<DateTime<Utc>>,
) -> anyhow::Result<NewToken> {
    let token = format!("{PREFIX}{}", crate::crypto::random_token()?);
    let txn = db.begin_with_options(crate::db::WRITE).await?;
    let record = api_tokens::ActiveModel {
        org_id: Set(who.org_id),
        name: Set(name.to_string()),
        token_hash: Set(hash_token(&token)),
        prefix: Set(token.chars().take(10).collect()),
        created_by: Set(Some(who.actor.user_id)),
        created_at: Set(clock.now()),
        expires_at: Set(expires_at),
        last_used_at: Set(None),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let detail = format!("api_token:{} {}", record.id, record.name);
    let event = who.actor.event_on(
        AuditAction::ApiTokenCreated,
        format!("org:{}", who.org_id),
        Some(detail),
    );
    audit::record(&txn, clock, event).await?;
    txn.commit().await?;
    Ok(NewToken { token, record })
}

/// Revokes one of the organisation's tokens; false when it has no such live token.
///
/// # Errors
/// When the database fails.
pub async fn revoke(
    db: &DatabaseConnection,
    clock: &Clock,
    who: &OrgActor,
    token_id: i32,
) -> Result<bool, DbErr> {
    let txn = db.begin_with_options(crate::db::WRITE).await?;
    let done = api_tokens::Entity::update_many()
        .col_expr(api_tokens::Column::RevokedAt, Expr::value(clock.now()))
        .filter(api_tokens::Column::Id.eq(token_id))
        .filter(api_tokens::Column::OrgId.eq(who.org_id))
        .filter(api_tokens::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    if done.rows_affected == 0 {
        return Ok(false);
    }
    let event = who.actor.event_on(
        AuditAction::ApiTokenRevoked,
        format!("org:{}", who.org_id),
        Some(format!("api_token:{token_id}")),
    );
    audit::record(&txn, clock, event).await?;
    txn.commit().await?;
    Ok(true)
}

/// The organisation's tokens, newest first (revoked ones too, for the record).
///
/// # Errors
/// When the database fails.
pub async fn of_org(
    db: &impl ConnectionTrait,
    org_id: i32,
) -> Result<Vec<api_tokens::Model>, DbErr> {
    api_tokens::Entity::find()
        .filter(api_tokens::Column::OrgId.eq(org_id))
        .order_by_desc(api_tokens::Column::Id)
        .all(db)
        .await
}

/// Who is calling the API: one live token of one organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiClient {
    pub token_id: i32,
    pub org_id: i32,
}

/// True for something shaped like one of our tokens (so junk never reaches the database).
fn plausible(token: &str) -> bool {
    token
        .strip_prefix(PREFIX)
        .is_some_and(crate::services::tokens::plausible)
}

/// The client a bearer token stands for, when it is live (not revoked, not expired); notes when
/// it was last used.
///
/// # Errors
/// When the database fails.
pub async fn authenticate(
    db: &impl ConnectionTrait,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<ApiClient>, DbErr> {
    if !plausible(token) {
        return Ok(None);
    }
    let Some(t) = api_tokens::Entity::find()
        .filter(api_tokens::Column::TokenHash.eq(hash_token(token)))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let live = t.revoked_at.is_none() && t.expires_at.is_none_or(|e| now < e);
    if !live {
        return Ok(None);
    }
    let stale = t
        .last_used_at
        .is_none_or(|u| (now - u).num_seconds() >= LAST_USED_GRANULARITY_SECONDS);
    if stale {
        api_tokens::Entity::update_many()
            .col_expr(api_tokens::Column::LastUsedAt, Expr::value(now))
            .filter(api_tokens::Column::Id.eq(t.id))
            .exec(db)
            .await?;
    }
    Ok(Some(ApiClient {
        token_id: t.id,
        org_id: t.org_id,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_token_shaped_strings_are_looked_up() {
        let good = format!("{PREFIX}{}", "a".repeat(43));
        assert!(plausible(&good));
        assert!(!plausible(&"a".repeat(43)));
        assert!(!plausible(&format!("{PREFIX}{}", "a".repeat(42))));
        assert!(!plausible(&format!("{PREFIX}{}'", "a".repeat(42))));
    }

    #[test]
    fn a_token_name_is_required_and_short() {
        assert!(parse_name("  ").is_err());
        assert!(parse_name(&"x".repeat(81)).is_err());
        assert!(parse_name("a\nb").is_err());
        assert_eq!(parse_name(" ESR feed ").as_deref(), Ok("ESR feed"));
    }
}
