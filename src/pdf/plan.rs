//! The learner's AI project plan as a PDF (A4 portrait, flowing over as many pages as it needs).
use super::{
    A4_PORTRAIT, Faces, NHS_BLUE, SECONDARY, TEXT, document, finish, page_settings, rect, text,
};

pub struct PlanSection {
    pub heading: String,
    /// (prompt label, answer or None when not answered yet)
    pub answers: Vec<(String, Option<String>)>,
}

pub struct PlanPdf {
    pub title: String,
    pub learner: String,
    pub date: String,
    pub sections: Vec<PlanSection>,
}

enum Line {
    Heading(String),
    Label(String),
    Body(String),
    Missing,
    Gap(f32),
}

/// Renders the plan.
///
/// # Errors
/// Only if the PDF library fails.
pub fn render(p: &PlanPdf) -> anyhow::Result<Vec<u8>> {
    let faces = Faces::load()?;
    let (w, h) = A4_PORTRAIT;
    let margin = 56.0;
    let width = w - 2.0 * margin;
    let mut lines = Vec::new();
    for section in &p.sections {
        lines.push(Line::Heading(section.heading.clone()));
        for (label, answer) in &section.answers {
            for l in faces.bold.wrap(label, 10.5, width) {
                lines.push(Line::Label(l));
            }
            match answer {
                Some(a) => lines.extend(
                    faces
                        .regular
                        .wrap(a, 10.5, width)
                        .into_iter()
                        .map(Line::Body),
                ),
                None => lines.push(Line::Missing),
            }
            lines.push(Line::Gap(8.0));
        }
        lines.push(Line::Gap(10.0));
    }
    let mut doc = document(&format!("{} – {}", p.title, p.learner));
    let mut iter = lines.into_iter().peekable();
    let mut page_no = 0;
    while iter.peek().is_some() || page_no == 0 {
        page_no += 1;
        let mut page = doc.start_page_with(page_settings(w, h)?);
        let mut s = page.surface();
        let mut y = margin;
        if page_no == 1 {
            rect(&mut s, NHS_BLUE, 0.0, 0.0, w, 14.0);
            text(&mut s, &faces.bold, 20.0, TEXT, margin, y + 10.0, &p.title);
            text(
                &mut s,
                &faces.regular,
                11.0,
                SECONDARY,
                margin,
                y + 30.0,
                &format!("{} · {}", p.learner, p.date),
            );
            y += 60.0;
        }
        while let Some(line) = iter.peek() {
            let need = match line {
                Line::Heading(_) => 34.0,
                Line::Gap(g) => *g,
                _ => 15.0,
            };
            if y + need > h - margin {
                break;
            }
            match iter.next() {
                Some(Line::Heading(t)) => {
                    text(&mut s, &faces.bold, 14.0, NHS_BLUE, margin, y + 20.0, &t);
                    y += 34.0;
                }
                Some(Line::Label(t)) => {
                    text(&mut s, &faces.bold, 10.5, TEXT, margin, y + 11.0, &t);
                    y += 15.0;
                }
                Some(Line::Body(t)) => {
                    text(&mut s, &faces.regular, 10.5, TEXT, margin, y + 11.0, &t);
                    y += 15.0;
                }
                Some(Line::Missing) => {
                    text(
                        &mut s,
                        &faces.regular,
                        10.5,
                        SECONDARY,
                        margin,
                        y + 11.0,
                        "Not answered yet",
                    );
                    y += 15.0;
                }
                Some(Line::Gap(g)) => y += g,
                None => {}
            }
        }
        text(
            &mut s,
            &faces.regular,
            8.0,
            SECONDARY,
            margin,
            h - 28.0,
            &format!("{} · page {page_no}", p.title),
        );
        s.finish();
        page.finish();
        if page_no > 500 {
            break;
        }
    }
    finish(doc)
}
