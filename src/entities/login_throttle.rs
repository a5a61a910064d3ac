use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "login_throttle")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: i32,
    /// Failures since the last success.
    pub consecutive: i32,
    /// How many times the account has been locked since the last success (the lock grows).
    pub locks: i32,
    pub locked_until: Option<DateTimeUtc>,
    pub window_start: DateTimeUtc,
    pub window_failures: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
