//! Property test of the Spin manifest loader on random and mutated
//! manifests: it loads or refuses with an error, never panics. A long
//! campaign: `PROPTEST_CASES=1000000 cargo test -p caracal-spin --test fuzz`.

use caracal_spin::SpinApp;
use proptest::prelude::*;
use std::path::Path;

const MANIFEST: &str = r#"spin_manifest_version = 2

[application]
name = "app"

[variables]
token = { required = true }
mode = { default = "x" }

[[trigger.http]]
route = "/hello/:name/..."
component = "hello"

[component.hello]
source = "hello.wasm"
allowed_outbound_hosts = ["https://api.example.com", "http://self"]
environment = { A = "1" }
[component.hello.variables]
t = "{{ token }}"
"#;

/// The manifest with a few lines swapped, dropped, duplicated or edited.
fn mutated() -> impl Strategy<Value = String> {
    let lines: Vec<String> = MANIFEST.lines().map(str::to_owned).collect();
    let n = lines.len();
    proptest::collection::vec((0..n, 0u8..4, "[\\[\\]{}\"=.:/a-z0-9 ]{0,12}"), 0..5).prop_map(
        move |edits| {
            let mut lines = lines.clone();
            for (at, op, text) in edits {
                let at = at.min(lines.len().saturating_sub(1));
                match op {
                    0 => lines[at] = text,
                    1 => lines.insert(at, text),
                    2 if lines.len() > 1 => {
                        lines.remove(at);
                    }
                    _ => {
                        let line = lines[at].clone();
                        lines[at].push_str(&text);
                        lines.insert(at, line);
                    }
                }
            }
            lines.join("\n")
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn manifests_load_or_refuse_and_never_panic(text in prop_oneof![mutated(), any::<String>()]) {
        if let Ok(app) = SpinApp::from_str(&text, Path::new("/nonexistent")) {
            let _ = app.resolve_variables("hello", |_| Some("v".to_owned()));
        }
    }
}
