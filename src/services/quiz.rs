//! Quiz attempts: the signed attempt ticket a quiz form carries, availability (limits, waiting
//! time, unlocking), and storing a scored attempt with its module progress in one transaction.
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use futures_util::FutureExt;
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, SqlErr,
    sea_query::{Expr, OnConflict},
};
use uuid::Uuid;

use crate::course::{Course, Module};
use crate::crypto::{self, MacKey};
use crate::db::Writer;
use crate::domain::quiz::{
    AnswerCodec, DrawnQuestion, Response, Tampered, draw, partial_answers, read_answers, result,
    score,
};
use crate::entities::{attempt_answers, module_progress, quiz_attempts};
use crate::services::progress::{self, ModuleStatus};

/// How long a quiz form stays valid once shown.
const TICKET_HOURS: i64 = 24;

/// What a quiz form carries so the server can recreate exactly the questions it showed,
/// without storing anything when the form is only viewed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ticket {
    pub attempt_id: Uuid,
    pub seed: u64,
    pub issued: i64,
    pub signature: String,
}

impl Ticket {
    /// A ticket from the fields of a quiz form (checked with [`verify_ticket`] before use).
    pub fn parse(attempt_id: &str, seed: &str, issued: &str, signature: &str) -> Option<Self> {
        Some(Self {
            attempt_id: Uuid::parse_str(attempt_id).ok()?,
            seed: seed.parse().ok()?,
            issued: issued.parse().ok()?,
            signature: signature.to_string(),
        })
    }
}

fn sign(
    key: &MacKey,
    user_id: i32,
    module: &str,
    attempt_id: &Uuid,
    seed: u64,
    issued: i64,
) -> String {
    key.mac(
        "quiz|",
        format!("{attempt_id}|{user_id}|{module}|{seed}|{issued}").as_bytes(),
    )
}

