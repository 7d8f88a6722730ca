//! `caracal-host serve`: serve `wasi:http` proxy components or a Spin
//! application, binding each request's verified inbound envelope as its
//! context.

use caracal_host::admin::{AdminServer, Backend};
use caracal_host::authority::SpawnRequest;
use caracal_host::serve::{
    InboundMode, ServeApp, ServeError, ServeOptions, TrustedIssuer, TrustedKeys,
};
use caracal_host::{AgentHost, HostConfig, HostError};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

/// Serve a `wasi:http` proxy component (WASI 0.2 or 0.3) or a Spin
/// application manifest (`spin.toml`).
///
/// Every request must carry a bearer token this host (or a key of
/// `--trust-jwks`) signed for a live session; the component then runs with
/// that session as its context, so its outbound calls carry it on. The
/// host's keys are served, without a token, at /.well-known/jwks.json
/// (and /.well-known/caracal/jwks.json).
#[derive(Debug, clap::Args)]
pub struct ServeCommand {
    /// A component (`.wasm`) served on every path, or a `spin.toml`.
    app: PathBuf,
    /// Address to listen on (`--addr`, as `wasmtime serve` names it, also
    /// works).
    #[arg(
        long,
        visible_alias = "addr",
        value_name = "ADDR",
        default_value = "127.0.0.1:3000"
    )]
    listen: SocketAddr,
    /// Hand the caller's `authorization` header to the component (by
    /// default it is removed once verified: the session is the request's
    /// context, and a component that saw the token could echo or replay it).
    #[arg(long)]
    forward_inbound_bearer: bool,
    /// Serve requests without verifying any token, under the application's
    /// root context.
    #[arg(long, conflicts_with = "trusted_propagation")]
    as_application: bool,
    /// A verifier in front of the host already checked each request: bind
    /// the inbound envelope's session without verifying its token (requests
    /// without one run under the application root).
    #[arg(long)]
    trusted_propagation: bool,
    /// Also accept tokens signed by the keys of this JWK Set (another
    /// host's `--jwks` output, or its /.well-known/caracal/jwks.json).
    #[arg(long, value_name = "FILE")]
    trust_jwks: Vec<PathBuf>,
    /// Also accept tokens of this upstream Caracal issuer (its STS, or
    /// another host's `issuer_url`): its key set is fetched from
    /// URL/.well-known/jwks.json?zone_id=<zone> and refreshed on an unknown
    /// key; https, or http on a loopback address. A verified upstream
    /// session runs as a local session holding what its token grants.
    /// Repeatable.
    #[arg(long, value_name = "URL")]
    trust_issuer: Vec<String>,
    /// The audience a trusted issuer's tokens must name (default: the
    /// application id).
    #[arg(long, value_name = "AUDIENCE")]
    audience: Option<String>,
    /// Write this host's token verification keys (a JWK Set) to this file.
    #[arg(long, value_name = "FILE")]
    jwks: Option<PathBuf>,
    /// Open a task session for a caller and write a bearer token for it
    /// (`Bearer …`, the `authorization` value) to this file: for trying the
    /// served app with curl, and for benchmarks.
    #[arg(long, value_name = "FILE")]
    mint_token: Option<PathBuf>,
    /// The state store (as for `run`).
    #[arg(long, value_name = "URL|PATH")]
    store: Option<String>,
    /// Where this host keeps its id and lock.
    #[arg(long, value_name = "DIR", default_value = ".caracal")]
    state_dir: String,
    /// Do not read or write the compiled-component cache.
    #[arg(long)]
    no_cache: bool,
}

