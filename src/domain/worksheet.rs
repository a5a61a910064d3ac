//! Reading a submitted worksheet form: which prompts were answered, and what is wrong with them.
//! Answers are plain text; a table or fields prompt is stored as JSON of its cells.
//! Nothing here touches the database.
use std::collections::BTreeMap;

use crate::course::{PromptKind, Worksheet, WorksheetPrompt};

/// The form field (and HTML id) of a prompt's textarea.
pub fn field_name(prompt_id: &str) -> String {
    format!("answer-{prompt_id}")
}

/// The form field of one named box of a `fields` prompt.
pub fn box_field(prompt_id: &str, field_id: &str) -> String {
    format!("answer-{prompt_id}--{field_id}")
}

/// The form field of the notes under a `table` prompt.
pub fn notes_field(prompt_id: &str) -> String {
    format!("answer-{prompt_id}--notes")
}

/// The form field of one cell of a `table` prompt (rows count from 1).
pub fn cell_field(prompt_id: &str, row: usize, column_id: &str) -> String {
    format!("answer-{prompt_id}--{row}--{column_id}")
}

/// Line breaks as one `\n`, however the browser sent them.
pub fn normalise(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\r', "\n")
}

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TableAnswer {
    pub rows: Vec<BTreeMap<String, String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

/// An answer read into the shape of its prompt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnswerValue {
    Text(String),
    /// Rows of cells by column id (blank cells left out), and the notes under them.
    Table(TableAnswer),
    /// Boxes by field id (blank boxes left out).
    Fields(BTreeMap<String, String>),
}

impl AnswerValue {
    /// Reads a stored answer. A free-text answer saved before its prompt had a structure is kept:
    /// it goes in the table's notes (or, without notes, its first cell), or the first box.
    pub fn from_stored(kind: &PromptKind, stored: &str) -> Self {
        match kind {
            PromptKind::Text => Self::Text(stored.to_string()),
            PromptKind::Table(t) => serde_json::from_str(stored)
                .map(Self::Table)
                .unwrap_or_else(|_| {
                    Self::Table(if t.notes.is_some() {
                        TableAnswer {
                            rows: Vec::new(),
                            notes: Some(stored.to_string()),
                        }
                    } else {
                        let first = t.columns.first().map(|c| c.id.clone()).unwrap_or_default();
                        TableAnswer {
                            rows: vec![BTreeMap::from([(first, stored.to_string())])],
                            notes: None,
                        }
                    })
                }),
            PromptKind::Fields(f) => serde_json::from_str(stored)
                .map(Self::Fields)
                .unwrap_or_else(|_| {
                    let first = f.first().map(|f| f.id.clone()).unwrap_or_default();
                    Self::Fields(BTreeMap::from([(first, stored.to_string())]))
                }),
        }
    }

    /// How the answer is stored: text as typed, structures as JSON.
    pub fn to_stored(&self) -> String {
        match self {
            Self::Text(t) => t.clone(),
            Self::Table(t) => serde_json::to_string(t).unwrap_or_default(),
            Self::Fields(boxes) => serde_json::to_string(boxes).unwrap_or_default(),
        }
    }

    pub fn is_empty(&self) -> bool {
        match self {
            Self::Text(t) => t.trim().is_empty(),
            Self::Table(t) => t.rows.is_empty() && t.notes.is_none(),
            Self::Fields(boxes) => boxes.is_empty(),
        }
    }
}

/// What a learner typed for one prompt, as it will be stored: `None` clears a saved answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub prompt_id: String,
    pub text: Option<String>,
}

