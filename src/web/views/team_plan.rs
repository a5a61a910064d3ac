//! What the team plan pages, the submission pages and the review page show. Pure: built from
//! what the services returned, so each can be unit-tested without HTTP or a database.
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use crate::course::{Course, Module, WorksheetPrompt};
use crate::entities::{plan_submissions, team_plan_sections, team_plan_versions};
use crate::services::team_plan::{
    FrozenAnswer, OVERALL, PARTS, Rating, frozen_answers, part_label, rubric_of,
};
use crate::web::markdown;

/// "10:30am on 1 December 2026", in the organisation's time zone.
pub fn when(at: DateTime<Utc>, tz: Tz) -> String {
    crate::local_time::time_on_date(at, tz)
}

/// The name of a person by id, or words for someone whose account has gone.
pub fn name_of(names: &HashMap<i32, String>, id: Option<i32>) -> String {
    id.and_then(|i| names.get(&i).cloned())
        .unwrap_or_else(|| "a former member".into())
}

/// The address of one section of a cohort's team plan (the save form's action).
pub fn section_url(cohort_id: i32, module: &str, prompt: &str) -> String {
    format!("/plan/team/{cohort_id}/sections/{module}/{prompt}")
}

/// The HTML id of a section on the team plan page.
pub fn anchor(module: &str, prompt: &str) -> String {
    format!("section-{module}-{prompt}")
}

fn rows(p: &WorksheetPrompt) -> usize {
    (p.max_chars / 400).clamp(4, 10)
}

#[derive(Serialize)]
pub struct SectionView {
    pub anchor: String,
    pub field: String,
    pub label: String,
    pub help: String,
    pub answer: Option<String>,
    pub version: i32,
    pub last_changed: Option<String>,
    pub action: String,
    pub max_chars: usize,
    pub rows: usize,
    /// The viewer has an answer of their own to this prompt that they can copy in.
    pub can_copy: bool,
    pub has_history: bool,
}

#[derive(Serialize)]
pub struct ModuleView {
    pub number: usize,
    pub module_title: String,
    pub title: String,
    pub count: usize,
    pub answered: usize,
    pub sections: Vec<SectionView>,
}

#[derive(Serialize)]
pub struct RatingView {
    pub case: String,
    pub rating: &'static str,
    pub words: &'static str,
    pub comment: String,
}

#[derive(Serialize)]
pub struct ReviewView {
    pub by: String,
    pub when: String,
    /// The overall comment.
    pub comments: String,
    /// One line per five-case part.
    pub ratings: Vec<RatingView>,
    /// The overall rating (none on reviews made before it was asked for).
    pub overall: Option<RatingView>,
}

#[derive(Serialize)]
pub struct SubmissionView {
    pub id: i32,
    pub number: i32,
    pub submitted: String,
    pub by: String,
    pub sections: usize,
    pub review: Option<ReviewView>,
}

impl SubmissionView {
    pub fn build(s: &plan_submissions::Model, names: &HashMap<i32, String>, tz: Tz) -> Self {
        let review = s.reviewed_at.map(|at| {
            let (overall, cases): (Vec<_>, Vec<_>) = rubric_of(s)
                .into_iter()
                .map(|l| {
                    let view = RatingView {
                        case: part_label(&l.part).to_string(),
                        rating: l.rating.as_str(),
                        words: l.rating.in_words(),
                        comment: l.comment,
                    };
                    (l.part == OVERALL.0, view)
                })
                .partition(|(o, _)| *o);
            ReviewView {
                by: name_of(names, s.reviewed_by),
                when: when(at, tz),
                comments: s.review_comments.clone().unwrap_or_default(),
                ratings: cases.into_iter().map(|(_, v)| v).collect(),
                overall: overall.into_iter().map(|(_, v)| v).next(),
            }
        });
        Self {
            id: s.id,
            number: s.number,
            submitted: when(s.submitted_at, tz),
            by: name_of(names, s.submitted_by),
            sections: frozen_answers(s).len(),
            review,
        }
    }
}

#[derive(Serialize)]
pub struct TeamPlanPage {
    pub cohort_id: i32,
    pub org_slug: String,
    pub cohort_name: String,
    pub org_name: String,
    pub member: bool,
    pub saved: Option<String>,
    pub submitted: bool,
    pub count: usize,
    pub answered: usize,
    pub modules: Vec<ModuleView>,
    pub submissions: Vec<SubmissionView>,
    pub empty_error: bool,
}

