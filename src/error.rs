//! One error type for every handler. Users see a friendly page with an error reference;
//! the cause is logged with that reference and never shown.
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("page not found")]
    NotFound,
    /// The message is shown to the user, so it must not contain anything internal.
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("request body too large")]
    PayloadTooLarge,
    #[error("too many requests")]
    TooManyRequests,
    /// Log in first, then go on to `next`; `kept` is the cookie of a form kept for afterwards.
    #[error("login required")]
    LoginRequired {
        next: String,
        kept: Option<Box<actix_web::cookie::Cookie<'static>>>,
    },
    /// A form came with a stale CSRF token: what was typed has been kept, and the learner goes
    /// back to the form (at `to`) to check it and save again.
    #[error("form kept after a stale token")]
    FormKept {
        to: String,
        kept: Box<actix_web::cookie::Cookie<'static>>,
    },
    /// A module of a cohort that locks its modules until their release date, before that date:
    /// `module` is "Module 2: Title", `opens` the day in words.
    #[error("module not open yet")]
    NotOpenYet { module: String, opens: String },
    /// The page needs two-step verification, which this user has not set up yet.
    #[error("two-step verification required")]
    MfaRequired,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<sea_orm::DbErr> for AppError {
    fn from(e: sea_orm::DbErr) -> Self {
        Self::Unexpected(anyhow::Error::new(e).context("database error"))
    }
}

/// The generic outcomes of the organisation services; handlers keep only the arms that re-render a form.
impl From<crate::services::organisations::OrgError> for AppError {
    fn from(e: crate::services::organisations::OrgError) -> Self {
        use crate::services::organisations::OrgError;
        match e {
            OrgError::SlugTaken => Self::BadRequest(
                "Another organisation already uses that web address name. Go back and choose another."
                    .into(),
            ),
            OrgError::CohortTaken => Self::BadRequest(
                "This organisation already has a cohort with that name. Go back and choose another."
                    .into(),
            ),
            OrgError::NoSuchCohort => Self::NotFound,
            OrgError::BadManager(m) => Self::BadRequest(format!(
                "Nothing was imported: {m}. The line manager must be in the file or already a member. Go back, correct the file and try again."
            )),
            OrgError::Db(e) => e.into(),
            OrgError::Other(e) => Self::Unexpected(e),
        }
    }
}

/// A quiz form that cannot be stored: a 400 saying what to do, or 404 for someone else's attempt.
impl From<crate::services::quiz::SubmitFormError> for AppError {
    fn from(e: crate::services::quiz::SubmitFormError) -> Self {
        use crate::domain::quiz::Tampered;
        use crate::services::quiz::{SubmitFormError, TicketError};
        match e {
            SubmitFormError::Ticket(TicketError::Invalid) => Self::BadRequest(
                "This quiz form is not valid. Go back to the module and start the quiz again."
                    .into(),
            ),
            SubmitFormError::Ticket(TicketError::Expired) => Self::BadRequest(
                "This quiz form has expired. Go back to the module and start the quiz again."
                    .into(),
            ),
            SubmitFormError::Tampered(Tampered::UnknownQuestion) => Self::BadRequest(
                "The form answered a question that is not part of this attempt. Nothing was saved."
                    .into(),
            ),
            SubmitFormError::Tampered(Tampered::UnknownChoice) => Self::BadRequest(
                "The form chose an answer that the question does not offer. Nothing was saved."
                    .into(),
            ),
            SubmitFormError::NotYours => Self::NotFound,
            SubmitFormError::Db(e) => e.into(),
        }
    }
}

impl From<crate::crypto::NoRandomness> for AppError {
    fn from(e: crate::crypto::NoRandomness) -> Self {
        Self::Unexpected(anyhow::Error::new(e))
    }
}

impl From<actix_web::error::BlockingError> for AppError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        Self::Unexpected(anyhow::anyhow!("blocking task failed: {e}"))
    }
}

