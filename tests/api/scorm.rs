//! The SCORM 1.2 export: the package's manifest against the SCORM 1.2 schemas (xmllint), the package played in
//! headless Chromium inside a real SCORM 1.2 runtime (scorm-again, pinned in tests/scorm), and the command's
//! and the admin download's refusals.
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tempfile::TempDir;

use crate::helpers::*;

const MODULE: &str = "ai-fundamentals";

/// The schemas' sha256 as published with them (../shared/standards/scorm-1.2/README.md, assets/README.md).
const SCHEMA_SHA256: &[(&str, &str)] = &[
    (
        "adlcp_rootv1p2.xsd",
        "a87f8ad328bb61c435b2a1ef3948cc0b3a4bc3ad1b0145b3733acfde70957b7e",
    ),
    (
        "ims_xml.xsd",
        "eff7762a7dfbe6aea40c5186a3c78b2478cb99a882b911ec25898789829cc083",
    ),
    (
        "imscp_rootv1p1p2.xsd",
        "e26020ee1d6b4ea0a6adf76b419cdc76061b64dfcb5be0596636760e31d4e7e8",
    ),
    (
        "imsmd_rootv1p2p1.xsd",
        "f0d373c4a40217cd7e252d4f523363dc89096ddde5f4daed325feaab47837e3c",
    ),
];

/// One schema that imports the three namespaces of a SCORM 1.2 manifest, so `xmllint --schema` checks the
/// `adlcp:` and metadata elements too (the manifest's strict wildcards demand their declarations).
const ALL_SCHEMAS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema">
  <xsd:import namespace="http://www.imsproject.org/xsd/imscp_rootv1p1p2" schemaLocation="imscp_rootv1p1p2.xsd"/>
  <xsd:import namespace="http://www.adlnet.org/xsd/adlcp_rootv1p2" schemaLocation="adlcp_rootv1p2.xsd"/>
  <xsd:import namespace="http://www.imsglobal.org/xsd/imsmd_rootv1p2p1" schemaLocation="imsmd_rootv1p2p1.xsd"/>
</xsd:schema>
"#;

fn deepdive() -> Command {
    Command::new(env!("CARGO_BIN_EXE_deepdive"))
}

/// True when an outside tool is there. Otherwise the test fails under `DEEPDIVE_REQUIRE_EXTERNAL=1` (CI), and
/// elsewhere prints one line saying what to install and is skipped.
fn have(present: bool, what: &str) -> bool {
    if present {
        return true;
    }
    let required = std::env::var("DEEPDIVE_REQUIRE_EXTERNAL").is_ok_and(|v| v == "1");
    assert!(
        !required,
        "{what} is missing and DEEPDIVE_REQUIRE_EXTERNAL=1 (run .ci/install-scorm.sh)"
    );
    eprintln!("skipped: this test needs {what} (run .ci/install-scorm.sh)");
    false
}

fn on_path(bin: &str) -> bool {
    Command::new(bin)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

/// Runs `deepdive export-scorm --out DIR/package.zip ARGS` on `course`.
fn export(course: &Path, args: &[&str]) -> (TempDir, PathBuf, Output) {
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("package.zip");
    let out = deepdive()
        .arg("export-scorm")
        .arg("--out")
        .arg(&zip)
        .args(args)
        .env("DEEPDIVE_COURSE_DIR", course)
        .env("DEEPDIVE_DATA_DIR", dir.path())
        .env("DEEPDIVE_BASE_URL", "https://learn.example.nhs.uk")
        .output()
        .unwrap();
    (dir, zip, out)
}

/// Unpacks the zip into `into`; returns the file names in it.
fn unzip(bytes: &[u8], into: &Path) -> Vec<String> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut names = Vec::new();
    for i in 0..archive.len() {
        let mut f = archive.by_index(i).unwrap();
        let name = f.enclosed_name().unwrap();
        let path = into.join(&name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let mut out = std::fs::File::create(&path).unwrap();
        std::io::copy(&mut f, &mut out).unwrap();
        names.push(name.to_string_lossy().replace('\\', "/"));
    }
    names
}

fn xmllint(dir: &Path, manifest: &str) -> Output {
    std::fs::write(dir.join("all-scorm12.xsd"), ALL_SCHEMAS).unwrap();
    Command::new("xmllint")
        .args(["--noout", "--schema", "all-scorm12.xsd", manifest])
        .current_dir(dir)
        .output()
        .unwrap()
}

fn attr_values<'a>(xml: &'a str, attr: &str) -> Vec<&'a str> {
    let needle = format!("{attr}=\"");
    xml.match_indices(&needle)
        .filter_map(|(i, _)| {
            let rest = &xml[i + needle.len()..];
            rest.find('"').map(|end| &rest[..end])
        })
        .collect()
}

