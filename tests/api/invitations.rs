//! Invitations that work: every way in from an invitation keeps it, registering or logging in
//! through one joins at once, and the dashboard says what was joined.
use reqwest::StatusCode;

use crate::helpers::*;
use deepdive::services::organisations as orgs;

/// An organisation "Trust inv" with a cohort "Wave 1" and an open invitation to it; returns the token.
async fn invitation(app: &TestApp) -> String {
    let (admin, org) = org_with_admin(app, "inv").await;
    let cohort = orgs::create_cohort(
        &app.db,
        org,
        "Wave 1",
        app.clock.now(),
        false,
        app.clock.now(),
    )
    .await
    .unwrap();
    let r = admin
        .submit(
            "/org/inv",
            "/org/inv/invitations",
            &[("cohort", &cohort.id.to_string()), ("days", "7")],
        )
        .await;
    let page = admin.get_html(&location(&r)).await;
    let start = page.find("/invite/").unwrap() + "/invite/".len();
    page[start..start + 43].to_string()
}

/// The `href` of the header link with this text.
fn header_link(html: &str, text: &str) -> String {
    let header = between(html, "<header", "</header>");
    let end = header.find(&format!(">{text}</a>")).expect("header link");
    let start = header[..end].rfind("href=\"").unwrap() + "href=\"".len();
    header[start..end - 1]
        .replace("&#x3D;", "=")
        .replace("&amp;", "&")
}

#[tokio::test]
async fn the_header_links_on_an_invitation_keep_it_and_registering_through_them_joins_at_once() {
    let app = spawn_app().await;
    let token = invitation(&app).await;
    let newcomer = app.other_browser();
    let invite = newcomer.get_html(&format!("/invite/{token}")).await;
    let encoded = format!("%2Finvite%2F{token}");
    let register = header_link(&invite, "Create an account");
    assert_eq!(register, format!("/register?next={encoded}"));
    assert_eq!(
        header_link(&invite, "Log in"),
        format!("/login?next={encoded}")
    );

    // The registration page keeps it too: in its own header, its "Log in" link and its form.
    let form = newcomer.get_html(&register).await.replace("&#x3D;", "=");
    assert!(form.contains("accept your invitation"), "{form}");
    assert_eq!(
        header_link(&form, "Log in"),
        format!("/login?next={encoded}")
    );
    assert!(form.contains(&format!("href=\"/login?next={encoded}\"")));

    let r = newcomer
        .submit(
            &register,
            "/register",
            &[
                ("email", "new@example.org"),
                ("name", "New Person"),
                ("password", PASSWORD),
                ("next", &format!("/invite/{token}")),
            ],
        )
        .await;
    assert_eq!(location(&r), "/dashboard?joined=inv");
    let dashboard = newcomer.get_html("/dashboard?joined=inv").await;
    assert!(
        dashboard.contains("You joined Trust inv, in the cohort Wave 1"),
        "{dashboard}"
    );
    let user = app.user("new@example.org").await;
    let org = orgs::by_slug(&app.db, "inv").await.unwrap().unwrap();
    assert!(
        orgs::member(&app.db, org.id, user.id)
            .await
            .unwrap()
            .is_some()
    );
}

#[tokio::test]
async fn logging_in_from_an_invitation_joins_at_once_without_a_second_press() {
    let app = spawn_app().await;
    let token = invitation(&app).await;
    let existing = app.other_browser();
    let email = existing.new_learner().await;
    existing.logout().await;
    let next = format!("/invite/{token}");
    let login_page = format!("/login?next=%2Finvite%2F{token}");
    let page = existing.get_html(&login_page).await.replace("&#x3D;", "=");
    assert!(page.contains("accept your invitation"));
    assert!(page.contains(&format!("href=\"/register?next=%2Finvite%2F{token}\"")));
    let r = existing
        .submit(
            &login_page,
            "/login",
            &[("email", &email), ("password", PASSWORD), ("next", &next)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/dashboard?joined=inv");
    let dashboard = existing.get_html("/dashboard?joined=inv").await;
    assert!(dashboard.contains("You joined Trust inv, in the cohort Wave 1"));
    // The dashboard goes on naming the organisation and cohort, without the banner.
    let later = existing.get_html("/dashboard").await;
    assert!(!later.contains("You joined"));
    assert!(later.contains("Trust inv"), "{later}");
}

#[tokio::test]
async fn the_joined_banner_names_only_an_organisation_the_learner_belongs_to() {
    let app = spawn_app().await;
    let _ = invitation(&app).await;
    let outsider = app.other_browser();
    outsider.new_learner().await;
    let page = outsider.get_html("/dashboard?joined=inv").await;
    assert!(!page.contains("You joined"));
    assert!(!page.contains("Trust inv"));
}
