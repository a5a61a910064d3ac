//! Single sign-on against a real OpenID provider: npm `oidc-provider` (tests/oidc/provider.mjs),
//! started on loopback by each test, driven over HTTP through its own login and consent pages.
//! Each refusal must give a page with an error reference, an audit row with the client's address
//! and the same reference, and create nothing.
use deepdive::entities::{audit_log, line_managers, org_members, sessions, sso_identities, users};
use deepdive::services::sso::{self, NewProvider};
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use secrecy::SecretString;

use crate::helpers::*;

#[path = "../oidc/provider.rs"]
mod oidc;
use oidc::{Provider, ProviderConfig, form_of};

const SECRET: &str = "client-secret-that-must-never-show";

/// The app, a provider on loopback, and an organisation "trust-a" (domain trust-a.nhs.uk) using it.
struct World {
    app: TestApp,
    provider: Provider,
    keys: tempfile::TempDir,
    org_id: i32,
}

fn accounts() -> serde_json::Value {
    serde_json::json!({
        "alice": {"email": "alice@trust-a.nhs.uk", "email_verified": true, "name": "Alice Ward", "groups": ["Estates", "Ward 3"], "manager_email": "bob@trust-a.nhs.uk"},
        "bob": {"email": "bob@trust-a.nhs.uk", "email_verified": true, "name": "Bob Lane"},
        "unverified": {"email": "una@trust-a.nhs.uk", "email_verified": false, "name": "Una Verified"},
        "victim": {"email": "victim@trust-a.nhs.uk", "email_verified": true, "name": "Vic Tim"},
        // As Microsoft Entra ID sends work accounts: no email_verified, and with the optional
        // claim xms_edov (the tenant owns the domain) or without it.
        "entra": {"email": "eve@trust-a.nhs.uk", "xms_edov": true, "name": "Eve Entra"},
        "entra-no-edov": {"email": "ned@trust-a.nhs.uk", "name": "Ned Entra"},
    })
}

fn config(app: &TestApp, keys: &std::path::Path, kid: &str, ttl: u32) -> ProviderConfig {
    let redirect = app.url("/login/sso/callback");
    ProviderConfig {
        clients: serde_json::json!([
            {"client_id": "trust-a", "client_secret": SECRET, "redirect_uris": [redirect]},
            {"client_id": "attacker", "client_secret": "attacker-secret", "redirect_uris": [redirect]},
        ]),
        accounts: accounts(),
        keys_file: keys.join(format!("{kid}.json")),
        kid: kid.into(),
        id_token_ttl_seconds: ttl,
    }
}

fn provider_for(
    org: &str,
    issuer: &str,
    client_id: &str,
    secret: &str,
    domains: &[&str],
) -> NewProvider {
    NewProvider {
        org_slug: org.into(),
        issuer: issuer.into(),
        client_id: client_id.into(),
        client_secret: SecretString::from(secret.to_string()),
        domains: domains.iter().map(|d| d.to_string()).collect(),
        group_claim: Some("groups".into()),
        manager_claim: Some("manager_email".into()),
        default_cohort: Some("New starters".into()),
        require_sso: false,
    }
}

async fn world_with_ttl(ttl: u32) -> Option<World> {
    if !oidc::available() {
        return None;
    }
    let app = spawn_app().await;
    let keys = tempfile::tempdir().unwrap();
    let provider = Provider::start(oidc::free_port(), &config(&app, keys.path(), "k1", ttl));
    let org =
        deepdive::services::organisations::create(&app.db, "Trust A", "trust-a", app.clock.now())
            .await
            .unwrap();
    for cohort in ["New starters", "Ward 3"] {
        deepdive::services::organisations::create_cohort(
            &app.db,
            org.id,
            cohort,
            app.clock.now(),
            false,
            app.clock.now(),
        )
        .await
        .unwrap();
    }
    sso::add(
        &app.db,
        &app.clock,
        None,
        provider_for(
            "trust-a",
            &provider.issuer,
            "trust-a",
            SECRET,
            &["trust-a.nhs.uk"],
        ),
    )
    .await
    .unwrap();
    Some(World {
        app,
        provider,
        keys,
        org_id: org.id,
    })
}

