//! The plan document as an editable word-processor file (.docx, via `docx-rs`): real headings (so
//! Word and LibreOffice show a navigation pane), real tables, status colours beside their text.
use docx_rs::{
    BreakType, Docx, LineSpacing, Paragraph, Run, RunFonts, Shading, ShdType, Style, StyleType,
    Table, TableCell, TableRow, VMergeType, WidthType,
};

use super::{Content, PictureModel, PlanDocument, Tone};

const BLUE: &str = "005EB8";
const TEXT: &str = "212B32";
const GREY: &str = "4C6272";
const HEADER_FILL: &str = "E8EDEE";
/// A4 text width at 2 cm margins, in twentieths of a point.
const WIDTH: usize = 9638;

fn hex((r, g, b): (u8, u8, u8)) -> String {
    format!("{r:02X}{g:02X}{b:02X}")
}

fn fill(color: &str) -> Shading {
    Shading::new()
        .shd_type(ShdType::Clear)
        .color("auto")
        .fill(color)
}

/// A run holding text with its line breaks kept.
fn run(text: &str) -> Run {
    let mut r = Run::new();
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            r = r.add_break(BreakType::TextWrapping);
        }
        r = r.add_text(line);
    }
    r
}

fn para(text: &str) -> Paragraph {
    Paragraph::new().add_run(run(text))
}

/// A paragraph in a style; a heading stays on the page of what follows it.
fn styled(style: &str, text: &str) -> Paragraph {
    Paragraph::new()
        .style(style)
        .keep_next(style.starts_with("Heading"))
        .add_run(run(text))
}

fn bold_para(text: &str) -> Paragraph {
    Paragraph::new().add_run(run(text).bold())
}

fn cell(text: &str) -> TableCell {
    TableCell::new().add_paragraph(para(text))
}

fn header_cell(text: &str) -> TableCell {
    TableCell::new()
        .add_paragraph(bold_para(text))
        .shading(fill(HEADER_FILL))
}

/// A full-width table whose rows never break across a page (a row is read as one).
fn table(rows: Vec<TableRow>) -> Table {
    Table::new(rows.into_iter().map(TableRow::cant_split).collect()).width(WIDTH, WidthType::Dxa)
}

/// A cell kept on the same page as the row below it.
fn kept(text: &str, bold: bool) -> TableCell {
    let p = if bold { bold_para(text) } else { para(text) };
    let c = TableCell::new().add_paragraph(p.keep_next(true));
    if bold {
        c.shading(fill(HEADER_FILL))
    } else {
        c
    }
}

fn status_cell(text: &str, tone: Tone) -> TableCell {
    TableCell::new()
        .add_paragraph(bold_para(text))
        .shading(fill(&hex(tone.rgb())))
}

fn styles(doc: Docx) -> Docx {
    let font = RunFonts::new().ascii("Arial").hi_ansi("Arial").cs("Arial");
    doc.default_fonts(font)
        .default_size(21)
        .default_line_spacing(LineSpacing::new().after(100))
        .add_style(
            Style::new("Title", StyleType::Paragraph)
                .name("Title")
                .size(56)
                .bold()
                .color(BLUE),
        )
        .add_style(
            Style::new("Heading1", StyleType::Paragraph)
                .name("heading 1")
                .size(36)
                .bold()
                .color(BLUE)
                .outline_lvl(0)
                .line_spacing(LineSpacing::new().before(240).after(120)),
        )
        .add_style(
            Style::new("Heading2", StyleType::Paragraph)
                .name("heading 2")
                .size(28)
                .bold()
                .color(TEXT)
                .outline_lvl(1)
                .line_spacing(LineSpacing::new().before(320).after(120)),
        )
        .add_style(
            Style::new("Heading3", StyleType::Paragraph)
                .name("heading 3")
                .size(22)
                .bold()
                .color(TEXT)
                .outline_lvl(2)
                .line_spacing(LineSpacing::new().before(200).after(60)),
        )
}

