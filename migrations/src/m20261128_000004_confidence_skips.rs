use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261127_000001_accounts::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // A learner chose not to rate their confidence in this phase: the dashboard stops offering it.
        manager
            .create_table(
                Table::create()
                    .table(ConfidenceSkips::Table)
                    .if_not_exists()
                    .col(pk_auto(ConfidenceSkips::Id))
                    .col(integer(ConfidenceSkips::UserId))
                    .col(string_len(ConfidenceSkips::Phase, 16))
                    .col(timestamp_with_time_zone(ConfidenceSkips::SkippedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_confidence_skips_user")
                            .from(ConfidenceSkips::Table, ConfidenceSkips::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_confidence_skips_user_phase")
                    .table(ConfidenceSkips::Table)
                    .col(ConfidenceSkips::UserId)
                    .col(ConfidenceSkips::Phase)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ConfidenceSkips::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum ConfidenceSkips {
    Table,
    Id,
    UserId,
    Phase,
    SkippedAt,
}
