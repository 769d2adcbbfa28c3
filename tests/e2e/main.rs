//! End-to-end tier: the real `terraform` CLI drives the built provider, mostly against
//! `aml-arm-emulator`. One test binary, one module per area; the harness (`tf`) and the helpers
//! the areas share are compiled once.

mod tf;

mod core;
mod examples;
mod image_build;
mod inbound;
mod interrupt;
mod isolation;
mod managed_network;
mod module;
mod official_payloads;
mod online_endpoint;
mod plan_safety;
mod private_link;
mod reliability;
mod scale;
mod soak;
mod workspace;
