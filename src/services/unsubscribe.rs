//! Signed one-click unsubscribe tokens (RFC 8058): `USER.KIND.EXPIRES.SIGNATURE`, the signature an
//! HMAC-SHA256 under a server secret, so a link works without logging in and cannot be forged.
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::messages::Kind;

/// How long an unsubscribe link works after the message was written.
pub const VALID_DAYS: i64 = 180;
/// The name of the signing secret in `app_secrets`.
pub const SECRET: &str = "unsubscribe";

fn signature(key: &[u8], user_id: i32, kind: &str, expires: i64) -> Vec<u8> {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        return Vec::new();
    };
    mac.update(format!("unsubscribe:{user_id}:{kind}:{expires}").as_bytes());
    mac.finalize().into_bytes().to_vec()
}

/// A token that switches `kind` off for `user_id`.
pub fn token(key: &[u8], user_id: i32, kind: Kind, now: DateTime<Utc>) -> String {
    let kind = kind.preference().unwrap_or(kind).as_str();
    let expires = (now + Duration::days(VALID_DAYS)).timestamp();
    let sig = URL_SAFE_NO_PAD.encode(signature(key, user_id, kind, expires));
    format!("{user_id}.{kind}.{expires}.{sig}")
}

/// Why a token is not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    Forged,
    Expired,
}

/// The person and the kind a token is for, when its signature holds and it has not expired.
///
/// # Errors
/// [`Refused`].
pub fn verify(key: &[u8], token: &str, now: DateTime<Utc>) -> Result<(i32, Kind), Refused> {
    let mut parts = token.splitn(4, '.');
    let (Some(user), Some(kind), Some(expires), Some(sig)) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Refused::Forged);
    };
    let (Ok(user_id), Ok(expires), Some(parsed), Ok(sig)) = (
        user.parse::<i32>(),
        expires.parse::<i64>(),
        Kind::parse(kind),
        URL_SAFE_NO_PAD.decode(sig),
    ) else {
        return Err(Refused::Forged);
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        return Err(Refused::Forged);
    };
    mac.update(format!("unsubscribe:{user_id}:{kind}:{expires}").as_bytes());
    if mac.verify_slice(&sig).is_err() || parsed.preference().is_none() {
        return Err(Refused::Forged);
    }
    if now.timestamp() >= expires {
        return Err(Refused::Expired);
    }
    Ok((user_id, parsed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_verifies_for_its_person_and_kind_and_nothing_else() {
        let key = [7u8; 32];
        let now = Utc::now();
        let t = token(&key, 42, Kind::Overdue, now);
        assert_eq!(verify(&key, &t, now), Ok((42, Kind::Overdue)));
        let other = t.replacen("42.", "43.", 1);
        assert_eq!(verify(&key, &other, now), Err(Refused::Forged));
        let kind = t.replace(".overdue.", ".due_soon.");
        assert_eq!(verify(&key, &kind, now), Err(Refused::Forged));
        assert_eq!(verify(&[8u8; 32], &t, now), Err(Refused::Forged));
        assert_eq!(verify(&key, "junk", now), Err(Refused::Forged));
        assert_eq!(
            verify(&key, &t, now + Duration::days(VALID_DAYS + 1)),
            Err(Refused::Expired)
        );
    }
}
