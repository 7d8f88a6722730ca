//! Configuration loading (DESIGN §6): sources, precedence, and bad input
//! reported entry by entry.

use caracal_host::config::{ConfigSource, HostConfig};
use std::collections::HashMap;
use std::path::Path;

fn load(vars: &[(&str, &str)], dir: &Path) -> Result<HostConfig, caracal_host::ConfigError> {
    let vars: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    HostConfig::load_from(&|name| vars.get(name).cloned(), dir)
}

#[test]
fn nothing_configured_means_the_embedded_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let config = load(&[], dir.path()).unwrap();
    assert_eq!(
        (config.zone_id.as_str(), config.application_id.as_str()),
        ("local", "default")
    );
    assert_eq!(config.default_ttl_seconds, 3600);
    assert_eq!(config.source, ConfigSource::Defaults);
}

#[test]
fn environment_variables_configure_the_host() {
    let dir = tempfile::tempdir().unwrap();
    let resources = dir.path().join("resources.json");
    std::fs::write(&resources, r#"[{"resource_id": "resource://billing", "upstream_prefix": "https://billing.example/v1"}]"#)
        .unwrap();
    let config = load(
        &[
            ("CARACAL_ZONE_ID", "eu-1"),
            ("CARACAL_APPLICATION_ID", "support-bot"),
            ("CARACAL_GATEWAY_URL", "https://gateway.example/"),
            (
                "CARACAL_RESOURCES",
                "resource://tickets=https://tickets.example/api",
            ),
            ("CARACAL_RESOURCES_FILE", resources.to_str().unwrap()),
            ("CARACAL_DEFAULT_TTL_SECONDS", "600"),
        ],
        dir.path(),
    )
    .unwrap();
    assert_eq!(config.zone_id, "eu-1");
    assert_eq!(config.application_id, "support-bot");
    assert_eq!(
        config.gateway_url.as_deref(),
        Some("https://gateway.example")
    );
    assert_eq!(config.default_ttl_seconds, 600);
    let ids: Vec<_> = config
        .resources
        .iter()
        .map(|r| r.resource_id.as_str())
        .collect();
    assert_eq!(ids, ["resource://tickets", "resource://billing"]);
    assert_eq!(config.source, ConfigSource::Environment);
}

#[test]
fn a_local_caracal_toml_wins_over_the_environment_and_caracal_config_over_both() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("caracal.toml"), "zone_id = \"from-file\"\n").unwrap();
    std::fs::write(dir.path().join("other.toml"), "zone_id = \"explicit\"\n").unwrap();
    let config = load(&[("CARACAL_ZONE_ID", "from-env")], dir.path()).unwrap();
    assert_eq!(config.zone_id, "from-file");
    let config = load(&[("CARACAL_CONFIG", "other.toml")], dir.path()).unwrap();
    assert_eq!(config.zone_id, "explicit");
}

#[test]
fn every_bad_entry_is_listed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("caracal.toml"),
        r#"
zone_id = "bad zone"
application_id = ""
gateway_url = "ftp://gateway.example"
default_ttl_seconds = 0
colour = "blue"

[resources."resource://tickets"]
upstream_prefix = "not a url"
"#,
    )
    .unwrap();
    let error = load(&[], dir.path()).unwrap_err();
    let keys: Vec<_> = error.problems.iter().map(|p| p.key.as_str()).collect();
    for key in [
        "zone_id",
        "application_id",
        "gateway_url",
        "default_ttl_seconds",
        "colour",
        "resources.\"resource://tickets\"",
    ] {
        assert!(keys.contains(&key), "missing {key} in {error}");
    }
    assert_eq!(error.problems.len(), 6, "{error}");
    let text = error.to_string();
    assert!(text.starts_with("invalid configuration"), "{text}");
    assert!(text.contains("colour: unknown key"), "{text}");
}

#[test]
fn bad_environment_values_are_all_listed() {
    let dir = tempfile::tempdir().unwrap();
    let error = load(
        &[
            ("CARACAL_DEFAULT_TTL_SECONDS", "86401"),
            ("CARACAL_RESOURCES", "no-equals-sign,ok=https://ok.example"),
            ("CARACAL_RESOURCES_FILE", "/nonexistent/resources.json"),
            ("CARACAL_ENV", "staging"),
        ],
        dir.path(),
    )
    .unwrap_err();
    let mut keys: Vec<_> = error.problems.iter().map(|p| p.key.as_str()).collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "CARACAL_DEFAULT_TTL_SECONDS",
            "CARACAL_ENV",
            "CARACAL_RESOURCES[0]",
            "CARACAL_RESOURCES_FILE"
        ],
        "{error}"
    );
}

