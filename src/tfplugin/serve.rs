//! How the provider process starts, authenticates and serves: go-plugin's side of the contract.
//!
//! Terraform runs the binary with a magic cookie, the protocol versions it speaks and its client
//! certificate in the environment, reads one handshake line from stdout
//! (`1|5|tcp|127.0.0.1:PORT|grpc|<server cert>`), dials that address with mutual TLS and calls the
//! `tfplugin5.Provider` service, then `plugin.GRPCController/Shutdown` at the end of each phase.
//! Everything here follows `shared/protocol/tfplugin5-facts.md` §2; the provider itself is any
//! implementation of the generated `Provider` trait.

#![deny(clippy::print_stdout, clippy::print_stderr)]

use std::ffi::OsString;
use std::io::Write as _;
use std::net::SocketAddr;
use std::pin::Pin;
use std::process::ExitCode;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures::{Stream, StreamExt as _};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};
use tonic::transport::server::{Connected, TcpConnectInfo};
use tonic::{Request, Response, Status};

use super::logging;
use super::proto::plugin::grpc_controller_server::{GrpcController, GrpcControllerServer};
use super::proto::plugin::grpc_stdio_server::{GrpcStdio, GrpcStdioServer};
use super::proto::plugin::{Empty, StdioData};
use super::proto::tfplugin5::provider_server::{Provider, ProviderServer};
use super::tls;

/// The environment variable go-plugin servers check before serving, and Terraform's value for it.
pub const MAGIC_COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";
/// Terraform's magic cookie value.
pub const MAGIC_COOKIE_VALUE: &str =
    "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";
/// The plugin protocol major version this provider speaks.
pub const PROTOCOL_VERSION: u32 = 5;
/// The minor version of `proto/tfplugin5.proto` (5.8, Terraform 1.11); not negotiated.
pub const PROTOCOL_MINOR_VERSION: u32 = 8;
/// The oldest Terraform this provider supports: the first with protocol 5.8, and the one the
/// end-to-end tests run.
pub const MIN_TERRAFORM_VERSION: &str = "1.11";
/// The largest message accepted or sent, as terraform-plugin-go allows (tonic's default is 4 MiB).
pub const MAX_MESSAGE_SIZE: usize = 256 << 20;

/// How long a TLS handshake may take before the connection is dropped.
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a graceful stop may wait for open calls after Shutdown; Terraform kills at 2 s.
const GRACEFUL_STOP_LIMIT: Duration = Duration::from_millis(1200);

/// What the binary says about itself: names and version.
#[derive(Debug, Clone, Copy)]
pub struct PluginMeta {
    /// The provider's source address, e.g. `registry.terraform.io/secure-ml/aml`.
    pub provider_address: &'static str,
    /// The executable's name, e.g. `terraform-provider-aml`.
    pub binary_name: &'static str,
    /// The provider's version, e.g. `0.1.0`.
    pub version: &'static str,
}

/// Runs the binary: parses the command line, then either prints version or help, or serves
/// `provider` as a plugin (for Terraform, or in `--debug` mode for a reattaching Terraform).
/// Returns the process exit code; failures are explained on stderr and yield 1.
pub fn run<P: Provider>(provider: P, meta: PluginMeta) -> ExitCode {
    let mode = match Mode::from_args(std::env::args_os().skip(1)) {
        Ok(mode) => mode,
        Err(message) => {
            write_stderr(&format!(
                "{}: {message}\n\n{}",
                meta.binary_name,
                usage(&meta)
            ));
            return ExitCode::from(1);
        }
    };
    match mode {
        Mode::Version => {
            write_stdout(&version_line(&meta)).map_or(ExitCode::from(1), |()| ExitCode::SUCCESS)
        }
        Mode::Help => write_stdout(&usage(&meta)).map_or(ExitCode::from(1), |()| ExitCode::SUCCESS),
        Mode::Plugin | Mode::Debug => {
            logging::init(logging::level_from_env());
            logging::install_panic_hook();
            let debug = mode == Mode::Debug;
            if !debug && std::env::var(MAGIC_COOKIE_KEY).as_deref() != Ok(MAGIC_COOKIE_VALUE) {
                write_stderr(&not_a_command(&meta));
                return ExitCode::from(1);
            }
            match serve_blocking(provider, meta, debug) {
                Ok(()) => ExitCode::SUCCESS,
                Err(error) => {
                    tracing::error!(%error, "the provider could not serve");
                    write_stderr(&format!("{}: {error}\n", meta.binary_name));
                    ExitCode::from(1)
                }
            }
        }
    }
}

