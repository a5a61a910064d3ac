use std::path::{Path, PathBuf};

use deepdive::clock::Clock;
use deepdive::config::{Settings, SettingsArgs};
use deepdive::startup::Application;
use reqwest::StatusCode;
use sea_orm::DatabaseConnection;
use tempfile::TempDir;

pub const PASSWORD: &str = "a long enough passphrase";

pub struct TestApp {
    pub address: String,
    pub port: u16,
    pub client: reqwest::Client,
    pub clock: Clock,
    pub db: DatabaseConnection,
    pub data_dir: PathBuf,
    pub course_dir: PathBuf,
    /// The PostgreSQL database of this test, when the suite runs against PostgreSQL.
    pub database_url: Option<String>,
    /// The running application's shared state (settings, templates, course...).
    pub state: deepdive::web::AppState,
    _dir: std::sync::Arc<TempDir>,
}

pub fn course_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("course")
}

pub fn test_settings(data_dir: &Path, course: &Path) -> Settings {
    let args = SettingsArgs {
        addr: "127.0.0.1:0".into(),
        data_dir: data_dir.to_path_buf(),
        course_dir: course.to_path_buf(),
        base_url: None,
        database_url: None,
        idle_timeout_minutes: 30,
        absolute_timeout_hours: 12,
        sqlite_synchronous: "FULL".into(),
        signing_keys_file: None,
        verify_rate_per_minute: 30,
        auth_rate_per_minute: 60,
        retain_certificate_names: false,
        retain_inactive_days: 1095,
        retain_security_log_days: 365,
        smtp_url: None,
        smtp_from: None,
        reminder_interval_minutes: 0,
    };
    Settings::from_args(&args).expect("settings")
}

pub fn new_client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// A fresh, empty database for one test: with `TEST_DATABASE_URL` set (e.g.
/// `postgres://postgres@127.0.0.1:5432/test`), a new PostgreSQL database on that server;
/// otherwise `None`, meaning the SQLite file in the test's own data directory.
pub async fn fresh_database_url() -> Option<String> {
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
    Some(format!("{base}/{name}"))
}

/// Test settings with a fresh database (see [`fresh_database_url`]).
pub async fn fresh_settings(data_dir: &Path, course: &Path) -> Settings {
    let mut settings = test_settings(data_dir, course);
    settings.database_url = fresh_database_url().await;
    settings
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts the app with settings adjusted by `tweak` (course dir, base URL, timeouts...).
pub async fn spawn_app_with(tweak: impl FnOnce(&mut Settings)) -> TestApp {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut settings = fresh_settings(dir.path(), &course_dir()).await;
    tweak(&mut settings);
    let data_dir = settings.data_dir.clone();
    let database_url = settings.database_url.clone();
    let course_dir = settings.course_dir.clone();
    let clock = Clock::default();
    let app = Application::build(settings, clock.clone())
        .await
        .expect("app builds");
    let port = app.port();
    let db = app.state().db.clone();
    let state = app.state().clone();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        port,
        client: new_client(),
        clock,
        db,
        data_dir,
        course_dir,
        database_url,
        state,
        _dir: std::sync::Arc::new(dir),
    }
}

/// The value of the first `csrf_token` hidden field in a page.
pub fn csrf_token(html: &str) -> String {
    let marker = "name=\"csrf_token\" value=\"";
    let start = html.find(marker).expect("page has a csrf_token field") + marker.len();
    let end = html[start..].find('"').expect("closing quote");
    html[start..start + end].to_string()
}

