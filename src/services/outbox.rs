//! The durable e-mail outbox. Messages are written in the caller's transaction ([`enqueue`]); a
//! sender claims due messages ([`claim`]), delivers them and marks each one ([`deliver_due`]).
//!
//! A claim is a lease: the row says `sending` until `claimed_until`, with a random claim id that
//! only its holder can use to mark it. On PostgreSQL the claim takes rows with `FOR UPDATE SKIP
//! LOCKED`, so several instances never claim the same message; on SQLite it runs in an `IMMEDIATE`
//! transaction, inside the single writer. A sender that dies after the SMTP server accepted a
//! message but before it marked it leaves the row `sending`: once the lease runs out it is sent
//! again, with the same `Message-ID`. Because one sender sends one message at a time, a crash can
//! duplicate at most the one message that was in flight.
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect,
};

use crate::entities::outbox;
use crate::services::lease;
use crate::services::mail::{Mailer, Outgoing};

/// Failed attempts (transient refusals, unreachable server) after which a message is dead-lettered.
pub const MAX_ATTEMPTS: i32 = 8;
/// How long a claim lasts: far longer than one SMTP transaction (30 s timeout) takes.
pub const LEASE_MINUTES: i64 = 10;
/// Messages claimed at a time.
pub const BATCH: u64 = 10;

/// A message to write to the outbox.
#[derive(Debug, Clone)]
pub struct NewMessage {
    pub dedupe_key: String,
    pub user_id: Option<i32>,
    pub kind: String,
    pub to_address: String,
    pub to_name: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub unsubscribe_url: Option<String>,
}

/// The wait before attempt `attempts + 1`: 2 minutes, doubling, at most 6 hours.
pub fn backoff(attempts: i32) -> Duration {
    let exp = u32::try_from(attempts.clamp(1, 16) - 1).unwrap_or(0);
    Duration::minutes(std::cmp::min(2_i64 << exp, 6 * 60))
}

