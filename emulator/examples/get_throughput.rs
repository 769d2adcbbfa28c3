//! Throughput check (a benchmark, not a test): starts an in-process emulator, then drives
//! concurrent authenticated GETs of a workspace over HTTPS on loopback and prints requests/s.
//!
//! `cargo run --release -p aml-arm-emulator --example get_throughput -- [TOTAL] [CONCURRENCY]`

use aml_arm_emulator::app::ids;
use std::sync::Arc;
use std::time::Instant;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let total: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(50_000);
    let conc: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(64);
    let h = aml_arm_emulator::run(aml_arm_emulator::cli::Config::default())
        .await
        .expect("emulator starts");
    let cert = reqwest::Certificate::from_pem(h.ca_pem.as_bytes()).expect("ca");
    // One HTTP/1.1 client per worker group gives several TLS connections, like a real pool.
    let clients: Vec<reqwest::Client> = (0..8)
        .map(|_| {
            reqwest::Client::builder()
                .add_root_certificate(cert.clone())
                .http1_only()
                .build()
                .expect("client")
        })
        .collect();
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", ids::CLIENT_ID),
        ("client_secret", ids::CLIENT_SECRET),
        ("scope", "https://management.azure.com/.default"),
    ];
    let tok: serde_json::Value = clients[0]
        .post(format!(
            "{}/{}/oauth2/v2.0/token",
            h.base_url,
            ids::TENANT_ID
        ))
        .form(&form)
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("token json");
    let token = Arc::new(
        tok["access_token"]
            .as_str()
            .expect("access_token")
            .to_string(),
    );
    let url = Arc::new(format!(
        "{}/subscriptions/{}/resourceGroups/rg-aml-demo/providers/Microsoft.MachineLearningServices/workspaces/mlw-demo?api-version=2025-12-01",
        h.base_url,
        ids::SUBSCRIPTION_ID
    ));
    // Warm-up so the TLS handshakes are not measured.
    for c in &clients {
        let _ = c.get(url.as_str()).bearer_auth(token.as_str()).send().await;
    }
    let per = total / conc;
    let start = Instant::now();
    let mut tasks = Vec::new();
    for i in 0..conc {
        let c = clients[i % clients.len()].clone();
        let (url, token) = (url.clone(), token.clone());
        tasks.push(tokio::spawn(async move {
            let mut ok = 0usize;
            for _ in 0..per {
                let r = c
                    .get(url.as_str())
                    .bearer_auth(token.as_str())
                    .send()
                    .await
                    .expect("GET");
                if r.status().is_success() {
                    let _ = r.bytes().await;
                    ok += 1;
                }
            }
            ok
        }));
    }
    let mut ok = 0;
    for t in tasks {
        ok += t.await.expect("task");
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{ok} GETs ({} concurrent, HTTPS, loopback) in {secs:.2}s: {:.0} requests/s",
        conc,
        ok as f64 / secs
    );
    h.stop();
}
