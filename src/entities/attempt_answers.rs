use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "attempt_answers")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub attempt_id: i32,
    /// 1-based place of the question in the attempt.
    pub position: i32,
    pub question_id: String,
    /// JSON: the option ids chosen, or item/pair placements.
    pub response: String,
    /// 0-1000 (thousandths of a mark).
    pub credit: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
