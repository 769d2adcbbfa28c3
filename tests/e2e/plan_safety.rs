//! End-to-end safety of inputs and rules (issue 15): the bad-input catalogue fails at plan on the
//! right attribute, the private endpoint's subnet checks, and an outbound rule written out of band
//! during an apply survives the emulator's lost-rule fault like the provider's own rules.

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

const OURS: usize = 16;
const OOB: usize = 20;

#[test]
fn out_of_band_rules_seen_during_an_apply_survive_the_lost_rule_fault() {
    // Rule writes take 400 ms each, so that most of them run after the fault is set.
    let emu = Emulator::start(&["--lro-delay-ms", "400"]);
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
            assert!(
                t.elapsed() < Duration::from_secs(120),
                "the apply wrote no rules"
            );
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
            assert!(
                t.elapsed() < Duration::from_secs(120),
                "the provider never listed the rules"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
        // ... and from then on completed rule writes drop sibling rules.
        emu.set_faults("seed=11,lost-rule=0.5");
        let faulted = last_seq(&emu);
        let out = apply.join().unwrap();
        let after = requests_since(&emu, faulted);
        let repaired_oob = after
            .iter()
            .filter(|(m, p)| m == "PUT" && p.contains("/outboundrules/oob-"))
            .count();
        let ours_after = after
            .iter()
            .filter(|(m, p)| m == "PUT" && p.contains("/outboundrules/ours-"))
            .count();
        assert!(
            ours_after >= 3,
            "only {ours_after} rule writes ran under the fault: the apply was too quick for this test"
        );
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
        assert!(
            kept.contains(&format!("ours-{i:02}")),
            "ours-{i:02} lost: {kept:?}"
        );
    }
    assert!(injected > 0, "the fault never fired");
    assert!(
        repaired_oob > 0,
        "no out-of-band rule was dropped by the fault, so the test proved nothing ({injected} faults)"
    );
}

/// One bad input of the catalogue: a resource body, the message its diagnostic must contain, and
/// how the configuration line Terraform quotes for it must start (the attribute it points at).
struct Bad {
    ty: &'static str,
    body: String,
    message: String,
    line: &'static str,
    severity: &'static str,
}

fn bad(
    ty: &'static str,
    body: impl Into<String>,
    message: impl Into<String>,
    line: &'static str,
) -> Bad {
    Bad {
        ty,
        body: body.into(),
        message: message.into(),
        line,
        severity: "error",
    }
}

