//! `GET /glossary`: every term the lessons use, with its plain definition. Lessons link their first
//! use of each term here (`/glossary#id`).
use actix_web::HttpResponse;
use serde::Serialize;

use crate::course::GlossaryTerm;
use crate::error::AppError;
use crate::web::page::Page;

/// The terms that start with one letter (digits and symbols go under "#"), with its anchor.
#[derive(Serialize)]
struct LetterGroup<'a> {
    letter: String,
    anchor: String,
    terms: Vec<&'a GlossaryTerm>,
}

#[derive(Serialize)]
struct GlossaryPage<'a> {
    groups: Vec<LetterGroup<'a>>,
    logged_in: bool,
}

fn by_letter(terms: Vec<&GlossaryTerm>) -> Vec<LetterGroup<'_>> {
    let mut groups: Vec<LetterGroup<'_>> = Vec::new();
    for t in terms {
        let letter = t
            .term
            .chars()
            .find(|c| c.is_alphanumeric())
            .filter(char::is_ascii_alphabetic)
            .map_or_else(|| "#".to_string(), |c| c.to_ascii_uppercase().to_string());
        match groups.last_mut() {
            Some(g) if g.letter == letter => g.terms.push(t),
            _ => groups.push(LetterGroup {
                anchor: format!("letter-{}", letter.to_lowercase().replace('#', "other")),
                letter,
                terms: vec![t],
            }),
        }
    }
    groups
}

/// `GET /glossary`: anyone may read it.
pub async fn show_glossary(page: Page) -> Result<HttpResponse, AppError> {
    let vm = GlossaryPage {
        groups: by_letter(page.state.course.glossary.alphabetical()),
        logged_in: page.visitor.user.is_some(),
    };
    page.ok("public/glossary", "Glossary", "", &vm)
}
