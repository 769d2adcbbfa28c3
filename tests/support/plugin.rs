//! A test client that starts the real provider binary and talks to it the way Terraform does:
//! magic cookie, `PLUGIN_PROTOCOL_VERSIONS`, a P-521 CA:TRUE client certificate in
//! `PLUGIN_CLIENT_CERT`, the handshake line on stdout, then gRPC over mutual TLS that trusts exactly
//! the certificate announced in the handshake.

#![allow(dead_code)] // Each test binary that includes this file uses a different part of it.

use std::io::{BufRead as _, BufReader, Read as _};
use std::net::SocketAddr;
use std::pin::Pin;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use base64::Engine as _;
use hyper_util::rt::TokioIo;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{aws_lc_rs, CryptoProvider};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::server::danger::ClientCertVerifier as _;
use rustls::{ClientConfig, DigitallySignedStruct, SignatureScheme};
use terraform_provider_aml::tfplugin::tls::{self, Identity};
use tokio::io::{AsyncRead, AsyncWrite};
use tonic::codegen::Service;
use tonic::transport::{Channel, Endpoint, Uri};

/// The magic cookie Terraform sets.
pub const COOKIE: (&str, &str) = (
    "TF_PLUGIN_MAGIC_COOKIE",
    "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2",
);

/// The error type of the client helpers.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A client certificate made like Terraform's: ECDSA P-521 with SHA-512, self-signed, CA:TRUE.
pub fn terraform_client_identity() -> Identity {
    tls::self_signed(&rcgen::PKCS_ECDSA_P521_SHA512).expect("generating a P-521 client certificate")
}

/// The provider binary under test, with the environment of a test run (no inherited logging).
pub fn command() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_terraform-provider-aml"));
    for name in [
        "TF_LOG",
        "TF_LOG_PROVIDER",
        "TF_DISABLE_PLUGIN_TLS",
        "PLUGIN_CLIENT_CERT",
        "TF_PLUGIN_MAGIC_COOKIE",
        "PLUGIN_PROTOCOL_VERSIONS",
    ] {
        command.env_remove(name);
    }
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// The command Terraform runs: cookie, protocol versions and (if given) the client certificate.
pub fn terraform_command(client: Option<&Identity>) -> Command {
    let mut command = command();
    command
        .env(COOKIE.0, COOKIE.1)
        .env("PLUGIN_PROTOCOL_VERSIONS", "5,6")
        .env("PLUGIN_MIN_PORT", "10000")
        .env("PLUGIN_MAX_PORT", "25000");
    if let Some(client) = client {
        command.env("PLUGIN_CLIENT_CERT", &client.cert_pem);
    }
    command
}

/// A running provider process, its stdout lines and stderr lines as they arrive.
pub struct Plugin {
    child: Child,
    stdout: mpsc::Receiver<String>,
    stdout_seen: Vec<String>,
    stderr: Arc<Mutex<String>>,
}

impl Plugin {
    /// Starts `command` and collects its output in background threads.
    pub fn spawn(mut command: Command) -> Plugin {
        let mut child = command.spawn().expect("starting the provider binary");
        let stdout = child.stdout.take().expect("stdout is piped");
        let (sender, receiver) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        let mut stderr = child.stderr.take().expect("stderr is piped");
        let collected = Arc::new(Mutex::new(String::new()));
        let sink = Arc::clone(&collected);
        std::thread::spawn(move || {
            let mut buffer = [0u8; 4096];
            while let Ok(n) = stderr.read(&mut buffer) {
                if n == 0 {
                    break;
                }
                let text = String::from_utf8_lossy(&buffer[..n]).into_owned();
                sink.lock().expect("stderr lock").push_str(&text);
            }
        });
        Plugin {
            child,
            stdout: receiver,
            stdout_seen: Vec::new(),
            stderr: collected,
        }
    }

