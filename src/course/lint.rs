//! `check-course --lint`: item-writing statistics for each module's question pool, and the
//! questions that carry a test-wise cue, so authors see what a guesser would exploit.
//!
//! Pure: it reads the loaded course and the quiz files' text (for line numbers) and returns a
//! report; the CLI prints it. The thresholds that `--strict` enforces are documented in FORMAT.md.
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use super::model::{Course, Module, Question, QuestionKind, QuestionStyle};

/// The pool must hold at least this many times the questions drawn per attempt.
pub const MIN_POOL_RATIO: f64 = 2.5;
/// At most this share of single-choice questions may have the key as their longest option.
pub const MAX_KEY_LONGEST: f64 = 0.40;
/// True/false questions keyed `true` must be within this band (when a module has 4 or more).
pub const TRUE_BAND: (f64, f64) = (0.35, 0.65);
/// Every outcome needs at least this many questions.
pub const MIN_PER_OUTCOME: usize = 3;
/// At least this share of the pool must be scenario (application) questions.
pub const MIN_SCENARIO: f64 = 0.5;
/// At most this share of wrong options may contain an absolute word.
pub const MAX_ABSOLUTE_DISTRACTORS: f64 = 0.15;
/// Prompts in different modules at least this similar (word-trigram Jaccard) fail `--strict`;
/// from [`NEAR_DUPLICATE_WARN`] they are listed.
pub const NEAR_DUPLICATE_FAIL: f64 = 0.6;
pub const NEAR_DUPLICATE_WARN: f64 = 0.45;

const ABSOLUTE_WORDS: &[&str] = &[
    "always",
    "never",
    "only",
    "all",
    "every",
    "none",
    "guaranteed",
    "guarantees",
    "completely",
    "entirely",
    "must",
];

/// The statistics of one module's pool.
#[derive(Debug, Clone, PartialEq)]
pub struct ModuleStats {
    pub slug: String,
    pub file: String,
    pub pool: usize,
    pub drawn: usize,
    pub single: usize,
    pub key_longest: usize,
    pub true_false: usize,
    pub keyed_true: usize,
    /// Options beginning "None", "Nothing", "All of the above": (count, of which correct).
    pub none_all: (usize, usize),
    pub give_away_options: usize,
    pub distractors: usize,
    pub absolute_distractors: usize,
    pub scenario: usize,
    /// Outcome id to the number of questions naming it.
    pub per_outcome: BTreeMap<String, usize>,
}

impl ModuleStats {
    fn share(part: usize, whole: usize) -> f64 {
        if whole == 0 {
            0.0
        } else {
            part as f64 / whole as f64
        }
    }

    pub fn key_longest_share(&self) -> f64 {
        Self::share(self.key_longest, self.single)
    }

    pub fn true_share(&self) -> f64 {
        Self::share(self.keyed_true, self.true_false)
    }

    pub fn scenario_share(&self) -> f64 {
        Self::share(self.scenario, self.pool)
    }

    pub fn absolute_share(&self) -> f64 {
        Self::share(self.absolute_distractors, self.distractors)
    }

