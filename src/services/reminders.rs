//! The scheduler and sender pass behind `deepdive send-reminders` and serve's interval: works out
//! which reminders are due now, writes each to the outbox once (the key is person, kind and
//! period, unique in the table, so a second pass writes nothing), then delivers what is due.
use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use handlebars::Handlebars;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, TransactionTrait,
};

use crate::clock::Clock;
use crate::config::Settings;
use crate::course::Course;
use crate::entities::{
    certificates, cohorts, enrolments, mail_opt_outs, module_progress, org_members, organisations,
    outbox as outbox_rows, users,
};
use crate::messages::{self, Action, Kind, Letter};
use crate::services::outbox::{self, NewMessage};
use crate::services::{mail::Mailer, pacing, secrets, unsubscribe};

/// Everything a pass needs; the server and the command line each build one.
pub struct Pass<'a> {
    pub db: &'a DatabaseConnection,
    pub course: &'a Course,
    pub templates: &'a Handlebars<'static>,
    pub settings: &'a Settings,
    pub clock: &'a Clock,
}

/// One message a pass would write.
#[derive(Debug, Clone)]
pub struct Planned {
    pub key: String,
    pub kind: Kind,
    pub user_id: i32,
    pub to_address: String,
    pub letter: Letter,
}

/// What a pass did.
#[derive(Debug, Default, Clone)]
pub struct PassReport {
    pub queued: u64,
    pub delivered: outbox::Delivered,
    /// `--dry-run`: what would be written and sent, one line each.
    pub would: Vec<String>,
}

/// The weeks since a cohort started (0 in its first week), or `None` before it starts.
pub fn week_of(starts_on: DateTime<Utc>, now: DateTime<Utc>) -> Option<i64> {
    (now >= starts_on).then(|| (now - starts_on).num_days() / 7)
}

fn date(d: chrono::NaiveDate) -> String {
    crate::local_time::day_and_date(d)
}

/// A certificate's expiry day, where the service is (certificates belong to no organisation).
fn expiry_date(at: DateTime<Utc>) -> String {
    date(crate::local_time::local_date(at, chrono_tz::Europe::London))
}

/// An outbox message for a letter, rendered now.
///
/// # Errors
/// When a template fails.
pub fn compose(
    templates: &Handlebars<'static>,
    course_title: &str,
    key: String,
    user_id: Option<i32>,
    to_address: &str,
    letter: &Letter,
) -> anyhow::Result<NewMessage> {
    let r = messages::render(templates, course_title, letter)?;
    Ok(NewMessage {
        dedupe_key: key,
        user_id,
        kind: letter.kind.as_str().to_string(),
        to_address: to_address.to_string(),
        to_name: letter.name.clone(),
        subject: r.subject,
        text: r.text,
        html: r.html,
        unsubscribe_url: letter.unsubscribe_url.clone(),
    })
}

/// The domain for `Message-ID`s: the From address's.
pub fn message_domain(settings: &Settings) -> String {
    settings
        .smtp
        .as_ref()
        .and_then(|(_, from)| {
            from.rsplit_once('@')
                .map(|(_, d)| d.trim_end_matches('>').to_string())
        })
        .unwrap_or_else(|| "localhost".into())
}

struct Links<'a> {
    base: &'a str,
    key: &'a [u8],
    now: DateTime<Utc>,
}

impl Links<'_> {
    fn reminder(&self, user_id: i32, kind: Kind, mut letter: Letter) -> Letter {
        letter.unsubscribe_url = Some(format!(
            "{}/unsubscribe/{}",
            self.base,
            unsubscribe::token(self.key, user_id, kind, self.now)
        ));
        letter.preferences_url = Some(format!("{}/account/notifications", self.base));
        letter
    }

    fn resume(&self) -> Option<Action> {
        Some(Action {
            label: "Continue the course".into(),
            url: format!("{}/dashboard", self.base),
        })
    }
}