/// What is wrong with one form field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// Over its limit, counted in Unicode characters.
    TooLong { chars: usize, max_chars: usize },
    /// A drop-down value that is not one of its choices.
    NotAChoice { value: String, choices: Vec<String> },
    /// A field for a section, box, column or row this worksheet does not have.
    Unknown,
    /// The same field sent twice.
    Repeated,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    /// The form field's name (also its HTML id).
    pub field: String,
    /// The prompt it belongs to, when there is one.
    pub prompt_id: Option<String>,
    pub problem: Problem,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorksheetFormError {
    /// Shown again with every typed value kept (by form field name); nothing saved.
    #[error("some answers cannot be saved")]
    Invalid {
        typed: BTreeMap<String, String>,
        problems: Vec<FieldProblem>,
    },
}

/// Which prompt (and part of it) a form field belongs to, if any on this worksheet.
fn locate<'w>(worksheet: &'w Worksheet, rest: &str) -> Option<&'w WorksheetPrompt> {
    let parts: Vec<&str> = rest.split("--").collect();
    let prompt = worksheet.prompts.iter().find(|p| p.id == parts[0])?;
    let ok = match (&prompt.kind, parts.as_slice()) {
        (PromptKind::Text, [_]) => true,
        (PromptKind::Fields(f), [_, field]) => f.iter().any(|f| f.id == *field),
        (PromptKind::Table(t), [_, "notes"]) => t.notes.is_some(),
        (PromptKind::Table(t), [_, row, col]) => {
            row.parse::<usize>()
                .is_ok_and(|r| r >= 1 && r <= t.max_rows && row.len() <= 3)
                && t.columns.iter().any(|c| c.id == *col)
        }
        _ => false,
    };
    ok.then_some(prompt)
}

fn check_len(problems: &mut Vec<FieldProblem>, prompt: &str, field: &str, text: &str, max: usize) {
    let chars = text.chars().count();
    if chars > max {
        problems.push(FieldProblem {
            field: field.to_string(),
            prompt_id: Some(prompt.to_string()),
            problem: Problem::TooLong {
                chars,
                max_chars: max,
            },
        });
    }
}

/// Reads one prompt's fields from the typed values, or `None` when the form did not send it.
fn read_prompt(
    prompt: &WorksheetPrompt,
    typed: &BTreeMap<String, String>,
    problems: &mut Vec<FieldProblem>,
) -> Option<AnswerValue> {
    let id = &prompt.id;
    match &prompt.kind {
        PromptKind::Text => {
            let name = field_name(id);
            let text = typed.get(&name)?;
            check_len(problems, id, &name, text, prompt.max_chars);
            Some(AnswerValue::Text(text.clone()))
        }
        PromptKind::Fields(fields) => {
            let mut sent = false;
            let mut boxes = BTreeMap::new();
            for f in fields {
                let name = box_field(id, &f.id);
                let Some(text) = typed.get(&name) else {
                    continue;
                };
                sent = true;
                check_len(problems, id, &name, text, f.max_chars);
                if !text.trim().is_empty() {
                    boxes.insert(f.id.clone(), text.clone());
                }
            }
            sent.then_some(AnswerValue::Fields(boxes))
        }
        PromptKind::Table(table) => {
            let mut sent = false;
            let mut rows = Vec::new();
            for row in 1..=table.max_rows {
                let mut cells = BTreeMap::new();
                for c in &table.columns {
                    let name = cell_field(id, row, &c.id);
                    let Some(text) = typed.get(&name) else {
                        continue;
                    };
                    sent = true;
                    let value = text.trim();
                    if value.is_empty() {
                        continue;
                    }
                    check_len(problems, id, &name, text, c.max_chars);
                    if !c.choices.is_empty() && !c.choices.iter().any(|ch| ch == value) {
                        problems.push(FieldProblem {
                            field: name.clone(),
                            prompt_id: Some(id.clone()),
                            problem: Problem::NotAChoice {
                                value: value.to_string(),
                                choices: c.choices.clone(),
                            },
                        });
                    }
                    cells.insert(c.id.clone(), text.clone());
                }
                if !cells.is_empty() {
                    rows.push(cells);
                }
            }
            let mut notes = None;
            if let Some(spec) = &table.notes {
                let name = notes_field(id);
                if let Some(text) = typed.get(&name) {
                    sent = true;
                    check_len(problems, id, &name, text, spec.max_chars);
                    notes = (!text.trim().is_empty()).then(|| text.clone());
                }
            }
            sent.then_some(AnswerValue::Table(TableAnswer { rows, notes }))
        }
    }
}

