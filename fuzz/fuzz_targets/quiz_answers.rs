//! Quiz answer parsing and scoring: any submitted form against any draw of the real course's
//! quizzes gives responses, an "incomplete" list or a "tampered" refusal, never a panic.
#![no_main]
use std::sync::OnceLock;

use deepdive::course::{Course, load_course};
use deepdive::domain::quiz::{AnswerCodec, draw, read_answers, score};
use libfuzzer_sys::fuzz_target;

fn course() -> &'static Course {
    static COURSE: OnceLock<Course> = OnceLock::new();
    COURSE.get_or_init(|| {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../course");
        load_course(&dir).unwrap_or_else(|e| panic!("the shipped course loads: {e}"))
    })
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 9 {
        return;
    }
    let course = course();
    let module = &course.modules[usize::from(data[0]) % course.modules.len()];
    let mut seed = [0u8; 8];
    seed.copy_from_slice(&data[1..9]);
    let drawn = draw(&module.quiz, u64::from_le_bytes(seed));
    let codec = AnswerCodec::new(b"fuzz key", u64::from_le_bytes(seed));
    let fields: Vec<(String, String)> = form_urlencoded::parse(&data[9..])
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if let Ok(responses) = read_answers(&module.quiz, &drawn, &fields, &codec) {
        for (d, r) in drawn.iter().zip(&responses) {
            if let Some(q) = module.quiz.questions.iter().find(|q| q.id == d.id) {
                let _ = score(q, r);
            }
        }
    }
});
