//! [`Auditor`]: the host's side of the tamper-evident audit trail. Every
//! spawn, close, attach, lease loss, expiry and outbound decision becomes a
//! hash-chained record (crate `caracal-audit`).

use caracal_audit::{AuditEvent, AuditLog, EventKind, LogOptions};
use caracal_authority::Clock;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use caracal_audit::{AuditError, Decision as AuditDecision};

/// Where the host's audit records go: an append-only JSON-lines file, or
/// nowhere (the library default; the `caracal-host` binary always audits).
#[derive(Clone)]
pub struct Auditor {
    log: Option<Arc<AuditLog>>,
    clock: Arc<dyn Clock>,
    application: String,
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
            log: Some(Arc::new(log)),
            clock,
            application: application.into(),
        })
    }

    /// The log file, when auditing.
    pub fn path(&self) -> Option<PathBuf> {
        self.log.as_ref().map(|log| log.path().to_path_buf())
    }

    /// A new event of `kind` stamped with the host's clock and application.
    pub(crate) fn event(&self, kind: EventKind) -> AuditEvent {
        AuditEvent::new(kind, self.clock.now_ms()).application(self.application.clone())
    }

    /// Appends `event`. A failed append is logged as an error; the
    /// operation it records has already happened.
    pub(crate) fn record(&self, event: AuditEvent) {
        if let Some(log) = &self.log
            && let Err(error) = log.append(event)
        {
            tracing::error!(%error, "audit record lost");
        }
    }

    /// Whether records are kept at all (skip building events otherwise).
    pub(crate) fn is_enabled(&self) -> bool {
        self.log.is_some()
    }
}
