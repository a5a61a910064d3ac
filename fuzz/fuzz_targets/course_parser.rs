//! Course files: the fuzz input replaces one file of a copy of the shipped course (a lesson, a
//! quiz, a module, a worksheet or the course file, chosen by the first byte); loading it gives a
//! course or `file:line: problem` messages, never a panic.
#![no_main]
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A private copy of the course, and the files the fuzzer may replace.
fn setup() -> &'static (PathBuf, Vec<PathBuf>) {
    static DIR: OnceLock<(PathBuf, Vec<PathBuf>)> = OnceLock::new();
    DIR.get_or_init(|| {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../course");
        let dir = std::env::temp_dir().join(format!("deepdive-fuzz-course-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        copy_dir(&src, &dir);
        let m = dir.join("ai-fundamentals");
        let lesson = std::fs::read_dir(m.join("lessons"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .min()
            .unwrap();
        let files = vec![
            lesson,
            m.join("quiz.toml"),
            m.join("module.toml"),
            m.join("worksheet.toml"),
            dir.join("course.toml"),
        ];
        (dir, files)
    })
}

fuzz_target!(|data: &[u8]| {
    if data.is_empty() {
        return;
    }
    let (dir, files) = setup();
    let file = &files[usize::from(data[0]) % files.len()];
    let original = std::fs::read(file).unwrap();
    std::fs::write(file, &data[1..]).unwrap();
    let _ = deepdive::course::load_course(dir);
    std::fs::write(file, original).unwrap();
});
