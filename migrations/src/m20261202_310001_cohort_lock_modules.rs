use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A weekly cohort can lock each module until its release date.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Cohorts::Table)
                    .add_column(boolean(Cohorts::LockModules).default(false))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Cohorts::Table)
                    .drop_column(Cohorts::LockModules)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Cohorts {
    Table,
    LockModules,
}
