//! Structured logs. sqlx's per-query INFO lines are turned down by default.
use tracing_subscriber::{EnvFilter, fmt};

pub fn init() {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn,sea_orm_migration=warn"));
    let _ = fmt().with_env_filter(filter).with_target(false).try_init();
}
