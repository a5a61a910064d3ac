//! Certificates: issued in the same transaction as the learner's completion, found by code,
//! revoked by platform admins.
use chrono::{DateTime, Months, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, SqlErr, sea_query::Expr,
};
use uuid::Uuid;

use crate::course::Course;
use crate::domain::CertificateCode;
use crate::entities::{certificates, module_progress, quiz_attempts, users};
use crate::services::credentials::{CertificateModule, email_identity};

/// What the verify page says of a certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Valid,
    Expired,
    Revoked,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Valid => "valid",
            Self::Expired => "expired",
            Self::Revoked => "revoked",
        }
    }
}

pub fn status(cert: &certificates::Model, now: DateTime<Utc>) -> Status {
    if cert.revoked_at.is_some() {
        Status::Revoked
    } else if cert.expires_at.is_some_and(|e| e <= now) {
        Status::Expired
    } else {
        Status::Valid
    }
}

/// Issues a certificate when the learner has completed the course and has none yet, or when their
/// last one has expired and every module's quiz has been passed again since (a refresher).
/// Runs inside the transaction that completed the course.
///
/// # Errors
/// When the database fails.
pub async fn issue_if_due(
    txn: &impl ConnectionTrait,
    course: &Course,
    user_id: i32,
    now: DateTime<Utc>,
) -> Result<Option<certificates::Model>, DbErr> {
    // A course that asks for the plan waits for it (submitting it issues the certificate then).
    if course.require_plan_submission
        && !crate::services::team_plan::plan_submitted(txn, user_id).await?
    {
        return Ok(None);
    }
    let latest = certificates::Entity::find()
        .filter(certificates::Column::UserId.eq(user_id))
        .order_by_desc(certificates::Column::IssuedAt)
        .one(txn)
        .await?;
    if let Some(latest) = &latest {
        let Some(expired_at) = latest.expires_at.filter(|e| *e <= now) else {
            return Ok(None);
        };
        if latest.revoked_at.is_some() {
            return Ok(None);
        }
        for m in &course.modules {
            let passed_since = quiz_attempts::Entity::find()
                .filter(quiz_attempts::Column::UserId.eq(user_id))
                .filter(quiz_attempts::Column::ModuleSlug.eq(&m.slug))
                .filter(quiz_attempts::Column::Passed.eq(true))
                .filter(quiz_attempts::Column::SubmittedAt.gt(expired_at))
                .count(txn)
                .await?;
            if passed_since == 0 {
                return Ok(None);
            }
        }
    }
    let Some(user) = users::Entity::find_by_id(user_id).one(txn).await? else {
        return Ok(None);
    };
    let rows = module_progress::Entity::find()
        .filter(module_progress::Column::UserId.eq(user_id))
        .all(txn)
        .await?;
    let tz = crate::services::pacing::user_zone(txn, user_id).await?;
    let modules: Vec<CertificateModule> = course
        .modules
        .iter()
        .map(|m| {
            let row = rows.iter().find(|r| r.module_slug == m.slug);
            CertificateModule {
                number: m.number,
                title: m.title.clone(),
                completed_at: crate::local_time::date_of(
                    row.and_then(|r| r.completed_at).unwrap_or(now),
                    tz,
                ),
                best_score: row.and_then(|r| r.best_score),
            }
        })
        .collect();
    let (email_hash, email_salt) =
        email_identity(&user.email).map_err(|e| DbErr::Custom(e.to_string()))?;
    let learning_minutes = crate::services::learning_time::for_user(txn, user_id)
        .await?
        .total
        .0;
    let expires_at = course
        .valid_for_months
        .and_then(|m| now.checked_add_months(Months::new(m)));
    // A code collision is astronomically unlikely (60 bits), but handled: try again.
    for _ in 0..5 {
        let code = CertificateCode::generate().map_err(|e| DbErr::Custom(e.to_string()))?;
        let inserted = certificates::Entity::insert(certificates::ActiveModel {
            public_id: Set(Uuid::new_v4().to_string()),
            code: Set(code.as_str().to_string()),
            user_id: Set(Some(user_id)),
            holder_name: Set(user.name.clone()),
            email_hash: Set(email_hash.clone()),
            email_salt: Set(email_salt.clone()),
            course_slug: Set(course.slug.clone()),
            course_title: Set(course.title.clone()),
            course_version: Set(course.version.clone()),
            modules: Set(serde_json::to_string(&modules).unwrap_or_else(|_| "[]".into())),
            issued_at: Set(now),
            expires_at: Set(expires_at),
            revoked_at: Set(None),
            revoked_reason: Set(None),
            revoked_by: Set(None),
            holder_removed_at: Set(None),
            learning_minutes: Set(Some(i32::try_from(learning_minutes).unwrap_or(i32::MAX))),
            ..Default::default()
        })
        .exec(txn)
        .await;
        match inserted {
            Ok(r) => {
                tracing::info!(
                    user_id,
                    certificate = r.last_insert_id,
                    "certificate issued"
                );
                let issued = certificates::Entity::find_by_id(r.last_insert_id)
                    .one(txn)
                    .await?;
                if let Some(c) = &issued {
                    crate::services::webhooks::emit(
                        txn,
                        user_id,
                        crate::services::webhooks::EventKind::CertificateIssued,
                        &c.code,
                        crate::services::webhooks::certificate_data(c),
                        now,
                    )
                    .await?;
                }
                return Ok(issued);
            }
            Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {}
            Err(e) => return Err(e),
        }
    }
    Err(DbErr::Custom(
        "could not find a free certificate code".into(),
    ))
}

