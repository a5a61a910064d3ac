//! The credential checked by outside verifiers (tests/credential/check.mjs: jose, ajv with the
//! official OB 3.0 JSON Schema, jsonld in safe mode with the published contexts, the Bitstring
//! Status List), on real credentials issued through the running app, with negative controls.
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Duration;
use reqwest::StatusCode;
use serde_json::Value;

use crate::certificates::{jwt_header, verify_jws, verifying_keys};
use crate::helpers::*;

/// The checker's folder, or `None` (after one line saying what to install) when Node.js or its
/// packages are missing and `DEEPDIVE_REQUIRE_EXTERNAL` is not `1`.
fn checker() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/credential");
    let node = std::process::Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if node && dir.join("node_modules/jose").is_dir() && dir.join("node_modules/jsonld").is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var("DEEPDIVE_REQUIRE_EXTERNAL").as_deref() != Ok("1"),
        "the credential verifiers need Node.js and `npm ci` in tests/credential (.ci/install-credential-checks.sh)"
    );
    eprintln!(
        "skipped: install Node.js and run `npm ci` in tests/credential to check credentials with outside verifiers"
    );
    None
}

/// Runs check.mjs on one JWT and returns its report.
async fn check(dir: &Path, jwt: &str) -> Value {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), jwt).unwrap();
    let script = dir.join("check.mjs");
    let path = file.path().to_path_buf();
    // The app under test runs on this runtime: wait for node off it.
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new("node")
            .arg(script)
            .arg(path)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.code().is_some_and(|c| c < 2),
        "check.mjs could not run: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("report is not JSON ({e}): {stdout}"))
}

fn passed(report: &Value, name: &str) -> bool {
    report["checks"][name]["ok"] == true
}

async fn fetch_jwt(app: &TestApp, code: &str) -> String {
    let r = app
        .client
        .get(app.url(&format!("/verify/{code}/credential.json")))
        .header("accept", "application/vc+jwt")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    r.text().await.unwrap()
}

/// A learner who has completed the course; returns their certificate code.
async fn certified(app: &TestApp, name: &str) -> String {
    let email = format!("{}@example.nhs.uk", uuid::Uuid::new_v4().simple());
    assert_eq!(
        app.register(&email, name, PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
    app.complete_course().await;
    app.certificate_code().await.unwrap()
}

/// Re-encodes a JWT with its payload changed by `edit` (the signature is kept as it was).
fn with_payload(jwt: &str, edit: impl FnOnce(&mut Value)) -> String {
    let parts: Vec<&str> = jwt.split('.').collect();
    let mut payload: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    edit(&mut payload);
    format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(payload.to_string()),
        parts[2]
    )
}

#[tokio::test]
async fn an_issued_credential_passes_the_jwt_rules_signature_schema_json_ld_and_status_checks() {
    let Some(dir) = checker() else { return };
    let app = spawn_app().await;
    let code = certified(&app, "Siân O'Hara").await;
    let jwt = fetch_jwt(&app.other_browser(), &code).await;
    let report = check(&dir, &jwt).await;
    for name in [
        "decode",
        "jwt_rules",
        "signature_kid",
        "signature_jwks",
        "schema",
        "jsonld",
        "status",
    ] {
        assert!(passed(&report, name), "{name} failed: {report:#}");
    }
    assert_eq!(report["checks"]["status"]["revoked"], false);
    assert_eq!(report["ok"], true, "{report:#}");
}

#[tokio::test]
async fn the_outside_verifiers_reject_a_changed_byte_an_undefined_term_and_a_missing_field() {
    let Some(dir) = checker() else { return };
    let app = spawn_app().await;
    let code = certified(&app, "Jo Bloggs").await;
    let jwt = fetch_jwt(&app, &code).await;

    // One changed byte in the signed payload (the name): both signature checks fail.
    let renamed = with_payload(&jwt, |p| {
        p["credentialSubject"]["name"] = "Jo Bloggz".into()
    });
    let report = check(&dir, &renamed).await;
    assert!(!passed(&report, "signature_kid"), "{report:#}");
    assert!(!passed(&report, "signature_jwks"), "{report:#}");
    assert!(passed(&report, "schema") && passed(&report, "jsonld"));
    assert_eq!(report["ok"], false);

    // One changed byte in the signature.
    let (input, sig) = jwt.rsplit_once('.').unwrap();
    let mut sig = URL_SAFE_NO_PAD.decode(sig).unwrap();
    sig[10] ^= 1;
    let report = check(&dir, &format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig))).await;
    assert!(!passed(&report, "signature_kid"), "{report:#}");

    // A property no published context defines: the JSON-LD expansion (safe mode) fails.
    let undefined = with_payload(&jwt, |p| {
        p["credentialSubject"]["nhsStaffNumber"] = "123".into();
    });
    let report = check(&dir, &undefined).await;
    assert!(!passed(&report, "jsonld"), "{report:#}");
    assert!(
        report["checks"]["jsonld"]["error"]
            .as_str()
            .unwrap()
            .contains("nhsStaffNumber"),
        "{report:#}"
    );
    // So does the status type the credential used before (DeepdiveCertificateStatus).
    let old_status = with_payload(&jwt, |p| {
        p["credentialStatus"] =
            serde_json::json!({"id": "https://x/s", "type": "DeepdiveCertificateStatus"});
    });
    assert!(!passed(&check(&dir, &old_status).await, "jsonld"));

    // A required field missing: the official schema fails.
    let no_start = with_payload(&jwt, |p| {
        p.as_object_mut().unwrap().remove("validFrom");
    });
    let report = check(&dir, &no_start).await;
    assert!(!passed(&report, "schema"), "{report:#}");
}

