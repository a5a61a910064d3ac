//! Records where Trusts keep them: an organisation's members, module completions (the ESR-ready
//! export) and certificates, read in pages by ascending id (a cursor) for the CSV download and the
//! `/api/v1` API. Every query is scoped to one organisation's members.
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use crate::course::Course;
use crate::entities::{certificates, cohorts, enrolments, module_progress, org_members, users};

/// One member of the organisation, as the API lists them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberRecord {
    pub member_id: i32,
    pub user_id: i32,
    pub name: String,
    pub email: String,
    pub employee_number: Option<String>,
    pub role: String,
    pub cohort: Option<String>,
    pub joined_at: DateTime<Utc>,
}

/// One completed module of one member: a row of the ESR-ready export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    /// The cursor: the module progress row's id.
    pub id: i32,
    pub member_id: i32,
    pub employee_number: Option<String>,
    pub name: String,
    pub email: String,
    pub course_slug: String,
    pub course_title: String,
    pub module_number: Option<usize>,
    pub module_slug: String,
    pub module_title: String,
    pub completed_at: DateTime<Utc>,
    pub score: Option<i32>,
    pub course_completed_at: Option<DateTime<Utc>>,
    pub certificate_code: Option<String>,
    pub certificate_expires_at: Option<DateTime<Utc>>,
    /// The person's time on task in the course, in minutes; `None` while it is not recorded.
    pub learning_minutes: Option<i64>,
}

/// A certificate held by a member of the organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateRecord {
    pub id: i32,
    pub member_id: i32,
    pub employee_number: Option<String>,
    pub holder_name: String,
    pub email: String,
    pub code: String,
    pub course_slug: String,
    pub course_title: String,
    pub issued_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl CertificateRecord {
    /// "valid", "expired" or "revoked", as the public verify page says.
    pub fn status(&self, now: DateTime<Utc>) -> &'static str {
        if self.revoked_at.is_some() {
            "revoked"
        } else if self.expires_at.is_some_and(|e| e <= now) {
            "expired"
        } else {
            "valid"
        }
    }
}

/// The one place where learning hours come from: the time on task recorded by
/// `services::learning_time` (members with none recorded are absent).
///
/// # Errors
/// When the database fails.
pub async fn learning_minutes(
    db: &impl ConnectionTrait,
    user_ids: &[i32],
) -> Result<HashMap<i32, i64>, DbErr> {
    Ok(crate::services::learning_time::for_users(db, user_ids)
        .await?
        .into_iter()
        .map(|(user, t)| (user, i64::from(t.total.0)))
        // A view closed at once credits nothing: that is no recorded time either.
        .filter(|(_, minutes)| *minutes > 0)
        .collect())
}

struct Person {
    member: org_members::Model,
    user: users::Model,
}

