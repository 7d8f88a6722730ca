//! Reading `CARACAL_*` environment variables.

use super::validate::RawConfig;
use super::{ConfigSource, ResourceBinding};
use std::path::Path;

/// Every variable this module reads, besides `CARACAL_CONFIG`.
const VARIABLES: [&str; 18] = [
    "CARACAL_OUTBOUND_POOL",
    "CARACAL_ISSUER_URL",
    "CARACAL_ISSUER_LISTEN",
    "CARACAL_SIGNING_ALG",
    "CARACAL_AUDIT_FILE",
    "CARACAL_STORE_URL",
    "CARACAL_ALLOWED_OUTBOUND_HOSTS",
    "CARACAL_POLICY_FILE",
    "CARACAL_ZONE_ID",
    "CARACAL_APPLICATION_ID",
    "CARACAL_GATEWAY_URL",
    "CARACAL_RESOURCES",
    "CARACAL_RESOURCES_FILE",
    "CARACAL_DEFAULT_TTL_SECONDS",
    "CARACAL_LEASE_SECONDS",
    "CARACAL_MAX_SESSIONS_PER_ROOT",
    "CARACAL_MAX_MEMORY_MB",
    "CARACAL_MAX_WALL_SECONDS",
];

/// Reads the configuration from `CARACAL_*` variables; with none set, the
/// embedded defaults.
pub(crate) fn read(env: &dyn Fn(&str) -> Option<String>) -> RawConfig {
    let set = |name: &str| env(name).map(|value| (name.to_string(), value));
    let any = VARIABLES.iter().any(|name| env(name).is_some());
    let mut raw = RawConfig::new(if any {
        ConfigSource::Environment
    } else {
        ConfigSource::Defaults
    });
    raw.zone_id = set("CARACAL_ZONE_ID");
    raw.application_id = set("CARACAL_APPLICATION_ID");
    raw.gateway_url = set("CARACAL_GATEWAY_URL").filter(|(_, v)| !v.trim().is_empty());
    raw.default_ttl_seconds = set("CARACAL_DEFAULT_TTL_SECONDS");
    raw.lease_seconds = set("CARACAL_LEASE_SECONDS");
    raw.max_sessions_per_root = set("CARACAL_MAX_SESSIONS_PER_ROOT");
    raw.outbound_pool = set("CARACAL_OUTBOUND_POOL");
    raw.issuer_url = set("CARACAL_ISSUER_URL").filter(|(_, v)| !v.trim().is_empty());
    raw.issuer_listen = set("CARACAL_ISSUER_LISTEN").filter(|(_, v)| !v.trim().is_empty());
    raw.signing_alg = set("CARACAL_SIGNING_ALG").filter(|(_, v)| !v.trim().is_empty());
    if let Some(list) = env("CARACAL_ALLOWED_OUTBOUND_HOSTS") {
        raw.allowed_outbound_hosts = Some((
            "CARACAL_ALLOWED_OUTBOUND_HOSTS".into(),
            list.split(',')
                .map(str::trim)
                .filter(|entry| !entry.is_empty())
                .map(String::from)
                .collect(),
        ));
    }
    raw.store_url = set("CARACAL_STORE_URL").filter(|(_, v)| !v.trim().is_empty());
    raw.audit_file = set("CARACAL_AUDIT_FILE").filter(|(_, v)| !v.trim().is_empty());
    raw.policy_file = set("CARACAL_POLICY_FILE").filter(|(_, v)| !v.trim().is_empty());
    raw.max_memory_mb = set("CARACAL_MAX_MEMORY_MB");
    raw.max_wall_seconds = set("CARACAL_MAX_WALL_SECONDS");
    if let Some(list) = env("CARACAL_RESOURCES") {
        parse_resource_list(&mut raw, &list);
    }
    if let Some(path) = env("CARACAL_RESOURCES_FILE").filter(|p| !p.trim().is_empty()) {
        read_resources_file(&mut raw, "CARACAL_RESOURCES_FILE", Path::new(&path));
    }
    raw
}

/// `CARACAL_ENV` and `CARACAL_ALLOW_INSECURE_CONFIG_URLS` describe the
/// deployment, so they apply over any source.
pub(crate) fn apply_deployment(env: &dyn Fn(&str) -> Option<String>, raw: &mut RawConfig) {
    if let Some(value) = env("CARACAL_ENV") {
        raw.production = Some(("CARACAL_ENV".into(), value));
    }
    if let Some(value) = env("CARACAL_ALLOW_INSECURE_CONFIG_URLS") {
        raw.allow_insecure = Some(("CARACAL_ALLOW_INSECURE_CONFIG_URLS".into(), value));
    }
}

/// `id=prefix,id=prefix`: the id is everything before the first `=`.
fn parse_resource_list(raw: &mut RawConfig, list: &str) {
    for (index, entry) in list.split(',').map(str::trim).enumerate() {
        if entry.is_empty() {
            continue;
        }
        let key = format!("CARACAL_RESOURCES[{index}]");
        match entry.split_once('=') {
            Some((id, prefix)) => raw
                .resources
                .push((key, ResourceBinding::new(id.trim(), prefix.trim()))),
            None => raw.problem(
                key,
                format!("`{entry}` is not `resource_id=upstream_prefix`"),
            ),
        }
    }
}

/// A JSON object `{"id": "prefix"}` or a list of
/// `{"resource_id": …, "upstream_prefix": …}`.
pub(crate) fn read_resources_file(raw: &mut RawConfig, key: &str, path: &Path) {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) => return raw.problem(key, format!("cannot read {}: {e}", path.display())),
    };
    let json: serde_json::Value = match serde_json::from_str(&text) {
        Ok(json) => json,
        Err(e) => return raw.problem(key, format!("{} is not JSON: {e}", path.display())),
    };
    let entry_key = |name: &str| format!("{key}:{name}");
    match json {
        serde_json::Value::Object(map) => {
            for (id, prefix) in map {
                match prefix.as_str() {
                    Some(prefix) => raw
                        .resources
                        .push((entry_key(&id), ResourceBinding::new(id.clone(), prefix))),
                    None => raw.problem(entry_key(&id), "the upstream prefix must be a string"),
                }
            }
        }
        serde_json::Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                let field =
                    |name: &str| item.get(name).and_then(|v| v.as_str()).map(str::to_string);
                match (field("resource_id"), field("upstream_prefix")) {
                    (Some(resource_id), Some(upstream_prefix)) => raw.resources.push((
                        entry_key(&index.to_string()),
                        ResourceBinding::new(resource_id, upstream_prefix),
                    )),
                    _ => raw.problem(
                        entry_key(&index.to_string()),
                        "expected {\"resource_id\": string, \"upstream_prefix\": string}",
                    ),
                }
            }
        }
        _ => raw.problem(key, "expected a JSON object or list"),
    }
}
