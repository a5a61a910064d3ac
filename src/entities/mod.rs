//! SeaORM entities: the shape of each table, nothing more. Behaviour lives in `services/`.
pub mod app_secrets;
pub mod attempt_answers;
pub mod audit_log;
pub mod confidence_ratings;
pub mod confidence_skips;
pub mod enrolments;
pub mod lesson_progress;
pub mod module_progress;
pub mod plan_settings;
pub mod quiz_attempts;
pub mod sessions;
pub mod users;
pub mod worksheet_answers;
