//! The AI project plan as a tagged PDF (A4 portrait) with a document outline: a cover page, then
//! each case on a new page, its sections as headings, tables with coloured statuses, and the
//! pictures (lean canvas, power/interest grid, user journey) drawn as figures whose alternative
//! text says what they show. The same text always follows each picture.
use std::num::NonZeroU16;

use krilla::Document;
use krilla::destination::XyzDestination;
use krilla::geom::Point;
use krilla::outline::{Outline, OutlineNode};
use krilla::surface::Surface;
use krilla::tagging::{
    Artifact, ArtifactType, ContentTag, Identifier, SpanTag, TableHeaderScope, Tag, TagGroup,
    TagKind, TagTree,
};

use super::{
    A4_PORTRAIT, Face, Faces, NHS_BLUE, SECONDARY, TEXT, document, finish, frame, page_settings,
    rect, text,
};
use crate::plan::{CanvasBox, Content, JourneyStage, PlanDocument, Quadrant, TableContent};

const MARGIN: f32 = 56.0;
const BODY: f32 = 10.0;
const SMALL: f32 = 8.0;
const LINE: f32 = 1.4;
const GRID: (u8, u8, u8) = (174, 183, 189);
const PAIN: (u8, u8, u8) = (248, 214, 214);
const HEADER_FILL: (u8, u8, u8) = (232, 237, 238);
const PALE_BLUE: (u8, u8, u8) = (219, 231, 245);
const WHITE: (u8, u8, u8) = (255, 255, 255);

type Rgb = (u8, u8, u8);

#[derive(Clone, Copy, PartialEq, Eq)]
enum Style {
    Regular,
    Bold,
}

/// Pre-measured lines of one paragraph.
struct Para {
    lines: Vec<String>,
    style: Style,
    size: f32,
    color: Rgb,
}

struct CellLines {
    lines: Vec<String>,
    bold: bool,
    fill: Option<Rgb>,
}

/// A drawing: boxes and text at positions relative to its top-left corner.
#[derive(Default)]
struct Drawing {
    height: f32,
    boxes: Vec<(f32, f32, f32, f32, Option<Rgb>)>,
    texts: Vec<(f32, f32, Style, f32, Rgb, String)>,
}

enum Block {
    PageBreak,
    Gap(f32),
    /// Level 1 (cases, the cover title) and 2 (sections) go in the outline; 3 is an item label.
    Heading {
        level: u16,
        para: Para,
    },
    Para(Para),
    TableStart,
    Row {
        widths: Vec<f32>,
        cells: Vec<CellLines>,
        header: bool,
    },
    TableEnd,
    Figure {
        alt: String,
        drawing: Drawing,
    },
}

struct Layout<'f> {
    faces: &'f Faces,
    width: f32,
    blocks: Vec<Block>,
}

