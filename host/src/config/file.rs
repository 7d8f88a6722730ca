//! Reading `caracal.toml`.

use super::validate::RawConfig;
use super::{ConfigError, ConfigSource, ResourceBinding};
use std::path::Path;

/// Reads and checks the shape of a `caracal.toml`; values are validated
/// later with the rest.
pub(crate) fn read(path: &Path) -> Result<RawConfig, ConfigError> {
    let mut raw = RawConfig::new(ConfigSource::File(path.to_path_buf()));
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) => {
            raw.problem(
                "CARACAL_CONFIG",
                format!("cannot read {}: {e}", path.display()),
            );
            return Err(ConfigError {
                origin: raw.source,
                problems: raw.problems,
            });
        }
    };
    let table: toml::Table = match text.parse() {
        Ok(table) => table,
        Err(e) => {
            raw.problem("caracal.toml", format!("not valid TOML: {}", e.message()));
            return Err(ConfigError {
                origin: raw.source,
                problems: raw.problems,
            });
        }
    };
    for (key, value) in &table {
        let text = || scalar(value);
        match key.as_str() {
            "zone_id" => raw.zone_id = text().map(|v| (key.clone(), v)),
            "application_id" => raw.application_id = text().map(|v| (key.clone(), v)),
            "gateway_url" => raw.gateway_url = text().map(|v| (key.clone(), v)),
            "default_ttl_seconds" => raw.default_ttl_seconds = text().map(|v| (key.clone(), v)),
            "lease_seconds" => raw.lease_seconds = text().map(|v| (key.clone(), v)),
            "max_memory_mb" => raw.max_memory_mb = text().map(|v| (key.clone(), v)),
            "max_wall_seconds" => raw.max_wall_seconds = text().map(|v| (key.clone(), v)),
            "env" => raw.production = text().map(|v| (key.clone(), v)),
            "allow_insecure_config_urls" => raw.allow_insecure = text().map(|v| (key.clone(), v)),
            "resources_file" => {
                match value.as_str() {
                    Some(file) => {
                        let base = path.parent().unwrap_or(Path::new("."));
                        super::env::read_resources_file(&mut raw, key, &base.join(file));
                    }
                    None => raw.problem(key.clone(), "expected a path string"),
                }
                continue;
            }
            "resources" => {
                read_resources(&mut raw, value);
                continue;
            }
            _ => {
                raw.problem(key.clone(), "unknown key");
                continue;
            }
        }
        if text().is_none() {
            raw.problem(key.clone(), "expected a string, number or boolean");
        }
    }
    Ok(raw)
}

fn scalar(value: &toml::Value) -> Option<String> {
    match value {
        toml::Value::String(s) => Some(s.clone()),
        toml::Value::Integer(i) => Some(i.to_string()),
        toml::Value::Boolean(b) => Some(b.to_string()),
        _ => None,
    }
}

/// `[resources."<id>"] upstream_prefix = "…"`.
fn read_resources(raw: &mut RawConfig, value: &toml::Value) {
    let Some(resources) = value.as_table() else {
        return raw.problem(
            "resources",
            "expected a table of [resources.\"<id>\"] entries",
        );
    };
    for (id, entry) in resources {
        let key = format!("resources.\"{id}\"");
        let Some(entry) = entry.as_table() else {
            raw.problem(key, "expected a table with upstream_prefix");
            continue;
        };
        for unknown in entry.keys().filter(|k| k.as_str() != "upstream_prefix") {
            raw.problem(format!("{key}.{unknown}"), "unknown key");
        }
        match entry.get("upstream_prefix").and_then(|v| v.as_str()) {
            Some(prefix) => raw.resources.push((
                key,
                ResourceBinding {
                    resource_id: id.clone(),
                    upstream_prefix: prefix.to_string(),
                },
            )),
            None => raw.problem(format!("{key}.upstream_prefix"), "missing (a URL string)"),
        }
    }
}
