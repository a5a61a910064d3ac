//! `plan.toml`: how the worksheet prompts add up to the plan document, section by section, each
//! section in one of the five cases of a business case.
use std::collections::HashSet;

use serde::Deserialize;

use super::loader::Problem;
use super::model::{
    BusinessCase, LEAN_CANVAS_BOXES, Module, Picture, PlanOutline, PlanSectionSpec, PromptKind,
    WorksheetPrompt,
};

pub const PLAN_FILE: &str = "plan.toml";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPlan {
    #[serde(default, rename = "section")]
    sections: Vec<RawSection>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSection {
    id: String,
    title: String,
    case: String,
    prompts: Vec<String>,
    picture: Option<String>,
}

fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .map_or(1, |i| i + 1)
}

fn find<'m>(modules: &'m [Module], module: &str, prompt: &str) -> Option<&'m WorksheetPrompt> {
    modules
        .iter()
        .find(|m| m.slug == module)?
        .worksheet
        .prompts
        .iter()
        .find(|p| p.id == prompt)
}

/// What a picture needs from its section's prompts, or `None` when they provide it.
fn picture_problem(picture: Picture, prompts: &[&WorksheetPrompt]) -> Option<String> {
    let table_with = |cols: &[&str]| {
        prompts.iter().any(|p| match &p.kind {
            PromptKind::Table(t) => cols
                .iter()
                .all(|c| t.columns.iter().any(|col| col.id == *c)),
            _ => false,
        })
    };
    match picture {
        Picture::LeanCanvas => {
            let fields: HashSet<&str> = prompts
                .iter()
                .flat_map(|p| match &p.kind {
                    PromptKind::Fields(f) => f.iter().map(|f| f.id.as_str()).collect(),
                    _ => Vec::new(),
                })
                .collect();
            let missing: Vec<&str> = LEAN_CANVAS_BOXES
                .iter()
                .copied()
                .filter(|b| !fields.contains(b))
                .collect();
            (!missing.is_empty()).then(|| {
                format!(
                    "picture \"lean-canvas\" needs fields with these ids: {}",
                    missing.join(", ")
                )
            })
        }
        Picture::PowerInterest => {
            let ok = prompts.iter().any(|p| match &p.kind {
                PromptKind::Table(t) => ["power", "interest"].iter().all(|c| {
                    t.columns.iter().any(|col| {
                        col.id == *c
                            && col.choices.len() == 2
                            && col.choices[0].eq_ignore_ascii_case("high")
                            && col.choices[1].eq_ignore_ascii_case("low")
                    })
                }),
                _ => false,
            });
            (!ok).then(|| {
                "picture \"power-interest\" needs a table with columns `power` and `interest`, each with choices = [\"High\", \"Low\"]".to_string()
            })
        }
        Picture::Journey => (!table_with(&["step", "pain-point"])).then(|| {
            "picture \"journey\" needs a table with columns `step` and `pain-point`".to_string()
        }),
        Picture::Approvals => (!table_with(&["approval", "status"])).then(|| {
            "picture \"approvals\" needs a table with columns `approval` and `status`".to_string()
        }),
    }
}

/// Checks `plan.toml` against the modules' worksheets: every prompt must be in exactly one section.
pub(super) fn check_plan(
    file: &str,
    text: &str,
    raw: RawPlan,
    modules: &[Module],
    problems: &mut Vec<Problem>,
) -> PlanOutline {
    let mut at = |line: usize, message: String| {
        problems.push(Problem {
            file: file.to_string(),
            line,
            message,
        });
    };
    let mut ids = HashSet::new();
    let mut placed: HashSet<(String, String)> = HashSet::new();
    let mut sections = Vec::new();
    for s in raw.sections {
        let line = line_of(text, &format!("\"{}\"", s.id));
        if !super::loader::valid_id(&s.id) || !ids.insert(s.id.clone()) {
            at(
                line,
                format!(
                    "section id '{}' must be a unique id of lower-case letters, digits or '-'",
                    s.id
                ),
            );
        }
        if s.title.trim().is_empty() {
            at(
                line,
                format!("section '{}': `title` must not be empty", s.id),
            );
        }
        let case = BusinessCase::parse(&s.case).unwrap_or_else(|| {
            at(line_of(text, &format!("case = \"{}\"", s.case)).max(line), format!(
                "section '{}': `case` must be one of strategic, economic, commercial, financial, management, not \"{}\"",
                s.id, s.case
            ));
            BusinessCase::Strategic
        });
        if s.prompts.is_empty() {
            at(
                line,
                format!(
                    "section '{}': `prompts` must list at least one \"module/prompt\"",
                    s.id
                ),
            );
        }
        let mut prompts = Vec::new();
        let mut found = Vec::new();
        for r in &s.prompts {
            let rline = line_of(text, &format!("\"{r}\""));
            let Some((module, prompt)) = r.split_once('/') else {
                at(
                    rline,
                    format!(
                        "section '{}': '{r}' must be written \"module-slug/prompt-id\"",
                        s.id
                    ),
                );
                continue;
            };
            match find(modules, module, prompt) {
                None => at(
                    rline,
                    format!(
                        "section '{}': there is no prompt '{prompt}' in module '{module}'s worksheet",
                        s.id
                    ),
                ),
                Some(p) => {
                    if !placed.insert((module.to_string(), prompt.to_string())) {
                        at(rline, format!("prompt '{r}' is in more than one section"));
                    }
                    found.push(p);
                    prompts.push((module.to_string(), prompt.to_string()));
                }
            }
        }
        let picture = s.picture.as_deref().and_then(|name| {
            let pline = line_of(text, &format!("picture = \"{name}\""));
            let Some(picture) = Picture::parse(name) else {
                at(pline, format!("section '{}': `picture` must be lean-canvas, power-interest, journey or approvals, not \"{name}\"", s.id));
                return None;
            };
            if let Some(problem) = picture_problem(picture, &found) {
                at(pline, format!("section '{}': {problem}", s.id));
            }
            Some(picture)
        });
        sections.push(PlanSectionSpec {
            id: s.id,
            title: s.title,
            case,
            prompts,
            picture,
        });
    }
    for m in modules {
        for p in &m.worksheet.prompts {
            if !placed.contains(&(m.slug.clone(), p.id.clone())) {
                at(
                    1,
                    format!(
                        "prompt '{}/{}' is in no plan section: add it to a section's `prompts`",
                        m.slug, p.id
                    ),
                );
            }
        }
    }
    PlanOutline { sections }
}

/// Without `plan.toml`: one section per module worksheet, all in the strategic case.
pub(super) fn default_plan(modules: &[Module]) -> PlanOutline {
    PlanOutline {
        sections: modules
            .iter()
            .map(|m| PlanSectionSpec {
                id: m.slug.clone(),
                title: m.worksheet.title.clone(),
                case: BusinessCase::Strategic,
                prompts: m
                    .worksheet
                    .prompts
                    .iter()
                    .map(|p| (m.slug.clone(), p.id.clone()))
                    .collect(),
                picture: None,
            })
            .collect(),
    }
}
