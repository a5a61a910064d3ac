//! Group commit: one writer task owns the hot write path on SQLite.
//!
//! With `synchronous=FULL` every SQLite commit is an fsync, and SQLite has one writer, so a
//! transaction per request caps writes near the disk's fsync rate (~500/s on the benchmark VM).
//! The writer task takes the first job that arrives, drains whatever else is already queued (up
//! to [`MAX_BATCH`]), runs them all in ONE `BEGIN IMMEDIATE` transaction, each inside its own
//! savepoint, and commits once. Only after that commit does it answer each job: an acknowledged
//! write is on disk. A job that fails rolls back its own savepoint and fails only its own request;
//! a failed `COMMIT` fails every job of the batch (none of them was acknowledged).
//!
//! On PostgreSQL several instances share the database and the server has group commit of its
//! own, so [`Writer::run`] simply runs the job in its own transaction on the pool. Callers have
//! one code path either way.
//!
//! Jobs run one after another on the writer's connection: they must only talk to the database.
//! Score, verify, draw and render before sending the job.
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use sea_orm::{DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, TransactionTrait};
use tokio::sync::{mpsc, oneshot};

/// The most jobs one transaction carries. Enough to fill a commit at 64 concurrent writers; a
/// bound so that one batch's latency stays small.
pub const MAX_BATCH: usize = 128;
/// Jobs waiting for the writer beyond this make their senders wait (back-pressure).
const QUEUE: usize = 1024;

/// What the writer calls once the batch's fate is known: `Ok` after a successful COMMIT.
type Answer = Box<dyn FnOnce(Result<(), DbErr>) + Send>;
/// A job as the writer task sees it: given the batch transaction (or the reason there is none),
/// runs in a savepoint of it and gives the answer to send once the batch's fate is known.
type Job =
    Box<dyn for<'t> FnOnce(Result<&'t DatabaseTransaction, DbErr>) -> BoxFuture<'t, Answer> + Send>;

/// A job's body as a value (for jobs built in one place and run in another).
pub type BoxedJob<T, E> = Box<
    dyn for<'t> FnOnce(&'t DatabaseTransaction) -> BoxFuture<'t, Result<T, E>> + Send + 'static,
>;

/// Counters for tests and diagnostics.
#[derive(Debug, Default)]
struct Stats {
    batches: AtomicU64,
    jobs: AtomicU64,
}

/// The handle requests use to write. Cheap to clone.
#[derive(Clone)]
pub struct Writer {
    db: DatabaseConnection,
    queue: Option<mpsc::Sender<Job>>,
    stats: Arc<Stats>,
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer")
            .field("group_commit", &self.queue.is_some())
            .field("stats", &self.stats)
            .finish()
    }
}

impl Writer {
    /// A writer for this database: on SQLite it spawns the writer task (call inside a Tokio
    /// runtime); on PostgreSQL each job gets its own transaction on the pool.
    pub fn start(db: &DatabaseConnection) -> Self {
        let stats = Arc::new(Stats::default());
        let queue = (db.get_database_backend() == DbBackend::Sqlite).then(|| {
            let (tx, rx) = mpsc::channel(QUEUE);
            tokio::spawn(writer_task(db.clone(), rx, Arc::clone(&stats)));
            tx
        });
        Self {
            db: db.clone(),
            queue,
            stats,
        }
    }

    /// The connection pool, for the reads around a write.
    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Transactions the writer task has ended so far, committed or not (0 on PostgreSQL).
    pub fn batches(&self) -> u64 {
        self.stats.batches.load(Ordering::Relaxed)
    }

