use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261127_000001_accounts::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // The confidence self-assessment: one rating (1-5) per learner, phase ("before" or "after") and
        // statement id from course.toml. Rating again overwrites.
        manager
            .create_table(
                Table::create()
                    .table(ConfidenceRatings::Table)
                    .if_not_exists()
                    .col(pk_auto(ConfidenceRatings::Id))
                    .col(integer(ConfidenceRatings::UserId))
                    .col(string_len(ConfidenceRatings::Phase, 16))
                    .col(string_len(ConfidenceRatings::StatementId, 64))
                    .col(
                        integer(ConfidenceRatings::Rating)
                            .check(Expr::col(ConfidenceRatings::Rating).between(1, 5)),
                    )
                    .col(timestamp_with_time_zone(ConfidenceRatings::RatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_confidence_ratings_user")
                            .from(ConfidenceRatings::Table, ConfidenceRatings::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_confidence_ratings_user_phase_statement")
                    .table(ConfidenceRatings::Table)
                    .col(ConfidenceRatings::UserId)
                    .col(ConfidenceRatings::Phase)
                    .col(ConfidenceRatings::StatementId)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ConfidenceRatings::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum ConfidenceRatings {
    Table,
    Id,
    UserId,
    Phase,
    StatementId,
    Rating,
    RatedAt,
}
