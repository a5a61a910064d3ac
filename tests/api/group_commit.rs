//! Quiz submissions that arrive together: on SQLite one writer commits them in shared
//! transactions (group commit), on PostgreSQL each in its own. Either way every acknowledged
//! attempt is stored exactly once, with the learner's progress counted once per attempt.
use std::collections::HashSet;

use futures_util::future::join_all;
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::helpers::*;
use deepdive::entities::{module_progress, quiz_attempts};

const M1: &str = "ai-fundamentals";

async fn app_with_fixture(settings: &str) -> (TestApp, tempfile::TempDir) {
    let course = course_with_fixture_quiz(settings);
    let path = course.path().to_path_buf();
    let app = spawn_app_with(move |s| s.course_dir = path).await;
    (app, course)
}

async fn attempts_of(app: &TestApp, email: &str) -> (u64, i32) {
    let user = app.user(email).await;
    let stored = quiz_attempts::Entity::find()
        .filter(quiz_attempts::Column::UserId.eq(user.id))
        .count(&app.db)
        .await
        .unwrap();
    let counted = module_progress::Entity::find()
        .filter(module_progress::Column::UserId.eq(user.id))
        .filter(module_progress::Column::ModuleSlug.eq(M1))
        .one(&app.db)
        .await
        .unwrap()
        .map_or(0, |p| p.attempts);
    (stored, counted)
}

#[tokio::test]
async fn submissions_posted_at_once_by_many_learners_are_each_stored_exactly_once() {
    let app = spawn_app().await;
    let mut learners = Vec::new();
    for _ in 0..8 {
        let browser = app.other_browser();
        let email = browser.new_learner().await;
        // Two attempts each, opened before any is posted: a learner's two writes may share a batch.
        let mut bodies = Vec::new();
        for right in [3, 8] {
            let form = browser.open_quiz(M1).await;
            bodies.push(browser.quiz_fields(M1, &form, right, &[]).await);
        }
        learners.push((browser, email, bodies));
    }

    let posts = learners.iter().flat_map(|(browser, _, bodies)| {
        bodies.iter().map(move |body| browser.post_quiz(M1, body))
    });
    let responses = join_all(posts).await;

    let mut reviews = HashSet::new();
    for r in &responses {
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        reviews.insert(location(r));
    }
    assert_eq!(reviews.len(), 16, "one review per attempt");
    let stored = quiz_attempts::Entity::find().all(&app.db).await.unwrap();
    assert_eq!(stored.len(), 16);
    for a in &stored {
        assert!(reviews.contains(&format!("/attempts/{}", a.public_id)));
    }
    for (browser, email, _) in &learners {
        assert_eq!(attempts_of(browser, email).await, (2, 2), "{email}");
    }
}

#[tokio::test]
async fn the_same_form_posted_many_times_at_once_stores_one_attempt_and_every_answer_names_it() {
    let app = spawn_app().await;
    let email = app.new_learner().await;
    let form = app.open_quiz(M1).await;
    let body = app.quiz_fields(M1, &form, 7, &[]).await;

    let responses = join_all((0..6).map(|_| app.post_quiz(M1, &body))).await;

    let reviews: HashSet<String> = responses
        .iter()
        .map(|r| {
            assert_eq!(r.status(), StatusCode::SEE_OTHER);
            location(r)
        })
        .collect();
    assert_eq!(reviews.len(), 1, "every response is the one stored attempt");
    assert_eq!(attempts_of(&app, &email).await, (1, 1));
}

#[tokio::test]
async fn with_one_attempt_allowed_two_forms_posted_at_once_store_exactly_one() {
    let (app, _course) = app_with_fixture("questions_per_attempt = 5\nattempts_allowed = 1").await;
    let email = app.new_learner().await;
    let first = app.open_quiz(M1).await;
    let first = app.quiz_fields(M1, &first, 5, &[]).await;
    let second = app.open_quiz(M1).await;
    let second = app.quiz_fields(M1, &second, 5, &[]).await;

    let (a, b) = tokio::join!(app.post_quiz(M1, &first), app.post_quiz(M1, &second));

    let mut statuses = [a.status(), b.status()];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::SEE_OTHER, StatusCode::FORBIDDEN]);
    assert_eq!(attempts_of(&app, &email).await, (1, 1));
}
