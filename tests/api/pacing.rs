//! Weekly pacing reaches the learner: release and due dates on the dashboard and module pages, in
//! the organisation's time zone, and "Overdue" only once the due date has passed there.
use chrono::{NaiveDate, TimeZone, Utc};

use crate::helpers::*;
use deepdive::clock::Clock;
use deepdive::services::organisations as orgs;

/// A learner in a weekly cohort that started on Tuesday 24 November 2026, on a clock set to `now`.
async fn weekly_learner(now: chrono::DateTime<Utc>) -> (TestApp, TestApp) {
    let real = Clock::stopped();
    let app = spawn_app_on(real.clone(), |_| {}).await;
    app.clock.advance(now - app.clock.now());
    let org = orgs::create(&app.db, "Trust W", "trust-w", app.clock.now())
        .await
        .unwrap();
    let start = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
    let cohort = orgs::create_cohort(
        &app.db,
        org.id,
        "Winter wave",
        Utc.from_utc_datetime(&start.and_time(chrono::NaiveTime::MIN)),
        true,
        app.clock.now(),
    )
    .await
    .unwrap();
    let (learner, _) = org_learner(&app, org.id, "Wendy Weekly", Some(cohort.id)).await;
    (app, learner)
}

#[tokio::test]
async fn a_module_due_on_1_december_is_not_overdue_at_7_02_that_morning_in_london() {
    let (_app, learner) = weekly_learner(Utc.with_ymd_and_hms(2026, 12, 1, 7, 2, 0).unwrap()).await;
    let dashboard = learner.get_html("/dashboard").await;
    assert!(
        dashboard.contains("Trust W, in the cohort Winter wave"),
        "{dashboard}"
    );
    assert!(dashboard.contains("One module a week from Tuesday 24 November 2026"));
    assert!(
        dashboard.contains("Due 1 December 2026"),
        "module 1 is due today"
    );
    assert!(
        !dashboard.contains(">Overdue<"),
        "not overdue on its due day"
    );
    // Module 2 opened today; module 3 opens next week and says when.
    assert!(dashboard.contains("Due 8 December 2026"));
    assert!(dashboard.contains("Opens Tuesday 8 December 2026"));
    let module3 = learner.get_html("/modules/solution-discovery").await;
    assert!(module3.contains("Not open yet"), "{module3}");
    assert!(module3.contains("Opens Tuesday 8 December 2026"));
    assert!(module3.contains("Due 15 December 2026"));
}

#[tokio::test]
async fn the_module_is_overdue_once_its_due_date_is_over() {
    let (_app, learner) = weekly_learner(Utc.with_ymd_and_hms(2026, 12, 2, 0, 5, 0).unwrap()).await;
    let dashboard = learner.get_html("/dashboard").await;
    assert!(dashboard.contains(">Overdue<"), "{dashboard}");
    assert!(dashboard.contains("Was due 1 December 2026"));
    let module1 = learner.get_html("/modules/ai-fundamentals").await;
    assert!(module1.contains(">Overdue<"));
}

#[tokio::test]
async fn a_lesson_left_open_with_next_is_listed_on_the_dashboard_and_before_the_quiz() {
    let app = spawn_app().await;
    app.new_learner().await;
    let lesson = app
        .get_html("/modules/ai-fundamentals/lessons/what-is-ai")
        .await;
    assert!(lesson.contains("Mark as complete and continue"));
    assert!(lesson.contains("Next, without completing this lesson"));
    let dashboard = app.get_html("/dashboard").await;
    assert!(
        dashboard.contains("Lessons not marked as complete"),
        "{dashboard}"
    );
    assert!(dashboard.contains("href=\"/modules/ai-fundamentals/lessons/what-is-ai\""));
    let module = app.get_html("/modules/ai-fundamentals").await;
    assert!(module.contains("Before the quiz: lessons not marked as complete"));
}

