//! Keeping the session cache exact: applying the change events that triggers record (see the
//! module above), on SQLite by reading `cache_events`, on PostgreSQL through LISTEN/NOTIFY.
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, Statement, Value};
use tokio::sync::{Notify, watch};

use super::SessionCache;

const CHANNEL: &str = "deepdive_cache";

/// How this process hears of changes.
pub struct CacheSync {
    cache: Arc<SessionCache>,
    /// SQLite: the last event applied.
    applied: AtomicI64,
    /// PostgreSQL: this instance's listener and its barrier.
    pg: Option<PgChannel>,
    /// How many times the listener has connected (PostgreSQL).
    connections: AtomicU64,
}

struct PgChannel {
    url: String,
    /// Tells this instance's own sync notifications apart from other instances'.
    instance: String,
    sent: AtomicU64,
    heard: watch::Sender<u64>,
    /// Asks the listener to connect again (a ping went unanswered).
    reconnect: Notify,
}

impl CacheSync {
    /// Prepares the sync for this database: on SQLite the cache is live at once; on PostgreSQL it
    /// stays off until [`CacheSync::spawn`] has its listener running.
    ///
    /// # Errors
    /// When the database fails.
    pub async fn start(
        db: &DatabaseConnection,
        database_url: Option<&str>,
    ) -> Result<(Arc<SessionCache>, Arc<Self>), DbErr> {
        let postgres = db.get_database_backend() == DbBackend::Postgres;
        let cache = Arc::new(SessionCache::new(!postgres, !postgres));
        let pg = match (postgres, database_url) {
            (true, Some(url)) => Some(PgChannel {
                url: url.to_string(),
                instance: uuid::Uuid::new_v4().simple().to_string(),
                sent: AtomicU64::new(0),
                heard: watch::Sender::new(0),
                reconnect: Notify::new(),
            }),
            _ => None,
        };
        let applied = if postgres { 0 } else { latest_event(db).await? };
        let sync = Arc::new(CacheSync {
            cache: cache.clone(),
            applied: AtomicI64::new(applied),
            pg,
            connections: AtomicU64::new(0),
        });
        Ok((cache, sync))
    }

    /// Applies every change committed so far. On SQLite: the events not yet applied. On PostgreSQL:
    /// a barrier (a notification of our own, which arrives after every one committed before it).
    /// When that fails the cache is turned off, so nothing stale is served.
    ///
    /// # Errors
    /// When the database fails (SQLite; the cache is emptied first).
    pub async fn sync(&self, db: &DatabaseConnection) -> Result<(), DbErr> {
        match &self.pg {
            None => self.apply_sqlite(db).await,
            Some(pg) => {
                if self.cache.is_live() && !pg.barrier(db).await {
                    tracing::warn!(
                        "the cache channel did not answer: reading sessions from the database"
                    );
                    self.cache.set_live(false);
                    pg.reconnect.notify_one();
                }
                Ok(())
            }
        }
    }

    /// How many times the PostgreSQL listener has connected (0 on SQLite).
    pub fn connections(&self) -> u64 {
        self.connections.load(Ordering::Acquire)
    }

    async fn apply_sqlite(&self, db: &DatabaseConnection) -> Result<(), DbErr> {
        let after = self.applied.load(Ordering::Acquire);
        let rows = match db
            .query_all_raw(Statement::from_sql_and_values(
                DbBackend::Sqlite,
                "SELECT seq, user_id FROM cache_events WHERE seq > ? ORDER BY seq",
                [Value::from(after)],
            ))
            .await
        {
            Ok(rows) => rows,
            Err(e) => {
                self.cache.invalidate_all();
                return Err(e);
            }
        };
        let mut last = after;
        for row in rows {
            let seq: i64 = row.try_get("", "seq")?;
            match row.try_get::<Option<i32>>("", "user_id")? {
                Some(user_id) => self.cache.invalidate_user(user_id),
                None => self.cache.invalidate_all(),
            }
            last = last.max(seq);
        }
        self.applied.fetch_max(last, Ordering::AcqRel);
        Ok(())
    }

