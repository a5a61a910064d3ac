use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A cohort's shared team plan: one row per cohort whose org admin has ever turned it on.
/// Turning it off keeps the row (and the team's work) but hides the plan from the members.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(TeamPlans::Table)
                    .if_not_exists()
                    .col(pk_auto(TeamPlans::Id))
                    .col(integer_uniq(TeamPlans::CohortId))
                    .col(boolean(TeamPlans::Enabled))
                    .col(timestamp_with_time_zone(TeamPlans::CreatedAt))
                    .col(timestamp_with_time_zone(TeamPlans::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_team_plans_cohort")
                            .from(TeamPlans::Table, TeamPlans::CohortId)
                            .to(Cohorts::Table, Cohorts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(TeamPlans::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub enum TeamPlans {
    Table,
    Id,
    CohortId,
    Enabled,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Cohorts {
    Table,
    Id,
}
