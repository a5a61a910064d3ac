use std::collections::HashSet;
use std::sync::LazyLock;

use secrecy::{ExposeSecret, SecretString};

/// The most common passwords (zxcvbn-ts list, MIT): refused whatever their length.
static COMMON: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("../../assets/common-passwords.txt")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect()
});

pub const MIN_CHARS: usize = 12;
pub const MAX_CHARS: usize = 128;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordProblem {
    TooShort,
    TooLong,
    Common,
}

impl PasswordProblem {
    pub fn message(self) -> String {
        match self {
            Self::TooShort => format!("Password must be at least {MIN_CHARS} characters"),
            Self::TooLong => format!("Password must be {MAX_CHARS} characters or fewer"),
            Self::Common => {
                "This password is too common and easy to guess. Choose another, such as three or four random words".into()
            }
        }
    }
}

/// A password chosen by a person: 12-128 Unicode characters, not a common one, no other rules.
pub struct NewPassword(SecretString);

impl NewPassword {
    /// # Errors
    /// Which rule the password breaks.
    pub fn parse(input: &str) -> Result<Self, PasswordProblem> {
        let n = input.chars().count();
        if n < MIN_CHARS {
            return Err(PasswordProblem::TooShort);
        }
        if n > MAX_CHARS {
            return Err(PasswordProblem::TooLong);
        }
        if is_common(input) {
            return Err(PasswordProblem::Common);
        }
        Ok(Self(SecretString::from(input.to_string())))
    }

    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    pub fn into_secret(self) -> SecretString {
        self.0
    }
}

fn is_common(input: &str) -> bool {
    let lower = input.to_lowercase();
    COMMON.contains(lower.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_counts_code_points_at_the_boundaries() {
        assert_eq!(
            NewPassword::parse(&"é".repeat(11)).err(),
            Some(PasswordProblem::TooShort)
        );
        assert!(NewPassword::parse(&"é".repeat(12)).is_ok());
        assert!(NewPassword::parse(&"ab".repeat(64)).is_ok());
        assert_eq!(
            NewPassword::parse(&"a".repeat(129)).err(),
            Some(PasswordProblem::TooLong)
        );
    }

    #[test]
    fn common_passwords_are_refused_in_any_case() {
        assert!(COMMON.len() >= 10_000);
        let long_common = COMMON
            .iter()
            .find(|p| p.chars().count() >= MIN_CHARS)
            .expect("a long common password");
        assert_eq!(
            NewPassword::parse(&long_common.to_uppercase()).err(),
            Some(PasswordProblem::Common)
        );
    }
}
