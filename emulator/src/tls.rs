//! TLS material. A fresh self-signed CA is generated at every start (rcgen, aws-lc-rs) and
//! written as PEM so clients can trust it via `SSL_CERT_FILE`; the server certificate is signed
//! by that CA with SANs `localhost` and `127.0.0.1`.

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::sync::Arc;

/// Generated TLS material.
pub struct TlsMaterial {
    /// CA certificate, PEM.
    pub ca_pem: String,
    /// rustls server configuration (h2 and http/1.1).
    pub server_config: Arc<rustls::ServerConfig>,
}

/// Generates the CA and the server certificate and builds the rustls configuration.
/// `extra_ip` is added to the SANs when the server listens on another loopback address.
pub fn generate(extra_ip: Option<std::net::IpAddr>) -> Result<TlsMaterial, String> {
    let err = |e: rcgen::Error| format!("certificate generation failed: {e}");
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(err)?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "aml-arm-emulator local CA");
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_key = KeyPair::generate().map_err(err)?;
    let ca_cert = ca_params.self_signed(&ca_key).map_err(err)?;
    let issuer = Issuer::from_params(&ca_params, &ca_key);

    let mut sans = vec!["localhost".to_string(), "127.0.0.1".to_string()];
    if let Some(ip) = extra_ip {
        if ip.to_string() != "127.0.0.1" {
            sans.push(ip.to_string());
        }
    }
    let mut params = CertificateParams::new(sans).map_err(err)?;
    params
        .distinguished_name
        .push(DnType::CommonName, "aml-arm-emulator");
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    let key = KeyPair::generate().map_err(err)?;
    let cert = params.signed_by(&key, &issuer).map_err(err)?;

    let chain: Vec<CertificateDer<'static>> = vec![cert.der().clone(), ca_cert.der().clone()];
    let key_der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut cfg = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("tls config: {e}"))?
        .with_no_client_auth()
        .with_single_cert(chain, key_der)
        .map_err(|e| format!("tls config: {e}"))?;
    cfg.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(TlsMaterial {
        ca_pem: ca_cert.pem(),
        server_config: Arc::new(cfg),
    })
}
