//! Team plans and submitted plans. A cohort's org admin turns its team plan on; its members then
//! write one shared plan, section by section (a section is one worksheet prompt). Every save names
//! the version it was made from: a save from a version that is no longer current is refused, so
//! two people never silently overwrite each other. Every version is kept (the history).
//!
//! A plan (a learner's own or a team's) can be submitted: frozen as a numbered version that the
//! org admin reviews with comments and one rating per five-case group. A course can make a
//! submitted plan a condition of the certificate (`require_plan_submission` in course.toml).
use std::collections::{HashMap, HashSet};

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, QueryFilter, QueryOrder, TransactionTrait, sea_query::Expr, sea_query::OnConflict,
};
use serde::{Deserialize, Serialize};

use crate::clock::Clock;
use crate::course::Course;
use crate::domain::import::MemberRole;
use crate::entities::{
    cohorts, enrolments, org_members, organisations, plan_submissions, team_plan_sections,
    team_plan_versions, team_plans, users, worksheet_answers,
};
use crate::services::audit::{self, Actor, AuditAction};
use crate::services::org_admin::OrgActor;

/// How a person may use a team plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// In the cohort: reads, writes and submits.
    Member,
    /// An admin of the cohort's organisation who is not in the cohort: reads and reviews.
    Facilitator,
}

/// A team plan that this person may open, and how.
#[derive(Debug, Clone)]
pub struct Opened {
    pub plan: team_plans::Model,
    pub cohort: cohorts::Model,
    pub org: organisations::Model,
    pub role: Role,
    /// A facilitator of an organisation that asks its admins for two-step verification, who has
    /// not set it up: they must before reading.
    pub needs_mfa: bool,
}

