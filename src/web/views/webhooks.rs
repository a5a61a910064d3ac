//! The organisation's webhooks page.
use serde::Serialize;

use crate::services::webhooks::{EndpointSummary, EventKind};
use crate::web::form::FieldErrors;

#[derive(Serialize)]
pub struct EventChoice {
    pub value: &'static str,
    pub label: &'static str,
    pub checked: bool,
}

#[derive(Serialize)]
pub struct EndpointView {
    pub id: i32,
    pub url: String,
    pub events: String,
    pub added: String,
    pub delivered: i64,
    pub waiting: i64,
    pub dead: i64,
    pub last_error: Option<String>,
}

/// A secret just made: shown on this one page and never again.
#[derive(Serialize)]
pub struct NewSecret {
    pub url: String,
    pub secret: String,
}

#[derive(Serialize)]
pub struct WebhooksPage {
    pub slug: String,
    pub name: String,
    pub endpoints: Vec<EndpointView>,
    pub events: Vec<EventChoice>,
    pub url: String,
    pub errors: FieldErrors,
    pub url_error: Option<String>,
    pub events_error: Option<String>,
    pub created: Option<NewSecret>,
    pub removed: bool,
    pub can_add: bool,
}

impl WebhooksPage {
    /// The page, with the form showing what was typed and ticked (all events ticked at first).
    pub fn build(
        slug: &str,
        name: &str,
        endpoints: &[EndpointSummary],
        typed_url: &str,
        ticked: Option<&[EventKind]>,
        errors: FieldErrors,
        tz: chrono_tz::Tz,
    ) -> Self {
        let events = EventKind::ALL
            .iter()
            .map(|k| EventChoice {
                value: k.as_str(),
                label: k.label(),
                checked: ticked.is_none_or(|t| t.contains(k)),
            })
            .collect();
        Self {
            slug: slug.to_string(),
            name: name.to_string(),
            endpoints: endpoints
                .iter()
                .map(|e| EndpointView {
                    id: e.endpoint.id,
                    url: e.endpoint.url.clone(),
                    events: e.endpoint.events.replace(',', ", "),
                    added: crate::local_time::date_of(e.endpoint.created_at, tz),
                    delivered: e.delivered,
                    waiting: e.waiting,
                    dead: e.dead,
                    last_error: e.last_error.clone(),
                })
                .collect(),
            events,
            url: typed_url.to_string(),
            url_error: errors.message_for("url"),
            events_error: errors.message_for("events"),
            errors,
            created: None,
            removed: false,
            can_add: endpoints.len() < crate::services::webhooks::MAX_ENDPOINTS,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    const LONDON: chrono_tz::Tz = crate::local_time::SERVICE_ZONE;

    #[test]
    fn every_event_is_offered_and_ticked_until_the_admin_chooses() {
        let page = WebhooksPage::build("o", "Org", &[], "", None, FieldErrors::default(), LONDON);
        assert_eq!(page.events.len(), 5);
        assert!(page.events.iter().all(|e| e.checked));
        let page = WebhooksPage::build(
            "o",
            "Org",
            &[],
            "https://x.example",
            Some(&[EventKind::CertificateIssued]),
            FieldErrors::one("url", "bad"),
            LONDON,
        );
        let ticked: Vec<_> = page
            .events
            .iter()
            .filter(|e| e.checked)
            .map(|e| e.value)
            .collect();
        assert_eq!(ticked, vec!["certificate.issued"]);
        assert_eq!(page.url, "https://x.example");
        assert_eq!(page.url_error.as_deref(), Some("bad"));
    }
}
