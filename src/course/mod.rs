//! The course as immutable, validated data, loaded once at start-up from `course/`.
pub mod lint;
mod loader;
mod markdown;
mod model;
mod privacy_notice;

pub use loader::{CourseError, load_course};
pub use model::*;
pub use privacy_notice::{PRIVACY_FILE, load_privacy_notice};
