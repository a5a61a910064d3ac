//! Domain services: the only code that talks to the database.
pub mod account;
pub mod audit;
pub mod auth;
pub mod certificates;
pub mod confidence;
pub mod credentials;
pub mod insight;
pub mod organisations;
pub mod passwords;
pub mod privacy;
pub mod progress;
pub mod quiz;
pub mod reports;
pub mod secrets;
pub mod sessions;
pub mod tokens;
pub mod worksheets;