    /// Starts the provider as Terraform does and reads its handshake.
    pub fn start(client: Option<&Identity>) -> (Plugin, Handshake) {
        Plugin::start_command(terraform_command(client))
    }

    /// Starts `command` and reads the handshake line it prints.
    pub fn start_command(command: Command) -> (Plugin, Handshake) {
        let mut plugin = Plugin::spawn(command);
        let line = plugin
            .next_stdout_line(Duration::from_secs(30))
            .unwrap_or_else(|| panic!("no handshake line; stderr: {}", plugin.stderr()));
        let handshake = Handshake::parse(&line);
        (plugin, handshake)
    }

    /// The next stdout line, waiting at most `timeout`.
    pub fn next_stdout_line(&mut self, timeout: Duration) -> Option<String> {
        let line = self.stdout.recv_timeout(timeout).ok()?;
        self.stdout_seen.push(line.clone());
        Some(line)
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Everything written to stderr so far.
    pub fn stderr(&self) -> String {
        self.stderr.lock().expect("stderr lock").clone()
    }

    /// The exit status if the process exited within `timeout`.
    pub fn wait_for_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().expect("polling the provider process") {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        self.child
            .try_wait()
            .expect("polling the provider process")
            .is_none()
    }

    /// Sends a signal to the process with `kill(1)`.
    pub fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.pid().to_string())
            .status()
            .expect("running kill");
        assert!(status.success(), "kill -{name} failed");
    }

    /// Every stdout line of the whole session, once the process has exited.
    pub fn all_stdout_lines(mut self) -> Vec<String> {
        assert!(!self.is_running(), "the process must have exited");
        while let Some(line) = self.next_stdout_line(Duration::from_secs(5)) {
            let _ = line;
        }
        std::mem::take(&mut self.stdout_seen)
    }
}

