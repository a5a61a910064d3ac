//! The worksheet form: every prompt with its saved answer, or (after a refused save) exactly what
//! was typed, with a message by each field that needs changing. Text prompts are one textarea;
//! `fields` prompts a few labelled boxes; `table` prompts rows of labelled cells (no JavaScript:
//! a few blank rows are always offered, up to the prompt's `max_rows`).
use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::course::{Module, PromptKind, TableSpec, WorksheetPrompt};
use crate::domain::worksheet::{
    self, AnswerValue, FieldProblem, Problem, TableAnswer, box_field, cell_field, notes_field,
};
use crate::entities::worksheet_answers;
use crate::web::views::plan::answered_in;

pub fn saved_time(at: DateTime<Utc>, tz: chrono_tz::Tz) -> String {
    crate::local_time::time_on_date(at, tz)
}

/// 12345 → "12,345"
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

#[derive(Serialize)]
pub struct BoxField {
    pub field: String,
    pub label: String,
    pub help: String,
    pub example: String,
    pub limit: String,
    pub rows: usize,
    pub value: String,
    pub error: Option<String>,
}

#[derive(Serialize)]
pub struct ChoiceOption {
    pub value: String,
    pub selected: bool,
}

#[derive(Serialize)]
pub struct CellField {
    pub field: String,
    pub label: String,
    pub value: String,
    /// A drop-down when not empty.
    pub choices: Vec<ChoiceOption>,
    /// Long cells are textareas; short ones inputs.
    pub long: bool,
    pub error: Option<String>,
}

#[derive(Serialize)]
pub struct RowFields {
    pub number: usize,
    pub cells: Vec<CellField>,
}

#[derive(Serialize)]
pub struct TableForm {
    pub columns: Vec<String>,
    pub rows: Vec<RowFields>,
    pub max_rows: usize,
    pub example_rows: Vec<Vec<String>>,
    pub notes: Option<BoxField>,
}

#[derive(Serialize)]
pub struct PromptField {
    pub number: usize,
    /// The id of the prompt's first input (what its label and error links point at).
    pub field: String,
    pub label: String,
    pub help: String,
    pub example: String,
    pub limit: String,
    pub rows: usize,
    pub value: String,
    pub saved_at: Option<String>,
    pub error: Option<String>,
    pub is_text: bool,
    pub boxes: Option<Vec<BoxField>>,
    pub table: Option<TableForm>,
}

#[derive(Serialize)]
pub struct FieldLink {
    pub field: String,
    pub message: String,
}

#[derive(Serialize)]
pub struct WorksheetPage {
    pub module_number: usize,
    pub module_slug: String,
    pub module_title: String,
    pub title: String,
    pub introduction_html: String,
    pub prompts: Vec<PromptField>,
    pub count: usize,
    pub answered: usize,
    pub last_saved: Option<String>,
    pub saved: bool,
    pub errors: Vec<FieldLink>,
    /// The answers shown are a form kept after the session ended: not saved yet.
    pub kept: bool,
    pub kept_button: &'static str,
}

/// What the learner sees about one field's problem; `place` says where it is ("question 3", …).
fn message(place: &str, field: &str, p: &Problem) -> String {
    match p {
        Problem::TooLong { chars, max_chars } => format!(
            "Shorten {place}: it has {} characters and the limit is {}",
            thousands(*chars),
            thousands(*max_chars)
        ),
        Problem::NotAChoice { value, choices } => format!(
            "Choose {} for {place} (\u{201c}{value}\u{201d} is not one of them)",
            choices.join(", ")
        ),
        Problem::Unknown => format!(
            "The form sent an answer ({field}) to a part that is not on this worksheet, so nothing was saved. Check your answers below and save again"
        ),
        Problem::Repeated => format!(
            "The form sent {place} twice, so nothing was saved. Check your answers below and save again"
        ),
    }
}

struct Ctx<'a> {
    typed: Option<&'a BTreeMap<String, String>>,
    problems: &'a [FieldProblem],
    errors: Vec<FieldLink>,
    tz: chrono_tz::Tz,
}

impl Ctx<'_> {
    /// The typed value (after a refused save), else the saved one.
    fn value(&self, field: &str, saved: Option<&String>) -> String {
        match self.typed {
            Some(t) => t.get(field).cloned().unwrap_or_default(),
            None => saved.cloned().unwrap_or_default(),
        }
    }

    fn error(&mut self, field: &str, place: &str) -> Option<String> {
        let p = self.problems.iter().find(|p| p.field == field)?;
        let text = message(place, field, &p.problem);
        self.errors.push(FieldLink {
            field: field.to_string(),
            message: text.clone(),
        });
        Some(text)
    }
}

/// A labelled box: its label, help, example and limit.
struct BoxSpec<'a>(&'a str, &'a str, &'a str, usize);

fn text_box(
    ctx: &mut Ctx<'_>,
    field: String,
    place: String,
    BoxSpec(label, help, example, max): BoxSpec<'_>,
    saved: Option<&String>,
) -> BoxField {
    BoxField {
        value: ctx.value(&field, saved),
        error: ctx.error(&field, &place),
        field,
        label: label.to_string(),
        help: help.to_string(),
        example: example.to_string(),
        limit: thousands(max),
        rows: (max / 200).clamp(3, 10),
    }
}

