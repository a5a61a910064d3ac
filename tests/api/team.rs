//! Line managers: set by org admins or the bulk import, `/team` and `/team.csv` for the manager
//! (nothing of anyone else), and their weekly e-mail of overdue modules through the real SMTP sink.
use chrono::Duration;
use deepdive::services::reminders;
use reqwest::StatusCode;
use sea_orm::EntityTrait;

use crate::helpers::*;
use crate::mail::{SmtpSink, app_with_mail, keep_sample, pass, settle};

/// A weekly-paced cohort that started three weeks ago: modules 1 and 2 are overdue for anyone
/// who has not done them.
async fn late_cohort(app: &TestApp, org_id: i32) -> i32 {
    let start = app.clock.now() - Duration::days(21);
    deepdive::services::organisations::create_cohort(
        &app.db,
        org_id,
        "Ward 9",
        start,
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

async fn set_manager(
    admin: &TestApp,
    slug: &str,
    report: &str,
    manager: &str,
) -> reqwest::Response {
    let path = format!("/org/{slug}/line-managers");
    admin
        .submit(
            &path,
            &path,
            &[("email", report), ("manager_email", manager)],
        )
        .await
}

#[tokio::test]
async fn a_line_manager_sees_their_reports_and_nobody_elses() {
    let app = spawn_app().await;
    let (admin, org_id) = org_with_admin(&app, "trust-t").await;
    let cohort = late_cohort(&app, org_id).await;
    let (manager, manager_id) = org_learner(&app, org_id, "Mona Manager", None).await;
    let (_r, report_id) = org_learner(&app, org_id, "Rita Report", Some(cohort)).await;
    let (_o, other_id) = org_learner(&app, org_id, "Oscar Other", Some(cohort)).await;
    assert_eq!(
        manager.get("/team").await.status(),
        StatusCode::NOT_FOUND,
        "not a manager yet"
    );
    let home = manager.get_html("/dashboard").await;
    assert!(!home.contains("Your team"));

    let (manager_mail, report_mail) = (
        email_of(&app, manager_id).await,
        email_of(&app, report_id).await,
    );
    let r = set_manager(&admin, "trust-t", &report_mail, &manager_mail).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let admin_page = admin.get_html("/org/trust-t/line-managers").await;
    assert!(
        admin_page.contains("Mona Manager") && admin_page.contains("Rita Report"),
        "org admins see who manages whom"
    );
    let bad = set_manager(&admin, "trust-t", &report_mail, "stranger@nowhere.example").await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let bad = bad.text().await.unwrap();
    assert!(
        bad.contains("No member of this organisation has that email address"),
        "{bad}"
    );
    assert!(
        bad.contains("stranger@nowhere.example"),
        "typed values kept"
    );

    let team = manager.get_html("/team").await;
    assert!(team.contains("Your team"), "the header links to the team");
    assert!(team.contains("Rita Report"));
    assert!(!team.contains("Oscar Other"));
    assert!(
        team.contains("Module 1:")
            && team.contains("Not yet earned")
            && team.contains("Not submitted")
    );
    assert_eq!(
        manager.get(&format!("/team/{report_id}")).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        manager.get(&format!("/team/{other_id}")).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        manager.get("/team/999999").await.status(),
        StatusCode::NOT_FOUND
    );

    let csv = manager.get("/team.csv").await;
    assert_eq!(csv.status(), StatusCode::OK);
    assert!(
        csv.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = csv.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "name,email,organisation,cohort,progress_percent,overdue_modules,due_soon_modules,certificate,certificate_expires,plan"
    );
    assert_eq!(lines.len(), 2, "{csv}");
    assert!(
        lines[1].starts_with("Rita Report,")
            && lines[1].contains("Module 1:")
            && lines[1].contains("Not submitted")
    );

    // The manager leaves: they see nothing, and the report's own records stay.
    let path = format!("/org/trust-t/members/{manager_id}/remove");
    let r = admin.submit("/org/trust-t", &path, &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(manager.get("/team").await.status(), StatusCode::NOT_FOUND);
    assert!(
        deepdive::services::organisations::is_member(&app.db, org_id, report_id)
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn a_manager_email_column_in_the_bulk_import_sets_line_managers() {
    let app = spawn_app().await;
    let (admin, org_id) = org_with_admin(&app, "trust-i").await;
    let text = "email,name,manager_email\nnia@trust-i.nhs.uk,Nia New,boss@trust-i.nhs.uk\nboss@trust-i.nhs.uk,Bo Boss,\n";
    let rows = deepdive::domain::import::parse("staff.csv", text).unwrap();
    deepdive::services::organisations::import(
        &app.db,
        &app.state.course.slug,
        org_id,
        None,
        &rows,
        app.clock.now(),
        None,
    )
    .await
    .unwrap();
    let page = admin.get_html("/org/trust-i/line-managers").await;
    assert!(
        page.contains("Bo Boss") && page.contains("Nia New"),
        "{page}"
    );

    let unknown = "email,name,manager_email\nzed@trust-i.nhs.uk,Zed,ghost@trust-i.nhs.uk\n";
    let rows = deepdive::domain::import::parse("staff.csv", unknown).unwrap();
    let err = deepdive::services::organisations::import(
        &app.db,
        &app.state.course.slug,
        org_id,
        None,
        &rows,
        app.clock.now(),
        None,
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("line 2"), "{err}");
    let zed = deepdive::services::auth::find_by_email(
        &app.db,
        &deepdive::domain::Email::parse("zed@trust-i.nhs.uk").unwrap(),
    )
    .await
    .unwrap();
    assert!(zed.is_none(), "nothing imported");
}

#[tokio::test]
async fn line_managers_get_one_weekly_email_of_their_reports_overdue_modules() {
    let Some(sink) = SmtpSink::start() else {
        return;
    };
    let app = app_with_mail(&sink).await;
    let (admin, org_id) = org_with_admin(&app, "trust-m").await;
    let cohort = late_cohort(&app, org_id).await;
    let (_m, manager_id) = org_learner(&app, org_id, "Max Manager", None).await;
    let (_a, a_id) = org_learner(&app, org_id, "Ann Behind", Some(cohort)).await;
    let (_b, b_id) = org_learner(&app, org_id, "Ben Behind", Some(cohort)).await;
    let manager_mail = email_of(&app, manager_id).await;
    for id in [a_id, b_id] {
        let r = set_manager(&admin, "trust-m", &email_of(&app, id).await, &manager_mail).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
    }
    reminders::run_pass(&pass(&app), false).await.unwrap();
    settle(&app).await;
    reminders::run_pass(&pass(&app), false).await.unwrap();
    settle(&app).await;
    let got: Vec<_> = sink
        .to(&manager_mail)
        .into_iter()
        .filter(|m| m.subject.contains("overdue modules in your team"))
        .collect();
    assert_eq!(got.len(), 1, "one a week, however many passes");
    keep_sample("team-overdue", &got[0]);
    assert!(
        got[0]
            .text
            .contains("2 people in your team have overdue modules"),
        "{}",
        got[0].text
    );
    assert!(got[0].text.contains("/team"));
    assert!(
        !got[0].text.contains("Ann Behind") && !got[0].html.contains("Ben Behind"),
        "no one else's name"
    );
    assert!(got[0].list_unsubscribe.contains("/unsubscribe/"));

    // The next week, again once; after unsubscribing, nothing.
    app.clock.advance(Duration::days(7));
    reminders::run_pass(&pass(&app), false).await.unwrap();
    settle(&app).await;
    let count = |sink: &SmtpSink| {
        sink.to(&manager_mail)
            .iter()
            .filter(|m| m.subject.contains("overdue modules in your team"))
            .count()
    };
    assert_eq!(count(&sink), 2);
    reminders::set_preference(
        &app.db,
        manager_id,
        deepdive::messages::Kind::TeamOverdue,
        false,
        app.clock.now(),
    )
    .await
    .unwrap();
    app.clock.advance(Duration::days(7));
    reminders::run_pass(&pass(&app), false).await.unwrap();
    settle(&app).await;
    assert_eq!(count(&sink), 2, "switched off");
}

#[tokio::test]
async fn an_org_admin_sets_and_clears_a_line_manager_on_the_members_own_page() {
    let app = spawn_app().await;
    let (admin, org_id) = org_with_admin(&app, "trust-m").await;
    let (_m, manager_id) = org_learner(&app, org_id, "Mia Manager", None).await;
    let (_r, report_id) = org_learner(&app, org_id, "Raj Report", None).await;
    let page = format!("/org/trust-m/members/{report_id}");
    let before = admin.get_html(&page).await;
    assert!(before.contains("Line manager's work e-mail"), "{before}");
    assert!(!before.contains("Now: Mia Manager"));

    let manager = email_of(&app, manager_id).await;
    let report = email_of(&app, report_id).await;
    let back = report_id.to_string();
    let r = admin
        .submit(
            &page,
            "/org/trust-m/line-managers",
            &[
                ("email", &report),
                ("manager_email", &manager),
                ("back", &back),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), format!("{page}?done=manager"));
    let after = admin.get_html(&location(&r)).await;
    assert!(after.contains("Their line manager was saved."), "{after}");
    assert!(after.contains("Now: Mia Manager"), "{after}");

    let r = admin
        .submit(
            &page,
            "/org/trust-m/line-managers",
            &[("email", &report), ("manager_email", ""), ("back", &back)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(!admin.get_html(&page).await.contains("Now: Mia Manager"));
}