#[test]
fn production_refuses_plain_http_unless_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let vars = [
        ("CARACAL_ENV", "production"),
        ("CARACAL_GATEWAY_URL", "http://gateway.example"),
    ];
    let error = load(&vars, dir.path()).unwrap_err();
    assert_eq!(error.problems[0].key, "CARACAL_GATEWAY_URL");
    let loopback = [
        ("CARACAL_ENV", "production"),
        ("CARACAL_GATEWAY_URL", "http://127.0.0.1:8080"),
    ];
    assert!(load(&loopback, dir.path()).is_ok());
    let allowed = [
        vars[0],
        vars[1],
        ("CARACAL_ALLOW_INSECURE_CONFIG_URLS", "true"),
    ];
    assert!(load(&allowed, dir.path()).unwrap().production);
}

#[test]
fn a_missing_explicit_config_file_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let error = load(&[("CARACAL_CONFIG", "missing.toml")], dir.path()).unwrap_err();
    assert_eq!(error.problems[0].key, "CARACAL_CONFIG");
}

#[test]
fn lease_length_and_run_limits_come_from_the_environment_or_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let config = load(
        &[
            ("CARACAL_LEASE_SECONDS", "5"),
            ("CARACAL_MAX_MEMORY_MB", "64"),
            ("CARACAL_MAX_WALL_SECONDS", "90"),
            ("CARACAL_MAX_SESSIONS_PER_ROOT", "300"),
        ],
        dir.path(),
    )
    .unwrap();
    assert_eq!(config.lease_seconds, 5);
    assert_eq!(config.max_sessions_per_root, 300);
    assert_eq!(config.limits.max_memory_bytes, Some(64 << 20));
    assert_eq!(
        config.limits.max_wall_time,
        Some(std::time::Duration::from_secs(90))
    );

    std::fs::write(
        dir.path().join("caracal.toml"),
        "lease_seconds = 10\nmax_memory_mb = 128\nmax_wall_seconds = 30\nmax_sessions_per_root = 5000\n",
    )
    .unwrap();
    let config = load(&[], dir.path()).unwrap();
    assert_eq!(config.lease_seconds, 10);
    assert_eq!(config.max_sessions_per_root, 5000);
    assert_eq!(
        load(&[], tempfile::tempdir().unwrap().path())
            .unwrap()
            .max_sessions_per_root,
        caracal_host::authority::DEFAULT_MAX_SESSIONS_PER_ROOT
    );
    assert_eq!(config.limits.max_memory_bytes, Some(128 << 20));
    assert_eq!(
        config.limits.max_wall_time,
        Some(std::time::Duration::from_secs(30))
    );
}

#[test]
fn out_of_range_lease_and_limits_are_all_listed() {
    let dir = tempfile::tempdir().unwrap();
    let error = load(
        &[
            ("CARACAL_LEASE_SECONDS", "0"),
            ("CARACAL_MAX_MEMORY_MB", "lots"),
            ("CARACAL_MAX_WALL_SECONDS", "-1"),
        ],
        dir.path(),
    )
    .unwrap_err();
    let mut keys: Vec<_> = error.problems.iter().map(|p| p.key.as_str()).collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "CARACAL_LEASE_SECONDS",
            "CARACAL_MAX_MEMORY_MB",
            "CARACAL_MAX_WALL_SECONDS"
        ],
        "{error}"
    );
    assert!(
        error
            .to_string()
            .contains("expected a whole number in 1..=3600, got `0`"),
        "{error}"
    );
}

/// Random and mutated `caracal.toml` files: the loader returns a
/// configuration or a list of problems, never panics. A long campaign:
/// `PROPTEST_CASES=100000 cargo test -p caracal-host --test all config::fuzz`.
mod fuzz {
    use caracal_host::HostConfig;
    use proptest::prelude::*;

