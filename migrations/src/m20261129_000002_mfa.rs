use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261127_000001_accounts::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Two-step verification: one authenticator (TOTP) secret per user, enabled once its first code is
/// confirmed, with the last time-step accepted so that a code cannot be used twice; and one-time
/// recovery codes, stored only as hashes.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(MfaTotp::Table)
                    .if_not_exists()
                    .col(integer(MfaTotp::UserId).primary_key())
                    .col(string(MfaTotp::Secret))
                    .col(timestamp_with_time_zone_null(MfaTotp::EnabledAt))
                    .col(big_integer(MfaTotp::LastStep).default(0))
                    .col(timestamp_with_time_zone(MfaTotp::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_mfa_totp_user")
                            .from(MfaTotp::Table, MfaTotp::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(MfaRecoveryCodes::Table)
                    .if_not_exists()
                    .col(pk_auto(MfaRecoveryCodes::Id))
                    .col(integer(MfaRecoveryCodes::UserId))
                    .col(string(MfaRecoveryCodes::CodeHash))
                    .col(timestamp_with_time_zone_null(MfaRecoveryCodes::UsedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_mfa_recovery_codes_user")
                            .from(MfaRecoveryCodes::Table, MfaRecoveryCodes::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_mfa_recovery_codes_user_hash")
                    .table(MfaRecoveryCodes::Table)
                    .col(MfaRecoveryCodes::UserId)
                    .col(MfaRecoveryCodes::CodeHash)
                    .unique()
                    .if_not_exists()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(MfaRecoveryCodes::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(MfaTotp::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum MfaTotp {
    Table,
    UserId,
    Secret,
    EnabledAt,
    LastStep,
    CreatedAt,
}

#[derive(DeriveIden)]
enum MfaRecoveryCodes {
    Table,
    Id,
    UserId,
    CodeHash,
    UsedAt,
}
