//! Nothing typed is lost: a form that arrives after the session timed out, or with a stale CSRF
//! token, is kept for its owner and put back into the same form after they log in again.
use chrono::Duration;
use reqwest::StatusCode;
use sea_orm::{EntityTrait, PaginatorTrait};

use crate::helpers::*;
use deepdive::entities::{form_stashes, worksheet_answers};

const WORKSHEET: &str = "/modules/ai-fundamentals/worksheet";
const ANSWER: &str = "A press release about faster discharge letters & what it means for carers";

/// Logs in like a browser sent to the login page with `next`.
async fn login_to(app: &TestApp, email: &str, next: &str) -> reqwest::Response {
    let page = format!("/login?next={}", urlencode(next));
    app.submit(
        &page,
        "/login",
        &[("email", email), ("password", PASSWORD), ("next", next)],
    )
    .await
}

fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

async fn saved_answers(app: &TestApp) -> u64 {
    worksheet_answers::Entity::find()
        .count(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_worksheet_saved_after_the_idle_timeout_comes_back_after_logging_in_to_check_and_save() {
    let app = spawn_app().await;
    let email = app.new_learner().await;
    let form = app.get_html(WORKSHEET).await;
    let token = csrf_token(&form);
    app.clock.advance(Duration::minutes(45));

    let r = app
        .post_raw(
            WORKSHEET,
            &[("answer-idea", ANSWER), ("csrf_token", &token)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        location(&r),
        format!("/login?next={}", urlencode(WORKSHEET))
    );
    let cookie = set_cookie(&r, "dd_kept").expect("a cookie for the kept form");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert_eq!(
        saved_answers(&app).await,
        0,
        "nothing saved without a session"
    );

    let login = app
        .get_html(&format!("/login?next={}", urlencode(WORKSHEET)))
        .await;
    assert!(login.contains("What you typed has been kept"), "{login}");

    let r = login_to(&app, &email, WORKSHEET).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), WORKSHEET);
    let back = app.get_html(WORKSHEET).await;
    assert!(back.contains("Not saved yet: check and save"), "{back}");
    assert!(
        back.contains(&html_escaped(ANSWER)),
        "the typed text is back"
    );
    assert_eq!(
        saved_answers(&app).await,
        0,
        "still nothing saved until they press Save"
    );

    // Saving is a fresh POST with a fresh token; the kept copy is shown once only.
    let r = app
        .submit(WORKSHEET, WORKSHEET, &[("answer-idea", ANSWER)])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(saved_answers(&app).await, 1);
    let after = app.get_html(WORKSHEET).await;
    assert!(!after.contains("Not saved yet: check and save"));
    assert_eq!(
        form_stashes::Entity::find().count(&app.db).await.unwrap(),
        0
    );
}

#[tokio::test]
async fn a_stale_csrf_token_in_a_live_session_brings_the_learner_back_to_the_form_with_their_text()
{
    let app = spawn_app().await;
    app.new_learner().await;
    let r = app
        .post_raw(
            WORKSHEET,
            &[
                ("answer-idea", ANSWER),
                ("csrf_token", "stale-token-from-another-tab"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "CSRF is still enforced");
    let refused = r.text().await.unwrap();
    assert!(refused.contains("we kept what you typed"), "{refused}");
    assert!(
        refused.contains(&format!("href=\"{WORKSHEET}\"")),
        "{refused}"
    );
    assert_eq!(saved_answers(&app).await, 0, "nothing saved");
    let back = app.get_html(WORKSHEET).await;
    assert!(back.contains("Not saved yet: check and save"));
    assert!(back.contains(&html_escaped(ANSWER)));
}

#[tokio::test]
async fn someone_else_logging_in_on_the_same_browser_does_not_see_the_kept_text() {
    let app = spawn_app().await;
    app.new_learner().await;
    let form = app.get_html(WORKSHEET).await;
    let token = csrf_token(&form);
    app.clock.advance(Duration::minutes(45));
    let r = app
        .post_raw(
            WORKSHEET,
            &[("answer-idea", ANSWER), ("csrf_token", &token)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    // A colleague on the same ward PC registers and opens the same worksheet.
    let other = app
        .register("colleague@example.nhs.uk", "Colleague", PASSWORD)
        .await;
    assert_eq!(other.status(), StatusCode::SEE_OTHER);
    let theirs = app.get_html(WORKSHEET).await;
    assert!(!theirs.contains(&html_escaped(ANSWER)));
    assert!(!theirs.contains("Not saved yet: check and save"));
}

#[tokio::test]
async fn a_cross_site_post_is_refused_and_nothing_is_kept() {
    let app = spawn_app().await;
    app.new_learner().await;
    let r = app
        .client
        .post(app.url(WORKSHEET))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", "https://evil.example")
        .body("answer-idea=planted&csrf_token=x")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(set_cookie(&r, "dd_kept").is_none());
    assert_eq!(
        form_stashes::Entity::find().count(&app.db).await.unwrap(),
        0
    );
}

#[tokio::test]
async fn quiz_answers_sent_after_the_timeout_come_back_on_the_same_questions() {
    let app = spawn_app().await;
    let email = app.new_learner().await;
    let module = "ai-fundamentals";
    let quiz = format!("/modules/{module}/quiz");
    let form = app.open_quiz(module).await;
    let attempt = form
        .fixed
        .iter()
        .find(|(k, _)| k == "attempt_id")
        .map(|(_, v)| v.clone())
        .unwrap();
    app.clock.advance(Duration::minutes(40));
    let r = app.answer_quiz(module, &form, 3, &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), format!("/login?next={}", urlencode(&quiz)));

    let r = login_to(&app, &email, &quiz).await;
    assert_eq!(location(&r), quiz);
    let back = app.get_html(&quiz).await;
    assert!(back.contains("Not saved yet: check and save"), "{back}");
    assert_eq!(
        hidden(&back, "attempt_id"),
        attempt,
        "the same draw of questions"
    );
    assert!(
        back.matches(" checked").count() >= 3,
        "the chosen answers are ticked again"
    );

    // Submitting again (fresh token) stores the attempt.
    let again = QuizForm {
        questions: quiz_question_ids(&back),
        fixed: ["csrf_token", "attempt_id", "seed", "issued", "signature"]
            .iter()
            .map(|n| ((*n).to_string(), hidden(&back, n)))
            .collect(),
        html: back,
    };
    let r = app.answer_quiz(module, &again, 3, &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(location(&r).starts_with("/attempts/"), "{}", location(&r));
}
