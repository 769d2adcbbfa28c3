//! Credentials, chosen the way azurerm chooses them, on azure_identity 1.x.
//!
//! The provider layer fills [`CredentialOptions`] from the provider block and the `ARM_*`
//! environment; this file only picks and builds one credential, in azurerm's order:
//! client certificate, client secret, OIDC (`use_oidc`: a token, a token file, Azure DevOps or
//! GitHub Actions), managed identity (`use_msi`), Azure CLI (`use_cli`, on by default).
//! Certificate and OIDC flows are client assertions (`ClientAssertionCredential`) so that no
//! OpenSSL is needed: the certificate's RSA key signs the JWT with aws-lc-rs. Every token request
//! goes through the provider's one HTTP client. Secrets never reach `Debug` output.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use async_trait::async_trait;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{RsaKeyPair, RSA_PKCS1_SHA256};
use azure_core::credentials::{AccessToken, Secret, TokenCredential, TokenRequestOptions};
use azure_core::http::{ClientMethodOptions, ClientOptions, RetryOptions, Transport};
use azure_identity::{
    AzureCliCredential, AzureCliCredentialOptions, ClientAssertion, ClientAssertionCredential,
    ClientAssertionCredentialOptions, ClientSecretCredential, ClientSecretCredentialOptions,
    ManagedIdentityCredential, ManagedIdentityCredentialOptions, UserAssignedId,
};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use serde_json::Value;

use super::cloud::Cloud;
use super::error::ArmError;

/// Authentication settings, with azurerm's names. The provider fills it from its block and the
/// `ARM_*` variables named in each field's doc.
#[derive(Clone, PartialEq, Eq)]
pub struct CredentialOptions {
    /// `tenant_id` / `ARM_TENANT_ID`.
    pub tenant_id: Option<String>,
    /// `client_id` / `ARM_CLIENT_ID` (also the user-assigned identity for managed identity).
    pub client_id: Option<String>,
    /// `client_secret` / `ARM_CLIENT_SECRET`.
    pub client_secret: Option<String>,
    /// `client_certificate_path` / `ARM_CLIENT_CERTIFICATE_PATH` (PFX/PKCS#12 or PEM).
    pub client_certificate_path: Option<PathBuf>,
    /// `client_certificate` / `ARM_CLIENT_CERTIFICATE`: base64 PFX or PEM content.
    pub client_certificate: Option<String>,
    /// `client_certificate_password` / `ARM_CLIENT_CERTIFICATE_PASSWORD` (PFX only).
    pub client_certificate_password: Option<String>,
    /// `use_oidc` / `ARM_USE_OIDC`.
    pub use_oidc: bool,
    /// `oidc_token` / `ARM_OIDC_TOKEN`.
    pub oidc_token: Option<String>,
    /// `oidc_token_file_path` / `ARM_OIDC_TOKEN_FILE_PATH` (or `AZURE_FEDERATED_TOKEN_FILE`).
    pub oidc_token_file_path: Option<PathBuf>,
    /// `oidc_request_url` / `ARM_OIDC_REQUEST_URL`, `ACTIONS_ID_TOKEN_REQUEST_URL` or
    /// `SYSTEM_OIDCREQUESTURI` (Azure DevOps).
    pub oidc_request_url: Option<String>,
    /// `oidc_request_token` / `ARM_OIDC_REQUEST_TOKEN`, `ACTIONS_ID_TOKEN_REQUEST_TOKEN` or
    /// `SYSTEM_ACCESSTOKEN` (Azure DevOps).
    pub oidc_request_token: Option<String>,
    /// `ado_pipeline_service_connection_id` / `ARM_ADO_PIPELINE_SERVICE_CONNECTION_ID`; when set,
    /// the request URL and token are Azure DevOps' rather than GitHub's.
    pub ado_pipeline_service_connection_id: Option<String>,
    /// `use_msi` / `ARM_USE_MSI`.
    pub use_msi: bool,
    /// `msi_endpoint` / `ARM_MSI_ENDPOINT`: a custom IMDS-style token endpoint.
    pub msi_endpoint: Option<String>,
    /// `use_cli` / `ARM_USE_CLI` (default true).
    pub use_cli: bool,
}

