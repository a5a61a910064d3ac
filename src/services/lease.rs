//! A durable work queue with leases, shared by the e-mail outbox and the webhook deliveries: a
//! sender claims due rows (pending and due, or `sending` with a lease that ran out because its
//! sender died), each claim counts as an attempt, and only the claim that holds a row may settle
//! it. On PostgreSQL the claim skips rows another instance has locked, so each row goes to one
//! sender.
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, LockBehavior, LockType, SimpleExpr};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};

/// A table that works as a leased queue: the columns the queue needs.
pub trait Queue: EntityTrait {
    const ID: Self::Column;
    const STATUS: Self::Column;
    const NEXT_ATTEMPT_AT: Self::Column;
    const CLAIM: Self::Column;
    const CLAIMED_UNTIL: Self::Column;
    const ATTEMPTS: Self::Column;
}

/// Rows a sender may take now.
pub fn due<E: Queue>(now: DateTime<Utc>) -> Condition {
    Condition::any()
        .add(
            Condition::all()
                .add(E::STATUS.eq("pending"))
                .add(E::NEXT_ATTEMPT_AT.lte(now)),
        )
        .add(
            Condition::all()
                .add(E::STATUS.eq("sending"))
                .add(E::CLAIMED_UNTIL.lt(now)),
        )
}

/// Claims up to `limit` due rows for `lease`; returns the claim and the rows it holds.
///
/// # Errors
/// When the database fails.
pub async fn claim<E: Queue>(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    limit: u64,
    lease: Duration,
) -> Result<(String, Vec<E::Model>), DbErr> {
    let claim = uuid::Uuid::new_v4().simple().to_string();
    let txn = db.begin_with_options(crate::db::WRITE).await?;
    let mut q = E::find()
        .select_only()
        .column(E::ID)
        .filter(due::<E>(now))
        .order_by_asc(E::ID)
        .limit(limit);
    if txn.get_database_backend() == DbBackend::Postgres {
        q = q.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    let ids: Vec<i32> = q.into_tuple().all(&txn).await?;
    if ids.is_empty() {
        txn.commit().await?;
        return Ok((claim, Vec::new()));
    }
    E::update_many()
        .col_expr(E::STATUS, Expr::value("sending"))
        .col_expr(E::CLAIM, Expr::value(claim.clone()))
        .col_expr(E::CLAIMED_UNTIL, Expr::value(now + lease))
        .col_expr(E::ATTEMPTS, Expr::col(E::ATTEMPTS).add(1))
        .filter(E::ID.is_in(ids))
        .exec(&txn)
        .await?;
    let claimed = E::find()
        .filter(E::CLAIM.eq(claim.clone()))
        .order_by_asc(E::ID)
        .all(&txn)
        .await?;
    txn.commit().await?;
    Ok((claim, claimed))
}

/// Settles a claimed row with `changes` (its new status and what to record), once: only the claim
/// that holds it can, and only while it is `sending`. The lease is cleared. Returns false when the
/// claim had been lost (the lease ran out and another sender took the row).
///
/// # Errors
/// When the database fails.
pub async fn settle<E: Queue>(
    db: &impl ConnectionTrait,
    id: i32,
    claim: &str,
    changes: Vec<(E::Column, SimpleExpr)>,
) -> Result<bool, DbErr> {
    let mut update =
        E::update_many().col_expr(E::CLAIMED_UNTIL, Expr::value(None::<DateTime<Utc>>));
    for (column, value) in changes {
        update = update.col_expr(column, value);
    }
    let res = update
        .filter(E::ID.eq(id))
        .filter(E::CLAIM.eq(claim))
        .filter(E::STATUS.eq("sending"))
        .exec(db)
        .await?;
    Ok(res.rows_affected > 0)
}
