//! Learners' progress: lesson visits and completions, with the module and course percentages
//! stored and updated in the same transaction, so pages and reports never recount from scratch.
use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use futures_util::FutureExt;
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, TransactionTrait,
    sea_query::{Expr, OnConflict},
};

use crate::course::{Course, Lesson, Module};
use crate::entities::{enrolments, lesson_progress, module_progress};

/// Minutes a quiz is expected to take, for "time left" estimates.
pub const QUIZ_MINUTES: u32 = 10;

/// Creates the learner's enrolment if there is none.
///
/// # Errors
/// When the database fails.
pub async fn enrol(
    db: &impl ConnectionTrait,
    course_slug: &str,
    user_id: i32,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    enrolments::Entity::insert(enrolments::ActiveModel {
        user_id: Set(user_id),
        course_slug: Set(course_slug.to_string()),
        started_at: Set(now),
        progress_percent: Set(0),
        items_completed: Set(0),
        last_module: Set(None),
        last_lesson: Set(None),
        last_activity_at: Set(now),
        completed_at: Set(None),
        ..Default::default()
    })
    .on_conflict_do_nothing_on([enrolments::Column::UserId, enrolments::Column::CourseSlug])
    .exec_without_returning(db)
    .await?;
    Ok(())
}

fn new_lesson_row(
    user_id: i32,
    module: &str,
    lesson: &str,
    now: DateTime<Utc>,
    completed: bool,
) -> lesson_progress::ActiveModel {
    lesson_progress::ActiveModel {
        user_id: Set(user_id),
        module_slug: Set(module.to_string()),
        lesson_slug: Set(lesson.to_string()),
        first_viewed_at: Set(now),
        last_viewed_at: Set(now),
        completed_at: Set(completed.then_some(now)),
        ..Default::default()
    }
}

const LESSON_KEY: [lesson_progress::Column; 3] = [
    lesson_progress::Column::UserId,
    lesson_progress::Column::ModuleSlug,
    lesson_progress::Column::LessonSlug,
];

/// How precisely "last viewed" and "last active" follow repeat visits to the same lesson.
pub const VISIT_PRECISION: chrono::Duration = chrono::Duration::minutes(5);

/// What [`record_visit`] found: when the lesson was completed (if it was), and since when "last
/// viewed" and "last active" have held (the earlier of the two: `now` when the visit was written).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Visited {
    pub completed_at: Option<DateTime<Utc>>,
    pub recorded_at: DateTime<Utc>,
}

