//! Templates and static files embedded at build time (see build.rs).
use actix_web::http::header;
use actix_web::{HttpResponse, web};
use handlebars::Handlebars;

use crate::error::AppError;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
}

/// Builds the template registry: strict mode, every template registered once, so a bad template stops start-up.
///
/// # Errors
/// When a template does not compile.
pub fn templates() -> anyhow::Result<Handlebars<'static>> {
    let mut hb = Handlebars::new();
    hb.set_strict_mode(true);
    hb.set_dev_mode(false);
    for (path, source) in embedded::TEMPLATES {
        let Some(name) = path.strip_suffix(".hbs") else {
            continue;
        };
        hb.register_template_string(name, source)
            .map_err(|e| anyhow::anyhow!("template {path}: {e}"))?;
    }
    crate::web::view::register_helpers(&mut hb);
    Ok(hb)
}

/// Every embedded static file as (path under `static/`, bytes): the SCORM export ships them too.
pub fn static_files() -> &'static [(&'static str, &'static [u8])] {
    embedded::STATIC_FILES
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next() {
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("woff2") => "font/woff2",
        Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// `GET /static/{path}`: embedded files, cached for a day.
pub async fn serve_static(path: web::Path<String>) -> Result<HttpResponse, AppError> {
    let path = path.into_inner();
    let (_, bytes) = embedded::STATIC_FILES
        .iter()
        .find(|(p, _)| *p == path)
        .ok_or(AppError::NotFound)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type(&path)))
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .body(*bytes))
}
