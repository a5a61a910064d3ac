use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::helpers::*;
use deepdive::entities::{confidence_ratings, confidence_skips};

const LAST_MODULE: &str = "launching-your-ai-experiment";

fn statement_ids(app: &TestApp) -> Vec<String> {
    let course = deepdive::course::load_course(&app.course_dir).unwrap();
    course.confidence.iter().map(|s| s.id.clone()).collect()
}

async fn stored(app: &TestApp, phase: &str) -> Vec<confidence_ratings::Model> {
    confidence_ratings::Entity::find()
        .filter(confidence_ratings::Column::Phase.eq(phase))
        .all(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_new_learner_is_invited_to_rate_their_confidence_before_starting() {
    let app = spawn_app().await;
    app.new_learner().await;
    let dashboard = app.get_html("/dashboard").await;
    assert!(dashboard.contains("Before you start: how confident do you feel?"));
    assert!(dashboard.contains("href=\"/confidence/before\""));
    assert!(dashboard.contains("action=\"/confidence/before/skip\""));
    assert!(
        !dashboard.contains("href=\"/confidence/after\""),
        "not before the course is done"
    );

    let form = app.get_html("/confidence/before").await;
    let ids = statement_ids(&app);
    assert_eq!(
        form.matches("<fieldset class=\"nhsuk-fieldset\"").count(),
        ids.len()
    );
    for id in &ids {
        for n in 1..=5 {
            assert!(form.contains(&format!(
                "id=\"rating-{id}-{n}\" name=\"rating-{id}\" type=\"radio\" value=\"{n}\""
            )));
        }
    }
    assert!(form.contains("1 – Not at all confident"));
    assert!(form.contains("5 – Very confident"));
    assert!(!form.contains("<script"));
}

#[tokio::test]
async fn before_ratings_are_saved_shown_on_the_dashboard_and_overwritten_when_sent_again() {
    let app = spawn_app().await;
    app.new_learner().await;
    let r = app.rate_confidence("before", "2").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/dashboard?confidence=saved");
    let dashboard = app.get_html(&location(&r)).await;
    assert!(dashboard.contains("Your confidence ratings have been saved"));
    assert!(
        !dashboard.contains("Before you start: how confident"),
        "no longer offered"
    );
    let ids = statement_ids(&app);
    assert_eq!(
        dashboard.matches("2 – Slightly confident").count(),
        ids.len()
    );
    assert!(
        dashboard.contains("Not rated"),
        "no after ratings yet, said in words"
    );

    // The form shows the saved ratings, and sending it again replaces them.
    let form = app.get_html("/confidence/before").await;
    assert!(form.contains(&format!(
        "id=\"rating-{}-2\" name=\"rating-{}\" type=\"radio\" value=\"2\" checked",
        ids[0], ids[0]
    )));
    app.rate_confidence("before", "3").await;
    let rows = stored(&app, "before").await;
    assert_eq!(rows.len(), ids.len());
    assert!(rows.iter().all(|r| r.rating == 3));
    assert!(
        app.get_html("/dashboard")
            .await
            .contains("3 – Somewhat confident")
    );
}

#[tokio::test]
async fn skipping_the_before_rating_stops_it_being_offered() {
    let app = spawn_app().await;
    app.new_learner().await;
    let r = app
        .submit("/dashboard", "/confidence/before/skip", &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/dashboard");
    let dashboard = app.get_html("/dashboard").await;
    assert!(!dashboard.contains("Before you start: how confident"));
    assert!(!dashboard.contains("action=\"/confidence/before/skip\""));
    // Skipping twice is harmless.
    let r = app
        .submit("/dashboard", "/confidence/before/skip", &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        confidence_skips::Entity::find()
            .count(&app.db)
            .await
            .unwrap(),
        1
    );
    assert!(stored(&app, "before").await.is_empty());
}

#[tokio::test]
async fn missing_ratings_are_named_and_the_given_ratings_kept_and_nothing_is_saved() {
    let app = spawn_app().await;
    app.new_learner().await;
    let ids = statement_ids(&app);
    let fields: Vec<(String, &str)> = ids[1..]
        .iter()
        .map(|id| (format!("rating-{id}"), "4"))
        .collect();
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    let r = app
        .submit("/confidence/before", "/confidence/before", &pairs)
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("There is a problem"));
    assert!(html.contains(&format!("href=\"#rating-{}-1\"", ids[0])));
    assert!(html.contains("Statement 1: select a rating from 1 to 5"));
    assert!(html.contains(&format!("id=\"rating-{}-error\"", ids[0])));
    for id in &ids[1..] {
        assert!(
            html.contains(&format!(
                "id=\"rating-{id}-4\" name=\"rating-{id}\" type=\"radio\" value=\"4\" checked"
            )),
            "rating for {id} kept"
        );
    }
    assert!(stored(&app, "before").await.is_empty());
}

#[tokio::test]
async fn ratings_off_the_scale_or_for_unknown_statements_are_refused() {
    let app = spawn_app().await;
    app.new_learner().await;
    let ids = statement_ids(&app);
    for (field, value) in [
        (format!("rating-{}", ids[0]), "6"),
        (format!("rating-{}", ids[0]), "0"),
        (format!("rating-{}", ids[0]), "four"),
        ("rating-not-a-statement".to_string(), "3"),
    ] {
        let r = app
            .submit(
                "/confidence/before",
                "/confidence/before",
                &[(&field, value)],
            )
            .await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{field}={value}");
    }
    assert!(stored(&app, "before").await.is_empty());
}

#[tokio::test]
async fn confidence_forms_without_a_csrf_token_are_refused() {
    let app = spawn_app().await;
    app.new_learner().await;
    let ids = statement_ids(&app);
    let field = format!("rating-{}", ids[0]);
    for path in [
        "/confidence/before",
        "/confidence/after",
        "/confidence/before/skip",
    ] {
        let r = app.post_raw(path, &[(&field, "3")]).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{path}");
    }
    assert_eq!(
        confidence_ratings::Entity::find()
            .count(&app.db)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        confidence_skips::Entity::find()
            .count(&app.db)
            .await
            .unwrap(),
        0
    );
}

#[tokio::test]
async fn the_after_rating_opens_once_the_last_module_is_complete_and_the_dashboard_shows_the_change()
 {
    let app = spawn_app().await;
    app.new_learner().await;
    app.rate_confidence("before", "2").await;
    assert_eq!(
        app.get("/confidence/after").await.status(),
        StatusCode::FORBIDDEN
    );
    let r = app.rate_confidence("after", "4").await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(stored(&app, "after").await.is_empty());

    app.complete_module(LAST_MODULE).await;
    let dashboard = app.get_html("/dashboard").await;
    assert!(dashboard.contains("You have finished the course: how confident do you feel now?"));
    assert!(dashboard.contains("href=\"/confidence/after\""));
    let module = app.get_html(&format!("/modules/{LAST_MODULE}")).await;
    assert!(module.contains("href=\"/confidence/after\""));
    let form = app.get_html("/confidence/after").await;
    assert!(
        form.contains("67% of participants"),
        "the case study figure is shown"
    );

    let r = app.rate_confidence("after", "4").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let dashboard = app.get_html("/dashboard").await;
    let ids = statement_ids(&app);
    assert_eq!(
        dashboard.matches("2 – Slightly confident").count(),
        ids.len()
    );
    assert_eq!(dashboard.matches("4 – Fairly confident").count(), ids.len());
    assert_eq!(dashboard.matches(">Change </span>Up 2<").count(), ids.len());
    assert!(
        !dashboard.contains("You have finished the course: how confident"),
        "done, so no longer offered"
    );
    assert!(dashboard.contains("Change your ratings from after the course"));
}

#[tokio::test]
async fn skipping_the_after_rating_hides_the_invitation_but_keeps_the_link() {
    let app = spawn_app().await;
    app.new_learner().await;
    app.complete_module(LAST_MODULE).await;
    let r = app
        .submit("/dashboard", "/confidence/after/skip", &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let dashboard = app.get_html("/dashboard").await;
    assert!(!dashboard.contains("You have finished the course: how confident"));
    assert!(dashboard.contains("Rate your confidence now, after the course"));
}

#[tokio::test]
async fn a_learner_never_sees_another_learners_ratings() {
    let app = spawn_app().await;
    app.new_learner().await;
    app.rate_confidence("before", "5").await;
    let other = app.other_browser();
    other.new_learner().await;
    let dashboard = other.get_html("/dashboard").await;
    assert!(!dashboard.contains("5 – Very confident"));
    assert!(dashboard.contains("You have not rated your confidence yet"));
    assert!(dashboard.contains("Before you start: how confident"));
    let form = other.get_html("/confidence/before").await;
    assert!(!form.contains("checked"));
    let anonymous = app.other_browser();
    for page in ["/confidence/before", "/confidence/after"] {
        let r = anonymous.get(page).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{page}");
        assert!(location(&r).starts_with("/login"));
    }
}