async fn world() -> Option<World> {
    world_with_ttl(3600).await
}

/// A query parameter of a URL, as sent (still percent-encoded).
fn param(url: &str, name: &str) -> String {
    let query = url.split_once('?').map_or("", |(_, q)| q);
    query
        .split('&')
        .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no {name} in {url}"))
        .to_string()
}

fn absolute(base: &str, location: &str) -> String {
    if location.starts_with("http") {
        location.to_string()
    } else {
        format!("{base}{location}")
    }
}

/// Starts signing in as `email` on our login page: the provider's authorization URL.
async fn start(b: &TestApp, email: &str) -> String {
    start_with_next(b, email, "").await
}

/// As [`start`], with a `next` page to go on to after signing in.
async fn start_with_next(b: &TestApp, email: &str, next: &str) -> String {
    let r = b
        .submit(
            "/login/sso",
            "/login/sso",
            &[("email", email), ("next", next)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK, "POST /login/sso");
    let refresh = r.headers()["refresh"].to_str().unwrap().to_string();
    let page = r.text().await.unwrap();
    let to = between(&page, "id=\"onwards\" href=\"", "\"")
        .replace("&#x3D;", "=")
        .replace("&amp;", "&");
    assert_eq!(refresh, format!("0; url={to}"), "the page moves on at once");
    assert!(to.starts_with("http://127.0.0.1:"), "{to}");
    assert!(to.contains("code_challenge="), "PKCE challenge sent: {to}");
    assert!(to.contains("code_challenge_method=S256"), "{to}");
    assert!(to.contains("nonce=") && to.contains("state="), "{to}");
    to
}

/// Goes through the provider's pages from `auth_url` as the person `login`, and returns the URL
/// the provider sends the browser back to (our callback), without following it.
async fn through_provider(b: &TestApp, provider: &Provider, auth_url: &str, login: &str) -> String {
    let mut next = Some((auth_url.to_string(), None::<Vec<(String, String)>>));
    for _ in 0..12 {
        let Some((url, form)) = next.take() else {
            break;
        };
        let r = match form {
            None => b.client.get(&url).send().await.unwrap(),
            Some(fields) => {
                let body: String = form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(fields.iter().map(|(k, v)| (k.as_str(), v.as_str())))
                    .finish();
                b.client
                    .post(&url)
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(body)
                    .send()
                    .await
                    .unwrap()
            }
        };
        if r.status().is_redirection() {
            let to = absolute(&provider.issuer, &location(&r));
            if to.starts_with(&b.address) {
                return to;
            }
            next = Some((to, None));
            continue;
        }
        let html = r.text().await.unwrap();
        let (action, mut fields) = form_of(&html);
        for (name, value) in &mut fields {
            match name.as_str() {
                "login" => *value = login.to_string(),
                "password" => *value = "any password".to_string(),
                _ => {}
            }
        }
        next = Some((absolute(&provider.issuer, &action), Some(fields)));
    }
    panic!("the provider never sent the browser back");
}

/// The whole journey; returns our callback's response.
async fn sign_in(b: &TestApp, provider: &Provider, email: &str, login: &str) -> reqwest::Response {
    let auth = start(b, email).await;
    let back = through_provider(b, provider, &auth, login).await;
    b.client.get(&back).send().await.unwrap()
}

async fn users_count(app: &TestApp) -> u64 {
    users::Entity::find().count(&app.db).await.unwrap()
}

/// The refusal page's reference, checked against the newest audit row.
async fn assert_refused(
    app: &TestApp,
    r: reqwest::Response,
    status: StatusCode,
    words: &str,
    reason: &str,
) {
    assert_eq!(r.status(), status);
    let html = r.text().await.unwrap();
    assert!(html.contains("You could not be signed in"), "{html}");
    assert!(html.contains(words), "page says {words:?}: {html}");
    let reference = between(&html, "class=\"dd-error-reference\">", "</strong>");
    assert_eq!(reference.len(), 10, "a reference is shown: {html}");
    let row = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("sso.login_failure"))
        .order_by_desc(audit_log::Column::Id)
        .one(&app.db)
        .await
        .unwrap()
        .expect("the refusal is audited");
    let detail = row.detail.unwrap_or_default();
    assert!(detail.contains(&reference), "{detail}");
    assert!(detail.contains(reason), "audit says {reason:?}: {detail}");
    assert_eq!(row.ip.as_deref(), Some("127.0.0.1"));
    assert!(!detail.contains(SECRET));
}

