use reqwest::StatusCode;
use sea_orm::{EntityTrait, PaginatorTrait};

use crate::helpers::*;
use deepdive::entities::{attempt_answers, quiz_attempts};

async fn app_with_fixture(settings: &str) -> (TestApp, tempfile::TempDir) {
    let course = course_with_fixture_quiz(settings);
    let path = course.path().to_path_buf();
    let app = spawn_app_with(move |s| s.course_dir = path).await;
    (app, course)
}

fn attr(html: &str, name: &str) -> String {
    let marker = format!("{name}=\"");
    let start = html.find(&marker).unwrap() + marker.len();
    html[start..start + html[start..].find('"').unwrap()].to_string()
}

async fn stored_attempts(app: &TestApp) -> u64 {
    quiz_attempts::Entity::find().count(&app.db).await.unwrap()
}

#[tokio::test]
async fn a_perfect_attempt_is_scored_on_the_server_and_passes() {
    let app = spawn_app().await;
    app.new_learner().await;
    let r = app.take_quiz("ai-fundamentals", 10).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let review_url = location(&r);
    assert!(review_url.starts_with("/attempts/"));
    let review = app.get_html(&review_url).await;
    assert_eq!(attr(&review, "data-score"), "100");
    assert_eq!(attr(&review, "data-passed"), "true");
    assert!(review.contains("Passed"));
    let dashboard = app.get_html("/dashboard").await;
    assert!(dashboard.contains("quiz passed"));
    assert!(dashboard.contains("best score 100%"));
}

#[tokio::test]
async fn the_pass_mark_boundary_fails_at_70_and_passes_at_80_and_90() {
    let app = spawn_app().await;
    app.new_learner().await;
    for (right, score, passed) in [(7, "70", "false"), (8, "80", "true"), (9, "90", "true")] {
        let r = app.take_quiz("problem-discovery", right).await;
        let review = app.get_html(&location(&r)).await;
        assert_eq!(attr(&review, "data-score"), score);
        assert_eq!(attr(&review, "data-passed"), passed, "{right} right");
    }
    let module = app.get_html("/modules/problem-discovery").await;
    assert!(
        module.contains("Best score 90% after 3 attempts"),
        "the highest score counts"
    );
}

#[tokio::test]
async fn each_question_kind_scores_right_wrong_and_partial() {
    let (app, _course) =
        app_with_fixture("questions_per_attempt = 5\nscoring = \"all_or_nothing\"").await;
    app.new_learner().await;
    // All right.
    let r = app.take_quiz("ai-fundamentals", 5).await;
    let review = app.get_html(&location(&r)).await;
    assert_eq!(attr(&review, "data-score"), "100");
    // All wrong.
    let r = app.take_quiz("ai-fundamentals", 0).await;
    let review = app.get_html(&location(&r)).await;
    assert_eq!(attr(&review, "data-score"), "0");
    assert_eq!(
        review
            .matches("<strong class=\"nhsuk-tag nhsuk-tag--red\">Incorrect</strong>")
            .count(),
        5
    );
    // Partial: right everywhere, except one of the two right options ticked on the partial-credit question.
    let form = app.open_quiz("ai-fundamentals").await;
    let course = deepdive::course::load_course(&app.course_dir).unwrap();
    let quiz = &course.module("ai-fundamentals").unwrap().quiz;
    let key = app.quiz_key().await;
    let mut fields = form.fixed.clone();
    for id in &form.questions {
        let q = quiz.question(id).unwrap();
        let answers = if id == "fx-multiple" {
            vec![("q.fx-multiple".into(), "a".into())]
        } else {
            answers_for(q, true)
        };
        fields.extend(encode_answers(&key, form.seed(), q, answers));
    }
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let r = app.post_raw("/modules/ai-fundamentals/quiz", &pairs).await;
    let review = app.get_html(&location(&r)).await;
    assert_eq!(attr(&review, "data-score"), "90", "4.5 of 5");
    assert!(review.contains(">Partly correct</strong>"));
    assert!(review.contains("earned 50% of its mark"));
    assert!(
        review.contains("counts part marks"),
        "the score is explained in words"
    );
}

