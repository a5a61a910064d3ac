//! The learner's account: details, password, sessions, export of their data, and deletion.
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use crate::course::{Course, Question, QuestionKind};
use crate::domain::quiz::Response;
use crate::domain::{DisplayName, Email, NewPassword};
use crate::error::AppError;
use crate::services::account::{self, AccountError};
use crate::services::audit::Actor;
use crate::services::privacy::{self, ErasurePolicy, Export};
use crate::services::{certificates, sessions};
use crate::web::AppState;
use crate::web::csrf::CsrfForm;
use crate::web::form::FieldError;
use crate::web::session::{CurrentUser, expired_session_cookie};
use crate::web::view::{View, render, see_other};
use crate::web::views::account::{TOO_MANY, WRONG_PASSWORD};

fn requester(user: &CurrentUser, req: &HttpRequest) -> Actor {
    crate::web::extract::actor(req, user)
}

fn when(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%-d %b %Y, %H:%M UTC").to_string()
}

fn day(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%-d %B %Y").to_string()
}

fn field_error(errors: &[FieldError], field: &str) -> Option<String> {
    errors
        .iter()
        .find(|e| e.field == field)
        .map(|e| e.message.clone())
}

fn unexpected(e: AccountError) -> AppError {
    match e {
        AccountError::NotFound => AppError::NotFound,
        AccountError::Unexpected(e) => AppError::Unexpected(e),
        other => AppError::Unexpected(anyhow::Error::new(other)),
    }
}

/// A short, readable description of a browser's user agent ("Firefox on Windows").
fn describe_agent(ua: Option<&str>) -> String {
    let Some(ua) = ua.filter(|u| !u.trim().is_empty()) else {
        return "Unknown browser".into();
    };
    let browser = if ua.contains("Edg/") {
        "Edge"
    } else if ua.contains("Firefox/") {
        "Firefox"
    } else if ua.contains("Chrome/") || ua.contains("CriOS/") {
        "Chrome"
    } else if ua.contains("Safari/") {
        "Safari"
    } else {
        "A browser or program"
    };
    let os = if ua.contains("Windows") {
        Some("Windows")
    } else if ua.contains("iPhone") || ua.contains("iPad") {
        Some("iOS")
    } else if ua.contains("Android") {
        Some("Android")
    } else if ua.contains("Mac OS X") || ua.contains("Macintosh") {
        Some("macOS")
    } else if ua.contains("CrOS") {
        Some("ChromeOS")
    } else if ua.contains("Linux") {
        Some("Linux")
    } else {
        None
    };
    match os {
        Some(os) => format!("{browser} on {os}"),
        None => browser.to_string(),
    }
}

#[derive(Deserialize)]
pub struct AccountQuery {
    done: Option<String>,
}

/// The confirmation shown after a change (only these fixed texts, never anything from the query).
fn done_message(done: Option<&str>) -> Option<&'static str> {
    match done? {
        "name" => Some(
            "Your name has been changed. Certificates already issued keep the name they were issued with.",
        ),
        "email" => Some("Your email address has been changed. Use it the next time you log in."),
        "password" => {
            Some("Your password has been changed, and you have been logged out everywhere else.")
        }
        "session" => Some("The session has been ended."),
        "others" => Some("All your other sessions have been ended."),
        _ => None,
    }
}

#[derive(Serialize)]
struct SessionRow {
    reference: String,
    device: String,
    created: String,
    last_seen: String,
    this_device: bool,
}

#[derive(Serialize, Default)]
struct AccountPage {
    done: Option<&'static str>,
    errors: Vec<FieldError>,
    current_name: String,
    current_email: String,
    created: String,
    name: String,
    name_error: Option<String>,
    email: String,
    email_error: Option<String>,
    email_password_error: Option<String>,
    current_password_error: Option<String>,
    new_password_error: Option<String>,
    sessions: Vec<SessionRow>,
    other_sessions: usize,
    mfa_on: bool,
}

/// What a re-shown form keeps: the field values typed (never passwords) and the errors.
#[derive(Default)]
struct Retyped {
    name: Option<String>,
    email: Option<String>,
    errors: Vec<FieldError>,
}

