//! The cohort progress report and its CSV export; the organisation's security setting.
use actix_web::http::header;
use actix_web::{HttpResponse, web};
use futures_util::stream;
use serde::Deserialize;

use crate::error::AppError;
use crate::services::org_admin;
use crate::services::reports::{self, Filter, Sort};
use crate::web::csrf::CsrfForm;
use crate::web::extract::OrgAdmin;
use crate::web::page::Page;
use crate::web::views::org_report::{Notice, Position, ReportPage};

#[derive(Deserialize)]
pub struct ReportQuery {
    cohort: Option<String>,
    sort: Option<String>,
    dir: Option<String>,
    page: Option<u64>,
    /// After a bulk move: how many people moved ("none" when nobody was ticked).
    moved: Option<String>,
}

impl ReportQuery {
    fn filter(&self) -> Filter {
        Filter {
            cohort: self.cohort.as_deref().and_then(|c| c.parse().ok()),
            sort: Sort::parse(self.sort.as_deref().unwrap_or("name")),
            descending: self.dir.as_deref() == Some("desc"),
        }
    }
}

/// `GET /org/{slug}`: the cohort progress report (filter by cohort, sort, page).
#[tracing::instrument(skip_all, fields(user_id = admin.user.id()))]
pub async fn show_report(
    page: Page,
    admin: OrgAdmin,
    query: web::Query<ReportQuery>,
) -> Result<HttpResponse, AppError> {
    let state = &page.state;
    let filter = query.filter();
    let now = state.clock.now();
    let number = query.page.unwrap_or(1).max(1);
    let parts =
        reports::report_parts(&state.db, &state.course, admin.org.id, &filter, number, now).await?;
    let notice = query.moved.as_deref().map(|m| Notice {
        text: match m.parse::<usize>() {
            Ok(1) => "Moved 1 person.".into(),
            Ok(n) => format!("Moved {n} people."),
            Err(_) => "Nobody was moved: tick the people to move first.".into(),
        },
    });
    let at = Position {
        filter: &filter,
        page: number,
        notice,
        now,
    };
    let vm = ReportPage::build(&state.course, &admin.org, parts, at);
    let plans = crate::services::team_plan::plan_states(&state.db, &vm.user_ids()).await?;
    let vm = vm.with_plan_status(|id| plans.get(&id).map(|s| s.as_str()));
    let title = format!("{}: progress", admin.org.name);
    page.ok("org/report", &title, "org", &vm)
}

/// `GET /org/{slug}/progress.csv`: every row of the report, streamed in batches (flat memory at any size).
#[tracing::instrument(skip_all, fields(user_id = admin.user.id()))]
pub async fn progress_csv(
    page: Page,
    admin: OrgAdmin,
    query: web::Query<ReportQuery>,
) -> Result<HttpResponse, AppError> {
    let state = page.state.into_inner();
    org_admin::record_export(&state.db, &state.clock, &admin.who, "progress.csv").await?;
    let head = csv_head(&state.course)?;
    let body = progress_rows(state.clone(), admin.org.id, query.filter());
    let head = stream::once(async move { Ok::<_, actix_web::Error>(head) });
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}-progress.csv\"", admin.org.slug),
        ))
        .streaming(futures_util::StreamExt::chain(head, body)))
}

/// The progress CSV's header line, after a UTF-8 byte order mark so that Excel reads names such as
/// "Zoë" correctly.
fn csv_head(course: &crate::course::Course) -> Result<web::Bytes, AppError> {
    let mut line = csv::Writer::from_writer("\u{feff}".as_bytes().to_vec());
    line.write_record(reports::csv_header(course))
        .map_err(anyhow::Error::from)?;
    let bytes = line.into_inner().map_err(|e| anyhow::anyhow!("csv: {e}"))?;
    Ok(web::Bytes::from(bytes))
}

/// The report's rows as CSV, a batch at a time: each step fetches the next batch after the last
/// member id, so memory stays flat at any size.
fn progress_rows(
    state: std::sync::Arc<crate::web::AppState>,
    org_id: i32,
    filter: Filter,
) -> impl futures_util::Stream<Item = Result<web::Bytes, actix_web::Error>> {
    let now = state.clock.now();
    stream::unfold(Some(0i32), move |after| {
        let state = state.clone();
        let filter = filter.clone();
        async move {
            let after = after?;
            let batch =
                reports::batch_after(&state.db, &state.course, org_id, &filter, after, 1000, now)
                    .await;
            match batch {
                Ok(rows) if rows.is_empty() => None,
                Ok(rows) => {
                    let last = rows.last().map(|r| r.member_id);
                    Some((csv_bytes(&rows), last))
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
    })
}

/// One batch of report rows as CSV; a failure ends the download with an error, never a short file.
fn csv_bytes(rows: &[reports::LearnerRow]) -> Result<web::Bytes, actix_web::Error> {
    let mut w = csv::Writer::from_writer(Vec::with_capacity(rows.len() * 200));
    for r in rows {
        w.write_record(reports::csv_record(r))
            .map_err(actix_web::error::ErrorInternalServerError)?;
    }
    w.into_inner()
        .map(web::Bytes::from)
        .map_err(|e| actix_web::error::ErrorInternalServerError(e.to_string()))
}

/// `POST /org/{slug}/security`: field `require_admin_mfa` ("yes" when ticked).
#[tracing::instrument(skip_all, fields(user_id = admin.user.id()))]
pub async fn set_security(
    page: Page,
    form: CsrfForm,
    admin: OrgAdmin,
) -> Result<HttpResponse, AppError> {
    let require = form.fields.get("require_admin_mfa") == "yes";
    let state = &page.state;
    org_admin::set_security(&state.db, &state.clock, &admin.who, require).await?;
    Ok(page.see_other(&admin.url("/cohorts#security")))
}

#[derive(serde::Serialize)]
struct LedPage {
    organisations: Vec<(String, String)>,
}

/// `GET /org`: the organisations this person is a course lead of (the header's "Course lead"
/// link when there are several); straight to the report when there is one; 404 when none.
#[tracing::instrument(skip_all, fields(user_id = user.id()))]
pub async fn show_led_organisations(
    page: Page,
    user: crate::web::session::CurrentUser,
) -> Result<HttpResponse, AppError> {
    let led = crate::services::organisations::administered_by(&page.state.db, &user.user).await?;
    match led.as_slice() {
        [] => Err(AppError::NotFound),
        [one] => Ok(page.see_other(&format!("/org/{}", one.slug))),
        _ => {
            let vm = LedPage {
                organisations: led.into_iter().map(|o| (o.slug, o.name)).collect(),
            };
            page.ok("org/list", "Your organisations", "org", &vm)
        }
    }
}
