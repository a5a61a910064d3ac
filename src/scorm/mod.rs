//! The course as a SCORM 1.2 package, for a Trust's learning management system (ESR's Oracle Learning
//! Management, the NHS Learning Hub, any SCORM 1.2 player).
//!
//! One SCO per module: each module has its own quiz and pass mark, so an LMS records (and a Trust can map to a
//! competence) each module on its own, a learner resumes each where they left it, and every SCO's suspend data
//! stays far below SCORM 1.2's 4,096 characters. `--module` packs one of them alone.
//!
//! Each SCO is one page (`<module>/index.html`): the module's lessons (the same sanitised HTML the server
//! renders) and its quiz, with the NHS.UK styles and one script (`shared/scorm/sco.js`) from the package
//! itself, so nothing is fetched from the network at play time and no inline script is needed.
use std::io::{Cursor, Write};

use handlebars::Handlebars;
use serde::Serialize;

use crate::course::{Course, Module, QuestionKind, Scoring, ShowAnswers};

mod manifest;

/// The SCORM 1.2 schemas, shipped at the package root next to `imsmanifest.xml`.
pub const SCHEMAS: &[(&str, &[u8])] = &[
    (
        "imscp_rootv1p1p2.xsd",
        include_bytes!("../../assets/scorm-1.2/imscp_rootv1p1p2.xsd"),
    ),
    (
        "adlcp_rootv1p2.xsd",
        include_bytes!("../../assets/scorm-1.2/adlcp_rootv1p2.xsd"),
    ),
    (
        "imsmd_rootv1p2p1.xsd",
        include_bytes!("../../assets/scorm-1.2/imsmd_rootv1p2p1.xsd"),
    ),
    (
        "ims_xml.xsd",
        include_bytes!("../../assets/scorm-1.2/ims_xml.xsd"),
    ),
];

/// The SCO pages' own script and styles.
const SCO_FILES: &[(&str, &[u8])] = &[
    (
        "shared/scorm/sco.js",
        include_bytes!("../../assets/scorm/sco.js"),
    ),
    (
        "shared/scorm/sco.css",
        include_bytes!("../../assets/scorm/sco.css"),
    ),
];

#[derive(Debug, thiserror::Error)]
pub enum ScormError {
    #[error("there is no module '{0}' in the course; the modules are: {1}")]
    UnknownModule(String, String),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// What to pack.
pub struct Export<'a> {
    pub course: &'a Course,
    pub templates: &'a Handlebars<'a>,
    /// The hosted course, linked from the package as the assured route (the quiz there is marked on the server).
    pub base_url: &'a str,
    /// One module's slug, or the whole course.
    pub module: Option<&'a str>,
}

impl Export<'_> {
    fn modules(&self) -> Result<Vec<&Module>, ScormError> {
        match self.module {
            None => Ok(self.course.modules.iter().collect()),
            Some(slug) => self.course.module(slug).map(|m| vec![m]).ok_or_else(|| {
                ScormError::UnknownModule(
                    slug.to_string(),
                    self.course
                        .modules
                        .iter()
                        .map(|m| m.slug.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                )
            }),
        }
    }

    /// A file name for the download, e.g. `ai-deep-dive-2026.1-scorm12.zip`.
    pub fn file_name(&self) -> String {
        let version: String = self
            .course
            .version
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'))
            .collect();
        match self.module {
            Some(m) => format!("{}-{version}-{m}-scorm12.zip", self.course.slug),
            None => format!("{}-{version}-scorm12.zip", self.course.slug),
        }
    }
}

/// Builds the package as the bytes of a zip file.
///
/// # Errors
/// `UnknownModule` for a `module` the course does not have; `Unexpected` when a page does not render.
pub fn package(export: &Export<'_>) -> Result<Vec<u8>, ScormError> {
    let modules = export.modules()?;
    let shared = shared_files();
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    files.push((
        "imsmanifest.xml".into(),
        manifest::render(export, &modules, &shared).into_bytes(),
    ));
    for (name, bytes) in SCHEMAS {
        files.push(((*name).to_string(), bytes.to_vec()));
    }
    for (name, bytes) in &shared {
        files.push((name.clone(), bytes.to_vec()));
    }
    for m in &modules {
        files.push((sco_href(m), render_sco(export, m)?.into_bytes()));
    }
    zip(&files).map_err(ScormError::Unexpected)
}

/// The launch page of a module's SCO, relative to the package root.
fn sco_href(m: &Module) -> String {
    format!("{}/index.html", m.slug)
}

/// The styles (NHS.UK frontend and ours) and the SCO script, under `shared/`.
fn shared_files() -> Vec<(String, &'static [u8])> {
    let mut out: Vec<(String, &'static [u8])> = crate::web::assets::static_files()
        .iter()
        .filter(|(p, _)| p.ends_with(".css") || p.ends_with(".svg") || p.ends_with(".txt"))
        .map(|(p, b)| (format!("shared/{p}"), *b))
        .collect();
    out.extend(SCO_FILES.iter().map(|(p, b)| ((*p).to_string(), *b)));
    out
}

fn zip(files: &[(String, Vec<u8>)]) -> anyhow::Result<Vec<u8>> {
    use zip::write::SimpleFileOptions;
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in files {
        w.start_file(name.as_str(), options)
            .map_err(|e| anyhow::anyhow!("zip {name}: {e}"))?;
        w.write_all(bytes)
            .map_err(|e| anyhow::anyhow!("zip {name}: {e}"))?;
    }
    let cursor = w.finish().map_err(|e| anyhow::anyhow!("zip: {e}"))?;
    Ok(cursor.into_inner())
}

#[derive(Serialize)]
struct LessonView<'a> {
    slug: &'a str,
    number: usize,
    title: &'a str,
    minutes: u32,
    html: &'a str,
}