/// Turns a cohort's team plan on or off, with its audit row. `false` when the cohort is not one
/// of this organisation's (nothing changes).
///
/// # Errors
/// When the database fails (nothing changes).
#[tracing::instrument(skip_all, fields(org_id = who.org_id, cohort_id, on))]
pub async fn set_enabled(
    db: &DatabaseConnection,
    clock: &Clock,
    who: &OrgActor,
    cohort_id: i32,
    on: bool,
) -> Result<bool, DbErr> {
    let txn = db.begin_with_options(crate::db::WRITE).await?;
    let cohort = cohorts::Entity::find_by_id(cohort_id)
        .filter(cohorts::Column::OrgId.eq(who.org_id))
        .one(&txn)
        .await?;
    if cohort.is_none() {
        return Ok(false);
    }
    let now = clock.now();
    team_plans::Entity::insert(team_plans::ActiveModel {
        cohort_id: Set(cohort_id),
        enabled: Set(on),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::column(team_plans::Column::CohortId)
            .update_columns([team_plans::Column::Enabled, team_plans::Column::UpdatedAt])
            .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    let action = if on {
        AuditAction::TeamPlanOn
    } else {
        AuditAction::TeamPlanOff
    };
    let event = who.actor.event_on(
        action,
        format!("org:{}", who.org_id),
        Some(format!("cohort:{cohort_id}")),
    );
    audit::record(&txn, clock, event).await?;
    txn.commit().await?;
    Ok(true)
}

/// The cohorts of an organisation whose team plan is on, by cohort id.
///
/// # Errors
/// When the database fails.
pub async fn plans_of_org(
    db: &impl ConnectionTrait,
    org_id: i32,
) -> Result<HashMap<i32, team_plans::Model>, DbErr> {
    let cohort_ids: Vec<i32> = cohorts::Entity::find()
        .filter(cohorts::Column::OrgId.eq(org_id))
        .all(db)
        .await?
        .into_iter()
        .map(|c| c.id)
        .collect();
    Ok(plans_of_cohorts(db, cohort_ids)
        .await?
        .into_iter()
        .map(|p| (p.cohort_id, p))
        .collect())
}

/// The team plans of these cohorts (none for none).
async fn plans_of_cohorts(
    db: &impl ConnectionTrait,
    cohort_ids: Vec<i32>,
) -> Result<Vec<team_plans::Model>, DbErr> {
    if cohort_ids.is_empty() {
        return Ok(Vec::new());
    }
    team_plans::Entity::find()
        .filter(team_plans::Column::CohortId.is_in(cohort_ids))
        .all(db)
        .await
}

async fn is_org_admin(db: &impl ConnectionTrait, org_id: i32, user_id: i32) -> Result<bool, DbErr> {
    Ok(org_members::Entity::find()
        .filter(org_members::Column::OrgId.eq(org_id))
        .filter(org_members::Column::UserId.eq(user_id))
        .filter(org_members::Column::Role.eq(MemberRole::OrgAdmin.as_str()))
        .one(db)
        .await?
        .is_some())
}

/// The team plan of `cohort_id` if this person may open it: a member of the cohort while the plan
/// is on, or an admin of the cohort's organisation (on or off). Platform admins are neither: a
/// team's plan is for the team and its facilitator. Anyone else gets `None` (a 404).
///
/// # Errors
/// When the database fails.
pub async fn open(
    db: &impl ConnectionTrait,
    user: &crate::services::sessions::SignedIn,
    cohort_id: i32,
) -> Result<Option<Opened>, DbErr> {
    let Some(cohort) = cohorts::Entity::find_by_id(cohort_id).one(db).await? else {
        return Ok(None);
    };
    let Some(plan) = team_plans::Entity::find()
        .filter(team_plans::Column::CohortId.eq(cohort.id))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let Some(org) = organisations::Entity::find_by_id(cohort.org_id)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let in_cohort = org_members::Entity::find()
        .filter(org_members::Column::OrgId.eq(org.id))
        .filter(org_members::Column::UserId.eq(user.id))
        .filter(org_members::Column::CohortId.eq(cohort.id))
        .one(db)
        .await?
        .is_some();
    let role = if in_cohort && plan.enabled {
        Role::Member
    } else if is_org_admin(db, org.id, user.id).await? {
        Role::Facilitator
    } else {
        return Ok(None);
    };
    let needs_mfa = role == Role::Facilitator
        && org.require_admin_mfa
        && !crate::services::mfa::enabled(db, user.id).await?;
    Ok(Some(Opened {
        plan,
        cohort,
        org,
        role,
        needs_mfa,
    }))
}

/// The cohort of the first team plan (that is on) the user is a member of, if any.
///
/// # Errors
/// When the database fails.
pub async fn my_cohort(db: &impl ConnectionTrait, user_id: i32) -> Result<Option<i32>, DbErr> {
    let cohort_ids: Vec<i32> = org_members::Entity::find()
        .filter(org_members::Column::UserId.eq(user_id))
        .all(db)
        .await?
        .into_iter()
        .filter_map(|m| m.cohort_id)
        .collect();
    if cohort_ids.is_empty() {
        return Ok(None);
    }
    Ok(team_plans::Entity::find()
        .filter(team_plans::Column::CohortId.is_in(cohort_ids))
        .filter(team_plans::Column::Enabled.eq(true))
        .order_by_asc(team_plans::Column::CohortId)
        .one(db)
        .await?
        .map(|p| p.cohort_id))
}

/// Every section of a team plan that has been saved, by (module slug, prompt id).
///
/// # Errors
/// When the database fails.
pub async fn sections(
    db: &impl ConnectionTrait,
    plan_id: i32,
) -> Result<HashMap<(String, String), team_plan_sections::Model>, DbErr> {
    Ok(team_plan_sections::Entity::find()
        .filter(team_plan_sections::Column::TeamPlanId.eq(plan_id))
        .all(db)
        .await?
        .into_iter()
        .map(|s| ((s.module_slug.clone(), s.prompt_id.clone()), s))
        .collect())
}

async fn section(
    db: &impl ConnectionTrait,
    plan_id: i32,
    module: &str,
    prompt: &str,
) -> Result<Option<team_plan_sections::Model>, DbErr> {
    team_plan_sections::Entity::find()
        .filter(team_plan_sections::Column::TeamPlanId.eq(plan_id))
        .filter(team_plan_sections::Column::ModuleSlug.eq(module))
        .filter(team_plan_sections::Column::PromptId.eq(prompt))
        .one(db)
        .await
}

/// People's names by id (for "last changed by"); people since deleted are missing.
///
/// # Errors
/// When the database fails.
pub async fn names(
    db: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = i32>,
) -> Result<HashMap<i32, String>, DbErr> {
    let ids: Vec<i32> = ids
        .into_iter()
        .collect::<HashSet<i32>>()
        .into_iter()
        .collect();
    Ok(crate::db::all_in_chunks(db, &ids, |chunk| {
        users::Entity::find().filter(users::Column::Id.is_in(chunk))
    })
    .await?
    .into_iter()
    .map(|u| (u.id, u.name))
    .collect())
}

/// Which section of which plan a save is for.
#[derive(Debug, Clone)]
pub struct SectionKey {
    pub plan_id: i32,
    pub module: String,
    pub prompt: String,
}

/// What became of a save.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Saved {
    /// Saved as this version (or unchanged, still at it).
    At(i32),
    /// Someone saved the section since the version the form was made from; nothing was saved.
    /// The section as it is now (`None` if it has never been saved).
    Stale(Option<team_plan_sections::Model>),
}

/// Saves one section's text, made from `base_version`, in one transaction with its history row
/// and its audit row. Refused (nothing written) when `base_version` is not the current version.
///
/// # Errors
/// When the database fails (nothing is saved).
#[tracing::instrument(skip_all, fields(user_id = actor.user_id, plan_id = key.plan_id))]
pub async fn save_section(
    db: &DatabaseConnection,
    clock: &Clock,
    actor: &Actor,
    key: &SectionKey,
    base_version: i32,
    text: &str,
) -> Result<Saved, DbErr> {
    let txn = db.begin_with_options(crate::db::WRITE).await?;
    let current = section(&txn, key.plan_id, &key.module, &key.prompt).await?;
    let current_version = current.as_ref().map_or(0, |s| s.version);
    if current_version != base_version {
        return Ok(Saved::Stale(current));
    }
    if current.as_ref().is_some_and(|s| s.answer == text) {
        return Ok(Saved::At(current_version));
    }
    let now = clock.now();
    let next = base_version + 1;
    let written = match &current {
        Some(row) => {
            team_plan_sections::Entity::update_many()
                .col_expr(team_plan_sections::Column::Answer, Expr::value(text))
                .col_expr(team_plan_sections::Column::Version, Expr::value(next))
                .col_expr(
                    team_plan_sections::Column::UpdatedBy,
                    Expr::value(actor.user_id),
                )
                .col_expr(team_plan_sections::Column::UpdatedAt, Expr::value(now))
                .filter(team_plan_sections::Column::Id.eq(row.id))
                .filter(team_plan_sections::Column::Version.eq(base_version))
                .exec(&txn)
                .await?
                .rows_affected
        }
        None => {
            team_plan_sections::Entity::insert(team_plan_sections::ActiveModel {
                team_plan_id: Set(key.plan_id),
                module_slug: Set(key.module.clone()),
                prompt_id: Set(key.prompt.clone()),
                answer: Set(text.to_string()),
                version: Set(next),
                updated_by: Set(Some(actor.user_id)),
                updated_at: Set(now),
                ..Default::default()
            })
            .on_conflict(
                OnConflict::columns([
                    team_plan_sections::Column::TeamPlanId,
                    team_plan_sections::Column::ModuleSlug,
                    team_plan_sections::Column::PromptId,
                ])
                .do_nothing()
                .to_owned(),
            )
            .exec_without_returning(&txn)
            .await?
        }
    };
    if written == 0 {
        // Another save won the race between our read and our write.
        drop(txn);
        return Ok(Saved::Stale(
            section(db, key.plan_id, &key.module, &key.prompt).await?,
        ));
    }
    team_plan_versions::Entity::insert(team_plan_versions::ActiveModel {
        team_plan_id: Set(key.plan_id),
        module_slug: Set(key.module.clone()),
        prompt_id: Set(key.prompt.clone()),
        version: Set(next),
        answer: Set(text.to_string()),
        author_id: Set(Some(actor.user_id)),
        created_at: Set(now),
        ..Default::default()
    })
    .exec_without_returning(&txn)
    .await?;
    let event = actor.event_on(
        AuditAction::TeamPlanSectionSaved,
        format!("team_plan:{}", key.plan_id),
        Some(format!("{}/{} version {next}", key.module, key.prompt)),
    );
    audit::record(&txn, clock, event).await?;
    txn.commit().await?;
    Ok(Saved::At(next))
}

/// The learner's own answer to one prompt, to copy into the team plan.
///
/// # Errors
/// When the database fails.
pub async fn private_answer(
    db: &impl ConnectionTrait,
    user_id: i32,
    module: &str,
    prompt: &str,
) -> Result<Option<String>, DbErr> {
    Ok(worksheet_answers::Entity::find()
        .filter(worksheet_answers::Column::UserId.eq(user_id))
        .filter(worksheet_answers::Column::ModuleSlug.eq(module))
        .filter(worksheet_answers::Column::PromptId.eq(prompt))
        .one(db)
        .await?
        .map(|a| a.answer))
}

/// Every version of one section, newest first.
///
/// # Errors
/// When the database fails.
pub async fn history(
    db: &impl ConnectionTrait,
    key: &SectionKey,
) -> Result<Vec<team_plan_versions::Model>, DbErr> {
    team_plan_versions::Entity::find()
        .filter(team_plan_versions::Column::TeamPlanId.eq(key.plan_id))
        .filter(team_plan_versions::Column::ModuleSlug.eq(&key.module))
        .filter(team_plan_versions::Column::PromptId.eq(&key.prompt))
        .order_by_desc(team_plan_versions::Column::Version)
        .all(db)
        .await
}

/// One answered section of a frozen plan.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct FrozenAnswer {
    pub module: String,
    pub prompt: String,
    pub answer: String,
}

