use chrono::NaiveDate;

use super::glossary::Glossary;
use super::loader::Problem;
use serde::Serialize;

/// The whole course, validated and with every lesson already rendered to sanitised HTML.
#[derive(Debug, Clone)]
pub struct Course {
    pub slug: String,
    pub title: String,
    pub version: String,
    pub summary: String,
    pub audience: String,
    pub prerequisites: Vec<String>,
    pub outcomes: Vec<String>,
    pub how_it_works_html: String,
    pub you_end_with_html: String,
    pub valid_for_months: Option<u32>,
    pub unlock_in_order: bool,
    /// The certificate waits until the learner (or their team) has submitted their plan.
    pub require_plan_submission: bool,
    pub modules: Vec<Module>,
    pub confidence: Vec<ConfidenceStatement>,
    /// A hash of every course file: when it changes, stored progress percentages are recomputed.
    pub fingerprint: String,
    pub glossary: Glossary,
    /// How the worksheet prompts add up to the plan document (`plan.toml`).
    pub plan: PlanOutline,
    /// Problems found at load time that do not stop the course (`check-course` prints them).
    pub warnings: Vec<Problem>,
}

/// A lesson that is due for review, or overdue.
#[derive(Debug, Clone, Copy)]
pub struct DueLesson<'a> {
    pub module: &'a Module,
    pub lesson: &'a Lesson,
    /// Days until `review_by`; negative when it has passed.
    pub days_left: i64,
}

impl Course {
    pub fn module(&self, slug: &str) -> Option<&Module> {
        self.modules.iter().find(|m| m.slug == slug)
    }

    /// Lessons and quizzes: the steps that make up the course percentage.
    pub fn total_steps(&self) -> usize {
        self.modules.iter().map(Module::total_steps).sum()
    }

    pub fn total_minutes(&self) -> u32 {
        self.modules.iter().map(|m| m.estimated_minutes).sum()
    }

    /// Lessons whose review date has passed or falls within `within_days` of `today`, soonest first.
    pub fn lessons_due_for_review(&self, today: NaiveDate, within_days: i64) -> Vec<DueLesson<'_>> {
        let mut due: Vec<DueLesson<'_>> = self
            .modules
            .iter()
            .flat_map(|m| m.lessons.iter().map(move |l| (m, l)))
            .map(|(module, lesson)| DueLesson {
                module,
                lesson,
                days_left: (lesson.review_by - today).num_days(),
            })
            .filter(|d| d.days_left <= within_days)
            .collect();
        due.sort_by_key(|d| d.days_left);
        due
    }

    /// The load-time warnings, plus a warning for every lesson whose review date is before `today`.
    pub fn warnings_on(&self, today: NaiveDate) -> Vec<Problem> {
        let mut warnings = self.warnings.clone();
        for d in self.lessons_due_for_review(today, -1) {
            warnings.push(Problem {
                file: d.lesson.file.clone(),
                line: d.lesson.review_line,
                message: format!(
                    "warning: the lesson was due for review by {} (reviewed {}): check its facts, then update `reviewed`",
                    d.lesson.review_by, d.lesson.reviewed
                ),
            });
        }
        warnings
    }
}

#[derive(Debug, Clone)]
pub struct ConfidenceStatement {
    pub id: String,
    pub statement: String,
    pub case_study_measure: Option<String>,
    pub case_study_percent: Option<u8>,
}

#[derive(Debug, Clone)]
pub struct Module {
    pub slug: String,
    /// 1-based position in the course.
    pub number: usize,
    pub title: String,
    pub aim: String,
    pub introduction_html: String,
    pub estimated_minutes: u32,
    pub topics: Vec<Topic>,
    pub outcomes: Vec<Outcome>,
    pub lessons: Vec<Lesson>,
    pub quiz: Quiz,
    pub worksheet: Worksheet,
}

impl Module {
    pub fn lesson(&self, slug: &str) -> Option<&Lesson> {
        self.lessons.iter().find(|l| l.slug == slug)
    }

    pub fn lesson_index(&self, slug: &str) -> Option<usize> {
        self.lessons.iter().position(|l| l.slug == slug)
    }

