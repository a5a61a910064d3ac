//! Server-side sessions. The cookie holds a random 256-bit token; the database holds only its SHA-256.
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, sea_query::Expr,
};
use sha2::{Digest, Sha256};

use crate::clock::Clock;
use crate::crypto::{self, MacKey};
use crate::entities::{sessions, users};
use crate::services::session_cache::{CachedSession, SessionCache};

/// How often `last_seen_at` is written back: the idle timeout is exact to within this.
const TOUCH_EVERY_SECONDS: i64 = 60;

#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    pub idle_minutes: u32,
    pub absolute_hours: u32,
}

pub fn hash_token(token: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digest = Sha256::digest(token.as_bytes());
    let mut out = String::with_capacity(64);
    for b in digest {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0x0f)]));
    }
    out
}

/// Starts a session and returns its token (for the cookie only).
///
/// # Errors
/// When the database fails.
pub async fn create(
    db: &impl ConnectionTrait,
    clock: &Clock,
    user_id: i32,
    timeouts: Timeouts,
    user_agent: Option<&str>,
) -> anyhow::Result<String> {
    let token = crypto::random_token()?;
    let now = clock.now();
    sessions::Entity::insert(sessions::ActiveModel {
        id_hash: Set(hash_token(&token)),
        user_id: Set(user_id),
        created_at: Set(now),
        last_seen_at: Set(now),
        expires_at: Set(now + Duration::hours(i64::from(timeouts.absolute_hours))),
        user_agent: Set(user_agent.map(|ua| ua.chars().take(200).collect())),
    })
    .exec_without_returning(db)
    .await?;
    users::Entity::update_many()
        .col_expr(users::Column::LastLoginAt, Expr::value(now))
        .filter(users::Column::Id.eq(user_id))
        .exec(db)
        .await?;
    Ok(token)
}

/// The person a live session belongs to: what pages, guards and services need to know about the
/// visitor, and never their password hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedIn {
    pub id: i32,
    pub name: String,
    pub email: String,
    pub role: crate::domain::Role,
    pub created_at: DateTime<Utc>,
}

impl SignedIn {
    pub fn is_platform_admin(&self) -> bool {
        self.role == crate::domain::Role::PlatformAdmin
    }
}

impl From<users::Model> for SignedIn {
    fn from(u: users::Model) -> Self {
        SignedIn {
            id: u.id,
            name: u.name,
            email: u.email,
            role: u.role,
            created_at: u.created_at,
        }
    }
}

/// The user behind a session token, if the session is live; an expired session is deleted.
///
/// # Errors
/// When the database fails.
pub async fn lookup(
    db: &impl ConnectionTrait,
    clock: &Clock,
    token: &str,
    timeouts: Timeouts,
) -> Result<Option<SignedIn>, sea_orm::DbErr> {
    Ok(lookup_or_ended(db, clock, token, timeouts).await?.user)
}

/// What a session token stands for: its live user, or whose session it was when it has just
/// timed out (so a form that arrived too late can be kept for them).
#[derive(Debug, Default)]
pub struct Looked {
    pub user: Option<SignedIn>,
    pub timed_out_for: Option<i32>,
}

/// Like [`lookup`], and also says whose session has just timed out.
///
/// # Errors
/// When the database fails.
pub async fn lookup_or_ended(
    db: &impl ConnectionTrait,
    clock: &Clock,
    token: &str,
    timeouts: Timeouts,
) -> Result<Looked, sea_orm::DbErr> {
    Ok(lookup_session(db, clock, token, timeouts).await?.0)
}

/// When a live session ends on its own (its absolute and idle limits), as last written.
#[derive(Debug, Clone, Copy)]
struct Limits {
    expires_at: DateTime<Utc>,
    last_seen_at: DateTime<Utc>,
}

async fn lookup_session(
    db: &impl ConnectionTrait,
    clock: &Clock,
    token: &str,
    timeouts: Timeouts,
) -> Result<(Looked, Option<Limits>), sea_orm::DbErr> {
    if token.len() != 43 {
        return Ok((Looked::default(), None));
    }
    let id_hash = hash_token(token);
    let Some((session, Some(user))) = sessions::Entity::find_by_id(id_hash.clone())
        .find_also_related(users::Entity)
        .one(db)
        .await?
    else {
        return Ok((Looked::default(), None));
    };
    let now = clock.now();
    let idle_limit = session.last_seen_at + Duration::minutes(i64::from(timeouts.idle_minutes));
    if now >= session.expires_at || now >= idle_limit || user.disabled_at.is_some() {
        sessions::Entity::delete_by_id(id_hash).exec(db).await?;
        let looked = Looked {
            user: None,
            timed_out_for: user.disabled_at.is_none().then_some(user.id),
        };
        return Ok((looked, None));
    }
    let mut last_seen_at = session.last_seen_at;
    if (now - session.last_seen_at).num_seconds() >= TOUCH_EVERY_SECONDS {
        sessions::Entity::update_many()
            .col_expr(sessions::Column::LastSeenAt, Expr::value(now))
            .filter(sessions::Column::IdHash.eq(id_hash))
            .exec(db)
            .await?;
        last_seen_at = now;
    }
    let limits = Limits {
        expires_at: session.expires_at,
        last_seen_at,
    };
    let looked = Looked {
        user: Some(user.into()),
        timed_out_for: None,
    };
    Ok((looked, Some(limits)))
}

/// A request's visitor: [`Looked`], and for a live session what the page header shows, from the
/// session cache when it holds the session (no database at all), else from the database (and
/// then kept, see `services::session_cache`).
#[derive(Debug, Default)]
pub struct VisitorFacts {
    pub looked: Looked,
    pub manages_team: bool,
    pub led_by: Vec<(String, String)>,
    pub cached: Option<std::sync::Arc<CachedSession>>,
}

