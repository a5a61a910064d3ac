use chrono::Duration;
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::helpers::*;
use deepdive::entities::{audit_log, sessions, users};
use deepdive::web::routes::{Guard, ROUTES};

const NEW_PASSWORD: &str = "another long passphrase";

#[tokio::test]
async fn the_account_page_shows_the_name_the_email_and_this_session() {
    let app = spawn_app().await;
    app.register("ann@example.nhs.uk", "Ann Smith", PASSWORD)
        .await;
    let html = app.get_html("/account").await;
    assert!(html.contains("Ann Smith"));
    assert!(html.contains("ann@example.nhs.uk"));
    assert!(html.contains("data-this-device=\"true\""));
    assert!(html.contains("You are not logged in anywhere else"));
    assert!(html.contains("href=\"/account/export\""));
    assert!(html.contains("href=\"/account/delete\""));
    let dashboard = app.get_html("/dashboard").await;
    assert!(
        dashboard.contains("href=\"/account\""),
        "the header links to the account page"
    );
}

#[tokio::test]
async fn every_account_route_sends_anonymous_visitors_to_log_in() {
    let app = spawn_app().await;
    let account_routes: Vec<_> = ROUTES
        .iter()
        .filter(|r| r.path.starts_with("/account"))
        .collect();
    assert!(account_routes.len() >= 10, "{account_routes:?}");
    for route in account_routes {
        let (method, path) = (route.method, route.path);
        assert_eq!(route.guard, Guard::Learner, "{method} {path}");
        let r = match method {
            "GET" => app.get(path).await,
            _ => app.post_raw(path, &[("csrf_token", "x")]).await,
        };
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{method} {path}");
        assert!(location(&r).starts_with("/login"), "{method} {path}");
    }
}

