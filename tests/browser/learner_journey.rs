use fantoccini::key::Key;

use crate::browser::{Browser, Js};
use crate::helpers::{
    PASSWORD, TestApp, answers_for, encode_answers, get_with_cookie, pdf_text, spawn_app,
};

const MODULE: &str = "ai-fundamentals";

/// Answers the quiz on the page: right or wrong for every question, with the form controls a
/// person would use (radios and checkboxes by their labels, selects by value).
async fn answer_quiz(b: &Browser, app: &TestApp, right: bool) {
    let course = deepdive::course::load_course(&app.course_dir).unwrap();
    let quiz = &course.module(MODULE).unwrap().quiz;
    let key = app.quiz_key().await;
    let seed: u64 = b
        .find("input[name='seed']")
        .await
        .attr("value")
        .await
        .unwrap()
        .unwrap()
        .parse()
        .unwrap();
    let mut ids = Vec::new();
    for el in b.find_all("form [id^='question-']").await {
        let id = el.attr("id").await.unwrap().unwrap();
        ids.push(id["question-".len()..].to_string());
    }
    assert!(!ids.is_empty(), "the quiz shows questions");
    for id in &ids {
        let q = quiz.question(id).unwrap();
        for (field, value) in encode_answers(&key, seed, q, answers_for(q, right)) {
            let control = b.find(&format!("[name='{field}']")).await;
            if control.tag_name().await.unwrap() == "select" {
                control.select_by_value(&value).await.unwrap();
            } else {
                let input = b.find(&format!("[name='{field}'][value='{value}']")).await;
                let input_id = input.attr("id").await.unwrap().unwrap();
                b.click_in_page(&format!("label[for='{input_id}']")).await;
                assert!(input.is_selected().await.unwrap(), "{field}={value} chosen");
            }
        }
    }
}

