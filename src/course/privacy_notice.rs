//! The operator's own privacy text: an optional `privacy.md` beside `course.toml`, for the lawful
//! basis and retention sections of the privacy notice. Rendered and sanitised once at start-up.
use std::path::Path;

use anyhow::Context;

use super::markdown::render_plain;

pub const PRIVACY_FILE: &str = "privacy.md";

/// The sanitised HTML of `DIR/privacy.md`, or `None` when there is no such file (or it is blank).
///
/// # Errors
/// When the file exists but cannot be read as UTF-8 text.
pub fn load_privacy_notice(course_dir: &Path) -> anyhow::Result<Option<String>> {
    let path = course_dir.join(PRIVACY_FILE);
    if !path.exists() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    if text.trim().is_empty() {
        return Ok(None);
    }
    Ok(Some(render_plain(&text)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_is_optional_and_its_markup_is_sanitised() {
        let dir = tempfile::tempdir().expect("tmp");
        assert_eq!(load_privacy_notice(dir.path()).expect("ok"), None);
        std::fs::write(
            dir.path().join(PRIVACY_FILE),
            "## Lawful basis\n\nPublic task.<script>alert(1)</script>\n",
        )
        .expect("write");
        let html = load_privacy_notice(dir.path()).expect("ok").expect("some");
        assert!(html.contains("<h2>Lawful basis</h2>"), "{html}");
        assert!(!html.contains("<script"), "{html}");
    }
}
