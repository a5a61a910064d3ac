//! Database migrations for deepdive. One change per file; never edit one that has been applied.
pub use sea_orm_migration::prelude::*;

mod m20261127_000001_accounts;
mod m20261127_000002_progress;
mod m20261127_000003_quiz;
mod m20261127_000004_certificates;
mod m20261127_000020_users_last_login;
mod m20261127_000021_users_anonymised;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261127_000001_accounts::Migration),
            Box::new(m20261127_000002_progress::Migration),
            Box::new(m20261127_000003_quiz::Migration),
            Box::new(m20261127_000004_certificates::Migration),
            Box::new(m20261127_000020_users_last_login::Migration),
            Box::new(m20261127_000021_users_anonymised::Migration),
        ]
    }
}
