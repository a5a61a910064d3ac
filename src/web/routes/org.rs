//! The org admin area: cohort progress report and CSV export, cohorts, members, invitations,
//! bulk import, quiz insight and the organisation's audit log. Every handler first checks that the
//! user administers this organisation; anyone else gets 404, so organisations are not discoverable.
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{NaiveDate, TimeZone, Utc};
use futures_util::stream;
use serde::{Deserialize, Serialize};

use crate::domain::{Email, import};
use crate::entities::organisations;
use crate::error::AppError;
use crate::services::audit::{self, AuditEvent};
use crate::services::insight;
use crate::services::organisations::{self as orgs, InvitationState, OrgError};
use crate::services::reports::{self, Filter, Sort};
use crate::web::AppState;
use crate::web::csrf::CsrfForm;
use crate::web::session::CurrentUser;
use crate::web::view::{View, render, see_other};

pub const PER_PAGE: u64 = 50;

/// The organisation, if this user administers it; 404 otherwise.
pub async fn org_for_admin(
    state: &AppState,
    user: &CurrentUser,
    slug: &str,
) -> Result<organisations::Model, AppError> {
    let org = orgs::by_slug(&state.db, slug)
        .await?
        .ok_or(AppError::NotFound)?;
    if orgs::can_admin(&state.db, &user.user, org.id).await? {
        if (org.require_admin_mfa || user.is_platform_admin())
            && !crate::services::mfa::enabled(&state.db, user.id()).await?
        {
            return Err(AppError::MfaRequired);
        }
        Ok(org)
    } else {
        tracing::warn!(user_id = user.id(), "refused access to an organisation");
        crate::services::audit::record(
            &state.db,
            &state.clock,
            crate::services::audit::AuditEvent {
                actor: Some(user.id()),
                action: "access.refused",
                target: Some(format!("org:{}", org.id)),
                detail: None,
                ip: None,
            },
        )
        .await?;
        Err(AppError::NotFound)
    }
}

fn ip(req: &HttpRequest) -> Option<String> {
    req.peer_addr().map(|a| a.ip().to_string())
}

async fn audit_org(
    state: &AppState,
    req: &HttpRequest,
    user: &CurrentUser,
    org: &organisations::Model,
    action: &str,
    detail: String,
) -> Result<(), AppError> {
    audit::record(
        &state.db,
        &state.clock,
        AuditEvent {
            actor: Some(user.id()),
            action,
            target: Some(format!("org:{}", org.id)),
            detail: Some(detail),
            ip: ip(req),
        },
    )
    .await?;
    Ok(())
}

#[derive(Deserialize)]
pub struct ReportQuery {
    cohort: Option<String>,
    sort: Option<String>,
    dir: Option<String>,
    page: Option<u64>,
}

fn filter_of(q: &ReportQuery) -> Filter {
    Filter {
        cohort: q.cohort.as_deref().and_then(|c| c.parse().ok()),
        sort: Sort::parse(q.sort.as_deref().unwrap_or("name")),
        descending: q.dir.as_deref() == Some("desc"),
    }
}

#[derive(Serialize)]
struct CellView {
    status: &'static str,
    tag: &'static str,
    percent: i32,
    best_score: Option<i32>,
    due: Option<String>,
}

#[derive(Serialize)]
struct RowView {
    user_id: i32,
    name: String,
    email: String,
    is_admin: bool,
    cohort: Option<String>,
    percent: i32,
    last_active: String,
    certificate: Option<String>,
    modules: Vec<CellView>,
}

#[derive(Serialize)]
struct ModuleHead {
    number: usize,
    title: String,
    completed: i64,
    in_progress: i64,
    rate: i64,
}

#[derive(Serialize)]
struct CohortOption {
    id: i32,
    name: String,
    selected: bool,
    pacing: String,
    starts: String,
    reminders_on: bool,
}

#[derive(Serialize)]
struct InvitationView {
    id: i32,
    cohort: Option<String>,
    expires: String,
    uses: String,
    state: &'static str,
    open: bool,
}

