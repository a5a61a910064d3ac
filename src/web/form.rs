//! URL-encoded form bodies, parsed strictly: invalid UTF-8 or NUL characters are a 400, not a guess.
use percent_encoding::percent_decode;
use serde::Serialize;

use crate::error::AppError;

/// Forms are small: anything larger is refused with 413 before it is read into memory.
pub const FORM_LIMIT: usize = 64 * 1024;

#[derive(Debug, Default, Clone)]
pub struct FormFields {
    pairs: Vec<(String, String)>,
}

fn decode(part: &[u8]) -> Result<String, AppError> {
    let spaced: Vec<u8> = part
        .iter()
        .map(|b| if *b == b'+' { b' ' } else { *b })
        .collect();
    let text = percent_decode(&spaced)
        .decode_utf8()
        .map_err(|_| AppError::BadRequest("The form contained characters that are not valid text (UTF-8). Check what you entered and try again.".into()))?;
    if text.contains('\0') {
        return Err(AppError::BadRequest("The form contained a character that is not allowed (NUL). Check what you entered and try again.".into()));
    }
    Ok(text.into_owned())
}

impl FormFields {
    /// # Errors
    /// 400 when the body is not valid URL-encoded UTF-8 text.
    pub fn parse(body: &[u8]) -> Result<Self, AppError> {
        let mut pairs = Vec::new();
        for part in body.split(|b| *b == b'&').filter(|p| !p.is_empty()) {
            let (k, v) = match part.iter().position(|b| *b == b'=') {
                Some(i) => (&part[..i], &part[i + 1..]),
                None => (part, &b""[..]),
            };
            pairs.push((decode(k)?, decode(v)?));
        }
        Ok(Self { pairs })
    }

    /// The first value of a field, or "" when it is missing.
    pub fn get(&self, name: &str) -> &str {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    /// Every value of a repeated field (checkboxes).
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.pairs
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Fields that were read before (a kept form put back).
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        Self { pairs }
    }

    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }
}

/// One message in a form's error summary, linked to its field.
#[derive(Serialize, Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

/// The messages collected while parsing a form, in the order of its fields.
#[derive(Serialize, Clone, Debug, Default, PartialEq, Eq)]
#[serde(transparent)]
pub struct FieldErrors(Vec<FieldError>);

impl FieldErrors {
    pub fn one(field: &'static str, message: impl Into<String>) -> Self {
        let mut errors = Self::default();
        errors.add(field, message);
        errors
    }

    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        self.0.push(FieldError {
            field,
            message: message.into(),
        });
    }

    /// The parsed value, or `None` with the problem recorded against `field`.
    pub fn take<T, E>(
        &mut self,
        field: &'static str,
        parsed: Result<T, E>,
        message: impl FnOnce(E) -> String,
    ) -> Option<T> {
        match parsed {
            Ok(v) => Some(v),
            Err(e) => {
                self.add(field, message(e));
                None
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The first message for a field, to show beside it.
    pub fn message_for(&self, field: &str) -> Option<String> {
        self.0
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.clone())
    }

    pub fn into_vec(self) -> Vec<FieldError> {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_errors_keep_each_problem_against_its_field() {
        let mut errors = FieldErrors::default();
        let n: Option<i32> = errors.take("days", "x".parse::<i32>(), |_| "Enter a number".into());
        let m = errors.take("uses", "7".parse::<i32>(), |_| "never".into());
        assert_eq!((n, m), (None, Some(7)));
        assert_eq!(
            errors.message_for("days").as_deref(),
            Some("Enter a number")
        );
        assert_eq!(errors.message_for("uses"), None);
        assert!(!errors.is_empty());
        assert_eq!(
            serde_json::to_string(&FieldErrors::one("email", "Taken")).expect("json"),
            r#"[{"field":"email","message":"Taken"}]"#
        );
    }

    #[test]
    fn fields_are_decoded_and_repeated_fields_kept() {
        let f = FormFields::parse(b"name=Si%C3%A2n+O%27Hara&q=a&q=b&empty").expect("valid");
        assert_eq!(f.get("name"), "Siân O'Hara");
        assert_eq!(f.all("q").collect::<Vec<_>>(), vec!["a", "b"]);
        assert_eq!(f.get("empty"), "");
        assert_eq!(f.get("missing"), "");
    }

    #[test]
    fn invalid_utf8_and_nul_are_refused() {
        assert!(FormFields::parse(b"name=%FF%FE").is_err());
        assert!(FormFields::parse(b"name=a%00b").is_err());
    }
}
