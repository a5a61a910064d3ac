//! Ending one of the learner's other sessions, or all of them.
use actix_web::HttpResponse;

use super::{requester, unexpected};
use crate::error::AppError;
use crate::services::account;
use crate::web::csrf::CsrfForm;
use crate::web::page::Page;
use crate::web::session::CurrentUser;

/// `POST /account/sessions/end`: field `session`, the opaque reference shown on the account page.
#[tracing::instrument(skip_all, fields(user_id = user.id()))]
pub async fn end_session(
    page: Page,
    user: CurrentUser,
    form: CsrfForm,
) -> Result<HttpResponse, AppError> {
    let state = &page.state;
    let ended = account::end_session(
        &state.db,
        &state.clock,
        &requester(&user, &page.req),
        &state.csrf_key,
        form.fields.get("session"),
        &user.session_token,
    )
    .await
    .map_err(unexpected)?;
    Ok(page.see_other(if ended {
        "/account?done=session"
    } else {
        "/account"
    }))
}

/// `POST /account/sessions/end-others`: ends every session but this one.
#[tracing::instrument(skip_all, fields(user_id = user.id()))]
pub async fn end_other_sessions(
    page: Page,
    user: CurrentUser,
    _form: CsrfForm,
) -> Result<HttpResponse, AppError> {
    let state = &page.state;
    account::end_other_sessions(
        &state.db,
        &state.clock,
        &requester(&user, &page.req),
        &user.session_token,
    )
    .await
    .map_err(unexpected)?;
    Ok(page.see_other("/account?done=others"))
}

// ---------------------------------------------------------------------------------------------
// Export
// ---------------------------------------------------------------------------------------------
