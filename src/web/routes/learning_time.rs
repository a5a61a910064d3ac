//! The learning-time heartbeat sent by lesson and quiz pages while they are visible.
use actix_web::HttpResponse;
use actix_web::web;

use crate::error::AppError;
use crate::services::learning_time::{self, Beat};
use crate::web::AppState;
use crate::web::csrf::CsrfForm;
use crate::web::session::CurrentUser;

/// `POST /learning-time/beat` (fields `view`, `seconds`): 204 when counted, 404 when the view is
/// not this session's open view, 400 for a malformed beat.
pub async fn heartbeat(
    state: web::Data<AppState>,
    user: CurrentUser,
    form: CsrfForm,
) -> Result<HttpResponse, AppError> {
    let bad = || AppError::BadRequest("This is not a valid learning time heartbeat.".into());
    let view: i32 = form.fields.get("view").parse().map_err(|_| bad())?;
    let seconds: i64 = form.fields.get("seconds").parse().map_err(|_| bad())?;
    if seconds < 0 {
        return Err(bad());
    }
    match learning_time::heartbeat(
        &state.writer,
        user.id(),
        &user.session_token,
        view,
        seconds,
        state.clock.now(),
    )
    .await?
    {
        Beat::Counted(_) => Ok(HttpResponse::NoContent().finish()),
        Beat::Refused => Err(AppError::NotFound),
    }
}
