//! The seed world: the documented default world (used when no `--seed` is given), loading a
//! seed file (a JSON array of ARM resource documents, e.g. GET payloads copied from Azure), and
//! importing one document into the world (also used by the admin API's out-of-band PUT).
//! Embedded children (VNet subnets, a workspace's outbound-rule map and private endpoint
//! connections) are split into child resources so that later reads compose them again.

use crate::app::{ids as fixed, App};
use crate::ids::{self, canon, key_of, Target};
use crate::routes::{ml, online};
use crate::state::{new_etag, norm_location, ConnRef, Extra, Res, World};
use serde_json::{json, Value};
use std::path::Path;

/// Resource group of the default world.
pub const DEMO_RG: &str = "rg-aml-demo";

/// The default world's documents.
pub fn default_world() -> Vec<Value> {
    let sub = fixed::SUBSCRIPTION_ID;
    let rg = format!("/subscriptions/{sub}/resourceGroups/{DEMO_RG}");
    let sa = format!("{rg}/providers/Microsoft.Storage/storageAccounts/stamldemo");
    let kv = format!("{rg}/providers/Microsoft.KeyVault/vaults/kv-aml-demo");
    let acr = format!("{rg}/providers/Microsoft.ContainerRegistry/registries/acramldemo");
    let ai = format!("{rg}/providers/Microsoft.Insights/components/appi-aml-demo");
    let ws = |name: &str, kind: &str, wsid: &str| {
        json!({
            "id": format!("{rg}/providers/Microsoft.MachineLearningServices/workspaces/{name}"),
            "name": name, "type": "Microsoft.MachineLearningServices/workspaces", "location": "eastus", "kind": kind,
            "sku": {"name": "Basic", "tier": "Basic"},
            "identity": {"type": "SystemAssigned", "principalId": "00000000-0000-4000-8000-0000000000d1", "tenantId": fixed::TENANT_ID},
            "properties": {
                "friendlyName": name, "storageAccount": sa, "keyVault": kv, "containerRegistry": acr, "applicationInsights": ai,
                "workspaceId": wsid, "publicNetworkAccess": "Enabled", "allowPublicAccessWhenBehindVnet": false,
                "hbiWorkspace": false, "v1LegacyMode": false, "enableDataIsolation": false,
                "managedNetwork": {"isolationMode": "Disabled", "status": {"status": "Inactive", "sparkReady": false}},
                "provisioningState": "Succeeded",
            }
        })
    };
    vec![
        json!({"id": rg, "name": DEMO_RG, "type": "Microsoft.Resources/resourceGroups", "location": "eastus"}),
        json!({
            "id": format!("{rg}/providers/Microsoft.Network/virtualNetworks/vnet-aml"),
            "name": "vnet-aml", "type": "Microsoft.Network/virtualNetworks", "location": "eastus",
            "properties": {
                "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
                "subnets": [{"name": "snet-pe", "properties": {"addressPrefix": "10.0.1.0/24", "privateEndpointNetworkPolicies": "Disabled", "privateLinkServiceNetworkPolicies": "Enabled"}}],
                "provisioningState": "Succeeded",
            }
        }),
        json!({"id": sa, "name": "stamldemo", "type": "Microsoft.Storage/storageAccounts", "location": "eastus", "kind": "StorageV2",
               "sku": {"name": "Standard_LRS", "tier": "Standard"},
               "properties": {"provisioningState": "Succeeded", "publicNetworkAccess": "Enabled",
                              "primaryEndpoints": {"blob": "https://stamldemo.blob.core.windows.net/", "file": "https://stamldemo.file.core.windows.net/"}}}),
        json!({"id": kv, "name": "kv-aml-demo", "type": "Microsoft.KeyVault/vaults", "location": "eastus",
               "properties": {"tenantId": fixed::TENANT_ID, "sku": {"family": "A", "name": "standard"}, "vaultUri": "https://kv-aml-demo.vault.azure.net/", "provisioningState": "Succeeded"}}),
        json!({"id": acr, "name": "acramldemo", "type": "Microsoft.ContainerRegistry/registries", "location": "eastus",
               "sku": {"name": "Premium", "tier": "Premium"},
               "properties": {"loginServer": "acramldemo.azurecr.io", "provisioningState": "Succeeded", "publicNetworkAccess": "Enabled"}}),
        json!({"id": ai, "name": "appi-aml-demo", "type": "Microsoft.Insights/components", "location": "eastus", "kind": "web",
               "properties": {"Application_Type": "web", "provisioningState": "Succeeded"}}),
        ws(
            "mlw-demo",
            "Default",
            "5f1a0c1e-0000-4000-8000-00000000d001",
        ),
        ws("mlw-hub", "Hub", "5f1a0c1e-0000-4000-8000-00000000d002"),
        // A compute cluster that can build the workspace's images once its registry is private.
        json!({
            "id": format!("{rg}/providers/Microsoft.MachineLearningServices/workspaces/mlw-demo/computes/image-builder"),
            "name": "image-builder", "type": "Microsoft.MachineLearningServices/workspaces/computes", "location": "eastus",
            "properties": {
                "computeType": "AmlCompute", "provisioningState": "Succeeded", "disableLocalAuth": true,
                "properties": {"vmSize": "STANDARD_DS3_V2", "scaleSettings": {"minNodeCount": 0, "maxNodeCount": 2}, "enableNodePublicIp": false},
            }
        }),
    ]
}