/// What the command line asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// No arguments: serve Terraform (requires the magic cookie).
    Plugin,
    /// `--debug`: serve plaintext and print `TF_REATTACH_PROVIDERS` for the user.
    Debug,
    /// `--version` / `-v`.
    Version,
    /// `--help` / `-h`.
    Help,
}

impl Mode {
    fn from_args(args: impl Iterator<Item = OsString>) -> Result<Self, String> {
        let mut mode = Mode::Plugin;
        for arg in args {
            mode = match arg.to_str() {
                Some("--debug") => Mode::Debug,
                Some("--version" | "-v" | "version") => Mode::Version,
                Some("--help" | "-h" | "help") => Mode::Help,
                _ => return Err(format!("unknown argument {arg:?}")),
            };
        }
        Ok(mode)
    }
}

/// Why serving failed.
#[derive(Debug, thiserror::Error)]
enum ServeError {
    #[error("starting the async runtime: {0}")]
    Runtime(std::io::Error),
    #[error("listening on 127.0.0.1: {0}")]
    Listen(std::io::Error),
    #[error(transparent)]
    Tls(#[from] tls::TlsError),
    #[error("writing the handshake (or reattach settings) to stdout: {0}")]
    Stdout(std::io::Error),
    #[error("installing the SIGINT handler: {0}")]
    Signal(std::io::Error),
    #[error("serving gRPC: {0}")]
    Serve(#[from] tonic::transport::Error),
}

fn serve_blocking<P: Provider>(
    provider: P,
    meta: PluginMeta,
    debug: bool,
) -> Result<(), ServeError> {
    tls::install_crypto_provider();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("provider")
        .build()
        .map_err(ServeError::Runtime)?;
    let result = runtime.block_on(serve(provider, meta, debug));
    // Do not wait for stray tasks (e.g. a provider call the client gave up on) beyond a moment.
    runtime.shutdown_timeout(Duration::from_millis(100));
    result
}

async fn serve<P: Provider>(
    provider: P,
    meta: PluginMeta,
    debug_mode: bool,
) -> Result<(), ServeError> {
    let shutdown = Shutdown::new();
    watch_interrupts(shutdown.clone(), debug_mode)?;

    let tls = if debug_mode {
        None
    } else {
        check_protocol_versions();
        tls_from_env()?
    };
    let listener = TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, 0))
        .await
        .map_err(ServeError::Listen)?;
    let address = listener.local_addr().map_err(ServeError::Listen)?;

    let (health, health_service) = tonic_health::server::health_reporter();
    health
        .set_service_status("plugin", tonic_health::ServingStatus::Serving)
        .await;
    let router = tonic::transport::Server::builder()
        .add_service(
            ProviderServer::new(provider)
                .max_decoding_message_size(MAX_MESSAGE_SIZE)
                .max_encoding_message_size(MAX_MESSAGE_SIZE),
        )
        .add_service(GrpcControllerServer::new(Controller {
            shutdown: shutdown.clone(),
        }))
        .add_service(GrpcStdioServer::new(Stdio {
            shutdown: shutdown.clone(),
        }))
        .add_service(health_service);
    let acceptor = tls
        .as_ref()
        .map(|(_, config)| tokio_rustls::TlsAcceptor::from(Arc::clone(config)));
    let incoming = accept_connections(listener, acceptor);
    let server = router.serve_with_incoming_shutdown(incoming, shutdown.clone().wait());

    let announcement = if debug_mode {
        reattach_message(&meta, address)
    } else {
        handshake_line(address, tls.as_ref().map(|(identity, _)| &identity.cert))
    };
    write_stdout(&announcement).map_err(ServeError::Stdout)?;
    tracing::info!(%address, tls = tls.is_some(), debug_mode, version = meta.version, "serving");