#[derive(Serialize)]
struct ReportPage {
    slug: String,
    name: String,
    require_admin_mfa: bool,
    learners: i64,
    started: i64,
    completed: i64,
    completion_rate: i64,
    modules: Vec<ModuleHead>,
    rows: Vec<RowView>,
    cohorts: Vec<CohortOption>,
    cohort: String,
    sort: &'static str,
    dir: &'static str,
    page: u64,
    pages: u64,
    prev: Option<u64>,
    next: Option<u64>,
    invitations: Vec<InvitationView>,
    new_invite: Option<String>,
    module_slugs: Vec<(usize, String, String)>,
    confidence: Vec<GainView>,
    suppress_below: usize,
}

#[derive(Serialize)]
struct GainView {
    statement: String,
    answered: usize,
    percent: Option<usize>,
    suppressed: bool,
    case_study: Option<String>,
}

#[derive(Deserialize)]
pub struct InviteShown {
    invite: Option<String>,
}

fn rate(part: i64, whole: i64) -> i64 {
    if whole == 0 { 0 } else { part * 100 / whole }
}

/// `GET /org/{slug}`: the cohort progress report (filter by cohort, sort, page).
pub async fn report(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: CurrentUser,
    path: web::Path<String>,
    query: web::Query<ReportQuery>,
) -> Result<HttpResponse, AppError> {
    let org = org_for_admin(&state, &user, &path).await?;
    let filter = filter_of(&query);
    let now = state.clock.now();
    let page = query.page.unwrap_or(1).max(1);
    // The pieces of the report do not depend on each other: ask for them at once.
    let (rows, totals, cohorts, invitations, gains) = futures_util::future::try_join5(
        reports::page(
            &state.db,
            &state.course,
            org.id,
            &filter,
            page,
            PER_PAGE,
            now,
        ),
        reports::totals(&state.db, &state.course, org.id, &filter),
        orgs::cohorts_of(&state.db, org.id),
        orgs::invitations_of(&state.db, org.id),
        crate::services::confidence::org_gain(&state.db, &state.course, org.id, filter.cohort),
    )
    .await?;
    let total = totals.learners;
    let confidence = state
        .course
        .confidence
        .iter()
        .zip(gains)
        .map(|(s, g)| GainView {
            statement: s.statement.clone(),
            answered: g.answered,
            percent: g.percent(),
            suppressed: g.percent().is_none() && g.answered > 0,
            case_study: s.case_study_percent.map(|p| format!("{p}%")),
        })
        .collect();
    let pages = u64::try_from(total).unwrap_or(0).div_ceil(PER_PAGE).max(1);
    let new_invite = web::Query::<InviteShown>::from_query(req.query_string())
        .ok()
        .and_then(|q| q.invite.clone())
        .filter(|t| crate::services::tokens::plausible(t))
        .map(|t| format!("{}/invite/{t}", state.settings.base_url));
    let page_view = ReportPage {
        slug: org.slug.clone(),
        name: org.name.clone(),
        require_admin_mfa: org.require_admin_mfa,
        learners: totals.learners,
        started: totals.started,
        completed: totals.completed,
        completion_rate: rate(totals.completed, totals.learners),
        modules: state
            .course
            .modules
            .iter()
            .zip(&totals.modules)
            .map(|(m, t)| ModuleHead {
                number: m.number,
                title: m.title.clone(),
                completed: t.completed,
                in_progress: t.in_progress,
                rate: rate(t.completed, totals.learners),
            })
            .collect(),
        rows: rows
            .into_iter()
            .map(|r| RowView {
                user_id: r.user_id,
                name: r.name,
                email: r.email,
                is_admin: r.role == "org_admin",
                cohort: r.cohort,
                percent: r.percent,
                last_active: r
                    .last_active
                    .map_or_else(|| "Never".into(), |d| d.format("%-d %b %Y").to_string()),
                certificate: r.certificate,
                modules: r
                    .modules
                    .iter()
                    .map(|c| CellView {
                        status: c.status.label(),
                        tag: match c.status {
                            reports::CellStatus::Completed => "green",
                            reports::CellStatus::InProgress => "blue",
                            reports::CellStatus::Overdue => "red",
                            reports::CellStatus::NotStarted => "grey",
                        },
                        percent: c.percent,
                        best_score: c.best_score,
                        due: c.due.map(|d| d.format("%-d %b").to_string()),
                    })
                    .collect(),
            })
            .collect(),
        cohorts: cohorts
            .iter()
            .map(|c| CohortOption {
                id: c.id,
                name: c.name.clone(),
                selected: filter.cohort == Some(c.id),
                pacing: if c.pacing == "weekly" {
                    "One module a week".into()
                } else {
                    "Self-paced".into()
                },
                starts: c.starts_on.format("%-d %B %Y").to_string(),
                reminders_on: !c.reminders_off,
            })
            .collect(),
        cohort: filter.cohort.map(|c| c.to_string()).unwrap_or_default(),
        sort: filter.sort.as_str(),
        dir: if filter.descending { "desc" } else { "asc" },
        page,
        pages,
        prev: (page > 1).then(|| page - 1),
        next: (page < pages).then(|| page + 1),
        invitations: invitations
            .iter()
            .map(|i| {
                let st = orgs::invitation_state(i, now);
                InvitationView {
                    id: i.id,
                    cohort: i
                        .cohort_id
                        .and_then(|c| cohorts.iter().find(|x| x.id == c))
                        .map(|c| c.name.clone()),
                    expires: i.expires_at.format("%-d %b %Y").to_string(),
                    uses: match i.max_uses {
                        Some(m) => format!("{} of {m}", i.uses),
                        None => i.uses.to_string(),
                    },
                    state: match st {
                        InvitationState::Open => "Open",
                        InvitationState::Expired => "Expired",
                        InvitationState::UsedUp => "Used up",
                        InvitationState::Revoked => "Revoked",
                    },
                    open: st == InvitationState::Open,
                }
            })
            .collect(),
        new_invite,
        module_slugs: state
            .course
            .modules
            .iter()
            .map(|m| (m.number, m.slug.clone(), m.title.clone()))
            .collect(),
        confidence,
        suppress_below: crate::services::confidence::SUPPRESS_BELOW,
    };
    let title = format!("{}: progress", org.name);
    render(
        &state,
        &req,
        &user.visitor(),
        View::new(StatusCode::OK, "org/report", &title, "org"),
        &page_view,
    )
}

