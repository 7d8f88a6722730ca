//! [`AgentHost`]: compiles agents and runs them as `wasi:cli/run` commands
//! under a root context, with every `caracal:agent` import, WASI and
//! governed outbound `wasi:http`.

use crate::cache::{CacheOutcome, ComponentCache};
use crate::config::HostConfig;
use crate::ctx::{AgentCtx, AgentCtxView, AgentView};
use crate::error::{HostError, chain};
use crate::outbound::OutboundPolicy;
use crate::token::TokenSigner;
use caracal_authority::{Clock, Engine as Authority, EngineConfig, SystemClock};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Engine, Store};
use wasmtime_wasi::p2::bindings::CommandPre;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{I32Exit, WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

/// Most output kept from a captured stream.
const CAPTURE_LIMIT: usize = 16 << 20;

/// The host: one wasm engine, one authority engine and one token signer,
/// shared by every agent it runs.
pub struct AgentHost {
    engine: Engine,
    linker: Linker<RunState>,
    authority: Arc<Authority>,
    signer: Arc<TokenSigner>,
    config: HostConfig,
    cache: Option<ComponentCache>,
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
/// `default`), the system clock, a fresh in-memory signing key, the
/// component cache in [`ComponentCache::default_dir`], and a deny-all
/// sandbox: no outbound HTTP, no sockets, no environment variables, no
/// preopened directories, stdio inherited.
#[derive(Debug, Default)]
pub struct AgentHostBuilder {
    config: Option<HostConfig>,
    clock: Option<Arc<dyn Clock>>,
    signer: Option<TokenSigner>,
    cache: Option<Option<PathBuf>>,
}

impl AgentHostBuilder {
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

    /// Signs tokens with this signer instead of a fresh key.
    pub fn signer(mut self, signer: TokenSigner) -> Self {
        self.signer = Some(signer);
        self
    }

    /// Caches compiled components in `dir`, or not at all with `None`.
    pub fn cache_dir(mut self, dir: Option<PathBuf>) -> Self {
        self.cache = Some(dir);
        self
    }

    /// Creates the engines and the linker.
    pub fn build(self) -> Result<AgentHost, HostError> {
        let config = self.config.unwrap_or_default();
        let clock = self.clock.unwrap_or_else(|| Arc::new(SystemClock));
        let authority = Arc::new(Authority::new(
            EngineConfig {
                zone_id: config.zone_id.clone(),
                application_id: config.application_id.clone(),
                default_ttl_seconds: config.default_ttl_seconds,
                ..EngineConfig::default()
            },
            clock,
        ));
        let engine =
            Engine::new(&wasmtime::Config::new()).map_err(|e| HostError::Engine(chain(&e)))?;
        let mut linker = Linker::new(&engine);
        let link = |linker: &mut Linker<RunState>| -> wasmtime::Result<()> {
            wasmtime_wasi::p2::add_to_linker_async(linker)?;
            wasmtime_wasi_http::p2::add_only_http_to_linker_async(linker)?;
            crate::host::add_to_linker(linker)
        };
        link(&mut linker).map_err(|e| HostError::Engine(chain(&e)))?;
        let cache = self
            .cache
            .unwrap_or_else(ComponentCache::default_dir)
            .map(ComponentCache::new);
        Ok(AgentHost {
            engine,
            linker,
            authority,
            signer: Arc::new(self.signer.unwrap_or_else(TokenSigner::generate)),
            config,
            cache,
        })
    }
}

/// How to run one agent.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// Arguments after the program name.
    pub args: Vec<String>,
    /// Capture stdout and stderr instead of passing them through.
    pub capture_output: bool,
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
        let bytes = std::fs::read(path).map_err(|source| HostError::ReadAgent {
            path: path.to_path_buf(),
            source,
        })?;
        match &self.cache {
            Some(cache) => cache.load(&self.engine, path, &bytes, on_compile),
            None => {
                on_compile();
                Ok((
                    crate::cache::compile(&self.engine, path, &bytes)?,
                    CacheOutcome::Compiled,
                ))
            }
        }
    }

    /// Runs a command component to completion under a fresh root context.
    /// Sessions the agent leaves live are retired when it ends.
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
        let state = RunState {
            table: ResourceTable::new(),
            wasi: wasi.build(),
            http: WasiHttpCtx::new(),
            outbound: OutboundPolicy::default(),
            agent: AgentCtx::builder(self.authority.clone(), self.signer.clone()).build(),
        };
        let mut store = Store::new(&self.engine, state);
        let result = match pre.instantiate_async(&mut store).await {
            Ok(command) => command.wasi_cli_run().call_run(&mut store).await,
            Err(e) => Err(e),
        };
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
}

/// The data of one agent's store: WASI, `wasi:http`, the outbound policy
/// and the Caracal state.
pub struct RunState {
    table: ResourceTable,
    wasi: WasiCtx,
    http: WasiHttpCtx,
    outbound: OutboundPolicy,
    agent: AgentCtx,
}

impl std::fmt::Debug for RunState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunState")
            .field("agent", &self.agent)
            .finish_non_exhaustive()
    }
}

impl WasiView for RunState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for RunState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.outbound,
        }
    }
}

impl AgentView for RunState {
    fn agent(&mut self) -> AgentCtxView<'_> {
        AgentCtxView {
            ctx: &mut self.agent,
            table: &mut self.table,
        }
    }
}
