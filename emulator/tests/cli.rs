//! The binary's contract: the first stdout line is `listening on https://127.0.0.1:PORT`,
//! followed by `export NAME=value` lines a shell can `eval`; `--seed` replaces the world;
//! bad arguments fail with a message.

mod common;

use serde_json::json;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[tokio::test]
async fn binary_prints_ready_line_and_exports() {
    let dir = std::env::temp_dir().join(format!("emu-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ca = dir.join("ca.pem");
    let seed = dir.join("seed.json");
    let sub = "12345678-0000-4000-8000-000000000000";
    std::fs::write(
        &seed,
        json!([{
            "id": format!("/subscriptions/{sub}/resourceGroups/rg-x/providers/Microsoft.MachineLearningServices/workspaces/ws-imported"),
            "type": "Microsoft.MachineLearningServices/workspaces", "name": "ws-imported", "location": "westeurope",
            "properties": {"publicNetworkAccess": "Disabled", "managedNetwork": {"isolationMode": "AllowInternetOutbound",
                "outboundRules": {"blob-pe": {"type": "PrivateEndpoint", "category": "UserDefined",
                    "destination": {"serviceResourceId": "/subscriptions/x/resourceGroups/y/providers/Microsoft.Storage/storageAccounts/z", "subresourceTarget": "blob"}}}}}
        }])
        .to_string(),
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_aml-arm-emulator"))
        .args(["--listen", "127.0.0.1:0", "--ca-out"])
        .arg(&ca)
        .arg("--seed")
        .arg(&seed)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn emulator");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    assert!(
        first.starts_with("listening on https://127.0.0.1:"),
        "{first}"
    );
    let port: u16 = first.rsplit(':').next().unwrap().parse().expect("port");
    let mut env = std::collections::HashMap::new();
    for _ in 0..6 {
        let l = lines.next().unwrap().unwrap();
        let (k, v) = l
            .strip_prefix("export ")
            .expect("export line")
            .split_once('=')
            .unwrap();
        env.insert(k.to_string(), v.to_string());
    }
    assert_eq!(env["ARM_METADATA_HOSTNAME"], format!("127.0.0.1:{port}"));
    assert_eq!(env["SSL_CERT_FILE"], ca.display().to_string());
    for k in [
        "ARM_TENANT_ID",
        "ARM_CLIENT_ID",
        "ARM_CLIENT_SECRET",
        "ARM_SUBSCRIPTION_ID",
    ] {
        assert!(!env[k].is_empty(), "{k}");
    }
    let pem = std::fs::read(&ca).unwrap();
    let client = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&pem).unwrap())
        .build()
        .unwrap();
    let base = format!("https://127.0.0.1:{port}");
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", env["ARM_CLIENT_ID"].as_str()),
        ("client_secret", env["ARM_CLIENT_SECRET"].as_str()),
        ("scope", "https://management.azure.com/.default"),
    ];
    let tok: serde_json::Value = client
        .post(format!("{base}/{}/oauth2/v2.0/token", env["ARM_TENANT_ID"]))
        .form(&form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = tok["access_token"].as_str().unwrap().to_string();
    let ws = format!("{base}/subscriptions/{sub}/resourceGroups/rg-x/providers/Microsoft.MachineLearningServices/workspaces/ws-imported?api-version=2025-12-01");
    let r = common::to_resp(client.get(&ws).bearer_auth(&token).send().await.unwrap()).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(
        r.body["properties"]["managedNetwork"]["outboundRules"]["blob-pe"]["type"],
        "PrivateEndpoint"
    );
    let r = client.get(format!("{base}/subscriptions/{sub}/resourceGroups/rg-x/providers/Microsoft.MachineLearningServices/workspaces/ws-imported/outboundRules/blob-pe?api-version=2025-12-01")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), 200);
    // The default world is replaced by the seed.
    let r = client
        .get(format!(
            "{base}/subscriptions/{}/resourceGroups/rg-aml-demo?api-version=2021-04-01",
            env["ARM_SUBSCRIPTION_ID"]
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    child.kill().expect("stop the emulator we started");
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_arguments_fail() {
    let out = Command::new(env!("CARGO_BIN_EXE_aml-arm-emulator"))
        .args(["--listen", "0.0.0.0:0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("loopback"));
    let out = Command::new(env!("CARGO_BIN_EXE_aml-arm-emulator"))
        .args(["--faults", "429=7"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--faults"));
}

/// `exec`: a fresh directory for one test's files.
fn exec_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("emu-exec-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Waits up to ten seconds for `path` to exist.
fn wait_for(path: &std::path::Path) {
    for _ in 0..200 {
        if path.exists() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("{} never appeared", path.display());
}

/// The environment the command saw (`env` output), as a map.
fn env_file(path: &std::path::Path) -> std::collections::HashMap<String, String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[tokio::test]
async fn exec_runs_the_command_against_a_live_emulator_and_returns_its_status() {
    let dir = exec_dir("status");
    let script = format!(
        "env > {d}/env.tmp && mv {d}/env.tmp {d}/env; while [ ! -f {d}/go ]; do sleep 0.05; done; exit 7",
        d = dir.display()
    );
    let child = Command::new(env!("CARGO_BIN_EXE_aml-arm-emulator"))
        .args(["exec", "--lro-delay-ms", "5", "--", "sh", "-c", &script])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn exec");
    wait_for(&dir.join("env"));
    let env = env_file(&dir.join("env"));
    for k in [
        "ARM_METADATA_HOSTNAME",
        "ARM_TENANT_ID",
        "ARM_CLIENT_ID",
        "ARM_CLIENT_SECRET",
        "ARM_SUBSCRIPTION_ID",
        "SSL_CERT_FILE",
        "AML_ARM_EMULATOR_URL",
    ] {
        assert!(env.get(k).is_some_and(|v| !v.is_empty()), "{k} in {env:?}");
    }
    let host = env["ARM_METADATA_HOSTNAME"].clone();
    assert!(host.starts_with("127.0.0.1:"), "{host}");
    assert_eq!(env["AML_ARM_EMULATOR_URL"], format!("https://{host}"));
    // While the command runs, the emulator answers with the exported credentials and CA.
    let ca = std::path::PathBuf::from(&env["SSL_CERT_FILE"]);
    let client = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&std::fs::read(&ca).unwrap()).unwrap())
        .build()
        .unwrap();
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", env["ARM_CLIENT_ID"].as_str()),
        ("client_secret", env["ARM_CLIENT_SECRET"].as_str()),
        ("scope", "https://management.azure.com/.default"),
    ];
    let tok: serde_json::Value = client
        .post(format!(
            "https://{host}/{}/oauth2/v2.0/token",
            env["ARM_TENANT_ID"]
        ))
        .form(&form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = tok["access_token"].as_str().expect("a token").to_string();
    let r = client
        .get(format!(
            "https://{host}/subscriptions/{}/resourceGroups/rg-aml-demo?api-version=2021-04-01",
            env["ARM_SUBSCRIPTION_ID"]
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "the default world without --seed");

    std::fs::write(dir.join("go"), "").unwrap();
    let status = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .unwrap()
        .unwrap()
        .status;
    assert_eq!(status.code(), Some(7), "the command's exit status");
    // Stopped afterwards: nothing listens on the port, and the CA's temp directory is gone.
    assert!(
        std::net::TcpStream::connect(&host).is_err(),
        "the emulator still listens on {host}"
    );
    assert!(!ca.exists(), "{} left behind", ca.display());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn exec_passes_seed_and_faults_and_success() {
    let dir = exec_dir("seed");
    let seed = dir.join("seed.json");
    std::fs::write(
        &seed,
        json!([{"id": "/subscriptions/12345678-0000-4000-8000-000000000000/resourceGroups/rg-seeded",
                "type": "Microsoft.Resources/resourceGroups", "name": "rg-seeded", "location": "westeurope"}])
        .to_string(),
    )
    .unwrap();
    let ca = dir.join("ca.pem");
    let out = Command::new(env!("CARGO_BIN_EXE_aml-arm-emulator"))
        .arg("exec")
        .arg("--seed")
        .arg(&seed)
        .arg("--ca-out")
        .arg(&ca)
        .args(["--faults", "seed=1,500=0.5", "--", "sh", "-c"])
        .arg(format!(
            "test -s {} && echo \"$ARM_METADATA_HOSTNAME\"",
            ca.display()
        ))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).starts_with("127.0.0.1:"),
        "the command's stdout is passed through: {}",
        text(&out)
    );
    assert!(ca.exists(), "a given --ca-out is kept");
    assert!(
        text(&out).contains("faults injected into"),
        "the fault summary: {}",
        text(&out)
    );
    // A bad seed or fault spec fails before the command runs, with the wrapper's own status.
    let out = Command::new(env!("CARGO_BIN_EXE_aml-arm-emulator"))
        .args(["exec", "--faults", "429=7", "--", "sh", "-c", "echo ran"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(125), "{}", text(&out));
    assert!(!String::from_utf8_lossy(&out.stdout).contains("ran"));
    assert!(text(&out).contains("--faults"), "{}", text(&out));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn exec_without_a_runnable_command_says_why() {
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_aml-arm-emulator"))
            .args(args)
            .output()
            .unwrap()
    };
    let out = run(&["exec", "--", "no-such-command-aml-test", "test"]);
    assert_eq!(out.status.code(), Some(127), "{}", text(&out));
    assert!(
        text(&out).contains("command not found: no-such-command-aml-test"),
        "{}",
        text(&out)
    );
    for args in [
        &["exec"][..],
        &["exec", "--"],
        &["exec", "terraform", "test"],
    ] {
        let out = run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out));
        assert!(
            text(&out).contains("aml-arm-emulator exec -- terraform test"),
            "{args:?}: {}",
            text(&out)
        );
    }
    let dir = exec_dir("noexec");
    let file = dir.join("not-executable");
    std::fs::write(&file, "#!/bin/sh\n").unwrap();
    let out = run(&["exec", "--", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(126), "{}", text(&out));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn exec_forwards_sigterm_and_reports_a_killed_command() {
    let dir = exec_dir("signal");
    let script = format!(
        "trap 'echo stopped > {d}/term; exit 42' TERM; touch {d}/ready; while :; do sleep 0.05; done",
        d = dir.display()
    );
    let child = Command::new(env!("CARGO_BIN_EXE_aml-arm-emulator"))
        .args(["exec", "--", "sh", "-c", &script])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for(&dir.join("ready"));
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(42), "the command's own exit status");
    assert_eq!(
        std::fs::read_to_string(dir.join("term")).unwrap().trim(),
        "stopped",
        "the command got SIGTERM"
    );
    // A command killed by a signal: 128 + the signal, as shells report it.
    let out = Command::new(env!("CARGO_BIN_EXE_aml-arm-emulator"))
        .args(["exec", "--", "sh", "-c", "kill -KILL $$"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(128 + 9), "{}", text(&out));
    let _ = std::fs::remove_dir_all(&dir);
}

fn text(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}