/// Whose plan is submitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    Learner(i32),
    Team(i32),
}

/// Why a plan was not submitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubmitRefused {
    /// Not one section has an answer.
    Empty,
}

/// The answers of the course's current prompts, in course order, from any store.
pub fn freeze<'a>(
    course: &Course,
    answer: impl Fn(&str, &str) -> Option<&'a str>,
) -> Vec<FrozenAnswer> {
    course
        .modules
        .iter()
        .flat_map(|m| m.worksheet.prompts.iter().map(move |p| (m, p)))
        .filter_map(|(m, p)| {
            answer(&m.slug, &p.id)
                .filter(|a| !a.trim().is_empty())
                .map(|a| FrozenAnswer {
                    module: m.slug.clone(),
                    prompt: p.id.clone(),
                    answer: a.to_string(),
                })
        })
        .collect()
}

async fn owner_submissions(
    db: &impl ConnectionTrait,
    owner: Owner,
) -> Result<Vec<plan_submissions::Model>, DbErr> {
    let q = plan_submissions::Entity::find();
    let q = match owner {
        Owner::Learner(id) => q.filter(plan_submissions::Column::UserId.eq(id)),
        Owner::Team(id) => q.filter(plan_submissions::Column::TeamPlanId.eq(id)),
    };
    q.order_by_desc(plan_submissions::Column::Number)
        .all(db)
        .await
}

