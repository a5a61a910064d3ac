//! The client's address behind a reverse proxy: forwarding headers are believed only from a
//! trusted proxy (`trusted_proxies`), so per-IP limits and audit rows name the real client, and a
//! client talking to the server directly cannot choose its own address.
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::helpers::*;
use deepdive::entities::audit_log;
use deepdive::proxies::TrustedProxies;

/// A registration with a blank form (refused with 422 before any password hashing), as if it
/// came through a proxy that appended `forwarded_for`.
async fn blank_registration(app: &TestApp, token: &str, forwarded_for: &str) -> StatusCode {
    app.client
        .post(app.url("/register"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-forwarded-for", forwarded_for)
        .body(format!("csrf_token={token}&email=&name=&password="))
        .send()
        .await
        .unwrap()
        .status()
}

async fn register_forwarded(app: &TestApp, email: &str, forwarded: (&str, &str)) {
    let token = csrf_token(&app.get_html("/register").await);
    let body: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("csrf_token", token.as_str()),
            ("email", email),
            ("name", "Proxied Person"),
            ("password", "a long enough passphrase"),
        ])
        .finish();
    let r = app
        .client
        .post(app.url("/register"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header(forwarded.0, forwarded.1)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "registered");
}

async fn registration_ip(app: &TestApp) -> Option<String> {
    audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("account.register"))
        .one(&app.db)
        .await
        .unwrap()
        .expect("the registration is audited")
        .ip
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_audit_log_records_the_forwarded_client_address() {
    let app = spawn_app_with(|s| {
        s.trusted_proxies = TrustedProxies::parse("127.0.0.1, ::1").unwrap();
    })
    .await;
    // The client wrote a fake first entry; the proxy appended the address it saw.
    register_forwarded(
        &app,
        "proxied@example.org",
        ("x-forwarded-for", "10.9.9.9, 203.0.113.7"),
    )
    .await;
    assert_eq!(registration_ip(&app).await.as_deref(), Some("203.0.113.7"));
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_forwarded_header_names_the_client() {
    let app = spawn_app_with(|s| {
        s.trusted_proxies = TrustedProxies::parse("127.0.0.0/8").unwrap();
    })
    .await;
    register_forwarded(
        &app,
        "forwarded@example.org",
        ("forwarded", "for=\"[2001:db8::7]:4711\";proto=https"),
    )
    .await;
    assert_eq!(registration_ip(&app).await.as_deref(), Some("2001:db8::7"));
}

#[tokio::test]
async fn a_spoofed_forwarding_header_from_an_untrusted_peer_is_ignored_in_the_audit_log() {
    let app = spawn_app().await;
    register_forwarded(
        &app,
        "spoofer@example.org",
        ("x-forwarded-for", "203.0.113.7"),
    )
    .await;
    assert_eq!(registration_ip(&app).await.as_deref(), Some("127.0.0.1"));
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_client_has_its_own_login_limit() {
    let app = spawn_app_with(|s| {
        s.auth_rate_per_minute = 1;
        s.trusted_proxies = TrustedProxies::parse("127.0.0.1").unwrap();
    })
    .await;
    let token = csrf_token(&app.get_html("/register").await);
    let first = blank_registration(&app, &token, "203.0.113.1").await;
    let again = blank_registration(&app, &token, "203.0.113.1").await;
    let other_client = blank_registration(&app, &token, "203.0.113.2").await;
    assert_eq!(first, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(again, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        other_client,
        StatusCode::UNPROCESSABLE_ENTITY,
        "another client behind the same proxy is not limited by the first"
    );
}

#[tokio::test]
async fn without_trusted_proxies_a_spoofed_address_does_not_escape_the_login_limit() {
    let app = spawn_app_with(|s| s.auth_rate_per_minute = 1).await;
    let token = csrf_token(&app.get_html("/register").await);
    let first = blank_registration(&app, &token, "203.0.113.1").await;
    let spoofed = blank_registration(&app, &token, "203.0.113.2").await;
    assert_eq!(first, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(spoofed, StatusCode::TOO_MANY_REQUESTS);
}
