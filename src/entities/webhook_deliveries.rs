use sea_orm::entity::prelude::*;

/// One event for one endpoint in the webhook outbox. `status`: "pending" (waiting for
/// `next_attempt_at`), "sending" (claimed until `claimed_until`), "delivered", or "dead".
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_deliveries")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub endpoint_id: i32,
    /// What happened, once per endpoint: "certificate.issued:42".
    pub event_key: String,
    /// The `webhook-id` header: the same on every attempt, so receivers can drop duplicates.
    pub message_id: String,
    pub event_type: String,
    /// The JSON body, exactly as signed and sent.
    pub payload: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    pub claimed_until: Option<DateTimeUtc>,
    pub claim: Option<String>,
    pub last_error: Option<String>,
    /// The HTTP status of the last attempt, when the endpoint answered.
    pub last_status: Option<i32>,
    pub created_at: DateTimeUtc,
    pub delivered_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
