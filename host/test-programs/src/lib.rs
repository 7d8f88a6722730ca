//! Shared helpers for the guest test programs in `src/bin/`.
//!
//! Every program prints its outcomes on stdout, one line per step:
//!
//! ```text
//! RESULT <step> ok <detail>
//! RESULT <step> err <kind> <message>
//! ```
//!
//! `<kind>` is an [`Error::kind`] (`denied`, `invalid`, `not-found`, `gone`,
//! `limit`, `unavailable`), or `mismatch` when a program's own check failed.
//! `<detail>` is `-` when there is nothing to say. Messages are kept on one
//! line. A program exits 0 unless something unexpected happened (then it
//! panics, and the host sees a trap).

use std::fmt::Display;

use caracal::{DelegationConstraints, Error, Grant};
use serde::Deserialize;

/// Prints `RESULT <step> ok <detail>`.
pub fn ok(step: &str, detail: impl Display) {
    let detail = one_line(&detail.to_string());
    let detail = if detail.is_empty() {
        "-".to_owned()
    } else {
        detail
    };
    println!("RESULT {step} ok {detail}");
}

/// Prints `RESULT <step> err <kind> <message>`.
pub fn err(step: &str, kind: &str, message: impl Display) {
    println!(
        "RESULT {step} err {kind} {}",
        one_line(&message.to_string())
    );
}

/// Prints `RESULT <step> err <kind> <message>` for a host error.
pub fn host_err(step: &str, error: &Error) {
    err(step, error.kind(), error.message());
}

/// Prints the outcome of `result` (its `Ok` value as the detail) and hands it
/// back.
pub fn report<T, D: Display>(
    step: &str,
    result: Result<T, Error>,
    detail: impl FnOnce(&T) -> D,
) -> Result<T, Error> {
    match &result {
        Ok(value) => ok(step, detail(value)),
        Err(error) => host_err(step, error),
    }
    result
}

/// Prints `ok` when `expected == actual`, else `err mismatch`.
pub fn check<T: PartialEq + std::fmt::Debug>(step: &str, expected: T, actual: T) {
    if expected == actual {
        ok(step, format!("{actual:?}"));
    } else {
        err(
            step,
            "mismatch",
            format!("expected {expected:?}, got {actual:?}"),
        );
    }
}

/// The program's arguments after the program name. Hosts conventionally pass
/// the program name as argument 0; a host that does not is tolerated when the
/// count of the remaining arguments is exactly `count`. Panics with `usage`
/// on any other count.
pub fn args(count: usize, usage: &str) -> Vec<String> {
    let mut args: Vec<String> = std::env::args().collect();
    if args.len() == count + 1 {
        args.remove(0);
    }
    assert_eq!(args.len(), count, "usage: {usage} (got {args:?})");
    args
}

// `std::process::exit` reports any non-zero code as 1 on wasm32-wasip2 (it
// calls `wasi:cli/exit.exit` with an error); `exit-with-code` (WASI 0.2.12)
// carries the code itself.
#[allow(
    unsafe_code,
    reason = "wit-bindgen generates the canonical ABI glue with unsafe code"
)]
mod exit_bindings {
    wit_bindgen::generate!({
        path: "../../wit",
        inline: "
            package caracal:test-programs;
            world exit { import wasi:cli/exit@0.2.12; }
        ",
        world: "caracal:test-programs/exit",
        generate_all,
    });
}

/// Flushes stdout and exits with `code` at once, running no destructor (so
/// session handles are left for the host to deal with, as after a crash).
pub fn exit_with_code(code: u8) -> ! {
    use std::io::Write as _;
    std::io::stdout().flush().expect("flush stdout");
    exit_bindings::wasi::cli::exit::exit_with_code(code);
    unreachable!("exit-with-code returned")
}

/// `value` or `-`.
pub fn or_dash(value: Option<&str>) -> &str {
    value.unwrap_or("-")
}

fn one_line(text: &str) -> String {
    text.replace(['\r', '\n'], " ")
}

/// The JSON form of a grant on the command line: `"inherit"`, `"none"`, or
/// `{"scopes": [..], "resource_id": .., "ttl_seconds": .., "constraints":
/// {"max_hops": .., "budget": .., "resources": [..], "ttl_seconds": ..,
/// "max_calls": ..}}` where all but `scopes` are optional.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum GrantJson {
    Word(String),
    Narrow(NarrowJson),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NarrowJson {
    scopes: Vec<String>,
    #[serde(default)]
    resource_id: Option<String>,
    #[serde(default)]
    ttl_seconds: Option<u32>,
    #[serde(default)]
    constraints: Option<ConstraintsJson>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConstraintsJson {
    #[serde(default)]
    max_hops: Option<u32>,
    #[serde(default)]
    budget: Option<u32>,
    #[serde(default)]
    resources: Option<Vec<String>>,
    #[serde(default)]
    ttl_seconds: Option<u32>,
    #[serde(default)]
    max_calls: Option<u64>,
}

/// Parses the JSON form of a grant (see the crate docs of the `narrowing`
/// program). Panics on malformed input: that is a bug in the calling test.
pub fn parse_grant(json: &str) -> Grant {
    let parsed: GrantJson =
        serde_json::from_str(json).unwrap_or_else(|e| panic!("bad grant JSON {json:?}: {e}"));
    match parsed {
        GrantJson::Word(word) => match word.as_str() {
            "inherit" => Grant::inherit(),
            "none" => Grant::none(),
            other => panic!("bad grant JSON {json:?}: unknown grant {other:?}"),
        },
        GrantJson::Narrow(narrow) => {
            let constraints = narrow.constraints.unwrap_or_default();
            let mut grant = Grant::narrow(narrow.scopes).constraints(DelegationConstraints {
                max_hops: constraints.max_hops,
                budget: constraints.budget,
                resources: constraints.resources,
                ttl_seconds: constraints.ttl_seconds,
                max_calls: constraints.max_calls,
            });
            if let Some(resource_id) = narrow.resource_id {
                grant = grant.resource_id(resource_id);
            }
            if let Some(ttl_seconds) = narrow.ttl_seconds {
                grant = grant.ttl_seconds(ttl_seconds);
            }
            grant.into()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_grant_form() {
        assert_eq!(parse_grant(r#""inherit""#), Grant::Inherit);
        assert_eq!(parse_grant(r#""none""#), Grant::None);
        assert_eq!(
            parse_grant(r#"{"scopes":["a"]}"#),
            Grant::from(Grant::narrow(["a"]))
        );
        let full = parse_grant(
            r#"{"scopes":["a","b"],"resource_id":"resource://r","ttl_seconds":60,
                "constraints":{"max_hops":2,"budget":1,"resources":["resource://r"],"ttl_seconds":30,"max_calls":5}}"#,
        );
        let expected = Grant::narrow(["a", "b"])
            .resource_id("resource://r")
            .ttl_seconds(60)
            .constraints(DelegationConstraints {
                max_hops: Some(2),
                budget: Some(1),
                resources: Some(vec!["resource://r".into()]),
                ttl_seconds: Some(30),
                max_calls: Some(5),
            });
        assert_eq!(full, expected.into());
    }

    #[test]
    #[should_panic(expected = "unknown grant")]
    fn rejects_unknown_words() {
        parse_grant(r#""everything""#);
    }
}
