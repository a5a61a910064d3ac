use sea_orm::entity::prelude::*;

/// One lesson or quiz page view and the learning time it is credited (see `services::learning_time`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "learning_views")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub user_id: i32,
    /// SHA-256 of the session token (as in `sessions.id_hash`): only the same session closes it.
    pub session_hash: String,
    pub module_slug: String,
    /// The lesson viewed; `None` for the module's quiz.
    pub lesson_slug: Option<String>,
    pub started_at: DateTimeUtc,
    /// The last heartbeat from the page (progressive enhancement), if any.
    pub last_beat_at: Option<DateTimeUtc>,
    /// Seconds the heartbeats vouched for while the page was visible.
    pub beat_seconds: i32,
    /// Seconds counted as learning time for this view (never more than the cap).
    pub credited_seconds: i32,
    pub closed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
