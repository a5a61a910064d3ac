//! Learning time: time on task, recorded honestly.
//!
//! Each lesson or quiz page view opens a *view* for the learner's session ([`open_view`]). The
//! learner's next action in the same session (another lesson or quiz page, marking a lesson
//! complete, submitting a quiz, the dashboard or a module page, logging out) closes it
//! ([`close_open_view`]) and credits the time between the two, capped at [`VIEW_CAP_SECONDS`]. A view
//! that no next action closes (the learner closed the browser, or the session expired) is credited
//! nothing: time between logins is never counted.
//!
//! Pages may also send a heartbeat ([`heartbeat`]) while they are visible (Page Visibility API).
//! Each beat adds at most [`BEAT_MAX_SECONDS`], never more than the time since the previous beat or
//! the view's start, and never past the cap. Once a view has had a beat, closing it adds only the
//! time since the last beat (at most [`BEAT_MAX_SECONDS`]): the page told us when it was hidden, so
//! hidden time is not counted. Without JavaScript the first rule alone applies.
use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use futures_util::FutureExt;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect,
};

use crate::db::Writer;
use crate::entities::learning_views;
use crate::services::sessions::hash_token;

/// The most one page view can count: 20 minutes (lessons are written to take 5–15 minutes; a
/// quiz of ten questions about the same). Beyond it the learner has most likely stepped away.
pub const VIEW_CAP_SECONDS: i64 = 20 * 60;
/// The most one heartbeat can add: pages beat every 30 seconds while visible.
pub const BEAT_MAX_SECONDS: i64 = 60;

/// What a view is of.
#[derive(Debug, Clone, Copy)]
pub enum Viewed<'a> {
    Lesson { module: &'a str, lesson: &'a str },
    Quiz { module: &'a str },
}

fn clamp_seconds(s: i64) -> i32 {
    i32::try_from(s.clamp(0, VIEW_CAP_SECONDS)).unwrap_or(0)
}

/// What closing this view at `now` credits in total.
fn credit_on_close(v: &learning_views::Model, now: DateTime<Utc>) -> i32 {
    match v.last_beat_at {
        Some(last) => {
            let tail = (now - last).num_seconds().clamp(0, BEAT_MAX_SECONDS);
            clamp_seconds(i64::from(v.beat_seconds) + tail)
        }
        None => clamp_seconds((now - v.started_at).num_seconds()),
    }
}

/// Closes the session's open view, if any, crediting its time: inside a write transaction that is
/// the learner's next action (a quiz submission, say). `session_hash` is [`hash_token`] of the token.
pub(crate) async fn close_open(
    db: &impl ConnectionTrait,
    session_hash: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let open = learning_views::Entity::find()
        .filter(learning_views::Column::SessionHash.eq(session_hash))
        .filter(learning_views::Column::ClosedAt.is_null())
        .all(db)
        .await?;
    for v in open {
        let credited = credit_on_close(&v, now);
        learning_views::Entity::update_many()
            .col_expr(
                learning_views::Column::CreditedSeconds,
                Expr::value(credited),
            )
            .col_expr(learning_views::Column::ClosedAt, Expr::value(now))
            .filter(learning_views::Column::Id.eq(v.id))
            .filter(learning_views::Column::ClosedAt.is_null())
            .exec(db)
            .await?;
    }
    Ok(())
}

/// Closes the session's open view (crediting its time) and opens one for this page. Returns the new
/// view's id, for the page's heartbeat.
///
/// # Errors
/// When the database fails.
#[tracing::instrument(skip_all, fields(user_id))]
pub async fn open_view(
    writer: &Writer,
    user_id: i32,
    session_token: &str,
    viewed: Viewed<'_>,
    now: DateTime<Utc>,
) -> Result<i32, DbErr> {
    let session_hash = hash_token(session_token);
    let (module, lesson) = match viewed {
        Viewed::Lesson { module, lesson } => (module, Some(lesson.to_string())),
        Viewed::Quiz { module } => (module, None),
    };
    let row = learning_views::ActiveModel {
        user_id: Set(user_id),
        session_hash: Set(session_hash.clone()),
        module_slug: Set(module.to_string()),
        lesson_slug: Set(lesson),
        started_at: Set(now),
        last_beat_at: Set(None),
        beat_seconds: Set(0),
        credited_seconds: Set(0),
        closed_at: Set(None),
        ..Default::default()
    };
    writer
        .run(move |txn| {
            async move {
                close_open(txn, &session_hash, now).await?;
                let res = learning_views::Entity::insert(row).exec(txn).await?;
                Ok(res.last_insert_id)
            }
            .boxed()
        })
        .await
}

