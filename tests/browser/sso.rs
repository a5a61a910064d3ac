use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::browser::{Browser, Js};
use crate::helpers::spawn_app;
use crate::oidc::{self, Provider, ProviderConfig};

/// A member of staff signs in with their organisation's account: from our log-in page, through
/// the real provider's own log-in and consent pages, back to their dashboard in their cohort.
#[tokio::test]
async fn a_member_of_staff_signs_in_with_their_organisations_account() {
    if !oidc::available() {
        return;
    }
    let app = spawn_app().await;
    let keys = tempfile::tempdir().unwrap();
    let provider = Provider::start(
        oidc::free_port(),
        &ProviderConfig {
            clients: serde_json::json!([{
                "client_id": "northshire",
                "client_secret": "browser-test-secret",
                "redirect_uris": [app.url("/login/sso/callback")],
            }]),
            accounts: serde_json::json!({
                // The login name is the address we pass as `login_hint`, already in the form.
                "priya.shah@northshire.nhs.uk": {"email": "priya.shah@northshire.nhs.uk", "email_verified": true, "name": "Priya Shah"},
            }),
            keys_file: keys.path().join("keys.json"),
            kid: "k1".into(),
            id_token_ttl_seconds: 3600,
        },
    );
    let org = deepdive::services::organisations::create(
        &app.db,
        "Northshire Hospitals",
        "northshire",
        app.clock.now(),
    )
    .await
    .unwrap();
    deepdive::services::organisations::create_cohort(
        &app.db,
        org.id,
        "Theatres",
        app.clock.now(),
        false,
        app.clock.now(),
    )
    .await
    .unwrap();
    deepdive::services::sso::add(
        &app.db,
        &app.clock,
        None,
        deepdive::services::sso::NewProvider {
            org_slug: "northshire".into(),
            issuer: provider.issuer.clone(),
            client_id: "northshire".into(),
            client_secret: secrecy::SecretString::from("browser-test-secret".to_string()),
            domains: vec!["northshire.nhs.uk".into()],
            group_claim: None,
            manager_claim: None,
            default_cohort: Some("Theatres".into()),
            require_sso: false,
        },
    )
    .await
    .unwrap();
    let Some(b) = Browser::start(&app, Js::On, "sso").await else {
        return;
    };

    b.goto("/login").await;
    b.check("login", "Log in").await;
    b.click_text("Sign in with your organisation").await;
    b.check("sso-start", "Sign in with your organisation").await;
    b.click_text("Continue").await;
    assert!(
        b.exists(".nhsuk-error-summary").await,
        "an empty address is refused"
    );
    b.check("sso-start-error", "Error: Sign in with your organisation")
        .await;
    b.fill("#email", "priya.shah@northshire.nhs.uk").await;
    b.click_in_page("main button[type=submit]").await;
    until_path(&b, |p| p.starts_with("/interaction/")).await;
    // The provider's own pages (its development log-in and consent forms), not ours.
    b.fill("input[name=password]", "her own password").await;
    b.click_in_page("button[type=submit]").await;
    // The consent page: the provider's form without a password field.
    for _ in 0..200 {
        if b.path().await.starts_with("/interaction/")
            && !b.exists("input[name=password]").await
            && b.exists("button[type=submit]").await
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    b.click_in_page("button[type=submit]").await;
    until_path(&b, |p| p == "/dashboard").await;
    assert_eq!(b.path().await, "/dashboard");
    assert!(
        b.text("header").await.contains("Priya Shah") || b.body_text().await.contains("Priya Shah")
    );
    b.check("sso-dashboard", "").await;

    // Priya line manages two colleagues (from the bulk import's manager_email column).
    let text = "email,name,manager_email\nali.khan@northshire.nhs.uk,Ali Khan,priya.shah@northshire.nhs.uk\nbea.jones@northshire.nhs.uk,Bea Jones,priya.shah@northshire.nhs.uk\n";
    let rows = deepdive::domain::import::parse("staff.csv", text).unwrap();
    let cohort = deepdive::services::organisations::cohort_by_name(&app.db, org.id, "Theatres")
        .await
        .unwrap()
        .map(|c| c.id);
    deepdive::services::organisations::import(
        &app.db,
        &app.state.course.slug,
        org.id,
        cohort,
        &rows,
        app.clock.now(),
        None,
    )
    .await
    .unwrap();
    b.goto("/team").await;
    assert!(b.body_text().await.contains("Bea Jones"));
    b.check("team", "Your team").await;
    b.click_text("Ali Khan").await;
    b.check("team-person", "Ali Khan").await;

    // As an org admin she sees who manages whom, and a mistake keeps what she typed.
    let priya = deepdive::entities::users::Entity::find()
        .filter(deepdive::entities::users::Column::Email.eq("priya.shah@northshire.nhs.uk"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    deepdive::services::organisations::add_member(
        &app.db,
        org.id,
        priya.id,
        deepdive::domain::MemberRole::OrgAdmin,
        None,
        app.clock.now(),
    )
    .await
    .unwrap();
    b.goto("/org/northshire/line-managers").await;
    b.check("line-managers", "Line managers").await;
    b.fill("#email", "bea.jones@northshire.nhs.uk").await;
    b.fill("#manager_email", "nobody@elsewhere.example").await;
    b.click_in_page("main button[type=submit]").await;
    assert!(b.exists(".nhsuk-error-summary").await);
    b.check("line-managers-error", "Error: Line managers").await;

    b.click_text("Log out").await;
    until_path(&b, |p| p == "/signed-out").await;
    assert!(b.exists("#provider-sign-out").await);
    b.check("signed-out", "You have logged out").await;

    b.goto("/login/sso/callback?state=forged&code=stolen").await;
    b.check("sso-failed", "You could not be signed in").await;
    assert!(b.text(".dd-error-reference").await.len() == 10);
    b.quit().await;
    drop(provider);
}

/// Waits (up to 20 s) until the browser is on a page whose path passes `ok`; returns it.
async fn until_path(b: &Browser, ok: impl Fn(&str) -> bool) -> String {
    for _ in 0..200 {
        let p = b.path().await;
        if ok(&p) {
            return p;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("stuck on {}: {}", b.path().await, b.body_text().await);
}