/// Whether any tag carries an `on…=` attribute.
fn has_event_handler(html: &str) -> bool {
    html.match_indices(" on").any(|(i, _)| {
        let inside_tag = html[..i].rfind('<') > html[..i].rfind('>');
        let name: String = html[i + 1..]
            .chars()
            .take_while(|c| c.is_ascii_lowercase())
            .collect();
        inside_tag && name.len() > 2 && html[i + 1 + name.len()..].starts_with('=')
    })
}

#[test]
fn export_scorm_writes_a_package_whose_manifest_the_scorm_1_2_schemas_accept() {
    // Arrange and act
    let (_dir, zip, out) = export(&course_dir(), &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("5 module(s)"));
    let pkg = tempfile::tempdir().unwrap();
    let names = unzip(&std::fs::read(&zip).unwrap(), pkg.path());

    // Assert: the schemas ship verbatim at the root, and the manifest lists one SCO per module
    for (name, sha) in SCHEMA_SHA256 {
        let bytes = std::fs::read(pkg.path().join(name)).unwrap();
        assert_eq!(
            format!("{:x}", Sha256::digest(&bytes)),
            *sha,
            "{name} is the published schema"
        );
    }
    let manifest = std::fs::read_to_string(pkg.path().join("imsmanifest.xml")).unwrap();
    let course = deepdive::course::load_course(&course_dir()).unwrap();
    assert_eq!(manifest.matches("adlcp:scormtype=\"sco\"").count(), 5);
    assert!(manifest.contains("<schemaversion>1.2</schemaversion>"));
    for m in &course.modules {
        assert!(manifest.contains(&format!("href=\"{}/index.html\"", m.slug)));
        assert!(manifest.contains(&format!(
            "<adlcp:masteryscore>{}</adlcp:masteryscore>",
            m.quiz.settings.pass_mark
        )));
    }
    // Every file the manifest names is in the package, and every file in it (but the control files) is named.
    let listed = attr_values(&manifest, "file href");
    for f in &listed {
        assert!(names.iter().any(|n| n == f), "{f} is listed but missing");
    }
    for n in &names {
        assert!(
            n == "imsmanifest.xml" || n.ends_with(".xsd") || listed.contains(&n.as_str()),
            "{n} is in the package but not in the manifest"
        );
    }
    // The lessons are the server's own rendered HTML; the pages load nothing from the network.
    let page = std::fs::read_to_string(pkg.path().join(MODULE).join("index.html")).unwrap();
    for lesson in &course.module(MODULE).unwrap().lessons {
        assert!(page.contains(&lesson.html), "lesson {}", lesson.slug);
    }
    for tag in ["<script", "<link", "<img", "<iframe"] {
        for (i, _) in page.match_indices(tag) {
            let end = page[i..].find('>').unwrap();
            let element = &page[i..i + end];
            assert!(
                !element.contains("http:")
                    && !element.contains("https:")
                    && !element.contains("//"),
                "{element} loads from the network"
            );
        }
    }
    assert!(!has_event_handler(&page), "no inline event handlers");
    assert_eq!(
        page.matches("<script").count(),
        2,
        "one script file and the quiz data"
    );
    assert!(page.contains("<script type=\"application/json\" id=\"dd-quiz-data\">"));

    // xmllint against the SCORM 1.2 schemas, with a negative control that must fail
    if !have(on_path("xmllint"), "xmllint (Debian's libxml2-utils)") {
        return;
    }
    let ok = xmllint(pkg.path(), "imsmanifest.xml");
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let broken = manifest.replacen("adlcp:scormtype=\"sco\"", "adlcp:scormtype=\"lesson\"", 1);
    std::fs::write(pkg.path().join("broken.xml"), broken).unwrap();
    let bad = xmllint(pkg.path(), "broken.xml");
    assert!(
        !bad.status.success(),
        "the schemas must reject a resource type that SCORM 1.2 does not have"
    );
}

