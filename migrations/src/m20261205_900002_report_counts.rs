use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The organisation report's counts, kept by triggers in the same transaction as every change
/// they count, so the report reads a few rows per cohort instead of aggregating every member's
/// progress (646 ms for the module aggregate alone at 100,000 learners).
///
/// One row per `(org_id, cohort_key, kind, item)`; `cohort_key` is the cohort id or 0 for people
/// in no cohort. Kinds:
/// - `members`, item `''`: `a` = members.
/// - `module`, item = module slug: `a` = members who completed it, `b` = members in progress
///   (not completed, some progress or a quiz attempt).
/// - `course`, item = course slug: `a` = members who started (progress above 0), `b` = completed.
/// - `confidence`, item = statement id: `a` = members who rated it both before and after,
///   `b` = how many of them rated it higher after.
///
/// Every trigger computes the same thing: what the changed rows contribute now, minus what they
/// contributed before the change, per membership. On SQLite the triggers are row triggers (they
/// run as each row changes). On PostgreSQL an AFTER row trigger runs at the end of the statement,
/// so: inserts and rating updates are statement triggers over the transition tables (a multi-row
/// insert may hold both halves of a confidence pair); other updates are row triggers with a WHEN
/// on the counted columns (a row's contribution reads no other row of its table); deletes are row
/// triggers BEFORE each row goes (the AFTER triggers of a cascaded delete run only after every
/// cascade, when what the deleted row counted can no longer be read).
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let postgres = matches!(
            manager.get_database_backend(),
            sea_orm::DatabaseBackend::Postgres
        );
        db.execute_unprepared(
            "CREATE TABLE IF NOT EXISTS report_counts (
               org_id INTEGER NOT NULL,
               cohort_key INTEGER NOT NULL,
               kind VARCHAR(16) NOT NULL,
               item VARCHAR(64) NOT NULL,
               a BIGINT NOT NULL DEFAULT 0,
               b BIGINT NOT NULL DEFAULT 0,
               PRIMARY KEY (org_id, cohort_key, kind, item))",
        )
        .await?;
        for table in TABLES {
            for event in ["INSERT", "UPDATE", "DELETE"] {
                for sql in trigger_sql(table, event, postgres) {
                    db.execute_unprepared(&sql).await?;
                }
            }
        }
        db.execute_unprepared(&format!(
            "INSERT INTO report_counts (org_id, cohort_key, kind, item, a, b) {}",
            recount_select()
        ))
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let postgres = matches!(
            manager.get_database_backend(),
            sea_orm::DatabaseBackend::Postgres
        );
        for table in TABLES {
            for event in ["INSERT", "UPDATE", "DELETE"] {
                let name = trigger_name(table.name, event);
                if postgres {
                    db.execute_unprepared(&format!(
                        "DROP TRIGGER IF EXISTS {name} ON {}",
                        table.name
                    ))
                    .await?;
                    db.execute_unprepared(&format!("DROP FUNCTION IF EXISTS {name}()"))
                        .await?;
                } else {
                    db.execute_unprepared(&format!("DROP TRIGGER IF EXISTS {name}"))
                        .await?;
                }
            }
        }
        db.execute_unprepared("DROP TABLE IF EXISTS report_counts")
            .await?;
        Ok(())
    }
}

/// A counted table: its name, the columns its contribution reads, and what must differ between
/// the old and new row for an update to change any count (SQLite skips the trigger otherwise).
struct Counted {
    name: &'static str,
    columns: &'static [&'static str],
    changed: &'static str,
}