/// `GET /org/{slug}/progress.csv`: every row of the report, streamed in batches (flat memory at any size).
pub async fn progress_csv(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: CurrentUser,
    path: web::Path<String>,
    query: web::Query<ReportQuery>,
) -> Result<HttpResponse, AppError> {
    let org = org_for_admin(&state, &user, &path).await?;
    let filter = filter_of(&query);
    audit_org(
        &state,
        &req,
        &user,
        &org,
        "org.export",
        "progress.csv".into(),
    )
    .await?;
    let mut header_line = csv::Writer::from_writer(Vec::new());
    header_line
        .write_record(reports::csv_header(&state.course))
        .map_err(anyhow::Error::from)?;
    let header_bytes = header_line
        .into_inner()
        .map_err(|e| anyhow::anyhow!("csv: {e}"))?;
    let state = state.into_inner();
    let now = state.clock.now();
    let org_id = org.id;
    // Each step fetches the next batch after the last member id and turns it into CSV bytes.
    let body = stream::unfold(Some(0i32), move |after| {
        let state = state.clone();
        let filter = filter.clone();
        async move {
            let after = after?;
            match reports::batch_after(&state.db, &state.course, org_id, &filter, after, 1000, now)
                .await
            {
                Ok(rows) if rows.is_empty() => None,
                Ok(rows) => {
                    let last = rows.last().map(|r| r.member_id);
                    let mut w = csv::Writer::from_writer(Vec::with_capacity(rows.len() * 200));
                    for r in &rows {
                        if w.write_record(reports::csv_record(r)).is_err() {
                            break;
                        }
                    }
                    let bytes = w.into_inner().unwrap_or_default();
                    Some((Ok::<_, actix_web::Error>(web::Bytes::from(bytes)), last))
                }
                Err(e) => {
                    tracing::error!("progress export failed: {e}");
                    Some((
                        Err(actix_web::error::ErrorInternalServerError("export failed")),
                        None,
                    ))
                }
            }
        }
    });
    let head =
        stream::once(async move { Ok::<_, actix_web::Error>(web::Bytes::from(header_bytes)) });
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}-progress.csv\"", org.slug),
        ))
        .streaming(futures_util::StreamExt::chain(head, body)))
}

