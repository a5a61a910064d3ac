//! The plan as a steering-group document: structured prompts, the pictures, and the exports
//! (PDF tagged with an outline, .docx, Markdown), full and empty.
use std::io::Read;

use reqwest::StatusCode;
use sea_orm::{EntityTrait, PaginatorTrait};

use crate::helpers::*;
use deepdive::course::{Course, PromptKind};
use deepdive::entities::worksheet_answers;

fn course(app: &TestApp) -> Course {
    deepdive::course::load_course(&app.course_dir).unwrap()
}

async fn fill_worked_example(app: &TestApp) {
    app.fill_worked_example().await;
}

/// The text runs of a .docx's main document.
pub(crate) fn docx_text(bytes: &[u8]) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a .docx is a zip");
    let mut xml = String::new();
    zip.by_name("word/document.xml")
        .expect("word/document.xml")
        .read_to_string(&mut xml)
        .unwrap();
    let mut out = String::new();
    for part in xml.split("<w:t").skip(1) {
        let Some(start) = part.find('>') else {
            continue;
        };
        let Some(end) = part.find("</w:t>") else {
            continue;
        };
        if start < end {
            out.push_str(&part[start + 1..end]);
            out.push('\n');
        }
    }
    out.replace("&amp;", "&")
        .replace("&apos;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
}

fn section_titles(app: &TestApp) -> Vec<String> {
    course(app)
        .plan
        .sections
        .iter()
        .map(|s| s.title.clone())
        .collect()
}

#[tokio::test]
async fn the_worked_example_exports_to_pdf_docx_and_markdown_with_every_section_and_its_answers() {
    let app = spawn_app().await;
    app.register("sam@example.org", "Sam Patel", PASSWORD).await;
    fill_worked_example(&app).await;
    let answers = [
        "Faster, safer vetting of endoscopy referrals",
        "Data protection impact assessment (DPIA)",
        "Chief finance officer",
        "Waits for vetting",
        "The most worrying referrals reach a consultant first",
        "University data scientist, one day a week for three months",
    ];

    let r = app.get("/plan.pdf").await;
    assert_eq!(r.status(), StatusCode::OK);
    let pdf = pdf_text(&r.bytes().await.unwrap());
    let r = app.get("/plan.docx").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        r.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    );
    assert_eq!(
        r.headers()["content-disposition"],
        "attachment; filename=\"ai-project-plan.docx\""
    );
    let docx = docx_text(&r.bytes().await.unwrap());
    let md = app.get("/plan.md").await.text().await.unwrap();
    for case in [
        "Strategic case",
        "Economic case",
        "Commercial case",
        "Financial case",
        "Management case",
    ] {
        assert!(pdf.contains(case), "PDF: {case}");
        assert!(docx.contains(case), "docx: {case}");
        assert!(md.contains(&format!("## {case}")), "md: {case}");
    }
    for (n, title) in section_titles(&app).iter().enumerate() {
        let heading = format!("{}. {title}", n + 1);
        assert!(pdf.contains(&heading), "PDF: {heading}");
        assert!(docx.contains(&heading), "docx: {heading}");
        assert!(md.contains(&format!("### {heading}")), "md: {heading}");
    }
    for a in answers {
        assert!(pdf.contains(a), "PDF: {a}");
        assert!(docx.contains(a), "docx: {a}");
        assert!(md.contains(a), "md: {a}");
    }
    for text in [pdf.to_string(), docx.clone(), md.clone()] {
        assert!(PdfTextLike(&text).has("Every section has an answer."));
    }
    assert!(md.starts_with("# Faster, safer vetting of endoscopy referrals\n"));
    assert!(
        md.contains(
            "| Data protection impact assessment (DPIA) | In progress | IG lead | Week 6 |"
        )
    );
    assert!(md.contains(
        "- High power, low interest (keep satisfied): Chief finance officer, EPR programme board"
    ));
    // The pictures are figures with alternative text in the PDF.
    let raw = app.get("/plan.pdf").await.bytes().await.unwrap();
    let raw = String::from_utf8_lossy(&raw);
    assert_eq!(raw.matches("/S/Figure").count(), 3);
    for role in ["/S/Table", "/S/TR", "/S/TH", "/S/TD"] {
        assert!(raw.contains(role), "structure element {role}");
    }
    assert!(md.contains("**Decision asked for:** Approve the 90-day experiment, with £23,000"));
}

/// `contains` for text that is not a PDF's (kept beside the PDF helper's white-space rules).
struct PdfTextLike<'a>(&'a str);
impl PdfTextLike<'_> {
    fn has(&self, needle: &str) -> bool {
        let squash = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
        squash(self.0).contains(&squash(needle))
    }
}

