use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "mfa_totp")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: i32,
    /// The authenticator secret, base32 (RFC 4648, no padding).
    pub secret: String,
    /// When the first code was confirmed; `None` while enrolment is unfinished.
    pub enabled_at: Option<DateTimeUtc>,
    /// The last 30-second time-step whose code was accepted: no code at or before it is taken again.
    pub last_step: i64,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
