use std::collections::BTreeMap;
use std::path::Path;

use super::*;
use crate::{ManifestProblem, Router};

const REALISTIC: &str = r#"
spin_manifest_version = 2

[application]
name = "ticket-shop"
version = "1.2.0"
description = "Sells tickets"
authors = ["Ada <ada@example.com>"]

[application.trigger.http]
base = "/shop"

[variables]
api_token = { required = true, secret = true }
api_host = { default = "api.example.com" }
greeting = { default = "hello", description = "what to say" }

[[trigger.http]]
id = "api-trigger"
route = "/api/..."
component = "api"

[[trigger.http]]
route = "/"
component = "home"
executor = { type = "spin" }

[[trigger.http]]
route = { private = true }
component = "internal"

[component.api]
source = "target/wasm32-wasip2/release/api.wasm"
description = "The API"
allowed_outbound_hosts = ["https://{{ api_host }}", "https://auth.example.com:8443"]
exclude_files = ["**/secret"]
key_value_stores = []
[component.api.variables]
token = "{{ api_token }}"
endpoint = "https://{{api_host}}/v1"
mode = "literal"
[component.api.environment]
RUST_LOG = "info"
[component.api.build]
command = "cargo build --target wasm32-wasip2 --release"
watch = ["src/**/*.rs"]

[component.home]
source = "home.wasm"

[component.internal]
source = "/opt/wasm/internal.wasm"
"#;

fn load(text: &str) -> SpinApp {
    SpinApp::from_str(text, Path::new("/apps/shop")).expect("valid manifest")
}

fn problems(text: &str) -> Vec<ManifestProblem> {
    match SpinApp::from_str(text, Path::new("/apps")) {
        Err(LoadError::Invalid(problems)) => problems,
        other => panic!("expected problems, got {other:?}"),
    }
}

fn messages(text: &str) -> Vec<String> {
    problems(text).iter().map(ToString::to_string).collect()
}

/// A minimal valid manifest with `extra` appended.
fn with(extra: &str) -> String {
    format!(
        "spin_manifest_version = 2\n[application]\nname = \"a\"\n\
         [[trigger.http]]\nroute = \"/...\"\ncomponent = \"api\"\n\
         [component.api]\nsource = \"api.wasm\"\n{extra}"
    )
}

#[test]
fn parses_a_realistic_manifest() {
    let app = load(REALISTIC);
    assert_eq!(app.name, "ticket-shop");
    assert_eq!(app.version.as_deref(), Some("1.2.0"));
    assert_eq!(app.description.as_deref(), Some("Sells tickets"));
    assert_eq!(app.authors, ["Ada <ada@example.com>"]);
    assert_eq!(app.base, "/shop");

    let routes: Vec<(&str, &str, &str)> = app
        .routes
        .iter()
        .map(|r| (r.pattern.raw(), r.pattern.based(), r.component.as_str()))
        .collect();
    assert_eq!(
        routes,
        [("/api/...", "/shop/api/...", "api"), ("/", "/shop", "home")]
    );

    assert_eq!(app.components.len(), 3, "private-route components are kept");
    let api = &app.components["api"];
    assert_eq!(api.id, "api");
    assert_eq!(
        api.source,
        Path::new("/apps/shop/target/wasm32-wasip2/release/api.wasm")
    );
    assert_eq!(
        api.allowed_outbound_hosts,
        ["https://{{ api_host }}", "https://auth.example.com:8443"]
    );
    assert_eq!(api.variables["token"], "{{ api_token }}");
    assert_eq!(
        api.environment,
        BTreeMap::from([("RUST_LOG".into(), "info".into())])
    );
    assert_eq!(
        app.components["internal"].source,
        Path::new("/opt/wasm/internal.wasm")
    );

    let token = &app.variables["api_token"];
    assert!(token.required && token.secret && token.default.is_none());
    assert_eq!(
        app.variables["api_host"].default.as_deref(),
        Some("api.example.com")
    );
    assert_eq!(
        app.variables["greeting"].description.as_deref(),
        Some("what to say")
    );
}

