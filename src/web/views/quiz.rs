//! The quiz pages: the form (with the answers given kept when it comes back with problems), the
//! page saying why a quiz cannot be taken now, the review of an attempt, and the attempt history.
//! Pure: built from the course, the attempt's ticket or stored rows, and the answer codec.
use std::collections::{BTreeMap, BTreeSet};

use chrono_tz::Tz;
use serde::Serialize;

use crate::course::{Module, Question, QuestionKind, Scoring, ShowAnswers};
use crate::domain::quiz::{AnswerCodec, DrawnQuestion, FULL, Response, field_name};
use crate::entities::{attempt_answers, quiz_attempts};
use crate::services::quiz::{Availability, Ticket};

#[derive(Serialize)]
pub struct ChoiceInput {
    pub id: String,
    pub field: String,
    pub value: String,
    pub text: String,
    pub checked: bool,
}

#[derive(Serialize)]
pub struct SelectOption {
    pub value: String,
    pub text: String,
    pub selected: bool,
}

#[derive(Serialize)]
pub struct SelectRow {
    pub id: String,
    pub field: String,
    pub label: String,
    pub options: Vec<SelectOption>,
}

#[derive(Serialize)]
pub struct QuestionForm {
    pub number: usize,
    pub id: String,
    pub prompt: String,
    pub hint: &'static str,
    pub radio: bool,
    pub checkbox: bool,
    pub choices: Vec<ChoiceInput>,
    pub rows: Vec<SelectRow>,
    pub error: Option<String>,
}

#[derive(Serialize)]
pub struct ProblemLink {
    pub anchor: String,
    pub message: String,
}

#[derive(Serialize)]
pub struct QuizPage {
    pub module_number: usize,
    pub module_slug: String,
    pub module_title: String,
    pub pass_mark: u8,
    pub count: usize,
    pub attempt_id: String,
    pub seed: String,
    pub issued: i64,
    pub signature: String,
    pub questions: Vec<QuestionForm>,
    pub errors: Vec<ProblemLink>,
    pub attempts_used: u32,
    pub attempts_allowed: u32,
    pub cooldown_minutes: u32,
    pub scoring_note: &'static str,
    pub answers_note: &'static str,
    /// The answers shown were kept after the session ended: not submitted yet.
    pub kept: bool,
    pub kept_button: &'static str,
}

impl QuizPage {
    /// The form for this ticket's draw, with `given` answers ticked and `problems` (question
    /// number from 1, message) shown beside their questions and in the error summary.
    pub fn build(
        module: &Module,
        ticket: &Ticket,
        used: u32,
        given: &BTreeMap<String, BTreeSet<String>>,
        problems: &[(usize, String)],
        codec: &AnswerCodec<'_>,
    ) -> Self {
        let drawn = crate::domain::quiz::draw(&module.quiz, ticket.seed);
        let questions: Vec<QuestionForm> = drawn
            .iter()
            .enumerate()
            .filter_map(|(i, d)| {
                let q = module.quiz.question(&d.id)?;
                let error = problems
                    .iter()
                    .find(|(n, _)| *n == i + 1)
                    .map(|(_, m)| m.clone());
                Some(question_form(i + 1, q, d, given, error, codec))
            })
            .collect();
        let errors = problems
            .iter()
            .filter_map(|(n, m)| {
                let q = questions.get(n.checked_sub(1)?)?;
                Some(ProblemLink {
                    anchor: format!("question-{}", q.id),
                    message: m.clone(),
                })
            })
            .collect();
        let settings = &module.quiz.settings;
        QuizPage {
            module_number: module.number,
            module_slug: module.slug.clone(),
            module_title: module.title.clone(),
            pass_mark: settings.pass_mark,
            count: questions.len(),
            attempt_id: ticket.attempt_id.to_string(),
            seed: ticket.seed.to_string(),
            issued: ticket.issued,
            signature: ticket.signature.clone(),
            questions,
            errors,
            attempts_used: used,
            attempts_allowed: settings.attempts_allowed,
            cooldown_minutes: settings.minutes_between_attempts,
            scoring_note: scoring_note(settings.scoring),
            answers_note: answers_note(settings.show_answers),
            kept: problems.is_empty() && !given.is_empty(),
            kept_button: "Submit answers",
        }
    }

    /// Whether the form came back with problems (422, "Error: " in the title).
    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }

    pub fn title(&self) -> String {
        let prefix = if self.has_errors() { "Error: " } else { "" };
        format!("{prefix}Module {} quiz", self.module_number)
    }
}

