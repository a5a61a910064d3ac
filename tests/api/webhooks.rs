//! Signed webhooks against a real receiver on loopback (tests/webhooks/receiver.py) that verifies
//! each delivery with the official Standard Webhooks library (`.ci/install-webhooks.sh`).
use std::path::PathBuf;

use chrono::Duration;
use deepdive::clock::Clock;
use deepdive::entities::{webhook_deliveries, webhook_endpoints};
use deepdive::services::webhooks::{self, Delivered, Sender};
use reqwest::StatusCode;
use sea_orm::{ActiveValue::Set, EntityTrait, PaginatorTrait};

use crate::helpers::*;

/// The receiver of one test and the folder where it records what it got.
pub struct Receiver {
    server: PythonServer,
}

/// One delivery as the receiver saw it.
#[derive(Debug, Clone)]
pub struct Got {
    pub id: String,
    pub verified: bool,
    pub error: String,
    pub status: u64,
    pub body: serde_json::Value,
}

impl Receiver {
    /// Starts the receiver, or returns `None` (after one line saying what to install) when the
    /// standardwebhooks library is missing, unless `DEEPDIVE_REQUIRE_EXTERNAL=1`.
    pub fn start() -> Option<Receiver> {
        let server = PythonServer::start(
            "webhooks/receiver.py",
            "standardwebhooks",
            "pip install -r tests/webhooks/requirements.txt",
            "run .ci/install-webhooks.sh",
        )?;
        Some(Receiver { server })
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/hooks", self.server.port)
    }

    /// The secret the receiver verifies with.
    pub fn trust(&self, secret: &str) {
        std::fs::write(self.server.dir.path().join("secret"), secret).unwrap();
    }

    /// Answer 500 to the first `n` requests.
    pub fn fail_first(&self, n: u32) {
        std::fs::write(self.server.dir.path().join("fail-first"), n.to_string()).unwrap();
    }

    pub fn got(&self) -> Vec<Got> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.server.dir.path())
            .unwrap()
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort();
        files
            .iter()
            .map(|f| {
                let v: serde_json::Value =
                    serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap();
                Got {
                    id: v["id"].as_str().unwrap_or_default().to_string(),
                    verified: v["verified"].as_bool().unwrap_or(false),
                    error: v["error"].as_str().unwrap_or_default().to_string(),
                    status: v["status"].as_u64().unwrap_or(0),
                    body: serde_json::from_str(v["body"].as_str().unwrap_or("null"))
                        .unwrap_or(serde_json::Value::Null),
                }
            })
            .collect()
    }
}

async fn loopback_app() -> TestApp {
    spawn_app_on(Clock::stopped(), |s| s.webhooks_allow_loopback = true).await
}

