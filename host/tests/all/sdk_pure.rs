//! The Python and JavaScript guest SDKs' own tests of their pure parts
//! (routing rule, envelope merge, the host's header block, exit codes),
//! run with the suite's Python (>= 3.12) and Node: what needs no component.

use crate::upstream_python::{V1_0, python};
use std::path::PathBuf;
use std::process::Command;

fn guest() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../guest")
}

fn succeeds(command: &mut Command) {
    let output = command.output().expect("the interpreter starts");
    assert!(
        output.status.success(),
        "{command:?}: {}\n--- stdout\n{}--- stderr\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn the_python_sdks_pure_tests_pass() {
    succeeds(Command::new(python(V1_0)).arg(guest().join("python/tests/test_pure.py")));
}

#[test]
fn the_javascript_sdks_pure_tests_pass() {
    let tests = guest().join("js/test");
    let files: Vec<PathBuf> = std::fs::read_dir(&tests)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.to_string_lossy().ends_with(".test.js"))
        .collect();
    assert!(files.len() >= 2, "no tests in {}", tests.display());
    succeeds(Command::new("node").arg("--test").args(&files));
}