    /// Starts what keeps the cache exact in the background: on SQLite a read of new events every
    /// 200 ms (and a clean-up of applied ones every minute); on PostgreSQL the listener and a ping
    /// every second.
    pub fn spawn(self: &Arc<Self>, db: DatabaseConnection) {
        match &self.pg {
            None => {
                let sync = self.clone();
                tokio::spawn(async move {
                    let mut tick = tokio::time::interval(Duration::from_millis(200));
                    let mut ticks: u32 = 0;
                    loop {
                        tick.tick().await;
                        if let Err(e) = sync.apply_sqlite(&db).await {
                            tracing::warn!(error = %e, "reading cache events failed");
                        }
                        ticks = ticks.wrapping_add(1);
                        if ticks.is_multiple_of(300) {
                            let upto = sync.applied.load(Ordering::Acquire);
                            if let Err(e) = prune(&db, upto).await {
                                tracing::warn!(error = %e, "pruning cache events failed");
                            }
                        }
                    }
                });
            }
            Some(_) => {
                let listener = self.clone();
                tokio::spawn(async move { listener.listen().await });
                let pinger = self.clone();
                tokio::spawn(async move {
                    let mut tick = tokio::time::interval(Duration::from_secs(1));
                    loop {
                        tick.tick().await;
                        let _ = pinger.sync(&db).await;
                    }
                });
            }
        }
    }

    /// PostgreSQL: LISTEN on the change channel, for as long as the process runs, reconnecting
    /// when the connection drops (the cache is off meanwhile and starts empty again).
    async fn listen(self: Arc<Self>) {
        use sea_orm::sqlx::postgres::PgListener;
        let Some(pg) = &self.pg else { return };
        loop {
            match PgListener::connect(&pg.url).await {
                Ok(mut listener) => match listener.listen(CHANNEL).await {
                    Ok(()) => {
                        self.connections.fetch_add(1, Ordering::AcqRel);
                        self.cache.set_live(true);
                        tracing::info!("listening for cache changes");
                        loop {
                            tokio::select! {
                                n = listener.try_recv() => match n {
                                    Ok(Some(n)) => self.heard(pg, n.payload()),
                                    Ok(None) | Err(_) => break,
                                },
                                () = pg.reconnect.notified() => break,
                            }
                        }
                        self.cache.set_live(false);
                        tracing::warn!(
                            "the cache channel is down: reading sessions from the database"
                        );
                    }
                    Err(e) => tracing::warn!(error = %e, "cannot LISTEN for cache changes"),
                },
                Err(e) => tracing::warn!(error = %e, "cannot connect to LISTEN for cache changes"),
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }

    fn heard(&self, pg: &PgChannel, payload: &str) {
        if let Some(rest) = payload.strip_prefix("sync:") {
            if let Some((instance, n)) = rest.split_once(':')
                && instance == pg.instance
                && let Ok(n) = n.parse::<u64>()
            {
                pg.heard.send_if_modified(|h| {
                    let newer = n > *h;
                    if newer {
                        *h = n;
                    }
                    newer
                });
            }
            return;
        }
        match payload.parse::<i32>() {
            Ok(user_id) => self.cache.invalidate_user(user_id),
            Err(_) => self.cache.invalidate_all(),
        }
    }
}

impl PgChannel {
    /// Sends a notification of our own and waits (at most two seconds) until the listener hears it.
    async fn barrier(&self, db: &DatabaseConnection) -> bool {
        let n = self.sent.fetch_add(1, Ordering::AcqRel) + 1;
        let mut heard = self.heard.subscribe();
        let payload = format!("sync:{}:{n}", self.instance);
        let sent = db
            .execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT pg_notify($1, $2)",
                [Value::from(CHANNEL), Value::from(payload)],
            ))
            .await;
        if sent.is_err() {
            return false;
        }
        tokio::time::timeout(Duration::from_secs(2), heard.wait_for(|h| *h >= n))
            .await
            .is_ok_and(|r| r.is_ok())
    }
}

async fn latest_event(db: &DatabaseConnection) -> Result<i64, DbErr> {
    let row = db
        .query_one_raw(Statement::from_string(
            DbBackend::Sqlite,
            "SELECT coalesce(max(seq), 0) AS seq FROM cache_events",
        ))
        .await?;
    match row {
        Some(r) => r.try_get("", "seq"),
        None => Ok(0),
    }
}

async fn prune(db: &DatabaseConnection, upto: i64) -> Result<(), DbErr> {
    db.execute_raw(Statement::from_sql_and_values(
        DbBackend::Sqlite,
        // Kept for a minute after this process applied them: a second process on the same file
        // (a test, or a short overlap while the server restarts) reads them too.
        "DELETE FROM cache_events WHERE seq <= ? \
         AND at < strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-60 seconds')",
        [Value::from(upto)],
    ))
    .await
    .map(|_| ())
}
