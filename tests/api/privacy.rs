use std::collections::BTreeSet;
use std::process::Command;

use chrono::Duration;
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, sea_query::Expr};
use serde_json::Value;

use crate::helpers::*;
use deepdive::entities::{
    attempt_answers, audit_log, certificates, enrolments, lesson_progress, module_progress,
    quiz_attempts, sessions, users,
};
use deepdive::services::privacy::{self, ErasurePolicy, RetentionPolicy};
use deepdive::services::sessions::Timeouts;
use deepdive::web::routes::{Guard, ROUTES};

const NAME: &str = "Zebedee Quixote-Marchbanks";
const EMAIL: &str = "zebedee.quixote@example.nhs.uk";

fn cookie_pair(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap().to_string()
}

/// A learner with rows in every table: two sessions, a failed and a passed attempt per module,
/// every lesson, a certificate, and a failed log-in in the security log.
async fn learner_with_everything(app: &TestApp) -> (users::Model, TestApp, String) {
    let r = app.register(EMAIL, NAME, PASSWORD).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let cookie = cookie_pair(&set_cookie(&r, "dd_session").unwrap());
    app.take_quiz("ai-fundamentals", 0).await;
    app.complete_course().await;
    let phone = app.other_browser();
    phone.login(EMAIL, "not the right password").await;
    phone.login(EMAIL, PASSWORD).await;
    (app.user(EMAIL).await, phone, cookie)
}

struct Counts {
    enrolments: u64,
    module_progress: u64,
    lesson_progress: u64,
    attempts: u64,
    answers: u64,
    certificates: u64,
}

async fn counts(app: &TestApp, user_id: i32) -> Counts {
    let attempt_ids: Vec<i32> = quiz_attempts::Entity::find()
        .filter(quiz_attempts::Column::UserId.eq(user_id))
        .all(&app.db)
        .await
        .unwrap()
        .iter()
        .map(|a| a.id)
        .collect();
    Counts {
        enrolments: enrolments::Entity::find()
            .filter(enrolments::Column::UserId.eq(user_id))
            .count(&app.db)
            .await
            .unwrap(),
        module_progress: module_progress::Entity::find()
            .filter(module_progress::Column::UserId.eq(user_id))
            .count(&app.db)
            .await
            .unwrap(),
        lesson_progress: lesson_progress::Entity::find()
            .filter(lesson_progress::Column::UserId.eq(user_id))
            .count(&app.db)
            .await
            .unwrap(),
        attempts: attempt_ids.len() as u64,
        answers: attempt_answers::Entity::find()
            .filter(attempt_answers::Column::AttemptId.is_in(attempt_ids))
            .count(&app.db)
            .await
            .unwrap(),
        certificates: certificates::Entity::find()
            .filter(certificates::Column::UserId.eq(user_id))
            .count(&app.db)
            .await
            .unwrap(),
    }
}

