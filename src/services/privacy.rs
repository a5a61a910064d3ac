//! Learners' data rights: everything held about a person ([`export`]), erasing it when they
//! delete their account or an admin removes a leaver ([`erase_account`]), and the retention purge
//! of inactive accounts and old security logs ([`purge`]).
//!
//! Each table that holds personal data has one `export_<table>` and one `erase_<table>` function
//! here. A new table (organisation memberships, worksheets…) needs:
//! 1. a field in [`Export`], filled by a new `export_<table>` called from [`export`];
//! 2. a new `erase_<table>` called from [`erase_in`] — or, if its rows are kept as anonymous
//!    aggregates, a line in the list of kept tables in [`erase_in`] saying why;
//! 3. its text columns in the "no personal data left" test (`tests/api/privacy.rs`).
//!
//! Erasure anonymises rather than deletes the `users` row: progress and quiz rows stay keyed by the
//! anonymous id, so course and organisation reports keep their counts.
use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, TransactionTrait,
    sea_query::{Expr, Query},
};
use secrecy::SecretString;
use serde::Serialize;

use crate::clock::Clock;
use crate::config::Settings;
use crate::entities::{
    attempt_answers, audit_log, certificates, enrolments, lesson_progress, module_progress,
    quiz_attempts, sessions, users,
};
use crate::services::account::{self, AccountError};
use crate::services::audit::Actor;
use crate::services::audit::AuditAction;
use crate::services::audit::{self, AuditEvent};
use crate::services::sessions::{Timeouts, hash_token};

/// The name an erased account shows everywhere.
pub const ERASED_NAME: &str = "Deleted user";
/// A password hash no password can match (it is not a PHC string).
const UNUSABLE_PASSWORD_HASH: &str = "!erased";

// ---------------------------------------------------------------------------------------------
// Export
// ---------------------------------------------------------------------------------------------

/// Everything the service holds about one person, as they download it.
#[derive(Debug, Serialize)]
pub struct Export {
    pub format: &'static str,
    pub generated_at: DateTime<Utc>,
    pub profile: Profile,
    pub enrolments: Vec<Enrolment>,
    pub module_progress: Vec<ModuleProgress>,
    pub lesson_progress: Vec<LessonProgress>,
    pub quiz_attempts: Vec<QuizAttempt>,
    pub certificates: Vec<Certificate>,
    pub sessions: Vec<Session>,
    pub security_events: Vec<SecurityEvent>,
    pub organisations: Vec<Membership>,
    pub worksheet_answers: Vec<WorksheetAnswer>,
    pub plan_shared_with_organisation: bool,
    /// Their own plan as submitted, each version with its answers and the review.
    pub plan_submissions: Vec<PlanSubmission>,
    /// Their cohorts' team plans as submitted, with the reviews (the answers are the team's).
    pub team_plan_submissions: Vec<TeamPlanSubmission>,
    /// Every version of a team plan section they saved.
    pub team_plan_writing: Vec<TeamPlanWriting>,
    pub confidence_ratings: Vec<ConfidenceRating>,
    /// E-mails written to the person: kind, subject, status and when.
    pub messages: Vec<MessageSent>,
    /// Kinds of e-mail the person has switched off.
    pub email_switched_off: Vec<String>,
    /// Learning time recorded, per module (see the privacy notice for how it is counted).
    pub learning_time: Vec<LearningTime>,
}

#[derive(Debug, Serialize)]
pub struct LearningTime {
    pub module: String,
    pub minutes: u32,
}

#[derive(Debug, Serialize)]
pub struct MessageSent {
    pub kind: String,
    pub subject: String,
    pub status: String,
    pub written_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize)]
pub struct Membership {
    pub organisation: String,
    pub role: String,
    pub cohort: Option<String>,
    pub joined_at: DateTime<Utc>,
    /// The organisation's employee or assignment number for them, when recorded.
    pub employee_number: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct WorksheetAnswer {
    pub module: String,
    pub prompt: String,
    pub answer: String,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Serialize)]
pub struct PlanReview {
    pub reviewed_at: DateTime<Utc>,
    /// The overall comment.
    pub comments: String,
    /// A rating and a comment for each five-case part and overall.
    pub rubric: Vec<crate::services::team_plan::RubricLine>,
}

#[derive(Debug, Serialize)]
pub struct PlanSubmission {
    pub version: i32,
    pub submitted_at: DateTime<Utc>,
    pub answers: Vec<crate::services::team_plan::FrozenAnswer>,
    pub review: Option<PlanReview>,
}

