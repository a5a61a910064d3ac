//! The organisation's records pages: API tokens (made, listed, revoked) and one member's page with
//! their employee number.
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::entities::{api_tokens, organisations};
use crate::services::records::MemberRecord;
use crate::web::form::FieldErrors;

fn day(d: DateTime<Utc>, tz: chrono_tz::Tz) -> String {
    crate::local_time::short_time_on_date(d, tz)
}

/// One token as the list shows it (never the secret).
#[derive(Serialize, Debug)]
pub struct TokenRow {
    pub id: i32,
    pub name: String,
    pub prefix: String,
    pub created: String,
    pub expires: String,
    pub last_used: String,
    /// "Active", "Expired" or "Revoked".
    pub state: &'static str,
    pub live: bool,
}

impl TokenRow {
    pub fn build(t: &api_tokens::Model, now: DateTime<Utc>, tz: chrono_tz::Tz) -> Self {
        let expired = t.expires_at.is_some_and(|e| e <= now);
        let state = if t.revoked_at.is_some() {
            "Revoked"
        } else if expired {
            "Expired"
        } else {
            "Active"
        };
        Self {
            id: t.id,
            name: t.name.clone(),
            prefix: t.prefix.clone(),
            created: day(t.created_at, tz),
            expires: t.expires_at.map_or_else(|| "Never".into(), |d| day(d, tz)),
            last_used: t
                .last_used_at
                .map_or_else(|| "Never".into(), |d| day(d, tz)),
            state,
            live: state == "Active",
        }
    }
}

/// What the new-token form holds when shown again after a mistake.
#[derive(Serialize, Debug, Default, Clone)]
pub struct TokenFormValues {
    pub name: String,
    pub expires: String,
}

/// One choice of lifetime for a new token.
#[derive(Serialize, Debug)]
pub struct ExpiryOption {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

/// The lifetimes offered, in days ("" for no expiry).
pub const EXPIRY_CHOICES: [(&str, &str); 5] = [
    ("30", "30 days"),
    ("90", "90 days"),
    ("180", "180 days"),
    ("365", "1 year"),
    ("", "No expiry (until revoked)"),
];

#[derive(Serialize, Debug)]
pub struct ApiTokensPage {
    pub slug: String,
    pub name: String,
    pub tokens: Vec<TokenRow>,
    /// A token just made: shown here once, never again.
    pub new_token: Option<String>,
    pub errors: Vec<crate::web::form::FieldError>,
    pub name_error: Option<String>,
    pub expires_error: Option<String>,
    pub values: TokenFormValues,
    pub expiry_options: Vec<ExpiryOption>,
    pub openapi_url: String,
}

impl ApiTokensPage {
    pub fn build(
        org: &organisations::Model,
        tokens: &[api_tokens::Model],
        now: DateTime<Utc>,
        base_url: &str,
    ) -> Self {
        let values = TokenFormValues {
            name: String::new(),
            expires: "90".into(),
        };
        Self {
            slug: org.slug.clone(),
            name: org.name.clone(),
            tokens: tokens
                .iter()
                .map(|t| TokenRow::build(t, now, crate::local_time::zone(&org.time_zone)))
                .collect(),
            new_token: None,
            errors: Vec::new(),
            name_error: None,
            expires_error: None,
            expiry_options: expiry_options(&values.expires),
            values,
            openapi_url: format!("{base_url}/api/v1/openapi.json"),
        }
    }

    /// The page again with the admin's typed values and what was wrong with them.
    pub fn with_errors(mut self, values: TokenFormValues, errors: FieldErrors) -> Self {
        self.name_error = errors.message_for("token-name");
        self.expires_error = errors.message_for("token-expires");
        self.expiry_options = expiry_options(&values.expires);
        self.values = values;
        self.errors = errors.into_vec();
        self
    }
}

fn expiry_options(selected: &str) -> Vec<ExpiryOption> {
    EXPIRY_CHOICES
        .iter()
        .map(|(value, label)| ExpiryOption {
            value,
            label,
            selected: *value == selected,
        })
        .collect()
}

#[derive(Serialize, Debug)]
pub struct MemberPage {
    pub slug: String,
    pub org_name: String,
    pub user_id: i32,
    pub name: String,
    pub email: String,
    pub role: &'static str,
    pub cohort: Option<String>,
    pub joined: String,
    pub employee_number: String,
    pub errors: Vec<crate::web::form::FieldError>,
    pub employee_number_error: Option<String>,
    pub saved: bool,
}

impl MemberPage {
    pub fn build(org: &organisations::Model, m: MemberRecord, saved: bool) -> Self {
        Self {
            slug: org.slug.clone(),
            org_name: org.name.clone(),
            user_id: m.user_id,
            name: m.name,
            email: m.email,
            role: if m.role == "org_admin" {
                "Organisation admin"
            } else {
                "Learner"
            },
            cohort: m.cohort,
            joined: crate::local_time::short_date_of(
                m.joined_at,
                crate::local_time::zone(&org.time_zone),
            ),
            employee_number: m.employee_number.unwrap_or_default(),
            errors: Vec::new(),
            employee_number_error: None,
            saved,
        }
    }

    /// The page again with the typed number and what was wrong with it.
    pub fn with_error(mut self, typed: &str, errors: FieldErrors) -> Self {
        self.employee_number = typed.to_string();
        self.employee_number_error = errors.message_for("employee-number");
        self.errors = errors.into_vec();
        self.saved = false;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(revoked: bool, expires_in_days: Option<i64>) -> api_tokens::Model {
        let now = DateTime::<Utc>::UNIX_EPOCH;
        api_tokens::Model {
            id: 1,
            org_id: 1,
            name: "ESR feed".into(),
            token_hash: "h".repeat(64),
            prefix: "ddk_abcdef".into(),
            created_by: None,
            created_at: now,
            expires_at: expires_in_days.map(|d| now + chrono::Duration::days(d)),
            last_used_at: None,
            revoked_at: revoked.then_some(now),
        }
    }

    #[test]
    fn a_token_row_says_whether_it_still_works() {
        let later = DateTime::<Utc>::UNIX_EPOCH + chrono::Duration::days(10);
        assert_eq!(
            TokenRow::build(&token(false, None), later, chrono_tz::Europe::London).state,
            "Active"
        );
        assert_eq!(
            TokenRow::build(&token(false, Some(5)), later, chrono_tz::Europe::London).state,
            "Expired"
        );
        assert_eq!(
            TokenRow::build(&token(true, Some(50)), later, chrono_tz::Europe::London).state,
            "Revoked"
        );
        assert!(!TokenRow::build(&token(true, None), later, chrono_tz::Europe::London).live);
        assert_eq!(
            TokenRow::build(&token(false, None), later, chrono_tz::Europe::London).expires,
            "Never"
        );
    }
}
