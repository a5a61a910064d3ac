use std::sync::Arc;

use handlebars::Handlebars;
use sea_orm::DatabaseConnection;

use crate::clock::Clock;
use crate::config::Settings;
use crate::course::Course;
use crate::services::sessions::Timeouts;

/// What every handler can reach. Cheap to clone: everything is shared.
#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub course: Arc<Course>,
    pub templates: Arc<Handlebars<'static>>,
    pub settings: Arc<Settings>,
    pub clock: Clock,
    /// Key for CSRF tokens (HMAC-SHA256), shared by all instances through the database.
    pub csrf_key: Arc<Vec<u8>>,
    /// Key that signs quiz attempt tickets.
    pub quiz_key: Arc<Vec<u8>>,
}

impl AppState {
    pub fn timeouts(&self) -> Timeouts {
        Timeouts {
            idle_minutes: self.settings.idle_timeout_minutes,
            absolute_hours: self.settings.absolute_timeout_hours,
        }
    }
}
