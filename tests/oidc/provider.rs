//! Starts the real OpenID provider of tests/oidc/provider.mjs (npm `oidc-provider`, pinned by
//! tests/oidc/package-lock.json, installed by `.ci/install-oidc-provider.sh`) on loopback, and
//! drives its login and consent pages like a person would. Shared by the API and browser tests.
#![allow(dead_code)]
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

pub struct Provider {
    child: Child,
    pub port: u16,
    pub issuer: String,
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One client registration and the accounts the provider knows.
pub struct ProviderConfig {
    pub clients: serde_json::Value,
    pub accounts: serde_json::Value,
    /// A file holding the signing keys: the same file gives a restarted provider the same keys.
    pub keys_file: PathBuf,
    pub kid: String,
    pub id_token_ttl_seconds: u32,
}

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oidc")
}

/// Whether node and the pinned oidc-provider are installed. Otherwise one line says what to
/// install, and under `DEEPDIVE_REQUIRE_EXTERNAL=1` (CI) the test fails instead.
pub fn available() -> bool {
    let have = dir()
        .join("node_modules/oidc-provider/package.json")
        .exists()
        && Command::new("node")
            .arg("--version")
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
    if !have {
        if std::env::var("DEEPDIVE_REQUIRE_EXTERNAL").is_ok_and(|v| v == "1") {
            panic!("oidc-provider is not installed: run .ci/install-oidc-provider.sh");
        }
        eprintln!("skipped: needs node and oidc-provider (run .ci/install-oidc-provider.sh)");
    }
    have
}

/// A free port on loopback (the provider's issuer URL must be known before it starts).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Provider {
    /// Starts the provider on `port` and waits until it listens.
    pub fn start(port: u16, config: &ProviderConfig) -> Provider {
        let mut child = Command::new("node")
            .arg(dir().join("provider.mjs"))
            .env("OIDC_PORT", port.to_string())
            .env("OIDC_CLIENTS", config.clients.to_string())
            .env("OIDC_ACCOUNTS", config.accounts.to_string())
            .env("OIDC_KEYS_FILE", &config.keys_file)
            .env("OIDC_KID", &config.kid)
            .env("OIDC_ID_TOKEN_TTL", config.id_token_ttl_seconds.to_string())
            .stdout(Stdio::piped())
            .stderr(if std::env::var_os("DEEPDIVE_OIDC_DEBUG").is_some() {
                Stdio::inherit()
            } else {
                Stdio::null()
            })
            .spawn()
            .expect("node starts");
        let mut line = String::new();
        let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
        out.read_line(&mut line).unwrap();
        // Keep reading: the provider writes notices later, and a closed pipe would stop it.
        std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
        let issuer = line
            .trim()
            .strip_prefix("listening ")
            .unwrap_or_else(|| panic!("the OpenID provider did not start: {line:?}"))
            .to_string();
        Provider {
            child,
            port,
            issuer,
        }
    }
}

impl Provider {
    /// Stops this provider and starts another on the same address (other keys, say).
    pub fn restart(&mut self, config: &ProviderConfig) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        *self = Provider::start(self.port, config);
    }
}

/// The first `<form>` of a page: its action and its fields (hidden ones with their values).
pub fn form_of(html: &str) -> (String, Vec<(String, String)>) {
    let start = html.find("<form").expect("a form");
    let form = &html[start..];
    let end = form.find("</form>").unwrap_or(form.len());
    let form = &form[..end];
    let attr = |tag: &str, name: &str| -> Option<String> {
        let key = format!("{name}=\"");
        let i = tag.find(&key)? + key.len();
        let j = tag[i..].find('"')? + i;
        Some(tag[i..j].replace("&amp;", "&").replace("&#x2F;", "/"))
    };
    let open_end = form.find('>').unwrap();
    let action = attr(&form[..open_end], "action").unwrap_or_default();
    let mut fields = Vec::new();
    let mut rest = form;
    while let Some(i) = rest.find("<input") {
        let tag_end = rest[i..].find('>').unwrap() + i;
        let tag = &rest[i..tag_end];
        if let Some(name) = attr(tag, "name") {
            fields.push((name, attr(tag, "value").unwrap_or_default()));
        }
        rest = &rest[tag_end..];
    }
    (action, fields)
}
