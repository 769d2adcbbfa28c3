//! Behaviour tests: identity, ARM front-door checks, ETags, the managed-network rules of the
//! ML RP, private endpoint connections, zone-group DNS records, fault injection and the admin
//! API, each against a fresh in-process emulator.

mod common;

use aml_arm_emulator::app::ids;
use common::*;
use serde_json::{json, Value};

fn rule_path(ws: &str, rule: &str) -> String {
    format!("{}/outboundRules/{rule}", ws_id(ws))
}

async fn set_mode(env: &Env, ws: &str, mode: &str) -> Resp {
    let r = env
        .patch(
            &ws_id(ws),
            ML_API,
            json!({"properties": {"managedNetwork": {"isolationMode": mode}}}),
        )
        .await;
    if r.status == 202 {
        env.finish(r, &ws_id(ws), ML_API).await
    } else {
        r
    }
}

#[tokio::test]
async fn token_flow() {
    let env = start().await;
    let ok = env
        .token_request(ids::TENANT_ID, ids::CLIENT_ID, ids::CLIENT_SECRET)
        .await;
    assert_eq!(ok.status, 200);
    assert_eq!(ok.body["token_type"], "Bearer");
    assert!(ok.body["expires_in"].as_i64().unwrap() > 0);
    assert_eq!(
        ok.body["access_token"].as_str().unwrap().split('.').count(),
        3
    );

    let bad = env
        .token_request(ids::TENANT_ID, ids::CLIENT_ID, "wrong")
        .await;
    assert_eq!(bad.status, 401);
    assert_eq!(bad.body["error"], "invalid_client");
    assert!(bad.body["error_description"]
        .as_str()
        .unwrap()
        .starts_with("AADSTS7000215: Invalid client secret provided."));
    assert_eq!(bad.body["error_codes"], json!([7000215]));

    let unknown_client = env
        .token_request(
            ids::TENANT_ID,
            "11111111-1111-1111-1111-111111111111",
            ids::CLIENT_SECRET,
        )
        .await;
    assert_eq!(unknown_client.status, 401);
    assert!(unknown_client.body["error_description"]
        .as_str()
        .unwrap()
        .starts_with("AADSTS700016"));

    let tenant = env
        .token_request(
            "22222222-2222-2222-2222-222222222222",
            ids::CLIENT_ID,
            ids::CLIENT_SECRET,
        )
        .await;
    assert_eq!(tenant.status, 400);
    assert!(tenant.body["error_description"]
        .as_str()
        .unwrap()
        .starts_with("AADSTS90002"));

    // A client assertion (certificate style: iss = sub = client id, aud = token endpoint).
    use base64::Engine;
    let b64 = |v: Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    let jwt = format!(
        "{}.{}.{}",
        b64(json!({"alg": "RS256", "typ": "JWT"})),
        b64(
            json!({"iss": ids::CLIENT_ID, "sub": ids::CLIENT_ID, "aud": format!("https://login.example/{}/oauth2/v2.0/token", ids::TENANT_ID), "exp": 4102444800i64})
        ),
        "c2ln"
    );
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", ids::CLIENT_ID),
        (
            "client_assertion_type",
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        ),
        ("client_assertion", jwt.as_str()),
        ("scope", "https://management.azure.com/.default"),
    ];
    let r = to_resp(
        env.client
            .post(env.url(&format!("/{}/oauth2/v2.0/token", ids::TENANT_ID)))
            .form(&form)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let tok = r.body["access_token"].as_str().unwrap();
    let base = format!("{}/", env.h.base_url);
    let r = env
        .check(&[
            case("GET", rg_id(), Some("2021-04-01"))
                .no_auth()
                .header("authorization", &format!("Bearer {tok}"))
                .status(200),
            // Managed identity style endpoint.
            case(
                "GET",
                "/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://management.azure.com/",
                None,
            )
            .no_auth()
            .header("Metadata", "true")
            .status(200),
            // Metadata document points back at the emulator.
            case("GET", "/metadata/endpoints?api-version=2022-09-01", None)
                .no_auth()
                .status(200)
                .field("/0/resourceManager", json!(base))
                .field("/0/authentication/loginEndpoint", json!(base)),
        ])
        .await;
    let md = &r[2];
    assert!(
        md.body[0]["authentication"]["audiences"]
            .as_array()
            .unwrap()
            .len()
            >= 2
    );
}

#[tokio::test]
async fn bearer_token_required() {
    let env = start().await;
    let r = env
        .check(&[
            case("GET", ws_id("mlw-demo"), Some(ML_API))
                .no_auth()
                .status(401)
                .code("AuthenticationFailed"),
            case("GET", ws_id("mlw-demo"), Some(ML_API))
                .no_auth()
                .header("authorization", "Bearer nope")
                .status(401)
                .code("InvalidAuthenticationToken"),
        ])
        .await;
    assert!(r[0]
        .header("www-authenticate")
        .unwrap()
        .starts_with("Bearer authorization_uri="));
    assert!(r[1].header("x-ms-request-id").is_some());
}

#[tokio::test]
async fn api_version_checks() {
    let env = start().await;
    let zones = format!("{}/providers/Microsoft.Network/privateDnsZones", rg_id());
    env.check(&[
        case("GET", ws_id("mlw-demo"), None)
            .status(400)
            .code("MissingApiVersionParameter"),
        case("GET", ws_id("mlw-demo"), Some("2031-01-01"))
            .status(400)
            .code("NoRegisteredProviderFound"),
        case("GET", ws_id("mlw-demo"), Some("yesterday")).code("InvalidApiVersionParameter"),
        // An NRP version is not a private DNS version.
        case("GET", zones, Some(NET_API)).code("NoRegisteredProviderFound"),
        case("GET", ws_id("mlw-demo"), Some("2025-12-01")).status(200),
        case("GET", ws_id("mlw-demo"), Some("2026-09-01")).status(200),
        case("GET", ws_id("mlw-demo"), Some("2026-07-15-preview")).status(200),
    ])
    .await;
}

#[tokio::test]
async fn not_found_codes_in_order() {
    let env = start().await;
    env.check(&[
        case("GET", "/subscriptions/99999999-9999-9999-9999-999999999999/resourceGroups/x/providers/Microsoft.MachineLearningServices/workspaces/w", Some(ML_API))
            .status(404)
            .code("SubscriptionNotFound"),
        case("GET", format!("/subscriptions/{SUB}/resourceGroups/nope/providers/Microsoft.MachineLearningServices/workspaces/w"), Some(ML_API))
            .status(404)
            .code("ResourceGroupNotFound"),
        case("GET", rule_path("missing-ws", "r1"), Some(ML_API))
            .status(404)
            .code("ParentResourceNotFound"),
        case("PUT", rule_path("missing-ws", "r1"), Some(ML_API))
            .body(json!({"properties": {"type": "FQDN", "destination": "pypi.org"}}))
            .code("ParentResourceNotFound"),
        case("GET", ws_id("missing-ws"), Some(ML_API))
            .status(404)
            .code("ResourceNotFound"),
        // Names are case-insensitive and echoed in stored casing.
        case(
            "GET",
            ws_id("MLW-Demo").replace("resourceGroups/rg-aml-demo", "RESOURCEGROUPS/RG-AML-DEMO"),
            Some(ML_API),
        )
        .status(200)
        .field("/name", json!("mlw-demo")),
    ])
    .await;
}

#[tokio::test]
async fn etag_preconditions() {
    let env = start().await;
    let zone = format!(
        "{}/providers/Microsoft.Network/privateDnsZones/privatelink.api.azureml.ms",
        rg_id()
    );
    let fin = env
        .check(&[case("PUT", &zone, Some(DNS_API))
            .body(json!({"location": "Global"}))
            .status(202)
            .finish(&zone)
            .field("/location", json!("global"))])
        .await;
    assert_eq!(fin[0].status, 200);
    let etag = fin[0].body["etag"].as_str().unwrap().to_string();
    env.check(&[
        case("PUT", &zone, Some(DNS_API))
            .body(json!({"location": "global"}))
            .header("if-none-match", "*")
            .status(412)
            .code("PreconditionFailed"),
        case("PUT", &zone, Some(DNS_API))
            .body(json!({"location": "global"}))
            .header("if-match", "\"other\"")
            .status(412),
        case("PUT", &zone, Some(DNS_API))
            .body(json!({"location": "global", "tags": {"a": "b"}}))
            .header("if-match", &etag)
            .status(202)
            .finish(&zone),
    ])
    .await;
    let missing = format!(
        "{}/providers/Microsoft.Network/privateDnsZones/nothere.example",
        rg_id()
    );
    // Record sets are synchronous and also honour ETags.
    let rec = format!("{zone}/A/recordA");
    env.check(&[
        case("PUT", &missing, Some(DNS_API))
            .body(json!({"location": "global"}))
            .header("if-match", "*")
            .status(412),
        case("PUT", &missing, Some(DNS_API))
            .body(json!({"location": "westeurope"}))
            .code("LocationNotAvailableForResourceType"),
        case("PUT", &rec, Some(DNS_API))
            .body(json!({"properties": {"ttl": 300, "aRecords": [{"ipv4Address": "10.1.2.3"}]}}))
            .status(201)
            .field("/name", json!("recorda")),
        case("DELETE", &rec, Some(DNS_API))
            .header("if-match", "\"stale\"")
            .status(412),
        case("DELETE", &rec, Some(DNS_API)).status(200),
        case("DELETE", &rec, Some(DNS_API)).status(204),
    ])
    .await;
}

