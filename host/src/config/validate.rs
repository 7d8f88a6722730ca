//! Checks a raw configuration, collecting every problem before failing.

use super::{ConfigError, ConfigProblem, ConfigSource, HostConfig, ResourceBinding};
use std::net::IpAddr;

/// Configuration as read, before validation. Keys carry the name the user
/// wrote (a TOML key or an environment variable) for error messages.
#[derive(Debug)]
pub(crate) struct RawConfig {
    pub source: ConfigSource,
    pub problems: Vec<ConfigProblem>,
    pub zone_id: Option<(String, String)>,
    pub application_id: Option<(String, String)>,
    pub gateway_url: Option<(String, String)>,
    pub default_ttl_seconds: Option<(String, String)>,
    pub lease_seconds: Option<(String, String)>,
    pub max_sessions_per_root: Option<(String, String)>,
    pub outbound_pool: Option<(String, String)>,
    pub issuer_url: Option<(String, String)>,
    pub issuer_listen: Option<(String, String)>,
    pub signing_alg: Option<(String, String)>,
    pub max_memory_mb: Option<(String, String)>,
    pub max_wall_seconds: Option<(String, String)>,
    pub resources: Vec<(String, ResourceBinding)>,
    pub run_dirs: Vec<crate::DirGrant>,
    pub run_env: Vec<(String, String)>,
    pub allowed_outbound_hosts: Option<(String, Vec<String>)>,
    pub policy_file: Option<(String, String)>,
    pub audit_file: Option<(String, String)>,
    pub store_url: Option<(String, String)>,
    pub production: Option<(String, String)>,
    pub allow_insecure: Option<(String, String)>,
}

impl RawConfig {
    pub fn new(source: ConfigSource) -> RawConfig {
        RawConfig {
            source,
            problems: Vec::new(),
            zone_id: None,
            application_id: None,
            gateway_url: None,
            default_ttl_seconds: None,
            lease_seconds: None,
            max_sessions_per_root: None,
            outbound_pool: None,
            issuer_url: None,
            issuer_listen: None,
            signing_alg: None,
            max_memory_mb: None,
            max_wall_seconds: None,
            resources: Vec::new(),
            run_dirs: Vec::new(),
            run_env: Vec::new(),
            allowed_outbound_hosts: None,
            policy_file: None,
            audit_file: None,
            store_url: None,
            production: None,
            allow_insecure: None,
        }
    }

    pub fn problem(&mut self, key: impl Into<String>, message: impl Into<String>) {
        self.problems.push(ConfigProblem {
            key: key.into(),
            message: message.into(),
        });
    }

