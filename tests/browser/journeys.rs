//! The learner journeys of issue 19 in a real browser: the ways in from an invitation, a worksheet
//! answer typed past the session timeout and kept, and a learner in a weekly, locked cohort.
use chrono::{Duration, NaiveDate, TimeZone, Utc};

use crate::browser::{Browser, Js};
use crate::certificate::log_in;
use crate::helpers::{PASSWORD, TestApp, spawn_app, spawn_app_on};
use deepdive::clock::Clock;
use deepdive::domain::import::MemberRole;
use deepdive::services::organisations as orgs;

/// An organisation `slug` ("Trust SLUG") and the e-mail of its course lead (registered over HTTP).
async fn org_and_lead(app: &TestApp, slug: &str) -> (i32, String) {
    let org = orgs::create(&app.db, &format!("Trust {slug}"), slug, app.clock.now())
        .await
        .unwrap();
    let email = app.other_browser().new_learner().await;
    let user = app.user(&email).await;
    orgs::add_member(
        &app.db,
        org.id,
        user.id,
        MemberRole::OrgAdmin,
        None,
        app.clock.now(),
    )
    .await
    .unwrap();
    (org.id, email)
}

/// Logs in through the form of the page the browser is on (which carries its own `next`).
async fn log_in_here(b: &Browser, email: &str) {
    b.fill("#email", email).await;
    b.fill("#password", PASSWORD).await;
    b.click("main form button[type=submit]").await;
}

/// A course lead makes an invitation link to a cohort; a newcomer opens it, uses the header's
/// "Create an account" and lands on the dashboard that names what they joined; someone with an
/// account opens it, uses the header's "Log in" and joins at once.
#[tokio::test]
async fn a_newcomer_registers_and_an_existing_user_logs_in_from_an_invitation_and_both_join() {
    let app = spawn_app().await;
    let (org, lead) = org_and_lead(&app, "invite").await;
    orgs::create_cohort(
        &app.db,
        org,
        "Wave 1",
        app.clock.now(),
        false,
        app.clock.now(),
    )
    .await
    .unwrap();
    let existing = app.other_browser().new_learner().await;
    let Some(b) = Browser::start(&app, Js::On, "js").await else {
        return;
    };

    log_in(&b, &lead).await;
    b.goto("/org/invite/cohorts").await;
    b.find("#invite-cohort")
        .await
        .select_by_label("Wave 1")
        .await
        .unwrap();
    b.fill("#invite-days", "7").await;
    b.click_text("Create link").await;
    let link = b
        .find("#new-invite")
        .await
        .prop("value")
        .await
        .unwrap()
        .unwrap();
    let path = link[link.find("/invite/").expect("an invitation link")..].to_string();
    b.check("org-invitation-made", "Trust invite").await;
    b.click_text("Log out").await;

    // The help page every footer links to, before anyone logs in.
    b.click("footer a[href='/help']").await;
    assert!(b.text("main").await.contains("Ask your course lead"));
    b.check("help", "Help and contact").await;

    // A newcomer: the header's "Create an account" keeps the invitation.
    b.goto(&path).await;
    b.check("invitation", "").await;
    b.click("header a[href^='/register']").await;
    assert!(
        b.path().await.starts_with("/register?next="),
        "{}",
        b.path().await
    );
    assert!(b.body_text().await.contains("accept your invitation"));
    b.check("register-from-invitation", "Create an account")
        .await;
    b.fill("#name", "Nia Newcomer").await;
    b.fill("#email", "nia@example.nhs.uk").await;
    b.fill("#password", PASSWORD).await;
    b.click("main form button[type=submit]").await;
    assert_eq!(b.path().await, "/dashboard?joined=invite");
    let joined = b.text("main").await;
    assert!(
        joined.contains("You joined Trust invite, in the cohort Wave 1"),
        "{joined}"
    );
    b.check("dashboard-joined", "Your dashboard").await;
    b.click_text("Log out").await;

    // Someone with an account: the header's "Log in" keeps it and joins at once.
    b.goto(&path).await;
    b.click("header a[href^='/login']").await;
    assert!(b.path().await.starts_with("/login?next="));
    b.check("login-from-invitation", "Log in").await;
    log_in_here(&b, &existing).await;
    assert_eq!(b.path().await, "/dashboard?joined=invite");
    assert!(
        b.text("main")
            .await
            .contains("You joined Trust invite, in the cohort Wave 1")
    );
    b.quit().await;
}