#[tokio::test]
async fn the_first_sign_in_through_the_provider_creates_the_account_in_its_organisation_and_cohort()
{
    let Some(w) = world().await else { return };
    let b = w.app.other_browser();
    let before = users_count(&w.app).await;
    let r = sign_in(&b, &w.provider, "alice@trust-a.nhs.uk", "alice").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/dashboard");
    assert!(set_cookie(&r, "dd_session").is_some());
    let dashboard = b.get("/dashboard").await;
    assert_eq!(dashboard.status(), StatusCode::OK);
    assert!(dashboard.text().await.unwrap().contains("Alice Ward"));

    assert_eq!(users_count(&w.app).await, before + 1);
    let alice = w.app.user("alice@trust-a.nhs.uk").await;
    let member = org_members::Entity::find()
        .filter(org_members::Column::UserId.eq(alice.id))
        .one(&w.app.db)
        .await
        .unwrap()
        .expect("a member of the organisation");
    assert_eq!(member.org_id, w.org_id);
    let ward3 = deepdive::services::organisations::cohort_by_name(&w.app.db, w.org_id, "Ward 3")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        member.cohort_id,
        Some(ward3.id),
        "the groups claim chose the cohort"
    );
    let created = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("account.register"))
        .filter(audit_log::Column::Target.eq(format!("user:{}", alice.id)))
        .one(&w.app.db)
        .await
        .unwrap()
        .unwrap();
    assert!(created.detail.unwrap().contains("account created"));
    assert_eq!(created.ip.as_deref(), Some("127.0.0.1"));

    // Bob has no group that names a cohort: the default cohort.
    let bob_browser = w.app.other_browser();
    let r = sign_in(&bob_browser, &w.provider, "bob@trust-a.nhs.uk", "bob").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let bob = w.app.user("bob@trust-a.nhs.uk").await;
    let starters =
        deepdive::services::organisations::cohort_by_name(&w.app.db, w.org_id, "New starters")
            .await
            .unwrap()
            .unwrap();
    let bob_member = deepdive::services::organisations::member(&w.app.db, w.org_id, bob.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(bob_member.cohort_id, Some(starters.id));

    // Signing in again finds the same account.
    b.logout().await;
    let again = sign_in(&b, &w.provider, "alice@trust-a.nhs.uk", "alice").await;
    assert_eq!(again.status(), StatusCode::SEE_OTHER);
    assert_eq!(users_count(&w.app).await, before + 2);
    let links = sso_identities::Entity::find()
        .filter(sso_identities::Column::UserId.eq(alice.id))
        .count(&w.app.db)
        .await
        .unwrap();
    assert_eq!(links, 1);
}