#[derive(Debug, Serialize)]
pub struct TeamPlanSubmission {
    pub team_plan: i32,
    pub version: i32,
    pub submitted_at: DateTime<Utc>,
    pub submitted_by_you: bool,
    pub review: Option<PlanReview>,
}

#[derive(Debug, Serialize)]
pub struct TeamPlanWriting {
    pub team_plan: i32,
    pub module: String,
    pub prompt: String,
    pub version: i32,
    pub text: String,
    pub saved_at: DateTime<Utc>,
}

fn review_of(s: &crate::entities::plan_submissions::Model) -> Option<PlanReview> {
    s.reviewed_at.map(|at| PlanReview {
        reviewed_at: at,
        comments: s.review_comments.clone().unwrap_or_default(),
        rubric: crate::services::team_plan::rubric_of(s),
    })
}

async fn export_plan_submissions(
    db: &impl ConnectionTrait,
    user_id: i32,
) -> Result<(Vec<PlanSubmission>, Vec<TeamPlanSubmission>), DbErr> {
    use crate::entities::plan_submissions;
    use crate::services::team_plan::{frozen_answers, team_plans_of};
    let teams = team_plans_of(db, user_id).await?;
    let mut cond = Condition::any().add(plan_submissions::Column::UserId.eq(user_id));
    if !teams.is_empty() {
        cond = cond.add(plan_submissions::Column::TeamPlanId.is_in(teams));
    }
    let rows = plan_submissions::Entity::find()
        .filter(cond)
        .order_by_asc(plan_submissions::Column::Id)
        .all(db)
        .await?;
    let (own, team): (Vec<_>, Vec<_>) = rows.iter().partition(|s| s.user_id == Some(user_id));
    Ok((
        own.into_iter()
            .map(|s| PlanSubmission {
                version: s.number,
                submitted_at: s.submitted_at,
                answers: frozen_answers(s),
                review: review_of(s),
            })
            .collect(),
        team.into_iter()
            .filter_map(|s| {
                Some(TeamPlanSubmission {
                    team_plan: s.team_plan_id?,
                    version: s.number,
                    submitted_at: s.submitted_at,
                    submitted_by_you: s.submitted_by == Some(user_id),
                    review: review_of(s),
                })
            })
            .collect(),
    ))
}

async fn export_team_plan_writing(
    db: &impl ConnectionTrait,
    user_id: i32,
) -> Result<Vec<TeamPlanWriting>, DbErr> {
    use crate::entities::team_plan_versions as v;
    Ok(v::Entity::find()
        .filter(v::Column::AuthorId.eq(user_id))
        .order_by_asc(v::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|w| TeamPlanWriting {
            team_plan: w.team_plan_id,
            module: w.module_slug,
            prompt: w.prompt_id,
            version: w.version,
            text: w.answer,
            saved_at: w.created_at,
        })
        .collect())
}

#[derive(Debug, Serialize)]
pub struct ConfidenceRating {
    pub phase: String,
    pub statement: String,
    pub rating: i32,
    pub rated_at: DateTime<Utc>,
}

async fn export_memberships(
    db: &impl ConnectionTrait,
    user_id: i32,
) -> Result<Vec<Membership>, DbErr> {
    use crate::entities::{cohorts, org_members, organisations};
    let mut out = Vec::new();
    for m in org_members::Entity::find()
        .filter(org_members::Column::UserId.eq(user_id))
        .all(db)
        .await?
    {
        let org = organisations::Entity::find_by_id(m.org_id).one(db).await?;
        let cohort = match m.cohort_id {
            Some(c) => cohorts::Entity::find_by_id(c)
                .one(db)
                .await?
                .map(|c| c.name),
            None => None,
        };
        out.push(Membership {
            organisation: org.map_or_else(|| format!("organisation {}", m.org_id), |o| o.name),
            role: m.role.as_str().to_string(),
            cohort,
            joined_at: m.joined_at,
            employee_number: m.employee_number,
        });
    }
    Ok(out)
}

async fn export_worksheets(
    db: &impl ConnectionTrait,
    user_id: i32,
) -> Result<Vec<WorksheetAnswer>, DbErr> {
    use crate::entities::worksheet_answers;
    Ok(worksheet_answers::Entity::find()
        .filter(worksheet_answers::Column::UserId.eq(user_id))
        .all(db)
        .await?
        .into_iter()
        .map(|a| WorksheetAnswer {
            module: a.module_slug,
            prompt: a.prompt_id,
            answer: a.answer,
            updated_at: a.updated_at,
        })
        .collect())
}

