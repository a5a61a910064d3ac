//! What the learner's dashboard, module and lesson pages need, fetched in one place (so each
//! handler makes one call and a pure view model in `web::views::learner` shapes the page).
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::DbErr;

use crate::course::{Course, Lesson, Module};
use crate::db::Writer;
use crate::entities::{lesson_progress, organisations, worksheet_answers};
use crate::services::confidence::ConfidenceRecord;
use crate::services::learning_time::{self, LearnerTime, Viewed};
use crate::services::pacing::{self, LearnerCohort, ModuleDates};
use crate::services::progress::{self, ModuleStatus, Overview};
use crate::services::session_cache::{CachedSession, LessonMemo};
use crate::services::sessions::SignedIn;

/// Who is asking, and when.
pub struct Visit<'a> {
    pub user: &'a SignedIn,
    pub session_token: &'a str,
    pub now: DateTime<Utc>,
}

/// Everything on the dashboard.
pub struct DashboardParts {
    pub learning: LearnerTime,
    pub overview: Overview,
    pub administered: Vec<organisations::Model>,
    pub confidence: ConfidenceRecord,
    pub answers: HashMap<(String, String), worksheet_answers::Model>,
    pub cohort: Option<LearnerCohort>,
    pub dates: Vec<Option<ModuleDates>>,
    /// Lessons opened but not marked as complete, as (module, lesson) indexes.
    pub open_lessons: Vec<(usize, usize)>,
    /// The organisation named in `?joined=SLUG`, when the learner is one of its members.
    pub joined: Option<LearnerCohort>,
}

/// The dashboard: closes any open learning-time view, then reads progress, pacing and the rest.
///
/// # Errors
/// When the database fails.
pub async fn dashboard(
    writer: &Writer,
    course: &Course,
    visit: &Visit<'_>,
    joined_slug: Option<&str>,
) -> Result<DashboardParts, DbErr> {
    let user_id = visit.user.id;
    let db = writer.db();
    let learning =
        learning_time::dashboard_visit(writer, visit.session_token, user_id, visit.now).await?;
    let overview = progress::overview(db, course, user_id).await?;
    let administered = crate::services::organisations::administered_by(db, visit.user).await?;
    let confidence = crate::services::confidence::record(db, user_id).await?;
    let answers = crate::services::worksheets::all_answers(db, user_id).await?;
    let cohort = pacing::learner_cohort(db, user_id, None).await?;
    let dates = pacing::schedule(
        course,
        cohort.as_ref().and_then(|l| l.cohort.as_ref()),
        visit.now,
        pacing::zone_of(cohort.as_ref()),
    );
    let open_lessons = progress::open_lessons(db, course, user_id).await?;
    let joined = match joined_slug {
        Some(slug) => pacing::learner_cohort(db, user_id, Some(slug)).await?,
        None => None,
    };
    Ok(DashboardParts {
        learning,
        overview,
        administered,
        confidence,
        answers,
        cohort,
        dates,
        open_lessons,
        joined,
    })
}

/// Everything on a module page.
pub struct ModuleParts {
    pub lessons: HashMap<String, lesson_progress::Model>,
    pub status: Option<ModuleStatus>,
    pub worksheet_saved: HashMap<String, worksheet_answers::Model>,
    pub dates: Option<ModuleDates>,
    /// This module's lessons opened but not marked as complete, as (module, lesson) indexes.
    pub open_lessons: Vec<(usize, usize)>,
}

/// A module page: closes any open learning-time view, then reads this module's progress.
///
/// # Errors
/// When the database fails.
pub async fn module_page(
    writer: &Writer,
    course: &Course,
    module: &Module,
    visit: &Visit<'_>,
) -> Result<ModuleParts, DbErr> {
    let user_id = visit.user.id;
    let db = writer.db();
    learning_time::close_open_view(writer, visit.session_token, visit.now).await?;
    let lessons = progress::module_lessons(db, user_id, &module.slug).await?;
    let status = progress::module_statuses(db, course, user_id)
        .await?
        .into_iter()
        .nth(module.number - 1);
    let worksheet_saved =
        crate::services::worksheets::module_answers(db, user_id, &module.slug).await?;
    let lc = pacing::learner_cohort(db, user_id, None).await?;
    let dates = pacing::module_dates(
        lc.as_ref().and_then(|l| l.cohort.as_ref()),
        module.number,
        visit.now,
        pacing::zone_of(lc.as_ref()),
    );
    let open_lessons = progress::open_lessons(db, course, user_id)
        .await?
        .into_iter()
        .filter(|(mi, _)| *mi + 1 == module.number)
        .collect();
    Ok(ModuleParts {
        lessons,
        status,
        worksheet_saved,
        dates,
        open_lessons,
    })
}

/// A lesson's visit: when it was completed (if it was) and the learning-time view it opened.
pub struct LessonVisit {
    pub completed_at: Option<DateTime<Utc>>,
    pub view_id: i32,
}

/// Records the visit to a lesson and opens its learning-time view.
///
/// With `memo` (the session's cache entry and the memo's epoch when the request began): a reload of
/// the lesson this session last viewed, within a minute and with nothing else done in the session
/// since, is answered from the memo, without the database. Its view stays open and goes on counting
/// (a reload through the database would close it and open another: the credited time is the same),
/// and the visit is already recorded to within `progress::VISIT_PRECISION`.
///
/// # Errors
/// When the database fails.
pub async fn lesson_visit(
    writer: &Writer,
    course: &Course,
    module: &Module,
    lesson: &Lesson,
    visit: &Visit<'_>,
    memo: Option<(&CachedSession, u64)>,
) -> Result<LessonVisit, DbErr> {
    if let Some((cached, _)) = memo
        && let Some(m) = cached.lesson(&module.slug, &lesson.slug, visit.now)
    {
        return Ok(LessonVisit {
            completed_at: m.completed_at,
            view_id: m.view_id,
        });
    }
    let user_id = visit.user.id;
    let visited =
        progress::record_visit(writer, course, user_id, module, lesson, visit.now).await?;
    let completed_at = visited.completed_at;
    let view_id = learning_time::open_view(
        writer,
        user_id,
        visit.session_token,
        Viewed::Lesson {
            module: &module.slug,
            lesson: &lesson.slug,
        },
        visit.now,
    )
    .await?;
    if let Some((cached, epoch)) = memo {
        cached.remember_lesson(
            epoch,
            LessonMemo {
                module: module.slug.clone(),
                lesson: lesson.slug.clone(),
                view_id,
                opened_at: visit.now,
                recorded_at: visited.recorded_at,
                completed_at,
            },
        );
    }
    Ok(LessonVisit {
        completed_at,
        view_id,
    })
}
