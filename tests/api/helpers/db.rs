//! The database behind a test: a fresh one per test, set-up that bypasses HTTP (platform admins,
//! organisations and their members), and searches over every table.
use reqwest::StatusCode;
use sea_orm::DatabaseConnection;

use super::app::TestApp;
use super::flows::PASSWORD;

/// A PostgreSQL database made for one test, dropped when the test's last handle to it goes (at
/// the end of the test, passed or failed).
pub struct TestDatabase {
    url: String,
    admin_url: String,
    name: String,
}

impl TestDatabase {
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        use sea_orm::ConnectionTrait;
        let admin_url = self.admin_url.clone();
        // FORCE ends the connections the test's server still holds.
        let sql = format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name);
        // Drop runs on the test's runtime, which cannot wait for a future here: a thread with a
        // runtime of its own does the work while this one waits.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            runtime.block_on(async {
                let admin = sea_orm::Database::connect(admin_url.as_str())
                    .await
                    .map_err(|e| e.to_string())?;
                let done = admin.execute_unprepared(&sql).await.map(|_| ());
                let _ = admin.close().await;
                done.map_err(|e| e.to_string())
            })
        })
        .join();
        match dropped {
            Ok(Ok(())) => {}
            Ok(Err(e)) => eprintln!("test database {} not dropped: {e}", self.name),
            Err(_) => eprintln!(
                "test database {} not dropped: the thread panicked",
                self.name
            ),
        }
    }
}

/// A fresh, empty database for one test: with `TEST_DATABASE_URL` set (e.g.
/// `postgres://postgres@127.0.0.1:5432/test`), a new PostgreSQL database on that server, dropped
/// with the returned handle; otherwise `None`, meaning the SQLite file in the test's own data
/// directory.
pub async fn fresh_database() -> Option<TestDatabase> {
    use sea_orm::ConnectionTrait;
    let admin_url = std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())?;
    let name = format!("dd_test_{}", uuid::Uuid::new_v4().simple());
    let admin = sea_orm::Database::connect(admin_url.as_str())
        .await
        .expect("TEST_DATABASE_URL answers");
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await
        .expect("create a test database");
    let _ = admin.close().await;
    let base = admin_url
        .rsplit_once('/')
        .map_or(admin_url.as_str(), |(b, _)| b);
    Some(TestDatabase {
        url: format!("{base}/{name}"),
        admin_url,
        name,
    })
}

/// For the tests marked `#[cfg_attr(tests_on_postgres, ignore = "SQLite only: …")]`: fails, rather
/// than passes, when such a test finds itself on PostgreSQL anyway (a test binary built without
/// `TEST_DATABASE_URL` but run with it).
pub fn assert_sqlite(app: &TestApp) {
    assert!(
        app.database_url.is_none(),
        "this test applies to SQLite only, and the test binary was built without \
         TEST_DATABASE_URL: build it with the variable set (cargo test does) to have it ignored"
    );
}

impl TestApp {
    /// The user row for an e-mail address.
    pub async fn user(&self, email: &str) -> deepdive::entities::users::Model {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        deepdive::entities::users::Entity::find()
            .filter(deepdive::entities::users::Column::Email.eq(email.to_lowercase()))
            .one(&self.db)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("no user {email}"))
    }

    /// Makes an existing user a platform admin (there is no UI for the first one: the CLI does it).
    /// Returns the authenticator secret (base32) set up for them.
    pub async fn make_platform_admin(&self, email: &str) -> String {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
        deepdive::entities::users::Entity::update_many()
            .col_expr(
                deepdive::entities::users::Column::Role,
                Expr::value("platform_admin"),
            )
            .filter(deepdive::entities::users::Column::Email.eq(email))
            .exec(&self.db)
            .await
            .unwrap();
        // Platform admins must have two-step verification: give them an authenticator, as if they
        // had set one up (tests that exercise the set-up itself are in tests/api/mfa.rs).
        let user = self.user(email).await;
        let secret =
            deepdive::services::mfa::pending_secret(&self.db, user.id, true, self.clock.now())
                .await
                .unwrap()
                .unwrap();
        deepdive::entities::mfa_totp::Entity::update_many()
            .col_expr(
                deepdive::entities::mfa_totp::Column::EnabledAt,
                Expr::value(self.clock.now()),
            )
            .filter(deepdive::entities::mfa_totp::Column::UserId.eq(user.id))
            .exec(&self.db)
            .await
            .unwrap();
        self.sync_caches().await;
        secret
    }
}

