//! The release artefacts, installed the way a team installs a registry provider: the release code
//! of `scripts/release` packs this build's (debug) provider binary into a temporary `dist/`, a
//! small HTTPS server on loopback serves its network mirror (a throwaway CA, trusted through
//! `SSL_CERT_FILE`), and the real `terraform init` installs the provider from it:
//! - it checks the zip against the mirror's `h1:`/`zh:` hashes and locks the `h1:` it computes,
//!   which must be the release's (Terraform records `zh:` hashes only from a signed source);
//! - the same release through the provider registry protocol (a `host` block pointing
//!   `registry.terraform.io`'s `providers.v1` at the server): Terraform checks the signature and
//!   locks the `h1:` and the `zh:` hashes of `SHA256SUMS`; a second `init` in another directory,
//!   from the mirror, verifies against that lock file;
//! - a zip altered by one byte after the lock file was written is refused with a checksum error:
//!   a content byte (the mirror still advertising the old hashes), and a byte of the executable's
//!   name (the mirror advertising the altered zip's hash; the lock file refuses it);
//! - `gpg --verify` accepts the signature of `SHA256SUMS` and refuses an edited copy.
//!
//! Needs `terraform`, `gpg`, `zip`, `unzip` and `sha256sum` on the PATH; fails loudly without.
//! `cargo test --test release -- --nocapture` shows the `terraform init` output.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

use terraform_provider_aml::release::{self, names, PackageInput, Platform, Settings};

const PROVIDER_BIN: &str = env!("CARGO_BIN_EXE_terraform-provider-aml");

fn require(tool: &str, arg: &str) {
    let ok = Command::new(tool)
        .arg(arg)
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(
        ok,
        "`{tool}` is required by this test and is not on the PATH (or `{tool} {arg}` failed); \
         install it (terraform 1.11+; apt-get install gnupg zip unzip)"
    );
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Terraform's output with its line wrapping undone.
fn flat(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn gpg(home: &Path) -> Command {
    let mut c = Command::new("gpg");
    c.env("GNUPGHOME", home).args(["--batch", "--no-tty"]);
    c
}

/// Stops the gpg-agent this test's GNUPGHOME started.
struct AgentGuard(PathBuf);
impl Drop for AgentGuard {
    fn drop(&mut self) {
        let _ = Command::new("gpgconf")
            .env("GNUPGHOME", &self.0)
            .args(["--kill", "gpg-agent"])
            .output();
    }
}

/// A throwaway RSA signing key in a fresh GNUPGHOME; returns its user ID.
fn throwaway_key(home: &Path) -> String {
    std::fs::create_dir_all(home).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(home, std::fs::Permissions::from_mode(0o700)).unwrap();
    }
    let uid = "aml release test <release-test@example.invalid>".to_string();
    let out = gpg(home)
        .args(["--pinentry-mode", "loopback", "--passphrase", ""])
        .args(["--quick-gen-key", &uid, "rsa2048", "sign", "never"])
        .output()
        .expect("gpg");
    assert!(out.status.success(), "gpg key generation: {}", text(&out));
    uid
}

/// Where the server finds the files of a URL path: the first mount whose prefix the path has.
type Mounts = Arc<Mutex<Vec<(String, PathBuf)>>>;

/// A static file server over HTTPS (HTTP/1.1, one request per connection) for `mounts`, with a
/// certificate for `localhost` signed by a fresh CA. Returns its address and the CA's PEM.
fn serve_https(mounts: Mounts, log: Arc<Mutex<Vec<String>>>) -> (SocketAddr, String) {
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer,
        KeyPair, KeyUsagePurpose,
    };
    use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "aml release test CA");
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_key = KeyPair::generate().unwrap();
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = Issuer::from_params(&ca, &ca_key);
    let mut leaf = CertificateParams::new(vec!["localhost".into(), "127.0.0.1".into()]).unwrap();
    leaf.distinguished_name
        .push(DnType::CommonName, "localhost");
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let key = KeyPair::generate().unwrap();
    let cert = leaf.signed_by(&key, &issuer).unwrap();
    let mut cfg = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(
        vec![cert.der().clone(), ca_cert.der().clone()],
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
    )
    .unwrap();
    cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(cfg));
    let _: &CertificateDer<'_> = cert.der();

    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    listener.set_nonblocking(true).unwrap();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    continue;
                };
                let (acceptor, mounts, log) = (acceptor.clone(), mounts.clone(), log.clone());
                tokio::spawn(async move {
                    if let Ok(tls) = acceptor.accept(tcp).await {
                        let _ = answer(tls, &mounts, &log).await;
                    }
                });
            }
        });
    });
    (address, ca_cert.pem())
}