#[test]
fn export_scorm_of_one_module_packs_that_module_alone() {
    let (_dir, zip, out) = export(&course_dir(), &["--module", MODULE]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pkg = tempfile::tempdir().unwrap();
    let names = unzip(&std::fs::read(&zip).unwrap(), pkg.path());
    let pages: Vec<_> = names.iter().filter(|n| n.ends_with("index.html")).collect();
    assert_eq!(pages, vec![&format!("{MODULE}/index.html")]);
    let manifest = std::fs::read_to_string(pkg.path().join("imsmanifest.xml")).unwrap();
    assert_eq!(manifest.matches("adlcp:scormtype=\"sco\"").count(), 1);
    if have(on_path("xmllint"), "xmllint (Debian's libxml2-utils)") {
        let ok = xmllint(pkg.path(), "imsmanifest.xml");
        assert!(
            ok.status.success(),
            "{}",
            String::from_utf8_lossy(&ok.stderr)
        );
    }
}

#[test]
fn export_scorm_of_an_invalid_course_fails_with_the_course_errors_and_writes_nothing() {
    let course = copy_course();
    std::fs::write(
        course.path().join("course.toml"),
        "slug = \"x\"\ntitle = 3\n",
    )
    .unwrap();
    let (_dir, zip, out) = export(course.path(), &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("course.toml:2:"), "{err}");
    assert!(err.contains("no package was written"), "{err}");
    assert!(!zip.exists());
}

#[test]
fn export_scorm_of_an_unknown_module_fails_and_names_the_modules() {
    let (_dir, zip, out) = export(&course_dir(), &["--module", "no-such-module"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no-such-module") && err.contains(MODULE),
        "{err}"
    );
    assert!(!zip.exists());
}

#[tokio::test]
async fn a_platform_admin_downloads_the_package_from_the_admin_page_and_the_export_is_audited() {
    let app = spawn_app().await;
    let admin = app.other_browser();
    let email = admin.new_learner().await;
    assert_eq!(
        admin.get("/admin/scorm.zip").await.status(),
        StatusCode::NOT_FOUND,
        "a learner cannot download it"
    );
    app.make_platform_admin(&email).await;
    let page = admin.get_html("/admin").await;
    assert!(page.contains("href=\"/admin/scorm.zip\""));
    assert!(page.contains(&format!("href=\"/admin/scorm.zip?module={MODULE}\"")));

    let r = admin
        .get(&format!("/admin/scorm.zip?module={MODULE}"))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/zip");
    let disposition = r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        disposition.starts_with("attachment;") && disposition.contains(MODULE),
        "{disposition}"
    );
    let pkg = tempfile::tempdir().unwrap();
    let names = unzip(&r.bytes().await.unwrap(), pkg.path());
    assert!(names.contains(&format!("{MODULE}/index.html")));
    assert!(names.contains(&"imsmanifest.xml".to_string()));

    assert_eq!(
        admin.get("/admin/scorm.zip?module=nope").await.status(),
        StatusCode::NOT_FOUND
    );
    let audit = admin.get_html("/admin/audit").await;
    assert!(
        audit.contains("SCORM package downloaded"),
        "the download is audited: {audit}"
    );
}

// ---- Playing the package in a real SCORM 1.2 runtime --------------------------------------------

/// What the loopback "LMS" keeps: every commit the runtime posted.
#[derive(Default)]
struct Lms {
    commits: Mutex<Vec<Value>>,
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next() {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("xml" | "xsd") => "application/xml",
        _ => "application/octet-stream",
    }
}

/// Serves `/pkg/...` from the unpacked package, the harness and scorm-again from tests/scorm, takes commits
/// at `/commit` and gives the last one back at `/state.json` (as an LMS restores a returning learner).
async fn serve_lms(pkg: PathBuf, lms: Arc<Lms>) -> u16 {
    use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
    let scorm_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scorm");
    let handler = move |req: HttpRequest, body: web::Bytes, lms: web::Data<Lms>| {
        let pkg = pkg.clone();
        let scorm_dir = scorm_dir.clone();
        async move {
            let path = req.path().to_string();
            if req.method() == actix_web::http::Method::POST && path == "/commit" {
                let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                lms.commits.lock().unwrap().push(v);
                return HttpResponse::Ok().json(json!({"result": true, "errorCode": 0}));
            }
            if path == "/state.json" {
                let last = lms.commits.lock().unwrap().last().cloned();
                return HttpResponse::Ok().json(last.unwrap_or_else(|| json!({})));
            }
            let file = match path.as_str() {
                "/harness.html" => Some(scorm_dir.join("harness.html")),
                "/harness.js" => Some(scorm_dir.join("harness.js")),
                "/scorm-again/scorm12.js" => {
                    Some(scorm_dir.join("node_modules/scorm-again/dist/scorm12.js"))
                }
                p => p
                    .strip_prefix("/pkg/")
                    .filter(|rest| !rest.split('/').any(|s| s == ".." || s.is_empty()))
                    .map(|rest| pkg.join(rest)),
            };
            match file.and_then(|f| std::fs::read(&f).ok()) {
                Some(bytes) => HttpResponse::Ok()
                    .content_type(content_type(&path))
                    .body(bytes),
                None => HttpResponse::NotFound().finish(),
            }
        }
    };
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let data = web::Data::from(lms);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .default_service(web::to(handler.clone()))
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run();
    tokio::spawn(server);
    port
}

struct Chromium {
    client: Client,
    driver: std::process::Child,
    _profile: TempDir,
}

impl Drop for Chromium {
    /// Stops chromedriver, and the Chromium it started with this test's own profile folder, which would
    /// outlive chromedriver if a failed assertion skipped closing the session.
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let marker = format!("--user-data-dir={}", self._profile.path().display());
        for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
            let pid = entry.file_name().to_string_lossy().to_string();
            let is_ours = pid.chars().all(|c| c.is_ascii_digit())
                && std::fs::read(entry.path().join("cmdline"))
                    .is_ok_and(|cmd| cmd.split(|b| *b == 0).any(|arg| arg == marker.as_bytes()));
            if is_ours {
                let _ = Command::new("kill").args(["-9", &pid]).status();
            }
        }
    }
}

