//! Lesson Markdown to sanitised HTML, with `::: name` blocks for callouts.
use pulldown_cmark::{Options, Parser, html};

/// The callout blocks an author may use, and how each is shown.
const BLOCKS: &[(&str, &str)] = &[
    ("example", "Example"),
    ("case-study", "Case study"),
    ("try-this", "Try this"),
    ("key-points", "Key points"),
    ("warning", "Important"),
    ("update", "Update"),
];

/// Markdown rendered once, plus the names of the blocks it used.
#[derive(Debug)]
pub struct Rendered {
    pub html: String,
    pub blocks: Vec<String>,
}

/// A problem in a Markdown body, with its 0-based line within that body.
#[derive(Debug, PartialEq, Eq)]
pub struct MarkdownProblem {
    pub line: usize,
    pub message: String,
}

/// Renders CommonMark (with tables) and sanitises it: raw HTML, scripts and event handlers are removed.
pub fn render_plain(markdown: &str) -> String {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    let parser = Parser::new_ext(markdown, options);
    let mut unsafe_html = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut unsafe_html, parser);
    ammonia::Builder::default()
        .link_rel(Some("noopener noreferrer"))
        .url_schemes(["https", "http", "mailto"].into_iter().collect())
        .clean(&unsafe_html)
        .to_string()
}

/// Renders a lesson body: plain Markdown with `::: name` … `:::` blocks (not nested).
pub fn render_with_blocks(markdown: &str) -> Result<Rendered, Vec<MarkdownProblem>> {
    let mut problems = Vec::new();
    let mut html = String::new();
    let mut blocks = Vec::new();
    let mut chunk = String::new();
    let mut open: Option<(usize, &'static str, &'static str)> = None;

    for (n, line) in markdown.lines().enumerate() {
        let trimmed = line.trim();
        if let Some(rest) = trimmed.strip_prefix(":::") {
            let name = rest.trim();
            match (&open, name.is_empty()) {
                (None, true) => problems.push(MarkdownProblem {
                    line: n,
                    message: "':::' closes a block, but no block is open".into(),
                }),
                (None, false) => match BLOCKS.iter().find(|(b, _)| *b == name) {
                    Some((b, label)) => {
                        html.push_str(&render_plain(&chunk));
                        chunk.clear();
                        open = Some((n, b, label));
                    }
                    None => problems.push(MarkdownProblem {
                        line: n,
                        message: format!(
                            "unknown block '::: {name}' (expected one of: {})",
                            BLOCKS.iter().map(|(b, _)| *b).collect::<Vec<_>>().join(", ")
                        ),
                    }),
                },
                (Some((start, b, _)), false) => problems.push(MarkdownProblem {
                    line: n,
                    message: format!(
                        "block '::: {name}' starts inside the '::: {b}' block opened on line {}; close that one first with ':::'",
                        start + 1
                    ),
                }),
                (Some((_, b, label)), true) => {
                    html.push_str(&wrap_block(b, label, &render_plain(&chunk)));
                    blocks.push((*b).to_string());
                    chunk.clear();
                    open = None;
                }
            }
        } else {
            chunk.push_str(line);
            chunk.push('\n');
        }
    }
    if let Some((start, b, _)) = open {
        problems.push(MarkdownProblem {
            line: start,
            message: format!("block '::: {b}' is never closed with a line ':::'"),
        });
    }
    html.push_str(&render_plain(&chunk));
    if problems.is_empty() {
        Ok(Rendered { html, blocks })
    } else {
        Err(problems)
    }
}

fn wrap_block(name: &str, label: &str, inner: &str) -> String {
    match name {
        "warning" | "update" => format!(
            "<div class=\"nhsuk-warning-callout dd-callout--{name}\"><h2 class=\"nhsuk-warning-callout__label\"><span role=\"text\"><span class=\"nhsuk-u-visually-hidden\">Important: </span>{label}</span></h2>{inner}</div>\n"
        ),
        "try-this" | "key-points" => format!(
            "<div class=\"nhsuk-card nhsuk-card--feature dd-callout--{name}\"><div class=\"nhsuk-card__content nhsuk-card__content--feature\"><h2 class=\"nhsuk-card__heading nhsuk-card__heading--feature nhsuk-heading-m\">{label}</h2>{inner}</div></div>\n"
        ),
        _ => format!(
            "<div class=\"nhsuk-inset-text dd-callout--{name}\"><span class=\"nhsuk-u-visually-hidden\">Information: </span><p class=\"dd-callout__label\"><strong>{label}</strong></p>{inner}</div>\n"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_tags_and_event_handlers_are_removed() {
        let html = render_plain(
            "Hello <script>alert(1)</script> <img src=x onerror=alert(1)> [x](javascript:alert(1))",
        );
        assert!(!html.contains("<script"));
        assert!(!html.contains("onerror"));
        assert!(!html.contains("javascript:"));
    }

    #[test]
    fn blocks_are_wrapped_and_reported() {
        let r = render_with_blocks(
            "Intro\n\n::: try-this\nThink.\n:::\n\n::: key-points\n- one\n:::\n",
        )
        .expect("valid");
        assert!(r.html.contains("Try this"));
        assert!(r.html.contains("<li>one</li>"));
        assert_eq!(r.blocks, vec!["try-this", "key-points"]);
    }

    #[test]
    fn an_unclosed_block_names_its_opening_line() {
        let problems = render_with_blocks("a\n::: example\nb\n").expect_err("invalid");
        assert_eq!(problems[0].line, 1);
        assert!(problems[0].message.contains("never closed"));
    }

    #[test]
    fn an_unknown_or_nested_block_is_a_problem() {
        let problems = render_with_blocks("::: nope\n:::\n").expect_err("invalid");
        assert!(problems[0].message.contains("unknown block"));
        let problems = render_with_blocks("::: example\n::: try-this\n:::\n").expect_err("invalid");
        assert!(problems[0].message.contains("inside"));
    }
}