#[tokio::test]
async fn the_providers_manager_claim_sets_the_line_manager_once_they_are_a_member() {
    let Some(w) = world().await else { return };
    let alices = w.app.other_browser();
    let r = sign_in(&alices, &w.provider, "alice@trust-a.nhs.uk", "alice").await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "a manager we do not know yet is no error"
    );
    let alice = w.app.user("alice@trust-a.nhs.uk").await;
    let manager_of_alice = || {
        line_managers::Entity::find()
            .filter(line_managers::Column::ReportId.eq(alice.id))
            .one(&w.app.db)
    };
    assert!(manager_of_alice().await.unwrap().is_none());

    let bobs = w.app.other_browser();
    let r = sign_in(&bobs, &w.provider, "bob@trust-a.nhs.uk", "bob").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let again = w.app.other_browser();
    let r = sign_in(&again, &w.provider, "alice@trust-a.nhs.uk", "alice").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let bob = w.app.user("bob@trust-a.nhs.uk").await;
    let row = manager_of_alice()
        .await
        .unwrap()
        .expect("Bob manages Alice");
    assert_eq!(row.manager_id, bob.id);
    assert_eq!(row.org_id, w.org_id);
    assert_eq!(bobs.get("/team").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn logging_out_ends_our_session_and_offers_the_providers_sign_out_once() {
    let Some(w) = world().await else { return };
    let b = w.app.other_browser();
    let r = sign_in(&b, &w.provider, "alice@trust-a.nhs.uk", "alice").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(b.get("/dashboard").await.status(), StatusCode::OK);

    let out = b.logout().await;
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&out), "/signed-out");
    let page = b.get_html("/signed-out").await;
    let end = format!("href=\"{}/session/end?client_id", w.provider.issuer);
    assert!(
        page.contains(&end),
        "the provider's end-session URL is offered, naming our client: {page}"
    );
    // The provider itself takes the link: it answers with its own sign-out page.
    let start = page.find(&end).unwrap() + "href=\"".len();
    let link = page[start..]
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&")
        .replace("&#x3D;", "=");
    let answer = reqwest::get(&link).await.unwrap();
    assert!(answer.status().is_success(), "{link}: {}", answer.status());
    assert!(
        !b.get_html("/signed-out")
            .await
            .contains("provider-sign-out"),
        "once"
    );
    assert_eq!(
        b.get("/dashboard").await.status(),
        StatusCode::SEE_OTHER,
        "our session ended"
    );

    // Someone who logged in with a password goes home, as before.
    let local = w.app.other_browser();
    local.new_learner().await;
    assert_eq!(location(&local.logout().await), "/");
}

/// Code injection: a code stolen from the victim's answer, sent with the attacker's own sign-in
/// in progress, is refused (PKCE: the code was issued for the victim's challenge).
#[tokio::test]
async fn a_code_from_another_browsers_answer_is_refused() {
    let Some(w) = world().await else { return };
    let before = users_count(&w.app).await;
    let victim = w.app.other_browser();
    let auth = start(&victim, "victim@trust-a.nhs.uk").await;
    let victims_answer = through_provider(&victim, &w.provider, &auth, "victim").await;
    let attacker = w.app.other_browser();
    let auth = start(&attacker, "bob@trust-a.nhs.uk").await;
    let attackers_answer = through_provider(&attacker, &w.provider, &auth, "bob").await;
    let stolen = param(&victims_answer, "code");
    let own = param(&attackers_answer, "code");
    let injected = attackers_answer.replace(&format!("code={own}"), &format!("code={stolen}"));
    assert_ne!(injected, attackers_answer);
    let r = attacker.client.get(&injected).send().await.unwrap();
    assert!(set_cookie(&r, "dd_session").is_none());
    assert_refused(
        &w.app,
        r,
        StatusCode::BAD_REQUEST,
        "an answer we could not trust",
        "the provider refused the code",
    )
    .await;
    assert_eq!(users_count(&w.app).await, before);
}

#[tokio::test]
async fn after_signing_in_only_a_local_next_page_is_followed() {
    let Some(w) = world().await else { return };
    for (next, lands) in [
        ("/account", "/account"),
        ("//evil.example/x", "/dashboard"),
        ("https://evil.example/", "/dashboard"),
        ("/\\evil.example", "/dashboard"),
    ] {
        let b = w.app.other_browser();
        let auth = start_with_next(&b, "alice@trust-a.nhs.uk", next).await;
        assert!(!auth.contains("evil.example"), "{auth}");
        let back = through_provider(&b, &w.provider, &auth, "alice").await;
        let r = b.client.get(&back).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "next {next:?}");
        assert_eq!(location(&r), lands, "next {next:?}");
    }
}

