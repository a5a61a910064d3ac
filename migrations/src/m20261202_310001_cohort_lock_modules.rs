use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A weekly cohort can lock each module until its release date.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::common::add_column(
            manager,
            Cohorts::Table,
            boolean(Cohorts::LockModules).default(false).to_owned(),
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::common::drop_column(manager, Cohorts::Table, Cohorts::LockModules).await
    }
}

#[derive(DeriveIden)]
enum Cohorts {
    Table,
    LockModules,
}
