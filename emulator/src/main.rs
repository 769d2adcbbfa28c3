//! Binary entry point: parse the CLI, start the emulator, print the ready line and the
//! `export` lines on stdout (so a shell can `eval` them), then serve until killed.

use std::io::Write;

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let cfg = match aml_arm_emulator::cli::parse(&args) {
        Ok(Some(c)) => c,
        Ok(None) => {
            print!("{}", aml_arm_emulator::cli::USAGE);
            return;
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
