use std::process::ExitCode;

use clap::Parser;
use deepdive::cli::{Cli, run};

#[actix_web::main]
async fn main() -> ExitCode {
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