#[tokio::test]
async fn a_mistyped_certificate_code_says_no_certificate_has_it_and_the_landing_page_links_the_check()
 {
    let app = spawn_app().await;
    let landing = app.get_html("/").await;
    assert!(landing.contains("href=\"/verify\""));
    let r = app.get("/verify?code=7K2M-9QRT-4HXV").await;
    let to = location(&r);
    let r = app.get(&to).await;
    assert_eq!(r.status(), reqwest::StatusCode::NOT_FOUND);
    let page = r.text().await.unwrap();
    assert!(page.contains("No certificate has that code"), "{page}");
    assert!(!page.contains("Page not found"));
}

/// An app on a stopped clock set to `now`, with an organisation `slug` and its course lead.
async fn org_at(now: chrono::DateTime<Utc>, slug: &str) -> (TestApp, TestApp, i32) {
    let app = spawn_app_on(Clock::stopped(), |_| {}).await;
    app.clock.advance(now - app.clock.now());
    let (admin, org) = org_with_admin(&app, slug).await;
    (app, admin, org)
}

/// A weekly cohort of `org` starting on `start` (a calendar date).
async fn weekly_cohort(app: &TestApp, org: i32, name: &str, start: NaiveDate) -> i32 {
    orgs::create_cohort(
        &app.db,
        org,
        name,
        Utc.from_utc_datetime(&start.and_time(chrono::NaiveTime::MIN)),
        true,
        app.clock.now(),
    )
    .await
    .unwrap()
    .id
}

#[tokio::test]
async fn a_course_lead_locks_a_weekly_cohort_and_its_learners_are_told_when_each_module_opens() {
    let (app, admin, org) =
        org_at(Utc.with_ymd_and_hms(2026, 12, 1, 7, 2, 0).unwrap(), "lock").await;
    let form = admin.get_html("/org/lock/cohorts").await;
    assert!(form.contains("Lock each module until its release date"));
    let r = admin
        .submit(
            "/org/lock/cohorts",
            "/org/lock/cohorts",
            &[
                ("name", "Locked wave"),
                ("starts_on", "2026-11-24"),
                ("pacing", "weekly"),
                ("lock_modules", "yes"),
            ],
        )
        .await;
    assert_eq!(r.status(), reqwest::StatusCode::SEE_OTHER);
    let cohort = orgs::cohorts_of(&app.db, org).await.unwrap();
    let cohort = cohort.iter().find(|c| c.name == "Locked wave").unwrap();
    assert!(cohort.lock_modules, "the setting is stored");
    let (learner, _) = org_learner(&app, org, "Lola Locked", Some(cohort.id)).await;

    // Module 3 opens on 8 December: its page, its lessons and its quiz say so and stay shut.
    let module3 = &app.state.course.modules[2];
    let lesson = format!(
        "/modules/{}/lessons/{}",
        module3.slug, module3.lessons[0].slug
    );
    for path in [
        format!("/modules/{}", module3.slug),
        lesson.clone(),
        format!("/modules/{}/quiz", module3.slug),
    ] {
        let r = learner.get(&path).await;
        assert_eq!(r.status(), reqwest::StatusCode::FORBIDDEN, "{path}");
        let page = r.text().await.unwrap();
        assert!(page.contains("This module is not open yet"), "{page}");
        assert!(page.contains("opens on Tuesday 8 December 2026"), "{page}");
        assert!(page.contains("href=\"/dashboard\""));
    }
    let token = csrf_token(&learner.get_html("/dashboard").await);
    let r = learner
        .post_raw(&format!("{lesson}/complete"), &[("csrf_token", &token)])
        .await;
    assert_eq!(
        r.status(),
        reqwest::StatusCode::FORBIDDEN,
        "cannot complete it either"
    );
    // Module 2 opened today.
    learner
        .get_html(&format!("/modules/{}", app.state.course.modules[1].slug))
        .await;
    let dashboard = learner.get_html("/dashboard").await;
    assert!(dashboard.contains(">Locked<"), "{dashboard}");
    assert!(dashboard.contains("Opens Tuesday 8 December 2026"));
    assert!(!dashboard.contains(&format!("href=\"/modules/{}\"", module3.slug)));

    // Unlocked again, the learner may look ahead.
    let r = admin
        .submit(
            "/org/lock/cohorts",
            &format!("/org/lock/cohorts/{}/lock", cohort.id),
            &[("locked", "no")],
        )
        .await;
    assert_eq!(r.status(), reqwest::StatusCode::SEE_OTHER);
    let page = learner
        .get_html(&format!("/modules/{}", module3.slug))
        .await;
    assert!(page.contains("Not open yet"));
    let log = admin.get_html("/org/lock/audit").await;
    assert!(
        log.contains("open modules before their release date"),
        "{log}"
    );
}

