//! HTTP: extractors, CSRF, security headers, views and the routes.
pub mod api;
pub mod assets;
pub mod csrf;
pub mod documents;
pub mod extract;
pub mod form;
pub mod kept_form;
pub mod markdown;
pub mod middleware;
pub mod page;
pub mod pending_login;
pub mod reset_link;
pub mod routes;
pub mod session;
pub mod shell;
pub mod state;
pub mod view;
pub mod views;

pub use state::AppState;