const TABLES: &[Counted] = &[
    Counted {
        name: "module_progress",
        columns: &[
            "user_id",
            "module_slug",
            "completed_at",
            "progress_percent",
            "attempts",
        ],
        changed: "OLD.user_id IS NOT NEW.user_id OR OLD.module_slug IS NOT NEW.module_slug \
                  OR (OLD.completed_at IS NULL) IS NOT (NEW.completed_at IS NULL) \
                  OR (OLD.progress_percent > 0 OR OLD.attempts > 0) IS NOT (NEW.progress_percent > 0 OR NEW.attempts > 0)",
    },
    Counted {
        name: "enrolments",
        columns: &["user_id", "course_slug", "completed_at", "progress_percent"],
        changed: "OLD.user_id IS NOT NEW.user_id OR OLD.course_slug IS NOT NEW.course_slug \
                  OR (OLD.completed_at IS NULL) IS NOT (NEW.completed_at IS NULL) \
                  OR (OLD.progress_percent > 0) IS NOT (NEW.progress_percent > 0)",
    },
    Counted {
        name: "confidence_ratings",
        columns: &["id", "user_id", "phase", "statement_id", "rating"],
        changed: "OLD.user_id IS NOT NEW.user_id OR OLD.phase IS NOT NEW.phase \
                  OR OLD.statement_id IS NOT NEW.statement_id OR OLD.rating IS NOT NEW.rating",
    },
    Counted {
        name: "org_members",
        columns: &["org_id", "user_id", "cohort_id"],
        changed: "OLD.org_id IS NOT NEW.org_id OR OLD.user_id IS NOT NEW.user_id \
                  OR OLD.cohort_id IS NOT NEW.cohort_id",
    },
];

fn trigger_name(table: &str, event: &str) -> String {
    format!("report_counts_{table}_{}", event.to_lowercase())
}

/// A progress table counted per membership: its table, the kind of count, the column naming the
/// item, and the row's two numbers (over the alias `p`).
struct Progress {
    table: &'static str,
    kind: &'static str,
    item: &'static str,
    a: &'static str,
    b: &'static str,
}

const MODULES: Progress = Progress {
    table: "module_progress",
    kind: "module",
    item: "module_slug",
    a: "CASE WHEN p.completed_at IS NOT NULL THEN 1 ELSE 0 END",
    b: "CASE WHEN p.completed_at IS NULL AND (p.progress_percent > 0 OR p.attempts > 0) THEN 1 ELSE 0 END",
};

const COURSES: Progress = Progress {
    table: "enrolments",
    kind: "course",
    item: "course_slug",
    a: "CASE WHEN p.progress_percent > 0 THEN 1 ELSE 0 END",
    b: "CASE WHEN p.completed_at IS NOT NULL THEN 1 ELSE 0 END",
};

/// What the progress rows `progress` contribute through the member rows `members`, times `sign`
/// (one side is the changed rows, the other the table as it is).
fn progress_contribution(of: &Progress, progress: &str, members: &str, sign: i32) -> String {
    format!(
        "SELECT m.org_id AS org_id, COALESCE(m.cohort_id, 0) AS cohort_key, '{}' AS kind, p.{} AS item,
                {sign} * ({}) AS a, {sign} * ({}) AS b
           FROM {progress} p JOIN {members} m ON m.user_id = p.user_id",
        of.kind, of.item, of.a, of.b
    )
}

/// What the member rows `r` (columns org_id, user_id, cohort_id) contribute, times `sign`: the
/// member count and every count of their progress, read from the progress tables as they are.
fn members_contribution(rows: &str, sign: i32) -> String {
    format!(
        "SELECT r.org_id AS org_id, COALESCE(r.cohort_id, 0) AS cohort_key, 'members' AS kind, '' AS item, {sign} AS a, 0 AS b
           FROM {rows} r
         UNION ALL {}
         UNION ALL {}
         UNION ALL
         SELECT r.org_id, COALESCE(r.cohort_id, 0), 'confidence', af.statement_id, {sign}, {sign} * (CASE WHEN af.rating > bf.rating THEN 1 ELSE 0 END)
           FROM {rows} r
           JOIN confidence_ratings af ON af.user_id = r.user_id AND af.phase = 'after'
           JOIN confidence_ratings bf ON bf.user_id = af.user_id AND bf.phase = 'before' AND bf.statement_id = af.statement_id",
        progress_contribution(&MODULES, MODULES.table, rows, sign),
        progress_contribution(&COURSES, COURSES.table, rows, sign),
    )
}

/// The report counts of every organisation, recounted from the tables (the migration's backfill
/// and `deepdive report-counts`): columns org_id, cohort_key, kind, item, a, b.
#[must_use]
pub fn recount_select() -> String {
    grouped(&members_contribution("org_members", 1))
}