fn picture(mut doc: Docx, p: &PictureModel) -> Docx {
    if let Some(boxes) = &p.lean_canvas {
        let text = |i: usize| -> TableCell {
            boxes.get(i).map_or_else(
                || TableCell::new().add_paragraph(Paragraph::new().keep_next(true)),
                |b| {
                    TableCell::new()
                        .add_paragraph(bold_para(&b.label).keep_next(true))
                        .add_paragraph(para(b.text.as_deref().unwrap_or("Empty")).keep_next(true))
                },
            )
        };
        // Boxes are in reading order: problem, solution, key metrics, value proposition,
        // unfair advantage, channels, customer segments, cost structure, revenue streams.
        let top = TableRow::new(vec![
            text(0).grid_span(2).vertical_merge(VMergeType::Restart),
            text(1).grid_span(2),
            text(3).grid_span(2).vertical_merge(VMergeType::Restart),
            text(4).grid_span(2),
            text(6).grid_span(2).vertical_merge(VMergeType::Restart),
        ]);
        let middle = TableRow::new(vec![
            TableCell::new()
                .add_paragraph(Paragraph::new().keep_next(true))
                .grid_span(2)
                .vertical_merge(VMergeType::Continue),
            text(2).grid_span(2),
            TableCell::new()
                .add_paragraph(Paragraph::new().keep_next(true))
                .grid_span(2)
                .vertical_merge(VMergeType::Continue),
            text(5).grid_span(2),
            TableCell::new()
                .add_paragraph(Paragraph::new().keep_next(true))
                .grid_span(2)
                .vertical_merge(VMergeType::Continue),
        ]);
        let bottom = TableRow::new(vec![text(7).grid_span(5), text(8).grid_span(5)]);
        doc = doc
            .add_paragraph(bold_para("Lean canvas").keep_next(true))
            .add_table(table(vec![top, middle, bottom]).set_grid(vec![WIDTH / 10; 10]));
    }
    if let Some(quadrants) = &p.power_interest {
        let fills = ["DBE7F5", "CCEDD8", "FFFFFF", "FFF6CC"];
        let q = |i: usize| -> TableCell {
            quadrants.get(i).map_or_else(
                || TableCell::new().add_paragraph(Paragraph::new().keep_next(true)),
                |q| {
                    let names = if q.names.is_empty() {
                        "Nobody yet".to_string()
                    } else {
                        q.names.join("\n")
                    };
                    TableCell::new()
                        .add_paragraph(
                            bold_para(&format!("{}: {}", q.advice, q.title.to_lowercase()))
                                .keep_next(true),
                        )
                        .add_paragraph(para(&names).keep_next(true))
                        .shading(fill(fills[i % 4]))
                },
            )
        };
        doc = doc
            .add_paragraph(
                bold_para(
                    "Power/interest grid (power: high at the top; interest: high on the right)",
                )
                .keep_next(true),
            )
            .add_table(table(vec![
                TableRow::new(vec![q(0), q(1)]),
                TableRow::new(vec![q(2), q(3)]),
            ]));
    }
    if let Some(stages) = &p.journey {
        for s in stages {
            doc =
                doc.add_paragraph(bold_para(&format!("User journey: {}", s.title)).keep_next(true));
            for chunk in s.steps.chunks(5) {
                let steps = TableRow::new(
                    chunk
                        .iter()
                        .map(|st| kept(&format!("{}. {}", st.number, st.step), true))
                        .collect(),
                );
                let details = TableRow::new(
                    chunk
                        .iter()
                        .map(|st| kept(st.detail.as_deref().unwrap_or(""), false))
                        .collect(),
                );
                let pains = TableRow::new(
                    chunk
                        .iter()
                        .map(|st| match &st.pain_point {
                            Some(p) => status_cell(&format!("Pain point: {p}"), Tone::Blocked),
                            None => cell("No pain point"),
                        })
                        .collect(),
                );
                doc = doc
                    .add_table(table(vec![steps, details, pains]))
                    .add_paragraph(Paragraph::new());
            }
        }
    }
    doc
}

