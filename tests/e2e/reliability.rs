//! End-to-end reliability of inputs and rules (issue 15): an outbound rule written out of band
//! during an apply and seen by the provider survives the emulator's lost-rule fault like the
//! provider's own rules.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::tf::demo_workspace;
use crate::tf::emulator::{ws_id, Emulator};

/// The user-defined rules of mlw-demo, by name, as the emulator holds them.
fn user_rules(emu: &Emulator) -> BTreeSet<String> {
    let prefix = format!("{}/outboundRules/", ws_id(emu)).to_ascii_lowercase();
    emu.resource_ids()
        .into_iter()
        .filter(|id| id.to_ascii_lowercase().starts_with(&prefix))
        .filter(|id| {
            emu.resource(id)
                .pointer("/properties/category")
                .and_then(Value::as_str)
                == Some("UserDefined")
        })
        .map(|id| id.rsplit('/').next().unwrap().to_string())
        .collect()
}

/// The highest sequence number of the request log.
fn last_seq(emu: &Emulator) -> u64 {
    emu.admin("GET", "requests?limit=1", None)["value"]
        .as_array()
        .and_then(|v| v.last())
        .and_then(|e| e["seq"].as_u64())
        .unwrap_or(0)
}

/// Requests logged after `since`, as (method, lower-case path).
fn requests_since(emu: &Emulator, since: u64) -> Vec<(String, String)> {
    emu.admin("GET", &format!("requests?since={since}"), None)["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["method"].as_str().unwrap_or("").to_string(),
                e["path"].as_str().unwrap_or("").to_ascii_lowercase(),
            )
        })
        .collect()
}

const OURS: usize = 12;
const OOB: usize = 12;

#[test]
fn out_of_band_rules_seen_during_an_apply_survive_the_lost_rule_fault() {
    let emu = Emulator::with_lro_delay(&[]);
    let mut body = String::from(
        r#"
resource "aml_workspace_managed_network" "mn" {
  workspace_id   = "WSID"
  isolation_mode = "AllowOnlyApprovedOutbound"
  provision      = false
}
"#,
    );
    for i in 0..OURS {
        body.push_str(&format!(
            "resource \"aml_managed_network_outbound_rule\" \"r{i}\" {{\n  workspace_id = aml_workspace_managed_network.mn.workspace_id\n  name = \"ours-{i:02}\"\n  fqdn {{\n    destination = \"ours{i}.example.com\"\n  }}\n}}\n"
        ));
    }
    let ws = demo_workspace(&emu, &body);
    let rules = format!("{}/outboundRules", ws_id(&emu));
    let oob: BTreeSet<String> = (0..OOB).map(|i| format!("oob-{i:02}")).collect();
    let (out, repaired_oob, injected) = std::thread::scope(|s| {
        let apply = s.spawn(|| ws.run(&["apply", "-auto-approve", "-no-color"]));
        // Once the provider has written a few rules, another tool writes its own ...
        let t = Instant::now();
        while user_rules(&emu).len() < 3 {
            assert!(t.elapsed() < Duration::from_secs(120), "the apply wrote no rules");
            assert!(!apply.is_finished(), "the apply ended before writing rules");
            std::thread::sleep(Duration::from_millis(20));
        }
        for name in &oob {
            emu.put_resource(
                &format!("{rules}/{name}"),
                json!({"properties": {"type": "FQDN", "category": "UserDefined", "destination": format!("{name}.example.org")}}),
            );
        }
        // ... the provider lists them (the sibling check after its next write) ...
        let since = last_seq(&emu);
        let listed = |emu: &Emulator| {
            requests_since(emu, since)
                .iter()
                .any(|(m, p)| m == "GET" && p.ends_with("/outboundrules"))
        };
        while !listed(&emu) {
            assert!(t.elapsed() < Duration::from_secs(120), "the provider never listed the rules");
            std::thread::sleep(Duration::from_millis(5));
        }
        // ... and from then on completed rule writes drop sibling rules.
        emu.set_faults("seed=11,lost-rule=0.5");
        let faulted = last_seq(&emu);
        let out = apply.join().unwrap();
        let repaired_oob = requests_since(&emu, faulted)
            .iter()
            .filter(|(m, p)| m == "PUT" && p.contains("/outboundrules/oob-"))
            .count();
        let injected = emu.admin("GET", "faults", None)["injected"]
            .as_u64()
            .unwrap_or(0);
        (out, repaired_oob, injected)
    });
    let text = crate::tf::text(&out);
    assert!(out.status.success(), "apply failed:\n{text}");
    let kept = user_rules(&emu);
    let lost: Vec<&String> = oob.iter().filter(|n| !kept.contains(*n)).collect();
    eprintln!(
        "MEASURE out-of-band rules under lost-rule=0.5: {} faults injected, {} out-of-band rules written again by \
         the provider, {} of {OOB} kept",
        injected,
        repaired_oob,
        OOB - lost.len()
    );
    assert!(lost.is_empty(), "out-of-band rules lost: {lost:?}\n{text}");
    for i in 0..OURS {
        assert!(kept.contains(&format!("ours-{i:02}")), "ours-{i:02} lost: {kept:?}");
    }
    assert!(injected > 0, "the fault never fired");
    assert!(
        repaired_oob > 0,
        "no out-of-band rule was dropped by the fault, so the test proved nothing ({injected} faults)"
    );
}
