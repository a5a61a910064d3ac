use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261127_000001_accounts::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The durable e-mail outbox: a message is written in the same transaction as the event that causes
/// it (or by an idempotent scheduler pass: `dedupe_key` is unique per person, kind and period), and a
/// sender claims, delivers and marks it.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Outbox::Table)
                    .if_not_exists()
                    .col(pk_auto(Outbox::Id))
                    .col(string_len(Outbox::DedupeKey, 200).unique_key())
                    .col(integer_null(Outbox::UserId))
                    .col(string_len(Outbox::Kind, 40))
                    .col(string_len(Outbox::ToAddress, 320))
                    .col(string_len(Outbox::ToName, 200))
                    .col(string_len(Outbox::Subject, 300))
                    .col(text(Outbox::TextBody))
                    .col(text(Outbox::HtmlBody))
                    .col(text_null(Outbox::UnsubscribeUrl))
                    .col(string_len(Outbox::MessageId, 200))
                    .col(string_len(Outbox::Status, 16))
                    .col(integer(Outbox::Attempts).default(0))
                    .col(timestamp_with_time_zone(Outbox::NextAttemptAt))
                    .col(timestamp_with_time_zone_null(Outbox::ClaimedUntil))
                    .col(string_len_null(Outbox::Claim, 64))
                    .col(text_null(Outbox::LastError))
                    .col(text_null(Outbox::SmtpResponse))
                    .col(timestamp_with_time_zone(Outbox::CreatedAt))
                    .col(timestamp_with_time_zone_null(Outbox::SentAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_outbox_user")
                            .from(Outbox::Table, Outbox::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_outbox_status_next")
                    .table(Outbox::Table)
                    .col(Outbox::Status)
                    .col(Outbox::NextAttemptAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_outbox_user")
                    .table(Outbox::Table)
                    .col(Outbox::UserId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Outbox::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    Id,
    DedupeKey,
    UserId,
    Kind,
    ToAddress,
    ToName,
    Subject,
    TextBody,
    HtmlBody,
    UnsubscribeUrl,
    MessageId,
    Status,
    Attempts,
    NextAttemptAt,
    ClaimedUntil,
    Claim,
    LastError,
    SmtpResponse,
    CreatedAt,
    SentAt,
}