fn content(mut doc: Docx, c: &Content) -> Docx {
    if c.missing {
        doc = doc.add_paragraph(
            Paragraph::new().add_run(
                Run::new()
                    .add_text("Not answered yet.")
                    .italic()
                    .color(GREY),
            ),
        );
    }
    if let Some(text) = &c.text {
        for p in text.split("\n\n") {
            doc = doc.add_paragraph(para(p.trim_matches('\n')));
        }
    }
    for b in c.boxes.iter().flatten() {
        doc = doc
            .add_paragraph(bold_para(&b.label))
            .add_paragraph(para(b.text.as_deref().unwrap_or("Empty")));
    }
    if let Some(t) = c.table.as_ref().filter(|t| !t.rows.is_empty()) {
        let mut rows = vec![TableRow::new(
            t.columns.iter().map(|c| header_cell(c)).collect(),
        )];
        for r in &t.rows {
            rows.push(TableRow::new(
                r.iter()
                    .map(|c| match c.tone {
                        Some(tone) => status_cell(&c.text, tone),
                        None => cell(&c.text),
                    })
                    .collect(),
            ));
        }
        doc = doc.add_table(table(rows)).add_paragraph(Paragraph::new());
    }
    if let Some(n) = c.table.as_ref().and_then(|t| t.notes.as_ref()) {
        doc = doc
            .add_paragraph(bold_para(&n.label))
            .add_paragraph(para(n.text.as_deref().unwrap_or_default()));
    }
    doc
}

/// Renders the plan as a .docx file.
///
/// # Errors
/// Only if the archive cannot be written.
pub fn render(plan: &PlanDocument) -> anyhow::Result<Vec<u8>> {
    let mut doc = styles(Docx::new())
        .add_paragraph(styled("Title", &plan.title))
        .add_paragraph(para(&format!(
            "AI project plan prepared by {} on {}, during the {} course. {} of {} questions answered.",
            plan.prepared_by, plan.date, plan.course_title, plan.answered, plan.count
        )));
    if let Some(d) = &plan.decision {
        doc = doc
            .add_paragraph(bold_para("Decision asked for"))
            .add_paragraph(para(d));
    }
    doc = doc.add_paragraph(bold_para("Contents"));
    for case in &plan.cases {
        doc = doc.add_paragraph(Paragraph::new().add_run(run(case.title).bold().color(BLUE)));
        for s in &case.sections {
            doc = doc.add_paragraph(para(&format!("{}. {}", s.number, s.title)));
        }
    }
    doc = doc.add_paragraph(styled("Heading2", "Sections still empty"));
    if plan.empty_sections.is_empty() {
        doc = doc.add_paragraph(para("Every section has an answer."));
    }
    for s in &plan.empty_sections {
        doc = doc.add_paragraph(para(&format!("• {s}")));
    }
    for case in &plan.cases {
        doc = doc
            .add_paragraph(
                Paragraph::new()
                    .style("Heading1")
                    .page_break_before(true)
                    .add_run(Run::new().add_text(case.title)),
            )
            .add_paragraph(Paragraph::new().add_run(Run::new().add_text(case.question).italic()));
        for s in &case.sections {
            doc = doc.add_paragraph(styled("Heading2", &format!("{}. {}", s.number, s.title)));
            if let Some(p) = &s.picture {
                doc = picture(doc, p);
            }
            for item in s.items.iter().filter(|i| !i.in_picture) {
                doc = doc.add_paragraph(styled("Heading3", &item.label));
                doc = content(doc, &item.content);
            }
        }
    }
    let mut out = std::io::Cursor::new(Vec::new());
    doc.pack(&mut out)
        .map_err(|e| anyhow::anyhow!("cannot write the .docx: {e}"))?;
    Ok(out.into_inner())
}
