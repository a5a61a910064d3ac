use reqwest::StatusCode;

use crate::helpers::*;

#[tokio::test]
async fn an_oversized_form_gets_413() {
    let app = spawn_app().await;
    let token = csrf_token(&app.get_html("/login").await);
    let big = "a".repeat(70 * 1024);
    let r = app
        .post_raw("/login", &[("csrf_token", &token), ("email", &big)])
        .await;
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(r.text().await.unwrap().contains("too large"));
}

#[tokio::test]
async fn malformed_utf8_and_nul_bytes_get_400_not_500() {
    let app = spawn_app().await;
    let token = csrf_token(&app.get_html("/register").await);
    for body in [
        format!("csrf_token={token}&name=%FF%FE"),
        format!("csrf_token={token}&name=a%00b"),
    ] {
        let r = app
            .client
            .post(app.url("/register"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    }
}

#[tokio::test]
async fn a_form_sent_as_json_gets_400() {
    let app = spawn_app().await;
    let r = app
        .client
        .post(app.url("/login"))
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert!(r.status().is_client_error());
}

#[tokio::test]
async fn unknown_modules_and_lessons_get_404_pages() {
    let app = spawn_app().await;
    app.new_learner().await;
    for path in [
        "/modules/nope",
        "/modules/ai-fundamentals/lessons/nope",
        "/modules/%2e%2e/lessons/x",
        "/modules/ai-fundamentals/lessons/what-is-ai%00",
    ] {
        let r = app.get(path).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
    }
    let token = csrf_token(&app.get_html("/dashboard").await);
    let r = app
        .post_raw(
            "/modules/ai-fundamentals/lessons/nope/complete",
            &[("csrf_token", &token)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn injection_strings_in_every_registration_field_never_cause_a_server_error() {
    let app = spawn_app().await;
    for evil in [
        "' OR 1=1 --",
        "\"; DROP TABLE users; --",
        "<script>alert(1)</script>",
        "%00",
        "${jndi:ldap://x}",
        "{{page}}",
    ] {
        let r = app.register(evil, evil, evil).await;
        assert!(r.status().is_client_error(), "{evil}: {}", r.status());
        let r = app.other_browser().login(evil, evil).await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{evil}");
    }
}
