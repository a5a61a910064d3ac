//! The data-export page: everything held about a learner, in words (quiz answers as the learner
//! saw them, audit events as sentences).
use serde::Serialize;

use crate::course::{Course, Question, QuestionKind};
use crate::domain::quiz::Response;
use crate::services::privacy::Export;
use crate::web::views::account::{day, describe_agent, when};

#[derive(Serialize)]
struct Row {
    key: &'static str,
    value: String,
}

#[derive(Serialize)]
struct ModuleView {
    title: String,
    lessons_completed: i32,
    percent: i32,
    best_score: String,
    attempts: i32,
    quiz_passed: String,
    completed: String,
}

#[derive(Serialize)]
struct LessonView {
    module: String,
    lesson: String,
    first_viewed: String,
    last_viewed: String,
    completed: String,
}

#[derive(Serialize)]
struct AnswerView {
    position: i32,
    question: String,
    answer: String,
    mark: String,
}

#[derive(Serialize)]
struct AttemptView {
    module: String,
    submitted: String,
    score: i32,
    pass_mark: i32,
    passed: bool,
    answers: Vec<AnswerView>,
}

#[derive(Serialize)]
struct CertificateRow {
    code: String,
    name: String,
    course: String,
    issued: String,
    status: String,
}

#[derive(Serialize)]
struct SessionView {
    device: String,
    user_agent: String,
    created: String,
    last_seen: String,
    this_device: bool,
}

#[derive(Serialize)]
struct EventView {
    at: String,
    what: String,
    action: String,
    by: &'static str,
    ip: String,
}

#[derive(Serialize)]
pub struct ExportPage {
    generated: String,
    profile: Vec<Row>,
    enrolments: Vec<Vec<Row>>,
    modules: Vec<ModuleView>,
    lessons: Vec<LessonView>,
    attempts: Vec<AttemptView>,
    certificates: Vec<CertificateRow>,
    sessions: Vec<SessionView>,
    events: Vec<EventView>,
}

fn module_title(course: &Course, slug: &str) -> String {
    course.module(slug).map_or_else(
        || slug.to_string(),
        |m| format!("{}. {}", m.number, m.title),
    )
}

fn lesson_title(course: &Course, module: &str, lesson: &str) -> String {
    course
        .module(module)
        .and_then(|m| m.lesson(lesson))
        .map_or_else(|| lesson.to_string(), |l| l.title.clone())
}

fn maybe(t: Option<chrono::DateTime<chrono::Utc>>, tz: chrono_tz::Tz) -> String {
    t.map_or_else(|| "–".into(), |at| when(at, tz))
}

/// A stored quiz response in words, using the course's texts (the raw ids when the question has gone).
fn answer_in_words(q: Option<&Question>, response: &serde_json::Value) -> String {
    let parsed: Option<Response> = serde_json::from_value(response.clone()).ok();
    let (Some(q), Some(r)) = (q, parsed) else {
        return response.to_string();
    };
    match (q.kind, r) {
        (_, Response::Choices(ids)) if ids.is_empty() => "No answer".into(),
        (_, Response::Choices(ids)) => ids
            .iter()
            .map(|id| {
                q.options
                    .iter()
                    .find(|o| &o.id == id)
                    .map_or_else(|| id.clone(), |o| o.text.clone())
            })
            .collect::<Vec<_>>()
            .join("; "),
        (QuestionKind::Ordering, Response::Placements(places)) => {
            let mut placed: Vec<(String, String)> = places
                .iter()
                .map(|(item, pos)| {
                    let text = q
                        .items
                        .iter()
                        .find(|i| &i.id == item)
                        .map_or_else(|| item.clone(), |i| i.text.clone());
                    (pos.clone(), text)
                })
                .collect();
            placed.sort_by_key(|(pos, _)| pos.parse::<u32>().unwrap_or(u32::MAX));
            placed
                .into_iter()
                .map(|(pos, text)| format!("{pos}. {text}"))
                .collect::<Vec<_>>()
                .join("; ")
        }
        (_, Response::Placements(places)) => places
            .iter()
            .map(|(left, right)| {
                let l = q
                    .pairs
                    .iter()
                    .find(|p| &p.id == left)
                    .map_or_else(|| left.clone(), |p| p.left.clone());
                let r = q
                    .pairs
                    .iter()
                    .find(|p| &p.id == right)
                    .map_or_else(|| right.clone(), |p| p.right.clone());
                format!("{l} → {r}")
            })
            .collect::<Vec<_>>()
            .join("; "),
    }
}

/// An audit action in plain words (the code itself for actions added later).
fn event_in_words(action: &str) -> &str {
    crate::services::audit::AuditAction::parse(action).map_or(action, |a| a.in_words())
}