/// Adds an endpoint on the org page like an admin, and returns the secret shown once.
async fn add_endpoint(admin: &TestApp, slug: &str, url: &str, events: &[&str]) -> String {
    let mut fields = vec![("url", url)];
    fields.extend(events.iter().map(|e| ("events", *e)));
    let r = admin
        .submit(
            &format!("/org/{slug}/webhooks"),
            &format!("/org/{slug}/webhooks"),
            &fields,
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(html.contains("It is shown only once"), "{html}");
    let secret = between(&html, "data-secret=\"", "\"").replace("&#x3D;", "=");
    assert!(secret.starts_with("whsec_"), "{secret}");
    // Shown once: the page does not show it again.
    assert!(
        !admin
            .get_html(&format!("/org/{slug}/webhooks"))
            .await
            .contains(&secret)
    );
    secret
}

/// Logs the organisation's admin in again (after the test moved the clock past their session).
async fn log_admin_in_again(app: &TestApp, admin: &TestApp, org: i32) {
    use deepdive::entities::{org_members, users};
    use sea_orm::{ColumnTrait, QueryFilter};
    let member = org_members::Entity::find()
        .filter(org_members::Column::OrgId.eq(org))
        .filter(org_members::Column::Role.eq("org_admin"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let user = users::Entity::find_by_id(member.user_id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let r = admin.login(&user.email, PASSWORD).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

async fn deliver(app: &TestApp) -> Delivered {
    let sender = Sender::new(app.state.settings.webhooks_allow_loopback).unwrap();
    webhooks::deliver_due(&app.db, &sender, &app.clock)
        .await
        .unwrap()
}

const ALL: [&str; 5] = [
    "module.completed",
    "course.completed",
    "certificate.issued",
    "certificate.revoked",
    "certificate.expiring",
];

#[tokio::test]
async fn events_of_each_kind_arrive_signed_and_verify_with_the_standard_webhooks_library() {
    let Some(receiver) = Receiver::start() else {
        return;
    };
    let app = loopback_app().await;
    let (admin, org) = org_with_admin(&app, "hooks").await;
    let secret = add_endpoint(&admin, "hooks", &receiver.url(), &ALL).await;
    receiver.trust(&secret);
    let (learner, learner_id) = org_learner(&app, org, "Wen Hook", None).await;
    learner.complete_module("ai-fundamentals").await;
    learner.complete_course().await;
    let code = learner.certificate_code().await.unwrap();
    // 36 months later, 30 days before expiry: the expiring event is queued once.
    app.clock.advance(Duration::days(36 * 30 - 30));
    webhooks::queue_expiring(&app.db, app.clock.now())
        .await
        .unwrap();
    webhooks::queue_expiring(&app.db, app.clock.now())
        .await
        .unwrap();
    let code = deepdive::domain::CertificateCode::parse(&code).unwrap();
    let cert = deepdive::services::certificates::by_code(&app.db, &code)
        .await
        .unwrap()
        .unwrap();
    let who = deepdive::services::audit::Actor {
        user_id: learner_id,
        ip: None,
    };
    deepdive::services::platform_admin::revoke_certificate(
        &app.db, &app.clock, &who, &cert, "test",
    )
    .await
    .unwrap();
    let done = deliver(&app).await;
    let got = receiver.got();
    let types: Vec<&str> = got
        .iter()
        .map(|g| g.body["type"].as_str().unwrap())
        .collect();
    for kind in ALL {
        let n = types.iter().filter(|t| **t == kind).count();
        let want = if kind == "module.completed" { 5 } else { 1 };
        assert_eq!(n, want, "{kind} in {types:?}");
    }
    assert_eq!(done.delivered, 9);
    assert!(got.iter().all(|g| g.verified && g.status == 204), "{got:?}");
    let issued = got
        .iter()
        .find(|g| g.body["type"] == "certificate.issued")
        .unwrap();
    assert_eq!(issued.body["data"]["certificate_code"], cert.code.as_str());
    assert_eq!(issued.body["data"]["user_id"], learner_id);
    assert_eq!(issued.body["data"]["organisation_id"], org);
    assert!(issued.id.starts_with("msg_"));
    // Delivered exactly once: another pass sends nothing.
    assert_eq!(deliver(&app).await, Delivered::default());
    assert_eq!(receiver.got().len(), 9);
    log_admin_in_again(&app, &admin, org).await;
    let html = admin.get_html("/org/hooks/webhooks").await;
    assert!(html.contains("data-delivered=\"9\""));
}

#[tokio::test]
async fn a_500_is_retried_after_the_backoff_with_the_same_id_and_then_marked_delivered_once() {
    let Some(receiver) = Receiver::start() else {
        return;
    };
    let app = loopback_app().await;
    let (admin, org) = org_with_admin(&app, "retry").await;
    let secret = add_endpoint(&admin, "retry", &receiver.url(), &["module.completed"]).await;
    receiver.trust(&secret);
    receiver.fail_first(1);
    let (learner, _) = org_learner(&app, org, "Rae Retry", None).await;
    learner.complete_module("ai-fundamentals").await;
    assert_eq!(
        deliver(&app).await,
        Delivered {
            delivered: 0,
            retrying: 1,
            dead: 0
        }
    );
    // Not again before its backoff.
    assert_eq!(deliver(&app).await, Delivered::default());
    app.clock.advance(Duration::minutes(2));
    assert_eq!(deliver(&app).await.delivered, 1);
    let got = receiver.got();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].status, 500);
    assert_eq!(got[1].status, 204);
    assert!(got.iter().all(|g| g.verified));
    assert_eq!(got[0].id, got[1].id, "the same webhook-id on every attempt");
    let row = webhook_deliveries::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((row.status.as_str(), row.attempts), ("delivered", 2));
}

#[tokio::test]
async fn an_endpoint_that_keeps_failing_is_dead_lettered_after_eight_attempts() {
    let Some(receiver) = Receiver::start() else {
        return;
    };
    let app = loopback_app().await;
    let (admin, org) = org_with_admin(&app, "dead").await;
    let secret = add_endpoint(&admin, "dead", &receiver.url(), &["module.completed"]).await;
    receiver.trust(&secret);
    receiver.fail_first(1000);
    let (learner, _) = org_learner(&app, org, "Dee Dead", None).await;
    learner.complete_module("ai-fundamentals").await;
    let mut dead = 0;
    for _ in 0..webhooks::MAX_ATTEMPTS {
        dead += deliver(&app).await.dead;
        app.clock.advance(Duration::hours(7));
    }
    assert_eq!(dead, 1);
    assert_eq!(receiver.got().len(), 8);
    assert_eq!(deliver(&app).await, Delivered::default(), "given up");
    let row = webhook_deliveries::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.status, "dead");
    assert_eq!(row.last_status, Some(500));
    log_admin_in_again(&app, &admin, org).await;
    let html = admin.get_html("/org/dead/webhooks").await;
    assert!(html.contains("data-dead=\"1\""));
    assert!(html.contains("Last problem: HTTP 500"));
}

#[tokio::test]
async fn a_receiver_with_the_wrong_secret_fails_verification() {
    let Some(receiver) = Receiver::start() else {
        return;
    };
    let app = loopback_app().await;
    let (admin, org) = org_with_admin(&app, "wrong").await;
    let _secret = add_endpoint(&admin, "wrong", &receiver.url(), &["module.completed"]).await;
    receiver.trust(&webhooks::new_secret().unwrap());
    let (learner, _) = org_learner(&app, org, "Will Wrong", None).await;
    learner.complete_module("ai-fundamentals").await;
    assert_eq!(deliver(&app).await.retrying, 1);
    let got = receiver.got();
    assert_eq!(got.len(), 1);
    assert!(!got[0].verified);
    assert_eq!(got[0].error, "No matching signature found");
    assert_eq!(got[0].status, 400);
}

#[tokio::test]
async fn the_endpoint_form_refuses_plain_http_private_addresses_and_no_events_keeping_what_was_typed()
 {
    let app = spawn_app().await;
    let (admin, _) = org_with_admin(&app, "form").await;
    let page = "/org/form/webhooks";
    for (url, events, message) in [
        (
            "http://hooks.example.org/x",
            vec!["course.completed"],
            "must start with https://",
        ),
        (
            "https://169.254.169.254/latest",
            vec!["course.completed"],
            "must be a public internet address",
        ),
        (
            "https://127.0.0.1:9/",
            vec!["course.completed"],
            "must be a public",
        ),
        (
            "https://hooks.example.org/typed",
            vec![],
            "Choose at least one event",
        ),
        (
            "https://hooks.example.org/typed",
            vec!["user.deleted"],
            "Choose events from the list",
        ),
    ] {
        let mut fields = vec![("url", url)];
        fields.extend(events.iter().map(|e| ("events", *e)));
        let r = admin.submit(page, page, &fields).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{url}");
        let html = r.text().await.unwrap();
        assert!(html.contains("There is a problem"));
        assert!(html.contains(message), "{url}: {message}");
        assert!(
            html.contains(&format!("value=\"{url}\"")),
            "typed value kept"
        );
    }
    assert_eq!(
        webhook_endpoints::Entity::find()
            .count(&app.db)
            .await
            .unwrap(),
        0
    );
}

#[tokio::test]
async fn only_the_organisations_admins_see_and_remove_its_endpoints() {
    let app = spawn_app().await;
    let (admin, org) = org_with_admin(&app, "mine").await;
    let (other_admin, _) = org_with_admin(&app, "theirs").await;
    let secret = add_endpoint(&admin, "mine", "https://hooks.example.org/mine", &ALL).await;
    assert!(!secret.is_empty());
    let id = webhook_endpoints::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .id;
    assert_eq!(
        other_admin.get("/org/mine/webhooks").await.status(),
        StatusCode::NOT_FOUND
    );
    let token = csrf_token(&other_admin.get_html("/org/theirs/webhooks").await);
    let r = other_admin
        .post_raw(
            &format!("/org/theirs/webhooks/{id}/delete"),
            &[("csrf_token", &token)],
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::NOT_FOUND,
        "another organisation's endpoint"
    );
    let r = other_admin
        .post_raw(
            &format!("/org/mine/webhooks/{id}/delete"),
            &[("csrf_token", &token)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        webhook_endpoints::Entity::find()
            .count(&app.db)
            .await
            .unwrap(),
        1
    );
    let r = admin
        .submit(
            "/org/mine/webhooks",
            &format!("/org/mine/webhooks/{id}/delete"),
            &[],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        webhook_endpoints::Entity::find()
            .count(&app.db)
            .await
            .unwrap(),
        0
    );
    let audit = admin.get_html("/org/mine/audit").await;
    assert!(audit.contains("org.webhook.create") && audit.contains("org.webhook.delete"));
    let _ = org;
}

#[tokio::test]
async fn a_delivery_to_a_local_address_is_refused_even_when_stored_and_dead_lettered_at_once() {
    let app = spawn_app_on(Clock::stopped(), |_| {}).await;
    let (_, org) = org_with_admin(&app, "ssrf").await;
    // As if the address had been accepted once (e.g. before a setting changed).
    webhook_endpoints::Entity::insert(webhook_endpoints::ActiveModel {
        org_id: Set(org),
        url: Set("https://localhost:1/internal".into()),
        events: Set("module.completed".into()),
        secret: Set(webhooks::new_secret().unwrap()),
        created_by: Set(None),
        created_at: Set(app.clock.now()),
        ..Default::default()
    })
    .exec(&app.db)
    .await
    .unwrap();
    let (learner, _) = org_learner(&app, org, "Sam Ssrf", None).await;
    learner.complete_module("ai-fundamentals").await;
    assert_eq!(deliver(&app).await.dead, 1);
    let row = webhook_deliveries::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.status, "dead");
    assert!(row.last_error.unwrap().contains("public internet address"));
}