/// What the team plan page is built from.
pub struct TeamPlanData<'a> {
    pub cohort_id: i32,
    pub org_slug: &'a str,
    pub cohort_name: &'a str,
    pub org_name: &'a str,
    pub member: bool,
    pub sections: &'a HashMap<(String, String), team_plan_sections::Model>,
    /// (module, prompt) of the viewer's own answered prompts.
    pub own: &'a [(String, String)],
    pub names: &'a HashMap<i32, String>,
    pub submissions: &'a [plan_submissions::Model],
    /// The organisation's time zone, for "last changed" and submission times.
    pub tz: Tz,
}

fn module_view(m: &Module, d: &TeamPlanData<'_>) -> ModuleView {
    let sections: Vec<SectionView> = m
        .worksheet
        .prompts
        .iter()
        .map(|p| {
            let key = (m.slug.clone(), p.id.clone());
            let s = d.sections.get(&key);
            SectionView {
                anchor: anchor(&m.slug, &p.id),
                field: format!("text-{}-{}", m.slug, p.id),
                label: p.label.clone(),
                help: p.help.clone(),
                answer: s.map(|s| s.answer.clone()).filter(|a| !a.trim().is_empty()),
                version: s.map_or(0, |s| s.version),
                last_changed: s.map(|s| {
                    format!(
                        "Last changed by {} on {}",
                        name_of(d.names, s.updated_by),
                        when(s.updated_at, d.tz)
                    )
                }),
                action: section_url(d.cohort_id, &m.slug, &p.id),
                max_chars: p.max_chars,
                rows: rows(p),
                can_copy: d.member && d.own.contains(&key),
                has_history: s.is_some(),
            }
        })
        .collect();
    ModuleView {
        number: m.number,
        module_title: m.title.clone(),
        title: m.worksheet.title.clone(),
        count: sections.len(),
        answered: sections.iter().filter(|s| s.answer.is_some()).count(),
        sections,
    }
}

impl TeamPlanPage {
    pub fn build(course: &Course, d: &TeamPlanData<'_>, saved: Option<String>) -> Self {
        let modules: Vec<ModuleView> = course.modules.iter().map(|m| module_view(m, d)).collect();
        Self {
            cohort_id: d.cohort_id,
            org_slug: d.org_slug.to_string(),
            cohort_name: d.cohort_name.to_string(),
            org_name: d.org_name.to_string(),
            member: d.member,
            submitted: saved.as_deref() == Some("submitted"),
            saved: saved.filter(|s| s != "submitted"),
            count: modules.iter().map(|m| m.count).sum(),
            answered: modules.iter().map(|m| m.answered).sum(),
            modules,
            submissions: d
                .submissions
                .iter()
                .map(|s| SubmissionView::build(s, d.names, d.tz))
                .collect(),
            empty_error: false,
        }
    }
}

/// The team plan (or a frozen plan) as Markdown: everything typed is escaped so it reads as typed.
pub fn plan_markdown(title: &str, byline: &str, modules: &[ModuleView]) -> String {
    let mut out = format!(
        "# {}\n\n{}\n",
        markdown::escape_inline(title),
        markdown::escape_inline(byline)
    );
    for m in modules {
        out.push_str(&format!(
            "\n## Module {}: {}\n\n{} of {} sections written. Module: {}.\n",
            m.number,
            markdown::escape_inline(&m.title),
            m.answered,
            m.count,
            markdown::escape_inline(&m.module_title)
        ));
        for s in &m.sections {
            out.push_str(&format!("\n### {}\n\n", markdown::escape_inline(&s.label)));
            match &s.answer {
                Some(a) => {
                    out.push_str(&markdown::escape_text(a));
                    out.push('\n');
                    if let Some(c) = &s.last_changed {
                        out.push_str(&format!("\n*{}.*\n", markdown::escape_inline(c)));
                    }
                }
                None => out.push_str("*Not written yet.*\n"),
            }
        }
    }
    out
}

#[derive(Serialize)]
pub struct Theirs {
    pub text: String,
    pub by: String,
    pub when: String,
    pub version: i32,
}

