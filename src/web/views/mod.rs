//! View models: what a page shows, built from service results. Pure (no request, no database),
//! so they can be unit-tested without HTTP.
pub mod account;
pub mod admin;
pub mod api;
pub mod audit;
pub mod confidence;
pub mod export;
pub mod learner;
pub mod org_cohorts;
pub mod org_import;
pub mod org_insight;
pub mod org_learner;
pub mod org_records;
pub mod org_report;
pub mod plan;
pub mod quiz;
pub mod team;
pub mod team_plan;
pub mod webhooks;
pub mod worksheet;
