//! The course glossary (`glossary.toml`): every acronym and term of art the lessons use, each with a
//! plain definition. Lessons mark the first use of each term on a page with a link to `/glossary`.
use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use toml::Spanned;

use super::loader::{Problem, valid_id};

/// The glossary's file name, beside `course.toml`.
pub const GLOSSARY_FILE: &str = "glossary.toml";
/// A definition is meant to be read in passing: at most this many words.
pub const MAX_DEFINITION_WORDS: usize = 30;

#[derive(Debug, Clone, Serialize)]
pub struct GlossaryTerm {
    /// The anchor on the glossary page (`/glossary#id`).
    pub id: String,
    /// As it is written in the lessons, e.g. "DPIA" or "machine learning".
    pub term: String,
    /// What an acronym stands for, e.g. "data protection impact assessment".
    pub expansion: Option<String>,
    pub definition: String,
    pub url: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Glossary {
    /// In the order of the file.
    pub terms: Vec<GlossaryTerm>,
}

impl Glossary {
    /// The terms in alphabetical order (ignoring case), as the glossary page lists them.
    pub fn alphabetical(&self) -> Vec<&GlossaryTerm> {
        let mut terms: Vec<&GlossaryTerm> = self.terms.iter().collect();
        terms.sort_by_key(|t| {
            t.term
                .chars()
                .skip_while(|c| !c.is_alphanumeric())
                .collect::<String>()
                .to_lowercase()
        });
        terms
    }