#[tokio::test]
async fn the_review_marks_up_every_choice_and_its_feedback_for_tools() {
    let (app, _course) =
        app_with_fixture("questions_per_attempt = 5\nshow_answers = \"always\"").await;
    app.new_learner().await;
    let form = app.open_quiz("ai-fundamentals").await;
    let r = app.answer_quiz("ai-fundamentals", &form, 0, &[]).await;
    let review = app.get_html(&location(&r)).await;
    let codec_key = deepdive::crypto::MacKey::new(&app.quiz_key().await).expect("quiz key");
    let codec = deepdive::domain::quiz::AnswerCodec::with_mac(&codec_key, form.seed());
    let single = |id: &str| codec.token("fx-single", id);
    assert!(review.contains(&format!(
        "data-question=\"q.fx-single\" data-option=\"{}\" data-correct=\"true\"",
        single("right")
    )));
    assert!(review.contains(&format!(
        "data-question=\"q.fx-single\" data-option=\"{}\" data-correct=\"false\"",
        single("wrong")
    )));
    assert!(
        review
            .contains("data-question=\"q.fx-order.first\" data-option=\"1\" data-correct=\"true\"")
    );
    assert!(review.contains(&format!(
        "data-question=\"q.fx-match.cat\" data-option=\"{}\" data-correct=\"true\"",
        codec.token("fx-match", "cat")
    )));
    assert!(
        review.contains("data-feedback>No</p>"),
        "feedback for the wrong option chosen"
    );
    assert!(review.contains("data-feedback>Comes first</p>"));
}

#[tokio::test]
async fn after_a_failed_attempt_the_review_shows_what_was_wrong_but_not_the_key_until_a_pass() {
    let (app, _course) =
        app_with_fixture("questions_per_attempt = 5\nshow_answers = \"after_pass\"").await;
    app.new_learner().await;
    let form = app.open_quiz("ai-fundamentals").await;
    assert!(
        form.html
            .contains("the right answers are shown once you pass")
    );
    let r = app.answer_quiz("ai-fundamentals", &form, 0, &[]).await;
    let failed = app.get_html(&location(&r)).await;
    let codec_key = deepdive::crypto::MacKey::new(&app.quiz_key().await).expect("quiz key");
    let codec = deepdive::domain::quiz::AnswerCodec::with_mac(&codec_key, form.seed());
    assert!(failed.contains("data-key-held-back"));
    assert!(
        failed.contains(&format!(
            "data-option=\"{}\" data-correct=\"false\"",
            codec.token("fx-single", "wrong")
        )),
        "the learner sees that their choice was wrong"
    );
    assert!(failed.contains("data-feedback>No</p>"), "and why");
    for unchosen in failed.split("<li class=\"dd-review-choice\"").skip(1) {
        let tag = unchosen.split('>').next().unwrap();
        assert!(
            !tag.contains("data-correct"),
            "an option the learner did not choose is not marked right or wrong: {tag}"
        );
    }
    assert!(!failed.contains("This is a right answer."));
    assert!(
        !failed.contains("Right answer</th>"),
        "no key column for orderings and matchings"
    );
    let r = app.take_quiz("ai-fundamentals", 5).await;
    let passed = app.get_html(&location(&r)).await;
    assert!(!passed.contains("data-key-held-back"));
    assert!(
        passed.contains("This is a right answer."),
        "the key after a pass"
    );
}

#[tokio::test]
async fn with_show_answers_never_the_review_never_shows_the_key() {
    let (app, _course) =
        app_with_fixture("questions_per_attempt = 5\nshow_answers = \"never\"").await;
    app.new_learner().await;
    let form = app.open_quiz("ai-fundamentals").await;
    assert!(form.html.contains("but not the right answers"));
    let r = app.take_quiz("ai-fundamentals", 3).await;
    let partly = app.get_html(&location(&r)).await;
    assert!(!partly.contains("Right answer</th>"));
    let r = app.take_quiz("ai-fundamentals", 5).await;
    let passed = app.get_html(&location(&r)).await;
    assert_eq!(attr(&passed, "data-passed"), "true");
    assert!(
        !passed.contains("Right answer</th>"),
        "not even after a pass"
    );
    assert!(!passed.contains("data-key-held-back"));
}

#[tokio::test]
async fn no_field_value_or_element_id_on_the_quiz_page_names_a_choice() {
    let app = spawn_app().await;
    app.new_learner().await;
    let course = deepdive::course::load_course(&app.course_dir).unwrap();
    for module in &course.modules {
        let form = app.open_quiz(&module.slug).await;
        let values: Vec<&str> = form
            .html
            .split("value=\"")
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
            .collect();
        let ids: Vec<&str> = form
            .html
            .split(" id=\"")
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
            .collect();
        for id in &form.questions {
            let q = module.quiz.question(id).unwrap();
            let names = q
                .options
                .iter()
                .map(|o| o.id.as_str())
                .chain(q.pairs.iter().map(|p| p.id.as_str()))
                .chain(q.items.iter().map(|i| i.id.as_str()));
            for name in names {
                assert!(
                    !values.contains(&name),
                    "{}: a field value names '{name}' of question {id}",
                    module.slug
                );
                assert!(
                    !ids.iter().any(|e| *e == format!("{id}-{name}")),
                    "{}: an element id names '{name}' of question {id}",
                    module.slug
                );
            }
        }
    }
}

