//! [`AgentHost`]: compiles agents and runs them as `wasi:cli/run` commands
//! under a root context, with every `caracal:agent` import, WASI and
//! governed outbound `wasi:http`.

use crate::audit::Auditor;
use crate::cache::{CacheOutcome, ComponentCache};
use crate::config::HostConfig;
use crate::ctx::AgentCtx;
use crate::error::{HostError, chain};
use crate::limits::{LimitExceeded, RunLimits};
use crate::liveness::{GuestActivity, LeaseKeeper, TICK_PERIOD, Ticker};
use crate::outbound::{Connector, ConnectorOptions, Governor, OutboundPolicy, PoolPolicy, Resolve};
use crate::run_state::RunState;
use crate::spin_apis::SpinApis;
use crate::state::{Follower, HostIdentity, Recovery, attach_store};
use crate::token::{SigningKey, TokenSigner};
use caracal_authority::{
    Clock, Engine as Authority, EngineConfig, SessionId, SessionStatus, SystemClock,
};
use caracal_store::Store as StateStore;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use wasmtime::component::{Component, Linker};
use wasmtime::{Engine, Store, UpdateDeadline};
use wasmtime_wasi::cli::StdinStream;
use wasmtime_wasi::p2::bindings::CommandPre;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{I32Exit, WasiCtx};
use wasmtime_wasi_http::{WasiHttp, WasiHttpView as _};

/// Most output kept from a captured stream.
const CAPTURE_LIMIT: usize = 16 << 20;

/// The host: one wasm engine, one authority engine, one token signer and
/// one lease keeper, shared by every agent it runs, and one ticker thread
/// driving the engine's epoch and the keeper.
pub struct AgentHost {
    engine: Engine,
    linker: Linker<RunState>,
    authority: Arc<Authority>,
    signer: Arc<TokenSigner>,
    keeper: Arc<LeaseKeeper>,
    governor: Arc<Governor>,
    routed_prefixes: Arc<[String]>,
    auditor: Auditor,
    config: HostConfig,
    cache: Option<ComponentCache>,
    store: Option<Arc<dyn StateStore>>,
    identity: Option<HostIdentity>,
    state_dir: Option<PathBuf>,
    recovery: Recovery,
    _follower: Option<Follower>,
    // Declared last so it stops after everything it ticks is in place.
    _ticker: Option<Ticker>,
}

impl std::fmt::Debug for AgentHost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AgentHost")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// Builds an [`AgentHost`].
///
/// Defaults: the embedded configuration (zone `local`, application
/// `default`), the system clock, a fresh in-memory signing key (the state
/// directory's with a store, see [`AgentHostBuilder::state_dir`]), the
/// component cache in [`ComponentCache::default_dir`], a background ticker
/// every [`TICK_PERIOD`], the limits of the configuration (none by
/// default), and a deny-all sandbox: outbound HTTP only as the
/// configuration's resource bindings and `allowed_outbound_hosts` permit
/// (none by default), no sockets, no environment variables, no preopened
/// directories, empty stdin, stdout and stderr inherited.
#[derive(Debug, Default)]
pub struct AgentHostBuilder {
    config: Option<HostConfig>,
    clock: Option<Arc<dyn Clock>>,
    signer: Option<TokenSigner>,
    cache: Option<Option<PathBuf>>,
    manual_ticks: bool,
    audit_file: Option<PathBuf>,
    store: Option<Arc<dyn StateStore>>,
    identity: Option<HostIdentity>,
    state_dir: Option<PathBuf>,
    pooling: bool,
    connector: ConnectorOptions,
}

impl AgentHostBuilder {
    /// Allocates instances from a pre-reserved pool (what `serve` uses: a
    /// fresh instance per request costs a slot, not an mmap).
    pub fn pooling(mut self, pooling: bool) -> Self {
        self.pooling = pooling;
        self
    }

    /// Resolves outbound host names with `resolver` instead of the system's
    /// (tests; pinning names). Every address it returns is still checked.
    pub fn resolver(mut self, resolver: Arc<dyn Resolve>) -> Self {
        self.connector.resolver = Some(resolver);
        self
    }

