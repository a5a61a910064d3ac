use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261127_000001_accounts::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // A certificate keeps what it said when it was issued (name, course version, modules and
        // scores), so later edits to the account or the course never change an issued certificate.
        manager
            .create_table(
                Table::create()
                    .table(Certificates::Table)
                    .if_not_exists()
                    .col(pk_auto(Certificates::Id))
                    .col(string_len_uniq(Certificates::PublicId, 36))
                    .col(string_len_uniq(Certificates::Code, 12))
                    .col(integer_null(Certificates::UserId))
                    .col(string_len(Certificates::HolderName, 200))
                    .col(string_len(Certificates::EmailHash, 64))
                    .col(string_len(Certificates::EmailSalt, 32))
                    .col(string_len(Certificates::CourseSlug, 64))
                    .col(string_len(Certificates::CourseTitle, 200))
                    .col(string_len(Certificates::CourseVersion, 64))
                    .col(text(Certificates::Modules))
                    .col(timestamp_with_time_zone(Certificates::IssuedAt))
                    .col(timestamp_with_time_zone_null(Certificates::ExpiresAt))
                    .col(timestamp_with_time_zone_null(Certificates::RevokedAt))
                    .col(string_len_null(Certificates::RevokedReason, 500))
                    .col(integer_null(Certificates::RevokedBy))
                    .col(timestamp_with_time_zone_null(Certificates::HolderRemovedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_certificates_user")
                            .from(Certificates::Table, Certificates::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_certificates_user")
                    .table(Certificates::Table)
                    .col(Certificates::UserId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Certificates::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Certificates {
    Table,
    Id,
    PublicId,
    Code,
    UserId,
    HolderName,
    EmailHash,
    EmailSalt,
    CourseSlug,
    CourseTitle,
    CourseVersion,
    Modules,
    IssuedAt,
    ExpiresAt,
    RevokedAt,
    RevokedReason,
    RevokedBy,
    HolderRemovedAt,
}
