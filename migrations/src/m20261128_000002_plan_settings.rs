use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261127_000001_accounts::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // A learner's choices about their AI project plan. No row means the defaults (not shared).
        manager
            .create_table(
                Table::create()
                    .table(PlanSettings::Table)
                    .if_not_exists()
                    .col(pk_auto(PlanSettings::Id))
                    .col(integer_uniq(PlanSettings::UserId))
                    .col(boolean(PlanSettings::ShareWithOrg).default(false))
                    .col(timestamp_with_time_zone(PlanSettings::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_plan_settings_user")
                            .from(PlanSettings::Table, PlanSettings::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(PlanSettings::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum PlanSettings {
    Table,
    Id,
    UserId,
    ShareWithOrg,
    UpdatedAt,
}
