//! Taking a quiz, reviewing an attempt, and the learner's attempt history.
use std::collections::{BTreeMap, BTreeSet};

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;
use uuid::Uuid;

use crate::course::{Module, Question, QuestionKind, Scoring, ShowAnswers};
use crate::domain::quiz::{
    AnswerCodec, DrawnQuestion, FULL, Response, Tampered, draw, field_name, partial_answers,
    read_answers,
};
use crate::error::AppError;
use crate::services::learning_time::{self, Viewed};
use crate::services::quiz::{self, Availability, Submission, SubmitError, Ticket, TicketError};
use crate::web::AppState;
use crate::web::csrf::CsrfForm;
use crate::web::extract::ModuleRef;
use crate::web::session::CurrentUser;
use crate::web::view::{View, render, see_other};

#[derive(Serialize)]
struct ChoiceInput {
    id: String,
    field: String,
    value: String,
    text: String,
    checked: bool,
}

#[derive(Serialize)]
struct SelectOption {
    value: String,
    text: String,
    selected: bool,
}

#[derive(Serialize)]
struct SelectRow {
    id: String,
    field: String,
    label: String,
    options: Vec<SelectOption>,
}

#[derive(Serialize)]
struct QuestionForm {
    number: usize,
    id: String,
    prompt: String,
    hint: &'static str,
    radio: bool,
    checkbox: bool,
    choices: Vec<ChoiceInput>,
    rows: Vec<SelectRow>,
    error: Option<String>,
}

#[derive(Serialize)]
struct ProblemLink {
    anchor: String,
    message: String,
}

