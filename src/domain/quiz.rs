//! The quiz engine's pure logic: drawing questions, reading answers from a form, scoring.
//! No I/O here, so every rule is unit-tested and property-tested.
use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::course::{Question, QuestionKind, Quiz, QuizSettings, Scoring};

/// Full credit for one question, in thousandths (so partial credit stays exact in integers).
pub const FULL: u32 = 1000;

/// SplitMix64: tiny, fast, and stable forever, so an attempt's draw can always be shown again exactly.
#[derive(Debug, Clone)]
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        // n is small (a quiz pool); modulo bias is negligible for n << 2^64.
        usize::try_from(self.next() % (n as u64)).unwrap_or(0)
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }
}

/// One question of an attempt, with the order its choices are shown in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrawnQuestion {
    pub id: String,
    /// Indexes into the question's options (single, multiple, true/false), items (ordering,
    /// shown order) or pairs (matching: the order of the right-hand choices).
    pub order: Vec<usize>,
}

/// The questions of one attempt, derived from its seed.
///
/// The draw is stratified by outcome: first one question for each outcome the pool covers (in a
/// random order of outcomes, so when there are more outcomes than questions drawn, which ones are
/// covered varies), then the rest at random from what is left; the questions are then shown in a
/// random order. The same seed always gives the same draw.
pub fn draw(quiz: &Quiz, seed: u64) -> Vec<DrawnQuestion> {
    let mut rng = SplitMix64(seed);
    let mut pool: Vec<usize> = (0..quiz.questions.len()).collect();
    rng.shuffle(&mut pool);
    let n = quiz.settings.questions_per_attempt.min(pool.len());
    let mut outcomes: Vec<&str> = quiz
        .questions
        .iter()
        .flat_map(|q| q.outcomes.iter().map(String::as_str))
        .collect::<BTreeSet<&str>>()
        .into_iter()
        .collect();
    rng.shuffle(&mut outcomes);
    let mut chosen: Vec<usize> = Vec::with_capacity(n);
    for outcome in outcomes {
        if chosen.len() >= n {
            break;
        }
        let covered = chosen
            .iter()
            .any(|&i| quiz.questions[i].outcomes.iter().any(|o| o == outcome));
        if covered {
            continue;
        }
        if let Some(&i) = pool.iter().find(|&&i| {
            !chosen.contains(&i) && quiz.questions[i].outcomes.iter().any(|o| o == outcome)
        }) {
            chosen.push(i);
        }
    }
    for &i in &pool {
        if chosen.len() >= n {
            break;
        }
        if !chosen.contains(&i) {
            chosen.push(i);
        }
    }
    rng.shuffle(&mut chosen);
    chosen
        .into_iter()
        .map(|i| {
            let q = &quiz.questions[i];
            DrawnQuestion {
                id: q.id.clone(),
                order: choice_order(q, &quiz.settings, &mut rng),
            }
        })
        .collect()
}

/// The form values that stand for a question's choices (options, and the right-hand side of
/// matching pairs). They are keyed MACs of the attempt's seed, the question and the choice, so
/// the page never names a choice by its id (which would give a matching question's key away),
/// values differ between attempts, and the server can map them back exactly from the ticket.
#[derive(Clone, Copy)]
pub struct AnswerCodec<'k> {
    key: &'k crate::crypto::MacKey,
    seed: u64,
}

impl<'k> AnswerCodec<'k> {
    /// A codec under the server's quiz key (tests build theirs with `MacKey::new(&key_bytes)`).
    pub fn with_mac(key: &'k crate::crypto::MacKey, seed: u64) -> Self {
        Self { key, seed }
    }

    /// The opaque value for `choice` of `question` in this attempt (16 hex digits): the
    /// HMAC-SHA256 of `answer|seed|question|choice`, truncated.
    pub fn token(&self, question: &str, choice: &str) -> String {
        let message = format!("{}|{question}|{choice}", self.seed);
        let digest = self.key.mac_bytes("answer|", message.as_bytes());
        digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
    }

