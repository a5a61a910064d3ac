//! The course as immutable, validated data, loaded once at start-up from `course/`.
mod glossary;
pub mod lint;
mod loader;
mod markdown;
mod model;
mod plan_outline;
mod privacy_notice;

pub use glossary::{GLOSSARY_FILE, Glossary, GlossaryTerm, MAX_DEFINITION_WORDS, acronym_in};
pub use loader::{CourseError, DEFAULT_REVIEW_MONTHS, Problem, load_course};
pub use model::*;
pub use plan_outline::PLAN_FILE;
pub use privacy_notice::{PRIVACY_FILE, load_privacy_notice};
