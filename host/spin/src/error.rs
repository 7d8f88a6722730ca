//! Errors: loading a manifest, one problem in it, a bad route, and
//! resolving a component's variables.

use std::fmt;
use std::path::PathBuf;

/// Why a Spin manifest could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// The manifest file could not be read.
    #[error("cannot read Spin manifest `{}`", path.display())]
    Read {
        /// The manifest path.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The manifest is not valid TOML.
    #[error("Spin manifest is not valid TOML")]
    Syntax(#[from] toml::de::Error),
    /// The manifest is TOML but not an application `caracal-host serve` can
    /// run; every problem found is listed.
    #[error("{}", ProblemList(.0))]
    Invalid(Vec<ManifestProblem>),
}

impl LoadError {
    /// The problems of an [`LoadError::Invalid`] manifest (empty otherwise).
    pub fn problems(&self) -> &[ManifestProblem] {
        match self {
            LoadError::Invalid(problems) => problems,
            _ => &[],
        }
    }
}

struct ProblemList<'a>(&'a [ManifestProblem]);

impl fmt::Display for ProblemList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.len();
        write!(
            f,
            "Spin manifest has {n} problem{}:",
            if n == 1 { "" } else { "s" }
        )?;
        self.0.iter().try_for_each(|p| write!(f, "\n  - {p}"))
    }
}

/// One problem in a Spin manifest. `location` names where it is, e.g.
/// ``component `api` `` or `trigger.http[2]`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ManifestProblem {
    /// `spin_manifest_version` is missing or not `2`.
    #[error(
        "`spin_manifest_version` must be 2 (found {found}); only Spin 2 manifests are supported"
    )]
    Version {
        /// What the manifest has instead.
        found: String,
    },
    /// A required key is missing.
    #[error("{location}: missing required key `{key}`")]
    Missing {
        /// Where.
        location: String,
        /// The missing key.
        key: String,
    },
    /// A key has a value of the wrong type.
    #[error("{location}: `{key}` must be {expected}")]
    WrongType {
        /// Where.
        location: String,
        /// The key.
        key: String,
        /// What it must be, e.g. "a string".
        expected: &'static str,
    },
    /// A Spin feature that `caracal-host serve` does not implement.
    #[error("{location}: {feature} is not supported by caracal-host serve")]
    Unsupported {
        /// Where.
        location: String,
        /// The feature, e.g. "`key_value_stores`".
        feature: String,
    },
    /// A key Spin's v2 manifest does not define here.
    #[error("{location}: unknown key `{key}`")]
    UnknownKey {
        /// Where.
        location: String,
        /// The key.
        key: String,
    },
    /// A trigger names a component with no `[component.<id>]` table.
    #[error("{location}: component `{component}` is not defined (no [component.{component}])")]
    UndefinedComponent {
        /// Where.
        location: String,
        /// The missing component id.
        component: String,
    },
    /// A route is malformed.
    #[error("{location}: {source}")]
    InvalidRoute {
        /// Where.
        location: String,
        /// What is wrong.
        source: RouteError,
    },
    /// Two HTTP triggers have the same route (after the base is applied).
    #[error("{location}: route `{route}` is already used by {first}")]
    DuplicateRoute {
        /// The later trigger.
        location: String,
        /// The route as written.
        route: String,
        /// The earlier trigger.
        first: String,
    },
    /// An application variable is badly declared.
    #[error("{location}: {reason}")]
    InvalidVariable {
        /// Where.
        location: String,
        /// What is wrong.
        reason: String,
    },
    /// A `{{ ... }}` template is malformed or names an undeclared variable.
    #[error("{location}: template `{template}`: {reason}")]
    InvalidTemplate {
        /// Where.
        location: String,
        /// The template as written.
        template: String,
        /// What is wrong.
        reason: String,
    },
    /// A `key_value_stores` or `sqlite_databases` label that is not a
    /// store name.
    #[error("{location}: {key} label `{label}`: {LABEL_RULE}")]
    InvalidLabel {
        /// Where.
        location: String,
        /// `key_value_stores` or `sqlite_databases`.
        key: &'static str,
        /// The label as written.
        label: String,
    },
    /// The application has no routable HTTP trigger.
    #[error("no routable [[trigger.http]]: there is nothing to serve")]
    NoHttpRoutes,
}

/// What a store label may be (see [`is_store_label`](crate::is_store_label)).
const LABEL_RULE: &str =
    "labels are 1 to 64 lowercase letters, digits, `_` or `-`, starting with a letter";

/// A malformed HTTP trigger route.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RouteError {
    /// A wildcard (`...` or `*`) that is not the last segment.
    #[error("route `{0}`: a wildcard (`/...`) may only end the route")]
    MisplacedWildcard(String),
    /// A `:name` segment whose name is empty or not `[A-Za-z0-9_-]+`.
    #[error("route `{0}`: parameter names must be non-empty and use only A-Z, a-z, 0-9, `_`, `-`")]
    InvalidParameter(String),
    /// The same `:name` twice in one route.
    #[error("route `{route}`: parameter `{name}` appears twice")]
    DuplicateParameter {
        /// The route as written.
        route: String,
        /// The repeated name.
        name: String,
    },
    /// A control character, or a `?` or `#`, in the route or base.
    #[error("route `{0}`: control characters, `?` and `#` are not allowed")]
    InvalidCharacter(String),
}

/// Why a component's variables could not be resolved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VariableError {
    /// No component with that id.
    #[error("no component `{0}` in the Spin application")]
    UnknownComponent(String),
    /// Required application variables with no value from the lookup.
    #[error(
        "component `{component}`: no value for required variable{} {} (set {})",
        if variables.len() == 1 { "" } else { "s" },
        quoted(variables, |v| v.to_owned()),
        quoted(variables, crate::variable_env_name),
    )]
    Missing {
        /// The component.
        component: String,
        /// The variables without a value, sorted.
        variables: Vec<String>,
    },
}

fn quoted(items: &[String], f: impl Fn(&str) -> String) -> String {
    let quoted: Vec<String> = items.iter().map(|i| format!("`{}`", f(i))).collect();
    quoted.join(", ")
}
