//! Team plans (one plan a cohort writes together, with versions and history), submitting a plan,
//! the org admin's review, and a course that makes the submitted plan a condition of the certificate.
use reqwest::StatusCode;
use sea_orm::{EntityTrait, PaginatorTrait};

use crate::helpers::*;
use deepdive::entities::{team_plan_sections, team_plan_versions};

const MODULE: &str = "ai-fundamentals";

fn first_prompt(app: &TestApp) -> String {
    let course = deepdive::course::load_course(&app.course_dir).unwrap();
    course.module(MODULE).unwrap().worksheet.prompts[0]
        .id
        .clone()
}

fn section_path(cohort: i32, prompt: &str) -> String {
    format!("/plan/team/{cohort}/sections/{MODULE}/{prompt}")
}

/// The hidden `version` of the form that posts to `action`.
fn version_in(html: &str, action: &str) -> String {
    let form = html
        .find(&format!("action=\"{action}\""))
        .unwrap_or_else(|| panic!("no form for {action}"));
    hidden(&html[form..], "version")
}

struct Team {
    admin: TestApp,
    slug: String,
    org_id: i32,
    cohort: i32,
}

/// An organisation with an admin and a cohort whose team plan the admin has turned on.
async fn team(app: &TestApp, slug: &str) -> Team {
    let (admin, org_id) = org_with_admin(app, slug).await;
    let cohort = deepdive::services::organisations::create_cohort(
        &app.db,
        org_id,
        "Endoscopy",
        app.clock.now(),
        false,
        app.clock.now(),
    )
    .await
    .unwrap()
    .id;
    let r = admin
        .submit(
            &format!("/org/{slug}/plans"),
            &format!("/org/{slug}/cohorts/{cohort}/team-plan"),
            &[("enabled", "yes")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    Team {
        admin,
        slug: slug.to_string(),
        org_id,
        cohort,
    }
}

async fn save(
    member: &TestApp,
    cohort: i32,
    prompt: &str,
    version: &str,
    text: &str,
) -> reqwest::Response {
    member
        .submit(
            &format!("/plan/team?cohort={cohort}"),
            &section_path(cohort, prompt),
            &[("version", version), ("text", text)],
        )
        .await
}

#[tokio::test]
async fn a_second_save_from_the_same_version_is_refused_with_409_showing_both_texts() {
    let app = spawn_app().await;
    let t = team(&app, "trust-a").await;
    let (asha, _) = org_learner(&app, t.org_id, "Asha Patel", Some(t.cohort)).await;
    let (ben, _) = org_learner(&app, t.org_id, "Ben Okoro", Some(t.cohort)).await;
    let prompt = first_prompt(&app);
    let action = section_path(t.cohort, &prompt);
    // Both open the plan before either saves.
    let asha_page = asha.get_html("/plan/team").await;
    let ben_page = ben
        .get_html(&format!("/plan/team?cohort={}", t.cohort))
        .await;
    let asha_version = version_in(&asha_page, &action);
    let ben_version = version_in(&ben_page, &action);
    assert_eq!(asha_version, ben_version);

    let r = save(
        &asha,
        t.cohort,
        &prompt,
        &asha_version,
        "Referral letters pile up for days",
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = save(
        &ben,
        t.cohort,
        &prompt,
        &ben_version,
        "Patients wait six weeks for a test",
    )
    .await;

    assert_eq!(r.status(), StatusCode::CONFLICT);
    let body = r.text().await.unwrap();
    assert!(
        body.contains("Referral letters pile up for days"),
        "theirs is shown"
    );
    assert!(
        body.contains("Patients wait six weeks for a test"),
        "mine is kept in the form"
    );
    assert!(body.contains("Asha Patel"), "who saved first is named");
    let page = ben.get_html("/plan/team").await;
    assert!(page.contains("Referral letters pile up for days"));
    assert!(
        !page.contains("Patients wait six weeks"),
        "nothing of the stale save was written"
    );
    assert!(page.contains("Last changed by Asha Patel"));
    // Saving again from the version the refusal showed replaces theirs, knowingly.
    let fresh = version_in(&body, &action);
    let r = save(
        &ben,
        t.cohort,
        &prompt,
        &fresh,
        "Patients wait six weeks for a test",
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = asha.get_html("/plan/team").await;
    assert!(page.contains("Patients wait six weeks for a test"));
    assert!(page.contains("Last changed by Ben Okoro"));
}

#[tokio::test]
async fn every_saved_version_of_a_section_is_listed_in_its_history_with_who_saved_it() {
    let app = spawn_app().await;
    let t = team(&app, "trust-h").await;
    let (asha, _) = org_learner(&app, t.org_id, "Asha Patel", Some(t.cohort)).await;
    let (ben, _) = org_learner(&app, t.org_id, "Ben Okoro", Some(t.cohort)).await;
    let prompt = first_prompt(&app);
    let action = section_path(t.cohort, &prompt);
    let r = save(&asha, t.cohort, &prompt, "0", "First draft of the problem").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let v = version_in(&ben.get_html("/plan/team").await, &action);
    assert_eq!(v, "1");
    let r = save(&ben, t.cohort, &prompt, &v, "Second draft, with numbers").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    let history = asha.get_html(&format!("{action}/history")).await;

    let second = history
        .find("Second draft, with numbers")
        .expect("version 2 listed");
    let first = history
        .find("First draft of the problem")
        .expect("version 1 listed");
    assert!(second < first, "newest first");
    assert!(history.contains("Version 2") && history.contains("Version 1"));
    assert!(history.contains("Saved by Ben Okoro") && history.contains("Saved by Asha Patel"));
    assert_eq!(
        team_plan_versions::Entity::find()
            .count(&app.db)
            .await
            .unwrap(),
        2
    );
    // The facilitator reads the history too; the team plan export has the current text.
    let admin_history = t.admin.get_html(&format!("{action}/history")).await;
    assert!(admin_history.contains("First draft of the problem"));
    let md = asha
        .get(&format!("/plan/team.md?cohort={}", t.cohort))
        .await;
    assert_eq!(md.status(), StatusCode::OK);
    let md = md.text().await.unwrap();
    assert!(md.contains("# Team AI project plan: Endoscopy"));
    assert!(md.contains("Second draft, with numbers"));
    assert!(!md.contains("First draft"));
    let pdf = asha
        .get(&format!("/plan/team.pdf?cohort={}", t.cohort))
        .await;
    assert_eq!(pdf.status(), StatusCode::OK);
    let text = pdf_text(&pdf.bytes().await.unwrap());
    assert!(text.contains("Second draft, with numbers"));
    assert!(text.contains("Endoscopy"));
}

#[tokio::test]
async fn the_team_plan_docx_holds_the_team_answers_and_every_section_heading() {
    let app = spawn_app().await;
    let t = team(&app, "trust-w").await;
    let (asha, _) = org_learner(&app, t.org_id, "Asha Patel", Some(t.cohort)).await;
    let (ben, _) = org_learner(&app, t.org_id, "Ben Okoro", Some(t.cohort)).await;
    let prompt = first_prompt(&app);
    let r = save(
        &asha,
        t.cohort,
        &prompt,
        "0",
        "Vetting referrals takes ten days",
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let route = "/plan/team/{c}/sections/launching-your-ai-experiment/build-buy-collaborate"
        .replace("{c}", &t.cohort.to_string());
    let r = ben
        .submit(
            &format!("/plan/team?cohort={}", t.cohort),
            &route,
            &[
                ("version", "0"),
                ("text", "Collaborate with the University of Anytown"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let url = format!("/plan/team.docx?cohort={}", t.cohort);

    let r = ben.get(&url).await;

    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        r.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    );
    assert_eq!(
        r.headers()["content-disposition"],
        "attachment; filename=\"team-ai-project-plan.docx\""
    );
    let docx = crate::plan_export::docx_text(&r.bytes().await.unwrap());
    assert!(docx.contains("Vetting referrals takes ten days"), "{docx}");
    assert!(docx.contains("Collaborate with the University of Anytown"));
    assert!(docx.contains("The Endoscopy cohort, Trust trust-w"));
    let course = deepdive::course::load_course(&app.course_dir).unwrap();
    for (n, s) in course.plan.sections.iter().enumerate() {
        let heading = format!("{}. {}", n + 1, s.title);
        assert!(docx.contains(&heading), "docx: {heading}");
    }
    for case in ["Strategic case", "Commercial case", "Management case"] {
        assert!(docx.contains(case), "docx: {case}");
    }
    assert!(
        docx.contains("Sections still empty"),
        "the empty ones are named"
    );
    // The facilitator may download it; someone outside the cohort may not.
    assert_eq!(t.admin.get(&url).await.status(), StatusCode::OK);
    let (outsider, _) = org_learner(&app, t.org_id, "Cara Jones", None).await;
    assert_eq!(outsider.get(&url).await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn only_the_cohort_and_its_org_admins_can_open_a_team_plan() {
    let app = spawn_app().await;
    let t = team(&app, "trust-c").await;
    let (member, _) = org_learner(&app, t.org_id, "Member", Some(t.cohort)).await;
    let other_cohort = deepdive::services::organisations::create_cohort(
        &app.db,
        t.org_id,
        "Radiology",
        app.clock.now(),
        false,
        app.clock.now(),
    )
    .await
    .unwrap()
    .id;
    let (neighbour, _) = org_learner(&app, t.org_id, "Neighbour", Some(other_cohort)).await;
    let elsewhere = team(&app, "trust-d").await;
    let (stranger, _) =
        org_learner(&app, elsewhere.org_id, "Stranger", Some(elsewhere.cohort)).await;
    let platform = app.other_browser();
    let email = platform.new_learner().await;
    app.make_platform_admin(&email).await;
    let prompt = first_prompt(&app);
    let r = save(&member, t.cohort, &prompt, "0", "Our shared problem").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let plan = format!("/plan/team?cohort={}", t.cohort);
    let history = format!("{}/history", section_path(t.cohort, &prompt));
    let md = format!("/plan/team.md?cohort={}", t.cohort);

    assert!(member.get_html(&plan).await.contains("Our shared problem"));
    let facilitator = t.admin.get_html(&plan).await;
    assert!(facilitator.contains("Our shared problem"));
    assert!(
        facilitator.contains("Only the cohort"),
        "the admin reads, without forms"
    );
    for outsider in [&neighbour, &stranger, &elsewhere.admin, &platform] {
        for path in [&plan, &history, &md] {
            assert_eq!(
                outsider.get(path).await.status(),
                StatusCode::NOT_FOUND,
                "{path}"
            );
        }
    }
    // Writing: another cohort's member gets 404, the facilitator 403, and nothing changes.
    let token = csrf_token(&neighbour.get_html("/dashboard").await);
    let r = neighbour
        .post_raw(
            &section_path(t.cohort, &prompt),
            &[
                ("version", "1"),
                ("text", "Overwritten"),
                ("csrf_token", &token),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = save(&t.admin, t.cohort, &prompt, "1", "Overwritten").await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(!member.get_html(&plan).await.contains("Overwritten"));
    // With no cohort of their own, /plan/team is not found.
    assert_eq!(
        neighbour.get("/plan/team").await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_team_plan_switch_needs_the_csrf_token_and_off_hides_the_plan_from_members() {
    let app = spawn_app().await;
    let t = team(&app, "trust-s").await;
    let (member, _) = org_learner(&app, t.org_id, "Member", Some(t.cohort)).await;
    let toggle = format!("/org/{}/cohorts/{}/team-plan", t.slug, t.cohort);
    assert_eq!(member.get("/plan/team").await.status(), StatusCode::OK);

    let r = t.admin.post_raw(&toggle, &[("enabled", "no")]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "no token");
    assert_eq!(member.get("/plan/team").await.status(), StatusCode::OK);
    let plans = format!("/org/{}/plans", t.slug);
    let r = t
        .admin
        .submit(&plans, &toggle, &[("enabled", "maybe")])
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = t.admin.submit(&plans, &toggle, &[("enabled", "no")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    assert_eq!(
        member.get("/plan/team").await.status(),
        StatusCode::NOT_FOUND
    );
    let page = t.admin.get_html(&plans).await;
    assert!(page.contains("Turn the team plan on"));
    let plan = format!("/plan/team?cohort={}", t.cohort);
    assert_eq!(
        t.admin.get(&plan).await.status(),
        StatusCode::OK,
        "the admin still reads it"
    );
    // Another organisation's admin cannot switch this cohort.
    let other = team(&app, "trust-t").await;
    let r = other
        .admin
        .submit(
            &format!("/org/{}/plans", other.slug),
            &toggle,
            &[("enabled", "yes")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = other
        .admin
        .submit(
            &format!("/org/{}/plans", other.slug),
            &format!("/org/{}/cohorts/{}/team-plan", other.slug, t.cohort),
            &[("enabled", "yes")],
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::NOT_FOUND,
        "a cohort of another organisation"
    );
    assert_eq!(
        member.get("/plan/team").await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_too_long_or_unknown_section_is_refused_with_the_typed_text_kept_and_nothing_saved() {
    let app = spawn_app().await;
    let t = team(&app, "trust-b").await;
    let (member, _) = org_learner(&app, t.org_id, "Member", Some(t.cohort)).await;
    let prompt = first_prompt(&app);
    let course = deepdive::course::load_course(&app.course_dir).unwrap();
    let max = course.module(MODULE).unwrap().worksheet.prompts[0].max_chars;
    let long = format!("{}tail-marker", "x".repeat(max));

    let r = save(&member, t.cohort, &prompt, "0", &long).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.unwrap();
    assert!(body.contains("Shorten your text"));
    assert!(body.contains("tail-marker"), "the typed text is kept");

    let r = member
        .submit(
            "/plan/team",
            &format!("/plan/team/{}/sections/{MODULE}/no-such-prompt", t.cohort),
            &[
                ("version", "0"),
                ("text", "Text for a section that is gone"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let body = r.text().await.unwrap();
    assert!(body.contains("no such section"));
    assert!(body.contains("Text for a section that is gone"));
    let r = save(&member, t.cohort, &prompt, "not-a-number", "Text").await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        team_plan_sections::Entity::find()
            .count(&app.db)
            .await
            .unwrap(),
        0
    );
}

#[tokio::test]
async fn a_member_copies_their_own_answer_into_the_team_plan() {
    let app = spawn_app().await;
    let t = team(&app, "trust-p").await;
    let (member, _) = org_learner(&app, t.org_id, "Member", Some(t.cohort)).await;
    let prompt = first_prompt(&app);
    let r = member
        .save_worksheet(MODULE, &[(&prompt, "My own idea, written alone")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let action = format!("{}/copy", section_path(t.cohort, &prompt));
    let page = member.get_html("/plan/team").await;
    assert!(page.contains("Copy my own answer here"));

    let r = member
        .submit(
            "/plan/team",
            &action,
            &[("version", &version_in(&page, &action))],
        )
        .await;

    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = member.get_html("/plan/team").await;
    assert!(page.contains("My own idea, written alone"));
    // The private plan is untouched.
    assert!(
        member
            .get_html("/plan")
            .await
            .contains("My own idea, written alone")
    );
}

#[tokio::test]
async fn an_org_admin_reviews_a_submitted_plan_and_the_learner_reads_the_review() {
    let app = spawn_app().await;
    let t = team(&app, "trust-r").await;
    let (learner, learner_id) = org_learner(&app, t.org_id, "Chidi Evans", None).await;
    let prompt = first_prompt(&app);
    let r = learner
        .submit("/plan/submissions", "/plan/submit", &[])
        .await;
    assert_eq!(
        r.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "an empty plan"
    );
    let r = learner
        .save_worksheet(MODULE, &[(&prompt, "Frozen answer for review")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = learner
        .submit("/plan/submissions", "/plan/submit", &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // Later changes do not change the submitted version.
    learner
        .save_worksheet(MODULE, &[(&prompt, "Changed after submitting")])
        .await;
    let list = t.admin.get_html(&format!("/org/{}/plans", t.slug)).await;
    assert!(list.contains("Chidi Evans") && list.contains("waiting for review"));
    let report = t.admin.get_html(&format!("/org/{}", t.slug)).await;
    assert!(
        report.contains("data-plan=\"submitted\""),
        "the org report shows it"
    );
    let member_page = format!("/org/{}/members/{learner_id}", t.slug);
    let detail = t.admin.get_html(&member_page).await;
    assert!(
        detail.contains("data-plan=\"submitted\"") && detail.contains("waiting for review"),
        "the learner's page shows it"
    );
    let link = between(&list, &format!("href=\"/org/{}/plans/", t.slug), "\"");
    let review_page = format!("/org/{}/plans/{link}", t.slug);
    let page = t.admin.get_html(&review_page).await;
    assert!(page.contains("Frozen answer for review"));
    assert!(!page.contains("Changed after submitting"));
    let action = format!("{review_page}/review");

    let r = t
        .admin
        .submit(
            &review_page,
            &action,
            &[("comments", "Add a baseline."), ("rating-strategic", "met")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.unwrap();
    assert!(body.contains("Add a baseline."), "typed comments kept");
    assert!(body.contains("Choose a rating for the economic case"));
    let ratings = [
        ("rating-strategic", "met"),
        ("rating-economic", "partly"),
        ("rating-commercial", "not_yet"),
        ("rating-financial", "not_yet"),
        ("rating-management", "partly"),
        (
            "comment-economic",
            "Put a figure on the consultant time saved.",
        ),
        ("comments", "Strong problem statement. Add a baseline."),
    ];
    let r = t.admin.submit(&review_page, &action, &ratings).await;
    assert_eq!(
        r.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "no overall rating"
    );
    let body = r.text().await.unwrap();
    assert!(body.contains("Choose a rating for the plan overall"));
    assert!(
        body.contains("Put a figure on the consultant time saved."),
        "a line's typed comment kept"
    );
    let mut ratings = ratings.to_vec();
    ratings.push(("rating-overall", "partly"));
    let r = t.admin.submit(&review_page, &action, &ratings).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    let mine = learner.get_html("/plan/submissions").await;
    assert!(mine.contains("Strong problem statement. Add a baseline."));
    assert!(mine.contains("Partly met") && mine.contains("Not yet"));
    assert!(mine.contains("Reviewed"));
    let economic = between(&mine, "Economic case", "</dd>");
    assert!(
        economic.contains("Partly met")
            && economic.contains("Put a figure on the consultant time saved."),
        "each line shows its rating and comment: {economic}"
    );
    assert!(mine.contains("Overall: is the plan ready to take to a steering group?"));
    let again = t.admin.get_html(&review_page).await;
    assert!(
        again.contains("Put a figure on the consultant time saved."),
        "the form shows the saved review"
    );
    assert!(again.contains("sections 1. Executive summary and the decision asked for; 2."));
    let list = t.admin.get_html(&format!("/org/{}/plans", t.slug)).await;
    assert!(list.contains("Reviewed"));
    let report = t.admin.get_html(&format!("/org/{}", t.slug)).await;
    assert!(report.contains("data-plan=\"reviewed\""));
    let detail = t.admin.get_html(&member_page).await;
    assert!(detail.contains("data-plan=\"reviewed\""));
    assert!(detail.contains(&format!("href=\"/org/{}/plans/{link}\"", t.slug)));
    // Another organisation's admin cannot open it.
    let other = team(&app, "trust-q").await;
    let r = other
        .admin
        .get(&format!("/org/{}/plans/{link}", other.slug))
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

fn course_requiring_the_plan() -> tempfile::TempDir {
    let dir = copy_course();
    let path = dir.path().join("course.toml");
    let toml = std::fs::read_to_string(&path).unwrap();
    let toml = toml.replace(
        "valid_for_months = 36",
        "valid_for_months = 36\nrequire_plan_submission = true",
    );
    std::fs::write(&path, toml).unwrap();
    dir
}

#[tokio::test]
async fn with_the_plan_required_the_certificate_waits_until_the_plan_is_submitted() {
    let course = course_requiring_the_plan();
    let app = spawn_app_with(|s| s.course_dir = course.path().to_path_buf()).await;
    app.new_learner().await;
    app.complete_course().await;

    assert_eq!(app.certificate_code().await, None);
    let page = app.get_html("/certificate").await;
    assert!(page.contains("Modules: all complete."));
    assert!(page.contains("Plan: not submitted yet."));
    assert!(page.contains("href=\"/plan/submissions\""));

    let prompt = first_prompt(&app);
    app.save_worksheet(MODULE, &[(&prompt, "The plan that counts")])
        .await;
    let r = app.submit("/plan/submissions", "/plan/submit", &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    assert!(
        app.certificate_code().await.is_some(),
        "issued on submission"
    );
    let page = app.get_html("/certificate").await;
    assert!(page.contains("data-plan-status=\"submitted\""));
    let code = app.certificate_code().await.unwrap();
    let pdf = app.get(&format!("/certificates/{code}.pdf")).await;
    assert_eq!(pdf.status(), StatusCode::OK);
    let text = pdf_text(&pdf.bytes().await.unwrap());
    assert!(text.contains("AI project plan"), "{text}");
    assert!(
        text.contains("waiting for review"),
        "the certificate PDF shows it"
    );
}

#[tokio::test]
async fn a_submitted_team_plan_counts_for_every_member_of_the_cohort() {
    let course = course_requiring_the_plan();
    let app = spawn_app_with(|s| s.course_dir = course.path().to_path_buf()).await;
    let t = team(&app, "trust-m").await;
    let (asha, _) = org_learner(&app, t.org_id, "Asha", Some(t.cohort)).await;
    let (ben, _) = org_learner(&app, t.org_id, "Ben", Some(t.cohort)).await;
    let prompt = first_prompt(&app);
    assert!(
        ben.get_html("/certificate")
            .await
            .contains("Plan: not submitted yet.")
    );
    save(&asha, t.cohort, &prompt, "0", "Written by the team").await;

    let r = asha
        .submit(
            "/plan/team",
            &format!("/plan/team/{}/submit", t.cohort),
            &[],
        )
        .await;

    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = ben.get_html("/certificate").await;
    assert!(page.contains("Plan: submitted"), "{page}");
    let plan = ben.get_html("/plan/team").await;
    assert!(plan.contains("Version 1") && plan.contains("Waiting for review"));
    // The facilitator may not submit for the team.
    let r = t
        .admin
        .submit(
            "/dashboard",
            &format!("/plan/team/{}/submit", t.cohort),
            &[],
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

#[test]
fn a_course_whose_plan_setting_is_not_true_or_false_is_refused() {
    let dir = course_requiring_the_plan();
    let toml = std::fs::read_to_string(dir.path().join("course.toml")).unwrap();
    std::fs::write(
        dir.path().join("course.toml"),
        toml.replace(
            "require_plan_submission = true",
            "require_plan_submission = \"yes\"",
        ),
    )
    .unwrap();
    let err = deepdive::course::load_course(dir.path())
        .unwrap_err()
        .to_string();
    assert!(err.contains("course.toml:"), "{err}");
    assert!(err.contains("expected a boolean"), "{err}");
}

#[tokio::test]
async fn an_edit_to_a_team_plan_section_changes_the_team_pdf_and_docx_served_next() {
    let app = spawn_app().await;
    let t = team(&app, "trust-e").await;
    let (asha, _) = org_learner(&app, t.org_id, "Asha Patel", Some(t.cohort)).await;
    let prompt = first_prompt(&app);
    let action = section_path(t.cohort, &prompt);
    let pdf_url = format!("/plan/team.pdf?cohort={}", t.cohort);
    let docx_url = format!("/plan/team.docx?cohort={}", t.cohort);
    let r = save(&asha, t.cohort, &prompt, "0", "First draft of the problem").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let pdf = pdf_text(&asha.get(&pdf_url).await.bytes().await.unwrap());
    assert!(pdf.contains("First draft of the problem"));
    let docx = crate::plan_export::docx_text(&asha.get(&docx_url).await.bytes().await.unwrap());
    assert!(docx.contains("First draft of the problem"));

    let v = version_in(&asha.get_html("/plan/team").await, &action);
    let r = save(&asha, t.cohort, &prompt, &v, "Second draft, with numbers").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    let pdf = pdf_text(&asha.get(&pdf_url).await.bytes().await.unwrap());
    assert!(pdf.contains("Second draft, with numbers"), "{pdf}");
    assert!(!pdf.contains("First draft of the problem"));
    let docx = crate::plan_export::docx_text(&asha.get(&docx_url).await.bytes().await.unwrap());
    assert!(docx.contains("Second draft, with numbers"), "{docx}");
    assert!(!docx.contains("First draft of the problem"));
}