impl Default for CredentialOptions {
    fn default() -> Self {
        CredentialOptions {
            tenant_id: None,
            client_id: None,
            client_secret: None,
            client_certificate_path: None,
            client_certificate: None,
            client_certificate_password: None,
            use_oidc: false,
            oidc_token: None,
            oidc_token_file_path: None,
            oidc_request_url: None,
            oidc_request_token: None,
            ado_pipeline_service_connection_id: None,
            use_msi: false,
            msi_endpoint: None,
            use_cli: true,
        }
    }
}

/// Shows whether a secret is set, never its value.
struct Redacted<'a>(&'a Option<String>);

impl fmt::Debug for Redacted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(_) => f.write_str("Some(<redacted>)"),
            None => f.write_str("None"),
        }
    }
}

impl fmt::Debug for CredentialOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CredentialOptions")
            .field("tenant_id", &self.tenant_id)
            .field("client_id", &self.client_id)
            .field("client_secret", &Redacted(&self.client_secret))
            .field("client_certificate_path", &self.client_certificate_path)
            .field("client_certificate", &Redacted(&self.client_certificate))
            .field(
                "client_certificate_password",
                &Redacted(&self.client_certificate_password),
            )
            .field("use_oidc", &self.use_oidc)
            .field("oidc_token", &Redacted(&self.oidc_token))
            .field("oidc_token_file_path", &self.oidc_token_file_path)
            .field("oidc_request_url", &self.oidc_request_url)
            .field("oidc_request_token", &Redacted(&self.oidc_request_token))
            .field(
                "ado_pipeline_service_connection_id",
                &self.ado_pipeline_service_connection_id,
            )
            .field("use_msi", &self.use_msi)
            .field("msi_endpoint", &self.msi_endpoint)
            .field("use_cli", &self.use_cli)
            .finish()
    }
}

/// Which authentication method was chosen; for logs and errors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthMethod {
    /// Service principal with a certificate.
    ClientCertificate,
    /// Service principal with a secret.
    ClientSecret,
    /// OIDC with a token given directly.
    OidcToken,
    /// OIDC with a token read from a file (AKS workload identity and similar).
    OidcTokenFile,
    /// OIDC with a token from GitHub Actions.
    OidcGitHubActions,
    /// OIDC with a token from an Azure DevOps service connection.
    OidcAzureDevOps,
    /// Managed identity.
    ManagedIdentity,
    /// Azure CLI.
    AzureCli,
}

fn set(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Picks the method azurerm would pick; pure, so it can be tested without building anything.
pub fn choose_method(o: &CredentialOptions) -> Result<AuthMethod, ArmError> {
    if o.client_certificate_path.is_some() || set(&o.client_certificate).is_some() {
        return Ok(AuthMethod::ClientCertificate);
    }
    if set(&o.client_secret).is_some() {
        return Ok(AuthMethod::ClientSecret);
    }
    if o.use_oidc {
        if set(&o.oidc_token).is_some() {
            return Ok(AuthMethod::OidcToken);
        }
        if o.oidc_token_file_path.is_some() {
            return Ok(AuthMethod::OidcTokenFile);
        }
        if set(&o.ado_pipeline_service_connection_id).is_some() {
            return Ok(AuthMethod::OidcAzureDevOps);
        }
        if set(&o.oidc_request_url).is_some() || set(&o.oidc_request_token).is_some() {
            return Ok(AuthMethod::OidcGitHubActions);
        }
        if !o.use_msi && !o.use_cli {
            return Err(ArmError::config(
                "OIDC authentication needs one of oidc_token (ARM_OIDC_TOKEN), oidc_token_file_path \
                 (ARM_OIDC_TOKEN_FILE_PATH), oidc_request_url + oidc_request_token \
                 (ACTIONS_ID_TOKEN_REQUEST_URL / ACTIONS_ID_TOKEN_REQUEST_TOKEN) or \
                 ado_pipeline_service_connection_id (ARM_ADO_PIPELINE_SERVICE_CONNECTION_ID)",
            ));
        }
    }
    if o.use_msi {
        return Ok(AuthMethod::ManagedIdentity);
    }
    if o.use_cli {
        return Ok(AuthMethod::AzureCli);
    }
    Err(ArmError::config(
        "no authentication method is configured: set client_secret (ARM_CLIENT_SECRET), \
         client_certificate_path (ARM_CLIENT_CERTIFICATE_PATH), use_oidc (ARM_USE_OIDC), \
         use_msi (ARM_USE_MSI), or leave use_cli (ARM_USE_CLI) enabled",
    ))
}

fn require<'a>(
    v: &'a Option<String>,
    method: &str,
    field: &str,
    env: &str,
) -> Result<&'a str, ArmError> {
    set(v).ok_or_else(|| ArmError::config(format!("{method} authentication needs {field} ({env})")))
}