/// `POST /org/{slug}/security`: field `require_admin_mfa` ("yes" when ticked).
pub async fn security(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: CurrentUser,
    form: CsrfForm,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let org = org_for_admin(&state, &user, &path).await?;
    let require = form.fields.get("require_admin_mfa") == "yes";
    orgs::set_require_admin_mfa(&state.db, org.id, require).await?;
    audit_org(
        &state,
        &req,
        &user,
        &org,
        "org.security",
        format!("require_admin_mfa={require}"),
    )
    .await?;
    Ok(see_other(&format!("/org/{}#security", org.slug)))
}

/// `POST /org/{slug}/cohorts`: fields `name`, `starts_on` (YYYY-MM-DD), `pacing` (self or weekly).
pub async fn create_cohort(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: CurrentUser,
    form: CsrfForm,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let org = org_for_admin(&state, &user, &path).await?;
    let f = &form.fields;
    let name = f.get("name").trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::BadRequest(
            "Enter a cohort name of up to 100 characters. Go back and try again.".into(),
        ));
    }
    let starts = NaiveDate::parse_from_str(f.get("starts_on").trim(), "%Y-%m-%d")
        .map_err(|_| AppError::BadRequest("Enter the start date as year-month-day, for example 2027-01-11. Go back and try again.".into()))?;
    let starts = Utc.from_utc_datetime(&starts.and_hms_opt(0, 0, 0).unwrap_or_default());
    let weekly = f.get("pacing") == "weekly";
    match orgs::create_cohort(&state.db, org.id, name, starts, weekly, state.clock.now()).await {
        Ok(c) => {
            audit_org(
                &state,
                &req,
                &user,
                &org,
                "org.cohort.create",
                format!("cohort:{} {}", c.id, c.name),
            )
            .await?;
            Ok(see_other(&format!("/org/{}?cohort={}", org.slug, c.id)))
        }
        Err(OrgError::CohortTaken) => Err(AppError::BadRequest(
            "This organisation already has a cohort with that name. Go back and choose another."
                .into(),
        )),
        Err(OrgError::Db(e)) => Err(e.into()),
        Err(e) => Err(AppError::Unexpected(anyhow::anyhow!("{e}"))),
    }
}

/// `POST /org/{slug}/members/{user_id}/cohort`: field `cohort` (a cohort id, or empty for none).
pub async fn move_member(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: CurrentUser,
    form: CsrfForm,
    path: web::Path<(String, i32)>,
) -> Result<HttpResponse, AppError> {
    let (slug, member) = path.into_inner();
    let org = org_for_admin(&state, &user, &slug).await?;
    let cohort = match form.fields.get("cohort") {
        "" => None,
        c => Some(c.parse::<i32>().map_err(|_| AppError::NotFound)?),
    };
    if !orgs::set_cohort(&state.db, org.id, member, cohort).await? {
        return Err(AppError::NotFound);
    }
    audit_org(
        &state,
        &req,
        &user,
        &org,
        "org.member.move",
        format!(
            "user:{member} cohort:{}",
            cohort.map_or("none".into(), |c| c.to_string())
        ),
    )
    .await?;
    Ok(see_other(&format!("/org/{}", org.slug)))
}