impl TestApp {
    /// Another browser on the same server: same app, its own cookie jar.
    pub fn other_browser(&self) -> TestApp {
        TestApp {
            address: self.address.clone(),
            port: self.port,
            client: new_client(),
            clock: self.clock.clone(),
            db: self.db.clone(),
            data_dir: self.data_dir.clone(),
            course_dir: self.course_dir.clone(),
            database_url: self.database_url.clone(),
            state: self.state.clone(),
            _dir: self._dir.clone(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request")
    }

    pub async fn get_html(&self, path: &str) -> String {
        let r = self.get(path).await;
        assert_eq!(r.status(), StatusCode::OK, "GET {path}");
        r.text().await.expect("body")
    }

    /// Posts a form exactly as given (no token added).
    pub async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let body: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        self.client
            .post(self.url(path))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .expect("request")
    }

    /// Like a browser: opens `form_page`, reads its CSRF token, and posts `fields` with it to `action`.
    pub async fn submit(
        &self,
        form_page: &str,
        action: &str,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        let html = self.get(form_page).await.text().await.expect("body");
        let token = csrf_token(&html);
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        all.push(("csrf_token", &token));
        self.post_raw(action, &all).await
    }

    pub async fn register(&self, email: &str, name: &str, password: &str) -> reqwest::Response {
        self.submit(
            "/register",
            "/register",
            &[("email", email), ("name", name), ("password", password)],
        )
        .await
    }

    pub async fn login(&self, email: &str, password: &str) -> reqwest::Response {
        self.submit(
            "/login",
            "/login",
            &[("email", email), ("password", password)],
        )
        .await
    }

    pub async fn logout(&self) -> reqwest::Response {
        self.submit("/dashboard", "/logout", &[]).await
    }

    /// Registers a learner (logged in afterwards) and returns their e-mail.
    pub async fn new_learner(&self) -> String {
        let email = format!("learner{}@example.nhs.uk", uuid::Uuid::new_v4().simple());
        let r = self.register(&email, "Test Learner", PASSWORD).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        email
    }

    pub async fn complete_lesson(&self, module: &str, lesson: &str) -> reqwest::Response {
        let page = format!("/modules/{module}/lessons/{lesson}");
        self.submit(&page, &format!("{page}/complete"), &[]).await
    }
}

/// A plain request with only the given cookie, as an attacker replaying a stolen cookie would send it.
pub async fn get_with_cookie(app: &TestApp, path: &str, cookie: &str) -> reqwest::Response {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(app.url(path))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
}

pub fn location(r: &reqwest::Response) -> String {
    r.headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

/// The `name=value` of a Set-Cookie header for `name`, with its attributes.
pub fn set_cookie(r: &reqwest::Response, name: &str) -> Option<String> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(str::to_string)
}

/// Copies the real course to a temporary folder so a test can break it.
pub fn copy_course() -> TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(&course_dir(), dir.path());
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// A hidden input's value from a page.
pub fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no hidden field {name}"))
        + marker.len();
    let end = html[start..].find('"').unwrap();
    html[start..start + end].to_string()
}

/// The question ids of a quiz form, in the order shown.
pub fn quiz_question_ids(html: &str) -> Vec<String> {
    html.match_indices("id=\"question-")
        .map(|(i, m)| {
            let rest = &html[i + m.len()..];
            rest[..rest.find('"').unwrap()].to_string()
        })
        .collect()
}

/// Answers for one question: the right ones, or a wrong set.
pub fn answers_for(q: &deepdive::course::Question, right: bool) -> Vec<(String, String)> {
    use deepdive::course::QuestionKind::*;
    let f = |sub: Option<&str>| deepdive::domain::quiz::field_name(&q.id, sub);
    match q.kind {
        Single | TrueFalse => {
            let o = q.options.iter().find(|o| o.correct == right).unwrap();
            vec![(f(None), o.id.clone())]
        }
        Multiple => {
            if right {
                q.options
                    .iter()
                    .filter(|o| o.correct)
                    .map(|o| (f(None), o.id.clone()))
                    .collect()
            } else {
                let wrong: Vec<_> = q
                    .options
                    .iter()
                    .filter(|o| !o.correct)
                    .map(|o| (f(None), o.id.clone()))
                    .collect();
                if wrong.is_empty() {
                    vec![(f(None), q.options[0].id.clone())]
                } else {
                    wrong
                }
            }
        }
        Ordering => {
            let n = q.items.len();
            q.items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    let pos = if right { i + 1 } else { n - i };
                    (f(Some(&item.id)), pos.to_string())
                })
                .collect()
        }
        Matching => {
            let n = q.pairs.len();
            q.pairs
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    let target = if right { p } else { &q.pairs[(i + 1) % n] };
                    (f(Some(&p.id)), target.id.clone())
                })
                .collect()
        }
    }
}

pub struct QuizForm {
    pub html: String,
    pub questions: Vec<String>,
    pub fixed: Vec<(String, String)>,
}

impl TestApp {
    pub async fn open_quiz(&self, module: &str) -> QuizForm {
        let html = self.get_html(&format!("/modules/{module}/quiz")).await;
        let fixed = ["csrf_token", "attempt_id", "seed", "issued", "signature"]
            .iter()
            .map(|n| ((*n).to_string(), hidden(&html, n)))
            .collect();
        QuizForm {
            questions: quiz_question_ids(&html),
            html,
            fixed,
        }
    }

