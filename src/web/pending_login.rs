//! The pending login between a right password and the second step: a short-lived cookie, signed
//! with the server's key so every instance can check it, bound to the password hash.
use actix_web::HttpRequest;

use crate::crypto::MacKey;
use crate::error::AppError;
use crate::services::auth;
use crate::web::AppState;

/// A login waiting for its second step: who, until when, bound to the password hash (a password
/// change voids it), signed with the server's key so that every instance can check it. Carried in a
/// short-lived cookie; the session itself starts only when the code is right.
pub struct PendingLogin {
    user_id: i32,
    until: i64,
    mac: String,
}

const PENDING_MINUTES: i64 = 5;
const PENDING: &str = "mfa-pending:";

fn pending_cookie_name(state: &AppState) -> &'static str {
    if state.settings.is_https() {
        "__Host-dd_mfa"
    } else {
        "dd_mfa"
    }
}

impl PendingLogin {
    fn message(user_id: i32, until: i64, password_hash: &str) -> Vec<u8> {
        format!("{user_id}:{until}:{password_hash}").into_bytes()
    }

    pub fn sign(
        key: &MacKey,
        user_id: i32,
        password_hash: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Self {
        let until = (now + chrono::Duration::minutes(PENDING_MINUTES)).timestamp();
        Self {
            user_id,
            until,
            mac: key.mac(PENDING, &Self::message(user_id, until, password_hash)),
        }
    }

    /// The user this cookie stands for, if it is genuine, unexpired, and their password and
    /// account are as they were.
    pub async fn check(
        state: &AppState,
        req: &HttpRequest,
    ) -> Result<Option<crate::entities::users::Model>, AppError> {
        let Some(cookie) = req.cookie(pending_cookie_name(state)) else {
            return Ok(None);
        };
        let mut parts = cookie.value().splitn(3, '.');
        let (Some(id), Some(until), Some(mac)) = (parts.next(), parts.next(), parts.next()) else {
            return Ok(None);
        };
        let (Ok(user_id), Ok(until)) = (id.parse::<i32>(), until.parse::<i64>()) else {
            return Ok(None);
        };
        if until < state.clock.now().timestamp() {
            return Ok(None);
        }
        let Some(user) = auth::find_user(&state.db, user_id).await? else {
            return Ok(None);
        };
        let message = Self::message(user_id, until, &user.password_hash);
        if user.disabled_at.is_some() || !state.csrf_key.verify(PENDING, &message, mac) {
            return Ok(None);
        }
        Ok(Some(user))
    }

    pub fn cookie(&self, state: &AppState) -> actix_web::cookie::Cookie<'static> {
        let secure = state.settings.is_https();
        actix_web::cookie::Cookie::build(
            pending_cookie_name(state),
            format!("{}.{}.{}", self.user_id, self.until, self.mac),
        )
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(actix_web::cookie::SameSite::Lax)
        .max_age(actix_web::cookie::time::Duration::minutes(PENDING_MINUTES))
        .finish()
    }
}

pub fn expired_pending_cookie(state: &AppState) -> actix_web::cookie::Cookie<'static> {
    let mut c = PendingLogin {
        user_id: 0,
        until: 0,
        mac: String::new(),
    }
    .cookie(state);
    c.set_max_age(actix_web::cookie::time::Duration::ZERO);
    c
}