#[tokio::test]
async fn isolation_mode_is_one_way() {
    let env = start().await;
    let mode = |m: &str| json!({"properties": {"managedNetwork": {"isolationMode": m}}});
    let r = env
        .check(&[
            case("PATCH", ws_id("mlw-demo"), Some(ML_API))
                .body(mode("AllowInternetOutbound"))
                .status(202)
                .finish(ws_id("mlw-demo"))
                .field(
                    "/properties/managedNetwork/isolationMode",
                    json!("AllowInternetOutbound"),
                ),
            case("PATCH", ws_id("mlw-demo"), Some(ML_API))
                .body(mode("Disabled"))
                .status(400),
            case("PATCH", ws_id("mlw-demo"), Some(ML_API))
                .body(mode("AllowOnlyApprovedOutbound"))
                .status(202)
                .finish(ws_id("mlw-demo"))
                .field("/properties/managedNetwork/firewallSku", json!("Standard")),
            case("PATCH", ws_id("mlw-demo"), Some(ML_API))
                .body(mode("AllowInternetOutbound"))
                .status(400),
            case("GET", ws_id("mlw-demo"), Some(ML_API)),
        ])
        .await;
    assert_eq!(r[0].status, 200, "{:?}", r[0].body);
    // System Required rules appear (private endpoints only in internet-outbound mode).
    let rules = r[0].body["properties"]["managedNetwork"]["outboundRules"]
        .as_object()
        .unwrap()
        .clone();
    assert!(rules
        .values()
        .all(|r| r["category"] == "Required" && r["type"] == "PrivateEndpoint"));
    assert!(rules.len() >= 4);
    assert!(r[1].body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("cannot be changed from 'AllowInternetOutbound' to 'Disabled'"));
    assert_eq!(r[2].status, 200);
    assert!(r[2].body["properties"]["managedNetwork"]["outboundRules"]
        .as_object()
        .unwrap()
        .values()
        .any(|r| r["type"] == "ServiceTag"));
    // PUT is checked too.
    let mut ws = r[4].body.clone();
    ws["properties"]["managedNetwork"] = json!({"isolationMode": "Disabled"});
    env.check(&[case("PUT", ws_id("mlw-demo"), Some(ML_API))
        .body(ws)
        .status(400)])
        .await;
}

#[tokio::test]
async fn fqdn_rules_need_approved_outbound() {
    let env = start().await;
    let fqdn = json!({"properties": {"type": "FQDN", "category": "UserDefined", "destination": "pypi.org"}});
    // Rules need a managed network.
    env.check(&[case("PUT", rule_path("mlw-demo", "pypi"), Some(ML_API))
        .body(fqdn.clone())
        .status(400)])
        .await;
    set_mode(&env, "mlw-demo", "AllowInternetOutbound").await;
    let st = json!({"properties": {"type": "ServiceTag", "destination": {"serviceTag": "AzureActiveDirectory", "protocol": "TCP", "portRanges": "443"}}});
    let pe = json!({"properties": {"type": "PrivateEndpoint", "destination": {"serviceResourceId": format!("{}/providers/Microsoft.Storage/storageAccounts/stamldemo", rg_id()), "subresourceTarget": "blob"}}});
    let r = env
        .check(&[
            case("PUT", rule_path("mlw-demo", "pypi"), Some(ML_API))
                .body(fqdn.clone())
                .status(400)
                .field(
                    "/error/message",
                    json!("Only 'PrivateEndpoint' outbound rules are supported when managed network isolation mode is 'AllowInternetOutbound'."),
                ),
            case("PUT", rule_path("mlw-demo", "aad"), Some(ML_API))
                .body(st.clone())
                .status(400),
            case("PUT", rule_path("mlw-demo", "pe-blob"), Some(ML_API))
                .body(pe)
                .status(202),
        ])
        .await;
    assert!(r[2].header("location").is_some());
    assert!(r[2].header("x-ms-retry-after-ms").is_some());
    let fin = env
        .finish(r[2].clone(), &rule_path("mlw-demo", "pe-blob"), ML_API)
        .await;
    assert_eq!(fin.status, 200);
    assert_eq!(fin.body["properties"]["category"], "UserDefined");
    set_mode(&env, "mlw-demo", "AllowOnlyApprovedOutbound").await;
    env.check(&[
        case("PUT", rule_path("mlw-demo", "pypi"), Some(ML_API))
            .body(fqdn)
            .status(202)
            .finish(rule_path("mlw-demo", "pypi")),
        case("PUT", rule_path("mlw-demo", "aad"), Some(ML_API))
            .body(st)
            .status(202)
            .finish(rule_path("mlw-demo", "aad")),
        // Bad names and system categories are refused.
        case("PUT", rule_path("mlw-demo", "x"), Some(ML_API))
            .body(json!({"properties": {"type": "FQDN", "destination": "a.b"}}))
            .code("InvalidResourceName"),
        case("PUT", rule_path("mlw-demo", "sysrule"), Some(ML_API))
            .body(json!({"properties": {"type": "FQDN", "category": "Required", "destination": "a.b"}}))
            .status(400),
    ])
    .await;
}

#[tokio::test]
async fn outbound_rules_map_stays_in_sync() {
    let env = start().await;
    set_mode(&env, "mlw-demo", "AllowOnlyApprovedOutbound").await;
    let r = env
        .check(&[
            // Child PUT → map.
            case("PUT", rule_path("mlw-demo", "pypi"), Some(ML_API))
                .body(json!({"properties": {"type": "FQDN", "destination": "pypi.org"}}))
                .finish(rule_path("mlw-demo", "pypi")),
            case("GET", ws_id("mlw-demo"), Some(ML_API)).field(
                "/properties/managedNetwork/outboundRules/pypi/destination",
                json!("pypi.org"),
            ),
            // Map PATCH → child.
            case("PATCH", ws_id("mlw-demo"), Some(ML_API))
                .body(json!({"properties": {"managedNetwork": {"outboundRules": {
                    "conda": {"type": "FQDN", "category": "UserDefined", "destination": "*.anaconda.org"}}}}}))
                .status(202)
                .finish(ws_id("mlw-demo")),
            case("GET", rule_path("mlw-demo", "conda"), Some(ML_API))
                .status(200)
                .field("/properties/destination", json!("*.anaconda.org")),
            // PATCH merges.
            case("GET", rule_path("mlw-demo", "pypi"), Some(ML_API)).status(200),
            // Map PATCH with null deletes.
            case("PATCH", ws_id("mlw-demo"), Some(ML_API))
                .body(json!({"properties": {"managedNetwork": {"outboundRules": {"conda": null}}}}))
                .finish(ws_id("mlw-demo")),
            case("GET", rule_path("mlw-demo", "conda"), Some(ML_API)).status(404),
            case("GET", ws_id("mlw-demo"), Some(ML_API)),
        ])
        .await;
    // PUT replaces the user rules; sending system rules back is refused.
    let mut ws = r[7].body.clone();
    let echoed = ws.clone();
    ws["properties"]["managedNetwork"]["outboundRules"] =
        json!({"huggingface": {"type": "FQDN", "destination": "cdn-lfs.huggingface.co"}});
    let r = env
        .check(&[
            // System rules echoed back.
            case("PUT", ws_id("mlw-demo"), Some(ML_API))
                .body(echoed)
                .status(400),
            case("PUT", ws_id("mlw-demo"), Some(ML_API))
                .body(ws)
                .status(202)
                .finish(ws_id("mlw-demo")),
        ])
        .await;
    let map = r[1].body["properties"]["managedNetwork"]["outboundRules"]
        .as_object()
        .unwrap()
        .clone();
    assert!(map.contains_key("huggingface"));
    assert!(!map.contains_key("pypi"));
    assert!(map.keys().any(|k| k.starts_with("__SYS_")));
    let r = env
        .check(&[
            // Child DELETE → map.
            case("DELETE", rule_path("mlw-demo", "huggingface"), Some(ML_API))
                .status(202)
                .finish(rule_path("mlw-demo", "huggingface")),
            case("GET", ws_id("mlw-demo"), Some(ML_API)),
            case("DELETE", rule_path("mlw-demo", "huggingface"), Some(ML_API)).status(204),
            // List.
            case(
                "GET",
                format!("{}/outboundRules", ws_id("mlw-demo")),
                Some(ML_API),
            ),
        ])
        .await;
    assert_eq!(r[0].status, 200);
    assert!(r[1].body["properties"]["managedNetwork"]["outboundRules"]
        .get("huggingface")
        .is_none());
    assert!(r[3].body["value"].as_array().unwrap().len() >= 5);
}

#[tokio::test]
async fn provision_managed_network() {
    let env = start().await;
    let url = format!("{}/provisionManagedNetwork", ws_id("mlw-hub"));
    // Not enabled yet.
    env.check(&[case("POST", &url, Some(ML_API))
        .body(json!({"includeSpark": true}))
        .status(400)])
        .await;
    set_mode(&env, "mlw-hub", "AllowOnlyApprovedOutbound").await;
    let r = env
        .check(&[
            case("POST", &url, Some(ML_API))
                .body(json!({"includeSpark": true}))
                .status(202)
                .finish(&url)
                .field("", json!({"status": "Active", "sparkReady": true})),
            case("GET", ws_id("mlw-hub"), Some(ML_API))
                .field("/kind", json!("Hub"))
                .field("/properties/managedNetwork/status/status", json!("Active")),
        ])
        .await;
    let ws = &r[1].body;
    assert!(ws["properties"]["managedNetwork"]["outboundRules"]
        .as_object()
        .unwrap()
        .values()
        .all(|r| r["status"] == "Active"));
}

fn pe_body(target: &str, group: &str, manual: bool) -> Value {
    let field = if manual {
        "manualPrivateLinkServiceConnections"
    } else {
        "privateLinkServiceConnections"
    };
    json!({"location": "eastus", "properties": {
        "subnet": {"id": format!("{}/providers/Microsoft.Network/virtualNetworks/vnet-aml/subnets/snet-pe", rg_id())},
        field: [{"name": "conn1", "properties": {"privateLinkServiceId": target, "groupIds": [group], "requestMessage": "please"}}]}})
}

