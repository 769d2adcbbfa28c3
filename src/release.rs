//! Release packaging: the artefacts a Terraform registry expects, and a network mirror of them.
//!
//! A release of version `V` (always `CARGO_PKG_VERSION`, i.e. `Cargo.toml`) is written in two
//! steps, so that platforms built on different machines can be joined into one release:
//!
//! 1. [`package`], once per platform: zips the provider binary as
//!    `terraform-provider-aml_V_OS_ARCH.zip` holding `terraform-provider-aml_vV`, and the emulator
//!    as `aml-arm-emulator_V_OS_ARCH.zip` holding `aml-arm-emulator`, into `DIST/V/`.
//! 2. [`finish`], once: reads every zip in `DIST/V/` and writes the registry manifest, the
//!    `SHA256SUMS` over the provider zips and the manifest, its detached binary GPG signature, the
//!    emulator's own `SHA256SUMS` (signed too), and the network mirror
//!    `DIST/mirror/registry.terraform.io/secure-ml/aml/{index.json,V.json,*.zip}` with the `h1:`
//!    and `zh:` hashes Terraform records in `.terraform.lock.hcl`.
//!
//! Zips are made with the `zip` tool and read back with `unzip`; signatures with `gpg`.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine as _;

/// The provider's type name, as in `terraform-provider-<TYPE>`.
pub const PROVIDER_TYPE: &str = "aml";
/// The provider's executable name.
pub const PROVIDER_BINARY: &str = "terraform-provider-aml";
/// The emulator's executable name.
pub const EMULATOR_BINARY: &str = "aml-arm-emulator";
/// The provider's registry address (hostname/namespace/type): the mirror's directory.
pub const REGISTRY_ADDRESS: &str = "registry.terraform.io/secure-ml/aml";
/// The version being released: `Cargo.toml`'s, and nothing else.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
/// The registry manifest (`terraform-registry-manifest.json` in the repository).
pub const MANIFEST: &str = include_str!("../terraform-registry-manifest.json");
/// The environment variable naming the GPG key (fingerprint, key ID or user ID) that signs.
pub const GPG_KEY_ENV: &str = "AML_RELEASE_GPG_KEY";

/// A release step's failure.
#[derive(Debug, thiserror::Error)]
pub enum ReleaseError {
    /// A file could not be read or written.
    #[error("{0}: {1}")]
    Io(String, std::io::Error),
    /// An external tool failed or is missing.
    #[error("{0}")]
    Tool(String),
    /// The input is not what a release needs.
    #[error("{0}")]
    Invalid(String),
}

fn io(what: impl std::fmt::Display) -> impl FnOnce(std::io::Error) -> ReleaseError {
    let what = what.to_string();
    move |e| ReleaseError::Io(what, e)
}

/// A Terraform platform: Go's OS and architecture names, e.g. `linux` and `amd64`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Platform {
    /// Go's `GOOS`.
    pub os: String,
    /// Go's `GOARCH`.
    pub arch: String,
}

impl Platform {
    /// The platform of a Rust target triple, if Terraform has one for it.
    pub fn from_target(triple: &str) -> Option<Platform> {
        let arch = match triple.split('-').next()? {
            "x86_64" => "amd64",
            "aarch64" => "arm64",
            "i686" | "i586" => "386",
            "armv7" | "arm" => "arm",
            _ => return None,
        };
        let os = if triple.contains("-linux-") {
            "linux"
        } else if triple.contains("-apple-darwin") {
            "darwin"
        } else if triple.contains("-windows-") {
            "windows"
        } else if triple.contains("-freebsd") {
            "freebsd"
        } else {
            return None;
        };
        Some(Platform {
            os: os.into(),
            arch: arch.into(),
        })
    }

    /// The platform this program runs on.
    pub fn host() -> Platform {
        let arch = match std::env::consts::ARCH {
            "x86_64" => "amd64",
            "aarch64" => "arm64",
            "x86" => "386",
            other => other,
        };
        Platform {
            os: std::env::consts::OS.into(),
            arch: arch.into(),
        }
    }

    /// `os_arch`, as in package names and mirror documents.
    pub fn key(&self) -> String {
        format!("{}_{}", self.os, self.arch)
    }