fn sp_ids<'a>(o: &'a CredentialOptions, method: &str) -> Result<(&'a str, &'a str), ArmError> {
    let client = require(&o.client_id, method, "client_id", "ARM_CLIENT_ID")?;
    let tenant = require(&o.tenant_id, method, "tenant_id", "ARM_TENANT_ID")?;
    Ok((tenant, client))
}

fn identity_error(method: &str, e: azure_core::Error) -> ArmError {
    ArmError::config(format!("{method} authentication: {e}"))
}

/// Builds the chosen credential. Its token requests use `http` and the cloud's authority host.
pub(crate) fn build_credential(
    o: &CredentialOptions,
    cloud: &Cloud,
    http: &reqwest::Client,
) -> Result<(Arc<dyn TokenCredential>, AuthMethod), ArmError> {
    let method = choose_method(o)?;
    // No retries in azure_core's pipeline: a failed token request is retried by the ARM client's
    // token cache with the same policy as every ARM request (`pipeline::TokenCache::token`).
    let client_options = || ClientOptions {
        transport: Some(Transport::new(Arc::new(http.clone()))),
        cloud: Some(Arc::new(cloud.azure_cloud_configuration())),
        retry: RetryOptions::none(),
        ..Default::default()
    };
    let assertion_options = || {
        Some(ClientAssertionCredentialOptions {
            client_options: client_options(),
        })
    };
    let cred: Arc<dyn TokenCredential> = match method {
        AuthMethod::ClientSecret => {
            let name = "client secret";
            let (tenant, client) = sp_ids(o, name)?;
            let secret = set(&o.client_secret).unwrap_or_default().to_string();
            ClientSecretCredential::new(
                tenant,
                client.to_string(),
                Secret::new(secret),
                Some(ClientSecretCredentialOptions { client_options: client_options() }),
            )
            .map_err(|e| identity_error(name, e))?
        }
        AuthMethod::ClientCertificate => {
            let name = "client certificate";
            let (tenant, client) = sp_ids(o, name)?;
            let bytes = match (&o.client_certificate_path, set(&o.client_certificate)) {
                (Some(path), _) => std::fs::read(path).map_err(|e| {
                    ArmError::config(format!(
                        "client certificate authentication: reading client_certificate_path {}: {e}",
                        path.display()
                    ))
                })?,
                (None, Some(b64)) => STANDARD.decode(b64.as_bytes()).or_else(|_| {
                    if b64.contains("-----BEGIN") {
                        Ok(b64.as_bytes().to_vec())
                    } else {
                        Err(ArmError::config(
                            "client certificate authentication: client_certificate (ARM_CLIENT_CERTIFICATE) is neither base64 nor PEM",
                        ))
                    }
                })?,
                (None, None) => unreachable!("choose_method checked a certificate is set"),
            };
            let cert = CertificateAssertion::load(
                &bytes,
                o.client_certificate_password.as_deref().unwrap_or(""),
                cloud.token_endpoint(tenant),
                client.to_string(),
            )
            .map_err(|m| ArmError::config(format!("client certificate authentication: {m}")))?;
            ClientAssertionCredential::new(tenant.to_string(), client.to_string(), cert, assertion_options())
                .map_err(|e| identity_error(name, e))?
        }
        AuthMethod::OidcToken | AuthMethod::OidcTokenFile | AuthMethod::OidcGitHubActions | AuthMethod::OidcAzureDevOps => {
            let name = "OIDC";
            let (tenant, client) = sp_ids(o, name)?;
            let source = match method {
                AuthMethod::OidcToken => OidcSource::Token(Secret::new(set(&o.oidc_token).unwrap_or_default().to_string())),
                AuthMethod::OidcTokenFile => OidcSource::File(o.oidc_token_file_path.clone().unwrap_or_default()),
                AuthMethod::OidcAzureDevOps => {
                    let m = "OIDC (Azure DevOps)";
                    let url = require(&o.oidc_request_url, m, "oidc_request_url", "ARM_OIDC_REQUEST_URL or SYSTEM_OIDCREQUESTURI")?;
                    let token = require(&o.oidc_request_token, m, "oidc_request_token", "ARM_OIDC_REQUEST_TOKEN or SYSTEM_ACCESSTOKEN")?;
                    let id = set(&o.ado_pipeline_service_connection_id).unwrap_or_default();
                    let mut u = parse_https(url, "oidc_request_url")?;
                    u.query_pairs_mut().append_pair("api-version", "7.1").append_pair("serviceConnectionId", id);
                    OidcSource::AzureDevOps { http: http.clone(), url: u, token: Secret::new(token.to_string()) }
                }
                _ => {
                    let m = "OIDC (GitHub Actions)";
                    let url = require(&o.oidc_request_url, m, "oidc_request_url", "ARM_OIDC_REQUEST_URL or ACTIONS_ID_TOKEN_REQUEST_URL")?;
                    let token = require(&o.oidc_request_token, m, "oidc_request_token", "ARM_OIDC_REQUEST_TOKEN or ACTIONS_ID_TOKEN_REQUEST_TOKEN")?;
                    let mut u = parse_https(url, "oidc_request_url")?;
                    u.query_pairs_mut().append_pair("audience", "api://AzureADTokenExchange");
                    OidcSource::GitHub { http: http.clone(), url: u, token: Secret::new(token.to_string()) }
                }
            };
            ClientAssertionCredential::new(tenant.to_string(), client.to_string(), source, assertion_options())
                .map_err(|e| identity_error(name, e))?
        }
        AuthMethod::ManagedIdentity => match set(&o.msi_endpoint) {
            Some(endpoint) => Arc::new(MsiEndpointCredential {
                http: http.clone(),
                endpoint: url::Url::parse(endpoint).map_err(|e| {
                    ArmError::config(format!("managed identity authentication: msi_endpoint (ARM_MSI_ENDPOINT) {endpoint:?} is not a URL: {e}"))
                })?,
                client_id: set(&o.client_id).map(str::to_string),
            }),
            None => ManagedIdentityCredential::new(Some(ManagedIdentityCredentialOptions {
                user_assigned_id: set(&o.client_id).map(|c| UserAssignedId::ClientId(c.to_string())),
                client_options: client_options(),
            }))
            .map_err(|e| identity_error("managed identity", e))?,
        },
        AuthMethod::AzureCli => {
            let opts = AzureCliCredentialOptions { tenant_id: set(&o.tenant_id).map(str::to_string), ..Default::default() };
            AzureCliCredential::new(Some(opts)).map_err(|e| identity_error("Azure CLI", e))?
        }
    };
    Ok((cred, method))
}

