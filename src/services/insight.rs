//! Quiz insight for org admins: per question, facility (share fully correct), discrimination
//! (point-biserial correlation of the question with the attempt's total score) and how often each
//! choice was picked, over first attempts and over all attempts.
use std::collections::{BTreeMap, HashMap};

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};

use crate::domain::quiz::{FULL, Response};
use crate::entities::{attempt_answers, org_members, quiz_attempts};

#[derive(Debug, Clone, Default)]
pub struct QuestionStats {
    pub answered: usize,
    pub facility: Option<f64>,
    pub discrimination: Option<f64>,
    /// choice id → times chosen
    pub choices: BTreeMap<String, usize>,
}

#[derive(Debug, Clone, Default)]
pub struct Insight {
    pub attempts: usize,
    pub learners: usize,
    pub first: HashMap<String, QuestionStats>,
    pub all: HashMap<String, QuestionStats>,
}

/// Learners who must have answered a question (on their first attempt) before it is flagged.
pub const FLAG_AFTER_LEARNERS: usize = 20;
/// Facility above which a question is flagged as too easy.
pub const TOO_EASY: f64 = 0.95;

/// What an item writer should look at in a question, from its first-attempt statistics: it is
/// almost always right (too easy, or its answer is given away), or people who did well overall
/// get it wrong more often (negative discrimination: a doubtful key or a misleading prompt).
/// Nothing until [`FLAG_AFTER_LEARNERS`] learners have answered it.
pub fn review_flags(first: &QuestionStats) -> Vec<&'static str> {
    let mut flags = Vec::new();
    if first.answered < FLAG_AFTER_LEARNERS {
        return flags;
    }
    if first.facility.is_some_and(|f| f > TOO_EASY) {
        flags.push("Almost everyone gets this right first time: it may be too easy or give its answer away. Consider rewriting it.");
    }
    if first.discrimination.is_some_and(|d| d < 0.0) {
        flags.push(
            "People who did well overall got this wrong more often: check the key and the wording.",
        );
    }
    flags
}

/// Point-biserial correlation between a 0/1 item and a continuous total; `None` when undefined.
pub fn point_biserial(pairs: &[(bool, f64)]) -> Option<f64> {
    #[allow(clippy::cast_precision_loss)]
    let n = pairs.len() as f64;
    if pairs.len() < 2 {
        return None;
    }
    let mean = pairs.iter().map(|(_, t)| t).sum::<f64>() / n;
    let sd = (pairs.iter().map(|(_, t)| (t - mean).powi(2)).sum::<f64>() / n).sqrt();
    let right: Vec<f64> = pairs.iter().filter(|(c, _)| *c).map(|(_, t)| *t).collect();
    let wrong: Vec<f64> = pairs.iter().filter(|(c, _)| !*c).map(|(_, t)| *t).collect();
    if sd == 0.0 || right.is_empty() || wrong.is_empty() {
        return None;
    }
    #[allow(clippy::cast_precision_loss)]
    let (p, q) = (right.len() as f64 / n, wrong.len() as f64 / n);
    let m1 = right.iter().sum::<f64>() / right.len() as f64;
    #[allow(clippy::cast_precision_loss)]
    let m0 = wrong.iter().sum::<f64>() / wrong.len() as f64;
    Some((m1 - m0) / sd * (p * q).sqrt())
}

