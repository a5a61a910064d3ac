use sea_orm::entity::prelude::*;

/// One e-mail in the outbox. `status`: "pending" (waiting for `next_attempt_at`), "sending" (claimed
/// by a sender until `claimed_until`), "sent", or "dead" (given up, with `last_error`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// One message per person, kind and period (scheduled mail) or per event (service mail).
    #[sea_orm(unique)]
    pub dedupe_key: String,
    pub user_id: Option<i32>,
    pub kind: String,
    pub to_address: String,
    pub to_name: String,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
    /// The one-click unsubscribe link (RFC 8058), for reminders.
    pub unsubscribe_url: Option<String>,
    /// The same `Message-ID` on every attempt, so a copy sent twice can be recognised.
    pub message_id: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    pub claimed_until: Option<DateTimeUtc>,
    /// Random id of the sender's claim: only that claim may mark the message.
    pub claim: Option<String>,
    pub last_error: Option<String>,
    /// What the SMTP server answered when it accepted the message.
    pub smtp_response: Option<String>,
    pub created_at: DateTimeUtc,
    pub sent_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
