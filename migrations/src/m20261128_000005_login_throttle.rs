use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261127_000001_accounts::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Per-account brute-force defence, shared by every instance: consecutive failures lock the
        // account for a growing time, and failures in the current hour are capped.
        manager
            .create_table(
                Table::create()
                    .table(LoginThrottle::Table)
                    .if_not_exists()
                    .col(integer(LoginThrottle::UserId).primary_key())
                    .col(integer(LoginThrottle::Consecutive).default(0))
                    .col(integer(LoginThrottle::Locks).default(0))
                    .col(timestamp_with_time_zone_null(LoginThrottle::LockedUntil))
                    .col(timestamp_with_time_zone(LoginThrottle::WindowStart))
                    .col(integer(LoginThrottle::WindowFailures).default(0))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_login_throttle_user")
                            .from(LoginThrottle::Table, LoginThrottle::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(LoginThrottle::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum LoginThrottle {
    Table,
    UserId,
    Consecutive,
    Locks,
    LockedUntil,
    WindowStart,
    WindowFailures,
}
