//! Managed resources, one file per type (the file name is the type without `aml_`), listed once
//! in [`all`].

use std::sync::Arc;

use crate::provider::AmlClient;
use crate::tfplugin::traits::Resource;

/// Every resource type, in documentation order.
pub fn all() -> Vec<Arc<dyn Resource<AmlClient>>> {
    Vec::new()
}