/// Records that the learner opened a lesson (the one side effect a GET may have) and makes it
/// the resume point. Returns whether the lesson is already complete.
///
/// # Errors
/// When the database fails.
#[tracing::instrument(skip_all, fields(user_id))]
pub async fn record_visit(
    writer: &crate::db::Writer,
    course: &Course,
    user_id: i32,
    module: &Module,
    lesson: &Lesson,
    now: DateTime<Utc>,
) -> Result<Visited, DbErr> {
    // A repeat visit to the lesson the learner is already on, within a few minutes, changes nothing
    // worth a disk write: the resume point is the same and "last viewed" is kept to within
    // VISIT_PRECISION. One read (the lesson row joined to the enrolment) decides, which keeps page
    // loads off the single SQLite writer.
    let db = writer.db();
    {
        use sea_orm::sea_query::{ExprTrait, JoinType, Query};
        let mut q = Query::select();
        q.column((
            lesson_progress::Entity,
            lesson_progress::Column::LastViewedAt,
        ))
        .column((
            lesson_progress::Entity,
            lesson_progress::Column::CompletedAt,
        ))
        .column((enrolments::Entity, enrolments::Column::LastModule))
        .column((enrolments::Entity, enrolments::Column::LastLesson))
        .column((enrolments::Entity, enrolments::Column::LastActivityAt))
        .from(lesson_progress::Entity)
        .join(
            JoinType::InnerJoin,
            enrolments::Entity,
            Expr::col((enrolments::Entity, enrolments::Column::UserId))
                .equals((lesson_progress::Entity, lesson_progress::Column::UserId))
                .and(
                    Expr::col((enrolments::Entity, enrolments::Column::CourseSlug))
                        .eq(course.slug.as_str()),
                ),
        )
        .and_where(
            Expr::col((lesson_progress::Entity, lesson_progress::Column::UserId)).eq(user_id),
        )
        .and_where(
            Expr::col((lesson_progress::Entity, lesson_progress::Column::ModuleSlug))
                .eq(module.slug.as_str()),
        )
        .and_where(
            Expr::col((lesson_progress::Entity, lesson_progress::Column::LessonSlug))
                .eq(lesson.slug.as_str()),
        );
        if let Some(r) = db
            .query_one_raw(db.get_database_backend().build(&q))
            .await?
        {
            let viewed: DateTime<Utc> = r.try_get("", "last_viewed_at")?;
            let active: DateTime<Utc> = r.try_get("", "last_activity_at")?;
            let last_module: Option<String> = r.try_get("", "last_module")?;
            let last_lesson: Option<String> = r.try_get("", "last_lesson")?;
            if now - viewed < VISIT_PRECISION
                && now - active < VISIT_PRECISION
                && last_module.as_deref() == Some(module.slug.as_str())
                && last_lesson.as_deref() == Some(lesson.slug.as_str())
            {
                return Ok(Visited {
                    completed_at: r.try_get("", "completed_at")?,
                    recorded_at: std::cmp::min(viewed, active),
                });
            }
        }
    }
    let (course_slug, module_slug, lesson_slug) = (
        course.slug.clone(),
        module.slug.clone(),
        lesson.slug.clone(),
    );
    let completed_at = writer
        .run(move |txn| {
            write_visit(txn, course_slug, module_slug, lesson_slug, user_id, now).boxed()
        })
        .await?;
    Ok(Visited {
        completed_at,
        recorded_at: now,
    })
}

