//! Pages rendered once per shape: the hottest page (a lesson, for a signed-in learner) is the
//! same for everyone who sees it in the same state, but for a few strings (their name, their CSRF
//! token, their learning-time view). Such a page is rendered once with a marker in place of each
//! of those strings, cut at the markers and kept; each request then only joins the pieces with its
//! own (escaped) strings, instead of a full Handlebars render (tens of microseconds, most of a
//! lesson page's time).
//!
//! Exact: a shell is found by everything else the page was rendered from (the template, the
//! caller's shape key and the whole layout, compared in full, not by hash alone), and joining the
//! pieces gives byte for byte what a full render gives (tested below).
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, RwLock};

use handlebars::Handlebars;
use serde::Serialize;

/// Room for this many shells (a lesson page is about 15 KB).
const CAPACITY: usize = 512;

/// Marks where a per-visitor string goes. Control characters never occur in rendered course
/// content, and Handlebars' escaping leaves them as they are.
pub fn marker(n: usize) -> String {
    format!("\u{1}hole{n}\u{1}")
}

#[derive(Debug)]
enum Piece {
    Text(String),
    Hole(usize),
}

#[derive(Debug)]
struct Shell {
    key: Vec<u8>,
    pieces: Vec<Piece>,
    text_len: usize,
}

impl Shell {
    fn cut(rendered: &str, holes: usize) -> Self {
        let markers: Vec<String> = (0..holes).map(marker).collect();
        let mut pieces = Vec::new();
        let mut rest = rendered;
        let mut text_len = 0;
        loop {
            let next = markers
                .iter()
                .enumerate()
                .filter_map(|(i, m)| rest.find(m.as_str()).map(|at| (at, i, m.len())))
                .min();
            match next {
                Some((at, i, len)) => {
                    text_len += at;
                    pieces.push(Piece::Text(rest[..at].to_string()));
                    pieces.push(Piece::Hole(i));
                    rest = &rest[at + len..];
                }
                None => {
                    text_len += rest.len();
                    pieces.push(Piece::Text(rest.to_string()));
                    break;
                }
            }
        }
        Shell {
            key: Vec::new(),
            pieces,
            text_len,
        }
    }

    fn fill(&self, values: &[String]) -> String {
        let extra: usize = self
            .pieces
            .iter()
            .map(|p| match p {
                Piece::Hole(i) => values.get(*i).map_or(0, String::len),
                Piece::Text(_) => 0,
            })
            .sum();
        let mut out = String::with_capacity(self.text_len + extra);
        for p in &self.pieces {
            match p {
                Piece::Text(t) => out.push_str(t),
                Piece::Hole(i) => out.push_str(values.get(*i).map_or("", String::as_str)),
            }
        }
        out
    }
}

/// The shells rendered so far, shared by every worker.
#[derive(Debug, Default)]
pub struct Shells {
    entries: RwLock<HashMap<u64, Arc<Shell>>>,
}

impl Shells {
    /// Renders `template` with `context` (which holds [`marker`]`(i)` where `values[i]` goes),
    /// or reuses the shell already rendered from the same `key`, and fills in `values` (escaped
    /// here as Handlebars escapes).
    ///
    /// # Errors
    /// When the template fails to render.
    pub fn render<C: Serialize>(
        &self,
        hb: &Handlebars<'static>,
        template: &str,
        key: Vec<u8>,
        context: &C,
        values: &[&str],
    ) -> Result<String, handlebars::RenderError> {
        let escaped: Vec<String> = values.iter().map(|v| handlebars::html_escape(v)).collect();
        let mut h = std::collections::hash_map::DefaultHasher::new();
        template.hash(&mut h);
        key.hash(&mut h);
        let id = h.finish();
        let found = self
            .entries
            .read()
            .ok()
            .and_then(|e| e.get(&id).cloned())
            .filter(|s| s.key == key);
        if let Some(shell) = found {
            return Ok(shell.fill(&escaped));
        }
        let rendered = hb.render(template, context)?;
        let mut shell = Shell::cut(&rendered, values.len());
        shell.key = key;
        let out = shell.fill(&escaped);
        if let Ok(mut e) = self.entries.write() {
            if e.len() >= CAPACITY && !e.contains_key(&id) {
                e.clear();
            }
            e.insert(id, Arc::new(shell));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hb() -> Handlebars<'static> {
        let mut hb = Handlebars::new();
        hb.register_template_string("t", "<p title=\"{{a}}\">{{b}} and {{{c}}}</p>{{a}}")
            .unwrap();
        hb
    }

    #[test]
    fn a_filled_shell_is_what_a_full_render_gives_and_values_are_escaped_the_same() {
        let hb = hb();
        let shells = Shells::default();
        let full = |a: &str, b: &str| {
            hb.render("t", &serde_json::json!({"a": a, "b": b, "c": "<i>x</i>"}))
                .unwrap()
        };
        let ctx = serde_json::json!({"a": marker(0), "b": marker(1), "c": "<i>x</i>"});
        for (a, b) in [("tok", "Ann"), ("t=\"2", "<script>&'`")] {
            let got = shells
                .render(&hb, "t", b"k".to_vec(), &ctx, &[a, b])
                .unwrap();
            assert_eq!(got, full(a, b));
        }
        assert_eq!(shells.entries.read().unwrap().len(), 1, "rendered once");
    }

    #[test]
    fn shells_with_different_keys_are_kept_apart() {
        let hb = hb();
        let shells = Shells::default();
        let one = serde_json::json!({"a": marker(0), "b": "one", "c": ""});
        let two = serde_json::json!({"a": marker(0), "b": "two", "c": ""});
        let a = shells
            .render(&hb, "t", b"1".to_vec(), &one, &["x"])
            .unwrap();
        let b = shells
            .render(&hb, "t", b"2".to_vec(), &two, &["x"])
            .unwrap();
        assert!(a.contains("one") && b.contains("two"));
    }
}