    pub fn validate(mut self) -> Result<HostConfig, ConfigError> {
        let mut config = HostConfig {
            source: self.source.clone(),
            run_dirs: std::mem::take(&mut self.run_dirs),
            run_env: std::mem::take(&mut self.run_env),
            ..HostConfig::default()
        };
        if let Some((key, value)) = self.production.take() {
            match value.trim().to_ascii_lowercase().as_str() {
                "production" | "prod" => config.production = true,
                "development" | "dev" | "test" | "local" | "" => {}
                other => self.problem(
                    key,
                    format!("unknown environment `{other}` (expected production or development)"),
                ),
            }
        }
        if let Some((key, value)) = self.allow_insecure.take() {
            match parse_bool(&value) {
                Some(flag) => config.allow_insecure_config_urls = flag,
                None => self.problem(key, format!("expected true or false, got `{value}`")),
            }
        }
        if let Some((key, value)) = self.zone_id.take() {
            match check_id(&value) {
                Ok(()) => config.zone_id = value,
                Err(message) => self.problem(key, message),
            }
        }
        if let Some((key, value)) = self.application_id.take() {
            match check_id(&value) {
                Ok(()) => config.application_id = value,
                Err(message) => self.problem(key, message),
            }
        }
        if let Some((key, value)) = self.default_ttl_seconds.take() {
            match value.trim().parse::<u32>() {
                Ok(ttl) if (1..=caracal_authority::MAX_TTL_SECONDS).contains(&ttl) => {
                    config.default_ttl_seconds = ttl
                }
                _ => self.problem(
                    key,
                    format!("expected whole seconds in 1..=86400, got `{value}`"),
                ),
            }
        }
        if let Some((key, value)) = self.lease_seconds.take() {
            match parse_in_range(&value, 1..=3600) {
                Ok(secs) => config.lease_seconds = secs,
                Err(message) => self.problem(key, message),
            }
        }
        if let Some((key, value)) = self.max_sessions_per_root.take() {
            match parse_in_range(&value, 1..=1_000_000) {
                Ok(max) => config.max_sessions_per_root = max as usize,
                Err(message) => self.problem(key, message),
            }
        }
        if let Some((key, value)) = self.outbound_pool.take() {
            match parse_bool(&value) {
                Some(flag) => config.outbound_pool = flag,
                None => self.problem(key, format!("expected true or false, got `{value}`")),
            }
        }
        if let Some((key, value)) = self.issuer_url.take() {
            match check_issuer_url(&value, &config) {
                Ok(()) => config.issuer_url = Some(value.trim_end_matches('/').to_string()),
                Err(message) => self.problem(key, message),
            }
        }
        if let Some((key, value)) = self.issuer_listen.take() {
            match value.trim().parse() {
                Ok(addr) => config.issuer_listen = Some(addr),
                Err(_) => self.problem(
                    key,
                    format!("expected host:port (an IP address and a port), got `{value}`"),
                ),
            }
        }
        if let Some((key, value)) = self.signing_alg.take() {
            match crate::token::SigningAlgorithm::parse(&value) {
                Some(alg) => config.signing_algorithm = alg,
                None => self.problem(key, format!("expected ES256 or EdDSA, got `{value}`")),
            }
        }
        if let Some((key, value)) = self.max_memory_mb.take() {
            match parse_in_range(&value, 1..=65536) {
                Ok(mb) => config.limits.max_memory_bytes = Some(u64::from(mb) << 20),
                Err(message) => self.problem(key, message),
            }
        }
        if let Some((key, value)) = self.max_wall_seconds.take() {
            match parse_in_range(&value, 1..=604_800) {
                Ok(secs) => {
                    config.limits.max_wall_time =
                        Some(std::time::Duration::from_secs(u64::from(secs)))
                }
                Err(message) => self.problem(key, message),
            }
        }
        if let Some((key, value)) = self.gateway_url.take() {
            match check_url(&value, &config) {
                Ok(()) => config.gateway_url = Some(value.trim_end_matches('/').to_string()),
                Err(message) => self.problem(key, message),
            }
        }
        for (key, binding) in std::mem::take(&mut self.resources) {
            let mut ok = true;
            if let Err(message) = check_resource_id(&binding.resource_id) {
                self.problem(key.clone(), message);
                ok = false;
            }
            if let Err(message) = check_url(&binding.upstream_prefix, &config) {
                self.problem(key.clone(), message);
                ok = false;
            }
            if config
                .resources
                .iter()
                .any(|known| known.resource_id == binding.resource_id)
            {
                self.problem(
                    key.clone(),
                    format!("resource `{}` is bound twice", binding.resource_id),
                );
                ok = false;
            }
            if !binding.rules.is_empty() {
                let rules: Vec<(&str, Vec<String>)> = binding
                    .rules
                    .iter()
                    .map(|(pattern, scopes)| (pattern.as_str(), scopes.clone()))
                    .collect();
                if let Err(errors) = caracal_outbound_rules::ScopeRules::parse(&rules) {
                    for error in errors {
                        self.problem(format!("{key}.rules"), error.to_string());
                    }
                    ok = false;
                }
            }
            if ok {
                config.resources.push(binding);
            }
        }
        if let Some((key, hosts)) = self.allowed_outbound_hosts.take() {
            match caracal_outbound_rules::AllowedHosts::parse(&hosts) {
                Ok(_) => config.allowed_outbound_hosts = hosts,
                Err(errors) => {
                    for error in errors {
                        self.problem(key.clone(), error.to_string());
                    }
                }
            }
        }
        if let Some((key, url)) = self.store_url.take() {
            if url.trim().is_empty() {
                self.problem(
                    key,
                    "empty store location (a postgres:// URL or a SQLite path)",
                );
            } else {
                config.store_url = Some(url.trim().to_owned());
            }
        }
        if let Some((_, path)) = self.audit_file.take() {
            config.audit_file = Some(std::path::PathBuf::from(path));
        }
        if let Some((key, path)) = self.policy_file.take() {
            let path = std::path::PathBuf::from(path);
            match caracal_policy::Policy::from_file(&path, caracal_policy::Policy::DEFAULT_RULE) {
                Ok(_) => config.policy_file = Some(path),
                Err(error) => self.problem(key, error.to_string()),
            }
        }
        if self.problems.is_empty() {
            Ok(config)
        } else {
            Err(ConfigError {
                origin: self.source,
                problems: self.problems,
            })
        }
    }
}