/// `POST /org/{slug}/members/{user_id}/remove`: a leaver leaves the organisation; their records stay.
pub async fn remove_member(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: CurrentUser,
    _form: CsrfForm,
    path: web::Path<(String, i32)>,
) -> Result<HttpResponse, AppError> {
    let (slug, member) = path.into_inner();
    let org = org_for_admin(&state, &user, &slug).await?;
    if !orgs::remove_member(&state.db, org.id, member).await? {
        return Err(AppError::NotFound);
    }
    audit_org(
        &state,
        &req,
        &user,
        &org,
        "org.member.remove",
        format!("user:{member}"),
    )
    .await?;
    Ok(see_other(&format!("/org/{}", org.slug)))
}

/// `POST /org/{slug}/members/{user_id}/reset`: a single-use password reset link for a learner.
pub async fn reset_member(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: CurrentUser,
    _form: CsrfForm,
    path: web::Path<(String, i32)>,
) -> Result<HttpResponse, AppError> {
    let (slug, member) = path.into_inner();
    let org = org_for_admin(&state, &user, &slug).await?;
    if !orgs::is_member(&state.db, org.id, member).await? {
        return Err(AppError::NotFound);
    }
    crate::web::routes::onboarding::reset_link_page(
        &state,
        &req,
        &user,
        member,
        format!("/org/{}", org.slug),
    )
    .await
}

/// `POST /org/{slug}/invitations`: fields `cohort`, `days` (1-90), `max_uses` (optional).
pub async fn create_invitation(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: CurrentUser,
    form: CsrfForm,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let org = org_for_admin(&state, &user, &path).await?;
    let f = &form.fields;
    let cohort = match f.get("cohort") {
        "" => None,
        c => {
            let id = c.parse::<i32>().map_err(|_| AppError::NotFound)?;
            Some(
                orgs::cohort(&state.db, org.id, id)
                    .await?
                    .ok_or(AppError::NotFound)?
                    .id,
            )
        }
    };
    let days = match f.get("days").trim() {
        "" => 14,
        d => d
            .parse::<i64>()
            .ok()
            .filter(|d| (1..=90).contains(d))
            .ok_or_else(|| {
                AppError::BadRequest(
                    "The link can last from 1 to 90 days. Go back and try again.".into(),
                )
            })?,
    };
    let max_uses = match f.get("max_uses").trim() {
        "" => None,
        m => Some(
            m.parse::<i32>()
                .ok()
                .filter(|m| (1..=100_000).contains(m))
                .ok_or_else(|| {
                    AppError::BadRequest(
                        "The number of uses must be a whole number from 1. Go back and try again."
                            .into(),
                    )
                })?,
        ),
    };
    let to = match f.get("email").trim() {
        "" => None,
        e => Some(
            Email::parse(e)
                .map_err(|m| AppError::BadRequest(format!("{m}. Go back and try again.")))?,
        ),
    };
    let mail = orgs::ActivationMail {
        templates: &state.templates,
        course_title: &state.course.title,
        base_url: &state.settings.base_url,
        org_name: &org.name,
        message_domain: crate::services::reminders::message_domain(&state.settings),
    };
    let token = match to.filter(|_| state.settings.smtp.is_some()) {
        Some(to) => orgs::invite_by_email(
            &state.db,
            org.id,
            cohort,
            user.id(),
            days,
            max_uses,
            state.clock.now(),
            &to,
            &mail,
        )
        .await
        .inspect(|_| super::mail::send_soon(&state)),
        None => {
            orgs::create_invitation(
                &state.db,
                org.id,
                cohort,
                user.id(),
                days,
                max_uses,
                state.clock.now(),
            )
            .await
        }
    }
    .map_err(|e| AppError::Unexpected(anyhow::anyhow!("{e}")))?;
    audit_org(
        &state,
        &req,
        &user,
        &org,
        "org.invitation.create",
        format!("days:{days} max_uses:{max_uses:?}"),
    )
    .await?;
    Ok(see_other(&format!(
        "/org/{}?invite={token}#invitations",
        org.slug
    )))
}

