//! `plugin/package.sh` builds a Spin plugin tarball and a manifest that
//! `spin plugins install --file` accepts.

use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

fn package_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../plugin/package.sh")
}

/// Runs the script on a stand-in binary; returns the parsed manifest.
fn package(out: &Path, extra: &[&str]) -> serde_json::Value {
    let binary = out.parent().unwrap().join("caracal-host");
    std::fs::write(&binary, b"#!/bin/sh\necho stand-in\n").unwrap();
    let output = Command::new("bash")
        .arg(package_script())
        .arg(&binary)
        .arg(out)
        .args(extra)
        .output()
        .expect("run package.sh");
    assert!(
        output.status.success(),
        "package.sh failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = std::fs::read_to_string(out.join("caracal.json")).expect("caracal.json written");
    serde_json::from_str(&text).expect("caracal.json is JSON")
}

fn str_field<'a>(value: &'a serde_json::Value, key: &str) -> &'a str {
    value[key]
        .as_str()
        .unwrap_or_else(|| panic!("`{key}` must be a string in {value}"))
}

#[test]
fn package_script_writes_an_installable_plugin() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let manifest = package(&out, &[]);

    assert_eq!(str_field(&manifest, "name"), "caracal");
    assert_eq!(str_field(&manifest, "license"), "Apache-2.0");
    assert_eq!(str_field(&manifest, "spinCompatibility"), ">=2.0");
    assert_eq!(str_field(&manifest, "version"), env!("CARGO_PKG_VERSION"));
    assert!(!str_field(&manifest, "description").is_empty());
    assert!(!str_field(&manifest, "homepage").is_empty());

    let packages = manifest["packages"].as_array().expect("packages array");
    assert_eq!(packages.len(), 1);
    let package = &packages[0];
    assert!(["linux", "macos", "windows"].contains(&str_field(package, "os")));
    assert!(["amd64", "aarch64"].contains(&str_field(package, "arch")));

    let tarball = out.canonicalize().unwrap().join(format!(
        "caracal-{}-{}-{}.tar.gz",
        env!("CARGO_PKG_VERSION"),
        str_field(package, "os"),
        str_field(package, "arch"),
    ));
    assert_eq!(
        str_field(package, "url"),
        format!("file://{}", tarball.display())
    );

    let bytes = std::fs::read(&tarball).expect("tarball at the url");
    let digest: String = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(str_field(package, "sha256"), digest);

    let listing = Command::new("tar")
        .arg("-tzvf")
        .arg(&tarball)
        .output()
        .expect("run tar");
    assert!(listing.status.success());
    let listing = String::from_utf8(listing.stdout).unwrap();
    let entry = listing
        .lines()
        .find(|line| line.split_whitespace().last() == Some("caracal"))
        .unwrap_or_else(|| panic!("no `caracal` entry in:\n{listing}"));
    assert!(
        entry.starts_with("-rwx"),
        "`caracal` must be an executable file: {entry}"
    );
}

#[test]
fn url_base_and_platform_can_be_given() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let extra = [
        "--url-base",
        "https://downloads.example/v1/",
        "--os",
        "macos",
        "--arch",
        "aarch64",
    ];
    let manifest = package(&out, &extra);
    let package = &manifest["packages"][0];
    let name = format!("caracal-{}-macos-aarch64.tar.gz", env!("CARGO_PKG_VERSION"));
    assert_eq!(
        str_field(package, "url"),
        format!("https://downloads.example/v1/{name}")
    );
    assert!(out.join(name).is_file());
}
