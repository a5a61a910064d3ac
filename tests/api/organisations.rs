use std::io::Write;
use std::process::{Command, Stdio};

use chrono::Duration;
use reqwest::StatusCode;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::helpers::*;
use deepdive::entities::{confidence_ratings, org_members, users};
use deepdive::services::organisations as orgs;

#[tokio::test]
async fn a_platform_admin_creates_an_organisation_and_appoints_its_admin() {
    let app = spawn_app().await;
    let admin_email = app.new_learner().await;
    app.make_platform_admin(&admin_email).await;
    let lead = app.other_browser();
    let lead_email = lead.new_learner().await;
    let r = app
        .submit(
            "/admin",
            "/admin/organisations",
            &[("name", "North Trust"), ("slug", "north-trust")],
        )
        .await;
    assert_eq!(location(&r), "/org/north-trust");
    assert_eq!(
        lead.get("/org/north-trust").await.status(),
        StatusCode::NOT_FOUND,
        "not yet an admin"
    );
    let r = app
        .submit(
            "/admin",
            "/admin/organisations/north-trust/admins",
            &[("email", &lead_email)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let report = lead.get_html("/org/north-trust").await;
    assert!(report.contains("North Trust"));
    assert!(
        lead.get_html("/dashboard")
            .await
            .contains("/org/north-trust")
    );
    let audit = app.get_html("/admin").await;
    assert!(
        audit.contains("Created the organisation North Trust"),
        "in words"
    );
    assert!(audit.contains("a course lead"));
}

#[tokio::test]
async fn nobody_outside_an_organisation_sees_any_of_its_pages_or_people() {
    let app = spawn_app().await;
    let (_admin_a, org_a) = org_with_admin(&app, "org-a").await;
    let (admin_b, _org_b) = org_with_admin(&app, "org-b").await;
    let (learner, _) = org_learner(&app, org_a, "Plain Learner", None).await;
    // Someone else in organisation A, whom neither outsider may see (the learner's own name
    // rightly appears in their own page header).
    org_learner(&app, org_a, "Secret Colleague", None).await;
    let anonymous = app.other_browser();
    let gets = [
        "/org/org-a",
        "/org/org-a/progress.csv",
        "/org/org-a/import",
        "/org/org-a/quiz",
        "/org/org-a/audit",
    ];
    for who in [&admin_b, &learner] {
        for path in gets {
            let r = who.get(path).await;
            assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
            assert!(!r.text().await.unwrap().contains("Secret Colleague"));
        }
        let token = csrf_token(&who.get_html("/dashboard").await);
        for path in [
            "/org/org-a/cohorts",
            "/org/org-a/invitations",
            "/org/org-a/import",
            "/org/org-a/members/1/remove",
            "/org/org-a/members/1/cohort",
            "/org/org-a/invitations/1/revoke",
        ] {
            let r = who
                .post_raw(
                    path,
                    &[
                        ("csrf_token", &token),
                        ("name", "x"),
                        ("starts_on", "2027-01-01"),
                        ("csv", "email,name\na@b.org,A"),
                    ],
                )
                .await;
            assert_eq!(r.status(), StatusCode::NOT_FOUND, "POST {path}");
        }
    }
    for path in gets {
        let r = anonymous.get(path).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{path}");
    }
    assert_eq!(
        org_members::Entity::find()
            .filter(org_members::Column::OrgId.eq(org_a))
            .count(&app.db)
            .await
            .unwrap(),
        3,
        "nothing changed: the admin and the two learners"
    );
}

#[tokio::test]
async fn an_import_reports_every_bad_line_and_imports_nothing_until_all_are_right() {
    let app = spawn_app().await;
    let (admin, org) = org_with_admin(&app, "imp").await;
    let bad = "email,name,role\nann@example.org,Ann,learner\nnot-an-email,Bob,\nann@example.org,Ann again,\ncat@example.org,Cat,boss\n";
    let r = admin
        .submit(
            "/org/imp/import",
            "/org/imp/import",
            &[("csv", bad), ("action", "import")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    for line in ["Line 3", "Line 4", "Line 5"] {
        assert!(html.contains(line), "{line}: {html}");
    }
    assert!(html.contains("not-an-email"), "the pasted text is kept");
    let before = users::Entity::find().count(&app.db).await.unwrap();
    let good = "\u{feff}email,name,role\r\nann@example.org,\"Smith, Ann\",learner\r\nlead@example.org,Lead Person,org_admin\r\n";
    let r = admin
        .submit(
            "/org/imp/import",
            "/org/imp/import",
            &[("csv", good), ("action", "preview")],
        )
        .await;
    let html = r.text().await.unwrap();
    assert!(html.contains("Import 2 people"));
    assert_eq!(
        users::Entity::find().count(&app.db).await.unwrap(),
        before,
        "a preview writes nothing"
    );
    let r = admin
        .submit(
            "/org/imp/import",
            "/org/imp/import",
            &[("csv", good), ("action", "import")],
        )
        .await;
    let html = r.text().await.unwrap();
    assert_eq!(
        users::Entity::find().count(&app.db).await.unwrap(),
        before + 2
    );
    assert_eq!(
        org_members::Entity::find()
            .filter(org_members::Column::OrgId.eq(org))
            .count(&app.db)
            .await
            .unwrap(),
        3
    );
    let marker = "/activate/";
    let start = html.find(marker).unwrap() + marker.len();
    let token = &html[start..start + 43];
    // The person sets a password with their link, once.
    let person = app.other_browser();
    assert!(
        person
            .get_html(&format!("/activate/{token}"))
            .await
            .contains("Smith, Ann")
    );
    let r = person
        .submit(
            &format!("/activate/{token}"),
            &format!("/activate/{token}"),
            &[("password", "short")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = person
        .submit(
            &format!("/activate/{token}"),
            &format!("/activate/{token}"),
            &[("password", PASSWORD)],
        )
        .await;
    assert_eq!(location(&r), "/dashboard");
    assert_eq!(person.get("/dashboard").await.status(), StatusCode::OK);
    assert_eq!(
        app.other_browser()
            .get(&format!("/activate/{token}"))
            .await
            .status(),
        StatusCode::NOT_FOUND,
        "single use"
    );
    let again = app.other_browser();
    assert_eq!(
        again.login("ann@example.org", PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn activation_links_expire_after_fourteen_days() {
    let app = spawn_app().await;
    let (admin, _) = org_with_admin(&app, "exp").await;
    let r = admin
        .submit(
            "/org/exp/import",
            "/org/exp/import",
            &[
                ("csv", "email,name\nlate@example.org,Late"),
                ("action", "import"),
            ],
        )
        .await;
    let html = r.text().await.unwrap();
    let start = html.find("/activate/").unwrap() + "/activate/".len();
    let token = html[start..start + 43].to_string();
    app.clock.advance(Duration::days(15));
    assert_eq!(
        app.other_browser()
            .get(&format!("/activate/{token}"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}

fn deepdive() -> Command {
    Command::new(env!("CARGO_BIN_EXE_deepdive"))
}

#[tokio::test]
async fn the_import_command_checks_every_row_then_prints_activation_links() {
    let app = spawn_app().await;
    orgs::create(&app.db, "CLI Trust", "cli-trust", app.clock.now())
        .await
        .unwrap();
    let existing = app.new_learner().await;
    let dir = tempfile::tempdir().unwrap();
    let run = |file: &std::path::Path, extra: &[&str]| {
        let mut cmd = deepdive();
        cmd.arg("import-users")
            .args(["--org", "cli-trust"])
            .args(extra)
            .arg(file)
            .env("DEEPDIVE_DATA_DIR", &app.data_dir)
            .env("DATABASE_URL", app.database_url.clone().unwrap_or_default())
            .env("DEEPDIVE_COURSE_DIR", &app.course_dir)
            .env("DEEPDIVE_BASE_URL", "https://learn.example.nhs.uk")
            .stdin(Stdio::null());
        cmd.output().unwrap()
    };
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "email,name,role\nok@example.org,Ok,\nbroken,Bad,\nx@example.org,X,chief\n",
    )
    .unwrap();
    let out = run(&bad, &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.csv:3:") && err.contains("bad.csv:4:"),
        "{err}"
    );
    let good = dir.path().join("staff.csv");
    let mut rows = String::from("email,name,role\r\n");
    rows.push_str(&format!("{existing},Already Here,learner\r\n"));
    for i in 0..10_000 {
        rows.push_str(&format!(
            "staff{i}@example.nhs.uk,\"Staff, Member {i}\",learner\r\n"
        ));
    }
    std::fs::write(&good, format!("\u{feff}{rows}")).unwrap();
    let before = users::Entity::find().count(&app.db).await.unwrap();
    let out = run(&good, &["--dry-run"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        users::Entity::find().count(&app.db).await.unwrap(),
        before,
        "dry run imports nothing"
    );
    let out = run(&good, &["--cohort", "Spring 2027"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines.len(),
        10_000,
        "one line per new person, not for the existing account: {:?}",
        lines.iter().find(|l| !l.starts_with("staff"))
    );
    assert!(lines[0].starts_with("staff0@example.nhs.uk\thttps://learn.example.nhs.uk/activate/"));
    assert_eq!(
        users::Entity::find().count(&app.db).await.unwrap(),
        before + 10_000
    );
    let org = orgs::by_slug(&app.db, "cli-trust").await.unwrap().unwrap();
    assert_eq!(
        org_members::Entity::find()
            .filter(org_members::Column::OrgId.eq(org.id))
            .count(&app.db)
            .await
            .unwrap(),
        10_001
    );
    let mut child = deepdive()
        .args(["create-org", "--name", "CLI Trust", "--slug", "cli-trust"])
        .env("DEEPDIVE_DATA_DIR", &app.data_dir)
        .env("DATABASE_URL", app.database_url.clone().unwrap_or_default())
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdin.take().map(|mut s| s.write_all(b"")));
    assert!(
        !child.wait_with_output().unwrap().status.success(),
        "a taken slug is refused"
    );
}

#[tokio::test]
async fn invitation_links_expire_run_out_and_can_be_withdrawn() {
    let app = spawn_app().await;
    let (admin, org) = org_with_admin(&app, "inv").await;
    let cohort = orgs::create_cohort(
        &app.db,
        org,
        "Wave 1",
        app.clock.now(),
        false,
        app.clock.now(),
    )
    .await
    .unwrap();
    let r = admin
        .submit(
            "/org/inv",
            "/org/inv/invitations",
            &[
                ("cohort", &cohort.id.to_string()),
                ("days", "7"),
                ("max_uses", "1"),
            ],
        )
        .await;
    let page = admin.get_html(&location(&r)).await;
    let start = page.find("/invite/").unwrap() + "/invite/".len();
    let token = page[start..start + 43].to_string();
    // A new person registers from the invitation and joins.
    let newcomer = app.other_browser();
    let invite = newcomer.get_html(&format!("/invite/{token}")).await;
    assert!(invite.contains("Wave 1"));
    let r = newcomer
        .submit(
            &format!("/register?next=/invite/{token}"),
            "/register",
            &[
                ("email", "new@example.org"),
                ("name", "New Person"),
                ("password", PASSWORD),
                ("next", &format!("/invite/{token}")),
            ],
        )
        .await;
    assert_eq!(location(&r), "/dashboard?joined=inv", "joined at once");
    let r = newcomer
        .submit(
            &format!("/invite/{token}"),
            &format!("/invite/{token}"),
            &[],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(admin.get_html("/org/inv").await.contains("New Person"));
    // The single use is gone for the next person.
    let late = app.other_browser();
    late.new_learner().await;
    assert_eq!(
        late.get(&format!("/invite/{token}")).await.status(),
        StatusCode::GONE
    );
    let token_page = csrf_token(&late.get_html("/dashboard").await);
    assert_eq!(
        late.post_raw(&format!("/invite/{token}"), &[("csrf_token", &token_page)])
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    // Expiry and withdrawal (both links made now, before time moves on).
    let make = |days: &'static str| {
        let admin = &admin;
        async move {
            let r = admin
                .submit("/org/inv", "/org/inv/invitations", &[("days", days)])
                .await;
            let page = admin.get_html(&location(&r)).await;
            let start = page.find("/invite/").unwrap() + "/invite/".len();
            page[start..start + 43].to_string()
        }
    };
    let expiring = make("1").await;
    let withdrawn = make("30").await;
    let inv = deepdive::entities::invitations::Entity::find()
        .filter(
            deepdive::entities::invitations::Column::TokenHash
                .eq(deepdive::services::tokens::hash_token(&withdrawn)),
        )
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    admin
        .submit(
            "/org/inv",
            &format!("/org/inv/invitations/{}/revoke", inv.id),
            &[],
        )
        .await;
    assert_eq!(
        app.other_browser()
            .get(&format!("/invite/{withdrawn}"))
            .await
            .status(),
        StatusCode::GONE
    );
    app.clock.advance(Duration::days(2));
    assert_eq!(
        app.other_browser()
            .get(&format!("/invite/{expiring}"))
            .await
            .status(),
        StatusCode::GONE
    );
    assert_eq!(
        app.other_browser()
            .get("/invite/not-a-token")
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_report_shows_progress_scores_and_overdue_modules_under_weekly_pacing() {
    let app = spawn_app().await;
    let (admin, org) = org_with_admin(&app, "rep").await;
    let start = app.clock.now() - Duration::days(8);
    let cohort = orgs::create_cohort(&app.db, org, "Weekly", start, true, start)
        .await
        .unwrap();
    let (ann, _) = org_learner(&app, org, "Ann Ahead", Some(cohort.id)).await;
    let (_bob, _) = org_learner(&app, org, "Bob Behind", Some(cohort.id)).await;
    ann.complete_module("ai-fundamentals").await;
    let html = admin
        .get_html(&format!("/org/rep?cohort={}", cohort.id))
        .await;
    let ann_row = &html[html.find("data-learner=").unwrap()..];
    assert!(html.contains("Ann Ahead") && html.contains("Bob Behind"));
    assert!(
        html.contains("data-total=\"learners\">2<"),
        "{}",
        &html[..0]
    );
    assert!(html.contains("data-module-completed=\"1\" data-done=\"1\""));
    let bob = &html[html.find("Bob Behind").unwrap()..];
    let bob_row = &bob[..bob.find("</tr>").unwrap()];
    assert!(
        bob_row.contains("Overdue: module 1"),
        "module 1 was due a week after the start: {bob_row}"
    );
    let _ = ann_row;
    let ann = &html[html.find("Ann Ahead").unwrap()..];
    let ann_row = &ann[..ann.find("</tr>").unwrap()];
    assert!(
        ann_row.contains("1 of 5 modules") && !ann_row.contains("Overdue"),
        "{ann_row}"
    );
}

#[tokio::test]
async fn the_csv_export_has_every_row_and_defuses_formulas() {
    let app = spawn_app().await;
    let (admin, org) = org_with_admin(&app, "csv").await;
    org_learner(&app, org, "=HYPERLINK(\"http://evil\")", None).await;
    org_learner(&app, org, "Zoë Ångström", None).await;
    let r = admin.get("/org/csv/progress.csv").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()
            .get("content-type")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let body = r.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    assert_eq!(&reader.headers().unwrap()[0], "name");
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 3, "two learners and the admin");
    assert!(rows.iter().any(|r| &r[0] == "'=HYPERLINK(\"http://evil\")"));
    assert!(rows.iter().any(|r| &r[0] == "Zoë Ångström"));
}

#[tokio::test]
async fn org_admins_see_their_learners_attempts_and_certificates_but_not_others() {
    let app = spawn_app().await;
    let (admin, org) = org_with_admin(&app, "rev").await;
    let (other_admin, _) = org_with_admin(&app, "other").await;
    let (learner, _) = org_learner(&app, org, "Reviewed Learner", None).await;
    let r = learner.take_quiz("ai-fundamentals", 4).await;
    let review = location(&r);
    assert_eq!(admin.get(&review).await.status(), StatusCode::OK);
    assert_eq!(
        other_admin.get(&review).await.status(),
        StatusCode::NOT_FOUND
    );
    learner.complete_course().await;
    let code = learner.certificate_code().await.unwrap();
    assert_eq!(
        admin
            .get(&format!("/certificates/{code}.pdf"))
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        other_admin
            .get(&format!("/certificates/{code}.pdf"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let insight = admin.get_html("/org/rev/quiz?module=ai-fundamentals").await;
    assert!(insight.contains("Facility") || insight.contains("facility"));
    assert!(insight.contains("1 learners") || insight.contains("learners"));
}

#[tokio::test]
async fn leavers_are_removed_from_the_organisation_and_keep_their_records() {
    let app = spawn_app().await;
    let (admin, org) = org_with_admin(&app, "leave").await;
    let (learner, id) = org_learner(&app, org, "Leaving Learner", None).await;
    learner
        .complete_lesson("ai-fundamentals", "what-is-ai")
        .await;
    let r = admin
        .submit(
            "/org/leave",
            &format!("/org/leave/members/{id}/remove"),
            &[],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(
        !admin
            .get_html("/org/leave")
            .await
            .contains("Leaving Learner")
    );
    assert!(
        learner
            .get_html("/dashboard")
            .await
            .contains("1 of 8 lessons"),
        "their progress stays"
    );
    assert!(
        admin
            .get_html("/org/leave/audit")
            .await
            .contains("org.member.remove")
    );
}

#[tokio::test]
async fn the_confidence_gain_is_shown_per_statement_and_hidden_below_five_learners() {
    let app = spawn_app().await;
    let (admin, org) = org_with_admin(&app, "conf").await;
    let course = deepdive::course::load_course(&app.course_dir).unwrap();
    let first = &course.confidence[0];
    let mut rows = Vec::new();
    for i in 0..5 {
        let (_, id) = org_learner(&app, org, &format!("Rater {i}"), None).await;
        let (b, a) = if i < 4 { (2, 4) } else { (3, 3) };
        for (phase, rating) in [("before", b), ("after", a)] {
            rows.push(confidence_ratings::ActiveModel {
                user_id: Set(id),
                phase: Set(phase.into()),
                statement_id: Set(first.id.clone()),
                rating: Set(rating),
                rated_at: Set(app.clock.now()),
                ..Default::default()
            });
        }
        confidence_ratings::Entity::insert_many(std::mem::take(&mut rows))
            .exec_without_returning(&app.db)
            .await
            .unwrap();
        let html = admin.get_html("/org/conf").await;
        if i < 4 {
            assert!(
                !html.contains("data-gain=\"100\""),
                "hidden below five answers"
            );
            assert!(html.contains("Hidden (fewer than 5)"));
        }
    }
    let html = admin.get_html("/org/conf").await;
    assert!(
        html.contains("data-gain=\"80\""),
        "4 of 5 rated higher after"
    );
    if let Some(p) = first.case_study_percent {
        assert!(html.contains(&format!("{p}%")));
    }
}