    /// The choice among `choices` that `value` stands for.
    fn decode<'q>(
        &self,
        question: &str,
        mut choices: impl Iterator<Item = &'q str>,
        value: &str,
    ) -> Option<&'q str> {
        choices.find(|c| self.token(question, c) == value)
    }
}

fn choice_order(q: &Question, settings: &QuizSettings, rng: &mut SplitMix64) -> Vec<usize> {
    let n = match q.kind {
        QuestionKind::Single | QuestionKind::Multiple | QuestionKind::TrueFalse => q.options.len(),
        QuestionKind::Ordering => q.items.len(),
        QuestionKind::Matching => q.pairs.len(),
    };
    let mut order: Vec<usize> = (0..n).collect();
    match q.kind {
        // True/false reads "True, False" in that order for everyone.
        QuestionKind::TrueFalse => {
            order.sort_by_key(|&i| q.options[i].id != "true");
        }
        QuestionKind::Single | QuestionKind::Multiple | QuestionKind::Matching => {
            if settings.shuffle_options {
                rng.shuffle(&mut order);
            }
        }
        // Showing the items in their right order would give the answer away: always shuffle.
        QuestionKind::Ordering => {
            rng.shuffle(&mut order);
            if n > 1 && order.iter().enumerate().all(|(i, &o)| i == o) {
                order.rotate_left(1);
            }
        }
    }
    order
}

/// What a learner answered to one question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Response {
    /// Option ids chosen (one for single and true/false).
    Choices(BTreeSet<String>),
    /// Ordering: item id to its position ("1".."N"); matching: left pair id to chosen right pair id.
    Placements(BTreeMap<String, String>),
}

/// The form field for a question (and for one item or pair of it).
pub fn field_name(question: &str, sub: Option<&str>) -> String {
    match sub {
        Some(s) => format!("q.{question}.{s}"),
        None => format!("q.{question}"),
    }
}

/// Input that no honest form produces: refused with 400, nothing stored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Tampered {
    #[error("the form answered a question that is not part of this attempt")]
    UnknownQuestion,
    #[error("the form chose an answer that the question does not offer")]
    UnknownChoice,
}

/// Answers that are incomplete or contradictory: the learner is asked to fix them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incomplete {
    /// (question number from 1, message)
    pub problems: Vec<(usize, String)>,
}

/// Reads the `q.*` fields of a submitted quiz form against the attempt's draw; choice values
/// are the attempt's opaque tokens (see [`AnswerCodec`]).
///
/// # Errors
/// `Err(Err(Tampered))` for impossible input; `Err(Ok(Incomplete))` when questions are unanswered.
pub fn read_answers(
    quiz: &Quiz,
    drawn: &[DrawnQuestion],
    fields: &[(String, String)],
    codec: &AnswerCodec<'_>,
) -> Result<Vec<Response>, Result<Incomplete, Tampered>> {
    let mut raw: BTreeMap<&str, Vec<(Option<&str>, &str)>> = BTreeMap::new();
    for (k, v) in fields {
        let Some(rest) = k.strip_prefix("q.") else {
            continue;
        };
        let (qid, sub) = match rest.split_once('.') {
            Some((q, s)) => (q, Some(s)),
            None => (rest, None),
        };
        if !drawn.iter().any(|d| d.id == qid) {
            return Err(Err(Tampered::UnknownQuestion));
        }
        raw.entry(qid).or_default().push((sub, v.as_str()));
    }
    let mut responses = Vec::with_capacity(drawn.len());
    let mut problems = Vec::new();
    for (n, d) in drawn.iter().enumerate() {
        let Some(q) = quiz.question(&d.id) else {
            return Err(Err(Tampered::UnknownQuestion));
        };
        let given = raw.get(d.id.as_str()).cloned().unwrap_or_default();
        match read_one(q, &given, codec) {
            Ok(Some(r)) => responses.push(r),
            Ok(None) => {
                problems.push((n + 1, missing_message(q, n + 1)));
                responses.push(Response::Choices(BTreeSet::new()));
            }
            Err(Ok(message)) => {
                problems.push((n + 1, message));
                responses.push(Response::Choices(BTreeSet::new()));
            }
            Err(Err(t)) => return Err(Err(t)),
        }
    }
    if problems.is_empty() {
        Ok(responses)
    } else {
        Err(Ok(Incomplete { problems }))
    }
}

