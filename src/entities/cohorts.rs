use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "cohorts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub org_id: i32,
    pub name: String,
    pub starts_on: DateTimeUtc,
    /// "self" (self-paced) or "weekly" (one module a week from the start, each due a week later).
    pub pacing: String,
    pub created_at: DateTimeUtc,
    /// Org admins can turn the cohort's reminder e-mails off.
    pub reminders_off: bool,
    /// A weekly cohort's modules can be locked until their release date.
    pub lock_modules: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