async fn chromium() -> Chromium {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let driver = Command::new("/usr/bin/chromedriver")
        .arg(format!("--port={port}"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let profile = tempfile::tempdir().unwrap();
    let caps: serde_json::Map<String, Value> = serde_json::from_value(json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                "--window-size=1280,900", format!("--user-data-dir={}", profile.path().display()),
            ],
        },
    }))
    .unwrap();
    let started = Instant::now();
    let client = loop {
        match ClientBuilder::rustls()
            .unwrap()
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(c) => break c,
            // chromedriver takes a moment to listen.
            Err(_) if started.elapsed() < Duration::from_secs(30) => {
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => panic!("cannot start Chromium through chromedriver: {e}"),
        }
    };
    Chromium {
        client,
        driver,
        _profile: profile,
    }
}

/// Opens the harness with the module's SCO in its frame (`extra`: more query parameters) and switches into
/// the frame.
async fn open_in_player(c: &Client, port: u16, extra: &str) {
    c.goto(&format!(
        "http://127.0.0.1:{port}/harness.html?sco=/pkg/{MODULE}/index.html{extra}"
    ))
    .await
    .unwrap();
    let frame = c.wait().for_element(Locator::Id("sco")).await.unwrap();
    frame.enter_frame().await.unwrap();
    c.wait()
        .for_element(Locator::Css("#dd-sco-status[data-scorm=\"connected\"]"))
        .await
        .expect("the SCO finds the SCORM API");
}

