//! End-to-end: Azure's own payloads import clean. Every official GET or PUT-response body in
//! `../shared/arm/examples` of a type the provider manages is seeded into the emulator as it is
//! (with the parents it needs), imported with an `import` block, written out with
//! `terraform plan -generate-config-out=generated.tf`, and that configuration must validate, the
//! import must write nothing to ARM, and the plan after it must be empty.
//!
//! The defect class this guards against: Azure returns combinations our plan-time validation
//! rejects in a configuration (e.g. a `requestMessage` on an auto-approved private endpoint
//! connection), so an import leaves a configuration that does not validate, or that replaces the
//! resource once the offending attribute is removed.
//!
//! Where a payload holds a spec placeholder that no real resource can have, [`EXCEPTIONS`] names the
//! file, the text replaced and why. The table is checked: each entry must match its payload.

use std::collections::BTreeSet;
use std::path::PathBuf;

use serde_json::{json, Value};

use crate::tf::emulator::Emulator;
use crate::tf::{has, Workspace, HEAD};

/// The official example payloads (`x-ms-examples` files), next to the workspace.
fn examples_dir() -> PathBuf {
    let dir = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/arm/examples"
    ));
    assert!(
        dir.is_dir(),
        "example payloads not found at {} (expected ../shared/arm/examples next to the workspace)",
        dir.display()
    );
    dir
}

/// A payload's text replaced before seeding: `(file, from, to, why)`. Every replacement must occur
/// in its file (checked), and each says which spec placeholder or contradiction it removes.
const EXCEPTIONS: &[(&str, &str, &str, &str)] = &[
    // The three PrivateEndpoint payloads connect to a private link *service* `testPls` with the group
    // ID `groupIdFromResource`: a placeholder (a private link service has no group IDs to pick) and
    // not a target of `aml_private_endpoint` (AML workspaces and registries and their dependencies).
    // Their own `ipConfigurations` name the group `file` (member `file`), the group of a storage
    // account's file service, so the target becomes a storage account and the group `file`.
    // Everything else, the auto connection's `requestMessage` included, is imported as Azure wrote it.
    (
        "network/2025-07-01/PrivateEndpointCreate.json",
        "Microsoft.Network/privateLinkServices/testPls",
        "Microsoft.Storage/storageAccounts/testpls",
        "private link service target with a placeholder group ID",
    ),
    (
        "network/2025-07-01/PrivateEndpointCreate.json",
        "groupIdFromResource",
        "file",
        "placeholder group ID; the payload's ipConfigurations name `file`",
    ),
    (
        "network/2026-01-01/PrivateEndpointCreateWithASG.json",
        "Microsoft.Network/privateLinkServices/testPls",
        "Microsoft.Storage/storageAccounts/testpls",
        "private link service target with a placeholder group ID",
    ),
    (
        "network/2026-01-01/PrivateEndpointCreateWithASG.json",
        "groupIdFromResource",
        "file",
        "placeholder group ID",
    ),
    (
        "network/2026-07-01/PrivateEndpointCreateForManualApproval.json",
        "Microsoft.Network/privateLinkServices/testPls",
        "Microsoft.Storage/storageAccounts/testpls",
        "private link service target with a placeholder group ID",
    ),
    (
        "network/2026-07-01/PrivateEndpointCreateForManualApproval.json",
        "groupIdFromResource",
        "file",
        "placeholder group ID; the payload's ipConfigurations name `file`",
    ),
    // The zone group's ID puts it under `privateLinkServices/testPe`: a zone group is a child of a
    // private endpoint (the request's own URL is `privateEndpoints/testPe/privateDnsZoneGroups/...`).
    (
        "network/2026-07-01/PrivateEndpointDnsZoneGroupCreate.json",
        "privateLinkServices/testPe/privateDnsZoneGroups",
        "privateEndpoints/testPe/privateDnsZoneGroups",
        "the response ID names the wrong parent type; the request URL has privateEndpoints",
    ),
    // `destination_endpoint` is the spec's placeholder for an FQDN rule's destination: not a host
    // name (no dot, and `_` is not allowed in one), and the service takes only host names and `*.`
    // wildcards there.
    (
        "machinelearningservices/2025-12-01/ManagedNetwork/createOrUpdateRule.json",
        "\"destination_endpoint\"",
        "\"destination-endpoint.example.com\"",
        "placeholder FQDN destination",
    ),
    // The OnlineEndpoint payloads (createOrUpdate, get, update: the same body) are all placeholders.
    // Two matter to an import:
    // - `id`, `name`, `type` are "string": not an ARM ID, so nothing can be imported by it. They
    //   become the endpoint of the request's own parameters (workspace `my-aml-workspace`, endpoint
    //   `testEndpointName`).
    // - the identity is `SystemAssigned` yet lists a user-assigned identity keyed "string": a
    //   SystemAssigned identity has no user-assigned ones, and their keys are ARM IDs. It becomes
    //   `SystemAssigned,UserAssigned` with the key an identity's ARM ID (principal and client IDs
    //   kept), so both identity kinds are imported.
    // The other placeholders (`location`, `kind`, `compute`, `sku`, the description, the `string`
    // deployment in `traffic` and the `properties` entry) are imported as Azure wrote them.
    (OE_CREATE, OE_ID_FROM, OE_ID_TO, OE_ID_WHY),
    (OE_CREATE, OE_IDENTITY_FROM, OE_IDENTITY_TO, OE_IDENTITY_WHY),
    (OE_GET, OE_ID_FROM, OE_ID_TO, OE_ID_WHY),
    (OE_GET, OE_IDENTITY_FROM, OE_IDENTITY_TO, OE_IDENTITY_WHY),
    (OE_UPDATE, OE_ID_FROM, OE_ID_TO, OE_ID_WHY),
    (OE_UPDATE, OE_IDENTITY_FROM, OE_IDENTITY_TO, OE_IDENTITY_WHY),
];