/// A learner types a long worksheet answer, the session times out before they save, and after
/// logging in again they are back on the form with their text and a message to check and save it.
#[tokio::test]
async fn a_worksheet_answer_typed_past_the_timeout_is_kept_through_logging_in_again() {
    const WORKSHEET: &str = "/modules/ai-fundamentals/worksheet";
    let app = spawn_app().await;
    let email = app.other_browser().new_learner().await;
    let Some(b) = Browser::start(&app, Js::On, "js").await else {
        return;
    };
    let answer = "Our press release: the discharge letter service now reaches carers & GPs \
                  the same day. "
        .repeat(8);
    let answer = answer.trim_end();

    log_in(&b, &email).await;
    b.goto(WORKSHEET).await;
    b.fill("#answer-idea", answer).await;
    app.clock.advance(Duration::minutes(45));
    b.click_text("Save answers").await;
    assert!(
        b.path().await.starts_with("/login?next="),
        "{}",
        b.path().await
    );
    assert!(b.body_text().await.contains("What you typed has been kept"));
    b.check("login-after-timeout", "Log in").await;

    log_in_here(&b, &email).await;
    assert_eq!(b.path().await, WORKSHEET);
    assert!(
        b.text("#kept")
            .await
            .contains("Not saved yet: check and save")
    );
    let back = b
        .find("#answer-idea")
        .await
        .prop("value")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(back, answer, "the typed text is back");
    b.check("worksheet-kept", "").await;
    b.click_text("Save answers").await;
    assert!(b.path().await.ends_with("?saved=1"), "{}", b.path().await);
    assert!(!b.exists("#kept").await);
    b.quit().await;
}

/// A learner in a weekly cohort whose modules stay locked until released, at 7:02am on the day
/// module 1 is due: the dashboard shows release and due dates, nothing is overdue, and the locked
/// module says when it opens. The course lead's cohorts page (time zone, lock toggle) on the way.
#[tokio::test]
async fn a_weekly_paced_learner_sees_release_and_due_dates_and_a_locked_module_says_when_it_opens()
{
    let app = spawn_app_on(Clock::stopped(), |_| {}).await;
    app.clock
        .advance(Utc.with_ymd_and_hms(2026, 12, 1, 7, 2, 0).unwrap() - app.clock.now());
    let (org, lead) = org_and_lead(&app, "weekly").await;
    let learner = app.other_browser().new_learner().await;
    let Some(b) = Browser::start(&app, Js::On, "js").await else {
        return;
    };

    log_in(&b, &lead).await;
    b.goto("/org/weekly/cohorts").await;
    b.check("org-cohorts", "Trust weekly").await;
    b.fill("#cohort-name", "Winter wave").await;
    b.run_js("document.getElementById('cohort-start').value = '2026-11-24';")
        .await;
    b.find("#cohort-pacing")
        .await
        .select_by_value("weekly")
        .await
        .unwrap();
    b.click_in_page("label[for='cohort-lock']").await;
    b.click_text("Create cohort").await;
    assert!(b.body_text().await.contains("Winter wave"));
    b.check("org-cohorts-weekly", "Trust weekly").await;
    b.click_text("Log out").await;

    let cohorts = orgs::cohorts_of(&app.db, org).await.unwrap();
    let cohort = cohorts.iter().find(|c| c.name == "Winter wave").unwrap();
    assert!(cohort.lock_modules);
    assert_eq!(
        cohort.starts_on.date_naive(),
        NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
    );
    let user = app.user(&learner).await;
    orgs::add_member(
        &app.db,
        org,
        user.id,
        MemberRole::Learner,
        Some(cohort.id),
        app.clock.now(),
    )
    .await
    .unwrap();

    log_in(&b, &learner).await;
    let dashboard = b.text("main").await;
    assert!(dashboard.contains("Due 1 December 2026"), "{dashboard}");
    assert!(dashboard.contains("Due 8 December 2026"), "{dashboard}");
    assert!(
        dashboard.contains("Opens Tuesday 8 December 2026"),
        "{dashboard}"
    );
    assert!(dashboard.contains("Locked"), "{dashboard}");
    assert!(
        !dashboard.contains("Overdue"),
        "nothing overdue before its due date"
    );
    b.check("dashboard-weekly-locked", "Your dashboard").await;

    let module3 = &app.state.course.modules[2];
    b.goto(&format!("/modules/{}", module3.slug)).await;
    let locked = b.text("main").await;
    assert!(locked.contains("This module is not open yet"), "{locked}");
    assert!(
        locked.contains("opens on Tuesday 8 December 2026"),
        "{locked}"
    );
    b.check("module-locked", "").await;

    let module2 = &app.state.course.modules[1];
    b.goto(&format!("/modules/{}", module2.slug)).await;
    let open = b.text("main").await;
    assert!(open.contains("Due 8 December 2026"), "{open}");
    b.check("module-weekly", "").await;

    // Two-step verification: the recovery codes page, shown once.
    b.goto("/account/mfa").await;
    let secret = b.text(".dd-secret").await.replace(' ', "");
    b.fill("#code", &app.totp_now(&secret)).await;
    b.click_text("Turn on two-step verification").await;
    assert!(b.exists("a[download='recovery-codes.txt']").await);
    b.check("mfa-recovery-codes", "").await;
    b.click_text("Log out").await;

    // The course lead's page about this learner.
    log_in(&b, &lead).await;
    b.goto(&format!("/org/weekly/members/{}", user.id)).await;
    assert!(b.text("main").await.contains("Winter wave"));
    b.check("org-learner", "").await;
    b.quit().await;
}
