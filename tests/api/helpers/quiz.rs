//! Quiz forms: the questions shown, right or wrong answers for each, and submitting an attempt.
use super::app::TestApp;
use super::html::hidden;

/// The question ids of a quiz form, in the order shown.
pub fn quiz_question_ids(html: &str) -> Vec<String> {
    html.match_indices("id=\"question-")
        .map(|(i, m)| {
            let rest = &html[i + m.len()..];
            rest[..rest.find('"').unwrap()].to_string()
        })
        .collect()
}

/// Answers for one question: the right ones, or a wrong set.
pub fn answers_for(q: &deepdive::course::Question, right: bool) -> Vec<(String, String)> {
    use deepdive::course::QuestionKind::*;
    let f = |sub: Option<&str>| deepdive::domain::quiz::field_name(&q.id, sub);
    match q.kind {
        Single | TrueFalse => {
            let o = q.options.iter().find(|o| o.correct == right).unwrap();
            vec![(f(None), o.id.clone())]
        }
        Multiple => {
            if right {
                q.options
                    .iter()
                    .filter(|o| o.correct)
                    .map(|o| (f(None), o.id.clone()))
                    .collect()
            } else {
                let wrong: Vec<_> = q
                    .options
                    .iter()
                    .filter(|o| !o.correct)
                    .map(|o| (f(None), o.id.clone()))
                    .collect();
                if wrong.is_empty() {
                    vec![(f(None), q.options[0].id.clone())]
                } else {
                    wrong
                }
            }
        }
        Ordering => {
            let n = q.items.len();
            q.items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    // Wrong: every item one place on (a reversal would leave the middle item right).
                    let pos = if right { i + 1 } else { (i + 1) % n + 1 };
                    (f(Some(&item.id)), pos.to_string())
                })
                .collect()
        }
        Matching => {
            let n = q.pairs.len();
            q.pairs
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    let target = if right { p } else { &q.pairs[(i + 1) % n] };
                    (f(Some(&p.id)), target.id.clone())
                })
                .collect()
        }
    }
}

pub struct QuizForm {
    pub html: String,
    pub questions: Vec<String>,
    pub fixed: Vec<(String, String)>,
}

impl QuizForm {
    /// The attempt's seed, from the form's hidden field.
    pub fn seed(&self) -> u64 {
        self.fixed
            .iter()
            .find(|(k, _)| k == "seed")
            .map(|(_, v)| v.parse().unwrap())
            .unwrap()
    }
}

/// Turns answers given by choice ids (as [`answers_for`] writes them) into the opaque values the
/// quiz form uses for this attempt, as a browser would send them.
pub fn encode_answers(
    key: &[u8],
    seed: u64,
    q: &deepdive::course::Question,
    answers: Vec<(String, String)>,
) -> Vec<(String, String)> {
    let key = deepdive::crypto::MacKey::new(key).expect("quiz key");
    let codec = deepdive::domain::quiz::AnswerCodec::with_mac(&key, seed);
    answers
        .into_iter()
        .map(|(field, value)| match q.kind {
            deepdive::course::QuestionKind::Ordering => (field, value),
            _ if value.is_empty() => (field, value),
            _ => {
                let token = codec.token(&q.id, &value);
                (field, token)
            }
        })
        .collect()
}

impl TestApp {
    /// The server's key for quiz forms (to encode answers as the form does).
    pub async fn quiz_key(&self) -> Vec<u8> {
        deepdive::services::secrets::get_or_create(&self.db, "quiz", &self.clock)
            .await
            .unwrap()
    }

    pub async fn open_quiz(&self, module: &str) -> QuizForm {
        let html = self.get_html(&format!("/modules/{module}/quiz")).await;
        let fixed = ["csrf_token", "attempt_id", "seed", "issued", "signature"]
            .iter()
            .map(|n| ((*n).to_string(), hidden(&html, n)))
            .collect();
        QuizForm {
            questions: quiz_question_ids(&html),
            html,
            fixed,
        }
    }

    /// The fields of a quiz form with the first `right` questions answered correctly and the
    /// rest wrongly, then `extra`.
    pub async fn quiz_fields(
        &self,
        module: &str,
        form: &QuizForm,
        right: usize,
        extra: &[(String, String)],
    ) -> Vec<(String, String)> {
        let course = deepdive::course::load_course(&self.course_dir).unwrap();
        let m = course.module(module).unwrap();
        let key = self.quiz_key().await;
        let mut fields = form.fixed.clone();
        for (i, id) in form.questions.iter().enumerate() {
            let q = m.quiz.question(id).unwrap();
            fields.extend(encode_answers(
                &key,
                form.seed(),
                q,
                answers_for(q, i < right),
            ));
        }
        fields.extend(extra.iter().cloned());
        fields
    }

    /// Posts quiz fields (see [`TestApp::quiz_fields`]) as the form would.
    pub async fn post_quiz(&self, module: &str, fields: &[(String, String)]) -> reqwest::Response {
        let pairs: Vec<(&str, &str)> = fields
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        self.post_raw(&format!("/modules/{module}/quiz"), &pairs)
            .await
    }

    /// Submits a quiz form with the first `right` questions answered correctly and the rest wrongly.
    pub async fn answer_quiz(
        &self,
        module: &str,
        form: &QuizForm,
        right: usize,
        extra: &[(String, String)],
    ) -> reqwest::Response {
        let fields = self.quiz_fields(module, form, right, extra).await;
        self.post_quiz(module, &fields).await
    }

    pub async fn take_quiz(&self, module: &str, right: usize) -> reqwest::Response {
        let form = self.open_quiz(module).await;
        self.answer_quiz(module, &form, right, &[]).await
    }
}
