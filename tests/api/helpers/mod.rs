//! Helpers for the integration tests, by concern: starting the app ([`app`]), requests and responses
//! ([`http`]), reading pages ([`html`]), the common journeys a person takes ([`flows`]), quizzes
//! ([`quiz`]), copies of the course to change ([`course`]), direct database set-up and searches
//! ([`db`]), PDF text ([`pdf`]) and the Python servers some tests start ([`python`]). Tests import them all with `use crate::helpers::*`.

mod app;
mod course;
mod db;
mod flows;
mod html;
mod http;
mod pdf;
mod python;
mod quiz;

pub use app::*;
pub use course::*;
pub use db::*;
pub use flows::*;
pub use html::*;
pub use http::*;
pub use pdf::*;
pub use python::*;
pub use quiz::*;
