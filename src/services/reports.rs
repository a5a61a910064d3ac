//! Cohort progress reports for org admins, built from the stored per-enrolment and per-module
//! progress (never by recounting lesson rows), and streamed as CSV in batches.
use std::collections::HashMap;

use chrono::{DateTime, TimeZone, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, JoinType, Order, Query, SelectStatement};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryResult};

use crate::course::Course;
use crate::entities::{certificates, cohorts, enrolments, module_progress, org_members, users};
use crate::services::learning_time::Minutes;

/// What an imported account holds as its password until the person activates it (never a PHC
/// string, so no password can match).
pub const UNSET_PASSWORD: &str = "!unset";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    Name,
    Progress,
    LastActive,
}

impl Sort {
    pub fn parse(s: &str) -> Self {
        match s {
            "progress" => Self::Progress,
            "active" => Self::LastActive,
            _ => Self::Name,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::Progress => "progress",
            Self::LastActive => "active",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Filter {
    pub cohort: Option<i32>,
    pub sort: Sort,
    pub descending: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellStatus {
    NotStarted,
    InProgress,
    Completed,
    Overdue,
}

impl CellStatus {
    pub fn label(self) -> &'static str {
        match self {
            Self::NotStarted => "Not started",
            Self::InProgress => "In progress",
            Self::Completed => "Completed",
            Self::Overdue => "Overdue",
        }
    }
}

#[derive(Debug, Clone)]
pub struct ModuleCell {
    pub status: CellStatus,
    pub percent: i32,
    pub best_score: Option<i32>,
    pub attempts: i32,
    pub due: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    /// Learning time recorded on this module's lessons and quiz.
    pub learning: Minutes,
}

#[derive(Debug, Clone)]
pub struct LearnerRow {
    pub member_id: i32,
    pub user_id: i32,
    pub name: String,
    pub email: String,
    pub role: crate::domain::MemberRole,
    pub cohort_id: Option<i32>,
    pub cohort: Option<String>,
    /// False for an imported person who has not yet used their activation link.
    pub activated: bool,
    pub percent: i32,
    pub last_active: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub certificate: Option<String>,
    pub modules: Vec<ModuleCell>,
    /// Learning time recorded in all.
    pub learning: Minutes,
}

#[derive(Debug, Clone, Default)]
pub struct ModuleTotals {
    pub completed: i64,
    pub in_progress: i64,
}

#[derive(Debug, Clone, Default)]
pub struct Totals {
    pub learners: i64,
    pub started: i64,
    pub completed: i64,
    pub modules: Vec<ModuleTotals>,
}

fn members(org_id: i32, course_slug: &str, filter: &Filter) -> SelectStatement {
    let mut q = Query::select();
    q.expr_as(
        Expr::col((org_members::Entity, org_members::Column::Id)),
        Alias::new("member_id"),
    )
    .expr_as(
        Expr::col((users::Entity, users::Column::Id)),
        Alias::new("user_id"),
    )
    .expr_as(
        Expr::col((users::Entity, users::Column::Name)),
        Alias::new("name"),
    )
    .expr_as(
        Expr::col((users::Entity, users::Column::Email)),
        Alias::new("email"),
    )
    .expr_as(
        Expr::col((org_members::Entity, org_members::Column::Role)),
        Alias::new("role"),
    )
    .expr_as(
        Expr::col((cohorts::Entity, cohorts::Column::Id)),
        Alias::new("cohort_id"),
    )
    .expr_as(
        Expr::col((cohorts::Entity, cohorts::Column::Name)),
        Alias::new("cohort_name"),
    )
    .expr_as(
        Expr::cust(format!(
            "CAST(CASE WHEN users.password_hash = '{UNSET_PASSWORD}' THEN 0 ELSE 1 END AS BIGINT)"
        )),
        Alias::new("activated"),
    )
    .expr_as(
        Expr::col((enrolments::Entity, enrolments::Column::ProgressPercent)),
        Alias::new("percent"),
    )
    .expr_as(
        Expr::col((enrolments::Entity, enrolments::Column::LastActivityAt)),
        Alias::new("last_active"),
    )
    .expr_as(
        Expr::col((enrolments::Entity, enrolments::Column::CompletedAt)),
        Alias::new("completed_at"),
    )
    .from(org_members::Entity)
    .join(
        JoinType::InnerJoin,
        users::Entity,
        Expr::col((users::Entity, users::Column::Id))
            .equals((org_members::Entity, org_members::Column::UserId)),
    )
    .join(
        JoinType::LeftJoin,
        cohorts::Entity,
        Expr::col((cohorts::Entity, cohorts::Column::Id))
            .equals((org_members::Entity, org_members::Column::CohortId)),
    )
    .join(
        JoinType::LeftJoin,
        enrolments::Entity,
        Expr::col((enrolments::Entity, enrolments::Column::UserId))
            .equals((users::Entity, users::Column::Id))
            .and(Expr::col((enrolments::Entity, enrolments::Column::CourseSlug)).eq(course_slug)),
    )
    .and_where(Expr::col((org_members::Entity, org_members::Column::OrgId)).eq(org_id));
    if let Some(c) = filter.cohort {
        q.and_where(Expr::col((org_members::Entity, org_members::Column::CohortId)).eq(c));
    }
    q
}

struct Base {
    member_id: i32,
    user_id: i32,
    name: String,
    email: String,
    role: crate::domain::MemberRole,
    cohort_id: Option<i32>,
    cohort: Option<String>,
    activated: bool,
    percent: Option<i32>,
    last_active: Option<DateTime<Utc>>,
    completed_at: Option<DateTime<Utc>>,
}

fn base(row: &QueryResult) -> Result<Base, DbErr> {
    Ok(Base {
        member_id: row.try_get("", "member_id")?,
        user_id: row.try_get("", "user_id")?,
        name: row.try_get("", "name")?,
        email: row.try_get("", "email")?,
        role: row.try_get("", "role")?,
        cohort_id: row.try_get("", "cohort_id")?,
        cohort: row.try_get("", "cohort_name")?,
        activated: row.try_get::<i64>("", "activated")? != 0,
        percent: row.try_get("", "percent")?,
        last_active: row.try_get("", "last_active")?,
        completed_at: row.try_get("", "completed_at")?,
    })
}

/// When each module is due for a weekly-paced cohort: module n (from 1) a week after its release,
/// so n weeks after the start, like the original five-week workshop series.
pub fn due_dates(course: &Course, cohort: Option<&cohorts::Model>) -> Vec<Option<DateTime<Utc>>> {
    course
        .modules
        .iter()
        .map(|m| {
            cohort.filter(|c| c.pacing == "weekly").map(|c| {
                let day = crate::services::pacing::due_on(c, m.number);
                Utc.from_utc_datetime(&day.and_time(chrono::NaiveTime::MIN))
            })
        })
        .collect()
}

async fn complete_rows(
    db: &impl ConnectionTrait,
    course: &Course,
    bases: Vec<Base>,
    cohort_by_id: &HashMap<i32, cohorts::Model>,
    now: DateTime<Utc>,
    org_id: i32,
) -> Result<Vec<LearnerRow>, DbErr> {
    let tz = crate::services::pacing::org_zone(db, org_id).await?;
    let ids: Vec<i32> = bases.iter().map(|b| b.user_id).collect();
    let mut progress: HashMap<(i32, String), module_progress::Model> = HashMap::new();
    let mut certs: HashMap<i32, certificates::Model> = HashMap::new();
    let learning = crate::services::learning_time::for_users(db, &ids).await?;
    if !ids.is_empty() {
        for p in module_progress::Entity::find()
            .filter(module_progress::Column::UserId.is_in(ids.clone()))
            .all(db)
            .await?
        {
            progress.insert((p.user_id, p.module_slug.clone()), p);
        }
        for c in certificates::Entity::find()
            .filter(certificates::Column::UserId.is_in(ids))
            .filter(certificates::Column::RevokedAt.is_null())
            .all(db)
            .await?
        {
            if let Some(uid) = c.user_id {
                let newer = certs
                    .get(&uid)
                    .is_none_or(|old| old.issued_at < c.issued_at);
                if newer {
                    certs.insert(uid, c);
                }
            }
        }
    }
    Ok(bases
        .into_iter()
        .map(|b| {
            let dues = due_dates(course, b.cohort_id.and_then(|c| cohort_by_id.get(&c)));
            let time = learning.get(&b.user_id);
            let modules = course
                .modules
                .iter()
                .zip(dues)
                .map(|(m, due)| {
                    let p = progress.get(&(b.user_id, m.slug.clone()));
                    let completed = p.is_some_and(|p| p.completed_at.is_some());
                    let percent = p.map_or(0, |p| p.progress_percent);
                    let status = if completed {
                        CellStatus::Completed
                    } else if due.is_some_and(|d| crate::services::pacing::overdue(d, now, tz)) {
                        CellStatus::Overdue
                    } else if percent > 0 || p.is_some_and(|p| p.attempts > 0) {
                        CellStatus::InProgress
                    } else {
                        CellStatus::NotStarted
                    };
                    ModuleCell {
                        status,
                        percent,
                        best_score: p.and_then(|p| p.best_score),
                        attempts: p.map_or(0, |p| p.attempts),
                        due,
                        completed_at: p.and_then(|p| p.completed_at),
                        learning: time
                            .and_then(|t| t.modules.get(&m.slug).copied())
                            .unwrap_or_default(),
                    }
                })
                .collect();
            LearnerRow {
                member_id: b.member_id,
                user_id: b.user_id,
                certificate: certs.get(&b.user_id).map(|c| c.code.clone()),
                name: b.name,
                email: b.email,
                role: b.role,
                cohort_id: b.cohort_id,
                cohort: b.cohort,
                activated: b.activated,
                percent: b.percent.unwrap_or(0),
                last_active: b.last_active,
                completed_at: b.completed_at,
                modules,
                learning: time.map(|t| t.total).unwrap_or_default(),
            }
        })
        .collect())
}

async fn cohort_map(
    db: &impl ConnectionTrait,
    org_id: i32,
) -> Result<HashMap<i32, cohorts::Model>, DbErr> {
    Ok(cohorts::Entity::find()
        .filter(cohorts::Column::OrgId.eq(org_id))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect())
}

/// One page of the report (the number of members in all is in [`totals`]).
///
/// # Errors
/// When the database fails.
pub async fn page(
    db: &impl ConnectionTrait,
    course: &Course,
    org_id: i32,
    filter: &Filter,
    page: u64,
    per_page: u64,
    now: DateTime<Utc>,
) -> Result<Vec<LearnerRow>, DbErr> {
    let backend = db.get_database_backend();
    let mut q = members(org_id, &course.slug, filter);
    let order = if filter.descending {
        Order::Desc
    } else {
        Order::Asc
    };
    match filter.sort {
        Sort::Name => q.order_by((users::Entity, users::Column::Name), order.clone()),
        Sort::Progress => q.order_by(
            (enrolments::Entity, enrolments::Column::ProgressPercent),
            order.clone(),
        ),
        Sort::LastActive => q.order_by(
            (enrolments::Entity, enrolments::Column::LastActivityAt),
            order.clone(),
        ),
    };
    q.order_by((org_members::Entity, org_members::Column::Id), Order::Asc)
        .limit(per_page)
        .offset(page.saturating_sub(1) * per_page);
    let rows = db.query_all_raw(backend.build(&q)).await?;
    let bases = rows.iter().map(base).collect::<Result<Vec<_>, _>>()?;
    let cohorts = cohort_map(db, org_id).await?;
    complete_rows(db, course, bases, &cohorts, now, org_id).await
}

/// The report rows of some members of the organisation only (a line manager's reports), by name.
///
/// # Errors
/// When the database fails.
pub async fn rows_for(
    db: &impl ConnectionTrait,
    course: &Course,
    org_id: i32,
    user_ids: &[i32],
    now: DateTime<Utc>,
) -> Result<Vec<LearnerRow>, DbErr> {
    if user_ids.is_empty() {
        return Ok(Vec::new());
    }
    let backend = db.get_database_backend();
    let filter = Filter {
        cohort: None,
        sort: Sort::Name,
        descending: false,
    };
    let mut q = members(org_id, &course.slug, &filter);
    q.and_where(Expr::col((users::Entity, users::Column::Id)).is_in(user_ids.iter().copied()))
        .order_by((users::Entity, users::Column::Name), Order::Asc);
    let rows = db.query_all_raw(backend.build(&q)).await?;
    let bases = rows.iter().map(base).collect::<Result<Vec<_>, _>>()?;
    let cohorts = cohort_map(db, org_id).await?;
    complete_rows(db, course, bases, &cohorts, now, org_id).await
}

/// One row of the report counts the database keeps as progress changes (migration
/// `m20261205_900002_report_counts`): per cohort (`None`: people in no cohort), a kind
/// (`members`, `module`, `course`, `confidence`), the module, course or statement it counts, and
/// its two numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountRow {
    pub cohort: Option<i32>,
    pub kind: String,
    pub item: String,
    pub a: i64,
    pub b: i64,
}

/// The organisation's report counts, optionally for one cohort: a few rows per cohort, read by
/// the primary key, however many people the organisation has.
///
/// # Errors
/// When the database fails.
pub async fn counts(
    db: &impl ConnectionTrait,
    org_id: i32,
    cohort: Option<i32>,
) -> Result<Vec<CountRow>, DbErr> {
    let backend = db.get_database_backend();
    let mut q = Query::select();
    q.columns(["cohort_key", "kind", "item", "a", "b"].map(Alias::new))
        .from(Alias::new("report_counts"))
        .and_where(Expr::col(Alias::new("org_id")).eq(org_id));
    if let Some(c) = cohort {
        q.and_where(Expr::col(Alias::new("cohort_key")).eq(c));
    }
    let mut out = Vec::new();
    for r in db.query_all_raw(backend.build(&q)).await? {
        let key: i32 = r.try_get("", "cohort_key")?;
        out.push(CountRow {
            cohort: (key != 0).then_some(key),
            kind: r.try_get("", "kind")?,
            item: r.try_get("", "item")?,
            a: r.try_get("", "a")?,
            b: r.try_get("", "b")?,
        });
    }
    Ok(out)
}

/// A stored report count that differs from a recount of the tables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountDrift {
    pub org_id: i32,
    pub cohort_key: i32,
    pub kind: String,
    pub item: String,
    pub stored: (i64, i64),
    pub recounted: (i64, i64),
}

type CountKey = (i32, i32, String, String);

async fn count_map(
    db: &impl ConnectionTrait,
    sql: &str,
) -> Result<std::collections::BTreeMap<CountKey, (i64, i64)>, DbErr> {
    let backend = db.get_database_backend();
    let mut out = std::collections::BTreeMap::new();
    for r in db
        .query_all_raw(sea_orm::Statement::from_string(backend, sql.to_string()))
        .await?
    {
        let (a, b): (i64, i64) = (r.try_get("", "a")?, r.try_get("", "b")?);
        if (a, b) != (0, 0) {
            out.insert(
                (
                    r.try_get("", "org_id")?,
                    r.try_get("", "cohort_key")?,
                    r.try_get("", "kind")?,
                    r.try_get("", "item")?,
                ),
                (a, b),
            );
        }
    }
    Ok(out)
}

/// Every stored report count that a recount of the tables does not confirm (none when the
/// triggers have kept them exact), read in one transaction so both sides see the same data.
///
/// # Errors
/// When the database fails.
pub async fn count_drift(db: &sea_orm::DatabaseConnection) -> Result<Vec<CountDrift>, DbErr> {
    use sea_orm::TransactionTrait;
    let txn = db.begin_with_options(crate::db::WRITE).await?;
    let stored = count_map(
        &txn,
        "SELECT org_id, cohort_key, kind, item, a, b FROM report_counts",
    )
    .await?;
    let recounted = count_map(
        &txn,
        &migration::m20261205_900002_report_counts::recount_select(),
    )
    .await?;
    txn.commit().await?;
    let keys: std::collections::BTreeSet<&CountKey> =
        stored.keys().chain(recounted.keys()).collect();
    Ok(keys
        .into_iter()
        .filter_map(|k| {
            let s = stored.get(k).copied().unwrap_or_default();
            let r = recounted.get(k).copied().unwrap_or_default();
            (s != r).then(|| CountDrift {
                org_id: k.0,
                cohort_key: k.1,
                kind: k.2.clone(),
                item: k.3.clone(),
                stored: s,
                recounted: r,
            })
        })
        .collect())
}

/// Replaces every stored report count with a recount of the tables, in one transaction with its
/// audit row; on PostgreSQL the counts table is locked first, so a change committing meanwhile
/// waits and then adds its own change on top of the recount. Returns how many counts it wrote.
///
/// # Errors
/// When the database fails (the old counts stay).
pub async fn rebuild_counts(
    db: &sea_orm::DatabaseConnection,
    clock: &crate::clock::Clock,
) -> Result<u64, DbErr> {
    use crate::services::audit::{self, AuditAction, AuditEvent};
    use sea_orm::TransactionTrait;
    let txn = db.begin_with_options(crate::db::WRITE).await?;
    if txn.get_database_backend() == sea_orm::DbBackend::Postgres {
        txn.execute_unprepared("LOCK TABLE report_counts IN EXCLUSIVE MODE")
            .await?;
    }
    txn.execute_unprepared("DELETE FROM report_counts").await?;
    let written = txn
        .execute_unprepared(&format!(
            "INSERT INTO report_counts (org_id, cohort_key, kind, item, a, b) {}",
            migration::m20261205_900002_report_counts::recount_select()
        ))
        .await?
        .rows_affected();
    audit::record(
        &txn,
        clock,
        AuditEvent {
            actor: None,
            action: AuditAction::ReportCountsRebuilt,
            target: None,
            detail: Some(format!("{written} counts written")),
            ip: None,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(written)
}

/// Totals for the top of the report: people, started, completed. The per-module totals come
/// with [`glance`].
///
/// # Errors
/// When the database fails.
pub async fn totals(
    db: &impl ConnectionTrait,
    course: &Course,
    org_id: i32,
    filter: &Filter,
) -> Result<Totals, DbErr> {
    Ok(totals_from(
        course,
        &counts(db, org_id, filter.cohort).await?,
    ))
}

/// [`totals`] from counts already read.
pub fn totals_from(course: &Course, counts: &[CountRow]) -> Totals {
    let mut totals = Totals::default();
    for r in counts {
        match r.kind.as_str() {
            "members" => totals.learners += r.a,
            "course" if r.item == course.slug => {
                totals.started += r.a;
                totals.completed += r.b;
            }
            _ => {}
        }
    }
    totals
}

/// One module of the cohort at a glance: how many people have not started, are in progress, are
/// done, or are past the module's due date without finishing it (these four add up to everyone).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModuleGlance {
    pub not_started: i64,
    pub in_progress: i64,
    pub done: i64,
    pub overdue: i64,
}

/// Per module, the four groups of [`ModuleGlance`], with the same rules as each learner's cells:
/// done first, then overdue (a weekly cohort past the due date), then in progress, else not started.
/// With them, per module, the report's totals (completed, in progress): the same counts summed
/// over the cohorts.
///
/// # Errors
/// When the database fails.
pub async fn glance(
    db: &impl ConnectionTrait,
    course: &Course,
    org_id: i32,
    filter: &Filter,
    now: DateTime<Utc>,
) -> Result<(Vec<ModuleGlance>, Vec<ModuleTotals>), DbErr> {
    let counts = counts(db, org_id, filter.cohort).await?;
    glance_of(db, course, org_id, &counts, now).await
}

/// [`glance`] from counts already read.
///
/// # Errors
/// When the database fails.
pub async fn glance_of(
    db: &impl ConnectionTrait,
    course: &Course,
    org_id: i32,
    counts: &[CountRow],
    now: DateTime<Utc>,
) -> Result<(Vec<ModuleGlance>, Vec<ModuleTotals>), DbErr> {
    let mut members: Vec<(Option<i32>, i64)> = Vec::new();
    let mut by_module: HashMap<(Option<i32>, &str), (i64, i64)> = HashMap::new();
    for r in counts {
        match r.kind.as_str() {
            "members" => members.push((r.cohort, r.a)),
            "module" => {
                by_module.insert((r.cohort, r.item.as_str()), (r.a, r.b));
            }
            _ => {}
        }
    }
    let module_totals = course
        .modules
        .iter()
        .map(|m| {
            by_module
                .iter()
                .filter(|((_, slug), _)| *slug == m.slug)
                .fold(ModuleTotals::default(), |t, (_, (done, started))| {
                    ModuleTotals {
                        completed: t.completed + done,
                        in_progress: t.in_progress + started,
                    }
                })
        })
        .collect();
    let cohorts = cohort_map(db, org_id).await?;
    let tz = crate::services::pacing::org_zone(db, org_id).await?;
    let mut out = vec![ModuleGlance::default(); course.modules.len()];
    for (cohort, n) in members {
        let dues = due_dates(course, cohort.and_then(|c| cohorts.get(&c)));
        for ((m, due), g) in course.modules.iter().zip(dues).zip(out.iter_mut()) {
            let (done, started) = by_module
                .get(&(cohort, m.slug.as_str()))
                .copied()
                .unwrap_or_default();
            let open = std::cmp::max(n - done, 0);
            g.done += std::cmp::min(done, n);
            if due.is_some_and(|d| crate::services::pacing::overdue(d, now, tz)) {
                g.overdue += open;
            } else {
                let started = std::cmp::min(started, open);
                g.in_progress += started;
                g.not_started += open - started;
            }
        }
    }
    Ok((out, module_totals))
}

/// A batch of rows after `after_member` (by member id), for streaming every row of a large report.
///
/// # Errors
/// When the database fails.
pub async fn batch_after(
    db: &impl ConnectionTrait,
    course: &Course,
    org_id: i32,
    filter: &Filter,
    after_member: i32,
    size: u64,
    now: DateTime<Utc>,
) -> Result<Vec<LearnerRow>, DbErr> {
    let backend = db.get_database_backend();
    let mut q = members(org_id, &course.slug, filter);
    q.and_where(Expr::col((org_members::Entity, org_members::Column::Id)).gt(after_member))
        .order_by((org_members::Entity, org_members::Column::Id), Order::Asc)
        .limit(size);
    let rows = db.query_all_raw(backend.build(&q)).await?;
    let bases = rows.iter().map(base).collect::<Result<Vec<_>, _>>()?;
    let cohorts = cohort_map(db, org_id).await?;
    complete_rows(db, course, bases, &cohorts, now, org_id).await
}

/// A spreadsheet cell that cannot run as a formula: values starting with `=`, `+`, `-`, `@`, tab
/// or carriage return get a leading apostrophe (OWASP CSV injection advice).
pub fn safe_cell(s: &str) -> String {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{s}"),
        _ => s.to_string(),
    }
}

pub fn csv_header(course: &Course) -> Vec<String> {
    let mut h: Vec<String> = [
        "name",
        "email",
        "role",
        "cohort",
        "activated",
        "course_percent",
        "last_active",
        "completed_at",
        "certificate",
    ]
    .iter()
    .map(|s| (*s).to_string())
    .collect();
    for m in &course.modules {
        h.push(format!("module_{}_status", m.number));
        h.push(format!("module_{}_percent", m.number));
        h.push(format!("module_{}_best_score", m.number));
        h.push(format!("module_{}_due", m.number));
    }
    h.push("learning_minutes".into());
    h.push("learning_hours".into());
    for m in &course.modules {
        h.push(format!("module_{}_learning_minutes", m.number));
    }
    h
}

pub fn csv_record(r: &LearnerRow) -> Vec<String> {
    let fmt = |d: Option<DateTime<Utc>>| {
        d.map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
            .unwrap_or_default()
    };
    let mut v = vec![
        safe_cell(&r.name),
        safe_cell(&r.email),
        r.role.as_str().to_string(),
        safe_cell(r.cohort.as_deref().unwrap_or("")),
        if r.activated { "yes" } else { "no" }.to_string(),
        r.percent.to_string(),
        fmt(r.last_active),
        fmt(r.completed_at),
        r.certificate.clone().unwrap_or_default(),
    ];
    for m in &r.modules {
        v.push(m.status.label().to_string());
        v.push(m.percent.to_string());
        v.push(m.best_score.map(|s| s.to_string()).unwrap_or_default());
        v.push(
            m.due
                .map(|d| d.format("%Y-%m-%d").to_string())
                .unwrap_or_default(),
        );
    }
    v.push(r.learning.0.to_string());
    v.push(r.learning.hours_decimal());
    for m in &r.modules {
        v.push(m.learning.0.to_string());
    }
    v
}

/// Learners per page of the report.
pub const PER_PAGE: u64 = 50;

/// Everything the organisation's report page shows.
pub struct ReportParts {
    pub rows: Vec<LearnerRow>,
    pub totals: Totals,
    pub glance: Vec<ModuleGlance>,
    pub cohorts: Vec<crate::entities::cohorts::Model>,
    pub gains: Vec<crate::services::confidence::Gain>,
}

/// The report's pieces for one page of `PER_PAGE` learners, fetched at once (they do not depend
/// on each other).
///
/// # Errors
/// When the database fails.
pub async fn report_parts(
    db: &impl ConnectionTrait,
    course: &Course,
    org_id: i32,
    filter: &Filter,
    page_number: u64,
    now: DateTime<Utc>,
) -> Result<ReportParts, DbErr> {
    // The totals, the glance and the gains all come from the one read of the counts.
    let counted = async {
        let counts = counts(db, org_id, filter.cohort).await?;
        let glance = glance_of(db, course, org_id, &counts, now).await?;
        Ok::<_, DbErr>((counts, glance))
    };
    let (rows, cohorts, (counts, (glance, modules))) = futures_util::future::try_join3(
        page(db, course, org_id, filter, page_number, PER_PAGE, now),
        crate::services::organisations::cohorts_of(db, org_id),
        counted,
    )
    .await?;
    let mut totals = totals_from(course, &counts);
    totals.modules = modules;
    let gains = crate::services::confidence::gains_from(course, &counts);
    Ok(ReportParts {
        rows,
        totals,
        glance,
        cohorts,
        gains,
    })
}

/// One quiz attempt, for the learner's detail page.
#[derive(Debug, Clone)]
pub struct AttemptLine {
    pub public_id: String,
    pub module_slug: String,
    pub submitted_at: DateTime<Utc>,
    pub score_percent: i32,
    pub passed: bool,
}

/// Everything a course lead sees about one member of their organisation.
pub struct LearnerDetail {
    pub row: LearnerRow,
    pub attempts: Vec<AttemptLine>,
    /// Worksheets with at least one saved answer, by module slug.
    pub worksheets_started: Vec<String>,
    pub shares_plan: bool,
    pub cohorts: Vec<cohorts::Model>,
    /// The newest submitted plan that counts for them (their own or their cohort's team plan).
    pub plan_submission: Option<crate::entities::plan_submissions::Model>,
}

/// One member of the organisation with their progress per module, attempts and plan status;
/// `None` when the person is not a member (so other organisations' people stay unseen).
///
/// # Errors
/// When the database fails.
pub async fn learner(
    db: &impl ConnectionTrait,
    course: &Course,
    org_id: i32,
    user_id: i32,
    now: DateTime<Utc>,
) -> Result<Option<LearnerDetail>, DbErr> {
    use crate::entities::{quiz_attempts, worksheet_answers};
    use sea_orm::QueryOrder;
    let backend = db.get_database_backend();
    let all = Filter {
        cohort: None,
        sort: Sort::Name,
        descending: false,
    };
    let mut q = members(org_id, &course.slug, &all);
    q.and_where(Expr::col((users::Entity, users::Column::Id)).eq(user_id));
    let rows = db.query_all_raw(backend.build(&q)).await?;
    let bases = rows.iter().map(base).collect::<Result<Vec<_>, _>>()?;
    let cohorts = cohort_map(db, org_id).await?;
    let Some(row) = complete_rows(db, course, bases, &cohorts, now, org_id)
        .await?
        .into_iter()
        .next()
    else {
        return Ok(None);
    };
    let attempts = quiz_attempts::Entity::find()
        .filter(quiz_attempts::Column::UserId.eq(user_id))
        .order_by_desc(quiz_attempts::Column::SubmittedAt)
        .all(db)
        .await?
        .into_iter()
        .map(|a| AttemptLine {
            public_id: a.public_id,
            module_slug: a.module_slug,
            submitted_at: a.submitted_at,
            score_percent: a.score_percent,
            passed: a.passed,
        })
        .collect();
    let mut worksheets_started: Vec<String> = worksheet_answers::Entity::find()
        .filter(worksheet_answers::Column::UserId.eq(user_id))
        .all(db)
        .await?
        .into_iter()
        .map(|a| a.module_slug)
        .collect();
    worksheets_started.sort();
    worksheets_started.dedup();
    let shares_plan = crate::services::worksheets::shares_plan(db, user_id).await?;
    let mut cohorts: Vec<cohorts::Model> = cohorts.into_values().collect();
    cohorts.sort_by(|a, b| a.name.cmp(&b.name));
    let plan_submission = crate::services::team_plan::latest_for_learner(db, user_id).await?;
    Ok(Some(LearnerDetail {
        row,
        attempts,
        worksheets_started,
        shares_plan,
        cohorts,
        plan_submission,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_that_could_be_formulas_are_defused() {
        assert_eq!(safe_cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(safe_cell("+44 1234"), "'+44 1234");
        assert_eq!(safe_cell("-1"), "'-1");
        assert_eq!(safe_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(safe_cell("Ann"), "Ann");
    }
}
