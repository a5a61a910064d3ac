//! The course the tests run on, and copies of it that a test may change.
use std::path::{Path, PathBuf};

use tempfile::TempDir;

/// A small quiz with one question of each kind (the quiz settings go in front of it).
const FIXTURE_QUIZ: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/quiz-one-of-each-kind.toml"
));

pub fn course_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("course")
}

/// Copies the real course to a temporary folder so a test can break it.
pub fn copy_course() -> TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(&course_dir(), dir.path());
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Writes a small quiz (one question of each kind, `tests/fixtures/quiz-one-of-each-kind.toml`)
/// into a copy of the course, with these settings.
pub fn course_with_fixture_quiz(settings: &str) -> TempDir {
    let dir = copy_course();
    let quiz = format!("{settings}\n\n{FIXTURE_QUIZ}");
    std::fs::write(dir.path().join("ai-fundamentals/quiz.toml"), quiz).unwrap();
    dir
}
