//! `caracal-host run`: run a command agent on the configured (or embedded
//! default) authority.

use caracal_host::admin::{AdminServer, Backend};
use caracal_host::{AgentHost, DirGrant, HostConfig, HostError, RunLimits, RunOptions};
use indicatif::{ProgressBar, ProgressDrawTarget};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// Run a command component (`wasi:cli/run`) as a governed agent.
///
/// The agent gets a root context for the configured application and may
/// spawn narrower sessions; its exit code is this command's exit code.
#[derive(Debug, clap::Args)]
pub struct RunCommand {
    /// The agent component (`.wasm`, built for wasm32-wasip2).
    agent: PathBuf,
    /// Write the host's token verification keys (a JWK Set) to this file.
    #[arg(long, value_name = "FILE")]
    jwks: Option<PathBuf>,
    /// Do not read or write the compiled-component cache.
    #[arg(long)]
    no_cache: bool,
    /// Stop the agent if a linear memory grows past this many MiB
    /// (overrides `max_memory_mb` / CARACAL_MAX_MEMORY_MB).
    #[arg(long, value_name = "MIB", value_parser = clap::value_parser!(u64).range(1..=65536))]
    max_memory_mb: Option<u64>,
    /// Stop the agent after this many seconds (overrides `max_wall_seconds`
    /// / CARACAL_MAX_WALL_SECONDS).
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..=604800))]
    max_wall_seconds: Option<u64>,
    /// The state store: a `postgres://` URL shared by many hosts, or a
    /// SQLite file (default `.caracal/caracal.db`; also `[store] url` /
    /// CARACAL_STORE_URL).
    #[arg(long, value_name = "URL|PATH")]
    store: Option<String>,
    /// Where this host keeps its id and lock (one running host per
    /// directory).
    #[arg(long, value_name = "DIR", default_value = ".caracal")]
    state_dir: String,
    /// Give the agent a host directory, read only: `HOST[::GUEST]` (the
    /// agent sees it at GUEST, default the same path). Repeatable.
    #[arg(long, value_name = "HOST[::GUEST]")]
    dir: Vec<String>,
    /// As `--dir`, but the agent may also create, write and remove files.
    #[arg(long, value_name = "HOST[::GUEST]")]
    dir_rw: Vec<String>,
    /// Set an environment variable for the agent: `NAME=VALUE`, or `NAME`
    /// for the host's value of NAME. The agent sees no other variable.
    #[arg(long, value_name = "NAME[=VALUE]")]
    env: Vec<String>,
    /// Arguments passed to the agent.
    #[arg(last = true)]
    args: Vec<String>,
}

impl RunCommand {
    /// Loads the configuration, runs the agent and returns its exit code.
    pub fn execute(self) -> ExitCode {
        match self.run() {
            Ok(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
            Err(error) => super::report(&error),
        }
    }

    fn run(self) -> Result<i32, HostError> {
        // Checked before anything is compiled or started.
        let host_env = |name: &str| std::env::var(name).ok();
        let env = self
            .env
            .iter()
            .map(|spec| caracal_host::env_grant(spec, &host_env))
            .collect::<Result<Vec<_>, _>>()
            .map_err(HostError::Env)?;
        let mut config = HostConfig::load()?;
        if let Some(url) = self.store {
            config.store_url = Some(url);
        }
        // The binary always keeps state (and the audit chain, unless an
        // audit file is configured): SQLite in the state directory by default.
        if config.store_url.is_none() {
            config.store_url = Some(super::DEFAULT_STORE.to_owned());
        }
        let mut builder = AgentHost::builder()
            .config(config)
            .state_dir(PathBuf::from(self.state_dir));
        if self.no_cache {
            builder = builder.cache_dir(None);
        }
        let host = builder.build()?;
        if let Some(path) = &self.jwks {
            let jwks =
                serde_json::to_string_pretty(&host.signer().jwks()).expect("a JWK Set serializes");
            std::fs::write(path, jwks).map_err(|source| HostError::WriteFile {
                path: path.clone(),
                source,
            })?;
        }
        let progress = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        let (component, _) = host.load(&self.agent, || {
            progress.set_message(format!("compiling {}", self.agent.display()));
            progress.enable_steady_tick(Duration::from_millis(100));
        })?;
        progress.finish_and_clear();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(|e| HostError::Engine(format!("cannot start the async runtime: {e}")))?;
        // The key set where the issuer URL says verifiers find it.
        if let Some(addr) = caracal_host::issuer::issuer_address(host.config()) {
            let bound = runtime
                .block_on(caracal_host::issuer::publish(&host, addr))
                .map_err(|e| {
                    HostError::Engine(format!("cannot publish the key set on {addr}: {e}"))
                })?;
            eprintln!(
                "caracal-host: key set at http://{bound}{}",
                caracal_host::issuer::JWKS_PATH
            );
        }
        // The admin endpoint lives as long as the run; without it the agent
        // still runs, ungoverned by an operator.
        let _admin = runtime
            .block_on(AdminServer::start(
                Backend::new(host.authority().clone(), host.auditor().clone()),
                std::path::Path::new(super::admin::DEFAULT_ADMIN_FILE),
            ))
            .inspect_err(|e| tracing::warn!("admin endpoint not started: {e}"))
            .ok();
        let outcome = runtime.block_on(
            host.run(
                &component,
                RunOptions {
                    args: self.args,
                    limits: RunLimits {
                        max_memory_bytes: self.max_memory_mb.map(|mb| mb << 20),
                        max_wall_time: self.max_wall_seconds.map(Duration::from_secs),
                    },
                    dirs: self
                        .dir
                        .iter()
                        .map(|spec| DirGrant::parse(spec, false))
                        .chain(self.dir_rw.iter().map(|spec| DirGrant::parse(spec, true)))
                        .collect(),
                    env,
                    ..RunOptions::default()
                },
            ),
        )?;
        Ok(outcome.exit_code)
    }
}
