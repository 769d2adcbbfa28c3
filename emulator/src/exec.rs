//! `aml-arm-emulator exec [OPTIONS] -- COMMAND [ARGS...]`: the emulator as a wrapper, like
//! `tflocal` for LocalStack. It starts an instance on a free loopback port, runs COMMAND with
//! the provider's environment (the `export` lines the server mode prints, plus
//! `AML_ARM_EMULATOR_URL` for the admin API), stops the instance when COMMAND ends and returns
//! COMMAND's exit status, so `aml-arm-emulator exec -- terraform test` is the whole workflow.
//!
//! Under `--faults`, the wrapper ends with one stderr line saying how many faults it injected
//! into how many requests.
//!
//! Signals: SIGTERM and SIGHUP (a CI runner cancelling a job, a closed terminal) are passed on
//! to COMMAND, and the emulator stays up until COMMAND has exited, so Terraform can finish
//! its cleanup against it. SIGINT is not passed on: Ctrl-C in a terminal reaches the whole
//! foreground process group, COMMAND included, and a second copy would make Terraform give up
//! immediately instead of stopping gracefully; the wrapper only keeps running until COMMAND ends.

use crate::cli::Config;
use std::process::ExitStatus;

/// Exit status when the emulator itself cannot start (as `docker run` and `env` use).
pub const EMULATOR_FAILED: i32 = 125;
/// Exit status when COMMAND exists but cannot be run (as shells use).
pub const NOT_EXECUTABLE: i32 = 126;
/// Exit status when COMMAND is not found (as shells use).
pub const NOT_FOUND: i32 = 127;

/// Runs `command` against a fresh emulator configured by `config`; returns the exit status for
/// the wrapper's process. The CA certificate goes to `--ca-out` when given, else to a temporary
/// directory removed afterwards.
pub async fn exec(mut config: Config, command: Vec<String>) -> i32 {
    let own_dir = if config.ca_out.is_none() {
        let dir =
            std::env::temp_dir().join(format!("aml-arm-emulator-exec-{}", uuid::Uuid::new_v4()));
        if let Err(e) = std::fs::create_dir_all(&dir) {
            eprintln!("aml-arm-emulator exec: creating {}: {e}", dir.display());
            return EMULATOR_FAILED;
        }
        config.ca_out = Some(dir.join("ca.pem"));
        Some(dir)
    } else {
        None
    };
    let code = run_command(config, &command).await;
    if let Some(dir) = own_dir {
        let _ = std::fs::remove_dir_all(dir);
    }
    code
}

async fn run_command(config: Config, command: &[String]) -> i32 {
    let handle = match crate::run(config).await {
        Ok(h) => h,
        Err(e) => {
            eprintln!("aml-arm-emulator exec: {e}");
            return EMULATOR_FAILED;
        }
    };
    let (program, args) = command.split_first().expect("cli checks the command");
    let mut cmd = tokio::process::Command::new(program);
    cmd.args(args)
        .envs(handle.env_vars())
        .env("AML_ARM_EMULATOR_URL", &handle.base_url);
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            handle.stop();
            return match e.kind() {
                std::io::ErrorKind::NotFound => {
                    eprintln!(
                        "aml-arm-emulator exec: command not found: {program} (is it installed and on the PATH?)"
                    );
                    NOT_FOUND
                }
                _ => {
                    eprintln!("aml-arm-emulator exec: cannot run {program}: {e}");
                    NOT_EXECUTABLE
                }
            };
        }
    };
    tracing::info!(url = %handle.base_url, command = %program, "aml-arm-emulator exec: running");
    let status = wait_forwarding_signals(&mut child).await;
    handle.stop();
    if handle.app.faults.get().is_some() {
        // So a run under --faults shows that faults were injected and how many.
        eprintln!(
            "aml-arm-emulator exec: {} faults injected into {} requests",
            handle.app.faults.injected(),
            // `seq` is the next request's sequence number; the first is 1.
            handle.app.seq.load(std::sync::atomic::Ordering::SeqCst) - 1
        );
    }
    match status {
        Ok(s) => exit_code(s),
        Err(e) => {
            eprintln!("aml-arm-emulator exec: waiting for {program}: {e}");
            EMULATOR_FAILED
        }
    }
}

/// Waits for `child`, passing SIGTERM and SIGHUP on to it and outliving SIGINT (see the header).
async fn wait_forwarding_signals(child: &mut tokio::process::Child) -> std::io::Result<ExitStatus> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate())?;
    let mut hup = signal(SignalKind::hangup())?;
    let mut int = signal(SignalKind::interrupt())?;
    let pid = child.id();
    loop {
        tokio::select! {
            status = child.wait() => return status,
            _ = term.recv() => forward(pid, libc::SIGTERM),
            _ = hup.recv() => forward(pid, libc::SIGHUP),
            _ = int.recv() => {}
        }
    }
}

fn forward(pid: Option<u32>, sig: libc::c_int) {
    if let Some(pid) = pid.and_then(|p| libc::pid_t::try_from(p).ok()) {
        // SAFETY: kill(2) with the pid of our own child, which we have not reaped yet.
        unsafe {
            libc::kill(pid, sig);
        }
    }
}

/// The wrapper's exit status for COMMAND's: its code, or 128+N when signal N killed it.
pub fn exit_code(status: ExitStatus) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    status
        .code()
        .or_else(|| status.signal().map(|s| 128 + s))
        .unwrap_or(EMULATOR_FAILED)
}
