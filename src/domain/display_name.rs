/// A person's name as they want it shown (on certificates too): any script, 1-100 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    /// # Errors
    /// A sentence saying what is wrong.
    pub fn parse(input: &str) -> Result<Self, String> {
        let s: String = input.split_whitespace().collect::<Vec<_>>().join(" ");
        if s.is_empty() {
            return Err("Enter your full name".into());
        }
        if s.chars().count() > 100 {
            return Err("Name must be 100 characters or fewer".into());
        }
        if s.chars().any(char::is_control) {
            return Err("Name must not contain control characters".into());
        }
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unicode_names_are_kept_and_spaces_folded() {
        let n = DisplayName::parse("  Zoë   Ångström-Łukasiewicz ").expect("valid");
        assert_eq!(n.as_str(), "Zoë Ångström-Łukasiewicz");
    }

    #[test]
    fn empty_and_overlong_names_are_refused() {
        assert!(DisplayName::parse("   ").is_err());
        assert!(DisplayName::parse(&"a".repeat(101)).is_err());
        assert!(DisplayName::parse("a\u{0}b").is_err());
    }
}