#[tokio::test]
async fn a_wrong_state_or_a_replayed_answer_is_refused_with_a_reference_and_creates_nothing() {
    let Some(w) = world().await else { return };
    let b = w.app.other_browser();
    let before = users_count(&w.app).await;
    let auth = start(&b, "alice@trust-a.nhs.uk").await;
    let back = through_provider(&b, &w.provider, &auth, "alice").await;
    let state = param(&back, "state");
    let forged = back.replace(&format!("state={state}"), "state=forged-by-someone-else");
    let r = b.client.get(&forged).send().await.unwrap();
    assert_refused(
        &w.app,
        r,
        StatusCode::BAD_REQUEST,
        "could not be completed",
        "state does not match",
    )
    .await;
    assert_eq!(users_count(&w.app).await, before);
    // The attempt was used up by the forged answer: the real one no longer works either.
    let r = b.client.get(&back).send().await.unwrap();
    assert_refused(
        &w.app,
        r,
        StatusCode::BAD_REQUEST,
        "could not be completed",
        "no sign-in in progress",
    )
    .await;
    assert_eq!(users_count(&w.app).await, before);

    // A good sign-in, then the same answer replayed from another browser and from this one.
    let auth = start(&b, "alice@trust-a.nhs.uk").await;
    let back = through_provider(&b, &w.provider, &auth, "alice").await;
    let ok = b.client.get(&back).send().await.unwrap();
    assert_eq!(ok.status(), StatusCode::SEE_OTHER);
    let sessions_after_login = sessions::Entity::find().count(&w.app.db).await.unwrap();
    let thief = w.app.other_browser();
    let r = thief.client.get(&back).send().await.unwrap();
    assert_refused(
        &w.app,
        r,
        StatusCode::BAD_REQUEST,
        "could not be completed",
        "no sign-in in progress",
    )
    .await;
    let r = b.client.get(&back).send().await.unwrap();
    assert_refused(
        &w.app,
        r,
        StatusCode::BAD_REQUEST,
        "could not be completed",
        "no sign-in in progress",
    )
    .await;
    assert_eq!(users_count(&w.app).await, before + 1);
    assert_eq!(
        sessions::Entity::find().count(&w.app.db).await.unwrap(),
        sessions_after_login
    );
}

#[tokio::test]
async fn an_id_token_made_for_another_nonce_is_refused() {
    let Some(w) = world().await else { return };
    let b = w.app.other_browser();
    let before = users_count(&w.app).await;
    let auth = start(&b, "alice@trust-a.nhs.uk").await;
    let nonce = param(&auth, "nonce");
    let tampered = auth.replace(&format!("nonce={nonce}"), "nonce=an-attackers-nonce");
    let back = through_provider(&b, &w.provider, &tampered, "alice").await;
    let r = b.client.get(&back).send().await.unwrap();
    assert_refused(
        &w.app,
        r,
        StatusCode::BAD_REQUEST,
        "could not trust",
        "nonce",
    )
    .await;
    assert_eq!(users_count(&w.app).await, before);
}

/// The provider issues ID tokens valid for 30 seconds; our clock is moved two minutes on
/// between the provider's answer and the callback.
#[tokio::test]
async fn an_expired_id_token_is_refused() {
    let Some(w) = world_with_ttl(30).await else {
        return;
    };
    let b = w.app.other_browser();
    let before = users_count(&w.app).await;
    let auth = start(&b, "alice@trust-a.nhs.uk").await;
    let back = through_provider(&b, &w.provider, &auth, "alice").await;
    w.app.clock.advance(chrono::Duration::seconds(120));
    let r = b.client.get(&back).send().await.unwrap();
    assert_refused(
        &w.app,
        r,
        StatusCode::BAD_REQUEST,
        "could not trust",
        "expired",
    )
    .await;
    assert_eq!(users_count(&w.app).await, before);
}

/// A second provider instance on the same address signs with other keys under the same key id:
/// its tokens fail the signature check against the keys we fetched. A third with a new key id
/// (a rotation) makes us fetch the key set again, and works.
#[tokio::test]
async fn an_id_token_signed_with_other_keys_is_refused_and_a_rotated_key_is_fetched() {
    let Some(mut w) = world().await else { return };
    let b = w.app.other_browser();
    let ok = sign_in(&b, &w.provider, "alice@trust-a.nhs.uk", "alice").await;
    assert_eq!(
        ok.status(),
        StatusCode::SEE_OTHER,
        "keys fetched and cached"
    );
    let mut impostor = config(&w.app, w.keys.path(), "k1", 3600);
    impostor.keys_file = w.keys.path().join("impostor.json");
    w.provider.restart(&impostor);
    let before = users_count(&w.app).await;
    let bob = w.app.other_browser();
    let r = sign_in(&bob, &w.provider, "bob@trust-a.nhs.uk", "bob").await;
    assert_refused(
        &w.app,
        r,
        StatusCode::BAD_REQUEST,
        "could not trust",
        "signature",
    )
    .await;
    assert_eq!(users_count(&w.app).await, before);

    w.app.clock.advance(chrono::Duration::seconds(61));
    w.provider
        .restart(&config(&w.app, w.keys.path(), "k2", 3600));
    let r = sign_in(&bob, &w.provider, "bob@trust-a.nhs.uk", "bob").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "the new key was fetched");
    assert_eq!(users_count(&w.app).await, before + 1);
}