/// What the error page shows; attached to error responses and rendered by the error-page middleware.
#[derive(Debug, Clone)]
pub struct ErrorPage {
    pub title: String,
    pub message: String,
    pub reference: Option<String>,
    /// A button on the page, for the one way on (a kept form).
    pub continue_to: Option<String>,
    /// The button's words, when it is not "Continue to the form".
    pub continue_label: Option<String>,
}

impl ErrorPage {
    pub fn for_status(status: StatusCode) -> Self {
        let (title, message) = match status.as_u16() {
            400 => (
                "There is a problem with your request",
                "The request could not be understood. Go back, check what you entered and try again.",
            ),
            403 => (
                "You cannot do that",
                "You do not have permission to do that, or the form has expired. Go back, reload the page and try again.",
            ),
            404 => (
                "Page not found",
                "If you typed the web address, check it is correct. If you pasted the web address, check you copied the entire address.",
            ),
            405 => (
                "There is a problem with your request",
                "That action is not available on this page.",
            ),
            413 => (
                "What you sent is too large",
                "The form or file you sent is larger than this service accepts. Shorten it and try again.",
            ),
            415 => (
                "There is a problem with your request",
                "The form was sent in a format this service does not accept.",
            ),
            429 => (
                "Too many requests",
                "You have made too many requests in a short time. Wait a minute, then try again.",
            ),
            _ => (
                "Sorry, there is a problem with the service",
                "Try again later. Your progress has been saved up to your last completed step.",
            ),
        };
        Self {
            title: title.into(),
            message: message.into(),
            reference: None,
            continue_to: None,
            continue_label: None,
        }
    }
}

pub fn new_reference() -> String {
    // The error page must still render when randomness fails: it then says so instead of a reference.
    let Ok(bytes) = crate::crypto::random::<5>() else {
        return "unknown".into();
    };
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            // A stale CSRF token is still refused (403), but what was typed is kept for the form.
            Self::FormKept { .. } | Self::NotOpenYet { .. } => StatusCode::FORBIDDEN,
            Self::LoginRequired { .. } | Self::MfaRequired => StatusCode::SEE_OTHER,
            Self::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        if let Self::LoginRequired { next, kept } = self {
            let location = format!(
                "/login?next={}",
                form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
            );
            let mut response = HttpResponse::SeeOther();
            if let Some(cookie) = kept {
                response.cookie((**cookie).clone());
            }
            return response
                .insert_header((header::LOCATION, location))
                .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
                .finish();
        }
        if let Self::FormKept { to, kept } = self {
            let page = ErrorPage {
                title: "This form had expired".into(),
                message: "Nothing was saved, but we kept what you typed. Continue to the form, check your answers and save them again.".into(),
                reference: None,
                continue_to: Some(to.clone()),
                continue_label: None,
            };
            let mut response = HttpResponse::build(status)
                .cookie((**kept).clone())
                .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
                .finish();
            response.extensions_mut().insert(page);
            return response;
        }
        if let Self::MfaRequired = self {
            return HttpResponse::SeeOther()
                .insert_header((header::LOCATION, "/account/mfa?required=1"))
                .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
                .finish();
        }
        let mut page = ErrorPage::for_status(status);
        match self {
            Self::NotOpenYet { module, opens } => {
                page.title = "This module is not open yet".into();
                page.message = format!(
                    "{module} opens on {opens}. Your group takes the course one module a week, and each module opens on its release date."
                );
                page.continue_to = Some("/dashboard".into());
                page.continue_label = Some("Go to your dashboard".into());
            }
            Self::BadRequest(message) | Self::Forbidden(message) if !message.is_empty() => {
                page.message.clone_from(message);
            }
            Self::Unexpected(cause) => {
                let reference = new_reference();
                tracing::error!(error.reference = %reference, error.cause = ?cause, "unexpected error");
                page.reference = Some(reference);
            }
            _ => {}
        }
        let mut response = HttpResponse::build(status).finish();
        response.extensions_mut().insert(page);
        response
    }
}
