use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261127_000001_accounts::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One row per submitted attempt. `public_id` is the id the quiz form carried: submitting the
        // same form twice finds the same row, so an attempt is never stored twice.
        manager
            .create_table(
                Table::create()
                    .table(QuizAttempts::Table)
                    .if_not_exists()
                    .col(pk_auto(QuizAttempts::Id))
                    .col(string_len_uniq(QuizAttempts::PublicId, 36))
                    .col(integer(QuizAttempts::UserId))
                    .col(string_len(QuizAttempts::ModuleSlug, 64))
                    .col(big_integer(QuizAttempts::Seed))
                    .col(text(QuizAttempts::Questions))
                    .col(timestamp_with_time_zone(QuizAttempts::StartedAt))
                    .col(timestamp_with_time_zone(QuizAttempts::SubmittedAt))
                    .col(integer(QuizAttempts::ScorePercent))
                    .col(integer(QuizAttempts::PassMark))
                    .col(boolean(QuizAttempts::Passed))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_quiz_attempts_user")
                            .from(QuizAttempts::Table, QuizAttempts::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_quiz_attempts_user_module")
                    .table(QuizAttempts::Table)
                    .col(QuizAttempts::UserId)
                    .col(QuizAttempts::ModuleSlug)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AttemptAnswers::Table)
                    .if_not_exists()
                    .col(pk_auto(AttemptAnswers::Id))
                    .col(integer(AttemptAnswers::AttemptId))
                    .col(integer(AttemptAnswers::Position))
                    .col(string_len(AttemptAnswers::QuestionId, 64))
                    .col(text(AttemptAnswers::Response))
                    .col(integer(AttemptAnswers::Credit))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_attempt_answers_attempt")
                            .from(AttemptAnswers::Table, AttemptAnswers::AttemptId)
                            .to(QuizAttempts::Table, QuizAttempts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_attempt_answers_attempt")
                    .table(AttemptAnswers::Table)
                    .col(AttemptAnswers::AttemptId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AttemptAnswers::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(QuizAttempts::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum QuizAttempts {
    Table,
    Id,
    PublicId,
    UserId,
    ModuleSlug,
    Seed,
    Questions,
    StartedAt,
    SubmittedAt,
    ScorePercent,
    PassMark,
    Passed,
}

#[derive(DeriveIden)]
enum AttemptAnswers {
    Table,
    Id,
    AttemptId,
    Position,
    QuestionId,
    Response,
    Credit,
}