#[tokio::test]
async fn the_quiz_page_states_its_scoring_policy() {
    let app = spawn_app().await;
    app.new_learner().await;
    let form = app.open_quiz("ai-fundamentals").await;
    assert!(form.html.contains("data-quiz-policy"));
    assert!(
        form.html
            .contains("earn part of the mark for each part you get right")
    );
    let (app, _course) =
        app_with_fixture("questions_per_attempt = 5\nscoring = \"all_or_nothing\"").await;
    app.new_learner().await;
    let form = app.open_quiz("ai-fundamentals").await;
    assert!(
        form.html
            .contains("earn the mark only when every part is right")
    );
}

#[tokio::test]
async fn posting_the_same_form_twice_makes_one_attempt_with_the_same_result() {
    let app = spawn_app().await;
    app.new_learner().await;
    let form = app.open_quiz("ai-fundamentals").await;
    let first = app.answer_quiz("ai-fundamentals", &form, 6, &[]).await;
    let second = app.answer_quiz("ai-fundamentals", &form, 10, &[]).await;
    assert_eq!(first.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&first), location(&second));
    assert_eq!(stored_attempts(&app).await, 1);
    let review = app.get_html(&location(&second)).await;
    assert_eq!(
        attr(&review, "data-score"),
        "60",
        "the first submission stands"
    );
}

#[tokio::test]
async fn an_answer_to_a_question_outside_the_attempt_is_refused_and_nothing_is_stored() {
    let app = spawn_app().await;
    app.new_learner().await;
    let form = app.open_quiz("ai-fundamentals").await;
    let course = deepdive::course::load_course(&app.course_dir).unwrap();
    let outside = course
        .module("ai-fundamentals")
        .unwrap()
        .quiz
        .questions
        .iter()
        .find(|q| !form.questions.contains(&q.id))
        .unwrap();
    let key = app.quiz_key().await;
    let extra = encode_answers(&key, form.seed(), outside, answers_for(outside, true));
    let r = app.answer_quiz("ai-fundamentals", &form, 10, &extra).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("not part of this attempt"));
    assert_eq!(stored_attempts(&app).await, 0);
}

#[tokio::test]
async fn a_forged_option_id_is_refused_and_nothing_is_stored() {
    let app = spawn_app().await;
    app.new_learner().await;
    let form = app.open_quiz("ai-fundamentals").await;
    let mut fixed = form.fixed.clone();
    fixed.push((format!("q.{}", form.questions[0]), "forged-option".into()));
    let forged = QuizForm {
        html: form.html.clone(),
        questions: form.questions[1..].to_vec(),
        fixed,
    };
    let r = app.answer_quiz("ai-fundamentals", &forged, 10, &[]).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(stored_attempts(&app).await, 0);
    assert_eq!(
        attempt_answers::Entity::find()
            .count(&app.db)
            .await
            .unwrap(),
        0
    );
}

