//! Host configuration (DESIGN §6): `CARACAL_CONFIG`, else `./caracal.toml`,
//! else `CARACAL_*` environment variables, else the embedded defaults (zone
//! `local`, application `default`).
//!
//! Bad configuration fails at start-up with every bad entry listed, never
//! just the first.

mod env;
mod file;
mod validate;

use crate::limits::RunLimits;
use std::fmt;
use std::path::{Path, PathBuf};

/// Zone of the embedded default.
pub const DEFAULT_ZONE_ID: &str = "local";
/// Application of the embedded default.
pub const DEFAULT_APPLICATION_ID: &str = "default";
/// Service lease length of the embedded default, in seconds.
pub const DEFAULT_LEASE_SECONDS: u32 = 30;

/// The host's configuration, validated.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct HostConfig {
    /// Zone every session belongs to.
    pub zone_id: String,
    /// Application whose authority each root context carries.
    pub application_id: String,
    /// A Caracal Gateway to route resource-bound calls through; none means
    /// the embedded gateway.
    pub gateway_url: Option<String>,
    /// Resource bindings: which upstream URL prefixes belong to which
    /// resource id.
    pub resources: Vec<ResourceBinding>,
    /// Hosts reachable without a resource binding, in Spin's
    /// `allowed_outbound_hosts` grammar (`scheme://host[:port]`, `*`
    /// wildcards). Empty: no other host is reachable.
    pub allowed_outbound_hosts: Vec<String>,
    /// The durable state store (`[store] url`, `CARACAL_STORE_URL`): a
    /// `postgres://` URL shared by many hosts, or a SQLite file path
    /// (`sqlite:PATH` or a plain path). `None`: the library keeps state in
    /// memory only; the binary uses `.caracal/caracal.db`.
    pub store_url: Option<String>,
    /// Where the audit trail is appended (`audit_file`, `CARACAL_AUDIT_FILE`).
    /// The library audits nothing without one; the `caracal-host` binary
    /// defaults to `.caracal/audit.jsonl`.
    pub audit_file: Option<PathBuf>,
    /// A Rego policy every outbound call must pass (`policy_file`,
    /// `CARACAL_POLICY_FILE`); rule `data.caracal.allow`.
    pub policy_file: Option<PathBuf>,
    /// Task TTL when a spawn names none, 1..=86400 seconds.
    pub default_ttl_seconds: u32,
    /// Service lease length, 1..=3600 seconds (default 30).
    pub lease_seconds: u32,
    /// Most live sessions under one root, i.e. one agent's whole tree
    /// (`max_sessions_per_root`, `CARACAL_MAX_SESSIONS_PER_ROOT`;
    /// 1..=1000000, default 2048).
    pub max_sessions_per_root: usize,
    /// Keep outbound connections alive for reuse (`outbound_pool`,
    /// `CARACAL_OUTBOUND_POOL`; default true). Off: a new connection per
    /// request.
    pub outbound_pool: bool,
    /// The issuer URL every token names (`issuer_url`,
    /// `CARACAL_ISSUER_URL`): https, or loopback http (as upstream Caracal
    /// requires). Verifiers fetch the key set from
    /// `{issuer_url}/.well-known/jwks.json`. `None`: tokens name
    /// `caracal-host` and no issuer listener starts.
    pub issuer_url: Option<String>,
    /// Where the host serves its key set (`issuer_listen`,
    /// `CARACAL_ISSUER_LISTEN`, `host:port`). `None`: at the issuer URL's
    /// own address when that is loopback http; otherwise nowhere (a proxy
    /// or `serve` publishes it).
    pub issuer_listen: Option<std::net::SocketAddr>,
    /// The algorithm new signing keys use (`signing_alg`,
    /// `CARACAL_SIGNING_ALG`; `ES256` by default, or `EdDSA`).
    pub signing_algorithm: crate::token::SigningAlgorithm,
    /// Resource limits for every agent run (none by default).
    pub limits: RunLimits,
    /// Directories every agent run gets (`[run] dir` / `dir_rw`, paths
    /// relative to the file), before those of its [`RunOptions`](crate::RunOptions).
    pub run_dirs: Vec<crate::DirGrant>,
    /// Environment variables every agent run gets (`[run] env`).
    pub run_env: Vec<(String, String)>,
    /// `CARACAL_ENV=production`: refuse non-loopback `http://` URLs.
    pub production: bool,
    /// `CARACAL_ALLOW_INSECURE_CONFIG_URLS=true`: accept them anyway.
    pub allow_insecure_config_urls: bool,
    /// Where this configuration came from.
    pub source: ConfigSource,
}

