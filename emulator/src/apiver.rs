//! api-version tables per resource provider family. The ML, Network, Private DNS and
//! Resources families accept exactly the versions listed here (those named in the ARM fact
//! sheet plus the recent ones clients commonly pin); the "target only" providers (Storage,
//! Key Vault, Container Registry, Insights, Managed Identity) accept any well-formed version.

use crate::errors::ArmError;

/// Resource provider family of a type key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// Microsoft.MachineLearningServices.
    Ml,
    /// Microsoft.Network (NRP types).
    Network,
    /// Microsoft.Network private DNS types.
    PrivateDns,
    /// Microsoft.Resources (subscriptions, resource groups).
    Resources,
    /// Storage, Key Vault, ACR and other referenced types.
    Target,
}

/// ML versions.
pub const ML: &[&str] = &[
    "2023-04-01",
    "2023-10-01",
    "2024-04-01",
    "2024-10-01",
    "2025-06-01",
    "2025-09-01",
    "2025-12-01",
    "2026-03-01",
    "2026-05-01",
    "2026-07-01",
    "2026-09-01",
    "2024-10-01-preview",
    "2025-01-01-preview",
    "2026-01-15-preview",
    "2026-03-15-preview",
    "2026-05-15-preview",
    "2026-07-15-preview",
];

/// NRP versions.
pub const NETWORK: &[&str] = &[
    "2023-09-01",
    "2023-11-01",
    "2024-01-01",
    "2024-03-01",
    "2024-05-01",
    "2024-07-01",
    "2024-10-01",
    "2025-01-01",
    "2025-03-01",
    "2025-05-01",
    "2025-07-01",
    "2025-09-01",
    "2026-01-01",
    "2026-03-01",
    "2026-07-01",
];

/// Private DNS versions.
pub const PRIVATE_DNS: &[&str] = &[
    "2018-09-01",
    "2020-01-01",
    "2020-06-01",
    "2024-06-01",
    "2026-06-01-preview",
];

/// Microsoft.Resources versions.
pub const RESOURCES: &[&str] = &[
    "2016-06-01",
    "2019-10-01",
    "2020-01-01",
    "2020-06-01",
    "2021-01-01",
    "2021-04-01",
    "2022-09-01",
    "2022-12-01",
    "2023-07-01",
    "2024-03-01",
    "2024-07-01",
    "2024-11-01",
    "2025-04-01",
];

/// Namespaces the emulator serves (lowercase).
pub const NAMESPACES: &[&str] = &[
    "microsoft.machinelearningservices",
    "microsoft.network",
    "microsoft.storage",
    "microsoft.keyvault",
    "microsoft.containerregistry",
    "microsoft.insights",
    "microsoft.managedidentity",
    "microsoft.resources",
];

/// The family of a lowercase type key (`ns/type/...`).
pub fn family(tkey: &str) -> Option<Family> {
    let ns = tkey.split('/').next().unwrap_or("");
    match ns {
        "microsoft.machinelearningservices" => Some(Family::Ml),
        "microsoft.network" => {
            if tkey.starts_with("microsoft.network/privatednszones") {
                Some(Family::PrivateDns)
            } else {
                Some(Family::Network)
            }
        }
        "microsoft.resources" => Some(Family::Resources),
        n if NAMESPACES.contains(&n) => Some(Family::Target),
        _ => None,
    }
}

/// Whether a version string is a preview version.
pub fn is_preview(v: &str) -> bool {
    v.to_ascii_lowercase().contains("preview")
}

fn well_formed(v: &str) -> bool {
    let b = v.as_bytes();
    if b.len() < 10 {
        return false;
    }
    let date_ok = b[..10].iter().enumerate().all(|(i, c)| {
        if i == 4 || i == 7 {
            *c == b'-'
        } else {
            c.is_ascii_digit()
        }
    });
    date_ok
        && (b.len() == 10 || (b[10] == b'-' && b[11..].iter().all(|c| c.is_ascii_alphanumeric())))
}

/// Checks `api-version` for a type key; `display_type` is used in messages.
pub fn check(tkey: &str, display_type: &str, v: &str) -> Result<Family, ArmError> {
    let fam = family(tkey).ok_or_else(|| {
        let ns = tkey.split('/').next().unwrap_or("");
        ArmError::bad_request(
            "InvalidResourceNamespace",
            format!("The resource namespace '{ns}' is invalid."),
        )
    })?;
    let list: Option<&[&str]> = match fam {
        Family::Ml => Some(ML),
        Family::Network => Some(NETWORK),
        Family::PrivateDns => Some(PRIVATE_DNS),
        Family::Resources => Some(RESOURCES),
        Family::Target => None,
    };
    if !well_formed(v) {
        let supported = list.map(|l| l.join(", ")).unwrap_or_default();
        return Err(ArmError::bad_request(
            "InvalidApiVersionParameter",
            format!("The api-version '{v}' is invalid. The supported versions are '{supported}'."),
        ));
    }
    if let Some(l) = list {
        if !l.iter().any(|x| x.eq_ignore_ascii_case(v)) {
            let (ns, ty) = display_type.split_once('/').unwrap_or((display_type, ""));
            return Err(ArmError::bad_request(
                "NoRegisteredProviderFound",
                format!(
                    "No registered resource provider found for location 'global' and API version '{v}' for type '{ty}' in namespace '{ns}'. The supported api-versions are '{}'. The supported locations are 'eastus, eastus2, westus2, westeurope, northeurope, global'.",
                    l.join(", ")
                ),
            ));
        }
    }
    Ok(fam)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert!(check(
            "microsoft.machinelearningservices/workspaces",
            "x/y",
            "2025-12-01"
        )
        .is_ok());
        assert_eq!(
            check(
                "microsoft.machinelearningservices/workspaces",
                "x/y",
                "2025-12-02"
            )
            .unwrap_err()
            .code,
            "NoRegisteredProviderFound"
        );
        assert_eq!(
            check("microsoft.network/virtualnetworks", "x/y", "bogus")
                .unwrap_err()
                .code,
            "InvalidApiVersionParameter"
        );
        assert!(check("microsoft.storage/storageaccounts", "x/y", "2023-01-01").is_ok());
        assert!(check("microsoft.network/privatednszones", "x/y", "2024-06-01").is_ok());
        assert!(check("microsoft.network/privatednszones", "x/y", "2025-07-01").is_err());
    }
}