/// Whether this session has a view open (most requests: no, and then there is nothing to write).
async fn has_open_view(db: &impl ConnectionTrait, session_hash: &str) -> Result<bool, DbErr> {
    let open = learning_views::Entity::find()
        .select_only()
        .column(learning_views::Column::Id)
        .filter(learning_views::Column::SessionHash.eq(session_hash))
        .filter(learning_views::Column::ClosedAt.is_null())
        .into_tuple::<i32>()
        .one(db)
        .await?;
    Ok(open.is_some())
}

/// The learner did something else in this session: closes the open view, if any, crediting its time.
///
/// # Errors
/// When the database fails.
pub async fn close_open_view(
    writer: &Writer,
    session_token: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let session_hash = hash_token(session_token);
    if !has_open_view(writer.db(), &session_hash).await? {
        return Ok(());
    }
    writer
        .run(move |txn| async move { close_open(txn, &session_hash, now).await }.boxed())
        .await
}

/// What a heartbeat did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Beat {
    /// Counted: the view's credited seconds so far.
    Counted(i32),
    /// Not this session's open view (closed, another session's or unknown): nothing changed.
    Refused,
}

/// A heartbeat from an open lesson or quiz page: `visible_seconds` is what the page says it was
/// visible since its previous beat. Adds at most that, the time since the previous beat and
/// [`BEAT_MAX_SECONDS`], within the cap.
///
/// # Errors
/// When the database fails.
pub async fn heartbeat(
    writer: &Writer,
    user_id: i32,
    session_token: &str,
    view_id: i32,
    visible_seconds: i64,
    now: DateTime<Utc>,
) -> Result<Beat, DbErr> {
    let session_hash = hash_token(session_token);
    writer
        .run(move |txn| {
            async move {
                let Some(v) = learning_views::Entity::find_by_id(view_id)
                    .filter(learning_views::Column::UserId.eq(user_id))
                    .filter(learning_views::Column::SessionHash.eq(&session_hash))
                    .filter(learning_views::Column::ClosedAt.is_null())
                    .one(txn)
                    .await?
                else {
                    return Ok(Beat::Refused);
                };
                let since = (now - v.last_beat_at.unwrap_or(v.started_at)).num_seconds();
                let add = std::cmp::min(visible_seconds, since).clamp(0, BEAT_MAX_SECONDS);
                let total = clamp_seconds(i64::from(v.beat_seconds) + add);
                learning_views::Entity::update_many()
                    .col_expr(learning_views::Column::BeatSeconds, Expr::value(total))
                    .col_expr(learning_views::Column::CreditedSeconds, Expr::value(total))
                    .col_expr(learning_views::Column::LastBeatAt, Expr::value(now))
                    .filter(learning_views::Column::Id.eq(v.id))
                    .exec(txn)
                    .await?;
                Ok(Beat::Counted(total))
            }
            .boxed()
        })
        .await
}

/// Whole minutes of recorded learning time (seconds rounded down).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, serde::Serialize)]
pub struct Minutes(pub u32);

impl Minutes {
    fn from_seconds(s: i64) -> Self {
        Self(u32::try_from(std::cmp::max(s, 0) / 60).unwrap_or(u32::MAX))
    }

    /// "3 hours 40 minutes", "1 hour", "25 minutes", "0 minutes".
    pub fn in_words(self) -> String {
        let plural = |n: u32, one: &str, many: &str| {
            if n == 1 {
                format!("1 {one}")
            } else {
                format!("{n} {many}")
            }
        };
        match (self.0 / 60, self.0 % 60) {
            (0, m) => plural(m, "minute", "minutes"),
            (h, 0) => plural(h, "hour", "hours"),
            (h, m) => format!(
                "{} {}",
                plural(h, "hour", "hours"),
                plural(m, "minute", "minutes")
            ),
        }
    }

    /// Hours to one decimal place, rounded down (never more than was recorded): "3.6".
    pub fn hours_decimal(self) -> String {
        let tenths = self.0 / 6;
        format!("{}.{}", tenths / 10, tenths % 10)
    }
}

/// Learning time per module (by slug) and in total, for one learner.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LearnerTime {
    pub total: Minutes,
    pub modules: BTreeMap<String, Minutes>,
}

fn build(rows: Vec<(i32, String, i64)>) -> BTreeMap<i32, LearnerTime> {
    let mut seconds: BTreeMap<i32, (i64, BTreeMap<String, i64>)> = BTreeMap::new();
    for (user, module, s) in rows {
        let e = seconds.entry(user).or_default();
        e.0 += s;
        *e.1.entry(module).or_default() += s;
    }
    seconds
        .into_iter()
        .map(|(user, (total, modules))| {
            (
                user,
                LearnerTime {
                    total: Minutes::from_seconds(total),
                    modules: modules
                        .into_iter()
                        .map(|(m, s)| (m, Minutes::from_seconds(s)))
                        .collect(),
                },
            )
        })
        .collect()
}

/// Whose learning time to sum.
enum Whose<'a> {
    Users(&'a [i32]),
    Org(i32),
}

