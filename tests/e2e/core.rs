//! End-to-end: the real `terraform` CLI loads the provider from a filesystem mirror over
//! tfplugin5 with AutoMTLS, validates the provider block, shows the schema, and applies a
//! configuration that uses the data source and the function. Needs no Azure.

use crate::tf::{Workspace, HEAD};

const BODY: &str = r#"
provider "aml" {
  environment = "public"
}

data "aml_private_dns_zone_names" "public" {}

data "aml_private_dns_zone_names" "china" {
  environment = "china"
}

output "zones" {
  value = data.aml_private_dns_zone_names.public.names
}

output "china_api_zone" {
  value = data.aml_private_dns_zone_names.china.api_zone
}

output "python" {
  value = provider::aml::fqdn_preset("python_packages")
}
"#;

fn config() -> String {
    format!("{HEAD}{BODY}")
}

fn apply_and_check(ws: &Workspace) {
    ws.init();
    ws.ok(&["validate", "-no-color"]);
    ws.ok(&["apply", "-auto-approve", "-no-color"]);
    let out = ws.outputs();
    assert_eq!(
        out["zones"]["value"],
        serde_json::json!([
            "privatelink.api.azureml.ms",
            "privatelink.notebooks.azure.net"
        ])
    );
    assert_eq!(
        out["china_api_zone"]["value"],
        "privatelink.api.ml.azure.cn"
    );
    let python = out["python"]["value"].as_array().expect("list");
    assert_eq!(python.len(), 8);
    assert_eq!(python[3], "pypi.org");
    ws.assert_no_changes();
}

#[test]
fn terraform_applies_data_source_and_function_over_mtls() {
    let ws = Workspace::new(&config());
    apply_and_check(&ws);
}

#[test]
fn terraform_works_with_plugin_tls_disabled() {
    let mut ws = Workspace::new(&config());
    ws.env("TF_DISABLE_PLUGIN_TLS", "1");
    apply_and_check(&ws);
}

#[test]
fn validate_reports_a_bad_provider_argument_on_its_attribute() {
    let ws =
        Workspace::new(&config().replace(r#"environment = "public""#, r#"environment = "mars""#));
    ws.init();
    let out = ws.fails(&["validate", "-no-color"]);
    assert!(out.contains("Invalid attribute value"), "{out}");
    assert!(out.contains(r#""mars" is not a valid value"#), "{out}");
    // Terraform shows the configuration line of the attribute when the diagnostic has a path.
    assert!(out.contains(r#"environment = "mars""#), "{out}");
}

#[test]
fn unknown_preset_fails_with_the_valid_names() {
    let ws = Workspace::new(
        &config().replace(r#"fqdn_preset("python_packages")"#, r#"fqdn_preset("npm")"#),
    );
    ws.init();
    let out = ws.fails(&["plan", "-no-color"]);
    assert!(out.contains(r#"unknown preset "npm""#), "{out}");
    assert!(
        out.contains(r#""python_packages", "vscode", "huggingface""#),
        "{out}"
    );
}

#[test]
fn providers_schema_json_describes_every_feature() {
    let ws = Workspace::new(&config());
    ws.init();
    let s = ws.ok(&["providers", "schema", "-json"]);
    let v: serde_json::Value = serde_json::from_str(&s).expect("schema json");
    let p = &v["provider_schemas"]["registry.terraform.io/secure-ml/aml"];
    let provider_attrs = p["provider"]["block"]["attributes"]
        .as_object()
        .expect("provider attributes");
    for name in [
        "subscription_id",
        "client_secret",
        "use_oidc",
        "environment",
        "metadata_host",
    ] {
        assert!(provider_attrs.contains_key(name), "provider lacks {name}");
    }
    assert_eq!(provider_attrs["client_secret"]["sensitive"], true);
    assert_eq!(
        provider_attrs["client_secret"]["description_kind"],
        "markdown"
    );
    assert!(p["data_source_schemas"]["aml_private_dns_zone_names"].is_object());
    assert_eq!(
        p["functions"]["fqdn_preset"]["return_type"],
        serde_json::json!(["list", "string"])
    );
}

#[test]
fn missing_provider_block_values_fall_back_to_the_environment() {
    let mut ws = Workspace::new(&config().replace(r#"environment = "public""#, ""));
    ws.env("ARM_ENVIRONMENT", "usgovernment");
    ws.init();
    ws.ok(&["apply", "-auto-approve", "-no-color"]);
    let out = ws.outputs();
    assert_eq!(
        out["zones"]["value"],
        serde_json::json!([
            "privatelink.api.ml.azure.us",
            "privatelink.notebooks.usgovcloudapi.net"
        ])
    );
}
