//! The course lead's pages as people use them: a report that fits, each learner's page, bulk
//! moves, removal with a confirmation and an undo, the cohort at a glance, the CSV for Excel,
//! activation e-mails sent again, forms that keep what was typed, and the audit log in words.
use chrono::Duration;
use deepdive::services::organisations as orgs;
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::helpers::*;
use crate::mail::{SmtpSink, app_with_mail, settle};

/// Imports one person (no password yet) into the organisation and returns their user id.
async fn imported(app: &TestApp, org: i32, email: &str, name: &str) -> i32 {
    let rows =
        deepdive::domain::import::parse("t.csv", &format!("email,name\n{email},{name}\n")).unwrap();
    orgs::import(
        &app.db,
        &app.state.course.slug,
        org,
        None,
        &rows,
        app.clock.now(),
        None,
    )
    .await
    .unwrap();
    app.db_user(email).await
}

impl TestApp {
    async fn db_user(&self, email: &str) -> i32 {
        deepdive::entities::users::Entity::find()
            .filter(deepdive::entities::users::Column::Email.eq(email))
            .one(&self.db)
            .await
            .unwrap()
            .unwrap()
            .id
    }
}

/// The `<tr>` of the learners table for this e-mail address.
fn learner_row<'a>(html: &'a str, email: &str) -> &'a str {
    let start = html
        .find(&format!("data-learner=\"{email}\""))
        .unwrap_or_else(|| panic!("no row for {email}"));
    let rest = &html[start..];
    &rest[..rest.find("</tr>").unwrap()]
}

#[tokio::test]
async fn the_learners_table_fits_with_labelled_cells_and_says_who_has_not_yet_activated() {
    let app = spawn_app().await;
    let (admin, org) = org_with_admin(&app, "fit").await;
    let (ann, ann_id) = org_learner(&app, org, "Ann Active", None).await;
    ann.complete_lesson("ai-fundamentals", "what-is-ai").await;
    imported(&app, org, "new.starter@example.nhs.uk", "New Starter").await;

    let html = admin.get_html("/org/fit").await;

    let table = between(
        &html,
        "<table class=\"nhsuk-table-responsive dd-report\"",
        "</thead>",
    );
    let headers = table.matches("role=\"columnheader\"").count();
    assert!(headers >= 5, "{table}");
    assert!(headers <= 6, "{headers} columns do not fit 960 px");
    let new_row = learner_row(&html, "new.starter@example.nhs.uk");
    assert!(
        new_row.contains("nhsuk-table-responsive__heading"),
        "cells are labelled"
    );
    assert!(
        between(new_row, "data-last-active>", "</td>").contains("Not yet activated"),
        "{new_row}"
    );
    assert!(html.contains("Move ticked people"));
    assert!(new_row.contains(">Not yet activated<"));
    let ann_email = deepdive::services::auth::find_user(&app.db, ann_id)
        .await
        .unwrap()
        .unwrap()
        .email;
    let ann_row = learner_row(&html, &ann_email);
    assert!(ann_row.contains(&format!("/org/fit/members/{ann_id}\"")));
    assert!(!ann_row.contains("Not yet activated"));
    assert!(
        !html.contains("Reset link"),
        "actions live on the learner's page"
    );
}

#[tokio::test]
async fn a_learners_page_shows_each_module_with_its_due_date_attempts_and_actions() {
    let app = spawn_app().await;
    let (admin, org) = org_with_admin(&app, "one").await;
    let start = app.clock.now() - Duration::days(8);
    let cohort = orgs::create_cohort(&app.db, org, "Weekly", start, true, start)
        .await
        .unwrap();
    let (ann, id) = org_learner(&app, org, "Ann Detail", Some(cohort.id)).await;
    ann.take_quiz("ai-fundamentals", 4).await;
    let (_, other_org) = org_with_admin(&app, "two").await;
    let (_, stranger) = org_learner(&app, other_org, "Someone Else", None).await;

    let html = admin.get_html(&format!("/org/one/members/{id}")).await;

    assert!(html.contains("Ann Detail"));
    let m1 = between(&html, "data-module=\"1\"", "</tr>");
    assert!(
        m1.contains(">Overdue<"),
        "module 1 was due a week after the start: {m1}"
    );
    let due = (start + Duration::weeks(1)).format("%-d %b %Y").to_string();
    assert!(m1.contains(&due), "{m1}");
    assert!(html.contains("/attempts/"), "the quiz attempt is linked");
    assert!(html.contains(&format!("/org/one/members/{id}/remove")));
    assert!(html.contains("AI project plan"));
    assert_eq!(
        admin
            .get(&format!("/org/one/members/{stranger}"))
            .await
            .status(),
        StatusCode::NOT_FOUND,
        "another organisation's learner is not found"
    );
}

