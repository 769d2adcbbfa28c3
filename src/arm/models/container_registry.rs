//! `Microsoft.ContainerRegistry/registries`: a workspace's container registry, read only for its
//! SKU (private access, and so image builds on a compute, need `Premium`).

use serde::Deserialize;

/// A container registry as ARM returns it (only its SKU).
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
pub struct ContainerRegistryRead {
    /// The SKU.
    pub sku: Option<RegistrySku>,
}

/// A registry's SKU.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
pub struct RegistrySku {
    /// `Basic`, `Standard` or `Premium`.
    pub name: Option<String>,
}

impl ContainerRegistryRead {
    /// The SKU name, if ARM reported one.
    pub fn sku_name(&self) -> Option<&str> {
        self.sku.as_ref()?.name.as_deref()
    }

    /// Whether the registry is Premium (any casing).
    pub fn is_premium(&self) -> bool {
        self.sku_name()
            .is_some_and(|s| s.eq_ignore_ascii_case("Premium"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_premium_is_premium() {
        let read = |v| serde_json::from_value::<ContainerRegistryRead>(v).unwrap();
        assert!(read(json!({"sku": {"name": "premium", "tier": "Premium"}})).is_premium());
        assert!(!read(json!({"sku": {"name": "Basic"}})).is_premium());
        assert!(!read(json!({})).is_premium());
        assert_eq!(
            read(json!({"sku": {"name": "Standard"}})).sku_name(),
            Some("Standard")
        );
    }
}
