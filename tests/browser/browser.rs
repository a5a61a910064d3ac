//! A headless Chromium driven over WebDriver (Debian's chromedriver), with the checks every page
//! state gets: title and language, axe-core (WCAG 2.2 AA), reflow at 320 px, and screenshots.
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::elements::Element;
use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use tempfile::TempDir;

use crate::helpers::TestApp;

/// Debian's packages; `DEEPDIVE_CHROMEDRIVER` and `DEEPDIVE_CHROMIUM` point elsewhere.
fn chromedriver() -> String {
    std::env::var("DEEPDIVE_CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into())
}

fn chromium() -> String {
    std::env::var("DEEPDIVE_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into())
}
pub const SKIP_VAR: &str = "DEEPDIVE_SKIP_BROWSER_TESTS";
/// Set by CI: a missing browser fails the tests instead of skipping them.
pub const REQUIRE_VAR: &str = "DEEPDIVE_REQUIRE_BROWSER";

/// The axe-core rule tags the pages must pass (WCAG 2.0, 2.1 and 2.2, levels A and AA).
pub const AXE_TAGS: &[&str] = &["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];

/// Desktop and phone widths for screenshots; the reflow check uses 320 px (WCAG 1.4.10).
const DESKTOP: u32 = 1280;
const PHONE: u32 = 390;
const REFLOW: u32 = 320;
const HEIGHT: u32 = 900;

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Js {
    On,
    Off,
}

pub struct Browser {
    pub client: Client,
    pub base: String,
    pub js: Js,
    /// Prefix for screenshot file names, so two journeys do not overwrite each other's.
    pub label: &'static str,
    driver: Child,
    driver_port: u16,
    session: Option<String>,
    /// What the page-state checks found; the journey goes on and `quit` fails with all of them.
    problems: std::sync::Mutex<Vec<String>>,
    _profile: TempDir,
}

/// Where screenshots and printed PDFs go (gitignored).
pub fn output_dir() -> PathBuf {
    let dir = std::env::var_os("DEEPDIVE_BROWSER_OUTPUT").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("test-output/browser"),
        PathBuf::from,
    );
    std::fs::create_dir_all(&dir).expect("create the browser test output folder");
    dir
}

/// Where `npm ci` in tests/browser puts the pinned axe-core script.
fn axe_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser/node_modules/axe-core/axe.min.js")
}

/// The pinned axe-core script from tests/browser/node_modules (`npm ci` in tests/browser).
fn axe_source() -> &'static str {
    static AXE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    AXE.get_or_init(|| {
        let path = axe_path();
        std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "cannot read {}: {e}. Run `npm ci` in tests/browser (it installs the pinned axe-core), \
                 or set {SKIP_VAR}=1 to skip the browser tests.",
                path.display()
            )
        })
    })
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// What the browser tests need and this machine lacks.
fn missing() -> Vec<String> {
    let mut missing: Vec<String> = [("Chromium", chromium()), ("ChromeDriver", chromedriver())]
        .into_iter()
        .filter(|(_, bin)| !Path::new(bin).exists())
        .map(|(what, bin)| format!("{what} ({bin})"))
        .collect();
    if !axe_path().exists() {
        missing.push("axe-core (tests/browser/node_modules)".into());
    }
    missing
}

/// Says once per run, past the test harness's output capture, why the browser tests are skipped.
fn say_once(line: &str) {
    static SAID: std::sync::Once = std::sync::Once::new();
    SAID.call_once(|| {
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), "{line}");
    });
}

/// Whether to run. Skips (false, with one line saying what to install) when the browser or
/// axe-core is missing or skipping is asked for; fails instead when `DEEPDIVE_REQUIRE_BROWSER=1`.
pub fn browser_available() -> bool {
    let required = std::env::var(REQUIRE_VAR).is_ok_and(|v| v == "1");
    let missing = missing();
    if missing.is_empty() {
        if !required && std::env::var(SKIP_VAR).is_ok_and(|v| v == "1") {
            say_once(&format!("browser tests skipped: {SKIP_VAR}=1"));
            return false;
        }
        return true;
    }
    let what = format!(
        "{} missing: install Chromium and ChromeDriver with `apt-get install -y chromium \
         chromium-driver` and axe-core with `npm ci` in tests/browser",
        missing.join(", ")
    );
    assert!(
        !required,
        "{REQUIRE_VAR}=1 but the browser tests cannot run, {what}"
    );
    say_once(&format!(
        "browser tests skipped, {what} ({REQUIRE_VAR}=1 makes this a failure)"
    ));
    false
}

