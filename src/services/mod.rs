//! Domain services: the only code that talks to the database.
pub mod audit;
pub mod auth;
pub mod confidence;
pub mod passwords;
pub mod progress;
pub mod quiz;
pub mod secrets;
pub mod sessions;
pub mod worksheets;