    /// Whether an acronym found in a lesson is covered: it is a term, or a word of one ("GDPR" in "UK GDPR").
    pub fn covers_acronym(&self, acronym: &str) -> bool {
        self.terms.iter().any(|t| {
            t.term == acronym
                || t.term
                    .split(|c: char| !c.is_alphanumeric())
                    .any(|w| w == acronym)
        })
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGlossary {
    #[serde(default, rename = "term")]
    terms: Vec<RawTerm>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTerm {
    id: Spanned<String>,
    term: Spanned<String>,
    expansion: Option<Spanned<String>>,
    definition: Spanned<String>,
    url: Option<Spanned<String>>,
}

/// The 1-based line of a byte offset in `text`.
pub(super) fn line_at(text: &str, offset: usize) -> usize {
    text.get(..offset.min(text.len()))
        .unwrap_or(text)
        .matches('\n')
        .count()
        + 1
}

/// Parses and checks the glossary; every problem is pushed with its line.
pub(super) fn parse_glossary(file: &str, text: &str, problems: &mut Vec<Problem>) -> Glossary {
    let mut at = |line: usize, message: String| {
        problems.push(Problem {
            file: file.to_string(),
            line,
            message,
        });
    };
    let raw: RawGlossary = match toml::from_str(text) {
        Ok(raw) => raw,
        Err(e) => {
            let line = e.span().map_or(1, |s| line_at(text, s.start));
            at(line, e.message().replace('\n', " ").trim().to_string());
            return Glossary::default();
        }
    };
    let mut ids = HashSet::new();
    let mut seen_terms = HashSet::new();
    let mut terms = Vec::new();
    for t in raw.terms {
        let line = |s: &Spanned<String>| line_at(text, s.span().start);
        let id = t.id.get_ref();
        if !valid_id(id) {
            at(
                line(&t.id),
                format!(
                    "glossary id '{id}' must be 1-64 lower-case letters, digits or '-' (not at either end)"
                ),
            );
        } else if !ids.insert(id.clone()) {
            at(line(&t.id), format!("glossary id '{id}' is used twice"));
        }
        let term = t.term.get_ref().trim();
        if term.is_empty() {
            at(line(&t.term), "`term` must not be empty".into());
        } else if !seen_terms.insert(term.to_lowercase()) {
            at(
                line(&t.term),
                format!("the term '{term}' is in the glossary twice"),
            );
        }
        if let Some(e) = &t.expansion
            && e.get_ref().trim().is_empty()
        {
            at(
                line(e),
                "`expansion` must not be empty (leave it out instead)".into(),
            );
        }
        let definition = t.definition.get_ref().trim();
        let words = definition.split_whitespace().count();
        if words == 0 {
            at(line(&t.definition), "`definition` must not be empty".into());
        } else if words > MAX_DEFINITION_WORDS {
            at(
                line(&t.definition),
                format!(
                    "the definition of '{term}' has {words} words; keep it to {MAX_DEFINITION_WORDS} or fewer"
                ),
            );
        }
        if let Some(u) = &t.url
            && let Err(why) = check_url(u.get_ref())
        {
            at(line(u), format!("`url` {why}"));
        }
        terms.push(GlossaryTerm {
            id: id.clone(),
            term: term.to_string(),
            expansion: t
                .expansion
                .map(|e| e.into_inner().trim().to_string())
                .filter(|e| !e.is_empty()),
            definition: definition.to_string(),
            url: t.url.map(|u| u.into_inner().trim().to_string()),
        });
    }
    Glossary { terms }
}

/// An absolute `https://` (or `http://`) address with a host name, and nothing a browser would mangle.
pub(super) fn check_url(url: &str) -> Result<(), String> {
    let url = url.trim();
    let Some(rest) = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
    else {
        return Err(format!(
            "'{url}' must be a full web address starting with https://"
        ));
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_ok = host.contains('.')
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'))
        && !host.starts_with(['.', '-'])
        && !host.ends_with(['.', '-']);
    if !host_ok {
        return Err(format!("'{url}' has no valid host name"));
    }
    if url
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '"' | '<' | '>' | '\\'))
    {
        return Err(format!(
            "'{url}' contains spaces or characters that must be percent-encoded"
        ));
    }
    Ok(())
}

/// Whether a word looks like an acronym: two or more capitals, with digits allowed (DPIA, NHS, DCB0129).
/// A plural or possessive "s" is dropped first ("DPIAs").
pub fn acronym_in(word: &str) -> Option<&str> {
    let stem = word.strip_suffix('s').unwrap_or(word);
    let capitals = stem.chars().filter(char::is_ascii_uppercase).count();
    // Roman numerals ("class III") are not acronyms.
    let roman = stem.chars().all(|c| matches!(c, 'I' | 'V' | 'X'));
    // Longer all-capital words are names written in capitals ("LEANSTACK"), not acronyms.
    (capitals >= 2
        && stem.len() <= 8
        && !roman
        && stem
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()))
    .then_some(stem)
}

/// Marks the first use of each glossary term on one page. One marker is used for a whole lesson, so a
/// term marked in the introduction is not marked again in a later block. An acronym's expansion counts
/// as a use too: "data protection impact assessment (DPIA)" marks the words, not the letters.
pub(super) struct TermMarker<'g> {
    glossary: &'g Glossary,
    /// (text to find, whether case matters, term index), longest first, so "UK GDPR" wins over "GDPR".
    needles: Vec<(String, bool, usize)>,
    /// Needle indexes by their first word in lower case: each word of a text is looked up once.
    by_first_word: HashMap<String, Vec<usize>>,
    marked: HashSet<usize>,
}

fn first_word(text: &str) -> &str {
    text.split(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or_default()
}

impl<'g> TermMarker<'g> {
    pub(super) fn new(glossary: &'g Glossary) -> Self {
        let mut needles = Vec::new();
        for (i, t) in glossary.terms.iter().enumerate() {
            // Acronyms match exactly; other terms of art ignore case ("Machine learning" at a sentence start).
            let exact = t
                .term
                .split(|c: char| !c.is_alphanumeric())
                .any(|w| acronym_in(w).is_some());
            if exact {
                needles.push((t.term.clone(), true, i));
            } else {
                needles.push((t.term.to_ascii_lowercase(), false, i));
            }
            if let Some(e) = &t.expansion {
                needles.push((e.to_ascii_lowercase(), false, i));
            }
        }
        needles.sort_by_key(|(n, _, _)| std::cmp::Reverse(n.len()));
        let mut by_first_word: HashMap<String, Vec<usize>> = HashMap::new();
        for (n, (needle, _, _)) in needles.iter().enumerate() {
            let word = first_word(needle);
            // A needle must start with a letter or digit to be found at the start of a word.
            if !word.is_empty() && needle.starts_with(word) {
                by_first_word
                    .entry(word.to_ascii_lowercase())
                    .or_default()
                    .push(n);
            }
        }
        Self {
            glossary,
            needles,
            by_first_word,
            marked: HashSet::new(),
        }
    }

    /// The text as HTML with the first use of each not-yet-marked term marked up, or `None` when
    /// there is nothing to mark (the caller keeps the plain text).
    pub(super) fn mark(&mut self, text: &str) -> Option<String> {
        if self.marked.len() == self.glossary.terms.len() {
            return None;
        }
        let folded = text.to_ascii_lowercase();
        let mut out = String::new();
        let mut pos = 0;
        let mut at = 0;
        let mut previous_alphanumeric = false;
        while let Some(c) = text[at..].chars().next() {
            let word_start = c.is_alphanumeric() && !previous_alphanumeric;
            let mut advance = c.len_utf8();
            previous_alphanumeric = c.is_alphanumeric();
            if word_start && let Some(found) = self.match_at(text, &folded, at) {
                let Found {
                    term_end,
                    end,
                    term: i,
                    already_marked,
                } = found;
                advance = end - at;
                previous_alphanumeric = text[..end]
                    .chars()
                    .next_back()
                    .is_some_and(char::is_alphanumeric);
                if already_marked {
                    // A longer term marked earlier ("NHS England") is skipped whole, so no shorter
                    // term inside it ("NHS") is marked there.
                    at += advance;
                    continue;
                }
                let t = &self.glossary.terms[i];
                out.push_str(&escape_html(&text[pos..at]));
                // A plural "s" stays inside the link ("hallucinations", "DPIAs").
                let plural = escape_html(&text[term_end..end]);
                let definition = escape_html(&t.definition);
                match &t.expansion {
                    Some(expansion) if text[at..term_end] == t.term => out.push_str(&format!(
                        "<a href=\"/glossary#{}\" title=\"{definition}\"><abbr title=\"{}\">{}</abbr>{plural}</a>",
                        t.id,
                        escape_html(expansion),
                        escape_html(&text[at..term_end])
                    )),
                    _ => out.push_str(&format!(
                        "<a href=\"/glossary#{}\" title=\"{definition}\">{}</a>",
                        t.id,
                        escape_html(&text[at..end])
                    )),
                }
                self.marked.insert(i);
                pos = end;
            }
            at += advance;
        }
        if pos == 0 {
            return None;
        }
        out.push_str(&escape_html(&text[pos..]));
        Some(out)
    }

    /// The longest term that starts at byte `at` (the start of a word) and ends at a word boundary
    /// (a plural "s" may follow). When that longest term was marked already, it is returned as such
    /// so that the caller skips it rather than marking a shorter term inside it.
    fn match_at(&self, text: &str, folded: &str, at: usize) -> Option<Found> {
        let word = first_word(&folded[at..]);
        // "DPIAs" is looked up as "dpias" and as "dpia".
        let candidates = [Some(word), word.strip_suffix('s')]
            .into_iter()
            .flatten()
            .filter_map(|w| self.by_first_word.get(w))
            .flatten();
        let mut best: Option<Found> = None;
        for &n in candidates {
            let (needle, exact, i) = &self.needles[n];
            let hay = if *exact { text } else { folded };
            if !hay[at..].starts_with(needle.as_str()) {
                continue;
            }
            let term_end = at + needle.len();
            let after = &hay[term_end..];
            let end = match after.chars().next() {
                None => term_end,
                Some('s')
                    if after[1..]
                        .chars()
                        .next()
                        .is_none_or(|c| !c.is_alphanumeric()) =>
                {
                    term_end + 1
                }
                Some(c) if !c.is_alphanumeric() => term_end,
                Some(_) => continue,
            };
            let already_marked = self.marked.contains(i);
            let better = match &best {
                None => true,
                Some(b) => {
                    term_end > b.term_end
                        || (term_end == b.term_end && b.already_marked && !already_marked)
                }
            };
            if better {
                best = Some(Found {
                    term_end,
                    end,
                    term: *i,
                    already_marked,
                });
            }
        }
        best
    }
}

/// A glossary term found in running text.
struct Found {
    /// Where the term itself ends.
    term_end: usize,
    /// Where the marked span ends (after a plural "s").
    end: usize,
    /// The term's index in the glossary.
    term: usize,
    already_marked: bool,
}

pub(super) fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn glossary(text: &str) -> (Glossary, Vec<String>) {
        let mut problems = Vec::new();
        let g = parse_glossary("glossary.toml", text, &mut problems);
        (g, problems.iter().map(ToString::to_string).collect())
    }

    pub(crate) const TWO: &str = "[[term]]\nid = \"dpia\"\nterm = \"DPIA\"\nexpansion = \"data protection impact assessment\"\ndefinition = \"A check of the risks to people's data.\"\n\n[[term]]\nid = \"machine-learning\"\nterm = \"machine learning\"\ndefinition = \"Computers learning patterns from examples.\"\nurl = \"https://example.org/ml\"\n";

    #[test]
    fn a_valid_glossary_parses_in_file_order() {
        let (g, problems) = glossary(TWO);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(g.terms.len(), 2);
        assert_eq!(
            g.terms[0].expansion.as_deref(),
            Some("data protection impact assessment")
        );
        assert_eq!(g.alphabetical()[0].id, "dpia");
    }

    #[test]
    fn duplicates_long_definitions_and_bad_urls_are_reported_on_their_lines() {
        let long = "word ".repeat(31);
        let text = format!(
            "[[term]]\nid = \"a\"\nterm = \"AB\"\ndefinition = \"x\"\n[[term]]\nid = \"a\"\nterm = \"ab\"\ndefinition = \"{long}\"\nurl = \"ftp://x\"\n"
        );
        let (_, problems) = glossary(&text);
        assert!(
            problems
                .iter()
                .any(|p| p.starts_with("glossary.toml:6:") && p.contains("used twice")),
            "{problems:?}"
        );
        assert!(
            problems
                .iter()
                .any(|p| p.starts_with("glossary.toml:7:") && p.contains("twice")),
            "{problems:?}"
        );
        assert!(
            problems
                .iter()
                .any(|p| p.starts_with("glossary.toml:8:") && p.contains("31 words")),
            "{problems:?}"
        );
        assert!(
            problems
                .iter()
                .any(|p| p.starts_with("glossary.toml:9:") && p.contains("https://")),
            "{problems:?}"
        );
    }

    #[test]
    fn an_unknown_field_is_reported_on_its_line() {
        let (_, problems) =
            glossary("[[term]]\nid = \"a\"\nterm = \"AB\"\ndefinition = \"x\"\nsee_also = \"b\"\n");
        assert!(
            problems
                .iter()
                .any(|p| p.starts_with("glossary.toml:5:") && p.contains("see_also")),
            "{problems:?}"
        );
    }

    #[test]
    fn urls_need_a_scheme_and_a_host_and_no_spaces() {
        assert!(check_url("https://www.nice.org.uk/corporate/ecd7").is_ok());
        assert!(check_url("www.nice.org.uk").is_err());
        assert!(check_url("https://").is_err());
        assert!(check_url("https://nice").is_err());
        assert!(check_url("https://a.b/c d").is_err());
        assert!(check_url("javascript:alert(1)").is_err());
    }

    #[test]
    fn acronyms_are_two_or_more_capitals_with_digits_allowed() {
        assert_eq!(acronym_in("DPIA"), Some("DPIA"));
        assert_eq!(acronym_in("DPIAs"), Some("DPIA"));
        assert_eq!(acronym_in("DCB0129"), Some("DCB0129"));
        assert_eq!(acronym_in("NHS"), Some("NHS"));
        assert_eq!(acronym_in("A"), None);
        assert_eq!(acronym_in("Trust"), None);
        assert_eq!(acronym_in("22A"), None);
        assert_eq!(acronym_in("2026"), None);
        assert_eq!(acronym_in("III"), None);
    }

    #[test]
    fn only_the_first_whole_word_use_of_each_term_is_marked() {
        let (g, _) = glossary(TWO);
        let mut m = TermMarker::new(&g);
        let html = m
            .mark("Do a DPIA before machine learning; DPIAs <matter>.")
            .expect("marked");
        assert_eq!(
            html,
            "Do a <a href=\"/glossary#dpia\" title=\"A check of the risks to people&#39;s data.\"><abbr title=\"data protection impact assessment\">DPIA</abbr></a> before <a href=\"/glossary#machine-learning\" title=\"Computers learning patterns from examples.\">machine learning</a>; DPIAs &lt;matter&gt;."
        );
        assert_eq!(m.mark("Another DPIA and Machine learning."), None);
        // A plural "s" is part of the marked word.
        let mut m = TermMarker::new(&g);
        let html = m.mark("Two DPIAs.").expect("marked");
        assert!(
            html.contains("<abbr title=\"data protection impact assessment\">DPIA</abbr>s</a>."),
            "{html}"
        );
        let mut m = TermMarker::new(&g);
        assert_eq!(m.mark("XDPIA and DPIAX and dpia"), None);
        assert!(
            m.mark("Machine learning, then")
                .is_some_and(|h| h.contains(">Machine learning</a>"))
        );
    }

    #[test]
    fn a_shorter_term_is_not_marked_inside_a_longer_term_marked_before() {
        let (g, _) = glossary(
            "[[term]]\nid = \"nhs\"\nterm = \"NHS\"\nexpansion = \"National Health Service\"\ndefinition = \"The health service.\"\n\n[[term]]\nid = \"nhs-england\"\nterm = \"NHS England\"\ndefinition = \"The body that leads the NHS.\"\n\n[[term]]\nid = \"hallucination\"\nterm = \"hallucination\"\ndefinition = \"Made-up output.\"\n",
        );
        let mut m = TermMarker::new(&g);
        let first = m.mark("NHS England said so.").expect("marked");
        assert!(first.contains(">NHS England</a>"), "{first}");
        assert_eq!(m.mark("Later NHS England again."), None);
        let html = m.mark("The NHS and hallucinations.").expect("marked");
        assert!(
            html.contains("<abbr title=\"National Health Service\">NHS</abbr></a>"),
            "{html}"
        );
        assert!(html.contains(">hallucinations</a>."), "{html}");
    }

    #[test]
    fn an_acronyms_expansion_counts_as_its_first_use() {
        let (g, _) = glossary(TWO);
        let mut m = TermMarker::new(&g);
        let html = m
            .mark("A Data protection impact assessment (DPIA) comes first.")
            .expect("marked");
        assert!(html.contains("<a href=\"/glossary#dpia\" title=\"A check of the risks to people&#39;s data.\">Data protection impact assessment</a> (DPIA)"), "{html}");
    }
}