    /// The thresholds this module crosses, in words (empty when it passes `--strict`).
    pub fn failures(&self) -> Vec<String> {
        let mut out = Vec::new();
        if (self.pool as f64) < MIN_POOL_RATIO * self.drawn as f64 {
            out.push(format!(
                "the pool has {} questions for a draw of {}: it needs at least {}",
                self.pool,
                self.drawn,
                (MIN_POOL_RATIO * self.drawn as f64).ceil()
            ));
        }
        if self.key_longest_share() > MAX_KEY_LONGEST {
            out.push(format!(
                "the key is the longest option in {} of {} single-choice questions (more than {:.0}%)",
                self.key_longest,
                self.single,
                MAX_KEY_LONGEST * 100.0
            ));
        }
        if self.true_false >= 4 {
            let t = self.true_share();
            if t < TRUE_BAND.0 || t > TRUE_BAND.1 {
                out.push(format!(
                    "{} of {} true/false questions are keyed true (keep it between {:.0}% and {:.0}%)",
                    self.keyed_true,
                    self.true_false,
                    TRUE_BAND.0 * 100.0,
                    TRUE_BAND.1 * 100.0
                ));
            }
        }
        if self.give_away_options > 0 {
            out.push(format!(
                "{} option(s) read \"All of the above\" or \"None of the above\"",
                self.give_away_options
            ));
        }
        if self.none_all.0 >= 2 && self.none_all.1 == 0 {
            out.push(format!(
                "all {} options beginning \"None\" or \"Nothing\" are wrong",
                self.none_all.0
            ));
        }
        if self.absolute_share() > MAX_ABSOLUTE_DISTRACTORS {
            out.push(format!(
                "{} of {} wrong options contain an absolute word (more than {:.0}%)",
                self.absolute_distractors,
                self.distractors,
                MAX_ABSOLUTE_DISTRACTORS * 100.0
            ));
        }
        if self.scenario_share() < MIN_SCENARIO {
            out.push(format!(
                "{} of {} questions are scenario questions (at least {:.0}% needed)",
                self.scenario,
                self.pool,
                MIN_SCENARIO * 100.0
            ));
        }
        for (outcome, n) in &self.per_outcome {
            if *n < MIN_PER_OUTCOME {
                out.push(format!(
                    "outcome '{outcome}' has {n} question(s) (at least {MIN_PER_OUTCOME} needed)"
                ));
            }
        }
        out
    }
}

/// One flagged question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flag {
    pub file: String,
    pub line: usize,
    pub message: String,
}

/// The whole lint report.
#[derive(Debug, Clone, PartialEq)]
pub struct LintReport {
    pub modules: Vec<ModuleStats>,
    pub flags: Vec<Flag>,
    /// Cross-module near-duplicates at or above [`NEAR_DUPLICATE_FAIL`].
    pub duplicate_failures: usize,
}

impl LintReport {
    /// Whether the course passes `--strict`.
    pub fn passes_strict(&self) -> bool {
        self.duplicate_failures == 0 && self.modules.iter().all(|m| m.failures().is_empty())
    }

    /// The report as printed by `check-course --lint`.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "module                          pool draw  key-longest   true/false  none/all  absolute  scenario  outcomes<{MIN_PER_OUTCOME}"
        );
        for m in &self.modules {
            let thin = m
                .per_outcome
                .values()
                .filter(|n| **n < MIN_PER_OUTCOME)
                .count();
            let _ = writeln!(
                out,
                "{:<30} {:>5} {:>4}  {:>3}/{:<3} {:>3.0}%  {:>3}/{:<3} {:>3.0}%  {:>3}({} ok)  {:>3.0}%      {:>3.0}%      {}",
                m.slug,
                m.pool,
                m.drawn,
                m.key_longest,
                m.single,
                m.key_longest_share() * 100.0,
                m.keyed_true,
                m.true_false,
                m.true_share() * 100.0,
                m.none_all.0 + m.give_away_options,
                m.none_all.1,
                m.absolute_share() * 100.0,
                m.scenario_share() * 100.0,
                thin
            );
        }
        for m in &self.modules {
            let per: Vec<String> = m
                .per_outcome
                .iter()
                .map(|(o, n)| format!("{o} {n}"))
                .collect();
            let _ = writeln!(out, "{}: questions per outcome: {}", m.file, per.join(", "));
        }
        for f in &self.flags {
            let _ = writeln!(out, "{}:{}: warning: {}", f.file, f.line, f.message);
        }
        for m in &self.modules {
            for failure in m.failures() {
                let _ = writeln!(out, "{}: over the --strict threshold: {failure}", m.file);
            }
        }
        out
    }
}

fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

fn absolute_word(text: &str) -> Option<String> {
    words(text)
        .into_iter()
        .find(|w| ABSOLUTE_WORDS.contains(&w.as_str()))
}

fn starts_with_none(text: &str) -> bool {
    let w = words(text);
    matches!(w.first().map(String::as_str), Some("none" | "nothing"))
}

fn give_away(text: &str) -> bool {
    let t = text.trim().to_lowercase();
    t.starts_with("all of the above") || t.starts_with("none of the above")
}

