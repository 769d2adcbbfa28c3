//! The ARM client's overhead per call: sequential GETs of one workspace through `ArmClient`
//! (token cache, pipeline, retry bookkeeping, logging, JSON parsing) against the same GETs sent
//! with a bare reqwest client and a fixed bearer token, both to `aml-arm-emulator` on loopback.
//! Run with `cargo bench --bench arm_overhead`; prints the means and their difference.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use terraform_provider_aml::arm::{ArmClient, ClientOptions, CredentialOptions, Deadline};

const CALLS: u32 = 2000;

fn emulator() -> (std::process::Child, Vec<(String, String)>) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["build", "--release", "-q", "-p", "aml-arm-emulator"])
        .current_dir(&dir)
        .status()
        .expect("build the emulator");
    assert!(status.success());
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| dir.join("target"));
    let mut child = Command::new(target.join("release/aml-arm-emulator"))
        .args(["--listen", "127.0.0.1:0", "--log-capacity", "100"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the emulator");
    let lines: Vec<String> = BufReader::new(child.stdout.take().unwrap())
        .lines()
        .take(7)
        .map(Result::unwrap)
        .collect();
    let env = lines[1..]
        .iter()
        .filter_map(|l| {
            l.strip_prefix("export ")?
                .split_once('=')
                .map(|(k, v)| (k.to_string(), v.to_string()))
        })
        .collect();
    (child, env)
}

fn mean(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6 / f64::from(CALLS)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let (mut child, env) = emulator();
    let get = |k: &str| {
        env.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap()
    };
    std::env::set_var("SSL_CERT_FILE", get("SSL_CERT_FILE"));
    let host = get("ARM_METADATA_HOSTNAME");
    let sub = get("ARM_SUBSCRIPTION_ID");
    let id = format!("/subscriptions/{sub}/resourceGroups/rg-aml-demo/providers/Microsoft.MachineLearningServices/workspaces/mlw-demo");

    let client = ArmClient::new(ClientOptions {
        credentials: CredentialOptions {
            tenant_id: Some(get("ARM_TENANT_ID")),
            client_id: Some(get("ARM_CLIENT_ID")),
            client_secret: Some(get("ARM_CLIENT_SECRET")),
            use_cli: false,
            ..CredentialOptions::default()
        },
        subscription_id: sub.clone(),
        environment: None,
        metadata_host: Some(host.clone()),
        user_agent: "bench".into(),
        retry: None,
    })
    .await
    .expect("client");

    let ca = std::fs::read(get("SSL_CERT_FILE")).unwrap();
    let raw = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&ca).unwrap())
        .build()
        .unwrap();
    let token: serde_json::Value = raw
        .post(format!("https://{host}/_emulator/token"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let bearer = format!("Bearer {}", token["access_token"].as_str().unwrap());
    let url = format!("https://{host}{id}?api-version=2025-12-01");

    for _ in 0..200 {
        client
            .get(&id, "2025-12-01", Deadline::after(Duration::from_secs(30)))
            .await
            .unwrap()
            .unwrap();
        raw.get(&url)
            .header("authorization", &bearer)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
    }
    let mut best = (f64::MAX, f64::MAX);
    for _round in 0..3 {
        let t = Instant::now();
        for _ in 0..CALLS {
            let r = raw
                .get(&url)
                .header("authorization", &bearer)
                .send()
                .await
                .unwrap();
            let _: serde_json::Value = r.json().await.unwrap();
        }
        let raw_us = mean(t.elapsed());
        let t = Instant::now();
        for _ in 0..CALLS {
            client
                .get(&id, "2025-12-01", Deadline::after(Duration::from_secs(30)))
                .await
                .unwrap()
                .unwrap();
        }
        let client_us = mean(t.elapsed());
        best = (best.0.min(raw_us), best.1.min(client_us));
    }
    println!("sequential GETs of one workspace on loopback, {CALLS} calls, best of 3 rounds");
    println!("bare reqwest + serde_json: {:.1} us/call", best.0);
    println!("ArmClient::get:           {:.1} us/call", best.1);
    println!("client overhead:          {:.1} us/call", best.1 - best.0);
    let _ = child.kill();
}