#[tokio::test]
async fn an_unknown_domain_or_an_unreachable_provider_gets_a_clear_page_and_nothing_is_created() {
    let Some(w) = world().await else { return };
    let b = w.app.other_browser();
    let before = users_count(&w.app).await;
    let r = b
        .submit(
            "/login/sso",
            "/login/sso",
            &[("email", "someone@elsewhere.example")],
        )
        .await;
    assert_refused(
        &w.app,
        r,
        StatusCode::BAD_REQUEST,
        "does not sign in here",
        "no provider for this e-mail domain",
    )
    .await;

    deepdive::services::organisations::create(&w.app.db, "Trust D", "trust-d", w.app.clock.now())
        .await
        .unwrap();
    let down = format!("http://127.0.0.1:{}", oidc::free_port());
    let mut p = provider_for("trust-d", &down, "d", "d-secret", &["trust-d.nhs.uk"]);
    p.default_cohort = None;
    sso::add(&w.app.db, &w.app.clock, None, p).await.unwrap();
    let r = b
        .submit(
            "/login/sso",
            "/login/sso",
            &[("email", "dee@trust-d.nhs.uk")],
        )
        .await;
    assert_refused(
        &w.app,
        r,
        StatusCode::BAD_GATEWAY,
        "could not reach",
        "provider unreachable",
    )
    .await;
    assert_eq!(users_count(&w.app).await, before);
    let attempts = deepdive::entities::sso_attempts::Entity::find()
        .count(&w.app.db)
        .await
        .unwrap();
    assert_eq!(attempts, 0, "no sign-in was started");
}

#[tokio::test]
async fn an_email_address_the_provider_has_not_verified_is_refused() {
    let Some(w) = world().await else { return };
    let b = w.app.other_browser();
    let before = users_count(&w.app).await;
    let r = sign_in(&b, &w.provider, "una@trust-a.nhs.uk", "unverified").await;
    assert_refused(
        &w.app,
        r,
        StatusCode::BAD_REQUEST,
        "verified email",
        "not verified",
    )
    .await;
    assert_eq!(users_count(&w.app).await, before);
}

#[tokio::test]
async fn an_entra_work_account_without_email_verified_signs_in_only_with_its_domain_owner_claim() {
    let Some(w) = world().await else { return };
    let before = users_count(&w.app).await;
    let b = w.app.other_browser();
    let r = sign_in(&b, &w.provider, "ned@trust-a.nhs.uk", "entra-no-edov").await;
    assert_refused(
        &w.app,
        r,
        StatusCode::BAD_REQUEST,
        "verified email",
        "not verified",
    )
    .await;
    assert_eq!(users_count(&w.app).await, before);

    let b = w.app.other_browser();
    let r = sign_in(&b, &w.provider, "eve@trust-a.nhs.uk", "entra").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/dashboard");
    assert_eq!(users_count(&w.app).await, before + 1);
    w.app.user("eve@trust-a.nhs.uk").await;
}

