//! Which Azure cloud the client talks to: ARM endpoint, Entra ID authority host, token audience and
//! the private DNS zone names of an AML workspace endpoint.
//!
//! Two ways in, as in azurerm: `environment` (`public`, `usgovernment`, `china`) picks a built-in
//! cloud; `metadata_host` fetches `https://{host}/metadata/endpoints?api-version=2022-09-01` (custom
//! clouds and the ARM emulator). HTTPS only: an `http://` host is refused before any request.
//!
//! Private DNS zone names come from Microsoft Learn, "Azure Private Endpoint private DNS zone values"
//! (azure-docs `articles/private-link/private-endpoint-dns.md`: the AI + Machine Learning rows of the
//! commercial and government tables) and "How to use your workspace with a custom DNS server"
//! (`how-to-custom-dns`, which lists the China and US Government workspace FQDNs).

use serde_json::Value;
use url::Url;

use super::deadline::Deadline;
use super::error::ArmError;
use super::http::{HttpRequest, Method, Transport};
use super::pipeline::{send_with_retries, ArmRequest, Attempted, RetryPolicy};

/// AML private DNS zones (API zone, notebooks zone) per built-in cloud.
const PUBLIC_AML_ZONES: [&str; 2] = [
    "privatelink.api.azureml.ms",
    "privatelink.notebooks.azure.net",
];
const USGOV_AML_ZONES: [&str; 2] = [
    "privatelink.api.ml.azure.us",
    "privatelink.notebooks.usgovcloudapi.net",
];
const CHINA_AML_ZONES: [&str; 2] = [
    "privatelink.api.ml.azure.cn",
    "privatelink.notebooks.chinacloudapi.cn",
];

/// The metadata api-version azurerm uses.
pub const METADATA_API_VERSION: &str = "2022-09-01";

/// One Azure cloud: where ARM and Entra ID live and which token audience ARM expects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cloud {
    /// Cloud name as ARM metadata spells it (`AzureCloud`, `AzureUSGovernment`, `AzureChinaCloud`, ...).
    pub name: String,
    /// ARM endpoint with a trailing slash, e.g. `https://management.azure.com/`.
    pub resource_manager: Url,
    /// Entra ID authority host, e.g. `https://login.microsoftonline.com/`.
    pub authority_host: Url,
    /// Token audience for ARM, e.g. `https://management.azure.com/`.
    pub audience: String,
    /// Private DNS zone names of an AML workspace private endpoint: `[api zone, notebooks zone]`.
    pub aml_private_dns_zones: Vec<String>,
}

impl Cloud {
    /// The built-in cloud for an azurerm `environment` value (`public`, `usgovernment`, `china`).
    pub fn from_environment(environment: &str) -> Result<Cloud, ArmError> {
        let (name, arm, login, zones) = match environment.trim().to_ascii_lowercase().as_str() {
            "" | "public" | "azurecloud" | "azurepubliccloud" => (
                "AzureCloud",
                "https://management.azure.com/",
                "https://login.microsoftonline.com/",
                PUBLIC_AML_ZONES,
            ),
            "usgovernment" | "azureusgovernment" | "azureusgovernmentcloud" => (
                "AzureUSGovernment",
                "https://management.usgovcloudapi.net/",
                "https://login.microsoftonline.us/",
                USGOV_AML_ZONES,
            ),
            "china" | "azurechinacloud" => (
                "AzureChinaCloud",
                "https://management.chinacloudapi.cn/",
                "https://login.chinacloudapi.cn/",
                CHINA_AML_ZONES,
            ),
            other => {
                return Err(ArmError::config(format!(
                    "unknown environment {other:?}: expected \"public\", \"usgovernment\" or \"china\" \
                     (or set metadata_host for a custom cloud)"
                )))
            }
        };
        Ok(Cloud {
            name: name.to_string(),
            resource_manager: Url::parse(arm).expect("constant URL"),
            authority_host: Url::parse(login).expect("constant URL"),
            audience: arm.to_string(),
            aml_private_dns_zones: zones.iter().map(|z| z.to_string()).collect(),
        })
    }