fn parse_https(s: &str, field: &str) -> Result<url::Url, ArmError> {
    let u =
        url::Url::parse(s).map_err(|e| ArmError::config(format!("{field} is not a URL: {e}")))?;
    if u.scheme() != "https" {
        return Err(ArmError::config(format!("{field} must be https")));
    }
    Ok(u)
}

fn credential_error(msg: impl Into<String>) -> azure_core::Error {
    azure_core::Error::with_message(azure_core::error::ErrorKind::Credential, msg.into())
}

/// Where an OIDC (federated) token comes from.
enum OidcSource {
    Token(Secret),
    File(PathBuf),
    GitHub {
        http: reqwest::Client,
        url: url::Url,
        token: Secret,
    },
    AzureDevOps {
        http: reqwest::Client,
        url: url::Url,
        token: Secret,
    },
}

impl fmt::Debug for OidcSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OidcSource::Token(_) => f.write_str("OidcSource::Token(<redacted>)"),
            OidcSource::File(p) => write!(f, "OidcSource::File({})", p.display()),
            OidcSource::GitHub { url, .. } => write!(f, "OidcSource::GitHub({})", url.path()),
            OidcSource::AzureDevOps { url, .. } => {
                write!(f, "OidcSource::AzureDevOps({})", url.path())
            }
        }
    }
}