/// Writes a message, in the caller's transaction. Returns false (and writes nothing) when a message
/// with the same key exists: that is what makes a scheduler pass idempotent.
///
/// # Errors
/// When the database fails.
pub async fn enqueue(
    db: &impl ConnectionTrait,
    msg: NewMessage,
    message_domain: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let message_id = format!("<{}@{}>", uuid::Uuid::new_v4().simple(), message_domain);
    let res = outbox::Entity::insert(outbox::ActiveModel {
        dedupe_key: Set(msg.dedupe_key),
        user_id: Set(msg.user_id),
        kind: Set(msg.kind),
        to_address: Set(msg.to_address),
        to_name: Set(msg.to_name),
        subject: Set(msg.subject),
        text_body: Set(msg.text),
        html_body: Set(msg.html),
        unsubscribe_url: Set(msg.unsubscribe_url),
        message_id: Set(message_id),
        status: Set("pending".into()),
        attempts: Set(0),
        next_attempt_at: Set(now),
        claimed_until: Set(None),
        claim: Set(None),
        last_error: Set(None),
        smtp_response: Set(None),
        created_at: Set(now),
        sent_at: Set(None),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::column(outbox::Column::DedupeKey)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(res > 0)
}

impl lease::Queue for outbox::Entity {
    const ID: outbox::Column = outbox::Column::Id;
    const STATUS: outbox::Column = outbox::Column::Status;
    const NEXT_ATTEMPT_AT: outbox::Column = outbox::Column::NextAttemptAt;
    const CLAIM: outbox::Column = outbox::Column::Claim;
    const CLAIMED_UNTIL: outbox::Column = outbox::Column::ClaimedUntil;
    const ATTEMPTS: outbox::Column = outbox::Column::Attempts;
}

/// Claims up to `limit` due messages for this sender. Each claim counts as an attempt, so a
/// message whose sender keeps dying is dead-lettered like one the server keeps refusing.
///
/// # Errors
/// When the database fails.
pub async fn claim(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    limit: u64,
) -> Result<(String, Vec<outbox::Model>), DbErr> {
    lease::claim::<outbox::Entity>(db, now, limit, Duration::minutes(LEASE_MINUTES)).await
}

/// Marks a claimed message sent, once: only the claim that holds it can, and only while it is
/// `sending`. Returns false when the claim had been lost (the lease ran out and another sender took it).
///
/// # Errors
/// When the database fails.
pub async fn mark_sent(
    db: &impl ConnectionTrait,
    id: i32,
    claim: &str,
    response: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    use outbox::Column as C;
    let changes = vec![
        (C::Status, Expr::value("sent")),
        (C::SentAt, Expr::value(now)),
        (C::SmtpResponse, Expr::value(response)),
    ];
    lease::settle::<outbox::Entity>(db, id, claim, changes).await
}

/// Records a failed attempt: retried after [`backoff`], or dead-lettered when it is permanent or the
/// attempts are used up. Returns true when the message is now dead.
///
/// # Errors
/// When the database fails.
pub async fn mark_failed(
    db: &impl ConnectionTrait,
    message: &outbox::Model,
    claim: &str,
    reason: &str,
    permanent: bool,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let dead = permanent || message.attempts >= MAX_ATTEMPTS;
    let reason: String = reason.chars().take(1000).collect();
    use outbox::Column as C;
    let changes = vec![
        (
            C::Status,
            Expr::value(if dead { "dead" } else { "pending" }),
        ),
        (C::LastError, Expr::value(reason)),
        (
            C::NextAttemptAt,
            Expr::value(now + backoff(message.attempts)),
        ),
    ];
    lease::settle::<outbox::Entity>(db, message.id, claim, changes).await?;
    Ok(dead)
}

/// What one sending pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Delivered {
    pub sent: u64,
    pub retrying: u64,
    pub dead: u64,
}

/// Delivers every due message, one at a time, until none is left (messages that fail wait for
/// their backoff and are not retried in the same pass).
///
/// # Errors
/// When the database fails (a message being sent stays claimed and is retried after its lease).
pub async fn deliver_due(
    db: &DatabaseConnection,
    mailer: &Mailer,
    clock: &crate::clock::Clock,
) -> Result<Delivered, DbErr> {
    let mut done = Delivered::default();
    loop {
        let (claim, batch) = claim(db, clock.now(), BATCH).await?;
        if batch.is_empty() {
            return Ok(done);
        }
        for m in &batch {
            let outgoing = Outgoing {
                to_name: &m.to_name,
                to_address: &m.to_address,
                subject: &m.subject,
                text: &m.text_body,
                html: &m.html_body,
                message_id: &m.message_id,
                unsubscribe_url: m.unsubscribe_url.as_deref(),
            };
            match mailer.deliver(&outgoing).await {
                Ok(response) => {
                    if mark_sent(db, m.id, &claim, &response, clock.now()).await? {
                        done.sent += 1;
                    } else {
                        tracing::warn!(
                            outbox_id = m.id,
                            "a message was sent after its claim ran out"
                        );
                    }
                }
                Err(failure) => {
                    tracing::warn!(outbox_id = m.id, kind = %m.kind, permanent = failure.permanent, reason = %failure.reason, "an e-mail was not accepted");
                    if mark_failed(
                        db,
                        m,
                        &claim,
                        &failure.reason,
                        failure.permanent,
                        clock.now(),
                    )
                    .await?
                    {
                        done.dead += 1;
                    } else {
                        done.retrying += 1;
                    }
                }
            }
        }
    }
}

/// Messages given up on, newest first (for the admin page).
///
/// # Errors
/// When the database fails.
pub async fn dead_letters(
    db: &impl ConnectionTrait,
    limit: u64,
) -> Result<Vec<outbox::Model>, DbErr> {
    outbox::Entity::find()
        .filter(outbox::Column::Status.eq("dead"))
        .order_by_desc(outbox::Column::Id)
        .limit(limit)
        .all(db)
        .await
}

/// Messages waiting to be sent that are due (for `send-reminders --dry-run`).
///
/// # Errors
/// When the database fails.
pub async fn due_now(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> Result<Vec<outbox::Model>, DbErr> {
    outbox::Entity::find()
        .filter(lease::due::<outbox::Entity>(now))
        .order_by_asc(outbox::Column::Id)
        .all(db)
        .await
}

/// Every message written for a person, oldest first (for their data export).
///
/// # Errors
/// When the database fails.
pub async fn for_user(
    db: &impl ConnectionTrait,
    user_id: i32,
) -> Result<Vec<outbox::Model>, DbErr> {
    outbox::Entity::find()
        .filter(outbox::Column::UserId.eq(user_id))
        .order_by_asc(outbox::Column::Id)
        .all(db)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_between_attempts_doubles_from_two_minutes_up_to_six_hours() {
        assert_eq!(backoff(1), Duration::minutes(2));
        assert_eq!(backoff(2), Duration::minutes(4));
        assert_eq!(backoff(3), Duration::minutes(8));
        assert_eq!(backoff(8), Duration::minutes(256));
        assert_eq!(backoff(20), Duration::hours(6));
    }
}
