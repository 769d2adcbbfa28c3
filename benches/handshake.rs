//! How fast the provider is ready: process start → handshake line, start → first GetSchema answer
//! over mTLS, and Shutdown → process exit, over repeated launches (Terraform starts the binary
//! several times per command). Run with `cargo bench -p terraform-provider-aml --bench handshake`.

#[path = "../tests/support/plugin.rs"]
mod plugin;

use std::time::{Duration, Instant};

use plugin::{connect, terraform_client_identity, ClientTls, Plugin};
use terraform_provider_aml::tfplugin::proto::plugin::grpc_controller_client::GrpcControllerClient;
use terraform_provider_aml::tfplugin::proto::plugin::Empty;
use terraform_provider_aml::tfplugin::proto::tfplugin5::get_provider_schema;
use terraform_provider_aml::tfplugin::proto::tfplugin5::provider_client::ProviderClient;

const LAUNCHES: usize = 50;

fn main() {
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    let client = terraform_client_identity();
    let mut handshake_times = Vec::with_capacity(LAUNCHES);
    let mut ready_times = Vec::with_capacity(LAUNCHES);
    let mut exit_times = Vec::with_capacity(LAUNCHES);
    for _ in 0..LAUNCHES {
        let started = Instant::now();
        let (mut plugin, handshake) = Plugin::start(Some(&client));
        handshake_times.push(started.elapsed());
        runtime.block_on(async {
            let channel = connect(&handshake, ClientTls::Certificate(&client))
                .await
                .expect("mTLS connection");
            ProviderClient::new(channel.clone())
                .max_decoding_message_size(256 << 20)
                .get_schema(get_provider_schema::Request {})
                .await
                .expect("GetSchema");
            ready_times.push(started.elapsed());
            let stopping = Instant::now();
            GrpcControllerClient::new(channel)
                .shutdown(Empty {})
                .await
                .expect("Shutdown");
            plugin
                .wait_for_exit(Duration::from_secs(5))
                .expect("exit after Shutdown");
            exit_times.push(stopping.elapsed());
        });
    }
    report("start → handshake line", &mut handshake_times);
    report("start → GetSchema answered over mTLS", &mut ready_times);
    report("Shutdown → process exit", &mut exit_times);
}

fn report(what: &str, times: &mut [Duration]) {
    times.sort();
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    eprintln!(
        "{what:<40} n={} median={:.1} ms p95={:.1} ms max={:.1} ms",
        times.len(),
        at(0.5).as_secs_f64() * 1e3,
        at(0.95).as_secs_f64() * 1e3,
        at(1.0).as_secs_f64() * 1e3,
    );
}