/// `POST /org/{slug}/invitations/{id}/revoke`
pub async fn revoke_invitation(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: CurrentUser,
    _form: CsrfForm,
    path: web::Path<(String, i32)>,
) -> Result<HttpResponse, AppError> {
    let (slug, id) = path.into_inner();
    let org = org_for_admin(&state, &user, &slug).await?;
    orgs::revoke_invitation(&state.db, org.id, id, state.clock.now()).await?;
    audit_org(
        &state,
        &req,
        &user,
        &org,
        "org.invitation.revoke",
        format!("invitation:{id}"),
    )
    .await?;
    Ok(see_other(&format!("/org/{}#invitations", org.slug)))
}

#[derive(Serialize, Default)]
struct ImportPage {
    slug: String,
    name: String,
    csv: String,
    cohorts: Vec<CohortOption>,
    problems: Vec<String>,
    preview: Vec<PreviewRow>,
    count: usize,
    done: Vec<DoneRow>,
    links_csv: String,
}

#[derive(Serialize)]
struct PreviewRow {
    line: usize,
    email: String,
    name: String,
    role: &'static str,
}

#[derive(Serialize)]
struct DoneRow {
    email: String,
    name: String,
    url: Option<String>,
}

async fn cohort_options(
    state: &AppState,
    org_id: i32,
    selected: Option<i32>,
) -> Result<Vec<CohortOption>, AppError> {
    Ok(orgs::cohorts_of(&state.db, org_id)
        .await?
        .into_iter()
        .map(|c| CohortOption {
            selected: selected == Some(c.id),
            id: c.id,
            name: c.name,
            pacing: c.pacing,
            starts: c.starts_on.format("%-d %B %Y").to_string(),
            reminders_on: !c.reminders_off,
        })
        .collect())
}

/// `GET /org/{slug}/import`: paste a spreadsheet or CSV (email, name, role) to onboard staff.
pub async fn show_import(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: CurrentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let org = org_for_admin(&state, &user, &path).await?;
    let page = ImportPage {
        slug: org.slug.clone(),
        name: org.name.clone(),
        cohorts: cohort_options(&state, org.id, None).await?,
        ..Default::default()
    };
    render(
        &state,
        &req,
        &user.visitor(),
        View::new(StatusCode::OK, "org/import", "Add staff", "org"),
        &page,
    )
}

