use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait};

use crate::helpers::*;
use deepdive::entities::{audit_log, users};

#[tokio::test]
async fn registering_logs_the_learner_in_and_sends_them_to_the_dashboard() {
    let app = spawn_app().await;
    let r = app
        .register("ann@example.nhs.uk", "Ann Smith", PASSWORD)
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/dashboard");
    let html = app.get_html("/dashboard").await;
    assert!(html.contains("Ann Smith"));
    assert!(html.contains("0% complete"));
}

#[tokio::test]
async fn the_same_email_in_another_case_cannot_register_twice() {
    let app = spawn_app().await;
    app.register("Ann@Example.NHS.uk", "Ann Smith", PASSWORD)
        .await;
    let other = app.other_browser();
    let r = other
        .register("ann@example.nhs.uk", "Someone Else", PASSWORD)
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("An account with this email address already exists"));
    assert!(
        html.contains("value=\"Someone Else\""),
        "the other input is kept"
    );
    assert_eq!(users::Entity::find().count(&other.db).await.unwrap(), 1);
}

#[tokio::test]
async fn passwords_are_checked_at_the_length_boundaries_and_against_common_passwords() {
    let app = spawn_app().await;
    // Each row registers its own address, so a refusal can only come from the password.
    for (row, (password, refusal)) in [
        (
            "a".repeat(11),
            Some("Password must be at least 12 characters"),
        ),
        ("abcdefghijkl".to_string(), None),
        ("x".repeat(128), None),
        (
            "y".repeat(129),
            Some("Password must be 128 characters or fewer"),
        ),
        (
            "1q2w3e4r5t6y".to_string(),
            Some("This password is too common and easy to guess"),
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let client = app.other_browser();
        let email = format!("row{row}@example.org");
        let r = client.register(&email, "Pat", &password).await;
        let chars = password.chars().count();
        let Some(refusal) = refusal else {
            assert_eq!(r.status(), StatusCode::SEE_OTHER, "{chars} chars accepted");
            continue;
        };
        assert_eq!(
            r.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{chars} chars refused"
        );
        let html = r.text().await.unwrap();
        assert!(html.contains("There is a problem"));
        assert!(html.contains(refusal), "{chars} chars: {refusal:?}");
        assert!(html.contains(&format!("value=\"{email}\"")), "email kept");
        assert!(
            !html.contains(&password),
            "the password is never echoed back"
        );
    }
}

#[tokio::test]
async fn passwords_are_stored_as_argon2id_at_owasp_parameters() {
    let app = spawn_app().await;
    app.new_learner().await;
    let user = users::Entity::find().one(&app.db).await.unwrap().unwrap();
    assert!(
        user.password_hash
            .starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{}",
        user.password_hash
    );
    assert!(!user.password_hash.contains(PASSWORD));
}

fn without_token(html: &str) -> String {
    let token = csrf_token(html);
    html.replace(&token, "TOKEN")
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_email_get_the_same_answer() {
    let app = spawn_app().await;
    let email = app.new_learner().await;
    app.logout().await;
    let wrong = app.login(&email, "not the right password").await;
    let wrong_status = wrong.status();
    let wrong_html = wrong.text().await.unwrap().replace(&email, "EMAIL");
    let unknown = app
        .login("nobody@example.nhs.uk", "not the right password")
        .await;
    let unknown_status = unknown.status();
    let unknown_html = unknown
        .text()
        .await
        .unwrap()
        .replace("nobody@example.nhs.uk", "EMAIL");
    assert_eq!(wrong_status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong_status, unknown_status);
    assert_eq!(without_token(&wrong_html), without_token(&unknown_html));
    assert!(wrong_html.contains("Enter a correct email address and password"));
}

#[tokio::test]
async fn logins_succeeded_and_failed_are_audited_without_secrets() {
    let app = spawn_app().await;
    let email = app.new_learner().await;
    app.logout().await;
    app.login(&email, "not the right password").await;
    app.login(&email, PASSWORD).await;
    let rows = audit_log::Entity::find().all(&app.db).await.unwrap();
    let actions: Vec<&str> = rows.iter().map(|r| r.action.as_str()).collect();
    assert!(actions.contains(&"login.failure"), "{actions:?}");
    assert!(actions.contains(&"login.success"), "{actions:?}");
    for r in &rows {
        let all = format!("{r:?}");
        assert!(!all.contains(PASSWORD) && !all.contains("not the right password"));
    }
}

#[tokio::test]
async fn after_login_the_learner_returns_to_the_page_that_sent_them() {
    let app = spawn_app().await;
    let email = app.new_learner().await;
    app.logout().await;
    let r = app.get("/modules/problem-discovery").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let login_page = location(&r);
    assert_eq!(login_page, "/login?next=%2Fmodules%2Fproblem-discovery");
    let r = app
        .submit(
            &login_page,
            "/login",
            &[
                ("email", &email),
                ("password", PASSWORD),
                ("next", "/modules/problem-discovery"),
            ],
        )
        .await;
    assert_eq!(location(&r), "/modules/problem-discovery");
    app.logout().await;
    let r = app
        .submit(
            "/login",
            "/login",
            &[
                ("email", &email),
                ("password", PASSWORD),
                ("next", "//evil.example/"),
            ],
        )
        .await;
    assert_eq!(location(&r), "/dashboard", "only local paths are followed");
}

#[tokio::test]
async fn names_with_markup_are_shown_escaped() {
    let app = spawn_app().await;
    let r = app
        .register(
            "x@example.org",
            "<script>alert(1)</script>\"><img src=x onerror=alert(1)> O'Hara",
            PASSWORD,
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let html = app.get_html("/dashboard").await;
    assert!(!html.contains("<script>alert"));
    assert!(!html.contains("<img src=x"));
    assert!(html.contains("&lt;script&gt;"));
    assert!(html.contains("O&#x27;Hara"));
}

#[tokio::test]
#[cfg_attr(
    tests_on_postgres,
    ignore = "SQLite only: the settings of the embedded database"
)]
async fn sqlite_runs_with_wal_full_sync_foreign_keys_a_busy_timeout_and_stable_query_plans() {
    let app = spawn_app().await;
    assert_sqlite(&app);
    let q = |sql: &'static str| {
        let db = app.db.clone();
        async move {
            let row = db
                .query_one_raw(sea_orm::Statement::from_string(
                    db.get_database_backend(),
                    sql,
                ))
                .await
                .unwrap()
                .unwrap();
            row.try_get_by_index::<sea_orm::prelude::Json>(0)
                .map(|v| v.to_string())
                .or_else(|_| row.try_get_by_index::<String>(0))
                .or_else(|_| row.try_get_by_index::<i64>(0).map(|v| v.to_string()))
                .unwrap()
        }
    };
    assert_eq!(q("PRAGMA journal_mode").await, "wal");
    assert_eq!(q("PRAGMA synchronous").await, "2", "FULL");
    assert_eq!(q("PRAGMA foreign_keys").await, "1");
    assert_eq!(q("PRAGMA busy_timeout").await, "5000");
    // The query planner stability guarantee (.cargo/config.toml): without it a cached statement
    // with a bound LIMIT is parsed and planned again on every execution.
    assert_eq!(
        q("SELECT sqlite_compileoption_used('ENABLE_QPSG')").await,
        "1",
        "SQLite built with SQLITE_ENABLE_QPSG"
    );
}