/// Works out the reminders due at `now` that have not been written yet is the outbox's job:
/// this lists every reminder whose period is now; the unique key drops those already written.
///
/// # Errors
/// When the database fails.
pub async fn plan(p: &Pass<'_>, key: &[u8]) -> Result<Vec<Planned>, DbErr> {
    let now = p.clock.now();
    let links = Links {
        base: &p.settings.base_url,
        key,
        now,
    };
    let mut out = Vec::new();
    let cohorts = cohorts::Entity::find()
        .filter(cohorts::Column::RemindersOff.eq(false))
        .filter(cohorts::Column::StartsOn.lte(now))
        .all(p.db)
        .await?;
    for cohort in &cohorts {
        let Some(week) = week_of(cohort.starts_on, now) else {
            continue;
        };
        let members = org_members::Entity::find()
            .filter(org_members::Column::CohortId.eq(cohort.id))
            .all(p.db)
            .await?;
        let learner_ids: Vec<i32> = members
            .iter()
            .filter(|m| m.role == crate::domain::MemberRole::Learner)
            .map(|m| m.user_id)
            .collect();
        if learner_ids.is_empty() {
            continue;
        }
        let people = active_people(p.db, &learner_ids).await?;
        let progress: HashMap<(i32, String), module_progress::Model> =
            crate::db::all_in_chunks(p.db, &learner_ids, |chunk| {
                module_progress::Entity::find().filter(module_progress::Column::UserId.is_in(chunk))
            })
            .await?
            .into_iter()
            .map(|m| ((m.user_id, m.module_slug.clone()), m))
            .collect();
        let opted_out = opt_outs(p.db, &learner_ids).await?;
        let done = |uid: i32, slug: &str| {
            progress
                .get(&(uid, slug.to_string()))
                .is_some_and(|m| m.completed_at.is_some())
        };
        let dues = crate::services::reports::due_dates(p.course, Some(cohort));
        // The same release and due rule as the learner's pages, in the organisation's time zone.
        let tz = pacing::org_zone(p.db, cohort.org_id).await?;
        let today = crate::local_time::local_date(now, tz);
        let mut behind_count = 0usize;
        let mut started = 0usize;
        for uid in &learner_ids {
            let Some(user) = people.get(uid) else {
                continue;
            };
            // Activated (a password) or signed in through their organisation's provider.
            let active = user.password_hash.starts_with('$') || user.password_hash == "!sso";
            let overdue: Vec<&crate::course::Module> = p
                .course
                .modules
                .iter()
                .zip(&dues)
                .filter(|(m, due)| {
                    due.is_some_and(|d| pacing::overdue(d, now, tz)) && !done(*uid, &m.slug)
                })
                .map(|(m, _)| m)
                .collect();
            if !overdue.is_empty() {
                behind_count += 1;
            }
            if progress.keys().any(|(u, _)| u == uid) {
                started += 1;
            }
            if !active || cohort.pacing != "weekly" {
                continue;
            }
            let wants = |k: Kind| !opted_out.contains(&(*uid, k.as_str().to_string()));
            let letter = |kind: Kind, subject: String, paragraphs: Vec<String>, why: &str| Letter {
                kind,
                subject,
                name: user.name.clone(),
                paragraphs,
                action: links.resume(),
                why: why.to_string(),
                unsubscribe_url: None,
                preferences_url: None,
            };
            let paced =
                "You are getting this because your group is taking the course one module a week.";
            for (m, due) in p.course.modules.iter().zip(&dues) {
                if due.is_none() {
                    continue;
                }
                let opens = pacing::opens_on(cohort, m.number);
                let due = pacing::due_on(cohort, m.number);
                let current = pacing::has_opened(opens, now, tz) && !pacing::past_due(due, now, tz);
                if current && !done(*uid, &m.slug) {
                    if wants(Kind::ModuleOpen) && today < opens + Duration::days(4) {
                        out.push(Planned {
                            key: format!("module_open:{uid}:{}:{}", cohort.id, m.slug),
                            kind: Kind::ModuleOpen,
                            user_id: *uid,
                            to_address: user.email.clone(),
                            letter: links.reminder(
                                *uid,
                                Kind::ModuleOpen,
                                letter(
                                    Kind::ModuleOpen,
                                    format!("module {} is open this week", m.number),
                                    vec![
                                        format!(
                                            "Module {}, {}, is open for your group this week.",
                                            m.number, m.title
                                        ),
                                        format!(
                                            "It takes about {} minutes. Try to finish it by {}.",
                                            m.estimated_minutes,
                                            date(due)
                                        ),
                                    ],
                                    paced,
                                ),
                            ),
                        });
                    }
                    if wants(Kind::DueSoon) && due - Duration::days(3) <= today {
                        out.push(Planned {
                            key: format!("due_soon:{uid}:{}:{}", cohort.id, m.slug),
                            kind: Kind::DueSoon,
                            user_id: *uid,
                            to_address: user.email.clone(),
                            letter: links.reminder(
                                *uid,
                                Kind::DueSoon,
                                letter(
                                    Kind::DueSoon,
                                    format!("module {} is due in 3 days", m.number),
                                    vec![
                                        format!(
                                            "Module {}, {}, is due on {}.",
                                            m.number,
                                            m.title,
                                            date(due)
                                        ),
                                        "You can pick up where you left off.".into(),
                                    ],
                                    paced,
                                ),
                            ),
                        });
                    }
                }
            }
            if !overdue.is_empty() && wants(Kind::Overdue) {
                let n = overdue.len();
                let list = overdue
                    .iter()
                    .map(|m| format!("module {}", m.number))
                    .collect::<Vec<_>>()
                    .join(", ");
                out.push(Planned {
                    key: format!("overdue:{uid}:{}:w{week}", cohort.id),
                    kind: Kind::Overdue,
                    user_id: *uid,
                    to_address: user.email.clone(),
                    letter: links.reminder(
                        *uid,
                        Kind::Overdue,
                        letter(
                            Kind::Overdue,
                            if n == 1 {
                                "you have 1 module to catch up on".into()
                            } else {
                                format!("you have {n} modules to catch up on")
                            },
                            vec![
                                format!("Your group has moved on, and {list} {} still waiting for you.", if n == 1 { "is" } else { "are" }),
                                "You can catch up at your own pace. We will remind you at most once a week, and stop when you have caught up.".into(),
                            ],
                            paced,
                        ),
                    ),
                });
            }
        }
        digest_for(
            p,
            &links,
            cohort,
            week,
            &members,
            &learner_ids,
            started,
            behind_count,
            &mut out,
        )
        .await?;
    }
    certificate_reminders(p, &links, &mut out).await?;
    team_reminders(p, &links, &mut out).await?;
    Ok(out)
}