    fn exe_suffix(&self) -> &'static str {
        if self.os == "windows" {
            ".exe"
        } else {
            ""
        }
    }
}

/// File names of a release.
pub mod names {
    use super::*;

    /// `terraform-provider-aml_V_OS_ARCH.zip`.
    pub fn provider_zip(version: &str, p: &Platform) -> String {
        format!("{PROVIDER_BINARY}_{version}_{}.zip", p.key())
    }
    /// `terraform-provider-aml_vV`, the executable inside the zip.
    pub fn provider_executable(version: &str, p: &Platform) -> String {
        format!("{PROVIDER_BINARY}_v{version}{}", p.exe_suffix())
    }
    /// `terraform-provider-aml_V_manifest.json`.
    pub fn manifest(version: &str) -> String {
        format!("{PROVIDER_BINARY}_{version}_manifest.json")
    }
    /// `terraform-provider-aml_V_SHA256SUMS`.
    pub fn sums(version: &str) -> String {
        format!("{PROVIDER_BINARY}_{version}_SHA256SUMS")
    }
    /// `aml-arm-emulator_V_OS_ARCH.zip`.
    pub fn emulator_zip(version: &str, p: &Platform) -> String {
        format!("{EMULATOR_BINARY}_{version}_{}.zip", p.key())
    }
    /// `aml-arm-emulator_V_SHA256SUMS`.
    pub fn emulator_sums(version: &str) -> String {
        format!("{EMULATOR_BINARY}_{version}_SHA256SUMS")
    }
    /// The detached signature of a checksum file.
    pub fn signature(sums: &str) -> String {
        format!("{sums}.sig")
    }
}

/// Hex SHA-256 of a file, read in chunks.
pub fn sha256_file(path: &Path) -> Result<String, ReleaseError> {
    let mut f = std::fs::File::open(path).map_err(io(path.display()))?;
    let mut ctx = aws_lc_rs::digest::Context::new(&aws_lc_rs::digest::SHA256);
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf).map_err(io(path.display()))?;
        if n == 0 {
            break;
        }
        ctx.update(&buf[..n]);
    }
    Ok(hex(ctx.finish().as_ref()))
}

/// Hex SHA-256 of bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, bytes).as_ref())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Terraform's `zh:` hash of a zip: the hex SHA-256 of the zip file itself.
pub fn zh_hash(zip: &Path) -> Result<String, ReleaseError> {
    Ok(format!("zh:{}", sha256_file(zip)?))
}

/// Go's `dirhash.Hash1` over `(path, sha256 hex)` pairs: SHA-256 over the lines
/// `"<hex>  <path>\n"` sorted by path, base64 (standard, padded), prefixed `h1:`.
pub fn h1_of(files: &[(String, String)]) -> Result<String, ReleaseError> {
    let mut files = files.to_vec();
    files.sort_by(|a, b| a.0.cmp(&b.0));
    let mut summary = String::new();
    for (name, sum) in &files {
        if name.contains('\n') {
            return Err(ReleaseError::Invalid(format!(
                "file name with a newline: {name:?}"
            )));
        }
        summary.push_str(&format!("{sum}  {name}\n"));
    }
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, summary.as_bytes());
    Ok(format!(
        "h1:{}",
        base64::engine::general_purpose::STANDARD.encode(digest.as_ref())
    ))
}

/// Terraform's `h1:` hash of an unpacked package directory (`dirhash.HashDir(dir, "", Hash1)`):
/// every regular file below `dir`, named by its `/`-separated relative path.
pub fn h1_of_dir(dir: &Path) -> Result<String, ReleaseError> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) -> Result<(), ReleaseError> {
        for entry in std::fs::read_dir(dir).map_err(io(dir.display()))? {
            let entry = entry.map_err(io(dir.display()))?;
            let path = entry.path();
            let kind = entry.file_type().map_err(io(path.display()))?;
            if kind.is_dir() {
                walk(root, &path, out)?;
            } else {
                let rel = path.strip_prefix(root).expect("below root");
                let rel = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join("/");
                out.push((rel, sha256_file(&path)?));
            }
        }
        Ok(())
    }
    let mut files = Vec::new();
    walk(dir, dir, &mut files)?;
    h1_of(&files)
}