/// The submissions of a learner's own plan or a team's plan, newest first.
///
/// # Errors
/// When the database fails.
pub async fn submissions_of(
    db: &impl ConnectionTrait,
    owner: Owner,
) -> Result<Vec<plan_submissions::Model>, DbErr> {
    owner_submissions(db, owner).await
}

/// Freezes the plan as it is now as the owner's next submission, in one transaction with its
/// audit row; then, for every learner it counts for whose course is otherwise complete, issues
/// the certificate that waited for it.
///
/// # Errors
/// When the database fails (nothing is submitted).
#[tracing::instrument(skip_all, fields(user_id = actor.user_id))]
pub async fn submit(
    db: &DatabaseConnection,
    clock: &Clock,
    course: &Course,
    actor: &Actor,
    owner: Owner,
) -> Result<Result<plan_submissions::Model, SubmitRefused>, DbErr> {
    let txn = db.begin_with_options(crate::db::WRITE).await?;
    let frozen = match owner {
        Owner::Learner(id) => {
            let answers = crate::services::worksheets::all_answers(&txn, id).await?;
            freeze(course, |m, p| {
                answers
                    .get(&(m.to_string(), p.to_string()))
                    .map(|a| a.answer.as_str())
            })
        }
        Owner::Team(id) => {
            let sections = sections(&txn, id).await?;
            freeze(course, |m, p| {
                sections
                    .get(&(m.to_string(), p.to_string()))
                    .map(|s| s.answer.as_str())
            })
        }
    };
    if frozen.is_empty() {
        return Ok(Err(SubmitRefused::Empty));
    }
    let number = owner_submissions(&txn, owner)
        .await?
        .first()
        .map_or(1, |s| s.number + 1);
    let snapshot = serde_json::to_string(&frozen).map_err(|e| DbErr::Custom(e.to_string()))?;
    let now = clock.now();
    let (user_id, team_plan_id) = match owner {
        Owner::Learner(id) => (Some(id), None),
        Owner::Team(id) => (None, Some(id)),
    };
    let row = plan_submissions::ActiveModel {
        user_id: Set(user_id),
        team_plan_id: Set(team_plan_id),
        number: Set(number),
        snapshot: Set(snapshot),
        submitted_by: Set(Some(actor.user_id)),
        submitted_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let target = match owner {
        Owner::Learner(id) => format!("user:{id}"),
        Owner::Team(id) => format!("team_plan:{id}"),
    };
    let event = actor.event_on(
        AuditAction::PlanSubmitted,
        target,
        Some(format!("version {number}")),
    );
    audit::record(&txn, clock, event).await?;
    for learner in counts_for(&txn, owner).await? {
        if course_completed(&txn, course, learner).await? {
            crate::services::certificates::issue_if_due(&txn, course, learner, now).await?;
        }
    }
    txn.commit().await?;
    Ok(Ok(row))
}

/// The learners a submission counts for: the learner, or the team plan's cohort members.
async fn counts_for(db: &impl ConnectionTrait, owner: Owner) -> Result<Vec<i32>, DbErr> {
    match owner {
        Owner::Learner(id) => Ok(vec![id]),
        Owner::Team(id) => {
            let Some(plan) = team_plans::Entity::find_by_id(id).one(db).await? else {
                return Ok(Vec::new());
            };
            Ok(org_members::Entity::find()
                .filter(org_members::Column::CohortId.eq(plan.cohort_id))
                .all(db)
                .await?
                .into_iter()
                .map(|m| m.user_id)
                .collect())
        }
    }
}

async fn course_completed(
    db: &impl ConnectionTrait,
    course: &Course,
    user_id: i32,
) -> Result<bool, DbErr> {
    Ok(enrolments::Entity::find()
        .filter(enrolments::Column::UserId.eq(user_id))
        .filter(enrolments::Column::CourseSlug.eq(&course.slug))
        .one(db)
        .await?
        .is_some_and(|e| e.completed_at.is_some()))
}

/// The team plans (by id) that count for a learner: those of the cohorts they are in.
pub(crate) async fn team_plans_of(
    db: &impl ConnectionTrait,
    user_id: i32,
) -> Result<Vec<i32>, DbErr> {
    let cohort_ids: Vec<i32> = org_members::Entity::find()
        .filter(org_members::Column::UserId.eq(user_id))
        .all(db)
        .await?
        .into_iter()
        .filter_map(|m| m.cohort_id)
        .collect();
    Ok(plans_of_cohorts(db, cohort_ids)
        .await?
        .into_iter()
        .map(|p| p.id)
        .collect())
}

/// Where a learner's plan stands: the newest submission that counts for them (their own, or
/// their cohort's team plan), if any.
///
/// # Errors
/// When the database fails.
pub async fn latest_for_learner(
    db: &impl ConnectionTrait,
    user_id: i32,
) -> Result<Option<plan_submissions::Model>, DbErr> {
    let teams = team_plans_of(db, user_id).await?;
    let mut cond = sea_orm::Condition::any().add(plan_submissions::Column::UserId.eq(user_id));
    if !teams.is_empty() {
        cond = cond.add(plan_submissions::Column::TeamPlanId.is_in(teams));
    }
    plan_submissions::Entity::find()
        .filter(cond)
        .order_by_desc(plan_submissions::Column::SubmittedAt)
        .order_by_desc(plan_submissions::Column::Id)
        .one(db)
        .await
}

/// Where a learner's plan stands, for the org report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanState {
    Submitted,
    Reviewed,
}