#[allow(clippy::too_many_arguments)]
async fn digest_for(
    p: &Pass<'_>,
    links: &Links<'_>,
    cohort: &cohorts::Model,
    week: i64,
    members: &[org_members::Model],
    learner_ids: &[i32],
    started: usize,
    behind: usize,
    out: &mut Vec<Planned>,
) -> Result<(), DbErr> {
    let now = p.clock.now();
    let admins: Vec<i32> = org_members::Entity::find()
        .filter(org_members::Column::OrgId.eq(cohort.org_id))
        .filter(org_members::Column::Role.eq(crate::domain::MemberRole::OrgAdmin))
        .all(p.db)
        .await?
        .into_iter()
        .map(|m| m.user_id)
        .collect();
    if admins.is_empty() {
        return Ok(());
    }
    let enrolled = crate::db::all_in_chunks(p.db, learner_ids, |chunk| {
        enrolments::Entity::find()
            .filter(enrolments::Column::UserId.is_in(chunk))
            .filter(enrolments::Column::CourseSlug.eq(p.course.slug.as_str()))
    })
    .await?;
    let finished = enrolled.iter().filter(|e| e.completed_at.is_some()).count();
    if finished == learner_ids.len() && week > 0 {
        return Ok(());
    }
    let finished_this_week = enrolled
        .iter()
        .filter(|e| e.completed_at.is_some_and(|c| c > now - Duration::days(7)))
        .count();
    let Some(org) = organisations::Entity::find_by_id(cohort.org_id)
        .one(p.db)
        .await?
    else {
        return Ok(());
    };
    let gains =
        crate::services::confidence::org_gain(p.db, p.course, cohort.org_id, Some(cohort.id))
            .await?;
    let shown: Vec<usize> = gains.iter().filter_map(|g| g.percent()).collect();
    let gain = if shown.is_empty() {
        "Not enough people have rated their confidence before and after yet to show a change."
            .to_string()
    } else {
        format!(
            "Confidence so far: on average {}% of those who answered feel more confident after the course than before.",
            shown.iter().sum::<usize>() / shown.len()
        )
    };
    let total = learner_ids.len();
    let people = users::Entity::find()
        .filter(users::Column::Id.is_in(admins.clone()))
        .filter(users::Column::DisabledAt.is_null())
        .filter(users::Column::AnonymisedAt.is_null())
        .all(p.db)
        .await?;
    let opted_out = opt_outs(p.db, &admins).await?;
    let _ = members;
    for admin in people {
        if opted_out.contains(&(admin.id, Kind::Digest.as_str().to_string())) {
            continue;
        }
        let letter = Letter {
            kind: Kind::Digest,
            subject: format!("weekly summary for {}", cohort.name),
            name: admin.name.clone(),
            paragraphs: vec![
                format!(
                    "This is how {} is getting on, in week {} since the group started.",
                    cohort.name,
                    week + 1
                ),
                format!(
                    "Started: {started} of {total}. On track: {}. Behind, with a module overdue: {behind}. Finished this week: {finished_this_week} ({finished} in all).",
                    total.saturating_sub(behind)
                ),
                gain.clone(),
            ],
            action: Some(Action {
                label: "Open the progress report".into(),
                url: format!("{}/org/{}?cohort={}", links.base, org.slug, cohort.id),
            }),
            why: format!(
                "You are getting this because you are a course lead for {}.",
                org.name
            ),
            unsubscribe_url: None,
            preferences_url: None,
        };
        out.push(Planned {
            key: format!("digest:{}:{}:w{week}", admin.id, cohort.id),
            kind: Kind::Digest,
            user_id: admin.id,
            to_address: admin.email.clone(),
            letter: links.reminder(admin.id, Kind::Digest, letter),
        });
    }
    Ok(())
}