async fn seconds_by_module(
    db: &impl ConnectionTrait,
    whose: Whose<'_>,
) -> Result<Vec<(i32, String, i64)>, DbErr> {
    let mut q = learning_views::Entity::find()
        .select_only()
        .column(learning_views::Column::UserId)
        .column(learning_views::Column::ModuleSlug)
        .column_as(
            Expr::col(learning_views::Column::CreditedSeconds).sum(),
            "seconds",
        )
        .filter(learning_views::Column::CreditedSeconds.gt(0))
        .group_by(learning_views::Column::UserId)
        .group_by(learning_views::Column::ModuleSlug);
    match whose {
        Whose::Users(ids) => {
            if ids.is_empty() {
                return Ok(Vec::new());
            }
            q = q.filter(learning_views::Column::UserId.is_in(ids.iter().copied()));
        }
        Whose::Org(org) => {
            q = q.filter(
                Expr::col(learning_views::Column::UserId)
                    .in_subquery(crate::services::organisations::member_user_ids(org)),
            );
        }
    }
    q.into_tuple::<(i32, String, i64)>().all(db).await
}

/// One learner's recorded learning time, per module and in total.
///
/// # Errors
/// When the database fails.
pub async fn for_user(db: &impl ConnectionTrait, user_id: i32) -> Result<LearnerTime, DbErr> {
    Ok(
        build(seconds_by_module(db, Whose::Users(&[user_id])).await?)
            .remove(&user_id)
            .unwrap_or_default(),
    )
}

/// The dashboard is the learner's next action: closes the session's open view, then gives
/// their recorded learning time.
///
/// # Errors
/// When the database fails.
pub async fn dashboard_visit(
    writer: &Writer,
    session_token: &str,
    user_id: i32,
    now: DateTime<Utc>,
) -> Result<LearnerTime, DbErr> {
    close_open_view(writer, session_token, now).await?;
    for_user(writer.db(), user_id).await
}

/// Recorded learning time of these learners (those with none are absent).
///
/// # Errors
/// When the database fails.
pub async fn for_users(
    db: &impl ConnectionTrait,
    user_ids: &[i32],
) -> Result<BTreeMap<i32, LearnerTime>, DbErr> {
    Ok(build(seconds_by_module(db, Whose::Users(user_ids)).await?))
}

/// Recorded learning time of every member of an organisation, per module and in total. Members
/// with none recorded are absent.
///
/// # Errors
/// When the database fails.
pub async fn for_org(
    db: &impl ConnectionTrait,
    org_id: i32,
) -> Result<BTreeMap<i32, LearnerTime>, DbErr> {
    Ok(build(seconds_by_module(db, Whose::Org(org_id)).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minutes_read_as_hours_and_minutes() {
        assert_eq!(Minutes(220).in_words(), "3 hours 40 minutes");
        assert_eq!(Minutes(60).in_words(), "1 hour");
        assert_eq!(Minutes(61).in_words(), "1 hour 1 minute");
        assert_eq!(Minutes(1).in_words(), "1 minute");
        assert_eq!(Minutes(0).in_words(), "0 minutes");
    }

    #[test]
    fn decimal_hours_are_rounded_down() {
        assert_eq!(Minutes(220).hours_decimal(), "3.6");
        assert_eq!(Minutes(5).hours_decimal(), "0.0");
        assert_eq!(Minutes(6).hours_decimal(), "0.1");
        assert_eq!(Minutes(120).hours_decimal(), "2.0");
    }

    fn view(started: i64, beat: Option<(i64, i32)>) -> learning_views::Model {
        let t0 = DateTime::<Utc>::UNIX_EPOCH;
        learning_views::Model {
            id: 1,
            user_id: 1,
            session_hash: String::new(),
            module_slug: "m".into(),
            lesson_slug: None,
            started_at: t0 + chrono::Duration::seconds(started),
            last_beat_at: beat.map(|(at, _)| t0 + chrono::Duration::seconds(at)),
            beat_seconds: beat.map_or(0, |(_, s)| s),
            credited_seconds: 0,
            closed_at: None,
        }
    }

    fn at(s: i64) -> DateTime<Utc> {
        DateTime::<Utc>::UNIX_EPOCH + chrono::Duration::seconds(s)
    }

    #[test]
    fn a_view_without_heartbeats_counts_until_the_next_action_up_to_the_cap() {
        assert_eq!(credit_on_close(&view(0, None), at(300)), 300);
        assert_eq!(credit_on_close(&view(0, None), at(86_400)), 1200);
    }

    #[test]
    fn a_view_with_heartbeats_counts_only_a_short_tail_after_the_last_beat() {
        // Beats vouched for 90 s, the last one 10 minutes ago (the page was hidden since).
        assert_eq!(credit_on_close(&view(0, Some((100, 90))), at(700)), 150);
        assert_eq!(credit_on_close(&view(0, Some((100, 1190))), at(700)), 1200);
    }
}
