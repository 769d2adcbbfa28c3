//! The provider block: azurerm-compatible arguments with `ARM_*` environment fallbacks, and the
//! checks that catch contradictions before anything talks to Azure.

use std::collections::BTreeMap;

use crate::tfplugin::cty::{Path, Type};
use crate::tfplugin::diagnostics::Diagnostics;
use crate::tfplugin::object::{Object, Value};
use crate::tfplugin::schema::{Attribute, Block, Schema, Validator};

/// The clouds the `environment` argument names.
pub const ENVIRONMENTS: &[&str] = &["public", "usgovernment", "china"];

/// One provider argument: its name, the environment variables that supply it when it is unset
/// (first set wins), whether it is secret, and its description.
struct Arg {
    name: &'static str,
    env: &'static [&'static str],
    ty: ArgType,
    sensitive: bool,
    description: &'static str,
}

#[derive(Clone, Copy, PartialEq)]
enum ArgType {
    String,
    Bool,
}

const ARGS: &[Arg] = &[
    Arg { name: "subscription_id", env: &["ARM_SUBSCRIPTION_ID"], ty: ArgType::String, sensitive: false,
        description: "The subscription that resources are created in when their IDs do not say otherwise. Falls back to `ARM_SUBSCRIPTION_ID`." },
    Arg { name: "tenant_id", env: &["ARM_TENANT_ID"], ty: ArgType::String, sensitive: false,
        description: "The Microsoft Entra tenant to authenticate in. Falls back to `ARM_TENANT_ID`." },
    Arg { name: "client_id", env: &["ARM_CLIENT_ID"], ty: ArgType::String, sensitive: false,
        description: "The client (application) ID of the service principal or user-assigned managed identity. Falls back to `ARM_CLIENT_ID`." },
    Arg { name: "client_secret", env: &["ARM_CLIENT_SECRET"], ty: ArgType::String, sensitive: true,
        description: "A client secret of the service principal. Falls back to `ARM_CLIENT_SECRET`." },
    Arg { name: "client_certificate_path", env: &["ARM_CLIENT_CERTIFICATE_PATH"], ty: ArgType::String, sensitive: false,
        description: "Path to a PFX or PEM client certificate of the service principal. Falls back to `ARM_CLIENT_CERTIFICATE_PATH`." },
    Arg { name: "client_certificate_password", env: &["ARM_CLIENT_CERTIFICATE_PASSWORD"], ty: ArgType::String, sensitive: true,
        description: "The password of the client certificate, if it has one. Falls back to `ARM_CLIENT_CERTIFICATE_PASSWORD`." },
    Arg { name: "use_oidc", env: &["ARM_USE_OIDC"], ty: ArgType::Bool, sensitive: false,
        description: "Authenticate with an OpenID Connect token (workload identity federation). Falls back to `ARM_USE_OIDC`; defaults to `false`." },
    Arg { name: "oidc_token", env: &["ARM_OIDC_TOKEN"], ty: ArgType::String, sensitive: true,
        description: "An OIDC ID token to exchange for an access token. Falls back to `ARM_OIDC_TOKEN`." },
    Arg { name: "oidc_token_file_path", env: &["ARM_OIDC_TOKEN_FILE_PATH", "AZURE_FEDERATED_TOKEN_FILE"], ty: ArgType::String, sensitive: false,
        description: "A file holding an OIDC ID token (as Kubernetes workload identity writes). Falls back to `ARM_OIDC_TOKEN_FILE_PATH`, then `AZURE_FEDERATED_TOKEN_FILE`." },
    Arg { name: "oidc_request_url", env: &["ARM_OIDC_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_URL", "SYSTEM_OIDCREQUESTURI"], ty: ArgType::String, sensitive: false,
        description: "The URL to request an OIDC token from (GitHub Actions, Azure DevOps). Falls back to `ARM_OIDC_REQUEST_URL`, `ACTIONS_ID_TOKEN_REQUEST_URL`, then `SYSTEM_OIDCREQUESTURI`." },
    Arg { name: "oidc_request_token", env: &["ARM_OIDC_REQUEST_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_TOKEN", "SYSTEM_ACCESSTOKEN"], ty: ArgType::String, sensitive: true,
        description: "The bearer token for `oidc_request_url`. Falls back to `ARM_OIDC_REQUEST_TOKEN`, `ACTIONS_ID_TOKEN_REQUEST_TOKEN`, then `SYSTEM_ACCESSTOKEN`." },
    Arg { name: "ado_pipeline_service_connection_id", env: &["ARM_ADO_PIPELINE_SERVICE_CONNECTION_ID", "ARM_OIDC_AZURE_SERVICE_CONNECTION_ID"], ty: ArgType::String, sensitive: false,
        description: "The Azure DevOps service connection to request OIDC tokens for. Falls back to `ARM_ADO_PIPELINE_SERVICE_CONNECTION_ID`, then `ARM_OIDC_AZURE_SERVICE_CONNECTION_ID`." },
    Arg { name: "use_msi", env: &["ARM_USE_MSI"], ty: ArgType::Bool, sensitive: false,
        description: "Authenticate with a managed identity. Falls back to `ARM_USE_MSI`; defaults to `false`." },
    Arg { name: "msi_endpoint", env: &["ARM_MSI_ENDPOINT"], ty: ArgType::String, sensitive: false,
        description: "A custom managed identity endpoint; normally detected. Falls back to `ARM_MSI_ENDPOINT`." },
    Arg { name: "use_cli", env: &["ARM_USE_CLI"], ty: ArgType::Bool, sensitive: false,
        description: "Allow authentication with the Azure CLI's signed-in account. Falls back to `ARM_USE_CLI`; defaults to `true`." },
    Arg { name: "environment", env: &["ARM_ENVIRONMENT"], ty: ArgType::String, sensitive: false,
        description: "The Azure cloud. Falls back to `ARM_ENVIRONMENT`; defaults to `public`." },
    Arg { name: "metadata_host", env: &["ARM_METADATA_HOSTNAME"], ty: ArgType::String, sensitive: false,
        description: "The host (and port) of an Azure Stack or custom cloud metadata endpoint, such as `aml-arm-emulator`'s; endpoints are then read from `https://{metadata_host}/metadata/endpoints`. Falls back to `ARM_METADATA_HOSTNAME`." },
];