/// The deltas summed per count, in key order (so two PostgreSQL transactions that change the
/// same counts lock them in the same order).
fn grouped(deltas: &str) -> String {
    format!(
        "SELECT d.org_id, d.cohort_key, d.kind, d.item, SUM(d.a) AS a, SUM(d.b) AS b FROM ({deltas}) d
         WHERE true GROUP BY d.org_id, d.cohort_key, d.kind, d.item HAVING SUM(d.a) <> 0 OR SUM(d.b) <> 0
         ORDER BY d.org_id, d.cohort_key, d.kind, d.item"
    )
}

/// The per-membership change in counts when `table`'s rows go from `old` to `new` (either may be
/// an empty row set), as a `SELECT` of org_id, cohort_key, kind, item, a, b.
fn deltas(table: &str, new: &str, old: &str) -> String {
    match table {
        "module_progress" | "enrolments" => {
            let of = if table == MODULES.table {
                &MODULES
            } else {
                &COURSES
            };
            format!(
                "{} UNION ALL {}",
                progress_contribution(of, new, "org_members", 1),
                progress_contribution(of, old, "org_members", -1)
            )
        }
        "org_members" => format!(
            "{} UNION ALL {}",
            members_contribution(new, 1),
            members_contribution(old, -1)
        ),
        _ => {
            // Confidence pairs: for each (person, statement) touched, whether they form a pair
            // (and a gain) now, minus whether they did before. The table as it was is the table
            // now without the new rows, plus the old ones.
            let keys = format!(
                "(SELECT user_id, statement_id FROM {new} n UNION SELECT user_id, statement_id FROM {old} o)"
            );
            let now_rows = format!(
                "SELECT c.user_id, c.statement_id, c.phase, c.rating FROM {keys} k
                   JOIN confidence_ratings c ON c.user_id = k.user_id AND c.statement_id = k.statement_id"
            );
            let then_rows = format!(
                "SELECT c.user_id, c.statement_id, c.phase, c.rating FROM {keys} k
                   JOIN confidence_ratings c ON c.user_id = k.user_id AND c.statement_id = k.statement_id
                  WHERE c.id NOT IN (SELECT id FROM {new} n2)
                 UNION ALL SELECT user_id, statement_id, phase, rating FROM {old} o2"
            );
            let state = |rows: &str, sign: i32| {
                format!(
                    "SELECT s.user_id, s.statement_id,
                            {sign} * (CASE WHEN s.af IS NOT NULL AND s.bf IS NOT NULL THEN 1 ELSE 0 END) AS n,
                            {sign} * (CASE WHEN s.af > s.bf THEN 1 ELSE 0 END) AS more
                       FROM (SELECT x.user_id, x.statement_id,
                                    MAX(CASE WHEN x.phase = 'after' THEN x.rating END) AS af,
                                    MAX(CASE WHEN x.phase = 'before' THEN x.rating END) AS bf
                               FROM ({rows}) x GROUP BY x.user_id, x.statement_id) s"
                )
            };
            format!(
                "SELECT m.org_id AS org_id, COALESCE(m.cohort_id, 0) AS cohort_key, 'confidence' AS kind,
                        d.statement_id AS item, d.n AS a, d.more AS b
                   FROM ({} UNION ALL {}) d JOIN org_members m ON m.user_id = d.user_id",
                state(&now_rows, 1),
                state(&then_rows, -1)
            )
        }
    }
}

/// The confidence pair a rating row `r` (about to be deleted) is half of, if the other half is
/// there, taken away per membership.
fn confidence_pair_leaving(r: &str) -> String {
    "SELECT m.org_id AS org_id, COALESCE(m.cohort_id, 0) AS cohort_key, 'confidence' AS kind,
            r.statement_id AS item, -1 AS a,
            -(CASE WHEN (CASE WHEN r.phase = 'after' THEN r.rating ELSE y.rating END)
                      > (CASE WHEN r.phase = 'after' THEN y.rating ELSE r.rating END) THEN 1 ELSE 0 END) AS b
       FROM {r} r
       JOIN confidence_ratings y ON y.user_id = r.user_id AND y.statement_id = r.statement_id
            AND y.phase <> r.phase AND y.id <> r.id
       JOIN org_members m ON m.user_id = r.user_id"
        .replace("{r}", r)
}

