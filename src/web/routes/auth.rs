//! Register, log in, log out.
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use crate::domain::{DisplayName, Email, NewPassword};
use crate::error::AppError;
use crate::services::audit::{self, AuditEvent};
use crate::services::auth::{self, AuthError, NewAccount, RegisterError, Role};
use crate::services::sessions;
use crate::web::AppState;
use crate::web::csrf::CsrfForm;
use crate::web::session::{Visitor, expired_session_cookie, session_cookie};
use crate::web::view::{View, render, see_other};

/// One message in the error summary, linked to its field.
#[derive(Serialize, Clone)]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

fn error_for(errors: &[FieldError], field: &str) -> Option<String> {
    errors
        .iter()
        .find(|e| e.field == field)
        .map(|e| e.message.clone())
}

/// Only local paths are followed after login, so the login page cannot send people elsewhere.
fn safe_next(next: &str) -> String {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.contains(['\r', '\n'])
        && next.len() <= 512;
    if ok {
        next.to_string()
    } else {
        "/dashboard".to_string()
    }
}

fn client_ip(req: &HttpRequest) -> Option<String> {
    req.peer_addr().map(|a| a.ip().to_string())
}

fn user_agent(req: &HttpRequest) -> Option<&str> {
    req.headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
}

#[derive(Serialize, Default)]
struct RegisterPage {
    next: String,
    email: String,
    name: String,
    errors: Vec<FieldError>,
    email_error: Option<String>,
    name_error: Option<String>,
    password_error: Option<String>,
}

impl RegisterPage {
    fn new(email: String, name: String, errors: Vec<FieldError>) -> Self {
        Self {
            email_error: error_for(&errors, "email"),
            name_error: error_for(&errors, "name"),
            password_error: error_for(&errors, "password"),
            email,
            name,
            errors,
            next: String::new(),
        }
    }
}

/// `GET /register`
pub async fn show_register(
    state: web::Data<AppState>,
    req: HttpRequest,
    visitor: Visitor,
    query: web::Query<LoginQuery>,
) -> Result<HttpResponse, AppError> {
    let next = safe_next(query.next.as_deref().unwrap_or("/dashboard"));
    if visitor.user.is_some() {
        return Ok(see_other(&next));
    }
    let view = View::new(StatusCode::OK, "auth/register", "Create an account", "");
    let page = RegisterPage {
        next,
        ..RegisterPage::default()
    };
    render(&state, &req, &visitor, view, &page)
}

/// `POST /register`: fields `email`, `name`, `password`.
#[tracing::instrument(skip_all)]
pub async fn register(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: CsrfForm,
) -> Result<HttpResponse, AppError> {
    state.check_auth_rate(&req)?;
    let f = &form.fields;
    let mut errors = Vec::new();
    let email = Email::parse(f.get("email"))
        .map_err(|m| {
            errors.push(FieldError {
                field: "email",
                message: m,
            })
        })
        .ok();
    let name = DisplayName::parse(f.get("name"))
        .map_err(|m| {
            errors.push(FieldError {
                field: "name",
                message: m,
            })
        })
        .ok();
    let password = NewPassword::parse(f.get("password"))
        .map_err(|p| {
            errors.push(FieldError {
                field: "password",
                message: p.message(),
            })
        })
        .ok();
    let again = |errors: Vec<FieldError>| {
        let mut page = RegisterPage::new(
            f.get("email").trim().to_string(),
            f.get("name").to_string(),
            errors,
        );
        page.next = safe_next(f.get("next"));
        render(
            &state,
            &req,
            &form.visitor,
            View::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "auth/register",
                "Error: Create an account",
                "",
            ),
            &page,
        )
    };
    let (Some(email), Some(name), Some(password)) = (email, name, password) else {
        return again(errors);
    };
    let account = NewAccount {
        email,
        name,
        password,
    };
    let user = match auth::register(
        &state.db,
        &state.clock,
        &state.course.slug,
        account,
        Role::Learner,
    )
    .await
    {
        Ok(u) => u,
        Err(RegisterError::EmailTaken) => {
            return again(vec![FieldError {
                field: "email",
                message: "An account with this email address already exists. Log in instead, or use another address".into(),
            }]);
        }
        Err(RegisterError::Unexpected(e)) => return Err(AppError::Unexpected(e)),
    };
    audit::record(
        &state.db,
        &state.clock,
        AuditEvent {
            actor: Some(user.id),
            action: "account.register",
            target: Some(format!("user:{}", user.id)),
            detail: None,
            ip: client_ip(&req),
        },
    )
    .await?;
    let next = safe_next(match f.get("next") {
        "" => "/dashboard",
        n => n,
    });
    start_session(&state, &req, &form.visitor, user.id, &next).await
}