#[tokio::test]
async fn private_endpoint_connections() {
    let env = start().await;
    let pe = format!(
        "{}/providers/Microsoft.Network/privateEndpoints/pe-auto",
        rg_id()
    );
    let r = env
        .check(&[case("PUT", &pe, Some(NET_API))
            .body(pe_body(&ws_id("mlw-demo"), "amlworkspace", false))
            .status(201)
            .field("/properties/provisioningState", json!("Updating"))])
        .await;
    assert!(r[0].header("azure-asyncoperation").is_some());
    let fin = env.finish(r[0].clone(), &pe, NET_API).await;
    assert_eq!(fin.body["properties"]["provisioningState"], "Succeeded");
    assert_eq!(
        fin.body["properties"]["privateLinkServiceConnections"][0]["properties"]
            ["privateLinkServiceConnectionState"]["status"],
        "Approved"
    );
    let dns = fin.body["properties"]["customDnsConfigs"]
        .as_array()
        .unwrap();
    assert!(dns
        .iter()
        .any(|d| d["fqdn"].as_str().unwrap().ends_with(".api.azureml.ms")));
    assert!(dns[0]["ipAddresses"][0]
        .as_str()
        .unwrap()
        .starts_with("10.0.1."));
    let pe2 = format!(
        "{}/providers/Microsoft.Network/privateEndpoints/pe-manual",
        rg_id()
    );
    let r = env
        .check(&[
            case("GET", ws_id("mlw-demo"), Some(ML_API))
                .field(
                    "/properties/privateEndpointConnections/0/properties/privateLinkServiceConnectionState/status",
                    json!("Approved"),
                )
                .field("/properties/privateLinkCount", json!(1)),
            // The subnet lists the endpoint.
            case(
                "GET",
                format!(
                    "{}/providers/Microsoft.Network/virtualNetworks/vnet-aml/subnets/snet-pe",
                    rg_id()
                ),
                Some(NET_API),
            )
            .field("/properties/privateEndpoints/0/id", json!(pe)),
            // Manual: Pending until the owner approves.
            case("PUT", &pe2, Some(NET_API))
                .body(pe_body(&ws_id("mlw-demo"), "amlworkspace", true))
                .finish(&pe2)
                .field(
                    "/properties/manualPrivateLinkServiceConnections/0/properties/privateLinkServiceConnectionState/status",
                    json!("Pending"),
                ),
            case(
                "GET",
                format!("{}/privateEndpointConnections", ws_id("mlw-demo")),
                Some(ML_API),
            ),
        ])
        .await;
    assert_eq!(
        r[0].body["properties"]["privateEndpointConnections"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let pending = r[3].body["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["properties"]["privateLinkServiceConnectionState"]["status"] == "Pending")
        .unwrap()
        .clone();
    let conn_path = pending["id"].as_str().unwrap().to_string();
    let r = env
        .check(&[
            case("PUT", &conn_path, Some(ML_API))
                .body(json!({"properties": {"privateLinkServiceConnectionState": {"status": "Approved", "description": "ok by owner"}}}))
                .status(200),
            case("GET", &pe2, Some(NET_API)).field(
                "/properties/manualPrivateLinkServiceConnections/0/properties/privateLinkServiceConnectionState/status",
                json!("Approved"),
            ),
            // Wrong group id for a workspace.
            case(
                "PUT",
                format!(
                    "{}/providers/Microsoft.Network/privateEndpoints/pe-bad",
                    rg_id()
                ),
                Some(NET_API),
            )
            .body(pe_body(&ws_id("mlw-demo"), "blob", false))
            .status(400),
            // Deleting the PE removes the connection.
            case("DELETE", &pe, Some(NET_API)).status(202),
        ])
        .await;
    let r = r[3].clone();
    assert!(r.header("location").is_some() && r.header("azure-asyncoperation").is_some());
    env.finish(r, &pe, NET_API).await;
    let r = env
        .check(&[
            case("GET", &pe, Some(NET_API)).status(404),
            case("GET", ws_id("mlw-demo"), Some(ML_API)),
        ])
        .await;
    assert_eq!(
        r[1].body["properties"]["privateEndpointConnections"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn zone_group_writes_and_removes_records() {
    let env = start().await;
    let zones: Vec<String> = [
        "privatelink.api.azureml.ms",
        "privatelink.notebooks.azure.net",
    ]
    .iter()
    .map(|z| {
        format!(
            "{}/providers/Microsoft.Network/privateDnsZones/{z}",
            rg_id()
        )
    })
    .collect();
    for z in &zones {
        let r = env.put(z, DNS_API, json!({"location": "global"})).await;
        env.finish(r, z, DNS_API).await;
    }
    let pe = format!(
        "{}/providers/Microsoft.Network/privateEndpoints/pe-ws",
        rg_id()
    );
    let r = env
        .put(
            &pe,
            NET_API,
            pe_body(&ws_id("mlw-demo"), "amlworkspace", false),
        )
        .await;
    env.finish(r, &pe, NET_API).await;
    let zg = format!("{pe}/privateDnsZoneGroups/default");
    let body = json!({"properties": {"privateDnsZoneConfigs": [
        {"name": "api", "properties": {"privateDnsZoneId": zones[0]}},
        {"name": "notebooks", "properties": {"privateDnsZoneId": zones[1]}}]}});
    let r = env
        .check(&[case("PUT", &zg, Some(NET_API))
            .body(body)
            .status(201)
            .finish(&zg)])
        .await;
    let sets = r[0].body["properties"]["privateDnsZoneConfigs"][0]["properties"]["recordSets"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(sets.len(), 3, "{sets:?}");
    assert!(sets.iter().any(|s| s["recordSetName"]
        .as_str()
        .unwrap()
        .ends_with(".workspace.eastus")));
    let r = env
        .check(&[
            case("GET", format!("{}/A", zones[0]), Some(DNS_API)),
            case("GET", format!("{}/A", zones[1]), Some(DNS_API)),
            case("GET", &zones[0], Some(DNS_API))
                .field("/properties/numberOfRecordSets", json!(4)),
            // Changing a config's zone is refused (InvalidRequestFormat, as NRP does).
            case("PUT", &zg, Some(NET_API))
                .body(json!({"properties": {"privateDnsZoneConfigs": [{"name": "api", "properties": {"privateDnsZoneId": zones[1]}}]}}))
                .code("InvalidRequestFormat"),
            // A second group is refused.
            case("PUT", format!("{pe}/privateDnsZoneGroups/second"), Some(NET_API))
                .body(json!({"properties": {"privateDnsZoneConfigs": [{"properties": {"privateDnsZoneId": zones[0]}}]}}))
                .status(400),
            // Deleting the group removes the records.
            case("DELETE", &zg, Some(NET_API)).status(202).finish(&zg),
            case("GET", format!("{}/A", zones[0]), Some(DNS_API)),
            case("GET", format!("{}/ALL", zones[0]), Some(DNS_API)),
            // Records also go when the PE goes.
            case("PUT", &zg, Some(NET_API))
                .body(json!({"properties": {"privateDnsZoneConfigs": [{"name": "api", "properties": {"privateDnsZoneId": zones[0]}}]}}))
                .finish(&zg),
            case("GET", format!("{}/A", zones[0]), Some(DNS_API)),
            case("DELETE", &pe, Some(NET_API)).finish(&pe),
            case("GET", format!("{}/A", zones[0]), Some(DNS_API)),
        ])
        .await;
    let count = |i: usize| r[i].body["value"].as_array().unwrap().len();
    assert_eq!(count(0), 3);
    assert_eq!(count(1), 1);
    assert_eq!(count(6), 0);
    assert_eq!(count(7), 1, "SOA stays");
    assert_eq!(count(9), 3);
    assert_eq!(count(11), 0);
}

#[tokio::test]
async fn zone_with_links_cannot_be_deleted() {
    let env = start_with(aml_arm_emulator::cli::Config {
        lro_delay_ms: 1000,
        ..Default::default()
    })
    .await;
    let z = format!(
        "{}/providers/Microsoft.Network/privateDnsZones/privatelink.api.azureml.ms",
        rg_id()
    );
    let r = env
        .check(&[
            case("PUT", &z, Some(DNS_API)).body(json!({"location": "global"})),
            // Invisible while the 202 create runs.
            case("GET", &z, Some(DNS_API)).status(404),
        ])
        .await;
    env.finish(r[0].clone(), &z, DNS_API).await;
    let link = format!("{z}/virtualNetworkLinks/vnet-aml");
    env.check(&[
        case("PUT", &link, Some(DNS_API))
            .body(json!({"location": "global", "properties": {"virtualNetwork": {"id": format!("{}/providers/Microsoft.Network/virtualNetworks/vnet-aml", rg_id())}, "registrationEnabled": false}}))
            .status(202)
            .finish(&link)
            .field("/properties/virtualNetworkLinkState", json!("Completed")),
        case("DELETE", &z, Some(DNS_API)).status(409),
        case("DELETE", &link, Some(DNS_API)).finish(&link),
        case("DELETE", &z, Some(DNS_API)).status(202),
    ])
    .await;
}

#[tokio::test]
async fn another_operation_in_progress() {
    let env = start_with(aml_arm_emulator::cli::Config {
        lro_delay_ms: 1500,
        ..Default::default()
    })
    .await;
    let r = env
        .check(&[
            case("PATCH", ws_id("mlw-demo"), Some(ML_API))
                .body(json!({"tags": {"a": "1"}}))
                .status(202),
            case("PATCH", ws_id("mlw-demo"), Some(ML_API))
                .body(json!({"tags": {"a": "2"}}))
                .status(409)
                .code("AnotherOperationInProgress"),
        ])
        .await;
    env.finish(r[0].clone(), &ws_id("mlw-demo"), ML_API).await;
    env.check(&[case("PATCH", ws_id("mlw-demo"), Some(ML_API))
        .body(json!({"tags": {"a": "3"}}))
        .status(202)])
        .await;
}

#[tokio::test]
async fn malformed_bodies_are_400() {
    let env = start().await;
    let r = to_resp(
        env.client
            .put(env.url(&format!("{}?api-version={ML_API}", ws_id("new-ws"))))
            .bearer_auth(&env.token)
            .header("content-type", "application/json")
            .body("{not json")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((r.status, r.code()), (400, "InvalidRequestContent"));
    env.check(&[case("PUT", ws_id("new-ws"), Some(ML_API))
        .body(json!({"location": "eastus", "properties": {"managedNetwork": {"isolationMode": "Sometimes"}}}))
        .status(400)])
        .await;
}

#[tokio::test]
async fn preview_only_network_acls() {
    let env = start().await;
    let r = env
        .check(&[
            case("PATCH", ws_id("mlw-demo"), Some(ML_PREVIEW))
                .body(json!({"properties": {"networkAcls": {"defaultAction": "deny", "ipRules": [{"value": "203.0.113.7"}, {"value": "198.51.100.0/24"}]}}}))
                .status(202)
                .finish(ws_id("mlw-demo"))
                .field("/properties/networkAcls/defaultAction", json!("Deny")),
            case("GET", ws_id("mlw-demo"), Some(ML_API)),
            // A stable write ignores it, and keeps the stored value.
            case("PATCH", ws_id("mlw-demo"), Some(ML_API))
                .body(json!({"properties": {"networkAcls": {"defaultAction": "Allow"}}}))
                .finish(ws_id("mlw-demo")),
            case("GET", ws_id("mlw-demo"), Some(ML_PREVIEW))
                .field("/properties/networkAcls/defaultAction", json!("Deny")),
            // Private addresses are refused.
            case("PATCH", ws_id("mlw-demo"), Some(ML_PREVIEW))
                .body(json!({"properties": {"networkAcls": {"ipRules": [{"value": "10.0.0.1"}]}}}))
                .status(400),
        ])
        .await;
    assert!(r[1].body["properties"].get("networkAcls").is_none());
}

#[tokio::test]
async fn fault_injection_is_deterministic() {
    let env = start().await;
    let spec = "seed=7,429=0.2,500=0.1,503=0.1,paths=*/workspaces/*";
    async fn run(env_ref: &Env, spec: &str) -> Vec<u16> {
        let r = env_ref
            .admin("POST", "/faults", Some(json!({"spec": spec})))
            .await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        let mut seq = Vec::new();
        for _ in 0..40 {
            let r = env_ref.get(&ws_id("mlw-demo"), ML_API).await;
            if r.status == 429 {
                assert!(r.header("retry-after").is_some());
                assert!(r.header("x-ms-retry-after-ms").is_some());
            }
            if r.status >= 500 {
                assert!(!r.code().is_empty());
            }
            seq.push(r.status);
        }
        seq
    }
    let a = run(&env, spec).await;
    let b = run(&env, spec).await;
    assert_eq!(a, b);
    assert!(a.contains(&429) && a.contains(&200));
    // Paths outside the filter, the admin API and the token endpoint are not faulted.
    for _ in 0..20 {
        assert_eq!(env.get(&rg_id(), "2021-04-01").await.status, 200);
    }
    assert_eq!(
        env.token_request(ids::TENANT_ID, ids::CLIENT_ID, ids::CLIENT_SECRET)
            .await
            .status,
        200
    );
    // Dropped connections.
    env.admin("POST", "/faults", Some(json!("drop=1"))).await;
    let e = env
        .try_send("GET", &ws_id("mlw-demo"), Some(ML_API), None, &[], true)
        .await;
    assert!(e.is_err(), "connection should drop");
    // 404 after create.
    env.admin("POST", "/faults", Some(json!("404-after-create=2")))
        .await;
    let z = format!(
        "{}/providers/Microsoft.Network/privateDnsZones/zone.test",
        rg_id()
    );
    let r = env.put(&z, DNS_API, json!({"location": "global"})).await;
    let loc = r.header("location").unwrap();
    loop {
        let s = env.send("GET", &loc, None, None, &[]).await;
        if s.status != 202 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    env.check(&[
        case("GET", &z, Some(DNS_API)).status(404),
        case("GET", &z, Some(DNS_API)).status(404),
        case("GET", &z, Some(DNS_API)).status(200),
    ])
    .await;
    // The lag is short: a read after the `lag` window sees the object, however many 404s were
    // left (a later `terraform plan` is not told the object is gone).
    env.admin(
        "POST",
        "/faults",
        Some(json!("404-after-create=5,lag=300ms")),
    )
    .await;
    let z2 = format!("{z}2");
    let r = env.put(&z2, DNS_API, json!({"location": "global"})).await;
    let loc = r.header("location").unwrap();
    loop {
        let s = env.send("GET", &loc, None, None, &[]).await;
        if s.status != 202 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    env.check(&[case("GET", &z2, Some(DNS_API)).status(404)])
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(350)).await;
    let r = env
        .check(&[
            case("GET", &z2, Some(DNS_API)).status(200),
            case("DELETE", "/_emulator/faults", None)
                .no_auth()
                .status(204),
            case("GET", "/_emulator/requests", None).no_auth(),
            case("POST", "/_emulator/faults", None)
                .no_auth()
                .body(json!("429=7"))
                .status(400),
        ])
        .await;
    assert!(r[2].body["value"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["fault"] == "Throttle"));
}

#[tokio::test]
async fn injected_412_hits_only_conditional_writes_and_applies_nothing() {
    let env = start().await;
    let ws = ws_id("mlw-demo");
    let preview = "2026-07-15-preview";
    assert_eq!(
        env.admin("POST", "/faults", Some(json!("412=1,paths=*/workspaces/*")))
            .await
            .status,
        200
    );
    // GETs and unconditional writes are not faulted.
    let got = env
        .check(&[case("GET", &ws, Some(preview)).status(200)])
        .await;
    let etag = got[0].header("etag").unwrap();
    let body = json!({"properties": {"networkAcls": {"defaultAction": "Deny", "ipRules": [{"value": "52.1.2.3"}]}}});
    let r = env
        .check(&[
            case("PATCH", &ws, Some(preview))
                .body(body.clone())
                .header("if-match", &etag)
                .status(412)
                .code("PreconditionFailed"),
            case("GET", &ws, Some(preview)),
            case("PATCH", &ws, Some(preview)).body(body).status(202),
            case("DELETE", "/_emulator/faults", None)
                .no_auth()
                .status(204),
        ])
        .await;
    assert!(
        r[1].body["properties"].get("networkAcls").is_none(),
        "a faulted write applies nothing"
    );
}

#[tokio::test]
async fn admin_api() {
    let env = start().await;
    // Counters count ARM writes per resource id (lowercase).
    let r = env
        .patch(&ws_id("mlw-demo"), ML_API, json!({"tags": {"x": "y"}}))
        .await;
    env.finish(r, &ws_id("mlw-demo"), ML_API).await;
    let c = env.admin("GET", "/counters", None).await;
    assert_eq!(c.body[ws_id("mlw-demo").to_lowercase()]["PATCH"], 1);
    // Request log has method, path, api-version, status and body.
    let log = env.admin("GET", "/requests", None).await.body["value"]
        .as_array()
        .unwrap()
        .clone();
    let e = log.iter().find(|e| e["method"] == "PATCH").unwrap();
    assert_eq!(e["apiVersion"], ML_API);
    assert_eq!(e["status"], 202);
    assert_eq!(e["requestBody"]["tags"]["x"], "y");
    assert!(log
        .iter()
        .filter(|e| e["path"].as_str().unwrap().contains("oauth2"))
        .all(|e| e["requestBody"]["client_secret"] == "REDACTED"));
    let drift = format!(
        "{}/providers/Microsoft.Storage/storageAccounts/stdrift",
        rg_id()
    );
    let r = env
        .check(&[
            // Out-of-band delete (drift): no LRO, no counters.
            case(
                "DELETE",
                format!("/_emulator/resources{}", ws_id("mlw-hub")),
                None,
            )
            .no_auth()
            .status(200),
            case("GET", ws_id("mlw-hub"), Some(ML_API)).status(404),
            case("GET", "/_emulator/counters", None).no_auth(),
            // Out-of-band write.
            case("PUT", format!("/_emulator/resources{drift}"), None)
                .no_auth()
                .body(json!({"location": "eastus", "properties": {"x": 1}}))
                .status(200),
            case("GET", &drift, Some("2023-05-01")).status(200),
            // Reset brings the seed world back and clears counters.
            case("POST", "/_emulator/reset", None).no_auth().status(200),
            case("GET", ws_id("mlw-hub"), Some(ML_API)).status(200),
            case("GET", &drift, Some("2023-05-01")).status(404),
            case("GET", "/_emulator/counters", None)
                .no_auth()
                .field("", json!({})),
        ])
        .await;
    assert!(r[2].body.get(ws_id("mlw-hub").to_lowercase()).is_none());
}

#[tokio::test]
async fn resource_groups_and_lists() {
    let env = start_with(aml_arm_emulator::cli::Config {
        lro_delay_ms: 1000,
        ..Default::default()
    })
    .await;
    let rg = format!("/subscriptions/{SUB}/resourceGroups/rg-new");
    let ws = format!("{rg}/providers/Microsoft.MachineLearningServices/workspaces/ws-new");
    let r = env
        .check(&[
            case("PUT", &rg, Some("2021-04-01"))
                .body(json!({"location": "West Europe"}))
                .status(201),
            case("PUT", &rg, Some("2021-04-01"))
                .body(json!({"location": "westeurope"}))
                .status(200),
            case("PUT", &rg, Some("2021-04-01"))
                .body(json!({"location": "eastus"}))
                .code("InvalidResourceGroupLocation"),
            case("PUT", &ws, Some(ML_API))
                .body(json!({"location": "westeurope", "kind": "Default", "properties": {}}))
                .status(202),
            // Invisible while creating.
            case("GET", &ws, Some(ML_API)).status(404),
        ])
        .await;
    let fin = env.finish(r[3].clone(), &ws, ML_API).await;
    assert_eq!(fin.body["properties"]["provisioningState"], "Succeeded");
    let r = env
        .check(&[
            case(
                "GET",
                format!(
                    "/subscriptions/{SUB}/providers/Microsoft.MachineLearningServices/workspaces"
                ),
                Some(ML_API),
            ),
            case("DELETE", &rg, Some("2021-04-01"))
                .status(202)
                .finish(&rg),
            case("GET", &ws, Some(ML_API)).code("ResourceGroupNotFound"),
            case(
                "GET",
                format!(
                    "{}/providers/Microsoft.Network/virtualNetworks/vnet-aml",
                    rg_id()
                ),
                Some(NET_API),
            )
            .field(
                "/properties/subnets/0/properties/privateEndpointNetworkPolicies",
                json!("Disabled"),
            ),
        ])
        .await;
    assert_eq!(r[0].body["value"].as_array().unwrap().len(), 3);
    assert!(r[3]
        .header("x-ms-ratelimit-remaining-subscription-reads")
        .is_some());
}

#[tokio::test]
async fn workspace_etag_changes_with_its_children() {
    let env = start().await;
    set_mode(&env, "mlw-demo", "AllowOnlyApprovedOutbound").await;
    let before = env
        .get(&ws_id("mlw-demo"), ML_API)
        .await
        .header("etag")
        .unwrap();
    let r = env
        .put(
            &rule_path("mlw-demo", "pypi"),
            ML_API,
            json!({"properties": {"type": "FQDN", "destination": "pypi.org"}}),
        )
        .await;
    env.finish(r, &rule_path("mlw-demo", "pypi"), ML_API).await;
    let after = env
        .get(&ws_id("mlw-demo"), ML_API)
        .await
        .header("etag")
        .unwrap();
    assert_ne!(before, after);
    // A read-modify-write with the stale ETag is refused.
    let allow = json!({"properties": {"ipAllowlist": ["203.0.113.9"]}});
    env.check(&[
        case("PATCH", ws_id("mlw-demo"), Some(ML_PREVIEW))
            .body(allow.clone())
            .header("if-match", &before)
            .status(412),
        case("PATCH", ws_id("mlw-demo"), Some(ML_PREVIEW))
            .body(allow)
            .header("if-match", &after)
            .status(202),
    ])
    .await;
}

#[tokio::test]
async fn odd_bodies_never_crash_the_server() {
    let env = start().await;
    let rg = rg_id();
    let targets = [
        (ws_id("mlw-demo"), ML_API),
        (ws_id("ws-odd"), ML_API),
        (rule_path("mlw-demo", "odd-rule"), ML_API),
        (
            format!("{}/provisionManagedNetwork", ws_id("mlw-demo")),
            ML_API,
        ),
        (
            format!("{rg}/providers/Microsoft.Network/virtualNetworks/vnet-odd"),
            NET_API,
        ),
        (
            format!("{rg}/providers/Microsoft.Network/virtualNetworks/vnet-aml/subnets/snet-odd"),
            NET_API,
        ),
        (
            format!("{rg}/providers/Microsoft.Network/privateEndpoints/pe-odd"),
            NET_API,
        ),
        (
            format!("{rg}/providers/Microsoft.Network/privateDnsZones/odd.zone"),
            DNS_API,
        ),
        (
            format!("{rg}/providers/Microsoft.Storage/storageAccounts/stodd"),
            "2023-05-01",
        ),
        (
            format!("/subscriptions/{SUB}/resourceGroups/rg-odd"),
            "2021-04-01",
        ),
    ];
    let bodies = [
        json!({"properties": "x"}),
        json!({"properties": []}),
        json!({"location": 5, "properties": {"subnets": "x", "managedNetwork": "x"}}),
        json!({"location": "eastus", "properties": {"subnets": [1, {"name": 2}], "managedNetwork": {"outboundRules": {"a-b-c": 1}}}}),
        json!({"location": "eastus", "properties": {"privateLinkServiceConnections": [1], "subnet": {"id": 7}}}),
        json!({"location": "eastus", "kind": 3, "tags": "x", "properties": {"managedNetwork": {"isolationMode": 1, "outboundRules": []}}}),
        json!({"includeSpark": "yes"}),
        json!([]),
    ];
    for (path, api) in &targets {
        for b in &bodies {
            for m in ["PUT", "PATCH", "POST"] {
                let r = env.try_send(m, path, Some(api), Some(b), &[], true).await;
                let r = r.unwrap_or_else(|e| panic!("{m} {path} with {b}: connection failed: {e}"));
                assert!(
                    r.status < 500,
                    "{m} {path} with {b}: {} {:?}",
                    r.status,
                    r.body
                );
            }
        }
    }
    env.check(&[case(
        "PUT",
        format!("/_emulator/resources{rg}/providers/Microsoft.Network/virtualNetworks/v2"),
        None,
    )
    .no_auth()
    .body(json!({"properties": "x"}))
    .status(400)])
        .await;
}

#[tokio::test]
async fn rate_limits_and_retry_after_options() {
    let env = start_with(aml_arm_emulator::cli::Config {
        lro_delay_ms: 20,
        enforce_rate_limits: true,
        realistic_retry_after: true,
        ..Default::default()
    })
    .await;
    let r = env
        .patch(&ws_id("mlw-demo"), ML_API, json!({"tags": {"a": "b"}}))
        .await;
    assert_eq!(r.status, 202);
    assert_eq!(r.header("retry-after").as_deref(), Some("1"));
    assert!(r
        .header("x-ms-ratelimit-remaining-subscription-writes")
        .is_some());
    let mut throttled = None;
    for _ in 0..2000 {
        let r = env.get(&rg_id(), "2021-04-01").await;
        if r.status == 429 {
            throttled = Some(r);
            break;
        }
    }
    let t = throttled.expect("the read bucket (250) runs out");
    assert_eq!(t.code(), "SubscriptionRequestsThrottled");
    assert!(t.header("retry-after").is_some());
    assert_eq!(
        t.header("x-ms-ratelimit-remaining-subscription-reads")
            .as_deref(),
        Some("0")
    );
}

#[tokio::test]
async fn slow_lro_conflict_and_token_faults() {
    let env = start().await;
    env.admin(
        "POST",
        "/faults",
        Some(json!("slow-lro=3000ms,paths=*/workspaces/*")),
    )
    .await;
    let r = env
        .patch(&ws_id("mlw-demo"), ML_API, json!({"tags": {"a": "b"}}))
        .await;
    assert_eq!(r.status, 202);
    let hint: u64 = r.header("x-ms-retry-after-ms").unwrap().parse().unwrap();
    assert!(hint > 1000, "{hint}");
    let poll = env
        .send("GET", &r.header("location").unwrap(), None, None, &[])
        .await;
    assert_eq!(poll.status, 202);
    // Other paths keep the configured (fast) delay.
    let z = format!(
        "{}/providers/Microsoft.Network/privateDnsZones/fast.zone",
        rg_id()
    );
    let zr = env.put(&z, DNS_API, json!({"location": "global"})).await;
    let zh: u64 = zr.header("x-ms-retry-after-ms").unwrap().parse().unwrap();
    assert!(zh <= 50, "{zh}");
    env.admin("POST", "/faults", Some(json!("409=1,methods=PUT|PATCH")))
        .await;
    env.check(&[
        case("PATCH", ws_id("mlw-hub"), Some(ML_API))
            .body(json!({"tags": {"a": "b"}}))
            .status(409)
            .code("AnotherOperationInProgress"),
        // GETs are not affected.
        case("GET", ws_id("mlw-hub"), Some(ML_API)).status(200),
    ])
    .await;
    env.admin("POST", "/faults", Some(json!("503=1,targets=token")))
        .await;
    assert_eq!(
        env.token_request(ids::TENANT_ID, ids::CLIENT_ID, ids::CLIENT_SECRET)
            .await
            .status,
        503
    );
    env.check(&[
        // ARM is not a target now.
        case("GET", ws_id("mlw-hub"), Some(ML_API)).status(200),
        case("POST", "/_emulator/faults", None)
            .no_auth()
            .body(json!("500=1,max=2")),
        case("GET", ws_id("mlw-hub"), Some(ML_API)).status(500),
        case("GET", ws_id("mlw-hub"), Some(ML_API)).status(500),
        case("GET", ws_id("mlw-hub"), Some(ML_API)).status(200),
        case("GET", ws_id("mlw-hub"), Some(ML_API)).status(200),
    ])
    .await;
}

#[tokio::test]
async fn hang_lro_keeps_an_operation_running_until_the_client_gives_up() {
    let env = start().await;
    env.admin(
        "POST",
        "/faults",
        Some(json!("hang-lro=1,paths=*/privateDnsZones/hung.zone")),
    )
    .await;
    let zone = |name: &str| {
        format!(
            "{}/providers/Microsoft.Network/privateDnsZones/{name}",
            rg_id()
        )
    };
    let hung = zone("hung.zone");
    let r = env.put(&hung, DNS_API, json!({"location": "global"})).await;
    assert_eq!(r.status, 202);
    let status_url = r.header("azure-asyncoperation").expect("status URL");
    // Far past the configured 20 ms delay, the operation is still running.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let poll = env.send("GET", &status_url, None, None, &[]).await;
    assert_eq!(poll.status, 200);
    assert_eq!(poll.body["status"], "InProgress", "{:?}", poll.body);
    env.check(&[
        // The zone being created stays hidden, but the emulator holds it.
        case("GET", &hung, Some(DNS_API)).status(404),
        // Its operation keeps the lock: another write is refused as busy.
        case("PUT", &hung, Some(DNS_API))
            .body(json!({"location": "global"}))
            .status(409)
            .code("AnotherOperationInProgress"),
    ])
    .await;
    let held = env.admin("GET", "/resources", None).await;
    assert!(
        held.body["value"]
            .as_array()
            .unwrap()
            .iter()
            .any(|id| id.as_str().is_some_and(|i| i.eq_ignore_ascii_case(&hung))),
        "{:?}",
        held.body
    );
    // Other paths complete as configured.
    let fast = zone("fast.zone");
    let r = env.put(&fast, DNS_API, json!({"location": "global"})).await;
    let done = env.finish(r, &fast, DNS_API).await;
    assert_eq!(done.status, 200);
    // Probabilities are checked like every other fault's.
    env.check(&[case("POST", "/_emulator/faults", None)
        .no_auth()
        .body(json!("hang-lro=2"))
        .status(400)
        .code("InvalidFaultSpec")])
        .await;
}

#[tokio::test]
async fn failed_operations() {
    let env = start().await;
    env.admin("POST", "/faults", Some(json!("lro-fail=1")))
        .await;
    // ML create: the Location URL answers with the error and the workspace never appears.
    let ws = ws_id("ws-doomed");
    let fin = env
        .check(&[
            case("PUT", &ws, Some(ML_API))
                .body(json!({"location": "eastus", "properties": {}}))
                .status(202)
                .finish(&ws)
                .code("InternalOperationError"),
            case("GET", &ws, Some(ML_API)).status(404),
        ])
        .await;
    assert_eq!(fin[0].status, 500);
    // NRP: the Azure-AsyncOperation document says Failed with an error; the PE shows Failed.
    let pe = format!(
        "{}/providers/Microsoft.Network/privateEndpoints/pe-doomed",
        rg_id()
    );
    let r = env
        .put(
            &pe,
            NET_API,
            pe_body(&ws_id("mlw-demo"), "amlworkspace", false),
        )
        .await;
    assert_eq!(r.status, 201);
    let aao = r.header("azure-asyncoperation").unwrap();
    let mut status = Value::Null;
    for _ in 0..100 {
        status = env.send("GET", &aao, None, None, &[]).await.body;
        if status["status"] != "InProgress" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(status["status"], "Failed");
    assert_eq!(status["error"]["code"], "InternalOperationError");
    assert_eq!(
        env.get(&pe, NET_API).await.body["properties"]["provisioningState"],
        "Failed"
    );
}

#[tokio::test]
async fn lists_are_paged_with_next_link() {
    let env = start_with(aml_arm_emulator::cli::Config {
        lro_delay_ms: 20,
        page_size: 2,
        ..Default::default()
    })
    .await;
    set_mode(&env, "mlw-demo", "AllowOnlyApprovedOutbound").await;
    let mut url = format!("{}/outboundRules?api-version={ML_API}", ws_id("mlw-demo"));
    let mut names = Vec::new();
    let mut pages = 0;
    loop {
        let r = env.send("GET", &url, None, None, &[]).await;
        assert_eq!(r.status, 200);
        pages += 1;
        for v in r.body["value"].as_array().unwrap() {
            names.push(v["name"].as_str().unwrap().to_string());
        }
        match r.body.get("nextLink").and_then(Value::as_str) {
            Some(n) => url = n.to_string(),
            None => break,
        }
    }
    let all = env.get(&ws_id("mlw-demo"), ML_API).await.body["properties"]["managedNetwork"]
        ["outboundRules"]
        .as_object()
        .unwrap()
        .len();
    assert_eq!(names.len(), all);
    assert!(pages > 2);
    names.dedup();
    assert_eq!(names.len(), all);
}

fn ep_path(ws: &str, ep: &str) -> String {
    format!("{}/onlineEndpoints/{ep}", ws_id(ws))
}

fn ep_body(location: &str) -> Value {
    json!({"location": location, "properties": {"authMode": "Key", "publicNetworkAccess": "Disabled", "keys": {"primaryKey": "secret-1"}}})
}

#[tokio::test]
async fn online_endpoint_lifecycle_and_patch_fields() {
    let env = start().await;
    let ep = ep_path("mlw-demo", "ep-secure");
    let r = env
        .check(&[case("PUT", &ep, Some(ML_API))
            .body(ep_body("eastus"))
            .status(201)
            .field("/properties/provisioningState", json!("Creating"))
            .field("/properties/publicNetworkAccess", json!("Disabled"))
            .field("/properties/keys", Value::Null)
            .field(
                "/properties/scoringUri",
                json!("https://ep-secure.eastus.inference.ml.azure.com/score"),
            )
            .field(
                "/properties/swaggerUri",
                json!("https://ep-secure.eastus.inference.ml.azure.com/swagger.json"),
            )])
        .await;
    let created = r[0].clone();
    assert!(created
        .header("azure-asyncoperation")
        .unwrap()
        .contains("/mfeOperationsStatus/"));
    assert!(created.header("location").is_none());
    let fin = env.finish(created, &ep, ML_API).await;
    assert_eq!(fin.body["properties"]["provisioningState"], "Succeeded");
    assert!(fin.body["properties"]
        .get("keys")
        .map(Value::is_null)
        .unwrap_or(true));
    env.check(&[
        // PATCH takes tags and identity only; anything else is ARM's unknown-member error.
        case("PATCH", &ep, Some(ML_API))
            .body(json!({"properties": {"publicNetworkAccess": "Enabled"}}))
            .status(400)
            .code("InvalidRequestContent"),
        case("PATCH", &ep, Some(ML_API))
            .body(json!({"tags": {"a": "b"}, "location": "westus"}))
            .status(400)
            .code("InvalidRequestContent"),
        case("GET", &ep, Some(ML_API))
            .status(200)
            .field("/tags", json!({}))
            .field("/properties/publicNetworkAccess", json!("Disabled")),
        case("PATCH", ep_path("mlw-demo", "ep-missing"), Some(ML_API))
            .body(json!({"tags": {}}))
            .status(404)
            .code("ResourceNotFound"),
    ])
    .await;
    let r = env
        .check(&[
            case("PATCH", &ep, Some(ML_API))
                .body(json!({"tags": {"team": "ml"}, "identity": {"type": "SystemAssigned"}}))
                .status(202),
            case("GET", &ep, Some(ML_API))
                .field("/properties/provisioningState", json!("Updating")),
        ])
        .await;
    let r = r[0].clone();
    assert!(r
        .header("location")
        .unwrap()
        .contains("/mfeOperationResults/"));
    let fin = env.finish(r, &ep, ML_API).await;
    assert_eq!(fin.status, 200);
    assert_eq!(fin.body["tags"], json!({"team": "ml"}));
    assert!(fin.body["identity"]["principalId"].is_string());
    assert_eq!(fin.body["properties"]["provisioningState"], "Succeeded");
    // Lists page with nextLink like the other lists; `count` is the spec's page size.
    let r = env
        .check(&[
            case("PUT", ep_path("mlw-demo", "ep-second"), Some(ML_API)).body(ep_body("eastus")),
            case(
                "GET",
                format!("{}/onlineEndpoints?count=1", ws_id("mlw-demo")),
                Some(ML_API),
            ),
        ])
        .await;
    let list = &r[1];
    assert_eq!(list.body["value"].as_array().unwrap().len(), 1);
    let next = list.body["nextLink"].as_str().unwrap().to_string();
    let page2 = env.send("GET", &next, None, None, &[]).await;
    assert_eq!(page2.body["value"].as_array().unwrap().len(), 1);
    assert!(page2.body.get("nextLink").is_none());
    // DELETE: 202 + Location, Deleting, then gone.
    let d = env
        .check(&[
            case("DELETE", &ep, Some(ML_API)).status(202),
            case("GET", &ep, Some(ML_API))
                .field("/properties/provisioningState", json!("Deleting")),
        ])
        .await;
    let fin = env.finish(d[0].clone(), &ep, ML_API).await;
    assert_eq!(fin.status, 200);
    env.check(&[
        case("GET", &ep, Some(ML_API))
            .status(404)
            .code("ResourceNotFound"),
        case("DELETE", &ep, Some(ML_API)).status(204),
    ])
    .await;
}

#[tokio::test]
async fn online_endpoint_names_are_unique_per_region() {
    let env = start().await;
    env.seed(
        &ws_id("mlw-west"),
        json!({"location": "westus", "properties": {}}),
    )
    .await;
    let dup = env
        .check(&[
            // A write while the create runs would be refused (409); wait for it.
            case("PUT", ep_path("mlw-demo", "shared-name"), Some(ML_API))
                .body(ep_body("eastus"))
                .status(201)
                .finish(ep_path("mlw-demo", "shared-name")),
            // Same region, another workspace (names compare case-insensitively).
            case("PUT", ep_path("mlw-hub", "Shared-Name"), Some(ML_API))
                .body(ep_body("eastus"))
                .status(400)
                .code("BadRequest")
                .field(
                    "/error/details/0/code",
                    json!("InferencingClientCallFailed"),
                ),
            // Another region is fine.
            case("PUT", ep_path("mlw-west", "shared-name"), Some(ML_API))
                .body(ep_body("westus"))
                .status(201),
            // Updating the endpoint that holds the name is not a conflict.
            case("PUT", ep_path("mlw-demo", "shared-name"), Some(ML_API))
                .body(ep_body("eastus"))
                .status(200)
                .field("/properties/provisioningState", json!("Updating")),
            // The product's naming rules.
            case(
                "PUT",
                ep_path("mlw-demo", "1starts-with-digit"),
                Some(ML_API),
            )
            .body(ep_body("eastus"))
            .status(400)
            .code("InvalidResourceName"),
            case("PUT", ep_path("mlw-demo", "ab"), Some(ML_API))
                .body(ep_body("eastus"))
                .code("InvalidResourceName"),
            case("PUT", ep_path("mlw-demo", "under_score"), Some(ML_API))
                .body(ep_body("eastus"))
                .code("InvalidResourceName"),
            case(
                "PUT",
                ep_path("mlw-demo", "ends-with-hyphen-"),
                Some(ML_API),
            )
            .body(ep_body("eastus"))
            .code("InvalidResourceName"),
            case("PUT", ep_path("mlw-demo", &"a".repeat(33)), Some(ML_API))
                .body(ep_body("eastus"))
                .code("InvalidResourceName"),
            case("PUT", ep_path("mlw-demo", "no-auth-mode"), Some(ML_API))
                .body(json!({"location": "eastus", "properties": {}}))
                .status(400)
                .code("BadRequest"),
        ])
        .await;
    assert!(dup[1].body["error"]["details"][0]["message"]
        .as_str()
        .unwrap()
        .contains("unique within a region"));
}

#[tokio::test]
async fn online_endpoint_lro_fail_leaves_it_failed() {
    let env = start().await;
    env.admin(
        "POST",
        "/faults",
        Some(json!("lro-fail=1,paths=*/onlineEndpoints/*")),
    )
    .await;
    let ep = ep_path("mlw-demo", "ep-doomed");
    let r = env.put(&ep, ML_API, ep_body("eastus")).await;
    assert_eq!(r.status, 201);
    let aao = r.header("azure-asyncoperation").unwrap();
    let mut status = Value::Null;
    for _ in 0..200 {
        status = env.send("GET", &aao, None, None, &[]).await.body;
        if status["status"] != "InProgress" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(status["status"], "Failed");
    assert_eq!(status["error"]["code"], "InternalOperationError");
    assert!(status["error"]["message"]
        .as_str()
        .unwrap()
        .contains("lro-fail"));
    env.check(&[case("GET", &ep, Some(ML_API))
        .status(200)
        .field("/properties/provisioningState", json!("Failed"))])
        .await;
}

#[tokio::test]
async fn endpoint_traffic_names_only_existing_deployments() {
    let env = start().await;
    let ep = ep_path("mlw-demo", "ep-traffic");
    let dep = format!("{ep}/deployments/blue");
    let with_traffic =
        |t: Value| json!({"location": "eastus", "properties": {"authMode": "Key", "traffic": t}});
    let r = env
        .check(&[
            case("PUT", &ep, Some(ML_API))
                .body(ep_body("eastus"))
                .finish(&ep),
            case("PUT", &ep, Some(ML_API))
                .body(with_traffic(json!({"blue": 100})))
                .status(400)
                .code("BadRequest"),
            case("PUT", ep_path("mlw-demo", "ep-new"), Some(ML_API))
                .body(with_traffic(json!({"green": 100})))
                .status(400)
                .code("BadRequest"),
            case("PUT", &dep, Some(ML_API))
                .body(json!({"properties": {}}))
                .status(400)
                .code("BadRequest"),
            case("PUT", &dep, Some(ML_API))
                .body(json!({"location": "eastus", "properties": {"endpointComputeType": "managed"}, "sku": {"name": "Default", "capacity": 1}}))
                .status(201)
                .field("/properties/provisioningState", json!("Creating"))
                .field("/properties/endpointComputeType", json!("Managed")),
        ])
        .await;
    env.finish(r[4].clone(), &dep, ML_API).await;
    let r = env
        .check(&[
            case("GET", &dep, Some(ML_API))
                .status(200)
                .field("/properties/provisioningState", json!("Succeeded")),
            case("GET", format!("{ep}/deployments"), Some(ML_API))
                .status(200)
                .field("/value/0/name", json!("blue")),
            case("PUT", &ep, Some(ML_API))
                .body(with_traffic(json!({"blue": 100, "green": 0})))
                .status(400)
                .code("BadRequest"),
            case("PUT", &ep, Some(ML_API))
                .body(with_traffic(json!({"blue": 101})))
                .status(400),
            case("PUT", &ep, Some(ML_API))
                .body(with_traffic(json!({"BLUE": 100})))
                .status(200)
                .field("/properties/traffic", json!({"blue": 100})),
        ])
        .await;
    assert!(r[2].body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("'green'"));
    env.finish(r[4].clone(), &ep, ML_API).await;
    // Deployment DELETE: 202 + Location; deleting the endpoint removes its deployments.
    env.check(&[
        case("DELETE", &ep, Some(ML_API)).status(202).finish(&ep),
        case("GET", &dep, Some(ML_API))
            .status(404)
            .code("ParentResourceNotFound"),
    ])
    .await;
}

#[tokio::test]
async fn computes_and_image_build_compute() {
    let env = start().await;
    let computes = format!("{}/computes", ws_id("mlw-demo"));
    env.seed(
        &format!("{computes}/seeded-ci"),
        json!({"properties": {"computeType": "ComputeInstance"}}),
    )
    .await;
    env.check(&[
        case("PUT", format!("{computes}/cpu-cluster"), Some(ML_API))
            .body(json!({"properties": {"computeType": "amlcompute", "properties": {"vmSize": "STANDARD_DS3_V2"}}}))
            .status(201)
            .field("/properties/computeType", json!("AmlCompute"))
            .field("/location", json!("eastus")),
        case("PUT", format!("{computes}/bad"), Some(ML_API))
            .body(json!({"properties": {"computeType": "Mainframe"}}))
            .status(400)
            .code("BadRequest"),
        case("GET", &computes, Some(ML_API))
            .status(200)
            .field("/value/0/name", json!("cpu-cluster"))
            // The default world's cluster, then the seeded one.
            .field("/value/1/name", json!("image-builder"))
            .field("/value/2/name", json!("seeded-ci"))
            .field("/value/2/properties/provisioningState", json!("Succeeded")),
        case("GET", format!("{computes}/cpu-cluster"), Some(ML_API))
            .status(200)
            .field("/type", json!("Microsoft.MachineLearningServices/workspaces/computes")),
        case("GET", format!("{}/computes", ws_id("no-such-ws")), Some(ML_API))
            .status(404)
            .code("ParentResourceNotFound"),
        case("PATCH", ws_id("mlw-demo"), Some(ML_API))
            .body(json!({"properties": {"imageBuildCompute": 42}}))
            .status(400)
            .code("InvalidRequestContent"),
    ])
    .await;
    env.check(&[
        case("PATCH", ws_id("mlw-demo"), Some(ML_API))
            .body(json!({"properties": {"imageBuildCompute": "cpu-cluster"}}))
            .status(202)
            .finish(ws_id("mlw-demo"))
            .field("/properties/imageBuildCompute", json!("cpu-cluster")),
        case("PUT", ws_id("mlw-hub"), Some(ML_API))
            .body(json!({"location": "eastus", "properties": {"imageBuildCompute": ""}}))
            .finish(ws_id("mlw-hub")),
        case("GET", ws_id("mlw-demo"), Some(ML_API))
            .field("/properties/imageBuildCompute", json!("cpu-cluster")),
        case("GET", ws_id("mlw-hub"), Some(ML_API))
            .field("/properties/imageBuildCompute", json!("")),
    ])
    .await;
}

#[tokio::test]
async fn container_registry_sku() {
    let env = start().await;
    let acr = |n: &str| {
        format!(
            "{}/providers/Microsoft.ContainerRegistry/registries/{n}",
            rg_id()
        )
    };
    env.seed(
        &acr("acrseeded"),
        json!({"location": "eastus", "sku": {"name": "basic"}, "properties": {}}),
    )
    .await;
    env.check(&[
        case("GET", acr("acramldemo"), Some("2023-07-01"))
            .status(200)
            .field("/sku/name", json!("Premium")),
        case("PUT", acr("acrstandard"), Some("2023-07-01"))
            .body(json!({"location": "eastus", "sku": {"name": "standard"}, "properties": {}}))
            .status(201)
            .field("/sku/name", json!("Standard"))
            .field("/sku/tier", json!("Standard")),
        case("GET", acr("acrstandard"), Some("2023-07-01")).field("/sku/name", json!("Standard")),
        case("GET", acr("acrseeded"), Some("2023-07-01"))
            .field("/sku/name", json!("Basic"))
            .field("/sku/tier", json!("Basic")),
    ])
    .await;
}

#[tokio::test]
async fn resource_group_resources_list_tracked_resources_with_paging() {
    let env = start_with(aml_arm_emulator::cli::Config {
        lro_delay_ms: 20,
        page_size: 3,
        ..Default::default()
    })
    .await;
    let zone = format!(
        "{}/providers/Microsoft.Network/privateDnsZones/privatelink.api.azureml.ms",
        rg_id()
    );
    let r = env.put(&zone, DNS_API, json!({"location": "global"})).await;
    env.finish(r, &zone, DNS_API).await;
    let list = format!("{}/resources", rg_id());
    let r = env
        .check(&[
            case("GET", &list, Some("2021-04-01")).status(200),
            case("GET", &list, None).status(400).code("MissingApiVersionParameter"),
            case("GET", &list, Some("1999-01-01")).status(400).code("NoRegisteredProviderFound"),
            case("GET", "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-aml-demo/resources", Some("2021-04-01"))
                .status(404)
                .code("SubscriptionNotFound"),
            case("GET", format!("{}x/resources", rg_id()), Some("2021-04-01"))
                .status(404)
                .code("ResourceGroupNotFound"),
            case("PUT", &list, Some("2021-04-01")).body(json!({})).status(405),
        ])
        .await;
    assert!(r[0].body.get("nextLink").is_some(), "{:?}", r[0].body);
    let mut items = Vec::new();
    let mut url = env.url(&format!("{list}?api-version=2021-04-01"));
    loop {
        let r = env.send("GET", &url, None, None, &[]).await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        let page = r.body["value"].as_array().unwrap();
        assert!(page.len() <= 3);
        items.extend(page.iter().cloned());
        match r.body.get("nextLink").and_then(Value::as_str) {
            Some(n) => url = n.to_string(),
            None => break,
        }
    }
    let ids: Vec<String> = items
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_ascii_lowercase())
        .collect();
    let mut unique = ids.clone();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "duplicates: {ids:?}");
    for i in &items {
        for k in ["id", "name", "type", "location"] {
            assert!(i[k].is_string(), "{k} missing: {i}");
        }
        assert!(i.get("properties").is_none(), "{i}");
    }
    let has = |suffix: &str| {
        ids.iter()
            .any(|i| i.ends_with(&suffix.to_ascii_lowercase()))
    };
    // Tracked resources of the group, the zone just created among them (location global) ...
    assert!(has("/workspaces/mlw-demo"));
    assert!(has("/virtualnetworks/vnet-aml"));
    assert!(has("/privatednszones/privatelink.api.azureml.ms"));
    let z = items
        .iter()
        .find(|i| i["name"] == "privatelink.api.azureml.ms")
        .unwrap();
    assert_eq!(z["type"], "Microsoft.Network/privateDnsZones");
    assert_eq!(z["location"], "global");
    // ... but not children without a location, nor the group itself.
    assert!(!ids
        .iter()
        .any(|i| i.contains("/subnets/") || i.contains("/outboundrules/")));
    assert!(!ids.iter().any(|i| i == &rg_id().to_ascii_lowercase()));
    // A resource whose create is still running is not listed.
    let pe = format!(
        "{}/providers/Microsoft.Network/privateEndpoints/pe-list",
        rg_id()
    );
    let r = env
        .put(
            &pe,
            NET_API,
            pe_body(&ws_id("mlw-demo"), "amlworkspace", false),
        )
        .await;
    assert_eq!(r.status, 201);
    env.finish(r, &pe, NET_API).await;
    let mut found = false;
    let mut url = env.url(&format!("{list}?api-version=2021-04-01"));
    loop {
        let r = env.send("GET", &url, None, None, &[]).await;
        found |= r.body["value"].as_array().unwrap().iter().any(|i| {
            i["name"] == "pe-list"
                && i["type"] == "Microsoft.Network/privateEndpoints"
                && i["location"] == "eastus"
        });
        match r.body.get("nextLink").and_then(Value::as_str) {
            Some(n) => url = n.to_string(),
            None => break,
        }
    }
    assert!(found, "the finished endpoint is listed");
}

#[tokio::test]
async fn private_endpoint_location_and_static_ip_refusals() {
    let env = start().await;
    let pe = |n: &str| {
        format!(
            "{}/providers/Microsoft.Network/privateEndpoints/{n}",
            rg_id()
        )
    };
    let with = |f: &dyn Fn(&mut Value)| {
        let mut b = pe_body(&ws_id("mlw-demo"), "amlworkspace", false);
        f(&mut b);
        b
    };
    let static_ip = |ip: &str| {
        let ip = ip.to_string();
        with(&move |b: &mut Value| {
            b["properties"]["ipConfigurations"] = json!([{"name": "c0", "properties": {"groupId": "amlworkspace", "memberName": "amlworkspace", "privateIPAddress": ip}}]);
        })
    };
    env.check(&[
        // Empty location: refused like a missing one.
        case("PUT", pe("pe-empty"), Some(NET_API))
            .body(with(&|b| b["location"] = json!("")))
            .status(400)
            .code("LocationRequired"),
        case("PUT", pe("pe-blank"), Some(NET_API))
            .body(with(&|b| b["location"] = json!("  ")))
            .status(400)
            .code("LocationRequired"),
        case("PUT", pe("pe-missing"), Some(NET_API))
            .body(with(&|b| {
                b.as_object_mut().unwrap().remove("location");
            }))
            .status(400)
            .code("LocationRequired"),
        // Another region than the VNet's (eastus): the VNet is not found from there.
        case("PUT", pe("pe-west"), Some(NET_API))
            .body(with(&|b| b["location"] = json!("westus")))
            .status(400)
            .code("InvalidResourceReference"),
        // The VNet's region in another spelling is the same region.
        case("PUT", pe("pe-spelled"), Some(NET_API))
            .body(with(&|b| b["location"] = json!("East US")))
            .status(201)
            .finish(pe("pe-spelled")),
        // A static IP outside snet-pe (10.0.1.0/24), or not an IPv4 address.
        case("PUT", pe("pe-ip-out"), Some(NET_API))
            .body(static_ip("10.0.2.10"))
            .status(400)
            .code("PrivateIPAddressNotInSubnet"),
        case("PUT", pe("pe-ip-bad"), Some(NET_API))
            .body(static_ip("not-an-ip"))
            .status(400)
            .code("PrivateIPAddressNotInSubnet"),
        case("GET", pe("pe-ip-out"), Some(NET_API)).status(404),
        case("GET", pe("pe-west"), Some(NET_API)).status(404),
        // Inside the subnet: accepted, and the endpoint gets that address.
        case("PUT", pe("pe-ip-in"), Some(NET_API))
            .body(static_ip("10.0.1.50"))
            .status(201)
            .finish(pe("pe-ip-in"))
            .field(
                "/properties/customDnsConfigs/0/ipAddresses/0",
                json!("10.0.1.50"),
            ),
    ])
    .await;
    let r = env
        .put(&pe("pe-ip-out2"), NET_API, static_ip("192.168.0.1"))
        .await;
    assert_eq!(
        r.body["error"]["message"],
        "Private static IP address 192.168.0.1 does not belong to the range of subnet prefix 10.0.1.0/24."
    );
}

/// What the provider's isolation check reads is stored and served as written or seeded: the
/// network settings and SKU of storage, key vault and registry, a VNet's address space with its
/// subnets' private endpoint policies, a zone's virtual network links, and outbound rule statuses
/// with the service's message; a 403 fault refuses one dependency only.
#[tokio::test]
async fn what_the_isolation_check_reads_round_trips() {
    let env = start().await;
    let rg = rg_id();
    let st = format!("{rg}/providers/Microsoft.Storage/storageAccounts/stiso");
    let acr = format!("{rg}/providers/Microsoft.ContainerRegistry/registries/acriso");
    let kv = format!("{rg}/providers/Microsoft.KeyVault/vaults/kv-iso");
    let vnet = format!("{rg}/providers/Microsoft.Network/virtualNetworks/vnet-docker");
    let zone =
        format!("{rg}/providers/Microsoft.Network/privateDnsZones/privatelink.api.azureml.ms");
    env.admin("PUT", &format!("/resources{vnet}"), Some(json!({"type": "Microsoft.Network/virtualNetworks", "location": "eastus",
        "properties": {"addressSpace": {"addressPrefixes": ["172.17.0.0/16"]},
            "subnets": [{"name": "a", "properties": {"addressPrefix": "172.17.1.0/24", "privateEndpointNetworkPolicies": "Enabled"}},
                        {"name": "b", "properties": {"addressPrefix": "172.17.2.0/24"}}]}}))).await;
    env.admin("PUT", &format!("/resources{zone}"), Some(json!({"type": "Microsoft.Network/privateDnsZones", "location": "global", "properties": {}}))).await;
    env.admin("PUT", &format!("/resources{zone}/virtualNetworkLinks/l"), Some(json!({"type": "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
        "location": "global", "properties": {"virtualNetwork": {"id": vnet}, "registrationEnabled": false}}))).await;
    env.admin("PUT", &format!("/resources{}", ws_id("mlw-iso")), Some(json!({"type": "Microsoft.MachineLearningServices/workspaces", "location": "eastus",
        "properties": {"managedNetwork": {"isolationMode": "AllowOnlyApprovedOutbound", "status": {"status": "Active"},
            "outboundRules": {"pe-st": {"type": "PrivateEndpoint", "category": "UserDefined", "status": "Failed",
                "errorInformation": "approval denied", "destination": {"serviceResourceId": st, "subresourceTarget": "blob"}}}}}}))).await;
    env.check(&[
        case("PUT", &st, Some("2023-05-01"))
            .body(json!({"location": "eastus", "kind": "StorageV2", "sku": {"name": "Standard_LRS"},
                "properties": {"publicNetworkAccess": "Disabled", "networkAcls": {"defaultAction": "Deny"}}}))
            .status(201),
        case("GET", &st, Some("2023-05-01"))
            .status(200)
            .field("/properties/publicNetworkAccess", json!("Disabled"))
            .field("/properties/networkAcls/defaultAction", json!("Deny")),
        case("PUT", &acr, Some("2023-07-01"))
            .body(json!({"location": "eastus", "sku": {"name": "basic"}, "properties": {"publicNetworkAccess": "Enabled",
                "networkRuleSet": {"defaultAction": "Allow"}}}))
            .status(201),
        case("GET", &acr, Some("2023-07-01"))
            .status(200)
            .field("/sku/name", json!("Basic"))
            .field("/properties/networkRuleSet/defaultAction", json!("Allow")),
        case("PUT", &kv, Some("2023-07-01"))
            .body(json!({"location": "eastus", "properties": {"tenantId": "t", "sku": {"family": "A", "name": "standard"}, "publicNetworkAccess": "Disabled"}}))
            .status(201),
        case("GET", &kv, Some("2023-07-01")).status(200).field("/properties/publicNetworkAccess", json!("Disabled")),
        case("GET", &vnet, Some(NET_API))
            .status(200)
            .field("/properties/addressSpace/addressPrefixes/0", json!("172.17.0.0/16"))
            .field("/properties/subnets/0/properties/privateEndpointNetworkPolicies", json!("Enabled"))
            .field("/properties/subnets/1/properties/privateEndpointNetworkPolicies", json!("Disabled")),
        case("GET", format!("{zone}/virtualNetworkLinks"), Some(DNS_API))
            .status(200)
            .field("/value/0/properties/virtualNetwork/id", json!(vnet)),
        case("GET", format!("{}/outboundRules/pe-st", ws_id("mlw-iso")), Some(ML_API))
            .status(200)
            .field("/properties/status", json!("Failed"))
            .field("/properties/errorInformation", json!("approval denied")),
    ])
    .await;
    env.admin(
        "POST",
        "/faults",
        Some(json!("403=1,paths=*/storageAccounts/stiso")),
    )
    .await;
    env.check(&[
        case("GET", &st, Some("2023-05-01"))
            .status(403)
            .code("AuthorizationFailed"),
        case("GET", &acr, Some("2023-07-01")).status(200),
    ])
    .await;
}
