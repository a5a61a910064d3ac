//! Random link tokens (256 bits, URL-safe). Only their SHA-256 is stored.
pub use crate::services::sessions::hash_token;

/// # Errors
/// When the system has no randomness.
pub fn new_token() -> anyhow::Result<String> {
    Ok(crate::crypto::random_token()?)
}

/// True for something that could be a token (so junk never reaches the database).
pub fn plausible(token: &str) -> bool {
    token.len() == 43
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}
