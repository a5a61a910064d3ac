use std::process::ExitCode;

use clap::Parser;
use deepdive::cli::{Cli, run};

/// glibc's malloc raises its mmap threshold to the size of each large block freed, so after the
/// first login the 19 MiB argon2 buffers come from the heap arenas and stay there (229–320 MB
/// after a login burst). A fixed 1 MiB threshold keeps them mmapped, returned on free, and two
/// arenas bound the per-thread heaps: measured 21 MB after the same burst (benches/RESULTS.md).
/// Set here so that nobody has to remember `MALLOC_MMAP_THRESHOLD_`/`MALLOC_ARENA_MAX`.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn bound_the_heap() {
    // SAFETY: mallopt only changes glibc's allocator parameters; it is called first thing in
    // main, and valid at any time (an environment variable given by the operator is overridden).
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn bound_the_heap() {}

#[actix_web::main]
async fn main() -> ExitCode {
    bound_the_heap();
    deepdive::telemetry::init();
    let cli = Cli::parse();
    match run(cli).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
