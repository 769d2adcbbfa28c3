//! AutoMTLS the way go-plugin does it, on rustls with the aws-lc-rs provider.
//!
//! Terraform starts the provider with its own per-launch client certificate in `PLUGIN_CLIENT_CERT`
//! and expects the provider to answer with a fresh self-signed server certificate in the handshake
//! line; each side then trusts exactly the other's certificate. Both certificates are CA:TRUE, which
//! webpki refuses as an end-entity certificate (`CaUsedAsEndEntity`), and Terraform's is ECDSA P-521,
//! which the *ring* provider cannot verify. So this file builds the rustls `ServerConfig` itself with
//! a client verifier that accepts exactly the certificate Terraform announced, byte for byte, and
//! verifies the handshake signatures with aws-lc-rs (which offers `ecdsa_secp521r1_sha512`).

#![deny(clippy::print_stdout)]

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose, SignatureAlgorithm,
};
use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::{aws_lc_rs, CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{CertificateError, DigitallySignedStruct, ServerConfig, SignatureScheme};

/// The signature algorithm of the provider's own certificate: ECDSA P-256, which every TLS stack
/// (Go's included) verifies.
pub const SERVER_CERT_ALGORITHM: &SignatureAlgorithm = &rcgen::PKCS_ECDSA_P256_SHA256;

/// How long a generated certificate is valid: go-plugin's 262980 hours (about 30 years).
const VALIDITY: Duration = Duration::from_secs(262_980 * 3600);

/// How far in the past a generated certificate becomes valid, for clocks that disagree slightly.
const BACKDATE: Duration = Duration::from_secs(30);

/// Why TLS could not be set up. Each message says what was being done.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// rcgen could not create the key or the certificate.
    #[error("generating the self-signed TLS certificate: {0}")]
    Generate(#[from] rcgen::Error),
    /// `PLUGIN_CLIENT_CERT` is not a PEM certificate.
    #[error("reading PLUGIN_CLIENT_CERT (Terraform's client certificate): {0}")]
    ClientCertPem(String),
    /// `PLUGIN_CLIENT_CERT` is PEM but not an X.509 certificate we can read.
    #[error("reading PLUGIN_CLIENT_CERT (Terraform's client certificate): {0}")]
    ClientCertDer(&'static str),
    /// rustls refused the configuration.
    #[error("building the TLS server configuration: {0}")]
    Config(#[from] rustls::Error),
}

/// A certificate and its private key, serialised once: the DER announced in the handshake line is
/// the DER served in TLS.
pub struct Identity {
    /// The certificate, DER-encoded.
    pub cert: CertificateDer<'static>,
    /// The certificate in PEM form, as Terraform passes its own in `PLUGIN_CLIENT_CERT`.
    pub cert_pem: String,
    /// The private key, PKCS#8 DER.
    pub key: PrivatePkcs8KeyDer<'static>,
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Identity")
            .field("cert", &self.cert)
            .finish_non_exhaustive()
    }
}

/// Generates a fresh key and a self-signed certificate with go-plugin's template: CA:TRUE,
/// KeyUsage DigitalSignature|KeyEncipherment|KeyAgreement|CertSign, EKU serverAuth+clientAuth,
/// SAN DNS `localhost`, `O=terraform-provider-aml, CN=localhost`, valid from 30 s ago for 30 years.
/// Terraform uses the same template with P-521 for its client certificate.
pub fn self_signed(algorithm: &'static SignatureAlgorithm) -> Result<Identity, TlsError> {
    let key_pair = KeyPair::generate_for(algorithm)?;
    let mut params = CertificateParams::new(vec!["localhost".to_owned()])?;
    let mut name = DistinguishedName::new();
    name.push(DnType::OrganizationName, "terraform-provider-aml");
    name.push(DnType::CommonName, "localhost");
    params.distinguished_name = name;
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
        KeyUsagePurpose::KeyAgreement,
        KeyUsagePurpose::KeyCertSign,
    ];
    params.extended_key_usages = vec![
        ExtendedKeyUsagePurpose::ServerAuth,
        ExtendedKeyUsagePurpose::ClientAuth,
    ];
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - BACKDATE;
    params.not_after = now + VALIDITY;
    let cert = params.self_signed(&key_pair)?;
    Ok(Identity {
        cert_pem: cert.pem(),
        cert: cert.der().clone(),
        key: PrivatePkcs8KeyDer::from(key_pair.serialize_der()),
    })
}

/// The sixth field of the handshake line: the certificate's DER in standard base64 without
/// padding (Go's `RawStdEncoding`; padding makes Terraform fail with "illegal base64 data").
pub fn handshake_field(cert: &CertificateDer<'_>) -> String {
    base64::engine::general_purpose::STANDARD_NO_PAD.encode(cert.as_ref())
}

/// Makes aws-lc-rs the process-wide rustls provider, so that nothing in the process (ours or a
/// dependency's `ServerConfig::builder()`) has to guess between providers. Calling it twice is
/// harmless.
pub fn install_crypto_provider() {
    // An error only means a provider is installed already, which is what we want.
    let _ = aws_lc_rs::default_provider().install_default();
}

/// Terraform's client certificate, as announced in `PLUGIN_CLIENT_CERT`.
#[derive(Debug, Clone)]
pub struct ClientCertificate {
    der: CertificateDer<'static>,
    not_before: u64,
    not_after: u64,
}

impl ClientCertificate {
    /// Reads the first PEM certificate of `pem` and its validity period.
    pub fn from_pem(pem: &str) -> Result<Self, TlsError> {
        let der = CertificateDer::from_pem_slice(pem.as_bytes())
            .map_err(|e| TlsError::ClientCertPem(e.to_string()))?;
        Self::from_der(der)
    }

    /// Reads the validity period of the DER certificate `der`.
    pub fn from_der(der: CertificateDer<'static>) -> Result<Self, TlsError> {
        let (not_before, not_after) = validity(&der).ok_or(TlsError::ClientCertDer(
            "the certificate's validity period cannot be read",
        ))?;
        Ok(Self {
            der,
            not_before,
            not_after,
        })
    }

    /// The certificate, DER-encoded.
    pub fn der(&self) -> &CertificateDer<'static> {
        &self.der
    }
}

