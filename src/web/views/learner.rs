//! The learner's dashboard, module and lesson pages: pacing dates, what was joined, lessons still
//! open. Pure: the handlers fetch with one call to `services::journey` and build these.
use serde::Serialize;

use crate::course::{Course, Lesson, Module};
use crate::local_time;
use crate::services::journey::{DashboardParts, LessonVisit, ModuleParts};
use crate::services::pacing::{LearnerCohort, ModuleDates};
use crate::services::progress::{self, NextStep};
use crate::web::views::confidence::{ConfidenceSummary, summary};
use crate::web::views::plan::{PlanSummary, answered_in};

/// One module's weekly dates as the learner reads them.
#[derive(Serialize, Debug, Default, PartialEq, Eq)]
pub struct PacingView {
    /// "Opens Tuesday 8 December 2026", only while it is not open yet.
    pub opens: Option<String>,
    /// "Due 15 December 2026" (or "Was due …" once past).
    pub due: Option<String>,
    pub not_open_yet: bool,
    /// Not open yet, and the cohort locks modules until their release date.
    pub locked: bool,
    pub overdue: bool,
}

pub fn pacing_view(dates: Option<&ModuleDates>, completed: bool) -> PacingView {
    let Some(d) = dates else {
        return PacingView::default();
    };
    let overdue = d.past_due && !completed;
    PacingView {
        opens: (!d.open).then(|| format!("Opens {}", local_time::day_and_date(d.opens_on))),
        due: Some(if overdue {
            format!("Was due {}", local_time::date(d.due_on))
        } else {
            format!("Due {}", local_time::date(d.due_on))
        }),
        not_open_yet: !d.open,
        locked: d.locked,
        overdue,
    }
}

/// "Trust A, in the cohort Wave 1".
pub fn org_and_cohort(lc: &LearnerCohort) -> String {
    match &lc.cohort {
        Some(c) => format!("{}, in the cohort {}", lc.org.name, c.name),
        None => lc.org.name.clone(),
    }
}

/// What the dashboard says about the learner's organisation and its pacing.
#[derive(Serialize, Debug, PartialEq, Eq)]
pub struct MembershipView {
    pub org_and_cohort: String,
    /// "One module a week from Tuesday 1 December 2026: each is due a week after it opens."
    pub pacing: Option<String>,
}

pub fn membership_view(lc: &LearnerCohort) -> MembershipView {
    let pacing = lc
        .cohort
        .as_ref()
        .filter(|c| c.pacing == "weekly")
        .map(|c| {
            format!(
                "One module a week from {}: each module is due a week after it opens.",
                local_time::day_and_date(crate::services::pacing::start_date(c))
            )
        });
    MembershipView {
        org_and_cohort: org_and_cohort(lc),
        pacing,
    }
}

/// A lesson opened but not marked as complete, with where it is.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct OpenLesson {
    pub url: String,
    pub label: String,
}

/// The lessons opened but not marked as complete, as links.
pub fn open_lesson_links(course: &Course, open: &[(usize, usize)]) -> Vec<OpenLesson> {
    open.iter()
        .filter_map(|&(mi, li)| {
            let m = course.modules.get(mi)?;
            let l = m.lessons.get(li)?;
            Some(OpenLesson {
                url: format!("/modules/{}/lessons/{}", m.slug, l.slug),
                label: format!("Module {}, lesson {}: {}", m.number, l.number, l.title),
            })
        })
        .collect()
}

#[derive(Serialize)]
struct ResumeView {
    url: String,
    label: String,
    minutes: u32,
}

fn resume_view(course: &Course, next: &NextStep) -> Option<ResumeView> {
    match *next {
        NextStep::Lesson { module, lesson } => {
            let m = course.modules.get(module)?;
            let l = m.lessons.get(lesson)?;
            Some(ResumeView {
                url: format!("/modules/{}/lessons/{}", m.slug, l.slug),
                label: format!("Module {}, lesson {}: {}", m.number, l.number, l.title),
                minutes: l.minutes,
            })
        }
        NextStep::Quiz { module } => {
            let m = course.modules.get(module)?;
            Some(ResumeView {
                url: format!("/modules/{}/quiz", m.slug),
                label: format!("Module {}: {} quiz", m.number, m.title),
                minutes: progress::QUIZ_MINUTES,
            })
        }
        NextStep::Finished => None,
    }
}

#[derive(Serialize)]
struct ModuleRow {
    number: usize,
    slug: String,
    title: String,
    aim: String,
    percent: i32,
    lessons_completed: usize,
    lessons_total: usize,
    best_score: Option<i32>,
    attempts: i32,
    passed: bool,
    completed: bool,
    started: bool,
    pacing: PacingView,
}

#[derive(Serialize)]
struct OrgLink {
    slug: String,
    name: String,
}

