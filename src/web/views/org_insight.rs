//! The quiz-insight page: which questions an organisation's learners get wrong, in words.
use serde::Serialize;

use crate::course::{Course, Module, Question, QuestionKind};
use crate::entities::organisations;
use crate::services::confidence::SUPPRESS_BELOW;
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
    /// Fewer than the small-number threshold answered: no figures or per-answer counts, so
    /// nobody's answers can be picked out.
    suppressed: bool,
    /// "46% got it fully right at their first attempt (13 people)".
    first_words: String,
    all_words: String,
    /// Whether people who did well overall got it right more often, in words.
    separates: &'static str,
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
    suppress_below: usize,
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

/// The share who got it fully right, in a sentence.
pub fn right_in_words(share: Option<f64>, answered: usize, when: &str) -> String {
    match share {
        Some(f) => format!(
            "{} got it fully right {when} ({answered} {})",
            pct(Some(f)),
            if answered == 1 { "answer" } else { "answers" }
        ),
        None => format!("Nobody has answered it {when} yet"),
    }
}

/// What the discrimination figure means for a course lead.
pub fn separates_in_words(d: Option<f64>) -> &'static str {
    match d {
        None => {
            "Not enough answers yet to tell whether it separates people who know the topic from those who do not."
        }
        Some(d) if d >= 0.3 => {
            "People who did well on the whole quiz got this right more often: a good test of the topic."
        }
        Some(d) if d >= 0.1 => {
            "People who did well on the whole quiz got this right a little more often."
        }
        Some(d) if d >= 0.0 => {
            "Whether people got this right had little to do with how they did overall: worth a look."
        }
        Some(_) => {
            "People who did well overall got this wrong more often: check the answer and the wording."
        }
    }
}

fn question(q: &Question, ins: &Insight) -> QuestionInsight {
    let first = ins.first.get(&q.id).cloned().unwrap_or_default();
    let all = ins.all.get(&q.id).cloned().unwrap_or_default();
    let suppressed = all.answered < SUPPRESS_BELOW;
    QuestionInsight {
        suppressed,
        first_words: right_in_words(first.facility, first.answered, "at their first attempt"),
        all_words: right_in_words(all.facility, all.answered, "over all attempts"),
        separates: separates_in_words(first.discrimination),
        prompt: q.prompt.clone(),
        kind: kind_in_words(q.kind),
        first_n: first.answered,
        all_n: all.answered,
        first_facility: pct(first.facility),
        all_facility: pct(all.facility),
        first_discrimination: corr(first.discrimination),
        all_discrimination: corr(all.discrimination),
        choices: if suppressed {
            Vec::new()
        } else {
            q.options
                .iter()
                .map(|o| ChoiceCount {
                    text: o.text.clone(),
                    correct: o.correct,
                    first: first.choices.get(&o.id).copied().unwrap_or(0),
                    all: all.choices.get(&o.id).copied().unwrap_or(0),
                })
                .collect()
        },
        hard: !suppressed && all.facility.is_some_and(|f| f < 0.5),
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
            suppress_below: SUPPRESS_BELOW,
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
        assert_eq!(
            right_in_words(Some(0.456), 13, "at their first attempt"),
            "46% got it fully right at their first attempt (13 answers)"
        );
        assert!(separates_in_words(Some(-0.2)).contains("check the answer"));
    }
}