    /// Trusts these roots for outbound `https` instead of the webpki roots.
    pub fn tls_roots(mut self, roots: Arc<rustls::RootCertStore>) -> Self {
        self.connector.tls_roots = Some(roots);
        self
    }

    /// Sets the outbound keep-alive pool's bounds (`outbound_pool` in the
    /// configuration still switches it off).
    pub fn outbound_pool(mut self, policy: PoolPolicy) -> Self {
        self.connector.pool = policy;
        self
    }

    /// Uses this configuration instead of the embedded default.
    pub fn config(mut self, config: HostConfig) -> Self {
        self.config = Some(config);
        self
    }

    /// Uses this clock for TTLs, leases and token times (tests pass a
    /// virtual clock).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Signs tokens with this signer instead of the state directory's key
    /// (see [`AgentHostBuilder::state_dir`]) or, without one, a fresh key.
    pub fn signer(mut self, signer: TokenSigner) -> Self {
        self.signer = Some(signer);
        self
    }

    /// Caches compiled components in `dir`, or not at all with `None`.
    pub fn cache_dir(mut self, dir: Option<PathBuf>) -> Self {
        self.cache = Some(dir);
        self
    }

    /// Appends the audit trail to `path` (a JSON-lines, hash-chained log),
    /// overriding the configuration's `audit_file`.
    pub fn audit_file(mut self, path: PathBuf) -> Self {
        self.audit_file = Some(path);
        self
    }

    /// Keeps state in `store` (overriding the configuration's `store_url`):
    /// every state change is written through before it is acknowledged,
    /// the host recovers what the store holds at start-up, and it follows
    /// what other hosts sharing the store do. When a store is in use and no
    /// audit file is configured, the audit chain is kept in the store too.
    pub fn store(mut self, store: Arc<dyn StateStore>) -> Self {
        self.store = Some(store);
        self
    }

    /// Names this host in the store (default: the id kept in the state
    /// directory, else a fresh one).
    pub fn identity(mut self, identity: HostIdentity) -> Self {
        self.identity = Some(identity);
        self
    }

    /// Keeps the host's id in `dir` (locked while the host runs), so a
    /// restarted host finds the tasks that died with it, and its
    /// token-signing key (`signing-key`, mode 0600), so the tokens it
    /// minted still verify after a restart. Used with a store. Served Spin
    /// components keep their SQLite databases there too
    /// (`spin-sqlite/`).
    pub fn state_dir(mut self, dir: PathBuf) -> Self {
        self.state_dir = Some(dir);
        self
    }

    /// Starts no ticker thread: the embedder drives the epoch with
    /// [`AgentHost::tick_epoch`] and the keeper with
    /// [`LeaseKeeper::tick`] (tests on a virtual clock do).
    pub fn manual_ticks(mut self) -> Self {
        self.manual_ticks = true;
        self
    }