impl Drop for Plugin {
    fn drop(&mut self) {
        if self.is_running() {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

/// The parsed handshake line `CORE|APP|NETWORK|ADDRESS|PROTOCOL|SERVERCERT`.
#[derive(Debug, Clone)]
pub struct Handshake {
    /// The line as printed, without the newline.
    pub line: String,
    /// The six fields.
    pub fields: Vec<String>,
    /// The address to dial.
    pub address: SocketAddr,
    /// The server certificate, when TLS is on.
    pub cert: Option<CertificateDer<'static>>,
}

impl Handshake {
    /// Parses and checks the line the way go-plugin's client does.
    pub fn parse(line: &str) -> Handshake {
        let fields: Vec<String> = line.split('|').map(str::to_owned).collect();
        assert_eq!(fields.len(), 6, "handshake {line:?} must have 6 fields");
        let address = fields[3]
            .parse()
            .unwrap_or_else(|_| panic!("bad address in {line:?}"));
        let cert = (!fields[5].is_empty()).then(|| {
            assert!(
                !fields[5].contains('='),
                "the certificate must not be padded"
            );
            let der = base64::engine::general_purpose::STANDARD_NO_PAD
                .decode(&fields[5])
                .expect("the certificate is standard base64 without padding");
            CertificateDer::from(der)
        });
        Handshake {
            line: line.to_owned(),
            fields,
            address,
            cert,
        }
    }
}

/// How the client side of a connection authenticates.
#[derive(Clone, Copy)]
pub enum ClientTls<'a> {
    /// No TLS at all (TF_DISABLE_PLUGIN_TLS, debug mode).
    Plaintext,
    /// TLS trusting the handshake certificate, without a client certificate.
    Anonymous,
    /// TLS trusting the handshake certificate, presenting `identity`.
    Certificate(&'a Identity),
    /// Like `Certificate`, restricted to TLS 1.2.
    CertificateTls12(&'a Identity),
}

/// Connects a gRPC channel to the plugin as Terraform does: TLS with SNI `localhost`, ALPN `h2`,
/// trusting only the handshake certificate.
pub async fn connect(handshake: &Handshake, client: ClientTls<'_>) -> Result<Channel, BoxError> {
    let tls = match client {
        ClientTls::Plaintext => None,
        ClientTls::Anonymous | ClientTls::Certificate(_) | ClientTls::CertificateTls12(_) => {
            let server = handshake
                .cert
                .clone()
                .ok_or("the handshake carries no certificate")?;
            Some(Arc::new(client_config(server, client)?))
        }
    };
    let connector = Connector {
        address: handshake.address,
        tls,
    };
    let channel = Endpoint::from_static("http://localhost")
        .connect_timeout(Duration::from_secs(10))
        .connect_with_connector(connector)
        .await?;
    Ok(channel)
}

fn client_config(
    server: CertificateDer<'static>,
    client: ClientTls<'_>,
) -> Result<ClientConfig, BoxError> {
    let provider = Arc::new(aws_lc_rs::default_provider());
    let verifier = Arc::new(ExactServerCert::new(server, &provider)?);
    let versions: &[&rustls::SupportedProtocolVersion] = match client {
        ClientTls::CertificateTls12(_) => &[&rustls::version::TLS12],
        _ => rustls::DEFAULT_VERSIONS,
    };
    let builder = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(versions)?
        .dangerous()
        .with_custom_certificate_verifier(verifier);
    let mut config = match client {
        ClientTls::Certificate(identity) | ClientTls::CertificateTls12(identity) => builder
            .with_client_auth_cert(
                vec![identity.cert.clone()],
                PrivateKeyDer::Pkcs8(identity.key.clone_key()),
            )?,
        _ => builder.with_no_client_auth(),
    };
    config.alpn_protocols = vec![b"h2".to_vec()];
    Ok(config)
}

/// Go's client check: the presented certificate is the one from the handshake (its only root),
/// valid for `localhost`, and the handshake signatures verify. The exact-certificate check and the
/// signature verification are the provider's own ([`tls::ExactClientCert`]), used from the client
/// side; only the name check is the client's.
#[derive(Debug)]
struct ExactServerCert(tls::ExactClientCert);

impl ExactServerCert {
    fn new(cert: CertificateDer<'static>, provider: &CryptoProvider) -> Result<Self, BoxError> {
        let expected = tls::ClientCertificate::from_der(cert)?;
        Ok(Self(tls::ExactClientCert::new(expected, provider)))
    }
}

impl ServerCertVerifier for ExactServerCert {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.0.verify_client_cert(end_entity, intermediates, now)?;
        let parsed = webpki::EndEntityCert::try_from(end_entity)
            .map_err(|_| rustls::CertificateError::BadEncoding)?;
        parsed
            .verify_is_valid_for_subject_name(server_name)
            .map_err(|_| rustls::CertificateError::NotValidForName)?;
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

/// Any byte stream tonic can run HTTP/2 over.
trait Io: AsyncRead + AsyncWrite + Send + Unpin {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin> Io for T {}

/// Dials the plugin's address, with or without TLS, whatever URI tonic asks for.
#[derive(Clone)]
struct Connector {
    address: SocketAddr,
    tls: Option<Arc<ClientConfig>>,
}

impl Service<Uri> for Connector {
    type Response = TokioIo<Box<dyn Io>>;
    type Error = BoxError;
    type Future =
        Pin<Box<dyn std::future::Future<Output = Result<Self::Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _uri: Uri) -> Self::Future {
        let this = self.clone();
        Box::pin(async move {
            let tcp = tokio::net::TcpStream::connect(this.address).await?;
            tcp.set_nodelay(true)?;
            let io: Box<dyn Io> = match this.tls {
                None => Box::new(tcp),
                Some(config) => {
                    let name = ServerName::try_from("localhost")?;
                    let stream = tokio_rustls::TlsConnector::from(config)
                        .connect(name, tcp)
                        .await?;
                    Box::new(stream)
                }
            };
            Ok(TokioIo::new(io))
        })
    }
}
