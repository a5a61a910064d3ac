//! The audit log for people: entries filtered by person, action and date, with names instead of
//! `user:3` or `cohort:1` and each entry described in a sentence. The stored rows are not
//! changed; their compact detail is read here.
use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use crate::entities::{audit_log, cohorts, organisations, users};
use crate::services::audit::AuditAction;

/// Which entries to show.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only entries about this target (an organisation's log: `org:3`).
    pub target: Option<String>,
    /// Part of a name or e-mail address: entries by or about matching people.
    pub person: Option<String>,
    pub action: Option<AuditAction>,
    /// From the start of this day (UTC).
    pub from: Option<NaiveDate>,
    /// To the end of this day (UTC).
    pub to: Option<NaiveDate>,
    pub limit: u64,
}

/// One entry in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditLine {
    pub at: DateTime<Utc>,
    /// The person who acted ("The system" when nobody was logged in).
    pub who: String,
    /// What kind of thing happened ("Member moved to another cohort").
    pub action: String,
    /// What it was about, in a sentence ("Moved Ann Smith to the cohort Wave 2").
    pub description: String,
    /// The client's address, when recorded.
    pub ip: String,
}

/// Names for the ids an entry mentions.
#[derive(Default)]
pub struct Names {
    users: HashMap<i32, String>,
    cohorts: HashMap<i32, String>,
    orgs: HashMap<i32, String>,
}

/// The number after `kind:` in a token such as `user:3`.
fn id_of(token: &str, kind: &str) -> Option<i32> {
    token.strip_prefix(kind)?.strip_prefix(':')?.parse().ok()
}

fn tokens(s: &str) -> impl Iterator<Item = &str> {
    s.split_whitespace()
}

impl Names {
    fn user(&self, id: i32) -> String {
        self.users
            .get(&id)
            .cloned()
            .unwrap_or_else(|| format!("a person no longer on the service (number {id})"))
    }

    fn cohort(&self, id: i32) -> String {
        self.cohorts.get(&id).map_or_else(
            || "a cohort that no longer exists".into(),
            |n| format!("the cohort {n}"),
        )
    }

    fn org(&self, id: i32) -> String {
        self.orgs
            .get(&id)
            .cloned()
            .unwrap_or_else(|| "an organisation that no longer exists".into())
    }

