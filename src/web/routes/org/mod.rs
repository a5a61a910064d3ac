//! The org admin area: cohort progress report and CSV export, cohorts, members, invitations,
//! bulk import, quiz insight, the organisation's audit log, API tokens and the ESR-ready export. Every handler takes `OrgAdmin`, so
//! only the organisation's admins get in; anyone else gets 404 and organisations are not
//! discoverable.
pub mod api_tokens;
pub mod audit_log;
pub mod cohorts;
pub mod esr;
pub mod import;
pub mod insight;
pub mod invitations;
pub mod member;
pub mod members;
pub mod report;
