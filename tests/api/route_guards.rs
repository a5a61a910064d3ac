//! Deny by default: the router registers exactly the routes of the inventory, and every route in
//! the inventory is checked for the guard it declares.
use actix_web::test as atest;
use actix_web::{App, HttpResponse, web};
use reqwest::StatusCode;

use crate::helpers::*;
use deepdive::web::routes::{Guard, ROUTES, configure};

fn concrete(path: &str) -> String {
    path.replace("{module}", "ai-fundamentals")
        .replace("{lesson}", "what-is-ai")
        .replace("{path:.*}", "css/app.css")
        .replace("{slug}", "guarded-org")
        .replace("{code}", "ABCD-EFGH-JKMN")
        .replace("{file}", "ABCD-EFGH-JKMN.pdf")
        .replace("{id}", "1")
        .replace("{user_id}", "1")
        .replace("{member_id}", "1")
        .replace("{token}", "x")
        .replace("{list}", "0")
        .replace("{cohort}", "1")
        .replace("{prompt}", "the-idea")
}

/// The status the bare router answers when no registered route matches.
const NO_ROUTE: u16 = 418;

#[actix_web::test]
async fn the_router_registers_exactly_the_routes_of_the_inventory() {
    let router = atest::init_service(
        App::new()
            .configure(configure)
            .default_service(web::to(HttpResponse::ImATeapot)),
    )
    .await;
    assert!(ROUTES.len() >= 50, "the inventory lists every route");
    let mut seen = std::collections::HashSet::new();
    for route in ROUTES {
        assert!(
            seen.insert((route.method, route.path)),
            "{} {} is listed twice",
            route.method,
            route.path
        );
    }
    for route in ROUTES {
        let url = concrete(route.path);
        assert!(!url.contains('{'), "{}: no example value", route.path);
        for method in ["GET", "POST", "PUT", "DELETE"] {
            let req = atest::TestRequest::default()
                .method(method.parse().unwrap())
                .uri(&url)
                .to_request();
            let status = atest::call_service(&router, req).await.status().as_u16();
            // Handlers fail without the application state (500); only an unrouted request is 418.
            let listed = ROUTES
                .iter()
                .any(|r| r.method == method && concrete(r.path) == url);
            assert_eq!(
                status != NO_ROUTE,
                listed,
                "{method} {url}: registered and listed must agree (status {status})"
            );
        }
    }
}

fn sends_to_login(r: &reqwest::Response) -> bool {
    r.status() == StatusCode::SEE_OTHER
        && r.headers()
            .get("location")
            .and_then(|l| l.to_str().ok())
            .is_some_and(|l| l.starts_with("/login"))
}

#[tokio::test]
async fn every_route_in_the_inventory_has_a_guard_that_holds() {
    let app = spawn_app().await;
    deepdive::services::organisations::create(&app.db, "Guarded", "guarded-org", app.clock.now())
        .await
        .unwrap();
    // Each client posts with a CSRF token valid for itself (the anonymous one a pre-login token),
    // so that a refusal can only come from the route's guard, never from the CSRF check.
    let anonymous = app.other_browser();
    let anonymous_token = csrf_token(&anonymous.get_html("/login").await);
    let learner = app.other_browser();
    learner.new_learner().await;
    let learner_token = csrf_token(&learner.get_html("/dashboard").await);
    for route in ROUTES {
        let (method, path) = (route.method, route.path);
        if path == "/logout" {
            continue; // would end the learner's session for the rest of the walk; covered in sessions.rs
        }
        let url = concrete(path);
        let send = |who: &TestApp, token: &str| {
            let req = match method {
                "GET" => who.client.get(who.url(&url)),
                _ => who
                    .client
                    .post(who.url(&url))
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(format!("csrf_token={token}")),
            };
            async move { req.send().await.unwrap() }
        };
        let anon = send(&anonymous, &anonymous_token).await;
        let as_learner = send(&learner, &learner_token).await;
        assert!(
            !anon.status().is_server_error() && !as_learner.status().is_server_error(),
            "{method} {path}: {} / {}",
            anon.status(),
            as_learner.status()
        );
        assert_ne!(
            anon.status(),
            StatusCode::FORBIDDEN,
            "{method} {path}: the anonymous token must pass the CSRF check"
        );
        match route.guard {
            // The second login step sends a visitor without a pending login back to the first.
            Guard::Public => assert!(
                !sends_to_login(&anon) || path.starts_with("/login"),
                "{method} {path} is public: anonymous visitors are not sent to log in"
            ),
            Guard::Learner => assert!(
                sends_to_login(&anon),
                "{method} {path} must send anonymous visitors to log in: {}",
                anon.status()
            ),
            // Bearer tokens only: neither an anonymous visitor nor a logged-in cookie gets in.
            Guard::ApiToken => {
                assert_eq!(anon.status(), StatusCode::UNAUTHORIZED, "{method} {path}");
                assert_eq!(
                    as_learner.status(),
                    StatusCode::UNAUTHORIZED,
                    "{method} {path}"
                );
            }
            Guard::OrgAdmin | Guard::PlatformAdmin => {
                assert!(
                    sends_to_login(&anon),
                    "{method} {path} must send anonymous visitors to log in: {}",
                    anon.status()
                );
                assert_eq!(
                    as_learner.status(),
                    StatusCode::NOT_FOUND,
                    "{method} {path} must refuse a learner (with a valid CSRF token)"
                );
            }
        }
    }
}