    /// Creates the engines, the linker and the ticker.
    pub fn build(self) -> Result<AgentHost, HostError> {
        let config = self.config.unwrap_or_default();
        let clock = self.clock.unwrap_or_else(|| Arc::new(SystemClock));
        let authority = Authority::new(
            EngineConfig {
                zone_id: config.zone_id.clone(),
                application_id: config.application_id.clone(),
                default_ttl_seconds: config.default_ttl_seconds,
                lease_ms: u64::from(config.lease_seconds) * 1000,
                max_sessions_per_root: config.max_sessions_per_root,
            },
            clock,
        );
        let store = match self.store {
            Some(store) => Some(store),
            // Connecting may block on the network: never on a runtime thread.
            None => config
                .store_url
                .as_deref()
                .map(|url| std::thread::scope(|s| s.spawn(|| caracal_store::open(url)).join()))
                .transpose()
                .expect("opening the store does not panic")
                .transpose()
                .map_err(HostError::Store)?,
        };
        let (authority, follower, recovery, identity) = match &store {
            None => (Arc::new(authority), None, Recovery::default(), None),
            Some(store) => {
                let identity = match (self.identity, &self.state_dir) {
                    (Some(identity), _) => identity,
                    (None, Some(dir)) => HostIdentity::in_dir(dir).map_err(HostError::StateDir)?,
                    (None, None) => HostIdentity::ephemeral(),
                };
                let (authority, follower, recovery) = crate::state::off_runtime(&**store, || {
                    attach_store(authority, store.clone(), identity.id())
                })
                .map_err(HostError::Store)?;
                (authority, Some(follower), recovery, Some(identity))
            }
        };
        let mut wasm_config = wasmtime::Config::new();
        wasm_config.epoch_interruption(true);
        // WASI 0.3 components (`wasi:http/handler@0.3.0`) need the
        // component model's async support.
        wasm_config.wasm_component_model_async(true);
        // No `.eh_frame` for compiled wasm: Wasmtime captures wasm
        // backtraces and handles traps without it (it only helps native
        // unwinders walk through wasm frames), and registering it with the
        // system unwinder at every load and unregistering it at exit scans
        // every function's entry: most of a large agent's start-up cost
        // after deserialization (a Python agent has some 10,000 functions).
        wasm_config.native_unwind_info(false);
        if self.pooling {
            wasm_config
                .allocation_strategy(wasmtime::InstanceAllocationStrategy::Pooling(serving_pool()));
        }
        let engine = Engine::new(&wasm_config).map_err(|e| HostError::Engine(chain(&e)))?;
        let mut linker = Linker::new(&engine);
        let link = |linker: &mut Linker<RunState>| -> wasmtime::Result<()> {
            wasmtime_wasi::p2::add_to_linker_async(linker)?;
            // `wasi:http` types as Wasmtime implements them; sending, too,
            // but with relative URLs (Spin's self requests) made absolute.
            let http_options = wasmtime_wasi_http::p2::bindings::LinkOptions::default();
            wasmtime_wasi_http::p2::bindings::http::types::add_to_linker::<_, WasiHttp>(
                linker,
                &(&http_options).into(),
                RunState::http,
            )?;
            crate::http_fields::add_to_linker(linker)?;
            wasmtime_wasi::p3::add_to_linker(linker)?;
            wasmtime_wasi_http::p3::bindings::http::types::add_to_linker::<_, WasiHttp>(
                linker,
                RunState::http,
            )?;
            crate::outbound::add_relative_urls_to_linker(linker)?;
            crate::spin_apis::add_to_linker(linker)?;
            crate::host::add_to_linker(linker)
        };
        link(&mut linker).map_err(|e| HostError::Engine(chain(&e)))?;
        let cache = self
            .cache
            .unwrap_or_else(ComponentCache::default_dir)
            .map(ComponentCache::new);
        let clock = authority.clock().clone();
        let auditor = match (
            self.audit_file.as_ref().or(config.audit_file.as_ref()),
            &store,
        ) {
            (Some(path), _) => {
                Auditor::open(path, clock, &config.application_id).map_err(HostError::Audit)?
            }
            (None, Some(store)) => Auditor::to_store(store.clone(), clock, &config.application_id),
            (None, None) => Auditor::disabled(clock, &config.application_id),
        };
        let window_ms = 2 * TICK_PERIOD.as_millis() as u64;
        let keeper = Arc::new(LeaseKeeper::new(
            authority.clone(),
            auditor.clone(),
            window_ms,
        ));
        let ticker = (!self.manual_ticks)
            .then(|| Ticker::start(engine.clone(), keeper.clone(), TICK_PERIOD));
        let issuer = config
            .issuer_url
            .clone()
            .unwrap_or_else(|| crate::token::DEFAULT_ISSUER.to_owned());
        let alg = config.signing_algorithm;
        let fresh = || TokenSigner::new(issuer.clone(), SigningKey::generate(alg), Vec::new());
        let signer = match (self.signer, &identity) {
            // A given signer keeps its keys; a configured issuer URL wins.
            (Some(signer), _) if config.issuer_url.is_some() => signer.with_issuer(issuer.clone()),
            (Some(signer), _) => signer,
            (None, Some(identity)) => match identity
                .signing_keys(alg, authority.clock().now_ms())
                .map_err(HostError::StateDir)?
            {
                Some(keys) => {
                    let signer = TokenSigner::new(issuer.clone(), keys.active, keys.retired);
                    // A staged key signs once this start has published it
                    // long enough, whatever the file says.
                    if let Some((key, at)) = keys.staged {
                        let ahead = authority.clock().now_ms()
                            + crate::token::STAGED_KEY_PUBLISHED_AHEAD_SECONDS * 1000;
                        signer.stage(key, at.max(ahead));
                    }
                    signer
                }
                None => fresh(),
            },
            (None, None) => fresh(),
        };
        let signer =
            Arc::new(signer.with_resources(config.resources.iter().map(|b| b.resource_id.clone())));
        let mut connector = self.connector;
        connector.pool.enabled &= config.outbound_pool;
        let connector = Arc::new(Connector::new(connector));
        let governor = Governor::new(
            &config,
            authority.clone(),
            signer.clone(),
            auditor.clone(),
            connector.clone(),
        )
        .map_err(|e| HostError::Engine(format!("outbound rules: {e}")))?;
        let routed_prefixes = governor.routed_prefixes(&config).into();
        Ok(AgentHost {
            engine,
            linker,
            authority,
            signer,
            keeper,
            governor: Arc::new(governor),
            routed_prefixes,
            auditor,
            config,
            cache,
            store,
            identity,
            state_dir: self.state_dir,
            recovery,
            _follower: follower,
            _ticker: ticker,
        })
    }
}

