//! Protocol tier: the real binary, started and spoken to the way Terraform 1.11 does (go-plugin
//! handshake, AutoMTLS with a P-521 CA:TRUE client certificate, gRPC), checking the transport
//! contract of `shared/protocol/tfplugin5-facts.md` §2.

#[path = "support/plugin.rs"]
mod plugin;

use std::time::{Duration, Instant};

use plugin::{connect, terraform_client_identity, ClientTls, Plugin};
use terraform_provider_aml::tfplugin::proto::plugin::grpc_controller_client::GrpcControllerClient;
use terraform_provider_aml::tfplugin::proto::plugin::grpc_stdio_client::GrpcStdioClient;
use terraform_provider_aml::tfplugin::proto::plugin::Empty;
use terraform_provider_aml::tfplugin::proto::tfplugin5::provider_client::ProviderClient;
use terraform_provider_aml::tfplugin::proto::tfplugin5::{
    get_provider_schema, validate_resource_type_config, DynamicValue,
};
use tonic::transport::Channel;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::HealthCheckRequest;

/// Terraform's patience between Shutdown and SIGKILL.
const TERRAFORM_EXIT_GRACE: Duration = Duration::from_secs(2);

async fn get_schema(channel: Channel) -> Result<get_provider_schema::Response, tonic::Status> {
    let response = ProviderClient::new(channel)
        .max_decoding_message_size(256 << 20)
        .get_schema(get_provider_schema::Request {})
        .await?;
    Ok(response.into_inner())
}

async fn shutdown(channel: Channel) {
    GrpcControllerClient::new(channel)
        .shutdown(Empty {})
        .await
        .expect("Shutdown answers");
}

#[tokio::test]
async fn handshake_line_has_six_fields_and_the_served_certificate() {
    let client = terraform_client_identity();
    let (plugin, handshake) = Plugin::start(Some(&client));
    assert_eq!(&handshake.fields[..3], ["1", "5", "tcp"]);
    assert_eq!(handshake.fields[4], "grpc");
    assert!(handshake.address.ip().is_loopback());
    assert_ne!(handshake.address.port(), 0);
    let cert = handshake.cert.as_ref().expect("a certificate with TLS on");
    let parsed = webpki::EndEntityCert::try_from(cert).expect("the certificate parses as X.509");
    assert_eq!(parsed.valid_dns_names().collect::<Vec<_>>(), ["localhost"]);
    // The client only accepts the exact certificate it was told about, so connecting at all
    // proves that the served certificate is the announced one.
    let channel = connect(&handshake, ClientTls::Certificate(&client))
        .await
        .expect("mTLS connection");
    get_schema(channel).await.expect("GetSchema over mTLS");
    drop(plugin);
}

#[tokio::test]
async fn stdout_carries_exactly_the_handshake_line_over_a_whole_session() {
    let client = terraform_client_identity();
    let (mut plugin, handshake) = Plugin::start(Some(&client));
    let channel = connect(&handshake, ClientTls::Certificate(&client))
        .await
        .expect("mTLS connection");
    let _stdio = GrpcStdioClient::new(channel.clone())
        .stream_stdio(())
        .await
        .expect("StreamStdio opens");
    get_schema(channel.clone()).await.expect("GetSchema");
    shutdown(channel).await;
    let status = plugin
        .wait_for_exit(TERRAFORM_EXIT_GRACE)
        .expect("exit after Shutdown");
    assert!(status.success());
    assert_eq!(plugin.all_stdout_lines(), [handshake.line]);
}

#[tokio::test]
async fn get_schema_over_mtls_returns_the_provider_schema() {
    let client = terraform_client_identity();
    let (_plugin, handshake) = Plugin::start(Some(&client));
    let channel = connect(&handshake, ClientTls::Certificate(&client))
        .await
        .expect("mTLS connection");
    let schema = get_schema(channel).await.expect("GetSchema over mTLS");
    let block = schema
        .provider
        .and_then(|provider| provider.block)
        .expect("a provider schema block");
    assert!(
        !block.attributes.is_empty(),
        "the provider block declares arguments"
    );
}

#[tokio::test]
async fn tls12_client_with_terraforms_certificate_is_accepted() {
    let client = terraform_client_identity();
    let (_plugin, handshake) = Plugin::start(Some(&client));
    let channel = connect(&handshake, ClientTls::CertificateTls12(&client))
        .await
        .expect("TLS 1.2 connection");
    get_schema(channel).await.expect("GetSchema over TLS 1.2");
}

/// A refused client fails either during the TLS handshake or, with TLS 1.3 where the client
/// finishes first, on its first call.
async fn assert_refused(handshake: &plugin::Handshake, client: ClientTls<'_>) {
    let refused = match connect(handshake, client).await {
        Err(_) => true,
        Ok(channel) => get_schema(channel).await.is_err(),
    };
    assert!(refused, "the client must be refused");
}