fn upsert(deltas: &str) -> String {
    format!(
        "INSERT INTO report_counts (org_id, cohort_key, kind, item, a, b) {}
         ON CONFLICT (org_id, cohort_key, kind, item)
         DO UPDATE SET a = report_counts.a + excluded.a, b = report_counts.b + excluded.b",
        grouped(deltas)
    )
}

/// The statements that create `table`'s trigger for `event` on the backend.
fn trigger_sql(table: &Counted, event: &str, postgres: bool) -> Vec<String> {
    let name = trigger_name(table.name, event);
    let row = |which: &str| {
        let cols: Vec<String> = table
            .columns
            .iter()
            .map(|c| format!("{which}.{c} AS {c}"))
            .collect();
        format!("(SELECT {})", cols.join(", "))
    };
    if postgres && event == "DELETE" {
        // A row trigger before each row goes: PostgreSQL runs the AFTER triggers of a cascaded
        // delete (an account's memberships, progress and ratings) only after every cascade,
        // when none of the rows that say what the deleted row counted are left to read.
        let empty = format!("(SELECT * FROM {} WHERE false)", table.name);
        let deltas = if table.name == "confidence_ratings" {
            confidence_pair_leaving(&row("OLD"))
        } else {
            deltas(table.name, &empty, &row("OLD"))
        };
        return vec![
            format!(
                "CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
                 BEGIN
                   {};
                   RETURN OLD;
                 END $$",
                upsert(&deltas)
            ),
            format!(
                "CREATE TRIGGER {name} BEFORE DELETE ON {} FOR EACH ROW EXECUTE FUNCTION {name}()",
                table.name
            ),
        ];
    }
    if postgres && event == "UPDATE" && table.name != "confidence_ratings" {
        // A row trigger that runs only when a counted column changes (most updates, such as a
        // lesson view's last activity, change none). The row's contribution depends on no other
        // row of its table, so its running at the end of the statement changes nothing.
        let when = table.changed.replace(" IS NOT ", " IS DISTINCT FROM ");
        return vec![
            format!(
                "CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
                 BEGIN
                   {};
                   RETURN NULL;
                 END $$",
                upsert(&deltas(table.name, &row("NEW"), &row("OLD")))
            ),
            format!(
                "CREATE TRIGGER {name} AFTER UPDATE ON {} FOR EACH ROW WHEN ({when})
                 EXECUTE FUNCTION {name}()",
                table.name
            ),
        ];
    }
    if postgres {
        let empty = format!("(SELECT * FROM {} WHERE false)", table.name);
        let (new, old, referencing) = match event {
            "INSERT" => ("new_rows", empty.as_str(), "NEW TABLE AS new_rows"),
            _ => (
                "new_rows",
                "old_rows",
                "NEW TABLE AS new_rows OLD TABLE AS old_rows",
            ),
        };
        vec![
            format!(
                "CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
                 BEGIN
                   {};
                   RETURN NULL;
                 END $$",
                upsert(&deltas(table.name, new, old))
            ),
            format!(
                "CREATE TRIGGER {name} AFTER {event} ON {} REFERENCING {referencing}
                 FOR EACH STATEMENT EXECUTE FUNCTION {name}()",
                table.name
            ),
        ]
    } else {
        // No rows, without reading the table (SQLite scans a table for `WHERE 0 = 1`).
        let empty = format!(
            "(SELECT {} LIMIT 0)",
            table
                .columns
                .iter()
                .map(|c| format!("NULL AS {c}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let (new, old, when) = match event {
            "INSERT" => (row("NEW"), empty, String::new()),
            "DELETE" => (empty, row("OLD"), String::new()),
            _ => (row("NEW"), row("OLD"), format!("WHEN {}", table.changed)),
        };
        vec![format!(
            "CREATE TRIGGER IF NOT EXISTS {name} AFTER {event} ON {} FOR EACH ROW {when}
             BEGIN {}; END",
            table.name,
            upsert(&deltas(table.name, &new, &old))
        )]
    }
}