impl Layout<'_> {
    fn face(&self, style: Style) -> &Face {
        match style {
            Style::Regular => &self.faces.regular,
            Style::Bold => &self.faces.bold,
        }
    }

    fn para(&self, s: &str, style: Style, size: f32, color: Rgb, width: f32) -> Para {
        Para {
            lines: self.face(style).wrap(s, size, width),
            style,
            size,
            color,
        }
    }

    fn heading(&mut self, level: u16, s: &str) {
        let (size, color) = match level {
            1 => (20.0, NHS_BLUE),
            2 => (14.0, TEXT),
            3 => (10.5, TEXT),
            _ => (9.5, TEXT),
        };
        let para = self.para(s, Style::Bold, size, color, self.width);
        self.blocks.push(Block::Heading { level, para });
    }

    fn text(&mut self, s: &str, style: Style, size: f32, color: Rgb) {
        for p in s.split("\n\n") {
            let para = self.para(p.trim_matches('\n'), style, size, color, self.width);
            // Long paragraphs go in pieces, so they can flow over pages.
            for chunk in para.lines.chunks(8) {
                self.blocks.push(Block::Para(Para {
                    lines: chunk.to_vec(),
                    style: para.style,
                    size: para.size,
                    color: para.color,
                }));
            }
            self.blocks.push(Block::Gap(4.0));
        }
    }

    fn table(&mut self, t: &TableContent) {
        if !t.rows.is_empty() {
            let n = t.columns.len().max(1);
            let widths = self.column_widths(t, n);
            self.blocks.push(Block::TableStart);
            let header = t
                .columns
                .iter()
                .zip(&widths)
                .map(|(c, w)| CellLines {
                    lines: self.faces.bold.wrap(c, SMALL, w - 8.0),
                    bold: true,
                    fill: Some(HEADER_FILL),
                })
                .collect();
            self.blocks.push(Block::Row {
                widths: widths.clone(),
                cells: header,
                header: true,
            });
            for r in &t.rows {
                let cells = r
                    .iter()
                    .zip(&widths)
                    .map(|(c, w)| CellLines {
                        lines: self
                            .face(if c.tone.is_some() {
                                Style::Bold
                            } else {
                                Style::Regular
                            })
                            .wrap(&c.text, SMALL, w - 8.0),
                        bold: c.tone.is_some(),
                        fill: c.tone.map(crate::plan::Tone::rgb),
                    })
                    .collect();
                self.blocks.push(Block::Row {
                    widths: widths.clone(),
                    cells,
                    header: false,
                });
            }
            self.blocks.push(Block::TableEnd);
            self.blocks.push(Block::Gap(8.0));
        }
        if let Some(n) = &t.notes {
            self.heading(4, &n.label);
            self.text(
                n.text.as_deref().unwrap_or_default(),
                Style::Regular,
                BODY,
                TEXT,
            );
        }
    }

    /// Each column at least as wide as its longest word, the rest shared by how much text it holds.
    fn column_widths(&self, t: &TableContent, n: usize) -> Vec<f32> {
        let longest_word = |face: &Face, s: &str| {
            s.split_whitespace()
                .map(|w| face.width(w, SMALL))
                .fold(0.0_f32, f32::max)
        };
        let mut min: Vec<f32> = (0..n)
            .map(|i| {
                let header = t
                    .columns
                    .get(i)
                    .map_or(0.0, |c| longest_word(&self.faces.bold, c));
                let cells = t
                    .rows
                    .iter()
                    .map(|r| {
                        r.get(i)
                            .map_or(0.0, |c| longest_word(&self.faces.bold, &c.text))
                    })
                    .fold(0.0_f32, f32::max);
                (header.max(cells) + 10.0).min(self.width * 0.3)
            })
            .collect();
        let floor: f32 = min.iter().sum();
        if floor > self.width {
            return min.iter().map(|m| m * self.width / floor).collect();
        }
        let weights: Vec<f32> = (0..n)
            .map(|i| {
                let total: usize = t
                    .rows
                    .iter()
                    .map(|r| r.get(i).map_or(0, |c| c.text.chars().count()))
                    .sum();
                #[allow(clippy::cast_precision_loss)]
                let avg = total as f32 / t.rows.len().max(1) as f32;
                avg.clamp(4.0, 120.0)
            })
            .collect();
        let sum: f32 = weights.iter().sum();
        let spare = self.width - floor;
        for (m, w) in min.iter_mut().zip(&weights) {
            *m += spare * w / sum;
        }
        min
    }

    fn content(&mut self, c: &Content) {
        if c.missing {
            self.text("Not answered yet.", Style::Regular, BODY, SECONDARY);
        }
        if let Some(t) = &c.text {
            self.text(t, Style::Regular, BODY, TEXT);
        }
        for b in c.boxes.iter().flatten() {
            self.heading(4, &b.label);
            self.text(
                b.text.as_deref().unwrap_or("Empty."),
                Style::Regular,
                BODY,
                if b.text.is_some() { TEXT } else { SECONDARY },
            );
        }
        if let Some(t) = &c.table {
            self.table(t);
        }
    }

    /// Text wrapped into a box, cut with "…" when it does not fit.
    fn fit(&self, d: &mut Drawing, s: &str, (x, y, w, h): (f32, f32, f32, f32), size: f32) {
        let mut lines = self.faces.regular.wrap(s, size, w);
        let room = ((h / (size * LINE)).floor().max(0.0)) as usize;
        if lines.len() > room {
            lines.truncate(room);
            if let Some(last) = lines.last_mut() {
                last.push_str(" …");
            }
        }
        for (i, l) in lines.into_iter().enumerate() {
            #[allow(clippy::cast_precision_loss)]
            let ly = y + size + i as f32 * size * LINE;
            d.texts.push((x, ly, Style::Regular, size, TEXT, l));
        }
    }

    fn canvas(&self, boxes: &[CanvasBox]) -> Drawing {
        let mut d = Drawing::default();
        let col = self.width / 5.0;
        let (tall, low) = (360.0, 120.0);
        let half = tall / 2.0;
        // (box index in reading order, x, y, w, h)
        let places = [
            (0, 0.0, 0.0, col, tall),
            (1, col, 0.0, col, half),
            (2, col, half, col, half),
            (3, 2.0 * col, 0.0, col, tall),
            (4, 3.0 * col, 0.0, col, half),
            (5, 3.0 * col, half, col, half),
            (6, 4.0 * col, 0.0, col, tall),
            (7, 0.0, tall, self.width / 2.0, low),
            (8, self.width / 2.0, tall, self.width / 2.0, low),
        ];
        for (i, x, y, w, h) in places {
            let Some(b) = boxes.get(i) else { continue };
            let fill = if i == 3 { Some(PALE_BLUE) } else { Some(WHITE) };
            d.boxes.push((x, y, w, h, fill));
            let label_lines = self.faces.bold.wrap(&b.label, SMALL, w - 8.0);
            let mut ty = y + 4.0;
            for l in &label_lines {
                ty += SMALL * LINE;
                d.texts
                    .push((x + 4.0, ty, Style::Bold, SMALL, NHS_BLUE, l.clone()));
            }
            let body = b.text.as_deref().unwrap_or("Empty");
            self.fit(
                &mut d,
                body,
                (x + 4.0, ty + 2.0, w - 8.0, y + h - ty - 6.0),
                7.0,
            );
        }
        d.height = tall + low;
        d
    }

    fn grid(&self, quadrants: &[Quadrant]) -> Drawing {
        let mut d = Drawing::default();
        let axis = 18.0;
        let w = (self.width - axis) / 2.0;
        let h = 150.0;
        d.texts
            .push((0.0, 10.0, Style::Bold, SMALL, SECONDARY, "Power ↑".into()));
        let fills = [PALE_BLUE, (204, 237, 216), WHITE, (255, 246, 204)];
        for (i, q) in quadrants.iter().enumerate().take(4) {
            #[allow(clippy::cast_precision_loss)]
            let (x, y) = (axis + (i % 2) as f32 * w, 16.0 + (i / 2) as f32 * h);
            d.boxes.push((x, y, w, h, Some(fills[i])));
            d.texts.push((
                x + 6.0,
                y + 14.0,
                Style::Bold,
                9.0,
                TEXT,
                q.advice.to_string(),
            ));
            d.texts.push((
                x + 6.0,
                y + 26.0,
                Style::Regular,
                7.0,
                SECONDARY,
                q.title.to_string(),
            ));
            let names = if q.names.is_empty() {
                "Nobody yet".to_string()
            } else {
                q.names
                    .iter()
                    .map(|n| format!("• {n}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            self.fit(&mut d, &names, (x + 6.0, y + 32.0, w - 12.0, h - 38.0), 7.5);
        }
        let bottom = 16.0 + 2.0 * h;
        d.texts.push((
            self.width - 60.0,
            bottom + 12.0,
            Style::Bold,
            SMALL,
            SECONDARY,
            "Interest →".into(),
        ));
        d.height = bottom + 18.0;
        d
    }

    fn journey(&self, stages: &[JourneyStage]) -> Drawing {
        let mut d = Drawing::default();
        let per_row = 5usize;
        let gap = 10.0;
        #[allow(clippy::cast_precision_loss)]
        let w = (self.width - gap * (per_row as f32 - 1.0)) / per_row as f32;
        let (step_h, pain_h) = (78.0, 58.0);
        let mut y = 0.0;
        for s in stages {
            d.texts
                .push((0.0, y + 10.0, Style::Bold, 9.0, NHS_BLUE, s.title.clone()));
            y += 16.0;
            for chunk in s.steps.chunks(per_row) {
                for (i, st) in chunk.iter().enumerate() {
                    #[allow(clippy::cast_precision_loss)]
                    let x = i as f32 * (w + gap);
                    d.boxes.push((x, y, w, step_h, Some(HEADER_FILL)));
                    let title = format!("{}. {}", st.number, st.step);
                    let lines = self.faces.bold.wrap(&title, 7.5, w - 8.0);
                    let mut ty = y + 2.0;
                    for l in lines.iter().take(3) {
                        ty += 7.5 * LINE;
                        d.texts
                            .push((x + 4.0, ty, Style::Bold, 7.5, TEXT, l.clone()));
                    }
                    if let Some(detail) = &st.detail {
                        self.fit(
                            &mut d,
                            detail,
                            (x + 4.0, ty + 2.0, w - 8.0, y + step_h - ty - 4.0),
                            6.5,
                        );
                    }
                    if i + 1 < chunk.len() {
                        d.texts.push((
                            x + w + 1.0,
                            y + step_h / 2.0 + 3.0,
                            Style::Bold,
                            9.0,
                            SECONDARY,
                            "→".into(),
                        ));
                    }
                    if let Some(p) = &st.pain_point {
                        d.boxes.push((x, y + step_h + 4.0, w, pain_h, Some(PAIN)));
                        d.texts.push((
                            x + 4.0,
                            y + step_h + 14.0,
                            Style::Bold,
                            7.0,
                            TEXT,
                            "Pain point".into(),
                        ));
                        self.fit(
                            &mut d,
                            p,
                            (x + 4.0, y + step_h + 17.0, w - 8.0, pain_h - 16.0),
                            6.5,
                        );
                    }
                }
                y += step_h + pain_h + 14.0;
            }
        }
        d.height = y;
        d
    }

    fn build(&mut self, doc: &PlanDocument) {
        self.heading(1, &doc.title);
        self.blocks.push(Block::Gap(6.0));
        self.text(
            &format!("AI project plan prepared by {} on {}, during the {} course. {} of {} questions answered.", doc.prepared_by, doc.date, doc.course_title, doc.answered, doc.count),
            Style::Regular,
            11.0,
            SECONDARY,
        );
        if let Some(d) = &doc.decision {
            self.blocks.push(Block::Gap(10.0));
            self.heading(3, "Decision asked for");
            self.text(d, Style::Regular, 11.0, TEXT);
        }
        self.blocks.push(Block::Gap(10.0));
        self.heading(3, "Contents");
        for case in &doc.cases {
            let line = self.para(case.title, Style::Bold, BODY, TEXT, self.width);
            self.blocks.push(Block::Para(line));
            for s in &case.sections {
                let label = format!(
                    "{}. {}{}",
                    s.number,
                    s.title,
                    if s.empty { " (empty)" } else { "" }
                );
                let line = self.para(
                    &label,
                    Style::Regular,
                    9.0,
                    if s.empty { SECONDARY } else { TEXT },
                    self.width - 12.0,
                );
                self.blocks.push(Block::Para(line));
            }
            self.blocks.push(Block::Gap(4.0));
        }
        self.blocks.push(Block::Gap(8.0));
        self.heading(3, "Sections still empty");
        if doc.empty_sections.is_empty() {
            self.text("Every section has an answer.", Style::Regular, BODY, TEXT);
        } else {
            self.text(&doc.empty_sections.join("\n"), Style::Regular, BODY, TEXT);
        }
        for case in &doc.cases {
            self.blocks.push(Block::PageBreak);
            self.heading(1, case.title);
            self.text(case.question, Style::Regular, 11.0, SECONDARY);
            for s in &case.sections {
                self.blocks.push(Block::Gap(8.0));
                self.heading(2, &format!("{}. {}", s.number, s.title));
                self.blocks.push(Block::Gap(4.0));
                if let Some(p) = &s.picture {
                    if let Some(boxes) = &p.lean_canvas {
                        let alt = format!(
                            "Lean canvas with nine boxes: {}. The text of each box follows.",
                            boxes
                                .iter()
                                .map(|b| b.label.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        );
                        let drawing = self.canvas(boxes);
                        self.blocks.push(Block::Figure { alt, drawing });
                    }
                    if let Some(q) = &p.power_interest {
                        let alt = q
                            .iter()
                            .map(|q| {
                                format!(
                                    "{} ({}): {}",
                                    q.advice,
                                    q.title.to_lowercase(),
                                    if q.names.is_empty() {
                                        "nobody".to_string()
                                    } else {
                                        q.names.join(", ")
                                    }
                                )
                            })
                            .collect::<Vec<_>>()
                            .join(". ");
                        let drawing = self.grid(q);
                        self.blocks.push(Block::Figure {
                            alt: format!("Power/interest grid. {alt}."),
                            drawing,
                        });
                    }
                    if let Some(stages) = &p.journey {
                        let alt = stages
                            .iter()
                            .map(|s| {
                                format!(
                                    "{}: {} steps, {} with a pain point",
                                    s.title,
                                    s.steps.len(),
                                    s.steps.iter().filter(|st| st.pain_point.is_some()).count()
                                )
                            })
                            .collect::<Vec<_>>()
                            .join("; ");
                        let drawing = self.journey(stages);
                        self.blocks.push(Block::Figure { alt: format!("User journey as a row of steps. {alt}. The steps follow as a table."), drawing });
                    }
                    self.blocks.push(Block::Gap(10.0));
                }
                for item in &s.items {
                    self.heading(3, &item.label);
                    self.content(&item.content);
                }
            }
        }
    }
}

fn para_height(p: &Para) -> f32 {
    #[allow(clippy::cast_precision_loss)]
    let n = p.lines.len().max(1) as f32;
    n * p.size * LINE
}

fn row_height(cells: &[CellLines]) -> f32 {
    let lines = cells
        .iter()
        .map(|c| c.lines.len())
        .max()
        .unwrap_or(1)
        .max(1);
    #[allow(clippy::cast_precision_loss)]
    let h = lines as f32 * SMALL * LINE + 8.0;
    h
}

fn block_height(b: &Block) -> f32 {
    match b {
        Block::PageBreak | Block::TableStart | Block::TableEnd => 0.0,
        Block::Gap(g) => *g,
        Block::Heading { para, .. } => para_height(para) + 4.0,
        Block::Para(p) => para_height(p),
        Block::Row { cells, .. } => row_height(cells),
        Block::Figure { drawing, .. } => drawing.height,
    }
}

fn span(s: &mut Surface<'_>) -> Identifier {
    s.start_tagged(ContentTag::Span(SpanTag::empty()))
}

fn draw_lines(s: &mut Surface<'_>, faces: &Faces, p: &Para, x: f32, y: f32, group: &mut TagGroup) {
    let face = match p.style {
        Style::Regular => &faces.regular,
        Style::Bold => &faces.bold,
    };
    for (i, l) in p.lines.iter().enumerate() {
        if l.is_empty() {
            continue;
        }
        #[allow(clippy::cast_precision_loss)]
        let ly = y + p.size + i as f32 * p.size * LINE;
        let id = span(s);
        text(s, face, p.size, p.color, x, ly, l);
        s.end_tagged();
        group.push(id);
    }
}

fn artifact(s: &mut Surface<'_>, draw: impl FnOnce(&mut Surface<'_>)) {
    s.start_tagged(ContentTag::Artifact(Artifact::with_kind(
        ArtifactType::Layout,
    )));
    draw(s);
    s.end_tagged();
}

/// A group only when it holds something (krilla drops empty groups, but keep the tree tidy).
fn push(parent: &mut [TagGroup], tree: &mut TagTree, group: TagGroup) {
    match parent.last_mut() {
        Some(p) => p.push(group),
        None => tree.push(group),
    }
}

/// Renders the plan.
///
/// # Errors
/// Only if the PDF library fails.
pub fn render(plan: &PlanDocument) -> anyhow::Result<Vec<u8>> {
    let faces = Faces::load()?;
    let (w, h) = A4_PORTRAIT;
    let mut layout = Layout {
        faces: &faces,
        width: w - 2.0 * MARGIN,
        blocks: Vec::new(),
    };
    layout.build(plan);
    let blocks = std::mem::take(&mut layout.blocks);

    let mut doc: Document = document(&format!("{} – {}", plan.title, plan.prepared_by));
    let mut tree = TagTree::new();
    let mut outline = Outline::new();
    let mut case_node: Option<OutlineNode> = None;
    let mut tables: Vec<TagGroup> = Vec::new();
    let mut row_no = 0usize;
    let mut blocks = blocks.into_iter().map(Some).collect::<Vec<_>>();
    let mut at = 0usize;
    let mut page_no = 0usize;
    while at < blocks.len() || page_no == 0 {
        page_no += 1;
        let mut page = doc.start_page_with(page_settings(w, h)?);
        let mut s = page.surface();
        if page_no == 1 {
            artifact(&mut s, |s| rect(s, NHS_BLUE, 0.0, 0.0, w, 14.0));
        }
        let mut y = MARGIN;
        let mut first = true;
        while let Some(Some(block)) = blocks.get(at) {
            if matches!(block, Block::PageBreak) {
                at += 1;
                if first {
                    continue;
                }
                break;
            }
            // Keep a heading, or a table's header row, with (the start of) what follows it.
            let keep = matches!(
                block,
                Block::Heading { .. } | Block::Row { header: true, .. }
            );
            let next = blocks
                .iter()
                .skip(at + 1)
                .flatten()
                .find(|b| !matches!(b, Block::Gap(_) | Block::TableStart))
                .map_or(0.0, |b| match b {
                    // A figure cannot be split: keep all of it with its heading.
                    Block::Figure { .. } => block_height(b),
                    _ => block_height(b).min(160.0),
                });
            let need = block_height(block) + if keep { next } else { 0.0 };
            if !first && y + need > h - MARGIN {
                break;
            }
            first = false;
            let Some(block) = blocks.get_mut(at).and_then(Option::take) else {
                break;
            };
            at += 1;
            match block {
                Block::PageBreak | Block::Gap(_) => y += block_height(&block),
                Block::Heading { level, para } => {
                    let title = para.lines.join(" ");
                    let tag = Tag::Hn(
                        NonZeroU16::new(level).unwrap_or(NonZeroU16::MIN),
                        Some(title.clone()),
                    );
                    let mut g = TagGroup::new(tag);
                    draw_lines(&mut s, &faces, &para, MARGIN, y, &mut g);
                    push(&mut tables, &mut tree, g);
                    let dest =
                        XyzDestination::new(page_no - 1, Point::from_xy(0.0, (y - 8.0).max(0.0)));
                    match level {
                        1 => {
                            if let Some(n) = case_node.take() {
                                outline.push_child(n);
                            }
                            case_node = Some(OutlineNode::new(title, dest));
                        }
                        2 => {
                            if let Some(n) = case_node.as_mut() {
                                n.push_child(OutlineNode::new(title, dest));
                            }
                        }
                        _ => {}
                    }
                    y += para_height(&para) + 4.0;
                }
                Block::Para(p) => {
                    let mut g = TagGroup::new(Tag::P);
                    draw_lines(&mut s, &faces, &p, MARGIN, y, &mut g);
                    push(&mut tables, &mut tree, g);
                    y += para_height(&p);
                }
                Block::TableStart => {
                    tables.push(TagGroup::new(Tag::Table));
                    row_no = 0;
                }
                Block::TableEnd => {
                    if let Some(t) = tables.pop() {
                        push(&mut tables, &mut tree, t);
                    }
                }
                Block::Row {
                    widths,
                    cells,
                    header,
                } => {
                    row_no += 1;
                    let rh = row_height(&cells);
                    let mut tr = TagGroup::new(Tag::TR);
                    let mut x = MARGIN;
                    for (c, cw) in cells.iter().zip(&widths) {
                        artifact(&mut s, |s| {
                            if let Some(f) = c.fill {
                                rect(s, f, x, y, *cw, rh);
                            }
                            frame(s, GRID, 0.5, x, y, *cw, rh);
                        });
                        let kind: TagKind = if header {
                            Tag::TH(TableHeaderScope::Column).into()
                        } else {
                            Tag::TD.into()
                        };
                        let mut cell = TagGroup::new(kind);
                        let p = Para {
                            lines: c.lines.clone(),
                            style: if c.bold { Style::Bold } else { Style::Regular },
                            size: SMALL,
                            color: TEXT,
                        };
                        draw_lines(&mut s, &faces, &p, x + 4.0, y + 3.0, &mut cell);
                        tr.push(cell);
                        x += cw;
                    }
                    let _ = row_no;
                    if let Some(t) = tables.last_mut() {
                        t.push(tr);
                    }
                    y += rh;
                }
                Block::Figure { alt, drawing } => {
                    let mut g = TagGroup::new(Tag::Figure(Some(alt)));
                    let id = s.start_tagged(ContentTag::Other);
                    for (bx, by, bw, bh, fill) in &drawing.boxes {
                        if let Some(f) = fill {
                            rect(&mut s, *f, MARGIN + bx, y + by, *bw, *bh);
                        }
                        frame(&mut s, GRID, 0.75, MARGIN + bx, y + by, *bw, *bh);
                    }
                    for (tx, ty, style, size, color, t) in &drawing.texts {
                        let face = if *style == Style::Bold {
                            &faces.bold
                        } else {
                            &faces.regular
                        };
                        text(&mut s, face, *size, *color, MARGIN + tx, y + ty, t);
                    }
                    s.end_tagged();
                    g.push(id);
                    push(&mut tables, &mut tree, g);
                    y += drawing.height;
                }
            }
        }
        s.start_tagged(ContentTag::Artifact(Artifact::with_kind(
            ArtifactType::Footer,
        )));
        text(
            &mut s,
            &faces.regular,
            8.0,
            SECONDARY,
            MARGIN,
            h - 28.0,
            &format!("{} · page {page_no}", plan.title),
        );
        s.end_tagged();
        s.finish();
        page.finish();
        if page_no > 500 {
            break;
        }
    }
    if let Some(n) = case_node.take() {
        outline.push_child(n);
    }
    doc.set_outline(outline);
    doc.set_tag_tree(tree);
    finish(doc)
}
