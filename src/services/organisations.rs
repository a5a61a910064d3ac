//! Organisations, their members and cohorts, invitation links, bulk import and activation links.
use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    SqlErr, TransactionTrait,
    sea_query::{Expr, ExprTrait},
};

use crate::domain::import::{ImportRow, MemberRole};
use crate::entities::{activation_tokens, cohorts, invitations, org_members, organisations, users};
use crate::services::sessions::SignedIn;
use crate::services::{progress, sessions, tokens};

/// Activation and reset links work for this long.
pub const ACTIVATION_DAYS: i64 = 14;

#[derive(Debug, thiserror::Error)]
pub enum OrgError {
    #[error("that web address name is already used by another organisation")]
    SlugTaken,
    #[error("a cohort with that name already exists")]
    CohortTaken,
    #[error("no such cohort in this organisation")]
    NoSuchCohort,
    /// A `manager_email` that is neither in the file nor a member (the message names the line).
    #[error("{0}")]
    BadManager(String),
    #[error(transparent)]
    Db(#[from] DbErr),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// Checks an organisation's short name for its web address: lower-case letters, digits, hyphens.
///
/// # Errors
/// A sentence saying what is wrong.
pub fn parse_slug(s: &str) -> Result<String, String> {
    let s = s.trim().to_lowercase();
    let ok = (2..=64).contains(&s.len())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !s.starts_with('-')
        && !s.ends_with('-');
    if ok {
        Ok(s)
    } else {
        Err("Use 2 to 64 lower-case letters, numbers or hyphens, like nhs-trust-a".into())
    }
}

/// # Errors
/// `SlugTaken`, or a database failure.
pub async fn create(
    db: &impl ConnectionTrait,
    name: &str,
    slug: &str,
    now: DateTime<Utc>,
) -> Result<organisations::Model, OrgError> {
    let res = organisations::ActiveModel {
        slug: Set(slug.to_string()),
        name: Set(name.to_string()),
        require_admin_mfa: Set(false),
        created_at: Set(now),
        time_zone: Set(crate::local_time::DEFAULT_TIME_ZONE.to_string()),
        ..Default::default()
    }
    .insert(db)
    .await;
    match res {
        Ok(o) => Ok(o),
        Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            Err(OrgError::SlugTaken)
        }
        Err(e) => Err(e.into()),
    }
}

/// # Errors
/// When the database fails.
pub async fn by_slug(
    db: &impl ConnectionTrait,
    slug: &str,
) -> Result<Option<organisations::Model>, DbErr> {
    organisations::Entity::find()
        .filter(organisations::Column::Slug.eq(slug))
        .one(db)
        .await
}

/// # Errors
/// When the database fails.
pub async fn all(db: &impl ConnectionTrait) -> Result<Vec<organisations::Model>, DbErr> {
    organisations::Entity::find()
        .order_by_asc(organisations::Column::Name)
        .all(db)
        .await
}

/// The organisations a user administers (all of them for a platform admin).
///
/// # Errors
/// When the database fails.
pub async fn administered_by(
    db: &impl ConnectionTrait,
    user: &SignedIn,
) -> Result<Vec<organisations::Model>, DbErr> {
    if user.role == crate::domain::Role::PlatformAdmin {
        return all(db).await;
    }
    let ids: Vec<i32> = org_members::Entity::find()
        .filter(org_members::Column::UserId.eq(user.id))
        .filter(org_members::Column::Role.eq(MemberRole::OrgAdmin))
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.org_id)
        .collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    organisations::Entity::find()
        .filter(organisations::Column::Id.is_in(ids))
        .order_by_asc(organisations::Column::Name)
        .all(db)
        .await
}

/// The organisations (slug, name) a person is a course lead (org admin) of, by name: one query,
/// for the header of every page they see.
///
/// # Errors
/// When the database fails.
pub async fn led_by(
    db: &impl ConnectionTrait,
    user_id: i32,
) -> Result<Vec<(String, String)>, DbErr> {
    use sea_orm::sea_query::{Alias, JoinType, Order, Query};
    let mut q = Query::select();
    q.expr_as(
        Expr::col((organisations::Entity, organisations::Column::Slug)),
        Alias::new("slug"),
    )
    .expr_as(
        Expr::col((organisations::Entity, organisations::Column::Name)),
        Alias::new("name"),
    )
    .from(organisations::Entity)
    .join(
        JoinType::InnerJoin,
        org_members::Entity,
        Expr::col((org_members::Entity, org_members::Column::OrgId))
            .equals((organisations::Entity, organisations::Column::Id)),
    )
    .and_where(Expr::col((org_members::Entity, org_members::Column::UserId)).eq(user_id))
    .and_where(
        Expr::col((org_members::Entity, org_members::Column::Role))
            .eq(MemberRole::OrgAdmin.as_str()),
    )
    .order_by(
        (organisations::Entity, organisations::Column::Name),
        Order::Asc,
    );
    let backend = db.get_database_backend();
    db.query_all_raw(backend.build(&q))
        .await?
        .iter()
        .map(|r| Ok((r.try_get("", "slug")?, r.try_get("", "name")?)))
        .collect()
}