impl PlanState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Submitted => "submitted",
            Self::Reviewed => "reviewed",
        }
    }
}

/// For each of these learners with a submitted plan that counts for them (their own or their
/// cohort's team plan): whether the newest one has been reviewed. Learners without are left out.
///
/// # Errors
/// When the database fails.
pub async fn plan_states(
    db: &impl ConnectionTrait,
    user_ids: &[i32],
) -> Result<HashMap<i32, PlanState>, DbErr> {
    if user_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let cohorts_of: Vec<(i32, i32)> = org_members::Entity::find()
        .filter(org_members::Column::UserId.is_in(user_ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .filter_map(|m| m.cohort_id.map(|c| (m.user_id, c)))
        .collect();
    let plans: HashMap<i32, i32> = if cohorts_of.is_empty() {
        HashMap::new()
    } else {
        team_plans::Entity::find()
            .filter(team_plans::Column::CohortId.is_in(cohorts_of.iter().map(|(_, c)| *c)))
            .all(db)
            .await?
            .into_iter()
            .map(|p| (p.cohort_id, p.id))
            .collect()
    };
    let mut cond = sea_orm::Condition::any()
        .add(plan_submissions::Column::UserId.is_in(user_ids.iter().copied()));
    if !plans.is_empty() {
        cond = cond.add(plan_submissions::Column::TeamPlanId.is_in(plans.values().copied()));
    }
    let submissions = plan_submissions::Entity::find()
        .filter(cond)
        .order_by_asc(plan_submissions::Column::SubmittedAt)
        .order_by_asc(plan_submissions::Column::Id)
        .all(db)
        .await?;
    let mut states = HashMap::new();
    // Oldest first, so the newest submission that counts for a learner is the one kept.
    for s in &submissions {
        let state = if s.reviewed_at.is_some() {
            PlanState::Reviewed
        } else {
            PlanState::Submitted
        };
        let learners: Vec<i32> = match (s.user_id, s.team_plan_id) {
            (Some(u), _) => vec![u],
            (None, Some(p)) => cohorts_of
                .iter()
                .filter(|(_, c)| plans.get(c) == Some(&p))
                .map(|(u, _)| *u)
                .collect(),
            (None, None) => Vec::new(),
        };
        for u in learners {
            states.insert(u, state);
        }
    }
    Ok(states)
}

/// Whether a plan that counts for the learner has been submitted.
///
/// # Errors
/// When the database fails.
pub async fn plan_submitted(db: &impl ConnectionTrait, user_id: i32) -> Result<bool, DbErr> {
    Ok(latest_for_learner(db, user_id).await?.is_some())
}

/// A review rating for one five-case group (or the plan overall).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rating {
    Met,
    Partly,
    NotYet,
}

impl Rating {
    pub const ALL: [Rating; 3] = [Rating::Met, Rating::Partly, Rating::NotYet];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Met => "met",
            Self::Partly => "partly",
            Self::NotYet => "not_yet",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn in_words(self) -> &'static str {
        match self {
            Self::Met => "Met",
            Self::Partly => "Partly met",
            Self::NotYet => "Not yet",
        }
    }
}

