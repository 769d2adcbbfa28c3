//! The plugin binary: Terraform starts it and speaks plugin protocol 5 to it. Everything about
//! starting, authenticating and serving lives in `tfplugin::serve`; the provider in `provider`.

use std::process::ExitCode;

use terraform_provider_aml::tfplugin::serve::{self, PluginMeta};
use terraform_provider_aml::{plugin, provider};

/// What the binary says about itself in the handshake, `--version` and `--debug`.
const META: PluginMeta = PluginMeta {
    provider_address: provider::ADDRESS,
    binary_name: env!("CARGO_PKG_NAME"),
    version: env!("CARGO_PKG_VERSION"),
};

fn main() -> ExitCode {
    serve::run(plugin::service(), META)
}
