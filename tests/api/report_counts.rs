//! The organisation report's counts, kept by database triggers: every way progress, ratings and
//! memberships change (through the web, the services, the CLI, and deletions that cascade) leaves
//! them equal to a recount, and the report shows them.
use std::process::Command;

use deepdive::domain::confidence::{Phase, Rating};
use deepdive::services::{confidence, organisations as orgs, reports};
use reqwest::StatusCode;
use sea_orm::ConnectionTrait;

use crate::helpers::*;

fn deepdive(app: &TestApp) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_deepdive"));
    c.env("DEEPDIVE_DATA_DIR", &app.data_dir)
        .env("DATABASE_URL", app.database_url.clone().unwrap_or_default())
        .env("DEEPDIVE_COURSE_DIR", &app.course_dir);
    c
}

/// Runs the command, asserts it succeeded (showing what it printed if not), returns its output.
fn succeeds(command: &mut Command) -> String {
    let out = command.output().unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

async fn assert_no_drift(app: &TestApp, after: &str) {
    let drift = reports::count_drift(&app.db).await.unwrap();
    assert!(drift.is_empty(), "after {after}: {drift:#?}");
}

async fn rate(app: &TestApp, user_id: i32, phase: Phase, rating: &str) {
    let course = deepdive::course::load_course(&app.course_dir).unwrap();
    let ratings: Vec<(String, Rating)> = course
        .confidence
        .iter()
        .map(|s| (s.id.clone(), Rating::parse(rating).unwrap()))
        .collect();
    confidence::save(&app.db, user_id, phase, &ratings, app.clock.now())
        .await
        .unwrap();
}

fn filter(cohort: Option<i32>) -> reports::Filter {
    reports::Filter {
        cohort,
        sort: reports::Sort::Name,
        descending: false,
    }
}

async fn first_gain(app: &TestApp, org: i32, cohort: Option<i32>) -> (usize, usize) {
    let course = deepdive::course::load_course(&app.course_dir).unwrap();
    let g = confidence::org_gain(&app.db, &course, org, cohort)
        .await
        .unwrap();
    (g[0].answered, g[0].more_confident)
}

#[tokio::test]
async fn report_counts_stay_equal_to_a_recount_through_every_kind_of_change() {
    let app = spawn_app().await;
    let course = deepdive::course::load_course(&app.course_dir).unwrap();
    let (_admin, org) = org_with_admin(&app, "counted").await;
    let now = app.clock.now();
    let a = orgs::create_cohort(&app.db, org, "Ward A", now, false, now)
        .await
        .unwrap();
    let b = orgs::create_cohort(&app.db, org, "Ward B", now, false, now)
        .await
        .unwrap();
    let (l1, id1) = org_learner(&app, org, "One", Some(a.id)).await;
    let (l2, id2) = org_learner(&app, org, "Two", Some(a.id)).await;
    let (_l3, id3) = org_learner(&app, org, "Three", Some(b.id)).await;
    let (l4, id4) = org_learner(&app, org, "Four", None).await;
    assert_no_drift(&app, "joining").await;

    // Progress through the web: a module completed, a lesson, a failed quiz.
    let m1 = &course.modules[0];
    l1.complete_module(&m1.slug).await;
    let r = l2
        .complete_lesson(&course.modules[1].slug, &course.modules[1].lessons[0].slug)
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = l4.take_quiz(&m1.slug, 0).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_no_drift(&app, "progress").await;
    let (glance, modules) = reports::glance(&app.db, &course, org, &filter(None), now)
        .await
        .unwrap();
    assert_eq!(modules[0].completed, 1, "{modules:?}");
    assert_eq!(modules[0].in_progress, 1, "the failed quiz: {modules:?}");
    assert_eq!(glance[0].done, 1);
    assert_eq!(modules[1].in_progress, 1);
    let totals = reports::totals(&app.db, &course, org, &filter(None))
        .await
        .unwrap();
    assert_eq!(totals.learners, 5, "four learners and the admin");
    assert_eq!(totals.started, 2);
    let in_a = reports::totals(&app.db, &course, org, &filter(Some(a.id)))
        .await
        .unwrap();
    assert_eq!(in_a.learners, 2);

    // Ratings: two pairs that both gain, then one changed to no gain.
    rate(&app, id1, Phase::Before, "2").await;
    rate(&app, id1, Phase::After, "4").await;
    rate(&app, id3, Phase::After, "5").await;
    assert_eq!(
        first_gain(&app, org, None).await,
        (1, 1),
        "id3 has no before yet"
    );
    rate(&app, id3, Phase::Before, "3").await;
    assert_eq!(first_gain(&app, org, None).await, (2, 2));
    rate(&app, id3, Phase::After, "3").await;
    assert_eq!(first_gain(&app, org, None).await, (2, 1));
    assert_eq!(first_gain(&app, org, Some(b.id)).await, (1, 0));
    assert_no_drift(&app, "ratings").await;

    // Moving between cohorts, a cohort deleted (its members' cohort set to none by the database).
    assert!(
        orgs::set_cohort(&app.db, org, id1, Some(b.id))
            .await
            .unwrap()
    );
    assert_eq!(first_gain(&app, org, Some(b.id)).await, (2, 1));
    assert_no_drift(&app, "a move").await;
    app.db
        .execute_unprepared(&format!("DELETE FROM cohorts WHERE id = {}", a.id))
        .await
        .unwrap();
    assert_no_drift(&app, "a cohort deleted").await;
    let unplaced = reports::counts(&app.db, org, None).await.unwrap();
    assert!(
        unplaced
            .iter()
            .any(|r| r.cohort.is_none() && r.kind == "members" && r.a == 3),
        "Two, Four and the admin are in no cohort: {unplaced:?}"
    );

    // Leaving: removed from the organisation, the account erased, the account row deleted.
    assert!(orgs::remove_member(&app.db, org, id3).await.unwrap());
    assert_eq!(first_gain(&app, org, None).await, (1, 1));
    assert_no_drift(&app, "a member removed").await;
    deepdive::services::privacy::erase_account(
        &app.db,
        &app.clock,
        id1,
        deepdive::services::privacy::ErasurePolicy {
            retain_certificate_names: false,
        },
        deepdive::services::privacy::ErasedBy::Retention,
        None,
    )
    .await
    .unwrap();
    assert_no_drift(&app, "an account erased").await;
    for id in [id2, id4] {
        app.db
            .execute_unprepared(&format!("DELETE FROM users WHERE id = {id}"))
            .await
            .unwrap();
    }
    assert_no_drift(&app, "accounts deleted").await;

    // Another process: the CSV import, then the check command.
    let csv = app.data_dir.join("staff.csv");
    std::fs::write(
        &csv,
        "email,name\nnew.one@example.nhs.uk,New One\nnew.two@example.nhs.uk,New Two\n",
    )
    .unwrap();
    succeeds(
        deepdive(&app)
            .args(["import-users", "--org", "counted", "--cohort", "Ward C"])
            .arg(&csv),
    );
    assert!(succeeds(deepdive(&app).arg("report-counts")).contains("match"));
    let totals = reports::totals(&app.db, &course, org, &filter(None))
        .await
        .unwrap();
    assert_eq!(
        totals.learners, 4,
        "the admin, the erased One, two imported"
    );

    // The report page shows the counts.
    let page = _admin.get_html("/org/counted").await;
    assert!(page.contains("Ward C"), "{page}");

    // The organisation deleted: every count of it is zero.
    app.db
        .execute_unprepared(&format!("DELETE FROM organisations WHERE id = {org}"))
        .await
        .unwrap();
    assert_no_drift(&app, "the organisation deleted").await;
    let left = reports::counts(&app.db, org, None).await.unwrap();
    assert!(left.iter().all(|r| r.a == 0 && r.b == 0), "{left:?}");
}

#[tokio::test]
async fn the_check_command_lists_a_wrong_count_and_the_rebuild_replaces_it() {
    let app = spawn_app().await;
    let (_admin, org) = org_with_admin(&app, "drifted").await;
    let (_l, _) = org_learner(&app, org, "Someone", None).await;
    app.db
        .execute_unprepared("UPDATE report_counts SET a = a + 7 WHERE kind = 'members'")
        .await
        .unwrap();
    let out = deepdive(&app).arg("report-counts").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let listed = String::from_utf8_lossy(&out.stdout);
    assert!(
        listed.contains(&format!("org {org} cohort 0 members"))
            && listed.contains("stored 9/0, recounted 2/0"),
        "{listed}"
    );
    succeeds(deepdive(&app).args(["report-counts", "--rebuild"]));
    assert!(reports::count_drift(&app.db).await.unwrap().is_empty());
    succeeds(deepdive(&app).arg("report-counts"));
}

#[tokio::test]
async fn an_organisation_with_more_people_than_a_statement_can_bind_still_gets_its_pages() {
    // SQLite refuses a statement with more than 32,766 bound values: pages that once put every
    // member's id in one list answered 500 for a Trust this size.
    let app = spawn_app().await;
    let course = deepdive::course::load_course(&app.course_dir).unwrap();
    deepdive::services::seed::seed(&app.db, &course, "large", 33_000, app.clock.now())
        .await
        .unwrap();
    let r = app
        .login("admin@large.example", deepdive::services::seed::PASSWORD)
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    for page in [
        "/org/large",
        "/org/large/plans",
        "/org/large/quiz?module=ai-fundamentals",
    ] {
        let r = app.get(page).await;
        assert_eq!(r.status(), StatusCode::OK, "{page}");
    }
    let org = orgs::by_slug(&app.db, "large").await.unwrap().unwrap();
    let totals = reports::totals(&app.db, &course, org.id, &filter(None))
        .await
        .unwrap();
    assert_eq!(totals.learners, 33_001, "the learners and their admin");
    assert_no_drift(&app, "seeding").await;
}
