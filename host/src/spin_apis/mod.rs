//! Spin's component APIs, for the Spin components `serve` runs:
//!
//! - variables: `spin:variables/variables@3.0.0` and
//!   `fermyon:spin/variables@2.0.0` ([`variables`]);
//! - key-value: `spin:key-value/key-value@3.0.0` and
//!   `fermyon:spin/key-value@2.0.0`, on the host's own state store
//!   ([`key_value`]);
//! - SQLite: `spin:sqlite/sqlite@3.1.0` (serving 3.0.0 imports too) and
//!   `fermyon:spin/sqlite@2.0.0`, one SQLite file per database label in
//!   the state directory ([`sqlite`]).
//!
//! A component opens only the stores and databases its manifest lists
//! (`key_value_stores`, `sqlite_databases`); any label is served, without
//! a runtime configuration file. Every access is audited under the
//! request's session. A component run by `caracal-host run` has no
//! variables, stores or databases.

mod fermyon;
mod key_value;
mod sqlite;
mod variables;

use std::collections::BTreeSet;
use std::sync::Arc;

use caracal_audit::{AuditEvent, EventKind};
use wasmtime::component::{HasData, Linker, ResourceTable};

use crate::audit::{AuditDecision, Auditor};
use crate::run_state::RunState;

pub use key_value::{KvSpaces, MAX_KEY_BYTES, MAX_KEYS_PER_STORE, MAX_VALUE_BYTES};
pub use sqlite::SqliteDatabases;
pub use variables::ComponentVariables;

/// What one component may reach through Spin's APIs (cheap to clone).
#[derive(Clone, Debug, Default)]
pub struct SpinApis {
    inner: Arc<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    variables: ComponentVariables,
    key_value: Option<Grant<KvSpaces>>,
    sqlite: Option<Grant<SqliteDatabases>>,
    auditor: Option<Auditor>,
}

/// The labels a component may open, and where they live.
#[derive(Debug)]
struct Grant<T> {
    labels: BTreeSet<String>,
    backend: T,
}

impl SpinApis {
    /// No variables, stores or databases.
    pub fn none() -> SpinApis {
        SpinApis::default()
    }

    /// A component's APIs: its `variables`, its `key_value_stores` labels
    /// served from `spaces`, its `sqlite_databases` labels served from
    /// `databases`; accesses are recorded by `auditor`.
    pub fn new(
        variables: ComponentVariables,
        key_value: (Vec<String>, KvSpaces),
        sqlite: (Vec<String>, SqliteDatabases),
        auditor: Auditor,
    ) -> SpinApis {
        let grant = |labels: Vec<String>| labels.into_iter().collect::<BTreeSet<_>>();
        SpinApis {
            inner: Arc::new(Inner {
                variables,
                key_value: Some(Grant {
                    labels: grant(key_value.0),
                    backend: key_value.1,
                }),
                sqlite: Some(Grant {
                    labels: grant(sqlite.0),
                    backend: sqlite.1,
                }),
                auditor: Some(auditor),
            }),
        }
    }

    /// The component's variables.
    pub fn variables(&self) -> &ComponentVariables {
        &self.inner.variables
    }
}

/// Why a store or database label may not be opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusal {
    /// Not a label the host can serve.
    NoSuch,
    /// A label the component's manifest does not list.
    NotGranted,
}

impl<T> Grant<T> {
    /// The backend, when the component may open `label`.
    fn open(&self, label: &str) -> Result<&T, Refusal> {
        if !caracal_spin::is_store_label(label) {
            Err(Refusal::NoSuch)
        } else if !self.labels.contains(label) {
            Err(Refusal::NotGranted)
        } else {
            Ok(&self.backend)
        }
    }
}

/// What the Spin API implementations reach through the store: the
/// component's grants, the resource table, and the request's session (for
/// the audit record).
pub(crate) struct SpinView<'a> {
    pub(crate) apis: &'a SpinApis,
    pub(crate) table: &'a mut ResourceTable,
    pub(crate) session: &'a str,
}

impl SpinView<'_> {
    /// Records one access to `resource` (`kv:<label>`, `sqlite:<label>`):
    /// `op`, allowed or refused with `denied`, and `detail` pairs.
    fn audit(&self, resource: String, op: &str, denied: Option<&str>, detail: &[(&str, &str)]) {
        let Some(auditor) = self.apis.inner.auditor.as_ref().filter(|a| a.is_enabled()) else {
            return;
        };
        audit_access(auditor, self.session, resource, op, denied, detail);
    }
}

/// Records one Spin data access (see [`SpinView::audit`]).
fn audit_access(
    auditor: &Auditor,
    session: &str,
    resource: String,
    op: &str,
    denied: Option<&str>,
    detail: &[(&str, &str)],
) {
    let mut event: AuditEvent = auditor
        .event(EventKind::Storage)
        .session(session.to_owned())
        .resource(resource)
        .decision(match denied {
            None => AuditDecision::Allow,
            Some(_) => AuditDecision::Deny,
        });
    event.method = Some(op.to_owned());
    if let Some(reason) = denied {
        event.reason = Some(reason.to_owned());
    }
    for (key, value) in detail {
        event.detail.insert((*key).to_owned(), (*value).to_owned());
    }
    auditor.record(event);
}

/// The store data the Spin API implementations are implemented on.
pub(crate) struct HasSpin;

impl HasData for HasSpin {
    type Data<'a> = SpinView<'a>;
}

/// Adds every Spin API above to `linker`.
pub(crate) fn add_to_linker(linker: &mut Linker<RunState>) -> wasmtime::Result<()> {
    variables::add_to_linker(linker)?;
    key_value::add_to_linker(linker)?;
    sqlite::add_to_linker(linker)?;
    fermyon::add_to_linker(linker)
}