fn missing_message(q: &Question, n: usize) -> String {
    match q.kind {
        QuestionKind::Multiple => format!("Question {n}: select at least one answer"),
        QuestionKind::Ordering => format!("Question {n}: give every item a position"),
        QuestionKind::Matching => format!("Question {n}: choose a match for every item"),
        _ => format!("Question {n}: select an answer"),
    }
}

/// The learner's answer to one question as the form sent it, kept even when incomplete, so the form can show it again.
pub fn partial_answers(fields: &[(String, String)]) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (k, v) in fields {
        if k.starts_with("q.") && !v.is_empty() {
            out.entry(k.clone()).or_default().insert(v.clone());
        }
    }
    out
}

type ReadResult = Result<Option<Response>, Result<String, Tampered>>;

fn read_one(q: &Question, given: &[(Option<&str>, &str)], codec: &AnswerCodec<'_>) -> ReadResult {
    match q.kind {
        QuestionKind::Single | QuestionKind::TrueFalse | QuestionKind::Multiple => {
            let mut chosen = BTreeSet::new();
            for (sub, v) in given {
                let option = codec.decode(&q.id, q.options.iter().map(|o| o.id.as_str()), v);
                let (None, Some(option)) = (sub, option) else {
                    return Err(Err(Tampered::UnknownChoice));
                };
                if !chosen.insert(option.to_string()) {
                    return Err(Err(Tampered::UnknownChoice));
                }
            }
            if chosen.len() > 1 && q.kind != QuestionKind::Multiple {
                return Err(Err(Tampered::UnknownChoice));
            }
            Ok((!chosen.is_empty()).then_some(Response::Choices(chosen)))
        }
        QuestionKind::Ordering => {
            let n = q.items.len();
            let mut placed = BTreeMap::new();
            for (sub, v) in given {
                let Some(item) = sub.filter(|s| q.items.iter().any(|i| i.id == *s)) else {
                    return Err(Err(Tampered::UnknownChoice));
                };
                if v.is_empty() {
                    continue;
                }
                match v.parse::<usize>() {
                    Ok(p) if (1..=n).contains(&p) => {
                        if placed.insert(item.to_string(), (*v).to_string()).is_some() {
                            return Err(Err(Tampered::UnknownChoice));
                        }
                    }
                    _ => return Err(Err(Tampered::UnknownChoice)),
                }
            }
            if placed.is_empty() {
                return Ok(None);
            }
            if placed.len() < n {
                return Err(Ok("give every item a position".into()));
            }
            let distinct: BTreeSet<&String> = placed.values().collect();
            if distinct.len() < n {
                return Err(Ok("use each position once".into()));
            }
            Ok(Some(Response::Placements(placed)))
        }
        QuestionKind::Matching => {
            let mut placed = BTreeMap::new();
            for (sub, v) in given {
                let Some(left) = sub.filter(|s| q.pairs.iter().any(|p| p.id == *s)) else {
                    return Err(Err(Tampered::UnknownChoice));
                };
                if v.is_empty() {
                    continue;
                }
                let Some(right) = codec.decode(&q.id, q.pairs.iter().map(|p| p.id.as_str()), v)
                else {
                    return Err(Err(Tampered::UnknownChoice));
                };
                if placed.insert(left.to_string(), right.to_string()).is_some() {
                    return Err(Err(Tampered::UnknownChoice));
                }
            }
            if placed.is_empty() {
                return Ok(None);
            }
            if placed.len() < q.pairs.len() {
                return Err(Ok("choose a match for every item".into()));
            }
            Ok(Some(Response::Placements(placed)))
        }
    }
}

