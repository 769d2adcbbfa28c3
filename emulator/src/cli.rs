//! Command-line parsing. Kept dependency-free (no clap) because the surface is small; every
//! option is documented in `--help` and in the crate README.

use std::net::SocketAddr;
use std::path::PathBuf;

/// Runtime configuration of one emulator instance.
#[derive(Debug, Clone)]
pub struct Config {
    /// Loopback address to listen on; port 0 picks a free port.
    pub listen: SocketAddr,
    /// Seed file (JSON array of ARM resource documents) replacing the default world.
    pub seed: Option<PathBuf>,
    /// Where to write the CA certificate (PEM). Default: a file in a fresh temp directory.
    pub ca_out: Option<PathBuf>,
    /// Initial fault-injection spec (see `faults.rs`).
    pub faults: Option<String>,
    /// How long an async operation stays in progress, in milliseconds.
    pub lro_delay_ms: u64,
    /// Send `Retry-After: 1` on 202 and in-progress polls (ARM clients then sleep a second).
    pub realistic_retry_after: bool,
    /// Enforce ARM's token-bucket rate limits with real 429s (otherwise only report them).
    pub enforce_rate_limits: bool,
    /// Capacity of the in-memory request log (ring buffer).
    pub log_capacity: usize,
    /// Items per list page (`nextLink` beyond that); 0 = everything in one page.
    pub page_size: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: "127.0.0.1:0".parse().expect("literal address"),
            seed: None,
            ca_out: None,
            faults: None,
            lro_delay_ms: 50,
            realistic_retry_after: false,
            enforce_rate_limits: false,
            log_capacity: 10_000,
            page_size: 100,
        }
    }
}

/// What the command line asks for.
#[derive(Debug, Clone)]
pub enum Invocation {
    /// `--help`: print [`USAGE`].
    Help,
    /// Serve until killed, printing the ready line and the `export` lines.
    Serve(Config),
    /// `exec [OPTIONS] -- COMMAND [ARGS...]`: serve while `command` runs, with the provider's
    /// environment, and exit with its status (see `exec.rs`).
    Exec {
        /// The emulator's configuration.
        config: Config,
        /// The program and its arguments.
        command: Vec<String>,
    },
}

/// Usage text printed by `--help`.
pub const USAGE: &str =
    "aml-arm-emulator: HTTPS Azure Resource Manager emulator for Azure ML network security

USAGE:
  aml-arm-emulator [--listen 127.0.0.1:PORT] [--seed FILE] [--ca-out PATH] [--faults SPEC]
                   [--lro-delay-ms N] [--realistic-retry-after] [--enforce-rate-limits]
                   [--log-capacity N] [--page-size N]
  aml-arm-emulator exec [the same options] -- COMMAND [ARGS...]

`exec` starts the emulator on a free loopback port, runs COMMAND with ARM_METADATA_HOSTNAME,
ARM_TENANT_ID, ARM_CLIENT_ID, ARM_CLIENT_SECRET, ARM_SUBSCRIPTION_ID, SSL_CERT_FILE and
AML_ARM_EMULATOR_URL set, stops the emulator when COMMAND ends and exits with its status
(127: COMMAND not found, 128+N: COMMAND killed by signal N). SIGTERM and SIGHUP are passed on to
COMMAND; Ctrl-C reaches it from the terminal. Example: aml-arm-emulator exec -- terraform test

