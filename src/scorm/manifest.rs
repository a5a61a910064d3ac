//! `imsmanifest.xml`: IMS Content Packaging 1.1.2 with the ADL SCORM 1.2 extensions and IMS metadata 1.2.1.
use std::fmt::Write as _;

use super::{Export, Module, sco_href};

/// The manifest for the modules being packed, with `shared` (path, bytes) as one asset every SCO depends on.
pub fn render(export: &Export<'_>, modules: &[&Module], shared: &[(String, &[u8])]) -> String {
    let course = export.course;
    let (id, title, description, minutes) = match (export.module, modules.first()) {
        (Some(_), Some(m)) => (
            format!("deepdive-{}-{}", course.slug, m.slug),
            format!("{}: Module {}, {}", course.title, m.number, m.title),
            m.aim.clone(),
            m.estimated_minutes,
        ),
        _ => (
            format!("deepdive-{}", course.slug),
            course.title.clone(),
            course.summary.clone(),
            course.total_minutes(),
        ),
    };
    let mut x = String::with_capacity(8 * 1024);
    x.push_str(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier=""#,
    );
    x.push_str(&esc(&id));
    x.push_str(r#"" version=""#);
    x.push_str(&esc(&course.version));
    x.push_str(r#""
  xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
  xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  xsi:schemaLocation="http://www.imsproject.org/xsd/imscp_rootv1p1p2 imscp_rootv1p1p2.xsd http://www.imsglobal.org/xsd/imsmd_rootv1p2p1 imsmd_rootv1p2p1.xsd http://www.adlnet.org/xsd/adlcp_rootv1p2 adlcp_rootv1p2.xsd">
  <metadata>
    <schema>ADL SCORM</schema>
    <schemaversion>1.2</schemaversion>
"#);
    lom(&mut x, export, &id, &title, &description, minutes, modules);
    x.push_str("  </metadata>\n  <organizations default=\"course\">\n    <organization identifier=\"course\">\n");
    let _ = writeln!(x, "      <title>{}</title>", esc(&title));
    for m in modules {
        let _ = writeln!(
            x,
            "      <item identifier=\"item-{slug}\" identifierref=\"sco-{slug}\" isvisible=\"true\">\n        <title>Module {n}: {title}</title>\n        <adlcp:masteryscore>{pass}</adlcp:masteryscore>\n      </item>",
            slug = esc(&m.slug),
            n = m.number,
            title = esc(&m.title),
            pass = m.quiz.settings.pass_mark,
        );
    }
    x.push_str("    </organization>\n  </organizations>\n  <resources>\n");
    for m in modules {
        let href = esc(&sco_href(m));
        let _ = writeln!(
            x,
            "    <resource identifier=\"sco-{slug}\" type=\"webcontent\" adlcp:scormtype=\"sco\" href=\"{href}\">\n      <file href=\"{href}\"/>\n      <dependency identifierref=\"shared\"/>\n    </resource>",
            slug = esc(&m.slug),
        );
    }
    x.push_str(
        "    <resource identifier=\"shared\" type=\"webcontent\" adlcp:scormtype=\"asset\">\n",
    );
    for (path, _) in shared {
        let _ = writeln!(x, "      <file href=\"{}\"/>", esc(path));
    }
    x.push_str("    </resource>\n  </resources>\n</manifest>\n");
    x
}

/// IMS metadata 1.2.1 (LOM) for the package: title, language, description, keywords, version, format,
/// typical learning time and rights.
fn lom(
    x: &mut String,
    export: &Export<'_>,
    id: &str,
    title: &str,
    description: &str,
    minutes: u32,
    modules: &[&Module],
) {
    let course = export.course;
    let ls = |s: &str| format!("<langstring xml:lang=\"en-GB\">{}</langstring>", esc(s));
    let lomv = |s: &str| format!("<langstring xml:lang=\"x-none\">{}</langstring>", esc(s));
    let _ = writeln!(
        x,
        "    <lom xmlns=\"http://www.imsglobal.org/xsd/imsmd_rootv1p2p1\">\n      <general>\n        <title>{}</title>\n        <catalogentry><catalog>URI</catalog><entry>{}</entry></catalogentry>\n        <language>en-GB</language>\n        <description>{}</description>",
        ls(title),
        lomv(&format!("{}#{id}", export.base_url.trim_end_matches('/'))),
        ls(description),
    );
    for m in modules {
        for t in &m.topics {
            let _ = writeln!(x, "        <keyword>{}</keyword>", ls(&t.title));
        }
    }
    let _ = writeln!(
        x,
        "      </general>\n      <lifecycle>\n        <version>{}</version>\n        <status><source>{}</source><value>{}</value></status>\n      </lifecycle>\n      <metametadata>\n        <metadatascheme>ADL SCORM 1.2</metadatascheme>\n        <language>en-GB</language>\n      </metametadata>\n      <technical>\n        <format>text/html</format>\n      </technical>\n      <educational>\n        <typicallearningtime><datetime>PT{}H{}M</datetime></typicallearningtime>\n        <language>en-GB</language>\n      </educational>\n      <rights>\n        <cost><source>{}</source><value>{}</value></cost>\n        <copyrightandotherrestrictions><source>{}</source><value>{}</value></copyrightandotherrestrictions>\n        <description>{}</description>\n      </rights>\n    </lom>",
        ls(&course.version),
        lomv("LOMv1.0"),
        lomv("final"),
        minutes / 60,
        minutes % 60,
        lomv("LOMv1.0"),
        lomv("no"),
        lomv("LOMv1.0"),
        lomv("yes"),
        ls(
            "Based on the NHS AI Lab Skunkworks \u{201c}AI Deep Dive\u{201d} workshop series. Content may be reused under the Open Government Licence where stated."
        ),
    );
}

/// Escapes text for XML content and attribute values.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Control characters other than tab and newlines are not allowed in XML 1.0.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::esc;

    #[test]
    fn markup_and_quotes_in_course_text_are_escaped() {
        assert_eq!(
            esc("O'Hara <b>&\"x\"\u{1}"),
            "O&apos;Hara &lt;b&gt;&amp;&quot;x&quot;"
        );
    }
}
