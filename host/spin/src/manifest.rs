//! The Spin application manifest (`spin.toml`, `spin_manifest_version = 2`)
//! as far as `caracal-host serve` runs it.
//!
//! Supported: `[application]` (with `[application.trigger.http] base`),
//! `[variables]`, `[[trigger.http]]` naming a `[component.<id>]` (the Spin
//! executor; `route = { private = true }` is accepted and not routed), and
//! components with a local `source`, `allowed_outbound_hosts`,
//! `variables` and `environment`. `build`, `description`, `exclude_files`,
//! `tool`, `targets` and `profile` are accepted and ignored.
//!
//! Everything else Spin defines (other trigger types, the Wagi executor,
//! inline components, remote or registry sources, `files`,
//! `key_value_stores`, `sqlite_databases`, `ai_models`, `dependencies`,
//! trigger `components` …) fails the load, and so do unknown keys: every
//! problem is reported at once in [`LoadError::Invalid`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::template::Renderer;
use crate::{LoadError, RoutePattern, VariableError};

mod component;
mod parse;
mod section;
mod trigger;

/// A Spin application ready to serve.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SpinApp {
    /// `[application] name`.
    pub name: String,
    /// `[application] version`, if given.
    pub version: Option<String>,
    /// `[application] description`, if given.
    pub description: Option<String>,
    /// `[application] authors`.
    pub authors: Vec<String>,
    /// `[application.trigger.http] base`, `"/"` when absent.
    pub base: String,
    /// The routable HTTP triggers, in manifest order.
    pub routes: Vec<HttpRoute>,
    /// Every `[component.<id>]`, by id.
    pub components: BTreeMap<String, SpinComponent>,
    /// The `[variables]`, by name.
    pub variables: BTreeMap<String, SpinVariable>,
}

/// A routable `[[trigger.http]]`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct HttpRoute {
    /// The route, with the application base applied.
    pub pattern: RoutePattern,
    /// The id of the component handling it.
    pub component: String,
}

impl HttpRoute {
    /// A route handled by `component`.
    pub fn new(pattern: RoutePattern, component: impl Into<String>) -> HttpRoute {
        HttpRoute {
            pattern,
            component: component.into(),
        }
    }
}

/// A `[component.<id>]`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SpinComponent {
    /// The component id.
    pub id: String,
    /// The Wasm file: `source` joined to the manifest's directory.
    pub source: PathBuf,
    /// `allowed_outbound_hosts`, as written (they may hold `{{ }}`
    /// templates; see [`SpinApp::resolve_allowed_outbound_hosts`]).
    pub allowed_outbound_hosts: Vec<String>,
    /// `variables`: component variable name → template.
    pub variables: BTreeMap<String, String>,
    /// `environment`: environment variables for the guest.
    pub environment: BTreeMap<String, String>,
    /// `key_value_stores`: the key-value store labels the component may
    /// open (`default` only when listed, as in Spin).
    pub key_value_stores: Vec<String>,
    /// `sqlite_databases`: the SQLite database labels it may open.
    pub sqlite_databases: Vec<String>,
}

/// An application variable from `[variables]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SpinVariable {
    /// The value used when the lookup has none; `None` iff `required`.
    pub default: Option<String>,
    /// The lookup must supply a value.
    pub required: bool,
    /// The value is sensitive and must not be logged.
    pub secret: bool,
    /// `description`, if given.
    pub description: Option<String>,
}

impl SpinApp {
    /// Reads and validates the manifest at `path`; component sources are
    /// resolved against its directory.
    pub fn from_file(path: impl AsRef<Path>) -> Result<SpinApp, LoadError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| LoadError::Read {
            path: path.to_owned(),
            source,
        })?;
        let dir = path.parent().map(Path::to_owned).unwrap_or_default();
        let dir = std::path::absolute(&dir).unwrap_or(dir);
        SpinApp::from_str(&text, &dir)
    }

    /// Parses and validates manifest text; component sources are joined to
    /// `base_dir` (pass an absolute directory for absolute sources).
    pub fn from_str(text: &str, base_dir: &Path) -> Result<SpinApp, LoadError> {
        let table: toml::Table = toml::from_str(text)?;
        parse::app(table, base_dir).map_err(LoadError::Invalid)
    }

    /// The values of a component's `variables`: each template rendered with
    /// application variable values from `lookup` (the host passes
    /// `SPIN_VARIABLE_<NAME>` from its environment, see
    /// [`variable_env_name`](crate::variable_env_name)) or else their
    /// defaults. Fails naming every required variable with no value.
    pub fn resolve_variables(
        &self,
        component_id: &str,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<BTreeMap<String, String>, VariableError> {
        let component = self.component(component_id)?;
        let mut renderer = self.renderer(lookup);
        let values = component
            .variables
            .iter()
            .map(|(k, t)| (k.clone(), renderer.render(t)));
        let values = values.collect();
        renderer.finish(component_id).map(|()| values)
    }

    /// A component's `allowed_outbound_hosts` with `{{ }}` templates
    /// rendered as in [`SpinApp::resolve_variables`].
    pub fn resolve_allowed_outbound_hosts(
        &self,
        component_id: &str,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Vec<String>, VariableError> {
        let component = self.component(component_id)?;
        let mut renderer = self.renderer(lookup);
        let hosts = component
            .allowed_outbound_hosts
            .iter()
            .map(|h| renderer.render(h));
        let hosts = hosts.collect();
        renderer.finish(component_id).map(|()| hosts)
    }

    fn component(&self, id: &str) -> Result<&SpinComponent, VariableError> {
        self.components
            .get(id)
            .ok_or_else(|| VariableError::UnknownComponent(id.to_owned()))
    }

    fn renderer<F>(&self, lookup: F) -> Renderer<'_, F> {
        Renderer {
            variables: &self.variables,
            lookup,
            values: BTreeMap::new(),
            missing: Vec::new(),
        }
    }
}

impl<F> Renderer<'_, F> {
    fn finish(mut self, component: &str) -> Result<(), VariableError> {
        if self.missing.is_empty() {
            return Ok(());
        }
        self.missing.sort();
        Err(VariableError::Missing {
            component: component.to_owned(),
            variables: self.missing,
        })
    }
}

#[cfg(test)]
mod tests;