/// Loads a seed file: a JSON array of documents, or an object with `value`/`resources`.
pub fn load_file(path: &Path) -> Result<Vec<Value>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("reading seed {}: {e}", path.display()))?;
    let v: Value = serde_json::from_str(&text)
        .map_err(|e| format!("seed {}: invalid JSON: {e}", path.display()))?;
    let arr = match v {
        Value::Array(a) => a,
        Value::Object(mut o) => match o.remove("value").or_else(|| o.remove("resources")) {
            Some(Value::Array(a)) => a,
            _ => {
                return Err(format!(
                    "seed {}: expected a JSON array of resource documents",
                    path.display()
                ))
            }
        },
        _ => {
            return Err(format!(
                "seed {}: expected a JSON array of resource documents",
                path.display()
            ))
        }
    };
    Ok(arr)
}

/// Resets the world to the seed documents (counters cleared; tokens, faults and the request
/// log are kept).
pub fn reset(app: &App) -> Result<(), String> {
    let mut w = World::default();
    w.add_sub(fixed::SUBSCRIPTION_ID);
    for (i, d) in app.seed.iter().enumerate() {
        import(&mut w, d, None).map_err(|e| format!("seed document #{i}: {e}"))?;
    }
    *app.world.write().unwrap_or_else(|e| e.into_inner()) = w;
    app.fresh.lock().unwrap_or_else(|e| e.into_inner()).clear();
    Ok(())
}

/// Rejects documents whose nested parts the emulator relies on have the wrong JSON type.
fn check_shape(doc: &Value) -> Result<(), String> {
    let obj_or_absent = |v: Option<&Value>, what: &str| match v {
        None | Some(Value::Null) | Some(Value::Object(_)) => Ok(()),
        Some(_) => Err(format!("{what} must be a JSON object")),
    };
    obj_or_absent(doc.get("properties"), "properties")?;
    obj_or_absent(
        doc.pointer("/properties/managedNetwork"),
        "properties.managedNetwork",
    )?;
    obj_or_absent(
        doc.pointer("/properties/managedNetwork/status"),
        "properties.managedNetwork.status",
    )?;
    obj_or_absent(
        doc.pointer("/properties/managedNetwork/outboundRules"),
        "properties.managedNetwork.outboundRules",
    )?;
    if let Some(Value::Object(m)) = doc.pointer("/properties/managedNetwork/outboundRules") {
        for (k, v) in m {
            if !v.is_object() {
                return Err(format!("outbound rule '{k}' must be a JSON object"));
            }
        }
    }
    for list in [
        "subnets",
        "privateEndpointConnections",
        "privateLinkServiceConnections",
        "manualPrivateLinkServiceConnections",
        "customDnsConfigs",
        "privateDnsZoneConfigs",
    ] {
        match doc.pointer(&format!("/properties/{list}")) {
            None | Some(Value::Null) => {}
            Some(Value::Array(a)) => {
                for item in a {
                    if !item.is_object()
                        || !matches!(
                            item.get("properties"),
                            None | Some(Value::Null) | Some(Value::Object(_))
                        )
                    {
                        return Err(format!("properties.{list} must be an array of objects with object 'properties'"));
                    }
                }
            }
            Some(_) => return Err(format!("properties.{list} must be an array")),
        }
    }
    Ok(())
}

