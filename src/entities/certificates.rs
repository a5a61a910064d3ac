use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "certificates")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub public_id: String,
    /// 12 characters of Crockford base32 (60 random bits), shown as XXXX-XXXX-XXXX.
    #[sea_orm(unique)]
    pub code: String,
    pub user_id: Option<i32>,
    pub holder_name: String,
    /// SHA-256 of the e-mail address and the salt, hex: the credential's identity, never the address.
    pub email_hash: String,
    pub email_salt: String,
    pub course_slug: String,
    pub course_title: String,
    pub course_version: String,
    /// JSON: the modules with completion dates and best scores at issue.
    pub modules: String,
    pub issued_at: DateTimeUtc,
    pub expires_at: Option<DateTimeUtc>,
    pub revoked_at: Option<DateTimeUtc>,
    pub revoked_reason: Option<String>,
    pub revoked_by: Option<i32>,
    pub holder_removed_at: Option<DateTimeUtc>,
    /// Learning time recorded up to the issue, in whole minutes (`None` on older certificates).
    pub learning_minutes: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
