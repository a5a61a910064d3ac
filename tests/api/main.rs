//! Integration tests: each starts the real application on a random port with its own database
//! and drives it over HTTP like a browser (cookies kept, CSRF token read from the form).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod helpers;

mod account;
mod accounts;
mod api_contract;
mod bad_input;
mod certificates;
mod cli;
mod client_address;
mod confidence;
mod course_files;
mod course_leads;
mod credential_verifiers;
mod document_cache;
mod glossary;
mod group_commit;
mod hardening;
mod health_and_headers;
mod invitations;
mod kept_forms;
mod learner_journey;
mod learning_time;
mod mail;
mod mfa;
mod organisations;
mod pacing;
mod plan_export;
mod privacy;
mod quiz;
mod records_api;
mod reminders;
mod report_counts;
mod route_guards;
mod scale_out;
mod scorm;
mod session_cache;
mod sessions;
mod sso;
mod team;
mod team_plan;
mod webhooks;
mod worksheets;
