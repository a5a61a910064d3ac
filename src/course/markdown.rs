//! Lesson Markdown to sanitised HTML, with `::: name` blocks for callouts.
use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd, html};

use super::glossary::{TermMarker, acronym_in};

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

fn options() -> Options {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    options
}

/// Renders CommonMark (with tables) and sanitises it: raw HTML, scripts and event handlers are removed.
pub fn render_plain(markdown: &str) -> String {
    render_marked(markdown, None)
}

/// Like [`render_plain`], marking the first use of glossary terms in ordinary text (never inside
/// links, images, headings or code). The markup is built before sanitising, so ammonia checks it too:
/// it keeps `<a href>`, `<abbr>` and `title`.
fn render_marked(markdown: &str, marker: Option<&mut TermMarker<'_>>) -> String {
    let parser = Parser::new_ext(markdown, options());
    let mut unsafe_html = String::with_capacity(markdown.len() * 3 / 2);
    match marker {
        None => html::push_html(&mut unsafe_html, parser),
        Some(marker) => html::push_html(&mut unsafe_html, mark_terms(parser, marker).into_iter()),
    }
    ammonia::Builder::default()
        .link_rel(Some("noopener noreferrer"))
        .url_schemes(["https", "http", "mailto"].into_iter().collect())
        .clean(&unsafe_html)
        .to_string()
}

fn mark_terms<'a>(
    parser: impl Iterator<Item = Event<'a>>,
    marker: &mut TermMarker<'_>,
) -> Vec<Event<'a>> {
    let mut out = Vec::new();
    // Inside a link, image, heading or code block: text stays as it is.
    let mut skip = 0usize;
    let mut pending = String::new();
    let flush = |pending: &mut String,
                 skip: usize,
                 marker: &mut TermMarker<'_>,
                 out: &mut Vec<Event<'a>>| {
        if pending.is_empty() {
            return;
        }
        let text = std::mem::take(pending);
        match (skip == 0).then(|| marker.mark(&text)).flatten() {
            Some(html) => out.push(Event::InlineHtml(html.into())),
            None => out.push(Event::Text(text.into())),
        }
    };
    for event in parser {
        if let Event::Text(t) = &event {
            pending.push_str(t);
            continue;
        }
        flush(&mut pending, skip, marker, &mut out);
        match &event {
            Event::Start(
                Tag::Link { .. } | Tag::Image { .. } | Tag::Heading { .. } | Tag::CodeBlock(_),
            ) => skip += 1,
            Event::End(TagEnd::Link | TagEnd::Image | TagEnd::Heading(_) | TagEnd::CodeBlock) => {
                skip = skip.saturating_sub(1);
            }
            _ => {}
        }
        out.push(event);
    }
    flush(&mut pending, skip, marker, &mut out);
    out
}

/// What the loader checks in a lesson body beyond its blocks. Lines are 0-based within the body.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct BodyScan {
    /// Each acronym used, with the line of its first use.
    pub acronyms: Vec<(String, usize)>,
    /// The lines of items under `## Further reading` that have no web link.
    pub unlinked_reading: Vec<usize>,
    /// The web addresses the further-reading items link to.
    pub reading_links: Vec<String>,
}

/// Finds the acronyms a lesson uses and checks its further-reading list.
pub fn scan_body(markdown: &str) -> BodyScan {
    // A `:::` line would otherwise run on into a list item or paragraph above it; as an HTML comment
    // it ends them, and it ends the further-reading section too.
    const BLOCK_LINE: &str = "<!--dd-block-->\n";
    let cleaned: String = markdown
        .split_inclusive('\n')
        .map(|l| {
            if l.trim_start().starts_with(":::") {
                BLOCK_LINE
            } else {
                l
            }
        })
        .collect();
    let line_of = |offset: usize| cleaned[..offset.min(cleaned.len())].matches('\n').count();
    let mut scan = BodyScan::default();
    let mut seen = std::collections::HashSet::new();
    let mut in_code = false;
    let mut heading: Option<(HeadingLevel, String)> = None;
    let mut in_reading = false;
    let mut list_depth = 0usize;
    let mut item: Option<(usize, bool)> = None;
    for (event, range) in Parser::new_ext(&cleaned, options()).into_offset_iter() {
        match event {
            Event::Start(Tag::CodeBlock(_)) => in_code = true,
            Event::End(TagEnd::CodeBlock) => in_code = false,
            Event::Start(Tag::Heading { level, .. }) => heading = Some((level, String::new())),
            Event::End(TagEnd::Heading(_)) => {
                if let Some((level, text)) = heading.take()
                    && level <= HeadingLevel::H2
                {
                    in_reading = text.trim().eq_ignore_ascii_case("further reading");
                }
            }
            Event::Html(h) if h.as_ref() == BLOCK_LINE => in_reading = false,
            Event::Start(Tag::List(_)) => list_depth += 1,
            Event::End(TagEnd::List(_)) => list_depth = list_depth.saturating_sub(1),
            Event::Start(Tag::Item) if in_reading && list_depth == 1 => {
                item = Some((line_of(range.start), false));
            }
            Event::End(TagEnd::Item) if in_reading && list_depth == 1 => {
                if let Some((line, false)) = item.take() {
                    scan.unlinked_reading.push(line);
                }
            }
            Event::Start(Tag::Link { dest_url, .. }) if in_reading => {
                let url = dest_url.trim();
                if url.starts_with("https://") || url.starts_with("http://") {
                    if let Some((_, linked)) = &mut item {
                        *linked = true;
                    }
                    scan.reading_links.push(url.to_string());
                }
            }
            Event::Text(text) if !in_code => {
                if let Some((_, h)) = &mut heading {
                    h.push_str(&text);
                }
                for word in text.split(|c: char| !c.is_alphanumeric()) {
                    if let Some(acronym) = acronym_in(word)
                        && seen.insert(acronym.to_string())
                    {
                        scan.acronyms
                            .push((acronym.to_string(), line_of(range.start)));
                    }
                }
            }
            _ => {}
        }
    }
    scan
}

