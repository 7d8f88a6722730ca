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
    follows_spins_manifest_schema(&manifest);
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
    serves_a_spin_app_as_spin_would_run_it(&caracal, plugins.path());
}

/// The rules of Spin's plugin manifest schema (spin-plugin-manifest-schema
/// 0.1) and of its installer: exactly the known keys, the required ones
/// present, `os`/`arch` from Spin's lists, `spinCompatibility` a semver
/// requirement that current Spin (3.x) meets, a `file://` URL for a local
/// install, a lowercase hex sha256.
fn follows_spins_manifest_schema(manifest: &serde_json::Value) {
    let object = manifest.as_object().expect("an object");
    let known = [
        "name",
        "description",
        "homepage",
        "version",
        "spinCompatibility",
        "license",
        "packages",
    ];
    for key in object.keys() {
        assert!(known.contains(&key.as_str()), "unknown key `{key}`");
    }
    for required in [
        "name",
        "description",
        "version",
        "spinCompatibility",
        "license",
        "packages",
    ] {
        assert!(
            object[required].is_string() || required == "packages",
            "{required}"
        );
    }
    let compatibility = semver::VersionReq::parse(object["spinCompatibility"].as_str().unwrap())
        .expect("spinCompatibility is a semver requirement");
    assert!(compatibility.matches(&semver::Version::new(3, 4, 0)));
    let packages = object["packages"].as_array().unwrap();
    assert!(!packages.is_empty());
    for package in packages {
        let package = package.as_object().unwrap();
        let mut keys: Vec<&str> = package.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["arch", "os", "sha256", "url"]);
        assert!(["linux", "macos", "windows"].contains(&package["os"].as_str().unwrap()));
        assert!(["amd64", "aarch64"].contains(&package["arch"].as_str().unwrap()));
        assert!(package["url"].as_str().unwrap().starts_with("file:///"));
        let sha = package["sha256"].as_str().unwrap();
        assert!(sha.len() == 64 && sha.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f')));
    }
}

/// `spin caracal serve spin.toml` runs the unpacked `caracal` with those
/// arguments, in the user's directory, with `SPIN_*` set: it serves the app.
fn serves_a_spin_app_as_spin_would_run_it(caracal: &Path, plugins: &Path) {
    use std::io::{BufRead as _, Read as _, Write as _};
    let app = tempfile::tempdir().unwrap();
    std::fs::write(
        app.path().join("spin.toml"),
        format!(
            "spin_manifest_version = 2\n[application]\nname = \"hello\"\n\
             [[trigger.http]]\nroute = \"/...\"\ncomponent = \"hello\"\n\
             [component.hello]\nsource = {:?}\n",
            test_programs_artifacts::HELLO_PROXY
        ),
    )
    .unwrap();
    let mut server = Command::new(caracal)
        .current_dir(app.path())
        .args([
            "serve",
            "spin.toml",
            "--listen",
            "127.0.0.1:0",
            "--as-application",
        ])
        .env("SPIN_BIN_PATH", "/usr/local/bin/spin")
        .env("SPIN_PLUGIN_PATH", plugins)
        .env("SPIN_VERSION", "3.4.0")
        .env("CARACAL_CACHE_DIR", crate::support::cache_dir())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim()
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_owned();
    let mut stream = std::net::TcpStream::connect(&addr).unwrap();
    write!(
        stream,
        "GET /hello HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n\r\n"
    )
    .unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).unwrap();
    server.kill().unwrap();
    let _ = server.wait();
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    assert!(reply.contains("hello from GET /hello"), "{reply}");
}
