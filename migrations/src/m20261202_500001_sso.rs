use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261127_000001_accounts::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Single sign-on: one OpenID provider per organisation, the e-mail domains that lead to it
/// (unique across organisations), the provider accounts linked to ours, and sign-ins in progress.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SsoProviders::Table)
                    .if_not_exists()
                    .col(pk_auto(SsoProviders::Id))
                    .col(integer_uniq(SsoProviders::OrgId))
                    .col(string_len(SsoProviders::Issuer, 500))
                    .col(string_len(SsoProviders::ClientId, 500))
                    .col(string_len(SsoProviders::ClientSecret, 1000))
                    .col(string_len_null(SsoProviders::GroupClaim, 100))
                    .col(integer_null(SsoProviders::DefaultCohortId))
                    .col(boolean(SsoProviders::RequireSso).default(false))
                    .col(timestamp_with_time_zone(SsoProviders::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_sso_providers_org")
                            .from(SsoProviders::Table, SsoProviders::OrgId)
                            .to(Organisations::Table, Organisations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_sso_providers_cohort")
                            .from(SsoProviders::Table, SsoProviders::DefaultCohortId)
                            .to(Cohorts::Table, Cohorts::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SsoDomains::Table)
                    .if_not_exists()
                    .col(string_len(SsoDomains::Domain, 253).primary_key())
                    .col(integer(SsoDomains::ProviderId))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_sso_domains_provider")
                            .from(SsoDomains::Table, SsoDomains::ProviderId)
                            .to(SsoProviders::Table, SsoProviders::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SsoIdentities::Table)
                    .if_not_exists()
                    .col(pk_auto(SsoIdentities::Id))
                    .col(integer(SsoIdentities::ProviderId))
                    .col(string_len(SsoIdentities::Subject, 255))
                    .col(integer(SsoIdentities::UserId))
                    .col(timestamp_with_time_zone(SsoIdentities::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_sso_identities_provider")
                            .from(SsoIdentities::Table, SsoIdentities::ProviderId)
                            .to(SsoProviders::Table, SsoProviders::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_sso_identities_user")
                            .from(SsoIdentities::Table, SsoIdentities::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_sso_identities_subject")
                    .table(SsoIdentities::Table)
                    .col(SsoIdentities::ProviderId)
                    .col(SsoIdentities::Subject)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SsoAttempts::Table)
                    .if_not_exists()
                    .col(string_len(SsoAttempts::IdHash, 64).primary_key())
                    .col(integer(SsoAttempts::ProviderId))
                    .col(string_len(SsoAttempts::State, 100))
                    .col(string_len(SsoAttempts::Nonce, 100))
                    .col(string_len(SsoAttempts::PkceVerifier, 200))
                    .col(string_len(SsoAttempts::NextPath, 600))
                    .col(timestamp_with_time_zone(SsoAttempts::CreatedAt))
                    .col(timestamp_with_time_zone(SsoAttempts::ExpiresAt))
                    .col(timestamp_with_time_zone_null(SsoAttempts::UsedAt))
                    .col(integer_null(SsoAttempts::LinkUserId))
                    .col(string_len_null(SsoAttempts::LinkSubject, 255))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_sso_attempts_provider")
                            .from(SsoAttempts::Table, SsoAttempts::ProviderId)
                            .to(SsoProviders::Table, SsoProviders::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            SsoAttempts::Table.into_iden(),
            SsoIdentities::Table.into_iden(),
            SsoDomains::Table.into_iden(),
            SsoProviders::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Organisations {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Cohorts {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum SsoProviders {
    Table,
    Id,
    OrgId,
    Issuer,
    ClientId,
    ClientSecret,
    GroupClaim,
    DefaultCohortId,
    RequireSso,
    CreatedAt,
}

#[derive(DeriveIden)]
enum SsoDomains {
    Table,
    Domain,
    ProviderId,
}

#[derive(DeriveIden)]
enum SsoIdentities {
    Table,
    Id,
    ProviderId,
    Subject,
    UserId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum SsoAttempts {
    Table,
    IdHash,
    ProviderId,
    State,
    Nonce,
    PkceVerifier,
    NextPath,
    CreatedAt,
    ExpiresAt,
    UsedAt,
    LinkUserId,
    LinkSubject,
}
