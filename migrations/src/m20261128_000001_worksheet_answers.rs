use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261127_000001_accounts::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One row per learner, module and worksheet prompt that has an answer; clearing an answer deletes its row.
        manager
            .create_table(
                Table::create()
                    .table(WorksheetAnswers::Table)
                    .if_not_exists()
                    .col(pk_auto(WorksheetAnswers::Id))
                    .col(integer(WorksheetAnswers::UserId))
                    .col(string_len(WorksheetAnswers::ModuleSlug, 64))
                    .col(string_len(WorksheetAnswers::PromptId, 64))
                    .col(text(WorksheetAnswers::Answer))
                    .col(timestamp_with_time_zone(WorksheetAnswers::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_worksheet_answers_user")
                            .from(WorksheetAnswers::Table, WorksheetAnswers::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_worksheet_answers_user_prompt")
                    .table(WorksheetAnswers::Table)
                    .col(WorksheetAnswers::UserId)
                    .col(WorksheetAnswers::ModuleSlug)
                    .col(WorksheetAnswers::PromptId)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(WorksheetAnswers::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum WorksheetAnswers {
    Table,
    Id,
    UserId,
    ModuleSlug,
    PromptId,
    Answer,
    UpdatedAt,
}
