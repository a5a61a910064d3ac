//! Embeds `templates/` and `static/` in the binary, so one file runs the server.
use std::fmt::Write as _;
use std::path::Path;

fn collect(dir: &Path, base: &Path, out: &mut Vec<(String, String)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            collect(&path, base, out);
        } else if let Ok(rel) = path.strip_prefix(base) {
            let rel = rel.to_string_lossy().replace('\\', "/");
            let abs = path.canonicalize().unwrap_or(path.clone());
            out.push((rel, abs.to_string_lossy().into_owned()));
        }
    }
}

fn main() {
    println!("cargo:rerun-if-changed=templates");
    println!("cargo:rerun-if-changed=static");
    // The integration tests run on PostgreSQL when TEST_DATABASE_URL is set: tests that apply to
    // the embedded SQLite database only are then compiled with `#[ignore]`, so the summary counts
    // them as ignored instead of passing them silently.
    println!("cargo::rustc-check-cfg=cfg(tests_on_postgres)");
    println!("cargo:rerun-if-env-changed=TEST_DATABASE_URL");
    if std::env::var("TEST_DATABASE_URL").is_ok_and(|url| !url.is_empty()) {
        println!("cargo:rustc-cfg=tests_on_postgres");
    }
    // Read at run time, not baked in with env!(): a build script compiled for one checkout can be
    // reused by cargo for another checkout of the same package (a shared or copied target dir).
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into());
    let root = Path::new(&manifest_dir);
    let mut code = String::new();
    for (name, dir, macro_name, ty) in [
        ("TEMPLATES", "templates", "include_str", "&str"),
        ("STATIC_FILES", "static", "include_bytes", "&[u8]"),
    ] {
        let mut files = Vec::new();
        let base = root.join(dir);
        collect(&base, &base, &mut files);
        let _ = writeln!(code, "pub static {name}: &[(&str, {ty})] = &[");
        for (rel, abs) in files {
            let _ = writeln!(code, "    ({rel:?}, {macro_name}!({abs:?})),");
        }
        let _ = writeln!(code, "];");
    }
    let out = std::env::var("OUT_DIR").unwrap_or_else(|_| ".".into());
    let _ = std::fs::write(Path::new(&out).join("embedded.rs"), code);
}
