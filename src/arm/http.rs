//! The one HTTP client of the provider, and the small transport seam the pipeline talks through.
//!
//! A single `reqwest::Client` (rustls with aws-lc-rs) serves ARM and, through azure_core's
//! `Transport`, the Entra ID token endpoint. It trusts the platform roots, the system CA bundle and
//! the PEM certificates in `SSL_CERT_FILE` (the emulator's self-signed CA arrives that way). It
//! follows no redirect to a non-https URL. The pipeline sends through the [`Transport`] trait so that
//! retry and polling logic can be tested with scripted responses.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use url::Url;

use super::error::ArmError;

/// HTTP method of a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// GET
    Get,
    /// PUT
    Put,
    /// PATCH
    Patch,
    /// DELETE
    Delete,
    /// POST
    Post,
}

impl Method {
    /// The verb as sent on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
            Method::Post => "POST",
        }
    }

    /// GET, PUT, PATCH and DELETE are idempotent on ARM; POST is not.
    pub fn is_idempotent(self) -> bool {
        !matches!(self, Method::Post)
    }
}

/// A request as the transport sees it.
#[derive(Clone, Debug)]
pub struct HttpRequest {
    /// Verb.
    pub method: Method,
    /// Absolute URL.
    pub url: Url,
    /// Header names (lower case) and values.
    pub headers: Vec<(String, String)>,
    /// Body bytes, if any.
    pub body: Option<Vec<u8>>,
}

impl HttpRequest {
    /// A GET without headers.
    pub fn get(url: Url) -> Self {
        HttpRequest {
            method: Method::Get,
            url,
            headers: Vec::new(),
            body: None,
        }
    }
}

/// A response with its body read completely.
#[derive(Clone, Debug, Default)]
pub struct HttpResponse {
    /// Status code.
    pub status: u16,
    /// Header names (lower case) and values.
    pub headers: Vec<(String, String)>,
    /// Body bytes.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// First value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// `x-ms-request-id`, owned.
    pub fn request_id(&self) -> Option<String> {
        self.header("x-ms-request-id").map(str::to_string)
    }

    /// `x-ms-correlation-request-id`, owned.
    pub fn correlation_id(&self) -> Option<String> {
        self.header("x-ms-correlation-request-id")
            .map(str::to_string)
    }

    /// True for 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// The request got no HTTP answer.
#[derive(Clone, Debug)]
pub struct TransportError {
    /// What went wrong, without URL query or headers.
    pub message: String,
    /// True when the connection was never established, so the server cannot have acted on it.
    pub connect: bool,
    /// True when the client itself refused to go on (a redirect to a non-https URL or another
    /// host): asking again gets the same answer, so it is never retried.
    pub refused: bool,
}

/// Sends one request and reads the whole response. Implemented by reqwest in production and by
/// scripted fakes in tests.
#[async_trait]
pub trait Transport: Send + Sync {
    /// Sends `req` once, without retries.
    async fn send(&self, req: HttpRequest) -> Result<HttpResponse, TransportError>;
}

/// Builds the provider's reqwest client: rustls, extra roots, https-only redirects.
pub fn build_reqwest_client(user_agent: &str) -> Result<reqwest::Client, ArmError> {
    let extra = extra_root_certificates()?;
    reqwest::Client::builder()
        .user_agent(user_agent)
        .connect_timeout(Duration::from_secs(30))
        .read_timeout(Duration::from_secs(120))
        .redirect(reqwest::redirect::Policy::custom(|attempt| {
            let from = attempt.previous().first().cloned();
            match redirect_refusal(from.as_ref(), attempt.url()) {
                Some(why) => attempt.error(why),
                None if attempt.previous().len() >= 5 => attempt.stop(),
                None => attempt.follow(),
            }
        }))
        .tls_certs_merge(extra)
        .build()
        .map_err(|e| ArmError::config(format!("building the HTTP client: {e}")))
}

/// Why a redirect from `from` (the request's URL) to `to` is refused, if it is: only https on the
/// same host and port is followed, so that nothing (and no token) travels in clear text or to a
/// host the request was not meant for.
pub(crate) fn redirect_refusal(from: Option<&Url>, to: &Url) -> Option<String> {
    let shown = format!("{}://{}", to.scheme(), to.host_str().unwrap_or(""));
    if to.scheme() != "https" {
        return Some(format!(
            "refusing to follow a redirect to non-https URL {shown}"
        ));
    }
    let same_host = from.is_some_and(|f| {
        f.host_str().map(str::to_ascii_lowercase) == to.host_str().map(str::to_ascii_lowercase)
            && f.port_or_known_default() == to.port_or_known_default()
    });
    (!same_host).then(|| format!("refusing to follow a redirect to another host, {shown}"))
}

/// System CA bundle files we merge in, so `SSL_CERT_FILE` adds to the system roots rather than
/// replacing them (rustls-native-certs uses only `SSL_CERT_FILE` when it is set).
const SYSTEM_BUNDLES: &[&str] = &[
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/ca-bundle.pem",
    "/etc/ssl/cert.pem",
];

fn extra_root_certificates() -> Result<Vec<reqwest::Certificate>, ArmError> {
    let mut certs = Vec::new();
    if let Some(path) = std::env::var_os("SSL_CERT_FILE").filter(|p| !p.is_empty()) {
        let pem = std::fs::read(&path).map_err(|e| {
            ArmError::config(format!(
                "reading SSL_CERT_FILE {}: {e}",
                path.to_string_lossy()
            ))
        })?;
        let found = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
            ArmError::config(format!(
                "parsing SSL_CERT_FILE {}: {e}",
                path.to_string_lossy()
            ))
        })?;
        if found.is_empty() {
            return Err(ArmError::config(format!(
                "SSL_CERT_FILE {} holds no PEM certificate",
                path.to_string_lossy()
            )));
        }
        certs.extend(found);
        if let Some(pem) = SYSTEM_BUNDLES.iter().find_map(|p| std::fs::read(p).ok()) {
            certs.extend(reqwest::Certificate::from_pem_bundle(&pem).unwrap_or_default());
        }
    }
    Ok(certs)
}

