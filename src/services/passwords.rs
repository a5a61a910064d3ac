//! Password hashing: argon2id at the OWASP parameters. CPU-heavy: call these off the async workers.
use argon2::{Algorithm, Argon2, Params, PasswordHasher, PasswordVerifier, Version};
use secrecy::{ExposeSecret, SecretString};

/// OWASP's argon2id minimum: 19 MiB of memory, 2 passes, 1 lane.
const MEMORY_KIB: u32 = 19_456;
const PASSES: u32 = 2;
const LANES: u32 = 1;

fn hasher() -> anyhow::Result<Argon2<'static>> {
    let params = Params::new(MEMORY_KIB, PASSES, LANES, None)
        .map_err(|e| anyhow::anyhow!("argon2 parameters: {e}"))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// A well-formed hash at the current parameters that no password matches, so that checking an
/// unknown e-mail costs the same as a wrong password. It needs no randomness: its result is
/// ignored (`verify` with no stored hash always fails), only its cost matters.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$ZGVlcGRpdmUtZHVtbXkhIQ$AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";

/// Hashes a new password into a PHC string (salt included).
///
/// # Errors
/// Only if the hashing library fails.
pub fn hash(password: &SecretString) -> anyhow::Result<String> {
    hasher()?
        .hash_password(password.expose_secret().as_bytes())
        .map(|p| p.to_string())
        .map_err(|e| anyhow::anyhow!("cannot hash password: {e}"))
}

/// Checks a password against a stored PHC string. `None` checks against a dummy hash and fails.
pub fn verify(password: &SecretString, stored: Option<&str>) -> bool {
    let target = stored.unwrap_or(DUMMY_HASH);
    let Ok(h) = hasher() else { return false };
    let ok = h
        .verify_password(password.expose_secret().as_bytes(), target)
        .is_ok();
    ok && stored.is_some()
}

/// True when a stored hash is weaker than the current parameters (or not argon2id).
pub fn needs_rehash(stored: &str) -> bool {
    let mut parts = stored.split('$').skip(1);
    if parts.next() != Some("argon2id") {
        return true;
    }
    let mut params = parts.find(|p| p.starts_with("m="));
    let Some(params) = params.take() else {
        return true;
    };
    let mut m = 0;
    let mut t = 0;
    let mut p = 0;
    for kv in params.split(',') {
        match kv.split_once('=') {
            Some(("m", v)) => m = v.parse().unwrap_or(0),
            Some(("t", v)) => t = v.parse().unwrap_or(0),
            Some(("p", v)) => p = v.parse().unwrap_or(0),
            _ => {}
        }
    }
    m < MEMORY_KIB || t < PASSES || p < LANES
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only_and_uses_owasp_parameters() {
        let pw = SecretString::from("correct horse battery staple");
        let h = hash(&pw).expect("hash");
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify(&pw, Some(&h)));
        assert!(!verify(
            &SecretString::from("wrong horse battery staple"),
            Some(&h)
        ));
        assert!(!needs_rehash(&h));
    }

    #[test]
    fn the_dummy_hash_costs_as_much_as_a_real_one() {
        assert!(!needs_rehash(DUMMY_HASH));
        assert!(argon2::password_hash::phc::PasswordHash::new(DUMMY_HASH).is_ok());
    }

    #[test]
    fn unknown_users_never_verify() {
        assert!(!verify(&SecretString::from("anything at all"), None));
    }

    #[test]
    fn weaker_hashes_need_rehashing() {
        assert!(needs_rehash(
            "$argon2id$v=19$m=4096,t=3,p=1$c2FsdHNhbHQ$aGFzaA"
        ));
        assert!(needs_rehash(
            "$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaA"
        ));
        assert!(needs_rehash("$2b$12$something"));
    }
}
