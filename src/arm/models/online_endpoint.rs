//! `Microsoft.MachineLearningServices/workspaces/onlineEndpoints` (api-version `ML`): a managed
//! online endpoint. A PATCH carries only `tags` and `identity` (the spec's
//! `PartialMinimalTrackedResourceWithIdentity`); every other change is a PUT of the whole endpoint,
//! made from the endpoint as read so that the fields the provider does not manage (traffic set by
//! a pipeline, `kind`, `sku`, `compute`, …) are sent back as they were. `keys` are write-only:
//! they are dropped when read and never sent.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json};

/// An online endpoint as ARM returns it, and the body of a PUT (the read body with the managed
/// fields written over it).
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct OnlineEndpoint {
    /// The endpoint's ARM ID (responses only).
    #[serde(default, skip_serializing)]
    pub id: Option<String>,
    /// The endpoint name (responses only).
    #[serde(default, skip_serializing)]
    pub name: Option<String>,
    /// The resource type (responses only).
    #[serde(default, rename = "type", skip_serializing)]
    pub resource_type: Option<String>,
    /// Who created and changed it (responses only).
    #[serde(default, skip_serializing)]
    pub system_data: Option<Json>,
    /// The Azure region (required on create; cannot change).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
    /// The managed identity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<Identity>,
    /// The endpoint's properties.
    #[serde(default)]
    pub properties: OnlineEndpointProperties,
    /// Every other top-level member (`kind`, `sku`, …), kept as read.
    #[serde(flatten)]
    pub extra: Map<String, Json>,
}

/// `properties` of an online endpoint.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct OnlineEndpointProperties {
    /// `AMLToken`, `Key` or `AADToken`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_mode: Option<String>,
    /// `Enabled` or `Disabled`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_network_access: Option<String>,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// A string map whose entries can be added but not removed or altered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub properties: Option<BTreeMap<String, String>>,
    /// Deployment name → percent of live traffic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traffic: Option<BTreeMap<String, i64>>,
    /// Deployment name → percent of traffic mirrored (shadowed) to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mirror_traffic: Option<BTreeMap<String, i64>>,
    /// `Creating`, `Updating`, `Succeeded`, `Failed`, `Deleting` or `Canceled` (read-only).
    #[serde(default, skip_serializing)]
    pub provisioning_state: Option<String>,
    /// The scoring URL (read-only).
    #[serde(default, skip_serializing)]
    pub scoring_uri: Option<String>,
    /// The OpenAPI document's URL (read-only).
    #[serde(default, skip_serializing)]
    pub swagger_uri: Option<String>,
    /// Write-only, always null when read; read to be dropped, never sent.
    #[serde(default, skip_serializing)]
    pub keys: Option<Json>,
    /// Every other property (`compute`, …), kept as read.
    #[serde(flatten)]
    pub extra: Map<String, Json>,
}

/// A managed service identity (`ManagedServiceIdentity`).
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Identity {
    /// `None`, `SystemAssigned`, `UserAssigned` or `SystemAssigned,UserAssigned`.
    #[serde(rename = "type", default)]
    pub identity_type: String,
    /// The user-assigned identities, by ARM ID (values are the service's; `{}` when sent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_assigned_identities: Option<BTreeMap<String, Json>>,
    /// The system-assigned identity's principal (read-only).
    #[serde(default, skip_serializing)]
    pub principal_id: Option<String>,
    /// The system-assigned identity's tenant (read-only).
    #[serde(default, skip_serializing)]
    pub tenant_id: Option<String>,
}

impl Identity {
    /// An identity to send: the type and the user-assigned identities' IDs.
    pub fn request(identity_type: &str, identity_ids: &[String]) -> Identity {
        let uais = (!identity_ids.is_empty()).then(|| {
            identity_ids
                .iter()
                .map(|id| (id.clone(), Json::Object(Map::new())))
                .collect()
        });
        Identity {
            identity_type: identity_type.to_string(),
            user_assigned_identities: uais,
            principal_id: None,
            tenant_id: None,
        }
    }

    /// Whether the identity is `None` (or has no type).
    pub fn is_none(&self) -> bool {
        self.identity_type.is_empty() || self.identity_type.eq_ignore_ascii_case("None")
    }

    /// The user-assigned identities' IDs, as read.
    pub fn identity_ids(&self) -> Vec<String> {
        self.user_assigned_identities
            .as_ref()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default()
    }
}

/// The body of a PATCH: tags and identity only.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct OnlineEndpointPatch {
    /// The new tags (all of them).
    pub tags: BTreeMap<String, String>,
    /// The new identity (`{"type": "None"}` removes it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity: Option<Identity>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_read_body_goes_back_without_read_only_fields_and_keeps_the_rest() {
        let read = json!({
            "id": "/x/onlineEndpoints/e", "name": "e", "type": "Microsoft.MachineLearningServices/workspaces/onlineEndpoints",
            "location": "eastus", "kind": "Managed", "sku": {"name": "Default"},
            "tags": {"a": "1"},
            "systemData": {"createdBy": "x"},
            "identity": {"type": "SystemAssigned", "principalId": "p", "tenantId": "t"},
            "properties": {
                "authMode": "Key", "publicNetworkAccess": "Enabled", "description": "d",
                "properties": {"k": "v"}, "traffic": {"blue": 100}, "mirrorTraffic": {},
                "provisioningState": "Succeeded", "scoringUri": "https://s", "swaggerUri": "https://w",
                "keys": null, "compute": "/c"
            }
        });
        let ep: OnlineEndpoint = serde_json::from_value(read).unwrap();
        assert_eq!(
            ep.properties.provisioning_state.as_deref(),
            Some("Succeeded")
        );
        assert_eq!(
            ep.identity.as_ref().unwrap().principal_id.as_deref(),
            Some("p")
        );
        let sent = serde_json::to_value(&ep).unwrap();
        assert_eq!(
            sent,
            json!({
                "location": "eastus", "kind": "Managed", "sku": {"name": "Default"},
                "tags": {"a": "1"},
                "identity": {"type": "SystemAssigned"},
                "properties": {
                    "authMode": "Key", "publicNetworkAccess": "Enabled", "description": "d",
                    "properties": {"k": "v"}, "traffic": {"blue": 100}, "mirrorTraffic": {},
                    "compute": "/c"
                }
            })
        );
        let empty: OnlineEndpoint =
            serde_json::from_value(json!({"properties": null})).unwrap_or_default();
        assert_eq!(empty.properties, OnlineEndpointProperties::default());
    }

    #[test]
    fn identities_and_patches() {
        let i = Identity::request("UserAssigned", &["/u/1".to_string()]);
        assert_eq!(
            serde_json::to_value(&i).unwrap(),
            json!({"type": "UserAssigned", "userAssignedIdentities": {"/u/1": {}}})
        );
        assert_eq!(i.identity_ids(), vec!["/u/1".to_string()]);
        assert!(Identity::request("None", &[]).is_none());
        let p = OnlineEndpointPatch {
            tags: BTreeMap::from([("a".into(), "b".into())]),
            identity: None,
        };
        assert_eq!(
            serde_json::to_value(&p).unwrap(),
            json!({"tags": {"a": "b"}})
        );
    }
}