fn shingles(text: &str) -> BTreeSet<String> {
    let w = words(text);
    if w.len() < 3 {
        return w.into_iter().collect();
    }
    w.windows(3).map(|s| s.join(" ")).collect()
}

/// Word-trigram Jaccard similarity of two prompts, from 0 to 1.
pub fn similarity(a: &str, b: &str) -> f64 {
    let (x, y) = (shingles(a), shingles(b));
    let union = x.union(&y).count();
    if union == 0 {
        return 0.0;
    }
    x.intersection(&y).count() as f64 / union as f64
}

/// The line of `id = "<id>"` in a quiz file (1 when not found).
fn line_of(text: &str, id: &str) -> usize {
    let wanted = format!("\"{id}\"");
    text.lines()
        .position(|l| {
            let l = l.trim_start();
            l.starts_with("id") && l.contains(&wanted)
        })
        .map_or(1, |i| i + 1)
}

fn module_stats(m: &Module, file: &str, text: &str, flags: &mut Vec<Flag>) -> ModuleStats {
    let mut stats = ModuleStats {
        slug: m.slug.clone(),
        file: file.to_string(),
        pool: m.quiz.questions.len(),
        drawn: m.quiz.settings.questions_per_attempt,
        single: 0,
        key_longest: 0,
        true_false: 0,
        keyed_true: 0,
        none_all: (0, 0),
        give_away_options: 0,
        distractors: 0,
        absolute_distractors: 0,
        scenario: 0,
        per_outcome: m.outcomes.iter().map(|o| (o.id.clone(), 0)).collect(),
    };
    for q in &m.quiz.questions {
        let line = line_of(text, &q.id);
        let mut flag = |message: String| {
            flags.push(Flag {
                file: file.to_string(),
                line,
                message: format!("question '{}': {message}", q.id),
            });
        };
        for o in &q.outcomes {
            *stats.per_outcome.entry(o.clone()).or_default() += 1;
        }
        if q.style == QuestionStyle::Scenario {
            stats.scenario += 1;
        }
        if q.scoring_overridden
            && !matches!(q.kind, QuestionKind::Single | QuestionKind::TrueFalse)
            && q.scoring != m.quiz.settings.scoring
        {
            flag("sets its own scoring, unlike the module's declared policy".into());
        }
        match q.kind {
            QuestionKind::TrueFalse => {
                stats.true_false += 1;
                if q.options.iter().any(|o| o.id == "true" && o.correct) {
                    stats.keyed_true += 1;
                } else if let Some(w) = absolute_word(&q.prompt) {
                    flag(format!(
                        "a false statement with the absolute word \"{w}\" is easy to guess"
                    ));
                }
            }
            QuestionKind::Single | QuestionKind::Multiple => {
                check_options(q, &mut stats, &mut flag);
            }
            QuestionKind::Ordering | QuestionKind::Matching => {}
        }
    }
    stats
}

fn check_options(q: &Question, stats: &mut ModuleStats, flag: &mut impl FnMut(String)) {
    for o in &q.options {
        if give_away(&o.text) {
            stats.give_away_options += 1;
            flag(format!(
                "option '{}' reads like \"all/none of the above\"",
                o.id
            ));
        } else if starts_with_none(&o.text) {
            stats.none_all.0 += 1;
            if o.correct {
                stats.none_all.1 += 1;
            }
        }
        if !o.correct {
            stats.distractors += 1;
            if let Some(w) = absolute_word(&o.text) {
                stats.absolute_distractors += 1;
                flag(format!(
                    "wrong option '{}' contains the absolute word \"{w}\"",
                    o.id
                ));
            }
        }
    }
    if q.kind == QuestionKind::Single {
        stats.single += 1;
        let len = |t: &str| t.chars().count();
        if let Some(key) = q.options.iter().find(|o| o.correct) {
            let longest_other = q
                .options
                .iter()
                .filter(|o| !o.correct)
                .map(|o| len(&o.text))
                .max()
                .unwrap_or(0);
            if len(&key.text) > longest_other {
                stats.key_longest += 1;
                flag("the key is the longest option".into());
            }
        }
    }
}

