//! Ending one of the learner's other sessions, or all of them.
use actix_web::{HttpRequest, HttpResponse, web};

use super::{requester, unexpected};
use crate::error::AppError;
use crate::services::account;
use crate::web::AppState;
use crate::web::csrf::CsrfForm;
use crate::web::session::CurrentUser;
use crate::web::view::see_other;

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
