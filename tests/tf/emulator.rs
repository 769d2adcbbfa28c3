//! Starts `aml-arm-emulator` for a test: parses its `listening on` and `export` lines, offers
//! its admin API, and stops it when dropped.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

/// A running emulator.
pub struct Emulator {
    child: Child,
    /// `https://127.0.0.1:PORT`.
    pub url: String,
    /// The `export NAME=value` lines it printed.
    pub env: BTreeMap<String, String>,
    http: reqwest::blocking::Client,
}

/// The emulator binary, next to the provider's. It is built (or brought up to date) once per test
/// process: `cargo test --test x` builds only this package's binaries, and a stale emulator would
/// not know newer behaviour.
pub fn emulator_bin() -> PathBuf {
    static BUILT: std::sync::Once = std::sync::Once::new();
    BUILT.call_once(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "--quiet", "-p", "aml-arm-emulator"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .expect("build the emulator");
        assert!(status.success(), "building aml-arm-emulator failed");
    });
    let dir = PathBuf::from(env!("CARGO_BIN_EXE_terraform-provider-aml"))
        .parent()
        .unwrap()
        .to_path_buf();
    dir.join("aml-arm-emulator")
}

impl Emulator {
    /// Starts an emulator with the default world and extra arguments.
    pub fn start(args: &[&str]) -> Emulator {
        let mut child = Command::new(emulator_bin())
            .args(["--listen", "127.0.0.1:0"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start aml-arm-emulator");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let first = lines.next().expect("emulator printed nothing").unwrap();
        let url = first
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
            .to_string();
        let mut env = BTreeMap::new();
        for line in lines.by_ref().take(6) {
            let line = line.unwrap();
            let (k, v) = line
                .strip_prefix("export ")
                .and_then(|l| l.split_once('='))
                .expect("export line");
            env.insert(
                k.to_string(),
                v.trim_matches('\'').trim_matches('"').to_string(),
            );
        }
        std::thread::spawn(move || for _ in lines {});
        let ca = std::fs::read(&env["SSL_CERT_FILE"]).expect("CA file");
        let http = reqwest::blocking::Client::builder()
            .add_root_certificate(reqwest::Certificate::from_pem(&ca).unwrap())
            .build()
            .unwrap();
        Emulator {
            child,
            url,
            env,
            http,
        }
    }

    /// Calls the admin API: `method` on `/_emulator/{path}` with an optional JSON body.
    pub fn admin(
        &self,
        method: &str,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> serde_json::Value {
        let url = format!("{}/_emulator/{}", self.url, path.trim_start_matches('/'));
        let mut req = self.http.request(method.parse().unwrap(), &url);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().unwrap_or_else(|e| panic!("{method} {url}: {e}"));
        let status = resp.status();
        let text = resp.text().unwrap_or_default();
        assert!(status.is_success(), "{method} {url}: {status}: {text}");
        serde_json::from_str(&text).unwrap_or(serde_json::Value::Null)
    }

    /// A resource document as the emulator holds it (the admin API wraps it with its etag).
    pub fn resource(&self, id: &str) -> serde_json::Value {
        let v = self.admin("GET", &format!("resources{id}"), None);
        v.get("document").cloned().unwrap_or(v)
    }

    /// Writes a resource out of band (no LRO, no counters).
    pub fn put_resource(&self, id: &str, body: serde_json::Value) {
        self.admin("PUT", &format!("resources{id}"), Some(body));
    }

    /// The seeded subscription.
    pub fn subscription(&self) -> &str {
        &self.env["ARM_SUBSCRIPTION_ID"]
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
