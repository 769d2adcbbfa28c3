//! The api-versions this provider pins, chosen in one place.
//!
//! Stable versions follow the conservative choice in the ARM facts: the network-security surface
//! of ML is the same from 2025-12-01 to 2026-09-01. Workspace IP rules (`networkAcls`) exist only
//! in preview versions, so the features that read or write them use [`ML_NETWORK_ACLS`].

/// Microsoft.MachineLearningServices (workspaces, outbound rules, provisioning, PE connections).
pub const ML: &str = "2025-12-01";

/// The ML preview version that carries `networkAcls` and `ipAllowlist` on workspaces.
pub const ML_NETWORK_ACLS: &str = "2026-07-15-preview";

/// Microsoft.Network (private endpoints, DNS zone groups, virtual networks, subnets).
pub const NETWORK: &str = "2025-07-01";

/// Microsoft.Network private DNS zones, virtual network links and record sets.
pub const PRIVATE_DNS: &str = "2024-06-01";

/// Microsoft.ContainerRegistry registries (read for their SKU only).
pub const CONTAINER_REGISTRY: &str = "2023-07-01";

/// Microsoft.Storage storage accounts (read for their network settings only).
pub const STORAGE: &str = "2023-05-01";

/// Microsoft.KeyVault vaults (read for their network settings only).
pub const KEY_VAULT: &str = "2023-07-01";