    /// Submits a quiz form with the first `right` questions answered correctly and the rest wrongly.
    pub async fn answer_quiz(
        &self,
        module: &str,
        form: &QuizForm,
        right: usize,
        extra: &[(String, String)],
    ) -> reqwest::Response {
        let course = deepdive::course::load_course(&self.course_dir).unwrap();
        let m = course.module(module).unwrap();
        let mut fields = form.fixed.clone();
        for (i, id) in form.questions.iter().enumerate() {
            let q = m.quiz.question(id).unwrap();
            fields.extend(answers_for(q, i < right));
        }
        fields.extend(extra.iter().cloned());
        let pairs: Vec<(&str, &str)> = fields
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        self.post_raw(&format!("/modules/{module}/quiz"), &pairs)
            .await
    }

    pub async fn take_quiz(&self, module: &str, right: usize) -> reqwest::Response {
        let form = self.open_quiz(module).await;
        self.answer_quiz(module, &form, right, &[]).await
    }
}

/// Writes a small quiz (one question of each kind) into a copy of the course, with these settings.
pub fn course_with_fixture_quiz(settings: &str) -> TempDir {
    let dir = copy_course();
    let quiz = format!(
        r#"{settings}

[[question]]
id = "fx-single"
kind = "single"
outcomes = ["baseline-understanding"]
prompt = "Single?"
  [[question.option]]
  id = "right"
  text = "Right"
  correct = true
  feedback = "Yes"
  [[question.option]]
  id = "wrong"
  text = "Wrong"
  feedback = "No"

[[question]]
id = "fx-multiple"
kind = "multiple"
scoring = "partial"
outcomes = ["baseline-understanding"]
prompt = "Multiple?"
  [[question.option]]
  id = "a"
  text = "A"
  correct = true
  feedback = "A is right"
  [[question.option]]
  id = "b"
  text = "B"
  correct = true
  feedback = "B is right"
  [[question.option]]
  id = "c"
  text = "C"
  feedback = "C is wrong"

[[question]]
id = "fx-tf"
kind = "true_false"
outcomes = ["health-care-case-studies"]
prompt = "True?"
  [[question.option]]
  id = "true"
  text = "True"
  correct = true
  feedback = "It is true"
  [[question.option]]
  id = "false"
  text = "False"
  feedback = "It is not false"

[[question]]
id = "fx-order"
kind = "ordering"
outcomes = ["health-care-case-studies"]
prompt = "Order?"
explanation = "First, second, third."
  [[question.item]]
  id = "first"
  text = "First"
  feedback = "Comes first"
  [[question.item]]
  id = "second"
  text = "Second"
  feedback = "Comes second"
  [[question.item]]
  id = "third"
  text = "Third"
  feedback = "Comes third"

[[question]]
id = "fx-match"
kind = "matching"
outcomes = ["recognise-potential"]
prompt = "Match?"
  [[question.pair]]
  id = "cat"
  left = "Cat"
  right = "Meow"
  feedback = "Cats meow"
  [[question.pair]]
  id = "dog"
  left = "Dog"
  right = "Woof"
  feedback = "Dogs woof"
"#
    );
    std::fs::write(dir.path().join("ai-fundamentals/quiz.toml"), quiz).unwrap();
    dir
}

impl TestApp {
    /// Completes every lesson and passes every quiz.
    pub async fn complete_course(&self) {
        let course = deepdive::course::load_course(&self.course_dir).unwrap();
        for m in &course.modules {
            for l in &m.lessons {
                let r = self.complete_lesson(&m.slug, &l.slug).await;
                assert_eq!(r.status(), StatusCode::SEE_OTHER);
            }
            let n = m.quiz.settings.questions_per_attempt;
            let r = self.take_quiz(&m.slug, n).await;
            assert_eq!(r.status(), StatusCode::SEE_OTHER, "quiz of {}", m.slug);
        }
    }

    /// The learner's current certificate code (from /certificate).
    pub async fn certificate_code(&self) -> Option<String> {
        let html = self.get_html("/certificate").await;
        let marker = "href=\"/certificates/";
        let start = html.find(marker)? + marker.len();
        let end = html[start..].find(".pdf")?;
        Some(html[start..start + end].to_string())
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
        secret
    }