async fn certificate_reminders(
    p: &Pass<'_>,
    links: &Links<'_>,
    out: &mut Vec<Planned>,
) -> Result<(), DbErr> {
    let now = p.clock.now();
    let certs = certificates::Entity::find()
        .filter(certificates::Column::ExpiresAt.lte(now + Duration::days(60)))
        .filter(certificates::Column::ExpiresAt.gt(now - Duration::days(30)))
        .filter(certificates::Column::RevokedAt.is_null())
        .filter(certificates::Column::HolderRemovedAt.is_null())
        .filter(certificates::Column::UserId.is_not_null())
        .all(p.db)
        .await?;
    let ids: Vec<i32> = certs.iter().filter_map(|c| c.user_id).collect();
    if ids.is_empty() {
        return Ok(());
    }
    let people = active_people(p.db, &ids).await?;
    let opted_out = opt_outs(p.db, &ids).await?;
    // A newer certificate replaces an older one: only the newest of each person counts.
    let newest: HashMap<i32, DateTime<Utc>> = crate::db::all_in_chunks(p.db, &ids, |chunk| {
        certificates::Entity::find()
            .filter(certificates::Column::UserId.is_in(chunk))
            .filter(certificates::Column::RevokedAt.is_null())
    })
    .await?
    .into_iter()
    .filter_map(|c| c.user_id.map(|u| (u, c.issued_at)))
    .fold(HashMap::new(), |mut m, (u, at)| {
        let e = m.entry(u).or_insert(at);
        if at > *e {
            *e = at;
        }
        m
    });
    for c in certs {
        let (Some(uid), Some(expires)) = (c.user_id, c.expires_at) else {
            continue;
        };
        let Some(user) = people.get(&uid) else {
            continue;
        };
        if newest.get(&uid).is_some_and(|n| *n > c.issued_at)
            || opted_out.contains(&(uid, Kind::CertificateExpiring.as_str().to_string()))
        {
            continue;
        }
        let expired = expires <= now;
        let kind = if expired {
            Kind::CertificateExpired
        } else {
            Kind::CertificateExpiring
        };
        let letter = Letter {
            kind,
            subject: if expired {
                "your certificate has expired".into()
            } else {
                format!("your certificate expires on {}", expiry_date(expires))
            },
            name: user.name.clone(),
            paragraphs: vec![
                if expired {
                    format!("Your certificate for {} expired on {}.", p.course.title, expiry_date(expires))
                } else {
                    format!("Your certificate for {} expires on {}.", p.course.title, expiry_date(expires))
                },
                "To renew it, take the refresher: go back through the modules and pass each quiz again. You keep everything you have already done.".into(),
            ],
            action: Some(Action {
                label: "Start the refresher".into(),
                url: format!("{}/dashboard", links.base),
            }),
            why: "You are getting this because you hold a certificate for this course.".into(),
            unsubscribe_url: None,
            preferences_url: None,
        };
        out.push(Planned {
            key: format!("{}:{}", kind.as_str(), c.id),
            kind,
            user_id: uid,
            to_address: user.email.clone(),
            letter: links.reminder(uid, Kind::CertificateExpiring, letter),
        });
    }
    Ok(())
}