    /// A stored target or detail with each `user:N`, `cohort:N` and `org:N` replaced by a name,
    /// and `Some(x)` / `None` left by older versions read as plain words.
    fn words(&self, s: &str) -> String {
        tokens(s)
            .map(|t| {
                if let Some(id) = id_of(t, "user") {
                    self.user(id)
                } else if let Some(id) = id_of(t, "cohort") {
                    self.cohort(id)
                } else if let Some(id) = id_of(t, "org") {
                    self.org(id)
                } else if let Some(code) = t.strip_prefix("certificate:") {
                    format!("certificate {code}")
                } else {
                    t.replace("Some(", "")
                        .replace(')', "")
                        .replace("None", "any")
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// The `key:value` parts of a detail such as `days:14 max_uses:30`.
fn field<'a>(detail: &'a str, key: &str) -> Option<&'a str> {
    tokens(detail).find_map(|t| t.strip_prefix(key)?.strip_prefix(':'))
}

/// A stored entry as a sentence.
pub fn describe(action: Option<AuditAction>, target: &str, detail: &str, names: &Names) -> String {
    use AuditAction as A;
    let user = || {
        tokens(detail)
            .chain(tokens(target))
            .find_map(|t| id_of(t, "user"))
            .map_or_else(|| "someone".into(), |id| names.user(id))
    };
    let cohort = || {
        field(detail, "cohort").map_or_else(
            || "no cohort".to_string(),
            |c| {
                c.parse()
                    .map_or_else(|_| "no cohort".into(), |id| names.cohort(id))
            },
        )
    };
    match action {
        Some(A::MemberMoved) => format!("Moved {} to {}", user(), cohort()),
        Some(A::MemberRemoved) => format!("Removed {} from the organisation", user()),
        Some(A::MemberRestored) => format!("Undid the removal of {}", user()),
        Some(A::ActivationResent) => format!("Sent {} a new activation e-mail", user()),
        Some(A::InvitationAccepted) => format!("{} joined with an invitation link", user()),
        Some(A::InvitationCreated) => {
            let days = field(detail, "days").unwrap_or("?");
            let people = match field(detail, "max_uses")
                .map(|m| m.trim_start_matches("Some(").trim_end_matches(')'))
            {
                None | Some("None" | "any") => "any number of people".to_string(),
                Some("1") => "1 person".to_string(),
                Some(n) => format!("up to {n} people"),
            };
            format!("Made an invitation link that works for {days} days, for {people}")
        }
        Some(A::InvitationRevoked) => match field(detail, "invitation") {
            Some(n) => format!("Withdrew invitation link number {n}"),
            None => "Withdrew an invitation link".into(),
        },
        Some(A::CohortCreated) => {
            let name: Vec<&str> = tokens(detail).skip(1).collect();
            format!("Created the cohort {}", name.join(" "))
        }
        Some(A::CohortRemindersOn) => format!("Turned reminder e-mails on for {}", cohort()),
        Some(A::CohortRemindersOff) => format!("Turned reminder e-mails off for {}", cohort()),
        Some(A::CohortModulesLocked) => {
            format!("Locked each module of {} until its release date", cohort())
        }
        Some(A::CohortModulesUnlocked) => {
            format!("Let {} open modules before their release date", cohort())
        }
        Some(A::OrgTimeZoneChanged) => match field(detail, "time_zone") {
            Some(zone) => format!("Set the organisation's time zone to {zone}"),
            None => "Changed the organisation's time zone".into(),
        },
        Some(A::OrgSecurityChanged) if detail.ends_with("=true") => {
            "Required two-step verification for the organisation's course leads".into()
        }
        Some(A::OrgSecurityChanged) => {
            "Stopped requiring two-step verification for the organisation's course leads".into()
        }
        Some(A::OrgExported) => format!("Downloaded {detail}"),
        Some(A::OrgImported) => format!("Added {detail} from a spreadsheet"),
        Some(A::OrgAdminAppointed) => format!("Made {} a course lead", user()),
        Some(A::OrgCreated) => format!("Created the organisation {detail}"),
        Some(A::CertificateRevoked) => format!("Revoked {}: {detail}", names.words(target)),
        _ => {
            let about = names.words(target);
            let more = names.words(detail);
            match (about.is_empty(), more.is_empty()) {
                (true, true) => String::new(),
                (false, true) => about,
                (true, false) => more,
                (false, false) => format!("{about}: {more}"),
            }
        }
    }
}

/// The people whose name or e-mail address contains `q` (at most 50).
async fn people_matching(db: &impl ConnectionTrait, q: &str) -> Result<Vec<i32>, DbErr> {
    let like = format!("%{}%", q.to_lowercase().replace(['%', '_'], ""));
    Ok(users::Entity::find()
        .filter(
            Condition::any()
                .add(
                    Expr::expr(Func::lower(Expr::col((users::Entity, users::Column::Name))))
                        .like(like.clone()),
                )
                .add(users::Column::Email.like(like)),
        )
        .limit(50)
        .all(db)
        .await?
        .into_iter()
        .map(|u| u.id)
        .collect())
}

fn condition(filter: &AuditFilter, people: Option<&[i32]>) -> Condition {
    let mut c = Condition::all();
    if let Some(t) = &filter.target {
        c = c.add(audit_log::Column::Target.eq(t.as_str()));
    }
    if let Some(a) = filter.action {
        c = c.add(audit_log::Column::Action.eq(a.as_str()));
    }
    if let Some(from) = filter.from {
        c = c.add(audit_log::Column::At.gte(from.and_time(chrono::NaiveTime::MIN).and_utc()));
    }
    if let Some(to) = filter.to {
        let end = (to + Duration::days(1))
            .and_time(chrono::NaiveTime::MIN)
            .and_utc();
        c = c.add(audit_log::Column::At.lt(end));
    }
    if let Some(ids) = people {
        let mut any = Condition::any().add(audit_log::Column::ActorUserId.is_in(ids.to_vec()));
        for id in ids {
            any = any
                .add(audit_log::Column::Target.eq(format!("user:{id}")))
                .add(audit_log::Column::Detail.eq(format!("user:{id}")))
                .add(audit_log::Column::Detail.like(format!("user:{id} %")));
        }
        c = c.add(any);
    }
    c
}

/// Loads the names of everyone, every cohort and every organisation the entries mention.
async fn names_for(db: &impl ConnectionTrait, rows: &[audit_log::Model]) -> Result<Names, DbErr> {
    let (mut user_ids, mut cohort_ids, mut org_ids) =
        (HashSet::new(), HashSet::new(), HashSet::new());
    for r in rows {
        user_ids.extend(r.actor_user_id);
        for t in r
            .target
            .iter()
            .chain(r.detail.iter())
            .flat_map(|s| tokens(s))
        {
            user_ids.extend(id_of(t, "user"));
            cohort_ids.extend(id_of(t, "cohort"));
            org_ids.extend(id_of(t, "org"));
        }
    }
    let mut names = Names::default();
    if !user_ids.is_empty() {
        for u in users::Entity::find()
            .filter(users::Column::Id.is_in(user_ids))
            .all(db)
            .await?
        {
            let name = if u.anonymised_at.is_some() {
                "a person who deleted their account".to_string()
            } else {
                u.name
            };
            names.users.insert(u.id, name);
        }
    }
    if !cohort_ids.is_empty() {
        for c in cohorts::Entity::find()
            .filter(cohorts::Column::Id.is_in(cohort_ids))
            .all(db)
            .await?
        {
            names.cohorts.insert(c.id, c.name);
        }
    }
    if !org_ids.is_empty() {
        for o in organisations::Entity::find()
            .filter(organisations::Column::Id.is_in(org_ids))
            .all(db)
            .await?
        {
            names.orgs.insert(o.id, o.name);
        }
    }
    Ok(names)
}

/// The newest entries matching `filter`, in words.
///
/// # Errors
/// When the database fails.
pub async fn search(
    db: &impl ConnectionTrait,
    filter: &AuditFilter,
) -> Result<Vec<AuditLine>, DbErr> {
    let people = match filter
        .person
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        Some(q) => Some(people_matching(db, q).await?),
        None => None,
    };
    if people.as_ref().is_some_and(Vec::is_empty) {
        return Ok(Vec::new());
    }
    let rows = audit_log::Entity::find()
        .filter(condition(filter, people.as_deref()))
        .order_by_desc(audit_log::Column::Id)
        .limit(filter.limit)
        .all(db)
        .await?;
    let names = names_for(db, &rows).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let action = AuditAction::parse(&r.action);
            AuditLine {
                at: r.at,
                who: r
                    .actor_user_id
                    .map_or_else(|| "The system".into(), |id| names.user(id)),
                action: action.map_or_else(|| r.action.clone(), |a| a.in_words().to_string()),
                description: describe(
                    action,
                    r.target.as_deref().unwrap_or(""),
                    r.detail.as_deref().unwrap_or(""),
                    &names,
                ),
                ip: r.ip.unwrap_or_default(),
            }
        })
        .collect())
}