/// A whole number within `range`, or a message saying what was expected.
fn parse_in_range(value: &str, range: std::ops::RangeInclusive<u32>) -> Result<u32, String> {
    match value.trim().parse::<u32>() {
        Ok(n) if range.contains(&n) => Ok(n),
        _ => Err(format!(
            "expected a whole number in {}..={}, got `{value}`",
            range.start(),
            range.end()
        )),
    }
}

pub(crate) fn parse_bool(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Some(true),
        "false" | "0" | "no" | "off" | "" => Some(false),
        _ => None,
    }
}

fn check_id(value: &str) -> Result<(), String> {
    let ok_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':');
    if value.is_empty() || value.len() > 128 {
        Err(format!("expected 1..=128 characters, got {}", value.len()))
    } else if let Some(bad) = value.chars().find(|c| !ok_char(*c)) {
        Err(format!(
            "`{value}` has `{bad}`; use letters, digits, `-`, `_`, `.`, `:`"
        ))
    } else {
        Ok(())
    }
}

fn check_resource_id(value: &str) -> Result<(), String> {
    if value.trim().is_empty() || value.len() > 256 || value.chars().any(char::is_whitespace) {
        Err(format!(
            "resource id `{value}` must be 1..=256 characters without spaces"
        ))
    } else {
        Ok(())
    }
}

/// An `http(s)://host[:port][/path]` URL; in production a non-loopback
/// `http://` URL is refused unless insecure URLs are allowed.
fn check_url(value: &str, config: &HostConfig) -> Result<(), String> {
    let uri: http::Uri = value
        .parse()
        .map_err(|e| format!("`{value}` is not a URL: {e}"))?;
    let scheme = uri.scheme_str().unwrap_or_default();
    if scheme != "http" && scheme != "https" {
        return Err(format!("`{value}` must start with http:// or https://"));
    }
    let Some(host) = uri.host().filter(|h| !h.is_empty()) else {
        return Err(format!("`{value}` has no host"));
    };
    if uri.query().is_some() {
        return Err(format!("`{value}` must not carry a query"));
    }
    if scheme == "http"
        && config.production
        && !config.allow_insecure_config_urls
        && !is_loopback(host)
    {
        return Err(format!(
            "`{value}` is plain http to a non-loopback host in production; use https or set CARACAL_ALLOW_INSECURE_CONFIG_URLS=true"
        ));
    }
    Ok(())
}

/// An issuer URL as upstream Caracal's verifiers accept one: https, or
/// http to a loopback host (or anywhere with
/// `CARACAL_ALLOW_INSECURE_CONFIG_URLS=true`), no query or fragment.
fn check_issuer_url(value: &str, config: &HostConfig) -> Result<(), String> {
    let uri: http::Uri = value
        .parse()
        .map_err(|e| format!("`{value}` is not a URL: {e}"))?;
    let host = uri.host().filter(|h| !h.is_empty());
    match (uri.scheme_str(), host) {
        (Some("https"), Some(_)) => {}
        (Some("http"), Some(host)) if is_loopback(host) || config.allow_insecure_config_urls => {}
        (Some("http"), Some(_)) => {
            return Err(format!(
                "`{value}` is plain http to a non-loopback host; verifiers refuse such an issuer (use https, or set CARACAL_ALLOW_INSECURE_CONFIG_URLS=true for development)"
            ));
        }
        _ => {
            return Err(format!(
                "`{value}` must be an https:// (or loopback http://) URL"
            ));
        }
    }
    if uri.query().is_some() || value.contains('#') {
        return Err(format!("`{value}` must not carry a query or fragment"));
    }
    Ok(())
}

fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.eq_ignore_ascii_case("localhost")
        || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}