/// Line managers, once a week: how many of their reports have overdue modules (no names: the
/// team page has them, behind the manager's log-in).
async fn team_reminders(
    p: &Pass<'_>,
    links: &Links<'_>,
    out: &mut Vec<Planned>,
) -> Result<(), DbErr> {
    let now = p.clock.now();
    let behind = crate::services::team::overdue_by_manager(p.db, p.course, now).await?;
    let ids: Vec<i32> = behind.iter().map(|b| b.manager.id).collect();
    let opted_out = opt_outs(p.db, &ids).await?;
    let week = now.format("%G-W%V");
    for b in behind {
        let m = &b.manager;
        if opted_out.contains(&(m.id, Kind::TeamOverdue.as_str().to_string())) {
            continue;
        }
        let people = if b.people == 1 {
            "1 person in your team has".to_string()
        } else {
            format!("{} people in your team have", b.people)
        };
        let modules = if b.modules == 1 {
            "1 module".to_string()
        } else {
            format!("{} modules", b.modules)
        };
        let letter = Letter {
            kind: Kind::TeamOverdue,
            subject: "overdue modules in your team".into(),
            name: m.name.clone(),
            paragraphs: vec![
                format!("{people} overdue modules this week: {modules} in all."),
                "Your team page shows who, which modules and when they were due.".into(),
            ],
            action: Some(Action {
                label: "See your team".into(),
                url: format!("{}/team", links.base),
            }),
            why: "You are getting this because you are a line manager on the course.".into(),
            unsubscribe_url: None,
            preferences_url: None,
        };
        out.push(Planned {
            key: format!("team_overdue:{}:{week}", m.id),
            kind: Kind::TeamOverdue,
            user_id: m.id,
            to_address: m.email.clone(),
            letter: links.reminder(m.id, Kind::TeamOverdue, letter),
        });
    }
    Ok(())
}