pub fn export_page(course: &Course, e: Export, tz: chrono_tz::Tz) -> ExportPage {
    let when = |at: chrono::DateTime<chrono::Utc>| when(at, tz);
    let day = |at: chrono::DateTime<chrono::Utc>| day(at, tz);
    let maybe = |at: Option<chrono::DateTime<chrono::Utc>>| maybe(at, tz);
    let p = &e.profile;
    let profile = vec![
        Row {
            key: "Name",
            value: p.name.clone(),
        },
        Row {
            key: "Email address",
            value: p.email.clone(),
        },
        Row {
            key: "Role",
            value: p.role.replace('_', " "),
        },
        Row {
            key: "Account created",
            value: when(p.created_at),
        },
        Row {
            key: "Last logged in",
            value: maybe(p.last_login_at),
        },
        Row {
            key: "Password",
            value: p.password.to_string(),
        },
    ];
    let enrolments = e
        .enrolments
        .iter()
        .map(|en| {
            vec![
                Row {
                    key: "Course",
                    value: if en.course_slug == course.slug {
                        course.title.clone()
                    } else {
                        en.course_slug.clone()
                    },
                },
                Row {
                    key: "Started",
                    value: when(en.started_at),
                },
                Row {
                    key: "Progress",
                    value: format!(
                        "{}% ({} steps completed)",
                        en.progress_percent, en.items_completed
                    ),
                },
                Row {
                    key: "Last place",
                    value: match (&en.last_module, &en.last_lesson) {
                        (Some(m), Some(l)) => format!(
                            "{}: {}",
                            module_title(course, m),
                            lesson_title(course, m, l)
                        ),
                        _ => "–".into(),
                    },
                },
                Row {
                    key: "Last activity",
                    value: when(en.last_activity_at),
                },
                Row {
                    key: "Completed",
                    value: maybe(en.completed_at),
                },
            ]
        })
        .collect();
    ExportPage {
        generated: when(e.generated_at),
        profile,
        enrolments,
        modules: e
            .module_progress
            .iter()
            .map(|m| ModuleView {
                title: module_title(course, &m.module_slug),
                lessons_completed: m.lessons_completed,
                percent: m.progress_percent,
                best_score: m.best_score.map_or_else(|| "–".into(), |s| format!("{s}%")),
                attempts: m.attempts,
                quiz_passed: maybe(m.quiz_passed_at),
                completed: maybe(m.completed_at),
            })
            .collect(),
        lessons: e
            .lesson_progress
            .iter()
            .map(|l| LessonView {
                module: module_title(course, &l.module_slug),
                lesson: lesson_title(course, &l.module_slug, &l.lesson_slug),
                first_viewed: when(l.first_viewed_at),
                last_viewed: when(l.last_viewed_at),
                completed: maybe(l.completed_at),
            })
            .collect(),
        attempts: e
            .quiz_attempts
            .iter()
            .map(|a| {
                let quiz = course.module(&a.module_slug).map(|m| &m.quiz);
                AttemptView {
                    module: module_title(course, &a.module_slug),
                    submitted: when(a.submitted_at),
                    score: a.score_percent,
                    pass_mark: a.pass_mark,
                    passed: a.passed,
                    answers: a
                        .answers
                        .iter()
                        .map(|ans| {
                            let q = quiz.and_then(|z| z.question(&ans.question_id));
                            AnswerView {
                                position: ans.position,
                                question: q
                                    .map_or_else(|| ans.question_id.clone(), |q| q.prompt.clone()),
                                answer: answer_in_words(q, &ans.response),
                                mark: format!("{}", f64::from(ans.credit_thousandths) / 1000.0),
                            }
                        })
                        .collect(),
                }
            })
            .collect(),
        certificates: e
            .certificates
            .iter()
            .map(|c| CertificateRow {
                code: c.code.clone(),
                name: if c.holder_removed_at.is_some() {
                    "(removed)".into()
                } else {
                    c.holder_name.clone()
                },
                course: format!("{} (version {})", c.course_title, c.course_version),
                issued: when(c.issued_at),
                status: match (c.revoked_at, c.expires_at) {
                    (Some(r), _) => format!("revoked {}", day(r)),
                    (None, Some(x)) if x <= e.generated_at => format!("expired {}", day(x)),
                    (None, Some(x)) => format!("valid until {}", day(x)),
                    (None, None) => "valid".into(),
                },
            })
            .collect(),
        sessions: e
            .sessions
            .iter()
            .map(|s| SessionView {
                device: describe_agent(s.user_agent.as_deref()),
                user_agent: s.user_agent.clone().unwrap_or_default(),
                created: when(s.created_at),
                last_seen: when(s.last_seen_at),
                this_device: s.this_session,
            })
            .collect(),
        events: e
            .security_events
            .iter()
            .map(|ev| EventView {
                at: when(ev.at),
                what: match &ev.detail {
                    Some(d) => format!("{} ({d})", event_in_words(&ev.action)),
                    None => event_in_words(&ev.action).to_string(),
                },
                action: ev.action.clone(),
                by: ev.by,
                ip: ev.ip.clone().unwrap_or_default(),
            })
            .collect(),
    }
}
