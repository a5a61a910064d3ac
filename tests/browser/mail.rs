use deepdive::entities::{outbox, users};
use deepdive::messages::Kind;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::browser::{Browser, Js};
use crate::certificate::log_in;
use crate::helpers::spawn_app_with;

/// The pages an e-mail leads to, and an e-mail itself as a mail client shows it: "Forgotten your
/// password?", the answer, the reset e-mail's HTML part, the page its link opens, an unsubscribe
/// link (genuine, used, and forged) and the e-mail preferences all pass the checks (axe WCAG 2.2 AA,
/// reflow, screenshots).
#[tokio::test]
async fn the_pages_an_email_leads_to_and_the_email_itself_pass_the_accessibility_checks() {
    // A mail server that never answers: messages wait in the outbox, where the test reads them.
    let app = spawn_app_with(|s| {
        s.smtp = Some((
            "smtp://127.0.0.1:9".into(),
            "AI Deep Dive <noreply@deepdive.test>".into(),
        ));
    })
    .await;
    let email = app.new_learner().await;
    let Some(b) = Browser::start(&app, Js::On, "js").await else {
        return;
    };

    b.goto("/login").await;
    b.click_text("Forgotten your password?").await;
    b.check("password-reset", "Reset your password").await;
    b.fill("#email", "not an address").await;
    b.click_text("Send me a link").await;
    b.check("password-reset-error", "Error: Reset your password")
        .await;
    b.fill("#email", &email).await;
    b.click_text("Send me a link").await;
    b.check("password-reset-sent", "Check your e-mail").await;

    let message = outbox::Entity::find()
        .filter(outbox::Column::ToAddress.eq(email.as_str()))
        .one(&app.state.db)
        .await
        .unwrap()
        .expect("the reset e-mail is in the outbox");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("reset.html");
    std::fs::write(&file, &message.html_body).unwrap();
    b.client
        .goto(&format!("file://{}", file.display()))
        .await
        .unwrap();
    b.axe("email-password-reset-html").await;
    b.screenshots("email-password-reset-html").await;
    let link = message
        .text_body
        .split_whitespace()
        .find(|w| w.contains("/activate/"))
        .expect("the link is in the text part")
        .to_string();
    let path = &link[link.find("/activate/").unwrap()..];
    b.goto(path).await;
    b.check("reset-from-email", "Set your password").await;

    let user = users::Entity::find()
        .filter(users::Column::Email.eq(email.as_str()))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let key = deepdive::services::secrets::get_or_create(
        &app.state.db,
        deepdive::services::unsubscribe::SECRET,
        &app.clock,
    )
    .await
    .unwrap();
    let token =
        deepdive::services::unsubscribe::token(&key, user.id, Kind::DueSoon, app.clock.now());
    b.goto(&format!("/unsubscribe/{token}")).await;
    b.check("unsubscribe", "Unsubscribe").await;
    b.click("main form button[type=submit]").await;
    let done = b.text("main h1").await;
    assert_eq!(done, "You have unsubscribed");
    b.check("unsubscribed", "Unsubscribe").await;
    b.goto("/unsubscribe/forged-token").await;
    assert_eq!(b.text("main h1").await, "This link does not work");
    b.check("unsubscribe-forged", "Unsubscribe").await;

    log_in(&b, &email).await;
    b.goto("/account/notifications").await;
    b.check("email-preferences", "E-mails you get").await;
    b.quit().await;
}