async fn export_confidence(
    db: &impl ConnectionTrait,
    user_id: i32,
) -> Result<Vec<ConfidenceRating>, DbErr> {
    use crate::entities::confidence_ratings;
    Ok(confidence_ratings::Entity::find()
        .filter(confidence_ratings::Column::UserId.eq(user_id))
        .all(db)
        .await?
        .into_iter()
        .map(|r| ConfidenceRating {
            phase: r.phase,
            statement: r.statement_id,
            rating: r.rating,
            rated_at: r.rated_at,
        })
        .collect())
}

/// Worksheet answers are the learner's own free text: they are deleted, not kept. Organisation
/// memberships and confidence ratings stay, keyed by the anonymous id, for aggregate reports.
async fn erase_worksheets(txn: &impl ConnectionTrait, user_id: i32) -> Result<(), DbErr> {
    use crate::entities::{mail_opt_outs, outbox, plan_settings, worksheet_answers};
    // E-mails hold the address and the name: those written to the person go, sent or not.
    outbox::Entity::delete_many()
        .filter(outbox::Column::UserId.eq(user_id))
        .exec(txn)
        .await?;
    mail_opt_outs::Entity::delete_many()
        .filter(mail_opt_outs::Column::UserId.eq(user_id))
        .exec(txn)
        .await?;
    worksheet_answers::Entity::delete_many()
        .filter(worksheet_answers::Column::UserId.eq(user_id))
        .exec(txn)
        .await?;
    plan_settings::Entity::delete_many()
        .filter(plan_settings::Column::UserId.eq(user_id))
        .exec(txn)
        .await?;
    // Their submitted (frozen) plans are their own free text too, and go with their reviews
    // (comments and rubric are on the same row). Team plan sections they wrote, and the team's
    // submissions and reviews, belong to the team and stay; their name goes with the account.
    crate::entities::plan_submissions::Entity::delete_many()
        .filter(crate::entities::plan_submissions::Column::UserId.eq(user_id))
        .exec(txn)
        .await?;
    Ok(())
}

#[derive(Debug, Serialize)]
pub struct Profile {
    pub id: i32,
    pub name: String,
    pub email: String,
    pub role: String,
    pub created_at: DateTime<Utc>,
    pub last_login_at: Option<DateTime<Utc>>,
    pub disabled_at: Option<DateTime<Utc>>,
    pub password: &'static str,
}

#[derive(Debug, Serialize)]
pub struct Enrolment {
    pub course_slug: String,
    pub started_at: DateTime<Utc>,
    pub progress_percent: i32,
    pub items_completed: i32,
    pub last_module: Option<String>,
    pub last_lesson: Option<String>,
    pub last_activity_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize)]
pub struct ModuleProgress {
    pub module_slug: String,
    pub lessons_completed: i32,
    pub progress_percent: i32,
    pub best_score: Option<i32>,
    pub attempts: i32,
    pub quiz_passed_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Serialize)]
pub struct LessonProgress {
    pub module_slug: String,
    pub lesson_slug: String,
    pub first_viewed_at: DateTime<Utc>,
    pub last_viewed_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize)]
pub struct QuizAttempt {
    pub id: String,
    pub module_slug: String,
    pub started_at: DateTime<Utc>,
    pub submitted_at: DateTime<Utc>,
    pub score_percent: i32,
    pub pass_mark: i32,
    pub passed: bool,
    pub answers: Vec<Answer>,
}

#[derive(Debug, Serialize)]
pub struct Answer {
    pub position: i32,
    pub question_id: String,
    /// The option ids chosen, or item/pair placements, as stored.
    pub response: serde_json::Value,
    /// Thousandths of a mark (1000 = fully right).
    pub credit_thousandths: i32,
}

#[derive(Debug, Serialize)]
pub struct Certificate {
    pub code: String,
    pub holder_name: String,
    pub course_slug: String,
    pub course_title: String,
    pub course_version: String,
    pub modules: serde_json::Value,
    pub issued_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub revoked_reason: Option<String>,
    pub holder_removed_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize)]
pub struct Session {
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub user_agent: Option<String>,
    pub this_session: bool,
}

#[derive(Debug, Serialize)]
pub struct SecurityEvent {
    pub at: DateTime<Utc>,
    pub action: String,
    /// "you", "another account" (an administrator) or "not logged in" (failed log-ins, the service).
    pub by: &'static str,
    pub target: Option<String>,
    pub detail: Option<String>,
    pub ip: Option<String>,
}

