//! [`Auditor`]: the host's side of the tamper-evident audit trail. Every
//! spawn, close, attach, lease loss, expiry and outbound decision becomes a
//! hash-chained record (crate `caracal-audit`).

use caracal_audit::{AuditEvent, AuditLog, Chain, EventKind, LogOptions};
use caracal_authority::Clock;
use caracal_store::{AuditRow, Store};
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use caracal_audit::{AuditError, Decision as AuditDecision};

/// Where the host's audit records go: the state store's audit chain (the
/// `caracal-host` binary's default), an append-only JSON-lines file, or
/// nowhere (the library default).
#[derive(Clone)]
pub struct Auditor {
    log: Option<Sink>,
    clock: Arc<dyn Clock>,
    application: String,
}

/// One audit destination.
#[derive(Clone)]
enum Sink {
    File(Arc<AuditLog>),
    Store(Arc<dyn Store>),
}

impl std::fmt::Debug for Auditor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Auditor")
            .field("path", &self.path())
            .field("application", &self.application)
            .finish()
    }
}

impl Auditor {
    /// An auditor that records nothing.
    pub fn disabled(clock: Arc<dyn Clock>, application: impl Into<String>) -> Auditor {
        Auditor {
            log: None,
            clock,
            application: application.into(),
        }
    }

    /// Appends to the log at `path` (created with its directory if needed;
    /// an existing chain continues). Records are flushed to the OS on every
    /// append, so a killed host loses none; they are not `fsync`ed one by
    /// one, which only a power loss could expose.
    pub fn open(
        path: &Path,
        clock: Arc<dyn Clock>,
        application: impl Into<String>,
    ) -> Result<Auditor, AuditError> {
        let log = AuditLog::open_with(path, LogOptions::default().sync(false))?;
        Ok(Auditor {
            log: Some(Sink::File(Arc::new(log))),
            clock,
            application: application.into(),
        })
    }

    /// Appends to the audit chain of `store`: each record is sealed against
    /// the chain head inside the store's transaction, so every host sharing
    /// the store extends one chain, and a committed record survives a
    /// crash whole.
    pub fn to_store(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        application: impl Into<String>,
    ) -> Auditor {
        Auditor {
            log: Some(Sink::Store(store)),
            clock,
            application: application.into(),
        }
    }

    /// The log file, when auditing to a file.
    pub fn path(&self) -> Option<PathBuf> {
        match &self.log {
            Some(Sink::File(log)) => Some(log.path().to_path_buf()),
            _ => None,
        }
    }

    /// A new event of `kind` stamped with the host's clock and application.
    pub(crate) fn event(&self, kind: EventKind) -> AuditEvent {
        AuditEvent::new(kind, self.clock.now_ms()).application(self.application.clone())
    }

    /// Appends `event`. A failed append is logged as an error; the
    /// operation it records has already happened.
    pub(crate) fn record(&self, event: AuditEvent) {
        let result = match &self.log {
            None => Ok(()),
            Some(Sink::File(log)) => log.append(event).map(drop).map_err(|e| e.to_string()),
            Some(Sink::Store(store)) => crate::state::off_runtime(&**store, || {
                store
                    .append_audit(&mut |head| seal_row(head, event.clone()))
                    .map(drop)
                    .map_err(|e| e.to_string())
            }),
        };
        if let Err(error) = result {
            tracing::error!(%error, "audit record lost");
        }
    }

    /// Whether records are kept at all (skip building events otherwise).
    pub(crate) fn is_enabled(&self) -> bool {
        self.log.is_some()
    }
}

/// Seals `event` as the record after `head` (a new chain with none).
fn seal_row(head: Option<&caracal_store::AuditHead>, event: AuditEvent) -> AuditRow {
    let mut chain = Chain::resume(head.map(|h| (h.seq, h.hash.clone())));
    let record = chain.seal(event);
    AuditRow {
        seq: record.seq,
        prev: record.prev.clone(),
        hash: record.hash.clone(),
        record_json: serde_json::to_string(&record)
            .expect("an audit record (strings and numbers) serializes"),
    }
}
