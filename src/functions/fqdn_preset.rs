//! `provider::aml::fqdn_preset(name)`: the FQDN lists that the Azure ML managed-network docs
//! publish for common tools, for use as outbound FQDN rules in approved-outbound mode.

use crate::tfplugin::cty::{Type, Value};
use crate::tfplugin::traits::{Function, FunctionError, Parameter, Signature};

/// The documented presets, by name.
pub const PRESETS: &[(&str, &[&str])] = &[
    (
        "python_packages",
        &[
            "anaconda.com",
            "*.anaconda.com",
            "*.anaconda.org",
            "pypi.org",
            "*.pythonhosted.org",
            "pytorch.org",
            "*.pytorch.org",
            "*.tensorflow.org",
        ],
    ),
    (
        "vscode",
        &[
            "*.vscode.dev",
            "*.vscode-unpkg.net",
            "*.vscode-cdn.net",
            "*.vscodeexperiments.azureedge.net",
            "default.exp-tas.com",
            "code.visualstudio.com",
            "update.code.visualstudio.com",
            "*.vo.msecnd.net",
            "marketplace.visualstudio.com",
            "vscode.blob.core.windows.net",
            "*.gallerycdn.vsassets.io",
            "vscode.download.prss.microsoft.com",
        ],
    ),
    (
        "huggingface",
        &[
            "docker.io",
            "*.docker.io",
            "*.docker.com",
            "production.cloudflare.docker.com",
            "cdn.auth0.com",
            "cdn-lfs.huggingface.co",
        ],
    ),
];

/// Whether `host` is one of the presets' hosts (compared case-insensitively): hosts the product
/// docs tell users to allow by FQDN, such as `vscode.blob.core.windows.net`, a storage endpoint
/// the user does not own.
pub fn is_preset_host(host: &str) -> bool {
    PRESETS
        .iter()
        .any(|(_, hosts)| hosts.iter().any(|h| h.eq_ignore_ascii_case(host)))
}

/// The function.
#[derive(Debug)]
pub struct FqdnPreset;

fn names() -> String {
    PRESETS
        .iter()
        .map(|(n, _)| format!("{n:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Function for FqdnPreset {
    fn name(&self) -> &'static str {
        "fqdn_preset"
    }

    fn signature(&self) -> Signature {
        Signature {
            parameters: vec![Parameter {
                name: "name",
                ty: Type::String,
                description: "The preset: `python_packages`, `vscode` or `huggingface`.",
            }],
            returns: Type::list(Type::String),
            summary: "The documented FQDNs a tool needs through an approved-outbound managed network",
            description: format!(
                "Returns the list of host names that the Azure Machine Learning managed-network documentation \
                 gives for a tool, to create one FQDN outbound rule each. Presets: {}. FQDN rules need the \
                 workspace's managed network in `AllowOnlyApprovedOutbound` mode and deploy an Azure Firewall.",
                PRESETS.iter().map(|(n, _)| format!("`{n}`")).collect::<Vec<_>>().join(", ")
            ),
        }
    }

    fn call(&self, args: &[Value]) -> Result<Value, FunctionError> {
        let name = args.first().and_then(Value::as_str).unwrap_or_default();
        let (_, fqdns) = PRESETS
            .iter()
            .find(|(n, _)| *n == name)
            .ok_or_else(|| FunctionError {
                text: format!("unknown preset {name:?}; valid names are {}", names()),
                argument: Some(0),
            })?;
        Ok(Value::List(
            fqdns.iter().map(|f| Value::string(*f)).collect(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_return_their_lists_and_unknown_names_list_the_valid_ones() {
        let got = FqdnPreset.call(&[Value::string("huggingface")]).unwrap();
        assert_eq!(got.elements().unwrap().len(), 6);
        let err = FqdnPreset.call(&[Value::string("npm")]).unwrap_err();
        assert_eq!(err.argument, Some(0));
        assert!(
            err.text
                .contains("\"python_packages\", \"vscode\", \"huggingface\""),
            "{}",
            err.text
        );
    }
}
