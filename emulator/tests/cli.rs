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