/// Everything held about a user, read in one transaction so the parts agree.
/// `current_session` (the requester's token) marks their own session.
///
/// # Errors
/// When the database fails.
#[tracing::instrument(skip_all, fields(user_id))]
pub async fn export(
    db: &DatabaseConnection,
    user_id: i32,
    now: DateTime<Utc>,
    current_session: Option<&str>,
) -> Result<Option<Export>, DbErr> {
    let txn = db.begin_with_options(crate::db::WRITE).await?;
    let Some(profile) = export_profile(&txn, user_id).await? else {
        return Ok(None);
    };
    let (plan_submissions, team_plan_submissions) = export_plan_submissions(&txn, user_id).await?;
    let export = Export {
        format: "deepdive-personal-data/1",
        generated_at: now,
        profile,
        enrolments: export_enrolments(&txn, user_id).await?,
        module_progress: export_module_progress(&txn, user_id).await?,
        lesson_progress: export_lesson_progress(&txn, user_id).await?,
        quiz_attempts: export_quiz_attempts(&txn, user_id).await?,
        certificates: export_certificates(&txn, user_id).await?,
        sessions: export_sessions(&txn, user_id, current_session).await?,
        security_events: export_security_events(&txn, user_id).await?,
        organisations: export_memberships(&txn, user_id).await?,
        worksheet_answers: export_worksheets(&txn, user_id).await?,
        plan_shared_with_organisation: crate::services::worksheets::shares_plan(&txn, user_id)
            .await?,
        plan_submissions,
        team_plan_submissions,
        team_plan_writing: export_team_plan_writing(&txn, user_id).await?,
        confidence_ratings: export_confidence(&txn, user_id).await?,
        messages: crate::services::outbox::for_user(&txn, user_id)
            .await?
            .into_iter()
            .map(|m| MessageSent {
                kind: m.kind,
                subject: m.subject,
                status: m.status,
                written_at: m.created_at,
                sent_at: m.sent_at,
            })
            .collect(),
        learning_time: crate::services::learning_time::for_user(&txn, user_id)
            .await?
            .modules
            .into_iter()
            .map(|(module, m)| LearningTime {
                module,
                minutes: m.0,
            })
            .collect(),
        email_switched_off: {
            let mut off: Vec<String> = crate::services::reminders::switched_off(&txn, user_id)
                .await?
                .into_iter()
                .collect();
            off.sort();
            off
        },
    };
    txn.commit().await?;
    Ok(Some(export))
}

async fn export_profile(db: &impl ConnectionTrait, user_id: i32) -> Result<Option<Profile>, DbErr> {
    Ok(users::Entity::find_by_id(user_id)
        .one(db)
        .await?
        .map(|u| Profile {
            id: u.id,
            name: u.name,
            email: u.email,
            role: u.role.as_str().to_string(),
            created_at: u.created_at,
            last_login_at: u.last_login_at,
            disabled_at: u.disabled_at,
            password: "stored only as a one-way argon2id hash, which is not included",
        }))
}

async fn export_enrolments(
    db: &impl ConnectionTrait,
    user_id: i32,
) -> Result<Vec<Enrolment>, DbErr> {
    Ok(enrolments::Entity::find()
        .filter(enrolments::Column::UserId.eq(user_id))
        .order_by_asc(enrolments::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|e| Enrolment {
            course_slug: e.course_slug,
            started_at: e.started_at,
            progress_percent: e.progress_percent,
            items_completed: e.items_completed,
            last_module: e.last_module,
            last_lesson: e.last_lesson,
            last_activity_at: e.last_activity_at,
            completed_at: e.completed_at,
        })
        .collect())
}

async fn export_module_progress(
    db: &impl ConnectionTrait,
    user_id: i32,
) -> Result<Vec<ModuleProgress>, DbErr> {
    Ok(module_progress::Entity::find()
        .filter(module_progress::Column::UserId.eq(user_id))
        .order_by_asc(module_progress::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|m| ModuleProgress {
            module_slug: m.module_slug,
            lessons_completed: m.lessons_completed,
            progress_percent: m.progress_percent,
            best_score: m.best_score,
            attempts: m.attempts,
            quiz_passed_at: m.quiz_passed_at,
            completed_at: m.completed_at,
            updated_at: m.updated_at,
        })
        .collect())
}

async fn export_lesson_progress(
    db: &impl ConnectionTrait,
    user_id: i32,
) -> Result<Vec<LessonProgress>, DbErr> {
    Ok(lesson_progress::Entity::find()
        .filter(lesson_progress::Column::UserId.eq(user_id))
        .order_by_asc(lesson_progress::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|l| LessonProgress {
            module_slug: l.module_slug,
            lesson_slug: l.lesson_slug,
            first_viewed_at: l.first_viewed_at,
            last_viewed_at: l.last_viewed_at,
            completed_at: l.completed_at,
        })
        .collect())
}