#[derive(Serialize)]
pub struct FieldLink {
    pub field: String,
    pub message: String,
}

/// One section on its own: a refused save (stale, too long or unknown), with what was typed.
#[derive(Serialize)]
pub struct SectionPage {
    pub cohort_id: i32,
    pub back: String,
    pub module_title: String,
    pub label: String,
    pub help: String,
    pub action: Option<String>,
    pub field: String,
    pub version: i32,
    pub typed: String,
    pub max_chars: usize,
    pub limit: String,
    pub theirs: Option<Theirs>,
    pub stale: bool,
    pub errors: Vec<FieldLink>,
    /// The error beside the field (the summary says more).
    pub inline: String,
}

/// "12345" → "12,345"
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

impl SectionPage {
    /// The form for one section, holding `typed`, to be saved from `version`.
    pub fn new(
        cohort_id: i32,
        module: &Module,
        prompt: &WorksheetPrompt,
        version: i32,
        typed: &str,
    ) -> Self {
        Self {
            cohort_id,
            back: format!(
                "/plan/team?cohort={cohort_id}#{}",
                anchor(&module.slug, &prompt.id)
            ),
            module_title: format!("Module {}: {}", module.number, module.title),
            label: prompt.label.clone(),
            help: prompt.help.clone(),
            action: Some(section_url(cohort_id, &module.slug, &prompt.id)),
            field: "text".into(),
            version,
            typed: typed.to_string(),
            max_chars: prompt.max_chars,
            limit: thousands(prompt.max_chars),
            theirs: None,
            stale: false,
            errors: Vec::new(),
            inline: String::new(),
        }
    }

    /// Someone saved first: their text beside ours; saving again from their version replaces it.
    #[must_use]
    pub fn stale(
        mut self,
        current: Option<&team_plan_sections::Model>,
        names: &HashMap<i32, String>,
        tz: Tz,
    ) -> Self {
        self.stale = true;
        self.version = current.map_or(0, |c| c.version);
        self.theirs = current.map(|c| Theirs {
            text: c.answer.clone(),
            by: name_of(names, c.updated_by),
            when: when(c.updated_at, tz),
            version: c.version,
        });
        self.errors.push(FieldLink {
            field: "text".into(),
            message: "Someone else changed this section after you opened it, so your text was not saved. Compare the two below, then save your text again (it replaces theirs) or go back to the plan.".into(),
        });
        self.inline = "Not saved: someone else saved this section first".into();
        self
    }

    /// Over the prompt's limit.
    #[must_use]
    pub fn too_long(mut self, chars: usize) -> Self {
        let message = format!(
            "Shorten your text: it has {} characters and the limit is {}. Nothing was saved.",
            thousands(chars),
            thousands(self.max_chars)
        );
        self.inline.clone_from(&message);
        self.errors.push(FieldLink {
            field: "text".into(),
            message,
        });
        self
    }
}

/// A save to a section the course does not have: nowhere to save it, but the text is shown to
/// copy, so nothing typed is lost.
pub fn unknown_section(cohort_id: i32, typed: &str) -> SectionPage {
    SectionPage {
        cohort_id,
        back: format!("/plan/team?cohort={cohort_id}"),
        module_title: String::new(),
        label: "A section this plan does not have".into(),
        help: String::new(),
        action: None,
        field: "text".into(),
        version: 0,
        typed: typed.to_string(),
        max_chars: 0,
        limit: String::new(),
        theirs: None,
        stale: false,
        errors: vec![FieldLink {
            field: "text".into(),
            message: "This plan has no such section (the course may have changed), so your text was not saved. Copy it from the box below, then go back to the plan and paste it where it belongs.".into(),
        }],
        inline: "Not saved: this plan has no such section".into(),
    }
}

#[derive(Serialize)]
pub struct VersionView {
    pub version: i32,
    pub text: String,
    pub by: String,
    pub when: String,
    pub current: bool,
}

#[derive(Serialize)]
pub struct HistoryPage {
    pub back: String,
    pub module_title: String,
    pub label: String,
    pub versions: Vec<VersionView>,
}