impl Browser {
    /// Starts chromedriver on a free port and a fresh headless Chromium profile, pointed at `app`.
    /// Returns `None` when the browser tests are skipped.
    pub async fn start(app: &TestApp, js: Js, label: &'static str) -> Option<Browser> {
        if !browser_available() {
            return None;
        }
        // rustls is built here with two crypto providers (ring, and aws-lc-rs for fantoccini's
        // hyper-rustls), so it cannot choose a default by itself.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let port = free_port();
        let driver = Command::new(chromedriver())
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let profile = tempfile::tempdir().expect("profile dir");
        let mut args = vec![
            "--headless=new".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--no-first-run".into(),
            "--disable-dev-shm-usage".into(),
            "--hide-scrollbars".into(),
            format!("--window-size={DESKTOP},{HEIGHT}"),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        if js == Js::Off {
            args.push("--blink-settings=scriptEnabled=false".into());
        }
        let mut options = json!({ "binary": chromium(), "args": args });
        if js == Js::Off {
            options["prefs"] = json!({ "profile.managed_default_content_settings.javascript": 2 });
        }
        let caps: serde_json::Map<String, Value> = serde_json::from_value(json!({
            "browserName": "chrome",
            "goog:chromeOptions": options,
        }))
        .expect("capabilities");
        let url = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        let client = loop {
            let attempt = ClientBuilder::rustls()
                .expect("rustls connector")
                .capabilities(caps.clone())
                .connect(&url)
                .await;
            match attempt {
                Ok(c) => break c,
                // chromedriver takes a moment to listen.
                Err(_) if started.elapsed() < Duration::from_secs(30) => {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(e) => panic!("cannot start a Chromium session through chromedriver: {e}"),
            }
        };
        let session = client.session_id().await.ok().flatten();
        let browser = Browser {
            client,
            base: app.address.clone(),
            js,
            label,
            driver,
            driver_port: port,
            session,
            problems: std::sync::Mutex::new(Vec::new()),
            _profile: profile,
        };
        browser.size(DESKTOP, HEIGHT).await;
        Some(browser)
    }

    /// Ends the session (Chromium quits) and stops chromedriver.
    /// Fails with every problem the page-state checks found.
    pub async fn quit(mut self) {
        let _ = self.client.clone().close().await;
        self.session = None;
        let problems = std::mem::take(&mut *self.problems.lock().unwrap());
        assert!(
            problems.is_empty(),
            "{} page state(s) failed their checks:\n\n{}",
            problems.len(),
            problems.join("\n\n")
        );
    }

    fn problem(&self, text: String) {
        eprintln!("PROBLEM {text}");
        self.problems.lock().unwrap().push(text);
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn goto(&self, path: &str) {
        self.client.goto(&self.url(path)).await.expect("navigate");
    }

    /// The path (and query) of the current page.
    pub async fn path(&self) -> String {
        let u = self.client.current_url().await.expect("current url");
        match u.query() {
            Some(q) => format!("{}?{q}", u.path()),
            None => u.path().to_string(),
        }
    }

    pub async fn find(&self, css: &str) -> Element {
        let found = self
            .client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(css))
            .await;
        match found {
            Ok(el) => el,
            Err(e) => panic!("no element {css} on {}: {e}", self.path().await),
        }
    }

    pub async fn find_all(&self, css: &str) -> Vec<Element> {
        self.client
            .find_all(Locator::Css(css))
            .await
            .expect("find_all")
    }

    pub async fn exists(&self, css: &str) -> bool {
        !self.find_all(css).await.is_empty()
    }

    /// Clicks a link or button found by its visible text (a substring), as a person would, and waits
    /// for the page it leads to.
    pub async fn click_text(&self, text: &str) {
        let xpath = format!(
            "//a[contains(normalize-space(.), '{text}')] | //button[contains(normalize-space(.), '{text}')]"
        );
        match self.client.find(Locator::XPath(&xpath)).await {
            Ok(el) => self.navigate_by(el).await,
            Err(e) => panic!("no link or button '{text}' on {}: {e}", self.path().await),
        }
    }

    /// Clicks a link or button that loads another page, and waits for it.
    pub async fn click(&self, css: &str) {
        let el = self.find(css).await;
        self.navigate_by(el).await;
    }

    /// Clicks something that stays on the page (a label, an in-page link).
    pub async fn click_in_page(&self, css: &str) {
        self.find(css).await.click().await.expect("click");
    }

    /// Clicks, then waits until the old document is gone (works without page script).
    async fn navigate_by(&self, el: Element) {
        let old = self.client.find(Locator::Css("html")).await.expect("html");
        el.click().await.expect("click");
        self.wait_for_new_page(old).await;
    }

    /// Presses a key that loads another page (Enter in a form), and waits for it.
    pub async fn press_and_wait(&self, key: Key) {
        let old = self.client.find(Locator::Css("html")).await.expect("html");
        self.press(key).await;
        self.wait_for_new_page(old).await;
    }

    async fn wait_for_new_page(&self, old: Element) {
        let started = Instant::now();
        while old.tag_name().await.is_ok() {
            assert!(
                started.elapsed() < Duration::from_secs(15),
                "no new page loaded after the click on {}",
                self.path().await
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.find("footer").await;
    }

    /// Types into a field found by CSS, replacing what was there.
    pub async fn fill(&self, css: &str, text: &str) {
        let el = self.find(css).await;
        el.clear().await.expect("clear");
        el.send_keys(text).await.expect("type");
    }

    pub async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await.expect("text")
    }

    pub async fn body_text(&self) -> String {
        self.text("body").await
    }

    /// Presses one key where the focus is (through WebDriver actions, like a keyboard).
    pub async fn press(&self, key: Key) {
        let c: char = key.into();
        let keys = KeyActions::new("keyboard".into())
            .then(KeyAction::Down { value: c })
            .then(KeyAction::Up { value: c });
        self.client.perform_actions(keys).await.expect("key press");
        self.client.release_actions().await.expect("release keys");
    }

    /// A short description of the focused element: `tag#id.class "text"`.
    pub async fn focused(&self) -> String {
        let el = self.client.active_element().await.expect("active element");
        let tag = el.tag_name().await.unwrap_or_default();
        let id = el.attr("id").await.ok().flatten().unwrap_or_default();
        let class = el.attr("class").await.ok().flatten().unwrap_or_default();
        let text = el.text().await.unwrap_or_default();
        let text: String = text.chars().take(40).collect();
        format!("{tag}#{id}.{class} \"{text}\"")
    }

    pub async fn size(&self, width: u32, height: u32) {
        self.client
            .set_window_size(width, height)
            .await
            .expect("set window size");
    }

    pub async fn run_js(&self, script: &str) -> Value {
        match self.client.execute(script, vec![]).await {
            Ok(v) => v,
            Err(e) => panic!("script failed on {}: {e}", self.path().await),
        }
    }

    /// The session cookie, to fetch what a link downloads (the browser would save it to disk).
    pub async fn session_cookie(&self) -> String {
        let cookies = self.client.get_all_cookies().await.expect("cookies");
        cookies
            .iter()
            .map(|c| format!("{}={}", c.name(), c.value()))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// The checks every page state gets. `title` is what the page title must start with.
    pub async fn check(&self, state: &str, title: &str) {
        let page_title = self.client.title().await.expect("title");
        if !page_title.starts_with(title) {
            self.problem(format!(
                "{state}: the title \"{page_title}\" should start with \"{title}\""
            ));
        }
        let lang = self
            .find("html")
            .await
            .attr("lang")
            .await
            .expect("lang")
            .unwrap_or_default();
        if lang != "en-GB" {
            self.problem(format!("{state}: <html lang=\"{lang}\">"));
        }
        if !self.exists("main#maincontent").await {
            self.problem(format!("{state}: no main landmark for the skip link"));
        }
        if self.exists(".nhsuk-error-summary").await {
            self.check_error_summary(state, &page_title).await;
        }
        if self.js == Js::On {
            self.axe(state).await;
            self.reflow(state).await;
        }
        self.screenshots(state).await;
    }

    /// The error summary pattern: "Error: " in the title, the summary focused on arrival (without
    /// script), and every link in it leading to a field on the page.
    async fn check_error_summary(&self, state: &str, title: &str) {
        if !title.starts_with("Error: ") {
            self.problem(format!(
                "{state}: errors shown but the title \"{title}\" does not say so"
            ));
        }
        let focused = self.focused().await;
        if !focused.contains("nhsuk-error-summary") {
            self.problem(format!(
                "{state}: the error summary is not focused ({focused})"
            ));
        }
        for link in self.find_all(".nhsuk-error-summary__list a").await {
            let href = link.attr("href").await.ok().flatten().unwrap_or_default();
            let target = href.strip_prefix('#').unwrap_or("");
            let found = !target.is_empty()
                && !self
                    .client
                    .find_all(Locator::XPath(&format!("//*[@id='{target}']")))
                    .await
                    .unwrap_or_default()
                    .is_empty();
            if !found {
                self.problem(format!("{state}: the error link {href} leads nowhere"));
            }
        }
    }

    /// Injects axe-core through WebDriver (the page's CSP does not apply to it) and runs the WCAG 2.2
    /// AA rules on the current page: how many rules passed, and the violations.
    pub async fn axe_run(&self, tags: &[&str]) -> (u64, Vec<Value>) {
        let loaded = self
            .run_js("return typeof window.axe === 'object'")
            .await
            .as_bool()
            .unwrap_or(false);
        if !loaded {
            let script = format!("{}\n;return typeof window.axe;", axe_source());
            self.run_js(&script).await;
        }
        let run = r#"
            const done = arguments[arguments.length - 1];
            axe.run(document, { runOnly: { type: 'tag', values: arguments[0] }, resultTypes: ['violations'] })
              .then(r => done({ passed: r.passes.length, violations: r.violations.map(v => ({
                  id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                  nodes: v.nodes.map(n => ({ target: n.target.join(' '), html: n.html.slice(0, 200),
                                             summary: n.failureSummary }))
              })) }))
              .catch(e => done({ error: String(e) }));
        "#;
        let result = match self.client.execute_async(run, vec![json!(tags)]).await {
            Ok(r) => r,
            Err(e) => panic!("axe failed on {}: {e}", self.path().await),
        };
        if let Some(err) = result.get("error") {
            panic!("axe failed on {}: {err}", self.path().await);
        }
        let violations = result["violations"].as_array().cloned().unwrap_or_default();
        (result["passed"].as_u64().unwrap_or(0), violations)
    }

    /// Runs axe on a page state; serious and critical violations are problems, all are printed.
    pub async fn axe(&self, state: &str) {
        if std::env::var_os("DEEPDIVE_AXE_BEST_PRACTICE").is_some() {
            // Advice beyond WCAG (heading order, landmarks...): printed, never a failure.
            let (_, advice) = self.axe_run(&["best-practice"]).await;
            eprintln!(
                "axe best practice on {state}: {}{}",
                advice.len(),
                axe_report(&advice)
            );
        }
        let (passed, violations) = self.axe_run(AXE_TAGS).await;
        if passed < 10 {
            self.problem(format!(
                "{state}: axe ran only {passed} rules: is the page empty?"
            ));
        }
        let report = axe_report(&violations);
        eprintln!(
            "axe on {state} ({}): {passed} rules passed, {} violated{report}",
            self.path().await,
            violations.len()
        );
        let blocking = violations
            .iter()
            .filter(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")))
            .count();
        if blocking > 0 {
            self.problem(format!(
                "axe found serious or critical WCAG 2.2 AA violations on {state} ({}):{report}",
                self.path().await
            ));
        }
    }

    /// WCAG 1.4.10: at 320 CSS px the page itself must not scroll sideways (data tables may, inside
    /// their own scrolling region).
    pub async fn reflow(&self, state: &str) {
        self.size(REFLOW, HEIGHT).await;
        let measured = self
            .run_js(
                r#"
                const vw = window.innerWidth;
                const page = document.documentElement.scrollWidth;
                const wide = [];
                for (const el of document.querySelectorAll('body *')) {
                  const r = el.getBoundingClientRect();
                  const parent = el.parentElement.getBoundingClientRect();
                  const scroller = el.closest('.dd-table-scroll');
                  if (r.right > vw + 1 && r.width > 0 && (!scroller || scroller === el) &&
                      parent.right <= vw + 1) {
                    wide.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
                              (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : '') +
                              ' right=' + Math.round(r.right));
                  }
                }
                return { vw, page, wide: wide.slice(0, 8) };
                "#,
            )
            .await;
        self.size(DESKTOP, HEIGHT).await;
        let vw = measured["vw"].as_u64().unwrap_or(0);
        let page = measured["page"].as_u64().unwrap_or(0);
        assert_eq!(
            vw,
            u64::from(REFLOW),
            "{state}: the viewport should be 320 px wide"
        );
        if page > vw {
            self.problem(format!(
                "{state}: at {vw} px the page is {page} px wide (scrolls sideways); too wide: {}",
                measured["wide"]
            ));
        }
    }

    /// Full-page screenshots at desktop and phone widths, saved as `<label>-<state>-<width>.png`.
    pub async fn screenshots(&self, state: &str) {
        let dir = output_dir();
        for width in [DESKTOP, PHONE] {
            self.size(width, HEIGHT).await;
            let height = match self.js {
                Js::On => self
                    .run_js("return document.documentElement.scrollHeight")
                    .await
                    .as_u64()
                    .unwrap_or(u64::from(HEIGHT)),
                Js::Off => u64::from(HEIGHT) * 3,
            };
            // Chromium cannot take one screenshot of a very tall page: past 8,000 px, it is taken
            // in parts (`-2`, `-3`…), scrolling down a window 8,000 px tall.
            const PART: u64 = 8000;
            let whole = height.max(u64::from(HEIGHT));
            let window = u32::try_from(whole.min(PART)).unwrap_or(HEIGHT);
            self.size(width, window).await;
            let parts = whole.div_ceil(PART);
            for part in 0..parts {
                if parts > 1 {
                    self.run_js(&format!("window.scrollTo(0, {})", part * PART))
                        .await;
                }
                let png = self.client.screenshot().await.expect("screenshot");
                let name = match part {
                    0 => format!("{}-{state}-{width}.png", self.label),
                    n => format!("{}-{state}-{width}-{}.png", self.label, n + 1),
                };
                std::fs::write(dir.join(name), png).expect("save screenshot");
            }
            if parts > 1 {
                self.run_js("window.scrollTo(0, 0)").await;
            }
        }
        self.size(DESKTOP, HEIGHT).await;
    }

    /// Prints the page to PDF with Chrome's print engine (the print stylesheet applies).
    pub async fn print_pdf(&self, name: &str) -> Vec<u8> {
        let config = fantoccini::wd::PrintConfiguration::builder()
            .build()
            .expect("print configuration");
        let pdf = self.client.print(config).await.expect("print to PDF");
        std::fs::write(
            output_dir().join(format!("{}-{name}.pdf", self.label)),
            &pdf,
        )
        .expect("save PDF");
        pdf
    }
}

/// The violations, one per paragraph: impact, rule, help link, and each element with what to fix.
pub fn axe_report(violations: &[Value]) -> String {
    let mut report = String::new();
    for v in violations {
        report.push_str(&format!(
            "\n  [{}] {}: {} ({})",
            v["impact"].as_str().unwrap_or("unknown"),
            v["id"].as_str().unwrap_or(""),
            v["help"].as_str().unwrap_or(""),
            v["helpUrl"].as_str().unwrap_or("")
        ));
        for n in v["nodes"].as_array().into_iter().flatten() {
            report.push_str(&format!(
                "\n      at {}\n         {}\n         {}",
                n["target"].as_str().unwrap_or(""),
                n["html"].as_str().unwrap_or(""),
                n["summary"]
                    .as_str()
                    .unwrap_or("")
                    .replace('\n', "\n         ")
            ));
        }
    }
    report
}

impl Drop for Browser {
    fn drop(&mut self) {
        // After a failed assertion the session is still open: ask chromedriver to end it (Chromium
        // quits) before stopping chromedriver, so no browser is left running.
        if let Some(id) = self.session.take() {
            use std::io::{Read, Write};
            if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", self.driver_port)) {
                let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
                let _ = write!(
                    s,
                    "DELETE /session/{id} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
                );
                let mut sink = Vec::new();
                let _ = s.read_to_end(&mut sink);
            }
        }
        let problems = self
            .problems
            .lock()
            .map(|p| p.join("\n\n"))
            .unwrap_or_default();
        if !problems.is_empty() {
            eprintln!("page-state problems found before the journey stopped:\n\n{problems}");
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