#[derive(Serialize)]
struct QuizPage {
    module_number: usize,
    module_slug: String,
    module_title: String,
    pass_mark: u8,
    count: usize,
    attempt_id: String,
    seed: String,
    issued: i64,
    signature: String,
    questions: Vec<QuestionForm>,
    errors: Vec<ProblemLink>,
    attempts_used: u32,
    attempts_allowed: u32,
    cooldown_minutes: u32,
    scoring_note: &'static str,
    answers_note: &'static str,
    /// The learning-time view this page's heartbeat reports on.
    view_id: i32,
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

fn ordinal(n: usize) -> String {
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
struct UnavailablePage {
    module_number: usize,
    module_slug: String,
    module_title: String,
    message: String,
}

fn unavailable(
    state: &AppState,
    req: &HttpRequest,
    user: &CurrentUser,
    module: &Module,
    why: &Availability,
) -> Result<HttpResponse, AppError> {
    let message = match why {
        Availability::NoAttemptsLeft { allowed } => {
            format!("You have used all {allowed} attempts at this quiz.")
        }
        Availability::WaitUntil(at) => format!(
            "You can take this quiz again after {} (UTC).",
            at.format("%H:%M on %-d %B %Y")
        ),
        Availability::Locked { previous } => {
            format!("This module opens when you have completed module {previous}.")
        }
        Availability::Open { .. } => String::new(),
    };
    let page = UnavailablePage {
        module_number: module.number,
        module_slug: module.slug.clone(),
        module_title: module.title.clone(),
        message,
    };
    let title = format!("Module {} quiz", module.number);
    render(
        state,
        req,
        &user.visitor(),
        View::new(
            StatusCode::FORBIDDEN,
            "quiz/unavailable",
            &title,
            "dashboard",
        ),
        &page,
    )
}

#[allow(clippy::too_many_arguments)]
fn quiz_form(
    state: &AppState,
    req: &HttpRequest,
    user: &CurrentUser,
    module: &Module,
    ticket: &Ticket,
    used: u32,
    given: &BTreeMap<String, BTreeSet<String>>,
    problems: &[(usize, String)],
    view_id: i32,
) -> Result<HttpResponse, AppError> {
    let drawn = draw(&module.quiz, ticket.seed);
    let codec = AnswerCodec::with_mac(&state.quiz_key, ticket.seed);
    let questions: Vec<QuestionForm> = drawn
        .iter()
        .enumerate()
        .filter_map(|(i, d)| {
            let q = module.quiz.question(&d.id)?;
            let error = problems
                .iter()
                .find(|(n, _)| *n == i + 1)
                .map(|(_, m)| m.clone());
            Some(question_form(i + 1, q, d, given, error, &codec))
        })
        .collect();
    let errors = problems
        .iter()
        .filter_map(|(n, m)| {
            let q = questions.get(n - 1)?;
            Some(ProblemLink {
                anchor: format!("question-{}", q.id),
                message: m.clone(),
            })
        })
        .collect();
    let page = QuizPage {
        module_number: module.number,
        module_slug: module.slug.clone(),
        module_title: module.title.clone(),
        pass_mark: module.quiz.settings.pass_mark,
        count: questions.len(),
        attempt_id: ticket.attempt_id.to_string(),
        seed: ticket.seed.to_string(),
        issued: ticket.issued,
        signature: ticket.signature.clone(),
        questions,
        errors,
        attempts_used: used,
        attempts_allowed: module.quiz.settings.attempts_allowed,
        cooldown_minutes: module.quiz.settings.minutes_between_attempts,
        scoring_note: scoring_note(module.quiz.settings.scoring),
        answers_note: answers_note(module.quiz.settings.show_answers),
        view_id,
    };
    let status = if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let title = format!(
        "{}Module {} quiz",
        if problems.is_empty() { "" } else { "Error: " },
        module.number
    );
    render(
        state,
        req,
        &user.visitor(),
        View::new(status, "quiz/take", &title, "dashboard"),
        &page,
    )
}

/// Opens the learning-time view of this quiz page (closing the session's previous one).
async fn quiz_view(state: &AppState, user: &CurrentUser, module: &Module) -> Result<i32, AppError> {
    Ok(learning_time::open_view(
        &state.db,
        user.id(),
        &user.session_token,
        Viewed::Quiz {
            module: &module.slug,
        },
        state.clock.now(),
    )
    .await?)
}

/// `GET /modules/{module}/quiz`: a fresh draw of questions. Nothing is stored until it is submitted.
pub async fn show_quiz(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: CurrentUser,
    module: ModuleRef,
) -> Result<HttpResponse, AppError> {
    let module = module.module();
    let now = state.clock.now();
    match quiz::availability(&state.db, &state.course, module, user.id(), now).await? {
        Availability::Open { used } => {
            let ticket = quiz::new_ticket(&state.quiz_key, user.id(), &module.slug, now)?;
            let view_id = quiz_view(&state, &user, module).await?;
            quiz_form(
                &state,
                &req,
                &user,
                module,
                &ticket,
                used,
                &BTreeMap::new(),
                &[],
                view_id,
            )
        }
        other => unavailable(&state, &req, &user, module, &other),
    }
}

fn ticket_from(form: &CsrfForm) -> Result<Ticket, AppError> {
    let bad = || {
        AppError::BadRequest(
            "This quiz form is not valid. Go back to the module and start the quiz again.".into(),
        )
    };
    let f = &form.fields;
    Ok(Ticket {
        attempt_id: Uuid::parse_str(f.get("attempt_id")).map_err(|_| bad())?,
        seed: f.get("seed").parse().map_err(|_| bad())?,
        issued: f.get("issued").parse().map_err(|_| bad())?,
        signature: f.get("signature").to_string(),
    })
}

/// `POST /modules/{module}/quiz`: scores the attempt on the server and stores it, then shows its review.
#[tracing::instrument(skip_all, fields(user_id = user.id()))]
pub async fn submit_quiz(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: CurrentUser,
    form: CsrfForm,
    module: ModuleRef,
) -> Result<HttpResponse, AppError> {
    let module = module.module();
    let now = state.clock.now();
    let ticket = ticket_from(&form)?;
    learning_time::close_open_view(&state.db, &user.session_token, now).await?;
    // The same form posted twice: show the attempt already stored.
    match quiz::existing_attempt(&state.db, &ticket.attempt_id, user.id()).await {
        Ok(Some(done)) => return Ok(see_other(&format!("/attempts/{}", done.public_id))),
        Ok(None) => {}
        Err(SubmitError::NotYours) => return Err(AppError::NotFound),
        Err(SubmitError::Db(e)) => return Err(e.into()),
        Err(SubmitError::NotAvailable(_)) => {}
    }
    match quiz::verify_ticket(&state.quiz_key, user.id(), &module.slug, &ticket, now) {
        Ok(()) => {}
        Err(TicketError::Invalid) => {
            return Err(AppError::BadRequest(
                "This quiz form is not valid. Go back to the module and start the quiz again."
                    .into(),
            ));
        }
        Err(TicketError::Expired) => {
            return Err(AppError::BadRequest(
                "This quiz form has expired. Go back to the module and start the quiz again."
                    .into(),
            ));
        }
    }
    let drawn = draw(&module.quiz, ticket.seed);
    let codec = AnswerCodec::with_mac(&state.quiz_key, ticket.seed);
    let responses = match read_answers(&module.quiz, &drawn, form.fields.pairs(), &codec) {
        Ok(r) => r,
        Err(Err(Tampered::UnknownQuestion)) => {
            return Err(AppError::BadRequest(
                "The form answered a question that is not part of this attempt. Nothing was saved."
                    .into(),
            ));
        }
        Err(Err(Tampered::UnknownChoice)) => {
            return Err(AppError::BadRequest(
                "The form chose an answer that the question does not offer. Nothing was saved."
                    .into(),
            ));
        }
        Err(Ok(incomplete)) => {
            let used =
                match quiz::availability(&state.db, &state.course, module, user.id(), now).await? {
                    Availability::Open { used } => used,
                    other => return unavailable(&state, &req, &user, module, &other),
                };
            let given = partial_answers(form.fields.pairs());
            let view_id = quiz_view(&state, &user, module).await?;
            return quiz_form(
                &state,
                &req,
                &user,
                module,
                &ticket,
                used,
                &given,
                &incomplete.problems,
                view_id,
            );
        }
    };
    match quiz::submit(
        &state.db,
        &state.course,
        module,
        user.id(),
        Submission {
            ticket: &ticket,
            drawn: &drawn,
            responses: &responses,
        },
        now,
    )
    .await
    {
        Ok(attempt) => Ok(see_other(&format!("/attempts/{}", attempt.public_id))),
        Err(SubmitError::NotAvailable(why)) => unavailable(&state, &req, &user, module, &why),
        Err(SubmitError::NotYours) => Err(AppError::NotFound),
        Err(SubmitError::Db(e)) => Err(e.into()),
    }
}

#[derive(Serialize)]
struct ReviewChoice {
    field: String,
    value: String,
    text: String,
    chosen: bool,
    correct: bool,
    show_correct: bool,
    feedback: Option<String>,
}

#[derive(Serialize)]
struct ReviewRow {
    label: String,
    field: String,
    chosen_value: String,
    chosen_text: String,
    right: bool,
    correct_value: String,
    correct_text: String,
    show_correct: bool,
    feedback: Option<String>,
}

#[derive(Serialize)]
struct ReviewQuestion {
    number: usize,
    prompt: String,
    outcome: &'static str,
    full: bool,
    none: bool,
    credit_percent: u32,
    choices: Vec<ReviewChoice>,
    rows: Vec<ReviewRow>,
    explanation: Option<String>,
    partial_scoring: bool,
}

#[derive(Serialize)]
struct ReviewPage {
    attempt_id: String,
    module_number: usize,
    module_slug: String,
    module_title: String,
    score: i32,
    passed: bool,
    pass_mark: i32,
    submitted: String,
    right: usize,
    count: usize,
    questions: Vec<ReviewQuestion>,
    show_answers: bool,
    /// The right answers are held back until the learner passes.
    key_after_pass: bool,
}

fn review_question(
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
    }
}

/// `GET /attempts/{id}`: the review of one attempt, for its owner only (others get 404).
pub async fn show_attempt(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: CurrentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let public_id = Uuid::parse_str(&path)
        .map_err(|_| AppError::NotFound)?
        .to_string();
    let (attempt, answers) = quiz::attempt_with_answers(&state.db, &public_id, &user.user)
        .await?
        .ok_or(AppError::NotFound)?;
    let module = state
        .course
        .module(&attempt.module_slug)
        .ok_or(AppError::NotFound)?;
    let drawn: Vec<DrawnQuestion> = serde_json::from_str(&attempt.questions)
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("stored attempt questions: {e}")))?;
    let mode = module.quiz.settings.show_answers;
    let show = mode.reveals_key(attempt.passed);
    let seed = u64::from_ne_bytes(attempt.seed.to_ne_bytes());
    let codec = AnswerCodec::with_mac(&state.quiz_key, seed);
    let mut questions = Vec::new();
    for (i, d) in drawn.iter().enumerate() {
        // A question removed from the course since is skipped; the stored score stands.
        let Some(q) = module.quiz.question(&d.id) else {
            continue;
        };
        let answer = answers.iter().find(|a| a.question_id == d.id);
        let response: Response = answer
            .and_then(|a| serde_json::from_str(&a.response).ok())
            .unwrap_or(Response::Choices(BTreeSet::new()));
        let credit = answer.map_or(0, |a| u32::try_from(a.credit).unwrap_or(0));
        questions.push(review_question(
            i + 1,
            q,
            d,
            &response,
            credit,
            show,
            &codec,
        ));
    }
    let page = ReviewPage {
        attempt_id: attempt.public_id.clone(),
        module_number: module.number,
        module_slug: module.slug.clone(),
        module_title: module.title.clone(),
        score: attempt.score_percent,
        passed: attempt.passed,
        pass_mark: attempt.pass_mark,
        submitted: attempt
            .submitted_at
            .format("%-d %B %Y at %H:%M UTC")
            .to_string(),
        right: questions.iter().filter(|q| q.full).count(),
        count: questions.len(),
        questions,
        show_answers: show,
        key_after_pass: !show && mode == ShowAnswers::AfterPass,
    };
    let title = format!("Module {} quiz: your result", module.number);
    render(
        &state,
        &req,
        &user.visitor(),
        View::new(StatusCode::OK, "quiz/review", &title, "dashboard"),
        &page,
    )
}

#[derive(Serialize)]
struct HistoryRow {
    id: String,
    module_number: usize,
    module_title: String,
    submitted: String,
    score: i32,
    passed: bool,
}

#[derive(Serialize)]
struct HistoryPage {
    attempts: Vec<HistoryRow>,
}

/// `GET /attempts`: every attempt the learner has made.
pub async fn list_attempts(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    let attempts = quiz::history(&state.db, user.id()).await?;
    let rows = attempts
        .into_iter()
        .map(|a| {
            let module = state.course.module(&a.module_slug);
            HistoryRow {
                id: a.public_id,
                module_number: module.map_or(0, |m| m.number),
                module_title: module.map_or_else(|| a.module_slug.clone(), |m| m.title.clone()),
                submitted: a.submitted_at.format("%-d %b %Y, %H:%M").to_string(),
                score: a.score_percent,
                passed: a.passed,
            }
        })
        .collect();
    render(
        &state,
        &req,
        &user.visitor(),
        View::new(
            StatusCode::OK,
            "quiz/history",
            "Your quiz attempts",
            "dashboard",
        ),
        &HistoryPage { attempts: rows },
    )
}
