use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "team_plan_sections")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub team_plan_id: i32,
    pub module_slug: String,
    pub prompt_id: String,
    /// Empty when a member cleared the section.
    pub answer: String,
    /// 1 for the first save; a section with no row is at version 0.
    pub version: i32,
    pub updated_by: Option<i32>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