/// # Errors
/// When the database fails.
pub async fn by_code(
    db: &impl ConnectionTrait,
    code: &CertificateCode,
) -> Result<Option<certificates::Model>, DbErr> {
    certificates::Entity::find()
        .filter(certificates::Column::Code.eq(code.as_str()))
        .one(db)
        .await
}

/// The learner's certificates, newest first.
///
/// # Errors
/// When the database fails.
pub async fn for_user(
    db: &impl ConnectionTrait,
    user_id: i32,
) -> Result<Vec<certificates::Model>, DbErr> {
    certificates::Entity::find()
        .filter(certificates::Column::UserId.eq(user_id))
        .order_by_desc(certificates::Column::IssuedAt)
        .all(db)
        .await
}

/// Certificates whose holder name or code contains `query` (all when empty), newest first.
///
/// # Errors
/// When the database fails.
pub async fn search(
    db: &impl ConnectionTrait,
    query: &str,
    limit: u64,
) -> Result<Vec<certificates::Model>, DbErr> {
    let mut select = certificates::Entity::find().order_by_desc(certificates::Column::IssuedAt);
    let q = query.trim();
    if !q.is_empty() {
        let code = CertificateCode::parse(q)
            .map(|c| c.as_str().to_string())
            .unwrap_or_else(|| q.to_uppercase());
        select = select.filter(
            sea_orm::Condition::any()
                .add(certificates::Column::HolderName.contains(q))
                .add(certificates::Column::Code.contains(&code)),
        );
    }
    select.limit(limit).all(db).await
}

/// Revokes a certificate (idempotent: a revoked one keeps its first reason and date).
///
/// # Errors
/// When the database fails.
pub async fn revoke(
    db: &impl ConnectionTrait,
    cert: &certificates::Model,
    reason: &str,
    admin_id: i32,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let res = certificates::Entity::update_many()
        .col_expr(certificates::Column::RevokedAt, Expr::value(now))
        .col_expr(
            certificates::Column::RevokedReason,
            Expr::value(reason.to_string()),
        )
        .col_expr(certificates::Column::RevokedBy, Expr::value(admin_id))
        .filter(certificates::Column::Id.eq(cert.id))
        .filter(certificates::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    if let (true, Some(user_id)) = (res.rows_affected > 0, cert.user_id) {
        let mut data = crate::services::webhooks::certificate_data(cert);
        data["revoked_at"] =
            serde_json::json!(now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
        crate::services::webhooks::emit(
            db,
            user_id,
            crate::services::webhooks::EventKind::CertificateRevoked,
            &cert.code,
            data,
            now,
        )
        .await?;
    }
    Ok(())
}

pub fn modules_of(cert: &certificates::Model) -> Vec<CertificateModule> {
    serde_json::from_str(&cert.modules).unwrap_or_default()
}

/// What a certificate shows about its holder beyond its own row: the zone its dates are written
/// in and where the holder's plan stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HolderContext {
    /// The holder's organisation's time zone (the one `pacing::learner_cohort` picks), if any.
    pub time_zone: Option<String>,
    /// The newest plan submission that counts for the holder (their own or their cohort's team
    /// plan): when it was submitted and, once reviewed, when.
    pub plan: Option<(DateTime<Utc>, Option<DateTime<Utc>>)>,
}

impl HolderContext {
    pub fn zone(&self) -> chrono_tz::Tz {
        self.time_zone
            .as_deref()
            .map_or(crate::local_time::SERVICE_ZONE, crate::local_time::zone)
    }
}

/// The holder's context in one read (the certificate PDF's cache key needs it on every request):
/// the same choices as `pacing::user_zone` and `team_plan::latest_for_learner`, which take five.
///
/// # Errors
/// When the database fails.
pub async fn holder_context(
    db: &impl ConnectionTrait,
    user_id: i32,
) -> Result<HolderContext, DbErr> {
    use sea_orm::{DbBackend, Statement};
    let backend = db.get_database_backend();
    let p = |n: usize| match backend {
        DbBackend::Postgres => format!("${n}"),
        _ => "?".to_string(),
    };
    let sql = format!(
        "SELECT (SELECT o.time_zone FROM org_members m JOIN organisations o ON o.id = m.org_id \
           WHERE m.user_id = {} \
           ORDER BY CASE WHEN m.cohort_id IS NULL THEN 1 ELSE 0 END, m.joined_at DESC, m.id DESC \
           LIMIT 1) AS time_zone, s.submitted_at, s.reviewed_at \
         FROM (SELECT 1 AS one) AS x LEFT JOIN ( \
           SELECT submitted_at, reviewed_at FROM plan_submissions WHERE user_id = {} OR team_plan_id IN ( \
             SELECT t.id FROM team_plans t JOIN org_members tm ON tm.cohort_id = t.cohort_id \
             WHERE tm.user_id = {}) \
           ORDER BY submitted_at DESC, id DESC LIMIT 1) AS s ON 1 = 1",
        p(1),
        p(2),
        p(3)
    );
    let stmt = Statement::from_sql_and_values(
        backend,
        sql,
        [user_id.into(), user_id.into(), user_id.into()],
    );
    let Some(row) = db.query_one_raw(stmt).await? else {
        return Ok(HolderContext {
            time_zone: None,
            plan: None,
        });
    };
    let submitted: Option<DateTime<Utc>> = row.try_get("", "submitted_at")?;
    let reviewed: Option<DateTime<Utc>> = row.try_get("", "reviewed_at")?;
    Ok(HolderContext {
        time_zone: row.try_get("", "time_zone")?,
        plan: submitted.map(|s| (s, reviewed)),
    })
}
