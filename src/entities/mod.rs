//! SeaORM entities: the shape of each table, nothing more. Behaviour lives in `services/`.
pub mod activation_tokens;
pub mod app_secrets;
pub mod attempt_answers;
pub mod audit_log;
pub mod certificates;
pub mod cohorts;
pub mod enrolments;
pub mod invitations;
pub mod lesson_progress;
pub mod module_progress;
pub mod org_members;
pub mod organisations;
pub mod quiz_attempts;
pub mod sessions;
pub mod users;