/// Builds the TLS server configuration: TLS 1.2 and 1.3, ALPN `h2`, the provider's certificate,
/// and mandatory client authentication with exactly `client` accepted.
pub fn server_config(
    identity: &Identity,
    client: ClientCertificate,
) -> Result<ServerConfig, TlsError> {
    let provider = Arc::new(aws_lc_rs::default_provider());
    let verifier = ExactClientCert::new(client, &provider);
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_client_cert_verifier(Arc::new(verifier))
        .with_single_cert(
            vec![identity.cert.clone()],
            PrivateKeyDer::Pkcs8(identity.key.clone_key()),
        )?;
    config.alpn_protocols = vec![b"h2".to_vec()];
    Ok(config)
}

/// A client verifier that accepts one certificate, compared byte for byte, with no chain building.
#[derive(Debug)]
pub struct ExactClientCert {
    expected: ClientCertificate,
    algorithms: WebPkiSupportedAlgorithms,
    hints: Vec<rustls::DistinguishedName>,
}

impl ExactClientCert {
    /// Accepts exactly `expected`, verifying handshake signatures with `provider`'s algorithms.
    pub fn new(expected: ClientCertificate, provider: &CryptoProvider) -> Self {
        // Hint the certificate's own subject, as go-plugin does by making it the only client CA.
        // webpki gives the Name's contents; the hint is the whole DER Name (a SEQUENCE), which Go
        // compares byte for byte with the certificate's issuer before it sends the certificate.
        let hints = webpki::EndEntityCert::try_from(&expected.der)
            .map(|cert| vec![rustls::DistinguishedName::in_sequence(cert.subject())])
            .unwrap_or_default();
        Self {
            expected,
            algorithms: provider.signature_verification_algorithms,
            hints,
        }
    }
}

