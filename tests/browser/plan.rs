use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::browser::{Browser, Js};
use crate::certificate::log_in;
use crate::helpers::*;

/// A learner in a cohort with a team plan fills every worksheet with the course's worked example
/// and submits the plan (done over HTTP); in the browser they read the plan page with every
/// picture and the team plan page, and their course lead reads the organisation's plans and the
/// review form, with its errors. Every page state passes axe-core, reflow and the page checks.
#[tokio::test]
async fn the_plan_pages_with_the_worked_example_pass_the_page_checks() {
    use deepdive::domain::import::MemberRole;
    use deepdive::services::organisations as orgs;
    let app = spawn_app().await;
    let email = app.new_learner().await;
    let lead = app.other_browser();
    let lead_email = lead.new_learner().await;
    let org = orgs::create(
        &app.db,
        "Northshire Hospitals NHS Trust",
        "northshire",
        app.clock.now(),
    )
    .await
    .unwrap();
    let cohort = orgs::create_cohort(
        &app.db,
        org.id,
        "Endoscopy",
        app.clock.now(),
        false,
        app.clock.now(),
    )
    .await
    .unwrap()
    .id;
    for (e, role, c) in [
        (&email, MemberRole::Learner, Some(cohort)),
        (&lead_email, MemberRole::OrgAdmin, None),
    ] {
        let user = app.user(e).await;
        orgs::add_member(&app.db, org.id, user.id, role, c, app.clock.now())
            .await
            .unwrap();
    }
    let r = lead
        .submit(
            "/org/northshire/plans",
            &format!("/org/northshire/cohorts/{cohort}/team-plan"),
            &[("enabled", "yes")],
        )
        .await;
    assert_eq!(r.status(), reqwest::StatusCode::SEE_OTHER);
    app.fill_worked_example().await;
    let r = app
        .submit(
            &format!("/plan/team?cohort={cohort}"),
            &format!("/plan/team/{cohort}/sections/ai-fundamentals/idea"),
            &[
                ("version", "0"),
                ("text", "Faster, safer vetting of endoscopy referrals"),
            ],
        )
        .await;
    assert_eq!(r.status(), reqwest::StatusCode::SEE_OTHER);
    let r = app.submit("/plan/submissions", "/plan/submit", &[]).await;
    assert_eq!(r.status(), reqwest::StatusCode::SEE_OTHER);
    let learner_id = app.user(&email).await.id;
    let submission = deepdive::entities::plan_submissions::Entity::find()
        .filter(deepdive::entities::plan_submissions::Column::UserId.eq(learner_id))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .id;
    let Some(b) = Browser::start(&app, Js::On, "js").await else {
        return;
    };

    log_in(&b, &email).await;
    b.goto("/plan").await;
    for picture in [".dd-canvas", ".dd-grid", ".dd-journey"] {
        assert!(b.exists(picture).await, "the plan page draws {picture}");
    }
    b.check("plan-worked-example", "Your AI project plan").await;
    b.goto("/plan/team").await;
    b.check("team-plan", "Team plan: Endoscopy").await;
    b.goto("/plan/submissions").await;
    b.check("plan-submissions", "Submit your plan").await;
    b.click_text("Log out").await;

    log_in(&b, &lead_email).await;
    b.goto("/org/northshire/plans").await;
    b.check("org-plans", "Northshire Hospitals NHS Trust: plans")
        .await;
    b.goto(&format!("/org/northshire/plans/{submission}")).await;
    b.check("org-plan-review", "Review: ").await;
    b.click_text("Save the review").await;
    assert!(
        b.exists(".nhsuk-error-summary").await,
        "ratings are required"
    );
    b.check("org-plan-review-errors", "Error: Review: ").await;
    b.goto(&format!("/plan/team?cohort={cohort}")).await;
    b.check("team-plan-facilitator", "Team plan: Endoscopy")
        .await;
    b.goto(&format!("/org/northshire/members/{learner_id}"))
        .await;
    b.check("org-learner-plan", "Northshire Hospitals NHS Trust: ")
        .await;
    b.quit().await;
}