    /// The OAuth scope for ARM tokens: the audience plus `/.default`.
    pub fn token_scope(&self) -> String {
        format!("{}/.default", self.audience.trim_end_matches('/'))
    }

    /// The Entra ID token endpoint for `tenant`.
    pub fn token_endpoint(&self, tenant: &str) -> String {
        format!(
            "{}/{tenant}/oauth2/v2.0/token",
            self.authority_host.as_str().trim_end_matches('/')
        )
    }

    /// The `azure_core` cloud configuration that points azure_identity at our authority host.
    pub(crate) fn azure_cloud_configuration(&self) -> azure_core::cloud::CloudConfiguration {
        let mut custom = azure_core::cloud::CustomConfiguration::default();
        custom.authority_host = self
            .authority_host
            .as_str()
            .trim_end_matches('/')
            .to_string();
        custom.into()
    }

    /// Fetches `https://{metadata_host}/metadata/endpoints` and picks the cloud for `environment`.
    ///
    /// `metadata_host` is a host (with optional port) or an `https://` URL; `http://` is refused.
    /// The request goes through the ARM requests' retry loop and `policy` (429, 5xx and lost
    /// connections are retried; other answers fail at once).
    pub(crate) async fn from_metadata_host(
        transport: &dyn Transport,
        policy: &RetryPolicy,
        metadata_host: &str,
        environment: Option<&str>,
        deadline: Deadline,
    ) -> Result<Cloud, ArmError> {
        let url = metadata_url(metadata_host)?;
        let req = ArmRequest::new(Method::Get, url.clone());
        let what = Attempted {
            req: &req,
            correlation_id: None,
            label: "cloud metadata request",
        };
        let resp = send_with_retries(transport, policy, None, what, deadline, || async {
            Ok(HttpRequest::get(url.clone()))
        })
        .await
        .map_err(|mut e| {
            e.message = format!("fetching cloud metadata from {url}: {}", e.message);
            e
        })?;
        if !(200..300).contains(&resp.status) {
            let mut e = ArmError::from_response(resp.status, resp.request_id(), None, &resp.body);
            e.kind = super::error::ErrorKind::Config;
            e.message = format!("fetching cloud metadata from {url}: {}", e.message);
            return Err(e);
        }
        let v: Value = serde_json::from_slice(&resp.body)
            .map_err(|e| ArmError::config(format!("cloud metadata from {url} is not JSON: {e}")))?;
        parse_metadata(&v, environment)
            .map_err(|m| ArmError::config(format!("cloud metadata from {url}: {m}")))
    }
}

/// Builds the metadata URL from a host or https URL; refuses plain http.
pub(crate) fn metadata_url(metadata_host: &str) -> Result<Url, ArmError> {
    let h = metadata_host.trim().trim_end_matches('/');
    if h.is_empty() {
        return Err(ArmError::config("metadata_host is empty"));
    }
    let lower = h.to_ascii_lowercase();
    if lower.starts_with("http://") {
        return Err(ArmError::config(format!(
            "metadata_host {metadata_host:?} uses http; only https is allowed (tokens would travel in clear text)"
        )));
    }
    let host = if lower.starts_with("https://") {
        &h[8..]
    } else {
        h
    };
    if host.contains("://") || host.contains('/') || host.contains('?') {
        return Err(ArmError::config(format!(
            "metadata_host {metadata_host:?} must be a host name with optional port, e.g. management.azure.com"
        )));
    }
    Url::parse(&format!(
        "https://{host}/metadata/endpoints?api-version={METADATA_API_VERSION}"
    ))
    .map_err(|e| {
        ArmError::config(format!(
            "metadata_host {metadata_host:?} is not a valid host: {e}"
        ))
    })
}