/// Both organisations use the same issuer (as NHSmail's tenants would), told apart by domain.
#[tokio::test]
async fn an_attackers_provider_cannot_sign_in_another_organisations_staff() {
    let Some(w) = world().await else { return };
    deepdive::services::organisations::create(
        &w.app.db,
        "Attackers",
        "attackers",
        w.app.clock.now(),
    )
    .await
    .unwrap();
    let mut grab = provider_for(
        "attackers",
        &w.provider.issuer,
        "attacker",
        "attacker-secret",
        &["evil.example", "TRUST-A.nhs.uk"],
    );
    grab.default_cohort = None;
    let err = sso::add(&w.app.db, &w.app.clock, None, grab)
        .await
        .unwrap_err();
    assert!(
        matches!(err, sso::ConfigError::DomainTaken(ref d) if d == "trust-a.nhs.uk"),
        "{err}"
    );
    let mut own = provider_for(
        "attackers",
        &w.provider.issuer,
        "attacker",
        "attacker-secret",
        &["evil.example"],
    );
    own.default_cohort = None;
    sso::add(&w.app.db, &w.app.clock, None, own).await.unwrap();

    // The attacker's provider vouches for a Trust A address, starting from an attacker's address.
    let before = users_count(&w.app).await;
    let b = w.app.other_browser();
    let r = sign_in(&b, &w.provider, "mallory@evil.example", "victim").await;
    assert_refused(
        &w.app,
        r,
        StatusCode::BAD_REQUEST,
        "cannot be used for this email",
        "domain not allowed",
    )
    .await;
    assert_eq!(users_count(&w.app).await, before);
    assert_eq!(
        b.get("/dashboard").await.status(),
        StatusCode::SEE_OTHER,
        "not signed in"
    );
}

