use reqwest::StatusCode;

use crate::helpers::*;

#[tokio::test]
async fn a_learner_reads_and_completes_a_lesson_and_sees_their_progress() {
    let app = spawn_app().await;
    app.new_learner().await;
    let lesson = app
        .get_html("/modules/ai-fundamentals/lessons/what-is-ai")
        .await;
    assert!(lesson.contains("Try this"));
    assert!(lesson.contains("Key points"));
    assert!(lesson.contains("Mark as complete"));
    let r = app.complete_lesson("ai-fundamentals", "what-is-ai").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        location(&r),
        "/modules/ai-fundamentals/lessons/narrow-and-general-ai"
    );

    let module = app.get_html("/modules/ai-fundamentals").await;
    assert!(module.contains("Completed"));
    let dashboard = app.get_html("/dashboard").await;
    // 1 of 9 steps in module 1 (8 lessons + quiz); 1 of all the course's steps.
    assert!(dashboard.contains("11% · 1 of 8 lessons"), "{dashboard}");
    assert!(dashboard.contains("Continue where you left off"));
    assert!(dashboard.contains("/modules/ai-fundamentals/lessons/narrow-and-general-ai"));
}

#[tokio::test]
async fn completing_a_lesson_twice_counts_it_once() {
    let app = spawn_app().await;
    app.new_learner().await;
    app.complete_lesson("ai-fundamentals", "what-is-ai").await;
    app.complete_lesson("ai-fundamentals", "what-is-ai").await;
    let dashboard = app.get_html("/dashboard").await;
    assert!(dashboard.contains("1 of 8 lessons"));
}

#[tokio::test]
async fn the_dashboard_resumes_at_the_lesson_left_unfinished_after_logging_out_and_in() {
    let app = spawn_app().await;
    let email = app.new_learner().await;
    app.complete_lesson("problem-discovery", "start-with-the-problem")
        .await;
    app.get_html("/modules/problem-discovery/lessons/is-ai-a-good-fit")
        .await;
    app.logout().await;
    app.login(&email, PASSWORD).await;
    let dashboard = app.get_html("/dashboard").await;
    assert!(dashboard.contains("Continue where you left off"));
    assert!(dashboard.contains("href=\"/modules/problem-discovery/lessons/is-ai-a-good-fit\""));
    assert!(dashboard.contains("Module 2, lesson 2"));
}

#[tokio::test]
async fn a_learner_can_complete_a_lesson_in_every_module() {
    let app = spawn_app().await;
    app.new_learner().await;
    let dashboard = app.get_html("/dashboard").await;
    let slugs = [
        "ai-fundamentals",
        "problem-discovery",
        "solution-discovery",
        "practicalities",
        "launching-your-ai-experiment",
    ];
    for slug in slugs {
        assert!(dashboard.contains(&format!("/modules/{slug}")));
        let module = app.get_html(&format!("/modules/{slug}")).await;
        let marker = format!("/modules/{slug}/lessons/");
        let start = module.find(&marker).expect("a lesson link") + marker.len();
        let lesson = &module[start..start + module[start..].find('"').unwrap()];
        let r = app.complete_lesson(slug, lesson).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
    }
    let dashboard = app.get_html("/dashboard").await;
    assert_eq!(
        dashboard.matches(" · 1 of ").count(),
        5,
        "one lesson done in each module"
    );
}

#[tokio::test]
async fn learner_pages_send_anonymous_visitors_to_log_in() {
    let app = spawn_app().await;
    for path in [
        "/dashboard",
        "/modules/ai-fundamentals",
        "/modules/ai-fundamentals/lessons/what-is-ai",
    ] {
        let r = app.get(path).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{path}");
        assert!(location(&r).starts_with("/login?next="));
    }
}

#[tokio::test]
async fn the_quiz_review_links_each_question_to_the_lesson_that_teaches_it_and_explains_part_marks()
{
    let app = spawn_app().await;
    app.new_learner().await;
    let r = app.take_quiz("ai-fundamentals", 3).await;
    let review = app.get_html(&location(&r)).await;
    let sections: Vec<&str> = review
        .split("class=\"dd-review-question\"")
        .skip(1)
        .collect();
    assert_eq!(sections.len(), 10);
    for s in &sections {
        assert!(s.contains("data-teaching-lesson"), "{s}");
    }
    let named = sections
        .iter()
        .filter(|s| s.contains("href=\"/modules/ai-fundamentals/lessons/"))
        .count();
    assert!(
        named >= 8,
        "most questions name their lesson: {named} of 10"
    );
    assert!(
        !review.contains("% of the mark</strong>"),
        "no bare percentage tag"
    );
    if review.contains(">Partly correct<") {
        assert!(review.contains("counts part marks"), "{review}");
    }
}