const OE_CREATE: &str = "machinelearningservices/2025-12-01/OnlineEndpoint/createOrUpdate.json";
const OE_GET: &str = "machinelearningservices/2025-12-01/OnlineEndpoint/get.json";
const OE_UPDATE: &str = "machinelearningservices/2025-12-01/OnlineEndpoint/update.json";
const OE_ID_FROM: &str =
    "\"id\": \"string\",\n        \"name\": \"string\",\n        \"type\": \"string\",";
const OE_ID_TO: &str = "\"id\": \"/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/test-rg/providers/Microsoft.MachineLearningServices/workspaces/my-aml-workspace/onlineEndpoints/testEndpointName\",\n        \"name\": \"testEndpointName\",\n        \"type\": \"Microsoft.MachineLearningServices/workspaces/onlineEndpoints\",";
const OE_ID_WHY: &str = "placeholder ID \"string\": the endpoint of the request's parameters";
const OE_IDENTITY_FROM: &str = "\"type\": \"SystemAssigned\",\n          \"principalId\": \"00000000-1111-2222-3333-444444444444\",\n          \"tenantId\": \"00000000-1111-2222-3333-444444444444\",\n          \"userAssignedIdentities\": {\n            \"string\": {";
const OE_IDENTITY_TO: &str = "\"type\": \"SystemAssigned,UserAssigned\",\n          \"principalId\": \"00000000-1111-2222-3333-444444444444\",\n          \"tenantId\": \"00000000-1111-2222-3333-444444444444\",\n          \"userAssignedIdentities\": {\n            \"/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/test-rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/endpoint-identity\": {";
const OE_IDENTITY_WHY: &str =
    "a SystemAssigned identity listing a user-assigned identity whose key \"string\" is not an ARM ID";

/// The official payloads with a response body of a type no resource of this provider manages yet,
/// or only as a parent: `(file, why)`. A file neither here nor imported fails
/// `every_official_payload_of_a_managed_type_is_covered`.
const NOT_IMPORTED: &[(&str, &str)] = &[
    // A list (the test imports single-resource bodies): its one item is get.json's body, imported
    // (checked by `online_endpoint_list_item_is_the_get_payload`).
    (
        "machinelearningservices/2025-12-01/OnlineEndpoint/list.json",
        "a list of online endpoints: its item is the body of OnlineEndpoint/get.json (imported)",
    ),
    // Types the provider does not manage.
    (
        "machinelearningservices/2025-12-01/PrivateEndpointConnection/createOrUpdate.json",
        "a workspace's private endpoint connection: managed by the endpoint on the consumer side",
    ),
    (
        "machinelearningservices/2025-12-01/PrivateEndpointConnection/get.json",
        "a workspace's private endpoint connection: managed by the endpoint on the consumer side",
    ),
    (
        "privatedns/2024-06-01/RecordSetAGet.json",
        "A record sets: written by aml_private_dns_zone_group, not a resource of their own",
    ),
    (
        "privatedns/2024-06-01/RecordSetAPut.json",
        "A record sets: written by aml_private_dns_zone_group, not a resource of their own",
    ),
    (
        "network/2026-07-01/SubnetGet.json",
        "subnets: a parent only",
    ),
    // Workspaces are parents; the workspace-level resources import from Workspace/get.json (CASES).
    (
        "machinelearningservices/2025-12-01/Workspace/create.json",
        "a workspace: a parent only (its settings resources import from Workspace/get.json)",
    ),
    (
        "machinelearningservices/2025-12-01/Workspace/update.json",
        "a workspace: a parent only (its settings resources import from Workspace/get.json)",
    ),
];