/// The write part of [`record_visit`]: the lesson row, the resume point and last activity.
async fn write_visit(
    txn: &impl ConnectionTrait,
    course_slug: String,
    module_slug: String,
    lesson_slug: String,
    user_id: i32,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, DbErr> {
    let filter = Condition::all()
        .add(lesson_progress::Column::UserId.eq(user_id))
        .add(lesson_progress::Column::ModuleSlug.eq(&module_slug))
        .add(lesson_progress::Column::LessonSlug.eq(&lesson_slug));
    lesson_progress::Entity::insert(new_lesson_row(
        user_id,
        &module_slug,
        &lesson_slug,
        now,
        false,
    ))
    .on_conflict_do_nothing_on(LESSON_KEY)
    .exec_without_returning(txn)
    .await?;
    lesson_progress::Entity::update_many()
        .col_expr(lesson_progress::Column::LastViewedAt, Expr::value(now))
        .filter(filter.clone())
        .exec(txn)
        .await?;
    enrol(txn, &course_slug, user_id, now).await?;
    enrolments::Entity::update_many()
        .col_expr(enrolments::Column::LastModule, Expr::value(module_slug))
        .col_expr(enrolments::Column::LastLesson, Expr::value(lesson_slug))
        .col_expr(enrolments::Column::LastActivityAt, Expr::value(now))
        .filter(enrolments::Column::UserId.eq(user_id))
        .filter(enrolments::Column::CourseSlug.eq(&course_slug))
        .exec(txn)
        .await?;
    Ok(lesson_progress::Entity::find()
        .filter(filter)
        .one(txn)
        .await?
        .and_then(|r| r.completed_at))
}

/// Marks a lesson complete (idempotent) and updates the stored module and course percentages.
///
/// # Errors
/// When the database fails.
#[tracing::instrument(skip_all, fields(user_id))]
pub async fn complete_lesson(
    db: &DatabaseConnection,
    course: &Course,
    user_id: i32,
    module: &Module,
    lesson: &Lesson,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let txn = db.begin_with_options(crate::db::WRITE).await?;
    lesson_progress::Entity::insert(new_lesson_row(
        user_id,
        &module.slug,
        &lesson.slug,
        now,
        true,
    ))
    .on_conflict_do_nothing_on(LESSON_KEY)
    .exec_without_returning(&txn)
    .await?;
    lesson_progress::Entity::update_many()
        .col_expr(lesson_progress::Column::CompletedAt, Expr::value(now))
        .filter(lesson_progress::Column::UserId.eq(user_id))
        .filter(lesson_progress::Column::ModuleSlug.eq(&module.slug))
        .filter(lesson_progress::Column::LessonSlug.eq(&lesson.slug))
        .filter(lesson_progress::Column::CompletedAt.is_null())
        .exec(&txn)
        .await?;
    enrol(&txn, &course.slug, user_id, now).await?;
    refresh_module(&txn, course, user_id, module, now).await?;
    txn.commit().await?;
    Ok(())
}

/// Recomputes one module's stored progress from its lesson rows and quiz state, then the course's.
/// Call inside the transaction that changed them.
///
/// # Errors
/// When the database fails.
pub async fn refresh_module(
    txn: &impl ConnectionTrait,
    course: &Course,
    user_id: i32,
    module: &Module,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let rows = module_rows(txn, user_id).await?;
    refresh_module_given(txn, course, (user_id, rows), module, now).await
}

/// [`refresh_module`] given the learner's module rows as they stand in this transaction (read
/// or written by the caller in it), so that neither the module's row nor the course's are read
/// again.
///
/// # Errors
/// When the database fails.
pub(crate) async fn refresh_module_given(
    txn: &impl ConnectionTrait,
    course: &Course,
    (user_id, mut rows): (i32, Vec<module_progress::Model>),
    module: &Module,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let lesson_slugs: Vec<&str> = module.lessons.iter().map(|l| l.slug.as_str()).collect();
    let done = lesson_progress::Entity::find()
        .filter(lesson_progress::Column::UserId.eq(user_id))
        .filter(lesson_progress::Column::ModuleSlug.eq(&module.slug))
        .filter(lesson_progress::Column::LessonSlug.is_in(lesson_slugs))
        .filter(lesson_progress::Column::CompletedAt.is_not_null())
        .count(txn)
        .await?;
    let done = i32::try_from(done).unwrap_or(i32::MAX);
    let existing = rows.iter_mut().find(|r| r.module_slug == module.slug);
    let passed = existing
        .as_ref()
        .is_some_and(|m| m.quiz_passed_at.is_some());
    let steps_done = done + i32::from(passed);
    let percent = percent(steps_done, module.total_steps());
    let all_done = usize::try_from(done).unwrap_or(0) >= module.lessons.len() && passed;
    match existing {
        Some(row) => {
            let completed_at = if all_done {
                row.completed_at.or(Some(now))
            } else {
                None
            };
            if all_done && row.completed_at.is_none() {
                crate::services::webhooks::emit(
                    txn,
                    user_id,
                    crate::services::webhooks::EventKind::ModuleCompleted,
                    &format!("{user_id}:{}:{}", module.slug, now.timestamp()),
                    serde_json::json!({
                        "user_id": user_id,
                        "course": course.slug,
                        "module": module.slug,
                        "module_number": module.number,
                        "best_score": row.best_score,
                        "completed_at": now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    }),
                    now,
                )
                .await?;
            }
            module_progress::Entity::update_many()
                .col_expr(module_progress::Column::LessonsCompleted, Expr::value(done))
                .col_expr(
                    module_progress::Column::ProgressPercent,
                    Expr::value(percent),
                )
                .col_expr(
                    module_progress::Column::CompletedAt,
                    Expr::value(completed_at),
                )
                .col_expr(module_progress::Column::UpdatedAt, Expr::value(now))
                .filter(module_progress::Column::Id.eq(row.id))
                .exec(txn)
                .await?;
            row.lessons_completed = done;
            row.progress_percent = percent;
            row.completed_at = completed_at;
            row.updated_at = now;
        }
        None => {
            let row = module_progress::Entity::insert(module_progress::ActiveModel {
                user_id: Set(user_id),
                module_slug: Set(module.slug.clone()),
                lessons_completed: Set(done),
                progress_percent: Set(percent),
                best_score: Set(None),
                attempts: Set(0),
                quiz_passed_at: Set(None),
                completed_at: Set(None),
                updated_at: Set(now),
                ..Default::default()
            })
            .exec_with_returning(txn)
            .await?;
            rows.push(row);
        }
    }
    refresh_enrolment_given(txn, course, user_id, &rows, now).await
}

/// Recomputes the stored course percentage from the stored module rows.
///
/// # Errors
/// When the database fails.
pub async fn refresh_enrolment(
    txn: &impl ConnectionTrait,
    course: &Course,
    user_id: i32,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let rows = module_rows(txn, user_id).await?;
    refresh_enrolment_given(txn, course, user_id, &rows, now).await
}

/// [`refresh_enrolment`] from the learner's module rows as they stand in this transaction. The
/// enrolment itself is read only when the course is complete (to keep its first completion time
/// and to tell a new completion from an old one).
async fn refresh_enrolment_given(
    txn: &impl ConnectionTrait,
    course: &Course,
    user_id: i32,
    rows: &[module_progress::Model],
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let by_slug: HashMap<&str, &module_progress::Model> =
        rows.iter().map(|r| (r.module_slug.as_str(), r)).collect();
    let mut items = 0i32;
    let mut all_complete = true;
    for m in &course.modules {
        match by_slug.get(m.slug.as_str()) {
            Some(r) => {
                let lessons = r
                    .lessons_completed
                    .min(i32::try_from(m.lessons.len()).unwrap_or(i32::MAX));
                items += lessons + i32::from(r.quiz_passed_at.is_some());
                all_complete &= r.completed_at.is_some();
            }
            None => all_complete = false,
        }
    }
    let pct = percent(items, course.total_steps());
    let completed_at = if all_complete {
        let current = enrolments::Entity::find()
            .filter(enrolments::Column::UserId.eq(user_id))
            .filter(enrolments::Column::CourseSlug.eq(&course.slug))
            .one(txn)
            .await?;
        let first = current.as_ref().and_then(|c| c.completed_at);
        if first.is_none() {
            crate::services::webhooks::emit(
                txn,
                user_id,
                crate::services::webhooks::EventKind::CourseCompleted,
                &format!("{user_id}:{}:{}", course.slug, now.timestamp()),
                serde_json::json!({
                    "user_id": user_id,
                    "course": course.slug,
                    "completed_at": now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                }),
                now,
            )
            .await?;
        }
        crate::services::certificates::issue_if_due(txn, course, user_id, now).await?;
        first.or(Some(now))
    } else {
        None
    };
    enrolments::Entity::update_many()
        .col_expr(enrolments::Column::ItemsCompleted, Expr::value(items))
        .col_expr(enrolments::Column::ProgressPercent, Expr::value(pct))
        .col_expr(enrolments::Column::CompletedAt, Expr::value(completed_at))
        .col_expr(enrolments::Column::LastActivityAt, Expr::value(now))
        .filter(enrolments::Column::UserId.eq(user_id))
        .filter(enrolments::Column::CourseSlug.eq(&course.slug))
        .exec(txn)
        .await?;
    Ok(())
}

/// Whole percent, rounded down, so 100% means everything is done.
pub fn percent(done: i32, total: usize) -> i32 {
    if total == 0 {
        return 0;
    }
    let total = i64::try_from(total).unwrap_or(i64::MAX);
    let done = i64::from(done.max(0)).min(total);
    i32::try_from(done * 100 / total).unwrap_or(100)
}

/// One module as the learner stands in it.
#[derive(Debug, Clone)]
pub struct ModuleStatus {
    pub percent: i32,
    pub lessons_completed: usize,
    pub best_score: Option<i32>,
    pub attempts: i32,
    pub passed: bool,
    pub completed: bool,
}

/// Where the learner should go next.
#[derive(Debug, Clone)]
pub enum NextStep {
    Lesson { module: usize, lesson: usize },
    Quiz { module: usize },
    Finished,
}

/// Everything the dashboard needs: stored percentages, per-module status and the resume point.
#[derive(Debug, Clone)]
pub struct Overview {
    pub percent: i32,
    pub started: bool,
    pub completed_at: Option<DateTime<Utc>>,
    pub modules: Vec<ModuleStatus>,
    pub next: NextStep,
    pub minutes_left: u32,
}

/// The learner's completed lessons, as (module, lesson) slugs.
///
/// # Errors
/// When the database fails.
pub async fn completed_lessons(
    db: &impl ConnectionTrait,
    user_id: i32,
) -> Result<HashSet<(String, String)>, DbErr> {
    Ok(lesson_progress::Entity::find()
        .filter(lesson_progress::Column::UserId.eq(user_id))
        .filter(lesson_progress::Column::CompletedAt.is_not_null())
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.module_slug, r.lesson_slug))
        .collect())
}