#[async_trait]
impl ClientAssertion for OidcSource {
    async fn secret(
        &self,
        _options: Option<ClientMethodOptions<'_>>,
    ) -> azure_core::Result<String> {
        match self {
            OidcSource::Token(t) => Ok(t.secret().to_string()),
            OidcSource::File(p) => std::fs::read_to_string(p)
                .map(|s| s.trim().to_string())
                .map_err(|e| {
                    credential_error(format!("reading the OIDC token file {}: {e}", p.display()))
                }),
            OidcSource::GitHub { http, url, token } => {
                fetch_id_token(http.get(url.clone()), token, "value", "GitHub Actions").await
            }
            OidcSource::AzureDevOps { http, url, token } => {
                let req = http
                    .post(url.clone())
                    .header("content-type", "application/json")
                    .body("");
                fetch_id_token(req, token, "oidcToken", "Azure DevOps").await
            }
        }
    }
}

async fn fetch_id_token(
    req: reqwest::RequestBuilder,
    token: &Secret,
    field: &str,
    who: &str,
) -> azure_core::Result<String> {
    let resp = req
        .bearer_auth(token.secret())
        .header("accept", "application/json")
        .send()
        .await
        .map_err(|e| {
            credential_error(format!(
                "requesting an OIDC token from {who}: {}",
                e.without_url()
            ))
        })?;
    let status = resp.status();
    let body = resp.bytes().await.unwrap_or_default();
    if !status.is_success() {
        return Err(credential_error(format!(
            "requesting an OIDC token from {who}: HTTP {status}"
        )));
    }
    serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v.get(field)?.as_str().map(str::to_string))
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            credential_error(format!(
                "the OIDC token response from {who} has no {field:?}"
            ))
        })
}

/// Signs client-assertion JWTs with a certificate's RSA key (x5t and x5t#S256 headers).
pub(crate) struct CertificateAssertion {
    key: RsaKeyPair,
    x5t: String,
    x5t_s256: String,
    audience: String,
    client_id: String,
}

impl fmt::Debug for CertificateAssertion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CertificateAssertion")
            .field("x5t", &self.x5t)
            .finish_non_exhaustive()
    }
}

impl CertificateAssertion {
    /// Loads a PEM (certificate + unencrypted key) or PFX/PKCS#12 (with `password`) file.
    pub(crate) fn load(
        bytes: &[u8],
        password: &str,
        audience: String,
        client_id: String,
    ) -> Result<Self, String> {
        let (cert_der, key) = if bytes.windows(11).any(|w| w == b"-----BEGIN ") {
            let cert = CertificateDer::pem_slice_iter(bytes)
                .next()
                .ok_or("the PEM file holds no CERTIFICATE block")?
                .map_err(|e| format!("reading the PEM certificate: {e}"))?;
            let key = PrivateKeyDer::from_pem_slice(bytes)
                .map_err(|e| format!("reading the PEM private key (encrypted PEM keys are not supported; use a PFX with a password): {e}"))?;
            let key = match &key {
                PrivateKeyDer::Pkcs8(k) => RsaKeyPair::from_pkcs8(k.secret_pkcs8_der()),
                PrivateKeyDer::Pkcs1(k) => RsaKeyPair::from_der(k.secret_pkcs1_der()),
                _ => return Err("the private key is not RSA; Entra ID client assertions need an RSA certificate".into()),
            }
            .map_err(|e| format!("the private key is not a usable RSA key: {e}"))?;
            (cert.to_vec(), key)
        } else {
            let store = p12_keystore::KeyStore::from_pkcs12(bytes, password).map_err(|e| {
                format!("reading the PFX file (wrong password or not PKCS#12?): {e}")
            })?;
            let (_, chain) = store
                .private_key_chain()
                .ok_or("the PFX file holds no private key")?;
            let cert = chain
                .chain()
                .first()
                .ok_or("the PFX file holds no certificate for its key")?;
            let key = RsaKeyPair::from_pkcs8(chain.key())
                .map_err(|e| format!("the PFX private key is not a usable RSA key: {e}"))?;
            (cert.as_der().to_vec(), key)
        };
        let sha1 =
            aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY, &cert_der);
        let sha256 = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &cert_der);
        Ok(CertificateAssertion {
            key,
            x5t: URL_SAFE_NO_PAD.encode(sha1.as_ref()),
            x5t_s256: URL_SAFE_NO_PAD.encode(sha256.as_ref()),
            audience,
            client_id,
        })
    }

    /// A fresh signed assertion valid for ten minutes.
    pub(crate) fn jwt(&self) -> Result<String, String> {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let header = serde_json::json!({"alg": "RS256", "typ": "JWT", "x5t": self.x5t, "x5t#S256": self.x5t_s256});
        let claims = serde_json::json!({
            "aud": self.audience, "iss": self.client_id, "sub": self.client_id,
            "jti": uuid::Uuid::new_v4().to_string(), "nbf": now, "iat": now, "exp": now + 600,
        });
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let mut sig = vec![0u8; self.key.public_modulus_len()];
        self.key
            .sign(
                &RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                signing_input.as_bytes(),
                &mut sig,
            )
            .map_err(|_| "signing the client assertion failed".to_string())?;
        Ok(format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(sig)))
    }
}

