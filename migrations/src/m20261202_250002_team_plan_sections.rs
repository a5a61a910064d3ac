use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261127_000001_accounts::Users;
use crate::m20261202_250001_team_plans::TeamPlans;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The current text of each section (worksheet prompt) of a team plan, with its version: a save
/// names the version it was made from and is refused when that is no longer the current one.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(TeamPlanSections::Table)
                    .if_not_exists()
                    .col(pk_auto(TeamPlanSections::Id))
                    .col(integer(TeamPlanSections::TeamPlanId))
                    .col(string_len(TeamPlanSections::ModuleSlug, 64))
                    .col(string_len(TeamPlanSections::PromptId, 64))
                    .col(text(TeamPlanSections::Answer))
                    .col(integer(TeamPlanSections::Version))
                    .col(integer_null(TeamPlanSections::UpdatedBy))
                    .col(timestamp_with_time_zone(TeamPlanSections::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_team_plan_sections_plan")
                            .from(TeamPlanSections::Table, TeamPlanSections::TeamPlanId)
                            .to(TeamPlans::Table, TeamPlans::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_team_plan_sections_user")
                            .from(TeamPlanSections::Table, TeamPlanSections::UpdatedBy)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_team_plan_sections_prompt")
                    .table(TeamPlanSections::Table)
                    .col(TeamPlanSections::TeamPlanId)
                    .col(TeamPlanSections::ModuleSlug)
                    .col(TeamPlanSections::PromptId)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(TeamPlanSections::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum TeamPlanSections {
    Table,
    Id,
    TeamPlanId,
    ModuleSlug,
    PromptId,
    Answer,
    Version,
    UpdatedBy,
    UpdatedAt,
}
