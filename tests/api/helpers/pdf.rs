//! Text extraction from the PDFs the app serves (and the browser prints), in-process with the
//! `pdf-extract` crate: no system tool needed.

/// The text of a PDF, pages in order.
pub fn pdf_text(bytes: &[u8]) -> String {
    assert!(bytes.starts_with(b"%PDF-"), "not a PDF");
    pdf_extract::extract_text_from_mem(bytes).expect("the PDF's text can be extracted")
}