/// The answers typed into a worksheet form, by field name (fields the worksheet does not have are
/// dropped), to show again a form kept after the session ended.
pub fn typed_answers(
    worksheet: &Worksheet,
    pairs: &[(String, String)],
) -> BTreeMap<String, String> {
    pairs
        .iter()
        .filter_map(|(name, value)| {
            let rest = name.strip_prefix("answer-")?;
            locate(worksheet, rest)?;
            Some((name.clone(), normalise(value)))
        })
        .collect()
}

/// Parses a worksheet form into one answer per prompt it sent, in the worksheet's order.
/// Prompts missing from the form are left as they are.
///
/// # Errors
/// `Invalid` (with everything typed) for unknown or repeated fields, over-long answers and values
/// that are not one of their column's choices.
pub fn read_answers(
    worksheet: &Worksheet,
    pairs: &[(String, String)],
) -> Result<Vec<Answer>, WorksheetFormError> {
    let mut typed: BTreeMap<String, String> = BTreeMap::new();
    let mut problems = Vec::new();
    for (name, value) in pairs {
        // Other fields (the CSRF token, the button) are not answers.
        let Some(rest) = name.strip_prefix("answer-") else {
            continue;
        };
        let Some(prompt) = locate(worksheet, rest) else {
            problems.push(FieldProblem {
                field: name.clone(),
                prompt_id: None,
                problem: Problem::Unknown,
            });
            continue;
        };
        if typed.insert(name.clone(), normalise(value)).is_some() {
            problems.push(FieldProblem {
                field: name.clone(),
                prompt_id: Some(prompt.id.clone()),
                problem: Problem::Repeated,
            });
        }
    }
    let mut answers = Vec::new();
    for prompt in &worksheet.prompts {
        if let Some(value) = read_prompt(prompt, &typed, &mut problems) {
            answers.push(Answer {
                prompt_id: prompt.id.clone(),
                text: (!value.is_empty()).then(|| value.to_stored()),
            });
        }
    }
    if problems.is_empty() {
        Ok(answers)
    } else {
        Err(WorksheetFormError::Invalid { typed, problems })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::course::{ColumnSpec, TableSpec, WorksheetPrompt};

    fn worksheet() -> Worksheet {
        let prompt = |id: &str, max_chars| WorksheetPrompt {
            id: id.into(),
            label: id.into(),
            help: String::new(),
            example: String::new(),
            max_chars,
            kind: PromptKind::Text,
        };
        let column = |id: &str, choices: &[&str]| ColumnSpec {
            id: id.into(),
            label: id.into(),
            max_chars: 5,
            choices: choices.iter().map(|c| (*c).to_string()).collect(),
        };
        let mut risks = prompt("risks", 100);
        risks.kind = PromptKind::Table(TableSpec {
            columns: vec![column("risk", &[]), column("impact", &["High", "Low"])],
            max_rows: 3,
            example_rows: Vec::new(),
            notes: None,
        });
        Worksheet {
            title: "T".into(),
            introduction_html: String::new(),
            prompts: vec![prompt("idea", 5), prompt("why", 10), risks],
        }
    }

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter().map(|(a, b)| ((*a).into(), (*b).into())).collect()
    }

    fn problems(
        r: Result<Vec<Answer>, WorksheetFormError>,
    ) -> (BTreeMap<String, String>, Vec<FieldProblem>) {
        match r {
            Err(WorksheetFormError::Invalid { typed, problems }) => (typed, problems),
            Ok(a) => panic!("expected problems, got {a:?}"),
        }
    }

    #[test]
    fn answers_are_read_in_worksheet_order_and_blank_ones_clear() {
        let got = read_answers(
            &worksheet(),
            &pairs(&[
                ("csrf_token", "x"),
                ("answer-why", "  "),
                ("answer-idea", "Zoë"),
            ]),
        )
        .expect("valid");
        assert_eq!(
            got,
            vec![
                Answer {
                    prompt_id: "idea".into(),
                    text: Some("Zoë".into())
                },
                Answer {
                    prompt_id: "why".into(),
                    text: None
                },
            ]
        );
    }

    #[test]
    fn the_limit_counts_unicode_characters_and_line_breaks_once() {
        let ok = read_answers(&worksheet(), &pairs(&[("answer-idea", "Åé\r\nö😀")]));
        assert!(ok.is_ok(), "5 characters is the limit");
        let (typed, problems) = problems(read_answers(
            &worksheet(),
            &pairs(&[("answer-idea", "Åéöü😀!"), ("answer-why", "kept")]),
        ));
        assert_eq!(problems.len(), 1);
        assert_eq!(
            problems[0].problem,
            Problem::TooLong {
                chars: 6,
                max_chars: 5
            }
        );
        assert_eq!(typed.get("answer-why").map(String::as_str), Some("kept"));
    }

    #[test]
    fn unknown_and_repeated_fields_are_problems_with_the_typed_text_kept() {
        for bad in [
            vec![("answer-nope", "x")],
            vec![("answer-idea", "a"), ("answer-idea", "b")],
            vec![("answer-risks--4--risk", "past max_rows")],
            vec![("answer-risks--1--owner", "no such column")],
            vec![("answer-idea--1--risk", "text prompt has no cells")],
        ] {
            let mut sent = bad.clone();
            sent.push(("answer-why", "typed"));
            let (typed, problems) = problems(read_answers(&worksheet(), &pairs(&sent)));
            assert_eq!(problems.len(), 1, "{bad:?}");
            assert_eq!(typed.get("answer-why").map(String::as_str), Some("typed"));
        }
    }

    #[test]
    fn table_rows_are_stored_as_json_without_blank_rows_and_read_back() {
        let got = read_answers(
            &worksheet(),
            &pairs(&[
                ("answer-risks--1--risk", "Bias"),
                ("answer-risks--1--impact", "High"),
                ("answer-risks--2--risk", " "),
                ("answer-risks--2--impact", ""),
                ("answer-risks--3--risk", "Drift"),
            ]),
        )
        .expect("valid");
        let stored = got[0].text.clone().expect("an answer");
        let PromptKind::Table(_) = &worksheet().prompts[2].kind else {
            unreachable!()
        };
        let back = AnswerValue::from_stored(&worksheet().prompts[2].kind, &stored);
        let AnswerValue::Table(TableAnswer { rows, .. }) = back else {
            panic!("a table")
        };
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].get("impact").map(String::as_str), Some("High"));
        assert_eq!(rows[1].get("risk").map(String::as_str), Some("Drift"));
    }

    #[test]
    fn a_value_that_is_not_one_of_the_choices_is_a_problem() {
        let (typed, problems) = problems(read_answers(
            &worksheet(),
            &pairs(&[
                ("answer-risks--1--risk", "Bias"),
                ("answer-risks--1--impact", "Huge"),
            ]),
        ));
        assert!(
            matches!(&problems[0].problem, Problem::NotAChoice { value, .. } if value == "Huge")
        );
        assert_eq!(problems[0].field, "answer-risks--1--impact");
        assert_eq!(
            typed.get("answer-risks--1--risk").map(String::as_str),
            Some("Bias")
        );
    }

    #[test]
    fn free_text_saved_before_a_prompt_had_a_table_goes_in_its_first_cell() {
        let kind = &worksheet().prompts[2].kind;
        let AnswerValue::Table(TableAnswer { rows, .. }) =
            AnswerValue::from_stored(kind, "old notes")
        else {
            panic!("a table")
        };
        assert_eq!(rows[0].get("risk").map(String::as_str), Some("old notes"));
    }
}
