use std::io::Write;
use std::process::{Command, Stdio};

use crate::helpers::*;

fn deepdive() -> Command {
    Command::new(env!("CARGO_BIN_EXE_deepdive"))
}

#[test]
fn check_course_passes_on_the_shipped_course() {
    let out = deepdive()
        .arg("check-course")
        .arg(course_dir())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("5 modules"));
}

#[test]
fn check_course_lists_file_and_line_and_exits_1() {
    let dir = copy_course();
    std::fs::write(dir.path().join("course.toml"), "slug = \"x\"\ntitle = 3\n").unwrap();
    let out = deepdive()
        .arg("check-course")
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("course.toml:2:"), "{err}");
}

#[test]
fn every_command_has_help() {
    for args in [
        vec!["--help"],
        vec!["serve", "--help"],
        vec!["migrate", "--help"],
        vec!["check-course", "--help"],
        vec!["create-admin", "--help"],
    ] {
        let out = deepdive().args(&args).output().unwrap();
        assert!(out.status.success(), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("Usage"),
            "{args:?}"
        );
    }
}

#[tokio::test]
async fn create_admin_reads_the_password_from_stdin_and_the_admin_can_log_in() {
    let data = tempfile::tempdir().unwrap();
    let database = fresh_database().await;
    let database_url = database
        .as_ref()
        .map(|d| d.url().to_string())
        .unwrap_or_default();
    let mut child = deepdive()
        .args([
            "create-admin",
            "--email",
            "Admin@Example.org",
            "--name",
            "Platform Admin",
        ])
        .env("DEEPDIVE_DATA_DIR", data.path())
        .env("DATABASE_URL", &database_url)
        .env("DEEPDIVE_COURSE_DIR", course_dir())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{PASSWORD}\n").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let mut settings = test_settings(data.path(), &course_dir());
    settings.database_url = Some(database_url.clone()).filter(|u| !u.is_empty());
    settings.addr = "127.0.0.1:0".into();
    let app = deepdive::startup::Application::build(settings, deepdive::clock::Clock::default())
        .await
        .unwrap();
    let port = app.port();
    tokio::spawn(app.run_until_stopped());
    let client = new_client();
    let base = format!("http://127.0.0.1:{port}");
    let html = client
        .get(format!("{base}/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = csrf_token(&html);
    let r = client
        .post(format!("{base}/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(
            form_urlencoded::Serializer::new(String::new())
                .extend_pairs([
                    ("email", "admin@example.org"),
                    ("password", PASSWORD),
                    ("csrf_token", token.as_str()),
                ])
                .finish(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::SEE_OTHER);
    let dash = client
        .get(format!("{base}/dashboard"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(dash.contains("Platform Admin"));

    // A weak password is refused, and nothing is created.
    let mut child = deepdive()
        .args([
            "create-admin",
            "--email",
            "second@example.org",
            "--name",
            "Second",
        ])
        .env("DEEPDIVE_DATA_DIR", data.path())
        .env("DATABASE_URL", &database_url)
        .env("DEEPDIVE_COURSE_DIR", course_dir())
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"short\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 12"));
}

#[test]
fn check_course_warns_about_lessons_past_their_review_date_but_still_passes() {
    let dir = copy_course();
    let file = "solution-discovery/lessons/02-lean-canvas.md";
    let path = dir.path().join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        text.replacen(
            "reviewed = 2026-12-01",
            "reviewed = 2020-01-01\nreview_by = 2020-03-01",
            1,
        ),
    )
    .unwrap();
    let out = deepdive()
        .arg("check-course")
        .arg(dir.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    // The warning points at the `review_by` line (the fourth of the file).
    assert!(
        err.contains(&format!("{file}:4: warning:")) && err.contains("2020-03-01"),
        "{err}"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("the course is valid"));
}

#[test]
fn check_course_warns_about_an_acronym_missing_from_the_glossary_with_its_line() {
    let dir = copy_course();
    let file = "problem-discovery/lessons/01-start-with-the-problem.md";
    let path = dir.path().join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    let body_start = text.match_indices("+++\n").nth(1).unwrap().0 + 4;
    let mut edited = text.clone();
    edited.insert_str(body_start, "Ask the QZXW team and the QZXW lead.\n\n");
    std::fs::write(&path, &edited).unwrap();
    let line = edited
        .lines()
        .position(|l| l.contains("QZXW team"))
        .unwrap()
        + 1;
    let out = deepdive()
        .arg("check-course")
        .arg(dir.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains(&format!("{file}:{line}: warning: 'QZXW'")),
        "{err}"
    );
    assert_eq!(
        err.matches("QZXW").count(),
        1,
        "one warning per acronym and lesson: {err}"
    );
}

/// The README's pitfall: `create-admin` run without the server's `--data-dir` would make the admin
/// in another database. Every command takes the same settings, before or after its name, and
/// says which database it opened.
#[tokio::test]
async fn every_command_reads_the_servers_data_dir_and_says_which_database_it_used() {
    let data = tempfile::tempdir().unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let mut child = deepdive()
        .args([
            "create-admin",
            "--email",
            "lead@example.org",
            "--name",
            "Data Dir Admin",
        ])
        .arg("--data-dir")
        .arg(data.path())
        .current_dir(elsewhere.path())
        .env_remove("DATABASE_URL")
        .env_remove("DEEPDIVE_DATA_DIR")
        .env("DEEPDIVE_COURSE_DIR", course_dir())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{PASSWORD}\n").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{said}");
    let file = data.path().join("deepdive.db");
    assert!(
        said.contains(&file.display().to_string()),
        "names the database: {said}"
    );
    assert!(file.exists());
    assert!(
        !elsewhere.path().join("data").exists(),
        "nothing made in ./data"
    );

    // The environment variable works the same for the next command.
    let out = deepdive()
        .args(["create-org", "--name", "Env Trust", "--slug", "env-trust"])
        .current_dir(elsewhere.path())
        .env_remove("DATABASE_URL")
        .env("DEEPDIVE_DATA_DIR", data.path())
        .env("DEEPDIVE_COURSE_DIR", course_dir())
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{said}");
    assert!(said.contains(&file.display().to_string()), "{said}");

    // The server started on that folder has both.
    let mut settings = test_settings(data.path(), &course_dir());
    settings.database_url = None;
    let db = deepdive::db::connect(&settings).await.unwrap();
    let admin = deepdive::services::auth::find_by_email(
        &db,
        &deepdive::domain::Email::parse("lead@example.org").unwrap(),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(admin.role, deepdive::domain::Role::PlatformAdmin);
    assert!(
        deepdive::services::organisations::by_slug(&db, "env-trust")
            .await
            .unwrap()
            .is_some()
    );
}
