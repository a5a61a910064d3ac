use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "team_plan_versions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub team_plan_id: i32,
    pub module_slug: String,
    pub prompt_id: String,
    pub version: i32,
    pub answer: String,
    pub author_id: Option<i32>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