/// The lessons the learner has opened but not marked as complete, in course order, as
/// (module index, lesson index).
///
/// # Errors
/// When the database fails.
pub async fn open_lessons(
    db: &impl ConnectionTrait,
    course: &Course,
    user_id: i32,
) -> Result<Vec<(usize, usize)>, DbErr> {
    let open: HashSet<(String, String)> = lesson_progress::Entity::find()
        .filter(lesson_progress::Column::UserId.eq(user_id))
        .filter(lesson_progress::Column::CompletedAt.is_null())
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.module_slug, r.lesson_slug))
        .collect();
    let mut found = Vec::new();
    for (mi, m) in course.modules.iter().enumerate() {
        for (li, l) in m.lessons.iter().enumerate() {
            if open.contains(&(m.slug.clone(), l.slug.clone())) {
                found.push((mi, li));
            }
        }
    }
    Ok(found)
}

/// Lesson rows for one module, by lesson slug.
///
/// # Errors
/// When the database fails.
pub async fn module_lessons(
    db: &impl ConnectionTrait,
    user_id: i32,
    module_slug: &str,
) -> Result<HashMap<String, lesson_progress::Model>, DbErr> {
    Ok(lesson_progress::Entity::find()
        .filter(lesson_progress::Column::UserId.eq(user_id))
        .filter(lesson_progress::Column::ModuleSlug.eq(module_slug))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.lesson_slug.clone(), r))
        .collect())
}