/// An organisation with one org admin (logged in, returned as their browser) and its slug.
pub async fn org_with_admin(app: &TestApp, slug: &str) -> (TestApp, i32) {
    use deepdive::domain::import::MemberRole;
    use deepdive::services::organisations as orgs;
    let org = orgs::create(&app.db, &format!("Trust {slug}"), slug, app.clock.now())
        .await
        .unwrap();
    let admin = app.other_browser();
    let email = admin.new_learner().await;
    let user = deepdive::services::auth::find_by_email(
        &app.db,
        &deepdive::domain::Email::parse(&email).unwrap(),
    )
    .await
    .unwrap()
    .unwrap();
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
    (admin, org.id)
}

/// A learner (their own browser) who is a member of the organisation, optionally in a cohort.
pub async fn org_learner(
    app: &TestApp,
    org_id: i32,
    name: &str,
    cohort: Option<i32>,
) -> (TestApp, i32) {
    use deepdive::domain::import::MemberRole;
    let b = app.other_browser();
    let email = format!("{}@example.nhs.uk", uuid::Uuid::new_v4().simple());
    let r = b.register(&email, name, PASSWORD).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let user = deepdive::services::auth::find_by_email(
        &app.db,
        &deepdive::domain::Email::parse(&email).unwrap(),
    )
    .await
    .unwrap()
    .unwrap();
    deepdive::services::organisations::add_member(
        &app.db,
        org_id,
        user.id,
        MemberRole::Learner,
        cohort,
        app.clock.now(),
    )
    .await
    .unwrap();
    (b, user.id)
}

/// Every `table.column`, in every table of the database (SQLite or PostgreSQL), holding `needle`
/// anywhere in a value (any type, read as text; exact case, and ASCII case-insensitively). The
/// tables and columns come from the database's own catalogue, so tables added later are searched
/// too, with no change here.
pub async fn columns_containing(db: &DatabaseConnection, needle: &str) -> Vec<String> {
    use sea_orm::{ConnectionTrait, DbBackend, Statement};
    let backend = db.get_database_backend();
    let (catalogue, find) = match backend {
        DbBackend::Sqlite => (
            "SELECT m.name, c.name FROM sqlite_master m, pragma_table_info(m.name) c \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name, c.cid",
            "SELECT COUNT(*) FROM \"{table}\" WHERE instr(CAST(\"{column}\" AS TEXT), ?) > 0 \
             OR instr(lower(CAST(\"{column}\" AS TEXT)), lower(?)) > 0",
        ),
        DbBackend::Postgres => (
            "SELECT c.table_name::text, c.column_name::text FROM information_schema.columns c \
             JOIN information_schema.tables t \
               ON t.table_schema = c.table_schema AND t.table_name = c.table_name \
             WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' \
             ORDER BY c.table_name, c.ordinal_position",
            "SELECT COUNT(*) FROM \"{table}\" WHERE strpos(CAST(\"{column}\" AS TEXT), $1) > 0 \
             OR strpos(lower(CAST(\"{column}\" AS TEXT)), lower($2)) > 0",
        ),
        other => panic!("columns_containing: no catalogue query for {other:?}"),
    };
    let columns = db
        .query_all_raw(Statement::from_string(backend, catalogue))
        .await
        .unwrap();
    assert!(
        columns.len() > 20,
        "the catalogue lists the app's tables ({} columns)",
        columns.len()
    );
    let mut hits = Vec::new();
    for c in columns {
        let table: String = c.try_get_by_index(0).unwrap();
        let column: String = c.try_get_by_index(1).unwrap();
        let sql = find.replace("{table}", &table).replace("{column}", &column);
        let row = db
            .query_one_raw(Statement::from_sql_and_values(
                backend,
                sql,
                [needle.into(), needle.into()],
            ))
            .await
            .unwrap()
            .unwrap();
        let n: i64 = row.try_get_by_index(0).unwrap();
        if n > 0 {
            hits.push(format!("{table}.{column}"));
        }
    }
    hits
}