    /// Runs `job` in a write transaction and answers once that transaction has committed. An
    /// `Err` from the job rolls back only what the job did.
    ///
    /// # Errors
    /// The job's own error, or the database's when the transaction cannot begin or commit (then
    /// nothing the job did was stored).
    pub async fn run<T, E, F>(&self, job: F) -> Result<T, E>
    where
        F: for<'t> FnOnce(&'t DatabaseTransaction) -> BoxFuture<'t, Result<T, E>> + Send + 'static,
        T: Send + 'static,
        E: From<DbErr> + Send + 'static,
    {
        let Some(queue) = &self.queue else {
            return run_alone(&self.db, job).await;
        };
        let (tx, rx) = oneshot::channel::<Result<T, E>>();
        let erased: Job = Box::new(move |txn: Result<&DatabaseTransaction, DbErr>| {
            async move {
                let outcome = match txn {
                    Ok(txn) => in_savepoint(txn, job).await,
                    Err(e) => Err(E::from(e)),
                };
                let answer: Answer = Box::new(move |committed: Result<(), DbErr>| {
                    let reply = match (committed, outcome) {
                        (Ok(()), outcome) => outcome,
                        // The job's own error stands; a good result was not stored after all.
                        (Err(_), Err(own)) => Err(own),
                        (Err(e), Ok(_)) => Err(E::from(e)),
                    };
                    // The request may have gone away (client disconnected): nothing to tell.
                    let _ = tx.send(reply);
                });
                answer
            }
            .boxed()
        });
        queue.send(erased).await.map_err(|_| E::from(gone()))?;
        rx.await.map_err(|_| E::from(gone()))?
    }
}

fn gone() -> DbErr {
    DbErr::Custom("the database writer stopped before answering".into())
}

/// PostgreSQL (and any backend without the writer task): the job in its own transaction.
async fn run_alone<T, E, F>(db: &DatabaseConnection, job: F) -> Result<T, E>
where
    F: for<'t> FnOnce(&'t DatabaseTransaction) -> BoxFuture<'t, Result<T, E>>,
    E: From<DbErr>,
{
    let txn = db.begin_with_options(super::WRITE).await?;
    match job(&txn).await {
        Ok(v) => {
            txn.commit().await?;
            Ok(v)
        }
        Err(e) => {
            // The job's error is the one to report; a failed rollback ends with the connection.
            let _ = txn.rollback().await;
            Err(e)
        }
    }
}

/// Runs one job inside a savepoint of the batch transaction: released on `Ok`, rolled back on `Err`.
async fn in_savepoint<T, E, F>(txn: &DatabaseTransaction, job: F) -> Result<T, E>
where
    F: for<'t> FnOnce(&'t DatabaseTransaction) -> BoxFuture<'t, Result<T, E>>,
    E: From<DbErr>,
{
    let savepoint = txn.begin().await?;
    match job(&savepoint).await {
        Ok(v) => {
            savepoint.commit().await?;
            Ok(v)
        }
        Err(e) => {
            savepoint.rollback().await?;
            Err(e)
        }
    }
}

async fn writer_task(db: DatabaseConnection, mut rx: mpsc::Receiver<Job>, stats: Arc<Stats>) {
    let mut batch: Vec<Job> = Vec::with_capacity(MAX_BATCH);
    while let Some(first) = rx.recv().await {
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        stats.jobs.fetch_add(batch.len() as u64, Ordering::Relaxed);
        run_batch(&db, batch.drain(..), &stats).await;
    }
}

