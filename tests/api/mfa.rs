//! Two-step verification (TOTP): enrolment, login with a code, replay refused, recovery codes,
//! throttling, and who must have it.
use chrono::Duration;
use reqwest::StatusCode;

use crate::helpers::{PASSWORD, get_with_cookie, location, org_with_admin, set_cookie, spawn_app};

/// Logs in with the password only: the answer to that first step.
async fn password_step(b: &crate::helpers::TestApp, email: &str) -> reqwest::Response {
    b.login(email, PASSWORD).await
}

async fn code_step(b: &crate::helpers::TestApp, code: &str) -> reqwest::Response {
    b.submit(
        "/login/code",
        "/login/code",
        &[("code", code), ("next", "/dashboard")],
    )
    .await
}

#[tokio::test]
async fn a_learner_who_turns_it_on_needs_a_code_from_the_app_after_the_password() {
    let app = spawn_app().await;
    let email = app.new_learner().await;
    let (secret, codes) = app.enrol_mfa().await;
    assert_eq!(codes.len(), 10, "ten recovery codes are shown once");
    assert!(
        app.get_html("/account")
            .await
            .contains("Manage two-step verification")
    );

    let b = app.other_browser();
    let r = password_step(&b, &email).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(location(&r).starts_with("/login/code"), "{}", location(&r));
    assert!(
        set_cookie(&r, "dd_session").is_none(),
        "no session before the code"
    );
    let r = b.get("/dashboard").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "not logged in yet");

    app.clock.advance(Duration::seconds(30));
    let r = code_step(&b, &b.totp_now(&secret)).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/dashboard");
    assert_eq!(b.get("/dashboard").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_code_that_was_used_once_is_refused_the_second_time() {
    let app = spawn_app().await;
    let email = app.new_learner().await;
    let (secret, _) = app.enrol_mfa().await;
    app.clock.advance(Duration::seconds(60));
    let code = app.totp_now(&secret);

    let first = app.other_browser();
    password_step(&first, &email).await;
    assert_eq!(
        code_step(&first, &code).await.status(),
        StatusCode::SEE_OTHER
    );

    let second = app.other_browser();
    password_step(&second, &email).await;
    let r = code_step(&second, &code).await;
    assert_eq!(
        r.status(),
        StatusCode::UNAUTHORIZED,
        "a replayed code is refused"
    );
    assert!(r.text().await.unwrap().contains("Enter the 6-digit code"));
    assert_eq!(
        second.get("/dashboard").await.status(),
        StatusCode::SEE_OTHER
    );

    // A new time-step brings a new code, which works.
    app.clock.advance(Duration::seconds(30));
    let r = code_step(&second, &second.totp_now(&secret)).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_wrong_enrolment_code_leaves_it_off_and_keeps_the_same_qr_code() {
    let app = spawn_app().await;
    app.new_learner().await;
    let before = app.get_html("/account/mfa").await;
    let r = app
        .submit("/account/mfa", "/account/mfa/enable", &[("code", "000000")])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let after = r.text().await.unwrap();
    assert!(after.contains("Enter the 6-digit code your authenticator app shows now"));
    let key = |h: &str| crate::helpers::between(h, "<code class=\"dd-secret\">", "</code>");
    assert_eq!(
        key(&before),
        key(&after),
        "the same secret while enrolment is unfinished"
    );
    assert!(before.contains("<svg"), "the QR code is on the page");
    assert!(
        app.get_html("/account")
            .await
            .contains("Set up two-step verification")
    );
}

#[tokio::test]
async fn a_recovery_code_logs_in_once_and_only_once() {
    let app = spawn_app().await;
    let email = app.new_learner().await;
    let (_, codes) = app.enrol_mfa().await;
    let b = app.other_browser();
    password_step(&b, &email).await;
    let r = code_step(&b, &codes[3].to_lowercase()).await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "typed in lower case still counts"
    );
    let c = app.other_browser();
    password_step(&c, &email).await;
    assert_eq!(
        code_step(&c, &codes[3]).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let page = app.get_html("/account/mfa").await;
    assert!(page.contains("You have 9 unused recovery codes"), "{page}");
}

#[tokio::test]
async fn wrong_codes_lock_the_account_like_wrong_passwords() {
    let app = spawn_app().await;
    let email = app.new_learner().await;
    let (secret, _) = app.enrol_mfa().await;
    let b = app.other_browser();
    password_step(&b, &email).await;
    for _ in 0..10 {
        assert_eq!(
            code_step(&b, "123456").await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    app.clock.advance(Duration::seconds(30));
    let r = code_step(&b, &b.totp_now(&secret)).await;
    assert_eq!(
        r.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "locked after ten wrong codes"
    );
    assert_eq!(b.get("/dashboard").await.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_forged_or_expired_pending_login_goes_back_to_the_password() {
    let app = spawn_app().await;
    let email = app.new_learner().await;
    app.enrol_mfa().await;
    let r = get_with_cookie(&app, "/login/code", "dd_mfa=1.99999999999.forged").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(location(&r).starts_with("/login"));

    let b = app.other_browser();
    let r = password_step(&b, &email).await;
    let pending = set_cookie(&r, "dd_mfa").expect("pending cookie");
    app.clock.advance(Duration::minutes(6));
    let r = get_with_cookie(&app, "/login/code", &format!("dd_mfa={pending}")).await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "expired after five minutes"
    );
}

#[tokio::test]
async fn platform_admins_must_set_it_up_before_the_admin_pages_and_cannot_turn_it_off() {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
    let app = spawn_app().await;
    let email = app.new_learner().await;
    deepdive::entities::users::Entity::update_many()
        .col_expr(
            deepdive::entities::users::Column::Role,
            Expr::value("platform_admin"),
        )
        .filter(deepdive::entities::users::Column::Email.eq(email.as_str()))
        .exec(&app.db)
        .await
        .unwrap();
    app.sync_caches().await;
    let r = app.get("/admin").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/account/mfa?required=1");
    assert!(
        app.get_html("/account/mfa?required=1")
            .await
            .contains("Administrators must set up two-step verification")
    );
    app.enrol_mfa().await;
    assert_eq!(app.get("/admin").await.status(), StatusCode::OK);
    let r = app
        .submit(
            "/account/mfa",
            "/account/mfa/disable",
            &[("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.get("/admin").await.status(), StatusCode::OK, "still on");
}

#[tokio::test]
async fn an_organisation_can_require_it_for_its_admins() {
    let app = spawn_app().await;
    let (admin, _) = org_with_admin(&app, "mfa-trust").await;
    assert_eq!(admin.get("/org/mfa-trust").await.status(), StatusCode::OK);
    let r = admin
        .submit(
            "/org/mfa-trust",
            "/org/mfa-trust/security",
            &[("require_admin_mfa", "yes")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = admin.get("/org/mfa-trust").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/account/mfa?required=1");
    admin.enrol_mfa().await;
    assert!(
        admin
            .get_html("/org/mfa-trust/cohorts")
            .await
            .contains("name=\"require_admin_mfa\" type=\"checkbox\" value=\"yes\" checked")
    );
}

#[tokio::test]
async fn a_learner_can_turn_it_off_with_their_password_and_then_logs_in_without_a_code() {
    let app = spawn_app().await;
    let email = app.new_learner().await;
    app.enrol_mfa().await;
    let r = app
        .submit(
            "/account/mfa",
            "/account/mfa/disable",
            &[("password", "not my password")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .submit(
            "/account/mfa",
            "/account/mfa/disable",
            &[("password", PASSWORD)],
        )
        .await;
    assert_eq!(location(&r), "/account/mfa?done=off");
    let b = app.other_browser();
    let r = password_step(&b, &email).await;
    assert_eq!(location(&r), "/dashboard");
}

#[tokio::test]
async fn an_org_admin_issues_a_single_use_reset_link_that_ends_the_learners_sessions() {
    let app = spawn_app().await;
    let (admin, org_id) = org_with_admin(&app, "reset-trust").await;
    let (learner, learner_id) = crate::helpers::org_learner(&app, org_id, "Rita Reset", None).await;
    assert_eq!(learner.get("/dashboard").await.status(), StatusCode::OK);
    let r = admin
        .submit(
            "/org/reset-trust",
            &format!("/org/reset-trust/members/{learner_id}/reset"),
            &[],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let page = r.text().await.unwrap();
    let link = crate::helpers::between(
        &page,
        "id=\"reset-link\" type=\"text\" readonly value=\"",
        "\"",
    );
    let path = link
        .split_once("/activate/")
        .map(|(_, t)| format!("/activate/{t}"))
        .unwrap();

    let anyone = app.other_browser();
    let r = anyone
        .submit(&path, &path, &[("password", "a brand new passphrase")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        learner.get("/dashboard").await.status(),
        StatusCode::SEE_OTHER,
        "old sessions ended"
    );
    assert_eq!(
        anyone.get(&path).await.status(),
        StatusCode::NOT_FOUND,
        "single use"
    );

    // Not for admins, and not for people outside the organisation.
    let (other_admin, _) = org_with_admin(&app, "elsewhere").await;
    let r = other_admin
        .submit(
            "/org/elsewhere",
            &format!("/org/elsewhere/members/{learner_id}/reset"),
            &[],
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_reset_link_expires_after_a_day_and_keeps_the_second_step() {
    let app = spawn_app().await;
    let (admin, org_id) = org_with_admin(&app, "reset-mfa").await;
    let (learner, learner_id) = crate::helpers::org_learner(&app, org_id, "Mo Factor", None).await;
    learner.enrol_mfa().await;
    let issue = || async {
        let r = admin
            .submit(
                "/org/reset-mfa",
                &format!("/org/reset-mfa/members/{learner_id}/reset"),
                &[],
            )
            .await;
        let page = r.text().await.unwrap();
        let link = crate::helpers::between(
            &page,
            "id=\"reset-link\" type=\"text\" readonly value=\"",
            "\"",
        );
        link.split_once("/activate/")
            .map(|(_, t)| format!("/activate/{t}"))
            .unwrap()
    };
    let path = issue().await;
    let b = app.other_browser();
    let r = b
        .submit(&path, &path, &[("password", "a brand new passphrase")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(
        location(&r).starts_with("/login"),
        "no session without the code"
    );
    assert_eq!(b.get("/dashboard").await.status(), StatusCode::SEE_OTHER);

    let later = issue().await;
    app.clock.advance(Duration::hours(25));
    assert_eq!(
        app.other_browser().get(&later).await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn with_smtp_set_up_the_reset_link_is_emailed_through_the_outbox_instead_of_shown() {
    let Some(sink) = crate::mail::SmtpSink::start() else {
        return;
    };
    let app = crate::mail::app_with_mail(&sink).await;
    let (admin, org_id) = org_with_admin(&app, "mail-trust").await;
    let (_, learner_id) = crate::helpers::org_learner(&app, org_id, "Ed Mail", None).await;
    let r = admin
        .submit(
            "/org/mail-trust",
            &format!("/org/mail-trust/members/{learner_id}/reset"),
            &[],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let page = r.text().await.unwrap();
    assert!(page.contains("We are e-mailing a link to"), "{page}");
    assert!(
        !page.contains("/activate/"),
        "the link is not shown when it is e-mailed"
    );
    crate::mail::settle(&app).await;
    let got = sink.received();
    assert_eq!(got.len(), 1, "one message: {got:?}");
    assert!(
        got[0].subject.ends_with("choose a new password"),
        "{}",
        got[0].subject
    );
    crate::mail::keep_sample("admin-reset-link", &got[0]);
    let link = got[0]
        .text
        .split_whitespace()
        .find(|w| w.contains("/activate/"))
        .expect("the link is in the e-mail")
        .to_string();
    let path = format!("/activate/{}", link.rsplit('/').next().unwrap());
    assert_eq!(
        app.other_browser().get(&path).await.status(),
        StatusCode::OK
    );
    let audit = admin.get_html("/org/mail-trust/audit").await;
    assert!(audit.to_lowercase().contains("reset"), "audited: {audit}");
}
