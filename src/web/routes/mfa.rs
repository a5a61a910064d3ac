//! Setting up and managing two-step verification (`/account/mfa`).
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::services::account::{self, AccountError};
use crate::services::mfa;
use crate::web::AppState;
use crate::web::csrf::CsrfForm;
use crate::web::extract::actor as requester;
use crate::web::session::CurrentUser;
use crate::web::view::{View, see_other};
use crate::web::views::account::{TOO_MANY, WRONG_PASSWORD};

#[derive(Deserialize)]
pub struct MfaQuery {
    required: Option<String>,
    done: Option<String>,
}

#[derive(Serialize, Default)]
struct MfaPage {
    on: bool,
    required: bool,
    must_keep: bool,
    done: Option<&'static str>,
    qr_svg: String,
    secret_groups: String,
    code_error: Option<String>,
    password_error: Option<String>,
    password_form: &'static str,
    recovery_left: u64,
    recovery_codes: Vec<String>,
    /// The codes as a `.txt` download (a `data:` address, so they are never stored to serve later).
    codes_download: String,
}

/// The recovery codes as a plain-text file's `data:` address.
fn codes_download(course: &str, codes: &[String]) -> String {
    let text = format!(
        "Recovery codes for {course}\r\nEach code logs you in once, instead of a code from your authenticator app.\r\n\r\n{}\r\n",
        codes.join("\r\n")
    );
    let encoded: String = form_urlencoded::byte_serialize(text.as_bytes())
        .collect::<String>()
        .replace('+', "%20");
    format!("data:text/plain;charset=utf-8,{encoded}")
}

async fn page(
    state: &web::Data<AppState>,
    req: &HttpRequest,
    user: &CurrentUser,
    status: StatusCode,
    mut page: MfaPage,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    if !page.recovery_codes.is_empty() {
        page.codes_download = codes_download(&state.course.title, &page.recovery_codes);
    }
    page.on = mfa::enabled(&state.db, user.id()).await?;
    page.must_keep = mfa::required_for(&state.db, &user.user).await?;
    if page.on {
        page.recovery_left = mfa::recovery_codes_left(&state.db, user.id()).await?;
    } else if let Some(secret) = mfa::pending_secret(&state.db, user.id(), false, now).await? {
        let uri = mfa::otpauth_uri(&secret, &user.user.email, &state.course.title);
        page.qr_svg = mfa::qr_svg(&uri)?;
        page.secret_groups = secret
            .as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join(" ");
    }
    let title = match (
        page.code_error.is_some() || page.password_error.is_some(),
        page.recovery_codes.is_empty(),
    ) {
        (true, _) => "Error: Two-step verification",
        (false, false) => "Save your recovery codes",
        (false, true) => "Two-step verification",
    };
    let view = View::new(status, "account/mfa", title, "account").noindex();
    user.page(state, req).render(view, &page)
}

/// `GET /account/mfa`: the QR code to set it up, or its state and the ways to manage it.
pub async fn show(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: CurrentUser,
    query: web::Query<MfaQuery>,
) -> Result<HttpResponse, AppError> {
    let done = match query.done.as_deref() {
        Some("off") => Some("Two-step verification is off."),
        _ => None,
    };
    page(
        &state,
        &req,
        &user,
        StatusCode::OK,
        MfaPage {
            required: query.required.is_some(),
            done,
            ..Default::default()
        },
    )
    .await
}

/// `POST /account/mfa/enable`: field `code`, the first code from the app. Shows the recovery codes once.
#[tracing::instrument(skip_all, fields(user_id = user.id()))]
pub async fn enable(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: CurrentUser,
    form: CsrfForm,
) -> Result<HttpResponse, AppError> {
    let code = form.fields.get("code");
    let actor = requester(&req, &user);
    match mfa::confirm(&state.db, &state.clock, &actor, code, &user.session_token).await? {
        Some(codes) => {
            page(
                &state,
                &req,
                &user,
                StatusCode::OK,
                MfaPage {
                    recovery_codes: codes,
                    ..Default::default()
                },
            )
            .await
        }
        None => {
            page(
                &state,
                &req,
                &user,
                StatusCode::UNPROCESSABLE_ENTITY,
                MfaPage {
                    code_error: Some(
                        "Enter the 6-digit code your authenticator app shows now".into(),
                    ),
                    ..Default::default()
                },
            )
            .await
        }
    }
}

async fn with_password(
    state: &web::Data<AppState>,
    req: &HttpRequest,
    user: &CurrentUser,
    form: &CsrfForm,
    which: &'static str,
) -> Result<Result<(), HttpResponse>, AppError> {
    let password = SecretString::from(form.fields.get("password").to_string());
    let message =
        match account::reauthenticate(&state.db, &state.clock, &requester(req, user), password)
            .await
        {
            Ok(_) => return Ok(Ok(())),
            Err(AccountError::WrongPassword) => (StatusCode::UNPROCESSABLE_ENTITY, WRONG_PASSWORD),
            Err(AccountError::TooManyAttempts) => (StatusCode::TOO_MANY_REQUESTS, TOO_MANY),
            Err(AccountError::NotFound) => return Err(AppError::NotFound),
            Err(AccountError::Unexpected(e)) => return Err(AppError::Unexpected(e)),
            Err(other) => return Err(AppError::Unexpected(anyhow::Error::new(other))),
        };
    Ok(Err(page(
        state,
        req,
        user,
        message.0,
        MfaPage {
            password_error: Some(message.1.into()),
            password_form: which,
            ..Default::default()
        },
    )
    .await?))
}

/// `POST /account/mfa/recovery-codes`: field `password`. New codes replace the old ones.
#[tracing::instrument(skip_all, fields(user_id = user.id()))]
pub async fn recovery_codes(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: CurrentUser,
    form: CsrfForm,
) -> Result<HttpResponse, AppError> {
    if !mfa::enabled(&state.db, user.id()).await? {
        return Ok(see_other("/account/mfa"));
    }
    if let Err(refused) = with_password(&state, &req, &user, &form, "codes").await? {
        return Ok(refused);
    }
    let actor = requester(&req, &user);
    let codes = mfa::new_recovery_codes(&state.db, &state.clock, &actor).await?;
    page(
        &state,
        &req,
        &user,
        StatusCode::OK,
        MfaPage {
            recovery_codes: codes,
            ..Default::default()
        },
    )
    .await
}

/// `POST /account/mfa/disable`: field `password`. Refused for people whose role requires it.
#[tracing::instrument(skip_all, fields(user_id = user.id()))]
pub async fn disable(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: CurrentUser,
    form: CsrfForm,
) -> Result<HttpResponse, AppError> {
    if mfa::required_for(&state.db, &user.user).await? {
        return Err(AppError::Forbidden(
            "Your role requires two-step verification, so it cannot be turned off.".into(),
        ));
    }
    if let Err(refused) = with_password(&state, &req, &user, &form, "off").await? {
        return Ok(refused);
    }
    mfa::disable(&state.db, &state.clock, &requester(&req, &user)).await?;
    Ok(see_other("/account/mfa?done=off"))
}
