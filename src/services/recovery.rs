//! Self-service "Forgotten your password?": a single-use, short-lived reset link by e-mail, written
//! to the outbox in the same transaction as the link itself. The caller shows the same answer
//! whatever happens here, so nobody can learn whether an address has an account.
use chrono::{DateTime, Duration, Utc};
use handlebars::Handlebars;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    TransactionTrait,
};

use crate::clock::Clock;
use crate::config::Settings;
use crate::domain::Email;
use crate::entities::{activation_tokens, users};
use crate::messages::{Action, Kind, Letter};
use crate::services::audit::{self, AuditEvent};
use crate::services::{outbox, reminders, tokens};

/// How long a self-service reset link works.
pub const LINK_MINUTES: i64 = 60;
/// Reset e-mails sent to one address in an hour, at most.
pub const PER_ADDRESS_PER_HOUR: u64 = 3;

/// What happened (for the log and the tests; the person is shown the same page whatever it is).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Queued,
    NoAccount,
    TooMany,
    MailOff,
}

/// Issues a reset link for the address, if it has an account, and queues the e-mail.
///
/// # Errors
/// When the database fails or the message does not render.
#[allow(clippy::too_many_arguments)]
pub async fn request_reset(
    db: &DatabaseConnection,
    templates: &Handlebars<'static>,
    course_title: &str,
    settings: &Settings,
    clock: &Clock,
    email: &Email,
    ip: Option<String>,
) -> anyhow::Result<Outcome> {
    if settings.smtp.is_none() {
        return Ok(Outcome::MailOff);
    }
    let now: DateTime<Utc> = clock.now();
    // An address without an account goes through the same steps (a token, the letter, the write
    // transaction and its count) without storing anything, so the answer takes about as long
    // either way and its timing does not tell whether the address has an account.
    let user = users::Entity::find()
        .filter(users::Column::Email.eq(email.as_str()))
        .one(db)
        .await?
        .filter(|u| u.disabled_at.is_none() && u.anonymised_at.is_none());
    let (user_id, name) = user
        .as_ref()
        .map_or((0, String::new()), |u| (u.id, u.name.clone()));
    let token = tokens::new_token()?;
    let token_hash = tokens::hash_token(&token);
    let letter = Letter {
        kind: Kind::PasswordReset,
        subject: "reset your password".into(),
        name,
        paragraphs: vec![
            "We received a request to reset the password for your account.".into(),
            format!(
                "Use the link below to choose a new password. It works once, for {LINK_MINUTES} minutes, and logs you out on every device."
            ),
            "If you did not ask for this, you can ignore this e-mail. Your password has not changed.".into(),
        ],
        action: Some(Action {
            label: "Choose a new password".into(),
            url: format!("{}/activate/{token}", settings.base_url),
        }),
        why: "You are getting this because someone asked to reset your password on the course website. We cannot stop these account e-mails: they keep your account safe.".into(),
        unsubscribe_url: None,
        preferences_url: None,
    };
    let msg = reminders::compose(
        templates,
        course_title,
        format!("password_reset:{}", &token_hash[..32]),
        user.as_ref().map(|u| u.id),
        email.as_str(),
        &letter,
    )?;
    let txn = db.begin_with_options(crate::db::WRITE).await?;
    // Counted inside the write transaction, so concurrent requests cannot all slip under the limit.
    let recent = activation_tokens::Entity::find()
        .filter(activation_tokens::Column::UserId.eq(user_id))
        .filter(activation_tokens::Column::Purpose.eq("reset"))
        .filter(activation_tokens::Column::CreatedAt.gt(now - Duration::hours(1)))
        .count(&txn)
        .await?;
    let Some(user) = user else {
        txn.rollback().await?;
        return Ok(Outcome::NoAccount);
    };
    if recent >= PER_ADDRESS_PER_HOUR {
        txn.commit().await?;
        return Ok(Outcome::TooMany);
    }
    activation_tokens::Entity::update_many()
        .col_expr(activation_tokens::Column::UsedAt, Expr::value(now))
        .filter(activation_tokens::Column::UserId.eq(user.id))
        .filter(activation_tokens::Column::Purpose.eq("reset"))
        .filter(activation_tokens::Column::UsedAt.is_null())
        .exec(&txn)
        .await?;
    activation_tokens::Entity::insert(activation_tokens::ActiveModel {
        user_id: Set(user.id),
        token_hash: Set(token_hash),
        purpose: Set("reset".into()),
        created_at: Set(now),
        expires_at: Set(now + Duration::minutes(LINK_MINUTES)),
        used_at: Set(None),
        ..Default::default()
    })
    .exec_without_returning(&txn)
    .await?;
    outbox::enqueue(&txn, msg, &reminders::message_domain(settings), now).await?;
    audit::record(
        &txn,
        clock,
        AuditEvent {
            actor: None,
            action: crate::services::audit::AuditAction::PasswordResetRequested,
            target: Some(format!("user:{}", user.id)),
            detail: None,
            ip,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(Outcome::Queued)
}