async fn answer<S>(mut s: S, mounts: &Mounts, log: &Mutex<Vec<String>>) -> std::io::Result<()>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = s.read(&mut buf).await?;
        if n == 0 || head.len() > 65536 {
            return Ok(());
        }
        head.extend_from_slice(&buf[..n]);
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let mut parts = head.lines().next().unwrap_or("").split(' ');
    let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or("/"));
    let rel = path.split('?').next().unwrap_or("").trim_start_matches('/');
    let mounted = mounts
        .lock()
        .unwrap()
        .iter()
        .find_map(|(prefix, dir)| Some((rel.strip_prefix(prefix.as_str())?, dir.clone())));
    let file = mounted
        .filter(|(r, _)| !r.split('/').any(|c| c == ".." || c.is_empty()))
        .map(|(r, dir)| dir.join(r))
        .filter(|p| p.is_file());
    let (status, body, kind) = match (method, file) {
        ("GET", Some(p)) => (
            "200 OK",
            tokio::fs::read(&p).await?,
            if rel.ends_with(".zip") {
                "application/zip"
            } else if rel.contains("SHA256SUMS") {
                "application/octet-stream"
            } else {
                "application/json"
            },
        ),
        _ => ("404 Not Found", b"not found\n".to_vec(), "text/plain"),
    };
    log.lock()
        .unwrap()
        .push(format!("{method} /{rel} -> {status}"));
    let header = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    s.write_all(header.as_bytes()).await?;
    s.write_all(&body).await?;
    s.shutdown().await
}

/// `terraform init` in `dir` with the CLI configuration and CA of the test.
fn terraform_init(dir: &Path, cli_config: &Path, ca: &Path) -> Output {
    Command::new("terraform")
        .current_dir(dir)
        .args(["init", "-no-color", "-input=false"])
        .env("TF_CLI_CONFIG_FILE", cli_config)
        .env("SSL_CERT_FILE", ca)
        .env("CHECKPOINT_DISABLE", "1")
        .env("TF_IN_AUTOMATION", "1")
        .env_remove("TF_PLUGIN_CACHE_DIR")
        .env_remove("TF_LOG")
        .env_remove("SSL_CERT_DIR")
        .output()
        .expect("terraform")
}

/// The hashes of our provider in a lock file.
fn locked_hashes(lock: &str) -> BTreeSet<String> {
    let block = lock
        .split("provider \"")
        .find(|b| b.starts_with(release::REGISTRY_ADDRESS))
        .unwrap_or_else(|| panic!("no {} in the lock file:\n{lock}", release::REGISTRY_ADDRESS));
    block
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("\"h1:") || l.starts_with("\"zh:"))
        .map(|l| l.trim_end_matches(',').trim_matches('"').to_string())
        .collect()
}

fn config_dir(base: &Path, name: &str) -> PathBuf {
    let dir = base.join(name);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("main.tf"),
        format!(
            "terraform {{\n  required_providers {{\n    aml = {{\n      source  = \"secure-ml/aml\"\n      version = \"{}\"\n    }}\n  }}\n}}\n",
            release::VERSION
        ),
    )
    .unwrap();
    dir
}