#[tokio::test]
async fn client_without_a_certificate_is_refused() {
    let client = terraform_client_identity();
    let (mut plugin, handshake) = Plugin::start(Some(&client));
    assert_refused(&handshake, ClientTls::Anonymous).await;
    // The refusal dropped one connection, not the server.
    let channel = connect(&handshake, ClientTls::Certificate(&client))
        .await
        .expect("mTLS connection after a refused one");
    get_schema(channel)
        .await
        .expect("GetSchema after a refused client");
    assert!(plugin.is_running());
}

#[tokio::test]
async fn client_with_another_certificate_is_refused() {
    let client = terraform_client_identity();
    let stranger = terraform_client_identity();
    let (_plugin, handshake) = Plugin::start(Some(&client));
    assert_refused(&handshake, ClientTls::Certificate(&stranger)).await;
}

#[tokio::test]
async fn disabling_tls_serves_plaintext_with_an_empty_certificate_field() {
    let client = terraform_client_identity();
    let mut command = plugin::terraform_command(Some(&client));
    command.env("TF_DISABLE_PLUGIN_TLS", "1");
    let (_plugin, handshake) = Plugin::start_command(command);
    assert!(handshake.line.ends_with("|grpc|"), "{}", handshake.line);
    assert!(handshake.cert.is_none());
    let channel = connect(&handshake, ClientTls::Plaintext)
        .await
        .expect("plaintext connection");
    get_schema(channel).await.expect("GetSchema in plaintext");
}

#[tokio::test]
async fn protocol_5_is_answered_even_when_not_offered() {
    let client = terraform_client_identity();
    let mut command = plugin::terraform_command(Some(&client));
    command.env("PLUGIN_PROTOCOL_VERSIONS", "6");
    let (_plugin, handshake) = Plugin::start_command(command);
    assert_eq!(handshake.fields[1], "5");
}

#[tokio::test]
async fn without_the_magic_cookie_it_explains_itself_and_exits_1() {
    let mut plugin = Plugin::spawn(plugin::command());
    let status = plugin
        .wait_for_exit(Duration::from_secs(10))
        .expect("exits at once");
    assert_eq!(status.code(), Some(1));
    // Give the reader thread a moment to collect stderr after the exit.
    std::thread::sleep(Duration::from_millis(100));
    let stderr = plugin.stderr();
    for expected in [
        "This binary is a plugin",
        "Terraform",
        "filesystem_mirror",
        "--debug",
    ] {
        assert!(
            stderr.contains(expected),
            "stderr lacks {expected:?}: {stderr}"
        );
    }
    assert!(plugin.all_stdout_lines().is_empty());
}

#[tokio::test]
async fn shutdown_exits_promptly_even_with_an_open_stdio_stream() {
    let client = terraform_client_identity();
    let (mut plugin, handshake) = Plugin::start(Some(&client));
    let channel = connect(&handshake, ClientTls::Certificate(&client))
        .await
        .expect("mTLS connection");
    let mut stdio = GrpcStdioClient::new(channel.clone())
        .stream_stdio(())
        .await
        .expect("StreamStdio opens")
        .into_inner();
    let started = Instant::now();
    shutdown(channel).await;
    let status = plugin
        .wait_for_exit(TERRAFORM_EXIT_GRACE)
        .expect("the process exits within Terraform's 2 s");
    assert_eq!(status.code(), Some(0));
    assert!(started.elapsed() < TERRAFORM_EXIT_GRACE);
    // The stdio stream ended (cleanly or with the connection) and never carried data.
    assert!(!matches!(stdio.message().await, Ok(Some(_))));
}

#[tokio::test]
async fn sigint_is_ignored() {
    let client = terraform_client_identity();
    let (mut plugin, handshake) = Plugin::start(Some(&client));
    plugin.signal("INT");
    std::thread::sleep(Duration::from_millis(200));
    assert!(plugin.is_running(), "SIGINT must not stop the provider");
    let channel = connect(&handshake, ClientTls::Certificate(&client))
        .await
        .expect("mTLS connection after SIGINT");
    get_schema(channel).await.expect("GetSchema after SIGINT");
}

#[tokio::test]
async fn health_reports_plugin_serving_and_stdio_opens() {
    let client = terraform_client_identity();
    let (_plugin, handshake) = Plugin::start(Some(&client));
    let channel = connect(&handshake, ClientTls::Certificate(&client))
        .await
        .expect("mTLS connection");
    let health = HealthClient::new(channel.clone())
        .check(HealthCheckRequest {
            service: "plugin".into(),
        })
        .await
        .expect("health check")
        .into_inner();
    assert_eq!(health.status, ServingStatus::Serving as i32);
    GrpcStdioClient::new(channel)
        .stream_stdio(())
        .await
        .expect("StreamStdio opens");
}