/// Every bad input known to the project (the issues' reports and the areas' validation tests).
fn catalogue(emu: &Emulator) -> Vec<Bad> {
    let rg = crate::tf::emulator::rg(emu);
    let ws = ws_id(emu);
    let subnet =
        format!("{rg}/providers/Microsoft.Network/virtualNetworks/vnet-aml/subnets/snet-pe");
    let st = format!("{rg}/providers/Microsoft.Storage/storageAccounts/stamldemo");
    let pe = |loc: &str, extra: &str| {
        format!(
            "name = \"pe-x\"\nresource_group_name = \"rg-aml-demo\"\nlocation = \"{loc}\"\nsubnet_id = \"{subnet}\"\ntarget_resource_id = \"{ws}\"\n{extra}"
        )
    };
    let static_ip = |ip: &str| {
        pe(
            "eastus",
            &format!("ip_configuration {{\n  name = \"c0\"\n  private_ip_address = \"{ip}\"\n  member_name = \"default\"\n}}"),
        )
    };
    let rule = |body: &str| format!("workspace_id = \"{ws}\"\n{body}");
    let fqdn = |name: &str, dest: &str| {
        rule(&format!(
            "name = \"{name}\"\nfqdn {{\n  destination = \"{dest}\"\n}}"
        ))
    };
    let tag = |protocol: &str, ports: &str, extra: &str| {
        rule(&format!(
            "name = \"tag\"\nservice_tag {{\n  protocol = \"{protocol}\"\n  port_ranges = \"{ports}\"\n{extra}\n}}"
        ))
    };
    let ip_rule = |ip: &str| format!("workspace_id = \"{ws}\"\nip_address = \"{ip}\"");
    let ep = |body: &str| format!("workspace_id = \"{ws}\"\n{body}");
    const PE: &str = "aml_private_endpoint";
    const RULE: &str = "aml_managed_network_outbound_rule";
    const IP: &str = "aml_network_rule";
    const EP: &str = "aml_online_endpoint";
    let mut v = vec![
        // aml_private_endpoint
        bad(PE, pe("eastus", "").replace(&subnet, &format!("{rg}/providers/Microsoft.Network/virtualNetworks/vnet-aml")),
            "This is a virtual network ID, not a subnet ID", "subnet_id"),
        bad(PE, pe("eastus", "").replace(&format!("target_resource_id = \"{ws}\""), &format!("target_resource_id = \"{st}\"")),
            "Missing sub-resource", "resource \"aml_private_endpoint\""),
        bad(PE, pe("eastus", "request_message = \"please\""), "Request message without manual connection", "request_message"),
        bad(PE, pe("eastus", "subresource_name = \"blob\""), "Invalid sub-resource for this target", "subresource_name"),
        bad(PE, pe("eastus", "").replace("\"pe-x\"", "\"pe mlw\""), "contains ' '", "name"),
        bad(PE, pe("", ""), "The location is empty", "location"),
        bad(PE, pe("East-US", ""), "contains '-': a location has only letters, digits and spaces", "location"),
        bad(PE, pe(&"east-".repeat(2_000), ""),
            "\"east-east-east-east-east-east-east-east-east-east-east-east-\"… (10000 characters) contains '-'", "location"),
        bad(PE, pe("westus", ""), "Location differs from the virtual network's region", "location"),
        bad(PE, pe("West US", ""), "Set location = \"eastus\"", "location"),
        bad(PE, static_ip("10.0.2.10"), "\"10.0.2.10\" is not inside the address prefix of subnet snet-pe (10.0.1.0/24)",
            "private_ip_address"),
        bad(PE, static_ip("192.168.1.4"), "Static IP address outside the subnet", "private_ip_address"),
        bad(PE, static_ip("10.0.1"), "\"10.0.1\" is not an IPv4 address", "private_ip_address"),
        // aml_private_dns_zone, aml_private_dns_zone_virtual_network_link
        bad("aml_private_dns_zone", "name = \"privatelink.api.azureml.ms.\"\nresource_group_name = \"rg-aml-demo\"",
            "must not end with '.'", "name"),
        bad("aml_private_dns_zone_virtual_network_link",
            format!("name = \"l\"\nprivate_dns_zone_id = \"{rg}/providers/Microsoft.Network/privateDnsZones/privatelink.api.azureml.ms\"\nvirtual_network_id = \"{subnet}\""),
            "This is a subnet ID, not a virtual network ID", "virtual_network_id"),
        // aml_managed_network_outbound_rule (mlw-demo's managed network is not approved-outbound)
        bad(RULE, fqdn("pypi", "pypi.org"), "FQDN rules need isolation mode AllowOnlyApprovedOutbound", "destination"),
        bad(RULE, rule("name = \"stag\"\nservice_tag {\n  service_tag = \"Sql\"\n  protocol = \"TCP\"\n  port_ranges = \"443\"\n}"),
            "Service-tag rules need isolation mode AllowOnlyApprovedOutbound", "service_tag"),
        bad(RULE, rule(&format!("name = \"x\"\nprivate_endpoint {{\n  service_resource_id = \"{st}\"\n  subresource_target = \"blob\"\n}}")),
            "is not a valid outbound rule name", "name"),
        bad(RULE, rule(&format!("name = \"pe-st\"\nprivate_endpoint {{\n  service_resource_id = \"{st}\"\n  subresource_target = \"vault\"\n}}")),
            "\"vault\" is not a sub-resource of Microsoft.Storage/storageAccounts", "subresource_target"),
        bad(RULE, rule(&format!("name = \"pe-st\"\nprivate_endpoint {{\n  service_resource_id = \"{st}\"\n  subresource_target = \"blob\"\n}}\nfqdn {{\n  destination = \"pypi.org\"\n}}")),
            "exactly one of fqdn, service_tag or private_endpoint", "service_resource_id"),
        bad(RULE, fqdn("pypi", "https://pypi.org"), "is not a host name", "destination"),
        bad(RULE, tag("TCP", "443-80", "  service_tag = \"Sql\""), "is not a valid port range list", "port_ranges"),
        bad(RULE, tag("HTTP", "443", "  service_tag = \"Sql\""), "\"HTTP\"", "protocol"),
        bad(RULE, tag("TCP", "443", "  address_prefixes = [\n    \"10.0.0.0/8\",\n    \"not-a-cidr\",\n  ]"),
            "\"not-a-cidr\" is not an IP address or CIDR range", "\"not-a-cidr\""),
        // aml_network_rule, aml_workspace_network_access
        bad(IP, ip_rule("2001:db8::1"), "only IPv4 is supported", "ip_address"),
        bad(IP, ip_rule("10.1.2.3"), "\"10.1.2.3\" is not a public address: it is in or covers 10.0.0.0/8 (private)", "ip_address"),
        bad(IP, ip_rule("100.64.1.0/24"), "100.64.0.0/10 (shared address space", "ip_address"),
        bad(IP, ip_rule("198.51.100.7"), "TEST-NET-2", "ip_address"),
        bad(IP, ip_rule("52.160.10.4/16"), "use the network address 52.160.0.0/16", "ip_address"),
        bad(IP, ip_rule("52.160.10"), "\"52.160.10\" is not an IPv4 address or CIDR range", "ip_address"),
        bad(IP, format!("workspace_id = \"{st}\"\nip_address = \"52.160.10.4\""), "workspace", "workspace_id"),
        bad("aml_workspace_network_access", format!("workspace_id = \"{ws}\"\npublic_network_access = \"enabled\""),
            "Valid values are: \"Enabled\", \"Disabled\"", "public_network_access"),
        // aml_online_endpoint
        bad(EP, ep("name = \"1score\""), "does not start with a letter", "name"),
        bad(EP, ep("name = \"ab\""), "has 2 characters", "name"),
        bad(EP, ep("name = \"score_1\""), "contains '_'", "name"),
        bad(EP, ep("name = \"score-1-\""), "does not end with a letter or digit", "name"),
        bad(EP, ep("name = \"ok-name\"\ntraffic = { blue = 60, green = 30 }"), "traffic adds up to 90%, not 100%", "traffic"),
        bad(EP, ep("name = \"ok-name\"\nmirror_traffic = { blue = 40, green = 20 }"), "mirror_traffic adds up to 60%, more than 50%",
            "mirror_traffic"),
        bad(EP, ep("name = \"ok-name\"\ntraffic = { blue = 50.5, green = 49.5 }"), "\"blue\" = 50.5 is not a whole percentage", "traffic"),
        bad(EP, ep("name = \"ok-name\"\nauth_mode = \"Token\""), "AMLToken", "auth_mode"),
        // aml_workspace_image_build
        bad("aml_workspace_image_build", format!("workspace_id = \"{ws}\"\ncompute_name = \"{ws}/computes/cpu-cluster\""),
            "Set compute_name = \"cpu-cluster\".", "compute_name"),
    ];
    // aml_workspace_managed_network: Spark without provisioning is a warning on include_spark.
    let mut spark = bad(
        "aml_workspace_managed_network",
        format!("workspace_id = \"{ws}\"\nisolation_mode = \"AllowInternetOutbound\"\nprovision = false\ninclude_spark = true"),
        "include_spark has no effect without provisioning",
        "include_spark",
    );
    spark.severity = "warning";
    v.push(spark);
    v
}

