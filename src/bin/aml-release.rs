//! The release tool behind `scripts/release` (see `src/release.rs` for what it writes).
//!
//! ```text
//! aml-release package --target TRIPLE --provider PATH [--emulator PATH] [--dist DIR] [--zip-level N]
//! aml-release finish [--dist DIR] [--unsigned]
//! ```
//!
//! The version is this crate's (`Cargo.toml`). `finish` signs with the GPG key named by
//! `AML_RELEASE_GPG_KEY` and refuses to run without it unless `--unsigned` is given.
//! `SOURCE_DATE_EPOCH` sets the modification time stored in the zips. Reports go to stderr.

use std::path::PathBuf;
use std::process::ExitCode;

use terraform_provider_aml::release::{self, PackageInput, Platform, Settings};

/// Reports on stderr (stdout stays unused, as in the plugin).
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

const USAGE: &str = "usage:\n  \
    aml-release package (--target TRIPLE | --platform OS_ARCH) --provider PATH [--emulator PATH] [--dist DIR] [--zip-level N]\n  \
    aml-release finish [--dist DIR] [--unsigned]\n";

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            say!("aml-release: {e}");
            ExitCode::from(1)
        }
    }
}

fn run(args: Vec<String>) -> Result<(), String> {
    let mut args = args.into_iter();
    let command = args.next().ok_or(USAGE)?;
    let mut dist = PathBuf::from("dist");
    let mut platform = None;
    let mut provider = None;
    let mut emulator = None;
    let mut zip_level = 9u8;
    let mut unsigned = false;
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value\n{USAGE}"));
        match arg.as_str() {
            "--dist" => dist = PathBuf::from(value()?),
            "--target" => {
                let t = value()?;
                platform = Some(
                    Platform::from_target(&t)
                        .ok_or(format!("Terraform has no platform for target {t}"))?,
                );
            }
            "--platform" => {
                let p = value()?;
                let (os, arch) = p
                    .split_once('_')
                    .ok_or(format!("--platform wants OS_ARCH, not {p}"))?;
                platform = Some(Platform {
                    os: os.into(),
                    arch: arch.into(),
                });
            }
            "--provider" => provider = Some(PathBuf::from(value()?)),
            "--emulator" => emulator = Some(PathBuf::from(value()?)),
            "--zip-level" => {
                zip_level = value()?
                    .parse()
                    .map_err(|_| "--zip-level wants 1 to 9".to_string())?
            }
            "--unsigned" => unsigned = true,
            "-h" | "--help" => return Err(USAGE.into()),
            _ => return Err(format!("unknown argument {arg}\n{USAGE}")),
        }
    }
    let gpg_key = std::env::var(release::GPG_KEY_ENV)
        .ok()
        .filter(|k| !k.is_empty());
    let mtime = match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(s) if !s.is_empty() => Some(
            s.parse()
                .map_err(|_| format!("SOURCE_DATE_EPOCH is not a number: {s}"))?,
        ),
        _ => None,
    };
    let settings = Settings {
        version: release::VERSION.to_string(),
        dist,
        zip_level,
        mtime,
        gpg_key: if unsigned { None } else { gpg_key },
        gnupg_home: None,
    };
    match command.as_str() {
        "package" => {
            let input = PackageInput {
                platform: platform.unwrap_or_else(Platform::host),
                provider: provider.ok_or(format!("package needs --provider\n{USAGE}"))?,
                emulator,
            };
            for zip in release::package(&settings, &input).map_err(|e| e.to_string())? {
                say!("packaged {}", zip.display());
            }
            Ok(())
        }
        "finish" => {
            if settings.gpg_key.is_none() && !unsigned {
                return Err(format!(
                    "set {} to the GPG key that signs the release (or pass --unsigned)",
                    release::GPG_KEY_ENV
                ));
            }
            let r = release::finish(&settings).map_err(|e| e.to_string())?;
            say!("release {} in {}:", settings.version, r.dir.display());
            for (name, size) in &r.files {
                say!("  {size:>12}  {name}");
            }
            for p in &r.packages {
                say!("  {}: {} {}", p.platform.key(), p.h1, p.zh);
            }
            say!("network mirror: {}", r.mirror.display());
            Ok(())
        }
        _ => Err(USAGE.into()),
    }
}
