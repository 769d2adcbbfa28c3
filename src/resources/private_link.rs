//! What the four private-link resources share: plan-time checks of names and IDs (with a hint when
//! an ID of the wrong type is given), the private endpoint target types with their sub-resources
//! and private DNS zones, and the comparison keys of ARM's spellings (locations, case).
//!
//! Not a resource itself: `aml_private_endpoint`, `aml_private_dns_zone_group`,
//! `aml_private_dns_zone` and `aml_private_dns_zone_virtual_network_link` use it.

use crate::arm::ids::{
    AiServicesId, ContainerRegistryId, KeyVaultId, MlRegistryId, PrivateDnsZoneId,
    PrivateEndpointId, ResourceId, SearchServiceId, StorageAccountId, SubnetId, VirtualNetworkId,
    WorkspaceId,
};
use crate::arm::Cloud;

// ---------------------------------------------------------------------------------------------
// Names

/// A Microsoft.Network resource name (private endpoints, zone groups, VNet links): 1 to 80
/// characters; letters, digits, `_`, `.` and `-`; starts with a letter or digit; ends with a
/// letter, digit or `_`.
pub fn check_network_name(name: &str) -> Result<(), String> {
    let n = name.chars().count();
    if !(1..=80).contains(&n) {
        return Err(format!(
            "{name:?} must be 1 to 80 characters long; it has {n}."
        ));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')))
    {
        return Err(format!(
            "{name:?} contains {c:?}; only letters, digits, '_', '.' and '-' are allowed."
        ));
    }
    if !name.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return Err(format!("{name:?} must start with a letter or a digit."));
    }
    if !name.ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_') {
        return Err(format!("{name:?} must end with a letter, a digit or '_'."));
    }
    Ok(())
}

/// A resource group name: 1 to 90 characters; letters, digits, `_`, `-`, `.`, `(` and `)`; not
/// ending with `.`.
pub fn check_resource_group_name(name: &str) -> Result<(), String> {
    let n = name.chars().count();
    if !(1..=90).contains(&n) {
        return Err(format!(
            "{name:?} must be 1 to 90 characters long; it has {n}."
        ));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '(' | ')')))
    {
        return Err(format!("{name:?} contains {c:?}; only letters, digits, '_', '-', '.', '(' and ')' are allowed."));
    }
    if name.ends_with('.') {
        return Err(format!("{name:?} must not end with '.'."));
    }
    Ok(())
}

/// A private DNS zone name: at least two labels, each 1 to 63 letters, digits or `-` (not at
/// either end), at most 253 characters, no trailing dot.
pub fn check_dns_zone_name(name: &str) -> Result<(), String> {
    if name.ends_with('.') {
        return Err(format!(
            "{name:?} must not end with '.'; write the zone name without the trailing dot."
        ));
    }
    if name.len() > 253 {
        return Err(format!("{name:?} is longer than 253 characters."));
    }
    let labels: Vec<&str> = name.split('.').collect();
    if labels.len() < 2 {
        return Err(format!(
            "{name:?} must have at least two labels, like \"privatelink.api.azureml.ms\"."
        ));
    }
    for l in labels {
        if l.is_empty() || l.len() > 63 {
            return Err(format!(
                "{name:?} has a label {} that is not 1 to 63 characters long.",
                crate::tfplugin::diagnostics::quote(l)
            ));
        }
        if let Some(c) = l
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '-'))
        {
            return Err(format!(
                "{name:?} contains {c:?}; labels hold only letters, digits and '-'."
            ));
        }
        if l.starts_with('-') || l.ends_with('-') {
            return Err(format!(
                "{name:?} has a label {l:?} that starts or ends with '-'."
            ));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// IDs

/// What kind of resource an ARM ID points at, in words, if it is one the provider knows.
pub fn describe_id(s: &str) -> Option<&'static str> {
    let id = ResourceId::parse_lenient(s)?;
    let ty = id.resource_type().map(|t| t.to_ascii_lowercase());
    Some(match ty.as_deref() {
        None if id.resource_group().is_some() => "a resource group ID",
        None => "a subscription ID",
        Some("microsoft.network/virtualnetworks") => "a virtual network ID",
        Some("microsoft.network/virtualnetworks/subnets") => "a subnet ID",
        Some("microsoft.network/privateendpoints") => "a private endpoint ID",
        Some("microsoft.network/privatednszones") => "a private DNS zone ID",
        Some("microsoft.network/privatednszones/virtualnetworklinks") => {
            "a private DNS zone virtual network link ID"
        }
        Some("microsoft.network/privateendpoints/privatednszonegroups") => {
            "a private DNS zone group ID"
        }
        Some("microsoft.machinelearningservices/workspaces") => "an AML workspace ID",
        Some("microsoft.machinelearningservices/registries") => "an AML registry ID",
        Some("microsoft.storage/storageaccounts") => "a storage account ID",
        Some("microsoft.keyvault/vaults") => "a key vault ID",
        Some("microsoft.containerregistry/registries") => "a container registry ID",
        Some("microsoft.cognitiveservices/accounts") => "an AI services account ID",
        Some("microsoft.search/searchservices") => "an AI search service ID",
        Some(_) => return None,
    })
}