/// Answers every drawn question, rightly or wrongly, and submits.
async fn answer_quiz(c: &Client, module: &deepdive::course::Module, right: bool) {
    let blocks = c
        .wait()
        .for_element(Locator::Css("#dd-quiz-form"))
        .await
        .unwrap()
        .find_all(Locator::Css(".dd-quiz-question"))
        .await
        .unwrap();
    assert_eq!(
        blocks.len(),
        module
            .quiz
            .settings
            .questions_per_attempt
            .min(module.quiz.questions.len())
    );
    for b in blocks {
        let id = b.attr("id").await.unwrap().unwrap();
        let q = module
            .quiz
            .question(id.strip_prefix("question-").unwrap())
            .unwrap();
        for (field, value) in answers_for(q, right) {
            let control = b
                .find(Locator::Css(&format!("[name=\"{field}\"]")))
                .await
                .unwrap();
            if control.tag_name().await.unwrap() == "select" {
                control.select_by_value(&value).await.unwrap();
            } else {
                b.find(Locator::Css(&format!(
                    "input[name=\"{field}\"][value=\"{value}\"]"
                )))
                .await
                .unwrap()
                .click()
                .await
                .unwrap();
            }
        }
    }
    c.find(Locator::Css("#dd-quiz-form button[type=\"submit\"]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// Marks each lesson complete in turn, as a learner does, each from its own step.
async fn read_every_lesson(c: &Client, module: &deepdive::course::Module) {
    for lesson in &module.lessons {
        let button = c
            .wait()
            .for_element(Locator::Css(&format!(
                "button[data-complete=\"{}\"]",
                lesson.slug
            )))
            .await
            .unwrap();
        assert!(button.is_displayed().await.unwrap(), "{}", lesson.slug);
        button.click().await.unwrap();
    }
}

async fn api_values(c: &Client) -> BTreeMap<String, String> {
    c.enter_parent_frame().await.unwrap();
    let v = c
        .execute(
            "var g = function (k) { return String(window.API.LMSGetValue(k)); };
             return { status: g('cmi.core.lesson_status'), raw: g('cmi.core.score.raw'),
                      min: g('cmi.core.score.min'), max: g('cmi.core.score.max'),
                      location: g('cmi.core.lesson_location'), suspend: g('cmi.suspend_data') };",
            vec![],
        )
        .await
        .unwrap();
    serde_json::from_value(v).unwrap()
}

fn core<'a>(commit: &'a Value, key: &str) -> &'a str {
    commit["cmi"]["core"][key].as_str().unwrap_or("")
}

#[tokio::test]
async fn the_package_plays_to_passed_in_a_scorm_1_2_runtime_which_stores_the_score_and_resumes() {
    // Arrange: the tools, the package unpacked, the loopback LMS, Chromium
    let runtime = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/scorm/node_modules/scorm-again/dist/scorm12.js");
    if !have(
        runtime.exists(),
        "scorm-again (`npm ci` in tests/scorm, Node.js and npm)",
    ) || !have(
        Path::new("/usr/bin/chromium").exists() && Path::new("/usr/bin/chromedriver").exists(),
        "Chromium and ChromeDriver (Debian's chromium and chromium-driver)",
    ) {
        return;
    }
    let course = deepdive::course::load_course(&course_dir()).unwrap();
    let module = course.module(MODULE).unwrap();
    let (_dir, zip, out) = export(&course_dir(), &["--module", MODULE]);
    assert!(out.status.success());
    let pkg = tempfile::tempdir().unwrap();
    unzip(&std::fs::read(&zip).unwrap(), pkg.path());
    let lms = Arc::new(Lms::default());
    let port = serve_lms(pkg.path().to_path_buf(), lms.clone()).await;
    let browser = chromium().await;
    let c = &browser.client;

    // Act 1: read every lesson, then fail the quiz once
    open_in_player(c, port, "").await;
    read_every_lesson(c, module).await;
    answer_quiz(c, module, false).await;
    let result = c
        .wait()
        .for_element(Locator::Id("dd-quiz-result"))
        .await
        .unwrap();
    assert_eq!(
        result.attr("data-passed").await.unwrap().as_deref(),
        Some("false")
    );
    let failed = api_values(c).await;
    assert_eq!(failed["status"], "failed");

    // Act 2: try again and pass
    c.enter_frame(0).await.unwrap();
    c.find(Locator::Id("dd-quiz-again"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    answer_quiz(c, module, true).await;
    let result = c
        .wait()
        .for_element(Locator::Id("dd-quiz-result"))
        .await
        .unwrap();
    assert_eq!(
        result.attr("data-passed").await.unwrap().as_deref(),
        Some("true")
    );
    assert_eq!(
        result.attr("data-score").await.unwrap().as_deref(),
        Some("100")
    );
    let resources = c
        .execute(
            "return performance.getEntriesByType('resource').map(function (e) { return e.name; });",
            vec![],
        )
        .await
        .unwrap();
    for r in resources.as_array().unwrap() {
        assert!(
            r.as_str()
                .unwrap()
                .starts_with(&format!("http://127.0.0.1:{port}/pkg/")),
            "the SCO loads only the package's own files: {r}"
        );
    }

    // Assert: what the runtime holds
    let v = api_values(c).await;
    assert_eq!(v["status"], "passed");
    assert_eq!(
        (v["raw"].as_str(), v["min"].as_str(), v["max"].as_str()),
        ("100", "0", "100")
    );
    assert_eq!(v["location"], "quiz");
    let suspend: Value = serde_json::from_str(&v["suspend"]).unwrap();
    assert_eq!(suspend["passed"], true);
    assert_eq!(suspend["tries"], 2);
    assert_eq!(
        suspend["done"].as_array().unwrap().len(),
        module.lessons.len()
    );
    assert!(
        v["suspend"].len() < 4096,
        "SCORM 1.2 keeps 4,096 characters"
    );

    // Act 3: the learner closes the module: LMSFinish, and the runtime's final commit reaches the LMS
    let before = lms.commits.lock().unwrap().len();
    c.execute(
        "document.getElementById('sco').remove(); return true;",
        vec![],
    )
    .await
    .unwrap();
    let started = Instant::now();
    let last = loop {
        let found = lms
            .commits
            .lock()
            .unwrap()
            .get(before..)
            .and_then(|new| new.last().cloned());
        match found {
            Some(v) => break v,
            None if started.elapsed() < Duration::from_secs(20) => {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            None => panic!(
                "no commit after LMSFinish; commits: {:?}",
                lms.commits.lock().unwrap()
            ),
        }
    };
    let terminated = c
        .execute("return window.API.isTerminated();", vec![])
        .await
        .unwrap();
    assert_eq!(terminated, json!(true), "the SCO called LMSFinish");
    assert_eq!(core(&last, "lesson_status"), "passed");
    assert_eq!(last["cmi"]["core"]["score"]["raw"], "100");
    let session = core(&last, "session_time");
    let parts: Vec<&str> = session.split(':').collect();
    assert!(
        parts.len() == 3 && (2..=4).contains(&parts[0].len()) && parts[1].len() == 2,
        "CMITimespan HHHH:MM:SS.SS: {session}"
    );

    // Act 4: the learner comes back: the LMS restores what it stored, and the SCO resumes from it
    open_in_player(c, port, "").await;
    let tag = c
        .wait()
        .for_element(Locator::Css("[data-quiz-tag]"))
        .await
        .unwrap();
    assert_eq!(tag.text().await.unwrap(), "Passed");
    for lesson in &module.lessons {
        let t = c
            .find(Locator::Css(&format!(
                "[data-lesson-tag=\"{}\"]",
                lesson.slug
            )))
            .await
            .unwrap();
        assert_eq!(t.text().await.unwrap(), "Completed", "{}", lesson.slug);
    }
    let best = c.find(Locator::Css(".dd-sco-best")).await.unwrap();
    assert!(best.text().await.unwrap().contains("100%"));
    assert_eq!(api_values(c).await["status"], "passed");

    // A launch for no credit reports `completed`, not a pass, once every lesson is read and the quiz taken
    open_in_player(c, port, "&fresh=1&credit=no-credit").await;
    read_every_lesson(c, module).await;
    answer_quiz(c, module, true).await;
    c.wait()
        .for_element(Locator::Id("dd-quiz-result"))
        .await
        .unwrap();
    assert_eq!(api_values(c).await["status"], "completed");

    // And outside any LMS the page still plays and says that nothing is recorded
    c.goto(&format!("http://127.0.0.1:{port}/pkg/{MODULE}/index.html"))
        .await
        .unwrap();
    let status = c
        .wait()
        .for_element(Locator::Css("#dd-sco-status[data-scorm=\"none\"]"))
        .await
        .unwrap();
    assert!(status.text().await.unwrap().contains("not being recorded"));
    let first = c
        .find(Locator::Css(&format!("#lesson-{}", module.lessons[0].slug)))
        .await
        .unwrap();
    assert!(first.is_displayed().await.unwrap());
    let _ = browser.client.clone().close().await;
}

#[test]
fn export_scorm_has_help_that_names_its_options() {
    let out = deepdive()
        .args(["export-scorm", "--help"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(
        help.contains("--out") && help.contains("--module"),
        "{help}"
    );
}
