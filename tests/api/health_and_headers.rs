use reqwest::StatusCode;

use crate::helpers::*;

#[tokio::test]
async fn healthz_and_readyz_answer_while_serving() {
    let app = spawn_app().await;
    let r = app.get("/healthz").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.text().await.unwrap(), "ok");
    assert_eq!(app.get("/readyz").await.status(), StatusCode::OK);
}

fn assert_security_headers(r: &reqwest::Response) {
    let h = r.headers();
    let csp = h
        .get("content-security-policy")
        .expect("CSP")
        .to_str()
        .unwrap();
    for part in [
        "default-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ] {
        assert!(csp.contains(part), "CSP lacks {part}");
    }
    assert!(!csp.contains("unsafe-inline"));
    assert_eq!(h.get("x-frame-options").unwrap(), "DENY");
    assert_eq!(h.get("x-content-type-options").unwrap(), "nosniff");
    assert_eq!(h.get("referrer-policy").unwrap(), "same-origin");
    assert!(h.get("server").is_none(), "no server version");
}

#[tokio::test]
async fn every_kind_of_page_carries_the_security_headers() {
    let app = spawn_app().await;
    for path in [
        "/",
        "/login",
        "/register",
        "/privacy",
        "/no-such-page",
        "/static/css/app.css",
    ] {
        let r = app.get(path).await;
        assert_security_headers(&r);
    }
    app.new_learner().await;
    let r = app.get("/dashboard").await;
    assert_security_headers(&r);
    assert_eq!(r.headers().get("cache-control").unwrap(), "no-store");
    assert!(
        r.headers()
            .get("content-type")
            .unwrap()
            .to_str()
            .unwrap()
            .contains("charset=utf-8")
    );
    assert!(
        r.headers().get("strict-transport-security").is_none(),
        "no HSTS over plain http"
    );
}

#[tokio::test]
async fn the_landing_page_shows_the_course_its_audience_and_the_five_modules() {
    let app = spawn_app().await;
    let html = app.get_html("/").await;
    assert!(html.contains("AI Deep Dive"));
    assert!(html.contains("Before you start"));
    for m in [
        "AI fundamentals",
        "Problem discovery",
        "Solution discovery",
        "Practicalities",
        "Launching your AI experiment",
    ] {
        assert!(html.contains(m), "landing lacks {m}");
    }
    assert!(html.contains("lang=\"en-GB\""));
}

#[tokio::test]
async fn unknown_pages_get_a_friendly_404_page() {
    let app = spawn_app().await;
    let r = app.get("/nothing/here").await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let html = r.text().await.unwrap();
    assert!(html.contains("Page not found"));
    assert!(
        html.contains("nhsuk-header"),
        "the error page uses the layout"
    );
}

#[tokio::test]
async fn a_logged_in_learner_sees_their_own_header_on_the_404_page() {
    let app = spawn_app().await;
    app.new_learner().await;
    for path in ["/no-such-page", "/modules/no-such-module"] {
        let r = app.get(path).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        let body = r.text().await.unwrap();
        assert!(
            body.contains("Test Learner"),
            "{path}: the header names the learner"
        );
        assert!(
            body.contains("action=\"/logout\""),
            "{path}: with a log-out button"
        );
    }
    let anonymous = app.other_browser();
    let body = anonymous.get("/no-such-page").await.text().await.unwrap();
    assert!(!body.contains("action=\"/logout\""));
}
