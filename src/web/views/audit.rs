//! The audit log page (an organisation's, or the whole service's): entries in words, with the
//! filter form keeping what was chosen. Pure.
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::services::audit::AuditAction;
use crate::services::audit_words::{AuditFilter, AuditLine};

/// The filter form's fields, as typed (`GET`, so a filtered log can be bookmarked).
#[derive(Deserialize, Serialize, Default, Clone)]
pub struct AuditQuery {
    #[serde(default)]
    pub person: String,
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
}

#[derive(Serialize)]
struct ActionOption {
    value: &'static str,
    words: &'static str,
    selected: bool,
}

#[derive(Serialize)]
struct LineView {
    at: String,
    who: String,
    action: String,
    description: String,
}

#[derive(Serialize)]
pub struct AuditPage {
    /// The log's address (`/org/SLUG/audit` or `/admin/audit`); the CSV is at `BASE.csv`.
    base: String,
    slug: String,
    name: String,
    query: AuditQuery,
    /// The same filter as a query string, for the CSV link.
    csv_query: String,
    actions: Vec<ActionOption>,
    entries: Vec<LineView>,
    errors: Vec<crate::web::form::FieldError>,
    limit: u64,
}

fn date(raw: &str) -> Result<Option<NaiveDate>, ()> {
    match raw.trim() {
        "" => Ok(None),
        d => NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| ()),
    }
}

impl AuditQuery {
    /// The filter, or the fields that are wrong.
    ///
    /// # Errors
    /// A message per date field that is not a date.
    pub fn filter(
        &self,
        target: Option<String>,
        limit: u64,
    ) -> Result<AuditFilter, crate::web::form::FieldErrors> {
        let mut errors = crate::web::form::FieldErrors::default();
        let from = errors.take("from", date(&self.from), |()| {
            "Enter the first day as year-month-day, for example 2026-12-01".into()
        });
        let to = errors.take("to", date(&self.to), |()| {
            "Enter the last day as year-month-day, for example 2026-12-31".into()
        });
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(AuditFilter {
            target,
            person: Some(self.person.clone()).filter(|p| !p.trim().is_empty()),
            action: AuditAction::parse(&self.action),
            from: from.flatten(),
            to: to.flatten(),
            limit,
        })
    }

    fn as_query_string(&self) -> String {
        let enc = |s: &str| {
            percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
        };
        format!(
            "person={}&action={}&from={}&to={}",
            enc(&self.person),
            enc(&self.action),
            enc(&self.from),
            enc(&self.to)
        )
    }
}

impl AuditPage {
    #[allow(clippy::too_many_arguments)]
    pub fn build(
        base: &str,
        slug: &str,
        name: &str,
        query: AuditQuery,
        lines: Vec<AuditLine>,
        errors: crate::web::form::FieldErrors,
        limit: u64,
        tz: chrono_tz::Tz,
    ) -> Self {
        let mut actions: Vec<ActionOption> = AuditAction::ALL
            .iter()
            .map(|a| ActionOption {
                value: a.as_str(),
                words: a.in_words(),
                selected: a.as_str() == query.action,
            })
            .collect();
        actions.sort_by_key(|a| a.words);
        Self {
            base: base.to_string(),
            slug: slug.to_string(),
            name: name.to_string(),
            csv_query: query.as_query_string(),
            query,
            actions,
            entries: lines
                .into_iter()
                .map(|l| LineView {
                    at: crate::local_time::short_time_on_date(l.at, tz),
                    who: l.who,
                    action: l.action,
                    description: l.description,
                })
                .collect(),
            errors: errors.into_vec(),
            limit,
        }
    }
}