    let deadline = async {
        shutdown.wait().await;
        tokio::time::sleep(GRACEFUL_STOP_LIMIT).await;
    };
    tokio::select! {
        result = server => result?,
        () = deadline => tracing::warn!("open calls did not finish after Shutdown; exiting anyway"),
    }
    tracing::debug!("stopped");
    Ok(())
}

/// The handshake line: `1|5|tcp|ADDRESS|grpc|CERT\n`, with an empty CERT without TLS.
fn handshake_line(
    address: SocketAddr,
    cert: Option<&rustls::pki_types::CertificateDer<'_>>,
) -> String {
    let cert = cert.map(tls::handshake_field).unwrap_or_default();
    format!("1|{PROTOCOL_VERSION}|tcp|{address}|grpc|{cert}\n")
}

/// Logs when Terraform does not offer protocol 5 in `PLUGIN_PROTOCOL_VERSIONS` (a comma list).
/// The answer is 5 anyway, as go-plugin answers with its own version and lets the client report
/// the mismatch ("Incompatible API version with plugin").
fn check_protocol_versions() {
    let versions = std::env::var("PLUGIN_PROTOCOL_VERSIONS").unwrap_or_default();
    let offered = versions
        .split(',')
        .any(|v| v.trim().parse() == Ok(PROTOCOL_VERSION));
    if !offered && !versions.is_empty() {
        tracing::warn!(%versions, "Terraform did not offer protocol 5; answering 5 anyway");
    }
}

/// Reads the TLS settings Terraform passes: `None` (plaintext) when `TF_DISABLE_PLUGIN_TLS` is set
/// or there is no client certificate, else a fresh server identity and its rustls configuration.
fn tls_from_env() -> Result<Option<(tls::Identity, Arc<rustls::ServerConfig>)>, ServeError> {
    let disabled = std::env::var_os("TF_DISABLE_PLUGIN_TLS").is_some_and(|v| !v.is_empty());
    let client_pem = std::env::var("PLUGIN_CLIENT_CERT").unwrap_or_default();
    if disabled || client_pem.trim().is_empty() {
        tracing::info!(disabled, "serving without TLS");
        return Ok(None);
    }
    let client = tls::ClientCertificate::from_pem(&client_pem)?;
    let identity = tls::self_signed(tls::SERVER_CERT_ALGORITHM)?;
    let config = tls::server_config(&identity, client)?;
    Ok(Some((identity, Arc::new(config))))
}

/// The stream of accepted connections tonic serves. TLS handshakes run in their own tasks, so a
/// slow or failing client delays or drops only its own connection, never the server.
fn accept_connections(
    listener: TcpListener,
    acceptor: Option<tokio_rustls::TlsAcceptor>,
) -> impl Stream<Item = Result<Connection, std::io::Error>> {
    let (sender, receiver) = mpsc::channel::<Connection>(16);
    tokio::spawn(async move {
        loop {
            let accepted = tokio::select! {
                accepted = listener.accept() => accepted,
                () = sender.closed() => break,
            };
            let (stream, peer) = match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Typically out of file descriptors: wait instead of spinning.
                    tracing::warn!(%error, "accepting a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            let _ = stream.set_nodelay(true);
            let Some(acceptor) = acceptor.clone() else {
                let _ = sender.send(Connection::Plain(stream)).await;
                continue;
            };
            let sender = sender.clone();
            tokio::spawn(async move {
                match tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                    Ok(Ok(stream)) => {
                        let _ = sender.send(Connection::Tls(Box::new(stream))).await;
                    }
                    Ok(Err(error)) => {
                        tracing::warn!(%peer, %error, "TLS handshake failed; connection dropped");
                    }
                    Err(_) => tracing::warn!(%peer, "TLS handshake timed out; connection dropped"),
                }
            });
        }
    });
    futures::stream::unfold(receiver, |mut receiver| async move {
        let connection = receiver.recv().await?;
        Some((Ok(connection), receiver))
    })
}

/// An accepted connection, with or without TLS.
enum Connection {
    Plain(TcpStream),
    Tls(Box<tokio_rustls::server::TlsStream<TcpStream>>),
}

impl Connected for Connection {
    type ConnectInfo = TcpConnectInfo;

