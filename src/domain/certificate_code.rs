//! Certificate codes: 12 characters of Crockford base32 (60 random bits), easy to read aloud and type.
use std::fmt;

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
pub const LEN: usize = 12;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CertificateCode(String);

impl CertificateCode {
    /// A new random code.
    ///
    /// # Errors
    /// When the system has no randomness.
    pub fn generate() -> anyhow::Result<Self> {
        let mut n = u64::from_le_bytes(crate::crypto::random::<8>()?);
        let mut s = String::with_capacity(LEN);
        for _ in 0..LEN {
            s.push(char::from(ALPHABET[usize::try_from(n & 31).unwrap_or(0)]));
            n >>= 5;
        }
        Ok(Self(s))
    }

    /// Reads a code as a person might type it: any case, with hyphens or spaces, and the
    /// look-alike letters O, I and L read as 0, 1 and 1.
    pub fn parse(input: &str) -> Option<Self> {
        let mut s = String::with_capacity(LEN);
        for c in input.chars() {
            let c = match c.to_ascii_uppercase() {
                '-' | ' ' => continue,
                'O' => '0',
                'I' | 'L' => '1',
                c => c,
            };
            if !c.is_ascii() || !ALPHABET.contains(&(c as u8)) {
                return None;
            }
            s.push(c);
        }
        (s.len() == LEN).then_some(Self(s))
    }

    /// The stored form: 12 characters, no hyphens.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CertificateCode {
    /// The printed form: XXXX-XXXX-XXXX.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}-{}", &self.0[..4], &self.0[4..8], &self.0[8..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_codes_are_twelve_crockford_characters_and_read_back() {
        let c = CertificateCode::generate().expect("code");
        assert_eq!(c.as_str().len(), LEN);
        assert_eq!(CertificateCode::parse(&c.to_string()), Some(c.clone()));
        assert_eq!(CertificateCode::parse(&c.as_str().to_lowercase()), Some(c));
    }

    #[test]
    fn look_alike_letters_are_forgiven_and_junk_refused() {
        assert_eq!(
            CertificateCode::parse("oooo-iiii-llll").map(|c| c.as_str().to_string()),
            Some("000011111111".into())
        );
        assert!(CertificateCode::parse("ABCD").is_none());
        assert!(
            CertificateCode::parse("ABCD-EFGH-JKUM").is_none(),
            "U is not in the alphabet"
        );
        assert!(CertificateCode::parse("ÅBCD-EFGH-JKMN").is_none());
        assert!(CertificateCode::parse("<script>alert").is_none());
    }
}
