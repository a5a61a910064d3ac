//! The org admin area: cohort progress report and CSV export, cohorts, members, invitations,
//! bulk import, quiz insight and the organisation's audit log. Every handler takes `OrgAdmin`, so
//! only the organisation's admins get in; anyone else gets 404 and organisations are not
//! discoverable.
pub mod audit_log;
pub mod cohorts;
pub mod import;
pub mod insight;
pub mod invitations;
pub mod members;
pub mod report;
pub mod webhooks;