    fn connect_info(&self) -> TcpConnectInfo {
        match self {
            Connection::Plain(stream) => stream.connect_info(),
            Connection::Tls(stream) => stream.get_ref().0.connect_info(),
        }
    }
}

impl AsyncRead for Connection {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Connection::Plain(stream) => Pin::new(stream).poll_read(cx, buf),
            Connection::Tls(stream) => Pin::new(stream.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Connection {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Connection::Plain(stream) => Pin::new(stream).poll_write(cx, buf),
            Connection::Tls(stream) => Pin::new(stream.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Connection::Plain(stream) => Pin::new(stream).poll_write_vectored(cx, bufs),
            Connection::Tls(stream) => Pin::new(stream.as_mut()).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Connection::Plain(stream) => stream.is_write_vectored(),
            Connection::Tls(stream) => stream.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Connection::Plain(stream) => Pin::new(stream).poll_flush(cx),
            Connection::Tls(stream) => Pin::new(stream.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Connection::Plain(stream) => Pin::new(stream).poll_shutdown(cx),
            Connection::Tls(stream) => Pin::new(stream.as_mut()).poll_shutdown(cx),
        }
    }
}

/// The process-wide stop request: set by `GRPCController.Shutdown` (or Ctrl-C in debug mode),
/// awaited by the server and by open StreamStdio streams.
#[derive(Clone)]
struct Shutdown(Arc<watch::Sender<bool>>);

impl Shutdown {
    fn new() -> Self {
        Self(Arc::new(watch::Sender::new(false)))
    }

    fn trigger(&self) {
        self.0.send_replace(true);
    }

    async fn wait(self) {
        let mut receiver = self.0.subscribe();
        // An error means the sender is gone, which cannot happen while `self` holds it.
        let _ = receiver.wait_for(|stopped| *stopped).await;
    }
}

/// Ignores SIGINT (Ctrl-C) for the life of the process, as go-plugin servers do: Terraform shares
/// the terminal's process group and sends the `Stop` RPC instead. In debug mode Ctrl-C stops.
fn watch_interrupts(shutdown: Shutdown, debug: bool) -> Result<(), ServeError> {
    #[cfg(unix)]
    let mut interrupts = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())
        .map_err(ServeError::Signal)?;
    #[cfg(windows)]
    let mut interrupts = tokio::signal::windows::ctrl_c().map_err(ServeError::Signal)?;
    tokio::spawn(async move {
        while interrupts.recv().await.is_some() {
            if debug {
                tracing::info!("interrupted; stopping");
                shutdown.trigger();
            } else {
                tracing::debug!("ignoring SIGINT; Terraform sends Stop instead");
            }
        }
    });
    Ok(())
}

/// `plugin.GRPCController`: Terraform's Close() calls Shutdown and kills the process 2 s later.
struct Controller {
    shutdown: Shutdown,
}

#[tonic::async_trait]
impl GrpcController for Controller {
    async fn shutdown(&self, _request: Request<Empty>) -> Result<Response<Empty>, Status> {
        tracing::debug!("Shutdown requested");
        self.shutdown.trigger();
        Ok(Response::new(Empty {}))
    }
}

/// `plugin.GRPCStdio`: the stream stays open and silent until shutdown (Terraform logs anything
/// sent on it as "unexpected data"; logs go to stderr instead).
struct Stdio {
    shutdown: Shutdown,
}

#[tonic::async_trait]
impl GrpcStdio for Stdio {
    type StreamStdioStream = Pin<Box<dyn Stream<Item = Result<StdioData, Status>> + Send>>;

