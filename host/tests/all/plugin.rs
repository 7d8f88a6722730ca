//! The Spin CLI plugin: `plugin/package.sh` packages the real binary, the
//! manifest's sha256 matches the tarball, and the unpacked `caracal`
//! behaves when Spin invokes it (`spin caracal serve …` runs
//! `caracal serve …` with `SPIN_*` variables set).

use sha2::{Digest, Sha256};
use std::path::Path;
use std::process::Command;

#[test]
fn the_plugin_package_installs_the_binary_spin_runs() {
    let out = tempfile::tempdir().unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../plugin/package.sh");
    let status = Command::new("bash")
        .arg(&script)
        .arg(env!("CARGO_BIN_EXE_caracal-host"))
        .arg(out.path())
        .status()
        .unwrap();
    assert!(status.success());

    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.path().join("caracal.json")).unwrap()).unwrap();
    assert_eq!(manifest["name"], "caracal");
    assert_eq!(manifest["license"], "Apache-2.0");
    assert!(
        manifest["spinCompatibility"]
            .as_str()
            .unwrap()
            .starts_with(">=")
    );
    let package = &manifest["packages"][0];
    let tarball = package["url"]
        .as_str()
        .unwrap()
        .strip_prefix("file://")
        .unwrap();
    let digest = Sha256::digest(std::fs::read(tarball).unwrap());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(
        package["sha256"], hex,
        "the manifest's sha256 is the tarball's"
    );

    // What `spin plugins install` does: unpack into the plugin directory.
    let plugins = tempfile::tempdir().unwrap();
    let status = Command::new("tar")
        .args(["-xzf", tarball, "-C"])
        .arg(plugins.path())
        .status()
        .unwrap();
    assert!(status.success());
    let caracal = plugins.path().join("caracal");
    // What `spin caracal serve --help` then runs.
    let run = Command::new(&caracal)
        .args(["serve", "--help"])
        .env("SPIN_BIN_PATH", "/usr/local/bin/spin")
        .env("SPIN_PLUGIN_PATH", plugins.path())
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let help = String::from_utf8_lossy(&run.stdout);
    assert!(help.contains("spin.toml"), "{help}");
    let version = Command::new(&caracal).arg("--version").output().unwrap();
    assert!(String::from_utf8_lossy(&version.stdout).contains(env!("CARGO_PKG_VERSION")));
}