/// A new attempt ticket for this learner and module.
///
/// # Errors
/// When the system has no randomness.
pub fn new_ticket(
    key: &MacKey,
    user_id: i32,
    module: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<Ticket> {
    let seed = u64::from_le_bytes(crypto::random::<8>()?);
    let attempt_id = Uuid::new_v4();
    let issued = now.timestamp();
    Ok(Ticket {
        signature: sign(key, user_id, module, &attempt_id, seed, issued),
        attempt_id,
        seed,
        issued,
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TicketError {
    #[error("the quiz form is not valid")]
    Invalid,
    #[error("the quiz form has expired")]
    Expired,
}

/// Checks a ticket from a submitted form: signed by us, for this learner and module, not expired.
///
/// # Errors
/// `Invalid` for anything forged or someone else's; `Expired` after a day.
pub fn verify_ticket(
    key: &MacKey,
    user_id: i32,
    module: &str,
    ticket: &Ticket,
    now: DateTime<Utc>,
) -> Result<(), TicketError> {
    let expected = sign(
        key,
        user_id,
        module,
        &ticket.attempt_id,
        ticket.seed,
        ticket.issued,
    );
    if !crypto::equal(expected.as_bytes(), ticket.signature.as_bytes()) {
        return Err(TicketError::Invalid);
    }
    let issued = DateTime::<Utc>::from_timestamp(ticket.issued, 0).ok_or(TicketError::Invalid)?;
    if now > issued + Duration::hours(TICKET_HOURS) || issued > now + Duration::minutes(5) {
        return Err(TicketError::Expired);
    }
    Ok(())
}

/// Whether the learner may start an attempt now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Availability {
    Open { used: u32 },
    NoAttemptsLeft { allowed: u32 },
    WaitUntil(DateTime<Utc>),
    Locked { previous: usize },
}

/// Modules open in order when the course says so: a module opens once the one before it is complete.
pub fn unlocked(course: &Course, statuses: &[ModuleStatus], module: &Module) -> Result<(), usize> {
    if !course.unlock_in_order || module.number == 1 {
        return Ok(());
    }
    match statuses.get(module.number - 2) {
        Some(s) if s.completed => Ok(()),
        _ => Err(module.number - 1),
    }
}

/// # Errors
/// When the database fails.
pub async fn availability(
    db: &impl ConnectionTrait,
    course: &Course,
    module: &Module,
    user_id: i32,
    now: DateTime<Utc>,
) -> Result<Availability, DbErr> {
    let rows = progress::module_rows(db, user_id).await?;
    match gate(db, course, module, (user_id, &rows), now).await? {
        Gate::Blocked(why) => Ok(why),
        Gate::Open { used: Some(used) } => Ok(Availability::Open { used }),
        Gate::Open { used: None } => Ok(Availability::Open {
            used: attempts_used(db, module, user_id).await?,
        }),
    }
}

/// What [`gate`] found: the reason the quiz is closed, or that it is open (with the attempts used
/// when it had to count them).
enum Gate {
    Blocked(Availability),
    Open { used: Option<u32> },
}

/// This learner's stored attempts at the module's quiz.
async fn attempts_used(
    db: &impl ConnectionTrait,
    module: &Module,
    user_id: i32,
) -> Result<u32, DbErr> {
    let used = quiz_attempts::Entity::find()
        .filter(quiz_attempts::Column::UserId.eq(user_id))
        .filter(quiz_attempts::Column::ModuleSlug.eq(&module.slug))
        .count(db)
        .await?;
    Ok(u32::try_from(used).unwrap_or(u32::MAX))
}

/// What keeps the learner from this quiz now, if anything, given their module rows: a locked
/// module, attempts used up, or a cool-down. Reads only what the quiz's settings need (nothing
/// for an open quiz with unlimited attempts and no cool-down).
async fn gate(
    db: &impl ConnectionTrait,
    course: &Course,
    module: &Module,
    (user_id, rows): (i32, &[module_progress::Model]),
    now: DateTime<Utc>,
) -> Result<Gate, DbErr> {
    let statuses = progress::statuses_from(course, rows);
    if let Err(previous) = unlocked(course, &statuses, module) {
        return Ok(Gate::Blocked(Availability::Locked { previous }));
    }
    let settings = &module.quiz.settings;
    let mut used = None;
    if settings.attempts_allowed > 0 {
        let counted = attempts_used(db, module, user_id).await?;
        if counted >= settings.attempts_allowed {
            return Ok(Gate::Blocked(Availability::NoAttemptsLeft {
                allowed: settings.attempts_allowed,
            }));
        }
        used = Some(counted);
    }
    if settings.minutes_between_attempts > 0 {
        let last = quiz_attempts::Entity::find()
            .filter(quiz_attempts::Column::UserId.eq(user_id))
            .filter(quiz_attempts::Column::ModuleSlug.eq(&module.slug))
            .order_by_desc(quiz_attempts::Column::SubmittedAt)
            .one(db)
            .await?;
        if let Some(last) = last {
            let next =
                last.submitted_at + Duration::minutes(i64::from(settings.minutes_between_attempts));
            if next > now {
                return Ok(Gate::Blocked(Availability::WaitUntil(next)));
            }
        }
    }
    Ok(Gate::Open { used })
}

#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    #[error("no attempts left")]
    NotAvailable(Availability),
    #[error("the attempt id belongs to someone else")]
    NotYours,
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// The stored attempt with this public id, if it is this learner's.
///
/// # Errors
/// `NotYours` when another learner owns it.
pub async fn existing_attempt(
    db: &impl ConnectionTrait,
    public_id: &impl ToString,
    user_id: i32,
) -> Result<Option<quiz_attempts::Model>, SubmitError> {
    match quiz_attempts::Entity::find()
        .filter(quiz_attempts::Column::PublicId.eq(public_id.to_string()))
        .one(db)
        .await?
    {
        Some(a) if a.user_id == user_id => Ok(Some(a)),
        Some(_) => Err(SubmitError::NotYours),
        None => Ok(None),
    }
}

/// What a submitted quiz form says: its ticket, the questions it showed and the answers given.
pub struct Submission<'a> {
    pub ticket: &'a Ticket,
    pub drawn: &'a [DrawnQuestion],
    pub responses: &'a [Response],
    /// The session whose open learning-time view this submission closes (in the same write).
    pub session_token: &'a str,
}

/// A scored attempt, ready to store: everything but the database work is done before the write.
struct Scored {
    public_id: String,
    seed: i64,
    questions: String,
    started_at: DateTime<Utc>,
    percent: u8,
    passed: bool,
    /// (question id, response as JSON, credit) in the order shown.
    answers: Vec<(String, String, i32)>,
}

fn scored(
    module: &Module,
    submission: &Submission<'_>,
    now: DateTime<Utc>,
) -> Result<Scored, DbErr> {
    let Submission {
        ticket,
        drawn,
        responses,
        ..
    } = submission;
    let quiz = &module.quiz;
    let credits: Vec<u32> = drawn
        .iter()
        .zip(responses.iter())
        .map(|(d, r)| quiz.question(&d.id).map_or(0, |q| score(q, r)))
        .collect();
    let (percent, passed) = result(&credits, quiz.settings.pass_mark);
    let answers = drawn
        .iter()
        .zip(responses.iter())
        .zip(&credits)
        .map(|((d, r), c)| {
            (
                d.id.clone(),
                serde_json::to_string(r).unwrap_or_default(),
                i32::try_from(*c).unwrap_or(0),
            )
        })
        .collect();
    Ok(Scored {
        public_id: ticket.attempt_id.to_string(),
        seed: i64::from_ne_bytes(ticket.seed.to_ne_bytes()),
        questions: serde_json::to_string(drawn).map_err(|e| DbErr::Custom(e.to_string()))?,
        started_at: DateTime::<Utc>::from_timestamp(ticket.issued, 0).unwrap_or(now),
        percent,
        passed,
        answers,
    })
}

/// What the write of a submission found.
enum Stored {
    /// Stored now, or stored already (the same attempt posted twice): the attempt.
    Attempt(quiz_attempts::Model),
    Unavailable(Availability),
    NotYours,
}

/// Why the write of a submission was rolled back.
enum StoreError {
    /// A concurrent double submit (another transaction) stored this attempt first.
    Race,
    Db(DbErr),
}

impl From<DbErr> for StoreError {
    fn from(e: DbErr) -> Self {
        Self::Db(e)
    }
}

/// The transactional body of [`submit`]: closes the session's open learning-time view, then
/// stores the attempt, its answers and the learner's module and course progress.
async fn store(
    txn: &impl ConnectionTrait,
    course: &Course,
    module_slug: &str,
    user_id: i32,
    attempt: Scored,
    (session_hash, now): (&str, DateTime<Utc>),
) -> Result<Stored, StoreError> {
    crate::services::learning_time::close_open(txn, session_hash, now).await?;
    let module = course
        .module(module_slug)
        .ok_or_else(|| DbErr::RecordNotFound(format!("module {module_slug}")))?;
    match existing_attempt(txn, &attempt.public_id, user_id).await {
        Ok(Some(done)) => return Ok(Stored::Attempt(done)),
        Ok(None) => {}
        Err(SubmitError::NotYours) => return Ok(Stored::NotYours),
        Err(SubmitError::NotAvailable(why)) => return Ok(Stored::Unavailable(why)),
        Err(SubmitError::Db(e)) => return Err(e.into()),
    }
    let rows = progress::module_rows(txn, user_id).await?;
    if let Gate::Blocked(why) = gate(txn, course, module, (user_id, &rows), now).await? {
        return Ok(Stored::Unavailable(why));
    }
    let pass_mark = module.quiz.settings.pass_mark;
    let inserted = quiz_attempts::Entity::insert(quiz_attempts::ActiveModel {
        public_id: Set(attempt.public_id),
        user_id: Set(user_id),
        module_slug: Set(module.slug.clone()),
        seed: Set(attempt.seed),
        questions: Set(attempt.questions),
        started_at: Set(attempt.started_at),
        submitted_at: Set(now),
        score_percent: Set(i32::from(attempt.percent)),
        pass_mark: Set(i32::from(pass_mark)),
        passed: Set(attempt.passed),
        ..Default::default()
    })
    .exec_with_returning(txn)
    .await;
    let stored = match inserted {
        Ok(stored) => stored,
        Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            return Err(StoreError::Race);
        }
        Err(e) => return Err(e.into()),
    };
    let attempt_id = stored.id;
    let answers: Vec<attempt_answers::ActiveModel> = attempt
        .answers
        .into_iter()
        .enumerate()
        .map(
            |(i, (question_id, response, credit))| attempt_answers::ActiveModel {
                attempt_id: Set(attempt_id),
                position: Set(i32::try_from(i + 1).unwrap_or(i32::MAX)),
                question_id: Set(question_id),
                response: Set(response),
                credit: Set(credit),
                ..Default::default()
            },
        )
        .collect();
    if !answers.is_empty() {
        attempt_answers::Entity::insert_many(answers)
            .exec_without_returning(txn)
            .await?;
    }
    let percent = i32::from(attempt.percent);
    let result = (percent, attempt.passed);
    record_on_module(txn, course, module, (user_id, rows), result, now).await?;
    Ok(Stored::Attempt(stored))
}

/// Scores and stores an attempt, and updates the learner's module and course progress, in one
/// write (through the [`Writer`]: acknowledged only once it is committed). Submitting the same
/// attempt again returns the stored one unchanged. The session's open learning-time view is
/// closed in the same write.
///
/// # Errors
/// When attempts are used up, the id is someone else's, or the database fails.
#[tracing::instrument(skip_all, fields(user_id, module = %module.slug))]
pub async fn submit(
    writer: &Writer,
    course: &Arc<Course>,
    module: &Module,
    user_id: i32,
    submission: Submission<'_>,
    now: DateTime<Utc>,
) -> Result<quiz_attempts::Model, SubmitError> {
    let attempt = scored(module, &submission, now)?;
    let session_hash = crate::services::sessions::hash_token(submission.session_token);
    let (course_in, module_slug) = (Arc::clone(course), module.slug.clone());
    let stored = writer
        .run(move |txn| {
            async move {
                let at = (session_hash.as_str(), now);
                store(txn, &course_in, &module_slug, user_id, attempt, at).await
            }
            .boxed()
        })
        .await;
    match stored {
        Ok(Stored::Attempt(a)) => Ok(a),
        Ok(Stored::Unavailable(why)) => Err(SubmitError::NotAvailable(why)),
        Ok(Stored::NotYours) => Err(SubmitError::NotYours),
        Err(StoreError::Race) => {
            // A concurrent double submit won the race: answer with its result.
            let closed = crate::services::learning_time::close_open_view(
                writer,
                submission.session_token,
                now,
            );
            closed.await?;
            existing_attempt(writer.db(), &submission.ticket.attempt_id, user_id)
                .await?
                .ok_or(SubmitError::Db(DbErr::RecordNotFound("attempt".into())))
        }
        Err(StoreError::Db(e)) => Err(e.into()),
    }
}

/// A submitted quiz form: its ticket and every field it sent (`q.*` answers among them).
pub struct QuizForm<'a> {
    pub ticket: &'a Ticket,
    pub fields: &'a [(String, String)],
    /// The learner's session: submitting is their next action, which closes its open learning-time view.
    pub session_token: &'a str,
}

