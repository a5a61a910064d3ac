//! The course as immutable, validated data, loaded once at start-up from `course/`.
mod loader;
mod markdown;
mod model;

pub use loader::{CourseError, load_course};
pub use model::*;
