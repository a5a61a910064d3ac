use std::collections::HashMap;

use deepdive::clock::Clock;
use deepdive::course::{QuestionKind, load_course};
use deepdive::startup::{Application, StartError};

use crate::helpers::*;

#[tokio::test]
async fn the_shipped_course_is_valid_and_complete() {
    let course = load_course(&course_dir()).expect("valid course");
    assert_eq!(course.modules.len(), 5);
    assert_eq!(course.outcomes.len(), 4);
    assert!(course.confidence.len() >= 8);
    let mut topics = 0;
    for m in &course.modules {
        topics += m.topics.len();
        for t in &m.topics {
            assert!(
                m.lessons.iter().any(|l| l.topics.contains(&t.id)),
                "{}: topic {} has no lesson",
                m.slug,
                t.id
            );
        }
        for l in &m.lessons {
            assert!(
                (400..=1200).contains(&l.word_count),
                "{}: {} words",
                l.file,
                l.word_count
            );
        }
        assert!(
            m.quiz.questions.len() >= 12,
            "{}: pool of {}",
            m.slug,
            m.quiz.questions.len()
        );
        assert!(m.quiz.settings.questions_per_attempt >= 10);
        let mut per_outcome: HashMap<&str, usize> = HashMap::new();
        for q in &m.quiz.questions {
            for o in &q.outcomes {
                *per_outcome.entry(o.as_str()).or_default() += 1;
            }
            for o in &q.options {
                assert!(
                    !o.feedback.trim().is_empty(),
                    "{}: {} option {} lacks feedback",
                    m.slug,
                    q.id,
                    o.id
                );
            }
        }
        for o in &m.outcomes {
            assert!(
                per_outcome.get(o.id.as_str()).copied().unwrap_or(0) >= 2,
                "{}: outcome {} has fewer than 2 questions",
                m.slug,
                o.id
            );
        }
        let kinds: Vec<QuestionKind> = m.quiz.questions.iter().map(|q| q.kind).collect();
        for k in [
            QuestionKind::Single,
            QuestionKind::Multiple,
            QuestionKind::TrueFalse,
        ] {
            assert!(kinds.contains(&k), "{}: no {k:?} question", m.slug);
        }
        assert!(
            kinds.contains(&QuestionKind::Ordering) || kinds.contains(&QuestionKind::Matching),
            "{}",
            m.slug
        );
        assert!(
            (3..=8).contains(&m.worksheet.prompts.len()),
            "{}: worksheet prompts",
            m.slug
        );
    }
    assert_eq!(topics, 24, "the workshops' 24 key topics");
}