#[tokio::test]
async fn another_learners_attempt_form_or_id_is_refused() {
    let app = spawn_app().await;
    app.new_learner().await;
    let mine = app.open_quiz("ai-fundamentals").await;
    let other = app.other_browser();
    other.new_learner().await;
    let theirs = other.open_quiz("ai-fundamentals").await;
    // My form (signed for me) submitted by the other learner, with their own CSRF token.
    let mut fixed = mine.fixed.clone();
    fixed.retain(|(k, _)| k != "csrf_token");
    fixed.push(("csrf_token".into(), hidden(&theirs.html, "csrf_token")));
    let stolen = QuizForm {
        html: mine.html.clone(),
        questions: mine.questions.clone(),
        fixed,
    };
    let r = other.answer_quiz("ai-fundamentals", &stolen, 10, &[]).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(stored_attempts(&app).await, 0);
    // Once I have submitted, the other learner cannot reach my attempt by its id.
    let r = app.answer_quiz("ai-fundamentals", &mine, 5, &[]).await;
    let url = location(&r);
    assert_eq!(other.get(&url).await.status(), StatusCode::NOT_FOUND);
    let r = other.answer_quiz("ai-fundamentals", &stolen, 10, &[]).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(stored_attempts(&app).await, 1);
    let anonymous = app.other_browser();
    assert_eq!(anonymous.get(&url).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.get("/attempts/not-a-uuid").await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn unanswered_questions_are_named_and_the_other_answers_kept() {
    let (app, _course) = app_with_fixture("questions_per_attempt = 5").await;
    app.new_learner().await;
    let form = app.open_quiz("ai-fundamentals").await;
    let mut partial = QuizForm {
        html: form.html.clone(),
        questions: vec![],
        fixed: form.fixed.clone(),
    };
    let codec_key = deepdive::crypto::MacKey::new(&app.quiz_key().await).expect("quiz key");
    let right = deepdive::domain::quiz::AnswerCodec::with_mac(&codec_key, form.seed())
        .token("fx-single", "right");
    partial.fixed.push(("q.fx-single".into(), right.clone()));
    let r = app.answer_quiz("ai-fundamentals", &partial, 0, &[]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("There is a problem"));
    assert!(html.contains("select an answer") || html.contains("give every item a position"));
    assert!(
        html.contains(&format!(
            "id=\"fx-single-{right}\" name=\"q.fx-single\" type=\"radio\" value=\"{right}\" checked"
        )),
        "answer kept"
    );
    assert_eq!(
        hidden(&html, "attempt_id"),
        hidden(&form.html, "attempt_id"),
        "same attempt"
    );
    assert_eq!(stored_attempts(&app).await, 0);
}

#[tokio::test]
async fn an_attempt_shows_the_same_questions_in_the_same_order_when_viewed_again() {
    let app = spawn_app().await;
    app.new_learner().await;
    let form = app.open_quiz("solution-discovery").await;
    let r = app.answer_quiz("solution-discovery", &form, 3, &[]).await;
    let url = location(&r);
    let first = app.get_html(&url).await;
    let second = app.get_html(&url).await;
    let strip = |h: &str| h.replace(&csrf_token(h), "");
    assert_eq!(strip(&first), strip(&second));
    let shown: Vec<usize> = form
        .questions
        .iter()
        .map(|id| {
            let course = deepdive::course::load_course(&app.course_dir).unwrap();
            let prompt = course
                .module("solution-discovery")
                .unwrap()
                .quiz
                .question(id)
                .unwrap()
                .prompt
                .clone();
            let escaped = prompt
                .replace('&', "&amp;")
                .replace('\'', "&#x27;")
                .replace('"', "&quot;")
                .replace('<', "&lt;")
                .replace('>', "&gt;");
            first
                .find(&escaped)
                .unwrap_or_else(|| panic!("prompt of {id} in review"))
        })
        .collect();
    assert!(
        shown.windows(2).all(|w| w[0] < w[1]),
        "review keeps the attempt's order"
    );
}

#[tokio::test]
async fn the_attempt_limit_is_enforced() {
    let (app, _course) = app_with_fixture("questions_per_attempt = 5\nattempts_allowed = 2").await;
    app.new_learner().await;
    let spare = app.open_quiz("ai-fundamentals").await;
    app.take_quiz("ai-fundamentals", 0).await;
    app.take_quiz("ai-fundamentals", 1).await;
    let r = app.get("/modules/ai-fundamentals/quiz").await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.text().await.unwrap().contains("used all 2 attempts"));
    let r = app.answer_quiz("ai-fundamentals", &spare, 5, &[]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(stored_attempts(&app).await, 2);
}

#[tokio::test]
async fn completing_every_lesson_and_passing_the_quiz_completes_the_module() {
    let app = spawn_app().await;
    app.new_learner().await;
    let course = deepdive::course::load_course(&app.course_dir).unwrap();
    let m = course.module("practicalities").unwrap();
    app.take_quiz("practicalities", 10).await;
    let page = app.get_html("/modules/practicalities").await;
    assert!(
        !page.contains("nhsuk-tag--green\">Completed</strong> <strong>"),
        "not complete with lessons left"
    );
    for l in &m.lessons {
        app.complete_lesson("practicalities", &l.slug).await;
    }
    let page = app.get_html("/modules/practicalities").await;
    assert!(page.contains("100% complete"));
    let dashboard = app.get_html("/dashboard").await;
    assert!(dashboard.contains("1 of 5 modules finished"));
}

#[tokio::test]
async fn the_history_lists_every_attempt() {
    let app = spawn_app().await;
    app.new_learner().await;
    app.take_quiz("ai-fundamentals", 2).await;
    app.take_quiz("practicalities", 9).await;
    let html = app.get_html("/attempts").await;
    assert_eq!(html.matches("href=\"/attempts/").count(), 2);
    assert!(html.contains("20%") && html.contains("90%"));
}

#[tokio::test]
async fn the_quiz_form_works_without_javascript_using_plain_controls() {
    let (app, _course) = app_with_fixture("questions_per_attempt = 5").await;
    app.new_learner().await;
    let form = app.open_quiz("ai-fundamentals").await;
    assert!(!form.html.contains("<script"));
    let codec_key = deepdive::crypto::MacKey::new(&app.quiz_key().await).expect("quiz key");
    let codec = deepdive::domain::quiz::AnswerCodec::with_mac(&codec_key, form.seed());
    assert!(form.html.contains(&format!(
        "<select class=\"nhsuk-select\" id=\"fx-order-{}\" name=\"q.fx-order.first\">",
        codec.token("fx-order", "first")
    )));
    assert!(form.html.contains(&format!(
        "<label class=\"nhsuk-label\" for=\"fx-match-{}\">Cat</label>",
        codec.token("fx-match", "left|cat")
    )));
    assert!(!form.html.contains("draggable"));
}
