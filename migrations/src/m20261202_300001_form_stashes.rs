use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261127_000001_accounts::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// What a learner typed into a form that arrived after their session or its CSRF token had
/// expired: kept for a short while, keyed by the hash of a random id held in a cookie, so it can be
/// put back into the form once they have logged in again.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(FormStashes::Table)
                    .if_not_exists()
                    .col(string_len(FormStashes::IdHash, 64).primary_key())
                    .col(integer(FormStashes::UserId))
                    .col(string_len(FormStashes::Path, 512))
                    .col(text(FormStashes::Fields))
                    .col(timestamp_with_time_zone(FormStashes::CreatedAt))
                    .col(timestamp_with_time_zone(FormStashes::ExpiresAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_form_stashes_user")
                            .from(FormStashes::Table, FormStashes::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(FormStashes::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum FormStashes {
    Table,
    IdHash,
    UserId,
    Path,
    Fields,
    CreatedAt,
    ExpiresAt,
}
