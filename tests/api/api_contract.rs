//! The API against its own OpenAPI document, checked by a tool we did not write: schemathesis
//! (PyPI, pinned in tests/schemathesis/requirements.txt, installed by .ci/install-schemathesis.sh)
//! generates valid and invalid requests from `/api/v1/openapi.json` and runs every check on the
//! answers (no 5xx, status codes, content types, headers and bodies as documented, bad input
//! refused, authentication not ignored, other methods refused).
use std::process::{Command, Stdio};

use crate::helpers::*;
use crate::records_api::make_token;

/// True when schemathesis runs; otherwise one line saying what to install (or, under
/// `DEEPDIVE_REQUIRE_EXTERNAL=1`, a failure).
fn have_schemathesis() -> bool {
    let ok = Command::new("schemathesis")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        assert!(
            std::env::var("DEEPDIVE_REQUIRE_EXTERNAL").as_deref() != Ok("1"),
            "schemathesis is missing and DEEPDIVE_REQUIRE_EXTERNAL=1 (run .ci/install-schemathesis.sh)"
        );
        eprintln!(
            "skipped: needs schemathesis (pip install -r tests/schemathesis/requirements.txt)"
        );
    }
    ok
}

#[tokio::test]
async fn schemathesis_finds_no_server_errors_and_every_answer_matches_the_openapi_document() {
    if !have_schemathesis() {
        return;
    }
    let app = spawn_app_with(|s| s.api_rate_per_minute = 1_000_000).await;
    let (admin, org) = org_with_admin(&app, "contract").await;
    let (finisher, finisher_id) = org_learner(&app, org, "Zoë O'Hara", None).await;
    finisher.complete_course().await;
    let (halfway, _) = org_learner(&app, org, "Half Way", None).await;
    halfway.complete_module("ai-fundamentals").await;
    org_learner(&app, org, "Not Started", None).await;
    deepdive::services::organisations::set_employee_number(
        &app.db,
        org,
        finisher_id,
        Some("12345678-2"),
    )
    .await
    .unwrap();
    let token = make_token(&admin, "contract", "schemathesis", "").await;

    let work = tempfile::tempdir().unwrap();
    let out = tokio::task::spawn_blocking({
        let schema = app.url("/api/v1/openapi.json");
        let base = app.address.clone();
        let dir = work.path().to_path_buf();
        move || {
            Command::new("schemathesis")
                .arg("run")
                .arg(&schema)
                .args(["--url", &base])
                .args(["--checks", "all"])
                .args(["--header", &format!("Authorization: Bearer {token}")])
                .args([
                    "--max-examples",
                    "25",
                    "--seed",
                    "20261202",
                    "--workers",
                    "1",
                ])
                .args([
                    "--request-timeout",
                    "30",
                    "--suppress-health-check",
                    "too_slow",
                ])
                .current_dir(&dir)
                .env("NO_COLOR", "1")
                .stdin(Stdio::null())
                .output()
                .unwrap()
        }
    })
    .await
    .unwrap();
    let report = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "schemathesis found problems:\n{report}"
    );
    assert!(
        report.contains("Tested: 6") && report.contains("No issues found"),
        "all six operations were tested:\n{report}"
    );
}
