//! Writing Markdown that carries someone's plain text safely: whatever they typed shows as typed,
//! and can never become a heading, list, link, table, code, emphasis or raw HTML.

/// Characters that mean something anywhere in a line (CommonMark, GitHub tables).
const INLINE: &[char] = &['\\', '`', '[', ']', '|'];

/// Whether the `&` starting `rest` would be read as an entity (`&amp;`, `&#38;`).
fn starts_entity(rest: &str) -> bool {
    let body: String = rest
        .chars()
        .skip(1)
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '#')
        .collect();
    !body.is_empty() && rest[1 + body.len()..].starts_with(';')
}

/// Whether a `*` or `_` between `before` and `after` could open or close emphasis: a `*` between
/// two spaces ("5 * 3") cannot, nor can a `_` inside a word ("patient_flow").
fn may_emphasise(c: char, before: Option<char>, after: Option<char>) -> bool {
    let space = |c: Option<char>| c.is_none_or(char::is_whitespace);
    let word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    match c {
        '_' => !(word(before) && word(after)),
        _ => !(space(before) && space(after)),
    }
}

/// Escapes one line of plain text so it reads exactly as typed, escaping only what Markdown would
/// otherwise misread: code, links and table pipes anywhere; `*` and `_` where they could be
/// emphasis; `<` where it could start a tag; `~` only where two could strike text through; `&`
/// only where it would start an entity; and what would start a block (`-`, `+`, `*`, `=`, `#`,
/// `>`, `1.`, `1)`) at the line's start. Ordinary text ("A&E ~3 weeks - see 1. below") is left
/// alone. Leading spaces are dropped (they would make code blocks).
pub fn escape_line(line: &str) -> String {
    let line = line.trim_start();
    let mut out = String::with_capacity(line.len() + 8);
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    let tildes = line.matches('~').count() > 1;
    let chars: Vec<char> = line.chars().collect();
    for (i, (at, c)) in line.char_indices().enumerate() {
        let before = i.checked_sub(1).map(|j| chars[j]);
        let after = chars.get(i + 1).copied();
        let starts_block = (i == 0 && matches!(c, '-' | '+' | '*' | '=' | '#' | '>'))
            || (i == digits && digits > 0 && matches!(c, '.' | ')'));
        let special = match c {
            '~' => tildes,
            '&' => starts_entity(&line[at..]),
            // A closing run of `#` would be dropped from a heading.
            '#' => line[at..].trim_end().chars().all(|c| c == '#'),
            '*' | '_' => may_emphasise(c, before, after),
            '<' => after.is_some_and(|a| a.is_ascii_alphabetic() || matches!(a, '/' | '!' | '?')),
            _ => INLINE.contains(&c),
        };
        if special || starts_block {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Escapes a single-line value such as a name or a heading (line breaks become spaces).
pub fn escape_inline(text: &str) -> String {
    escape_line(&text.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// Escapes multi-line plain text as Markdown paragraphs: every line break is kept (as a hard line
/// break), and blank lines separate paragraphs.
pub fn escape_text(text: &str) -> String {
    let mut paragraphs: Vec<Vec<String>> = vec![Vec::new()];
    for line in text.lines() {
        if line.trim().is_empty() {
            if paragraphs.last().is_some_and(|p| !p.is_empty()) {
                paragraphs.push(Vec::new());
            }
        } else if let Some(p) = paragraphs.last_mut() {
            p.push(escape_line(line.trim_end()));
        }
    }
    paragraphs
        .iter()
        .filter(|p| !p.is_empty())
        .map(|p| p.join("\\\n"))
        .collect::<Vec<_>>()
        .join("\n\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_characters_are_escaped_and_unicode_kept() {
        assert_eq!(escape_inline("# Title <script>"), "\\# Title \\<script>");
        assert_eq!(escape_inline("Zoë Ångström"), "Zoë Ångström");
        assert_eq!(
            escape_inline("[x](javascript:alert(1)) *b* _i_ `c` | ~s~ \\"),
            "\\[x\\](javascript:alert(1)) \\*b\\* \\_i\\_ \\`c\\` \\| \\~s\\~ \\\\"
        );
        assert_eq!(escape_inline("&amp; ![img]!"), "\\&amp; !\\[img\\]!");
    }

    #[test]
    fn ordinary_text_is_left_as_typed() {
        assert_eq!(
            escape_line("A & E sends ~40 calls a week, item #3 of 5 (R&D)"),
            "A & E sends ~40 calls a week, item #3 of 5 (R&D)"
        );
        assert_eq!(
            escape_line("Costs ~ £5k & rising #"),
            "Costs ~ £5k & rising \\#"
        );
    }

    #[test]
    fn emphasis_and_tags_are_escaped_only_where_they_could_work() {
        assert_eq!(
            escape_line("A&E ~3 weeks - see 1. below, patient_flow, 5 * 3 < 4 > 2"),
            "A&E ~3 weeks - see 1. below, patient_flow, 5 * 3 < 4 > 2"
        );
        assert_eq!(escape_line("*bold* _it_ a*b"), "\\*bold\\* \\_it\\_ a\\*b");
        assert_eq!(escape_line("<b>x</b> <!-- c"), "\\<b>x\\</b> \\<!-- c");
        assert_eq!(escape_line("* item"), "\\* item");
        assert_eq!(escape_line("> quote"), "\\> quote");
    }

    #[test]
    fn block_starts_are_escaped_only_at_the_start_of_a_line() {
        assert_eq!(escape_line("- item"), "\\- item");
        assert_eq!(escape_line("+ item"), "\\+ item");
        assert_eq!(escape_line("==="), "\\===");
        assert_eq!(escape_line("12. twelve"), "12\\. twelve");
        assert_eq!(escape_line("3) three"), "3\\) three");
        assert_eq!(escape_line("    code"), "code");
        assert_eq!(escape_line("a - b. 4.5"), "a - b. 4.5");
    }

    #[test]
    fn line_breaks_and_paragraphs_are_kept() {
        assert_eq!(
            escape_text("one\ntwo\n\n\n> three\n- four"),
            "one\\\ntwo\n\n\\> three\\\n\\- four"
        );
        assert_eq!(escape_text("\n\n  only  \n\n"), "only");
    }
}