/// Terraform's `h1:` hash of a provider zip: the hash of the directory it unpacks to.
pub fn h1_of_zip(zip: &Path) -> Result<String, ReleaseError> {
    let tmp = TempDir::new("unzip")?;
    run(Command::new("unzip")
        .arg("-q")
        .arg(zip)
        .arg("-d")
        .arg(&tmp.0))?;
    h1_of_dir(&tmp.0)
}

/// The names of the entries of a zip.
pub fn zip_entries(zip: &Path) -> Result<Vec<String>, ReleaseError> {
    let out = run(Command::new("unzip").arg("-Z1").arg(zip))?;
    Ok(out.lines().map(str::to_string).collect())
}

/// `sha256sum`-style lines (`"<hex>  <name>\n"`), sorted by name.
pub fn sha256sums(entries: &[(String, String)]) -> String {
    let mut entries = entries.to_vec();
    entries.sort();
    entries
        .iter()
        .map(|(name, sum)| format!("{sum}  {name}\n"))
        .collect()
}

/// A provider package of a release, as the mirror and the lock file see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    /// Its platform.
    pub platform: Platform,
    /// The zip's file name.
    pub file: String,
    /// Terraform's `h1:` hash (of the unpacked directory).
    pub h1: String,
    /// Terraform's `zh:` hash (of the zip).
    pub zh: String,
}

/// The network mirror's `<version>.json` for these packages (URLs relative to it).
pub fn mirror_version_json(packages: &[Package]) -> String {
    let mut archives = serde_json::Map::new();
    for p in packages {
        archives.insert(
            p.platform.key(),
            serde_json::json!({ "url": p.file, "hashes": [p.h1, p.zh] }),
        );
    }
    let doc = serde_json::json!({ "archives": archives });
    serde_json::to_string_pretty(&doc).expect("json") + "\n"
}

/// The network mirror's `index.json` listing these versions.
pub fn mirror_index_json<'a>(versions: impl IntoIterator<Item = &'a str>) -> String {
    let mut map = serde_json::Map::new();
    for v in versions {
        map.insert(v.to_string(), serde_json::json!({}));
    }
    let doc = serde_json::json!({ "versions": map });
    serde_json::to_string_pretty(&doc).expect("json") + "\n"
}

/// What [`package`] packs for one platform.
#[derive(Debug, Clone)]
pub struct PackageInput {
    /// The platform the binaries are built for.
    pub platform: Platform,
    /// The provider executable.
    pub provider: PathBuf,
    /// The emulator executable, if it is released for this platform.
    pub emulator: Option<PathBuf>,
}

/// Settings shared by the steps.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The version to release (normally [`VERSION`]).
    pub version: String,
    /// The `dist` directory; the release goes to `dist/<version>/`, the mirror to `dist/mirror/`.
    pub dist: PathBuf,
    /// `zip`'s compression level, 1 (fast) to 9 (small).
    pub zip_level: u8,
    /// The modification time stored in the zips (seconds since the epoch), for reproducible
    /// zips; `SOURCE_DATE_EPOCH` by convention.
    pub mtime: Option<u64>,
    /// The GPG key that signs the checksum files; `None` leaves them unsigned.
    pub gpg_key: Option<String>,
    /// `GNUPGHOME` for `gpg`, when not the caller's.
    pub gnupg_home: Option<PathBuf>,
}

impl Settings {
    /// `dist/<version>/`.
    pub fn release_dir(&self) -> PathBuf {
        self.dist.join(&self.version)
    }
    /// `dist/mirror/registry.terraform.io/secure-ml/aml/`.
    pub fn mirror_dir(&self) -> PathBuf {
        self.dist.join("mirror").join(REGISTRY_ADDRESS)
    }
}