/// Register → dashboard → module → lesson (complete) → quiz: fail, review, pass → attempts →
/// log out and in → resume → worksheet save → plan and its Markdown download. Run with and without
/// JavaScript; with it, every page state is also checked by axe-core and for reflow.
async fn learner_journey(js: Js, label: &'static str) {
    let app = spawn_app().await;
    let Some(b) = Browser::start(&app, js, label).await else {
        return;
    };
    if js == Js::Off {
        // Prove this profile really runs no page script.
        b.client
            .goto(
                "data:text/html,<title>before</title><script>document.title='script ran'</script>",
            )
            .await
            .unwrap();
        assert_eq!(b.client.title().await.unwrap(), "before");
    }

    // Landing → register, first with mistakes.
    b.goto("/").await;
    b.check("landing", "AI Deep Dive").await;
    b.click_text("Create an account to start").await;
    assert_eq!(b.path().await, "/register");
    b.check("register", "Create an account").await;
    b.fill("#name", "Ada Lovelace").await;
    b.fill("#email", "not an email").await;
    b.click("form button[type=submit]").await;
    assert!(b.exists(".nhsuk-error-summary").await);
    b.check("register-errors", "Error: Create an account").await;
    // The summary takes the focus (without script) and its links lead to the fields.
    assert!(
        b.focused().await.contains("nhsuk-error-summary"),
        "focus on the error summary, not {}",
        b.focused().await
    );
    b.click_in_page(".nhsuk-error-summary__list a[href='#email']")
        .await;
    assert!(b.focused().await.starts_with("input#email"));
    let email = format!("ada.{}@example.nhs.uk", label.replace(' ', "-"));
    b.fill("#email", &email).await;
    b.fill("#password", PASSWORD).await;
    b.click("form button[type=submit]").await;
    assert_eq!(b.path().await, "/dashboard");
    b.check("dashboard", "Your dashboard").await;
    assert!(b.body_text().await.contains("Ada Lovelace"));

    // Module → first lesson → complete it.
    b.click_text("Module 1:").await;
    assert_eq!(b.path().await, format!("/modules/{MODULE}"));
    b.check("module", "Module 1:").await;
    b.click(".dd-lesson-list a").await;
    assert_eq!(
        b.path().await,
        format!("/modules/{MODULE}/lessons/what-is-ai")
    );
    b.check("lesson", "What AI, machine learning and data science mean")
        .await;
    if js == Js::On {
        // The print stylesheet drops the site's chrome and the buttons.
        let text = pdf_text(&b.print_pdf("lesson").await);
        assert!(text.contains("What AI, machine learning"), "{text}");
        for chrome in [
            "Skip to main content",
            "Log out",
            "Mark as complete",
            "Privacy",
        ] {
            assert!(
                !text.contains(chrome),
                "the printed lesson shows {chrome:?}"
            );
        }
    }
    b.click_text("Mark as complete and continue").await;
    let second_lesson = format!("/modules/{MODULE}/lessons/narrow-and-general-ai");
    assert_eq!(b.path().await, second_lesson);
    b.goto(&format!("/modules/{MODULE}")).await;
    assert!(b.text(".dd-lesson-list").await.contains("Completed"));

    // The quiz: fail, read the review, try again and pass.
    b.click_text("Take the quiz").await;
    assert_eq!(b.path().await, format!("/modules/{MODULE}/quiz"));
    b.check("quiz-form", "Module 1 quiz").await;
    answer_quiz(&b, &app, false).await;
    b.click_text("Submit answers").await;
    assert!(
        b.path().await.starts_with("/attempts/"),
        "the quiz was not accepted: {}",
        b.text("main").await
    );
    let result = b.find("[data-passed]").await;
    assert_eq!(result.attr("data-passed").await.unwrap().unwrap(), "false");
    assert!(b.exists("[data-feedback]").await, "feedback is shown");
    b.check("quiz-review-failed", "Module 1 quiz: your result")
        .await;
    b.click_text("Take the quiz again").await;
    answer_quiz(&b, &app, true).await;
    b.click_text("Submit answers").await;
    assert!(
        b.path().await.starts_with("/attempts/"),
        "the quiz was not accepted: {}",
        b.text("main").await
    );
    let result = b.find("[data-passed]").await;
    assert_eq!(result.attr("data-passed").await.unwrap().unwrap(), "true");
    assert_eq!(result.attr("data-score").await.unwrap().unwrap(), "100");
    b.check("quiz-review-passed", "Module 1 quiz: your result")
        .await;
    b.click_text("Your quiz attempts").await;
    assert_eq!(b.path().await, "/attempts");
    assert_eq!(b.find_all("tbody tr").await.len(), 2);
    b.check("attempts", "Your quiz attempts").await;

    // Log out with the header button, log in again (Enter submits), and resume.
    b.click_text("Log out").await;
    assert!(!b.body_text().await.contains("Ada Lovelace"));
    b.goto("/login").await;
    b.check("login", "Log in").await;
    b.fill("#email", &email).await;
    b.fill("#password", PASSWORD).await;
    b.press_and_wait(Key::Enter).await;
    assert_eq!(b.path().await, "/dashboard");
    assert!(
        b.text(".dd-resume")
            .await
            .contains("Continue where you left off")
    );
    b.click(".dd-resume a.nhsuk-button").await;
    assert_eq!(b.path().await, second_lesson);

    // The worksheet: save an answer, see it in the plan and in the Markdown download.
    b.goto(&format!("/modules/{MODULE}")).await;
    b.click_text("Start the worksheet").await;
    assert_eq!(b.path().await, format!("/modules/{MODULE}/worksheet"));
    b.check("worksheet", "Module 1 worksheet").await;
    let answer = "Triage letters in the outpatients backlog, with a person checking every one.";
    b.fill("form textarea", answer).await;
    b.click_text("Save answers").await;
    assert!(b.text(".nhsuk-notification-banner").await.contains("saved"));
    b.check("worksheet-saved", "Module 1 worksheet").await;
    b.click(".nhsuk-notification-banner a").await;
    assert_eq!(b.path().await, "/plan");
    assert!(b.body_text().await.contains(answer));
    b.check("plan", "Your AI project plan").await;
    let href = b.find("a[href='/plan.md']").await;
    assert!(href.attr("download").await.unwrap().is_some());
    let md = get_with_cookie(&app, "/plan.md", &b.session_cookie().await)
        .await
        .text()
        .await
        .unwrap();
    assert!(md.contains(answer), "{md}");
    if js == Js::On {
        let text = pdf_text(&b.print_pdf("plan").await);
        assert!(text.contains(answer), "{text}");
        assert!(!text.contains("Download your plan"), "{text}");
        assert!(!text.contains("Log out"), "{text}");
    }
    b.quit().await;
}

#[tokio::test]
async fn a_learner_learns_fails_and_passes_a_quiz_and_builds_a_plan_in_a_browser() {
    learner_journey(Js::On, "js").await;
}

#[tokio::test]
async fn the_whole_learner_journey_works_without_javascript() {
    learner_journey(Js::Off, "nojs").await;
}
