//! The small Python servers some tests start on loopback (the SMTP sink, the webhook receiver): each
//! is a script that takes a folder, prints `PORT n` once it listens, and is killed when dropped.
use std::io::BufRead;
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// A running helper script, with the folder it shares with the test.
pub struct PythonServer {
    child: Child,
    pub port: u16,
    pub dir: tempfile::TempDir,
}

impl Drop for PythonServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl PythonServer {
    /// Starts `tests/<script>` when Python can import `module`; otherwise returns `None` after one
    /// line saying what to install (`hint`), or fails the test under `DEEPDIVE_REQUIRE_EXTERNAL=1`
    /// with `ci_hint`.
    pub fn start(script: &str, module: &str, hint: &str, ci_hint: &str) -> Option<PythonServer> {
        let have = Command::new("python3")
            .args(["-c", &format!("import {module}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !have {
            if std::env::var("DEEPDIVE_REQUIRE_EXTERNAL").is_ok_and(|v| v == "1") {
                panic!("{module} is not installed: {ci_hint}");
            }
            eprintln!("skipped: needs Python 3 with {module} ({hint})");
            return None;
        }
        let script = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests")
            .join(script);
        let dir = tempfile::tempdir().unwrap();
        let mut child = Command::new("python3")
            .arg(&script)
            .arg(dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .trim()
            .strip_prefix("PORT ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("{} did not start: {line:?}", script.display()));
        Some(PythonServer { child, port, dir })
    }
}
