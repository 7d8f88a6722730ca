//! What `serve` serves: one component on every path, or a Spin
//! application's components behind its HTTP routes.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use caracal_spin::{RouteMatch, Router, SpinApp};

use super::handler::Handler;
use crate::error::HostError;
use crate::outbound::Governor;
use crate::runner::AgentHost;
use crate::spin_apis::{ComponentVariables, KvSpaces, SpinApis, SqliteDatabases};

/// Why an application cannot be served.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// The Spin manifest is unreadable or uses what the host does not
    /// support (each problem is named).
    #[error(transparent)]
    Manifest(#[from] caracal_spin::LoadError),
    /// A component could not be loaded.
    #[error(transparent)]
    Host(#[from] HostError),
    /// A component does not fit: not a proxy component, an import the host
    /// lacks, or a bad `allowed_outbound_hosts` entry.
    #[error("component `{component}`: {message}")]
    Component {
        /// The component id (its file name for a single component).
        component: String,
        /// What is wrong.
        message: String,
    },
}

/// A component ready to serve requests.
#[derive(Debug)]
pub(crate) struct Served {
    pub(crate) id: String,
    pub(crate) handler: Handler,
    /// WASI environment (a Spin component's `environment` table).
    pub(crate) env: Vec<(String, String)>,
    /// A Spin component's variables (rendered), key-value stores and
    /// SQLite databases.
    pub(crate) spin: SpinApis,
    /// The outbound rules of this component (the host's, plus its own
    /// `allowed_outbound_hosts`).
    pub(crate) governor: Arc<Governor>,
}

/// A loaded application: components and, for a Spin app, its router.
#[derive(Debug)]
pub struct ServeApp {
    components: Vec<Served>,
    by_id: HashMap<String, usize>,
    router: Option<(Router, String)>,
}

impl ServeApp {
    /// Loads `path`: a `spin.toml` (Spin manifest v2) or a component
    /// (`.wasm`) served on every path. Application variables take their
    /// values from `SPIN_VARIABLE_<NAME>` environment variables, as Spin's
    /// default provider does, else their defaults.
    pub fn load(host: &AgentHost, path: &Path) -> Result<ServeApp, ServeError> {
        ServeApp::load_with_variables(host, path, |name| {
            std::env::var(caracal_spin::variable_env_name(name)).ok()
        })
    }

    /// [`ServeApp::load`] with application variable values from `lookup`
    /// (by variable name; `None` falls back to the default). A required
    /// variable with no value fails the load, naming it.
    pub fn load_with_variables(
        host: &AgentHost,
        path: &Path,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<ServeApp, ServeError> {
        let is_manifest = path.extension().is_some_and(|e| e == "toml");
        if !is_manifest {
            let id = path.file_stem().map_or_else(
                || "component".to_owned(),
                |s| s.to_string_lossy().into_owned(),
            );
            let mut served = load_component(host, &id, path, Vec::new(), &[])?;
            served.spin = SpinApis::new(
                ComponentVariables::default(),
                (Vec::new(), key_value_spaces(host, &id)),
                (Vec::new(), sqlite_databases(host, &id)),
                host.auditor().clone(),
            );
            return Ok(ServeApp {
                by_id: HashMap::from([(id, 0)]),
                components: vec![served],
                router: None,
            });
        }
        let app = SpinApp::from_file(path)?;
        // One application's stores and databases, shared by its components.
        let spaces = key_value_spaces(host, &app.name);
        let databases = sqlite_databases(host, &app.name);
        let mut components = Vec::new();
        let mut by_id = HashMap::new();
        for (id, component) in &app.components {
            let env = component
                .environment
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            let unresolved = |e: caracal_spin::VariableError| ServeError::Component {
                component: id.clone(),
                message: e.to_string(),
            };
            let hosts = app
                .resolve_allowed_outbound_hosts(id, &lookup)
                .map_err(unresolved)?;
            let variables = app.resolve_variables(id, &lookup).map_err(unresolved)?;
            let mut served = load_component(host, id, &component.source, env, &hosts)?;
            served.spin = SpinApis::new(
                ComponentVariables::new(variables),
                (component.key_value_stores.clone(), spaces.clone()),
                (component.sqlite_databases.clone(), databases.clone()),
                host.auditor().clone(),
            );
            by_id.insert(id.clone(), components.len());
            components.push(served);
        }
        Ok(ServeApp {
            router: Some((Router::new(&app), app.base.clone())),
            components,
            by_id,
        })
    }

    /// The component serving `path`, with the Spin route match for a Spin
    /// application; `None` when no route matches.
    pub(crate) fn route(&self, path: &str) -> Option<(&Served, Option<(RouteMatch, &str)>)> {
        match &self.router {
            None => self.components.first().map(|c| (c, None)),
            Some((router, base)) => {
                let matched = router.route(path)?;
                let served = &self.components[*self.by_id.get(&matched.component_id)?];
                Some((served, Some((matched, base.as_str()))))
            }
        }
    }

    /// Component `id` (a `<id>.spin.internal` request's), with the route
    /// match when one of its routes matches `path`; `None` for no such
    /// component.
    pub(crate) fn component(
        &self,
        id: &str,
        path: &str,
    ) -> Option<(&Served, Option<(RouteMatch, &str)>)> {
        let served = &self.components[*self.by_id.get(id)?];
        let matched = self.router.as_ref().and_then(|(router, base)| {
            router
                .route(path)
                .filter(|m| m.component_id == id)
                .map(|m| (m, base.as_str()))
        });
        Some((served, matched))
    }

    /// `(component id, wasi:http version)` of every component.
    pub fn components(&self) -> Vec<(&str, &'static str)> {
        self.components
            .iter()
            .map(|c| (c.id.as_str(), c.handler.version()))
            .collect()
    }
}

fn load_component(
    host: &AgentHost,
    id: &str,
    path: &Path,
    env: Vec<(String, String)>,
    allowed_outbound_hosts: &[String],
) -> Result<Served, ServeError> {
    let fail = |message: String| ServeError::Component {
        component: id.to_owned(),
        message,
    };
    let (component, _) = host.load(path, || {})?;
    let handler = Handler::new(host.linker(), &component).map_err(fail)?;
    let mut config = host.config().clone();
    config
        .allowed_outbound_hosts
        .extend(allowed_outbound_hosts.iter().cloned());
    let governor = Governor::new(
        &config,
        host.authority().clone(),
        host.shared_signer().clone(),
        host.auditor().clone(),
        host.connector().clone(),
    )
    .map_err(|e| fail(format!("allowed_outbound_hosts: {e}")))?;
    Ok(Served {
        id: id.to_owned(),
        handler,
        env,
        spin: SpinApis::none(),
        governor: Arc::new(governor),
    })
}

/// Where application `app`'s key-value stores live: the host's state
/// store when it has one (so hosts sharing it share the keys), else memory.
fn key_value_spaces(host: &AgentHost, app: &str) -> KvSpaces {
    let config = host.config();
    let scope = format!("{}/{}/{app}", config.zone_id, config.application_id);
    match host.store() {
        Some(store) => KvSpaces::on_store(store.clone(), scope),
        None => KvSpaces::in_memory(scope),
    }
}

/// Where application `app`'s SQLite databases live:
/// `<state dir>/spin-sqlite/<app>/`.
fn sqlite_databases(host: &AgentHost, app: &str) -> SqliteDatabases {
    match host.state_dir() {
        Some(dir) => SqliteDatabases::in_dir(dir.join("spin-sqlite").join(file_name(app))),
        None => SqliteDatabases::unavailable(),
    }
}

/// `name` as one safe path component: ASCII letters, digits, `-`, `_`
/// and `.` kept, anything else `_`, never `.` or `..`.
fn file_name(name: &str) -> String {
    let kept: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    if kept.is_empty() || kept.chars().all(|c| c == '.') {
        format!("app{kept}").replace('.', "_")
    } else {
        kept
    }
}

#[cfg(test)]
mod tests {
    use super::file_name;

    #[test]
    fn an_app_name_is_one_safe_path_component() {
        for (name, expected) in [
            ("compat", "compat"),
            ("my app/v2", "my_app_v2"),
            ("../../etc", ".._.._etc"),
            ("..", "app__"),
            (".", "app_"),
            ("", "app"),
            ("ünïcode", "_n_code"),
        ] {
            let got = file_name(name);
            assert_eq!(got, expected, "{name:?}");
            assert!(!got.contains('/') && got != "." && got != "..", "{name:?}");
        }
    }
}
