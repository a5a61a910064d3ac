//! Deny by default: every route in the inventory is checked for the guard it declares.
use reqwest::StatusCode;

use crate::helpers::*;
use deepdive::web::routes::{Guard, ROUTES};

fn concrete(path: &str) -> String {
    path.replace("{module}", "ai-fundamentals")
        .replace("{lesson}", "what-is-ai")
        .replace("{path}", "css/app.css")
        .replace("{slug}", "guarded-org")
        .replace("{code}", "ABCD-EFGH-JKMN")
        .replace("{id}", "1")
        .replace("{user_id}", "1")
        .replace("{token}", "x")
}

#[tokio::test]
async fn every_route_is_in_the_inventory_with_a_guard_that_holds() {
    let app = spawn_app().await;
    deepdive::services::organisations::create(&app.db, "Guarded", "guarded-org", app.clock.now())
        .await
        .unwrap();
    let anonymous = app.other_browser();
    let learner = app.other_browser();
    learner.new_learner().await;
    let token = csrf_token(&learner.get_html("/dashboard").await);
    assert!(ROUTES.len() >= 50, "the inventory lists every route");
    for (method, path, guard) in ROUTES {
        if *path == "/logout" {
            continue; // would end the learner's session for the rest of the walk; covered in sessions.rs
        }
        let url = concrete(path);
        let send = |who: &TestApp| {
            let req = match *method {
                "GET" => who.client.get(who.url(&url)),
                _ => who
                    .client
                    .post(who.url(&url))
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(format!("csrf_token={token}")),
            };
            async move { req.send().await.unwrap() }
        };
        let anon = send(&anonymous).await.status();
        let as_learner = send(&learner).await.status();
        assert!(
            !anon.is_server_error() && !as_learner.is_server_error(),
            "{method} {path}: {anon} / {as_learner}"
        );
        match guard {
            Guard::Public => {}
            Guard::Learner => {
                if *method == "GET" {
                    assert_eq!(
                        anon,
                        StatusCode::SEE_OTHER,
                        "{method} {path} must send anonymous visitors to log in"
                    );
                } else {
                    assert!(
                        anon == StatusCode::SEE_OTHER || anon == StatusCode::FORBIDDEN,
                        "{method} {path}: {anon}"
                    );
                }
            }
            Guard::OrgAdmin | Guard::PlatformAdmin => {
                if *method == "GET" {
                    assert_eq!(anon, StatusCode::SEE_OTHER, "{method} {path}");
                }
                assert!(
                    as_learner == StatusCode::NOT_FOUND || as_learner == StatusCode::FORBIDDEN,
                    "{method} {path} must refuse a learner: {as_learner}"
                );
            }
        }
    }
}