/// The header and rows of the audit log as CSV cells (formula-safe like the progress export).
pub fn csv_rows(lines: &[AuditLine]) -> Vec<Vec<String>> {
    use crate::services::reports::safe_cell;
    let mut out = vec![
        ["when_utc", "who", "action", "description", "ip"]
            .iter()
            .map(|s| (*s).to_string())
            .collect(),
    ];
    for l in lines {
        out.push(vec![
            l.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            safe_cell(&l.who),
            safe_cell(&l.action),
            safe_cell(&l.description),
            safe_cell(&l.ip),
        ]);
    }
    out
}

/// The audit lines as a CSV file with a UTF-8 byte order mark first (so Excel reads names right).
///
/// # Errors
/// When writing the CSV fails (it writes to memory, so only on a bug).
pub fn csv_bytes(lines: &[AuditLine]) -> anyhow::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer("\u{feff}".as_bytes().to_vec());
    for r in csv_rows(lines) {
        w.write_record(r)?;
    }
    w.into_inner().map_err(|e| anyhow::anyhow!("csv: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Names {
        let mut n = Names::default();
        n.users.insert(3, "Ann Smith".into());
        n.cohorts.insert(1, "Wave 2".into());
        n.orgs.insert(7, "Trust A".into());
        n
    }

    #[test]
    fn stored_details_read_as_sentences_with_names() {
        let n = names();
        assert_eq!(
            describe(
                Some(AuditAction::MemberMoved),
                "org:7",
                "user:3 cohort:1",
                &n
            ),
            "Moved Ann Smith to the cohort Wave 2"
        );
        assert_eq!(
            describe(
                Some(AuditAction::MemberMoved),
                "org:7",
                "user:3 cohort:none",
                &n
            ),
            "Moved Ann Smith to no cohort"
        );
        assert_eq!(
            describe(
                Some(AuditAction::InvitationCreated),
                "org:7",
                "days:14 max_uses:Some(30)",
                &n
            ),
            "Made an invitation link that works for 14 days, for up to 30 people"
        );
        assert_eq!(
            describe(
                Some(AuditAction::InvitationCreated),
                "org:7",
                "days:7 max_uses:None",
                &n
            ),
            "Made an invitation link that works for 7 days, for any number of people"
        );
        assert_eq!(
            describe(Some(AuditAction::LoginSuccess), "user:3", "", &n),
            "Ann Smith"
        );
        assert_eq!(
            describe(Some(AuditAction::OrgAdminAppointed), "org:7", "user:3", &n),
            "Made Ann Smith a course lead"
        );
        assert!(
            !describe(Some(AuditAction::MemberRemoved), "org:7", "user:9", &n).contains("user:")
        );
    }

    #[test]
    fn the_csv_defuses_formulas() {
        let line = AuditLine {
            at: DateTime::<Utc>::from_timestamp(0, 0).unwrap_or_default(),
            who: "=cmd".into(),
            action: "Logged in".into(),
            description: String::new(),
            ip: String::new(),
        };
        let rows = csv_rows(&[line]);
        assert_eq!(rows[1][1], "'=cmd");
    }
}