/// The trap an agent is stopped with when its root is retired under it.
#[derive(Debug, thiserror::Error)]
#[error("the root authority {0} was revoked")]
struct Revoked(String);

/// How to run one agent.
#[derive(Debug, Default)]
pub struct RunOptions {
    /// Arguments after the program name.
    pub args: Vec<String>,
    /// Capture stdout and stderr instead of passing them through.
    pub capture_output: bool,
    /// Limits for this run; each one set overrides the configuration's.
    pub limits: RunLimits,
    /// The guest's stdin (default: empty).
    pub stdin: Option<RunStdin>,
    /// Runs the agent as this application instead of the configured one.
    pub application: Option<String>,
    /// Shares the record of what the epoch ticks observe of the guest, so
    /// the embedder can watch it (default: a private one).
    pub activity: Option<Arc<GuestActivity>>,
    /// Host directories the agent may open (default: none).
    pub dirs: Vec<DirGrant>,
    /// Environment variables the agent sees (default: none; never the
    /// host's environment wholesale).
    pub env: Vec<(String, String)>,
}

/// An environment variable given to an agent, as `wasmtime run --env`
/// reads it: `NAME=VALUE`, or `NAME` for the host's value of NAME (looked up
/// with `host_env`; unset is an error, so a typo is not a silent omission).
pub fn env_grant(
    spec: &str,
    host_env: &dyn Fn(&str) -> Option<String>,
) -> Result<(String, String), String> {
    match spec.split_once('=') {
        Some((name, value)) if !name.is_empty() => Ok((name.to_owned(), value.to_owned())),
        None if !spec.is_empty() => host_env(spec)
            .map(|value| (spec.to_owned(), value))
            .ok_or_else(|| format!("environment variable `{spec}` is not set")),
        _ => Err(format!("`{spec}` names no variable")),
    }
}

/// A host directory given to an agent, as `wasmtime run --dir` does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirGrant {
    /// The directory on the host.
    pub host: PathBuf,
    /// Where the agent sees it (default: the same path as on the host).
    pub guest: String,
    /// Whether the agent may create, write and remove files in it (default:
    /// read only).
    pub writable: bool,
}

impl DirGrant {
    /// Parses `HOST[::GUEST]`.
    pub fn parse(spec: &str, writable: bool) -> DirGrant {
        let (host, guest) = spec.split_once("::").unwrap_or((spec, spec));
        DirGrant {
            host: PathBuf::from(host),
            guest: guest.to_owned(),
            writable,
        }
    }
}

/// A stdin stream for a run, e.g. a
/// [`AsyncStdinStream`](wasmtime_wasi::cli::AsyncStdinStream).
pub struct RunStdin(Box<dyn StdinStream + Sync>);

impl RunStdin {
    /// Wraps a WASI stdin stream.
    pub fn new(stream: impl StdinStream + Sync + 'static) -> RunStdin {
        RunStdin(Box::new(stream))
    }
}

impl std::fmt::Debug for RunStdin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RunStdin")
    }
}