#[test]
fn a_release_installs_from_a_network_mirror_and_is_verified() {
    for (tool, arg) in [
        ("terraform", "version"),
        ("gpg", "--version"),
        ("zip", "-v"),
        ("unzip", "-v"),
        ("sha256sum", "--version"),
    ] {
        require(tool, arg);
    }
    let tmp = tempfile::Builder::new().prefix("rel").tempdir().unwrap();
    let base = tmp.path();
    let v = release::VERSION;
    let host = Platform::host();

    // --version names the version (Cargo.toml's) and the protocol.
    let out = Command::new(PROVIDER_BIN)
        .arg("--version")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("terraform-provider-aml {v} (plugin protocol 5.8)\n")
    );

    // The release, signed with a throwaway key in a temporary GNUPGHOME.
    let gnupg = base.join("gnupg");
    let _agent = AgentGuard(gnupg.clone());
    let key = throwaway_key(&gnupg);
    let emulator_stand_in = base.join("aml-arm-emulator");
    std::fs::write(&emulator_stand_in, b"#!/bin/sh\necho stand-in\n").unwrap();
    // The debug binary without its debug info (a fifth of the size: a smaller zip, faster
    // installs); the binary itself if `strip` is not there.
    let provider = base.join("terraform-provider-aml");
    let stripped = Command::new("strip")
        .arg("--strip-debug")
        .arg("-o")
        .arg(&provider)
        .arg(PROVIDER_BIN)
        .output()
        .is_ok_and(|o| o.status.success());
    if !stripped {
        println!("note: `strip` failed or is missing; packaging the unstripped debug binary");
        std::fs::copy(PROVIDER_BIN, &provider).unwrap();
    }
    let settings = Settings {
        version: v.to_string(),
        dist: base.join("dist"),
        zip_level: 1, // the debug binary is large; scripts/release uses 9
        mtime: Some(1_700_000_000),
        gpg_key: Some(key),
        gnupg_home: Some(gnupg.clone()),
    };
    let started = std::time::Instant::now();
    release::package(
        &settings,
        &PackageInput {
            platform: host.clone(),
            provider: provider.clone(),
            emulator: Some(emulator_stand_in),
        },
    )
    .expect("package");
    let rel = release::finish(&settings).expect("finish");
    println!("release written in {:?}", started.elapsed());
    let dir = settings.release_dir();

    // The files, by their registry names.
    let zip = names::provider_zip(v, &host);
    let sums = names::sums(v);
    let emulator_sums = names::emulator_sums(v);
    let want: BTreeSet<String> = [
        zip.clone(),
        names::manifest(v),
        sums.clone(),
        names::signature(&sums),
        names::emulator_zip(v, &host),
        emulator_sums.clone(),
        names::signature(&emulator_sums),
    ]
    .into_iter()
    .collect();
    let have: BTreeSet<String> = rel.files.iter().map(|(n, _)| n.clone()).collect();
    assert_eq!(have, want);
    for (name, size) in &rel.files {
        println!("{size:>12}  {name}");
    }
    assert_eq!(
        std::fs::read_to_string(dir.join(names::manifest(v))).unwrap(),
        std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("terraform-registry-manifest.json")
        )
        .unwrap()
    );
    assert_eq!(
        release::zip_entries(&dir.join(&zip)).unwrap(),
        [format!("terraform-provider-aml_v{v}")]
    );
    let sums_text = std::fs::read_to_string(dir.join(&sums)).unwrap();
    assert_eq!(sums_text.lines().count(), 2, "{sums_text}");
    assert!(sums_text.contains(&format!("  {zip}\n")));
    assert!(sums_text.contains(&format!("  {}\n", names::manifest(v))));
    for file in [&sums, &emulator_sums] {
        let out = Command::new("sha256sum")
            .current_dir(&dir)
            .args(["--check", "--strict", file])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "sha256sum --check {file}: {}",
            text(&out)
        );
    }

    // The signature: accepted as written, refused after an edit of SHA256SUMS.
    let out = gpg(&gnupg)
        .arg("--verify")
        .arg(dir.join(names::signature(&sums)))
        .arg(dir.join(&sums))
        .output()
        .unwrap();
    assert!(out.status.success(), "gpg --verify: {}", text(&out));
    assert!(text(&out).contains("Good signature"), "{}", text(&out));
    let edited = base.join("edited_SHA256SUMS");
    std::fs::write(&edited, sums_text.replacen('0', "1", 1)).unwrap();
    let out = gpg(&gnupg)
        .arg("--verify")
        .arg(dir.join(names::signature(&sums)))
        .arg(&edited)
        .output()
        .unwrap();
    assert!(!out.status.success(), "gpg accepted an edited SHA256SUMS");
    assert!(text(&out).contains("BAD signature"), "{}", text(&out));

    // The mirror's documents.
    let package = rel.packages[0].clone();
    assert_eq!(rel.packages.len(), 1);
    let index: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(rel.mirror.join("index.json")).unwrap())
            .unwrap();
    assert_eq!(index, serde_json::json!({ "versions": { v: {} } }));
    let version_doc: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(rel.mirror.join(format!("{v}.json"))).unwrap(),
    )
    .unwrap();
    assert_eq!(
        version_doc["archives"][host.key()],
        serde_json::json!({ "url": zip, "hashes": [package.h1, package.zh] })
    );

    // Serve, over HTTPS on loopback: the network mirror at `/`, and the same release through the
    // provider registry protocol at `/v1/providers/` (its downloads from `/release/`).
    let log = Arc::new(Mutex::new(Vec::new()));
    let mounts: Mounts = Arc::new(Mutex::new(Vec::new()));
    let (address, ca_pem) = serve_https(mounts.clone(), log.clone());
    let origin = format!("https://localhost:{}", address.port());
    let registry = base.join("registry");
    write_registry_documents(&registry, &origin, &dir, &package, &gnupg);
    mounts.lock().unwrap().extend([
        ("v1/".to_string(), registry.join("v1")),
        ("release/".to_string(), dir.clone()),
        (String::new(), settings.dist.join("mirror")),
    ]);
    let ca = base.join("ca.pem");
    std::fs::write(&ca, ca_pem).unwrap();
    let mirror_config = base.join("mirror.tfrc");
    std::fs::write(
        &mirror_config,
        format!(
            "provider_installation {{\n  network_mirror {{\n    url     = \"{origin}/\"\n    include = [\"{}\"]\n  }}\n}}\n",
            release::REGISTRY_ADDRESS
        ),
    )
    .unwrap();
    let registry_config = base.join("registry.tfrc");
    std::fs::write(
        &registry_config,
        format!(
            "host \"registry.terraform.io\" {{\n  services = {{\n    \"providers.v1\" = \"{origin}/v1/providers/\"\n  }}\n}}\nprovider_installation {{\n  direct {{}}\n}}\n"
        ),
    )
    .unwrap();

    // First init from the network mirror: installs, checks the mirror's hashes, and locks h1:.
    let first = config_dir(base, "first");
    let out = terraform_init(&first, &mirror_config, &ca);
    println!("---- terraform init (network mirror) ----\n{}", text(&out));
    assert!(
        out.status.success(),
        "terraform init failed:\n{}",
        text(&out)
    );
    assert!(
        text(&out).contains(&format!("Installed secure-ml/aml v{v} (verified checksum)")),
        "{}",
        text(&out)
    );
    let mirror_lock = std::fs::read_to_string(first.join(".terraform.lock.hcl")).unwrap();
    println!("---- .terraform.lock.hcl (network mirror) ----\n{mirror_lock}");
    // Terraform records only the h1: it computes itself for a package from a mirror (it says so
    // in its "Incomplete lock file information" warning); it must be the release's.
    assert_eq!(
        locked_hashes(&mirror_lock),
        [package.h1.clone()].into_iter().collect(),
        "a network-mirror install must lock exactly the release's h1: hash"
    );
    let installed = first.join(format!(
        ".terraform/providers/{}/{v}/{}/terraform-provider-aml_v{v}",
        release::REGISTRY_ADDRESS,
        host.key()
    ));
    assert!(installed.is_file(), "{} not installed", installed.display());
    let out = Command::new(&installed).arg("--version").output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("terraform-provider-aml {v} (plugin protocol 5.8)\n")
    );

    // Init through the registry protocol: Terraform checks SHA256SUMS against its signature and
    // the zip against SHA256SUMS, and locks the release's h1: and zh: hashes.
    let signed = config_dir(base, "registry-protocol");
    let out = terraform_init(&signed, &registry_config, &ca);
    println!(
        "---- terraform init (registry protocol) ----\n{}",
        text(&out)
    );
    assert!(
        out.status.success(),
        "terraform init failed:\n{}",
        text(&out)
    );
    assert!(text(&out).contains("self-signed, key ID"), "{}", text(&out));
    let lock = std::fs::read_to_string(signed.join(".terraform.lock.hcl")).unwrap();
    println!("---- .terraform.lock.hcl (registry protocol) ----\n{lock}");
    // Terraform locks a zh: for every line of the signed SHA256SUMS (the manifest's too, as with
    // every registry provider) and the h1: it computes.
    let mut want: BTreeSet<String> = sums_text
        .lines()
        .map(|l| format!("zh:{}", l.split_whitespace().next().unwrap()))
        .collect();
    want.insert(package.h1.clone());
    assert!(want.contains(&package.zh));
    assert_eq!(
        locked_hashes(&lock),
        want,
        "the lock file must hold exactly the release's h1: and zh: hashes"
    );

    // Init from the mirror in another directory with that lock file: verified against it (both
    // hashes), the lock file unchanged.
    let second = config_dir(base, "second");
    std::fs::write(second.join(".terraform.lock.hcl"), &lock).unwrap();
    let out = terraform_init(&second, &mirror_config, &ca);
    println!(
        "---- terraform init (network mirror, with the lock file) ----\n{}",
        text(&out)
    );
    assert!(out.status.success(), "second init failed:\n{}", text(&out));
    assert!(
        text(&out).contains("Using previously-installed")
            || text(&out).contains("Installed secure-ml/aml")
    );
    assert_eq!(
        std::fs::read_to_string(second.join(".terraform.lock.hcl")).unwrap(),
        lock
    );

    // One byte of the served zip's content altered after the lock file was written: refused.
    let served_zip = rel.mirror.join(&zip);
    let original = std::fs::read(&served_zip).unwrap();
    let mut bytes = original.clone();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    std::fs::write(&served_zip, &bytes).unwrap();
    let third = config_dir(base, "third");
    std::fs::write(third.join(".terraform.lock.hcl"), &lock).unwrap();
    let out = terraform_init(&third, &mirror_config, &ca);
    println!(
        "---- terraform init (one content byte altered) ----\n{}",
        text(&out)
    );
    assert!(!out.status.success(), "an altered zip was installed");
    // Terraform checks the package against the hashes it has; the altered content cannot be
    // hashed (its CRC, or the deflate stream, fails), so the check fails.
    assert!(
        flat(&text(&out)).contains("failed to verify provider package checksums"),
        "{}",
        text(&out)
    );

    // One byte of the executable's name in the central directory altered: still a valid zip, but
    // another package. Even with the mirror advertising the altered zip's hash, the lock file
    // refuses it.
    let mut bytes = original;
    let name = format!("terraform-provider-aml_v{v}");
    let at = bytes
        .windows(name.len())
        .rposition(|w| w == name.as_bytes())
        .expect("the name in the central directory");
    bytes[at + name.len() - 1] ^= 0x01;
    std::fs::write(&served_zip, &bytes).unwrap();
    let altered_zh = release::zh_hash(&served_zip).unwrap();
    std::fs::write(
        rel.mirror.join(format!("{v}.json")),
        serde_json::json!({ "archives": { host.key(): { "url": zip, "hashes": [altered_zh] } } })
            .to_string(),
    )
    .unwrap();
    let fourth = config_dir(base, "fourth");
    std::fs::write(fourth.join(".terraform.lock.hcl"), &lock).unwrap();
    let out = terraform_init(&fourth, &mirror_config, &ca);
    println!(
        "---- terraform init (one name byte altered, mirror advertising the altered zip) ----\n{}",
        text(&out)
    );
    assert!(!out.status.success(), "an altered zip was installed");
    assert!(
        flat(&text(&out)).contains(
            "doesn't match any of the checksums previously recorded in the dependency lock file"
        ),
        "{}",
        text(&out)
    );

    println!("---- requests ----\n{}", log.lock().unwrap().join("\n"));
}

