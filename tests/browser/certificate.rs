use crate::browser::{Browser, Js};
use crate::helpers::{PASSWORD, spawn_app};

/// Logs in through both steps: the password, then the code from the authenticator app.
pub async fn log_in_with_code(
    b: &Browser,
    app: &crate::helpers::TestApp,
    email: &str,
    secret: &str,
) {
    b.goto("/login").await;
    b.fill("#email", email).await;
    b.fill("#password", PASSWORD).await;
    b.click("main form button[type=submit]").await;
    assert!(
        b.path().await.starts_with("/login/code"),
        "asked for a code"
    );
    b.check("login-code", "Enter your security code").await;
    b.fill("#code", &app.totp_now(secret)).await;
    b.click("main form button[type=submit]").await;
    assert_eq!(b.path().await, "/dashboard", "logged in as {email}");
}

/// Logs in through the login form.
pub async fn log_in(b: &Browser, email: &str) {
    b.goto("/login").await;
    b.fill("#email", email).await;
    b.fill("#password", PASSWORD).await;
    b.click("main form button[type=submit]").await;
    assert_eq!(b.path().await, "/dashboard", "logged in as {email}");
}

/// A learner who has finished the course (done quickly over HTTP) sees the finished dashboard,
/// rates their confidence, opens their certificate and its public verify page; public pages and
/// the "not found" page pass the same checks, logged out and in.
#[tokio::test]
async fn a_learner_who_finished_sees_their_certificate_and_anyone_can_verify_it() {
    let app = spawn_app().await;
    let email = app.new_learner().await;
    app.complete_course().await;
    let Some(b) = Browser::start(&app, Js::On, "js").await else {
        return;
    };

    log_in(&b, &email).await;
    assert!(b.body_text().await.contains("100% complete"));
    b.check("dashboard-finished", "Your dashboard").await;

    // The after-course confidence form: sent empty, it explains what is missing.
    b.click_text("Rate your confidence now").await;
    assert_eq!(b.path().await, "/confidence/after");
    b.check("confidence", "Your confidence after the course")
        .await;
    b.click_text("Save my ratings").await;
    assert!(b.exists(".nhsuk-error-summary").await);
    b.check("confidence-errors", "Error: Your confidence").await;

    b.click("header a[href='/certificate']").await;
    assert!(b.text("main").await.contains("Certificate of completion"));
    b.check("certificate", "Your certificate").await;
    b.click_text("See the public verification page").await;
    let verify = b.path().await;
    assert!(verify.starts_with("/verify/"), "{verify}");
    assert!(b.text("main").await.contains("Test Learner"));
    b.check("verify", "Certificate").await;

    b.goto("/no-such-page").await;
    b.check("error-404-logged-in", "Page not found").await;

    b.goto("/dashboard").await;
    b.click_text("Log out").await;
    b.goto(&verify).await;
    assert!(b.text("dl").await.contains("Valid"));
    b.check("verify-logged-out", "Certificate").await;
    b.goto("/verify").await;
    b.check("verify-form", "Check a certificate").await;
    b.goto("/no-such-page").await;
    b.check("error-404", "Page not found").await;
    for (path, title) in [
        ("/accessibility", "Accessibility statement"),
        ("/privacy", "Privacy notice"),
        ("/cookies", "Cookies"),
    ] {
        b.goto(path).await;
        b.check(&path[1..], title).await;
    }
    b.quit().await;
}