/// Step 1: zips the binaries of one platform into `dist/<version>/`. Returns the zips written.
pub fn package(settings: &Settings, input: &PackageInput) -> Result<Vec<PathBuf>, ReleaseError> {
    let dir = settings.release_dir();
    std::fs::create_dir_all(&dir).map_err(io(dir.display()))?;
    let v = &settings.version;
    let p = &input.platform;
    let mut written = vec![zip_one(
        settings,
        &input.provider,
        &names::provider_executable(v, p),
        &dir.join(names::provider_zip(v, p)),
    )?];
    if let Some(emulator) = &input.emulator {
        written.push(zip_one(
            settings,
            emulator,
            &format!("{EMULATOR_BINARY}{}", p.exe_suffix()),
            &dir.join(names::emulator_zip(v, p)),
        )?);
    }
    Ok(written)
}

/// Zips one executable under the name `inner`.
fn zip_one(
    settings: &Settings,
    binary: &Path,
    inner: &str,
    zip: &Path,
) -> Result<PathBuf, ReleaseError> {
    if !binary.is_file() {
        return Err(ReleaseError::Invalid(format!(
            "{} is not a file",
            binary.display()
        )));
    }
    let stage = TempDir::new("stage")?;
    let staged = stage.0.join(inner);
    std::fs::copy(binary, &staged).map_err(io(binary.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&staged, std::fs::Permissions::from_mode(0o755))
            .map_err(io(staged.display()))?;
    }
    if let Some(mtime) = settings.mtime {
        let f = std::fs::File::options()
            .write(true)
            .open(&staged)
            .map_err(io(staged.display()))?;
        let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(mtime);
        f.set_times(std::fs::FileTimes::new().set_modified(t).set_accessed(t))
            .map_err(io(staged.display()))?;
    }
    let _ = std::fs::remove_file(zip);
    let zip_abs = std::path::absolute(zip).map_err(io(zip.display()))?;
    // -X: no extra attributes (uid/gid, extended timestamps), so the zip depends on the content
    // and the stored modification time only.
    run(Command::new("zip")
        .current_dir(&stage.0)
        .arg("-q")
        .arg("-X")
        .arg(format!("-{}", settings.zip_level.clamp(1, 9)))
        .arg(&zip_abs)
        .arg(inner))?;
    Ok(zip.to_path_buf())
}

/// What [`finish`] wrote.
#[derive(Debug, Clone)]
pub struct Release {
    /// `dist/<version>/`.
    pub dir: PathBuf,
    /// The provider packages, by platform.
    pub packages: Vec<Package>,
    /// Every file of `dist/<version>/`, with its size in bytes.
    pub files: Vec<(String, u64)>,
    /// The mirror's directory (`.../registry.terraform.io/secure-ml/aml`).
    pub mirror: PathBuf,
}

