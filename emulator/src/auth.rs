//! Identity endpoints and bearer-token checks: the cloud metadata document
//! (`/metadata/endpoints`), the Entra ID v2 (and v1) client-credentials token endpoint with
//! secret or JWT assertion, managed-identity style endpoints, and validation of the
//! `Authorization: Bearer` header on every ARM call. Error bodies follow AAD's AADSTS shape.

use crate::app::{ids, App};
use crate::errors::ArmError;
use crate::reply::Reply;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};
use std::collections::HashMap;

/// Lifetime of issued tokens in seconds.
pub const TOKEN_TTL: i64 = 3599;

fn now_unix() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// The `/metadata/endpoints` document (list-of-clouds form, as api-version 2022-09-01 returns).
pub fn metadata(app: &App) -> Reply {
    let base = app.base();
    let host = base.trim_start_matches("https://").to_string();
    let cloud = json!({
        "portal": format!("{base}/portal"),
        "authentication": {
            "loginEndpoint": format!("{base}/"),
            "audiences": [
                "https://management.core.windows.net/",
                "https://management.azure.com/",
                format!("{base}/"),
            ],
            "tenant": "common",
            "identityProvider": "AAD",
        },
        "media": "https://rest.media.azure.net",
        "graphAudience": "https://graph.windows.net/",
        "graph": "https://graph.windows.net/",
        "name": "AzureCloud",
        "suffixes": {
            "azureDataLakeStoreFileSystem": "azuredatalakestore.net",
            "acrLoginServer": "azurecr.io",
            "sqlServerHostname": "database.windows.net",
            "azureDataLakeAnalyticsCatalogAndJob": "azuredatalakeanalytics.net",
            "keyVaultDns": "vault.azure.net",
            "storage": "core.windows.net",
            "azureFrontDoorEndpointSuffix": "azurefd.net",
            "storageSyncEndpointSuffix": "afs.azure.net",
            "mhsmDns": "managedhsm.azure.net",
            "mysqlServerEndpoint": "mysql.database.azure.com",
            "postgresqlServerEndpoint": "postgres.database.azure.com",
            "mariadbServerEndpoint": "mariadb.database.azure.com",
            "synapseAnalytics": "dev.azuresynapse.net",
            "attestationEndpoint": "attest.azure.net",
        },
        "batch": "https://batch.core.windows.net/",
        "resourceManager": format!("{base}/"),
        "vmImageAliasDoc": "https://raw.githubusercontent.com/Azure/azure-rest-api-specs/main/arm-compute/quickstart-templates/aliases.json",
        "activeDirectoryDataLake": "https://datalake.azure.net/",
        "sqlManagement": "https://management.core.windows.net:8443/",
        "microsoftGraphResourceId": "https://graph.microsoft.com/",
        "appInsightsResourceId": "https://api.applicationinsights.io",
        "appInsightsTelemetryChannelResourceId": "https://dc.applicationinsights.azure.com/v2/track",
        "attestationResourceId": "https://attest.azure.net",
        "synapseAnalyticsResourceId": "https://dev.azuresynapse.net",
        "logAnalyticsResourceId": "https://api.loganalytics.io",
        "ossrDbmsResourceId": "https://ossrdbms-aad.database.windows.net",
        "emulatorHost": host,
    });
    Reply::json(200, json!([cloud]))
}

fn aad_error(status: u16, error: &str, code: u32, text: &str) -> Reply {
    let trace = uuid::Uuid::new_v4().to_string();
    let corr = uuid::Uuid::new_v4().to_string();
    let ts = crate::state::now_rfc3339();
    Reply::json(
        status,
        json!({
            "error": error,
            "error_description": format!("AADSTS{code}: {text} Trace ID: {trace} Correlation ID: {corr} Timestamp: {ts}"),
            "error_codes": [code],
            "timestamp": ts,
            "trace_id": trace,
            "correlation_id": corr,
            "error_uri": format!("https://login.microsoftonline.com/error?code={code}"),
        }),
    )
}