#[test]
fn reads_a_manifest_file_relative_to_its_directory() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("spin.toml");
    std::fs::write(&path, with("")).unwrap();
    let app = SpinApp::from_file(&path).unwrap();
    assert_eq!(app.components["api"].source, dir.path().join("api.wasm"));
    assert_eq!(app.base, "/");

    let err = SpinApp::from_file(dir.path().join("missing.toml")).unwrap_err();
    assert!(matches!(err, LoadError::Read { .. }), "{err:?}");
}

#[test]
fn invalid_toml_is_a_syntax_error() {
    let err = SpinApp::from_str("[application", Path::new("/")).unwrap_err();
    assert!(matches!(err, LoadError::Syntax(_)), "{err:?}");
}

#[test]
fn wrong_manifest_version_is_the_only_problem_reported() {
    let v1 = "spin_version = \"1\"\nname = \"old\"\ntrigger = { type = \"http\" }";
    assert_eq!(
        problems(v1),
        [ManifestProblem::Version {
            found: "\"1\"".into()
        }]
    );
    let v3 = with("").replace("= 2", "= 3");
    assert_eq!(
        problems(&v3),
        [ManifestProblem::Version { found: "3".into() }]
    );
    assert_eq!(
        problems("[application]\nname = \"x\""),
        [ManifestProblem::Version {
            found: "nothing".into()
        }]
    );
}

#[test]
fn each_unsupported_component_feature_is_named() {
    for (toml, feature) in [
        ("files = [\"assets/**\"]", "`files`"),
        ("ai_models = [\"llama2-chat\"]", "`ai_models`"),
        ("dependencies = { \"a:b/c\" = \"1.0\" }", "`dependencies`"),
        (
            "allowed_http_hosts = [\"example.com\"]",
            "`allowed_http_hosts`",
        ),
    ] {
        let msgs = messages(&with(toml));
        let expected = format!("component `api`: {feature}");
        assert!(
            msgs.len() == 1
                && msgs[0].starts_with(&expected)
                && msgs[0].contains("not supported by caracal-host serve"),
            "{toml}: {msgs:?}"
        );
    }
    assert_eq!(
        messages(&with("ai_models = [\"llama2-chat\"]")),
        ["component `api`: `ai_models` is not supported by caracal-host serve"]
    );
}

#[test]
fn store_labels_are_read_and_checked() {
    let app = load(&with(
        "key_value_stores = [\"default\", \"cache\", \"default\"]\nsqlite_databases = [\"default\"]",
    ));
    let api = &app.components["api"];
    assert_eq!(api.key_value_stores, ["cache", "default"]);
    assert_eq!(api.sqlite_databases, ["default"]);
    assert_eq!(
        messages(&with(
            "key_value_stores = [\"../etc\", \"Default\"]\nsqlite_databases = [\"\"]"
        )),
        [
            "component `api`: key_value_stores label `../etc`: labels are 1 to 64 lowercase letters, digits, `_` or `-`, starting with a letter",
            "component `api`: key_value_stores label `Default`: labels are 1 to 64 lowercase letters, digits, `_` or `-`, starting with a letter",
            "component `api`: sqlite_databases label ``: labels are 1 to 64 lowercase letters, digits, `_` or `-`, starting with a letter",
        ]
    );
}

#[test]
fn non_local_sources_are_unsupported() {
    let remote = with("").replace(
        "source = \"api.wasm\"",
        "source = { url = \"https://example.com/a.wasm\", digest = \"sha256:00\" }",
    );
    assert_eq!(
        messages(&remote),
        ["component `api`: a remote `source` (`url`) is not supported by caracal-host serve"]
    );
    let registry = with("").replace(
        "source = \"api.wasm\"",
        "source = { registry = \"ttl.sh\", package = \"a:b\", version = \"1.0.0\" }",
    );
    assert!(
        messages(&registry)[0].contains("a registry `source`"),
        "{:?}",
        messages(&registry)
    );
}