async fn account_page(
    state: &AppState,
    req: &HttpRequest,
    user: &CurrentUser,
    status: StatusCode,
    done: Option<&'static str>,
    retyped: Retyped,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let live = sessions::live_for_user(&state.db, user.id(), now, state.timeouts()).await?;
    let current = sessions::hash_token(&user.session_token);
    let mut rows: Vec<SessionRow> = live
        .iter()
        .map(|s| SessionRow {
            reference: sessions::session_ref(&state.csrf_key, &s.id_hash),
            device: describe_agent(s.user_agent.as_deref()),
            created: when(s.created_at),
            last_seen: when(s.last_seen_at),
            this_device: s.id_hash == current,
        })
        .collect();
    // This device first, then the others, most recently active first (a stable sort keeps that order).
    rows.sort_by_key(|r| !r.this_device);
    let errors = retyped.errors;
    let page = AccountPage {
        done,
        current_name: user.user.name.clone(),
        current_email: user.user.email.clone(),
        created: day(user.user.created_at),
        name: retyped.name.unwrap_or_else(|| user.user.name.clone()),
        name_error: field_error(&errors, "name"),
        email: retyped.email.unwrap_or_default(),
        email_error: field_error(&errors, "email"),
        email_password_error: field_error(&errors, "email-password"),
        current_password_error: field_error(&errors, "current-password"),
        new_password_error: field_error(&errors, "new-password"),
        other_sessions: rows.iter().filter(|r| !r.this_device).count(),
        sessions: rows,
        mfa_on: crate::services::mfa::enabled(&state.db, user.id()).await?,
        errors,
    };
    let title = if page.errors.is_empty() {
        "Your account"
    } else {
        "Error: Your account"
    };
    render(
        state,
        req,
        &user.visitor(),
        View::new(status, "account/home", title, "account"),
        &page,
    )
}

/// `GET /account`: details, password, sessions, and links to export or delete.
pub async fn show_account(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: CurrentUser,
    query: web::Query<AccountQuery>,
) -> Result<HttpResponse, AppError> {
    let done = done_message(query.done.as_deref());
    account_page(
        &state,
        &req,
        &user,
        StatusCode::OK,
        done,
        Retyped::default(),
    )
    .await
}

/// Maps the errors a change can end with to the form field they belong to.
async fn refused(
    state: &AppState,
    req: &HttpRequest,
    user: &CurrentUser,
    error: AccountError,
    password_field: &'static str,
    mut retyped: Retyped,
) -> Result<HttpResponse, AppError> {
    let (status, field, message) = match error {
        AccountError::WrongPassword => (
            StatusCode::UNPROCESSABLE_ENTITY,
            password_field,
            WRONG_PASSWORD.to_string(),
        ),
        AccountError::TooManyAttempts => (
            StatusCode::TOO_MANY_REQUESTS,
            password_field,
            TOO_MANY.to_string(),
        ),
        AccountError::EmailTaken => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "email",
            "Another account already uses this email address. Enter a different one".to_string(),
        ),
        AccountError::NotFound => return Err(AppError::NotFound),
        AccountError::Unexpected(e) => return Err(AppError::Unexpected(e)),
    };
    retyped.errors.push(FieldError { field, message });
    account_page(state, req, user, status, None, retyped).await
}

/// `POST /account/name`: field `name`.
#[tracing::instrument(skip_all, fields(user_id = user.id()))]
pub async fn change_name(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: CurrentUser,
    form: CsrfForm,
) -> Result<HttpResponse, AppError> {
    let typed = form.fields.get("name");
    let name = match DisplayName::parse(typed) {
        Ok(n) => n,
        Err(message) => {
            let retyped = Retyped {
                name: Some(typed.to_string()),
                email: None,
                errors: vec![FieldError {
                    field: "name",
                    message,
                }],
            };
            return account_page(
                &state,
                &req,
                &user,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                retyped,
            )
            .await;
        }
    };
    match account::change_name(&state.db, &state.clock, &requester(&user, &req), &name).await {
        Ok(()) => Ok(see_other("/account?done=name")),
        Err(e) => refused(&state, &req, &user, e, "name", Retyped::default()).await,
    }
}

/// `POST /account/email`: fields `email` and `password` (the current one).
#[tracing::instrument(skip_all, fields(user_id = user.id()))]
pub async fn change_email(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: CurrentUser,
    form: CsrfForm,
) -> Result<HttpResponse, AppError> {
    let f = &form.fields;
    let typed = f.get("email").trim().to_string();
    let retyped = || Retyped {
        name: None,
        email: Some(typed.clone()),
        errors: Vec::new(),
    };
    let mut errors = Vec::new();
    let email = Email::parse(&typed)
        .map_err(|message| {
            errors.push(FieldError {
                field: "email",
                message,
            })
        })
        .ok();
    if f.get("password").is_empty() {
        errors.push(FieldError {
            field: "email-password",
            message: "Enter your current password".into(),
        });
    }
    let Some(email) = email.filter(|_| errors.is_empty()) else {
        let again = Retyped {
            errors,
            ..retyped()
        };
        return account_page(
            &state,
            &req,
            &user,
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
            again,
        )
        .await;
    };
    let password = SecretString::from(f.get("password").to_string());
    match account::change_email(
        &state.db,
        &state.clock,
        &requester(&user, &req),
        &email,
        password,
    )
    .await
    {
        Ok(()) => Ok(see_other("/account?done=email")),
        Err(e) => refused(&state, &req, &user, e, "email-password", retyped()).await,
    }
}