/// The production transport.
#[derive(Clone, Debug)]
pub struct ReqwestTransport {
    client: reqwest::Client,
}

impl ReqwestTransport {
    /// Wraps the shared client.
    pub fn new(client: reqwest::Client) -> Arc<Self> {
        Arc::new(ReqwestTransport { client })
    }
}

#[async_trait]
impl Transport for ReqwestTransport {
    async fn send(&self, req: HttpRequest) -> Result<HttpResponse, TransportError> {
        let method = match req.method {
            Method::Get => reqwest::Method::GET,
            Method::Put => reqwest::Method::PUT,
            Method::Patch => reqwest::Method::PATCH,
            Method::Delete => reqwest::Method::DELETE,
            Method::Post => reqwest::Method::POST,
        };
        let mut b = self.client.request(method, req.url);
        for (k, v) in &req.headers {
            b = b.header(k.as_str(), v.as_str());
        }
        if let Some(body) = req.body {
            b = b.body(body);
        }
        let resp = b.send().await.map_err(|e| TransportError {
            message: describe_reqwest_error(&e),
            connect: e.is_connect(),
            refused: e.is_redirect(),
        })?;
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .filter_map(|(k, v)| Some((k.as_str().to_string(), v.to_str().ok()?.to_string())))
            .collect();
        let body = resp.bytes().await.map_err(|e| TransportError {
            message: format!("reading the response body: {}", describe_reqwest_error(&e)),
            connect: false,
            refused: false,
        })?;
        Ok(HttpResponse {
            status,
            headers,
            body: body.to_vec(),
        })
    }
}

/// The error chain of a reqwest error, without the URL (which may carry query secrets).
fn describe_reqwest_error(e: &reqwest::Error) -> String {
    let mut parts = Vec::new();
    let mut src: Option<&dyn std::error::Error> = Some(e);
    while let Some(s) = src {
        parts.push(s.to_string());
        src = s.source();
    }
    let mut msg = parts.join(": ");
    if let Some(url) = e.url() {
        msg = msg.replace(
            url.as_str(),
            &format!(
                "{}://{}{}",
                url.scheme(),
                url.host_str().unwrap_or(""),
                url.path()
            ),
        );
    }
    msg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_lookup_is_case_insensitive() {
        let r = HttpResponse {
            status: 200,
            headers: vec![
                ("x-ms-request-id".into(), "abc".into()),
                ("Retry-After".into(), "5".into()),
            ],
            body: vec![],
        };
        assert_eq!(r.header("X-MS-Request-Id"), Some("abc"));
        assert_eq!(r.header("retry-after"), Some("5"));
        assert_eq!(r.request_id().as_deref(), Some("abc"));
        assert!(r.is_success());
    }

    #[test]
    fn idempotent_verbs() {
        for (m, want) in [
            (Method::Get, true),
            (Method::Put, true),
            (Method::Patch, true),
            (Method::Delete, true),
            (Method::Post, false),
        ] {
            assert_eq!(m.is_idempotent(), want, "{m:?}");
        }
    }

    #[test]
    fn redirects_only_to_https_on_the_same_host() {
        let u = |s: &str| Url::parse(s).unwrap();
        let from = u("https://management.azure.com/subscriptions/s?api-version=1");
        let cases = [
            ("https://management.azure.com/other", None),
            ("https://MANAGEMENT.azure.com:443/other", None),
            ("http://management.azure.com/x", Some("non-https")),
            ("https://evil.example/x", Some("another host")),
            ("https://management.azure.com:8443/x", Some("another host")),
        ];
        for (to, want) in cases {
            let got = redirect_refusal(Some(&from), &u(to));
            match want {
                None => assert_eq!(got, None, "{to}"),
                Some(w) => assert!(
                    got.as_deref().is_some_and(|g| g.contains(w)),
                    "{to}: {got:?}"
                ),
            }
        }
        assert!(redirect_refusal(None, &u("https://a.example/")).is_some());
    }

    #[test]
    fn client_builds_with_rustls() {
        build_reqwest_client("test").unwrap();
    }
}