fn stats(
    attempts: &[&quiz_attempts::Model],
    answers: &HashMap<i32, Vec<attempt_answers::Model>>,
) -> HashMap<String, QuestionStats> {
    // question id → (correct?, attempt score) pairs, and how often each choice was picked
    type Tally = (Vec<(bool, f64)>, BTreeMap<String, usize>);
    let mut per_q: HashMap<String, Tally> = HashMap::new();
    for a in attempts {
        for ans in answers.get(&a.id).into_iter().flatten() {
            let entry = per_q.entry(ans.question_id.clone()).or_default();
            let correct = u32::try_from(ans.credit).unwrap_or(0) >= FULL;
            entry.0.push((correct, f64::from(a.score_percent)));
            if let Ok(Response::Choices(chosen)) = serde_json::from_str::<Response>(&ans.response) {
                for c in chosen {
                    *entry.1.entry(c).or_default() += 1;
                }
            }
        }
    }
    per_q
        .into_iter()
        .map(|(q, (pairs, choices))| {
            #[allow(clippy::cast_precision_loss)]
            let facility = (!pairs.is_empty())
                .then(|| pairs.iter().filter(|(c, _)| *c).count() as f64 / pairs.len() as f64);
            (
                q,
                QuestionStats {
                    answered: pairs.len(),
                    facility,
                    discrimination: point_biserial(&pairs),
                    choices,
                },
            )
        })
        .collect()
}

/// Insight for one module's quiz over an organisation's members (optionally one cohort).
///
/// # Errors
/// When the database fails.
pub async fn for_module(
    db: &impl ConnectionTrait,
    org_id: i32,
    cohort: Option<i32>,
    module_slug: &str,
) -> Result<Insight, DbErr> {
    use sea_orm::sea_query::{Expr, ExprTrait};
    let mut members = crate::services::organisations::member_user_ids(org_id);
    if let Some(c) = cohort {
        members.and_where(Expr::col(org_members::Column::CohortId).eq(c));
    }
    let attempts = quiz_attempts::Entity::find()
        .filter(quiz_attempts::Column::UserId.in_subquery(members))
        .filter(quiz_attempts::Column::ModuleSlug.eq(module_slug))
        .order_by_asc(quiz_attempts::Column::SubmittedAt)
        .all(db)
        .await?;
    let attempt_ids: Vec<i32> = attempts.iter().map(|a| a.id).collect();
    let mut answers: HashMap<i32, Vec<attempt_answers::Model>> = HashMap::new();
    for chunk in attempt_ids.chunks(500) {
        for a in attempt_answers::Entity::find()
            .filter(attempt_answers::Column::AttemptId.is_in(chunk.to_vec()))
            .all(db)
            .await?
        {
            answers.entry(a.attempt_id).or_default().push(a);
        }
    }
    let mut seen = std::collections::HashSet::new();
    let first: Vec<&quiz_attempts::Model> =
        attempts.iter().filter(|a| seen.insert(a.user_id)).collect();
    let all: Vec<&quiz_attempts::Model> = attempts.iter().collect();
    Ok(Insight {
        attempts: attempts.len(),
        learners: first.len(),
        first: stats(&first, &answers),
        all: stats(&all, &answers),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats(answered: usize, facility: f64, discrimination: f64) -> QuestionStats {
        QuestionStats {
            answered,
            facility: Some(facility),
            discrimination: Some(discrimination),
            choices: BTreeMap::new(),
        }
    }

    #[test]
    fn too_easy_and_negatively_discriminating_questions_are_flagged_once_twenty_have_answered() {
        assert!(
            review_flags(&stats(19, 1.0, -0.5)).is_empty(),
            "too few yet"
        );
        assert!(
            review_flags(&stats(20, 0.7, 0.3)).is_empty(),
            "a good question"
        );
        let easy = review_flags(&stats(20, 0.96, 0.1));
        assert_eq!(easy.len(), 1);
        assert!(easy[0].contains("too easy"));
        let odd = review_flags(&stats(25, 0.5, -0.2));
        assert_eq!(odd.len(), 1);
        assert!(odd[0].contains("check the key"));
        assert_eq!(review_flags(&stats(30, 0.99, -0.1)).len(), 2);
    }

    #[test]
    fn a_question_that_strong_learners_get_right_discriminates_positively() {
        let pairs = [(true, 90.0), (true, 80.0), (false, 40.0), (false, 30.0)];
        let r = point_biserial(&pairs).expect("defined");
        assert!(r > 0.9, "{r}");
        assert!(
            point_biserial(&[(true, 50.0), (true, 60.0)]).is_none(),
            "everyone right: undefined"
        );
    }
}