fn type_string_of(id: &str) -> Option<String> {
    match ids::parse(id) {
        Target::ResourceGroup { .. } => Some("Microsoft.Resources/resourceGroups".into()),
        Target::Resource(p) if !p.pairs.is_empty() => {
            let mut s = canon(&p.ns);
            for (t, _) in &p.pairs {
                s.push('/');
                s.push_str(&canon(t));
            }
            Some(s)
        }
        _ => None,
    }
}

fn put_doc(w: &mut World, id: &str, tkey: &str, mut doc: Value) -> Res {
    let etag = match doc.get("etag").and_then(Value::as_str) {
        Some(e) if tkey.starts_with("microsoft.network/privatednszones") => e.to_string(),
        Some(e) if e.starts_with("W/") || e.starts_with('"') => e.to_string(),
        Some(e) => format!("W/\"{e}\""),
        None => new_etag(tkey),
    };
    if crate::state::etag_in_body(tkey) && doc.get("etag").is_none() {
        doc["etag"] = json!(etag);
    }
    let r = Res {
        id: id.to_string(),
        tkey: tkey.to_string(),
        doc,
        etag,
        hidden: false,
        x: Extra::default(),
    };
    w.put(r.clone());
    r
}

/// Imports one document. `id_override` is the id from an admin URL.
pub fn import(w: &mut World, doc: &Value, id_override: Option<&str>) -> Result<Value, String> {
    if !doc.is_object() {
        return Err("a resource document must be a JSON object".into());
    }
    let id = id_override
        .map(String::from)
        .or_else(|| doc.get("id").and_then(Value::as_str).map(String::from))
        .ok_or("the document has no 'id'")?;
    let id = id.trim_end_matches('/').to_string();
    check_shape(doc)?;
    let mut doc = doc.clone();
    doc["id"] = json!(id);
    let name = id.rsplit('/').next().unwrap_or("").to_string();
    if doc.get("name").is_none() {
        doc["name"] = json!(name);
    }
    let loc = doc
        .get("location")
        .and_then(Value::as_str)
        .map(norm_location)
        .unwrap_or_else(|| "eastus".into());
    match ids::parse(&id) {
        Target::Subscription { sub } => {
            w.add_sub(&sub);
            Ok(json!({"id": format!("/subscriptions/{sub}")}))
        }
        Target::ResourceGroup { sub, rg } => {
            crate::routes::resources::insert_rg(w, &sub, &rg, &loc, doc.get("tags"));
            Ok(w.get(&key_of(&id))
                .map(|r| r.doc.clone())
                .unwrap_or_default())
        }
        Target::Resource(p) if !p.pairs.is_empty() && p.tail.is_none() => {
            w.add_sub(&p.sub);
            if w.get(&p.rg_key()).is_none() {
                crate::routes::resources::insert_rg(w, &p.sub, &p.rg, &loc, None);
            }
            let tkey = p.type_key();
            if doc.get("type").is_none() {
                doc["type"] = json!(type_string_of(&id).unwrap_or_default());
            }
            if let Some(l) = doc.get("location").and_then(Value::as_str) {
                doc["location"] = json!(if tkey.starts_with("microsoft.network/privatednszones") {
                    "global".to_string()
                } else {
                    norm_location(l)
                });
            }
            import_typed(w, &id, &tkey, doc)?;
            let r = w.get(&key_of(&id)).cloned().ok_or("import failed")?;
            Ok(crate::routes::view(w, &r, "2026-07-15-preview"))
        }
        _ => Err(format!("'{id}' is not an ARM resource id")),
    }
}