/// Credit for one answer, from 0 to [`FULL`]. Never panics, whatever the response.
pub fn score(q: &Question, r: &Response) -> u32 {
    match (q.kind, r) {
        (QuestionKind::Single | QuestionKind::TrueFalse, Response::Choices(chosen)) => {
            let right = q
                .options
                .iter()
                .filter(|o| o.correct)
                .all(|o| chosen.contains(&o.id));
            if right && chosen.len() == 1 { FULL } else { 0 }
        }
        (QuestionKind::Multiple, Response::Choices(chosen)) => {
            let correct: BTreeSet<&str> = q
                .options
                .iter()
                .filter(|o| o.correct)
                .map(|o| o.id.as_str())
                .collect();
            let hits = chosen
                .iter()
                .filter(|c| correct.contains(c.as_str()))
                .count();
            let misses = chosen.len() - hits;
            match q.scoring {
                Scoring::AllOrNothing => {
                    if misses == 0 && hits == correct.len() {
                        FULL
                    } else {
                        0
                    }
                }
                // Each right tick earns a share; each wrong tick takes one back; never below zero.
                Scoring::Partial => {
                    let total = correct.len().max(1);
                    let net = hits.saturating_sub(misses);
                    u32::try_from(net * FULL as usize / total)
                        .unwrap_or(0)
                        .min(FULL)
                }
            }
        }
        (QuestionKind::Ordering, Response::Placements(placed)) => {
            let right = q
                .items
                .iter()
                .enumerate()
                .filter(|(i, item)| {
                    placed
                        .get(&item.id)
                        .is_some_and(|p| *p == (i + 1).to_string())
                })
                .count();
            share(right, q.items.len(), q.scoring)
        }
        (QuestionKind::Matching, Response::Placements(placed)) => {
            let right = q
                .pairs
                .iter()
                .filter(|p| placed.get(&p.id).is_some_and(|chosen| *chosen == p.id))
                .count();
            share(right, q.pairs.len(), q.scoring)
        }
        _ => 0,
    }
}

fn share(right: usize, total: usize, scoring: Scoring) -> u32 {
    if total == 0 {
        return 0;
    }
    match scoring {
        Scoring::AllOrNothing => {
            if right == total {
                FULL
            } else {
                0
            }
        }
        Scoring::Partial => u32::try_from(right.min(total) * FULL as usize / total).unwrap_or(0),
    }
}

