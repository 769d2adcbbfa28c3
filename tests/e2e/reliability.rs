//! Reliability of the ARM client under the faults real Azure shows every day: replication lag
//! right after a create (`404-after-create`), a throttled or failing cloud metadata or token
//! endpoint, and logs that show every ARM request at `TF_LOG=DEBUG`/`TRACE` without a secret,
//! whatever the credential.

use std::collections::BTreeMap;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

use crate::tf::emulator::Emulator;
use crate::tf::{example, examples_dir, Workspace, HEAD};

/// GETs the emulator answered 404 (its request log).
fn not_found_gets(emu: &Emulator) -> usize {
    emu.admin("GET", "requests", None)["value"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["method"] == "GET" && r["status"] == 404)
        .count()
}

/// A workspace for the runnable example `name` (with its extra `.tf` files) against `emu`.
fn example_workspace(emu: &Emulator, name: &str) -> Workspace {
    let ws = Workspace::against(emu, &example(name));
    ws.add_example_files(name);
    ws.init();
    ws
}

/// The private-link and managed-network examples apply, plan clean and destroy while every
/// created resource answers 404 to its first one or two GETs (replication lag). Before the client
/// waited out such 404s after its own writes, both examples failed 3 of 3 with one lagged 404.
/// The private endpoint is read while its connection is approved, so private-link must meet the
/// lag; the managed network's creates are read back from their operations' own results (the
/// shared reads), so that apply may make no read the fault can answer, and it must simply pass.
#[test]
fn examples_survive_replication_lag_after_create() {
    for (name, must_meet_lag) in [("private-link", true), ("managed-network", false)] {
        for lag in [1, 2] {
            eprintln!("examples/{name} with 404-after-create={lag}");
            let emu = Emulator::start(&["--faults", &format!("404-after-create={lag},lag=1s")]);
            let seed: Vec<String> = emu.resource_ids();
            let ws = example_workspace(&emu, name);
            ws.ok(&["apply", "-auto-approve", "-no-color"]);
            let lagged = not_found_gets(&emu);
            eprintln!("examples/{name}: the fault answered {lagged} GETs with 404");
            assert!(
                !must_meet_lag || lagged >= lag,
                "{name}: the fault answered {lagged} GETs with 404 (expected at least {lag})"
            );
            // The wait for "not visible yet" covers reads after this process's own writes; the
            // next process (the plan's refresh) does not know them, so the plan comes after the
            // lag window (1 s), as a person's or pipeline's next plan would.
            std::thread::sleep(std::time::Duration::from_millis(1100));
            ws.assert_no_changes();
            let state = ws.ok(&["show", "-no-color"]);
            assert!(!state.contains("tainted"), "{state}");
            ws.ok(&["destroy", "-auto-approve", "-no-color"]);
            // Objects the service created itself (a provisioned managed network's system
            // outbound rules, `__SYS_*`) are not Terraform's to delete.
            let mut left = emu.resource_ids();
            left.retain(|id| {
                !seed.iter().any(|s| s.eq_ignore_ascii_case(id))
                    && !id.to_ascii_lowercase().contains("/outboundrules/__sys_")
            });
            assert!(
                left.is_empty(),
                "{name}: left behind after destroy: {left:?}"
            );
        }
    }
}

/// A small configuration that creates two private DNS zones (writes, reads, tokens).
fn zones_config() -> String {
    format!(
        "{HEAD}\n{}",
        std::fs::read_to_string(examples_dir().join("resources/aml_private_dns_zone/resource.tf"))
            .unwrap()
    )
}

/// One throttled or failing answer of the cloud metadata or token endpoint does not fail a run:
/// both go through the ARM requests' retry policy.
#[test]
fn throttled_metadata_and_token_endpoints_are_retried() {
    for spec in [
        "429=1,targets=metadata,max=1",
        "503=1,targets=metadata,max=2",
        "429=1,targets=token,max=1",
        "500=1,targets=token,max=2",
    ] {
        eprintln!("faults {spec}");
        let emu = Emulator::start(&[]);
        let ws = Workspace::against(&emu, &zones_config());
        ws.init();
        emu.set_faults(spec);
        ws.ok(&["apply", "-auto-approve", "-no-color"]);
        // The request log shows the injected answers (the fault counter also counts requests
        // past `max`), each followed by a successful request to the same endpoint.
        let max: usize = spec.rsplit('=').next().unwrap().parse().unwrap();
        let log = emu.admin("GET", "requests", None);
        let log = log["value"].as_array().unwrap();
        let faulted: Vec<usize> = (0..log.len())
            .filter(|&i| !log[i]["fault"].is_null())
            .collect();
        assert_eq!(faulted.len(), max, "{spec}: {log:?}");
        for &i in &faulted {
            let path = &log[i]["path"];
            assert!(
                log[i + 1..]
                    .iter()
                    .any(|r| &r["path"] == path && r["status"].as_u64().is_some_and(|s| s < 300)),
                "{spec}: no successful request to {path} after the fault"
            );
        }
        ws.assert_no_changes();
        ws.ok(&["destroy", "-auto-approve", "-no-color"]);
    }
}

