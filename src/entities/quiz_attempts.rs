use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "quiz_attempts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub public_id: String,
    pub user_id: i32,
    pub module_slug: String,
    /// The draw's seed (an u64 stored bit-for-bit as i64).
    pub seed: i64,
    /// JSON: the drawn questions with their choice order, as shown.
    pub questions: String,
    pub started_at: DateTimeUtc,
    pub submitted_at: DateTimeUtc,
    pub score_percent: i32,
    pub pass_mark: i32,
    pub passed: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
