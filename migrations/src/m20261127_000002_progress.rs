use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261127_000001_accounts::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One enrolment per learner and course: the stored course percentage and the resume point.
        manager
            .create_table(
                Table::create()
                    .table(Enrolments::Table)
                    .if_not_exists()
                    .col(pk_auto(Enrolments::Id))
                    .col(integer(Enrolments::UserId))
                    .col(string_len(Enrolments::CourseSlug, 64))
                    .col(timestamp_with_time_zone(Enrolments::StartedAt))
                    .col(integer(Enrolments::ProgressPercent).default(0))
                    .col(integer(Enrolments::ItemsCompleted).default(0))
                    .col(string_len_null(Enrolments::LastModule, 64))
                    .col(string_len_null(Enrolments::LastLesson, 64))
                    .col(timestamp_with_time_zone(Enrolments::LastActivityAt))
                    .col(timestamp_with_time_zone_null(Enrolments::CompletedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_enrolments_user")
                            .from(Enrolments::Table, Enrolments::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_enrolments_user_course")
                    .table(Enrolments::Table)
                    .col(Enrolments::UserId)
                    .col(Enrolments::CourseSlug)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // Per learner and module: stored so that dashboards and reports never recount lesson rows.
        manager
            .create_table(
                Table::create()
                    .table(ModuleProgress::Table)
                    .if_not_exists()
                    .col(pk_auto(ModuleProgress::Id))
                    .col(integer(ModuleProgress::UserId))
                    .col(string_len(ModuleProgress::ModuleSlug, 64))
                    .col(integer(ModuleProgress::LessonsCompleted).default(0))
                    .col(integer(ModuleProgress::ProgressPercent).default(0))
                    .col(integer_null(ModuleProgress::BestScore))
                    .col(integer(ModuleProgress::Attempts).default(0))
                    .col(timestamp_with_time_zone_null(ModuleProgress::QuizPassedAt))
                    .col(timestamp_with_time_zone_null(ModuleProgress::CompletedAt))
                    .col(timestamp_with_time_zone(ModuleProgress::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_module_progress_user")
                            .from(ModuleProgress::Table, ModuleProgress::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_module_progress_user_module")
                    .table(ModuleProgress::Table)
                    .col(ModuleProgress::UserId)
                    .col(ModuleProgress::ModuleSlug)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(LessonProgress::Table)
                    .if_not_exists()
                    .col(pk_auto(LessonProgress::Id))
                    .col(integer(LessonProgress::UserId))
                    .col(string_len(LessonProgress::ModuleSlug, 64))
                    .col(string_len(LessonProgress::LessonSlug, 64))
                    .col(timestamp_with_time_zone(LessonProgress::FirstViewedAt))
                    .col(timestamp_with_time_zone(LessonProgress::LastViewedAt))
                    .col(timestamp_with_time_zone_null(LessonProgress::CompletedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_lesson_progress_user")
                            .from(LessonProgress::Table, LessonProgress::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_lesson_progress_user_lesson")
                    .table(LessonProgress::Table)
                    .col(LessonProgress::UserId)
                    .col(LessonProgress::ModuleSlug)
                    .col(LessonProgress::LessonSlug)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(LessonProgress::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(ModuleProgress::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Enrolments::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Enrolments {
    Table,
    Id,
    UserId,
    CourseSlug,
    StartedAt,
    ProgressPercent,
    ItemsCompleted,
    LastModule,
    LastLesson,
    LastActivityAt,
    CompletedAt,
}

#[derive(DeriveIden)]
enum ModuleProgress {
    Table,
    Id,
    UserId,
    ModuleSlug,
    LessonsCompleted,
    ProgressPercent,
    BestScore,
    Attempts,
    QuizPassedAt,
    CompletedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum LessonProgress {
    Table,
    Id,
    UserId,
    ModuleSlug,
    LessonSlug,
    FirstViewedAt,
    LastViewedAt,
    CompletedAt,
}