/// Why `serve` could not start.
#[derive(Debug, thiserror::Error)]
enum StartError {
    #[error(transparent)]
    Host(#[from] HostError),
    #[error(transparent)]
    Serve(#[from] ServeError),
    #[error("cannot use --trust-jwks {path}: {message}")]
    Jwks { path: PathBuf, message: String },
    #[error("cannot use --trust-issuer {0}")]
    Issuer(String),
    #[error("cannot listen on {addr}")]
    Listen {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
}

impl ServeCommand {
    /// Loads the application and serves it until interrupted.
    pub fn execute(self) -> ExitCode {
        match self.serve() {
            Ok(()) => ExitCode::SUCCESS,
            Err(StartError::Host(error)) => super::report(&error),
            Err(error) => {
                super::print_error(&error);
                ExitCode::from(super::EXIT_USER_ERROR)
            }
        }
    }

    fn serve(self) -> Result<(), StartError> {
        let mut config = HostConfig::load().map_err(HostError::from)?;
        if let Some(url) = self.store.clone() {
            config.store_url = Some(url);
        }
        if config.store_url.is_none() {
            config.store_url = Some(super::DEFAULT_STORE.to_owned());
        }
        let mut trusted = serde_json::json!({"keys": []});
        for path in &self.trust_jwks {
            let jwks = std::fs::read_to_string(path)
                .map_err(|e| e.to_string())
                .and_then(|text| {
                    serde_json::from_str::<serde_json::Value>(&text).map_err(|e| e.to_string())
                })
                .map_err(|message| StartError::Jwks {
                    path: path.clone(),
                    message: message.clone(),
                })?;
            if let (Some(all), Some(keys)) =
                (trusted["keys"].as_array_mut(), jwks["keys"].as_array())
            {
                all.extend(keys.iter().cloned());
            }
        }
        let mut trusted = TrustedKeys::from_jwks(&trusted).map_err(|message| StartError::Jwks {
            path: self.trust_jwks.first().cloned().unwrap_or_default(),
            message,
        })?;
        let mut builder = AgentHost::builder()
            .config(config)
            .pooling(true)
            .state_dir(PathBuf::from(&self.state_dir));
        if self.no_cache {
            builder = builder.cache_dir(None);
        }
        let host = Arc::new(builder.build()?);
        if let Some(path) = &self.jwks {
            let jwks =
                serde_json::to_string_pretty(&host.signer().jwks()).expect("a JWK Set serializes");
            std::fs::write(path, jwks).map_err(|source| HostError::WriteFile {
                path: path.clone(),
                source,
            })?;
        }
        let audience = self
            .audience
            .clone()
            .unwrap_or_else(|| host.config().application_id.clone());
        let mut issuers = Vec::new();
        for url in &self.trust_issuer {
            let issuer = TrustedIssuer::new(
                url,
                &host.config().zone_id,
                &audience,
                host.connector().clone(),
            )
            .map_err(StartError::Issuer)?;
            let issuer = Arc::new(issuer);
            issuers.push(issuer.clone());
            trusted = trusted.with_issuer(issuer);
        }
        let app = ServeApp::load(&host, &self.app)?;
        if let Some(path) = &self.mint_token {
            let caller = host.authority().open_root();
            let session = host
                .authority()
                .spawn(&caller, SpawnRequest::task().with_labels(["serve-caller"]))
                .map_err(|e| HostError::Engine(format!("cannot open a caller session: {e}")))?
                .id;
            let bearer = host
                .bearer_for(&session)
                .map_err(|e| HostError::Engine(format!("cannot mint a token: {e}")))?;
            std::fs::write(path, bearer).map_err(|source| HostError::WriteFile {
                path: path.clone(),
                source,
            })?;
        }
        let components: Vec<(String, &str)> = app
            .components()
            .into_iter()
            .map(|(id, version)| (id.to_owned(), version))
            .collect();
        let root =
            (self.as_application || self.trusted_propagation).then(|| host.authority().open_root());
        let mode = match root.clone() {
            Some(root) if self.as_application => InboundMode::AsApplication(root),
            Some(root) => InboundMode::TrustedPropagation(root),
            None => InboundMode::Verify(trusted.clone()),
        };
        let options = ServeOptions::default().forward_inbound_bearer(self.forward_inbound_bearer);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(|e| HostError::Engine(format!("cannot start the async runtime: {e}")))?;
        let result = runtime.block_on(async {
            let listener = tokio::net::TcpListener::bind(self.listen)
                .await
                .map_err(|source| StartError::Listen {
                    addr: self.listen,
                    source,
                })?;
            let addr = listener.local_addr().map_err(|source| StartError::Listen {
                addr: self.listen,
                source,
            })?;
            // The key set at the issuer URL's address too, unless that is
            // this listener (which serves it anyway).
            if let Some(issuer) = caracal_host::issuer::issuer_address(host.config())
                && issuer != addr
            {
                caracal_host::issuer::publish(&host, issuer)
                    .await
                    .map_err(|source| StartError::Listen {
                        addr: issuer,
                        source,
                    })?;
            }
            let _admin = AdminServer::start(
                Backend::new(host.authority().clone(), host.auditor().clone()),
                std::path::Path::new(super::admin::DEFAULT_ADMIN_FILE),
            )
            .await
            .inspect_err(|e| tracing::warn!("admin endpoint not started: {e}"))
            .ok();
            for (id, version) in &components {
                eprintln!("caracal-host: component `{id}` ({version})");
            }
            // An issuer that cannot be reached now is fetched again when
            // its first token arrives.
            for issuer in &issuers {
                match issuer.refresh().await {
                    Ok(keys) => eprintln!("caracal-host: trusting {} ({keys} keys)", issuer.url()),
                    Err(error) => eprintln!("caracal-host: warning: {error}"),
                }
            }
            // The one line a script (or a test) waits for.
            println!("listening on http://{addr}");
            use std::io::Write as _;
            let _ = std::io::stdout().flush();
            tokio::select! {
                served = caracal_host::serve::serve_with(host.clone(), app, mode, options, listener) => {
                    served.map_err(|source| StartError::Listen { addr, source })
                }
                () = shutdown() => Ok(()),
            }
        });
        if let Some(root) = root {
            host.authority().close_root(&root);
        }
        trusted.close_upstream_sessions(host.authority());
        result
    }
}

/// Resolves on Ctrl-C or SIGTERM (what `spin` sends a plugin it stops).
async fn shutdown() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}