/// The learner's dashboard.
#[derive(Serialize)]
pub struct DashboardPage {
    name: String,
    percent: i32,
    started: bool,
    finished: bool,
    resume: Option<ResumeView>,
    hours_left: String,
    /// Recorded learning time in words, when there is any.
    learning_time: Option<String>,
    modules: Vec<ModuleRow>,
    modules_completed: usize,
    organisations: Vec<OrgLink>,
    confidence: ConfidenceSummary,
    plan: PlanSummary,
    /// "You joined Trust A, in the cohort Wave 1", right after joining through an invitation.
    joined: Option<String>,
    membership: Option<MembershipView>,
    certificate_ready: bool,
    open_lessons: Vec<OpenLesson>,
}

impl DashboardPage {
    /// `confidence_saved`: the page follows saving the confidence ratings.
    pub fn build(course: &Course, name: &str, p: DashboardParts, confidence_saved: bool) -> Self {
        let o = &p.overview;
        let modules: Vec<ModuleRow> = course
            .modules
            .iter()
            .zip(&o.modules)
            .zip(&p.dates)
            .map(|((m, s), d)| ModuleRow {
                pacing: pacing_view(d.as_ref(), s.completed),
                number: m.number,
                slug: m.slug.clone(),
                title: m.title.clone(),
                aim: m.aim.clone(),
                percent: s.percent,
                lessons_completed: s.lessons_completed,
                lessons_total: m.lessons.len(),
                best_score: s.best_score,
                attempts: s.attempts,
                passed: s.passed,
                completed: s.completed,
                started: s.lessons_completed > 0 || s.attempts > 0,
            })
            .collect();
        Self {
            name: name.to_string(),
            percent: o.percent,
            started: o.started,
            finished: matches!(o.next, NextStep::Finished),
            resume: resume_view(course, &o.next),
            hours_left: crate::services::learning_time::Minutes(o.minutes_left).in_words(),
            learning_time: (p.learning.total.0 > 0).then(|| p.learning.total.in_words()),
            modules_completed: modules.iter().filter(|m| m.completed).count(),
            modules,
            organisations: p
                .administered
                .into_iter()
                .map(|o| OrgLink {
                    slug: o.slug,
                    name: o.name,
                })
                .collect(),
            confidence: summary(
                course,
                &p.confidence,
                &o.modules,
                confidence_saved,
                crate::services::pacing::zone_of(p.cohort.as_ref()),
            ),
            plan: PlanSummary::build(course, &p.answers),
            joined: p
                .joined
                .as_ref()
                .map(|lc| format!("You joined {}", org_and_cohort(lc))),
            membership: p.cohort.as_ref().map(membership_view),
            certificate_ready: o.completed_at.is_some(),
            open_lessons: open_lesson_links(course, &p.open_lessons),
        }
    }
}

#[derive(Serialize)]
struct LessonRow {
    number: usize,
    slug: String,
    title: String,
    minutes: u32,
    status: &'static str,
    completed: bool,
}

#[derive(Serialize)]
struct OutcomeView {
    text: String,
}

/// A module page.
#[derive(Serialize)]
pub struct ModulePage {
    number: usize,
    slug: String,
    title: String,
    aim: String,
    introduction_html: String,
    minutes: u32,
    outcomes: Vec<OutcomeView>,
    lessons: Vec<LessonRow>,
    percent: i32,
    quiz_questions: usize,
    pass_mark: u8,
    best_score: Option<i32>,
    attempts: i32,
    passed: bool,
    completed: bool,
    worksheet_title: String,
    first_lesson_url: Option<String>,
    worksheet_answered: usize,
    worksheet_prompts: usize,
    confidence_after: bool,
    pacing: PacingView,
    /// Lessons of this module opened but not marked as complete (listed before the quiz).
    open_lessons: Vec<OpenLesson>,
}

fn lesson_rows(module: &Module, p: &ModuleParts) -> Vec<LessonRow> {
    module
        .lessons
        .iter()
        .map(|l| {
            let row = p.lessons.get(&l.slug);
            let completed = row.is_some_and(|r| r.completed_at.is_some());
            LessonRow {
                number: l.number,
                slug: l.slug.clone(),
                title: l.title.clone(),
                minutes: l.minutes,
                status: if completed {
                    "Completed"
                } else if row.is_some() {
                    "Started"
                } else {
                    "Not started"
                },
                completed,
            }
        })
        .collect()
}