/// The provider block's schema.
pub fn schema() -> Schema {
    let mut block = Block::new(
        "The `aml` provider manages the network security of Azure Machine Learning workspaces: private \
         endpoints and private DNS, inbound IP rules, and the managed network's outbound rules. It \
         authenticates like `azurerm`, with the same arguments and `ARM_*` environment variables.",
    );
    for arg in ARGS {
        let ty = match arg.ty {
            ArgType::String => Type::String,
            ArgType::Bool => Type::Bool,
        };
        let mut attr = Attribute::optional(arg.name, ty, arg.description);
        if arg.sensitive {
            attr = attr.sensitive();
        }
        if arg.name == "environment" {
            attr = attr.validate(Validator::OneOf(ENVIRONMENTS));
        }
        if matches!(
            arg.name,
            "subscription_id" | "tenant_id" | "client_id" | "ado_pipeline_service_connection_id"
        ) {
            attr = attr.validate(Validator::Str(validate_uuid));
        }
        if arg.name == "metadata_host" {
            attr = attr.validate(Validator::Str(validate_host));
        }
        block = block.attribute(attr);
    }
    Schema::new(block)
}

fn validate_uuid(s: &str) -> Result<(), String> {
    if is_uuid(s) {
        Ok(())
    } else {
        Err(format!(
            "{s:?} is not a UUID such as \"00000000-0000-0000-0000-000000000000\"."
        ))
    }
}

/// Whether `s` is a UUID in the 8-4-4-4-12 hex form.
pub fn is_uuid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(p, n)| p.len() == n && p.chars().all(|c| c.is_ascii_hexdigit()))
}

fn validate_host(s: &str) -> Result<(), String> {
    if s.starts_with("http://") {
        return Err(format!(
            "{s:?}: the metadata host is always reached over https, and plain http is refused. \
             Write only the host and port, for example \"127.0.0.1:8443\"."
        ));
    }
    if s.contains("://") || s.contains('/') || s.is_empty() {
        return Err(format!("{s:?} is not a host name. Write only the host and optional port, for example \"management.example.com\" or \"127.0.0.1:8443\"."));
    }
    Ok(())
}

/// The provider's settings after environment fallbacks. Secrets are redacted from `Debug`.
#[derive(Clone, Default, PartialEq)]
pub struct Settings {
    values: BTreeMap<&'static str, String>,
    flags: BTreeMap<&'static str, bool>,
    unknown: Vec<&'static str>,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut m = f.debug_map();
        for arg in ARGS {
            if let Some(v) = self.values.get(arg.name) {
                m.entry(
                    &arg.name,
                    &if arg.sensitive {
                        "<redacted>"
                    } else {
                        v.as_str()
                    },
                );
            }
            if let Some(b) = self.flags.get(arg.name) {
                m.entry(&arg.name, b);
            }
        }
        m.finish()
    }
}