/// The learner's stored module rows (one per module begun), in no particular order.
///
/// # Errors
/// When the database fails.
pub async fn module_rows(
    db: &impl ConnectionTrait,
    user_id: i32,
) -> Result<Vec<module_progress::Model>, DbErr> {
    module_progress::Entity::find()
        .filter(module_progress::Column::UserId.eq(user_id))
        .all(db)
        .await
}

/// The stored status of every module for a learner.
///
/// # Errors
/// When the database fails.
pub async fn module_statuses(
    db: &impl ConnectionTrait,
    course: &Course,
    user_id: i32,
) -> Result<Vec<ModuleStatus>, DbErr> {
    Ok(statuses_from(course, &module_rows(db, user_id).await?))
}

/// Every module's status, in course order, from the learner's module rows.
pub fn statuses_from(course: &Course, rows: &[module_progress::Model]) -> Vec<ModuleStatus> {
    let by_slug: HashMap<&str, &module_progress::Model> =
        rows.iter().map(|r| (r.module_slug.as_str(), r)).collect();
    course
        .modules
        .iter()
        .map(|m| match by_slug.get(m.slug.as_str()) {
            Some(r) => ModuleStatus {
                percent: r.progress_percent,
                lessons_completed: usize::try_from(r.lessons_completed)
                    .unwrap_or(0)
                    .min(m.lessons.len()),
                best_score: r.best_score,
                attempts: r.attempts,
                passed: r.quiz_passed_at.is_some(),
                completed: r.completed_at.is_some(),
            },
            None => ModuleStatus {
                percent: 0,
                lessons_completed: 0,
                best_score: None,
                attempts: 0,
                passed: false,
                completed: false,
            },
        })
        .collect()
}

