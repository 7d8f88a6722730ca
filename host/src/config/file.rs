//! Reading `caracal.toml`.

use super::validate::RawConfig;
use super::{ConfigError, ConfigSource, Credential, ResourceBinding, Secret};
use std::path::Path;

/// Reads and checks the shape of a `caracal.toml`; values are validated
/// later with the rest.
pub(crate) fn read(
    path: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<RawConfig, ConfigError> {
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
            "max_sessions_per_root" => {
                raw.max_sessions_per_root = text().map(|v| (key.clone(), v));
            }
            "outbound_pool" => raw.outbound_pool = text().map(|v| (key.clone(), v)),
            "issuer_url" => raw.issuer_url = text().map(|v| (key.clone(), v)),
            "issuer_listen" => raw.issuer_listen = text().map(|v| (key.clone(), v)),
            "signing_alg" => raw.signing_alg = text().map(|v| (key.clone(), v)),
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
                let base = path.parent().unwrap_or(Path::new("."));
                read_resources(&mut raw, value, base, env);
                continue;
            }
            "run" => {
                let base = path.parent().unwrap_or(Path::new("."));
                read_run(&mut raw, value, base, env);
                continue;
            }
            "allowed_outbound_hosts" => {
                match value.as_array().map(|items| {
                    items
                        .iter()
                        .map(|item| item.as_str().map(String::from))
                        .collect::<Option<Vec<String>>>()
                }) {
                    Some(Some(hosts)) => raw.allowed_outbound_hosts = Some((key.clone(), hosts)),
                    _ => raw.problem(key.clone(), "expected an array of strings"),
                }
                continue;
            }
            "store" => {
                match value.as_table() {
                    Some(store) => {
                        for (k, v) in store {
                            match (k.as_str(), v.as_str()) {
                                ("url", Some(url)) => {
                                    raw.store_url = Some(("store.url".into(), url.to_owned()))
                                }
                                ("url", None) => raw.problem("store.url", "expected a string"),
                                _ => raw.problem(format!("store.{k}"), "unknown key"),
                            }
                        }
                    }
                    None => raw.problem(key.clone(), "expected a [store] table with `url`"),
                }
                continue;
            }
            "audit_file" => {
                raw.audit_file = path_value(&mut raw, key, value, path);
                continue;
            }
            "policy_file" => {
                raw.policy_file = path_value(&mut raw, key, value, path);
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

/// A path string, resolved against the directory of the file naming it.
fn path_value(
    raw: &mut RawConfig,
    key: &str,
    value: &toml::Value,
    config: &Path,
) -> Option<(String, String)> {
    let Some(file) = value.as_str() else {
        raw.problem(key, "expected a path string");
        return None;
    };
    let base = config.parent().unwrap_or(Path::new("."));
    Some((
        key.to_string(),
        base.join(file).to_string_lossy().into_owned(),
    ))
}

fn scalar(value: &toml::Value) -> Option<String> {
    match value {
        toml::Value::String(s) => Some(s.clone()),
        toml::Value::Integer(i) => Some(i.to_string()),
        toml::Value::Boolean(b) => Some(b.to_string()),
        _ => None,
    }
}

/// `[resources."<id>"]` with `upstream_prefix = "…"`, an optional `rules`
/// table (`"GET /tickets/**" = ["tickets:read"]`) and an optional
/// `credential` table (`header`, one of `value_env` / `value_file`, and an
/// optional `prefix` such as `"Bearer "`).
fn read_resources(
    raw: &mut RawConfig,
    value: &toml::Value,
    base: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) {
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
        for unknown in entry.keys().filter(|k| {
            !matches!(
                k.as_str(),
                "upstream_prefix" | "rules" | "credential" | "mandate"
            )
        }) {
            raw.problem(format!("{key}.{unknown}"), "unknown key");
        }
        let Some(prefix) = entry.get("upstream_prefix").and_then(|v| v.as_str()) else {
            raw.problem(format!("{key}.upstream_prefix"), "missing (a URL string)");
            continue;
        };
        let mut binding = ResourceBinding::new(id.clone(), prefix);
        if let Some(rules) = entry.get("rules") {
            binding.rules = read_rules(raw, &format!("{key}.rules"), rules);
        }
        if let Some(credential) = entry.get("credential") {
            binding.credential =
                read_credential(raw, &format!("{key}.credential"), credential, base, env);
        }
        match entry.get("mandate") {
            None => {}
            Some(toml::Value::Boolean(flag)) => binding.mandate = *flag,
            Some(_) => raw.problem(format!("{key}.mandate"), "expected true or false"),
        }
        raw.resources.push((key, binding));
    }
}

fn read_rules(raw: &mut RawConfig, key: &str, value: &toml::Value) -> Vec<(String, Vec<String>)> {
    let Some(table) = value.as_table() else {
        raw.problem(key, "expected a table of \"METHOD /path\" = [scopes]");
        return Vec::new();
    };
    let mut rules = Vec::new();
    for (pattern, scopes) in table {
        let scopes = scopes.as_array().and_then(|items| {
            items
                .iter()
                .map(|item| item.as_str().map(String::from))
                .collect::<Option<Vec<String>>>()
        });
        match scopes {
            Some(scopes) => rules.push((pattern.clone(), scopes)),
            None => raw.problem(
                format!("{key}.\"{pattern}\""),
                "expected an array of scope strings",
            ),
        }
    }
    rules
}

fn read_credential(
    raw: &mut RawConfig,
    key: &str,
    value: &toml::Value,
    base: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Option<Credential> {
    let Some(table) = value.as_table() else {
        raw.problem(
            key,
            "expected a table with header and value_env or value_file",
        );
        return None;
    };
    for unknown in table
        .keys()
        .filter(|k| !matches!(k.as_str(), "header" | "value_env" | "value_file" | "prefix"))
    {
        raw.problem(format!("{key}.{unknown}"), "unknown key");
    }
    let text = |name: &str| table.get(name).and_then(|v| v.as_str());
    let header = text("header").unwrap_or("authorization");
    if http::HeaderName::from_bytes(header.as_bytes()).is_err() {
        raw.problem(
            format!("{key}.header"),
            format!("`{header}` is not a header name"),
        );
        return None;
    }
    let secret = match (text("value_env"), text("value_file")) {
        (Some(var), None) => match env(var) {
            Some(value) if !value.trim().is_empty() => value.trim().to_string(),
            _ => {
                raw.problem(
                    format!("{key}.value_env"),
                    format!("environment variable `{var}` is not set"),
                );
                return None;
            }
        },
        (None, Some(file)) => match std::fs::read_to_string(base.join(file)) {
            Ok(value) if !value.trim().is_empty() => value.trim().to_string(),
            Ok(_) => {
                raw.problem(format!("{key}.value_file"), format!("`{file}` is empty"));
                return None;
            }
            Err(e) => {
                raw.problem(
                    format!("{key}.value_file"),
                    format!("cannot read `{file}`: {e}"),
                );
                return None;
            }
        },
        _ => {
            raw.problem(key, "set exactly one of value_env and value_file");
            return None;
        }
    };
    let value = format!("{}{secret}", text("prefix").unwrap_or(""));
    if http::HeaderValue::from_str(&value).is_err() {
        raw.problem(key, "the credential is not a valid header value");
        return None;
    }
    Some(Credential {
        header: header.to_ascii_lowercase(),
        value: Secret::new(value),
        secret: Secret::new(secret),
    })
}

/// `[run]`: what every agent run is given, as `run --dir`, `--dir-rw` and
/// `--env` give it: `dir` and `dir_rw` (arrays of `HOST[::GUEST]`, HOST
/// relative to the file; each must be a directory) and `env` (an array of
/// `NAME=VALUE`, or `NAME` for the host's value, which must be set).
fn read_run(
    raw: &mut RawConfig,
    value: &toml::Value,
    base: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) {
    let Some(table) = value.as_table() else {
        raw.problem("run", "expected a table with dir, dir_rw and env");
        return;
    };
    for (key, value) in table {
        let key_path = format!("run.{key}");
        let Some(items) = value.as_array().and_then(|items| {
            items
                .iter()
                .map(toml::Value::as_str)
                .collect::<Option<Vec<_>>>()
        }) else {
            raw.problem(key_path, "expected an array of strings");
            continue;
        };
        match key.as_str() {
            "dir" | "dir_rw" => {
                for spec in items {
                    let mut grant = crate::DirGrant::parse(spec, key == "dir_rw");
                    grant.host = base.join(&grant.host);
                    if grant.host.is_dir() {
                        raw.run_dirs.push(grant);
                    } else {
                        raw.problem(
                            key_path.clone(),
                            format!("`{}` is not a directory", grant.host.display()),
                        );
                    }
                }
            }
            "env" => {
                for spec in items {
                    match crate::env_grant(spec, env) {
                        Ok(var) => raw.run_env.push(var),
                        Err(message) => raw.problem(key_path.clone(), message),
                    }
                }
            }
            _ => raw.problem(key_path, "unknown key (expected dir, dir_rw or env)"),
        }
    }
}