/// Lints every module's pool. `quiz_text` gives each module's quiz file name and text (for
/// line numbers); a module without one is reported with line 1.
pub fn lint(course: &Course, quiz_text: &dyn Fn(&Module) -> (String, String)) -> LintReport {
    let mut flags = Vec::new();
    let mut modules = Vec::new();
    let mut prompts: Vec<(usize, String, usize, &Question)> = Vec::new();
    for (mi, m) in course.modules.iter().enumerate() {
        let (file, text) = quiz_text(m);
        modules.push(module_stats(m, &file, &text, &mut flags));
        for q in &m.quiz.questions {
            prompts.push((mi, file.clone(), line_of(&text, &q.id), q));
        }
    }
    let mut duplicate_failures = 0;
    for (i, (ma, fa, la, qa)) in prompts.iter().enumerate() {
        for (mb, fb, lb, qb) in prompts.iter().skip(i + 1) {
            if ma == mb {
                continue;
            }
            let s = similarity(&qa.prompt, &qb.prompt);
            if s >= NEAR_DUPLICATE_WARN {
                if s >= NEAR_DUPLICATE_FAIL {
                    duplicate_failures += 1;
                }
                flags.push(Flag {
                    file: fa.clone(),
                    line: *la,
                    message: format!(
                        "question '{}' is {:.0}% like question '{}' at {fb}:{lb}",
                        qa.id,
                        s * 100.0,
                        qb.id
                    ),
                });
            }
        }
    }
    LintReport {
        modules,
        flags,
        duplicate_failures,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_prompts_are_fully_similar_and_unrelated_ones_are_not() {
        let a = "Which of these is the first step of the AI life cycle?";
        assert!((similarity(a, a) - 1.0).abs() < f64::EPSILON);
        assert!(similarity(a, "Who should own the problem in the organisation?") < 0.1);
    }

    #[test]
    fn absolute_words_are_found_as_whole_words_only() {
        assert_eq!(absolute_word("It always works").as_deref(), Some("always"));
        assert_eq!(absolute_word("Allocation of beds"), None);
        assert!(starts_with_none("Nothing: the data is enough"));
        assert!(!starts_with_none("Noneteen"));
        assert!(give_away("All of the above."));
    }

    #[test]
    fn the_line_of_a_question_is_where_its_id_is() {
        let text =
            "questions_per_attempt = 10\n\n[[question]]\nid = \"b\"\n[[question]]\nid = \"a\"\n";
        assert_eq!(line_of(text, "a"), 6);
        assert_eq!(line_of(text, "missing"), 1);
    }

    fn stats() -> ModuleStats {
        ModuleStats {
            slug: "m".into(),
            file: "m/quiz.toml".into(),
            pool: 30,
            drawn: 10,
            single: 10,
            key_longest: 3,
            true_false: 6,
            keyed_true: 3,
            none_all: (0, 0),
            give_away_options: 0,
            distractors: 40,
            absolute_distractors: 2,
            scenario: 15,
            per_outcome: [("a".to_string(), 10), ("b".to_string(), 20)].into(),
        }
    }

    #[test]
    fn a_balanced_pool_passes_and_each_threshold_fails_on_its_own() {
        assert!(stats().failures().is_empty());
        type Change = Box<dyn Fn(&mut ModuleStats)>;
        let cases: Vec<(&str, Change)> = vec![
            ("pool", Box::new(|s| s.pool = 24)),
            ("longest", Box::new(|s| s.key_longest = 5)),
            ("true/false", Box::new(|s| s.keyed_true = 1)),
            ("All of the above", Box::new(|s| s.give_away_options = 1)),
            ("None", Box::new(|s| s.none_all = (3, 0))),
            ("absolute", Box::new(|s| s.absolute_distractors = 10)),
            ("scenario", Box::new(|s| s.scenario = 14)),
            (
                "outcome 'a'",
                Box::new(|s| {
                    s.per_outcome.insert("a".into(), 2);
                }),
            ),
        ];
        for (word, change) in cases {
            let mut s = stats();
            change(&mut s);
            let failures = s.failures();
            assert_eq!(failures.len(), 1, "{word}: {failures:?}");
            assert!(failures[0].contains(word), "{word}: {failures:?}");
        }
    }
}