/// A strict parse that, on failure, says what the value is when it is an ID of another type.
pub fn parse_id<T>(
    s: &str,
    parse: fn(&str) -> Result<T, crate::arm::ids::IdError>,
    wanted: &str,
) -> Result<T, String> {
    parse(s).map_err(|e| match describe_id(s) {
        Some(what) if !what.ends_with(&format!("{wanted} ID")) => {
            format!(
                "This is {what}, not {} {wanted} ID. {}",
                article(wanted),
                e.message
            )
        }
        _ => e.message,
    })
}

fn article(what: &str) -> &'static str {
    if what.starts_with(['a', 'e', 'i', 'o', 'u', 'A', 'E', 'I', 'O', 'U']) {
        "an"
    } else {
        "a"
    }
}

macro_rules! id_check {
    ($(#[$m:meta])* $fn:ident, $ty:ident, $what:literal) => {
        $(#[$m])*
        pub fn $fn(s: &str) -> Result<(), String> {
            parse_id(s, $ty::parse, $what).map(|_| ())
        }
    };
}

id_check!(
    /// A subnet ID.
    check_subnet_id, SubnetId, "subnet"
);
id_check!(
    /// A virtual network ID.
    check_virtual_network_id, VirtualNetworkId, "virtual network"
);
id_check!(
    /// A private DNS zone ID.
    check_private_dns_zone_id, PrivateDnsZoneId, "private DNS zone"
);
id_check!(
    /// A private endpoint ID.
    check_private_endpoint_id, PrivateEndpointId, "private endpoint"
);

/// A private endpoint target.
pub fn check_target_resource_id(s: &str) -> Result<(), String> {
    TargetKind::of(s).map(|_| ())
}

// ---------------------------------------------------------------------------------------------
// Private endpoint targets

/// The resource types a private endpoint of this provider may point at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TargetKind {
    /// An AML workspace or hub (`Microsoft.MachineLearningServices/workspaces`).
    Workspace,
    /// An AML registry.
    MlRegistry,
    /// A storage account.
    Storage,
    /// A key vault.
    KeyVault,
    /// A container registry.
    ContainerRegistry,
    /// An AI services (Cognitive Services) account.
    AiServices,
    /// An AI Search service.
    Search,
}

/// Storage sub-resources: there is no single default.
pub const STORAGE_SUBRESOURCES: &[&str] = &[
    "blob",
    "blob_secondary",
    "file",
    "file_secondary",
    "queue",
    "queue_secondary",
    "table",
    "table_secondary",
    "dfs",
    "dfs_secondary",
    "web",
    "web_secondary",
];

/// A strict parse of one target ID type, reduced to its message.
type StrictCheck = fn(&str) -> Result<(), String>;

impl TargetKind {
    /// The kind of a user-supplied target ID (strict), or a message listing what is supported.
    pub fn of(s: &str) -> Result<TargetKind, String> {
        let lower = s.to_ascii_lowercase();
        let pick: &[(&str, TargetKind, StrictCheck)] = &[
            (
                "/providers/microsoft.machinelearningservices/workspaces/",
                TargetKind::Workspace,
                |s| WorkspaceId::parse(s).map(|_| ()).map_err(|e| e.message),
            ),
            (
                "/providers/microsoft.machinelearningservices/registries/",
                TargetKind::MlRegistry,
                |s| MlRegistryId::parse(s).map(|_| ()).map_err(|e| e.message),
            ),
            (
                "/providers/microsoft.storage/storageaccounts/",
                TargetKind::Storage,
                |s| {
                    StorageAccountId::parse(s)
                        .map(|_| ())
                        .map_err(|e| e.message)
                },
            ),
            (
                "/providers/microsoft.keyvault/vaults/",
                TargetKind::KeyVault,
                |s| KeyVaultId::parse(s).map(|_| ()).map_err(|e| e.message),
            ),
            (
                "/providers/microsoft.containerregistry/registries/",
                TargetKind::ContainerRegistry,
                |s| {
                    ContainerRegistryId::parse(s)
                        .map(|_| ())
                        .map_err(|e| e.message)
                },
            ),
            (
                "/providers/microsoft.cognitiveservices/accounts/",
                TargetKind::AiServices,
                |s| AiServicesId::parse(s).map(|_| ()).map_err(|e| e.message),
            ),
            (
                "/providers/microsoft.search/searchservices/",
                TargetKind::Search,
                |s| SearchServiceId::parse(s).map(|_| ()).map_err(|e| e.message),
            ),
        ];
        for (marker, kind, check) in pick {
            if lower.contains(marker) {
                return check(s).map(|_| *kind);
            }
        }
        let what = describe_id(s)
            .map(|w| format!(" This is {w}."))
            .unwrap_or_default();
        Err(format!(
            "{s:?} is not a supported private endpoint target.{what} Supported: an AML workspace or hub \
             (Microsoft.MachineLearningServices/workspaces), an AML registry (Microsoft.MachineLearningServices/registries), \
             a storage account, a key vault, a container registry, an AI services account (Microsoft.CognitiveServices/accounts) \
             or an AI search service (Microsoft.Search/searchServices)."
        ))
    }

    /// The kind of an ID ARM returned (lenient), if supported.
    pub fn of_lenient(s: &str) -> Option<TargetKind> {
        let ty = ResourceId::parse_lenient(s)?
            .resource_type()?
            .to_ascii_lowercase();
        Some(match ty.as_str() {
            "microsoft.machinelearningservices/workspaces" => TargetKind::Workspace,
            "microsoft.machinelearningservices/registries" => TargetKind::MlRegistry,
            "microsoft.storage/storageaccounts" => TargetKind::Storage,
            "microsoft.keyvault/vaults" => TargetKind::KeyVault,
            "microsoft.containerregistry/registries" => TargetKind::ContainerRegistry,
            "microsoft.cognitiveservices/accounts" => TargetKind::AiServices,
            "microsoft.search/searchservices" => TargetKind::Search,
            _ => return None,
        })
    }

    /// In words, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            TargetKind::Workspace => "an AML workspace",
            TargetKind::MlRegistry => "an AML registry",
            TargetKind::Storage => "a storage account",
            TargetKind::KeyVault => "a key vault",
            TargetKind::ContainerRegistry => "a container registry",
            TargetKind::AiServices => "an AI services account",
            TargetKind::Search => "an AI search service",
        }
    }

    /// The sub-resource used when `subresource_name` is not set (`None`: the user must choose).
    pub fn default_subresource(self) -> Option<&'static str> {
        match self {
            TargetKind::Workspace => Some("amlworkspace"),
            TargetKind::MlRegistry => Some("amlregistry"),
            TargetKind::KeyVault => Some("vault"),
            TargetKind::ContainerRegistry => Some("registry"),
            TargetKind::AiServices => Some("account"),
            TargetKind::Search => Some("searchService"),
            TargetKind::Storage => None,
        }
    }

    /// The valid sub-resources (group IDs) of this target type.
    pub fn subresources(self) -> &'static [&'static str] {
        match self {
            TargetKind::Workspace => &["amlworkspace"],
            TargetKind::MlRegistry => &["amlregistry"],
            TargetKind::KeyVault => &["vault"],
            TargetKind::ContainerRegistry => &["registry"],
            TargetKind::AiServices => &["account"],
            TargetKind::Search => &["searchService"],
            TargetKind::Storage => STORAGE_SUBRESOURCES,
        }
    }

    /// The canonical spelling of `sub` for this target, if valid (compared case-insensitively).
    pub fn canonical_subresource(self, sub: &str) -> Option<&'static str> {
        self.subresources()
            .iter()
            .copied()
            .find(|s| s.eq_ignore_ascii_case(sub))
    }

    /// The private DNS zones an endpoint to this target with `sub` needs in `cloud`.
    pub fn dns_zones(self, sub: &str, cloud: &Cloud) -> Vec<String> {
        let flavour = CloudFlavour::of(cloud);
        let sub = sub.to_ascii_lowercase();
        let sub = sub.strip_suffix("_secondary").unwrap_or(&sub);
        let (storage, vault, acr, search, cognitive): (&str, &str, &str, &str, &[&str]) =
            match flavour {
                CloudFlavour::Public => (
                    "core.windows.net",
                    "privatelink.vaultcore.azure.net",
                    "privatelink.azurecr.io",
                    "privatelink.search.windows.net",
                    &[
                        "privatelink.cognitiveservices.azure.com",
                        "privatelink.openai.azure.com",
                        "privatelink.services.ai.azure.com",
                    ],
                ),
                CloudFlavour::UsGovernment => (
                    "core.usgovcloudapi.net",
                    "privatelink.vaultcore.usgovcloudapi.net",
                    "privatelink.azurecr.us",
                    "privatelink.search.windows.us",
                    &[
                        "privatelink.cognitiveservices.azure.us",
                        "privatelink.openai.azure.us",
                    ],
                ),
                CloudFlavour::China => (
                    "core.chinacloudapi.cn",
                    "privatelink.vaultcore.azure.cn",
                    "privatelink.azurecr.cn",
                    "privatelink.search.azure.cn",
                    &[
                        "privatelink.cognitiveservices.azure.cn",
                        "privatelink.openai.azure.cn",
                    ],
                ),
            };
        match self {
            TargetKind::Workspace => cloud.aml_private_dns_zones.clone(),
            TargetKind::MlRegistry => cloud
                .aml_private_dns_zones
                .iter()
                .take(1)
                .cloned()
                .collect(),
            TargetKind::Storage => vec![format!("privatelink.{sub}.{storage}")],
            TargetKind::KeyVault => vec![vault.to_string()],
            TargetKind::ContainerRegistry => vec![acr.to_string()],
            TargetKind::Search => vec![search.to_string()],
            TargetKind::AiServices => cognitive.iter().map(|s| s.to_string()).collect(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CloudFlavour {
    Public,
    UsGovernment,
    China,
}

impl CloudFlavour {
    /// Told apart by the AML API zone, which every cloud (built-in or from metadata) carries.
    fn of(cloud: &Cloud) -> CloudFlavour {
        match cloud.aml_private_dns_zones.first().map(String::as_str) {
            Some(z) if z.ends_with(".us") => CloudFlavour::UsGovernment,
            Some(z) if z.ends_with(".cn") => CloudFlavour::China,
            _ => CloudFlavour::Public,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Spellings: the keys under which ARM's answers and the configuration mean the same

/// A location as ARM compares it: lower case without spaces (`East US` = `eastus`).
pub fn location_key(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase()
}

/// Checks a location as written in a configuration: a region name of letters and digits, with
/// single spaces between words (`eastus`, `East US`, `westus2`), at most 64 characters.
pub fn check_location(s: &str) -> Result<(), String> {
    let fix = "Write an Azure region such as \"eastus\" or \"East US\" (`az account list-locations -o table`).";
    let q = crate::tfplugin::diagnostics::quote(s);
    if s.trim().is_empty() {
        return Err(format!("The location is empty. {fix}"));
    }
    if s.trim() != s {
        return Err(format!("{q} has surrounding spaces: remove them. {fix}"));
    }
    if let Some(c) = s.chars().find(|c| !c.is_ascii_alphanumeric() && *c != ' ') {
        return Err(format!(
            "{q} contains {c:?}: a location has only letters, digits and spaces. {fix}"
        ));
    }
    if !s.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return Err(format!("{q} does not start with a letter. {fix}"));
    }
    if s.contains("  ") {
        return Err(format!("{q} has more than one space between words. {fix}"));
    }
    let n = s.chars().count();
    if n > 64 {
        return Err(format!("{q} is too long for a region name. {fix}"));
    }
    Ok(())
}

/// Lower-case comparison key.
pub fn lower(s: &str) -> String {
    s.to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SUB: &str = "00000000-0000-4000-8000-00000000a3b1";

    fn rg() -> String {
        format!("/subscriptions/{SUB}/resourceGroups/rg-aml-demo/providers")
    }

    fn check<T: std::fmt::Debug + PartialEq>(cases: &[(&str, T)], f: impl Fn(&str) -> T) {
        for (input, want) in cases {
            assert_eq!(&f(input), want, "input {input:?}");
        }
    }

    #[test]
    fn network_names() {
        check(
            &[
                ("pe-mlw-demo", true),
                ("a", true),
                ("pe_1", true),
                ("pe.1_", true),
                ("-pe", false),
                ("pe-", false),
                ("pe.", false),
                ("pe demo", false),
                ("", false),
                (&"x".repeat(80), true),
                (&"x".repeat(81), false),
            ],
            |s| check_network_name(s).is_ok(),
        );
    }

    #[test]
    fn resource_group_names() {
        check(
            &[
                ("rg-aml-demo", true),
                ("rg(1).x", true),
                ("rg.", false),
                ("rg/x", false),
                ("", false),
                (&"r".repeat(91), false),
            ],
            |s| check_resource_group_name(s).is_ok(),
        );
    }

    #[test]
    fn dns_zone_names() {
        check(
            &[
                ("privatelink.api.azureml.ms", true),
                ("privatelink.notebooks.azure.net", true),
                ("privatelink.api.azureml.ms.", false),
                ("localhost", false),
                ("a..b", false),
                ("-a.b", false),
                ("a_b.c", false),
            ],
            |s| check_dns_zone_name(s).is_ok(),
        );
    }

    #[test]
    fn wrong_id_types_are_named() {
        let vnet = format!("{}/Microsoft.Network/virtualNetworks/vnet-aml", rg());
        let subnet = format!("{vnet}/subnets/snet-pe");
        let err = check_subnet_id(&vnet).unwrap_err();
        assert!(
            err.starts_with("This is a virtual network ID, not a subnet ID."),
            "{err}"
        );
        assert!(check_subnet_id(&subnet).is_ok());
        let err = check_virtual_network_id(&subnet).unwrap_err();
        assert!(
            err.starts_with("This is a subnet ID, not a virtual network ID."),
            "{err}"
        );
        let err = check_subnet_id("snet-pe").unwrap_err();
        assert!(err.contains("expected a subnet ID like"), "{err}");
        let ws = format!(
            "{}/Microsoft.MachineLearningServices/workspaces/mlw-demo",
            rg()
        );
        let err = check_private_dns_zone_id(&ws).unwrap_err();
        assert!(
            err.starts_with("This is an AML workspace ID, not a private DNS zone ID."),
            "{err}"
        );
    }

    #[test]
    fn targets_and_default_subresources() {
        let p = rg();
        // (target ID, its kind and default sub-resource, or part of the error)
        type Case<'a> = (String, Result<(TargetKind, Option<&'a str>), &'a str>);
        let cases: Vec<Case> = vec![
            (
                format!("{p}/Microsoft.MachineLearningServices/workspaces/mlw-demo"),
                Ok((TargetKind::Workspace, Some("amlworkspace"))),
            ),
            (
                format!("{p}/microsoft.machinelearningservices/Workspaces/mlw-hub"),
                Ok((TargetKind::Workspace, Some("amlworkspace"))),
            ),
            (
                format!("{p}/Microsoft.MachineLearningServices/registries/mlr"),
                Ok((TargetKind::MlRegistry, Some("amlregistry"))),
            ),
            (
                format!("{p}/Microsoft.KeyVault/vaults/kv"),
                Ok((TargetKind::KeyVault, Some("vault"))),
            ),
            (
                format!("{p}/Microsoft.ContainerRegistry/registries/acr"),
                Ok((TargetKind::ContainerRegistry, Some("registry"))),
            ),
            (
                format!("{p}/Microsoft.CognitiveServices/accounts/ais"),
                Ok((TargetKind::AiServices, Some("account"))),
            ),
            (
                format!("{p}/Microsoft.Search/searchServices/srch"),
                Ok((TargetKind::Search, Some("searchService"))),
            ),
            (
                format!("{p}/Microsoft.Storage/storageAccounts/st"),
                Ok((TargetKind::Storage, None)),
            ),
            (
                format!("{p}/Microsoft.Network/virtualNetworks/vnet"),
                Err("This is a virtual network ID."),
            ),
            (
                format!("{p}/Microsoft.Web/sites/app"),
                Err("is not a supported private endpoint target"),
            ),
            (
                format!("{p}/Microsoft.MachineLearningServices/workspaces/mlw/outboundRules/r"),
                Err("unexpected \"outboundRules\""),
            ),
        ];
        for (input, want) in cases {
            match (TargetKind::of(&input), want) {
                (Ok(k), Ok((kind, sub))) => {
                    assert_eq!(k, kind, "{input}");
                    assert_eq!(k.default_subresource(), sub, "{input}");
                    assert_eq!(TargetKind::of_lenient(&input), Some(kind), "{input}");
                }
                (Err(e), Err(msg)) => assert!(e.contains(msg), "{input}: {e}"),
                (got, want) => panic!("{input}: got {got:?}, want {want:?}"),
            }
        }
    }

    #[test]
    fn subresources_and_zones() {
        let cloud = Cloud::from_environment("public").unwrap();
        let cases: &[(TargetKind, &str, Option<&str>, &[&str])] = &[
            (
                TargetKind::Workspace,
                "AMLWorkspace",
                Some("amlworkspace"),
                &[
                    "privatelink.api.azureml.ms",
                    "privatelink.notebooks.azure.net",
                ],
            ),
            (
                TargetKind::Workspace,
                "blob",
                None,
                &[
                    "privatelink.api.azureml.ms",
                    "privatelink.notebooks.azure.net",
                ],
            ),
            (
                TargetKind::Storage,
                "blob",
                Some("blob"),
                &["privatelink.blob.core.windows.net"],
            ),
            (
                TargetKind::Storage,
                "dfs_secondary",
                Some("dfs_secondary"),
                &["privatelink.dfs.core.windows.net"],
            ),
            (
                TargetKind::Storage,
                "vault",
                None,
                &["privatelink.vault.core.windows.net"],
            ),
            (
                TargetKind::KeyVault,
                "vault",
                Some("vault"),
                &["privatelink.vaultcore.azure.net"],
            ),
            (
                TargetKind::ContainerRegistry,
                "registry",
                Some("registry"),
                &["privatelink.azurecr.io"],
            ),
            (
                TargetKind::Search,
                "searchservice",
                Some("searchService"),
                &["privatelink.search.windows.net"],
            ),
            (
                TargetKind::MlRegistry,
                "amlregistry",
                Some("amlregistry"),
                &["privatelink.api.azureml.ms"],
            ),
        ];
        for (kind, sub, canon, zones) in cases {
            assert_eq!(kind.canonical_subresource(sub), *canon, "{kind:?} {sub}");
            assert_eq!(
                kind.dns_zones(sub, &cloud),
                zones.iter().map(|z| z.to_string()).collect::<Vec<_>>(),
                "{kind:?} {sub}"
            );
        }
        let gov = Cloud::from_environment("usgovernment").unwrap();
        assert_eq!(
            TargetKind::Workspace.dns_zones("amlworkspace", &gov),
            vec![
                "privatelink.api.ml.azure.us",
                "privatelink.notebooks.usgovcloudapi.net"
            ]
        );
        assert_eq!(
            TargetKind::KeyVault.dns_zones("vault", &gov),
            vec!["privatelink.vaultcore.usgovcloudapi.net"]
        );
    }

    #[test]
    fn location_check() {
        let long = "a".repeat(65);
        let cases: &[(&str, Result<(), &str>)] = &[
            ("eastus", Ok(())),
            ("East US", Ok(())),
            ("westus2", Ok(())),
            ("Germany West Central", Ok(())),
            ("", Err("The location is empty.")),
            ("   ", Err("The location is empty.")),
            (" eastus", Err("has surrounding spaces")),
            ("eastus ", Err("has surrounding spaces")),
            ("east-us", Err("contains '-'")),
            ("eastus\n", Err("has surrounding spaces")),
            ("east_us", Err("contains '_'")),
            ("east\tus", Err("contains '\\t'")),
            ("2eastus", Err("does not start with a letter")),
            ("East  US", Err("more than one space")),
            (&long, Err("too long")),
        ];
        for (input, want) in cases {
            match (check_location(input), want) {
                (Ok(()), Ok(())) => {}
                (Err(got), Err(part)) => {
                    assert!(got.contains(part), "{input:?}: {got}");
                    assert!(got.contains("eastus"), "{input:?}: no example in {got}");
                }
                (got, want) => panic!("{input:?}: got {got:?}, want {want:?}"),
            }
        }
    }

    #[test]
    fn locations_and_spelling() {
        use std::collections::BTreeMap;

        use super::super::common::{keep_spelling, tags_state};
        use crate::tfplugin::model::Value as V;
        let prior = V::Known("East US".to_string());
        assert_eq!(
            keep_spelling(V::Known("eastus".into()), &prior, location_key),
            V::Known("East US".to_string())
        );
        assert_eq!(
            keep_spelling(V::Known("westus".into()), &prior, location_key),
            V::Known("westus".to_string())
        );
        assert_eq!(
            tags_state(None, &V::Known(BTreeMap::new())),
            V::Known(BTreeMap::new())
        );
        assert_eq!(tags_state(None, &V::Null), V::Null);
    }

    /// Found by fuzzing: a long bad label was quoted whole in the message.
    #[test]
    fn long_labels_are_shortened_in_messages() {
        let name = format!("privatelink.{}.ms", "a".repeat(200));
        // As plan-time validation reports it (the whole value is shortened there).
        let m = crate::tfplugin::diagnostics::shorten_quoted(
            check_dns_zone_name(&name).unwrap_err(),
            &name,
        );
        assert!(m.contains("(200 characters)"), "{m}");
        assert!(m.len() < 400, "{} characters: {m}", m.len());
    }
}
