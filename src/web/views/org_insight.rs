//! The quiz-insight page: which questions an organisation's learners get wrong, in words.
use serde::Serialize;

use crate::course::{Course, Module, Question, QuestionKind};
use crate::entities::organisations;
use crate::services::insight::Insight;

#[derive(Serialize)]
struct ChoiceCount {
    text: String,
    correct: bool,
    first: usize,
    all: usize,
}

#[derive(Serialize)]
struct QuestionInsight {
    prompt: String,
    kind: &'static str,
    first_n: usize,
    all_n: usize,
    first_facility: String,
    all_facility: String,
    first_discrimination: String,
    all_discrimination: String,
    /// What an item writer should look at (once enough learners have answered).
    flags: Vec<&'static str>,
    choices: Vec<ChoiceCount>,
    hard: bool,
}

#[derive(Serialize)]
pub struct InsightPage {
    slug: String,
    name: String,
    module_slug: String,
    module_title: String,
    modules: Vec<(String, String, bool)>,
    learners: usize,
    attempts: usize,
    questions: Vec<QuestionInsight>,
}

/// A share as a whole percentage, or a dash when there is no data.
pub fn pct(f: Option<f64>) -> String {
    f.map_or_else(|| "–".into(), |v| format!("{:.0}%", v * 100.0))
}

/// A correlation to two places, or a dash when it is undefined.
pub fn corr(f: Option<f64>) -> String {
    f.map_or_else(|| "–".into(), |v| format!("{v:.2}"))
}

pub fn kind_in_words(kind: QuestionKind) -> &'static str {
    match kind {
        QuestionKind::Single => "Single answer",
        QuestionKind::Multiple => "Multiple answer",
        QuestionKind::TrueFalse => "True or false",
        QuestionKind::Ordering => "Ordering",
        QuestionKind::Matching => "Matching",
    }
}

fn question(q: &Question, ins: &Insight) -> QuestionInsight {
    let first = ins.first.get(&q.id).cloned().unwrap_or_default();
    let all = ins.all.get(&q.id).cloned().unwrap_or_default();
    QuestionInsight {
        prompt: q.prompt.clone(),
        kind: kind_in_words(q.kind),
        first_n: first.answered,
        all_n: all.answered,
        first_facility: pct(first.facility),
        all_facility: pct(all.facility),
        first_discrimination: corr(first.discrimination),
        all_discrimination: corr(all.discrimination),
        choices: q
            .options
            .iter()
            .map(|o| ChoiceCount {
                text: o.text.clone(),
                correct: o.correct,
                first: first.choices.get(&o.id).copied().unwrap_or(0),
                all: all.choices.get(&o.id).copied().unwrap_or(0),
            })
            .collect(),
        hard: all.facility.is_some_and(|f| f < 0.5),
        flags: crate::services::insight::review_flags(&first),
    }
}

impl InsightPage {
    pub fn build(
        course: &Course,
        org: &organisations::Model,
        module: &Module,
        ins: &Insight,
    ) -> Self {
        let mut questions: Vec<QuestionInsight> = module
            .quiz
            .questions
            .iter()
            .map(|q| question(q, ins))
            .collect();
        questions.sort_by_key(|q| std::cmp::Reverse(q.hard));
        Self {
            slug: org.slug.clone(),
            name: org.name.clone(),
            module_slug: module.slug.clone(),
            module_title: format!("Module {}: {}", module.number, module.title),
            modules: course
                .modules
                .iter()
                .map(|m| {
                    (
                        m.slug.clone(),
                        format!("Module {}: {}", m.number, m.title),
                        m.slug == module.slug,
                    )
                })
                .collect(),
            learners: ins.learners,
            attempts: ins.attempts,
            questions,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_and_correlations_read_as_numbers_or_a_dash() {
        assert_eq!(pct(Some(0.456)), "46%");
        assert_eq!(pct(None), "–");
        assert_eq!(corr(Some(0.3333)), "0.33");
        assert_eq!(corr(None), "–");
        assert_eq!(kind_in_words(QuestionKind::TrueFalse), "True or false");
    }
}
