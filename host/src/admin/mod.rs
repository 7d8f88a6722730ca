//! The admin endpoint: a loopback HTTP/JSON API over a running host's
//! sessions and delegations, for `caracal-host sessions|delegations|revoke|
//! suspend|resume`.
//!
//! It listens on 127.0.0.1 only, on a port the OS picks, and requires
//! `authorization: Bearer <token>`: 32 random bytes, hex, written with the
//! URL to an admin file readable by the owner alone (mode 0600). Anyone who
//! can read that file already runs as the host's user; everyone else gets
//! 401. Comparison is constant-time.

mod model;
mod ops;
mod render;
mod routes;

pub use model::{DelegationRecord, Impact, SessionRecord, Snapshot};
pub use render::{dot, mermaid, tree};
pub use routes::Backend;

use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::net::TcpListener;

/// Where a running host's admin endpoint is, as written to the admin file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminAccess {
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    /// The bearer token the endpoint requires.
    pub token: String,
}

impl AdminAccess {
    /// Reads an admin file.
    pub fn read(path: &Path) -> std::io::Result<AdminAccess> {
        let text = std::fs::read_to_string(path)?;
        serde_json::from_str(&text).map_err(std::io::Error::other)
    }
}

/// A running admin endpoint; dropping it stops serving and removes the
/// admin file.
#[derive(Debug)]
pub struct AdminServer {
    access: AdminAccess,
    file: PathBuf,
    task: tokio::task::JoinHandle<()>,
}

impl AdminServer {
    /// Starts serving `backend` on 127.0.0.1 and writes the admin file at
    /// `file` (mode 0600, parent directories created). Must run inside a
    /// tokio runtime.
    pub async fn start(backend: Backend, file: &Path) -> std::io::Result<AdminServer> {
        let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
        let access = AdminAccess {
            url: format!("http://{}", listener.local_addr()?),
            token: new_token()?,
        };
        write_private(
            file,
            &serde_json::to_vec_pretty(&access).map_err(std::io::Error::other)?,
        )?;
        let shared = Arc::new((backend, access.token.clone()));
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let shared = shared.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |request| {
                        let shared = shared.clone();
                        async move {
                            Ok::<_, std::convert::Infallible>(
                                routes::handle(&shared.0, &shared.1, request).await,
                            )
                        }
                    });
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Ok(AdminServer {
            access,
            file: file.to_path_buf(),
            task,
        })
    }

    /// The endpoint's URL and token.
    pub fn access(&self) -> &AdminAccess {
        &self.access
    }
}

impl Drop for AdminServer {
    fn drop(&mut self) {
        self.task.abort();
        let _ = std::fs::remove_file(&self.file);
    }
}

fn new_token() -> std::io::Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| std::io::Error::other(e.to_string()))?;
    Ok(caracal_envelope::hex_lower(&bytes))
}

/// Writes `bytes` to `path` readable and writable by the owner only. The
/// file appears whole: it is written beside `path` and renamed over it, so
/// a reader that sees it never reads it half-written.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut staged = path.as_os_str().to_owned();
    staged.push(format!(".{}.tmp", std::process::id()));
    let staged = std::path::PathBuf::from(staged);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(&staged)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    file.write_all(bytes)?;
    drop(file);
    std::fs::rename(&staged, path)
}