fn problems_for(dir: &std::path::Path) -> Vec<String> {
    load_course(dir)
        .expect_err("invalid")
        .problems
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[tokio::test]
async fn a_toml_syntax_error_is_reported_with_its_file_and_line() {
    let dir = copy_course();
    let path = dir.path().join("ai-fundamentals/module.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let broken = text.replacen("aim = ", "aim = = ", 1);
    std::fs::write(&path, &broken).unwrap();
    let line = broken
        .lines()
        .position(|l| l.starts_with("aim = ="))
        .unwrap()
        + 1;
    let problems = problems_for(dir.path());
    let expected = format!("ai-fundamentals/module.toml:{line}:");
    assert!(
        problems.iter().any(|p| p.contains(&expected)),
        "{problems:?}"
    );
}

#[tokio::test]
async fn broken_references_and_duplicate_ids_are_each_reported() {
    let dir = copy_course();
    let quiz = dir.path().join("problem-discovery/quiz.toml");
    let text = std::fs::read_to_string(&quiz).unwrap();
    // Point the first question at an outcome that does not exist.
    let first_outcomes = text.find("outcomes = [").unwrap();
    let mut broken = text.clone();
    broken.insert_str(
        first_outcomes + "outcomes = [".len(),
        "\"no-such-outcome\", ",
    );
    std::fs::write(&quiz, broken).unwrap();
    let lessons = dir.path().join("solution-discovery/lessons");
    let first = std::fs::read_dir(&lessons)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let lesson = std::fs::read_to_string(&first).unwrap();
    std::fs::write(&first, lesson.replace("::: key-points", "::: keypoints")).unwrap();
    let problems = problems_for(dir.path());
    assert!(
        problems
            .iter()
            .any(|p| p.contains("problem-discovery/quiz.toml:") && p.contains("no-such-outcome")),
        "{problems:?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.contains("solution-discovery/lessons/") && p.contains("unknown block")),
        "{problems:?}"
    );
}

#[tokio::test]
async fn the_server_refuses_to_start_on_an_invalid_course() {
    let dir = copy_course();
    std::fs::remove_file(dir.path().join("practicalities/quiz.toml")).unwrap();
    let data = tempfile::tempdir().unwrap();
    let (settings, _database) = fresh_settings(data.path(), dir.path()).await;
    match Application::build(settings, Clock::default()).await {
        Err(StartError::Course(e)) => {
            assert!(
                e.problems
                    .iter()
                    .any(|p| p.file.ends_with("practicalities/quiz.toml")),
                "{e}"
            );
        }
        Err(e) => panic!("wrong error: {e}"),
        Ok(_) => panic!("started on an invalid course"),
    }
}

#[tokio::test]
async fn lesson_markdown_is_sanitised() {
    let dir = copy_course();
    let lessons = dir.path().join("ai-fundamentals/lessons");
    let first = std::fs::read_dir(&lessons)
        .unwrap()
        .map(|e| e.unwrap().path())
        .min()
        .unwrap();
    let text = std::fs::read_to_string(&first).unwrap();
    std::fs::write(
        &first,
        format!("{text}\n<script>alert(1)</script>\n\n[x](javascript:alert(1))\n"),
    )
    .unwrap();
    let course = load_course(dir.path()).expect("still valid");
    let html = &course.modules[0].lessons[0].html;
    assert!(!html.contains("<script"));
    assert!(!html.contains("javascript:"));
}

#[tokio::test]
async fn when_a_lesson_is_added_stored_percentages_are_recomputed_at_start_up_and_records_kept() {
    use deepdive::entities::module_progress;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let dir = crate::helpers::copy_course();
    let course_path = dir.path().to_path_buf();
    let first = crate::helpers::spawn_app_with(|s| s.course_dir = course_path.clone()).await;
    let email = first.new_learner().await;
    first.complete_lesson("ai-fundamentals", "what-is-ai").await;
    first
        .complete_lesson("ai-fundamentals", "narrow-and-general-ai")
        .await;
    let user = first.user(&email).await;
    let stored = |app: &crate::helpers::TestApp| {
        let db = app.db.clone();
        async move {
            module_progress::Entity::find()
                .filter(module_progress::Column::UserId.eq(user.id))
                .filter(module_progress::Column::ModuleSlug.eq("ai-fundamentals"))
                .one(&db)
                .await
                .unwrap()
                .unwrap()
        }
    };
    let before = stored(&first).await;
    assert_eq!(
        (before.lessons_completed, before.progress_percent),
        (2, 25),
        "2 of 7 lessons + quiz"
    );

    // The course gains an eighth lesson in module 1; the server starts again on the same database.
    let lesson = std::fs::read_to_string(
        dir.path()
            .join("ai-fundamentals/lessons/07-skunkworks-projects.md"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("ai-fundamentals/lessons/08-extra.md"),
        lesson
            .replacen("slug = \"skunkworks-projects\"", "slug = \"extra\"", 1)
            .replacen("title = \"", "title = \"Extra: ", 1),
    )
    .unwrap();
    let (data_dir, database_url) = (first.data_dir.clone(), first.database_url.clone());
    let second = crate::helpers::spawn_app_with(|s| {
        s.course_dir = course_path.clone();
        s.data_dir = data_dir;
        s.database_url = database_url;
    })
    .await;
    let after = stored(&second).await;
    assert_eq!(
        (after.lessons_completed, after.progress_percent),
        (2, 22),
        "2 of 8 lessons + quiz"
    );
}