impl ModulePage {
    pub fn build(course: &Course, module: &Module, p: &ModuleParts) -> Self {
        let status = p.status.as_ref();
        let completed = status.is_some_and(|s| s.completed);
        Self {
            number: module.number,
            slug: module.slug.clone(),
            title: module.title.clone(),
            aim: module.aim.clone(),
            introduction_html: module.introduction_html.clone(),
            minutes: module.estimated_minutes,
            outcomes: module
                .outcomes
                .iter()
                .map(|o| OutcomeView {
                    text: o.text.clone(),
                })
                .collect(),
            lessons: lesson_rows(module, p),
            percent: status.map_or(0, |s| s.percent),
            quiz_questions: module.quiz.settings.questions_per_attempt,
            pass_mark: module.quiz.settings.pass_mark,
            best_score: status.and_then(|s| s.best_score),
            attempts: status.map_or(0, |s| s.attempts),
            passed: status.is_some_and(|s| s.passed),
            completed,
            worksheet_title: module.worksheet.title.clone(),
            first_lesson_url: module
                .lessons
                .first()
                .map(|l| format!("/modules/{}/lessons/{}", module.slug, l.slug)),
            worksheet_answered: answered_in(module, |id| p.worksheet_saved.contains_key(id)),
            worksheet_prompts: module.worksheet.prompts.len(),
            confidence_after: module.number == course.modules.len() && completed,
            pacing: pacing_view(p.dates.as_ref(), completed),
            open_lessons: open_lesson_links(course, &p.open_lessons),
        }
    }

    pub fn title(&self) -> String {
        format!("Module {}: {}", self.number, self.title)
    }
}

#[derive(Serialize)]
struct LinkView {
    url: String,
    title: String,
}

/// A lesson page.
#[derive(Serialize)]
pub struct LessonPage {
    module_number: usize,
    module_slug: String,
    module_title: String,
    number: usize,
    count: usize,
    slug: String,
    title: String,
    minutes: u32,
    html: String,
    completed: bool,
    previous: Option<LinkView>,
    next: Option<LinkView>,
    /// The learning-time view this page's heartbeat reports on (none: no heartbeat).
    view_id: Option<String>,
}

impl LessonPage {
    pub fn build(module: &Module, lesson: &Lesson, visit: &LessonVisit) -> Self {
        let idx = lesson.number - 1;
        let link = |l: &Lesson| LinkView {
            url: format!("/modules/{}/lessons/{}", module.slug, l.slug),
            title: l.title.clone(),
        };
        let previous = idx
            .checked_sub(1)
            .and_then(|i| module.lessons.get(i))
            .map(link);
        let next = match module.lessons.get(idx + 1) {
            Some(l) => link(l),
            None => LinkView {
                url: format!("/modules/{}/quiz", module.slug),
                title: format!("Module {} quiz", module.number),
            },
        };
        Self {
            module_number: module.number,
            module_slug: module.slug.clone(),
            module_title: module.title.clone(),
            number: lesson.number,
            count: module.lessons.len(),
            slug: lesson.slug.clone(),
            title: lesson.title.clone(),
            minutes: lesson.minutes,
            html: lesson.html.clone(),
            completed: visit.completed_at.is_some(),
            previous,
            next: Some(next),
            view_id: (visit.view_id != 0).then(|| visit.view_id.to_string()),
        }
    }

    /// For `web::shell`: everything this page shows besides its view id comes from the course
    /// (which does not change while the server runs), the lesson and whether it is complete. So
    /// the shape is those, and the view id becomes hole `first_hole`.
    pub fn into_shell(mut self, first_hole: usize) -> (String, Self, Vec<String>) {
        let shape = format!(
            "lesson\n{}\n{}\n{}\n{}",
            self.module_slug,
            self.slug,
            self.completed,
            self.view_id.is_some()
        );
        let values = match self.view_id.take() {
            Some(id) => {
                self.view_id = Some(crate::web::shell::marker(first_hole));
                vec![id]
            }
            None => Vec::new(),
        };
        (shape, self, values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn dates(open: bool, past_due: bool) -> ModuleDates {
        ModuleDates {
            opens_on: NaiveDate::from_ymd_opt(2026, 12, 8).unwrap(),
            due_on: NaiveDate::from_ymd_opt(2026, 12, 15).unwrap(),
            open,
            past_due,
            locked: false,
        }
    }

    #[test]
    fn a_module_not_open_yet_says_the_day_it_opens_and_its_due_date() {
        let v = pacing_view(Some(&dates(false, false)), false);
        assert_eq!(v.opens.as_deref(), Some("Opens Tuesday 8 December 2026"));
        assert_eq!(v.due.as_deref(), Some("Due 15 December 2026"));
        assert!(v.not_open_yet && !v.overdue);
    }

    #[test]
    fn only_an_unfinished_module_past_its_due_date_is_overdue() {
        assert!(pacing_view(Some(&dates(true, true)), false).overdue);
        let done = pacing_view(Some(&dates(true, true)), true);
        assert!(!done.overdue);
        assert_eq!(done.due.as_deref(), Some("Due 15 December 2026"));
    }

    #[test]
    fn a_locked_module_says_it_is_locked_and_when_it_opens() {
        let d = ModuleDates {
            locked: true,
            ..dates(false, false)
        };
        let v = pacing_view(Some(&d), false);
        assert!(v.locked && v.not_open_yet);
        assert_eq!(v.opens.as_deref(), Some("Opens Tuesday 8 December 2026"));
        assert!(!pacing_view(Some(&dates(false, false)), false).locked);
    }

    #[test]
    fn a_self_paced_module_shows_no_dates() {
        assert_eq!(pacing_view(None, false), PacingView::default());
    }
}