/// Chooses and converts one cloud from the metadata document (array form or single-object form).
pub(crate) fn parse_metadata(v: &Value, environment: Option<&str>) -> Result<Cloud, String> {
    let entry = match v {
        Value::Array(clouds) => {
            if clouds.is_empty() {
                return Err("the list of clouds is empty".into());
            }
            let wanted = environment.map(metadata_name_for_environment);
            match wanted {
                Some(w) => clouds
                    .iter()
                    .find(|c| {
                        c.get("name")
                            .and_then(Value::as_str)
                            .is_some_and(|n| n.eq_ignore_ascii_case(&w))
                    })
                    .or_else(|| (clouds.len() == 1).then(|| &clouds[0]))
                    .ok_or_else(|| {
                        let names: Vec<&str> = clouds
                            .iter()
                            .filter_map(|c| c.get("name").and_then(Value::as_str))
                            .collect();
                        format!("no cloud named {w:?}; the document lists {names:?}")
                    })?,
                None => &clouds[0],
            }
        }
        Value::Object(_) => v,
        _ => return Err("expected a JSON array of clouds or a single cloud object".into()),
    };
    let s = |path: &[&str]| {
        let mut cur = entry;
        for p in path {
            cur = cur.get(p)?;
        }
        cur.as_str().map(str::to_string)
    };
    let name = s(&["name"]).unwrap_or_else(|| "Custom".into());
    let arm = s(&["resourceManager"]).ok_or("resourceManager is missing")?;
    let login =
        s(&["authentication", "loginEndpoint"]).ok_or("authentication.loginEndpoint is missing")?;
    let resource_manager = https_url("resourceManager", &arm)?;
    let authority_host = https_url("authentication.loginEndpoint", &login)?;
    let audiences: Vec<String> = entry
        .pointer("/authentication/audiences")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let same =
        |a: &String| a.trim_end_matches('/') == resource_manager.as_str().trim_end_matches('/');
    let audience = audiences
        .iter()
        .find(|a| same(a))
        .or(audiences.first())
        .cloned()
        .unwrap_or_else(|| resource_manager.to_string());
    let zones = match name.to_ascii_lowercase().as_str() {
        "azureusgovernment" => USGOV_AML_ZONES,
        "azurechinacloud" => CHINA_AML_ZONES,
        _ => PUBLIC_AML_ZONES,
    };
    Ok(Cloud {
        name,
        resource_manager,
        authority_host,
        audience,
        aml_private_dns_zones: zones.iter().map(|z| z.to_string()).collect(),
    })
}

fn metadata_name_for_environment(env: &str) -> String {
    match env.trim().to_ascii_lowercase().as_str() {
        "" | "public" => "AzureCloud".into(),
        "usgovernment" => "AzureUSGovernment".into(),
        "china" => "AzureChinaCloud".into(),
        other => other.to_string(),
    }
}

