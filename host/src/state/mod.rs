//! Durable state (DESIGN §7): the engine writes through to a
//! [`caracal_store::Store`] (SQLite by default, PostgreSQL shared by many
//! hosts), rebuilds its memory from it at start-up, and follows the
//! store's change feed for what other hosts do.
//!
//! A restarting host recovers as follows: the tasks it owned in its
//! previous life are terminated (their agents died with it), its roots
//! without live children are retired, everything else live is loaded, its
//! own services get one fresh lease period to be re-attached, and
//! sessions of other hosts are loaded as remote (their leases are renewed
//! elsewhere).

mod follower;
mod host_id;
mod persister;
mod records;
mod signing_key;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use caracal_authority::{Engine, RestoreReport, SessionId};
use caracal_store::{Lifecycle, SessionStatus, Store, StoreError};

pub use follower::Follower;
pub use host_id::{DEFAULT_STATE_DIR, HostIdentity};
pub use persister::StorePersister;
pub use signing_key::{SIGNING_KEY_FILE, SIGNING_KEYS_FILE, StoredKeys};

use records::{durable_edge, durable_session};

/// Runs a blocking store call where it may block. The `postgres` client
/// drives its connection with a runtime of its own, which refuses to start
/// on a thread already inside a tokio runtime (a host call, the admin
/// endpoint); there the call moves to a short-lived thread of its own.
/// Elsewhere, and for SQLite, it runs in place.
pub(crate) fn off_runtime<T: Send>(store: &dyn Store, call: impl FnOnce() -> T + Send) -> T {
    if store.backend() == "postgres" && tokio::runtime::Handle::try_current().is_ok() {
        std::thread::scope(|scope| match scope.spawn(call).join() {
            Ok(value) => value,
            Err(panic) => std::panic::resume_unwind(panic),
        })
    } else {
        call()
    }
}

/// What start-up recovery found and did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Recovery {
    /// Tasks of this host's previous life, terminated.
    pub swept_tasks: usize,
    /// Roots of this host's previous life with nothing left under them,
    /// retired.
    pub retired_roots: usize,
    /// What was loaded into memory.
    pub restored: RestoreReport,
}

/// Installs `store` behind `engine`: recovers this host's previous state
/// into it and starts following the change feed. Returns the engine ready
/// for use, the follower (stop it by dropping) and what recovery did.
pub fn attach_store(
    engine: Engine,
    store: Arc<dyn Store>,
    host_id: &str,
) -> Result<(Arc<Engine>, Follower, Recovery), StoreError> {
    let persister = Arc::new(StorePersister::new(
        store.clone(),
        &engine.config().zone_id,
        host_id,
    ));
    let engine = engine.with_persister(persister);
    let now = engine.clock().now_ms();
    // Listen first: nothing committed while loading is missed (applying a
    // change twice does nothing).
    let listener = store.listen()?;
    let mut recovery = Recovery {
        swept_tasks: store.sweep_dead_host_tasks(host_id, now)?.len(),
        ..Recovery::default()
    };
    let snapshot = store.load_live()?;
    let parents: HashSet<&str> = snapshot
        .sessions
        .iter()
        .filter_map(|s| s.parent_id.as_deref())
        .collect();
    let stale_roots: Vec<String> = snapshot
        .sessions
        .iter()
        .filter(|s| {
            s.lifecycle == Lifecycle::Root && s.host_id == host_id && !parents.contains(&*s.id)
        })
        .map(|s| s.id.clone())
        .collect();
    if !stale_roots.is_empty() {
        store.end_sessions(&stale_roots, SessionStatus::Terminated, now)?;
    }
    recovery.retired_roots = stale_roots.len();
    let owners: HashMap<String, String> = snapshot
        .sessions
        .iter()
        .map(|s| (s.id.clone(), s.host_id.clone()))
        .collect();
    let sessions = snapshot
        .sessions
        .iter()
        .filter(|s| !stale_roots.contains(&s.id))
        .map(durable_session)
        .collect::<Result<Vec<_>, _>>()?;
    let edges = snapshot
        .edges
        .iter()
        .map(durable_edge)
        .collect::<Result<Vec<_>, _>>()?;
    recovery.restored = engine.restore(sessions, edges, |id: &SessionId| {
        owners.get(id.as_str()).is_some_and(|h| h == host_id)
    });
    if !recovery.restored.orphans.is_empty() {
        let orphans: Vec<String> = recovery
            .restored
            .orphans
            .iter()
            .map(ToString::to_string)
            .collect();
        store.end_sessions(&orphans, SessionStatus::Terminated, now)?;
    }
    let engine = Arc::new(engine);
    let follower = Follower::start(store, listener, engine.clone(), host_id.to_owned());
    Ok((engine, follower, recovery))
}