/// How an agent run ended.
#[derive(Clone, Debug)]
pub struct RunOutcome {
    /// The guest's exit code: 0 for success, 1 for `Err` from `run`, or the
    /// code it passed to `exit`.
    pub exit_code: i32,
    /// Captured stdout (empty unless capturing).
    pub stdout: Vec<u8>,
    /// Captured stderr (empty unless capturing).
    pub stderr: Vec<u8>,
}

impl AgentHost {
    /// A builder with the embedded defaults.
    pub fn builder() -> AgentHostBuilder {
        AgentHostBuilder::default()
    }

    /// The configuration in force.
    pub fn config(&self) -> &HostConfig {
        &self.config
    }

    /// The authority engine shared by every agent of this host.
    pub fn authority(&self) -> &Arc<Authority> {
        &self.authority
    }

    /// The signer of this host's session tokens.
    pub fn signer(&self) -> &TokenSigner {
        &self.signer
    }

    /// The wasm engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The state store, when state is durable.
    pub fn store(&self) -> Option<&Arc<dyn StateStore>> {
        self.store.as_ref()
    }

    /// The state directory, when the host was given one.
    pub fn state_dir(&self) -> Option<&std::path::Path> {
        self.state_dir.as_deref()
    }

    /// This host's id in the store, when state is durable.
    pub fn host_id(&self) -> Option<&str> {
        self.identity.as_ref().map(HostIdentity::id)
    }

    /// What start-up recovery found in the store.
    pub fn recovery(&self) -> &Recovery {
        &self.recovery
    }

    /// The connector every allowed outbound request goes out through.
    pub fn connector(&self) -> &Arc<Connector> {
        self.governor.connector()
    }

    /// The outbound rules every agent's requests pass.
    pub fn governor(&self) -> &Arc<Governor> {
        &self.governor
    }

    /// The audit trail of this host.
    pub fn auditor(&self) -> &Auditor {
        &self.auditor
    }

    /// The lease keeper renewing host-driven heartbeats and sweeping
    /// deadlines.
    pub fn lease_keeper(&self) -> &Arc<LeaseKeeper> {
        &self.keeper
    }

    /// Advances the wasm engine's epoch by one tick (the ticker does this
    /// every [`TICK_PERIOD`] unless the host was built with
    /// [`AgentHostBuilder::manual_ticks`]).
    pub fn tick_epoch(&self) {
        self.engine.increment_epoch();
    }

    /// The agent state of a served request: borrows `base` (a live
    /// session) as its root, with this host's keeper, auditor and routes.
    pub(crate) fn request_agent(&self, base: SessionId) -> AgentCtx {
        AgentCtx::builder(self.authority.clone(), self.signer.clone())
            .base_session(base)
            .lease_keeper(self.keeper.clone())
            .routed_prefixes(self.routed_prefixes.clone())
            .auditor(self.auditor.clone())
            .build()
    }

    /// A `Bearer <token>` header value for the live `session`, as its
    /// `headers()` would project it (what a caller of a served component
    /// presents).
    pub fn bearer_for(
        &self,
        session: &SessionId,
    ) -> Result<String, caracal_authority::AuthorityError> {
        self.authority.check_live(session)?;
        let view = self.authority.view(session)?;
        let mut projection =
            crate::projection::Projection::new(&self.authority, &self.signer, &view);
        let headers = projection.headers(&self.signer, self.authority.clock().now_ms(), [1; 8]);
        Ok(headers
            .into_iter()
            .find(|(name, _)| name == "authorization")
            .map(|(_, value)| value)
            .unwrap_or_default())
    }

    /// Rotates the signing key of this running host: a new key (of the
    /// configured algorithm) is published now and signs
    /// [`STAGED_KEY_PUBLISHED_AHEAD_SECONDS`](crate::token::STAGED_KEY_PUBLISHED_AHEAD_SECONDS)
    /// later, once every verifier's cached key set has seen it; the old key
    /// then retires, still published until its tokens have expired. Kept
    /// in the state directory, if the host has one. Returns the new `kid`
    /// and when it signs from (unix ms).
    pub fn rotate_signing_key(&self) -> Result<(String, u64), HostError> {
        let now = self.authority.clock().now_ms();
        let key = SigningKey::generate(self.config.signing_algorithm);
        let kid = key.kid().to_owned();
        let at = now + crate::token::STAGED_KEY_PUBLISHED_AHEAD_SECONDS * 1000;
        if let Some(identity) = &self.identity {
            identity
                .save_staged_key(&key, at, now)
                .map_err(HostError::StateDir)?;
        }
        self.signer.stage(key, at);
        Ok((kid, at))
    }

