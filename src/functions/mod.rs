//! Provider-defined functions, one file each, listed once in [`all`].

pub mod fqdn_preset;

use std::sync::Arc;

use crate::tfplugin::traits::Function;

/// Every function.
pub fn all() -> Vec<Arc<dyn Function>> {
    vec![Arc::new(fqdn_preset::FqdnPreset)]
}