    async fn stream_stdio(
        &self,
        _request: Request<()>,
    ) -> Result<Response<Self::StreamStdioStream>, Status> {
        let stopped = self.shutdown.clone().wait();
        let silent = futures::stream::once(stopped).filter_map(|()| futures::future::ready(None));
        Ok(Response::new(Box::pin(silent)))
    }
}

/// What `--debug` prints: how to point Terraform at this process.
fn reattach_message(meta: &PluginMeta, address: SocketAddr) -> String {
    let reattach = serde_json::json!({
        meta.provider_address: {
            "Protocol": "grpc",
            "ProtocolVersion": PROTOCOL_VERSION,
            "Pid": std::process::id(),
            "Test": true,
            "Addr": { "Network": "tcp", "String": address.to_string() },
        }
    });
    format!(
        "{name} {version} is serving in debug mode on {address} (plaintext).\n\
         To attach Terraform, set this environment variable in the shell that runs Terraform:\n\
         \n\
         \tTF_REATTACH_PROVIDERS='{reattach}'\n\
         \n\
         Terraform reuses this process for every command and never stops it; press Ctrl-C to stop.\n",
        name = meta.binary_name,
        version = meta.version,
    )
}

/// What `--version` prints: the version and the plugin protocol.
fn version_line(meta: &PluginMeta) -> String {
    format!(
        "{} {} (plugin protocol {PROTOCOL_VERSION}.{PROTOCOL_MINOR_VERSION})\n",
        meta.binary_name, meta.version
    )
}

/// What a person running the binary by hand is told.
fn not_a_command(meta: &PluginMeta) -> String {
    format!(
        "This binary is a plugin: {name} {version}, the Terraform provider {address}.\n\
         It is not meant to be executed directly; Terraform starts it and talks to it over gRPC.\n\
         \n{usage}",
        name = meta.binary_name,
        version = meta.version,
        address = meta.provider_address,
        usage = usage(meta),
    )
}

/// The help text.
fn usage(meta: &PluginMeta) -> String {
    let PluginMeta {
        provider_address,
        binary_name,
        version,
    } = meta;
    let (host, rest) = provider_address
        .split_once('/')
        .unwrap_or(("", provider_address));
    let os_arch = format!("{}_{}", std::env::consts::OS, go_arch());
    format!(
        "Usage: {binary_name} [--debug | --version | --help]\n\
         \n\
         To use it, install it where Terraform looks for providers, e.g. a filesystem mirror:\n\
         \n\
         \tDIR/{host}/{rest}/{version}/{os_arch}/{binary_name}_v{version}\n\
         \n\
         then run `terraform init -plugin-dir=DIR`, or list DIR in a `filesystem_mirror` block of\n\
         the CLI configuration (~/.terraformrc), with `source = \"{rest}\"` in required_providers.\n\
         \n\
         --debug    serve without Terraform starting the process, for a debugger: prints a\n\
         \x20          TF_REATTACH_PROVIDERS value to export before running terraform.\n\
         --version  print the version and the plugin protocol.\n"
    )
}

/// Go's name for the processor architecture, as used in provider package paths.
fn go_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        other => other,
    }
}

/// Writes to stdout and flushes. Stdout belongs to the handshake line; only `--version`, `--help`
/// and `--debug` write anything else, and nothing else in the crate writes to it.
fn write_stdout(text: &str) -> std::io::Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    stdout.flush()
}

/// Writes a human message to stderr.
fn write_stderr(text: &str) {
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_names_the_protocol() {
        let meta = PluginMeta {
            provider_address: "registry.terraform.io/secure-ml/aml",
            binary_name: "terraform-provider-aml",
            version: "1.2.3",
        };
        assert_eq!(
            version_line(&meta),
            "terraform-provider-aml 1.2.3 (plugin protocol 5.8)\n"
        );
    }

    #[test]
    fn arguments_select_the_mode() {
        let cases: [(&[&str], Result<Mode, ()>); 6] = [
            (&[], Ok(Mode::Plugin)),
            (&["--debug"], Ok(Mode::Debug)),
            (&["--version"], Ok(Mode::Version)),
            (&["-h"], Ok(Mode::Help)),
            (&["--help"], Ok(Mode::Help)),
            (&["--frobnicate"], Err(())),
        ];
        for (args, expected) in cases {
            let parsed = Mode::from_args(args.iter().map(OsString::from)).map_err(|_| ());
            assert_eq!(parsed, expected, "{args:?}");
        }
    }

    #[test]
    fn handshake_line_without_tls_ends_with_an_empty_field() {
        let address: SocketAddr = "127.0.0.1:1234".parse().expect("address");
        assert_eq!(
            handshake_line(address, None),
            "1|5|tcp|127.0.0.1:1234|grpc|\n"
        );
    }
}
