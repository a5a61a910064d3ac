//! Connecting to the database: the embedded SQLite file by default, PostgreSQL when `DATABASE_URL` says so.
use std::time::Duration;

use anyhow::Context;
use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend};

use crate::config::Settings;

pub mod group_commit;
pub use group_commit::Writer;

/// Options for a transaction that writes: on SQLite it takes the write lock at `BEGIN IMMEDIATE`,
/// where `busy_timeout` makes concurrent writers queue. A deferred transaction that reads first and
/// then writes fails at once with "database is locked" when another writer committed in between
/// (the busy handler is not consulted for that upgrade). PostgreSQL ignores the mode.
pub const WRITE: sea_orm::TransactionOptions = sea_orm::TransactionOptions {
    isolation_level: None,
    access_mode: None,
    sqlite_transaction_mode: Some(sea_orm::SqliteTransactionMode::Immediate),
};

/// At most this many ids go into one `IN (…)` list: SQLite refuses a statement with more than
/// 32,766 bound values, and an organisation or a cohort can have more people than that.
pub const IDS_PER_QUERY: usize = 10_000;

/// Every row `query` finds for `ids`, asked in chunks of [`IDS_PER_QUERY`] ids (each chunk its own
/// statement, so a long list never exceeds the database's limit on bound values).
///
/// # Errors
/// When the database fails.
pub async fn all_in_chunks<E: sea_orm::EntityTrait>(
    db: &impl sea_orm::ConnectionTrait,
    ids: &[i32],
    query: impl Fn(Vec<i32>) -> sea_orm::Select<E>,
) -> Result<Vec<E::Model>, sea_orm::DbErr> {
    let mut out = Vec::new();
    for chunk in ids.chunks(IDS_PER_QUERY) {
        out.extend(query(chunk.to_vec()).all(db).await?);
    }
    Ok(out)
}

/// Opens the database (creating the SQLite file and its folder when needed).
///
/// # Errors
/// When the folder cannot be created or the database does not answer.
pub async fn connect(settings: &Settings) -> anyhow::Result<DatabaseConnection> {
    let url = match &settings.database_url {
        Some(url) => url.clone(),
        None => {
            std::fs::create_dir_all(&settings.data_dir).with_context(|| {
                format!(
                    "cannot create the data directory {}",
                    settings.data_dir.display()
                )
            })?;
            let path = settings.data_dir.join("deepdive.db");
            format!("sqlite://{}?mode=rwc", path.display())
        }
    };
    let mut options = ConnectOptions::new(url.clone());
    options
        .sqlx_logging(false)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(10));
    if url.starts_with("sqlite:") {
        let full = settings.sqlite_synchronous_full;
        options.max_connections(8).min_connections(1);
        options.map_sqlx_sqlite_opts(move |o| {
            use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(if full {
                    SqliteSynchronous::Full
                } else {
                    SqliteSynchronous::Normal
                })
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(5))
                .create_if_missing(true)
                // Reads come straight from the OS page cache through a memory map instead of a
                // read() call per page, each connection keeps a larger cache of its own, and sorts
                // stay in memory: together they more than halve the organisation report's time.
                .pragma("mmap_size", "268435456")
                // Keeps the query planner's statistics fresh (SQLite's advice for long-lived connections).
                .optimize_on_close(true, Some(400))
        });
    } else {
        options.max_connections(16).min_connections(1);
    }
    let db = Database::connect(options)
        .await
        .context("cannot connect to the database")?;
    Ok(db)
}

/// Applies pending migrations.
///
/// # Errors
/// When a migration fails.
pub async fn migrate(db: &DatabaseConnection, settings: &Settings) -> anyhow::Result<()> {
    let url = settings
        .database_url
        .clone()
        .filter(|_| db.get_database_backend() == DbBackend::Postgres);
    let Some(url) = url else {
        // SQLite: one process owns the file; the migrator's own transaction is enough.
        return Migrator::up(db, None)
            .await
            .context("cannot apply the database migrations");
    };
    // PostgreSQL: several instances may start at once. A session-level advisory lock held on one
    // dedicated connection makes them take turns; the migrator runs on that same connection.
    let mut options = ConnectOptions::new(url);
    options
        .max_connections(1)
        .min_connections(1)
        .sqlx_logging(false);
    let conn = Database::connect(options)
        .await
        .context("cannot connect to the database to migrate")?;
    conn.execute_unprepared("SELECT pg_advisory_lock(7265726)")
        .await?;
    let result = Migrator::up(&conn, None).await;
    conn.execute_unprepared("SELECT pg_advisory_unlock(7265726)")
        .await?;
    let _ = conn.close().await;
    result.context("cannot apply the database migrations")
}

/// Writes a consistent copy of a live SQLite database (`VACUUM INTO`: one read transaction, so
/// writers carry on and the copy is a single point in time).
///
/// # Errors
/// When the file cannot be written.
pub async fn backup_sqlite(db: &DatabaseConnection, file: &std::path::Path) -> anyhow::Result<()> {
    use sea_orm::{Statement, Value};
    let path = file
        .to_str()
        .context("the backup path is not valid UTF-8")?
        .to_string();
    db.execute_raw(Statement::from_sql_and_values(
        DbBackend::Sqlite,
        "VACUUM INTO ?",
        [Value::from(path)],
    ))
    .await
    .with_context(|| format!("cannot write the backup to {}", file.display()))?;
    Ok(())
}
