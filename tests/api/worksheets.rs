use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::helpers::*;
use deepdive::entities::{plan_settings, worksheet_answers};

const MODULE: &str = "ai-fundamentals";
const WORKSHEET: &str = "/modules/ai-fundamentals/worksheet";

async fn stored_answers(app: &TestApp) -> Vec<worksheet_answers::Model> {
    worksheet_answers::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
}

fn prompt_max(app: &TestApp, module: &str, prompt: &str) -> usize {
    let course = deepdive::course::load_course(&app.course_dir).unwrap();
    course
        .module(module)
        .unwrap()
        .worksheet
        .prompts
        .iter()
        .find(|p| p.id == prompt)
        .unwrap()
        .max_chars
}

/// The text inside the textarea of one prompt.
fn textarea(html: &str, prompt: &str) -> String {
    let marker = format!("name=\"answer-{prompt}\"");
    let at = html.find(&marker).expect("textarea for the prompt");
    let start = at + html[at..].find('>').unwrap() + 1;
    let end = start + html[start..].find("</textarea>").unwrap();
    html[start..end].to_string()
}

#[tokio::test]
async fn a_learner_saves_edits_and_clears_worksheet_answers_and_sees_them_again() {
    let app = spawn_app().await;
    app.new_learner().await;
    let module = app.get_html("/modules/ai-fundamentals").await;
    assert!(module.contains("href=\"/modules/ai-fundamentals/worksheet\""));
    assert!(module.contains("0 of 5 questions answered"));
    let blank = app.get_html(WORKSHEET).await;
    assert!(blank.contains("What problem or opportunity in your service could AI help with?"));
    assert!(
        blank.contains("<details class=\"nhsuk-details"),
        "example in a details element"
    );
    assert!(blank.contains("You can enter up to 2,000 characters"));
    assert!(!blank.contains("<script"), "no JavaScript needed");

    let r = app
        .save_worksheet(
            MODULE,
            &[
                ("idea", "Late referrals to social care"),
                ("who-is-affected", "Frail patients\nand their families"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/modules/ai-fundamentals/worksheet?saved=1");
    let saved = app.get_html(&location(&r)).await;
    assert!(saved.contains("Your answers have been saved"));
    assert_eq!(textarea(&saved, "idea"), "Late referrals to social care");
    assert_eq!(
        textarea(&saved, "who-is-affected"),
        "Frail patients\nand their families"
    );
    assert!(saved.contains("Last saved "));
    assert!(saved.contains("2 of 5 questions answered"));
    assert!(
        app.get_html("/modules/ai-fundamentals")
            .await
            .contains("2 of 5 questions answered")
    );

    // Edit one, clear the other.
    let r = app
        .save_worksheet(
            MODULE,
            &[("idea", "Delayed discharges"), ("who-is-affected", "  ")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = app.get_html(WORKSHEET).await;
    assert_eq!(textarea(&page, "idea"), "Delayed discharges");
    assert_eq!(textarea(&page, "who-is-affected"), "");
    let rows = stored_answers(&app).await;
    assert_eq!(rows.len(), 1, "a cleared answer is deleted");
    assert_eq!(rows[0].answer, "Delayed discharges");
}

#[tokio::test]
async fn answers_are_shown_escaped_never_as_html() {
    let app = spawn_app().await;
    app.new_learner().await;
    let evil = "<script>alert(1)</script> \"><img src=x onerror=alert(1)> O'Hara";
    app.save_worksheet(MODULE, &[("idea", evil)]).await;
    for page in [WORKSHEET, "/plan"] {
        let html = app.get_html(page).await;
        assert!(!html.contains("<script>alert"), "{page}");
        assert!(!html.contains("<img src=x"), "{page}");
        assert!(html.contains(&html_escaped(evil)), "{page}");
    }
}

#[tokio::test]
async fn an_answer_of_exactly_max_chars_is_saved_and_one_more_is_refused_with_every_answer_kept() {
    let app = spawn_app().await;
    app.new_learner().await;
    let max = prompt_max(&app, MODULE, "idea");
    assert_eq!(max, 2000);
    // Multi-byte characters: the limit counts characters, not bytes.
    let exactly = "é".repeat(max);
    let r = app.save_worksheet(MODULE, &[("idea", &exactly)]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    let too_long = format!("Zoë Ångström {}", "é".repeat(max - 12));
    assert_eq!(too_long.chars().count(), max + 1);
    let r = app
        .save_worksheet(
            MODULE,
            &[
                ("idea", &too_long),
                ("why-ai", "Kept: the why"),
                ("ai-type", "Kept: risk score"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("There is a problem"));
    assert!(
        html.contains("href=\"#answer-idea\""),
        "the summary links to the field"
    );
    assert!(html.contains("id=\"answer-idea-error\""));
    assert!(html.contains("it has 2,001 characters and the limit is 2,000"));
    assert!(html.contains("nhsuk-textarea--error\" id=\"answer-idea\""));
    assert_eq!(
        textarea(&html, "idea"),
        too_long,
        "the over-long answer is kept"
    );
    assert_eq!(textarea(&html, "why-ai"), "Kept: the why");
    assert_eq!(textarea(&html, "ai-type"), "Kept: risk score");

    let rows = stored_answers(&app).await;
    assert_eq!(rows.len(), 1, "nothing from the refused form was saved");
    assert_eq!(rows[0].answer, exactly);
}

#[tokio::test]
async fn a_full_worksheet_larger_than_the_usual_form_limit_is_saved() {
    use deepdive::course::PromptKind;
    let app = spawn_app().await;
    app.new_learner().await;
    let course = deepdive::course::load_course(&app.course_dir).unwrap();
    let mut saved = 0;
    // The largest worksheet, every text, box and cell at its limit in 4-byte characters.
    for slug in ["solution-discovery", "launching-your-ai-experiment"] {
        let m = course.module(slug).unwrap();
        let mut answers: Vec<(String, String)> = Vec::new();
        for p in &m.worksheet.prompts {
            match &p.kind {
                PromptKind::Text => answers.push((p.id.clone(), "😀".repeat(p.max_chars))),
                PromptKind::Fields(f) => answers.extend(
                    f.iter()
                        .map(|f| (format!("{}--{}", p.id, f.id), "😀".repeat(f.max_chars))),
                ),
                PromptKind::Table(t) => {
                    for row in 1..=t.max_rows {
                        for c in &t.columns {
                            let value = c
                                .choices
                                .first()
                                .cloned()
                                .unwrap_or_else(|| "😀".repeat(c.max_chars));
                            answers.push((format!("{}--{row}--{}", p.id, c.id), value));
                        }
                    }
                    if let Some(n) = &t.notes {
                        answers.push((format!("{}--notes", p.id), "😀".repeat(n.max_chars)));
                    }
                }
            }
        }
        let pairs: Vec<(&str, &str)> = answers
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        let r = app.save_worksheet(slug, &pairs).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{slug}");
        saved += m.worksheet.prompts.len();
        assert_eq!(stored_answers(&app).await.len(), saved);
    }
}

#[tokio::test]
async fn an_answer_to_a_prompt_not_on_the_worksheet_is_refused_and_nothing_is_saved() {
    let app = spawn_app().await;
    app.new_learner().await;
    for bad in [
        ("no-such-prompt", "x"),
        ("problem-current-situation", "another module's prompt"),
    ] {
        let r = app
            .save_worksheet(MODULE, &[("idea", "would be saved"), bad])
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad:?}");
        let html = r.text().await.unwrap();
        assert!(html.contains("is not on this worksheet, so nothing was saved"));
        assert!(
            html.contains("would be saved</textarea>"),
            "typed text kept"
        );
    }
    assert!(stored_answers(&app).await.is_empty());
    let r = app
        .submit(
            "/dashboard",
            "/modules/no-such-module/worksheet",
            &[("answer-idea", "x")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn worksheet_and_sharing_forms_without_a_csrf_token_are_refused() {
    let app = spawn_app().await;
    app.new_learner().await;
    let r = app.post_raw(WORKSHEET, &[("answer-idea", "forged")]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = app
        .post_raw(
            WORKSHEET,
            &[("answer-idea", "forged"), ("csrf_token", "wrong")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = app.post_raw("/plan/sharing", &[("share", "yes")]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(stored_answers(&app).await.is_empty());
    assert_eq!(
        plan_settings::Entity::find().count(&app.db).await.unwrap(),
        0
    );
}

#[tokio::test]
async fn the_plan_shows_every_worksheet_in_module_order_with_unanswered_prompts_marked() {
    let app = spawn_app().await;
    let email = format!("plan{}@example.nhs.uk", uuid::Uuid::new_v4().simple());
    app.register(&email, "Siân O'Hara", PASSWORD).await;
    app.save_worksheet(MODULE, &[("idea", "Answer one")]).await;
    app.save_worksheet("practicalities", &[("data-needed", "Answer two")])
        .await;
    let html = app.get_html("/plan").await;
    assert!(html.contains(&html_escaped("Siân O'Hara")));
    assert!(html.contains("Answer one") && html.contains("Answer two"));
    let course = deepdive::course::load_course(&app.course_dir).unwrap();
    let total: usize = course
        .modules
        .iter()
        .map(|m| m.worksheet.prompts.len())
        .sum();
    assert_eq!(
        html.matches(">Not answered yet</strong>").count(),
        total - 2
    );
    assert!(html.contains(&format!("2 of {total} questions answered")));
    for m in &course.modules {
        let edit = format!("href=\"/modules/{}/worksheet\"", m.slug);
        assert!(html.contains(&edit), "edit link for {}", m.slug);
    }
    let positions: Vec<usize> = [
        "Strategic case",
        "Economic case",
        "Commercial case",
        "Financial case",
        "Management case",
    ]
    .iter()
    .map(|c| html.find(&format!("{c}</h2>")).unwrap())
    .collect();
    assert!(
        positions.windows(2).all(|w| w[0] < w[1]),
        "the five cases in order"
    );
    assert!(html.contains("href=\"/plan.md\""));
    assert!(html.contains("href=\"/plan.pdf\""));
    assert!(html.contains("href=\"/plan.docx\""));
    assert!(app.get_html("/dashboard").await.contains("href=\"/plan\""));
}

#[tokio::test]
async fn the_markdown_export_has_every_answer_with_markup_escaped_and_unicode_kept() {
    let app = spawn_app().await;
    let email = format!("md{}@example.nhs.uk", uuid::Uuid::new_v4().simple());
    app.register(&email, "Zoë Ångström", PASSWORD).await;
    app.save_worksheet(
        MODULE,
        &[
            ("idea", "# Title <script>alert(1)</script>"),
            ("why-ai", "Line one\n- not a list\n1. not numbered\n[link](https://evil.example) *bold* `code` | pipe"),
        ],
    )
    .await;
    app.save_worksheet(
        "launching-your-ai-experiment",
        &[("next-90-days", "Zoë Ångström leads")],
    )
    .await;
    let r = app.get("/plan.md").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "text/markdown; charset=utf-8");
    assert_eq!(
        r.headers()["content-disposition"],
        "attachment; filename=\"ai-project-plan.md\""
    );
    let md = r.text().await.unwrap();
    assert!(md.starts_with("# AI project plan\n"));
    assert!(md.contains("prepared by Zoë Ångström on "));
    // `<` is escaped where it would open a tag; a `>` on its own means nothing mid-line.
    assert!(md.contains("\\# Title \\<script>alert(1)\\</script>"));
    assert!(md.contains("Line one\\\n\\- not a list\\\n1\\. not numbered\\\n\\[link\\](https://evil.example) \\*bold\\* \\`code\\` \\| pipe"));
    assert!(md.contains("Zoë Ångström leads"));
    assert!(
        !md.lines()
            .any(|l| l.starts_with("# Title") || l.starts_with("<script"))
    );
    let course = deepdive::course::load_course(&app.course_dir).unwrap();
    let headings = md
        .lines()
        .filter(|l| l.starts_with("## ") && l.ends_with(" case"))
        .count();
    assert_eq!(headings, 5, "the five cases");
    let total: usize = course
        .modules
        .iter()
        .map(|m| m.worksheet.prompts.len())
        .sum();
    assert_eq!(md.matches("*Not answered yet.*").count(), total - 3);
}

#[tokio::test]
async fn a_learner_sees_only_their_own_plan_and_worksheet_answers() {
    let app = spawn_app().await;
    app.new_learner().await;
    app.save_worksheet(MODULE, &[("idea", "Learner A's secret idea")])
        .await;
    let other = app.other_browser();
    other.new_learner().await;
    for page in [
        "/plan",
        "/plan.md",
        WORKSHEET,
        "/modules/ai-fundamentals",
        "/dashboard",
    ] {
        let body = other.get(page).await.text().await.unwrap();
        assert!(!body.contains("secret idea"), "{page}");
    }
    assert!(other.get_html("/plan").await.contains("0 of "));
    // Anonymous visitors are sent to log in.
    let anonymous = app.other_browser();
    for page in ["/plan", "/plan.md", WORKSHEET] {
        let r = anonymous.get(page).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{page}");
        assert!(location(&r).starts_with("/login"));
    }
    // Saving in B's session writes only B's rows.
    other.save_worksheet(MODULE, &[("idea", "B's idea")]).await;
    assert!(
        app.get_html("/plan")
            .await
            .contains("Learner A&#x27;s secret idea")
    );
    assert!(!app.get_html("/plan").await.contains("B&#x27;s idea"));
    let a_rows = worksheet_answers::Entity::find()
        .filter(worksheet_answers::Column::Answer.eq("Learner A's secret idea"))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(a_rows, 1);
}

#[tokio::test]
async fn sharing_the_plan_is_off_by_default_and_can_be_turned_on_and_off() {
    // Sharing is offered to members of an organisation (issue 19, item 7).
    let server = spawn_app().await;
    let (_lead, org) = org_with_admin(&server, "sharing").await;
    let (app, _) = org_learner(&server, org, "Sue Share", None).await;
    let html = app.get_html("/plan").await;
    assert!(html.contains("Not shared"));
    assert!(html.contains("name=\"share\" value=\"yes\""));
    let r = app
        .submit("/plan", "/plan/sharing", &[("share", "yes")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let html = app.get_html(&location(&r)).await;
    assert!(html.contains("Your plan will be shared with your organisation"));
    assert!(html.contains(">Shared</strong>"));
    let row = plan_settings::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert!(row.share_with_org);
    app.submit("/plan", "/plan/sharing", &[("share", "no")])
        .await;
    assert!(app.get_html("/plan").await.contains("Not shared"));
    let r = app
        .submit("/plan", "/plan/sharing", &[("share", "maybe")])
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        plan_settings::Entity::find().count(&app.db).await.unwrap(),
        1
    );
}

#[tokio::test]
async fn the_pdf_export_is_a_pdf_holding_the_answers_and_the_learners_name() {
    let app = spawn_app().await;
    app.register("pdf@example.org", "Siân Ångström", PASSWORD)
        .await;
    app.save_worksheet(
        MODULE,
        &[("idea", "Flag patients needing a care package – Zoë’s ward")],
    )
    .await;
    let r = app.get("/plan.pdf").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers().get("content-type").unwrap(), "application/pdf");
    let text = pdf_text(&r.bytes().await.unwrap());
    assert!(text.contains("Siân Ångström"), "{text}");
    assert!(text.contains("Zoë’s ward"), "{text}");
    assert!(text.contains("Not answered yet"));
    let stranger = app.other_browser();
    assert_eq!(
        stranger.get("/plan.pdf").await.status(),
        StatusCode::SEE_OTHER
    );
}