/// `POST /account/password`: fields `current_password` and `new_password`. Ends every other session.
#[tracing::instrument(skip_all, fields(user_id = user.id()))]
pub async fn change_password(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: CurrentUser,
    form: CsrfForm,
) -> Result<HttpResponse, AppError> {
    let f = &form.fields;
    let mut errors = Vec::new();
    if f.get("current_password").is_empty() {
        errors.push(FieldError {
            field: "current-password",
            message: "Enter your current password".into(),
        });
    }
    let new = NewPassword::parse(f.get("new_password"))
        .map_err(|p| {
            errors.push(FieldError {
                field: "new-password",
                message: p.message(),
            })
        })
        .ok();
    let Some(new) = new.filter(|_| errors.is_empty()) else {
        let again = Retyped {
            errors,
            ..Retyped::default()
        };
        return account_page(
            &state,
            &req,
            &user,
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
            again,
        )
        .await;
    };
    let current = SecretString::from(f.get("current_password").to_string());
    match account::change_password(
        &state.db,
        &state.clock,
        &requester(&user, &req),
        current,
        new,
        &user.session_token,
    )
    .await
    {
        Ok(_) => Ok(see_other("/account?done=password")),
        Err(e) => {
            refused(
                &state,
                &req,
                &user,
                e,
                "current-password",
                Retyped::default(),
            )
            .await
        }
    }
}

/// `POST /account/sessions/end`: field `session`, the opaque reference shown on the account page.
#[tracing::instrument(skip_all, fields(user_id = user.id()))]
pub async fn end_session(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: CurrentUser,
    form: CsrfForm,
) -> Result<HttpResponse, AppError> {
    let ended = account::end_session(
        &state.db,
        &state.clock,
        &requester(&user, &req),
        &state.csrf_key,
        form.fields.get("session"),
        &user.session_token,
    )
    .await
    .map_err(unexpected)?;
    Ok(see_other(if ended {
        "/account?done=session"
    } else {
        "/account"
    }))
}

/// `POST /account/sessions/end-others`: ends every session but this one.
#[tracing::instrument(skip_all, fields(user_id = user.id()))]
pub async fn end_other_sessions(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: CurrentUser,
    _form: CsrfForm,
) -> Result<HttpResponse, AppError> {
    account::end_other_sessions(
        &state.db,
        &state.clock,
        &requester(&user, &req),
        &user.session_token,
    )
    .await
    .map_err(unexpected)?;
    Ok(see_other("/account?done=others"))
}

// ---------------------------------------------------------------------------------------------
// Export
// ---------------------------------------------------------------------------------------------

async fn load_export(state: &AppState, user: &CurrentUser) -> Result<Export, AppError> {
    privacy::export(
        &state.db,
        user.id(),
        state.clock.now(),
        Some(&user.session_token),
    )
    .await?
    .ok_or(AppError::NotFound)
}

