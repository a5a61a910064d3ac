//! The ESR-ready completion export: one row per completed module, for a Trust's ESR team to
//! record a local competence (see README, "Recording completions in ESR").
use actix_web::http::header;
use actix_web::{HttpResponse, web};
use futures_util::stream;

use crate::error::AppError;
use crate::services::{org_admin, records};
use crate::web::extract::OrgAdmin;
use crate::web::page::Page;

/// Rows fetched per step of the download.
const BATCH: u64 = 1000;

/// `GET /org/{slug}/completions.csv`: UTF-8 with a byte-order mark (so Excel reads names right),
/// streamed in batches by completion id; every free-text cell defused against formula injection.
#[tracing::instrument(skip_all, fields(user_id = admin.user.id()))]
pub async fn completions_csv(page: Page, admin: OrgAdmin) -> Result<HttpResponse, AppError> {
    let state = page.state.into_inner();
    org_admin::record_export(&state.db, &state.clock, &admin.who, "completions.csv").await?;
    let mut head = csv::Writer::from_writer("\u{feff}".as_bytes().to_vec());
    head.write_record(records::ESR_CSV_HEADER)
        .map_err(anyhow::Error::from)?;
    let head = head.into_inner().map_err(|e| anyhow::anyhow!("csv: {e}"))?;
    let org_id = admin.org.id;
    let body = stream::unfold(Some(0i32), move |after| {
        let state = state.clone();
        async move {
            let after = after?;
            match records::completions_after(&state.db, &state.course, org_id, after, BATCH).await {
                Ok(rows) if rows.is_empty() => None,
                Ok(rows) => {
                    let last = rows.last().map(|r| r.id);
                    Some((csv_bytes(&rows), last))
                }
                Err(e) => {
                    tracing::error!("completion export failed: {e}");
                    Some((
                        Err(actix_web::error::ErrorInternalServerError("export failed")),
                        None,
                    ))
                }
            }
        }
    });
    let head = stream::once(async move { Ok::<_, actix_web::Error>(web::Bytes::from(head)) });
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"{}-completions.csv\"",
                admin.org.slug
            ),
        ))
        .streaming(futures_util::StreamExt::chain(head, body)))
}

/// One batch of completions as CSV; a failure ends the download with an error, never a short file.
fn csv_bytes(rows: &[records::Completion]) -> Result<web::Bytes, actix_web::Error> {
    let mut w = csv::Writer::from_writer(Vec::with_capacity(rows.len() * 200));
    for r in rows {
        w.write_record(records::esr_csv_record(r))
            .map_err(actix_web::error::ErrorInternalServerError)?;
    }
    w.into_inner()
        .map(web::Bytes::from)
        .map_err(|e| actix_web::error::ErrorInternalServerError(e.to_string()))
}