impl Settings {
    /// Reads the provider block, falling back to the environment for unset arguments.
    /// Unknown values (during validation) read as unset.
    pub fn from_config(config: &Object, env: &dyn Fn(&str) -> Option<String>) -> Self {
        let mut s = Settings::default();
        for arg in ARGS {
            if config.attr(arg.name).is_unknown() {
                s.unknown.push(arg.name);
                continue;
            }
            let from_env = || {
                arg.env
                    .iter()
                    .find_map(|k| env(k).filter(|v| !v.is_empty()))
            };
            match arg.ty {
                ArgType::String => {
                    if let Some(v) = config.get::<String>(arg.name).known().or_else(from_env) {
                        s.values.insert(arg.name, v);
                    }
                }
                ArgType::Bool => {
                    let v = match config.get::<bool>(arg.name) {
                        Value::Known(b) => Some(b),
                        _ => from_env()
                            .map(|v| matches!(v.to_ascii_lowercase().as_str(), "true" | "1")),
                    };
                    if let Some(b) = v {
                        s.flags.insert(arg.name, b);
                    }
                }
            }
        }
        s
    }

    /// A string setting.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    /// A flag, or its default.
    pub fn flag(&self, name: &str) -> bool {
        self.flags.get(name).copied().unwrap_or(name == "use_cli")
    }

    /// Whether the argument is set, or will be once Terraform knows its value.
    pub fn is_set_or_unknown(&self, name: &str) -> bool {
        self.values.contains_key(name)
            || self.flags.contains_key(name)
            || self.unknown.contains(&name)
    }

    /// The cloud name (`public` unless set).
    pub fn environment(&self) -> &str {
        self.get("environment").unwrap_or("public")
    }
}