#[tokio::test]
async fn the_home_page_shows_its_main_button_before_the_long_summary_and_its_length_in_words() {
    let app = spawn_app().await;
    let home = app.get_html("/").await;
    let button = home.find("Create an account to start").unwrap();
    let summary = home.find("nhsuk-lede-text").unwrap();
    assert!(button < summary, "the button comes first");
    let caption = between(&home, "Self-paced online course", "</span>");
    assert!(caption.contains("hour"), "{caption}");
    assert!(
        !caption.chars().any(|c| c == '.'),
        "no decimal hours: {caption}"
    );
}

#[tokio::test]
async fn sharing_the_plan_is_offered_only_to_people_in_an_organisation() {
    let app = spawn_app().await;
    app.new_learner().await;
    let plan = app.get_html("/plan").await;
    assert!(!plan.contains("Share with your organisation"));
    let (_admin, org) = org_with_admin(&app, "share").await;
    let (member, _) = org_learner(&app, org, "Sam Sharer", None).await;
    let plan = member.get_html("/plan").await;
    assert!(plan.contains("Share with your organisation"));
}

#[tokio::test]
async fn new_recovery_codes_avoid_look_alike_characters_and_can_be_downloaded() {
    let app = spawn_app().await;
    app.new_learner().await;
    let (_, codes) = app.enrol_mfa().await;
    assert_eq!(codes.len(), 10);
    for c in &codes {
        assert!(!c.contains(['I', 'L', 'O', '0', '1']), "{c}");
    }
    let token = csrf_token(&app.get_html("/account/mfa").await);
    let r = app
        .post_raw(
            "/account/mfa/recovery-codes",
            &[("csrf_token", &token), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let page = r.text().await.unwrap();
    assert!(page.contains("download=\"recovery-codes.txt\""), "{page}");
    assert!(page.contains("href=\"data:text/plain;charset"));
    assert!(page.contains("data-print"));
}

#[tokio::test]
async fn without_contact_settings_the_help_page_says_to_ask_the_course_lead_and_every_footer_links_it()
 {
    let app = spawn_app().await;
    let home = app.get_html("/").await;
    assert!(home.contains("href=\"/help\""), "the footer links help");

    let r = app.get("/help").await;
    assert_eq!(r.status(), StatusCode::OK);
    let help = r.text().await.unwrap();
    assert!(help.contains("<h1>Help and contact</h1>"));
    assert!(help.contains("Ask your course lead"), "{help}");
    assert!(!help.contains("mailto:"));
    for page in ["/privacy", "/accessibility"] {
        let html = app.get_html(page).await;
        assert!(html.contains("Ask your course lead"), "{page}");
    }
}

#[tokio::test]
async fn the_operators_contact_details_are_set_once_and_shown_on_help_privacy_and_accessibility() {
    let app = spawn_app_on(deepdive::clock::Clock::stopped(), |s| {
        s.contact = deepdive::config::Contact {
            name: Some("O'Hara & Digital Academy".into()),
            email: Some("help@deepdive.example.nhs.uk".into()),
            phone: Some("0300 123 4567".into()),
            url: Some("https://deepdive.example.nhs.uk/support".into()),
        };
    })
    .await;
    app.new_learner().await;
    for page in ["/help", "/privacy", "/accessibility"] {
        let html = app.get_html(page).await;
        assert!(
            html.contains("href=\"mailto:help@deepdive.example.nhs.uk\""),
            "{page}: {html}"
        );
        assert!(
            html.contains("O&#x27;Hara &amp; Digital Academy"),
            "{page}: escaped name"
        );
        assert!(html.contains("0300 123 4567"), "{page}");
        assert!(
            html.contains("https://deepdive.example.nhs.uk/support"),
            "{page}"
        );
        assert!(!html.contains("Ask your course lead"), "{page}");
    }
}