    /// The signer as shared with request handlers.
    pub(crate) fn shared_signer(&self) -> &Arc<TokenSigner> {
        &self.signer
    }

    /// The limits every run gets unless its [`RunOptions`] override them.
    pub fn default_limits(&self) -> RunLimits {
        self.config.limits
    }

    /// The linker every component is instantiated with.
    pub(crate) fn linker(&self) -> &Linker<RunState> {
        &self.linker
    }

    /// The linker, for embedders that add imports of their own.
    pub fn linker_mut(&mut self) -> &mut Linker<RunState> {
        &mut self.linker
    }

    /// Reads and compiles an agent, from the cache when it was compiled
    /// before; `on_compile` runs just before a real compilation starts.
    pub fn load(
        &self,
        path: &Path,
        on_compile: impl FnOnce(),
    ) -> Result<(Component, CacheOutcome), HostError> {
        match &self.cache {
            Some(cache) => cache.load_file(&self.engine, path, on_compile),
            None => {
                let bytes = std::fs::read(path).map_err(|source| HostError::ReadAgent {
                    path: path.to_path_buf(),
                    source,
                })?;
                on_compile();
                Ok((
                    crate::cache::compile(&self.engine, path, &bytes)?,
                    CacheOutcome::Compiled,
                ))
            }
        }
    }

    /// Runs a command component to completion under a fresh root context.
    /// Task sessions the agent leaves live are retired when it ends; live
    /// services are left to their leases. An agent stopped by a limit
    /// ([`HostError::Limit`]) has all its sessions retired.
    pub async fn run(
        &self,
        component: &Component,
        options: RunOptions,
    ) -> Result<RunOutcome, HostError> {
        let load_error = |e: wasmtime::Error| HostError::Link(chain(&e));
        let pre = CommandPre::new(self.linker.instantiate_pre(component).map_err(load_error)?)
            .map_err(load_error)?;
        let capture = options.capture_output.then(|| {
            (
                MemoryOutputPipe::new(CAPTURE_LIMIT),
                MemoryOutputPipe::new(CAPTURE_LIMIT),
            )
        });
        let mut wasi = WasiCtx::builder();
        wasi.arg("agent").args(&options.args);
        match &capture {
            Some((out, err)) => {
                wasi.stdout(out.clone()).stderr(err.clone());
            }
            None => {
                wasi.inherit_stdout().inherit_stderr();
            }
        }
        for (name, value) in self.config.run_env.iter().chain(&options.env) {
            wasi.env(name, value);
        }
        for dir in self.config.run_dirs.iter().chain(&options.dirs) {
            let perms = if dir.writable {
                wasmtime_wasi::FsPerms::ReadWrite
            } else {
                wasmtime_wasi::FsPerms::ReadOnly
            };
            wasi.preopened_dir(&dir.host, &dir.guest, perms)
                .map_err(|e| HostError::Dir {
                    path: dir.host.clone(),
                    message: format!("{e:#}"),
                })?;
        }
        if let Some(RunStdin(stdin)) = options.stdin {
            wasi.stdin(stdin);
        }
        let limits = self.config.limits.overridden_by(options.limits);
        let activity = options.activity.unwrap_or_default();
        let mut agent = AgentCtx::builder(self.authority.clone(), self.signer.clone());
        if let Some(application) = options.application {
            agent = agent.application(application);
        }
        let agent = agent
            .lease_keeper(self.keeper.clone())
            .activity(activity)
            .routed_prefixes(self.routed_prefixes.clone())
            .auditor(self.auditor.clone())
            .build();
        let outbound = OutboundPolicy::new(
            self.governor.clone(),
            agent.root().clone(),
            agent.held_sessions().clone(),
        );
        let state = RunState::new(wasi.build(), outbound, agent, SpinApis::none(), limits);
        let mut store = Store::new(&self.engine, state);
        store.limiter(|state| state.limiter_mut());
        self.watch_epochs(&mut store, limits);
        let call = async {
            let command = pre.instantiate_async(&mut store).await?;
            command.wasi_cli_run().call_run(&mut store).await
        };
        let result = match limits.max_wall_time {
            // The epoch callback stops a guest running wasm past its
            // deadline; this timer stops one waiting in a host call.
            Some(limit) => tokio::time::timeout(limit, call).await.unwrap_or_else(|_| {
                let limit_ms = limit.as_millis() as u64;
                Err(LimitExceeded::WallClock {
                    limit_ms,
                    ran_ms: limit_ms,
                }
                .into())
            }),
            None => call.await,
        };
        if let Err(e) = &result
            && let Some(Revoked(root)) = e.downcast_ref::<Revoked>()
        {
            tracing::warn!(%root, "the agent's root authority was revoked; the agent was stopped");
            return Err(HostError::Revoked(root.clone()));
        }
        // A full resource table is the agent's host-side budget spent.
        let result = match result {
            Err(e)
                if matches!(
                    e.downcast_ref::<wasmtime::component::ResourceTableError>(),
                    Some(wasmtime::component::ResourceTableError::Full)
                ) =>
            {
                Err(store.data().host_held_exceeded().into())
            }
            other => other,
        };
        if let Err(e) = &result
            && let Some(exceeded) = e.downcast_ref::<LimitExceeded>()
        {
            tracing::warn!(
                limit = exceeded.name(),
                "{exceeded}; the agent was stopped and its sessions retired"
            );
            let exceeded = exceeded.clone();
            let agent = &mut store.data_mut().agent_ctx_mut();
            self.auditor.record(
                self.auditor
                    .event(caracal_audit::EventKind::Close)
                    .session(agent.root().to_string())
                    .reason(format!("agent stopped: {exceeded}")),
            );
            agent.retire_all();
            return Err(HostError::Limit(exceeded));
        }
        drop(store);
        let exit_code = match result {
            Ok(Ok(())) => 0,
            Ok(Err(())) => 1,
            Err(e) => match e.downcast_ref::<I32Exit>() {
                Some(exit) => exit.0,
                None => return Err(HostError::AgentFailed(chain(&e))),
            },
        };
        let (stdout, stderr) = capture
            .map(|(out, err)| (out.contents().to_vec(), err.contents().to_vec()))
            .unwrap_or_default();
        Ok(RunOutcome {
            exit_code,
            stdout,
            stderr,
        })
    }