    /// Each lesson is a step, and so is passing the quiz.
    pub fn total_steps(&self) -> usize {
        self.lessons.len() + 1
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Topic {
    pub id: String,
    pub title: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub id: String,
    pub text: String,
}

#[derive(Debug, Clone)]
pub struct Lesson {
    pub slug: String,
    /// 1-based position in its module.
    pub number: usize,
    pub title: String,
    pub minutes: u32,
    pub topics: Vec<String>,
    pub html: String,
    pub word_count: usize,
    pub file: String,
    /// When the lesson's facts were last checked (front matter `reviewed`).
    pub reviewed: NaiveDate,
    /// When it is due for review again (`review_by`, or six months after `reviewed`).
    pub review_by: NaiveDate,
    /// The front-matter line that sets the review date, for warnings.
    pub review_line: usize,
    /// The web addresses its further-reading items link to.
    pub further_reading: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuizSettings {
    pub pass_mark: u8,
    /// 0 means unlimited.
    pub attempts_allowed: u32,
    pub questions_per_attempt: usize,
    pub shuffle_options: bool,
    /// What the review of an attempt shows of the right answers.
    pub show_answers: ShowAnswers,
    pub minutes_between_attempts: u32,
    /// The module's declared policy for multiple-response, ordering and matching questions
    /// (a question may still set its own `scoring`).
    pub scoring: Scoring,
}

/// What the review of an attempt shows of the right answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShowAnswers {
    /// The key and the feedback for every choice, after any attempt.
    Always,
    /// After a pass: the key and all feedback. After a fail: which answers were wrong and the
    /// feedback for what the learner chose, but not the right answers.
    AfterPass,
    /// Right or wrong per question and the feedback for what the learner chose; never the key.
    Never,
}

impl ShowAnswers {
    /// Whether this attempt's review may show the right answers.
    pub fn reveals_key(self, passed: bool) -> bool {
        match self {
            Self::Always => true,
            Self::AfterPass => passed,
            Self::Never => false,
        }
    }
}

/// What a question asks of the learner: recall of a fact, or applying it to a situation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuestionStyle {
    #[default]
    Recall,
    Scenario,
}

impl Default for QuizSettings {
    fn default() -> Self {
        Self {
            pass_mark: 80,
            attempts_allowed: 0,
            questions_per_attempt: 10,
            shuffle_options: true,
            show_answers: ShowAnswers::AfterPass,
            minutes_between_attempts: 0,
            scoring: Scoring::Partial,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Quiz {
    pub settings: QuizSettings,
    pub questions: Vec<Question>,
}

impl Quiz {
    pub fn question(&self, id: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.id == id)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    Single,
    Multiple,
    TrueFalse,
    Ordering,
    Matching,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scoring {
    AllOrNothing,
    Partial,
}

#[derive(Debug, Clone)]
pub struct Question {
    pub id: String,
    pub kind: QuestionKind,
    pub outcomes: Vec<String>,
    pub prompt: String,
    pub explanation: Option<String>,
    pub style: QuestionStyle,
    /// The scoring used (the question's own, or the module's policy).
    pub scoring: Scoring,
    /// Whether the question set its own `scoring` instead of following the module's policy.
    pub scoring_overridden: bool,
    /// Single, multiple and true/false questions.
    pub options: Vec<Choice>,
    /// Ordering questions, in the correct order.
    pub items: Vec<OrderItem>,
    /// Matching questions.
    pub pairs: Vec<Pair>,
}

#[derive(Debug, Clone)]
pub struct Choice {
    pub id: String,
    pub text: String,
    pub correct: bool,
    pub feedback: String,
}

#[derive(Debug, Clone)]
pub struct OrderItem {
    pub id: String,
    pub text: String,
    pub feedback: String,
}

#[derive(Debug, Clone)]
pub struct Pair {
    pub id: String,
    pub left: String,
    pub right: String,
    pub feedback: String,
}

#[derive(Debug, Clone)]
pub struct Worksheet {
    pub title: String,
    pub introduction_html: String,
    pub prompts: Vec<WorksheetPrompt>,
}

#[derive(Debug, Clone, Serialize)]
pub struct WorksheetPrompt {
    pub id: String,
    pub label: String,
    pub help: String,
    pub example: String,
    pub max_chars: usize,
    pub kind: PromptKind,
}

/// What shape a prompt's answer has.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub enum PromptKind {
    /// Free text (one textarea).
    Text,
    /// Rows of cells under fixed columns (risks, benefits, approvals…).
    Table(TableSpec),
    /// A few named boxes (a lean canvas, an executive summary…).
    Fields(Vec<FieldSpec>),
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct TableSpec {
    pub columns: Vec<ColumnSpec>,
    pub max_rows: usize,
    /// The worked example, one value per column in each row.
    pub example_rows: Vec<Vec<String>>,
    /// When set, a free-text box under the table with this label (and its limit).
    pub notes: Option<NotesSpec>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct NotesSpec {
    pub label: String,
    pub example: String,
    pub max_chars: usize,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ColumnSpec {
    pub id: String,
    pub label: String,
    pub max_chars: usize,
    /// When not empty, the only values allowed (a drop-down).
    pub choices: Vec<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FieldSpec {
    pub id: String,
    pub label: String,
    pub help: String,
    pub example: String,
    pub max_chars: usize,
}

/// The plan document's sections, in order, each holding some worksheet prompts.
#[derive(Debug, Clone, Default)]
pub struct PlanOutline {
    pub sections: Vec<PlanSectionSpec>,
}

#[derive(Debug, Clone)]
pub struct PlanSectionSpec {
    pub id: String,
    pub title: String,
    pub case: BusinessCase,
    /// (module slug, prompt id), in the order the section shows them.
    pub prompts: Vec<(String, String)>,
    pub picture: Option<Picture>,
}

/// The five cases of a (lightweight) Five Case Model business case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum BusinessCase {
    Strategic,
    Economic,
    Commercial,
    Financial,
    Management,
}

impl BusinessCase {
    pub const ALL: [Self; 5] = [
        Self::Strategic,
        Self::Economic,
        Self::Commercial,
        Self::Financial,
        Self::Management,
    ];

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.id() == s)
    }

    pub fn id(self) -> &'static str {
        match self {
            Self::Strategic => "strategic",
            Self::Economic => "economic",
            Self::Commercial => "commercial",
            Self::Financial => "financial",
            Self::Management => "management",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Self::Strategic => "Strategic case",
            Self::Economic => "Economic case",
            Self::Commercial => "Commercial case",
            Self::Financial => "Financial case",
            Self::Management => "Management case",
        }
    }

    /// The question each case answers for the steering group.
    pub fn question(self) -> &'static str {
        match self {
            Self::Strategic => "Is there a clear case for change, and does it fit our priorities?",
            Self::Economic => "Which option gives the best value, and what are the benefits?",
            Self::Commercial => "How will we get the solution, and on what terms?",
            Self::Financial => "What will it cost, and who pays?",
            Self::Management => "Can we deliver it safely, and how will we know it worked?",
        }
    }
}

/// A drawing of a section's answers (the same information is always in text too).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Picture {
    /// The nine-box lean canvas, from the section's fields.
    LeanCanvas,
    /// Mendelow's power/interest grid, from a table with `power` and `interest` columns.
    PowerInterest,
    /// A row of steps with pain points, from a table with `step` and `pain-point` columns.
    Journey,
    /// A tracker with a coloured status for each approval, from a table with a `status` column.
    Approvals,
}

impl Picture {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "lean-canvas" => Some(Self::LeanCanvas),
            "power-interest" => Some(Self::PowerInterest),
            "journey" => Some(Self::Journey),
            "approvals" => Some(Self::Approvals),
            _ => None,
        }
    }
}

/// The nine boxes of the lean canvas, by field id, in reading order (left to right, top to bottom).
pub const LEAN_CANVAS_BOXES: [&str; 9] = [
    "problem",
    "solution",
    "unique-value-proposition",
    "unfair-advantage",
    "customer-segments",
    "key-metrics",
    "channels",
    "cost-structure",
    "revenue-streams",
];
