//! The generated protobuf and gRPC code. Only the protocol layer sees these types: conversion to
//! and from the framework's own types lives in `wire.rs`.

#![allow(missing_docs, clippy::all, clippy::pedantic)]

/// Terraform plugin protocol 5 (`tfplugin5`).
pub mod tfplugin5 {
    tonic::include_proto!("tfplugin5");
}

/// go-plugin's controller and stdio services (`plugin`).
pub mod plugin {
    tonic::include_proto!("plugin");
}
