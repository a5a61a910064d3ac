//! Starting the real application on a random port with its own database, and the [`TestApp`]
//! (one browser: a cookie jar) that drives it.
use std::path::{Path, PathBuf};

use deepdive::clock::Clock;
use deepdive::config::{Settings, SettingsArgs};
use deepdive::startup::Application;
use sea_orm::DatabaseConnection;
use tempfile::TempDir;

use super::course::course_dir;
use super::db::{TestDatabase, fresh_database};

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
    _owned: std::sync::Arc<Owned>,
}

/// What lives as long as the test's last browser: its folder and its PostgreSQL database.
struct Owned {
    _database: Option<TestDatabase>,
    _dir: TempDir,
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
        api_rate_per_minute: 600,
        retain_certificate_names: false,
        retain_inactive_days: 1095,
        retain_security_log_days: 365,
        smtp_url: None,
        smtp_from: None,
        reminder_interval_minutes: 0,
        trusted_proxies: None,
        webhooks_allow_loopback: false,
        contact_email: None,
        contact_name: None,
        contact_phone: None,
        contact_url: None,
    };
    Settings::from_args(&args).expect("settings")
}

pub fn new_client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        // A connection per request: on a loaded machine a pause between two requests can outlast
        // the server's 5-second keep-alive, and a POST on a connection the server is closing fails
        // with "IncompleteMessage" (reqwest does not retry it).
        .pool_max_idle_per_host(0)
        .build()
        .expect("client")
}

/// Test settings with a fresh database (see [`fresh_database`]); keep the database handle as long
/// as the database is used.
pub async fn fresh_settings(data_dir: &Path, course: &Path) -> (Settings, Option<TestDatabase>) {
    let mut settings = test_settings(data_dir, course);
    let database = fresh_database().await;
    settings.database_url = database.as_ref().map(|d| d.url().to_string());
    (settings, database)
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts the app with settings adjusted by `tweak` (course dir, base URL, timeouts...).
pub async fn spawn_app_with(tweak: impl FnOnce(&mut Settings)) -> TestApp {
    spawn_app_on(Clock::default(), tweak).await
}

/// Starts the app on the given clock (e.g. [`Clock::stopped`]), with settings adjusted by `tweak`.
pub async fn spawn_app_on(clock: Clock, tweak: impl FnOnce(&mut Settings)) -> TestApp {
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut settings, database) = fresh_settings(dir.path(), &course_dir()).await;
    tweak(&mut settings);
    let data_dir = settings.data_dir.clone();
    let database_url = settings.database_url.clone();
    let course_dir = settings.course_dir.clone();
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
        _owned: std::sync::Arc::new(Owned {
            _database: database,
            _dir: dir,
        }),
    }
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
            _owned: self._owned.clone(),
        }
    }

    /// A second instance of the server on this test's database (the same SQLite file, or the same
    /// PostgreSQL database) and public address, as two instances behind one load balancer: a
    /// browser on it, whose `state` is the second instance's.
    pub async fn second_instance(&self) -> TestApp {
        let mut settings = test_settings(&self.data_dir, &self.course_dir);
        settings.database_url = self.database_url.clone();
        // Instances behind one load balancer share one public address (key URLs name it).
        settings.base_url = self.address.clone();
        let second = Application::build(settings, Clock::default())
            .await
            .expect("second instance starts");
        let port = second.port();
        let state = second.state().clone();
        tokio::spawn(second.run_until_stopped());
        let mut browser = self.other_browser();
        browser.address = format!("http://127.0.0.1:{port}");
        browser.port = port;
        browser.state = state;
        browser
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// After a test wrote to the database behind the server's back (as the CLI would): has the
    /// server apply the change events now, as it does after its own write requests, rather than
    /// within its 200 ms background pass.
    pub async fn sync_caches(&self) {
        self.state
            .cache_sync
            .sync(&self.state.db)
            .await
            .expect("the session cache reads its change events");
    }
}
