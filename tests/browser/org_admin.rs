use crate::browser::{Browser, Js};
use crate::certificate::{log_in, log_in_with_code};
use crate::helpers::spawn_app;

/// A platform admin sets up an organisation and appoints its course lead in /admin; the lead
/// imports staff by pasting a CSV (with a mistake first, then previewed and imported) and reads the
/// progress report, the quiz insight and the audit log.
#[tokio::test]
async fn an_org_admin_imports_staff_from_a_pasted_csv_and_reads_the_report() {
    let app = spawn_app().await;
    let admin_email = app.new_learner().await;
    let secret = app.make_platform_admin(&admin_email).await;
    let lead_email = app.other_browser().new_learner().await;
    let Some(b) = Browser::start(&app, Js::On, "js").await else {
        return;
    };

    log_in_with_code(&b, &app, &admin_email, &secret).await;
    b.click("header a[href='/admin']").await;
    b.check("admin", "Admin").await;
    b.fill("#org-name", "Northshire Hospitals NHS Trust").await;
    b.fill("#org-slug", "northshire").await;
    b.click_text("Create organisation").await;
    b.goto("/admin").await;
    b.fill("#appoint-northshire", &lead_email).await;
    b.click_text("Appoint").await;
    assert_eq!(b.path().await, "/org/northshire");
    b.click_text("Log out").await;

    log_in(&b, &lead_email).await;
    b.click("main a[href='/org/northshire']").await;
    b.check(
        "org-report-empty",
        "Northshire Hospitals NHS Trust: progress",
    )
    .await;
    b.click(".dd-subnav a[href$='/import']").await;
    b.check("org-import", "Add staff").await;
    assert_eq!(
        b.text(".dd-subnav a[aria-current='page']").await,
        "Add staff"
    );

    b.fill("#csv", "email,name,role\nnot-an-email,Bad Row,learner\n")
        .await;
    b.click_text("Check the list").await;
    assert!(b.exists(".nhsuk-error-summary").await);
    b.check("org-import-errors", "Error: Add staff").await;

    let csv = "email,name,role\n\
               ann.smith@example.nhs.uk,Ann Smith,learner\n\
               bob.jones@example.nhs.uk,Bob Jones,learner\n\
               cat.lee@example.nhs.uk,Cat Lee,org_admin\n";
    b.fill("#csv", csv).await;
    b.click_text("Check the list").await;
    assert_eq!(b.find_all("main tbody tr").await.len(), 3);
    b.check("org-import-preview", "Check and add staff").await;
    b.click_text("Import 3 people").await;
    let added = b.text("main").await;
    assert!(added.contains("Staff added"), "{added}");
    assert!(added.contains("/activate/"), "{added}");
    b.check("org-import-done", "Staff added").await;

    b.click(".dd-subnav a[href='/org/northshire']").await;
    let report = b.text(".dd-report").await;
    for name in ["Ann Smith", "Bob Jones", "Cat Lee"] {
        assert!(report.contains(name), "{name} in {report}");
    }
    b.check("org-report", "Northshire Hospitals NHS Trust: progress")
        .await;
    b.click(".dd-subnav a[href$='/quiz']").await;
    b.check("org-insight", "Quiz questions").await;
    b.click(".dd-subnav a[href$='/audit']").await;
    let audit = b.text("main").await;
    assert!(audit.contains("Staff imported"), "{audit}");
    b.check("org-audit", "Audit log").await;
    b.quit().await;
}