/// The accounts among `ids` that can still be written to (not disabled, not erased), by id.
async fn active_people(
    db: &impl ConnectionTrait,
    ids: &[i32],
) -> Result<HashMap<i32, users::Model>, DbErr> {
    Ok(crate::db::all_in_chunks(db, ids, |chunk| {
        users::Entity::find()
            .filter(users::Column::Id.is_in(chunk))
            .filter(users::Column::DisabledAt.is_null())
            .filter(users::Column::AnonymisedAt.is_null())
    })
    .await?
    .into_iter()
    .map(|u| (u.id, u))
    .collect())
}

async fn opt_outs(db: &impl ConnectionTrait, ids: &[i32]) -> Result<HashSet<(i32, String)>, DbErr> {
    if ids.is_empty() {
        return Ok(HashSet::new());
    }
    Ok(crate::db::all_in_chunks(db, ids, |chunk| {
        mail_opt_outs::Entity::find().filter(mail_opt_outs::Column::UserId.is_in(chunk))
    })
    .await?
    .into_iter()
    .map(|o| (o.user_id, o.kind))
    .collect())
}

/// One scheduling and sending pass. Without SMTP settings nothing is queued or sent.
///
/// # Errors
/// When the database fails or a template does not render.
pub async fn run_pass(p: &Pass<'_>, dry_run: bool) -> anyhow::Result<PassReport> {
    let mut report = PassReport::default();
    let Some((url, from)) = &p.settings.smtp else {
        return Ok(report);
    };
    let key = secrets::get_or_create(p.db, unsubscribe::SECRET, p.clock).await?;
    let planned = plan(p, &key).await?;
    if dry_run {
        let existing: HashSet<String> = outbox_rows::Entity::find()
            .filter(
                outbox_rows::Column::DedupeKey
                    .is_in(planned.iter().map(|x| x.key.clone()).collect::<Vec<_>>()),
            )
            .all(p.db)
            .await?
            .into_iter()
            .map(|m| m.dedupe_key)
            .collect();
        for x in planned.iter().filter(|x| !existing.contains(&x.key)) {
            report.would.push(format!(
                "would queue\t{}\tuser {}\t{}",
                x.kind.as_str(),
                x.user_id,
                x.letter.subject
            ));
        }
        for m in outbox::due_now(p.db, p.clock.now()).await? {
            report.would.push(format!(
                "would send\t{}\tmessage {}\t{}",
                m.kind, m.id, m.subject
            ));
        }
        return Ok(report);
    }
    let domain = message_domain(p.settings);
    let txn = p.db.begin_with_options(crate::db::WRITE).await?;
    for x in &planned {
        let msg = compose(
            p.templates,
            &p.course.title,
            x.key.clone(),
            Some(x.user_id),
            &x.to_address,
            &x.letter,
        )?;
        if outbox::enqueue(&txn, msg, &domain, p.clock.now()).await? {
            report.queued += 1;
        }
    }
    txn.commit().await?;
    let mailer = Mailer::new(url, from)?;
    report.delivered = outbox::deliver_due(p.db, &mailer, p.clock).await?;
    Ok(report)
}

/// Sends what is due in the outbox, without scheduling anything.
///
/// # Errors
/// When the database fails or the SMTP settings cannot be understood.
pub async fn deliver(p: &Pass<'_>) -> anyhow::Result<outbox::Delivered> {
    let Some((url, from)) = &p.settings.smtp else {
        return Ok(outbox::Delivered::default());
    };
    let mailer = Mailer::new(url, from)?;
    Ok(outbox::deliver_due(p.db, &mailer, p.clock).await?)
}