/// Whether `user` may administer `org_id`: a platform admin, or an org admin of that organisation.
///
/// # Errors
/// When the database fails.
pub async fn can_admin(
    db: &impl ConnectionTrait,
    user: &SignedIn,
    org_id: i32,
) -> Result<bool, DbErr> {
    if user.role == crate::domain::Role::PlatformAdmin {
        return Ok(true);
    }
    Ok(org_members::Entity::find()
        .filter(org_members::Column::OrgId.eq(org_id))
        .filter(org_members::Column::UserId.eq(user.id))
        .filter(org_members::Column::Role.eq(MemberRole::OrgAdmin))
        .one(db)
        .await?
        .is_some())
}

/// Whether `viewer` administers an organisation that `learner` belongs to (to see their attempts and certificates).
///
/// # Errors
/// When the database fails.
pub async fn administers_learner(
    db: &impl ConnectionTrait,
    viewer: &SignedIn,
    learner_id: i32,
) -> Result<bool, DbErr> {
    if viewer.role == crate::domain::Role::PlatformAdmin {
        return Ok(true);
    }
    let admin_of: Vec<i32> = org_members::Entity::find()
        .filter(org_members::Column::UserId.eq(viewer.id))
        .filter(org_members::Column::Role.eq(MemberRole::OrgAdmin))
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.org_id)
        .collect();
    if admin_of.is_empty() {
        return Ok(false);
    }
    Ok(org_members::Entity::find()
        .filter(org_members::Column::UserId.eq(learner_id))
        .filter(org_members::Column::OrgId.is_in(admin_of))
        .one(db)
        .await?
        .is_some())
}

/// Adds a person to an organisation, or updates their membership: an org admin role is never
/// downgraded by a later import, and a given cohort replaces the old one (one cohort per organisation).
///
/// # Errors
/// When the database fails.
pub async fn add_member(
    db: &impl ConnectionTrait,
    org_id: i32,
    user_id: i32,
    role: MemberRole,
    cohort_id: Option<i32>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let existing = org_members::Entity::find()
        .filter(org_members::Column::OrgId.eq(org_id))
        .filter(org_members::Column::UserId.eq(user_id))
        .one(db)
        .await?;
    match existing {
        Some(m) => {
            let role = if m.role == MemberRole::OrgAdmin {
                MemberRole::OrgAdmin
            } else {
                role
            };
            org_members::Entity::update_many()
                .col_expr(org_members::Column::Role, Expr::value(role))
                .col_expr(
                    org_members::Column::CohortId,
                    Expr::value(cohort_id.or(m.cohort_id)),
                )
                .filter(org_members::Column::Id.eq(m.id))
                .exec(db)
                .await?;
        }
        None => {
            org_members::Entity::insert(org_members::ActiveModel {
                org_id: Set(org_id),
                user_id: Set(user_id),
                role: Set(role),
                cohort_id: Set(cohort_id),
                joined_at: Set(now),
                ..Default::default()
            })
            .exec_without_returning(db)
            .await?;
        }
    }
    Ok(())
}