fn table_form(
    ctx: &mut Ctx<'_>,
    p: &WorksheetPrompt,
    spec: &TableSpec,
    number: usize,
    saved: Option<&TableAnswer>,
) -> TableForm {
    let used = match ctx.typed {
        Some(t) => (1..=spec.max_rows)
            .filter(|r| {
                spec.columns.iter().any(|c| {
                    t.get(&cell_field(&p.id, *r, &c.id))
                        .is_some_and(|v| !v.trim().is_empty())
                })
            })
            .max()
            .unwrap_or(0),
        None => saved.map_or(0, |s| s.rows.len()),
    };
    let shown = (used + 2).max(3).min(spec.max_rows);
    let rows = (1..=shown)
        .map(|r| RowFields {
            number: r,
            cells: spec
                .columns
                .iter()
                .map(|c| {
                    let field = cell_field(&p.id, r, &c.id);
                    let stored = saved
                        .and_then(|s| s.rows.get(r - 1))
                        .and_then(|row| row.get(&c.id));
                    let value = ctx.value(&field, stored);
                    let place =
                        format!("row {r}, \u{201c}{}\u{201d} in question {number}", c.label);
                    CellField {
                        error: ctx.error(&field, &place),
                        choices: c
                            .choices
                            .iter()
                            .map(|ch| ChoiceOption {
                                value: ch.clone(),
                                selected: *ch == value.trim(),
                            })
                            .collect(),
                        long: c.max_chars > 150,
                        label: c.label.clone(),
                        field,
                        value,
                    }
                })
                .collect(),
        })
        .collect();
    let notes = spec.notes.as_ref().map(|n| {
        text_box(
            ctx,
            notes_field(&p.id),
            format!("\u{201c}{}\u{201d} in question {number}", n.label),
            BoxSpec(&n.label, "", &n.example, n.max_chars),
            saved.and_then(|s| s.notes.as_ref()),
        )
    });
    TableForm {
        columns: spec.columns.iter().map(|c| c.label.clone()).collect(),
        rows,
        max_rows: spec.max_rows,
        example_rows: spec.example_rows.clone(),
        notes,
    }
}

fn prompt_field(
    ctx: &mut Ctx<'_>,
    p: &WorksheetPrompt,
    number: usize,
    stored: Option<&worksheet_answers::Model>,
) -> PromptField {
    let value = stored.map(|s| AnswerValue::from_stored(&p.kind, &s.answer));
    let mut field = worksheet::field_name(&p.id);
    let mut out = PromptField {
        number,
        field: field.clone(),
        label: p.label.clone(),
        help: p.help.clone(),
        example: p.example.trim().to_string(),
        limit: thousands(p.max_chars),
        rows: (p.max_chars / 400).clamp(5, 12),
        value: String::new(),
        saved_at: stored.map(|s| saved_time(s.updated_at, ctx.tz)),
        error: None,
        is_text: false,
        boxes: None,
        table: None,
    };
    match &p.kind {
        PromptKind::Text => {
            let saved = match &value {
                Some(AnswerValue::Text(t)) => Some(t),
                _ => None,
            };
            out.is_text = true;
            out.value = ctx.value(&field, saved);
            out.error = ctx.error(&field, &format!("your answer to question {number}"));
        }
        PromptKind::Fields(fields) => {
            let saved = match &value {
                Some(AnswerValue::Fields(b)) => Some(b),
                _ => None,
            };
            let boxes: Vec<BoxField> = fields
                .iter()
                .map(|f| {
                    text_box(
                        ctx,
                        box_field(&p.id, &f.id),
                        format!("\u{201c}{}\u{201d} in question {number}", f.label),
                        BoxSpec(&f.label, &f.help, &f.example, f.max_chars),
                        saved.and_then(|b| b.get(&f.id)),
                    )
                })
                .collect();
            if let Some(first) = boxes.first() {
                field = first.field.clone();
            }
            out.boxes = Some(boxes);
        }
        PromptKind::Table(spec) => {
            let saved = match &value {
                Some(AnswerValue::Table(t)) => Some(t),
                _ => None,
            };
            let table = table_form(ctx, p, spec, number, saved);
            if let Some(first) = table.rows.first().and_then(|r| r.cells.first()) {
                field = first.field.clone();
            }
            out.table = Some(table);
        }
    }
    out.field = field;
    out
}

/// Builds the worksheet page. `typed` and `problems` come from a refused save.
pub fn worksheet_page(
    module: &Module,
    saved: &HashMap<String, worksheet_answers::Model>,
    typed: Option<&BTreeMap<String, String>>,
    problems: &[FieldProblem],
    just_saved: bool,
    tz: chrono_tz::Tz,
) -> WorksheetPage {
    let mut ctx = Ctx {
        typed,
        problems,
        errors: Vec::new(),
        tz,
    };
    // Problems that belong to no field on the page (unknown fields) are listed first.
    for p in problems.iter().filter(|p| p.prompt_id.is_none()) {
        ctx.errors.push(FieldLink {
            field: "worksheet-form".into(),
            message: message("", &p.field, &p.problem),
        });
    }
    let prompts = module
        .worksheet
        .prompts
        .iter()
        .enumerate()
        .map(|(i, p)| prompt_field(&mut ctx, p, i + 1, saved.get(&p.id)))
        .collect();
    WorksheetPage {
        module_number: module.number,
        module_slug: module.slug.clone(),
        module_title: module.title.clone(),
        title: module.worksheet.title.clone(),
        introduction_html: module.worksheet.introduction_html.clone(),
        count: module.worksheet.prompts.len(),
        answered: answered_in(module, |id| saved.contains_key(id)),
        last_saved: saved
            .values()
            .filter(|s| module.worksheet.prompts.iter().any(|p| p.id == s.prompt_id))
            .map(|s| s.updated_at)
            .max()
            .map(|at| saved_time(at, tz)),
        prompts,
        saved: just_saved,
        errors: ctx.errors,
        kept: false,
        kept_button: "Save answers",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_are_separated() {
        assert_eq!(thousands(7), "7");
        assert_eq!(thousands(2000), "2,000");
        assert_eq!(thousands(20000), "20,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