    /// On every epoch tick while the guest runs wasm: record that it is
    /// running (for the lease keeper), stop it past its wall-clock limit,
    /// and otherwise yield to the async executor.
    fn watch_epochs(&self, store: &mut Store<RunState>, limits: RunLimits) {
        let clock = self.authority.clock().clone();
        let authority = self.authority.clone();
        let root = store.data().agent_ctx().root().clone();
        let started_ms = clock.now_ms();
        let limit_ms = limits.max_wall_time.map(|limit| limit.as_millis() as u64);
        store.set_epoch_deadline(1);
        store.epoch_deadline_callback(move |ctx| {
            let now = clock.now_ms();
            ctx.data().agent_ctx().activity.observe_running(now);
            let ran_ms = now.saturating_sub(started_ms);
            if let Some(limit_ms) = limit_ms
                && ran_ms >= limit_ms
            {
                return Err(LimitExceeded::WallClock { limit_ms, ran_ms }.into());
            }
            // The kill switch: an operator retired this agent's root.
            if authority
                .status(&root)
                .is_ok_and(|s| s == SessionStatus::Terminated)
            {
                return Err(Revoked(root.to_string()).into());
            }
            Ok(UpdateDeadline::Yield(1))
        });
    }
}

/// The pooling allocator as `serve` uses it: a fresh instance per request
/// reuses a warm slot, and a freed slot's pages are given back to the
/// kernel in batches (each `madvise` costs a TLB shootdown on every core)
/// after the first pages of memory and table are reset in place.
fn serving_pool() -> wasmtime::PoolingAllocationConfig {
    let mut pool = wasmtime::PoolingAllocationConfig::default();
    pool.decommit_batch_size(16)
        .linear_memory_keep_resident(256 << 10)
        .table_keep_resident(64 << 10);
    pool
}
