//! Reads `course/`, checks everything, and builds the immutable [`Course`].
//!
//! Every problem is reported as `file:line: what is wrong`, and all problems are collected before
//! giving up, so an author can fix a whole batch at once.
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use sha2::{Digest, Sha256};

use chrono::{Months, NaiveDate};

use super::glossary::{GLOSSARY_FILE, Glossary, TermMarker, line_at, parse_glossary};
use super::markdown::{render_lesson, render_plain, scan_body};
use super::model::*;

/// One problem in one course file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    pub line: usize,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.message)
    }
}

/// Everything wrong with a course directory.
#[derive(Debug, thiserror::Error)]
pub struct CourseError {
    pub problems: Vec<Problem>,
    /// Warnings found on the way (acronyms missing from the glossary), shown beside the problems.
    pub warnings: Vec<Problem>,
}

impl fmt::Display for CourseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "the course has {} problem(s):", self.problems.len())?;
        for p in &self.problems {
            writeln!(f, "{p}")?;
        }
        Ok(())
    }
}

const MAX_FILE_BYTES: u64 = 1024 * 1024;
const MAX_ID_LEN: usize = 64;
/// A lesson without `review_by` is due for review this long after `reviewed`.
pub const DEFAULT_REVIEW_MONTHS: u32 = 6;

/// 1-64 lower-case letters, digits or '-' (not at either end).
pub(super) fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_ID_LEN
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !id.starts_with('-')
        && !id.ends_with('-')
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCourse {
    slug: String,
    title: String,
    version: String,
    summary: String,
    audience: String,
    prerequisites: Vec<String>,
    outcomes: Vec<String>,
    #[serde(default)]
    how_it_works: String,
    #[serde(default)]
    you_end_with: String,
    modules: Vec<String>,
    valid_for_months: Option<u32>,
    #[serde(default)]
    unlock_in_order: bool,
    #[serde(default)]
    require_plan_submission: bool,
    #[serde(default)]
    quiz_defaults: RawQuizSettings,
    #[serde(default)]
    confidence: Vec<RawConfidence>,
}

#[derive(Deserialize, Default, Clone, Copy)]
#[serde(deny_unknown_fields)]
struct RawQuizSettings {
    pass_mark: Option<u8>,
    attempts_allowed: Option<u32>,
    questions_per_attempt: Option<usize>,
    shuffle_options: Option<bool>,
    show_answers: Option<RawShowAnswers>,
    minutes_between_attempts: Option<u32>,
    scoring: Option<Scoring>,
}

/// `show_answers` as a mode, or as the older `true` (always) / `false` (never).
#[derive(Deserialize, Clone, Copy)]
#[serde(untagged)]
enum RawShowAnswers {
    Flag(bool),
    Mode(ShowAnswers),
}

impl RawShowAnswers {
    fn mode(self) -> ShowAnswers {
        match self {
            Self::Flag(true) => ShowAnswers::Always,
            Self::Flag(false) => ShowAnswers::Never,
            Self::Mode(m) => m,
        }
    }
}