    const CONFIG: &str = r#"zone_id = "eu-1"
application_id = "bot"
default_ttl_seconds = 900
lease_seconds = 10
max_memory_mb = 64
max_sessions_per_root = 100
allowed_outbound_hosts = ["https://*.example.com", "http://127.0.0.1:8080"]
gateway_url = "https://gw.example"
[store]
url = "state.db"
[resources."resource://tickets"]
upstream_prefix = "https://tickets.example/api"
[resources."resource://tickets".rules]
"GET /tickets/**" = ["tickets:read"]
[resources."resource://tickets".credential]
header = "authorization"
prefix = "Bearer "
value_env = "TICKETS_TOKEN"
"#;

    fn mutated() -> impl Strategy<Value = String> {
        let lines: Vec<String> = CONFIG.lines().map(str::to_owned).collect();
        let n = lines.len();
        proptest::collection::vec((0..n, 0u8..3, "[\\[\\]{}\"=.:/a-z0-9* -]{0,14}"), 0..5).prop_map(
            move |edits| {
                let mut lines = lines.clone();
                for (at, op, text) in edits {
                    let at = at.min(lines.len().saturating_sub(1));
                    match op {
                        0 => lines[at] = text,
                        1 => lines.insert(at, text),
                        _ if lines.len() > 1 => {
                            lines.remove(at);
                        }
                        _ => {}
                    }
                }
                lines.join("\n")
            },
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn config_files_load_or_list_their_problems(text in prop_oneof![mutated(), any::<String>()]) {
            let dir = tempfile::tempdir().unwrap();
            std::fs::write(dir.path().join("caracal.toml"), &text).unwrap();
            let env = |name: &str| (name == "TICKETS_TOKEN").then(|| "s3cret".to_owned());
            if let Err(error) = HostConfig::load_from(&env, dir.path()) {
                prop_assert!(!error.to_string().is_empty());
            }
        }
    }
}

#[test]
fn the_issuer_is_https_or_loopback_and_bad_issuer_settings_are_all_listed() {
    let dir = tempfile::tempdir().unwrap();
    let good = load(
        &[
            ("CARACAL_ISSUER_URL", "https://sts.example/zones/a/"),
            ("CARACAL_ISSUER_LISTEN", "127.0.0.1:4100"),
            ("CARACAL_SIGNING_ALG", "EdDSA"),
        ],
        dir.path(),
    )
    .unwrap();
    assert_eq!(
        good.issuer_url.as_deref(),
        Some("https://sts.example/zones/a")
    );
    assert_eq!(good.issuer_listen, Some("127.0.0.1:4100".parse().unwrap()));
    assert_eq!(
        good.signing_algorithm,
        caracal_host::token::SigningAlgorithm::EdDsa
    );
    let loopback = load(
        &[("CARACAL_ISSUER_URL", "http://localhost:4100")],
        dir.path(),
    );
    assert!(loopback.is_ok());
    assert_eq!(
        load(&[], dir.path()).unwrap().signing_algorithm,
        caracal_host::token::SigningAlgorithm::Es256,
        "ES256 unless configured"
    );

    let error = load(
        &[
            ("CARACAL_ISSUER_URL", "http://sts.example"),
            ("CARACAL_ISSUER_LISTEN", "somewhere"),
            ("CARACAL_SIGNING_ALG", "RS256"),
        ],
        dir.path(),
    )
    .unwrap_err();
    let mut keys: Vec<_> = error.problems.iter().map(|p| p.key.as_str()).collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "CARACAL_ISSUER_LISTEN",
            "CARACAL_ISSUER_URL",
            "CARACAL_SIGNING_ALG"
        ],
        "{error}"
    );
    // Plain http elsewhere only when insecure URLs are allowed, as
    // upstream's verifiers allow them.
    let allowed = load(
        &[
            ("CARACAL_ISSUER_URL", "http://sts.example"),
            ("CARACAL_ALLOW_INSECURE_CONFIG_URLS", "true"),
        ],
        dir.path(),
    );
    assert!(allowed.is_ok());
    std::fs::write(
        dir.path().join("caracal.toml"),
        "issuer_url = \"ftp://x\"\n[resources.\"resource://a\"]\nupstream_prefix = \"https://a.example\"\nmandate = \"yes\"\n",
    )
    .unwrap();
    let error = load(&[], dir.path()).unwrap_err();
    let keys: Vec<_> = error.problems.iter().map(|p| p.key.as_str()).collect();
    assert!(keys.contains(&"issuer_url"), "{error}");
    assert!(
        keys.contains(&"resources.\"resource://a\".mandate"),
        "{error}"
    );
}