    /// Sets up two-step verification for the user logged in in this browser, as they would with an
    /// authenticator app; returns the secret and the recovery codes shown once.
    pub async fn enrol_mfa(&self) -> (String, Vec<String>) {
        let html = self.get_html("/account/mfa").await;
        let secret = between(&html, "<code class=\"dd-secret\">", "</code>").replace(' ', "");
        let code = self.totp_now(&secret);
        let r = self
            .submit("/account/mfa", "/account/mfa/enable", &[("code", &code)])
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        let page = r.text().await.unwrap();
        let codes = page
            .split("<li><code>")
            .skip(1)
            .map(|c| c.split("</code>").next().unwrap().to_string())
            .collect();
        (secret, codes)
    }

    /// The code an authenticator app shows for `secret` at the app's clock.
    pub fn totp_now(&self, secret: &str) -> String {
        use deepdive::services::mfa;
        mfa::code_for_step(secret, mfa::step_at(self.clock.now())).unwrap()
    }
}

/// The text between two markers (the first occurrence).
pub fn between(html: &str, start: &str, end: &str) -> String {
    let from = html
        .find(start)
        .unwrap_or_else(|| panic!("{start} not in page"))
        + start.len();
    let to = html[from..].find(end).expect("end marker") + from;
    html[from..to].to_string()
}

/// Text of a PDF, by pdftotext (poppler-utils).
pub fn pdf_text(bytes: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("doc.pdf");
    std::fs::write(&path, bytes).unwrap();
    let out = std::process::Command::new("pdftotext")
        .arg("-layout")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed");
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

impl TestApp {
    /// Saves a module's worksheet like a browser: fields are `(prompt id, answer)`.
    pub async fn save_worksheet(
        &self,
        module: &str,
        answers: &[(&str, &str)],
    ) -> reqwest::Response {
        let page = format!("/modules/{module}/worksheet");
        let fields: Vec<(String, &str)> = answers
            .iter()
            .map(|(id, text)| (format!("answer-{id}"), *text))
            .collect();
        let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        self.submit(&page, &page, &pairs).await
    }

    /// Rates every confidence statement of the course with the same rating, for `phase` ("before" or
    /// "after"), with the CSRF token from the dashboard (so it also works when the form is not open).
    pub async fn rate_confidence(&self, phase: &str, rating: &str) -> reqwest::Response {
        let course = deepdive::course::load_course(&self.course_dir).unwrap();
        let fields: Vec<(String, &str)> = course
            .confidence
            .iter()
            .map(|s| (format!("rating-{}", s.id), rating))
            .collect();
        let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        self.submit("/dashboard", &format!("/confidence/{phase}"), &pairs)
            .await
    }

    /// Completes every lesson of a module and passes its quiz.
    pub async fn complete_module(&self, module: &str) {
        let course = deepdive::course::load_course(&self.course_dir).unwrap();
        let m = course.module(module).unwrap();
        for l in &m.lessons {
            let r = self.complete_lesson(module, &l.slug).await;
            assert_eq!(r.status(), StatusCode::SEE_OTHER);
        }
        let r = self
            .take_quiz(module, m.quiz.settings.questions_per_attempt)
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
    }
}

/// Text as Handlebars escapes it in a page.
pub fn html_escaped(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#x27;")
        .replace('`', "&#x60;")
        .replace('=', "&#x3D;")
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
}

/// Every `table.column`, in every table of the (SQLite) database, holding `needle` anywhere in a
/// value (any type, read as text; exact case, and ASCII case-insensitively). Tables added later
/// are searched too, with no change here.
pub async fn columns_containing(db: &DatabaseConnection, needle: &str) -> Vec<String> {
    use sea_orm::{ConnectionTrait, Statement};
    let backend = db.get_database_backend();
    if backend != sea_orm::DbBackend::Sqlite {
        // The search reads SQLite's catalogue; the same erasure code is checked by the SQLite run.
        eprintln!("columns_containing: searched on SQLite only");
        return Vec::new();
    }
    let tables = db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        ))
        .await
        .unwrap();
    let mut hits = Vec::new();
    for t in tables {
        let table: String = t.try_get_by_index(0).unwrap();
        let columns = db
            .query_all_raw(Statement::from_string(
                backend,
                format!("SELECT name FROM pragma_table_info('{table}')"),
            ))
            .await
            .unwrap();
        for c in columns {
            let column: String = c.try_get_by_index(0).unwrap();
            let sql = format!(
                "SELECT COUNT(*) FROM \"{table}\" WHERE instr(CAST(\"{column}\" AS TEXT), ?) > 0 \
                 OR instr(lower(CAST(\"{column}\" AS TEXT)), lower(?)) > 0"
            );
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
    }
    hits
}