/// The organisation's members among `user_ids`, with their accounts, by user id.
async fn people(
    db: &impl ConnectionTrait,
    org_id: i32,
    user_ids: Vec<i32>,
) -> Result<HashMap<i32, Person>, DbErr> {
    if user_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let members = org_members::Entity::find()
        .filter(org_members::Column::OrgId.eq(org_id))
        .filter(org_members::Column::UserId.is_in(user_ids.clone()))
        .all(db)
        .await?;
    let mut accounts: HashMap<i32, users::Model> = users::Entity::find()
        .filter(users::Column::Id.is_in(user_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    Ok(members
        .into_iter()
        .filter_map(|m| {
            let user = accounts.remove(&m.user_id)?;
            Some((m.user_id, Person { member: m, user }))
        })
        .collect())
}

/// Up to `limit` members with an id after `after`, by id.
///
/// # Errors
/// When the database fails.
pub async fn members_after(
    db: &impl ConnectionTrait,
    org_id: i32,
    after: i32,
    limit: u64,
) -> Result<Vec<MemberRecord>, DbErr> {
    let members = org_members::Entity::find()
        .filter(org_members::Column::OrgId.eq(org_id))
        .filter(org_members::Column::Id.gt(after))
        .order_by_asc(org_members::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    member_records(db, org_id, members).await
}

/// One member of the organisation by member id; `None` for anyone else's.
///
/// # Errors
/// When the database fails.
pub async fn member(
    db: &impl ConnectionTrait,
    org_id: i32,
    member_id: i32,
) -> Result<Option<MemberRecord>, DbErr> {
    let members = org_members::Entity::find()
        .filter(org_members::Column::OrgId.eq(org_id))
        .filter(org_members::Column::Id.eq(member_id))
        .all(db)
        .await?;
    Ok(member_records(db, org_id, members)
        .await?
        .into_iter()
        .next())
}

/// One member of the organisation by user id; `None` for anyone else.
///
/// # Errors
/// When the database fails.
pub async fn member_by_user(
    db: &impl ConnectionTrait,
    org_id: i32,
    user_id: i32,
) -> Result<Option<MemberRecord>, DbErr> {
    let members = org_members::Entity::find()
        .filter(org_members::Column::OrgId.eq(org_id))
        .filter(org_members::Column::UserId.eq(user_id))
        .all(db)
        .await?;
    Ok(member_records(db, org_id, members)
        .await?
        .into_iter()
        .next())
}

async fn member_records(
    db: &impl ConnectionTrait,
    org_id: i32,
    members: Vec<org_members::Model>,
) -> Result<Vec<MemberRecord>, DbErr> {
    let ids: Vec<i32> = members.iter().map(|m| m.user_id).collect();
    let mut accounts: HashMap<i32, users::Model> = if ids.is_empty() {
        HashMap::new()
    } else {
        users::Entity::find()
            .filter(users::Column::Id.is_in(ids))
            .all(db)
            .await?
            .into_iter()
            .map(|u| (u.id, u))
            .collect()
    };
    let cohort_names: HashMap<i32, String> = cohorts::Entity::find()
        .filter(cohorts::Column::OrgId.eq(org_id))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    Ok(members
        .into_iter()
        .filter_map(|m| {
            let u = accounts.remove(&m.user_id)?;
            Some(MemberRecord {
                member_id: m.id,
                user_id: m.user_id,
                name: u.name,
                email: u.email,
                employee_number: m.employee_number,
                role: m.role.as_str().to_string(),
                cohort: m.cohort_id.and_then(|c| cohort_names.get(&c).cloned()),
                joined_at: m.joined_at,
            })
        })
        .collect())
}

/// Up to `limit` module completions of the organisation's members with an id after `after`, by
/// id, each with the person's current certificate and learning time.
///
/// # Errors
/// When the database fails.
pub async fn completions_after(
    db: &impl ConnectionTrait,
    course: &Course,
    org_id: i32,
    after: i32,
    limit: u64,
) -> Result<Vec<Completion>, DbErr> {
    use module_progress::Column as P;
    // One row per completion with the person and their course completion joined on: the batch is
    // one query, not one per table (each row read costs a hop to the database thread).
    let mut q = Query::select();
    q.expr_as(
        Expr::col((module_progress::Entity, P::Id)),
        Alias::new("id"),
    )
    .expr_as(
        Expr::col((module_progress::Entity, P::UserId)),
        Alias::new("user_id"),
    )
    .expr_as(
        Expr::col((module_progress::Entity, P::ModuleSlug)),
        Alias::new("module_slug"),
    )
    .expr_as(
        Expr::col((module_progress::Entity, P::CompletedAt)),
        Alias::new("completed_at"),
    )
    .expr_as(
        Expr::col((module_progress::Entity, P::BestScore)),
        Alias::new("best_score"),
    )
    .expr_as(
        Expr::col((org_members::Entity, org_members::Column::Id)),
        Alias::new("member_id"),
    )
    .expr_as(
        Expr::col((org_members::Entity, org_members::Column::EmployeeNumber)),
        Alias::new("employee_number"),
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
        Expr::col((enrolments::Entity, enrolments::Column::CompletedAt)),
        Alias::new("course_completed_at"),
    )
    .from(module_progress::Entity)
    .inner_join(
        org_members::Entity,
        Expr::col((org_members::Entity, org_members::Column::UserId))
            .equals((module_progress::Entity, P::UserId))
            // The unary plus keeps SQLite from starting at the organisation's members (then
            // reading and sorting all their rows for every batch: quadratic, 2 minutes for
            // 100,000 learners); it starts at the completion ids instead and stops at `limit`.
            .and(Expr::cust(format!(r#"+"org_members"."org_id" = {org_id}"#))),
    )
    .inner_join(
        users::Entity,
        Expr::col((users::Entity, users::Column::Id)).equals((module_progress::Entity, P::UserId)),
    )
    .left_join(
        enrolments::Entity,
        Expr::col((enrolments::Entity, enrolments::Column::UserId))
            .equals((module_progress::Entity, P::UserId))
            .and(
                Expr::col((enrolments::Entity, enrolments::Column::CourseSlug))
                    .eq(course.slug.as_str()),
            ),
    )
    .and_where(Expr::col((module_progress::Entity, P::CompletedAt)).is_not_null())
    .and_where(Expr::col((module_progress::Entity, P::Id)).gt(after))
    .order_by((module_progress::Entity, P::Id), sea_orm::Order::Asc)
    .limit(limit);
    let rows = db
        .query_all_raw(db.get_database_backend().build(&q))
        .await?;
    let mut ids: Vec<i32> = Vec::with_capacity(rows.len());
    for r in &rows {
        ids.push(r.try_get("", "user_id")?);
    }
    ids.sort_unstable();
    ids.dedup();
    let certs = current_certificates(db, &course.slug, ids.clone()).await?;
    let minutes = learning_minutes(db, &ids).await?;
    rows.iter()
        .map(|r| {
            let user_id: i32 = r.try_get("", "user_id")?;
            let module_slug: String = r.try_get("", "module_slug")?;
            let module = course.modules.iter().find(|m| m.slug == module_slug);
            let cert = certs.get(&user_id);
            Ok(Completion {
                id: r.try_get("", "id")?,
                member_id: r.try_get("", "member_id")?,
                employee_number: r.try_get("", "employee_number")?,
                name: r.try_get("", "name")?,
                email: r.try_get("", "email")?,
                course_slug: course.slug.clone(),
                course_title: course.title.clone(),
                module_number: module.map(|m| m.number),
                module_title: module.map_or_else(|| module_slug.clone(), |m| m.title.clone()),
                module_slug,
                completed_at: r.try_get("", "completed_at")?,
                score: r.try_get("", "best_score")?,
                course_completed_at: r.try_get("", "course_completed_at")?,
                certificate_code: cert.map(|c| c.code.clone()),
                certificate_expires_at: cert.and_then(|c| c.expires_at),
                learning_minutes: minutes.get(&user_id).copied(),
            })
        })
        .collect()
}

/// Each person's newest certificate for the course that is not revoked.
async fn current_certificates(
    db: &impl ConnectionTrait,
    course_slug: &str,
    user_ids: Vec<i32>,
) -> Result<HashMap<i32, certificates::Model>, DbErr> {
    let mut out: HashMap<i32, certificates::Model> = HashMap::new();
    if user_ids.is_empty() {
        return Ok(out);
    }
    for c in certificates::Entity::find()
        .filter(certificates::Column::UserId.is_in(user_ids))
        .filter(certificates::Column::CourseSlug.eq(course_slug))
        .filter(certificates::Column::RevokedAt.is_null())
        .order_by_asc(certificates::Column::IssuedAt)
        .all(db)
        .await?
    {
        if let Some(uid) = c.user_id {
            out.insert(uid, c);
        }
    }
    Ok(out)
}

/// Up to `limit` certificates of the organisation's members with an id after `after`, by id
/// (revoked and expired ones too: the status says which).
///
/// # Errors
/// When the database fails.
pub async fn certificates_after(
    db: &impl ConnectionTrait,
    org_id: i32,
    after: i32,
    limit: u64,
) -> Result<Vec<CertificateRecord>, DbErr> {
    let certs = certificates::Entity::find()
        .filter(
            certificates::Column::UserId
                .in_subquery(crate::services::organisations::member_user_ids(org_id)),
        )
        .filter(certificates::Column::Id.gt(after))
        .order_by_asc(certificates::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    certificate_records(db, org_id, certs).await
}

/// One certificate of a member of the organisation, by its code; `None` for anyone else's.
///
/// # Errors
/// When the database fails.
pub async fn certificate(
    db: &impl ConnectionTrait,
    org_id: i32,
    code: &str,
) -> Result<Option<CertificateRecord>, DbErr> {
    let certs = certificates::Entity::find()
        .filter(
            certificates::Column::UserId
                .in_subquery(crate::services::organisations::member_user_ids(org_id)),
        )
        .filter(certificates::Column::Code.eq(code))
        .all(db)
        .await?;
    Ok(certificate_records(db, org_id, certs)
        .await?
        .into_iter()
        .next())
}

async fn certificate_records(
    db: &impl ConnectionTrait,
    org_id: i32,
    certs: Vec<certificates::Model>,
) -> Result<Vec<CertificateRecord>, DbErr> {
    let mut ids: Vec<i32> = certs.iter().filter_map(|c| c.user_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let people = people(db, org_id, ids).await?;
    Ok(certs
        .into_iter()
        .filter_map(|c| {
            let person = people.get(&c.user_id?)?;
            Some(CertificateRecord {
                id: c.id,
                member_id: person.member.id,
                employee_number: person.member.employee_number.clone(),
                holder_name: c.holder_name,
                email: person.user.email.clone(),
                code: c.code,
                course_slug: c.course_slug,
                course_title: c.course_title,
                issued_at: c.issued_at,
                expires_at: c.expires_at,
                revoked_at: c.revoked_at,
            })
        })
        .collect())
}

/// The ESR-ready CSV's header row.
pub const ESR_CSV_HEADER: [&str; 13] = [
    "employee_number",
    "staff_name",
    "work_email",
    "course_code",
    "course_title",
    "module_number",
    "module_title",
    "completion_date",
    "score_percent",
    "course_completion_date",
    "certificate_code",
    "certificate_expiry_date",
    "learning_hours",
];

fn iso_date(d: Option<DateTime<Utc>>) -> String {
    d.map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// A stored certificate code as people read it and the verify page takes it: XXXX-XXXX-XXXX.
pub fn printed_code(stored: &str) -> String {
    crate::domain::CertificateCode::parse(stored)
        .map_or_else(|| stored.to_string(), |c| c.to_string())
}

/// Minutes as hours with two decimals ("1.50"); empty when not recorded.
pub fn hours(minutes: Option<i64>) -> String {
    minutes
        .map(|m| format!("{}.{:02}", m / 60, (m % 60) * 100 / 60))
        .unwrap_or_default()
}

/// One completion as a CSV record (every free-text cell defused against formula injection).
pub fn esr_csv_record(c: &Completion) -> Vec<String> {
    use crate::services::reports::safe_cell;
    vec![
        safe_cell(c.employee_number.as_deref().unwrap_or("")),
        safe_cell(&c.name),
        safe_cell(&c.email),
        safe_cell(&c.course_slug),
        safe_cell(&c.course_title),
        c.module_number.map(|n| n.to_string()).unwrap_or_default(),
        safe_cell(&c.module_title),
        iso_date(Some(c.completed_at)),
        c.score.map(|s| s.to_string()).unwrap_or_default(),
        iso_date(c.course_completed_at),
        c.certificate_code
            .as_deref()
            .map(printed_code)
            .unwrap_or_default(),
        iso_date(c.certificate_expires_at),
        hours(c.learning_minutes),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minutes_become_hours_with_two_decimals_and_unknown_stays_empty() {
        assert_eq!(hours(Some(90)), "1.50");
        assert_eq!(hours(Some(20)), "0.33");
        assert_eq!(hours(Some(0)), "0.00");
        assert_eq!(hours(None), "");
    }
}
