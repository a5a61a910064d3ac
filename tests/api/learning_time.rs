//! Learning time: page views credited up to the learner's next action (capped), heartbeats that add
//! only visible time, and where the hours are shown.
use chrono::Duration;
use deepdive::clock::Clock;
use deepdive::entities::learning_views;
use deepdive::services::learning_time;
use reqwest::StatusCode;
use sea_orm::EntityTrait;

use crate::helpers::*;

const M1: &str = "ai-fundamentals";

async fn first_lessons(app: &TestApp) -> Vec<String> {
    let course = deepdive::course::load_course(&app.course_dir).unwrap();
    let m = course.module(M1).unwrap();
    m.lessons.iter().map(|l| l.slug.clone()).collect()
}

async fn credited_seconds(app: &TestApp) -> i64 {
    learning_views::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .iter()
        .map(|v| i64::from(v.credited_seconds))
        .sum()
}

fn lesson(slug: &str) -> String {
    format!("/modules/{M1}/lessons/{slug}")
}

#[tokio::test]
async fn time_on_a_lesson_counts_until_the_next_action_and_the_dashboard_shows_it() {
    let app = spawn_app_on(Clock::stopped(), |_| {}).await;
    let email = app.new_learner().await;
    let lessons = first_lessons(&app).await;
    assert!(
        app.get_html("/dashboard")
            .await
            .contains("No learning time recorded yet.")
    );
    app.get_html(&lesson(&lessons[0])).await;
    app.clock.advance(Duration::minutes(7));
    // Marking it complete is the next action: seven minutes are credited.
    let r = app.complete_lesson(M1, &lessons[0]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    app.get_html(&lesson(&lessons[1])).await;
    app.clock.advance(Duration::minutes(5));
    let html = app.get_html("/dashboard").await;
    assert!(
        html.contains("<strong>12 minutes</strong> of learning recorded."),
        "{}",
        between(&html, "id=\"learning-time\"", "</p>")
    );
    // The quiz page counts too.
    app.get_html(&format!("/modules/{M1}/quiz")).await;
    app.clock.advance(Duration::minutes(25));
    let html = app.get_html(&format!("/modules/{M1}")).await;
    assert!(html.contains("Module 1"));
    let time = learning_time::for_user(&app.db, app.user(&email).await.id)
        .await
        .unwrap();
    // 12 minutes on lessons and the quiz view capped at 20.
    assert_eq!(time.total.0, 32);
    assert_eq!(time.modules.get(M1).copied().map(|m| m.0), Some(32));
}

#[tokio::test]
async fn a_page_view_counts_at_most_twenty_minutes_and_time_between_sessions_never() {
    let app = spawn_app_on(Clock::stopped(), |_| {}).await;
    let email = app.new_learner().await;
    let lessons = first_lessons(&app).await;
    app.get_html(&lesson(&lessons[0])).await;
    app.clock.advance(Duration::minutes(25));
    app.get_html("/dashboard").await;
    assert_eq!(
        credited_seconds(&app).await,
        20 * 60,
        "capped at 20 minutes"
    );
    // The learner opens a lesson and walks away: the session expires, they log in days later.
    app.get_html(&lesson(&lessons[1])).await;
    app.clock.advance(Duration::days(3));
    let r = app.login(&email, PASSWORD).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let html = app.get_html("/dashboard").await;
    assert!(html.contains("<strong>20 minutes</strong> of learning recorded."));
    assert_eq!(credited_seconds(&app).await, 20 * 60, "nothing for the gap");
    // Logging out is a next action.
    app.get_html(&lesson(&lessons[2])).await;
    app.clock.advance(Duration::minutes(4));
    app.logout().await;
    assert_eq!(credited_seconds(&app).await, 24 * 60);
}

/// The view id and CSRF token of the heartbeat form on a lesson or quiz page.
fn beat_form(html: &str) -> (String, String) {
    let form = between(html, "<form id=\"dd-learning-beat\"", "</form>");
    assert!(html.contains("/static/js/learning-time.js"));
    (hidden(&form, "view"), hidden(&form, "csrf_token"))
}

#[tokio::test]
async fn heartbeats_add_only_visible_time_and_a_hidden_page_is_not_counted() {
    let app = spawn_app_on(Clock::stopped(), |_| {}).await;
    app.new_learner().await;
    let lessons = first_lessons(&app).await;
    let html = app.get_html(&lesson(&lessons[0])).await;
    let (view, token) = beat_form(&html);
    let beat = |seconds: &'static str| {
        let fields = [
            ("csrf_token", token.clone()),
            ("view", view.clone()),
            ("seconds", seconds.to_string()),
        ];
        let app = &app;
        async move {
            let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.post_raw("/learning-time/beat", &pairs).await.status()
        }
    };
    app.clock.advance(Duration::seconds(30));
    assert_eq!(beat("30").await, StatusCode::NO_CONTENT);
    // A page that claims more than the time that passed gets only the time that passed.
    app.clock.advance(Duration::seconds(10));
    assert_eq!(beat("500").await, StatusCode::NO_CONTENT);
    assert_eq!(credited_seconds(&app).await, 40);
    // Hidden for ten minutes (the page beat when it was hidden, with what it had), then the next
    // action: only a short tail after the last beat counts, not the hidden time.
    app.clock.advance(Duration::seconds(20));
    assert_eq!(beat("20").await, StatusCode::NO_CONTENT);
    app.clock.advance(Duration::minutes(10));
    app.get_html("/dashboard").await;
    assert_eq!(credited_seconds(&app).await, 60 + 60);
    // The view is closed now: its heartbeat is refused.
    assert_eq!(beat("5").await, StatusCode::NOT_FOUND);
    // Malformed, and without the CSRF token.
    let r = app
        .post_raw(
            "/learning-time/beat",
            &[("csrf_token", &token), ("view", "x"), ("seconds", "5")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = app
        .post_raw("/learning-time/beat", &[("view", &view), ("seconds", "5")])
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn another_learner_cannot_add_time_to_someone_elses_page_view() {
    let app = spawn_app_on(Clock::stopped(), |_| {}).await;
    app.new_learner().await;
    let lessons = first_lessons(&app).await;
    let html = app.get_html(&lesson(&lessons[0])).await;
    let (view, _) = beat_form(&html);
    let other = app.other_browser();
    other.new_learner().await;
    let token = csrf_token(&other.get_html("/dashboard").await);
    app.clock.advance(Duration::seconds(30));
    let r = other
        .post_raw(
            "/learning-time/beat",
            &[("csrf_token", &token), ("view", &view), ("seconds", "30")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(credited_seconds(&app).await, 0);
}

#[tokio::test]
async fn the_certificate_its_pdf_and_the_credential_state_the_hours_recorded() {
    let app = spawn_app_on(Clock::stopped(), |_| {}).await;
    app.new_learner().await;
    let lessons = first_lessons(&app).await;
    // Eleven lesson views of 20 minutes each: 3 hours 40 minutes.
    for i in 0..11 {
        app.get_html(&lesson(&lessons[i % lessons.len()])).await;
        app.clock.advance(Duration::minutes(20));
    }
    let dashboard = app.get_html("/dashboard").await;
    assert!(dashboard.contains("3 hours 40 minutes"), "{dashboard}");
    app.complete_course().await;
    let html = app.get_html("/certificate").await;
    // The same words as the dashboard, not a decimal beside them.
    let recorded = between(&html, "Learning time", "</div>");
    assert!(recorded.contains("3 hours 40 minutes"), "{recorded}");
    assert!(!recorded.contains("3.6"), "{recorded}");
    let code = app.certificate_code().await.unwrap();
    let pdf = app.get(&format!("/certificates/{code}.pdf")).await;
    assert_eq!(pdf.status(), StatusCode::OK);
    let text = pdf_text(&pdf.bytes().await.unwrap());
    assert!(text.contains("Learning time recorded"), "{text}");
    assert!(text.contains("3 hours 40 minutes"), "{text}");
    assert!(!text.contains("3.6 hours"), "{text}");
    let body: serde_json::Value = app
        .get(&format!("/verify/{code}/credential.json"))
        .await
        .json()
        .await
        .unwrap();
    let subject = &body["credential"]["credentialSubject"];
    let described = &subject["achievement"]["resultDescription"][0];
    assert_eq!(described["resultType"], "ext:LearningHours");
    assert_eq!(subject["result"][0]["value"], "3.6");
    assert_eq!(subject["result"][0]["resultDescription"], described["id"]);
    // Time recorded after the certificate was issued does not change it.
    app.get_html(&lesson(&lessons[0])).await;
    app.clock.advance(Duration::minutes(20));
    app.get_html("/dashboard").await;
    assert!(
        app.get_html("/certificate")
            .await
            .contains("3 hours 40 minutes")
    );
}

#[tokio::test]
async fn the_org_report_its_csv_and_the_exports_minutes_give_each_members_time_and_no_one_elses() {
    let app = spawn_app_on(Clock::stopped(), |_| {}).await;
    let (admin, org) = org_with_admin(&app, "hours-a").await;
    let (_, other_org) = org_with_admin(&app, "hours-b").await;
    let (learner, learner_id) = org_learner(&app, org, "Hana Hours", None).await;
    let (outsider, outsider_id) = org_learner(&app, other_org, "Olu Outside", None).await;
    let lessons = first_lessons(&app).await;
    for b in [&learner, &outsider] {
        b.get_html(&lesson(&lessons[0])).await;
    }
    app.clock.advance(Duration::minutes(15));
    learner.get_html(&lesson(&lessons[1])).await;
    outsider.get_html("/dashboard").await;
    app.clock.advance(Duration::minutes(12));
    learner.get_html("/dashboard").await;
    let map = deepdive::services::records::learning_minutes(&app.db, &[learner_id])
        .await
        .unwrap();
    assert_eq!(map.get(&learner_id), Some(&27));
    assert!(!map.contains_key(&outsider_id));
    let per_module = learning_time::for_org(&app.db, org).await.unwrap();
    assert_eq!(per_module[&learner_id].modules[M1].0, 27);
    let html = admin.get_html("/org/hours-a").await;
    assert!(
        html.contains("data-learning-minutes=\"27\">Learning time: 27 minutes</span>"),
        "{html}"
    );
    let csv = admin
        .get("/org/hours-a/progress.csv")
        .await
        .text()
        .await
        .unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines
        .next()
        .unwrap()
        .trim_start_matches('\u{feff}')
        .split(',')
        .collect();
    let row = csv.lines().find(|l| l.contains("Hana Hours")).unwrap();
    let cells: Vec<&str> = row.split(',').collect();
    let at = |name: &str| header.iter().position(|h| *h == name).unwrap();
    assert_eq!(cells[at("learning_minutes")], "27");
    assert_eq!(cells[at("learning_hours")], "0.4");
    assert_eq!(cells[at("module_1_learning_minutes")], "27");
    assert_eq!(cells[at("module_2_learning_minutes")], "0");
}
