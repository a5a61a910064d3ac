//! Rendered documents are kept in memory: a cached PDF or .docx must never outlive a change to
//! anything it shows (the answers, the holder's name, the time zone, where the plan stands).
use chrono::{TimeZone, Utc};
use reqwest::StatusCode;

use crate::helpers::*;
use deepdive::clock::Clock;

const MODULE: &str = "practicalities";
const PROMPT: &str = "data-needed";

async fn plan_pdf(b: &TestApp) -> PdfText {
    let r = b.get("/plan.pdf").await;
    assert_eq!(r.status(), StatusCode::OK);
    pdf_text(&r.bytes().await.unwrap())
}

async fn plan_docx(b: &TestApp) -> String {
    let r = b.get("/plan.docx").await;
    assert_eq!(r.status(), StatusCode::OK);
    crate::plan_export::docx_text(&r.bytes().await.unwrap())
}

async fn certificate_pdf(b: &TestApp, code: &str) -> PdfText {
    let r = b.get(&format!("/certificates/{code}.pdf")).await;
    assert_eq!(r.status(), StatusCode::OK);
    pdf_text(&r.bytes().await.unwrap())
}

#[tokio::test]
async fn an_edit_to_the_plan_changes_the_pdf_and_the_docx_served_next() {
    let app = spawn_app().await;
    app.new_learner().await;
    let r = app
        .save_worksheet(MODULE, &[(PROMPT, "Referral letters from the old system")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let first = app.get("/plan.pdf").await.bytes().await.unwrap();
    assert!(pdf_text(&first).contains("Referral letters from the old system"));
    assert!(
        plan_docx(&app)
            .await
            .contains("Referral letters from the old system")
    );
    let again = app.get("/plan.pdf").await.bytes().await.unwrap();
    assert_eq!(first, again, "the same plan gives the same file");

    let r = app
        .save_worksheet(MODULE, &[(PROMPT, "Vetting decisions since 2024")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    let pdf = plan_pdf(&app).await;
    assert!(pdf.contains("Vetting decisions since 2024"), "{pdf}");
    assert!(!pdf.contains("Referral letters from the old system"));
    let docx = plan_docx(&app).await;
    assert!(docx.contains("Vetting decisions since 2024"), "{docx}");
    assert!(!docx.contains("Referral letters from the old system"));
}

#[tokio::test]
async fn two_learners_with_the_same_answers_each_get_a_plan_pdf_with_their_own_name() {
    let app = spawn_app().await;
    let asha = app.other_browser();
    let ben = app.other_browser();
    for (b, name) in [(&asha, "Asha Patel"), (&ben, "Ben Okoro")] {
        let email = format!("{}@example.nhs.uk", uuid::Uuid::new_v4().simple());
        assert_eq!(
            b.register(&email, name, PASSWORD).await.status(),
            StatusCode::SEE_OTHER
        );
        let r = b
            .save_worksheet(MODULE, &[(PROMPT, "The same answer")])
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
    }

    let a = plan_pdf(&asha).await;
    let b = plan_pdf(&ben).await;

    assert!(a.contains("Asha Patel") && !a.contains("Ben Okoro"), "{a}");
    assert!(b.contains("Ben Okoro") && !b.contains("Asha Patel"), "{b}");
}

#[tokio::test]
async fn the_plan_pdf_of_a_new_day_carries_the_new_date() {
    let app = spawn_app_on(Clock::stopped(), |_| {}).await;
    app.clock
        .advance(Utc.with_ymd_and_hms(2026, 12, 1, 23, 55, 0).unwrap() - app.clock.now());
    app.new_learner().await;
    assert!(plan_pdf(&app).await.contains("1 December 2026"));

    app.clock.advance(chrono::Duration::minutes(10));

    let pdf = plan_pdf(&app).await;
    assert!(
        pdf.contains("2 December 2026") && !pdf.contains("1 December 2026"),
        "{pdf}"
    );
}

#[tokio::test]
async fn the_certificate_pdf_follows_the_holders_time_zone_and_plan_submission() {
    // 8pm on 1 December in London is 5am on 2 December in Tokyo.
    let app = spawn_app_on(Clock::stopped(), |_| {}).await;
    app.clock
        .advance(Utc.with_ymd_and_hms(2026, 12, 1, 20, 0, 0).unwrap() - app.clock.now());
    let (admin, org) = org_with_admin(&app, "tokyo").await;
    let (member, _) = org_learner(&app, org, "Kenji Sato", None).await;
    member.complete_course().await;
    let code = member.certificate_code().await.expect("a certificate");
    let pdf = certificate_pdf(&member, &code).await;
    assert!(pdf.contains("on 1 December 2026"), "{pdf}");
    assert!(!pdf.contains("waiting for review"));

    let r = admin
        .submit(
            "/org/tokyo/cohorts",
            "/org/tokyo/time-zone",
            &[("time_zone", "Asia/Tokyo")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let pdf = certificate_pdf(&member, &code).await;
    // The modules' completion dates are written into the certificate when it is issued; its
    // issue and expiry dates follow the holder's zone.
    assert!(
        pdf.contains("on 2 December 2026") && !pdf.contains("on 1 December 2026"),
        "{pdf}"
    );
    assert!(pdf.contains("Valid until 2 December 2029"), "{pdf}");

    let r = member
        .save_worksheet(MODULE, &[(PROMPT, "Referral letters")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = member
        .submit("/plan/submissions", "/plan/submit", &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let pdf = certificate_pdf(&member, &code).await;
    assert!(pdf.contains("waiting for review"), "{pdf}");
}