/// A payload imported into a resource: the file, the response status whose body is seeded, the
/// resource type.
const CASES: &[(&str, &str, &str)] = &[
    (
        "network/2025-07-01/PrivateEndpointCreate.json",
        "200",
        "aml_private_endpoint",
    ),
    (
        "network/2025-07-01/PrivateEndpointCreate.json",
        "201",
        "aml_private_endpoint",
    ),
    (
        "network/2026-01-01/PrivateEndpointCreateWithASG.json",
        "200",
        "aml_private_endpoint",
    ),
    (
        "network/2026-01-01/PrivateEndpointCreateWithASG.json",
        "201",
        "aml_private_endpoint",
    ),
    (
        "network/2026-07-01/PrivateEndpointCreateForManualApproval.json",
        "200",
        "aml_private_endpoint",
    ),
    (
        "network/2026-07-01/PrivateEndpointCreateForManualApproval.json",
        "201",
        "aml_private_endpoint",
    ),
    (
        "network/2026-07-01/PrivateEndpointDnsZoneGroupCreate.json",
        "200",
        "aml_private_dns_zone_group",
    ),
    (
        "privatedns/2024-06-01/PrivateZonePut.json",
        "200",
        "aml_private_dns_zone",
    ),
    (
        "privatedns/2024-06-01/VirtualNetworkLinkPut.json",
        "200",
        "aml_private_dns_zone_virtual_network_link",
    ),
    (
        "machinelearningservices/2025-12-01/ManagedNetwork/createOrUpdateRule.json",
        "200",
        "aml_managed_network_outbound_rule",
    ),
    (
        "machinelearningservices/2025-12-01/Workspace/get.json",
        "200",
        "aml_workspace_managed_network",
    ),
    (
        "machinelearningservices/2025-12-01/Workspace/get.json",
        "200",
        "aml_workspace_network_access",
    ),
    (OE_CREATE, "200", "aml_online_endpoint"),
    (OE_GET, "200", "aml_online_endpoint"),
    (OE_UPDATE, "200", "aml_online_endpoint"),
];

/// A payload file's text with its [`EXCEPTIONS`] applied.
fn payload_text(file: &str) -> String {
    let mut text = std::fs::read_to_string(examples_dir().join(file))
        .unwrap_or_else(|e| panic!("{file}: {e}"));
    for (f, from, to, why) in EXCEPTIONS {
        if *f == file {
            assert!(
                text.contains(from),
                "exception for {file} ({why}): {from:?} no longer occurs"
            );
            text = text.replace(from, to);
        }
    }
    text
}

/// The response body of `status` in `file`, exceptions applied.
fn body(file: &str, status: &str) -> Value {
    let v: Value = serde_json::from_str(&payload_text(file)).expect("example JSON");
    v["responses"][status]["body"].clone()
}

fn id_of(doc: &Value) -> &str {
    doc["id"].as_str().expect("payload id")
}

/// The parent of an ARM ID (`n` levels of `/type/name` up).
fn parent(id: &str, n: usize) -> String {
    let segs: Vec<&str> = id.split('/').collect();
    segs[..segs.len() - 2 * n].join("/")
}

/// A minimal resource document for a parent or target ID.
fn stub(id: &str, extra: Value) -> Value {
    let name = id.rsplit('/').next().unwrap();
    let mut doc = json!({"id": id, "name": name, "location": "eastus"});
    if let (Value::Object(d), Value::Object(e)) = (&mut doc, extra) {
        d.extend(e);
    }
    doc
}

/// A VNet holding the subnet `subnet_id`, in 192.168.0.0/16 (the payloads' addresses).
fn vnet_with(subnet_id: &str) -> Value {
    let vnet = parent(subnet_id, 1);
    let subnet = subnet_id.rsplit('/').next().unwrap();
    stub(
        &vnet,
        json!({"type": "Microsoft.Network/virtualNetworks", "properties": {
            "addressSpace": {"addressPrefixes": ["192.168.0.0/16", "10.0.0.0/8"]},
            "subnets": [{"name": subnet, "properties": {"addressPrefix": "192.168.0.0/24", "privateEndpointNetworkPolicies": "Disabled"}}],
            "provisioningState": "Succeeded"}}),
    )
}

