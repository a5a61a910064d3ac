//! The public parts of credential verification that are not about one certificate: each signing
//! key by itself (the `kid` URL of a VC-JWT) and the revocation status lists.
use actix_web::http::header;
use actix_web::{HttpResponse, web};

use crate::error::AppError;
use crate::services::status_list;
use crate::web::AppState;

/// `GET /credentials/keys/{id}`: one public key as a bare JWK (current or retired).
pub async fn show_key(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let jwk = state
        .signing_keys
        .jwk(&state.settings.base_url, &path)
        .ok_or(AppError::NotFound)?;
    Ok(HttpResponse::Ok()
        .content_type("application/jwk+json")
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .body(jwk.to_string()))
}

/// `GET /credentials/status/{list}`: a signed `BitstringStatusListCredential` (VC-JWT).
pub async fn show_status_list(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let list: i64 = path.parse().map_err(|_| AppError::NotFound)?;
    let jwt = status_list::status_list_jwt(
        &state.db,
        &state.signing_keys,
        &state.settings.base_url,
        &state.course.title,
        list,
        state.clock.now(),
    )
    .await?
    .ok_or(AppError::NotFound)?;
    Ok(HttpResponse::Ok()
        .content_type("application/vc+jwt")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(jwt))
}