/// An upstream URL prefix bound to a resource id, with the scopes its
/// methods and paths require and the credential the embedded gateway
/// injects.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ResourceBinding {
    /// The resource id, e.g. `resource://tickets`.
    pub resource_id: String,
    /// The upstream URL prefix, e.g. `https://tickets.example/api`.
    pub upstream_prefix: String,
    /// `("METHOD /path/pattern", scopes)` rules (`rules` table in
    /// `caracal.toml`). Empty: no particular scope is required, only
    /// authority over the resource.
    pub rules: Vec<(String, Vec<String>)>,
    /// The upstream credential (`[resources."<id>".credential]`).
    pub credential: Option<Credential>,
    /// Without a credential, the embedded gateway sends the session's
    /// resource mandate (`Authorization: Bearer`, `use=resource`) to the
    /// upstream, as a Caracal-protected API expects (`mandate`, default
    /// true; false sends no authorization at all).
    pub mandate: bool,
}

impl ResourceBinding {
    /// A binding with no rules and no credential.
    pub fn new(resource_id: impl Into<String>, upstream_prefix: impl Into<String>) -> Self {
        ResourceBinding {
            resource_id: resource_id.into(),
            upstream_prefix: upstream_prefix.into(),
            rules: Vec::new(),
            credential: None,
            mandate: true,
        }
    }
}

/// A header the embedded gateway sets on requests to a resource's upstream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credential {
    /// The header name, e.g. `authorization`.
    pub header: String,
    /// The header value (read from `value_env` or `value_file`, with the
    /// optional `prefix`), kept out of `Debug` output.
    pub value: Secret,
    /// The bare secret (the value without its `prefix`): the host masks
    /// this form too in everything the upstream answers.
    pub secret: Secret,
}

/// A secret string whose `Debug` form is redacted.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The secret itself.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

/// Where a configuration came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConfigSource {
    /// A `caracal.toml` file.
    File(PathBuf),
    /// `CARACAL_*` environment variables.
    Environment,
    /// Nothing configured: the embedded defaults.
    Defaults,
}

impl fmt::Display for ConfigSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigSource::File(path) => write!(f, "{}", path.display()),
            ConfigSource::Environment => f.write_str("CARACAL_* environment"),
            ConfigSource::Defaults => f.write_str("embedded defaults"),
        }
    }
}

/// One bad configuration entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigProblem {
    /// The key or variable at fault, e.g. `gateway_url` or `CARACAL_ZONE_ID`.
    pub key: String,
    /// What is wrong with it.
    pub message: String,
}

/// Invalid configuration: every problem found, with where it came from.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct ConfigError {
    /// The configuration that was being read.
    pub origin: ConfigSource,
    /// Every bad entry found.
    pub problems: Vec<ConfigProblem>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid configuration ({}): {} problem",
            self.origin,
            self.problems.len()
        )?;
        if self.problems.len() != 1 {
            f.write_str("s")?;
        }
        for problem in &self.problems {
            write!(f, "\n  - {}: {}", problem.key, problem.message)?;
        }
        Ok(())
    }
}

impl Default for HostConfig {
    fn default() -> Self {
        HostConfig {
            zone_id: DEFAULT_ZONE_ID.into(),
            application_id: DEFAULT_APPLICATION_ID.into(),
            gateway_url: None,
            resources: Vec::new(),
            allowed_outbound_hosts: Vec::new(),
            policy_file: None,
            audit_file: None,
            store_url: None,
            default_ttl_seconds: caracal_authority::DEFAULT_TTL_SECONDS,
            lease_seconds: DEFAULT_LEASE_SECONDS,
            max_sessions_per_root: caracal_authority::DEFAULT_MAX_SESSIONS_PER_ROOT,
            outbound_pool: true,
            issuer_url: None,
            issuer_listen: None,
            signing_algorithm: crate::token::SigningAlgorithm::default(),
            limits: RunLimits::default(),
            run_dirs: Vec::new(),
            run_env: Vec::new(),
            production: false,
            allow_insecure_config_urls: false,
            source: ConfigSource::Defaults,
        }
    }
}

impl HostConfig {
    /// Loads the configuration from this process's environment and working
    /// directory.
    pub fn load() -> Result<HostConfig, ConfigError> {
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
        HostConfig::load_from(&|name| std::env::var(name).ok(), &cwd)
    }

    /// Loads the configuration from an explicit environment and directory:
    /// `CARACAL_CONFIG`, else `<dir>/caracal.toml`, else `CARACAL_*`
    /// variables. `CARACAL_ENV` and `CARACAL_ALLOW_INSECURE_CONFIG_URLS`
    /// apply whatever the source.
    pub fn load_from(
        env: &dyn Fn(&str) -> Option<String>,
        dir: &Path,
    ) -> Result<HostConfig, ConfigError> {
        let explicit = env("CARACAL_CONFIG").filter(|path| !path.trim().is_empty());
        let local = dir.join("caracal.toml");
        let mut raw = match explicit {
            Some(path) => file::read(&dir.join(path), env)?,
            None if local.is_file() => file::read(&local, env)?,
            None => env::read(env),
        };
        env::apply_deployment(env, &mut raw);
        raw.validate()
    }
}