fn strings(v: &Value, key: &str) -> BTreeSet<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x[key].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn the_json_export_holds_everything_the_database_holds_for_the_learner_and_nothing_else() {
    let app = spawn_app().await;
    let bystander = app.other_browser();
    bystander
        .register("bystander@example.org", "Bystander Person", PASSWORD)
        .await;
    let (user, _phone, _) = learner_with_everything(&app).await;

    let r = app.get("/account/export.json").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment; filename=\"deepdive-my-data-")
    );
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    assert_eq!(r.headers()["cache-control"], "no-store");
    let body = r.text().await.unwrap();
    let json: Value = serde_json::from_str(&body).unwrap();

    assert_eq!(json["profile"]["email"], EMAIL);
    assert_eq!(json["profile"]["name"], NAME);
    assert_eq!(json["profile"]["id"], user.id);
    assert!(!body.contains(&user.password_hash), "no password hash");

    let c = counts(&app, user.id).await;
    assert_eq!(
        json["enrolments"].as_array().unwrap().len() as u64,
        c.enrolments
    );
    assert_eq!(json["enrolments"][0]["progress_percent"], 100);

    let modules = module_progress::Entity::find()
        .filter(module_progress::Column::UserId.eq(user.id))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(
        strings(&json["module_progress"], "module_slug"),
        modules.iter().map(|m| m.module_slug.clone()).collect()
    );
    assert_eq!(modules.len(), 5);

    let lessons = lesson_progress::Entity::find()
        .filter(lesson_progress::Column::UserId.eq(user.id))
        .all(&app.db)
        .await
        .unwrap();
    let exported_lessons: BTreeSet<(String, String)> = json["lesson_progress"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["module_slug"].as_str().unwrap().to_string(),
                l["lesson_slug"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(exported_lessons.len(), lessons.len());
    assert_eq!(
        exported_lessons,
        lessons
            .iter()
            .map(|l| (l.module_slug.clone(), l.lesson_slug.clone()))
            .collect()
    );

    let attempts = quiz_attempts::Entity::find()
        .filter(quiz_attempts::Column::UserId.eq(user.id))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(attempts.len(), 6, "one failed and five passed");
    assert_eq!(
        strings(&json["quiz_attempts"], "id"),
        attempts.iter().map(|a| a.public_id.clone()).collect()
    );
    for exported in json["quiz_attempts"].as_array().unwrap() {
        let stored = attempts
            .iter()
            .find(|a| a.public_id == exported["id"].as_str().unwrap())
            .unwrap();
        assert_eq!(exported["score_percent"], stored.score_percent);
        assert_eq!(exported["passed"], stored.passed);
        let answers = attempt_answers::Entity::find()
            .filter(attempt_answers::Column::AttemptId.eq(stored.id))
            .all(&app.db)
            .await
            .unwrap();
        let exported_answers = exported["answers"].as_array().unwrap();
        assert_eq!(exported_answers.len(), answers.len());
        for (e, a) in exported_answers.iter().zip(&answers) {
            assert_eq!(e["question_id"], a.question_id.as_str());
            assert_eq!(
                e["response"],
                serde_json::from_str::<Value>(&a.response).unwrap()
            );
            assert_eq!(e["credit_thousandths"], a.credit);
        }
    }
    let total_answers: usize = json["quiz_attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["answers"].as_array().unwrap().len())
        .sum();
    assert_eq!(total_answers as u64, c.answers);

    let certs = certificates::Entity::find()
        .filter(certificates::Column::UserId.eq(user.id))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(certs.len(), 1);
    assert_eq!(json["certificates"][0]["code"], certs[0].code.as_str());
    assert_eq!(json["certificates"][0]["holder_name"], NAME);

    let stored_sessions = sessions::Entity::find()
        .filter(sessions::Column::UserId.eq(user.id))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(stored_sessions.len(), 2);
    assert_eq!(
        json["sessions"].as_array().unwrap().len(),
        stored_sessions.len()
    );
    for s in sessions::Entity::find().all(&app.db).await.unwrap() {
        assert!(!body.contains(&s.id_hash), "no session hashes");
    }
    let this_session = json["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["this_session"] == true)
        .count();
    assert_eq!(this_session, 1);

    let events = audit_log::Entity::find()
        .filter(
            Condition::any()
                .add(audit_log::Column::ActorUserId.eq(user.id))
                .add(audit_log::Column::Target.eq(format!("user:{}", user.id))),
        )
        .count(&app.db)
        .await
        .unwrap();
    assert!(events >= 3, "register, failed and successful log-ins");
    assert_eq!(
        json["security_events"].as_array().unwrap().len() as u64,
        events
    );
    let actions = strings(&json["security_events"], "action");
    assert!(actions.contains("login.failure") && actions.contains("account.register"));

    assert!(!body.contains("bystander"), "nobody else's data");
    assert!(!body.contains("Bystander Person"));
}

#[tokio::test]
async fn the_export_page_shows_every_section_readably() {
    let app = spawn_app().await;
    let (user, _phone, _) = learner_with_everything(&app).await;
    let html = app.get_html("/account/export").await;
    for text in [
        NAME,
        EMAIL,
        "Course progress",
        "1. AI fundamentals",
        "Quiz attempts and answers",
        "Certificates",
        "Sessions",
        "Security events",
        "login.failure",
        "href=\"/account/export.json\"",
    ] {
        assert!(html.contains(text), "the export page lacks {text}");
    }
    let attempts = counts(&app, user.id).await.attempts as usize;
    assert_eq!(html.matches("dd-export-attempt").count(), attempts);
    let code = app.certificate_code().await.unwrap();
    assert!(html.contains(&code));
}

#[tokio::test]
async fn deleting_the_account_leaves_no_personal_data_in_any_table_and_keeps_the_aggregates() {
    let app = spawn_app().await;
    let (user, phone, cookie) = learner_with_everything(&app).await;
    let before = counts(&app, user.id).await;
    let users_before = users::Entity::find().count(&app.db).await.unwrap();
    for needle in [NAME, EMAIL, "Zebedee", "Quixote", "zebedee.quixote"] {
        assert!(
            !columns_containing(&app.db, needle).await.is_empty(),
            "the search finds {needle} before deletion"
        );
    }

    let r = app
        .submit(
            "/account/delete",
            "/account/delete",
            &[("password", PASSWORD), ("confirm", "yes")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/?account=deleted");
    let cleared = set_cookie(&r, "dd_session").expect("the cookie is cleared");
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    let home = app.get_html("/?account=deleted").await;
    assert!(home.contains("Your account has been deleted"));

    for needle in [NAME, EMAIL, "Zebedee", "Quixote", "zebedee.quixote"] {
        let hits = columns_containing(&app.db, needle).await;
        assert!(hits.is_empty(), "{needle} is still in {hits:?}");
    }
    let erased = users::Entity::find_by_id(user.id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(erased.name, "Deleted user");
    assert!(erased.email.starts_with("deleted-") && erased.email.ends_with("@invalid"));
    assert!(erased.disabled_at.is_some() && erased.anonymised_at.is_some());
    assert_ne!(erased.password_hash, user.password_hash);
    assert_eq!(
        sessions::Entity::find()
            .filter(sessions::Column::UserId.eq(user.id))
            .count(&app.db)
            .await
            .unwrap(),
        0
    );
    let with_ip = audit_log::Entity::find()
        .filter(
            Condition::any()
                .add(audit_log::Column::ActorUserId.eq(user.id))
                .add(audit_log::Column::Target.eq(format!("user:{}", user.id))),
        )
        .filter(audit_log::Column::Ip.is_not_null())
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(with_ip, 0, "no IP addresses left about them");
    let deletion = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("account.delete"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(deletion.actor_user_id, Some(user.id));
    assert_eq!(
        deletion.target.as_deref(),
        Some(format!("user:{}", user.id).as_str())
    );

    let after = counts(&app, user.id).await;
    assert_eq!(after.enrolments, before.enrolments);
    assert_eq!(after.module_progress, before.module_progress);
    assert_eq!(after.lesson_progress, before.lesson_progress);
    assert_eq!(after.attempts, before.attempts);
    assert_eq!(after.answers, before.answers);
    assert_eq!(after.certificates, before.certificates);
    assert_eq!(
        users::Entity::find().count(&app.db).await.unwrap(),
        users_before
    );
    let completed = enrolments::Entity::find()
        .filter(enrolments::Column::UserId.eq(user.id))
        .filter(enrolments::Column::CompletedAt.is_not_null())
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(completed, 1, "the completion still counts");

    assert_eq!(
        get_with_cookie(&app, "/dashboard", &cookie).await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        phone.get("/dashboard").await.status(),
        StatusCode::SEE_OTHER
    );
    let again = app.other_browser();
    assert_eq!(
        again.login(EMAIL, PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn after_deletion_the_verify_page_says_the_holder_removed_their_data() {
    let app = spawn_app().await;
    app.register(EMAIL, NAME, PASSWORD).await;
    app.complete_course().await;
    let code = app.certificate_code().await.unwrap();
    app.submit(
        "/account/delete",
        "/account/delete",
        &[("password", PASSWORD), ("confirm", "yes")],
    )
    .await;
    let stranger = app.other_browser();
    let html = stranger.get_html(&format!("/verify/{code}")).await;
    assert!(html.contains("The holder has removed their personal data"));
    assert!(
        html.contains("data-status=\"valid\""),
        "still a genuine certificate"
    );
    assert!(!html.contains("Zebedee"));
    let credential: Value = stranger
        .get(&format!("/verify/{code}/credential.json"))
        .await
        .json()
        .await
        .unwrap();
    let subject = &credential["credential"]["credentialSubject"];
    assert!(subject.get("name").is_none());
    assert!(subject.get("identifier").is_none(), "no e-mail hash either");
    let row = certificates::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.holder_name, "");
    assert!(row.holder_removed_at.is_some());
}

#[tokio::test]
async fn when_the_operator_retains_certificate_names_the_verify_page_keeps_the_name() {
    let app = spawn_app_with(|s| s.retain_certificate_names = true).await;
    app.register(EMAIL, NAME, PASSWORD).await;
    app.complete_course().await;
    let code = app.certificate_code().await.unwrap();
    let warning = app.get_html("/account/delete").await;
    assert!(warning.contains("your certificate keeps your name"));
    app.submit(
        "/account/delete",
        "/account/delete",
        &[("password", PASSWORD), ("confirm", "yes")],
    )
    .await;
    let html = app
        .other_browser()
        .get_html(&format!("/verify/{code}"))
        .await;
    assert!(html.contains(NAME));
    let hits = columns_containing(&app.db, NAME).await;
    assert_eq!(hits, vec!["certificates.holder_name".to_string()]);
    assert!(columns_containing(&app.db, EMAIL).await.is_empty());
}

#[tokio::test]
async fn export_and_delete_need_a_login_the_csrf_token_the_password_and_the_confirmation() {
    let app = spawn_app().await;
    for path in ["/account/export", "/account/export.json", "/account/delete"] {
        let r = app.get(path).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{path}");
        assert!(location(&r).starts_with("/login?next="), "{path}");
    }
    let r = app
        .post_raw(
            "/account/delete",
            &[("password", PASSWORD), ("confirm", "yes")],
        )
        .await;
    assert!(location(&r).starts_with("/login"));

    app.register(EMAIL, NAME, PASSWORD).await;
    let r = app
        .post_raw(
            "/account/delete",
            &[("password", PASSWORD), ("confirm", "yes")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "no CSRF token");

    let r = app
        .submit(
            "/account/delete",
            "/account/delete",
            &[("password", "not the right password"), ("confirm", "yes")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("There is a problem") && html.contains("href=\"#password\""));
    assert!(html.contains("checked"), "the ticked box stays ticked");

    let r = app
        .submit(
            "/account/delete",
            "/account/delete",
            &[("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("href=\"#confirm\""));

    let user = app.user(EMAIL).await;
    assert_eq!(user.name, NAME);
    assert!(user.anonymised_at.is_none(), "nothing deleted");
    assert_eq!(app.get("/dashboard").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_platform_admin_can_delete_a_leavers_account_with_the_same_erasure() {
    let app = spawn_app().await;
    let leaver = app.other_browser();
    leaver.register(EMAIL, NAME, PASSWORD).await;
    leaver.complete_course().await;
    let code = leaver.certificate_code().await.unwrap();
    let leaver_id = app.user(EMAIL).await.id;

    app.register("admin@example.org", "Platform Admin", PASSWORD)
        .await;
    app.make_platform_admin("admin@example.org").await;
    let admin_id = app.user("admin@example.org").await.id;
    let found = app.get_html("/admin/users?q=zebedee").await;
    assert!(found.contains(EMAIL));
    let page = format!("/admin/users/{leaver_id}/delete");
    assert!(found.contains(&format!("href=\"{page}\"")));

    // Learners cannot see or use it.
    let r = leaver
        .submit("/dashboard", &page, &[("confirm", "yes")])
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        leaver.get("/admin/users").await.status(),
        StatusCode::NOT_FOUND
    );

    let r = app.submit(&page, &page, &[]).await;
    assert_eq!(
        r.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "confirmation needed"
    );
    let own = format!("/admin/users/{admin_id}/delete");
    let r = app.submit(&own, &own, &[("confirm", "yes")]).await;
    assert_eq!(
        r.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "not your own account"
    );

    for needle in [NAME, EMAIL] {
        assert!(
            !columns_containing(&app.db, needle).await.is_empty(),
            "the search finds {needle} before deletion"
        );
    }
    let r = app.submit(&page, &page, &[("confirm", "yes")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), page);
    assert!(app.get_html(&page).await.contains("data-erased=\"true\""));
    for needle in [NAME, EMAIL] {
        let hits = columns_containing(&app.db, needle).await;
        assert!(hits.is_empty(), "{needle} is still in {hits:?}");
    }
    assert_eq!(
        leaver.get("/dashboard").await.status(),
        StatusCode::SEE_OTHER
    );
    assert!(
        app.other_browser()
            .get_html(&format!("/verify/{code}"))
            .await
            .contains("The holder has removed their personal data")
    );
    let deletion = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("account.delete"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(deletion.actor_user_id, Some(admin_id));
    assert_eq!(deletion.target, Some(format!("user:{leaver_id}")));
    assert!(deletion.detail.unwrap().contains("platform admin"));
    assert!(
        !app.get_html("/admin/users?q=deleted")
            .await
            .contains("Deleted user"),
        "erased accounts are not listed"
    );
}

#[tokio::test]
async fn the_admin_people_routes_are_in_the_inventory_for_platform_admins_only() {
    let admin_routes: Vec<_> = ROUTES
        .iter()
        .filter(|r| r.path.starts_with("/admin/users"))
        .collect();
    assert!(
        admin_routes.len() >= 3,
        "list, delete form and delete (and disable)"
    );
    assert!(admin_routes.iter().all(|r| r.guard == Guard::PlatformAdmin));
}

fn policy() -> RetentionPolicy {
    RetentionPolicy {
        inactive_days: 1095,
        security_log_days: 365,
        erasure: ErasurePolicy::default(),
        timeouts: Timeouts {
            idle_minutes: 30,
            absolute_hours: 12,
        },
    }
}

#[tokio::test]
async fn a_purge_dry_run_lists_inactive_accounts_and_changes_nothing() {
    let app = spawn_app().await;
    app.register(EMAIL, NAME, PASSWORD).await;
    let user = app.user(EMAIL).await;
    let admin = app.other_browser();
    admin
        .register("admin@example.org", "Platform Admin", PASSWORD)
        .await;
    admin.make_platform_admin("admin@example.org").await;
    app.clock.advance(Duration::days(1096));
    let audit_before = audit_log::Entity::find().count(&app.db).await.unwrap();
    let sessions_before = sessions::Entity::find().count(&app.db).await.unwrap();

    let report = privacy::purge(&app.db, &app.clock, policy(), true)
        .await
        .unwrap();

    assert!(!report.applied);
    let listed: Vec<i32> = report.inactive.iter().map(|a| a.user_id).collect();
    assert_eq!(listed, vec![user.id], "learners only, not platform admins");
    assert_eq!(report.old_security_entries, audit_before);
    assert_eq!(report.ended_sessions, sessions_before);
    assert_eq!(app.user(EMAIL).await, user, "unchanged");
    assert_eq!(
        audit_log::Entity::find().count(&app.db).await.unwrap(),
        audit_before
    );
    assert_eq!(
        sessions::Entity::find().count(&app.db).await.unwrap(),
        sessions_before
    );
}

#[tokio::test]
async fn a_purge_with_the_clock_moved_on_anonymises_inactive_accounts_and_deletes_old_security_entries()
 {
    let app = spawn_app().await;
    app.register(EMAIL, NAME, PASSWORD).await;
    let inactive = app.user(EMAIL).await;
    let returner = app.other_browser();
    returner
        .register("returner@example.org", "Returning Learner", PASSWORD)
        .await;
    let studier = app.other_browser();
    studier
        .register("studier@example.org", "Studying Learner", PASSWORD)
        .await;

    // Two years on, one learner studies a lesson (and their log-in date is set back, so only
    // their course activity keeps them).
    app.clock.advance(Duration::days(800));
    studier.login("studier@example.org", PASSWORD).await;
    studier
        .complete_lesson("ai-fundamentals", "what-is-ai")
        .await;
    users::Entity::update_many()
        .col_expr(users::Column::LastLoginAt, Expr::value(inactive.created_at))
        .filter(users::Column::Email.eq("studier@example.org"))
        .exec(&app.db)
        .await
        .unwrap();
    let studier_id = app.user("studier@example.org").await.id;
    sessions::Entity::delete_many()
        .filter(sessions::Column::UserId.eq(studier_id))
        .exec(&app.db)
        .await
        .unwrap();
    // Three years on, another logs in again.
    app.clock.advance(Duration::days(300));
    returner.login("returner@example.org", PASSWORD).await;
    let recent_before = audit_log::Entity::find()
        .filter(audit_log::Column::At.gt(app.clock.now() - Duration::days(365)))
        .count(&app.db)
        .await
        .unwrap();
    assert!(recent_before >= 1);
    for needle in [NAME, EMAIL] {
        assert!(
            !columns_containing(&app.db, needle).await.is_empty(),
            "the search finds {needle} before the purge"
        );
    }

    let report = privacy::purge(&app.db, &app.clock, policy(), false)
        .await
        .unwrap();

    assert!(report.applied);
    let purged: Vec<i32> = report.inactive.iter().map(|a| a.user_id).collect();
    assert_eq!(purged, vec![inactive.id]);
    let erased = users::Entity::find_by_id(inactive.id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(erased.name, "Deleted user");
    assert!(erased.anonymised_at.is_some());
    for needle in [NAME, EMAIL] {
        assert!(
            columns_containing(&app.db, needle).await.is_empty(),
            "{needle}"
        );
    }
    assert_eq!(
        app.user("returner@example.org").await.name,
        "Returning Learner"
    );
    assert_eq!(
        app.user("studier@example.org").await.name,
        "Studying Learner"
    );
    assert!(report.old_security_entries >= 3, "the three registrations");
    let old_left = audit_log::Entity::find()
        .filter(audit_log::Column::At.lt(app.clock.now() - Duration::days(365)))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(old_left, 0);
    let recent_after = audit_log::Entity::find()
        .filter(audit_log::Column::Action.ne("account.delete"))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(recent_after, recent_before, "recent entries are kept");
    let deletion = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("account.delete"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(deletion.actor_user_id, None);
    assert!(deletion.detail.unwrap().contains("retention"));
    assert!(report.ended_sessions >= 1, "old sessions are removed");
    assert_eq!(returner.get("/dashboard").await.status(), StatusCode::OK);

    // Running it again finds nothing more.
    let again = privacy::purge(&app.db, &app.clock, policy(), false)
        .await
        .unwrap();
    assert!(again.inactive.is_empty());
}

#[tokio::test]
async fn the_purge_command_prints_counts_and_a_dry_run_changes_nothing() {
    let app = spawn_app().await;
    app.new_learner().await;
    let audit_before = audit_log::Entity::find().count(&app.db).await.unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_deepdive"))
            .args(args)
            .env("DEEPDIVE_DATA_DIR", &app.data_dir)
            .env("DEEPDIVE_COURSE_DIR", &app.course_dir)
            .output()
            .unwrap()
    };
    let help = run(&["purge", "--help"]);
    assert!(String::from_utf8_lossy(&help.stdout).contains("--dry-run"));
    let out = run(&["purge", "--dry-run"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("inactive learner accounts: 0"), "{stdout}");
    assert!(
        stdout.contains("security log entries to delete: 0"),
        "{stdout}"
    );
    assert!(stdout.contains("dry run: nothing was changed"), "{stdout}");
    assert!(
        stdout.contains("(1095 days)") && stdout.contains("(365 days)"),
        "{stdout}"
    );
    let out = run(&["purge"]);
    assert!(out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("inactive learner accounts anonymised: 0")
    );
    assert_eq!(
        audit_log::Entity::find().count(&app.db).await.unwrap(),
        audit_before
    );
}

#[tokio::test]
async fn the_privacy_notice_shows_the_operators_text_or_the_configured_retention() {
    let app = spawn_app_with(|s| s.retain_inactive_days = 730).await;
    let html = app.get_html("/privacy").await;
    assert!(html.contains("2 years"), "the configured inactivity period");
    assert!(html.contains("365 days"));
    assert!(
        html.contains("contact the team that runs this service"),
        "the placeholder"
    );
    assert!(html.contains("href=\"/account/export\""));

    let course = copy_course();
    std::fs::write(
        course.path().join("privacy.md"),
        "## Lawful basis\n\nPublic task, Article 6(1)(e) UK GDPR.<script>alert(1)</script>\n\n## How long we keep it\n\nSix years after you leave.\n",
    )
    .unwrap();
    let path = course.path().to_path_buf();
    let app = spawn_app_with(|s| s.course_dir = path).await;
    let html = app.get_html("/privacy").await;
    assert!(html.contains("Public task, Article 6(1)(e) UK GDPR."));
    assert!(html.contains("Six years after you leave."));
    assert!(!html.contains("<script>alert"), "sanitised");
    assert!(
        !html.contains("contact the service operator"),
        "replaces the placeholder"
    );
    assert!(
        app.get_html("/register")
            .await
            .contains("href=\"/privacy\"")
    );
    assert!(app.get_html("/").await.contains("href=\"/cookies\""));
}

/// A learner in a cohort with a team plan: their own plan submitted and reviewed with the rubric,
/// a team plan section written and the team plan submitted. Returns the learner and the admin.
async fn learner_with_a_reviewed_plan(app: &TestApp) -> (TestApp, i32, TestApp) {
    let (admin, org_id) = org_with_admin(app, "trust-p").await;
    let cohort = deepdive::services::organisations::create_cohort(
        &app.db,
        org_id,
        "Endoscopy",
        app.clock.now(),
        false,
        app.clock.now(),
    )
    .await
    .unwrap()
    .id;
    let r = admin
        .submit(
            "/org/trust-p/plans",
            &format!("/org/trust-p/cohorts/{cohort}/team-plan"),
            &[("enabled", "yes")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (learner, user_id) = org_learner(app, org_id, NAME, Some(cohort)).await;
    let r = learner
        .save_worksheet("ai-fundamentals", &[("idea", "Zebedee's own plan answer")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = learner
        .submit("/plan/submissions", "/plan/submit", &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = learner
        .submit(
            &format!("/plan/team?cohort={cohort}"),
            &format!("/plan/team/{cohort}/sections/ai-fundamentals/idea"),
            &[("version", "0"), ("text", "Team text written by Zebedee")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = learner
        .submit("/plan/team", &format!("/plan/team/{cohort}/submit"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let own = deepdive::entities::plan_submissions::Entity::find()
        .filter(deepdive::entities::plan_submissions::Column::UserId.eq(user_id))
        .one(&app.db)
        .await
        .unwrap()
        .expect("the learner's own submission")
        .id;
    let page = format!("/org/trust-p/plans/{own}");
    let mut owned: Vec<(String, String)> = [
        "strategic",
        "economic",
        "commercial",
        "financial",
        "management",
        "overall",
    ]
    .iter()
    .map(|p| (format!("rating-{p}"), "partly".to_string()))
    .collect();
    owned.push((
        "comments".into(),
        "Overall: Quixote should add a baseline.".into(),
    ));
    owned.push((
        "comment-financial".into(),
        "Quixote: cost the staff time.".into(),
    ));
    let fields: Vec<(&str, &str)> = owned
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let r = admin
        .submit(&page, &format!("{page}/review"), &fields)
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    (learner, user_id, admin)
}

#[tokio::test]
async fn the_export_holds_the_submitted_plans_with_their_reviews_and_rubric_and_erasure_removes_them()
 {
    let app = spawn_app().await;
    let (learner, user_id, _admin) = learner_with_a_reviewed_plan(&app).await;

    let json: Value = learner
        .get("/account/export.json")
        .await
        .json()
        .await
        .unwrap();

    let own = &json["plan_submissions"][0];
    assert_eq!(own["version"], 1);
    assert_eq!(own["answers"][0]["answer"], "Zebedee's own plan answer");
    assert_eq!(
        own["review"]["comments"],
        "Overall: Quixote should add a baseline."
    );
    let rubric = own["review"]["rubric"].as_array().unwrap();
    assert_eq!(rubric.len(), 6, "five cases and overall");
    assert_eq!(rubric[3]["part"], "financial");
    assert_eq!(rubric[3]["rating"], "partly");
    assert_eq!(rubric[3]["comment"], "Quixote: cost the staff time.");
    assert_eq!(rubric[5]["part"], "overall");
    let team = &json["team_plan_submissions"][0];
    assert_eq!(team["submitted_by_you"], true);
    assert!(team["review"].is_null());
    assert_eq!(
        json["team_plan_writing"][0]["text"],
        "Team text written by Zebedee"
    );

    let r = learner
        .submit(
            "/account/delete",
            "/account/delete",
            &[("password", PASSWORD), ("confirm", "yes")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    for needle in [
        "Zebedee's own plan answer",
        "Quixote should add",
        "Quixote: cost",
    ] {
        let hits = columns_containing(&app.db, needle).await;
        assert!(hits.is_empty(), "{needle} is still in {hits:?}");
    }
    let left = deepdive::entities::plan_submissions::Entity::find()
        .filter(deepdive::entities::plan_submissions::Column::UserId.eq(user_id))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(left, 0);
    // The team's plan stays, for the team, without the name.
    assert!(
        !columns_containing(&app.db, "Team text written by Zebedee")
            .await
            .is_empty()
    );
    assert!(columns_containing(&app.db, NAME).await.is_empty());
}
