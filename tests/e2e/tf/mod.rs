//! A harness that drives the real `terraform` CLI against the built provider: the binary is
//! installed in a filesystem mirror under `registry.terraform.io/secure-ml/aml/<version>/`, a CLI
//! config points at it, and each test works in its own temporary directory. A missing
//! `terraform` binary fails the test with instructions; it never skips.
//!
//! Also what the areas share: the `terraform` block, the "no changes" plan check, wrap-insensitive
//! matching of Terraform's output, and the examples.

pub mod emulator;

use std::path::PathBuf;
use std::process::{Command, Output};

use emulator::{rg, ws_id, Emulator};

/// The provider version, as Cargo.toml says.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The `terraform` block that requires the provider; configurations start with it.
pub const HEAD: &str = r#"
terraform {
  required_providers {
    aml = { source = "secure-ml/aml" }
  }
}
"#;

/// A Terraform working directory with the provider installed from a private mirror.
pub struct Workspace {
    pub dir: tempfile::TempDir,
    cli_config: PathBuf,
    env: Vec<(String, String)>,
}

/// The terraform binary: `$TERRAFORM` or `terraform` on the PATH. Panics with a clear message
/// when absent, so that CI fails instead of silently skipping.
pub fn terraform_bin() -> String {
    let bin = std::env::var("TERRAFORM").unwrap_or_else(|_| "terraform".to_string());
    match Command::new(&bin).arg("version").output() {
        Ok(o) if o.status.success() => bin,
        _ => panic!(
            "the `terraform` CLI is required for end-to-end tests but `{bin} version` failed: install \
             Terraform 1.11 or later on the PATH (or set TERRAFORM=/path/to/terraform)"
        ),
    }
}

impl Workspace {
    /// A new workspace whose `main.tf` is `config`.
    pub fn new(config: &str) -> Workspace {
        let dir = tempfile::tempdir().expect("temp dir");
        let mirror = dir.path().join("mirror");
        let platform = dir.path().join(format!(
            "mirror/registry.terraform.io/secure-ml/aml/{VERSION}/linux_amd64"
        ));
        std::fs::create_dir_all(&platform).unwrap();
        std::fs::copy(
            env!("CARGO_BIN_EXE_terraform-provider-aml"),
            platform.join(format!("terraform-provider-aml_v{VERSION}")),
        )
        .expect("copy provider binary into the mirror");
        let cli_config = dir.path().join("terraform.rc");
        std::fs::write(
            &cli_config,
            format!(
                "provider_installation {{\n  filesystem_mirror {{\n    path    = \"{}\"\n    include = [\"registry.terraform.io/secure-ml/aml\"]\n  }}\n  direct {{\n    exclude = [\"registry.terraform.io/secure-ml/aml\"]\n  }}\n}}\n",
                mirror.display()
            ),
        )
        .unwrap();
        let ws = Workspace {
            dir,
            cli_config,
            env: Vec::new(),
        };
        ws.write("main.tf", config);
        ws
    }

    /// A new workspace whose `main.tf` is `config`, with the provider configured for `emu` through
    /// the `ARM_*` variables it printed.
    pub fn against(emu: &Emulator, config: &str) -> Workspace {
        let mut ws = Workspace::new(config);
        for (k, v) in &emu.env {
            ws.env(k, v);
        }
        ws
    }

    /// The working directory (configs live in `work/`).
    pub fn work(&self) -> PathBuf {
        let w = self.dir.path().join("work");
        std::fs::create_dir_all(&w).unwrap();
        w
    }

    /// Writes a file in the working directory.
    pub fn write(&self, name: &str, content: &str) {
        std::fs::write(self.work().join(name), content).unwrap();
    }

    /// Copies the runnable example `name`'s `.tf` files other than `main.tf` (which the workspace
    /// was created with, from [`example`]) into the working directory.
    pub fn add_example_files(&self, name: &str) {
        for entry in std::fs::read_dir(examples_dir().join(name))
            .unwrap()
            .flatten()
        {
            let file = entry.file_name().to_string_lossy().to_string();
            if file.ends_with(".tf") && file != "main.tf" {
                self.write(&file, &std::fs::read_to_string(entry.path()).unwrap());
            }
        }
    }

    /// Makes the repository's local modules available to `main.tf`: an example refers to them as
    /// `../../modules/<name>`, which is rewritten to a copy under the working directory.
    pub fn vendor_modules(&self) {
        let main = std::fs::read_to_string(self.path("main.tf")).unwrap();
        if !main.contains("\"../../modules/") {
            return;
        }
        copy_tree(&repo_dir().join("modules"), &self.work().join("modules"));
        self.write("main.tf", &main.replace("\"../../modules/", "\"./modules/"));
    }