fn https_url(field: &str, s: &str) -> Result<Url, String> {
    let mut u = Url::parse(s).map_err(|e| format!("{field} {s:?} is not a URL: {e}"))?;
    if u.scheme() != "https" {
        return Err(format!("{field} {s:?} is not https"));
    }
    if !u.path().ends_with('/') {
        let p = format!("{}/", u.path());
        u.set_path(&p);
    }
    Ok(u)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn built_in_clouds() {
        let cases = [
            (
                "public",
                "https://management.azure.com/",
                "https://login.microsoftonline.com/",
                "privatelink.api.azureml.ms",
                "privatelink.notebooks.azure.net",
            ),
            (
                "usgovernment",
                "https://management.usgovcloudapi.net/",
                "https://login.microsoftonline.us/",
                "privatelink.api.ml.azure.us",
                "privatelink.notebooks.usgovcloudapi.net",
            ),
            (
                "china",
                "https://management.chinacloudapi.cn/",
                "https://login.chinacloudapi.cn/",
                "privatelink.api.ml.azure.cn",
                "privatelink.notebooks.chinacloudapi.cn",
            ),
        ];
        for (env, arm, login, api, nb) in cases {
            let c = Cloud::from_environment(env).unwrap();
            assert_eq!(c.resource_manager.as_str(), arm);
            assert_eq!(c.authority_host.as_str(), login);
            assert_eq!(
                c.token_scope(),
                format!("{}/.default", arm.trim_end_matches('/'))
            );
            assert_eq!(
                c.aml_private_dns_zones,
                vec![api.to_string(), nb.to_string()]
            );
        }
        assert!(Cloud::from_environment("german")
            .unwrap_err()
            .message
            .contains("unknown environment"));
        assert_eq!(
            Cloud::from_environment("public")
                .unwrap()
                .token_endpoint("t1"),
            "https://login.microsoftonline.com/t1/oauth2/v2.0/token"
        );
    }

    #[test]
    fn metadata_urls() {
        let ok = [
            (
                "management.azure.com",
                "https://management.azure.com/metadata/endpoints?api-version=2022-09-01",
            ),
            (
                "127.0.0.1:8443",
                "https://127.0.0.1:8443/metadata/endpoints?api-version=2022-09-01",
            ),
            (
                "https://127.0.0.1:8443/",
                "https://127.0.0.1:8443/metadata/endpoints?api-version=2022-09-01",
            ),
        ];
        for (host, want) in ok {
            assert_eq!(metadata_url(host).unwrap().as_str(), want);
        }
        for bad in ["http://127.0.0.1:8080", "HTTP://x", "", "x/y", "ftp://x"] {
            assert!(metadata_url(bad).is_err(), "{bad}");
        }
        assert!(metadata_url("http://x")
            .unwrap_err()
            .message
            .contains("only https"));
    }

    fn doc(name: &str, arm: &str) -> Value {
        json!({
            "name": name,
            "resourceManager": arm,
            "authentication": {"loginEndpoint": "https://127.0.0.1:9443", "audiences": ["https://management.core.windows.net/", arm], "tenant": "common"},
            "suffixes": {"storage": "core.windows.net"}
        })
    }

    #[test]
    fn metadata_both_shapes() {
        let single = doc("AzureCloud", "https://127.0.0.1:9443/");
        let c = parse_metadata(&single, None).unwrap();
        assert_eq!(c.resource_manager.as_str(), "https://127.0.0.1:9443/");
        assert_eq!(c.authority_host.as_str(), "https://127.0.0.1:9443/");
        assert_eq!(c.audience, "https://127.0.0.1:9443/");
        assert_eq!(
            c.token_endpoint("tid"),
            "https://127.0.0.1:9443/tid/oauth2/v2.0/token"
        );

        let arr = json!([
            doc("AzureCloud", "https://a.example/"),
            doc("AzureUSGovernment", "https://b.example/")
        ]);
        let c = parse_metadata(&arr, Some("usgovernment")).unwrap();
        assert_eq!(c.resource_manager.as_str(), "https://b.example/");
        assert_eq!(c.aml_private_dns_zones[0], "privatelink.api.ml.azure.us");
        assert_eq!(
            parse_metadata(&arr, None)
                .unwrap()
                .resource_manager
                .as_str(),
            "https://a.example/"
        );
        assert!(parse_metadata(&arr, Some("china"))
            .unwrap_err()
            .contains("no cloud named"));
        // A single-entry array is used whatever its name.
        let one = json!([doc("Emulator", "https://127.0.0.1:1/")]);
        assert_eq!(
            parse_metadata(&one, Some("public")).unwrap().name,
            "Emulator"
        );
    }

    #[test]
    fn metadata_refuses_http_endpoints_and_missing_fields() {
        let mut d = doc("AzureCloud", "http://127.0.0.1:1/");
        assert!(parse_metadata(&d, None).unwrap_err().contains("not https"));
        d["resourceManager"] = json!("https://x/");
        d["authentication"]["loginEndpoint"] = json!("http://login");
        assert!(parse_metadata(&d, None).unwrap_err().contains("not https"));
        assert!(parse_metadata(&json!({"name": "x"}), None)
            .unwrap_err()
            .contains("resourceManager is missing"));
        assert!(parse_metadata(&json!([]), None).is_err());
        assert!(parse_metadata(&json!("x"), None).is_err());
    }
}
