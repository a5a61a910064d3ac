//! Text extraction from the PDFs the app serves (and the browser prints), in-process with the
//! `pdf-extract` crate: no system tool needed.
use std::fmt;

/// The text of a PDF, pages in order.
pub struct PdfText(String);

/// Extracts the text of a PDF.
pub fn pdf_text(bytes: &[u8]) -> PdfText {
    assert!(bytes.starts_with(b"%PDF-"), "not a PDF");
    PdfText(pdf_extract::extract_text_from_mem(bytes).expect("the PDF's text can be extracted"))
}

impl PdfText {
    /// Whether the text holds `needle`, ignoring white space and ligatures: text extracted from a
    /// PDF has spaces where glyphs were placed apart ("r ead", "2 0 1 9") and line breaks where
    /// the page wrapped, and Chromium prints "fi" as one glyph. Ignoring them both ways keeps a
    /// "does not contain" check from passing just because a word came out split.
    pub fn contains(&self, needle: &str) -> bool {
        squash(&self.0).contains(&squash(needle))
    }
}

fn squash(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .replace('\u{fb00}', "ff")
        .replace('\u{fb01}', "fi")
        .replace('\u{fb02}', "fl")
        .replace('\u{fb03}', "ffi")
        .replace('\u{fb04}', "ffl")
}

impl fmt::Display for PdfText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
