use sea_orm::entity::prelude::*;

/// A form that arrived after its session or CSRF token had expired, kept so it can be put back.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "form_stashes")]
pub struct Model {
    /// SHA-256 of the random id in the visitor's cookie.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id_hash: String,
    pub user_id: i32,
    /// The page of the form (a local path), where the fields are put back.
    pub path: String,
    /// The fields as a JSON array of `[name, value]` pairs (never passwords or tokens).
    pub fields: String,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
