//! Reading a submitted worksheet form: which prompts were answered, and what is too long.
//! Plain text only; nothing here touches the database.
use std::collections::BTreeMap;

use crate::course::Worksheet;

/// The form field (and HTML id) of a prompt's textarea.
pub fn field_name(prompt_id: &str) -> String {
    format!("answer-{prompt_id}")
}

/// Line breaks as one `\n`, however the browser sent them.
pub fn normalise(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\r', "\n")
}

/// What a learner typed for one prompt: `None` clears a saved answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub prompt_id: String,
    pub text: Option<String>,
}

/// An answer over its prompt's limit, counted in Unicode characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TooLong {
    pub prompt_id: String,
    pub chars: usize,
    pub max_chars: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorksheetFormError {
    /// An answer to a prompt this worksheet does not have, or one sent twice: 400, nothing saved.
    #[error("the form has a field this worksheet does not have: {0}")]
    Tampered(String),
    /// Answers over their limit: shown again with every typed answer kept, nothing saved.
    #[error("some answers are too long")]
    TooLong {
        typed: BTreeMap<String, String>,
        problems: Vec<TooLong>,
    },
}

/// The answers typed into a worksheet form, by prompt id (fields of other prompts are ignored).
pub fn typed_answers(
    worksheet: &Worksheet,
    pairs: &[(String, String)],
) -> BTreeMap<String, String> {
    pairs
        .iter()
        .filter_map(|(name, value)| {
            let id = name.strip_prefix("answer-")?;
            let prompt = worksheet.prompts.iter().find(|p| p.id == id)?;
            Some((prompt.id.clone(), normalise(value)))
        })
        .collect()
}

/// Parses a worksheet form into one answer per prompt it sent, in the worksheet's order.
/// Prompts missing from the form are left as they are.
///
/// # Errors
/// `Tampered` for unknown or repeated fields; `TooLong` when any answer is over its limit.
pub fn read_answers(
    worksheet: &Worksheet,
    pairs: &[(String, String)],
) -> Result<Vec<Answer>, WorksheetFormError> {
    let mut typed: BTreeMap<String, String> = BTreeMap::new();
    for (name, value) in pairs {
        // Other fields (the CSRF token, the button) are not answers.
        let Some(id) = name.strip_prefix("answer-") else {
            continue;
        };
        let prompt = worksheet
            .prompts
            .iter()
            .find(|p| p.id == id)
            .ok_or_else(|| WorksheetFormError::Tampered(name.clone()))?;
        if typed.insert(prompt.id.clone(), normalise(value)).is_some() {
            return Err(WorksheetFormError::Tampered(name.clone()));
        }
    }
    let mut answers = Vec::new();
    let mut problems = Vec::new();
    for prompt in &worksheet.prompts {
        let Some(text) = typed.get(&prompt.id) else {
            continue;
        };
        let chars = text.chars().count();
        if chars > prompt.max_chars {
            problems.push(TooLong {
                prompt_id: prompt.id.clone(),
                chars,
                max_chars: prompt.max_chars,
            });
        }
        answers.push(Answer {
            prompt_id: prompt.id.clone(),
            text: (!text.trim().is_empty()).then(|| text.clone()),
        });
    }
    if problems.is_empty() {
        Ok(answers)
    } else {
        Err(WorksheetFormError::TooLong { typed, problems })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::course::WorksheetPrompt;

    fn worksheet() -> Worksheet {
        let prompt = |id: &str, max_chars| WorksheetPrompt {
            id: id.into(),
            label: id.into(),
            help: String::new(),
            example: String::new(),
            max_chars,
        };
        Worksheet {
            title: "T".into(),
            introduction_html: String::new(),
            prompts: vec![prompt("idea", 5), prompt("why", 10)],
        }
    }

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter().map(|(a, b)| ((*a).into(), (*b).into())).collect()
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
        let err = read_answers(
            &worksheet(),
            &pairs(&[("answer-idea", "Åéöü😀!"), ("answer-why", "kept")]),
        );
        match err {
            Err(WorksheetFormError::TooLong { typed, problems }) => {
                assert_eq!(problems.len(), 1);
                assert_eq!(problems[0].chars, 6);
                assert_eq!(typed.get("why").map(String::as_str), Some("kept"));
            }
            other => panic!("expected TooLong, got {other:?}"),
        }
    }

    #[test]
    fn unknown_and_repeated_prompts_are_tampering() {
        for bad in [
            vec![("answer-nope", "x")],
            vec![("answer-idea", "a"), ("answer-idea", "b")],
        ] {
            assert!(matches!(
                read_answers(&worksheet(), &pairs(&bad)),
                Err(WorksheetFormError::Tampered(_))
            ));
        }
    }
}
