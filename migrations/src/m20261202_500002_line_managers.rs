use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261127_000001_accounts::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Line managers: who manages whom, per organisation (one line manager per person and organisation).
/// A manager's account going away removes only the relation: the reports' own records stay.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(LineManagers::Table)
                    .if_not_exists()
                    .col(pk_auto(LineManagers::Id))
                    .col(integer(LineManagers::OrgId))
                    .col(integer(LineManagers::ManagerId))
                    .col(integer(LineManagers::ReportId))
                    .col(timestamp_with_time_zone(LineManagers::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_line_managers_org")
                            .from(LineManagers::Table, LineManagers::OrgId)
                            .to(Organisations::Table, Organisations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_line_managers_manager")
                            .from(LineManagers::Table, LineManagers::ManagerId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_line_managers_report")
                            .from(LineManagers::Table, LineManagers::ReportId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_line_managers_report")
                    .table(LineManagers::Table)
                    .col(LineManagers::OrgId)
                    .col(LineManagers::ReportId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_line_managers_manager")
                    .table(LineManagers::Table)
                    .col(LineManagers::ManagerId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(LineManagers::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Organisations {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum LineManagers {
    Table,
    Id,
    OrgId,
    ManagerId,
    ReportId,
    CreatedAt,
}