#[tokio::test]
async fn account_forms_without_their_csrf_token_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let email = app.new_learner().await;
    let other = app.other_browser();
    other.login(&email, PASSWORD).await;
    for (path, fields) in [
        ("/account/name", vec![("name", "Changed")]),
        (
            "/account/email",
            vec![("email", "changed@example.org"), ("password", PASSWORD)],
        ),
        (
            "/account/password",
            vec![
                ("current_password", PASSWORD),
                ("new_password", NEW_PASSWORD),
            ],
        ),
        ("/account/sessions/end-others", vec![]),
        (
            "/account/delete",
            vec![("password", PASSWORD), ("confirm", "yes")],
        ),
    ] {
        let r = app.post_raw(path, &fields).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{path}");
    }
    let user = app.user(&email).await;
    assert_eq!(user.name, "Test Learner");
    assert!(user.anonymised_at.is_none());
    assert_eq!(other.get("/dashboard").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn changing_the_name_does_not_change_an_issued_certificate() {
    let app = spawn_app().await;
    app.register("cert@example.org", "Original Name", PASSWORD)
        .await;
    app.complete_course().await;
    let code = app.certificate_code().await.unwrap();
    let r = app
        .submit(
            "/account",
            "/account/name",
            &[("name", "  Renamed   Person ")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/account?done=name");
    let html = app.get_html("/account?done=name").await;
    assert!(html.contains("Your name has been changed"));
    assert!(html.contains("Renamed Person"));
    let certificate = app.get_html("/certificate").await;
    assert!(certificate.contains("<strong>Original Name</strong>"));
    let pdf = app.get(&format!("/certificates/{code}.pdf")).await;
    let text = pdf_text(&pdf.bytes().await.unwrap());
    assert!(
        text.contains("Original Name") && !text.contains("Renamed"),
        "{text}"
    );
    let verify = app
        .other_browser()
        .get_html(&format!("/verify/{code}"))
        .await;
    assert!(verify.contains("Original Name"));
    assert!(!verify.contains("Renamed Person"));
}

#[tokio::test]
async fn an_empty_name_is_refused_and_the_typed_value_kept() {
    let app = spawn_app().await;
    let email = app.new_learner().await;
    let r = app
        .submit("/account", "/account/name", &[("name", "   ")])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("There is a problem"));
    assert!(html.contains("href=\"#name\""));
    assert_eq!(app.user(&email).await.name, "Test Learner");
}

#[tokio::test]
async fn a_wrong_current_password_refuses_the_email_change_with_422_and_keeps_the_input() {
    let app = spawn_app().await;
    let email = app.new_learner().await;
    let r = app
        .submit(
            "/account",
            "/account/email",
            &[
                ("email", "new.address@example.org"),
                ("password", "not the right password"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("There is a problem"));
    assert!(html.contains("href=\"#email-password\""));
    assert!(html.contains("Your password is not right"));
    assert!(
        html.contains("value=\"new.address@example.org\""),
        "the other input is kept"
    );
    assert!(!html.contains("not the right password"));
    assert_eq!(app.user(&email).await.email, email);
}

#[tokio::test]
async fn the_email_can_be_changed_but_not_to_one_taken_in_another_case() {
    let app = spawn_app().await;
    let email = app.new_learner().await;
    let other = app.other_browser();
    other
        .register("taken@example.org", "Someone Else", PASSWORD)
        .await;
    let r = app
        .submit(
            "/account",
            "/account/email",
            &[("email", "TAKEN@Example.org"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("Another account already uses this email address"));
    assert!(html.contains("href=\"#email\""));
    let r = app
        .submit(
            "/account",
            "/account/email",
            &[("email", " Moved@Example.org "), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/account?done=email");
    app.logout().await;
    assert_eq!(
        app.login(&email, PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.login("moved@example.org", PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn changing_the_password_ends_the_other_session_but_keeps_this_one() {
    let app = spawn_app().await;
    let email = app.new_learner().await;
    let phone = app.other_browser();
    assert_eq!(
        phone.login(&email, PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(phone.get("/dashboard").await.status(), StatusCode::OK);
    let r = app
        .submit(
            "/account",
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/account?done=password");
    assert_eq!(
        app.get("/dashboard").await.status(),
        StatusCode::OK,
        "this one stays"
    );
    let phone_now = phone.get("/dashboard").await;
    assert_eq!(
        phone_now.status(),
        StatusCode::SEE_OTHER,
        "the other one ended"
    );
    assert!(location(&phone_now).starts_with("/login"));
    let user = app.user(&email).await;
    assert_eq!(
        sessions::Entity::find()
            .filter(sessions::Column::UserId.eq(user.id))
            .count(&app.db)
            .await
            .unwrap(),
        1
    );
    assert!(
        user.password_hash
            .starts_with("$argon2id$v=19$m=19456,t=2,p=1$")
    );
    let fresh = app.other_browser();
    assert_eq!(
        fresh.login(&email, PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        fresh.login(&email, NEW_PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn a_new_password_must_follow_the_password_rules_and_the_current_one_must_be_right() {
    let app = spawn_app().await;
    let email = app.new_learner().await;
    let before = app.user(&email).await.password_hash;
    for (current, new, field) in [
        (PASSWORD, "1q2w3e4r5t6y", "new-password"),
        (PASSWORD, "short", "new-password"),
        ("not the right password", NEW_PASSWORD, "current-password"),
    ] {
        let r = app
            .submit(
                "/account",
                "/account/password",
                &[("current_password", current), ("new_password", new)],
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{new}");
        let html = r.text().await.unwrap();
        assert!(html.contains(&format!("href=\"#{field}\"")), "{new}");
        assert!(
            !html.contains(new) && !html.contains(current),
            "no password echoed"
        );
    }
    assert_eq!(app.user(&email).await.password_hash, before);
}

#[tokio::test]
async fn another_session_can_be_ended_by_an_opaque_reference_and_the_hash_never_shown() {
    let app = spawn_app().await;
    let email = app.new_learner().await;
    let phone = app.other_browser();
    phone.login(&email, PASSWORD).await;
    let tablet = app.other_browser();
    tablet.login(&email, PASSWORD).await;
    let html = app.get_html("/account").await;
    for s in sessions::Entity::find().all(&app.db).await.unwrap() {
        assert!(!html.contains(&s.id_hash), "no session hash on the page");
    }
    assert!(html.contains("End all other sessions"));
    let references: Vec<String> = html
        .match_indices("name=\"session\" value=\"")
        .map(|(i, m)| {
            let rest = &html[i + m.len()..];
            rest[..rest.find('"').unwrap()].to_string()
        })
        .collect();
    assert_eq!(references.len(), 2, "one form per other session");
    let r = app
        .submit(
            "/account",
            "/account/sessions/end",
            &[("session", &references[0])],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/account?done=session");
    let still_in = [
        phone.get("/dashboard").await,
        tablet.get("/dashboard").await,
    ]
    .iter()
    .filter(|r| r.status() == StatusCode::OK)
    .count();
    assert_eq!(still_in, 1, "exactly one other session ended");
    let r = app
        .submit("/account", "/account/sessions/end-others", &[])
        .await;
    assert_eq!(location(&r), "/account?done=others");
    assert_eq!(
        phone.get("/dashboard").await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        tablet.get("/dashboard").await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(app.get("/dashboard").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_session_reference_of_another_account_ends_nothing() {
    let app = spawn_app().await;
    let victim = app.new_learner().await;
    let victim_phone = app.other_browser();
    victim_phone.login(&victim, PASSWORD).await;
    let victim_refs = app.get_html("/account").await;
    let victim_ref = hidden(&victim_refs, "session");
    let attacker = app.other_browser();
    attacker.new_learner().await;
    let r = attacker
        .submit(
            "/account",
            "/account/sessions/end",
            &[("session", &victim_ref)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/account", "nothing ended");
    assert_eq!(
        victim_phone.get("/dashboard").await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn account_changes_are_audited_without_passwords_names_or_addresses() {
    let app = spawn_app().await;
    app.register("audit.me@example.org", "Audrey Auditee", PASSWORD)
        .await;
    app.submit("/account", "/account/name", &[("name", "Audrey Renamed")])
        .await;
    app.submit(
        "/account",
        "/account/email",
        &[
            ("email", "audit.new@example.org"),
            ("password", "a wrong password!"),
        ],
    )
    .await;
    app.submit(
        "/account",
        "/account/email",
        &[("email", "audit.new@example.org"), ("password", PASSWORD)],
    )
    .await;
    app.submit(
        "/account",
        "/account/password",
        &[
            ("current_password", PASSWORD),
            ("new_password", NEW_PASSWORD),
        ],
    )
    .await;
    let rows = audit_log::Entity::find().all(&app.db).await.unwrap();
    let actions: Vec<&str> = rows.iter().map(|r| r.action.as_str()).collect();
    for a in [
        "account.name_change",
        "account.reauth_failure",
        "account.email_change",
        "account.password_change",
    ] {
        assert!(actions.contains(&a), "{a} missing from {actions:?}");
    }
    for r in &rows {
        let all = format!("{r:?}");
        for secret in [
            PASSWORD,
            NEW_PASSWORD,
            "a wrong password!",
            "audit.me@example.org",
            "audit.new@example.org",
            "Audrey",
        ] {
            assert!(!all.contains(secret), "{secret} in {all}");
        }
    }
}

#[tokio::test]
async fn ten_wrong_passwords_in_an_hour_lock_the_account_forms_until_the_hour_is_over() {
    let app = spawn_app().await;
    let email = app.new_learner().await;
    for _ in 0..10 {
        let r = app
            .submit(
                "/account",
                "/account/email",
                &[
                    ("email", "x@example.org"),
                    ("password", "wrong wrong wrong"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    let r = app
        .submit(
            "/account",
            "/account/email",
            &[("email", "x@example.org"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "even the right one"
    );
    assert_eq!(app.user(&email).await.email, email);
    // Stay active (idle timeout) while the hour passes.
    for _ in 0..3 {
        app.clock.advance(Duration::minutes(21));
        assert_eq!(app.get("/dashboard").await.status(), StatusCode::OK);
    }
    let r = app
        .submit(
            "/account",
            "/account/email",
            &[("email", "x@example.org"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        users::Entity::find()
            .filter(users::Column::Email.eq("x@example.org"))
            .count(&app.db)
            .await
            .unwrap(),
        1
    );
}
