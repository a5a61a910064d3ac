use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261127_000001_accounts::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Set when the person's data was erased (at their request, by an admin, or by the retention
        // purge). The row stays, anonymised, so progress and quiz rows keep counting in reports.
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(timestamp_with_time_zone_null(UsersAnonymised::AnonymisedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .drop_column(UsersAnonymised::AnonymisedAt)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum UsersAnonymised {
    AnonymisedAt,
}