/// Checks for contradictions a user can fix before any network call, on the configuration
/// (attribute paths) and on the settings after environment fallbacks.
pub fn validate(config: &Object, settings: &Settings, diags: &mut Diagnostics) {
    // An argument whose value is not known yet may satisfy a requirement; only known values
    // can contradict each other.
    let has = |n: &str| settings.get(n).is_some();
    let may_have = |n: &str| settings.is_set_or_unknown(n);
    let path_of = |n: &str| {
        if config.get::<String>(n).is_null() && config.get::<bool>(n).is_null() {
            Path::root()
        } else {
            Path::root().attr(n)
        }
    };
    if has("oidc_token") && has("oidc_token_file_path") {
        diags.error_at(
            path_of("oidc_token_file_path"),
            "Conflicting OIDC token settings",
            "Both oidc_token and oidc_token_file_path are set (in the provider block or through ARM_OIDC_TOKEN \
             and ARM_OIDC_TOKEN_FILE_PATH). Set only one of them.",
        );
    }
    if has("client_certificate_password") && !may_have("client_certificate_path") {
        diags.error_at(
            path_of("client_certificate_password"),
            "Client certificate password without a certificate",
            "client_certificate_password is set but client_certificate_path is not. Set client_certificate_path \
             (or ARM_CLIENT_CERTIFICATE_PATH) to the PFX or PEM file, or remove the password.",
        );
    }
    for secret in ["client_secret", "client_certificate_path"] {
        if has(secret) && !may_have("client_id") {
            diags.error_at(
                path_of(secret),
                format!("{secret} needs client_id"),
                format!(
                    "{secret} is set but client_id is not. Set client_id (or ARM_CLIENT_ID) to the application \
                     ID of the service principal."
                ),
            );
        }
    }
    if settings.flag("use_oidc")
        && !may_have("oidc_token")
        && !may_have("oidc_token_file_path")
        && !may_have("oidc_request_url")
    {
        diags.error_at(
            path_of("use_oidc"),
            "OIDC authentication has no token source",
            "use_oidc is true but there is no oidc_token, oidc_token_file_path or oidc_request_url. In GitHub \
             Actions grant `id-token: write` so that ACTIONS_ID_TOKEN_REQUEST_URL is set; in Azure DevOps set \
             ado_pipeline_service_connection_id and expose SYSTEM_ACCESSTOKEN.",
        );
    }
    if has("ado_pipeline_service_connection_id") && !settings.flag("use_oidc") {
        diags.warning_at(
            path_of("ado_pipeline_service_connection_id"),
            "Service connection set without use_oidc",
            "ado_pipeline_service_connection_id only matters for OIDC authentication; set use_oidc = true to use it.",
        );
    }
    if let Some(url) = settings.get("oidc_request_url") {
        if !url.starts_with("https://") {
            diags.error_at(
                path_of("oidc_request_url"),
                "OIDC request URL must use https",
                format!("{url:?} is not an https URL. Token requests are only sent over https."),
            );
        }
    }
    if let Some(env) = settings.get("environment") {
        if config.get::<String>("environment").is_null() && !ENVIRONMENTS.contains(&env) {
            diags.error_at(
                Path::root(),
                "Invalid ARM_ENVIRONMENT",
                format!("ARM_ENVIRONMENT is {env:?}; valid values are \"public\", \"usgovernment\" and \"china\"."),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tfplugin::cty;

    fn config(pairs: &[(&str, cty::Value)]) -> Object {
        let mut v = schema().block.empty_value();
        for (k, val) in pairs {
            *v.get_mut(k).unwrap() = val.clone();
        }
        Object::new(v)
    }

    fn errors(cfg: Object, env: &[(&str, &str)]) -> Vec<String> {
        let env: BTreeMap<String, String> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let lookup = |k: &str| env.get(k).cloned();
        let settings = Settings::from_config(&cfg, &lookup);
        let mut d = Diagnostics::new();
        crate::tfplugin::service::validate_block(&schema().block, cfg.raw(), &Path::root(), &mut d);
        validate(&cfg, &settings, &mut d);
        d.iter()
            .filter(|x| x.is_error())
            .map(|x| format!("{}@{}", x.summary, x.path.clone().unwrap_or_default()))
            .collect()
    }

    #[test]
    fn environment_fallbacks_fill_unset_arguments() {
        let env = |k: &str| match k {
            "ARM_CLIENT_ID" => Some("11111111-1111-1111-1111-111111111111".to_string()),
            "ACTIONS_ID_TOKEN_REQUEST_URL" => Some("https://gh".to_string()),
            "ARM_USE_OIDC" => Some("true".to_string()),
            _ => None,
        };
        let s = Settings::from_config(
            &config(&[(
                "client_id",
                cty::Value::string("22222222-2222-2222-2222-222222222222"),
            )]),
            &env,
        );
        assert_eq!(
            s.get("client_id"),
            Some("22222222-2222-2222-2222-222222222222")
        );
        assert_eq!(s.get("oidc_request_url"), Some("https://gh"));
        assert!(s.flag("use_oidc"));
        assert!(s.flag("use_cli"));
        assert!(!s.flag("use_msi"));
        assert_eq!(s.environment(), "public");
    }

    #[test]
    fn secrets_never_appear_in_debug_output() {
        let env = |_: &str| None;
        let s = Settings::from_config(
            &config(&[("client_secret", cty::Value::string("hunter2-secret"))]),
            &env,
        );
        assert!(!format!("{s:?}").contains("hunter2"));
    }

    #[test]
    fn contradictions_are_reported_on_their_attribute() {
        let e = errors(config(&[("environment", cty::Value::string("mars"))]), &[]);
        assert_eq!(e, vec!["Invalid attribute value@environment"]);
        let e = errors(config(&[("client_secret", cty::Value::string("x"))]), &[]);
        assert_eq!(e, vec!["client_secret needs client_id@client_secret"]);
        let e = errors(
            config(&[("client_secret", cty::Value::string("x"))]),
            &[("ARM_CLIENT_ID", "11111111-1111-1111-1111-111111111111")],
        );
        assert!(e.is_empty(), "{e:?}");
        let e = errors(
            config(&[
                ("oidc_token", cty::Value::string("a")),
                ("oidc_token_file_path", cty::Value::string("/f")),
            ]),
            &[],
        );
        assert_eq!(
            e,
            vec!["Conflicting OIDC token settings@oidc_token_file_path"]
        );
        let e = errors(config(&[("use_oidc", cty::Value::Bool(true))]), &[]);
        assert_eq!(e, vec!["OIDC authentication has no token source@use_oidc"]);
        let e = errors(
            config(&[("metadata_host", cty::Value::string("http://127.0.0.1:1"))]),
            &[],
        );
        assert_eq!(e, vec!["Invalid attribute value@metadata_host"]);
        let e = errors(config(&[("tenant_id", cty::Value::string("contoso"))]), &[]);
        assert_eq!(e, vec!["Invalid attribute value@tenant_id"]);
        let e = errors(config(&[]), &[("ARM_ENVIRONMENT", "german")]);
        assert_eq!(e, vec!["Invalid ARM_ENVIRONMENT@"]);
    }

    #[test]
    fn unknown_values_may_satisfy_requirements() {
        let e = errors(
            config(&[
                ("client_secret", cty::Value::string("x")),
                ("client_id", cty::Value::unknown()),
            ]),
            &[],
        );
        assert!(e.is_empty(), "{e:?}");
        let e = errors(
            config(&[
                ("use_oidc", cty::Value::Bool(true)),
                ("oidc_token", cty::Value::unknown()),
            ]),
            &[],
        );
        assert!(e.is_empty(), "{e:?}");
    }

    #[test]
    fn unknown_values_are_not_errors() {
        let e = errors(
            config(&[
                ("environment", cty::Value::unknown()),
                ("client_secret", cty::Value::unknown()),
            ]),
            &[],
        );
        assert!(e.is_empty(), "{e:?}");
    }
}