    /// Sets an environment variable for every later command.
    pub fn env(&mut self, key: &str, value: &str) {
        self.env.push((key.to_string(), value.to_string()));
    }

    /// Runs `terraform <args>` and returns its output, whatever the exit status.
    pub fn run(&self, args: &[&str]) -> Output {
        let mut cmd = self.command(terraform_bin());
        cmd.args(args);
        cmd.output().expect("run terraform")
    }

    /// Starts `terraform <args>` without waiting, its output piped (to signal it while it runs).
    pub fn spawn(&self, args: &[&str]) -> std::process::Child {
        let mut cmd = self.command(terraform_bin());
        cmd.args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("start terraform")
    }

    /// `program` in the working directory with this workspace's environment: the provider
    /// mirror's CLI configuration, automation settings, the variables set with [`Workspace::env`],
    /// and none of the caller's `ARM_*`, `TF_*` or `SSL_CERT_FILE`.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut cmd = Command::new(program);
        cmd.current_dir(self.work());
        for (k, _) in std::env::vars() {
            if k.starts_with("ARM_") || k.starts_with("TF_") || k == "SSL_CERT_FILE" {
                cmd.env_remove(&k);
            }
        }
        cmd.env("TF_CLI_CONFIG_FILE", &self.cli_config)
            .env("TF_IN_AUTOMATION", "1")
            .env("CHECKPOINT_DISABLE", "1")
            .env("TF_INPUT", "0")
            .env("NO_COLOR", "1");
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd
    }

    /// Runs `terraform <args>` and panics with its output unless it succeeds.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        let text = text(&out);
        assert!(
            out.status.success(),
            "terraform {} failed:\n{text}",
            args.join(" ")
        );
        text
    }

    /// Runs `terraform <args>` and panics unless it fails; returns the output.
    pub fn fails(&self, args: &[&str]) -> String {
        let out = self.run(args);
        let text = text(&out);
        assert!(
            !out.status.success(),
            "terraform {} unexpectedly succeeded:\n{text}",
            args.join(" ")
        );
        text
    }

    /// `terraform init`.
    pub fn init(&self) {
        self.ok(&["init", "-no-color"]);
    }

    /// `terraform output -json` parsed.
    pub fn outputs(&self) -> serde_json::Value {
        let s = self.ok(&["output", "-json"]);
        serde_json::from_str(&s).unwrap_or_else(|e| panic!("output -json: {e}: {s}"))
    }

    /// The path of a file in the working directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.work().join(name)
    }

    /// `terraform plan -detailed-exitcode`: panics unless it reports no changes.
    pub fn assert_no_changes(&self) {
        let out = self.run(&["plan", "-detailed-exitcode", "-no-color"]);
        let text = text(&out);
        assert_eq!(out.status.code(), Some(0), "expected no changes:\n{text}");
        assert!(text.contains("No changes"), "{text}");
    }
}

/// A configuration for the default world of `emu`: [`HEAD`] and `body`, in which `WSID` stands for
/// the workspace `mlw-demo` and `RGID` for the resource group `rg-aml-demo`.
pub fn demo_config(emu: &Emulator, body: &str) -> String {
    format!(
        "{HEAD}\n{}",
        body.replace("WSID", &ws_id(emu)).replace("RGID", &rg(emu))
    )
}

/// An initialised workspace against `emu` whose `main.tf` is [`demo_config`] of `body`.
pub fn demo_workspace(emu: &Emulator, body: &str) -> Workspace {
    let ws = Workspace::against(emu, &demo_config(emu, body));
    ws.init();
    ws
}

/// Stdout and stderr of a command, for messages.
pub fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Whether `out` contains `needle`, ignoring how Terraform wrapped and aligned the text.
pub fn has(out: &str, needle: &str) -> bool {
    let squash = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    squash(out).contains(&squash(needle))
}

/// The repository's root.
pub fn repo_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Copies the files under `from` to `to`, leaving out Terraform's working files (`.terraform`,
/// lock files, state).
pub fn copy_tree(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        if name.starts_with(".terraform") || name.contains(".tfstate") {
            continue;
        }
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &to.join(&name));
        } else {
            std::fs::copy(entry.path(), to.join(&name)).unwrap();
        }
    }
}

/// `examples/`: a runnable example is a folder in it with a `main.tf`.
pub fn examples_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples")
}

/// The `main.tf` of the runnable example `name`.
pub fn example(name: &str) -> String {
    std::fs::read_to_string(examples_dir().join(name).join("main.tf")).expect("main.tf")
}