/// The dashboard's data for one learner.
///
/// # Errors
/// When the database fails.
pub async fn overview(
    db: &DatabaseConnection,
    course: &Course,
    user_id: i32,
) -> Result<Overview, DbErr> {
    let enrolment = enrolments::Entity::find()
        .filter(enrolments::Column::UserId.eq(user_id))
        .filter(enrolments::Column::CourseSlug.eq(&course.slug))
        .one(db)
        .await?;
    let modules = module_statuses(db, course, user_id).await?;
    let done = completed_lessons(db, user_id).await?;
    let last = enrolment
        .as_ref()
        .and_then(|e| Some((e.last_module.clone()?, e.last_lesson.clone()?)));
    let next = next_step(
        course,
        &modules,
        &done,
        last.as_ref().map(|(m, l)| (m.as_str(), l.as_str())),
    );
    let mut minutes_left = 0;
    for (m, status) in course.modules.iter().zip(&modules) {
        for l in &m.lessons {
            if !done.contains(&(m.slug.clone(), l.slug.clone())) {
                minutes_left += l.minutes;
            }
        }
        if !status.passed {
            minutes_left += QUIZ_MINUTES;
        }
    }
    Ok(Overview {
        percent: enrolment.as_ref().map_or(0, |e| e.progress_percent),
        started: last.is_some() || !done.is_empty(),
        completed_at: enrolment.and_then(|e| e.completed_at),
        modules,
        next,
        minutes_left,
    })
}

/// The resume point: the last lesson opened if it is not finished; otherwise the next unfinished
/// step after it (a lesson, or the module's quiz once its lessons are done), in course order.
pub fn next_step(
    course: &Course,
    modules: &[ModuleStatus],
    done: &HashSet<(String, String)>,
    last: Option<(&str, &str)>,
) -> NextStep {
    let is_done = |m: &Module, l: &Lesson| done.contains(&(m.slug.clone(), l.slug.clone()));
    let mut steps = Vec::new();
    for (mi, m) in course.modules.iter().enumerate() {
        for (li, l) in m.lessons.iter().enumerate() {
            steps.push((
                NextStep::Lesson {
                    module: mi,
                    lesson: li,
                },
                is_done(m, l),
            ));
        }
        let passed = modules.get(mi).is_some_and(|s| s.passed);
        steps.push((NextStep::Quiz { module: mi }, passed));
    }
    let start = last
        .and_then(|(ms, ls)| {
            let mi = course.modules.iter().position(|m| m.slug == ms)?;
            let li = course.modules[mi].lesson_index(ls)?;
            steps
                .iter()
                .position(|(s, _)| matches!(s, NextStep::Lesson { module, lesson } if *module == mi && *lesson == li))
        })
        .unwrap_or(0);
    let after = steps[start..].iter().chain(steps[..start].iter());
    after
        .filter(|(_, finished)| !finished)
        .map(|(s, _)| s.clone())
        .next()
        .unwrap_or(NextStep::Finished)
}

const FINGERPRINT_KEY: &str = "course_fingerprint";

/// After the course files change (a lesson added or removed), recomputes every learner's stored
/// percentages so they match the new course. Learners' records are keyed by stable ids, so nothing is lost.
///
/// # Errors
/// When the database fails.
pub async fn reconcile_course(
    db: &DatabaseConnection,
    course: &Course,
    clock: &crate::clock::Clock,
) -> Result<(), DbErr> {
    use crate::entities::app_secrets;
    use sea_orm::QuerySelect;
    let stored = app_secrets::Entity::find_by_id(FINGERPRINT_KEY.to_string())
        .one(db)
        .await?;
    if stored
        .as_ref()
        .is_some_and(|s| s.value == course.fingerprint)
    {
        return Ok(());
    }
    let users: Vec<i32> = enrolments::Entity::find()
        .select_only()
        .column(enrolments::Column::UserId)
        .filter(enrolments::Column::CourseSlug.eq(&course.slug))
        .into_tuple()
        .all(db)
        .await?;
    let now = clock.now();
    // A few hundred learners per transaction: one disk sync per batch, not per learner.
    for batch in users.chunks(250) {
        let txn = db.begin_with_options(crate::db::WRITE).await?;
        for user_id in batch {
            for module in &course.modules {
                refresh_module(&txn, course, *user_id, module, now).await?;
            }
        }
        txn.commit().await?;
    }
    app_secrets::Entity::insert(app_secrets::ActiveModel {
        name: Set(FINGERPRINT_KEY.to_string()),
        value: Set(course.fingerprint.clone()),
        created_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(app_secrets::Column::Name)
            .update_columns([app_secrets::Column::Value, app_secrets::Column::CreatedAt])
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    if !users.is_empty() {
        tracing::info!(
            learners = users.len(),
            "the course changed: stored progress recomputed"
        );
    }
    Ok(())
}
