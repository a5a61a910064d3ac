//! The glossary page, the glossary links in lessons, and the admin list of lessons due for review.
use reqwest::StatusCode;

use crate::helpers::*;

#[tokio::test]
async fn anyone_can_read_the_glossary_with_an_anchor_for_every_term() {
    let app = spawn_app().await;
    let course = deepdive::course::load_course(&course_dir()).expect("valid course");
    let r = app.get("/glossary").await;
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(html.contains("<h1>Glossary</h1>"));
    for t in &course.glossary.terms {
        assert!(
            html.contains(&format!("id=\"{}\"", t.id)),
            "no anchor for {}",
            t.id
        );
        assert!(
            html.contains(&html_escaped(&t.definition)),
            "no definition for {}",
            t.id
        );
    }
    assert!(html.contains("data protection impact assessment"));
    // Every page's footer links it.
    assert!(app.get_html("/").await.contains("href=\"/glossary\""));
}

#[tokio::test]
async fn a_lesson_links_the_first_use_of_each_glossary_term_to_the_glossary_and_only_the_first() {
    let app = spawn_app().await;
    app.new_learner().await;
    let html = app
        .get_html("/modules/practicalities/lessons/information-governance-in-practice")
        .await;
    let lesson = between(&html, "<article", "</article>");
    let ids: Vec<&str> = lesson
        .match_indices("href=\"/glossary#")
        .map(|(i, m)| {
            let rest = &lesson[i + m.len()..];
            &rest[..rest.find('"').unwrap()]
        })
        .collect();
    assert!(ids.len() >= 5, "{ids:?}");
    let mut unique = ids.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "a term linked twice: {ids:?}");
    // Acronyms keep their expansion as an <abbr> after sanitising.
    assert!(
        lesson.contains("<abbr title=\""),
        "no <abbr> in the lesson: {lesson}"
    );
    // Headings are left alone.
    for heading in lesson.split("<h2").skip(1) {
        let heading = &heading[..heading.find("</h2>").unwrap()];
        assert!(!heading.contains("/glossary#"), "{heading}");
    }
}

#[tokio::test]
async fn the_admin_page_lists_the_lessons_due_for_review_within_30_days_or_overdue() {
    let dir = copy_course();
    let today = chrono::Utc::now().date_naive();
    // Every lesson reviewed today (due in six months), except one overdue and one due in ten days.
    for m in std::fs::read_dir(dir.path()).unwrap() {
        let lessons = m.unwrap().path().join("lessons");
        let Ok(files) = std::fs::read_dir(&lessons) else {
            continue;
        };
        for f in files {
            let path = f.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            let dates = match name.as_str() {
                "02-lean-canvas.md" => {
                    format!("reviewed = {}", today - chrono::Duration::days(400))
                }
                "03-team-and-roles.md" => format!(
                    "reviewed = {today}\nreview_by = {}",
                    today + chrono::Duration::days(10)
                ),
                _ => format!("reviewed = {today}"),
            };
            std::fs::write(&path, text.replacen("reviewed = 2026-12-01", &dates, 1)).unwrap();
        }
    }
    let course_path = dir.path().to_path_buf();
    let app = spawn_app_with(|s| s.course_dir = course_path).await;
    let email = app.new_learner().await;
    app.make_platform_admin(&email).await;
    let html = app.get_html("/admin").await;
    let section = between(
        &html,
        "<h2>Lessons due for review</h2>",
        "<h2>Certificates</h2>",
    );
    assert!(
        section.contains("/modules/solution-discovery/lessons/lean-canvas"),
        "{section}"
    );
    assert!(section.contains("days overdue"), "{section}");
    assert!(
        section.contains("/modules/launching-your-ai-experiment/lessons/team-and-roles"),
        "{section}"
    );
    assert!(section.contains("due in"), "{section}");
    assert_eq!(section.matches("/modules/").count(), 2, "{section}");
    // The overdue lesson comes first.
    assert!(section.find("lean-canvas") < section.find("team-and-roles"));

    // A learner never sees it.
    let learner = app.other_browser();
    learner.new_learner().await;
    assert_eq!(learner.get("/admin").await.status(), StatusCode::NOT_FOUND);
}