#[derive(Serialize)]
struct ScoPage<'a> {
    course_title: &'a str,
    course_version: &'a str,
    module_slug: &'a str,
    module_number: usize,
    module_title: &'a str,
    module_aim: &'a str,
    introduction_html: &'a str,
    estimated_minutes: u32,
    outcomes: Vec<&'a str>,
    lessons: Vec<LessonView<'a>>,
    lesson_count: usize,
    quiz_count: usize,
    pass_mark: u8,
    hosted_module_url: String,
    hosted_quiz_url: String,
    /// The quiz for the page's script, as JSON that is safe inside `<script type="application/json">`.
    quiz_json: String,
}

/// The quiz as the SCO's script reads it (the same rules as the server's quiz engine).
#[derive(Serialize)]
struct QuizData<'a> {
    module: &'a str,
    pass_mark: u8,
    attempts_allowed: u32,
    questions_per_attempt: usize,
    shuffle_options: bool,
    show_answers: ShowAnswers,
    lessons: Vec<&'a str>,
    questions: Vec<QuestionData<'a>>,
}

#[derive(Serialize)]
struct QuestionData<'a> {
    id: &'a str,
    kind: QuestionKind,
    outcomes: &'a [String],
    scoring: Scoring,
    prompt: &'a str,
    explanation: Option<&'a str>,
    options: Vec<OptionData<'a>>,
    items: Vec<ItemData<'a>>,
    pairs: Vec<PairData<'a>>,
}

#[derive(Serialize)]
struct OptionData<'a> {
    id: &'a str,
    text: &'a str,
    correct: bool,
    feedback: &'a str,
}

#[derive(Serialize)]
struct ItemData<'a> {
    id: &'a str,
    text: &'a str,
    feedback: &'a str,
}

#[derive(Serialize)]
struct PairData<'a> {
    id: &'a str,
    left: &'a str,
    right: &'a str,
    feedback: &'a str,
}

fn quiz_json(m: &Module) -> anyhow::Result<String> {
    let q = &m.quiz;
    let data = QuizData {
        module: &m.slug,
        pass_mark: q.settings.pass_mark,
        attempts_allowed: q.settings.attempts_allowed,
        questions_per_attempt: q.settings.questions_per_attempt.min(q.questions.len()),
        shuffle_options: q.settings.shuffle_options,
        show_answers: q.settings.show_answers,
        lessons: m.lessons.iter().map(|l| l.slug.as_str()).collect(),
        questions: q
            .questions
            .iter()
            .map(|q| QuestionData {
                id: &q.id,
                kind: q.kind,
                outcomes: &q.outcomes,
                scoring: q.scoring,
                prompt: &q.prompt,
                explanation: q.explanation.as_deref(),
                options: q
                    .options
                    .iter()
                    .map(|o| OptionData {
                        id: &o.id,
                        text: &o.text,
                        correct: o.correct,
                        feedback: &o.feedback,
                    })
                    .collect(),
                items: q
                    .items
                    .iter()
                    .map(|i| ItemData {
                        id: &i.id,
                        text: &i.text,
                        feedback: &i.feedback,
                    })
                    .collect(),
                pairs: q
                    .pairs
                    .iter()
                    .map(|p| PairData {
                        id: &p.id,
                        left: &p.left,
                        right: &p.right,
                        feedback: &p.feedback,
                    })
                    .collect(),
            })
            .collect(),
    };
    Ok(script_safe(&serde_json::to_string(&data)?))
}

/// Inside a script element only `</script` (and `<!--`) could end or confuse it: every `<`, `>` and `&`
/// becomes its JSON escape, so no text an author writes can.
fn script_safe(json: &str) -> String {
    json.replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

fn render_sco(export: &Export<'_>, m: &Module) -> Result<String, ScormError> {
    let base = export.base_url.trim_end_matches('/');
    let page = ScoPage {
        course_title: &export.course.title,
        course_version: &export.course.version,
        module_slug: &m.slug,
        module_number: m.number,
        module_title: &m.title,
        module_aim: &m.aim,
        introduction_html: &m.introduction_html,
        estimated_minutes: m.estimated_minutes,
        outcomes: m.outcomes.iter().map(|o| o.text.as_str()).collect(),
        lessons: m
            .lessons
            .iter()
            .map(|l| LessonView {
                slug: &l.slug,
                number: l.number,
                title: &l.title,
                minutes: l.minutes,
                html: &l.html,
            })
            .collect(),
        lesson_count: m.lessons.len(),
        quiz_count: m
            .quiz
            .settings
            .questions_per_attempt
            .min(m.quiz.questions.len()),
        pass_mark: m.quiz.settings.pass_mark,
        hosted_module_url: format!("{base}/modules/{}", m.slug),
        hosted_quiz_url: format!("{base}/modules/{}/quiz", m.slug),
        quiz_json: quiz_json(m)?,
    };
    #[derive(Serialize)]
    struct Context<'a> {
        page: &'a ScoPage<'a>,
    }
    export
        .templates
        .render("scorm/module", &Context { page: &page })
        .map_err(|e| ScormError::Unexpected(anyhow::anyhow!("SCORM page for {}: {e}", m.slug)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quiz_json_cannot_close_its_script_element_and_still_reads_back_the_same() {
        let text = "</script><!-- & -->";
        let json = script_safe(&serde_json::to_string(text).unwrap_or_default());
        assert!(!json.contains('<') && !json.contains('>'), "{json}");
        let back: String = serde_json::from_str(&json).unwrap_or_default();
        assert_eq!(back, text);
    }
}