/// `POST /org/{slug}/import`: `action=preview` checks every line and shows what would happen;
/// `action=import` checks again and imports everything in one transaction, or nothing.
pub async fn import_users(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: CurrentUser,
    form: CsrfForm,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let org = org_for_admin(&state, &user, &path).await?;
    let f = &form.fields;
    let csv_text = f.get("csv").to_string();
    let cohort = match f.get("cohort") {
        "" => None,
        c => Some(
            orgs::cohort(
                &state.db,
                org.id,
                c.parse().map_err(|_| AppError::NotFound)?,
            )
            .await?
            .ok_or(AppError::NotFound)?
            .id,
        ),
    };
    let mut page = ImportPage {
        slug: org.slug.clone(),
        name: org.name.clone(),
        cohorts: cohort_options(&state, org.id, cohort).await?,
        csv: csv_text.clone(),
        ..Default::default()
    };
    let rows = match import::parse("line", &csv_text) {
        Ok(rows) if rows.is_empty() => {
            page.problems.push("The list has no people in it: paste a header row (email, name, role) and one row per person".into());
            return render(
                &state,
                &req,
                &user.visitor(),
                View::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "org/import",
                    "Error: Add staff",
                    "org",
                ),
                &page,
            );
        }
        Ok(rows) => rows,
        Err(problems) => {
            page.problems = problems
                .into_iter()
                .map(|p| p.replacen("line:", "Line ", 1))
                .collect();
            return render(
                &state,
                &req,
                &user.visitor(),
                View::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "org/import",
                    "Error: Add staff",
                    "org",
                ),
                &page,
            );
        }
    };
    if f.get("action") != "import" {
        page.count = rows.len();
        page.preview = rows
            .iter()
            .map(|r| PreviewRow {
                line: r.line,
                email: r.email.as_str().into(),
                name: r.name.as_str().into(),
                role: r.role.as_str(),
            })
            .collect();
        return render(
            &state,
            &req,
            &user.visitor(),
            View::new(StatusCode::OK, "org/import", "Check and add staff", "org"),
            &page,
        );
    }
    let mail = state.settings.smtp.is_some().then(|| orgs::ActivationMail {
        templates: &state.templates,
        course_title: &state.course.title,
        base_url: &state.settings.base_url,
        org_name: &org.name,
        message_domain: crate::services::reminders::message_domain(&state.settings),
    });
    let done = orgs::import(
        &state.db,
        &state.course.slug,
        org.id,
        cohort,
        &rows,
        state.clock.now(),
        mail.as_ref(),
    )
    .await
    .map_err(|e| AppError::Unexpected(anyhow::anyhow!("{e}")))?;
    super::mail::send_soon(&state);
    audit_org(
        &state,
        &req,
        &user,
        &org,
        "org.import",
        format!("{} people", done.len()),
    )
    .await?;
    let mut links = csv::Writer::from_writer(Vec::new());
    let _ = links.write_record(["email", "name", "activation_url"]);
    page.done = done
        .into_iter()
        .map(|d| {
            let url = d
                .token
                .map(|t| format!("{}/activate/{t}", state.settings.base_url));
            let _ = links.write_record([
                reports::safe_cell(&d.email),
                reports::safe_cell(&d.name),
                url.clone()
                    .unwrap_or_else(|| "(existing account: added)".into()),
            ]);
            DoneRow {
                email: d.email,
                name: d.name,
                url,
            }
        })
        .collect();
    page.links_csv = String::from_utf8(links.into_inner().unwrap_or_default()).unwrap_or_default();
    page.csv = String::new();
    render(
        &state,
        &req,
        &user.visitor(),
        View::new(StatusCode::OK, "org/import", "Staff added", "org"),
        &page,
    )
}

/// `POST /org/{slug}/import/links.csv`: hands back the activation links shown after an import as a CSV
/// download (the links exist only in that page: the server keeps only their hashes).
pub async fn import_links_csv(
    state: web::Data<AppState>,
    user: CurrentUser,
    form: CsrfForm,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let org = org_for_admin(&state, &user, &path).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}-activation-links.csv\"", org.slug),
        ))
        .body(form.fields.get("links").to_string()))
}

#[derive(Deserialize)]
pub struct InsightQuery {
    module: Option<String>,
    cohort: Option<String>,
}

#[derive(Serialize)]
struct ChoiceCount {
    text: String,
    correct: bool,
    first: usize,
    all: usize,
}

#[derive(Serialize)]
struct QuestionInsight {
    prompt: String,
    kind: &'static str,
    first_n: usize,
    all_n: usize,
    first_facility: String,
    all_facility: String,
    first_discrimination: String,
    all_discrimination: String,
    choices: Vec<ChoiceCount>,
    hard: bool,
}

#[derive(Serialize)]
struct InsightPage {
    slug: String,
    name: String,
    module_slug: String,
    module_title: String,
    modules: Vec<(String, String, bool)>,
    learners: usize,
    attempts: usize,
    questions: Vec<QuestionInsight>,
}

fn pct(f: Option<f64>) -> String {
    f.map_or_else(|| "–".into(), |v| format!("{:.0}%", v * 100.0))
}

fn corr(f: Option<f64>) -> String {
    f.map_or_else(|| "–".into(), |v| format!("{v:.2}"))
}

