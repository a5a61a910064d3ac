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
    let name = if path == "/" {
        "home".to_string()
    } else {
        path[1..].replace('/', "-")
    };
    let png = b.client.screenshot().await.unwrap();
    std::fs::write(
        crate::browser::output_dir().join(format!("keyboard-skip-link-{name}.png")),
        png,
    )
    .unwrap();
    b.press(Key::Enter).await;
    assert!(
        b.path().await == path,
        "{path}: the skip link stays on the page"
    );
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
    assert_eq!(
        inside,
        true,
        "{path}: Tab after skipping is {}",
        b.focused().await
    );
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
    b.find("#name")
        .await
        .send_keys("Grace Hopper")
        .await
        .unwrap();
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
    let (_, violations) = b.axe_run(crate::browser::AXE_TAGS).await;
    let ids: Vec<&str> = violations.iter().filter_map(|v| v["id"].as_str()).collect();
    for rule in ["image-alt", "label", "color-contrast", "html-has-lang"] {
        assert!(ids.contains(&rule), "axe should report {rule}: {ids:?}");
    }
    b.quit().await;
}

/// On a phone (320 and 375 px) the header's "Log out" button stays on the service name's line
/// instead of wrapping below it.
#[tokio::test]
async fn the_log_out_button_stays_beside_the_service_name_on_a_phone() {
    let app = spawn_app().await;
    let email = app.new_learner().await;
    let Some(b) = Browser::start(&app, Js::On, "header").await else {
        return;
    };
    crate::certificate::log_in(&b, &email).await;
    for width in [320, 375] {
        b.size(width, 900).await;
        let v = b
            .run_js(
                "const name = document.querySelector('.nhsuk-header__service-name').getBoundingClientRect(); \
                 const button = document.querySelector('.dd-header-account button').getBoundingClientRect(); \
                 return [name.top, name.bottom, button.top, button.bottom, button.right, window.innerWidth]",
            )
            .await;
        let n: Vec<f64> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect();
        assert!(
            n[2] < n[1] && n[0] < n[3],
            "at {width} px the Log out button is not beside the service name: {v}"
        );
        assert!(
            n[4] <= n[5],
            "at {width} px the Log out button is cut off: {v}"
        );
    }
    b.quit().await;
}