/// What became of a submitted quiz form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubmitOutcome {
    /// Scored and stored (or stored already: the same form posted twice); its public id.
    Stored(String),
    /// Some questions are unanswered or contradictory: show the form again with the answers given.
    Again {
        used: u32,
        given: BTreeMap<String, BTreeSet<String>>,
        problems: Vec<(usize, String)>,
    },
    /// The learner may not take this quiz now (attempts used up, waiting time, locked).
    Unavailable(Availability),
}

/// A quiz form that no honest page produces, or someone else's attempt: nothing is stored.
#[derive(Debug, thiserror::Error)]
pub enum SubmitFormError {
    #[error(transparent)]
    Ticket(#[from] TicketError),
    #[error(transparent)]
    Tampered(#[from] Tampered),
    #[error("the attempt id belongs to someone else")]
    NotYours,
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// What reading a submitted form gave: a complete set of answers to store, or the answer already.
enum Read {
    Complete(Vec<DrawnQuestion>, Vec<Response>),
    Answered(SubmitOutcome),
}

/// Reads a submitted form without writing: a repeat of a stored attempt, a bad ticket, a
/// tampered or incomplete set of answers, or a complete one to store.
async fn read_form(
    db: &DatabaseConnection,
    key: &MacKey,
    (course, module): (&Course, &Module),
    user_id: i32,
    form: &QuizForm<'_>,
    now: DateTime<Utc>,
) -> Result<Read, SubmitFormError> {
    let QuizForm { ticket, fields, .. } = *form;
    match existing_attempt(db, &ticket.attempt_id, user_id).await {
        Ok(Some(done)) => return Ok(Read::Answered(SubmitOutcome::Stored(done.public_id))),
        Ok(None) | Err(SubmitError::NotAvailable(_)) => {}
        Err(SubmitError::NotYours) => return Err(SubmitFormError::NotYours),
        Err(SubmitError::Db(e)) => return Err(e.into()),
    }
    verify_ticket(key, user_id, &module.slug, ticket, now)?;
    let drawn = draw(&module.quiz, ticket.seed);
    let codec = AnswerCodec::with_mac(key, ticket.seed);
    match read_answers(&module.quiz, &drawn, fields, &codec) {
        Ok(responses) => Ok(Read::Complete(drawn, responses)),
        Err(Err(tampered)) => Err(tampered.into()),
        Err(Ok(incomplete)) => Ok(Read::Answered(
            match availability(db, course, module, user_id, now).await? {
                Availability::Open { used } => SubmitOutcome::Again {
                    used,
                    given: partial_answers(fields),
                    problems: incomplete.problems,
                },
                other => SubmitOutcome::Unavailable(other),
            },
        )),
    }
}

/// Submits a quiz form: the same form posted twice gives the attempt already stored; otherwise
/// the ticket is checked, the answers read against the ticket's draw, and a complete set scored
/// and stored with the learner's progress (in one write, see [`submit`]). Either way it is the
/// learner's next action: the session's open learning-time view is closed.
///
/// # Errors
/// A forged, expired or tampered form, someone else's attempt id, or a database failure.
#[tracing::instrument(skip_all, fields(user_id, module = %module.slug))]
pub async fn submit_form(
    writer: &Writer,
    key: &MacKey,
    course: &Arc<Course>,
    module: &Module,
    user_id: i32,
    form: QuizForm<'_>,
    now: DateTime<Utc>,
) -> Result<SubmitOutcome, SubmitFormError> {
    let read = read_form(writer.db(), key, (course, module), user_id, &form, now).await;
    if let Ok(Read::Complete(drawn, responses)) = read {
        let submission = Submission {
            ticket: form.ticket,
            drawn: &drawn,
            responses: &responses,
            session_token: form.session_token,
        };
        return match submit(writer, course, module, user_id, submission, now).await {
            Ok(attempt) => Ok(SubmitOutcome::Stored(attempt.public_id)),
            Err(SubmitError::NotAvailable(why)) => Ok(SubmitOutcome::Unavailable(why)),
            Err(SubmitError::NotYours) => Err(SubmitFormError::NotYours),
            Err(SubmitError::Db(e)) => Err(e.into()),
        };
    }
    crate::services::learning_time::close_open_view(writer, form.session_token, now).await?;
    match read {
        Ok(Read::Answered(outcome)) => Ok(outcome),
        Ok(Read::Complete(..)) => {
            Err(DbErr::Custom("a complete form was not stored".into()).into())
        }
        Err(e) => Err(e),
    }
}

/// Counts the attempt on the learner's module row (attempts, best score, first pass) in one
/// upsert, then recomputes the module's and the course's progress. `rows`: the learner's module
/// rows as read earlier in this transaction.
async fn record_on_module(
    txn: &impl ConnectionTrait,
    course: &Course,
    module: &Module,
    (user_id, mut rows): (i32, Vec<module_progress::Model>),
    (percent, passed): (i32, bool),
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    use module_progress::Column as C;
    let row = module_progress::Entity::insert(module_progress::ActiveModel {
        user_id: Set(user_id),
        module_slug: Set(module.slug.clone()),
        lessons_completed: Set(0),
        progress_percent: Set(0),
        best_score: Set(Some(percent)),
        attempts: Set(1),
        quiz_passed_at: Set(passed.then_some(now)),
        completed_at: Set(None),
        updated_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([C::UserId, C::ModuleSlug])
            .value(
                C::Attempts,
                Expr::cust(r#""module_progress"."attempts" + 1"#),
            )
            .value(
                C::BestScore,
                Expr::cust(
                    r#"CASE WHEN "module_progress"."best_score" IS NULL OR "module_progress"."best_score" < "excluded"."best_score" THEN "excluded"."best_score" ELSE "module_progress"."best_score" END"#,
                ),
            )
            .value(
                C::QuizPassedAt,
                Expr::cust(
                    r#"COALESCE("module_progress"."quiz_passed_at", "excluded"."quiz_passed_at")"#,
                ),
            )
            .to_owned(),
    )
    .exec_with_returning(txn)
    .await?;
    rows.retain(|r| r.module_slug != module.slug);
    rows.push(row);
    progress::refresh_module_given(txn, course, (user_id, rows), module, now).await
}

/// One attempt with its answers, for its owner and the admins of the owner's organisations only.
///
/// # Errors
/// When the database fails.
pub async fn attempt_with_answers(
    db: &impl ConnectionTrait,
    public_id: &str,
    viewer: &crate::services::sessions::SignedIn,
) -> Result<Option<(quiz_attempts::Model, Vec<attempt_answers::Model>)>, DbErr> {
    let Some(attempt) = quiz_attempts::Entity::find()
        .filter(quiz_attempts::Column::PublicId.eq(public_id))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if attempt.user_id != viewer.id
        && !crate::services::organisations::administers_learner(db, viewer, attempt.user_id).await?
    {
        return Ok(None);
    }
    let answers = attempt_answers::Entity::find()
        .filter(attempt_answers::Column::AttemptId.eq(attempt.id))
        .order_by_asc(attempt_answers::Column::Position)
        .all(db)
        .await?;
    Ok(Some((attempt, answers)))
}

/// A learner's attempts, newest first.
///
/// # Errors
/// When the database fails.
pub async fn history(
    db: &impl ConnectionTrait,
    user_id: i32,
) -> Result<Vec<quiz_attempts::Model>, DbErr> {
    quiz_attempts::Entity::find()
        .filter(quiz_attempts::Column::UserId.eq(user_id))
        .order_by_desc(quiz_attempts::Column::SubmittedAt)
        .all(db)
        .await
}

/// The draw an attempt showed, recreated from its stored seed.
pub fn drawn_for(module: &Module, seed: u64) -> Vec<DrawnQuestion> {
    draw(&module.quiz, seed)
}