/// Quiz attempts with their answers (`quiz_attempts` and `attempt_answers`).
async fn export_quiz_attempts(
    db: &impl ConnectionTrait,
    user_id: i32,
) -> Result<Vec<QuizAttempt>, DbErr> {
    let attempts = quiz_attempts::Entity::find()
        .filter(quiz_attempts::Column::UserId.eq(user_id))
        .order_by_asc(quiz_attempts::Column::SubmittedAt)
        .order_by_asc(quiz_attempts::Column::Id)
        .all(db)
        .await?;
    let ids: Vec<i32> = attempts.iter().map(|a| a.id).collect();
    let mut answers: HashMap<i32, Vec<Answer>> = HashMap::new();
    if !ids.is_empty() {
        for a in attempt_answers::Entity::find()
            .filter(attempt_answers::Column::AttemptId.is_in(ids))
            .order_by_asc(attempt_answers::Column::AttemptId)
            .order_by_asc(attempt_answers::Column::Position)
            .all(db)
            .await?
        {
            answers.entry(a.attempt_id).or_default().push(Answer {
                position: a.position,
                question_id: a.question_id,
                response: serde_json::from_str(&a.response)
                    .unwrap_or(serde_json::Value::String(a.response)),
                credit_thousandths: a.credit,
            });
        }
    }
    Ok(attempts
        .into_iter()
        .map(|a| QuizAttempt {
            answers: answers.remove(&a.id).unwrap_or_default(),
            id: a.public_id,
            module_slug: a.module_slug,
            started_at: a.started_at,
            submitted_at: a.submitted_at,
            score_percent: a.score_percent,
            pass_mark: a.pass_mark,
            passed: a.passed,
        })
        .collect())
}

async fn export_certificates(
    db: &impl ConnectionTrait,
    user_id: i32,
) -> Result<Vec<Certificate>, DbErr> {
    Ok(certificates::Entity::find()
        .filter(certificates::Column::UserId.eq(user_id))
        .order_by_desc(certificates::Column::IssuedAt)
        .all(db)
        .await?
        .into_iter()
        .map(|c| Certificate {
            modules: serde_json::from_str(&c.modules).unwrap_or(serde_json::Value::Null),
            code: c.code,
            holder_name: c.holder_name,
            course_slug: c.course_slug,
            course_title: c.course_title,
            course_version: c.course_version,
            issued_at: c.issued_at,
            expires_at: c.expires_at,
            revoked_at: c.revoked_at,
            revoked_reason: c.revoked_reason,
            holder_removed_at: c.holder_removed_at,
        })
        .collect())
}

/// Sessions without their hashes.
async fn export_sessions(
    db: &impl ConnectionTrait,
    user_id: i32,
    current_session: Option<&str>,
) -> Result<Vec<Session>, DbErr> {
    let current = current_session.map(hash_token);
    Ok(sessions::Entity::find()
        .filter(sessions::Column::UserId.eq(user_id))
        .order_by_desc(sessions::Column::LastSeenAt)
        .all(db)
        .await?
        .into_iter()
        .map(|s| Session {
            this_session: current.as_deref() == Some(s.id_hash.as_str()),
            created_at: s.created_at,
            last_seen_at: s.last_seen_at,
            expires_at: s.expires_at,
            user_agent: s.user_agent,
        })
        .collect())
}

fn about_user(user_id: i32) -> Condition {
    Condition::any()
        .add(audit_log::Column::ActorUserId.eq(user_id))
        .add(audit_log::Column::Target.eq(format!("user:{user_id}")))
}

/// Audit entries where the user is the actor or the target, newest first.
async fn export_security_events(
    db: &impl ConnectionTrait,
    user_id: i32,
) -> Result<Vec<SecurityEvent>, DbErr> {
    Ok(audit_log::Entity::find()
        .filter(about_user(user_id))
        .order_by_desc(audit_log::Column::At)
        .order_by_desc(audit_log::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|e| SecurityEvent {
            by: match e.actor_user_id {
                Some(a) if a == user_id => "you",
                Some(_) => "another account",
                None => "not logged in",
            },
            at: e.at,
            action: e.action,
            target: e.target,
            detail: e.detail,
            ip: e.ip,
        })
        .collect())
}

// ---------------------------------------------------------------------------------------------
// Erasure
// ---------------------------------------------------------------------------------------------

/// What the operator has decided about erasure.
#[derive(Debug, Clone, Copy, Default)]
pub struct ErasurePolicy {
    /// Certificates keep the holder's name (and e-mail hash) after the account is erased.
    pub retain_certificate_names: bool,
}

