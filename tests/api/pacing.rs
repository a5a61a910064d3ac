//! Weekly pacing reaches the learner: release and due dates on the dashboard and module pages, in
//! the organisation's time zone, and "Overdue" only once the due date has passed there.
use chrono::{NaiveDate, TimeZone, Utc};

use crate::helpers::*;
use deepdive::clock::Clock;
use deepdive::services::organisations as orgs;

/// A learner in a weekly cohort that started on Tuesday 24 November 2026, on a clock set to `now`.
async fn weekly_learner(now: chrono::DateTime<Utc>) -> (TestApp, TestApp) {
    let real = Clock::stopped();
    let app = spawn_app_on(real.clone(), |_| {}).await;
    app.clock.advance(now - app.clock.now());
    let org = orgs::create(&app.db, "Trust W", "trust-w", app.clock.now())
        .await
        .unwrap();
    let start = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
    let cohort = orgs::create_cohort(
        &app.db,
        org.id,
        "Winter wave",
        Utc.from_utc_datetime(&start.and_time(chrono::NaiveTime::MIN)),
        true,
        app.clock.now(),
    )
    .await
    .unwrap();
    let (learner, _) = org_learner(&app, org.id, "Wendy Weekly", Some(cohort.id)).await;
    (app, learner)
}

#[tokio::test]
async fn a_module_due_on_1_december_is_not_overdue_at_7_02_that_morning_in_london() {
    let (_app, learner) = weekly_learner(Utc.with_ymd_and_hms(2026, 12, 1, 7, 2, 0).unwrap()).await;
    let dashboard = learner.get_html("/dashboard").await;
    assert!(
        dashboard.contains("Trust W, in the cohort Winter wave"),
        "{dashboard}"
    );
    assert!(dashboard.contains("One module a week from Tuesday 24 November 2026"));
    assert!(
        dashboard.contains("Due 1 December 2026"),
        "module 1 is due today"
    );
    assert!(
        !dashboard.contains(">Overdue<"),
        "not overdue on its due day"
    );
    // Module 2 opened today; module 3 opens next week and says when.
    assert!(dashboard.contains("Due 8 December 2026"));
    assert!(dashboard.contains("Opens Tuesday 8 December 2026"));
    let module3 = learner.get_html("/modules/solution-discovery").await;
    assert!(module3.contains("Not open yet"), "{module3}");
    assert!(module3.contains("Opens Tuesday 8 December 2026"));
    assert!(module3.contains("Due 15 December 2026"));
}

#[tokio::test]
async fn the_module_is_overdue_once_its_due_date_is_over() {
    let (_app, learner) = weekly_learner(Utc.with_ymd_and_hms(2026, 12, 2, 0, 5, 0).unwrap()).await;
    let dashboard = learner.get_html("/dashboard").await;
    assert!(dashboard.contains(">Overdue<"), "{dashboard}");
    assert!(dashboard.contains("Was due 1 December 2026"));
    let module1 = learner.get_html("/modules/ai-fundamentals").await;
    assert!(module1.contains(">Overdue<"));
}

#[tokio::test]
async fn a_lesson_left_open_with_next_is_listed_on_the_dashboard_and_before_the_quiz() {
    let app = spawn_app().await;
    app.new_learner().await;
    let lesson = app
        .get_html("/modules/ai-fundamentals/lessons/what-is-ai")
        .await;
    assert!(lesson.contains("Mark as complete and continue"));
    assert!(lesson.contains("Next, without completing this lesson"));
    let dashboard = app.get_html("/dashboard").await;
    assert!(
        dashboard.contains("Lessons not marked as complete"),
        "{dashboard}"
    );
    assert!(dashboard.contains("href=\"/modules/ai-fundamentals/lessons/what-is-ai\""));
    let module = app.get_html("/modules/ai-fundamentals").await;
    assert!(module.contains("Before the quiz: lessons not marked as complete"));
}

#[tokio::test]
async fn a_mistyped_certificate_code_says_no_certificate_has_it_and_the_landing_page_links_the_check()
 {
    let app = spawn_app().await;
    let landing = app.get_html("/").await;
    assert!(landing.contains("href=\"/verify\""));
    let r = app.get("/verify?code=7K2M-9QRT-4HXV").await;
    let to = location(&r);
    let r = app.get(&to).await;
    assert_eq!(r.status(), reqwest::StatusCode::NOT_FOUND);
    let page = r.text().await.unwrap();
    assert!(page.contains("No certificate has that code"), "{page}");
    assert!(!page.contains("Page not found"));
}