#[test]
fn other_triggers_wagi_and_inline_components_are_unsupported() {
    let redis = with("[[trigger.redis]]\nchannel = \"orders\"\ncomponent = \"api\"\n");
    assert_eq!(
        messages(&redis),
        ["trigger.redis: the `redis` trigger is not supported by caracal-host serve"]
    );

    let settings = with("[application.trigger.redis]\naddress = \"redis://localhost\"\n");
    assert_eq!(
        messages(&settings),
        ["[application.trigger.redis]: the `redis` trigger is not supported by caracal-host serve"]
    );

    let wagi = with("").replace(
        "component = \"api\"\n",
        "component = \"api\"\nexecutor = { type = \"wagi\" }\n",
    );
    assert_eq!(
        messages(&wagi),
        ["trigger.http[0]: the `wagi` executor is not supported by caracal-host serve"]
    );

    let inline = with("").replace(
        "component = \"api\"\n",
        "component = { source = \"x.wasm\" }\n",
    );
    assert!(messages(&inline)[0].starts_with("trigger.http[0]: an inline `component` table"));

    let middleware = with("").replace(
        "component = \"api\"\n",
        "component = \"api\"\ncomponents = { middleware = [\"api\"] }\n",
    );
    assert_eq!(
        messages(&middleware),
        ["trigger.http[0]: `components` is not supported by caracal-host serve"]
    );
}

#[test]
fn every_problem_is_reported_together() {
    let text = r#"
spin_manifest_version = 2
surprise = true
[application]
version = "1"
[variables]
Token = { default = "x" }
unset = {}
[[trigger.http]]
route = "/a"
component = "api"
[[trigger.http]]
route = "/a/"
component = "ghost"
[[trigger.http]]
route = "/b/.../c"
component = "api"
[[trigger.http]]
component = "api"
[[trigger.redis]]
channel = "x"
component = "api"
[component.api]
source = "api.wasm"
files = ["x"]
ai_models = ["x"]
colour = "blue"
variables = { token = "{{ nope }}", broken = "{{ unclosed" }
"#;
    let msgs = messages(text);
    let expected = [
        "top level: unknown key `surprise`",
        "[application]: missing required key `name`",
        "variable `Token`: names must be lower_snake_case",
        "variable `unset`: needs a `default` or `required = true`",
        "component `api`: `files` is not supported",
        "component `api`: `ai_models` is not supported",
        "component `api`: unknown key `colour`",
        "trigger.http[3]: missing required key `route`",
        "trigger.redis: the `redis` trigger is not supported",
        "component `api`: template `{{ nope }}`: no application variable `nope`",
        "component `api`: template `{{ unclosed`: unmatched `{{`",
        "trigger.http[1]: component `ghost` is not defined",
        "trigger.http[2]: route `/b/.../c`: a wildcard (`/...`) may only end the route",
        "trigger.http[1]: route `/a/` is already used by trigger.http[0]",
    ];
    for e in expected {
        assert!(
            msgs.iter().any(|m| m.starts_with(e)),
            "missing {e:?} in {msgs:#?}"
        );
    }
    assert_eq!(msgs.len(), expected.len(), "{msgs:#?}");

    let err = SpinApp::from_str(text, Path::new("/"))
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with(&format!(
            "Spin manifest has {} problems:\n  - ",
            expected.len()
        )),
        "{err}"
    );
}

#[test]
fn wrong_types_and_bad_variables_are_problems() {
    let text = with("allowed_outbound_hosts = \"https://x\"\nenvironment = { N = 1 }\n")
        + "[variables]\nboth = { required = true, default = \"x\" }\nodd = \"x\"\n";
    let msgs = messages(&text);
    for e in [
        "component `api`: `allowed_outbound_hosts` must be an array of strings",
        "component `api`: `environment` must be a table of strings",
        "variable `both`: a required variable cannot have a `default`",
        "variable `odd`: must be a table",
    ] {
        assert!(
            msgs.iter().any(|m| m.starts_with(e)),
            "missing {e:?} in {msgs:#?}"
        );
    }
}

#[test]
fn private_routes_are_not_routed_and_public_ones_are_required() {
    let private = with("").replace("route = \"/...\"", "route = { private = true }");
    assert_eq!(problems(&private), [ManifestProblem::NoHttpRoutes]);
    let not_private = with("").replace("route = \"/...\"", "route = { private = false }");
    assert!(
        messages(&not_private)[0]
            .contains("`route` must be a route string or `{ private = true }`")
    );
}

