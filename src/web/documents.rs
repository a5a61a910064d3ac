//! Plan exports (PDF, .docx) rendered once per distinct document and then served from memory.
//! The key is a hash of the whole `PlanDocument` (title, byline, date, every answer), which is all
//! the renderers see, so an edit, a new day or a renamed cohort makes a new key: never a stale file.
use actix_web::web::{self, Bytes};

use crate::error::AppError;
use crate::pdf::cache::document_key;
use crate::plan::PlanDocument;
use crate::web::AppState;

/// A renderer of plan documents, named for its cache key.
#[derive(Clone, Copy)]
pub enum PlanFormat {
    Pdf,
    Docx,
}

impl PlanFormat {
    fn name(self) -> &'static str {
        match self {
            Self::Pdf => "plan.pdf",
            Self::Docx => "plan.docx",
        }
    }

    fn render(self, doc: &PlanDocument) -> anyhow::Result<Vec<u8>> {
        match self {
            Self::Pdf => crate::pdf::plan::render(doc),
            Self::Docx => crate::plan::docx::render(doc),
        }
    }
}

/// `doc` in `format`, from the cache when this exact document was rendered before, else rendered
/// off the async workers and kept.
///
/// # Errors
/// When rendering fails.
pub async fn plan_bytes(
    state: &AppState,
    format: PlanFormat,
    doc: PlanDocument,
) -> Result<Bytes, AppError> {
    let key = document_key(format.name(), &doc)?;
    if let Some(bytes) = state.pdf_cache.get(&key) {
        return Ok(bytes);
    }
    let bytes = Bytes::from(web::block(move || format.render(&doc)).await??);
    state.pdf_cache.put(key, bytes.clone());
    Ok(bytes)
}
