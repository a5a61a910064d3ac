use sea_orm::entity::prelude::*;

/// An organisation's webhook endpoint (Standard Webhooks).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_endpoints")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub org_id: i32,
    pub url: String,
    /// Comma-separated event types, e.g. "module.completed,certificate.issued".
    pub events: String,
    /// `whsec_` and the base64 key: kept to sign deliveries, shown to the admin once.
    pub secret: String,
    pub created_by: Option<i32>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