/// Switches a kind of e-mail off (or back on) for a person; switching off also drops messages of
/// that kind still waiting to be sent.
///
/// # Errors
/// When the database fails.
pub async fn set_preference(
    db: &DatabaseConnection,
    user_id: i32,
    kind: Kind,
    on: bool,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let kind = kind.preference().unwrap_or(kind);
    let txn = db.begin_with_options(crate::db::WRITE).await?;
    if on {
        mail_opt_outs::Entity::delete_many()
            .filter(mail_opt_outs::Column::UserId.eq(user_id))
            .filter(mail_opt_outs::Column::Kind.eq(kind.as_str()))
            .exec(&txn)
            .await?;
    } else {
        mail_opt_outs::Entity::insert(mail_opt_outs::ActiveModel {
            user_id: Set(user_id),
            kind: Set(kind.as_str().to_string()),
            created_at: Set(now),
        })
        .on_conflict_do_nothing_on([mail_opt_outs::Column::UserId, mail_opt_outs::Column::Kind])
        .exec_without_returning(&txn)
        .await?;
        let mut kinds = vec![kind.as_str()];
        if kind == Kind::CertificateExpiring {
            kinds.push(Kind::CertificateExpired.as_str());
        }
        outbox_rows::Entity::delete_many()
            .filter(outbox_rows::Column::UserId.eq(user_id))
            .filter(outbox_rows::Column::Kind.is_in(kinds))
            .filter(outbox_rows::Column::Status.eq("pending"))
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(())
}

/// The kinds a person has switched off.
///
/// # Errors
/// When the database fails.
pub async fn switched_off(
    db: &impl ConnectionTrait,
    user_id: i32,
) -> Result<HashSet<String>, DbErr> {
    Ok(opt_outs(db, &[user_id])
        .await?
        .into_iter()
        .map(|(_, k)| k)
        .collect())
}

/// What an unsubscribe link is for, when it is genuine and current.
///
/// # Errors
/// When the database fails.
pub async fn check_unsubscribe(
    db: &impl ConnectionTrait,
    clock: &Clock,
    token: &str,
) -> anyhow::Result<Result<(i32, Kind), unsubscribe::Refused>> {
    let key = secrets::get_or_create(db, unsubscribe::SECRET, clock).await?;
    Ok(unsubscribe::verify(&key, token, clock.now()))
}

/// Uses an unsubscribe link: switches its kind off for its person. A forged or expired link
/// changes nothing.
///
/// # Errors
/// When the database fails.
pub async fn unsubscribe(
    db: &DatabaseConnection,
    clock: &Clock,
    token: &str,
) -> anyhow::Result<Result<Kind, unsubscribe::Refused>> {
    match check_unsubscribe(db, clock, token).await? {
        Ok((user_id, kind)) => {
            set_preference(db, user_id, kind, false, clock.now()).await?;
            Ok(Ok(kind))
        }
        Err(refused) => Ok(Err(refused)),
    }
}

/// Turns a cohort's reminder e-mails on or off, with its audit row in the same transaction.
/// `false` when the organisation has no such cohort (nothing written).
///
/// # Errors
/// When the database fails.
pub async fn set_cohort_reminders(
    db: &DatabaseConnection,
    clock: &Clock,
    who: &crate::services::org_admin::OrgActor,
    cohort_id: i32,
    on: bool,
) -> Result<bool, DbErr> {
    use crate::services::audit::{self, AuditAction};
    use sea_orm::TransactionTrait;
    use sea_orm::sea_query::Expr;
    let txn = db.begin_with_options(crate::db::WRITE).await?;
    let res = cohorts::Entity::update_many()
        .col_expr(cohorts::Column::RemindersOff, Expr::value(!on))
        .filter(cohorts::Column::Id.eq(cohort_id))
        .filter(cohorts::Column::OrgId.eq(who.org_id))
        .exec(&txn)
        .await?;
    if res.rows_affected == 0 {
        return Ok(false);
    }
    let action = if on {
        AuditAction::CohortRemindersOn
    } else {
        AuditAction::CohortRemindersOff
    };
    let event = who.actor.event_on(
        action,
        format!("org:{}", who.org_id),
        Some(format!("cohort:{cohort_id}")),
    );
    audit::record(&txn, clock, event).await?;
    txn.commit().await?;
    Ok(true)
}