/// Mints a JWT-shaped access token and remembers it.
pub fn mint(app: &App, aud: &str) -> (String, i64) {
    let now = now_unix();
    let exp = now + TOKEN_TTL;
    let header = json!({"typ": "JWT", "alg": "RS256", "kid": "aml-arm-emulator"});
    let claims = json!({
        "aud": aud,
        "iss": format!("https://sts.windows.net/{}/", ids::TENANT_ID),
        "iat": now, "nbf": now, "exp": exp,
        "appid": ids::CLIENT_ID,
        "oid": ids::OBJECT_ID,
        "sub": ids::OBJECT_ID,
        "tid": ids::TENANT_ID,
        "idtyp": "app",
        "ver": "1.0",
        "jti": uuid::Uuid::new_v4().to_string(),
    });
    let sig: Vec<u8> = uuid::Uuid::new_v4()
        .as_bytes()
        .iter()
        .chain(uuid::Uuid::new_v4().as_bytes().iter())
        .copied()
        .collect();
    let token = format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        URL_SAFE_NO_PAD.encode(sig)
    );
    let mut t = app.tokens.write().unwrap_or_else(|e| e.into_inner());
    if t.len() > 100_000 {
        t.retain(|_, e| *e > now);
    }
    t.insert(token.clone(), exp);
    (token, exp)
}