/// `GET /org/{slug}/quiz?module=…`: which questions the organisation's learners get wrong.
pub async fn quiz_insight(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: CurrentUser,
    path: web::Path<String>,
    query: web::Query<InsightQuery>,
) -> Result<HttpResponse, AppError> {
    let org = org_for_admin(&state, &user, &path).await?;
    let module = match query.module.as_deref() {
        Some(m) => state.course.module(m).ok_or(AppError::NotFound)?,
        None => state.course.modules.first().ok_or(AppError::NotFound)?,
    };
    let cohort = query.cohort.as_deref().and_then(|c| c.parse().ok());
    let ins = insight::for_module(&state.db, org.id, cohort, &module.slug).await?;
    let mut questions: Vec<QuestionInsight> = module
        .quiz
        .questions
        .iter()
        .map(|q| {
            let first = ins.first.get(&q.id).cloned().unwrap_or_default();
            let all = ins.all.get(&q.id).cloned().unwrap_or_default();
            QuestionInsight {
                prompt: q.prompt.clone(),
                kind: match q.kind {
                    crate::course::QuestionKind::Single => "Single answer",
                    crate::course::QuestionKind::Multiple => "Multiple answer",
                    crate::course::QuestionKind::TrueFalse => "True or false",
                    crate::course::QuestionKind::Ordering => "Ordering",
                    crate::course::QuestionKind::Matching => "Matching",
                },
                first_n: first.answered,
                all_n: all.answered,
                first_facility: pct(first.facility),
                all_facility: pct(all.facility),
                first_discrimination: corr(first.discrimination),
                all_discrimination: corr(all.discrimination),
                choices: q
                    .options
                    .iter()
                    .map(|o| ChoiceCount {
                        text: o.text.clone(),
                        correct: o.correct,
                        first: first.choices.get(&o.id).copied().unwrap_or(0),
                        all: all.choices.get(&o.id).copied().unwrap_or(0),
                    })
                    .collect(),
                hard: all.facility.is_some_and(|f| f < 0.5),
            }
        })
        .collect();
    questions.sort_by_key(|q| std::cmp::Reverse(q.hard));
    let page = InsightPage {
        slug: org.slug.clone(),
        name: org.name.clone(),
        module_slug: module.slug.clone(),
        module_title: format!("Module {}: {}", module.number, module.title),
        modules: state
            .course
            .modules
            .iter()
            .map(|m| {
                (
                    m.slug.clone(),
                    format!("Module {}: {}", m.number, m.title),
                    m.slug == module.slug,
                )
            })
            .collect(),
        learners: ins.learners,
        attempts: ins.attempts,
        questions,
    };
    render(
        &state,
        &req,
        &user.visitor(),
        View::new(StatusCode::OK, "org/insight", "Quiz insight", "org"),
        &page,
    )
}

#[derive(Serialize)]
struct AuditView {
    at: String,
    actor: String,
    action: String,
    detail: String,
}

#[derive(Serialize)]
struct OrgAuditPage {
    slug: String,
    name: String,
    entries: Vec<AuditView>,
}

/// `GET /org/{slug}/audit`: the organisation's admin actions.
pub async fn org_audit(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: CurrentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let org = org_for_admin(&state, &user, &path).await?;
    let entries = audit::for_target(&state.db, &format!("org:{}", org.id), 200).await?;
    let page = OrgAuditPage {
        slug: org.slug.clone(),
        name: org.name.clone(),
        entries: entries
            .into_iter()
            .map(|e| AuditView {
                at: e.at.format("%Y-%m-%d %H:%M UTC").to_string(),
                actor: e
                    .actor_user_id
                    .map_or_else(|| "–".into(), |a| format!("user:{a}")),
                action: e.action,
                detail: e.detail.unwrap_or_default(),
            })
            .collect(),
    };
    render(
        &state,
        &req,
        &user.visitor(),
        View::new(StatusCode::OK, "org/audit", "Audit log", "org"),
        &page,
    )
}