/// Ends any session the browser already had (so its id cannot be reused), starts a new one, and redirects.
async fn start_session(
    state: &AppState,
    req: &HttpRequest,
    visitor: &Visitor,
    user_id: i32,
    next: &str,
) -> Result<HttpResponse, AppError> {
    if let Some(old) = &visitor.session_token {
        sessions::end(&state.db, old).await?;
    }
    let token = sessions::create(
        &state.db,
        &state.clock,
        user_id,
        state.timeouts(),
        user_agent(req),
    )
    .await?;
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, next.to_string()))
        .cookie(session_cookie(state, &token))
        .finish())
}

#[derive(Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
}

#[derive(Serialize, Default)]
struct LoginPage {
    email: String,
    next: String,
    error: Option<String>,
}

/// `GET /login`
pub async fn show_login(
    state: web::Data<AppState>,
    req: HttpRequest,
    visitor: Visitor,
    query: web::Query<LoginQuery>,
) -> Result<HttpResponse, AppError> {
    let next = safe_next(query.next.as_deref().unwrap_or("/dashboard"));
    if visitor.user.is_some() {
        return Ok(see_other(&next));
    }
    let page = LoginPage {
        next,
        ..Default::default()
    };
    render(
        &state,
        &req,
        &visitor,
        View::new(StatusCode::OK, "auth/login", "Log in", ""),
        &page,
    )
}

/// `POST /login`: fields `email`, `password` (and `next`).
#[tracing::instrument(skip_all, fields(user_id))]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: CsrfForm,
) -> Result<HttpResponse, AppError> {
    state.check_auth_rate(&req)?;
    let f = &form.fields;
    let next = safe_next(match f.get("next") {
        "" => "/dashboard",
        n => n,
    });
    let password = SecretString::from(f.get("password").to_string());
    match auth::authenticate(&state.db, f.get("email"), password, state.clock.now()).await {
        Ok(user) => {
            tracing::Span::current().record("user_id", user.id);
            audit::record(
                &state.db,
                &state.clock,
                AuditEvent {
                    actor: Some(user.id),
                    action: "login.success",
                    target: Some(format!("user:{}", user.id)),
                    detail: None,
                    ip: client_ip(&req),
                },
            )
            .await?;
            start_session(&state, &req, &form.visitor, user.id, &next).await
        }
        Err(AuthError::InvalidCredentials { user_id }) => {
            audit::record(
                &state.db,
                &state.clock,
                AuditEvent {
                    actor: None,
                    action: "login.failure",
                    target: user_id.map(|id| format!("user:{id}")),
                    detail: Some(
                        if user_id.is_some() {
                            "wrong password or disabled"
                        } else {
                            "unknown account"
                        }
                        .into(),
                    ),
                    ip: client_ip(&req),
                },
            )
            .await?;
            let page = LoginPage {
                email: f.get("email").trim().to_string(),
                next,
                error: Some("Enter a correct email address and password".into()),
            };
            render(
                &state,
                &req,
                &form.visitor,
                View::new(StatusCode::UNAUTHORIZED, "auth/login", "Error: Log in", ""),
                &page,
            )
        }
        Err(AuthError::Unexpected(e)) => Err(AppError::Unexpected(e)),
    }
}

/// `POST /logout`: ends the session on the server and clears the cookie.
pub async fn logout(state: web::Data<AppState>, form: CsrfForm) -> Result<HttpResponse, AppError> {
    if let Some(token) = &form.visitor.session_token {
        sessions::end(&state.db, token).await?;
    }
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/"))
        .cookie(expired_session_cookie(&state))
        .finish())
}