#[tokio::test]
async fn messages_larger_than_4_mib_are_accepted() {
    let client = terraform_client_identity();
    let (_plugin, handshake) = Plugin::start(Some(&client));
    let channel = connect(&handshake, ClientTls::Certificate(&client))
        .await
        .expect("mTLS connection");
    let request = validate_resource_type_config::Request {
        type_name: "aml_does_not_exist".into(),
        config: Some(DynamicValue {
            msgpack: vec![0xc0; 6 << 20],
            json: Vec::new(),
        }),
        ..Default::default()
    };
    // Whatever the provider thinks of the request, it must reach it: a transport limit would show
    // as a ResourceExhausted/OutOfRange status instead of a response.
    ProviderClient::new(channel)
        .max_encoding_message_size(256 << 20)
        .validate_resource_type_config(request)
        .await
        .expect("a 6 MiB request is delivered");
}

#[tokio::test]
async fn tf_log_debug_writes_only_hclog_json_lines_to_stderr() {
    let client = terraform_client_identity();
    let mut command = plugin::terraform_command(Some(&client));
    command.env("TF_LOG", "debug");
    let (mut plugin, handshake) = Plugin::start_command(command);
    let channel = connect(&handshake, ClientTls::Certificate(&client))
        .await
        .expect("mTLS connection");
    get_schema(channel.clone()).await.expect("GetSchema");
    shutdown(channel).await;
    plugin
        .wait_for_exit(TERRAFORM_EXIT_GRACE)
        .expect("exit after Shutdown");
    std::thread::sleep(Duration::from_millis(100));
    let stderr = plugin.stderr();
    assert!(
        stderr.lines().count() >= 2,
        "debug logging produces lines: {stderr}"
    );
    for line in stderr.lines() {
        check_hclog_line(line);
    }
}

/// What go-plugin needs to re-log a line as structured: string `@level` and `@message`, and a
/// timestamp with exactly six fractional digits.
fn check_hclog_line(line: &str) {
    let value: serde_json::Value =
        serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
    let object = value
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {line}"));
    let level = object["@level"].as_str().expect("string @level");
    assert!(
        ["trace", "debug", "info", "warn", "error"].contains(&level),
        "{line}"
    );
    assert!(object["@message"].is_string(), "string @message: {line}");
    assert!(
        object["@module"]
            .as_str()
            .is_some_and(|m| m.starts_with("aml")),
        "{line}"
    );
    let timestamp = object["@timestamp"].as_str().expect("string @timestamp");
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z"
    );
    time::PrimitiveDateTime::parse(timestamp, format)
        .unwrap_or_else(|e| panic!("timestamp {timestamp:?} ({e})"));
    for (key, value) in object {
        assert!(
            value.is_string() || value.is_number() || value.is_boolean(),
            "{key} is a string, number or bool: {line}"
        );
    }
}

#[tokio::test]
async fn debug_mode_prints_reattach_settings_and_serves_plaintext() {
    let mut command = plugin::command();
    command.arg("--debug");
    let mut plugin = Plugin::spawn(command);
    let reattach = loop {
        let line = plugin
            .next_stdout_line(Duration::from_secs(30))
            .unwrap_or_else(|| {
                panic!("no TF_REATTACH_PROVIDERS line; stderr: {}", plugin.stderr())
            });
        if let Some(value) = line.trim().strip_prefix("TF_REATTACH_PROVIDERS='") {
            break value.strip_suffix('\'').expect("closing quote").to_owned();
        }
    };
    let reattach: serde_json::Value = serde_json::from_str(&reattach).expect("reattach JSON");
    let entry = &reattach["registry.terraform.io/secure-ml/aml"];
    assert_eq!(entry["Protocol"], "grpc");
    assert_eq!(entry["ProtocolVersion"], 5);
    assert_eq!(entry["Pid"], plugin.pid());
    assert_eq!(entry["Test"], true);
    assert_eq!(entry["Addr"]["Network"], "tcp");
    let address = entry["Addr"]["String"].as_str().expect("address string");
    let handshake = plugin::Handshake::parse(&format!("1|5|tcp|{address}|grpc|"));
    let channel = connect(&handshake, ClientTls::Plaintext)
        .await
        .expect("plaintext connection in debug mode");
    get_schema(channel.clone())
        .await
        .expect("GetSchema in debug mode");
    get_schema(channel)
        .await
        .expect("a second phase on the same process");
    plugin.signal("INT");
    let status = plugin
        .wait_for_exit(Duration::from_secs(5))
        .expect("Ctrl-C stops debug mode");
    assert!(status.success());
}