/// The attempt's score as a whole percent (rounded down), and whether it passes.
/// Passing compares exact values, so 79.9% does not pass an 80% mark.
pub fn result(credits: &[u32], pass_mark: u8) -> (u8, bool) {
    let n = credits.len() as u64;
    if n == 0 {
        return (0, false);
    }
    let total: u64 = credits.iter().map(|c| u64::from((*c).min(FULL))).sum();
    let max = n * u64::from(FULL);
    let percent = u8::try_from(total * 100 / max).unwrap_or(100);
    let passed = total * 100 >= u64::from(pass_mark) * max;
    (percent, passed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::course::{Choice, OrderItem, Pair};
    use crate::crypto::MacKey;
    use proptest::prelude::*;

    fn choice(id: &str, correct: bool) -> Choice {
        Choice {
            id: id.into(),
            text: id.into(),
            correct,
            feedback: "f".into(),
        }
    }

    fn question(kind: QuestionKind, scoring: Scoring) -> Question {
        Question {
            id: "q".into(),
            kind,
            outcomes: vec!["o".into()],
            prompt: "p".into(),
            explanation: None,
            style: crate::course::QuestionStyle::Recall,
            scoring,
            scoring_overridden: false,
            options: match kind {
                QuestionKind::TrueFalse => vec![choice("true", true), choice("false", false)],
                QuestionKind::Single => {
                    vec![choice("a", true), choice("b", false), choice("c", false)]
                }
                QuestionKind::Multiple => vec![
                    choice("a", true),
                    choice("b", true),
                    choice("c", false),
                    choice("d", false),
                ],
                _ => vec![],
            },
            items: if kind == QuestionKind::Ordering {
                ["one", "two", "three", "four"]
                    .iter()
                    .map(|i| OrderItem {
                        id: (*i).into(),
                        text: (*i).into(),
                        feedback: "f".into(),
                    })
                    .collect()
            } else {
                vec![]
            },
            pairs: if kind == QuestionKind::Matching {
                ["x", "y", "z"]
                    .iter()
                    .map(|i| Pair {
                        id: (*i).into(),
                        left: format!("L{i}"),
                        right: format!("R{i}"),
                        feedback: "f".into(),
                    })
                    .collect()
            } else {
                vec![]
            },
        }
    }

    fn choices(ids: &[&str]) -> Response {
        Response::Choices(ids.iter().map(|s| (*s).to_string()).collect())
    }

    fn placements(pairs: &[(&str, &str)]) -> Response {
        Response::Placements(
            pairs
                .iter()
                .map(|(a, b)| ((*a).to_string(), (*b).to_string()))
                .collect(),
        )
    }

    #[test]
    fn single_and_true_false_score_all_or_nothing() {
        let q = question(QuestionKind::Single, Scoring::AllOrNothing);
        assert_eq!(score(&q, &choices(&["a"])), FULL);
        assert_eq!(score(&q, &choices(&["b"])), 0);
        let tf = question(QuestionKind::TrueFalse, Scoring::AllOrNothing);
        assert_eq!(score(&tf, &choices(&["true"])), FULL);
        assert_eq!(score(&tf, &choices(&["false"])), 0);
    }

    #[test]
    fn multiple_answer_is_all_or_nothing_unless_partial() {
        let q = question(QuestionKind::Multiple, Scoring::AllOrNothing);
        assert_eq!(score(&q, &choices(&["a", "b"])), FULL);
        assert_eq!(score(&q, &choices(&["a"])), 0);
        assert_eq!(score(&q, &choices(&["a", "b", "c"])), 0);
        let p = question(QuestionKind::Multiple, Scoring::Partial);
        assert_eq!(score(&p, &choices(&["a", "b"])), FULL);
        assert_eq!(score(&p, &choices(&["a"])), 500);
        assert_eq!(
            score(&p, &choices(&["a", "c"])),
            0,
            "a wrong tick cancels a right one"
        );
        assert_eq!(
            score(&p, &choices(&["a", "b", "c", "d"])),
            0,
            "ticking everything earns nothing"
        );
    }

    #[test]
    fn ordering_and_matching_count_places_when_partial() {
        let q = question(QuestionKind::Ordering, Scoring::Partial);
        assert_eq!(
            score(
                &q,
                &placements(&[("one", "1"), ("two", "2"), ("three", "3"), ("four", "4")])
            ),
            FULL
        );
        assert_eq!(
            score(
                &q,
                &placements(&[("one", "1"), ("two", "2"), ("three", "4"), ("four", "3")])
            ),
            500
        );
        let all = question(QuestionKind::Ordering, Scoring::AllOrNothing);
        assert_eq!(
            score(
                &all,
                &placements(&[("one", "1"), ("two", "2"), ("three", "4"), ("four", "3")])
            ),
            0
        );
        let m = question(QuestionKind::Matching, Scoring::Partial);
        assert_eq!(
            score(&m, &placements(&[("x", "x"), ("y", "y"), ("z", "z")])),
            FULL
        );
        assert_eq!(
            score(&m, &placements(&[("x", "x"), ("y", "z"), ("z", "y")])),
            333
        );
    }

    #[test]
    fn the_pass_mark_is_exact_at_its_boundary() {
        // 79.9%, 80% and 80.1% of the way, with an 80% pass mark.
        assert_eq!(result(&[FULL * 799 / 1000], 80), (79, false));
        assert_eq!(result(&[FULL * 8 / 10], 80), (80, true));
        assert_eq!(result(&[FULL * 801 / 1000], 80), (80, true));
        let ten = |right: usize| -> Vec<u32> {
            (0..10).map(|i| if i < right { FULL } else { 0 }).collect()
        };
        assert_eq!(result(&ten(7), 80), (70, false));
        assert_eq!(result(&ten(8), 80), (80, true));
        assert_eq!(result(&ten(9), 80), (90, true));
        assert_eq!(result(&[], 80), (0, false));
    }

    fn quiz_of(n: usize, per_attempt: usize) -> Quiz {
        let mut questions = Vec::new();
        for i in 0..n {
            let mut q = question(QuestionKind::Single, Scoring::AllOrNothing);
            q.id = format!("q{i}");
            questions.push(q);
        }
        Quiz {
            settings: QuizSettings {
                questions_per_attempt: per_attempt,
                ..QuizSettings::default()
            },
            questions,
        }
    }

    #[test]
    fn a_draw_is_the_same_for_the_same_seed_and_differs_between_seeds() {
        let quiz = quiz_of(15, 10);
        assert_eq!(draw(&quiz, 42), draw(&quiz, 42));
        assert_eq!(draw(&quiz, 42).len(), 10);
        let ids: BTreeSet<String> = draw(&quiz, 42).into_iter().map(|d| d.id).collect();
        assert_eq!(ids.len(), 10, "no question twice");
        assert!((0..20).any(|s| draw(&quiz, s) != draw(&quiz, 42)));
    }

    #[test]
    fn answers_to_questions_outside_the_draw_or_unknown_options_are_tampering() {
        let quiz = quiz_of(15, 10);
        let drawn = draw(&quiz, 7);
        let outside = quiz
            .questions
            .iter()
            .find(|q| !drawn.iter().any(|d| d.id == q.id))
            .expect("one left out");
        let key = MacKey::new(b"key").expect("key");
        let codec = AnswerCodec::with_mac(&key, 7);
        let fields = vec![(field_name(&outside.id, None), codec.token(&outside.id, "a"))];
        assert_eq!(
            read_answers(&quiz, &drawn, &fields, &codec),
            Err(Err(Tampered::UnknownQuestion))
        );
        let fields = vec![(field_name(&drawn[0].id, None), "zzz".to_string())];
        assert_eq!(
            read_answers(&quiz, &drawn, &fields, &codec),
            Err(Err(Tampered::UnknownChoice))
        );
        // The option's own id is not a value the form accepts: only the attempt's token is.
        let fields = vec![(field_name(&drawn[0].id, None), "a".to_string())];
        assert_eq!(
            read_answers(&quiz, &drawn, &fields, &codec),
            Err(Err(Tampered::UnknownChoice))
        );
    }

    #[test]
    fn unanswered_questions_are_listed_by_number() {
        let quiz = quiz_of(12, 10);
        let drawn = draw(&quiz, 1);
        let key = MacKey::new(b"key").expect("key");
        let codec = AnswerCodec::with_mac(&key, 1);
        let fields: Vec<(String, String)> = drawn
            .iter()
            .skip(1)
            .map(|d| (field_name(&d.id, None), codec.token(&d.id, "a")))
            .collect();
        match read_answers(&quiz, &drawn, &fields, &codec) {
            Err(Ok(incomplete)) => assert_eq!(incomplete.problems[0].0, 1),
            other => panic!("{other:?}"),
        }
    }

    /// A pool of `n` questions spread over `outcomes` outcomes, question i naming outcome
    /// i % outcomes, except that outcome 0 has most of the pool (to tempt a plain random draw).
    fn stratified_quiz(n: usize, outcomes: usize, per_attempt: usize) -> Quiz {
        let mut quiz = quiz_of(n, per_attempt);
        for (i, q) in quiz.questions.iter_mut().enumerate() {
            let o = if i < outcomes { i } else { 0 };
            q.outcomes = vec![format!("o{o}")];
        }
        quiz
    }

    #[test]
    fn matching_values_are_opaque_distinct_and_read_back_exactly() {
        let q = question(QuestionKind::Matching, Scoring::Partial);
        let quiz = Quiz {
            settings: QuizSettings::default(),
            questions: vec![q.clone()],
        };
        let drawn = draw(&quiz, 9);
        let key = MacKey::new(b"server key").expect("key");
        let codec = AnswerCodec::with_mac(&key, 9);
        let tokens: BTreeSet<String> = q.pairs.iter().map(|p| codec.token(&q.id, &p.id)).collect();
        assert_eq!(tokens.len(), q.pairs.len(), "no two pairs share a value");
        for (p, t) in q
            .pairs
            .iter()
            .zip(q.pairs.iter().map(|p| codec.token(&q.id, &p.id)))
        {
            assert!(!t.contains(&p.id), "the value does not name the pair");
            assert_eq!(t.len(), 16);
        }
        assert_ne!(
            codec.token(&q.id, "a"),
            AnswerCodec::with_mac(&MacKey::new(b"server key").expect("key"), 10).token(&q.id, "a"),
            "values differ between attempts"
        );
        let fields: Vec<(String, String)> = q
            .pairs
            .iter()
            .map(|p| (field_name(&q.id, Some(&p.id)), codec.token(&q.id, &p.id)))
            .collect();
        let responses = read_answers(&quiz, &drawn, &fields, &codec).expect("valid");
        assert_eq!(score(&q, &responses[0]), FULL);
    }

    proptest! {
        #[test]
        fn every_draw_covers_every_outcome_when_the_draw_is_large_enough(
            seed in any::<u64>(),
            outcomes in 1usize..6,
            extra in 0usize..30,
        ) {
            let n = outcomes + 10 + extra;
            let quiz = stratified_quiz(n, outcomes, 10);
            let drawn = draw(&quiz, seed);
            prop_assert_eq!(drawn.len(), 10);
            let ids: BTreeSet<&str> = drawn.iter().map(|d| d.id.as_str()).collect();
            prop_assert_eq!(ids.len(), 10, "no question twice");
            for o in 0..outcomes {
                let name = format!("o{o}");
                prop_assert!(
                    drawn.iter().any(|d| quiz.question(&d.id).is_some_and(|q| q.outcomes.contains(&name))),
                    "outcome {} missing for seed {}", name, seed
                );
            }
            prop_assert_eq!(draw(&quiz, seed), drawn, "the same seed gives the same draw");
        }

        #[test]
        fn with_more_outcomes_than_questions_drawn_each_question_covers_a_new_outcome(
            seed in any::<u64>(),
        ) {
            let quiz = stratified_quiz(20, 15, 10);
            let drawn = draw(&quiz, seed);
            let covered: BTreeSet<&String> = drawn
                .iter()
                .filter_map(|d| quiz.question(&d.id))
                .flat_map(|q| q.outcomes.iter())
                .collect();
            prop_assert_eq!(covered.len(), 10);
        }

        #[test]
        fn scoring_never_panics_and_stays_between_0_and_100(
            chosen in proptest::collection::btree_set("[a-e]", 0..6),
            placed in proptest::collection::btree_map("[a-z]{1,5}", "[0-9a-z]{0,3}", 0..6),
            credits in proptest::collection::vec(0u32..5000, 0..20),
            mark in 0u8..=255,
        ) {
            for kind in [QuestionKind::Single, QuestionKind::Multiple, QuestionKind::TrueFalse, QuestionKind::Ordering, QuestionKind::Matching] {
                for scoring in [Scoring::AllOrNothing, Scoring::Partial] {
                    let q = question(kind, scoring);
                    prop_assert!(score(&q, &Response::Choices(chosen.clone())) <= FULL);
                    prop_assert!(score(&q, &Response::Placements(placed.clone())) <= FULL);
                }
            }
            let (percent, _) = result(&credits, mark);
            prop_assert!(percent <= 100);
        }
    }
}