#[tokio::test]
async fn a_revoked_credential_shows_revoked_in_the_status_list_and_its_neighbour_does_not() {
    let Some(dir) = checker() else { return };
    let app = spawn_app().await;
    let kept = certified(&app.other_browser(), "Kept Learner").await;
    let code = certified(&app, "Revoked Learner").await;
    let jwt = fetch_jwt(&app, &code).await;
    assert_eq!(
        check(&dir, &jwt).await["checks"]["status"]["revoked"],
        false
    );

    let admin = app.other_browser();
    let admin_email = admin.new_learner().await;
    app.make_platform_admin(&admin_email).await;
    let r = admin
        .submit(
            &format!("/admin/certificates/{code}"),
            &format!("/admin/certificates/{code}/revoke"),
            &[("reason", "Issued in error")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    let report = check(&dir, &jwt).await;
    assert!(passed(&report, "status"), "{report:#}");
    assert_eq!(report["checks"]["status"]["revoked"], true, "{report:#}");
    assert!(
        passed(&report, "signature_kid"),
        "still a genuine credential"
    );
    assert_eq!(report["ok"], false, "a revoked credential is not accepted");
    let other = check(&dir, &fetch_jwt(&app, &kept).await).await;
    assert_eq!(other["checks"]["status"]["revoked"], false, "{other:#}");
    assert_eq!(other["ok"], true);
}

#[tokio::test]
async fn an_expired_credential_fails_the_exp_check() {
    let Some(dir) = checker() else { return };
    let app = spawn_app().await;
    // Take the course 40 months ago: the certificate (valid 36 months) expired 4 months ago.
    app.clock.advance(Duration::days(-40 * 31));
    let code = certified(&app, "Long Ago").await;
    let jwt = fetch_jwt(&app, &code).await;
    let report = check(&dir, &jwt).await;
    assert!(!passed(&report, "signature_kid"), "{report:#}");
    assert_eq!(
        report["checks"]["signature_kid"]["code"], "ERR_JWT_EXPIRED",
        "{report:#}"
    );
    assert!(passed(&report, "schema") && passed(&report, "jwt_rules"));
}

#[tokio::test]
async fn after_a_key_rotation_old_credentials_still_verify_and_new_ones_use_the_new_key() {
    let app = spawn_app().await;
    let code = certified(&app, "Before Rotation").await;
    let old_jwt = fetch_jwt(&app, &code).await;

    // Rotate with the command line, then start the server again on the same data.
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_deepdive"));
    cmd.arg("--data-dir").arg(&app.data_dir);
    if let Some(url) = &app.database_url {
        cmd.env("DATABASE_URL", url);
    } else {
        cmd.env_remove("DATABASE_URL");
    }
    let out = cmd.arg("rotate-signing-key").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("/credentials/keys/"));
    let mut settings = test_settings(&app.data_dir, &app.course_dir);
    settings.database_url = app.database_url.clone();
    let restarted = deepdive::startup::Application::build(settings, app.clock.clone())
        .await
        .unwrap();
    let mut again = app.other_browser();
    again.address = format!("http://127.0.0.1:{}", restarted.port());
    tokio::spawn(restarted.run_until_stopped());

    let new_jwt = fetch_jwt(&again, &code).await;
    // A kid is BASE/credentials/keys/ID; the two instances differ only in their address.
    let id = |kid: &str| kid.rsplit('/').next().unwrap().to_string();
    let old_id = id(jwt_header(&old_jwt)["kid"].as_str().unwrap());
    let new_id = id(jwt_header(&new_jwt)["kid"].as_str().unwrap());
    assert_ne!(old_id, new_id, "the new key signs");
    let jwks: Value = again
        .get("/.well-known/jwks.json")
        .await
        .json()
        .await
        .unwrap();
    let published: Vec<_> = verifying_keys(&jwks)
        .into_iter()
        .map(|(kid, key)| {
            (
                format!("{}/credentials/keys/{}", app.address, id(&kid)),
                key,
            )
        })
        .collect();
    assert_eq!(published.len(), 2, "old and new keys are both published");
    assert!(
        verify_jws(&old_jwt, &published),
        "a credential signed before the rotation verifies against the keys published after it"
    );
    let single = again.get(&format!("/credentials/keys/{old_id}")).await;
    assert_eq!(
        single.status(),
        StatusCode::OK,
        "the old key's kid URL still answers"
    );
    if let Some(dir) = checker() {
        let report = check(&dir, &new_jwt).await;
        assert_eq!(report["ok"], true, "{report:#}");
    }
}