impl RawQuizSettings {
    fn apply(self, base: QuizSettings) -> QuizSettings {
        QuizSettings {
            pass_mark: self.pass_mark.unwrap_or(base.pass_mark),
            attempts_allowed: self.attempts_allowed.unwrap_or(base.attempts_allowed),
            questions_per_attempt: self
                .questions_per_attempt
                .unwrap_or(base.questions_per_attempt),
            shuffle_options: self.shuffle_options.unwrap_or(base.shuffle_options),
            show_answers: self
                .show_answers
                .map_or(base.show_answers, RawShowAnswers::mode),
            minutes_between_attempts: self
                .minutes_between_attempts
                .unwrap_or(base.minutes_between_attempts),
            scoring: self.scoring.unwrap_or(base.scoring),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfidence {
    id: String,
    statement: String,
    case_study_measure: Option<String>,
    case_study_percent: Option<u8>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawModule {
    slug: String,
    title: String,
    aim: String,
    #[serde(default)]
    introduction: String,
    estimated_minutes: u32,
    #[serde(default, rename = "topic")]
    topics: Vec<RawTopic>,
    #[serde(default, rename = "outcome")]
    outcomes: Vec<RawOutcome>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTopic {
    id: String,
    title: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOutcome {
    id: String,
    text: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFrontMatter {
    slug: String,
    title: String,
    minutes: u32,
    #[serde(default)]
    topics: Vec<String>,
    reviewed: Option<toml::Spanned<toml::Value>>,
    review_by: Option<toml::Spanned<toml::Value>>,
}

/// A front-matter date: a TOML date (`reviewed = 2026-12-01`) or the same in quotes.
fn front_matter_date(value: &toml::Value) -> Option<NaiveDate> {
    match value {
        toml::Value::Datetime(toml::value::Datetime {
            date: Some(d),
            time: None,
            offset: None,
        }) => NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day)),
        toml::Value::String(s) if s.len() == 10 => NaiveDate::parse_from_str(s, "%Y-%m-%d").ok(),
        _ => None,
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQuiz {
    #[serde(flatten)]
    settings: RawQuizSettingsFlat,
    #[serde(default, rename = "question")]
    questions: Vec<RawQuestion>,
}

// `flatten` cannot be combined with `deny_unknown_fields` on the inner struct, so the
// settings are repeated here and checked by the outer struct.
#[derive(Deserialize, Default)]
struct RawQuizSettingsFlat {
    pass_mark: Option<u8>,
    attempts_allowed: Option<u32>,
    questions_per_attempt: Option<usize>,
    shuffle_options: Option<bool>,
    show_answers: Option<RawShowAnswers>,
    minutes_between_attempts: Option<u32>,
    scoring: Option<Scoring>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQuestion {
    id: String,
    kind: String,
    #[serde(default)]
    outcomes: Vec<String>,
    prompt: String,
    explanation: Option<String>,
    #[serde(default)]
    style: QuestionStyle,
    scoring: Option<String>,
    #[serde(default, rename = "option")]
    options: Vec<RawChoice>,
    #[serde(default, rename = "item")]
    items: Vec<RawItem>,
    #[serde(default, rename = "pair")]
    pairs: Vec<RawPair>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawChoice {
    id: String,
    text: String,
    #[serde(default)]
    correct: bool,
    feedback: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawItem {
    id: String,
    text: String,
    feedback: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPair {
    id: String,
    left: String,
    right: String,
    feedback: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWorksheet {
    title: String,
    #[serde(default)]
    introduction: String,
    #[serde(default, rename = "prompt")]
    prompts: Vec<RawPrompt>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPrompt {
    id: String,
    label: String,
    #[serde(default)]
    help: String,
    #[serde(default)]
    example: String,
    max_chars: Option<usize>,
    /// `text` (default), `table` or `fields`.
    kind: Option<String>,
    max_rows: Option<usize>,
    #[serde(default, rename = "column")]
    columns: Vec<RawColumn>,
    #[serde(default, rename = "field")]
    fields: Vec<RawField>,
    #[serde(default)]
    example_rows: Vec<Vec<String>>,
    /// table: a free-text box under the rows.
    notes_label: Option<String>,
    #[serde(default)]
    notes_example: String,
    notes_max_chars: Option<usize>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawColumn {
    id: String,
    label: String,
    max_chars: Option<usize>,
    #[serde(default)]
    choices: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawField {
    id: String,
    label: String,
    #[serde(default)]
    help: String,
    #[serde(default)]
    example: String,
    max_chars: Option<usize>,
}

/// Collects problems for one file, finding lines by searching the file's text.
struct FileCheck<'a> {
    name: String,
    text: &'a str,
    problems: &'a mut Vec<Problem>,
}

impl FileCheck<'_> {
    fn at(&mut self, line: usize, message: impl Into<String>) {
        self.problems.push(Problem {
            file: self.name.clone(),
            line,
            message: message.into(),
        });
    }

    /// The 1-based line of the first occurrence of `needle` at or after `from_line`, else `from_line`.
    fn line_of(&self, needle: &str, from_line: usize) -> usize {
        self.text
            .lines()
            .enumerate()
            .skip(from_line.saturating_sub(1))
            .find(|(_, l)| l.contains(needle))
            .map(|(i, _)| i + 1)
            .unwrap_or(from_line.max(1))
    }

    /// The line where an `id = "x"` (or `slug = "x"`) is written.
    fn line_of_id(&self, id: &str) -> usize {
        self.line_of(&format!("\"{id}\""), 1)
    }

    fn require_text(&mut self, value: &str, field: &str, line: usize) {
        if value.trim().is_empty() {
            self.at(line, format!("`{field}` must not be empty"));
        }
    }

    fn check_id(&mut self, id: &str, what: &str) -> bool {
        let ok = valid_id(id);
        if !ok {
            let line = self.line_of_id(id);
            self.at(
                line,
                format!("{what} id '{id}' must be 1-{MAX_ID_LEN} lower-case letters, digits or '-' (not at either end)"),
            );
        }
        ok
    }
}

pub(super) fn toml_error(file: &str, text: &str, err: &toml::de::Error) -> Problem {
    let line = err
        .span()
        .map(|s| text[..s.start.min(text.len())].lines().count().max(1))
        .unwrap_or(1);
    let message = err.message().replace('\n', " ");
    Problem {
        file: file.to_string(),
        line,
        message: message.trim().to_string(),
    }
}

fn read_file(path: &Path, display: &str, problems: &mut Vec<Problem>) -> Option<String> {
    match std::fs::metadata(path) {
        Ok(meta) if meta.len() > MAX_FILE_BYTES => {
            problems.push(Problem {
                file: display.into(),
                line: 1,
                message: format!(
                    "file is {} bytes; course files may be at most {MAX_FILE_BYTES}",
                    meta.len()
                ),
            });
            return None;
        }
        Ok(_) => {}
        Err(e) => {
            problems.push(Problem {
                file: display.into(),
                line: 1,
                message: format!("cannot read the file: {e}"),
            });
            return None;
        }
    }
    match std::fs::read(path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(s) => Some(s),
            Err(e) => {
                let good = &e.as_bytes()[..e.utf8_error().valid_up_to()];
                let line = good.iter().filter(|b| **b == b'\n').count() + 1;
                problems.push(Problem {
                    file: display.into(),
                    line,
                    message: "the file is not valid UTF-8".into(),
                });
                None
            }
        },
        Err(e) => {
            problems.push(Problem {
                file: display.into(),
                line: 1,
                message: format!("cannot read the file: {e}"),
            });
            None
        }
    }
}

pub(super) fn parse_toml<T: for<'de> Deserialize<'de>>(
    file: &str,
    text: &str,
    problems: &mut Vec<Problem>,
) -> Option<T> {
    match toml::from_str::<T>(text) {
        Ok(v) => Some(v),
        Err(e) => {
            problems.push(toml_error(file, text, &e));
            None
        }
    }
}

struct Loader {
    root: PathBuf,
    problems: Vec<Problem>,
    /// Problems that do not stop the course loading (shown by `check-course`).
    warnings: Vec<Problem>,
    hasher: Sha256,
    glossary: Glossary,
}

impl Loader {
    fn display(&self, path: &Path) -> String {
        path.display().to_string()
    }

    fn read(&mut self, path: &Path) -> Option<(String, String)> {
        let name = self.display(path);
        let text = read_file(path, &name, &mut self.problems)?;
        self.hasher.update(name.as_bytes());
        self.hasher.update([0]);
        self.hasher.update(text.as_bytes());
        self.hasher.update([0]);
        Some((name, text))
    }
}

/// Loads and validates the course in `dir`.
///
/// # Errors
/// Returns every problem found, each with its file and line.
pub fn load_course(dir: &Path) -> Result<Course, CourseError> {
    let mut loader = Loader {
        root: dir.to_path_buf(),
        problems: Vec::new(),
        warnings: Vec::new(),
        hasher: Sha256::new(),
        glossary: Glossary::default(),
    };
    let course = load_inner(&mut loader);
    match course {
        Some(c) if loader.problems.is_empty() => Ok(c),
        course => {
            let warnings =
                course.map_or_else(|| std::mem::take(&mut loader.warnings), |c| c.warnings);
            if loader.problems.is_empty() {
                loader.problems.push(Problem {
                    file: loader.display(&dir.join("course.toml")),
                    line: 1,
                    message: "the course could not be loaded".into(),
                });
            }
            Err(CourseError {
                problems: loader.problems,
                warnings,
            })
        }
    }
}

fn load_inner(loader: &mut Loader) -> Option<Course> {
    let course_path = loader.root.join("course.toml");
    let (file, text) = loader.read(&course_path)?;
    let raw: RawCourse = parse_toml(&file, &text, &mut loader.problems)?;
    let root = loader.root.clone();
    let mut check = FileCheck {
        name: file.clone(),
        text: &text,
        problems: &mut loader.problems,
    };
    let loader_root_has = |_: &FileCheck<'_>, slug: &str| root.join(slug).is_dir();
    check.check_id(&raw.slug, "course");
    for (field, value) in [
        ("title", &raw.title),
        ("version", &raw.version),
        ("summary", &raw.summary),
        ("audience", &raw.audience),
    ] {
        let line = check.line_of(&format!("{field} ="), 1);
        check.require_text(value, field, line);
    }
    if raw.modules.is_empty() {
        let line = check.line_of("modules", 1);
        check.at(line, "`modules` must list at least one module folder");
    }
    let defaults = raw.quiz_defaults.apply(QuizSettings::default());
    check_settings(&mut check, &defaults, "[quiz_defaults]");
    let mut seen = HashSet::new();
    let mut confidence = Vec::new();
    for c in &raw.confidence {
        if check.check_id(&c.id, "confidence statement") && !seen.insert(c.id.clone()) {
            let line = check.line_of_id(&c.id);
            check.at(line, format!("confidence id '{}' is used twice", c.id));
        }
        let line = check.line_of_id(&c.id);
        check.require_text(&c.statement, "statement", line);
        if c.case_study_percent.is_some_and(|p| p > 100) {
            check.at(line, "`case_study_percent` must be between 0 and 100");
        }
        confidence.push(ConfidenceStatement {
            id: c.id.clone(),
            statement: c.statement.clone(),
            case_study_measure: c.case_study_measure.clone(),
            case_study_percent: c.case_study_percent,
        });
    }
    let plan_line = check.line_of("require_plan_submission", 1);
    let mut wanted = Vec::new();
    let mut module_slugs = HashSet::new();
    for slug in &raw.modules {
        let line = check.line_of(&format!("\"{slug}\""), 1);
        if !check.check_id(slug, "module") {
            continue;
        }
        if !module_slugs.insert(slug.clone()) {
            check.at(line, format!("module '{slug}' is listed twice"));
        } else if !loader_root_has(&check, slug) {
            check.at(
                line,
                format!(
                    "module '{slug}' is listed, but there is no folder '{slug}' beside course.toml"
                ),
            );
        } else {
            wanted.push(slug.clone());
        }
    }
    let glossary_path = loader.root.join(GLOSSARY_FILE);
    if glossary_path.exists()
        && let Some((file, text)) = loader.read(&glossary_path)
    {
        loader.glossary = parse_glossary(&file, &text, &mut loader.problems);
    }
    let mut modules = Vec::new();
    for (i, slug) in wanted.iter().enumerate() {
        let folder = loader.root.join(slug);
        if let Some(m) = load_module(loader, &folder, slug, i + 1, defaults) {
            modules.push(m);
        }
    }
    let plan_path = loader.root.join(super::plan_outline::PLAN_FILE);
    let plan = if plan_path.exists() {
        loader
            .read(&plan_path)
            .and_then(|(file, text)| {
                let raw = parse_toml(&file, &text, &mut loader.problems)?;
                Some(super::plan_outline::check_plan(
                    &file,
                    &text,
                    raw,
                    &modules,
                    &mut loader.problems,
                ))
            })
            .unwrap_or_default()
    } else {
        super::plan_outline::default_plan(&modules)
    };
    if raw.require_plan_submission && modules.iter().all(|m| m.worksheet.prompts.is_empty()) {
        loader.problems.push(Problem {
            file: file.clone(),
            line: plan_line,
            message: "`require_plan_submission` needs a plan to submit: no module's worksheet has a prompt".into(),
        });
    }
    let how_it_works_html = render_plain(&raw.how_it_works);
    let you_end_with_html = render_plain(&raw.you_end_with);
    let fingerprint = loader
        .hasher
        .clone()
        .finalize()
        .iter()
        .take(12)
        .map(|b| format!("{b:02x}"))
        .collect();
    Some(Course {
        slug: raw.slug,
        title: raw.title,
        version: raw.version,
        summary: raw.summary,
        audience: raw.audience,
        prerequisites: raw.prerequisites,
        outcomes: raw.outcomes,
        how_it_works_html,
        you_end_with_html,
        valid_for_months: raw.valid_for_months,
        unlock_in_order: raw.unlock_in_order,
        require_plan_submission: raw.require_plan_submission,
        modules,
        confidence,
        fingerprint,
        glossary: std::mem::take(&mut loader.glossary),
        plan,
        warnings: std::mem::take(&mut loader.warnings),
    })
}

fn check_settings(check: &mut FileCheck<'_>, s: &QuizSettings, section: &str) {
    let line = check.line_of(section, 1);
    if s.pass_mark == 0 || s.pass_mark > 100 {
        check.at(line, "`pass_mark` must be between 1 and 100 (percent)");
    }
    if s.questions_per_attempt == 0 {
        check.at(line, "`questions_per_attempt` must be at least 1");
    }
}

fn load_module(
    loader: &mut Loader,
    folder: &Path,
    slug: &str,
    number: usize,
    defaults: QuizSettings,
) -> Option<Module> {
    let (file, text) = loader.read(&folder.join("module.toml"))?;
    let raw: RawModule = parse_toml(&file, &text, &mut loader.problems)?;
    let mut check = FileCheck {
        name: file.clone(),
        text: &text,
        problems: &mut loader.problems,
    };
    if raw.slug != slug {
        let line = check.line_of("slug", 1);
        check.at(
            line,
            format!("slug '{}' must match the folder name '{slug}'", raw.slug),
        );
    }
    for (field, value) in [("title", &raw.title), ("aim", &raw.aim)] {
        let line = check.line_of(&format!("{field} ="), 1);
        check.require_text(value, field, line);
    }
    let mut topic_ids = HashSet::new();
    for t in &raw.topics {
        if check.check_id(&t.id, "topic") && !topic_ids.insert(t.id.clone()) {
            let line = check.line_of_id(&t.id);
            check.at(line, format!("topic id '{}' is used twice", t.id));
        }
    }
    let mut outcome_ids = HashSet::new();
    for o in &raw.outcomes {
        if check.check_id(&o.id, "outcome") && !outcome_ids.insert(o.id.clone()) {
            let line = check.line_of_id(&o.id);
            check.at(line, format!("outcome id '{}' is used twice", o.id));
        }
    }
    if raw.outcomes.is_empty() {
        check.at(1, "a module needs at least one [[outcome]]");
    }
    let introduction_html = render_plain(&raw.introduction);

    let lessons = load_lessons(loader, folder, &topic_ids);
    let mut topic_covered: HashMap<&str, bool> =
        raw.topics.iter().map(|t| (t.id.as_str(), false)).collect();
    for l in &lessons {
        for t in &l.topics {
            topic_covered.insert(t.as_str(), true);
        }
    }
    {
        let mut check = FileCheck {
            name: file.clone(),
            text: &text,
            problems: &mut loader.problems,
        };
        if lessons.is_empty() {
            check.at(
                1,
                "the module has no lessons (expected lessons/NN-slug.md files)",
            );
        }
        for t in &raw.topics {
            if topic_covered.get(t.id.as_str()) == Some(&false) {
                let line = check.line_of_id(&t.id);
                check.at(
                    line,
                    format!(
                        "topic '{}' is not covered by any lesson (add it to a lesson's `topics`)",
                        t.id
                    ),
                );
            }
        }
    }
    let quiz = load_quiz(loader, folder, &outcome_ids, defaults)?;
    let worksheet = load_worksheet(loader, folder)?;
    Some(Module {
        slug: slug.to_string(),
        number,
        title: raw.title,
        aim: raw.aim,
        introduction_html,
        estimated_minutes: raw.estimated_minutes,
        topics: raw
            .topics
            .into_iter()
            .map(|t| Topic {
                id: t.id,
                title: t.title,
            })
            .collect(),
        outcomes: raw
            .outcomes
            .into_iter()
            .map(|o| Outcome {
                id: o.id,
                text: o.text,
            })
            .collect(),
        lessons,
        quiz,
        worksheet,
    })
}

fn load_lessons(loader: &mut Loader, folder: &Path, topic_ids: &HashSet<String>) -> Vec<Lesson> {
    let dir = folder.join("lessons");
    let mut paths: Vec<PathBuf> = match std::fs::read_dir(&dir) {
        Ok(entries) => entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "md"))
            .collect(),
        Err(_) => {
            let name = loader.display(&dir);
            loader.problems.push(Problem {
                file: name,
                line: 1,
                message: "missing lessons folder".into(),
            });
            return Vec::new();
        }
    };
    paths.sort();
    let mut lessons = Vec::new();
    let mut slugs = HashSet::new();
    for path in paths {
        let Some((file, text)) = loader.read(&path) else {
            continue;
        };
        let mut check = FileCheck {
            name: file.clone(),
            text: &text,
            problems: &mut loader.problems,
        };
        let loader_glossary = &loader.glossary;
        let check_warnings = &mut loader.warnings;
        let Some((front, body, body_line)) = split_front_matter(&text) else {
            check.at(
                1,
                "a lesson must start with TOML front matter between two lines '+++'",
            );
            continue;
        };
        let front_meta: RawFrontMatter = match toml::from_str(front) {
            Ok(f) => f,
            Err(e) => {
                let mut p = toml_error(&file, front, &e);
                p.line += 1;
                check.problems.push(p);
                continue;
            }
        };
        if check.check_id(&front_meta.slug, "lesson") && !slugs.insert(front_meta.slug.clone()) {
            let line = check.line_of_id(&front_meta.slug);
            check.at(
                line,
                format!(
                    "lesson slug '{}' is used by another lesson in this module",
                    front_meta.slug
                ),
            );
        }
        check.require_text(&front_meta.title, "title", check.line_of("title", 1));
        if front_meta.minutes == 0 {
            let line = check.line_of("minutes", 1);
            check.at(line, "`minutes` must be at least 1");
        }
        for t in &front_meta.topics {
            if !topic_ids.contains(t) {
                let line = check.line_of("topics", 1);
                check.at(
                    line,
                    format!("topic '{t}' is not a topic of this module (see module.toml)"),
                );
            }
        }
        let front_line = |span: std::ops::Range<usize>| line_at(front, span.start) + 1;
        let date_field = |check: &mut FileCheck<'_>,
                          field: &str,
                          value: &Option<toml::Spanned<toml::Value>>|
         -> Option<(NaiveDate, usize)> {
            let v = value.as_ref()?;
            let line = front_line(v.span());
            match front_matter_date(v.get_ref()) {
                Some(d) => Some((d, line)),
                None => {
                    check.at(
                        line,
                        format!("`{field}` must be a date written YYYY-MM-DD, for example {field} = 2026-12-01"),
                    );
                    None
                }
            }
        };
        let reviewed = date_field(&mut check, "reviewed", &front_meta.reviewed);
        let review_by = date_field(&mut check, "review_by", &front_meta.review_by);
        if front_meta.reviewed.is_none() {
            let line = check.line_of("slug", 1);
            check.at(
                line,
                "the front matter needs `reviewed = YYYY-MM-DD`: the date the lesson's facts were last checked",
            );
        }
        let (reviewed_on, review_line) = reviewed.unwrap_or_default();
        let (review_by, review_line) = match review_by {
            Some((by, line)) => {
                if reviewed.is_some() && by < reviewed_on {
                    check.at(line, "`review_by` is earlier than `reviewed`");
                }
                (by, line)
            }
            None => (
                reviewed_on
                    .checked_add_months(Months::new(DEFAULT_REVIEW_MONTHS))
                    .unwrap_or(reviewed_on),
                review_line,
            ),
        };
        let scan = scan_body(body);
        for line in &scan.unlinked_reading {
            check.at(
                body_line + line,
                "a further-reading item needs a link to the page itself: [Title](https://…) - publisher, date",
            );
        }
        for (acronym, line) in &scan.acronyms {
            if !loader_glossary.covers_acronym(acronym) {
                check_warnings.push(Problem {
                    file: file.clone(),
                    line: body_line + line,
                    message: format!(
                        "warning: '{acronym}' looks like an acronym but is not in {GLOSSARY_FILE}; add a [[term]] for it"
                    ),
                });
            }
        }
        let mut marker = TermMarker::new(loader_glossary);
        let rendered = match render_lesson(body, Some(&mut marker)) {
            Ok(r) => r,
            Err(problems) => {
                for p in problems {
                    check.at(body_line + p.line, p.message);
                }
                continue;
            }
        };
        for required in ["try-this", "key-points"] {
            if !rendered.blocks.iter().any(|b| b == required) {
                check.at(
                    body_line,
                    format!("a lesson needs a '::: {required}' block"),
                );
            }
        }
        lessons.push(Lesson {
            slug: front_meta.slug,
            number: lessons.len() + 1,
            title: front_meta.title,
            minutes: front_meta.minutes,
            topics: front_meta.topics,
            html: rendered.html,
            reviewed: reviewed_on,
            review_by,
            review_line,
            further_reading: scan.reading_links,
            word_count: body
                .split_whitespace()
                .filter(|w| w.chars().any(char::is_alphanumeric))
                .count(),
            file,
        });
    }
    lessons
}

/// Splits `+++\nfront\n+++\nbody`; returns the front matter, the body and the body's 1-based first line.
fn split_front_matter(text: &str) -> Option<(&str, &str, usize)> {
    let text_trimmed = text.strip_prefix('\u{feff}').unwrap_or(text);
    let rest = text_trimmed.strip_prefix("+++")?;
    let rest = rest
        .strip_prefix("\r\n")
        .or_else(|| rest.strip_prefix('\n'))?;
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        if line.trim_end() == "+++" {
            let front = &rest[..offset];
            let body = &rest[offset + line.len()..];
            let body_line = front.lines().count() + 3;
            return Some((front, body, body_line));
        }
        offset += line.len();
    }
    None
}

fn load_quiz(
    loader: &mut Loader,
    folder: &Path,
    outcome_ids: &HashSet<String>,
    defaults: QuizSettings,
) -> Option<Quiz> {
    let (file, text) = loader.read(&folder.join("quiz.toml"))?;
    let raw: RawQuiz = parse_toml(&file, &text, &mut loader.problems)?;
    let mut check = FileCheck {
        name: file.clone(),
        text: &text,
        problems: &mut loader.problems,
    };
    let s = &raw.settings;
    let settings = RawQuizSettings {
        pass_mark: s.pass_mark,
        attempts_allowed: s.attempts_allowed,
        questions_per_attempt: s.questions_per_attempt,
        shuffle_options: s.shuffle_options,
        show_answers: s.show_answers,
        minutes_between_attempts: s.minutes_between_attempts,
        scoring: s.scoring,
    }
    .apply(defaults);
    check_settings(&mut check, &settings, "questions_per_attempt");
    if raw.questions.is_empty() {
        check.at(1, "the quiz has no [[question]]");
    } else if settings.questions_per_attempt > raw.questions.len() {
        let line = check.line_of("questions_per_attempt", 1);
        check.at(
            line,
            format!(
                "`questions_per_attempt` is {} but the pool has only {} question(s)",
                settings.questions_per_attempt,
                raw.questions.len()
            ),
        );
    }
    let mut ids = HashSet::new();
    let mut questions = Vec::new();
    for q in raw.questions {
        let line = check.line_of_id(&q.id);
        if check.check_id(&q.id, "question") && !ids.insert(q.id.clone()) {
            check.at(line, format!("question id '{}' is used twice", q.id));
        }
        check.require_text(&q.prompt, "prompt", line);
        if q.outcomes.is_empty() {
            check.at(
                line,
                format!("question '{}' must name at least one outcome", q.id),
            );
        }
        for o in &q.outcomes {
            if !outcome_ids.contains(o) {
                check.at(
                    line,
                    format!(
                        "question '{}' names outcome '{o}', which module.toml does not define",
                        q.id
                    ),
                );
            }
        }
        if let Some(question) = build_question(&mut check, q, line, settings.scoring) {
            questions.push(question);
        }
    }
    Some(Quiz {
        settings,
        questions,
    })
}

fn build_question(
    check: &mut FileCheck<'_>,
    q: RawQuestion,
    line: usize,
    policy: Scoring,
) -> Option<Question> {
    let kind = match q.kind.as_str() {
        "single" => QuestionKind::Single,
        "multiple" => QuestionKind::Multiple,
        "true_false" => QuestionKind::TrueFalse,
        "ordering" => QuestionKind::Ordering,
        "matching" => QuestionKind::Matching,
        other => {
            check.at(
                line,
                format!("question '{}': unknown kind '{other}' (single, multiple, true_false, ordering or matching)", q.id),
            );
            return None;
        }
    };
    let scoring_overridden = q.scoring.is_some();
    let scoring = match q.scoring.as_deref() {
        None if kind == QuestionKind::Single || kind == QuestionKind::TrueFalse => {
            Scoring::AllOrNothing
        }
        None => policy,
        Some("all_or_nothing") => Scoring::AllOrNothing,
        Some("partial") if kind != QuestionKind::Single && kind != QuestionKind::TrueFalse => {
            Scoring::Partial
        }
        Some(other) => {
            check.at(
                line,
                format!(
                    "question '{}': scoring '{other}' is not allowed for this kind",
                    q.id
                ),
            );
            Scoring::AllOrNothing
        }
    };
    let id = q.id.clone();
    let mut local_ids = HashSet::new();
    let mut dup = |check: &mut FileCheck<'_>, sub: &str, what: &str| {
        if check.check_id(sub, what) && !local_ids.insert(sub.to_string()) {
            check.at(
                line,
                format!("question '{id}': {what} id '{sub}' is used twice"),
            );
        }
    };
    match kind {
        QuestionKind::Single | QuestionKind::Multiple | QuestionKind::TrueFalse => {
            if !q.items.is_empty() || !q.pairs.is_empty() {
                check.at(
                    line,
                    format!(
                        "question '{}': a {} question takes [[question.option]] only",
                        q.id, q.kind
                    ),
                );
            }
            for o in &q.options {
                dup(check, &o.id, "option");
                if o.text.trim().is_empty() || o.feedback.trim().is_empty() {
                    check.at(
                        check.line_of_id(&o.id),
                        format!(
                            "question '{}': option '{}' needs text and feedback",
                            q.id, o.id
                        ),
                    );
                }
            }
            let n = q.options.len();
            let correct = q.options.iter().filter(|o| o.correct).count();
            if !(2..=8).contains(&n) {
                check.at(
                    line,
                    format!("question '{}' has {n} options; it needs 2 to 8", q.id),
                );
            }
            match kind {
                QuestionKind::Single if correct != 1 => {
                    check.at(line, format!("question '{}' is single-answer, so exactly one option must be correct (found {correct})", q.id));
                }
                QuestionKind::Multiple if correct == 0 => {
                    check.at(line, format!("question '{}' has no correct option", q.id));
                }
                QuestionKind::TrueFalse => {
                    let mut found: Vec<&str> = q.options.iter().map(|o| o.id.as_str()).collect();
                    found.sort_unstable();
                    if found != ["false", "true"] || correct != 1 {
                        check.at(line, format!("question '{}' is true/false: it needs exactly two options, ids \"true\" and \"false\", one of them correct", q.id));
                    }
                }
                _ => {}
            }
        }
        QuestionKind::Ordering => {
            if !q.options.is_empty() || !q.pairs.is_empty() {
                check.at(
                    line,
                    format!(
                        "question '{}': an ordering question takes [[question.item]] only",
                        q.id
                    ),
                );
            }
            for it in &q.items {
                dup(check, &it.id, "item");
                if it.text.trim().is_empty() || it.feedback.trim().is_empty() {
                    check.at(
                        check.line_of_id(&it.id),
                        format!(
                            "question '{}': item '{}' needs text and feedback",
                            q.id, it.id
                        ),
                    );
                }
            }
            if !(2..=8).contains(&q.items.len()) {
                check.at(
                    line,
                    format!(
                        "question '{}' has {} items; it needs 2 to 8",
                        q.id,
                        q.items.len()
                    ),
                );
            }
        }
        QuestionKind::Matching => {
            if !q.options.is_empty() || !q.items.is_empty() {
                check.at(
                    line,
                    format!(
                        "question '{}': a matching question takes [[question.pair]] only",
                        q.id
                    ),
                );
            }
            let mut rights = HashSet::new();
            for p in &q.pairs {
                dup(check, &p.id, "pair");
                if p.left.trim().is_empty()
                    || p.right.trim().is_empty()
                    || p.feedback.trim().is_empty()
                {
                    check.at(
                        check.line_of_id(&p.id),
                        format!(
                            "question '{}': pair '{}' needs left, right and feedback",
                            q.id, p.id
                        ),
                    );
                }
                if !rights.insert(p.right.trim().to_lowercase()) {
                    check.at(
                        check.line_of_id(&p.id),
                        format!(
                            "question '{}': two pairs have the same right-hand text",
                            q.id
                        ),
                    );
                }
            }
            if !(2..=8).contains(&q.pairs.len()) {
                check.at(
                    line,
                    format!(
                        "question '{}' has {} pairs; it needs 2 to 8",
                        q.id,
                        q.pairs.len()
                    ),
                );
            }
        }
    }
    Some(Question {
        id: q.id,
        kind,
        outcomes: q.outcomes,
        prompt: q.prompt,
        explanation: q.explanation.filter(|e| !e.trim().is_empty()),
        style: q.style,
        scoring,
        scoring_overridden,
        options: q
            .options
            .into_iter()
            .map(|o| Choice {
                id: o.id,
                text: o.text,
                correct: o.correct,
                feedback: o.feedback,
            })
            .collect(),
        items: q
            .items
            .into_iter()
            .map(|i| OrderItem {
                id: i.id,
                text: i.text,
                feedback: i.feedback,
            })
            .collect(),
        pairs: q
            .pairs
            .into_iter()
            .map(|p| Pair {
                id: p.id,
                left: p.left,
                right: p.right,
                feedback: p.feedback,
            })
            .collect(),
    })
}

const DEFAULT_MAX_CHARS: usize = 4000;
const LARGEST_MAX_CHARS: usize = 20_000;

fn load_worksheet(loader: &mut Loader, folder: &Path) -> Option<Worksheet> {
    let (file, text) = loader.read(&folder.join("worksheet.toml"))?;
    let raw: RawWorksheet = parse_toml(&file, &text, &mut loader.problems)?;
    let mut check = FileCheck {
        name: file.clone(),
        text: &text,
        problems: &mut loader.problems,
    };
    check.require_text(&raw.title, "title", check.line_of("title", 1));
    let mut ids = HashSet::new();
    let mut prompts = Vec::new();
    for p in raw.prompts {
        let line = check.line_of_id(&p.id);
        if check.check_id(&p.id, "prompt") && !ids.insert(p.id.clone()) {
            check.at(line, format!("prompt id '{}' is used twice", p.id));
        }
        check.require_text(&p.label, "label", line);
        let max_chars = p.max_chars.unwrap_or(DEFAULT_MAX_CHARS);
        if max_chars == 0 || max_chars > LARGEST_MAX_CHARS {
            check.at(
                line,
                format!(
                    "prompt '{}': `max_chars` must be between 1 and {LARGEST_MAX_CHARS}",
                    p.id
                ),
            );
        }
        let kind = prompt_kind(&mut check, line, &p);
        prompts.push(WorksheetPrompt {
            id: p.id,
            label: p.label,
            help: p.help,
            example: p.example,
            max_chars,
            kind,
        });
    }
    Some(Worksheet {
        title: raw.title,
        introduction_html: render_plain(&raw.introduction),
        prompts,
    })
}

const DEFAULT_CELL_CHARS: usize = 300;
const DEFAULT_FIELD_CHARS: usize = 1000;
const DEFAULT_MAX_ROWS: usize = 10;
const LARGEST_MAX_ROWS: usize = 30;
const LARGEST_COLUMNS: usize = 8;

/// Reads the structure of a `table` or `fields` prompt, reporting every problem at its line.
fn prompt_kind(check: &mut FileCheck<'_>, line: usize, p: &RawPrompt) -> PromptKind {
    let id = &p.id;
    let kind = p.kind.as_deref().unwrap_or("text");
    let misplaced = |check: &mut FileCheck<'_>, what: &str| {
        check.at(
            line,
            format!(
                "prompt '{id}': `{what}` is only for kind = \"{}\"",
                if what == "field" { "fields" } else { "table" }
            ),
        );
    };
    if kind != "table" {
        if !p.columns.is_empty() {
            misplaced(check, "column");
        }
        if !p.example_rows.is_empty() {
            misplaced(check, "example_rows");
        }
        if p.max_rows.is_some() {
            misplaced(check, "max_rows");
        }
        if p.notes_label.is_some() {
            misplaced(check, "notes_label");
        }
    }
    if kind != "fields" && !p.fields.is_empty() {
        misplaced(check, "field");
    }
    match kind {
        "text" => PromptKind::Text,
        "table" => {
            if p.columns.is_empty() || p.columns.len() > LARGEST_COLUMNS {
                check.at(
                    line,
                    format!(
                        "prompt '{id}': a table needs 1 to {LARGEST_COLUMNS} `[[prompt.column]]`"
                    ),
                );
            }
            let mut ids = HashSet::new();
            let mut columns = Vec::new();
            for c in &p.columns {
                let cline = check.line_of(&format!("\"{}\"", c.id), line);
                if check.check_id(&c.id, "column") && !ids.insert(c.id.clone()) {
                    check.at(
                        cline,
                        format!("prompt '{id}': column id '{}' is used twice", c.id),
                    );
                }
                check.require_text(&c.label, "label", cline);
                let max_chars = c.max_chars.unwrap_or(DEFAULT_CELL_CHARS);
                if max_chars == 0 || max_chars > DEFAULT_FIELD_CHARS * 4 {
                    check.at(
                        cline,
                        format!(
                            "column '{}': `max_chars` must be between 1 and {}",
                            c.id,
                            DEFAULT_FIELD_CHARS * 4
                        ),
                    );
                }
                let mut seen = HashSet::new();
                for choice in &c.choices {
                    if choice.trim().is_empty() || !seen.insert(choice.to_lowercase()) {
                        check.at(
                            cline,
                            format!(
                                "column '{}': each choice must be written once and not be empty",
                                c.id
                            ),
                        );
                    }
                }
                columns.push(ColumnSpec {
                    id: c.id.clone(),
                    label: c.label.clone(),
                    max_chars,
                    choices: c.choices.clone(),
                });
            }
            let max_rows = p.max_rows.unwrap_or(DEFAULT_MAX_ROWS);
            if max_rows == 0 || max_rows > LARGEST_MAX_ROWS {
                check.at(
                    line,
                    format!("prompt '{id}': `max_rows` must be between 1 and {LARGEST_MAX_ROWS}"),
                );
            }
            if p.example_rows.len() > max_rows {
                check.at(
                    line,
                    format!("prompt '{id}': `example_rows` has more rows than `max_rows`"),
                );
            }
            for (n, row) in p.example_rows.iter().enumerate() {
                if row.len() != columns.len() {
                    check.at(line, format!("prompt '{id}': example row {} has {} values but the table has {} columns", n + 1, row.len(), columns.len()));
                    continue;
                }
                for (value, c) in row.iter().zip(&columns) {
                    if !c.choices.is_empty() && !value.is_empty() && !c.choices.contains(value) {
                        check.at(line, format!("prompt '{id}': example row {} has '{value}' in column '{}', which is not one of its choices", n + 1, c.id));
                    }
                    if value.chars().count() > c.max_chars {
                        check.at(
                            line,
                            format!(
                                "prompt '{id}': example row {} is longer than column '{}' allows",
                                n + 1,
                                c.id
                            ),
                        );
                    }
                }
            }
            let notes = p.notes_label.as_ref().map(|label| {
                check.require_text(label, "notes_label", line);
                let max_chars = p.notes_max_chars.unwrap_or(DEFAULT_MAX_CHARS);
                if max_chars == 0 || max_chars > LARGEST_MAX_CHARS {
                    check.at(line, format!("prompt '{id}': `notes_max_chars` must be between 1 and {LARGEST_MAX_CHARS}"));
                }
                NotesSpec {
                    label: label.clone(),
                    example: p.notes_example.trim().to_string(),
                    max_chars,
                }
            });
            PromptKind::Table(TableSpec {
                columns,
                max_rows,
                example_rows: p.example_rows.clone(),
                notes,
            })
        }
        "fields" => {
            if p.fields.is_empty() {
                check.at(
                    line,
                    format!(
                        "prompt '{id}': kind = \"fields\" needs at least one `[[prompt.field]]`"
                    ),
                );
            }
            let mut ids = HashSet::new();
            let mut fields = Vec::new();
            for f in &p.fields {
                let fline = check.line_of(&format!("\"{}\"", f.id), line);
                if check.check_id(&f.id, "field") && !ids.insert(f.id.clone()) {
                    check.at(
                        fline,
                        format!("prompt '{id}': field id '{}' is used twice", f.id),
                    );
                }
                check.require_text(&f.label, "label", fline);
                let max_chars = f.max_chars.unwrap_or(DEFAULT_FIELD_CHARS);
                if max_chars == 0 || max_chars > LARGEST_MAX_CHARS {
                    check.at(
                        fline,
                        format!(
                            "field '{}': `max_chars` must be between 1 and {LARGEST_MAX_CHARS}",
                            f.id
                        ),
                    );
                }
                fields.push(FieldSpec {
                    id: f.id.clone(),
                    label: f.label.clone(),
                    help: f.help.clone(),
                    example: f.example.trim().to_string(),
                    max_chars,
                });
            }
            PromptKind::Fields(fields)
        }
        other => {
            let line = check.line_of("kind =", line);
            check.at(line, format!("prompt '{id}': `kind` must be \"text\", \"table\" or \"fields\", not \"{other}\""));
            PromptKind::Text
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_matter_is_split_from_the_body_with_the_body_line() {
        let (front, body, line) =
            split_front_matter("+++\nslug = \"a\"\n+++\nHello\n").expect("front matter");
        assert_eq!(front, "slug = \"a\"\n");
        assert_eq!(body, "Hello\n");
        assert_eq!(line, 4);
    }

    #[test]
    fn a_file_without_front_matter_is_refused() {
        assert!(split_front_matter("Hello").is_none());
        assert!(split_front_matter("+++\nslug = 1\n").is_none());
    }
}