/// The five cases of a business case, each rated in a review.
pub const CASES: [(&str, &str); 5] = [
    (
        "strategic",
        "Strategic case: the problem, the users and why act now",
    ),
    (
        "economic",
        "Economic case: options, benefits and value for money",
    ),
    (
        "commercial",
        "Commercial case: build, buy or collaborate, and the partners",
    ),
    ("financial", "Financial case: costs, resources and funding"),
    (
        "management",
        "Management case: team, governance, approvals, risks and next steps",
    ),
];

/// The last line of the rubric, after the five cases: the plan as a whole.
pub const OVERALL: (&str, &str) = (
    "overall",
    "Overall: is the plan ready to take to a steering group?",
);

/// The rubric's lines, in order: the five cases, then overall.
pub const PARTS: [(&str, &str); 6] = [CASES[0], CASES[1], CASES[2], CASES[3], CASES[4], OVERALL];

/// One line of a review's rubric: a part (a case id or `overall`), its rating and a comment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RubricLine {
    pub part: String,
    pub rating: Rating,
    #[serde(default)]
    pub comment: String,
}

/// An org admin's review of a submitted plan: a rating and a comment for each part, in the
/// order of [`PARTS`] (the overall comment is the review's comments).
#[derive(Debug, Clone)]
pub struct Review {
    pub lines: [(Rating, String); 6],
}