async fn run_batch(db: &DatabaseConnection, jobs: impl Iterator<Item = Job>, stats: &Stats) {
    let txn = match db.begin_with_options(super::WRITE).await {
        Ok(txn) => txn,
        Err(e) => {
            tracing::error!(error = %e, "the writer could not begin a transaction");
            for job in jobs {
                job(Err(e.clone())).await(Err(e.clone()));
            }
            return;
        }
    };
    let mut answers: Vec<Answer> = Vec::with_capacity(MAX_BATCH);
    for job in jobs {
        // A job that panics loses its answer (its request gets "the writer stopped"); the
        // savepoint it was in is rolled back when dropped, and the batch carries on.
        match AssertUnwindSafe(job(Ok(&txn))).catch_unwind().await {
            Ok(answer) => answers.push(answer),
            Err(_) => tracing::error!("a database write job panicked"),
        }
    }
    let committed = txn.commit().await;
    stats.batches.fetch_add(1, Ordering::Relaxed);
    if let Err(e) = &committed {
        tracing::error!(error = %e, jobs = answers.len(), "a group commit failed");
    }
    for answer in answers {
        answer(committed.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::{ConnectOptions, ConnectionTrait, Database, Statement};

    /// A request that sends one job to the writer.
    type Request = Box<dyn FnOnce(Writer) -> BoxFuture<'static, Result<(), DbErr>> + Send>;

    async fn sqlite() -> (tempfile::TempDir, DatabaseConnection) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
        let mut options = ConnectOptions::new(url);
        options.max_connections(4).sqlx_logging(false);
        options.map_sqlx_sqlite_opts(|o| {
            o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .foreign_keys(true)
                .busy_timeout(std::time::Duration::from_secs(5))
        });
        let db = Database::connect(options).await.unwrap();
        db.execute_unprepared(
            "CREATE TABLE parent (id INTEGER PRIMARY KEY);
             CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,
               parent_id INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED);",
        )
        .await
        .unwrap();
        (dir, db)
    }

    fn insert(name: &str, parent: Option<i64>) -> BoxedJob<(), DbErr> {
        let sql = match parent {
            Some(p) => format!("INSERT INTO item (name, parent_id) VALUES ('{name}', {p})"),
            None => format!("INSERT INTO item (name) VALUES ('{name}')"),
        };
        Box::new(move |txn: &DatabaseTransaction| {
            async move { txn.execute_unprepared(&sql).await.map(|_| ()) }.boxed()
        })
    }

    async fn names(db: &DatabaseConnection) -> Vec<String> {
        db.query_all_raw(Statement::from_string(
            DbBackend::Sqlite,
            "SELECT name FROM item ORDER BY name",
        ))
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get::<String>("", "name").unwrap())
        .collect()
    }

    /// Sends a job that holds the writer until `release` fires, so that the jobs sent meanwhile
    /// queue up and form the next batch together.
    async fn hold_writer(writer: &Writer) -> (oneshot::Sender<()>, tokio::task::JoinHandle<()>) {
        let (release, wait) = oneshot::channel::<()>();
        let (started, has_started) = oneshot::channel::<()>();
        let w = writer.clone();
        let held = tokio::spawn(async move {
            w.run(move |_txn: &DatabaseTransaction| {
                async move {
                    let _ = started.send(());
                    let _ = wait.await;
                    Ok::<(), DbErr>(())
                }
                .boxed()
            })
            .await
            .unwrap();
        });
        has_started.await.unwrap();
        (release, held)
    }

    /// Spawns `jobs` and waits until they are all queued behind the held writer.
    async fn queue_behind(
        writer: &Writer,
        jobs: Vec<Request>,
    ) -> Vec<tokio::task::JoinHandle<Result<(), DbErr>>> {
        let handles: Vec<_> = jobs
            .into_iter()
            .map(|j| tokio::spawn(j(writer.clone())))
            .collect();
        let queue = writer.queue.clone().unwrap();
        let want = handles.len();
        for _ in 0..5000 {
            if QUEUE - queue.capacity() == want {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
        }
        assert_eq!(QUEUE - queue.capacity(), want, "the jobs did not queue");
        handles
    }

    fn job(name: &'static str, parent: Option<i64>) -> Request {
        Box::new(move |w: Writer| async move { w.run(insert(name, parent)).await }.boxed())
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failing_job_fails_alone_and_its_batch_mates_commit_in_one_transaction() {
        let (_dir, db) = sqlite().await;
        db.execute_unprepared("INSERT INTO item (name) VALUES ('dup')")
            .await
            .unwrap();
        let writer = Writer::start(&db);
        let (release, held) = hold_writer(&writer).await;
        // Its first statement succeeds, its second breaks the unique name: all of it must go.
        let half_done: Request = Box::new(|w: Writer| {
            async move {
                w.run(|txn: &DatabaseTransaction| {
                    async move {
                        txn.execute_unprepared("INSERT INTO item (name) VALUES ('partial')")
                            .await?;
                        txn.execute_unprepared("INSERT INTO item (name) VALUES ('dup')")
                            .await
                            .map(|_| ())
                    }
                    .boxed()
                })
                .await
            }
            .boxed()
        });
        let handles = queue_behind(&writer, vec![job("a", None), half_done, job("b", None)]).await;
        let before = writer.batches();
        release.send(()).unwrap();
        held.await.unwrap();
        let mut results = Vec::new();
        for h in handles {
            results.push(h.await.unwrap());
        }

        assert_eq!(
            writer.batches(),
            before + 2,
            "the held batch, then one batch of three"
        );
        assert!(results[0].is_ok() && results[2].is_ok(), "{results:?}");
        let err = results[1].as_ref().unwrap_err().to_string();
        assert!(err.contains("UNIQUE"), "{err}");
        assert_eq!(names(&db).await, ["a", "b", "dup"]);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failed_commit_fails_every_job_of_the_batch_and_the_writer_carries_on() {
        let (_dir, db) = sqlite().await;
        let writer = Writer::start(&db);
        let (release, held) = hold_writer(&writer).await;
        // The deferred foreign key passes its savepoint and fails only at COMMIT.
        let handles = queue_behind(&writer, vec![job("x", None), job("orphan", Some(99))]).await;
        release.send(()).unwrap();
        held.await.unwrap();
        for h in handles {
            let err = h.await.unwrap().unwrap_err().to_string();
            assert!(err.contains("FOREIGN KEY"), "{err}");
        }
        assert!(
            names(&db).await.is_empty(),
            "nothing of the failed batch is stored"
        );

        writer.run(insert("after", None)).await.unwrap();
        assert_eq!(names(&db).await, ["after"]);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_jobs_are_all_stored_once_in_fewer_transactions_than_jobs() {
        let (_dir, db) = sqlite().await;
        let writer = Writer::start(&db);
        let handles: Vec<_> = (0..200)
            .map(|i| {
                let w = writer.clone();
                tokio::spawn(async move {
                    let sql = format!("INSERT INTO item (name) VALUES ('n{i:03}')");
                    w.run(move |txn: &DatabaseTransaction| {
                        async move { txn.execute_unprepared(&sql).await.map(|_| ()) }.boxed()
                    })
                    .await
                })
            })
            .collect();
        for h in handles {
            h.await.unwrap().unwrap();
        }
        let stored = names(&db).await;
        assert_eq!(stored.len(), 200);
        assert_eq!(stored.first().map(String::as_str), Some("n000"));
        assert!(writer.batches() < 200, "batches: {}", writer.batches());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_job_that_panics_fails_its_own_request_only() {
        let (_dir, db) = sqlite().await;
        let writer = Writer::start(&db);
        let (release, held) = hold_writer(&writer).await;
        let panics: Request = Box::new(|w: Writer| {
            async move {
                w.run(|txn: &DatabaseTransaction| {
                    async move {
                        let inserted = txn
                            .execute_unprepared("INSERT INTO item (name) VALUES ('p')")
                            .await;
                        assert!(inserted.is_err(), "a bug in a job: it panics");
                        inserted.map(|_| ())
                    }
                    .boxed()
                })
                .await
            }
            .boxed()
        });
        let handles = queue_behind(&writer, vec![panics, job("ok", None)]).await;
        release.send(()).unwrap();
        held.await.unwrap();
        let mut results = Vec::new();
        for h in handles {
            results.push(h.await.unwrap());
        }
        assert!(results[0].is_err());
        assert!(results[1].is_ok());
        assert_eq!(names(&db).await, ["ok"]);
    }
}
