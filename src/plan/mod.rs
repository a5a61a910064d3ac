//! The AI project plan as a document a steering group recognises: a pure function from the saved
//! answers (by module and prompt) to one document model, which the plan page, the PDF, the
//! Markdown and the .docx exports all render. A team plan calls [`build`] with the team's answers.
use std::collections::BTreeMap;

use serde::Serialize;

use crate::course::{
    BusinessCase, Course, LEAN_CANVAS_BOXES, Picture, PromptKind, TableSpec, WorksheetPrompt,
};
use crate::domain::worksheet::{AnswerValue, TableAnswer};

pub mod docx;
pub mod markdown;

/// Who the plan is by, and when it was exported.
#[derive(Debug, Clone)]
pub struct PlanMeta {
    pub prepared_by: String,
    pub date: String,
    pub course_title: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct PlanDocument {
    /// The project title from the executive summary, else "AI project plan".
    pub title: String,
    pub prepared_by: String,
    pub date: String,
    pub course_title: String,
    /// The decision the steering group is asked for, when written.
    pub decision: Option<String>,
    pub cases: Vec<CasePart>,
    /// Titles of the sections with no answer yet.
    pub empty_sections: Vec<String>,
    pub answered: usize,
    pub count: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct CasePart {
    pub id: &'static str,
    pub title: &'static str,
    pub question: &'static str,
    pub sections: Vec<Section>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Section {
    pub id: String,
    pub number: usize,
    pub title: String,
    pub empty: bool,
    pub picture: Option<PictureModel>,
    pub items: Vec<Item>,
}

/// One prompt's answer within a section.
#[derive(Debug, Clone, Serialize)]
pub struct Item {
    pub module_slug: String,
    pub module_number: usize,
    pub label: String,
    /// The lean canvas picture already shows these boxes: the renderers skip the item.
    pub in_picture: bool,
    pub content: Content,
}

/// Exactly one of `text`, `boxes` and `table` is set, or none when `missing`.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Content {
    pub missing: bool,
    pub text: Option<String>,
    pub boxes: Option<Vec<BoxText>>,
    pub table: Option<TableContent>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BoxText {
    pub label: String,
    pub text: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TableContent {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
    /// The free text under the table, with its label.
    pub notes: Option<BoxText>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Cell {
    pub text: String,
    /// Set on a status column: how the status is coloured (always beside its text).
    pub tone: Option<Tone>,
    /// The NHS.UK tag colour for the tone, on the plan page.
    pub tag: Option<&'static str>,
}

/// Status colours, never shown without the status text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Tone {
    Done,
    InProgress,
    NotStarted,
    NotNeeded,
    Blocked,
}

impl Tone {
    pub fn of(status: &str) -> Self {
        let s = status.to_lowercase();
        let has = |words: &[&str]| words.iter().any(|w| s.contains(w));
        if has(&["not needed", "not applicable", "n/a"]) {
            Self::NotNeeded
        } else if has(&["not started", "to do", "not yet"]) {
            Self::NotStarted
        } else if has(&["blocked", "refused", "rejected", "stuck"]) {
            Self::Blocked
        } else if has(&["done", "approved", "complete", "agreed", "signed"]) {
            Self::Done
        } else if has(&["progress", "draft", "booked", "requested", "submitted"]) {
            Self::InProgress
        } else {
            Self::NotStarted
        }
    }

    /// The NHS.UK frontend tag modifier for the plan page.
    pub fn tag(self) -> &'static str {
        match self {
            Self::Done => "nhsuk-tag--green",
            Self::InProgress => "nhsuk-tag--yellow",
            Self::NotStarted => "nhsuk-tag--grey",
            Self::NotNeeded => "nhsuk-tag--blue",
            Self::Blocked => "nhsuk-tag--red",
        }
    }

    /// Fill colour for the PDF and .docx (NHS palette; text stays dark on each).
    pub fn rgb(self) -> (u8, u8, u8) {
        match self {
            Self::Done => (204, 237, 216),
            Self::InProgress => (255, 235, 153),
            Self::NotStarted => (232, 237, 238),
            Self::NotNeeded => (219, 231, 245),
            Self::Blocked => (248, 214, 214),
        }
    }
}

/// The drawing of a section, from the same answers.
#[derive(Debug, Clone, Serialize, Default)]
pub struct PictureModel {
    pub lean_canvas: Option<Vec<CanvasBox>>,
    pub power_interest: Option<Vec<Quadrant>>,
    pub journey: Option<Vec<JourneyStage>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CanvasBox {
    pub id: &'static str,
    pub label: String,
    pub text: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Quadrant {
    /// `high-high`, `high-low`, … (power, then interest), for the CSS grid area.
    pub id: &'static str,
    pub title: &'static str,
    pub advice: &'static str,
    pub names: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct JourneyStage {
    pub title: String,
    pub steps: Vec<JourneyStep>,
}

#[derive(Debug, Clone, Serialize)]
pub struct JourneyStep {
    pub number: usize,
    pub step: String,
    pub detail: Option<String>,
    pub pain_point: Option<String>,
}

fn find_prompt<'c>(
    course: &'c Course,
    module: &str,
    prompt: &str,
) -> Option<(usize, &'c WorksheetPrompt)> {
    let m = course.module(module)?;
    let p = m.worksheet.prompts.iter().find(|p| p.id == prompt)?;
    Some((m.number, p))
}

fn table_content(spec: &TableSpec, answer: &TableAnswer, status_tones: bool) -> TableContent {
    let rows = &answer.rows;
    TableContent {
        notes: spec
            .notes
            .as_ref()
            .zip(answer.notes.as_ref())
            .map(|(n, text)| BoxText {
                label: n.label.clone(),
                text: Some(text.clone()),
            }),
        columns: spec.columns.iter().map(|c| c.label.clone()).collect(),
        rows: rows
            .iter()
            .map(|row| {
                spec.columns
                    .iter()
                    .map(|c| {
                        let text = row.get(&c.id).cloned().unwrap_or_default();
                        let tone = (status_tones && c.id == "status" && !text.is_empty())
                            .then(|| Tone::of(&text));
                        Cell {
                            text,
                            tone,
                            tag: tone.map(Tone::tag),
                        }
                    })
                    .collect()
            })
            .collect(),
    }
}

fn content(
    prompt: &WorksheetPrompt,
    value: Option<&AnswerValue>,
    picture: Option<Picture>,
) -> Content {
    let Some(value) = value.filter(|v| !v.is_empty()) else {
        return Content {
            missing: true,
            ..Content::default()
        };
    };
    match (&prompt.kind, value) {
        (PromptKind::Fields(fields), AnswerValue::Fields(boxes)) => Content {
            boxes: Some(
                fields
                    .iter()
                    .map(|f| BoxText {
                        label: f.label.clone(),
                        text: boxes.get(&f.id).cloned(),
                    })
                    .collect(),
            ),
            ..Content::default()
        },
        (PromptKind::Table(spec), AnswerValue::Table(rows)) => Content {
            table: Some(table_content(
                spec,
                rows,
                picture == Some(Picture::Approvals),
            )),
            ..Content::default()
        },
        (_, other) => Content {
            text: Some(other.to_stored()),
            ..Content::default()
        },
    }
}

/// Every row of every table answer in the section.
fn section_rows<'a>(
    answers: &'a [(&WorksheetPrompt, Option<AnswerValue>)],
) -> Vec<&'a BTreeMap<String, String>> {
    answers
        .iter()
        .filter_map(|(_, v)| match v {
            Some(AnswerValue::Table(t)) => Some(t.rows.iter()),
            _ => None,
        })
        .flatten()
        .collect()
}

fn cell(row: &BTreeMap<String, String>, id: &str) -> Option<String> {
    row.get(id)
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

fn lean_canvas(answers: &[(&WorksheetPrompt, Option<AnswerValue>)]) -> Vec<CanvasBox> {
    let mut labels = BTreeMap::new();
    let mut texts: BTreeMap<String, String> = BTreeMap::new();
    for (p, v) in answers {
        if let PromptKind::Fields(fields) = &p.kind {
            for f in fields {
                labels.insert(f.id.clone(), f.label.clone());
            }
        }
        if let Some(AnswerValue::Fields(boxes)) = v {
            texts.extend(boxes.clone());
        }
    }
    // Read column by column, as the canvas is drawn.
    let order = [
        "problem",
        "solution",
        "key-metrics",
        "unique-value-proposition",
        "unfair-advantage",
        "channels",
        "customer-segments",
        "cost-structure",
        "revenue-streams",
    ];
    debug_assert!(order.iter().all(|b| LEAN_CANVAS_BOXES.contains(b)));
    order
        .into_iter()
        .map(|id| {
            let mut text = texts.get(id).cloned();
            let extra = match id {
                "problem" => Some("existing-alternatives"),
                "customer-segments" => Some("early-adopters"),
                _ => None,
            };
            if let Some(extra) = extra
                && let Some(more) = texts.get(extra)
            {
                let label = labels.get(extra).cloned().unwrap_or_default();
                let joined = format!("{label}: {more}");
                text = Some(match text {
                    Some(t) => format!("{t}\n\n{joined}"),
                    None => joined,
                });
            }
            CanvasBox {
                id,
                label: labels.get(id).cloned().unwrap_or_else(|| id.to_string()),
                text,
            }
        })
        .collect()
}

fn power_interest(rows: &[&BTreeMap<String, String>]) -> Vec<Quadrant> {
    let mut quadrants = vec![
        Quadrant {
            id: "high-low",
            title: "High power, low interest",
            advice: "Keep satisfied",
            names: Vec::new(),
        },
        Quadrant {
            id: "high-high",
            title: "High power, high interest",
            advice: "Manage closely",
            names: Vec::new(),
        },
        Quadrant {
            id: "low-low",
            title: "Low power, low interest",
            advice: "Monitor",
            names: Vec::new(),
        },
        Quadrant {
            id: "low-high",
            title: "Low power, high interest",
            advice: "Keep informed",
            names: Vec::new(),
        },
    ];
    for row in rows {
        let Some(name) = cell(row, "stakeholder") else {
            continue;
        };
        let level = |id| match cell(row, id).as_deref().map(str::to_lowercase).as_deref() {
            Some("high") => "high",
            _ => "low",
        };
        let id = format!("{}-{}", level("power"), level("interest"));
        if let Some(q) = quadrants.iter_mut().find(|q| q.id == id) {
            q.names.push(name);
        }
    }
    quadrants
}

fn journey(rows: &[&BTreeMap<String, String>]) -> Vec<JourneyStage> {
    let mut stages: Vec<JourneyStage> = Vec::new();
    for row in rows {
        let Some(step) = cell(row, "step") else {
            continue;
        };
        let title = cell(row, "stage").unwrap_or_else(|| "Journey".to_string());
        let detail: Vec<String> = row
            .iter()
            .filter(|(k, v)| {
                !["step", "stage", "pain-point"].contains(&k.as_str()) && !v.trim().is_empty()
            })
            .map(|(_, v)| v.trim().to_string())
            .collect();
        if stages.last().is_none_or(|s| s.title != title) {
            stages.push(JourneyStage {
                title: title.clone(),
                steps: Vec::new(),
            });
        }
        if let Some(stage) = stages.last_mut() {
            stage.steps.push(JourneyStep {
                number: stage.steps.len() + 1,
                step,
                detail: (!detail.is_empty()).then(|| detail.join(" · ")),
                pain_point: cell(row, "pain-point"),
            });
        }
    }
    stages
}

/// The drawing for a section; the approvals tracker is its table, with coloured statuses.
fn picture_model(
    picture: Picture,
    answers: &[(&WorksheetPrompt, Option<AnswerValue>)],
) -> Option<PictureModel> {
    let rows = section_rows(answers);
    Some(match picture {
        Picture::LeanCanvas => PictureModel {
            lean_canvas: Some(lean_canvas(answers)),
            ..PictureModel::default()
        },
        Picture::PowerInterest => PictureModel {
            power_interest: Some(power_interest(&rows)),
            ..PictureModel::default()
        },
        Picture::Journey => PictureModel {
            journey: Some(journey(&rows)),
            ..PictureModel::default()
        },
        Picture::Approvals => return None,
    })
}

/// Builds the plan document from answers as stored, looked up by (module slug, prompt id).
pub fn build<'a>(
    course: &Course,
    meta: &PlanMeta,
    answer: impl Fn(&str, &str) -> Option<&'a str>,
) -> PlanDocument {
    let mut cases: Vec<CasePart> = BusinessCase::ALL
        .into_iter()
        .map(|c| CasePart {
            id: c.id(),
            title: c.title(),
            question: c.question(),
            sections: Vec::new(),
        })
        .collect();
    let (mut answered, mut count, mut number) = (0, 0, 0);
    let mut empty_sections = Vec::new();
    let (mut title, mut decision) = (None, None);
    for spec in &course.plan.sections {
        let answers: Vec<(&WorksheetPrompt, usize, &str, Option<AnswerValue>)> = spec
            .prompts
            .iter()
            .filter_map(|(module, prompt)| {
                let (n, p) = find_prompt(course, module, prompt)?;
                let value = answer(module, prompt).map(|s| AnswerValue::from_stored(&p.kind, s));
                Some((p, n, module.as_str(), value))
            })
            .collect();
        for (_, _, _, v) in &answers {
            if let Some(AnswerValue::Fields(boxes)) = v {
                title = title.or_else(|| boxes.get("project-title").cloned());
                decision = decision.or_else(|| boxes.get("decision").cloned());
            }
        }
        let pairs: Vec<(&WorksheetPrompt, Option<AnswerValue>)> =
            answers.iter().map(|(p, _, _, v)| (*p, v.clone())).collect();
        let items: Vec<Item> = answers
            .iter()
            .map(|(p, n, module, v)| Item {
                module_slug: (*module).to_string(),
                module_number: *n,
                label: p.label.clone(),
                in_picture: spec.picture == Some(Picture::LeanCanvas)
                    && matches!(p.kind, PromptKind::Fields(_)),
                content: content(p, v.as_ref(), spec.picture),
            })
            .collect();
        count += items.len();
        let filled = items.iter().filter(|i| !i.content.missing).count();
        answered += filled;
        let mut items = items;
        if filled == 0 {
            items.iter_mut().for_each(|i| i.in_picture = false);
        }
        let section = Section {
            id: spec.id.clone(),
            number: 0,
            title: spec.title.clone(),
            empty: filled == 0,
            picture: spec
                .picture
                .filter(|_| filled > 0)
                .and_then(|p| picture_model(p, &pairs)),
            items,
        };
        if let Some(part) = cases.iter_mut().find(|c| c.id == spec.case.id()) {
            part.sections.push(section);
        }
    }
    cases.retain(|c| !c.sections.is_empty());
    // Numbered in the order the document shows them (case by case).
    for s in cases.iter_mut().flat_map(|c| c.sections.iter_mut()) {
        number += 1;
        s.number = number;
        if s.empty {
            empty_sections.push(format!("{number}. {}", s.title));
        }
    }
    PlanDocument {
        title: title.map_or_else(|| "AI project plan".to_string(), |t| t.trim().to_string()),
        prepared_by: meta.prepared_by.clone(),
        date: meta.date.clone(),
        course_title: meta.course_title.clone(),
        decision,
        cases,
        empty_sections,
        answered,
        count,
    }
}