fn decode_jwt_claims(jwt: &str) -> Option<Value> {
    let mut parts = jwt.split('.');
    let _h = parts.next()?;
    let p = parts.next()?;
    parts.next()?;
    let bytes = URL_SAFE_NO_PAD.decode(p.trim_end_matches('=')).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// `POST /{tenant}/oauth2/v2.0/token` and `POST /{tenant}/oauth2/token`.
pub fn token(app: &App, tenant: &str, v1: bool, body: &[u8]) -> Reply {
    let form: HashMap<String, String> = url::form_urlencoded::parse(body).into_owned().collect();
    if !tenant.eq_ignore_ascii_case(ids::TENANT_ID) {
        return aad_error(
            400,
            "invalid_request",
            90002,
            &format!("Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant."),
        );
    }
    match form.get("grant_type").map(String::as_str) {
        Some("client_credentials") => {}
        Some(other) => {
            return aad_error(
                400,
                "unsupported_grant_type",
                70003,
                &format!("The app requested an unsupported grant type '{other}'."),
            )
        }
        None => {
            return aad_error(
                400,
                "invalid_request",
                900144,
                "The request body must contain the following parameter: 'grant_type'.",
            )
        }
    }
    let Some(client_id) = form.get("client_id") else {
        return aad_error(
            400,
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'client_id'.",
        );
    };
    let aud = if v1 {
        match form.get("resource") {
            Some(r) => r.clone(),
            None => {
                return aad_error(
                    400,
                    "invalid_request",
                    900144,
                    "The request body must contain the following parameter: 'resource'.",
                )
            }
        }
    } else {
        match form.get("scope") {
            Some(s) => s
                .split_whitespace()
                .next()
                .unwrap_or("")
                .trim_end_matches(".default")
                .to_string(),
            None => {
                return aad_error(
                    400,
                    "invalid_request",
                    900144,
                    "The request body must contain the following parameter: 'scope'.",
                )
            }
        }
    };
    if !client_id.eq_ignore_ascii_case(ids::CLIENT_ID) {
        return aad_error(
            401,
            "invalid_client",
            700016,
            &format!("Application with identifier '{client_id}' was not found in the directory '{tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant."),
        );
    }
    if let Some(secret) = form.get("client_secret") {
        if secret != ids::CLIENT_SECRET {
            return aad_error(
                401,
                "invalid_client",
                7000215,
                &format!("Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{client_id}'."),
            );
        }
    } else if let Some(assertion) = form.get("client_assertion") {
        if form.get("client_assertion_type").map(String::as_str)
            != Some("urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
        {
            return aad_error(
                400,
                "invalid_request",
                700023,
                "Invalid client_assertion_type; expected 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'.",
            );
        }
        let Some(claims) = decode_jwt_claims(assertion) else {
            return aad_error(
                401,
                "invalid_client",
                50027,
                "JWT token is invalid or malformed.",
            );
        };
        let iss = claims.get("iss").and_then(Value::as_str).unwrap_or("");
        let sub = claims.get("sub").and_then(Value::as_str).unwrap_or("");
        let auds: Vec<String> = match claims.get("aud") {
            Some(Value::String(s)) => vec![s.clone()],
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect(),
            _ => Vec::new(),
        };
        let exp = claims.get("exp").and_then(Value::as_i64);
        if exp.map(|e| e < now_unix()).unwrap_or(false) {
            return aad_error(
                401,
                "invalid_client",
                700024,
                "Client assertion is not within its valid time range.",
            );
        }
        let cert_style = iss.eq_ignore_ascii_case(client_id)
            && sub.eq_ignore_ascii_case(client_id)
            && auds
                .iter()
                .any(|a| a.contains("/oauth2/") || a.contains("login"));
        let federated = !iss.is_empty()
            && auds
                .iter()
                .any(|a| a.eq_ignore_ascii_case("api://AzureADTokenExchange"));
        if !(cert_style || federated) {
            return aad_error(
                401,
                "invalid_client",
                700027,
                "Client assertion failed signature validation or has an unexpected issuer, subject or audience.",
            );
        }
    } else {
        return aad_error(
            401,
            "invalid_client",
            7000218,
            "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
        );
    }
    let aud = if aud.is_empty() {
        "https://management.azure.com/".to_string()
    } else {
        aud
    };
    let (tok, exp) = mint(app, &aud);
    if v1 {
        Reply::json(
            200,
            json!({"token_type": "Bearer", "expires_in": TOKEN_TTL.to_string(), "ext_expires_in": TOKEN_TTL.to_string(),
                   "expires_on": exp.to_string(), "not_before": (exp - TOKEN_TTL).to_string(), "resource": aud, "access_token": tok}),
        )
    } else {
        Reply::json(
            200,
            json!({"token_type": "Bearer", "expires_in": TOKEN_TTL, "ext_expires_in": TOKEN_TTL, "access_token": tok}),
        )
    }
}

/// Managed-identity style token (`/metadata/identity/oauth2/token` with `Metadata: true`, or
/// `/msi/token` with any `X-IDENTITY-HEADER`).
pub fn managed_identity(app: &App, query: &HashMap<String, String>, has_header: bool) -> Reply {
    if !has_header {
        return Reply::json(
            400,
            json!({"error": "invalid_request", "error_description": "Required metadata header not specified"}),
        );
    }
    let resource = query
        .get("resource")
        .cloned()
        .unwrap_or_else(|| "https://management.azure.com/".into());
    let (tok, exp) = mint(app, &resource);
    Reply::json(
        200,
        json!({"access_token": tok, "client_id": ids::CLIENT_ID, "expires_in": TOKEN_TTL.to_string(),
               "expires_on": exp.to_string(), "ext_expires_in": TOKEN_TTL.to_string(),
               "not_before": (exp - TOKEN_TTL).to_string(), "resource": resource, "token_type": "Bearer"}),
    )
}

/// Validates the bearer token of an ARM request.
pub fn check_bearer(app: &App, header: Option<&str>) -> Result<(), ArmError> {
    let www = format!(
        "Bearer authorization_uri=\"{}/{}\", error=\"invalid_token\", error_description=\"The authentication failed because of missing 'Authorization' header.\"",
        app.base(),
        ids::TENANT_ID
    );
    let Some(h) = header else {
        return Err(ArmError::new(
            401,
            "AuthenticationFailed",
            "Authentication failed. The 'Authorization' header is missing.",
        )
        .with_header("WWW-Authenticate", www));
    };
    let Some(tok) = h
        .strip_prefix("Bearer ")
        .or_else(|| h.strip_prefix("bearer "))
    else {
        return Err(ArmError::new(
            401,
            "AuthenticationFailed",
            "Authentication failed. The 'Authorization' header is provided in an invalid format.",
        )
        .with_header("WWW-Authenticate", www));
    };
    let exp = app
        .tokens
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .get(tok.trim())
        .copied();
    match exp {
        None => Err(ArmError::new(
            401,
            "InvalidAuthenticationToken",
            "The access token is invalid.",
        )
        .with_header(
            "WWW-Authenticate",
            www.replace(
                "because of missing 'Authorization' header",
                "because the access token is invalid",
            ),
        )),
        Some(e) if e < now_unix() => Err(ArmError::new(
            401,
            "ExpiredAuthenticationToken",
            "The access token expiry UTC time is earlier than current UTC time.",
        )
        .with_header(
            "WWW-Authenticate",
            www.replace(
                "because of missing 'Authorization' header",
                "because the access token expired",
            ),
        )),
        Some(_) => Ok(()),
    }
}