impl HistoryPage {
    pub fn build(
        cohort_id: i32,
        module: &Module,
        prompt: &WorksheetPrompt,
        versions: &[team_plan_versions::Model],
        names: &HashMap<i32, String>,
        tz: Tz,
    ) -> Self {
        let newest = versions.iter().map(|v| v.version).max();
        Self {
            back: format!(
                "/plan/team?cohort={cohort_id}#{}",
                anchor(&module.slug, &prompt.id)
            ),
            module_title: format!("Module {}: {}", module.number, module.title),
            label: prompt.label.clone(),
            versions: versions
                .iter()
                .map(|v| VersionView {
                    version: v.version,
                    text: v.answer.clone(),
                    by: name_of(names, v.author_id),
                    when: when(v.created_at, tz),
                    current: Some(v.version) == newest,
                })
                .collect(),
        }
    }
}

#[derive(Serialize)]
pub struct FrozenPrompt {
    pub label: String,
    pub answer: Option<String>,
}

#[derive(Serialize)]
pub struct FrozenModule {
    pub number: usize,
    pub module_title: String,
    pub title: String,
    pub prompts: Vec<FrozenPrompt>,
}

/// A frozen plan laid out by the course's modules and prompts.
pub fn frozen_modules(course: &Course, answers: &[FrozenAnswer]) -> Vec<FrozenModule> {
    course
        .modules
        .iter()
        .map(|m| FrozenModule {
            number: m.number,
            module_title: m.title.clone(),
            title: m.worksheet.title.clone(),
            prompts: m
                .worksheet
                .prompts
                .iter()
                .map(|p| FrozenPrompt {
                    label: p.label.clone(),
                    answer: answers
                        .iter()
                        .find(|a| a.module == m.slug && a.prompt == p.id)
                        .map(|a| a.answer.clone()),
                })
                .collect(),
        })
        .collect()
}

#[derive(Serialize)]
pub struct CohortPlanRow {
    pub id: i32,
    pub name: String,
    pub on: bool,
    pub exists: bool,
}

#[derive(Serialize)]
pub struct OrgSubmissionRow {
    pub id: i32,
    pub owner: String,
    pub team: bool,
    pub number: i32,
    pub submitted: String,
    pub reviewed: Option<String>,
}

#[derive(Serialize)]
pub struct OrgPlansPage {
    pub slug: String,
    pub org_name: String,
    pub current: &'static str,
    pub cohorts: Vec<CohortPlanRow>,
    pub submissions: Vec<OrgSubmissionRow>,
    pub changed: bool,
}

#[derive(Serialize)]
pub struct CaseField {
    pub id: &'static str,
    pub label: &'static str,
    /// The plan sections this part is drawn from, numbered as in the plan.
    pub hint: String,
    pub options: Vec<CaseOption>,
    pub error: Option<String>,
    /// The comment on this part (the overall comment is the page's `comments`).
    pub comment: String,
    pub comment_error: Option<String>,
    pub overall: bool,
}

#[derive(Serialize)]
pub struct CaseOption {
    pub value: &'static str,
    pub words: &'static str,
    pub checked: bool,
}

/// What a review form holds, as chosen or typed: a rating and a comment per part of [`PARTS`].
pub struct RubricForm {
    pub chosen: [Option<Rating>; 6],
    pub comments: [String; 6],
}

impl RubricForm {
    pub fn empty() -> Self {
        Self {
            chosen: [None; 6],
            comments: Default::default(),
        }
    }
}

/// The plan sections of a part, as "Drawn from sections 1 to 8: …"; the whole plan for overall.
fn drawn_from(course: &Course, part: &str) -> String {
    let titles: Vec<String> = course
        .plan
        .sections
        .iter()
        .enumerate()
        .filter(|(_, s)| s.case.id() == part)
        .map(|(n, s)| format!("{}. {}", n + 1, s.title))
        .collect();
    if titles.is_empty() {
        "The plan as a whole: is it clear, consistent and ready for the decision it asks for?"
            .into()
    } else {
        format!("Drawn from the plan's sections {}.", titles.join("; "))
    }
}

/// The longest comment on one line of the rubric.
pub const MAX_LINE_COMMENT: usize = 2000;