#[tokio::test]
async fn an_existing_local_account_is_linked_only_after_its_password_is_proved() {
    let Some(w) = world().await else { return };
    let b = w.app.other_browser();
    assert_eq!(
        b.register("alice@trust-a.nhs.uk", "Alice Local", PASSWORD)
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    b.logout().await;
    let before = users_count(&w.app).await;
    let r = sign_in(&b, &w.provider, "alice@trust-a.nhs.uk", "alice").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/login/sso/link");
    assert_eq!(
        b.get("/dashboard").await.status(),
        StatusCode::SEE_OTHER,
        "no session before the password"
    );
    let page = b.get_html("/login/sso/link").await;
    assert!(page.contains("alice@trust-a.nhs.uk"));
    let wrong = b
        .submit(
            "/login/sso/link",
            "/login/sso/link",
            &[("password", "not the password at all")],
        )
        .await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert!(
        wrong
            .text()
            .await
            .unwrap()
            .contains("Enter the correct password")
    );
    let alice = w.app.user("alice@trust-a.nhs.uk").await;
    let linked = || async {
        sso_identities::Entity::find()
            .filter(sso_identities::Column::UserId.eq(alice.id))
            .count(&w.app.db)
            .await
            .unwrap()
    };
    assert_eq!(linked().await, 0);
    let right = b
        .submit(
            "/login/sso/link",
            "/login/sso/link",
            &[("password", PASSWORD)],
        )
        .await;
    assert_eq!(right.status(), StatusCode::SEE_OTHER);
    assert_eq!(b.get("/dashboard").await.status(), StatusCode::OK);
    assert_eq!(linked().await, 1);
    assert_eq!(users_count(&w.app).await, before, "no second account");

    // From now on the provider alone signs Alice in.
    b.logout().await;
    let r = sign_in(&b, &w.provider, "alice@trust-a.nhs.uk", "alice").await;
    assert_eq!(location(&r), "/dashboard");
}

#[tokio::test]
async fn the_client_secret_never_shows_on_the_admin_page_in_the_audit_log_or_in_exports() {
    let Some(w) = world().await else { return };
    let admin = w.app.other_browser();
    let email = admin.new_learner().await;
    let secret = admin.make_platform_admin(&email).await;
    admin.logout().await;
    admin.login(&email, PASSWORD).await;
    let code = admin.totp_now(&secret);
    admin
        .submit("/login/code", "/login/code", &[("code", &code)])
        .await;
    let page = admin.get_html("/admin/sso").await;
    assert!(
        page.contains("trust-a.nhs.uk") && page.contains(&w.provider.issuer),
        "{page}"
    );
    assert!(
        page.contains("/login/sso/callback"),
        "shows the redirect URI"
    );
    assert!(!page.contains(SECRET));
    let b = w.app.other_browser();
    sign_in(&b, &w.provider, "alice@trust-a.nhs.uk", "alice").await;
    let export = b.get("/account/export.json").await.text().await.unwrap();
    assert!(export.contains("alice@trust-a.nhs.uk"));
    assert!(!export.contains(SECRET));
    for row in audit_log::Entity::find().all(&w.app.db).await.unwrap() {
        assert!(!row.detail.unwrap_or_default().contains(SECRET));
    }
    let holding = columns_containing(&w.app.db, SECRET).await;
    assert_eq!(holding, vec!["sso_providers.client_secret".to_string()]);
}

#[tokio::test]
async fn an_organisation_that_requires_single_sign_on_refuses_its_members_passwords() {
    let app = spawn_app().await;
    let org =
        deepdive::services::organisations::create(&app.db, "Trust R", "trust-r", app.clock.now())
            .await
            .unwrap();
    let (member, _) = org_learner(&app, org.id, "Rhys Member", None).await;
    let email = {
        let page = member.get_html("/account").await;
        assert!(page.contains("Rhys Member"));
        deepdive::entities::users::Entity::find()
            .filter(users::Column::Name.eq("Rhys Member"))
            .one(&app.db)
            .await
            .unwrap()
            .unwrap()
            .email
    };
    member.logout().await;
    let outsider = app.other_browser();
    let outsider_email = outsider.new_learner().await;
    outsider.logout().await;
    let mut p = provider_for(
        "trust-r",
        "https://login.example.org/tenant/v2.0",
        "r",
        "r-secret",
        &["trust-r.nhs.uk"],
    );
    p.default_cohort = None;
    p.require_sso = true;
    sso::add(&app.db, &app.clock, None, p).await.unwrap();

    let r = member.login(&email, PASSWORD).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("Trust R asks you to sign in with your organisation"),
        "{page}"
    );
    assert!(page.contains("/login/sso"));
    assert_eq!(
        member.get("/dashboard").await.status(),
        StatusCode::SEE_OTHER,
        "no session"
    );
    let row = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("login.failure"))
        .order_by_desc(audit_log::Column::Id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert!(row.detail.unwrap().contains("requires single sign-on"));
    // Someone who is not a member logs in with their password as before.
    assert_eq!(
        outsider.login(&outsider_email, PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(outsider.get("/dashboard").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn sso_add_list_and_remove_work_from_the_command_line_without_showing_the_secret() {
    use std::process::Command;
    let data = tempfile::tempdir().unwrap();
    let database = fresh_database().await;
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_deepdive"))
            .env("DEEPDIVE_DATA_DIR", data.path())
            .env("DEEPDIVE_COURSE_DIR", course_dir())
            .env(
                "DATABASE_URL",
                database
                    .as_ref()
                    .map(|d| d.url().to_string())
                    .unwrap_or_default(),
            )
            .args(args)
            .output()
            .unwrap()
    };
    assert!(
        run(&["create-org", "--name", "Trust C", "--slug", "trust-c"])
            .status
            .success()
    );
    let secret_file = data.path().join("secret.txt");
    std::fs::write(&secret_file, format!("{SECRET}\n")).unwrap();
    let secret_path = secret_file.to_str().unwrap();
    let out = run(&[
        "sso",
        "add",
        "--org",
        "trust-c",
        "--issuer",
        "https://login.microsoftonline.com/tenant-c/v2.0",
        "--client-id",
        "app-c",
        "--client-secret-file",
        secret_path,
        "--domains",
        "trust-c.nhs.uk,Trust-C.nhs.net",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let again = run(&[
        "sso",
        "add",
        "--org",
        "trust-c",
        "--issuer",
        "https://login.example.org",
        "--client-id",
        "x",
        "--client-secret-file",
        secret_path,
        "--domains",
        "other.example",
    ]);
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already has a provider"));
    let list = run(&["sso", "list"]);
    let listed = String::from_utf8_lossy(&list.stdout);
    assert!(listed.contains("trust-c\thttps://login.microsoftonline.com/tenant-c/v2.0\tclient app-c\tdomains trust-c.nhs.net,trust-c.nhs.uk"), "{listed}");
    assert!(!listed.contains(SECRET) && !String::from_utf8_lossy(&list.stderr).contains(SECRET));
    assert!(run(&["sso", "remove", "--org", "trust-c"]).status.success());
    assert!(
        String::from_utf8_lossy(&run(&["sso", "list"]).stdout)
            .trim()
            .is_empty()
    );
    assert_eq!(
        run(&["sso", "remove", "--org", "trust-c"]).status.code(),
        Some(1)
    );
}
