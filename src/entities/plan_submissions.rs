use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "plan_submissions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// A learner's own plan; exactly one of `user_id` and `team_plan_id` is set.
    pub user_id: Option<i32>,
    pub team_plan_id: Option<i32>,
    /// 1 for the owner's first submission, then 2, 3…
    pub number: i32,
    /// The frozen plan: JSON, a list of `{module, prompt, answer}`.
    pub snapshot: String,
    pub submitted_by: Option<i32>,
    pub submitted_at: DateTimeUtc,
    pub reviewed_by: Option<i32>,
    pub reviewed_at: Option<DateTimeUtc>,
    pub review_comments: Option<String>,
    /// "met", "partly" or "not_yet" for each five-case group.
    pub rubric_strategic: Option<String>,
    pub rubric_economic: Option<String>,
    pub rubric_commercial: Option<String>,
    pub rubric_financial: Option<String>,
    pub rubric_management: Option<String>,
    /// The review's rubric as JSON: `{part, rating, comment}` for each case and `overall`
    /// (NULL on reviews made before it had comments per line).
    pub rubric: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