The first stdout line is `listening on https://127.0.0.1:PORT`, followed by `export NAME=value`
lines (ARM_METADATA_HOSTNAME, ARM_TENANT_ID, ARM_CLIENT_ID, ARM_CLIENT_SECRET,
ARM_SUBSCRIPTION_ID, SSL_CERT_FILE). Logs go to stderr (RUST_LOG controls the level).
Fault spec example: seed=7,429=0.1,500=0.05,drop=0.02,slow-lro=2000ms,paths=*/workspaces/*
";

/// Parses `std::env::args()`-style arguments (without the program name), `exec` included.
pub fn parse_invocation(args: &[String]) -> Result<Invocation, String> {
    if args.first().map(String::as_str) != Some("exec") {
        return Ok(match parse(args)? {
            Some(c) => Invocation::Serve(c),
            None => Invocation::Help,
        });
    }
    let rest = &args[1..];
    let Some(dash) = rest.iter().position(|a| a == "--") else {
        if rest.iter().any(|a| a == "-h" || a == "--help") {
            return Ok(Invocation::Help);
        }
        return Err(format!(
            "exec needs the command after `--`, e.g. `aml-arm-emulator exec -- terraform test`\n\n{USAGE}"
        ));
    };
    let Some(config) = parse(&rest[..dash])? else {
        return Ok(Invocation::Help);
    };
    let command = rest[dash + 1..].to_vec();
    if command.is_empty() {
        return Err(format!(
            "exec: no command after `--`, e.g. `aml-arm-emulator exec -- terraform test`\n\n{USAGE}"
        ));
    }
    Ok(Invocation::Exec { config, command })
}

/// Parses `std::env::args()`-style arguments (without the program name).
pub fn parse(args: &[String]) -> Result<Option<Config>, String> {
    let mut c = Config::default();
    let mut i = 0;
    let value = |i: &mut usize, name: &str| -> Result<String, String> {
        *i += 1;
        args.get(*i)
            .cloned()
            .ok_or_else(|| format!("{name} needs a value"))
    };
    while i < args.len() {
        let a = args[i].as_str();
        let (flag, inline) = match a.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_string())),
            _ => (a, None),
        };
        let mut take = |name: &str| -> Result<String, String> {
            match &inline {
                Some(v) => Ok(v.clone()),
                None => value(&mut i, name),
            }
        };
        match flag {
            "-h" | "--help" => return Ok(None),
            "--listen" => {
                let v = take("--listen")?;
                let addr: SocketAddr = v
                    .parse()
                    .map_err(|e| format!("--listen {v}: {e} (expected 127.0.0.1:PORT)"))?;
                if !addr.ip().is_loopback() {
                    return Err(format!("--listen {v}: only loopback addresses are allowed"));
                }
                c.listen = addr;
            }
            "--seed" => c.seed = Some(PathBuf::from(take("--seed")?)),
            "--ca-out" => c.ca_out = Some(PathBuf::from(take("--ca-out")?)),
            "--faults" => c.faults = Some(take("--faults")?),
            "--lro-delay-ms" => {
                let v = take("--lro-delay-ms")?;
                c.lro_delay_ms = v
                    .parse()
                    .map_err(|_| format!("--lro-delay-ms {v}: not a number"))?;
            }
            "--page-size" => {
                let v = take("--page-size")?;
                c.page_size = v
                    .parse()
                    .map_err(|_| format!("--page-size {v}: not a number"))?;
            }
            "--log-capacity" => {
                let v = take("--log-capacity")?;
                c.log_capacity = v
                    .parse()
                    .map_err(|_| format!("--log-capacity {v}: not a number"))?;
            }
            "--realistic-retry-after" => c.realistic_retry_after = true,
            "--enforce-rate-limits" => c.enforce_rate_limits = true,
            other => return Err(format!("unknown argument {other}\n\n{USAGE}")),
        }
        i += 1;
    }
    Ok(Some(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_flags() {
        let a: Vec<String> = [
            "--listen",
            "127.0.0.1:0",
            "--lro-delay-ms=5",
            "--realistic-retry-after",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let c = parse(&a).unwrap().unwrap();
        assert_eq!(c.lro_delay_ms, 5);
        assert!(c.realistic_retry_after);
        assert!(parse(&["--listen".into(), "0.0.0.0:1".into()]).is_err());
    }

    fn args(s: &[&str]) -> Vec<String> {
        s.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn parses_exec() {
        match parse_invocation(&args(&[
            "exec",
            "--seed",
            "w.json",
            "--faults=500=0.1",
            "--",
            "terraform",
            "test",
            "--",
            "-x",
        ]))
        .unwrap()
        {
            Invocation::Exec { config, command } => {
                assert_eq!(config.seed.unwrap().to_str(), Some("w.json"));
                assert_eq!(config.faults.as_deref(), Some("500=0.1"));
                assert_eq!(command, args(&["terraform", "test", "--", "-x"]));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            parse_invocation(&args(&["--lro-delay-ms", "5"])).unwrap(),
            Invocation::Serve(c) if c.lro_delay_ms == 5
        ));
        assert!(matches!(
            parse_invocation(&args(&["exec", "--help"])).unwrap(),
            Invocation::Help
        ));
        for bad in [
            &["exec"][..],
            &["exec", "terraform", "test"],
            &["exec", "--"],
            &["exec", "--bogus", "--", "true"],
        ] {
            assert!(parse_invocation(&args(bad)).is_err(), "{bad:?}");
        }
    }
}