/// The rubric's fields, with the chosen (or typed) ratings checked and the comments kept.
pub fn case_fields(course: &Course, form: &RubricForm, missing: bool) -> Vec<CaseField> {
    PARTS
        .iter()
        .zip(&form.chosen)
        .zip(&form.comments)
        .map(|(((id, label), c), comment)| {
            let overall = *id == OVERALL.0;
            CaseField {
                id,
                label,
                hint: drawn_from(course, id),
                options: Rating::ALL
                    .iter()
                    .map(|r| CaseOption {
                        value: r.as_str(),
                        words: r.in_words(),
                        checked: *c == Some(*r),
                    })
                    .collect(),
                error: (missing && c.is_none()).then(|| {
                    if overall {
                        "Choose a rating for the plan overall".to_string()
                    } else {
                        format!("Choose a rating for the {id} case")
                    }
                }),
                comment: comment.clone(),
                comment_error: (!overall && comment.chars().count() > MAX_LINE_COMMENT).then(
                    || format!("Shorten your comment to {MAX_LINE_COMMENT} characters or fewer"),
                ),
                overall,
            }
        })
        .collect()
}

#[derive(Serialize)]
pub struct ReviewPage {
    pub slug: String,
    pub current: &'static str,
    pub id: i32,
    pub owner: String,
    pub submission: SubmissionView,
    pub modules: Vec<FrozenModule>,
    pub cases: Vec<CaseField>,
    pub comments: String,
    pub errors: Vec<FieldLink>,
    pub saved: bool,
}

#[derive(Serialize)]
pub struct MySubmissionsPage {
    pub required: bool,
    pub answered: usize,
    pub count: usize,
    pub submitted: bool,
    pub empty_error: bool,
    pub own: Vec<SubmissionView>,
    pub team_cohort: Option<i32>,
    pub team: Vec<SubmissionView>,
}

/// Where a plan stands, in words: "Submitted 3 May 2027, reviewed 10 May 2027".
pub fn plan_words(latest: Option<&crate::entities::plan_submissions::Model>) -> Option<String> {
    latest.map(|s| submission_words(s.submitted_at, s.reviewed_at))
}

/// [`plan_words`] from the submission's two dates.
pub fn submission_words(
    submitted_at: chrono::DateTime<chrono::Utc>,
    reviewed_at: Option<chrono::DateTime<chrono::Utc>>,
) -> String {
    let day = |at: chrono::DateTime<chrono::Utc>| at.format("%-d %B %Y").to_string();
    match reviewed_at {
        Some(at) => format!("Submitted {}, reviewed {}", day(submitted_at), day(at)),
        None => format!("Submitted {}, waiting for review", day(submitted_at)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_person_reads_as_a_former_member() {
        let names = HashMap::from([(1, "Asha".to_string())]);
        assert_eq!(name_of(&names, Some(1)), "Asha");
        assert_eq!(name_of(&names, Some(2)), "a former member");
        assert_eq!(name_of(&names, None), "a former member");
    }

    #[test]
    fn thousands_are_separated() {
        assert_eq!(thousands(950), "950");
        assert_eq!(thousands(2000), "2,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn an_unrated_case_is_flagged_only_when_ratings_were_asked_for() {
        let course = crate::course::load_course(std::path::Path::new("course")).unwrap();
        let mut form = RubricForm::empty();
        form.chosen[0] = Some(Rating::Met);
        form.chosen[4] = Some(Rating::NotYet);
        form.comments[1] = "x".repeat(MAX_LINE_COMMENT + 1);
        let quiet = case_fields(&course, &form, false);
        assert!(quiet.iter().all(|c| c.error.is_none()));
        let flagged = case_fields(&course, &form, true);
        assert_eq!(flagged.iter().filter(|c| c.error.is_some()).count(), 4);
        assert!(flagged[0].options[0].checked);
        assert!(flagged[4].options[2].checked);
        assert!(flagged[1].comment_error.is_some());
        assert!(flagged[5].overall);
    }

    #[test]
    fn each_case_of_the_rubric_names_the_plan_sections_it_is_drawn_from() {
        let course = crate::course::load_course(std::path::Path::new("course")).unwrap();
        let fields = case_fields(&course, &RubricForm::empty(), false);
        assert_eq!(fields.len(), 6);
        assert!(fields[0].hint.contains("1. Executive summary"));
        assert!(fields[3].hint.contains("Costs, resources and funding"));
        assert!(!fields[3].hint.contains("Options appraisal"));
        assert!(fields[5].hint.starts_with("The plan as a whole"));
    }
}
