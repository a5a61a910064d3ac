//! PDF documents (certificates, and the learner's plan) with krilla and the embedded DejaVu Sans fonts.
//! Pure functions from data to bytes: call them off the async workers.
use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::text::{Font, TextDirection};
use skrifa::instance::{LocationRef, Size};
use skrifa::{FontRef, MetadataProvider};

pub mod cache;
pub mod certificate;
pub mod plan;

static REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

pub const NHS_BLUE: (u8, u8, u8) = (0, 94, 184);
pub const TEXT: (u8, u8, u8) = (33, 43, 50);
pub const SECONDARY: (u8, u8, u8) = (76, 98, 114);

/// A font for drawing, with its bytes for measuring.
#[derive(Clone)]
pub struct Face {
    pub font: Font,
    bytes: &'static [u8],
}

impl Face {
    fn load(bytes: &'static [u8]) -> anyhow::Result<Self> {
        let font = Font::new(bytes.into(), 0)
            .ok_or_else(|| anyhow::anyhow!("the embedded font cannot be read"))?;
        Ok(Self { font, bytes })
    }

    /// The width of `text` at `size` points (advance widths; no kerning, which is close enough for layout).
    pub fn width(&self, text: &str, size: f32) -> f32 {
        let Ok(font) = FontRef::new(self.bytes) else {
            return 0.0;
        };
        let charmap = font.charmap();
        let metrics = font.glyph_metrics(Size::new(size), LocationRef::default());
        text.chars()
            .map(|c| {
                charmap
                    .map(c)
                    .and_then(|g| metrics.advance_width(g))
                    .unwrap_or(size * 0.5)
            })
            .sum()
    }

    /// Splits `text` into lines no wider than `max` (long words are split too).
    pub fn wrap(&self, text: &str, size: f32, max: f32) -> Vec<String> {
        let mut lines = Vec::new();
        for paragraph in text.split('\n') {
            let mut line = String::new();
            for word in paragraph.split_whitespace() {
                let candidate = if line.is_empty() {
                    word.to_string()
                } else {
                    format!("{line} {word}")
                };
                if self.width(&candidate, size) <= max {
                    line = candidate;
                    continue;
                }
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                }
                let mut chunk = String::new();
                for c in word.chars() {
                    chunk.push(c);
                    if self.width(&chunk, size) > max {
                        chunk.pop();
                        lines.push(std::mem::take(&mut chunk));
                        chunk.push(c);
                    }
                }
                line = chunk;
            }
            lines.push(line);
        }
        lines
    }
}

pub struct Faces {
    pub regular: Face,
    pub bold: Face,
}

impl Faces {
    /// # Errors
    /// Only if the embedded fonts are damaged.
    pub fn load() -> anyhow::Result<Self> {
        Ok(Self {
            regular: Face::load(REGULAR)?,
            bold: Face::load(BOLD)?,
        })
    }
}

pub fn fill((r, g, b): (u8, u8, u8)) -> Fill {
    Fill {
        paint: rgb::Color::new(r, g, b).into(),
        opacity: NormalizedF32::ONE,
        rule: Default::default(),
    }
}

pub fn stroke((r, g, b): (u8, u8, u8), width: f32) -> Stroke {
    Stroke {
        paint: rgb::Color::new(r, g, b).into(),
        width,
        ..Default::default()
    }
}

/// Draws one line of text with its baseline at `y`.
pub fn text(
    surface: &mut Surface<'_>,
    face: &Face,
    size: f32,
    color: (u8, u8, u8),
    x: f32,
    y: f32,
    s: &str,
) {
    surface.set_fill(Some(fill(color)));
    surface.draw_text(
        Point::from_xy(x, y),
        face.font.clone(),
        size,
        s,
        false,
        TextDirection::Auto,
    );
}

/// Draws text centred on `cx`.
pub fn centred(
    surface: &mut Surface<'_>,
    face: &Face,
    size: f32,
    color: (u8, u8, u8),
    cx: f32,
    y: f32,
    s: &str,
) {
    let w = face.width(s, size);
    text(surface, face, size, color, cx - w / 2.0, y, s);
}

/// A filled rectangle.
pub fn rect(surface: &mut Surface<'_>, color: (u8, u8, u8), x: f32, y: f32, w: f32, h: f32) {
    if let Some(r) = Rect::from_xywh(x, y, w, h) {
        let mut pb = PathBuilder::new();
        pb.push_rect(r);
        if let Some(path) = pb.finish() {
            surface.set_stroke(None);
            surface.set_fill(Some(fill(color)));
            surface.draw_path(&path);
        }
    }
}

/// An outlined rectangle.
pub fn frame(
    surface: &mut Surface<'_>,
    color: (u8, u8, u8),
    width: f32,
    x: f32,
    y: f32,
    w: f32,
    h: f32,
) {
    if let Some(r) = Rect::from_xywh(x, y, w, h) {
        let mut pb = PathBuilder::new();
        pb.push_rect(r);
        if let Some(path) = pb.finish() {
            surface.set_fill(None);
            surface.set_stroke(Some(stroke(color, width)));
            surface.draw_path(&path);
            surface.set_stroke(None);
        }
    }
}

/// A QR code of `data`, `size` points square, top-left at (x, y).
pub fn qr(surface: &mut Surface<'_>, data: &str, x: f32, y: f32, size: f32) -> anyhow::Result<()> {
    let code = qrcode::QrCode::new(data.as_bytes()).map_err(|e| anyhow::anyhow!("QR code: {e}"))?;
    let n = code.width();
    let quiet = 2.0;
    #[allow(clippy::cast_precision_loss)]
    let cell = size / (n as f32 + 2.0 * quiet);
    rect(surface, (255, 255, 255), x, y, size, size);
    let mut pb = PathBuilder::new();
    for (i, c) in code.to_colors().iter().enumerate() {
        if *c == qrcode::Color::Dark {
            #[allow(clippy::cast_precision_loss)]
            let (cx, cy) = ((i % n) as f32, (i / n) as f32);
            if let Some(r) =
                Rect::from_xywh(x + (cx + quiet) * cell, y + (cy + quiet) * cell, cell, cell)
            {
                pb.push_rect(r);
            }
        }
    }
    if let Some(path) = pb.finish() {
        surface.set_stroke(None);
        surface.set_fill(Some(fill((0, 0, 0))));
        surface.draw_path(&path);
    }
    Ok(())
}

/// A new document with title and language set.
pub fn document(title: &str) -> Document {
    let mut doc = Document::new();
    doc.set_metadata(
        Metadata::new()
            .title(title.to_string())
            .language("en-GB".to_string()),
    );
    doc
}

pub const A4_PORTRAIT: (f32, f32) = (595.28, 841.89);

pub fn page_settings(w: f32, h: f32) -> anyhow::Result<PageSettings> {
    PageSettings::from_wh(w, h).ok_or_else(|| anyhow::anyhow!("bad page size"))
}

pub fn finish(doc: Document) -> anyhow::Result<Vec<u8>> {
    doc.finish()
        .map_err(|e| anyhow::anyhow!("cannot write the PDF: {e:?}"))
}