#[async_trait]
impl ClientAssertion for CertificateAssertion {
    async fn secret(
        &self,
        _options: Option<ClientMethodOptions<'_>>,
    ) -> azure_core::Result<String> {
        self.jwt().map_err(credential_error)
    }
}

/// Managed identity through a custom IMDS-style endpoint (`msi_endpoint`), which
/// azure_identity's `ManagedIdentityCredential` cannot be pointed at.
#[derive(Debug)]
struct MsiEndpointCredential {
    http: reqwest::Client,
    endpoint: url::Url,
    client_id: Option<String>,
}

#[async_trait]
impl TokenCredential for MsiEndpointCredential {
    async fn get_token(
        &self,
        scopes: &[&str],
        _options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        let resource = scopes
            .first()
            .map(|s| s.trim_end_matches("/.default"))
            .unwrap_or_default();
        let mut url = self.endpoint.clone();
        url.query_pairs_mut()
            .append_pair("api-version", "2018-02-01")
            .append_pair("resource", resource);
        if let Some(c) = &self.client_id {
            url.query_pairs_mut().append_pair("client_id", c);
        }
        let resp = self
            .http
            .get(url)
            .header("Metadata", "true")
            .send()
            .await
            .map_err(|e| {
                azure_core::Error::with_message(
                    azure_core::error::ErrorKind::Io,
                    format!("managed identity endpoint: {}", e.without_url()),
                )
            })?;
        let status = resp.status();
        let body = resp.bytes().await.unwrap_or_default();
        if !status.is_success() {
            // An HTTP error kind, so that the token cache retries 429 and 5xx.
            return Err(azure_core::Error::with_message(
                azure_core::error::ErrorKind::HttpResponse {
                    status: status.as_u16().into(),
                    error_code: None,
                    raw_response: None,
                },
                format!("managed identity endpoint answered HTTP {status}"),
            ));
        }
        let v: Value = serde_json::from_slice(&body)
            .map_err(|_| credential_error("managed identity endpoint answered non-JSON"))?;
        let token = v
            .get("access_token")
            .and_then(Value::as_str)
            .ok_or_else(|| credential_error("managed identity response has no access_token"))?;
        let expires = match v.get("expires_on") {
            Some(Value::String(s)) => s.parse::<i64>().ok(),
            Some(Value::Number(n)) => n.as_i64(),
            _ => None,
        }
        .and_then(|t| time::OffsetDateTime::from_unix_timestamp(t).ok())
        .unwrap_or_else(|| time::OffsetDateTime::now_utc() + time::Duration::minutes(5));
        Ok(AccessToken::new(token.to_string(), expires))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(f: impl FnOnce(&mut CredentialOptions)) -> CredentialOptions {
        let mut o = CredentialOptions::default();
        f(&mut o);
        o
    }

    #[test]
    fn method_order_follows_azurerm() {
        let s = |v: &str| Some(v.to_string());
        let cases: Vec<(CredentialOptions, Result<AuthMethod, &str>)> = vec![
            (opts(|_| {}), Ok(AuthMethod::AzureCli)),
            (
                opts(|o| o.use_cli = false),
                Err("no authentication method is configured"),
            ),
            (
                opts(|o| o.client_secret = s("x")),
                Ok(AuthMethod::ClientSecret),
            ),
            (
                opts(|o| o.client_secret = s("  ")),
                Ok(AuthMethod::AzureCli),
            ),
            (
                opts(|o| {
                    o.client_secret = s("x");
                    o.client_certificate_path = Some("c.pfx".into())
                }),
                Ok(AuthMethod::ClientCertificate),
            ),
            (
                opts(|o| {
                    o.client_secret = s("x");
                    o.use_oidc = true;
                    o.oidc_token = s("t")
                }),
                Ok(AuthMethod::ClientSecret),
            ),
            (
                opts(|o| {
                    o.use_oidc = true;
                    o.oidc_token = s("t");
                    o.oidc_token_file_path = Some("f".into())
                }),
                Ok(AuthMethod::OidcToken),
            ),
            (
                opts(|o| {
                    o.use_oidc = true;
                    o.oidc_token_file_path = Some("f".into())
                }),
                Ok(AuthMethod::OidcTokenFile),
            ),
            (
                opts(|o| {
                    o.use_oidc = true;
                    o.oidc_request_url = s("https://gh");
                    o.oidc_request_token = s("t")
                }),
                Ok(AuthMethod::OidcGitHubActions),
            ),
            (
                opts(|o| {
                    o.use_oidc = true;
                    o.oidc_request_url = s("https://ado");
                    o.ado_pipeline_service_connection_id = s("sc")
                }),
                Ok(AuthMethod::OidcAzureDevOps),
            ),
            (
                opts(|o| {
                    o.use_oidc = true;
                    o.use_cli = false
                }),
                Err("OIDC authentication needs one of oidc_token"),
            ),
            (opts(|o| o.use_oidc = true), Ok(AuthMethod::AzureCli)),
            (opts(|o| o.oidc_token = s("t")), Ok(AuthMethod::AzureCli)),
            (opts(|o| o.use_msi = true), Ok(AuthMethod::ManagedIdentity)),
            (
                opts(|o| {
                    o.use_msi = true;
                    o.use_oidc = true;
                    o.oidc_token = s("t")
                }),
                Ok(AuthMethod::OidcToken),
            ),
        ];
        for (o, want) in cases {
            match (choose_method(&o), want) {
                (Ok(m), Ok(w)) => assert_eq!(m, w, "{o:?}"),
                (Err(e), Err(w)) => assert!(e.message.contains(w), "{o:?}: {}", e.message),
                (got, w) => panic!("{o:?}: got {got:?}, want {w:?}"),
            }
        }
    }

    fn http() -> reqwest::Client {
        reqwest::Client::new()
    }

    #[test]
    fn missing_fields_are_named() {
        let cloud = Cloud::from_environment("public").unwrap();
        let s = |v: &str| Some(v.to_string());
        let cases = [
            (
                opts(|o| o.client_secret = s("x")),
                "client secret authentication needs client_id (ARM_CLIENT_ID)",
            ),
            (
                opts(|o| {
                    o.client_secret = s("x");
                    o.client_id = s("c")
                }),
                "client secret authentication needs tenant_id (ARM_TENANT_ID)",
            ),
            (
                opts(|o| o.client_certificate_path = Some("/nonexistent/c.pfx".into())),
                "client certificate authentication needs client_id",
            ),
            (
                opts(|o| {
                    o.client_certificate_path = Some("/nonexistent/c.pfx".into());
                    o.client_id = s("c");
                    o.tenant_id = s("t")
                }),
                "reading client_certificate_path /nonexistent/c.pfx",
            ),
            (
                opts(|o| {
                    o.use_oidc = true;
                    o.oidc_request_url = s("https://gh");
                    o.client_id = s("c");
                    o.tenant_id = s("t")
                }),
                "OIDC (GitHub Actions) authentication needs oidc_request_token",
            ),
            (
                opts(|o| {
                    o.use_oidc = true;
                    o.ado_pipeline_service_connection_id = s("sc");
                    o.client_id = s("c");
                    o.tenant_id = s("t")
                }),
                "OIDC (Azure DevOps) authentication needs oidc_request_url",
            ),
            (
                opts(|o| {
                    o.use_oidc = true;
                    o.oidc_request_url = s("http://gh");
                    o.oidc_request_token = s("x");
                    o.client_id = s("c");
                    o.tenant_id = s("t")
                }),
                "oidc_request_url must be https",
            ),
        ];
        for (o, want) in cases {
            let e = build_credential(&o, &cloud, &http()).expect_err("must fail");
            assert!(e.message.contains(want), "{o:?}: {}", e.message);
        }
    }

    #[test]
    fn debug_redacts_secrets() {
        let o = opts(|o| {
            o.client_secret = Some("s3cr3t-value".into());
            o.client_certificate_password = Some("pfx-pass-word".into());
            o.oidc_token = Some("oidc-jwt-value".into());
            o.oidc_request_token = Some("gh-request-token".into());
            o.client_certificate = Some("base64-cert-data".into());
            o.client_id = Some("visible-client-id".into());
        });
        let d = format!("{o:?}");
        for secret in [
            "s3cr3t-value",
            "pfx-pass-word",
            "oidc-jwt-value",
            "gh-request-token",
            "base64-cert-data",
        ] {
            assert!(!d.contains(secret), "{secret} leaked: {d}");
        }
        assert!(d.contains("visible-client-id"));
        assert!(d.contains("Some(<redacted>)"));
    }

    fn test_cert() -> (rcgen::Certificate, rcgen::KeyPair, String) {
        let key =
            rcgen::KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256).expect("RSA key generation");
        let cert = rcgen::CertificateParams::new(vec!["sp.example".into()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        let pem = format!("{}{}", cert.pem(), key.serialize_pem());
        (cert, key, pem)
    }

    fn verify_jwt(jwt: &str, cert_der: &[u8], public_key: &[u8]) -> (Value, Value) {
        let parts: Vec<&str> = jwt.split('.').collect();
        assert_eq!(parts.len(), 3);
        let header: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
        let claims: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        let sig = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
        aws_lc_rs::signature::UnparsedPublicKey::new(
            &aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256,
            public_key,
        )
        .verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &sig)
        .expect("signature verifies with the certificate's public key");
        let sha1 =
            aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY, cert_der);
        assert_eq!(header["x5t"], URL_SAFE_NO_PAD.encode(sha1.as_ref()));
        assert_eq!(header["alg"], "RS256");
        (header, claims)
    }