/// An unsigned JWT with these claims (the emulator checks claims, not signatures).
fn jwt(claims: serde_json::Value) -> String {
    let header = serde_json::json!({"alg": "RS256", "typ": "JWT"});
    format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        URL_SAFE_NO_PAD.encode(b"not-a-real-signature-0123456789")
    )
}

/// The provider's environment for one credential kind against `emu`, and the secrets it carries.
fn credential_env(
    emu: &Emulator,
    kind: &str,
    dir: &std::path::Path,
) -> (BTreeMap<String, String>, Vec<String>) {
    let mut env = emu.env.clone();
    let secret = env
        .remove("ARM_CLIENT_SECRET")
        .expect("emulator client secret");
    let mut secrets = vec![secret.clone()];
    match kind {
        "client secret" => {
            env.insert("ARM_CLIENT_SECRET".into(), secret);
        }
        "client certificate" => {
            let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256).unwrap();
            let cert = rcgen::CertificateParams::new(vec!["sp.example".into()])
                .unwrap()
                .self_signed(&key)
                .unwrap();
            let key_pem = key.serialize_pem();
            let path = dir.join("sp.pem");
            std::fs::write(&path, format!("{}{key_pem}", cert.pem())).unwrap();
            env.insert(
                "ARM_CLIENT_CERTIFICATE_PATH".into(),
                path.to_string_lossy().into(),
            );
            // Every line of the key's body is a secret.
            secrets.extend(
                key_pem
                    .lines()
                    .filter(|l| !l.starts_with("-----") && l.len() > 16)
                    .map(str::to_string),
            );
        }
        "OIDC token" | "OIDC token file" => {
            let now = 1_700_000_000u64;
            let token = jwt(serde_json::json!({
                "aud": "api://AzureADTokenExchange", "iss": "https://token.actions.example",
                "sub": "repo:secure-ml/aml:ref:refs/heads/main", "iat": now, "nbf": now, "exp": now + 10_000_000_000,
            }));
            env.insert("ARM_USE_OIDC".into(), "true".into());
            if kind == "OIDC token" {
                env.insert("ARM_OIDC_TOKEN".into(), token.clone());
            } else {
                let path = dir.join("oidc-token");
                std::fs::write(&path, &token).unwrap();
                env.insert(
                    "ARM_OIDC_TOKEN_FILE_PATH".into(),
                    path.to_string_lossy().into(),
                );
            }
            secrets.push(token);
        }
        "managed identity" => {
            env.remove("ARM_CLIENT_ID");
            env.insert("ARM_USE_MSI".into(), "true".into());
            env.insert(
                "ARM_MSI_ENDPOINT".into(),
                format!("{}/metadata/identity/oauth2/token", emu.url),
            );
        }
        other => panic!("unknown credential kind {other}"),
    }
    (env, secrets)
}

/// The lines of a Terraform log that are the provider's ARM request lines.
fn arm_request_lines(log: &str) -> Vec<&str> {
    log.lines()
        .filter(|l| l.contains("ARM request") && l.contains("status=") && l.contains("elapsed_ms="))
        .collect()
}

