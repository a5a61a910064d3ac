//! The plan document as Markdown: headings by case and section, tables as GitHub tables, the
//! pictures as lists. Everything typed is escaped so it reads exactly as typed.
use std::fmt::Write as _;

use super::{Content, PictureModel, PlanDocument};
use crate::web::markdown::{escape_inline, escape_text};

/// A table cell: one line, pipes escaped.
fn cell(text: &str) -> String {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    escape_inline(&lines.join(" / "))
}

fn table(out: &mut String, columns: &[String], rows: &[Vec<String>]) {
    let _ = writeln!(
        out,
        "| {} |",
        columns
            .iter()
            .map(|c| cell(c))
            .collect::<Vec<_>>()
            .join(" | ")
    );
    let _ = writeln!(out, "|{}", " --- |".repeat(columns.len()));
    for row in rows {
        let _ = writeln!(
            out,
            "| {} |",
            row.iter().map(|c| cell(c)).collect::<Vec<_>>().join(" | ")
        );
    }
    out.push('\n');
}

fn picture(out: &mut String, p: &PictureModel) {
    if let Some(boxes) = &p.lean_canvas {
        out.push_str("**Lean canvas**\n\n");
        for b in boxes {
            let _ = writeln!(out, "**{}**\n", escape_inline(&b.label));
            let _ = writeln!(
                out,
                "{}\n",
                b.text
                    .as_deref()
                    .map_or_else(|| "*Empty.*".to_string(), escape_text)
            );
        }
    }
    if let Some(quadrants) = &p.power_interest {
        out.push_str("**Power/interest grid**\n\n");
        for q in quadrants {
            let names = if q.names.is_empty() {
                "nobody yet".to_string()
            } else {
                q.names
                    .iter()
                    .map(|n| escape_inline(n))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let _ = writeln!(
                out,
                "- {} ({}): {}",
                q.title,
                q.advice.to_lowercase(),
                names
            );
        }
        out.push('\n');
    }
    if let Some(stages) = &p.journey {
        for s in stages {
            let _ = writeln!(out, "**{}**\n", escape_inline(&s.title));
            for step in &s.steps {
                let _ = write!(out, "{}. {}", step.number, escape_inline(&step.step));
                if let Some(d) = &step.detail {
                    let _ = write!(out, " ({})", escape_inline(d));
                }
                if let Some(pain) = &step.pain_point {
                    let _ = write!(out, ". Pain point: {}", escape_inline(pain));
                }
                out.push('\n');
            }
            out.push('\n');
        }
    }
}

fn content(out: &mut String, c: &Content) {
    if c.missing {
        out.push_str("*Not answered yet.*\n\n");
    }
    if let Some(text) = &c.text {
        let _ = writeln!(out, "{}\n", escape_text(text));
    }
    for b in c.boxes.iter().flatten() {
        let _ = writeln!(out, "**{}**\n", escape_inline(&b.label));
        let _ = writeln!(
            out,
            "{}\n",
            b.text
                .as_deref()
                .map_or_else(|| "*Empty.*".to_string(), escape_text)
        );
    }
    if let Some(t) = &c.table {
        if !t.rows.is_empty() {
            let rows: Vec<Vec<String>> = t
                .rows
                .iter()
                .map(|r| r.iter().map(|c| c.text.clone()).collect())
                .collect();
            table(out, &t.columns, &rows);
        }
        if let Some(n) = &t.notes {
            let _ = writeln!(out, "**{}**\n", escape_inline(&n.label));
            let _ = writeln!(
                out,
                "{}\n",
                escape_text(n.text.as_deref().unwrap_or_default())
            );
        }
    }
}

/// Renders the plan as one Markdown document.
pub fn render(doc: &PlanDocument) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n", escape_inline(&doc.title));
    let _ = writeln!(
        out,
        "AI project plan prepared by {} on {} during the {} course. {} of {} questions answered.\n",
        escape_inline(&doc.prepared_by),
        escape_inline(&doc.date),
        escape_inline(&doc.course_title),
        doc.answered,
        doc.count
    );
    if let Some(d) = &doc.decision {
        let _ = writeln!(out, "**Decision asked for:** {}\n", escape_inline(d));
    }
    out.push_str("## Sections still empty\n\n");
    if doc.empty_sections.is_empty() {
        out.push_str("Every section has an answer.\n\n");
    }
    for s in &doc.empty_sections {
        let _ = writeln!(out, "- {}", escape_inline(s));
    }
    if !doc.empty_sections.is_empty() {
        out.push('\n');
    }
    for case in &doc.cases {
        let _ = writeln!(out, "## {}\n\n*{}*\n", case.title, case.question);
        for s in &case.sections {
            let _ = writeln!(out, "### {}. {}\n", s.number, escape_inline(&s.title));
            if let Some(p) = &s.picture {
                picture(&mut out, p);
            }
            for item in s.items.iter().filter(|i| !i.in_picture) {
                let _ = writeln!(out, "#### {}\n", escape_inline(&item.label));
                content(&mut out, &item.content);
            }
        }
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}