/// The provider registry protocol's documents for this release (what a registry serves after
/// reading the release's manifest, SHA256SUMS and signing key), under `root/v1/providers/`.
fn write_registry_documents(
    root: &Path,
    origin: &str,
    release_dir: &Path,
    package: &release::Package,
    gnupg: &Path,
) {
    let v = release::VERSION;
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(release_dir.join(names::manifest(v))).unwrap(),
    )
    .unwrap();
    let protocols = manifest["metadata"]["protocol_versions"].clone();
    let keys = gpg(gnupg)
        .args(["--with-colons", "--list-keys"])
        .output()
        .unwrap();
    let key_id = String::from_utf8_lossy(&keys.stdout)
        .lines()
        .find(|l| l.starts_with("pub:"))
        .and_then(|l| l.split(':').nth(4).map(str::to_string))
        .expect("key id");
    let armor = gpg(gnupg).args(["--armor", "--export"]).output().unwrap();
    let provider = root.join("v1/providers/secure-ml/aml");
    let download = provider.join(format!(
        "{v}/download/{}/{}",
        package.platform.os, package.platform.arch
    ));
    std::fs::create_dir_all(download.parent().unwrap()).unwrap();
    std::fs::write(
        provider.join("versions"),
        serde_json::json!({ "versions": [{
            "version": v,
            "protocols": protocols,
            "platforms": [{ "os": package.platform.os, "arch": package.platform.arch }],
        }]})
        .to_string(),
    )
    .unwrap();
    let sums = names::sums(v);
    std::fs::write(
        download,
        serde_json::json!({
            "protocols": protocols,
            "os": package.platform.os,
            "arch": package.platform.arch,
            "filename": package.file,
            "download_url": format!("{origin}/release/{}", package.file),
            "shasums_url": format!("{origin}/release/{sums}"),
            "shasums_signature_url": format!("{origin}/release/{}", names::signature(&sums)),
            "shasum": package.zh.trim_start_matches("zh:"),
            "signing_keys": { "gpg_public_keys": [{
                "key_id": key_id,
                "ascii_armor": String::from_utf8_lossy(&armor.stdout),
            }]},
        })
        .to_string(),
    )
    .unwrap();
}