/// Removes a leaver from an organisation; their own records stay with their account.
///
/// # Errors
/// When the database fails.
pub async fn remove_member(
    db: &impl ConnectionTrait,
    org_id: i32,
    user_id: i32,
) -> Result<bool, DbErr> {
    let res = org_members::Entity::delete_many()
        .filter(org_members::Column::OrgId.eq(org_id))
        .filter(org_members::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    Ok(res.rows_affected > 0)
}

/// The user ids of the organisation's members, as a subquery (`user_id IN (…)`): an organisation
/// can have more people than one statement can bind as a list.
pub fn member_user_ids(org_id: i32) -> sea_orm::sea_query::SelectStatement {
    use sea_orm::sea_query::{Expr, ExprTrait, Query};
    Query::select()
        .column(org_members::Column::UserId)
        .from(org_members::Entity)
        .and_where(Expr::col(org_members::Column::OrgId).eq(org_id))
        .to_owned()
}

/// # Errors
/// When the database fails.
pub async fn member(
    db: &impl ConnectionTrait,
    org_id: i32,
    user_id: i32,
) -> Result<Option<org_members::Model>, DbErr> {
    org_members::Entity::find()
        .filter(org_members::Column::OrgId.eq(org_id))
        .filter(org_members::Column::UserId.eq(user_id))
        .one(db)
        .await
}

/// Moves a member to a cohort of the same organisation (or to none).
///
/// # Errors
/// When the database fails.
pub async fn set_cohort(
    db: &impl ConnectionTrait,
    org_id: i32,
    user_id: i32,
    cohort_id: Option<i32>,
) -> Result<bool, DbErr> {
    if let Some(c) = cohort_id
        && cohort(db, org_id, c).await?.is_none()
    {
        return Ok(false);
    }
    let res = org_members::Entity::update_many()
        .col_expr(org_members::Column::CohortId, Expr::value(cohort_id))
        .filter(org_members::Column::OrgId.eq(org_id))
        .filter(org_members::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    Ok(res.rows_affected > 0)
}

/// # Errors
/// When the database fails.
/// Whether the organisation's admins must use two-step verification.
///
/// # Errors
/// When the database fails.
pub async fn set_require_admin_mfa(
    db: &impl ConnectionTrait,
    org_id: i32,
    require: bool,
) -> Result<(), DbErr> {
    organisations::Entity::update_many()
        .col_expr(
            organisations::Column::RequireAdminMfa,
            sea_orm::sea_query::Expr::value(require),
        )
        .filter(organisations::Column::Id.eq(org_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Sets the organisation's time zone (an IANA name).
///
/// # Errors
/// When the database fails.
pub async fn set_time_zone(
    db: &impl ConnectionTrait,
    org_id: i32,
    zone: &str,
) -> Result<(), DbErr> {
    organisations::Entity::update_many()
        .col_expr(
            organisations::Column::TimeZone,
            sea_orm::sea_query::Expr::value(zone),
        )
        .filter(organisations::Column::Id.eq(org_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Locks (or unlocks) a cohort's modules until their release dates; false when the cohort is
/// not the organisation's.
///
/// # Errors
/// When the database fails.
pub async fn set_lock_modules(
    db: &impl ConnectionTrait,
    org_id: i32,
    cohort_id: i32,
    lock: bool,
) -> Result<bool, DbErr> {
    let res = cohorts::Entity::update_many()
        .col_expr(
            cohorts::Column::LockModules,
            sea_orm::sea_query::Expr::value(lock),
        )
        .filter(cohorts::Column::Id.eq(cohort_id))
        .filter(cohorts::Column::OrgId.eq(org_id))
        .exec(db)
        .await?;
    Ok(res.rows_affected > 0)
}

pub async fn cohorts_of(
    db: &impl ConnectionTrait,
    org_id: i32,
) -> Result<Vec<cohorts::Model>, DbErr> {
    cohorts::Entity::find()
        .filter(cohorts::Column::OrgId.eq(org_id))
        .order_by_asc(cohorts::Column::StartsOn)
        .all(db)
        .await
}

/// A cohort, only if it belongs to this organisation.
///
/// # Errors
/// When the database fails.
pub async fn cohort(
    db: &impl ConnectionTrait,
    org_id: i32,
    id: i32,
) -> Result<Option<cohorts::Model>, DbErr> {
    cohorts::Entity::find()
        .filter(cohorts::Column::OrgId.eq(org_id))
        .filter(cohorts::Column::Id.eq(id))
        .one(db)
        .await
}

/// # Errors
/// When the database fails.
pub async fn cohort_by_name(
    db: &impl ConnectionTrait,
    org_id: i32,
    name: &str,
) -> Result<Option<cohorts::Model>, DbErr> {
    cohorts::Entity::find()
        .filter(cohorts::Column::OrgId.eq(org_id))
        .filter(cohorts::Column::Name.eq(name))
        .one(db)
        .await
}

/// # Errors
/// `CohortTaken` when the organisation already has a cohort of that name.
pub async fn create_cohort(
    db: &impl ConnectionTrait,
    org_id: i32,
    name: &str,
    starts_on: DateTime<Utc>,
    weekly: bool,
    now: DateTime<Utc>,
) -> Result<cohorts::Model, OrgError> {
    let res = cohorts::ActiveModel {
        org_id: Set(org_id),
        name: Set(name.to_string()),
        starts_on: Set(starts_on),
        pacing: Set(if weekly { "weekly" } else { "self" }.to_string()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await;
    match res {
        Ok(c) => Ok(c),
        Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            Err(OrgError::CohortTaken)
        }
        Err(e) => Err(e.into()),
    }
}

/// Creates an invitation link and returns its token (shown once; only its hash is stored).
///
/// # Errors
/// When the database fails.
pub async fn create_invitation(
    db: &impl ConnectionTrait,
    org_id: i32,
    cohort_id: Option<i32>,
    created_by: i32,
    valid_days: i64,
    max_uses: Option<i32>,
    now: DateTime<Utc>,
) -> Result<String, OrgError> {
    let token = tokens::new_token()?;
    invitations::Entity::insert(invitations::ActiveModel {
        org_id: Set(org_id),
        cohort_id: Set(cohort_id),
        token_hash: Set(tokens::hash_token(&token)),
        created_by: Set(Some(created_by)),
        created_at: Set(now),
        expires_at: Set(now + Duration::days(valid_days)),
        max_uses: Set(max_uses),
        uses: Set(0),
        revoked_at: Set(None),
        ..Default::default()
    })
    .exec_without_returning(db)
    .await?;
    Ok(token)
}

/// # Errors
/// When the database fails.
pub async fn invitations_of(
    db: &impl ConnectionTrait,
    org_id: i32,
) -> Result<Vec<invitations::Model>, DbErr> {
    invitations::Entity::find()
        .filter(invitations::Column::OrgId.eq(org_id))
        .order_by_desc(invitations::Column::CreatedAt)
        .all(db)
        .await
}

/// # Errors
/// When the database fails.
pub async fn revoke_invitation(
    db: &impl ConnectionTrait,
    org_id: i32,
    id: i32,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let res = invitations::Entity::update_many()
        .col_expr(invitations::Column::RevokedAt, Expr::value(now))
        .filter(invitations::Column::OrgId.eq(org_id))
        .filter(invitations::Column::Id.eq(id))
        .filter(invitations::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(res.rows_affected > 0)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvitationState {
    Open,
    Expired,
    UsedUp,
    Revoked,
}

pub fn invitation_state(inv: &invitations::Model, now: DateTime<Utc>) -> InvitationState {
    if inv.revoked_at.is_some() {
        InvitationState::Revoked
    } else if inv.expires_at <= now {
        InvitationState::Expired
    } else if inv.max_uses.is_some_and(|m| inv.uses >= m) {
        InvitationState::UsedUp
    } else {
        InvitationState::Open
    }
}

/// The invitation behind a link, with its organisation and cohort.
///
/// # Errors
/// When the database fails.
pub async fn invitation(
    db: &impl ConnectionTrait,
    token: &str,
) -> Result<
    Option<(
        invitations::Model,
        organisations::Model,
        Option<cohorts::Model>,
    )>,
    DbErr,
> {
    if !tokens::plausible(token) {
        return Ok(None);
    }
    let Some(inv) = invitations::Entity::find()
        .filter(invitations::Column::TokenHash.eq(tokens::hash_token(token)))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let Some(org) = organisations::Entity::find_by_id(inv.org_id)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let cohort = match inv.cohort_id {
        Some(c) => cohorts::Entity::find_by_id(c).one(db).await?,
        None => None,
    };
    Ok(Some((inv, org, cohort)))
}

/// The user joins the invitation's organisation (and cohort), with its audit row, in one
/// transaction (the use is counted once per person).
///
/// # Errors
/// When the database fails.
pub async fn accept_invitation(
    db: &DatabaseConnection,
    clock: &crate::clock::Clock,
    token: &str,
    user_id: i32,
    ip: Option<String>,
) -> Result<Result<organisations::Model, InvitationState>, DbErr> {
    let now = clock.now();
    let txn = db.begin_with_options(crate::db::WRITE).await?;
    let Some((inv, org, _)) = invitation(&txn, token).await? else {
        return Ok(Err(InvitationState::Revoked));
    };
    let already = member(&txn, org.id, user_id).await?.is_some();
    if !already {
        let state = invitation_state(&inv, now);
        if state != InvitationState::Open {
            return Ok(Err(state));
        }
        // Counted with a guarded update, so two people racing for the last use cannot both get in.
        let mut update = invitations::Entity::update_many()
            .col_expr(
                invitations::Column::Uses,
                Expr::col(invitations::Column::Uses).add(1),
            )
            .filter(invitations::Column::Id.eq(inv.id))
            .filter(invitations::Column::RevokedAt.is_null());
        if let Some(max) = inv.max_uses {
            update = update.filter(invitations::Column::Uses.lt(max));
        }
        if update.exec(&txn).await?.rows_affected == 0 {
            return Ok(Err(InvitationState::UsedUp));
        }
    }
    add_member(
        &txn,
        org.id,
        user_id,
        MemberRole::Learner,
        inv.cohort_id,
        now,
    )
    .await?;
    crate::services::audit::record(
        &txn,
        clock,
        crate::services::audit::AuditEvent {
            actor: Some(user_id),
            action: crate::services::audit::AuditAction::InvitationAccepted,
            target: Some(format!("org:{}", org.id)),
            detail: Some(format!("user:{user_id}")),
            ip,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(Ok(org))
}

/// One person handled by an import.
#[derive(Debug, Clone)]
pub struct Imported {
    pub email: String,
    pub name: String,
    /// The activation link's token for a new account; `None` for an existing account added to the organisation.
    pub token: Option<String>,
}

/// What an import needs to e-mail each new person their activation link (when e-mail is on).
pub struct ActivationMail<'a> {
    pub templates: &'a handlebars::Handlebars<'static>,
    pub course_title: &'a str,
    pub base_url: &'a str,
    pub org_name: &'a str,
    pub message_domain: String,
}

impl ActivationMail<'_> {
    fn message(
        &self,
        user_id: i32,
        email: &str,
        name: &str,
        token: &str,
    ) -> anyhow::Result<crate::services::outbox::NewMessage> {
        use crate::messages::{Action, Kind, Letter};
        let letter = Letter {
            kind: Kind::Activation,
            subject: "set a password to start the course".into(),
            name: name.to_string(),
            paragraphs: vec![
                format!("{} has signed you up for {}.", self.org_name, self.course_title),
                format!(
                    "To start, choose a password with the link below. It works once, for {ACTIVATION_DAYS} days."
                ),
                "The course has five short modules, each with a quiz. You can do it at your own pace.".into(),
            ],
            action: Some(Action {
                label: "Choose your password".into(),
                url: format!("{}/activate/{token}", self.base_url),
            }),
            why: format!(
                "You are getting this because {} added you to the course. If you were not expecting it, you can ignore this e-mail.",
                self.org_name
            ),
            unsubscribe_url: None,
            preferences_url: None,
        };
        crate::services::reminders::compose(
            self.templates,
            self.course_title,
            format!("activation:{}", &tokens::hash_token(token)[..32]),
            Some(user_id),
            email,
            &letter,
        )
    }
}

/// Why [`resend_activation`] did not send.
#[derive(Debug)]
pub enum ResendError {
    NotPending,
    TooSoon(DateTime<Utc>),
    Db(DbErr),
    Other(anyhow::Error),
}

impl From<DbErr> for ResendError {
    fn from(e: DbErr) -> Self {
        Self::Db(e)
    }
}

/// A new activation link for someone who has not set a password yet, e-mailed through the outbox
/// in the caller's transaction; earlier unused links stop working. Refused when the last link was
/// made less than `gap` ago. Returns the address it went to.
///
/// # Errors
/// See [`ResendError`].
pub async fn resend_activation(
    txn: &impl ConnectionTrait,
    user_id: i32,
    now: DateTime<Utc>,
    gap: Duration,
    mail: &ActivationMail<'_>,
) -> Result<String, ResendError> {
    let Some(user) = users::Entity::find_by_id(user_id).one(txn).await? else {
        return Err(ResendError::NotPending);
    };
    if user.password_hash != crate::services::reports::UNSET_PASSWORD || user.disabled_at.is_some()
    {
        return Err(ResendError::NotPending);
    }
    let last = activation_tokens::Entity::find()
        .filter(activation_tokens::Column::UserId.eq(user_id))
        .filter(activation_tokens::Column::Purpose.eq("activate"))
        .order_by_desc(activation_tokens::Column::CreatedAt)
        .one(txn)
        .await?;
    if let Some(last) = last
        && last.created_at + gap > now
    {
        return Err(ResendError::TooSoon(last.created_at + gap));
    }
    activation_tokens::Entity::update_many()
        .col_expr(activation_tokens::Column::UsedAt, Expr::value(now))
        .filter(activation_tokens::Column::UserId.eq(user_id))
        .filter(activation_tokens::Column::Purpose.eq("activate"))
        .filter(activation_tokens::Column::UsedAt.is_null())
        .exec(txn)
        .await?;
    let token = tokens::new_token().map_err(ResendError::Other)?;
    activation_tokens::Entity::insert(activation_tokens::ActiveModel {
        user_id: Set(user.id),
        token_hash: Set(tokens::hash_token(&token)),
        purpose: Set("activate".into()),
        created_at: Set(now),
        expires_at: Set(now + Duration::days(ACTIVATION_DAYS)),
        used_at: Set(None),
        ..Default::default()
    })
    .exec_without_returning(txn)
    .await?;
    let msg = mail
        .message(user.id, &user.email, &user.name, &token)
        .map_err(ResendError::Other)?;
    crate::services::outbox::enqueue(txn, msg, &mail.message_domain, now).await?;
    Ok(user.email)
}

/// Creates an invitation link and e-mails it to `to`, in one transaction (the link and its
/// message are written together, or neither is).
///
/// # Errors
/// When the database fails or the message does not render.
#[allow(clippy::too_many_arguments)]
pub async fn invite_by_email(
    db: &DatabaseConnection,
    clock: &crate::clock::Clock,
    who: &crate::services::org_admin::OrgActor,
    cohort_id: Option<i32>,
    valid_days: i64,
    max_uses: Option<i32>,
    now: DateTime<Utc>,
    to: &crate::domain::Email,
    mail: &ActivationMail<'_>,
) -> Result<String, OrgError> {
    use crate::messages::{Action, Kind, Letter};
    let txn = db.begin_with_options(crate::db::WRITE).await?;
    let (org_id, created_by) = (who.org_id, who.actor.user_id);
    let token = create_invitation(
        &txn, org_id, cohort_id, created_by, valid_days, max_uses, now,
    )
    .await?;
    let letter = Letter {
        kind: Kind::Invitation,
        subject: format!("{} has invited you to the course", mail.org_name),
        name: String::new(),
        paragraphs: vec![
            format!(
                "{} has invited you to take {}.",
                mail.org_name, mail.course_title
            ),
            format!(
                "Use the link below to create an account or log in, and you will join their group. It works for {valid_days} days."
            ),
            "The course has five short modules, each with a quiz. You can do it at your own pace."
                .into(),
        ],
        action: Some(Action {
            label: "Accept the invitation".into(),
            url: format!("{}/invite/{token}", mail.base_url),
        }),
        why: format!(
            "You are getting this because a course lead at {} asked us to invite you. If you were not expecting it, you can ignore this e-mail.",
            mail.org_name
        ),
        unsubscribe_url: None,
        preferences_url: None,
    };
    let msg = crate::services::reminders::compose(
        mail.templates,
        mail.course_title,
        format!("invitation:{}", &tokens::hash_token(&token)[..32]),
        None,
        to.as_str(),
        &letter,
    )?;
    crate::services::outbox::enqueue(&txn, msg, &mail.message_domain, now).await?;
    // Who was invited is in the outbox row; the audit row says that an invitation was e-mailed.
    let event = who.actor.event_on(
        crate::services::audit::AuditAction::InvitationEmailed,
        format!("org:{org_id}"),
        Some(format!("days:{valid_days} max_uses:{max_uses:?}")),
    );
    crate::services::audit::record(&txn, clock, event).await?;
    txn.commit().await?;
    Ok(token)
}

/// Applies an already-validated import in one transaction: new people get accounts without a
/// password and a single-use activation token (e-mailed to them through the outbox, in the same
/// transaction, when `mail` is given); existing accounts join the organisation.
///
/// # Errors
/// When the database fails (nothing is written then).
pub async fn import(
    db: &DatabaseConnection,
    course_slug: &str,
    org_id: i32,
    cohort_id: Option<i32>,
    rows: &[ImportRow],
    now: DateTime<Utc>,
    mail: Option<&ActivationMail<'_>>,
) -> Result<Vec<Imported>, OrgError> {
    let txn = db.begin_with_options(crate::db::WRITE).await?;
    let out = import_in(&txn, course_slug, org_id, cohort_id, rows, now, mail).await?;
    txn.commit().await?;
    Ok(out)
}

/// The import inside the caller's transaction (which may add its audit row).
///
/// # Errors
/// When the database fails or the system has no randomness for activation links.
pub async fn import_in(
    txn: &impl ConnectionTrait,
    course_slug: &str,
    org_id: i32,
    cohort_id: Option<i32>,
    rows: &[ImportRow],
    now: DateTime<Utc>,
    mail: Option<&ActivationMail<'_>>,
) -> Result<Vec<Imported>, OrgError> {
    let mut out = Vec::with_capacity(rows.len());
    let mut ids = Vec::with_capacity(rows.len());
    for row in rows {
        let existing = users::Entity::find()
            .filter(users::Column::Email.eq(row.email.as_str()))
            .one(txn)
            .await?;
        let (user_id, token) = match existing {
            Some(u) => (u.id, None),
            None => {
                let user = users::ActiveModel {
                    email: Set(row.email.as_str().to_string()),
                    name: Set(row.name.as_str().to_string()),
                    // Not a PHC string: no password can ever match until the person activates.
                    password_hash: Set("!unset".into()),
                    role: Set(crate::domain::Role::Learner),
                    created_at: Set(now),
                    disabled_at: Set(None),
                    ..Default::default()
                }
                .insert(txn)
                .await?;
                progress::enrol(txn, course_slug, user.id, now).await?;
                let token = tokens::new_token()?;
                activation_tokens::Entity::insert(activation_tokens::ActiveModel {
                    user_id: Set(user.id),
                    token_hash: Set(tokens::hash_token(&token)),
                    purpose: Set("activate".into()),
                    created_at: Set(now),
                    expires_at: Set(now + Duration::days(ACTIVATION_DAYS)),
                    used_at: Set(None),
                    ..Default::default()
                })
                .exec_without_returning(txn)
                .await?;
                if let Some(mail) = mail {
                    let msg = mail.message(user.id, &user.email, &user.name, &token)?;
                    crate::services::outbox::enqueue(txn, msg, &mail.message_domain, now).await?;
                }
                (user.id, Some(token))
            }
        };
        add_member(txn, org_id, user_id, row.role, cohort_id, now).await?;
        if let Some(number) = &row.employee_number {
            set_employee_number(txn, org_id, user_id, Some(number.as_str())).await?;
        }
        ids.push(user_id);
        out.push(Imported {
            email: row.email.as_str().to_string(),
            name: row.name.as_str().to_string(),
            token,
        });
    }
    // Line managers last, so a manager may be a row further down the same file.
    for (row, user_id) in rows.iter().zip(ids) {
        let Some(manager) = &row.manager else {
            continue;
        };
        match crate::services::team::set_manager_in(txn, org_id, user_id, Some(manager), now).await
        {
            Ok(_) => {}
            Err(crate::services::team::TeamError::Db(e)) => return Err(e.into()),
            Err(e) => {
                return Err(OrgError::BadManager(format!(
                    "line {}: {} ({})",
                    row.line,
                    e,
                    manager.as_str()
                )));
            }
        }
    }
    Ok(out)
}

/// Sets (or with `None` clears) a member's employee number; false when they are not a member.
///
/// # Errors
/// When the database fails.
pub async fn set_employee_number(
    db: &impl ConnectionTrait,
    org_id: i32,
    user_id: i32,
    number: Option<&str>,
) -> Result<bool, DbErr> {
    let done = org_members::Entity::update_many()
        .col_expr(
            org_members::Column::EmployeeNumber,
            Expr::value(number.map(str::to_string)),
        )
        .filter(org_members::Column::OrgId.eq(org_id))
        .filter(org_members::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    Ok(done.rows_affected > 0)
}

/// The account behind an activation (or reset) link that can still be used.
///
/// # Errors
/// When the database fails.
pub async fn activation_user(
    db: &impl ConnectionTrait,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<users::Model>, DbErr> {
    if !tokens::plausible(token) {
        return Ok(None);
    }
    let Some(t) = activation_tokens::Entity::find()
        .filter(activation_tokens::Column::TokenHash.eq(tokens::hash_token(token)))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if t.used_at.is_some() || t.expires_at <= now {
        return Ok(None);
    }
    users::Entity::find_by_id(t.user_id)
        .one(db)
        .await
        .map(|u| u.filter(|u| u.disabled_at.is_none()))
}

/// Uses an activation link once: sets the password and ends any other sessions, in one transaction.
///
/// # Errors
/// When the database fails.
pub async fn activate(
    db: &DatabaseConnection,
    clock: &crate::clock::Clock,
    request: Activation<'_>,
) -> Result<Option<Activated>, anyhow::Error> {
    let now = clock.now();
    let txn = db.begin_with_options(crate::db::WRITE).await?;
    let Some(user) = activation_user(&txn, request.token, now).await? else {
        return Ok(None);
    };
    let used = activation_tokens::Entity::update_many()
        .col_expr(activation_tokens::Column::UsedAt, Expr::value(now))
        .filter(activation_tokens::Column::TokenHash.eq(tokens::hash_token(request.token)))
        .filter(activation_tokens::Column::UsedAt.is_null())
        .exec(&txn)
        .await?;
    if used.rows_affected == 0 {
        return Ok(None);
    }
    users::Entity::update_many()
        .col_expr(
            users::Column::PasswordHash,
            Expr::value(request.password_hash),
        )
        .filter(users::Column::Id.eq(user.id))
        .exec(&txn)
        .await?;
    sessions::end_all_for_user(&txn, user.id).await?;
    if let Some(old) = request.replaced_session {
        sessions::end(&txn, old).await?;
    }
    let actor = crate::services::audit::Actor {
        user_id: user.id,
        ip: request.ip,
    };
    crate::services::audit::record(
        &txn,
        clock,
        actor.event(crate::services::audit::AuditAction::AccountActivated, None),
    )
    .await?;
    // A second step already set up stays: such a person logs in with both.
    let outcome = if crate::services::mfa::enabled(&txn, user.id).await? {
        Activated::LogInWithCode
    } else {
        Activated::SignedIn(
            sessions::create(&txn, clock, user.id, request.timeouts, request.user_agent).await?,
        )
    };
    txn.commit().await?;
    Ok(Some(outcome))
}

/// What activating an account needs: the link's token, the new password's hash, and the request's
/// client address, user agent and any session it replaces.
pub struct Activation<'a> {
    pub token: &'a str,
    pub password_hash: String,
    pub ip: Option<String>,
    pub user_agent: Option<&'a str>,
    pub replaced_session: Option<&'a str>,
    pub timeouts: sessions::Timeouts,
}

/// How an activated person goes on: signed in with a new session token, or to the login page when
/// they have a second step to give.
pub enum Activated {
    SignedIn(String),
    LogInWithCode,
}

/// Whether the person belongs to the organisation.
///
/// # Errors
/// When the database fails.
pub async fn is_member(
    db: &impl ConnectionTrait,
    org_id: i32,
    user_id: i32,
) -> Result<bool, DbErr> {
    Ok(org_members::Entity::find()
        .filter(org_members::Column::OrgId.eq(org_id))
        .filter(org_members::Column::UserId.eq(user_id))
        .one(db)
        .await?
        .is_some())
}

/// How long an admin-issued password reset link works.
pub const RESET_HOURS: i64 = 24;

/// Why a reset link was not issued.
#[derive(Debug)]
pub enum ResetRefused {
    /// No such account, or not one this admin looks after.
    NotFound,
    /// Admins' passwords are reset only by a platform admin (an org admin must not be able to take
    /// over another admin's account).
    Admin,
    Db(DbErr),
    Unexpected(anyhow::Error),
}

impl From<DbErr> for ResetRefused {
    fn from(e: DbErr) -> Self {
        Self::Db(e)
    }
}

/// Issues a single-use password reset link (valid [`RESET_HOURS`]) for `user_id`, on behalf of
/// `issuer`: a platform admin for anyone, an org admin for the learners of their organisations.
/// Earlier unused reset links for that person stop working. The link, its audit row and (with
/// `mail`) its e-mail in the outbox are written in one transaction. Returns the account and the
/// token.
///
/// # Errors
/// See [`ResetRefused`].
pub async fn issue_reset(
    db: &DatabaseConnection,
    clock: &crate::clock::Clock,
    issuer: &SignedIn,
    ip: Option<String>,
    user_id: i32,
    mail: Option<&ResetMail<'_>>,
) -> Result<(users::Model, String), ResetRefused> {
    let now = clock.now();
    let Some(target) = users::Entity::find_by_id(user_id)
        .one(db)
        .await?
        .filter(|u| u.disabled_at.is_none() && u.anonymised_at.is_none())
    else {
        return Err(ResetRefused::NotFound);
    };
    if issuer.role != crate::domain::Role::PlatformAdmin {
        if !administers_learner(db, issuer, user_id).await? {
            return Err(ResetRefused::NotFound);
        }
        let is_admin = target.role == crate::domain::Role::PlatformAdmin
            || org_members::Entity::find()
                .filter(org_members::Column::UserId.eq(user_id))
                .filter(org_members::Column::Role.eq(MemberRole::OrgAdmin))
                .one(db)
                .await?
                .is_some();
        if is_admin {
            return Err(ResetRefused::Admin);
        }
    }
    let token = tokens::new_token().map_err(ResetRefused::Unexpected)?;
    let txn = db.begin_with_options(crate::db::WRITE).await?;
    activation_tokens::Entity::update_many()
        .col_expr(activation_tokens::Column::UsedAt, Expr::value(now))
        .filter(activation_tokens::Column::UserId.eq(user_id))
        .filter(activation_tokens::Column::Purpose.eq("reset"))
        .filter(activation_tokens::Column::UsedAt.is_null())
        .exec(&txn)
        .await?;
    activation_tokens::Entity::insert(activation_tokens::ActiveModel {
        user_id: Set(user_id),
        token_hash: Set(tokens::hash_token(&token)),
        purpose: Set("reset".into()),
        created_at: Set(now),
        expires_at: Set(now + Duration::hours(RESET_HOURS)),
        used_at: Set(None),
        ..Default::default()
    })
    .exec_without_returning(&txn)
    .await?;
    let actor = crate::services::audit::Actor {
        user_id: issuer.id,
        ip,
    };
    let event = actor.event_on(
        crate::services::audit::AuditAction::ResetLinkIssued,
        format!("user:{}", target.id),
        None,
    );
    crate::services::audit::record(&txn, clock, event).await?;
    if let Some(mail) = mail {
        let msg = mail
            .message(&target, &token)
            .map_err(ResetRefused::Unexpected)?;
        crate::services::outbox::enqueue(&txn, msg, &mail.message_domain, now).await?;
    }
    txn.commit().await?;
    Ok((target, token))
}

/// What an admin-issued reset link needs to go by e-mail.
pub struct ResetMail<'a> {
    pub templates: &'a handlebars::Handlebars<'static>,
    pub course_title: &'a str,
    pub base_url: &'a str,
    pub message_domain: String,
}

impl ResetMail<'_> {
    fn message(
        &self,
        to: &users::Model,
        token: &str,
    ) -> anyhow::Result<crate::services::outbox::NewMessage> {
        use crate::messages::{Action, Kind, Letter};
        let letter = Letter {
            kind: Kind::PasswordReset,
            subject: "choose a new password".into(),
            name: to.name.clone(),
            paragraphs: vec![
                "An administrator of the course has issued you a link to choose a new password.".into(),
                format!(
                    "It works once, for {RESET_HOURS} hours, and logs you out on every device. If you use two-step verification, you still need your code."
                ),
            ],
            action: Some(Action {
                label: "Choose a new password".into(),
                url: format!("{}/activate/{token}", self.base_url),
            }),
            why: "You are getting this because an administrator reset your password. If you did not expect it, tell your administrator. We cannot stop these account e-mails: they keep your account safe.".into(),
            unsubscribe_url: None,
            preferences_url: None,
        };
        crate::services::reminders::compose(
            self.templates,
            self.course_title,
            format!("password_reset:{}", &tokens::hash_token(token)[..32]),
            Some(to.id),
            &to.email,
            &letter,
        )
    }
}
