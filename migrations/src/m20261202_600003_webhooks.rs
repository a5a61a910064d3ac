use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Signed webhooks (Standard Webhooks): an organisation's endpoints, and the durable outbox of
/// deliveries written in the same transaction as the event that causes them.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(WebhookEndpoints::Table)
                    .if_not_exists()
                    .col(pk_auto(WebhookEndpoints::Id))
                    .col(integer(WebhookEndpoints::OrgId))
                    .col(string_len(WebhookEndpoints::Url, 2000))
                    .col(string_len(WebhookEndpoints::Events, 300))
                    .col(string_len(WebhookEndpoints::Secret, 100))
                    .col(integer_null(WebhookEndpoints::CreatedBy))
                    .col(timestamp_with_time_zone(WebhookEndpoints::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_webhook_endpoints_org")
                            .from(WebhookEndpoints::Table, WebhookEndpoints::OrgId)
                            .to(Organisations::Table, Organisations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_webhook_endpoints_org")
                    .table(WebhookEndpoints::Table)
                    .col(WebhookEndpoints::OrgId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WebhookDeliveries::Table)
                    .if_not_exists()
                    .col(pk_auto(WebhookDeliveries::Id))
                    .col(integer(WebhookDeliveries::EndpointId))
                    .col(string_len(WebhookDeliveries::EventKey, 200))
                    .col(string_len(WebhookDeliveries::MessageId, 64))
                    .col(string_len(WebhookDeliveries::EventType, 40))
                    .col(text(WebhookDeliveries::Payload))
                    .col(string_len(WebhookDeliveries::Status, 16))
                    .col(integer(WebhookDeliveries::Attempts).default(0))
                    .col(timestamp_with_time_zone(WebhookDeliveries::NextAttemptAt))
                    .col(timestamp_with_time_zone_null(
                        WebhookDeliveries::ClaimedUntil,
                    ))
                    .col(string_len_null(WebhookDeliveries::Claim, 64))
                    .col(text_null(WebhookDeliveries::LastError))
                    .col(integer_null(WebhookDeliveries::LastStatus))
                    .col(timestamp_with_time_zone(WebhookDeliveries::CreatedAt))
                    .col(timestamp_with_time_zone_null(
                        WebhookDeliveries::DeliveredAt,
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_webhook_deliveries_endpoint")
                            .from(WebhookDeliveries::Table, WebhookDeliveries::EndpointId)
                            .to(WebhookEndpoints::Table, WebhookEndpoints::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_webhook_deliveries_event")
                    .table(WebhookDeliveries::Table)
                    .col(WebhookDeliveries::EndpointId)
                    .col(WebhookDeliveries::EventKey)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_webhook_deliveries_status_next")
                    .table(WebhookDeliveries::Table)
                    .col(WebhookDeliveries::Status)
                    .col(WebhookDeliveries::NextAttemptAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(WebhookDeliveries::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(WebhookEndpoints::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Organisations {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum WebhookEndpoints {
    Table,
    Id,
    OrgId,
    Url,
    Events,
    Secret,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum WebhookDeliveries {
    Table,
    Id,
    EndpointId,
    EventKey,
    MessageId,
    EventType,
    Payload,
    Status,
    Attempts,
    NextAttemptAt,
    ClaimedUntil,
    Claim,
    LastError,
    LastStatus,
    CreatedAt,
    DeliveredAt,
}
