use reqwest::StatusCode;

use crate::helpers::*;

#[tokio::test]
async fn two_instances_on_one_database_share_sessions_and_signing_keys() {
    let first = spawn_app().await;
    let on_second = first.second_instance().await;

    let r = first
        .register("shared@example.org", "Shared Session", PASSWORD)
        .await;
    let cookie = set_cookie(&r, "dd_session").unwrap();
    let cookie = cookie.split(';').next().unwrap().to_string();
    let r = get_with_cookie(&on_second, "/dashboard", &cookie).await;
    assert_eq!(
        r.status(),
        StatusCode::OK,
        "a session made on one instance works on the other"
    );
    assert!(r.text().await.unwrap().contains("Shared Session"));
    // A form rendered by one instance is accepted by the other (shared CSRF key).
    let page = first
        .get_html("/modules/ai-fundamentals/lessons/what-is-ai")
        .await;
    let token = csrf_token(&page);
    let r = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(on_second.url("/modules/ai-fundamentals/lessons/what-is-ai/complete"))
        .header("cookie", &cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("csrf_token={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let a = first
        .get("/.well-known/jwks.json")
        .await
        .text()
        .await
        .unwrap();
    let b = on_second
        .get("/.well-known/jwks.json")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(a, b, "both instances publish the same keys");
}
