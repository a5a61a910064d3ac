//! Forms kept when they arrive too late: a POST whose session or CSRF token has expired keeps what
//! was typed for a short while, so the learner finds it in the form again after logging in. Only
//! the owner of the expired session gets it back, only on the form's own page, and only once.
use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
};

use crate::crypto;
use crate::entities::form_stashes;
use crate::services::sessions::hash_token;

/// How long a kept form waits for its owner to log in again.
pub const KEEP_MINUTES: i64 = 60;

/// The most that is kept of one form (the longest form, a worksheet, is capped at 512 KiB).
pub const MAX_BYTES: usize = 600 * 1024;

/// Fields never kept: secrets, and the token that was refused anyway.
fn kept_field(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    !(name == "csrf_token"
        || name == "code"
        || name.contains("password")
        || name.contains("secret")
        || name.contains("token"))
}

/// What may be kept of a form, or `None` when nothing worth keeping (or too much) was sent.
pub fn keepable(pairs: &[(String, String)]) -> Option<String> {
    let kept: Vec<&(String, String)> = pairs.iter().filter(|(k, _)| kept_field(k)).collect();
    if kept.iter().all(|(_, v)| v.trim().is_empty()) {
        return None;
    }
    let json = serde_json::to_string(&kept).ok()?;
    (json.len() <= MAX_BYTES).then_some(json)
}

/// Keeps a form for `user_id` to find again on `path`; returns the random id for the cookie.
/// An older kept copy of the same form is replaced; expired ones are swept.
///
/// # Errors
/// When the database fails or there is no randomness.
pub async fn keep(
    db: &impl ConnectionTrait,
    user_id: i32,
    path: &str,
    fields_json: String,
    now: DateTime<Utc>,
) -> anyhow::Result<String> {
    let id = crypto::random_token()?;
    form_stashes::Entity::delete_many()
        .filter(
            Condition::any()
                .add(form_stashes::Column::ExpiresAt.lt(now))
                .add(
                    Condition::all()
                        .add(form_stashes::Column::UserId.eq(user_id))
                        .add(form_stashes::Column::Path.eq(path)),
                ),
        )
        .exec(db)
        .await?;
    form_stashes::Entity::insert(form_stashes::ActiveModel {
        id_hash: Set(hash_token(&id)),
        user_id: Set(user_id),
        path: Set(path.to_string()),
        fields: Set(fields_json),
        created_at: Set(now),
        expires_at: Set(now + Duration::minutes(KEEP_MINUTES)),
    })
    .exec_without_returning(db)
    .await?;
    Ok(id)
}

/// Takes back a kept form (it is then gone): only for its owner, on its own page, before it expires.
///
/// # Errors
/// When the database fails.
pub async fn take(
    db: &impl ConnectionTrait,
    id: &str,
    user_id: i32,
    path: &str,
    now: DateTime<Utc>,
) -> Result<Option<Vec<(String, String)>>, sea_orm::DbErr> {
    if id.len() != 43 {
        return Ok(None);
    }
    let id_hash = hash_token(id);
    let Some(row) = form_stashes::Entity::find_by_id(id_hash.clone())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if row.user_id != user_id || row.path != path {
        return Ok(None);
    }
    form_stashes::Entity::delete_by_id(id_hash).exec(db).await?;
    if row.expires_at <= now {
        return Ok(None);
    }
    Ok(serde_json::from_str(&row.fields).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect()
    }

    #[test]
    fn passwords_codes_and_tokens_are_never_kept() {
        let json = keepable(&pairs(&[
            ("csrf_token", "abc"),
            ("password", "hunter2hunter2"),
            ("new_password", "x"),
            ("code", "123456"),
            ("answer-1", "My press release"),
        ]))
        .unwrap_or_default();
        assert!(json.contains("My press release"));
        for secret in ["abc", "hunter2", "123456", "new_password"] {
            assert!(!json.contains(secret), "{secret} was kept: {json}");
        }
    }

    #[test]
    fn an_empty_form_or_one_too_large_is_not_kept() {
        assert_eq!(
            keepable(&pairs(&[("csrf_token", "abc"), ("q", "  ")])),
            None
        );
        let big = "x".repeat(MAX_BYTES + 1);
        assert_eq!(keepable(&pairs(&[("answer", &big)])), None);
    }
}
