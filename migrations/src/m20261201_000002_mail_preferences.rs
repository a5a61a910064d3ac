use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261127_000001_accounts::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The kinds of e-mail a person has switched off (a row means "off"; no row means the default, on).
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(MailOptOuts::Table)
                    .if_not_exists()
                    .col(integer(MailOptOuts::UserId))
                    .col(string_len(MailOptOuts::Kind, 40))
                    .col(timestamp_with_time_zone(MailOptOuts::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(MailOptOuts::UserId)
                            .col(MailOptOuts::Kind),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_mail_opt_outs_user")
                            .from(MailOptOuts::Table, MailOptOuts::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(MailOptOuts::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum MailOptOuts {
    Table,
    UserId,
    Kind,
    CreatedAt,
}