/// Renders a lesson body: plain Markdown with `::: name` … `:::` blocks (not nested), marking the
/// first use of each glossary term on the page when given a marker.
pub(super) fn render_lesson(
    markdown: &str,
    mut marker: Option<&mut TermMarker<'_>>,
) -> Result<Rendered, Vec<MarkdownProblem>> {
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
                        html.push_str(&render_marked(&chunk, marker.as_deref_mut()));
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
                    html.push_str(&wrap_block(
                        b,
                        label,
                        &render_marked(&chunk, marker.as_deref_mut()),
                    ));
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
    html.push_str(&render_marked(&chunk, marker));
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

    fn render_lesson_plain(markdown: &str) -> Result<Rendered, Vec<MarkdownProblem>> {
        render_lesson(markdown, None)
    }

    #[test]
    fn glossary_terms_are_marked_once_outside_links_headings_and_code_and_survive_sanitising() {
        let (g, _) = crate::course::glossary::tests::glossary(crate::course::glossary::tests::TWO);
        let mut marker = TermMarker::new(&g);
        let r = render_lesson(
            "## A DPIA heading\n\nSee [a DPIA](https://example.org) and `DPIA` code.\n\n```\nDPIA\n```\n\n::: example\nNow a DPIA, then another DPIA.\n:::\n\nA last DPIA.\n",
            Some(&mut marker),
        )
        .expect("valid");
        assert_eq!(
            r.html.matches("href=\"/glossary#dpia\"").count(),
            1,
            "{}",
            r.html
        );
        assert!(r.html.contains("<h2>A DPIA heading</h2>"), "{}", r.html);
        assert!(
            r.html.contains("Now a <a href=\"/glossary#dpia\" title=\"A check of the risks to people's data.\" rel=\"noopener noreferrer\"><abbr title=\"data protection impact assessment\">DPIA</abbr></a>, then another DPIA."),
            "{}",
            r.html
        );
    }

    #[test]
    fn further_reading_items_without_a_web_link_and_acronyms_are_found_with_their_lines() {
        let scan = scan_body(
            "Intro with NHS and DPIAs.\n\n## Further reading\n- [A guide](https://example.org/a) - GOV.UK, 2025.\n- A book without a link, 2021.\n- [Relative](/glossary) only.\n\n::: key-points\n- Not reading.\n:::\n",
        );
        assert_eq!(scan.unlinked_reading, vec![4, 5]);
        assert_eq!(
            scan.reading_links,
            vec!["https://example.org/a".to_string()]
        );
        assert_eq!(
            scan.acronyms,
            vec![
                ("NHS".to_string(), 0),
                ("DPIA".to_string(), 0),
                ("GOV".to_string(), 3),
                ("UK".to_string(), 3)
            ]
        );
    }

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
        let r = render_lesson_plain(
            "Intro\n\n::: try-this\nThink.\n:::\n\n::: key-points\n- one\n:::\n",
        )
        .expect("valid");
        assert!(r.html.contains("Try this"));
        assert!(r.html.contains("<li>one</li>"));
        assert_eq!(r.blocks, vec!["try-this", "key-points"]);
    }

    #[test]
    fn an_unclosed_block_names_its_opening_line() {
        let problems = render_lesson_plain("a\n::: example\nb\n").expect_err("invalid");
        assert_eq!(problems[0].line, 1);
        assert!(problems[0].message.contains("never closed"));
    }

    #[test]
    fn an_unknown_or_nested_block_is_a_problem() {
        let problems = render_lesson_plain("::: nope\n:::\n").expect_err("invalid");
        assert!(problems[0].message.contains("unknown block"));
        let problems =
            render_lesson_plain("::: example\n::: try-this\n:::\n").expect_err("invalid");
        assert!(problems[0].message.contains("inside"));
    }
}