/// A TRACE apply and destroy with every credential kind the emulator serves: the provider's ARM
/// request lines (method, URL, status, request ids, timing) and header lines reach Terraform's log,
/// and nothing in the log is a secret, a token, an assertion or an Authorization value. At
/// `TF_LOG=DEBUG` the request lines are there too, without the TRACE header lines.
#[test]
fn trace_logs_show_every_request_and_no_secret_with_every_credential() {
    for kind in [
        "client secret",
        "client certificate",
        "OIDC token",
        "OIDC token file",
        "managed identity",
    ] {
        eprintln!("credential: {kind}");
        let emu = Emulator::start(&[]);
        let mut ws = Workspace::new(&zones_config());
        let (env, secrets) = credential_env(&emu, kind, ws.dir.path());
        for (k, v) in &env {
            ws.env(k, v);
        }
        ws.init();
        let log_path = ws.dir.path().join("terraform.log");
        ws.env("TF_LOG", "TRACE");
        ws.env("TF_LOG_PATH", &log_path.to_string_lossy());
        // One retried request and one lagged read, so that retry lines are logged as well.
        emu.set_faults("429=1,max=1,404-after-create=1");
        ws.ok(&["apply", "-auto-approve", "-no-color"]);
        ws.ok(&["destroy", "-auto-approve", "-no-color"]);
        let log = std::fs::read_to_string(&log_path).expect("TF_LOG_PATH written");

        let requests = arm_request_lines(&log);
        assert!(
            requests.len() >= 6,
            "{kind}: only {} ARM request lines in the TRACE log",
            requests.len()
        );
        for line in &requests {
            for field in ["method=", "url=https://", "request_id=", "correlation_id="] {
                assert!(line.contains(field), "{kind}: {field} missing in {line}");
            }
        }
        assert!(
            requests
                .iter()
                .any(|l| l.contains("method=PUT") && l.contains("status=20")),
            "{kind}: no successful PUT line"
        );
        assert!(
            log.contains("ARM request headers"),
            "{kind}: no TRACE header lines"
        );
        assert!(
            log.contains("retrying ARM request"),
            "{kind}: no retry line"
        );
        assert!(
            log.contains("reason=\"HTTP 429"),
            "{kind}: the retry has no reason"
        );
        assert!(
            log.contains("reading again"),
            "{kind}: no line for the lagged read"
        );

        let lower = log.to_ascii_lowercase();
        for secret in &secrets {
            assert!(
                !log.contains(secret.as_str()),
                "{kind}: a secret is in the log"
            );
        }
        for needle in [
            "eyj", // any JWT: access tokens, OIDC tokens, client assertions
            "bearer ey",
            "authorization=",
            "authorization:",
            "\"authorization\"",
            "client_assertion=",
            "client_secret=",
            "access_token",
            "private key-----",
        ] {
            if let Some(at) = lower.find(needle) {
                let line = log[..at].lines().count();
                panic!("{kind}: {needle:?} in the log at line {line}");
            }
        }
    }

    // TF_LOG=DEBUG: the request lines are there (the client's log target is not capped), the
    // header lines are not.
    let emu = Emulator::start(&[]);
    let mut ws = Workspace::against(&emu, &zones_config());
    ws.init();
    let log_path = ws.dir.path().join("debug.log");
    ws.env("TF_LOG", "DEBUG");
    ws.env("TF_LOG_PATH", &log_path.to_string_lossy());
    ws.ok(&["apply", "-auto-approve", "-no-color"]);
    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(
        arm_request_lines(&log).len() >= 3,
        "no ARM request lines at DEBUG"
    );
    assert!(!log.contains("ARM request headers"));
}

/// A long-running operation that ends `Failed` fails the run at once with the service's message:
/// one answer of the operation's result URL, no retries of it (it used to be retried for 104 to
/// 123 s, twelve requests, before Terraform saw the error).
#[test]
fn a_failed_operation_fails_at_once_with_the_service_message() {
    let emu = Emulator::start(&[]);
    let ws = crate::tf::demo_workspace(
        &emu,
        r#"
resource "aml_workspace_managed_network" "this" {
  workspace_id   = "WSID"
  isolation_mode = "AllowOnlyApprovedOutbound"
}
resource "aml_managed_network_outbound_rule" "data_factory" {
  workspace_id = aml_workspace_managed_network.this.workspace_id
  name         = "datafactory"
  service_tag {
    service_tag = "DataFactory"
    protocol    = "TCP"
    port_ranges = "443"
  }
}
"#,
    );
    ws.ok(&["apply", "-auto-approve", "-no-color"]);
    emu.set_faults("lro-fail=1,paths=*/outboundRules/*");
    let since = emu.admin("GET", "requests", None)["value"]
        .as_array()
        .unwrap()
        .last()
        .map_or(0, |r| r["seq"].as_u64().unwrap());
    let out = ws.fails(&[
        "destroy",
        "-auto-approve",
        "-no-color",
        "-target",
        "aml_managed_network_outbound_rule.data_factory",
    ]);
    assert!(crate::tf::has(&out, "fault injection: lro-fail"), "{out}");
    let log = emu.admin("GET", &format!("requests?since={since}"), None);
    let failed: Vec<&serde_json::Value> = log["value"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == 500)
        .collect();
    assert_eq!(
        failed.len(),
        1,
        "the failed operation was asked again: {failed:?}"
    );
}