#[test]
fn duplicate_routes_compare_after_normalising() {
    let dup = with(
        "[[trigger.http]]\nroute = \"/\"\ncomponent = \"api\"\n[[trigger.http]]\nroute = \"\"\ncomponent = \"api\"\n",
    );
    assert_eq!(
        messages(&dup),
        ["trigger.http[2]: route `` is already used by trigger.http[1]"]
    );
    let params = with(
        "[[trigger.http]]\nroute = \"/u/:id\"\ncomponent = \"api\"\n[[trigger.http]]\nroute = \"/u/:name/\"\ncomponent = \"api\"\n",
    );
    assert_eq!(messages(&params).len(), 1);
    let distinct = with(
        "[[trigger.http]]\nroute = \"/u\"\ncomponent = \"api\"\n[[trigger.http]]\nroute = \"/u/...\"\ncomponent = \"api\"\n",
    );
    assert_eq!(load(&distinct).routes.len(), 3);
}

fn variables_app() -> SpinApp {
    load(&with(
        "variables = { token = \"{{ api_token }}\", url = \"https://{{ host }}/{{host}}\", plain = \"x\" }\n\
         allowed_outbound_hosts = [\"https://{{ host }}\"]\n\
         [variables]\napi_token = { required = true }\nhost = { default = \"api.example\" }\n\
         [component.other]\nsource = \"o.wasm\"\nvariables = { a = \"{{ api_token }}\", b = \"{{ other_secret }}\" }\n\
         [variables.other_secret]\nrequired = true\nsecret = true\n",
    ))
}

#[test]
fn variables_use_the_lookup_then_the_default() {
    let app = variables_app();
    let env = |name: &str| (name == "api_token").then(|| "s3cret".to_owned());
    let values = app.resolve_variables("api", env).unwrap();
    assert_eq!(values["token"], "s3cret");
    assert_eq!(values["url"], "https://api.example/api.example");
    assert_eq!(values["plain"], "x");

    let override_host = |name: &str| Some(format!("<{name}>"));
    let values = app.resolve_variables("api", override_host).unwrap();
    assert_eq!(values["url"], "https://<host>/<host>");
    assert_eq!(
        app.resolve_allowed_outbound_hosts("api", override_host)
            .unwrap(),
        ["https://<host>"]
    );
    assert_eq!(
        app.resolve_allowed_outbound_hosts("api", |_| None).unwrap(),
        ["https://api.example"]
    );
}

#[test]
fn missing_required_variables_are_named() {
    let app = variables_app();
    let err = app.resolve_variables("api", |_| None).unwrap_err();
    assert_eq!(
        err,
        VariableError::Missing {
            component: "api".into(),
            variables: vec!["api_token".into()]
        }
    );
    assert_eq!(
        err.to_string(),
        "component `api`: no value for required variable `api_token` (set `SPIN_VARIABLE_API_TOKEN`)"
    );
    let err = app
        .resolve_variables("other", |_| None)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("variables `api_token`, `other_secret`"),
        "{err}"
    );
    assert_eq!(
        app.resolve_variables("ghost", |_| None).unwrap_err(),
        VariableError::UnknownComponent("ghost".into())
    );
    assert_eq!(
        crate::variable_env_name("api_token"),
        "SPIN_VARIABLE_API_TOKEN"
    );
}

#[test]
fn lookup_is_asked_once_per_variable() {
    let app = variables_app();
    let calls = std::cell::RefCell::new(Vec::new());
    app.resolve_variables("api", |name| {
        calls.borrow_mut().push(name.to_owned());
        Some("v".into())
    })
    .unwrap();
    let mut calls = calls.into_inner();
    calls.sort();
    assert_eq!(calls, ["api_token", "host"]);
}

#[test]
fn router_built_from_app_uses_the_base() {
    let app = load(REALISTIC);
    let router = Router::new(&app);
    assert_eq!(
        router.route("/shop/api/tickets").unwrap().component_id,
        "api"
    );
    assert_eq!(router.route("/shop").unwrap().component_id, "home");
    assert!(router.route("/api/tickets").is_none());
}
