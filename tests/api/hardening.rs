use std::process::{Command, Stdio};

use chrono::Duration;
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Database, EntityTrait, PaginatorTrait};

use crate::helpers::*;
use deepdive::clock::Clock;
use deepdive::entities::users;

#[tokio::test]
async fn ten_wrong_passwords_lock_the_account_even_against_the_right_one_and_the_lock_grows() {
    let app = spawn_app().await;
    let email = app.new_learner().await;
    app.logout().await;
    for _ in 0..10 {
        assert_eq!(
            app.login(&email, "wrong wrong wrong").await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    let r = app.login(&email, PASSWORD).await;
    assert_eq!(
        r.status(),
        StatusCode::UNAUTHORIZED,
        "locked: the right password is refused too"
    );
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Enter a correct email address and password"),
        "the message stays generic"
    );
    app.clock.advance(Duration::seconds(61));
    assert_eq!(
        app.login(&email, PASSWORD).await.status(),
        StatusCode::SEE_OTHER,
        "the first lock lasts a minute"
    );
    app.logout().await;
    assert_eq!(
        app.login(&email, "wrong wrong wrong").await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.login(&email, PASSWORD).await.status(),
        StatusCode::SEE_OTHER,
        "a success starts the count again"
    );
}

#[tokio::test]
async fn repeated_locks_grow_from_one_to_five_minutes() {
    let app = spawn_app().await;
    let email = app.new_learner().await;
    app.logout().await;
    for _ in 0..10 {
        app.login(&email, "wrong wrong wrong").await;
    }
    app.clock.advance(Duration::seconds(61));
    for _ in 0..10 {
        app.login(&email, "wrong wrong wrong").await;
    }
    app.clock.advance(Duration::seconds(61));
    assert_eq!(
        app.login(&email, PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED,
        "the second lock lasts five minutes"
    );
    app.clock.advance(Duration::minutes(5));
    assert_eq!(
        app.login(&email, PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn too_many_login_attempts_from_one_address_get_429_until_the_limit_refills() {
    // Time stands still on this clock: however long the password checks take on a busy machine,
    // the limiter refills only when the test moves time on.
    let app = spawn_app_on(Clock::stopped(), |s| s.auth_rate_per_minute = 3).await;
    let token = csrf_token(&app.get_html("/login").await);
    let fields = [
        ("csrf_token", token.as_str()),
        ("email", "a@b.org"),
        ("password", "whatever at all"),
    ];
    let attempt = || app.post_raw("/login", &fields);
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(attempt().await.status());
    }
    assert_eq!(statuses[..3], [StatusCode::UNAUTHORIZED; 3]);
    assert_eq!(statuses[3], StatusCode::TOO_MANY_REQUESTS);

    // Three a minute: one more attempt every 20 seconds.
    app.clock.advance(Duration::seconds(19));
    assert_eq!(attempt().await.status(), StatusCode::TOO_MANY_REQUESTS);
    app.clock.advance(Duration::seconds(1));
    assert_eq!(attempt().await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(attempt().await.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
#[cfg_attr(
    tests_on_postgres,
    ignore = "SQLite only: on PostgreSQL backups are pg_dump's job"
)]
async fn a_backup_taken_while_the_server_runs_restores_with_the_data() {
    let app = spawn_app().await;
    assert_sqlite(&app);
    app.new_learner().await;
    app.complete_lesson("ai-fundamentals", "what-is-ai").await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("backup.db");
    let out = Command::new(env!("CARGO_BIN_EXE_deepdive"))
        .arg("backup")
        .arg(&file)
        .env("DEEPDIVE_DATA_DIR", &app.data_dir)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Restore: the copy is a complete database that a server can start on.
    let restored_dir = tempfile::tempdir().unwrap();
    std::fs::copy(&file, restored_dir.path().join("deepdive.db")).unwrap();
    let db = Database::connect(format!(
        "sqlite://{}?mode=ro",
        restored_dir.path().join("deepdive.db").display()
    ))
    .await
    .unwrap();
    assert_eq!(users::Entity::find().count(&db).await.unwrap(), 1);
    let ok = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "PRAGMA integrity_check",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index::<String>(0)
        .unwrap();
    assert_eq!(ok, "ok");
    let again = Command::new(env!("CARGO_BIN_EXE_deepdive"))
        .arg("backup")
        .arg(&file)
        .env("DEEPDIVE_DATA_DIR", &app.data_dir)
        .output()
        .unwrap();
    assert!(
        !again.status.success(),
        "an existing file is never overwritten"
    );
}

#[tokio::test]
async fn refused_access_to_the_admin_area_and_to_another_organisation_is_audited() {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let app = spawn_app().await;
    crate::helpers::org_with_admin(&app, "not-yours").await;
    let intruder = app.other_browser();
    intruder.new_learner().await;
    assert_eq!(intruder.get("/admin").await.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        intruder.get("/org/not-yours").await.status(),
        StatusCode::NOT_FOUND
    );
    let refused = deepdive::entities::audit_log::Entity::find()
        .filter(deepdive::entities::audit_log::Column::Action.eq("access.refused"))
        .all(&app.db)
        .await
        .unwrap();
    let targets: Vec<_> = refused.iter().filter_map(|e| e.target.clone()).collect();
    assert_eq!(refused.len(), 2, "{targets:?}");
    assert!(targets.iter().any(|t| t == "admin"));
    assert!(targets.iter().any(|t| t.starts_with("org:")));
}

#[tokio::test]
async fn a_database_failure_gives_a_friendly_500_page_with_a_reference_and_no_details() {
    let app = spawn_app().await;
    app.new_learner().await;
    // Break the database under the running server: the plan page reads this table.
    app.db
        .execute_unprepared("DROP TABLE worksheet_answers")
        .await
        .unwrap();
    let r = app.get("/plan").await;
    assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let body = r.text().await.unwrap();
    assert!(body.contains("quote error reference"), "{body}");
    for leak in [
        "worksheet_answers",
        "no such table",
        "does not exist",
        "sqlx",
        "DbErr",
    ] {
        assert!(!body.contains(leak), "the page shows {leak:?}");
    }
}

#[tokio::test]
async fn disabling_an_account_ends_all_its_sessions_and_refuses_its_logins() {
    let app = spawn_app().await;
    let admin = app.other_browser();
    let admin_email = admin.new_learner().await;
    admin.make_platform_admin(&admin_email).await;
    let email = app.new_learner().await;
    let phone = app.other_browser();
    phone.login(&email, PASSWORD).await;
    assert_eq!(app.get("/dashboard").await.status(), StatusCode::OK);
    assert_eq!(phone.get("/dashboard").await.status(), StatusCode::OK);
    let id = app.user(&email).await.id;
    let r = admin
        .submit("/admin", &format!("/admin/users/{id}/disable"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.get("/dashboard").await.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        phone.get("/dashboard").await.status(),
        StatusCode::SEE_OTHER
    );
    let r = app.other_browser().login(&email, PASSWORD).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}