impl From<&Settings> for ErasurePolicy {
    fn from(s: &Settings) -> Self {
        Self {
            retain_certificate_names: s.retain_certificate_names,
        }
    }
}

/// Who erased an account, for the audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErasedBy {
    /// The person, from their account page.
    Holder,
    /// A platform admin (removing a leaver).
    PlatformAdmin(i32),
    /// The retention purge (inactive for too long).
    Retention,
}

#[derive(Debug, thiserror::Error)]
pub enum EraseError {
    #[error("no such account")]
    NotFound,
    #[error("the account has already been erased")]
    AlreadyErased,
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// What an erasure did.
#[derive(Debug, Clone, Copy)]
pub struct Erased {
    pub sessions_ended: u64,
    pub certificates: u64,
    pub certificate_names_kept: bool,
}

/// Erases an account's personal data in one transaction (see [`erase_in`]).
///
/// # Errors
/// `NotFound`, `AlreadyErased`, or when the database fails (then nothing changed).
#[tracing::instrument(skip_all, fields(user_id))]
pub async fn erase_account(
    db: &DatabaseConnection,
    clock: &Clock,
    user_id: i32,
    policy: ErasurePolicy,
    by: ErasedBy,
    ip: Option<String>,
) -> Result<Erased, EraseError> {
    let txn = db.begin_with_options(crate::db::WRITE).await?;
    let erased = erase_in(&txn, clock, user_id, policy, by, ip).await?;
    txn.commit().await?;
    tracing::info!(
        user_id,
        certificates = erased.certificates,
        "account erased"
    );
    Ok(erased)
}

/// The person deletes their own account: the password is checked, then everything is erased.
///
/// # Errors
/// `WrongPassword`/`TooManyAttempts` (nothing erased), or when the database fails.
pub async fn delete_own_account(
    db: &DatabaseConnection,
    clock: &Clock,
    who: &Actor,
    password: SecretString,
    policy: ErasurePolicy,
) -> Result<Erased, AccountError> {
    account::reauthenticate(db, clock, who, password).await?;
    erase_account(db, clock, who.user_id, policy, ErasedBy::Holder, None)
        .await
        .map_err(|e| match e {
            EraseError::NotFound | EraseError::AlreadyErased => AccountError::NotFound,
            EraseError::Db(e) => e.into(),
        })
}

/// Erases inside the caller's transaction, one table at a time.
///
/// Kept, keyed by the anonymous id, so that aggregate counts still add up (none of them holds a
/// name, an e-mail address or free text): `enrolments`, `module_progress`, `lesson_progress`,
/// `quiz_attempts` and `attempt_answers` (option ids and scores only). `app_secrets` holds no
/// personal data.
///
/// # Errors
/// `NotFound`, `AlreadyErased`, or when the database fails.
pub async fn erase_in(
    txn: &impl ConnectionTrait,
    clock: &Clock,
    user_id: i32,
    policy: ErasurePolicy,
    by: ErasedBy,
    ip: Option<String>,
) -> Result<Erased, EraseError> {
    let user = users::Entity::find_by_id(user_id)
        .one(txn)
        .await?
        .ok_or(EraseError::NotFound)?;
    if user.anonymised_at.is_some() {
        return Err(EraseError::AlreadyErased);
    }
    let now = clock.now();
    erase_user_row(txn, user_id, now).await?;
    let sessions_ended = erase_sessions(txn, user_id).await?;
    let certificates = erase_certificates(txn, user_id, now, policy).await?;
    erase_security_events(txn, user_id).await?;
    erase_worksheets(txn, user_id).await?;
    erase_employee_numbers(txn, user_id).await?;
    let who = match by {
        ErasedBy::Holder => "the account holder",
        ErasedBy::PlatformAdmin(_) => "a platform admin",
        ErasedBy::Retention => "the retention purge (inactive account)",
    };
    let names = if certificates == 0 {
        ""
    } else if policy.retain_certificate_names {
        "; certificate names retained by the operator's setting"
    } else {
        "; names removed from certificates"
    };
    audit::record(
        txn,
        clock,
        AuditEvent {
            actor: match by {
                ErasedBy::Holder => Some(user_id),
                ErasedBy::PlatformAdmin(admin) => Some(admin),
                ErasedBy::Retention => None,
            },
            action: AuditAction::AccountDeleted,
            target: Some(format!("user:{user_id}")),
            detail: Some(format!("personal data erased by {who}{names}")),
            ip: match by {
                ErasedBy::PlatformAdmin(_) => ip,
                ErasedBy::Holder | ErasedBy::Retention => None,
            },
        },
    )
    .await?;
    Ok(Erased {
        sessions_ended,
        certificates,
        certificate_names_kept: policy.retain_certificate_names,
    })
}

/// Memberships stay (the organisation's counts still add up); the employee number, which
/// identifies the person in the organisation's HR system, goes.
async fn erase_employee_numbers(txn: &impl ConnectionTrait, user_id: i32) -> Result<(), DbErr> {
    use crate::entities::org_members;
    org_members::Entity::update_many()
        .col_expr(
            org_members::Column::EmployeeNumber,
            sea_orm::sea_query::Expr::value(Option::<String>::None),
        )
        .filter(org_members::Column::UserId.eq(user_id))
        .exec(txn)
        .await?;
    Ok(())
}

fn random_hex() -> Result<String, DbErr> {
    let bytes = crate::crypto::random::<16>().map_err(|e| DbErr::Custom(e.to_string()))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// The `users` row stays, anonymised: no name, an address that cannot receive mail, a password
/// hash nothing matches, disabled.
async fn erase_user_row(
    txn: &impl ConnectionTrait,
    user_id: i32,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    users::Entity::update_many()
        .col_expr(users::Column::Name, Expr::value(ERASED_NAME))
        .col_expr(
            users::Column::Email,
            Expr::value(format!("deleted-{}@invalid", random_hex()?)),
        )
        .col_expr(
            users::Column::PasswordHash,
            Expr::value(UNUSABLE_PASSWORD_HASH),
        )
        .col_expr(users::Column::DisabledAt, Expr::value(now))
        .col_expr(
            users::Column::LastLoginAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(users::Column::AnonymisedAt, Expr::value(now))
        .filter(users::Column::Id.eq(user_id))
        .exec(txn)
        .await?;
    Ok(())
}

/// Every session ends (user agents go with them).
async fn erase_sessions(txn: &impl ConnectionTrait, user_id: i32) -> Result<u64, DbErr> {
    Ok(sessions::Entity::delete_many()
        .filter(sessions::Column::UserId.eq(user_id))
        .exec(txn)
        .await?
        .rows_affected)
}

/// Certificates stay verifiable, but say the holder removed their data: the name and the e-mail
/// hash are blanked, unless the operator retains certificate names.
async fn erase_certificates(
    txn: &impl ConnectionTrait,
    user_id: i32,
    now: DateTime<Utc>,
    policy: ErasurePolicy,
) -> Result<u64, DbErr> {
    let mine = certificates::Entity::find()
        .filter(certificates::Column::UserId.eq(user_id))
        .count(txn)
        .await?;
    if mine == 0 || policy.retain_certificate_names {
        return Ok(mine);
    }
    certificates::Entity::update_many()
        .col_expr(certificates::Column::HolderName, Expr::value(""))
        .col_expr(certificates::Column::EmailHash, Expr::value(""))
        .col_expr(certificates::Column::EmailSalt, Expr::value(""))
        .col_expr(certificates::Column::HolderRemovedAt, Expr::value(now))
        .filter(certificates::Column::UserId.eq(user_id))
        .exec(txn)
        .await?;
    Ok(mine)
}

/// Security entries about the person stay (they hold no name or address), without their IP addresses.
async fn erase_security_events(txn: &impl ConnectionTrait, user_id: i32) -> Result<(), DbErr> {
    audit_log::Entity::update_many()
        .col_expr(audit_log::Column::Ip, Expr::value(Option::<String>::None))
        .filter(about_user(user_id))
        .exec(txn)
        .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Retention
// ---------------------------------------------------------------------------------------------

/// The operator's retention settings.
#[derive(Debug, Clone, Copy)]
pub struct RetentionPolicy {
    pub inactive_days: u32,
    pub security_log_days: u32,
    pub erasure: ErasurePolicy,
    pub timeouts: Timeouts,
}

impl From<&Settings> for RetentionPolicy {
    fn from(s: &Settings) -> Self {
        Self {
            inactive_days: s.retain_inactive_days,
            security_log_days: s.retain_security_log_days,
            erasure: ErasurePolicy::from(s),
            timeouts: Timeouts {
                idle_minutes: s.idle_timeout_minutes,
                absolute_hours: s.absolute_timeout_hours,
            },
        }
    }
}

/// A learner account with no activity since the cut-off.
#[derive(Debug, Clone)]
pub struct InactiveAccount {
    pub user_id: i32,
    pub created_at: DateTime<Utc>,
    pub last_active_at: DateTime<Utc>,
}

/// What the purge found and (unless a dry run) did.
#[derive(Debug, Clone)]
pub struct PurgeReport {
    pub inactive_before: DateTime<Utc>,
    pub security_log_before: DateTime<Utc>,
    pub inactive: Vec<InactiveAccount>,
    pub old_security_entries: u64,
    pub ended_sessions: u64,
    pub applied: bool,
}

/// Anonymises learner accounts inactive since the cut-off (no log-in, lesson, quiz or session
/// activity), deletes security log entries older than theirs, and removes ended sessions.
/// With `dry_run`, only counts. Each account is erased in its own transaction.
///
/// # Errors
/// When the database fails; accounts erased before the failure stay erased.
pub async fn purge(
    db: &DatabaseConnection,
    clock: &Clock,
    policy: RetentionPolicy,
    dry_run: bool,
) -> Result<PurgeReport, DbErr> {
    let now = clock.now();
    let inactive_before = now - Duration::days(i64::from(policy.inactive_days));
    let security_log_before = now - Duration::days(i64::from(policy.security_log_days));
    let inactive = inactive_accounts(db, inactive_before).await?;
    let old_log = audit_log::Entity::find().filter(audit_log::Column::At.lt(security_log_before));
    let idle_cutoff = now - Duration::minutes(i64::from(policy.timeouts.idle_minutes));
    let ended = Condition::any()
        .add(sessions::Column::ExpiresAt.lte(now))
        .add(sessions::Column::LastSeenAt.lte(idle_cutoff));
    let mut report = PurgeReport {
        inactive_before,
        security_log_before,
        old_security_entries: old_log.clone().count(db).await?,
        ended_sessions: sessions::Entity::find()
            .filter(ended.clone())
            .count(db)
            .await?,
        inactive,
        applied: !dry_run,
    };
    if dry_run {
        return Ok(report);
    }
    report.old_security_entries = audit_log::Entity::delete_many()
        .filter(audit_log::Column::At.lt(security_log_before))
        .exec(db)
        .await?
        .rows_affected;
    report.ended_sessions = sessions::Entity::delete_many()
        .filter(ended)
        .exec(db)
        .await?
        .rows_affected;
    let mut erased = Vec::with_capacity(report.inactive.len());
    for account in std::mem::take(&mut report.inactive) {
        match erase_account(
            db,
            clock,
            account.user_id,
            policy.erasure,
            ErasedBy::Retention,
            None,
        )
        .await
        {
            Ok(_) => erased.push(account),
            // Erased or removed meanwhile: nothing left to do.
            Err(EraseError::NotFound | EraseError::AlreadyErased) => {}
            Err(EraseError::Db(e)) => return Err(e),
        }
    }
    report.inactive = erased;
    Ok(report)
}

/// Learner accounts (not yet erased) created, last logged in, last active in the course and last
/// seen in a session before `before`.
async fn inactive_accounts(
    db: &impl ConnectionTrait,
    before: DateTime<Utc>,
) -> Result<Vec<InactiveAccount>, DbErr> {
    let active_in_course = Query::select()
        .column(enrolments::Column::UserId)
        .from(enrolments::Entity)
        .and_where(enrolments::Column::LastActivityAt.gte(before))
        .to_owned();
    let active_session = Query::select()
        .column(sessions::Column::UserId)
        .from(sessions::Entity)
        .and_where(sessions::Column::LastSeenAt.gte(before))
        .to_owned();
    let users = users::Entity::find()
        .filter(users::Column::Role.eq(crate::domain::Role::Learner))
        .filter(users::Column::AnonymisedAt.is_null())
        .filter(users::Column::CreatedAt.lt(before))
        .filter(
            Condition::any()
                .add(users::Column::LastLoginAt.is_null())
                .add(users::Column::LastLoginAt.lt(before)),
        )
        .filter(users::Column::Id.not_in_subquery(active_in_course))
        .filter(users::Column::Id.not_in_subquery(active_session))
        .order_by_asc(users::Column::Id)
        .all(db)
        .await?;
    let mut out = Vec::with_capacity(users.len());
    for u in users {
        let last_course = enrolments::Entity::find()
            .filter(enrolments::Column::UserId.eq(u.id))
            .order_by_desc(enrolments::Column::LastActivityAt)
            .one(db)
            .await?
            .map(|e| e.last_activity_at);
        let last_active_at = [Some(u.created_at), u.last_login_at, last_course]
            .into_iter()
            .flatten()
            .max()
            .unwrap_or(u.created_at);
        out.push(InactiveAccount {
            user_id: u.id,
            created_at: u.created_at,
            last_active_at,
        });
    }
    Ok(out)
}
