//! Integration tests: each starts the real application on a random port with its own database
//! and drives it over HTTP like a browser (cookies kept, CSRF token read from the form).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod helpers;

mod account;
mod accounts;
mod bad_input;
mod certificates;
mod cli;
mod client_address;
mod confidence;
mod course_files;
mod credential_verifiers;
mod glossary;
mod hardening;
mod health_and_headers;
mod learner_journey;
mod learning_time;
mod mail;
mod mfa;
mod organisations;
mod privacy;
mod quiz;
mod reminders;
mod route_guards;
mod scale_out;
mod scorm;
mod sessions;
mod webhooks;
mod worksheets;