/// The parents a private endpoint payload needs: its subnet's VNet and its target.
fn endpoint_parents(pe: &Value) -> Vec<Value> {
    let p = &pe["properties"];
    let mut out = vec![vnet_with(p["subnet"]["id"].as_str().unwrap())];
    for list in [
        "privateLinkServiceConnections",
        "manualPrivateLinkServiceConnections",
    ] {
        for c in p[list].as_array().into_iter().flatten() {
            let target = c["properties"]["privateLinkServiceId"].as_str().unwrap();
            out.push(stub(
                target,
                json!({"kind": "StorageV2", "sku": {"name": "Standard_LRS"}, "properties": {"provisioningState": "Succeeded"}}),
            ));
        }
    }
    out
}

/// The documents to seed for `doc` (of `resource`), parents first, then `doc` itself.
fn seed_for(resource: &str, doc: &Value) -> Vec<Value> {
    let id = id_of(doc);
    let mut docs = match resource {
        "aml_private_endpoint" => endpoint_parents(doc),
        "aml_private_dns_zone_group" => {
            // The endpoint of the zone group: the official endpoint payload with the same ID.
            let pe = body(
                "network/2026-07-01/PrivateEndpointCreateForManualApproval.json",
                "200",
            );
            assert!(
                id_of(&pe).eq_ignore_ascii_case(&parent(id, 1)),
                "{id} is not a zone group of {}",
                id_of(&pe)
            );
            let mut docs = endpoint_parents(&pe);
            docs.push(pe);
            for c in doc["properties"]["privateDnsZoneConfigs"]
                .as_array()
                .into_iter()
                .flatten()
            {
                let zone = c["properties"]["privateDnsZoneId"].as_str().unwrap();
                docs.push(stub(
                    zone,
                    json!({"type": "Microsoft.Network/privateDnsZones", "location": "global", "properties": {"provisioningState": "Succeeded"}}),
                ));
            }
            docs
        }
        "aml_private_dns_zone_virtual_network_link" => {
            // The zone: the official zone payload with the same ID.
            let zone = body("privatedns/2024-06-01/PrivateZonePut.json", "200");
            assert!(id_of(&zone).eq_ignore_ascii_case(&parent(id, 1)));
            let vnet = doc["properties"]["virtualNetwork"]["id"].as_str().unwrap();
            vec![
                zone,
                stub(
                    vnet,
                    json!({"type": "Microsoft.Network/virtualNetworks", "properties": {
                        "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}, "subnets": [], "provisioningState": "Succeeded"}}),
                ),
            ]
        }
        "aml_managed_network_outbound_rule" | "aml_online_endpoint" => {
            // The workspace: the official workspace payload, moved to the rule's or endpoint's
            // workspace ID.
            let mut ws = body(
                "machinelearningservices/2025-12-01/Workspace/get.json",
                "200",
            );
            let ws_id = parent(id, 1);
            ws["id"] = json!(ws_id);
            ws["name"] = json!(ws_id.rsplit('/').next().unwrap());
            vec![ws]
        }
        _ => Vec::new(),
    };
    docs.push(doc.clone());
    docs
}

/// Seeds `file`'s `status` body, imports it into `resource`, generates its configuration and checks
/// that it validates and plans no change.
fn import_clean(file: &str, status: &str, resource: &str) {
    let doc = body(file, status);
    assert!(doc.is_object(), "{file} has no {status} body");
    let id = id_of(&doc).to_string();
    let emu = Emulator::start(&[]);
    for d in seed_for(resource, &doc) {
        emu.put_resource(id_of(&d), d.clone());
    }
    let ws = Workspace::against(
        &emu,
        &format!("{HEAD}\nimport {{\n  to = {resource}.imported\n  id = \"{id}\"\n}}\n"),
    );
    ws.init();
    let ctx = format!("{file} ({status}) as {resource}");
    let out = ws.ok(&["plan", "-no-color", "-generate-config-out=generated.tf"]);
    let generated = std::fs::read_to_string(ws.path("generated.tf"))
        .unwrap_or_else(|e| panic!("{ctx}: no generated.tf: {e}\n{out}"));
    eprintln!("--- {ctx}: generated.tf\n{generated}");
    let out = ws.run(&["validate", "-no-color"]);
    assert!(
        out.status.success(),
        "{ctx}: the generated configuration does not validate:\n{}\n--- generated.tf\n{generated}",
        crate::tf::text(&out)
    );
    emu.admin("DELETE", "counters", None);
    let plan = ws.ok(&["plan", "-no-color", "-out=import.plan"]);
    assert!(
        has(
            &plan,
            "Plan: 1 to import, 0 to add, 0 to change, 0 to destroy."
        ),
        "{ctx}: the import plans changes:\n{plan}\n--- generated.tf\n{generated}"
    );
    ws.ok(&["apply", "-no-color", "import.plan"]);
    let writes = emu.write_counts();
    assert!(
        writes.values().all(|n| *n == 0),
        "{ctx}: importing wrote to ARM: {writes:?}"
    );
    ws.assert_no_changes();
}

#[test]
fn private_endpoint_payloads_import_clean() {
    for (file, status, resource) in CASES {
        if *resource == "aml_private_endpoint" {
            import_clean(file, status, resource);
        }
    }
}

#[test]
fn private_dns_payloads_import_clean() {
    for (file, status, resource) in CASES {
        if resource.starts_with("aml_private_dns_zone") {
            import_clean(file, status, resource);
        }
    }
}

#[test]
fn workspace_payloads_import_clean() {
    for (file, status, resource) in CASES {
        if *resource != "aml_private_endpoint"
            && !resource.starts_with("aml_private_dns_zone")
            && *resource != "aml_online_endpoint"
        {
            import_clean(file, status, resource);
        }
    }
}

#[test]
fn online_endpoint_payloads_import_clean() {
    for (file, status, resource) in CASES {
        if *resource == "aml_online_endpoint" {
            import_clean(file, status, resource);
        }
    }
}

/// `OnlineEndpoint/list.json` is not imported (a list), because its one item is the body of
/// `get.json`, which is.
#[test]
fn online_endpoint_list_item_is_the_get_payload() {
    let list: Value = serde_json::from_str(
        &std::fs::read_to_string(
            examples_dir().join("machinelearningservices/2025-12-01/OnlineEndpoint/list.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let get: Value =
        serde_json::from_str(&std::fs::read_to_string(examples_dir().join(OE_GET)).unwrap())
            .unwrap();
    let items = list["responses"]["200"]["body"]["value"]
        .as_array()
        .unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0], get["responses"]["200"]["body"]);
    assert!(CASES.contains(&(OE_GET, "200", "aml_online_endpoint")));
}

/// The ARM types of the official payloads, by the last type segment of an ID: those the provider
/// manages (as resources or parents) and the others found, so that a new type is a decision.
const KNOWN_TYPES: &[&str] = &[
    "privateendpoints",
    "privatednszonegroups",
    "privatednszones",
    "virtualnetworklinks",
    "outboundrules",
    "workspaces",
    "onlineendpoints",
    // Not managed (see NOT_IMPORTED).
    "privateendpointconnections",
    "a",
    "subnets",
];

/// Every official payload whose GET or PUT response has a body with an ID is in [`CASES`] or
/// [`NOT_IMPORTED`], every `(file, status)` with a body of its own is imported, and no entry names a
/// file that is gone.
#[test]
fn every_official_payload_of_a_managed_type_is_covered() {
    let root = examples_dir();
    let mut files = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "json") {
                files.push(
                    p.strip_prefix(&root)
                        .unwrap()
                        .to_string_lossy()
                        .into_owned(),
                );
            }
        }
    }
    files.sort();
    let listed: BTreeSet<&str> = NOT_IMPORTED.iter().map(|(f, _)| *f).collect();
    let cased: BTreeSet<(&str, &str)> = CASES.iter().map(|(f, s, _)| (*f, *s)).collect();
    let mut missing = Vec::new();
    for file in &files {
        let v: Value = serde_json::from_str(&payload_text(file)).unwrap();
        let Some(responses) = v["responses"].as_object() else {
            continue;
        };
        for (status, r) in responses {
            let Some(id) = r["body"]["id"].as_str() else {
                continue; // no body (202, 204), or a list
            };
            if listed.contains(file.as_str()) {
                continue;
            }
            let ty = id.rsplit('/').nth(1).unwrap_or("").to_ascii_lowercase();
            assert!(
                KNOWN_TYPES.contains(&ty.as_str()),
                "{file}: a payload of type {ty:?}: add it to KNOWN_TYPES and decide whether it imports"
            );
            // A second status with the very same body as an imported one adds nothing.
            let same_as_cased = responses.iter().any(|(s, o)| {
                cased.contains(&(file.as_str(), s.as_str())) && o["body"] == r["body"]
            });
            if !same_as_cased {
                missing.push(format!("{file} ({status})"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "official payloads neither imported nor listed in NOT_IMPORTED: {missing:#?}"
    );
    for f in listed.iter().copied().chain(cased.iter().map(|(f, _)| *f)) {
        assert!(
            files.iter().any(|x| x == f),
            "{f} is listed but is not an official payload"
        );
    }
}
