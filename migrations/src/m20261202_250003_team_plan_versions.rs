use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261127_000001_accounts::Users;
use crate::m20261202_250001_team_plans::TeamPlans;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Every saved version of every team plan section, oldest first: the section's history.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(TeamPlanVersions::Table)
                    .if_not_exists()
                    .col(pk_auto(TeamPlanVersions::Id))
                    .col(integer(TeamPlanVersions::TeamPlanId))
                    .col(string_len(TeamPlanVersions::ModuleSlug, 64))
                    .col(string_len(TeamPlanVersions::PromptId, 64))
                    .col(integer(TeamPlanVersions::Version))
                    .col(text(TeamPlanVersions::Answer))
                    .col(integer_null(TeamPlanVersions::AuthorId))
                    .col(timestamp_with_time_zone(TeamPlanVersions::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_team_plan_versions_plan")
                            .from(TeamPlanVersions::Table, TeamPlanVersions::TeamPlanId)
                            .to(TeamPlans::Table, TeamPlans::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_team_plan_versions_user")
                            .from(TeamPlanVersions::Table, TeamPlanVersions::AuthorId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_team_plan_versions_prompt")
                    .table(TeamPlanVersions::Table)
                    .col(TeamPlanVersions::TeamPlanId)
                    .col(TeamPlanVersions::ModuleSlug)
                    .col(TeamPlanVersions::PromptId)
                    .col(TeamPlanVersions::Version)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(TeamPlanVersions::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum TeamPlanVersions {
    Table,
    Id,
    TeamPlanId,
    ModuleSlug,
    PromptId,
    Version,
    Answer,
    AuthorId,
    CreatedAt,
}
