//! Binary entry point: parse the CLI, then either serve (start the emulator, print the ready
//! line and the `export` lines on stdout so a shell can `eval` them, serve until killed) or
//! `exec` a command against a fresh instance (see `exec.rs`).

use aml_arm_emulator::cli::{self, Invocation};
use std::io::Write;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let invocation = cli::parse_invocation(&args);
    // Under `exec`, stderr is shared with the command: only warnings unless RUST_LOG says more.
    let default_level = match &invocation {
        Ok(Invocation::Exec { .. }) => "warn",
        _ => "info",
    };
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_level)),
        )
        .init();
    let cfg = match invocation {
        Ok(Invocation::Serve(c)) => c,
        Ok(Invocation::Help) => {
            print!("{}", cli::USAGE);
            return;
        }
        Ok(Invocation::Exec { config, command }) => {
            std::process::exit(aml_arm_emulator::exec::exec(config, command).await);
        }
        Err(e) => {
            eprintln!("aml-arm-emulator: {e}");
            std::process::exit(2);
        }
    };
    let handle = match aml_arm_emulator::run(cfg).await {
        Ok(h) => h,
        Err(e) => {
            eprintln!("aml-arm-emulator: {e}");
            std::process::exit(1);
        }
    };
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "listening on {}", handle.base_url);
    for l in handle.env_lines() {
        let _ = writeln!(out, "{l}");
    }
    let _ = out.flush();
    drop(out);
    tracing::info!(url = %handle.base_url, ca = %handle.ca_path.display(), "aml-arm-emulator ready");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = handle.wait() => {}
    }
}
