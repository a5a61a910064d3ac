//! The one place for randomness and message authentication: random bytes and link tokens from the
//! operating system (a failing RNG is an error, never zeros), and HMAC-SHA256 under a key that is
//! checked once at start-up, so a MAC can never come out empty.
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// The system has no randomness to give: nothing secret may be made.
#[derive(Debug, thiserror::Error)]
#[error("no randomness from the operating system: {0}")]
pub struct NoRandomness(String);

/// `N` random bytes from the operating system.
///
/// # Errors
/// When the operating system cannot supply randomness.
pub fn random<const N: usize>() -> Result<[u8; N], NoRandomness> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| NoRandomness(e.to_string()))?;
    Ok(bytes)
}

/// `n` random bytes (for lengths only known at run time).
///
/// # Errors
/// When the operating system cannot supply randomness.
pub fn random_vec(n: usize) -> Result<Vec<u8>, NoRandomness> {
    let mut bytes = vec![0u8; n];
    getrandom::fill(&mut bytes).map_err(|e| NoRandomness(e.to_string()))?;
    Ok(bytes)
}

/// A random 256-bit token, URL-safe base64 without padding (43 characters).
///
/// # Errors
/// When the operating system cannot supply randomness.
pub fn random_token() -> Result<String, NoRandomness> {
    Ok(URL_SAFE_NO_PAD.encode(random::<32>()?))
}

/// An HMAC-SHA256 key, ready to use. Built once from the stored secret; every MAC under it is
/// `purpose` followed by the message, so one key serves several purposes without confusion.
#[derive(Clone)]
pub struct MacKey(Hmac<Sha256>);

impl std::fmt::Debug for MacKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MacKey(..)")
    }
}

impl MacKey {
    /// # Errors
    /// When the key is empty (HMAC takes any other length).
    pub fn new(key: &[u8]) -> anyhow::Result<Self> {
        if key.is_empty() {
            anyhow::bail!("an empty MAC key");
        }
        Hmac::<Sha256>::new_from_slice(key)
            .map(Self)
            .map_err(|e| anyhow::anyhow!("MAC key: {e}"))
    }

    /// The raw 32-byte MAC of `purpose` followed by `message`.
    pub fn mac_bytes(&self, purpose: &str, message: &[u8]) -> [u8; 32] {
        let mut m = self.0.clone();
        m.update(purpose.as_bytes());
        m.update(message);
        m.finalize().into_bytes().into()
    }

    /// The MAC as URL-safe base64 (43 characters).
    pub fn mac(&self, purpose: &str, message: &[u8]) -> String {
        URL_SAFE_NO_PAD.encode(self.mac_bytes(purpose, message))
    }

    /// Whether `sent` is the MAC of this purpose and message, compared in constant time.
    pub fn verify(&self, purpose: &str, message: &[u8], sent: &str) -> bool {
        !sent.is_empty() && equal(self.mac(purpose, message).as_bytes(), sent.as_bytes())
    }
}

/// Constant-time equality of two byte strings (lengths are not secret).
pub fn equal(a: &[u8], b: &[u8]) -> bool {
    bool::from(a.ct_eq(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mac_depends_on_the_key_the_purpose_and_the_message() {
        let k = MacKey::new(b"one key").expect("key");
        let other = MacKey::new(b"another key").expect("key");
        let m = k.mac("anon:", b"secret");
        assert_eq!(m.len(), 43);
        assert!(k.verify("anon:", b"secret", &m));
        assert!(!k.verify("session:", b"secret", &m));
        assert!(!k.verify("anon:", b"secrets", &m));
        assert!(!other.verify("anon:", b"secret", &m));
        assert!(!k.verify("anon:", b"secret", ""));
    }

    #[test]
    fn the_mac_is_plain_hmac_sha256_of_purpose_then_message() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        let k = MacKey::new(b"Jefe").expect("key");
        let hex: String = k
            .mac_bytes("what do ya want ", b"for nothing?")
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(
            hex,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn an_empty_key_is_refused() {
        assert!(MacKey::new(b"").is_err());
    }

    #[test]
    fn random_tokens_differ_and_are_url_safe() {
        let a = random_token().expect("random");
        let b = random_token().expect("random");
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert!(
            a.bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        );
    }
}