/// The ratings of a reviewed submission, in the order of [`CASES`].
pub fn ratings_of(s: &plan_submissions::Model) -> Option<[Rating; 5]> {
    let r = |v: &Option<String>| v.as_deref().and_then(Rating::parse);
    Some([
        r(&s.rubric_strategic)?,
        r(&s.rubric_economic)?,
        r(&s.rubric_commercial)?,
        r(&s.rubric_financial)?,
        r(&s.rubric_management)?,
    ])
}

/// The rubric of a reviewed submission, in the order of [`PARTS`]. A review made before the
/// rubric had comments per line gives its five ratings, with the review's comments overall.
pub fn rubric_of(s: &plan_submissions::Model) -> Vec<RubricLine> {
    if let Some(lines) = s
        .rubric
        .as_deref()
        .and_then(|j| serde_json::from_str::<Vec<RubricLine>>(j).ok())
    {
        return lines;
    }
    ratings_of(s)
        .map(|r| {
            CASES
                .iter()
                .zip(r)
                .map(|((id, _), rating)| RubricLine {
                    part: (*id).to_string(),
                    rating,
                    comment: String::new(),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The label of a rubric part by its id.
pub fn part_label(part: &str) -> &'static str {
    PARTS
        .iter()
        .find(|(id, _)| *id == part)
        .map_or("", |(_, label)| label)
}

/// A submission, only if it belongs to this organisation: a team plan of one of its cohorts, or
/// the own plan of one of its members.
///
/// # Errors
/// When the database fails.
pub async fn submission_in_org(
    db: &impl ConnectionTrait,
    org_id: i32,
    id: i32,
) -> Result<Option<plan_submissions::Model>, DbErr> {
    let Some(s) = plan_submissions::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    let belongs = match (s.user_id, s.team_plan_id) {
        (Some(user_id), _) => org_members::Entity::find()
            .filter(org_members::Column::OrgId.eq(org_id))
            .filter(org_members::Column::UserId.eq(user_id))
            .one(db)
            .await?
            .is_some(),
        (None, Some(plan_id)) => plans_of_org(db, org_id)
            .await?
            .values()
            .any(|p| p.id == plan_id),
        (None, None) => false,
    };
    Ok(belongs.then_some(s))
}

/// Every submission that belongs to the organisation, newest first.
///
/// # Errors
/// When the database fails.
pub async fn submissions_in_org(
    db: &impl ConnectionTrait,
    org_id: i32,
) -> Result<Vec<plan_submissions::Model>, DbErr> {
    let members = crate::services::organisations::member_user_ids(org_id);
    let plans: Vec<i32> = plans_of_org(db, org_id)
        .await?
        .values()
        .map(|p| p.id)
        .collect();
    let mut cond =
        sea_orm::Condition::any().add(plan_submissions::Column::UserId.in_subquery(members));
    if !plans.is_empty() {
        cond = cond.add(plan_submissions::Column::TeamPlanId.is_in(plans));
    }
    plan_submissions::Entity::find()
        .filter(cond)
        .order_by_desc(plan_submissions::Column::SubmittedAt)
        .order_by_desc(plan_submissions::Column::Id)
        .all(db)
        .await
}

/// The team plan behind a submission, with its cohort (for names and links).
///
/// # Errors
/// When the database fails.
pub async fn cohort_of_plan(
    db: &impl ConnectionTrait,
    plan_id: i32,
) -> Result<Option<cohorts::Model>, DbErr> {
    let Some(plan) = team_plans::Entity::find_by_id(plan_id).one(db).await? else {
        return Ok(None);
    };
    cohorts::Entity::find_by_id(plan.cohort_id).one(db).await
}

/// Records the org admin's review of a submission of their organisation, with its audit row.
/// `false` when the submission is not the organisation's (nothing changes).
///
/// # Errors
/// When the database fails (nothing changes).
#[tracing::instrument(skip_all, fields(org_id = who.org_id, submission_id))]
pub async fn review(
    db: &DatabaseConnection,
    clock: &Clock,
    who: &OrgActor,
    submission_id: i32,
    review: &Review,
) -> Result<bool, DbErr> {
    let txn = db.begin_with_options(crate::db::WRITE).await?;
    if submission_in_org(&txn, who.org_id, submission_id)
        .await?
        .is_none()
    {
        return Ok(false);
    }
    let [s, e, c, f, m, _] = review
        .lines
        .clone()
        .map(|(r, _)| Some(r.as_str().to_string()));
    let lines: Vec<RubricLine> = PARTS
        .iter()
        .zip(&review.lines)
        .map(|((part, _), (rating, comment))| RubricLine {
            part: (*part).to_string(),
            rating: *rating,
            comment: comment.clone(),
        })
        .collect();
    let rubric = serde_json::to_string(&lines).map_err(|e| DbErr::Custom(e.to_string()))?;
    let overall_comment = review.lines[5].1.clone();
    plan_submissions::Entity::update_many()
        .col_expr(
            plan_submissions::Column::ReviewedBy,
            Expr::value(who.actor.user_id),
        )
        .col_expr(
            plan_submissions::Column::ReviewedAt,
            Expr::value(clock.now()),
        )
        .col_expr(
            plan_submissions::Column::ReviewComments,
            Expr::value(overall_comment),
        )
        .col_expr(plan_submissions::Column::Rubric, Expr::value(rubric))
        .col_expr(plan_submissions::Column::RubricStrategic, Expr::value(s))
        .col_expr(plan_submissions::Column::RubricEconomic, Expr::value(e))
        .col_expr(plan_submissions::Column::RubricCommercial, Expr::value(c))
        .col_expr(plan_submissions::Column::RubricFinancial, Expr::value(f))
        .col_expr(plan_submissions::Column::RubricManagement, Expr::value(m))
        .filter(plan_submissions::Column::Id.eq(submission_id))
        .exec(&txn)
        .await?;
    let event = who.actor.event_on(
        AuditAction::PlanReviewed,
        format!("org:{}", who.org_id),
        Some(format!("plan_submission:{submission_id}")),
    );
    audit::record(&txn, clock, event).await?;
    txn.commit().await?;
    Ok(true)
}

/// The frozen answers of a submission (empty if the stored snapshot cannot be read).
pub fn frozen_answers(s: &plan_submissions::Model) -> Vec<FrozenAnswer> {
    serde_json::from_str(&s.snapshot).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratings_read_back_as_written() {
        for r in Rating::ALL {
            assert_eq!(Rating::parse(r.as_str()), Some(r));
        }
        assert_eq!(Rating::parse("excellent"), None);
    }
}
