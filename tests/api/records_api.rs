//! Records where Trusts keep them: organisation API tokens (shown once, hashed at rest, revocable,
//! expiring), the read-only `/api/v1` JSON API, the ESR-ready completions CSV and employee numbers.
use std::process::{Command, Stdio};

use chrono::Duration;
use deepdive::clock::Clock;
use deepdive::entities::{api_tokens, audit_log, org_members};
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::Value;

use crate::helpers::*;

/// Makes a token on the organisation's API page as its admin would; returns the token shown.
pub async fn make_token(admin: &TestApp, slug: &str, name: &str, days: &str) -> String {
    let page = format!("/org/{slug}/api");
    let r = admin
        .submit(
            &page,
            &format!("/org/{slug}/api/tokens"),
            &[("name", name), ("expires_in_days", days)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    let start = html.find("value=\"ddk_").expect("the new token is shown") + "value=\"".len();
    let end = start + html[start..].find('"').unwrap();
    html[start..end].to_string()
}

/// A GET on the API with a bearer token (no cookies).
pub async fn api_get(app: &TestApp, path: &str, token: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

async fn api_json(app: &TestApp, path: &str, token: &str) -> Value {
    let r = api_get(app, path, token).await;
    assert_eq!(r.status(), StatusCode::OK, "{path}");
    r.json().await.unwrap()
}

async fn assert_unauthorised(r: reqwest::Response) {
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        r.headers()
            .get("www-authenticate")
            .unwrap()
            .to_str()
            .unwrap(),
        "Bearer"
    );
    assert_eq!(r.text().await.unwrap(), "", "no detail for a bad token");
}

async fn assert_problem(r: reqwest::Response, status: StatusCode, detail: &str) {
    assert_eq!(r.status(), status);
    assert_eq!(
        r.headers().get("content-type").unwrap().to_str().unwrap(),
        "application/problem+json"
    );
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["status"], status.as_u16());
    assert!(body["detail"].as_str().unwrap().contains(detail), "{body}");
}

async fn audit_actions(app: &TestApp) -> Vec<String> {
    audit_log::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect()
}

#[tokio::test]
async fn a_token_is_shown_once_stored_only_as_a_hash_and_stops_working_when_revoked() {
    let app = spawn_app().await;
    let (admin, _org) = org_with_admin(&app, "tok").await;
    let token = make_token(&admin, "tok", "ESR feed", "90").await;
    assert!(token.starts_with("ddk_") && token.len() > 40);

    let list = admin.get_html("/org/tok/api").await;
    assert!(list.contains("ESR feed") && list.contains("Active"));
    assert!(!list.contains(&token), "shown once only");
    assert!(
        columns_containing(&app.db, &token).await.is_empty(),
        "the token is nowhere in the database"
    );
    let stored = api_tokens::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        stored.token_hash,
        deepdive::services::sessions::hash_token(&token)
    );
    assert!(stored.last_used_at.is_none());

    let members = api_json(&app, "/api/v1/members", &token).await;
    assert_eq!(members["data"].as_array().unwrap().len(), 1, "{members}");
    let used = api_tokens::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert!(used.last_used_at.is_some(), "last use is recorded");
    assert!(
        !admin.get_html("/org/tok/api").await.contains(">Never<"),
        "the list shows when it was last used"
    );

    let r = admin
        .submit(
            "/org/tok/api",
            &format!("/org/tok/api/tokens/{}/revoke", stored.id),
            &[],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_unauthorised(api_get(&app, "/api/v1/members", &token).await).await;
    assert!(admin.get_html("/org/tok/api").await.contains("Revoked"));
    let actions = audit_actions(&app).await;
    assert!(actions.contains(&"org.api_token.create".to_string()));
    assert!(actions.contains(&"org.api_token.revoke".to_string()));
    // Revoking again, or a token id of nothing: 404.
    let r = admin
        .submit(
            "/org/tok/api",
            &format!("/org/tok/api/tokens/{}/revoke", stored.id),
            &[],
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_expired_token_a_made_up_one_and_a_logged_in_cookie_all_get_401() {
    let app = spawn_app_on(Clock::stopped(), |_| {}).await;
    let (admin, _) = org_with_admin(&app, "exp").await;
    let token = make_token(&admin, "exp", "Dashboard", "30").await;
    assert_eq!(
        api_get(&app, "/api/v1/members", &token).await.status(),
        StatusCode::OK
    );
    // The org admin's own browser, logged in with a session cookie, is not an API client.
    assert_unauthorised(admin.get("/api/v1/members").await).await;
    app.clock.advance(Duration::days(31));
    assert_unauthorised(api_get(&app, "/api/v1/members", &token).await).await;

    let made_up = format!("ddk_{}", "A".repeat(43));
    assert_unauthorised(api_get(&app, "/api/v1/members", &made_up).await).await;
    assert_unauthorised(api_get(&app, "/api/v1/members", "' OR 1=1 --").await).await;
    let no_header = reqwest::Client::new()
        .get(app.url("/api/v1/members"))
        .send()
        .await
        .unwrap();
    assert_unauthorised(no_header).await;
}

#[tokio::test]
async fn the_form_is_shown_again_with_what_was_typed_when_it_is_wrong() {
    let app = spawn_app().await;
    let (admin, _) = org_with_admin(&app, "form").await;
    let r = admin
        .submit(
            "/org/form/api",
            "/org/form/api/tokens",
            &[("name", ""), ("expires_in_days", "7")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("There is a problem"));
    assert!(html.contains("href=\"#token-name\"") && html.contains("href=\"#token-expires\""));
    let long = "x".repeat(81);
    let r = admin
        .submit(
            "/org/form/api",
            "/org/form/api/tokens",
            &[("name", &long), ("expires_in_days", "365")],
        )
        .await;
    let html = r.text().await.unwrap();
    assert!(
        html.contains(&format!("value=\"{long}\"")),
        "the typed name is kept"
    );
    assert!(html.contains("<option value=\"365\" selected>"));
    assert!(
        api_tokens::Entity::find()
            .all(&app.db)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn each_endpoint_returns_the_organisations_records_and_another_organisations_are_404() {
    let app = spawn_app().await;
    let (admin_a, org_a) = org_with_admin(&app, "trust-a").await;
    let (admin_b, org_b) = org_with_admin(&app, "trust-b").await;
    let (finisher, finisher_id) = org_learner(&app, org_a, "Fin Isher", None).await;
    finisher.complete_course().await;
    let stored = finisher.certificate_code().await.expect("a certificate");
    let code = deepdive::domain::CertificateCode::parse(&stored)
        .unwrap()
        .to_string();
    let (starter, _) = org_learner(&app, org_a, "Sta Rter", None).await;
    starter
        .complete_lesson("ai-fundamentals", "what-is-ai")
        .await;
    let (_outsider, outsider_id) = org_learner(&app, org_b, "Out Sider", None).await;
    let r = admin_a
        .submit(
            &format!("/org/trust-a/members/{finisher_id}/employee-number"),
            &format!("/org/trust-a/members/{finisher_id}/employee-number"),
            &[("employee_number", "12345678-2")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let token_a = make_token(&admin_a, "trust-a", "A", "").await;
    let token_b = make_token(&admin_b, "trust-b", "B", "").await;

    let members = api_json(&app, "/api/v1/members", &token_a).await;
    let names: Vec<&str> = members["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 3, "{members}");
    assert!(names.contains(&"Fin Isher") && !names.contains(&"Out Sider"));
    let fin = members["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "Fin Isher")
        .unwrap()
        .clone();
    assert_eq!(fin["employee_number"], "12345678-2");
    assert_eq!(fin["role"], "learner");
    let one = api_json(&app, &format!("/api/v1/members/{}", fin["id"]), &token_a).await;
    assert_eq!(one["email"], fin["email"]);

    let progress = api_json(&app, "/api/v1/progress", &token_a).await;
    let rows = progress["data"].as_array().unwrap();
    let fin_p = rows.iter().find(|r| r["name"] == "Fin Isher").unwrap();
    assert_eq!(fin_p["course_percent"], 100);
    assert!(fin_p["course_completed_at"].is_string());
    assert_eq!(fin_p["certificate_code"], code.as_str());
    assert_eq!(fin_p["modules"][0]["status"], "completed");
    let sta_p = rows.iter().find(|r| r["name"] == "Sta Rter").unwrap();
    assert_eq!(sta_p["modules"][0]["status"], "in_progress");
    assert!(sta_p["course_completed_at"].is_null());

    let completions = api_json(&app, "/api/v1/completions", &token_a).await;
    let rows = completions["data"].as_array().unwrap();
    let course = deepdive::course::load_course(&app.course_dir).unwrap();
    assert_eq!(
        rows.len(),
        course.modules.len(),
        "one per completed module: {completions}"
    );
    assert!(rows.iter().all(|r| {
        r["staff_name"] == "Fin Isher"
            && r["employee_number"] == "12345678-2"
            && r["certificate_code"] == code.as_str()
            && r["learning_hours"].is_null()
            && r["score_percent"]
                .as_i64()
                .is_some_and(|s| (0..=100).contains(&s))
    }));
    assert_eq!(rows[0]["module_title"], course.modules[0].title.as_str());

    let certs = api_json(&app, "/api/v1/certificates", &token_a).await;
    let c = &certs["data"][0];
    assert_eq!(c["code"], code.as_str());
    assert_eq!(c["status"], "valid");
    assert!(
        c["verify_url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/verify/{code}"))
    );
    let one = api_json(&app, &format!("/api/v1/certificates/{code}"), &token_a).await;
    assert_eq!(one["holder_name"], "Fin Isher");

    // Organisation B's token sees none of it.
    let b_members = api_json(&app, "/api/v1/members", &token_b).await;
    assert!(!b_members.to_string().contains("Fin Isher"));
    assert_eq!(
        api_json(&app, "/api/v1/certificates", &token_b).await["data"],
        Value::Array(vec![])
    );
    assert_eq!(
        api_json(&app, "/api/v1/completions", &token_b).await["data"],
        Value::Array(vec![])
    );
    assert_problem(
        api_get(&app, &format!("/api/v1/certificates/{code}"), &token_b).await,
        StatusCode::NOT_FOUND,
        "nothing",
    )
    .await;
    assert_problem(
        api_get(&app, &format!("/api/v1/members/{}", fin["id"]), &token_b).await,
        StatusCode::NOT_FOUND,
        "nothing",
    )
    .await;
    let outsider_member = org_members::Entity::find()
        .filter(org_members::Column::UserId.eq(outsider_id))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        api_get(
            &app,
            &format!("/api/v1/members/{}", outsider_member.id),
            &token_a
        )
        .await
        .status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn lists_are_paged_with_a_cursor_and_bad_queries_get_a_400_problem() {
    let app = spawn_app().await;
    let (admin, org) = org_with_admin(&app, "pages").await;
    for i in 0..4 {
        org_learner(&app, org, &format!("Person {i}"), None).await;
    }
    let token = make_token(&admin, "pages", "Pager", "90").await;
    let mut seen = Vec::new();
    let mut path = "/api/v1/members?limit=2".to_string();
    let mut pages = 0;
    loop {
        let page = api_json(&app, &path, &token).await;
        pages += 1;
        let data = page["data"].as_array().unwrap();
        assert!(data.len() <= 2);
        seen.extend(data.iter().map(|m| m["id"].as_i64().unwrap()));
        match page["next_cursor"].as_i64() {
            Some(c) => path = format!("/api/v1/members?limit=2&cursor={c}"),
            None => break,
        }
        assert!(pages < 10);
    }
    assert_eq!(pages, 3);
    let mut unique = seen.clone();
    unique.dedup();
    assert_eq!(seen.len(), 5, "every member once: {seen:?}");
    assert_eq!(unique, seen, "in ascending order, no repeats");
    let all = api_json(&app, "/api/v1/members?limit=500", &token).await;
    assert_eq!(all["data"].as_array().unwrap().len(), 5);

    for (query, says) in [
        ("limit=501", "limit"),
        ("limit=0", "limit"),
        ("limit=ten", "limit"),
        ("cursor=-1", "cursor"),
        ("cursor=99999999999", "cursor"),
        ("sort=name", "unknown query parameter"),
        ("limit=1&limit=2", "twice"),
    ] {
        assert_problem(
            api_get(&app, &format!("/api/v1/members?{query}"), &token).await,
            StatusCode::BAD_REQUEST,
            says,
        )
        .await;
    }
    let oversized = format!("/api/v1/completions?cursor={}", "9".repeat(400));
    assert_problem(
        api_get(&app, &oversized, &token).await,
        StatusCode::BAD_REQUEST,
        "longer",
    )
    .await;
    assert_problem(
        api_get(&app, "/api/v1/members/1?x=1", &token).await,
        StatusCode::BAD_REQUEST,
        "unknown query parameter",
    )
    .await;
}

#[tokio::test]
async fn each_token_has_its_own_rate_limit() {
    let app = spawn_app_on(Clock::stopped(), |s| s.api_rate_per_minute = 3).await;
    let (admin, _) = org_with_admin(&app, "rate").await;
    let first = make_token(&admin, "rate", "One", "90").await;
    let second = make_token(&admin, "rate", "Two", "90").await;
    for _ in 0..3 {
        assert_eq!(
            api_get(&app, "/api/v1/members", &first).await.status(),
            StatusCode::OK
        );
    }
    let r = api_get(&app, "/api/v1/members", &first).await;
    assert!(r.headers().get("retry-after").is_some());
    assert_problem(r, StatusCode::TOO_MANY_REQUESTS, "too many requests").await;
    assert_eq!(
        api_get(&app, "/api/v1/members", &second).await.status(),
        StatusCode::OK
    );
    app.clock.advance(Duration::minutes(1));
    assert_eq!(
        api_get(&app, "/api/v1/members", &first).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn the_openapi_document_describes_every_endpoint_and_other_addresses_answer_in_json() {
    let app = spawn_app().await;
    let r = app.get("/api/v1/openapi.json").await;
    assert_eq!(r.status(), StatusCode::OK);
    let doc: Value = r.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/v1/members",
        "/api/v1/members/{member_id}",
        "/api/v1/progress",
        "/api/v1/completions",
        "/api/v1/certificates",
        "/api/v1/certificates/{code}",
    ] {
        assert!(
            doc["paths"][path]["get"].is_object(),
            "{path} is documented"
        );
        assert!(doc["paths"][path]["get"]["responses"]["401"].is_object());
    }
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    let limit = doc["paths"]["/api/v1/members"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "limit")
        .unwrap()
        .clone();
    assert_eq!(limit["schema"]["maximum"], 500);

    assert_problem(
        app.get("/api/v1/nothing-here").await,
        StatusCode::NOT_FOUND,
        "nothing",
    )
    .await;
    let r = app
        .client
        .post(app.url("/api/v1/members"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers().get("allow").unwrap(), "GET");
    assert_problem(r, StatusCode::METHOD_NOT_ALLOWED, "read-only").await;
}

#[tokio::test]
async fn the_esr_csv_has_its_columns_a_byte_order_mark_and_defused_cells() {
    let app = spawn_app().await;
    let (admin, org) = org_with_admin(&app, "esr").await;
    let (learner, user_id) = org_learner(&app, org, "=HYPERLINK(\"http://evil\")", None).await;
    learner.complete_module("ai-fundamentals").await;
    org_learner(&app, org, "Not Started", None).await;
    deepdive::services::organisations::set_employee_number(&app.db, org, user_id, Some("E-1001"))
        .await
        .unwrap();
    let report = admin.get_html("/org/esr").await;
    assert!(report.contains("href=\"/org/esr/completions.csv\""));

    let r = admin.get("/org/esr/completions.csv").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let bytes = r.bytes().await.unwrap();
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "UTF-8 with a byte-order mark");
    let mut reader = csv::Reader::from_reader(&bytes[3..]);
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    assert_eq!(header, deepdive::services::records::ESR_CSV_HEADER.to_vec());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1, "one completed module, nobody else");
    let row = &rows[0];
    let col = |name: &str| &row[header.iter().position(|h| h == name).unwrap()];
    assert_eq!(col("employee_number"), "E-1001");
    assert_eq!(col("staff_name"), "'=HYPERLINK(\"http://evil\")");
    assert_eq!(col("module_number"), "1");
    let today = app.clock.now().format("%Y-%m-%d").to_string();
    assert_eq!(col("completion_date"), today, "ISO 8601 date");
    assert!(col("score_percent").parse::<u8>().is_ok_and(|s| s <= 100));
    assert_eq!(col("course_completion_date"), "");
    assert_eq!(col("learning_hours"), "", "not recorded yet");
    assert_eq!(col("certificate_code"), "", "no certificate for one module");
    assert!(
        audit_actions(&app)
            .await
            .contains(&"org.export".to_string())
    );
}

#[tokio::test]
async fn employee_numbers_are_imported_by_csv_and_edited_on_the_member_page() {
    let app = spawn_app().await;
    let (admin, org) = org_with_admin(&app, "staffno").await;
    let csv = "email,name,role,employee_number\nann@example.org,Ann,learner,12345678-2\nbob@example.org,Bob,,\n";
    let r = admin
        .submit(
            "/org/staffno/import",
            "/org/staffno/import",
            &[("csv", csv), ("action", "import")],
        )
        .await;
    assert!(r.status().is_success(), "{}", r.status());
    let numbers = |email: &'static str| {
        let app = &app;
        async move {
            let user = app.user(email).await;
            org_members::Entity::find()
                .filter(org_members::Column::OrgId.eq(org))
                .filter(org_members::Column::UserId.eq(user.id))
                .one(&app.db)
                .await
                .unwrap()
                .unwrap()
                .employee_number
        }
    };
    assert_eq!(
        numbers("ann@example.org").await.as_deref(),
        Some("12345678-2")
    );
    assert_eq!(numbers("bob@example.org").await, None);

    let bob = app.user("bob@example.org").await;
    let page = format!("/org/staffno/members/{}/employee-number", bob.id);
    let action = page.clone();
    let r = admin
        .submit(&page, &action, &[("employee_number", "=1+2")])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("There is a problem")
            && html.contains(&format!("value=\"{}\"", html_escaped("=1+2")))
    );
    assert_eq!(numbers("bob@example.org").await, None, "nothing saved");
    let r = admin
        .submit(&page, &action, &[("employee_number", " 99/7 ")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(admin.get_html(&location(&r)).await.contains(&format!(
        "data-employee-number=\"{}\"",
        html_escaped("99/7")
    )));
    assert!(
        audit_actions(&app)
            .await
            .contains(&"org.member.employee_number".to_string())
    );
    // Erasing the account keeps the membership (counts still add up) but not the number.
    use deepdive::services::privacy::{self, ErasedBy, ErasurePolicy};
    let policy = ErasurePolicy {
        retain_certificate_names: false,
    };
    privacy::erase_account(
        &app.db,
        &app.clock,
        bob.id,
        policy,
        ErasedBy::Retention,
        None,
    )
    .await
    .unwrap();
    let kept = org_members::Entity::find()
        .filter(org_members::Column::UserId.eq(bob.id))
        .one(&app.db)
        .await
        .unwrap()
        .expect("the membership stays");
    assert_eq!(kept.employee_number, None, "erased with the account");
    // Someone else's organisation: 404.
    let (other_admin, _) = org_with_admin(&app, "elsewhere").await;
    assert_eq!(
        other_admin
            .get(&format!("/org/elsewhere/members/{}", bob.id))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );

    // The command-line import reads the same column.
    deepdive::services::organisations::create(&app.db, "CLI", "cli-staffno", app.clock.now())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("staff.csv");
    std::fs::write(
        &file,
        "email,name,employee_number\ncat@example.org,Cat,C-77\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_deepdive"))
        .args(["import-users", "--org", "cli-staffno"])
        .arg(&file)
        .env("DEEPDIVE_DATA_DIR", &app.data_dir)
        .env("DATABASE_URL", app.database_url.clone().unwrap_or_default())
        .env("DEEPDIVE_COURSE_DIR", &app.course_dir)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cat = app.user("cat@example.org").await;
    let member = org_members::Entity::find()
        .filter(org_members::Column::UserId.eq(cat.id))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(member.employee_number.as_deref(), Some("C-77"));
}