/// Looks up the session behind `token` for a request: from the cache while the cached copy still
/// holds at this moment (within its absolute and idle limits, and written back within the last
/// minute), else from the database.
///
/// # Errors
/// When the database fails.
pub async fn visitor(
    db: &sea_orm::DatabaseConnection,
    cache: &SessionCache,
    clock: &Clock,
    token: &str,
    timeouts: Timeouts,
) -> Result<VisitorFacts, sea_orm::DbErr> {
    if token.len() != 43 {
        return Ok(VisitorFacts::default());
    }
    let id_hash = hash_token(token);
    let now = clock.now();
    let held = cache.get(&id_hash);
    if let Some(s) = held.clone() {
        let idle_limit = s.last_seen_at + Duration::minutes(i64::from(timeouts.idle_minutes));
        if now < s.expires_at
            && now < idle_limit
            && now >= s.last_seen_at
            && (now - s.last_seen_at).num_seconds() < TOUCH_EVERY_SECONDS
        {
            return Ok(VisitorFacts {
                looked: Looked {
                    user: Some(s.user.clone()),
                    timed_out_for: None,
                },
                manages_team: s.manages_team,
                led_by: s.led_by.clone(),
                cached: Some(s),
            });
        }
    }
    let generation = cache.generation();
    let (looked, limits) = lookup_session(db, clock, token, timeouts).await?;
    let (Some(user), Some(limits)) = (&looked.user, limits) else {
        if held.is_some() {
            cache.remove(&id_hash);
        }
        return Ok(VisitorFacts {
            looked,
            ..VisitorFacts::default()
        });
    };
    let manages_team = crate::services::team::manages_anyone(db, user.id).await?;
    let led_by = if user.is_platform_admin() {
        Vec::new()
    } else {
        crate::services::organisations::led_by(db, user.id).await?
    };
    let entry = std::sync::Arc::new(CachedSession::new(
        user.clone(),
        limits.expires_at,
        limits.last_seen_at,
        manages_team,
        led_by.clone(),
    ));
    // A request's extractors look the visitor up side by side: the first to finish is kept, and
    // the others use it (so the lesson memo is set on the entry that stays).
    let entry = cache.insert(generation, id_hash, entry);
    Ok(VisitorFacts {
        looked,
        manages_team,
        led_by,
        cached: Some(entry),
    })
}

/// Ends one session.
///
/// # Errors
/// When the database fails.
pub async fn end(db: &impl ConnectionTrait, token: &str) -> Result<(), sea_orm::DbErr> {
    sessions::Entity::delete_by_id(hash_token(token))
        .exec(db)
        .await?;
    Ok(())
}

/// Ends every session of a user.
///
/// # Errors
/// When the database fails.
pub async fn end_all_for_user(
    db: &impl ConnectionTrait,
    user_id: i32,
) -> Result<u64, sea_orm::DbErr> {
    let res = sessions::Entity::delete_many()
        .filter(sessions::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    Ok(res.rows_affected)
}

/// An opaque, stable reference to a session for forms and pages: a keyed hash of the stored hash,
/// so neither the token nor the stored hash ever leaves the server.
pub fn session_ref(key: &MacKey, id_hash: &str) -> String {
    URL_SAFE_NO_PAD.encode(&key.mac_bytes("session-ref:", id_hash.as_bytes())[..16])
}

/// A user's sessions that are still live at `now`, newest activity first.
///
/// # Errors
/// When the database fails.
pub async fn live_for_user(
    db: &impl ConnectionTrait,
    user_id: i32,
    now: DateTime<Utc>,
    timeouts: Timeouts,
) -> Result<Vec<sessions::Model>, sea_orm::DbErr> {
    let idle_cutoff = now - Duration::minutes(i64::from(timeouts.idle_minutes));
    sessions::Entity::find()
        .filter(sessions::Column::UserId.eq(user_id))
        .filter(sessions::Column::ExpiresAt.gt(now))
        .filter(sessions::Column::LastSeenAt.gt(idle_cutoff))
        .order_by_desc(sessions::Column::LastSeenAt)
        .all(db)
        .await
}

/// Ends one of a user's sessions by its reference (see [`session_ref`]), never the one in use.
/// Returns whether a session was ended.
///
/// # Errors
/// When the database fails.
pub async fn end_by_ref(
    db: &impl ConnectionTrait,
    key: &MacKey,
    user_id: i32,
    reference: &str,
    current_token: &str,
) -> Result<bool, sea_orm::DbErr> {
    let current = hash_token(current_token);
    let rows = sessions::Entity::find()
        .filter(sessions::Column::UserId.eq(user_id))
        .all(db)
        .await?;
    let Some(target) = rows.into_iter().find(|s| {
        s.id_hash != current && !reference.is_empty() && session_ref(key, &s.id_hash) == reference
    }) else {
        return Ok(false);
    };
    let res = sessions::Entity::delete_many()
        .filter(sessions::Column::IdHash.eq(target.id_hash))
        .filter(sessions::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    Ok(res.rows_affected > 0)
}

/// Ends every session of a user except the one in use. Returns how many were ended.
///
/// # Errors
/// When the database fails.
pub async fn end_others(
    db: &impl ConnectionTrait,
    user_id: i32,
    current_token: &str,
) -> Result<u64, sea_orm::DbErr> {
    let res = sessions::Entity::delete_many()
        .filter(
            Condition::all()
                .add(sessions::Column::UserId.eq(user_id))
                .add(sessions::Column::IdHash.ne(hash_token(current_token))),
        )
        .exec(db)
        .await?;
    Ok(res.rows_affected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_hash_is_the_lowercase_hex_sha256_of_the_token() {
        assert_eq!(
            hash_token("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
