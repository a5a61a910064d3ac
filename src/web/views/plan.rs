//! The plan in numbers, for the dashboard and the module page.
use std::collections::HashMap;

use serde::Serialize;

use crate::course::{Course, Module};

/// How many of a module's prompts have an answer.
pub fn answered_in(module: &Module, has_answer: impl Fn(&str) -> bool) -> usize {
    module
        .worksheet
        .prompts
        .iter()
        .filter(|p| has_answer(&p.id))
        .count()
}

/// What the dashboard shows about the plan.
#[derive(Serialize)]
pub struct PlanSummary {
    pub answered: usize,
    pub count: usize,
}

impl PlanSummary {
    /// From every saved answer, keyed by (module slug, prompt id).
    pub fn build<V>(course: &Course, answers: &HashMap<(String, String), V>) -> Self {
        Self {
            answered: course
                .modules
                .iter()
                .map(|m| {
                    answered_in(m, |id| {
                        answers.contains_key(&(m.slug.clone(), id.to_string()))
                    })
                })
                .sum(),
            count: course
                .modules
                .iter()
                .map(|m| m.worksheet.prompts.len())
                .sum(),
        }
    }
}

/// The plan page: the plan document, and the sharing choice.
#[derive(Serialize)]
pub struct PlanPage {
    pub doc: crate::plan::PlanDocument,
    pub shared: bool,
    pub sharing_saved: bool,
    pub complete: bool,
    /// "Share with your organisation" is offered only to members of one.
    pub has_organisation: bool,
}

impl PlanPage {
    pub fn new(doc: crate::plan::PlanDocument, shared: bool, sharing_saved: bool) -> Self {
        Self {
            complete: doc.empty_sections.is_empty(),
            doc,
            shared,
            sharing_saved,
            has_organisation: false,
        }
    }
}
