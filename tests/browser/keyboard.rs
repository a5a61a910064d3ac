use fantoccini::key::Key;

use crate::browser::{Browser, Js};
use crate::helpers::{PASSWORD, spawn_app};

/// Tabs into a freshly loaded page: the skip link comes first, is visibly focused, and moves the
/// focus to the main content.
async fn skip_link_works(b: &Browser, path: &str) {
    b.goto(path).await;
    b.press(Key::Tab).await;
    let focused = b.focused().await;
    assert!(
        focused.contains("nhsuk-skip-link"),
        "{path}: the first Tab stop is {focused}"
    );
    // NHS.UK focus style: a yellow background with a dark underline.
    let style = b
        .run_js(
            "const s = getComputedStyle(document.activeElement); \
             return [s.backgroundColor, s.boxShadow, s.top, s.position]",
        )
        .await;
    assert_eq!(style[0], "rgb(255, 235, 59)", "{path}: focus style {style}");
    b.press(Key::Enter).await;
    assert!(b.path().await == path, "{path}: the skip link stays on the page");
    let focused = b.focused().await;
    assert!(
        focused.starts_with("main#maincontent"),
        "{path}: after the skip link the focus is on {focused}"
    );
    // The next Tab goes to the first link or control inside the main content.
    b.press(Key::Tab).await;
    let inside = b
        .run_js("return document.getElementById('maincontent').contains(document.activeElement)")
        .await;
    assert_eq!(inside, true, "{path}: Tab after skipping is {}", b.focused().await);
}

#[tokio::test]
async fn the_skip_link_is_the_first_tab_stop_and_forms_submit_with_enter() {
    let app = spawn_app().await;
    let Some(b) = Browser::start(&app, Js::On, "keyboard").await else {
        return;
    };
    skip_link_works(&b, "/").await;
    skip_link_works(&b, "/register").await;

    // Register using the keyboard alone: type, Tab to the next field, Enter to send.
    b.goto("/register").await;
    b.find("#name").await.send_keys("Grace Hopper").await.unwrap();
    b.press(Key::Tab).await;
    assert!(b.focused().await.starts_with("input#email"));
    b.find("#email")
        .await
        .send_keys("grace@example.nhs.uk")
        .await
        .unwrap();
    b.press(Key::Tab).await;
    assert!(b.focused().await.starts_with("input#password"));
    b.find("#password").await.send_keys(PASSWORD).await.unwrap();
    b.press_and_wait(Key::Enter).await;
    assert_eq!(b.path().await, "/dashboard");

    skip_link_works(&b, "/dashboard").await;
    skip_link_works(&b, "/modules/ai-fundamentals/quiz").await;

    // A quiz answer chosen with the keyboard: Space on a focused radio button.
    b.goto("/modules/ai-fundamentals/quiz").await;
    let radio = b.find("form .nhsuk-radios__input").await;
    let id = radio.attr("id").await.unwrap().unwrap();
    b.run_js(&format!("document.getElementById('{id}').focus()"))
        .await;
    b.press(Key::Space).await;
    assert!(radio.is_selected().await.unwrap(), "Space chose the answer");
    b.quit().await;
}

/// The accessibility checks can fail: on a page with known faults axe reports them.
#[tokio::test]
async fn axe_reports_the_faults_of_a_page_that_has_them() {
    let app = spawn_app().await;
    let Some(b) = Browser::start(&app, Js::On, "canary").await else {
        return;
    };
    b.client
        .goto(
            "data:text/html,<!DOCTYPE html><html><head><title>Faulty</title></head><body><main>\
             <img src='x.png'><input type='text'>\
             <p style='color:%23bbb;background:%23fff'>Pale text</p></main></body></html>",
        )
        .await
        .unwrap();
    let (_, violations) = b.axe_run().await;
    let ids: Vec<&str> = violations.iter().filter_map(|v| v["id"].as_str()).collect();
    for rule in ["image-alt", "label", "color-contrast", "html-has-lang"] {
        assert!(ids.contains(&rule), "axe should report {rule}: {ids:?}");
    }
    b.quit().await;
}
