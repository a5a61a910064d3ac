//! The messages people get, read as they arrive at a real SMTP server: a weekly-paced cohort over
//! five weeks, unsubscribing, preferences, the forgotten-password e-mail and activation e-mails.
use chrono::Duration;
use deepdive::services::reminders;
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::helpers::*;
use crate::mail::{SmtpSink, app_with_mail, keep_sample, local, pass, settle};

async fn weekly_cohort(app: &TestApp, org_id: i32) -> i32 {
    deepdive::services::organisations::create_cohort(
        &app.db,
        org_id,
        "Spring group",
        app.clock.now(),
        true,
        app.clock.now(),
    )
    .await
    .unwrap()
    .id
}

async fn email_of(app: &TestApp, user_id: i32) -> String {
    deepdive::entities::users::Entity::find_by_id(user_id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .email
}

async fn org_admin_email(app: &TestApp, org_id: i32) -> String {
    use deepdive::entities::org_members;
    let m = org_members::Entity::find()
        .filter(org_members::Column::OrgId.eq(org_id))
        .filter(org_members::Column::Role.eq("org_admin"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    email_of(app, m.user_id).await
}

fn count(got: &[crate::mail::Received], subject_has: &str) -> usize {
    got.iter()
        .filter(|m| m.subject.contains(subject_has))
        .count()
}

#[tokio::test]
async fn five_weekly_paced_weeks_send_each_reminder_once_to_the_right_people() {
    let Some(sink) = SmtpSink::start() else {
        return;
    };
    let app = app_with_mail(&sink).await;
    let (admin, org_id) = org_with_admin(&app, "paced").await;
    let cohort = weekly_cohort(&app, org_id).await;
    let (_idle, idle_id) = org_learner(&app, org_id, "Ida Idle", Some(cohort)).await;
    let (keen, keen_id) = org_learner(&app, org_id, "Kim Keen", Some(cohort)).await;
    let (_quiet, quiet_id) = org_learner(&app, org_id, "Quinn Quiet", Some(cohort)).await;
    reminders::set_preference(
        &app.db,
        quiet_id,
        deepdive::messages::Kind::DueSoon,
        false,
        app.clock.now(),
    )
    .await
    .unwrap();
    let course = deepdive::course::load_course(&app.course_dir).unwrap();
    let (idle, keen_mail, quiet) = (
        email_of(&app, idle_id).await,
        email_of(&app, keen_id).await,
        email_of(&app, quiet_id).await,
    );
    let admin_mail = org_admin_email(&app, org_id).await;
    drop(admin);

    // Day by day through five weeks (and one day more), a pass each day; the keen learner
    // finishes each module on the day after it opens.
    for day in 0..=35 {
        if day > 0 {
            app.clock.advance(Duration::days(1));
        }
        if day % 7 == 1 && day / 7 < 5 {
            let m = &course.modules[day / 7];
            let r = keen.login(&keen_mail, PASSWORD).await;
            assert_eq!(r.status(), StatusCode::SEE_OTHER);
            keen.complete_module(&m.slug).await;
        }
        reminders::run_pass(&pass(&app), false).await.unwrap();
    }
    let again = reminders::run_pass(&pass(&app), false).await.unwrap();

    let to_idle = sink.to(&idle);
    assert_eq!(count(&to_idle, "is open this week"), 5, "{to_idle:#?}");
    assert_eq!(count(&to_idle, "is due in 3 days"), 5);
    assert_eq!(
        count(&to_idle, "to catch up on"),
        5,
        "one a week from week 2"
    );
    for n in 1..=5 {
        assert_eq!(count(&to_idle, &format!("module {n} is open")), 1);
    }
    let to_keen = sink.to(&keen_mail);
    assert_eq!(count(&to_keen, "is open this week"), 5, "{to_keen:#?}");
    assert_eq!(count(&to_keen, "is due in 3 days"), 0);
    assert_eq!(count(&to_keen, "to catch up on"), 0);
    let to_quiet = sink.to(&quiet);
    assert_eq!(count(&to_quiet, "is due in 3 days"), 0, "switched off");
    assert_eq!(count(&to_quiet, "is open this week"), 5);
    let to_admin = sink.to(&admin_mail);
    assert_eq!(count(&to_admin, "weekly summary for Spring group"), 6);
    assert_eq!((again.queued, again.delivered.sent), (0, 0));
    // Reminders carry one-click unsubscribe; the digest names nobody but its reader.
    let reminder = &to_idle[0];
    assert!(reminder.list_unsubscribe.contains("/unsubscribe/"));
    assert_eq!(reminder.list_unsubscribe_post, "List-Unsubscribe=One-Click");
    assert!(reminder.text.contains("Hello Ida Idle"));
    assert!(reminder.html.contains("Hello Ida Idle"));
    for m in &to_admin {
        for name in ["Ida", "Kim", "Quinn"] {
            assert!(
                !m.text.contains(name) && !m.html.contains(name),
                "{}",
                m.text
            );
        }
    }
    let last_digest = to_admin.last().unwrap();
    keep_sample("module-open", &to_idle[0]);
    for (name, subject) in [
        ("due-soon", "is due in 3 days"),
        ("overdue", "to catch up on"),
    ] {
        keep_sample(
            name,
            to_idle
                .iter()
                .find(|m| m.subject.contains(subject))
                .unwrap(),
        );
    }
    keep_sample("digest", last_digest);
    assert!(
        last_digest.text.contains("Started: 1 of 3."),
        "{}",
        last_digest.text
    );
    assert!(
        last_digest
            .text
            .contains("Behind, with a module overdue: 2."),
        "{}",
        last_digest.text
    );
}

#[tokio::test]
async fn a_cohort_with_reminders_turned_off_by_its_org_admin_gets_none() {
    let Some(sink) = SmtpSink::start() else {
        return;
    };
    let app = app_with_mail(&sink).await;
    let (admin, org_id) = org_with_admin(&app, "quiet").await;
    let cohort = weekly_cohort(&app, org_id).await;
    let (_l, learner_id) = org_learner(&app, org_id, "Lee Learner", Some(cohort)).await;
    let learner = email_of(&app, learner_id).await;

    let r = admin
        .submit(
            "/org/quiet",
            &format!("/org/quiet/cohorts/{cohort}/reminders"),
            &[("enabled", "no")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(
        admin
            .get_html("/org/quiet/cohorts")
            .await
            .contains("Reminder e-mails off")
    );
    for _ in 0..10 {
        app.clock.advance(Duration::days(1));
        reminders::run_pass(&pass(&app), false).await.unwrap();
    }

    assert!(sink.to(&learner).is_empty());
}

async fn first_reminder(app: &TestApp, sink: &SmtpSink) -> (String, String) {
    let (_admin, org_id) = org_with_admin(app, "unsub").await;
    let cohort = weekly_cohort(app, org_id).await;
    let (_l, learner_id) = org_learner(app, org_id, "Una Unsub", Some(cohort)).await;
    let learner = email_of(app, learner_id).await;
    reminders::run_pass(&pass(app), false).await.unwrap();
    let got = sink.to(&learner);
    assert_eq!(got.len(), 1, "{got:#?}");
    let url = local(app, got[0].list_unsubscribe.trim_matches(['<', '>']));
    (learner, url)
}

#[tokio::test]
async fn one_click_unsubscribe_without_logging_in_stops_that_kind_of_reminder() {
    let Some(sink) = SmtpSink::start() else {
        return;
    };
    let app = app_with_mail(&sink).await;
    let (learner, url) = first_reminder(&app, &sink).await;
    let page = new_client().get(&url).send().await.unwrap();
    let looked = page.status();
    let still_on = reminders::switched_off(&app.db, app.user(&learner).await.id)
        .await
        .unwrap();
    // What a mail client sends for RFC 8058: no cookie, no CSRF token.
    let r = new_client()
        .post(&url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();

    assert_eq!(looked, StatusCode::OK);
    assert!(still_on.is_empty(), "a GET changes nothing");
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("You have unsubscribed"));
    let off = reminders::switched_off(&app.db, app.user(&learner).await.id)
        .await
        .unwrap();
    assert!(off.contains("module_open"), "{off:?}");
    // Next module's week: nothing more of that kind arrives.
    app.clock.advance(Duration::days(7));
    reminders::run_pass(&pass(&app), false).await.unwrap();
    assert_eq!(
        sink.to(&learner)
            .iter()
            .filter(|m| m.subject.contains("is open this week"))
            .count(),
        1
    );
}

#[tokio::test]
async fn a_forged_or_expired_unsubscribe_link_gets_a_clear_page_and_changes_nothing() {
    let Some(sink) = SmtpSink::start() else {
        return;
    };
    let app = app_with_mail(&sink).await;
    let (learner, url) = first_reminder(&app, &sink).await;
    let user_id = app.user(&learner).await.id;
    let mut parts: Vec<String> = url.rsplitn(2, '.').map(str::to_string).collect();
    parts[0] = format!("{}x", parts[0]);
    let forged = format!("{}.{}", parts[1], parts[0]);
    let other = url.replacen(
        &format!("/unsubscribe/{user_id}."),
        &format!("/unsubscribe/{}.", user_id + 1),
        1,
    );

    let a = new_client().post(&forged).send().await.unwrap();
    let b = new_client().post(&other).send().await.unwrap();
    let c = new_client()
        .post(app.url("/unsubscribe/junk"))
        .send()
        .await
        .unwrap();
    app.clock.advance(Duration::days(
        deepdive::services::unsubscribe::VALID_DAYS + 1,
    ));
    let d = new_client().post(&url).send().await.unwrap();

    for r in [a, b, c] {
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        assert!(r.text().await.unwrap().contains("Nothing has been changed"));
    }
    assert_eq!(d.status(), StatusCode::BAD_REQUEST);
    assert!(d.text().await.unwrap().contains("has expired"));
    let off = reminders::switched_off(&app.db, user_id).await.unwrap();
    assert!(off.is_empty(), "{off:?}");
}

#[tokio::test]
async fn a_learner_switches_kinds_of_e_mail_off_and_on_from_their_account() {
    let app = spawn_app().await;
    let email = app.new_learner().await;
    let user_id = app.user(&email).await.id;

    let r = app
        .submit(
            "/account/notifications",
            "/account/notifications",
            &[("on", "module_open"), ("on", "digest")],
        )
        .await;
    let page = app.get_html("/account/notifications").await;

    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "{}",
        r.text().await.unwrap()
    );
    let off = reminders::switched_off(&app.db, user_id).await.unwrap();
    let mut off: Vec<_> = off.into_iter().collect();
    off.sort();
    assert_eq!(
        off,
        [
            "certificate_expiring",
            "due_soon",
            "overdue",
            "team_overdue"
        ]
    );
    assert!(page.contains("value=\"module_open\" checked"));
    assert!(!page.contains("value=\"overdue\" checked"));
}

#[tokio::test]
async fn forgotten_password_e_mails_a_single_use_link_that_ends_every_session_and_answers_the_same_for_unknown_addresses()
 {
    let Some(sink) = SmtpSink::start() else {
        return;
    };
    let app = app_with_mail(&sink).await;
    let email = app.new_learner().await;
    let other_device = app.other_browser();
    other_device.login(&email, PASSWORD).await;
    let visitor = app.other_browser();

    let known = visitor
        .submit("/password-reset", "/password-reset", &[("email", &email)])
        .await;
    let known_status = known.status();
    let known_page = known.text().await.unwrap();
    let unknown = visitor
        .submit(
            "/password-reset",
            "/password-reset",
            &[("email", "nobody@example.nhs.uk")],
        )
        .await;
    let unknown_status = unknown.status();
    let unknown_page = unknown.text().await.unwrap();
    settle(&app).await;

    assert_eq!(
        (known_status, unknown_status),
        (StatusCode::OK, StatusCode::OK)
    );
    assert_eq!(
        known_page.replace(&html_escaped(&email), "X"),
        unknown_page.replace("nobody@example.nhs.uk", "X")
    );
    assert!(sink.to("nobody@example.nhs.uk").is_empty());
    let got = sink.to(&email);
    assert_eq!(got.len(), 1);
    keep_sample("password-reset", &got[0]);
    assert!(
        got[0].list_unsubscribe.is_empty(),
        "account mail cannot be refused"
    );
    let link = got[0]
        .text
        .lines()
        .find(|l| l.contains("/activate/"))
        .unwrap()
        .trim()
        .to_string();
    let path = local(&app, &link)
        .strip_prefix(&app.address)
        .unwrap()
        .to_string();
    let new_password = "a brand new passphrase here";
    let r = visitor
        .submit(&path, &path, &[("password", new_password)])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        other_device.get("/dashboard").await.status(),
        StatusCode::SEE_OTHER,
        "the other device is logged out"
    );
    let again = app.other_browser().get(&path).await;
    assert_ne!(again.status(), StatusCode::OK, "the link works once");
    let fresh = app.other_browser();
    assert_eq!(
        fresh.login(&email, new_password).await.status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn reset_e_mails_to_one_address_are_limited_per_hour() {
    let Some(sink) = SmtpSink::start() else {
        return;
    };
    let app = app_with_mail(&sink).await;
    let email = app.new_learner().await;
    let visitor = app.other_browser();

    for _ in 0..5 {
        let r = visitor
            .submit("/password-reset", "/password-reset", &[("email", &email)])
            .await;
        assert_eq!(r.status(), StatusCode::OK);
    }
    settle(&app).await;
    let in_the_hour = sink.to(&email).len();
    app.clock.advance(Duration::minutes(61));
    visitor
        .submit("/password-reset", "/password-reset", &[("email", &email)])
        .await;
    settle(&app).await;

    assert_eq!(
        in_the_hour as u64,
        deepdive::services::recovery::PER_ADDRESS_PER_HOUR
    );
    assert_eq!(sink.to(&email).len() as u64, in_the_hour as u64 + 1);
}

#[tokio::test]
async fn imported_staff_get_their_activation_link_by_e_mail_in_the_same_transaction() {
    let Some(sink) = SmtpSink::start() else {
        return;
    };
    let app = app_with_mail(&sink).await;
    let (admin, _org) = org_with_admin(&app, "importer").await;
    let csv = "email,name\nnew.starter@example.nhs.uk,New Starter\n";

    let r = admin
        .submit(
            "/org/importer/import",
            "/org/importer/import",
            &[("csv", csv), ("action", "import")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    settle(&app).await;

    let user = app.user("new.starter@example.nhs.uk").await;
    let written = deepdive::entities::outbox::Entity::find()
        .filter(deepdive::entities::outbox::Column::UserId.eq(user.id))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(written, 1);
    let got = sink.to("new.starter@example.nhs.uk");
    assert_eq!(got.len(), 1);
    keep_sample("activation", &got[0]);
    assert!(got[0].text.contains("/activate/"), "{}", got[0].text);
    assert!(got[0].text.contains("Hello New Starter"));
}

#[tokio::test]
async fn an_org_admin_e_mails_an_invitation_link_that_lets_the_recipient_join() {
    let Some(sink) = SmtpSink::start() else {
        return;
    };
    let app = app_with_mail(&sink).await;
    let (admin, org) = org_with_admin(&app, "inviter").await;

    let r = admin
        .submit(
            "/org/inviter",
            "/org/inviter/invitations",
            &[("days", "14"), ("email", "colleague@example.nhs.uk")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    settle(&app).await;

    let got = sink.to("colleague@example.nhs.uk");
    assert_eq!(got.len(), 1);
    keep_sample("invitation", &got[0]);
    assert!(got[0].text.starts_with("Hello,"), "{}", got[0].text);
    let link = got[0]
        .text
        .lines()
        .find(|l| l.contains("/invite/"))
        .unwrap()
        .trim()
        .to_string();
    let path = local(&app, &link)
        .strip_prefix(&app.address)
        .unwrap()
        .to_string();
    assert_eq!(
        app.other_browser().get(&path).await.status(),
        StatusCode::OK
    );
    // The e-mailed invitation is in the audit log, by the admin, without the address it went to.
    let emailed: Vec<_> = deepdive::entities::audit_log::Entity::find()
        .filter(deepdive::entities::audit_log::Column::Action.eq("org.invitation.email"))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(
        emailed.len(),
        1,
        "one audit row for the e-mailed invitation"
    );
    assert!(emailed[0].actor_user_id.is_some());
    assert_eq!(
        emailed[0].target.as_deref(),
        Some(format!("org:{org}").as_str())
    );
    assert!(
        emailed[0]
            .detail
            .as_deref()
            .unwrap_or("")
            .contains("days:14")
    );
    assert!(
        !format!("{:?}", emailed[0]).contains("colleague@"),
        "the audit row does not hold the address"
    );
}

#[tokio::test]
async fn a_certificate_holder_is_told_60_days_before_expiry_and_on_expiry_once_each() {
    let Some(sink) = SmtpSink::start() else {
        return;
    };
    let app = app_with_mail(&sink).await;
    let email = app.new_learner().await;
    app.complete_course().await;
    let cert = deepdive::entities::certificates::Entity::find()
        .filter(deepdive::entities::certificates::Column::UserId.eq(app.user(&email).await.id))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let expires = cert.expires_at.unwrap();

    reminders::run_pass(&pass(&app), false).await.unwrap();
    let before_window = sink.to(&email).len();
    app.clock
        .advance(expires - app.clock.now() - Duration::days(59));
    reminders::run_pass(&pass(&app), false).await.unwrap();
    reminders::run_pass(&pass(&app), false).await.unwrap();
    let warned = sink.to(&email);
    app.clock.advance(Duration::days(60));
    reminders::run_pass(&pass(&app), false).await.unwrap();
    reminders::run_pass(&pass(&app), false).await.unwrap();
    let all = sink.to(&email);

    assert_eq!(before_window, 0);
    assert_eq!(warned.len(), 1, "{warned:#?}");
    assert!(warned[0].subject.contains("your certificate expires on"));
    assert!(warned[0].list_unsubscribe.contains("/unsubscribe/"));
    assert_eq!(all.len(), 2);
    assert!(all[1].subject.contains("your certificate has expired"));
    keep_sample("certificate-expiring", &warned[0]);
}

#[tokio::test]
async fn the_data_export_lists_the_messages_sent_and_deleting_the_account_removes_them() {
    let Some(sink) = SmtpSink::start() else {
        return;
    };
    let app = app_with_mail(&sink).await;
    let email = app.new_learner().await;
    let user_id = app.user(&email).await.id;
    app.other_browser()
        .submit("/password-reset", "/password-reset", &[("email", &email)])
        .await;
    settle(&app).await;

    let export: serde_json::Value = app.get("/account/export.json").await.json().await.unwrap();
    let r = app
        .submit(
            "/account/delete",
            "/account/delete",
            &[("password", PASSWORD), ("confirm", "yes")],
        )
        .await;

    let messages = export["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 1, "{export:#}");
    assert_eq!(messages[0]["kind"], "password_reset");
    assert_eq!(messages[0]["status"], "sent");
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let left = deepdive::entities::outbox::Entity::find()
        .filter(deepdive::entities::outbox::Column::UserId.eq(user_id))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(left, 0);
    assert!(columns_containing(&app.db, &email).await.is_empty());
}
