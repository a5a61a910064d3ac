use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261127_000001_accounts::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Organisations::Table)
                    .if_not_exists()
                    .col(pk_auto(Organisations::Id))
                    .col(string_len_uniq(Organisations::Slug, 64))
                    .col(string_len(Organisations::Name, 200))
                    .col(boolean(Organisations::RequireAdminMfa).default(false))
                    .col(timestamp_with_time_zone(Organisations::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Cohorts::Table)
                    .if_not_exists()
                    .col(pk_auto(Cohorts::Id))
                    .col(integer(Cohorts::OrgId))
                    .col(string_len(Cohorts::Name, 100))
                    .col(timestamp_with_time_zone(Cohorts::StartsOn))
                    .col(string_len(Cohorts::Pacing, 16).default("self"))
                    .col(timestamp_with_time_zone(Cohorts::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_cohorts_org")
                            .from(Cohorts::Table, Cohorts::OrgId)
                            .to(Organisations::Table, Organisations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_cohorts_org_name")
                    .table(Cohorts::Table)
                    .col(Cohorts::OrgId)
                    .col(Cohorts::Name)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // One row per person per organisation: their role there and their (single) cohort.
        manager
            .create_table(
                Table::create()
                    .table(OrgMembers::Table)
                    .if_not_exists()
                    .col(pk_auto(OrgMembers::Id))
                    .col(integer(OrgMembers::OrgId))
                    .col(integer(OrgMembers::UserId))
                    .col(string_len(OrgMembers::Role, 16).default("learner"))
                    .col(integer_null(OrgMembers::CohortId))
                    .col(timestamp_with_time_zone(OrgMembers::JoinedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_org_members_org")
                            .from(OrgMembers::Table, OrgMembers::OrgId)
                            .to(Organisations::Table, Organisations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_org_members_user")
                            .from(OrgMembers::Table, OrgMembers::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_org_members_cohort")
                            .from(OrgMembers::Table, OrgMembers::CohortId)
                            .to(Cohorts::Table, Cohorts::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_org_members_org_user")
                    .table(OrgMembers::Table)
                    .col(OrgMembers::OrgId)
                    .col(OrgMembers::UserId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_org_members_user")
                    .table(OrgMembers::Table)
                    .col(OrgMembers::UserId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Invitations::Table)
                    .if_not_exists()
                    .col(pk_auto(Invitations::Id))
                    .col(integer(Invitations::OrgId))
                    .col(integer_null(Invitations::CohortId))
                    .col(string_len_uniq(Invitations::TokenHash, 64))
                    .col(integer_null(Invitations::CreatedBy))
                    .col(timestamp_with_time_zone(Invitations::CreatedAt))
                    .col(timestamp_with_time_zone(Invitations::ExpiresAt))
                    .col(integer_null(Invitations::MaxUses))
                    .col(integer(Invitations::Uses).default(0))
                    .col(timestamp_with_time_zone_null(Invitations::RevokedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_invitations_org")
                            .from(Invitations::Table, Invitations::OrgId)
                            .to(Organisations::Table, Organisations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_invitations_cohort")
                            .from(Invitations::Table, Invitations::CohortId)
                            .to(Cohorts::Table, Cohorts::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ActivationTokens::Table)
                    .if_not_exists()
                    .col(pk_auto(ActivationTokens::Id))
                    .col(integer(ActivationTokens::UserId))
                    .col(string_len_uniq(ActivationTokens::TokenHash, 64))
                    .col(string_len(ActivationTokens::Purpose, 16).default("activate"))
                    .col(timestamp_with_time_zone(ActivationTokens::CreatedAt))
                    .col(timestamp_with_time_zone(ActivationTokens::ExpiresAt))
                    .col(timestamp_with_time_zone_null(ActivationTokens::UsedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_activation_tokens_user")
                            .from(ActivationTokens::Table, ActivationTokens::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            ActivationTokens::Table.into_iden(),
            Invitations::Table.into_iden(),
            OrgMembers::Table.into_iden(),
            Cohorts::Table.into_iden(),
            Organisations::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(t).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Organisations {
    Table,
    Id,
    Slug,
    Name,
    RequireAdminMfa,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Cohorts {
    Table,
    Id,
    OrgId,
    Name,
    StartsOn,
    Pacing,
    CreatedAt,
}

#[derive(DeriveIden)]
enum OrgMembers {
    Table,
    Id,
    OrgId,
    UserId,
    Role,
    CohortId,
    JoinedAt,
}

#[derive(DeriveIden)]
enum Invitations {
    Table,
    Id,
    OrgId,
    CohortId,
    TokenHash,
    CreatedBy,
    CreatedAt,
    ExpiresAt,
    MaxUses,
    Uses,
    RevokedAt,
}

#[derive(DeriveIden)]
enum ActivationTokens {
    Table,
    Id,
    UserId,
    TokenHash,
    Purpose,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}