    #[test]
    fn certificate_assertion_from_pem_and_pfx() {
        let (cert, key, pem) = test_cert();
        let der = cert.der().to_vec();
        let public = key.public_key_raw().to_vec();
        let aud = "https://login.example/t/oauth2/v2.0/token".to_string();

        let a = CertificateAssertion::load(pem.as_bytes(), "", aud.clone(), "cid".into()).unwrap();
        let (_, claims) = verify_jwt(&a.jwt().unwrap(), &der, &public);
        assert_eq!(claims["aud"], aud.as_str());
        assert_eq!(claims["iss"], "cid");
        assert_eq!(claims["sub"], "cid");
        assert_eq!(
            claims["exp"].as_i64().unwrap() - claims["nbf"].as_i64().unwrap(),
            600
        );

        let mut store = p12_keystore::KeyStore::new();
        let chain = p12_keystore::PrivateKeyChain::new(
            key.serialize_der(),
            [1u8; 20],
            vec![p12_keystore::Certificate::from_der(&der).unwrap()],
        );
        store.add_entry("sp", p12_keystore::KeyStoreEntry::PrivateKeyChain(chain));
        let pfx = store.writer("pfx-pass").write().unwrap();
        let a = CertificateAssertion::load(&pfx, "pfx-pass", aud.clone(), "cid".into()).unwrap();
        verify_jwt(&a.jwt().unwrap(), &der, &public);
        let e = CertificateAssertion::load(&pfx, "wrong", aud, "cid".into()).unwrap_err();
        assert!(e.contains("wrong password"), "{e}");
    }
}
