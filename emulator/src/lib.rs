//! `aml-arm-emulator`: an HTTPS Azure Resource Manager emulator for the resource types an
//! Azure ML network-security Terraform provider manages. This file is the table of contents;
//! [`run`] starts an instance and returns a handle (used by `main.rs` and the tests).

pub mod admin;
pub mod apiver;
pub mod app;
pub mod auth;
pub mod cli;
pub mod errors;
pub mod exec;
pub mod faults;
#[doc(hidden)]
pub mod fuzzing;
pub mod ids;
pub mod lro;
pub mod reply;
pub mod routes;
pub mod seed;
pub mod server;
pub mod state;
pub mod tls;

use std::path::PathBuf;
use std::sync::Arc;

/// A running emulator.
pub struct Handle {
    /// Bound port.
    pub port: u16,
    /// Bound address (`127.0.0.1:PORT` by default).
    pub addr: std::net::SocketAddr,
    /// Base URL (`https://127.0.0.1:PORT`).
    pub base_url: String,
    /// Path of the CA certificate PEM.
    pub ca_path: PathBuf,
    /// CA certificate PEM.
    pub ca_pem: String,
    /// Shared state (for in-process inspection).
    pub app: Arc<app::App>,
    task: tokio::task::JoinHandle<()>,
}

impl Handle {
    /// The `export NAME=value` lines printed after the `listening on` line.
    pub fn env_lines(&self) -> Vec<String> {
        self.env_vars()
            .into_iter()
            .map(|(k, v)| format!("export {k}={v}"))
            .collect()
    }

    /// The environment the provider needs to use this emulator, as name and value.
    pub fn env_vars(&self) -> Vec<(&'static str, String)> {
        vec![
            ("ARM_METADATA_HOSTNAME", self.addr.to_string()),
            ("ARM_TENANT_ID", app::ids::TENANT_ID.to_string()),
            ("ARM_CLIENT_ID", app::ids::CLIENT_ID.to_string()),
            ("ARM_CLIENT_SECRET", app::ids::CLIENT_SECRET.to_string()),
            ("ARM_SUBSCRIPTION_ID", app::ids::SUBSCRIPTION_ID.to_string()),
            ("SSL_CERT_FILE", self.ca_path.display().to_string()),
        ]
    }

    /// Stops the server task.
    pub fn stop(&self) {
        self.task.abort();
    }

    /// Waits until the server task ends.
    pub async fn wait(self) {
        let _ = self.task.await;
    }
}

/// Starts an emulator: TLS material, seed world, listener, server task.
pub async fn run(cfg: cli::Config) -> Result<Handle, String> {
    let seed_docs = match &cfg.seed {
        Some(p) => seed::load_file(p)?,
        None => seed::default_world(),
    };
    let tls = tls::generate(Some(cfg.listen.ip()))?;
    let ca_path = match &cfg.ca_out {
        Some(p) => p.clone(),
        None => {
            let dir =
                std::env::temp_dir().join(format!("aml-arm-emulator-{}", uuid::Uuid::new_v4()));
            std::fs::create_dir_all(&dir)
                .map_err(|e| format!("creating {}: {e}", dir.display()))?;
            dir.join("ca.pem")
        }
    };
    std::fs::write(&ca_path, &tls.ca_pem)
        .map_err(|e| format!("writing {}: {e}", ca_path.display()))?;
    let listener = tokio::net::TcpListener::bind(cfg.listen)
        .await
        .map_err(|e| format!("binding {}: {e}", cfg.listen))?;
    let local = listener.local_addr().map_err(|e| e.to_string())?;
    let port = local.port();
    let base_url = format!("https://{local}");
    let faults = match &cfg.faults {
        Some(s) => Some(faults::parse(s).map_err(|e| format!("--faults: {e}"))?),
        None => None,
    };
    let app = Arc::new(app::App::new(cfg, seed_docs));
    *app.base_url.write().unwrap_or_else(|e| e.into_inner()) = base_url.clone();
    *app.ca_path.write().unwrap_or_else(|e| e.into_inner()) = ca_path.clone();
    app.faults.set(faults);
    seed::reset(&app)?;
    let task = tokio::spawn(server::serve(
        listener,
        tls.server_config.clone(),
        app.clone(),
    ));
    Ok(Handle {
        port,
        addr: local,
        base_url,
        ca_path,
        ca_pem: tls.ca_pem,
        app,
        task,
    })
}