impl ClientCertVerifier for ExactClientCert {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        true
    }

    fn root_hint_subjects(&self) -> &[rustls::DistinguishedName] {
        &self.hints
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        if end_entity.as_ref() != self.expected.der.as_ref() || !intermediates.is_empty() {
            return Err(CertificateError::UnknownIssuer.into());
        }
        let now = now.as_secs();
        if now < self.expected.not_before {
            return Err(CertificateError::NotValidYet.into());
        }
        if now > self.expected.not_after {
            return Err(CertificateError::Expired.into());
        }
        Ok(ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// Reads `notBefore` and `notAfter` (seconds since the Unix epoch) from a DER certificate.
///
/// webpki keeps the validity private, so this walks the few DER elements in front of it:
/// `Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] version OPTIONAL, serialNumber,
/// signature, issuer, validity SEQUENCE { notBefore, notAfter }, ... }, ... }`.
fn validity(der: &[u8]) -> Option<(u64, u64)> {
    const SEQUENCE: u8 = 0x30;
    let (certificate, _) = der_element(der, SEQUENCE)?;
    let (tbs, _) = der_element(certificate, SEQUENCE)?;
    let mut rest = tbs;
    if rest.first() == Some(&0xa0) {
        rest = der_element(rest, 0xa0)?.1;
    }
    rest = der_element(rest, 0x02)?.1; // serialNumber
    rest = der_element(rest, SEQUENCE)?.1; // signature algorithm
    rest = der_element(rest, SEQUENCE)?.1; // issuer
    let (validity, _) = der_element(rest, SEQUENCE)?;
    let (not_before, rest) = der_time(validity)?;
    let (not_after, _) = der_time(rest)?;
    Some((not_before, not_after))
}

/// Splits one DER element with the given tag off the front of `input`: (contents, rest).
fn der_element(input: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    let (&actual, input) = input.split_first()?;
    if actual != tag {
        return None;
    }
    let (&first, mut input) = input.split_first()?;
    let length = if first < 0x80 {
        usize::from(first)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 || input.len() < count {
            return None;
        }
        let (bytes, rest) = input.split_at(count);
        input = rest;
        bytes.iter().fold(0usize, |n, &b| (n << 8) | usize::from(b))
    };
    (input.len() >= length).then(|| input.split_at(length))
}

/// Reads a UTCTime (`YYMMDDHHMMSSZ`) or GeneralizedTime (`YYYYMMDDHHMMSSZ`) as Unix seconds.
fn der_time(input: &[u8]) -> Option<(u64, &[u8])> {
    let (contents, rest, year_digits) = match input.first()? {
        0x17 => der_element(input, 0x17).map(|(c, r)| (c, r, 2))?,
        0x18 => der_element(input, 0x18).map(|(c, r)| (c, r, 4))?,
        _ => return None,
    };
    let text = std::str::from_utf8(contents).ok()?;
    let digits = text.strip_suffix('Z')?;
    if digits.len() != year_digits + 10 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let number = |from: usize, len: usize| digits[from..from + len].parse::<i32>().ok();
    let mut year = number(0, year_digits)?;
    if year_digits == 2 {
        // RFC 5280: UTCTime years 50-99 are 19xx, 00-49 are 20xx.
        year += if year >= 50 { 1900 } else { 2000 };
    }
    let field = |i: usize| number(year_digits + 2 * i, 2).and_then(|n| u8::try_from(n).ok());
    let month = time::Month::try_from(field(0)?).ok()?;
    let date = time::Date::from_calendar_date(year, month, field(1)?).ok()?;
    let time = time::Time::from_hms(field(2)?, field(3)?, field(4)?).ok()?;
    let seconds = time::PrimitiveDateTime::new(date, time)
        .assume_utc()
        .unix_timestamp();
    Some((u64::try_from(seconds).unwrap_or(0), rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_validity(not_before: time::OffsetDateTime, not_after: time::OffsetDateTime) {
        let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("key");
        let mut params = CertificateParams::new(vec!["localhost".to_owned()]).expect("params");
        params.not_before = not_before;
        params.not_after = not_after;
        let cert = params.self_signed(&key).expect("certificate");
        let expected = (
            u64::try_from(not_before.unix_timestamp()).expect("after 1970"),
            u64::try_from(not_after.unix_timestamp()).expect("after 1970"),
        );
        assert_eq!(validity(cert.der()), Some(expected));
    }

    #[test]
    fn validity_reads_utc_and_generalized_times() {
        use time::macros::datetime;
        check_validity(
            datetime!(2026-11-25 12:00:01 UTC),
            datetime!(2049-12-31 23:59:59 UTC),
        );
        check_validity(
            datetime!(1999-01-02 03:04:05 UTC),
            datetime!(2056-07-08 09:10:11 UTC),
        );
    }

    #[test]
    fn generated_identity_matches_the_template() {
        let identity = self_signed(SERVER_CERT_ALGORITHM).expect("identity");
        let parsed = ClientCertificate::from_pem(&identity.cert_pem).expect("PEM round trip");
        assert_eq!(parsed.der(), &identity.cert);
        let cert = webpki::EndEntityCert::try_from(&identity.cert).expect("X.509");
        assert_eq!(cert.valid_dns_names().collect::<Vec<_>>(), ["localhost"]);
        let now = time::OffsetDateTime::now_utc()
            .unix_timestamp()
            .unsigned_abs();
        assert!(parsed.not_before <= now - 29 && parsed.not_before >= now - 40);
        assert!(parsed.not_after > now + 29 * 365 * 86_400);
        assert!(!handshake_field(&identity.cert).ends_with('='));
    }

    #[test]
    fn garbage_client_certificates_are_refused() {
        assert!(ClientCertificate::from_pem("not a certificate").is_err());
        let pem = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        assert!(ClientCertificate::from_pem(pem).is_err());
    }
}
