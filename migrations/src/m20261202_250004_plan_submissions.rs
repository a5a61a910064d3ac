use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261127_000001_accounts::Users;
use crate::m20261202_250001_team_plans::TeamPlans;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A submitted plan, frozen: a learner's own plan (`user_id`) or a team plan (`team_plan_id`),
/// with the org admin's review (comments and one rating per five-case group) once there is one.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PlanSubmissions::Table)
                    .if_not_exists()
                    .col(pk_auto(PlanSubmissions::Id))
                    .col(integer_null(PlanSubmissions::UserId))
                    .col(integer_null(PlanSubmissions::TeamPlanId))
                    .col(integer(PlanSubmissions::Number))
                    .col(text(PlanSubmissions::Snapshot))
                    .col(integer_null(PlanSubmissions::SubmittedBy))
                    .col(timestamp_with_time_zone(PlanSubmissions::SubmittedAt))
                    .col(integer_null(PlanSubmissions::ReviewedBy))
                    .col(timestamp_with_time_zone_null(PlanSubmissions::ReviewedAt))
                    .col(text_null(PlanSubmissions::ReviewComments))
                    .col(string_len_null(PlanSubmissions::RubricStrategic, 16))
                    .col(string_len_null(PlanSubmissions::RubricEconomic, 16))
                    .col(string_len_null(PlanSubmissions::RubricCommercial, 16))
                    .col(string_len_null(PlanSubmissions::RubricFinancial, 16))
                    .col(string_len_null(PlanSubmissions::RubricManagement, 16))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_plan_submissions_user")
                            .from(PlanSubmissions::Table, PlanSubmissions::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_plan_submissions_team_plan")
                            .from(PlanSubmissions::Table, PlanSubmissions::TeamPlanId)
                            .to(TeamPlans::Table, TeamPlans::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_plan_submissions_submitter")
                            .from(PlanSubmissions::Table, PlanSubmissions::SubmittedBy)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_plan_submissions_reviewer")
                            .from(PlanSubmissions::Table, PlanSubmissions::ReviewedBy)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_plan_submissions_user")
                    .table(PlanSubmissions::Table)
                    .col(PlanSubmissions::UserId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_plan_submissions_team_plan")
                    .table(PlanSubmissions::Table)
                    .col(PlanSubmissions::TeamPlanId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(PlanSubmissions::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum PlanSubmissions {
    Table,
    Id,
    UserId,
    TeamPlanId,
    Number,
    Snapshot,
    SubmittedBy,
    SubmittedAt,
    ReviewedBy,
    ReviewedAt,
    ReviewComments,
    RubricStrategic,
    RubricEconomic,
    RubricCommercial,
    RubricFinancial,
    RubricManagement,
}
