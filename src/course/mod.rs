//! The course as immutable, validated data, loaded once at start-up from `course/`.
mod glossary;
pub mod lint;
mod loader;
mod markdown;
mod model;
mod privacy_notice;

pub use glossary::{GLOSSARY_FILE, Glossary, GlossaryTerm, MAX_DEFINITION_WORDS, acronym_in};
pub use loader::{CourseError, DEFAULT_REVIEW_MONTHS, Problem, load_course};
pub use model::*;
pub use privacy_notice::{PRIVACY_FILE, load_privacy_notice};