/// Step 2: the manifest, the checksums and their signatures, and the network mirror, from the
/// zips in `dist/<version>/`.
pub fn finish(settings: &Settings) -> Result<Release, ReleaseError> {
    let v = &settings.version;
    let dir = settings.release_dir();
    let provider_prefix = format!("{PROVIDER_BINARY}_{v}_");
    let emulator_prefix = format!("{EMULATOR_BINARY}_{v}_");
    let mut provider_zips = BTreeMap::new();
    let mut emulator_zips = BTreeMap::new();
    for entry in std::fs::read_dir(&dir).map_err(io(dir.display()))? {
        let name = entry
            .map_err(io(dir.display()))?
            .file_name()
            .to_string_lossy()
            .into_owned();
        let Some(stem) = name.strip_suffix(".zip") else {
            continue;
        };
        if let Some(key) = stem.strip_prefix(&provider_prefix) {
            provider_zips.insert(key.to_string(), name.clone());
        } else if let Some(key) = stem.strip_prefix(&emulator_prefix) {
            emulator_zips.insert(key.to_string(), name.clone());
        }
    }
    if provider_zips.is_empty() {
        return Err(ReleaseError::Invalid(format!(
            "no {provider_prefix}<os>_<arch>.zip in {}; package a platform first",
            dir.display()
        )));
    }

    // The packages, checked: one executable with the conventional name.
    let mut packages = Vec::new();
    for (key, file) in &provider_zips {
        let (os, arch) = key
            .split_once('_')
            .ok_or_else(|| ReleaseError::Invalid(format!("{file}: no <os>_<arch> in the name")))?;
        let platform = Platform {
            os: os.into(),
            arch: arch.into(),
        };
        let path = dir.join(file);
        let entries = zip_entries(&path)?;
        let want = names::provider_executable(v, &platform);
        if entries != [want.clone()] {
            return Err(ReleaseError::Invalid(format!(
                "{file} must hold exactly {want}, holds {entries:?}"
            )));
        }
        packages.push(Package {
            h1: h1_of_zip(&path)?,
            zh: zh_hash(&path)?,
            platform,
            file: file.clone(),
        });
    }

    // The registry manifest, the checksums and the signature.
    let manifest = names::manifest(v);
    write(&dir.join(&manifest), MANIFEST.as_bytes())?;
    let mut sums = vec![(manifest.clone(), sha256_file(&dir.join(&manifest))?)];
    for p in &packages {
        sums.push((p.file.clone(), p.zh.trim_start_matches("zh:").to_string()));
    }
    let sums_file = dir.join(names::sums(v));
    write(&sums_file, sha256sums(&sums).as_bytes())?;
    sign(settings, &sums_file)?;

    // The emulator's own checksums.
    let emulator_sums_file = dir.join(names::emulator_sums(v));
    if emulator_zips.is_empty() {
        let _ = std::fs::remove_file(&emulator_sums_file);
    } else {
        let mut sums = Vec::new();
        for file in emulator_zips.values() {
            sums.push((file.clone(), sha256_file(&dir.join(file))?));
        }
        write(&emulator_sums_file, sha256sums(&sums).as_bytes())?;
        sign(settings, &emulator_sums_file)?;
    }

    // The network mirror: this version's document and zips, and an index of every version in it.
    let mirror = settings.mirror_dir();
    std::fs::create_dir_all(&mirror).map_err(io(mirror.display()))?;
    for p in &packages {
        std::fs::copy(dir.join(&p.file), mirror.join(&p.file)).map_err(io(&p.file))?;
    }
    write(
        &mirror.join(format!("{v}.json")),
        mirror_version_json(&packages).as_bytes(),
    )?;
    let mut versions = Vec::new();
    for entry in std::fs::read_dir(&mirror).map_err(io(mirror.display()))? {
        let name = entry
            .map_err(io(mirror.display()))?
            .file_name()
            .to_string_lossy()
            .into_owned();
        if let Some(version) = name.strip_suffix(".json") {
            if version != "index" {
                versions.push(version.to_string());
            }
        }
    }
    versions.sort();
    write(
        &mirror.join("index.json"),
        mirror_index_json(versions.iter().map(String::as_str)).as_bytes(),
    )?;

    let mut files = Vec::new();
    for entry in std::fs::read_dir(&dir).map_err(io(dir.display()))? {
        let entry = entry.map_err(io(dir.display()))?;
        let len = entry.metadata().map_err(io(dir.display()))?.len();
        files.push((entry.file_name().to_string_lossy().into_owned(), len));
    }
    files.sort();
    Ok(Release {
        dir,
        packages,
        files,
        mirror,
    })
}

/// Writes the detached binary signature `<file>.sig` with the configured key, or removes a stale
/// one when there is no key.
fn sign(settings: &Settings, file: &Path) -> Result<(), ReleaseError> {
    let sig = PathBuf::from(format!("{}.sig", file.display()));
    let _ = std::fs::remove_file(&sig);
    let Some(key) = &settings.gpg_key else {
        return Ok(());
    };
    let mut cmd = Command::new("gpg");
    if let Some(home) = &settings.gnupg_home {
        cmd.env("GNUPGHOME", home);
    }
    run(cmd
        .args(["--batch", "--yes", "--no-tty", "--local-user", key])
        .arg("--output")
        .arg(&sig)
        .arg("--detach-sign")
        .arg(file))?;
    Ok(())
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), ReleaseError> {
    std::fs::write(path, bytes).map_err(io(path.display()))
}