#[tokio::test]
async fn the_report_and_the_reminders_call_a_module_overdue_only_after_its_due_date() {
    let (app, admin, org) =
        org_at(Utc.with_ymd_and_hms(2026, 12, 1, 7, 2, 0).unwrap(), "due").await;
    // Module 1 of the first cohort is due today; of the second, it was due yesterday.
    let today = weekly_cohort(
        &app,
        org,
        "Due today",
        NaiveDate::from_ymd_opt(2026, 11, 24).unwrap(),
    )
    .await;
    let past = weekly_cohort(
        &app,
        org,
        "Due yesterday",
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
    )
    .await;
    let (_, on_time) = org_learner(&app, org, "Olive Ontime", Some(today)).await;
    let (_, late) = org_learner(&app, org, "Larry Late", Some(past)).await;

    let on_time_page = admin.get_html(&format!("/org/due/members/{on_time}")).await;
    let m1 = between(&on_time_page, "data-module=\"1\"", "</tr>");
    assert!(!m1.contains(">Overdue<"), "due today is not overdue: {m1}");
    let late_page = admin.get_html(&format!("/org/due/members/{late}")).await;
    let m1 = between(&late_page, "data-module=\"1\"", "</tr>");
    assert!(m1.contains(">Overdue<"), "{m1}");

    let planned = deepdive::services::reminders::plan(&crate::mail::pass(&app), b"key")
        .await
        .unwrap();
    let overdue_for = |id: i32| {
        planned
            .iter()
            .any(|p| p.user_id == id && p.kind == deepdive::messages::Kind::Overdue)
    };
    assert!(!overdue_for(on_time), "no overdue reminder on the due day");
    assert!(overdue_for(late));
    let due_soon = planned
        .iter()
        .find(|p| p.user_id == on_time && p.kind == deepdive::messages::Kind::DueSoon)
        .expect("module 1 is due soon for the on-time learner");
    assert!(format!("{:?}", due_soon.letter).contains("Tuesday 1 December 2026"));
}

