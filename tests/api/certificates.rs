use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Duration;
use p256::ecdsa::signature::Verifier;
use p256::ecdsa::{Signature, VerifyingKey};
use reqwest::StatusCode;
use sea_orm::{EntityTrait, PaginatorTrait};

use crate::helpers::*;
use deepdive::entities::certificates;

#[tokio::test]
async fn a_certificate_is_issued_when_the_last_module_is_completed_and_not_before() {
    let app = spawn_app().await;
    app.register("zoe@example.org", "Zoë Ångström-Łukasiewicz", PASSWORD)
        .await;
    let course = deepdive::course::load_course(&app.course_dir).unwrap();
    let last = course.modules.last().unwrap();
    for m in &course.modules {
        for l in &m.lessons {
            app.complete_lesson(&m.slug, &l.slug).await;
        }
        if m.slug != last.slug {
            app.take_quiz(&m.slug, 10).await;
        }
    }
    assert_eq!(
        certificates::Entity::find().count(&app.db).await.unwrap(),
        0,
        "not before the last quiz is passed"
    );
    assert!(
        app.get_html("/certificate")
            .await
            .contains("You get your certificate as soon as")
    );
    app.take_quiz(&last.slug, 10).await;
    assert_eq!(
        certificates::Entity::find().count(&app.db).await.unwrap(),
        1
    );
    let html = app.get_html("/certificate").await;
    assert!(html.contains("Zoë Ångström-Łukasiewicz"));
    assert!(html.contains("Download the certificate (PDF)"));
    let code = app.certificate_code().await.unwrap();
    assert_eq!(code.len(), 12);
    // Passing again does not issue a second certificate.
    app.take_quiz(&last.slug, 10).await;
    assert_eq!(
        certificates::Entity::find().count(&app.db).await.unwrap(),
        1
    );
}