/// The quiz page's plain statement of how answers are scored.
fn scoring_note(policy: Scoring) -> &'static str {
    match policy {
        Scoring::Partial => {
            "Questions with several parts (select all that apply, put in order, match) earn part of the mark for each part you get right; a wrong tick takes one back."
        }
        Scoring::AllOrNothing => {
            "Questions with several parts (select all that apply, put in order, match) earn the mark only when every part is right."
        }
    }
}

/// The quiz page's plain statement of what the review will show.
fn answers_note(mode: ShowAnswers) -> &'static str {
    match mode {
        ShowAnswers::Always => {
            "After you submit, you will see the right answers and why each answer is right or wrong."
        }
        ShowAnswers::AfterPass => {
            "After you submit, you will see which answers were wrong and feedback on the ones you chose; the right answers are shown once you pass."
        }
        ShowAnswers::Never => {
            "After you submit, you will see which answers were wrong and feedback on the ones you chose, but not the right answers."
        }
    }
}

pub fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (1, 11) | (2, 12) | (3, 13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

fn question_form(
    number: usize,
    q: &Question,
    d: &DrawnQuestion,
    given: &BTreeMap<String, BTreeSet<String>>,
    error: Option<String>,
    codec: &AnswerCodec<'_>,
) -> QuestionForm {
    let is_given = |field: &str, value: &str| given.get(field).is_some_and(|v| v.contains(value));
    let field = field_name(&q.id, None);
    let mut choices = Vec::new();
    let mut rows = Vec::new();
    match q.kind {
        QuestionKind::Single | QuestionKind::Multiple | QuestionKind::TrueFalse => {
            for &i in &d.order {
                if let Some(o) = q.options.get(i) {
                    let value = codec.token(&q.id, &o.id);
                    choices.push(ChoiceInput {
                        id: format!("{}-{}", q.id, value),
                        field: field.clone(),
                        checked: is_given(&field, &value),
                        value,
                        text: o.text.clone(),
                    });
                }
            }
        }
        QuestionKind::Ordering => {
            let n = q.items.len();
            for &i in &d.order {
                if let Some(item) = q.items.get(i) {
                    let f = field_name(&q.id, Some(&item.id));
                    let mut options = vec![SelectOption {
                        value: String::new(),
                        text: "Choose a position".into(),
                        selected: false,
                    }];
                    options.extend((1..=n).map(|p| SelectOption {
                        value: p.to_string(),
                        text: ordinal(p),
                        selected: is_given(&f, &p.to_string()),
                    }));
                    rows.push(SelectRow {
                        id: format!("{}-{}", q.id, codec.token(&q.id, &item.id)),
                        field: f,
                        label: item.text.clone(),
                        options,
                    });
                }
            }
        }
        QuestionKind::Matching => {
            for p in &q.pairs {
                let f = field_name(&q.id, Some(&p.id));
                let mut options = vec![SelectOption {
                    value: String::new(),
                    text: "Choose a match".into(),
                    selected: false,
                }];
                options.extend(d.order.iter().filter_map(|&i| q.pairs.get(i)).map(|r| {
                    let value = codec.token(&q.id, &r.id);
                    SelectOption {
                        selected: is_given(&f, &value),
                        value,
                        text: r.right.clone(),
                    }
                }));
                rows.push(SelectRow {
                    id: format!("{}-{}", q.id, codec.token(&q.id, &format!("left|{}", p.id))),
                    field: f,
                    label: p.left.clone(),
                    options,
                });
            }
        }
    }
    QuestionForm {
        number,
        id: q.id.clone(),
        prompt: q.prompt.clone(),
        hint: match q.kind {
            QuestionKind::Single => "Select one answer.",
            QuestionKind::TrueFalse => "Select true or false.",
            QuestionKind::Multiple => "Select all that apply.",
            QuestionKind::Ordering => "Give each item its position, from 1st (first) onwards.",
            QuestionKind::Matching => "Choose the match for each item.",
        },
        radio: matches!(q.kind, QuestionKind::Single | QuestionKind::TrueFalse),
        checkbox: q.kind == QuestionKind::Multiple,
        choices,
        rows,
        error,
    }
}

#[derive(Serialize)]
pub struct UnavailablePage {
    pub module_number: usize,
    pub module_slug: String,
    pub module_title: String,
    pub message: String,
}

/// Why the quiz cannot be taken now, in words.
pub fn unavailable_message(why: &Availability, tz: Tz) -> String {
    match why {
        Availability::NoAttemptsLeft { allowed } => {
            format!("You have used all {allowed} attempts at this quiz.")
        }
        Availability::WaitUntil(at) => format!(
            "You can take this quiz again after {}.",
            crate::local_time::time_on_date(*at, tz)
        ),
        Availability::Locked { previous } => {
            format!("This module opens when you have completed module {previous}.")
        }
        Availability::Open { .. } => String::new(),
    }
}

impl UnavailablePage {
    /// Why `module`'s quiz cannot be taken now.
    pub fn build(module: &Module, why: &Availability, tz: Tz) -> Self {
        let message = unavailable_message(why, tz);
        UnavailablePage {
            module_number: module.number,
            module_slug: module.slug.clone(),
            module_title: module.title.clone(),
            message,
        }
    }

    pub fn title(&self) -> String {
        format!("Module {} quiz", self.module_number)
    }
}

#[derive(Serialize)]
pub struct ReviewChoice {
    pub field: String,
    pub value: String,
    pub text: String,
    pub chosen: bool,
    pub correct: bool,
    pub show_correct: bool,
    pub feedback: Option<String>,
}

#[derive(Serialize)]
pub struct ReviewRow {
    pub label: String,
    pub field: String,
    pub chosen_value: String,
    pub chosen_text: String,
    pub right: bool,
    pub correct_value: String,
    pub correct_text: String,
    pub show_correct: bool,
    pub feedback: Option<String>,
}

#[derive(Serialize)]
pub struct ReviewQuestion {
    pub number: usize,
    pub prompt: String,
    pub outcome: &'static str,
    pub full: bool,
    pub none: bool,
    pub credit_percent: u32,
    pub choices: Vec<ReviewChoice>,
    pub rows: Vec<ReviewRow>,
    pub explanation: Option<String>,
    pub partial_scoring: bool,
    /// The lesson that teaches this question, when its feedback names one.
    pub lesson: Option<LessonLink>,
}

/// A link to a lesson of the module.
#[derive(Serialize, Debug, PartialEq, Eq)]
pub struct LessonLink {
    pub url: String,
    pub title: String,
}

/// The lesson that teaches `q`: the first lesson of the module whose title its explanation or
/// answer feedback names ("See the lesson '…'").
pub fn teaching_lesson(module: &Module, q: &Question) -> Option<LessonLink> {
    let mut text = q.explanation.clone().unwrap_or_default();
    for o in &q.options {
        text.push(' ');
        text.push_str(&o.feedback);
    }
    let text = text.to_lowercase();
    module
        .lessons
        .iter()
        .find(|l| text.contains(&l.title.to_lowercase()))
        .map(|l| LessonLink {
            url: format!("/modules/{}/lessons/{}", module.slug, l.slug),
            title: format!("Lesson {}: {}", l.number, l.title),
        })
}

/// Why the score is what it is, when part marks make it differ from the count of fully right
/// answers ("2%" beside "0 of 10 fully correct" needs words).
pub fn score_in_words(score: i32, right: usize, partly: usize, count: usize) -> Option<String> {
    if partly == 0 {
        return None;
    }
    let questions = |n: usize| {
        if n == 1 {
            "1 question".to_string()
        } else {
            format!("{n} questions")
        }
    };
    Some(format!(
        "Your score of {score}% counts part marks. You got {} of {count} fully right, and {} partly right: each of those earned only part of its mark.",
        if right == 0 {
            "none".to_string()
        } else {
            right.to_string()
        },
        questions(partly),
    ))
}

#[derive(Serialize)]
pub struct ReviewPage {
    pub attempt_id: String,
    pub module_number: usize,
    pub module_slug: String,
    pub module_title: String,
    pub score: i32,
    pub passed: bool,
    pub pass_mark: i32,
    pub submitted: String,
    pub right: usize,
    pub count: usize,
    pub questions: Vec<ReviewQuestion>,
    /// How part marks make up the score, when there are any.
    pub score_in_words: Option<String>,
    pub show_answers: bool,
    /// The right answers are held back until the learner passes.
    pub key_after_pass: bool,
}

pub fn review_question(
    number: usize,
    q: &Question,
    d: &DrawnQuestion,
    response: &Response,
    credit: u32,
    show: bool,
    codec: &AnswerCodec<'_>,
) -> ReviewQuestion {
    let field = field_name(&q.id, None);
    let mut choices = Vec::new();
    let mut rows = Vec::new();
    match (q.kind, response) {
        (QuestionKind::Single | QuestionKind::Multiple | QuestionKind::TrueFalse, r) => {
            let chosen_ids = match r {
                Response::Choices(c) => c.clone(),
                Response::Placements(_) => BTreeSet::new(),
            };
            for &i in &d.order {
                let Some(o) = q.options.get(i) else { continue };
                let chosen = chosen_ids.contains(&o.id);
                choices.push(ReviewChoice {
                    field: field.clone(),
                    value: codec.token(&q.id, &o.id),
                    text: o.text.clone(),
                    chosen,
                    correct: o.correct,
                    show_correct: show || chosen,
                    feedback: (show || chosen).then(|| o.feedback.clone()),
                });
            }
        }
        (QuestionKind::Ordering, r) => {
            let placed = match r {
                Response::Placements(p) => p.clone(),
                Response::Choices(_) => BTreeMap::new(),
            };
            for (pos, item) in q.items.iter().enumerate() {
                let chosen = placed.get(&item.id).cloned().unwrap_or_default();
                let correct = (pos + 1).to_string();
                let chosen_text = chosen
                    .parse::<usize>()
                    .map(ordinal)
                    .unwrap_or_else(|_| "no answer".into());
                rows.push(ReviewRow {
                    label: item.text.clone(),
                    field: field_name(&q.id, Some(&item.id)),
                    right: chosen == correct,
                    chosen_value: chosen,
                    chosen_text,
                    correct_value: correct,
                    correct_text: ordinal(pos + 1),
                    show_correct: show,
                    feedback: show.then(|| item.feedback.clone()),
                });
            }
        }
        (QuestionKind::Matching, r) => {
            let placed = match r {
                Response::Placements(p) => p.clone(),
                Response::Choices(_) => BTreeMap::new(),
            };
            for p in &q.pairs {
                let chosen = placed.get(&p.id).cloned().unwrap_or_default();
                let chosen_text = q
                    .pairs
                    .iter()
                    .find(|x| x.id == chosen)
                    .map_or_else(|| "no answer".into(), |x| x.right.clone());
                rows.push(ReviewRow {
                    label: p.left.clone(),
                    field: field_name(&q.id, Some(&p.id)),
                    right: chosen == p.id,
                    chosen_value: if chosen.is_empty() {
                        chosen
                    } else {
                        codec.token(&q.id, &chosen)
                    },
                    chosen_text,
                    correct_value: codec.token(&q.id, &p.id),
                    correct_text: p.right.clone(),
                    show_correct: show,
                    feedback: show.then(|| p.feedback.clone()),
                });
            }
        }
    }
    ReviewQuestion {
        number,
        prompt: q.prompt.clone(),
        outcome: if credit >= FULL {
            "Correct"
        } else if credit == 0 {
            "Incorrect"
        } else {
            "Partly correct"
        },
        full: credit >= FULL,
        none: credit == 0,
        credit_percent: credit / 10,
        choices,
        rows,
        explanation: if show { q.explanation.clone() } else { None },
        partial_scoring: q.scoring == Scoring::Partial,
        lesson: None,
    }
}

/// A stored attempt's questions or answers could not be read back (a bug or a hand-edited row).
#[derive(Debug, thiserror::Error)]
#[error("stored attempt questions: {0}")]
pub struct UnreadableAttempt(#[from] serde_json::Error);

impl ReviewPage {
    /// The review of a stored attempt. A question removed from the course since is skipped; the
    /// stored score stands.
    ///
    /// # Errors
    /// When the attempt's stored questions are not valid JSON.
    pub fn build(
        module: &Module,
        attempt: &quiz_attempts::Model,
        answers: &[attempt_answers::Model],
        codec: &AnswerCodec<'_>,
        tz: Tz,
    ) -> Result<Self, UnreadableAttempt> {
        let drawn: Vec<DrawnQuestion> = serde_json::from_str(&attempt.questions)?;
        let mode = module.quiz.settings.show_answers;
        let show = mode.reveals_key(attempt.passed);
        let mut questions = Vec::new();
        for (i, d) in drawn.iter().enumerate() {
            let Some(q) = module.quiz.question(&d.id) else {
                continue;
            };
            let answer = answers.iter().find(|a| a.question_id == d.id);
            let response: Response = answer
                .and_then(|a| serde_json::from_str(&a.response).ok())
                .unwrap_or(Response::Choices(BTreeSet::new()));
            let credit = answer.map_or(0, |a| u32::try_from(a.credit).unwrap_or(0));
            let mut rq = review_question(i + 1, q, d, &response, credit, show, codec);
            rq.lesson = teaching_lesson(module, q);
            questions.push(rq);
        }
        let right = questions.iter().filter(|q| q.full).count();
        let partly = questions.iter().filter(|q| !q.full && !q.none).count();
        Ok(ReviewPage {
            score_in_words: score_in_words(attempt.score_percent, right, partly, questions.len()),
            attempt_id: attempt.public_id.clone(),
            module_number: module.number,
            module_slug: module.slug.clone(),
            module_title: module.title.clone(),
            score: attempt.score_percent,
            passed: attempt.passed,
            pass_mark: attempt.pass_mark,
            submitted: crate::local_time::time_on_date(attempt.submitted_at, tz),
            right,
            count: questions.len(),
            questions,
            show_answers: show,
            key_after_pass: !show && mode == ShowAnswers::AfterPass,
        })
    }

    pub fn title(&self) -> String {
        format!("Module {} quiz: your result", self.module_number)
    }
}

/// The seed an attempt stored (an u64 kept bit-for-bit in an i64 column).
pub fn stored_seed(attempt: &quiz_attempts::Model) -> u64 {
    u64::from_ne_bytes(attempt.seed.to_ne_bytes())
}

#[derive(Serialize)]
pub struct HistoryRow {
    pub id: String,
    pub module_number: usize,
    pub module_title: String,
    pub submitted: String,
    pub score: i32,
    pub passed: bool,
}

#[derive(Serialize)]
pub struct HistoryPage {
    pub attempts: Vec<HistoryRow>,
}

impl HistoryPage {
    /// The learner's attempts, newest first; an attempt at a module no longer in the course keeps
    /// its slug as its title.
    pub fn build(
        course: &crate::course::Course,
        attempts: Vec<quiz_attempts::Model>,
        tz: Tz,
    ) -> Self {
        let attempts = attempts
            .into_iter()
            .map(|a| {
                let module = course.module(&a.module_slug);
                HistoryRow {
                    id: a.public_id,
                    module_number: module.map_or(0, |m| m.number),
                    module_title: module.map_or_else(|| a.module_slug.clone(), |m| m.title.clone()),
                    submitted: crate::local_time::short_time_on_date(a.submitted_at, tz),
                    score: a.score_percent,
                    passed: a.passed,
                }
            })
            .collect();
        HistoryPage { attempts }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::course::{Choice, OrderItem, QuestionStyle};
    use crate::crypto::MacKey;
    use chrono::{TimeZone, Utc};

    const LONDON: Tz = chrono_tz::Europe::London;

    fn question(kind: QuestionKind) -> Question {
        let choice = |id: &str, correct: bool| Choice {
            id: id.into(),
            text: format!("Option {id}"),
            correct,
            feedback: format!("Feedback on {id}"),
        };
        Question {
            id: "q1".into(),
            kind,
            outcomes: vec!["o".into()],
            prompt: "Which?".into(),
            explanation: Some("Because.".into()),
            style: QuestionStyle::Recall,
            scoring: Scoring::Partial,
            scoring_overridden: false,
            options: match kind {
                QuestionKind::Multiple => {
                    vec![choice("a", true), choice("b", true), choice("c", false)]
                }
                QuestionKind::Single => vec![choice("a", true), choice("b", false)],
                _ => vec![],
            },
            items: if kind == QuestionKind::Ordering {
                ["first", "second", "third"]
                    .iter()
                    .map(|i| OrderItem {
                        id: (*i).into(),
                        text: (*i).into(),
                        feedback: String::new(),
                    })
                    .collect()
            } else {
                vec![]
            },
            pairs: vec![],
        }
    }

    fn drawn(q: &Question, order: &[usize]) -> DrawnQuestion {
        DrawnQuestion {
            id: q.id.clone(),
            order: order.to_vec(),
        }
    }

    #[test]
    fn the_form_shows_choices_in_the_drawn_order_with_the_answers_given_ticked() {
        let key = MacKey::new(b"test key").expect("key");
        let codec = AnswerCodec::with_mac(&key, 7);
        let q = question(QuestionKind::Single);
        let b = codec.token("q1", "b");
        let given = BTreeMap::from([("q.q1".to_string(), BTreeSet::from([b.clone()]))]);
        let form = question_form(3, &q, &drawn(&q, &[1, 0]), &given, None, &codec);
        assert_eq!(form.number, 3);
        assert_eq!(form.hint, "Select one answer.");
        assert!(form.radio && !form.checkbox);
        let texts: Vec<&str> = form.choices.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(texts, ["Option b", "Option a"]);
        assert!(form.choices[0].checked && form.choices[0].value == b);
        assert!(!form.choices[1].checked);
        assert!(form.choices.iter().all(|c| c.field == "q.q1"));
        // The page never names a choice by its id.
        assert!(
            form.choices
                .iter()
                .all(|c| c.value != "a" && c.value != "b")
        );
    }

    #[test]
    fn an_ordering_question_offers_every_position_with_a_blank_first() {
        let key = MacKey::new(b"test key").expect("key");
        let codec = AnswerCodec::with_mac(&key, 7);
        let q = question(QuestionKind::Ordering);
        let given = BTreeMap::from([("q.q1.second".to_string(), BTreeSet::from(["1".into()]))]);
        let form = question_form(1, &q, &drawn(&q, &[2, 1, 0]), &given, None, &codec);
        let labels: Vec<&str> = form.rows.iter().map(|r| r.label.as_str()).collect();
        assert_eq!(labels, ["third", "second", "first"]);
        let options: Vec<&str> = form.rows[1]
            .options
            .iter()
            .map(|o| o.text.as_str())
            .collect();
        assert_eq!(options, ["Choose a position", "1st", "2nd", "3rd"]);
        assert!(form.rows[1].options[1].selected);
        assert!(!form.rows[0].options.iter().any(|o| o.selected));
    }

    #[test]
    fn a_partly_right_answer_is_called_partly_correct_and_hides_the_key_when_asked() {
        let key = MacKey::new(b"test key").expect("key");
        let codec = AnswerCodec::with_mac(&key, 7);
        let q = question(QuestionKind::Multiple);
        let chose_a = Response::Choices(BTreeSet::from(["a".to_string()]));
        let r = review_question(2, &q, &drawn(&q, &[0, 1, 2]), &chose_a, 500, false, &codec);
        assert_eq!(r.outcome, "Partly correct");
        assert_eq!(r.credit_percent, 50);
        assert!(!r.full && !r.none && r.partial_scoring);
        assert_eq!(r.explanation, None);
        // Only the chosen answer says whether it was right, with its feedback.
        let shown: Vec<(bool, Option<&str>)> = r
            .choices
            .iter()
            .map(|c| (c.show_correct, c.feedback.as_deref()))
            .collect();
        assert_eq!(
            shown,
            [(true, Some("Feedback on a")), (false, None), (false, None)]
        );
        let shown = review_question(2, &q, &drawn(&q, &[0, 1, 2]), &chose_a, 500, true, &codec);
        assert!(shown.choices.iter().all(|c| c.show_correct));
        assert_eq!(shown.explanation.as_deref(), Some("Because."));
    }

    #[test]
    fn full_and_no_credit_are_correct_and_incorrect() {
        let key = MacKey::new(b"test key").expect("key");
        let codec = AnswerCodec::with_mac(&key, 7);
        let q = question(QuestionKind::Single);
        let none = Response::Choices(BTreeSet::new());
        let d = drawn(&q, &[0, 1]);
        assert_eq!(
            review_question(1, &q, &d, &none, FULL, true, &codec).outcome,
            "Correct"
        );
        assert_eq!(
            review_question(1, &q, &d, &none, 0, true, &codec).outcome,
            "Incorrect"
        );
    }

    #[test]
    fn positions_are_written_as_ordinals() {
        let words: Vec<String> = [1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 101, 111]
            .into_iter()
            .map(ordinal)
            .collect();
        assert_eq!(
            words,
            [
                "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "23rd",
                "101st", "111th"
            ]
        );
    }

    #[test]
    fn an_unavailable_quiz_says_why_and_when() {
        assert_eq!(
            unavailable_message(&Availability::NoAttemptsLeft { allowed: 3 }, LONDON),
            "You have used all 3 attempts at this quiz."
        );
        let at = Utc
            .with_ymd_and_hms(2027, 1, 5, 9, 30, 0)
            .single()
            .expect("date");
        assert_eq!(
            unavailable_message(&Availability::WaitUntil(at), LONDON),
            "You can take this quiz again after 9:30am on 5 January 2027."
        );
        assert_eq!(
            unavailable_message(&Availability::WaitUntil(at), chrono_tz::Asia::Tokyo),
            "You can take this quiz again after 6:30pm on 5 January 2027."
        );
        assert_eq!(
            unavailable_message(&Availability::Locked { previous: 2 }, LONDON),
            "This module opens when you have completed module 2."
        );
    }
}