#[tokio::test]
async fn a_course_lead_sets_the_time_zone_and_due_dates_follow_it() {
    // 3am on 2 December in London is still 10pm on 1 December in New York.
    let (app, admin, org) = org_at(Utc.with_ymd_and_hms(2026, 12, 2, 3, 0, 0).unwrap(), "tz").await;
    let cohort = weekly_cohort(
        &app,
        org,
        "Transatlantic",
        NaiveDate::from_ymd_opt(2026, 11, 24).unwrap(),
    )
    .await;
    let (learner, _) = org_learner(&app, org, "Nora York", Some(cohort)).await;
    assert!(learner.get_html("/dashboard").await.contains(">Overdue<"));
    let form = admin.get_html("/org/tz/cohorts").await;
    assert!(
        form.contains("<option value=\"Europe/London\" selected>"),
        "London by default"
    );

    let r = admin
        .submit(
            "/org/tz/cohorts",
            "/org/tz/time-zone",
            &[("time_zone", "Mars/Olympus")],
        )
        .await;
    assert_eq!(r.status(), reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().await.unwrap();
    assert!(page.contains("Choose a time zone from the list"), "{page}");
    let r = admin
        .submit(
            "/org/tz/cohorts",
            "/org/tz/time-zone",
            &[("time_zone", "America/New_York")],
        )
        .await;
    assert_eq!(r.status(), reqwest::StatusCode::SEE_OTHER);

    let form = admin.get_html("/org/tz/cohorts").await;
    assert!(form.contains("<option value=\"America/New_York\" selected>"));
    let dashboard = learner.get_html("/dashboard").await;
    assert!(!dashboard.contains(">Overdue<"), "{dashboard}");
    assert!(dashboard.contains("Due 1 December 2026"));
    // The audit log's times are New York times too, in UK format.
    let log = admin.get_html("/org/tz/audit").await;
    assert!(log.contains("Set the organisation&#x27;s time zone to America/New_York"));
    assert!(
        log.contains("1 Dec 2026, 9:59pm") || log.contains("1 Dec 2026, 10pm"),
        "{log}"
    );
    assert!(!log.contains("2 Dec 2026"), "not the UTC date");
}

/// The first `href="/attempts/…"` link on the attempts page.
fn first_attempt(html: &str) -> String {
    let start = html.find("href=\"/attempts/").expect("an attempt link") + 6;
    let end = start + html[start..].find('"').unwrap();
    html[start..end].to_string()
}

#[tokio::test]
async fn a_learners_own_pages_show_times_in_their_organisations_zone_and_london_otherwise() {
    // 8pm on 1 December in London is 5am on 2 December in Tokyo.
    let (app, admin, org) = org_at(
        Utc.with_ymd_and_hms(2026, 12, 1, 20, 0, 0).unwrap(),
        "tokyo",
    )
    .await;
    let r = admin
        .submit(
            "/org/tokyo/cohorts",
            "/org/tokyo/time-zone",
            &[("time_zone", "Asia/Tokyo")],
        )
        .await;
    assert_eq!(r.status(), reqwest::StatusCode::SEE_OTHER);
    let (member, _) = org_learner(&app, org, "Kenji Sato", None).await;
    let loner = app.other_browser();
    loner.new_learner().await;
    let course = deepdive::course::load_course(&app.course_dir).unwrap();
    let module = &course.modules[0];
    let prompt = module
        .worksheet
        .prompts
        .iter()
        .find(|p| matches!(p.kind, deepdive::course::PromptKind::Text))
        .expect("a free-text prompt");

    for (who, b, day, short, time) in [
        (
            "member",
            &member,
            "2 December 2026",
            "2 Dec 2026, 5am",
            "5am on 2 December 2026",
        ),
        (
            "no organisation",
            &loner,
            "1 December 2026",
            "1 Dec 2026, 8pm",
            "8pm on 1 December 2026",
        ),
    ] {
        b.complete_course().await;
        let r = b
            .save_worksheet(&module.slug, &[(&prompt.id, "A first answer")])
            .await;
        assert_eq!(r.status(), reqwest::StatusCode::SEE_OTHER);

        let attempts = b.get_html("/attempts").await;
        assert!(attempts.contains(short), "{who}: attempts {attempts}");
        let review = b.get_html(&first_attempt(&attempts)).await;
        assert!(review.contains(time), "{who}: quiz review");
        let account = b.get_html("/account").await;
        assert!(account.contains(&short[..10]), "{who}: account sessions");
        let worksheet = b
            .get_html(&format!("/modules/{}/worksheet", module.slug))
            .await;
        assert!(worksheet.contains(time), "{who}: worksheet saved time");
        let plan = b.get_html("/plan").await;
        assert!(plan.contains(day), "{who}: plan date");
        let certificate = b.get_html("/certificate").await;
        assert!(certificate.contains(day), "{who}: certificate");
        let code = b.certificate_code().await.expect("a certificate");
        let pdf = b.get(&format!("/certificates/{code}.pdf")).await;
        let text = pdf_text(&pdf.bytes().await.unwrap());
        assert!(text.contains(day), "{who}: certificate PDF {text}");
    }
}