fn import_typed(w: &mut World, id: &str, tkey: &str, mut doc: Value) -> Result<(), String> {
    let key = key_of(id);
    match tkey {
        "microsoft.network/virtualnetworks" => {
            let subnets = doc.pointer_mut("/properties/subnets").map(Value::take);
            if let Some(o) = doc.get_mut("properties").and_then(Value::as_object_mut) {
                o.remove("subnets");
            }
            put_doc(w, id, tkey, doc);
            for s in subnets
                .and_then(|s| s.as_array().cloned())
                .unwrap_or_default()
            {
                let sname = s
                    .get("name")
                    .and_then(Value::as_str)
                    .ok_or("a subnet has no name")?;
                let sid = format!("{id}/subnets/{sname}");
                let mut sd = s.clone();
                sd["id"] = json!(sid);
                sd["type"] = json!("Microsoft.Network/virtualNetworks/subnets");
                if sd
                    .pointer("/properties/privateEndpointNetworkPolicies")
                    .is_none()
                {
                    sd["properties"]["privateEndpointNetworkPolicies"] = json!("Disabled");
                }
                if sd.pointer("/properties/provisioningState").is_none() {
                    sd["properties"]["provisioningState"] = json!("Succeeded");
                }
                if let Some(o) = sd.get_mut("properties").and_then(Value::as_object_mut) {
                    o.remove("privateEndpoints");
                }
                put_doc(w, &sid, "microsoft.network/virtualnetworks/subnets", sd);
            }
        }
        "microsoft.machinelearningservices/workspaces" => {
            if doc
                .get("properties")
                .map(|p| !p.is_object())
                .unwrap_or(true)
            {
                doc["properties"] = json!({});
            }
            let rules = doc
                .pointer_mut("/properties/managedNetwork/outboundRules")
                .map(Value::take);
            let conns = doc
                .pointer_mut("/properties/privateEndpointConnections")
                .map(Value::take);
            if let Some(o) = doc
                .pointer_mut("/properties/managedNetwork")
                .and_then(Value::as_object_mut)
            {
                o.remove("outboundRules");
            }
            if let Some(o) = doc.get_mut("properties").and_then(Value::as_object_mut) {
                o.remove("privateEndpointConnections");
                o.remove("privateLinkCount");
                o.entry("workspaceId")
                    .or_insert_with(|| json!(uuid::Uuid::new_v4().to_string()));
                o.entry("provisioningState")
                    .or_insert_with(|| json!("Succeeded"));
            }
            if doc.pointer("/properties/managedNetwork").is_none() {
                doc["properties"]["managedNetwork"] = json!({"isolationMode": "Disabled"});
            }
            if doc.pointer("/properties/managedNetwork/status").is_none() {
                doc["properties"]["managedNetwork"]["status"] =
                    json!({"status": "Inactive", "sparkReady": false});
            }
            if doc.get("kind").is_none() {
                doc["kind"] = json!("Default");
            }
            let ws = put_doc(w, id, tkey, doc);
            if let Some(Value::Object(m)) = rules {
                for (n, props) in m {
                    let rid = format!("{}/outboundRules/{n}", ws.id);
                    put_doc(
                        w,
                        &rid,
                        "microsoft.machinelearningservices/workspaces/outboundrules",
                        json!({
                            "id": rid, "name": n, "type": "Microsoft.MachineLearningServices/workspaces/outboundRules", "properties": props,
                        }),
                    );
                }
            }
            ml::ensure_system_rules(w, &key);
            import_connections(w, &ws, conns);
        }
        online::EP_TKEY | online::DEP_TKEY | online::COMPUTE_TKEY => {
            online::complete_seeded(tkey, &mut doc);
            put_doc(w, id, tkey, doc);
        }
        "microsoft.storage/storageaccounts"
        | "microsoft.keyvault/vaults"
        | "microsoft.containerregistry/registries" => {
            if tkey == "microsoft.containerregistry/registries" {
                crate::routes::generic::canon_registry_sku(&mut doc);
            }
            let conns = doc
                .pointer_mut("/properties/privateEndpointConnections")
                .map(Value::take);
            if let Some(o) = doc.get_mut("properties").and_then(Value::as_object_mut) {
                o.remove("privateEndpointConnections");
            }
            let r = put_doc(w, id, tkey, doc);
            import_connections(w, &r, conns);
        }
        "microsoft.network/privateendpoints" => {
            let mut refs = Vec::new();
            for field in [
                "privateLinkServiceConnections",
                "manualPrivateLinkServiceConnections",
            ] {
                let items = doc
                    .pointer(&format!("/properties/{field}"))
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                for c in items {
                    let cname = c
                        .get("name")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string();
                    let Some(target) = c
                        .pointer("/properties/privateLinkServiceId")
                        .and_then(Value::as_str)
                    else {
                        continue;
                    };
                    let tkey_t = key_of(target);
                    if w.get(&tkey_t).is_none() {
                        continue;
                    }
                    let found = w
                        .children(&tkey_t, "privateendpointconnections")
                        .into_iter()
                        .find(|x| {
                            x.doc
                                .pointer("/properties/privateEndpoint/id")
                                .and_then(Value::as_str)
                                .map(key_of)
                                == Some(key_of(id))
                        })
                        .map(|x| key_of(&x.id));
                    let ck = match found {
                        Some(k) => Some(k),
                        None => {
                            let pe_name = id.rsplit('/').next().unwrap_or("");
                            let subnet = doc
                                .pointer("/properties/subnet/id")
                                .and_then(Value::as_str)
                                .unwrap_or("");
                            let groups = c
                                .pointer("/properties/groupIds")
                                .cloned()
                                .unwrap_or(json!([]));
                            let k = crate::routes::generic::create_connection(
                                w,
                                &tkey_t,
                                id,
                                pe_name,
                                subnet,
                                field.starts_with("manual"),
                                "",
                                &groups,
                            );
                            if let (Some(k), Some(st)) = (
                                &k,
                                c.pointer("/properties/privateLinkServiceConnectionState"),
                            ) {
                                if let Some(r) = w.get_mut(k) {
                                    r.doc["properties"]["privateLinkServiceConnectionState"] =
                                        st.clone();
                                }
                            }
                            k
                        }
                    };
                    if let Some(ck) = ck {
                        refs.push(ConnRef {
                            field: field.to_string(),
                            name: cname,
                            conn_key: ck,
                        });
                    }
                }
            }
            let mut r = put_doc(w, id, tkey, doc);
            r.x.conn_refs = refs;
            w.put(r);
        }
        _ => {
            put_doc(w, id, tkey, doc);
        }
    }
    Ok(())
}

fn import_connections(w: &mut World, target: &Res, conns: Option<Value>) {
    for c in conns
        .and_then(|c| c.as_array().cloned())
        .unwrap_or_default()
    {
        let Some(n) = c.get("name").and_then(Value::as_str) else {
            continue;
        };
        let cid = format!("{}/privateEndpointConnections/{n}", target.id);
        let mut cd = c.clone();
        cd["id"] = json!(cid);
        cd["type"] = json!(format!(
            "{}/privateEndpointConnections",
            target.doc["type"].as_str().unwrap_or("")
        ));
        put_doc(
            w,
            &cid,
            &format!("{}/privateendpointconnections", target.tkey),
            cd,
        );
    }
}