/// `GET /account/export.json`: everything held about the learner, as a JSON download.
#[tracing::instrument(skip_all, fields(user_id = user.id()))]
pub async fn export_json(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    let export = load_export(&state, &user).await?;
    let body = serde_json::to_string_pretty(&export)
        .map_err(|e| AppError::Unexpected(anyhow::Error::new(e).context("export to JSON")))?;
    tracing::info!("personal data exported");
    Ok(HttpResponse::Ok()
        .content_type("application/json; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"deepdive-my-data-{}.json\"",
                export.generated_at.format("%Y-%m-%d")
            ),
        ))
        .body(body))
}

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
struct ExportPage {
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

fn maybe(t: Option<chrono::DateTime<chrono::Utc>>) -> String {
    t.map_or_else(|| "–".into(), when)
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
    match action {
        "account.register" => "Account created",
        "login.success" => "Logged in",
        "login.failure" => "Failed log-in",
        "account.name_change" => "Name changed",
        "account.email_change" => "Email address changed",
        "account.password_change" => "Password changed",
        "account.reauth_failure" => "Wrong password entered on the account page",
        "account.session_end" => "A session was ended",
        "account.sessions_end_others" => "All other sessions were ended",
        "account.delete" => "Account deleted",
        "admin.create" => "Platform admin account created",
        other => other,
    }
}

fn export_page(course: &Course, e: Export) -> ExportPage {
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

/// `GET /account/export`: everything held about the learner, readable, with the JSON download.
#[tracing::instrument(skip_all, fields(user_id = user.id()))]
pub async fn show_export(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    let export = load_export(&state, &user).await?;
    let page = export_page(&state.course, export);
    render(
        &state,
        &req,
        &user.visitor(),
        View::new(StatusCode::OK, "account/export", "Your data", "account"),
        &page,
    )
}

// ---------------------------------------------------------------------------------------------
// Delete
// ---------------------------------------------------------------------------------------------

#[derive(Serialize, Default)]
struct DeletePage {
    errors: Vec<FieldError>,
    password_error: Option<String>,
    confirm_error: Option<String>,
    confirmed: bool,
    certificates: usize,
    retain_certificate_names: bool,
}

async fn delete_page(
    state: &AppState,
    req: &HttpRequest,
    user: &CurrentUser,
    status: StatusCode,
    errors: Vec<FieldError>,
    confirmed: bool,
) -> Result<HttpResponse, AppError> {
    let certificates = certificates::for_user(&state.db, user.id()).await?.len();
    let page = DeletePage {
        password_error: field_error(&errors, "password"),
        confirm_error: field_error(&errors, "confirm"),
        confirmed,
        certificates,
        retain_certificate_names: state.settings.retain_certificate_names,
        errors,
    };
    let title = if page.errors.is_empty() {
        "Delete your account"
    } else {
        "Error: Delete your account"
    };
    render(
        state,
        req,
        &user.visitor(),
        View::new(status, "account/delete", title, "account"),
        &page,
    )
}

/// `GET /account/delete`: what deletion does, and the form to confirm it.
pub async fn show_delete(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    delete_page(&state, &req, &user, StatusCode::OK, Vec::new(), false).await
}

/// `POST /account/delete`: fields `password` and `confirm` (`yes`). Erases the account's personal
/// data in one transaction, logs out and goes to the home page.
#[tracing::instrument(skip_all, fields(user_id = user.id()))]
pub async fn delete_account(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: CurrentUser,
    form: CsrfForm,
) -> Result<HttpResponse, AppError> {
    let f = &form.fields;
    let confirmed = f.get("confirm") == "yes";
    let mut errors = Vec::new();
    if f.get("password").is_empty() {
        errors.push(FieldError {
            field: "password",
            message: "Enter your password".into(),
        });
    }
    if !confirmed {
        errors.push(FieldError {
            field: "confirm",
            message: "Confirm that you understand your account will be deleted".into(),
        });
    }
    if !errors.is_empty() {
        return delete_page(
            &state,
            &req,
            &user,
            StatusCode::UNPROCESSABLE_ENTITY,
            errors,
            confirmed,
        )
        .await;
    }
    let password = SecretString::from(f.get("password").to_string());
    let result = privacy::delete_own_account(
        &state.db,
        &state.clock,
        &requester(&user, &req),
        password,
        ErasurePolicy::from(state.settings.as_ref()),
    )
    .await;
    let (status, message) = match result {
        Ok(_) => {
            return Ok(HttpResponse::SeeOther()
                .insert_header((header::LOCATION, "/?account=deleted"))
                .cookie(expired_session_cookie(&state))
                .finish());
        }
        Err(AccountError::WrongPassword) => (StatusCode::UNPROCESSABLE_ENTITY, WRONG_PASSWORD),
        Err(AccountError::TooManyAttempts) => (StatusCode::TOO_MANY_REQUESTS, TOO_MANY),
        Err(AccountError::NotFound | AccountError::EmailTaken) => return Err(AppError::NotFound),
        Err(AccountError::Unexpected(e)) => return Err(AppError::Unexpected(e)),
    };
    let errors = vec![FieldError {
        field: "password",
        message: message.into(),
    }];
    delete_page(&state, &req, &user, status, errors, confirmed).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_agents_are_described_in_plain_words() {
        assert_eq!(
            describe_agent(Some(
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36 Edg/130.0"
            )),
            "Edge on Windows"
        );
        assert_eq!(
            describe_agent(Some(
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
            )),
            "Safari on iOS"
        );
        assert_eq!(describe_agent(None), "Unknown browser");
        assert_eq!(describe_agent(Some("curl/8.0")), "A browser or program");
    }

    #[test]
    fn only_known_confirmations_are_shown() {
        assert!(done_message(Some("name")).is_some());
        assert!(done_message(Some("<script>")).is_none());
        assert!(done_message(None).is_none());
    }
}