/// A diagnostic of `terraform plan -json` / `validate -json` reduced to what the catalogue checks.
#[derive(Debug, Clone)]
struct Diag {
    severity: String,
    text: String,
    file: String,
    code: String,
}

fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn diags_of(json_lines: &str) -> Vec<Diag> {
    let mut out = Vec::new();
    for line in json_lines.lines() {
        let Ok(v) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        // plan -json streams {"type": "diagnostic", "diagnostic": {...}}; validate -json has a list.
        let list: Vec<Value> = if v["type"] == "diagnostic" {
            vec![v["diagnostic"].clone()]
        } else {
            v["diagnostics"].as_array().cloned().unwrap_or_default()
        };
        for d in list {
            out.push(Diag {
                severity: d["severity"].as_str().unwrap_or_default().to_string(),
                text: squash(&format!(
                    "{} {}",
                    d["summary"].as_str().unwrap_or_default(),
                    d["detail"].as_str().unwrap_or_default()
                )),
                file: d["range"]["filename"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                code: d["snippet"]["code"]
                    .as_str()
                    .unwrap_or_default()
                    .trim()
                    .to_string(),
            });
        }
    }
    out
}

/// The bad-input catalogue: every entry, each in its own file, fails at plan (or validate) with
/// its message on its attribute. Entries are planned together; those a round's validation errors
/// hid from planning are planned again without the entries already matched, until none is left.
#[test]
fn the_bad_input_catalogue_fails_at_plan_on_each_attribute() {
    let emu = Emulator::start(&[]);
    let entries = catalogue(&emu);
    let ws = crate::tf::Workspace::against(&emu, crate::tf::HEAD);
    ws.init();
    let file = |i: usize| format!("c{i:02}.tf");
    let mut pending: Vec<usize> = (0..entries.len()).collect();
    let mut passed: Vec<usize> = Vec::new();
    let mut failed: Vec<String> = Vec::new();
    let mut rounds = 0;
    while !pending.is_empty() && rounds < 5 {
        rounds += 1;
        for (i, e) in entries.iter().enumerate() {
            let path = ws.path(&file(i));
            if pending.contains(&i) {
                ws.write(
                    &file(i),
                    &format!("resource \"{}\" \"c{i:02}\" {{\n{}\n}}\n", e.ty, e.body),
                );
            } else {
                let _ = std::fs::remove_file(path);
            }
        }
        let out = ws.run(&["plan", "-json", "-no-color", "-lock=false"]);
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        let diags = diags_of(&stdout);
        let any_error = diags.iter().any(|d| d.severity == "error");
        let mut next = Vec::new();
        for &i in &pending {
            let e = &entries[i];
            let mine: Vec<&Diag> = diags.iter().filter(|d| d.file == file(i)).collect();
            let ok = mine.iter().any(|d| {
                d.severity == e.severity
                    && d.text.contains(&squash(&e.message))
                    && d.code.starts_with(e.line)
            });
            if ok {
                passed.push(i);
            } else if mine.iter().any(|d| d.severity == "error") || !any_error {
                failed.push(format!(
                    "c{i:02} {} {:?}: want {} {:?} on a line starting {:?}, got {mine:?}",
                    e.ty, e.body, e.severity, e.message, e.line
                ));
            } else {
                // Not reached this round (another file's validation error stopped the plan early).
                next.push(i);
            }
        }
        if next.len() == pending.len() {
            for i in &next {
                failed.push(format!(
                    "c{i:02} {}: no diagnostic at all ({:?})",
                    entries[*i].ty, entries[*i].body
                ));
            }
            next.clear();
        }
        pending = next;
    }
    eprintln!(
        "MEASURE bad-input catalogue: {} entries, {} fail at plan on their attribute with their message ({} rounds)",
        entries.len(),
        passed.len(),
        rounds
    );
    assert!(
        failed.is_empty(),
        "{} of {} entries:\n{}",
        failed.len(),
        entries.len(),
        failed.join("\n")
    );
    assert_eq!(passed.len(), entries.len());
    // Nothing was written to ARM.
    assert!(emu.write_counts().is_empty(), "{:?}", emu.write_counts());
}

/// The plan-time checks against the subnet run only where the subnet can be read: an unknown
/// subnet, a VNet that does not exist yet (404) or one the identity may not read (403) plan
/// without an error, and a valid endpoint plans clean.
#[test]
fn subnet_checks_skip_what_cannot_be_read() {
    let emu = Emulator::start(&[]);
    let rg = crate::tf::emulator::rg(&emu);
    let ws = ws_id(&emu);
    let pe = |subnet: &str, location: &str, ip: &str| {
        format!(
            "{}\nresource \"terraform_data\" \"late\" {{\n  input = \"snet-pe\"\n}}\nresource \"aml_private_endpoint\" \"pe\" {{\n  name = \"pe-x\"\n  resource_group_name = \"rg-aml-demo\"\n  location = \"{location}\"\n  subnet_id = \"{subnet}\"\n  target_resource_id = \"{ws}\"\n  ip_configuration {{\n    name = \"c0\"\n    private_ip_address = \"{ip}\"\n    member_name = \"default\"\n  }}\n}}\n",
            crate::tf::HEAD
        )
    };
    let vnet = format!("{rg}/providers/Microsoft.Network/virtualNetworks/vnet-aml");
    let work = crate::tf::Workspace::against(
        &emu,
        &pe(&format!("{vnet}/subnets/snet-pe"), "eastus", "10.0.1.50"),
    );
    work.init();
    // Valid: plans, and the VNet was read once: it embeds its subnets, so one read answers
    // both checks.
    let out = work.ok(&["plan", "-no-color"]);
    assert!(crate::tf::has(&out, "2 to add"), "{out}");
    let log = emu.admin("GET", "requests", None)["value"].clone();
    let read = |suffix: &str| {
        log.as_array().unwrap().iter().any(|r| {
            r["method"] == "GET"
                && r["path"]
                    .as_str()
                    .unwrap_or("")
                    .to_ascii_lowercase()
                    .ends_with(suffix)
        })
    };
    assert!(
        read("/virtualnetworks/vnet-aml") && !read("/virtualnetworks/vnet-aml/subnets/snet-pe"),
        "{log}"
    );
    // Unknown at plan (the subnet's name comes from another resource): not checked.
    work.write(
        "main.tf",
        &pe(
            &format!("{vnet}/subnets/${{terraform_data.late.output}}"),
            "westus",
            "192.168.0.1",
        ),
    );
    work.ok(&["plan", "-no-color"]);
    // A VNet that does not exist yet (created elsewhere in the same apply, say): no error at plan.
    work.write(
        "main.tf",
        &pe(
            &format!("{rg}/providers/Microsoft.Network/virtualNetworks/vnet-later/subnets/snet-pe"),
            "westus",
            "192.168.0.1",
        ),
    );
    work.ok(&["plan", "-no-color"]);
    // An identity that may not read the network: no error at plan either.
    work.write(
        "main.tf",
        &pe(&format!("{vnet}/subnets/snet-pe"), "westus", "192.168.0.1"),
    );
    emu.set_faults("403=1,paths=*/virtualnetworks/*,methods=GET");
    work.ok(&["plan", "-no-color"]);
    emu.admin("DELETE", "faults", None);
    // Readable again: both errors, each on its attribute.
    let out = work.fails(&["plan", "-no-color"]);
    assert!(
        crate::tf::has(&out, "Location differs from the virtual network's region"),
        "{out}"
    );
    assert!(
        crate::tf::has(&out, "Static IP address outside the subnet"),
        "{out}"
    );
    assert!(crate::tf::has(&out, "Set location = \"eastus\""), "{out}");
}