#[tokio::test]
async fn the_pdf_has_the_unicode_name_and_code_and_only_the_holder_can_fetch_it() {
    let app = spawn_app().await;
    app.register("sian@example.org", "Siân O'Hara <b>", PASSWORD)
        .await;
    app.complete_course().await;
    let code = app.certificate_code().await.unwrap();
    let r = app.get(&format!("/certificates/{code}.pdf")).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers().get("content-type").unwrap(), "application/pdf");
    let bytes = r.bytes().await.unwrap();
    assert!(bytes.starts_with(b"%PDF"));
    let text = pdf_text(&bytes);
    assert!(text.contains("Siân O'Hara <b>"), "{text}");
    let display = format!("{}-{}-{}", &code[..4], &code[4..8], &code[8..]);
    assert!(text.contains(&display), "{text}");
    assert!(text.contains("/verify/"));
    let other = app.other_browser();
    other.new_learner().await;
    assert_eq!(
        other
            .get(&format!("/certificates/{code}.pdf"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let anonymous = app.other_browser();
    assert_eq!(
        anonymous
            .get(&format!("/certificates/{code}.pdf"))
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn the_verify_page_shows_the_name_escaped_and_the_status_and_nothing_else() {
    let app = spawn_app().await;
    app.register("x@example.org", "<script>alert(1)</script> Zoë", PASSWORD)
        .await;
    app.complete_course().await;
    let code = app.certificate_code().await.unwrap();
    let stranger = app.other_browser();
    let r = stranger.get(&format!("/verify/{code}")).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        r.headers().get("x-robots-tag").unwrap(),
        "noindex, nofollow"
    );
    let html = r.text().await.unwrap();
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; Zoë"));
    assert!(!html.contains("<script>alert"));
    assert!(html.contains("data-status=\"valid\""));
    assert!(html.contains("<meta name=\"robots\" content=\"noindex, nofollow\">"));
    assert!(
        !html.contains("x@example.org"),
        "no e-mail on the public page"
    );
    // Lower case and hyphens are accepted too.
    let typed = format!("{}-{}-{}", &code[..4], &code[4..8], &code[8..]).to_lowercase();
    assert_eq!(
        stranger.get(&format!("/verify/{typed}")).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn an_expired_certificate_says_so_and_a_refresher_issues_a_new_one() {
    let app = spawn_app().await;
    app.new_learner().await;
    app.complete_course().await;
    let code = app.certificate_code().await.unwrap();
    app.clock.advance(Duration::days(37 * 31));
    // The session has expired meanwhile: log in again.
    let stranger = app.other_browser();
    let html = stranger.get_html(&format!("/verify/{code}")).await;
    assert!(html.contains("data-status=\"expired\""));
    assert!(html.contains("expired on"));
    // The original learner takes every quiz again after expiry: a new certificate, the old one kept.
    let again = app.other_browser();
    let row = certificates::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let user = deepdive::entities::users::Entity::find_by_id(row.user_id.unwrap())
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    again.login(&user.email, PASSWORD).await;
    let course = deepdive::course::load_course(&app.course_dir).unwrap();
    for m in &course.modules {
        again.take_quiz(&m.slug, 10).await;
    }
    assert_eq!(
        certificates::Entity::find().count(&app.db).await.unwrap(),
        2
    );
    let page = again.get_html("/certificate").await;
    assert!(page.contains("Earlier certificates"));
    assert!(page.contains("expired"));
}

#[tokio::test]
async fn unknown_codes_get_the_same_404_page_whatever_the_code() {
    let app = spawn_app().await;
    let a = app.get("/verify/ABCD-EFGH-JKMN").await;
    assert_eq!(a.status(), StatusCode::NOT_FOUND);
    let a = a.text().await.unwrap();
    let b = app.get("/verify/not-even-a-code").await;
    assert_eq!(b.status(), StatusCode::NOT_FOUND);
    assert_eq!(a, b.text().await.unwrap());
    assert_eq!(
        app.get("/verify/ABCD-EFGH-JKMN/credential.json")
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_verify_pages_are_rate_limited_per_ip() {
    let app = spawn_app_with(|s| s.verify_rate_per_minute = 5).await;
    for _ in 0..5 {
        assert_eq!(
            app.get("/verify/ABCD-EFGH-JKMN").await.status(),
            StatusCode::NOT_FOUND
        );
    }
    let r = app.get("/verify/ABCD-EFGH-JKMN").await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.text().await.unwrap().contains("Too many requests"));
}

/// The ES256 keys of a JWK set, by `kid` (retired Ed25519 keys are skipped: nothing new uses them).
pub fn verifying_keys(jwks: &serde_json::Value) -> Vec<(String, VerifyingKey)> {
    jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|k| k["alg"] == "ES256")
        .map(|k| {
            assert_eq!(k["kty"], "EC");
            assert_eq!(k["crv"], "P-256");
            let mut point = vec![4u8];
            for c in ["x", "y"] {
                point.extend(URL_SAFE_NO_PAD.decode(k[c].as_str().unwrap()).unwrap());
            }
            (
                k["kid"].as_str().unwrap().to_string(),
                VerifyingKey::from_sec1_bytes(&point).unwrap(),
            )
        })
        .collect()
}

pub fn jwt_header(jwt: &str) -> serde_json::Value {
    serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(jwt.split('.').next().unwrap())
            .unwrap(),
    )
    .unwrap()
}

pub fn jwt_payload(jwt: &str) -> serde_json::Value {
    serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(jwt.split('.').nth(1).unwrap())
            .unwrap(),
    )
    .unwrap()
}

pub fn verify_jws(jws: &str, keys: &[(String, VerifyingKey)]) -> bool {
    let parts: Vec<&str> = jws.split('.').collect();
    if parts.len() != 3 {
        return false;
    }
    let header = jwt_header(jws);
    if header["alg"] != "ES256" {
        return false;
    }
    let Some((_, key)) = keys.iter().find(|(kid, _)| header["kid"] == *kid.as_str()) else {
        return false;
    };
    let Ok(sig) = URL_SAFE_NO_PAD.decode(parts[2]) else {
        return false;
    };
    let Ok(sig) = Signature::from_slice(&sig) else {
        return false;
    };
    key.verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &sig)
        .is_ok()
}

#[tokio::test]
async fn the_credential_is_an_open_badge_vc_jwt_signed_with_a_published_es256_key() {
    let app = spawn_app().await;
    app.register("jo@example.org", "Jo Bloggs", PASSWORD).await;
    app.complete_course().await;
    let code = app.certificate_code().await.unwrap();
    let stranger = app.other_browser();
    let body: serde_json::Value = stranger
        .get(&format!("/verify/{code}/credential.json"))
        .await
        .json()
        .await
        .unwrap();
    let vc = &body["credential"];
    assert!(
        vc["type"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!("OpenBadgeCredential"))
    );
    assert_eq!(vc["credentialSubject"]["name"], "Jo Bloggs");
    assert!(vc["validFrom"].is_string() && vc["validUntil"].is_string());
    let identity = &vc["credentialSubject"]["identifier"][0];
    assert_eq!(identity["hashed"], true);
    assert!(
        !identity["identityHash"]
            .as_str()
            .unwrap()
            .contains("jo@example.org")
    );
    let jws = body["jws"].as_str().unwrap();
    let header = jwt_header(jws);
    assert_eq!(header["alg"], "ES256");
    assert_eq!(header["typ"], "JWT");
    let kid = header["kid"].as_str().unwrap();
    assert!(
        kid.starts_with(&app.address),
        "kid is an absolute URL: {kid}"
    );
    let single: serde_json::Value = stranger
        .get(kid.strip_prefix(&app.address).unwrap())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(single["kty"], "EC", "the kid URL returns one bare JWK");
    assert_eq!(single["kid"], kid);
    let jwks: serde_json::Value = stranger
        .get("/.well-known/jwks.json")
        .await
        .json()
        .await
        .unwrap();
    let keys = verifying_keys(&jwks);
    assert!(verify_jws(jws, &keys), "the signature verifies");
    let mut payload = jwt_payload(jws);
    assert_eq!(payload["iss"], vc["issuer"]["id"]);
    assert_eq!(payload["jti"], vc["id"]);
    assert_eq!(payload["sub"], vc["credentialSubject"]["id"]);
    let from = chrono::DateTime::parse_from_rfc3339(vc["validFrom"].as_str().unwrap()).unwrap();
    let until = chrono::DateTime::parse_from_rfc3339(vc["validUntil"].as_str().unwrap()).unwrap();
    assert_eq!(payload["nbf"], from.timestamp());
    assert_eq!(payload["exp"], until.timestamp());
    for claim in ["iss", "jti", "nbf", "sub", "exp"] {
        payload.as_object_mut().unwrap().remove(claim);
    }
    assert_eq!(
        &payload, vc,
        "the rest of the JWT payload is the credential"
    );
    let subject = vc["credentialSubject"]["id"].as_str().unwrap();
    assert!(subject.starts_with("urn:uuid:"), "{subject}");
    assert!(!subject.contains("jo@example.org"));
    // Change any byte of the payload: the signature fails.
    let parts: Vec<&str> = jws.split('.').collect();
    let mut payload_bytes = URL_SAFE_NO_PAD.decode(parts[1]).unwrap();
    for i in [0, payload_bytes.len() / 2, payload_bytes.len() - 1] {
        payload_bytes[i] ^= 1;
        let forged = format!(
            "{}.{}.{}",
            parts[0],
            URL_SAFE_NO_PAD.encode(&payload_bytes),
            parts[2]
        );
        assert!(!verify_jws(&forged, &keys), "tampered byte {i} must fail");
        payload_bytes[i] ^= 1;
    }
    let raw = stranger
        .client
        .get(stranger.url(&format!("/verify/{code}/credential.json")))
        .header("accept", "application/vc+jwt")
        .send()
        .await
        .unwrap();
    assert_eq!(
        raw.headers().get("content-type").unwrap(),
        "application/vc+jwt"
    );
    assert_eq!(raw.text().await.unwrap(), jws);
}

#[tokio::test]
async fn a_platform_admin_revokes_a_certificate_with_a_reason_and_the_verify_page_says_so() {
    let app = spawn_app().await;
    app.new_learner().await;
    app.complete_course().await;
    let code = app.certificate_code().await.unwrap();
    let admin = app.other_browser();
    let admin_email = admin.new_learner().await;
    // A learner cannot reach the admin pages.
    assert_eq!(
        admin
            .get(&format!("/admin/certificates/{code}"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    app.make_platform_admin(&admin_email).await;
    let page = admin.get_html("/admin").await;
    assert!(page.contains(&format!("/admin/certificates/{code}")));
    let r = admin
        .submit(
            &format!("/admin/certificates/{code}"),
            &format!("/admin/certificates/{code}/revoke"),
            &[("reason", "  ")],
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "a reason is required"
    );
    let r = admin
        .submit(
            &format!("/admin/certificates/{code}"),
            &format!("/admin/certificates/{code}/revoke"),
            &[("reason", "Issued in error")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let html = app
        .other_browser()
        .get_html(&format!("/verify/{code}"))
        .await;
    assert!(html.contains("data-status=\"revoked\""));
    assert!(html.contains("revoked on"));
    let status: serde_json::Value = app
        .get(&format!("/verify/{code}/status"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(status["status"], "revoked");
    let audit = admin.get_html("/admin/audit").await;
    assert!(
        audit.contains("Certificate revoked") && audit.contains("Issued in error"),
        "{audit}"
    );
}