#[tokio::test]
async fn the_pdf_is_tagged_and_has_an_outline_of_cases_and_sections() {
    let app = spawn_app().await;
    app.new_learner().await;
    app.save_worksheet(
        "practicalities",
        &[("data-needed", "Letters and vetting decisions")],
    )
    .await;
    let bytes = app.get("/plan.pdf").await.bytes().await.unwrap();
    let raw = String::from_utf8_lossy(&bytes);
    assert!(raw.contains("/MarkInfo<</Marked true"), "marked as tagged");
    assert!(raw.contains("/StructTreeRoot "), "has a structure tree");
    assert!(raw.contains("/Outlines "), "has an outline");
    assert!(raw.contains("/Lang(en-GB)"), "has a language");
    for role in ["/S/H1", "/S/H2", "/S/H3", "/S/P"] {
        assert!(raw.contains(role), "structure element {role}");
    }
    let text = pdf_text(&bytes);
    assert!(text.contains("Letters and vetting decisions"));
    assert!(text.contains("Data needs, data flow and hosting"));
}

#[tokio::test]
async fn an_empty_plan_exports_in_every_format_and_says_every_section_is_empty() {
    let app = spawn_app().await;
    app.new_learner().await;
    let titles = section_titles(&app);
    let md = app.get("/plan.md").await.text().await.unwrap();
    let pdf = pdf_text(&app.get("/plan.pdf").await.bytes().await.unwrap());
    let docx = docx_text(&app.get("/plan.docx").await.bytes().await.unwrap());
    let html = app.get_html("/plan").await;
    assert!(md.starts_with("# AI project plan\n"));
    for text in [&md, &docx] {
        assert!(text.contains("Sections still empty"));
    }
    assert!(pdf.contains("Sections still empty"));
    assert!(html.contains("Sections still empty"));
    for (n, t) in titles.iter().enumerate() {
        let line = format!("{}. {t}", n + 1);
        assert!(
            md.contains(&format!("- {}\\. {t}", n + 1)),
            "md lists {line}"
        );
        assert!(docx.contains(&format!("• {line}")), "docx lists {line}");
        assert!(pdf.contains(&line), "pdf lists {line}");
        assert!(html.contains(&html_escaped(&line)), "page lists {line}");
    }
    assert!(!md.contains("Every section has an answer."));
}

