//! The request toolkit: the application state, the client's address and the acting user, each
//! taken from the request in one place.
use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};

use crate::error::AppError;
use crate::services::audit::Actor;
use crate::web::AppState;
use crate::web::session::CurrentUser;

/// The application state of this request.
///
/// # Errors
/// Only if the app was built without it (a bug).
pub fn app_state(req: &HttpRequest) -> Result<&web::Data<AppState>, AppError> {
    req.app_data::<web::Data<AppState>>()
        .ok_or_else(|| AppError::Unexpected(anyhow::anyhow!("application state missing")))
}

/// The client's address: the TCP peer, or behind a trusted proxy the address it forwarded
/// (`DEEPDIVE_TRUSTED_PROXIES`). Every per-IP limit and every audit row uses this.
pub fn client_ip(req: &HttpRequest) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip();
    let Ok(state) = app_state(req) else {
        return Some(peer);
    };
    let headers = req.headers();
    let forwarded = headers
        .get_all(header::FORWARDED)
        .filter_map(|v| v.to_str().ok());
    let x_forwarded_for = headers
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok());
    Some(
        state
            .settings
            .trusted_proxies
            .client(peer, forwarded, x_forwarded_for),
    )
}

/// The client's address as the audit log stores it.
pub fn client_ip_text(req: &HttpRequest) -> Option<String> {
    client_ip(req).map(|ip| ip.to_string())
}

/// The acting user of this request, for services that audit what they do.
pub fn actor(req: &HttpRequest, user: &CurrentUser) -> Actor {
    Actor {
        user_id: user.id(),
        ip: client_ip_text(req),
    }
}

/// A logged-in user acting (any role): anonymous visitors are sent to log in, as with `CurrentUser`.
impl FromRequest for Actor {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let user = CurrentUser::from_request(req, payload);
        let req = req.clone();
        Box::pin(async move { Ok(actor(&req, &user.await?)) })
    }
}
