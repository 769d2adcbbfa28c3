//! Starts `aml-arm-emulator` for a test: parses its `listening on` and `export` lines, offers
//! its admin API and an authenticated ARM client, names the default world's objects, and stops it
//! when dropped.

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

/// The emulator's async-operation delay for the measured tests: `AML_E2E_LRO_MS`, default 50 ms.
pub fn lro_ms() -> String {
    std::env::var("AML_E2E_LRO_MS").unwrap_or_else(|_| "50".into())
}

impl Emulator {
    /// Starts an emulator with the default world, the async-operation delay of [`lro_ms`] and
    /// extra arguments.
    pub fn with_lro_delay(extra: &[&str]) -> Emulator {
        let lro = lro_ms();
        let mut args = vec!["--lro-delay-ms", lro.as_str()];
        args.extend_from_slice(extra);
        Emulator::start(&args)
    }

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

    /// The IDs of every resource the emulator holds.
    pub fn resource_ids(&self) -> Vec<String> {
        let v = self.admin("GET", "resources", None);
        v["value"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(serde_json::Value::as_str)
            .map(str::to_string)
            .collect()
    }

    /// Writes a resource out of band (no LRO, no counters).
    pub fn put_resource(&self, id: &str, body: serde_json::Value) {
        self.admin("PUT", &format!("resources{id}"), Some(body));
    }

    /// The seeded subscription.
    pub fn subscription(&self) -> &str {
        &self.env["ARM_SUBSCRIPTION_ID"]
    }

    /// Sets the faults to inject (the `--faults` syntax), replacing the current ones.
    pub fn set_faults(&self, spec: &str) {
        self.admin("POST", "faults", Some(serde_json::json!({ "spec": spec })));
    }

    /// ARM writes (PUT/PATCH/DELETE/POST) handled since the counters were last cleared, by
    /// lower-cased resource ID.
    pub fn write_counts(&self) -> BTreeMap<String, u64> {
        let counters = self.admin("GET", "counters", None);
        counters
            .as_object()
            .unwrap()
            .iter()
            .map(|(id, by_method)| {
                let n = by_method
                    .as_object()
                    .map(|m| m.values().filter_map(serde_json::Value::as_u64).sum())
                    .unwrap_or(0);
                (id.clone(), n)
            })
            .collect()
    }

    /// An ARM client as another tool (the az CLI, a script) would use: the emulator's CA and a
    /// bearer token.
    pub fn arm_client(&self) -> ArmClient {
        let token = self.admin("POST", "token", None)["access_token"]
            .as_str()
            .unwrap()
            .to_string();
        ArmClient {
            http: self.http.clone(),
            token,
        }
    }
}

/// The default world's resource group `rg-aml-demo`.
pub fn rg(emu: &Emulator) -> String {
    format!(
        "/subscriptions/{}/resourceGroups/rg-aml-demo",
        emu.subscription()
    )
}

/// The default world's workspace `mlw-demo`.
pub fn ws_id(emu: &Emulator) -> String {
    format!(
        "{}/providers/Microsoft.MachineLearningServices/workspaces/mlw-demo",
        rg(emu)
    )
}

/// An authenticated ARM client for requests outside Terraform; see [`Emulator::arm_client`].
pub struct ArmClient {
    http: reqwest::blocking::Client,
    token: String,
}

impl ArmClient {
    /// `GET url` with the bearer token.
    pub fn get(&self, url: &str) -> reqwest::blocking::RequestBuilder {
        self.http.get(url).bearer_auth(&self.token)
    }

    /// `PUT url` with the bearer token.
    pub fn put(&self, url: &str) -> reqwest::blocking::RequestBuilder {
        self.http.put(url).bearer_auth(&self.token)
    }

    /// `PATCH url` with the bearer token.
    pub fn patch(&self, url: &str) -> reqwest::blocking::RequestBuilder {
        self.http.patch(url).bearer_auth(&self.token)
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
