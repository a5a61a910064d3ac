use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261127_000001_accounts::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Learning time: one row per lesson or quiz page view, with the seconds it is credited. A view is
/// open until the learner's next action in the same session closes it; the time credited is capped.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(LearningViews::Table)
                    .if_not_exists()
                    .col(pk_auto(LearningViews::Id))
                    .col(integer(LearningViews::UserId))
                    .col(string_len(LearningViews::SessionHash, 64))
                    .col(string_len(LearningViews::ModuleSlug, 100))
                    .col(string_len_null(LearningViews::LessonSlug, 100))
                    .col(timestamp_with_time_zone(LearningViews::StartedAt))
                    .col(timestamp_with_time_zone_null(LearningViews::LastBeatAt))
                    .col(integer(LearningViews::BeatSeconds).default(0))
                    .col(integer(LearningViews::CreditedSeconds).default(0))
                    .col(timestamp_with_time_zone_null(LearningViews::ClosedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_learning_views_user")
                            .from(LearningViews::Table, LearningViews::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_learning_views_session_open")
                    .table(LearningViews::Table)
                    .col(LearningViews::SessionHash)
                    .col(LearningViews::ClosedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_learning_views_user")
                    .table(LearningViews::Table)
                    .col(LearningViews::UserId)
                    .col(LearningViews::ModuleSlug)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(LearningViews::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum LearningViews {
    Table,
    Id,
    UserId,
    SessionHash,
    ModuleSlug,
    LessonSlug,
    StartedAt,
    LastBeatAt,
    BeatSeconds,
    CreditedSeconds,
    ClosedAt,
}
