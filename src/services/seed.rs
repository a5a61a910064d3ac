//! Synthetic data for benchmarks: an organisation of N learners with realistic progress.
//! Every seeded learner shares one password hash (hashing N passwords would take minutes).
use chrono::{DateTime, Duration, Utc};
use sea_orm::{ActiveValue::Set, DatabaseConnection, EntityTrait, TransactionTrait};

use crate::course::Course;
use crate::domain::import::MemberRole;
use crate::entities::{
    confidence_ratings, enrolments, lesson_progress, module_progress, org_members, users,
};
use crate::services::{organisations, progress};

pub const PASSWORD: &str = "benchmark password";

/// A tiny deterministic generator, so two seeds of the same size are the same.
fn next(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

/// Creates organisation `slug` with `n` learners (`learner{i}@{slug}.example`) and an org admin
/// (`admin@{slug}.example`), all with the password [`PASSWORD`].
///
/// # Errors
/// When the database fails.
pub async fn seed(
    db: &DatabaseConnection,
    course: &Course,
    slug: &str,
    n: usize,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let hash =
        crate::services::auth::hash_password(secrecy::SecretString::from(PASSWORD.to_string()))
            .await?;
    let org = match organisations::by_slug(db, slug).await? {
        Some(o) => o,
        None => organisations::create(db, &format!("Benchmark Trust {slug}"), slug, now)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?,
    };
    let cohort = organisations::create_cohort(
        db,
        org.id,
        &format!("Cohort {}", now.timestamp()),
        now - Duration::weeks(3),
        true,
        now,
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let admin = users::Entity::insert(users::ActiveModel {
        email: Set(format!("admin@{slug}.example")),
        name: Set("Benchmark Admin".into()),
        password_hash: Set(hash.clone()),
        role: Set(crate::domain::Role::Learner),
        created_at: Set(now),
        disabled_at: Set(None),
        ..Default::default()
    })
    .on_conflict_do_nothing_on([users::Column::Email])
    .exec_without_returning(db)
    .await?;
    let _ = admin;
    if let Some(a) = crate::services::auth::find_by_email(
        db,
        &crate::domain::Email::parse(&format!("admin@{slug}.example"))
            .map_err(|e| anyhow::anyhow!(e))?,
    )
    .await?
    {
        organisations::add_member(db, org.id, a.id, MemberRole::OrgAdmin, None, now).await?;
    }
    let mut rng = 0x9E37_79B9_7F4A_7C15_u64;
    let steps: Vec<usize> = course.modules.iter().map(|m| m.lessons.len()).collect();
    for chunk_start in (0..n).step_by(500) {
        let txn = db.begin_with_options(crate::db::WRITE).await?;
        let end = (chunk_start + 500).min(n);
        let new_users: Vec<users::ActiveModel> = (chunk_start..end)
            .map(|i| users::ActiveModel {
                email: Set(format!("learner{i}@{slug}.example")),
                name: Set(format!("Learner {i:05}")),
                password_hash: Set(hash.clone()),
                role: Set(crate::domain::Role::Learner),
                created_at: Set(now),
                disabled_at: Set(None),
                ..Default::default()
            })
            .collect();
        users::Entity::insert_many(new_users)
            .exec_without_returning(&txn)
            .await?;
        let emails: Vec<String> = (chunk_start..end)
            .map(|i| format!("learner{i}@{slug}.example"))
            .collect();
        use sea_orm::{ColumnTrait, QueryFilter};
        let ids: Vec<i32> = users::Entity::find()
            .filter(users::Column::Email.is_in(emails))
            .all(&txn)
            .await?
            .into_iter()
            .map(|u| u.id)
            .collect();
        let mut members = Vec::new();
        let mut enrols = Vec::new();
        let mut mods = Vec::new();
        let mut ratings = Vec::new();
        let mut lessons_done = Vec::new();
        for id in ids {
            // How far this learner got: 0..=5 modules done, plus part of the next.
            let done = usize::try_from(next(&mut rng) % 7)
                .unwrap_or(0)
                .min(course.modules.len());
            let mut items = 0i32;
            for (mi, m) in course.modules.iter().enumerate() {
                let (lessons, passed) = if mi < done {
                    (steps[mi], true)
                } else if mi == done {
                    (
                        usize::try_from(next(&mut rng)).unwrap_or(0) % (steps[mi] + 1),
                        false,
                    )
                } else {
                    (0, false)
                };
                if lessons == 0 && !passed {
                    continue;
                }
                for l in m.lessons.iter().take(lessons) {
                    lessons_done.push(lesson_progress::ActiveModel {
                        user_id: Set(id),
                        module_slug: Set(m.slug.clone()),
                        lesson_slug: Set(l.slug.clone()),
                        first_viewed_at: Set(now),
                        last_viewed_at: Set(now),
                        completed_at: Set(Some(now)),
                        ..Default::default()
                    });
                }
                let lessons_i = i32::try_from(lessons).unwrap_or(0);
                items += lessons_i + i32::from(passed);
                let score = 60 + i32::try_from(next(&mut rng) % 41).unwrap_or(0);
                mods.push(module_progress::ActiveModel {
                    user_id: Set(id),
                    module_slug: Set(m.slug.clone()),
                    lessons_completed: Set(lessons_i),
                    progress_percent: Set(progress::percent(
                        lessons_i + i32::from(passed),
                        m.total_steps(),
                    )),
                    best_score: Set(passed.then_some(score.max(80))),
                    attempts: Set(i32::from(passed)),
                    quiz_passed_at: Set(passed.then_some(now)),
                    completed_at: Set(passed.then_some(now)),
                    updated_at: Set(now),
                    ..Default::default()
                });
            }
            // Most learners rate their confidence before starting; those who finish rate it again,
            // usually a little higher.
            let finished = done == course.modules.len();
            if next(&mut rng) % 10 < 8 {
                for st in &course.confidence {
                    let before = 1 + i32::try_from(next(&mut rng) % 3).unwrap_or(0);
                    let mut rate = |phase: &str, rating: i32| {
                        ratings.push(confidence_ratings::ActiveModel {
                            user_id: Set(id),
                            phase: Set(phase.into()),
                            statement_id: Set(st.id.clone()),
                            rating: Set(rating),
                            rated_at: Set(now),
                            ..Default::default()
                        });
                    };
                    rate("before", before);
                    if finished {
                        let gain = i32::try_from(next(&mut rng) % 3).unwrap_or(0);
                        rate("after", (before + gain).min(5));
                    }
                }
            }
            enrols.push(enrolments::ActiveModel {
                user_id: Set(id),
                course_slug: Set(course.slug.clone()),
                started_at: Set(now - Duration::weeks(3)),
                progress_percent: Set(progress::percent(items, course.total_steps())),
                items_completed: Set(items),
                last_module: Set(None),
                last_lesson: Set(None),
                last_activity_at: Set(
                    now - Duration::hours(i64::try_from(next(&mut rng) % 500).unwrap_or(0))
                ),
                completed_at: Set(finished.then_some(now)),
                ..Default::default()
            });
            members.push(org_members::ActiveModel {
                org_id: Set(org.id),
                user_id: Set(id),
                role: Set(crate::domain::MemberRole::Learner),
                cohort_id: Set(Some(cohort.id)),
                joined_at: Set(now),
                ..Default::default()
            });
        }
        org_members::Entity::insert_many(members)
            .exec_without_returning(&txn)
            .await?;
        enrolments::Entity::insert_many(enrols)
            .exec_without_returning(&txn)
            .await?;
        for chunk in mods.chunks(500) {
            module_progress::Entity::insert_many(chunk.to_vec())
                .exec_without_returning(&txn)
                .await?;
        }
        for chunk in lessons_done.chunks(500) {
            lesson_progress::Entity::insert_many(chunk.to_vec())
                .exec_without_returning(&txn)
                .await?;
        }
        for chunk in ratings.chunks(500) {
            confidence_ratings::Entity::insert_many(chunk.to_vec())
                .exec_without_returning(&txn)
                .await?;
        }
        txn.commit().await?;
    }
    use sea_orm::{ColumnTrait, QueryFilter};
    if let Some(first) = users::Entity::find()
        .filter(users::Column::Email.eq(format!("learner0@{slug}.example")))
        .one(db)
        .await?
    {
        crate::services::certificates::issue_if_due(db, course, first.id, now).await?;
    }
    Ok(())
}