#[tokio::test]
async fn a_table_prompt_with_a_status_that_is_not_a_choice_is_refused_with_everything_typed_kept() {
    let app = spawn_app().await;
    app.new_learner().await;
    let r = app
        .save_worksheet(
            "practicalities",
            &[
                ("data-needed", "Letters & vetting decisions"),
                ("approvals--1--approval", "DPIA for the letters"),
                ("approvals--1--status", "Pending"),
                ("approvals--1--owner", "IG lead"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("There is a problem"));
    assert!(html.contains(&html_escaped(
        "Choose Not started, In progress, Done, Not needed, Blocked for row 1, \u{201c}Status\u{201d} in question"
    )));
    assert!(html.contains(&html_escaped(
        "(\u{201c}Pending\u{201d} is not one of them)"
    )));
    assert!(html.contains("href=\"#answer-approvals--1--status\""));
    assert!(
        html.contains("value=\"DPIA for the letters\""),
        "typed cell kept"
    );
    assert!(
        html.contains("<option value=\"Pending\" selected>"),
        "typed choice kept"
    );
    assert!(
        html.contains("Letters &amp; vetting decisions"),
        "other answers kept"
    );
    assert_eq!(
        worksheet_answers::Entity::find()
            .count(&app.db)
            .await
            .unwrap(),
        0
    );
}

#[tokio::test]
async fn an_over_long_cell_or_box_is_refused_with_its_place_named_and_nothing_saved() {
    let app = spawn_app().await;
    app.new_learner().await;
    let long = "x".repeat(151);
    let r = app
        .save_worksheet(
            "practicalities",
            &[
                ("approvals--2--approval", &long),
                ("approvals--2--status", "Done"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains(&html_escaped(
        "row 2, \u{201c}Approval or assurance\u{201d} in question"
    )));
    assert!(html.contains("it has 151 characters and the limit is 150"));
    assert!(html.contains(&format!("value=\"{long}\"")));
    let box_long = "y".repeat(121);
    let r = app
        .save_worksheet(
            "launching-your-ai-experiment",
            &[("executive-summary--project-title", &box_long)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains(&html_escaped(
        "Shorten \u{201c}Project title\u{201d} in question 1"
    )));
    assert!(html.contains(&box_long));
    assert_eq!(
        worksheet_answers::Entity::find()
            .count(&app.db)
            .await
            .unwrap(),
        0
    );
}

#[tokio::test]
async fn a_field_for_an_unknown_section_row_or_column_is_refused_with_the_typed_text_kept() {
    let app = spawn_app().await;
    app.new_learner().await;
    for bad in [
        "no-such-section",
        "approvals--1--no-such-column",
        "approvals--99--status",
        "data-needed--1--status",
    ] {
        let r = app
            .save_worksheet(
                "practicalities",
                &[("data-needed", "kept text"), (bad, "x")],
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        let html = r.text().await.unwrap();
        assert!(
            html.contains(&format!(
                "The form sent an answer (answer-{bad}) to a part that is not on this worksheet"
            )),
            "{bad}"
        );
        assert!(html.contains("kept text"), "{bad}");
    }
    assert_eq!(
        worksheet_answers::Entity::find()
            .count(&app.db)
            .await
            .unwrap(),
        0
    );
}

#[tokio::test]
async fn rows_are_saved_read_back_and_drawn_as_the_power_interest_grid() {
    let app = spawn_app().await;
    app.new_learner().await;
    let r = app
        .save_worksheet(
            "problem-discovery",
            &[
                (
                    "problem-stakeholders--1--stakeholder",
                    "Chief finance officer",
                ),
                ("problem-stakeholders--1--power", "High"),
                ("problem-stakeholders--1--interest", "Low"),
                ("problem-stakeholders--3--stakeholder", "Patient panel"),
                ("problem-stakeholders--3--power", "Low"),
                ("problem-stakeholders--3--interest", "High"),
                ("problem-stakeholders--notes", "Project group: to agree"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let form = app.get_html("/modules/problem-discovery/worksheet").await;
    // The blank row in between is dropped: the patient panel is row 2 now.
    assert!(form.contains(
        "name=\"answer-problem-stakeholders--2--stakeholder\" type=\"text\" value=\"Patient panel\""
    ));
    assert!(form.contains("Project group: to agree"));
    let html = app.get_html("/plan").await;
    let grid = &html[html.find("dd-grid\"").expect("the grid is drawn")..];
    let satisfied = grid.find("Keep satisfied").unwrap();
    let informed = grid.find("Keep informed").unwrap();
    let cfo = grid.find("Chief finance officer").unwrap();
    let panel = grid.find("Patient panel").unwrap();
    assert!(satisfied < cfo && cfo < grid.find("Manage closely").unwrap());
    assert!(informed < panel);
}

#[tokio::test]
async fn a_free_text_answer_saved_before_a_prompt_became_a_table_is_kept_in_its_notes() {
    let app = spawn_app().await;
    app.new_learner().await;
    let user = deepdive::entities::users::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    use sea_orm::{ActiveModelTrait, ActiveValue::Set};
    worksheet_answers::ActiveModel {
        user_id: Set(user.id),
        module_slug: Set("problem-discovery".into()),
        prompt_id: Set("problem-user-journey".into()),
        answer: Set("1. Sees GP. 2. Waits & worries".into()),
        updated_at: Set(app.clock.now()),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap();
    let form = app.get_html("/modules/problem-discovery/worksheet").await;
    assert!(form.contains("1. Sees GP. 2. Waits &amp; worries</textarea>"));
    let md = app.get("/plan.md").await.text().await.unwrap();
    assert!(md.contains("1\\. Sees GP. 2. Waits & worries"), "{md}");
}

#[tokio::test]
async fn ordinary_text_exports_to_markdown_as_typed_and_only_block_starts_are_escaped() {
    let app = spawn_app().await;
    app.register("sam@example.org", "Sam Patel", PASSWORD).await;
    let course = course(&app);
    let (module, prompt) = course
        .modules
        .iter()
        .find_map(|m| {
            m.worksheet
                .prompts
                .iter()
                .find(|p| matches!(p.kind, PromptKind::Text))
                .map(|p| (m.slug.clone(), p.id.clone()))
        })
        .expect("a free-text prompt");
    let typed = "A&E ~3 weeks - see 1. below, the patient_flow board, 5 * 3 < 4 > 2 (R&D) #7\n\
                 # not a heading\n1. not a list\n- not a bullet\n<b>not bold</b> *nor this*";
    let r = app.save_worksheet(&module, &[(&prompt, typed)]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    let md = app.get("/plan.md").await.text().await.unwrap();

    assert!(
        md.contains("A&E ~3 weeks - see 1. below, the patient_flow board, 5 * 3 < 4 > 2 (R&D) #7"),
        "{md}"
    );
    assert!(md.contains("\\# not a heading"), "{md}");
    assert!(md.contains("1\\. not a list"), "{md}");
    assert!(md.contains("\\- not a bullet"), "{md}");
    assert!(md.contains("\\<b>not bold\\</b> \\*nor this\\*"), "{md}");
}
