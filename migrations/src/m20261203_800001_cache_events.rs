use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// What each table's change means for the in-memory session cache: `(table, trigger suffix, event,
/// condition, user column)`. The column names the user whose cached sessions the change makes stale;
/// none means every cached session (an organisation's name is in its course leads' headers).
type Watched = (
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
);

const WATCHED: &[Watched] = &[
    ("sessions", "del", "DELETE", None, Some("user_id")),
    ("users", "upd", "UPDATE", None, Some("id")),
    ("users", "del", "DELETE", None, Some("id")),
    ("org_members", "ins", "INSERT", None, Some("user_id")),
    ("org_members", "upd", "UPDATE", None, Some("user_id")),
    ("org_members", "del", "DELETE", None, Some("user_id")),
    ("line_managers", "ins", "INSERT", None, Some("manager_id")),
    ("line_managers", "upd", "UPDATE", None, Some("manager_id")),
    ("line_managers", "del", "DELETE", None, Some("manager_id")),
    ("organisations", "upd", "UPDATE", None, None),
    ("organisations", "del", "DELETE", None, None),
    // A cohort's dates and module lock (kept with the session for the lesson page's lock check).
    ("cohorts", "upd", "UPDATE", None, None),
    ("cohorts", "del", "DELETE", None, None),
    // The lesson page's memo of a session's last visit (see services::session_cache): a lesson
    // completed elsewhere, or progress reset. (Not the resume point: the session's own first visit
    // moves it, and a memo that its own visit wiped would never serve.)
    (
        "lesson_progress",
        "upd",
        "UPDATE",
        Some("old.completed_at IS NOT new.completed_at"),
        Some("user_id"),
    ),
    ("lesson_progress", "del", "DELETE", None, Some("user_id")),
    ("enrolments", "del", "DELETE", None, Some("user_id")),
];

/// Change events for the in-memory session cache, written by triggers in the same transaction as
/// the change itself, so no code path can change a session, a user or what a page header shows
/// without the cache hearing of it.
///
/// SQLite: a `cache_events` table the server reads after each write request and every 200 ms (for
/// the CLI and background jobs). PostgreSQL: `pg_notify('deepdive_cache', user id or '*')`, heard by
/// every instance (LISTEN), delivered at commit.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            sea_orm::DatabaseBackend::Postgres => {
                db.execute_unprepared(
                    "CREATE OR REPLACE FUNCTION deepdive_cache_event() RETURNS trigger
                     LANGUAGE plpgsql AS $$
                     DECLARE row_new jsonb; row_old jsonb;
                     BEGIN
                       IF TG_OP <> 'DELETE' THEN row_new := to_jsonb(NEW); END IF;
                       IF TG_OP <> 'INSERT' THEN row_old := to_jsonb(OLD); END IF;
                       IF TG_NARGS = 0 THEN
                         PERFORM pg_notify('deepdive_cache', '*');
                       ELSE
                         IF row_new IS NOT NULL THEN
                           PERFORM pg_notify('deepdive_cache', coalesce(row_new->>TG_ARGV[0], '*'));
                         END IF;
                         IF row_old IS NOT NULL THEN
                           PERFORM pg_notify('deepdive_cache', coalesce(row_old->>TG_ARGV[0], '*'));
                         END IF;
                       END IF;
                       RETURN NULL;
                     END $$",
                )
                .await?;
                for (table, suffix, event, when, column) in WATCHED {
                    let when = when
                        .map(|w| {
                            format!(
                                "WHEN ({})",
                                w.replace("old.", "OLD.")
                                    .replace("new.", "NEW.")
                                    .replace(" IS NOT ", " IS DISTINCT FROM ")
                            )
                        })
                        .unwrap_or_default();
                    let arg = column.map(|c| format!("'{c}'")).unwrap_or_default();
                    db.execute_unprepared(&format!(
                        "CREATE TRIGGER cache_{table}_{suffix} AFTER {event} ON {table} \
                         FOR EACH ROW {when} EXECUTE FUNCTION deepdive_cache_event({arg})"
                    ))
                    .await?;
                }
            }
            _ => {
                db.execute_unprepared(
                    "CREATE TABLE IF NOT EXISTS cache_events (
                       seq INTEGER PRIMARY KEY AUTOINCREMENT,
                       user_id INTEGER NULL,
                       at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))",
                )
                .await?;
                for (table, suffix, event, when, column) in WATCHED {
                    let when = when.map(|w| format!("WHEN {w}")).unwrap_or_default();
                    let body = match (column, *event) {
                        (None, _) => "INSERT INTO cache_events(user_id) VALUES (NULL);".to_string(),
                        (Some(c), "DELETE") => {
                            format!("INSERT INTO cache_events(user_id) VALUES (old.{c});")
                        }
                        (Some(c), "INSERT") => {
                            format!("INSERT INTO cache_events(user_id) VALUES (new.{c});")
                        }
                        (Some(c), _) => format!(
                            "INSERT INTO cache_events(user_id) VALUES (new.{c}); \
                             INSERT INTO cache_events(user_id) SELECT old.{c} WHERE old.{c} IS NOT new.{c};"
                        ),
                    };
                    db.execute_unprepared(&format!(
                        "CREATE TRIGGER IF NOT EXISTS cache_{table}_{suffix} AFTER {event} ON {table} \
                         FOR EACH ROW {when} BEGIN {body} END"
                    ))
                    .await?;
                }
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let postgres = manager.get_database_backend() == sea_orm::DatabaseBackend::Postgres;
        for (table, suffix, ..) in WATCHED {
            let on = if postgres {
                format!(" ON {table}")
            } else {
                String::new()
            };
            db.execute_unprepared(&format!(
                "DROP TRIGGER IF EXISTS cache_{table}_{suffix}{on}"
            ))
            .await?;
        }
        if postgres {
            db.execute_unprepared("DROP FUNCTION IF EXISTS deepdive_cache_event()")
                .await?;
        } else {
            db.execute_unprepared("DROP TABLE IF EXISTS cache_events")
                .await?;
        }
        Ok(())
    }
}
