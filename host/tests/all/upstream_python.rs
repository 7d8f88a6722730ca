//! Upstream Caracal's own Python libraries as test tools: the verifiers
//! (`verify.py`), a resource server built with `caracalai-asgi`
//! (`resource_server.py`) and an upstream-shaped issuer (`issuer.py`), run
//! from the virtualenvs `scripts/test` installs (see
//! `host/tests/caracal-upstream/README.md`).

use std::io::{BufRead as _, BufReader, Write as _};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};

/// Upstream releases the suite checks against.
pub const V1_0: &str = "1.0.0";
pub const V0_1: &str = "0.1.1";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn script(name: &str) -> PathBuf {
    repo().join("host/tests/caracal-upstream").join(name)
}

/// The Python of the `version` virtualenv; a clear failure when it is not
/// installed (these tests need it: they are not skipped).
pub fn python(version: &str) -> PathBuf {
    let python = repo()
        .join("target/upstream-python")
        .join(version)
        .join("bin/python");
    assert!(
        python.exists(),
        "{} is missing: run scripts/test (the README's test command), which installs Python >= 3.12 virtualenvs with upstream Caracal {version}'s packages",
        python.display()
    );
    python
}

/// Runs `verify.py` of `version` on `cases` (see the README for the
/// shape) and returns its `results`, one per case.
pub fn verify(version: &str, cases: &[serde_json::Value]) -> Vec<serde_json::Value> {
    let mut child = Command::new(python(version))
        .arg(script("verify.py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("verify.py starts");
    let input = serde_json::json!({ "cases": cases }).to_string();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "verify.py {version} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let output: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "verify.py printed no JSON ({e}):\n{}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    assert_eq!(output["identity_version"], version, "{output}");
    output["results"].as_array().unwrap().clone()
}

/// A running Python server (stopped when dropped: its stdin closes).
pub struct PyServer {
    child: Child,
    _stdin: ChildStdin,
    /// What it printed when ready (`port`, and `issuer` for the issuer).
    pub ready: serde_json::Value,
}

impl PyServer {
    fn start(script_name: &str, args: &[&str]) -> PyServer {
        let mut child = Command::new(python(V1_0))
            .arg(script(script_name))
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the server starts");
        let stdin = child.stdin.take().unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let ready = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("{script_name} did not start ({e}): {line:?}"));
        PyServer {
            child,
            _stdin: stdin,
            ready,
        }
    }

    /// `resource_server.py` with these arguments.
    pub fn resource_server(args: &[&str]) -> PyServer {
        PyServer::start("resource_server.py", args)
    }

    /// `issuer.py` for `zone`.
    pub fn issuer(zone: &str) -> PyServer {
        PyServer::start("issuer.py", &["--zone", zone])
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.ready["port"])
    }

    /// A JSON request to the server, with a plain blocking client.
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> serde_json::Value {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        let port = self.ready["port"].as_u64().unwrap();
        let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port as u16))
            .await
            .unwrap();
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let request = format!(
            "{method} {path} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).await.unwrap();
        let text = String::from_utf8_lossy(&raw);
        let (_, body) = text.split_once("\r\n\r\n").unwrap_or_default();
        serde_json::from_str(body).unwrap_or_else(|e| panic!("{method} {path}: {e}: {text}"))
    }
}

impl Drop for PyServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