/// Runs a tool; its stdout on success, its stderr in the error otherwise.
fn run(cmd: &mut Command) -> Result<String, ReleaseError> {
    let program = cmd.get_program().to_string_lossy().into_owned();
    let out = cmd.output().map_err(|e| {
        ReleaseError::Tool(format!(
            "could not run `{program}` ({e}); install it (e.g. apt-get install zip unzip gnupg)"
        ))
    })?;
    if !out.status.success() {
        return Err(ReleaseError::Tool(format!(
            "`{program}` failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// A directory removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(what: &str) -> Result<TempDir, ReleaseError> {
        let path = std::env::temp_dir().join(format!(
            "aml-release-{what}-{}-{}",
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(&path).map_err(io(path.display()))?;
        Ok(TempDir(path))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn h1_is_go_dirhash_hash1() {
        // One file `a` holding "hello\n": the summary is "<sha256 hex>  a\n"; the expected value
        // was computed independently with `sha256sum | xxd -r -p | base64`.
        let files = [("a".to_string(), sha256_hex(b"hello\n"))];
        assert_eq!(
            files[0].1,
            "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"
        );
        assert_eq!(
            h1_of(&files).unwrap(),
            "h1:5Fn9UlLDraC1wY/JAI5JBHb+Ice9ZdUmjUVTW+ldYmc="
        );
        // The order of the input does not matter; paths sort bytewise.
        let two = [
            ("b/x".to_string(), sha256_hex(b"1")),
            ("a".to_string(), sha256_hex(b"2")),
        ];
        let mut rev = two.clone();
        rev.reverse();
        assert_eq!(h1_of(&two).unwrap(), h1_of(&rev).unwrap());
        assert!(h1_of(&[("a\nb".into(), "00".into())]).is_err());
    }

    #[test]
    fn sums_are_sorted_sha256sum_lines() {
        let s = sha256sums(&[
            ("b.zip".into(), "22".into()),
            ("a.json".into(), "11".into()),
        ]);
        assert_eq!(s, "11  a.json\n22  b.zip\n");
    }

    #[test]
    fn platforms_use_go_names() {
        let p = |t| Platform::from_target(t).map(|p| p.key());
        assert_eq!(
            p("x86_64-unknown-linux-gnu").as_deref(),
            Some("linux_amd64")
        );
        assert_eq!(
            p("aarch64-unknown-linux-musl").as_deref(),
            Some("linux_arm64")
        );
        assert_eq!(p("aarch64-apple-darwin").as_deref(), Some("darwin_arm64"));
        assert_eq!(
            p("x86_64-pc-windows-msvc").as_deref(),
            Some("windows_amd64")
        );
        assert_eq!(p("wasm32-unknown-unknown"), None);
        let w = Platform::from_target("x86_64-pc-windows-msvc").unwrap();
        assert_eq!(
            names::provider_executable("1.2.3", &w),
            "terraform-provider-aml_v1.2.3.exe"
        );
    }

    #[test]
    fn mirror_documents_follow_the_protocol() {
        let p = Package {
            platform: Platform {
                os: "linux".into(),
                arch: "amd64".into(),
            },
            file: "terraform-provider-aml_0.1.0_linux_amd64.zip".into(),
            h1: "h1:x".into(),
            zh: "zh:y".into(),
        };
        let v: serde_json::Value = serde_json::from_str(&mirror_version_json(&[p])).unwrap();
        assert_eq!(
            v["archives"]["linux_amd64"]["url"],
            "terraform-provider-aml_0.1.0_linux_amd64.zip"
        );
        assert_eq!(
            v["archives"]["linux_amd64"]["hashes"],
            serde_json::json!(["h1:x", "zh:y"])
        );
        let i: serde_json::Value =
            serde_json::from_str(&mirror_index_json(["0.1.0", "0.2.0"])).unwrap();
        assert_eq!(
            i,
            serde_json::json!({"versions": {"0.1.0": {}, "0.2.0": {}}})
        );
    }

    #[test]
    fn the_manifest_says_protocol_5() {
        let m: serde_json::Value = serde_json::from_str(MANIFEST).unwrap();
        assert_eq!(m["version"], 1);
        assert_eq!(
            m["metadata"]["protocol_versions"],
            serde_json::json!([format!("{}.0", crate::tfplugin::serve::PROTOCOL_VERSION)])
        );
    }
}