#[tokio::test]
async fn ticked_learners_move_to_a_cohort_together_and_the_audit_log_says_so_in_words() {
    let app = spawn_app().await;
    let (admin, org) = org_with_admin(&app, "bulk").await;
    let wave = orgs::create_cohort(
        &app.db,
        org,
        "Wave 2",
        app.clock.now(),
        false,
        app.clock.now(),
    )
    .await
    .unwrap();
    let (_, a) = org_learner(&app, org, "Ann Mover", None).await;
    let (_, b) = org_learner(&app, org, "Bob Mover", None).await;
    let (_, c) = org_learner(&app, org, "Cat Stays", None).await;

    let r = admin
        .submit(
            "/org/bulk",
            "/org/bulk/moves",
            &[
                ("member", &a.to_string()),
                ("member", &b.to_string()),
                ("cohort", &wave.id.to_string()),
            ],
        )
        .await;

    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let html = admin.get_html(&location(&r)).await;
    assert!(html.contains("Moved 2 people."));
    for id in [a, b] {
        let m = orgs::member(&app.db, org, id).await.unwrap().unwrap();
        assert_eq!(m.cohort_id, Some(wave.id));
    }
    assert_eq!(
        orgs::member(&app.db, org, c)
            .await
            .unwrap()
            .unwrap()
            .cohort_id,
        None
    );
    let audit = admin.get_html("/org/bulk/audit").await;
    assert!(
        audit.contains("Moved Ann Mover to the cohort Wave 2"),
        "{audit}"
    );
    assert!(!audit.contains("user:") && !audit.contains("cohort:"));
    // Filter by person and by action.
    let only_bob = admin.get_html("/org/bulk/audit?person=bob").await;
    assert!(only_bob.contains("Bob Mover") && !only_bob.contains("Ann Mover"));
    let removals = admin
        .get_html("/org/bulk/audit?action=org.member.remove")
        .await;
    assert!(removals.contains("No entries match."));
    let tomorrow = (app.clock.now() + Duration::days(1))
        .format("%Y-%m-%d")
        .to_string();
    let later = admin
        .get_html(&format!("/org/bulk/audit?from={tomorrow}"))
        .await;
    assert!(later.contains("No entries match."));
    let bad = admin.get("/org/bulk/audit?from=yesterday").await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // Another organisation's course lead cannot move these people.
    let (intruder, _) = org_with_admin(&app, "intruder").await;
    let r = intruder
        .submit(
            "/org/intruder",
            "/org/intruder/moves",
            &[("member", &c.to_string()), ("cohort", "")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(orgs::is_member(&app.db, org, c).await.unwrap());
}

#[tokio::test]
async fn remove_asks_first_and_can_be_undone_with_the_same_cohort() {
    let app = spawn_app().await;
    let (admin, org) = org_with_admin(&app, "undo").await;
    let wave = orgs::create_cohort(
        &app.db,
        org,
        "Wave 1",
        app.clock.now(),
        false,
        app.clock.now(),
    )
    .await
    .unwrap();
    let (_, id) = org_learner(&app, org, "Leaving Learner", Some(wave.id)).await;

    let confirm = admin
        .get_html(&format!("/org/undo/members/{id}/remove"))
        .await;
    assert!(
        confirm.contains("Remove Leaving Learner from Trust undo?"),
        "{confirm}"
    );
    assert!(
        orgs::is_member(&app.db, org, id).await.unwrap(),
        "GET changes nothing"
    );
    let r = admin
        .submit(
            &format!("/org/undo/members/{id}/remove"),
            &format!("/org/undo/members/{id}/remove"),
            &[],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(!orgs::is_member(&app.db, org, id).await.unwrap());
    let removed_page = location(&r);
    let removed = admin.get_html(&removed_page).await;
    assert!(removed.contains("Leaving Learner was removed"));
    let fields: Vec<(&str, String)> = ["role", "cohort", "until", "sig"]
        .iter()
        .map(|f| (*f, hidden(&removed, f)))
        .collect();
    let as_pairs = |f: &[(&str, String)]| -> Vec<(String, String)> {
        f.iter()
            .map(|(k, v)| ((*k).to_string(), v.clone()))
            .collect()
    };
    // A forged undo (another cohort) is refused and changes nothing.
    let mut forged = as_pairs(&fields);
    forged[1].1 = "999".into();
    let forged: Vec<(&str, &str)> = forged
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let r = admin
        .submit(
            &removed_page,
            &format!("/org/undo/members/{id}/restore"),
            &forged,
        )
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(!orgs::is_member(&app.db, org, id).await.unwrap());

    let good = as_pairs(&fields);
    let good: Vec<(&str, &str)> = good.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = admin
        .submit(
            &removed_page,
            &format!("/org/undo/members/{id}/restore"),
            &good,
        )
        .await;

    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let back = orgs::member(&app.db, org, id).await.unwrap().unwrap();
    assert_eq!(back.cohort_id, Some(wave.id));
    assert!(
        admin
            .get_html("/org/undo")
            .await
            .contains("Leaving Learner")
    );
    let audit = admin.get_html("/org/undo/audit").await;
    assert!(audit.contains("Removed Leaving Learner from the organisation"));
    assert!(audit.contains("Undid the removal of Leaving Learner"));
    // An undo whose time limit was changed is refused.
    let until = hidden(&removed, "until");
    let stretched = removed_page.replace(&format!("until={until}"), "until=99999999999");
    assert_ne!(stretched, removed_page);
    assert_eq!(admin.get(&stretched).await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_cohort_at_a_glance_counts_done_in_progress_overdue_and_not_started_per_module() {
    let app = spawn_app().await;
    let (admin, org) = org_with_admin(&app, "glance").await;
    let start = app.clock.now() - Duration::days(8);
    let weekly = orgs::create_cohort(&app.db, org, "Weekly", start, true, start)
        .await
        .unwrap();
    let (ann, _) = org_learner(&app, org, "Ann Done", Some(weekly.id)).await;
    let (bob, _) = org_learner(&app, org, "Bob Started", Some(weekly.id)).await;
    org_learner(&app, org, "Cat Behind", Some(weekly.id)).await;
    ann.complete_module("ai-fundamentals").await;
    bob.complete_lesson("ai-fundamentals", "what-is-ai").await;
    bob.complete_lesson("problem-discovery", "start-with-the-problem")
        .await;

    let html = admin
        .get_html(&format!("/org/glance?cohort={}", weekly.id))
        .await;

    let m1 = between(&html, "data-glance=\"1\"", "</li>");
    assert!(
        m1.contains("1 done, 0 in progress, 2 overdue, 0 not started"),
        "{m1}"
    );
    let m2 = between(&html, "data-glance=\"2\"", "</li>");
    assert!(
        m2.contains("0 done, 1 in progress, 0 overdue, 2 not started"),
        "{m2}"
    );
    assert!(
        m1.contains("aria-hidden=\"true\""),
        "the bars are decoration; the numbers are text"
    );
}

#[tokio::test]
async fn the_csv_opens_in_excel_and_has_activation_and_due_dates() {
    let app = spawn_app().await;
    let (admin, org) = org_with_admin(&app, "xl").await;
    let start = app.clock.now();
    let weekly = orgs::create_cohort(&app.db, org, "Weekly", start, true, start)
        .await
        .unwrap();
    org_learner(&app, org, "Zoë Ångström", Some(weekly.id)).await;
    imported(&app, org, "not.yet@example.nhs.uk", "Not Yet").await;

    let bytes = admin
        .get("/org/xl/progress.csv")
        .await
        .bytes()
        .await
        .unwrap();

    assert!(
        bytes.starts_with("\u{feff}".as_bytes()),
        "UTF-8 byte order mark for Excel"
    );
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("{name}"))
    };
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let zoe = rows.iter().find(|r| &r[0] == "Zoë Ångström").unwrap();
    let due = (start + Duration::weeks(1)).format("%Y-%m-%d").to_string();
    assert_eq!(&zoe[col("module_1_due")], due);
    assert_eq!(&zoe[col("activated")], "yes");
    let new = rows.iter().find(|r| &r[0] == "Not Yet").unwrap();
    assert_eq!(&new[col("activated")], "no");
}

#[tokio::test]
async fn a_course_lead_can_resend_the_activation_email_which_arrives_and_is_rate_limited() {
    let Some(sink) = SmtpSink::start() else {
        return;
    };
    let app = app_with_mail(&sink).await;
    let (admin, org) = org_with_admin(&app, "resend").await;
    let id = imported(&app, org, "late@example.nhs.uk", "Late Starter").await;
    let page = format!("/org/resend/members/{id}");
    assert!(
        admin
            .get_html(&page)
            .await
            .contains("Send the activation e-mail again")
    );
    let r = admin
        .submit(&page, &format!("{page}/activation"), &[])
        .await;
    assert_eq!(
        r.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "not again within minutes of the import's link"
    );
    app.clock.advance(Duration::minutes(16));
    let page_html = admin.get_html(&page).await;
    assert!(page_html.contains("Not yet activated"));

    let r = admin
        .submit(&page, &format!("{page}/activation"), &[])
        .await;

    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(
        admin
            .get_html(&location(&r))
            .await
            .contains("A new activation e-mail is on its way")
    );
    settle(&app).await;
    let got = sink.to("late@example.nhs.uk");
    assert_eq!(got.len(), 1, "{got:?}");
    let link = got[0]
        .text
        .split_whitespace()
        .find(|w| w.contains("/activate/"))
        .unwrap()
        .to_string();
    // Again at once: refused with the time it works again, and nothing more is sent.
    let again = admin
        .submit(&page, &format!("{page}/activation"), &[])
        .await;
    assert_eq!(again.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        again
            .text()
            .await
            .unwrap()
            .contains("You can send another after")
    );
    settle(&app).await;
    assert_eq!(sink.to("late@example.nhs.uk").len(), 1);
    let audit = admin.get_html("/org/resend/audit").await;
    assert!(audit.contains("Sent Late Starter a new activation e-mail"));
    // The link in the e-mail works.
    let newcomer = app.other_browser();
    let link = crate::mail::local(&app, &link);
    let path = link.trim_start_matches(&app.address).to_string();
    assert_eq!(newcomer.get(&path).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_cohort_and_invitation_forms_show_errors_inline_and_keep_what_was_typed() {
    let app = spawn_app().await;
    let (admin, _) = org_with_admin(&app, "forms").await;
    let page = admin.get_html("/org/forms/cohorts").await;
    let days = between(&page, "id=\"invite-days\"", ">");
    assert!(
        days.contains("value=\"\""),
        "not pre-filled, so typing 14 gives 14, not 1414: {days}"
    );

    let r = admin
        .submit(
            "/org/forms/cohorts",
            "/org/forms/cohorts",
            &[
                ("name", ""),
                ("starts_on", "11/01/2027"),
                ("pacing", "weekly"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("There is a problem"));
    assert!(html.contains("href=\"#cohort-name\"") && html.contains("href=\"#cohort-start\""));
    assert!(
        html.contains("value=\"11/01/2027\""),
        "the typed date is kept"
    );
    assert!(!html.contains("Go back and try again"));

    let r = admin
        .submit(
            "/org/forms/cohorts",
            "/org/forms/invitations",
            &[
                ("days", "1414"),
                ("max_uses", "30"),
                ("email", "not-an-address"),
                ("cohort", ""),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("href=\"#invite-days\"") && html.contains("href=\"#invite-email\""));
    assert!(html.contains("value=\"1414\"") && html.contains("value=\"30\""));
    assert!(html.contains("value=\"not-an-address\""));
    assert!(!html.contains("Go back and try again"));

    let r = admin
        .submit(
            "/org/forms/cohorts",
            "/org/forms/invitations",
            &[("days", ""), ("max_uses", "30")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let created = admin.get_html(&location(&r)).await;
    assert!(created.contains("/invite/"));
    let audit = admin.get_html("/org/forms/audit").await;
    assert!(
        audit.contains("Made an invitation link that works for 14 days, for up to 30 people"),
        "{audit}"
    );
    assert!(!audit.contains("Some("));
}

#[tokio::test]
async fn the_admin_forms_show_errors_inline_and_suggest_the_web_address_name() {
    let app = spawn_app().await;
    let admin = app.other_browser();
    let email = admin.new_learner().await;
    admin.make_platform_admin(&email).await;
    let page = "/admin";

    let r = admin
        .submit(
            page,
            "/admin/organisations",
            &[("name", "Leeds Teaching Hospitals NHS Trust"), ("slug", "")],
        )
        .await;

    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("There is a problem") && html.contains("href=\"#org-slug\""));
    assert!(
        html.contains("value=\"leeds-teaching-hospitals-nhs-trust\""),
        "suggested"
    );
    assert!(
        html.contains("value=\"Leeds Teaching Hospitals NHS Trust\""),
        "typed name kept"
    );
    let r = admin
        .submit(
            page,
            "/admin/organisations",
            &[
                ("name", "Leeds Teaching Hospitals NHS Trust"),
                ("slug", "leeds-teaching-hospitals-nhs-trust"),
            ],
        )
        .await;
    assert_eq!(location(&r), "/org/leeds-teaching-hospitals-nhs-trust");
    let r = admin
        .submit(
            page,
            "/admin/organisations",
            &[("name", "Another"), ("slug", "Bad Slug!")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("value=\"Bad Slug!\""));

    let r = admin
        .submit(
            page,
            "/admin/organisations/leeds-teaching-hospitals-nhs-trust/admins",
            &[("email", "nobody@example.nhs.uk")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("href=\"#appoint-email\"") && html.contains("id=\"appoint-email\""));
    assert!(html.contains("value=\"nobody@example.nhs.uk\""));
    assert!(!html.contains("Go back and try again"));
    let audit = admin.get_html("/admin/audit?action=org.create").await;
    assert!(audit.contains("Created the organisation Leeds Teaching Hospitals NHS Trust"));
    let csv = admin
        .get("/admin/audit.csv?action=org.create")
        .await
        .bytes()
        .await
        .unwrap();
    assert!(csv.starts_with("\u{feff}".as_bytes()));
    assert!(
        std::str::from_utf8(&csv)
            .unwrap()
            .contains("Created the organisation")
    );
}

#[tokio::test]
async fn course_leads_find_their_organisation_in_the_header_under_one_name() {
    let app = spawn_app().await;
    let (admin, _) = org_with_admin(&app, "head").await;
    let learner = app.other_browser();
    learner.new_learner().await;

    let dashboard = admin.get_html("/dashboard").await;

    let nav = between(&dashboard, "nhsuk-header__navigation-list", "</ul>");
    assert!(
        nav.contains("href=\"/org/head\"") && nav.contains(">Course lead<"),
        "{nav}"
    );
    let report = admin.get_html("/org/head").await;
    assert!(report.contains("aria-current=\"page\">Course lead<"));
    assert!(!report.contains("Org admin") && !report.contains("org admin"));
    assert!(
        !learner
            .get_html("/dashboard")
            .await
            .contains(">Course lead<")
    );
    assert_eq!(location(&admin.get("/org").await), "/org/head");
}

#[tokio::test]
async fn quiz_insight_is_in_plain_words_and_hides_answers_below_five_people() {
    // Every question of the small fixture quiz is in every attempt.
    let course = course_with_fixture_quiz("questions_per_attempt = 5");
    let path = course.path().to_path_buf();
    let app = spawn_app_with(move |s| s.course_dir = path).await;
    let (admin, org) = org_with_admin(&app, "ins").await;
    let (learner, _) = org_learner(&app, org, "Only Taker", None).await;
    learner.take_quiz("ai-fundamentals", 2).await;

    let html = admin.get_html("/org/ins/quiz?module=ai-fundamentals").await;

    assert!(html.contains("Hidden until at least 5 people have answered (1 so far)"));
    assert!(
        !html.contains("How often each answer was chosen"),
        "no per-answer counts for one person"
    );
    assert!(!html.contains("Often wrong"));
    for i in 0..4 {
        let (b, _) = org_learner(&app, org, &format!("Taker {i}"), None).await;
        b.take_quiz("ai-fundamentals", 3).await;
    }
    let html = admin.get_html("/org/ins/quiz?module=ai-fundamentals").await;
    assert!(
        html.contains("got it fully right at their first attempt"),
        "plain words"
    );
    assert!(html.contains("How often each answer was chosen"));
}
