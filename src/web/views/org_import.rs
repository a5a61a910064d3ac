//! The bulk-import page: the pasted list, its problems or preview, and the activation links made.
use serde::Serialize;

use crate::domain::import::ImportRow;
use crate::entities::{cohorts, organisations};
use crate::services::organisations::Imported;
use crate::services::reports::safe_cell;
use crate::web::views::org_report::CohortOption;

/// Shown when the pasted list has a header but nobody in it.
pub const EMPTY_LIST: &str =
    "The list has no people in it: paste a header row (email, name, role) and one row per person";

#[derive(Serialize, Default)]
pub struct ImportPage {
    slug: String,
    name: String,
    csv: String,
    cohorts: Vec<CohortOption>,
    problems: Vec<String>,
    preview: Vec<PreviewRow>,
    count: usize,
    done: Vec<DoneRow>,
    links_csv: String,
}

#[derive(Serialize)]
struct PreviewRow {
    line: usize,
    email: String,
    name: String,
    role: &'static str,
}

#[derive(Serialize)]
struct DoneRow {
    email: String,
    name: String,
    url: Option<String>,
}

impl ImportPage {
    pub fn new(
        org: &organisations::Model,
        cohorts: &[cohorts::Model],
        selected: Option<i32>,
        csv: &str,
    ) -> Self {
        Self {
            slug: org.slug.clone(),
            name: org.name.clone(),
            cohorts: CohortOption::list(cohorts, selected),
            csv: csv.to_string(),
            ..Self::default()
        }
    }

    /// The parser's `line:N: problem` messages, as sentences for the page.
    pub fn problems(mut self, problems: Vec<String>) -> Self {
        self.problems = problems
            .into_iter()
            .map(|p| p.replacen("line:", "Line ", 1))
            .collect();
        self
    }

    pub fn preview(mut self, rows: &[ImportRow]) -> Self {
        self.count = rows.len();
        self.preview = rows
            .iter()
            .map(|r| PreviewRow {
                line: r.line,
                email: r.email.as_str().into(),
                name: r.name.as_str().into(),
                role: r.role.as_str(),
            })
            .collect();
        self
    }

    /// The people added, each with their activation link, and the same as a CSV to download.
    ///
    /// # Errors
    /// When the CSV cannot be written (never for in-memory text, but not assumed).
    pub fn done(mut self, done: Vec<Imported>, base_url: &str) -> anyhow::Result<Self> {
        let mut links = csv::Writer::from_writer(Vec::new());
        links.write_record(["email", "name", "activation_url"])?;
        for d in done {
            let url = d.token.map(|t| format!("{base_url}/activate/{t}"));
            links.write_record([
                safe_cell(&d.email),
                safe_cell(&d.name),
                url.clone()
                    .unwrap_or_else(|| "(existing account: added)".into()),
            ])?;
            self.done.push(DoneRow {
                email: d.email,
                name: d.name,
                url,
            });
        }
        self.links_csv =
            String::from_utf8(links.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?)?;
        self.csv = String::new();
        Ok(self)
    }
}
