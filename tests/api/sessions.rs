use chrono::Duration;
use reqwest::StatusCode;
use sea_orm::{EntityTrait, PaginatorTrait};

use crate::helpers::*;
use deepdive::entities::sessions;

fn cookie_pair(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap().to_string()
}

#[tokio::test]
async fn the_session_cookie_is_http_only_lax_and_host_wide() {
    let app = spawn_app().await;
    let r = app.register("a@example.org", "A", PASSWORD).await;
    let c = set_cookie(&r, "dd_session").expect("session cookie");
    assert!(c.contains("HttpOnly"));
    assert!(c.contains("SameSite=Lax"));
    assert!(c.contains("Path=/"));
    assert!(!c.to_lowercase().contains("domain="));
    let value = cookie_pair(&c).split('=').nth(1).unwrap().to_string();
    assert!(value.len() >= 43, "at least 256 bits, base64: {value}");
}

#[tokio::test]
async fn over_https_the_cookie_is_secure_with_the_host_prefix() {
    let app = spawn_app_with(|s| s.base_url = "https://learn.example.nhs.uk".into()).await;
    let r = app.get("/register").await;
    let c = set_cookie(&r, "__Host-dd_csrf").expect("pre-login CSRF cookie");
    assert!(
        c.contains("Secure") && c.contains("HttpOnly") && c.contains("Path=/"),
        "{c}"
    );
    assert!(
        r.headers()
            .get("strict-transport-security")
            .unwrap()
            .to_str()
            .unwrap()
            .contains("max-age=31536000")
    );
    // Registration over the https setting issues a Secure, __Host- session cookie.
    let token = csrf_token(&r.text().await.unwrap());
    let r = app
        .client
        .post(app.url("/register"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", c.split(';').next().unwrap())
        .body(format!(
            "csrf_token={token}&email=s%40example.org&name=S&password=a+long+enough+passphrase"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let session = set_cookie(&r, "__Host-dd_session").expect("secure session cookie");
    assert!(
        session.contains("Secure")
            && session.contains("HttpOnly")
            && session.contains("SameSite=Lax")
    );
}

#[tokio::test]
async fn the_session_id_changes_at_login_and_the_old_one_is_refused() {
    let app = spawn_app().await;
    let r = app.register("rot@example.org", "Rotating", PASSWORD).await;
    let first_cookie = cookie_pair(&set_cookie(&r, "dd_session").unwrap());
    // Log in again from the same browser (say, from a second tab's login form).
    let token = csrf_token(&app.get_html("/dashboard").await);
    let second = app
        .post_raw(
            "/login",
            &[
                ("email", "rot@example.org"),
                ("password", PASSWORD),
                ("csrf_token", &token),
            ],
        )
        .await;
    assert_eq!(second.status(), StatusCode::SEE_OTHER);
    let second_cookie = cookie_pair(&set_cookie(&second, "dd_session").unwrap());
    assert_ne!(first_cookie, second_cookie);
    assert_eq!(
        get_with_cookie(&app, "/dashboard", &first_cookie)
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        get_with_cookie(&app, "/dashboard", &second_cookie)
            .await
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn logout_ends_the_session_on_the_server_so_a_replayed_cookie_is_refused() {
    let app = spawn_app().await;
    let r = app.register("b@example.org", "B", PASSWORD).await;
    let cookie = cookie_pair(&set_cookie(&r, "dd_session").unwrap());
    assert_eq!(
        get_with_cookie(&app, "/dashboard", &cookie).await.status(),
        StatusCode::OK
    );
    let r = app.logout().await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(sessions::Entity::find().count(&app.db).await.unwrap(), 0);
    let replay = get_with_cookie(&app, "/dashboard", &cookie).await;
    assert_eq!(replay.status(), StatusCode::SEE_OTHER);
    assert!(location(&replay).starts_with("/login"));
}

#[tokio::test]
async fn a_session_ends_after_thirty_idle_minutes() {
    let app = spawn_app().await;
    app.new_learner().await;
    app.clock.advance(Duration::minutes(29));
    assert_eq!(app.get("/dashboard").await.status(), StatusCode::OK);
    app.clock.advance(Duration::minutes(29));
    assert_eq!(
        app.get("/dashboard").await.status(),
        StatusCode::OK,
        "activity keeps it alive"
    );
    app.clock.advance(Duration::minutes(31));
    assert_eq!(app.get("/dashboard").await.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_session_ends_twelve_hours_after_login_however_active() {
    let app = spawn_app().await;
    app.new_learner().await;
    for _ in 0..(11 * 4) {
        app.clock.advance(Duration::minutes(15));
        assert_eq!(app.get("/dashboard").await.status(), StatusCode::OK);
    }
    app.clock.advance(Duration::minutes(61));
    assert_eq!(app.get("/dashboard").await.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_form_without_its_csrf_token_is_refused() {
    let app = spawn_app().await;
    app.new_learner().await;
    let r = app
        .post_raw("/modules/ai-fundamentals/lessons/what-is-ai/complete", &[])
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = app
        .post_raw(
            "/modules/ai-fundamentals/lessons/what-is-ai/complete",
            &[("csrf_token", "forged")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let html = app.get_html("/dashboard").await;
    assert!(html.contains("0% complete"), "nothing was recorded");
}

#[tokio::test]
async fn a_token_from_another_session_is_refused() {
    let app = spawn_app().await;
    app.new_learner().await;
    let other = app.other_browser();
    other.new_learner().await;
    let others_token = csrf_token(&other.get_html("/dashboard").await);
    let r = app
        .post_raw(
            "/modules/ai-fundamentals/lessons/what-is-ai/complete",
            &[("csrf_token", &others_token)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_form_posted_from_another_site_is_refused_even_with_a_valid_token() {
    let app = spawn_app().await;
    app.new_learner().await;
    let token = csrf_token(&app.get_html("/dashboard").await);
    let path = "/modules/ai-fundamentals/lessons/what-is-ai/complete";
    for (header, value) in [
        ("origin", "https://evil.example"),
        ("sec-fetch-site", "cross-site"),
    ] {
        let r = app
            .client
            .post(app.url(path))
            .header("content-type", "application/x-www-form-urlencoded")
            .header(header, value)
            .body(format!("csrf_token={token}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{header}: {value}");
    }
    let same = app
        .client
        .post(app.url(path))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", app.address.clone())
        .header("sec-fetch-site", "same-origin")
        .body(format!("csrf_token={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(same.status(), StatusCode::SEE_OTHER);
}
